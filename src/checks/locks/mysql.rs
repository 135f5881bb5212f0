//! MySQL and MariaDB lock waits assembled into lock-tree nodes: InnoDB row-lock waits
//! (information_schema on MariaDB and 5.7, sys.innodb_lock_waits on MySQL 8, which this
//! project's tests cannot exercise: no MySQL 8 server installs here), metadata-lock waits from
//! the processlist (holders from performance_schema.metadata_locks when it is on, else inferred),
//! and the latest deadlock from SHOW ENGINE INNODB STATUS.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::deadlocks::{Counter, Latest, seconds_between};
use super::{LockNode, LockSnapshot};
use crate::checks::{ObservedSession, Results};
use crate::engine::{Query, ServerInfo};
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
    /// What `dbrunbook end` takes (`crate::checks::session_ref`).
    reference: Option<String>,
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

/// The processlist query, reading the server's uptime (for the session references) where this
/// server keeps it: information_schema on MariaDB and 5.7, performance_schema on MySQL 8.
fn lock_sessions(server: &ServerInfo) -> String {
    crate::checks::session_ref::uptime_from(server, include_str!("../sql/mysql/lock_sessions.sql"))
}

/// MariaDB and MySQL 5.7 keep InnoDB's waits in information_schema; MySQL 8 moved them.
fn legacy(server: &ServerInfo) -> bool {
    server.mariadb || server.version_num < 80000
}

pub(super) fn queries(server: &ServerInfo) -> Vec<Query> {
    let waits = if legacy(server) {
        Query::new(
            "reading information_schema.INNODB_LOCK_WAITS",
            include_str!("../sql/mysql/lock_waits_innodb_is.sql"),
        )
    } else {
        Query::new(
            "reading sys.innodb_lock_waits",
            include_str!("../sql/mysql/lock_waits_sys.sql"),
        )
    };
    vec![
        waits,
        Query::new("reading the processlist", lock_sessions(server)),
        Query::new("reading lock settings", include_str!("../sql/mysql/lock_settings.sql")),
        Query::new(
            "reading performance_schema.metadata_locks",
            include_str!("../sql/mysql/mdl_holders.sql"),
        ),
        Query::new(
            "reading the deadlock counter",
            include_str!("../sql/mysql/lock_deadlocks.sql"),
        ),
        // Last: it needs PROCESS, and a failure mid-batch costs a round trip.
        Query::new("reading SHOW ENGINE INNODB STATUS", "SHOW ENGINE INNODB STATUS"),
        Query::new(
            "reading whether the metadata-lock instrument collects",
            include_str!("../sql/mysql/mdl_instrument.sql"),
        ),
    ]
}

pub(super) fn snapshot(server: &ServerInfo, results: &Results) -> Result<LockSnapshot> {
    let mut out = LockSnapshot::default();
    let source = if legacy(server) {
        "information_schema.INNODB_LOCK_WAITS"
    } else {
        "sys.innodb_lock_waits"
    };
    let mut sources = vec![source.to_string(), "information_schema.PROCESSLIST".to_string()];
    let mut edges: BTreeMap<i64, Edge> = BTreeMap::new();
    for r in results.rows(0)?.iter() {
        let e = edges.entry(r.int(0)?).or_default();
        e.blockers.insert(r.int(1)?);
        e.seconds = r.opt_float(2)?;
        e.lock = Some(r.text(3)?).filter(|l| !l.is_empty());
    }
    let threads = threads(results)?;
    let performance_schema = settings(results, &mut out)?;
    let blind = mdl_blind_spot(results, performance_schema);
    if metadata_lock_edges(results, &threads, blind, &mut edges, &mut out.notes)? {
        sources.push("performance_schema.metadata_locks".into());
    }
    out.nodes = nodes(&threads, &edges);
    out.counter = deadlock_counter(results)?;
    latest_deadlock_of(results, &mut out)?;
    out.source = sources.join(", ");
    Ok(out)
}

/// The processlist, as read by `lock_sessions.sql`.
fn threads(results: &Results) -> Result<Vec<Thread>> {
    results
        .rows(1)?
        .iter()
        .map(|r| {
            Ok(Thread {
                id: r.int(0)?,
                user: r.text(1)?,
                db: r.text(2)?,
                host: r.text(3)?,
                command: r.text(4)?,
                state: r.text(5)?,
                info: r.text(6)?,
                time: r.int(7)?,
                trx_seconds: r.opt_int(8)?,
                reference: r.opt_text(9)?,
            })
        })
        .collect()
}

/// The lock settings shown with the tree; whether performance_schema is on.
fn settings(results: &Results, out: &mut LockSnapshot) -> Result<bool> {
    let Some(s) = results.rows(2)?.first() else {
        return Ok(false);
    };
    out.settings = vec![
        ("innodb_lock_wait_timeout".into(), s.text(0)?),
        ("lock_wait_timeout".into(), s.text(1)?),
        ("innodb_print_all_deadlocks".into(), s.text(2)?),
    ];
    Ok(s.int(3)? == 1)
}

/// Why performance_schema cannot name metadata-lock holders, in the user's words; `None` when it
/// can. performance_schema on with the `wait/lock/metadata/sql/mdl` instrument disabled (the
/// MariaDB default) is not "performance_schema is off": the fix is another one.
fn mdl_blind_spot(results: &Results, performance_schema: bool) -> Option<String> {
    if !performance_schema {
        return Some("performance_schema is off (performance_schema=ON in my.cnf, then a restart)".into());
    }
    let enabled = match results.get(5) {
        Some(Ok(rows)) => rows.first().map(|r| r.text(0)).transpose().ok().flatten(),
        _ => None,
    };
    match enabled.as_deref() {
        Some("YES") => None,
        Some(_) => Some(
            "performance_schema is on but its metadata-lock instrument wait/lock/metadata/sql/mdl is disabled \
             (UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME = \
             'wait/lock/metadata/sql/mdl'; and performance-schema-instrument='wait/lock/metadata/sql/mdl=ON' in \
             my.cnf to keep it)"
                .into(),
        ),
        None => Some(
            "performance_schema's setup_instruments could not be read (it needs SELECT on performance_schema)".into(),
        ),
    }
}

/// Threads waiting for a metadata lock, with their holders: read from performance_schema when
/// it can name them (then `true`: it is a source), else inferred, the note saying why.
fn metadata_lock_edges(
    results: &Results,
    threads: &[Thread],
    blind: Option<String>,
    edges: &mut BTreeMap<i64, Edge>,
    notes: &mut Vec<String>,
) -> Result<bool> {
    let waiters: Vec<&Thread> = threads.iter().filter(|t| t.state == MDL_STATE).collect();
    if waiters.is_empty() {
        return Ok(false);
    }
    let pairs: Vec<(i64, i64)> = match results.get(3) {
        Some(Ok(rows)) if blind.is_none() => rows.iter().map(|r| Ok((r.int(0)?, r.int(1)?))).collect::<Result<_>>()?,
        _ => vec![],
    };
    if pairs.is_empty() {
        let why = blind.unwrap_or_else(|| "performance_schema.metadata_locks named no holder".into());
        infer_mdl(threads, &waiters, edges, notes, &why);
        return Ok(false);
    }
    for (waiting, holder) in pairs {
        edges.entry(waiting).or_default().blockers.insert(holder);
    }
    for w in &waiters {
        let e = edges.entry(w.id).or_default();
        e.seconds = Some(w.time as f64);
        e.lock = Some("metadata lock".into());
    }
    Ok(true)
}

/// Every thread that waits or blocks, as a node of the lock tree.
fn nodes(threads: &[Thread], edges: &BTreeMap<i64, Edge>) -> Vec<LockNode> {
    let by_id: BTreeMap<i64, &Thread> = threads.iter().map(|t| (t.id, t)).collect();
    let mut involved: BTreeSet<i64> = edges.keys().copied().collect();
    involved.extend(edges.values().flat_map(|e| e.blockers.iter().copied()));
    involved
        .into_iter()
        .map(|id| {
            let edge = edges.get(&id);
            let t = by_id.get(&id);
            LockNode {
                s: ObservedSession {
                    pid: id,
                    user: t.map(|t| t.user.clone()).unwrap_or_default(),
                    database: t.map(|t| t.db.clone()).unwrap_or_default(),
                    application: None,
                    client: t.map(|t| t.host.clone()).unwrap_or_default(),
                    state: t.map(|t| t.state()).unwrap_or_default(),
                    query: t.map(|t| t.info.clone()).unwrap_or_default(),
                    xact_seconds: t.and_then(|t| t.trx_seconds).map(|x| x as f64),
                    blocked_by: edge.map(|e| e.blockers.iter().copied().collect()).unwrap_or_default(),
                    reference: t.and_then(|t| t.reference.clone()),
                    ..ObservedSession::default()
                },
                waiting_seconds: edge.and_then(|e| e.seconds),
                lock: edge.and_then(|e| e.lock.clone()),
                inferred: edge.is_some_and(|e| e.inferred),
                gid: None,
            }
        })
        .collect()
}

/// Innodb_deadlocks, which counts from the server's start (Uptime ago), on the server's clock.
fn deadlock_counter(results: &Results) -> Result<Option<Counter>> {
    let mut status = BTreeMap::new();
    for r in results.rows(4)?.iter() {
        status.insert(r.text(0)?.to_ascii_lowercase(), r.int(1)?);
    }
    let now = results
        .rows(2)?
        .first()
        .map(|s| s.float_named("now_epoch"))
        .transpose()?
        .flatten();
    let (Some(count), Some(uptime), Some(now)) = (status.get("innodb_deadlocks"), status.get("uptime"), now) else {
        return Ok(None);
    };
    let started = now - *uptime as f64;
    Ok(Some(Counter {
        count: *count,
        now,
        since: Some((started, "since the server started".into())),
        started: Some(started),
    }))
}

/// The latest deadlock from SHOW ENGINE INNODB STATUS, or why it is not shown.
fn latest_deadlock_of(results: &Results, out: &mut LockSnapshot) -> Result<()> {
    let now_local = results
        .rows(2)?
        .first()
        .map(|s| s.text_named("now_local"))
        .transpose()?
        .flatten()
        .unwrap_or_default();
    match results.get(5) {
        Some(Ok(rows)) => {
            if let Some(r) = rows.first() {
                out.latest_deadlock = latest_deadlock(&r.text(2)?).map(|mut latest| {
                    latest.age_seconds = seconds_between(&latest.when, &now_local);
                    latest
                });
            }
        }
        Some(Err(e)) => out.notes.push(format!(
            "the latest deadlock is not shown: SHOW ENGINE INNODB STATUS failed ({}); it needs the PROCESS privilege",
            e.message
        )),
        None => {}
    }
    Ok(())
}

/// Without performance_schema the holders of a metadata lock cannot be read. The usual holder is
/// a transaction that touched the table and has not ended: every open transaction older than the
/// oldest wait is a suspect. Later waiters queue behind the oldest waiting DDL statement.
fn infer_mdl(
    threads: &[Thread],
    waiters: &[&Thread],
    edges: &mut BTreeMap<i64, Edge>,
    notes: &mut Vec<String>,
    why: &str,
) {
    let mut queue: Vec<&Thread> = waiters.to_vec();
    queue.sort_by_key(|w| std::cmp::Reverse(w.time));
    let oldest_wait = queue[0].time;
    let waiting: BTreeSet<i64> = queue.iter().map(|w| w.id).collect();
    let ddl = queue.iter().find(|w| is_ddl(&w.info));
    let table = ddl.and_then(|d| ddl_table(&d.info));
    let mut cleared = Vec::new();
    let suspects: BTreeSet<i64> = threads
        .iter()
        .filter(|t| !waiting.contains(&t.id) && t.trx_seconds.is_some_and(|x| x >= oldest_wait))
        .filter(|t| {
            let elsewhere = table
                .as_deref()
                .is_some_and(|table| backup_reads_another_table(t, table));
            if elsewhere {
                cleared.push(t.id);
            }
            !elsewhere
        })
        .map(|t| t.id)
        .collect();
    let ddl = ddl.map(|w| w.id);
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
    notes.push(format!(
        "metadata-lock holders are inferred (open transactions older than the wait): {why}, so the server \
         cannot say who holds them. Confirm before acting."
    ));
    for id in cleared {
        notes.push(format!(
            "thread {id} is a backup (mysqldump/mariadb-dump) with a transaction older than the wait, but it \
             reads another table: a dump holds the metadata lock of the table it reads only, so it is not a suspect"
        ));
    }
}

/// The table a DDL statement changes, unquoted and in lower case, without its schema:
/// `ALTER [ONLINE] TABLE t`, `CREATE INDEX i ON t`, `DROP TABLE [IF EXISTS] t`, `TRUNCATE TABLE t`,
/// `RENAME TABLE t`. `None` when it cannot be read from the statement.
fn ddl_table(ddl: &str) -> Option<String> {
    let words: Vec<&str> = ddl.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let index = upper.iter().take_while(|w| *w != "ON").any(|w| w == "INDEX");
    let keyword = if index { "ON" } else { "TABLE" };
    let at = upper.iter().position(|w| w == keyword)?;
    let name = words[at + 1..]
        .iter()
        .zip(&upper[at + 1..])
        .find(|(_, u)| !matches!(u.as_str(), "IF" | "NOT" | "EXISTS"))?
        .0;
    let name = name.split(['(', ',', ';']).next()?;
    let table = name.rsplit('.').next()?.trim_matches('`');
    (!table.is_empty()).then(|| table.to_ascii_lowercase())
}

/// A mysqldump/mariadb-dump `--single-transaction` session reading a table other than `table`.
/// The dump takes each table's metadata lock as it reads it and releases it after (ROLLBACK TO
/// SAVEPOINT), so its old transaction holds no lock on `table`: not a suspect, though it is the
/// oldest transaction on a server during a nightly backup. Recognised by the statement only a
/// dump runs (`ObservedSession::protected`), which names its table in backquotes.
fn backup_reads_another_table(t: &Thread, table: &str) -> bool {
    let session = ObservedSession {
        query: t.info.clone(),
        ..ObservedSession::default()
    };
    session.protected().is_some_and(|p| p.rule == "backup")
        && t.info.to_ascii_lowercase().contains("/*!40001 sql_no_cache */")
        && !t.info.to_ascii_lowercase().contains(&format!("`{table}`"))
}

/// The LATEST DETECTED DEADLOCK section: its timestamp line, the statement of each transaction
/// (whole, however many lines) and the tables of the locks they held and waited for.
pub(super) fn latest_deadlock(status: &str) -> Option<Latest> {
    let start = status.find("LATEST DETECTED DEADLOCK")?;
    let section = &status[start..];
    let end = section.find("\nTRANSACTIONS\n").unwrap_or(section.len());
    let mut lines = section[..end].lines().skip(2);
    let when = lines.next()?.trim().to_string();
    let mut statements = Vec::new();
    let mut tables: Vec<String> = Vec::new();
    let mut take = false;
    let mut current = String::new();
    for line in lines {
        if let Some(table) = line
            .split(" of table ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            && !tables.iter().any(|known| known == table)
        {
            tables.push(table.to_string());
        }
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
    Some(Latest {
        when,
        age_seconds: None,
        statements,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_latest_deadlock_section() {
        let status = "=====\n------------------------\nLATEST DETECTED DEADLOCK\n------------------------\n\
            2026-11-22 21:30:00 0x7f0c\n*** (1) TRANSACTION:\nTRANSACTION 1234, ACTIVE 5 sec\n\
            MySQL thread id 10, OS thread handle 1, query id 100 localhost root Updating\n\
            UPDATE t SET v = 1\n  WHERE id = 2\n*** WAITING FOR THIS LOCK TO BE GRANTED:\nRECORD LOCKS space id 5 page no 3 n bits 8 index PRIMARY \
            of table `bank`.`t` trx id 1234 lock_mode X locks rec but not gap waiting\n\
            *** (2) TRANSACTION:\nMariaDB thread id 11, OS thread handle 2, query id 101 localhost root Updating\n\
            UPDATE t SET v = 2 WHERE id = 1\n*** (2) HOLDS THE LOCK(S):\n*** WE ROLL BACK TRANSACTION (2)\n\
            ------------\nTRANSACTIONS\n------------\n";
        let latest = latest_deadlock(status).unwrap();
        assert_eq!(latest.when, "2026-11-22 21:30:00 0x7f0c");
        assert_eq!(
            latest.statements,
            vec!["UPDATE t SET v = 1\n  WHERE id = 2", "UPDATE t SET v = 2 WHERE id = 1"]
        );
        assert_eq!(latest.tables, vec!["`bank`.`t`"]);
        assert!(latest_deadlock("no deadlock here").is_none());
    }

    #[test]
    fn reads_the_table_a_ddl_changes() {
        assert_eq!(
            ddl_table("ALTER TABLE orders ADD COLUMN note text").as_deref(),
            Some("orders")
        );
        assert_eq!(
            ddl_table("alter online table `bank`.`Orders` add x int").as_deref(),
            Some("orders")
        );
        assert_eq!(ddl_table("CREATE INDEX i ON orders (a)").as_deref(), Some("orders"));
        assert_eq!(
            ddl_table("CREATE UNIQUE INDEX i ON orders(a)").as_deref(),
            Some("orders")
        );
        assert_eq!(ddl_table("DROP TABLE IF EXISTS `orders`;").as_deref(), Some("orders"));
        assert_eq!(ddl_table("TRUNCATE TABLE bank.orders").as_deref(), Some("orders"));
        assert_eq!(ddl_table("ALTER TABLE"), None);
    }

    /// A processlist row: waiting for a metadata lock for `waited` seconds, or not (`None`).
    fn thread(id: i64, info: &str, waited: Option<i64>, trx: Option<i64>) -> Thread {
        Thread {
            id,
            user: "u".into(),
            db: "bank".into(),
            host: "h".into(),
            command: if info.is_empty() { "Sleep" } else { "Query" }.into(),
            state: waited.map(|_| MDL_STATE.to_string()).unwrap_or_default(),
            info: info.into(),
            time: waited.unwrap_or(0),
            trx_seconds: trx,
            reference: None,
        }
    }

    /// A nightly dump of another table, older than the wait, is not a suspect; the idle
    /// transaction is, and the reader waits behind the DDL.
    #[test]
    fn a_dump_of_another_table_is_not_a_metadata_lock_suspect() {
        let threads = vec![
            thread(
                5,
                "SELECT /*!40001 SQL_NO_CACHE */ `id`, `payload` FROM `events`",
                None,
                Some(300),
            ),
            thread(7, "", None, Some(60)),
            thread(9, "ALTER TABLE orders ADD COLUMN note text", Some(20), None),
            thread(11, "SELECT count(*) FROM orders", Some(5), None),
        ];
        let waiters: Vec<&Thread> = threads.iter().filter(|t| t.state == MDL_STATE).collect();
        let (mut edges, mut notes) = (BTreeMap::new(), Vec::new());
        infer_mdl(&threads, &waiters, &mut edges, &mut notes, "performance_schema is off");
        assert_eq!(edges[&9].blockers, BTreeSet::from([7]));
        assert_eq!(edges[&11].blockers, BTreeSet::from([9]));
        assert!(notes.iter().any(|n| n.starts_with("thread 5 is a backup")), "{notes:?}");
        // Dumping the very table: a suspect like any other.
        let mut threads = threads;
        threads[0].info = "SELECT /*!40001 SQL_NO_CACHE */ `id`, `amount` FROM `orders`".into();
        let waiters: Vec<&Thread> = threads.iter().filter(|t| t.state == MDL_STATE).collect();
        let (mut edges, mut notes) = (BTreeMap::new(), Vec::new());
        infer_mdl(&threads, &waiters, &mut edges, &mut notes, "performance_schema is off");
        assert_eq!(edges[&9].blockers, BTreeSet::from([5, 7]));
    }
}
