//! MySQL and MariaDB sessions: connecting (TLS per ssl-mode), and running a batch as one
//! multi-statement request: the session's safety settings first, then every query. The server
//! stops a multi-statement request at the first error, so the rest is sent again after it.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, DriverError, OptsBuilder, SslOpts};

use super::rows::{Query, QueryError, QueryResult, Rows, Value};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits, ServerInfo};
use crate::target::{Engine, Target, TlsMode};

pub struct MySession {
    conn: Conn,
    pub server: ServerInfo,
    limits: Limits,
    /// The safety settings go out with the first batch; later batches need them no more.
    settings_sent: bool,
}

impl MySession {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<MySession, ConnectError> {
        let conn = match Conn::new(options(target, limits, target.tls != TlsMode::Disable)).await {
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
        // The handshake's version: MariaDB's is 10 or more, MySQL's 9 or less.
        let (major, minor, patch) = conn.server_version();
        let mariadb = major >= 10;
        let server = ServerInfo {
            engine: Engine::Mysql,
            version: format!("{major}.{minor}.{patch}{}", if mariadb { "-MariaDB" } else { "" }),
            version_num: major as u32 * 10000 + minor as u32 * 100 + patch as u32,
            mariadb,
        };
        Ok(MySession {
            conn,
            server,
            limits: *limits,
            settings_sent: false,
        })
    }

    /// Read-only transactions, a statement timeout (MariaDB `max_statement_time` in seconds,
    /// MySQL `max_execution_time` in milliseconds) and short lock waits.
    fn settings(&self) -> Vec<String> {
        let lock_secs = self.limits.lock_timeout.as_secs().max(1);
        vec![
            "SET SESSION TRANSACTION READ ONLY".to_string(),
            if self.server.mariadb {
                format!(
                    "SET SESSION max_statement_time = {:.3}",
                    self.limits.statement_timeout.as_secs_f64()
                )
            } else {
                format!(
                    "SET SESSION max_execution_time = {}",
                    self.limits.statement_timeout.as_millis().max(1)
                )
            },
            format!("SET SESSION lock_wait_timeout = {lock_secs}"),
            format!("SET SESSION innodb_lock_wait_timeout = {lock_secs}"),
        ]
    }

    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let prelude = if self.settings_sent { vec![] } else { self.settings() };
        let mut results: Vec<Option<QueryResult>> = vec![None; queries.len()];
        let mut fallback = vec![false; queries.len()];
        let mut next = 0;
        let mut first = true;
        while next < queries.len() || first {
            let settings: &[String] = if first { &prelude } else { &[] };
            let statements: Vec<String> = settings
                .iter()
                .cloned()
                .chain(
                    queries[next..]
                        .iter()
                        .zip(&fallback[next..])
                        .map(|(q, f)| q.inlined(*f)),
                )
                .collect();
            first = false;
            if statements.is_empty() {
                break;
            }
            let (sets, error) = self.multi(&statements.join(";\n"), statements.len()).await?;
            let mut done = sets.into_iter();
            for _ in settings {
                if done.next().is_none() {
                    let e = error.as_ref().map(|e| e.message.as_str()).unwrap_or("no answer");
                    return Err(anyhow!("applying the session's safety settings failed: {e}"));
                }
            }
            for rows in done {
                results[next] = Some(Ok(Rows {
                    fallback_used: fallback[next],
                    ..rows
                }));
                next += 1;
            }
            let Some(e) = error else {
                if next < queries.len() {
                    return Err(anyhow!("the server answered {next} of {} queries", queries.len()));
                }
                break;
            };
            {
                if e.denied && queries[next].fallback.is_some() && !fallback[next] {
                    fallback[next] = true;
                } else {
                    results[next] = Some(Err(e));
                    next += 1;
                }
            }
        }
        self.settings_sent = true;
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(QueryError {
                        message: "not run".into(),
                        denied: false,
                    })
                })
            })
            .collect())
    }

    /// Sends one multi-statement request of `expected` statements; returns the result sets up
    /// to the first error, and that error. `Err` only when the connection itself failed.
    async fn multi(&mut self, sql: &str, expected: usize) -> Result<(Vec<Rows>, Option<QueryError>)> {
        let mut sets = Vec::new();
        let mut result = match self.conn.query_iter(sql).await {
            Ok(r) => r,
            Err(mysql_async::Error::Server(e)) => return Ok((sets, Some(server_error(&e)))),
            Err(e) => return Err(anyhow!("{e}")),
        };
        loop {
            let columns: Vec<String> = result.columns_ref().iter().map(|c| c.name_str().into_owned()).collect();
            match result.collect::<mysql_async::Row>().await {
                Ok(rows) => sets.push(Rows {
                    columns,
                    rows: rows.into_iter().map(values).collect(),
                    fallback_used: false,
                }),
                Err(mysql_async::Error::Server(e)) => return Ok((sets, Some(server_error(&e)))),
                Err(e) => return Err(anyhow!("{e}")),
            }
            if sets.len() == expected {
                return Ok((sets, None));
            }
            if result.is_empty() {
                // The driver shows an error that ended the request only on the next read.
                return match result.collect::<mysql_async::Row>().await {
                    Err(mysql_async::Error::Server(e)) => Ok((sets, Some(server_error(&e)))),
                    Err(e) => Err(anyhow!("{e}")),
                    Ok(_) => Err(anyhow!("the server answered {} of {expected} statements", sets.len())),
                };
            }
        }
    }

    pub async fn close(self) {
        let _ = self.conn.disconnect().await;
    }
}

fn server_error(e: &mysql_async::ServerError) -> QueryError {
    QueryError {
        message: format!("ERROR {} ({}): {}", e.code, e.state, e.message),
        denied: e.code == 1227,
    }
}

/// The text protocol sends every value as bytes; the checks decode them.
fn values(row: mysql_async::Row) -> Vec<Value> {
    row.unwrap()
        .into_iter()
        .map(|v| match v {
            mysql_async::Value::NULL => Value::Null,
            mysql_async::Value::Bytes(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
            mysql_async::Value::Int(n) => Value::Int(n),
            mysql_async::Value::UInt(n) => Value::Int(n as i64),
            mysql_async::Value::Float(f) => Value::Float(f.into()),
            mysql_async::Value::Double(f) => Value::Float(f),
            other => Value::Text(other.as_sql(true).trim_matches('\'').to_string()),
        })
        .collect()
}

pub(crate) fn options(target: &Target, limits: &Limits, tls: bool) -> OptsBuilder {
    let host = &target.hosts[0];
    let mut opts = OptsBuilder::default()
        .user(Some(&target.user))
        .pass(target.password.as_ref())
        .db_name(target.dbname.as_ref())
        .prefer_socket(false)
        .stmt_cache_size(0)
        // Given here, so the driver does not ask the server for them (a round trip).
        .wait_timeout(Some(limits.statement_timeout.as_secs().max(10) as usize))
        .max_allowed_packet(Some(64 << 20))
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

pub(crate) fn classify(e: &mysql_async::Error) -> ConnectError {
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
