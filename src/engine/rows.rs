//! What engines execute and return: a [`Query`] (static SQL with numeric parameters only) and
//! [`Rows`] of plain typed values. Checks build the queries and decode the rows; engines run
//! them and know nothing of what they mean.

use std::borrow::Cow;

use anyhow::{Result, anyhow};

/// A bind parameter. Numbers only: nothing a user or a database typed is ever pasted into SQL,
/// so the MySQL text protocol can inline them safely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param {
    Int(i64),
    Float(f64),
}

impl Param {
    /// The literal for an inlined parameter (MySQL's text protocol).
    pub fn literal(&self) -> String {
        match self {
            Param::Int(n) => n.to_string(),
            Param::Float(f) if f.is_finite() => format!("{f:.3}"),
            Param::Float(_) => "0".into(),
        }
    }
}

/// One statement of a check. `?` marks parameters on MySQL, `$n` on PostgreSQL.
#[derive(Debug, Clone)]
pub struct Query {
    /// What it reads, in the user's words, for error messages: "reading pg_stat_activity".
    pub label: &'static str,
    /// Static SQL from the check's files, or built from names the server listed (quoted by the
    /// check), never from anything a user typed.
    pub sql: Cow<'static, str>,
    pub params: Vec<Param>,
    /// Run instead when the server refuses `sql` for lack of a privilege (MySQL's INNODB_TRX
    /// without PROCESS); the result then says `fallback_used`.
    pub fallback: Option<&'static str>,
}

impl Query {
    /// The same statement with the same parameters and fallback: its rows answer both.
    pub fn same_statement(&self, other: &Query) -> bool {
        self.sql == other.sql && self.params == other.params && self.fallback == other.fallback
    }

    pub fn new(label: &'static str, sql: impl Into<Cow<'static, str>>) -> Query {
        Query {
            label,
            sql: sql.into(),
            params: Vec::new(),
            fallback: None,
        }
    }

    pub fn param(mut self, p: Param) -> Query {
        self.params.push(p);
        self
    }

    pub fn or_without_privilege(mut self, sql: &'static str) -> Query {
        self.fallback = Some(sql);
        self
    }

    /// The SQL to run (the fallback when asked) with `?` parameters inlined as literals,
    /// leaving question marks inside quotes and comments alone.
    pub fn inlined(&self, fallback: bool) -> String {
        let sql = match (fallback, self.fallback) {
            (true, Some(f)) => f,
            _ => &self.sql,
        };
        let mut out = String::with_capacity(sql.len() + 16);
        let mut params = self.params.iter();
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            match c {
                '\'' | '"' | '`' => {
                    for q in chars.by_ref() {
                        out.push(q);
                        if q == c {
                            break;
                        }
                    }
                }
                '-' if chars.peek() == Some(&'-') => {
                    for q in chars.by_ref() {
                        out.push(q);
                        if q == '\n' {
                            break;
                        }
                    }
                }
                '?' => {
                    out.pop();
                    out.push_str(&params.next().map(Param::literal).unwrap_or_else(|| "NULL".into()));
                }
                _ => {}
            }
        }
        out
    }
}

/// A value as the server sent it, in the few shapes the checks use.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Ints(Vec<i64>),
}

/// The rows of one query, with their column names.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// The server refused the query for lack of a privilege; these rows are the fallback's.
    pub fallback_used: bool,
}

impl Rows {
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row {
            columns: &self.columns,
            values,
        })
    }

    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

/// Why one query failed; the other queries of the run are not affected.
#[derive(Debug, Clone)]
pub struct QueryError {
    /// The server's words.
    pub message: String,
    /// The role lacks a privilege (PostgreSQL 42501, MySQL 1227).
    pub denied: bool,
}

pub type QueryResult = Result<Rows, QueryError>;

/// One row; columns by index or by name. Decoding is lenient about the wire type (the MySQL
/// text protocol sends numbers as text), strict about what cannot be read.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> Row<'a> {
    fn at(&self, i: usize) -> Result<&'a Value> {
        self.values.get(i).ok_or_else(|| {
            anyhow!(
                "the server returned {} columns, expected more than {i}",
                self.values.len()
            )
        })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }

    pub fn has(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(match self.at(i)? {
            Value::Null => None,
            Value::Int(n) => Some(*n),
            Value::Bool(b) => Some(*b as i64),
            Value::Float(f) => Some(f.round() as i64),
            Value::Text(t) => Some(parse_int(t).ok_or_else(|| anyhow!("column {} is not a number: {t:?}", i + 1))?),
            Value::Ints(_) => return Err(anyhow!("column {} is a list, not a number", i + 1)),
        })
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        Ok(self.opt_int(i)?.unwrap_or(0))
    }

    pub fn opt_float(&self, i: usize) -> Result<Option<f64>> {
        Ok(match self.at(i)? {
            Value::Null => None,
            Value::Float(f) => Some(*f),
            Value::Int(n) => Some(*n as f64),
            Value::Text(t) => Some(
                t.trim()
                    .parse()
                    .map_err(|_| anyhow!("column {} is not a number: {t:?}", i + 1))?,
            ),
            _ => return Err(anyhow!("column {} is not a number", i + 1)),
        })
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(match self.at(i)? {
            Value::Null => None,
            Value::Text(t) => Some(t.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(if *b { "on" } else { "off" }.to_string()),
            Value::Ints(v) => Some(format!("{v:?}")),
        })
    }

    /// Text, with NULL as the empty string.
    pub fn text(&self, i: usize) -> Result<String> {
        Ok(self.opt_text(i)?.unwrap_or_default())
    }

    pub fn ints(&self, i: usize) -> Result<Vec<i64>> {
        match self.at(i)? {
            Value::Null => Ok(vec![]),
            Value::Ints(v) => Ok(v.clone()),
            Value::Int(n) => Ok(vec![*n]),
            _ => Err(anyhow!("column {} is not a list of numbers", i + 1)),
        }
    }

    /// A named column; `None` when the server's version has no such column.
    pub fn named(&self, name: &str) -> Option<usize> {
        self.index(name)
    }

    pub fn text_named(&self, name: &str) -> Result<Option<String>> {
        match self.index(name) {
            Some(i) => self.opt_text(i),
            None => Ok(None),
        }
    }

    pub fn int_named(&self, name: &str) -> Result<Option<i64>> {
        match self.index(name) {
            Some(i) => self.opt_int(i),
            None => Ok(None),
        }
    }

    pub fn float_named(&self, name: &str) -> Result<Option<f64>> {
        match self.index(name) {
            Some(i) => self.opt_float(i),
            None => Ok(None),
        }
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f.round() as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_parameters_are_inlined_outside_quotes_only() {
        let q = Query::new(
            "x",
            "-- at least ? seconds, the tool's own\nSELECT '?' FROM t WHERE a >= ? AND b = `?` LIMIT ?",
        )
        .param(Param::Int(5))
        .param(Param::Float(1.5));
        assert_eq!(
            q.inlined(false),
            "-- at least ? seconds, the tool's own\nSELECT '?' FROM t WHERE a >= 5 AND b = `?` LIMIT 1.500"
        );
    }

    #[test]
    fn rows_decode_leniently_by_index_and_name() {
        let rows = Rows {
            columns: vec!["pid".into(), "age".into(), "app".into()],
            rows: vec![vec![Value::Text("42".into()), Value::Null, Value::Text("x".into())]],
            fallback_used: false,
        };
        let r = rows.first().unwrap();
        assert_eq!(r.int(0).unwrap(), 42);
        assert_eq!(r.opt_float(1).unwrap(), None);
        assert_eq!(r.text_named("APP").unwrap().as_deref(), Some("x"));
        assert_eq!(r.text_named("missing").unwrap(), None);
        assert!(r.int(5).is_err());
    }
}
