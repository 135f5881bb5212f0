//! Server-supplied values never become command-line options: each printed shell step that
//! takes a value from the server, filled with a value starting with `-` and run as an on-call
//! would run it, must treat it as the value it is.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use dbrunbook::runbook::{Catalog, Dialect, template};

use crate::support::apps::app_python;
use crate::support::*;

/// The shell line of `runbook`'s step whose line holds `marker`, filled with `facts`.
fn filled_shell(runbook: &str, marker: &str, facts: &[(&str, &str)]) -> String {
    let catalog = Catalog::embedded().expect("the embedded runbooks load");
    let rb = catalog.get(runbook).expect("the runbook exists");
    let line = rb
        .phases()
        .iter()
        .flat_map(|(_, steps)| steps.iter())
        .filter_map(|s| s.shell.get(&Dialect::Postgres))
        .find(|l| l.contains(marker))
        .expect("the step exists")
        .clone();
    let facts: BTreeMap<String, String> = facts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    template::fill_shell(&line, &facts).expect("the step fills")
}

#[test]
fn single_user_mode_step_takes_a_dash_database_name_as_a_name() {
    // From #21: a database named `-c...` became a server option of `postgres --single`.
    let name = "-cwork_mem=77MB";
    let line = filled_shell("wraparound-risk", "--single", &[("database", name)]);
    assert!(line.contains("-- '-cwork_mem=77MB'"), "{line}");
    let pg = ThrowawayPg::start(PgOptions::default());
    let data = pg.data_dir();
    let stopped = as_postgres(&pg.bin("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .args(["stop", "-m", "fast", "-w"])
        .status()
        .unwrap();
    assert!(stopped.success());
    // As printed, with this machine's way to become postgres and its server binary.
    let runnable = line.replacen(
        "sudo -u postgres postgres",
        &format!("runuser -u postgres -- {}", pg.bin("postgres").display()),
        1,
    );
    let mut child = Command::new("sh")
        .args(["-c", &runnable])
        .env("PGDATA", &data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT current_setting('work_mem');\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("database \"-cwork_mem=77MB\" does not exist"),
        "{runnable}\n{all}"
    );
    assert!(!all.contains("\"77MB\""), "the name became an option: {all}");
}

/// A value that would be an option if a command read it as one.
const DASH: &str = "-pwned";

/// Every shell line of every shipped runbook that holds a `|sh` placeholder, any dialect, as
/// (runbook id, line); `example:` blocks too.
fn sh_lines() -> Vec<(String, String)> {
    let catalog = Catalog::embedded().expect("the embedded runbooks load");
    let mut out = Vec::new();
    for rb in catalog.runbooks() {
        for step in rb.phases().iter().flat_map(|(_, steps)| steps.iter()) {
            for text in step.shell.values().chain(step.example.values()) {
                for line in text.lines().filter(|l| l.contains("|sh}}")) {
                    out.push((rb.id.clone(), line.to_string()));
                }
            }
        }
    }
    out
}

/// Every placeholder of `line` given `value`.
fn all_facts(line: &str, value: &str) -> BTreeMap<String, String> {
    template::placeholders(line)
        .unwrap()
        .into_iter()
        .map(|p| (p.name, value.to_string()))
        .collect()
}

/// The words of a filled command line that start with the quoted `value`, each with whether a
/// `--` word stands before it in its simple command (cut at `;`, `|`, `&`, `(` and `)`): read
/// here by a tokenizer of the test's own, not the template's.
fn value_words(filled: &str, value: &str) -> Vec<(String, bool)> {
    let quoted = format!("'{value}'");
    let mut out = Vec::new();
    for command in filled.split([';', '|', '&', '(', ')']) {
        let mut ended = false;
        for word in command.split_whitespace() {
            if word.starts_with(&quoted) || word.starts_with(&format!("\"{quoted}")) {
                out.push((word.to_string(), ended));
            }
            ended |= word == "--";
        }
    }
    out
}

/// #21 item 3, checked structurally for every `|sh` use: filled with `-pwned`, each value that
/// begins a word stands after `--` in its command, or the line is refused (not printed) rather
/// than passing it as an option; filled with a plain value, every line fills. No placeholder
/// sits inside double quotes, where its single quotes would be text and `$(...)` in a value
/// would run.
#[test]
fn every_sh_placeholder_is_an_operand_after_double_dash_or_its_dash_value_is_refused() {
    let lines = sh_lines();
    assert!(lines.len() >= 40, "the shipped runbooks' |sh lines: {}", lines.len());
    let mut refused = Vec::new();
    for (id, line) in &lines {
        in_no_double_quotes(id, line);
        let plain = template::fill_shell(line, &all_facts(line, "app"));
        assert!(plain.is_some(), "{id}: a plain value does not fill: {line}");
        match template::fill_shell(line, &all_facts(line, DASH)) {
            None => refused.push(format!("{id}: {line}")),
            Some(filled) => {
                for (word, after_double_dash) in value_words(&filled, DASH) {
                    assert!(
                        after_double_dash,
                        "{id}: {word} could be read as an option in: {filled}"
                    );
                }
            }
        }
    }
    // The refused lines are those whose tool reads a separate option value (`openssl -connect`,
    // `migrate force`, `prisma --rolled-back`): they must still be few, and the riskiest
    // (postgres --single, alembic, dbrunbook end) are not among them.
    for risky in ["postgres --single", "alembic", "dbrunbook end", "printf"] {
        assert!(
            !refused.iter().any(|r| r.contains(risky)),
            "{risky} is refused rather than written with --: {refused:#?}"
        );
    }
    assert!(refused.len() <= 8, "{refused:#?}");
}

/// Fails when a `{{x|sh}}` placeholder stands inside double quotes outside a `$(...)`.
fn in_no_double_quotes(id: &str, line: &str) {
    let mut quoted = Vec::new(); // one entry per open `"` or `$(`: true for a double quote
    let mut single = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let in_double = quoted.last() == Some(&true);
        if single {
            single = c != '\'';
        } else if c == '\'' && !in_double {
            single = true;
        } else if c == '$' && chars.get(i + 1) == Some(&'(') {
            quoted.push(false);
            i += 1;
        } else if c == ')' && quoted.last() == Some(&false) {
            quoted.pop();
        } else if c == '"' {
            if in_double {
                quoted.pop();
            } else {
                quoted.push(true);
            }
        } else if c == '{' && chars.get(i + 1) == Some(&'{') {
            assert!(!in_double, "{id}: a placeholder inside double quotes: {line}");
        }
        i += 1;
    }
}

/// The archive_command step: a server-supplied value that starts like `echo`'s options (and
/// holds a command substitution) is printed as written, nothing run.
#[test]
fn archive_command_step_prints_a_dash_value_as_it_is() {
    let value = "-e \\x41 $(touch pwned)";
    let line = filled_shell(
        "wal-archiving-failing",
        "archive_command",
        &[("archive_command", value)],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .args(["-c", &line])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("archive_command={value}\n")),
        "{line}\n{stdout}"
    );
    assert!(!dir.path().join("pwned").exists(), "{line} ran the value");
}

/// Alembic's revision read from the server's alembic_version (a database owner writes it): a
/// revision starting with `-` is the revision to look up, not an option of `alembic upgrade`
/// nor of `alembic stamp`.
#[test]
fn alembic_steps_take_a_dash_revision_as_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let alembic = |args: &[&str]| {
        Command::new(app_python())
            .args(["-m", "alembic"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    assert!(alembic(&["init", "-t", "generic", "mig"]).status.success());
    let ini = dir.path().join("alembic.ini");
    let text = std::fs::read_to_string(&ini).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("sqlalchemy.url") {
                "sqlalchemy.url = sqlite:///x.db"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&ini, text).unwrap();
    let python = app_python();
    let bin = python.parent().unwrap();
    for (runbook, marker, fact) in [
        ("migration-behind", "alembic upgrade", "current"),
        ("migration-unknown-revision", "alembic stamp", "expected"),
    ] {
        let line = filled_shell(runbook, marker, &[(fact, "-xpwned")]);
        let cmd = &line[line.find("alembic").unwrap()..];
        let out = Command::new("sh")
            .args(["-c", cmd])
            .current_dir(dir.path())
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("Can't locate revision identified by '-xpwned'"),
            "{cmd}\n{all}"
        );
    }
}
