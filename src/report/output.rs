//! Where a report goes: the `--format` and `--color` choices, the one match from a format to
//! its renderer, and stdout. An [`Output`] is made once from the command line (format, colour on
//! or off, terminal width) and then prints every report of the run, one target or a fleet.
//! What the formats look like lives in their own files, not here. `--output FILE` is written
//! here too, in one step and only with a complete report; a run without a report (bad input, a
//! usage error) still writes its status in the format ([`Output::refuse`]).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::json::{self, Json};
use super::nagios::Nagios;
use super::prometheus::{self, Prometheus};
use super::table::Table;
use super::{FleetReport, Render, Report};

/// A report's format (`--format`). A new format is a file implementing [`Render`] and an arm
/// here and in [`Output::renderer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Nagios,
    /// The Prometheus text exposition format (node_exporter's textfile collector).
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How much of a report the table shows (`--brief`, `--full`, or as the terminal allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Everything: every table, note and runbook step.
    Full,
    /// One screen: the status block, the root or top holder, the first commands.
    Brief,
    /// Full when it fits the terminal's height, else brief with a line saying how to see the
    /// rest. Piped (no height), full.
    #[default]
    Fit,
}

/// How this run's reports reach stdout.
pub struct Output {
    pub format: Format,
    /// Whether the table's status words are coloured.
    pub color: bool,
    /// The terminal's width when stdout is one (or `COLUMNS` when set): tables and prose wrap
    /// to fit.
    pub width: Option<u16>,
    /// The terminal's height when stdout is one: what [`View::Fit`] fits into.
    pub height: Option<u16>,
    pub view: View,
    /// `--output FILE`: the report goes there instead of stdout.
    pub file: Option<PathBuf>,
}

impl Output {
    /// For stdout as it is: colour and width only on a terminal.
    pub fn stdout(format: Format, color: ColorChoice) -> Output {
        let terminal = std::io::stdout().is_terminal();
        let size = Screen::of_stdout(terminal);
        Output {
            format,
            color: use_color(color, terminal),
            width: size.width,
            height: size.height,
            view: View::Fit,
            file: None,
        }
    }

    /// The same output showing `view`.
    pub fn with_view(self, view: View) -> Output {
        Output { view, ..self }
    }

    /// The one place a format meets its renderer.
    fn renderer(&self) -> Box<dyn Render> {
        match self.format {
            Format::Table => Box::new(Table {
                color: self.color,
                width: self.width,
                height: self.height,
                view: self.view,
            }),
            Format::Json => Box::new(Json),
            Format::Nagios => Box::new(Nagios),
            Format::Prometheus => Box::new(Prometheus),
        }
    }

    /// One target's report as the format writes it.
    pub fn render(&self, report: &Report) -> String {
        self.renderer().report(report)
    }

    /// A fleet's report as the format writes it.
    pub fn render_fleet(&self, fleet: &FleetReport) -> String {
        self.renderer().fleet(fleet)
    }

    /// Every format but JSON (which escapes them itself) without control or bidi characters a
    /// renderer let through from a value: they would reorder or rewrite what a terminal, a
    /// Prometheus label or a Nagios line shows. A coloured table keeps its own escapes.
    fn plain(&self, text: String) -> String {
        let keep_escapes = self.format == Format::Table && self.color;
        let bad = |c: char| {
            let bidi =
                matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}');
            let control = c.is_control() && c != '\n' && c != '\t' && !(keep_escapes && c == '\u{1b}');
            bidi || control
        };
        match self.format {
            Format::Json => text,
            Format::Table | Format::Nagios | Format::Prometheus if text.contains(bad) => {
                text.chars().map(|c| if bad(c) { '\u{fffd}' } else { c }).collect()
            }
            Format::Table | Format::Nagios | Format::Prometheus => text,
        }
    }

    /// Prints one target's report; returns its exit code.
    pub fn print(&self, report: &Report) -> u8 {
        self.publish(&self.plain(self.render(report)), report.exit_code)
    }

    /// Prints a fleet's report; returns its exit code. JSON goes out target by target, each
    /// through the redaction on its own (a secret never spans two targets), so that a fleet of
    /// thousands is not held as a model, a text and a redacted copy at once.
    pub fn print_fleet(&self, fleet: FleetReport) -> u8 {
        let exit_code = fleet.exit_code;
        if self.format != Format::Json {
            return self.publish(&self.plain(self.render_fleet(&fleet)), exit_code);
        }
        let write = |sink: &mut dyn Write| -> std::io::Result<()> {
            let mut failed = None;
            json::fleet_in_parts(fleet, &mut |part| {
                if failed.is_none()
                    && let Err(e) = sink.write_all(crate::redact::boundary(part).as_bytes())
                {
                    failed = Some(e);
                }
            });
            failed.map_or(Ok(()), Err)
        };
        match &self.file {
            None => {
                // A closed pipe (`| head`) is not an error worth a status.
                let mut out = std::io::stdout().lock();
                let _ = write(&mut out).and_then(|_| out.flush());
                exit_code
            }
            Some(path) => match write_atomically(path, write) {
                Ok(()) => exit_code,
                Err(message) => crate::log::refuse(&message),
            },
        }
    }
}

impl Output {
    /// The same output, writing its reports to `file` (`--output`) instead of stdout.
    pub fn into_file(self, file: Option<PathBuf>) -> Output {
        Output { file, ..self }
    }

    /// The output a command line asked for, read from the raw arguments: for a usage error,
    /// which clap reports before any [`Output`] exists. An unreadable `--format` is the table.
    pub fn requested(args: &[String]) -> Output {
        let value = |flag: &str| {
            let mut found = None;
            for (i, arg) in args.iter().enumerate() {
                if arg == "--" {
                    break;
                }
                if let Some(v) = arg.strip_prefix(&format!("{flag}=")) {
                    found = Some(v.to_string());
                } else if arg == flag {
                    found = args.get(i + 1).cloned();
                }
            }
            found
        };
        let format = value("--format")
            .and_then(|f| Format::from_str(&f, false).ok())
            .unwrap_or(Format::Table);
        Output::stdout(format, ColorChoice::Never).into_file(value("--output").map(PathBuf::from))
    }

    /// A complete report's text: to stdout, or to `--output` in one step (with, in the
    /// Prometheus format, the mark of a successful run). A file that cannot be written makes the
    /// run UNKNOWN, said on stderr; the old file stays.
    fn publish(&self, text: &str, exit_code: u8) -> u8 {
        let Some(path) = &self.file else {
            emit(text);
            return exit_code;
        };
        let mut text = text.to_string();
        if self.format == Format::Prometheus {
            text.push_str(&prometheus::run_marker(true, prometheus::unix_now()));
        }
        let text = crate::redact::boundary(&text);
        match write_atomically(path, |f| f.write_all(text.as_bytes())) {
            Ok(()) => exit_code,
            Err(message) => crate::log::refuse(&message),
        }
    }

    /// A run that produced no report (no fleet file, an unknown target, a usage error): the
    /// message on stderr and UNKNOWN (3). Stdout gets the status in the format (a Nagios line,
    /// a small JSON document, the Prometheus run marker); with `--output`, the old file is left
    /// as it was, except that in the Prometheus format its numbers are kept and marked as the
    /// last complete run's (`dbrunbook_last_run_success 0`), which an alert sees.
    pub fn refuse(&self, message: &str) -> u8 {
        crate::log::refuse(message);
        self.failed(message)
    }

    /// [`Output::refuse`] once the message is already on stderr.
    pub fn failed(&self, message: &str) -> u8 {
        let message = crate::text::sanitize(message, true);
        match (&self.file, self.format) {
            (Some(path), Format::Prometheus) => {
                let old = std::fs::read_to_string(path).unwrap_or_default();
                let mut text = prometheus::without_run_marker(&old);
                text.push_str(&prometheus::run_marker(false, prometheus::unix_now()));
                let text = crate::redact::boundary(&text);
                if let Err(e) = write_atomically(path, |f| f.write_all(text.as_bytes())) {
                    crate::log::refuse(&e);
                }
            }
            (None, _) | (Some(_), Format::Table | Format::Json | Format::Nagios) => {
                emit(&self.renderer().failure(&message));
            }
        }
        crate::report::Status::Unknown.exit_code()
    }
}

/// What `write` writes, into `path` in one step: a temporary file beside it (a hidden name that no textfile
/// collector reads), flushed to disk, then renamed over it. Readers see the old file or the new
/// one, never a part; a run killed before the rename leaves the old file.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temp)
        .and_then(|f| {
            let mut buffered = std::io::BufWriter::new(f);
            write(&mut buffered)?;
            buffered.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|_| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!(
            "cannot write --output {}: {e}; the old file, if any, is left as it was",
            path.display()
        )
    })
}

/// Writes to stdout, through the one redaction step; a closed pipe (`| head`) is not an error
/// worth a panic.
pub fn emit(text: &str) {
    let _ = write_stdout(text);
}

/// [`emit`] for a caller that stops when the reader has gone (`--watch`).
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let text = crate::redact::boundary(text);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|_| out.flush())
}

/// Colour on a terminal unless NO_COLOR is set (https://no-color.org) or TERM is dumb;
/// an explicit `--color always|never` wins over both.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// The screen's size as far as it is known: a terminal's own size (what `stty size` reads),
/// then `COLUMNS`/`LINES` (bash sets them without exporting them, a user may export them), then
/// 80x24 for a terminal that says nothing. Piped, only an exported `COLUMNS` gives a width: a
/// pipe into grep or a file keeps whole lines, and there is no height to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub width: Option<u16>,
    pub height: Option<u16>,
}

impl Screen {
    fn of_stdout(terminal: bool) -> Screen {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u16>().ok())
                .filter(|n| *n > 0)
        };
        if !terminal {
            return Screen {
                width: env("COLUMNS"),
                height: None,
            };
        }
        let (cols, rows) = tty_size().unwrap_or((None, None));
        Screen {
            width: Some(cols.or_else(|| env("COLUMNS")).unwrap_or(80)),
            height: Some(rows.or_else(|| env("LINES")).unwrap_or(24)),
        }
    }
}

/// The terminal's own columns and rows (TIOCGWINSZ on stdout), when it reports them: a
/// pseudo-terminal nobody sized says 0x0. libc is already a dependency (signals, the clock), so
/// one ioctl needs no terminal crate.
fn tty_size() -> Option<(Option<u16>, Option<u16>)> {
    // SAFETY: TIOCGWINSZ writes one winsize into the struct handed to it, which lives for the call.
    let size = unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0).then_some(size)
    }?;
    let known = |n: u16| (n > 0).then_some(n);
    Some((known(size.ws_col), known(size.ws_row)))
}
