//! The size check's verdict, pure: snapshots in, status, findings and runbook facts out.
//! Transaction ID age against the 2^31 wraparound limit and bloat over a minimum size decide
//! the status; sizes and growth are reported as metrics and findings.

use std::collections::BTreeMap;

use super::{BLOAT_CRITICAL, BLOAT_WARNING, Bloat, Database, Snapshot, XID_CRITICAL, XID_WARNING};
use crate::checks::{Facts, ObservedSession, Outcome, Thresholds, grade};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::human_bytes;

/// PostgreSQL stops assigning transaction IDs (and multixacts) before an age of 2^31.
pub const WRAPAROUND_LIMIT: f64 = 2_147_483_648.0;

fn pct(age: i64) -> f64 {
    age as f64 / WRAPAROUND_LIMIT * 100.0
}

fn percent_text(p: f64) -> String {
    if p >= 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.4}%")
    }
}

/// A bloat estimate over the minimum size, judged.
struct Judged<'a> {
    bloat: &'a Bloat,
    wasted: i64,
    ratio: f64,
    severity: Status,
}

/// What one verdict reads: the snapshots, the thresholds and the run's settings.
struct Inputs<'a> {
    snap: &'a Snapshot,
    second: Option<&'a Snapshot>,
    t: &'a Thresholds,
    engine: Engine,
    limit: usize,
    min_size: u64,
    /// Between the two snapshots, when there are two.
    seconds: Option<f64>,
}

/// What the databases' step found, for the summary and the wraparound verdict.
struct Databases<'a> {
    sized: Vec<&'a Database>,
    total: i64,
    growth_total: Option<f64>,
    /// The database with the oldest transaction IDs.
    worst_age: Option<&'a Database>,
}

/// What the bloat step judged, for the status, the lead and the summary.
struct BloatVerdict<'a> {
    /// Worst first.
    judged: Vec<Judged<'a>>,
    status: Status,
    /// Relations whose statistics this role may not read.
    unreadable: usize,
    items: Vec<BTreeMap<String, String>>,
}

/// What the wraparound step judged.
struct Wraparound {
    status: Status,
    summary: Option<String>,
    items: Vec<BTreeMap<String, String>>,
}

pub fn evaluate(
    snap: &Snapshot,
    second: Option<&Snapshot>,
    t: &Thresholds,
    engine: Engine,
    limit: usize,
    min_size: u64,
) -> Outcome {
    let seconds = match (snap.taken_at, second.and_then(|s| s.taken_at)) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    let run = Inputs {
        snap,
        second,
        t,
        engine,
        limit,
        min_size,
        seconds,
    };
    let mut out = Outcome {
        status: Status::Ok,
        summary: String::new(),
        metrics: vec![],
        findings: vec![],
        notes: vec![],
        facts: run.base_facts(),
    };
    let databases = run.databases(&mut out);
    run.tables(&mut out);
    let bloat = run.bloat(&mut out);
    let wraparound = match engine {
        Engine::Postgres | Engine::Pgbouncer => run.wraparound(&mut out, databases.worst_age),
        Engine::Mysql => Wraparound {
            status: Status::Ok,
            summary: None,
            items: vec![],
        },
    };
    out.status = wraparound.status.worst(bloat.status);
    run.lead(&mut out.facts, wraparound.status, wraparound.items, &bloat);
    out.summary = run.summary(&databases, wraparound.summary, &bloat);
    run.not_vouched(&mut out, bloat.unreadable);
    out
}

impl<'a> Inputs<'a> {
    /// The facts every runbook of the check may use: thresholds, minimum size, database.
    fn base_facts(&self) -> Facts {
        let mut facts = Facts::default();
        for threshold in [XID_WARNING, XID_CRITICAL, BLOAT_WARNING, BLOAT_CRITICAL] {
            facts.set(threshold.key, self.t.shown(threshold));
        }
        facts.set("bloat_min_size", human_bytes(self.min_size as f64));
        if !self.snap.current_database.is_empty() {
            facts.set("connected_database", &self.snap.current_database);
        }
        facts
    }

    /// Sizes, largest first; the databases this role may not connect to are counted.
    fn databases(&self, out: &mut Outcome) -> Databases<'a> {
        let snap = self.snap;
        let sized: Vec<&Database> = snap.databases.iter().filter(|d| d.bytes.is_some()).collect();
        let skipped = if snap.sized && snap.all_databases {
            snap.databases.len() - sized.len()
        } else {
            0
        };
        let total: i64 = sized.iter().filter_map(|d| d.bytes).sum();
        out.metrics.push(Metric::new("total_bytes", total as f64, Unit::Bytes));
        out.facts.set("skipped", skipped);
        if skipped > 0 {
            out.metrics
                .push(Metric::new("databases_skipped", skipped as f64, Unit::Count));
            out.notes.push(format!(
                "{skipped} database(s) were not sized: this role may not connect to them (pg_database_size needs \
                 CONNECT). To size them: GRANT CONNECT ON DATABASE <name> TO {role}; or GRANT pg_read_all_stats \
                 TO {role}; their transaction ID ages are shown all the same",
                role = crate::quote::pg::ident(&snap.role)
            ));
        }
        if !snap.all_databases && sized.len() <= 1 {
            out.notes.push(match self.engine {
                Engine::Mysql => "only the connected schema was sized: --databases all sizes every schema on the server".into(),
                Engine::Postgres | Engine::Pgbouncer => "only the connected database was sized: --databases all sizes every database on the server (it reads \
                 every file of every database); transaction ID ages are read for every database either way"
                    .into(),
            });
        }
        // Unless every database was to be sized, the others are here for their transaction ID ages
        // alone, which the wraparound verdict reads; the list shows what was sized.
        // The database with the oldest transaction IDs, which the wraparound verdict judges
        // and names; on a tie the database connected to, whose oldest tables are the ones listed.
        // It stays in the list even when only the connected database was sized.
        let worst_age = snap.databases.iter().max_by_key(|d| {
            let age = d.xid_age.unwrap_or(0).max(d.mxid_age.unwrap_or(0));
            (age, d.name == snap.current_database)
        });
        let oldest = worst_age
            .filter(|d| d.xid_age.is_some() || d.mxid_age.is_some())
            .map(|d| d.name.as_str());
        let mut by_size: Vec<&Database> = snap
            .databases
            .iter()
            .filter(|d| {
                snap.all_databases
                    || d.bytes.is_some()
                    || d.name == snap.current_database
                    || Some(d.name.as_str()) == oldest
            })
            .collect();
        by_size.sort_by(|a, b| {
            b.bytes
                .unwrap_or(-1)
                .cmp(&a.bytes.unwrap_or(-1))
                .then(a.name.cmp(&b.name))
        });
        let growth_total = self.database_rows(out, &by_size);
        Databases {
            sized,
            total,
            growth_total,
            worst_age,
        }
    }

    /// Bytes per second a database grew by between the snapshots.
    fn database_growth(&self, name: &str, bytes: Option<i64>) -> Option<f64> {
        let later = self.second?.databases.iter().find(|d| d.name == name)?.bytes?;
        Some((later - bytes?) as f64 / self.seconds?)
    }

    /// The databases' findings, up to the limit, and their total growth.
    fn database_rows(&self, out: &mut Outcome, by_size: &[&Database]) -> Option<f64> {
        let (snap, limit) = (self.snap, self.limit);
        let mut growth_total: Option<f64> = None;
        for d in by_size {
            if let Some(g) = self.database_growth(&d.name, d.bytes) {
                *growth_total.get_or_insert(0.0) += g;
            }
        }
        for d in by_size.iter().take(limit) {
            let mut f = Finding::new("databases")
                .with("database", d.name.as_str())
                .with(
                    "size",
                    match (d.bytes, snap.sized) {
                        (Some(b), _) => human_bytes(b as f64),
                        (None, true) if !snap.all_databases => "not sized (--databases current)".into(),
                        (None, true) => "not sized: no CONNECT".into(),
                        (None, false) => "not read".into(),
                    },
                )
                .with("bytes", d.bytes);
            f = match self.engine {
                Engine::Mysql => f.with("free", d.free_bytes.map(|b| human_bytes(b as f64))),
                Engine::Postgres | Engine::Pgbouncer => f
                    .with("xid_age", d.xid_age)
                    .with("xid_wraparound", d.xid_age.map(|a| percent_text(pct(a))))
                    .with("mxid_age", d.mxid_age),
            };
            if self.seconds.is_some() {
                f = f.with(
                    "growth_bytes_per_second",
                    self.database_growth(&d.name, d.bytes).map(|g| g.round()),
                );
            }
            out.findings.push(f);
        }
        if by_size.len() > limit {
            out.notes.push(format!(
                "showing the largest {limit} of {} databases (--limit)",
                by_size.len()
            ));
        }
        if let (Some(g), Some(s)) = (growth_total, self.seconds) {
            out.metrics
                .push(Metric::new("growth_bytes_per_second", g.round(), Unit::Bytes));
            out.notes.push(format!(
                "growth over {s:.1}s between two snapshots: {}/s in total",
                human_bytes(g)
            ));
            if self.engine == Engine::Mysql {
                out.notes.push(
                    "InnoDB's sizes move only when its statistics are recalculated (after about 10% of a table's \
                     rows change, or ANALYZE TABLE), so growth over a short interval may read as zero"
                        .into(),
                );
            }
        }
        growth_total
    }

    /// The latest snapshot's largest tables; growth against the first where it listed them.
    fn tables(&self, out: &mut Outcome) {
        let snap = self.snap;
        let table_growth = |schema: &str, name: &str, later: i64| -> Option<f64> {
            let earlier = snap.tables.iter().find(|x| x.schema == schema && x.name == name)?.total;
            Some((later - earlier) as f64 / self.seconds?)
        };
        let mysql = self.engine == Engine::Mysql;
        let latest = self.second.unwrap_or(snap);
        for x in latest.tables.iter().take(self.limit) {
            let mut f = Finding::new("tables")
                .with("schema", x.schema.as_str())
                .with("table", x.name.as_str())
                .with("total", human_bytes(x.total as f64))
                .with("total_bytes", x.total)
                .with(if mysql { "data" } else { "heap" }, human_bytes(x.data as f64))
                .with("indexes", human_bytes(x.indexes as f64));
            if mysql {
                f = f
                    .with("free", x.free.map(|b| human_bytes(b as f64)))
                    .with("engine", x.engine.clone());
            } else {
                f = f.with("toast", x.toast.map(|b| human_bytes(b as f64)));
            }
            f = f.with("est_rows", x.rows);
            if self.seconds.is_some() {
                f = f.with(
                    "growth_bytes_per_second",
                    table_growth(&x.schema, &x.name, x.total).map(|g| g.round()),
                );
            }
            out.findings.push(f);
        }
        for (table, pid) in &latest.locked {
            out.notes.push(format!(
                "{table} not measured: locked by pid {pid} (an AccessExclusiveLock, held or queued); \
                 its size is pg_class's page count as of the last VACUUM or ANALYZE"
            ));
        }
        if mysql {
            out.notes.push(
                "InnoDB's DATA_LENGTH, INDEX_LENGTH, DATA_FREE and TABLE_ROWS are estimates from its statistics; \
                 a table in a shared tablespace (innodb_file_per_table=OFF) shows that tablespace's free space as \
                 its DATA_FREE; only the schemas and tables this account holds some privilege on are listed"
                    .into(),
            );
        }
    }

    /// Bloat over the minimum size: judged, listed worst first, and the facts of the worst.
    fn bloat(&self, out: &mut Outcome) -> BloatVerdict<'a> {
        let (t, min_size) = (self.t, self.min_size);
        let over: Vec<&Bloat> = self.snap.bloat.iter().filter(|b| b.bytes as u64 >= min_size).collect();
        let mut judged: Vec<Judged> = over
            .iter()
            .filter_map(|b| {
                let wasted = b.wasted?;
                let ratio = if b.bytes > 0 {
                    wasted as f64 / b.bytes as f64 * 100.0
                } else {
                    0.0
                };
                Some(Judged {
                    bloat: b,
                    wasted,
                    ratio,
                    severity: grade(ratio, t.percent(BLOAT_WARNING), t.percent(BLOAT_CRITICAL)),
                })
            })
            .collect();
        judged.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.wasted.cmp(&a.wasted))
                .then(a.bloat.table.cmp(&b.bloat.table))
        });
        let status = judged.first().map(|j| j.severity).unwrap_or(Status::Ok);
        let worst_ratio = judged.iter().map(|j| j.ratio).fold(0.0, f64::max);
        out.metrics.push(
            Metric::new("max_bloat", (worst_ratio * 10.0).round() / 10.0, Unit::Percent)
                .thresholds(t.percent(BLOAT_WARNING), t.percent(BLOAT_CRITICAL))
                .range(0.0, 100.0),
        );
        out.metrics.push(Metric::new(
            "bloat_bytes",
            judged.iter().map(|j| j.wasted).sum::<i64>() as f64,
            Unit::Bytes,
        ));
        self.bloat_rows(out, &judged);
        let unestimated: Vec<&&Bloat> = over.iter().filter(|b| b.wasted.is_none()).collect();
        let unreadable = unestimated.iter().filter(|b| !b.readable).count();
        if self.engine != Engine::Mysql {
            self.bloat_estimate_notes(out, unestimated.len() - unreadable);
        }
        let items = self.bloat_facts(&mut out.facts, &judged);
        BloatVerdict {
            judged,
            status,
            unreadable,
            items,
        }
    }

    /// The bloated relations' findings, up to the limit.
    fn bloat_rows(&self, out: &mut Outcome, judged: &[Judged]) {
        let mysql = self.engine == Engine::Mysql;
        for j in judged.iter().filter(|j| j.wasted > 0).take(self.limit) {
            let b = j.bloat;
            let mut f = Finding::new("bloat")
                .with("severity", j.severity.name())
                .with("relation", if b.index.is_some() { "index" } else { "table" })
                .with("schema", b.schema.as_str())
                .with("table", b.table.as_str());
            if !mysql {
                f = f.with("index", b.index.clone());
            }
            f = f
                .with("size", human_bytes(b.bytes as f64))
                .with(
                    if mysql { "reclaimable" } else { "estimated_bloat" },
                    human_bytes(j.wasted as f64),
                )
                .with("bloat_bytes", j.wasted)
                .with("bloat_percent", (j.ratio * 10.0).round() / 10.0);
            out.findings.push(f);
        }
    }

    /// How rough PostgreSQL's bloat estimate is, and the relations it could not estimate.
    fn bloat_estimate_notes(&self, out: &mut Outcome, never_analyzed: usize) {
        out.notes.push(format!(
            "bloat is an estimate from pg_stats (average column widths and null fractions) and pg_class, for \
             tables and B-tree indexes of database {} of at least {}: it is only as fresh as the last ANALYZE \
             and rough for wide or TOASTed columns",
            self.snap.current_database,
            human_bytes(self.min_size as f64)
        ));
        if never_analyzed > 0 {
            out.notes.push(format!(
                "{never_analyzed} relation(s) of at least {} have no statistics for every column (never analyzed, or an \
                 expression index), so no bloat estimate: run ANALYZE on them",
                human_bytes(self.min_size as f64)
            ));
        }
    }

    /// The conditions and placeholders of the relations over a threshold; one item per table.
    fn bloat_facts(&self, facts: &mut Facts, judged: &[Judged]) -> Vec<BTreeMap<String, String>> {
        let severe: Vec<&Judged> = judged.iter().filter(|j| j.severity != Status::Ok).collect();
        let mut items = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for j in &severe {
            let b = j.bloat;
            if b.index.is_some() {
                facts.flag("index_bloat");
            } else {
                facts.flag("table_bloat");
            }
            if seen.insert((b.schema.clone(), b.table.clone())) && items.len() < self.limit {
                items.push(BTreeMap::from([
                    ("schema".to_string(), b.schema.clone()),
                    ("table".to_string(), b.table.clone()),
                    // As pg_repack's --table reads it (a regclass): quoted, so `public.Orders`
                    // names that table, not `public.orders`.
                    (
                        "table_regclass".to_string(),
                        format!(
                            "{}.{}",
                            crate::quote::pg::ident(&b.schema),
                            crate::quote::pg::ident(&b.table)
                        ),
                    ),
                    ("table_size".to_string(), human_bytes(b.bytes as f64)),
                    (
                        "bloat".to_string(),
                        format!("{} ({:.0}%)", human_bytes(j.wasted as f64), j.ratio),
                    ),
                ]));
            }
        }
        if let Some(j) = severe.iter().find(|j| j.bloat.index.is_some()) {
            facts.set("index_schema", &j.bloat.schema);
            facts.set("index_table", &j.bloat.table);
            facts.set("index", j.bloat.index.clone().unwrap_or_default());
            facts.set(
                "index_bloat",
                format!("{} ({:.0}%)", human_bytes(j.wasted as f64), j.ratio),
            );
        }
        items
    }

    /// Transaction ID and multixact age (PostgreSQL): the oldest database judged against the
    /// wraparound limit, its oldest tables listed, and what holds the horizon back.
    fn wraparound(&self, out: &mut Outcome, worst_age: Option<&Database>) -> Wraparound {
        let (snap, t) = (self.snap, self.t);
        let mut status = Status::Ok;
        let mut summary = None;
        if let Some(d) = worst_age {
            let (xid, mxid) = (d.xid_age.unwrap_or(0), d.mxid_age.unwrap_or(0));
            let p = pct(xid.max(mxid));
            status = grade(p, t.percent(XID_WARNING), t.percent(XID_CRITICAL));
            out.metrics.push(Metric::new("max_xid_age", xid as f64, Unit::Count));
            out.metrics.push(Metric::new("max_mxid_age", mxid as f64, Unit::Count));
            out.metrics.push(
                Metric::new("xid_wraparound", (p * 1000.0).round() / 1000.0, Unit::Percent)
                    .thresholds(t.percent(XID_WARNING), t.percent(XID_CRITICAL))
                    .range(0.0, 100.0),
            );
            let facts = &mut out.facts;
            facts.set("database", &d.name);
            if d.name != snap.current_database {
                facts.flag("oldest_elsewhere");
            }
            facts.set("xid_age", xid);
            facts.set("mxid_age", mxid);
            facts.set("xid_percent", percent_text(p));
            let what = if mxid > xid { "multixact" } else { "transaction ID" };
            summary = Some(format!(
                "oldest {what} age {} in database {} ({} of the wraparound limit)",
                xid.max(mxid),
                d.name,
                percent_text(p)
            ));
            self.freeze_max_age(out, d, xid, mxid);
            if status != Status::Ok {
                out.facts.flag("wraparound_risk");
            }
        }
        let items = self.oldest_tables(out);
        horizon(snap, &mut out.findings, &mut out.facts);
        Wraparound { status, summary, items }
    }

    /// A database past `autovacuum_freeze_max_age`: anti-wraparound vacuum should be on it.
    fn freeze_max_age(&self, out: &mut Outcome, d: &Database, xid: i64, mxid: i64) {
        let Some(max) = self.snap.freeze_max_age else {
            return;
        };
        out.facts.set("freeze_max_age", max);
        if xid > max || self.snap.mxid_freeze_max_age.is_some_and(|m| mxid > m) {
            out.facts.flag("past_freeze_max_age");
            out.notes.push(format!(
                "database {} is past autovacuum_freeze_max_age ({max}) or its multixact counterpart: \
                 anti-wraparound autovacuum should be working on it; if its age keeps rising, vacuum \
                 cannot keep up or something holds the horizon back",
                d.name
            ));
        }
    }

    /// The connected database's tables with the oldest transaction IDs: findings, and one item
    /// each for the runbook's `each` steps.
    fn oldest_tables(&self, out: &mut Outcome) -> Vec<BTreeMap<String, String>> {
        let snap = self.snap;
        let mut items = Vec::new();
        for x in snap.frozen.iter().take(self.limit) {
            out.findings.push(
                Finding::new("oldest_tables")
                    .with("schema", x.schema.as_str())
                    .with("table", x.name.as_str())
                    .with("xid_age", x.xid_age)
                    .with("mxid_age", x.mxid_age)
                    .with("size", human_bytes(x.bytes as f64)),
            );
            items.push(BTreeMap::from([
                ("schema".to_string(), x.schema.clone()),
                ("table".to_string(), x.name.clone()),
                ("table_xid_age".to_string(), x.xid_age.max(x.mxid_age).to_string()),
                ("table_size".to_string(), human_bytes(x.bytes as f64)),
            ]));
        }
        if !snap.frozen.is_empty() {
            out.notes.push(format!(
                "oldest tables are those of database {}, the one connected to; for another database, run with \
                 --url pointing at it",
                snap.current_database
            ));
        }
        items
    }

    /// The runbook's `each` steps walk the tables of the incident that leads.
    fn lead(&self, facts: &mut Facts, xid_status: Status, frozen: Vec<BTreeMap<String, String>>, bloat: &BloatVerdict) {
        if xid_status != Status::Ok && xid_status >= bloat.status {
            facts.lead = Some("wraparound_risk".into());
            facts.items = frozen;
        } else if bloat.status != Status::Ok {
            facts.lead = Some(if facts.conditions.contains("table_bloat") {
                "table_bloat".into()
            } else {
                "index_bloat".into()
            });
            facts.items = bloat.items.clone();
        }
    }

    /// The summary line: sizes, growth, wraparound, the worst bloat.
    fn summary(&self, databases: &Databases, xid_summary: Option<String>, bloat: &BloatVerdict) -> String {
        let (snap, min_size) = (self.snap, self.min_size);
        let mysql = self.engine == Engine::Mysql;
        let mut parts = Vec::new();
        let what = if mysql { "schema" } else { "database" };
        let total = human_bytes(databases.total as f64);
        parts.push(match databases.sized.as_slice() {
            [one] if !snap.all_databases => format!("{total} in {what} {}", one.name),
            sized => format!("{total} in {} {what}(s)", sized.len()),
        });
        if let (Some(g), Some(_)) = (databases.growth_total, self.seconds) {
            parts.push(format!("growing {}/s", human_bytes(g)));
        }
        parts.extend(xid_summary);
        let severe = bloat.judged.iter().filter(|j| j.severity != Status::Ok).count();
        parts.push(match bloat.judged.first() {
            Some(j) if j.severity != Status::Ok => {
                let b = j.bloat;
                let name = match &b.index {
                    Some(i) => format!("index {}.{i}", b.schema),
                    None => format!("table {}.{}", b.schema, b.table),
                };
                let word = if mysql {
                    "reclaimable (DATA_FREE)"
                } else {
                    "estimated bloat"
                };
                format!(
                    "{severe} relation(s) over the bloat threshold; worst: {name}, {} {word} of {} ({:.0}%)",
                    human_bytes(j.wasted as f64),
                    human_bytes(b.bytes as f64),
                    j.ratio
                )
            }
            _ if mysql => format!(
                "no table of at least {} with over {} of it reclaimable (DATA_FREE)",
                human_bytes(min_size as f64),
                self.t.shown(BLOAT_WARNING)
            ),
            _ => format!(
                "no table or index of at least {} over {} estimated bloat",
                human_bytes(min_size as f64),
                self.t.shown(BLOAT_WARNING)
            ),
        });
        parts.join("; ")
    }

    /// What could not be read cannot be vouched for: no OK, but a worse verdict stands.
    fn not_vouched(&self, out: &mut Outcome, unreadable: usize) {
        let failed: Vec<&String> = self
            .snap
            .failed
            .iter()
            .chain(self.second.iter().flat_map(|s| &s.failed))
            .collect();
        if !failed.is_empty() {
            let what = failed.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("; ");
            if out.status == Status::Ok {
                out.status = Status::Unknown;
                out.summary = format!(
                    "could not read all of it ({what}); of what it could read: {}",
                    out.summary
                );
            } else {
                out.notes.push(format!("not read: {what}"));
            }
        }
        if unreadable > 0 && self.engine != Engine::Mysql {
            out.facts.flag("insufficient_privilege");
            let grant = format!(
                "GRANT pg_read_all_data TO {}; (PostgreSQL 14+, or SELECT on those tables)",
                crate::quote::pg::ident(&self.snap.role)
            );
            let blind = format!(
                "{unreadable} relation(s) of at least {} have statistics this role may not read, so no bloat \
                 estimate ({grant})",
                human_bytes(self.min_size as f64)
            );
            if out.status == Status::Ok {
                out.status = Status::Unknown;
                out.summary = format!("cannot vouch for bloat: {blind}; {}", out.summary);
            } else {
                out.notes.push(blind);
            }
        }
    }
}

/// What holds the xmin horizon back, named, with what may be done about it; an autovacuum
/// worker is named too, but never as something to end.
fn horizon(snap: &Snapshot, findings: &mut Vec<Finding>, facts: &mut Facts) {
    for (i, h) in snap.holders.iter().enumerate() {
        // Autovacuum, replication and backup sessions are named, never offered to be ended.
        let protected = (h.kind == "session")
            .then(|| {
                ObservedSession {
                    pid: h.pid.unwrap_or_default(),
                    user: h.role.clone().unwrap_or_default(),
                    application: h.application.clone(),
                    query: h.query.clone().unwrap_or_default(),
                    backend_type: h.backend_type.clone(),
                    ..ObservedSession::default()
                }
                .protected()
            })
            .flatten();
        let autovacuum = h.backend_type.as_deref() == Some("autovacuum worker");
        let (holder, advice) = match h.kind.as_str() {
            "prepared" => (
                format!("prepared transaction '{}'", h.name.clone().unwrap_or_default()),
                "end it with COMMIT PREPARED or ROLLBACK PREPARED once its transaction manager's owner agrees",
            ),
            "slot" => (
                format!("replication slot '{}'", h.name.clone().unwrap_or_default()),
                "catch up or fix its consumer; drop the slot only if the replica or consumer is gone for good",
            ),
            _ if autovacuum => (
                format!("pid {} (autovacuum worker)", h.pid.unwrap_or_default()),
                "autovacuum itself: never end it, it is what prevents wraparound",
            ),
            _ if protected.is_some() => (
                format!(
                    "pid {} ({}, {})",
                    h.pid.unwrap_or_default(),
                    h.backend_type.clone().unwrap_or_default(),
                    protected.map(|p| p.what).unwrap_or_default()
                ),
                protected.map(|p| p.advice).unwrap_or_default(),
            ),
            _ => (
                format!(
                    "pid {} ({}, role {}, database {})",
                    h.pid.unwrap_or_default(),
                    h.backend_type.clone().unwrap_or_default(),
                    h.role.clone().unwrap_or_default(),
                    h.database.clone().unwrap_or_default()
                ),
                "a long transaction or snapshot: ask its owner, then end it (dbrunbook queries shows it)",
            ),
        };
        findings.push(
            Finding::new("horizon")
                .with("holder", holder.as_str())
                .with("xmin_age", h.age)
                .with("advice", advice),
        );
        if i > 0 {
            continue;
        }
        facts.set("holder", &holder);
        facts.set("holder_age", h.age);
        match h.kind.as_str() {
            "prepared" => {
                facts.flag("horizon_prepared");
                facts.set("prepared_gid", h.name.clone().unwrap_or_default());
            }
            "slot" => {
                facts.flag("horizon_slot");
                facts.set("slot_name", h.name.clone().unwrap_or_default());
            }
            _ if autovacuum => facts.flag("horizon_autovacuum"),
            _ if protected.is_some() => facts.flag("horizon_protected"),
            _ => {
                if let Some(pid) = h.pid {
                    facts.flag("horizon_session");
                    facts.set("holder_pid", pid);
                    let s = ObservedSession {
                        reference: h.reference.clone(),
                        ..ObservedSession::default()
                    };
                    for (k, v) in crate::checks::session_ref::step_values(&s) {
                        facts.set(&format!("holder_{k}"), v);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Database, Frozen, Holder, SPEC};
    use super::*;

    fn t(flags: &[(&str, &str)]) -> Thresholds {
        let flags = flags
            .iter()
            .map(|(k, v)| {
                let kind = SPEC.threshold(k).unwrap().kind;
                (k.to_string(), kind.parse(v).unwrap())
            })
            .collect();
        Thresholds::resolve(&SPEC, &flags, &BTreeMap::new()).unwrap()
    }

    fn db(name: &str, bytes: Option<i64>, xid: i64) -> Database {
        Database {
            name: name.into(),
            bytes,
            xid_age: Some(xid),
            mxid_age: Some(0),
            ..Database::default()
        }
    }

    fn bloat(table: &str, index: Option<&str>, bytes: i64, wasted: Option<i64>) -> Bloat {
        Bloat {
            schema: "public".into(),
            table: table.into(),
            index: index.map(String::from),
            bytes,
            wasted,
            readable: true,
        }
    }

    #[test]
    fn xid_age_against_the_wraparound_limit_leads_to_the_oldest_tables() {
        let snap = Snapshot {
            databases: vec![db("app", Some(1 << 30), 1_200_000_000), db("other", None, 10)],
            frozen: vec![Frozen {
                schema: "public".into(),
                name: "events".into(),
                xid_age: 1_200_000_000,
                mxid_age: 0,
                bytes: 1 << 30,
            }],
            holders: vec![Holder {
                kind: "prepared".into(),
                name: Some("tx-1".into()),
                age: 900,
                ..Holder::default()
            }],
            freeze_max_age: Some(200_000_000),
            current_database: "app".into(),
            sized: true,
            all_databases: true,
            ..Snapshot::default()
        };
        let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
        assert_eq!(o.status, Status::Warning, "{}", o.summary);
        assert!(o.summary.contains("database app"), "{}", o.summary);
        assert_eq!(o.facts.lead.as_deref(), Some("wraparound_risk"));
        assert_eq!(o.facts.items[0]["table"], "events");
        assert!(o.facts.conditions.contains("past_freeze_max_age"));
        assert!(o.facts.conditions.contains("horizon_prepared"));
        assert_eq!(o.facts.values["prepared_gid"], "tx-1");
        assert!(o.notes.iter().any(|n| n.contains("1 database(s) were not sized")));
        let o = evaluate(
            &snap,
            None,
            &t(&[("xid_critical", "55%")]),
            Engine::Postgres,
            10,
            100 << 20,
        );
        assert_eq!(o.status, Status::Critical);
    }

    #[test]
    fn bloat_counts_only_over_the_minimum_size_and_names_the_worst() {
        let snap = Snapshot {
            databases: vec![db("app", Some(1 << 30), 10)],
            bloat: vec![
                bloat("small", None, 1 << 20, Some(900 << 10)),
                bloat("big", None, 200 << 20, Some(120 << 20)),
                bloat("big", Some("big_pkey"), 150 << 20, Some(10 << 20)),
                bloat("unanalyzed", None, 300 << 20, None),
            ],
            ..Snapshot::default()
        };
        let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
        assert_eq!(o.status, Status::Warning, "{}", o.summary);
        assert!(o.summary.contains("table public.big"), "{}", o.summary);
        assert_eq!(o.facts.lead.as_deref(), Some("table_bloat"));
        let rows: Vec<_> = o.findings.iter().filter(|f| f.kind == "bloat").collect();
        assert_eq!(rows.len(), 2, "the small table is under the minimum size");
        assert!(o.notes.iter().any(|n| n.contains("run ANALYZE")));
    }

    #[test]
    fn unreadable_statistics_make_an_ok_unknown_with_the_grant() {
        let mut hidden = bloat("secret", None, 500 << 20, None);
        hidden.readable = false;
        let snap = Snapshot {
            databases: vec![db("app", Some(1 << 30), 10)],
            bloat: vec![hidden],
            role: "monitor".into(),
            ..Snapshot::default()
        };
        let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.summary.contains("pg_read_all_data TO \"monitor\""), "{}", o.summary);
    }

    #[test]
    fn a_part_that_failed_makes_ok_unknown_but_never_hides_a_worse_verdict() {
        let mut snap = Snapshot {
            databases: vec![db("app", Some(1 << 30), 10)],
            failed: vec!["estimating bloat from pg_stats: canceling statement due to statement timeout".into()],
            ..Snapshot::default()
        };
        let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.summary.contains("statement timeout"), "{}", o.summary);
        snap.databases[0].xid_age = Some(1_700_000_000);
        let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
        assert_eq!(o.status, Status::Critical);
        assert!(o.notes.iter().any(|n| n.contains("statement timeout")));
    }

    #[test]
    fn a_backup_or_replication_session_holding_the_horizon_is_named_never_offered_to_end() {
        for (backend, app) in [("walsender", "replica1"), ("client backend", "pg_dump")] {
            let snap = Snapshot {
                databases: vec![db("app", Some(1), 10)],
                holders: vec![Holder {
                    kind: "session".into(),
                    pid: Some(77),
                    backend_type: Some(backend.into()),
                    application: Some(app.into()),
                    age: 500,
                    ..Holder::default()
                }],
                ..Snapshot::default()
            };
            let o = evaluate(&snap, None, &t(&[]), Engine::Postgres, 10, 100 << 20);
            assert!(o.facts.conditions.contains("horizon_protected"), "{backend}");
            assert!(!o.facts.conditions.contains("horizon_session"), "{backend}");
            assert!(!o.facts.values.contains_key("holder_pid"), "{backend}");
        }
    }

    #[test]
    fn growth_is_bytes_per_second_between_the_snapshots() {
        let first = Snapshot {
            databases: vec![db("app", Some(1_000_000), 10)],
            taken_at: Some(100.0),
            ..Snapshot::default()
        };
        let second = Snapshot {
            databases: vec![db("app", Some(1_400_000), 10)],
            taken_at: Some(102.0),
            ..Snapshot::default()
        };
        let o = evaluate(&first, Some(&second), &t(&[]), Engine::Postgres, 10, 100 << 20);
        let g = o.metrics.iter().find(|m| m.name == "growth_bytes_per_second").unwrap();
        assert_eq!(g.value, 200_000.0);
        assert_eq!(o.findings[0].fields["growth_bytes_per_second"], 200_000.0);
    }
}
