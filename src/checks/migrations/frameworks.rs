//! The migration tools the check knows: the history table each one creates (name and columns,
//! from the tool's own DDL) and the SQL expressions that read its history. Recognising a listed
//! table lives in `detect.rs`, building the queries in `queries.rs`, judging rows elsewhere.
//!
//! DDL checked against each tool's source: Alembic `alembic/ddl/impl.py` (version_table_impl),
//! Flyway `createMetaDataTable.sql`, Liquibase's changelog and lock table generators,
//! golang-migrate `database/postgres/postgres.go` (ensureVersionTable), Rails
//! `schema_migration.rb`, dbmate `pkg/driver/postgres/postgres.go`, Ecto
//! `lib/ecto/migration/schema_migration.ex`, Django `django/db/migrations/recorder.py`, sqlx
//! `sqlx-postgres/src/migrate.rs`, Diesel `diesel_migrations/src/migration_harness.rs`, goose
//! `internal/dialect/dialectquery/postgres.go`, Knex `lib/migrations/migrate/table-creator.js`,
//! TypeORM `MigrationExecutor.createMigrationsTableIfNotExist`, Atlas `cmd/atlas/internal/migrate/ent`
//! (`revision` schema).
//! db-migrate `db-migrate-base/index.js` (createMigrationsTable: id, name, run_on), node-pg-migrate
//! `src/runner.ts` (ensureMigrationsTable: id, name, run_on in `pgmigrations`; its lock is an
//! advisory lock, not a table), sequelize-cli through umzug's `SequelizeStorage` (`SequelizeMeta`,
//! one `name` column), yoyo `yoyo/internalmigrations/v2.py` (`_yoyo_migration`: migration_hash,
//! migration_id, applied_at_utc; `_yoyo_log` beside it) and `yoyo/backends/base.py`
//! (`yoyo_lock`: locked, ctime written in UTC, pid; the row exists only while the lock is held).
//! Prisma's `_prisma_migrations` from the schema engine's `create_migrations_table` (its
//! PostgreSQL and MySQL flavours: TIMESTAMPTZ or DATETIME(3) times, the same columns).
//! Rechecked against the tools' own code and runs: node-pg-migrate 9.0.0 (`src/runner.ts`,
//! `ensureMigrationsTable`: `id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp
//! NOT NULL`) and umzug 2.3's `src/storages/SequelizeStorage.js` under sequelize-cli 6.6.5 (model
//! `SequelizeMeta`, one `name` STRING column, primary key and unique, `timestamps: false`); the
//! tables these tools, db-migrate 0.11 and yoyo 9.0 create when run are the ones read here
//! (tests/migrations_real.rs).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Framework {
    Alembic,
    Flyway,
    Liquibase,
    GolangMigrate,
    Rails,
    Dbmate,
    Ecto,
    Django,
    Sqlx,
    Diesel,
    Prisma,
    Goose,
    Knex,
    TypeOrm,
    Atlas,
    DbMigrate,
    NodePgMigrate,
    Sequelize,
    Yoyo,
}

/// How to read one tool's history table. Expressions are SQL over that table's own columns,
/// valid on PostgreSQL and MySQL alike; none holds anything a user or a database typed.
pub struct Descriptor {
    pub framework: Framework,
    /// As typed after `--framework`.
    pub name: &'static str,
    /// The table the tool creates unless configured otherwise.
    pub table: &'static str,
    /// Columns that must all be there (lowercase).
    pub columns: &'static [&'static str],
    /// The lock table the tool keeps next to its history, if any.
    pub lock: Option<LockTable>,
    pub revision: &'static str,
    pub description: &'static str,
    pub applied_at: &'static str,
    pub kind: &'static str,
    /// Newest last.
    pub order: &'static str,
    /// The row counts as an applied migration.
    pub applied: &'static str,
    /// The row records a half-applied or failed migration.
    pub broken: &'static str,
    /// What the tool recorded about a broken row (Prisma's logs...).
    pub detail: &'static str,
    /// The shell command that inspects or repairs state, for the summary.
    pub what_broken_means: &'static str,
    /// The checksum the tool recorded for the row's file, as text; `NULL` when it keeps none.
    pub checksum: &'static str,
    /// The checksum column holds bytes (sqlx): read as lowercase hex.
    pub checksum_bytes: bool,
}

pub struct LockTable {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub locked: &'static str,
    pub locked_by: &'static str,
    pub granted: &'static str,
    /// Seconds since the lock was taken, per engine; `NULL` when the tool records no time.
    pub age_postgres: &'static str,
    pub age_mysql: &'static str,
    /// The holder column names a host (`hostname (address)`): its sessions are looked up.
    pub holder_host: bool,
}

const NEVER: &str = "1 = 0";

pub static FRAMEWORKS: &[Descriptor] = &[
    Descriptor {
        framework: Framework::Alembic,
        name: "alembic",
        table: "alembic_version",
        columns: &["version_num"],
        lock: None,
        revision: "version_num",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version_num",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Flyway,
        name: "flyway",
        table: "flyway_schema_history",
        columns: &[
            "installed_rank",
            "version",
            "description",
            "type",
            "script",
            "checksum",
            "installed_by",
            "installed_on",
            "execution_time",
            "success",
        ],
        lock: None,
        revision: "version",
        description: "description",
        applied_at: "installed_on",
        kind: "type",
        order: "installed_rank",
        applied: "success AND version IS NOT NULL AND type <> 'DELETE' AND type NOT LIKE 'UNDO%'",
        broken: "NOT success",
        detail: "script",
        what_broken_means: "a failed migration (success = false)",
        checksum: "checksum",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Liquibase,
        name: "liquibase",
        table: "databasechangelog",
        columns: &[
            "id",
            "author",
            "filename",
            "dateexecuted",
            "orderexecuted",
            "exectype",
            "md5sum",
        ],
        lock: Some(LockTable {
            table: "databasechangeloglock",
            columns: &["id", "locked", "lockgranted", "lockedby"],
            locked: "locked",
            locked_by: "lockedby",
            granted: "lockgranted",
            age_postgres: "CAST(EXTRACT(EPOCH FROM (LOCALTIMESTAMP - CAST(lockgranted AS timestamp))) AS float8)",
            age_mysql: "TIMESTAMPDIFF(SECOND, lockgranted, NOW())",
            holder_host: true,
        }),
        revision: "CONCAT(filename, '::', id, '::', author)",
        description: "NULL",
        applied_at: "dateexecuted",
        kind: "exectype",
        order: "orderexecuted",
        applied: "exectype NOT IN ('FAILED', 'SKIPPED')",
        broken: "exectype = 'FAILED'",
        detail: "md5sum",
        what_broken_means: "a changeset recorded as FAILED",
        checksum: "md5sum",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::GolangMigrate,
        name: "golang-migrate",
        table: "schema_migrations",
        columns: &["version", "dirty"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "NOT dirty",
        broken: "dirty",
        detail: "NULL",
        what_broken_means: "dirty: a migration failed half-way",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Rails,
        name: "rails",
        table: "schema_migrations",
        columns: &["version"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Dbmate,
        name: "dbmate",
        table: "schema_migrations",
        columns: &["version"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Ecto,
        name: "ecto",
        table: "schema_migrations",
        columns: &["version", "inserted_at"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "inserted_at",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Django,
        name: "django",
        table: "django_migrations",
        columns: &["id", "app", "name", "applied"],
        lock: None,
        revision: "CONCAT(app, '.', name)",
        description: "NULL",
        applied_at: "applied",
        kind: "NULL",
        order: "id",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Sqlx,
        name: "sqlx",
        table: "_sqlx_migrations",
        columns: &[
            "version",
            "description",
            "installed_on",
            "success",
            "checksum",
            "execution_time",
        ],
        lock: None,
        revision: "version",
        description: "description",
        applied_at: "installed_on",
        kind: "NULL",
        order: "version",
        applied: "success",
        broken: "NOT success",
        detail: "description",
        what_broken_means: "a dirty migration (success = false)",
        checksum: "checksum",
        checksum_bytes: true,
    },
    Descriptor {
        framework: Framework::Diesel,
        name: "diesel",
        table: "__diesel_schema_migrations",
        columns: &["version", "run_on"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "run_on",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Prisma,
        name: "prisma",
        table: "_prisma_migrations",
        columns: &[
            "id",
            "checksum",
            "finished_at",
            "migration_name",
            "logs",
            "rolled_back_at",
            "started_at",
            "applied_steps_count",
        ],
        lock: None,
        revision: "migration_name",
        description: "NULL",
        applied_at: "started_at",
        kind: "CASE WHEN rolled_back_at IS NOT NULL THEN 'rolled back' WHEN finished_at IS NULL THEN 'unfinished' ELSE 'applied' END",
        order: "started_at",
        applied: "finished_at IS NOT NULL AND rolled_back_at IS NULL",
        broken: "finished_at IS NULL AND rolled_back_at IS NULL",
        detail: "logs",
        what_broken_means: "a migration that failed or is still running (finished_at and rolled_back_at empty)",
        checksum: "checksum",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Goose,
        name: "goose",
        table: "goose_db_version",
        columns: &["id", "version_id", "is_applied", "tstamp"],
        lock: None,
        revision: "version_id",
        description: "NULL",
        applied_at: "tstamp",
        kind: "CASE WHEN is_applied THEN 'up' ELSE 'down' END",
        order: "id",
        // goose's first row records version 0, before any migration.
        applied: "is_applied AND version_id <> 0",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Knex,
        name: "knex",
        table: "knex_migrations",
        columns: &["id", "name", "batch", "migration_time"],
        lock: Some(LockTable {
            table: "knex_migrations_lock",
            columns: &["index", "is_locked"],
            locked: "is_locked",
            locked_by: "NULL",
            granted: "NULL",
            age_postgres: "CAST(NULL AS float8)",
            age_mysql: "NULL",
            holder_host: false,
        }),
        revision: "name",
        description: "CONCAT('batch ', batch)",
        applied_at: "migration_time",
        kind: "NULL",
        order: "id",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::TypeOrm,
        name: "typeorm",
        table: "migrations",
        columns: &["id", "timestamp", "name"],
        lock: None,
        revision: "name",
        description: "CONCAT('timestamp ', timestamp)",
        applied_at: "NULL",
        kind: "NULL",
        order: "timestamp",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
        checksum: "NULL",
        checksum_bytes: false,
    },
    Descriptor {
        framework: Framework::Atlas,
        name: "atlas",
        table: "atlas_schema_revisions",
        columns: &[
            "version",
            "description",
            "type",
            "applied",
            "total",
            "executed_at",
            "execution_time",
            "error",
            "error_stmt",
            "hash",
        ],
        lock: None,
        revision: "version",
        description: "description",
        applied_at: "executed_at",
        kind: "CONCAT(applied, '/', total, ' statements')",
        order: "version",
        applied: "(error IS NULL OR error = '') AND applied >= total",
        broken: "(error IS NOT NULL AND error <> '') OR applied < total",
        detail: "CONCAT(COALESCE(error, ''), ' ', COALESCE(error_stmt, ''))",
        what_broken_means: "a migration that failed or stopped part-way (error set, or applied < total statements)",
        checksum: "NULL",
        checksum_bytes: false,
    },
    DB_MIGRATE,
    Descriptor {
        framework: Framework::NodePgMigrate,
        name: "node-pg-migrate",
        table: "pgmigrations",
        ..DB_MIGRATE
    },
    Descriptor {
        framework: Framework::Sequelize,
        name: "sequelize",
        table: "SequelizeMeta",
        columns: &["name"],
        applied_at: "NULL",
        // No id and no time: file names start with their timestamp, so name order is run order.
        order: "name",
        ..DB_MIGRATE
    },
    Descriptor {
        framework: Framework::Yoyo,
        name: "yoyo",
        table: "_yoyo_migration",
        columns: &["migration_hash", "migration_id", "applied_at_utc"],
        revision: "migration_id",
        applied_at: "applied_at_utc",
        order: "applied_at_utc",
        lock: Some(LockTable {
            table: "yoyo_lock",
            columns: &["locked", "ctime", "pid"],
            locked: "locked",
            locked_by: "CONCAT('pid ', pid)",
            granted: "ctime",
            // yoyo writes ctime in UTC, whatever the client's zone.
            age_postgres: "CAST(EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - ctime)) AS float8)",
            age_mysql: "TIMESTAMPDIFF(SECOND, ctime, UTC_TIMESTAMP())",
            holder_host: false,
        }),
        ..DB_MIGRATE
    },
];

/// db-migrate's history: a name and a time, nothing ever recorded as broken, no checksum.
/// node-pg-migrate, sequelize-cli and yoyo keep the same kind and are written as changes to it.
const DB_MIGRATE: Descriptor = Descriptor {
    framework: Framework::DbMigrate,
    name: "db-migrate",
    table: "migrations",
    columns: &["id", "name", "run_on"],
    lock: None,
    revision: "name",
    description: "NULL",
    applied_at: "run_on",
    kind: "NULL",
    order: "id",
    applied: "1 = 1",
    broken: NEVER,
    detail: "NULL",
    what_broken_means: "",
    checksum: "NULL",
    checksum_bytes: false,
};

pub fn descriptor(f: Framework) -> &'static Descriptor {
    FRAMEWORKS
        .iter()
        .find(|d| d.framework == f)
        .expect("every framework is described")
}

pub fn by_name(name: &str) -> Option<Framework> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    let wanted = match wanted.as_str() {
        "migrate" | "golang" => "golang-migrate",
        "activerecord" | "active-record" => "rails",
        "sqlx-cli" => "sqlx",
        "sequelize-cli" | "sequelizemeta" => "sequelize",
        "yoyo-migrations" => "yoyo",
        "dbmigrate" => "db-migrate",
        w => w,
    };
    FRAMEWORKS.iter().find(|d| d.name == wanted).map(|d| d.framework)
}

pub fn names() -> String {
    FRAMEWORKS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
}
