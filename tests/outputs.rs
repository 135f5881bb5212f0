//! Every output format parsed back by what consumes it: JSON by serde, the Prometheus text by a
//! parser and the exposition rules, the Nagios line by the monitoring-plugin grammar.

mod support;

use support::*;

#[test]
fn prometheus_text_parses_and_keeps_families_together() {
    let run = dbrunbook(&["diagnose", "--url", &shared_pg_url(), "--format", "prometheus"]);
    // UNKNOWN only from slow: the shared server keeps no statement statistics (tests/slow.rs).
    assert!(run.code == 0 || run.code == 3, "{}", run.all());
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
    for sample in &status {
        let check = sample.labels.get("check").unwrap_or_default();
        let ok = matches!(sample.value, prometheus_parse::Value::Gauge(v) if v == 0.0);
        assert!(ok || check == "slow", "{check} is not OK:\n{}", run.stdout);
    }
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
    // UNKNOWN only from slow: the shared server keeps no statement statistics (tests/slow.rs).
    let blind_slow = text.contains("slow UNKNOWN: pg_stat_statements is not installed");
    assert!(
        text.starts_with("DBRUNBOOK OK - ") || (blind_slow && text.starts_with("DBRUNBOOK UNKNOWN - ")),
        "{text}"
    );
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
