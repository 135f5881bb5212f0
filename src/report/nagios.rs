//! The monitoring-plugin renderer: one line, `DBRUNBOOK POOL WARNING - summary | perfdata`, as
//! Nagios, Icinga and Sensu expect it.

use super::{Metric, Report};
use crate::text::sanitize;

pub fn render(report: &Report) -> String {
    let (service, summary) = match report.checks.as_slice() {
        [only] => (format!("DBRUNBOOK {}", only.check.to_uppercase()), clean(&only.summary)),
        checks => (
            "DBRUNBOOK".to_string(),
            checks
                .iter()
                .map(|c| format!("{} {}: {}", c.check, c.status.label(), clean(&c.summary)))
                .collect::<Vec<_>>()
                .join("; "),
        ),
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
    line
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
    let unit = match m.unit.as_str() {
        u @ ("s" | "ms" | "us" | "%" | "B" | "KB" | "MB" | "TB" | "c") => u,
        _ => "",
    };
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
    let text = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let fixed = format!("{v:.3}");
        fixed.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if text == "-0" { "0".into() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Report, Status, TargetInfo};

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
    fn single_check_line_matches_the_plugin_format() {
        let m = Metric::new("connections", 87.0, "")
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
            vec![Metric::new("used pct", 12.5, "%")],
        )]);
        assert_eq!(render(&r), "DBRUNBOOK POOL OK - a/b c | 'used pct'=12.5%\n");
    }

    #[test]
    fn labels_lose_equals_and_quotes_and_odd_numbers_stay_plain() {
        let mut m = Metric::new("a=b'c", f64::NAN, "bytes").thresholds(1e20, 0.00001);
        m.min = Some(f64::INFINITY);
        m.max = Some(-0.0001);
        let r = report(vec![check("pool", Status::Ok, "x", vec![m])]);
        assert_eq!(
            render(&r),
            "DBRUNBOOK POOL OK - x | a_b_c=U;100000000000000000000;0;;0\n"
        );
    }

    #[test]
    fn several_checks_name_each_and_prefix_metrics() {
        let r = report(vec![
            check("pool", Status::Ok, "fine", vec![Metric::new("connections", 3.0, "")]),
            check("locks", Status::Critical, "blocked", vec![]),
        ]);
        assert_eq!(
            render(&r),
            "DBRUNBOOK CRITICAL - pool OK: fine; locks CRITICAL: blocked | pool_connections=3\n"
        );
    }
}
