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
    let db = ThrowawayMaria::start(60);
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
                for _ in 0..100 {
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
                Command::new("mariadb")
                    .args([
                        "--no-defaults",
                        "--protocol=tcp",
                        "-h",
                        "127.0.0.1",
                        "-u",
                        "root",
                        "--batch",
                    ])
                    .args(["-P", &db.port.to_string(), "mysql"]),
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
