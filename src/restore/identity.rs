//! Which server a URL reaches, to tell whether the scratch server is the source's, and what the
//! source holds: both read in the read-only diagnostic session.

use anyhow::{Result, anyhow, bail};

use super::EXACT_COUNT_MAX_BYTES;
use super::tables::{self, Table};
use crate::engine::{Limits, Query, Session};
use crate::target::{Engine, Target};

/// What identifies a server, to tell whether the scratch server is the source's.
///
/// PostgreSQL: the cluster's `system_identifier` (pg_control_system()), which host names cannot
/// disguise (127.0.0.1, localhost, a DNS alias, a PgBouncer in front: all one cluster). It is
/// shared by a primary, its physical standbys and clusters cloned from one base backup; all of
/// those count as the source, which errs on the safe side. A role that may not read pg_control
/// falls back to the postmaster's start time (to the microsecond) and port.
/// MariaDB/MySQL: `@@hostname`, `@@port` and `@@datadir` together (MariaDB has no
/// `@@server_uuid`; MySQL 8's could replace them, but MySQL 8 cannot be installed here to test).
/// The database is the one the URL connects to.
#[derive(Debug)]
pub struct Identity {
    pub system_id: Option<String>,
    pub started: String,
    pub port: String,
    pub database: Option<String>,
    pub version: String,
}

impl Identity {
    pub fn same_server(&self, other: &Identity) -> bool {
        match (&self.system_id, &other.system_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.started == other.started && self.port == other.port,
        }
    }

    pub fn describe(&self) -> String {
        match &self.system_id {
            Some(id) => format!("identified as {id}"),
            None => format!("started {}, port {}", self.started, self.port),
        }
    }
}

pub async fn identity(target: &Target, limits: &Limits) -> Result<Identity> {
    let mut session = Session::connect(target, limits).await.map_err(|e| anyhow!("{e}"))?;
    let id = identify(&mut session, target.engine).await;
    session.close().await;
    id
}

async fn identify(session: &mut Session, engine: Engine) -> Result<Identity> {
    let queries = match engine {
        Engine::Mysql => vec![Query::new(
            "identifying the server",
            include_str!("sql/mysql_identity.sql"),
        )],
        // PgBouncer never gets here (restore-check wants the dump's engine), but speaks PostgreSQL.
        Engine::Postgres | Engine::Pgbouncer => vec![
            Query::new("identifying the server", include_str!("sql/pg_identity.sql")),
            Query::new("identifying the server", include_str!("sql/pg_identity_fallback.sql")),
        ],
    };
    let results = session.run(&queries).await?;
    let mut last = None;
    for r in results {
        match r {
            Ok(rows) => {
                let row = rows
                    .first()
                    .ok_or_else(|| anyhow!("no answer identifying the server"))?;
                return Ok(Identity {
                    system_id: row.opt_text(0)?,
                    started: row.text(1)?,
                    port: row.text(2)?,
                    database: row.opt_text(3)?,
                    version: session.server().version.clone(),
                });
            }
            Err(e) => last = Some(e.message),
        }
    }
    Err(anyhow!("identifying the server: {}", last.unwrap_or_default()))
}

pub async fn read_source(target: &Target, limits: &Limits) -> Result<(Identity, Vec<Table>)> {
    if target.engine == Engine::Mysql && target.dbname.is_none() {
        bail!("--url names no database: give the one the dump was made from (mysql://user@host/db)");
    }
    let mut session = Session::connect(target, limits).await.map_err(|e| anyhow!("{e}"))?;
    let id = identify(&mut session, target.engine).await;
    let tables = match id {
        Ok(_) => tables::read(&mut session, target.engine, Some(EXACT_COUNT_MAX_BYTES)).await,
        Err(_) => Ok(Vec::new()),
    };
    session.close().await;
    Ok((id?, tables?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_the_same_by_identity_not_host_name() {
        let id = |sys: Option<&str>, started: &str| Identity {
            system_id: sys.map(Into::into),
            started: started.into(),
            port: "5432".into(),
            database: Some("app".into()),
            version: String::new(),
        };
        assert!(id(Some("7"), "a").same_server(&id(Some("7"), "b")));
        assert!(!id(Some("7"), "a").same_server(&id(Some("8"), "a")));
        assert!(id(None, "a").same_server(&id(Some("7"), "a")));
        assert!(!id(None, "a").same_server(&id(None, "b")));
    }
}
