//! Every output format parsed back by what consumes it: JSON by serde, the Prometheus text by a
//! parser and the exposition rules, the Nagios line by the monitoring-plugin grammar.

mod support;

use support::*;

#[test]
fn prometheus_text_parses_and_keeps_families_together() {
    let run = dbrunbook(&["diagnose", "--url", &shared_pg_url(), "--format", "prometheus"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let lines = run.stdout.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("valid exposition text");
    let status: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "dbrunbook_check_status")
        .collect();
    let checks: Vec<String> = dbrunbook::checks::CHECKS
        .iter()
        .map(|c| c.spec().name.to_string())
        .collect();
    assert_eq!(status.len(), checks.len(), "{}", run.stdout);
    assert!(scrape.samples.iter().any(|s| s.metric == "dbrunbook_up"));
    // HELP and TYPE once per family, before its samples; a family's samples together.
    let mut seen = std::collections::BTreeSet::new();
    let mut current = String::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_string();
            assert!(
                seen.insert(name.clone()),
                "family {name} appears twice:\n{}",
                run.stdout
            );
            current = name;
        } else if line.starts_with("# TYPE ") {
            assert!(line.starts_with(&format!("# TYPE {current} ")), "{line}");
        } else {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(name, current, "a sample outside its family: {line}");
            let value = line.rsplit(' ').next().unwrap();
            assert!(!value.contains('e'), "scientific notation: {line}");
        }
    }
}

#[test]
fn nagios_line_follows_the_plugin_grammar() {
    let run = dbrunbook(&["diagnose", "--url", &shared_pg_url(), "--format", "nagios"]);
    let line = run.stdout.trim_end();
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let (text, perf) = line.split_once(" | ").expect("perfdata after ' | '");
    assert!(text.starts_with("DBRUNBOOK OK - "), "{text}");
    for item in perf.split(' ') {
        let (label, data) = item.split_once('=').unwrap_or_else(|| panic!("no '=' in {item}"));
        assert!(!label.contains('\'') && !label.contains('='), "{item}");
        let value = data.split(';').next().unwrap();
        let number = value.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
        assert!(number.parse::<f64>().is_ok() && !number.contains('e'), "{item}");
    }
}

#[test]
fn only_narrows_diagnose_to_the_checks_named() {
    let r = dbrunbook(&[
        "diagnose",
        "--only",
        "locks",
        "--url",
        &shared_mysql_url(),
        "--format",
        "json",
    ])
    .json();
    let names: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["locks"]);
    let run = dbrunbook(&["diagnose", "--only", "vibes"]);
    assert_eq!(run.code, 3, "{}", run.all());
}

#[test]
fn diagnose_by_an_unprivileged_user_fits_a_screen_with_the_grant_below() {
    // A role without pg_monitor on the shared server, and one session of another user it cannot
    // see: the queries check is UNKNOWN with the GRANT, pool stays OK on its one line.
    let admin = shared_pg_url();
    let mut held = Held::new();
    held.pg(
        &admin,
        1,
        "DO $$ BEGIN CREATE ROLE outputs_nomon LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    );
    let url = admin.replacen("postgres@", "outputs_nomon@", 1);
    let run = dbrunbook(&["diagnose", "--url", &url, "--color", "never"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let out = &run.stdout;
    let lines: Vec<&str> = out.lines().collect();
    let checks = dbrunbook::checks::CHECKS.len();
    // Header, blank, one line per check in the fixed order, then the overall line.
    for (line, check) in lines[2..2 + checks].iter().zip(dbrunbook::checks::CHECKS) {
        let name = check.spec().name;
        let words: Vec<&str> = line.split_whitespace().collect();
        assert!(
            ["OK", "WARNING", "CRITICAL", "UNKNOWN"].contains(&words[0]) && words[1] == name,
            "status line for {name}: {line}\n{out}"
        );
    }
    assert_eq!(
        lines[2].split_whitespace().take(2).collect::<Vec<_>>(),
        ["OK", "pool"],
        "{out}"
    );
    assert!(lines[2 + checks].starts_with("Overall: UNKNOWN in "), "{out}");
    let details = lines[3 + checks..].join("\n");
    assert!(
        details.contains("UNKNOWN queries: cannot vouch") && details.contains("GRANT pg_monitor TO \"outputs_nomon\";"),
        "{out}"
    );
    // OK checks take their one line: no metrics table for pool below.
    assert!(!details.contains("max_connections"), "{out}");
}
