//! Another client's session as the server lists it (`pg_stat_activity`, the MySQL process list),
//! observed by a check; not the tool's own connection, which is `engine::Session`. Decoded by
//! column name from any check's rows:
//! the SQL files of both engines name their columns alike (`pid`, `usename`, `database`,
//! `application`, `client`, `state`, `query` and the ages), and a column a query or an engine
//! lacks stays empty.

use anyhow::Result;

use crate::engine::Row;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedSession {
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
    /// PostgreSQL's `backend_type` (`client backend`, `autovacuum worker`, `walsender`...).
    pub backend_type: Option<String>,
    /// Its role is a superuser or a replication role (PostgreSQL; `None` when not asked).
    pub privileged_role: Option<bool>,
    /// Which session (and transaction) this is, as `dbrunbook end` takes it: see [`SessionRef`].
    pub reference: Option<String>,
    /// The client program as it announced itself (MySQL `performance_schema`
    /// `session_connect_attrs.program_name`; PostgreSQL says it in `application`).
    pub program: Option<String>,
}

/// A session the tool must never suggest ending: what it is, and what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    /// The rule's short name, as `dbrunbook end` says which rule refused.
    pub rule: &'static str,
    pub what: &'static str,
    pub advice: &'static str,
}

const WRAPAROUND: Protected = Protected {
    rule: "wraparound autovacuum",
    what: "an autovacuum preventing transaction ID wraparound",
    advice: "never cancel or terminate it: it restarts at once, and wraparound stops all writes. Let it \
             finish (progress in pg_stat_progress_vacuum); cancel the statement waiting behind it instead, \
             and retry that after the vacuum",
};
const AUTOVACUUM: Protected = Protected {
    rule: "autovacuum",
    what: "an autovacuum worker",
    advice: "do not terminate it. Cancelling it is safe (pg_cancel_backend; it will run again later), but the \
             usual fix is to cancel the DDL waiting behind it and retry after the vacuum, or run VACUUM by hand \
             in a quiet moment",
};
const REPLICATION: Protected = Protected {
    rule: "replication",
    what: "a replication or WAL sender session",
    advice: "do not end it: it feeds a replica or a backup. Ask the DBA on call who owns the replica or slot",
};
const BACKUP: Protected = Protected {
    rule: "backup",
    what: "a backup (pg_dump, pg_basebackup, pgBackRest, barman, mysqldump/mariadb-dump, mariabackup/xtrabackup)",
    advice: "do not end it without asking the backup's owner: a killed backup leaves no backup. Cancel the \
             statement waiting behind it, or wait for the backup to finish",
};
const BACKGROUND: Protected = Protected {
    rule: "background worker",
    what: "a server background process (checkpointer, background or logical replication worker)",
    advice: "do not end it: it is part of the server, not a client. Ask the DBA on call",
};
const SYSTEM: Protected = Protected {
    rule: "system thread",
    what: "a server thread (replication or event scheduler)",
    advice: "do not kill it: ask the DBA on call",
};

/// Client names of backup tools, lower case, matched at the start of the name.
const BACKUP_PROGRAMS: &[&str] = &[
    "pg_dump",
    "pg_basebackup",
    "pg_receivewal",
    "pgbackrest",
    "barman",
    "mysqldump",
    "mariadb-dump",
    "mariabackup",
    "xtrabackup",
    "mysqlpump",
];

/// What only a backup runs, lower case: mysqldump's and mariadb-dump's table reads, and a
/// session holding a PostgreSQL base backup open (it must stay connected until the backup ends).
const BACKUP_STATEMENTS: &[&str] = &[
    "/*!40001 sql_no_cache */",
    "pg_backup_start(",
    "pg_start_backup(",
    "pg_backup_stop(",
    "pg_stop_backup(",
];

impl ObservedSession {
    pub fn decode(row: &Row) -> Result<ObservedSession> {
        Ok(ObservedSession {
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
            backend_type: row.text_named("backend_type")?,
            privileged_role: row.int_named("privileged_role")?.map(|v| v != 0),
            reference: row.text_named("session_ref")?.filter(|r| !r.is_empty()),
            program: row.text_named("program")?.filter(|p| !p.is_empty()),
        })
    }

    /// Autovacuum, replication, backups and server threads: sessions no step may end. The
    /// one place that recognises them, for the runbooks' steps and `dbrunbook end` alike.
    pub fn protected(&self) -> Option<&'static Protected> {
        let backend = self.backend_type.as_deref().unwrap_or("client backend");
        if backend == "autovacuum worker" || self.query.starts_with("autovacuum:") {
            return Some(if self.query.contains("(to prevent wraparound)") {
                &WRAPAROUND
            } else {
                &AUTOVACUUM
            });
        }
        if backend == "walsender" || backend.contains("replication") {
            return Some(&REPLICATION);
        }
        if self.is_backup() {
            return Some(&BACKUP);
        }
        if self.user == "system user" || self.user == "event_scheduler" || backend == "system" {
            return Some(&SYSTEM);
        }
        if backend != "client backend" {
            return Some(&BACKGROUND);
        }
        None
    }

    /// A backup client, by the name it announced (PostgreSQL `application_name`, MySQL
    /// `program_name`) or by what it runs: mysqldump's and mariadb-dump's `SQL_NO_CACHE` marker,
    /// a PostgreSQL session holding a non-exclusive base backup open (pgBackRest, barman).
    fn is_backup(&self) -> bool {
        let named = |name: &str| {
            let name = name.to_ascii_lowercase();
            BACKUP_PROGRAMS.iter().any(|tool| name.starts_with(tool))
        };
        named(self.application()) || self.program.as_deref().is_some_and(named) || {
            let query = self.query.to_ascii_lowercase();
            BACKUP_STATEMENTS.iter().any(|marker| query.contains(marker))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(backend: &str, app: &str, query: &str) -> ObservedSession {
        ObservedSession {
            backend_type: Some(backend.into()),
            application: Some(app.into()),
            query: query.into(),
            ..ObservedSession::default()
        }
    }

    #[test]
    fn autovacuum_replication_and_backups_are_protected() {
        let wrap = session(
            "autovacuum worker",
            "",
            "autovacuum: VACUUM public.t (to prevent wraparound)",
        );
        assert_eq!(wrap.protected(), Some(&WRAPAROUND));
        assert_eq!(
            session("autovacuum worker", "", "autovacuum: VACUUM public.t").protected(),
            Some(&AUTOVACUUM)
        );
        assert_eq!(session("walsender", "replica1", "").protected(), Some(&REPLICATION));
        assert_eq!(
            session("client backend", "pg_dump", "COPY t TO stdout").protected(),
            Some(&BACKUP)
        );
        assert_eq!(session("client backend", "web", "SELECT 1").protected(), None);
        let replica_thread = ObservedSession {
            user: "system user".into(),
            ..ObservedSession::default()
        };
        assert_eq!(replica_thread.protected(), Some(&SYSTEM));
    }
}
