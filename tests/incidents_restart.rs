//! Incident: the server restarts mid-traffic. Two instances of an application behind SQLAlchemy
//! pools, one with pool_pre_ping and one without, keep querying through a fast restart (PostgreSQL
//! over psycopg2, MariaDB over PyMySQL); diagnose names the restart with the server-restarted
//! runbook, whose steps are run, and both applications are back on fresh connections.

use std::time::Instant;

use crate::support::apps::{Watched, errors, oks};
use crate::support::oncall::*;
use crate::support::*;

fn psql(pg: &ThrowawayPg, sql: &str) -> String {
    pg_sql(pg, "shop", sql)
}

#[test]
fn server_restart_mid_traffic_is_named_and_the_applications_reconnect() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&["CREATE DATABASE shop"]);
    pg.psql_as(
        "postgres",
        "shop",
        &["CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g"],
    );
    let url = format!("postgresql+psycopg2://postgres@127.0.0.1:{}/shop", pg.port);
    let pinged = Watched::start("restart_traffic.py", &[&url, "api-preping", "yes"]);
    let plain = Watched::start("restart_traffic.py", &[&url, "api-plain", "no"]);
    for app in [&pinged, &plain] {
        app.wait_for(0, "served requests", |l| oks(l) >= 5);
    }
    let (pinged_mark, plain_mark) = (pinged.mark(), plain.mark());
    pg.restart();

    // Without pre-ping, the pooled connections fail once each; with it, only requests made
    // while the server was down can fail. Both recover.
    plain.wait_for(plain_mark, "seen the restart", |l| {
        errors(l).iter().any(|e| {
            e.contains("terminating connection")
                || e.contains("server closed the connection")
                || e.contains("Connection refused")
        })
    });
    for app in [&pinged, &plain] {
        let mark = app.mark();
        app.wait_for(mark, "recovered", |l| l.len() >= 5 && oks(&l[l.len() - 5..]) == 5);
    }
    let pinged_errors = errors(&pinged.since(pinged_mark)).len();
    let plain_errors = errors(&plain.since(plain_mark)).len();
    eprintln!("restart: {plain_errors} errors without pre-ping, {pinged_errors} with");

    let target = pg.url("postgres", "shop");
    let report = diagnose_during("server-restart (postgres)", &["--url", &target]);
    let connect = check(&report, "connect");
    assert_eq!(connect["status"], "warning", "{connect:#}");
    assert_eq!(connect["runbook"]["id"], "server-restarted", "{connect:#}");
    let table = dbrunbook(&["connect", "--url", &target]);
    assert!(table.stdout.contains("WARNING connect"), "{}", table.stdout);
    let steps = steps(connect);
    assert!(!format!("{steps:?}").contains("<major>"), "{steps:?}");

    // The on-call's steps: the evidence SQL (where the server logs, when it started), then the
    // check that the applications reconnected: both are on connections younger than the start.
    for Step { phase, sql, .. } in &steps {
        if let Some(sql) = sql.as_ref().filter(|_| phase == "diagnose" || phase == "immediate") {
            psql(&pg, sql);
        }
    }
    let reconnected = psql(
        &pg,
        "SELECT count(DISTINCT application_name) FROM pg_stat_activity \
         WHERE application_name IN ('api-preping', 'api-plain') AND backend_start > pg_postmaster_start_time()",
    );
    assert_eq!(reconnected.trim(), "2");
    assert_eq!(
        psql(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'"
        )
        .trim(),
        "1"
    );
}

/// The uptime the connect check reported, in seconds.
fn uptime(connect: &serde_json::Value) -> f64 {
    metric_of(connect, "uptime").unwrap_or_else(|| panic!("no uptime: {connect:#}"))
}

/// The MariaDB version: a clean restart (SIGTERM, as systemd stops it) under two SQLAlchemy
/// pools over PyMySQL. The uptime the tool reads is the new start's, the runbook's evidence is
/// run (where the server logs: its log shows the shutdown and the new start), and both
/// applications are back on new connections.
#[test]
fn mariadb_restart_mid_traffic_is_named_and_the_applications_reconnect() {
    let Server::Maria(mut maria) = Server::start(false) else {
        unreachable!()
    };
    let sql = |maria: &ThrowawayMaria, sql: &str| {
        client(mariadb_as(maria.port, "root").args(["-N", "-B", APP_DB, "-e", sql]))
    };
    sql(
        &maria,
        "CREATE TABLE orders (id INT PRIMARY KEY); INSERT INTO orders SELECT seq FROM seq_1_to_1000; \
         CREATE USER api_preping@'%'; GRANT SELECT ON bank.orders TO api_preping@'%'; \
         CREATE USER api_plain@'%'; GRANT SELECT ON bank.orders TO api_plain@'%';",
    );
    let url = |user: &str| format!("mysql+pymysql://{user}@127.0.0.1:{}/{APP_DB}", maria.port);
    let pinged = Watched::start("restart_traffic.py", &[&url("api_preping"), "api-preping", "yes"]);
    let plain = Watched::start("restart_traffic.py", &[&url("api_plain"), "api-plain", "no"]);
    for app in [&pinged, &plain] {
        app.wait_for(0, "served requests", |l| oks(l) >= 5);
    }
    let target = format!("mysql://root@127.0.0.1:{}/{APP_DB}", maria.port);
    let before = dbrunbook(&["connect", "--url", &target, "--format", "json"]).json();
    let up_before = uptime(&before["checks"][0]);

    let (pinged_mark, plain_mark) = (pinged.mark(), plain.mark());
    let restarting = Instant::now();
    maria.restart();
    plain.wait_for(plain_mark, "seen the restart", |l| {
        errors(l)
            .iter()
            .any(|e| e.contains("Lost connection") || e.contains("server has gone away") || e.contains("Can't connect"))
    });
    for app in [&pinged, &plain] {
        let mark = app.mark();
        app.wait_for(mark, "recovered", |l| l.len() >= 5 && oks(&l[l.len() - 5..]) == 5);
    }
    let pinged_errors = errors(&pinged.since(pinged_mark)).len();
    let plain_errors = errors(&plain.since(plain_mark)).len();
    eprintln!("restart (mariadb): {plain_errors} errors without pre-ping, {pinged_errors} with");

    let report = diagnose_during("server-restart (mariadb)", &["--url", &target]);
    let connect = check(&report, "connect");
    assert_eq!(connect["status"], "warning", "{connect:#}");
    assert_eq!(connect["runbook"]["id"], "server-restarted", "{connect:#}");
    // The start it names is the restart's, not the server's first start.
    let up_after = uptime(connect);
    assert!(
        up_after <= restarting.elapsed().as_secs_f64().ceil() + 1.0,
        "uptime {up_after} s, restarted {:?} ago (before: {up_before} s)",
        restarting.elapsed()
    );
    let summary = connect["summary"].as_str().unwrap();
    assert!(summary.contains("the server started"), "{summary}");
    let table = dbrunbook(&["connect", "--url", &target]);
    assert!(table.stdout.contains("WARNING connect"), "{}", table.stdout);

    // The on-call's steps: the evidence SQL as printed (where the server logs; its uptime and
    // role), then the log it names, which shows the clean shutdown and the new start.
    let mut logs = Vec::new();
    for Step {
        phase,
        text,
        sql: step_sql,
        ..
    } in &steps(connect)
    {
        let Some(step_sql) = step_sql
            .as_ref()
            .filter(|_| phase == "diagnose" || phase == "immediate")
        else {
            continue;
        };
        eprintln!("step: {text}\n{step_sql}");
        let out = sql(&maria, step_sql);
        if step_sql.contains("log_error") {
            logs.push(out.split('\t').next().unwrap().trim().to_string());
        }
    }
    assert_eq!(logs.len(), 1, "the step saying where the server logs");
    let log = std::fs::read_to_string(&logs[0]).unwrap_or_else(|e| panic!("{}: {e}", logs[0]));
    assert!(
        log.contains("Shutdown complete") && log.matches("ready for connections").count() >= 2,
        "{log}"
    );
    let reconnected = sql(
        &maria,
        "SELECT COUNT(DISTINCT USER) FROM information_schema.PROCESSLIST WHERE USER IN ('api_preping', 'api_plain')",
    );
    assert_eq!(reconnected.trim(), "2");
}
