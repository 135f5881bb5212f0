//! The JSON renderer: the report model serialized as it is (see README, "JSON contract").

use super::Report;

pub fn render(report: &Report) -> String {
    // The model holds only strings, numbers and maps, so serialization cannot fail.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
