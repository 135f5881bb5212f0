//! MySQL and MariaDB sessions: connecting (TLS per ssl-mode), the session's safety settings, and
//! the diagnostic SQL (in `sql/mysql/`, one query per file).

use std::collections::HashMap;

use anyhow::{Context, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, DriverError, OptsBuilder, SslOpts};

use super::rows::{Activity, ActivitySnapshot, Holder, IdleTransaction, LockSnapshot, ServerPool};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits};
use crate::target::{Target, TlsMode};

pub struct MySession {
    conn: Conn,
    pub version: String,
}

impl MySession {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<MySession, ConnectError> {
        let mut conn = match Conn::new(options(target, limits, target.tls != TlsMode::Disable)).await {
            // PREFERRED: fall back to plain text only when the server offers no TLS at all.
            Err(mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer))
                if target.tls == TlsMode::Prefer =>
            {
                Conn::new(options(target, limits, false))
                    .await
                    .map_err(|e| classify(&e))?
            }
            other => other.map_err(|e| classify(&e))?,
        };
        let version: String = conn
            .query_first("SELECT VERSION()")
            .await
            .map_err(|e| classify(&e))?
            .unwrap_or_default();
        let secs = limits.statement_timeout.as_secs_f64();
        let lock_secs = limits.lock_timeout.as_secs().max(1);
        let timeout = if version.contains("MariaDB") {
            format!("SET SESSION max_statement_time = {secs:.3}")
        } else {
            format!(
                "SET SESSION max_execution_time = {}",
                limits.statement_timeout.as_millis().max(1)
            )
        };
        for sql in [
            "SET SESSION TRANSACTION READ ONLY".to_string(),
            timeout,
            format!("SET SESSION lock_wait_timeout = {lock_secs}"),
            format!("SET SESSION innodb_lock_wait_timeout = {lock_secs}"),
        ] {
            conn.query_drop(&sql).await.map_err(|e| classify(&e))?;
        }
        Ok(MySession { conn, version })
    }

    pub async fn pool_snapshot(&mut self, limits: &Limits) -> Result<ServerPool> {
        let conn = &mut self.conn;
        let max_connections: i64 = conn
            .query_first("SELECT CAST(@@max_connections AS SIGNED)")
            .await?
            .unwrap_or(0);
        let status: HashMap<String, f64> = conn
            .query::<(String, String), _>(include_str!("sql/mysql/pool_status.sql"))
            .await
            .context("reading connection status counters")?
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.parse().unwrap_or(0.0)))
            .collect();
        let counter = |k: &str| status.get(k).copied().unwrap_or(0.0);
        // Threads_connected and Threads_running count this session too.
        let used = (counter("threads_connected") as i64 - 1).max(0);
        let mut pool = ServerPool {
            max_connections,
            reserved: 0,
            used,
            ..ServerPool::default()
        };
        pool.counters = vec![
            (
                "threads_running".into(),
                (counter("threads_running") - 1.0).max(0.0),
                "",
            ),
            ("max_used_connections".into(), counter("max_used_connections"), ""),
            (
                "connection_errors_max_connections".into(),
                counter("connection_errors_max_connections"),
                "c",
            ),
            ("aborted_connects".into(), counter("aborted_connects"), "c"),
        ];
        pool.by_state = conn
            .query(include_str!("sql/mysql/pool_states.sql"))
            .await
            .context("counting threads by command")?;
        let seen: i64 = pool.by_state.iter().map(|(_, n)| n).sum();
        if seen < used {
            pool.notes.push(format!(
                "the processlist shows {seen} of {used} connections: this user lacks the PROCESS privilege. \
                 Grant it with: GRANT PROCESS ON *.* TO <this user>;"
            ));
        }
        // INNODB_TRX needs the PROCESS privilege; without it, holders come without the
        // idle-in-transaction split rather than not at all.
        let limit = (limits.row_limit as u64,);
        let rows: Vec<(String, String, String, i64, i64, i64, i64)> =
            match conn.exec(include_str!("sql/mysql/pool_holders.sql"), limit).await {
                Err(e) if denied(&e) => conn
                    .exec(include_str!("sql/mysql/pool_holders_no_trx.sql"), limit)
                    .await
                    .context("listing connection holders")?,
                other => other.context("listing connection holders")?,
            };
        pool.holders = rows
            .into_iter()
            .map(
                |(database, user, client, connections, active, idle, idle_in_transaction)| Holder {
                    database,
                    user,
                    application: String::new(),
                    client,
                    connections,
                    active,
                    idle,
                    idle_in_transaction,
                },
            )
            .collect();
        let oldest: Option<(i64, String, String, String, i64)> = match conn
            .query_first(include_str!("sql/mysql/pool_oldest_idle_tx.sql"))
            .await
        {
            Err(e) if denied(&e) => {
                pool.notes
                    .push("idle transactions are not shown: reading INNODB_TRX needs the PROCESS privilege".into());
                None
            }
            other => other.context("finding idle transactions")?,
        };
        pool.oldest_idle_in_transaction = oldest.map(|(pid, user, database, client, secs)| IdleTransaction {
            pid,
            user,
            database,
            application: String::new(),
            client,
            seconds: secs as f64,
        });
        Ok(pool)
    }

    /// Threads running a statement for `min_seconds`, or holding an InnoDB transaction open for
    /// `min(min_seconds, idle_min_seconds)`.
    pub async fn activity(&mut self, min_seconds: f64, idle_min_seconds: f64) -> Result<ActivitySnapshot> {
        let conn = &mut self.conn;
        let run_min = min_seconds.floor() as i64;
        let trx_min = min_seconds.min(idle_min_seconds).floor() as i64;
        let mut out = ActivitySnapshot::default();
        type Row = (i64, String, String, String, String, String, i64, String, Option<i64>);
        let rows: Vec<Row> = match conn
            .exec(include_str!("sql/mysql/activity.sql"), (run_min, trx_min))
            .await
        {
            Err(e) if denied(&e) => {
                out.notes.push(
                    "open transactions are not shown: reading INNODB_TRX needs the PROCESS privilege \
                     (GRANT PROCESS ON *.* TO <this user>;)"
                        .into(),
                );
                conn.exec(include_str!("sql/mysql/activity_no_trx.sql"), (run_min, trx_min))
                    .await
                    .context("reading the processlist")?
            }
            other => other.context("reading the processlist and InnoDB transactions")?,
        };
        for (pid, user, database, client, command, info, time, thread_state, trx) in rows {
            let sleeping = command == "Sleep";
            let state = match (sleeping, trx.is_some()) {
                (true, true) => "idle in transaction",
                (true, false) => "idle",
                (false, _) => "active",
            };
            out.sessions.push(Activity {
                pid,
                user,
                database,
                application: String::new(),
                client,
                state: state.into(),
                query: info,
                query_seconds: (!sleeping).then_some(time as f64),
                xact_seconds: trx.map(|t| t as f64),
                state_seconds: Some(time as f64),
                wait: (!thread_state.is_empty()).then_some(thread_state),
                xmin_age: None,
            });
        }
        let connected: Option<(String, i64)> = conn
            .query_first("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
            .await
            .context("reading Threads_connected")?;
        let visible: i64 = conn
            .query_first(
                "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST \
                 WHERE COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')",
            )
            .await?
            .unwrap_or(0);
        out.hidden = connected.map(|(_, n)| (n - visible).max(0)).unwrap_or(0);
        Ok(out)
    }

    pub async fn locks(&mut self) -> Result<LockSnapshot> {
        super::mysql_locks::locks(&mut self.conn, &self.version).await
    }

    pub async fn close(self) {
        let _ = self.conn.disconnect().await;
    }
}

fn options(target: &Target, limits: &Limits, tls: bool) -> OptsBuilder {
    let host = &target.hosts[0];
    let mut opts = OptsBuilder::default()
        .user(Some(&target.user))
        .pass(target.password.as_ref())
        .db_name(target.dbname.as_ref())
        .prefer_socket(false)
        .stmt_cache_size(0)
        // If the tool dies mid-run, the server drops its session soon after.
        .wait_timeout(Some(limits.statement_timeout.as_secs().max(10) as usize))
        .connect_attributes(HashMap::from([(
            "program_name".to_string(),
            APPLICATION_NAME.to_string(),
        )]));
    opts = if host.is_socket() {
        opts.socket(Some(&host.host))
    } else {
        opts.ip_or_hostname(&host.host).tcp_port(host.port)
    };
    if tls {
        let mut ssl = SslOpts::default();
        if let Some(ca) = &target.root_cert {
            ssl = ssl.with_root_certs(vec![ca.clone().into()]);
        }
        ssl = match target.tls {
            TlsMode::VerifyFull => ssl,
            TlsMode::VerifyCa => ssl.with_danger_skip_domain_validation(true),
            _ => ssl
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        };
        opts = opts.ssl_opts(Some(ssl));
    }
    opts
}

/// ER_SPECIFIC_ACCESS_DENIED_ERROR: the statement needs a privilege this user lacks.
fn denied(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s) if s.code == 1227)
}

fn classify(e: &mysql_async::Error) -> ConnectError {
    let kind = match e {
        mysql_async::Error::Server(s) => match s.code {
            1040 | 1203 => ConnectErrorKind::ServerFull,
            1044 | 1045 | 1698 => ConnectErrorKind::Auth,
            _ => ConnectErrorKind::Other,
        },
        mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer) => ConnectErrorKind::Tls,
        mysql_async::Error::Io(io) if io.to_string().contains("certificate") || io.to_string().contains("TLS") => {
            ConnectErrorKind::Tls
        }
        mysql_async::Error::Io(io) if io.to_string().contains("timed out") => ConnectErrorKind::Timeout,
        mysql_async::Error::Io(_) => ConnectErrorKind::Unreachable,
        _ => ConnectErrorKind::Other,
    };
    let message = match e {
        mysql_async::Error::Server(s) => {
            format!("server said: ERROR {} ({}): {}", s.code, s.state, s.message)
        }
        other => other.to_string(),
    };
    ConnectError::new(kind, message)
}
