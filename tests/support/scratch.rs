//! Scratch databases on the shared servers: one uniquely named PostgreSQL database or MariaDB
//! schema per test, filled by SQL through the servers' own clients and dropped afterwards, so
//! tests that build tables run in parallel with each other and with other suites.

use std::process::Command;

use super::{pg_bin, shared_maria_tool, shared_mysql_url, shared_pg_url};

fn unique(tag: &str) -> String {
    format!("dbrunbook_{tag}_{}", std::process::id())
}

fn with_db(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{db}")
}

fn run(cmd: &mut Command, sql: &str) {
    let out = cmd.output().expect("running the client");
    assert!(
        out.status.success(),
        "{sql}\nfailed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL database of its own on the shared server.
pub struct ScratchPg {
    pub name: String,
}

impl ScratchPg {
    pub fn new(tag: &str) -> ScratchPg {
        let name = unique(tag);
        let db = ScratchPg { name };
        db.admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.admin(&format!("CREATE DATABASE {}", db.name));
        db
    }

    pub fn url(&self) -> String {
        with_db(&shared_pg_url(), &self.name)
    }

    fn admin(&self, sql: &str) {
        run(
            Command::new(pg_bin("psql")).args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &shared_pg_url(), "-c", sql]),
            sql,
        );
    }

    /// Runs SQL (several statements allowed) in this database.
    pub fn sql(&self, sql: &str) -> &ScratchPg {
        run(
            Command::new(pg_bin("psql")).args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url(), "-c", sql]),
            sql,
        );
        self
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        let _ = Command::new(pg_bin("psql"))
            .args(["-X", "-q", "-d", &shared_pg_url(), "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .output();
    }
}

/// A MariaDB database (schema) of its own on the shared server.
pub struct ScratchMaria {
    pub name: String,
}

impl ScratchMaria {
    pub fn new(tag: &str) -> ScratchMaria {
        let db = ScratchMaria { name: unique(tag) };
        db.client(
            None,
            &format!("DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}", db.name),
        );
        db
    }

    pub fn url(&self) -> String {
        with_db(&shared_mysql_url(), &self.name)
    }

    fn client(&self, db: Option<&str>, sql: &str) {
        let mut cmd = shared_maria_tool("mariadb");
        cmd.args(["-e", sql]);
        if let Some(db) = db {
            cmd.arg(db);
        }
        run(&mut cmd, sql);
    }

    pub fn sql(&self, sql: &str) -> &ScratchMaria {
        self.client(Some(&self.name), sql);
        self
    }
}

impl Drop for ScratchMaria {
    fn drop(&mut self) {
        let _ = shared_maria_tool("mariadb")
            .arg("-e")
            .arg(format!("DROP DATABASE IF EXISTS {}", self.name))
            .output();
    }
}
