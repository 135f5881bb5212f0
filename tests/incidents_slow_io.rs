//! Incident: a transaction held across slow I/O (an export reads the orders, then waits minutes
//! on a partner's API without committing) blocks a deploy's migration (ALTER TABLE), and every
//! reader of the table queues behind the migration. Reproduced with SQLAlchemy; diagnosed
//! without false alarms from the checks that read the catalog; cleared by the runbook's steps.

use std::process::{Command, Stdio};

use crate::support::apps::{Watched, errors, oks};
use crate::support::oncall::*;
use crate::support::*;

fn psql(pg: &ThrowawayPg, sql: &str) -> String {
    pg_sql(pg, "shop", sql)
}

fn count(pg: &ThrowawayPg, sql: &str) -> i64 {
    pg_count(pg, "shop", sql)
}

/// Waits until `sql` counts something.
fn wait_for_rows(pg: &ThrowawayPg, what: &str, sql: &str) {
    wait_until(what, || count(pg, sql) > 0);
}

#[test]
fn slow_io_in_a_transaction_blocks_a_migration_and_its_readers_and_the_steps_clear_it() {
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 40,
        ..Default::default()
    });
    pg.psql(&["CREATE ROLE shop LOGIN", "CREATE DATABASE shop OWNER shop"]);
    pg.psql_as(
        "shop",
        "shop",
        &[
            "CREATE TABLE orders AS SELECT g AS id, g % 100 AS amount FROM generate_series(1, 50000) g",
            "CREATE TABLE invoices (id bigserial PRIMARY KEY, amount int)",
            "ANALYZE orders",
        ],
    );
    let url = format!("postgresql+psycopg2://shop@127.0.0.1:{}/shop", pg.port);
    let billing = Watched::start("web_pool.py", &[&url, "billing", "steady"]);
    billing.wait_for(0, "served a request", |l| oks(l) >= 3);
    let readers = Watched::start("slow_io.py", &[&url, "order-page", "reader"]);
    readers.wait_for(0, "served a request", |l| oks(l) >= 3);
    let export = Watched::start("slow_io.py", &[&url, "nightly-export", "export"]);
    export.wait_for(0, "read the orders", |l| l.iter().any(|x| x.starts_with("read ")));
    wait_for_rows(
        &pg,
        "the export idles in its transaction",
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nightly-export' AND state = 'idle in transaction'",
    );

    // The deploy's migration queues for its lock, and the readers queue behind it.
    let migration = Command::new(pg.bin("psql"))
        .args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "shop",
            "-d",
            "shop",
        ])
        .args(["-p", &pg.port.to_string()])
        .args([
            "-c",
            "SET application_name = 'deploy-migration'",
            "-c",
            "ALTER TABLE orders ADD COLUMN note text",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_rows(
        &pg,
        "readers wait behind the migration",
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'order-page' AND wait_event_type = 'Lock'",
    );
    // The locks check warns past 10 s of waiting (its default).
    wait_for_rows(
        &pg,
        "the migration has waited 10 s",
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'deploy-migration' \
         AND wait_event_type = 'Lock' AND state_change < now() - interval '11 seconds'",
    );
    let export_pid = count(
        &pg,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'nightly-export'",
    );

    let rb = incident_runbooks();
    let target = pg.url("postgres", "shop");
    let report = diagnose_during("slow-io-blocks-ddl (postgres)", &["--url", &target, &rb[0], &rb[1]]);
    // No false alarm: size does not wait on the migration's lock, queries sees as a superuser.
    let size = check(&report, "size");
    assert_ne!(size["status"], "unknown", "{}", serde_json::to_string(size).unwrap());
    assert!(
        size["notes"]
            .to_string()
            .contains("public.orders not measured: locked by pid"),
        "{size:#}"
    );
    for c in report["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "unknown", "{c:#}");
        assert!(!c.to_string().contains("GRANT pg_monitor"), "{c:#}");
    }
    let locks = check(&report, "locks");
    eprintln!("locks: {} {}", locks["status"], locks["runbook"]["id"]);
    assert!(
        locks["status"] == "critical" || locks["status"] == "warning",
        "{locks:#}"
    );
    let steps = steps(locks);
    let all = format!("{steps:?}");
    assert!(all.contains(&export_pid.to_string()), "the root is named: {all}");
    let table = dbrunbook(&["locks", "--url", &target, &rb[0], &rb[1]]);
    assert!(table.stdout.contains(&export_pid.to_string()), "{}", table.stdout);

    // The on-call runs the steps in order.
    for Step { phase, text, sql, .. } in &steps {
        if phase != "diagnose" && phase != "immediate" {
            continue;
        }
        if let Some(sql) = sql {
            eprintln!("step: {text}\n{sql}");
            psql(&pg, sql);
        }
    }
    // The runbook's first relief cancels the migration's DDL (its queue drains), the next ends
    // the root; the deploy then runs its migration again, and it goes through.
    let out = migration.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("canceling statement due to user request"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Ended: pg_terminate_backend signals, and the backend leaves the listing as it exits.
    wait_until("the root ended", || {
        count(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nightly-export'",
        ) == 0
    });
    pg.psql_as("shop", "shop", &["ALTER TABLE orders ADD COLUMN note text"]);
    // Cleared: the readers proceed, billing carried on.
    assert_eq!(
        count(
            &pg,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'"
        ),
        1
    );
    let mark = readers.mark();
    readers.wait_for(mark, "read again", |l| oks(l) >= 5);
    let mark = billing.mark();
    billing.wait_for(mark, "carried on", |l| oks(l) >= 3);
    assert!(errors(&billing.since(0)).is_empty(), "billing was hit");
    assert_eq!(
        count(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'"
        ),
        1
    );
}

/// The MariaDB version: the export's open transaction holds the table's metadata lock, the
/// deploy's ALTER TABLE queues for it, and the order page's readers queue behind the ALTER. The
/// server's default has no performance_schema, so holders are inferred from the open
/// transactions, while a nightly mariadb-dump (started before the deploy, so its transaction is
/// older than the wait) runs through it all: the root named must be the export, never the dump.
#[test]
fn slow_io_in_a_transaction_blocks_a_mariadb_migration_and_its_readers_and_the_steps_clear_it() {
    // A backup stalled on a slow disk longer than the default minute of net_write_timeout
    // would be cut by the server, not by the incident.
    let server = Server::maria_with(&["--net-write-timeout=600"]);
    let Server::Maria(maria) = &server else { unreachable!() };
    server.sql(
        APP_DB,
        "CREATE TABLE orders (id INT PRIMARY KEY, amount INT); \
         INSERT INTO orders SELECT seq, seq % 100 FROM seq_1_to_50000; \
         CREATE TABLE invoices (id BIGINT AUTO_INCREMENT PRIMARY KEY, amount INT); \
         CREATE TABLE events (id INT PRIMARY KEY, payload CHAR(32)); \
         INSERT INTO events SELECT seq, MD5(seq) FROM seq_1_to_300000; \
         CREATE USER export@'%'; GRANT SELECT ON bank.orders TO export@'%'; \
         CREATE USER web@'%'; GRANT SELECT ON bank.orders TO web@'%'; \
         CREATE USER billing@'%'; GRANT SELECT, INSERT ON bank.invoices TO billing@'%'; \
         CREATE USER deploy@'%'; GRANT ALL ON bank.* TO deploy@'%';",
    );
    let url = |user: &str| format!("mysql+pymysql://{user}@127.0.0.1:{}/{APP_DB}", maria.port);
    // The nightly backup, its output not read yet: it stays in its table read, in its
    // transaction, through the whole incident.
    let backup = running_mariadb_dump(maria.port, APP_DB, &["events"]);
    wait_until("the backup reads its table", || {
        server.count(
            APP_DB,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%'",
        ) == 1
    });
    let billing = Watched::start("web_pool.py", &[&url("billing"), "billing", "steady"]);
    billing.wait_for(0, "served a request", |l| oks(l) >= 3);
    let readers = Watched::start("slow_io.py", &[&url("web"), "order-page", "reader"]);
    readers.wait_for(0, "served a request", |l| oks(l) >= 3);
    let export = Watched::start("slow_io.py", &[&url("export"), "nightly-export", "export"]);
    export.wait_for(0, "read the orders", |l| l.iter().any(|x| x.starts_with("read ")));
    let export_thread = server.count(
        APP_DB,
        "SELECT p.ID FROM information_schema.PROCESSLIST p JOIN information_schema.INNODB_TRX t \
         ON t.trx_mysql_thread_id = p.ID WHERE p.USER = 'export' AND p.COMMAND = 'Sleep'",
    );
    let dump_thread = server.count(
        APP_DB,
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%'",
    );

    // The deploy's migration queues for the metadata lock, and the readers queue behind it.
    let migration = mariadb_as(maria.port, "deploy")
        .args([APP_DB, "-e", "ALTER TABLE orders ADD COLUMN note TEXT"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("readers wait behind the migration", || {
        server.count(
            APP_DB,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'web' \
             AND STATE = 'Waiting for table metadata lock'",
        ) >= 1
    });
    // The locks check warns past 10 s of waiting (its default).
    wait_until("the migration has waited 10 s", || {
        server.count(
            APP_DB,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'deploy' \
             AND STATE = 'Waiting for table metadata lock' AND TIME > 11",
        ) == 1
    });

    let rb = incident_runbooks();
    let target = server.url();
    let report = diagnose_during("slow-io-blocks-ddl (mariadb)", &["--url", &target, &rb[0], &rb[1]]);
    for c in report["checks"].as_array().unwrap() {
        eprintln!("{}: {} {}", c["check"], c["status"], c["summary"]);
    }
    let locks = check(&report, "locks");
    assert!(
        locks["status"] == "critical" || locks["status"] == "warning",
        "{locks:#}"
    );
    assert_eq!(locks["runbook"]["id"], "migration-lock-queue", "{locks:#}");
    let summary = locks["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "root blocker pid {export_thread} (export, idle in transaction"
        )),
        "the root is the export: {summary}"
    );
    let steps = steps(locks);
    let all = format!("{steps:?}");
    assert!(
        !all.contains(&format!("root pid {dump_thread}")) && !all.contains("is a backup"),
        "the backup is not the root: {all}"
    );
    assert!(all.contains(&format!("KILL CONNECTION {export_thread};")), "{all}");
    assert!(!all.contains(&format!("KILL CONNECTION {dump_thread};")), "{all}");
    let table = dbrunbook(&["locks", "--url", &target, &rb[0], &rb[1]]);
    assert!(table.stdout.contains(&export_thread.to_string()), "{}", table.stdout);

    // The on-call runs the steps in order: the evidence file, then the SQL, the KILL of the root
    // only when the step before says it is still the same transaction.
    let home = maria_home(maria.port, Some(APP_DB));
    let mut still_the_same = None;
    for Step {
        phase,
        text,
        sql,
        shell,
    } in &steps
    {
        if phase != "diagnose" && phase != "immediate" {
            continue;
        }
        if let Some(shell) = shell
            .as_deref()
            .filter(|s| phase == "immediate" && !s.starts_with("dbrunbook end"))
        {
            client(
                on_call_shell(shell, home.path(), std::path::Path::new("/usr/bin"), &target).env("HOME", home.path()),
            );
        }
        let Some(sql) = sql else { continue };
        eprintln!("step: {text}\n{sql}");
        if sql.starts_with("KILL CONNECTION") && still_the_same != Some(1) {
            continue;
        }
        let out = server.sql(APP_DB, sql);
        if sql.contains("still_the_same") {
            still_the_same = out.lines().last().and_then(|l| l.trim().parse().ok());
        }
    }
    assert_eq!(still_the_same, Some(1), "the root's transaction was the report's");
    let saved = std::fs::read_dir(home.path())
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("processlist-"))
        .expect("the evidence file");
    assert!(
        std::fs::read_to_string(saved.path())
            .unwrap()
            .contains("Waiting for table metadata lock")
    );
    // The first relief killed the migration's statement (the queue drained), the next ended
    // the root; the deploy then runs its migration again, and it goes through.
    let out = migration.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Ended: a killed thread leaves the process list as it finishes rolling back.
    wait_until("the root ended", || {
        server.count(
            APP_DB,
            &format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {export_thread}"),
        ) == 0
    });
    client(mariadb_as(maria.port, "deploy").args([APP_DB, "-e", "ALTER TABLE orders ADD COLUMN note TEXT"]));
    assert_eq!(
        server.count(
            APP_DB,
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 'orders' AND COLUMN_NAME = 'note'"
        ),
        1
    );
    // Cleared: the readers proceed, billing carried on, the backup comes through whole.
    let mark = readers.mark();
    readers.wait_for(mark, "read again", |l| oks(l) >= 5);
    let mark = billing.mark();
    billing.wait_for(mark, "carried on", |l| oks(l) >= 3);
    assert!(errors(&billing.since(0)).is_empty(), "billing was hit");
    assert_eq!(
        server.count(
            APP_DB,
            &format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {dump_thread}")
        ),
        1,
        "the backup is still running"
    );
    mariadb_dump_completes(backup);
}
