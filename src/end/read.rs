//! What `dbrunbook end` reads of the server: every session with its reference (one query per
//! engine, `sql/`), the programs MySQL clients announced, and who waits for whom. Read before
//! the plan, between the steps, and after, to verify.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, anyhow};

use crate::checks::ObservedSession;
use crate::checks::session_ref::{SessionRef, uptime_from};
use crate::engine::{Query, ServerInfo, Session};
use crate::target::Engine;

/// A session as read now.
#[derive(Debug, Clone)]
pub struct Live {
    pub s: ObservedSession,
    /// Its reference, parsed; `None` for a process without one (no start time).
    pub reference: Option<SessionRef>,
    /// The tool's own session.
    pub own: bool,
}

/// Every session of the server at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub sessions: Vec<Live>,
}

impl Snapshot {
    pub fn by_pid(&self, pid: i64) -> Option<&Live> {
        self.sessions.iter().find(|l| l.s.pid == pid)
    }

    /// The sessions at the root of `pid`'s lock chain: those it waits for, followed until
    /// one waits for nobody (a cycle stops where it closes).
    pub fn roots_of(&self, pid: i64) -> Vec<i64> {
        let mut roots = BTreeSet::new();
        let mut seen = BTreeSet::from([pid]);
        let mut todo: Vec<i64> = self.by_pid(pid).map(|l| l.s.blocked_by.clone()).unwrap_or_default();
        while let Some(p) = todo.pop() {
            if !seen.insert(p) {
                continue;
            }
            match self.by_pid(p).map(|l| &l.s.blocked_by) {
                Some(up) if !up.is_empty() => todo.extend(up),
                _ => {
                    roots.insert(p);
                }
            }
        }
        roots.into_iter().collect()
    }

    /// The sessions waiting, directly or not, on `pid`.
    pub fn behind(&self, pid: i64) -> Vec<i64> {
        self.sessions
            .iter()
            .filter(|l| l.s.pid != pid && !l.s.blocked_by.is_empty() && self.waits_on(l.s.pid, pid))
            .map(|l| l.s.pid)
            .collect()
    }

    fn waits_on(&self, waiter: i64, holder: i64) -> bool {
        let mut seen = BTreeSet::new();
        let mut todo = vec![waiter];
        while let Some(p) = todo.pop() {
            if !seen.insert(p) {
                continue;
            }
            let up = self.by_pid(p).map(|l| l.s.blocked_by.clone()).unwrap_or_default();
            if up.contains(&holder) {
                return true;
            }
            todo.extend(up);
        }
        false
    }
}

/// Reads every session, with the programs (MySQL) and the lock waits merged in.
pub async fn snapshot(session: &mut Session) -> Result<Snapshot> {
    let server = session.server().clone();
    let queries = queries(&server);
    let results = session.run(&queries).await?;
    let mut rows = results.into_iter();
    let listing = rows
        .next()
        .ok_or_else(|| anyhow!("no answer to the session listing"))?
        .map_err(|e| anyhow!("reading the sessions: {}", e.message))?;
    // Optional: without performance_schema or PROCESS there are no programs or row-lock
    // waits to merge; the sessions' own states still say who waits.
    let programs: BTreeMap<i64, String> = match rows.next() {
        Some(Ok(r)) => r
            .iter()
            .filter_map(|row| Some((row.int(0).ok()?, row.text(1).ok()?)))
            .collect(),
        _ => BTreeMap::new(),
    };
    let mut waits: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    if let Some(Ok(r)) = rows.next() {
        for row in r.iter() {
            if let (Ok(waiter), Ok(holder)) = (row.int(0), row.int(1)) {
                waits.entry(waiter).or_default().push(holder);
            }
        }
    }
    let mut out = Snapshot::default();
    for row in listing.iter() {
        let mut s = ObservedSession::decode(&row)?;
        if let Some(p) = programs.get(&s.pid) {
            s.program = Some(p.clone());
        }
        if let Some(holders) = waits.remove(&s.pid) {
            s.blocked_by = holders;
        }
        let reference = s.reference.as_deref().and_then(|r| SessionRef::parse(r).ok());
        let own = row.int_named("own")?.unwrap_or(0) != 0;
        out.sessions.push(Live { s, reference, own });
    }
    Ok(out)
}

fn queries(server: &ServerInfo) -> Vec<Query> {
    match server.engine {
        Engine::Postgres | Engine::Pgbouncer => {
            vec![Query::new("reading the sessions", include_str!("sql/pg_sessions.sql"))]
        }
        Engine::Mysql => {
            let listing = uptime_from(server, include_str!("sql/my_sessions.sql"));
            let waits = if server.mariadb || server.version_num < 80000 {
                include_str!("../checks/sql/mysql/lock_waits_innodb_is.sql")
            } else {
                include_str!("../checks/sql/mysql/lock_waits_sys.sql")
            };
            vec![
                Query::new("reading the sessions", listing),
                Query::new("reading the client programs", include_str!("sql/my_programs.sql")),
                Query::new("reading the row-lock waits", waits),
            ]
        }
    }
}
