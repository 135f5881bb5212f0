//! The exported rules in a real Prometheus (Debian's package), scraping a real `dbrunbook serve`
//! exactly as the README configures it, with short scrape and evaluation intervals and `--for 1s`:
//! a target's alert stays firing when the exporter stops (and DbrunbookProbeFailed joins it), an
//! incident that turns from WARNING to CRITICAL never resolves its alert on the way, and the
//! alerts say the numbers and the command to run, never a placeholder.

use std::time::Duration;

use serde_json::Value;

use crate::support::fleet::{Exporter, FleetDir};
use crate::support::prometheus::{Prometheus, find_alert};
use crate::support::*;

/// Longest wait for one state of Prometheus: scrapes every 5s and a loaded machine.
const LIMIT: Duration = Duration::from_secs(180);
/// Prometheus's evaluation interval here, and the step of the `ALERTS` ranges read back.
const STEP: f64 = 1.0;
/// serve's deadlines, inside the 5s scrape timeout: a probe slowed by a loaded machine that ran
/// out of its deadline would report every check UNKNOWN for one scrape, and a firing warning
/// would resolve and fire again.
const SERVE_ARGS: [&str; 4] = ["--timeout", "4500ms", "--connect-timeout", "2s"];

/// prometheus.yml: the README's scrape configs, aimed at this exporter and these targets, every
/// 5s; the rules evaluated every second.
fn config(exporter_port: u16, targets: &str) -> String {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("### `dbrunbook serve`").expect("README's serve section")..];
    let start = section.find("scrape_configs:").expect("README's scrape config");
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let mut scrape = block.to_string();
    for (from, to) in [
        ("scrape_interval: 1m", "scrape_interval: 5s".to_string()),
        ("scrape_timeout: 40s", "scrape_timeout: 5s".to_string()),
        (
            "targets: [orders-prod, billing-replica]",
            format!("targets: [{targets}]"),
        ),
        ("dbrunbook-exporter:9187", format!("127.0.0.1:{exporter_port}")),
    ] {
        assert!(
            scrape.contains(from),
            "the README's scrape config no longer has {from}:\n{block}"
        );
        scrape = scrape.replace(from, &to);
    }
    format!("global:\n  scrape_interval: 5s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n{scrape}")
}

/// The rules as the README exports them, with `for: 1s`.
fn rules() -> String {
    let run = dbrunbook(&["runbooks", "export", "--format", "prometheus-rules", "--for", "1s"]);
    assert_eq!(run.code, 0, "{}", run.all());
    run.stdout
}

/// `serve` on this fleet file, and Prometheus scraping its one target with the exported rules;
/// `None` (the test skipped) without Debian's prometheus package outside CI.
fn watched(fleet: &str, target: &str) -> Option<(Exporter, Prometheus)> {
    let binary = Prometheus::binary()?;
    let exporter = Exporter::start(FleetDir::new(fleet), &SERVE_ARGS);
    let prom = Prometheus::start(&binary, &config(exporter.port, target), &rules());
    Some((exporter, prom))
}

/// The alert's activeAt when it is firing.
fn firing(alerts: &[Value], name: &str, labels: &[(&str, &str)]) -> Option<String> {
    find_alert(alerts, name, labels)
        .filter(|a| a["state"] == "firing")
        .map(|a| a["activeAt"].as_str().unwrap_or_default().to_string())
}

/// Asserts that the alert was present, firing, with the same activeAt at this poll.
fn still_firing(alerts: &[Value], name: &str, labels: &[(&str, &str)], active_at: &str, why: &str) {
    let alert = find_alert(alerts, name, labels)
        .unwrap_or_else(|| panic!("{name} {labels:?} went silent {why}; alerts:\n{alerts:#?}"));
    assert_eq!(alert["state"], "firing", "{why}: {alert:#?}");
    assert_eq!(
        alert["activeAt"], active_at,
        "{name} was reset (resolved and fired again) {why}: {alert:#?}"
    );
}

/// The firing `ALERTS` series of the alert has a sample at every evaluation between `from`
/// and `to`: no stale marker (a resolution) in between.
fn no_gap(prom: &Prometheus, selector: &str, from: f64, to: f64) {
    let query = format!("ALERTS{{{selector},alertstate=\"firing\"}}");
    let series = prom.range(&query, from, to, STEP);
    assert_eq!(series.len(), 1, "{query}: {series:#?}");
    let times = &series[0].1;
    assert!(
        times.first().is_some_and(|t| *t <= from + STEP) && times.last().is_some_and(|t| *t >= to - STEP),
        "{query} does not cover {from}..{to}: {times:?}"
    );
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] <= STEP + 0.001,
            "{query} had a gap at {}: {times:?}",
            pair[0]
        );
    }
}

#[test]
fn a_down_target_stays_firing_when_serve_stops_and_the_probe_failure_fires() {
    // Nothing listens there: the connect check is CRITICAL, connection refused.
    let closed = free_port();
    let fleet = format!("targets:\n  - name: down\n    url: postgres://postgres@127.0.0.1:{closed}/postgres\n");
    let Some((mut exporter, prom)) = watched(&fleet, "down") else {
        return;
    };
    let key = [("target", "down"), ("severity", "critical")];
    let active_at = prom.wait_alerts(
        "the down target's critical DbrunbookConnectionFailed",
        LIMIT,
        |_| {},
        |alerts| firing(alerts, "DbrunbookConnectionFailed", &key),
    );
    let stopped = prom.now();
    let _ = exporter.child.kill();
    let _ = exporter.child.wait();
    let description = prom.wait_alerts(
        "DbrunbookProbeFailed for the down target",
        LIMIT,
        |alerts| {
            still_firing(
                alerts,
                "DbrunbookConnectionFailed",
                &key,
                &active_at,
                "after serve stopped",
            )
        },
        |alerts| {
            firing(alerts, "DbrunbookProbeFailed", &[("target", "down")])?;
            let held = find_alert(alerts, "DbrunbookConnectionFailed", &key)?;
            Some(held["annotations"]["description"].as_str()?.to_string())
        },
    );
    // The target's series are gone (stale): the alert holds on its last status, and says so.
    let now = prom.now();
    let up = prom.api(&format!("/api/v1/query?query=dbrunbook_up&time={now:.3}"));
    assert_eq!(up["result"].as_array().map(Vec::len), Some(0), "{up:#}");
    assert!(description.contains("not being scraped"), "{description}");
    assert!(
        description.contains("dbrunbook diagnose --target 'down'"),
        "{description}"
    );
    no_gap(
        &prom,
        "alertname=\"DbrunbookConnectionFailed\",target=\"down\",severity=\"critical\"",
        stopped,
        now,
    );
}

#[test]
fn an_idle_transaction_that_turns_critical_never_resolves_its_warning() {
    if Prometheus::binary().is_none() {
        return;
    }
    let pg = ThrowawayPg::start(PgOptions::default());
    let url = pg.url("postgres", "postgres");
    // WARNING after 2s idle in the transaction, CRITICAL after 25s; the fresh server's restart
    // is not this test's incident.
    let fleet = format!(
        "targets:\n  - name: orders\n    url: {url}\n    thresholds:\n      \
         queries: {{idle-warning: 2s, idle-critical: 25s}}\n      connect: {{restarted-within: 1ms}}\n"
    );
    let Some((_exporter, prom)) = watched(&fleet, "orders") else {
        return;
    };
    let mut held = Held::new();
    held.pg(&url, 1, "BEGIN; SELECT 1");
    let warning = [("target", "orders"), ("severity", "warning")];
    let active_at = prom.wait_alerts(
        "the warning DbrunbookIdleInTransaction",
        LIMIT,
        |_| {},
        |alerts| firing(alerts, "DbrunbookIdleInTransaction", &warning),
    );
    let warned = prom.now();
    let critical = prom.wait_alerts(
        "the critical DbrunbookIdleInTransaction",
        LIMIT,
        |alerts| {
            still_firing(
                alerts,
                "DbrunbookIdleInTransaction",
                &warning,
                &active_at,
                "on the way to critical",
            )
        },
        |alerts| {
            firing(
                alerts,
                "DbrunbookIdleInTransaction",
                &[("target", "orders"), ("severity", "critical")],
            )?;
            find_alert(alerts, "DbrunbookIdleInTransaction", &[("severity", "critical")]).cloned()
        },
    );
    let now = prom.now();
    no_gap(
        &prom,
        "alertname=\"DbrunbookIdleInTransaction\",target=\"orders\",severity=\"warning\"",
        warned,
        now,
    );
    // What the page says: the status, the check's numbers by name, the command for this target.
    let description = critical["annotations"]["description"].as_str().unwrap_or_default();
    assert!(description.contains("is CRITICAL"), "{description}");
    assert!(
        description.contains("longest_idle_in_transaction_seconds "),
        "{description}"
    );
    assert!(description.contains("long_idle_in_transaction 1;"), "{description}");
    assert!(
        description.contains("dbrunbook diagnose --target 'orders'"),
        "{description}"
    );
    assert!(!description.contains("URL"), "{description}");
}
