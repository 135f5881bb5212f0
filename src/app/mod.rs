//! The program: parse arguments (usage errors exit 3, UNKNOWN, not clap's 2 which monitoring
//! reads as CRITICAL), dispatch the subcommand, print, and return the exit code.

mod run;
mod runbooks;
mod watch;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Builtin, Cli, ColorChoice, Command, Format, GlobalArgs, RunbooksCommand};
use crate::redact::redact_echoed_args;
use crate::report::{Report, json, nagios, prometheus, table};
use crate::text::sanitize;

pub fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, timeout_typed(&m))));
    let (cli, timeout_typed) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            // --help and --version: nothing of the user's is echoed.
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            eprint!("{}", usage_error(&e));
            return ExitCode::from(3);
        }
    };
    crate::log::set_level(cli.global.verbose);
    if cli.global.format == Format::PrometheusRules
        && !matches!(
            cli.command,
            Command::Builtin(Builtin::Runbooks(RunbooksCommand::Export { .. }))
        )
    {
        eprintln!(
            "dbrunbook: --format prometheus-rules is for `dbrunbook runbooks export`; reports use table, json, nagios or prometheus"
        );
        return ExitCode::from(3);
    }
    let code = match &cli.command {
        Command::Builtin(Builtin::Diagnose(args)) => run::all(&cli.global, args),
        Command::Check(one) => run::one(&cli.global, one),
        Command::Builtin(Builtin::RestoreCheck(args)) => {
            // A restore takes long: the global 30s default would cut every real one short.
            let timeout = if timeout_typed {
                cli.global.timeout
            } else {
                crate::restore::DEFAULT_TIMEOUT
            };
            print_report(&cli.global, &crate::restore::run(&cli.global, args, timeout))
        }
        Command::Builtin(Builtin::Serve(args)) => run::serve(&cli.global, args),
        Command::Builtin(Builtin::Runbooks(cmd)) => runbooks::run(&cli.global, cmd),
        Command::Builtin(Builtin::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "dbrunbook", &mut out);
            emit(&String::from_utf8_lossy(&out));
            0
        }
    };
    ExitCode::from(code)
}

/// Whether `--timeout` was typed (before or after the subcommand), not left at its default.
fn timeout_typed(matches: &clap::ArgMatches) -> bool {
    let typed = |m: &clap::ArgMatches| m.value_source("timeout") == Some(clap::parser::ValueSource::CommandLine);
    typed(matches) || matches.subcommand().is_some_and(|(_, sub)| typed(sub))
}

/// clap's message for a usage error quotes the arguments it did not like, which may be a URL
/// with its password (`dbrunbook pool postgres://u:pw@h/db`): redact them by their structure.
/// Plain text: the redaction must see the arguments as typed, not split by colour codes; and the
/// arguments' own escape sequences are defused like any other outside text.
fn usage_error(e: &clap::Error) -> String {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    sanitize(&redact_echoed_args(&e.render().to_string(), &args), false)
}

/// Prints a report in the chosen format and returns its exit code.
fn print_report(global: &GlobalArgs, report: &Report) -> u8 {
    emit(&render_report(global, report));
    report.exit_code
}

/// A report in the chosen format, coloured and sized for stdout.
fn render_report(global: &GlobalArgs, report: &Report) -> String {
    match global.format {
        Format::Json => json::render(report),
        Format::Nagios => nagios::render(report),
        Format::Prometheus => prometheus::render(report),
        Format::PrometheusRules => unreachable!("refused in main before any run"),
        Format::Table => {
            let stdout = std::io::stdout();
            let width = stdout.is_terminal().then(terminal_width).flatten();
            table::render(
                report,
                &table::TableOptions {
                    color: use_color(global.color, stdout.is_terminal()),
                    width,
                },
            )
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn emit(text: &str) {
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

pub(crate) fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(120))
}
