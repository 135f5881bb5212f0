//! The tables, columns and indexes a migration file would create, read from its text (never
//! run): Alembic's `op.create_table` / `op.add_column` / `op.create_index` calls, and in SQL
//! files `CREATE TABLE`, `ALTER TABLE ... ADD [COLUMN]` and `CREATE [UNIQUE] INDEX ... ON`. On
//! MySQL and MariaDB every DDL statement commits on its own, so a migration that failed part-way
//! leaves some of them behind; the check looks them up to call it half-applied. Statements
//! built at run time (loops, `op.execute` of a computed string, batch operations) are not seen.

use std::collections::BTreeMap;
use std::path::Path;

use super::alembic::string_literals;
use super::{file_name, files};

/// One object a migration creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Object {
    pub kind: Kind,
    pub table: String,
    /// The column or index name; the table's own name for a table.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Table,
    Column,
    Index,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Index => "index",
        }
    }
}

/// The objects each migration file below `dir` creates, keyed by its path relative to `dir`.
/// Files that undo (`*.down.sql`, `down.sql`) are skipped; an unreadable file is skipped (the
/// directory comparison reports it). At most `MAX_OBJECTS` objects in all.
pub fn created_below(dir: &Path) -> BTreeMap<String, Vec<Object>> {
    let mut out = BTreeMap::new();
    let mut total = 0;
    for path in files(dir, true).unwrap_or_default() {
        let name = file_name(&path);
        // Flyway's undo scripts are `U<version>__...`.
        let undo = name.starts_with('U') && name[1..].starts_with(|c: char| c.is_ascii_digit());
        let down = name == "down.sql" || name.ends_with(".down.sql") || undo;
        let parse: fn(&str) -> Vec<Object> = match path.extension().and_then(|e| e.to_str()) {
            Some("py") if !name.starts_with("__") => alembic_ops,
            Some("sql") if !down => sql_ddl,
            _ => continue,
        };
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let found = parse(&source);
        if found.is_empty() {
            continue;
        }
        total += found.len();
        if total > MAX_OBJECTS {
            break;
        }
        let key = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
        out.insert(key, found);
    }
    out
}

/// Enough for any migrations directory a deploy ships; past it the lookup stays one bounded
/// query.
const MAX_OBJECTS: usize = 2_000;

/// The objects of the file a pending migration names (`Pending::file` is relative to the
/// directory the format's parser located, so it is matched as a path suffix).
pub fn of_file<'a>(all: &'a BTreeMap<String, Vec<Object>>, file: &str) -> &'a [Object] {
    all.iter()
        .find(|(k, _)| *k == file || k.ends_with(&format!("/{file}")))
        .map(|(_, v)| v.as_slice())
        .unwrap_or(&[])
}

/// Alembic's `op.create_table("t", ...)`, `op.add_column("t", sa.Column("c", ...))` and
/// `op.create_index("ix" | op.f("ix"), "t", ...)` in the `upgrade()` function only (what
/// `downgrade()` creates is not created by an upgrade).
pub fn alembic_ops(source: &str) -> Vec<Object> {
    let upgrade = source
        .find("def upgrade(")
        .map(|start| {
            let body = &source[start..];
            let end = body[1..].find("\ndef ").map(|e| e + 1).unwrap_or(body.len());
            &body[..end]
        })
        .unwrap_or("");
    let mut out = Vec::new();
    for (call, args) in calls(upgrade) {
        let s = string_literals(&args);
        let object = match (call, s.as_slice()) {
            ("create_table", [t, ..]) => Object {
                kind: Kind::Table,
                table: t.clone(),
                name: t.clone(),
            },
            ("add_column", [t, c, ..]) => Object {
                kind: Kind::Column,
                table: t.clone(),
                name: c.clone(),
            },
            ("create_index", [i, t, ..]) => Object {
                kind: Kind::Index,
                table: t.clone(),
                name: i.clone(),
            },
            _ => continue,
        };
        out.push(object);
    }
    out
}

/// `op.<name>(<args>)` calls with their argument text up to the matching parenthesis.
fn calls(source: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for name in ["create_table", "add_column", "create_index"] {
        let needle = format!("op.{name}(");
        let mut rest = source;
        while let Some(at) = rest.find(&needle) {
            let args = &rest[at + needle.len()..];
            let mut depth = 1;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or(args.len());
            out.push((name, args[..end].to_string()));
            rest = &args[end..];
        }
    }
    out
}

/// `CREATE TABLE [IF NOT EXISTS] t`, `ALTER TABLE t ADD [COLUMN] [IF NOT EXISTS] c` (one ADD
/// per statement is read; further clauses are not) and `CREATE [UNIQUE] INDEX [IF NOT EXISTS]
/// i ON t`, comments skipped. Names may be quoted with "", `` or [] and schema-qualified.
pub fn sql_ddl(source: &str) -> Vec<Object> {
    let text: String = source
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for statement in text.split(';') {
        let words = tokens(statement);
        let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        let at = |i: usize| upper.get(i).map(String::as_str).unwrap_or("");
        let skip_if_not_exists = |i: usize| {
            if at(i) == "IF" && at(i + 1) == "NOT" && at(i + 2) == "EXISTS" {
                i + 3
            } else {
                i
            }
        };
        let name = |i: usize| words.get(i).map(|w| unquote(w));
        match (at(0), at(1), at(2)) {
            ("CREATE", "TABLE", _) => {
                if let Some(t) = name(skip_if_not_exists(2)) {
                    out.push(Object {
                        kind: Kind::Table,
                        name: t.clone(),
                        table: t,
                    });
                }
            }
            ("CREATE", "INDEX", _) | ("CREATE", "UNIQUE", "INDEX") => {
                let i = skip_if_not_exists(if at(1) == "UNIQUE" { 3 } else { 2 });
                if at(i + 1) == "ON"
                    && let (Some(index), Some(table)) = (name(i), name(i + 2))
                {
                    out.push(Object {
                        kind: Kind::Index,
                        table,
                        name: index,
                    });
                }
            }
            ("ALTER", "TABLE", _) => {
                let Some(table) = name(2) else { continue };
                let Some(add) = upper.iter().position(|w| w == "ADD") else {
                    continue;
                };
                let mut i = add + 1;
                if at(i) == "COLUMN" {
                    i += 1;
                }
                // MySQL's `ADD INDEX i (...)` names an index; constraints are not read.
                if matches!(at(i), "INDEX" | "KEY") {
                    if let Some(index) = name(i + 1) {
                        out.push(Object {
                            kind: Kind::Index,
                            table,
                            name: index,
                        });
                    }
                    continue;
                }
                if matches!(
                    at(i),
                    "UNIQUE" | "CONSTRAINT" | "PRIMARY" | "FOREIGN" | "FULLTEXT" | "SPATIAL" | "CHECK"
                ) {
                    continue;
                }
                if let Some(column) = name(skip_if_not_exists(i)) {
                    out.push(Object {
                        kind: Kind::Column,
                        table,
                        name: column,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Words of a statement: runs of characters up to whitespace or `(`/`,`, keeping quoted names
/// whole.
fn tokens(statement: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in statement.chars() {
        match quote {
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '`' => {
                quote = Some(c);
                word.push(c);
            }
            None if c == '[' => {
                quote = Some(']');
                word.push(c);
            }
            None if c.is_whitespace() || c == '(' || c == ',' => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                if c == '(' {
                    // Nothing inside a column list names what the statement creates.
                    break;
                }
            }
            None => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The last part of a possibly qualified, possibly quoted name.
fn unquote(name: &str) -> String {
    let last = split_qualified(name).pop().unwrap_or_default();
    let strip = |s: &str, a: char, b: char| s.strip_prefix(a).and_then(|s| s.strip_suffix(b)).map(str::to_string);
    strip(&last, '"', '"')
        .or_else(|| strip(&last, '`', '`'))
        .or_else(|| strip(&last, '[', ']'))
        .unwrap_or(last)
}

/// `a.b` into its parts, dots inside quotes kept.
fn split_qualified(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in name.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '`' => quote = Some(c),
            None if c == '[' => quote = Some(']'),
            None if c == '.' => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("never empty").push(c);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(objects: &[Object]) -> Vec<String> {
        objects
            .iter()
            .map(|o| format!("{} {}.{}", o.kind.word(), o.table, o.name))
            .collect()
    }

    #[test]
    fn alembic_upgrade_ops_are_read_and_downgrade_is_not() {
        let src = r#"
revision = "b2"
def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
    op.create_index(op.f("ix_users_nickname"), "users", ["nickname"], unique=False)
    op.create_table(
        'audit',
        sa.Column('id', sa.Integer(), primary_key=True),
    )
    op.alter_column("users", "nickname", nullable=False)


def downgrade() -> None:
    op.create_table("gone")
"#;
        assert_eq!(
            names(&alembic_ops(src)),
            [
                "table audit.audit",
                "column users.nickname",
                "index users.ix_users_nickname"
            ]
        );
    }

    #[test]
    fn sql_ddl_names_tables_columns_and_indexes() {
        let src = "-- CREATE TABLE commented (x int);\n\
            CREATE TABLE IF NOT EXISTS `shop`.`orders` (id int, INDEX ix_inner (id));\n\
            ALTER TABLE orders ADD COLUMN note text NOT NULL;\n\
            ALTER TABLE \"orders\" ADD total int;\n\
            ALTER TABLE orders ADD INDEX ix_total (total);\n\
            CREATE UNIQUE INDEX IF NOT EXISTS ix_note ON public.orders (note);\n\
            INSERT INTO orders VALUES (1);";
        assert_eq!(
            names(&sql_ddl(src)),
            [
                "table orders.orders",
                "column orders.note",
                "column orders.total",
                "index orders.ix_total",
                "index orders.ix_note"
            ]
        );
    }
}
