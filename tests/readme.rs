//! The README's examples run as written: every `dbrunbook ...` line of its code blocks that needs
//! only the local servers (PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306, and
//! `$DATABASE_URL` pointed at that PostgreSQL) is run through `sh`, the binary on the PATH as
//! `cargo install` puts it, and must not be refused: no usage error, no setting that does not
//! fit (`slow --interval 1m` with the default `--timeout`). Lines that need another host, a file
//! the reader has to supply, or never end (`--watch`, `serve`) are listed, not run.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// Why a line is not run here, if it is not.
fn not_runnable(line: &str, repo: &Path) -> Option<&'static str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words
        .iter()
        .any(|w| matches!(*w, "--watch" | "serve" | "--all" | "--tag"))
    {
        return Some("runs until stopped, or needs a fleet file");
    }
    if line.contains(" > ") {
        return Some("writes a file");
    }
    let hosts_elsewhere = words.iter().any(|w| {
        let w = w.trim_matches(['"', '\'']);
        w.contains("://") && !w.contains("@127.0.0.1") && !w.contains("$DATABASE_URL")
    });
    if hosts_elsewhere {
        return Some("needs a server that is not on this machine");
    }
    let missing_path = words.iter().any(|w| {
        let w = w.trim_matches(['"', '\'']);
        (w.starts_with("./") || w.starts_with('/')) && !w.contains('*') && !repo.join(w).exists()
    }) || line.contains("'/backups/");
    if missing_path {
        return Some("needs a file of the reader's");
    }
    if line.contains("| jq") && optional_program("jq", "jq").is_none() {
        return Some("jq is not installed");
    }
    None
}

/// The `dbrunbook ...` lines of the README's code blocks, their trailing comments cut.
fn readme_commands(readme: &str) -> Vec<String> {
    let mut in_block = false;
    let mut out = Vec::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let line = line.trim().trim_start_matches("$ ");
        if in_block && line.starts_with("dbrunbook ") {
            let command = match line.find("  #").or_else(|| line.find("   #")) {
                Some(at) => &line[..at],
                None => line,
            };
            out.push(command.trim_end().to_string());
        }
    }
    out
}

#[test]
fn readme_examples_run_as_written_against_the_local_servers() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_dbrunbook")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut ran = Vec::new();
    for command in readme_commands(&readme) {
        if let Some(why) = not_runnable(&command, repo) {
            eprintln!("not run ({why}): {command}");
            continue;
        }
        let out = Command::new("sh")
            .args(["-c", &command])
            .current_dir(repo)
            .env("PATH", &path)
            .env("DATABASE_URL", shared_pg_url())
            .env_remove("DBRUNBOOK_RUNBOOKS")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        let all = format!("$ {command}\nexit {code}\n{stdout}\n{stderr}");
        assert!((0..=3).contains(&code), "{all}");
        assert!(!stderr.contains("error:"), "refused as typed:\n{all}");
        assert!(!stdout.contains("does not fit in --timeout"), "{all}");
        // A report whose target could not be reached would pass the lines above: the examples
        // are about the local servers, which are up.
        assert!(!stdout.contains("cannot connect"), "{all}");
        ran.push(command);
    }
    assert!(
        ran.iter()
            .any(|c| c.starts_with("dbrunbook slow ") && c.contains("--interval 1m")),
        "the slow --interval 1m example ran: {ran:#?}"
    );
    assert!(ran.len() >= 10, "only {} README lines ran: {ran:#?}", ran.len());
}
