//! `dbrunbook check`: every check over one connection, the worst status wins, and a check that
//! cannot run is UNKNOWN while the others still run.

mod support;

use support::*;

fn statuses(r: &serde_json::Value) -> Vec<(String, String)> {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn calm_servers_are_ok_on_every_check() {
    for url in [shared_pg_url(), shared_mysql_url()] {
        let run = dbrunbook(&["check", "--url", &url, "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.all());
        let r = run.json();
        let names: Vec<String> = statuses(&r).into_iter().map(|(c, _)| c).collect();
        assert_eq!(names, vec!["pool", "queries", "locks"]);
    }
}

#[test]
fn full_server_is_critical_overall_even_though_the_other_checks_cannot_run() {
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 5,
        superuser_reserved: 2,
        ..Default::default()
    });
    pg.psql(&["CREATE ROLE filler LOGIN"]);
    let mut held = Held::new();
    held.pg(&pg.keyvalue("filler", "postgres"), 3, "");
    let run = dbrunbook(&["check", "--url", &pg.url("filler", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let r = run.json();
    assert_eq!(r["status"], "critical");
    let s = statuses(&r);
    assert_eq!(s[0], ("pool".into(), "critical".into()));
    assert_eq!(s[1].1, "unknown");
    assert_eq!(s[2].1, "unknown");
}

#[test]
fn pgbouncer_console_runs_the_pool_check_and_explains_the_others() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let bouncer = ThrowawayBouncer::start(pg.port, 2, 20);
    let run = dbrunbook(&["check", "--url", &bouncer.admin_url(), "--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let r = run.json();
    assert_eq!(statuses(&r)[0], ("pool".into(), "ok".into()));
    let queries = r["checks"][1]["summary"].as_str().unwrap();
    assert!(queries.contains("point --url at the PostgreSQL server"), "{queries}");
}
