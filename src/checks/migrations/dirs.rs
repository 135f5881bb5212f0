//! Migration directories as the deploy ships them, parsed (never executed) and compared with
//! what the database recorded: Alembic (`versions/*.py`, a graph of revisions with branches
//! and merges), Flyway (`V<version>__<desc>.sql`) and golang-migrate
//! (`<version>_<name>.up.<ext>`). What the verdict makes of the comparison is not decided here.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::frameworks::Framework;

/// One migration the code has and the database has not applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub revision: String,
    pub file: String,
    /// Older than what the database has: Flyway applies it only with `outOfOrder`.
    pub out_of_order: bool,
}

/// The database's applied revisions, newest first, with Flyway's row type (BASELINE...).
pub struct Applied<'a> {
    pub rows: Vec<(&'a str, Option<&'a str>)>,
    /// The rows are the whole history, not only its newest part.
    pub complete: bool,
}

/// The code against the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Migrations in the directory.
    pub known: usize,
    /// Where the code ends: Alembic's heads, else the highest version.
    pub heads: Vec<String>,
    pub pending: Vec<Pending>,
    /// Revisions the database is at that no file in the directory defines.
    pub unknown: Vec<String>,
    pub notes: Vec<String>,
}

/// The frameworks whose directories the check reads.
pub fn supported(f: Framework) -> bool {
    matches!(f, Framework::Alembic | Framework::Flyway | Framework::GolangMigrate)
}

pub fn compare(f: Framework, dir: &Path, applied: &Applied) -> Result<Comparison> {
    if !dir.is_dir() {
        bail!("--dir {}: not a directory", dir.display());
    }
    match f {
        Framework::Alembic => alembic(dir, applied),
        Framework::Flyway => flyway(dir, applied),
        Framework::GolangMigrate => golang_migrate(dir, applied),
        _ => bail!("reading a migrations directory is not supported for this framework"),
    }
}

/// Whether two revision strings name the same migration: Flyway's `1.10.0` is `1.10`,
/// golang-migrate's `007` is `7`; other tools compare as written.
pub fn same_revision(f: Framework, a: &str, b: &str) -> bool {
    match f {
        Framework::Flyway => match (FlywayVersion::parse(a), FlywayVersion::parse(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        Framework::GolangMigrate | Framework::Goose | Framework::Ecto | Framework::Sqlx => {
            match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            }
        }
        _ => a == b,
    }
}

fn files(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))?;
        for e in entries {
            let path = e?.path();
            if path.is_dir() {
                if recursive {
                    todo.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------- Alembic

/// One Alembic revision file: its id and the revisions it follows (two or more for a merge).
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: String,
    pub down: Vec<String>,
    pub file: String,
}

/// `revision = "x"` and `down_revision = ...` at the top level of a revision file, annotated
/// (`revision: str = "x"`) or not; `down_revision` may be `None`, a string, or a tuple or list
/// of strings (a merge), possibly over several lines.
pub fn parse_alembic(source: &str, file: &str) -> Option<Revision> {
    let mut id = None;
    let mut down = None;
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let Some((name, value)) = top_level_assignment(line) else {
            continue;
        };
        if name != "revision" && name != "down_revision" {
            continue;
        }
        let mut value = value.to_string();
        // A tuple or list that goes on over the next lines.
        while value.matches(['(', '[']).count() > value.matches([')', ']']).count() {
            match lines.next() {
                Some(more) => value.push_str(more),
                None => break,
            }
        }
        let strings = string_literals(&value);
        if name == "revision" {
            id = strings.into_iter().next();
        } else {
            down = Some(strings);
        }
    }
    Some(Revision {
        id: id?,
        down: down.unwrap_or_default(),
        file: file.to_string(),
    })
}

/// `name[: annotation] = value` at column 0; the name and the value.
fn top_level_assignment(line: &str) -> Option<(&str, &str)> {
    if line.starts_with([' ', '\t', '#']) {
        return None;
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(annotated) => &annotated[annotated.find('=')?..],
        None => rest,
    };
    let value = rest.strip_prefix('=')?;
    (!value.starts_with('=')).then_some((name, value.trim()))
}

/// The string literals in a Python expression, in order (`'a'`, `"b"`; prefixes ignored).
fn string_literals(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        if c == '#' {
            break;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            let mut escaped = false;
            for d in chars.by_ref() {
                match (escaped, d) {
                    (false, '\\') => escaped = true,
                    (false, d) if d == c => break,
                    (_, d) => {
                        s.push(d);
                        escaped = false;
                    }
                }
            }
            out.push(s);
        }
    }
    out
}

fn alembic(dir: &Path, applied: &Applied) -> Result<Comparison> {
    // Either the versions directory itself or the script directory that holds it.
    let versions = if dir.join("versions").is_dir() {
        dir.join("versions")
    } else {
        dir.to_path_buf()
    };
    let mut graph: BTreeMap<String, Revision> = BTreeMap::new();
    let mut notes = Vec::new();
    for path in files(&versions, true)? {
        if path.extension().is_none_or(|e| e != "py") || file_name(&path).starts_with("__") {
            continue;
        }
        let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let name = path.strip_prefix(&versions).unwrap_or(&path).display().to_string();
        match parse_alembic(&source, &name) {
            Some(r) => {
                if let Some(other) = graph.insert(r.id.clone(), r.clone()) {
                    notes.push(format!(
                        "revision {} is defined twice: {} and {}",
                        r.id, other.file, r.file
                    ));
                }
            }
            None => notes.push(format!("{name}: no `revision = ...` line; not a revision file")),
        }
    }
    if graph.is_empty() {
        bail!("--dir {}: no Alembic revision files (versions/*.py)", dir.display());
    }
    let children: BTreeSet<&str> = graph.values().flat_map(|r| r.down.iter().map(String::as_str)).collect();
    let heads: Vec<String> = graph
        .keys()
        .filter(|k| !children.contains(k.as_str()))
        .cloned()
        .collect();
    for r in graph.values() {
        for d in &r.down {
            if !graph.contains_key(d) {
                notes.push(format!("{} follows {d}, which no file defines", r.file));
            }
        }
    }
    let at: Vec<&str> = applied.rows.iter().map(|(r, _)| *r).collect();
    let unknown: Vec<String> = at
        .iter()
        .filter(|r| !graph.contains_key(**r))
        .map(|r| r.to_string())
        .collect();
    // Everything at or below the database's revisions is applied.
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = at.iter().copied().filter(|r| graph.contains_key(*r)).collect();
    while let Some(r) = todo.pop() {
        if done.insert(r) {
            todo.extend(
                graph[r]
                    .down
                    .iter()
                    .map(String::as_str)
                    .filter(|d| graph.contains_key(*d)),
            );
        }
    }
    // Pending in the order they would run: a revision after all it follows.
    let mut pending = Vec::new();
    let mut placed = done.clone();
    loop {
        let ready: Vec<&Revision> = graph
            .values()
            .filter(|r| !placed.contains(r.id.as_str()))
            .filter(|r| {
                r.down
                    .iter()
                    .all(|d| placed.contains(d.as_str()) || !graph.contains_key(d))
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        for r in ready {
            placed.insert(&r.id);
            pending.push(Pending {
                revision: r.id.clone(),
                file: r.file.clone(),
                out_of_order: false,
            });
        }
    }
    if placed.len() < graph.len() {
        notes.push("the revision graph has a cycle; pending revisions may be missing".into());
    }
    Ok(Comparison {
        known: graph.len(),
        heads,
        pending,
        unknown,
        notes,
    })
}

// ----------------------------------------------------------------------------------- Flyway

/// A Flyway version: numeric parts, `_` read as `.`, trailing zeros ignored (`1.10.0` = `1.10`,
/// and `1.10` > `1.9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlywayVersion(Vec<u128>);

impl FlywayVersion {
    pub fn parse(text: &str) -> Option<FlywayVersion> {
        let mut parts: Vec<u128> = text
            .trim()
            .replace('_', ".")
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(FlywayVersion(parts))
    }
}

impl Ord for FlywayVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.0.get(i).unwrap_or(&0).cmp(other.0.get(i).unwrap_or(&0)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for FlywayVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `V1_2__add_users.sql` → version `1.2`; repeatable (`R__`) and undo (`U1__`) scripts, and
/// anything else, are no versioned migration.
pub fn flyway_file(name: &str) -> Option<(FlywayVersion, String)> {
    let stem = name.strip_suffix(".sql")?;
    let rest = stem.strip_prefix('V')?;
    let (version, _) = rest.split_once("__")?;
    Some((FlywayVersion::parse(version)?, version.replace('_', ".")))
}

/// The highest of Flyway's applied versions (rows newest first, as the entries query gives).
pub fn flyway_current<'a>(rows: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    rows.filter_map(|r| Some((FlywayVersion::parse(r)?, r)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r)| r)
}

fn flyway(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let mut code: Vec<(FlywayVersion, String, String)> = Vec::new();
    let mut notes = Vec::new();
    for path in files(dir, true)? {
        let name = file_name(&path);
        if let Some((v, shown)) = flyway_file(&name) {
            if let Some(other) = code.iter().find(|c| c.0 == v) {
                notes.push(format!("version {shown} is defined twice: {} and {name}", other.2));
            }
            code.push((v, shown, name));
        } else if name.starts_with('V') && name.ends_with(".sql") {
            notes.push(format!(
                "{name}: not a Flyway version (V<number>__<description>.sql); ignored"
            ));
        }
    }
    if code.is_empty() {
        bail!(
            "--dir {}: no Flyway migrations (V<version>__<description>.sql)",
            dir.display()
        );
    }
    code.sort_by(|a, b| a.0.cmp(&b.0));
    let db: Vec<(FlywayVersion, &str, Option<&str>)> = applied
        .rows
        .iter()
        .filter_map(|(r, kind)| Some((FlywayVersion::parse(r)?, *r, *kind)))
        .collect();
    let current = db.iter().map(|d| &d.0).max();
    let pending: Vec<Pending> = code
        .iter()
        .filter(|c| !db.iter().any(|d| d.0 == c.0))
        .map(|c| Pending {
            revision: c.1.clone(),
            file: c.2.clone(),
            out_of_order: current.is_some_and(|cur| c.0 < *cur),
        })
        // Below the oldest row we read we cannot tell: only a complete history says.
        .filter(|p| {
            applied.complete || !p.out_of_order || db.iter().any(|d| d.0 < FlywayVersion::parse(&p.revision).unwrap())
        })
        .collect();
    if !applied.complete {
        notes.push(format!(
            "compared with the newest {} history rows only; older gaps are not checked",
            applied.rows.len()
        ));
    }
    // A baseline marks a starting point, not a file; everything else must be in the code.
    let unknown: Vec<String> = db
        .iter()
        .filter(|d| !d.2.is_some_and(|k| k.eq_ignore_ascii_case("BASELINE")))
        .filter(|d| Some(&d.0) == current && !code.iter().any(|c| c.0 == d.0))
        .map(|d| d.1.to_string())
        .collect();
    Ok(Comparison {
        known: code.len(),
        heads: code.last().map(|c| vec![c.1.clone()]).unwrap_or_default(),
        pending,
        unknown,
        notes,
    })
}

// --------------------------------------------------------------------------- golang-migrate

/// `0007_add_users.up.sql` → 7. Down files and anything else are not counted.
pub fn golang_migrate_file(name: &str) -> Option<u64> {
    let (version, rest) = name.split_once('_')?;
    let mut parts = rest.rsplitn(3, '.');
    let (_ext, direction) = (parts.next()?, parts.next()?);
    (direction == "up").then(|| version.parse().ok())?
}

fn golang_migrate(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let mut code: BTreeMap<u64, String> = BTreeMap::new();
    let mut notes = Vec::new();
    for path in files(dir, false)? {
        let name = file_name(&path);
        if let Some(v) = golang_migrate_file(&name)
            && let Some(other) = code.insert(v, name.clone())
        {
            notes.push(format!("version {v} is defined twice: {other} and {name}"));
        }
    }
    if code.is_empty() {
        bail!(
            "--dir {}: no golang-migrate files (<version>_<name>.up.<ext>)",
            dir.display()
        );
    }
    let current = applied.rows.first().and_then(|(r, _)| r.trim().parse::<u64>().ok());
    let pending = code
        .iter()
        .filter(|(v, _)| current.is_none_or(|c| **v > c))
        .map(|(v, f)| Pending {
            revision: v.to_string(),
            file: f.clone(),
            out_of_order: false,
        })
        .collect();
    let unknown = current
        .filter(|c| !code.contains_key(c))
        .map(|c| vec![c.to_string()])
        .unwrap_or_default();
    Ok(Comparison {
        known: code.len(),
        heads: code.keys().last().map(|v| vec![v.to_string()]).unwrap_or_default(),
        pending,
        unknown,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alembic_assignments_plain_annotated_and_merges() {
        let r = parse_alembic(
            "\"\"\"merge\n\nRevision ID: c3\n\"\"\"\nrevision: str = 'c3'\ndown_revision: Union[str, Sequence[str], None] = (\n    'b1',\n    \"b2\",\n)\nbranch_labels = None\n",
            "c3.py",
        )
        .unwrap();
        assert_eq!(r.id, "c3");
        assert_eq!(r.down, ["b1", "b2"]);
        let base = parse_alembic("revision = \"a1\"\ndown_revision = None\n", "a1.py").unwrap();
        assert!(base.down.is_empty());
        assert_eq!(parse_alembic("def upgrade():\n    revision = 'x'\n", "x.py"), None);
    }

    #[test]
    fn flyway_versions_compare_numerically_per_part() {
        let v = |s| FlywayVersion::parse(s).unwrap();
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.10.0"), v("1_10"));
        assert!(v("2") > v("1.999"));
        assert_eq!(flyway_file("V1_10__big.sql").unwrap().1, "1.10");
        assert_eq!(flyway_file("R__views.sql"), None);
        assert_eq!(flyway_file("U2__undo.sql"), None);
        assert_eq!(flyway_current(["1.9", "1.10", "1.2"].into_iter()), Some("1.10"));
    }

    #[test]
    fn golang_migrate_names() {
        assert_eq!(golang_migrate_file("0007_add_users.up.sql"), Some(7));
        assert_eq!(golang_migrate_file("0007_add_users.down.sql"), None);
        assert_eq!(golang_migrate_file("README.md"), None);
    }
}
