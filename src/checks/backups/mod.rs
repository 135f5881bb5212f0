//! The backups check: is there a fresh, complete backup, and WAL or binlogs to reach the present?
//! Three sources, each optional: dump directories (`--dir`, read in `dumps.rs` and
//! `crate::dumpfile`), a pgBackRest stanza (`--pgbackrest-stanza`, `pgbackrest.rs`), and the target's
//! own archiving or binary-log settings (`server.rs`). Files and pgBackRest are read by
//! `inspect` on a thread of its own while the tool connects; here only the verdict.

mod dumps;
mod pgbackrest;
mod server;

use std::time::{Duration, SystemTime};

use anyhow::Result;

use super::{
    Check, CheckOption, CheckSpec, Context, Facts, LocalContext, LocalFacts, LocalWork, Outcome, Results, Threshold,
    ThresholdKind, Thresholds,
};
use crate::dumpfile::Completeness;
use crate::engine::Query;
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::{human_bytes, human_duration};

pub struct Backups;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const MAX_AGE_WARNING: Threshold = Threshold {
    key: "max_age_warning",
    kind: ThresholdKind::Duration,
    default: "26h",
    help: "WARNING when the newest backup (per database in --dir, of any type in pgBackRest) is this old",
};

pub const MAX_AGE_CRITICAL: Threshold = Threshold {
    key: "max_age_critical",
    kind: ThresholdKind::Duration,
    default: "50h",
    help: "CRITICAL when the newest backup is this old",
};

pub const SIZE_DROP_WARNING: Threshold = Threshold {
    key: "size_drop_warning",
    kind: ThresholdKind::Percent,
    default: "50%",
    help: "WARNING when the newest dump is smaller than this share of the median of the previous 5",
};

pub const WAL_MAX_AGE: Threshold = Threshold {
    key: "wal_max_age",
    kind: ThresholdKind::Duration,
    default: "1h",
    help: "PostgreSQL: WARNING when a finished WAL segment has waited this long to be archived",
};

pub const FULL_MAX_AGE: Threshold = Threshold {
    key: "full_max_age",
    kind: ThresholdKind::Duration,
    default: "8d",
    help: "pgBackRest: WARNING when the newest full backup is this old",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "backups",
    about: "Backups: the newest dump per database in --dir (age, size drop, completeness read from \
            the content: pg_dump plain/custom/directory/tar, pg_dumpall, mysqldump; gzip, zstd, xz, \
            bzip2 streamed), a pgBackRest stanza's backups and archive, and the server's WAL archiving \
            or binary logs: whether point-in-time recovery is possible.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[
        MAX_AGE_WARNING,
        MAX_AGE_CRITICAL,
        SIZE_DROP_WARNING,
        WAL_MAX_AGE,
        FULL_MAX_AGE,
    ],
    options: &[
        CheckOption {
            key: "dir",
            value_name: "PATH",
            help: "A directory of dumps, read by content (repeatable); a glob in the last part picks files: --dir '/backups/*.dump'",
            repeatable: true,
        },
        CheckOption {
            key: "pitr",
            value_name: "MODE",
            help: "required: no point-in-time recovery (archiving off, log_bin off) is a WARNING; optional (default): it is only said",
            repeatable: false,
        },
        CheckOption {
            key: "pgbackrest_stanza",
            value_name: "NAME",
            help: "A pgBackRest stanza, read with `pgbackrest info --output=json` (never `check`); PGBACKREST_CONFIG picks the configuration",
            repeatable: false,
        },
    ],
    ordered: &[(MAX_AGE_WARNING.key, MAX_AGE_CRITICAL.key, "backup age")],
    default_limit: 10,
    steady: false,
    server_wide: false,
    placeholders: &[
        "dir",
        "series",
        "file",
        "archive",
        "age",
        "max_age",
        "size",
        "previous_size",
        "format",
        "detail",
        "stanza",
        "archive_command",
        "last_failed_wal",
        "failed_count",
        "wal_age",
        "ready",
        "binlog_format",
        "binlog_retention",
        "pitr_reason",
        "database",
    ],
    item_placeholders: &[],
    conditions: &[
        "stale",
        "no_backups",
        "incomplete",
        "completeness_unknown",
        "size_drop",
        "archiving_failing",
        "wal_stale",
        "no_pitr",
        "binlog_retention_short",
        "pgbackrest_error",
        "pgbackrest_stale",
        "pgbackrest_full_stale",
        "insufficient_privilege",
        "not_seen",
    ],
};

/// What `inspect` read: each `--dir`, and the pgBackRest stanza if asked.
pub struct Local {
    dumps: Vec<Result<dumps::Scanned, String>>,
    pgbackrest: Option<Result<pgbackrest::Stanza, String>>,
}

impl Check for Backups {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        server::queries(ctx.engine())
    }

    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        server::follow_up(ctx, results)
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        if let Some(mode) = ctx.option("pitr").filter(|m| !["required", "optional"].contains(m)) {
            return Ok(Outcome::unknown(format!(
                "--pitr {:?}: use required or optional",
                crate::text::shorten(mode, 40)
            )));
        }
        let mut v = Verdict::default();
        judge_local(&mut v, ctx.thresholds, ctx.limit, results.local);
        server::judge(&mut v, ctx, results)?;
        Ok(v.outcome())
    }

    fn inspect(&self, ctx: &LocalContext) -> Option<LocalWork> {
        let dirs = ctx.options.get("dir").cloned().unwrap_or_default();
        let stanza = ctx.options.get("pgbackrest_stanza").and_then(|v| v.last()).cloned();
        if dirs.is_empty() && stanza.is_none() {
            return None;
        }
        let deadline = ctx.deadline;
        Some(Box::new(move || {
            let dumps = dirs
                .iter()
                .map(|d| dumps::scan(d, deadline).map_err(|e| format!("{e:#}")))
                .collect();
            let pgbackrest = stanza.map(|s| pgbackrest::info(&s, deadline).map_err(|e| format!("{e:#}")));
            Ok(Box::new(Local { dumps, pgbackrest }) as LocalFacts)
        }))
    }

    /// A backup host running this from cron still deserves the dumps' verdict when the database
    /// is out of reach: a stale or broken dump is reported as such; the server's side is
    /// UNKNOWN, so the run is never OK without it.
    fn evaluate_offline(&self, ctx: &LocalContext, local: &Result<LocalFacts>, why: &str) -> Option<Outcome> {
        let mut v = Verdict::default();
        judge_local(&mut v, &ctx.thresholds, SPEC.default_limit, Some(local));
        v.problem(
            Status::Unknown,
            "not_seen",
            format!("archiving and binary logs not checked: {why}"),
        );
        Some(v.outcome())
    }
}

/// The verdict built up by the three sources: problems with their condition, what is fine,
/// and the findings, metrics and runbook facts.
#[derive(Default)]
pub struct Verdict {
    problems: Vec<(Status, &'static str, String)>,
    fine: Vec<String>,
    metrics: Vec<Metric>,
    findings: Vec<Finding>,
    notes: Vec<String>,
    facts: Facts,
}

impl Verdict {
    pub fn problem(&mut self, status: Status, condition: &'static str, text: String) {
        self.facts.flag(condition);
        self.problems.push((status, condition, text));
    }

    pub fn fine(&mut self, text: String) {
        self.fine.push(text);
    }

    /// A runbook value, first writer wins (the worst problem is judged first per source).
    pub fn value(&mut self, key: &str, value: impl ToString) {
        self.facts
            .values
            .entry(key.to_string())
            .or_insert_with(|| value.to_string());
    }

    fn outcome(mut self) -> Outcome {
        self.problems.sort_by_key(|p| std::cmp::Reverse(p.0));
        let status = self.problems.iter().fold(Status::Ok, |acc, p| acc.worst(p.0));
        self.facts.lead = self.problems.first().map(|p| p.1.to_string());
        let summary = if self.problems.is_empty() {
            if self.fine.is_empty() {
                "nothing to check: give --dir or --pgbackrest-stanza, or point --url at a server".into()
            } else {
                self.fine.join("; ")
            }
        } else {
            let mut shown: Vec<String> = self.problems.iter().take(3).map(|p| p.2.clone()).collect();
            if self.problems.len() > 3 {
                shown.push(format!("and {} more", self.problems.len() - 3));
            }
            shown.join("; ")
        };
        Outcome {
            status,
            summary,
            metrics: self.metrics,
            findings: self.findings,
            notes: self.notes,
            facts: self.facts,
        }
    }
}

fn age_of(t: SystemTime) -> Duration {
    SystemTime::now().duration_since(t).unwrap_or_default()
}

fn grade_age(age: Duration, t: &Thresholds) -> Status {
    if age >= t.duration(MAX_AGE_CRITICAL) {
        Status::Critical
    } else if age >= t.duration(MAX_AGE_WARNING) {
        Status::Warning
    } else {
        Status::Ok
    }
}

fn judge_local(v: &mut Verdict, t: &Thresholds, limit: usize, local: Option<&Result<LocalFacts>>) {
    let local = match local {
        None => return,
        Some(Err(e)) => {
            v.problem(Status::Unknown, "not_seen", format!("{e:#}"));
            return;
        }
        Some(Ok(boxed)) => match boxed.downcast_ref::<Local>() {
            Some(l) => l,
            None => return,
        },
    };
    // One pair of metrics for all directories: the oldest newest backup, and how many series.
    let mut totals: Option<(Duration, usize)> = None;
    for scanned in &local.dumps {
        match scanned {
            Ok(s) => {
                let (age, series) = judge_dir(v, t, limit, s);
                let (a, n) = totals.unwrap_or_default();
                totals = Some((a.max(age), n + series));
            }
            Err(e) => v.problem(Status::Unknown, "not_seen", crate::text::sanitize(e, true)),
        }
    }
    if let Some((age, series)) = totals {
        v.metrics.push(
            Metric::new("newest_backup_age", age.as_secs_f64(), Unit::Seconds)
                .thresholds(t.seconds(MAX_AGE_WARNING), t.seconds(MAX_AGE_CRITICAL)),
        );
        v.metrics.push(Metric::new("backup_series", series as f64, Unit::Count));
    }
    if let Some(stanza) = &local.pgbackrest {
        pgbackrest::judge(v, t, stanza);
    }
}

/// One directory's series into the verdict; returns the oldest newest backup's age and the
/// number of series.
fn judge_dir(v: &mut Verdict, t: &Thresholds, limit: usize, s: &dumps::Scanned) -> (Duration, usize) {
    let dir = crate::text::sanitize(&s.dir, true);
    // The runbooks' shell steps get the directory alone: `--dir '/b/*.dump'` quoted whole
    // would be a file named `*.dump`, not a glob.
    let directory = crate::text::sanitize(&dumps::split(&s.dir).0.display().to_string(), true);
    if s.ignored > 0 {
        v.notes.push(format!(
            "{dir}: {} file(s) are not backups this tool recognises and were left out",
            s.ignored
        ));
    }
    if s.series.is_empty() {
        v.value("dir", &directory);
        v.value("max_age", t.shown(MAX_AGE_CRITICAL));
        v.problem(Status::Critical, "no_backups", format!("no backups in {dir}"));
        return (Duration::ZERO, 0);
    }
    let mut worst_age = Duration::ZERO;
    let mut problems = 0;
    for (shown, series) in s.series.iter().enumerate() {
        let (age, verdict) = judge_series(v, t, &directory, series, shown < limit);
        worst_age = worst_age.max(age);
        if verdict != Status::Ok {
            problems += 1;
        }
    }
    if problems == 0 {
        v.fine(format!(
            "{} database(s) in {dir} have a complete backup, the oldest of them {} old",
            s.series.len(),
            human_duration(worst_age)
        ));
    }
    (worst_age, s.series.len())
}

/// The newest backup of one series, as the runbook and the findings name it.
struct Newest<'a> {
    dir: &'a str,
    name: String,
    file: String,
    /// The file again when it is a pg_dump archive (custom, tar, directory): what
    /// `pg_restore --list` reads. None for a plain SQL dump, so that step shows no command.
    archive: Option<String>,
    format: String,
    age: Duration,
    size: u64,
}

impl Newest<'_> {
    /// The runbook's values for a problem with this backup.
    fn remember(&self, v: &mut Verdict, detail: &str) {
        v.value("dir", self.dir);
        v.value("series", &self.name);
        v.value("file", &self.file);
        if let Some(archive) = &self.archive {
            v.value("archive", archive);
        }
        v.value("age", human_duration(self.age));
        v.value("size", self.size);
        v.value("format", &self.format);
        v.value("detail", detail);
    }
}

/// One series: its newest backup's completeness, age and size against the ones before; a
/// finding when `listed` or when something is wrong. Returns its age and verdict.
fn judge_series(
    v: &mut Verdict,
    t: &Thresholds,
    dir: &str,
    series: &dumps::Series,
    listed: bool,
) -> (Duration, Status) {
    if let Some(writing) = &series.writing {
        v.notes.push(format!(
            "{}: {} is incomplete but was modified {} ago, so it is taken for a dump still being written; the backup before it was judged",
            crate::text::sanitize(&series.key, true),
            crate::text::sanitize(&writing.path.display().to_string(), true),
            human_duration(age_of(writing.modified))
        ));
    }
    let backup = &series.backups[0];
    let newest = Newest {
        dir,
        name: crate::text::sanitize(&series.key, true),
        file: crate::text::sanitize(&backup.path.display().to_string(), true),
        archive: matches!(
            backup.sniffed.format,
            crate::dumpfile::DumpFormat::PgCustom
                | crate::dumpfile::DumpFormat::PgTar
                | crate::dumpfile::DumpFormat::PgDirectory
        )
        .then(|| crate::text::sanitize(&backup.path.display().to_string(), true)),
        format: backup.sniffed.described(),
        age: age_of(backup.modified),
        size: backup.size,
    };
    let median = dumps::previous_median(series, 5);
    let verdict = judge_completeness(v, &newest, &series.newest)
        .worst(judge_age(v, t, &newest))
        .worst(judge_size(v, t, &newest, median));
    if listed || verdict != Status::Ok {
        let detail = match &series.newest {
            Completeness::Complete => "complete".to_string(),
            Completeness::Incomplete(w) => format!("incomplete: {w}"),
            Completeness::Unknown(w) => format!("unknown: {w}"),
            Completeness::Unread(w) => format!("not read to the end: {w}"),
        };
        v.findings.push(
            Finding::new("backup")
                .with("series", newest.name.clone())
                .with("status", verdict.name())
                .with("file", newest.file.clone())
                .with("format", newest.format.clone())
                .with("age", human_duration(newest.age))
                .with("age_seconds", newest.age.as_secs())
                .with("size_bytes", newest.size)
                .with("previous_median_bytes", median)
                .with("backups", series.backups.len())
                .with("completeness", crate::text::sanitize(&detail, true)),
        );
    }
    (newest.age, verdict)
}

fn judge_completeness(v: &mut Verdict, newest: &Newest, completeness: &Completeness) -> Status {
    let (name, file) = (&newest.name, &newest.file);
    let (status, condition, text) = match completeness {
        Completeness::Complete => return Status::Ok,
        Completeness::Incomplete(why) => {
            newest.remember(v, why);
            (
                Status::Critical,
                "incomplete",
                format!("{name}: the newest backup {file} is incomplete: {why}"),
            )
        }
        Completeness::Unknown(why) => {
            newest.remember(v, why);
            (
                Status::Unknown,
                "completeness_unknown",
                format!("{name}: cannot tell whether {file} is complete: {why}"),
            )
        }
        Completeness::Unread(why) => (
            Status::Unknown,
            "not_seen",
            format!("{name}: {file} not read to the end: {why}"),
        ),
    };
    v.problem(status, condition, text);
    status
}

fn judge_age(v: &mut Verdict, t: &Thresholds, newest: &Newest) -> Status {
    let by_age = grade_age(newest.age, t);
    if by_age == Status::Ok {
        return by_age;
    }
    newest.remember(v, "");
    let limit_key = if by_age == Status::Critical {
        MAX_AGE_CRITICAL
    } else {
        MAX_AGE_WARNING
    };
    v.value("max_age", t.shown(limit_key));
    v.problem(
        by_age,
        "stale",
        format!(
            "{}: the newest backup is {} old (limit {})",
            newest.name,
            human_duration(newest.age),
            t.shown(limit_key)
        ),
    );
    by_age
}

/// A newest backup far smaller than the median of the ones before: a WARNING.
fn judge_size(v: &mut Verdict, t: &Thresholds, newest: &Newest, median: Option<u64>) -> Status {
    let share = t.percent(SIZE_DROP_WARNING);
    let Some(median) = median.filter(|&m| (newest.size as f64) < m as f64 * share / 100.0) else {
        return Status::Ok;
    };
    newest.remember(v, "");
    v.value("previous_size", median);
    v.problem(
        Status::Warning,
        "size_drop",
        format!(
            "{}: the newest backup is {} against a median of {} for the previous ones",
            newest.name,
            human_bytes(newest.size as f64),
            human_bytes(median as f64)
        ),
    );
    Status::Warning
}
