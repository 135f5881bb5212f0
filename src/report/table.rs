//! The human renderer. One check (`dbrunbook pool`) is shown whole: its status line, metrics,
//! findings (one table per kind of finding), notes and runbook steps. Several checks
//! (`dbrunbook diagnose`) make one report that fits a screen: a status line per check first, in
//! the checks' fixed order (so `--watch` redraws do not reshuffle them), then the details of every
//! check that is not OK, worst first; an OK check takes its one line. Text from outside (the
//! database, runbook files, the URL) is sanitized here, at the last moment before it reaches a
//! terminal; colours only when the caller says so. A fleet gets a summary (target × check), then
//! the details of every target not OK.

use std::collections::BTreeSet;

use comfy_table::{Cell, ContentArrangement, Table as Grid, presets};
use serde_json::Value;

use super::fleet::FleetTarget;
use super::output::View;
use super::{AppliedRunbook, CheckResult, Finding, FleetReport, Render, Report, Status, Unit, brief, tree};
use crate::text::{sanitize, shorten};
use crate::units::{Places, decimal, human_millis, human_seconds};

/// Longest text shown in one table cell; JSON carries the whole text.
const CELL_MAX: usize = 60;

/// Columns that give way first when a table is wider than the screen, in this order (after
/// those saying the same on every row): keys and cross-references the JSON keeps for programs,
/// then where a session comes from.
const LOW_VALUE: &[&str] = &[
    "gid",
    "inferred",
    "roots",
    "blocked_by",
    "queryid",
    "digest",
    "query_truncated",
    "recognised_by",
    "client",
    "host",
    "database",
    "schema",
    "user",
    "started_at",
    "transaction_for",
    "mode",
    "granted",
];

/// The table renderer, for a terminal or a pipe.
pub struct Table {
    pub color: bool,
    /// The screen's width, when known; tables and prose then fit it.
    pub width: Option<u16>,
    /// The screen's height, when known: what [`View::Fit`] fits into.
    pub height: Option<u16>,
    pub view: View,
}

impl Table {
    /// Plain text, unbounded, everything: as piped.
    pub fn plain() -> Table {
        Table {
            color: false,
            width: None,
            height: None,
            view: View::Full,
        }
    }
}

impl Render for Table {
    fn report(&self, report: &Report) -> String {
        let full = render(report, self);
        let height = self.height.map(usize::from);
        match (self.view, height) {
            (View::Full, _) | (View::Fit, None) => full,
            // The shell's prompt takes a line too.
            (View::Fit, Some(h)) if full.lines().count() < h => full,
            (View::Brief | View::Fit, _) => brief_with_more(report, self, &full),
        }
    }

    fn fleet(&self, fleet: &FleetReport) -> String {
        render_fleet(fleet, self)
    }
}

/// The brief view in the screen's height, then how much more `--full` shows.
fn brief_with_more(report: &Report, opts: &Table, full: &str) -> String {
    // The last row stays free: the line after "N more lines" (a shell prompt, a cursor), so
    // nothing scrolls off the top.
    let budget = opts.height.map(|h| usize::from(h).saturating_sub(2).max(1));
    let lines = brief::lines(report, opts, budget);
    let more = full.lines().count().saturating_sub(lines.len());
    let mut out = lines.join("\n");
    out.push('\n');
    if more > 0 {
        out.push_str(&format!("{more} more lines: --full\n"));
    }
    out
}

/// `dbrunbook: postgres 15.2 at postgres://u@h:5432/db`.
pub(super) fn header_line(report: &Report) -> String {
    let version = report
        .target
        .server_version
        .as_deref()
        .map(|v| format!(" {}", sanitize(v, true)))
        .unwrap_or_default();
    // The URL's host is as the user typed it (percent-decoded), escape sequences included.
    format!(
        "dbrunbook: {}{} at {}",
        sanitize(&report.target.engine, true),
        version,
        sanitize(&report.target.url, true)
    )
}

fn render(report: &Report, opts: &Table) -> String {
    let mut out = format!("{}\n", para(&header_line(report), opts));
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
pub(super) fn status_lines(report: &Report, opts: &Table) -> String {
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
        "Overall: {} in {}{tail}\n",
        paint(report.status, color),
        human_millis(report.elapsed_ms as f64)
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
fn status_summary(report: &Report, c: &CheckResult, opts: &Table) -> String {
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

fn render_check(out: &mut String, check: &CheckResult, opts: &Table) {
    // Wrapped on the plain word, then painted: colour codes take no room on screen.
    let line = para(
        &format!(
            "{} {}: {}",
            check.status.label(),
            check.check,
            sanitize(&check.summary, true)
        ),
        opts,
    );
    let word = check.status.label();
    out.push_str(&format!("{}{}\n", paint(check.status, opts.color), &line[word.len()..]));
    if !check.metrics.is_empty() {
        let mut t = new_table(opts);
        t.set_header(vec!["metric", "value", "warning", "critical", "max"]);
        for m in &check.metrics {
            let unit = if m.unit == Unit::Counter { "" } else { m.unit.symbol() };
            // Seconds as people write them (4m58s, not 298s); JSON keeps the number.
            let num = |v: Option<f64>| match v {
                None => "-".into(),
                Some(v) if m.unit == Unit::Seconds => human_seconds(v),
                Some(v) => format!("{}{unit}", trim(v)),
            };
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
        if kind == "lock_tree" {
            for line in tree::lines(&rows, opts.width) {
                out.push_str(&format!("{line}\n"));
            }
            continue;
        }
        if kind == "latest_deadlock" {
            deadlock(out, &rows, opts);
            continue;
        }
        let mut t = new_table(opts);
        let columns = visible_columns(&rows, opts.width);
        t.set_header(columns.iter().map(|c| c.replace('_', " ")).collect::<Vec<_>>());
        for row in rows {
            t.add_row(columns.iter().map(|c| cell(row.fields.get(*c))).collect::<Vec<_>>());
        }
        out.push_str(&format!("{t}\n"));
    }
    for note in &check.notes {
        out.push_str(&format!("{}\n", para(&format!("note: {}", sanitize(note, true)), opts)));
    }
    if let Some(rb) = &check.runbook {
        render_runbook(out, rb, opts);
    }
}

/// A deadlock's statements are its evidence: each in full on lines of its own, not cut to a
/// table cell.
fn deadlock(out: &mut String, rows: &[&Finding], opts: &Table) {
    for row in rows {
        let detected = cell_text(row.fields.get("detected"));
        out.push_str(&format!("detected {detected}\n"));
        let statements = row.fields.get("statements").and_then(Value::as_array);
        for (i, s) in statements.into_iter().flatten().enumerate() {
            let text = s.as_str().map_or_else(|| s.to_string(), |t| sanitize(t, true));
            let wrapped = wrap(&text, opts.width.map(|w| usize::from(w).saturating_sub(5)));
            for (j, line) in wrapped.lines().enumerate() {
                let number = if j == 0 {
                    format!("{:>2}. ", i + 1)
                } else {
                    "    ".to_string()
                };
                out.push_str(&format!(" {number}{line}\n"));
            }
        }
    }
}

/// The runbook's steps under their phases: prose wrapped to the screen, commands as they are.
fn render_runbook(out: &mut String, rb: &AppliedRunbook, opts: &Table) {
    let title = format!("Runbook {}: {}", sanitize(&rb.id, true), sanitize(&rb.title, true));
    out.push_str(&format!("\n{}\n", para(&title, opts)));
    let mut phase = "";
    let mut n = 0;
    for step in &rb.steps {
        if step.phase != phase {
            phase = &step.phase;
            n = 0;
            out.push_str(&format!("  {}:\n", phase_title(phase)));
        }
        n += 1;
        // Prose wraps at word boundaries under its number; commands are never wrapped.
        let text = wrap(
            &sanitize(&step.text, false),
            opts.width.map(|w| usize::from(w).saturating_sub(7)),
        );
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

fn phase_title(phase: &str) -> &str {
    match phase {
        "diagnose" => "Look first",
        "immediate" => "Immediate",
        "long_term" => "Long term",
        "escalation" => "Escalate",
        other => other,
    }
}

/// One paragraph wrapped to the screen's width, if known.
fn para(text: &str, opts: &Table) -> String {
    wrap(text, opts.width.map(usize::from))
}

/// Text wrapped at word boundaries to `width` characters a line, its own line breaks kept; a
/// word longer than the width stands alone on its line.
pub(super) fn wrap(text: &str, width: Option<usize>) -> String {
    let Some(width) = width.map(|w| w.max(20)) else {
        return text.to_string();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split_whitespace() {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push(current);
    }
    out.join("\n")
}

/// A finding table's columns: all of them when they fit the width (or there is none); else
/// columns saying the same on every row give way, then the [`LOW_VALUE`] ones, before comfy
/// wraps what remains.
fn visible_columns<'a>(rows: &[&'a Finding], width: Option<u16>) -> Vec<&'a String> {
    let mut columns: Vec<&String> = rows[0].fields.keys().collect();
    let Some(width) = width.map(usize::from) else {
        return columns;
    };
    let natural = |columns: &[&String]| {
        1 + columns
            .iter()
            .map(|c| {
                rows.iter()
                    .map(|r| cell_text(r.fields.get(*c)).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(c.chars().count())
                    + 3
            })
            .sum::<usize>()
    };
    let same_everywhere = |c: &String| rows.len() > 1 && rows.iter().all(|r| r.fields.get(c) == rows[0].fields.get(c));
    let droppable: Vec<&String> = columns
        .iter()
        .copied()
        .filter(|c| same_everywhere(c))
        .chain(
            LOW_VALUE
                .iter()
                .filter_map(|low| columns.iter().copied().find(|c| c.as_str() == *low)),
        )
        .collect();
    for c in droppable {
        if natural(&columns) <= width || columns.len() <= 2 {
            break;
        }
        columns.retain(|k| *k != c);
    }
    columns
}

fn new_table(opts: &Table) -> Grid {
    let mut t = Grid::new();
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
    Cell::new(cell_text(value))
}

fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => shorten(s, CELL_MAX),
        Some(Value::Number(n)) => n.as_f64().map(trim).unwrap_or_else(|| n.to_string()),
        Some(other) => shorten(&other.to_string(), CELL_MAX),
    }
}

fn trim(v: f64) -> String {
    decimal(v, Places::Fixed(2))
}

/// The summary table (one row per target, one column per check), then for every target not
/// OK its single-target report narrowed to the checks not OK, worst target first.
fn render_fleet(fleet: &FleetReport, opts: &Table) -> String {
    let mut checks: Vec<&str> = Vec::new();
    for t in &fleet.targets {
        for c in &t.report.checks {
            if !checks.contains(&c.check.as_str()) {
                checks.push(&c.check);
            }
        }
    }
    let mut grid = new_table(opts);
    let mut header = vec!["target".to_string(), "status".to_string()];
    header.extend(checks.iter().map(|c| c.to_string()));
    grid.set_header(header);
    for t in &fleet.targets {
        let mut row = vec![sanitize(&t.name, true), paint(t.report.status, opts.color)];
        for name in &checks {
            row.push(
                t.report
                    .checks
                    .iter()
                    .find(|c| c.check == *name)
                    .map(|c| paint(c.status, opts.color))
                    .unwrap_or_else(|| "-".into()),
            );
        }
        grid.add_row(row);
    }
    let mut out = format!("{grid}\n");
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            let n = fleet.targets.iter().filter(|t| t.report.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.label()))
        })
        .collect();
    out.push_str(&format!(
        "{} targets in {}: {}. Overall: {}\n",
        fleet.targets.len(),
        human_millis(fleet.elapsed_ms as f64),
        counts.join(", "),
        paint(fleet.status, opts.color)
    ));
    let mut not_ok: Vec<&FleetTarget> = fleet.targets.iter().filter(|t| t.report.status != Status::Ok).collect();
    // Worst first, file order among equals.
    not_ok.sort_by_key(|t| std::cmp::Reverse(t.report.status.severity()));
    let mut shown_runbook_problem = BTreeSet::new();
    for t in not_ok {
        let mut narrowed = t.report.clone();
        narrowed.checks.retain(|c| c.status != Status::Ok);
        // The --runbooks problem is the same for every target: shown once.
        narrowed
            .checks
            .retain(|c| c.check != "runbooks" || shown_runbook_problem.insert(c.check.clone()));
        if narrowed.checks.is_empty() {
            continue;
        }
        out.push_str(&format!("\n── {} ──\n", sanitize(&t.name, true)));
        // A target that could not be reached says so once, not once per check.
        let first = &narrowed.checks[0];
        let same = narrowed.checks.len() > 1
            && narrowed
                .checks
                .iter()
                .all(|c| c.status == first.status && c.summary == first.summary && c.runbook.is_none());
        if same {
            out.push_str(&format!(
                "{} every check: {}\n",
                paint(first.status, opts.color),
                sanitize(&first.summary, true)
            ));
        } else {
            out.push_str(&render(&narrowed, opts));
        }
    }
    out
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
    use crate::report::{AppliedRunbook, AppliedStep, Metric, TargetInfo, Unit};

    fn sample() -> Report {
        let check = CheckResult {
            check: "pool".into(),
            status: Status::Warning,
            summary: "8 of 10 usable connections used (80%)".into(),
            metrics: vec![
                Metric::new("connections", 8.0, Unit::Count)
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

    fn plain() -> Table {
        Table::plain()
    }

    fn result(name: &str, status: Status, summary: &str) -> CheckResult {
        CheckResult {
            check: name.into(),
            status,
            summary: summary.into(),
            metrics: vec![Metric::new(&format!("{name}_metric"), 1.0, Unit::Count)],
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
                "Overall: CRITICAL in 12ms: 3 checks need attention, worst first below",
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
            &Table {
                color: true,
                ..Table::plain()
            },
        );
        assert!(out.contains("\x1b[32mOK\x1b[0m        pool   fine\n"), "{out:?}");
    }

    #[test]
    fn plain_output_has_no_escape_sequences() {
        let out = render(&sample(), &Table::plain());
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("WARNING pool: 8 of 10"));
        assert!(out.contains("top holders"));
        assert!(out.contains("Immediate:") && out.contains("1. Cancel 42") && out.contains("SELECT 1;"));
    }

    #[test]
    fn colour_only_on_the_status_word() {
        let out = render(
            &sample(),
            &Table {
                color: true,
                ..Table::plain()
            },
        );
        assert!(out.contains("\x1b[33mWARNING\x1b[0m"));
        assert!(!out.contains("\x1b[2J"), "database text must stay inert");
    }

    #[test]
    fn a_deadlock_shows_its_statements_whole() {
        let long = format!(
            "UPDATE accounts SET balance = balance - 1 WHERE id IN ({})",
            "7, ".repeat(30)
        );
        let mut check = result("locks", Status::Warning, "deadlock");
        check.findings = vec![
            Finding::new("latest_deadlock")
                .with("detected", "2026-12-07 03:00:00")
                .with(
                    "statements",
                    Value::from(vec![long.clone(), "UPDATE t SET v = 2".to_string()]),
                ),
        ];
        let out = render(&Report::new(sample().target, vec![check], 1), &plain());
        assert!(out.contains(&format!(" 1. {long}\n")), "{out}");
        assert!(out.contains(" 2. UPDATE t SET v = 2\n"), "{out}");
    }

    #[test]
    fn a_narrow_table_drops_same_everywhere_and_low_value_columns_first() {
        let row = |pid: i64, query: &str| {
            Finding::new("sessions")
                .with("pid", pid)
                .with("gid", Value::Null)
                .with("client", format!("10.0.0.{pid}"))
                .with("database", "shop")
                .with("query", query)
        };
        let rows = [
            row(1, "SELECT a long statement of some length"),
            row(2, "UPDATE t SET v = 1"),
        ];
        let refs: Vec<&Finding> = rows.iter().collect();
        let names = |w| visible_columns(&refs, w).into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(names(None), ["pid", "gid", "client", "database", "query"]);
        assert_eq!(names(Some(200)), ["pid", "gid", "client", "database", "query"]);
        assert_eq!(
            names(Some(65)),
            ["pid", "client", "query"],
            "gid and database say the same on every row"
        );
        assert_eq!(names(Some(50)), ["pid", "query"], "then the client gives way");
    }
}
