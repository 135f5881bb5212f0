//! The verdict of the migrations check: from the tables read (and the comparison with the
//! code, see `behind.rs`) to a status, a summary, findings, metrics and the facts that pick and
//! fill the runbook. No SQL and no file reading here.

use std::time::Duration;

use super::behind::{Verdict, compare_code};
use super::detect::Listed;
use super::dirs::objects::Object;
use super::dirs::{self, Comparison};
use super::frameworks::{Framework, descriptor};
use super::half_applied;
use super::history::{Lock, Table};
use super::lock_holder;
use super::unknown::{self, Unread};
use super::{LOCK_CRITICAL, LOCK_WARNING};
use crate::checks::{Context, Facts, Outcome};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::text::shorten;
use crate::units::human_duration;
use anyhow::Result;

/// A status with the condition that caused it, for picking the worst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Issue {
    pub(super) status: Status,
    pub(super) condition: &'static str,
    /// The table it is about (its index).
    pub(super) table: usize,
}

/// The first of the worst issues: issues are pushed most telling first.
fn worst(issues: &[Issue]) -> Option<Issue> {
    issues.iter().fold(None, |acc: Option<Issue>, i| match acc {
        Some(a) if a.status >= i.status => Some(a),
        _ => Some(*i),
    })
}

pub(super) fn judge(
    ctx: &Context,
    tables: &[Table],
    unread: &Unread,
    code: Option<Result<Comparison>>,
    exist: Option<&[Object]>,
) -> Outcome {
    if tables.is_empty() && unread.tables.is_empty() {
        return no_table(ctx);
    }
    let mut v = Verdict::default();
    for (i, table) in tables.iter().enumerate() {
        if let Some(part) = judge_table(ctx, &mut v, i, table) {
            v.parts.push(part);
        }
    }
    unknown::judge(unread, tables.is_empty(), &mut v);
    if tables.is_empty() {
        let asked = ["framework", "expect", "dir"].iter().any(|o| ctx.option(o).is_some());
        if asked {
            v.notes.push(
                "--framework, --expect and --dir need a history table of a tool dbrunbook reads; none is here".into(),
            );
            v.issues.push(Issue {
                status: Status::Unknown,
                condition: "",
                table: 0,
            });
        }
        v.facts.flag("no_table");
        v.metrics.push(Metric::new("tables", 0.0, Unit::Count));
        return finish(ctx, v, tables);
    }
    // The table that speaks for the runbook: the one with the worst issue, else the first.
    let lead = &tables[worst(&v.issues).map(|i| i.table).unwrap_or(0)];
    lead_facts(&mut v.facts, lead);
    v.metrics.insert(
        0,
        Metric::new(
            "applied",
            tables.iter().map(|t| t.applied).sum::<i64>() as f64,
            Unit::Count,
        ),
    );
    v.metrics.insert(
        1,
        Metric::new(
            "broken",
            tables.iter().map(|t| t.broken).sum::<i64>() as f64,
            Unit::Count,
        ),
    );
    against_the_deploy(ctx, &mut v, tables, lead, code, exist);
    finish(ctx, v, tables)
}

/// No history table: OK, unless the user named a framework or asked for a comparison.
fn no_table(ctx: &Context) -> Outcome {
    let mut facts = Facts::default();
    facts.flag("no_table");
    let what = match ctx.option("framework") {
        Some(f) => format!("no {f} history table"),
        None => "no migration history table".to_string(),
    };
    let summary = format!(
        "{what} in this database ({} looked at)",
        match ctx.engine() {
            Engine::Mysql => "the current database",
            Engine::Postgres | Engine::Pgbouncer => "every schema",
        }
    );
    let notes = vec![
        "the tables are found by name and columns in information_schema, which lists only tables this \
         user may read; a renamed table is found with --framework NAME --table NAME"
            .into(),
    ];
    let asked = ctx.option("framework").is_some() || ctx.option("expect").is_some() || ctx.option("dir").is_some();
    Outcome {
        status: if asked { Status::Unknown } else { Status::Ok },
        summary,
        metrics: vec![Metric::new("tables", 0.0, Unit::Count)],
        findings: vec![],
        notes,
        facts,
    }
}

/// One history table: its finding, its newest entries, a broken migration, a held lock. The
/// summary's part for it, `None` when it could not be read (the part is pushed already).
fn judge_table(ctx: &Context, v: &mut Verdict, i: usize, table: &Table) -> Option<String> {
    let f = &table.found;
    let current = table.current();
    let shown_current = if current.is_empty() {
        "no revision".to_string()
    } else {
        current.join(", ")
    };
    v.findings.push(
        Finding::new("tables")
            .with("framework", table.name())
            .with("schema", f.table.schema.as_str())
            .with("table", f.table.table.as_str())
            .with("current", shown_current.as_str())
            .with("applied", table.applied)
            .with("broken", table.broken)
            .with("recognised_by", f.recognised_by.as_str()),
    );
    if let Some(e) = &table.error {
        v.notes.push(format!("{}: could not read it: {e}", f.table.shown()));
        v.issues.push(Issue {
            status: Status::Unknown,
            condition: "",
            table: i,
        });
        v.parts
            .push(format!("{} {}: unreadable", table.name(), f.table.shown()));
        return None;
    }
    history_findings(ctx, v, table);
    let mut part = format!(
        "{} {} at {shown_current} ({} applied)",
        table.name(),
        f.table.shown(),
        table.applied
    );
    if table.broken > 0 {
        part = format!("{part}; {}", broken(v, i, table));
    }
    if let (Some(lock), Some(lock_table)) = (&table.lock, &f.lock)
        && lock.locked
    {
        part = format!("{part}; {}", held_lock(ctx, v, i, lock, lock_table));
    }
    Some(part)
}

/// The table's newest entries, up to the limit.
fn history_findings(ctx: &Context, v: &mut Verdict, table: &Table) {
    for e in table.entries.iter().take(ctx.limit) {
        v.findings.push(
            Finding::new("history")
                .with("table", table.found.table.table.as_str())
                .with("revision", e.revision.as_str())
                .with("description", e.description.clone())
                .with("applied_at", e.applied_at.clone())
                .with(
                    "state",
                    match (e.broken, e.applied, &e.kind) {
                        (true, _, _) => "BROKEN".to_string(),
                        (_, _, Some(k)) => k.clone(),
                        (false, true, None) => "applied".into(),
                        (false, false, None) => "not applied".into(),
                    },
                ),
        );
    }
}

/// A migration left broken (dirty, failed): CRITICAL; the summary's words for it.
fn broken(v: &mut Verdict, i: usize, table: &Table) -> String {
    let f = &table.found;
    let revision = table.broken_revision.clone().unwrap_or_default();
    let what = descriptor(f.framework).what_broken_means;
    v.findings.push(
        Finding::new("broken")
            .with("table", f.table.table.as_str())
            .with("revision", revision.as_str())
            .with("started_at", table.broken_at.clone())
            .with("detail", table.broken_detail.clone()),
    );
    v.issues.push(Issue {
        status: Status::Critical,
        condition: "dirty",
        table: i,
    });
    if !v.facts.values.contains_key("revision") {
        v.facts.set("revision", &revision);
        v.facts.set(
            "detail",
            shorten(table.broken_detail.as_deref().unwrap_or("nothing recorded"), 200),
        );
    }
    format!("{revision} is {what}")
}

/// The framework's migration lock, held: graded by its age; the summary's words for it.
fn held_lock(ctx: &Context, v: &mut Verdict, i: usize, lock: &Lock, lock_table: &Listed) -> String {
    let t = ctx.thresholds;
    // A LOCKGRANTED ahead of the server's clock was written in a zone ahead of the server's.
    let future = lock.age_seconds.filter(|s| *s < -FUTURE_SLACK);
    let held = lock
        .age_seconds
        .filter(|_| future.is_none())
        .map(|s| human_duration(Duration::from_secs_f64(s.max(0.0).round())));
    let graded = match lock.age_seconds {
        Some(s) if future.is_none() => crate::checks::grade(s, t.seconds(LOCK_WARNING), t.seconds(LOCK_CRITICAL)),
        _ => Status::Warning,
    };
    let status = lock_status(ctx, v, lock, lock_table, graded, future);
    v.findings.push(
        Finding::new("lock")
            .with("table", lock_table.table.as_str())
            .with("locked_by", lock.locked_by.clone())
            .with("granted", lock.granted.clone())
            .with("held_for", held.clone()),
    );
    let by = lock
        .locked_by
        .as_deref()
        .map(|b| format!(" by {b}"))
        .unwrap_or_default();
    let since = held.as_deref().map(|h| format!(" for {h}")).unwrap_or_default();
    if status == Status::Ok && lock.sessions.is_none() {
        v.notes.push(format!(
            "{} is held{since}: a migration is probably running now",
            lock_table.shown()
        ));
    }
    v.issues.push(Issue {
        status,
        condition: "lock_stuck",
        table: i,
    });
    v.facts.set("lock_table", lock_table.shown());
    v.facts
        .set("locked_by", lock.locked_by.as_deref().unwrap_or("(not recorded)"));
    v.facts
        .set("lock_granted", lock.granted.as_deref().unwrap_or("(not recorded)"));
    v.facts.set("lock_age", held.as_deref().unwrap_or("(not recorded)"));
    if let Some(s) = lock.age_seconds {
        v.metrics.push(
            Metric::new("lock_age", s.round(), Unit::Seconds)
                .thresholds(t.seconds(LOCK_WARNING), t.seconds(LOCK_CRITICAL)),
        );
    }
    format!("lock {} held{by}{since}", lock_table.table)
}

/// Seconds a LOCKGRANTED may lie ahead of the server's clock before it counts as written in
/// another zone (clocks a little apart are not a zone).
const FUTURE_SLACK: f64 = 120.0;

/// The lock's status from its age (`graded`) and its holder: a holder connected and working is
/// a migration running (OK, never stuck); connected and idle is at most WARNING; gone is at
/// least WARNING, CRITICAL by age only when the age can be believed.
fn lock_status(
    ctx: &Context,
    v: &mut Verdict,
    lock: &Lock,
    lock_table: &Listed,
    graded: Status,
    future: Option<f64>,
) -> Status {
    let name = lock_table.shown();
    let by = lock.locked_by.as_deref().unwrap_or("(not recorded)");
    if let Some(ahead) = future {
        v.notes.push(format!(
            "{name}: LOCKGRANTED is {} ahead of the server's clock: written by a client in a time zone ahead of the server's, so how long it has been held cannot be read from it",
            human_duration(Duration::from_secs_f64((-ahead).round()))
        ));
    }
    if lock.sessions.is_none() {
        return graded;
    }
    match lock_holder::holder(lock, ctx.engine()) {
        lock_holder::Holder::Connected { sessions, working } if working > 0 => {
            v.notes.push(format!(
                "{name} is held by {by}, connected now from that host ({sessions} session(s), {working} working): a migration is running; leave the lock to it"
            ));
            Status::Ok
        }
        lock_holder::Holder::Connected { sessions, .. } => {
            v.notes.push(format!(
                "{name} is held by {by}, connected from that host ({sessions} idle session(s)): the migration may be paused or hung, not gone"
            ));
            graded.min(Status::Warning)
        }
        lock_holder::Holder::Gone => {
            v.notes.push(format!(
                "{name} is held by {by}, and no session from that host is connected: the deploy that took it is gone and left it behind"
            ));
            if future.is_some() {
                Status::Warning
            } else {
                graded.max(Status::Warning)
            }
        }
        lock_holder::Holder::Unknown(why) => {
            v.notes.push(format!(
                "{name}: whether its holder is still connected is not known ({why}); {}",
                lock_holder::ASSUMPTION
            ));
            graded
        }
    }
}

/// The lead table's placeholders, and its framework as a condition: runbook steps that name
/// one tool's commands are shown for that tool only.
fn lead_facts(facts: &mut Facts, lead: &Table) {
    facts.set("framework", lead.name());
    facts.flag(match lead.found.framework {
        Framework::Alembic => "alembic",
        Framework::Flyway => "flyway",
        Framework::Liquibase => "liquibase",
        Framework::GolangMigrate => "golang_migrate",
        Framework::Sqlx => "sqlx",
        Framework::Prisma => "prisma",
        Framework::Knex => "knex",
        Framework::Django => "django",
        _ => "other_framework",
    });
    facts.set("schema", &lead.found.table.schema);
    facts.set("table", &lead.found.table.table);
    let current = lead.current();
    facts.set(
        "current",
        if current.is_empty() {
            "no revision".into()
        } else {
            current.join(", ")
        },
    );
}

/// `--expect` and `--dir`: the lead table against the revision or the code the deploy has;
/// UNKNOWN when several tables leave it open which one the deploy uses.
fn against_the_deploy(
    ctx: &Context,
    v: &mut Verdict,
    tables: &[Table],
    lead: &Table,
    code: Option<Result<Comparison>>,
    exist: Option<&[Object]>,
) {
    let comparing = ctx.option("expect").is_some() || ctx.option("dir").is_some();
    if comparing && tables.len() > 1 {
        let names: Vec<String> = tables
            .iter()
            .map(|t| format!("{} {}", t.name(), t.found.table.shown()))
            .collect();
        v.notes.push(format!(
            "several migration tables ({}): say which one the deploy uses with --framework (and --table)",
            names.join(", ")
        ));
        v.issues.push(Issue {
            status: Status::Unknown,
            condition: "",
            table: 0,
        });
        return;
    }
    if lead.error.is_some() {
        return;
    }
    if let Some(expected) = ctx.option("expect") {
        v.facts.set("expected", expected);
        let current = lead.current();
        let matches = current.len() == 1 && dirs::same_revision(lead.found.framework, &current[0], expected);
        // A revision the directory defines and the database has not reached is the database
        // behind, not a revision the deploy does not know: the behind (or half-applied)
        // runbook, never the one that ends in `stamp`.
        let ahead_in_code = match &code {
            Some(Ok(c)) => c
                .pending
                .iter()
                .any(|p| dirs::same_revision(lead.found.framework, &p.revision, expected)),
            _ => false,
        };
        if !matches && ahead_in_code {
            v.parts.insert(
                0,
                format!(
                    "database at {}, deploy expects {expected}, which the directory defines and is pending",
                    v.facts.values["current"]
                ),
            );
            v.issues.push(Issue {
                status: Status::Critical,
                condition: "behind",
                table: 0,
            });
        } else if !matches {
            v.parts.insert(
                0,
                format!("database at {}, deploy expects {expected}", v.facts.values["current"]),
            );
            v.issues.push(Issue {
                status: Status::Critical,
                condition: "mismatch",
                table: 0,
            });
        }
    }
    match code {
        Some(Ok(c)) => {
            compare_code(ctx, &c, v);
            if let Some(exist) = exist {
                half_applied::judge(ctx, &c, exist, v);
            }
        }
        Some(Err(e)) => {
            v.notes.push(format!("{e:#}"));
            v.issues.push(Issue {
                status: Status::Unknown,
                condition: "",
                table: 0,
            });
            v.parts.push("the migrations directory could not be read".into());
        }
        None => {}
    }
}

/// The worst issue decides the status and leads the runbook; every issue's condition is set.
fn finish(ctx: &Context, mut v: Verdict, tables: &[Table]) -> Outcome {
    let worst = worst(&v.issues);
    let status = worst.map(|i| i.status).unwrap_or(Status::Ok);
    for i in &v.issues {
        if !i.condition.is_empty() && i.status != Status::Ok {
            v.facts.flag(i.condition);
        }
    }
    v.facts.lead = worst
        .filter(|i| !i.condition.is_empty())
        .map(|i| i.condition.to_string());
    if tables.iter().any(|t| t.entries.len() > ctx.limit) {
        v.notes.push(format!(
            "history shows the newest {} entries per table (--limit)",
            ctx.limit
        ));
    }
    Outcome {
        status,
        summary: v.parts.join("; "),
        metrics: v.metrics,
        findings: v.findings,
        notes: v.notes,
        facts: v.facts,
    }
}
