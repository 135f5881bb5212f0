//! The incident suite's application runtime: the Python virtualenv with the real application
//! libraries (SQLAlchemy pools, PyMySQL/psycopg2 drivers, Alembic) that `.ci/run` installs from
//! `tests/apps/requirements.txt`, a child-process guard for the applications it runs, and
//! applications whose output is watched as they run.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The venv's Python. Never a silent skip: an incident test without its libraries fails and
/// says how to install them.
pub fn app_python() -> PathBuf {
    if let Ok(python) = std::env::var("DBRUNBOOK_APP_PYTHON") {
        return PathBuf::from(python);
    }
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/incident-venv/bin/python");
    assert!(
        python.exists(),
        "the incident suite needs its application libraries: run .ci/run, or \
         python3 -m venv target/incident-venv && \
         target/incident-venv/bin/pip install -r tests/apps/requirements.txt"
    );
    python
}

/// The directory of the incident applications' sources.
pub fn apps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps")
}

/// An application process, killed (and reaped) when dropped so a failing test leaves nothing
/// running.
pub struct App {
    pub child: Child,
}

impl App {
    /// Starts `tests/apps/<script>` with these arguments and environment; stdout and stderr
    /// are piped so the test can read what the application saw.
    pub fn start(script: &str, args: &[&str], env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(app_python());
        cmd.arg(apps_dir().join(script)).args(args).stdin(Stdio::null());
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.env("PYTHONUNBUFFERED", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("starting {script}: {e}"));
        App { child }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

#[test]
fn the_application_libraries_are_installed() {
    let out = Command::new(app_python())
        .args([
            "-c",
            "import sqlalchemy, psycopg2, pymysql, alembic; print(sqlalchemy.__version__)",
        ])
        .output()
        .expect("running the venv's python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("2."));
}
