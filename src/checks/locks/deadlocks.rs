//! Deadlocks as an incident: the server's deadlock counter (PostgreSQL's
//! pg_stat_database.deadlocks, InnoDB's Innodb_deadlocks) turned into a rate over a window with
//! two points in time, and the latest deadlock InnoDB kept (its time, statements and tables).
//! The window is the best of what exists, said in the output: two samples `--interval` apart,
//! the previous run's counter (kept by `serve`, `--watch`, the fleet, or the state file of
//! [`crate::memory`]), else the counter since the statistics were reset or the server started.

use super::{DEADLOCKS_CRITICAL, DEADLOCKS_WARNING};
use crate::checks::{Facts, Thresholds};
use crate::memory::Memory;
use crate::report::{Finding, Metric, Status, Unit};
use crate::units::human_seconds;
use serde_json::Value;

/// One repeated deadlock is a storm in the making; a single one is what an application that
/// retries lives with. The window must hold at least this many before a rate is judged.
const STORM_MIN: f64 = 2.0;

/// The deadlock counter as one snapshot read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Counter {
    pub count: i64,
    /// The server's clock when read, Unix seconds.
    pub now: f64,
    /// Since when the counter counts, when the server says it: Unix seconds and in words.
    pub since: Option<(f64, String)>,
    /// When the server started, Unix seconds: a remembered value from before counts another life.
    pub started: Option<f64>,
}

/// The latest deadlock InnoDB detected (SHOW ENGINE INNODB STATUS).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Latest {
    /// As the server printed it, in its own time zone.
    pub when: String,
    /// How long ago, by the server's clock.
    pub age_seconds: Option<f64>,
    /// Each transaction's statement, whole.
    pub statements: Vec<String>,
    /// The tables whose locks they fought over, `schema`.`table`.
    pub tables: Vec<String>,
}

/// Deadlocks over a window of time, and how the window was found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rate {
    pub deadlocks: f64,
    pub seconds: f64,
    pub how: String,
}

impl Rate {
    pub fn per_minute(&self) -> f64 {
        if self.seconds > 0.0 {
            self.deadlocks * 60.0 / self.seconds
        } else {
            0.0
        }
    }
}

/// The rate over the best window there is: the two samples of `--interval`, the previous run,
/// then the counter's own start. `now` is this machine's clock, the one the memory keeps.
pub(super) fn measure(first: &Counter, second: Option<&Counter>, memory: Option<&Memory>, now: f64) -> Option<Rate> {
    let last = second.unwrap_or(first);
    if let Some(second) = second
        && second.count >= first.count
        && second.now > first.now
    {
        return Some(Rate {
            deadlocks: (second.count - first.count) as f64,
            seconds: second.now - first.now,
            how: format!(
                "between two samples {} apart (--interval)",
                human_seconds(second.now - first.now)
            ),
        });
    }
    let remembered = memory.and_then(|m| Some((m.get("locks", "deadlocks")?, m.kept_by.as_str())));
    if let Some((sample, kept_by)) = remembered
        && sample.value <= last.count as f64
        && now > sample.at
        && last.started.is_none_or(|started| sample.at > started)
    {
        return Some(Rate {
            deadlocks: last.count as f64 - sample.value,
            seconds: now - sample.at,
            how: format!("since {kept_by}, {} ago", human_seconds(now - sample.at)),
        });
    }
    let (at, words) = last.since.as_ref()?;
    (last.now > *at).then(|| Rate {
        deadlocks: last.count as f64,
        seconds: last.now - at,
        how: format!("{words}, {} ago", human_seconds(last.now - at)),
    })
}

/// The verdict on the deadlocks: a status (OK unless a storm), the facts of the deadlock-storm
/// runbook, the metric, and a sentence for the summary when it is a storm.
pub(super) struct Verdict {
    pub status: Status,
    pub sentence: Option<String>,
    pub notes: Vec<String>,
}

pub(super) fn judge(
    counter: &Counter,
    rate: Option<&Rate>,
    latest: Option<&Latest>,
    t: &Thresholds,
    facts: &mut Facts,
    metrics: &mut Vec<Metric>,
) -> Verdict {
    let (warning, critical) = (t.count(DEADLOCKS_WARNING) as f64, t.count(DEADLOCKS_CRITICAL) as f64);
    metrics.push(Metric::new("deadlocks", counter.count as f64, Unit::Counter));
    facts.set("deadlocks", counter.count);
    if counter.count > 0 {
        facts.flag("deadlocks");
    }
    let mut notes = Vec::new();
    let Some(rate) = rate else {
        if counter.count > 0 {
            notes.push(format!(
                "{} deadlock(s) counted, but no second point in time to make a rate of them: the counter's start is \
                 unknown (PostgreSQL keeps it across restarts until pg_stat_reset). Run again (the count is kept for \
                 the next run) or with --interval 30s",
                counter.count
            ));
        }
        return Verdict {
            status: Status::Ok,
            sentence: None,
            notes,
        };
    };
    let per_minute = rate.per_minute();
    metrics.push(
        Metric::new(
            "deadlocks_per_minute",
            (per_minute * 100.0).round() / 100.0,
            Unit::Count,
        )
        .thresholds(warning, critical),
    );
    let window = format!("{} in {}, {}", rate.deadlocks, human_seconds(rate.seconds), rate.how);
    notes.push(format!("deadlocks: {window}"));
    let storm = rate.deadlocks >= STORM_MIN && per_minute >= warning;
    let status = match (storm, per_minute >= critical) {
        (false, _) => Status::Ok,
        (true, false) => Status::Warning,
        (true, true) => Status::Critical,
    };
    facts.set("deadlocks_in_window", rate.deadlocks);
    facts.set("deadlock_rate", format!("{per_minute:.1}"));
    facts.set(
        "deadlock_window",
        format!("in {}, {}", human_seconds(rate.seconds), rate.how),
    );
    if storm {
        facts.flag("deadlock_storm");
    }
    latest_facts(latest, facts);
    Verdict {
        status,
        sentence: storm.then(|| format!("deadlock storm: {window}; {per_minute:.1} a minute")),
        notes,
    }
}

/// The latest deadlock's statements and tables, whole, for the runbook.
fn latest_facts(latest: Option<&Latest>, facts: &mut Facts) {
    let Some(latest) = latest else {
        return;
    };
    facts.flag("deadlock_latest");
    let age = latest
        .age_seconds
        .map(|a| format!(" ({} ago)", human_seconds(a)))
        .unwrap_or_default();
    facts.set("deadlock_at", format!("{}{age}", latest.when));
    for (i, statement) in latest.statements.iter().take(2).enumerate() {
        facts.set(&format!("deadlock_statement_{}", i + 1), statement);
    }
    let tables = match latest.tables.as_slice() {
        [] => "tables InnoDB did not name".to_string(),
        tables => tables.join(", "),
    };
    facts.set("deadlock_tables", tables);
}

/// The latest deadlock as a finding: its statements and tables whole (the JSON keeps the shape
/// it always had, `detected` and `statements`, and adds the tables and the age).
pub(super) fn finding(latest: &Latest) -> Finding {
    Finding::new("latest_deadlock")
        .with("detected", latest.when.as_str())
        .with("age", latest.age_seconds.map(human_seconds))
        .with("statements", Value::from(latest.statements.clone()))
        .with("tables", Value::from(latest.tables.clone()))
}

/// Seconds between two `YYYY-MM-DD HH:MM:SS` times of the same clock (the server's local time,
/// as InnoDB prints it); `None` when either does not read as one.
pub(super) fn seconds_between(earlier: &str, later: &str) -> Option<f64> {
    Some((local_seconds(later)? - local_seconds(earlier)?) as f64)
}

fn local_seconds(text: &str) -> Option<i64> {
    let t = text.get(..19)?;
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm), enough for a difference.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::Sample;
    use std::collections::BTreeMap;

    const WEEK: f64 = 7.0 * 86_400.0;

    fn thresholds() -> Thresholds {
        Thresholds::resolve(&super::super::SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap()
    }

    fn counter(count: i64, now: f64) -> Counter {
        Counter {
            count,
            now,
            since: Some((now - 3.0 * WEEK, "since the server started".into())),
            started: Some(now - 3.0 * WEEK),
        }
    }

    fn remembered(value: f64, at: f64) -> Memory {
        Memory {
            samples: BTreeMap::from([("locks.deadlocks".to_string(), Sample { value, at })]),
            kept_by: "the previous run".into(),
        }
    }

    fn verdict(c: &Counter, rate: Option<&Rate>) -> (Status, Facts) {
        let mut facts = Facts::default();
        let v = judge(c, rate, None, &thresholds(), &mut facts, &mut Vec::new());
        (v.status, facts)
    }

    #[test]
    fn old_deadlocks_on_a_server_up_for_weeks_are_no_storm() {
        let now = 1_800_000_000.0;
        let c = counter(5000, now);
        let rate = measure(&c, None, None, now).unwrap();
        assert!(rate.how.starts_with("since the server started"), "{}", rate.how);
        assert_eq!(verdict(&c, Some(&rate)).0, Status::Ok);
    }

    #[test]
    fn a_new_storm_after_a_calm_period_is_caught_by_the_previous_run() {
        let now = 1_800_000_000.0;
        // The previous run (a cron job five minutes ago) saw 5000, all old: calm since.
        let calm = measure(&counter(5000, now), None, Some(&remembered(5000.0, now - 300.0)), now).unwrap();
        assert_eq!(verdict(&counter(5000, now), Some(&calm)).0, Status::Ok);
        // Then 37 in the five minutes since: a storm, whatever the weeks before dilute it to.
        let storm = measure(&counter(5037, now), None, Some(&remembered(5000.0, now - 300.0)), now).unwrap();
        assert!(storm.how.starts_with("since the previous run"), "{}", storm.how);
        let (status, facts) = verdict(&counter(5037, now), Some(&storm));
        assert_eq!(status, Status::Warning);
        assert!(facts.conditions.contains("deadlock_storm"));
        assert_eq!(facts.values["deadlocks_in_window"], "37");
    }

    #[test]
    fn the_interval_wins_over_the_memory_and_a_restart_forgets_the_memory() {
        let now = 1_800_000_000.0;
        let first = counter(100, now - 30.0);
        let second = counter(137, now);
        let rate = measure(&first, Some(&second), Some(&remembered(0.0, now - 3600.0)), now).unwrap();
        assert_eq!((rate.deadlocks, rate.seconds), (37.0, 30.0));
        assert_eq!(verdict(&second, Some(&rate)).0, Status::Critical);
        // Remembered before the server's start: another life of the counter, not a window.
        let restarted = Counter {
            started: Some(now - 60.0),
            ..counter(10, now)
        };
        let rate = measure(&restarted, None, Some(&remembered(5.0, now - 120.0)), now).unwrap();
        assert!(rate.how.starts_with("since the server started"), "{}", rate.how);
    }

    #[test]
    fn a_counter_without_a_start_is_no_rate_and_says_how_to_get_one() {
        let c = Counter {
            count: 4,
            now: 10.0,
            ..Counter::default()
        };
        assert!(measure(&c, None, None, 10.0).is_none());
        let mut facts = Facts::default();
        let v = judge(&c, None, None, &thresholds(), &mut facts, &mut Vec::new());
        assert_eq!(v.status, Status::Ok);
        assert!(v.notes[0].contains("--interval"), "{:?}", v.notes);
    }

    #[test]
    fn innodb_timestamps_subtract_across_a_month() {
        assert_eq!(
            seconds_between("2026-11-30 23:59:50 0x7f", "2026-12-01 00:00:05"),
            Some(15.0)
        );
        assert_eq!(seconds_between("garbage", "2026-12-01 00:00:05"), None);
    }
}
