//! Migration directories as the deploy ships them, parsed (never executed) and compared with
//! what the database recorded. One file per directory format; here the shared shapes (what is
//! pending, what the database has, the comparison), the file walk, and the dispatch. What the
//! verdict makes of the comparison is decided in `behind.rs` and `verdict.rs`.

mod alembic;
mod checksum;
mod django;
mod flyway;
mod folders;
mod golang_migrate;
mod liquibase;
mod liquibase_sql;
mod liquibase_xml;
mod names;
mod node_py;
pub mod objects;
mod versioned;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::frameworks::Framework;
pub use flyway::{FlywayVersion, flyway_current};

/// One migration the code has and the database has not applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub revision: String,
    pub file: String,
    /// Older than what the database has: Flyway applies it only with `outOfOrder`.
    pub out_of_order: bool,
}

/// One applied history row: its revision, the tool's row type (Flyway's BASELINE...) and the
/// checksum the tool recorded, as text (Flyway's signed CRC32, sqlx's and Prisma's hex).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'a> {
    pub revision: &'a str,
    pub kind: Option<&'a str>,
    pub checksum: Option<&'a str>,
}

/// The database's applied revisions, newest first.
pub struct Applied<'a> {
    pub rows: Vec<Row<'a>>,
    /// The rows are the whole history, not only its newest part.
    pub complete: bool,
}

/// The code against the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Migrations in the directory.
    pub known: usize,
    /// Where the code ends: Alembic's heads, else the highest version.
    pub heads: Vec<String>,
    pub pending: Vec<Pending>,
    /// Revisions the database is at that no file in the directory defines.
    pub unknown: Vec<String>,
    /// Applied migrations whose file no longer has the checksum recorded when it ran.
    pub changed: Vec<Changed>,
    /// Django apps with more than one leaf migration: `app: leaf, leaf`.
    pub conflicts: Vec<String>,
    pub notes: Vec<String>,
    /// The condition a changed file raises when it is not `checksum_mismatch` (Liquibase's,
    /// which has its own runbook: `liquibase validate` and `clear-checksums`).
    pub changed_condition: Option<&'static str>,
}

/// A file changed after it was applied: the tool refuses to go on (Flyway validate, sqlx
/// migrate) until the file is restored or the history repaired.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub revision: String,
    pub file: String,
    /// The checksum in the history table and the file's, as the tool writes them.
    pub recorded: String,
    pub computed: String,
}

pub fn compare(f: Framework, dir: &Path, applied: &Applied) -> Result<Comparison> {
    if !dir.is_dir() {
        bail!("--dir {}: not a directory", dir.display());
    }
    match f {
        Framework::Alembic => alembic::compare(dir, applied),
        Framework::Flyway => flyway::compare(dir, applied),
        Framework::GolangMigrate => golang_migrate::compare(dir, applied),
        Framework::Sqlx => names::sqlx(dir, applied),
        Framework::Goose => names::goose(dir, applied),
        Framework::Dbmate => names::dbmate(dir, applied),
        Framework::Rails => names::rails(dir, applied),
        Framework::Ecto => names::ecto(dir, applied),
        Framework::Knex => names::knex(dir, applied),
        Framework::TypeOrm => names::typeorm(dir, applied),
        Framework::Atlas => names::atlas(dir, applied),
        Framework::Diesel => folders::diesel(dir, applied),
        Framework::Prisma => folders::prisma(dir, applied),
        Framework::Django => django::compare(dir, applied),
        Framework::DbMigrate => node_py::db_migrate(dir, applied),
        Framework::NodePgMigrate => node_py::node_pg_migrate(dir, applied),
        Framework::Sequelize => node_py::sequelize(dir, applied),
        Framework::Yoyo => node_py::yoyo(dir, applied),
        Framework::Liquibase => liquibase::compare(dir, applied),
    }
}

/// Whether two revision strings name the same migration: Flyway's `1.10.0` is `1.10`,
/// golang-migrate's `007` is `7`; other tools compare as written.
pub fn same_revision(f: Framework, a: &str, b: &str) -> bool {
    match f {
        Framework::Flyway => match (FlywayVersion::parse(a), FlywayVersion::parse(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        Framework::GolangMigrate
        | Framework::Goose
        | Framework::Ecto
        | Framework::Sqlx
        | Framework::Rails
        | Framework::TypeOrm => match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        },
        // db-migrate records `<scope>/<name>`; the deploy names the file.
        Framework::DbMigrate => a.rsplit('/').next() == b.rsplit('/').next(),
        // The database's `file::id::author` against what the deploy names: the changeset id
        // (how people name it), `id::author`, or the full form.
        Framework::Liquibase => {
            let mut parts = a.rsplitn(3, "::");
            let (author, id) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let b = b.trim();
            b == a || b == id || b == format!("{id}::{author}")
        }
        _ => a == b,
    }
}

/// Entries a directory walk looks at before it gives up: `--dir /` must fail, not hang.
const MAX_ENTRIES: usize = 200_000;

/// The files of `dir` (and below it when `recursive`), sorted. Symbolic links to directories
/// are not followed, so a link loop cannot make the walk endless.
pub(super) fn files(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut seen = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))?;
        for e in entries {
            let e = e?;
            seen += 1;
            if seen > MAX_ENTRIES {
                bail!(
                    "--dir {}: more than {MAX_ENTRIES} entries below it; point --dir at the migrations directory",
                    dir.display()
                );
            }
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if recursive {
                    todo.push(path);
                }
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

pub(super) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
