//! The human renderer. One check (`dbrunbook pool`) is shown whole: its status line, metrics,
//! findings (one table per kind of finding), notes and runbook steps. Several checks
//! (`dbrunbook diagnose`) make one report that fits a screen: a status line per check first, in
//! the checks' fixed order (so `--watch` redraws do not reshuffle them), then the details of every
//! check that is not OK, worst first; an OK check takes its one line. Text from outside (the
//! database, runbook files, the URL) is sanitized here, at the last moment before it reaches a
//! terminal; colours only when the caller says so.

use comfy_table::{Cell, ContentArrangement, Table, presets};
use serde_json::Value;

use super::{CheckResult, Finding, Report, Status};
use crate::text::{sanitize, shorten};

/// Longest text shown in one table cell; JSON carries the whole text.
const CELL_MAX: usize = 60;

pub struct TableOptions {
    pub color: bool,
    /// Terminal width when stdout is a terminal; tables then wrap to fit.
    pub width: Option<u16>,
}

pub fn render(report: &Report, opts: &TableOptions) -> String {
    let mut out = String::new();
    let version = report
        .target
        .server_version
        .as_deref()
        .map(|v| format!(" {}", sanitize(v, true)))
        .unwrap_or_default();
    // The URL's host is as the user typed it (percent-decoded), escape sequences included.
    out.push_str(&format!(
        "dbrunbook: {}{} at {}\n",
        sanitize(&report.target.engine, true),
        version,
        sanitize(&report.target.url, true)
    ));
    if let [only] = report.checks.as_slice() {
        out.push('\n');
        render_check(&mut out, only, opts);
        return out;
    }
    out.push('\n');
    out.push_str(&status_lines(report, opts));
    // A check whose status line says all there is to say (a "not run" line) gets no details.
    let mut not_ok: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| {
            c.status != Status::Ok && (has_details(c) || status_summary(report, c, opts) != sanitize(&c.summary, true))
        })
        .collect();
    // Stable: checks of one status keep their order.
    not_ok.sort_by_key(|c| std::cmp::Reverse(c.status.severity()));
    for check in not_ok {
        out.push('\n');
        render_check(&mut out, check, opts);
    }
    out
}

/// One line per check, the names aligned, then the overall status:
/// `CRITICAL  locks       3 sessions wait...`. On a terminal a long summary is cut to the width;
/// the check's details below carry it whole.
fn status_lines(report: &Report, opts: &TableOptions) -> String {
    let color = opts.color;
    let (name_width, word_width) = column_widths(report);
    let mut out = String::new();
    for c in &report.checks {
        // Padding is counted on the plain word: colour codes take no room on screen.
        let pad = " ".repeat(word_width - c.status.label().len());
        let summary = status_summary(report, c, opts);
        out.push_str(&format!(
            "{}{pad}  {:<name_width$}  {summary}\n",
            paint(c.status, color),
            sanitize(&c.check, true),
        ));
    }
    let problems = report.checks.iter().filter(|c| c.status != Status::Ok).count();
    let tail = match problems {
        0 => String::new(),
        1 => ": 1 check needs attention, details below".to_string(),
        n => format!(": {n} checks need attention, worst first below"),
    };
    out.push_str(&format!(
        "Overall: {} in {} ms{tail}\n",
        paint(report.status, color),
        report.elapsed_ms
    ));
    out
}

/// The widest check name and status word of the run: the status lines' columns.
fn column_widths(report: &Report) -> (usize, usize) {
    let name_width = report.checks.iter().map(|c| c.check.chars().count()).max().unwrap_or(0);
    // The widest status word, whatever the statuses of this run: `--watch` redraws keep the
    // check names in one column.
    let word_width = Status::ALL.iter().map(|s| s.label().len()).max().unwrap_or(0);
    (name_width, word_width)
}

/// A check's summary as its status line shows it: cut to the terminal's width, if any.
fn status_summary(report: &Report, c: &CheckResult, opts: &TableOptions) -> String {
    let (name_width, word_width) = column_widths(report);
    match opts.width {
        Some(w) => shorten(
            &c.summary,
            (w as usize).saturating_sub(word_width + name_width + 4).max(20),
        ),
        None => sanitize(&c.summary, true),
    }
}

/// Whether a check has more to show than its summary.
fn has_details(c: &CheckResult) -> bool {
    !c.metrics.is_empty() || !c.findings.is_empty() || !c.notes.is_empty() || c.runbook.is_some()
}

fn render_check(out: &mut String, check: &CheckResult, opts: &TableOptions) {
    out.push_str(&format!(
        "{} {}: {}\n",
        paint(check.status, opts.color),
        check.check,
        sanitize(&check.summary, true)
    ));
    if !check.metrics.is_empty() {
        let mut t = new_table(opts);
        t.set_header(vec!["metric", "value", "warning", "critical", "max"]);
        for m in &check.metrics {
            let unit = if m.unit == "c" { "" } else { m.unit.as_str() };
            let num = |v: Option<f64>| v.map(|v| format!("{}{unit}", trim(v))).unwrap_or_else(|| "-".into());
            t.add_row(vec![
                m.name.clone(),
                num(Some(m.value)),
                num(m.warning),
                num(m.critical),
                num(m.max),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    let mut kinds: Vec<&str> = Vec::new();
    for f in &check.findings {
        if !kinds.contains(&f.kind.as_str()) {
            kinds.push(&f.kind);
        }
    }
    for kind in kinds {
        let rows: Vec<&Finding> = check.findings.iter().filter(|f| f.kind == kind).collect();
        out.push_str(&format!("\n{}:\n", kind.replace('_', " ")));
        let mut t = new_table(opts);
        let columns: Vec<&String> = rows[0].fields.keys().collect();
        t.set_header(columns.iter().map(|c| c.replace('_', " ")).collect::<Vec<_>>());
        for row in rows {
            t.add_row(columns.iter().map(|c| cell(row.fields.get(*c))).collect::<Vec<_>>());
        }
        out.push_str(&format!("{t}\n"));
    }
    for note in &check.notes {
        out.push_str(&format!("note: {}\n", sanitize(note, true)));
    }
    if let Some(rb) = &check.runbook {
        out.push_str(&format!(
            "\nRunbook {}: {}\n",
            sanitize(&rb.id, true),
            sanitize(&rb.title, true)
        ));
        let mut phase = "";
        let mut n = 0;
        for step in &rb.steps {
            if step.phase != phase {
                phase = &step.phase;
                n = 0;
                out.push_str(&format!("  {}:\n", phase_title(phase)));
            }
            n += 1;
            let text = sanitize(&step.text, false);
            let mut lines = text.lines();
            out.push_str(&format!("   {n:>2}. {}\n", lines.next().unwrap_or_default()));
            for line in lines {
                out.push_str(&format!("       {line}\n"));
            }
            if let Some(sql) = &step.sql {
                for line in sanitize(sql, false).trim_end().lines() {
                    out.push_str(&format!("         {line}\n"));
                }
            }
            if let Some(shell) = &step.shell {
                for line in sanitize(shell, false).trim_end().lines() {
                    out.push_str(&format!("         $ {line}\n"));
                }
            }
            if let Some(example) = &step.example {
                out.push_str("         example, to complete by hand:\n");
                for line in sanitize(example, false).trim_end().lines() {
                    out.push_str(&format!("           {line}\n"));
                }
            }
        }
    }
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

fn new_table(opts: &TableOptions) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    if opts.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    if let Some(w) = opts.width {
        t.set_width(w);
        t.set_content_arrangement(ContentArrangement::Dynamic);
    }
    t
}

fn cell(value: Option<&Value>) -> Cell {
    let text = match value {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => shorten(s, CELL_MAX),
        Some(Value::Number(n)) => n.as_f64().map(trim).unwrap_or_else(|| n.to_string()),
        Some(other) => shorten(&other.to_string(), CELL_MAX),
    };
    Cell::new(text)
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// The status word, coloured when asked.
pub fn paint(status: Status, color: bool) -> String {
    if !color {
        return status.label().to_string();
    }
    let code = match status {
        Status::Ok => "32",
        Status::Warning => "33",
        Status::Critical => "1;31",
        Status::Unknown => "35",
    };
    format!("\x1b[{code}m{}\x1b[0m", status.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{AppliedRunbook, AppliedStep, Metric, TargetInfo};

    fn sample() -> Report {
        let check = CheckResult {
            check: "pool".into(),
            status: Status::Warning,
            summary: "8 of 10 usable connections used (80%)".into(),
            metrics: vec![
                Metric::new("connections", 8.0, "")
                    .thresholds(8.0, 10.0)
                    .range(0.0, 10.0),
            ],
            findings: vec![
                Finding::new("top_holders")
                    .with("application", "evil\x1b[2Japp")
                    .with("connections", 5),
            ],
            notes: vec![],
            runbook: Some(AppliedRunbook {
                id: "pool-exhaustion".into(),
                title: "Pool".into(),
                source: "embedded".into(),
                steps: vec![AppliedStep {
                    phase: "immediate".into(),
                    text: "Cancel 42".into(),
                    sql: Some("SELECT 1;".into()),
                    shell: None,
                    example: None,
                }],
            }),
        };
        let target = TargetInfo {
            engine: "postgres".into(),
            url: "postgres://u@h:5432/db".into(),
            server_version: Some("15.2".into()),
        };
        Report::new(target, vec![check], 3)
    }

    fn plain() -> TableOptions {
        TableOptions {
            color: false,
            width: None,
        }
    }

    fn result(name: &str, status: Status, summary: &str) -> CheckResult {
        CheckResult {
            check: name.into(),
            status,
            summary: summary.into(),
            metrics: vec![Metric::new(&format!("{name}_metric"), 1.0, "")],
            findings: vec![],
            notes: vec![format!("{name} note")],
            runbook: None,
        }
    }

    #[test]
    fn diagnose_lists_every_check_then_details_of_the_bad_ones_worst_first() {
        let target = sample().target;
        let report = Report::new(
            target,
            vec![
                result("pool", Status::Ok, "fine"),
                result("queries", Status::Warning, "slow one"),
                result("locks", Status::Critical, "blocked"),
                result("migrations", Status::Unknown, "cannot see"),
            ],
            12,
        );
        let out = render(&report, &plain());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            &lines[2..7],
            [
                "OK        pool        fine",
                "WARNING   queries     slow one",
                "CRITICAL  locks       blocked",
                "UNKNOWN   migrations  cannot see",
                "Overall: CRITICAL in 12 ms: 3 checks need attention, worst first below",
            ],
            "{out}"
        );
        let at = |text: &str| out.find(text).unwrap_or_else(|| panic!("{text} missing:\n{out}"));
        assert!(at("CRITICAL locks: blocked") < at("WARNING queries: slow one"));
        assert!(at("WARNING queries: slow one") < at("UNKNOWN migrations: cannot see"));
        assert!(out.contains("locks note") && out.contains("queries_metric"), "{out}");
        assert!(
            !out.contains("pool note") && !out.contains("pool_metric"),
            "OK is one line:\n{out}"
        );
    }

    #[test]
    fn a_single_check_is_shown_whole_even_when_ok() {
        let target = sample().target;
        let report = Report::new(target, vec![result("pool", Status::Ok, "fine")], 1);
        let out = render(&report, &plain());
        assert!(out.contains("OK pool: fine") && out.contains("pool_metric") && out.contains("pool note"));
        let calm = Report::new(
            sample().target,
            vec![result("pool", Status::Ok, "fine"), result("locks", Status::Ok, "fine")],
            1,
        );
        assert!(
            render(&calm, &plain()).contains("\nOK        pool   fine\n"),
            "the names stay in their column whatever the statuses"
        );
        assert!(!out.contains("Overall"), "{out}");
    }

    #[test]
    fn aligned_status_words_keep_their_colour() {
        let target = sample().target;
        let report = Report::new(
            target,
            vec![
                result("pool", Status::Ok, "fine"),
                result("locks", Status::Critical, "x"),
            ],
            1,
        );
        let out = render(
            &report,
            &TableOptions {
                color: true,
                width: None,
            },
        );
        assert!(out.contains("\x1b[32mOK\x1b[0m        pool   fine\n"), "{out:?}");
    }

    #[test]
    fn plain_output_has_no_escape_sequences() {
        let out = render(
            &sample(),
            &TableOptions {
                color: false,
                width: None,
            },
        );
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("WARNING pool: 8 of 10"));
        assert!(out.contains("top holders"));
        assert!(out.contains("Immediate:") && out.contains("1. Cancel 42") && out.contains("SELECT 1;"));
    }

    #[test]
    fn colour_only_on_the_status_word() {
        let out = render(
            &sample(),
            &TableOptions {
                color: true,
                width: None,
            },
        );
        assert!(out.contains("\x1b[33mWARNING\x1b[0m"));
        assert!(!out.contains("\x1b[2J"), "database text must stay inert");
    }
}
