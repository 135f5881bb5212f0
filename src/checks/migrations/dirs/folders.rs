//! Directory formats where one folder is one migration: Diesel (`<version>_<name>/up.sql`)
//! and Prisma (`<timestamp>_<name>/migration.sql`, with the SHA-256 Prisma recorded). The
//! comparison itself is `versioned.rs`.

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::names::locate;
use super::versioned::{self, File, Rules, Version};
use super::{Applied, Comparison, checksum, file_name};

/// The folders of `dir` that hold `script`, in name order, hidden ones left out.
fn folders(dir: &Path, script: &str) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        let name = file_name(&path);
        if path.is_dir() && !name.starts_with('.') && path.join(script).is_file() {
            out.push((name, path.join(script)));
        }
    }
    out.sort();
    Ok(out)
}

/// Diesel (`diesel_migrations`, version_from_string): the folder name up to the first `_`,
/// dashes removed (`2024-01-01-120000_users` is `20240101120000`); stored and ordered as text.
pub fn diesel_folder(name: &str) -> Option<String> {
    let version = name.split('_').next()?.replace('-', "");
    (!version.is_empty()).then_some(version)
}

pub fn diesel(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["migrations"]);
    let code: Vec<File> = folders(&dir, "up.sql")?
        .into_iter()
        .filter_map(|(name, _)| {
            let v = diesel_folder(&name)?;
            Some(File {
                version: Version::Text(v.clone()),
                revision: v,
                file: format!("{name}/up.sql"),
                checksummed: None,
            })
        })
        .collect();
    if code.is_empty() {
        bail!(
            "--dir {}: no Diesel migrations (<version>_<name>/up.sql)",
            dir.display()
        );
    }
    let rules = Rules {
        version: |r| Some(Version::text(r)),
        checksum: None,
    };
    versioned::compare(code, applied, &rules, Vec::new())
}

/// Prisma (`prisma migrate`): every folder with a `migration.sql`; its whole name is the
/// `migration_name`, and folders run in name order.
pub fn prisma(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let dir = locate(dir, &["prisma/migrations", "migrations"]);
    let code: Vec<File> = folders(&dir, "migration.sql")?
        .into_iter()
        .map(|(name, script)| File {
            version: Version::Text(name.clone()),
            revision: name.clone(),
            file: format!("{name}/migration.sql"),
            checksummed: Some(script),
        })
        .collect();
    if code.is_empty() {
        bail!(
            "--dir {}: no Prisma migrations (<timestamp>_<name>/migration.sql)",
            dir.display()
        );
    }
    let rules = Rules {
        version: |r| Some(Version::text(r)),
        checksum: Some(|bytes, recorded| {
            (
                checksum::prisma_sha256(bytes),
                checksum::prisma_matches(bytes, recorded),
            )
        }),
    };
    versioned::compare(code, applied, &rules, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_versions_drop_dashes() {
        assert_eq!(
            diesel_folder("2024-01-01-120000_create_users").as_deref(),
            Some("20240101120000")
        );
        assert_eq!(
            diesel_folder("00000000000000_diesel_initial_setup").as_deref(),
            Some("00000000000000")
        );
        assert_eq!(diesel_folder("2024-03-01").as_deref(), Some("20240301"));
    }
}
