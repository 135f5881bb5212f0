//! Incident: a transaction held across slow I/O (an export reads the orders, then waits minutes
//! on a partner's API without committing) blocks a deploy's migration (ALTER TABLE), and every
//! reader of the table queues behind the migration. Reproduced with SQLAlchemy; diagnosed
//! without false alarms from the checks that read the catalog; cleared by the runbook's steps.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::incidents_support::*;
use crate::support::*;

fn psql(pg: &ThrowawayPg, sql: &str) -> String {
    pg_sql(pg, "shop", sql)
}

fn count(pg: &ThrowawayPg, sql: &str) -> i64 {
    pg_count(pg, "shop", sql)
}

fn wait_until(pg: &ThrowawayPg, what: &str, sql: &str) {
    let started = Instant::now();
    while count(pg, sql) == 0 {
        assert!(started.elapsed().as_secs() < 120, "never: {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
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
    wait_until(
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
    wait_until(
        &pg,
        "readers wait behind the migration",
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'order-page' AND wait_event_type = 'Lock'",
    );
    // The locks check warns past 10 s of waiting (its default).
    wait_until(
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
    for (phase, text, sql, _) in &steps {
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
    assert_eq!(
        count(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nightly-export'"
        ),
        0,
        "the root was ended"
    );
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
