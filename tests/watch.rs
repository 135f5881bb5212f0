//! `--watch`: on a terminal (a real pseudo-terminal here) the report is redrawn in place under a
//! header line until Ctrl-C, and the exit code is the last report's; piped, reports follow one
//! another; too short an interval and the Prometheus format are refused.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

/// What a child wrote so far, read by a thread of its own.
type Captured = Arc<Mutex<Vec<u8>>>;

fn capture(mut from: impl Read + Send + 'static) -> Captured {
    let seen: Captured = Arc::default();
    let into = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // A pseudo-terminal's master reads EIO once the child is gone: that ends it too.
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    seen
}

/// Waits (10 s at most) until the capture's thread has read to the end of what the child
/// wrote (its end of file, or EIO on a terminal): called once the child has exited, so the last
/// report is read before it is judged. The thread holds the other reference to `seen` until it
/// ends.
fn complete(seen: &Captured) {
    let started = Instant::now();
    while Arc::strong_count(seen) > 1 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn text(seen: &Captured) -> String {
    String::from_utf8_lossy(&seen.lock().unwrap()).into_owned()
}

/// Polls the child's output until `ready` holds (60 s at most: the guard of a hung binary).
fn wait_for(child: &mut Child, seen: &Captured, ready: impl Fn(&str) -> bool) {
    let started = Instant::now();
    while !ready(&text(seen)) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("dbrunbook ended early ({status}):\n{}", text(seen));
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("never happened:\n{}", text(seen));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Ctrl-C, as the terminal would send it, then the exit code.
fn interrupt(child: &mut Child) -> i32 {
    // SAFETY: kill only sends a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().expect("exited, not killed by the signal");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Ctrl-C did not end --watch"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn code_of(status: &str) -> i32 {
    match status {
        "OK" => 0,
        "WARNING" => 1,
        "CRITICAL" => 2,
        "UNKNOWN" => 3,
        other => panic!("not a status word: {other:?}"),
    }
}

/// The text without CSI sequences (colours, clear screen, cursor home).
fn without_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn watch_redraws_diagnose_in_place_on_a_terminal_until_ctrl_c() {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills the two descriptors; we own them from here on.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args(["diagnose", "--url", &shared_pg_url(), "--watch", "1s"])
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let seen = capture(std::fs::File::from(master));
    // Each redraw starts at the top left and clears what is left below it; never the whole
    // screen (some terminals push a cleared screen into the scrollback).
    const HOME: &str = "\x1b[H";
    const CLEAR_BELOW: &str = "\x1b[J";
    // Two redraws, the second one complete.
    wait_for(&mut child, &seen, |s| {
        s.matches(HOME).count() >= 2 && s.rsplit(HOME).next().unwrap().contains(CLEAR_BELOW)
    });
    let code = interrupt(&mut child);
    complete(&seen);
    let all = text(&seen);
    assert!(!all.contains("\x1b[2J"), "{all:?}");
    let last = without_escapes(all.rsplit(HOME).next().unwrap());
    let header = last.lines().next().unwrap();
    assert!(header.starts_with("Every 1s: dbrunbook diagnose   "), "{header:?}");
    let status = header.split_whitespace().last().unwrap();
    assert_eq!(code, code_of(status), "the exit code is the last report's:\n{last}");
    assert!(
        last.contains("dbrunbook: postgres ") && last.contains("Overall: "),
        "{last}"
    );
    // Coloured, since this is a terminal.
    assert!(
        all.contains("\x1b[32mOK\x1b[0m") || all.contains("\x1b[1;31m"),
        "{all:?}"
    );
}

#[test]
fn watch_on_a_pipe_prints_one_nagios_line_per_run_until_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "pool",
            "--url",
            &shared_mysql_url(),
            "--watch",
            "1s",
            "--format",
            "nagios",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = capture(child.stdout.take().unwrap());
    let errors = capture(child.stderr.take().unwrap());
    wait_for(&mut child, &seen, |s| s.lines().count() >= 2 && s.ends_with('\n'));
    let code = interrupt(&mut child);
    complete(&seen);
    let out = text(&seen);
    assert!(!out.contains('\x1b'), "no screen control on a pipe: {out:?}");
    let lines: Vec<&str> = out.lines().collect();
    for line in &lines {
        assert!(line.starts_with("DBRUNBOOK POOL "), "{out}");
    }
    let status = lines.last().unwrap().split_whitespace().nth(2).unwrap();
    assert_eq!(code, code_of(status), "{out}");
    assert!(text(&errors).is_empty(), "{}", text(&errors));
}

#[test]
fn watch_on_a_pipe_puts_a_header_before_each_table() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args(["diagnose", "--url", &shared_pg_url(), "--watch", "1s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = capture(child.stdout.take().unwrap());
    wait_for(&mut child, &seen, |s| s.matches("Overall: ").count() >= 2);
    interrupt(&mut child);
    complete(&seen);
    let out = text(&seen);
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Every 1s: dbrunbook diagnose "))
        .collect();
    assert!(headers.len() >= 2, "{out}");
    assert!(!out.contains('\x1b'), "{out:?}");
}

#[test]
fn watch_refuses_too_short_an_interval_and_the_prometheus_format() {
    let run = dbrunbook(&["diagnose", "--watch", "200ms"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("at least 1s"), "{}", run.stderr);
    let run = dbrunbook_within(
        &[
            "locks",
            "--url",
            &shared_pg_url(),
            "--watch",
            "2s",
            "--format",
            "prometheus",
        ],
        Duration::from_secs(20),
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("textfile from cron"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn ctrl_c_during_a_run_that_hangs_ends_the_watch_at_once_as_unknown() {
    // A server that accepts TCP and never says a word: the first run waits for its connect
    // timeout (60 s here); Ctrl-C must not.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        listener.local_addr().unwrap().port()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "diagnose",
            "--url",
            &url,
            "--watch",
            "1s",
            "--connect-timeout",
            "60s",
            "--timeout",
            "60s",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = capture(child.stdout.take().unwrap());
    // The connection is in the listener's backlog: the run is under way.
    listener.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let _held = loop {
        if let Ok((socket, _)) = listener.accept() {
            break socket;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "dbrunbook never connected"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let interrupted = Instant::now();
    let code = interrupt(&mut child);
    assert_eq!(code, 3, "no run finished, so UNKNOWN");
    // Well under the 54 s the connect timeout would take: the run was not waited for. Generous,
    // so a loaded machine's slow signal delivery does not fail it.
    assert!(
        interrupted.elapsed() < Duration::from_secs(30),
        "{:?}",
        interrupted.elapsed()
    );
    complete(&seen);
    assert!(text(&seen).is_empty(), "{}", text(&seen));
}

#[test]
fn watch_on_a_pipe_streams_one_json_document_per_run() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "diagnose",
            "--url",
            &shared_mysql_url(),
            "--watch",
            "1s",
            "--format",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = capture(child.stdout.take().unwrap());
    let documents = |s: &str| {
        serde_json::Deserializer::from_str(s)
            .into_iter::<serde_json::Value>()
            .take_while(|d| d.is_ok())
            .count()
    };
    wait_for(&mut child, &seen, |s| documents(s) >= 2 && s.ends_with("}\n"));
    let code = interrupt(&mut child);
    complete(&seen);
    let out = text(&seen);
    // Every byte is part of a document: what jq reads as a stream.
    let all: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}:\n{out}"));
    assert!(all.len() >= 2);
    assert_eq!(
        i64::from(code),
        all.last().unwrap()["exit_code"].as_i64().unwrap(),
        "{out}"
    );
}

#[test]
fn watch_ends_when_its_reader_goes_away_like_head() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args(["pool", "--url", &shared_pg_url(), "--watch", "1s", "--format", "nagios"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 15];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"DBRUNBOOK POOL ");
    drop(stdout);
    // The next write fails: the watch ends by itself, with the status it last printed.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("--watch kept running with nobody reading");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!((0..=3).contains(&status.code().unwrap()), "{status}");
}
