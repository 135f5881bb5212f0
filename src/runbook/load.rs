//! Loading and validating runbooks: the embedded set, then each user directory in order, a later
//! runbook replacing an earlier one with the same id. Every problem carries file, line, column.
//! What may reach the YAML deserializer at all (file kind, size, aliases, depth) is `input`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::embedded::EMBEDDED;
use super::input;
use super::model::{Runbook, Step};
use super::template;
use crate::checks;
use crate::redact::redact_conninfo;
use crate::report::Status;
use crate::text::sanitize;

/// One thing wrong with a runbook file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Longest quoted value shown in a problem: a megabyte title is not worth echoing.
const QUOTED_MAX: usize = 80;

impl Problem {
    /// A problem at a 1-based line and column; long quoted values in the message are cut.
    pub fn new(file: &str, (line, column): (usize, usize), message: String) -> Problem {
        Problem {
            file: file.into(),
            line,
            column,
            message: clip_quoted(&message),
        }
    }
}

/// Cuts every '…', "…" or `…` run longer than [`QUOTED_MAX`] characters, marking the cut with
/// "…". A quote opens after a non-alphanumeric character (so "runbook's" opens nothing) and
/// closes before one.
fn clip_quoted(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len().min(4096));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = matches!(c, '\'' | '"' | '`') && (i == 0 || !chars[i - 1].is_alphanumeric());
        let close = opens
            .then(|| {
                (i + 1..chars.len()).find(|&j| chars[j] == c && chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric()))
            })
            .flatten();
        match close {
            Some(j) if j - i - 1 > QUOTED_MAX => {
                out.push(c);
                out.extend(&chars[i + 1..i + 1 + QUOTED_MAX]);
                out.push('…');
                out.push(c);
                i = j + 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

impl fmt::Display for Problem {
    /// The file is a path as typed (`runbooks validate`, `--runbooks`), possibly a URL pasted
    /// into the wrong place: shown with any password redacted. File names and messages (which
    /// quote the file's text) are defused for the terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = sanitize(&redact_conninfo(&self.file), true);
        let message = sanitize(&self.message, true);
        write!(f, "{file}:{}:{}: {message}", self.line, self.column)
    }
}

/// The runbooks in effect. The embedded ones are parsed when a run first needs one (a result
/// that asks for a runbook, a check whose runbooks set thresholds, `runbooks list`): a diagnosis
/// whose checks are all OK parses none. Users' runbooks are parsed and validated on loading, so a
/// broken one is reported before any check runs.
#[derive(Debug, Default)]
pub struct Catalog {
    /// In effect, in order: the embedded ones no user runbook replaced, then the users'.
    entries: Vec<Entry>,
    /// Every runbook, parsed, in `entries`' order; made on the first call to `runbooks`.
    all: OnceLock<Vec<Runbook>>,
}

#[derive(Debug)]
enum Entry {
    Embedded {
        name: &'static str,
        text: &'static str,
        header: Header,
        parsed: OnceLock<Runbook>,
    },
    User(Runbook),
}

/// What a run asks of an embedded runbook before it needs the runbook itself: its id (a user
/// runbook may replace it), the check it serves, whether it sets thresholds, and the conditions
/// it is for and the statuses it serves (an OK result has no condition and no runbook serves OK,
/// so it needs none parsed). Read from the top-level keys by a line scan; a test holds the scan
/// to the full parse for every embedded runbook.
#[derive(Debug)]
struct Header {
    id: &'static str,
    check: &'static str,
    thresholds: bool,
    /// `None` when `when` is not a one-line `[a, b]` list: the runbook is then parsed to know.
    when: Option<Vec<&'static str>>,
    /// Status names; `None` when `statuses` is not a one-line list (parsed to know).
    statuses: Option<Vec<&'static str>>,
}

impl Header {
    fn scan(text: &'static str) -> Header {
        Header {
            id: top_level(text, "id").unwrap_or_default(),
            check: top_level(text, "check").unwrap_or_default(),
            thresholds: top_level(text, "thresholds").is_some(),
            when: match top_level(text, "when") {
                None => Some(Vec::new()),
                Some(list) => one_line_list(list),
            },
            statuses: match top_level(text, "statuses") {
                // The model's default (model.rs default_statuses).
                None => Some(vec!["warning", "critical"]),
                Some(list) => one_line_list(list),
            },
        }
    }
}

/// The items of a flow list written on one line (`[a, b]`); `None` for any other form.
fn one_line_list(value: &'static str) -> Option<Vec<&'static str>> {
    value
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .map(|l| l.split(',').map(str::trim).filter(|c| !c.is_empty()).collect())
}

/// The value of a block-style `key:` at column 0, without quotes or a trailing comment.
fn top_level(text: &'static str, key: &str) -> Option<&'static str> {
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))?;
    let value = value.split(" #").next().unwrap_or(value).trim();
    Some(value.trim_matches(|c| c == '"' || c == '\''))
}

impl Entry {
    fn id(&self) -> &str {
        match self {
            Entry::Embedded { header, .. } => header.id,
            Entry::User(rb) => &rb.id,
        }
    }

    fn check(&self) -> &str {
        match self {
            Entry::Embedded { header, .. } => header.check,
            Entry::User(rb) => &rb.check,
        }
    }

    fn sets_thresholds(&self) -> bool {
        match self {
            Entry::Embedded { header, .. } => header.thresholds,
            Entry::User(rb) => !rb.thresholds.is_empty(),
        }
    }

    /// False when the runbook serves another status or its `when` names none of these
    /// conditions, known without parsing it.
    fn may_apply(&self, status: Status, conditions: &BTreeSet<String>) -> bool {
        let Entry::Embedded { header, .. } = self else {
            return true;
        };
        let serves = header.statuses.as_ref().is_none_or(|s| s.contains(&status.name()));
        let meant = header
            .when
            .as_ref()
            .is_none_or(|when| when.is_empty() || when.iter().any(|c| conditions.contains(*c)));
        serves && meant
    }

    fn runbook(&self) -> &Runbook {
        match self {
            Entry::Embedded { name, text, parsed, .. } => parsed.get_or_init(|| {
                // Compiled in and validated by `embedded_runbooks_are_all_listed_and_valid`.
                let mut rb = parse(&format!("runbooks/{name}"), text)
                    .unwrap_or_else(|p| panic!("the embedded runbook {name} does not load: {p:?}"));
                rb.source = "embedded".into();
                rb
            }),
            Entry::User(rb) => rb,
        }
    }
}

impl Catalog {
    /// The embedded runbooks only.
    pub fn embedded() -> Result<Catalog, Vec<Problem>> {
        Catalog::load(&[])
    }

    /// Embedded runbooks, then each directory's `*.yaml`/`*.yml` files in name order.
    pub fn load(dirs: &[PathBuf]) -> Result<Catalog, Vec<Problem>> {
        let mut catalog = Catalog::default();
        let mut problems = Vec::new();
        for (name, text) in EMBEDDED {
            catalog.insert(Entry::Embedded {
                name,
                text,
                header: Header::scan(text),
                parsed: OnceLock::new(),
            });
        }
        for dir in dirs {
            match load_dir(dir) {
                Ok(list) => list.into_iter().for_each(|rb| catalog.insert(Entry::User(rb))),
                Err(mut p) => problems.append(&mut p),
            }
        }
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(problems)
        }
    }

    fn insert(&mut self, entry: Entry) {
        self.entries.retain(|e| e.id() != entry.id());
        self.entries.push(entry);
    }

    /// Every runbook in effect; parses all the embedded ones.
    pub fn runbooks(&self) -> &[Runbook] {
        self.all
            .get_or_init(|| self.entries.iter().map(|e| e.runbook().clone()).collect())
    }

    pub fn get(&self, id: &str) -> Option<&Runbook> {
        self.entries.iter().find(|e| e.id() == id).map(Entry::runbook)
    }

    /// The runbooks serving a check that may apply to this status under these conditions;
    /// parses only those.
    pub(super) fn serving<'a, 'c>(
        &'a self,
        check: &'c str,
        status: Status,
        conditions: &'c BTreeSet<String>,
    ) -> impl Iterator<Item = &'a Runbook> + use<'a, 'c> {
        self.entries
            .iter()
            .filter(move |e| e.check() == check && e.may_apply(status, conditions))
            .map(Entry::runbook)
    }

    /// The runbooks serving a check that set thresholds; parses only those.
    pub(super) fn setting_thresholds<'a, 'c>(
        &'a self,
        check: &'c str,
    ) -> impl Iterator<Item = &'a Runbook> + use<'a, 'c> {
        self.entries
            .iter()
            .filter(move |e| e.check() == check && e.sets_thresholds())
            .map(Entry::runbook)
    }
}

/// Loads and validates every runbook in one directory; duplicate ids within it are problems.
pub fn load_dir(dir: &Path) -> Result<Vec<Runbook>, Vec<Problem>> {
    let (files, mut problems) = input::list_dir(dir).map_err(|e| {
        vec![Problem::new(
            &dir.display().to_string(),
            (1, 1),
            format!("cannot read runbook directory: {e}; pass a directory of *.yaml files to --runbooks"),
        )]
    })?;
    let mut runbooks: Vec<Runbook> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let name = file.display().to_string();
        let text = match input::read(&file) {
            Ok(t) => t,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        match parse(&name, &text) {
            Ok(mut rb) => {
                if let Some(other) = seen.insert(rb.id.clone(), name.clone()) {
                    problems.push(Problem::new(
                        &name,
                        locate_key(&text, "id"),
                        format!("duplicate runbook id '{}', also in {other}", rb.id),
                    ));
                }
                rb.source = name;
                runbooks.push(rb);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(runbooks)
    } else {
        Err(problems)
    }
}

/// Reads, parses and validates one runbook file.
pub fn load_file(path: &Path) -> Result<Runbook, Vec<Problem>> {
    let text = input::read(path).map_err(|p| vec![p])?;
    parse(&path.display().to_string(), &text)
}

/// Parses and validates one runbook's text; `file` names it in problems.
pub fn parse(file: &str, text: &str) -> Result<Runbook, Vec<Problem>> {
    if text.len() as u64 > input::MAX_BYTES {
        return Err(vec![Problem::new(
            file,
            (1, 1),
            format!("file is {} bytes; runbooks are at most 1 MiB", text.len()),
        )]);
    }
    input::prescan(file, text).map_err(|p| vec![p])?;
    let rb: Runbook = serde_norway::from_str(text).map_err(|e| {
        let at = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        // serde_norway appends " at line L column C"; the prefix already says where.
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        vec![Problem::new(file, at, message)]
    })?;
    let problems = validate(file, text, &rb);
    if problems.is_empty() { Ok(rb) } else { Err(problems) }
}

fn validate(file: &str, text: &str, rb: &Runbook) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut at = |pos: (usize, usize), message: String| problems.push(Problem::new(file, pos, message));
    if rb.id.is_empty()
        || !rb
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        at(
            locate_key(text, "id"),
            format!("id '{}' must be lowercase letters, digits and '-'", rb.id),
        );
    }
    let Some(spec) = checks::spec(&rb.check) else {
        let known: Vec<&str> = checks::CHECKS.iter().map(|c| c.spec().name).collect();
        at(
            locate_key(text, "check"),
            format!("unknown check '{}'; known checks: {}", rb.check, known.join(", ")),
        );
        return problems;
    };
    if rb.engines.is_empty() {
        at(
            locate_key(text, "engines"),
            "engines is empty; list postgres, mysql and/or pgbouncer".into(),
        );
    }
    for cond in rb.when.iter().filter(|c| !spec.conditions.contains(&c.as_str())) {
        at(
            locate(text, cond),
            format!(
                "unknown condition '{cond}' for check {}; known: {}",
                spec.name,
                spec.conditions.join(", ")
            ),
        );
    }
    if rb.statuses.is_empty() {
        at(
            locate_key(text, "statuses"),
            "statuses is empty; the runbook would never apply".into(),
        );
    }
    for (key, value) in &rb.thresholds {
        let pos = locate_threshold(text, key);
        match spec.threshold(key) {
            None => {
                let known: Vec<&str> = spec.thresholds.iter().map(|t| t.key).collect();
                at(
                    pos,
                    format!(
                        "unknown threshold '{key}' for check {}; known: {}",
                        spec.name,
                        known.join(", ")
                    ),
                );
            }
            Some(t) => {
                if let Err(e) = t.kind.parse(value) {
                    at(pos, format!("threshold {key}: {e}"));
                }
            }
        }
    }
    // Against the spec's default when the runbook sets only one of a pair; a value that does not
    // parse was reported above.
    if let Ok(resolved) = checks::Thresholds::unordered(spec, &BTreeMap::new(), &rb.thresholds) {
        for crossed in resolved.crossed(spec) {
            let key = if rb.thresholds.contains_key(crossed.warning) {
                crossed.warning
            } else {
                crossed.critical
            };
            at(locate_threshold(text, key), crossed.message);
        }
    }
    if rb.remediation.immediate.is_empty() {
        at(
            locate_key(text, "remediation"),
            "remediation.immediate has no steps; say what to do first".into(),
        );
    }
    for (_, steps) in rb.phases() {
        for step in steps {
            check_step(text, step, spec, &mut at);
        }
    }
    problems
}

/// Where a step's body is: prose, an example to copy, SQL or a shell line; each quotes
/// its placeholders its own way.
#[derive(PartialEq)]
enum Kind {
    Prose,
    Example,
    Sql,
    Shell,
}

fn check_step(text: &str, step: &Step, spec: &checks::CheckSpec, at: &mut impl FnMut((usize, usize), String)) {
    let bodies = std::iter::once((Kind::Prose, &step.text))
        .chain(step.example.values().map(|s| (Kind::Example, s)))
        .chain(step.sql.values().map(|s| (Kind::Sql, s)))
        .chain(step.shell.values().map(|s| (Kind::Shell, s)));
    for (kind, body) in bodies {
        match template::placeholders(body) {
            Err(offset) => at(locate(text, &body[offset..]), "unclosed '{{' in step".into()),
            Ok(found) => {
                for p in &found {
                    if let Some(problem) = quoting_problem(&kind, p, body) {
                        at(locate(text, &body[p.offset..]), problem);
                    }
                }
                let known = |name: &str| {
                    spec.placeholders.contains(&name) || (step.each && spec.item_placeholders.contains(&name))
                };
                for p in found.iter().filter(|p| !known(&p.name)) {
                    at(locate(text, &body[p.offset..]), unknown_placeholder(&p.name, spec));
                }
            }
        }
    }
    for cond in step.when.iter().filter(|c| !spec.conditions.contains(&c.as_str())) {
        at(
            locate(text, cond),
            format!(
                "unknown condition '{cond}' for check {}; known: {}",
                spec.name,
                spec.conditions.join(", ")
            ),
        );
    }
}

/// What is wrong with how a placeholder is quoted where it stands, if anything.
fn quoting_problem(kind: &Kind, p: &template::Placeholder, body: &str) -> Option<String> {
    Some(match (kind, &p.filter, p.quoting()) {
        (Kind::Sql, None, _) => format!(
            "placeholder '{{{{{}}}}}' in sql must say how it is quoted: {{{{{0}|literal}}}}, \
             {{{{{0}|ident}}}} or {{{{{0}|int}}}}",
            p.name
        ),
        (Kind::Sql, Some(f), None) => format!(
            "unknown quoting '{f}' for '{}'; use {}",
            p.name,
            template::Quoting::NAMES
        ),
        (Kind::Sql, Some(_), Some(template::Quoting::Literal)) if body[..p.offset].ends_with('\'') => format!(
            "'{{{{{}|literal}}}}' brings its own quotes: remove the ones around it",
            p.name
        ),
        (Kind::Shell, f, _) if f.as_deref() != Some("sh") => format!(
            "placeholder '{{{{{}}}}}' in shell must be quoted for the shell: {{{{{0}|sh}}}}",
            p.name
        ),
        (Kind::Shell | Kind::Example, Some(f), _) if f == "sh" && template::in_double_quotes(body, p.offset) => {
            format!(
                "'{{{{{}|sh}}}}' stands inside double quotes, where its own quotes are text and a $(...) in \
             the value would run: put it outside them",
                p.name
            )
        }
        (Kind::Example, Some(f), None) if f != "hba" && f != "sh" => format!(
            "unknown quoting '{f}' for '{}' in an example; use {}, sh or hba \
             (a pg_hba.conf field), or none in a comment",
            p.name,
            template::Quoting::NAMES
        ),
        (Kind::Prose, Some(f), _) => format!(
            "quoting '|{f}' is for sql and shell; in text write '{{{{{}}}}}'",
            p.name
        ),
        _ => return None,
    })
}

/// A placeholder the check does not fill, with the ones it does.
fn unknown_placeholder(name: &str, spec: &checks::CheckSpec) -> String {
    format!(
        "unknown placeholder '{{{{{name}}}}}' for check {}; known: {}{}",
        spec.name,
        spec.placeholders.join(", "),
        if spec.item_placeholders.is_empty() {
            String::new()
        } else {
            format!(
                "; in steps with 'each: true' also: {}",
                spec.item_placeholders.join(", ")
            )
        }
    )
}

/// Line and column (1-based) of a `key:` at the start of a line, pointing at its value.
fn locate_key(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let trimmed = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if let Some(after) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let col = line.len() - after.trim_start().len() + 1;
            return (i + 1, col);
        }
    }
    (1, 1)
}

/// Line and column (1-based) of a threshold's value: `key:` after `thresholds:`, in block style
/// (`  warning: 80%`) or flow style (`{warning: 80%}`).
fn locate_threshold(text: &str, key: &str) -> (usize, usize) {
    let (start, _) = locate_key(text, "thresholds");
    for (i, line) in text.lines().enumerate().skip(start - 1) {
        let mut from = 0;
        while let Some(found) = line[from..].find(key) {
            let at = from + found;
            let before = line[..at].chars().next_back();
            let after = line[at + key.len()..].strip_prefix(':');
            if let (true, Some(after)) = (before.is_none_or(|c| c.is_whitespace() || "{,".contains(c)), after) {
                let col = line.len() - after.trim_start().len() + 1;
                return (i + 1, col);
            }
            from = at + key.len();
        }
    }
    (1, 1)
}

/// Line and column (1-based) of the first occurrence of `needle`'s first line in `text`.
fn locate(text: &str, needle: &str) -> (usize, usize) {
    let first = needle.lines().next().unwrap_or(needle);
    let probe: String = first.chars().take(40).collect();
    match text.find(&probe) {
        Some(offset) => {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
            (line, column)
        }
        None => (1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id: x\ntitle: T\ncheck: pool\nengines: [postgres]\nremediation:\n  immediate:\n    - text: look at {{top_user}}\n";

    #[test]
    fn embedded_runbooks_are_all_listed_and_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "add new runbooks to src/runbook/embedded.rs");
        // Parsed one by one, as a run does lazily: every one must load, and the line scan that
        // stands for it until then must say what the parse says.
        for (name, text) in EMBEDDED {
            let rb = parse(&format!("runbooks/{name}"), text).unwrap_or_else(|p| panic!("{p:?}"));
            let header = Header::scan(text);
            let when: Vec<&str> = rb.when.iter().map(String::as_str).collect();
            let statuses: Vec<&str> = rb.statuses.iter().map(|s| s.name()).collect();
            assert_eq!(
                (header.id, header.check, header.thresholds, header.when, header.statuses),
                (
                    rb.id.as_str(),
                    rb.check.as_str(),
                    !rb.thresholds.is_empty(),
                    Some(when),
                    Some(statuses)
                ),
                "{name}: the top-level id, check, thresholds, when and statuses keys must be plain `key: value` lines"
            );
        }
        let catalog = Catalog::embedded().unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(catalog.runbooks().len(), EMBEDDED.len());
    }

    #[test]
    fn a_run_parses_only_the_runbooks_it_uses() {
        let catalog = Catalog::embedded().unwrap();
        let parsed = |c: &Catalog| {
            c.entries
                .iter()
                .filter(|e| matches!(e, Entry::Embedded { parsed, .. } if parsed.get().is_some()))
                .count()
        };
        // No embedded runbook of these checks sets thresholds: nothing to parse before connecting.
        for check in ["pool", "queries", "locks"] {
            assert!(catalog.thresholds(check, crate::target::Engine::Postgres).is_empty());
        }
        // An OK result reports no condition and no runbook serves OK: none is parsed, also
        // for a check whose runbook has no `when` (pool-exhaustion).
        let mut facts = crate::checks::Facts::default();
        let pg = crate::target::Engine::Postgres;
        for check in ["locks", "pool", "queries"] {
            assert!(catalog.select(check, pg, Status::Ok, &facts).is_none());
        }
        assert_eq!(parsed(&catalog), 0);
        facts.conditions.insert("lock_waits".into());
        let chosen = catalog.select("locks", pg, Status::Critical, &facts);
        assert_eq!(chosen.map(|r| r.id.as_str()), Some("lock-contention"));
        assert_eq!(parsed(&catalog), 1, "only the runbook made for lock_waits");
        assert_eq!(catalog.thresholds("slow", pg).len(), 2);
        assert_eq!(parsed(&catalog), 2);
        assert_eq!(catalog.get("pool-exhaustion").map(|r| r.check.as_str()), Some("pool"));
        assert_eq!(parsed(&catalog), 3);
    }

    #[test]
    fn a_user_runbook_replaces_the_embedded_one_unparsed() {
        let dir = std::env::temp_dir().join(format!("dbrunbook-override-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mine = GOOD.replace("id: x", "id: pool-exhaustion").replace(
            "remediation:",
            "thresholds:\n  warning: 50%\n  critical: 60%\nremediation:",
        );
        std::fs::write(dir.join("mine.yaml"), mine).unwrap();
        let catalog = Catalog::load(std::slice::from_ref(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        let catalog = catalog.unwrap();
        assert_eq!(catalog.runbooks().len(), EMBEDDED.len());
        let rb = catalog.get("pool-exhaustion").unwrap();
        assert!(rb.source.ends_with("mine.yaml"), "{}", rb.source);
        let t = catalog.thresholds("pool", crate::target::Engine::Postgres);
        assert_eq!(t.get("warning").map(String::as_str), Some("50%"));
    }

    #[test]
    fn a_good_runbook_parses() {
        let rb = parse("x.yaml", GOOD).unwrap();
        assert_eq!(rb.statuses.len(), 2);
    }

    #[test]
    fn yaml_syntax_errors_carry_line_and_column() {
        let bad = "id: x\ntitle: [unclosed\ncheck: pool\n";
        let p = &parse("bad.yaml", bad).unwrap_err()[0];
        assert_eq!(p.file, "bad.yaml");
        assert!(p.line >= 2, "{p}");
    }

    #[test]
    fn unknown_fields_are_caught_where_they_are() {
        let bad = GOOD.replace("title: T", "title: T\ntitel: typo");
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert_eq!((p.line, p.column), (3, 1), "{p}");
        assert!(p.message.contains("titel"), "{p}");
    }

    #[test]
    fn a_shell_value_inside_double_quotes_is_refused() {
        let bad = GOOD.replace(
            "    - text: look at {{top_user}}\n",
            "    - text: look\n      shell: {postgres: 'echo \"user {{top_user|sh}}\"'}\n",
        );
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert!(p.message.contains("inside double quotes"), "{p}");
    }

    #[test]
    fn unknown_placeholder_is_located() {
        let bad = GOOD.replace("{{top_user}}", "{{top_usr}}");
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert_eq!((p.line, p.column), (7, 21), "{p}");
        assert!(p.message.contains("top_usr"), "{p}");
    }

    #[test]
    fn semantic_problems_are_all_reported() {
        let bad = "id: Bad_Id\ntitle: T\ncheck: pool\nengines: []\nthresholds:\n  warning: 120%\n  nonsense: 1\nremediation:\n  immediate: []\n";
        let problems = parse("bad.yaml", bad).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 5, "{text:#?}");
        assert!(text[0].starts_with("bad.yaml:1:5:"), "{text:#?}");
    }

    #[test]
    fn inverted_percentages_point_at_the_warning() {
        let bad = GOOD.replace(
            "remediation:",
            "thresholds:\n  warning: 90%\n  critical: 80%\nremediation:",
        );
        let problems = parse("bad.yaml", &bad).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let p = &problems[0];
        assert_eq!((p.line, p.column), (6, 12), "{p}");
        assert!(
            p.message
                .contains("warning threshold (90%) is above the critical one (80%)"),
            "{p}"
        );
    }

    #[test]
    fn inverted_durations_in_flow_style_are_located() {
        let bad = GOOD
            .replace("check: pool", "check: queries")
            .replace("{{top_user}}", "it")
            .replace(
                "remediation:",
                "thresholds: {idle_warning: 10m, idle_critical: 1m}\nremediation:",
            );
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert_eq!((p.line, p.column), (5, 28), "{p}");
        assert!(p.message.contains("idle-in-transaction warning threshold (10m)"), "{p}");
    }

    #[test]
    fn one_side_of_a_pair_is_compared_with_the_default() {
        // The pool check's default warning is 80%: a critical of 50% crosses it.
        let bad = GOOD.replace("remediation:", "thresholds:\n  critical: 50%\nremediation:");
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert_eq!((p.line, p.column), (6, 13), "{p}");
        assert!(p.message.contains("(80%) is above the critical one (50%)"), "{p}");
        let fine = GOOD.replace("remediation:", "thresholds:\n  critical: 85%\nremediation:");
        parse("ok.yaml", &fine).unwrap();
    }

    #[test]
    fn long_quoted_values_are_cut_in_messages() {
        let huge = "A".repeat(500_000);
        let bad = GOOD.replace("look at {{top_user}}", &format!("x\n      each: \"{huge}\""));
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert!(p.message.len() < 300, "{p}");
        assert!(p.message.contains(&format!("\"{}…\"", "A".repeat(80))), "{p}");
        assert_eq!(
            clip_quoted("the runbook's 'short' value"),
            "the runbook's 'short' value"
        );
    }

    #[test]
    fn unknown_check_is_named() {
        let bad = GOOD.replace("check: pool", "check: vibes");
        let p = &parse("bad.yaml", &bad).unwrap_err()[0];
        assert_eq!((p.line, p.column), (3, 8));
        assert!(p.message.contains("unknown check 'vibes'"));
    }
}
