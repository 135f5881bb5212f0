//! golang-migrate's `<version>_<title>.up.<ext>`: one version in the database (its single
//! row), compared as a number with the highest up file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};

use super::{Applied, Comparison, Pending, file_name, files};

/// `0007_add_users.up.sql` → 7. Down files and anything else are not counted.
pub fn golang_migrate_file(name: &str) -> Option<u64> {
    let (version, rest) = name.split_once('_')?;
    let mut parts = rest.rsplitn(3, '.');
    let (_ext, direction) = (parts.next()?, parts.next()?);
    (direction == "up").then(|| version.parse().ok())?
}

pub fn compare(dir: &Path, applied: &Applied) -> Result<Comparison> {
    let mut code: BTreeMap<u64, String> = BTreeMap::new();
    let mut notes = Vec::new();
    for path in files(dir, false)? {
        let name = file_name(&path);
        if let Some(v) = golang_migrate_file(&name)
            && let Some(other) = code.insert(v, name.clone())
        {
            notes.push(format!("version {v} is defined twice: {other} and {name}"));
        }
    }
    if code.is_empty() {
        bail!(
            "--dir {}: no golang-migrate files (<version>_<name>.up.<ext>)",
            dir.display()
        );
    }
    let current = applied.rows.first().and_then(|r| r.revision.trim().parse::<u64>().ok());
    let pending = code
        .iter()
        .filter(|(v, _)| current.is_none_or(|c| **v > c))
        .map(|(v, f)| Pending {
            revision: v.to_string(),
            file: f.clone(),
            out_of_order: false,
        })
        .collect();
    let unknown = current
        .filter(|c| !code.contains_key(c))
        .map(|c| vec![c.to_string()])
        .unwrap_or_default();
    Ok(Comparison {
        known: code.len(),
        heads: code.keys().last().map(|v| vec![v.to_string()]).unwrap_or_default(),
        pending,
        unknown,
        notes,
        ..Comparison::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_migrate_names() {
        assert_eq!(golang_migrate_file("0007_add_users.up.sql"), Some(7));
        assert_eq!(golang_migrate_file("0007_add_users.down.sql"), None);
        assert_eq!(golang_migrate_file("README.md"), None);
    }
}
