//! A fleet's report: one single-target [`Report`] per target of the fleet file, with the
//! target's name and tags. The model only: each format's file renders it beside the single
//! target's report.

use serde::Serialize;

use super::{Report, SCHEMA_VERSION, Status};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::Json;
    use crate::report::nagios::Nagios;
    use crate::report::table::Table;
    use crate::report::{CheckResult, Render, TargetInfo};

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
        let doc: serde_json::Value = serde_json::from_str(&Json.fleet(&fleet)).unwrap();
        assert_eq!(doc["targets"][1]["name"], "b");
        assert_eq!(doc["targets"][1]["status"], "unknown");
        assert_eq!(doc["targets"][1]["checks"][0]["check"], "pool");
        assert_eq!(doc["targets"][1]["schema_version"], 1);
        let line = Nagios.fleet(&fleet);
        assert_eq!(
            line,
            "DBRUNBOOK FLEET WARNING - 3 targets: 1 WARNING (c), 1 UNKNOWN (b), 1 OK | targets_critical=0;;;0;3 \
             targets_warning=1;;;0;3 targets_unknown=1;;;0;3 targets_ok=1;;;0;3\n"
        );
        let text = Table::plain().fleet(&fleet);
        let c = text.find("── c ──").unwrap();
        let b = text.find("── b ──").unwrap();
        assert!(c < b && !text.contains("── a ──"), "{text}");
    }

    #[test]
    fn the_json_written_target_by_target_is_the_whole_document_byte_for_byte() {
        for n in 0..3 {
            let names = ["a\nb \"quoted\"", "b", "c"];
            let targets: Vec<_> = names[..n].iter().map(|name| target(name, Status::Warning)).collect();
            let fleet = FleetReport::new(targets, 10);
            let whole = Json.fleet(&fleet);
            let mut parts = String::new();
            crate::report::json::fleet_in_parts(fleet, &mut |part| parts.push_str(part));
            assert_eq!(parts, whole, "{n} targets");
        }
    }
}
