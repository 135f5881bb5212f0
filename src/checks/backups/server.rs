//! The target's own side of backups: PostgreSQL's WAL archiving (`archive_mode`,
//! `archive_command`/`archive_library`, `pg_stat_archiver`, segments waiting in
//! `archive_status`, WAL receivers in `pg_stat_replication`) and MySQL/MariaDB's binary logs
//! (`log_bin`, `SHOW BINARY LOGS`, retention, `binlog_format`): whether point-in-time recovery
//! is possible, and if not, why.

use std::time::Duration;

use anyhow::Result;

use super::{Verdict, human_bytes};
use crate::checks::{Context, Results, visibility_grant};
use crate::engine::Query;
use crate::report::{Finding, Metric, Status};
use crate::target::Engine;
use crate::units::format_duration;

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
    v.metrics.push(Metric::new("pitr_possible", 0.0, ""));
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

fn postgres(v: &mut Verdict, ctx: &Context, results: &Results) -> Result<()> {
    let rows = results.rows(0)?;
    let Some(row) = rows.first() else { return Ok(()) };
    let mode = row.text(0)?;
    let command = row.opt_text(1)?.unwrap_or_default();
    let library = row.opt_text(2)?.unwrap_or_default();
    let in_recovery = row.opt_text(3)?.is_some_and(|s| s == "on" || s == "true" || s == "t");
    let archived = row.opt_int(4)?.unwrap_or(0);
    let last_wal = row.opt_text(5)?;
    let last_age = row.opt_float(6)?;
    let failed = row.opt_int(7)?.unwrap_or(0);
    let failed_wal = row.opt_text(8)?;
    let failed_age = row.opt_float(9)?;
    let failing = row.opt_text(10)?.is_some_and(|s| s == "on" || s == "true" || s == "t");
    let account = row.opt_text(11)?.unwrap_or_default();
    let configured = !command.is_empty() && command != "(disabled)" || !library.is_empty();
    let archiving = match mode.as_str() {
        "always" => configured,
        "on" => configured && !in_recovery,
        _ => false,
    };
    let receivers: Vec<(String, String)> = match results.get(2) {
        Some(Ok(rows)) => rows
            .iter()
            .filter_map(|r| Some((r.opt_text(0).ok()??, r.opt_text(1).ok()?.unwrap_or_default())))
            .collect(),
        _ => Vec::new(),
    };
    let shown_command = crate::text::shorten(&crate::text::sanitize(&command, true), 200);
    v.value(
        "archive_command",
        if library.is_empty() { &shown_command } else { &library },
    );
    v.metrics.push(Metric::new("wal_archived_count", archived as f64, "c"));
    v.metrics
        .push(Metric::new("wal_archive_failed_count", failed as f64, "c"));
    let mut finding = Finding::new("archiver")
        .with("archive_mode", mode.clone())
        .with(
            "archive_command",
            if library.is_empty() {
                shown_command.clone()
            } else {
                format!("library {library}")
            },
        )
        .with("archived_count", archived)
        .with("last_archived_wal", last_wal.clone())
        .with(
            "last_archived_age",
            last_age.map(|a| format_duration(Duration::from_secs_f64(a.max(0.0)))),
        )
        .with("failed_count", failed)
        .with("last_failed_wal", failed_wal.clone());
    for (app, state) in &receivers {
        v.findings.push(
            Finding::new("wal_receiver")
                .with("application", crate::text::sanitize(app, true))
                .with("state", crate::text::sanitize(state, true)),
        );
    }
    let streamed = receivers
        .iter()
        .any(|(app, state)| app != "pg_basebackup" && state == "streaming");
    if !archiving {
        let reason = if mode == "off" {
            "archive_mode is off".to_string()
        } else if !configured {
            format!("archive_mode is {mode} but neither archive_command nor archive_library is set")
        } else {
            "this server is a standby and archive_mode is on, not always".to_string()
        };
        v.findings.push(finding);
        if streamed {
            v.fine(format!("WAL is streamed to a receiver ({reason})"));
            return Ok(());
        }
        let text = format!("no point-in-time recovery: {reason}, and no pg_receivewal streams WAL");
        no_pitr(v, ctx, &reason, text);
        return Ok(());
    }
    if failing {
        let wal = failed_wal.clone().unwrap_or_default();
        v.value("last_failed_wal", crate::text::sanitize(&wal, true));
        v.value("failed_count", failed);
        let since = failed_age.map(|a| format_duration(Duration::from_secs_f64(a.max(0.0))));
        v.problem(
            Status::Critical,
            "archiving_failing",
            format!(
                "WAL archiving is failing: {} failed {} ago and nothing was archived since ({failed} failure(s) since the statistics reset)",
                crate::text::sanitize(&wal, true),
                since.unwrap_or_else(|| "?".into())
            ),
        );
    }
    let max_age = ctx.thresholds.duration("wal_max_age");
    match results.get(1) {
        Some(Ok(rows)) => {
            let row = rows.first();
            let ready = row.map(|r| r.opt_int(0)).transpose()?.flatten().unwrap_or(0);
            let oldest = row.map(|r| r.opt_float(1)).transpose()?.flatten();
            v.metrics.push(Metric::new("wal_ready", ready as f64, ""));
            finding = finding.with("ready", ready).with(
                "oldest_ready_age",
                oldest.map(|a| format_duration(Duration::from_secs_f64(a.max(0.0)))),
            );
            if let Some(oldest) = oldest.filter(|&a| a >= max_age.as_secs_f64()) {
                let age = format_duration(Duration::from_secs_f64(oldest));
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
            } else if !failing {
                v.fine(format!(
                    "WAL archiving works: {} archived {} ago, {ready} segment(s) waiting",
                    crate::text::sanitize(&last_wal.clone().unwrap_or_else(|| "nothing yet".into()), true),
                    last_age
                        .map(|a| format_duration(Duration::from_secs_f64(a.max(0.0))))
                        .unwrap_or_else(|| "-".into())
                ));
            }
        }
        Some(Err(e)) if e.denied => {
            let grant = visibility_grant(Engine::Postgres, &account);
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
    v.findings.push(finding);
    Ok(())
}

fn mysql(v: &mut Verdict, ctx: &Context, results: &Results) -> Result<()> {
    let settings = results.rows(0)?;
    let setting = |name: &str| -> Option<String> {
        settings
            .iter()
            .find(|r| r.text(0).is_ok_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|r| r.opt_text(1).ok().flatten())
    };
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
            v.metrics.push(Metric::new("pitr_possible", 1.0, ""));
            v.metrics.push(Metric::new("binlog_files", count as f64, ""));
            v.metrics.push(Metric::new("binlog_bytes", total as f64, ""));
            finding = finding.with("files", count).with("total_bytes", total);
            v.fine(format!(
                "binary logs on ({format}): {count} file(s), {}, kept {retention_text}",
                human_bytes(total.max(0) as u64)
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
    let needed = ctx.thresholds.duration("max_age_critical");
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
    let (user, host) = account.rsplit_once('@').unwrap_or((account, "%"));
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
    let privilege = if mariadb {
        "BINLOG MONITOR"
    } else {
        "REPLICATION CLIENT"
    };
    format!("GRANT {privilege} ON *.* TO {}@{};", quote(user), quote(host))
}
