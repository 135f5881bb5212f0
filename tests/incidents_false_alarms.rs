//! No false alarms during an incident (#19 item 7): a superuser is never told to GRANT
//! pg_monitor nor left UNKNOWN by sessions still starting up under connection churn, and
//! MariaDB's metadata-lock note says which instrument is off. (size behind a migration's lock:
//! `incidents_slow_io`.)

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::*;

/// Connections opened and closed as fast as psql can, for as long as the guard lives.
struct Churn(Vec<Child>);

impl Drop for Churn {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn queries_as_a_superuser_under_connection_churn_is_never_unknown() {
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 50,
        ..Default::default()
    });
    let psql = pg.bin("psql");
    let churn = Churn(
        (0..4)
            .map(|_| {
                Command::new("sh")
                    .arg("-c")
                    .arg(format!(
                        "while :; do {} -X -h 127.0.0.1 -p {} -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; done",
                        psql.display(),
                        pg.port
                    ))
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let target = pg.url("postgres", "postgres");
    let rb = started_just_now();
    for run in 0..12 {
        for check in ["queries", "pool"] {
            let r = dbrunbook(&[check, "--url", &target, &rb[0], &rb[1], "--format", "json"]);
            let c = &r.json()["checks"][0];
            assert_ne!(c["status"], "unknown", "{check} run {run}: {c:#}");
            assert!(!c.to_string().contains("GRANT pg_monitor"), "{check} run {run}: {c:#}");
        }
    }
    drop(churn);
}

#[test]
fn mariadb_mdl_note_says_the_instrument_is_off_not_performance_schema() {
    let server = ThrowawayMaria::start_with(20, &["--performance-schema=ON"]);
    let url = format!("mysql://root@127.0.0.1:{}/mysql", server.port);
    let mut held = Held::new();
    held.mysql(
        &url,
        1,
        "CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY) ENGINE=InnoDB; \
         INSERT INTO shop.t VALUES (1); START TRANSACTION; SELECT * FROM shop.t",
    );
    held.mysql_background(&url, "ALTER TABLE shop.t ADD COLUMN note text");
    let report = poll(&["locks", "--url", &url], |r| {
        r["checks"][0]["notes"]
            .to_string()
            .contains("metadata-lock holders are inferred")
    });
    let notes = report["checks"][0]["notes"].to_string();
    assert!(notes.contains("wait/lock/metadata/sql/mdl is disabled"), "{notes}");
    assert!(!notes.contains("performance_schema is off"), "{notes}");
}
