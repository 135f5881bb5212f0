//! Step templating: `{{name}}` placeholders filled from a check's facts. In prose a value is
//! pasted as text (stripped of control characters); in `sql` every placeholder says how it is
//! quoted, so a hostile role or application name cannot turn a suggested command into another:
//! `{{user|ident}}` (an identifier: `"x"`, MySQL `` `x` ``), `{{app|literal}}` (a string
//! literal, quotes included) or `{{pid|int}}` (digits only). A fact the check could not supply
//! (missing or empty) never shows as a hole in prose: inside parentheses its comma-separated item
//! goes (`(app, user from host)` without the app is `(user from host)`), elsewhere its sentence
//! goes, so nothing reads `If  is a batch job` or `(,  from localhost)`. In SQL it leaves the step
//! without SQL, so an unfilled template never looks runnable.

use std::collections::{BTreeMap, BTreeSet};

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

    /// The raw value quoted for this engine; `None` when it cannot stand there (an `int` that
    /// is not a whole number; a MySQL identifier holding a character a terminal would not show
    /// as it is, which backticks have no escape for).
    fn quote(self, value: &str, engine: Engine) -> Option<String> {
        match self {
            Quoting::Int => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| value.to_string())
            }
            Quoting::Literal => Some(quote::literal(engine, value)),
            Quoting::Ident if engine == Engine::Mysql && value.chars().any(crate::text::is_unsafe) => None,
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

/// Fills prose: values as text, free of control characters; a missing or empty one takes its
/// parenthesised item or its sentence with it.
pub fn fill_text(text: &str, facts: &BTreeMap<String, String>) -> String {
    let known = |p: &Placeholder| facts.get(&p.name).is_some_and(|v| !sanitize(v, true).trim().is_empty());
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let kept = without_unknown(line, &known);
            fill(&kept, |p| Some(sanitize(facts.get(&p.name)?, true))).unwrap_or_default()
        })
        .collect();
    lines.join("\n")
}

/// Prose for a step about many items at once (`each`, several findings): the text filled from
/// the shared values, each item's own values left out with their parenthesised items. `None`
/// when an item's value stands outside a parenthesis: the text is about one item and stays one
/// step per item.
pub fn fill_text_for_all(
    text: &str,
    shared: &BTreeMap<String, String>,
    item_keys: &BTreeSet<&String>,
) -> Option<String> {
    for line in text.lines() {
        let outside = without_unknown_items(line, &|_| false);
        if placeholders(&outside).ok()?.iter().any(|p| item_keys.contains(&p.name)) {
            return None;
        }
    }
    let shared: BTreeMap<String, String> = shared
        .iter()
        .filter(|(k, _)| !item_keys.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(fill_text(text, &shared))
}

/// The template line without what would read as a hole: items of a parenthesis and sentences
/// holding a placeholder without a value, the spaces and punctuation around them tidied.
fn without_unknown(line: &str, known: &dyn Fn(&Placeholder) -> bool) -> String {
    let all_known = |part: &str| placeholders(part).map_or(true, |found| found.iter().all(known));
    if all_known(line) {
        return line.to_string();
    }
    let line = unglued(line, known);
    let mut out = String::new();
    for sentence in sentences(&line) {
        let trimmed = without_unknown_items(sentence, &all_known);
        if all_known(&trimmed) {
            out.push_str(&trimmed);
        }
    }
    tidy(&out)
}

/// The line without unknown placeholders glued by `@` to a known neighbour: `{{user}}@{{db}}`
/// without the user reads `db`, not a hole, and keeps its sentence.
fn unglued(line: &str, known: &dyn Fn(&Placeholder) -> bool) -> String {
    let Ok(found) = placeholders(line) else {
        return line.to_string();
    };
    let mut out = String::new();
    let mut rest = 0;
    for p in found {
        let end = p.offset + line[p.offset..].find("}}").map_or(0, |i| i + 2);
        out.push_str(&line[rest..p.offset]);
        rest = p.offset;
        if known(&p) {
            continue;
        }
        if line[end..].starts_with('@') {
            rest = end + 1;
        } else if out.ends_with('@') {
            out.pop();
            rest = end;
        }
    }
    out.push_str(&line[rest..]);
    out
}

/// A line cut after each `. `, `; `, `? ` and `! `, the separator kept with its sentence.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b';' | b'?' | b'!') && bytes[i + 1] == b' ' {
            out.push(&line[start..i + 2]);
            start = i + 2;
        }
    }
    out.push(&line[start..]);
    out
}

/// Each `( ... )` of a sentence without its comma-separated items that hold an unknown
/// placeholder; a parenthesis left empty goes whole.
fn without_unknown_items(sentence: &str, all_known: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|i| i + open) else {
            break;
        };
        out.push_str(&rest[..open]);
        let items: Vec<&str> = rest[open + 1..close]
            .split(", ")
            .filter_map(|item| known_part(item, all_known))
            .collect();
        if items.is_empty() {
            // The space before an emptied parenthesis goes with it.
            out.truncate(out.trim_end().len());
        } else {
            out.push('(');
            out.push_str(&items.join(", "));
            out.push(')');
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// An item of a parenthesis as far as it reads without holes: whole when every value is
/// known; without its leading unknown values when what follows them names a known one
/// (`{{application}} from {{client}}` without the application reads `from localhost`).
fn known_part<'a>(item: &'a str, all_known: &dyn Fn(&str) -> bool) -> Option<&'a str> {
    if all_known(item) {
        return Some(item);
    }
    let mut rest = item;
    while rest.starts_with("{{") {
        let end = rest.find("}}")? + 2;
        if all_known(&rest[..end]) {
            break;
        }
        rest = rest[end..].trim_start();
    }
    (rest.len() < item.len() && rest.contains("{{") && all_known(rest)).then_some(rest)
}

/// Spaces and punctuation as they read once pieces are gone: one space between words, none
/// before `.`, `,`, `;` or `:`, no sentence left starting with punctuation.
fn tidy(text: &str) -> String {
    let mut out = text.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (" .", "."),
        (" ,", ","),
        (" ;", ";"),
        (" :", ":"),
        (":.", "."),
        (",.", "."),
    ] {
        out = out.replace(from, to);
    }
    out.trim_start_matches(['.', ',', ';', ':', ' ']).trim_end().to_string()
}

/// Fills SQL for `engine`, each value quoted as its placeholder says, from the value as the
/// server holds it (never the terminal's sanitized text: the step must name the real object;
/// `quote` escapes what a terminal would not show). `None` when a value is missing, does not
/// fit its quoting, or a placeholder says no quoting (validation rejects that in runbook
/// files): the step is then shown without SQL.
pub fn fill_sql(sql: &str, facts: &BTreeMap<String, String>, engine: Engine) -> Option<String> {
    fill(sql, |p| p.quoting()?.quote(facts.get(&p.name)?, engine))
}

/// Fills a shell command line: every placeholder must say `|sh`, and its raw value becomes one
/// quoted word. `None`, like SQL, when a value is missing, or when a value starting with `-`
/// would stand where the command reads options (see [`shell_value`]).
pub fn fill_shell(line: &str, facts: &BTreeMap<String, String>) -> Option<String> {
    fill(line, |p| {
        (p.filter.as_deref() == Some("sh")).then_some(())?;
        shell_value(line, p, facts.get(&p.name)?)
    })
}

/// A value as one shell word, unless it starts with `-` and begins a word that no `--` before
/// it in its command marks as an operand: quoting does not stop a command from reading
/// `'-cshared_preload_libraries=...'` as an option. The shipped runbooks put `--` before every
/// positional value (or attach it, `--dir=VALUE`); what is left is refused here.
fn shell_value(line: &str, p: &Placeholder, value: &str) -> Option<String> {
    // The placeholders before this one read as plain words: the `|` of `{{x|sh}}` is no pipe.
    let before: String = fill(&line[..p.offset], |_| Some("x".to_string())).unwrap_or_default();
    let starts_word = before
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || "(;|&".contains(c));
    let command = &before[before.rfind(|c| ";|&(\n".contains(c)).map_or(0, |i| i + 1)..];
    let after_double_dash = command.split_whitespace().any(|w| w == "--");
    let may_be_option = starts_word && !after_double_dash;
    (!(may_be_option && value.starts_with('-'))).then(|| quote::shell_word(value))
}

/// Fills an `example:` block (code to adapt before use: a configuration line, SQL with a part
/// to fill in): a value quoted as its placeholder says, like SQL (`|literal`, `|ident`, `|int`),
/// a shell word (`|sh`) or a pg_hba.conf field (`|hba`); a value without one (in a comment)
/// pasted as text. `None` when a value is missing or cannot stand there: an example with a hole,
/// or with a name the file or server would read differently, is not shown.
pub fn fill_example(text: &str, facts: &BTreeMap<String, String>, engine: Engine) -> Option<String> {
    fill(text, |p| {
        let raw = facts.get(&p.name)?;
        match p.filter.as_deref() {
            Some("hba") => quote::hba_field(raw),
            Some("sh") => shell_value(text, p, raw),
            Some(_) => p.quoting()?.quote(raw, engine),
            None => Some(sanitize(raw, true)).filter(|v| !v.trim().is_empty()),
        }
    })
}

/// Whether byte `offset` of a shell line stands inside double quotes (and not in a `$(...)`
/// within them): a `|sh` value there keeps its single quotes as text, and a `$(...)` in the
/// value would run. Runbook validation refuses such a placeholder.
pub fn in_double_quotes(line: &str, offset: usize) -> bool {
    // One entry per open `"` (true) or `$(` (false), innermost last.
    let mut open: Vec<bool> = Vec::new();
    let mut single = false;
    let mut chars = line[..offset].chars().peekable();
    while let Some(c) = chars.next() {
        let in_double = open.last() == Some(&true);
        match c {
            '\'' if single => single = false,
            _ if single => {}
            '\\' => {
                chars.next();
            }
            '\'' if !in_double => single = true,
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                open.push(false);
            }
            ')' if open.last() == Some(&false) => {
                open.pop();
            }
            '"' if in_double => {
                open.pop();
            }
            '"' => open.push(true),
            _ => {}
        }
    }
    open.last() == Some(&true)
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

    #[test]
    fn examples_quote_each_value_as_its_placeholder_says() {
        let f = facts();
        assert_eq!(
            fill_example("WHERE r = {{role|literal}} -- {{pid}}", &f, Engine::Postgres).as_deref(),
            Some("WHERE r = 'x''); DROP TABLE t; --' -- 4242")
        );
        assert_eq!(
            fill_example("--table={{role|sh}}", &f, Engine::Mysql).as_deref(),
            Some("--table='x'\\''); DROP TABLE t; --'")
        );
        assert_eq!(
            fill_example("host {{Mixed|hba}}", &f, Engine::Postgres),
            None,
            "a double quote"
        );
        assert_eq!(fill_example("v = {{app|int}}", &f, Engine::Postgres), None);
        assert_eq!(fill_example("v = {{missing|literal}}", &f, Engine::Postgres), None);
    }

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
    fn prose_leaves_out_the_sentence_or_the_item_of_a_missing_value() {
        let mut f = facts();
        f.insert("empty".into(), " ".into());
        for (template, reads) in [
            ("Kill {{pid}}. Then {{ other }} goes. Done.", "Kill 4242. Done."),
            (
                "Root pid {{pid}} ({{empty}}, {{Mixed}} from {{other}}) blocks.",
                "Root pid 4242 blocks.",
            ),
            (
                "Pid {{pid}} ({{other}}@{{Mixed}}, {{empty}} from {{pid}}) waits.",
                "Pid 4242 (Web-App\"s, from 4242) waits.",
            ),
            (
                "Root pid {{pid}} ({{empty}}, active, {{Mixed}}) blocks 3.",
                "Root pid 4242 (active, Web-App\"s) blocks 3.",
            ),
        ] {
            assert_eq!(fill_text(template, &f), reads, "{template}");
        }
        assert_eq!(fill_text("If {{empty}} is a batch job, page its owner.", &f), "");
        assert_eq!(
            fill_text("Keep  two spaces {{pid}}", &f),
            "Keep  two spaces 4242",
            "untouched when whole"
        );
        let empty: BTreeMap<String, String> = [("app".to_string(), " ".to_string())].into();
        assert_eq!(
            fill_text("If {{app}} is a batch job", &empty),
            "",
            "a sentence with a hole goes"
        );
    }

    #[test]
    fn a_step_for_every_item_is_one_text_when_items_stand_only_in_parentheses() {
        let shared = facts();
        let pid = "pid".to_string();
        let reason = "reason".to_string();
        let keys: BTreeSet<&String> = [&pid, &reason].into_iter().collect();
        assert_eq!(
            fill_text_for_all("Terminate it, it rolls back ({{reason}}).", &shared, &keys).as_deref(),
            Some("Terminate it, it rolls back.")
        );
        assert_eq!(fill_text_for_all("Terminate pid {{pid}}.", &shared, &keys), None);
    }

    #[test]
    fn sql_values_are_quoted_for_their_context() {
        let f = facts();
        let pg = |s| fill_sql(s, &f, Engine::Postgres);
        assert_eq!(
            pg("WHERE application_name = {{app|literal}}").unwrap(),
            "WHERE application_name = E'it''s\\u001B[31m'"
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
        assert_eq!(my("SELECT {{slash|literal}}").unwrap(), "SELECT _utf8mb4 X'615C2762'");
        assert_eq!(
            my("SELECT {{app|literal}}").unwrap(),
            "SELECT _utf8mb4 X'697427731B5B33316D'"
        );
        assert_eq!(
            my("SHOW GRANTS FOR {{role|ident}}").unwrap(),
            "SHOW GRANTS FOR `x'); DROP TABLE t; --`"
        );
    }

    #[test]
    fn steps_name_the_raw_value_with_escapes_for_what_a_terminal_would_not_show() {
        let f: BTreeMap<String, String> = [("role", "ops\nteam"), ("app", "it's\x1b[31m")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            fill_sql("ALTER ROLE {{role|ident}}", &f, Engine::Postgres).as_deref(),
            Some("ALTER ROLE U&\"ops\\000Ateam\"")
        );
        assert_eq!(fill_sql("SHOW GRANTS FOR {{role|ident}}", &f, Engine::Mysql), None);
        assert_eq!(
            fill_shell("pg_dump -t {{role|sh}}", &f).as_deref(),
            Some("pg_dump -t $'ops\\x0ateam'")
        );
        assert_eq!(
            fill_shell("echo {{app|sh}}", &f).as_deref(),
            Some("echo $'it\\'s\\x1b[31m'")
        );
        assert_eq!(
            fill_example("-- {{app}}: {{app|literal}}", &f, Engine::Postgres).as_deref(),
            Some("-- it's\u{FFFD}[31m: E'it''s\\u001B[31m'"),
            "a comment is text, sanitized; the value in code is raw and escaped"
        );
    }

    #[test]
    fn double_quotes_are_told_from_command_substitutions_and_single_quotes() {
        let at = |line: &str| in_double_quotes(line, line.find("{{").unwrap());
        assert!(at("echo \"in {{d|sh}}\""));
        assert!(!at("echo \"in\" {{d|sh}}"));
        assert!(!at("x \"$(ls -- {{d|sh}})\""));
        assert!(at("x \"$(ls \"{{d|sh}}\")\""));
        assert!(!at("echo '\"' {{d|sh}}"));
        assert!(!at("echo \\\" {{d|sh}}"));
    }

    #[test]
    fn a_dash_value_is_refused_where_a_command_reads_options() {
        let f: BTreeMap<String, String> = [("db", "-cwork_mem=1MB"), ("ok", "app")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(fill_shell("postgres --single {{db|sh}}", &f), None);
        assert_eq!(fill_shell("psql -d {{db|sh}}", &f), None);
        assert_eq!(fill_shell("ls; cat {{db|sh}}", &f), None, "`--` of another command");
        assert_eq!(
            fill_shell("ls -- {{ok|sh}} {{db|sh}}", &f).as_deref(),
            Some("ls -- 'app' '-cwork_mem=1MB'"),
            "the `|` of a placeholder is no pipe"
        );
        assert_eq!(
            fill_shell("postgres --single -- {{db|sh}}", &f).as_deref(),
            Some("postgres --single -- '-cwork_mem=1MB'")
        );
        assert_eq!(
            fill_shell("pg_dump --dbname={{db|sh}} {{ok|sh}}/x", &f).as_deref(),
            Some("pg_dump --dbname='-cwork_mem=1MB' 'app'/x"),
            "attached to an option"
        );
        assert_eq!(
            fill_shell("x \"$(ls -- {{db|sh}})\"", &f).as_deref(),
            Some("x \"$(ls -- '-cwork_mem=1MB')\"")
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
