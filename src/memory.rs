//! Counters remembered between runs against the same target, so that a check can turn a
//! counter (deadlocks since the server started) into a rate over the time since the last run.
//! `serve`, `--watch` and the fleet keep them in this process; every run, a cron run included,
//! also keeps them in a small state file per target under `$XDG_STATE_HOME/dbrunbook` (else
//! `~/.local/state/dbrunbook`), named by a hash of the target without its password and written
//! atomically. Checks only read a [`Memory`]; the pipeline loads and stores it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One counter's value and when it was read (seconds since the Unix epoch, this machine's clock).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub value: f64,
    pub at: f64,
}

/// The counters of the previous run against one target, by `check.metric`, and where they
/// were kept, in the user's words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memory {
    pub samples: BTreeMap<String, Sample>,
    pub kept_by: String,
}

impl Memory {
    pub fn get(&self, check: &str, metric: &str) -> Option<Sample> {
        self.samples.get(&format!("{check}.{metric}")).copied()
    }
}

/// What the state file holds: the target it is about (no password) and its counters.
#[derive(Serialize, Deserialize)]
struct StateFile {
    target: String,
    samples: BTreeMap<String, Sample>,
}

fn process_memory() -> &'static Mutex<HashMap<String, BTreeMap<String, Sample>>> {
    static KEPT: OnceLock<Mutex<HashMap<String, BTreeMap<String, Sample>>>> = OnceLock::new();
    KEPT.get_or_init(|| Mutex::new(HashMap::new()))
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The directory of the state files: `$XDG_STATE_HOME/dbrunbook`, else `~/.local/state/dbrunbook`.
fn state_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".local/state"),
    };
    Some(base.join("dbrunbook"))
}

/// One file per target: the hash keeps hosts and database names out of the file name.
fn state_file(target: &str) -> Option<PathBuf> {
    let hash = Sha256::digest(target.as_bytes());
    let name: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Some(state_dir()?.join(format!("counters-{name}.json")))
}

/// The previous run's counters for `target` (its URL without the password): this process's
/// own first, else the state file's.
pub fn load(target: &str) -> Memory {
    if let Some(samples) = process_memory().lock().ok().and_then(|m| m.get(target).cloned()) {
        return Memory {
            samples,
            kept_by: "an earlier run of this process".into(),
        };
    }
    let Some(path) = state_file(target) else {
        return Memory::default();
    };
    let parsed = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<StateFile>(&bytes).ok())
        .filter(|f| f.target == target);
    match parsed {
        Some(f) => Memory {
            samples: f.samples,
            kept_by: format!("the previous run, kept in {}", path.display()),
        },
        None => Memory::default(),
    }
}

/// Keeps this run's counters (`check.metric`, value) for the next run, now, beside the ones
/// kept before. A state file that
/// cannot be written is said in the log and otherwise ignored: the run's verdict stands.
pub fn store(target: &str, counters: Vec<(String, f64)>) {
    if counters.is_empty() {
        return;
    }
    let at = now();
    // Kept beside the counters of checks this run did not run (`locks` and `pool` from two
    // cron jobs against one target), not instead of them.
    let mut samples = load(target).samples;
    samples.extend(counters.into_iter().map(|(name, value)| (name, Sample { value, at })));
    keep_in_process(target, samples.clone());
    if let Err(e) = write(target, samples) {
        crate::log::info(&format!("counters not kept for the next run: {e}"));
    }
}

fn keep_in_process(target: &str, samples: BTreeMap<String, Sample>) {
    if let Ok(mut m) = process_memory().lock() {
        m.insert(target.to_string(), samples);
    }
}

/// Written to a temporary file in the same directory and renamed over the old one: a run
/// reading it meanwhile sees the old file or the new, never half of one.
fn write(target: &str, samples: BTreeMap<String, Sample>) -> std::io::Result<()> {
    let Some(path) = state_file(target) else {
        return Ok(());
    };
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir)?;
    let body = serde_json::to_vec(&StateFile {
        target: target.to_string(),
        samples,
    })
    .map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, body)?;
    std::fs::rename(&tmp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_named_by_a_hash_not_its_text() {
        let path = state_file("mysql://root@db.internal:3306/shop").unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("counters-") && name.ends_with(".json"), "{name}");
        assert!(!name.contains("db.internal"), "{name}");
    }

    #[test]
    fn this_process_remembers_what_it_stored() {
        let target = "postgres://memory-test@unit.invalid:1/x";
        let sample = Sample { value: 7.0, at: now() };
        keep_in_process(target, BTreeMap::from([("locks.deadlocks".to_string(), sample)]));
        let m = load(target);
        assert_eq!(m.get("locks", "deadlocks").map(|s| s.value), Some(7.0));
        assert_eq!(m.kept_by, "an earlier run of this process");
    }
}
