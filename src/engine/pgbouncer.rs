//! PgBouncer's admin console (`pgbouncer` database): SHOW POOLS, SHOW DATABASES and SHOW CONFIG.
//! The console speaks only the simple query protocol and accepts no SET, so no session settings.

use std::collections::HashMap;

use anyhow::{Context, Result};
use tokio_postgres::{Client, SimpleQueryMessage, SimpleQueryRow};

use super::rows::{BouncerPool, BouncerPools};
use super::{ConnectError, Limits, postgres};
use crate::target::Target;

pub struct BouncerSession {
    client: Client,
    pub version: String,
}

impl BouncerSession {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<BouncerSession, ConnectError> {
        let client = postgres::open(target, limits).await?;
        let rows = show(&client, "SHOW VERSION").await.map_err(|e| {
            ConnectError::new(
                super::ConnectErrorKind::Other,
                format!("{e:#}; is this PgBouncer's admin console, and is the user in admin_users or stats_users?"),
            )
        })?;
        let version = rows
            .first()
            .and_then(|r| r.try_get(0).ok().flatten())
            .unwrap_or("PgBouncer")
            .to_string();
        Ok(BouncerSession { client, version })
    }

    pub async fn pool_snapshot(&mut self) -> Result<BouncerPools> {
        let config: HashMap<String, String> = show(&self.client, "SHOW CONFIG")
            .await?
            .iter()
            .filter_map(|r| Some((text(r, "key")?, text(r, "value")?)))
            .collect();
        let default_pool_size = config
            .get("default_pool_size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let pool_sizes: HashMap<String, i64> = show(&self.client, "SHOW DATABASES")
            .await?
            .iter()
            .filter_map(|r| Some((text(r, "name")?, int(r, "pool_size"))))
            .collect();
        let mut out = BouncerPools {
            max_client_conn: config.get("max_client_conn").and_then(|v| v.parse().ok()).unwrap_or(0),
            pools: Vec::new(),
        };
        for r in show(&self.client, "SHOW POOLS").await? {
            let database = text(&r, "database").unwrap_or_default();
            if database == "pgbouncer" {
                continue; // the admin console itself, where this tool sits
            }
            let pool_size = pool_sizes
                .get(&database)
                .copied()
                .filter(|s| *s > 0)
                .unwrap_or(default_pool_size);
            out.pools.push(BouncerPool {
                user: text(&r, "user").unwrap_or_default(),
                pool_mode: text(&r, "pool_mode").unwrap_or_default(),
                cl_active: int(&r, "cl_active"),
                cl_waiting: int(&r, "cl_waiting"),
                sv_active: int(&r, "sv_active"),
                sv_idle: int(&r, "sv_idle"),
                sv_used: int(&r, "sv_used") + int(&r, "sv_tested") + int(&r, "sv_login"),
                pool_size,
                maxwait_seconds: int(&r, "maxwait") as f64 + int(&r, "maxwait_us") as f64 / 1e6,
                database,
            });
        }
        Ok(out)
    }
}

async fn show(client: &Client, command: &str) -> Result<Vec<SimpleQueryRow>> {
    let messages = client
        .simple_query(command)
        .await
        .with_context(|| format!("running {command} on PgBouncer"))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect())
}

fn text(row: &SimpleQueryRow, column: &str) -> Option<String> {
    row.try_get(column).ok().flatten().map(str::to_string)
}

/// A numeric column, 0 when absent (older PgBouncers lack some columns).
fn int(row: &SimpleQueryRow, column: &str) -> i64 {
    text(row, column).and_then(|v| v.parse().ok()).unwrap_or(0)
}
