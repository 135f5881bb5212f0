//! PostgreSQL replication slots on the server connected to: the WAL each keeps, whether a
//! consumer holds it, how close it is to being cut off (`wal_status`, `safe_wal_size`), and with
//! `--interval` how fast it grows and the time left until `max_slot_wal_keep_size` cuts it off.

use anyhow::Result;

use super::postgres::Snapshot;
use super::{SLOT_INACTIVE, SLOT_RETAINED_CRITICAL, SLOT_RETAINED_WARNING, Verdict, graded};
use crate::checks::Context;
use crate::engine::Row;
use crate::report::{Finding, Metric, Status, Unit};
use crate::units::{human_bytes, human_seconds};

#[derive(Debug, Clone, Default)]
pub(super) struct Slot {
    name: String,
    kind: String,
    plugin: Option<String>,
    database: Option<String>,
    temporary: bool,
    active: bool,
    active_pid: Option<i64>,
    client: Option<String>,
    application: Option<String>,
    retained: Option<i64>,
    wal_status: Option<String>,
    safe_wal_size: Option<i64>,
    xmin_age: Option<i64>,
    catalog_xmin_age: Option<i64>,
    inactive_for: Option<f64>,
    invalidation_reason: Option<String>,
}

pub(super) fn slot(row: &Row) -> Result<Slot> {
    Ok(Slot {
        name: row.text(0)?,
        kind: row.text(1)?,
        plugin: row.opt_text(2)?,
        database: row.opt_text(3)?,
        temporary: row.int(4)? != 0,
        active: row.int(5)? != 0,
        active_pid: row.opt_int(6)?,
        client: row.opt_text(7)?,
        application: row.opt_text(8)?,
        retained: row.opt_int(9)?,
        wal_status: row.opt_text(10)?,
        safe_wal_size: row.opt_int(11)?,
        xmin_age: row.opt_int(12)?,
        catalog_xmin_age: row.opt_int(13)?,
        inactive_for: row.opt_float(15)?,
        invalidation_reason: row.opt_text(16)?,
    })
}

/// Each slot: the WAL it keeps, whether a consumer holds it, and how close it is to being cut
/// off (`wal_status`, `safe_wal_size`); with an earlier snapshot, how fast it grows.
pub(super) fn judge(ctx: &Context, s: &Snapshot, before: Option<&Snapshot>, v: &mut Verdict) {
    let t = ctx.thresholds;
    let (warn, crit) = (
        t.bytes(SLOT_RETAINED_WARNING) as f64,
        t.bytes(SLOT_RETAINED_CRITICAL) as f64,
    );
    if s.slots.is_empty() {
        return;
    }
    let mut judged: Vec<Judged> = Vec::new();
    let mut worst_growth: Option<f64> = None;
    let mut least_time: Option<f64> = None;
    for slot in &s.slots {
        let growth = before.and_then(|b| growth(b, s, slot));
        let time_left = growth
            .filter(|g| *g > 0.0)
            .and_then(|g| slot.safe_wal_size.map(|safe| safe.max(0) as f64 / g));
        worst_growth = worst_growth.into_iter().chain(growth).reduce(f64::max);
        least_time = least_time.into_iter().chain(time_left).reduce(f64::min);
        v.findings.push(slot_finding(slot, growth, time_left));
        if let Some((status, condition, text)) = judge_slot(ctx, slot, warn, crit) {
            judged.push(Judged {
                status,
                condition,
                text,
                slot,
                growth,
                time_left,
            });
        }
    }
    let retained_max = s.slots.iter().filter_map(|x| x.retained).max().unwrap_or(0);
    let inactive = s.slots.iter().filter(|x| !x.active).count();
    v.metrics.push(Metric::new("slots", s.slots.len() as f64, Unit::Count));
    v.metrics
        .push(Metric::new("slots_inactive", inactive as f64, Unit::Count));
    v.metrics
        .push(Metric::new("slot_retained_bytes", retained_max as f64, Unit::Bytes).thresholds(warn, crit));
    if let Some(g) = worst_growth {
        v.metrics
            .push(Metric::new("slot_growth_bytes_per_second", g.round(), Unit::Bytes));
    }
    if let Some(left) = least_time {
        v.metrics
            .push(Metric::new("slot_time_left", left.round(), Unit::Seconds));
    }
    if judged.is_empty() {
        v.fine(format!(
            "{} slot(s), {inactive} inactive, the largest keeps {}",
            s.slots.len(),
            human_bytes(retained_max as f64)
        ));
    }
    judged.sort_by_key(|j| std::cmp::Reverse(j.status));
    for j in judged {
        slot_values(j.slot, s.server.max_slot_wal_keep_size, j.growth, j.time_left, v);
        v.problem(j.status, j.condition, j.text);
        if !j.slot.active {
            v.facts.flag("slot_inactive");
        }
        if j.slot.kind == "logical" {
            v.facts.flag("logical_slot");
        }
    }
}

/// A slot with a problem, and what the runbook needs to say about it.
struct Judged<'a> {
    status: Status,
    condition: &'static str,
    text: String,
    slot: &'a Slot,
    growth: Option<f64>,
    time_left: Option<f64>,
}

/// The runbook values of the slot the verdict leads with (first writer wins).
fn slot_values(slot: &Slot, keep: i64, growth: Option<f64>, time_left: Option<f64>, v: &mut Verdict) {
    v.value("slot_name", &slot.name);
    v.value("slot_type", &slot.kind);
    v.value("slot_plugin", slot.plugin.as_deref().unwrap_or("none"));
    v.value("slot_database", slot.database.as_deref().unwrap_or("none"));
    v.value(
        "slot_retained",
        slot.retained
            .map(|b| human_bytes(b as f64))
            .unwrap_or_else(|| "nothing".into()),
    );
    v.value("slot_wal_status", slot.wal_status.as_deref().unwrap_or("unknown"));
    v.value(
        "max_slot_wal_keep_size",
        if keep < 0 {
            "-1 (unlimited)".into()
        } else {
            human_bytes(keep as f64)
        },
    );
    if let Some(g) = growth {
        v.value("slot_growth", format!("{}/s", human_bytes(g)));
    }
    if let Some(left) = time_left {
        v.value("slot_time_left", human_seconds(left));
    }
}

fn judge_slot(ctx: &Context, slot: &Slot, warn: f64, crit: f64) -> Option<(Status, &'static str, String)> {
    let who = format!("{} slot {}", slot.kind, slot.name);
    let state = if slot.active {
        "active".to_string()
    } else {
        "inactive".to_string()
    };
    if slot.wal_status.as_deref() == Some("lost") || slot.invalidation_reason.is_some() {
        return Some((
            Status::Critical,
            "slot_lost",
            format!(
                "{who} is lost ({}): the WAL its consumer needs is gone, the consumer cannot resume from it",
                slot.invalidation_reason.as_deref().unwrap_or("wal_status lost")
            ),
        ));
    }
    let retained = slot.retained.unwrap_or(0) as f64;
    let kept = human_bytes(retained);
    if slot.wal_status.as_deref() == Some("unreserved") {
        return Some((
            Status::Critical,
            "slot_retaining_wal",
            format!(
                "{who} ({state}) keeps {kept}, past max_slot_wal_keep_size: the next checkpoint removes WAL it \
                 needs"
            ),
        ));
    }
    if let Some(status) = graded(retained, warn, crit) {
        return Some((
            status,
            "slot_retaining_wal",
            format!(
                "{who} ({state}) keeps {kept} of WAL on this server's disk (WARNING at {}, CRITICAL at {})",
                human_bytes(warn),
                human_bytes(crit)
            ),
        ));
    }
    let idle = ctx.thresholds.seconds(SLOT_INACTIVE);
    match slot.inactive_for {
        Some(age) if !slot.active && !slot.temporary && age >= idle => Some((
            Status::Warning,
            "slot_inactive",
            format!("{who} has had no consumer for {}; it keeps {kept}", human_seconds(age)),
        )),
        _ => None,
    }
}

fn slot_finding(slot: &Slot, growth: Option<f64>, time_left: Option<f64>) -> Finding {
    let holder = match (slot.active_pid, &slot.client) {
        (Some(pid), Some(client)) => Some(format!("pid {pid} from {client}")),
        (Some(pid), None) => Some(format!("pid {pid}")),
        (None, _) => None,
    };
    Finding::new("slot")
        .with("slot", slot.name.as_str())
        .with("type", slot.kind.as_str())
        .with("plugin", slot.plugin.clone())
        .with("database", slot.database.clone())
        .with("active", slot.active)
        .with("holder", holder)
        .with("application", slot.application.clone())
        .with("retained", slot.retained.map(|b| human_bytes(b as f64)))
        .with("wal_status", slot.wal_status.clone())
        .with("safe_wal_size", slot.safe_wal_size.map(|b| human_bytes(b as f64)))
        .with("xmin_age", slot.xmin_age)
        .with("catalog_xmin_age", slot.catalog_xmin_age)
        .with("inactive_for", slot.inactive_for.map(human_seconds))
        .with("growth", growth.map(|g| format!("{}/s", human_bytes(g))))
        .with("time_left", time_left.map(human_seconds))
}

/// Bytes per second the slot's retained WAL grew between the snapshots.
fn growth(before: &Snapshot, now: &Snapshot, slot: &Slot) -> Option<f64> {
    let then = before.slots.iter().find(|x| x.name == slot.name)?;
    let elapsed = now.server.taken_at - before.server.taken_at;
    if elapsed <= 0.0 {
        return None;
    }
    Some((slot.retained? - then.retained?) as f64 / elapsed)
}
