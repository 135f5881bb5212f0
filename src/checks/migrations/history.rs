//! One history table as its queries returned it: the rows, the summary, the lock row, and the
//! revision(s) the table says the schema is at. Handing the rows to a directory parser is here
//! too; what either means for the status is decided in `verdict.rs`.

use std::path::Path;

use anyhow::{Result, anyhow};

use super::detect::Found;
use super::dirs::{self, Applied, Comparison, Row};
use super::frameworks::{Framework, descriptor};
use crate::checks::Results;
use crate::engine::Rows;

/// One history row as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Entry {
    pub(super) revision: String,
    pub(super) description: Option<String>,
    pub(super) applied_at: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) applied: bool,
    pub(super) broken: bool,
    /// The checksum the tool recorded, as text (see `frameworks.rs`).
    pub(super) checksum: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Lock {
    pub(super) locked: bool,
    pub(super) locked_by: Option<String>,
    pub(super) granted: Option<String>,
    pub(super) age_seconds: Option<f64>,
    /// The sessions connected now, when the holder names a host (Liquibase).
    pub(super) sessions: Option<Vec<Session>>,
}

/// One client session, for matching a lock's holder.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Session {
    pub(super) addr: Option<String>,
    pub(super) hostname: Option<String>,
    pub(super) working: bool,
    /// This role sees every session's address.
    pub(super) sees_all: bool,
}

/// One history table and what its queries returned.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(super) found: Found,
    pub(super) applied: i64,
    pub(super) broken: i64,
    pub(super) broken_revision: Option<String>,
    pub(super) broken_detail: Option<String>,
    pub(super) broken_at: Option<String>,
    /// Newest first.
    pub(super) entries: Vec<Entry>,
    pub(super) lock: Option<Lock>,
    /// Its queries failed: the server's words.
    pub(super) error: Option<String>,
}

pub(super) fn read_table(found: Found, results: &Results, at: usize, window: usize) -> Table {
    let mut t = Table {
        found,
        applied: 0,
        broken: 0,
        broken_revision: None,
        broken_detail: None,
        broken_at: None,
        entries: Vec::new(),
        lock: None,
        error: None,
    };
    let has_lock = t.found.lock.is_some();
    let read = |t: &mut Table| -> Result<()> {
        let summary = results.rows(at)?;
        let s = summary.first().ok_or_else(|| anyhow!("no summary row"))?;
        t.applied = s.int(0)?;
        t.broken = s.int(1)?;
        t.broken_revision = s.opt_text(2)?;
        t.broken_detail = s.opt_text(3)?;
        t.broken_at = s.opt_text(4)?;
        t.entries = entries(results.rows(at + 1)?)?;
        if t.found.framework == Framework::Goose {
            replay_goose(&mut t.entries);
            // The summary counts rows; with the whole history read, count migrations instead.
            if t.entries.len() < window {
                t.applied = t.entries.iter().filter(|e| e.applied).count() as i64;
            }
        }
        if has_lock {
            t.lock = results
                .rows(at + 2)?
                .first()
                .map(|r| -> Result<Lock> {
                    Ok(Lock {
                        locked: r.int(0)? != 0,
                        locked_by: r.opt_text(1)?,
                        granted: r.opt_text(2)?,
                        age_seconds: r.opt_float(3)?,
                        sessions: None,
                    })
                })
                .transpose()?;
            if let Some(lock) = t.lock.as_mut()
                && super::queries::count(&t.found) == 4
            {
                lock.sessions = Some(sessions(results.rows(at + 3)?)?);
            }
        }
        Ok(())
    };
    if let Err(e) = read(&mut t) {
        t.error = Some(format!("{e:#}"));
    }
    t
}

fn entries(rows: &Rows) -> Result<Vec<Entry>> {
    rows.iter()
        .map(|r| {
            Ok(Entry {
                revision: r.text(0)?,
                description: r.opt_text(1)?,
                applied_at: r.opt_text(2)?,
                kind: r.opt_text(3)?,
                applied: r.int(4)? != 0,
                broken: r.int(5)? != 0,
                checksum: r.opt_text(6)?,
            })
        })
        .collect()
}

fn sessions(rows: &Rows) -> Result<Vec<Session>> {
    rows.iter()
        .map(|r| {
            Ok(Session {
                addr: r.opt_text(0)?,
                hostname: r.opt_text(1)?,
                working: r.int(2)? != 0,
                sees_all: r.int(3)? != 0,
            })
        })
        .collect()
}

/// goose keeps every up and down as a row: the newest row of a version decides whether it is
/// applied (goose's `EnsureDBVersion` walks the rows by `id` descending and skips a version
/// once its newest row says rolled back). Rows come newest first; older rows of a version
/// already seen are history, not applied migrations.
fn replay_goose(entries: &mut [Entry]) {
    let mut seen = std::collections::HashSet::new();
    for e in entries.iter_mut() {
        if !seen.insert(e.revision.clone()) {
            e.applied = false;
        }
    }
}

impl Table {
    /// The revision(s) the table says the schema is at: Alembic's rows (several on branches),
    /// Flyway's highest applied version, golang-migrate's one row (dirty or not), else the newest
    /// applied entry.
    pub(super) fn current(&self) -> Vec<String> {
        let applied = self.entries.iter().filter(|e| e.applied);
        match self.found.framework {
            Framework::Alembic => {
                let mut all: Vec<String> = applied.map(|e| e.revision.clone()).collect();
                all.sort();
                all
            }
            Framework::Flyway => dirs::flyway_current(applied.map(|e| e.revision.as_str()))
                .map(|r| vec![r.to_string()])
                .unwrap_or_default(),
            Framework::GolangMigrate => self.entries.iter().take(1).map(|e| e.revision.clone()).collect(),
            _ => applied.take(1).map(|e| e.revision.clone()).collect(),
        }
    }

    pub(super) fn name(&self) -> &'static str {
        descriptor(self.found.framework).name
    }
}

pub(super) fn read_dir(t: &Table, dir: &Path, window: usize) -> Result<Comparison> {
    let f = t.found.framework;
    let rows = t
        .entries
        .iter()
        // A broken row (sqlx's or Flyway's success = false, recorded on MySQL where the failed
        // DDL cannot be rolled back) is the dirty migration, counted once: not also pending.
        .filter(|e| e.applied || e.broken || f == Framework::GolangMigrate)
        .map(|e| Row {
            revision: e.revision.as_str(),
            kind: e.kind.as_deref(),
            // A failed file is expected to be fixed before the retry: no checksum to hold it to.
            checksum: e.checksum.as_deref().filter(|_| !e.broken),
        })
        .collect();
    let applied = Applied {
        rows,
        complete: t.entries.len() < window,
    };
    dirs::compare(f, dir, &applied)
}
