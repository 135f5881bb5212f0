//! MySQL and MariaDB lock waits: InnoDB row-lock waits (information_schema on MariaDB and 5.7,
//! sys.innodb_lock_waits on MySQL 8), metadata-lock waits from the processlist (holders from
//! performance_schema.metadata_locks when it is on, else inferred), and the latest deadlock from
//! SHOW ENGINE INNODB STATUS.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use mysql_async::Conn;
use mysql_async::prelude::Queryable;

use super::rows::{LockNode, LockSnapshot};
use crate::text::is_ddl;

const MDL_STATE: &str = "Waiting for table metadata lock";

/// One processlist row with its open transaction's age.
struct Thread {
    id: i64,
    user: String,
    db: String,
    host: String,
    command: String,
    state: String,
    info: String,
    time: i64,
    trx_seconds: Option<i64>,
}

impl Thread {
    fn state(&self) -> String {
        match (self.command.as_str(), self.trx_seconds.is_some()) {
            ("Sleep", true) => "idle in transaction".into(),
            ("Sleep", false) => "idle".into(),
            _ if self.state.is_empty() => "active".into(),
            _ => self.state.clone(),
        }
    }
}

/// What one waiting thread waits for.
#[derive(Default)]
struct Edge {
    blockers: BTreeSet<i64>,
    seconds: Option<f64>,
    lock: Option<String>,
    inferred: bool,
}

pub async fn locks(conn: &mut Conn, version: &str) -> Result<LockSnapshot> {
    let mut out = LockSnapshot::default();
    let mariadb = version.contains("MariaDB");
    let legacy = mariadb || version.starts_with("5.");
    let (sql, source) = if legacy {
        (
            include_str!("sql/mysql/lock_waits_innodb_is.sql"),
            "information_schema.INNODB_LOCK_WAITS",
        )
    } else {
        (include_str!("sql/mysql/lock_waits_sys.sql"), "sys.innodb_lock_waits")
    };
    let waits: Vec<(i64, i64, Option<i64>, String)> =
        conn.query(sql).await.with_context(|| format!("reading {source}"))?;
    let mut sources = vec![source.to_string(), "information_schema.PROCESSLIST".to_string()];

    type Row = (i64, String, String, String, String, String, String, i64, Option<i64>);
    let rows: Vec<Row> = conn
        .query(include_str!("sql/mysql/lock_sessions.sql"))
        .await
        .context("reading the processlist")?;
    let threads: Vec<Thread> = rows
        .into_iter()
        .map(|(id, user, db, host, command, state, info, time, trx_seconds)| Thread {
            id,
            user,
            db,
            host,
            command,
            state,
            info,
            time,
            trx_seconds,
        })
        .collect();
    let by_id: BTreeMap<i64, &Thread> = threads.iter().map(|t| (t.id, t)).collect();

    let mut edges: BTreeMap<i64, Edge> = BTreeMap::new();
    for (waiting, blocking, secs, lock) in waits {
        let e = edges.entry(waiting).or_default();
        e.blockers.insert(blocking);
        e.seconds = secs.map(|s| s as f64);
        e.lock = (!lock.is_empty()).then_some(lock);
    }

    let mdl_waiters: Vec<&Thread> = threads.iter().filter(|t| t.state == MDL_STATE).collect();
    if !mdl_waiters.is_empty() {
        match mdl_holders(conn).await {
            Some(pairs) => {
                sources.push("performance_schema.metadata_locks".into());
                for (waiting, holder) in pairs {
                    edges.entry(waiting).or_default().blockers.insert(holder);
                }
                for w in &mdl_waiters {
                    let e = edges.entry(w.id).or_default();
                    e.seconds = Some(w.time as f64);
                    e.lock = Some("metadata lock".into());
                }
            }
            None => infer_mdl(&threads, &mdl_waiters, &mut edges, &mut out.notes),
        }
    }

    let mut involved: BTreeSet<i64> = edges.keys().copied().collect();
    involved.extend(edges.values().flat_map(|e| e.blockers.iter().copied()));
    for id in involved {
        let edge = edges.get(&id);
        let t = by_id.get(&id);
        out.nodes.push(LockNode {
            pid: id,
            blocked_by: edge.map(|e| e.blockers.iter().copied().collect()).unwrap_or_default(),
            user: t.map(|t| t.user.clone()).unwrap_or_default(),
            database: t.map(|t| t.db.clone()).unwrap_or_default(),
            application: String::new(),
            client: t.map(|t| t.host.clone()).unwrap_or_default(),
            state: t.map(|t| t.state()).unwrap_or_default(),
            query: t.map(|t| t.info.clone()).unwrap_or_default(),
            waiting_seconds: edge.and_then(|e| e.seconds),
            xact_seconds: t.and_then(|t| t.trx_seconds).map(|x| x as f64),
            lock: edge.and_then(|e| e.lock.clone()),
            inferred: edge.is_some_and(|e| e.inferred),
        });
    }

    let settings: Option<(String, String, String)> = conn
        .query_first(
            "SELECT CAST(@@GLOBAL.innodb_lock_wait_timeout AS CHAR), CAST(@@GLOBAL.lock_wait_timeout AS CHAR), \
             CAST(@@GLOBAL.innodb_print_all_deadlocks AS CHAR)",
        )
        .await
        .context("reading lock settings")?;
    if let Some((innodb, mdl, print)) = settings {
        out.settings = vec![
            ("innodb_lock_wait_timeout".into(), innodb),
            ("lock_wait_timeout".into(), mdl),
            ("innodb_print_all_deadlocks".into(), print),
        ];
    }
    match conn
        .query_first::<(String, String, String), _>("SHOW ENGINE INNODB STATUS")
        .await
    {
        Ok(Some((_, _, status))) => out.latest_deadlock = latest_deadlock(&status),
        Ok(None) => {}
        Err(e) => out.notes.push(format!(
            "the latest deadlock is not shown: SHOW ENGINE INNODB STATUS failed ({e}); it needs the PROCESS privilege"
        )),
    }
    out.source = sources.join(", ");
    Ok(out)
}

/// Exact metadata-lock holders: pending requests matched to granted ones on the same object.
/// `None` when performance_schema is off or the instrument is not collecting.
async fn mdl_holders(conn: &mut Conn) -> Option<Vec<(i64, i64)>> {
    let on: Option<i64> = conn
        .query_first("SELECT CAST(@@performance_schema AS SIGNED)")
        .await
        .ok()
        .flatten();
    if on != Some(1) {
        return None;
    }
    let pairs: Vec<(i64, i64)> = conn
        .query(
            "SELECT CAST(tw.PROCESSLIST_ID AS SIGNED), CAST(th.PROCESSLIST_ID AS SIGNED) \
               FROM performance_schema.metadata_locks pw \
               JOIN performance_schema.threads tw ON tw.THREAD_ID = pw.OWNER_THREAD_ID \
               JOIN performance_schema.metadata_locks ph ON ph.OBJECT_SCHEMA = pw.OBJECT_SCHEMA \
                AND ph.OBJECT_NAME = pw.OBJECT_NAME AND ph.LOCK_STATUS = 'GRANTED' \
                AND ph.OWNER_THREAD_ID <> pw.OWNER_THREAD_ID \
               JOIN performance_schema.threads th ON th.THREAD_ID = ph.OWNER_THREAD_ID \
              WHERE pw.LOCK_STATUS = 'PENDING' AND th.PROCESSLIST_ID IS NOT NULL",
        )
        .await
        .ok()?;
    (!pairs.is_empty()).then_some(pairs)
}

/// Without performance_schema the holders of a metadata lock cannot be read. The usual holder is
/// a transaction that touched the table and has not ended: every open transaction older than the
/// oldest wait is a suspect. Later waiters queue behind the oldest waiting DDL statement.
fn infer_mdl(threads: &[Thread], waiters: &[&Thread], edges: &mut BTreeMap<i64, Edge>, notes: &mut Vec<String>) {
    let mut queue: Vec<&Thread> = waiters.to_vec();
    queue.sort_by_key(|w| std::cmp::Reverse(w.time));
    let oldest_wait = queue[0].time;
    let waiting: BTreeSet<i64> = queue.iter().map(|w| w.id).collect();
    let suspects: BTreeSet<i64> = threads
        .iter()
        .filter(|t| !waiting.contains(&t.id) && t.trx_seconds.is_some_and(|x| x >= oldest_wait))
        .map(|t| t.id)
        .collect();
    let ddl = queue.iter().find(|w| is_ddl(&w.info)).map(|w| w.id);
    for w in &queue {
        let e = edges.entry(w.id).or_default();
        match ddl {
            Some(d) if d != w.id => e.blockers.extend([d]),
            _ => e.blockers.extend(suspects.iter().copied()),
        }
        e.seconds = Some(w.time as f64);
        e.lock = Some("metadata lock".into());
        e.inferred = true;
    }
    notes.push(
        "metadata-lock holders are inferred (open transactions older than the wait): performance_schema is off, \
         so the server cannot say who holds them. Confirm before acting, or enable performance_schema."
            .into(),
    );
}

/// The LATEST DETECTED DEADLOCK section: its timestamp line and the statement of each transaction.
pub fn latest_deadlock(status: &str) -> Option<(String, Vec<String>)> {
    let start = status.find("LATEST DETECTED DEADLOCK")?;
    let section = &status[start..];
    let end = section.find("\nTRANSACTIONS\n").unwrap_or(section.len());
    let mut lines = section[..end].lines().skip(2);
    let when = lines.next()?.trim().to_string();
    let mut statements = Vec::new();
    let mut take = false;
    let mut current = String::new();
    for line in lines {
        if line.starts_with("MySQL thread id") || line.starts_with("MariaDB thread id") {
            take = true;
            current.clear();
        } else if take && line.starts_with("***") {
            take = false;
            statements.push(current.trim().to_string());
        } else if take {
            current.push_str(line);
            current.push('\n');
        }
    }
    Some((when, statements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_latest_deadlock_section() {
        let status = "=====\n------------------------\nLATEST DETECTED DEADLOCK\n------------------------\n\
            2026-11-22 21:30:00 0x7f0c\n*** (1) TRANSACTION:\nTRANSACTION 1234, ACTIVE 5 sec\n\
            MySQL thread id 10, OS thread handle 1, query id 100 localhost root Updating\n\
            UPDATE t SET v = 1 WHERE id = 2\n*** WAITING FOR THIS LOCK TO BE GRANTED:\nRECORD LOCKS\n\
            *** (2) TRANSACTION:\nMariaDB thread id 11, OS thread handle 2, query id 101 localhost root Updating\n\
            UPDATE t SET v = 2 WHERE id = 1\n*** (2) HOLDS THE LOCK(S):\n*** WE ROLL BACK TRANSACTION (2)\n\
            ------------\nTRANSACTIONS\n------------\n";
        let (when, stmts) = latest_deadlock(status).unwrap();
        assert_eq!(when, "2026-11-22 21:30:00 0x7f0c");
        assert_eq!(
            stmts,
            vec!["UPDATE t SET v = 1 WHERE id = 2", "UPDATE t SET v = 2 WHERE id = 1"]
        );
        assert!(latest_deadlock("no deadlock here").is_none());
    }
}
