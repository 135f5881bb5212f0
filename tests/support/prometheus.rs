//! A real Prometheus server (Debian's `prometheus` package) started on a free port in a
//! temporary directory with a rules file and scrape configs of the test's choosing, and its
//! HTTP API read back: the active alerts and the `ALERTS` series over time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{free_port, optional_program};

/// A Prometheus server, killed on drop with its temporary directory.
pub struct Prometheus {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// The server binary, or `None` (skipped outside CI) when the package is not installed.
    pub fn binary() -> Option<PathBuf> {
        optional_program("prometheus", "prometheus")
    }

    /// Starts `binary` with `config` (prometheus.yml; its `rule_files` may name `rules.yml`) and
    /// `rules` written beside it; returns once the API answers.
    pub fn start(binary: &std::path::Path, config: &str, rules: &str) -> Prometheus {
        let dir = tempfile::Builder::new()
            .prefix("dbrunbook-prometheus-")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        std::fs::write(dir.path().join("rules.yml"), rules).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting prometheus");
        let mut server = Prometheus { child, port, dir };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("prometheus exited: {status}\n{}", server.log());
            }
            if server.try_get("/-/ready").is_some_and(|(code, _)| code == 200) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "prometheus never got ready:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// HTTP/1.0, so the answer is never chunked.
    fn try_get(&self, path: &str) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut response = String::new();
        s.read_to_string(&mut response).ok()?;
        let code = response.split(' ').nth(1)?.parse().ok()?;
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        Some((code, body))
    }

    /// An API call's `data`; panics on anything but success.
    pub fn api(&self, path: &str) -> Value {
        let (code, body) = self
            .try_get(path)
            .unwrap_or_else(|| panic!("GET {path}: no answer\n{}", self.log()));
        let doc: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"));
        assert!(code == 200 && doc["status"] == "success", "GET {path}: {code} {body}");
        doc["data"].clone()
    }

    /// The active alerts (pending and firing).
    pub fn alerts(&self) -> Vec<Value> {
        self.api("/api/v1/alerts")["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls the alerts until `ready` finds what it wants (bounded by `limit`); `each` sees every
    /// poll first, to assert what must hold all along.
    pub fn wait_alerts<T>(
        &self,
        what: &str,
        limit: Duration,
        mut each: impl FnMut(&[Value]),
        ready: impl Fn(&[Value]) -> Option<T>,
    ) -> T {
        let started = Instant::now();
        loop {
            let alerts = self.alerts();
            each(&alerts);
            if let Some(found) = ready(&alerts) {
                return found;
            }
            assert!(
                started.elapsed() < limit,
                "waited {limit:?} for {what}; alerts now:\n{alerts:#?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `query_range` of `query` between two Unix times at `step` seconds: each series' labels and
    /// the times it had a value.
    pub fn range(&self, query: &str, start: f64, end: f64, step: f64) -> Vec<(Value, Vec<f64>)> {
        let path = format!(
            "/api/v1/query_range?query={}&start={start:.3}&end={end:.3}&step={step}",
            url_encode(query)
        );
        let data = self.api(&path);
        data["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|series| {
                let times = series["values"]
                    .as_array()
                    .map(|v| v.iter().filter_map(|p| p[0].as_f64()).collect())
                    .unwrap_or_default();
                (series["metric"].clone(), times)
            })
            .collect()
    }

    /// The server's clock as Unix seconds (`time()`), for `range`.
    pub fn now(&self) -> f64 {
        let data = self.api("/api/v1/query?query=time()");
        data["result"][1].as_str().and_then(|s| s.parse().ok()).expect("time()")
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The alert of this name whose labels include every pair of `labels`.
pub fn find_alert<'a>(alerts: &'a [Value], name: &str, labels: &[(&str, &str)]) -> Option<&'a Value> {
    alerts
        .iter()
        .find(|a| a["labels"]["alertname"] == name && labels.iter().all(|(k, v)| a["labels"][*k] == *v))
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
