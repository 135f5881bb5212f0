//! Checks, one file each: each turns an engine's rows into an [`Outcome`] (status, metrics,
//! findings, facts for the runbook). No SQL and no printing here.

pub mod locks;
pub mod pool;
pub mod queries;

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::report::{Finding, Metric, Status};
use crate::runbook::Facts;
use crate::units::{Percent, parse_duration};

/// What a check offers runbooks: its name, placeholders, conditions and threshold keys.
/// Runbook validation uses this to reject a misspelt placeholder before it reaches an incident.
pub struct CheckSpec {
    pub name: &'static str,
    pub placeholders: &'static [&'static str],
    /// Placeholders filled per finding, in steps marked `each: true`.
    pub item_placeholders: &'static [&'static str],
    pub conditions: &'static [&'static str],
    pub thresholds: &'static [(&'static str, ThresholdKind)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdKind {
    Percent,
    Duration,
    Count,
}

/// Longest query text put into a runbook step; the finding keeps the whole text.
pub const STEP_QUERY_MAX: usize = 200;

pub const CHECKS: &[&CheckSpec] = &[&pool::SPEC, &queries::SPEC, &locks::SPEC];

pub fn spec(name: &str) -> Option<&'static CheckSpec> {
    CHECKS.iter().copied().find(|c| c.name == name)
}

/// A check's verdict before a runbook is attached.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub summary: String,
    pub metrics: Vec<Metric>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub facts: Facts,
}

impl Outcome {
    pub fn unknown(summary: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Unknown,
            summary: summary.into(),
            metrics: vec![],
            findings: vec![],
            notes: vec![],
            facts: Facts::default(),
        }
    }
}

/// A percentage threshold: the flag when given, else the runbook's default, else `fallback`.
pub fn percent_threshold(
    flag: Option<Percent>,
    defaults: &BTreeMap<String, String>,
    key: &str,
    fallback: f64,
) -> Result<Percent> {
    match (flag, defaults.get(key)) {
        (Some(p), _) => Ok(p),
        (None, Some(text)) => Percent::parse(text).map_err(|e| anyhow::anyhow!("runbook threshold {key}: {e}")),
        (None, None) => Ok(Percent(fallback)),
    }
}

/// A duration threshold, resolved like [`percent_threshold`].
pub fn duration_threshold(
    flag: Option<std::time::Duration>,
    defaults: &BTreeMap<String, String>,
    key: &str,
    fallback: std::time::Duration,
) -> Result<std::time::Duration> {
    match (flag, defaults.get(key)) {
        (Some(d), _) => Ok(d),
        (None, Some(text)) => parse_duration(text).map_err(|e| anyhow::anyhow!("runbook threshold {key}: {e}")),
        (None, None) => Ok(fallback),
    }
}

/// A count threshold, resolved like [`percent_threshold`].
pub fn count_threshold(
    flag: Option<u64>,
    defaults: &BTreeMap<String, String>,
    key: &str,
    fallback: u64,
) -> Result<u64> {
    match (flag, defaults.get(key)) {
        (Some(n), _) => Ok(n),
        (None, Some(text)) => parse_count(text).map_err(|e| anyhow::anyhow!("runbook threshold {key}: {e}")),
        (None, None) => Ok(fallback),
    }
}

pub fn parse_count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("invalid count '{text}': use a whole number such as 5"))
}

/// Warning must not exceed critical, or the warning band is empty and statuses mislead.
pub fn ordered<T: PartialOrd>(
    warning: T,
    critical: T,
    shown_warning: String,
    shown_critical: String,
    what: &str,
) -> Result<()> {
    if warning > critical {
        bail!(
            "the {what} warning threshold ({shown_warning}) is above the critical one ({shown_critical}); \
             lower the warning threshold or raise the critical one"
        );
    }
    Ok(())
}
