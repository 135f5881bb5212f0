//! A fleet's report: one single-target [`Report`] per target of the fleet file, with the
//! target's name and tags, and its renderers. JSON is one document whose `targets` each carry
//! the single-target schema plus `name` and `tags`; Prometheus labels every sample with the
//! target's name; the table is a summary (target × check) then the details of what is not OK;
//! Nagios gets one line counting targets per status. The single-target renderers live beside.

use std::collections::BTreeSet;

use comfy_table::{Table, presets};
use serde::Serialize;

use super::table::{TableOptions, paint};
use super::{Report, SCHEMA_VERSION, Status, prometheus, table};
use crate::text::sanitize;

#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub schema_version: u32,
    /// The worst target's status.
    pub status: Status,
    pub exit_code: u8,
    /// Wall-clock time of the whole fleet run, in milliseconds.
    pub elapsed_ms: u64,
    /// In the fleet file's order.
    pub targets: Vec<FleetTarget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FleetTarget {
    /// The target's name in the fleet file.
    pub name: String,
    pub tags: Vec<String>,
    /// The single-target document's fields, as `dbrunbook diagnose --url` prints them.
    #[serde(flatten)]
    pub report: Report,
}

impl FleetReport {
    pub fn new(targets: Vec<FleetTarget>, elapsed_ms: u64) -> FleetReport {
        let status = targets.iter().fold(Status::Ok, |acc, t| acc.worst(t.report.status));
        FleetReport {
            schema_version: SCHEMA_VERSION,
            status,
            exit_code: status.exit_code(),
            elapsed_ms,
            targets,
        }
    }
}

pub fn json(fleet: &FleetReport) -> String {
    let mut out = serde_json::to_string_pretty(fleet).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

pub fn prometheus(fleet: &FleetReport) -> String {
    let reports: Vec<(&str, &Report)> = fleet.targets.iter().map(|t| (t.name.as_str(), &t.report)).collect();
    prometheus::render_targets(&reports)
}

/// One monitoring-plugin line for the whole fleet: how many targets are in each status, the
/// names of those not OK, and the counts as perfdata. Nagios models one service per target, so
/// a per-target service should run `diagnose --url` (or `--tag` with one target); this line is
/// for a single "fleet health" service.
pub fn nagios(fleet: &FleetReport) -> String {
    let mut parts = Vec::new();
    let mut perf = Vec::new();
    for status in [Status::Critical, Status::Warning, Status::Unknown, Status::Ok] {
        let names: Vec<String> = fleet
            .targets
            .iter()
            .filter(|t| t.report.status == status)
            .map(|t| sanitize(&t.name, true).replace('|', "/"))
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

/// The summary table (one row per target, one column per check), then for every target not
/// OK its single-target report narrowed to the checks not OK, worst target first.
pub fn table(fleet: &FleetReport, opts: &TableOptions) -> String {
    let mut checks: Vec<&str> = Vec::new();
    for t in &fleet.targets {
        for c in &t.report.checks {
            if !checks.contains(&c.check.as_str()) {
                checks.push(&c.check);
            }
        }
    }
    let mut grid = Table::new();
    grid.load_style(presets::UTF8_FULL_CONDENSED);
    if opts.color {
        grid.enforce_styling();
    } else {
        grid.force_no_tty();
    }
    if let Some(w) = opts.width {
        grid.set_width(w)
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    }
    let mut header = vec!["target".to_string(), "status".to_string()];
    header.extend(checks.iter().map(|c| c.to_string()));
    grid.set_header(header);
    for t in &fleet.targets {
        let mut row = vec![sanitize(&t.name, true), paint(t.report.status, opts.color)];
        for name in &checks {
            row.push(
                t.report
                    .checks
                    .iter()
                    .find(|c| c.check == *name)
                    .map(|c| paint(c.status, opts.color))
                    .unwrap_or_else(|| "-".into()),
            );
        }
        grid.add_row(row);
    }
    let mut out = format!("{grid}\n");
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            let n = fleet.targets.iter().filter(|t| t.report.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.label()))
        })
        .collect();
    out.push_str(&format!(
        "{} targets in {:.1} s: {}. Overall: {}\n",
        fleet.targets.len(),
        fleet.elapsed_ms as f64 / 1000.0,
        counts.join(", "),
        paint(fleet.status, opts.color)
    ));
    let mut not_ok: Vec<&FleetTarget> = fleet.targets.iter().filter(|t| t.report.status != Status::Ok).collect();
    // Worst first, file order among equals.
    let rank = |s: Status| {
        [Status::Critical, Status::Warning, Status::Unknown, Status::Ok]
            .iter()
            .position(|x| *x == s)
    };
    not_ok.sort_by_key(|t| rank(t.report.status));
    let mut shown_runbook_problem = BTreeSet::new();
    for t in not_ok {
        let mut narrowed = t.report.clone();
        narrowed.checks.retain(|c| c.status != Status::Ok);
        // The --runbooks problem is the same for every target: shown once.
        narrowed
            .checks
            .retain(|c| c.check != "runbooks" || shown_runbook_problem.insert(c.check.clone()));
        if narrowed.checks.is_empty() {
            continue;
        }
        out.push_str(&format!("\n── {} ──\n", sanitize(&t.name, true)));
        // A target that could not be reached says so once, not once per check.
        let first = &narrowed.checks[0];
        let same = narrowed.checks.len() > 1
            && narrowed
                .checks
                .iter()
                .all(|c| c.status == first.status && c.summary == first.summary && c.runbook.is_none());
        if same {
            out.push_str(&format!(
                "{} every check: {}\n",
                paint(first.status, opts.color),
                sanitize(&first.summary, true)
            ));
        } else {
            out.push_str(&table::render(&narrowed, opts));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, TargetInfo};

    fn target(name: &str, status: Status) -> FleetTarget {
        let check = CheckResult {
            check: "pool".into(),
            status,
            summary: format!("pool is {}", status.label()),
            metrics: vec![],
            findings: vec![],
            notes: vec![],
            runbook: None,
        };
        let info = TargetInfo {
            engine: "postgres".into(),
            url: format!("postgres://u@{name}/db"),
            server_version: Some("15".into()),
        };
        FleetTarget {
            name: name.into(),
            tags: vec!["prod".into()],
            report: Report::new(info, vec![check], 5),
        }
    }

    #[test]
    fn the_fleet_takes_the_worst_status_and_each_target_keeps_the_single_schema() {
        let fleet = FleetReport::new(
            vec![
                target("a", Status::Ok),
                target("b", Status::Unknown),
                target("c", Status::Warning),
            ],
            10,
        );
        assert_eq!((fleet.status, fleet.exit_code), (Status::Warning, 1));
        let doc: serde_json::Value = serde_json::from_str(&json(&fleet)).unwrap();
        assert_eq!(doc["targets"][1]["name"], "b");
        assert_eq!(doc["targets"][1]["status"], "unknown");
        assert_eq!(doc["targets"][1]["checks"][0]["check"], "pool");
        assert_eq!(doc["targets"][1]["schema_version"], 1);
        let line = nagios(&fleet);
        assert_eq!(
            line,
            "DBRUNBOOK FLEET WARNING - 3 targets: 1 WARNING (c), 1 UNKNOWN (b), 1 OK | targets_critical=0;;;0;3 \
             targets_warning=1;;;0;3 targets_unknown=1;;;0;3 targets_ok=1;;;0;3\n"
        );
        let text = table(
            &fleet,
            &TableOptions {
                color: false,
                width: None,
            },
        );
        let c = text.find("── c ──").unwrap();
        let b = text.find("── b ──").unwrap();
        assert!(c < b && !text.contains("── a ──"), "{text}");
    }
}
