//! One redaction boundary for every byte written: what `serve` answers over HTTP, what
//! `--watch` redraws, and what `end` writes to its audit log and evidence files pass the same
//! `redact::boundary` as a plain report on stdout. Each test puts a sentinel password where one
//! of those paths alone would carry it out.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fleet::{Exporter, FleetDir};
use crate::support::*;

const SENTINEL: &str = "S3ntinel";

/// A URL asked for as a target name is not in the fleet file (404), and the answer naming it
/// does not carry its password, on `/probe` and on `/report`.
#[test]
fn serve_echoes_a_url_asked_as_a_target_without_its_password() {
    let fleet = FleetDir::new(&format!("targets:\n  - name: pg\n    url: {}\n", shared_pg_url()));
    let exporter = Exporter::start(fleet, &[]);
    for path in ["/probe", "/report"] {
        for asked in [
            "postgres%3A%2F%2Fapp%3AS3ntinel-pw%40127.0.0.1%2Fdb",
            "host%3D127.0.0.1+password%3DS3ntinel-pw",
            "postgres%3A%2Fapp%3AS3ntinel-pw%40127.0.0.1%2Fdb",
        ] {
            let (code, body) = exporter.get(&format!("{path}?target={asked}"));
            assert_eq!(code, 404, "{path} {asked}: {body}");
            assert!(body.contains("unknown target"), "{body}");
            assert!(!body.contains(SENTINEL), "{path} echoed the password: {body}");
        }
    }
}

/// `--watch` piped writes report after report to stdout: through the boundary, which hides the
/// password known to the run wherever it appears (here the database is named like it).
#[test]
fn watch_output_passes_the_boundary() {
    let url = "postgres://u:S3ntinel-pw@127.0.0.1:1/S3ntinel-pw";
    for format in ["table", "json", "nagios"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
            .args(["pool", "--url", url, "--watch", "1s", "--format", format])
            .env_remove("DATABASE_URL")
            .env("XDG_STATE_HOME", std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // The first report: read until the target is named (a minute at most, on a loaded machine).
        let started = Instant::now();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains("127.0.0.1") {
            assert!(started.elapsed() < Duration::from_secs(60), "no report");
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let text = String::from_utf8_lossy(&seen);
        assert!(text.contains("127.0.0.1"), "{format}: {text}");
        assert!(
            !text.contains(SENTINEL),
            "{format}: --watch printed the password:\n{text}"
        );
    }
}
