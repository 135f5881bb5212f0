//! The target's own side of backups: PostgreSQL's WAL archiving (`archive_mode`,
//! `archive_command`/`archive_library`, `pg_stat_archiver`, segments waiting in
//! `archive_status`, WAL receivers in `pg_stat_replication`) and MySQL/MariaDB's binary logs
//! (`log_bin`, `SHOW BINARY LOGS`, retention, `binlog_format`): whether point-in-time recovery
//! is possible, and if not, why.

use super::{MAX_AGE_CRITICAL, WAL_MAX_AGE};
use std::time::Duration;

use anyhow::Result;

use super::Verdict;
use crate::checks::{Context, Results, visibility_grant};
use crate::engine::Query;
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::{format_duration, human_bytes, human_duration};

pub fn queries(engine: Engine) -> Vec<Query> {
    match engine {
        Engine::Mysql => vec![
            Query::new(
                "reading the binary log settings",
                include_str!("../sql/mysql/backup_binlog_settings.sql"),
            ),
            Query::new(
                "reading the current account",
                include_str!("../sql/mysql/backup_account.sql"),
            ),
        ],
        // PgBouncer is not among SPEC.engines, so never gets here; it speaks PostgreSQL.
        Engine::Postgres | Engine::Pgbouncer => vec![
            Query::new(
                "reading pg_stat_archiver and the archive settings",
                include_str!("../sql/postgres/backup_archiver.sql"),
            ),
            Query::new(
                "counting WAL segments waiting in archive_status",
                include_str!("../sql/postgres/backup_ready.sql"),
            ),
            Query::new(
                "listing WAL receivers in pg_stat_replication",
                include_str!("../sql/postgres/backup_receivers.sql"),
            ),
        ],
    }
}

/// MySQL/MariaDB: the binary logs are listed in a second batch, and only when `log_bin` is on:
/// `SHOW BINARY LOGS` fails without them, and a failed statement ends MySQL's multi-statement
/// request, which would cost every run a round trip.
pub fn follow_up(ctx: &Context, results: &Results) -> Vec<Query> {
    let on = ctx.engine() == Engine::Mysql
        && results.rows(0).is_ok_and(|rows| {
            rows.iter().any(|r| {
                r.text(0).is_ok_and(|n| n.eq_ignore_ascii_case("log_bin"))
                    && r.opt_text(1)
                        .ok()
                        .flatten()
                        .is_some_and(|v| v.eq_ignore_ascii_case("ON"))
            })
        });
    if on {
        vec![Query::new(
            "listing the binary logs",
            include_str!("../sql/mysql/backup_binary_logs.sql"),
        )]
    } else {
        Vec::new()
    }
}

/// No point-in-time recovery: a WARNING with `--pitr required`; otherwise said and OK, since
/// many servers rely on dumps alone by choice (and `dbrunbook check` must stay OK on them).
fn no_pitr(v: &mut Verdict, ctx: &Context, reason: &str, text: String) {
    v.value("pitr_reason", reason);
    v.metrics.push(Metric::new("pitr_possible", 0.0, Unit::Count));
    if ctx.option("pitr") == Some("required") {
        v.problem(Status::Warning, "no_pitr", text);
    } else {
        v.fine(format!("{text} (`backups --pitr required` makes this a WARNING)"));
    }
}

pub fn judge(v: &mut Verdict, ctx: &Context, results: &Results) -> Result<()> {
    match ctx.engine() {
        Engine::Mysql => mysql(v, ctx, results),
        Engine::Postgres | Engine::Pgbouncer => postgres(v, ctx, results),
    }
}

/// pg_stat_archiver and the archive settings, as `backup_archiver.sql` returns them.
struct Archiver {
    mode: String,
    command: String,
    library: String,
    in_recovery: bool,
    archived: i64,
    last_wal: Option<String>,
    last_age: Option<f64>,
    failed: i64,
    failed_wal: Option<String>,
    failed_age: Option<f64>,
    failing: bool,
    account: String,
}

impl Archiver {
    fn read(row: &crate::engine::Row) -> Result<Archiver> {
        let yes = |s: Option<String>| s.is_some_and(|s| s == "on" || s == "true" || s == "t");
        Ok(Archiver {
            mode: row.text(0)?,
            command: row.opt_text(1)?.unwrap_or_default(),
            library: row.opt_text(2)?.unwrap_or_default(),
            in_recovery: yes(row.opt_text(3)?),
            archived: row.opt_int(4)?.unwrap_or(0),
            last_wal: row.opt_text(5)?,
            last_age: row.opt_float(6)?,
            failed: row.opt_int(7)?.unwrap_or(0),
            failed_wal: row.opt_text(8)?,
            failed_age: row.opt_float(9)?,
            failing: yes(row.opt_text(10)?),
            account: row.opt_text(11)?.unwrap_or_default(),
        })
    }

    fn configured(&self) -> bool {
        !self.command.is_empty() && self.command != "(disabled)" || !self.library.is_empty()
    }

    /// Whether this server archives WAL itself: a standby only with archive_mode = always.
    fn archiving(&self) -> bool {
        match self.mode.as_str() {
            "always" => self.configured(),
            "on" => self.configured() && !self.in_recovery,
            _ => false,
        }
    }

    /// Why it does not archive.
    fn not_archiving_reason(&self) -> String {
        if self.mode == "off" {
            "archive_mode is off".to_string()
        } else if !self.configured() {
            format!(
                "archive_mode is {} but neither archive_command nor archive_library is set",
                self.mode
            )
        } else {
            "this server is a standby and archive_mode is on, not always".to_string()
        }
    }

    /// The finding, and the runbook's `archive_command`.
    fn finding(&self, v: &mut Verdict) -> Finding {
        let shown_command = crate::text::shorten(&crate::text::sanitize(&self.command, true), 200);
        v.value(
            "archive_command",
            if self.library.is_empty() {
                &shown_command
            } else {
                &self.library
            },
        );
        Finding::new("archiver")
            .with("archive_mode", self.mode.clone())
            .with(
                "archive_command",
                if self.library.is_empty() {
                    shown_command
                } else {
                    format!("library {}", self.library)
                },
            )
            .with("archived_count", self.archived)
            .with("last_archived_wal", self.last_wal.clone())
            .with("last_archived_age", self.last_age.map(ago))
            .with("failed_count", self.failed)
            .with("last_failed_wal", self.failed_wal.clone())
    }
}

/// Seconds as people write a duration (`3m10s`); negative clock skew reads as 0.
fn ago(seconds: f64) -> String {
    human_duration(Duration::from_secs_f64(seconds.max(0.0)))
}

fn postgres(v: &mut Verdict, ctx: &Context, results: &Results) -> Result<()> {
    let rows = results.rows(0)?;
    let Some(row) = rows.first() else { return Ok(()) };
    let a = Archiver::read(&row)?;
    let receivers: Vec<(String, String)> = match results.get(2) {
        Some(Ok(rows)) => rows
            .iter()
            .filter_map(|r| Some((r.opt_text(0).ok()??, r.opt_text(1).ok()?.unwrap_or_default())))
            .collect(),
        _ => Vec::new(),
    };
    v.metrics
        .push(Metric::new("wal_archived_count", a.archived as f64, Unit::Counter));
    v.metrics
        .push(Metric::new("wal_archive_failed_count", a.failed as f64, Unit::Counter));
    let finding = a.finding(v);
    for (app, state) in &receivers {
        v.findings.push(
            Finding::new("wal_receiver")
                .with("application", crate::text::sanitize(app, true))
                .with("state", crate::text::sanitize(state, true)),
        );
    }
    if !a.archiving() {
        let reason = a.not_archiving_reason();
        v.findings.push(finding);
        let streamed = receivers
            .iter()
            .any(|(app, state)| app != "pg_basebackup" && state == "streaming");
        if streamed {
            v.fine(format!("WAL is streamed to a receiver ({reason})"));
            return Ok(());
        }
        let text = format!("no point-in-time recovery: {reason}, and no pg_receivewal streams WAL");
        no_pitr(v, ctx, &reason, text);
        return Ok(());
    }
    if a.failing {
        archiving_failing(v, &a);
    }
    let finding = waiting_segments(v, ctx, results, &a, finding)?;
    v.findings.push(finding);
    Ok(())
}

fn archiving_failing(v: &mut Verdict, a: &Archiver) {
    let wal = a.failed_wal.clone().unwrap_or_default();
    v.value("last_failed_wal", crate::text::sanitize(&wal, true));
    v.value("failed_count", a.failed);
    v.problem(
        Status::Critical,
        "archiving_failing",
        format!(
            "WAL archiving is failing: {} failed {} ago and nothing was archived since ({} failure(s) since the statistics reset)",
            crate::text::sanitize(&wal, true),
            a.failed_age.map(ago).unwrap_or_else(|| "?".into()),
            a.failed
        ),
    );
}

/// WAL segments waiting in archive_status: a WARNING past `wal_max_age`; the finding gains
/// their count and the oldest's age.
fn waiting_segments(
    v: &mut Verdict,
    ctx: &Context,
    results: &Results,
    a: &Archiver,
    finding: Finding,
) -> Result<Finding> {
    let max_age = ctx.thresholds.duration(WAL_MAX_AGE);
    match results.get(1) {
        Some(Ok(rows)) => {
            let row = rows.first();
            let ready = row.map(|r| r.opt_int(0)).transpose()?.flatten().unwrap_or(0);
            let oldest = row.map(|r| r.opt_float(1)).transpose()?.flatten();
            v.metrics.push(Metric::new("wal_ready", ready as f64, Unit::Count));
            if let Some(oldest) = oldest.filter(|&a| a >= max_age.as_secs_f64()) {
                let age = human_duration(Duration::from_secs_f64(oldest));
                v.value("wal_age", &age);
                v.value("ready", ready);
                v.problem(
                    Status::Warning,
                    "wal_stale",
                    format!(
                        "{ready} WAL segment(s) wait to be archived, the oldest for {age} (limit {})",
                        format_duration(max_age)
                    ),
                );
            } else if !a.failing {
                v.fine(format!(
                    "WAL archiving works: {} archived {} ago, {ready} segment(s) waiting",
                    crate::text::sanitize(&a.last_wal.clone().unwrap_or_else(|| "nothing yet".into()), true),
                    a.last_age.map(ago).unwrap_or_else(|| "-".into())
                ));
            }
            return Ok(finding.with("ready", ready).with("oldest_ready_age", oldest.map(ago)));
        }
        Some(Err(e)) if e.denied => {
            let grant = visibility_grant(Engine::Postgres, &a.account);
            v.problem(
                Status::Unknown,
                "insufficient_privilege",
                format!("cannot list WAL segments waiting to be archived ({grant})"),
            );
        }
        Some(Err(e)) => {
            v.notes.push(format!(
                "archive_status not read: {}",
                crate::text::sanitize(&e.message, true)
            ));
        }
        None => {}
    }
    Ok(finding)
}

fn mysql(v: &mut Verdict, ctx: &Context, results: &Results) -> Result<()> {
    let settings = results.rows(0)?;
    let setting = |name: &str| -> Option<String> {
        settings
            .iter()
            .find(|r| r.text(0).is_ok_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|r| r.opt_text(1).ok().flatten())
    };
    // The database the URL connects to: the one a dump by hand takes (mariadb-dump has no URL).
    if let Some(db) = results
        .get(1)
        .and_then(|r| r.as_ref().ok())
        .and_then(|rows| rows.first())
        .and_then(|r| r.opt_text(1).ok().flatten())
        .filter(|db| !db.is_empty())
    {
        v.value("database", db);
    }
    let log_bin = setting("log_bin").unwrap_or_default();
    let format = setting("binlog_format").unwrap_or_default();
    // MariaDB 10.6+ keeps both and links them; MySQL 8.2 removed expire_logs_days (MySQL 8
    // cannot be installed here, so that branch is untested: only the seconds are read there).
    let seconds = setting("binlog_expire_logs_seconds").and_then(|s| s.parse::<f64>().ok());
    let days = setting("expire_logs_days").and_then(|s| s.parse::<f64>().ok());
    let retention = match (seconds, days) {
        (Some(s), _) if s > 0.0 => Some(s),
        (_, Some(d)) if d > 0.0 => Some(d * 86400.0),
        _ => None,
    };
    let retention_text = retention
        .map(|s| format_duration(Duration::from_secs_f64(s)))
        .unwrap_or_else(|| "never expire".into());
    let mut finding = Finding::new("binlog")
        .with("log_bin", log_bin.clone())
        .with("binlog_format", format.clone())
        .with("retention", retention_text.clone());
    v.value("binlog_format", &format);
    v.value("binlog_retention", &retention_text);
    if !log_bin.eq_ignore_ascii_case("ON") {
        v.findings.push(finding);
        let text = "no point-in-time recovery: log_bin is OFF, so nothing after the last dump can be replayed";
        no_pitr(v, ctx, "log_bin is OFF", text.into());
        return Ok(());
    }
    match results.get(2) {
        Some(Ok(rows)) => {
            let count = rows.iter().count();
            let total: i64 = rows.iter().filter_map(|r| r.opt_int(1).ok().flatten()).sum();
            v.metrics.push(Metric::new("pitr_possible", 1.0, Unit::Count));
            v.metrics.push(Metric::new("binlog_files", count as f64, Unit::Count));
            v.metrics.push(Metric::new("binlog_bytes", total as f64, Unit::Count));
            finding = finding.with("files", count).with("total_bytes", total);
            v.fine(format!(
                "binary logs on ({format}): {count} file(s), {}, kept {retention_text}",
                human_bytes(total.max(0) as f64)
            ));
        }
        Some(Err(e)) if e.denied => {
            let account = results
                .get(1)
                .and_then(|r| r.as_ref().ok())
                .and_then(|rows| rows.first())
                .and_then(|r| r.opt_text(0).ok().flatten())
                .unwrap_or_else(|| "your_user@%".into());
            let grant = binlog_grant(ctx.server.mariadb, &account);
            v.problem(
                Status::Unknown,
                "insufficient_privilege",
                format!("cannot list the binary logs ({grant})"),
            );
        }
        Some(Err(e)) => v.notes.push(format!(
            "SHOW BINARY LOGS failed: {}",
            crate::text::sanitize(&e.message, true)
        )),
        None => {}
    }
    if format.eq_ignore_ascii_case("STATEMENT") {
        v.notes.push(
            "binlog_format is STATEMENT: replaying non-deterministic statements may not reproduce the data; ROW is safer for recovery"
                .into(),
        );
    }
    let needed = ctx.thresholds.duration(MAX_AGE_CRITICAL);
    if let Some(kept) = retention.filter(|&s| s < needed.as_secs_f64()) {
        v.problem(
            Status::Warning,
            "binlog_retention_short",
            format!(
                "binary logs expire after {}, sooner than a dump may be old ({}): recovery from an older dump cannot reach the present",
                format_duration(Duration::from_secs_f64(kept)),
                format_duration(needed)
            ),
        );
    }
    v.findings.push(finding);
    Ok(())
}

/// The privilege SHOW BINARY LOGS needs: BINLOG MONITOR on MariaDB 10.5+, REPLICATION CLIENT
/// on MySQL (MySQL 8 cannot be installed here; that branch follows its manual).
fn binlog_grant(mariadb: bool, account: &str) -> String {
    let privilege = if mariadb {
        "BINLOG MONITOR"
    } else {
        "REPLICATION CLIENT"
    };
    format!("GRANT {privilege} ON *.* TO {};", crate::quote::mysql::account(account))
}
