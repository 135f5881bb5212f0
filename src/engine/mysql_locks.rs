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

    type Session = (i64, String, String, String, String, String, String, i64, Option<i64>);
    let sessions: Vec<Session> = conn
        .query(include_str!("sql/mysql/lock_sessions.sql"))
        .await
        .context("reading the processlist")?;
    let by_id: BTreeMap<i64, &Session> = sessions.iter().map(|s| (s.0, s)).collect();

    // waiting id -> (blockers, seconds waited, lock, inferred)
    let mut edges: BTreeMap<i64, (BTreeSet<i64>, Option<f64>, Option<String>, bool)> = BTreeMap::new();
    for (waiting, blocking, secs, lock) in waits {
        let e = edges.entry(waiting).or_default();
        e.0.insert(blocking);
        e.1 = secs.map(|s| s as f64);
        e.2 = (!lock.is_empty()).then_some(lock);
    }

    let mdl_waiters: Vec<&Session> = sessions.iter().filter(|s| s.5 == MDL_STATE).collect();
    if !mdl_waiters.is_empty() {
        let exact = mdl_holders(conn).await;
        match exact {
            Some(pairs) => {
                sources.push("performance_schema.metadata_locks".into());
                for (waiting, holder) in pairs {
                    let e = edges.entry(waiting).or_default();
                    e.0.insert(holder);
                }
                for w in &mdl_waiters {
                    let e = edges.entry(w.0).or_default();
                    e.1 = Some(w.7 as f64);
                    e.2 = Some("metadata lock".into());
                }
            }
            None => infer_mdl(&sessions, &mdl_waiters, &mut edges, &mut out.notes),
        }
    }

    let mut involved: BTreeSet<i64> = edges.keys().copied().collect();
    involved.extend(edges.values().flat_map(|e| e.0.iter().copied()));
    for id in involved {
        let edge = edges.get(&id);
        let s = by_id.get(&id);
        out.nodes.push(LockNode {
            pid: id,
            blocked_by: edge.map(|e| e.0.iter().copied().collect()).unwrap_or_default(),
            user: s.map(|s| s.1.clone()).unwrap_or_default(),
            database: s.map(|s| s.2.clone()).unwrap_or_default(),
            application: String::new(),
            client: s.map(|s| s.3.clone()).unwrap_or_default(),
            state: s.map(|s| thread_state(s)).unwrap_or_default(),
            query: s.map(|s| s.6.clone()).unwrap_or_default(),
            waiting_seconds: edge.and_then(|e| e.1),
            xact_seconds: s.and_then(|s| s.8).map(|x| x as f64),
            lock: edge.and_then(|e| e.2.clone()),
            inferred: edge.is_some_and(|e| e.3),
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

fn thread_state(s: &(i64, String, String, String, String, String, String, i64, Option<i64>)) -> String {
    match (s.4.as_str(), s.8.is_some()) {
        ("Sleep", true) => "idle in transaction".into(),
        ("Sleep", false) => "idle".into(),
        (_, _) if s.5.is_empty() => "active".into(),
        (_, _) => s.5.clone(),
    }
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
fn infer_mdl(
    sessions: &[(i64, String, String, String, String, String, String, i64, Option<i64>)],
    waiters: &[&(i64, String, String, String, String, String, String, i64, Option<i64>)],
    edges: &mut BTreeMap<i64, (BTreeSet<i64>, Option<f64>, Option<String>, bool)>,
    notes: &mut Vec<String>,
) {
    let mut queue: Vec<_> = waiters.to_vec();
    queue.sort_by(|a, b| b.7.cmp(&a.7));
    let oldest_wait = queue[0].7;
    let waiting: BTreeSet<i64> = queue.iter().map(|w| w.0).collect();
    let suspects: BTreeSet<i64> = sessions
        .iter()
        .filter(|s| !waiting.contains(&s.0) && s.8.is_some_and(|x| x >= oldest_wait))
        .map(|s| s.0)
        .collect();
    let ddl = queue.iter().find(|w| is_ddl(&w.6)).map(|w| w.0);
    for w in &queue {
        let blockers = match ddl {
            Some(d) if d != w.0 => BTreeSet::from([d]),
            _ => suspects.clone(),
        };
        let e = edges.entry(w.0).or_default();
        e.0.extend(blockers);
        e.1 = Some(w.7 as f64);
        e.2 = Some("metadata lock".into());
        e.3 = true;
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
        if line.starts_with("MySQL thread id") {
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
            *** (2) TRANSACTION:\nMySQL thread id 11, OS thread handle 2, query id 101 localhost root Updating\n\
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
