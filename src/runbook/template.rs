//! Step templating: `{{name}}` placeholders filled from a check's facts. In prose a value is
//! pasted as text (stripped of control characters); in `sql` every placeholder says how it is
//! quoted, so a hostile role or application name cannot turn a suggested command into another:
//! `{{user|ident}}` (an identifier: `"x"`, MySQL `` `x` ``), `{{app|literal}}` (a string
//! literal, quotes included) or `{{pid|int}}` (digits only). A fact the check could not supply
//! shows as `<name>` in prose; in SQL it leaves the step without SQL, so an unfilled template
//! never looks runnable.

use std::collections::BTreeMap;

use crate::quote;
use crate::target::Engine;
use crate::text::sanitize;

/// How a value is quoted where it stands in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    Int,
    Literal,
    Ident,
}

impl Quoting {
    pub const NAMES: &'static str = "int, literal or ident";

    fn parse(name: &str) -> Option<Quoting> {
        match name {
            "int" => Some(Quoting::Int),
            "literal" => Some(Quoting::Literal),
            "ident" => Some(Quoting::Ident),
            _ => None,
        }
    }

    /// The value quoted for this engine; `None` when it cannot stand there (an `int` that is
    /// not a whole number).
    fn quote(self, value: &str, engine: Engine) -> Option<String> {
        match self {
            Quoting::Int => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| value.to_string())
            }
            Quoting::Literal => Some(quote::literal(engine, value)),
            Quoting::Ident => Some(quote::ident(engine, value)),
        }
    }
}

/// A placeholder found in text: its name, its quoting (`|int`...), and the byte offset of the
/// opening braces.
#[derive(Debug, PartialEq)]
pub struct Placeholder {
    pub name: String,
    /// What follows `|`, as written; `None` without one.
    pub filter: Option<String>,
    pub offset: usize,
}

impl Placeholder {
    pub fn quoting(&self) -> Option<Quoting> {
        self.filter.as_deref().and_then(Quoting::parse)
    }
}

/// Lists the placeholders in `text`; an unclosed `{{` is an error with its offset.
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, usize> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(start) = text[rest..].find("{{").map(|i| i + rest) {
        let end = text[start..].find("}}").map(|i| i + start).ok_or(start)?;
        let inner = &text[start + 2..end];
        let (name, filter) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim().to_string())),
            None => (inner.trim(), None),
        };
        found.push(Placeholder {
            name: name.to_string(),
            filter,
            offset: start,
        });
        rest = end + 2;
    }
    Ok(found)
}

/// Fills prose: values as text, free of control characters; a missing one as `<name>`; an
/// empty one (a session without an application name) as `(none)`, so that no sentence reads
/// "If  is a batch job".
pub fn fill_text(text: &str, facts: &BTreeMap<String, String>) -> String {
    fill(text, |p| {
        Some(match facts.get(&p.name) {
            Some(v) if v.trim().is_empty() => "(none)".to_string(),
            Some(v) => sanitize(v, true),
            None => format!("<{}>", p.name),
        })
    })
    .unwrap_or_default()
}

/// Fills SQL for `engine`, each value quoted as its placeholder says. `None` when a value is
/// missing, does not fit its quoting, or a placeholder says no quoting (validation rejects
/// that in runbook files): the step is then shown without SQL.
pub fn fill_sql(sql: &str, facts: &BTreeMap<String, String>, engine: Engine) -> Option<String> {
    fill(sql, |p| {
        let value = sanitize(facts.get(&p.name)?, true);
        p.quoting()?.quote(&value, engine)
    })
}

/// Fills a shell command line: every placeholder must say `|sh`, and its value becomes one
/// single-quoted word. `None`, like SQL, when a value is missing.
pub fn fill_shell(line: &str, facts: &BTreeMap<String, String>) -> Option<String> {
    fill(line, |p| {
        let value = sanitize(facts.get(&p.name)?, true);
        (p.filter.as_deref() == Some("sh")).then(|| quote::shell_word(&value))
    })
}

fn fill(text: &str, mut value: impl FnMut(&Placeholder) -> Option<String>) -> Option<String> {
    let Ok(found) = placeholders(text) else {
        return Some(text.to_string());
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for p in found {
        out.push_str(&text[rest..p.offset]);
        out.push_str(&value(&p)?);
        rest = p.offset + text[p.offset..].find("}}").map(|i| i + 2).unwrap_or(0);
    }
    out.push_str(&text[rest..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BTreeMap<String, String> {
        [
            ("pid", "4242"),
            ("app", "it's\x1b[31m"),
            ("role", "x'); DROP TABLE t; --"),
            ("Mixed", "Web-App\"s"),
            ("slash", "a\\'b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn prose_fills_known_and_marks_missing() {
        assert_eq!(
            fill_text("kill {{pid}} then {{ other }}", &facts()),
            "kill 4242 then <other>"
        );
        let empty: BTreeMap<String, String> = [("app".to_string(), " ".to_string())].into();
        assert_eq!(
            fill_text("If {{app}} is a batch job", &empty),
            "If (none) is a batch job"
        );
    }

    #[test]
    fn sql_values_are_quoted_for_their_context() {
        let f = facts();
        let pg = |s| fill_sql(s, &f, Engine::Postgres);
        assert_eq!(
            pg("WHERE application_name = {{app|literal}}").unwrap(),
            "WHERE application_name = 'it''s\u{FFFD}[31m'"
        );
        assert_eq!(
            pg("ALTER ROLE {{role|ident}} SET x = 1").unwrap(),
            "ALTER ROLE \"x'); DROP TABLE t; --\" SET x = 1"
        );
        assert_eq!(pg("ALTER ROLE {{Mixed|ident}}").unwrap(), "ALTER ROLE \"Web-App\"\"s\"");
        assert_eq!(pg("SELECT {{slash|literal}}").unwrap(), "SELECT E'a\\\\''b'");
        assert_eq!(
            pg("SELECT pg_cancel_backend({{pid|int}})").unwrap(),
            "SELECT pg_cancel_backend(4242)"
        );
        let my = |s| fill_sql(s, &f, Engine::Mysql);
        assert_eq!(my("KILL {{pid|int}}").unwrap(), "KILL 4242");
        assert_eq!(my("SELECT {{slash|literal}}").unwrap(), "SELECT 'a\\\\''b'");
        assert_eq!(
            my("SHOW GRANTS FOR {{role|ident}}").unwrap(),
            "SHOW GRANTS FOR `x'); DROP TABLE t; --`"
        );
    }

    #[test]
    fn sql_that_cannot_be_filled_safely_is_not_produced() {
        let f = facts();
        assert_eq!(fill_sql("KILL {{app|int}}", &f, Engine::Mysql), None, "not a number");
        assert_eq!(fill_sql("KILL {{missing|int}}", &f, Engine::Mysql), None, "unfilled");
        assert_eq!(fill_sql("KILL {{pid}}", &f, Engine::Mysql), None, "no quoting said");
    }

    #[test]
    fn finds_placeholders_filters_and_unclosed_braces() {
        let found = placeholders("a {{x}} b {{ y | ident }}").unwrap();
        assert_eq!(found[0].name, "x");
        assert_eq!(found[0].quoting(), None);
        assert_eq!(found[1].name, "y");
        assert_eq!(found[1].quoting(), Some(Quoting::Ident));
        assert_eq!(placeholders("a {{x").unwrap_err(), 2);
    }
}
