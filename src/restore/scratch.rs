//! The scratch database: the only thing dbrunbook ever writes. Created under a fresh name
//! (`dbrunbook_restore_<utc time>_<random>`) and marked with a comment holding this run's random
//! token; dropped only when the name is the one this run created and the marker still reads
//! back as this run's. Nothing else is ever dropped: not a database with the prefix from another
//! run, not one whose comment was changed.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use mysql_async::prelude::Queryable;

use crate::engine::{ConnectError, Limits, mysql, postgres};
use crate::quote;
use crate::target::{Engine, Target};

pub const PREFIX: &str = "dbrunbook_restore_";

/// A scratch database this run created.
#[derive(Debug, Clone)]
pub struct Created {
    pub name: String,
    /// The comment written on it; read back before dropping.
    pub marker: String,
}

impl Created {
    /// A name and marker no other run has: the time to the second and 32 random bits.
    pub fn fresh() -> Created {
        let token = random_hex(4);
        let name = format!("{PREFIX}{}_{token}", utc_stamp());
        Created {
            marker: format!("dbrunbook restore-check scratch copy, run {token}; dropped by the run that made it"),
            name,
        }
    }
}

/// A writable connection to the scratch server's maintenance database.
pub enum Admin {
    Postgres {
        client: tokio_postgres::Client,
        version_num: u32,
    },
    Mysql(mysql_async::Conn),
}

impl Admin {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<Admin, ConnectError> {
        match target.engine {
            Engine::Mysql => {
                let conn = mysql::open_for_writing(target, limits).await?;
                Ok(Admin::Mysql(conn))
            }
            Engine::Postgres | Engine::Pgbouncer => {
                let (client, version) = postgres::open_for_writing(target, limits).await?;
                let version_num = crate::dumpfile::major_of(&version).unwrap_or(0);
                Ok(Admin::Postgres { client, version_num })
            }
        }
    }

    /// What this account may do beyond creating its own databases: superuser on PostgreSQL,
    /// global privileges on MariaDB/MySQL. Empty when nothing: a dump restored with it stays in
    /// the databases it may reach.
    pub async fn powers(&mut self) -> Result<Vec<String>> {
        match self {
            Admin::Postgres { client, .. } => {
                let row = client
                    .query_one(
                        "SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = pg_catalog.current_user()",
                        &[],
                    )
                    .await?;
                let superuser: bool = row.get(0);
                Ok(if superuser { vec!["SUPERUSER".into()] } else { vec![] })
            }
            Admin::Mysql(conn) => {
                use mysql_async::prelude::Queryable;
                let privileges: Vec<String> = conn.query(include_str!("sql/mysql_powers.sql")).await?;
                Ok(privileges)
            }
        }
    }

    /// Creates the database and marks it. MariaDB keeps the comment in the database itself
    /// (CREATE DATABASE ... COMMENT, 10.5+).
    pub async fn create(&mut self, db: &Created) -> Result<()> {
        match self {
            Admin::Postgres { client, .. } => {
                // template0: a dump expects an empty database, and template1 may hold extras.
                client
                    .batch_execute(&format!(
                        "CREATE DATABASE {} TEMPLATE template0",
                        quote::pg::ident(&db.name)
                    ))
                    .await
                    .map_err(|e| anyhow!("creating the scratch database: {}", pg_error(&e)))?;
                let marked = client
                    .batch_execute(&format!(
                        "COMMENT ON DATABASE {} IS {}",
                        quote::pg::ident(&db.name),
                        quote::pg::literal(&db.marker)
                    ))
                    .await;
                if let Err(e) = marked {
                    // Created a statement ago by this very connection: dropped at once rather
                    // than left unmarked, where no later run would ever touch it.
                    let dropped = client
                        .batch_execute(&format!("DROP DATABASE {}", quote::pg::ident(&db.name)))
                        .await;
                    bail!(
                        "marking the scratch database {} failed ({}), so it was {}",
                        db.name,
                        pg_error(&e),
                        if dropped.is_ok() {
                            "dropped again".to_string()
                        } else {
                            format!(
                                "left unmarked: drop it by hand (DROP DATABASE {})",
                                quote::pg::ident(&db.name)
                            )
                        }
                    );
                }
            }
            Admin::Mysql(conn) => {
                let (major, minor, _) = conn.server_version();
                // MySQL 8 has no database comments; it cannot be installed here to test another
                // marker, so restore-check refuses it rather than drop an unmarked database.
                if major < 10 || (major == 10 && minor < 5) {
                    bail!(
                        "the scratch server is {major}.{minor}: restore-check needs MariaDB 10.5 or later, whose \
                         CREATE DATABASE ... COMMENT marks the scratch database"
                    );
                }
                conn.query_drop(format!(
                    "CREATE DATABASE {} COMMENT {}",
                    quote::mysql::ident(&db.name),
                    quote::mysql::literal(&db.marker)
                ))
                .await
                .context("creating the scratch database")?;
            }
        }
        Ok(())
    }

    /// The marker on `name` as the server has it now; `None` if the database is gone.
    pub async fn marker(&mut self, name: &str) -> Result<Option<Option<String>>> {
        match self {
            Admin::Postgres { client, .. } => {
                let row = client
                    .query_opt(
                        "SELECT pg_catalog.shobj_description(d.oid, 'pg_database') FROM pg_catalog.pg_database d \
                         WHERE d.datname = $1",
                        &[&name],
                    )
                    .await
                    .map_err(|e| anyhow!("reading the scratch database's marker: {}", pg_error(&e)))?;
                Ok(row.map(|r| r.get::<_, Option<String>>(0)))
            }
            Admin::Mysql(conn) => {
                let row: Option<Option<String>> = conn
                    .exec_first(
                        "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                        (name,),
                    )
                    .await
                    .context("reading the scratch database's marker")?;
                Ok(row)
            }
        }
    }

    /// Drops the database this run created, after reading its marker back. Anything but this
    /// run's name with this run's marker is left alone, with the reason.
    pub async fn drop_created(&mut self, db: &Created) -> Result<()> {
        if !db.name.starts_with(PREFIX) {
            bail!("refusing to drop {}: not a scratch database name", db.name);
        }
        match self.marker(&db.name).await? {
            None => return Ok(()),
            Some(Some(m)) if m == db.marker => {}
            Some(other) => bail!(
                "refusing to drop {}: its marker is {:?}, not this run's; drop it by hand if it is a leftover",
                db.name,
                other.unwrap_or_default()
            ),
        }
        match self {
            Admin::Postgres { client, version_num } => {
                // WITH (FORCE), 13+: a session left in it by a killed restore must not keep it.
                let force = if *version_num >= 13 { " WITH (FORCE)" } else { "" };
                client
                    .batch_execute(&format!("DROP DATABASE {}{force}", quote::pg::ident(&db.name)))
                    .await
                    .map_err(|e| anyhow!("dropping the scratch database: {}", pg_error(&e)))?;
            }
            Admin::Mysql(conn) => {
                conn.query_drop(format!("DROP DATABASE {}", quote::mysql::ident(&db.name)))
                    .await
                    .context("dropping the scratch database")?;
            }
        }
        Ok(())
    }

    pub async fn close(self) {
        if let Admin::Mysql(conn) = self {
            let _ = conn.disconnect().await;
        }
    }
}

fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// `n` random bytes as hex, from the kernel (a time-and-pid mix if /dev/urandom cannot be read).
pub(super) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_os.is_err() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mix = (nanos ^ std::process::id().rotate_left(16)).to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = mix[i % 4].wrapping_add(i as u8);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `20261124t044400`: UTC, sortable, lower case (PostgreSQL folds unquoted names).
fn utc_stamp() -> String {
    let (y, mo, d, h, mi, s) = crate::units::utc_parts(SystemTime::now());
    format!("{y:04}{mo:02}{d:02}t{h:02}{mi:02}{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_names_are_unique_prefixed_and_fit_both_engines() {
        let a = Created::fresh();
        let b = Created::fresh();
        assert_ne!(a.name, b.name);
        assert_ne!(a.marker, b.marker);
        assert!(a.name.starts_with(PREFIX));
        assert!(a.name.len() <= 63);
        assert!(
            a.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
        assert_eq!(a.name.len(), PREFIX.len() + 15 + 1 + 8, "{}", a.name);
    }

    #[test]
    fn identifiers_are_quoted_for_their_engine() {
        assert_eq!(quote::pg::ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote::mysql::ident("a`b"), "`a``b`");
        assert_eq!(quote::pg::literal("it's"), "'it''s'");
        assert_eq!(quote::mysql::literal("it's"), "'it''s'");
    }
}
