//! Alembic's `versions/*.py`: the `revision` and `down_revision` assignments read as text
//! (never imported), the graph they make with branches and merges, its heads, and the
//! revisions pending in the order `alembic upgrade heads` would run them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::{Applied, Comparison, Pending, file_name, files};

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
pub(super) fn string_literals(expr: &str) -> Vec<String> {
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

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
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
    let at: Vec<&str> = applied.rows.iter().map(|r| r.revision).collect();
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
        ..Comparison::default()
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
}
