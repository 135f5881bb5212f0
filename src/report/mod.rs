//! The report model: what every check produces and every renderer consumes, and the output
//! layer (hyperfine's `export/`): one [`Render`] per format, one file each (table, json, nagios,
//! prometheus), rendering one target and a fleet alike; [`output`] picks the renderer from
//! `--format` and writes to stdout; [`html`] is `serve`'s live diagnosis page of one target. The model is plain data; the JSON renderer serializes it as
//! it is, so its field names are the documented contract (add fields, never rename or remove).

pub mod brief;
pub mod fleet;
pub mod html;
pub mod json;
pub mod nagios;
pub mod output;
pub mod prometheus;
pub mod status;
pub mod table;
pub mod tree;

use serde::Serialize;
use serde_json::{Map, Value};

pub use fleet::FleetReport;
pub use output::{Format, Output};
pub use status::Status;

/// One output format. A new format is a file implementing this and an arm of [`Format`].
pub trait Render {
    /// One target's report.
    fn report(&self, report: &Report) -> String;
    /// A fleet's report: every target of the fleet file in one document.
    fn fleet(&self, fleet: &FleetReport) -> String;
    /// What a run that produced no report (bad input, a usage error) writes instead: UNKNOWN in
    /// the format's own words, so a consumer reading stdout is never left with nothing. The
    /// table writes nothing: the message on stderr says it.
    fn failure(&self, _message: &str) -> String {
        String::new()
    }
}

/// Bumped only for an incompatible change to the JSON shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub status: Status,
    pub exit_code: u8,
    pub target: TargetInfo,
    pub checks: Vec<CheckResult>,
    /// Wall-clock time of the whole run, in milliseconds.
    pub elapsed_ms: u64,
    /// The server did not answer within the connect timeout (not a refusal, not a wrong
    /// password): what the fleet runner needs to know about the server, not part of the output.
    #[serde(skip)]
    pub unanswered: bool,
}

impl Report {
    pub fn new(target: TargetInfo, checks: Vec<CheckResult>, elapsed_ms: u64) -> Report {
        let status = checks.iter().fold(Status::Ok, |acc, c| acc.worst(c.status));
        Report {
            schema_version: SCHEMA_VERSION,
            status,
            exit_code: status.exit_code(),
            target,
            checks,
            elapsed_ms,
            unanswered: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub engine: String,
    /// The connection URL with any password replaced by `<redacted>`.
    pub url: String,
    /// `null` when the tool could not connect.
    pub server_version: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub check: String,
    pub status: Status,
    pub summary: String,
    pub metrics: Vec<Metric>,
    pub findings: Vec<Finding>,
    /// What the check could not see or wants the reader to know (missing privileges, limits).
    pub notes: Vec<String>,
    pub runbook: Option<AppliedRunbook>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    pub unit: Unit,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// What a metric's value counts. Serialized as the monitoring-plugin UOM it is in the JSON:
/// `""`, `"%"`, `"s"`, `"B"`, `"c"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// A plain count (or a ratio without a unit).
    #[serde(rename = "")]
    Count,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "B")]
    Bytes,
    /// A counter since the server started.
    #[serde(rename = "c")]
    Counter,
}

impl Unit {
    /// The UOM as Nagios perfdata and the JSON spell it.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::Percent => "%",
            Unit::Seconds => "s",
            Unit::Bytes => "B",
            Unit::Counter => "c",
        }
    }
}

impl Metric {
    pub fn new(name: &str, value: f64, unit: Unit) -> Metric {
        Metric {
            name: name.into(),
            value,
            unit,
            warning: None,
            critical: None,
            min: None,
            max: None,
        }
    }

    pub fn thresholds(mut self, warning: f64, critical: f64) -> Metric {
        self.warning = Some(warning);
        self.critical = Some(critical);
        self
    }

    pub fn range(mut self, min: f64, max: f64) -> Metric {
        self.min = Some(min);
        self.max = Some(max);
        self
    }
}

/// One row a check found: a kind (`holder`, `state`, `pool`...) and ordered fields. Renderers show
/// findings of one kind as one table, with the fields as columns in this order.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: String,
    pub fields: Map<String, Value>,
}

impl Finding {
    pub fn new(kind: &str) -> Finding {
        Finding {
            kind: kind.into(),
            fields: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Finding {
        self.fields.insert(key.into(), value.into());
        self
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut all = Map::with_capacity(self.fields.len() + 1);
        all.insert("kind".into(), Value::String(self.kind.clone()));
        all.extend(self.fields.clone());
        all.serialize(serializer)
    }
}

/// The runbook chosen for a result, its steps filled in from the findings.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedRunbook {
    pub id: String,
    pub title: String,
    /// `embedded` or the file the runbook was loaded from.
    pub source: String,
    pub steps: Vec<AppliedStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppliedStep {
    /// `diagnose`, `immediate`, `long_term` or `escalation`.
    pub phase: String,
    pub text: String,
    /// Runnable SQL for this server.
    pub sql: Option<String>,
    /// A shell command line to run on a host, values quoted for the shell.
    pub shell: Option<String>,
    /// A template to complete by hand; never meant to run as it is.
    pub example: Option<String>,
}
