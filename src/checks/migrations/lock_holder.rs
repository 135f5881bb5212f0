//! Whose migration lock it is, and whether its age can be believed. Liquibase writes
//! `LOCKGRANTED` from the JVM's clock in the JVM's local zone (a `timestamp without time zone`
//! on PostgreSQL, a `DATETIME` on MySQL), while the server's own time decides what "now" is:
//! read as server time, a lock taken 2 s ago from a UTC-5 host looks 5 h old, one from a UTC+9
//! host lies 9 h in the future. So the holder is looked for among the sessions connected now
//! (`LOCKEDBY` is `hostname (address)`, Liquibase's `LockServiceImpl` via `NetUtil`): a holder
//! that is connected and working is a migration running, never a stuck lock; one that is gone
//! left the lock behind, whatever its clock said. The status itself is set in `verdict.rs`.

use super::history::{Lock, Session};
use crate::target::Engine;

/// The holder among the sessions connected now.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Holder {
    /// Connected from the holder's address or host name: sessions, of which working.
    Connected { sessions: usize, working: usize },
    /// The server shows every client's address and none is the holder's.
    Gone,
    /// Cannot tell, and why.
    Unknown(&'static str),
}

/// `hostname (address)` as Liquibase writes `LOCKEDBY`, anything after the closing parenthesis
/// (newer versions append an id) ignored. Either part may be missing.
pub(super) fn parse_locked_by(locked_by: &str) -> (Option<&str>, Option<&str>) {
    let Some(open) = locked_by.rfind('(') else {
        let host = locked_by.trim();
        return ((!host.is_empty()).then_some(host), None);
    };
    let host = locked_by[..open].trim();
    let addr = locked_by[open + 1..].split(')').next().unwrap_or("").trim();
    ((!host.is_empty()).then_some(host), (!addr.is_empty()).then_some(addr))
}

pub(super) fn holder(lock: &Lock, engine: Engine) -> Holder {
    let Some(sessions) = &lock.sessions else {
        return Holder::Unknown("the tool records no holder host");
    };
    let Some(locked_by) = lock.locked_by.as_deref() else {
        return Holder::Unknown("the lock names no holder");
    };
    let (host, addr) = parse_locked_by(locked_by);
    let is_holder = |s: &Session| {
        let same = |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if same_host(a, b));
        same(s.addr.as_deref(), addr) || same(s.hostname.as_deref(), host) || same(s.addr.as_deref(), host)
    };
    let theirs: Vec<&Session> = sessions.iter().filter(|s| is_holder(s)).collect();
    if !theirs.is_empty() {
        return Holder::Connected {
            sessions: theirs.len(),
            working: theirs.iter().filter(|s| s.working).count(),
        };
    }
    // PostgreSQL lists every backend to everyone (addresses only to the privileged); MySQL
    // lists other accounts' sessions only with PROCESS.
    let sees_all = match (sessions.first(), engine) {
        (Some(s), _) => s.sees_all,
        (None, Engine::Postgres | Engine::Pgbouncer) => true,
        (None, Engine::Mysql) => false,
    };
    if !sees_all {
        return Holder::Unknown("this account does not see other accounts' client addresses");
    }
    if addr.is_none() && host.is_none() {
        return Holder::Unknown("the lock names no host");
    }
    Holder::Gone
}

/// Two ways of naming the client's host: the same text, the loopback under any of its names
/// (MySQL with name resolution shows `localhost` for 127.0.0.1), or the same first label of a
/// name (`deploy-1` and `deploy-1.example.internal`).
fn same_host(a: &str, b: &str) -> bool {
    const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
    let loopback = |h: &str| LOOPBACK.iter().any(|l| l.eq_ignore_ascii_case(h));
    let is_name = |h: &str| h.contains(|c: char| c.is_ascii_alphabetic()) && !h.contains(':');
    let label = |h: &str| h.split('.').next().unwrap_or(h).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || (loopback(a) && loopback(b)) || (is_name(a) && is_name(b) && label(a) == label(b))
}

/// What the age assumes, for the notes.
pub(super) const ASSUMPTION: &str = "the age assumes the client that took the lock writes LOCKGRANTED in the \
     server's time zone (Liquibase writes the JVM's local time; a client in another zone shifts it by whole hours)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_by_is_host_and_address() {
        assert_eq!(
            parse_locked_by("deploy-7f9 (10.0.0.5)"),
            (Some("deploy-7f9"), Some("10.0.0.5"))
        );
        assert_eq!(
            parse_locked_by("ci (fe80::1%eth0)#a1b2"),
            (Some("ci"), Some("fe80::1%eth0"))
        );
        assert_eq!(parse_locked_by("ci-runner"), (Some("ci-runner"), None));
    }

    #[test]
    fn hosts_match_across_their_names() {
        assert!(same_host("localhost", "127.0.0.1"));
        assert!(same_host("deploy-1", "DEPLOY-1.example.internal"));
        assert!(!same_host("10.0.0.5", "10.0.0.6"));
        assert!(!same_host("deploy-1", "deploy-2"));
    }
}
