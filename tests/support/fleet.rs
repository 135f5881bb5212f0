//! Fleet test helpers: a fleet file in a temporary directory, a listener that accepts and never
//! answers (counting the connections it got), a run of the binary with its own HOME, and a
//! running `dbrunbook serve` with plain HTTP requests to it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Run, free_port};

/// A TCP port that accepts connections, holds them open and never says a word: a hung
/// server, or a spy counting who connected.
pub struct Silent {
    pub port: u16,
    accepted: Arc<Mutex<Vec<Instant>>>,
}

impl Silent {
    pub fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let times = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                times.lock().unwrap().push(Instant::now());
                // Read and discard, so the client's writes never block; never answer.
                let mut s = stream;
                let clone = s.try_clone().ok();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                });
                held.push(clone);
            }
        });
        Silent { port, accepted }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.lock().unwrap().len()
    }

    /// When each connection was accepted, in order.
    pub fn accepted_at(&self) -> Vec<Instant> {
        self.accepted.lock().unwrap().clone()
    }
}

/// A temporary directory with a fleet file and a HOME of its own.
pub struct FleetDir {
    pub dir: tempfile::TempDir,
}

impl FleetDir {
    pub fn new(yaml: &str) -> FleetDir {
        let dir = tempfile::Builder::new().prefix("dbrunbook-fleet-").tempdir().unwrap();
        std::fs::write(dir.path().join("dbrunbook.yaml"), yaml).unwrap();
        FleetDir { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("dbrunbook.yaml")
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `dbrunbook ARGS --config <file>` with HOME here, no PG*/MySQL variables from outside,
    /// plus `env`.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args, env);
        let out = cmd.stdin(Stdio::null()).output().expect("running dbrunbook");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbrunbook"));
        cmd.args(args)
            .arg("--config")
            .arg(self.config())
            .current_dir(self.dir.path());
        for var in [
            "DATABASE_URL",
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGPASSFILE",
            "PGDATABASE",
            "PGSSLMODE",
            "MYSQL_PWD",
            "DBRUNBOOK_RUNBOOKS",
            "XDG_CONFIG_HOME",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Severity as the monitoring plugins merge it: OK < UNKNOWN < WARNING < CRITICAL.
pub fn rank(status: &str) -> u8 {
    match status {
        "ok" => 0,
        "unknown" => 1,
        "warning" => 2,
        "critical" => 3,
        other => panic!("not a status: {other}"),
    }
}

pub fn exit_code(status: &str) -> i32 {
    match status {
        "ok" => 0,
        "warning" => 1,
        "critical" => 2,
        _ => 3,
    }
}

/// A running exporter, killed on drop.
pub struct Exporter {
    pub child: Child,
    pub port: u16,
    _fleet: FleetDir,
}

impl Exporter {
    pub fn start(fleet: FleetDir, extra: &[&str]) -> Exporter {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--listen", &listen];
        args.extend(extra);
        let child = fleet
            .command(&args, &[])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting dbrunbook serve");
        let mut exporter = Exporter {
            child,
            port,
            _fleet: fleet,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = exporter.child.try_wait() {
                panic!("serve exited: {status}");
            }
            assert!(started.elapsed() < Duration::from_secs(10), "serve never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        exporter
    }

    /// `GET path`: (status code, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        get(self.port, path)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn get(port: u16, path: &str) -> (u16, String) {
    request(port, "GET", path)
}

/// `METHOD path` over HTTP/1.1 with `Connection: close`: (status code, body).
pub fn request(port: u16, method: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not HTTP: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
