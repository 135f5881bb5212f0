//! `dbrunbook end`: ends sessions the way a careful DBA does. It takes session references from
//! a report (or a bulk filter for a leaked pool), reads the sessions again and refuses, naming
//! the rule, whatever is no longer that session, is protected (`ObservedSession::protected`,
//! the one home the runbooks' steps use too), is its own session or only waits on a lock (it
//! names the root instead). Then, only when confirmed (a terminal's answer, or `--yes`): the
//! evidence to a file first, a cancel for a running statement, a bounded wait, a terminate only
//! if still needed, the effect verified, and one audit line per session. `read` is what it reads,
//! `judge` the refusals and plans, `act` the signals and waits, `audit` the files it writes.
//! Produces an ordinary report with one result named `end`: OK when every session asked for
//! ended, WARNING when any was refused or nothing was confirmed, CRITICAL when one would not
//! end, UNKNOWN when the tool could not look.

mod act;
mod audit;
mod judge;
mod read;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use serde_json::json;

use crate::checks::session_ref::SessionRef;
use crate::cli::EndArgs;
use crate::diagnose::Deadlines;
use crate::engine::{Limits, Session};
use crate::report::{CheckResult, Finding, Metric, Report, Status, TargetInfo, Unit};
use crate::target::{Engine, Target};
use crate::text::shorten;

use judge::Decision;
use read::{Live, Snapshot};

/// The name of the one result.
const NAME: &str = "end";
/// Longest statement text shown per session.
const QUERY_SHOWN: usize = 120;

/// One session asked for, with the decision on it.
struct Candidate {
    live: Option<Live>,
    /// The reference as asked (by reference) or as read (bulk).
    reference: Option<SessionRef>,
    asked: String,
    decision: Decision,
    behind: Vec<i64>,
}

pub fn run(url: Option<&str>, deadlines: Deadlines, args: &EndArgs) -> Report {
    let started = Instant::now();
    let env = |k: &str| std::env::var(k).ok();
    let (target_info, result) = match Target::resolve(url, &env) {
        Err(e) => (unknown_target(), unknown(format!("{e:#}"))),
        Ok(target) => {
            let info = TargetInfo {
                engine: target.engine.to_string(),
                url: target.redacted_url(),
                server_version: None,
            };
            let (version, result) = match crate::diagnose::runtime() {
                Err(why) => (None, unknown(why)),
                Ok(rt) => rt.block_on(go(&target, deadlines, args)),
            };
            (
                TargetInfo {
                    server_version: version,
                    ..info
                },
                result,
            )
        }
    };
    Report::new(target_info, vec![result], started.elapsed().as_millis() as u64)
}

fn unknown_target() -> TargetInfo {
    TargetInfo {
        engine: "unknown".into(),
        url: String::new(),
        server_version: None,
    }
}

fn unknown(why: impl Into<String>) -> CheckResult {
    result(Status::Unknown, why.into(), vec![], vec![])
}

fn result(status: Status, summary: String, findings: Vec<Finding>, notes: Vec<String>) -> CheckResult {
    CheckResult {
        check: NAME.into(),
        status,
        summary,
        metrics: vec![],
        findings,
        notes,
        runbook: None,
    }
}

async fn go(target: &Target, deadlines: Deadlines, args: &EndArgs) -> (Option<String>, CheckResult) {
    if let Err(e) = wanted_is_clear(target, args) {
        return (None, unknown(e.to_string()));
    }
    let limits = Limits {
        connect_timeout: deadlines.connect(target),
        statement_timeout: deadlines.timeout.min(Duration::from_secs(10)),
        lock_timeout: Duration::from_secs(1),
    };
    let mut session = match Session::connect(target, &limits).await {
        Ok(s) => s,
        Err(e) => return (None, unknown(format!("cannot connect: {e}"))),
    };
    let version = Some(session.server().version.clone());
    let outcome = match tokio::time::timeout(deadlines.timeout, plan_and_end(&mut session, target, args)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => unknown(crate::redact::driver_message(
            &format!("{e:#}"),
            target.password.as_deref(),
        )),
        Err(_) => unknown(format!(
            "--timeout {} ran out: what was sent is in the audit log",
            crate::units::format_duration(deadlines.timeout)
        )),
    };
    session.close().await;
    (version, outcome)
}

/// References or a bulk filter, not both, not neither; references of this engine.
fn wanted_is_clear(target: &Target, args: &EndArgs) -> Result<()> {
    let bulk = args.application.is_some() || args.user.is_some();
    if target.engine == Engine::Pgbouncer {
        bail!("dbrunbook end works on PostgreSQL and MySQL/MariaDB: give the server's URL, not PgBouncer's console");
    }
    if args.references.is_empty() && !bulk {
        bail!(
            "say which sessions: session references from a report (dbrunbook end pg:PID@...), or a bulk \
             filter with --application or --user (with --state and --older-than)"
        );
    }
    if !args.references.is_empty() && (bulk || args.state.is_some() || args.older_than.is_some()) {
        bail!(
            "give either session references or a bulk filter (--application, --user, --state, --older-than), not both"
        );
    }
    for r in &args.references {
        let parsed = SessionRef::parse(r)?;
        let same = matches!(
            (parsed.engine, target.engine),
            (Engine::Mysql, Engine::Mysql) | (Engine::Postgres, Engine::Postgres)
        );
        if !same {
            bail!(
                "{r} is a reference to a {} session, but --url is a {} server",
                parsed.engine,
                target.engine
            );
        }
    }
    Ok(())
}

async fn plan_and_end(session: &mut Session, target: &Target, args: &EndArgs) -> Result<CheckResult> {
    let before = read::snapshot(session).await?;
    let candidates = candidates(&before, args)?;
    let to_end: Vec<&Candidate> = candidates.iter().filter(|c| c.decision.is_ok()).collect();
    let mut notes = Vec::new();
    let go_ahead = if to_end.is_empty() {
        false
    } else if args.dry_run {
        notes.push("--dry-run: nothing was sent".into());
        false
    } else if args.yes {
        true
    } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        confirm(&candidates)?
    } else {
        notes.push("nothing was sent: not on a terminal, and --yes was not given".into());
        false
    };
    if !go_ahead {
        let findings = candidates.iter().map(|c| finding(c, None, None)).collect();
        let status = if args.dry_run && candidates.iter().all(|c| c.decision.is_ok()) {
            Status::Ok
        } else {
            Status::Warning
        };
        return Ok(counted(
            summary(&candidates, false),
            status,
            findings,
            notes,
            &candidates,
        ));
    }
    let files = Files::resolve(args)?;
    let targets: Vec<(i64, Vec<i64>)> = to_end
        .iter()
        .filter_map(|c| Some((c.live.as_ref()?.s.pid, c.behind.clone())))
        .collect();
    let evidence = act::evidence(session, &targets).await?;
    audit::write_evidence(
        &files.evidence,
        &json!({ "target": target.redacted_url(), "taken_by": audit::who(), "sessions": evidence }),
    )?;
    notes.push(format!("evidence saved to {}", files.evidence.display()));
    let mut findings = Vec::new();
    let mut worst = Status::Ok;
    for c in &candidates {
        let (Ok(plan), Some(reference)) = (&c.decision, c.reference.as_ref()) else {
            worst = worst.worst(Status::Warning);
            log(&files, target, c, None)?;
            findings.push(finding(c, None, None));
            continue;
        };
        let done = act::end(session, reference, *plan, args.grace).await?;
        let moved = act::verify(session, &c.behind, reference.pid, args.grace).await?;
        worst = worst.worst(if done.ok { Status::Ok } else { Status::Critical });
        log(&files, target, c, Some(&done))?;
        findings.push(finding(c, Some(&done), Some(moved)));
    }
    let after = read::snapshot(session).await?;
    notes.push(format!(
        "client sessions: {} before, {} after",
        clients(&before),
        clients(&after)
    ));
    notes.push(format!("audit log: {}", files.audit.display()));
    let mut r = counted(summary(&candidates, true), worst, findings, notes, &candidates);
    r.metrics
        .push(Metric::new("sessions_after", clients(&after) as f64, Unit::Count));
    Ok(r)
}

fn clients(snap: &Snapshot) -> usize {
    snap.sessions
        .iter()
        .filter(|l| l.s.protected().is_none() && !l.own)
        .count()
}

/// The sessions asked for, each judged on the snapshot.
fn candidates(snap: &Snapshot, args: &EndArgs) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for text in &args.references {
        let wanted = SessionRef::parse(text)?;
        let live = snap.by_pid(wanted.pid).cloned();
        let decision = match &live {
            Some(l) => judge::judge(l, Some(&wanted), snap),
            None => Err(judge::Refusal {
                rule: "stale reference",
                why: format!("no session has pid {} any more: it has ended", wanted.pid),
                roots: vec![],
            }),
        };
        out.push(Candidate {
            behind: snap.behind(wanted.pid),
            live,
            reference: Some(wanted),
            asked: text.clone(),
            decision,
        });
    }
    if !args.references.is_empty() {
        return Ok(out);
    }
    for l in snap.sessions.iter().filter(|l| bulk_match(l, args)) {
        out.push(Candidate {
            behind: snap.behind(l.s.pid),
            reference: l.reference.clone(),
            asked: l
                .reference
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_else(|| format!("pid {}", l.s.pid)),
            decision: judge::judge(l, None, snap),
            live: Some(l.clone()),
        });
    }
    if out.is_empty() {
        return Err(anyhow!("no session matches the filter: nothing to end"));
    }
    Ok(out)
}

fn bulk_match(l: &Live, args: &EndArgs) -> bool {
    let name = l.s.program.as_deref().unwrap_or(l.s.application());
    args.application.as_deref().is_none_or(|a| a == name)
        && args.user.as_deref().is_none_or(|u| u == l.s.user)
        && args.state.is_none_or(|s| s.matches(&l.s.state))
        && args
            .older_than
            .is_none_or(|age| l.s.state_seconds.or(l.s.xact_seconds).unwrap_or(0.0) >= age.as_secs_f64())
}

/// Shows the plan on the terminal and asks.
fn confirm(candidates: &[Candidate]) -> Result<bool> {
    for c in candidates {
        let line = match &c.decision {
            Ok(plan) => format!("  end    {}: {}", c.asked, plan.describe()),
            Err(r) => format!("  refuse {} ({}): {}", c.asked, r.rule, r.why),
        };
        crate::log::stderr(&format!("{}\n", crate::text::sanitize(&line, true)));
    }
    let n = candidates.iter().filter(|c| c.decision.is_ok()).count();
    crate::log::stderr(&format!("End {n} session(s)? Evidence is saved first. [y/N] "));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn summary(candidates: &[Candidate], sent: bool) -> String {
    let to_end = candidates.iter().filter(|c| c.decision.is_ok()).count();
    let refused = candidates.len() - to_end;
    let verb = if sent { "ended" } else { "to end" };
    let mut s = format!("{to_end} session(s) {verb}, {refused} refused");
    if let Some(Err(r)) = candidates.iter().map(|c| &c.decision).find(|d| d.is_err()) {
        s.push_str(&format!(" (first: {}: {})", r.rule, r.why));
    }
    s
}

fn counted(
    summary: String,
    status: Status,
    findings: Vec<Finding>,
    notes: Vec<String>,
    c: &[Candidate],
) -> CheckResult {
    let mut r = result(status, summary, findings, notes);
    let refused = c.iter().filter(|c| c.decision.is_err()).count();
    r.metrics = vec![
        Metric::new("planned", (c.len() - refused) as f64, Unit::Count),
        Metric::new("refused", refused as f64, Unit::Count),
    ];
    r
}

fn finding(c: &Candidate, done: Option<&act::Done>, moved: Option<(usize, usize)>) -> Finding {
    let s = c.live.as_ref().map(|l| &l.s);
    let mut f = Finding::new("session")
        .with("session", c.asked.as_str())
        .with("pid", c.reference.as_ref().map(|r| r.pid).or(s.map(|s| s.pid)))
        .with("user", s.map(|s| s.user.clone()))
        .with(
            "application",
            s.map(|s| s.program.clone().unwrap_or_else(|| s.application().to_string())),
        )
        .with("state", s.map(|s| s.state.clone()))
        .with("query", s.map(|s| shorten(&s.query, QUERY_SHOWN)));
    f = match &c.decision {
        Ok(plan) => f.with("decision", "end").with("plan", plan.describe()),
        Err(r) => f
            .with("decision", "refused")
            .with("rule", r.rule)
            .with("why", r.why.as_str())
            .with("roots", serde_json::Value::from(r.roots.clone())),
    };
    if let Some(d) = done {
        f = f
            .with("sent", serde_json::Value::from(d.sent.clone()))
            .with("result", d.result.as_str());
    }
    if let Some((m, of)) = moved.filter(|(_, of)| *of > 0) {
        f = f.with("waiters_moved", format!("{m} of {of}"));
    }
    f
}

/// Where this run writes.
struct Files {
    audit: PathBuf,
    evidence: PathBuf,
}

impl Files {
    fn resolve(args: &EndArgs) -> Result<Files> {
        let state = || audit::state_dir();
        let audit = match &args.audit_log {
            Some(p) => p.clone(),
            None => state()?.join("end-audit.jsonl"),
        };
        let dir = match &args.evidence_dir {
            Some(d) => d.clone(),
            None => state()?.join("evidence"),
        };
        let now = std::time::SystemTime::now();
        let stamp = crate::units::utc_iso(now).replace(':', "");
        let nanos = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let evidence = dir.join(format!("end-{stamp}-{}-{nanos:09}.json", std::process::id()));
        Ok(Files { audit, evidence })
    }
}

/// One audit line: who, where, which session, the evidence, what was sent, the result.
fn log(files: &Files, target: &Target, c: &Candidate, done: Option<&act::Done>) -> Result<()> {
    let line = json!({
        "time": crate::units::utc_iso(std::time::SystemTime::now()),
        "who": audit::who(),
        "database_user": target.user,
        "target": target.redacted_url(),
        "session": c.asked,
        "evidence": files.evidence.display().to_string(),
        "decision": match &c.decision { Ok(_) => "end".to_string(), Err(r) => format!("refused: {}", r.rule) },
        "sent": done.map(|d| d.sent.clone()).unwrap_or_default(),
        "result": done.map(|d| d.result.clone()).unwrap_or_else(|| "nothing sent".into()),
    });
    audit::append(&files.audit, &line)
}
