//! The monitoring-plugin renderer: `DBRUNBOOK POOL WARNING - summary | perfdata`, as Nagios,
//! Icinga and Sensu expect it. One check is that one line; several (`diagnose`) are a short first
//! line naming the checks not OK, with all the perfdata, then the plugin's long output: a line per
//! check with its summary, and a line per finding of the checks not OK. A fleet gets one line
//! counting targets per status; a fleet of one target (`--target NAME`) is that target's report.

use super::{CheckResult, FleetReport, Metric, Render, Report, Status};
use crate::text::sanitize;
use crate::units::{Places, decimal};

pub struct Nagios;

impl Render for Nagios {
    fn report(&self, report: &Report) -> String {
        render(report)
    }

    fn fleet(&self, fleet: &FleetReport) -> String {
        render_fleet(fleet)
    }

    fn failure(&self, message: &str) -> String {
        format!("DBRUNBOOK UNKNOWN - {}\n", clean(message))
    }
}

fn render(report: &Report) -> String {
    let (service, summary) = match report.checks.as_slice() {
        [only] => (format!("DBRUNBOOK {}", only.check.to_uppercase()), clean(&only.summary)),
        checks => ("DBRUNBOOK".to_string(), headline(checks)),
    };
    let multi = report.checks.len() > 1;
    let perfdata: Vec<String> = report
        .checks
        .iter()
        .flat_map(|c| {
            c.metrics
                .iter()
                .map(move |m| perf(m, multi.then_some(c.check.as_str())))
        })
        .collect();
    let mut line = format!("{service} {} - {summary}", report.status.label());
    if !perfdata.is_empty() {
        line.push_str(" | ");
        line.push_str(&perfdata.join(" "));
    }
    line.push('\n');
    if multi {
        line.push_str(&long_output(&report.checks));
    }
    line
}

/// The start of a summary that fits the headline, cut where a reader would pause: after the last
/// clause (`: `, `; `, `. `) that ends in the second half of the room, else at the last word, else
/// at the room. A cut at a clause does not move when a measured time in it grows by a digit.
fn headline_cut(summary: &str) -> &str {
    let room = summary
        .char_indices()
        .nth(HEADLINE_SUMMARY)
        .map_or(summary.len(), |(at, _)| at);
    if room == summary.len() {
        return summary;
    }
    let head = &summary[..room];
    let half = head.len() / 2;
    let clause = [": ", "; ", ". "]
        .iter()
        .filter_map(|sep| head.rfind(sep))
        .filter(|&at| at >= half)
        .max();
    if let Some(at) = clause {
        return &head[..at];
    }
    match head.rfind(' ') {
        Some(at) if at >= half => &head[..at],
        _ => head,
    }
}

/// The first line of several checks: the worst check with the start of its summary (what a
/// Nagios list shows), the others not OK with their status, then how many are OK.
fn headline(checks: &[CheckResult]) -> String {
    // The first of the worst, in the report's order (max_by_key keeps the last: reversed).
    let worst = checks
        .iter()
        .rev()
        .filter(|c| c.status != Status::Ok)
        .max_by_key(|c| c.status.severity());
    let mut parts: Vec<String> = Vec::new();
    if let Some(w) = worst {
        let summary = clean(&w.summary);
        let cut = headline_cut(&summary);
        let more = if cut.len() < summary.len() { "..." } else { "" };
        parts.push(format!("{} {}: {cut}{more}", w.check, w.status.label()));
    }
    parts.extend(
        checks
            .iter()
            .filter(|c| c.status != Status::Ok && !worst.is_some_and(|w| std::ptr::eq(*c, w)))
            .map(|c| format!("{} {}", c.check, c.status.label())),
    );
    let ok = checks.iter().filter(|c| c.status == Status::Ok).count();
    if ok > 0 {
        parts.push(format!("{ok} OK"));
    }
    parts.join("; ")
}

/// Characters of the worst check's summary on the first line; the whole of it is below.
const HEADLINE_SUMMARY: usize = 100;

/// The plugin's long output: each check's summary, then each finding of a check not OK as
/// `  check kind: field=value, ...`.
fn long_output(checks: &[CheckResult]) -> String {
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!("{} {}: {}\n", c.check, c.status.label(), clean(&c.summary)));
        if c.status == Status::Ok {
            continue;
        }
        for f in &c.findings {
            let fields: Vec<String> = f
                .fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k}={}", clean(s)),
                    other => format!("{k}={}", clean(&other.to_string())),
                })
                .collect();
            out.push_str(&format!("  {} {}: {}\n", c.check, clean(&f.kind), fields.join(", ")));
        }
    }
    out
}

/// One monitoring-plugin line for the whole fleet: how many targets are in each status, the
/// names of those not OK, and the counts as perfdata. Nagios models one service per target, so
/// a per-target service should run `diagnose --url` (or `--tag` with one target); this line is
/// for a single "fleet health" service.
fn render_fleet(fleet: &FleetReport) -> String {
    if let [only] = fleet.targets.as_slice() {
        return render(&only.report);
    }
    let mut parts = Vec::new();
    let mut perf = Vec::new();
    let mut worst_first = Status::ALL;
    worst_first.sort_by_key(|s| std::cmp::Reverse(s.severity()));
    for status in worst_first {
        let names: Vec<String> = fleet
            .targets
            .iter()
            .filter(|t| t.report.status == status)
            .map(|t| clean(&t.name))
            .collect();
        perf.push(format!(
            "targets_{}={};;;0;{}",
            status.name(),
            names.len(),
            fleet.targets.len()
        ));
        if names.is_empty() {
            continue;
        }
        if status == Status::Ok {
            parts.push(format!("{} OK", names.len()));
        } else {
            parts.push(format!("{} {} ({})", names.len(), status.label(), names.join(", ")));
        }
    }
    format!(
        "DBRUNBOOK FLEET {} - {} targets: {} | {}\n",
        fleet.status.label(),
        fleet.targets.len(),
        parts.join(", "),
        perf.join(" ")
    )
}

/// `|` starts the perfdata section, so it may not appear in the text part.
fn clean(text: &str) -> String {
    sanitize(text, true).replace('|', "/")
}

/// `'label'=value[UOM];warn;crit;min;max` as the monitoring-plugins guidelines spell it: no `=`
/// or `'` in a label (they become `_`), quotes only around a label with a space, a UOM the
/// guidelines know or none, plain decimals, `U` for a value that is not a number, and empty
/// trailing fields dropped.
fn perf(m: &Metric, prefix: Option<&str>) -> String {
    let name = match prefix {
        Some(p) => format!("{p}_{}", m.name),
        None => m.name.clone(),
    };
    let mut label: String = sanitize(&name, true)
        .chars()
        .map(|c| if c == '=' || c == '\'' { '_' } else { c })
        .collect();
    if label.contains(' ') {
        label = format!("'{label}'");
    }
    // Every unit of ours is one the guidelines know.
    let unit = m.unit.symbol();
    let value = if m.value.is_finite() {
        format!("{}{unit}", number(m.value))
    } else {
        "U".to_string()
    };
    let fields =
        [m.warning, m.critical, m.min, m.max].map(|v| v.filter(|v| v.is_finite()).map(number).unwrap_or_default());
    let mut out = format!("{label}={value};{}", fields.join(";"));
    while out.ends_with(';') {
        out.pop();
    }
    out
}

/// A plain decimal, at most three places, never scientific notation, never `-0`.
fn number(v: f64) -> String {
    decimal(v, Places::AtMost(3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Report, Status, TargetInfo, Unit};

    fn report(checks: Vec<CheckResult>) -> Report {
        let target = TargetInfo {
            engine: "postgres".into(),
            url: "postgres://x@h/db".into(),
            server_version: None,
        };
        Report::new(target, checks, 1)
    }

    fn check(name: &str, status: Status, summary: &str, metrics: Vec<Metric>) -> CheckResult {
        CheckResult {
            check: name.into(),
            status,
            summary: summary.into(),
            metrics,
            findings: vec![],
            notes: vec![],
            runbook: None,
        }
    }

    #[test]
    fn the_headline_cuts_a_long_summary_at_a_clause_that_a_longer_time_does_not_move() {
        let fast = "cannot connect: TCP connect to 127.0.0.1:1 refused (nothing listens there) after 0.2 ms: Connection refused (os error 111)";
        let slow = fast.replace("0.2 ms", "1234.5 ms");
        assert_eq!(
            headline_cut(fast),
            "cannot connect: TCP connect to 127.0.0.1:1 refused (nothing listens there) after 0.2 ms"
        );
        assert_eq!(headline_cut(&slow), headline_cut(fast).replace("0.2", "1234.5"));
        let words = "word ".repeat(30);
        assert!(headline_cut(&words).ends_with("word"));
        assert_eq!(headline_cut("short: summary"), "short: summary");
        let one = "x".repeat(150);
        assert_eq!(headline_cut(&one).len(), HEADLINE_SUMMARY);
    }

    #[test]
    fn single_check_line_matches_the_plugin_format() {
        let m = Metric::new("connections", 87.0, Unit::Count)
            .thresholds(80.0, 95.0)
            .range(0.0, 100.0);
        let r = report(vec![check(
            "pool",
            Status::Warning,
            "87 of 100 connections used (87%)",
            vec![m],
        )]);
        assert_eq!(
            render(&r),
            "DBRUNBOOK POOL WARNING - 87 of 100 connections used (87%) | connections=87;80;95;0;100\n"
        );
    }

    #[test]
    fn pipes_and_newlines_cannot_break_the_line() {
        let r = report(vec![check(
            "pool",
            Status::Ok,
            "a|b\nc",
            vec![Metric::new("used pct", 12.5, Unit::Percent)],
        )]);
        assert_eq!(render(&r), "DBRUNBOOK POOL OK - a/b c | 'used pct'=12.5%\n");
    }

    #[test]
    fn labels_lose_equals_and_quotes_and_odd_numbers_stay_plain() {
        let mut m = Metric::new("a=b'c", f64::NAN, Unit::Bytes).thresholds(1e20, 0.00001);
        m.min = Some(f64::INFINITY);
        m.max = Some(-0.0001);
        let r = report(vec![check("pool", Status::Ok, "x", vec![m])]);
        assert_eq!(
            render(&r),
            "DBRUNBOOK POOL OK - x | a_b_c=U;100000000000000000000;0;;0\n"
        );
    }

    #[test]
    fn several_checks_are_a_short_line_then_a_line_per_check_and_per_finding() {
        let mut locks = check("locks", Status::Critical, "2 blocked | behind 4242", vec![]);
        locks.findings = vec![
            crate::report::Finding::new("blocked")
                .with("pid", 4243)
                .with("blocked_by", "4242")
                .with("query", "UPDATE t SET a = 1\n WHERE id = 2"),
        ];
        let r = report(vec![
            check(
                "pool",
                Status::Ok,
                "fine",
                vec![Metric::new("connections", 3.0, Unit::Count)],
            ),
            locks,
        ]);
        assert_eq!(
            render(&r),
            "DBRUNBOOK CRITICAL - locks CRITICAL: 2 blocked / behind 4242; 1 OK | pool_connections=3\n\
             pool OK: fine\n\
             locks CRITICAL: 2 blocked / behind 4242\n  \
             locks blocked: pid=4243, blocked_by=4242, query=UPDATE t SET a = 1  WHERE id = 2\n"
        );
    }
}
