//! The live diagnosis page (`serve`'s `/report?target=NAME`): one target's report as a plain
//! server-rendered HTML document, no script. A status line per check, then every check that has
//! something to show, worst first: its metrics, findings (the lock tree as nested lists from
//! [`tree`](super::tree)'s model, other kinds as tables), notes, and the filled runbook steps
//! with their `sql:`, shell and `dbrunbook end` commands in `<pre><code>` blocks to copy. Every
//! value is outside text: sanitized, passed through the redaction boundary, then HTML-escaped;
//! the whole page passes the boundary once more, so no password reaches the page. Routing and
//! headers are `fleet::serve`'s; this file only writes the document.

use std::fmt::Write as _;

use serde_json::Value;

use super::tree::{Forest, Node};
use super::{AppliedRunbook, CheckResult, Finding, Metric, Report, Unit};
use crate::redact::{REDACTED, boundary};
use crate::text::{percent_encode, sanitize};
use crate::units::{Places, decimal, human_seconds};

/// Small, inline (the page loads nothing else): readable on a phone at 3 a.m.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;max-width:80em;line-height:1.4}h2{font-size:1.2em}\
pre{background:#f4f4f4;padding:.5em;overflow-x:auto;white-space:pre-wrap}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
.ok{color:#176117}.warning{color:#8a5a00}.critical{color:#b00020}.unknown{color:#555}\
ul.lock-tree,ul.lock-tree ul{list-style:none;padding-left:1.5em;border-left:1px dotted #999}\
.session>.pid{font-weight:bold}.session code{font-size:90%}";

/// The page of fleet target `name`'s report.
pub fn page(name: &str, report: &Report) -> String {
    let mut out = String::new();
    let title = format!("dbrunbook: {name} {}", report.status.label());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        text(&title)
    );
    header(&mut out, name, report);
    statuses(&mut out, report);
    let mut shown: Vec<&CheckResult> = report.checks.iter().filter(|c| has_details(c)).collect();
    // Worst first; checks of one status keep their order.
    shown.sort_by_key(|c| std::cmp::Reverse(c.status.severity()));
    for check in shown {
        check_section(&mut out, check);
    }
    out.push_str("</body>\n</html>\n");
    finish(&out)
}

/// The boundary over the whole page. A `<redacted>` the values already carry is put back raw
/// first, so the boundary reads it as a redaction (not as a password of a URL, nor as a
/// `password=` value running on to the line's end), and every `<redacted>` leaves as text,
/// never as a tag: the page's own markup has none. Values from outside sit on lines of their
/// own, as the boundary reads free text to the end of a line.
fn finish(page: &str) -> String {
    let marked = page.replace(&escape(REDACTED), REDACTED);
    boundary(&marked).replace(REDACTED, &escape(REDACTED))
}

fn header(out: &mut String, name: &str, report: &Report) {
    let _ = writeln!(
        out,
        "<h1>{} <span class=\"{}\">{}</span></h1>",
        text(name),
        report.status.name(),
        report.status.label()
    );
    let version = report
        .target
        .server_version
        .as_deref()
        .map_or_else(|| "not connected".to_string(), |v| v.to_string());
    let _ = writeln!(
        out,
        "<p class=\"target\">{} {} at\n<code>{}</code></p>",
        text(&report.target.engine),
        text(&version),
        text(&report.target.url)
    );
    let _ = writeln!(
        out,
        "<p class=\"when\">Diagnosed at {} in {} ms, exit code {}. \
         <a href=\"/report?target={}\">Diagnose again</a> (each load runs the checks anew).</p>",
        crate::units::utc_iso(std::time::SystemTime::now()),
        report.elapsed_ms,
        report.exit_code,
        // Unreserved characters only: nothing left to escape in the attribute.
        percent_encode(name)
    );
}

/// One row per check, in the report's order, each linking to its details when it has any.
fn statuses(out: &mut String, report: &Report) {
    out.push_str("<table class=\"statuses\">\n<tr><th>check</th><th>status</th><th>summary</th></tr>\n");
    for c in &report.checks {
        let check = if has_details(c) {
            format!("<a href=\"#check-{}\">{}</a>", anchor(&c.check), text(&c.check))
        } else {
            text(&c.check)
        };
        let _ = writeln!(
            out,
            "<tr><td>{check}</td>\n<td class=\"{}\">{}</td>\n<td>{}</td></tr>",
            c.status.name(),
            c.status.label(),
            text(&c.summary)
        );
    }
    out.push_str("</table>\n");
}

/// Whether a check has more to show than its status line.
fn has_details(c: &CheckResult) -> bool {
    !c.metrics.is_empty() || !c.findings.is_empty() || !c.notes.is_empty() || c.runbook.is_some()
}

/// An id attribute from a check name: letters, digits and `-` only.
fn anchor(check: &str) -> String {
    check
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn check_section(out: &mut String, c: &CheckResult) {
    let _ = writeln!(
        out,
        "<section id=\"check-{}\">\n<h2><span class=\"{}\">{}</span> {}: {}</h2>",
        anchor(&c.check),
        c.status.name(),
        c.status.label(),
        text(&c.check),
        text(&c.summary)
    );
    if !c.metrics.is_empty() {
        metrics(out, &c.metrics);
    }
    let mut kinds: Vec<&str> = Vec::new();
    for f in &c.findings {
        if !kinds.contains(&f.kind.as_str()) {
            kinds.push(&f.kind);
        }
    }
    for kind in kinds {
        let rows: Vec<&Finding> = c.findings.iter().filter(|f| f.kind == kind).collect();
        let _ = writeln!(out, "<h3>{}</h3>", text(&kind.replace('_', " ")));
        if kind == "lock_tree" {
            lock_tree(out, &rows);
        } else {
            findings_table(out, &rows);
        }
    }
    if !c.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for note in &c.notes {
            let _ = writeln!(out, "<li>{}</li>", text(note));
        }
        out.push_str("</ul>\n");
    }
    if let Some(rb) = &c.runbook {
        runbook(out, rb);
    }
    out.push_str("</section>\n");
}

fn metrics(out: &mut String, metrics: &[Metric]) {
    out.push_str("<table class=\"metrics\">\n<tr><th>metric</th><th>value</th><th>warning</th><th>critical</th><th>max</th></tr>\n");
    for m in metrics {
        let unit = if m.unit == Unit::Counter { "" } else { m.unit.symbol() };
        let num = |v: Option<f64>| match v {
            None => "-".to_string(),
            Some(v) if m.unit == Unit::Seconds => human_seconds(v),
            Some(v) => format!("{}{unit}", decimal(v, Places::Fixed(2))),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&m.name),
            text(&num(Some(m.value))),
            text(&num(m.warning)),
            text(&num(m.critical)),
            text(&num(m.max))
        );
    }
    out.push_str("</table>\n");
}

/// The lock tree as nested lists: each session an `<li data-pid>` whose own `<ul>` holds the
/// sessions waiting behind it; under a root with a session reference, its `dbrunbook end`.
fn lock_tree(out: &mut String, rows: &[&Finding]) {
    let forest = Forest::of(rows);
    let _ = writeln!(
        out,
        "<p class=\"legend\">pid, {}, state, age, lock, query; indented under the session each waits behind.</p>",
        forest.who_key
    );
    out.push_str("<ul class=\"lock-tree\">\n");
    for &root in &forest.roots {
        session(out, &forest.nodes, root, true);
    }
    out.push_str("</ul>\n");
}

fn session(out: &mut String, nodes: &[Node], at: usize, root: bool) {
    let n = &nodes[at];
    // A pid is digits; anything else (`prepared transaction 'x'`) stays out of the attribute.
    let pid = if !n.label.is_empty() && n.label.chars().all(|c| c.is_ascii_digit()) {
        format!(" data-pid=\"{}\"", n.label)
    } else {
        String::new()
    };
    let dash = |s: &str| if s.is_empty() { "-".to_string() } else { text(s) };
    let _ = write!(
        out,
        "<li class=\"session\"{pid}><span class=\"pid\">{}</span>\n<span class=\"who\">{}</span>\n\
         <span class=\"state\">{}</span>\n<span class=\"age\">{}</span>\n<span class=\"lock\">{}</span>\n\
         <code class=\"query\">{}</code>",
        text(&n.label),
        dash(&n.who),
        dash(&n.state),
        dash(&n.age),
        dash(&n.lock),
        dash(&n.query)
    );
    // Ending the root is the remedy; a waiter's reference stays in the JSON.
    if let Some(reference) = n.session.as_ref().filter(|_| root) {
        let _ = write!(
            out,
            "\n<pre class=\"end\"><code>dbrunbook end {}</code></pre>",
            text(reference)
        );
    }
    if !n.children.is_empty() {
        out.push_str("\n<ul>\n");
        for &child in &n.children {
            session(out, nodes, child, false);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</li>\n");
}

/// Findings of one kind as one table, their fields as columns in the order of the first rows.
fn findings_table(out: &mut String, rows: &[&Finding]) {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        for key in row.fields.keys() {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    out.push_str("<table class=\"findings\">\n<tr>");
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", text(&c.replace('_', " ")));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in &columns {
            let _ = writeln!(out, "<td>{}</td>", cell(row.fields.get(*c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => text(s),
        Some(Value::Array(items)) => items.iter().map(|v| cell(Some(v))).collect::<Vec<_>>().join(", "),
        Some(other) => text(&other.to_string()),
    }
}

/// The steps under their phases, each command in its own block as it is to be run.
fn runbook(out: &mut String, rb: &AppliedRunbook) {
    let _ = writeln!(
        out,
        "<div class=\"runbook\">\n<h3>Runbook {}: {}</h3>",
        text(&rb.id),
        text(&rb.title)
    );
    let mut phase: Option<&str> = None;
    for step in &rb.steps {
        if phase != Some(step.phase.as_str()) {
            if phase.is_some() {
                out.push_str("</ol>\n");
            }
            phase = Some(&step.phase);
            let _ = writeln!(out, "<h4>{}</h4>\n<ol>", text(phase_title(&step.phase)));
        }
        let _ = write!(out, "<li><p>{}</p>", multiline(&step.text));
        if let Some(sql) = &step.sql {
            let _ = write!(out, "\n<pre class=\"sql\"><code>{}</code></pre>", block(sql));
        }
        if let Some(shell) = &step.shell {
            let _ = write!(out, "\n<pre class=\"shell\"><code>{}</code></pre>", block(shell));
        }
        if let Some(example) = &step.example {
            let _ = write!(
                out,
                "\n<p>Example, to complete by hand:</p>\n<pre class=\"example\"><code>{}</code></pre>",
                block(example)
            );
        }
        out.push_str("</li>\n");
    }
    if phase.is_some() {
        out.push_str("</ol>\n");
    }
    out.push_str("</div>\n");
}

fn phase_title(phase: &str) -> &str {
    match phase {
        "diagnose" => "Look first",
        "immediate" => "Immediate",
        "long_term" => "Long term",
        "escalation" => "Escalate",
        other => other,
    }
}

/// One line of outside text, ready for HTML text or a double-quoted attribute.
fn text(value: &str) -> String {
    escape(&boundary(&sanitize(value, true)))
}

/// Prose whose line breaks are kept as `<br>`.
fn multiline(value: &str) -> String {
    escape(&boundary(&sanitize(value, false)))
        .trim_end()
        .replace('\n', "<br>\n")
}

/// A command as it is to be copied: its lines kept, no trailing blank line.
fn block(value: &str) -> String {
    escape(&boundary(&sanitize(value, false))).trim_end().to_string()
}

/// The five characters that mean something in HTML text or an attribute.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{AppliedStep, Status, TargetInfo};

    fn report() -> Report {
        let root = Finding::new("lock_tree")
            .with("tree", "100")
            .with("pid", 100)
            .with("application", "</pre><b>x<script>alert(1)</script>")
            .with("state", "idle in transaction")
            .with("transaction_for", "5m")
            .with("query", "UPDATE t SET a = '<i>'")
            .with("session_ref", "'pg:100@1733550000'");
        let waiter = Finding::new("lock_tree")
            .with("tree", "└─ 200")
            .with("pid", 200)
            .with("application", "web")
            .with("state", "active")
            .with("waiting_for", "40s")
            .with("lock", "RowExclusiveLock on t")
            .with("query", "UPDATE t SET a = 2");
        let check = CheckResult {
            check: "locks".into(),
            status: Status::Critical,
            summary: "1 session blocked".into(),
            metrics: vec![Metric::new("blocked", 1.0, Unit::Count).thresholds(1.0, 5.0)],
            findings: vec![root, waiter],
            notes: vec![],
            runbook: Some(AppliedRunbook {
                id: "lock-contention".into(),
                title: "Sessions blocked".into(),
                source: "embedded".into(),
                steps: vec![AppliedStep {
                    phase: "immediate".into(),
                    text: "End the root & see it gone".into(),
                    sql: Some("SELECT pg_terminate_backend(100) -- </code></pre><b>y\n".into()),
                    shell: Some("dbrunbook end 'pg:100@1733550000'".into()),
                    example: None,
                }],
            }),
        };
        let info = TargetInfo {
            engine: "postgres".into(),
            url: "postgres://u:<redacted>@h/db?password=<redacted>&sslmode=require".into(),
            server_version: Some("15.2".into()),
        };
        Report::new(info, vec![check], 3)
    }

    #[test]
    fn values_are_escaped_and_the_tree_is_nested_lists() {
        let html = page("orders <prod>", &report());
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;/pre&gt;&lt;b&gt;x&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("<h1>orders &lt;prod&gt; "), "{html}");
        let root = html.find("<li class=\"session\" data-pid=\"100\">").unwrap();
        let waiter = html.find("<li class=\"session\" data-pid=\"200\">").unwrap();
        let root_end = html[root..].find("</li>\n</ul>\n</li>").map(|e| root + e).unwrap();
        assert!(root < waiter && waiter < root_end, "{html}");
        assert!(
            html.contains("<pre class=\"end\"><code>dbrunbook end &#39;pg:100@1733550000&#39;</code></pre>"),
            "{html}"
        );
        assert!(
            html.contains("<pre class=\"sql\"><code>SELECT pg_terminate_backend(100) -- &lt;/code&gt;&lt;/pre&gt;&lt;b&gt;y</code></pre>"),
            "{html}"
        );
    }

    #[test]
    fn a_redacted_url_stays_whole_and_its_marker_is_text_not_a_tag() {
        let html = page("pg", &report());
        assert!(
            html.contains(
                "<code>postgres://u:&lt;redacted&gt;@h/db?password=&lt;redacted&gt;&amp;sslmode=require</code>"
            ),
            "{html}"
        );
        assert!(!html.contains("<redacted>"), "{html}");
    }
}
