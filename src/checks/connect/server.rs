//! What the connect check reads once connected, per engine: uptime, primary or replica,
//! read-only mode, the settings that drop idle connections and the connection error counters.

use anyhow::Result;

use crate::checks::Results;
use crate::engine::{Query, ServerInfo};
use crate::report::{Metric, Unit};
use crate::target::Engine;

/// The server as the check judges it; `None` where the engine cannot say.
#[derive(Debug, Default)]
pub struct State {
    pub uptime_s: Option<f64>,
    pub started_at: Option<String>,
    pub replica: Option<bool>,
    pub read_only: Option<bool>,
    /// Which setting makes it read-only (`read_only`, `super_read_only`).
    pub read_only_why: Option<String>,
    /// MySQL: failed connection attempts since start (Aborted_connects + Connection_errors_*,
    /// less MariaDB's Aborted_connects_preauth).
    pub connection_errors: Option<i64>,
    /// `name=value` of the settings that end idle or silent connections.
    pub settings: Vec<String>,
    pub metrics: Vec<Metric>,
    pub notes: Vec<String>,
}

pub fn queries(server: &ServerInfo) -> Vec<Query> {
    match server.engine {
        Engine::Postgres => {
            let mut q = vec![
                Query::new(
                    "reading uptime and recovery",
                    include_str!("../sql/postgres/connect_server.sql"),
                ),
                Query::new(
                    "reading the idle-connection settings",
                    include_str!("../sql/postgres/connect_settings.sql"),
                ),
            ];
            if server.version_num >= 140000 {
                q.push(Query::new(
                    "counting sessions that ended badly",
                    include_str!("../sql/postgres/connect_sessions.sql"),
                ));
            }
            q
        }
        Engine::Mysql => {
            let mut q = vec![
                Query::new(
                    "reading uptime and connection errors",
                    include_str!("../sql/mysql/connect_status.sql"),
                ),
                Query::new(
                    "reading read_only and the idle-connection settings",
                    include_str!("../sql/mysql/connect_variables.sql"),
                ),
                Query::new(
                    "reading this session's TLS",
                    include_str!("../sql/mysql/connect_tls.sql"),
                ),
            ];
            // MySQL 8 only; it cannot be installed where this project is tested, so this branch
            // is not exercised by the tests.
            if !server.mariadb && server.version_num >= 80000 {
                q.push(Query::new(
                    "reading super_read_only and replication channels",
                    include_str!("../sql/mysql/connect_mysql8.sql"),
                ));
            }
            q
        }
        Engine::Pgbouncer => vec![],
    }
}

pub fn read(server: &ServerInfo, results: &Results) -> Result<State> {
    match server.engine {
        Engine::Postgres => postgres(server, results),
        Engine::Mysql => mysql(server, results),
        Engine::Pgbouncer => Ok(State {
            notes: vec![
                "uptime, role and idle settings are the PostgreSQL server's: run dbrunbook connect against it too"
                    .into(),
            ],
            ..State::default()
        }),
    }
}

fn postgres(server: &ServerInfo, results: &Results) -> Result<State> {
    let mut s = State::default();
    if let Some(row) = results.rows(0)?.first() {
        s.uptime_s = row.opt_float(0)?;
        s.started_at = row.opt_text(1)?;
        s.replica = Some(row.opt_text(2)?.as_deref() == Some("on"));
    }
    for row in results.rows(1)?.iter() {
        let (name, value, unit) = (row.text(0)?, row.text(1)?, row.text(2)?);
        let shown = if value == "0" && (name.contains("timeout") || name.contains("interval")) {
            "0 (off)".to_string()
        } else {
            format!("{value}{unit}")
        };
        s.settings.push(format!("{name}={shown}"));
    }
    if server.version_num >= 140000
        && let Some(row) = results.rows(2)?.first()
    {
        for (i, name) in ["sessions_abandoned", "sessions_fatal", "sessions_killed"]
            .iter()
            .enumerate()
        {
            s.metrics.push(Metric::new(name, row.int(i)? as f64, Unit::Counter));
        }
    }
    s.notes.push(
        "PostgreSQL counts no failed connection attempts: they are in the server log only \
         (log_connections, and the FATAL lines of refused ones)"
            .into(),
    );
    Ok(s)
}

fn mysql(server: &ServerInfo, results: &Results) -> Result<State> {
    let mut s = State::default();
    let mut errors = 0;
    for row in results.rows(0)?.iter() {
        let (name, value) = (row.text(0)?, row.int(1)?);
        match name.to_ascii_lowercase().as_str() {
            "uptime" => s.uptime_s = Some(value as f64),
            "slaves_running" => s.replica = Some(value > 0),
            lower => {
                if lower == "aborted_connects" || lower.starts_with("connection_errors_") {
                    errors += value;
                }
                // Hung up before authenticating: port scanners, load balancers' TCP health
                // checks, and a client retrying without TLS on a server that offers none (the
                // MySQL driver cannot fall back within one connection, so dbrunbook's own runs
                // with ssl-mode PREFERRED count here). Not logins that fail.
                if lower == "aborted_connects_preauth" {
                    errors -= value;
                }
                s.metrics.push(Metric::new(lower, value as f64, Unit::Counter));
            }
        }
    }
    s.connection_errors = Some(errors.max(0));
    if let Some(up) = s.uptime_s {
        let started = std::time::SystemTime::now() - std::time::Duration::from_secs(up as u64);
        s.started_at = Some(utc(started));
    }
    if let Some(row) = results.rows(1)?.first() {
        s.read_only = Some(row.int(0)? != 0);
        if s.read_only == Some(true) {
            s.read_only_why = Some("read_only=ON".into());
        }
        for (i, name) in [
            "wait_timeout",
            "interactive_timeout",
            "max_allowed_packet",
            "net_read_timeout",
            "net_write_timeout",
            "connect_timeout",
            "max_connect_errors",
        ]
        .iter()
        .enumerate()
        {
            let value = row.int(i + 1)?;
            let unit = if name.ends_with("packet") {
                " bytes"
            } else if name.ends_with("errors") {
                ""
            } else {
                "s"
            };
            s.settings.push(format!("{name}={value}{unit}"));
        }
    }
    let tls: Vec<String> = results
        .rows(2)?
        .iter()
        .filter_map(|r| r.text(1).ok().filter(|v| !v.is_empty()))
        .collect();
    s.notes.push(if tls.is_empty() {
        "this session is not encrypted (no TLS)".into()
    } else {
        format!("this session's TLS: {}", tls.join(" "))
    });
    // MySQL 8 only: not run by the tests (MySQL 8 cannot be installed here).
    if !server.mariadb
        && server.version_num >= 80000
        && let Ok(rows) = results.rows(3)
        && let Some(row) = rows.first()
    {
        if row.int(0)? != 0 {
            s.read_only = Some(true);
            s.read_only_why = Some("super_read_only=ON".into());
        }
        s.replica = Some(row.int(1)? > 0);
    }
    Ok(s)
}

/// `2026-11-24T04:39:28Z`.
fn utc(at: std::time::SystemTime) -> String {
    crate::units::utc_iso(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_civil() {
        let at = |s: u64| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s);
        assert_eq!(utc(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(utc(at(951_782_400)), "2000-02-29T00:00:00Z");
        // `date -u -d @1795000000`
        assert_eq!(utc(at(1_795_000_000)), "2026-11-18T11:06:40Z");
    }
}
