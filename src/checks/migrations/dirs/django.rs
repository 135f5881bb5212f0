//! Django's migrations: every `<app>/migrations/` package below `--dir`, each app compared on
//! its own (Django records `app` and `name` per row). A module is a migration when its name
//! does not start with `_` or `~` (`MigrationLoader`); a squashed migration (`replaces = [...]`)
//! counts as applied when everything it replaces is, as Django's loader decides.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::alembic::string_literals;
use super::versioned::{self, File, Rules, Version};
use super::{Applied, Comparison, Row, file_name};

/// Directories never searched for apps: virtual environments, caches, version control.
const SKIP: [&str; 5] = ["node_modules", "site-packages", "venv", "__pycache__", "dist-packages"];
const MAX_DEPTH: usize = 6;

/// `(app label, migrations directory)` for every migrations package below `dir`.
fn packages(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    if file_name(dir) == "migrations" {
        let app = dir.parent().map(file_name).unwrap_or_default();
        return Ok(vec![(app, dir.to_path_buf())]);
    }
    let mut out = Vec::new();
    let mut todo = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = todo.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let e = e?;
            let path = e.path();
            let name = file_name(&path);
            // Links are not followed: a link loop must not multiply the walk.
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            if !dir || name.starts_with('.') || SKIP.contains(&name.as_str()) {
                continue;
            }
            if name == "migrations" {
                out.push((file_name(&d), path));
            } else if depth < MAX_DEPTH {
                todo.push((path, depth + 1));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The `(app, name)` pairs of a `replaces = [...]` assignment, if the file has one.
pub fn replaces(source: &str) -> Vec<(String, String)> {
    pairs_assigned(source, "replaces").unwrap_or_default()
}

/// The `(app, name)` pairs of `<key> = [...]` (`replaces`, `dependencies`): string literals
/// taken two by two (`swappable_dependency(...)` holds none and drops out); `None` when the
/// file has no such assignment.
fn pairs_assigned(source: &str, key: &str) -> Option<Vec<(String, String)>> {
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix(key) else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let mut value = value.to_string();
        while value.matches(['(', '[']).count() > value.matches([')', ']']).count() {
            match lines.next() {
                Some(more) => value.push_str(more),
                None => break,
            }
        }
        let s = string_literals(&value);
        return Some(
            s.chunks(2)
                .filter(|p| p.len() == 2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect(),
        );
    }
    None
}

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let apps = packages(dir)?;
    if apps.is_empty() {
        bail!(
            "--dir {}: no Django migrations packages (<app>/migrations/)",
            dir.display()
        );
    }
    // Applied names per app, from `app.name` rows.
    let mut done: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &applied.rows {
        if let Some((app, name)) = r.revision.split_once('.') {
            done.entry(app.to_string()).or_default().push(name.to_string());
        }
    }
    let mut all = Comparison::default();
    let mut seen = BTreeSet::new();
    for (app, package) in &apps {
        if !seen.insert(app.clone()) {
            all.notes
                .push(format!("app {app} has two migrations packages; the first is compared"));
            continue;
        }
        let mut code = Vec::new();
        let mut graph = Vec::new();
        let mut names = done.get(app).cloned().unwrap_or_default();
        let applied_set: BTreeSet<String> = names.iter().cloned().collect();
        for path in super::files(package, false)? {
            let file = file_name(&path);
            let Some(name) = file.strip_suffix(".py") else { continue };
            if name.starts_with(['_', '~']) {
                continue;
            }
            let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let replaced = replaces(&source);
            graph.push(Node {
                name: name.to_string(),
                depends: pairs_assigned(&source, "dependencies").map(|d| same_app(d, app)),
                replaces: same_app(replaced.clone(), app),
            });
            // Django records the replaced migrations, not the squash: when all of them ran, the
            // squash counts as applied and they stand for it.
            if !replaced.is_empty() && replaced.iter().all(|(a, n)| a == app && applied_set.contains(n)) {
                names.retain(|n| !replaced.iter().any(|(_, r)| r == n));
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
            code.push(File {
                version: Version::text(name),
                revision: format!("{app}.{name}"),
                file: format!("{app}/migrations/{file}"),
                checksummed: None,
            });
        }
        if code.is_empty() {
            continue;
        }
        all.conflicts.extend(conflict(app, &graph));
        let rows: Vec<Row> = names
            .iter()
            .map(|n| Row {
                revision: n,
                kind: None,
                checksum: None,
            })
            .collect();
        let one = Applied {
            rows,
            complete: applied.complete,
        };
        let rules = Rules {
            version: |r| Some(Version::text(r)),
            checksum: None,
        };
        let c = versioned::compare(code, &one, &rules, Vec::new())?;
        all.known += c.known;
        all.heads.extend(c.heads);
        all.pending.extend(c.pending);
        all.unknown.extend(c.unknown.into_iter().map(|u| format!("{app}.{u}")));
        all.notes.extend(c.notes.into_iter().map(|n| format!("{app}: {n}")));
    }
    let outside: Vec<&str> = done.keys().filter(|a| !seen.contains(*a)).map(String::as_str).collect();
    if !outside.is_empty() {
        all.notes.push(format!(
            "apps with applied migrations but no package below --dir (installed apps?), not compared: {}",
            outside.join(", ")
        ));
    }
    all.notes.dedup();
    Ok(all)
}

/// One migration of an app: its name, and the migrations of the same app it depends on and
/// replaces (a squash).
struct Node {
    name: String,
    /// `None` when the file has no `dependencies` assignment.
    depends: Option<Vec<String>>,
    replaces: Vec<String>,
}

fn same_app(pairs: Vec<(String, String)>, app: &str) -> Vec<String> {
    pairs.into_iter().filter(|(a, _)| a == app).map(|(_, n)| n).collect()
}

/// `app: leaf, leaf` when the app has more than one leaf. Only a graph every file declares can
/// be judged (`makemigrations` always writes `dependencies`; a file without it is not one
/// Django generated).
fn conflict(app: &str, graph: &[Node]) -> Option<String> {
    if !graph.iter().all(|n| n.depends.is_some()) {
        return None;
    }
    let leaves = leaves(graph);
    (leaves.len() > 1).then(|| format!("{app}: {}", leaves.join(", ")))
}

/// The app's leaf nodes: migrations no other migration of the app depends on. Django's
/// `makemigrations --check` and `migrate` refuse to go on with more than one ("Conflicting
/// migrations detected; multiple leaf nodes in the migration graph", `MigrationLoader.
/// detect_conflicts`). A squash counts as depended on when any migration it replaces is.
fn leaves(graph: &[Node]) -> Vec<String> {
    let depended: BTreeSet<&str> = graph
        .iter()
        .flat_map(|n| n.depends.iter().flatten().map(String::as_str))
        .collect();
    let replaced: BTreeSet<&str> = graph
        .iter()
        .flat_map(|n| n.replaces.iter().map(String::as_str))
        .collect();
    graph
        .iter()
        .filter(|n| !depended.contains(n.name.as_str()) && !n.replaces.iter().any(|r| depended.contains(r.as_str())))
        // A migration a squash replaces is represented by the squash.
        .filter(|n| !replaced.contains(n.name.as_str()))
        .map(|n| n.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_replaces_are_read() {
        let src = "class Migration(migrations.Migration):\n    replaces = [\n        ('shop', '0001_initial'),\n        (\"shop\", \"0002_price\"),\n    ]\n";
        assert_eq!(
            replaces(src),
            [
                ("shop".into(), "0001_initial".into()),
                ("shop".into(), "0002_price".into())
            ]
        );
        assert!(replaces("class Migration:\n    dependencies = []\n").is_empty());
    }

    #[test]
    fn two_leaves_of_one_app_are_found() {
        let node = |name: &str, depends: &[&str]| Node {
            name: name.into(),
            depends: Some(depends.iter().map(|d| d.to_string()).collect()),
            replaces: Vec::new(),
        };
        let graph = [
            node("0001_initial", &[]),
            node("0002_a", &["0001_initial"]),
            node("0002_b", &["0001_initial"]),
        ];
        assert_eq!(leaves(&graph), ["0002_a", "0002_b"]);
        let merged = [
            node("0001_initial", &[]),
            node("0002_a", &["0001_initial"]),
            node("0002_b", &["0001_initial"]),
            node("0003_merge", &["0002_a", "0002_b"]),
        ];
        assert_eq!(leaves(&merged), ["0003_merge"]);
    }
}
