//! Dump directories (`--dir PATH`, `--dir 'PATH/*.dump.gz'`): every backup file under them,
//! recognised by content (see `crate::dumpfile`), grouped into one series per database by its name
//! with the dates taken out, newest first. Only each series' newest backup is read to its end;
//! the older ones give the sizes the newest is compared with.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Result, anyhow};

use crate::dumpfile::{self, Budget, Completeness, Sniffed};

/// How deep under `--dir` backups are looked for (`/backups/<db>/<date>/...`).
const MAX_DEPTH: usize = 3;
/// An incomplete newest file modified this recently is taken for a dump still being written,
/// and the one before it is judged instead (when there is one).
pub const IN_PROGRESS: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct Backup {
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
    pub sniffed: Sniffed,
}

/// One database's backups, newest first, and whether the newest is complete.
#[derive(Debug, Clone)]
pub struct Series {
    pub key: String,
    pub backups: Vec<Backup>,
    pub newest: Completeness,
    /// An incomplete file younger than [`IN_PROGRESS`], left out of `backups`.
    pub writing: Option<Backup>,
}

/// What one `--dir` held.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub dir: String,
    pub series: Vec<Series>,
    /// Files that are not backups this tool knows (checksums, logs...).
    pub ignored: usize,
}

/// `PATH` or `PATH/GLOB` (a `*`, `?` or `[` in the last part): the directory and the pattern.
pub fn split(arg: &str) -> (PathBuf, Option<String>) {
    let path = Path::new(arg);
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if name.to_string_lossy().contains(['*', '?', '[']) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            (parent.to_path_buf(), Some(name.to_string_lossy().into_owned()))
        }
        _ => (path.to_path_buf(), None),
    }
}

pub fn scan(arg: &str, deadline: Instant) -> Result<Scanned> {
    let (dir, pattern) = split(arg);
    if !dir.is_dir() {
        return Err(anyhow!(
            "--dir {}: {}",
            dir.display(),
            if dir.exists() {
                "not a directory"
            } else {
                "no such directory (is the backup volume mounted?)"
            }
        ));
    }
    let mut found = Vec::new();
    let mut ignored = 0;
    walk(&dir, &dir, pattern.as_deref(), 0, &mut found, &mut ignored, deadline)?;
    let mut series: Vec<Series> = Vec::new();
    for backup in found {
        let key = series_key(&dir, &backup.path);
        match series.iter_mut().find(|s| s.key == key) {
            Some(s) => s.backups.push(backup),
            None => series.push(Series {
                key,
                backups: vec![backup],
                newest: Completeness::Complete,
                writing: None,
            }),
        }
    }
    let budget = Budget { deadline };
    for s in &mut series {
        s.backups
            .sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.path.cmp(&a.path)));
        let newest = &s.backups[0];
        s.newest = dumpfile::verify(&newest.path, &newest.sniffed, &budget);
        let recent = SystemTime::now().duration_since(newest.modified).unwrap_or_default() < IN_PROGRESS;
        if matches!(s.newest, Completeness::Incomplete(_)) && recent && s.backups.len() > 1 {
            s.writing = Some(s.backups.remove(0));
            let newest = &s.backups[0];
            s.newest = dumpfile::verify(&newest.path, &newest.sniffed, &budget);
        }
    }
    series.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Scanned {
        dir: arg.to_string(),
        series,
        ignored,
    })
}

fn walk(
    root: &Path,
    dir: &Path,
    pattern: Option<&str>,
    depth: usize,
    found: &mut Vec<Backup>,
    ignored: &mut usize,
    deadline: Instant,
) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| anyhow!("--dir {}: cannot list {}: {e}", root.display(), dir.display()))?;
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if Instant::now() >= deadline {
            return Err(anyhow!(
                "--dir {}: the --timeout ran out while listing backups (raise --timeout)",
                root.display()
            ));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        let wanted = pattern.is_none_or(|p| glob(p, &name));
        if meta.is_dir() {
            let toc = path.join("toc.dat");
            if let Ok(toc_meta) = std::fs::metadata(&toc) {
                if wanted && let Some(sniffed) = dumpfile::sniff(&path).ok().flatten() {
                    found.push(Backup {
                        size: dumpfile::size_on_disk(&path),
                        modified: toc_meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                        path,
                        sniffed,
                    });
                }
            } else if depth + 1 < MAX_DEPTH {
                walk(root, &path, pattern, depth + 1, found, ignored, deadline)?;
            }
            continue;
        }
        if !meta.is_file() || !wanted {
            continue;
        }
        match dumpfile::sniff(&path) {
            Ok(Some(sniffed)) => found.push(Backup {
                size: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                path,
                sniffed,
            }),
            Ok(None) => *ignored += 1,
            Err(e) => return Err(anyhow!("--dir {}: cannot read {}: {e}", root.display(), path.display())),
        }
    }
    Ok(())
}

/// Which database a backup belongs to: its path under `--dir` with the extensions and every
/// date-like part (`2026-11-24`, `20261124T0100Z`, `0100`) taken out; a name that is nothing but
/// a date takes its directory's name (`app/2026-11-24.dump` is `app`).
pub fn series_key(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parent = relative
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or("");
    let kept: Vec<&str> = stem
        .split(['-', '_', ':', '+', ' '])
        .filter(|t| !t.is_empty() && !date_like(t))
        .collect();
    let base = kept.join("_");
    match (parent.is_empty(), base.is_empty()) {
        (true, true) => "(unnamed)".into(),
        (true, false) => base,
        (false, true) => parent,
        (false, false) => format!("{parent}/{base}"),
    }
}

/// Digits, possibly with one `T` between them or a `Z` at the end: a date or a time.
fn date_like(token: &str) -> bool {
    let t = token.strip_suffix(['Z', 'z']).unwrap_or(token);
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    digits > 0
        && t.chars().all(|c| c.is_ascii_digit() || c == 'T' || c == 't')
        && t.chars().filter(|c| !c.is_ascii_digit()).count() <= 1
}

/// Shell-style matching of one name: `*`, `?` and `[abc]` / `[a-z]`.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|i| i + 1) else {
                    return n.first() == Some(&'[') && go(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let set = &p[1..end];
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit && go(&p[end + 1..], &n[1..])
            }
            Some(&c) => n.first() == Some(&c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// The median of the sizes before the newest (at most `window` of them); `None` with none.
pub fn previous_median(series: &Series, window: usize) -> Option<u64> {
    let mut sizes: Vec<u64> = series.backups.iter().skip(1).take(window).map(|b| b.size).collect();
    if sizes.is_empty() {
        return None;
    }
    sizes.sort_unstable();
    let mid = sizes.len() / 2;
    Some(if sizes.len() % 2 == 1 {
        sizes[mid]
    } else {
        (sizes[mid - 1] + sizes[mid]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_out_of_series_names() {
        let root = Path::new("/b");
        assert_eq!(series_key(root, Path::new("/b/app_2026-11-24.dump")), "app");
        assert_eq!(series_key(root, Path::new("/b/app-20261124T0100Z.sql.gz")), "app");
        assert_eq!(series_key(root, Path::new("/b/db1_20261124.sql")), "db1");
        assert_eq!(series_key(root, Path::new("/b/shop/2026-11-24.dump")), "shop");
        assert_eq!(series_key(root, Path::new("/b/2026-11-24.dump")), "(unnamed)");
    }

    #[test]
    fn globs_match_names() {
        assert!(glob("*.dump.gz", "app_1.dump.gz"));
        assert!(!glob("*.dump.gz", "app_1.dump"));
        assert!(glob("app_[0-9]*", "app_2026"));
        assert!(glob("a?c", "abc"));
        assert_eq!(split("/b/*.gz"), (PathBuf::from("/b"), Some("*.gz".into())));
        assert_eq!(split("/b/daily"), (PathBuf::from("/b/daily"), None));
    }
}
