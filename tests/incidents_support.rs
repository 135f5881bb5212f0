//! What the incident tests share: applications whose output is watched as they run, an on-call's
//! hands (run a runbook step's SQL with the server's own client, as it is printed), and the
//! runbooks directory that tunes thresholds for servers seconds old.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::apps::App;

/// An application, its stdout lines collected as it prints them.
pub struct Watched {
    pub name: String,
    _app: App,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    });
}

impl Watched {
    pub fn start(script: &str, args: &[&str]) -> Watched {
        let mut app = App::start(script, args, &[]);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        collect(app.child.stdout.take().unwrap(), lines.clone());
        collect(app.child.stderr.take().unwrap(), stderr.clone());
        Watched {
            name: args.get(1).copied().unwrap_or(script).to_string(),
            _app: app,
            lines,
            stderr,
        }
    }

    /// How many lines the application has printed so far: a mark to look after.
    pub fn mark(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// The lines printed since `mark`.
    pub fn since(&self, mark: usize) -> Vec<String> {
        self.lines.lock().unwrap()[mark..].to_vec()
    }

    /// Waits (bounded, generous: the machine is shared) until the lines since `mark` satisfy
    /// `ready`; panics with what the application printed if they never do.
    pub fn wait_for(&self, mark: usize, what: &str, ready: impl Fn(&[String]) -> bool) {
        let started = Instant::now();
        while !ready(&self.since(mark)) {
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "{}: never {what}; printed {:?}; stderr {:?}",
                self.name,
                self.since(mark).iter().rev().take(5).collect::<Vec<_>>(),
                self.stderr.lock().unwrap().iter().rev().take(20).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

pub fn oks(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("ok ")).count()
}

pub fn errors(lines: &[String]) -> Vec<&String> {
    lines.iter().filter(|l| l.starts_with("error ")).collect()
}

/// The on-call's PATH: the clients in `clients`, and `dbrunbook` itself (the steps print
/// `dbrunbook end ...`), before the rest.
pub fn on_call_path(clients: &std::path::Path) -> String {
    let tool = std::path::Path::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .parent()
        .unwrap()
        .to_path_buf();
    format!(
        "{}:{}:{}",
        tool.display(),
        clients.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The output of a client program; panics with its stderr when it fails.
pub fn client(cmd: &mut Command) -> String {
    let out = cmd.output().expect("running the client");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The runbooks directory of the incident suite: the test servers started seconds ago (their
/// restart is not the incident), and a leak is what sat idle in its transaction for more than
/// 5 seconds (the default minute would make every test wait a minute).
pub fn incident_runbooks() -> [String; 2] {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("incident-runbooks");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            (
                "started-just-now.yaml",
                "id: test-started-just-now\ntitle: A test server that started seconds ago\ncheck: connect\n\
                 engines: [postgres, mysql]\nstatuses: [warning]\nwhen: [restarted]\n\
                 thresholds:\n  restarted_within: 1ms\nremediation:\n  immediate:\n    - text: Nothing to do, a test server.\n",
            ),
            (
                "leaked-after.yaml",
                "id: test-leaked-after\ntitle: Leaks are counted after 5 seconds on test servers\ncheck: pool\n\
                 engines: [postgres, mysql]\nstatuses: [warning]\nwhen: [clients_waiting]\n\
                 thresholds:\n  leaked_after: 5s\nremediation:\n  immediate:\n    - text: Never chosen on a server.\n",
            ),
        ] {
            // Written aside and renamed over: test threads never read a half-written file.
            let aside = dir.join(format!(".{name}.{}", std::process::id()));
            std::fs::write(&aside, text).unwrap();
            std::fs::rename(&aside, dir.join(name)).unwrap();
        }
        dir
    });
    ["--runbooks".to_string(), dir.display().to_string()]
}

/// The check named `name` in a report.
pub fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:#}"))
}

/// The runbook steps of a check, in order: (phase, text, sql, shell).
pub fn steps(check: &serde_json::Value) -> Vec<(String, String, Option<String>, Option<String>)> {
    check["runbook"]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no runbook: {check:#}"))
        .iter()
        .map(|s| {
            (
                s["phase"].as_str().unwrap().to_string(),
                s["text"].as_str().unwrap().to_string(),
                s["sql"].as_str().map(str::to_string),
                s["shell"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// `dbrunbook diagnose ARGS --format json` during an incident, the time it took printed for the
/// issue's note (reported, never asserted: the machine is shared).
pub fn diagnose_during(incident: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diagnose"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let started = std::time::Instant::now();
    let report = crate::support::dbrunbook(&all).json();
    eprintln!(
        "incident {incident}: diagnose took {} ms by its JSON, {} ms wall",
        report["elapsed_ms"],
        started.elapsed().as_millis()
    );
    report
}

/// psql as the superuser on a throwaway server, unaligned, as an on-call pastes a step.
pub fn pg_sql(pg: &crate::support::ThrowawayPg, db: &str, sql: &str) -> String {
    client(
        Command::new(pg.bin("psql"))
            .args([
                "-X",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                db,
            ])
            .args(["-p", &pg.port.to_string(), "-c", sql]),
    )
}

/// A number `sql` returns.
pub fn pg_count(pg: &crate::support::ThrowawayPg, db: &str, sql: &str) -> i64 {
    pg_sql(pg, db, sql).trim().parse().unwrap()
}
