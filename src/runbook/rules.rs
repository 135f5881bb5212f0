//! `runbooks export --format prometheus-rules`: the Prometheus alerting rules for the metrics of
//! `--format prometheus` and `serve`. Per runbook, one rule per severity it can have, all under
//! one alert name: a warning rule that holds for WARNING *and* CRITICAL, a critical rule for
//! CRITICAL (and an unknown rule for UNKNOWN where the runbook serves it). An incident that gets
//! worse therefore never resolves its warning alert on the way up: the critical one joins it,
//! and Alertmanager's inhibit rule (README) mutes the warning meanwhile. Each rule fires for a
//! target whose check is in the status *and* for which dbrunbook chose that runbook
//! (`dbrunbook_check_runbook`), so the five runbooks of the migrations check do not all fire.
//!
//! A failed scrape makes Prometheus drop every series of the target, which would resolve every
//! alert of a database exactly when nobody can see it. So a rule also holds on the target's last
//! status while its `dbrunbook_up` is gone (for `--hold`), and `DbrunbookProbeFailed`, with the
//! `probe-failed` runbook, says that the numbers are not being collected.
//!
//! Annotations carry the runbook's title and symptoms, the check's current numbers (a query in
//! the template), the command that shows the filled steps, and, from a URL pattern, a link to
//! the runbook's page; from a `--report-url` pattern, a link to the target's live diagnosis page
//! (`serve`'s `/report?target=NAME`). Runbook text is outside text: control characters are replaced and `{{`
//! is made literal for Prometheus's Go templates.

use std::time::Duration;

use serde::Serialize;

use super::{Catalog, Runbook};
use crate::report::Status;
use crate::text::{percent_encode, sanitize};

/// The `{id}` in a `--runbook-url` pattern.
pub const ID_PLACEHOLDER: &str = "{id}";

/// The `{target}` in a `--report-url` pattern.
pub const TARGET_PLACEHOLDER: &str = "{target}";

/// The runbook of `DbrunbookProbeFailed`: for the rules export only, no check result carries it.
pub const PROBE_FAILED: &str = "probe-failed";

pub struct RulesOptions<'a> {
    /// `https://wiki.example.com/runbooks/{id}`; no `runbook_url` annotation without it.
    pub runbook_url: Option<&'a str>,
    /// `http://dbrunbook-exporter:9187/report?target={target}`: the `report_url` annotation and a
    /// line of the description; neither without it.
    pub report_url: Option<&'a str>,
    /// How long the condition must hold before the alert fires.
    pub for_: Duration,
    /// How long an alert keeps firing on its target's last status once the target is no longer
    /// scraped (the exporter down, a probe timing out, the textfile emptied).
    pub hold: Duration,
    /// The scrape job of `serve`'s probes: its failed scrapes are failed probes even for a
    /// target never scraped before.
    pub job: &'a str,
}

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    alert: String,
    expr: String,
    #[serde(rename = "for")]
    for_: String,
    labels: Labels,
    annotations: Annotations,
}

#[derive(Serialize)]
struct Labels {
    severity: String,
    runbook: String,
}

#[derive(Serialize)]
struct Annotations {
    summary: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    runbook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report_url: Option<String>,
}

/// A `--runbook-url` pattern: it must say where the id goes.
pub fn parse_url_pattern(input: &str) -> Result<String, String> {
    if input.contains(ID_PLACEHOLDER) {
        Ok(input.to_string())
    } else {
        Err(format!(
            "the pattern has no {ID_PLACEHOLDER} for the runbook id, e.g. https://wiki.example.com/runbooks/{ID_PLACEHOLDER}"
        ))
    }
}

/// A `--report-url` pattern: it must say where the target's name goes.
pub fn parse_report_pattern(input: &str) -> Result<String, String> {
    if input.contains(TARGET_PLACEHOLDER) {
        Ok(input.to_string())
    } else {
        Err(format!(
            "the pattern has no {TARGET_PLACEHOLDER} for the fleet target's name, e.g. http://dbrunbook-exporter:9187/report?target={TARGET_PLACEHOLDER}"
        ))
    }
}

/// A `--job` name: a Prometheus label value inside a PromQL string.
pub fn parse_job(input: &str) -> Result<String, String> {
    if input.is_empty() || input.chars().any(char::is_control) {
        return Err("a job name is non-empty text without control characters, e.g. dbrunbook".into());
    }
    Ok(input.to_string())
}

/// The rules file, YAML, with a comment saying where it came from.
pub fn render(catalog: &Catalog, opts: &RulesOptions) -> String {
    let mut rules: Vec<Rule> = catalog
        .runbooks()
        .iter()
        .filter(|rb| rb.id != PROBE_FAILED)
        .flat_map(|rb| runbook_rules(rb, opts))
        .collect();
    rules.push(probe_failed_rule(catalog.get(PROBE_FAILED), opts));
    let file = RuleFile {
        groups: vec![Group {
            name: "dbrunbook".into(),
            rules,
        }],
    };
    let yaml = serde_norway::to_string(&file).unwrap_or_default();
    format!(
        "# Prometheus alerting rules for dbrunbook's metrics (--format prometheus, serve): per runbook,\n\
         # one rule per severity under one alert name, and DbrunbookProbeFailed.\n\
         # Generated by: dbrunbook runbooks export --format prometheus-rules\n{yaml}"
    )
}

/// The severities of a runbook's alert, each with the statuses its rule holds for: warning for
/// WARNING and CRITICAL alike (so it stays firing while the incident gets worse), critical for
/// CRITICAL, unknown for UNKNOWN. None for a runbook that applies to OK results only.
fn severities(rb: &Runbook) -> Vec<(Status, Vec<Status>)> {
    let has = |s: Status| rb.statuses.contains(&s);
    let mut out = Vec::new();
    if has(Status::Warning) {
        let mut held = vec![Status::Warning];
        if has(Status::Critical) {
            held.push(Status::Critical);
        }
        out.push((Status::Warning, held));
    }
    if has(Status::Critical) {
        out.push((Status::Critical, vec![Status::Critical]));
    }
    if has(Status::Unknown) {
        out.push((Status::Unknown, vec![Status::Unknown]));
    }
    out
}

fn runbook_rules(rb: &Runbook, opts: &RulesOptions) -> Vec<Rule> {
    let annotations = || Annotations {
        summary: format!("{}: {}", "{{ $labels.target }}", literal(&rb.title)),
        description: format!("{}{}", description(rb), report_sentence(opts)),
        runbook_url: url(&rb.id, opts),
        report_url: report_url(opts),
    };
    severities(rb)
        .into_iter()
        .map(|(severity, held)| Rule {
            alert: alert_name(&rb.id),
            expr: runbook_expr(&rb.id, &held, opts.hold),
            for_: prometheus_duration(opts.for_),
            labels: Labels {
                severity: severity.name().to_string(),
                runbook: literal(&rb.id),
            },
            annotations: annotations(),
        })
        .collect()
}

/// The check in one of `held`'s statuses with this runbook chosen for it; or, while the target
/// is not scraped at all (no `dbrunbook_up`), the same on the last values within `hold`.
fn runbook_expr(id: &str, held: &[Status], hold: Duration) -> String {
    let runbook = format!("dbrunbook_check_runbook{{runbook=\"{}\"}}", promql_string(id));
    let hold = prometheus_duration(hold);
    // Any check may carry the runbook: a full server is told by the connect check with the
    // pool's runbook. The runbook metric says which check did.
    let now = format!(
        "{} and on(target, check) {runbook} == 1",
        in_statuses("dbrunbook_check_status", held)
    );
    let last = format!(
        "({} and on(target, check) last_over_time({runbook}[{hold}]) == 1) unless on(target) dbrunbook_up",
        in_statuses(&format!("last_over_time(dbrunbook_check_status[{hold}])"), held)
    );
    format!("({now}) or ({last})")
}

/// `series == 2`, or `series >= 1 <= 2` for a range of statuses.
fn in_statuses(series: &str, held: &[Status]) -> String {
    let codes: Vec<u8> = held.iter().map(|s| s.exit_code()).collect();
    match (codes.iter().min(), codes.iter().max()) {
        (Some(lo), Some(hi)) if lo != hi => format!("({series} >= {lo} <= {hi})"),
        (Some(one), _) => format!("({series} == {one})"),
        (None, _) => format!("({series} < 0)"),
    }
}

/// What the on-call reads: the status, the symptoms, the check's numbers now, and the command
/// that shows this target's filled steps.
fn description(rb: &Runbook) -> String {
    let symptoms: Vec<String> = rb.symptoms.iter().map(|s| literal(s.trim())).collect();
    let mut text = format!(
        "dbrunbook's {} check on {{{{ $labels.target }}}} is {{{{ if eq $value 1.0 }}}}WARNING{{{{ else if eq $value 2.0 }}}}CRITICAL{{{{ else }}}}UNKNOWN{{{{ end }}}}. {NUMBERS}",
        literal(&rb.check)
    );
    if !symptoms.is_empty() {
        text.push_str(&format!(" Symptoms: {}", symptoms.join(" ")));
    }
    text.push_str(&format!(
        " The steps filled in for this server: {DIAGNOSE} (the runbook alone: dbrunbook runbooks show {}).",
        literal(&rb.id)
    ));
    text
}

/// The check's metrics now, by name (`dbrunbook_` left off), durations in prose; said plainly
/// when the target is not being scraped and the alert holds on its last status.
const NUMBERS: &str = "{{ range printf \"{__name__=~\\\"dbrunbook_.+\\\",__name__!~\\\"dbrunbook_check_.+\\\",target=%q,check=%q}\" $labels.target $labels.check | query | sortByLabel \"__name__\" }}{{ .Labels.__name__ | reReplaceAll \"^dbrunbook_\" \"\" }} {{ if match \"_seconds$\" .Labels.__name__ }}{{ humanizeDuration .Value }}{{ else if match \"_percent$\" .Labels.__name__ }}{{ .Value }}%{{ else }}{{ .Value }}{{ end }}; {{ else }}No current numbers: the target is not being scraped (see DbrunbookProbeFailed); this is its last status.{{ end }}";

/// The command for the alert's target: a fleet name as `--target`, a URL (a single-target
/// textfile, whose `target` is the URL without its password) as `--url`; single-quoted for a
/// shell, a `'` in the value closed and escaped.
const DIAGNOSE: &str = "dbrunbook diagnose {{ if match \"://|=\" $labels.target }}--url{{ else }}--target{{ end }} '{{ $labels.target | reReplaceAll \"'\" \"'\\\\''\" }}'";

/// The runbook page's link, when `--runbook-url` gave a pattern.
fn url(id: &str, opts: &RulesOptions) -> Option<String> {
    opts.runbook_url
        .map(|pattern| literal(&pattern.replace(ID_PLACEHOLDER, &percent_encode(id))))
}

/// The live diagnosis page of the alert's target, from `--report-url`: for a fleet name only
/// (`serve` knows no other), percent-encoded as a query value (`urlquery`), the rest of the
/// pattern literal text. Empty for a target that is a URL (a single-target textfile).
fn report_url(opts: &RulesOptions) -> Option<String> {
    let pattern = opts.report_url?;
    let link = pattern
        .split(TARGET_PLACEHOLDER)
        .map(literal)
        .collect::<Vec<_>>()
        .join("{{ $labels.target | urlquery }}");
    Some(format!(
        "{{{{ if and $labels.target (not (match \"://|=\" $labels.target)) }}}}{link}{{{{ end }}}}"
    ))
}

/// ` The live diagnosis: <link>.` at the end of a description, for a fleet name.
fn report_sentence(opts: &RulesOptions) -> String {
    let Some(link) = report_url(opts) else {
        return String::new();
    };
    // The link's own condition, reused: the sentence shows exactly when the link does.
    let (condition, rest) = link.split_once("}}").unwrap_or_default();
    let body = rest.strip_suffix("{{ end }}").unwrap_or(rest);
    format!("{condition}}}}} The live diagnosis: {body} .{{{{ end }}}}")
}

/// `DbrunbookProbeFailed`: a target's numbers are not being collected. Three ways: a failed
/// scrape of serve's probe job (any target, even one never scraped); a failed scrape of any job
/// that brought dbrunbook's metrics within `hold` (node_exporter with the textfile); a scrape
/// that works but no longer brings a target that it brought within `hold` (an emptied textfile);
/// and a `--output` run that failed (`dbrunbook_last_run_success 0`).
fn probe_failed_rule(rb: Option<&Runbook>, opts: &RulesOptions) -> Rule {
    let job = promql_string(opts.job);
    let hold = prometheus_duration(opts.hold);
    let expr = [
        format!("label_replace(up{{job=\"{job}\"}} == 0, \"target\", \"$1\", \"instance\", \"(.*)\")"),
        format!("(up{{job!=\"{job}\"}} == 0 and on(job, instance) last_over_time(dbrunbook_up[{hold}]))"),
        format!(
            "((last_over_time(dbrunbook_up[{hold}]) unless on(target) dbrunbook_up) and on(job, instance) up == 1)"
        ),
        "dbrunbook_last_run_success == 0".to_string(),
    ]
    .join(" or ");
    let description = format!(
        "dbrunbook's numbers for {{{{ with $labels.target }}}}{{{{ . }}}}{{{{ else }}}}{{{{ $labels.instance }}}}{{{{ end }}}} \
         are not being collected (job {{{{ $labels.job }}}}, instance {{{{ $labels.instance }}}}): \
         the exporter is down, a probe timed out, the textfile is gone or its run failed. \
         Its database alerts hold on their last status for up to {hold}; nothing new can fire for it. \
         Check the exporter, then reach the database directly: {{{{ if $labels.target }}}}{DIAGNOSE}{{{{ else }}}}dbrunbook diagnose --all where the textfile is written{{{{ end }}}} (the runbook: dbrunbook runbooks show {PROBE_FAILED})."
    );
    // The embedded runbook is always there; a user's may replace it by id.
    let title = rb.map_or_else(
        || "dbrunbook's numbers are not being collected".into(),
        |rb| literal(&rb.title),
    );
    Rule {
        alert: alert_name(PROBE_FAILED),
        expr,
        for_: prometheus_duration(opts.for_),
        labels: Labels {
            severity: Status::Critical.name().to_string(),
            runbook: PROBE_FAILED.into(),
        },
        annotations: Annotations {
            summary: format!(
                "{{{{ with $labels.target }}}}{{{{ . }}}}{{{{ else }}}}{{{{ $labels.instance }}}}{{{{ end }}}}: {title}"
            ),
            description: format!("{description}{}", report_sentence(opts)),
            runbook_url: url(PROBE_FAILED, opts),
            report_url: report_url(opts),
        },
    }
}

/// `pool-exhaustion` → `DbrunbookPoolExhaustion`: a valid alert (metric) name.
fn alert_name(id: &str) -> String {
    let mut name = String::from("Dbrunbook");
    for word in id.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    name
}

/// A value inside a PromQL double-quoted string.
fn promql_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Outside text as literal text of a Go template: control characters replaced, `{{` printed by
/// an action of its own instead of opening one.
fn literal(s: &str) -> String {
    sanitize(s, true).replace("{{", "{{ \"{{\" }}")
}

/// A Prometheus duration, exactly, in the largest unit that divides it (`5m`, `90s`, `500ms`).
fn prometheus_duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms % 60_000 == 0 => format!("{}m", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_durations_and_literals() {
        assert_eq!(alert_name("pool-exhaustion"), "DbrunbookPoolExhaustion");
        assert_eq!(alert_name("a.b_c 9"), "DbrunbookABC9");
        assert_eq!(prometheus_duration(Duration::from_secs(300)), "5m");
        assert_eq!(prometheus_duration(Duration::from_secs(90)), "90s");
        assert_eq!(prometheus_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(prometheus_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(literal("{{top_user}}\x1b[31m"), "{{ \"{{\" }}top_user}}\u{FFFD}[31m");
        assert_eq!(promql_string("a\"b\\"), "a\\\"b\\\\");
        assert!(parse_url_pattern("https://x/{id}").is_ok());
        assert!(parse_url_pattern("https://x/").unwrap_err().contains("{id}"));
    }

    #[test]
    fn the_warning_rule_holds_through_critical_and_each_severity_has_its_rule() {
        let catalog = Catalog::embedded().unwrap();
        let severities_of = |id: &str| {
            severities(catalog.get(id).unwrap())
                .into_iter()
                .map(|(s, held)| (s, held.iter().map(|h| h.exit_code()).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            severities_of("idle-in-transaction"),
            [(Status::Warning, vec![1, 2]), (Status::Critical, vec![2])]
        );
        assert_eq!(severities_of("migration-dirty"), [(Status::Critical, vec![2])]);
        assert_eq!(
            severities_of("slow-statements"),
            [
                (Status::Warning, vec![1, 2]),
                (Status::Critical, vec![2]),
                (Status::Unknown, vec![3])
            ]
        );
        assert_eq!(in_statuses("x", &[Status::Warning, Status::Critical]), "(x >= 1 <= 2)");
        assert_eq!(in_statuses("x", &[Status::Unknown]), "(x == 3)");
        let expr = runbook_expr("a\"b", &[Status::Critical], Duration::from_secs(1800));
        assert!(expr.contains("runbook=\"a\\\"b\""), "{expr}");
        assert!(expr.contains("last_over_time(dbrunbook_check_status[30m])"), "{expr}");
        assert!(expr.ends_with("unless on(target) dbrunbook_up)"), "{expr}");
    }

    #[test]
    fn every_embedded_runbook_gets_one_rule_on_its_check_and_runbook() {
        let catalog = Catalog::embedded().unwrap();
        let text = render(
            &catalog,
            &RulesOptions {
                runbook_url: Some("https://wiki.example.com/rb/{id}"),
                report_url: None,
                for_: Duration::from_secs(120),
                hold: Duration::from_secs(3600),
                job: "dbrunbook",
            },
        );
        for rb in catalog.runbooks() {
            assert!(
                text.contains(&format!("alert: {}", alert_name(&rb.id))),
                "{}\n{text}",
                rb.id
            );
            assert!(
                text.contains(&format!("https://wiki.example.com/rb/{}", rb.id)),
                "{text}"
            );
        }
        assert!(text.contains("runbook=\\\"pool-exhaustion\\\"") || text.contains("runbook=\"pool-exhaustion\""));
        assert!(text.contains("for: 2m"), "{text}");
        assert!(
            !text.contains("report_url") && !text.contains("live diagnosis"),
            "{text}"
        );
    }

    #[test]
    fn a_report_url_pattern_links_a_fleet_name_percent_encoded_and_nothing_for_a_url() {
        let opts = RulesOptions {
            runbook_url: None,
            report_url: Some("http://ex:9187/report?target={target}&x={{y}}"),
            for_: Duration::from_secs(60),
            hold: Duration::from_secs(600),
            job: "dbrunbook",
        };
        let link = report_url(&opts).unwrap();
        assert_eq!(
            link,
            "{{ if and $labels.target (not (match \"://|=\" $labels.target)) }}\
             http://ex:9187/report?target={{ $labels.target | urlquery }}&x={{ \"{{\" }}y}}{{ end }}"
        );
        assert!(
            parse_report_pattern("http://ex/report")
                .unwrap_err()
                .contains("{target}")
        );
        assert_eq!(
            report_sentence(&opts),
            "{{ if and $labels.target (not (match \"://|=\" $labels.target)) }} The live diagnosis: \
             http://ex:9187/report?target={{ $labels.target | urlquery }}&x={{ \"{{\" }}y}} .{{ end }}"
        );
    }
}
