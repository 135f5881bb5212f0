//! One database session as every check sees it, decoded by column name from any check's rows:
//! the SQL files of both engines name their columns alike (`pid`, `usename`, `database`,
//! `application`, `client`, `state`, `query` and the ages), and a column a query or an engine
//! lacks stays empty.

use anyhow::Result;

use crate::engine::Row;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    pub pid: i64,
    pub user: String,
    pub database: String,
    /// PostgreSQL's `application_name`; MySQL has none.
    pub application: Option<String>,
    pub client: String,
    /// `active`, `idle`, `idle in transaction` (MySQL threads mapped to these), or a MySQL
    /// thread state in lock trees.
    pub state: String,
    /// The statement text, whole and as the server gave it (may hold control characters).
    pub query: String,
    /// Age of the running (or, when idle, the last) statement, in seconds.
    pub query_seconds: Option<f64>,
    /// Age of the open transaction.
    pub xact_seconds: Option<f64>,
    /// Time since the state last changed: how long an idle-in-transaction session has sat idle.
    pub state_seconds: Option<f64>,
    /// What it waits on: `Lock:transactionid`, `ClientRead`, MySQL's thread state.
    pub wait: Option<String>,
    /// Transactions its snapshot holds back vacuum by (PostgreSQL `age(backend_xmin)`).
    pub xmin_age: Option<i64>,
    /// The sessions it waits for, when it waits on a lock and the query asked.
    pub blocked_by: Vec<i64>,
}

impl Session {
    pub fn decode(row: &Row) -> Result<Session> {
        Ok(Session {
            pid: row.int_named("pid")?.unwrap_or(0),
            user: row.text_named("usename")?.unwrap_or_default(),
            database: row.text_named("database")?.unwrap_or_default(),
            application: row.text_named("application")?,
            client: row.text_named("client")?.unwrap_or_default(),
            state: row.text_named("state")?.unwrap_or_default(),
            query: row.text_named("query")?.unwrap_or_default(),
            query_seconds: row.float_named("query_seconds")?,
            xact_seconds: row.float_named("xact_seconds")?,
            state_seconds: row.float_named("state_seconds")?,
            wait: row.text_named("wait")?.filter(|w| !w.is_empty()),
            xmin_age: row.int_named("xmin_age")?,
            blocked_by: match row.named("blocked_by") {
                Some(i) => row.ints(i)?,
                None => vec![],
            },
        })
    }

    /// Waiting on a lock: a victim of whoever holds it, whatever its ages say. Ending it frees
    /// nothing; the root of its lock chain is the one to deal with.
    pub fn waits_on_lock(&self) -> bool {
        self.wait
            .as_deref()
            .is_some_and(|w| w.starts_with("Lock:") || w.ends_with("metadata lock"))
    }

    pub fn application(&self) -> &str {
        self.application.as_deref().unwrap_or("")
    }
}
