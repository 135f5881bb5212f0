//! PostgreSQL sessions: connecting (TLS per sslmode), the session's safety settings, and the
//! diagnostic SQL (in `sql/postgres/`, one query per file).

use anyhow::{Context, Result};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use super::rows::{Activity, ActivitySnapshot, Holder, IdleTransaction, LockNode, LockSnapshot, ServerPool};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits};
use crate::target::{Target, TlsMode};

pub struct PgSession {
    client: Client,
    pub version: String,
}

impl PgSession {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<PgSession, ConnectError> {
        let client = open(target, limits).await?;
        let settings = format!(
            "SET default_transaction_read_only = on; \
             SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {}",
            limits.statement_timeout.as_millis().max(1),
            limits.lock_timeout.as_millis().max(1),
            limits.statement_timeout.as_millis().max(1),
        );
        client.batch_execute(&settings).await.map_err(|e| classify(&e))?;
        let version = client
            .query_one("SELECT current_setting('server_version')", &[])
            .await
            .and_then(|r| r.try_get::<_, String>(0))
            .map_err(|e| classify(&e))?;
        Ok(PgSession { client, version })
    }

    pub async fn pool_snapshot(&mut self, limits: &Limits) -> Result<ServerPool> {
        // One read-only transaction, so every count comes from the same activity snapshot.
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .context("starting a read-only transaction")?;
        let totals = tx
            .query_one(include_str!("sql/postgres/pool_totals.sql"), &[])
            .await
            .context("reading connection limits")?;
        let mut pool = ServerPool {
            max_connections: totals.try_get(0)?,
            reserved: totals.try_get(1)?,
            used: totals.try_get(2)?,
            lock_waiting: Some(totals.try_get(3)?),
            ..ServerPool::default()
        };
        let hidden: i64 = totals.try_get(4)?;
        if hidden > 0 {
            pool.notes.push(format!(
                "{hidden} sessions of other roles are hidden from this role: their state and application are not shown. \
                 Grant visibility with: GRANT pg_monitor TO <this role>;"
            ));
        }
        for row in tx
            .query(include_str!("sql/postgres/pool_states.sql"), &[])
            .await
            .context("counting sessions by state")?
        {
            pool.by_state.push((row.try_get(0)?, row.try_get(1)?));
        }
        let limit = limits.row_limit as i64;
        for row in tx
            .query(include_str!("sql/postgres/pool_holders.sql"), &[&limit])
            .await
            .context("listing connection holders")?
        {
            pool.holders.push(Holder {
                database: row.try_get(0)?,
                user: row.try_get(1)?,
                application: row.try_get(2)?,
                client: row.try_get(3)?,
                connections: row.try_get(4)?,
                active: row.try_get(5)?,
                idle: row.try_get(6)?,
                idle_in_transaction: row.try_get(7)?,
            });
        }
        if let Some(row) = tx
            .query_opt(include_str!("sql/postgres/pool_oldest_idle_tx.sql"), &[])
            .await
            .context("finding idle transactions")?
        {
            pool.oldest_idle_in_transaction = Some(IdleTransaction {
                pid: row.try_get(0)?,
                user: row.try_get(1)?,
                database: row.try_get(2)?,
                application: row.try_get(3)?,
                client: row.try_get(4)?,
                seconds: row.try_get(5)?,
            });
        }
        tx.commit().await?;
        Ok(pool)
    }

    /// Sessions past `min_seconds` (statement or transaction age) or idle in a transaction for
    /// `idle_min_seconds`, in one read-only transaction.
    pub async fn activity(&mut self, min_seconds: f64, idle_min_seconds: f64) -> Result<ActivitySnapshot> {
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .context("starting a read-only transaction")?;
        let mut out = ActivitySnapshot::default();
        let rows = tx
            .query(
                include_str!("sql/postgres/activity.sql"),
                &[&min_seconds, &idle_min_seconds],
            )
            .await
            .context("reading pg_stat_activity")?;
        for row in rows {
            out.sessions.push(Activity {
                pid: row.try_get(0)?,
                user: row.try_get(1)?,
                database: row.try_get(2)?,
                application: row.try_get(3)?,
                client: row.try_get(4)?,
                state: row.try_get(5)?,
                query: row.try_get(6)?,
                query_seconds: row.try_get(7)?,
                xact_seconds: row.try_get(8)?,
                state_seconds: row.try_get(9)?,
                wait: row.try_get(10)?,
                xmin_age: row.try_get(11)?,
            });
        }
        let totals = tx
            .query_one(include_str!("sql/postgres/activity_totals.sql"), &[])
            .await
            .context("reading totals")?;
        out.hidden = totals.try_get(0)?;
        let pid: Option<i64> = totals.try_get(1)?;
        let age: Option<i64> = totals.try_get(2)?;
        out.oldest_xmin = pid.zip(age);
        tx.commit().await?;
        Ok(out)
    }

    /// Every session in a lock chain (pg_blocking_pids), the deadlock counter and lock settings.
    pub async fn locks(&mut self) -> Result<LockSnapshot> {
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .context("starting a read-only transaction")?;
        let mut out = LockSnapshot {
            source: "pg_stat_activity, pg_blocking_pids(), pg_locks".into(),
            ..Default::default()
        };
        for row in tx
            .query(include_str!("sql/postgres/locks.sql"), &[])
            .await
            .context("reading lock waits")?
        {
            out.nodes.push(LockNode {
                pid: row.try_get(0)?,
                blocked_by: row.try_get(1)?,
                user: row.try_get(2)?,
                database: row.try_get(3)?,
                application: row.try_get(4)?,
                client: row.try_get(5)?,
                state: row.try_get(6)?,
                query: row.try_get(7)?,
                waiting_seconds: row.try_get(8)?,
                xact_seconds: row.try_get(9)?,
                lock: row.try_get(10)?,
                inferred: false,
            });
        }
        let s = tx
            .query_one(include_str!("sql/postgres/lock_settings.sql"), &[])
            .await
            .context("reading lock settings")?;
        out.deadlocks = Some(s.try_get(0)?);
        for (i, name) in [(1, "log_lock_waits"), (2, "deadlock_timeout"), (3, "lock_timeout")] {
            out.settings.push((name.to_string(), s.try_get(i)?));
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// Opens a client with TLS per sslmode, its connection driven on the runtime.
pub(super) async fn open(target: &Target, limits: &Limits) -> Result<Client, ConnectError> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&target.user)
        .application_name(APPLICATION_NAME)
        .connect_timeout(limits.connect_timeout);
    if let Some(pw) = &target.password {
        cfg.password(pw);
    }
    if let Some(db) = &target.dbname {
        cfg.dbname(db);
    }
    for h in &target.hosts {
        cfg.host(&h.host).port(h.port);
    }
    cfg.ssl_mode(match target.tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    if target.tls == TlsMode::Disable {
        let (client, connection) = cfg.connect(NoTls).await.map_err(|e| classify(&e))?;
        tokio::spawn(connection);
        Ok(client)
    } else {
        let tls = super::tls::client_config(target)
            .map_err(|e| ConnectError::new(ConnectErrorKind::Other, format!("{e:#}")))?;
        let (client, connection) = cfg
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .await
            .map_err(|e| classify(&e))?;
        tokio::spawn(connection);
        Ok(client)
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
        return ConnectError::new(
            kind,
            format!("server said: {} {}: {}", db.severity(), db.code().code(), msg),
        );
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
