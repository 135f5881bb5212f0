//! Liquibase's formatted-SQL changelogs: `--liquibase formatted sql` on the first line, one
//! `--changeset author:id attr:value...` line per changeset, and the lines of each changeset
//! that Liquibase hashes (its SQL, `--` comments included) told from its directives (rollback,
//! comment, preconditions, ignored lines, validCheckSum), after the patterns of Liquibase's
//! `AbstractFormattedChangeLogParser`. Comparing with the database is `liquibase.rs`'s.

use super::liquibase::ChangeSet;

/// The changesets of a formatted-SQL changelog; `None` when the file is not one.
pub fn parse(source: &str, file: &str) -> Option<Vec<ChangeSet>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let header = source.lines().find(|l| !l.trim().is_empty())?;
    let lower = header.trim().to_ascii_lowercase();
    let first = lower.strip_prefix("--")?.trim_start();
    if !first.starts_with("liquibase") || !first["liquibase".len()..].trim_start().starts_with("formatted") {
        return None;
    }
    // `--liquibase formatted sql logicalFilePath:x`: ASCII lowercasing keeps byte offsets.
    const LOGICAL: &str = "logicalfilepath:";
    let logical = lower.find(LOGICAL).map(|at| {
        let raw = &header.trim()[at + LOGICAL.len()..];
        raw.split_whitespace().next().unwrap_or("").to_string()
    });
    let mut sets: Vec<ChangeSet> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut skip = Skip::None;
    for line in source.lines() {
        if let Some(mut set) = changeset_line(line, file) {
            close(&mut sets, &mut body);
            set.logical_path = logical.clone();
            sets.push(set);
            skip = Skip::None;
            continue;
        }
        let Some(set) = sets.last_mut() else { continue };
        match directive(line, &mut skip) {
            Line::Sql => body.push(line),
            Line::Valid(v) => set.valid.push(v),
            Line::Directive => {}
        }
    }
    close(&mut sets, &mut body);
    Some(sets)
}

fn close(sets: &mut [ChangeSet], body: &mut Vec<&str>) {
    if let Some(set) = sets.last_mut() {
        set.sql = Some(body.join("\n"));
    }
    body.clear();
}

/// Lines being skipped: a `/* liquibase rollback ... */` block, an `--ignoreLines:start` block,
/// or a number of lines after `--ignoreLines:N`.
#[derive(Clone, Copy, PartialEq)]
enum Skip {
    None,
    Rollback,
    Ignored,
    Count(u32),
}

enum Line {
    Sql,
    Directive,
    Valid(String),
}

/// What a line inside a changeset is to Liquibase: SQL it hashes, or one of its directives
/// (the patterns of `AbstractFormattedChangeLogParser`, case-insensitive).
fn directive(line: &str, skip: &mut Skip) -> Line {
    let trimmed = line.trim();
    match *skip {
        Skip::Rollback => {
            if trimmed.ends_with("*/") {
                *skip = Skip::None;
            }
            return Line::Directive;
        }
        Skip::Ignored => {
            if comment_word(trimmed).is_some_and(|w| w.eq_ignore_ascii_case("ignorelines:end")) {
                *skip = Skip::None;
            }
            return Line::Directive;
        }
        Skip::Count(n) => {
            *skip = if n > 1 { Skip::Count(n - 1) } else { Skip::None };
            return Line::Directive;
        }
        Skip::None => {}
    }
    if let Some(rest) = trimmed.strip_prefix("/*") {
        let rest = rest.trim_start().to_ascii_lowercase();
        if rest.starts_with("liquibase") && rest["liquibase".len()..].trim() == "rollback" {
            *skip = Skip::Rollback;
            return Line::Directive;
        }
    }
    let Some(word) = comment_word(trimmed) else {
        return Line::Sql;
    };
    let lower = word.to_ascii_lowercase();
    if let Some(what) = lower.strip_prefix("ignorelines:") {
        *skip = match what.parse::<u32>() {
            Ok(0) => Skip::None,
            Ok(n) => Skip::Count(n),
            Err(_) if what == "start" => Skip::Ignored,
            Err(_) => Skip::None,
        };
        return Line::Directive;
    }
    if lower.starts_with("validchecksum") {
        let rest = trimmed.trim_start_matches('-').trim_start();
        let value = rest["validchecksum".len()..].trim_start_matches(':').trim();
        return Line::Valid(value.to_string());
    }
    let directive = ["rollback", "comment", "comments", "precondition", "property"]
        .iter()
        .any(|d| lower == *d || lower.starts_with(&format!("{d}:")) || lower.starts_with(&format!("{d}-")))
        || lower.starts_with("preconditions");
    if directive { Line::Directive } else { Line::Sql }
}

/// The first word after a line's leading `--`, if the line is a `--` comment.
fn comment_word(trimmed: &str) -> Option<&str> {
    trimmed.strip_prefix("--")?.split_whitespace().next()
}

/// `--changeset author:id attr:value...`: the author may be quoted or hold spaces but no ':',
/// the id may be quoted or hold ':' (Liquibase's CHANGE_SET_REGEX).
fn changeset_line(line: &str, file: &str) -> Option<ChangeSet> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    if !rest.get(..9)?.eq_ignore_ascii_case("changeset") {
        return None;
    }
    let rest = rest[9..].strip_prefix(char::is_whitespace)?.trim_start();
    let (author, rest) = match rest.strip_prefix('"') {
        Some(q) => {
            let (a, r) = q.split_once('"')?;
            (a, r.trim_start().strip_prefix(':')?)
        }
        None => {
            let (a, r) = rest.split_once(':')?;
            (a.trim_end(), r)
        }
    };
    let rest = rest.trim_start();
    let (id, attrs) = match rest.strip_prefix('"') {
        Some(q) => q.split_once('"')?,
        None => rest.split_once(char::is_whitespace).unwrap_or((rest, "")),
    };
    if author.is_empty() || id.is_empty() {
        return None;
    }
    let attrs = attrs.to_ascii_lowercase();
    Some(ChangeSet {
        author: author.to_string(),
        id: id.to_string(),
        file: file.to_string(),
        reruns: attrs.contains("runonchange:true") || attrs.contains("runalways:true"),
        ..ChangeSet::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_sql_changesets_are_read() {
        let src = "--liquibase formatted sql\n\n--changeset dev:1\nCREATE TABLE a (id int);\n-- changeset ann:add-b runOnChange:true\nCREATE TABLE b (id int);\n--ChangeSet \"Ann Lee\":\"x:1\"\nSELECT 1;\n";
        let sets = parse(src, "db/changelog.sql").unwrap();
        assert_eq!(
            sets.iter()
                .map(|s| format!("{}:{}:{}", s.author, s.id, s.reruns))
                .collect::<Vec<_>>(),
            ["dev:1:false", "ann:add-b:true", "Ann Lee:x:1:false"]
        );
        assert!(parse("CREATE TABLE a (id int);", "x.sql").is_none());
    }

    #[test]
    fn directive_lines_are_not_hashed_and_comments_are() {
        let src = "--liquibase formatted sql\n--changeset dev:1\n--comment: why\n-- plain comment\nCREATE TABLE a (id int);\n--rollback DROP TABLE a;\n/* liquibase rollback\nDROP TABLE a;\n*/\n--ignoreLines:start\nSELECT 'ignored';\n--ignoreLines:end\n--ignoreLines:1\nSELECT 'also ignored';\n--validCheckSum: 9:abc\n--precondition-sql-check expectedResult:0 SELECT 1\n";
        let sets = parse(src, "c.sql").unwrap();
        assert_eq!(
            sets[0].sql.as_deref(),
            Some("-- plain comment\nCREATE TABLE a (id int);")
        );
        assert_eq!(sets[0].valid, ["9:abc"]);
    }
}
