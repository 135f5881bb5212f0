//! The comparison every tool that records one row per applied migration shares (sqlx, goose,
//! dbmate, Rails, Ecto, Diesel, Prisma, Knex, TypeORM, Atlas, and Django per app): the files
//! give versions, the rows give versions, and what is in one and not the other is pending or
//! unknown. How a file name or a row becomes a version is each format's business.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::{Applied, Changed, Comparison, Pending};

/// A version as the tool orders it: numbers as numbers (Rails' `to_i`, sqlx's `i64`), names as
/// strings (Diesel, Prisma, Knex, dbmate).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    Number(i128),
    Text(String),
}

impl Version {
    pub fn number(text: &str) -> Option<Version> {
        text.trim().parse().ok().map(Version::Number)
    }

    pub fn text(text: &str) -> Version {
        Version::Text(text.to_string())
    }
}

/// One migration file (or folder) of the directory.
#[derive(Debug, Clone)]
pub struct File {
    pub version: Version,
    /// As the history table writes it, for the report.
    pub revision: String,
    /// Relative to the directory.
    pub file: String,
    /// The file whose checksum the tool records, when it records one.
    pub checksummed: Option<PathBuf>,
}

/// How the tool checks an applied file: the computed value and whether it matches the row's.
pub type Checksum = fn(&[u8], &str) -> (String, bool);

pub struct Rules {
    /// The row's revision as a version; `None` for rows that name no migration.
    pub version: fn(&str) -> Option<Version>,
    pub checksum: Option<Checksum>,
}

/// Compares the files with the applied rows (newest first). Files sharing a version are noted
/// by the caller; here the first one wins.
pub fn compare(mut code: Vec<File>, applied: &Applied, rules: &Rules, mut notes: Vec<String>) -> Result<Comparison> {
    code.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.file.cmp(&b.file)));
    let mut by_version: BTreeMap<&Version, &File> = BTreeMap::new();
    for f in &code {
        if let Some(other) = by_version.insert(&f.version, f) {
            notes.push(format!(
                "version {} is defined twice: {} and {}",
                f.revision, other.file, f.file
            ));
        }
    }
    let rows: Vec<(Version, &super::Row)> = applied
        .rows
        .iter()
        .filter_map(|r| Some(((rules.version)(r.revision)?, r)))
        .collect();
    // Rows come newest first: the newest row of a version is the one kept.
    let applied_versions: BTreeMap<&Version, &super::Row> = rows.iter().rev().map(|(v, r)| (v, *r)).collect();
    let current = applied_versions.keys().next_back().copied();
    let oldest = applied_versions.keys().next().copied();
    let pending = code
        .iter()
        .filter(|f| !applied_versions.contains_key(&f.version))
        // Below the oldest row read, a file may be applied in the part of the history not read.
        .filter(|f| applied.complete || oldest.is_none_or(|o| f.version.cmp(o) == Ordering::Greater))
        .map(|f| Pending {
            revision: f.revision.clone(),
            file: f.file.clone(),
            out_of_order: current.is_some_and(|c| f.version < *c),
        })
        .collect();
    if !applied.complete {
        notes.push(format!(
            "compared with the newest {} history rows only; older gaps are not checked",
            applied.rows.len()
        ));
    }
    let unknown: Vec<String> = current
        .filter(|c| !by_version.contains_key(c))
        .map(|c| vec![applied_versions[c].revision.to_string()])
        .unwrap_or_default();
    let orphans: Vec<&str> = rows
        .iter()
        .filter(|(v, _)| Some(v) != current && !by_version.contains_key(v))
        .map(|(_, r)| r.revision)
        .take(10)
        .collect();
    if !orphans.is_empty() {
        notes.push(format!(
            "applied, but no file in the directory defines them (deleted or squashed?): {}",
            orphans.join(", ")
        ));
    }
    let mut changed = Vec::new();
    if let Some(check) = rules.checksum {
        for f in &code {
            let (Some(path), Some(row)) = (&f.checksummed, applied_versions.get(&f.version)) else {
                continue;
            };
            let Some(recorded) = row.checksum.filter(|c| !c.trim().is_empty()) else {
                continue;
            };
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let (computed, same) = check(&bytes, recorded);
            if !same {
                changed.push(Changed {
                    revision: f.revision.clone(),
                    file: f.file.clone(),
                    recorded: recorded.to_string(),
                    computed,
                });
            }
        }
    }
    Ok(Comparison {
        known: by_version.len(),
        heads: code.last().map(|f| vec![f.revision.clone()]).unwrap_or_default(),
        pending,
        unknown,
        changed,
        notes,
        ..Comparison::default()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Row;
    use super::*;

    fn file(v: i128) -> File {
        File {
            version: Version::Number(v),
            revision: v.to_string(),
            file: format!("{v}_m.sql"),
            checksummed: None,
        }
    }

    fn row(revision: &str) -> Row<'_> {
        Row {
            revision,
            kind: None,
            checksum: None,
        }
    }

    const NUMBERS: Rules = Rules {
        version: Version::number,
        checksum: None,
    };

    #[test]
    fn numbers_order_as_numbers_and_gaps_are_out_of_order() {
        let applied = Applied {
            rows: vec![row("10"), row("2"), row("1")],
            complete: true,
        };
        let c = compare(
            vec![file(1), file(2), file(3), file(10), file(11)],
            &applied,
            &NUMBERS,
            vec![],
        )
        .unwrap();
        let pending: Vec<(&str, bool)> = c
            .pending
            .iter()
            .map(|p| (p.revision.as_str(), p.out_of_order))
            .collect();
        assert_eq!(pending, [("3", true), ("11", false)]);
        assert_eq!(c.heads, ["11"]);
        assert!(c.unknown.is_empty());
    }

    #[test]
    fn an_incomplete_history_says_nothing_below_its_oldest_row() {
        let applied = Applied {
            rows: vec![row("10"), row("9")],
            complete: false,
        };
        let c = compare(vec![file(1), file(9), file(10), file(11)], &applied, &NUMBERS, vec![]).unwrap();
        assert_eq!(c.pending.len(), 1, "{c:?}");
        assert!(c.notes.iter().any(|n| n.contains("newest 2")));
    }

    #[test]
    fn the_current_version_without_a_file_is_unknown_and_older_ones_a_note() {
        let applied = Applied {
            rows: vec![row("12"), row("5"), row("1")],
            complete: true,
        };
        let c = compare(vec![file(1), file(10)], &applied, &NUMBERS, vec![]).unwrap();
        assert_eq!(c.unknown, ["12"]);
        assert!(c.notes.iter().any(|n| n.contains(": 5")), "{:?}", c.notes);
    }
}
