//! An on-call's hands on a throwaway server of either engine: run a printed runbook step's SQL
//! with the server's own client exactly as printed, run dbrunbook with a state directory of the
//! test's own (its counters between runs), and wait, bounded, for an application to get there.

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
                let mut c = Command::new("mariadb");
                c.args(["--no-defaults", "--protocol=tcp", "-h", "127.0.0.1", "-u", "root"])
                    .arg(format!("--port={}", m.port))
                    .arg(db);
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

/// The steps of a check's runbook in one phase (`diagnose`, `immediate`, `long_term`).
pub fn steps(check: &Value, phase: &str) -> Vec<Value> {
    check["runbook"]["steps"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["phase"] == phase).cloned().collect())
        .unwrap_or_default()
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
