//! The program: parse arguments (usage errors exit 3, UNKNOWN, not clap's 2 which monitoring
//! reads as CRITICAL), dispatch the subcommand, print, and return the exit code.

mod run;
mod runbooks;
mod watch;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Builtin, Cli, Command};
use crate::diagnose::Deadlines;
use crate::redact::redact_echoed_args;
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
    let code = match &cli.command {
        Command::Builtin(Builtin::Diagnose(args)) => run::all(&cli.global, args),
        Command::Check(one) => run::one(&cli.global, one),
        Command::Builtin(Builtin::RestoreCheck(args)) => {
            // A restore takes long: the global 30s default would cut every real one short.
            let deadlines = Deadlines {
                timeout: if timeout_typed {
                    cli.global.timeout
                } else {
                    crate::restore::DEFAULT_TIMEOUT
                },
                ..Deadlines::from_args(&cli.global)
            };
            let report = crate::restore::run(cli.global.url.as_deref(), deadlines, args);
            cli.global.output().print(&report)
        }
        Command::Builtin(Builtin::End(args)) => {
            let report = crate::end::run(cli.global.url.as_deref(), Deadlines::from_args(&cli.global), args);
            cli.global.output().print(&report)
        }
        Command::Builtin(Builtin::Serve(args)) => run::serve(&cli.global, args),
        Command::Builtin(Builtin::Runbooks(cmd)) => runbooks::run(&cli.global, cmd),
        Command::Builtin(Builtin::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "dbrunbook", &mut out);
            crate::report::output::emit(&String::from_utf8_lossy(&out));
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
