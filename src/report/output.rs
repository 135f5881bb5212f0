//! Where a report goes: the `--format` and `--color` choices, the one match from a format to
//! its renderer, and stdout. An [`Output`] is made once from the command line (format, colour on
//! or off, terminal width) and then prints every report of the run, one target or a fleet.
//! What the formats look like lives in their own files, not here.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;

use super::json::Json;
use super::nagios::Nagios;
use super::prometheus::Prometheus;
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

/// How this run's reports reach stdout.
pub struct Output {
    pub format: Format,
    /// Whether the table's status words are coloured.
    pub color: bool,
    /// The terminal's width when stdout is one: tables wrap to fit.
    pub width: Option<u16>,
}

impl Output {
    /// For stdout as it is: colour and width only on a terminal.
    pub fn stdout(format: Format, color: ColorChoice) -> Output {
        let terminal = std::io::stdout().is_terminal();
        Output {
            format,
            color: use_color(color, terminal),
            width: terminal.then(terminal_width).flatten(),
        }
    }

    /// The one place a format meets its renderer.
    fn renderer(&self) -> Box<dyn Render> {
        match self.format {
            Format::Table => Box::new(Table {
                color: self.color,
                width: self.width,
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
        emit(&self.plain(self.render(report)));
        report.exit_code
    }

    /// Prints a fleet's report; returns its exit code.
    pub fn print_fleet(&self, fleet: &FleetReport) -> u8 {
        emit(&self.plain(self.render_fleet(fleet)));
        fleet.exit_code
    }
}

/// Writes to stdout, through the one redaction step; a closed pipe (`| head`) is not an error worth a panic.
pub fn emit(text: &str) {
    let text = crate::redact::boundary(text);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
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

/// `$COLUMNS`, else 120.
pub fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(120))
}
