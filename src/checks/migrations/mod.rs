//! The migrations check: which migration tool's history tables the database has, the revision
//! each says the schema is at, whether a migration is half-applied or its lock stuck, and,
//! given `--expect` or `--dir`, whether that is where the deploy expects it. Tools and their
//! tables live in `frameworks.rs`, migration directories in `dirs.rs`; here only the verdict.

mod dirs;
mod frameworks;

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{Check, CheckOption, CheckSpec, Context, Facts, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::{Query, Rows};
use crate::report::{Finding, Metric, Status};
use crate::target::Engine;
use crate::text::shorten;
use crate::units::format_duration;
use dirs::{Applied, Comparison};
use frameworks::{Found, Framework, Listed, Wanted, descriptor};

pub struct Migrations;

pub const SPEC: CheckSpec = CheckSpec {
    name: "migrations",
    about: "Migration revision: which tool's history tables the database has (Alembic, Flyway, \
            Liquibase, golang-migrate, Rails, dbmate, Ecto, Django, sqlx, Diesel, Prisma, goose, \
            Knex), the revision the schema is at, half-applied migrations, stuck migration locks, \
            and with --expect or --dir whether that is where the deploy expects it.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[
        Threshold {
            key: "lock_warning",
            kind: ThresholdKind::Duration,
            default: "5m",
            help: "WARNING when a migration lock (Liquibase) has been held this long; a Knex lock, which records no time, is WARNING whenever held",
        },
        Threshold {
            key: "lock_critical",
            kind: ThresholdKind::Duration,
            default: "30m",
            help: "CRITICAL when a migration lock has been held this long",
        },
        Threshold {
            key: "behind_critical",
            kind: ThresholdKind::Count,
            default: "5",
            help: "with --dir: CRITICAL when this many migrations are pending (one is WARNING)",
        },
    ],
    options: &[
        CheckOption {
            key: "framework",
            value_name: "NAME",
            help: "Read only this tool's table: alembic, flyway, liquibase, golang-migrate, rails, dbmate, ecto, django, sqlx, diesel, prisma, goose, knex",
            repeatable: false,
        },
        CheckOption {
            key: "table",
            value_name: "NAME",
            help: "The history table's name (or schema.table) when it was renamed; with --framework",
            repeatable: false,
        },
        CheckOption {
            key: "expect",
            value_name: "REVISION",
            help: "The revision the deploy expects: CRITICAL when the database is elsewhere",
            repeatable: false,
        },
        CheckOption {
            key: "dir",
            value_name: "PATH",
            help: "The deploy's migrations directory (Alembic, Flyway, golang-migrate), parsed, never run: pending and unknown revisions",
            repeatable: false,
        },
    ],
    ordered: &[("lock_warning", "lock_critical", "migration lock age")],
    default_limit: 5,
    placeholders: &[
        "framework",
        "schema",
        "table",
        "current",
        "expected",
        "revision",
        "detail",
        "lock_table",
        "locked_by",
        "lock_granted",
        "lock_age",
        "behind",
        "pending",
        "first_pending",
        "heads",
        "unknown",
        "dir",
    ],
    item_placeholders: &[],
    conditions: &[
        "dirty",
        "lock_stuck",
        "behind",
        "out_of_order",
        "unknown_revision",
        "mismatch",
        "no_table",
        "alembic",
        "flyway",
        "liquibase",
        "golang_migrate",
        "sqlx",
        "prisma",
        "knex",
        "other_framework",
    ],
};

/// Newest history rows read without `--dir`: enough for Alembic's heads and Flyway's highest
/// version in any sane history; with `--dir`, the directory's size plus this.
const WINDOW: usize = 200;
const WINDOW_MAX: usize = 50_000;

impl Check for Migrations {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        let sql = match ctx.engine() {
            Engine::Mysql => include_str!("../sql/mysql/migration_tables.sql"),
            _ => include_str!("../sql/postgres/migration_tables.sql"),
        };
        vec![Query::new("listing candidate migration tables", sql)]
    }

    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        let Ok(found) = found(ctx, results) else {
            return Vec::new();
        };
        let window = window(ctx);
        found
            .iter()
            .flat_map(|f| frameworks::queries(f, ctx.engine(), window))
            .collect()
    }

    fn evaluate(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let found = match found(ctx, results) {
            Ok(found) => found,
            Err(e) => return Ok(Outcome::unknown(format!("{e:#}"))),
        };
        let mut tables = Vec::new();
        let mut next = 1;
        for f in found {
            let n = if f.lock.is_some() { 3 } else { 2 };
            tables.push(read_table(f, results, next));
            next += n;
        }
        let code = match (ctx.option("dir"), tables.as_slice()) {
            (Some(dir), [t]) if t.error.is_none() => Some(read_dir(t, Path::new(dir), window(ctx))),
            _ => None,
        };
        Ok(judge(ctx, &tables, code))
    }
}

/// The user's `--framework` and `--table`, checked.
fn wanted<'a>(ctx: &'a Context) -> Result<Wanted<'a>> {
    let framework = match ctx.option("framework") {
        Some(name) => Some(frameworks::by_name(name).ok_or_else(|| {
            anyhow!(
                "unknown --framework {:?}: use one of {}",
                shorten(name, 40),
                frameworks::names()
            )
        })?),
        None => None,
    };
    let table = ctx.option("table");
    if table.is_some() && framework.is_none() {
        return Err(anyhow!(
            "--table needs --framework: a renamed table is recognised by the columns its tool creates"
        ));
    }
    Ok(Wanted { framework, table })
}

fn found(ctx: &Context, results: &Results) -> Result<Vec<Found>> {
    let wanted = wanted(ctx)?;
    let listed: Vec<Listed> = results
        .rows(0)?
        .iter()
        .map(|r| {
            Ok(Listed {
                schema: r.text(0)?,
                table: r.text(1)?,
                columns: r.text(2)?.split(',').map(str::to_string).collect(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(frameworks::recognise(&listed, &wanted))
}

fn window(ctx: &Context) -> usize {
    let files = ctx.option("dir").map(|d| count_files(Path::new(d))).unwrap_or(0);
    (files + WINDOW).clamp(WINDOW, WINDOW_MAX)
}

fn count_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(e.path()),
                _ => n += 1,
            }
        }
    }
    n
}

/// One history row as read.
#[derive(Debug, Clone, Default, PartialEq)]
struct Entry {
    revision: String,
    description: Option<String>,
    applied_at: Option<String>,
    kind: Option<String>,
    applied: bool,
    broken: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Lock {
    locked: bool,
    locked_by: Option<String>,
    granted: Option<String>,
    age_seconds: Option<f64>,
}

/// One history table and what its queries returned.
#[derive(Debug, Clone)]
struct Table {
    found: Found,
    applied: i64,
    broken: i64,
    broken_revision: Option<String>,
    broken_detail: Option<String>,
    broken_at: Option<String>,
    /// Newest first.
    entries: Vec<Entry>,
    lock: Option<Lock>,
    /// Its queries failed: the server's words.
    error: Option<String>,
}

fn read_table(found: Found, results: &Results, at: usize) -> Table {
    let mut t = Table {
        found,
        applied: 0,
        broken: 0,
        broken_revision: None,
        broken_detail: None,
        broken_at: None,
        entries: Vec::new(),
        lock: None,
        error: None,
    };
    let has_lock = t.found.lock.is_some();
    let read = |t: &mut Table| -> Result<()> {
        let summary = results.rows(at)?;
        let s = summary.first().ok_or_else(|| anyhow!("no summary row"))?;
        t.applied = s.int(0)?;
        t.broken = s.int(1)?;
        t.broken_revision = s.opt_text(2)?;
        t.broken_detail = s.opt_text(3)?;
        t.broken_at = s.opt_text(4)?;
        t.entries = entries(results.rows(at + 1)?)?;
        if has_lock {
            t.lock = results
                .rows(at + 2)?
                .first()
                .map(|r| -> Result<Lock> {
                    Ok(Lock {
                        locked: r.int(0)? != 0,
                        locked_by: r.opt_text(1)?,
                        granted: r.opt_text(2)?,
                        age_seconds: r.opt_float(3)?,
                    })
                })
                .transpose()?;
        }
        Ok(())
    };
    if let Err(e) = read(&mut t) {
        t.error = Some(format!("{e:#}"));
    }
    t
}

fn entries(rows: &Rows) -> Result<Vec<Entry>> {
    rows.iter()
        .map(|r| {
            Ok(Entry {
                revision: r.text(0)?,
                description: r.opt_text(1)?,
                applied_at: r.opt_text(2)?,
                kind: r.opt_text(3)?,
                applied: r.int(4)? != 0,
                broken: r.int(5)? != 0,
            })
        })
        .collect()
}

impl Table {
    /// The revision(s) the table says the schema is at: Alembic's rows (several on branches),
    /// Flyway's highest applied version, golang-migrate's one row (dirty or not), else the newest
    /// applied entry.
    fn current(&self) -> Vec<String> {
        let applied = self.entries.iter().filter(|e| e.applied);
        match self.found.framework {
            Framework::Alembic => {
                let mut all: Vec<String> = applied.map(|e| e.revision.clone()).collect();
                all.sort();
                all
            }
            Framework::Flyway => dirs::flyway_current(applied.map(|e| e.revision.as_str()))
                .map(|r| vec![r.to_string()])
                .unwrap_or_default(),
            Framework::GolangMigrate => self.entries.iter().take(1).map(|e| e.revision.clone()).collect(),
            _ => applied.take(1).map(|e| e.revision.clone()).collect(),
        }
    }

    fn name(&self) -> &'static str {
        descriptor(self.found.framework).name
    }
}

fn read_dir(t: &Table, dir: &Path, window: usize) -> Result<Comparison> {
    let f = t.found.framework;
    if !dirs::supported(f) {
        return Err(anyhow!(
            "--dir is read for alembic, flyway and golang-migrate; this database uses {}",
            t.name()
        ));
    }
    let rows = t
        .entries
        .iter()
        .filter(|e| e.applied || f == Framework::GolangMigrate)
        .map(|e| (e.revision.as_str(), e.kind.as_deref()))
        .collect();
    let applied = Applied {
        rows,
        complete: t.entries.len() < window,
    };
    dirs::compare(f, dir, &applied)
}

/// A status with the condition that caused it, for picking the worst.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Issue {
    status: Status,
    condition: &'static str,
    /// The table it is about (its index).
    table: usize,
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

fn judge(ctx: &Context, tables: &[Table], code: Option<Result<Comparison>>) -> Outcome {
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
            metrics: vec![Metric::new("tables", 0.0, "")],
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
                Some(s) => super::grade(s, t.seconds("lock_warning"), t.seconds("lock_critical")),
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
                    Metric::new("lock_age", s.round(), "s")
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
        Metric::new("applied", tables.iter().map(|t| t.applied).sum::<i64>() as f64, ""),
    );
    metrics.insert(
        1,
        Metric::new("broken", tables.iter().map(|t| t.broken).sum::<i64>() as f64, ""),
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

struct Verdict<'a> {
    issues: &'a mut Vec<Issue>,
    findings: &'a mut Vec<Finding>,
    notes: &'a mut Vec<String>,
    facts: &'a mut Facts,
    parts: &'a mut Vec<String>,
    metrics: &'a mut Vec<Metric>,
}

fn compare_code(ctx: &Context, c: &Comparison, v: &mut Verdict) {
    v.notes.extend(c.notes.iter().cloned());
    v.facts.set("dir", ctx.option("dir").unwrap_or_default());
    v.facts.set("heads", c.heads.join(", "));
    v.metrics.push(Metric::new("pending", c.pending.len() as f64, ""));
    if !c.unknown.is_empty() {
        let unknown = c.unknown.join(", ");
        v.parts.insert(
            0,
            format!("database at {unknown}, which the migrations directory does not define"),
        );
        v.facts.set("unknown", &unknown);
        v.issues.push(Issue {
            status: Status::Critical,
            condition: "unknown_revision",
            table: 0,
        });
        // From a revision the code does not know, everything looks pending: that says nothing.
        return;
    }
    for p in c.pending.iter().take(ctx.limit.max(20)) {
        v.findings.push(
            Finding::new("pending")
                .with("revision", p.revision.as_str())
                .with("file", p.file.as_str())
                .with("out_of_order", p.out_of_order),
        );
    }
    if c.pending.len() > ctx.limit.max(20) {
        v.notes.push(format!("{} pending migrations in all", c.pending.len()));
    }
    let behind = c.pending.len();
    v.facts.set("behind", behind);
    if behind == 0 {
        if c.unknown.is_empty() {
            v.parts
                .push(format!("up to date with the directory (head {})", c.heads.join(", ")));
        }
        return;
    }
    let list: Vec<&str> = c.pending.iter().take(5).map(|p| p.revision.as_str()).collect();
    v.facts.set("pending", list.join(", "));
    v.facts.set("first_pending", &c.pending[0].file);
    let critical = behind as f64 >= ctx.thresholds.count("behind_critical") as f64;
    v.parts.insert(
        0,
        format!(
            "{behind} migration(s) pending: {}{}",
            list.join(", "),
            if behind > list.len() { ", ..." } else { "" }
        ),
    );
    v.issues.push(Issue {
        status: if critical { Status::Critical } else { Status::Warning },
        condition: "behind",
        table: 0,
    });
    let late: Vec<&str> = c
        .pending
        .iter()
        .filter(|p| p.out_of_order)
        .map(|p| p.revision.as_str())
        .collect();
    if !late.is_empty() {
        v.notes.push(format!(
            "{} older than the database's current version and not applied (out of order): {}; \
             Flyway applies them only with outOfOrder=true, and its validate fails until then",
            late.len(),
            late.join(", ")
        ));
        v.issues.push(Issue {
            status: Status::Warning,
            condition: "out_of_order",
            table: 0,
        });
    }
}
