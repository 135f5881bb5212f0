//! What a statement costs the server over a window, whatever its mean: its share of one core's
//! time and its calls a second; and where an index is missing: the table and the column of the
//! normalised statement's WHERE, with the evidence that it is read without an index (MySQL's
//! rows examined per row returned and executions without an index, PostgreSQL's sequential
//! scans of the table). No SQL and no status here.

use super::stats::Stat;

/// A table read by sequential scans (pg_stat_user_tables), as of a snapshot or over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableScans {
    pub schema: String,
    pub table: String,
    pub seq_scan: f64,
    pub seq_tup_read: f64,
    pub live_rows: f64,
}

/// The scans of each table between two snapshots (a table new in the second counts whole).
pub fn scans_delta(first: &[TableScans], second: &[TableScans]) -> Vec<TableScans> {
    second
        .iter()
        .map(
            |t| match first.iter().find(|f| f.schema == t.schema && f.table == t.table) {
                Some(f) if t.seq_scan >= f.seq_scan => TableScans {
                    seq_scan: t.seq_scan - f.seq_scan,
                    seq_tup_read: (t.seq_tup_read - f.seq_tup_read).max(0.0),
                    ..t.clone()
                },
                _ => t.clone(),
            },
        )
        .collect()
}

/// A sequential scan reading this many rows on average is a scan of a large table.
const LARGE_SCAN_ROWS: f64 = 10_000.0;
/// MySQL: this many rows examined for each row returned is a statement without a usable index.
const EXAMINED_PER_ROW: f64 = 100.0;

/// The share of one core's time a statement took over `window_seconds` (1.0 is a whole core).
pub fn share(s: &Stat, window_seconds: f64) -> f64 {
    if window_seconds > 0.0 {
        s.total_ms / 1000.0 / window_seconds
    } else {
        0.0
    }
}

pub fn calls_per_second(s: &Stat, window_seconds: f64) -> f64 {
    if window_seconds > 0.0 {
        s.calls / window_seconds
    } else {
        0.0
    }
}

/// MySQL: rows examined for each row returned, when it returned any.
pub fn examined_per_row(s: &Stat) -> Option<f64> {
    let examined = s.rows_examined?;
    Some(examined / s.rows.max(1.0))
}

/// The index a statement lacks: its table, the column its WHERE filters on, and why the tool
/// thinks the table is read without an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexCandidate {
    /// PostgreSQL: the schema of the scanned table; MySQL: the statement's default database.
    pub schema: String,
    pub table: String,
    pub column: String,
    pub evidence: String,
}

impl IndexCandidate {
    /// `<table>_<column>_idx`, within PostgreSQL's 63 bytes and MySQL's 64 characters.
    pub fn name(&self) -> String {
        let mut name = format!("{}_{}_idx", self.table, self.column);
        while name.len() > 63 {
            name.remove(name.len() - 5);
        }
        name
    }
}

/// The candidate for `s`, when its text names one table and one filtered column, and the
/// server's counters say that table is read without an index.
pub fn index_candidate(s: &Stat, scans: &[TableScans]) -> Option<IndexCandidate> {
    let (table, column) = table_and_column(&s.query)?;
    let mut schema = s.database.clone();
    let evidence = if s.rows_examined.is_some() {
        let per_row = examined_per_row(s)?;
        let no_index = s.no_index_used.unwrap_or(0.0);
        if per_row < EXAMINED_PER_ROW && no_index <= 0.0 {
            return None;
        }
        format!(
            "{} rows examined for each row returned, {} of {} executions without an index",
            per_row.round(),
            no_index.round(),
            s.calls.round()
        )
    } else {
        let t = scans.iter().find(|t| t.table == table)?;
        schema = t.schema.clone();
        let per_scan = t.seq_tup_read / t.seq_scan.max(1.0);
        if per_scan < LARGE_SCAN_ROWS {
            return None;
        }
        format!(
            "{} sequential scans of {}, {} rows read each",
            t.seq_scan.round(),
            t.table,
            per_scan.round()
        )
    };
    Some(IndexCandidate {
        schema,
        table,
        column,
        evidence,
    })
}

/// The one table after FROM and the first column compared to a parameter in the WHERE, from a
/// normalised text (`$1` on PostgreSQL, `?` in a MySQL digest); `None` for joins, several
/// tables, or a WHERE that compares no column to a parameter.
pub fn table_and_column(query: &str) -> Option<(String, String)> {
    // A MySQL digest spells `db`.`t` as `db` . `t`.
    let query = &query.replace(" . ", ".");
    let lower = query.to_ascii_lowercase();
    let from = find_word(&lower, "from")?;
    let where_at = find_word(&lower[from..], "where").map(|w| from + w)?;
    let tables = query[from + 4..where_at].trim();
    if tables.contains(',') || find_word(&tables.to_ascii_lowercase(), "join").is_some() {
        return None;
    }
    let table = last_part(tables.split_whitespace().next()?)?;
    let mut tokens = query[where_at + 5..]
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|t| !t.is_empty());
    let column = last_part(tokens.next()?)?;
    let op = tokens.next()?.to_ascii_lowercase();
    let value = tokens.next()?;
    let parameter = value.starts_with('$') || value.starts_with('?');
    (matches!(op.as_str(), "=" | "in") && parameter).then_some((table, column))
}

/// Where `word` stands alone in `text` (lower case), its byte offset.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = i == 0 || !is_ident(bytes[i - 1]);
        let after = bytes.get(i + word.len()).is_none_or(|b| !is_ident(*b));
        before && after
    })
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'`' || b == b'"'
}

/// `schema.table`, `"t"`, `` `db`.`t` `` → the last name, unquoted; `None` when it is not a plain name.
fn last_part(token: &str) -> Option<String> {
    let name = token.rsplit('.').next()?.trim_matches(|c| c == '"' || c == '`');
    let plain = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    plain.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filtered_column_of_one_table_is_found_in_either_engines_text() {
        let pg = "SELECT id, total FROM orders WHERE customer_id = $1";
        assert_eq!(table_and_column(pg), Some(("orders".into(), "customer_id".into())));
        let digest = "SELECT `id` , `total` FROM `bank` . `orders` WHERE `customer_id` = ?";
        assert_eq!(table_and_column(digest), Some(("orders".into(), "customer_id".into())));
        let digest = "SELECT `id` , `total` FROM `orders` WHERE `customer_id` = ?";
        assert_eq!(table_and_column(digest), Some(("orders".into(), "customer_id".into())));
        assert_eq!(
            table_and_column("select * from public.orders o where o.customer_id in ($1, $2)"),
            Some(("orders".into(), "customer_id".into()))
        );
        assert_eq!(
            table_and_column("SELECT * FROM a JOIN b ON a.id = b.id WHERE a.x = $1"),
            None
        );
        assert_eq!(
            table_and_column("INSERT INTO orders SELECT g FROM generate_series($1, $2) g"),
            None
        );
    }

    #[test]
    fn mysql_evidence_is_rows_examined_per_row_returned() {
        let s = Stat {
            query: "SELECT * FROM `orders` WHERE `customer_id` = ?".into(),
            calls: 100.0,
            rows: 100.0,
            rows_examined: Some(30_000_000.0),
            no_index_used: Some(100.0),
            ..Stat::default()
        };
        let c = index_candidate(&s, &[]).unwrap();
        assert_eq!((c.table.as_str(), c.column.as_str()), ("orders", "customer_id"));
        assert!(c.evidence.starts_with("300000 rows examined"), "{}", c.evidence);
        assert_eq!(c.name(), "orders_customer_id_idx");
        let indexed = Stat {
            rows_examined: Some(100.0),
            no_index_used: Some(0.0),
            ..s
        };
        assert!(index_candidate(&indexed, &[]).is_none());
    }

    #[test]
    fn postgres_evidence_is_large_sequential_scans_of_the_table() {
        let s = Stat {
            query: "SELECT * FROM orders WHERE customer_id = $1".into(),
            ..Stat::default()
        };
        let scans = |per_scan: f64| {
            vec![TableScans {
                schema: "public".into(),
                table: "orders".into(),
                seq_scan: 10.0,
                seq_tup_read: 10.0 * per_scan,
                live_rows: per_scan,
            }]
        };
        assert!(index_candidate(&s, &scans(300_000.0)).is_some());
        assert!(
            index_candidate(&s, &scans(50.0)).is_none(),
            "a small table needs no index"
        );
    }
}
