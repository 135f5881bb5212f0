//! The record of one connection attempt, phase by phase: name resolution (every address), TCP
//! connect per address, TLS, startup and authentication, each timed and with how it ended in
//! words a check can branch on. Facts only: which phase failed and why, never what to do about
//! it (the `connect` check judges, its runbook advises).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The phases of connecting, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Resolve,
    Tcp,
    /// A Unix-domain socket instead of resolution and TCP.
    Socket,
    Tls,
    /// The startup packet and authentication; MySQL: TCP, TLS and the handshake together, as
    /// its driver does them in one call.
    Startup,
}

impl Step {
    /// A stable name: JSON fields and runbook conditions are built from it.
    pub fn key(self) -> &'static str {
        match self {
            Step::Resolve => "resolve",
            Step::Tcp => "tcp",
            Step::Socket => "socket",
            Step::Tls => "tls",
            Step::Startup => "startup",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Resolve => "name resolution",
            Step::Tcp => "TCP connect",
            Step::Socket => "Unix socket",
            Step::Tls => "TLS",
            Step::Startup => "startup and authentication",
        }
    }
}

/// How a phase failed, as far as the network, the TLS library or the server said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The name has no address (NXDOMAIN, no such host in /etc/hosts).
    NoSuchHost,
    /// Nothing listens there: RST (ECONNREFUSED), or no socket file.
    Refused,
    /// No answer within the connect timeout.
    TimedOut,
    /// No route to the host or network (ICMP unreachable, a firewall's reject).
    Unreachable,
    /// The connection was closed under us (MySQL 2013 "lost connection", 2006 "gone away").
    LostConnection,
    /// The server does not do TLS and the sslmode requires it.
    TlsRefused,
    CertExpired,
    /// The certificate does not name the host connected to.
    CertWrongHost,
    /// The certificate's chain does not lead to a trusted root.
    CertUnknownCa,
    /// Any other TLS or certificate error.
    TlsFailed,
    WrongPassword,
    /// No pg_hba.conf line admits this host/user/database, or one rejects it; MySQL 1130.
    HostNotAllowed,
    UnknownRole,
    UnknownDatabase,
    /// MySQL 1045/1044/1698: wrong password, unknown user or no grant (the server does not say
    /// which, on purpose).
    AccessDenied,
    /// PostgreSQL 53300, MySQL 1040, PgBouncer's max_client_conn.
    TooManyClients,
    /// MySQL 1129: the host made too many failed handshakes (max_connect_errors).
    HostBlocked,
    /// "the database system is starting up".
    StartingUp,
    /// "the database system is shutting down".
    ShuttingDown,
    /// "the database system is in recovery mode" (crash recovery).
    InRecovery,
    /// A standby that does not admit connections yet (not consistent) or at all (hot_standby=off).
    StandbyNotAccepting,
    /// The server is a primary or a standby, and target_session_attrs asked for the other.
    WrongRole,
    Other,
}

impl Failure {
    /// A stable name: JSON fields and runbook conditions are built from it.
    pub fn key(self) -> &'static str {
        match self {
            Failure::NoSuchHost => "no_such_host",
            Failure::Refused => "refused",
            Failure::TimedOut => "timed_out",
            Failure::Unreachable => "unreachable",
            Failure::LostConnection => "lost_connection",
            Failure::TlsRefused => "tls_refused",
            Failure::CertExpired => "cert_expired",
            Failure::CertWrongHost => "cert_wrong_host",
            Failure::CertUnknownCa => "cert_unknown_ca",
            Failure::TlsFailed => "tls_failed",
            Failure::WrongPassword => "wrong_password",
            Failure::HostNotAllowed => "host_not_allowed",
            Failure::UnknownRole => "unknown_role",
            Failure::UnknownDatabase => "unknown_database",
            Failure::AccessDenied => "access_denied",
            Failure::TooManyClients => "too_many_clients",
            Failure::HostBlocked => "host_blocked",
            Failure::StartingUp => "starting_up",
            Failure::ShuttingDown => "shutting_down",
            Failure::InRecovery => "in_recovery",
            Failure::StandbyNotAccepting => "standby_not_accepting",
            Failure::WrongRole => "wrong_role",
            Failure::Other => "other",
        }
    }

    /// In a sentence: "TCP connect to 127.0.0.1:5432 was {words}".
    pub fn words(self) -> &'static str {
        match self {
            Failure::NoSuchHost => "no such host",
            Failure::Refused => "refused (nothing listens there)",
            Failure::TimedOut => "timed out",
            Failure::Unreachable => "unreachable (no route)",
            Failure::LostConnection => "cut off: the server closed the connection",
            Failure::TlsRefused => "refused: the server does not do TLS",
            Failure::CertExpired => "refused: the server's certificate has expired (or is not valid yet)",
            Failure::CertWrongHost => "refused: the server's certificate is not for this host name",
            Failure::CertUnknownCa => "refused: the server's certificate is signed by an unknown CA",
            Failure::TlsFailed => "failed",
            Failure::WrongPassword => "refused: wrong password",
            Failure::HostNotAllowed => "refused: this host/user/database is not allowed in",
            Failure::UnknownRole => "refused: no such role",
            Failure::UnknownDatabase => "refused: no such database",
            Failure::AccessDenied => "refused: access denied (wrong password, unknown user or no grant)",
            Failure::TooManyClients => "refused: too many clients (every connection slot is taken)",
            Failure::HostBlocked => "refused: this client host is blocked after too many connection errors",
            Failure::StartingUp => "refused: the server is starting up",
            Failure::ShuttingDown => "refused: the server is shutting down",
            Failure::InRecovery => "refused: the server is in crash recovery",
            Failure::StandbyNotAccepting => "refused: the standby does not accept connections (yet)",
            Failure::WrongRole => "not the role target_session_attrs asked for",
            Failure::Other => "failed",
        }
    }

    /// Every failure, for the lists derived from them (runbook conditions).
    pub const ALL: &'static [Failure] = &[
        Failure::NoSuchHost,
        Failure::Refused,
        Failure::TimedOut,
        Failure::Unreachable,
        Failure::LostConnection,
        Failure::TlsRefused,
        Failure::CertExpired,
        Failure::CertWrongHost,
        Failure::CertUnknownCa,
        Failure::TlsFailed,
        Failure::WrongPassword,
        Failure::HostNotAllowed,
        Failure::UnknownRole,
        Failure::UnknownDatabase,
        Failure::AccessDenied,
        Failure::TooManyClients,
        Failure::HostBlocked,
        Failure::StartingUp,
        Failure::ShuttingDown,
        Failure::InRecovery,
        Failure::StandbyNotAccepting,
        Failure::WrongRole,
        Failure::Other,
    ];

    /// From an I/O error of a connect or a read: refused, timed out, unreachable, closed.
    pub fn of_io(e: &std::io::Error) -> Failure {
        use std::io::ErrorKind::*;
        match e.kind() {
            ConnectionRefused | NotFound => Failure::Refused,
            TimedOut => Failure::TimedOut,
            HostUnreachable | NetworkUnreachable | AddrNotAvailable => Failure::Unreachable,
            UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => Failure::LostConnection,
            _ => Failure::Other,
        }
    }

    /// From a rustls error: which certificate problem, if it is one.
    pub fn of_tls(e: &rustls::Error) -> Failure {
        use rustls::CertificateError as C;
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                    Failure::CertExpired
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => Failure::CertWrongHost,
                C::UnknownIssuer => Failure::CertUnknownCa,
                _ => Failure::TlsFailed,
            },
            _ => Failure::TlsFailed,
        }
    }
}

/// One phase of the attempt.
#[derive(Debug, Clone)]
pub struct Phase {
    pub step: Step,
    /// The host as given (`db.example.com:5432`, or the socket path).
    pub host: String,
    /// The address this phase used, when it was one of several (TCP).
    pub address: Option<String>,
    pub took: Duration,
    /// `None`: the phase succeeded.
    pub failure: Option<Failure>,
    /// What happened, in the network's or the server's words (resolved addresses, the error),
    /// free of secrets.
    pub detail: String,
}

/// The phases of one attempt, shared with the futures that record them, so that a phase cut
/// short by a timeout is still on record.
#[derive(Debug, Clone, Default)]
pub struct Attempt(Arc<Mutex<Vec<Phase>>>);

impl Attempt {
    pub fn push(&self, phase: Phase) {
        crate::log::info(&format!(
            "{} {}{}: {} in {} ms{}",
            phase.step.label(),
            phase.host,
            phase.address.as_deref().map(|a| format!(" ({a})")).unwrap_or_default(),
            phase.failure.map_or("ok", |f| f.key()),
            phase.took.as_millis(),
            if phase.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", phase.detail)
            }
        ));
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(phase);
    }

    /// Records a phase that started at `since`.
    pub fn record(
        &self,
        step: Step,
        host: &str,
        address: Option<String>,
        since: Instant,
        failure: Option<Failure>,
        detail: impl Into<String>,
    ) {
        self.push(Phase {
            step,
            host: host.to_string(),
            address,
            took: since.elapsed(),
            failure,
            detail: detail.into(),
        });
    }

    /// Takes over the phases of another attempt, in order.
    pub fn extend(&self, other: &Attempt) {
        let theirs = other.phases();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend(theirs);
    }

    pub fn phases(&self) -> Vec<Phase> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError as C;

    #[test]
    fn certificate_problems_are_named() {
        let tls = |c: C| Failure::of_tls(&rustls::Error::InvalidCertificate(c));
        assert_eq!(tls(C::Expired), Failure::CertExpired);
        assert_eq!(tls(C::NotValidYet), Failure::CertExpired);
        assert_eq!(tls(C::NotValidForName), Failure::CertWrongHost);
        assert_eq!(tls(C::UnknownIssuer), Failure::CertUnknownCa);
        assert_eq!(tls(C::BadSignature), Failure::TlsFailed);
    }

    #[test]
    fn network_errors_are_sorted() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            Failure::of_io(&Error::from(ErrorKind::ConnectionRefused)),
            Failure::Refused
        );
        assert_eq!(Failure::of_io(&Error::from(ErrorKind::TimedOut)), Failure::TimedOut);
        assert_eq!(
            Failure::of_io(&Error::from(ErrorKind::HostUnreachable)),
            Failure::Unreachable
        );
        assert_eq!(
            Failure::of_io(&Error::from(ErrorKind::UnexpectedEof)),
            Failure::LostConnection
        );
    }

    #[test]
    fn every_failure_has_its_own_key() {
        let keys: std::collections::BTreeSet<&str> = Failure::ALL.iter().map(|f| f.key()).collect();
        assert_eq!(keys.len(), Failure::ALL.len());
    }
}
