//! The JSON renderer: the report model serialized as it is (see README, "JSON contract"). A
//! fleet is one document whose `targets` each carry the single-target schema plus `name` and
//! `tags`.

use serde::Serialize;

use super::{FleetReport, Render, Report};

pub struct Json;

impl Render for Json {
    fn report(&self, report: &Report) -> String {
        pretty(report)
    }

    fn fleet(&self, fleet: &FleetReport) -> String {
        pretty(fleet)
    }

    /// The smallest document a consumer of either shape can read: the status, the exit code,
    /// no checks, and the error.
    fn failure(&self, message: &str) -> String {
        pretty(&serde_json::json!({
            "schema_version": super::SCHEMA_VERSION,
            "status": super::Status::Unknown,
            "exit_code": super::Status::Unknown.exit_code(),
            "checks": [],
            "targets": [],
            "error": message,
        }))
    }
}

fn pretty(doc: &impl Serialize) -> String {
    // The model holds only strings, numbers and maps, so serialization cannot fail.
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
