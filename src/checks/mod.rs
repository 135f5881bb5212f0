//! Checks, one module each. A check declares its [`CheckSpec`] (name, help, engines, thresholds
//! with their defaults, what it offers runbooks), the queries it needs for a server, and a pure
//! function from their rows to an [`Outcome`]. [`CHECKS`] is the one list: subcommands, `check`,
//! runbook validation, completions and the README reference are derived from it. No printing
//! here, and no SQL outside the checks' `sql/` files.

pub mod backups;
pub mod connect;
pub mod locks;
pub mod migrations;
pub mod observed_session;
pub mod pool;
pub mod queries;
pub mod replication;
pub mod session_ref;
pub mod size;
pub mod slow;
mod thresholds;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

pub use observed_session::ObservedSession;
pub use thresholds::{Crossed, Threshold, ThresholdKind, ThresholdValue, Thresholds, parse_count};

use crate::engine::{ConnectError, Query, QueryResult, Rows, ServerInfo};
use crate::report::{Finding, Metric, Status};
use crate::target::Engine;

/// What a check is, for the CLI, for runbook validation and for the README.
pub struct CheckSpec {
    pub name: &'static str,
    /// The subcommand's help: first line short, the rest for `--help`.
    pub about: &'static str,
    /// Engines it runs on; on the others it is UNKNOWN with a hint.
    pub engines: &'static [Engine],
    pub thresholds: &'static [Threshold],
    /// Options other than thresholds (`--dir PATH`, `--framework NAME`...), as typed.
    pub options: &'static [CheckOption],
    /// Pairs that must not cross: (warning key, critical key, what they measure).
    pub ordered: &'static [(&'static str, &'static str, &'static str)],
    /// Rows of detail shown by default (`--limit`).
    pub default_limit: usize,
    /// What it measures changes over minutes, not seconds (table sizes, transaction ID ages),
    /// and measuring costs the server: `serve` answers a measurement up to `--size-every` old
    /// from a kept session instead of measuring again for every probe.
    pub steady: bool,
    /// What it reads is the server's, the same from every database for one role (sessions,
    /// locks, replication): a fleet run reads it once per server and role, and its other
    /// targets there judge those rows.
    pub server_wide: bool,
    pub placeholders: &'static [&'static str],
    /// Placeholders filled per finding, in steps marked `each: true`.
    pub item_placeholders: &'static [&'static str],
    pub conditions: &'static [&'static str],
}

/// A check's option other than a threshold: `--key VALUE`, as text; the check parses it.
#[derive(Debug)]
pub struct CheckOption {
    pub key: &'static str,
    pub value_name: &'static str,
    pub help: &'static str,
    /// May be given several times.
    pub repeatable: bool,
}

impl CheckOption {
    pub fn flag(&self) -> String {
        self.key.replace('_', "-")
    }
}

impl CheckSpec {
    pub fn threshold(&self, key: &str) -> Option<&'static Threshold> {
        self.thresholds.iter().find(|t| t.key == key)
    }
}

/// What a check sees of the run: the server, its resolved thresholds, how many rows to show.
pub struct Context<'a> {
    pub server: &'a ServerInfo,
    pub thresholds: &'a Thresholds,
    pub limit: usize,
    /// The spec's options as given, key → values (empty when not given, and under `check`).
    pub options: &'a BTreeMap<String, Vec<String>>,
    /// The check was asked for by name (its own subcommand, or `--only`), not run as one of
    /// `diagnose`'s every check: a feature the server does not have (statement statistics)
    /// is then UNKNOWN, since the question cannot be answered, rather than OK with the reason.
    pub named: bool,
    /// The previous run's counters against this target (see [`crate::memory`]), when the
    /// verdict is given; `None` while the queries are chosen.
    pub memory: Option<&'a crate::memory::Memory>,
}

impl Context<'_> {
    pub fn engine(&self) -> Engine {
        self.server.engine
    }

    /// The last value of an option, if given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).and_then(|v| v.last()).map(String::as_str)
    }
}

/// A check: its spec, the queries it needs, and the verdict on their rows.
pub trait Check: Sync {
    fn spec(&self) -> &'static CheckSpec;

    /// The statements to run for this server, in the order `evaluate` reads them.
    fn queries(&self, ctx: &Context) -> Vec<Query>;

    /// Queries that depend on the first batch's rows (tables the server listed), sent as one
    /// second batch for every check that has any. `results` holds the first batch's.
    fn follow_up(&self, _ctx: &Context, _results: &Results) -> Vec<Query> {
        Vec::new()
    }

    /// Two snapshots this far apart (`--interval`), so the check can judge the change between
    /// them rather than totals since the server's counters were last reset: after the first
    /// snapshot (queries and follow-ups) the run waits, then sends the same queries and
    /// follow-ups again; `evaluate` finds them in [`Results::second`]. Asked before connecting:
    /// an `Err` is bad input, reported without a connection.
    fn interval(&self, _options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
        Ok(None)
    }

    /// Pure: rows in, verdict out. `results` holds the queries' results, then the follow-ups'.
    /// An `Err` makes the check UNKNOWN with its message. Called through [`Check::evaluate`].
    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome>;

    /// [`Check::outcome`], and in debug builds (every test run) a panic when it set a runbook
    /// fact its spec does not declare: the runbooks' side is checked by their validation, so
    /// between the two a fact's name cannot drift between check and runbook unnoticed.
    fn evaluate(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let outcome = self.outcome(ctx, results);
        if let Ok(o) = &outcome {
            let undeclared = o.facts.undeclared(self.spec());
            debug_assert!(
                undeclared.is_empty(),
                "{}: undeclared facts {undeclared:?}",
                self.spec().name
            );
        }
        outcome
    }

    /// The verdict when the server refused the tool's own connection; `None`: UNKNOWN.
    fn refused(&self, _err: &ConnectError, _engine: Engine) -> Option<Outcome> {
        None
    }

    /// This check's subject is the connection itself: when the connection fails it tells the
    /// failure, once, and the other checks of the run say only that they did not run.
    fn probes_connection(&self) -> bool {
        false
    }

    /// Work outside the database (reading backup files, asking another program), to run on a
    /// thread of its own while the tool connects and queries, bounded by `ctx.deadline`; its
    /// result reaches `evaluate` as `results.local`. Deciding is quick and done on the caller's
    /// thread; `None`: the check has nothing to do here, and no thread is started for it.
    fn inspect(&self, _ctx: &LocalContext) -> Option<LocalWork> {
        None
    }

    /// The verdict from `inspect`'s facts alone when the connection failed (`why`); `None`
    /// leaves the verdict to `refused`.
    fn evaluate_offline(&self, _ctx: &LocalContext, _local: &Result<LocalFacts>, _why: &str) -> Option<Outcome> {
        None
    }
}

/// What `inspect` sees: the check's thresholds and options and the run's deadline; no server.
pub struct LocalContext {
    pub engine: Engine,
    pub thresholds: Thresholds,
    pub options: BTreeMap<String, Vec<String>>,
    /// Past this instant local work stops and says how far it got.
    pub deadline: std::time::Instant,
}

/// What `inspect`'s work found; the check that made it downcasts it in `evaluate`.
pub type LocalFacts = Box<dyn std::any::Any + Send>;

/// The local work `inspect` hands over, run on a thread of its own.
pub type LocalWork = Box<dyn FnOnce() -> Result<LocalFacts> + Send>;

impl std::fmt::Debug for dyn Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.spec().name)
    }
}

/// Every check, in the order `dbrunbook check` runs and reports them.
pub static CHECKS: &[&dyn Check] = &[
    &connect::Connect,
    &pool::Pool,
    &queries::Queries,
    &locks::Locks,
    &migrations::Migrations,
    &backups::Backups,
    &slow::Slow,
    &size::Size,
    &replication::Replication,
];

pub fn find(name: &str) -> Option<&'static dyn Check> {
    CHECKS.iter().copied().find(|c| c.spec().name == name)
}

pub fn spec(name: &str) -> Option<&'static CheckSpec> {
    find(name).map(|c| c.spec())
}

/// The results of one check's queries, in the order it asked for them.
pub struct Results<'a> {
    pub queries: &'a [Query],
    pub results: &'a [QueryResult],
    /// Where the second snapshot starts, for a check with an [`Check::interval`].
    pub second_at: Option<usize>,
    /// What the check's `inspect` found; `None` in `follow_up` (it may still be running) and
    /// for checks without local work.
    pub local: Option<&'a Result<LocalFacts>>,
}

impl<'a> Results<'a> {
    /// The first snapshot's results only.
    pub fn first(&self) -> Results<'a> {
        let end = self.second_at.unwrap_or(self.results.len()).min(self.results.len());
        Results {
            queries: &self.queries[..end.min(self.queries.len())],
            results: &self.results[..end],
            second_at: None,
            local: self.local,
        }
    }

    /// The second snapshot, taken [`Check::interval`] after the first, indexed like the first.
    pub fn second(&self) -> Option<Results<'a>> {
        let start = self.second_at?;
        Some(Results {
            queries: self.queries.get(start..)?,
            results: self.results.get(start..)?,
            second_at: None,
            local: self.local,
        })
    }

    /// The rows of query `i`; its failure as an error naming what it was reading.
    pub fn rows(&self, i: usize) -> Result<&Rows> {
        match self.results.get(i) {
            Some(Ok(rows)) => Ok(rows),
            Some(Err(e)) => Err(anyhow!("{}", e.message)).with_context(|| self.label(i)),
            None => Err(anyhow!("query {i} was not run")),
        }
    }

    /// The outcome of query `i` as it is, for checks that can do without it.
    pub fn get(&self, i: usize) -> Option<&QueryResult> {
        self.results.get(i)
    }

    fn label(&self, i: usize) -> &'static str {
        self.queries.get(i).map(|q| q.label).unwrap_or("a query")
    }
}

/// The `--interval` option of a check that takes two snapshots: `None` when not given, an
/// error naming the flag when it is not a positive duration.
pub fn interval_option(options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
    options
        .get("interval")
        .and_then(|v| v.last())
        .map(|text| crate::units::parse_positive_duration(text).map_err(|e| anyhow!("--interval: {e}")))
        .transpose()
}

/// Longest query text put into a runbook step; the finding keeps the whole text.
pub const STEP_QUERY_MAX: usize = 200;

/// What a check learned that runbook steps may use: placeholder values and conditions.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub values: BTreeMap<String, String>,
    pub conditions: BTreeSet<String>,
    /// The condition of the worst finding: picks the runbook when several would fit.
    pub lead: Option<String>,
    /// One set of values per finding, for steps marked `each`.
    pub items: Vec<BTreeMap<String, String>>,
}

impl Facts {
    pub fn set(&mut self, key: &str, value: impl ToString) {
        self.values.insert(key.into(), value.to_string());
    }

    pub fn flag(&mut self, condition: &str) {
        self.conditions.insert(condition.into());
    }

    /// The placeholders and conditions set here that `spec` does not declare (a runbook could
    /// not use them: validation refuses what the spec does not list).
    pub fn undeclared(&self, spec: &CheckSpec) -> Vec<String> {
        let placeholders = self.values.keys().filter(|k| !spec.placeholders.contains(&k.as_str()));
        let items = self
            .items
            .iter()
            .flat_map(|item| item.keys())
            .filter(|k| !spec.item_placeholders.contains(&k.as_str()) && !spec.placeholders.contains(&k.as_str()));
        let conditions = self
            .conditions
            .iter()
            .chain(&self.lead)
            .filter(|c| !spec.conditions.contains(&c.as_str()));
        let mut out: Vec<String> = placeholders.chain(items).chain(conditions).cloned().collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A check's verdict before a runbook is attached.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub summary: String,
    pub metrics: Vec<Metric>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub facts: Facts,
}

impl Outcome {
    pub fn unknown(summary: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Unknown,
            summary: summary.into(),
            metrics: vec![],
            findings: vec![],
            notes: vec![],
            facts: Facts::default(),
        }
    }
}

/// OK below `warning`, WARNING from it, CRITICAL from `critical`.
pub fn grade(value: f64, warning: f64, critical: f64) -> Status {
    if value >= critical {
        Status::Critical
    } else if value >= warning {
        Status::Warning
    } else {
        Status::Ok
    }
}

/// The GRANT that lets this role see every session: `pg_monitor` on PostgreSQL, `PROCESS` on
/// MySQL, for the account the server says we are (`CURRENT_USER()` is `user@host`).
pub fn visibility_grant(engine: Engine, account: &str) -> String {
    match engine {
        Engine::Mysql => format!("GRANT PROCESS ON *.* TO {};", crate::quote::mysql::account(account)),
        Engine::Postgres | Engine::Pgbouncer => format!("GRANT pg_monitor TO {};", crate::quote::pg::ident(account)),
    }
}

/// No OK while blind: a check that could not see `hidden` sessions of other users cannot vouch
/// for them. OK becomes UNKNOWN; a worse verdict stands. Either way the summary (and so the
/// Nagios line) carries the GRANT that fixes it.
pub fn vouch_for_hidden(outcome: &mut Outcome, hidden: i64, grant: &str) {
    if hidden <= 0 {
        return;
    }
    outcome.facts.flag("insufficient_privilege");
    let blind = format!("{hidden} session(s) of other users are hidden from this user ({grant})");
    if outcome.status == Status::Ok {
        outcome.status = Status::Unknown;
        outcome.summary = format!(
            "cannot vouch for {blind}; of the sessions it can see: {}",
            outcome.summary
        );
    } else {
        outcome.summary = format!("{}; {blind}", outcome.summary);
    }
}

/// The README's reference section for every check, generated from the specs; a test keeps the
/// README's copy equal to it.
pub fn reference() -> String {
    let mut out = String::new();
    for check in CHECKS {
        let s = check.spec();
        let engines: Vec<&str> = s.engines.iter().map(|e| e.name()).collect();
        out.push_str(&format!(
            "### `dbrunbook {}`\n\n{}\n\nEngines: {}. `--limit` default: {}.\n\n",
            s.name,
            s.about.lines().next().unwrap_or_default(),
            engines.join(", "),
            s.default_limit
        ));
        out.push_str("| flag | default | meaning |\n| --- | --- | --- |\n");
        for t in s.thresholds {
            out.push_str(&format!("| `--{}` | {} | {} |\n", t.flag(), t.default, t.help));
        }
        for o in s.options {
            out.push_str(&format!("| `--{} {}` | | {} |\n", o.flag(), o.value_name, o.help));
        }
        let list = |items: &[&str]| items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("\nPlaceholders: {}.", list(s.placeholders)));
        if !s.item_placeholders.is_empty() {
            out.push_str(&format!(
                " Per finding, in steps with `each: true`: {}.",
                list(s.item_placeholders)
            ));
        }
        out.push_str(&format!("\n\nConditions: {}.\n\n", list(s.conditions)));
    }
    out
}

/// A verdict test's [`Context`]: a PostgreSQL server of this version, the spec's default
/// thresholds and these options, the check asked for by name.
#[cfg(test)]
pub(crate) struct Fixture {
    server: ServerInfo,
    thresholds: Thresholds,
    options: BTreeMap<String, Vec<String>>,
}

#[cfg(test)]
impl Fixture {
    pub(crate) fn postgres(spec: &CheckSpec, version_num: u32, options: &[(&str, &str)]) -> Fixture {
        Fixture {
            server: ServerInfo {
                engine: Engine::Postgres,
                reused: None,
                version: format!("{}.{}", version_num / 10000, version_num % 10000),
                version_num,
                mariadb: false,
                phases: Vec::new(),
            },
            thresholds: Thresholds::resolve(spec, &BTreeMap::new(), &BTreeMap::new()).unwrap(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect(),
        }
    }

    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            server: &self.server,
            thresholds: &self.thresholds,
            limit: 10,
            options: &self.options,
            named: true,
            memory: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_is_consistent() {
        let mut names = BTreeSet::new();
        for check in CHECKS {
            let s = check.spec();
            assert!(names.insert(s.name), "two checks named {}", s.name);
            for t in s.thresholds {
                t.kind
                    .parse(t.default)
                    .unwrap_or_else(|e| panic!("{}: default of {}: {e}", s.name, t.key));
            }
            for (w, c, _) in s.ordered {
                assert!(
                    s.threshold(w).is_some() && s.threshold(c).is_some(),
                    "{}: {w}/{c}",
                    s.name
                );
            }
            Thresholds::resolve(s, &BTreeMap::new(), &BTreeMap::new())
                .unwrap_or_else(|e| panic!("{}: defaults out of order: {e}", s.name));
        }
    }

    /// Every fact a check's code names literally (`.set("x", ..)`, `.flag("x")`) is declared in
    /// its spec, so a runbook can use it; names built at run time are caught by the debug
    /// assertion in [`Check::evaluate`].
    #[test]
    fn every_literal_fact_is_declared_in_its_spec() {
        fn sources(path: &std::path::Path, out: &mut String) {
            if path.is_dir() {
                for entry in std::fs::read_dir(path).unwrap() {
                    sources(&entry.unwrap().path(), out);
                }
            } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
        fn literals<'a>(text: &'a str, call: &str) -> Vec<&'a str> {
            text.match_indices(call)
                .filter_map(|(at, _)| text[at + call.len()..].split('"').next())
                .collect()
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
        for check in CHECKS {
            let s = check.spec();
            let mut text = String::new();
            sources(&root.join(format!("{}.rs", s.name)), &mut text);
            sources(&root.join(s.name), &mut text);
            assert!(!text.is_empty(), "no source found for check {}", s.name);
            for key in literals(&text, ".set(\"") {
                assert!(
                    s.placeholders.contains(&key) || s.item_placeholders.contains(&key),
                    "{}: sets '{key}', which its spec does not declare in placeholders",
                    s.name
                );
            }
            for condition in literals(&text, ".flag(\"") {
                assert!(
                    s.conditions.contains(&condition),
                    "{}: flags '{condition}', which its spec does not declare in conditions",
                    s.name
                );
            }
        }
    }

    #[test]
    fn second_snapshot_is_indexed_like_the_first() {
        let query = |label| Query::new(label, "SELECT 1");
        let queries = [query("a"), query("b"), query("a"), query("b")];
        let results: Vec<QueryResult> = (0..4).map(|_| Ok(Rows::default())).collect();
        let all = Results {
            queries: &queries,
            results: &results,
            second_at: Some(2),
            local: None,
        };
        assert_eq!(all.first().results.len(), 2);
        let second = all.second().expect("a second snapshot");
        assert_eq!(second.results.len(), 2);
        assert_eq!(second.queries[1].label, "b");
        let one = Results {
            queries: &queries[..2],
            results: &results[..2],
            second_at: None,
            local: None,
        };
        assert!(one.second().is_none());
        assert_eq!(one.first().results.len(), 2);
    }

    #[test]
    fn readme_reference_matches_the_specs() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let (begin, end) = ("<!-- checks:begin -->\n", "<!-- checks:end -->");
        let start = readme.find(begin).expect("README has a checks:begin marker") + begin.len();
        let stop = readme.find(end).expect("README has a checks:end marker");
        let generated = reference();
        if readme[start..stop] != generated {
            if std::env::var_os("DBRUNBOOK_BLESS").is_some() {
                std::fs::write(&path, format!("{}{generated}{}", &readme[..start], &readme[stop..])).unwrap();
            } else {
                panic!(
                    "README's check reference is stale: run `DBRUNBOOK_BLESS=1 cargo test --lib readme_reference` \
                     and review the diff"
                );
            }
        }
    }
}
