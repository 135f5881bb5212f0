//! Liquibase changelogs below `--dir` compared with DATABASECHANGELOG by id, author and file
//! name (or logicalFilePath): formatted-SQL changelogs (read by `liquibase_sql.rs`) with their
//! `9:` checksums recomputed (`checksum.rs`) and compared with MD5SUM; XML, YAML and JSON
//! changelogs listed by `liquibase_xml.rs` (ids and authors only).
//! Not read: the include order of a master changelog (files are taken in path order),
//! contexts, labels and preconditions (a changeset they would skip shows as pending),
//! `${property}` substitution (such a changeset's checksum is not compared), and the
//! checksums of XML/YAML/JSON changesets (Liquibase hashes each structured change's
//! serialised fields, which is not reproduced).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::{Applied, Changed, Comparison, Pending, checksum, file_name, files, liquibase_sql, liquibase_xml};

/// One changeset: `author:id` from its `--changeset` line (or its XML/YAML/JSON node), and its
/// file relative to `--dir`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    pub author: String,
    pub id: String,
    pub file: String,
    /// Formatted SQL only: the changeset's SQL as Liquibase hashes it (directive lines left out).
    pub sql: Option<String>,
    /// `runOnChange:true` or `runAlways:true`: an edit re-runs it instead of failing validation.
    pub reruns: bool,
    /// `--validCheckSum` values: sums Liquibase accepts besides the recomputed one (`ANY`).
    pub valid: Vec<String>,
    /// `logicalFilePath`: recorded as FILENAME instead of the file's path.
    pub logical_path: Option<String>,
}

impl ChangeSet {
    fn key(&self) -> String {
        key(
            self.logical_path.as_deref().unwrap_or(&self.file),
            &self.id,
            &self.author,
        )
    }

    /// As the report shows it: `file::id::author`, the file by its base name.
    fn revision(&self) -> String {
        format!("{}::{}::{}", file_name(Path::new(&self.file)), self.id, self.author)
    }
}

/// `file::id::author` as DATABASECHANGELOG rows read (see `frameworks.rs`): the file's base
/// name, id and author, so a changelog recorded under another path still matches.
fn key(file: &str, id: &str, author: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    format!("{base}::{id}::{author}")
}

fn row_key(revision: &str) -> String {
    let mut parts = revision.rsplitn(3, "::");
    let (author, id, file) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    key(file, id, author)
}

/// The changesets below `dir`: formatted SQL, then XML, YAML and JSON changelogs, each file in
/// path order; and how many were structured (their checksums are not compared).
fn changesets(dir: &Path) -> Result<(Vec<ChangeSet>, usize)> {
    let mut sets = Vec::new();
    let mut structured = 0;
    for path in files(dir, true)? {
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        let Some(ext) = ext.filter(|e| ["sql", "xml", "yaml", "yml", "json"].contains(&e.as_str())) else {
            continue;
        };
        let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        let found = match ext.as_str() {
            "sql" => liquibase_sql::parse(&source, &name),
            other => liquibase_xml::parse(other, &source, &name)
                .with_context(|| format!("reading the Liquibase changelog {name}"))?,
        };
        if let Some(found) = found {
            structured += found.iter().filter(|s| s.sql.is_none()).count();
            sets.extend(found);
        }
    }
    Ok((sets, structured))
}

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let (sets, structured) = changesets(dir)?;
    if sets.is_empty() {
        bail!(
            "--dir {}: no Liquibase changeset in a changelog below it (a .sql file starting with `--liquibase formatted sql`, or an XML, YAML or JSON databaseChangeLog)",
            dir.display()
        );
    }
    let done: BTreeSet<String> = applied.rows.iter().map(|r| row_key(r.revision)).collect();
    let known: BTreeSet<String> = sets.iter().map(ChangeSet::key).collect();
    let pending: Vec<Pending> = sets
        .iter()
        .filter(|s| !done.contains(&s.key()))
        .map(|s| Pending {
            revision: s.revision(),
            file: s.file.clone(),
            out_of_order: false,
        })
        .collect();
    // The current changeset (the newest row) unknown to the files; older unknown rows are a note.
    let unknown: Vec<String> = applied
        .rows
        .first()
        .filter(|r| !known.contains(&row_key(r.revision)))
        .map(|r| r.revision.to_string())
        .into_iter()
        .collect();
    let older = applied
        .rows
        .iter()
        .skip(1)
        .filter(|r| !known.contains(&row_key(r.revision)))
        .count();
    let sums = checksums(&sets, applied);
    let mut notes =
        vec!["Liquibase: changelogs in path order; contexts, labels and preconditions are not evaluated".to_string()];
    notes.extend(sums.notes(structured));
    if older > 0 {
        notes.push(format!(
            "{older} older applied changeset(s) are in no changelog below --dir (removed, or in a file of another format)"
        ));
    }
    let last = sets.last().expect("not empty");
    Ok(Comparison {
        known: sets.len(),
        heads: vec![last.revision()],
        pending,
        unknown,
        changed: sums.changed,
        notes,
        changed_condition: Some("liquibase_changed"),
        ..Comparison::default()
    })
}

/// The MD5SUMs compared: changed changesets, and what could not be compared and why.
#[derive(Default)]
struct Sums {
    changed: Vec<Changed>,
    compared: usize,
    /// Recorded with an older algorithm (`7:`, `8:`): Liquibase rewrites them on its next update.
    older: BTreeSet<String>,
    /// MD5SUM NULL (after `clear-checksums`): Liquibase records the new sum on its next update.
    cleared: usize,
    substituted: usize,
    rerun: usize,
}

impl Sums {
    fn notes(&self, structured: usize) -> Vec<String> {
        let mut out = vec![format!(
            "Liquibase checksums: {} formatted-SQL changeset(s) compared with MD5SUM (v9)",
            self.compared
        )];
        if !self.older.is_empty() {
            let v: Vec<&str> = self.older.iter().map(String::as_str).collect();
            out.push(format!(
                "MD5SUMs of version {} (written by Liquibase before 4.24) are not compared; Liquibase upgrades them to 9: on its next update",
                v.join(", ")
            ));
        }
        if self.cleared > 0 {
            out.push(format!(
                "{} applied changeset(s) have no MD5SUM (cleared): Liquibase records the current file's sum on its next update, edited or not",
                self.cleared
            ));
        }
        if self.substituted > 0 {
            out.push(format!(
                "{} changeset(s) use ${{property}} substitution: their checksums are not compared",
                self.substituted
            ));
        }
        if self.rerun > 0 {
            out.push(format!(
                "{} edited changeset(s) are runOnChange/runAlways: Liquibase runs them again on its next update",
                self.rerun
            ));
        }
        if structured > 0 {
            out.push(format!(
                "{structured} XML/YAML/JSON changeset(s) are listed by id and author only: their checksums (a hash of each structured change's fields) are not compared; liquibase validate compares them"
            ));
        }
        out
    }
}

fn checksums(sets: &[ChangeSet], applied: &Applied) -> Sums {
    let mut sums = Sums::default();
    for row in &applied.rows {
        let k = row_key(row.revision);
        let Some(set) = sets.iter().find(|s| s.key() == k) else {
            continue;
        };
        let Some(sql) = &set.sql else { continue };
        let recorded = match row.checksum.map(str::trim) {
            None | Some("") => {
                sums.cleared += 1;
                continue;
            }
            Some(r) => r,
        };
        match recorded.split_once(':') {
            Some(("9", _)) => {}
            Some((v, _)) => {
                sums.older.insert(format!("{v}:"));
                continue;
            }
            None => {
                sums.older.insert("1 (no prefix)".into());
                continue;
            }
        }
        if sql.contains("${") {
            sums.substituted += 1;
            continue;
        }
        sums.compared += 1;
        let computed = checksum::liquibase_v9(sql);
        // ChangeSet.isCheckSumValid: the recomputed sum, or a `--validCheckSum` naming either
        // sum, or ANY.
        let accepted = computed.eq_ignore_ascii_case(recorded)
            || set.valid.iter().any(|v| {
                let v = v.strip_prefix("1:").unwrap_or(v);
                v.eq_ignore_ascii_case("any") || v.eq_ignore_ascii_case(recorded) || v.eq_ignore_ascii_case(&computed)
            });
        if accepted {
            continue;
        }
        if set.reruns {
            sums.rerun += 1;
            continue;
        }
        sums.changed.push(Changed {
            revision: set.revision(),
            file: set.file.clone(),
            recorded: recorded.to_string(),
            computed,
        });
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_changesets_meet_on_base_name_id_and_author() {
        assert_eq!(row_key("db/changelog.sql::1::dev"), key("changelog.sql", "1", "dev"));
        let set = ChangeSet {
            id: "1".into(),
            author: "dev".into(),
            file: "db/changelog.xml".into(),
            logical_path: Some("shared/log.xml".into()),
            ..ChangeSet::default()
        };
        assert_eq!(set.key(), row_key("shared/log.xml::1::dev"));
    }
}
