//! The command-line interface: clap definitions only. Doc comments are the `--help` text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::units::{Percent, parse_duration, parse_positive_duration};

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

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Connection URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, or
    /// libpq key=value pairs. Defaults to DATABASE_URL, then to PGHOST, PGPORT, PGUSER,
    /// PGPASSWORD, PGDATABASE and PGSSLMODE as psql reads them. The `pgbouncer` database of a
    /// PgBouncer selects its admin console.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Output format: a table for people, JSON for programs, a Nagios/Icinga plugin line.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// A directory of runbook YAML files that add to or override the built-in ones by id.
    /// Repeatable; later directories win.
    #[arg(
        long = "runbooks",
        global = true,
        value_name = "DIR",
        env = "DBRUNBOOK_RUNBOOKS",
        value_delimiter = ':',
        hide_env_values = true
    )]
    pub runbook_dirs: Vec<PathBuf>,

    /// Give up connecting after this long (e.g. 500ms, 5s).
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_positive_duration)]
    pub connect_timeout: Duration,

    /// Deadline for the whole run, connecting included; whatever is unfinished then is UNKNOWN.
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    /// Colour the status words: auto (only on a terminal, and not when NO_COLOR is set),
    /// always, or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Log what the tool does to stderr (-v); passwords are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Nagios,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every check (pool, queries, locks) over one connection, with the runbooks' default
    /// thresholds: the one to run from cron or monitoring. The status is the worst check's.
    Check(CheckArgs),
    /// Connection-pool status: connections used against the server's limit, by state and by
    /// holder; PgBouncer pools and waiting clients; a server too full to let us in.
    Pool(PoolArgs),
    /// Long-running statements, long transactions and sessions idle in a transaction: who runs
    /// them (pid, user, database, application, client), for how long, and what they wait on.
    Queries(QueriesArgs),
    /// Lock contention: who waits for whom, as trees from the root blockers down; metadata locks
    /// on MySQL; deadlocks; the lock settings that decide how waits end.
    Locks(LocksArgs),
    /// List, show and validate runbooks.
    #[command(subcommand)]
    Runbooks(RunbooksCommand),
    /// Print a shell completion script to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rows of detail per list; the counts stay exact.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct PoolArgs {
    /// WARNING at this share of usable connections (default from the runbook: 80%).
    #[arg(long, value_name = "PERCENT", value_parser = Percent::parse)]
    pub warning: Option<Percent>,

    /// CRITICAL at this share of usable connections (default from the runbook: 95%).
    #[arg(long, value_name = "PERCENT", value_parser = Percent::parse)]
    pub critical: Option<Percent>,

    /// PgBouncer: WARNING when a client has waited this long for a server connection (default 1s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait_warning: Option<Duration>,

    /// PgBouncer: CRITICAL when a client has waited this long (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait_critical: Option<Duration>,

    /// Rows of detail per list (top holders); the totals stay exact.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct QueriesArgs {
    /// WARNING when a statement has run, or a transaction been open, this long (default 1m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub warning: Option<Duration>,

    /// CRITICAL when a statement has run, or a transaction been open, this long (default 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub critical: Option<Duration>,

    /// WARNING when a session has sat idle inside a transaction this long (default 1m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_warning: Option<Duration>,

    /// CRITICAL when a session has sat idle inside a transaction this long (default 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_critical: Option<Duration>,

    /// Rows of detail (worst first); the counts stay exact.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct LocksArgs {
    /// WARNING when a session has waited this long for a lock (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub warning: Option<Duration>,

    /// CRITICAL when a session has waited this long for a lock (default 60s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub critical: Option<Duration>,

    /// CRITICAL when this many sessions are blocked, however short the waits (default 5).
    #[arg(long, value_name = "N", value_parser = crate::checks::parse_count)]
    pub blocked_critical: Option<u64>,

    /// Rows of detail in the lock trees; the counts stay exact.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
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
}
