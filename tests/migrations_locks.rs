//! Liquibase's changelog lock as clients in three time zones write it (LOCKGRANTED is the JVM's
//! local time in a `timestamp without time zone`), with its holder connected and working, and
//! with its holder killed. A throwaway server of the test's own, so the only client sessions
//! are the holder's and the tool's: the holder is found among them by the address in LOCKEDBY.

use crate::support::*;

const LIQUIBASE_PG: &str = "CREATE TABLE databasechangelog (id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL,
    filename VARCHAR(255) NOT NULL, dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL, orderexecuted INTEGER NOT NULL,
    exectype VARCHAR(10) NOT NULL, md5sum VARCHAR(35), description VARCHAR(255), comments VARCHAR(255),
    tag VARCHAR(255), liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10));
  CREATE TABLE databasechangeloglock (id INTEGER NOT NULL, locked BOOLEAN NOT NULL,
    lockgranted TIMESTAMP WITHOUT TIME ZONE, lockedby VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (id));
  INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum)
    VALUES ('1', 'ann', 'changelog.sql', now(), 1, 'EXECUTED', '9:abc');
  INSERT INTO databasechangeloglock VALUES (1, false, NULL, NULL)";

/// The server's zone is UTC (initdb's default here); the clients' zones as POSIX names
/// (`Etc/GMT+5` is UTC-5).
const ZONES: [(&str, &str); 3] = [("UTC", "UTC"), ("UTC-5", "Etc/GMT+5"), ("UTC+9", "Etc/GMT-9")];

/// Takes the lock as Liquibase does from a client in `zone`, `ago` before now.
fn take_lock(pg: &ThrowawayPg, zone: &str, ago: &str) {
    pg.psql(&[&format!(
        "UPDATE databasechangeloglock SET locked = true, lockedby = 'deploy-1 (127.0.0.1)',
           lockgranted = (now() - interval '{ago}') AT TIME ZONE '{zone}' WHERE id = 1"
    )]);
}

fn lock_check(pg: &ThrowawayPg) -> (serde_json::Value, i32) {
    let run = dbrunbook(&[
        "migrations",
        "--url",
        &pg.url("postgres", "postgres"),
        "--format",
        "json",
    ]);
    (run.json(), run.code)
}

#[test]
fn liquibase_lock_of_a_connected_working_holder_is_never_stuck_in_any_client_zone() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[LIQUIBASE_PG]);
    // The deploy's connection, from 127.0.0.1, in the middle of a changeset.
    let mut held = Held::new();
    held.pg(&pg.keyvalue("postgres", "postgres"), 1, "BEGIN; SELECT 1");
    for (name, zone) in ZONES {
        take_lock(&pg, zone, "2 seconds");
        let (r, code) = lock_check(&pg);
        let c = &r["checks"][0];
        assert_eq!(code, 0, "{name}: {r:#}");
        assert!(c["runbook"].is_null(), "{name}: {r:#}");
        assert!(
            c["notes"].to_string().contains("a migration is running"),
            "{name}: {r:#}"
        );
    }
}

#[test]
fn liquibase_lock_of_a_killed_holder_is_left_behind_in_any_client_zone() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[LIQUIBASE_PG]);
    // The deploy took the lock and was killed: its connection is gone.
    let mut held = Held::new();
    held.pg(&pg.keyvalue("postgres", "postgres"), 1, "BEGIN; SELECT 1");
    drop(held);
    let others = || {
        let out = std::process::Command::new(pg.bin("psql"))
            .args(["-X", "-At", "-d", &pg.url("postgres", "postgres"), "-c"])
            .arg("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // The server notices a closed connection at once, and its backend exits a moment later;
    // bounded, with room for a loaded machine.
    let alone = || crate::support::oncall::wait_until("no other session from 127.0.0.1", || others() == "0");
    alone();
    for (name, zone, status) in [
        ("UTC", ZONES[0].1, 2),
        ("UTC-5", ZONES[1].1, 2),
        ("UTC+9", ZONES[2].1, 1),
    ] {
        take_lock(&pg, zone, "2 hours");
        // take_lock's own psql session, from the host in LOCKEDBY, may outlive its client.
        alone();
        let (r, code) = lock_check(&pg);
        let c = &r["checks"][0];
        assert_eq!(code, status, "{name}: {r:#}");
        assert_eq!(c["runbook"]["id"], "migration-lock-stuck", "{name}: {r:#}");
        let notes = c["notes"].to_string();
        assert!(
            notes.contains("no session from that host is connected"),
            "{name}: {notes}"
        );
        if name == "UTC+9" {
            assert!(notes.contains("ahead of the server's clock"), "{name}: {notes}");
        }
    }
}

const LIQUIBASE_MYSQL: &str = "CREATE DATABASE app; USE app;
  CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL,
    FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED datetime NOT NULL, ORDEREXECUTED INT NOT NULL,
    EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35) NULL, DESCRIPTION VARCHAR(255) NULL, COMMENTS VARCHAR(255) NULL,
    TAG VARCHAR(255) NULL, LIQUIBASE VARCHAR(20) NULL, CONTEXTS VARCHAR(255) NULL, LABELS VARCHAR(255) NULL,
    DEPLOYMENT_ID VARCHAR(10) NULL);
  CREATE TABLE DATABASECHANGELOGLOCK (ID INT NOT NULL, `LOCKED` BIT(1) NOT NULL, LOCKGRANTED datetime NULL,
    LOCKEDBY VARCHAR(255) NULL, CONSTRAINT PK_DATABASECHANGELOGLOCK PRIMARY KEY (ID));
  INSERT INTO DATABASECHANGELOGLOCK VALUES (1, b'0', NULL, NULL)";

/// MariaDB: the process list shows a connected holder (idle between changesets: `Sleep`) and
/// no longer shows a killed one. The server runs in UTC; the clients' offsets as CONVERT_TZ takes
/// them.
#[test]
fn liquibase_lock_on_mariadb_connected_is_never_critical_and_killed_is_left_behind() {
    let maria = ThrowawayMaria::start(50);
    let root = maria.url("root");
    let mut setup = Held::new();
    setup.mysql(&root, 1, LIQUIBASE_MYSQL);
    drop(setup);
    let app = format!("{}app", root.trim_end_matches(|c| c != '/'));
    let take = |offset: &str, ago: &str| {
        let mut h = Held::new();
        h.mysql(
            &app,
            1,
            &format!(
                "UPDATE DATABASECHANGELOGLOCK SET `LOCKED` = b'1', LOCKEDBY = 'deploy-1 (127.0.0.1)',
                   LOCKGRANTED = CONVERT_TZ(NOW() - INTERVAL {ago}, '+00:00', '{offset}') WHERE ID = 1"
            ),
        );
    };
    let check = || {
        let run = dbrunbook(&["migrations", "--url", &app, "--format", "json"]);
        (run.json(), run.code)
    };
    let mut holder = Held::new();
    holder.mysql(&app, 1, "SELECT 1");
    for offset in ["+00:00", "-05:00", "+09:00"] {
        take(offset, "2 SECOND");
        let (r, code) = check();
        assert!(code <= 1, "{offset}: {r:#}");
        assert!(
            r["checks"][0]["notes"].to_string().contains("connected"),
            "{offset}: {r:#}"
        );
    }
    drop(holder);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for (offset, status) in [("+00:00", 2), ("-05:00", 2), ("+09:00", 1)] {
        take(offset, "2 HOUR");
        // The killed holder's session leaves the process list within moments; bounded wait.
        let (r, code) = loop {
            let (r, code) = check();
            if r["checks"][0]["notes"]
                .to_string()
                .contains("no session from that host")
            {
                break (r, code);
            }
            if std::time::Instant::now() >= deadline {
                let list = maria_tool("mariadb", maria.port)
                    .args([
                        "-e",
                        "SELECT ID, USER, HOST, COMMAND, TIME, INFO FROM information_schema.PROCESSLIST",
                    ])
                    .output()
                    .unwrap();
                panic!("{offset}: {}\n{r:#}", String::from_utf8_lossy(&list.stdout));
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        };
        assert_eq!(code, status, "{offset}: {r:#}");
        assert_eq!(
            r["checks"][0]["runbook"]["id"], "migration-lock-stuck",
            "{offset}: {r:#}"
        );
    }
}
