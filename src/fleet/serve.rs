//! `dbrunbook serve`: a Prometheus exporter in the multi-target pattern of postgres_exporter.
//! `GET /probe?target=NAME` diagnoses the fleet file's target of that name within `--timeout`
//! and answers the Prometheus text; a name the file does not have is 404 before any connection,
//! so the endpoint can never be pointed at another host nor made to send a credential there.
//! `GET /report?target=NAME` is the same diagnosis as a web page for the on-call (the alert's
//! link), by the same rule: a name from the file or 404, and a slot of `--max-probes`.
//! `/metrics` is the exporter's own health. No state between probes beyond counters and the
//! sessions kept for the next probe of each target (`kept`); at most `--max-probes` probes at once, one more answered 503 at once. SIGTERM or Ctrl-C stops
//! accepting, lets the probes in flight finish (bounded by `--timeout`), then exits.
//!
//! One thread: a probe waits on the network almost all of its time, and the runtime's one
//! thread serves hundreds of them; the fleet runner makes the same choice.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use super::config::{Config, TargetConfig};
use super::kept::KeptSessions;
use crate::cli::ServeArgs;
use crate::diagnose::{self, Plan};
use crate::log::refuse;
use crate::report::{html, prometheus};

/// The Prometheus text format's content type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Longest wait for a request's headers: a client that trickles them holds no slot for long.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a probe needs, read once at start; plus the exporter's own counters.
struct State {
    /// Every check, the deadlines and the runbooks: the same for every probe.
    plan: Plan,
    config: Config,
    max_probes: usize,
    in_flight: Cell<usize>,
    /// HTTP connections open (with or without a request yet).
    connections: Cell<usize>,
    /// Connections closed at once because too many were open.
    connections_refused: Cell<u64>,
    probes: Cell<u64>,
    /// Probes whose target did not answer (`dbrunbook_up` 0).
    failures: Cell<u64>,
    rejected: Cell<u64>,
    unknown_targets: Cell<u64>,
    duration_sum: Cell<f64>,
    kept: KeptSessions,
}

pub fn serve(args: &ServeArgs, plan: Plan, config: Config) -> u8 {
    let runtime = match diagnose::runtime() {
        Ok(rt) => rt,
        Err(message) => return refuse(&message),
    };
    let state = Rc::new(State {
        plan,
        config,
        max_probes: usize::from(args.max_probes),
        in_flight: Cell::new(0),
        connections: Cell::new(0),
        connections_refused: Cell::new(0),
        probes: Cell::new(0),
        failures: Cell::new(0),
        rejected: Cell::new(0),
        unknown_targets: Cell::new(0),
        duration_sum: Cell::new(0.0),
        kept: KeptSessions::new(usize::from(args.keep_connections), args.keep_idle, args.size_every),
    });
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, accept_loop(state, args.listen)) {
        Ok(()) => 0,
        Err(message) => refuse(&message),
    }
}

async fn accept_loop(state: Rc<State>, listen: std::net::SocketAddr) -> Result<(), String> {
    // Before the port answers: a stop sent as soon as it does is a clean stop, not a kill.
    let stop = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}; pick another --listen address"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    crate::log::say(&format!(
        "serving {} targets of {} on http://{bound}/probe?target=NAME",
        state.config.targets.len(),
        state.config.path.display()
    ));
    if state.kept.enabled() {
        let sweeper = state.clone();
        tokio::task::spawn_local(async move {
            let mut tick = tokio::time::interval(sweeper.kept.sweep_every());
            loop {
                tick.tick().await;
                sweeper.kept.release_idle();
            }
        });
    }
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    Err(e) => {
                        crate::log::info(&format!("accept failed: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Connections held open without a request still cost a descriptor each, for up
                // to the header timeout: past a bound, new ones are closed at once so that
                // Prometheus's own scrapes still find descriptors.
                if state.connections.get() >= state.max_probes.saturating_mul(4).max(16) {
                    state.connections_refused.set(state.connections_refused.get() + 1);
                    drop(stream);
                    continue;
                }
                state.connections.set(state.connections.get() + 1);
                let state = state.clone();
                let counted = state.clone();
                let service = service_fn(move |req| handle(state.clone(), req));
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::task::spawn_local(async move {
                    let _ = conn.await;
                    counted.connections.set(counted.connections.get() - 1);
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    crate::log::say("stopping; waiting for the probes in flight");
    let grace = state.plan.deadlines.timeout + Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    state.kept.clear();
    Ok(())
}

/// Ctrl-C, or SIGTERM as a service manager or Kubernetes sends it. The handlers are installed
/// when this is called, not when the future is first polled: from then on neither signal
/// kills the process.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        async move {
            tokio::select! {
                _ = received(term) => {}
                _ = received(interrupt) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn handle(state: Rc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into()));
    }
    Ok(match req.uri().path() {
        // A HEAD would cost a whole diagnosis (a connection to the target) for no body.
        "/probe" if req.method() == Method::HEAD => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET /probe?target=NAME: a probe connects to the target\n".into(),
        ),
        "/probe" => probe(&state, req.uri().query().unwrap_or("")).await,
        "/report" if req.method() == Method::HEAD => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET /report?target=NAME: the page connects to the target\n".into(),
        ),
        "/report" => report(&state, req.uri().query().unwrap_or("")).await,
        "/metrics" => metrics(&state),
        "/" => plain(
            StatusCode::OK,
            "dbrunbook exporter: /probe?target=NAME (a name from the fleet file), \
             /report?target=NAME (its diagnosis as a page), /metrics\n"
                .into(),
        ),
        _ => plain(
            StatusCode::NOT_FOUND,
            "not found: use /probe?target=NAME, /report?target=NAME or /metrics\n".into(),
        ),
    })
}

/// The gate of `/probe` and `/report`: a target name from the fleet file (404 before any
/// connection otherwise: a URL or host in the query string is just an unknown name), and one of
/// the `--max-probes` slots (503 otherwise), held until the returned `Slot` drops, however the
/// request ends, even if the client hangs up and the future is dropped.
fn admit<'s>(state: &'s State, query: &str) -> Result<(&'s TargetConfig, Slot<'s>), Box<Response<Full<Bytes>>>> {
    let Some(name) = query_value(query, "target") else {
        return Err(Box::new(plain(
            StatusCode::BAD_REQUEST,
            "missing ?target=NAME: a target name from the fleet file\n".into(),
        )));
    };
    let Some(tc) = state.config.find(&name) else {
        state.unknown_targets.set(state.unknown_targets.get() + 1);
        return Err(Box::new(plain(
            StatusCode::NOT_FOUND,
            format!(
                "unknown target '{}': not in {}\n",
                crate::text::sanitize(&name, true),
                state.config.path.display()
            ),
        )));
    };
    if state.in_flight.get() >= state.max_probes {
        state.rejected.set(state.rejected.get() + 1);
        let mut r = plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} probes already running (--max-probes); try again\n",
                state.max_probes
            ),
        );
        r.headers_mut()
            .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
        return Err(Box::new(r));
    }
    state.in_flight.set(state.in_flight.get() + 1);
    Ok((tc, Slot(&state.in_flight)))
}

async fn probe(state: &State, query: &str) -> Response<Full<Bytes>> {
    let (tc, _slot) = match admit(state, query) {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    let started = Instant::now();
    let report = diagnosis(state, tc, started).await;
    state.probes.set(state.probes.get() + 1);
    state
        .duration_sum
        .set(state.duration_sum.get() + started.elapsed().as_secs_f64());
    if report.target.server_version.is_none() {
        state.failures.set(state.failures.get() + 1);
    }
    let body = prometheus::render_targets(&[(tc.name.as_str(), &report)]);
    let mut r = Response::new(text_body(&body));
    r.headers_mut()
        .insert("content-type", hyper::header::HeaderValue::from_static(TEXT_FORMAT));
    r
}

/// `/report?target=NAME`: the fleet target's diagnosis now, as a page (`report::html`). The
/// same gate as a probe: a name from the file or 404 before any connection, and one of the
/// `--max-probes` slots or 503; not counted as a probe (its counters are Prometheus's).
async fn report(state: &State, query: &str) -> Response<Full<Bytes>> {
    let (tc, _slot) = match admit(state, query) {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    // The page passes the boundary in `html::page` itself, which knows its markup.
    let report = diagnosis(state, tc, Instant::now()).await;
    let mut r = Response::new(Full::new(Bytes::from(html::page(&tc.name, &report))));
    let headers = r.headers_mut();
    use hyper::header::HeaderValue;
    headers.insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
    // A diagnosis is of this moment: never a cached one at the next incident.
    headers.insert("cache-control", HeaderValue::from_static("no-store, max-age=0"));
    headers.insert("pragma", HeaderValue::from_static("no-cache"));
    headers.insert("expires", HeaderValue::from_static("0"));
    // The page runs no script and loads nothing: a value that escaped the escaping still could not.
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

/// The target's diagnosis now, on its kept session if it has one, which is kept again after.
async fn diagnosis(state: &State, tc: &TargetConfig, started: Instant) -> crate::report::Report {
    let checks = state.plan.checks_for(&tc.thresholds, &tc.options);
    let env = |k: &str| std::env::var(k).ok();
    let keep = if state.kept.enabled() {
        state.kept.take(&tc.name)
    } else {
        diagnose::Keep::No
    };
    let (report, back) = diagnose::resolved_target_keeping(&state.plan, &checks, tc.resolve(&env), started, keep).await;
    state.kept.give_back(&tc.name, back);
    report
}

struct Slot<'a>(&'a Cell<usize>);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// The exporter's own health, in the text format.
fn metrics(state: &State) -> Response<Full<Bytes>> {
    let families: [(&str, &str, &str, String); 10] = [
        (
            "dbrunbook_exporter_probes_total",
            "counter",
            "Probes answered with a diagnosis.",
            state.probes.get().to_string(),
        ),
        (
            "dbrunbook_exporter_probe_failures_total",
            "counter",
            "Probes whose target could not be reached (dbrunbook_up 0).",
            state.failures.get().to_string(),
        ),
        (
            "dbrunbook_exporter_probes_rejected_total",
            "counter",
            "Probes answered 503 because --max-probes were already running.",
            state.rejected.get().to_string(),
        ),
        (
            "dbrunbook_exporter_connections_refused_total",
            "counter",
            "HTTP connections closed at once because four times --max-probes (at least 16) were open.",
            state.connections_refused.get().to_string(),
        ),
        (
            "dbrunbook_exporter_unknown_targets_total",
            "counter",
            "Probes for a name the fleet file does not have (404, no connection).",
            state.unknown_targets.get().to_string(),
        ),
        (
            "dbrunbook_exporter_probes_in_flight",
            "gauge",
            "Probes running now.",
            state.in_flight.get().to_string(),
        ),
        (
            "dbrunbook_exporter_probe_duration_seconds_total",
            "counter",
            "Time spent in probes, summed; divide by probes_total for the mean.",
            format!("{:.6}", state.duration_sum.get()),
        ),
        (
            "dbrunbook_exporter_kept_sessions",
            "gauge",
            "Target sessions kept open between probes now (at most --keep-connections).",
            state.kept.kept().to_string(),
        ),
        (
            "dbrunbook_exporter_kept_sessions_reused_total",
            "counter",
            "Probes and pages that ran on a session kept from an earlier probe instead of connecting.",
            state.kept.reused().to_string(),
        ),
        (
            "dbrunbook_exporter_kept_sessions_released_total",
            "counter",
            "Kept sessions closed: idle past --keep-idle, closed by the server, or over --keep-connections.",
            state.kept.released().to_string(),
        ),
    ];
    let mut body = String::new();
    for (name, kind, help, value) in families {
        body.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
    }
    let mut r = Response::new(text_body(&body));
    r.headers_mut()
        .insert("content-type", hyper::header::HeaderValue::from_static(TEXT_FORMAT));
    r
}

/// Every text body leaves through the one redaction boundary: a URL asked for as a target name
/// (`/probe?target=postgres://u:pw@h/db`) is echoed without its password.
fn text_body(text: &str) -> Full<Bytes> {
    Full::new(Bytes::from(crate::redact::boundary(text)))
}

fn plain(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(text_body(&text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // A name echoed back stays text, whatever a browser would guess of it.
    r.headers_mut().insert(
        "x-content-type-options",
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    r
}

/// The first value of `key` in a query string, percent-decoded (`+` is a space, as forms send).
fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (crate::text::form_decode(k) == key).then(|| crate::text::form_decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_percent_decoded_from_the_query() {
        assert_eq!(
            query_value("a=1&target=orders%20db", "target").as_deref(),
            Some("orders db")
        );
        assert_eq!(query_value("target=a+b%2", "target").as_deref(), Some("a b%2"));
        assert_eq!(query_value("target=%zz", "target").as_deref(), Some("%zz"));
        assert_eq!(query_value("x=1", "target"), None);
    }
}
