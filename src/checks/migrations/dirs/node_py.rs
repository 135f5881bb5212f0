//! Migration directories of three Node tools and one Python tool, each read as its own source
//! reads it (file names only, never run):
//! - db-migrate (`lib/walker.js` writeMigrationRecord: `matching + '/' + migration.name`, so a
//!   row is `/<file name without extension>`; `lib/migration.js` loads `*.js`/`*.ts`/`*.coffee`
//!   from `migrations/`, the `sqls/` folder beside them being the SQL the `.js` files load);
//! - node-pg-migrate (`src/migration.ts`, `src/runner.ts`: every file of the directory with a
//!   migration extension, recorded under its name without the extension, run in name order);
//! - sequelize-cli (umzug's `SequelizeStorage`: `SequelizeMeta.name` is the full file name,
//!   `migrations/*.js|cjs|mjs|ts`, run in name order);
//! - yoyo (`yoyo/migrations.py` read_migrations: `*.py` and `*.sql` but not `*.rollback.sql`
//!   nor `post-apply*`, the id the name without its extension, run in name order unless
//!   `__depends__` says otherwise, which is not read here).

use std::path::Path;

use anyhow::Result;

use super::names::{locate, read};
use super::versioned::{Rules, Version};
use super::{Applied, Comparison};

fn without_extension<'a>(name: &'a str, extensions: &[&str]) -> Option<&'a str> {
    extensions
        .iter()
        .find_map(|e| name.strip_suffix(e))
        .filter(|stem| !stem.is_empty() && !stem.starts_with('.'))
}

/// The text after the last `/`: db-migrate prefixes the scope (`matching`) and a slash.
fn last_segment(r: &str) -> Option<Version> {
    Some(Version::text(r.rsplit('/').next().unwrap_or(r)))
}

fn as_written(r: &str) -> Option<Version> {
    Some(Version::text(r))
}

/// The directory's `migrations/` (or PATH itself), one migration per file `parse` accepts,
/// compared by name.
fn by_name(
    dir: &Path,
    what: &str,
    version: fn(&str) -> Option<Version>,
    parse: impl Fn(&str) -> Option<(Version, String)>,
    applied: &Applied,
) -> Result<Comparison> {
    let dir = locate(dir, &["migrations"]);
    let rules = Rules {
        version,
        checksum: None,
    };
    read(&dir, false, what, parse, false, applied, &rules)
}

pub fn db_migrate(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let parse = |n: &str| without_extension(n, &[".js", ".ts", ".coffee"]).map(|s| (Version::text(s), format!("/{s}")));
    by_name(dir, "db-migrate migrations (*.js)", last_segment, parse, applied)
}

pub fn node_pg_migrate(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let parse = |n: &str| {
        without_extension(n, &[".js", ".cjs", ".mjs", ".ts", ".sql"]).map(|s| (Version::text(s), s.to_string()))
    };
    let what = "node-pg-migrate migrations (<timestamp>_<name>.js|ts|sql)";
    by_name(dir, what, as_written, parse, applied)
}

pub fn sequelize(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let parse =
        |n: &str| without_extension(n, &[".js", ".cjs", ".mjs", ".ts"]).map(|_| (Version::text(n), n.to_string()));
    let what = "sequelize-cli migrations (<timestamp>-<name>.js)";
    by_name(dir, what, as_written, parse, applied)
}

pub fn yoyo(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let parse = |n: &str| {
        if n.ends_with(".rollback.sql") || n.starts_with("post-apply") {
            return None;
        }
        without_extension(n, &[".py", ".sql"]).map(|s| (Version::text(s), s.to_string()))
    };
    by_name(dir, "yoyo migrations (*.py, *.sql)", as_written, parse, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_scopes() {
        assert_eq!(without_extension("20240101-a.js", &[".js"]), Some("20240101-a"));
        assert_eq!(without_extension(".js", &[".js"]), None);
        assert_eq!(last_segment("/20240101-a"), Some(Version::text("20240101-a")));
        assert_eq!(last_segment("scope/20240101-a"), Some(Version::text("20240101-a")));
    }
}
