//! Directory formats where one file is one migration and its name says the version: sqlx,
//! goose, dbmate, Rails, Ecto, Knex, TypeORM and Atlas. Each rule is the tool's own (read from
//! its source, cited per function); the comparison itself is `versioned.rs`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::versioned::{self, File, Rules, Version};
use super::{Applied, Comparison, checksum, file_name, files};

/// `--dir` may be the project root: the tool's default directory below it is used when there.
pub(super) fn locate(dir: &Path, defaults: &[&str]) -> PathBuf {
    defaults
        .iter()
        .map(|d| dir.join(d))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| dir.to_path_buf())
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

pub(super) fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the files of `dir` through `parse` and compares them with the rows.
pub(super) fn read(
    dir: &Path,
    recursive: bool,
    what: &str,
    parse: impl Fn(&str) -> Option<(Version, String)>,
    checksummed: bool,
    applied: &Applied,
    rules: &Rules,
) -> Result<Comparison> {
    let mut code = Vec::new();
    for path in files(dir, recursive)? {
        if let Some((version, revision)) = parse(&file_name(&path)) {
            code.push(File {
                version,
                revision,
                file: relative(dir, &path),
                checksummed: checksummed.then(|| path.clone()),
            });
        }
    }
    if code.is_empty() {
        bail!("--dir {}: no {what}", dir.display());
    }
    versioned::compare(code, applied, rules, Vec::new())
}

/// sqlx (`sqlx-core/src/migrate/source.rs`): `<VERSION>_<DESCRIPTION>.sql`, the version an
/// `i64`; `.down.sql` files undo and are not migrations of their own. Returns the version.
pub fn sqlx_file(name: &str) -> Option<i64> {
    let (version, rest) = name.split_once('_')?;
    if !rest.ends_with(".sql") || rest.ends_with(".down.sql") {
        return None;
    }
    version.parse().ok()
}

pub fn sqlx(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["migrations"]);
    let rules = Rules {
        version: Version::number,
        checksum: Some(|bytes, recorded| {
            let computed = checksum::sqlx_sha384(bytes);
            let same = computed.eq_ignore_ascii_case(recorded.trim());
            (computed, same)
        }),
    };
    let parse = |n: &str| sqlx_file(n).map(|v| (Version::Number(v.into()), v.to_string()));
    read(
        &dir,
        false,
        "sqlx migrations (<version>_<description>.sql)",
        parse,
        true,
        applied,
        &rules,
    )
}

/// goose (`migration.go`, NumericComponent): `<version>_<name>.sql` or `.go`, the version an
/// `int64` of at least 1; Go test files are not migrations.
pub fn goose_file(name: &str) -> Option<i64> {
    if !(name.ends_with(".sql") || name.ends_with(".go")) || name.ends_with("_test.go") {
        return None;
    }
    let (version, _) = name.split_once('_')?;
    version.parse().ok().filter(|v| *v >= 1)
}

pub fn goose(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let rules = Rules {
        version: |r| Version::number(r).filter(|v| *v != Version::Number(0)),
        checksum: None,
    };
    let parse = |n: &str| goose_file(n).map(|v| (Version::Number(v.into()), v.to_string()));
    read(
        dir,
        false,
        "goose migrations (<version>_<name>.sql or .go)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// dbmate (`pkg/dbmate/db.go`, `^(\d+).*\.sql$`): the leading digits are the version, stored
/// and compared as the string they are; default directory `db/migrations`.
pub fn dbmate_file(name: &str) -> Option<String> {
    let end = name.find(|c: char| !c.is_ascii_digit())?;
    (end > 0 && name.ends_with(".sql")).then(|| name[..end].to_string())
}

pub fn dbmate(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["db/migrations"]);
    let rules = Rules {
        version: |r| Some(Version::text(r)),
        checksum: None,
    };
    let parse = |n: &str| dbmate_file(n).map(|v| (Version::Text(v.clone()), v));
    read(
        &dir,
        false,
        "dbmate migrations (<digits>*.sql)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// Rails (`MigrationFilenameRegexp`, `\A([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb\z`): the
/// version is the number (`to_i`); default directory `db/migrate`.
pub fn rails_file(name: &str) -> Option<i128> {
    let (version, rest) = name.strip_suffix(".rb")?.split_once('_')?;
    let word = |s: &str| {
        s.bytes()
            .all(|b| b == b'_' || b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let ok = match rest.split_once('.') {
        Some((name, scope)) => word(name) && word(scope),
        None => word(rest),
    };
    (digits(version) && ok).then(|| version.parse().ok())?
}

pub fn rails(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["db/migrate"]);
    let rules = Rules {
        version: Version::number,
        checksum: None,
    };
    let parse = |n: &str| rails_file(n).map(|v| (Version::Number(v), v.to_string()));
    read(
        &dir,
        false,
        "Rails migrations (<version>_<name>.rb)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// Ecto (`Ecto.Migrator`, extract_migration_info): `**/*.exs` whose name is an integer, `_`,
/// and a name; default directory `priv/repo/migrations`.
pub fn ecto_file(name: &str) -> Option<i128> {
    let (version, _) = name.strip_suffix(".exs")?.split_once('_')?;
    digits(version).then(|| version.parse().ok())?
}

pub fn ecto(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["priv/repo/migrations"]);
    let rules = Rules {
        version: Version::number,
        checksum: None,
    };
    let parse = |n: &str| ecto_file(n).map(|v| (Version::Number(v), v.to_string()));
    read(
        &dir,
        true,
        "Ecto migrations (<version>_<name>.exs)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// Knex (`lib/migrations/migrate/migration-list-resolver.js`, DEFAULT_LOAD_EXTENSIONS): every
/// file whose extension is one of the default `loadExtensions` (`.cjs` and `.mjs` from newer
/// releases included), recorded under its full file name and run in name order.
pub fn knex_file(name: &str) -> Option<String> {
    const EXTENSIONS: [&str; 10] = [
        ".co",
        ".coffee",
        ".eg",
        ".iced",
        ".js",
        ".cjs",
        ".mjs",
        ".litcoffee",
        ".ls",
        ".ts",
    ];
    EXTENSIONS
        .iter()
        .any(|e| name.ends_with(e) && name.len() > e.len())
        .then(|| name.to_string())
}

pub fn knex(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["migrations"]);
    let rules = Rules {
        version: |r| Some(Version::text(r)),
        checksum: None,
    };
    let parse = |n: &str| knex_file(n).map(|v| (Version::Text(v.clone()), v));
    read(
        &dir,
        false,
        "Knex migrations (*.js, *.ts...)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// TypeORM (`migration:create`): `<timestamp>-<Name>.ts|js` holds class `<Name><timestamp>`,
/// which is what `migrations.name` records; TypeORM reads the timestamp back from the class
/// name's trailing digits, so both sides compare on that number.
pub fn typeorm_file(name: &str) -> Option<(i128, String)> {
    let stem = name.strip_suffix(".ts").or_else(|| name.strip_suffix(".js"))?;
    if stem.ends_with(".d") {
        return None;
    }
    let (timestamp, class) = stem.split_once('-')?;
    (digits(timestamp) && !class.is_empty()).then(|| Some((timestamp.parse().ok()?, format!("{class}{timestamp}"))))?
}

/// A TypeORM migration class name's timestamp: its last 13 characters, as TypeORM's
/// `MigrationExecutor` reads it (`substr(-13)`). TypeORM itself matches files and rows by the
/// whole class name; the timestamp is what both sides share when a class was renamed.
fn typeorm_row(name: &str) -> Option<Version> {
    let tail = name.get(name.len().checked_sub(13)?..)?;
    digits(tail).then(|| Version::number(tail))?
}

pub fn typeorm(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let rules = Rules {
        version: typeorm_row,
        checksum: None,
    };
    let parse = |n: &str| typeorm_file(n).map(|(v, class)| (Version::Number(v), class));
    read(
        dir,
        true,
        "TypeORM migrations (<timestamp>-<Name>.ts)",
        parse,
        false,
        applied,
        &rules,
    )
}

/// Atlas (`migrate.LocalFile.Version`): `*.sql` beside an `atlas.sum`; the version is the name
/// up to the first `_`, compared as text (Atlas orders files by name). The per-file hashes in
/// `atlas.sum` are cumulative over the directory and checked by `atlas migrate validate`
/// itself, so no checksum is compared here.
pub fn atlas_file(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".sql")?;
    let version = stem.split('_').next()?;
    (!version.is_empty()).then(|| version.to_string())
}

pub fn atlas(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["migrations"]);
    if !dir.join("atlas.sum").is_file() {
        bail!(
            "--dir {}: no atlas.sum, so not an Atlas migration directory",
            dir.display()
        );
    }
    let rules = Rules {
        version: |r| Some(Version::text(r)),
        checksum: None,
    };
    let parse = |n: &str| atlas_file(n).map(|v| (Version::Text(v.clone()), v));
    read(
        &dir,
        false,
        "Atlas migrations (<version>_<name>.sql)",
        parse,
        false,
        applied,
        &rules,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlx_names() {
        assert_eq!(sqlx_file("20240101120000_create_users.sql"), Some(20240101120000));
        assert_eq!(sqlx_file("2_users.up.sql"), Some(2));
        assert_eq!(sqlx_file("2_users.down.sql"), None);
        assert_eq!(sqlx_file("notes_x.sql"), None);
        assert_eq!(sqlx_file("3_x.txt"), None);
    }

    #[test]
    fn goose_names() {
        assert_eq!(goose_file("00001_init.sql"), Some(1));
        assert_eq!(goose_file("20240101_seed.go"), Some(20240101));
        assert_eq!(goose_file("20240101_seed_test.go"), None);
        assert_eq!(goose_file("00000_zero.sql"), None);
        assert_eq!(goose_file("1_x.md"), None);
    }

    #[test]
    fn dbmate_rails_ecto_names() {
        assert_eq!(
            dbmate_file("20240101000000_users.sql").as_deref(),
            Some("20240101000000")
        );
        assert_eq!(dbmate_file("007.sql").as_deref(), Some("007"));
        assert_eq!(dbmate_file("users.sql"), None);
        assert_eq!(rails_file("20240101000000_create_users.rb"), Some(20240101000000));
        assert_eq!(
            rails_file("20240101000000_create_users.active_storage.rb"),
            Some(20240101000000)
        );
        assert_eq!(rails_file("20240101000000_CreateUsers.rb"), None);
        assert_eq!(ecto_file("20240101000000_create_users.exs"), Some(20240101000000));
        assert_eq!(ecto_file("seeds.exs"), None);
    }

    #[test]
    fn knex_typeorm_atlas_names() {
        assert_eq!(knex_file("20240101_users.js").as_deref(), Some("20240101_users.js"));
        assert_eq!(knex_file("README.md"), None);
        assert_eq!(
            typeorm_file("1700000000000-AddUsers.ts"),
            Some((1700000000000, "AddUsers1700000000000".into()))
        );
        assert_eq!(typeorm_file("1700000000000-AddUsers.d.ts"), None);
        assert_eq!(
            typeorm_row("AddUsers1700000000000"),
            Some(Version::Number(1700000000000))
        );
        assert_eq!(atlas_file("20240101000000_init.sql").as_deref(), Some("20240101000000"));
        assert_eq!(atlas_file("atlas.sum"), None);
    }
}
