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

/// The fleet document in parts, target by target, each dropped once written: the same text as
/// [`Render::fleet`], but a fleet of thousands (tens of MB of JSON) is never held whole, as
/// text or as model.
pub fn fleet_in_parts(fleet: FleetReport, out: &mut dyn FnMut(&str)) {
    #[derive(Serialize)]
    struct Head {
        schema_version: u32,
        status: super::Status,
        exit_code: u8,
        elapsed_ms: u64,
    }
    let head = pretty(&Head {
        schema_version: fleet.schema_version,
        status: fleet.status,
        exit_code: fleet.exit_code,
        elapsed_ms: fleet.elapsed_ms,
    });
    // `{ ...fields\n}\n` without its closing brace: the targets follow.
    let open = head.trim_end().trim_end_matches('}').trim_end();
    if fleet.targets.is_empty() {
        out(&format!("{open},\n  \"targets\": []\n}}\n"));
        return;
    }
    out(&format!("{open},\n  \"targets\": ["));
    let last = fleet.targets.len() - 1;
    for (i, target) in fleet.targets.into_iter().enumerate() {
        let text = pretty(&target);
        drop(target);
        // Nested two levels down; pretty JSON escapes newlines inside strings, so every line
        // break is structure.
        let mut part = String::with_capacity(text.len() + text.len() / 8);
        part.push('\n');
        for (n, line) in text.trim_end().lines().enumerate() {
            if n > 0 {
                part.push('\n');
            }
            part.push_str("    ");
            part.push_str(line);
        }
        if i < last {
            part.push(',');
        }
        out(&part);
    }
    out("\n  ]\n}\n");
}
