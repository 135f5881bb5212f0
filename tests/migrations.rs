//! The migrations check against real history tables, created with each tool's own DDL in a
//! database of the test's own, in the states an on-call engineer meets: a dirty or failed
//! migration, a stuck lock, a database behind its code or at a revision the code does not know.

use std::time::Duration;

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

// Each tool's DDL as it creates its table (see src/checks/migrations/frameworks.rs for sources).
const GOLANG_MIGRATE: &str =
    "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)";
const FLYWAY_PG: &str = "CREATE TABLE flyway_schema_history (
    installed_rank INT NOT NULL, version VARCHAR(50), description VARCHAR(200) NOT NULL,
    type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER,
    installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(),
    execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL);
  ALTER TABLE flyway_schema_history ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank);
  CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success)";
const FLYWAY_MYSQL: &str = "CREATE TABLE flyway_schema_history (
    installed_rank INT NOT NULL, version VARCHAR(50), description VARCHAR(200) NOT NULL,
    type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT,
    installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    execution_time INT NOT NULL, success BOOL NOT NULL,
    CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank)) ENGINE=InnoDB";
const LIQUIBASE_PG: &str = "CREATE TABLE databasechangelog (id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL,
    filename VARCHAR(255) NOT NULL, dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL, orderexecuted INTEGER NOT NULL,
    exectype VARCHAR(10) NOT NULL, md5sum VARCHAR(35), description VARCHAR(255), comments VARCHAR(255),
    tag VARCHAR(255), liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10));
  CREATE TABLE databasechangeloglock (id INTEGER NOT NULL, locked BOOLEAN NOT NULL,
    lockgranted TIMESTAMP WITHOUT TIME ZONE, lockedby VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (id))";
const LIQUIBASE_MYSQL: &str = "CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL,
    FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED datetime NOT NULL, ORDEREXECUTED INT NOT NULL,
    EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35) NULL, DESCRIPTION VARCHAR(255) NULL, COMMENTS VARCHAR(255) NULL,
    TAG VARCHAR(255) NULL, LIQUIBASE VARCHAR(20) NULL, CONTEXTS VARCHAR(255) NULL, LABELS VARCHAR(255) NULL,
    DEPLOYMENT_ID VARCHAR(10) NULL);
  CREATE TABLE DATABASECHANGELOGLOCK (ID INT NOT NULL, `LOCKED` BIT(1) NOT NULL, LOCKGRANTED datetime NULL,
    LOCKEDBY VARCHAR(255) NULL, CONSTRAINT PK_DATABASECHANGELOGLOCK PRIMARY KEY (ID))";
const ALEMBIC: &str = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))";
const PRISMA_PG: &str = "CREATE TABLE \"_prisma_migrations\" (\"id\" VARCHAR(36) NOT NULL, \"checksum\" VARCHAR(64) NOT NULL,
    \"finished_at\" TIMESTAMPTZ, \"migration_name\" VARCHAR(255) NOT NULL, \"logs\" TEXT, \"rolled_back_at\" TIMESTAMPTZ,
    \"started_at\" TIMESTAMPTZ NOT NULL DEFAULT now(), \"applied_steps_count\" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT \"_prisma_migrations_pkey\" PRIMARY KEY (\"id\"))";
const SQLX_PG: &str = "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL)";
const KNEX_MYSQL: &str = "CREATE TABLE knex_migrations (id int unsigned not null auto_increment primary key,
    name varchar(255), batch int, migration_time timestamp NULL);
  CREATE TABLE knex_migrations_lock (`index` int unsigned not null auto_increment primary key, is_locked int)";

fn migrations(url: &str, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec!["migrations", "--url", url, "--format", "json"];
    args.extend(extra);
    let run = dbrunbook(&args);
    (run.json(), run.code)
}

fn check(report: &serde_json::Value) -> &serde_json::Value {
    &report["checks"][0]
}

fn tables(report: &serde_json::Value) -> Vec<(String, String)> {
    findings(report, "tables")
        .iter()
        .map(|f| {
            (
                f["framework"].as_str().unwrap().to_string(),
                format!("{}.{}", f["schema"].as_str().unwrap(), f["table"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn golang_migrate_dirty_version_is_critical_with_the_force_step() {
    let db = ScratchPg::new("mig_gm_dirty");
    db.sql(GOLANG_MIGRATE)
        .sql("INSERT INTO schema_migrations VALUES (7, true)");
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(check(&r)["status"], "critical");
    assert!(check(&r)["summary"].as_str().unwrap().contains("7 is dirty"), "{r:#}");
    assert_eq!(check(&r)["runbook"]["id"], "migration-dirty");
    let steps = serde_json::to_string(&check(&r)["runbook"]["steps"]).unwrap();
    assert!(steps.contains("force '7'"), "{steps}");
}

#[test]
fn golang_migrate_dirty_on_mariadb_too() {
    let db = ScratchMaria::new("mig_gm_dirty");
    db.sql(&format!(
        "{GOLANG_MIGRATE}; INSERT INTO schema_migrations VALUES (3, 1)"
    ));
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(
        tables(&r),
        [("golang-migrate".to_string(), format!("{}.schema_migrations", db.name))]
    );
}

#[test]
fn schema_migrations_of_four_tools_are_told_apart() {
    let db = ScratchPg::new("mig_collide");
    db.sql(&format!(
        "CREATE SCHEMA gm; SET search_path = gm; {GOLANG_MIGRATE}; INSERT INTO schema_migrations VALUES (4, false);
         CREATE SCHEMA rails; SET search_path = rails;
           CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY);
           CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value character varying,
             created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
           INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240301000000');
         CREATE SCHEMA dbmate; SET search_path = dbmate;
           CREATE TABLE schema_migrations (version varchar(255) primary key);
           INSERT INTO schema_migrations VALUES ('20230101000000');
         CREATE SCHEMA ecto; SET search_path = ecto;
           CREATE TABLE schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0));
           INSERT INTO schema_migrations VALUES (20220101000000, now())"
    ));
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 0, "{r:#}");
    let mut got = tables(&r);
    got.sort();
    let want: Vec<(String, String)> = [
        ("dbmate", "dbmate.schema_migrations"),
        ("ecto", "ecto.schema_migrations"),
        ("golang-migrate", "gm.schema_migrations"),
        ("rails", "rails.schema_migrations"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    let rails = findings(&r, "tables")
        .into_iter()
        .find(|f| f["framework"] == "rails")
        .unwrap();
    assert_eq!(rails["current"], "20240301000000");
    assert!(
        rails["recognised_by"]
            .as_str()
            .unwrap()
            .contains("ar_internal_metadata")
    );
}

#[test]
fn every_framework_is_recognised_from_its_own_ddl() {
    let db = ScratchPg::new("mig_every");
    db.sql(&format!(
        "{ALEMBIC}; {FLYWAY_PG}; {LIQUIBASE_PG}; {PRISMA_PG}; {SQLX_PG};
         CREATE TABLE django_migrations (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
           app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL);
         CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,
           run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL,
           tstamp timestamp NULL default now(), PRIMARY KEY(id));
         CREATE TABLE knex_migrations (id serial primary key, name varchar(255), batch integer, migration_time timestamptz);
         CREATE TABLE knex_migrations_lock (index serial primary key, is_locked integer);
         INSERT INTO knex_migrations_lock (is_locked) VALUES (0);
         INSERT INTO django_migrations (app, name, applied) VALUES ('auth', '0001_initial', now()), ('shop', '0002_price', now());
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (20240101, true), (20240202, true), (20240202, false);
         INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101_users.js', 1, now())"
    ));
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 0, "{r:#}");
    let mut got: Vec<String> = tables(&r).into_iter().map(|t| t.0).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "alembic",
            "diesel",
            "django",
            "flyway",
            "goose",
            "knex",
            "liquibase",
            "prisma",
            "sqlx"
        ]
    );
    let current = |fw: &str| {
        findings(&r, "tables")
            .into_iter()
            .find(|f| f["framework"] == fw)
            .unwrap()["current"]
            .clone()
    };
    assert_eq!(current("django"), "shop.0002_price");
    // goose: the newest row of 20240202 says rolled back, so 20240101 is current.
    assert_eq!(current("goose"), "20240101");
    assert_eq!(current("knex"), "20240101_users.js");
}

#[test]
fn no_migration_table_is_ok_with_a_note_and_unknown_when_a_framework_was_named() {
    let db = ScratchPg::new("mig_none");
    db.sql("CREATE TABLE orders (id int)");
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert!(
        check(&r)["summary"]
            .as_str()
            .unwrap()
            .contains("no migration history table")
    );
    assert!(!check(&r)["notes"].as_array().unwrap().is_empty());
    let (r, code) = migrations(&db.url(), &["--framework", "flyway"]);
    assert_eq!(code, 3, "{r:#}");
    let (r, code) = migrations(&db.url(), &["--framework", "nope"]);
    assert_eq!(code, 3);
    assert!(
        check(&r)["summary"].as_str().unwrap().contains("golang-migrate"),
        "{r:#}"
    );
}

#[test]
fn flyway_current_is_the_highest_version_numerically_and_expect_compares_numerically() {
    let db = ScratchPg::new("mig_fw_1_10");
    db.sql(FLYWAY_PG).sql(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1.9', 'nine', 'SQL', 'V1_9__nine.sql', 1, 'ci', now(), 5, true),
           (2, '1.10', 'ten', 'SQL', 'V1_10__ten.sql', 1, 'ci', now(), 5, true),
           (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'ci', now(), 5, true)",
    );
    let (r, code) = migrations(&db.url(), &["--expect", "1.10.0"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(findings(&r, "tables")[0]["current"], "1.10");
    let (r, code) = migrations(&db.url(), &["--expect", "1.11"]);
    assert_eq!(code, 2, "{r:#}");
    assert!(
        check(&r)["summary"]
            .as_str()
            .unwrap()
            .starts_with("database at 1.10, deploy expects 1.11"),
        "{r:#}"
    );
    assert_eq!(check(&r)["runbook"]["id"], "migration-unknown-revision");
}

#[test]
fn flyway_failed_migration_is_critical() {
    let db = ScratchPg::new("mig_fw_failed");
    db.sql(FLYWAY_PG).sql(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'ci', now(), 5, true),
           (2, '2', 'add index', 'SQL', 'V2__add_index.sql', 1, 'ci', now(), 5, false)",
    );
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(findings(&r, "broken")[0]["revision"], "2");
    assert_eq!(findings(&r, "broken")[0]["detail"], "V2__add_index.sql");
    let steps = serde_json::to_string(&check(&r)["runbook"]["steps"]).unwrap();
    assert!(steps.contains("repair"), "{steps}");
}

#[test]
fn flyway_dir_pending_and_out_of_order_on_mariadb() {
    let db = ScratchMaria::new("mig_fw_dir");
    db.sql(&format!(
        "{FLYWAY_MYSQL}; INSERT INTO flyway_schema_history VALUES
           (1, '1', 'init', 'SQL', 'V1__init.sql', NULL, 'ci', now(), 5, 1),
           (2, '1.10', 'ten', 'SQL', 'V1_10__ten.sql', NULL, 'ci', now(), 5, 1)"
    ));
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "V1__init.sql",
        "V1_9__nine.sql",
        "V1_10__ten.sql",
        "V1_11__eleven.sql",
        "R__views.sql",
        "U1_10__undo.sql",
    ] {
        std::fs::write(dir.path().join(f), "SELECT 1;").unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 1, "{r:#}");
    let pending: Vec<_> = findings(&r, "pending")
        .iter()
        .map(|p| {
            (
                p["revision"].as_str().unwrap().to_string(),
                p["out_of_order"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(pending, [("1.9".to_string(), true), ("1.11".to_string(), false)]);
    assert_eq!(check(&r)["runbook"]["id"], "migration-behind");
    let (_, code) = migrations(&db.url(), &["--dir", path, "--behind-critical", "2"]);
    assert_eq!(code, 2);
}

/// a1 → (b1, b2) → c3 (merge) → d4, written as `alembic revision` writes them.
fn alembic_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("versions");
    std::fs::create_dir(&versions).unwrap();
    let files = [
        ("a1_base.py", "revision = 'a1'\ndown_revision = None\n"),
        (
            "b1_left.py",
            "revision: str = \"b1\"\ndown_revision: Union[str, None] = \"a1\"\n",
        ),
        (
            "b2_right.py",
            "revision = 'b2'\ndown_revision = 'a1'\nbranch_labels = None\n",
        ),
        (
            "c3_merge.py",
            "\"\"\"merge\n\nRevision ID: c3\nRevises: b1, b2\n\"\"\"\nrevision: str = 'c3'\ndown_revision: Union[str, Sequence[str], None] = (\n    'b1',\n    'b2',\n)\n",
        ),
        (
            "d4_after.py",
            "revision = 'd4'\ndown_revision = 'c3'\n\ndef upgrade():\n    revision = 'nope'\n",
        ),
    ];
    for (name, body) in files {
        std::fs::write(versions.join(name), body).unwrap();
    }
    dir
}

#[test]
fn alembic_graph_with_a_branch_and_a_merge_gives_pending_in_order() {
    let db = ScratchPg::new("mig_alembic");
    let dir = alembic_dir();
    let path = dir.path().to_str().unwrap();
    db.sql(ALEMBIC).sql("INSERT INTO alembic_version VALUES ('b1')");
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 1, "{r:#}");
    let pending: Vec<String> = findings(&r, "pending")
        .iter()
        .map(|p| p["revision"].as_str().unwrap().into())
        .collect();
    assert_eq!(pending, ["b2", "c3", "d4"]);
    assert!(
        check(&r)["summary"]
            .as_str()
            .unwrap()
            .starts_with("3 migration(s) pending"),
        "{r:#}"
    );

    db.sql("UPDATE alembic_version SET version_num = 'd4'");
    let (r, code) = migrations(&db.url(), &["--dir", path, "--expect", "d4"]);
    assert_eq!(code, 0, "{r:#}");
    assert!(check(&r)["summary"].as_str().unwrap().contains("up to date"), "{r:#}");

    db.sql("UPDATE alembic_version SET version_num = 'e5_from_a_branch'");
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(check(&r)["runbook"]["id"], "migration-unknown-revision");
}

#[test]
fn alembic_on_two_branch_heads_is_current_only_at_both() {
    let db = ScratchMaria::new("mig_alembic_heads");
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("a1.py", "revision = 'a1'\ndown_revision = None\n"),
        ("b1.py", "revision = 'b1'\ndown_revision = 'a1'\n"),
        ("b2.py", "revision = 'b2'\ndown_revision = 'a1'\n"),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    db.sql(&format!("{ALEMBIC}; INSERT INTO alembic_version VALUES ('b1'), ('b2')"));
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 0, "{r:#}");
    db.sql("DELETE FROM alembic_version WHERE version_num = 'b2'");
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(findings(&r, "pending")[0]["revision"], "b2");
}

#[test]
fn golang_migrate_dir_behind_and_unknown() {
    let db = ScratchPg::new("mig_gm_dir");
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "1_init.up.sql",
        "1_init.down.sql",
        "2_users.up.sql",
        "2_users.down.sql",
        "10_orders.up.sql",
    ] {
        std::fs::write(dir.path().join(f), "SELECT 1;").unwrap();
    }
    let path = dir.path().to_str().unwrap();
    db.sql(GOLANG_MIGRATE)
        .sql("INSERT INTO schema_migrations VALUES (2, false)");
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(findings(&r, "pending")[0]["file"], "10_orders.up.sql");
    db.sql("UPDATE schema_migrations SET version = 11");
    let (r, code) = migrations(&db.url(), &["--dir", path]);
    assert_eq!(code, 2, "{r:#}");
    assert!(
        check(&r)["summary"].as_str().unwrap().contains("does not define"),
        "{r:#}"
    );
}

#[test]
fn liquibase_lock_held_an_hour_is_critical_and_names_its_holder() {
    let db = ScratchPg::new("mig_lb_lock");
    db.sql(LIQUIBASE_PG).sql(
        "INSERT INTO databasechangeloglock VALUES (1, true, LOCALTIMESTAMP - interval '1 hour', 'deploy-7f9 (10.0.0.5)');
         INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum)
           VALUES ('1', 'ann', 'db/changelog.xml', now(), 1, 'EXECUTED', '9:abc')",
    );
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(findings(&r, "lock")[0]["locked_by"], "deploy-7f9 (10.0.0.5)");
    assert_eq!(check(&r)["runbook"]["id"], "migration-lock-stuck");
    let steps = serde_json::to_string(&check(&r)["runbook"]["steps"]).unwrap();
    assert!(steps.contains("liquibase release-locks"), "{steps}");
    let (_, code) = migrations(&db.url(), &["--lock-critical", "2h"]);
    assert_eq!(code, 1);
}

#[test]
fn liquibase_bit_lock_and_knex_lock_on_mariadb() {
    let db = ScratchMaria::new("mig_locks");
    db.sql(&format!(
        "{LIQUIBASE_MYSQL}; {KNEX_MYSQL};
         INSERT INTO DATABASECHANGELOGLOCK VALUES (1, b'0', NULL, NULL);
         INSERT INTO knex_migrations_lock (is_locked) VALUES (1)"
    ));
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 1, "{r:#}");
    let locks = findings(&r, "lock");
    assert_eq!(locks.len(), 1, "{r:#}");
    assert_eq!(locks[0]["table"], "knex_migrations_lock");
    db.sql("UPDATE knex_migrations_lock SET is_locked = 0; UPDATE DATABASECHANGELOGLOCK SET `LOCKED` = b'1', LOCKGRANTED = NOW() - INTERVAL 10 MINUTE, LOCKEDBY = 'ci-runner'");
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(findings(&r, "lock")[0]["locked_by"], "ci-runner");
    assert!(
        findings(&r, "lock")[0]["held_for"].as_str().unwrap().starts_with("10m"),
        "{r:#}"
    );
}

#[test]
fn prisma_unfinished_migration_shows_its_logs() {
    let db = ScratchPg::new("mig_prisma");
    db.sql(PRISMA_PG).sql(
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count) VALUES
           ('1', 'c1', now(), '20240101_init', NULL, now() - interval '1 day', 1),
           ('2', 'c2', NULL, '20240202_add_price', 'ERROR: column \"price\" contains null values', now(), 0)",
    );
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    let broken = &findings(&r, "broken")[0];
    assert_eq!(broken["revision"], "20240202_add_price");
    assert!(broken["detail"].as_str().unwrap().contains("contains null values"));
    let steps = serde_json::to_string(&check(&r)["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains("prisma migrate resolve --rolled-back '20240202_add_price'"),
        "{steps}"
    );
}

#[test]
fn sqlx_dirty_migration_is_the_lowest_failed_version() {
    let db = ScratchPg::new("mig_sqlx");
    db.sql(SQLX_PG).sql(
        "INSERT INTO _sqlx_migrations VALUES (1, 'init', now(), true, '\\x00', 1), (3, 'late', now(), false, '\\x00', -1),
           (2, 'users', now(), false, '\\x00', -1)",
    );
    let (r, code) = migrations(&db.url(), &[]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(findings(&r, "broken")[0]["revision"], "2");
}

#[test]
fn hostile_revision_strings_never_reach_the_terminal_raw() {
    let db = ScratchPg::new("mig_hostile");
    db.sql(ALEMBIC)
        .sql("INSERT INTO alembic_version VALUES (E'ab\\x1b]0;pwned\\x07\\n\\x1b[2J')");
    let run = dbrunbook(&["migrations", "--url", &db.url()]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !run.stdout.contains('\x1b') && !run.stdout.contains('\x07'),
        "{:?}",
        run.stdout
    );
    let (r, _) = migrations(&db.url(), &[]);
    assert_eq!(findings(&r, "tables")[0]["current"], "ab\x1b]0;pwned\x07\n\x1b[2J");
}

#[test]
fn a_hundred_thousand_row_history_stays_fast() {
    let db = ScratchPg::new("mig_big");
    db.sql(FLYWAY_PG).sql(
        "INSERT INTO flyway_schema_history
           SELECT g, '1.' || g, 'm', 'SQL', 'V1_' || g || '__m.sql', 1, 'ci', now(), 1, true
             FROM generate_series(1, 100000) g",
    );
    let run = dbrunbook_within(
        &["migrations", "--url", &db.url(), "--format", "nagios"],
        Duration::from_secs(20),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .starts_with("DBRUNBOOK MIGRATIONS OK - flyway public.flyway_schema_history at 1.100000 (100000 applied)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("applied=100000"), "{}", run.stdout);
}

#[test]
fn liquibase_expect_takes_the_changeset_id_id_author_or_the_full_form() {
    let db = ScratchPg::new("mig_lb_expect");
    db.sql(LIQUIBASE_PG).sql(
        "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES
           ('1', 'dev', 'changelog.sql', now(), 1, 'EXECUTED', '9:aaa'),
           ('2', 'dev', 'changelog.sql', now(), 2, 'EXECUTED', '9:bbb')",
    );
    for expect in ["2", "2::dev", "changelog.sql::2::dev"] {
        let (r, code) = migrations(&db.url(), &["--expect", expect]);
        assert_eq!(code, 0, "--expect {expect}: {r:#}");
    }
    for expect in ["1", "2::ann", "other.sql::2::dev"] {
        let (r, code) = migrations(&db.url(), &["--expect", expect]);
        assert_eq!(code, 2, "--expect {expect}: {r:#}");
    }
}

#[test]
fn liquibase_formatted_sql_changelog_lists_pending_changesets() {
    let db = ScratchPg::new("mig_lb_dir");
    // The sum Liquibase 4.28.1 wrote for changeset 1 below (tests/migrations_real.rs runs it).
    db.sql(LIQUIBASE_PG).sql(
        "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES
           ('1', 'dev', 'db/changelog.sql', now(), 1, 'EXECUTED', '9:c89e591e0fb4b4e3115b62802f20a3e5')",
    );
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("db")).unwrap();
    std::fs::write(
        d.path().join("db/changelog.sql"),
        "--liquibase formatted sql\n\n--changeset dev:1\nCREATE TABLE a (id int);\n\n--changeset dev:2\nCREATE TABLE b (id int);\n",
    )
    .unwrap();
    let dir = d.path().to_str().unwrap();
    let (r, code) = migrations(&db.url(), &["--dir", dir]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(check(&r)["runbook"]["id"], "migration-behind", "{r:#}");
    assert_eq!(findings(&r, "pending")[0]["revision"], "changelog.sql::2::dev", "{r:#}");
    assert!(
        check(&r)["notes"]
            .to_string()
            .contains("1 formatted-SQL changeset(s) compared"),
        "{r:#}"
    );
    // The deploy names the changeset it expects by its id: pending, so behind, not unknown.
    let (r, code) = migrations(&db.url(), &["--dir", dir, "--expect", "2"]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(check(&r)["runbook"]["id"], "migration-behind", "{r:#}");
}
