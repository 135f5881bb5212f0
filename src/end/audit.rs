//! Where `dbrunbook end` writes: the audit log (one JSON line per session acted on) and the
//! evidence files, under `$XDG_STATE_HOME/dbrunbook/` (else `~/.local/state/dbrunbook/`).
//! Nothing written holds a password: every string of what is written passes the redaction
//! boundary (`redact::boundary_json`) here, on the way into the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

/// `$XDG_STATE_HOME/dbrunbook`, else `~/.local/state/dbrunbook`.
pub fn state_dir() -> Result<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = env("XDG_STATE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| h.join(".local/state")))
        .ok_or_else(|| anyhow!("neither XDG_STATE_HOME nor HOME is set: give --audit-log and --evidence-dir"))?;
    Ok(base.join("dbrunbook"))
}

/// Who ran it: the operating-system user as the environment names it, else the process's
/// user id (cron and service managers often set no USER).
pub fn who() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            let status = std::fs::read_to_string("/proc/self/status").ok()?;
            let uid = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))?
                .split_whitespace()
                .next()?
                .to_string();
            Some(format!("uid {uid}"))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Appends one line to the audit log, creating it (and its directory) private to the user.
pub fn append(log: &Path, line: &Value) -> Result<()> {
    let mut file = private(log, true)?;
    writeln!(file, "{}", crate::redact::boundary_json(line))
        .with_context(|| format!("writing the audit log {}", log.display()))
}

/// Writes the evidence file (a new file, private to the user).
pub fn write_evidence(path: &Path, evidence: &Value) -> Result<()> {
    let mut file = private(path, false)?;
    let text = serde_json::to_string_pretty(&crate::redact::boundary_json(evidence))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .with_context(|| format!("writing the evidence file {}", path.display()))
}

fn private(path: &Path, append: bool) -> Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    if append {
        options.append(true).create(true);
    } else {
        options.write(true).create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}
