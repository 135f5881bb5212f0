//! Whether `dbrunbook end` may end a session, and how: the refusals (each naming its rule) and
//! the plan. Pure: it looks at one snapshot and decides; `act` carries the plan out.

use crate::checks::session_ref::{Identity, SessionRef};

use super::read::{Live, Snapshot};

/// How a session is ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Running a statement: cancel it, wait up to `--grace`, terminate only if still needed.
    CancelFirst,
    /// Idle, or idle in a transaction: a cancel has nothing to stop, so terminate.
    Terminate,
}

impl Plan {
    pub fn describe(self) -> &'static str {
        match self {
            Plan::CancelFirst => "cancel its statement; terminate only if it still holds on after --grace",
            Plan::Terminate => "terminate the session (no statement runs: a cancel would do nothing)",
        }
    }
}

/// Why a session is not ended: the rule, and what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub rule: &'static str,
    pub why: String,
    /// For a session that only waits: the roots to deal with instead, by reference.
    pub roots: Vec<String>,
}

pub type Decision = Result<Plan, Refusal>;

fn refuse(rule: &'static str, why: impl Into<String>) -> Decision {
    Err(Refusal {
        rule,
        why: why.into(),
        roots: vec![],
    })
}

/// The decision on `live`, which was asked for by `wanted` (a reference) or by a bulk filter.
pub fn judge(live: &Live, wanted: Option<&SessionRef>, snap: &Snapshot) -> Decision {
    if live.own {
        return refuse("own session", "this is dbrunbook's own session");
    }
    if let Some(w) = wanted {
        let Some(now) = &live.reference else {
            return refuse(
                "stale reference",
                "the session at this pid has no start time to compare",
            );
        };
        match w.compare(now) {
            Identity::Same => {}
            Identity::OtherSession => {
                return refuse(
                    "stale reference",
                    format!(
                        "pid {} is now another session ({now}): the one referred to has ended",
                        w.pid
                    ),
                );
            }
            Identity::OtherTransaction => {
                return refuse(
                    "stale reference",
                    format!(
                        "the transaction referred to has ended; the session ({now}) has moved on: read the \
                         report again"
                    ),
                );
            }
        }
    }
    if let Some(p) = live.s.protected() {
        return refuse(p.rule, format!("it is {}: {}", p.what, p.advice));
    }
    if live.s.waits_on_lock() || !live.s.blocked_by.is_empty() {
        let roots: Vec<String> = snap
            .roots_of(live.s.pid)
            .iter()
            .map(|r| match snap.by_pid(*r).and_then(|l| l.reference.as_ref()) {
                Some(reference) => reference.to_string(),
                None => format!("pid {r}"),
            })
            .collect();
        let why = if roots.is_empty() {
            "it only waits on a lock, and ending it frees nothing; the holder is not known here: see \
             `dbrunbook locks`"
                .to_string()
        } else {
            format!(
                "it only waits on a lock, and ending it frees nothing; end the root instead: dbrunbook end {}",
                roots.join(" ")
            )
        };
        return Err(Refusal {
            rule: "waits on a lock",
            why,
            roots,
        });
    }
    match live.s.state.as_str() {
        "active" => Ok(Plan::CancelFirst),
        "killed" => refuse(
            "already ending",
            "a KILL is already rolling its transaction back: wait for it, killing again does not speed it up",
        ),
        s if s.starts_with("idle") => Ok(Plan::Terminate),
        _ => refuse(
            "state unknown",
            "its state cannot be seen by this role (PostgreSQL: grant pg_signal_backend and pg_read_all_stats)",
        ),
    }
}
