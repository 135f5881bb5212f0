//! The command-line interface: clap definitions only. Doc comments are the `--help` text.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::checks::{self, Check, CheckSpec, ThresholdValue};
use crate::report::Output;
pub use crate::report::output::{ColorChoice, Format};
use crate::units::{Percent, parse_positive_duration};

/// Database diagnostics for on-call engineers.
///
/// Runs read-only checks against a live PostgreSQL, MySQL/MariaDB or PgBouncer and prints what it
/// found with the runbook steps that apply. Exit codes follow the monitoring-plugin convention:
/// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
#[derive(Debug, Parser)]
#[command(name = "dbrunbook", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Connection URL: postgres://user:<password>@host:5432/db,
    /// mysql://user:<password>@host:3306/db, or libpq key=value pairs. Defaults to DATABASE_URL,
    /// then to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a
    /// PgBouncer selects its admin console.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line, the
    /// Prometheus text.
    #[arg(long = "format", id = "format", global = true, value_name = "FORMAT", default_value = "table",
          value_parser = EnumValueParser::<Format>::new().map(FormatFlag::Report))]
    format_flag: FormatFlag,

    /// A directory of runbook YAML files that add to or override the built-in ones by id.
    /// Repeatable; later directories win. Without it, DBRUNBOOK_RUNBOOKS=dir1:dir2.
    // Not split on ':' here: a URL pasted by mistake would be cut between its user and password,
    // and the pieces quoted in the error could not be recognised and redacted.
    #[arg(long = "runbooks", global = true, value_name = "DIR")]
    runbook_dirs: Vec<PathBuf>,

    /// Give up connecting after this long (e.g. 500ms, 5s). Default: the URL's connect_timeout
    /// if it has one, else 5s.
    #[arg(long = "connect-timeout", global = true, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub connect_timeout_arg: Option<Duration>,

    /// Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN.
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    /// Colour the status words: auto (only on a terminal, and not when NO_COLOR is set),
    /// always, or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// The fleet file naming the targets of --all, --tag and serve. Default: ./dbrunbook.yaml,
    /// else $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml (~/.config when unset).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log what the tool does to stderr (-v); passwords are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl GlobalArgs {
    /// The reports' format.
    pub fn format(&self) -> Format {
        self.format_flag.report()
    }

    /// Where this run's reports go: `--format` and `--color` for stdout as it is.
    pub fn output(&self) -> Output {
        Output::stdout(self.format(), self.color)
    }

    /// The `--runbooks` directories, else those of DBRUNBOOK_RUNBOOKS (split like PATH).
    pub fn runbook_dirs(&self) -> Vec<PathBuf> {
        if !self.runbook_dirs.is_empty() {
            return self.runbook_dirs.clone();
        }
        std::env::var_os("DBRUNBOOK_RUNBOOKS")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What `runbooks export` writes: its own `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Prometheus alerting rules, one per runbook.
    PrometheusRules,
}

/// A `--format` as clap holds it. Clap hands a global flag's value to every level of the
/// command line by its name, so `runbooks export`'s own `--format` has the global flag's name
/// and this one type; each flag accepts only its own formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatFlag {
    Report(Format),
    Export(ExportFormat),
}

impl FormatFlag {
    /// The report format. An export format reaches here only on `runbooks export`, which writes
    /// no report.
    fn report(self) -> Format {
        match self {
            FormatFlag::Report(f) => f,
            FormatFlag::Export(_) => Format::Table,
        }
    }

    /// The export format. `runbooks export` requires its own `--format`, which wins over a
    /// global one typed before the subcommand, so a report format does not reach here.
    pub fn export(self) -> ExportFormat {
        match self {
            FormatFlag::Export(f) => f,
            FormatFlag::Report(_) => ExportFormat::PrometheusRules,
        }
    }
}

/// The subcommands: the built-in ones below, then one per check, generated from its spec.
#[derive(Debug)]
pub enum Command {
    Builtin(Builtin),
    Check(CheckCommand),
}

#[derive(Debug, Subcommand)]
pub enum Builtin {
    /// Every check over one connection, with the runbooks' default thresholds: the one to type
    /// first in an incident, and to run from cron or monitoring (`check` is the same command).
    /// The status is the worst check's.
    #[command(visible_alias = "check")]
    Diagnose(CheckArgs),
    /// Restore a backup file into a scratch database it creates, count its tables and rows,
    /// compare them with the source (--url), report the restore time, and drop the scratch copy.
    ///
    /// The one command that writes, and only into a database it creates: named
    /// dbrunbook_restore_<time>_<random>, marked with a comment, and dropped at the end (also
    /// after a failure, a timeout or Ctrl-C) only while it still carries this run's marker. It
    /// refuses when --scratch-url is the source's server and database. --timeout defaults to 1h
    /// for this command (restores take long), not the 30s shown below.
    #[command(display_order = 50)]
    RestoreCheck(RestoreArgs),
    /// A Prometheus exporter for the fleet file's targets, in the multi-target pattern of
    /// postgres_exporter: GET /probe?target=NAME diagnoses the named target (names from the fleet
    /// file only, never URLs) and answers in the Prometheus text format; /metrics is the
    /// exporter's own health. Stops cleanly on SIGTERM or Ctrl-C.
    #[command(display_order = 99)]
    Serve(ServeArgs),
    /// List, show and validate runbooks.
    #[command(subcommand, display_order = 100)]
    Runbooks(RunbooksCommand),
    /// Print a shell completion script to stdout.
    #[command(display_order = 101)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `restore-check`'s own arguments (its help text is on `Builtin::RestoreCheck`).
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup: a pg_dump file (plain SQL, custom or tar format) or directory (directory
    /// format), or a mysqldump/mariadb-dump file; gzip, zstd, xz and bzip2 files are
    /// decompressed on the fly. The format is recognised by content, not by name.
    #[arg(value_name = "BACKUP")]
    pub backup: PathBuf,

    /// The server to restore into (postgres://... or mysql://...). Its database is only where
    /// the tool connects to create the scratch one (PostgreSQL: e.g. postgres).
    #[arg(long, value_name = "URL")]
    pub scratch_url: String,

    /// Keep the scratch database afterwards (its name is in the report) instead of dropping it.
    #[arg(long)]
    pub keep: bool,

    /// Allow the scratch server and database to be the source's (--url): without it the tool
    /// refuses to restore into the server and database it would compare against.
    #[arg(long)]
    pub i_know_this_is_production: bool,

    /// Allow a --scratch-url account with superuser (PostgreSQL) or global (MariaDB/MySQL)
    /// privileges. The dump's own code (functions, triggers, COPY ... PROGRAM, statements about
    /// other databases) then runs with them on the scratch server: only for a backup you trust.
    /// Without it, use an account that may only create databases (PostgreSQL: CREATEDB; MariaDB:
    /// ALL on `dbrunbook\_restore\_%`.*).
    #[arg(long)]
    pub trust_backup: bool,

    /// How far a table's row count may differ from the source before it is CRITICAL rather
    /// than WARNING, in percent of the source's count.
    #[arg(long, value_name = "PERCENT", default_value = "10%", value_parser = Percent::parse)]
    pub row_tolerance: Percent,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:9187 or [::]:9187.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9187")]
    pub listen: std::net::SocketAddr,

    /// Probes running at once; one more is answered 503 at once (Prometheus counts a failed
    /// scrape) rather than queued behind a slow target past the scrape timeout.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub max_probes: u16,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rows of detail per list; the counts stay exact.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = limit_parser())]
    pub limit: u64,

    /// Run only this check (repeatable); all of them by default.
    #[arg(long, value_name = "CHECK", value_parser = check_names())]
    pub only: Vec<String>,

    /// Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_interval, long_help = WATCH_HELP,
          conflicts_with_all = ["all", "tag"])]
    pub watch: Option<Duration>,

    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--watch`'s long help, shared by `diagnose` and the check subcommands.
const WATCH_HELP: &str = "Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`. On a terminal \
the screen is cleared and redrawn under a header line (interval, time, status), and the last \
report stays on screen when you stop. Piped, the reports follow one another (a header line \
before each table; JSON documents or Nagios lines as they are). Exit code: the last finished \
run's status, UNKNOWN (3) if none finished. Not with --format prometheus: use cron or a scrape.";

/// The shortest `--watch` interval: a diagnosis every second is already a load on a sick server.
const MIN_WATCH: Duration = Duration::from_secs(1);

fn parse_watch_interval(input: &str) -> Result<Duration, String> {
    let d = parse_positive_duration(input)?;
    if d < MIN_WATCH {
        return Err(format!(
            "--watch {input} is too often: at least 1s, so the diagnosis does not add to the load"
        ));
    }
    Ok(d)
}

/// Choosing targets from the fleet file instead of `--url`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Diagnose every target of the fleet file (see --config), concurrently.
    #[arg(long, conflicts_with = "url")]
    pub all: bool,

    /// Diagnose the fleet file's targets carrying this tag (repeatable: any of them).
    #[arg(long, value_name = "TAG", conflicts_with = "url")]
    pub tag: Vec<String>,

    /// Targets diagnosed at once, over all servers. Each holds one connection and a few hundred
    /// KiB while it runs, far below file descriptor limits.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,

    /// Targets of one server (the same host and port) diagnosed at once, so that a fleet of
    /// databases on one server never takes --jobs of its connection slots and CPUs at once. A
    /// server that does not answer within the connect timeout has nothing to protect: its other
    /// targets are then tried all at once, so they too end within one more deadline.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub server_jobs: u16,
}

impl FleetArgs {
    /// Whether the fleet file, not `--url`, names the targets.
    pub fn wanted(&self) -> bool {
        self.all || !self.tag.is_empty()
    }
}

fn check_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(checks::CHECKS.iter().map(|c| c.spec().name))
}

/// Most rows of detail `--limit` may ask for: past it a typo, not a wish.
const MAX_LIMIT: u64 = 100_000;

fn limit_parser() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(0..=MAX_LIMIT)
}

/// One check run on its own, with its threshold flags as typed.
#[derive(Debug)]
pub struct CheckCommand {
    pub check: &'static dyn Check,
    /// Threshold key → value, only for the flags given.
    pub flags: BTreeMap<String, ThresholdValue>,
    pub limit: usize,
    /// The check's other options as given: key → values.
    pub options: BTreeMap<String, Vec<String>>,
    /// `--watch`: rerun at this interval until Ctrl-C.
    pub watch: Option<Duration>,
}

/// A check's subcommand: one flag per threshold, with the spec's help and default.
fn check_command(spec: &'static CheckSpec) -> clap::Command {
    let mut cmd = clap::Command::new(spec.name).about(spec.about.trim_end_matches('.'));
    for t in spec.thresholds {
        let kind = t.kind;
        cmd = cmd.arg(
            Arg::new(t.key)
                .long(t.flag())
                .value_name(kind.value_name())
                .help(format!("{} (default {}).", t.help, t.default))
                .value_parser(move |s: &str| kind.parse(s)),
        );
    }
    for o in spec.options {
        let arg = Arg::new(o.key).long(o.flag()).value_name(o.value_name).help(o.help);
        cmd = cmd.arg(if o.repeatable {
            arg.action(clap::ArgAction::Append)
        } else {
            arg
        });
    }
    cmd.arg(
        Arg::new("limit")
            .long("limit")
            .value_name("N")
            .value_parser(limit_parser())
            .default_value(spec.default_limit.to_string())
            .help("Rows of detail per list; the counts stay exact."),
    )
    .arg(
        Arg::new("watch")
            .long("watch")
            .value_name("DURATION")
            .value_parser(parse_watch_interval)
            .help("Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.")
            .long_help(WATCH_HELP),
    )
}

impl FromArgMatches for Command {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        if let Some((name, sub)) = matches.subcommand()
            && let Some(check) = checks::find(name)
        {
            let flags = check
                .spec()
                .thresholds
                .iter()
                .filter_map(|t| sub.get_one::<ThresholdValue>(t.key).map(|v| (t.key.to_string(), *v)))
                .collect();
            let limit = sub
                .get_one::<u64>("limit")
                .map(|n| *n as usize)
                .unwrap_or(check.spec().default_limit);
            let options = check
                .spec()
                .options
                .iter()
                .filter_map(|o| {
                    let values: Vec<String> = sub.get_many::<String>(o.key)?.cloned().collect();
                    Some((o.key.to_string(), values))
                })
                .collect();
            return Ok(Command::Check(CheckCommand {
                check,
                flags,
                limit,
                options,
                watch: sub.get_one::<Duration>("watch").copied(),
            }));
        }
        Builtin::from_arg_matches(matches).map(Command::Builtin)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Command::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for Command {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        let cmd = Builtin::augment_subcommands(cmd);
        checks::CHECKS
            .iter()
            .fold(cmd, |cmd, c| cmd.subcommand(check_command(c.spec())))
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Command::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        Builtin::has_subcommand(name) || checks::find(name).is_some()
    }
}

#[derive(Debug, Subcommand)]
pub enum RunbooksCommand {
    /// List the runbooks in effect (built-in plus --runbooks directories).
    List,
    /// Print one runbook in full.
    Show {
        /// The runbook id, e.g. pool-exhaustion.
        id: String,
    },
    /// Check runbook files (directories or single files): YAML syntax, fields, thresholds and
    /// placeholders. Reports every problem as file:line:column and exits 1 if there are any.
    Validate {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write the runbooks in another tool's format to stdout. `--format prometheus-rules`: a
    /// Prometheus rules file with one alerting rule per runbook, on the metrics of
    /// `--format prometheus`, whose annotations link the alert to its runbook.
    Export {
        /// The format to write.
        #[arg(long = "format", id = "format", value_name = "FORMAT", required = true,
              value_parser = EnumValueParser::<ExportFormat>::new().map(FormatFlag::Export))]
        format: FormatFlag,
        /// The URL of a runbook's page, `{id}` standing for the runbook id, e.g.
        /// 'https://wiki.example.com/runbooks/{id}': the alerts' runbook_url annotation.
        #[arg(long, value_name = "PATTERN", value_parser = crate::runbook::rules::parse_url_pattern)]
        runbook_url: Option<String>,
        /// How long a check must stay in a runbook's status before its alert fires.
        #[arg(long = "for", value_name = "DURATION", default_value = "5m", value_parser = parse_positive_duration)]
        for_: Duration,
    },
}
