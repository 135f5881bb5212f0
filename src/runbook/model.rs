//! The runbook YAML model, as users write it (see README, "Writing a runbook").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::Status;
use crate::target::Engine;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// Unique id; a user runbook with the id of an embedded one replaces it.
    pub id: String,
    pub title: String,
    /// The check it serves (`pool`, ...).
    pub check: String,
    /// Engines it applies to: postgres, mysql (MariaDB too), pgbouncer.
    pub engines: Vec<Engine>,
    /// Statuses it applies to; default warning and critical.
    #[serde(default = "default_statuses")]
    pub statuses: Vec<Status>,
    /// Only when the check reports one of these conditions (default: whenever the status fits).
    #[serde(default)]
    pub when: Vec<String>,
    /// Default thresholds for the check, overridden by command-line flags.
    #[serde(default)]
    pub thresholds: BTreeMap<String, String>,
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// How to look before acting: notes with the SQL to run by hand, per engine.
    #[serde(default)]
    pub diagnosis: Vec<Step>,
    pub remediation: Remediation,
    #[serde(default)]
    pub escalation: Vec<Step>,
    /// `embedded` or the file it came from; set by the loader.
    #[serde(skip_deserializing)]
    pub source: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    #[serde(default)]
    pub immediate: Vec<Step>,
    #[serde(default)]
    pub long_term: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
    /// Runnable SQL per dialect, and nothing else (no shell, no client meta-commands, no
    /// templates to complete): a test runs every snippet on a real server. A step with SQL for
    /// other dialects only is left out.
    #[serde(default)]
    pub sql: BTreeMap<Dialect, String>,
    /// Shell command lines per dialect (the client's real flags), placeholders quoted `|sh`.
    #[serde(default)]
    pub shell: BTreeMap<Dialect, String>,
    /// Templates per dialect the engineer completes by hand (`ALTER TABLE ...`): shown as
    /// examples, never as something to run.
    #[serde(default)]
    pub example: BTreeMap<Dialect, String>,
    /// Only for these engines (default: all the runbook's engines).
    #[serde(default)]
    pub engines: Vec<Engine>,
    /// Only when the check reports one of these conditions (default: always).
    #[serde(default)]
    pub when: Vec<String>,
    /// Repeat the step once per finding (each session, each pool...), filled from that finding.
    #[serde(default)]
    pub each: bool,
}

/// Whose SQL a snippet is: `mysql` runs on MySQL and MariaDB alike; `mariadb` and `mysql8` are
/// for one of them only (MySQL 8 cannot be installed where this project is tested, so its
/// snippets are not executed by the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
    Mariadb,
    Mysql8,
    Pgbouncer,
}

impl Dialect {
    /// The dialects a server speaks, most specific first.
    pub fn spoken(engine: Engine, mariadb: bool, version_num: u32) -> Vec<Dialect> {
        match engine {
            Engine::Postgres => vec![Dialect::Postgres],
            Engine::Pgbouncer => vec![Dialect::Pgbouncer],
            Engine::Mysql if mariadb => vec![Dialect::Mariadb, Dialect::Mysql],
            Engine::Mysql if version_num >= 80000 => vec![Dialect::Mysql8, Dialect::Mysql],
            Engine::Mysql => vec![Dialect::Mysql],
        }
    }

    pub fn engine(self) -> Engine {
        match self {
            Dialect::Postgres => Engine::Postgres,
            Dialect::Pgbouncer => Engine::Pgbouncer,
            Dialect::Mysql | Dialect::Mariadb | Dialect::Mysql8 => Engine::Mysql,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Mariadb => "mariadb",
            Dialect::Mysql8 => "mysql8",
            Dialect::Pgbouncer => "pgbouncer",
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn default_statuses() -> Vec<Status> {
    vec![Status::Warning, Status::Critical]
}

impl Runbook {
    /// Every step with its phase name, in the order an engineer follows them.
    pub fn phases(&self) -> [(&'static str, &[Step]); 4] {
        [
            ("diagnose", &self.diagnosis),
            ("immediate", &self.remediation.immediate),
            ("long_term", &self.remediation.long_term),
            ("escalation", &self.escalation),
        ]
    }
}
