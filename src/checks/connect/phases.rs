//! The connection attempt as the report shows it: one finding per phase with its time and
//! result, the time per phase as metrics, a sentence for the phase that failed, and the facts
//! the `connection-failed` runbook's steps are chosen and filled from.

use crate::checks::Facts;
use crate::engine::{Failure, Phase, Step};
use crate::report::{Finding, Metric, Unit};

/// One finding per phase, in the order they happened.
pub fn findings(phases: &[Phase]) -> Vec<Finding> {
    phases
        .iter()
        .map(|p| {
            Finding::new("phases")
                .with("phase", p.step.key())
                .with("host", p.host.as_str())
                .with("address", p.address.clone().unwrap_or_default())
                .with("result", p.failure.map_or("ok", |f| f.key()))
                .with("ms", ms(p))
                .with("detail", p.detail.as_str())
        })
        .collect()
}

fn ms(p: &Phase) -> f64 {
    (p.took.as_secs_f64() * 10_000.0).round() / 10.0
}

/// Seconds per kind of phase (all hosts and addresses added up), and in all: `tcp_time`,
/// `connect_time`...
pub fn metrics(phases: &[Phase]) -> Vec<Metric> {
    let seconds = |ms: f64| (ms * 10.0).round() / 10_000.0;
    let mut out = Vec::new();
    for step in [Step::Resolve, Step::Tcp, Step::Socket, Step::Tls, Step::Startup] {
        let of: Vec<&Phase> = phases.iter().filter(|p| p.step == step).collect();
        if !of.is_empty() {
            let total: f64 = of.iter().map(|p| ms(p)).sum();
            out.push(Metric::new(
                &format!("{}_time", step.key()),
                seconds(total),
                Unit::Seconds,
            ));
        }
    }
    let total: f64 = phases.iter().map(ms).sum();
    out.push(Metric::new("connect_time", seconds(total), Unit::Seconds));
    out
}

/// The whole attempt in milliseconds.
pub fn total_ms(phases: &[Phase]) -> f64 {
    round(phases.iter().map(ms).sum())
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// "resolve 1.2 ms, TCP 0.3 ms, TLS 6 ms, startup 15 ms" for the successful path.
pub fn timings(phases: &[Phase]) -> String {
    phases
        .iter()
        .filter(|p| p.failure.is_none())
        .map(|p| match p.step {
            Step::Tls if p.detail.starts_with("not offered") => "no TLS".to_string(),
            step => format!("{} {} ms", short(step), round(ms(p))),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(step: Step) -> &'static str {
    match step {
        Step::Resolve => "resolve",
        Step::Tcp => "TCP",
        Step::Socket => "socket",
        Step::Tls => "TLS",
        Step::Startup => "startup",
    }
}

/// The host as given, with the address the phase used when that is not the same text:
/// `db.example.com:5432 (10.0.0.5:5432)`. A name that now resolves elsewhere shows here.
pub fn where_to(p: &Phase) -> String {
    match &p.address {
        Some(a) if !p.host.starts_with(a.as_str()) => format!("{} ({a})", p.host),
        _ => p.host.clone(),
    }
}

/// "TCP connect to localhost:1 (127.0.0.1:1) refused (nothing listens there): Connection refused"
pub fn sentence(p: &Phase) -> String {
    let failure = p.failure.unwrap_or(Failure::Other);
    let to = match p.step {
        Step::Resolve => format!("name resolution of {}", host_only(&p.host)),
        step => format!("{} to {}", step.label(), where_to(p)),
    };
    let mut out = format!("{to} {} after {} ms", failure.words(), round(ms(p)));
    if !p.detail.is_empty() {
        out.push_str(&format!(": {}", p.detail));
    }
    out
}

fn host_only(hostport: &str) -> &str {
    hostport.rsplit_once(':').map_or(hostport, |(h, _)| h)
}

/// The facts of a failed phase: conditions `phase_<step>` and the failure's key, the host and
/// port, and what the server's words name (client address, user, database).
pub fn failure_facts(facts: &mut Facts, failed: &Phase, user: &str, database: Option<&str>) {
    let failure = failed.failure.unwrap_or(Failure::Other);
    facts.flag(&format!("phase_{}", failed.step.key()));
    facts.flag(failure.key());
    facts.lead = Some(failure.key().to_string());
    let (host, port) = failed
        .host
        .rsplit_once(':')
        .map_or((failed.host.as_str(), ""), |(h, p)| (h, p));
    facts.set("host", host);
    facts.set("port", port);
    facts.set("phase", failed.step.label());
    facts.set("failure", failure.words());
    facts.set("detail", &failed.detail);
    if let Some(a) = &failed.address {
        facts.set("address", host_only(a).trim_matches(['[', ']']));
    }
    if !user.is_empty() {
        facts.set("user", user);
    }
    if let Some(db) = database {
        facts.set("database", db);
    }
    // The server's words name the client as it sees it: PostgreSQL `host "10.0.0.7"`, MySQL
    // `'app'@'10.0.0.7'` or `Host '10.0.0.7' is blocked`.
    if let Some(client) = quoted_after(&failed.detail, "host \"")
        .or_else(|| quoted_after(&failed.detail, "Host '"))
        .or_else(|| quoted_after(&failed.detail, "'@'"))
    {
        // A pg_hba.conf line for this one client: /32 for IPv4, /128 for IPv6.
        match client.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => facts.set("client_cidr", format!("{client}/32")),
            Ok(std::net::IpAddr::V6(_)) => facts.set("client_cidr", format!("{client}/128")),
            Err(_) => {}
        }
        facts.set("client_address", client);
    }
}

/// The text after `open` up to the next quote of the same kind.
fn quoted_after(text: &str, open: &str) -> Option<String> {
    let quote = open.chars().last()?;
    let start = text.find(open)? + open.len();
    let len = text[start..].find(quote)?;
    Some(text[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn phase(step: Step, failure: Option<Failure>, detail: &str) -> Phase {
        Phase {
            step,
            host: "db.example.com:5432".into(),
            address: Some("10.0.0.5:5432".into()),
            took: Duration::from_micros(1500),
            failure,
            detail: detail.into(),
        }
    }

    #[test]
    fn an_ipv6_client_gets_a_128_bit_mask_for_its_pg_hba_line() {
        let p = phase(
            Step::Startup,
            Some(Failure::HostNotAllowed),
            "server said: FATAL 28000: no pg_hba.conf entry for host \"2001:db8::7\", user \"app\", database \"shop\", no encryption",
        );
        let mut facts = Facts::default();
        failure_facts(&mut facts, &p, "app", Some("shop"));
        assert_eq!(facts.values["client_cidr"], "2001:db8::7/128");
    }

    #[test]
    fn a_pg_hba_refusal_names_the_client_user_and_database() {
        let p = phase(
            Step::Startup,
            Some(Failure::HostNotAllowed),
            "server said: FATAL 28000: no pg_hba.conf entry for host \"10.1.2.3\", user \"app\", database \"shop\", no encryption",
        );
        let mut facts = Facts::default();
        failure_facts(&mut facts, &p, "app", Some("shop"));
        assert_eq!(facts.values["client_address"], "10.1.2.3");
        assert_eq!(facts.values["client_cidr"], "10.1.2.3/32");
        assert_eq!(facts.values["host"], "db.example.com");
        assert_eq!(facts.values["port"], "5432");
        assert_eq!(facts.values["address"], "10.0.0.5");
        assert!(facts.conditions.contains("host_not_allowed") && facts.conditions.contains("phase_startup"));
        assert_eq!(facts.lead.as_deref(), Some("host_not_allowed"));
    }

    #[test]
    fn a_mysql_block_names_the_blocked_host() {
        let p = phase(
            Step::Startup,
            Some(Failure::HostBlocked),
            "server said: ERROR 1129 (HY000): Host '192.0.2.2' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'",
        );
        let mut facts = Facts::default();
        failure_facts(&mut facts, &p, "root", None);
        assert_eq!(facts.values["client_address"], "192.0.2.2");
    }

    #[test]
    fn the_sentence_says_phase_address_failure_and_time() {
        let p = phase(Step::Tcp, Some(Failure::Refused), "Connection refused (os error 111)");
        assert_eq!(
            sentence(&p),
            "TCP connect to db.example.com:5432 (10.0.0.5:5432) refused (nothing listens there) after 1.5 ms: \
             Connection refused (os error 111)"
        );
    }
}
