//! MySQL/MariaDB replication, from either side: as a replica every channel (MariaDB's
//! multi-source connections, `SHOW ALL SLAVES STATUS`) with its IO and SQL threads, their last
//! errors, relay log space and GTID positions; as a primary the replicas connected now (binlog
//! dump threads), binary log retention and semi-sync. `Seconds_Behind_Master` is judged only
//! while both threads run: with the IO thread down it counts from stale relay logs, and with
//! the SQL thread stopped it is NULL. MySQL 8's `SHOW REPLICA STATUS` (8.0.22+) is untested:
//! MySQL 8 cannot be installed where this project is tested.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{LAG_BYTES_CRITICAL, LAG_BYTES_WARNING, LAG_CRITICAL, LAG_WARNING, Verdict, graded};
use crate::checks::{Context, Results};
use crate::engine::{Query, Row, ServerInfo};
use crate::report::{Finding, Metric, Status, Unit};
use crate::units::{human_bytes, human_seconds};

pub fn queries(server: &ServerInfo) -> Vec<Query> {
    let channels = if server.mariadb {
        include_str!("../sql/mysql/replication_channels_mariadb.sql")
    } else if server.version_num >= 80022 {
        include_str!("../sql/mysql/replication_channels_mysql8.sql")
    } else {
        include_str!("../sql/mysql/replication_channels_mysql.sql")
    };
    vec![
        Query::new(
            "reading the replication settings",
            include_str!("../sql/mysql/replication_settings.sql"),
        ),
        Query::new(
            "reading semi-synchronous replication status",
            include_str!("../sql/mysql/replication_semisync.sql"),
        ),
        Query::new(
            "listing binlog dump threads (connected replicas)",
            include_str!("../sql/mysql/replication_dump_threads.sql"),
        ),
        Query::new("reading replica status", channels),
    ]
}

/// One replication channel (MariaDB: connection), in either vocabulary.
#[derive(Debug, Clone, Default)]
struct Channel {
    name: String,
    primary: String,
    io_running: String,
    sql_running: String,
    io_errno: i64,
    io_error: String,
    sql_errno: i64,
    sql_error: String,
    seconds_behind: Option<i64>,
    relay_log_space: Option<i64>,
    read_file: String,
    read_pos: Option<i64>,
    exec_file: String,
    exec_pos: Option<i64>,
    gtid: Option<String>,
}

/// The first of these columns the server has (MariaDB and old MySQL say Master/Slave, MySQL
/// 8.0.22+ Source/Replica).
fn text(row: &Row, names: &[&str]) -> Result<Option<String>> {
    for name in names {
        if row.has(name) {
            return row.text_named(name);
        }
    }
    Ok(None)
}

fn int(row: &Row, names: &[&str]) -> Result<Option<i64>> {
    for name in names {
        if row.has(name) {
            return row.int_named(name);
        }
    }
    Ok(None)
}

fn channel(row: &Row) -> Result<Channel> {
    let host = text(row, &["Master_Host", "Source_Host"])?.unwrap_or_default();
    let port = int(row, &["Master_Port", "Source_Port"])?.unwrap_or(3306);
    let gtid = match text(row, &["Using_Gtid"])?.as_deref() {
        // MariaDB: the GTID position the IO thread has reached, when GTID is in use.
        Some("No") | None => text(row, &["Executed_Gtid_Set"])?.filter(|g| !g.is_empty()),
        Some(_) => text(row, &["Gtid_IO_Pos"])?,
    };
    Ok(Channel {
        name: text(row, &["Connection_name", "Channel_Name"])?.unwrap_or_default(),
        primary: format!("{host}:{port}"),
        io_running: text(row, &["Slave_IO_Running", "Replica_IO_Running"])?.unwrap_or_default(),
        sql_running: text(row, &["Slave_SQL_Running", "Replica_SQL_Running"])?.unwrap_or_default(),
        io_errno: int(row, &["Last_IO_Errno"])?.unwrap_or(0),
        io_error: text(row, &["Last_IO_Error"])?.unwrap_or_default(),
        sql_errno: int(row, &["Last_SQL_Errno"])?.unwrap_or(0),
        sql_error: text(row, &["Last_SQL_Error"])?.unwrap_or_default(),
        seconds_behind: int(row, &["Seconds_Behind_Master", "Seconds_Behind_Source"])?,
        relay_log_space: int(row, &["Relay_Log_Space"])?,
        read_file: text(row, &["Master_Log_File", "Source_Log_File"])?.unwrap_or_default(),
        read_pos: int(row, &["Read_Master_Log_Pos", "Read_Source_Log_Pos"])?,
        exec_file: text(row, &["Relay_Master_Log_File", "Relay_Source_Log_File"])?.unwrap_or_default(),
        exec_pos: int(row, &["Exec_Master_Log_Pos", "Exec_Source_Log_Pos"])?,
        gtid,
    })
}

/// Name/value rows (`SHOW VARIABLES`, `SHOW STATUS`), names lower-cased.
fn pairs(r: &Results, i: usize) -> Result<BTreeMap<String, String>> {
    r.rows(i)?
        .iter()
        .map(|row| Ok((row.text(0)?.to_ascii_lowercase(), row.text(1)?)))
        .collect()
}

pub fn evaluate(ctx: &Context, results: &Results, v: &mut Verdict) -> Result<()> {
    // With --interval the later snapshot is judged; nothing here grows like a slot.
    let r = results.second().unwrap_or_else(|| results.first());
    let settings = pairs(&r, 0)?;
    let status = pairs(&r, 1).unwrap_or_default();
    let channels: Vec<Channel> = match r.rows(3) {
        Ok(rows) => rows.iter().map(|row| channel(&row)).collect::<Result<_>>()?,
        Err(e) => {
            v.facts.flag("insufficient_privilege");
            v.blind = Some(format!(
                "cannot read this server's replica status ({e:#}): grant REPLICATION CLIENT \
                 (MariaDB: BINLOG MONITOR or REPLICA MONITOR) to see it"
            ));
            Vec::new()
        }
    };
    for c in &channels {
        judge_channel(ctx, c, v);
    }
    v.metrics
        .push(Metric::new("replication_channels", channels.len() as f64, Unit::Count));
    if !channels.is_empty() {
        let relay: i64 = channels.iter().filter_map(|c| c.relay_log_space).sum();
        v.metrics
            .push(Metric::new("relay_log_space_bytes", relay as f64, Unit::Bytes));
        let io = channels.iter().filter(|c| c.io_running == "Yes").count();
        let sql = channels.iter().filter(|c| c.sql_running == "Yes").count();
        v.metrics
            .push(Metric::new("replica_io_running", io as f64, Unit::Count).range(0.0, channels.len() as f64));
        v.metrics
            .push(Metric::new("replica_sql_running", sql as f64, Unit::Count).range(0.0, channels.len() as f64));
    }
    primary_side(&r, &settings, &status, v)?;
    if v.problems.is_empty() && v.fine.is_empty() {
        v.fine("not replicating: no replication channels, no replicas connected".into());
    }
    Ok(())
}

fn judge_channel(ctx: &Context, c: &Channel, v: &mut Verdict) {
    let label = if c.name.is_empty() {
        format!("replication from {}", c.primary)
    } else {
        format!("channel '{}' from {}", c.name, c.primary)
    };
    // Bytes of the primary's binary log read but not applied, when both threads are in one file.
    let behind = match (c.read_file == c.exec_file, c.read_pos, c.exec_pos) {
        (true, Some(read), Some(exec)) => Some((read - exec).max(0)),
        _ => None,
    };
    v.findings.push(
        Finding::new("channel")
            .with("channel", c.name.as_str())
            .with("primary", c.primary.as_str())
            .with("io_running", c.io_running.as_str())
            .with("sql_running", c.sql_running.as_str())
            .with("last_io_error", c.io_error.as_str())
            .with("last_sql_error", c.sql_error.as_str())
            .with("seconds_behind", c.seconds_behind)
            .with("behind", behind.map(|b| human_bytes(b as f64)))
            .with("relay_log_space", c.relay_log_space.map(|b| human_bytes(b as f64)))
            .with("read", format!("{}:{}", c.read_file, c.read_pos.unwrap_or(0)))
            .with("executed", format!("{}:{}", c.exec_file, c.exec_pos.unwrap_or(0)))
            .with("gtid", c.gtid.clone()),
    );
    let mut broken = false;
    if c.io_running != "Yes" {
        broken = true;
        channel_values(c, v);
        if c.io_errno != 0 || c.io_running == "Connecting" {
            v.value("io_error", &c.io_error);
            // Connecting without an error yet: it may be a moment after START SLAVE.
            v.problem(
                if c.io_errno != 0 {
                    Status::Critical
                } else {
                    Status::Warning
                },
                "io_thread_error",
                format!(
                    "{label}: the IO thread is {} (error {}: {}): nothing new arrives from the primary",
                    c.io_running, c.io_errno, c.io_error
                ),
            );
        } else {
            v.problem(
                Status::Warning,
                "replica_stopped",
                format!("{label}: the IO thread is stopped without an error (STOP SLAVE?)"),
            );
        }
    }
    if c.sql_running != "Yes" {
        broken = true;
        channel_values(c, v);
        if c.sql_errno != 0 {
            v.value("sql_error", &c.sql_error);
            if c.sql_errno == 1062 {
                duplicate_key(&c.sql_error, v);
                // The skip statements act on the default connection unless told otherwise.
                if c.name.is_empty() {
                    v.facts.flag("duplicate_key_default_connection");
                } else {
                    v.facts.flag("duplicate_key_named_connection");
                }
            }
            v.problem(
                Status::Critical,
                "sql_thread_error",
                format!(
                    "{label}: the SQL thread stopped on error {}: {}",
                    c.sql_errno, c.sql_error
                ),
            );
        } else {
            v.problem(
                Status::Warning,
                "replica_stopped",
                format!("{label}: the SQL thread is stopped without an error (STOP SLAVE?)"),
            );
        }
    }
    if broken {
        v.notes.push(format!(
            "{label}: Seconds_Behind_Master is not judged while a thread is not running (it is NULL, or counts \
             from relay logs that no longer grow)"
        ));
        return;
    }
    judge_lag(ctx, c, &label, behind, v);
}

fn judge_lag(ctx: &Context, c: &Channel, label: &str, behind: Option<i64>, v: &mut Verdict) {
    let t = ctx.thresholds;
    let by_time = c
        .seconds_behind
        .and_then(|s| graded(s as f64, t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)));
    let by_bytes = behind.and_then(|b| {
        graded(
            b as f64,
            t.bytes(LAG_BYTES_WARNING) as f64,
            t.bytes(LAG_BYTES_CRITICAL) as f64,
        )
    });
    let lag = c.seconds_behind.unwrap_or(0) as f64;
    v.metrics.push(
        Metric::new("replica_lag_seconds", lag, Unit::Seconds)
            .thresholds(t.seconds(LAG_WARNING), t.seconds(LAG_CRITICAL)),
    );
    if let Some(b) = behind {
        v.metrics.push(
            Metric::new("replica_lag_bytes", b as f64, Unit::Bytes)
                .thresholds(t.bytes(LAG_BYTES_WARNING) as f64, t.bytes(LAG_BYTES_CRITICAL) as f64),
        );
    }
    match by_time.into_iter().chain(by_bytes).max() {
        Some(status) => {
            channel_values(c, v);
            v.value("lag", human_seconds(lag));
            v.value(
                "lag_bytes",
                behind
                    .map(|b| human_bytes(b as f64))
                    .unwrap_or_else(|| "unknown".into()),
            );
            v.problem(
                status,
                "replica_lag",
                format!(
                    "{label}: {} behind (Seconds_Behind_Master, both threads running), {} read and not applied",
                    human_seconds(lag),
                    behind
                        .map(|b| human_bytes(b as f64))
                        .unwrap_or_else(|| "unknown".into())
                ),
            );
        }
        None => v.fine(format!("{label}: both threads running, {} behind", human_seconds(lag))),
    }
}

fn channel_values(c: &Channel, v: &mut Verdict) {
    v.value("channel", &c.name);
    v.value("primary_host", &c.primary);
}

/// "Duplicate entry '7' for key 'PRIMARY'", and in row-based replication "on table db.t": the
/// key, the value and the table, for the runbook to find the row.
fn duplicate_key(error: &str, v: &mut Verdict) {
    v.facts.flag("duplicate_key");
    let quoted_after = |marker: &str| -> Option<String> {
        let start = error.find(marker)? + marker.len();
        let rest = &error[start..];
        let end = rest.find("' for key").or_else(|| rest.find('\''))?;
        Some(rest[..end].to_string())
    };
    if let Some(value) = quoted_after("Duplicate entry '") {
        v.value("duplicate_value", value);
    }
    if let Some(key) = error.split("for key '").nth(1).and_then(|rest| rest.split('\'').next()) {
        // MySQL 8 says 'table.PRIMARY'; the index name is the last part.
        v.value("duplicate_key", key.rsplit('.').next().unwrap_or(key));
    }
    if let Some((schema, table)) = error
        .split(" on table ")
        .nth(1)
        .and_then(|rest| rest.split([';', ' ']).next())
        .and_then(|name| name.split_once('.'))
    {
        v.value("schema", schema);
        v.value("table", table);
    }
}

/// As a primary: replicas connected now, binary log retention, semi-sync.
fn primary_side(
    r: &Results,
    settings: &BTreeMap<String, String>,
    status: &BTreeMap<String, String>,
    v: &mut Verdict,
) -> Result<()> {
    let on = |name: &str| {
        settings
            .get(name)
            .is_some_and(|x| x.eq_ignore_ascii_case("ON") || x == "1")
    };
    let dumps = r.rows(2).map(|rows| rows.rows.len()).unwrap_or(0);
    for row in r
        .rows(2)
        .map(|rows| rows.iter().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        v.findings.push(
            Finding::new("connected_replica")
                .with("id", row.int(0)?)
                .with("user", row.text(1)?)
                .with("host", row.text(2)?)
                .with("state_for", human_seconds(row.int(3)? as f64))
                .with("state", row.text(4)?),
        );
    }
    v.metrics.push(Metric::new("replicas", dumps as f64, Unit::Count));
    if !on("log_bin") {
        if dumps > 0 {
            v.fine(format!("{dumps} replica(s) connected"));
        }
        return Ok(());
    }
    let retention = settings
        .get("binlog_expire_logs_seconds")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .or_else(|| {
            settings
                .get("expire_logs_days")
                .and_then(|d| d.parse::<f64>().ok())
                .map(|d| d * 86400.0)
        })
        .unwrap_or(0.0);
    v.metrics
        .push(Metric::new("binlog_retention_seconds", retention, Unit::Seconds));
    if dumps > 0 {
        v.fine(format!(
            "{dumps} replica(s) connected; binary logs kept {}",
            if retention > 0.0 {
                human_seconds(retention)
            } else {
                "until purged by hand".into()
            }
        ));
        if retention > 0.0 {
            v.notes.push(format!(
                "a replica disconnected for longer than the binary log retention ({}) cannot resume: it needs \
                 logs this server has purged",
                human_seconds(retention)
            ));
        }
    }
    semi_sync(settings, status, v);
    Ok(())
}

/// Semi-sync enabled on the primary but not running: commits no longer wait for a replica.
fn semi_sync(settings: &BTreeMap<String, String>, status: &BTreeMap<String, String>, v: &mut Verdict) {
    let enabled = ["rpl_semi_sync_master_enabled", "rpl_semi_sync_source_enabled"]
        .iter()
        .any(|n| settings.get(*n).is_some_and(|x| x.eq_ignore_ascii_case("ON")));
    if !enabled {
        return;
    }
    let running = ["rpl_semi_sync_master_status", "rpl_semi_sync_source_status"]
        .iter()
        .any(|n| status.get(*n).is_some_and(|x| x.eq_ignore_ascii_case("ON")));
    let clients = ["rpl_semi_sync_master_clients", "rpl_semi_sync_source_clients"]
        .iter()
        .find_map(|n| status.get(*n).and_then(|x| x.parse::<f64>().ok()))
        .unwrap_or(0.0);
    v.metrics.push(Metric::new("semi_sync_clients", clients, Unit::Count));
    if running {
        v.fine(format!("semi-sync on, {clients} replica(s) acknowledging"));
    } else {
        v.problem(
            Status::Warning,
            "semi_sync_off",
            "semi-synchronous replication is enabled but has fallen back to asynchronous: commits no longer wait \
             for a replica, so a failover may lose them"
                .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_key_error_names_the_key_value_and_table() {
        let mut v = Verdict::default();
        duplicate_key(
            "Could not execute Write_rows_v1 event on table shop.orders; Duplicate entry '7' for key \
             'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log \
             mysql-bin.000001, end_log_pos 1234",
            &mut v,
        );
        let f = &v.facts.values;
        assert_eq!(f["duplicate_value"], "7");
        assert_eq!(f["duplicate_key"], "PRIMARY");
        assert_eq!(f["schema"], "shop");
        assert_eq!(f["table"], "orders");
        let mut v = Verdict::default();
        duplicate_key("Error 'Duplicate entry 'a-b' for key 'orders.uniq'' on query.", &mut v);
        assert_eq!(v.facts.values["duplicate_value"], "a-b");
        assert_eq!(v.facts.values["duplicate_key"], "uniq");
        assert!(!v.facts.values.contains_key("table"));
    }
}
