//! `dbrunbook serve` keeping a session per target between probes (PostgreSQL, and MariaDB at the
//! end), on a throwaway
//! server of its own: the probes of a target run on one backend, its statements prepared once,
//! while the connect check still times a new connection each probe; `--keep-idle` closes an
//! unused session, `--keep-connections` caps them, and a restarted server is simply connected
//! to again.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::fleet::{Exporter, FleetDir};
use crate::support::*;

/// The ids a client printed, one a line; panics with its words when it failed.
fn listed(out: std::process::Output) -> Vec<u64> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().expect("an id"))
        .collect()
}

/// Polls `sessions` until it lists `n` (a measuring connection that just closed may linger a
/// moment); them.
fn wait_for_sessions(n: usize, what: &str, sessions: impl Fn() -> Vec<u64>) -> Vec<u64> {
    let started = Instant::now();
    loop {
        let ids = sessions();
        if ids.len() == n {
            return ids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: {} sessions of the tool, expected {n}: {ids:?}",
            ids.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The backends of dbrunbook's sessions on the server, by pid.
fn dbrunbook_backends(pg: &ThrowawayPg) -> Vec<u64> {
    listed(
        Command::new(pg.bin("psql"))
            .args(["-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
            .arg(pg.port.to_string())
            .args([
                "-c",
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'dbrunbook' ORDER BY pid",
            ])
            .output()
            .expect("psql"),
    )
}

fn wait_for_backends(pg: &ThrowawayPg, n: usize, what: &str) -> Vec<u64> {
    wait_for_sessions(n, what, || dbrunbook_backends(pg))
}

fn own_metric(body: &str, metric: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{metric} ")))
        .unwrap_or_else(|| panic!("{metric} missing:\n{body}"))
        .parse()
        .unwrap()
}

/// Three more probes of a target with a kept session, each judging every check; the connect
/// check still times a connection, made alongside, each probe.
fn three_more_probes(exporter: &Exporter, name: &str) {
    for _ in 0..3 {
        let body = probe_ok(exporter, name);
        assert!(
            body.contains(&format!(
                "dbrunbook_connect_time_seconds{{target=\"{name}\",check=\"connect\"}}"
            )),
            "{body}"
        );
    }
}

/// A probe that answered a diagnosis with every check judged (none UNKNOWN).
fn probe_ok(exporter: &Exporter, name: &str) -> String {
    let (code, body) = exporter.get(&format!("/probe?target={name}"));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(&format!("dbrunbook_up{{target=\"{name}\"}} 1")), "{body}");
    let unknown: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("dbrunbook_check_status{") && l.ends_with(" 3"))
        .collect();
    assert!(unknown.is_empty(), "checks UNKNOWN: {unknown:?}\n{body}");
    body
}

fn pg_with_log() -> ThrowawayPg {
    ThrowawayPg::start(PgOptions {
        settings: &["log_connections=on", "log_min_duration_statement=0"],
        ..PgOptions::default()
    })
}

#[test]
fn probes_of_a_target_run_on_one_kept_backend_with_prepared_statements() {
    let pg = pg_with_log();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: kept\n    url: '{}?sslmode=disable'\n",
        pg.url("postgres", "postgres")
    ));
    let exporter = Exporter::start(fleet, &[]);
    probe_ok(&exporter, "kept");
    let first = wait_for_backends(&pg, 1, "after the first probe");
    let authorized_before = pg
        .log()
        .matches("connection authorized: user=postgres database=postgres application_name=dbrunbook")
        .count();
    three_more_probes(&exporter, "kept");
    assert_eq!(
        wait_for_backends(&pg, 1, "after four probes"),
        first,
        "the kept backend changed"
    );
    let authorized = pg
        .log()
        .matches("connection authorized: user=postgres database=postgres application_name=dbrunbook")
        .count()
        - authorized_before;
    assert_eq!(
        authorized,
        3,
        "one measuring connection per probe on a kept session:\n{}",
        pg.log()
    );
    // The second run of a statement prepared it; the later ones execute it by name.
    let log = pg.log();
    assert!(log.contains("execute s"), "no named statement executed:\n{log}");
    let (_, health) = exporter.get("/metrics");
    assert_eq!(own_metric(&health, "dbrunbook_exporter_kept_sessions"), 1.0, "{health}");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_kept_sessions_reused_total"),
        3.0,
        "{health}"
    );
    // The page says its queries ran on a kept session.
    let (code, page) = exporter.get("/report?target=kept");
    assert_eq!(code, 200);
    assert!(page.contains("kept from earlier probes"), "{page}");
}

#[test]
fn a_kept_session_idle_past_keep_idle_is_closed() {
    let pg = pg_with_log();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: idle\n    url: '{}?sslmode=disable'\n",
        pg.url("postgres", "postgres")
    ));
    let exporter = Exporter::start(fleet, &["--keep-idle", "1s"]);
    probe_ok(&exporter, "idle");
    // Nothing probes it again: closed within the idle time and a sweep.
    wait_for_backends(&pg, 0, "after --keep-idle");
    let (_, health) = exporter.get("/metrics");
    assert_eq!(own_metric(&health, "dbrunbook_exporter_kept_sessions"), 0.0, "{health}");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_kept_sessions_released_total"),
        1.0,
        "{health}"
    );
}

#[test]
fn keep_connections_caps_the_sessions_kept_and_zero_keeps_none() {
    let pg = pg_with_log();
    pg.psql(&["CREATE DATABASE one", "CREATE DATABASE two"]);
    let yaml = format!(
        "targets:\n  - name: one\n    url: '{}?sslmode=disable'\n  - name: two\n    url: '{}?sslmode=disable'\n",
        pg.url("postgres", "one"),
        pg.url("postgres", "two")
    );
    let capped = Exporter::start(FleetDir::new(&yaml), &["--keep-connections", "1"]);
    probe_ok(&capped, "one");
    probe_ok(&capped, "two");
    wait_for_backends(&pg, 1, "--keep-connections 1 after two targets");
    drop(capped);
    wait_for_backends(&pg, 0, "after serve stopped");
    let none = Exporter::start(FleetDir::new(&yaml), &["--keep-connections", "0"]);
    probe_ok(&none, "one");
    probe_ok(&none, "two");
    wait_for_backends(&pg, 0, "--keep-connections 0");
}

#[test]
fn a_restarted_server_is_connected_to_again_and_the_probe_still_answers() {
    let pg = pg_with_log();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: bounced\n    url: '{}?sslmode=disable'\n",
        pg.url("postgres", "postgres")
    ));
    let exporter = Exporter::start(fleet, &[]);
    probe_ok(&exporter, "bounced");
    let before = wait_for_backends(&pg, 1, "before the restart");
    pg.restart();
    // The kept session died with the old server: the probe connects anew and judges every check.
    probe_ok(&exporter, "bounced");
    let after = wait_for_backends(&pg, 1, "after the restart");
    assert_ne!(before, after, "the kept backend survived a restart?");
    probe_ok(&exporter, "bounced");
    assert_eq!(wait_for_backends(&pg, 1, "the next probe"), after);
}

/// The size check's statements the server executed, by its statement log (the largest-tables
/// statement: one a measurement).
fn size_measurements(pg: &ThrowawayPg) -> usize {
    pg.log()
        .lines()
        .filter(|l| l.contains(" execute ") && l.contains("The largest tables of the connected database"))
        .count()
}

/// A probe's size-check lines: the figures it answered.
fn size_lines(body: &str) -> Vec<&str> {
    body.lines().filter(|l| l.contains("check=\"size\"")).collect()
}

#[test]
fn sizes_are_measured_once_within_size_every_and_the_answer_says_how_old() {
    let pg = pg_with_log();
    let fleet = |name: &str| {
        FleetDir::new(&format!(
            "targets:\n  - name: {name}\n    url: '{}?sslmode=disable'\n",
            pg.url("postgres", "postgres")
        ))
    };
    let exporter = Exporter::start(fleet("kept"), &[]);
    let first = probe_ok(&exporter, "kept");
    assert!(!size_lines(&first).is_empty(), "no size figures:\n{first}");
    for _ in 0..3 {
        let body = probe_ok(&exporter, "kept");
        assert_eq!(size_lines(&body), size_lines(&first), "the answered sizes changed");
    }
    assert_eq!(
        size_measurements(&pg),
        1,
        "four probes within --size-every 5m (the default) measured more than once:\n{}",
        pg.log()
    );
    let (code, page) = exporter.get("/report?target=kept");
    assert_eq!(code, 200);
    assert!(page.contains("ago on this kept session"), "{page}");
    assert!(page.contains("--size-every"), "{page}");
    drop(exporter);

    // 0s: every probe measures.
    let exporter = Exporter::start(fleet("every"), &["--size-every", "0s"]);
    for _ in 0..3 {
        let body = probe_ok(&exporter, "every");
        assert!(!size_lines(&body).is_empty(), "no size figures:\n{body}");
    }
    assert_eq!(size_measurements(&pg), 1 + 3, "--size-every 0s:\n{}", pg.log());
}

/// The ids of the tool's sessions on a throwaway MariaDB: root's connections but the asking one
/// (the test's client is the only other root), with the connection's program name where the
/// server keeps it.
fn maria_sessions(maria: &ThrowawayMaria) -> Vec<u64> {
    listed(
        maria_tool("mariadb", maria.port)
            .args([
                "-N",
                "-B",
                "-e",
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'root' AND ID <> CONNECTION_ID() ORDER BY ID",
            ])
            .output()
            .expect("mariadb"),
    )
}

fn wait_for_maria_sessions(maria: &ThrowawayMaria, n: usize, what: &str) -> Vec<u64> {
    wait_for_sessions(n, what, || maria_sessions(maria))
}

#[test]
fn mariadb_probes_run_on_one_kept_session_and_a_killed_one_is_replaced() {
    let maria = ThrowawayMaria::start(50);
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: maria\n    url: '{}'\n",
        maria.url("root")
    ));
    let exporter = Exporter::start(fleet, &[]);
    probe_ok(&exporter, "maria");
    let first = wait_for_maria_sessions(&maria, 1, "after the first probe");
    three_more_probes(&exporter, "maria");
    assert_eq!(
        wait_for_maria_sessions(&maria, 1, "after four probes"),
        first,
        "the kept session changed"
    );
    let (_, health) = exporter.get("/metrics");
    assert_eq!(own_metric(&health, "dbrunbook_exporter_kept_sessions"), 1.0, "{health}");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_kept_sessions_reused_total"),
        3.0,
        "{health}"
    );

    // Another on-call ends the kept session: the next probe finds it gone, connects anew and
    // still judges every check; the one after runs on the new session.
    let killed = maria_tool("mariadb", maria.port)
        .args(["-e", &format!("KILL CONNECTION {}", first[0])])
        .output()
        .expect("mariadb");
    assert!(killed.status.success(), "{}", String::from_utf8_lossy(&killed.stderr));
    wait_for_maria_sessions(&maria, 0, "after KILL");
    probe_ok(&exporter, "maria");
    let after = wait_for_maria_sessions(&maria, 1, "after the probe that found it killed");
    assert_ne!(after, first);
    probe_ok(&exporter, "maria");
    assert_eq!(wait_for_maria_sessions(&maria, 1, "the next probe"), after);
}

#[test]
fn a_mariadb_session_the_server_closed_past_wait_timeout_is_connected_to_again() {
    let maria = ThrowawayMaria::start_with(50, &["--wait-timeout=5"]);
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: waited\n    url: '{}'\n",
        maria.url("root")
    ));
    let exporter = Exporter::start(fleet, &[]);
    probe_ok(&exporter, "waited");
    // The kept session, and maybe the measuring one a moment longer; seen before wait_timeout
    // ends them, however slowly this machine lists them (waiting for exactly one could see two,
    // then none).
    let started = Instant::now();
    let first = loop {
        let ids = maria_sessions(&maria);
        if !ids.is_empty() {
            break ids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no session of the tool after the first probe"
        );
    };
    assert!(first.len() <= 2, "{first:?}");
    // Idle past wait_timeout: the server ends the kept session on its own.
    wait_for_maria_sessions(&maria, 0, "past wait_timeout");
    probe_ok(&exporter, "waited");
    let (_, health) = exporter.get("/metrics");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_kept_sessions_reused_total"),
        1.0,
        "{health}"
    );
    let now = maria_sessions(&maria);
    assert!(now.iter().all(|id| !first.contains(id)), "{now:?} after {first:?}");
}
