//! After the scratch database is made: run the restore tool, judge how it ended (timeout,
//! interrupt, guard stop, decoding error, tool error, a text dump without its last line), then
//! count every table of the copy and compare with the source. Creating and dropping the
//! scratch database is `mod.rs`; running the tool is `tool.rs`; counting is `tables.rs`.

use std::mem::take;

use anyhow::anyhow;
use tokio::time::timeout_at;

use super::backup::Backup;
use super::command::{Prepared, command};
use super::scratch::Created;
use super::tables::{self, Counted, Table};
use super::{EXACT_COUNT_MAX_BYTES, NAME, Run, Source, failed, round, tool, unknown};
use crate::dumpfile::{self, DumpFormat};
use crate::engine::Session;
use crate::redact::driver_message;
use crate::report::{CheckResult, Finding, Metric, Status, Unit};
use crate::target::{Engine, Target};
use crate::units::{format_duration, human_bytes};

/// The restore as it ran: the tool, how it ended, and what every result carries.
struct Restored {
    /// `psql 17`, `pg_restore`, `mariadb`.
    tool_name: String,
    tool_major: Option<u32>,
    finished: tool::Finished,
    /// The backup as said in summaries: format, size, compression.
    what: String,
    metrics: Vec<Metric>,
    notes: Vec<String>,
}

impl Restored {
    fn unknown(&mut self, summary: String) -> CheckResult {
        CheckResult {
            metrics: take(&mut self.metrics),
            notes: take(&mut self.notes),
            ..unknown(summary)
        }
    }

    fn failed(&mut self, summary: String) -> CheckResult {
        failed(summary, take(&mut self.metrics), take(&mut self.notes))
    }
}

impl Run<'_> {
    pub(super) fn restore_and_verify(
        &self,
        runtime: &tokio::runtime::Runtime,
        backup: &Backup,
        scratch: &Target,
        created: &Created,
        source: Option<&Source>,
        fence: &str,
    ) -> (CheckResult, String) {
        let mut restored = match self.restore(backup, scratch, created, fence) {
            Ok(r) => r,
            Err(why) => return (unknown(why), String::new()),
        };
        let tool_errors = restored.finished.stderr.clone();
        if let Some(ended) = self.ended_badly(backup, scratch, &mut restored) {
            return (ended, tool_errors);
        }
        let copy = match self.count_copy(runtime, scratch, created, restored.finished.elapsed) {
            Ok(tables) => tables,
            Err(why) => return (restored.unknown(why), tool_errors),
        };
        (self.compared(restored, copy, source), tool_errors)
    }

    /// Runs the restore tool on the backup into the scratch database.
    fn restore(&self, backup: &Backup, scratch: &Target, created: &Created, fence: &str) -> Result<Restored, String> {
        let Prepared {
            program,
            args,
            env,
            feeder,
        } = command(backup, scratch, &created.name).map_err(|e| format!("{e:#}"))?;
        let tool_name = format!(
            "{}{}",
            program
                .path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            program.major.map(|m| format!(" {m}")).unwrap_or_default()
        );
        crate::log::info(&format!(
            "restoring {} with {}",
            backup.format.name(),
            program.path.display()
        ));
        let finished = tool::run(tool::Job {
            program: &program,
            args,
            env,
            backup,
            deadline: self.deadline,
            fence: Some(fence.to_string()),
            feeder,
        })
        .map_err(|e| format!("{e:#}"))?;
        let secs = finished.elapsed.as_secs_f64();
        let metrics = vec![
            Metric::new("restore_seconds", round(secs, 3), Unit::Seconds),
            Metric::new("restore_bytes", finished.bytes_read as f64, Unit::Bytes),
            Metric::new(
                "restore_mb_per_second",
                round(finished.bytes_read as f64 / 1e6 / secs.max(0.001), 2),
                Unit::Count,
            ),
        ];
        let mut notes = vec![format!("restored with {}", program.path.display())];
        if finished.skipped > 0 {
            notes.push(format!(
                "{} statement(s) of the dump were skipped: {}",
                finished.skipped,
                match backup.engine {
                    Engine::Mysql => "about its own database (the scratch one stands in for it)",
                    Engine::Postgres | Engine::Pgbouncer => {
                        "about its own database, owners and privileges (as pg_restore --no-owner --no-privileges)"
                    }
                }
            ));
        }
        Ok(Restored {
            tool_name,
            tool_major: program.major,
            finished,
            what: backup.describe(|n| human_bytes(n as f64)),
            metrics,
            notes,
        })
    }

    /// The result when the restore did not run to a good end; `None` when the copy is worth
    /// counting.
    fn ended_badly(&self, backup: &Backup, scratch: &Target, r: &mut Restored) -> Option<CheckResult> {
        let f = &r.finished;
        let (read, size) = (human_bytes(f.bytes_read as f64), human_bytes(backup.size as f64));
        let tool_name = &r.tool_name;
        if f.timed_out {
            return Some(r.unknown(format!(
                "the restore did not finish within --timeout {} ({read} of {size} read); {tool_name} was stopped: \
                 raise --timeout to measure the full restore",
                format_duration(self.timeout),
            )));
        }
        if f.interrupted {
            return Some(r.unknown(format!(
                "interrupted after {read} of {size} read; {tool_name} was stopped"
            )));
        }
        if let Some(why) = &f.stopped {
            let committed = match backup.engine {
                Engine::Mysql => "what came before it ran in the scratch database only",
                Engine::Postgres | Engine::Pgbouncer => "nothing of it was committed",
            };
            return Some(r.failed(format!(
                "the dump was refused, its restore stopped ({committed}): {why}; restore-check restores one \
                 database's dump into a scratch database and nothing else"
            )));
        }
        let password = scratch.password.as_deref();
        if let Some(err) = &f.decompress_error {
            let lines = tool::first_lines(err, password);
            r.notes.extend(lines.iter().map(|l| format!("decompressor: {l}")));
            let first = lines.first().cloned().unwrap_or_default();
            return Some(r.failed(format!("the backup could not be decompressed after {read}: {first}")));
        }
        if !f.success {
            return Some(self.tool_failed(backup, password, r));
        }
        if let Some(incomplete) = cut_short(backup, r) {
            return Some(incomplete);
        }
        if tool::interrupted() {
            let elapsed = format_duration(r.finished.elapsed);
            return Some(r.unknown(format!(
                "interrupted after the restore ({elapsed}), before its rows were counted"
            )));
        }
        None
    }

    /// The tool exited with an error: its first lines, and why when the dump is newer than
    /// the scratch server.
    fn tool_failed(&self, backup: &Backup, password: Option<&str>, r: &mut Restored) -> CheckResult {
        let lines = tool::first_lines(&r.finished.stderr, password);
        let tool_name = r.tool_name.clone();
        r.notes.extend(lines.iter().map(|l| format!("{tool_name}: {l}")));
        let server_major = self.scratch_version.as_deref().and_then(dumpfile::major_of);
        if let (Some(tool_major), Some(server_major)) = (r.tool_major, server_major)
            && backup.engine == Engine::Postgres
            && tool_major > server_major
        {
            // pg_dump's output is meant for a server of its own major or newer: a dump made
            // by a newer pg_dump fails the same way in a real restore into this server.
            let dump_major = backup.dump_major.unwrap_or(tool_major);
            r.notes.push(format!(
                "the dump was made by pg_dump {dump_major} and needs {tool_name}, newer than the scratch server \
                 (PostgreSQL {server_major}): restore into a server of major {dump_major} or later, or dump with \
                 the server's own pg_dump"
            ));
        }
        let first = lines
            .iter()
            .find(|l| l.contains("error") || l.contains("ERROR"))
            .or(lines.first())
            .cloned()
            .unwrap_or_else(|| format!("exit code {}", r.finished.exit.unwrap_or(-1)));
        let (what, elapsed) = (r.what.clone(), format_duration(r.finished.elapsed));
        if let Some(extension) = missing_extension(&r.finished.stderr) {
            // The scratch server's lack, not the dump's fault: a server with the extension
            // installed may restore it fine, so the dump is neither good nor bad yet.
            return r.unknown(format!(
                "the scratch server lacks the extension {extension} that the dump creates: install it there (its \
                 package, e.g. postgresql-contrib or the extension's own) and run again; the restore of {what} \
                 stopped after {elapsed}, which says nothing yet about the dump itself"
            ));
        }
        r.failed(format!("the restore of {what} failed after {elapsed}: {first}"))
    }

    /// Every table of the copy, counted exactly; a Ctrl-C or SIGTERM while a big copy is
    /// counted goes straight to the cleanup, not after the count (a supervisor's SIGKILL would
    /// otherwise find the scratch database).
    fn count_copy(
        &self,
        runtime: &tokio::runtime::Runtime,
        scratch: &Target,
        created: &Created,
        restore_took: std::time::Duration,
    ) -> Result<Vec<Table>, String> {
        let took = format_duration(restore_took);
        let copy_target = Target {
            dbname: Some(created.name.clone()),
            ..scratch.clone()
        };
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let counted = runtime.block_on(async {
            let count = timeout_at(deadline, async {
                let mut session = Session::connect(&copy_target, &self.limits(&copy_target))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let t = tables::read(&mut session, scratch.engine, None).await;
                session.close().await;
                t
            });
            let interrupt = async {
                while !tool::interrupted() {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            };
            tokio::select! {
                counted = count => Some(counted),
                _ = interrupt => None,
            }
        });
        let Some(counted) = counted else {
            return Err(format!(
                "interrupted after the restore ({took}), while its rows were counted"
            ));
        };
        match counted {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(format!(
                "restored in {took}, but counting the copy's rows failed: {}",
                driver_message(&format!("{e:#}"), scratch.password.as_deref())
            )),
            Err(_) => Err(format!(
                "restored in {took}, but counting the copy's rows ran out of --timeout"
            )),
        }
    }
}

impl Run<'_> {
    /// The verdict on a whole restore: the copy's counts, compared with the source's when
    /// `--url` named one.
    fn compared(&self, mut r: Restored, copy: Vec<Table>, source: Option<&Source>) -> CheckResult {
        let rows: i64 = copy.iter().filter_map(|t| t.rows).sum();
        r.metrics.push(Metric::new("tables", copy.len() as f64, Unit::Count));
        r.metrics.push(Metric::new("rows", rows as f64, Unit::Count));
        let mut status = Status::Ok;
        for t in copy.iter().filter(|t| t.count_error.is_some()) {
            status = status.worst(Status::Unknown);
            r.notes.push(format!(
                "could not count {}: {}",
                t.key,
                t.count_error.as_deref().unwrap_or_default()
            ));
        }
        let f = &r.finished;
        let restored_line = format!(
            "restored {} in {} ({:.1} MB/s) with {}: {} table(s), {} row(s)",
            r.what,
            format_duration(f.elapsed),
            f.bytes_read as f64 / 1e6 / f.elapsed.as_secs_f64().max(0.001),
            r.tool_name,
            copy.len(),
            rows
        );
        let mut findings = Vec::new();
        let summary = match source {
            None if copy.is_empty() => {
                status = status.worst(Status::Warning);
                format!("{restored_line}; the dump holds no tables")
            }
            None => {
                r.notes
                    .push("no --url: the copy was counted but not compared with a source".into());
                restored_line
            }
            Some(src) => {
                let compared = self.against_source(&mut r, &copy, src);
                status = status.worst(compared.status);
                let summary = compared.summary(&restored_line, src.tables.len());
                findings = compared.findings;
                summary
            }
        };
        CheckResult {
            check: NAME.into(),
            status,
            summary,
            metrics: r.metrics,
            findings,
            notes: r.notes,
            runbook: None,
        }
    }

    /// The copy's tables against the source's: one finding per difference.
    fn against_source(&self, r: &mut Restored, copy: &[Table], src: &Source) -> Comparison {
        let diffs = tables::compare(copy, &src.tables, self.args.row_tolerance.0);
        let estimated = src.tables.iter().filter(|t| t.rows.is_none()).count();
        if estimated > 0 {
            r.notes.push(format!(
                "{estimated} source table(s) larger than {} were compared by the planner's estimate \
                 (pg_class.reltuples / information_schema.TABLES.TABLE_ROWS), not counted",
                human_bytes(EXACT_COUNT_MAX_BYTES as f64)
            ));
        }
        r.metrics
            .push(Metric::new("differences", diffs.len() as f64, Unit::Count));
        let mut status = Status::Ok;
        let mut findings = Vec::new();
        for d in &diffs {
            status = status.worst(d.status);
            let counted = match d.counted {
                Some(Counted::Exact) => "exact",
                Some(Counted::Estimate) => "estimate",
                None => "",
            };
            findings.push(
                Finding::new("difference")
                    .with("table", d.table.clone())
                    .with("problem", d.problem)
                    .with("source_rows", d.source_rows)
                    .with("restored_rows", d.restored_rows)
                    .with("source_counted", counted),
            );
        }
        Comparison {
            status,
            findings,
            differences: diffs.len(),
            missing: diffs.iter().filter(|d| d.restored_rows.is_none()).count(),
        }
    }
}

/// How the copy compared with the source.
struct Comparison {
    status: Status,
    findings: Vec<Finding>,
    differences: usize,
    /// Tables of the source the copy lacks.
    missing: usize,
}

impl Comparison {
    fn summary(&self, restored_line: &str, source_tables: usize) -> String {
        let (differences, missing) = (self.differences, self.missing);
        if differences == 0 {
            format!("{restored_line}; matches the source ({source_tables} table(s))")
        } else if missing > 0 {
            format!("{restored_line}; {missing} table(s) of the source missing, {differences} difference(s)")
        } else {
            format!("{restored_line}; {differences} difference(s) from the source")
        }
    }
}

/// A text dump cut short still restores what it holds: only its missing last line tells.
/// CRITICAL when the dump promised that line; a note when it was made without comments.
fn cut_short(backup: &Backup, r: &mut Restored) -> Option<CheckResult> {
    if r.finished.complete != Some(false) {
        return None;
    }
    let trailer = match backup.format {
        DumpFormat::PgPlain => "-- PostgreSQL database dump complete",
        DumpFormat::Mysqldump => "-- Dump completed",
        DumpFormat::MysqldumpNoComments => {
            r.notes.push(
                "the dump has neither mysqldump's header nor its closing '-- Dump completed' line (made with \
                 --compact or --skip-comments): whether it is complete is unknown"
                    .into(),
            );
            return None;
        }
        DumpFormat::PgDumpall
        | DumpFormat::PgCustom
        | DumpFormat::PgTar
        | DumpFormat::PgDirectory
        | DumpFormat::Empty
        | DumpFormat::Unreadable => return None,
    };
    let what = r.what.clone();
    Some(r.failed(format!(
        "the dump ends early: {what} has no closing '{trailer}' line, so the restore ran without error but is \
         incomplete"
    )))
}

/// The extension a restore could not create because the server does not have it installed:
/// PostgreSQL's `extension "x" is not available` (15+) or, before, `could not open extension
/// control file ".../x.control"`.
fn missing_extension(errors: &str) -> Option<String> {
    for line in errors.lines() {
        if let Some(rest) = line.split("extension \"").nth(1)
            && line.contains("is not available")
        {
            return rest.split('"').next().map(|n| crate::text::sanitize(n, true));
        }
        if let Some(rest) = line.split("could not open extension control file \"").nth(1) {
            let path = rest.split('"').next().unwrap_or_default();
            let file = path.rsplit('/').next().unwrap_or_default();
            return Some(crate::text::sanitize(file.trim_end_matches(".control"), true));
        }
    }
    None
}
