//! The shape of the house, checked: no import cycle between the top-level modules of `src/`
//! (the pipeline in `diagnose/` never reaches back into `app/`, `fleet/` or the output layer's
//! callers), no function longer than one screen, and every file opening with the `//!` line
//! that says what lives in it. Text-level checks over the source, so they run without a server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest function body, in lines, before it must be split into named steps.
const MAX_FUNCTION_LINES: usize = 100;

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

/// The file's text without its unit tests (`#[cfg(test)]` to the end, as this project writes them).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// The top-level module a file belongs to (`src/checks/locks/mod.rs` → `checks`); `None` for
/// the crate roots.
fn top_module(path: &Path) -> Option<String> {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Top-level modules a file names through `crate::`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// A cycle in the graph, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_between_the_top_level_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources() {
        let Some(module) = top_module(&path) else { continue };
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(imports(without_tests(&text)).into_iter().filter(|m| *m != module));
    }
    assert!(graph.len() > 10, "the walk found the modules: {:?}", graph.keys());
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import cycle between modules: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_finders_find_what_they_look_for() {
    let long = format!(
        "fn short() {{\n}}\n    pub async fn long() {{\n{}    }}\n",
        "        step();\n".repeat(120)
    );
    assert_eq!(long_functions(&long), vec![(3, "long".to_string(), 122)]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("app", vec!["fleet", "report"]),
        ("fleet", vec!["report", "app"]),
        ("report", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["app".into(), "fleet".into(), "app".into()])
    );
    assert_eq!(
        imports("use crate::{a, b::c};\nlet x = crate::d::e();"),
        ["a", "b", "d"].map(String::from).into()
    );
}

/// Functions that run past `MAX_FUNCTION_LINES`: `fn` lines and the `}` at the same indent.
fn long_functions(text: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut long = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let signature = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
            "pub(crate) async fn ",
        ]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p));
        let Some(signature) = signature else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let closing = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == closing) {
            let length = end + 2;
            if length > MAX_FUNCTION_LINES {
                let name: String = signature
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                long.push((i + 1, name, length));
            }
        }
    }
    long
}

#[test]
fn no_function_longer_than_one_screen() {
    let mut long = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        for (line, name, length) in long_functions(without_tests(&text)) {
            long.push(format!("{}:{line} {name} ({length} lines)", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these into named steps (at most {MAX_FUNCTION_LINES} lines each):\n{}",
        long.join("\n")
    );
}

#[test]
fn every_source_file_says_what_lives_in_it() {
    let silent: Vec<String> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(silent.is_empty(), "files without a //! line: {silent:?}");
}

/// Every byte the program writes passes the one redaction boundary: stdout through
/// `report::output`, stderr through `log`. Nowhere else may print or take a standard stream to
/// write to (asking whether one is a terminal is fine; progress bars draw on their own, with
/// messages that pass the boundary).
#[test]
fn only_the_boundary_writes_to_stdout_and_stderr() {
    let writers = [
        "eprintln!",
        "eprint!(",
        "println!",
        "print!(",
        "io::stdout()",
        "io::stderr()",
    ];
    let mut found = Vec::new();
    for path in sources() {
        let rel = path
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "src/log.rs" || rel == "src/report/output.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in without_tests(&text).lines().enumerate() {
            let line = line.trim();
            if line.starts_with("//") || line.contains(".is_terminal()") {
                continue;
            }
            if writers.iter().any(|w| line.contains(w)) {
                found.push(format!("{rel}:{}: {line}", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "write through crate::log (stderr) or report::output (stdout), which pass redact::boundary:\n{}",
        found.join("\n")
    );
}
