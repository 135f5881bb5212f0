//! Every output format parsed back by what consumes it: JSON by serde, the Prometheus text by a
//! parser and the exposition rules, the Nagios line by the monitoring-plugin grammar.

use crate::support::*;

/// The labels of one sample line, strictly: `name="value"` pairs separated by commas, values
/// escaped only as `\\`, `\"` and `\n`. (prometheus-parse splits labels on every `,` and
/// `=`, so it cannot read a URL in a label value; this can.)
fn sample_labels(line: &str) -> std::collections::BTreeMap<String, String> {
    let mut labels = std::collections::BTreeMap::new();
    let Some(open) = line.find('{') else {
        return labels;
    };
    let mut chars = line[open + 1..].chars();
    loop {
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if name.is_empty() {
            break;
        }
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "label name {name:?}: {line}"
        );
        assert_eq!(chars.next(), Some('"'), "{line}");
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('\\') => match chars.next() {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some('"') => break,
                Some('\n') | None => panic!("unterminated label value: {line}"),
                Some(c) => value.push(c),
            }
        }
        labels.insert(name, value);
        match chars.next() {
            Some(',') => continue,
            Some('}') => break,
            other => panic!("after a label {other:?}: {line}"),
        }
    }
    labels
}

/// HELP and TYPE once per family, before its samples; a family's samples together; plain
/// decimals; every sample labelled with the target, every check metric with its check too.
fn check_exposition(text: &str) {
    let mut seen = std::collections::BTreeSet::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_string();
            assert!(seen.insert(name.clone()), "family {name} appears twice:\n{text}");
            current = name;
        } else if line.starts_with("# TYPE ") {
            assert!(line.starts_with(&format!("# TYPE {current} ")), "{line}");
            let kind = line.rsplit(' ').next().unwrap();
            assert!(
                kind == "gauge" || (kind == "counter" && current.ends_with("_total")),
                "{line}"
            );
        } else {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(name, current, "a sample outside its family: {line}");
            let value = line.rsplit(' ').next().unwrap();
            assert!(!value.contains(['e', 'E']), "scientific notation: {line}");
            let labels = sample_labels(line);
            assert!(labels.contains_key("target"), "{line}");
            let whole_run = ["dbrunbook_up", "dbrunbook_run_duration_seconds"];
            assert_eq!(labels.contains_key("check"), !whole_run.contains(&name), "{line}");
        }
    }
}

/// `promtool check metrics` on the text, when Debian's prometheus package is installed.
fn promtool_check(args: &[&str], input: &str) {
    let Some(promtool) = optional_program("promtool", "prometheus") else {
        return;
    };
    let mut child = std::process::Command::new(promtool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool {args:?}: {said}\n{input}"
    );
}

#[test]
fn prometheus_text_parses_and_keeps_families_together_on_both_engines() {
    let checks: Vec<String> = dbrunbook::checks::CHECKS
        .iter()
        .map(|c| c.spec().name.to_string())
        .collect();
    for url in [shared_pg_url(), shared_mysql_url()] {
        let run = dbrunbook(&["diagnose", "--url", &url, "--format", "prometheus"]);
        // WARNING only from connect, for a server started minutes ago (tests/check_all.rs).
        assert!(matches!(run.code, 0 | 1), "{}", run.all());
        let lines = run.stdout.lines().map(|l| Ok(l.to_string()));
        let scrape = prometheus_parse::Scrape::parse(lines).expect("valid exposition text");
        let status: Vec<_> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "dbrunbook_check_status")
            .collect();
        assert_eq!(status.len(), checks.len(), "{}", run.stdout);
        for line in run.stdout.lines().filter(|l| l.starts_with("dbrunbook_check_status{")) {
            let labels = sample_labels(line);
            assert!(labels["target"].contains("127.0.0.1"), "{line}");
            assert!(checks.contains(&labels["check"]), "{line}");
        }
        let up = scrape.samples.iter().find(|s| s.metric == "dbrunbook_up").unwrap();
        assert_eq!(up.value, prometheus_parse::Value::Gauge(1.0));
        assert!(
            scrape
                .samples
                .iter()
                .any(|s| s.metric == "dbrunbook_run_duration_seconds")
        );
        check_exposition(&run.stdout);
        promtool_check(&["check", "metrics"], &run.stdout);
    }
}

#[test]
fn prometheus_text_for_a_refused_target_says_down_and_unknown_with_its_runbook() {
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let run = dbrunbook(&["diagnose", "--url", &url, "--format", "prometheus"]);
    // The connect check is CRITICAL with the connection-failed runbook; the others could not run.
    assert_eq!(run.code, 2, "{}", run.all());
    let scrape = prometheus_parse::Scrape::parse(run.stdout.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |metric: &str| {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == metric)
            .map(|s| s.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(value("dbrunbook_up"), [prometheus_parse::Value::Gauge(0.0)]);
    for line in run.stdout.lines().filter(|l| l.starts_with("dbrunbook_check_status{")) {
        let expected = if sample_labels(line)["check"] == "connect" {
            "2"
        } else {
            "3"
        };
        assert!(line.ends_with(&format!("}} {expected}")), "{}", run.stdout);
    }
    assert!(
        run.stdout
            .contains("check=\"connect\",runbook=\"connection-failed\"} 1"),
        "{}",
        run.stdout
    );
    check_exposition(&run.stdout);
    promtool_check(&["check", "metrics"], &run.stdout);
}

/// A plain decimal as the guidelines allow it: `-?[0-9]+(.[0-9]+)?`, no exponent.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A threshold range: `[@][start:][end]`, start may be `~`.
fn is_range(s: &str) -> bool {
    let s = s.strip_prefix('@').unwrap_or(s);
    match s.split_once(':') {
        None => is_decimal(s),
        Some((start, end)) => {
            (start.is_empty() || start == "~" || is_decimal(start)) && (end.is_empty() || is_decimal(end))
        }
    }
}

/// One perfdata item `'label'=value[UOM];[warn];[crit];[min];[max]`, strictly per the
/// monitoring-plugins development guidelines; the error says what is wrong.
fn check_perf_item(label: &str, quoted: bool, data: &str) -> Result<(), String> {
    if label.is_empty() || label.contains(['=', '\'']) {
        return Err(format!("bad label {label:?}"));
    }
    if label.contains(' ') && !quoted {
        return Err(format!("label with a space must be quoted: {label:?}"));
    }
    let fields: Vec<&str> = data.split(';').collect();
    if fields.len() > 5 {
        return Err(format!("more than five fields: {data}"));
    }
    let value = fields[0];
    if value != "U" {
        let number_end = value
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(value.len());
        let (number, uom) = value.split_at(number_end);
        if !is_decimal(number) {
            return Err(format!("value {value:?} is not a plain decimal"));
        }
        if !["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"].contains(&uom) {
            return Err(format!("unit {uom:?} is not one the guidelines allow"));
        }
    }
    for (i, f) in fields.iter().enumerate().skip(1) {
        let ok = f.is_empty() || if i <= 2 { is_range(f) } else { is_decimal(f) };
        if !ok {
            return Err(format!("field {i} {f:?} of {data}"));
        }
    }
    Ok(())
}

/// The whole plugin output: one line, `SERVICE STATUS - text | perfdata`, with the status the
/// exit code says.
fn check_plugin_output(stdout: &str, code: i32) -> Result<usize, String> {
    let all = stdout.strip_suffix('\n').ok_or("no final newline")?;
    // The plugin's long output after the first line: text only, no more perfdata here.
    let (line, long) = all.split_once('\n').unwrap_or((all, ""));
    if long.contains('|') {
        return Err("a '|' in the long output".into());
    }
    let (text, perf) = line.split_once(" | ").unwrap_or((line, ""));
    if text.contains('|') {
        return Err("a '|' in the text part".into());
    }
    let (head, _) = text.split_once(" - ").ok_or("no ' - ' after the status")?;
    let status = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code as usize];
    if !(head.starts_with("DBRUNBOOK") && head.ends_with(&format!(" {status}"))) {
        return Err(format!("{head:?} does not end with the exit code's status {status}"));
    }
    let mut rest = perf;
    let mut items = 0;
    while !rest.is_empty() {
        let (label, quoted, after) = if let Some(r) = rest.strip_prefix('\'') {
            let (label, after) = r.split_once("'=").ok_or("unterminated quoted label")?;
            (label, true, after)
        } else {
            let (label, after) = rest.split_once('=').ok_or(format!("no '=' in {rest:?}"))?;
            if label.contains(' ') {
                return Err(format!("label with a space must be quoted: {label:?}"));
            }
            (label, false, after)
        };
        let (data, next) = after.split_once(' ').unwrap_or((after, ""));
        check_perf_item(label, quoted, data)?;
        items += 1;
        rest = next;
    }
    Ok(items)
}

#[test]
fn nagios_grammar_checker_refuses_what_the_guidelines_refuse() {
    for bad in [
        "DBRUNBOOK OK - x | a=1e5\n",
        "DBRUNBOOK OK - x | a=1;2;3;4;5;6\n",
        "DBRUNBOOK OK - x | a=1bytes\n",
        "DBRUNBOOK OK - x | a b=1\n",
        "DBRUNBOOK OK - x | 'a'b'=1\n",
        "DBRUNBOOK OK - x | a=NaN\n",
        "DBRUNBOOK WARNING - x | a=1\n",
        "DBRUNBOOK OK - x | a=1;;;1%\n",
        "DBRUNBOOK OK - x\nlong output | with perfdata\n",
    ] {
        assert!(check_plugin_output(bad, 0).is_err(), "accepted {bad:?}");
    }
    for good in [
        "DBRUNBOOK OK - x | a=1 'b c'=2.5%;80;95;0;100 d=U e=3c;;@1: f=0s;10:;~:20\n",
        "DBRUNBOOK OK - x\n",
        "DBRUNBOOK OK - x | a=1\npool OK: fine\n  pool states: state=idle, connections=3\n",
    ] {
        assert!(
            check_plugin_output(good, 0).is_ok(),
            "{good:?}: {:?}",
            check_plugin_output(good, 0)
        );
    }
}

#[test]
fn nagios_line_follows_the_plugin_grammar_for_every_check_on_both_engines() {
    let mut commands: Vec<&str> = vec!["diagnose"];
    commands.extend(dbrunbook::checks::CHECKS.iter().map(|c| c.spec().name));
    for url in [shared_pg_url(), shared_mysql_url()] {
        for command in &commands {
            let run = dbrunbook(&[command, "--url", &url, "--format", "nagios"]);
            let items = check_plugin_output(&run.stdout, run.code)
                .unwrap_or_else(|e| panic!("{command} on {url}: {e}\n{}", run.all()));
            // diagnose: the first line, then a line per check (findings indented below).
            let per_check = run.stdout.lines().skip(1).filter(|l| !l.starts_with("  ")).count();
            let expected = if *command == "diagnose" { commands.len() - 1 } else { 0 };
            assert_eq!(per_check, expected, "{command} on {url}:\n{}", run.stdout);
            // A check that could not see (slow without statement statistics) has no figures.
            assert!(
                items > 0 || run.code == 3,
                "{command} on {url}: no perfdata\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn pgbouncer_console_gives_a_plugin_line_and_metrics_promtool_accepts() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 2, 20) else {
        return;
    };
    for command in ["pool", "diagnose"] {
        let run = dbrunbook(&[command, "--url", &bouncer.admin_url(), "--format", "nagios"]);
        let items =
            check_plugin_output(&run.stdout, run.code).unwrap_or_else(|e| panic!("{command}: {e}\n{}", run.all()));
        assert!(items > 0, "{}", run.stdout);
    }
    let run = dbrunbook(&["diagnose", "--url", &bouncer.admin_url(), "--format", "prometheus"]);
    // The other checks cannot run on the console: UNKNOWN, and still a valid exposition.
    assert_eq!(run.code, 3, "{}", run.all());
    check_exposition(&run.stdout);
    promtool_check(&["check", "metrics"], &run.stdout);
    assert!(run.stdout.contains("check=\"pool\"} 0\n"), "{}", run.stdout);
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
    // The shared server may be under ten minutes old (a fresh CI machine): its restart is not
    // what this test is about, and its WARNING would outrank the UNKNOWN.
    let rb = started_just_now();
    let run = dbrunbook(&["diagnose", "--url", &url, "--color", "never", &rb[0], &rb[1]]);
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
        lines[3].split_whitespace().take(2).collect::<Vec<_>>(),
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

/// A rules file as Prometheus reads it: groups → rules → alert, expr, for, labels, annotations.
fn check_rule_schema(yaml: &str) -> Vec<serde_json::Value> {
    let file: serde_json::Value = serde_norway::from_str(yaml).expect("the rules file is YAML");
    let groups = file["groups"].as_array().expect("groups");
    assert_eq!(file.as_object().unwrap().len(), 1, "only groups at the top: {file:#}");
    let mut rules = Vec::new();
    for group in groups {
        assert!(group["name"].is_string(), "{group:#}");
        for rule in group["rules"].as_array().expect("rules") {
            let alert = rule["alert"].as_str().expect("alert");
            assert!(
                alert.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !alert.starts_with(|c: char| c.is_ascii_digit()),
                "alert name {alert:?}"
            );
            // Every runbook's rules read the checks' statuses; the probe failure reads `up`.
            let reads = if alert == "DbrunbookProbeFailed" {
                "up{job="
            } else {
                "dbrunbook_check_status"
            };
            assert!(rule["expr"].as_str().is_some_and(|e| e.contains(reads)), "{rule:#}");
            let for_ = rule["for"].as_str().expect("for");
            assert!(
                for_.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse::<u64>()
                    .is_ok(),
                "for: {for_}"
            );
            for (key, value) in rule["labels"]
                .as_object()
                .unwrap()
                .iter()
                .chain(rule["annotations"].as_object().unwrap())
            {
                assert!(value.is_string(), "{key}: {value}");
            }
            for key in ["summary", "description"] {
                assert!(rule["annotations"][key].is_string(), "{key}: {rule:#}");
            }
            let known = ["alert", "expr", "for", "labels", "annotations"];
            assert!(
                rule.as_object().unwrap().keys().all(|k| known.contains(&k.as_str())),
                "{rule:#}"
            );
            rules.push(rule.clone());
        }
    }
    rules
}

#[test]
fn prometheus_rules_have_one_alert_per_runbook_linked_to_its_page() {
    // A user runbook with text that would be a Go template or break YAML quoting.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("odd.yaml"),
        "id: odd-one\ntitle: \"It's {{ $labels.secret }} \\\"quoted\\\"\"\ncheck: locks\nengines: [postgres]\n\
         statuses: [unknown]\nsymptoms: [\"{{top_user}} waits\"]\nremediation:\n  immediate:\n    - text: x\n",
    )
    .unwrap();
    let run = dbrunbook(&[
        "runbooks",
        "export",
        "--format",
        "prometheus-rules",
        "--runbook-url",
        "https://wiki.example.com/runbooks/{id}",
        "--for",
        "3m",
        "--runbooks",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let rules = check_rule_schema(&run.stdout);
    let list = dbrunbook(&[
        "runbooks",
        "list",
        "--format",
        "json",
        "--runbooks",
        dir.path().to_str().unwrap(),
    ])
    .json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // One alert name per runbook, one rule per severity it can have (DbrunbookProbeFailed
    // carries the probe-failed runbook).
    let mut named: Vec<&str> = rules.iter().map(|r| r["labels"]["runbook"].as_str().unwrap()).collect();
    named.sort_unstable();
    named.dedup();
    let mut ids = ids;
    ids.sort_unstable();
    assert_eq!(named, ids, "every runbook's rules:\n{}", run.stdout);
    for rule in &rules {
        let id = rule["labels"]["runbook"].as_str().unwrap();
        let same: Vec<&serde_json::Value> = rules.iter().filter(|r| r["labels"]["runbook"] == id).collect();
        assert!(
            same.iter().all(|r| r["alert"] == rule["alert"]),
            "one alert name for {id}"
        );
        let severities: Vec<&str> = same.iter().map(|r| r["labels"]["severity"].as_str().unwrap()).collect();
        let mut unique = severities.clone();
        unique.dedup();
        assert_eq!(unique, severities, "one rule per severity of {id}");
        assert_eq!(
            rule["annotations"]["runbook_url"],
            format!("https://wiki.example.com/runbooks/{id}")
        );
        assert_eq!(rule["for"], "3m");
    }
    let odd = rules.iter().find(|r| r["labels"]["runbook"] == "odd-one").unwrap();
    assert_eq!(odd["labels"]["severity"], "unknown");
    assert!(odd["expr"].as_str().unwrap().contains("== 3)"), "{odd:#}");
    assert!(
        odd["annotations"]["summary"]
            .as_str()
            .unwrap()
            .contains("It's {{ \"{{\" }} $labels.secret }}"),
        "runbook text stays literal: {odd:#}"
    );
    let file = dir.path().join("rules.yml");
    std::fs::write(&file, &run.stdout).unwrap();
    if let Some(promtool) = optional_program("promtool", "prometheus") {
        let out = std::process::Command::new(promtool)
            .args(["check", "rules"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let run = dbrunbook(&[
        "runbooks",
        "export",
        "--format",
        "prometheus-rules",
        "--runbook-url",
        "https://wiki/x",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("{id}"), "{}", run.stderr);
}

#[test]
fn full_server_fires_the_pool_exhaustion_alert_in_promtool() {
    let Some(promtool) = optional_program("promtool", "prometheus") else {
        return;
    };
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 5,
        superuser_reserved: 2,
        ..Default::default()
    });
    pg.psql(&["CREATE ROLE filler LOGIN"]);
    let mut held = Held::new();
    held.pg(&pg.keyvalue("filler", "postgres"), 3, "");
    let metrics = dbrunbook(&[
        "diagnose",
        "--url",
        &pg.url("filler", "postgres"),
        "--format",
        "prometheus",
    ]);
    assert_eq!(metrics.code, 2, "{}", metrics.all());
    let rules = dbrunbook(&["runbooks", "export", "--format", "prometheus-rules"]);
    assert_eq!(rules.code, 0, "{}", rules.all());
    // Every sample of the real run, held for 20 minutes.
    let series: Vec<serde_json::Value> = metrics
        .stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            serde_json::json!({"series": series, "values": format!("{value}x20")})
        })
        .collect();
    let target =
        sample_labels(metrics.stdout.lines().find(|l| l.starts_with("dbrunbook_up")).unwrap())["target"].clone();
    assert!(target.contains(&pg.port.to_string()));
    let alert = |name: &str, expected: serde_json::Value| serde_json::json!({"eval_time": "10m", "alertname": name, "exp_alerts": expected});
    let test = serde_json::json!({
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [
                // The connect check tells the refusal, with the pool-exhaustion runbook.
                // Its warning rule holds for CRITICAL too (an escalation does not resolve it),
                // beside the critical one.
                alert("DbrunbookPoolExhaustion", serde_json::json!([{"exp_labels": {
                    "severity": "warning", "runbook": "pool-exhaustion", "check": "connect", "target": target
                }}, {"exp_labels": {
                    "severity": "critical", "runbook": "pool-exhaustion", "check": "connect", "target": target
                }}])),
                // Pool is CRITICAL too, but the runbook is shown once: no alert of its own.
                alert("DbrunbookLockContention", serde_json::json!([])),
                alert("DbrunbookLongRunningQueries", serde_json::json!([])),
            ],
        }, {
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [alert_before_for()],
        }],
    });
    promtool_test_rules(&promtool, &rules.stdout, &test, &metrics.stdout);
}

/// `promtool test rules` of `test` (its `rule_files: [rules.yml]`) on the exported `rules`
/// without their annotations: promtool's unit tests compare annotations too, and these tests are
/// about expr, for and labels (`promtool check rules` validates the annotation templates).
fn promtool_test_rules(promtool: &std::path::Path, rules: &str, test: &serde_json::Value, context: &str) {
    let mut file: serde_json::Value = serde_norway::from_str(rules).unwrap();
    for rule in file["groups"][0]["rules"].as_array_mut().unwrap() {
        rule.as_object_mut().unwrap().remove("annotations");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), serde_norway::to_string(&file).unwrap()).unwrap();
    std::fs::write(dir.path().join("test.yml"), serde_norway::to_string(test).unwrap()).unwrap();
    let out = std::process::Command::new(promtool)
        .args(["test", "rules", "test.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}\n{context}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Before `for:` (5m) has passed, nothing fires.
fn alert_before_for() -> serde_json::Value {
    serde_json::json!({"eval_time": "3m", "alertname": "DbrunbookPoolExhaustion", "exp_alerts": []})
}

/// Files in `dir` other than `keep`: a leftover temporary file would be one.
fn others_in(dir: &std::path::Path, keep: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect()
}

#[test]
fn output_file_keeps_the_last_complete_report_and_marks_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dbrunbook.prom");
    let path = file.to_str().unwrap();
    let url = shared_pg_url();
    let good = dbrunbook(&[
        "diagnose",
        "--url",
        &url,
        "--only",
        "pool",
        "--format",
        "prometheus",
        "--output",
        path,
    ]);
    assert!(good.code <= 2, "{}", good.all());
    assert!(good.stdout.is_empty(), "the report went to the file: {}", good.stdout);
    let numbers = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.contains("dbrunbook_last_run_"))
            .map(String::from)
            .collect()
    };
    let written = std::fs::read_to_string(&file).unwrap();
    check_exposition(&numbers(&written).join("\n"));
    promtool_check(&["check", "metrics"], &written);
    assert!(written.contains("\ndbrunbook_last_run_success 1\n"), "{written}");
    assert!(written.contains("dbrunbook_up{"), "{written}");
    // A run that produces no report (a fleet file that is not there): the numbers stay, marked
    // as the last complete run's, and the file is still one promtool accepts.
    let failed = dbrunbook(&[
        "diagnose",
        "--all",
        "--config",
        "/nonexistent/dbrunbook.yaml",
        "--format",
        "prometheus",
        "--output",
        path,
    ]);
    assert_eq!(failed.code, 3, "{}", failed.all());
    let marked = std::fs::read_to_string(&file).unwrap();
    promtool_check(&["check", "metrics"], &marked);
    assert!(marked.contains("\ndbrunbook_last_run_success 0\n"), "{marked}");
    let samples = marked
        .lines()
        .filter(|l| l.starts_with("dbrunbook_last_run_success "))
        .count();
    assert_eq!(samples, 1, "{marked}");
    assert_eq!(
        numbers(&marked),
        numbers(&written),
        "the old numbers are kept as they were"
    );
    // A usage error, too, marks the file rather than emptying it.
    let usage = dbrunbook(&["diagnose", "--tga", "x", "--format", "prometheus", "--output", path]);
    assert_eq!(usage.code, 3, "{}", usage.all());
    assert_eq!(numbers(&std::fs::read_to_string(&file).unwrap()), numbers(&written));
    assert_eq!(
        others_in(dir.path(), "dbrunbook.prom"),
        Vec::<String>::new(),
        "no temporary file left"
    );
}

#[test]
fn a_run_killed_before_its_report_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dbrunbook.json");
    std::fs::write(&file, "{\"old\": true}\n").unwrap();
    // A server that accepts and never answers: the run waits there until it is killed.
    let hung = crate::support::fleet::Silent::start();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "diagnose",
            "--url",
            &format!("postgres://postgres@127.0.0.1:{}/postgres", hung.port),
        ])
        .args([
            "--timeout",
            "300s",
            "--connect-timeout",
            "300s",
            "--format",
            "json",
            "--output",
        ])
        .arg(&file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while hung.accepted() == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the run never connected"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"old\": true}\n");
    assert_eq!(others_in(dir.path(), "dbrunbook.json"), Vec::<String>::new());
}

#[test]
fn a_usage_error_still_says_unknown_in_the_format_asked_for() {
    let run = dbrunbook(&["diagnose", "--tga", "x", "--format", "nagios"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert_eq!(run.stdout, "DBRUNBOOK UNKNOWN - unexpected argument '--tga' found\n");
    check_plugin_output(&run.stdout, run.code).unwrap();
    let run = dbrunbook(&["diagnose", "--format=json", "--tga", "x"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let doc = run.json();
    assert_eq!(
        (doc["status"].as_str(), doc["exit_code"].as_u64()),
        (Some("unknown"), Some(3)),
        "{doc:#}"
    );
    assert!(doc["error"].as_str().unwrap().contains("--tga"), "{doc:#}");
    let run = dbrunbook(&["diagnose", "--tga", "x", "--format", "prometheus"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stdout.contains("\ndbrunbook_last_run_success 0\n"),
        "{}",
        run.stdout
    );
    promtool_check(&["check", "metrics"], &run.stdout);
    // Bad input found after parsing (a fleet target that is not in the file), in Nagios words.
    let fleet = crate::support::fleet::FleetDir::new("targets:\n  - {name: orders, url: 'postgres://h/db'}\n");
    let run = fleet.run(&["diagnose", "--target", "ordrs", "--format", "nagios"], &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stdout.starts_with("DBRUNBOOK UNKNOWN - no target named 'ordrs'"),
        "{}",
        run.stdout
    );
    // The table says it on stderr only.
    let run = dbrunbook(&["diagnose", "--tga", "x"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.all());
}

#[test]
fn probe_failed_fires_for_an_emptied_textfile_and_a_failed_run_in_promtool() {
    let Some(promtool) = optional_program("promtool", "prometheus") else {
        return;
    };
    let rules = dbrunbook(&["runbooks", "export", "--format", "prometheus-rules", "--for", "1m"]);
    assert_eq!(rules.code, 0, "{}", rules.all());
    let failed = |labels: serde_json::Value| {
        let mut labels = labels;
        labels["severity"] = "critical".into();
        labels["runbook"] = "probe-failed".into();
        serde_json::json!({"exp_labels": labels})
    };
    // node_exporter on host a scrapes fine, but its textfile stopped bringing the target
    // `orders` after 5m (emptied); on host b the cron run keeps failing.
    let test = serde_json::json!({
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": "up{job=\"node\",instance=\"a\"}", "values": "1x30"},
                {"series": "dbrunbook_up{job=\"node\",instance=\"a\",target=\"orders\"}", "values": "1x5 _x25"},
                {"series": "up{job=\"node\",instance=\"b\"}", "values": "1x30"},
                {"series": "dbrunbook_last_run_success{job=\"node\",instance=\"b\"}", "values": "0x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "DbrunbookProbeFailed", "exp_alerts": [
                    failed(serde_json::json!({"job": "node", "instance": "b"})),
                ]},
                {"eval_time": "20m", "alertname": "DbrunbookProbeFailed", "exp_alerts": [
                    failed(serde_json::json!({"job": "node", "instance": "a", "target": "orders"})),
                    failed(serde_json::json!({"job": "node", "instance": "b"})),
                ]},
            ],
        }],
    });
    promtool_test_rules(&promtool, &rules.stdout, &test, "");
}
