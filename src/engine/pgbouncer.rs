//! PgBouncer's admin console (`pgbouncer` database): it speaks only the simple query protocol
//! and accepts no SET and no startup options, so there are no session settings; its `SHOW`
//! commands are sent pipelined like any other batch.

use std::future::Future;
use std::pin::Pin;

use anyhow::Result;
use tokio_postgres::{Client, SimpleQueryMessage};

use super::rows::{Query, QueryError, QueryResult, Rows, Value};
use super::{Attempt, ConnectError, ConnectErrorKind, Limits, ServerInfo, in_order, postgres};
use crate::target::{Engine, Target};

pub struct BouncerSession {
    client: Client,
    pub server: ServerInfo,
}

impl BouncerSession {
    pub async fn connect(target: &Target, limits: &Limits, attempt: &Attempt) -> Result<BouncerSession, ConnectError> {
        let (client, _) = postgres::open(target, limits, false, attempt).await?;
        let version = match show(&client, "SHOW VERSION").await {
            Ok(rows) => rows
                .first()
                .and_then(|r| r.text(0).ok())
                .unwrap_or_else(|| "PgBouncer".into()),
            Err(e) => {
                return Err(ConnectError::new(
                    ConnectErrorKind::Other,
                    format!(
                        "{}; is this PgBouncer's admin console, and is the user in admin_users or stats_users?",
                        e.message
                    ),
                ));
            }
        };
        Ok(BouncerSession {
            client,
            server: ServerInfo {
                engine: Engine::Pgbouncer,
                reused: None,
                version,
                version_num: 0,
                mariadb: false,
                phases: Vec::new(),
            },
        })
    }

    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let client = &self.client;
        let steps: Vec<Pin<Box<dyn Future<Output = QueryResult> + '_>>> = queries
            .iter()
            .map(|q| Box::pin(show(client, &q.sql)) as Pin<Box<_>>)
            .collect();
        Ok(in_order(steps).await)
    }
}

/// One console command; every value arrives as text.
async fn show(client: &Client, command: &str) -> QueryResult {
    let messages = client.simple_query(command).await.map_err(|e| QueryError {
        message: format!("{command} on PgBouncer: {e}"),
        denied: false,
    })?;
    let mut out = Rows::default();
    for m in messages {
        if let SimpleQueryMessage::Row(r) = m {
            if out.columns.is_empty() {
                out.columns = r.columns().iter().map(|c| c.name().to_string()).collect();
            }
            out.rows.push(
                (0..r.len())
                    .map(|i| match r.get(i) {
                        Some(v) => Value::Text(v.to_string()),
                        None => Value::Null,
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}
