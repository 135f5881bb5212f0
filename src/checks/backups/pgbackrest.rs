//! A pgBackRest stanza, as `pgbackrest --stanza=NAME --output=json info` describes it: status
//! code and message, backup lock, the newest backup of any type and the newest full one (their
//! `timestamp.stop`), page checksum errors, and the WAL archive's range per database id. Never
//! `pgbackrest check`, which forces a WAL switch on the server. `info` reads the repository's
//! manifests, not every WAL file, so it stays fast on a huge archive.

use super::{FULL_MAX_AGE, MAX_AGE_CRITICAL, MAX_AGE_WARNING};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::Value;

use super::{Verdict, grade_age};
use crate::checks::Thresholds;
use crate::report::{Finding, Metric, Status, Unit};
use crate::text::sanitize;
use crate::units::human_duration;

#[derive(Debug, Clone)]
pub struct Backup {
    pub label: String,
    pub kind: String,
    pub stop: i64,
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct Stanza {
    pub name: String,
    pub code: i64,
    pub message: String,
    pub lock_held: bool,
    pub backups: Vec<Backup>,
    /// (database id, min, max) of the WAL archive.
    pub archives: Vec<(String, Option<String>, Option<String>)>,
}

/// Runs `pgbackrest info` for one stanza, killed at the deadline.
pub fn info(stanza: &str, deadline: Instant) -> Result<Stanza> {
    if stanza.is_empty() || stanza.starts_with('-') || stanza.chars().any(|c| c.is_control() || c == '/') {
        bail!(
            "--pgbackrest-stanza {:?}: not a stanza name",
            crate::text::shorten(stanza, 40)
        );
    }
    let mut child = Command::new("pgbackrest")
        .arg(format!("--stanza={stanza}"))
        .args(["--output=json", "info"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow!("pgbackrest is not installed or not in PATH (apt-get install pgbackrest)")
            }
            _ => anyhow!("cannot run pgbackrest: {e}"),
        })?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.by_ref().take(64 * 1024 * 1024).read_to_end(&mut out);
            out
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("pgbackrest info did not answer within --timeout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let first = String::from_utf8_lossy(&err)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        bail!(
            "pgbackrest info failed ({status}): {}",
            sanitize(&crate::text::shorten(&first, 300), true)
        );
    }
    let json: Value = serde_json::from_slice(&out).context("pgbackrest info printed something other than JSON")?;
    parse(&json, stanza)
}

fn parse(json: &Value, wanted: &str) -> Result<Stanza> {
    let stanza = json
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == wanted))
        .ok_or_else(|| anyhow!("pgbackrest info does not list the stanza {wanted:?}"))?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let backups = stanza["backup"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|b| Backup {
                    label: text(&b["label"]).unwrap_or_default(),
                    kind: text(&b["type"]).unwrap_or_default(),
                    stop: b["timestamp"]["stop"].as_i64().unwrap_or(0),
                    error: b["error"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let archives = stanza["archive"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| (text(&a["id"]).unwrap_or_default(), text(&a["min"]), text(&a["max"])))
                .collect()
        })
        .unwrap_or_default();
    Ok(Stanza {
        name: wanted.to_string(),
        code: stanza["status"]["code"].as_i64().unwrap_or(99),
        message: text(&stanza["status"]["message"]).unwrap_or_default(),
        lock_held: stanza["status"]["lock"]["backup"]["held"].as_bool().unwrap_or(false),
        backups,
        archives,
    })
}

fn age(stop: i64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    Duration::from_secs((now - stop).max(0) as u64)
}

pub fn judge(v: &mut Verdict, t: &Thresholds, stanza: &Result<Stanza, String>) {
    let s = match stanza {
        Ok(s) => s,
        Err(e) => {
            v.problem(Status::Unknown, "not_seen", sanitize(e, true));
            return;
        }
    };
    let name = sanitize(&s.name, true);
    v.value("stanza", &name);
    v.findings.push(finding(s, &name));
    // Code 0 is ok; a running backup or expire (code 6 in older releases) is not a fault.
    if s.code != 0 && !(s.code == 6 || s.lock_held && s.backups.is_empty()) {
        v.value("detail", sanitize(&s.message, true));
        let condition = if s.code == 2 {
            "pgbackrest_stale"
        } else {
            "pgbackrest_error"
        };
        v.problem(
            Status::Critical,
            condition,
            format!(
                "pgBackRest stanza {name}: {} (code {})",
                sanitize(&s.message, true),
                s.code
            ),
        );
        return;
    }
    let Some(newest) = s.newest() else {
        v.problem(
            Status::Critical,
            "pgbackrest_stale",
            format!("pgBackRest stanza {name} has no backup"),
        );
        return;
    };
    let by_age = judge_newest(v, t, &name, newest);
    judge_full(v, t, &name, s.newest_full());
    if newest.error {
        v.value("detail", "page checksum errors");
        v.problem(
            Status::Warning,
            "pgbackrest_error",
            format!(
                "pgBackRest stanza {name}: the newest backup {} found page checksum errors",
                sanitize(&newest.label, true)
            ),
        );
    }
    if by_age == Status::Ok {
        v.fine(format!(
            "pgBackRest stanza {name}: newest backup {} ({}) {} old{}",
            sanitize(&newest.label, true),
            newest.kind,
            human_duration(age(newest.stop)),
            if s.lock_held { ", a backup is running" } else { "" }
        ));
    }
}

impl Stanza {
    fn newest(&self) -> Option<&Backup> {
        self.backups.iter().max_by_key(|b| b.stop)
    }

    fn newest_full(&self) -> Option<&Backup> {
        self.backups.iter().filter(|b| b.kind == "full").max_by_key(|b| b.stop)
    }
}

/// The stanza as a finding: status, newest backups, and each archive's WAL range.
fn finding(s: &Stanza, name: &str) -> Finding {
    let (newest, newest_full) = (s.newest(), s.newest_full());
    let mut finding = Finding::new("pgbackrest")
        .with("stanza", name.to_string())
        .with("status_code", s.code)
        .with("status", sanitize(&s.message, true))
        .with("backup_running", s.lock_held)
        .with("backups", s.backups.len())
        .with("newest", newest.map(|b| sanitize(&b.label, true)))
        .with("newest_age", newest.map(|b| human_duration(age(b.stop))))
        .with("newest_full", newest_full.map(|b| sanitize(&b.label, true)))
        .with("newest_full_age", newest_full.map(|b| human_duration(age(b.stop))));
    for (id, min, max) in &s.archives {
        finding = finding.with(
            &format!("archive_{}", sanitize(id, true)),
            format!(
                "{} .. {}",
                min.as_deref().map(|m| sanitize(m, true)).unwrap_or_else(|| "-".into()),
                max.as_deref().map(|m| sanitize(m, true)).unwrap_or_else(|| "-".into())
            ),
        );
    }
    finding
}

/// The newest backup of any type against max_age_*: its metric, and the grade by age.
fn judge_newest(v: &mut Verdict, t: &Thresholds, name: &str, newest: &Backup) -> Status {
    let newest_age = age(newest.stop);
    v.metrics.push(
        Metric::new("pgbackrest_backup_age", newest_age.as_secs_f64(), Unit::Seconds)
            .thresholds(t.seconds(MAX_AGE_WARNING), t.seconds(MAX_AGE_CRITICAL)),
    );
    let by_age = grade_age(newest_age, t);
    if by_age != Status::Ok {
        v.value("age", human_duration(newest_age));
        v.problem(
            by_age,
            "pgbackrest_stale",
            format!(
                "pgBackRest stanza {name}: the newest backup {} is {} old",
                sanitize(&newest.label, true),
                human_duration(newest_age)
            ),
        );
    }
    by_age
}

/// The newest full backup against full_max_age: a WARNING when old or missing.
fn judge_full(v: &mut Verdict, t: &Thresholds, name: &str, newest_full: Option<&Backup>) {
    match newest_full {
        Some(full) if age(full.stop) >= t.duration(FULL_MAX_AGE) => {
            v.problem(
                Status::Warning,
                "pgbackrest_full_stale",
                format!(
                    "pgBackRest stanza {name}: the newest full backup {} is {} old (limit {})",
                    sanitize(&full.label, true),
                    human_duration(age(full.stop)),
                    t.shown(FULL_MAX_AGE)
                ),
            );
        }
        Some(_) => {}
        None => v.problem(
            Status::Warning,
            "pgbackrest_full_stale",
            format!("pgBackRest stanza {name} has no full backup"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::backups::SPEC;
    use std::collections::BTreeMap;

    fn stanza(json: &str) -> Stanza {
        parse(&serde_json::from_str(json).unwrap(), "main").unwrap()
    }

    fn verdict(s: Stanza) -> crate::checks::Outcome {
        let t = Thresholds::resolve(&SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap();
        let mut v = Verdict::default();
        judge(&mut v, &t, &Ok(s));
        v.outcome()
    }

    #[test]
    fn checksum_errors_in_the_newest_backup_are_a_warning() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let s = stanza(&format!(
            r#"[{{"name":"main","status":{{"code":0,"message":"ok","lock":{{"backup":{{"held":false}}}}}},
                "backup":[{{"label":"20261124-010000F","type":"full","timestamp":{{"start":{0},"stop":{0}}},"error":true}}],
                "archive":[{{"id":"15-1","min":"000000010000000000000001","max":"000000010000000000000009"}}]}}]"#,
            now - 3600
        ));
        assert_eq!(s.archives.len(), 1);
        let o = verdict(s);
        assert_eq!(o.status, Status::Warning, "{}", o.summary);
        assert!(o.summary.contains("page checksum errors"), "{}", o.summary);
    }

    #[test]
    fn a_stanza_without_valid_backups_is_critical() {
        let s =
            stanza(r#"[{"name":"main","status":{"code":2,"message":"no valid backups"},"backup":[],"archive":[]}]"#);
        let o = verdict(s);
        assert_eq!(o.status, Status::Critical);
        assert_eq!(o.facts.lead.as_deref(), Some("pgbackrest_stale"));
    }
}
