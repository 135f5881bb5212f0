//! The incident suite's application runtime: the Python virtualenv with the real application
//! libraries (SQLAlchemy pools, PyMySQL/psycopg2 drivers, Alembic) that `.ci/run` installs from
//! `tests/apps/requirements.txt`, and a child-process guard for the applications it runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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
