//! `dbrunbook restore-check`: restore a backup into a scratch database this run creates, count
//! what arrived, compare it with the source, report the measured restore time, and drop the
//! scratch copy. The one command that writes, and only into its own scratch database: see
//! `scratch` for the naming and marker rules, `guard` for what a text dump may do, `identity`
//! for telling the source's server apart, `command` and `tool` for running the engine's own
//! restore program, `verify` for judging the restore and its copy, `tables` for the counts and
//! the comparison, `backup` for what restore-check accepts of `crate::dumpfile`'s dumps.
//! Produces an ordinary report with one result named `restore-check`, so every output format
//! and exit code works as for the checks.

mod backup;
mod command;
mod fence;
pub mod guard;
mod identity;
mod lexer;
pub mod scratch;
pub mod tables;
pub mod tool;
mod verify;

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use tokio::time::timeout_at;

use crate::cli::RestoreArgs;
use crate::diagnose::Deadlines;
use crate::engine::Limits;
use crate::redact::driver_message;
use crate::report::{CheckResult, Finding, Metric, Report, Status, TargetInfo};
use crate::target::{Engine, Target};

use backup::Backup;
use identity::{identity, read_source};
use scratch::{Admin, Created};
use tables::Table;

/// `--timeout` for this command when none is typed: restores take minutes to hours.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);
/// Time given to dropping the scratch database after a failure or a timeout, past the deadline.
const CLEANUP_TIME: Duration = Duration::from_secs(60);
/// Source tables larger than this are compared by the planner's estimate, not counted: an
/// exact count reads the whole table on the production server.
pub const EXACT_COUNT_MAX_BYTES: i64 = 256 << 20;
/// The name of the one result.
const NAME: &str = "restore-check";

/// The deadline came while the scratch database was being created; the message says all.
#[derive(Debug)]
struct CreateTimedOut(String);

impl std::fmt::Display for CreateTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CreateTimedOut {}

/// Restores `args.backup` and compares it with the source at `source_url` (`--url`), within
/// `deadlines` (its timeout is this command's own, an hour unless typed).
pub fn run(source_url: Option<&str>, deadlines: Deadlines, args: &RestoreArgs) -> Report {
    let started = Instant::now();
    let mut run = Run {
        source_url,
        deadlines,
        args,
        deadline: started + deadlines.timeout,
        timeout: deadlines.timeout,
        scratch_target: None,
        scratch_version: None,
    };
    let result = run.go();
    let target = match &run.scratch_target {
        Some(t) => TargetInfo {
            engine: t.engine.to_string(),
            url: t.redacted_url(),
            server_version: run.scratch_version.clone(),
        },
        None => TargetInfo {
            engine: "unknown".into(),
            url: String::new(),
            server_version: None,
        },
    };
    Report::new(target, vec![result], started.elapsed().as_millis() as u64)
}

struct Run<'a> {
    /// `--url`: the source to compare with, if named.
    source_url: Option<&'a str>,
    /// `--timeout` (this command's) and `--connect-timeout`.
    deadlines: Deadlines,
    args: &'a RestoreArgs,
    deadline: Instant,
    timeout: Duration,
    scratch_target: Option<Target>,
    scratch_version: Option<String>,
}

/// What the source looked like, when `--url` named it.
struct Source {
    tables: Vec<Table>,
}

/// What `go` learnt before creating anything: the backup and both servers.
struct Inputs {
    backup: Backup,
    scratch: Target,
    source: Option<Target>,
}

impl Run<'_> {
    /// The steps, in order; every early return is an UNKNOWN saying why, before anything was
    /// created or (after `create_scratch`) with the scratch database dropped.
    fn go(&mut self) -> CheckResult {
        let inputs = match self.inputs() {
            Ok(i) => i,
            Err(why) => return unknown(why),
        };
        let runtime = match crate::diagnose::runtime() {
            Ok(rt) => rt,
            Err(why) => return unknown(why),
        };
        let (source, notes) = match self.look_first(&runtime, &inputs) {
            Ok(seen) => seen,
            Err(why) => return unknown(why),
        };
        let created = Created::fresh();
        // Before the database exists: a Ctrl-C from here on still ends in the cleanup.
        tool::catch_interrupts();
        if let Err(why) = self.create_scratch(&runtime, &inputs.scratch, &created) {
            return unknown(why);
        }
        crate::log::info(&format!("created the scratch database {}", created.name));
        let mut result = match self.read_fence(&runtime, &inputs.scratch) {
            Ok(fence) => {
                let restored = self.restore_and_verify(
                    &runtime,
                    &inputs.backup,
                    &inputs.scratch,
                    &created,
                    source.as_ref(),
                    &fence,
                );
                let (mut result, tool_errors) = restored;
                let after = self.read_fence(&runtime, &inputs.scratch);
                fence::judge(&mut result, &fence, after, &tool_errors);
                result
            }
            Err(why) => unknown(why),
        };
        result.notes.splice(0..0, notes);
        self.clean_up(&runtime, &inputs.scratch, &created, &mut result);
        result
    }

    /// The backup and the two targets, each checked to fit the other.
    fn inputs(&mut self) -> Result<Inputs, String> {
        let env = |k: &str| std::env::var(k).ok();
        let backup = backup::detect(&self.args.backup).map_err(|e| format!("{e:#}"))?;
        let scratch =
            Target::resolve(Some(&self.args.scratch_url), &env).map_err(|e| format!("--scratch-url: {e:#}"))?;
        self.scratch_target = Some(scratch.clone());
        fits(&backup, &scratch, "--scratch-url").map_err(|e| e.to_string())?;
        if scratch.hosts.len() != 1 {
            return Err(
                "--scratch-url names several hosts: give exactly one, so the restore tool cannot land on another"
                    .into(),
            );
        }
        let source = match self.source_url {
            None => None,
            Some(url) => {
                let t = Target::resolve(Some(url), &env).map_err(|e| format!("{e:#}"))?;
                fits(&backup, &t, "--url").map_err(|e| e.to_string())?;
                Some(t)
            }
        };
        Ok(Inputs {
            backup,
            scratch,
            source,
        })
    }

    /// Before anything is created: which servers these are, and what the source holds. A
    /// scratch server that is the source's is refused (same database) or noted.
    fn look_first(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        inputs: &Inputs,
    ) -> Result<(Option<Source>, Vec<String>), String> {
        let (scratch, source) = (&inputs.scratch, inputs.source.as_ref());
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let prepared = runtime.block_on(async {
            let scratch_id = identity(scratch, &self.limits(scratch))
                .await
                .map_err(|e| format!("the scratch server: {e}"))?;
            let mut source_seen = None;
            if let Some(src) = source {
                let (id, tables) = timeout_at(deadline, read_source(src, &self.limits(src)))
                    .await
                    .map_err(|_| "reading the source ran out of --timeout".to_string())?
                    .map_err(|e| format!("the source (--url): {e}"))?;
                source_seen = Some((id, tables));
            }
            Ok::<_, String>((scratch_id, source_seen))
        });
        let (scratch_id, source_seen) = prepared.map_err(|e| {
            let source_password = source.and_then(|s| s.password.as_deref());
            crate::redact::hide_password(&driver_message(&e, scratch.password.as_deref()), source_password)
        })?;
        self.scratch_version = Some(scratch_id.version.clone());
        let mut notes = Vec::new();
        let Some((source_id, tables)) = source_seen else {
            return Ok((None, notes));
        };
        if scratch_id.same_server(&source_id) {
            if scratch_id.database == source_id.database && !self.args.i_know_this_is_production {
                return Err(format!(
                    "refusing to restore: --scratch-url is the source's server ({}) and database ({}); point \
                     it at another server, or pass --i-know-this-is-production to restore onto the source's \
                     server anyway (into a new scratch database)",
                    scratch_id.describe(),
                    scratch_id.database.as_deref().unwrap_or("none")
                ));
            }
            notes.push(format!(
                "the scratch database is on the source's server ({}): the restore adds load there",
                scratch_id.describe()
            ));
        }
        Ok((Some(Source { tables }), notes))
    }

    /// Creates the scratch database, after refusing an account with more powers than creating
    /// databases (unless --trust-backup).
    fn create_scratch(
        &self,
        runtime: &tokio::runtime::Runtime,
        scratch: &Target,
        created: &Created,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let made = runtime.block_on(async {
            let mut admin = Admin::connect(scratch, &self.limits(scratch))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if !self.args.trust_backup {
                let powers = timeout_at(deadline, admin.powers())
                    .await
                    .unwrap_or_else(|_| Err(anyhow!("reading the account's privileges ran out of --timeout")));
                match powers {
                    Ok(p) if p.is_empty() => {}
                    Ok(p) => {
                        admin.close().await;
                        return Ok(Err(p));
                    }
                    Err(e) => {
                        admin.close().await;
                        return Err(e);
                    }
                }
            }
            // Cut off mid-way, the server may still finish the CREATE on its own, leaving a
            // database without the marker that would let a later cleanup recognise it: named,
            // with the statement that drops it.
            let made = timeout_at(deadline, admin.create(created)).await.unwrap_or_else(|_| {
                Err(anyhow::Error::new(CreateTimedOut(format!(
                    "creating the scratch database {} ran out of --timeout; if the server still finished it, it is \
                     there unmarked: drop it by hand with {}",
                    created.name,
                    drop_by_hand(scratch.engine, &created.name)
                ))))
            });
            admin.close().await;
            made.map(Ok)
        });
        match made {
            Ok(Ok(())) => Ok(()),
            Ok(Err(powers)) => Err(format!(
                "refused: the --scratch-url account {} has {} on {}, so the dump's own code (functions, triggers, \
                 COPY ... PROGRAM, statements about other databases) would run with them. Use an account that may \
                 only create databases (PostgreSQL: CREATE ROLE restore LOGIN CREATEDB; MariaDB: GRANT ALL ON \
                 `dbrunbook\\_restore\\_%`.* TO ...), or give --trust-backup for a backup you trust. Nothing was created.",
                scratch.user,
                powers.join(", "),
                scratch.redacted_url()
            )),
            Err(e) => match e.downcast_ref::<CreateTimedOut>() {
                Some(CreateTimedOut(message)) => Err(message.clone()),
                None => Err(format!(
                    "cannot create the scratch database on {}: {} (the --scratch-url user needs CREATEDB on \
                     PostgreSQL, CREATE on MariaDB)",
                    scratch.redacted_url(),
                    driver_message(&format!("{e:#}"), scratch.password.as_deref())
                )),
            },
        }
    }

    /// Always, after success, failure or timeout: drop what this run created (or say how to,
    /// with --keep), and record the scratch database's fate as a finding.
    fn clean_up(
        &self,
        runtime: &tokio::runtime::Runtime,
        scratch: &Target,
        created: &Created,
        result: &mut CheckResult,
    ) {
        let state = if self.args.keep {
            result.notes.push(format!(
                "kept the scratch database {} (--keep); drop it with: {}",
                created.name,
                drop_by_hand(scratch.engine, &created.name)
            ));
            "kept"
        } else {
            match self.drop_scratch(runtime, scratch, created) {
                None => {
                    crate::log::info(&format!("dropped the scratch database {}", created.name));
                    "dropped"
                }
                Some(why) => {
                    result.status = result.status.worst(Status::Warning);
                    result
                        .notes
                        .push(format!("could not drop the scratch database {}: {why}", created.name));
                    "left behind"
                }
            }
        };
        result.findings.push(
            Finding::new("scratch")
                .with("database", created.name.clone())
                .with("state", state),
        );
    }

    /// Drops the scratch database within its own CLEANUP_TIME; why it could not, if so.
    fn drop_scratch(&self, runtime: &tokio::runtime::Runtime, scratch: &Target, created: &Created) -> Option<String> {
        let cleanup = tokio::time::Instant::from_std(Instant::now() + CLEANUP_TIME);
        let dropped = runtime.block_on(async {
            timeout_at(cleanup, async {
                let mut admin = Admin::connect(scratch, &self.cleanup_limits(scratch))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let r = admin.drop_created(created).await;
                admin.close().await;
                r
            })
            .await
        });
        match dropped {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(driver_message(&format!("{e:#}"), scratch.password.as_deref())),
            Err(_) => Some("dropping it did not finish in time; drop it by hand".to_string()),
        }
    }

    /// The fence snapshot (see `fence`), in a connection of its own with CLEANUP_TIME: it is
    /// read again after a restore that used up the run's time.
    fn read_fence(&self, runtime: &tokio::runtime::Runtime, scratch: &Target) -> Result<String, String> {
        let until = tokio::time::Instant::from_std(Instant::now() + CLEANUP_TIME);
        let read = runtime.block_on(async {
            timeout_at(until, async {
                let mut admin = Admin::connect(scratch, &self.cleanup_limits(scratch))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let r = admin.fence().await;
                admin.close().await;
                r
            })
            .await
        });
        match read {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(e)) => Err(driver_message(&format!("{e:#}"), scratch.password.as_deref())),
            Err(_) => Err("reading the account's role and databases did not finish in time".to_string()),
        }
    }

    /// For a connection to `target`, within what is left of the run.
    fn limits(&self, target: &Target) -> Limits {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        Limits {
            connect_timeout: self.deadlines.connect(target).min(left),
            statement_timeout: left,
            lock_timeout: Duration::from_secs(1),
        }
    }

    /// Dropping the scratch database gets its own time, even when the run's is used up.
    fn cleanup_limits(&self, target: &Target) -> Limits {
        Limits {
            connect_timeout: self.deadlines.connect(target),
            statement_timeout: CLEANUP_TIME,
            lock_timeout: Duration::from_secs(1),
        }
    }
}

/// The backup's engine must be the target's.
fn fits(backup: &Backup, target: &Target, flag: &str) -> Result<()> {
    let wanted = backup.engine;
    if target.engine != wanted {
        bail!(
            "{} is a {}, but {flag} is a {} server: give a {} URL",
            backup::shown(&backup.path),
            backup.format.name(),
            target.engine,
            wanted
        );
    }
    Ok(())
}

/// The statement that drops the scratch database `name` by hand.
fn drop_by_hand(engine: Engine, name: &str) -> String {
    format!("DROP DATABASE {}", crate::quote::ident(engine, name))
}

fn unknown(summary: String) -> CheckResult {
    CheckResult {
        check: NAME.into(),
        status: Status::Unknown,
        summary,
        metrics: vec![],
        findings: vec![],
        notes: vec![],
        runbook: None,
    }
}

fn failed(summary: String, metrics: Vec<Metric>, notes: Vec<String>) -> CheckResult {
    CheckResult {
        check: NAME.into(),
        status: Status::Critical,
        summary,
        metrics,
        findings: vec![],
        notes,
        runbook: None,
    }
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
