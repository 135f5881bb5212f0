//! Escape sequences from outside the database: a user runbook file whose title, symptoms, steps
//! or file name carry ANSI colours, an OSC 8 hyperlink or a bidi override, a `--url` host with
//! escapes, an argument with escapes: none of it reaches the terminal raw in `runbooks list`,
//! `runbooks show`, the report table or an error. JSON keeps the text as written, as valid JSON.

use std::path::Path;

use crate::support::*;

/// An OSC 8 link to http://evil, a red colour and a right-to-left override, as YAML escapes.
const HOSTILE: &str = r"\x1b]8;;http://evil\x07click me\x1b]8;;\x07 \x1b[31mred\x1b[0m \u202Eeht";

/// Raw bytes that must never reach a terminal.
fn assert_defused(what: &str, run: &Run) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for bad in ['\x1b', '\x07', '\u{202E}'] {
            assert!(!text.contains(bad), "{what}: {name} holds {bad:?}:\n{text:?}");
        }
    }
}

/// A runbook directory with one hostile runbook for the pool check; it applies to UNKNOWN
/// results, so a refused connection shows it. The file name is hostile too.
fn hostile_runbooks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "id: hostile\n\
         title: \"{HOSTILE}\"\n\
         check: pool\n\
         engines: [postgres, mysql]\n\
         statuses: [unknown]\n\
         symptoms:\n  - \"symptom {HOSTILE}\"\n\
         remediation:\n  immediate:\n    - text: \"step {HOSTILE}\"\n      sql:\n        postgres: \"SELECT 1; -- {HOSTILE}\"\n"
    );
    std::fs::write(dir.path().join("\x1b[31mevil\u{202E}.yaml"), yaml).unwrap();
    dir
}

fn dir_arg(dir: &Path) -> String {
    dir.to_str().unwrap().to_string()
}

#[test]
fn hostile_runbook_is_defused_in_runbooks_list() {
    let dir = hostile_runbooks();
    let run = dbrunbook(&["runbooks", "list", "--runbooks", &dir_arg(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_defused("runbooks list", &run);
    assert!(
        run.stdout.contains("hostile") && run.stdout.contains("click me"),
        "{}",
        run.stdout
    );

    let run = dbrunbook(&[
        "runbooks",
        "list",
        "--runbooks",
        &dir_arg(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let list = run.json();
    let rb = list.as_array().unwrap().iter().find(|r| r["id"] == "hostile").unwrap();
    assert!(
        rb["title"].as_str().unwrap().contains("\x1b]8;;http://evil\x07"),
        "JSON keeps the data"
    );
    assert!(!run.stdout.contains('\x1b'), "serde escapes control characters");
}

#[test]
fn hostile_runbook_is_defused_in_runbooks_show() {
    let dir = hostile_runbooks();
    let run = dbrunbook(&["runbooks", "show", "hostile", "--runbooks", &dir_arg(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_defused("runbooks show", &run);
    for text in ["click me", "symptom", "step", "SELECT 1;", "evil"] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let run = dbrunbook(&[
        "runbooks",
        "show",
        "hostile",
        "--runbooks",
        &dir_arg(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.json()["symptoms"][0].as_str().unwrap().contains('\u{202E}'));
}

#[test]
fn hostile_runbook_is_defused_in_the_report_table() {
    let dir = hostile_runbooks();
    let run = dbrunbook(&[
        "pool",
        "--url",
        "postgres://u@127.0.0.1:1/db",
        "--runbooks",
        &dir_arg(dir.path()),
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert_defused("pool table", &run);
    assert!(
        run.stdout.contains("Runbook hostile:") && run.stdout.contains("click me"),
        "{}",
        run.stdout
    );
}

#[test]
fn hostile_url_host_is_defused_in_the_table_header() {
    // Percent-encoded escapes decode into the host; a socket directory path carries them raw.
    for url in [
        "postgres://u@%1B%5D8%3B%3Bhttp%3A%2F%2Fevil%07x%1B%5B31m%E2%80%AE:1/db",
        "host=/nonexistent/\x1b]8;;http://evil\x07x\x1b[31m\u{202E} port=1 user=u dbname=db",
    ] {
        for verbose in [false, true] {
            let mut args = vec!["pool", "--url", url, "--connect-timeout", "2s", "--color", "never"];
            if verbose {
                args.push("-v");
            }
            let run = dbrunbook(&args);
            assert_eq!(run.code, 3, "{}", run.all());
            assert_defused(url, &run);
            assert!(run.stdout.starts_with("dbrunbook: postgres at "), "{}", run.stdout);
            let run = dbrunbook(&["pool", "--url", url, "--connect-timeout", "2s", "--format", "nagios"]);
            assert_defused(url, &run);
            let run = dbrunbook(&["pool", "--url", url, "--connect-timeout", "2s", "--format", "json"]);
            assert!(run.json()["target"]["url"].as_str().unwrap().contains("evil"));
        }
    }
}

#[test]
fn hostile_runbook_problem_is_defused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        format!(
            "id: bad\ntitle: T\ncheck: \"{HOSTILE}\"\nengines: [postgres]\nremediation:\n  immediate:\n    - text: x\n"
        ),
    )
    .unwrap();
    let run = dbrunbook(&["runbooks", "validate", &dir_arg(dir.path())]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_defused("runbooks validate", &run);
    assert!(run.stderr.contains("unknown check"), "{}", run.stderr);
}

#[test]
fn hostile_argument_is_defused_in_usage_errors() {
    for args in [
        // A second URL after the subcommand is one too many: a usage error.
        vec!["pool", "postgres://h/db", "\x1b]8;;http://evil\x07x\x1b[31m\u{202E}"],
        vec!["runbooks", "show", "\x1b]8;;http://evil\x07x\x1b[31m\u{202E}"],
        vec!["pool", "--timeout", "\x1b[31m5s"],
    ] {
        let run = dbrunbook(&args);
        assert!(run.code == 3 || run.code == 1, "{args:?}: {}", run.all());
        assert_defused(&format!("{args:?}"), &run);
        assert!(!run.stderr.is_empty());
    }
    // The first word after the subcommand is its URL: a hostile one is refused in the report.
    let run = dbrunbook(&["pool", "\x1b]8;;http://evil\x07x\x1b[31m\u{202E}"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert_defused("a hostile URL", &run);
    assert!(!run.stdout.is_empty(), "{}", run.all());
}
