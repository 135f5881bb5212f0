//! Step templating: `{{name}}` placeholders filled from a check's facts. A fact that the check
//! could not supply is shown as `<name>` so the engineer knows what to substitute.

use std::collections::BTreeMap;

use crate::target::Engine;
use crate::text::sanitize;

/// A placeholder found in text: its name and byte offset of the opening braces.
#[derive(Debug, PartialEq)]
pub struct Placeholder {
    pub name: String,
    pub offset: usize,
}

/// Lists the placeholders in `text`; an unclosed `{{` is an error with its offset.
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, usize> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(start) = text[rest..].find("{{").map(|i| i + rest) {
        let end = text[start..].find("}}").map(|i| i + start).ok_or(start)?;
        found.push(Placeholder {
            name: text[start + 2..end].trim().to_string(),
            offset: start,
        });
        rest = end + 2;
    }
    Ok(found)
}

/// Fills placeholders. With `sql_for`, values are escaped as the contents of a single-quoted
/// string literal for that engine, so a hostile application name cannot turn a suggested
/// command into a different one.
pub fn fill(text: &str, facts: &BTreeMap<String, String>, sql_for: Option<Engine>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(start) = text[rest..].find("{{").map(|i| i + rest) {
        let Some(end) = text[start..].find("}}").map(|i| i + start) else {
            break;
        };
        out.push_str(&text[rest..start]);
        let name = text[start + 2..end].trim();
        match facts.get(name) {
            Some(value) => {
                let value = sanitize(value, true);
                out.push_str(&match sql_for {
                    Some(Engine::Mysql) => value.replace('\\', "\\\\").replace('\'', "''"),
                    Some(_) => value.replace('\'', "''"),
                    None => value,
                });
            }
            None => out.push_str(&format!("<{name}>")),
        }
        rest = end + 2;
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BTreeMap<String, String> {
        [("pid", "4242"), ("app", "it's\x1b[31m")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_known_and_marks_missing() {
        assert_eq!(
            fill("kill {{pid}} then {{ other }}", &facts(), None),
            "kill 4242 then <other>"
        );
    }

    #[test]
    fn sql_values_are_quoted_safely() {
        let out = fill("WHERE application_name = '{{app}}'", &facts(), Some(Engine::Postgres));
        assert_eq!(out, "WHERE application_name = 'it''s\u{FFFD}[31m'");
    }

    #[test]
    fn finds_placeholders_and_unclosed_braces() {
        let found = placeholders("a {{x}} b {{ y }}").unwrap();
        assert_eq!(
            found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            vec!["x", "y"]
        );
        assert_eq!(placeholders("a {{x").unwrap_err(), 2);
    }
}
