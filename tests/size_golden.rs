//! The JSON contract of `dbrunbook size`, pinned by a checked-in file: a change to a field name,
//! a finding kind, a metric, a note or the runbook chosen shows up as a diff of
//! `tests/golden/size.json`, reviewed like code. Sizes, ages and timings vary from run to run,
//! so every number is masked first (tests/support/golden.rs); the shape and the words are what
//! is pinned. After an intended change: `DBRUNBOOK_BLESS=1 cargo test --test tests golden`.

use crate::support::golden::Golden;
use crate::support::*;

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
    Golden::new("size").assert(&run.stdout, |got| {
        got["target"]["url"] = "<url>".into();
        // Which catalog table is oldest depends on what the server touched first.
        for f in got["checks"][0]["findings"].as_array_mut().unwrap() {
            if f["kind"] == "oldest_tables" {
                f["table"] = "<table>".into();
            }
        }
    });
}
