//! Liquibase formatted-SQL changelogs (`--liquibase formatted sql` on the first line, one
//! `--changeset author:id` line per changeset; Liquibase's `FormattedSqlChangeLogParser`) below
//! `--dir`, compared with DATABASECHANGELOG by id, author and file name. Not read: XML, YAML and
//! JSON changelogs and the include order of a master changelog (files are taken in path order),
//! contexts, labels and preconditions (a changeset they would skip shows as pending), and the
//! `9:` MD5 checksums: Liquibase hashes each changeset's SQL after its own normalisation, which is
//! not reproduced here, so an edited changeset is not reported (`liquibase validate` reports it).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::{Applied, Comparison, Pending, file_name, files};

/// One changeset: `author:id` from its `--changeset` line, and its file relative to `--dir`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSet {
    pub author: String,
    pub id: String,
    pub file: String,
}

/// The changesets of a formatted-SQL changelog; `None` when the file is not one.
pub fn parse(source: &str, file: &str) -> Option<Vec<ChangeSet>> {
    let first = source.lines().find(|l| !l.trim().is_empty())?;
    if !first
        .trim()
        .to_ascii_lowercase()
        .starts_with("--liquibase formatted sql")
    {
        return None;
    }
    let sets = source
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("--")?.trim_start();
            let rest = rest.strip_prefix("changeset")?.trim_start();
            let word = rest.split_whitespace().next()?;
            // `author:id`; an author may not hold ':' but an id may.
            let (author, id) = word.split_once(':')?;
            Some(ChangeSet {
                author: author.trim_matches('"').to_string(),
                id: id.trim_matches('"').to_string(),
                file: file.to_string(),
            })
        })
        .collect();
    Some(sets)
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

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let mut sets = Vec::new();
    for path in files(dir, true)? {
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        if let Some(found) = parse(&source, &name) {
            sets.extend(found);
        }
    }
    if sets.is_empty() {
        bail!(
            "--dir {}: no formatted-SQL changelog (a .sql file starting with `--liquibase formatted sql`); XML, YAML and JSON changelogs are not read: use --expect",
            dir.display()
        );
    }
    let done: BTreeSet<String> = applied.rows.iter().map(|r| row_key(r.revision)).collect();
    let known: BTreeSet<String> = sets.iter().map(|s| key(&s.file, &s.id, &s.author)).collect();
    let pending: Vec<Pending> = sets
        .iter()
        .filter(|s| !done.contains(&key(&s.file, &s.id, &s.author)))
        .map(|s| Pending {
            revision: format!("{}::{}::{}", file_name(Path::new(&s.file)), s.id, s.author),
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
    let mut notes = vec![
        "Liquibase: formatted-SQL changelogs only, in path order; contexts, labels and preconditions are not evaluated, and the MD5SUM checksums are not compared (an edited changeset is not reported here; liquibase validate reports it)".to_string(),
    ];
    if older > 0 {
        notes.push(format!(
            "{older} older applied changeset(s) are in no changelog below --dir (XML/YAML changelogs, or removed)"
        ));
    }
    let last = sets.last().expect("not empty");
    Ok(Comparison {
        known: sets.len(),
        heads: vec![format!(
            "{}::{}::{}",
            file_name(Path::new(&last.file)),
            last.id,
            last.author
        )],
        pending,
        unknown,
        notes,
        ..Comparison::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_sql_changesets_are_read() {
        let src = "--liquibase formatted sql\n\n--changeset dev:1\nCREATE TABLE a (id int);\n-- changeset ann:add-b runOnChange:true\nCREATE TABLE b (id int);\n";
        let sets = parse(src, "db/changelog.sql").unwrap();
        assert_eq!(
            sets.iter()
                .map(|s| format!("{}:{}", s.author, s.id))
                .collect::<Vec<_>>(),
            ["dev:1", "ann:add-b"]
        );
        assert!(parse("CREATE TABLE a (id int);", "x.sql").is_none());
        assert_eq!(row_key("db/changelog.sql::1::dev"), key("changelog.sql", "1", "dev"));
    }
}
