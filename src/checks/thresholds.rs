//! Thresholds: declared once in a check's spec with their default, overridden by a runbook's
//! `thresholds:` and then by command-line flags, and checked for order before connecting.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::CheckSpec;
use crate::units::{Percent, format_duration, parse_duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdKind {
    Percent,
    Duration,
    Count,
    /// A size as typed: `500MB`, `1GB` (powers of 1024).
    Bytes,
    /// A share of one core's time, `50%` upward: a statement run by many sessions at once can
    /// take several cores' worth (`300%`), so it has no 100% ceiling.
    Cores,
}

impl ThresholdKind {
    pub fn parse(self, text: &str) -> Result<ThresholdValue, String> {
        match self {
            ThresholdKind::Percent => Percent::parse(text).map(ThresholdValue::Percent),
            ThresholdKind::Duration => parse_duration(text).map(ThresholdValue::Duration),
            ThresholdKind::Count => parse_count(text).map(ThresholdValue::Count),
            ThresholdKind::Bytes => super::size::parse_size(text).map(ThresholdValue::Bytes),
            ThresholdKind::Cores => Percent::parse_share(text).map(ThresholdValue::Percent),
        }
    }

    pub fn value_name(self) -> &'static str {
        match self {
            ThresholdKind::Percent | ThresholdKind::Cores => "PERCENT",
            ThresholdKind::Duration => "DURATION",
            ThresholdKind::Count => "N",
            ThresholdKind::Bytes => "SIZE",
        }
    }
}

/// One threshold a check takes: `--flag` on the command line, `key:` in a runbook. Each check
/// declares its thresholds as consts, listed in its spec and passed to the [`Thresholds`]
/// lookups, so a lookup cannot name a threshold that does not exist.
#[derive(Debug, Clone, Copy)]
pub struct Threshold {
    pub key: &'static str,
    pub kind: ThresholdKind,
    /// The default, as a user would type it; the only place it is written.
    pub default: &'static str,
    pub help: &'static str,
}

impl Threshold {
    pub fn flag(&self) -> String {
        self.key.replace('_', "-")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum ThresholdValue {
    Percent(Percent),
    Duration(Duration),
    Count(u64),
    Bytes(u64),
}

impl ThresholdValue {
    fn shown(&self) -> String {
        match self {
            ThresholdValue::Percent(p) => p.to_string(),
            ThresholdValue::Duration(d) => format_duration(*d),
            ThresholdValue::Count(n) => n.to_string(),
            ThresholdValue::Bytes(n) => shown_bytes(*n),
        }
    }
}

/// A size in the largest unit it is a whole number of, as it would be typed: `256MB`, `1GB`.
fn shown_bytes(n: u64) -> String {
    let units = [("TB", 1u64 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)];
    units
        .iter()
        .find(|(_, size)| n >= *size && n.is_multiple_of(*size))
        .map_or_else(|| n.to_string(), |(unit, size)| format!("{}{unit}", n / size))
}

pub fn parse_count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("invalid count '{text}': use a whole number such as 5"))
}

/// A warning threshold above its critical one: the keys, and the message for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossed {
    pub warning: &'static str,
    pub critical: &'static str,
    pub message: String,
}

/// A check's thresholds, resolved.
#[derive(Debug, Clone, Default)]
pub struct Thresholds(BTreeMap<&'static str, ThresholdValue>);

impl Thresholds {
    /// Flag, else the runbooks' value, else the spec's default; then warning ≤ critical.
    pub fn resolve(
        spec: &CheckSpec,
        flags: &BTreeMap<String, ThresholdValue>,
        runbook: &BTreeMap<String, String>,
    ) -> Result<Thresholds> {
        let resolved = Thresholds::unordered(spec, flags, runbook)?;
        if let Some(crossed) = resolved.crossed(spec).into_iter().next() {
            bail!("{}", crossed.message);
        }
        Ok(resolved)
    }

    /// Flag, else the runbooks' value, else the spec's default; the order is not checked.
    pub fn unordered(
        spec: &CheckSpec,
        flags: &BTreeMap<String, ThresholdValue>,
        runbook: &BTreeMap<String, String>,
    ) -> Result<Thresholds> {
        let mut out = BTreeMap::new();
        for t in spec.thresholds {
            let value = match (flags.get(t.key), runbook.get(t.key)) {
                (Some(v), _) => *v,
                (None, Some(text)) => t
                    .kind
                    .parse(text)
                    .map_err(|e| anyhow!("runbook threshold {}: {e}", t.key))?,
                (None, None) => t
                    .kind
                    .parse(t.default)
                    .map_err(|e| anyhow!("built-in default of {}: {e}", t.key))?,
            };
            out.insert(t.key, value);
        }
        Ok(Thresholds(out))
    }

    /// Every pair of the spec's `ordered` list whose warning is above its critical.
    pub fn crossed(&self, spec: &CheckSpec) -> Vec<Crossed> {
        let mut out = Vec::new();
        for &(warning, critical, what) in spec.ordered {
            let (Some(wv), Some(cv)) = (self.0.get(warning), self.0.get(critical)) else {
                continue;
            };
            if wv > cv {
                out.push(Crossed {
                    warning,
                    critical,
                    message: format!(
                        "the {what} warning threshold ({}) is above the critical one ({}); \
                         lower the warning threshold or raise the critical one",
                        wv.shown(),
                        cv.shown()
                    ),
                });
            }
        }
        out
    }

    fn get(&self, key: &str) -> ThresholdValue {
        *self
            .0
            .get(key)
            .unwrap_or_else(|| panic!("threshold '{key}' is not in the check's spec"))
    }

    pub fn duration(&self, t: Threshold) -> Duration {
        match self.get(t.key) {
            ThresholdValue::Duration(d) => d,
            other => panic!("threshold '{}' is {other:?}, not a duration", t.key),
        }
    }

    pub fn seconds(&self, t: Threshold) -> f64 {
        self.duration(t).as_secs_f64()
    }

    pub fn percent(&self, t: Threshold) -> f64 {
        match self.get(t.key) {
            ThresholdValue::Percent(p) => p.0,
            other => panic!("threshold '{}' is {other:?}, not a percentage", t.key),
        }
    }

    pub fn count(&self, t: Threshold) -> u64 {
        match self.get(t.key) {
            ThresholdValue::Count(n) => n,
            other => panic!("threshold '{}' is {other:?}, not a count", t.key),
        }
    }

    pub fn bytes(&self, t: Threshold) -> u64 {
        match self.get(t.key) {
            ThresholdValue::Bytes(n) => n,
            other => panic!("threshold '{}' is {other:?}, not a size", t.key),
        }
    }

    /// As a user would type it: `80%`, `1m`, `5`.
    pub fn shown(&self, t: Threshold) -> String {
        self.get(t.key).shown()
    }
}
