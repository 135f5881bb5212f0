//! The locks check against real PostgreSQL lock chains: a row lock held by an idle transaction
//! with two waiters, the ALTER TABLE queue, no locks, and a real deadlock in the counter.

use crate::support::*;

fn tree(r: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(r, "lock_tree")
}

/// Runs the check with a 1ms warning threshold until `ready` holds.
fn poll_locks(url: &str, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    poll(&["locks", "--url", url, "--warning", "1ms", "--critical", "1h"], ready)
}

pub(crate) fn setup() -> ThrowawayPg {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "CREATE TABLE orders (id int PRIMARY KEY, v int)",
        "INSERT INTO orders VALUES (1, 0), (2, 0)",
    ]);
    pg
}

#[test]
fn no_waits_is_ok() {
    let pg = setup();
    let run = dbrunbook(&["locks", "--url", &pg.url("postgres", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = run.json();
    assert!(tree(&r).is_empty());
    assert_eq!(r["checks"][0]["summary"], "no session is waiting for a lock");
}

/// A row lock held by a transaction left idle (`forgotten`) with `waiters` updates queued
/// behind it, polled until the check sees them all and is no longer OK.
pub(crate) fn row_lock_chain(pg: &ThrowawayPg, waiters: usize) -> (Held, serde_json::Value) {
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("forgotten"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    for v in 2..2 + waiters {
        held.pg_background(&conn("waiter"), &format!("UPDATE orders SET v = {v} WHERE id = 1"));
    }
    let url = pg.url("postgres", "postgres");
    let r = poll_locks(&url, |r| tree(r).len() == 1 + waiters && r["status"] != "ok");
    (held, r)
}

#[test]
fn row_lock_held_by_idle_transaction_with_two_waiters_names_the_root() {
    let pg = setup();
    let (_held, r) = row_lock_chain(&pg, 2);
    let url = pg.url("postgres", "postgres");
    let rows = tree(&r);
    let root = &rows[0];
    assert_eq!(root["role"], "root blocker");
    assert_eq!(root["application"], "forgotten");
    assert_eq!(root["state"], "idle in transaction");
    let root_pid = root["pid"].as_i64().unwrap();
    for w in &rows[1..] {
        assert_eq!(w["role"], "waiting");
        assert_eq!(w["roots"], serde_json::json!([root_pid]));
        assert!(w["blocked_by"].as_array().unwrap().iter().any(|p| p.as_i64().is_some()));
        assert!(
            w["lock"].as_str().unwrap().contains("orders") || w["lock"].as_str().unwrap().contains("transactionid"),
            "{w:#}"
        );
    }
    let check = &r["checks"][0];
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("root blocker pid {root_pid}")),
        "{check:#}"
    );
    assert_eq!(check["runbook"]["id"], "lock-contention");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains(&format!(
            "pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {root_pid} AND backend_start = "
        )),
        "{steps}"
    );
    assert!(steps.contains(&format!("dbrunbook end -- 'pg:{root_pid}@")), "{steps}");
    assert!(steps.contains("idle inside its transaction"), "{steps}");

    // The status follows the waits: many blocked is critical, short waits with a high bar are OK.
    let run = dbrunbook(&["locks", "--url", &url, "--blocked-critical", "2", "--format", "nagios"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout
            .starts_with("DBRUNBOOK LOCKS CRITICAL - 2 session(s) blocked"),
        "{}",
        run.stdout
    );
    // The table draws the tree.
    let table = dbrunbook(&["locks", "--url", &url]);
    assert!(table.stdout.contains("└─ "), "{}", table.stdout);
}

#[test]
fn alter_table_queue_puts_the_migration_runbook_first() {
    let pg = setup();
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("forgotten"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg_background(&conn("migration"), "ALTER TABLE orders ADD COLUMN note text");
    // The readers come after the ALTER is queued, or nothing queues behind it (a loaded
    // machine can connect the ALTER after them).
    crate::support::oncall::wait_until("the ALTER queued behind the forgotten transaction", || {
        crate::support::oncall::pg_count(
            &pg,
            "postgres",
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'migration' AND l.relation = 'orders'::regclass AND NOT l.granted",
        ) == 1
    });
    held.pg_background(&conn("web"), "SELECT * FROM orders");
    held.pg_background(&conn("web"), "INSERT INTO orders VALUES (3, 0)");
    let r = poll_locks(&pg.url("postgres", "postgres"), |r| {
        tree(r).len() == 4 && r["status"] != "ok"
    });
    let rows = tree(&r);
    let apps: Vec<&str> = rows.iter().map(|n| n["application"].as_str().unwrap()).collect();
    assert_eq!(apps[..2], ["forgotten", "migration"], "{rows:#?}");
    assert_eq!(rows[1]["tree"].as_str().unwrap(), format!("└─ {}", rows[1]["pid"]));
    assert!(rows[2]["tree"].as_str().unwrap().starts_with("   └─ "), "{rows:#?}");
    assert!(
        rows[1]["lock"]
            .as_str()
            .unwrap()
            .starts_with("AccessExclusiveLock on orders"),
        "{rows:#?}"
    );
    let check = &r["checks"][0];
    assert_eq!(check["runbook"]["id"], "migration-lock-queue");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains(&format!(
            "pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = {} AND",
            rows[1]["pid"]
        )),
        "cancel the DDL: {steps}"
    );
    assert!(
        steps.contains(&format!(
            "pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {} AND",
            rows[0]["pid"]
        )),
        "or end the root: {steps}"
    );
}

#[test]
fn a_real_deadlock_shows_in_the_counter() {
    let pg = setup();
    let conn = pg.keyvalue("postgres", "postgres");
    let mut held = Held::new();
    // Each transaction holds its first row before either asks for the other's: a deadlock
    // every time, however late one of them connects.
    held.pg(&conn, 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg(&conn, 1, "BEGIN; UPDATE orders SET v = 2 WHERE id = 2");
    held.pg_run_background(0, "UPDATE orders SET v = 1 WHERE id = 2; COMMIT");
    held.pg_run_background(1, "UPDATE orders SET v = 2 WHERE id = 1; COMMIT");
    let r = poll_locks(&pg.url("postgres", "postgres"), |r| {
        metric_of(&r["checks"][0], "deadlocks") >= Some(1.0)
    });
    let metric = r["checks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "deadlocks")
        .unwrap()
        .clone();
    assert_eq!(metric["unit"], "c", "a counter since the statistics were reset");
}

#[test]
fn role_without_pg_monitor_still_sees_the_wait() {
    // The waits happen between sessions of another role, invisible to `watcher` in
    // pg_stat_activity: before, it said "LOCKS OK - no session is waiting for a lock". The lock
    // graph comes from pg_locks, which every role sees, so the wait is found; what is hidden
    // (user, query) is said with the GRANT.
    let pg = setup();
    pg.psql(&["CREATE ROLE watcher LOGIN"]);
    let mut held = Held::new();
    held.pg(
        &pg.keyvalue("postgres", "postgres"),
        1,
        "BEGIN; UPDATE orders SET v = 1 WHERE id = 1",
    );
    held.pg_background(
        &pg.keyvalue("postgres", "postgres"),
        "UPDATE orders SET v = 2 WHERE id = 1",
    );
    poll_locks(&pg.url("postgres", "postgres"), |r| {
        r["status"] != "ok" || !tree(r).is_empty()
    });
    let r = dbrunbook(&["locks", "--url", &pg.url("watcher", "postgres"), "--format", "json"]).json();
    let summary = r["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("1 session(s) blocked"), "{r:#}");
    assert_eq!(tree(&r).len(), 2, "{r:#}");
    let notes = r["checks"][0]["notes"].to_string();
    assert!(notes.contains("GRANT pg_monitor TO \\\"watcher\\\";"), "{notes}");
}

#[test]
fn a_backup_as_root_blocker_is_never_offered_for_termination() {
    // A pg_dump-named session holds a lock a migration waits for: the tool names it a backup,
    // says to ask its owner, and prints no terminate step for it.
    let pg = setup();
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("pg_dump"), 1, "BEGIN; SELECT * FROM orders");
    held.pg_background(&conn("migration"), "ALTER TABLE orders ADD COLUMN note text");
    let r = poll_locks(&pg.url("postgres", "postgres"), |r| tree(r).len() == 2);
    let root = tree(&r)[0]["pid"].clone();
    let check = &r["checks"][0];
    let steps = check["runbook"]["steps"].to_string();
    assert!(steps.contains("is a backup (pg_dump"), "{steps}");
    assert!(!steps.contains(&format!("WHERE pid = {root} AND")), "{steps}");
    assert!(!steps.contains(&format!("end 'pg:{root}@")), "{steps}");
}

#[test]
fn a_prepared_transaction_is_named_as_the_invisible_root() {
    // pg_blocking_pids() says 0 for a prepared transaction: no session holds its locks, so
    // ending the waiters' sessions frees nothing. The tree names the gid, and the step is
    // ROLLBACK PREPARED for that gid.
    let pg = ThrowawayPg::start(PgOptions {
        prepared_transactions: 5,
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE TABLE orders (id int PRIMARY KEY, v int)",
        "INSERT INTO orders VALUES (1, 0)",
    ]);
    pg.psql(&[
        "BEGIN",
        "UPDATE orders SET v = 1 WHERE id = 1",
        "PREPARE TRANSACTION 'pay-42'",
    ]);
    let mut held = Held::new();
    held.pg_background(
        &pg.keyvalue("postgres", "postgres"),
        "UPDATE orders SET v = 2 WHERE id = 1",
    );
    let r = poll_locks(&pg.url("postgres", "postgres"), |r| tree(r).len() == 2);
    let rows = tree(&r);
    assert_eq!(rows[0]["gid"], "pay-42", "{rows:#?}");
    assert!(rows[0]["pid"].is_null(), "{rows:#?}");
    assert_eq!(rows[0]["tree"], "prepared transaction 'pay-42'");
    let check = &r["checks"][0];
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("root blocker prepared transaction 'pay-42'"),
        "{check:#}"
    );
    let sql: Vec<&str> = check["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["sql"].as_str())
        .collect();
    assert!(sql.contains(&"ROLLBACK PREPARED 'pay-42';"), "{sql:#?}");
    let victim = rows[1]["pid"].as_i64().unwrap();
    assert!(!sql.iter().any(|s| s.contains(&format!("pid = {victim} "))), "{sql:#?}");
    // The prepared transaction's tree key (a negative number) is never shown as a pid, and its
    // ROLLBACK PREPARED comes only after the step saving pg_prepared_xacts.
    let steps = check["runbook"]["steps"].as_array().unwrap();
    let all = serde_json::to_string(steps).unwrap();
    assert!(!all.contains("pid -"), "{all}");
    let saved = steps
        .iter()
        .position(|s| s["shell"].as_str().is_some_and(|x| x.contains("pg_prepared_xacts")));
    let rollback = steps
        .iter()
        .position(|s| s["sql"].as_str().is_some_and(|x| x.starts_with("ROLLBACK PREPARED")));
    assert!(saved.is_some() && saved < rollback, "{all}");
    // The step works: the waiter gets its lock.
    pg.psql(&["ROLLBACK PREPARED 'pay-42'"]);
    poll_locks(&pg.url("postgres", "postgres"), |r| tree(r).is_empty());
}

#[test]
fn an_anti_wraparound_autovacuum_as_root_is_never_offered_for_ending() {
    // A real one: 100,000 transaction IDs pass the table's autovacuum_freeze_max_age, and a slow
    // cost limit keeps the vacuum running while a migration's ALTER TABLE queues behind it.
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["autovacuum_naptime=1", "autovacuum_freeze_max_age=100000"],
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE TABLE t (id int, pad text) WITH (autovacuum_enabled = off, \
         autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)",
        "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
        "DO $$ BEGIN FOR i IN 1..100000 LOOP PERFORM txid_current(); COMMIT; END LOOP; END $$",
    ]);
    let vacuuming = || {
        let out = std::process::Command::new(pg.bin("psql"))
            .args(["-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
            .arg(pg.port.to_string())
            .arg("-c")
            // t's own: the catalogs are past the age too, and a worker on one of them holds
            // nothing the ALTER waits for.
            .arg(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE query LIKE 'autovacuum: VACUUM%public.t (to prevent wraparound)'",
            )
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    };
    crate::support::oncall::wait_until("an anti-wraparound autovacuum of t", vacuuming);
    let mut held = Held::new();
    held.pg_background(
        &pg.keyvalue("postgres", "postgres"),
        "ALTER TABLE t ADD COLUMN note text",
    );
    let url = pg.url("postgres", "postgres");
    let r = poll(&["locks", "--url", &url, "--warning", "1s"], |r| {
        tree(r).len() == 2 && r["status"] != "ok"
    });
    let root = tree(&r)[0]["pid"].clone();
    assert!(
        tree(&r)[0]["query"].as_str().unwrap().contains("to prevent wraparound"),
        "{r:#}"
    );
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(
        steps.contains("an autovacuum preventing transaction ID wraparound"),
        "{steps}"
    );
    assert!(!steps.contains(&format!("WHERE pid = {root} AND")), "{steps}");
    assert!(!steps.contains(&format!("end 'pg:{root}@")), "{steps}");
}
