//! `dbrunbook serve` started on a free port and probed over HTTP: a known target answers the
//! Prometheus text, a name not in the fleet file is 404 without any connection, probes past
//! `--max-probes` are 503 at once, and SIGTERM stops it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::fleet::{Exporter, FleetDir, Silent, get, request};
use crate::support::*;

fn gauge(body: &str, metric: &str, target: &str) -> Option<f64> {
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("exposition text");
    scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && s.labels.get("target") == Some(target))
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("{other:?}"),
        })
}

fn own_metric(body: &str, metric: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{metric} ")))
        .unwrap_or_else(|| panic!("{metric} missing:\n{body}"))
        .parse()
        .unwrap()
}

#[test]
fn a_probe_of_a_fleet_target_answers_its_diagnosis_in_prometheus_text() {
    let fleet = FleetDir::new(&format!("targets:\n  - name: pg\n    url: {}\n", shared_pg_url()));
    let exporter = Exporter::start(fleet, &[]);
    let (code, body) = exporter.get("/probe?target=pg");
    assert_eq!(code, 200, "{body}");
    assert_eq!(gauge(&body, "dbrunbook_up", "pg"), Some(1.0), "{body}");
    assert!(gauge(&body, "dbrunbook_check_status", "pg").is_some(), "{body}");
    let (code, health) = exporter.get("/metrics");
    assert_eq!(code, 200);
    assert_eq!(own_metric(&health, "dbrunbook_exporter_probes_total"), 1.0, "{health}");
    assert_eq!(own_metric(&health, "dbrunbook_exporter_probes_in_flight"), 0.0);
}

#[test]
fn a_probe_for_a_name_not_in_the_fleet_file_is_404_and_connects_nowhere() {
    let spy = Silent::start();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: spied\n    url: postgres://postgres@127.0.0.1:{}/postgres\n",
        spy.port
    ));
    let exporter = Exporter::start(fleet, &["--timeout", "1s"]);
    for asked in [
        "/probe?target=spied2".to_string(),
        format!("/probe?target=127.0.0.1:{}", spy.port),
        format!(
            "/probe?target=postgres%3A%2F%2Fpostgres%40127.0.0.1%3A{}%2Fpostgres",
            spy.port
        ),
    ] {
        let (code, body) = exporter.get(&asked);
        assert_eq!(code, 404, "{asked}: {body}");
        assert!(body.contains("unknown target"), "{body}");
    }
    let (code, _) = exporter.get("/probe");
    assert_eq!(code, 400);
    // A HEAD of a known name would cost a diagnosis for no body: refused, nothing connected.
    let (code, _) = request(exporter.port, "HEAD", "/probe?target=spied");
    assert_eq!(code, 405);
    assert_eq!(
        spy.accepted(),
        0,
        "a connection was attempted for an unknown name or a HEAD"
    );
    // The spy does see a probe of its own name: the zero above is not blindness.
    let (code, body) = exporter.get("/probe?target=spied");
    assert_eq!(code, 200);
    assert_eq!(gauge(&body, "dbrunbook_up", "spied"), Some(0.0), "{body}");
    assert_eq!(spy.accepted(), 1);
    let (_, health) = exporter.get("/metrics");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_unknown_targets_total"),
        3.0,
        "{health}"
    );
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_probe_failures_total"),
        1.0,
        "{health}"
    );
}

#[test]
fn probes_past_max_probes_are_refused_503_at_once() {
    let hung = Silent::start();
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: hung\n    url: postgres://postgres@127.0.0.1:{}/postgres\n",
        hung.port
    ));
    // The first probe holds the only slot for its whole 20s deadline: room, on a loaded
    // machine, to see it start and to be refused beside it well before it ends.
    let exporter = Exporter::start(
        fleet,
        &["--max-probes", "1", "--timeout", "20s", "--connect-timeout", "20s"],
    );
    let port = exporter.port;
    let first = std::thread::spawn(move || get(port, "/probe?target=hung"));
    // Wait until the first probe holds the only slot.
    let started = Instant::now();
    loop {
        let (_, health) = exporter.get("/metrics");
        if own_metric(&health, "dbrunbook_exporter_probes_in_flight") == 1.0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the first probe never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let asked = Instant::now();
    let (code, body) = exporter.get("/probe?target=hung");
    assert_eq!(code, 503, "{body}");
    // At once means without waiting for the slot: the first probe still holds it.
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "503 should be at once, took {:?}",
        asked.elapsed()
    );
    let (_, health) = exporter.get("/metrics");
    assert_eq!(
        own_metric(&health, "dbrunbook_exporter_probes_in_flight"),
        1.0,
        "the 503 came while the first probe held the slot"
    );
    let (code, body) = first.join().unwrap();
    assert_eq!(code, 200);
    assert_eq!(gauge(&body, "dbrunbook_up", "hung"), Some(0.0), "{body}");
    let (_, health) = exporter.get("/metrics");
    assert_eq!(own_metric(&health, "dbrunbook_exporter_probes_rejected_total"), 1.0);
    assert_eq!(own_metric(&health, "dbrunbook_exporter_probes_in_flight"), 0.0);
}

#[test]
fn sigterm_stops_the_exporter_cleanly() {
    let fleet = FleetDir::new(&format!("targets:\n  - name: pg\n    url: {}\n", shared_pg_url()));
    let mut exporter = Exporter::start(fleet, &[]);
    let pid = exporter.child.id() as i32;
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = exporter.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "serve ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn idle_connections_past_the_bound_are_closed_and_metrics_still_answer() {
    let fleet = FleetDir::new(&format!("targets:\n  - name: pg\n    url: {}\n", shared_pg_url()));
    // --max-probes 1: at most 16 connections open (four times the probes, at least 16).
    let exporter = Exporter::start(fleet, &["--max-probes", "1"]);
    let idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(("127.0.0.1", exporter.port)).unwrap())
        .collect();
    // Those past the bound are closed by the server: a read sees the end at once.
    let started = Instant::now();
    let closed = loop {
        let closed = idle
            .iter()
            .filter(|s| {
                s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
                let mut byte = [0u8; 1];
                matches!((&**s).read(&mut byte), Ok(0))
            })
            .count();
        if closed >= 4 || started.elapsed() > Duration::from_secs(5) {
            break closed;
        }
    };
    assert!(closed >= 4, "only {closed} of 20 idle connections were closed");
    drop(idle);
    // With the idle ones gone, the exporter answers again and counted what it refused.
    let started = Instant::now();
    let health = loop {
        let mut s = TcpStream::connect(("127.0.0.1", exporter.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        );
        let mut response = String::new();
        let _ = s.read_to_string(&mut response);
        if response.starts_with("HTTP/1.1 200") {
            break response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the exporter never answered again"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let body = health.split_once("\r\n\r\n").unwrap().1;
    assert!(
        own_metric(body, "dbrunbook_exporter_connections_refused_total") >= 4.0,
        "{body}"
    );
}
