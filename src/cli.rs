//! The command-line interface: clap definitions only. Doc comments are the `--help` text.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::checks::{self, Check, CheckSpec, ThresholdValue};
use crate::report::Output;
use crate::report::output::View;
pub use crate::report::output::{ColorChoice, Format};
use crate::units::{Percent, parse_positive_duration};

/// Database diagnostics for on-call engineers.
///
/// Runs read-only checks against a live PostgreSQL, MySQL/MariaDB or PgBouncer and prints what it
/// found with the runbook steps that apply. Exit codes follow the monitoring-plugin convention:
/// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
#[derive(Debug, Parser)]
#[command(name = "dbrunbook", version, propagate_version = true, max_term_width = 100,
          after_long_help = MANUAL)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The end of `dbrunbook --help`, and the source of the man pages' EXAMPLES, EXIT STATUS,
/// ENVIRONMENT, FILES and SEE ALSO sections (a heading is a line ending in `:` at the margin;
/// each subcommand's page takes the examples that run it).
pub const MANUAL: &str = "\
Examples:
  dbrunbook diagnose postgres://postgres@127.0.0.1/postgres
      Every check over one connection; on a terminal, one screen with the first commands.
  dbrunbook diagnose --url \"$DATABASE_URL\" --watch 5s
      The same screen redrawn every 5 s until Ctrl-C.
  dbrunbook locks --url \"$DATABASE_URL\" --full
      The lock tree from its root blockers down, and the whole runbook.
  dbrunbook queries --url \"$DATABASE_URL\" --format json
      Long statements and transactions, for a script.
  dbrunbook pool --url postgres://admin@pgbouncer-host:6432/pgbouncer
      PgBouncer's pools, through its admin console.
  dbrunbook diagnose --all --format nagios
      Every target of the fleet file, as one monitoring-plugin line.
  dbrunbook runbooks show lock-contention
      A runbook in full.

Exit status:
  0  OK: every check passed.
  1  WARNING: the worst check reached its warning threshold.
  2  CRITICAL: the worst check reached its critical threshold.
  3  UNKNOWN: a check could not see (no connection, a missing privilege, the deadline), or the
     command line was wrong.

Environment:
  DATABASE_URL          The connection URL when none is typed.
  PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT
                        Read as psql reads them when there is no URL at all.
  PGPASSFILE            Where .pgpass is (default ~/.pgpass).
  DBRUNBOOK_RUNBOOKS    Runbook directories, separated like PATH, when --runbooks is not given.
  NO_COLOR              No colour, even on a terminal.
  COLUMNS, LINES        The screen's size when the terminal does not tell it.

Files:
  ./dbrunbook.yaml, $XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml
                        The fleet file of --all, --tag and serve (see --config).
  ~/.pgpass, ~/.my.cnf  Passwords, found as psql and the mysql client find them.

See also:
  psql(1), mariadb(1), pg_activity(1), watch(1)";

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
    /// Untyped, a check waiting an --interval (slow) gets the interval on top of the 30s.
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

    /// Write the report to FILE instead of stdout: in one step (a temporary file beside it, then
    /// a rename), and only a complete report, so a run that fails or is killed leaves the old
    /// file. With --format prometheus the file also says whether the run succeeded and when
    /// (dbrunbook_last_run_success, dbrunbook_last_run_timestamp_seconds): a failed run keeps the
    /// old numbers with dbrunbook_last_run_success 0.
    #[arg(long = "output", global = true, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

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
        Output::stdout(self.format(), self.color).into_file(self.output_file.clone())
    }

    /// The `--runbooks` directories, else those of DBRUNBOOK_RUNBOOKS (split like PATH). A
    /// value that is not a list of paths (a connection string set there by mistake) is refused
    /// whole: split on `:`, its pieces would be printed as directory names, password included.
    pub fn runbook_dirs(&self) -> Result<Vec<PathBuf>, String> {
        if !self.runbook_dirs.is_empty() {
            return Ok(self.runbook_dirs.clone());
        }
        let Some(value) = std::env::var_os("DBRUNBOOK_RUNBOOKS") else {
            return Ok(Vec::new());
        };
        if !looks_like_paths(&value.to_string_lossy()) {
            return Err(
                "DBRUNBOOK_RUNBOOKS is not a list of directories (its value is not shown: it holds \
                        a URL, '@', '=' or a control character); set it to runbook directories \
                        separated by ':', or pass --runbooks DIR"
                    .into(),
            );
        }
        Ok(std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect())
    }
}

/// Whether an environment variable's value reads as directories separated like PATH, not as a
/// connection string (`postgres://u:pw@h`, `password=...`) or free text.
fn looks_like_paths(value: &str) -> bool {
    !value.contains("://")
        && !value.contains(['@', '='])
        && !value.chars().any(char::is_control)
        && crate::redact::redact_conninfo(value) == value
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
    /// End sessions the safe way: by the session references a report prints (pg:PID@...,
    /// my:THREAD@...), or in bulk for a leaked pool (--application/--user with --state and
    /// --older-than).
    ///
    /// Each session is read again first and refused, with the rule named, when it is no longer
    /// the session (or transaction) referred to, when it is protected (autovacuum, replication,
    /// a backup, a server thread, this tool's own session) or when it only waits on a lock (the
    /// root is named instead). Then the evidence is saved to a file it names; a running statement
    /// is cancelled, and the session terminated only if it still holds on after --grace; an idle
    /// or idle-in-transaction session is terminated directly; the effect is verified. On a
    /// terminal it shows the plan and asks; otherwise it sends nothing without --yes. Each
    /// session acted on appends one JSON line to the audit log. Exit code: 0 all ended, 1 some
    /// refused or nothing confirmed, 2 one would not end, 3 could not look.
    #[command(display_order = 60)]
    End(EndArgs),
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

/// `end`'s own arguments (its help text is on `Builtin::End`).
#[derive(Debug, Args)]
pub struct EndArgs {
    /// Session references as a report prints them: pg:PID@BACKEND_START[/XACT_START] or
    /// my:THREAD@SERVER_START[/TRX_STARTED].
    #[arg(value_name = "SESSION")]
    pub references: Vec<String>,

    /// Bulk: the sessions of this application (PostgreSQL application_name; MySQL the client's
    /// program_name, when performance_schema is on).
    #[arg(long, value_name = "NAME")]
    pub application: Option<String>,

    /// Bulk: the sessions of this database user.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Bulk: only sessions in this state.
    #[arg(long, value_name = "STATE", value_enum)]
    pub state: Option<EndState>,

    /// Bulk: only sessions in their state (or transaction) for at least this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub older_than: Option<Duration>,

    /// How long to wait after cancelling a statement before terminating the session.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_positive_duration)]
    pub grace: Duration,

    /// Send without asking (needed when not on a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Only show what would be done; send nothing.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,

    /// The audit log to append to. Default: $XDG_STATE_HOME/dbrunbook/end-audit.jsonl (else
    /// ~/.local/state/dbrunbook/end-audit.jsonl).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,

    /// Where the evidence files go. Default: $XDG_STATE_HOME/dbrunbook/evidence (else
    /// ~/.local/state/dbrunbook/evidence).
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
}

/// The session states `end --state` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndState {
    /// Idle inside an open transaction (MySQL: a sleeping thread with an InnoDB transaction).
    IdleInTransaction,
    /// Running a statement.
    Active,
    /// Idle, no transaction.
    Idle,
}

impl EndState {
    pub fn matches(self, state: &str) -> bool {
        match self {
            EndState::IdleInTransaction => state.starts_with("idle in transaction"),
            EndState::Active => state == "active",
            EndState::Idle => state == "idle",
        }
    }
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

    /// PostgreSQL and MySQL/MariaDB sessions kept open between probes, one per target, at most N
    /// in all (0: connect for every probe). A kept session runs the next probe's queries without
    /// a new connection (on PostgreSQL, with its statements already prepared); the connect check
    /// still times a new connection made alongside. Each is read-only, like every session of the tool, and counts
    /// against the server's connections.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(0..=4096))]
    pub keep_connections: u16,

    /// A kept session unused this long is closed.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_positive_duration)]
    pub keep_idle: Duration,

    /// On a kept session, the size check (every table's size on disk, transaction ID ages:
    /// figures that change over minutes and cost the server most of a probe) measures at most
    /// this often; probes in between answer the last measurement and say its age (0s: every
    /// probe). A check given --interval always measures.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::units::parse_duration)]
    pub size_every: Duration,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The connection URL, as --url takes it: `dbrunbook diagnose postgres://...`.
    #[arg(id = "typed_url", value_name = "URL", conflicts_with_all = ["url", "all", "tag", "target"])]
    pub typed_url: Option<String>,

    /// Rows of detail per list; the counts stay exact.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = limit_parser())]
    pub limit: u64,

    /// Run only this check (repeatable); all of them by default.
    #[arg(long, value_name = "CHECK", value_parser = check_names())]
    pub only: Vec<String>,

    /// Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`.
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_interval, long_help = WATCH_HELP,
          conflicts_with_all = ["all", "tag", "target"])]
    pub watch: Option<Duration>,

    #[command(flatten)]
    pub fleet: FleetArgs,

    #[command(flatten)]
    pub view: ViewArgs,
}

/// How much of the report a table shows.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// One screen: the status block, the root or top holder and the first commands. The
    /// default on a terminal the full report would overflow, and for --watch.
    #[arg(long, conflicts_with = "full")]
    pub brief: bool,

    /// The whole report (every table, note and runbook step), even on a small terminal.
    #[arg(long)]
    pub full: bool,
}

impl ViewArgs {
    pub fn view(&self) -> View {
        view_of(self.brief, self.full)
    }
}

fn view_of(brief: bool, full: bool) -> View {
    match (brief, full) {
        (true, _) => View::Brief,
        (false, true) => View::Full,
        (false, false) => View::Fit,
    }
}

/// `--watch`'s long help, shared by `diagnose` and the check subcommands.
const WATCH_HELP: &str = "Rerun every DURATION (at least 1s) until Ctrl-C, like `watch`. On a terminal \
the one-screen view (--brief; --full for the whole report) is redrawn in place under a header \
line (interval, time, status), without scrolling, and the last report stays on screen when you stop. Piped, the reports follow one another (a header line \
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

    /// Diagnose the fleet file's target of this name (repeatable), with its thresholds and
    /// options from the file: the name a Prometheus alert's `target` label carries.
    #[arg(long = "target", value_name = "NAME", conflicts_with_all = ["url", "all", "tag"])]
    pub target: Vec<String>,

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
        self.all || !self.tag.is_empty() || !self.target.is_empty()
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
    /// `--brief`, `--full`, or as the screen allows.
    pub view: View,
    /// The URL typed without `--url`.
    pub typed_url: Option<String>,
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
        Arg::new("typed_url")
            .value_name("URL")
            .conflicts_with("url")
            .help("The connection URL, as --url takes it: `dbrunbook SUBCOMMAND postgres://...`."),
    )
    .arg(
        Arg::new("brief")
            .long("brief")
            .action(clap::ArgAction::SetTrue)
            .conflicts_with("full")
            .help("One screen: the status block, the root or top holder and the first commands."),
    )
    .arg(
        Arg::new("full")
            .long("full")
            .action(clap::ArgAction::SetTrue)
            .help("The whole report (every table, note and runbook step), even on a small terminal."),
    )
    .arg(
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
                view: view_of(sub.get_flag("brief"), sub.get_flag("full")),
                typed_url: sub.get_one::<String>("typed_url").cloned(),
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
        #[arg(value_parser = RunbookId, hide_possible_values = true)]
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
        /// The URL of a target's live diagnosis page, `{target}` standing for the fleet name,
        /// e.g. 'http://dbrunbook-exporter:9187/report?target={target}' (serve's /report): the
        /// alerts' report_url annotation and a line of their description.
        #[arg(long, value_name = "PATTERN", value_parser = crate::runbook::rules::parse_report_pattern)]
        report_url: Option<String>,
        /// How long a check must stay in a runbook's status before its alert fires.
        #[arg(long = "for", value_name = "DURATION", default_value = "5m", value_parser = parse_positive_duration)]
        for_: Duration,
        /// How long an alert keeps firing on its target's last status once the target is no
        /// longer scraped (exporter down, probe timed out, textfile gone); DbrunbookProbeFailed
        /// fires meanwhile.
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_positive_duration)]
        hold: Duration,
        /// The Prometheus scrape job of serve's /probe, as in the README's scrape config.
        #[arg(long, value_name = "NAME", default_value = "dbrunbook", value_parser = crate::runbook::rules::parse_job)]
        job: String,
    },
}

/// A runbook id: any string (a user's runbooks are only known once their directories load),
/// with the built-in ids offered to shell completion.
#[derive(Debug, Clone)]
struct RunbookId;

impl TypedValueParser for RunbookId {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let ids: Vec<String> = crate::runbook::Catalog::embedded()
            .map(|c| c.runbooks().iter().map(|r| r.id.clone()).collect())
            .unwrap_or_default();
        Some(Box::new(ids.into_iter().map(clap::builder::PossibleValue::new)))
    }
}
