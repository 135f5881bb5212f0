//! Incident: the server restarts mid-traffic. Two instances of an application behind SQLAlchemy
//! pools, one with pool_pre_ping and one without, keep querying through a fast restart;
//! diagnose names the restart with the server-restarted runbook, whose steps are run, and both
//! applications are back on fresh connections.

use crate::incidents_support::*;
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
    for (phase, _, sql, _) in &steps {
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
