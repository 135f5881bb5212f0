//! Carrying a plan out on the server: the evidence first, then the signals, each sent only to
//! the session the reference names (PostgreSQL: one guarded statement; MySQL, whose KILL takes
//! no condition: the identity read again just before), with bounded waits in between.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use serde_json::{Value, json};

use crate::checks::session_ref::{Identity, SessionRef};
use crate::engine::{Param, Query, Rows, Session};
use crate::target::Engine;

use super::judge::Plan;
use super::read::{Snapshot, snapshot};

/// How often the session is read again while waiting.
const POLL: Duration = Duration::from_millis(200);
/// How long a terminated session may take to go (a long rollback keeps it listed).
const TERMINATE_WAIT: Duration = Duration::from_secs(10);

/// What happened to one session.
#[derive(Debug, Clone, Default)]
pub struct Done {
    /// The statements sent, in order.
    pub sent: Vec<String>,
    /// In a few words: `cancelled`, `terminated`, `rolling back`, `still there`...
    pub result: String,
    /// Whether the session (or its statement) ended as planned.
    pub ok: bool,
}

/// The evidence of the sessions about to be ended, as one JSON document.
pub async fn evidence(session: &mut Session, targets: &[(i64, Vec<i64>)]) -> Result<Value> {
    let engine = session.server().engine;
    let mariadb = session.server().mariadb || session.server().version_num < 80000;
    let mut out = Vec::new();
    for (pid, behind) in targets {
        let per_pid = |label: &'static str, sql: &'static str| Query::new(label, sql).param(Param::Int(*pid));
        let queries = match engine {
            Engine::Mysql => vec![
                per_pid("the session", include_str!("sql/my_evidence_session.sql")),
                per_pid("its transaction", include_str!("sql/my_evidence_trx.sql")),
                if mariadb {
                    Query::new("row-lock waits", include_str!("sql/my_evidence_lock_waits.sql"))
                } else {
                    Query::new("row-lock waits", include_str!("sql/my8_evidence_lock_waits.sql"))
                },
                Query::new("metadata locks", include_str!("sql/my_evidence_metadata_locks.sql")),
                Query::new("InnoDB status", include_str!("sql/my_evidence_innodb_status.sql")),
            ],
            Engine::Postgres | Engine::Pgbouncer => vec![
                per_pid("the session", include_str!("sql/pg_evidence_session.sql")),
                per_pid("its locks", include_str!("sql/pg_evidence_locks.sql")),
                per_pid(
                    "the sessions waiting on it",
                    include_str!("sql/pg_evidence_waiters.sql"),
                ),
                Query::new("prepared transactions", include_str!("sql/pg_evidence_prepared.sql")),
            ],
        };
        let results = session.run(&queries).await?;
        let mut entry = serde_json::Map::new();
        entry.insert("pid".into(), json!(pid));
        entry.insert("sessions_behind_it".into(), json!(behind));
        for (q, r) in queries.iter().zip(results) {
            let value = match r {
                Ok(rows) => rows_json(&rows),
                Err(e) => json!({ "error": e.message }),
            };
            entry.insert(q.label.into(), value);
        }
        out.push(Value::Object(entry));
    }
    Ok(Value::Array(out))
}

/// Rows as JSON objects; PostgreSQL's evidence comes as one `row_to_json` text per row.
/// Statement texts may hold secrets (`ALTER ROLE ... PASSWORD`): every string is redacted as
/// the file is written (`audit`), after the row's JSON is read, which keeps it valid.
fn rows_json(rows: &Rows) -> Value {
    use crate::engine::Value as V;
    let list = rows.rows.iter().map(|values| {
        if rows.columns.len() == 1
            && rows.columns[0] == "row"
            && let Some(V::Text(t)) = values.first()
        {
            return serde_json::from_str::<Value>(t).unwrap_or_else(|_| json!(t));
        }
        let map: serde_json::Map<String, Value> = rows
            .columns
            .iter()
            .zip(values)
            .map(|(c, v)| {
                let v = match v {
                    V::Null => Value::Null,
                    V::Bool(b) => json!(b),
                    V::Int(n) => json!(n),
                    V::Float(f) => json!(f),
                    V::Text(t) => json!(t),
                    V::Ints(l) => json!(l),
                };
                (c.clone(), v)
            })
            .collect();
        Value::Object(map)
    });
    Value::Array(list.collect())
}

/// Ends the session `reference` names by `plan`, waiting at most `grace` after a cancel.
pub async fn end(session: &mut Session, reference: &SessionRef, plan: Plan, grace: Duration) -> Result<Done> {
    let mut done = Done::default();
    if plan == Plan::CancelFirst {
        if !signal(session, reference, Signal::Cancel, &mut done).await? {
            return Ok(done);
        }
        let until = Instant::now() + grace;
        loop {
            let now = snapshot(session).await?;
            match still_needed(&now, reference) {
                Need::No(why) => {
                    done.result = format!("cancelled: {why}");
                    done.ok = true;
                    return Ok(done);
                }
                Need::Terminate => break,
                Need::Wait if Instant::now() >= until => break,
                Need::Wait => tokio::time::sleep(POLL).await,
            }
        }
    }
    if !signal(session, reference, Signal::Terminate, &mut done).await? {
        return Ok(done);
    }
    let until = Instant::now() + TERMINATE_WAIT;
    loop {
        let now = snapshot(session).await?;
        let live = now.by_pid(reference.pid).filter(|l| {
            l.reference.as_ref().is_some_and(|r| {
                r.compare(&SessionRef {
                    xact: None,
                    ..reference.clone()
                }) == Identity::Same
            })
        });
        match live {
            None => {
                done.result = "terminated".into();
                done.ok = true;
                return Ok(done);
            }
            Some(l) if Instant::now() >= until => {
                done.result = if l.s.state == "killed" {
                    "terminated, still rolling back its transaction: wait, do not kill again".into()
                } else {
                    format!(
                        "still there {} after terminate (state {})",
                        crate::units::human_duration(TERMINATE_WAIT),
                        l.s.state
                    )
                };
                done.ok = l.s.state == "killed";
                return Ok(done);
            }
            Some(_) => tokio::time::sleep(POLL).await,
        }
    }
}

enum Need {
    No(&'static str),
    Terminate,
    Wait,
}

/// After a cancel: done when the session is gone or idle outside a transaction; terminate at
/// once when it sits in a transaction (a cancelled statement inside one leaves its locks held);
/// wait while the statement still runs or rolls back.
fn still_needed(now: &Snapshot, reference: &SessionRef) -> Need {
    let Some(live) = now.by_pid(reference.pid) else {
        return Need::No("the session has gone");
    };
    let same_session = live.reference.as_ref().is_some_and(|r| {
        r.compare(&SessionRef {
            xact: None,
            ..reference.clone()
        }) == Identity::Same
    });
    if !same_session {
        return Need::No("the session has gone");
    }
    match live.s.state.as_str() {
        "idle" => Need::No("the statement stopped and no transaction is left open"),
        s if s.starts_with("idle in transaction") => Need::Terminate,
        _ => Need::Wait,
    }
}

#[derive(Clone, Copy)]
enum Signal {
    Cancel,
    Terminate,
}

/// Sends one signal to the referred session only. False (with `done.result` saying why) when
/// the session is no longer the one referred to.
async fn signal(session: &mut Session, reference: &SessionRef, signal: Signal, done: &mut Done) -> Result<bool> {
    let engine = session.server().engine;
    let sql = match engine {
        Engine::Postgres | Engine::Pgbouncer => reference.pg_signal(match signal {
            Signal::Cancel => "pg_cancel_backend",
            Signal::Terminate => "pg_terminate_backend",
        }),
        Engine::Mysql => {
            // KILL takes no condition: the identity is read again right before it.
            let now = snapshot(session).await?;
            let same = now
                .by_pid(reference.pid)
                .and_then(|l| l.reference.as_ref())
                .is_some_and(|r| reference.compare(r) == Identity::Same);
            if !same {
                done.result = "not sent: the session or its transaction ended meanwhile".into();
                return Ok(false);
            }
            match signal {
                Signal::Cancel => format!("KILL QUERY {};", reference.pid),
                Signal::Terminate => format!("KILL CONNECTION {};", reference.pid),
            }
        }
    };
    let results = session.run(&[Query::new("ending the session", sql.clone())]).await?;
    done.sent.push(sql);
    let rows = results
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no answer to the signal"))?
        .map_err(|e| anyhow!("the server refused: {}", e.message))?;
    let delivered = match engine {
        Engine::Mysql => true,
        Engine::Postgres | Engine::Pgbouncer => rows
            .rows
            .iter()
            .any(|r| r.first() == Some(&crate::engine::Value::Bool(true))),
    };
    if !delivered {
        done.result = "not sent: the session or its transaction ended meanwhile".into();
    }
    Ok(delivered)
}

/// Of the sessions that waited on the ended one, how many wait on it no more: `(moved, of)`.
/// Read again for up to `grace`: a waiter takes a moment to wake and take its lock.
pub async fn verify(session: &mut Session, before: &[i64], ended: i64, grace: Duration) -> Result<(usize, usize)> {
    let until = Instant::now() + grace;
    loop {
        let now = snapshot(session).await?;
        let moved = before
            .iter()
            .filter(|p| !now.by_pid(**p).is_some_and(|l| l.s.blocked_by.contains(&ended)))
            .count();
        if moved == before.len() || Instant::now() >= until {
            return Ok((moved, before.len()));
        }
        tokio::time::sleep(POLL).await;
    }
}
