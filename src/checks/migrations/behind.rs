//! The database against the deploy's code (`--dir`): pending migrations, out-of-order ones,
//! revisions the code does not define and files changed after they were applied, turned into issues, findings and runbook facts. Parsing
//! the directory is done under `dirs/`; the overall status in `verdict.rs`.

use super::BEHIND_CRITICAL;
use super::dirs::Comparison;
use super::verdict::Issue;
use crate::checks::{Context, Facts};
use crate::report::{Finding, Metric, Status, Unit};

/// The verdict being built: issues, the summary's parts, and the outcome's lists and facts.
#[derive(Default)]
pub(super) struct Verdict {
    pub(super) issues: Vec<Issue>,
    pub(super) findings: Vec<Finding>,
    pub(super) notes: Vec<String>,
    pub(super) facts: Facts,
    pub(super) parts: Vec<String>,
    pub(super) metrics: Vec<Metric>,
}

pub(super) fn compare_code(ctx: &Context, c: &Comparison, v: &mut Verdict) {
    v.notes.extend(c.notes.iter().cloned());
    v.facts.set("dir", ctx.option("dir").unwrap_or_default());
    v.facts.set("heads", c.heads.join(", "));
    v.metrics
        .push(Metric::new("pending", c.pending.len() as f64, Unit::Count));
    v.metrics
        .push(Metric::new("changed", c.changed.len() as f64, Unit::Count));
    // First, so its runbook leads over migration-behind: Flyway and sqlx refuse to run the
    // pending migrations until the changed file is dealt with.
    changed(ctx, c, v);
    conflicts(c, v);
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
    let critical = behind as f64 >= ctx.thresholds.count(BEHIND_CRITICAL) as f64;
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
             Flyway runs them only with outOfOrder=true and goose only with --allow-missing, while \
             Rails, dbmate, sqlx and the others run them on the next migrate, after newer ones",
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

/// Django apps with two leaf migrations: `migrate` refuses to run anything ("Conflicting
/// migrations detected"), so the pending count says nothing about what a migrate would do.
/// CRITICAL and first: the runbook is the merge, never "migrate".
fn conflicts(c: &Comparison, v: &mut Verdict) {
    if c.conflicts.is_empty() {
        return;
    }
    let list = c.conflicts.join("; ");
    for conflict in &c.conflicts {
        v.findings
            .push(Finding::new("conflict").with("leaves", conflict.as_str()));
    }
    v.facts.set("conflicts", &list);
    v.parts.insert(
        0,
        format!("conflicting migrations (two leaf nodes in one app, Django refuses to migrate): {list}"),
    );
    v.issues.insert(
        0,
        Issue {
            status: Status::Critical,
            condition: "conflict",
            table: 0,
        },
    );
}

/// Applied files whose checksum no longer matches: one finding each, WARNING (the schema is as
/// the old file left it; the tool refuses to migrate until repaired). Liquibase names
/// changesets, several to a file, and is CRITICAL while changesets are pending: `update`
/// validates every applied changeset first, so none of them can be applied.
fn changed(ctx: &Context, c: &Comparison, v: &mut Verdict) {
    if c.changed.is_empty() {
        return;
    }
    for ch in c.changed.iter().take(ctx.limit.max(20)) {
        v.findings.push(
            Finding::new("changed")
                .with("revision", ch.revision.as_str())
                .with("file", ch.file.as_str())
                .with("recorded", ch.recorded.as_str())
                .with("computed", ch.computed.as_str()),
        );
    }
    let liquibase = c.changed_condition.is_some();
    let shown: Vec<&str> = c
        .changed
        .iter()
        .take(5)
        .map(|ch| {
            if liquibase {
                ch.revision.as_str()
            } else {
                ch.file.as_str()
            }
        })
        .collect();
    v.facts.set("changed", shown.join(", "));
    v.facts.set("first_changed", c.changed[0].file.as_str());
    v.parts.push(format!(
        "{} applied {} changed since {}: {}{}",
        c.changed.len(),
        if liquibase { "changeset(s)" } else { "migration file(s)" },
        if liquibase {
            "they ran (liquibase validate fails)"
        } else {
            "they ran"
        },
        shown.join(", "),
        if c.changed.len() > shown.len() { ", ..." } else { "" }
    ));
    v.issues.push(Issue {
        status: if liquibase && !c.pending.is_empty() {
            Status::Critical
        } else {
            Status::Warning
        },
        condition: c.changed_condition.unwrap_or("checksum_mismatch"),
        table: 0,
    });
}
