//! `diagnose --all` / `--tag` / `--target` over a fleet file of real targets: the shared
//! PostgreSQL and MariaDB, a refused port and a listener that never answers, in one run; each
//! output parsed back by its consumer; passwords from `.pgpass` and `${VAR}` used and never
//! printed.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::support::fleet::{FleetDir, Silent, exit_code, rank};
use crate::support::*;

/// Every piece of the password contains it, so a partial leak is caught too.
const SENTINEL: &str = "Fl33tS3ntinel";

fn mixed_fleet(hung: &Silent, refused: u16) -> FleetDir {
    FleetDir::new(&format!(
        "targets:\n\
         \x20 - name: pg\n    url: {pg}\n    tags: [prod, pg]\n\
         \x20 - name: maria\n    url: {my}\n    tags: [prod]\n\
         \x20 - name: refused\n    url: postgres://postgres@127.0.0.1:{refused}/postgres\n    tags: [dev]\n\
         \x20 - name: hung\n    url: postgres://postgres@127.0.0.1:{hung}/postgres\n    tags: [dev]\n",
        pg = shared_pg_url(),
        my = shared_mysql_url(),
        hung = hung.port,
    ))
}

fn by_name(doc: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    doc["targets"]
        .as_array()
        .expect("a targets list")
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
        .collect()
}

#[test]
fn a_fleet_with_a_dead_and_a_hung_target_reports_each_within_the_deadline() {
    let hung = Silent::start();
    let fleet = mixed_fleet(&hung, free_port());
    let started = Instant::now();
    let run = fleet.run(&["diagnose", "--all", "--timeout", "2s", "--format", "json"], &[]);
    let wall = started.elapsed();
    let doc = run.json();
    let targets = by_name(&doc);
    assert_eq!(targets.len(), 4, "{}", run.stdout);
    for live in ["pg", "maria"] {
        let t = &targets[live];
        assert!(
            t["target"]["server_version"].is_string(),
            "{live} did not connect: {t:#}"
        );
        assert_eq!(t["schema_version"], 1);
        assert!(!t["checks"].as_array().unwrap().is_empty());
    }
    // A target down is that target's CRITICAL, told once by its connect check (the failed
    // phase in its summary); its other checks did not run. Never a failed run.
    for (dead, why) in [("refused", "refused"), ("hung", "did not answer")] {
        let t = &targets[dead];
        assert_eq!(t["status"], "critical", "{t:#}");
        for c in t["checks"].as_array().unwrap() {
            let summary = c["summary"].as_str().unwrap();
            if c["check"] == "connect" {
                assert_eq!(c["status"], "critical");
                assert!(summary.contains(why), "{dead}: {c}");
            } else {
                assert_eq!(c["status"], "unknown");
                assert_eq!(summary, "not run: no connection", "{dead}: {c}");
            }
        }
    }
    assert!(hung.accepted() >= 1, "the hung listener was never reached");
    // The exit code is the worst target's (OK < UNKNOWN < WARNING < CRITICAL): CRITICAL here.
    let worst = targets
        .values()
        .map(|t| t["status"].as_str().unwrap().to_string())
        .max_by_key(|s| rank(s))
        .unwrap();
    assert_eq!(doc["status"], worst.as_str());
    assert_eq!(run.code, exit_code(&worst), "{}", run.stderr);
    assert!(run.code != 0);
    // The hung target cost its own deadline, not more; a generous bound (the figure is bench's).
    assert!(wall.as_secs_f64() < 6.0, "a 2 s deadline but the fleet took {wall:?}");
}

/// Six databases on one server that never answers, two at a time (`--server-jobs 2`): the first
/// two are tried together and alone; once they have waited out the connect timeout the server
/// counts as not answering and the other four are tried at once, so the run takes about two
/// deadlines, not three. A second server's target is not held up by the first's queue.
#[test]
fn targets_of_one_server_take_turns_until_it_proves_not_to_answer() {
    let hung = Silent::start();
    let other = Silent::start();
    let mut yaml = String::from("targets:\n");
    for i in 0..6 {
        yaml.push_str(&format!(
            "  - {{name: db{i}, url: 'postgres://postgres@127.0.0.1:{}/db{i}'}}\n",
            hung.port
        ));
    }
    yaml.push_str(&format!(
        "  - {{name: elsewhere, url: 'postgres://postgres@127.0.0.1:{}/postgres'}}\n",
        other.port
    ));
    let fleet = FleetDir::new(&yaml);
    let started = Instant::now();
    let run = fleet.run(
        &[
            "diagnose",
            "--all",
            "--server-jobs",
            "2",
            "--timeout",
            "1s",
            "--format",
            "json",
        ],
        &[],
    );
    let wall = started.elapsed();
    let doc = run.json();
    assert_eq!(by_name(&doc).len(), 7, "{}", run.stdout);
    // Seconds after the first connection, so the binary's own start-up is not counted.
    let first = hung.accepted_at()[0];
    let times: Vec<f64> = hung
        .accepted_at()
        .iter()
        .map(|t| t.duration_since(first).as_secs_f64())
        .collect();
    assert_eq!(times.len(), 6, "each target tried once: {times:?}");
    // The connect timeout is 90% of the 1 s deadline.
    assert!(times[1] < 0.5, "the first two start at once: {times:?}");
    // 0.9 s after the first two, less any lateness of this listener in accepting the first
    // (a loaded machine): "at once" would be 0.
    assert!(times[2] > 0.5, "the third waits for a turn: {times:?}");
    // Two at a time all through would start the fifth and sixth only after two timeouts.
    assert!(times[5] < 1.5, "then the other four start together: {times:?}");
    let elsewhere = other.accepted_at();
    assert_eq!(elsewhere.len(), 1);
    assert!(
        elsewhere[0].saturating_duration_since(first).as_secs_f64() < 0.5,
        "another server's target starts at once"
    );
    assert!(wall.as_secs_f64() < 5.0, "two deadlines and start-up: {wall:?}");
    for t in by_name(&doc).values() {
        assert_eq!(t["status"], "critical", "{t:#}");
    }
}

#[test]
fn a_fleet_in_prometheus_text_labels_every_sample_with_its_target() {
    let hung = Silent::start();
    let fleet = mixed_fleet(&hung, free_port());
    let run = fleet.run(&["diagnose", "--all", "--timeout", "2s", "--format", "prometheus"], &[]);
    assert!((1..=3).contains(&run.code), "{}", run.all());
    let lines = run.stdout.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("valid exposition text");
    let up: BTreeMap<String, f64> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "dbrunbook_up")
        .map(|s| {
            let v = match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
                ref other => panic!("{other:?}"),
            };
            (s.labels.get("target").unwrap().to_string(), v)
        })
        .collect();
    let expected: BTreeMap<String, f64> = [("hung", 0.0), ("maria", 1.0), ("pg", 1.0), ("refused", 0.0)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert_eq!(up, expected, "{}", run.stdout);
    assert!(
        scrape.samples.iter().all(|s| s.labels.get("target").is_some()),
        "a sample without target:\n{}",
        run.stdout
    );
    // One HELP per family, and a family's samples contiguous across the targets.
    let mut seen = std::collections::BTreeSet::new();
    let mut current = String::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            current = rest.split(' ').next().unwrap().to_string();
            assert!(seen.insert(current.clone()), "{current} twice:\n{}", run.stdout);
        } else if !line.starts_with('#') {
            assert_eq!(line.split(['{', ' ']).next().unwrap(), current, "{line}");
        }
    }
}

#[test]
fn a_fleet_in_nagios_format_is_one_line_counting_targets() {
    let hung = Silent::start();
    let fleet = mixed_fleet(&hung, free_port());
    let run = fleet.run(
        &["diagnose", "--tag", "dev", "--timeout", "2s", "--format", "nagios"],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let (text, perf) = run.stdout.trim_end().split_once(" | ").expect("perfdata after ' | '");
    assert_eq!(text, "DBRUNBOOK FLEET CRITICAL - 2 targets: 2 CRITICAL (refused, hung)");
    for item in perf.split(' ') {
        let (label, rest) = item.split_once('=').unwrap();
        assert!(label.starts_with("targets_"), "{item}");
        let value = rest.split(';').next().unwrap();
        assert!(value.parse::<u32>().is_ok(), "{item}");
    }
}

#[test]
fn a_tag_selects_its_targets_and_an_unknown_tag_is_a_usage_error() {
    let hung = Silent::start();
    let fleet = mixed_fleet(&hung, free_port());
    let run = fleet.run(&["diagnose", "--tag", "pg", "--format", "json"], &[]);
    let names: Vec<String> = by_name(&run.json()).into_keys().collect();
    assert_eq!(names, ["pg"]);
    let run = fleet.run(&["diagnose", "--tag", "nope"], &[]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("carries the tag nope") && run.stderr.contains("dev, pg, prod"),
        "{}",
        run.stderr
    );
    assert_eq!(hung.accepted(), 0, "--tag pg must not touch the dev targets");
}

#[test]
fn a_broken_fleet_file_is_unknown_with_the_place_and_the_known_keys() {
    let fleet = FleetDir::new("targets:\n  - name: a\n    url: postgres://h/db\n    tagz: [x]\n");
    let run = fleet.run(&["diagnose", "--all"], &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("dbrunbook.yaml:4:5"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown field `tagz`") && run.stderr.contains("`tags`"),
        "{}",
        run.stderr
    );
    let missing = FleetDir::new("targets: []\n");
    std::fs::remove_file(missing.config()).unwrap();
    let run = missing.run(&["diagnose", "--all"], &[]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("no fleet file") || run.stderr.contains("cannot read"),
        "{}",
        run.stderr
    );
}

/// A throwaway PostgreSQL requiring `SENTINEL` for `postgres`, and a fleet file pointing at it
/// with `url`.
fn password_server() -> ThrowawayPg {
    ThrowawayPg::start(PgOptions {
        password: Some(SENTINEL),
        ..PgOptions::default()
    })
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every format, with and without -v: the sentinel never printed; returns the JSON document.
fn in_every_format_without_the_password(fleet: &FleetDir, env: &[(&str, &str)]) -> serde_json::Value {
    for format in ["table", "nagios", "prometheus", "json"] {
        for verbose in [false, true] {
            let mut args = vec!["diagnose", "--all", "--timeout", "5s", "--format", format];
            if verbose {
                args.push("-v");
            }
            let run = fleet.run(&args, env);
            assert!(
                !run.all().contains(SENTINEL),
                "{args:?} printed the password:\n{}",
                run.all()
            );
        }
    }
    fleet
        .run(&["diagnose", "--all", "--timeout", "5s", "--format", "json"], env)
        .json()
}

#[test]
fn a_pgpass_file_supplies_the_password_and_it_is_never_printed() {
    let pg = password_server();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: secured\n    url: {}\n",
        pg.url("postgres", "postgres")
    ));
    let pgpass = fleet.home().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "# comment\nother:1:*:*:wrong\n127.0.0.1:{}:*:postgres:{SENTINEL}\n",
            pg.port
        ),
    )
    .unwrap();
    set_mode(&pgpass, 0o600);
    let doc = in_every_format_without_the_password(&fleet, &[]);
    let t = &doc["targets"][0];
    assert!(t["target"]["server_version"].is_string(), "not connected: {t:#}");
}

#[test]
fn with_hostaddr_the_pgpass_line_for_the_host_name_supplies_the_password() {
    let pg = password_server();
    // The name resolves nowhere: only hostaddr says where the server is, and libpq matches
    // .pgpass against the name all the same.
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: by-address\n    url: 'host=nosuch.invalid hostaddr=127.0.0.1 port={} user=postgres \
         dbname=postgres'\n",
        pg.port
    ));
    let pgpass = fleet.home().join(".pgpass");
    // The address's line comes first with a wrong password: matched, it would be refused.
    std::fs::write(
        &pgpass,
        format!(
            "127.0.0.1:{port}:*:postgres:wrong-for-the-address\nnosuch.invalid:{port}:*:postgres:{SENTINEL}\n",
            port = pg.port
        ),
    )
    .unwrap();
    set_mode(&pgpass, 0o600);
    let run = fleet.run(&["diagnose", "--all", "--timeout", "5s", "--format", "json", "-v"], &[]);
    assert!(!run.all().contains(SENTINEL), "printed the password:\n{}", run.all());
    let t = &run.json()["targets"][0];
    assert!(t["target"]["server_version"].is_string(), "not connected: {t:#}");
}

#[test]
fn a_world_readable_pgpass_is_refused_as_libpq_does() {
    let pg = password_server();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: secured\n    url: {}\n",
        pg.url("postgres", "postgres")
    ));
    let pgpass = fleet.home().join(".pgpass");
    std::fs::write(&pgpass, format!("*:*:*:*:{SENTINEL}\n")).unwrap();
    set_mode(&pgpass, 0o644);
    let run = fleet.run(&["diagnose", "--all", "--format", "json"], &[]);
    assert!(!run.all().contains(SENTINEL), "{}", run.all());
    assert!(
        run.stderr
            .contains("has group or world access; permissions should be u=rw (0600) or less"),
        "{}",
        run.stderr
    );
    // Refused by the server for want of a password: the connect check's CRITICAL.
    let t = &run.json()["targets"][0];
    assert_eq!(t["status"], "critical", "{t:#}");
    assert!(t["target"]["server_version"].is_null());
    assert_eq!(run.code, 2);
}

#[test]
fn an_env_variable_in_the_url_is_expanded_and_an_unset_one_is_named() {
    let pg = password_server();
    let fleet = FleetDir::new(&format!(
        "targets:\n\
         \x20 - name: from-env\n    url: postgres://postgres:${{FLEET_TEST_PW}}@127.0.0.1:{port}/postgres\n\
         \x20 - name: unset\n    url: postgres://postgres:${{FLEET_TEST_MISSING}}@127.0.0.1:{port}/postgres\n",
        port = pg.port
    ));
    let env = [("FLEET_TEST_PW", SENTINEL)];
    let doc = in_every_format_without_the_password(&fleet, &env);
    let targets = by_name(&doc);
    assert!(
        targets["from-env"]["target"]["server_version"].is_string(),
        "{:#}",
        targets["from-env"]
    );
    assert!(
        targets["from-env"]["target"]["url"]
            .as_str()
            .unwrap()
            .contains("<redacted>")
    );
    let unset = &targets["unset"];
    assert_eq!(unset["status"], "unknown");
    let summary = unset["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("${FLEET_TEST_MISSING}") && summary.contains("not set"),
        "{summary}"
    );
}

/// A password-protected account on the shared MariaDB, dropped on drop.
struct MariaUser(&'static str);

impl MariaUser {
    fn create(name: &'static str) -> MariaUser {
        mariadb(&format!(
            "CREATE OR REPLACE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{SENTINEL}'; \
             CREATE OR REPLACE USER '{name}'@'localhost' IDENTIFIED BY '{SENTINEL}';"
        ));
        MariaUser(name)
    }
}

impl Drop for MariaUser {
    fn drop(&mut self) {
        let sql = format!(
            "DROP USER IF EXISTS '{0}'@'127.0.0.1'; DROP USER IF EXISTS '{0}'@'localhost';",
            self.0
        );
        // A panic here while the test already panics would abort the whole test binary, every
        // other test with it: the clean-up is best effort then.
        if std::thread::panicking() {
            let _ = mariadb_command(&sql).output();
        } else {
            mariadb(&sql);
        }
    }
}

fn mariadb_command(sql: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new("mysql");
    cmd.args(["-h", "127.0.0.1", "-P", "3306", "-u", "root", "-e", sql]);
    cmd
}

fn mariadb(sql: &str) {
    let out = mariadb_command(sql).output().expect("running mysql");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_my_cnf_supplies_the_mysql_password_only_for_its_user() {
    let user = MariaUser::create("dbrunbook_fleet_cnf");
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: cnf\n    url: mysql://{}@127.0.0.1:3306/\n",
        user.0
    ));
    let cnf = fleet.home().join(".my.cnf");
    std::fs::write(&cnf, format!("[mysqld]\nport=1\n[client]\npassword=\"{SENTINEL}\"\n")).unwrap();
    set_mode(&cnf, 0o600);
    let doc = in_every_format_without_the_password(&fleet, &[]);
    assert!(doc["targets"][0]["target"]["server_version"].is_string(), "{doc:#}");
    // A password the file keeps for another account is not sent.
    std::fs::write(&cnf, format!("[client]\nuser=someone_else\npassword={SENTINEL}\n")).unwrap();
    let run = fleet.run(&["diagnose", "--all", "--format", "json"], &[]);
    assert!(!run.all().contains(SENTINEL), "{}", run.all());
    let t = &run.json()["targets"][0];
    assert!(t["target"]["server_version"].is_null(), "{t:#}");
    assert_eq!(t["status"], "critical");
}

#[test]
fn one_targets_slow_local_work_does_not_hold_up_the_others() {
    // A pgBackRest that takes 6 s to answer `info`: the backups check of `slow` waits for it,
    // on a thread of its own; `fast` must finish meanwhile, not when `slow` does.
    let fleet = FleetDir::new(&format!(
        "targets:\n\
         \x20 - name: slow\n    url: {pg}\n    options:\n      backups: {{pgbackrest-stanza: main}}\n\
         \x20 - name: fast\n    url: {pg}\n",
        pg = shared_pg_url(),
    ));
    let bin = fleet.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("pgbackrest");
    std::fs::write(&fake, "#!/bin/sh\nsleep 6\necho '[]'\n").unwrap();
    set_mode(&fake, 0o755);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = fleet.run(
        &[
            "diagnose",
            "--all",
            "--jobs",
            "2",
            "--timeout",
            "15s",
            "--format",
            "json",
        ],
        &[("PATH", &path)],
    );
    let targets = by_name(&run.json());
    let elapsed = |name: &str| targets[name]["elapsed_ms"].as_u64().unwrap();
    assert!(elapsed("slow") >= 5_000, "{}", run.stdout);
    assert!(
        elapsed("fast") < 4_000,
        "fast took {} ms:\n{}",
        elapsed("fast"),
        run.stdout
    );
}

/// A refusal is an answer: targets whose login the server refuses at once keep taking turns,
/// however long their local work (here a pgBackRest that takes 1.5 s) makes each target last.
#[test]
fn a_server_that_refuses_quickly_keeps_its_limit_whatever_the_local_work_takes() {
    let mut yaml = String::from("targets:\n");
    for i in 0..3 {
        yaml.push_str(&format!(
            "  - {{name: t{i}, url: 'postgres://no_such_role_fleet@{}/postgres', \
             options: {{backups: {{pgbackrest-stanza: main}}}}}}\n",
            shared_pg_url().split('@').nth(1).unwrap().split('/').next().unwrap()
        ));
    }
    let fleet = FleetDir::new(&yaml);
    let bin = fleet.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let starts = fleet.home().join("starts");
    let fake = bin.join("pgbackrest");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ndate +%s.%N >> '{}'\nsleep 1.5\necho '[]'\n",
            starts.display()
        ),
    )
    .unwrap();
    set_mode(&fake, 0o755);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = fleet.run(
        &[
            "diagnose",
            "--all",
            "--server-jobs",
            "1",
            "--connect-timeout",
            "1s",
            "--timeout",
            "10s",
            "--format",
            "json",
        ],
        &[("PATH", &path)],
    );
    for t in by_name(&run.json()).values() {
        assert!(t["target"]["server_version"].is_null(), "{t:#}");
    }
    let mut at: Vec<f64> = std::fs::read_to_string(&starts)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    at.sort_by(f64::total_cmp);
    assert_eq!(at.len(), 3, "{}", run.all());
    assert!(
        at[1] - at[0] > 1.2 && at[2] - at[1] > 1.2,
        "one at a time, each after the last: {at:?}"
    );
}

#[test]
fn a_my_cnf_with_include_lines_says_they_are_not_followed() {
    let fleet = FleetDir::new(&format!("targets:\n  - name: maria\n    url: {}\n", shared_mysql_url()));
    let cnf = fleet.home().join(".my.cnf");
    std::fs::write(&cnf, "!includedir /etc/mysql/secrets.d/\n[client]\nuser=root\n").unwrap();
    set_mode(&cnf, 0o600);
    let run = fleet.run(&["diagnose", "--all", "--format", "json"], &[]);
    assert!(
        run.stderr
            .contains("!include/!includedir lines, which dbrunbook does not follow"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_target_by_name_runs_with_its_options_and_a_typo_is_told_the_closest_name() {
    // The shared server may have started minutes ago (a fresh machine): that restart would
    // lead the summary, and it is not this test's subject.
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: orders-prod\n    url: {pg}\n    options:\n      connect: {{expect: replica}}\n\
         \x20   thresholds:\n      connect: {{restarted-within: 0s}}\n\
         \x20 - name: billing\n    url: {pg}\n",
        pg = shared_pg_url()
    ));
    // The connect check of these targets, by name, in this format.
    let connect_of = |names: &[&str], format: &str| {
        let mut args = vec!["diagnose", "--only", "connect", "--format", format];
        for name in names {
            args.extend(["--target", name]);
        }
        fleet.run(&args, &[])
    };
    // The name an alert carries: that target only, with its own options (a replica expected
    // of the primary: WARNING).
    let run = connect_of(&["orders-prod"], "json");
    let targets = by_name(&run.json());
    assert_eq!(targets.keys().collect::<Vec<_>>(), ["orders-prod"], "{}", run.stdout);
    let connect = &targets["orders-prod"]["checks"][0];
    assert_eq!(connect["status"], "warning", "{connect:#}");
    assert!(
        connect["summary"].as_str().unwrap().contains("a replica was expected"),
        "{connect:#}"
    );
    assert_eq!(run.code, 1);
    // The same server without the option, by the other name, in the same run.
    let run = connect_of(&["billing", "orders-prod"], "json");
    let names: Vec<String> = run.json()["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["billing", "orders-prod"]);
    // A Nagios service per target: one target's report is its own plugin line.
    let run = connect_of(&["orders-prod"], "nagios");
    assert!(
        run.stdout
            .starts_with("DBRUNBOOK CONNECT WARNING - a replica was expected"),
        "{}",
        run.stdout
    );
    let run = fleet.run(&["diagnose", "--target", "orders-prd"], &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("no target named 'orders-prd'")
            && run.stderr.contains("did you mean 'orders-prod'?")
            && run.stderr.contains("targets in the file: orders-prod, billing"),
        "{}",
        run.stderr
    );
    let run = fleet.run(&["diagnose", "--target", "billing", "--url", &shared_pg_url()], &[]);
    assert_eq!(
        run.code,
        3,
        "--target and --url together are a usage error: {}",
        run.all()
    );
}

/// The pool check's reads of the server's connection totals, in its statement log.
fn pool_reads(pg: &ThrowawayPg) -> usize {
    pg.log()
        .lines()
        .filter(|l| l.contains(" execute ") && l.contains("Connection limits and usage"))
        .count()
}

/// Three databases of one server read by one role, one by another role, and one with its own
/// thresholds: what is the server's (sessions, locks, replication) is read once per role and
/// statement in the run, and every target still judges it; the other checks run for each.
#[test]
fn server_wide_checks_are_read_once_per_server_and_role_in_a_fleet_run() {
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["log_min_duration_statement=0"],
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE DATABASE app_a",
        "CREATE DATABASE app_b",
        "CREATE ROLE watcher LOGIN",
        "GRANT pg_monitor TO watcher",
    ]);
    let targets = [
        ("a", pg.url("postgres", "postgres")),
        ("b", pg.url("postgres", "app_a")),
        ("c", pg.url("postgres", "app_b")),
        ("other-role", pg.url("watcher", "postgres")),
        ("own-thresholds", pg.url("postgres", "app_a")),
    ];
    // A target with other thresholds asks other statements (the queries check filters by
    // age on the server): it reads for itself.
    let yaml: String = targets
        .iter()
        .map(|(name, url)| {
            let own = if *name == "own-thresholds" {
                "    thresholds:\n      queries: {warning: 10s, critical: 20s}\n"
            } else {
                ""
            };
            format!("  - name: {name}\n    url: '{url}?sslmode=disable'\n{own}")
        })
        .collect();
    let fleet = FleetDir::new(&format!("targets:\n{yaml}"));
    let run = fleet.run(
        &[
            "diagnose",
            "--all",
            "--server-jobs",
            "1",
            "--timeout",
            "20s",
            "--format",
            "json",
        ],
        &[],
    );
    let doc = run.json();
    assert_eq!(
        pool_reads(&pg),
        2,
        "one read as postgres, one as watcher:\n{}",
        pg.log()
    );
    let migrations_reads = pg
        .log()
        .lines()
        .filter(|l| l.contains(" execute ") && l.contains("Tables that may hold migration history"))
        .count();
    assert_eq!(migrations_reads, 5, "each database's own check runs for each target");
    let activity_reads = pg
        .log()
        .lines()
        .filter(|l| l.contains(" execute ") && l.contains("Client sessions with a statement running"))
        .count();
    assert_eq!(
        activity_reads,
        3,
        "postgres, watcher, and the other thresholds:\n{}",
        pg.log()
    );
    for (i, (name, _)) in targets.iter().enumerate() {
        let t = &doc["targets"][i];
        assert_eq!(t["name"], *name);
        for check in ["pool", "queries", "locks", "replication"] {
            let c = t["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["check"] == check)
                .unwrap_or_else(|| panic!("{name}: no {check}"));
            assert_ne!(c["status"], "unknown", "{name}: {c:#}");
            let shared = c["notes"].to_string().contains("read once per server");
            let expected = *name == "b" || *name == "c" || (*name == "own-thresholds" && check != "queries");
            assert_eq!(shared, expected, "{name} {check}: {c:#}");
        }
    }
}
