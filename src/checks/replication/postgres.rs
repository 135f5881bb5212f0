//! PostgreSQL replication, from either side: on a primary (or a cascading replica) its WAL
//! senders, its slots and whether the synchronous standbys it waits for are there; on a replica
//! the WAL receiver, how far replay is behind what was received, and paused replay. Rows are
//! decoded into plain structs first, then judged; slots are judged in `slots.rs`.

use anyhow::{Result, anyhow};

use super::slots::Slot;
use super::{LAG_BYTES_CRITICAL, LAG_BYTES_WARNING, LAG_CRITICAL, LAG_WARNING, Verdict, graded};
use crate::checks::{Context, Results, visibility_grant};
use crate::engine::{Query, Row};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::{human_bytes, human_seconds};

pub fn queries() -> Vec<Query> {
    vec![
        Query::new(
            "reading this server's replication role and settings",
            include_str!("../sql/postgres/replication_server.sql"),
        ),
        Query::new(
            "reading pg_stat_replication",
            include_str!("../sql/postgres/replication_senders.sql"),
        ),
        Query::new(
            "reading pg_replication_slots",
            include_str!("../sql/postgres/replication_slots.sql"),
        ),
        Query::new(
            "reading pg_stat_wal_receiver",
            include_str!("../sql/postgres/replication_receiver.sql"),
        ),
        Query::new(
            "reading recovery conflicts and the replica's longest query",
            include_str!("../sql/postgres/replication_conflicts.sql"),
        ),
    ]
}

/// The server's own row.
#[derive(Debug, Clone, Default)]
pub(super) struct Server {
    in_recovery: bool,
    pub(super) taken_at: f64,
    receive_lsn: Option<i64>,
    replay_lsn: Option<i64>,
    last_replay_age: Option<f64>,
    pause_state: Option<String>,
    standby_names: String,
    /// Bytes; -1: unlimited.
    pub(super) max_slot_wal_keep_size: i64,
    hot_standby_feedback: String,
    max_standby_streaming_delay: String,
    monitor: bool,
    role: String,
}

#[derive(Debug, Clone, Default)]
struct Sender {
    pid: i64,
    application: String,
    client: Option<String>,
    /// `None`: hidden from this role (no pg_monitor).
    state: Option<String>,
    sync_state: Option<String>,
    replay_behind: Option<i64>,
    write_lag: Option<f64>,
    flush_lag: Option<f64>,
    replay_lag: Option<f64>,
    slot: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Receiver {
    status: String,
    slot: Option<String>,
    sender_host: Option<String>,
    sender_port: Option<i64>,
    last_message_age: Option<f64>,
}

#[derive(Debug, Clone, Default)]
struct Replica {
    conflicts: i64,
    query_pid: Option<i64>,
    query_user: Option<String>,
    query_age: Option<f64>,
    query: Option<String>,
}

pub(super) struct Snapshot {
    pub(super) server: Server,
    senders: Vec<Sender>,
    pub(super) slots: Vec<Slot>,
    receiver: Option<Receiver>,
    replica: Replica,
}

fn decode(r: &Results) -> Result<Snapshot> {
    let rows = r.rows(0)?;
    let s = rows
        .first()
        .ok_or_else(|| anyhow!("no row from the replication settings"))?;
    let server = Server {
        in_recovery: s.int(0)? != 0,
        taken_at: s.opt_float(1)?.unwrap_or_default(),
        receive_lsn: s.opt_int(3)?,
        replay_lsn: s.opt_int(4)?,
        last_replay_age: s.opt_float(5)?,
        pause_state: s.opt_text(6)?,
        standby_names: s.text(7)?,
        max_slot_wal_keep_size: s.opt_int(8)?.unwrap_or(-1),
        hot_standby_feedback: s.text(9)?,
        max_standby_streaming_delay: s.text(10)?,
        monitor: s.int(11)? != 0,
        role: s.text(12)?,
    };
    let senders = r.rows(1)?.iter().map(|row| sender(&row)).collect::<Result<_>>()?;
    let slots = r
        .rows(2)?
        .iter()
        .map(|row| super::slots::slot(&row))
        .collect::<Result<_>>()?;
    let receiver = r
        .rows(3)?
        .first()
        .map(|w| -> Result<Receiver> {
            Ok(Receiver {
                status: w.text(1)?,
                slot: w.opt_text(2)?,
                sender_host: w.opt_text(3)?,
                sender_port: w.opt_int(4)?,
                last_message_age: w.opt_float(5)?,
            })
        })
        .transpose()?;
    let replica = match r.rows(4)?.first() {
        Some(c) => Replica {
            conflicts: c.int(0)?,
            query_pid: c.opt_int(1)?,
            query_user: c.opt_text(2)?,
            query_age: c.opt_float(3)?,
            query: c.opt_text(4)?,
        },
        None => Replica::default(),
    };
    Ok(Snapshot {
        server,
        senders,
        slots,
        receiver,
        replica,
    })
}

fn sender(row: &Row) -> Result<Sender> {
    Ok(Sender {
        pid: row.int(0)?,
        application: row.text(1)?,
        client: row.opt_text(2)?,
        state: row.opt_text(3)?,
        sync_state: row.opt_text(4)?,
        replay_behind: row.opt_int(8)?,
        write_lag: row.opt_float(9)?,
        flush_lag: row.opt_float(10)?,
        replay_lag: row.opt_float(11)?,
        slot: row.opt_text(12)?,
    })
}

pub fn evaluate(ctx: &Context, results: &Results, v: &mut Verdict) -> Result<()> {
    let first = decode(&results.first())?;
    let second = results.second().map(|r| decode(&r)).transpose()?;
    // With --interval the later snapshot is the one judged; the earlier gives the growth.
    let (now, before) = match &second {
        Some(s) => (s, Some(&first)),
        None => (&first, None),
    };
    if now.server.in_recovery {
        replica_side(ctx, now, v);
    }
    senders(ctx, now, v);
    sync_standbys(now, v);
    super::slots::judge(ctx, now, before, v);
    if v.problems.is_empty() && v.fine.is_empty() {
        v.fine("not replicating: not a replica, no WAL senders, no replication slots".into());
    }
    Ok(())
}

/// A replica's own view: is it receiving, how far is replay behind what it received, is replay
/// paused. An idle primary sends nothing, so a replica that replayed all it received is not
/// behind however old its last replayed transaction is.
fn replica_side(ctx: &Context, s: &Snapshot, v: &mut Verdict) {
    let t = ctx.thresholds;
    let srv = &s.server;
    let pending = match (srv.receive_lsn, srv.replay_lsn) {
        (Some(received), Some(replayed)) => Some((received - replayed).max(0)),
        _ => None,
    };
    let lag = match pending {
        Some(0) => Some(0.0),
        Some(_) => srv.last_replay_age.map(|a| a.max(0.0)),
        None => None,
    };
    let paused = matches!(srv.pause_state.as_deref(), Some("paused" | "pause requested"));
    v.metrics.push(Metric::new(
        "wal_receiver_up",
        f64::from(u8::from(s.receiver.as_ref().is_some_and(|r| r.status == "streaming"))),
        Unit::Count,
    ));
    v.metrics
        .push(Metric::new("replay_paused", f64::from(u8::from(paused)), Unit::Count));
    v.metrics.push(Metric::new(
        "recovery_conflicts",
        s.replica.conflicts as f64,
        Unit::Counter,
    ));
    receiver(s, v);
    if let Some(lag) = lag {
        v.metrics.push(
            Metric::new("replica_lag_seconds", lag.round(), Unit::Seconds)
                .thresholds(t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)),
        );
    }
    if let Some(bytes) = pending {
        v.metrics.push(
            Metric::new("replica_lag_bytes", bytes as f64, Unit::Bytes)
                .thresholds(t.bytes(LAG_BYTES_WARNING) as f64, t.bytes(LAG_BYTES_CRITICAL) as f64),
        );
    }
    if paused {
        v.problem(
            Status::Warning,
            "replay_paused",
            format!(
                "replay is {} (pg_wal_replay_pause): the replica receives WAL but applies none of it",
                srv.pause_state.as_deref().unwrap_or("paused")
            ),
        );
    }
    judge_replica_lag(ctx, s, lag, pending, v);
    if s.replica.conflicts > 0 {
        v.facts.flag("replay_conflicts");
        v.value("conflicts", s.replica.conflicts);
        v.notes.push(format!(
            "{} quer(ies) on this replica were cancelled by replay since the statistics were reset \
             (max_standby_streaming_delay = {}, hot_standby_feedback = {})",
            s.replica.conflicts, srv.max_standby_streaming_delay, srv.hot_standby_feedback
        ));
    }
}

fn receiver(s: &Snapshot, v: &mut Verdict) {
    match &s.receiver {
        None => v.problem(
            Status::Critical,
            "not_receiving",
            "this replica has no WAL receiver: it is not streaming from a primary (replication stopped, \
             or it replays from an archive only)"
                .into(),
        ),
        Some(r) => {
            let from = format!(
                "{}:{}",
                r.sender_host.as_deref().unwrap_or("?"),
                r.sender_port.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
            );
            v.value("primary_host", &from);
            v.findings.push(
                Finding::new("receiver")
                    .with("status", r.status.as_str())
                    .with("primary", from.as_str())
                    .with("slot", r.slot.clone())
                    .with(
                        "last_message",
                        r.last_message_age.map(|a| format!("{} ago", human_seconds(a))),
                    ),
            );
            if r.status == "streaming" {
                v.fine(format!("streaming from {from}"));
            } else {
                v.problem(
                    Status::Warning,
                    "not_receiving",
                    format!("the WAL receiver is {} (not streaming) from {from}", r.status),
                );
            }
        }
    }
}

fn judge_replica_lag(ctx: &Context, s: &Snapshot, lag: Option<f64>, pending: Option<i64>, v: &mut Verdict) {
    let t = ctx.thresholds;
    let srv = &s.server;
    let by_time = lag.and_then(|l| graded(l, t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)));
    let by_bytes = pending.and_then(|b| {
        graded(
            b as f64,
            t.bytes(LAG_BYTES_WARNING) as f64,
            t.bytes(LAG_BYTES_CRITICAL) as f64,
        )
    });
    let lag_text = lag.map(human_seconds).unwrap_or_else(|| "unknown".into());
    let bytes_text = pending
        .map(|b| human_bytes(b as f64))
        .unwrap_or_else(|| "unknown".into());
    match by_time.into_iter().chain(by_bytes).max() {
        Some(status) => {
            v.value("lag", &lag_text);
            v.value("lag_bytes", &bytes_text);
            v.problem(
                status,
                "replica_lag",
                format!(
                    "replay is {lag_text} behind, {bytes_text} received and not replayed (WARNING at {}, CRITICAL at {})",
                    t.shown(LAG_WARNING),
                    t.shown(LAG_CRITICAL)
                ),
            );
            if let (Some(pid), Some(age)) = (s.replica.query_pid, s.replica.query_age) {
                v.facts.flag("long_replica_query");
                v.value("query_pid", pid);
                v.value("query_age", human_seconds(age));
                v.findings.push(
                    Finding::new("replica_query")
                        .with("pid", pid)
                        .with("user", s.replica.query_user.clone())
                        .with("running_for", human_seconds(age))
                        .with("query", s.replica.query.clone()),
                );
            }
        }
        None if pending == Some(0) => v.fine(match srv.last_replay_age {
            Some(age) => format!(
                "replayed all it received; the last replayed transaction is {} old (an idle primary sends none, \
                 so that is not lag)",
                human_seconds(age)
            ),
            None => "replayed all it received".into(),
        }),
        None => v.fine(format!("replay {lag_text} behind, {bytes_text} not replayed")),
    }
}

/// Each WAL sender: who it is, its state, and how far behind it is.
fn senders(ctx: &Context, s: &Snapshot, v: &mut Verdict) {
    let t = ctx.thresholds;
    if s.senders.is_empty() {
        v.metrics.push(Metric::new("replicas", 0.0, Unit::Count));
        return;
    }
    let hidden = s.senders.iter().filter(|x| x.state.is_none()).count();
    if hidden > 0 {
        v.facts.flag("insufficient_privilege");
        v.notes.push(format!(
            "{hidden} WAL sender(s) show no state or positions to this role ({})",
            visibility_grant(Engine::Postgres, &s.server.role)
        ));
        if !s.server.monitor && hidden == s.senders.len() {
            v.blind = Some(format!(
                "cannot judge {hidden} WAL sender(s): this role sees neither their state nor their lag ({})",
                visibility_grant(Engine::Postgres, &s.server.role)
            ));
        }
    }
    let mut worst_lag: f64 = 0.0;
    let mut worst_bytes: i64 = 0;
    for x in &s.senders {
        worst_lag = worst_lag.max(x.replay_lag.unwrap_or(0.0));
        worst_bytes = worst_bytes.max(x.replay_behind.unwrap_or(0));
        v.findings.push(
            Finding::new("replica")
                .with("pid", x.pid)
                .with("application", x.application.as_str())
                .with("client", x.client.clone())
                .with("state", x.state.clone())
                .with("sync_state", x.sync_state.clone())
                .with("slot", x.slot.clone())
                .with("write_lag", x.write_lag.map(human_seconds))
                .with("flush_lag", x.flush_lag.map(human_seconds))
                .with("replay_lag", x.replay_lag.map(human_seconds))
                .with("replay_behind", x.replay_behind.map(|b| human_bytes(b as f64))),
        );
    }
    v.metrics
        .push(Metric::new("replicas", s.senders.len() as f64, Unit::Count));
    v.metrics.push(
        Metric::new("replica_lag_seconds", worst_lag.round(), Unit::Seconds)
            .thresholds(t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)),
    );
    v.metrics.push(
        Metric::new("replica_lag_bytes", worst_bytes as f64, Unit::Bytes)
            .thresholds(t.bytes(LAG_BYTES_WARNING) as f64, t.bytes(LAG_BYTES_CRITICAL) as f64),
    );
    // On a replica the receiver side has judged lag already; here a cascading sender's.
    for x in &s.senders {
        let by_time = x
            .replay_lag
            .and_then(|l| graded(l, t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)));
        let by_bytes = x.replay_behind.and_then(|b| {
            graded(
                b as f64,
                t.bytes(LAG_BYTES_WARNING) as f64,
                t.bytes(LAG_BYTES_CRITICAL) as f64,
            )
        });
        if let Some(status) = by_time.into_iter().chain(by_bytes).max() {
            let lag = x.replay_lag.map(human_seconds).unwrap_or_else(|| "unknown".into());
            let bytes = x.replay_behind.map(|b| human_bytes(b as f64)).unwrap_or_default();
            v.value("lag", &lag);
            v.value("lag_bytes", &bytes);
            v.value("primary_host", "this server");
            v.problem(
                status,
                "replica_lag",
                format!(
                    "replica {} ({}) replays {lag} behind, {bytes} not replayed",
                    x.application,
                    x.client.as_deref().unwrap_or("local")
                ),
            );
        }
    }
    let streaming = s
        .senders
        .iter()
        .filter(|x| x.state.as_deref() == Some("streaming"))
        .count();
    v.fine(format!("{streaming} of {} WAL sender(s) streaming", s.senders.len()));
}

/// How many standbys `synchronous_standby_names` asks for: `FIRST 2 (a, b)`, `ANY 1 (a, b)`,
/// `2 (a, b)`, or a plain list (the first listed that is connected: one).
fn sync_required(names: &str) -> u32 {
    let text = names.trim();
    let rest = ["FIRST", "ANY"]
        .iter()
        .find_map(|kw| {
            text.get(..kw.len())
                .filter(|head| head.eq_ignore_ascii_case(kw))
                .map(|_| text[kw.len()..].trim_start())
        })
        .unwrap_or(text);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    match (
        digits.parse::<u32>(),
        rest[digits.len()..].trim_start().starts_with('('),
    ) {
        (Ok(n), true) => n,
        _ => 1,
    }
}

/// Commits wait for the synchronous standbys `synchronous_standby_names` names: fewer connected
/// than it asks for, and every commit hangs.
fn sync_standbys(s: &Snapshot, v: &mut Verdict) {
    if s.server.standby_names.trim().is_empty() || s.server.in_recovery {
        return;
    }
    let required = sync_required(&s.server.standby_names);
    let connected = s
        .senders
        .iter()
        .filter(|x| matches!(x.sync_state.as_deref(), Some("sync" | "quorum")))
        .count() as u32;
    v.metrics
        .push(Metric::new("sync_standbys_required", f64::from(required), Unit::Count));
    v.metrics.push(Metric::new(
        "sync_standbys_connected",
        f64::from(connected),
        Unit::Count,
    ));
    if connected < required {
        v.value("standby_names", &s.server.standby_names);
        v.value("sync_required", required);
        v.value("sync_connected", connected);
        v.problem(
            Status::Critical,
            "sync_standby_gone",
            format!(
                "synchronous_standby_names = '{}' asks for {required} synchronous standby(s) and {connected} is \
                 connected: every commit waits",
                s.server.standby_names
            ),
        );
    } else {
        v.fine(format!("{connected} of {required} synchronous standby(s) connected"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synchronous_standby_names_say_how_many_commits_wait_for() {
        assert_eq!(sync_required("FIRST 2 (a, b, c)"), 2);
        assert_eq!(sync_required("any 3 (a,b,c)"), 3);
        assert_eq!(sync_required("2 (a, b)"), 2);
        assert_eq!(sync_required("a, b"), 1);
        assert_eq!(sync_required("*"), 1);
        assert_eq!(sync_required("FIRSTNODE"), 1);
    }
}
