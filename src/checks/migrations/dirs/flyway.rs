//! Flyway's `V<version>__<description>.sql`: versions compared per number (`1.10` > `1.9`,
//! `_` read as `.`, trailing zeros ignored), repeatable `R__` and undo `U` scripts left out,
//! pending versions below the current one flagged out of order, and each applied file's CRC32
//! compared with the `checksum` Flyway recorded.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::{Applied, Changed, Comparison, Pending, Row, checksum, file_name, files};

/// A Flyway version: numeric parts, `_` read as `.`, trailing zeros ignored (`1.10.0` = `1.10`,
/// and `1.10` > `1.9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlywayVersion(Vec<u128>);

impl FlywayVersion {
    pub fn parse(text: &str) -> Option<FlywayVersion> {
        let mut parts: Vec<u128> = text
            .trim()
            .replace('_', ".")
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(FlywayVersion(parts))
    }
}

impl Ord for FlywayVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.0.get(i).unwrap_or(&0).cmp(other.0.get(i).unwrap_or(&0)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for FlywayVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `V1_2__add_users.sql` → version `1.2`; repeatable (`R__`) and undo (`U1__`) scripts, and
/// anything else, are no versioned migration.
pub fn flyway_file(name: &str) -> Option<(FlywayVersion, String)> {
    let stem = name.strip_suffix(".sql")?;
    let rest = stem.strip_prefix('V')?;
    let (version, _) = rest.split_once("__")?;
    Some((FlywayVersion::parse(version)?, version.replace('_', ".")))
}

/// The highest of Flyway's applied versions (rows newest first, as the entries query gives).
pub fn flyway_current<'a>(rows: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    rows.filter_map(|r| Some((FlywayVersion::parse(r)?, r)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r)| r)
}

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let mut code: Vec<(FlywayVersion, String, String, PathBuf)> = Vec::new();
    let mut notes = Vec::new();
    for path in files(dir, true)? {
        let name = file_name(&path);
        if let Some((v, shown)) = flyway_file(&name) {
            if let Some(other) = code.iter().find(|c| c.0 == v) {
                notes.push(format!("version {shown} is defined twice: {} and {name}", other.2));
            }
            code.push((v, shown, name, path));
        } else if name.starts_with('V') && name.ends_with(".sql") {
            notes.push(format!(
                "{name}: not a Flyway version (V<number>__<description>.sql); ignored"
            ));
        }
    }
    if code.is_empty() {
        bail!(
            "--dir {}: no Flyway migrations (V<version>__<description>.sql)",
            dir.display()
        );
    }
    code.sort_by(|a, b| a.0.cmp(&b.0));
    let db: Vec<(FlywayVersion, &Row)> = applied
        .rows
        .iter()
        .filter_map(|r| Some((FlywayVersion::parse(r.revision)?, r)))
        .collect();
    let current = db.iter().map(|d| &d.0).max();
    let oldest = db.iter().map(|d| &d.0).min();
    let pending: Vec<Pending> = code
        .iter()
        .filter(|c| !db.iter().any(|d| d.0 == c.0))
        // Below the oldest row we read we cannot tell: only a complete history says.
        .filter(|c| applied.complete || oldest.is_none_or(|o| c.0 > *o))
        .map(|c| Pending {
            revision: c.1.clone(),
            file: c.2.clone(),
            out_of_order: current.is_some_and(|cur| c.0 < *cur),
        })
        .collect();
    if !applied.complete {
        notes.push(format!(
            "compared with the newest {} history rows only; older gaps are not checked",
            applied.rows.len()
        ));
    }
    // A baseline marks a starting point, not a file; everything else must be in the code.
    let unknown: Vec<String> = db
        .iter()
        .filter(|d| !d.1.kind.is_some_and(|k| k.eq_ignore_ascii_case("BASELINE")))
        .filter(|d| Some(&d.0) == current && !code.iter().any(|c| c.0 == d.0))
        .map(|d| d.1.revision.to_string())
        .collect();
    let mut changed = Vec::new();
    for (v, row) in &db {
        let (Some(recorded), Some(c)) = (row.checksum, code.iter().find(|c| c.0 == *v)) else {
            continue;
        };
        let Ok(recorded) = recorded.trim().parse::<i32>() else {
            continue;
        };
        let bytes = std::fs::read(&c.3).with_context(|| format!("reading {}", c.3.display()))?;
        let computed = checksum::flyway_crc32(&bytes);
        if computed != recorded {
            changed.push(Changed {
                revision: c.1.clone(),
                file: c.2.clone(),
                recorded: recorded.to_string(),
                computed: computed.to_string(),
            });
        }
    }
    Ok(Comparison {
        known: code.len(),
        heads: code.last().map(|c| vec![c.1.clone()]).unwrap_or_default(),
        pending,
        unknown,
        changed,
        notes,
        ..Comparison::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_versions_compare_numerically_per_part() {
        let v = |s| FlywayVersion::parse(s).unwrap();
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.10.0"), v("1_10"));
        assert!(v("2") > v("1.999"));
        assert_eq!(flyway_file("V1_10__big.sql").unwrap().1, "1.10");
        assert_eq!(flyway_file("R__views.sql"), None);
        assert_eq!(flyway_file("U2__undo.sql"), None);
        assert_eq!(flyway_current(["1.9", "1.10", "1.2"].into_iter()), Some("1.10"));
    }
}
