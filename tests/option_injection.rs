//! Server-supplied values never become command-line options: each printed shell step that
//! takes a value from the server, filled with a value starting with `-` and run as an on-call
//! would run it, must treat it as the value it is.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use dbrunbook::runbook::{Catalog, Dialect, template};

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
