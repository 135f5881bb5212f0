//! Liquibase's XML, YAML and JSON changelogs, read far enough to list their changesets: each
//! `changeSet`'s id, author and logicalFilePath (the changelog's own, else the changeset's),
//! which is what DATABASECHANGELOG records. The changes inside are not read, so their
//! checksums are not compared (see `liquibase.rs`). Files that are not a `databaseChangeLog`
//! (a docker-compose.yml, a package.json) are not changelogs: `None`.

use anyhow::{Context as _, Result};
use serde_json::Value;

use super::liquibase::ChangeSet;

/// The changesets of an XML (`ext` "xml"), YAML or JSON changelog; `None` when the file is not
/// a Liquibase changelog.
pub fn parse(ext: &str, source: &str, file: &str) -> Result<Option<Vec<ChangeSet>>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if !source.contains("databaseChangeLog") {
        return Ok(None);
    }
    if ext == "xml" {
        return Ok(Some(xml(source, file)));
    }
    let value: Value = match ext {
        "json" => serde_json::from_str(source).context("not valid JSON")?,
        _ => serde_norway::from_str(source).context("not valid YAML")?,
    };
    let Some(entries) = value.get("databaseChangeLog").and_then(Value::as_array) else {
        return Ok(None);
    };
    // A `logicalFilePath` entry of the changelog applies to all its changesets.
    let logical = entries.iter().find_map(|e| e.get("logicalFilePath").and_then(scalar));
    let sets = entries
        .iter()
        .filter_map(|e| e.get("changeSet"))
        .filter_map(|c| {
            Some(ChangeSet {
                id: c.get("id").and_then(scalar)?,
                author: c.get("author").and_then(scalar).unwrap_or_default(),
                file: file.to_string(),
                logical_path: c.get("logicalFilePath").and_then(scalar).or_else(|| logical.clone()),
                ..ChangeSet::default()
            })
        })
        .collect();
    Ok(Some(sets))
}

/// A YAML/JSON scalar as text: ids are often written as numbers (`id: 1`).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The `<changeSet ...>` start tags of an XML changelog (any namespace prefix), outside
/// comments and CDATA, with their attributes.
fn xml(source: &str, file: &str) -> Vec<ChangeSet> {
    let mut sets = Vec::new();
    let mut logical: Option<String> = None;
    let mut rest = source;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        if let Some(after) = rest.strip_prefix("![CDATA[") {
            rest = after.split_once("]]>").map_or("", |(_, r)| r);
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = &rest[end..];
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        let attrs = attributes(&tag[name.len()..]);
        let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match local {
            "databaseChangeLog" => logical = attr("logicalFilePath"),
            "changeSet" => {
                if let Some(id) = attr("id") {
                    sets.push(ChangeSet {
                        id,
                        author: attr("author").unwrap_or_default(),
                        file: file.to_string(),
                        logical_path: attr("logicalFilePath").or_else(|| logical.clone()),
                        ..ChangeSet::default()
                    });
                }
            }
            _ => {}
        }
    }
    sets
}

/// Where a start tag ends: the first `>` outside a quoted attribute value.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    s.len()
}

/// `name="value"` pairs (either quote), entity references decoded.
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().rsplit(char::is_whitespace).next().unwrap_or("");
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some((value, tail)) = after[1..].split_once(q) else {
            break;
        };
        out.push((name.to_string(), unescape(value)));
        rest = tail;
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sets: &[ChangeSet]) -> Vec<String> {
        sets.iter()
            .map(|s| format!("{}:{}:{}", s.author, s.id, s.logical_path.as_deref().unwrap_or("-")))
            .collect()
    }

    #[test]
    fn xml_changesets_outside_comments_are_listed() {
        let src = r#"<?xml version="1.0"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <!-- <changeSet id="commented" author="x"/> -->
  <changeSet id="1" author="dev"><createTable tableName="a"><column name="id" type="int"/></createTable></changeSet>
  <changeSet author='ann' id="add&amp;b" logicalFilePath="lp.xml">
    <sql><![CDATA[ SELECT '<changeSet id="no">' ]]></sql>
  </changeSet>
</databaseChangeLog>"#;
        let sets = parse("xml", src, "db/master.xml").unwrap().unwrap();
        assert_eq!(ids(&sets), ["dev:1:-", "ann:add&b:lp.xml"]);
        assert!(parse("xml", "<project/>", "pom.xml").unwrap().is_none());
    }

    #[test]
    fn yaml_and_json_changesets_are_listed() {
        let yaml = "databaseChangeLog:\n  - logicalFilePath: shared.yaml\n  - changeSet:\n      id: 1\n      author: dev\n      changes:\n        - createTable:\n            tableName: a\n  - include:\n      file: other.yaml\n";
        assert_eq!(
            ids(&parse("yaml", yaml, "c.yaml").unwrap().unwrap()),
            ["dev:1:shared.yaml"]
        );
        let json = r#"{"databaseChangeLog": [{"changeSet": {"id": "2", "author": "ann", "changes": []}}]}"#;
        assert_eq!(ids(&parse("json", json, "c.json").unwrap().unwrap()), ["ann:2:-"]);
        assert!(
            parse("yaml", "services:\n  db: {}\n", "docker-compose.yml")
                .unwrap()
                .is_none()
        );
        assert!(parse("yaml", "databaseChangeLog: [", "bad.yaml").is_err());
    }
}
