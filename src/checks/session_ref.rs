//! A session reference: which session (and which transaction) a finding is about, in one
//! compact, shell-safe word that `dbrunbook end` takes back. PostgreSQL:
//! `pg:PID@BACKEND_START[/XACT_START]` (UTC, microseconds); MySQL/MariaDB:
//! `my:THREAD@SERVER_START[/TRX_STARTED]` (UTC, seconds). A pid alone is not a session: it is
//! reused as soon as the session ends, and ending "pid 12345" an hour after the report ends a
//! stranger. The SQL that computes it lives beside each query (`session_ref` columns); the
//! guarded SQL printed as a fallback to `dbrunbook end` is made here, from the parsed parts.

use std::fmt;

use anyhow::{Result, anyhow, bail};

use crate::engine::ServerInfo;
use crate::target::Engine;

/// A session reference, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub engine: Engine,
    pub pid: i64,
    /// PostgreSQL: the session's `backend_start`. MySQL: the server's start (a thread id is
    /// unique between two restarts; the server keeps no connection time).
    pub started: Stamp,
    /// The transaction's start (`xact_start`, `innodb_trx.trx_started`), when the finding is
    /// about a transaction.
    pub xact: Option<Stamp>,
}

/// A UTC time as the references write it: `2026-12-07T03:10:11.123456Z`, or to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Seconds since 1970-01-01 UTC.
    pub seconds: i64,
    /// Microseconds, when the server gives them (PostgreSQL).
    pub micros: Option<u32>,
}

/// How a session read now compares with a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Same,
    /// The pid now belongs to another session (the one referred to has ended).
    OtherSession,
    /// The same session, but the transaction referred to has ended.
    OtherTransaction,
}

/// MySQL's server start is computed from `Uptime`, in whole seconds, read at a slightly
/// different instant each time: two reads of it may differ by a second.
const SERVER_START_SLACK: i64 = 2;

impl SessionRef {
    pub fn parse(text: &str) -> Result<SessionRef> {
        let usage = || {
            format!(
                "{text:?} is not a session reference: expected pg:PID@BACKEND_START[/XACT_START] or \
                 my:THREAD@SERVER_START[/TRX_STARTED], as the report prints it (e.g. \
                 pg:12345@2026-12-07T03:10:11.123456Z)"
            )
        };
        let (engine, rest) = match text.split_once(':') {
            Some(("pg", rest)) => (Engine::Postgres, rest),
            Some(("my", rest)) => (Engine::Mysql, rest),
            _ => bail!(usage()),
        };
        let Some((pid, stamps)) = rest.split_once('@') else {
            bail!(usage())
        };
        let pid: i64 = match pid.parse() {
            Ok(p) if p > 0 => p,
            _ => bail!(usage()),
        };
        let (started, xact) = match stamps.split_once('/') {
            Some((s, x)) => (s, Some(x)),
            None => (stamps, None),
        };
        let stamp = |s: &str| Stamp::parse(s).ok_or_else(|| anyhow!(usage()));
        Ok(SessionRef {
            engine,
            pid,
            started: stamp(started)?,
            xact: xact.map(stamp).transpose()?,
        })
    }

    /// Whether `live` (the session now at this pid) is the one referred to.
    pub fn compare(&self, live: &SessionRef) -> Identity {
        let same_start = match self.engine {
            Engine::Mysql => (self.started.seconds - live.started.seconds).abs() <= SERVER_START_SLACK,
            Engine::Postgres | Engine::Pgbouncer => self.started == live.started,
        };
        if self.engine != live.engine || self.pid != live.pid || !same_start {
            return Identity::OtherSession;
        }
        match self.xact {
            Some(x) if live.xact != Some(x) => Identity::OtherTransaction,
            _ => Identity::Same,
        }
    }

    /// The PostgreSQL condition that holds only for this session (and transaction), for a
    /// `WHERE` on `pg_stat_activity`: `pid = N AND backend_start = '...' [AND xact_start = '...']`.
    pub fn pg_condition(&self) -> String {
        let mut out = format!("pid = {} AND backend_start = '{}'", self.pid, self.started);
        if let Some(x) = self.xact {
            out.push_str(&format!(" AND xact_start = '{x}'"));
        }
        out
    }

    /// One guarded PostgreSQL statement sending `function` (`pg_cancel_backend`,
    /// `pg_terminate_backend`) to this session only: a stale reference matches no row.
    pub fn pg_signal(&self, function: &str) -> String {
        format!(
            "SELECT {function}(pid) FROM pg_stat_activity WHERE {};",
            self.pg_condition()
        )
    }

    /// The MySQL check to run before a `KILL`, which takes no condition: one row, `1`, when the
    /// thread is still this session (and transaction).
    pub fn mysql_check(&self) -> String {
        match self.xact {
            Some(x) => format!(
                "SELECT COUNT(*) AS still_the_same FROM information_schema.INNODB_TRX \
                 WHERE trx_mysql_thread_id = {} \
                 AND trx_started = '{}' + INTERVAL TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) SECOND;",
                self.pid,
                x.sql_datetime()
            ),
            None => format!(
                "SELECT COUNT(*) AS still_there FROM information_schema.PROCESSLIST WHERE ID = {};",
                self.pid
            ),
        }
    }
}

/// The values a runbook step that ends `s` is filled with: `session` (the reference, for
/// `dbrunbook end`), `backend_start` and `xact_start` (for the guarded SQL; MySQL's as a
/// DATETIME in UTC), and, only while it runs a statement, `active_pid` and `active_xact_start`,
/// so that a cancel is offered for a running statement only. Nothing when the session has no
/// reference that parses: a step without its guard shows no SQL.
pub fn step_values(s: &crate::checks::ObservedSession) -> Vec<(String, String)> {
    let Some(r) = s.reference.as_deref().and_then(|r| SessionRef::parse(r).ok()) else {
        return vec![];
    };
    let stamp = |st: Stamp| match r.engine {
        Engine::Mysql => st.sql_datetime(),
        Engine::Postgres | Engine::Pgbouncer => st.to_string(),
    };
    let mut out = vec![
        ("session".to_string(), r.to_string()),
        ("backend_start".to_string(), stamp(r.started)),
    ];
    // MySQL lock trees show a running thread by its thread state ("User sleep", "Sending data").
    let running = !s.state.is_empty() && !s.state.starts_with("idle");
    if let Some(x) = r.xact {
        out.push(("xact_start".into(), stamp(x)));
        if running {
            out.push(("active_xact_start".into(), stamp(x)));
        }
    }
    if running {
        out.push(("active_pid".into(), r.pid.to_string()));
    }
    out
}

/// MySQL `sql` computing the server's start from `information_schema.GLOBAL_STATUS`, with the
/// table MySQL 8 moved it to (`performance_schema.global_status`; untested here: no MySQL 8
/// server installs on the test machine).
pub fn uptime_from(server: &ServerInfo, sql: &str) -> String {
    if server.mariadb || server.version_num < 80000 {
        sql.to_string()
    } else {
        sql.replace("information_schema.GLOBAL_STATUS", "performance_schema.global_status")
    }
}

impl fmt::Display for SessionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.engine {
            Engine::Mysql => "my",
            Engine::Postgres | Engine::Pgbouncer => "pg",
        };
        write!(f, "{prefix}:{}@{}", self.pid, self.started)?;
        if let Some(x) = self.xact {
            write!(f, "/{x}")?;
        }
        Ok(())
    }
}

impl Stamp {
    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, nothing else.
    pub fn parse(s: &str) -> Option<Stamp> {
        let s = s.strip_suffix('Z')?;
        let (whole, micros) = match s.split_once('.') {
            Some((w, f)) if f.len() == 6 && f.bytes().all(|b| b.is_ascii_digit()) => (w, Some(f.parse().ok()?)),
            Some(_) => return None,
            None => (s, None),
        };
        let b = whole.as_bytes();
        if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<i64> {
            let part = &whole[from..to];
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
        let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        Some(Stamp {
            seconds: days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec,
            micros,
        })
    }

    /// `YYYY-MM-DD HH:MM:SS` (UTC), as a MySQL DATETIME literal reads it.
    pub fn sql_datetime(&self) -> String {
        let text = self.to_string();
        text[..19].replace('T', " ")
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.seconds.max(0) as u64);
        let (y, mo, d, h, mi, s) = crate::units::utc_parts(at);
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if let Some(us) = self.micros {
            write!(f, ".{us:06}")?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_reads_back_as_written() {
        for text in [
            "pg:12345@2026-12-07T03:10:11.123456Z",
            "pg:7@2024-02-29T23:59:59.000001Z/2024-03-01T00:00:00.500000Z",
            "my:880@2026-12-01T00:00:00Z/2026-12-07T03:10:11Z",
        ] {
            assert_eq!(SessionRef::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_expected_form() {
        for bad in [
            "12345",
            "pg:12345",
            "pg:-1@2026-12-07T03:10:11Z",
            "pg:1@2026-12-07 03:10:11Z",
            "pg:1@2026-12-07T03:10:11.1Z",
            "pg:1@2026-13-07T03:10:11Z",
            "pg:1@2026-12-07T03:10:11Z'; DROP TABLE x; --",
            "ms:1@2026-12-07T03:10:11Z",
        ] {
            let e = SessionRef::parse(bad).unwrap_err().to_string();
            assert!(e.contains("pg:PID@BACKEND_START"), "{bad}: {e}");
        }
    }

    #[test]
    fn identity_is_the_session_then_the_transaction() {
        let r = SessionRef::parse("pg:5@2026-12-07T03:00:00.000001Z/2026-12-07T03:05:00.000000Z").unwrap();
        let live = |s: &str| SessionRef::parse(s).unwrap();
        assert_eq!(
            r.compare(&live("pg:5@2026-12-07T03:00:00.000001Z/2026-12-07T03:05:00.000000Z")),
            Identity::Same
        );
        assert_eq!(
            r.compare(&live("pg:5@2026-12-07T03:00:00.000002Z")),
            Identity::OtherSession
        );
        assert_eq!(
            r.compare(&live("pg:5@2026-12-07T03:00:00.000001Z/2026-12-07T03:06:00.000000Z")),
            Identity::OtherTransaction
        );
        let my = live("my:9@2026-12-07T03:00:00Z");
        assert_eq!(my.compare(&live("my:9@2026-12-07T03:00:01Z")), Identity::Same);
        assert_eq!(my.compare(&live("my:9@2026-12-07T04:00:00Z")), Identity::OtherSession);
    }

    #[test]
    fn the_guards_name_the_whole_identity() {
        let r = SessionRef::parse("pg:5@2026-12-07T03:00:00.000001Z/2026-12-07T03:05:00.000000Z").unwrap();
        assert_eq!(
            r.pg_signal("pg_terminate_backend"),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = 5 AND backend_start = \
             '2026-12-07T03:00:00.000001Z' AND xact_start = '2026-12-07T03:05:00.000000Z';"
        );
        let my = SessionRef::parse("my:9@2026-12-07T03:00:00Z/2026-12-07T03:05:06Z").unwrap();
        assert!(
            my.mysql_check().contains("'2026-12-07 03:05:06'"),
            "{}",
            my.mysql_check()
        );
    }
}
