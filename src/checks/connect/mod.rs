//! The connect check: "the application says it cannot reach the database". The tool's own
//! connection attempt is the probe: each phase (name resolution, TCP per address, TLS, startup
//! and authentication) timed, and the one that failed named with the runbook for it. Once in:
//! how long the server has been up (a recent restart is a crash, a restart or a failover),
//! primary or replica, and the settings that drop idle connections. The engine records the
//! phases (`engine::attempt`); this module judges them.

mod phases;
mod server;

use anyhow::{Result, bail};

use super::{Check, CheckOption, CheckSpec, Context, Facts, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::{ConnectError, Failure, Phase, Query};
use crate::report::{Metric, Status, Unit};
use crate::target::Engine;
use crate::units::format_duration;

pub struct Connect;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const RESTARTED_WITHIN: Threshold = Threshold {
    key: "restarted_within",
    kind: ThresholdKind::Duration,
    // check_mysql_health's uptime mode warns below 10 minutes too: long enough to catch
    // a crash or failover that the application is still reeling from, short enough that
    // a planned restart does not keep monitoring yellow for the rest of the day.
    default: "10m",
    help: "WARNING when the server started less than this long ago (a crash, a restart or a failover)",
};

pub const CONNECTION_ERRORS: Threshold = Threshold {
    key: "connection_errors",
    kind: ThresholdKind::Count,
    // Ten a minute: a client retrying a wrong password, or a load balancer's TCP health
    // check (each counts as an aborted connect, and against max_connect_errors).
    default: "600",
    help: "MySQL/MariaDB: WARNING at this many failed connection attempts (Aborted_connects, less \
           MariaDB's hang-ups before authentication, and Connection_errors_*) per hour of uptime, averaged over at least one hour",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "connect",
    about: "The connection itself: name resolution, TCP, TLS, startup and authentication, each \
            timed, and which one failed; server uptime (a recent restart), primary or replica, \
            and the settings that drop idle connections.",
    // PgBouncer too: connecting to its console goes through the same phases, and a PgBouncer
    // that cannot be reached is this incident; uptime and role belong to the server behind it.
    engines: &[Engine::Postgres, Engine::Mysql, Engine::Pgbouncer],
    thresholds: &[RESTARTED_WITHIN, CONNECTION_ERRORS],
    options: &[CheckOption {
        key: "expect",
        value_name: "ROLE",
        help: "primary or replica: CRITICAL when a primary was expected and this is a replica, WARNING when \
               a primary is read-only or a replica was expected",
        repeatable: false,
    }],
    ordered: &[],
    default_limit: 10,
    steady: false,
    server_wide: false,
    placeholders: &[
        "host",
        "port",
        "address",
        "phase",
        "failure",
        "detail",
        "user",
        "database",
        "client_address",
        "client_cidr",
        "uptime",
        "started_at",
    ],
    item_placeholders: &[],
    conditions: CONDITIONS,
};

/// Every failure's key, `phase_<step>` for the failed phase, and the verdicts when connected.
const CONDITIONS: &[&str] = &[
    "no_such_host",
    "refused",
    "timed_out",
    "unreachable",
    "lost_connection",
    "tls_refused",
    "cert_expired",
    "cert_wrong_host",
    "cert_unknown_ca",
    "tls_failed",
    "wrong_password",
    "host_not_allowed",
    "unknown_role",
    "unknown_database",
    "access_denied",
    "too_many_clients",
    "host_blocked",
    "starting_up",
    "shutting_down",
    "in_recovery",
    "standby_not_accepting",
    "wrong_role",
    "other",
    "phase_resolve",
    "phase_tcp",
    "phase_socket",
    "phase_tls",
    "phase_startup",
    "failover",
    "restarted",
    "replica",
    "read_only",
    "expect_mismatch",
    "connection_errors",
    // Never reported by the check: the rules export's probe-failed runbook serves it, for the
    // alert that fires when no diagnosis can run at all.
    "probe_failed",
];

/// Which role `--expect` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Primary,
    Replica,
}

fn expected(ctx: &Context) -> Result<Option<Role>> {
    Ok(match ctx.option("expect") {
        None => None,
        Some("primary") => Some(Role::Primary),
        Some("replica" | "standby") => Some(Role::Replica),
        Some(other) => bail!("invalid --expect '{other}': use primary or replica"),
    })
}

impl Check for Connect {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        server::queries(ctx.server)
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let expect = expected(ctx)?;
        let state = server::read(ctx.server, results)?;
        let phases = &ctx.server.phases;
        let mut v = Verdict {
            status: Status::Ok,
            facts: Facts::default(),
            problems: Vec::new(),
            metrics: phases::metrics(phases),
        };
        v.failover(phases);
        v.restarted(ctx, &state);
        let role = v.role(expect, &state);
        v.connection_errors(ctx, &state);
        v.metrics.extend(state.metrics.iter().cloned());
        let mut notes = Vec::new();
        if !state.settings.is_empty() {
            notes.push(format!(
                "settings that end idle or silent connections: {}",
                state.settings.join(", ")
            ));
        }
        notes.extend(state.notes.iter().cloned());
        if let Some(age) = ctx.server.reused {
            notes.push(format!(
                "the queries ran on a session kept from earlier probes (opened {} ago); the times above are \
                 of a new connection made alongside, to measure them",
                format_duration(std::time::Duration::from_secs(age.as_secs().max(1)))
            ));
        }

        let answered = phases
            .iter()
            .rev()
            .find(|p| p.failure.is_none())
            .map_or_else(|| "the server".to_string(), phases::where_to);
        let role_text = match (role, state.read_only) {
            (Some(Role::Replica), _) => "a replica",
            (Some(Role::Primary), Some(true)) => "a read-only primary",
            (Some(Role::Primary), _) => "a primary",
            (None, _) => "a PgBouncer",
        };
        let mut summary = format!(
            "connected to {answered} in {} ms ({}); {role_text}",
            phases::total_ms(phases),
            phases::timings(phases)
        );
        if let Some(up) = v.facts.values.get("uptime") {
            summary.push_str(&format!(", up {up}"));
        }
        if !v.problems.is_empty() {
            summary = format!("{}; {summary}", v.problems.join("; "));
        }
        Ok(Outcome {
            status: v.status,
            summary,
            metrics: v.metrics,
            findings: phases::findings(phases),
            notes,
            facts: v.facts,
        })
    }

    /// The connection failed: that is this check's CRITICAL, whatever the phase.
    fn refused(&self, err: &ConnectError, _engine: Engine) -> Option<Outcome> {
        let mut facts = Facts::default();
        let summary = match err.failed_phase() {
            Some(p) => {
                phases::failure_facts(&mut facts, p, &err.user, err.database.as_deref());
                format!("cannot connect: {}", phases::sentence(p))
            }
            None => {
                facts.flag("other");
                format!("cannot connect: {}", err.message)
            }
        };
        let decisive = err.failed_phase().map(|p| p as *const _);
        let notes = err
            .phases
            .iter()
            .filter(|p| p.failure.is_some() && Some(*p as *const _) != decisive)
            .map(|p| format!("also: {}", phases::sentence(p)))
            .collect();
        Some(Outcome {
            status: Status::Critical,
            summary,
            metrics: phases::metrics(&err.phases),
            findings: phases::findings(&err.phases),
            notes,
            facts,
        })
    }

    fn probes_connection(&self) -> bool {
        true
    }
}

/// The verdict on a connection that succeeded, built up by the steps below.
struct Verdict {
    status: Status,
    facts: Facts,
    /// What is wrong, in the user's words; they lead the summary.
    problems: Vec<String>,
    metrics: Vec<Metric>,
}

impl Verdict {
    /// Connected in the end, but a host or an address failed first.
    fn failover(&mut self, phases: &[Phase]) {
        let failed: Vec<_> = phases
            .iter()
            .filter(|p| p.failure.is_some_and(|f| f != Failure::WrongRole))
            .collect();
        if let Some(last) = failed.last() {
            self.status = Status::Warning;
            phases::failure_facts(&mut self.facts, last, "", None);
            self.facts.flag("failover");
            self.problems
                .push(format!("connected only after a failure: {}", phases::sentence(last)));
        }
    }

    /// The server's uptime; a start within `--restarted-within` is a WARNING.
    fn restarted(&mut self, ctx: &Context, state: &server::State) {
        let Some(uptime) = state.uptime_s else {
            return;
        };
        // Judged exactly, shown in whole seconds rounded down: 599.7 s is "9m59s" and 599 in the
        // metric, under 10m everywhere (rounded it read 600 beside "under --restarted-within
        // 10m"); a server up 0.3 s is not under a 1ms threshold.
        let shown = uptime.floor();
        self.metrics.push(Metric::new("uptime", shown, Unit::Seconds));
        let up = crate::units::human_seconds(shown);
        self.facts.set("uptime", &up);
        if let Some(at) = &state.started_at {
            self.facts.set("started_at", at);
        }
        let within = ctx.thresholds.duration(RESTARTED_WITHIN);
        if uptime < within.as_secs_f64() {
            self.status = self.status.worst(Status::Warning);
            self.facts.flag("restarted");
            self.facts.lead = Some("restarted".into());
            self.problems.push(format!(
                "the server started {up} ago{} (under --restarted-within {}): a crash, a restart or a failover; \
                 its log says which",
                state
                    .started_at
                    .as_deref()
                    .map(|a| format!(" at {a}"))
                    .unwrap_or_default(),
                format_duration(within)
            ));
        }
    }

    /// The server's role, against `--expect`.
    fn role(&mut self, expect: Option<Role>, state: &server::State) -> Option<Role> {
        let facts = &mut self.facts;
        let role = match state.replica {
            Some(true) => {
                facts.flag("replica");
                Some(Role::Replica)
            }
            Some(false) => Some(Role::Primary),
            None => None,
        };
        if state.read_only == Some(true) {
            facts.flag("read_only");
        }
        match (expect, role) {
            (Some(Role::Primary), Some(Role::Replica)) => {
                self.status = Status::Critical;
                facts.flag("expect_mismatch");
                facts.lead = Some("expect_mismatch".into());
                self.problems
                    .push("a primary was expected (--expect primary) but this is a replica: writes fail here".into());
            }
            (Some(Role::Primary), Some(Role::Primary)) if state.read_only == Some(true) => {
                self.status = self.status.worst(Status::Warning);
                facts.flag("expect_mismatch");
                self.problems.push(format!(
                    "a writable primary was expected (--expect primary) but the server is read-only ({})",
                    state.read_only_why.as_deref().unwrap_or("read_only")
                ));
            }
            (Some(Role::Replica), Some(Role::Primary)) => {
                self.status = self.status.worst(Status::Warning);
                facts.flag("expect_mismatch");
                self.problems
                    .push("a replica was expected (--expect replica) but this is a primary: was it promoted?".into());
            }
            _ => {}
        }
        role
    }

    /// Failed connection attempts since the server started, per hour.
    fn connection_errors(&mut self, ctx: &Context, state: &server::State) {
        let (Some(errors), Some(uptime)) = (state.connection_errors, state.uptime_s) else {
            return;
        };
        // One snapshot cannot show growth: the average over the uptime stands in for it,
        // over an hour at least, so that a few failures on a fresh server do not count.
        let hours = (uptime / 3600.0).max(1.0);
        let per_hour = errors as f64 / hours;
        let limit = ctx.thresholds.count(CONNECTION_ERRORS) as f64;
        let mut m = Metric::new(
            "connection_errors_per_hour",
            (per_hour * 10.0).round() / 10.0,
            Unit::Count,
        );
        m.warning = Some(limit);
        self.metrics.push(m);
        if per_hour >= limit {
            self.status = self.status.worst(Status::Warning);
            self.facts.flag("connection_errors");
            self.problems.push(format!(
                "{errors} failed connection attempts since the server started ({per_hour:.0} per hour, \
                 threshold {limit:.0}): a client keeps failing to log in or to finish its handshake"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Fixture;

    fn restarted(uptime: f64) -> Verdict {
        let fixture = Fixture::postgres(&SPEC, 150004, &[]);
        let ctx = fixture.context();
        let state = server::State {
            uptime_s: Some(uptime),
            ..server::State::default()
        };
        let mut v = Verdict {
            status: Status::Ok,
            facts: Facts::default(),
            problems: Vec::new(),
            metrics: Vec::new(),
        };
        v.restarted(&ctx, &state);
        v
    }

    fn uptime_metric(v: &Verdict) -> f64 {
        v.metrics.iter().find(|m| m.name == "uptime").unwrap().value
    }

    #[test]
    fn an_uptime_a_fraction_under_restarted_within_reads_as_under_it_everywhere() {
        let v = restarted(599.7);
        assert_eq!(v.status, Status::Warning);
        assert!(uptime_metric(&v) < 600.0, "{:?}", v.metrics);
        assert_eq!(v.facts.values.get("uptime").map(String::as_str), Some("9m59s"));
        let v = restarted(600.2);
        assert_eq!(v.status, Status::Ok, "{:?}", v.problems);
        assert_eq!(uptime_metric(&v), 600.0);
    }
}
