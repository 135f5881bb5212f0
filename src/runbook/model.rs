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
    /// SQL or shell commands per engine; a step with SQL for other engines only is left out.
    #[serde(default)]
    pub sql: BTreeMap<Engine, String>,
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
