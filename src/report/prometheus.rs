//! The Prometheus text exposition format, for node_exporter's textfile collector or a scrape:
//! `# HELP` and `# TYPE` once per family, before its samples, each family's samples together;
//! label values escaped (`\\`, `\"`, `\n`); every check metric a gauge (the server's own
//! counters a counter) labelled with the target and the check, plus each check's status (0-3),
//! the runbook chosen for it (what `runbooks export --format prometheus-rules` alerts on),
//! whether the target answered, and how long the run took. A fleet labels every sample with the
//! target's name in the fleet file.

use std::collections::BTreeMap;

use super::{FleetReport, Metric, Render, Report, Status, Unit};
use crate::units::{Places, decimal};

pub struct Prometheus;

impl Render for Prometheus {
    fn report(&self, report: &Report) -> String {
        render_targets(&[(report.target.url.as_str(), report)])
    }

    fn fleet(&self, fleet: &FleetReport) -> String {
        let reports: Vec<(&str, &Report)> = fleet.targets.iter().map(|t| (t.name.as_str(), &t.report)).collect();
        render_targets(&reports)
    }

    fn failure(&self, _message: &str) -> String {
        run_marker(false, unix_now())
    }
}

/// The families of [`run_marker`], which only a run's own record carries (`--output`, a
/// failed run's stdout), never a probe.
const RUN_MARKER: [&str; 2] = ["dbrunbook_last_run_success", "dbrunbook_last_run_timestamp_seconds"];

/// Whether the run that wrote this produced a complete report, and when it ran: what
/// node_exporter's textfile collector passes on, so that a failing cron run is an alert
/// (`dbrunbook_last_run_success == 0`) and a run that stopped happening shows its age.
pub fn run_marker(success: bool, at_unix: f64) -> String {
    let [ok, at] = RUN_MARKER;
    format!(
        "# HELP {ok} 1 when the last run wrote a complete report, 0 when it failed (the numbers above are then the last complete report's).\n\
         # TYPE {ok} gauge\n{ok} {}\n\
         # HELP {at} When the last run ran, complete or not, as a Unix time.\n\
         # TYPE {at} gauge\n{at} {}\n",
        u8::from(success),
        number(at_unix.floor())
    )
}

/// An exposition without its run marker, to which a new one is added.
pub fn without_run_marker(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let name = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
                .unwrap_or(line);
            !RUN_MARKER
                .iter()
                .any(|m| name.strip_prefix(m).is_some_and(|rest| rest.starts_with([' ', '{'])))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Now, as a Unix time in seconds.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One family: its help text and its samples (labels, value), in the order they came.
struct Family {
    help: String,
    /// `gauge`, or `counter` for the server's counters since it started.
    kind: &'static str,
    samples: Vec<(String, f64)>,
}

/// Several targets' reports in one exposition, each sample labelled with its `target` (the
/// fleet file's name), each family's samples still together.
pub fn render_targets(reports: &[(&str, &Report)]) -> String {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut add = |name: String, help: String, labels: String, value: f64| {
        let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
        families
            .entry(name)
            .or_insert_with(|| Family {
                help,
                kind,
                samples: Vec::new(),
            })
            .samples
            .push((labels, value));
    };
    for &(target, report) in reports {
        let up = report.target.server_version.is_some();
        add(
            "dbrunbook_up".into(),
            "1 when the target answered, 0 when dbrunbook could not connect.".into(),
            labels(&[("target", target)]),
            if up { 1.0 } else { 0.0 },
        );
        add(
            "dbrunbook_run_duration_seconds".into(),
            "Wall time of the whole run, connecting included.".into(),
            labels(&[("target", target)]),
            report.elapsed_ms as f64 / 1000.0,
        );
        for check in &report.checks {
            add(
                "dbrunbook_check_status".into(),
                "The check's status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.".into(),
                labels(&[("target", target), ("check", &check.check)]),
                status_value(check.status),
            );
            if let Some(rb) = &check.runbook {
                add(
                    "dbrunbook_check_runbook".into(),
                    "1 for the runbook that applies to the check's status, named in the runbook label.".into(),
                    labels(&[("target", target), ("check", &check.check), ("runbook", &rb.id)]),
                    1.0,
                );
            }
            for m in check
                .metrics
                .iter()
                .filter(|m| !exported_elsewhere(&check.check, &m.name))
            {
                add(
                    exposed_name(&check.check, m),
                    help(m),
                    labels(&[("target", target), ("check", &check.check)]),
                    m.value,
                );
            }
        }
    }
    let mut out = String::new();
    for (name, family) in &families {
        out.push_str(&format!("# HELP {name} {}\n", escape_help(&family.help)));
        out.push_str(&format!("# TYPE {name} {}\n", family.kind));
        for (labels, value) in &family.samples {
            out.push_str(&format!("{name}{{{labels}}} {}\n", number(*value)));
        }
    }
    out
}

/// Quantities a check shows in its own report (JSON, table, Nagios) that another check exports:
/// one quantity under one `check` label, so that `sum by (target)` counts it once.
const EXPORTED_ELSEWHERE: [(&str, &str); 2] = [
    // MySQL's refused and failed connections are the connect check's.
    ("pool", "aborted_connects"),
    ("pool", "connection_errors_max_connections"),
];

/// A metric whose name would put it in one family with another quantity gets a family of its
/// own: the queries check counts the sessions idle in a transaction *longer than its
/// threshold*, the pool check all of them (`dbrunbook_idle_in_transaction`).
const RENAMED: [(&str, &str, &str); 1] = [("queries", "idle_in_transaction", "dbrunbook_long_idle_in_transaction")];

fn exported_elsewhere(check: &str, metric: &str) -> bool {
    EXPORTED_ELSEWHERE.contains(&(check, metric))
}

fn exposed_name(check: &str, m: &Metric) -> String {
    RENAMED
        .iter()
        .find(|(c, name, _)| *c == check && *name == m.name)
        .map_or_else(|| family_name(m), |(_, _, family)| family.to_string())
}

/// What a family measures, said for the engineer reading a scrape; the metric's name and unit
/// for one not listed in [`HELP`].
fn help(m: &Metric) -> String {
    HELP.iter().find(|(name, _)| *name == m.name).map_or_else(
        || format!("dbrunbook metric {} ({}).", m.name, unit_words(m.unit)),
        |(_, text)| text.to_string(),
    )
}

/// Metric name → its HELP text.
const HELP: &[(&str, &str)] = &[
    (
        "resolve_time",
        "Seconds the connect check took to resolve the host name.",
    ),
    ("tcp_time", "Seconds the connect check took to open the TCP connection."),
    ("tls_time", "Seconds the connect check took for the TLS handshake."),
    (
        "startup_time",
        "Seconds the connect check took for startup and authentication.",
    ),
    ("connect_time", "Seconds the connect check took to connect, all phases."),
    ("uptime", "Seconds since the database server started."),
    (
        "sessions_abandoned",
        "PostgreSQL sessions ended because the client disconnected without closing (pg_stat_database), since the statistics reset.",
    ),
    (
        "sessions_fatal",
        "PostgreSQL sessions ended by a fatal error (pg_stat_database), since the statistics reset.",
    ),
    (
        "sessions_killed",
        "PostgreSQL sessions terminated by an operator (pg_stat_database), since the statistics reset.",
    ),
    (
        "connection_errors_per_hour",
        "MySQL/MariaDB failed connection attempts per hour of uptime.",
    ),
    (
        "aborted_clients",
        "MySQL/MariaDB connections closed without a proper quit (Aborted_clients), since the server started.",
    ),
    (
        "aborted_connects",
        "MySQL/MariaDB failed connection attempts (Aborted_connects), since the server started.",
    ),
    ("connections", "Client connections in use on the server."),
    (
        "usage",
        "Connections in use as a percentage of those usable by ordinary roles.",
    ),
    ("max_connections", "The server's connection limit (max_connections)."),
    (
        "reserved_connections",
        "Connections reserved for superusers (superuser_reserved_connections and reserved_connections).",
    ),
    (
        "lock_waiting",
        "Connections waiting on a lock, counted by the pool check.",
    ),
    (
        "idle_in_transaction",
        "Connections idle inside an open transaction, all of them.",
    ),
    (
        "threads_running",
        "MySQL/MariaDB threads running a statement, the tool's own left out.",
    ),
    (
        "max_used_connections",
        "MySQL/MariaDB highest number of connections in use at once since the server started.",
    ),
    ("clients", "PgBouncer client connections."),
    (
        "client_usage",
        "PgBouncer client connections as a percentage of max_client_conn.",
    ),
    ("clients_waiting", "PgBouncer clients waiting for a server connection."),
    ("maxwait", "PgBouncer: seconds the oldest waiting client has waited."),
    (
        "long_running",
        "Statements running longer than the queries check's warning threshold.",
    ),
    (
        "long_transactions",
        "Transactions open longer than the queries check's warning threshold.",
    ),
    ("longest_query", "Seconds the longest-running statement has run."),
    (
        "longest_transaction",
        "Seconds the oldest open transaction has been open.",
    ),
    (
        "longest_idle_in_transaction",
        "Seconds the longest idle-in-transaction session has been idle in its transaction.",
    ),
    (
        "oldest_xmin_age",
        "PostgreSQL: transactions since the oldest snapshot that holds back vacuum.",
    ),
    ("blocked", "Sessions waiting on a lock held by another session."),
    ("longest_wait", "Seconds the longest lock wait has lasted."),
    (
        "root_blockers",
        "Sessions at the root of a lock chain: holding what others wait for, waiting on nobody.",
    ),
    (
        "deadlocks",
        "Deadlocks the server detected, since its statistics reset.",
    ),
    ("pending", "Migrations not yet applied to the database."),
    (
        "wal_archived_count",
        "PostgreSQL WAL files archived (pg_stat_archiver), since the statistics reset.",
    ),
    (
        "wal_archive_failed_count",
        "PostgreSQL WAL archiving failures (pg_stat_archiver), since the statistics reset.",
    ),
    ("wal_ready", "PostgreSQL WAL files waiting to be archived."),
    (
        "pitr_possible",
        "1 when point-in-time recovery is possible (archiving or binary logs kept), else 0.",
    ),
    ("newest_backup_age", "Seconds since the newest backup was taken."),
    ("pgbackrest_backup_age", "Seconds since pgBackRest's newest backup."),
    ("total_bytes", "Bytes taken by the databases the size check measured."),
    (
        "max_bloat",
        "The most bloated table's or index's dead space, as a percentage of its size.",
    ),
    ("bloat_bytes", "Bytes of estimated dead space in tables and indexes."),
    (
        "max_xid_age",
        "PostgreSQL: the oldest database's transaction ID age (age(datfrozenxid)).",
    ),
    (
        "max_mxid_age",
        "PostgreSQL: the oldest database's multixact ID age (mxid_age(datminmxid)).",
    ),
    (
        "xid_wraparound",
        "PostgreSQL: the oldest transaction ID age as a percentage of the way to wraparound.",
    ),
];

fn status_value(status: Status) -> f64 {
    f64::from(status.exit_code())
}

/// `dbrunbook_` + the metric's name, made a valid Prometheus name, with its unit as a suffix.
fn family_name(m: &Metric) -> String {
    let base: String = m
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let suffix = match m.unit {
        Unit::Seconds => "_seconds",
        Unit::Percent => "_percent",
        Unit::Counter => "_total",
        Unit::Count | Unit::Bytes => "",
    };
    let name = if base.ends_with(suffix) {
        format!("dbrunbook_{base}")
    } else {
        format!("dbrunbook_{base}{suffix}")
    };
    // A check metric called `up` must not join the families of the whole run.
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_metric")
    } else {
        name
    }
}

/// The families this renderer defines itself.
const RESERVED: [&str; 6] = [
    "dbrunbook_up",
    "dbrunbook_run_duration_seconds",
    "dbrunbook_check_status",
    "dbrunbook_check_runbook",
    RUN_MARKER[0],
    RUN_MARKER[1],
];

fn unit_words(unit: Unit) -> &'static str {
    match unit {
        Unit::Seconds => "seconds",
        Unit::Percent => "percent",
        Unit::Counter => "a counter since the server started",
        Unit::Bytes => "bytes",
        Unit::Count => "a count",
    }
}

fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect::<Vec<_>>()
        .join(",")
}

fn escape_label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Plain decimal, never scientific notation; NaN and infinities as Prometheus spells them.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        decimal(v, Places::Exact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Report, TargetInfo};

    fn report() -> Report {
        let check = |name: &str, status, metrics| CheckResult {
            check: name.into(),
            status,
            summary: String::new(),
            metrics,
            findings: vec![],
            notes: vec![],
            runbook: (status != Status::Ok).then(|| crate::report::AppliedRunbook {
                id: "pool-exhaustion".into(),
                title: String::new(),
                source: "embedded".into(),
                steps: vec![],
            }),
        };
        Report::new(
            TargetInfo {
                engine: "postgres".into(),
                url: "postgres://u@h:5432/db?x=\"q\"\\".into(),
                server_version: Some("15".into()),
            },
            vec![
                check(
                    "pool",
                    Status::Warning,
                    vec![Metric::new("idle_in_transaction", 2.0, Unit::Count)],
                ),
                check(
                    "queries",
                    Status::Ok,
                    vec![
                        Metric::new("idle_in_transaction", 0.0, Unit::Count),
                        Metric::new("longest_query", 12.5, Unit::Seconds),
                    ],
                ),
            ],
            41,
        )
    }

    #[test]
    fn one_quantity_is_exported_under_one_check() {
        let mut r = report();
        r.checks[0]
            .metrics
            .push(Metric::new("aborted_connects", 7.0, Unit::Counter));
        r.checks.push(CheckResult {
            check: "connect".into(),
            metrics: vec![Metric::new("aborted_connects", 7.0, Unit::Counter)],
            ..r.checks[1].clone()
        });
        let text = Prometheus.report(&r);
        let samples: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("dbrunbook_aborted_connects_total{"))
            .collect();
        assert_eq!(samples.len(), 1, "{text}");
        assert!(samples[0].contains("check=\"connect\""), "{text}");
        assert!(
            text.contains("# TYPE dbrunbook_aborted_connects_total counter\n"),
            "{text}"
        );
    }

    #[test]
    fn a_check_metric_cannot_join_the_runs_own_families() {
        assert_eq!(family_name(&Metric::new("up", 1.0, Unit::Count)), "dbrunbook_up_metric");
        assert_eq!(
            family_name(&Metric::new("check_status", 1.0, Unit::Count)),
            "dbrunbook_check_status_metric"
        );
        assert_eq!(
            family_name(&Metric::new("wait", 1.0, Unit::Seconds)),
            "dbrunbook_wait_seconds"
        );
    }

    #[test]
    fn families_are_contiguous_with_help_and_type_first_and_labels_escaped() {
        let text = Prometheus.report(&report());
        let lines: Vec<&str> = text.lines().collect();
        let idle: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("dbrunbook_idle_in_transaction"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(idle.len(), 3, "HELP, TYPE and the pool's sample only:\n{text}");
        assert!(idle.windows(2).all(|w| w[1] == w[0] + 1), "not contiguous:\n{text}");
        assert_eq!(
            lines[idle[0]],
            "# HELP dbrunbook_idle_in_transaction Connections idle inside an open transaction, all of them."
        );
        assert_eq!(lines[idle[1]], "# TYPE dbrunbook_idle_in_transaction gauge");
        assert!(lines[idle[2]].contains("check=\"pool\""), "{text}");
        // The queries check counts those idle past its threshold: another quantity, another name.
        assert!(
            text.contains("dbrunbook_long_idle_in_transaction{") && text.contains(",check=\"queries\"} 0\n"),
            "{text}"
        );
        assert!(text.contains(r#"target="postgres://u@h:5432/db?x=\"q\"\\""#), "{text}");
        assert!(text.contains("dbrunbook_longest_query_seconds{"), "{text}");
        assert!(text.contains("check=\"pool\"} 1\n"), "{text}");
        assert!(
            text.contains("dbrunbook_check_runbook{target=")
                && text.contains(",check=\"pool\",runbook=\"pool-exhaustion\"} 1\n"),
            "{text}"
        );
        assert!(
            !text.contains("check=\"queries\",runbook"),
            "no runbook for an OK check:\n{text}"
        );
        assert!(text.contains("dbrunbook_run_duration_seconds{target=") && text.contains("} 0.041\n"));
    }
}
