//! An on-call's hands during an incident on a throwaway server of either engine: run a printed
//! runbook step's SQL or shell line with the server's own client exactly as printed (the PATH an
//! on-call has), run dbrunbook as they would (a state directory of the test's own for its
//! counters between runs, the runbooks directory that tunes thresholds for servers seconds old,
//! the time `diagnose` took printed for the note), read the report's checks and steps,
//! and wait, bounded, for an application to get there.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Run, ThrowawayMaria, ThrowawayPg, dbrunbook_env};

/// A throwaway server of either engine.
pub enum Server {
    Pg(ThrowawayPg),
    Maria(ThrowawayMaria),
}

/// The database the incident's application uses.
pub const APP_DB: &str = "bank";

impl Server {
    /// A new server with an empty application database.
    pub fn start(pg: bool) -> Server {
        let server = if pg {
            Server::Pg(ThrowawayPg::start(super::PgOptions::default()))
        } else {
            Server::Maria(ThrowawayMaria::start(100))
        };
        server.create_app_db();
        server
    }

    /// Like [`Server::start`], keeping statement statistics: pg_stat_statements preloaded and
    /// created in the application database; MariaDB's performance_schema on.
    pub fn with_statement_statistics(pg: bool) -> Server {
        let server = if pg {
            Server::Pg(ThrowawayPg::start(super::PgOptions {
                settings: &["shared_preload_libraries=pg_stat_statements"],
                ..super::PgOptions::default()
            }))
        } else {
            Server::Maria(ThrowawayMaria::start_with(100, &["--performance-schema=ON"]))
        };
        server.create_app_db();
        if pg {
            server.sql(APP_DB, "CREATE EXTENSION pg_stat_statements;");
        }
        server
    }

    /// A MariaDB with these server options (`--net-write-timeout=600`...) and an empty
    /// application database.
    pub fn maria_with(options: &[&str]) -> Server {
        let server = Server::Maria(ThrowawayMaria::start_with(100, options));
        server.create_app_db();
        server
    }

    /// The one number a query returns (the last line of the client's output, under its header).
    pub fn count(&self, db: &str, sql: &str) -> i64 {
        let out = self.sql(db, sql);
        let last = out.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
        last.trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a number from {sql}: {out}"))
    }

    fn create_app_db(&self) {
        match self {
            Server::Pg(p) => p.psql(&[&format!("CREATE DATABASE {APP_DB}")]),
            Server::Maria(_) => {
                self.sql("mysql", &format!("CREATE DATABASE {APP_DB}"));
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Server::Pg(_) => "postgres",
            Server::Maria(_) => "mariadb",
        }
    }

    /// dbrunbook's URL for the application database, as the superuser.
    pub fn url(&self) -> String {
        match self {
            Server::Pg(p) => p.url("postgres", APP_DB),
            Server::Maria(m) => format!("mysql://root@127.0.0.1:{}/{APP_DB}", m.port),
        }
    }

    /// SQLAlchemy's URL for the application database, with the driver the application uses.
    pub fn app_url(&self) -> String {
        match self {
            Server::Pg(p) => format!("postgresql+psycopg2://postgres@127.0.0.1:{}/{APP_DB}", p.port),
            Server::Maria(m) => format!("mysql+pymysql://root@127.0.0.1:{}/{APP_DB}", m.port),
        }
    }

    /// Runs SQL as the superuser in `db` with the server's own client (psql, mariadb), stopping
    /// at the first error; its output. Panics with the client's words when it fails.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let mut cmd = match self {
            Server::Pg(p) => super::snippets::psql(&p.bin("psql"), p.port, db),
            Server::Maria(m) => {
                let mut c = super::maria_tool("mariadb", m.port);
                c.arg(db);
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the server's client");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(sql.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{} refused:\n{sql}\n{}",
            self.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// dbrunbook runs that share one state directory of their own (`XDG_STATE_HOME`): the counters
/// one run keeps for the next, as a cron job's runs do.
pub struct Cron {
    dir: tempfile::TempDir,
}

impl Cron {
    pub fn new() -> Cron {
        Cron {
            dir: tempfile::Builder::new().prefix("dbrunbook-state-").tempdir().unwrap(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        dbrunbook_env(args, &[("XDG_STATE_HOME", self.dir.path().to_str().unwrap())])
    }

    /// The JSON report of `args`, with the run's status code checked against the report's.
    pub fn report(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let run = self.run(&all);
        let report = run.json();
        assert_eq!(
            report["exit_code"],
            run.code,
            "exit code and report disagree: {}",
            run.all()
        );
        report
    }
}

/// The check named `name` in a report.
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:#}"))
}

/// One step of a check's filled runbook, as the JSON report prints it.
#[derive(Debug, Clone)]
pub struct Step {
    /// `diagnose`, `immediate`, `long_term` or `escalation`.
    pub phase: String,
    pub text: String,
    pub sql: Option<String>,
    pub shell: Option<String>,
}

/// Every step of a check's runbook, in the order the on-call follows them; panics when the
/// check has no runbook.
pub fn steps(check: &Value) -> Vec<Step> {
    check["runbook"]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no runbook: {check:#}"))
        .iter()
        .map(|s| Step {
            phase: s["phase"].as_str().unwrap().to_string(),
            text: s["text"].as_str().unwrap().to_string(),
            sql: s["sql"].as_str().map(str::to_string),
            shell: s["shell"].as_str().map(str::to_string),
        })
        .collect()
}

/// The steps of a check's runbook in one phase (`diagnose`, `immediate`, `long_term`); none
/// when the check has no runbook.
pub fn steps_in(check: &Value, phase: &str) -> Vec<Step> {
    if check["runbook"]["steps"].is_null() {
        return Vec::new();
    }
    steps(check).into_iter().filter(|s| s.phase == phase).collect()
}

/// Waits until `ready` (bounded and generous: the machine is shared by many tests); panics
/// saying what did not happen.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{what}: not within 3 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
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

/// A runbook's `shell:` line as the on-call runs it: `sh -c` in `dir` (where evidence files
/// land), the clients of `clients` and dbrunbook first on PATH, the target in DATABASE_URL, and a
/// state directory of the on-call's own; add what their shell has besides (PGHOST, HOME...).
pub fn on_call_shell(shell: &str, dir: &std::path::Path, clients: &std::path::Path, database_url: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", shell])
        .current_dir(dir)
        .env("PATH", on_call_path(clients))
        .env("DATABASE_URL", database_url)
        .env("XDG_STATE_HOME", std::env::temp_dir().join("dbrunbook-oncall-state"));
    cmd
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

/// `dbrunbook diagnose ARGS --format json` during an incident, the time it took printed for the
/// issue's note (reported, never asserted: the machine is shared).
pub fn diagnose_during(incident: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diagnose"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let started = std::time::Instant::now();
    let report = super::dbrunbook(&all).json();
    eprintln!(
        "incident {incident}: diagnose took {} ms by its JSON, {} ms wall",
        report["elapsed_ms"],
        started.elapsed().as_millis()
    );
    report
}

/// psql as the superuser on a throwaway server, unaligned, as an on-call pastes a step.
pub fn pg_sql(pg: &ThrowawayPg, db: &str, sql: &str) -> String {
    client(super::snippets::psql(&pg.bin("psql"), pg.port, db).args(["-At", "-c", sql]))
}

/// A number `sql` returns.
pub fn pg_count(pg: &ThrowawayPg, db: &str, sql: &str) -> i64 {
    pg_sql(pg, db, sql).trim().parse().unwrap()
}

/// The mariadb client as `user` on a throwaway server, over TCP without TLS (the server has
/// none), with no option file: the test's and the deploy's hands.
pub fn mariadb_as(port: u16, user: &str) -> Command {
    let mut cmd = super::maria_command("mariadb", "127.0.0.1", &port.to_string(), user);
    cmd.arg("--skip-ssl");
    cmd
}

/// The nightly backup running through the incident: a real `mariadb-dump --single-transaction`
/// of `tables` of `db`, its output left unread until the test reads it, so it stays in its table
/// read, transaction open, as a dump does on a slow disk (the server must allow a long
/// net_write_timeout for that to last past a minute). Its stdout holds the dump.
pub fn running_mariadb_dump(port: u16, db: &str, tables: &[&str]) -> std::process::Child {
    super::maria_tool("mariadb-dump", port)
        .arg("--single-transaction")
        .arg(db)
        .args(tables)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting mariadb-dump")
}

/// Reads a running dump to its end: panics unless it finished whole.
pub fn mariadb_dump_completes(mut dump: std::process::Child) {
    let mut out = String::new();
    std::io::Read::read_to_string(dump.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(dump.wait().unwrap().success(), "the backup failed");
    assert!(out.contains("-- Dump completed"), "the backup is cut");
}

/// An on-call's home for a throwaway MariaDB: a `~/.my.cnf` so the runbook's `mysql ...`
/// shell lines reach it as root (the clients read it from `HOME`), in `db` when given.
pub fn maria_home(port: u16, db: Option<&str>) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let database = db.map(|d| format!("database={d}\n")).unwrap_or_default();
    std::fs::write(
        home.path().join(".my.cnf"),
        format!("[client]\nprotocol=tcp\nhost=127.0.0.1\nport={port}\nuser=root\nskip-ssl\n{database}"),
    )
    .unwrap();
    home
}
