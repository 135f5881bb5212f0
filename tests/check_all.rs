//! `dbrunbook check`: every check over one connection, the worst status wins, and a check that
//! cannot run is UNKNOWN while the others still run.

use crate::support::*;

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

/// The checks as the library lists them: `check` runs each, and each is a subcommand.
fn all_checks() -> Vec<String> {
    dbrunbook::checks::CHECKS
        .iter()
        .map(|c| c.spec().name.to_string())
        .collect()
}

#[test]
fn calm_servers_are_ok_on_every_check() {
    for url in [shared_pg_url(), shared_mysql_url()] {
        let run = dbrunbook(&["check", "--url", &url, "--format", "json"]);
        let r = run.json();
        let names: Vec<String> = statuses(&r).into_iter().map(|(c, _)| c).collect();
        assert_eq!(names, all_checks());
        // The connect check warns about a server that started minutes ago, as the test
        // machine's servers may have. The shared servers keep no statement statistics (no
        // pg_stat_statements, MariaDB's performance_schema off by default): as one of every
        // check, slow is OK with "not judged" and the way to turn them on (asked for by name it
        // is UNKNOWN: tests/slow.rs). Every other check is OK.
        let connect = &r["checks"][0];
        let uptime = metric_of(connect, "uptime").unwrap();
        let mut worst = 0;
        for check in r["checks"].as_array().unwrap() {
            let summary = check["summary"].as_str().unwrap_or_default();
            if check["check"] == "slow" && summary.starts_with("not judged") {
                assert_eq!(check["status"], "ok", "{check:#}");
                assert!(
                    summary.contains("pg_stat_statements is not installed")
                        || summary.contains("performance_schema is off"),
                    "{check:#}"
                );
            } else if check["check"] == "connect" && uptime < 600.0 {
                assert_eq!(check["status"], "warning", "{r:#}");
                assert!(summary.starts_with("the server started"), "{r:#}");
                worst = worst.max(1);
            } else {
                assert_eq!(check["status"], "ok", "{check:#}");
            }
        }
        assert_eq!(run.code, worst, "{}", run.all());
    }
}

#[test]
fn every_check_is_a_subcommand_with_its_threshold_flags() {
    let help = dbrunbook(&["--help"]).stdout;
    for check in dbrunbook::checks::CHECKS {
        let spec = check.spec();
        assert!(
            help.contains(&format!("  {} ", spec.name)),
            "{} missing from --help:\n{help}",
            spec.name
        );
        let sub = dbrunbook(&[spec.name, "--help"]);
        assert_eq!(sub.code, 0, "{}", sub.all());
        let text = sub.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        for t in spec.thresholds {
            assert!(
                text.contains(&format!("--{}", t.flag())) && text.contains(&format!("(default {})", t.default)),
                "{} --help lacks --{}:\n{}",
                spec.name,
                t.flag(),
                sub.stdout
            );
        }
    }
}

#[test]
fn a_check_whose_query_is_refused_is_unknown_while_the_others_report() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "CREATE ROLE watcher LOGIN",
        "GRANT pg_monitor TO watcher",
        "REVOKE SELECT ON pg_catalog.pg_locks FROM PUBLIC",
    ]);
    // Without connect: the throwaway server started just now, which connect rightly warns
    // about, and that WARNING would outrank the UNKNOWN this test is about.
    let url = pg.url("watcher", "postgres");
    let only = ["--only", "pool", "--only", "queries", "--only", "locks"];
    let run = dbrunbook(&[&["check", "--url", &url, "--format", "json"][..], &only].concat());
    let r = run.json();
    let s = statuses(&r);
    assert_eq!(s[0], ("pool".into(), "ok".into()), "{r:#}");
    assert_eq!(s[1], ("queries".into(), "ok".into()), "{r:#}");
    assert_eq!(s[2].1, "unknown", "{r:#}");
    let summary = r["checks"][2]["summary"].as_str().unwrap();
    assert!(summary.contains("permission denied"), "{summary}");
    assert_eq!(run.code, 3);
}

#[test]
fn mariadb_user_without_process_gets_pool_and_queries_but_locks_unknown() {
    use mysql_async::prelude::Queryable;
    let user = format!("noproc{}", std::process::id());
    let admin = shared_mysql_url();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let run_sql = |sql: String| {
        rt.block_on(async {
            let mut c = mysql_async::Conn::from_url(&admin).await.unwrap();
            c.query_drop(sql).await.unwrap();
            c.disconnect().await.unwrap();
        })
    };
    run_sql(format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY ''; GRANT SELECT ON test.* TO '{user}'@'%'"
    ));
    let url = shared_mysql_url().replacen("root@", &format!("{user}@"), 1);
    let mut others = Held::new();
    others.mysql(&admin, 1, "");
    let run = dbrunbook(&["check", "--url", &url, "--format", "json"]);
    run_sql(format!("DROP USER '{user}'@'%'"));
    let r = run.json();
    let s = statuses(&r);
    // Pool still counts every connection; queries ran but cannot vouch for threads it cannot
    // see; locks cannot read the processlist's transactions at all.
    // (checks[0] is connect.)
    assert_eq!(s[1].0, "pool");
    assert_ne!(s[1].1, "unknown", "{r:#}");
    let queries = r["checks"][2]["summary"].as_str().unwrap();
    assert!(
        !queries.contains("failed") && queries.contains(&format!("GRANT PROCESS ON *.* TO '{user}'@")),
        "{queries}"
    );
    assert_eq!(s[3].1, "unknown", "{r:#}");
    let notes = r["checks"][1]["notes"].to_string();
    assert!(notes.contains("PROCESS"), "{notes}");
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
    // A server too full to let us in is the incident whatever was asked. The connect check
    // tells it once, CRITICAL with the pool-exhaustion runbook; pool keeps its own CRITICAL
    // without repeating the runbook; the other checks are one line each, not run.
    assert_eq!(s[0], ("connect".into(), "critical".into()));
    assert_eq!(s[1], ("pool".into(), "critical".into()));
    assert_eq!(r["checks"][0]["runbook"]["id"], "pool-exhaustion");
    assert!(
        r["checks"][0]["summary"].as_str().unwrap().contains("too many clients"),
        "{r:#}"
    );
    // Nothing could be counted: no step that needs a count is shown (no `<top_user>` in prose,
    // #19), and no SQL that would silently match nothing is printed; the way in is this
    // server's own host and port.
    for step in r["checks"][0]["runbook"]["steps"].as_array().unwrap() {
        let sql = step["sql"].as_str().unwrap_or_default();
        assert!(
            !sql.contains("<top_") && !sql.contains("= ''") && !sql.contains("(<"),
            "runnable SQL from an unfilled step: {step:#}"
        );
    }
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(!steps.contains("<top_"), "{r:#}");
    assert!(
        steps.contains(&format!("--port='{}' --username='filler'", pg.port)),
        "{r:#}"
    );
    assert!(r["checks"][1]["runbook"].is_null(), "{r:#}");
    assert!(
        r["checks"][1]["summary"]
            .as_str()
            .unwrap()
            .contains("refused a new connection"),
        "{r:#}"
    );
    for (i, (_, status)) in s.iter().enumerate().skip(2) {
        assert_eq!(status, "unknown", "{r:#}");
        assert_eq!(r["checks"][i]["summary"], "not run: no connection", "{r:#}");
        assert!(r["checks"][i]["runbook"].is_null(), "{r:#}");
    }

    // Asked alone, queries and locks say so with the runbook.
    let run = dbrunbook(&["locks", "--url", &pg.url("filler", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(run.json()["checks"][0]["runbook"]["id"], "pool-exhaustion");

    // A broken --runbooks directory does not hide it: the built-in runbooks are used and the
    // problem is a result of its own.
    let run = dbrunbook(&[
        "check",
        "--url",
        &pg.url("filler", "postgres"),
        "--runbooks",
        "/nonexistent/dbrunbook-runbooks",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    let r = run.json();
    let s = statuses(&r);
    assert_eq!(s[0], ("connect".into(), "critical".into()));
    // The runbooks problem comes after every check, however many there are.
    let last = s.len() - 1;
    assert_eq!(s[last], ("runbooks".into(), "unknown".into()));
    assert_eq!(r["checks"][0]["runbook"]["id"], "pool-exhaustion");
    assert!(
        r["checks"][last]["notes"]
            .to_string()
            .contains("/nonexistent/dbrunbook-runbooks"),
        "{r:#}"
    );
}

#[test]
fn pgbouncer_console_runs_the_pool_check_and_explains_the_others() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 2, 20) else {
        return;
    };
    let run = dbrunbook(&["check", "--url", &bouncer.admin_url(), "--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let r = run.json();
    // connect probes PgBouncer's console like any server; pool reads its pools.
    assert_eq!(statuses(&r)[0], ("connect".into(), "ok".into()));
    assert_eq!(statuses(&r)[1], ("pool".into(), "ok".into()));
    let queries = r["checks"][2]["summary"].as_str().unwrap();
    assert!(queries.contains("point --url at the PostgreSQL server"), "{queries}");
}
