//! The locks check against real MariaDB: an InnoDB row-lock wait behind an idle transaction, a
//! metadata-lock queue behind an ALTER TABLE, and a real deadlock in SHOW ENGINE INNODB STATUS.

use crate::support::*;

fn tree(r: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(r, "lock_tree")
}

/// Runs the check with a 1ms warning threshold until `ready` holds.
fn poll_locks(url: &str, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    poll(&["locks", "--url", url, "--warning", "1ms", "--critical", "1h"], ready)
}

pub(crate) fn setup() -> (ThrowawayMaria, String, Held) {
    let db = ThrowawayMaria::start(50);
    let url = format!("mysql://root@127.0.0.1:{}/test", db.port);
    let mut held = Held::new();
    held.mysql(&db.url("root"), 1, "CREATE DATABASE test");
    held.mysql(
        &url,
        1,
        "CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO t VALUES (1, 0), (2, 0)",
    );
    (db, url, held)
}

/// An InnoDB row lock held by an idle transaction with `waiters` updates queued behind it,
/// polled until the check sees them all and is no longer OK.
pub(crate) fn row_lock_chain(url: &str, held: &mut Held, waiters: usize) -> serde_json::Value {
    held.mysql(url, 1, "START TRANSACTION; UPDATE t SET v = 1 WHERE id = 1");
    for v in 2..2 + waiters {
        held.mysql_background(url, &format!("UPDATE t SET v = {v} WHERE id = 1"));
    }
    poll_locks(url, |r| tree(r).len() == 1 + waiters && r["status"] != "ok")
}

#[test]
fn innodb_row_lock_wait_behind_an_idle_transaction() {
    let (_db, url, mut held) = setup();
    let run = dbrunbook(&["locks", "--url", &url, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = row_lock_chain(&url, &mut held, 2);
    let rows = tree(&r);
    assert_eq!(rows[0]["role"], "root blocker");
    assert_eq!(rows[0]["state"], "idle in transaction");
    assert!(rows[1]["lock"].as_str().unwrap().contains("`test`.`t`"), "{rows:#?}");
    let check = &r["checks"][0];
    assert!(
        check["notes"].to_string().contains("INNODB_LOCK_WAITS"),
        "the source is named: {check:#}"
    );
    assert_eq!(check["runbook"]["id"], "lock-contention");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains(&format!("KILL CONNECTION {};", rows[0]["pid"])),
        "{steps}"
    );
    assert!(
        steps.contains(&format!("dbrunbook end -- 'my:{}@", rows[0]["pid"])),
        "{steps}"
    );
}

#[test]
fn metadata_lock_queue_behind_alter_table() {
    let (_db, url, mut held) = setup();
    held.mysql(&url, 1, "START TRANSACTION; UPDATE t SET v = 1 WHERE id = 2");
    held.mysql_background(&url, "ALTER TABLE t ADD COLUMN note TEXT");
    // The reader comes after the ALTER is queued, or nothing queues behind it (a loaded
    // machine can connect the ALTER after it).
    crate::support::oncall::wait_until("the ALTER queued behind the open transaction", || {
        let queued = crate::support::oncall::client(crate::support::oncall::mariadb_as(_db.port, "root").args([
            "-N",
            "-B",
            "-e",
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE t %'",
        ]));
        queued.trim() == "1"
    });
    held.mysql_background(&url, "SELECT * FROM t");
    let r = poll_locks(&url, |r| tree(r).len() == 3 && r["status"] != "ok");
    let rows = tree(&r);
    assert_eq!(rows[0]["state"], "idle in transaction");
    assert!(
        rows[1]["query"].as_str().unwrap().starts_with("ALTER TABLE"),
        "{rows:#?}"
    );
    assert_eq!(rows[1]["lock"], "metadata lock");
    assert_eq!(rows[2]["query"], "SELECT * FROM t");
    assert_eq!(rows[2]["blocked_by"], serde_json::json!([rows[1]["pid"]]));
    let check = &r["checks"][0];
    assert_eq!(check["runbook"]["id"], "migration-lock-queue");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(steps.contains(&format!("KILL QUERY {};", rows[1]["pid"])), "{steps}");
    if rows[1]["inferred"] == true {
        assert!(check["notes"].to_string().contains("inferred"), "{check:#}");
    }
}

#[test]
fn a_real_deadlock_appears_from_innodb_status() {
    let (_db, url, mut held) = setup();
    // Each transaction holds its first row before either asks for the other's: a deadlock
    // every time, however late one of them connects.
    let first = held.mysql_count();
    held.mysql(&url, 1, "START TRANSACTION; UPDATE t SET v = 1 WHERE id = 1");
    held.mysql(&url, 1, "START TRANSACTION; UPDATE t SET v = 2 WHERE id = 2");
    held.mysql_run_background(first, "UPDATE t SET v = 1 WHERE id = 2; COMMIT");
    held.mysql_run_background(first + 1, "UPDATE t SET v = 2 WHERE id = 1; COMMIT");
    let r = poll_locks(&url, |r| {
        r["checks"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "latest_deadlock")
    });
    let dl = r["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "latest_deadlock")
        .unwrap()
        .clone();
    let statements: Vec<&str> = dl["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(statements.len(), 2, "{dl:#}");
    assert!(
        statements.iter().all(|s| s.starts_with("UPDATE t SET v = ")),
        "{statements:?}"
    );
}
