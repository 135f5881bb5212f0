//! The JSON contract of `dbrunbook migrations`, pinned by a checked-in file: a change to a field
//! name, a finding kind, a metric or the runbook chosen shows up as a diff of
//! `tests/golden/migrations.json`, reviewed like code. Volatile values (times, elapsed, server
//! version, the scratch database's name, the temporary directory) are masked first.
//! After an intended change: `DBRUNBOOK_BLESS=1 cargo test --test tests golden`.

use crate::support::golden::Golden;
use crate::support::scratch::ScratchPg;
use crate::support::*;

#[test]
fn migrations_json_contract_for_a_changed_file_and_a_pending_one() {
    let db = ScratchPg::new("mig_golden");
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("1_users.sql", "CREATE TABLE users (id int);\n"),
        ("2_orders.sql", "CREATE TABLE orders (id bigint);\n"),
        ("3_items.sql", "CREATE TABLE items (id int);\n"),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    db.sql(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
           installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
           execution_time BIGINT NOT NULL);
         INSERT INTO _sqlx_migrations VALUES
           (1, 'users', now(), true, sha384(convert_to(E'CREATE TABLE users (id int);\\n', 'UTF8')), 7),
           (2, 'orders', now(), true, sha384(convert_to(E'CREATE TABLE orders (id int);\\n', 'UTF8')), 9)",
    );
    let path = dir.path().to_str().unwrap();
    let run = dbrunbook(&["migrations", "--url", &db.url(), "--format", "json", "--dir", path]);
    assert_eq!(run.code, 1, "{}", run.all());
    Golden::new("migrations")
        .mask(path, "<dir>")
        .mask(&db.name, "<db>")
        .exact_numbers()
        .assert(&run.stdout, |got| {
            for f in got["checks"][0]["findings"].as_array_mut().unwrap() {
                if !f["applied_at"].is_null() {
                    f["applied_at"] = "<time>".into();
                }
            }
        });
}
