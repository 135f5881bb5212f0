//! Connecting to PostgreSQL (and PgBouncer) phase by phase, so that a failure says which phase
//! failed: the host name resolved here (every address recorded), a TCP connect per address, then
//! the driver's TLS negotiation and startup over that stream, with the TLS handshake timed by a
//! wrapper around the connector. libpq's host failover and `target_session_attrs` live here too.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::timeout_at;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, NoTls};

use super::attempt::{Attempt, Failure, Step};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits};
use crate::target::{HostPort, Target, TlsMode};
use crate::units::format_duration;

/// Opens a client with TLS per sslmode, its connection driven on the runtime; returns it with
/// the server's version from the startup parameters. With `startup_settings`, the session's
/// safety settings go in the startup packet, where they outrank the database's and the role's
/// own `ALTER ... SET` (a hostile `search_path` among them).
pub(in crate::engine) async fn open(
    target: &Target,
    limits: &Limits,
    startup_settings: bool,
    attempt: &Attempt,
) -> Result<(Client, String), ConnectError> {
    // libpq's failover: each host in order, each within the connect timeout, until one answers
    // and has the role `target_session_attrs` asks for.
    let mut last = None;
    for host in &target.hosts {
        let deadline = tokio::time::Instant::now() + limits.connect_timeout;
        let err = match open_host(target, host, limits, startup_settings, attempt, deadline).await {
            Ok((client, version, standby)) if target.session_attrs.accepts(standby) => {
                return Ok((client, version));
            }
            Ok((_, _, standby)) => {
                let message = format!(
                    "{} is {} (target_session_attrs={})",
                    super::describe_host(host),
                    if standby == Some(true) {
                        "a standby"
                    } else {
                        "a primary"
                    },
                    target.session_attrs.name()
                );
                attempt.record(
                    Step::Startup,
                    &hostport(host),
                    None,
                    Instant::now(),
                    Some(Failure::WrongRole),
                    message.clone(),
                );
                ConnectError::new(ConnectErrorKind::Other, message)
            }
            Err(e) => e,
        };
        crate::log::info(&format!("{}: {}", super::describe_host(host), err.message));
        // A refusal for lack of slots says more than the next host's failure would.
        if !matches!(
            &last,
            Some(ConnectError {
                kind: ConnectErrorKind::ServerFull,
                ..
            })
        ) {
            last = Some(err);
        }
    }
    Err(last.unwrap_or_else(|| ConnectError::new(ConnectErrorKind::Other, "no host to connect to")))
}

fn hostport(host: &HostPort) -> String {
    if host.is_socket() {
        format!("{}/.s.PGSQL.{}", host.host, host.port)
    } else {
        format!("{}:{}", host.host, host.port)
    }
}

/// What one host gave: the client, the server's version and whether it is a hot standby
/// (PostgreSQL 14+ says so in the startup parameters; `None` before).
type Opened = (Client, String, Option<bool>);

/// One host: resolve, then each address in turn until one takes the TCP connection, then TLS
/// and startup on it. A startup failure ends the host, as in libpq.
async fn open_host(
    target: &Target,
    host: &HostPort,
    limits: &Limits,
    startup_settings: bool,
    attempt: &Attempt,
    deadline: tokio::time::Instant,
) -> Result<Opened, ConnectError> {
    let name = hostport(host);
    let cfg = config(target, limits, startup_settings);
    let timed_out = |what: &str| {
        ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "{what} {name}: no answer within the connect timeout of {}",
                format_duration(limits.connect_timeout)
            ),
        )
    };
    if host.is_socket() {
        return open_socket(cfg, &name, attempt, deadline, limits, &timed_out).await;
    }

    let addresses = match host.addr {
        // libpq's hostaddr: connected to as given, the name never looked up (it may not
        // resolve at all); the name still serves TLS below.
        Some(ip) => vec![std::net::SocketAddr::new(ip, host.port)],
        None => super::resolve::resolve(host, &name, attempt, deadline, &|| timed_out("resolving")).await?,
    };
    let mut last = None;
    for addr in addresses {
        let since = Instant::now();
        let address = Some(addr.to_string());
        let stream = match timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                attempt.record(
                    Step::Tcp,
                    &name,
                    address,
                    since,
                    Some(Failure::of_io(&e)),
                    e.to_string(),
                );
                let kind = if e.kind() == std::io::ErrorKind::TimedOut {
                    ConnectErrorKind::Timeout
                } else {
                    ConnectErrorKind::Unreachable
                };
                last = Some(ConnectError::new(kind, format!("connecting to {addr}: {e}")));
                continue;
            }
            Err(_) => {
                attempt.record(Step::Tcp, &name, address, since, Some(Failure::TimedOut), "");
                last = Some(timed_out("connecting to"));
                break;
            }
        };
        attempt.record(Step::Tcp, &name, address.clone(), since, None, "");
        let _ = stream.set_nodelay(true);
        if target.tls == TlsMode::Disable {
            let mut cfg = cfg;
            cfg.ssl_mode(SslMode::Disable);
            return startup(&cfg, stream, NoTls, &name, address, attempt, deadline, limits, None).await;
        }
        let tls = tls_connector(target, host)?;
        let probe = TlsProbe::default();
        let timed = Timed {
            inner: tls,
            probe: probe.clone(),
        };
        let probe = Some((&probe, target.tls));
        return startup(&cfg, stream, timed, &name, address, attempt, deadline, limits, probe).await;
    }
    Err(last.unwrap_or_else(|| timed_out("connecting to")))
}

/// Over a Unix socket, where libpq never uses TLS, whatever the sslmode.
async fn open_socket(
    mut cfg: tokio_postgres::Config,
    name: &str,
    attempt: &Attempt,
    deadline: tokio::time::Instant,
    limits: &Limits,
    timed_out: &dyn Fn(&str) -> ConnectError,
) -> Result<Opened, ConnectError> {
    let since = Instant::now();
    match timeout_at(deadline, tokio::net::UnixStream::connect(name)).await {
        Ok(Ok(stream)) => {
            attempt.record(Step::Socket, name, None, since, None, "");
            cfg.ssl_mode(SslMode::Disable);
            startup(&cfg, stream, NoTls, name, None, attempt, deadline, limits, None).await
        }
        Ok(Err(e)) => {
            attempt.record(Step::Socket, name, None, since, Some(Failure::of_io(&e)), e.to_string());
            Err(ConnectError::new(
                ConnectErrorKind::Unreachable,
                format!("connecting to socket {name}: {e}"),
            ))
        }
        Err(_) => {
            attempt.record(Step::Socket, name, None, since, Some(Failure::TimedOut), "");
            Err(timed_out("connecting to socket"))
        }
    }
}

/// The driver's connector type for a TCP stream.
type RustlsConnect = <tokio_postgres_rustls::MakeRustlsConnect as MakeTlsConnect<tokio::net::TcpStream>>::TlsConnect;

/// The TLS connector for `host`, verifying per the target's sslmode.
fn tls_connector(target: &Target, host: &HostPort) -> Result<RustlsConnect, ConnectError> {
    let tls =
        super::tls::client_config(target).map_err(|e| ConnectError::new(ConnectErrorKind::Other, format!("{e:#}")))?;
    // The name, also when hostaddr gave the address: verify-full checks the certificate
    // against it and SNI carries it, as in libpq. A socket directory as `host` beside a
    // hostaddr is no name: the address stands in.
    let server_name = match host.addr {
        Some(addr) if host.host.starts_with('/') => addr.to_string(),
        _ => host.host.clone(),
    };
    MakeTlsConnect::<tokio::net::TcpStream>::make_tls_connect(
        &mut tokio_postgres_rustls::MakeRustlsConnect::new(tls),
        &server_name,
    )
    .map_err(|e| ConnectError::new(ConnectErrorKind::Tls, format!("TLS for {server_name}: {e}")))
}

fn config(target: &Target, limits: &Limits, startup_settings: bool) -> tokio_postgres::Config {
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&target.user).application_name(APPLICATION_NAME);
    if startup_settings {
        // lock_timeout stays out: the locks check reads the server's own value from
        // pg_settings.reset_val, which startup options would overwrite; the transaction's
        // SET LOCAL applies it to every query all the same.
        cfg.options(format!(
            "-c search_path=pg_catalog,pg_temp -c default_transaction_read_only=on -c statement_timeout={} \
             -c idle_in_transaction_session_timeout={}",
            limits.statement_timeout.as_millis().max(1),
            limits.statement_timeout.as_millis().max(1),
        ));
    }
    if let Some(pw) = &target.password {
        cfg.password(pw);
    }
    if let Some(db) = &target.dbname {
        cfg.dbname(db);
    }
    cfg.ssl_mode(match target.tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    cfg
}

/// TLS negotiation (if any) and the startup packet with authentication, over `stream`.
#[allow(clippy::too_many_arguments)]
async fn startup<S, T>(
    cfg: &tokio_postgres::Config,
    stream: S,
    tls: T,
    name: &str,
    address: Option<String>,
    attempt: &Attempt,
    deadline: tokio::time::Instant,
    limits: &Limits,
    probe: Option<(&TlsProbe, TlsMode)>,
) -> Result<Opened, ConnectError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: TlsConnect<S>,
    T::Stream: Send + 'static,
{
    let started = Instant::now();
    let result = timeout_at(deadline, cfg.connect_raw(stream, tls)).await;
    // The TLS phase goes on record first; startup's time is what the handshake left.
    // A server that never answered did not refuse TLS either.
    let answered = result.is_ok();
    let tls_took = probe.map_or(Duration::ZERO, |(p, mode)| {
        p.record(attempt, name, address.clone(), mode, answered)
    });
    let record = |failure: Option<Failure>, detail: &str| {
        attempt.push(super::Phase {
            step: Step::Startup,
            host: name.to_string(),
            address: address.clone(),
            took: started.elapsed().saturating_sub(tls_took),
            failure,
            detail: detail.to_string(),
        })
    };
    match result {
        Ok(Ok((client, connection))) => {
            let version = connection.parameter("server_version").unwrap_or_default().to_string();
            let standby = connection.parameter("in_hot_standby").map(|v| v == "on");
            tokio::spawn(connection);
            record(None, "");
            Ok((client, version, standby))
        }
        Ok(Err(e)) => {
            let err = classify(&e);
            // TLS failures are the TLS phase's (recorded from the probe); a server without TLS
            // under a sslmode that requires it is one too.
            if err.kind == ConnectErrorKind::Tls && e.as_db_error().is_none() {
                if err.message.contains("server does not support TLS") {
                    attempt.push(super::Phase {
                        step: Step::Tls,
                        host: name.to_string(),
                        address: address.clone(),
                        took: started.elapsed(),
                        failure: Some(Failure::TlsRefused),
                        detail: err.message.clone(),
                    });
                }
            } else {
                record(Some(failure(&e)), &err.message);
            }
            Err(err)
        }
        Err(_) => {
            record(
                Some(Failure::TimedOut),
                &format!(
                    "the server took the TCP connection but did not answer within the connect timeout of {}",
                    format_duration(limits.connect_timeout)
                ),
            );
            Err(ConnectError::new(
                ConnectErrorKind::Timeout,
                format!(
                    "{name} took the TCP connection but did not answer within the connect timeout of {}",
                    format_duration(limits.connect_timeout)
                ),
            ))
        }
    }
}

/// How a failed startup failed, from the server's SQLSTATE and words.
fn failure(e: &tokio_postgres::Error) -> Failure {
    let Some(db) = e.as_db_error() else {
        let text = e.to_string();
        if text.contains("password missing") {
            return Failure::WrongPassword;
        }
        return match std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
            Some(io) => Failure::of_io(io),
            None if text.contains("closed") => Failure::LostConnection,
            None => Failure::Other,
        };
    };
    let msg = db.message();
    let code = db.code();
    if *code == SqlState::TOO_MANY_CONNECTIONS || msg.contains("max_client_conn") || msg.contains("too many clients") {
        Failure::TooManyClients
    } else if *code == SqlState::INVALID_PASSWORD {
        Failure::WrongPassword
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        Failure::UnknownDatabase
    } else if msg.contains("pg_hba.conf") {
        Failure::HostNotAllowed
    } else if msg.starts_with("role ") && msg.contains("does not exist") {
        Failure::UnknownRole
    } else if *code == SqlState::CANNOT_CONNECT_NOW {
        if msg.contains("starting up") {
            Failure::StartingUp
        } else if msg.contains("shutting down") {
            Failure::ShuttingDown
        } else if msg.contains("recovery mode") {
            Failure::InRecovery
        } else {
            // "not yet accepting connections" (a standby before consistency), "not accepting
            // connections" (hot_standby = off).
            Failure::StandbyNotAccepting
        }
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        Failure::HostNotAllowed
    } else {
        Failure::Other
    }
}

/// Sorts a driver error into the kinds the checks branch on, keeping the server's words.
pub(super) fn classify(e: &tokio_postgres::Error) -> ConnectError {
    if let Some(db) = e.as_db_error() {
        let msg = db.message();
        let kind = if *db.code() == SqlState::TOO_MANY_CONNECTIONS || msg.contains("max_client_conn") {
            ConnectErrorKind::ServerFull
        } else if matches!(
            *db.code(),
            SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        ) {
            ConnectErrorKind::Auth
        } else {
            ConnectErrorKind::Other
        };
        let mut text = format!("server said: {} {}: {}", db.severity(), db.code().code(), msg);
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return ConnectError::new(kind, text);
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    let mut io = false;
    while let Some(s) = source {
        io |= s.is::<std::io::Error>();
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    let kind = if text.contains("TLS") || text.contains("certificate") || text.contains("server does not support") {
        ConnectErrorKind::Tls
    } else if text.contains("timeout") || text.contains("timed out") {
        ConnectErrorKind::Timeout
    } else if text.contains("password") {
        ConnectErrorKind::Auth
    } else if io {
        ConnectErrorKind::Unreachable
    } else {
        ConnectErrorKind::Other
    };
    ConnectError::new(kind, text)
}

/// What the TLS handshake did: when it started, and how and when it ended.
#[derive(Debug, Clone, Default)]
struct TlsProbe(Arc<Mutex<TlsSeen>>);

#[derive(Debug, Default)]
struct TlsSeen {
    started: Option<Instant>,
    ended: Option<(Duration, Option<Failure>, String)>,
}

impl TlsProbe {
    /// Puts the TLS phase on record: negotiated, failed, cut short, or not offered (when the
    /// server `answered` at all); returns the time it took.
    fn record(
        &self,
        attempt: &Attempt,
        name: &str,
        address: Option<String>,
        mode: TlsMode,
        answered: bool,
    ) -> Duration {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (took, failure, detail) = match (&seen.started, &seen.ended) {
            (_, Some((took, failure, detail))) => (*took, *failure, detail.clone()),
            (Some(started), None) => (
                started.elapsed(),
                Some(Failure::TimedOut),
                "handshake not finished".into(),
            ),
            // The server answered the SSLRequest with "no TLS here": under prefer that is a
            // plain-text session (under require, `startup` recorded the refusal).
            (None, None) if mode == TlsMode::Prefer && answered => {
                (Duration::ZERO, None, "not offered by the server: plain text".into())
            }
            (None, None) => return Duration::ZERO,
        };
        attempt.push(super::Phase {
            step: Step::Tls,
            host: name.to_string(),
            address,
            took,
            failure,
            detail,
        });
        took
    }
}

/// The driver's TLS connector, timed: the handshake is the TLS phase, the rest is startup.
struct Timed<T> {
    inner: T,
    probe: TlsProbe,
}

impl<S, T> TlsConnect<S> for Timed<T>
where
    T: TlsConnect<S, Error = std::io::Error>,
    T::Future: Send + 'static,
{
    type Stream = T::Stream;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<T::Stream, std::io::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let since = Instant::now();
        self.probe.0.lock().unwrap_or_else(|e| e.into_inner()).started = Some(since);
        let handshake = self.inner.connect(stream);
        let probe = self.probe;
        Box::pin(async move {
            let result = handshake.await;
            let ended = match &result {
                Ok(_) => (since.elapsed(), None, "negotiated".to_string()),
                Err(e) => {
                    let failure = e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                        .map_or(Failure::TlsFailed, Failure::of_tls);
                    (since.elapsed(), Some(failure), e.to_string())
                }
            };
            probe.0.lock().unwrap_or_else(|e| e.into_inner()).ended = Some(ended);
            result
        })
    }
}
