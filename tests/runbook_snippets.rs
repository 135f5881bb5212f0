//! Advice is code: every `sql:` snippet of every shipped runbook is filled from a real incident
//! (a session idle in its transaction, as its own role and application) and executed on a
//! throwaway server of its dialect, state-changing ones included. A snippet that is not meant to
//! run does not belong under `sql:` (`shell:` and `example:` exist for that). MySQL 8's own
//! snippets (`mysql8:`) cannot run here: no MySQL 8 server installs on this project's machines.

use std::process::Command;

use crate::support::snippets::*;
use crate::support::*;
use dbrunbook::runbook::Dialect;

#[test]
fn every_postgres_snippet_runs_on_postgres() {
    run_postgres_snippets(&ThrowawayPg::start(PgOptions {
        prepared_transactions: 5,
        settings: SNIPPET_SETTINGS,
        ..PgOptions::default()
    }));
}

#[test]
fn every_mysql_and_mariadb_snippet_runs_on_mariadb() {
    use mysql_async::prelude::Queryable;
    // Each snippet gets a fresh victim sleeping up to 30 s: with every runbook's snippets run in
    // quick succession, the victims a snippet did not kill outnumber a small max_connections.
    let db = ThrowawayMaria::start(400);
    let root = db.url("root");
    let mut held = Held::new();
    held.mysql(
        &root,
        1,
        &format!("CREATE USER '{VICTIM}'@'%'; GRANT SELECT ON mysql.* TO '{VICTIM}'@'%'"),
    );
    held.mysql(&root, 1, &mysql_scratch_table());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let victim_url = db.url(VICTIM);
    for dialect in [Dialect::Mysql, Dialect::Mariadb] {
        for (id, n, sql) in snippets(dialect) {
            // A fresh victim each time, running a statement with a plan (SHOW EXPLAIN needs
            // one) inside an open transaction; the snippet may kill it.
            let pid: i64 = rt.block_on(async {
                let mut conn = mysql_async::Conn::from_url(&victim_url).await.unwrap();
                let pid: i64 = conn.query_first("SELECT CONNECTION_ID()").await.unwrap().unwrap();
                conn.query_drop("START TRANSACTION").await.unwrap();
                tokio::spawn(async move {
                    let _ = conn.query_drop("SELECT * FROM mysql.user WHERE SLEEP(30) = 0").await;
                });
                let mut admin = mysql_async::Conn::from_url(&root).await.unwrap();
                let started = std::time::Instant::now();
                loop {
                    assert!(
                        started.elapsed() < std::time::Duration::from_secs(120),
                        "the victim's statement never started"
                    );
                    let running: Option<i64> = admin
                        .exec_first(
                            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE '%SLEEP%'",
                            (pid,),
                        )
                        .await
                        .unwrap();
                    if running == Some(1) {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                pid
            });
            let sql = filled(&id, n, &sql, &facts(pid, "mysql"), dialect);
            run(
                maria_tool("mariadb", db.port).args(["--batch", "mysql"]),
                &sql,
                &format!("{id} step {n} ({dialect})"),
            );
        }
    }
}

#[test]
fn every_pgbouncer_snippet_runs_on_the_admin_console() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 2, 20) else {
        return;
    };
    for (id, n, sql) in snippets(Dialect::Pgbouncer) {
        let sql = filled(&id, n, &sql, &facts(1, "app"), Dialect::Pgbouncer);
        run(
            &mut psql(&pg_bin("psql"), bouncer.port, "pgbouncer"),
            &sql,
            &format!("{id} step {n} (pgbouncer)"),
        );
    }
}

/// The SQL of the runbook step whose text starts with `text`, as the report printed it.
fn printed_sql(report: &serde_json::Value, text: &str) -> Vec<String> {
    report["checks"][0]["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["text"].as_str().unwrap().starts_with(text))
        .filter_map(|s| s["sql"].as_str().map(str::to_string))
        .collect()
}

/// lock-contention's guarded terminate, pasted as printed: it ends the idle root (the waiter's
/// update goes through) and, pasted again once the pid is another session's, ends nothing.
#[test]
fn lock_contention_guarded_terminate_ends_the_root_and_a_stale_paste_ends_nothing() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "CREATE TABLE orders (id int PRIMARY KEY, v int)",
        "INSERT INTO orders VALUES (1, 0)",
    ]);
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("forgotten"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg_background(&conn("waiter"), "UPDATE orders SET v = v + 10 WHERE id = 1");
    let url = pg.url("postgres", "postgres");
    let r = poll(&["locks", "--url", &url, "--warning", "1ms"], |r| {
        findings(r, "lock_tree").len() == 2
    });
    let cancel = printed_sql(&r, "Without dbrunbook, for a root running a statement");
    assert!(cancel.is_empty(), "no cancel for an idle root: {cancel:?}");
    let terminate = printed_sql(&r, "Without dbrunbook: if root");
    assert_eq!(terminate.len(), 1, "{r:#}");
    let sql = &terminate[0];
    assert_eq!(sql.matches(';').count(), 1, "one statement per block: {sql}");
    let paste = |sql: &str| {
        let out = psql(&pg.bin("psql"), pg.port, "postgres")
            .args(["-At", "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(paste(sql), "t", "{sql}");
    let value = || paste("SELECT v FROM orders WHERE id = 1");
    let started = std::time::Instant::now();
    while value() != "10" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the waiter never went through"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Pasted again: the session it names has gone, so it matches no row and signals nobody.
    assert_eq!(paste(sql), "", "{sql}");
}

/// table-bloat's pg_repack line, split by a real shell as the on-call's would: its `--table`
/// names the bloated `public."Orders"` as a regclass, not `public.orders` beside it.
#[test]
fn table_bloat_pg_repack_names_a_mixed_case_table_exactly() {
    let db = crate::support::scratch::ScratchPg::new("repack_case");
    db.sql(
        "CREATE TABLE \"Orders\" (id int PRIMARY KEY, pad text NOT NULL) WITH (autovacuum_enabled = false);
         INSERT INTO \"Orders\" SELECT g, repeat('x', 100) FROM generate_series(1, 60000) g;
         DELETE FROM \"Orders\" WHERE id % 10 <> 0;
         ANALYZE \"Orders\";
         CREATE TABLE orders (id int PRIMARY KEY);",
    );
    let run = dbrunbook(&[
        "size",
        "--url",
        &db.url(),
        "--format",
        "json",
        "--bloat-min-size",
        "1MB",
        "--bloat-warning",
        "50%",
        "--bloat-critical",
        "99%",
    ]);
    let report = run.json();
    let line = report["checks"][0]["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["shell"].as_str())
        .find(|s| s.starts_with("pg_repack") && s.contains("Orders"))
        .unwrap_or_else(|| panic!("no pg_repack line: {report:#}"))
        .to_string();
    let words = Command::new("sh")
        .args(["-c", &format!("set -- {line}; for a; do printf '%s\\n' \"$a\"; done")])
        .output()
        .unwrap();
    let words = String::from_utf8(words.stdout).unwrap();
    let table = words
        .lines()
        .find_map(|w| w.strip_prefix("--table="))
        .unwrap_or_else(|| panic!("no --table in {line}"));
    assert_eq!(table, "\"public\".\"Orders\"");
    db.sql(&format!(
        "DO $$ BEGIN IF {}::regclass <> 'public.\"Orders\"'::regclass THEN RAISE EXCEPTION 'wrong table'; END IF; END $$;",
        dbrunbook::quote::pg::literal(table)
    ));
}

/// The shipped PostgreSQL SQL of the step of runbook `id` whose text starts with `text`.
fn shipped_sql(id: &str, text: &str) -> String {
    let catalog = dbrunbook::runbook::Catalog::embedded().unwrap();
    let rb = catalog.runbooks().iter().find(|r| r.id == id).unwrap();
    rb.phases()
        .iter()
        .flat_map(|(_, steps)| steps.iter())
        .find(|s| s.text.starts_with(text))
        .and_then(|s| s.sql.get(&Dialect::Postgres).cloned())
        .unwrap_or_else(|| panic!("{id}: no step starting {text:?}"))
}

/// wraparound-risk's raise of autovacuum_vacuum_cost_limit and its reset, run in order: the
/// setting is raised, then back to its default.
#[test]
fn wraparound_cost_limit_raise_is_undone_by_its_reset() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let show = || {
        let out = psql(&pg.bin("psql"), pg.port, "postgres")
            .args(["-At", "-c", "SHOW autovacuum_vacuum_cost_limit"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let wait_for = |want: &str| {
        let started = std::time::Instant::now();
        while show() != want {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "never {want}: {}",
                show()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    let before = show();
    let raise = shipped_sql(
        "wraparound-risk",
        "If an anti-wraparound autovacuum is already on the table",
    );
    run(&mut psql(&pg.bin("psql"), pg.port, "postgres"), &raise, "the raise");
    wait_for("2000");
    let reset = shipped_sql("wraparound-risk", "Set it back once the age is down");
    run(&mut psql(&pg.bin("psql"), pg.port, "postgres"), &reset, "the reset");
    wait_for(&before);
}

/// long-running-queries' per-role timeout and its undo, filled for a mixed-case role and run in
/// order: the setting lands on that role in that database only, and the undo removes it.
#[test]
fn long_running_role_timeout_is_per_role_and_undone_by_its_reset() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&["CREATE ROLE \"Web-App\" LOGIN"]);
    let facts = std::collections::BTreeMap::from([
        ("user".to_string(), "Web-App".to_string()),
        ("database".to_string(), "postgres".to_string()),
    ]);
    let fill = |text: &str| {
        let sql = shipped_sql("long-running-queries", text);
        dbrunbook::runbook::template::fill_sql(&sql, &facts, dbrunbook::target::Engine::Postgres).unwrap()
    };
    let settings = || {
        let out = psql(&pg.bin("psql"), pg.port, "postgres")
            .args([
                "-At",
                "-c",
                "SELECT r.rolname || ' ' || d.datname || ' ' || array_to_string(s.setconfig, ',') \
                 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    run(
        &mut psql(&pg.bin("psql"), pg.port, "postgres"),
        &fill("Bound statements server-side for role"),
        "the timeout",
    );
    assert_eq!(settings(), "Web-App postgres statement_timeout=5min");
    run(
        &mut psql(&pg.bin("psql"), pg.port, "postgres"),
        &fill("To undo it (from the role's next login)"),
        "its undo",
    );
    assert_eq!(settings(), "");
}
