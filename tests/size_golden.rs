//! The JSON contract of `dbrunbook size`, pinned by a checked-in file: a change to a field name,
//! a finding kind, a metric, a note or the runbook chosen shows up as a diff of
//! `tests/golden/size.json`, reviewed like code. Sizes, ages and timings vary from run to run,
//! so every number is normalised first (to 0 in JSON numbers, to N inside text); the shape and
//! the words are what is pinned. After an intended change:
//! `DBRUNBOOK_BLESS=1 cargo test --test tests size_golden`.

use crate::support::*;

const GOLDEN: &str = "tests/golden/size.json";

fn normalise(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(_) => *v = 0.into(),
        serde_json::Value::String(s) => {
            let mut out = String::with_capacity(s.len());
            let mut in_number = false;
            for c in s.chars() {
                let digit = c.is_ascii_digit() || (in_number && c == '.');
                if digit && !in_number {
                    out.push('N');
                } else if !digit {
                    out.push(c);
                }
                in_number = digit;
            }
            *s = out;
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(normalise),
        serde_json::Value::Object(o) => o.values_mut().for_each(normalise),
        _ => {}
    }
}

#[test]
fn size_json_contract_for_a_bloated_table() {
    // Autovacuum off: no worker may vacuum the table, or show up as a horizon holder.
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["autovacuum=off"],
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE TABLE bloated (id int PRIMARY KEY, pad text NOT NULL)",
        "INSERT INTO bloated SELECT g, repeat('x', 100) FROM generate_series(1, 60000) g",
        "DELETE FROM bloated WHERE id % 10 <> 0",
        "ANALYZE bloated",
    ]);
    let url = pg.url("postgres", "postgres");
    let run = dbrunbook(&[
        "size",
        "--url",
        &url,
        "--format",
        "json",
        "--limit",
        "1",
        "--bloat-min-size",
        "1MB",
        "--bloat-critical",
        "99%",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    let mut got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    got["target"]["server_version"] = "<version>".into();
    got["target"]["url"] = "<url>".into();
    // Which catalog table is oldest depends on what the server touched first.
    for f in got["checks"][0]["findings"].as_array_mut().unwrap() {
        if f["kind"] == "oldest_tables" {
            f["table"] = "<table>".into();
        }
    }
    let (schema, exit) = (got["schema_version"].clone(), got["exit_code"].clone());
    normalise(&mut got);
    (got["schema_version"], got["exit_code"]) = (schema, exit);
    golden(GOLDEN, "size", &got);
}
