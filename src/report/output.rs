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

    /// Prints one target's report; returns its exit code.
    pub fn print(&self, report: &Report) -> u8 {
        emit(&self.render(report));
        report.exit_code
    }

    /// Prints a fleet's report; returns its exit code.
    pub fn print_fleet(&self, fleet: &FleetReport) -> u8 {
        emit(&self.render_fleet(fleet));
        fleet.exit_code
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn emit(text: &str) {
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
