//! The verdict of the migrations check: from the tables read (and the comparison with the
//! code, see `behind.rs`) to a status, a summary, findings, metrics and the facts that pick and
//! fill the runbook. No SQL and no file reading here.

use std::time::Duration;

use super::behind::{Verdict, compare_code};
use super::dirs::{self, Comparison};
use super::frameworks::{Framework, descriptor};
use super::history::Table;
use crate::checks::{Context, Facts, Outcome};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::text::shorten;
use crate::units::format_duration;
use anyhow::Result;

/// A status with the condition that caused it, for picking the worst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Issue {
    pub(super) status: Status,
    pub(super) condition: &'static str,
    /// The table it is about (its index).
    pub(super) table: usize,
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Critical => 4,
        Status::Warning => 3,
        Status::Unknown => 2,
        Status::Ok => 1,
    }
}

/// The first of the worst issues: issues are pushed most telling first.
fn worst(issues: &[Issue]) -> Option<Issue> {
    issues.iter().fold(None, |acc: Option<Issue>, i| match acc {
        Some(a) if rank(a.status) >= rank(i.status) => Some(a),
        _ => Some(*i),
    })
}

pub(super) fn judge(ctx: &Context, tables: &[Table], code: Option<Result<Comparison>>) -> Outcome {
    let t = ctx.thresholds;
    let mut issues: Vec<Issue> = Vec::new();
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut facts = Facts::default();
    let mut parts: Vec<String> = Vec::new();
    let mut metrics = Vec::new();
    let forced = ctx.option("framework").is_some();

    if tables.is_empty() {
        facts.flag("no_table");
        let what = match ctx.option("framework") {
            Some(f) => format!("no {f} history table"),
            None => "no migration history table".to_string(),
        };
        let summary = format!(
            "{what} in this database ({} looked at)",
            match ctx.engine() {
                Engine::Mysql => "the current database",
                _ => "every schema",
            }
        );
        notes.push(
            "the tables are found by name and columns in information_schema, which lists only tables this \
             user may read; a renamed table is found with --framework NAME --table NAME"
                .into(),
        );
        let status = if forced || ctx.option("expect").is_some() || ctx.option("dir").is_some() {
            Status::Unknown
        } else {
            Status::Ok
        };
        return Outcome {
            status,
            summary,
            metrics: vec![Metric::new("tables", 0.0, Unit::Count)],
            findings,
            notes,
            facts,
        };
    }

    for (i, table) in tables.iter().enumerate() {
        let f = &table.found;
        let current = table.current();
        let shown_current = if current.is_empty() {
            "no revision".to_string()
        } else {
            current.join(", ")
        };
        findings.push(
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
            notes.push(format!("{}: could not read it: {e}", f.table.shown()));
            issues.push(Issue {
                status: Status::Unknown,
                condition: "",
                table: i,
            });
            parts.push(format!("{} {}: unreadable", table.name(), f.table.shown()));
            continue;
        }
        for e in table.entries.iter().take(ctx.limit) {
            findings.push(
                Finding::new("history")
                    .with("table", f.table.table.as_str())
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
        let mut part = format!(
            "{} {} at {shown_current} ({} applied)",
            table.name(),
            f.table.shown(),
            table.applied
        );
        if table.broken > 0 {
            let revision = table.broken_revision.clone().unwrap_or_default();
            let what = descriptor(f.framework).what_broken_means;
            part = format!("{part}; {revision} is {what}");
            findings.push(
                Finding::new("broken")
                    .with("table", f.table.table.as_str())
                    .with("revision", revision.as_str())
                    .with("started_at", table.broken_at.clone())
                    .with("detail", table.broken_detail.clone()),
            );
            issues.push(Issue {
                status: Status::Critical,
                condition: "dirty",
                table: i,
            });
            if !facts.values.contains_key("revision") {
                facts.set("revision", &revision);
                facts.set(
                    "detail",
                    shorten(table.broken_detail.as_deref().unwrap_or("nothing recorded"), 200),
                );
            }
        }
        if let (Some(lock), Some(lock_table)) = (&table.lock, &f.lock)
            && lock.locked
        {
            let held = lock
                .age_seconds
                .map(|s| format_duration(Duration::from_secs_f64(s.max(0.0).round())));
            let status = match lock.age_seconds {
                Some(s) => crate::checks::grade(s, t.seconds("lock_warning"), t.seconds("lock_critical")),
                None => Status::Warning,
            };
            findings.push(
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
            part = format!("{part}; lock {} held{by}{since}", lock_table.table);
            if status == Status::Ok {
                notes.push(format!(
                    "{} is held{since}: a migration is probably running now",
                    lock_table.shown()
                ));
            }
            issues.push(Issue {
                status,
                condition: "lock_stuck",
                table: i,
            });
            facts.set("lock_table", lock_table.shown());
            facts.set("locked_by", lock.locked_by.as_deref().unwrap_or("(not recorded)"));
            facts.set("lock_granted", lock.granted.as_deref().unwrap_or("(not recorded)"));
            facts.set("lock_age", held.as_deref().unwrap_or("(not recorded)"));
            if let Some(s) = lock.age_seconds {
                metrics.push(
                    Metric::new("lock_age", s.round(), Unit::Seconds)
                        .thresholds(t.seconds("lock_warning"), t.seconds("lock_critical")),
                );
            }
        }
        parts.push(part);
    }

    // The table that speaks for the runbook: the one with the worst issue, else the first.
    let lead = &tables[worst(&issues).map(|i| i.table).unwrap_or(0)];
    facts.set("framework", lead.name());
    // Runbook steps that name one tool's commands are shown for that tool only.
    facts.flag(match lead.found.framework {
        Framework::Alembic => "alembic",
        Framework::Flyway => "flyway",
        Framework::Liquibase => "liquibase",
        Framework::GolangMigrate => "golang_migrate",
        Framework::Sqlx => "sqlx",
        Framework::Prisma => "prisma",
        Framework::Knex => "knex",
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
    metrics.insert(
        0,
        Metric::new(
            "applied",
            tables.iter().map(|t| t.applied).sum::<i64>() as f64,
            Unit::Count,
        ),
    );
    metrics.insert(
        1,
        Metric::new(
            "broken",
            tables.iter().map(|t| t.broken).sum::<i64>() as f64,
            Unit::Count,
        ),
    );

    let comparing = ctx.option("expect").is_some() || ctx.option("dir").is_some();
    if comparing && tables.len() > 1 {
        let names: Vec<String> = tables
            .iter()
            .map(|t| format!("{} {}", t.name(), t.found.table.shown()))
            .collect();
        notes.push(format!(
            "several migration tables ({}): say which one the deploy uses with --framework (and --table)",
            names.join(", ")
        ));
        issues.push(Issue {
            status: Status::Unknown,
            condition: "",
            table: 0,
        });
    } else if lead.error.is_none() {
        if let Some(expected) = ctx.option("expect") {
            facts.set("expected", expected);
            let matches = current.len() == 1 && dirs::same_revision(lead.found.framework, &current[0], expected);
            if !matches {
                parts.insert(
                    0,
                    format!("database at {}, deploy expects {expected}", facts.values["current"]),
                );
                issues.push(Issue {
                    status: Status::Critical,
                    condition: "mismatch",
                    table: 0,
                });
            }
        }
        match code {
            Some(Ok(c)) => compare_code(
                ctx,
                &c,
                &mut Verdict {
                    issues: &mut issues,
                    findings: &mut findings,
                    notes: &mut notes,
                    facts: &mut facts,
                    parts: &mut parts,
                    metrics: &mut metrics,
                },
            ),
            Some(Err(e)) => {
                notes.push(format!("{e:#}"));
                issues.push(Issue {
                    status: Status::Unknown,
                    condition: "",
                    table: 0,
                });
                parts.push("the migrations directory could not be read".into());
            }
            None => {}
        }
    }

    let worst = worst(&issues);
    let status = worst.map(|i| i.status).unwrap_or(Status::Ok);
    for i in &issues {
        if !i.condition.is_empty() && i.status != Status::Ok {
            facts.flag(i.condition);
        }
    }
    facts.lead = worst
        .filter(|i| !i.condition.is_empty())
        .map(|i| i.condition.to_string());
    if tables.iter().any(|t| t.entries.len() > ctx.limit) {
        notes.push(format!(
            "history shows the newest {} entries per table (--limit)",
            ctx.limit
        ));
    }
    Outcome {
        status,
        summary: parts.join("; "),
        metrics,
        findings,
        notes,
        facts,
    }
}
