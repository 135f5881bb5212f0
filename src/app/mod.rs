//! The program: parse arguments (usage errors exit 3, UNKNOWN, not clap's 2 which monitoring
//! reads as CRITICAL), dispatch the subcommand, print, and return the exit code.

mod completions;
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
    let (mut cli, timeout_typed) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            // --help and --version: nothing of the user's is echoed.
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            let said = usage_error(&e);
            crate::log::stderr(&said);
            // Monitoring reads stdout: the status line in the format asked for, even now.
            let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
            let first = said.lines().next().unwrap_or("usage error");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            return ExitCode::from(crate::report::Output::requested(&args).failed(first));
        }
    };
    crate::log::set_level(cli.global.verbose);
    // A URL typed where it is most natural, after the subcommand, is the --url it means.
    let typed_url = match &cli.command {
        Command::Builtin(Builtin::Diagnose(args)) => args.typed_url.clone(),
        Command::Check(one) => one.typed_url.clone(),
        _ => None,
    };
    if typed_url.is_some() {
        cli.global.url = typed_url;
    }
    // A check that waits an --interval between two snapshots gets the default deadline on top
    // of it: `slow --interval 1m` works as typed. A typed --timeout is the user's and stays.
    if !timeout_typed
        && let Command::Check(one) = &cli.command
        && let Ok(Some(wait)) = one.check.interval(&one.options)
    {
        cli.global.timeout = cli.global.timeout.max(wait + cli.global.timeout);
    }
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
            crate::report::output::emit(&completions::script(*shell));
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
    let text = flag_tip(e, &args).unwrap_or_else(|| e.render().to_string());
    sanitize(&redact_echoed_args(&text, &args), false)
}

/// For an unknown `--flag`, the message with our own suggestion: clap weighs only the
/// subcommand's own flags and by a looser measure (`--ulr` got `--full`, not the global
/// `--url`). `None` when nothing is close: clap's message stands.
fn flag_tip(e: &clap::Error, args: &[String]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let name = typed.split('=').next().unwrap_or(typed).strip_prefix("--")?;
    let mut root = Cli::command();
    root.build();
    // The deepest subcommand named on the line: its flags include the global ones once built.
    let mut cmd = &root;
    for word in args.iter().skip(1) {
        if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub;
        }
    }
    let longs: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
    let best = *crate::text::did_you_mean(name, &longs).first()?;
    Some(format!(
        "error: unexpected argument '{typed}' found\n\n  tip: a similar argument exists: '--{best}'\n\n{}\n\n\
         For more information, try '--help'.\n",
        cmd.clone().render_usage()
    ))
}
