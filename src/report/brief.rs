//! One screen per incident, for the table format (`--brief`, `diagnose` on a terminal whose
//! height the full report would overflow, `--watch`): the header and status block, the worst
//! check's root or top holder (the lock tree, else its first findings), and the first one to
//! three commands of its runbook; then how many lines `--full` would add. Lines never exceed the
//! width, so a redraw never wraps and never scrolls.

use serde_json::Value;

use super::table::{Table, header_line, status_lines};
use super::tree::fit;
use super::{CheckResult, Finding, Report, Status, tree};
use crate::text::{sanitize, shorten};

/// Longest line when the width is unknown (piped with `--brief`).
const UNBOUNDED: usize = 120;
/// Most tree lines (header included) before commands get the room.
const TREE_LINES: usize = 8;
/// Most commands shown, and lines of each.
const COMMANDS: usize = 3;
const COMMAND_LINES: usize = 3;
/// Finding rows shown for a check without a lock tree.
const HOLDER_ROWS: usize = 3;

/// The brief view in at most `budget` lines (when it can: the header, the status block, the
/// root and the first command always).
pub fn lines(report: &Report, opts: &Table, budget: Option<usize>) -> Vec<String> {
    let width = opts.width.map_or(UNBOUNDED, usize::from).min(usize::from(u16::MAX));
    let fit = |s: &str| shorten(s, width);
    let mut head = vec![fit(&header_line(report))];
    let worst = worst(report);
    if report.checks.len() > 1 {
        head.extend(status_lines(report, opts).lines().map(str::to_string));
    } else if let Some(c) = worst {
        head.push(format!(
            "{} {}",
            super::table::paint(c.status, opts.color),
            fit(&format!("{}: {}", c.check, c.summary))
        ));
    }
    let Some(check) = worst.filter(|c| c.status != Status::Ok) else {
        return head;
    };
    let mut holder = holder(check, width);
    if !holder.is_empty() {
        holder.insert(0, shorten(&format!("{}:", check.check), width));
    }
    let mut blocks = commands(check, width);
    let budget = budget.unwrap_or(usize::MAX);
    let total = |holder: &[String], blocks: &[Vec<String>]| {
        head.len() + holder.len() + blocks.iter().map(Vec::len).sum::<usize>() + usize::from(!blocks.is_empty())
    };
    let mut shown = blocks.len();
    while total(&holder, &blocks[..shown]) > budget {
        if shown > 1 {
            shown -= 1;
        } else if shown == 1 && blocks[0].len() > 2 {
            // The first command's own line stays; its continuation lines go before the tree's.
            blocks[0].pop();
        } else if holder.len() > 4 {
            holder.pop();
        } else {
            break;
        }
    }
    let mut out = head;
    out.extend(holder);
    if shown > 0 {
        let rb = check
            .runbook
            .as_ref()
            .map(|r| sanitize(&r.id, true))
            .unwrap_or_default();
        out.push(fit(&format!("First commands (runbook {rb}):")));
        out.extend(blocks.into_iter().take(shown).flatten());
    }
    out.truncate(budget);
    out
}

/// The check the screen is about: the worst; among equals one with a lock tree (sessions
/// waiting on a root are the cause the other checks see the effects of), else the first.
fn worst(report: &Report) -> Option<&CheckResult> {
    let tree = |c: &CheckResult| c.findings.iter().any(|f| f.kind == "lock_tree");
    report
        .checks
        .iter()
        .rev()
        .max_by_key(|c| (c.status.severity(), tree(c)))
}

/// The root or top holder: the lock tree's first lines, else the first findings' rows.
fn holder(check: &CheckResult, width: usize) -> Vec<String> {
    let tree_rows: Vec<&Finding> = check.findings.iter().filter(|f| f.kind == "lock_tree").collect();
    if !tree_rows.is_empty() {
        let mut lines = tree::lines(&tree_rows, Some(width as u16));
        lines.truncate(TREE_LINES);
        return lines;
    }
    let Some(first) = check.findings.first() else {
        return Vec::new();
    };
    let rows: Vec<&Finding> = check
        .findings
        .iter()
        .filter(|f| f.kind == first.kind)
        .take(HOLDER_ROWS)
        .collect();
    let keys: Vec<&String> = first.fields.keys().collect();
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => shorten(s, 40),
        Some(other) => shorten(&other.to_string(), 40),
    };
    let mut table: Vec<Vec<String>> = vec![keys.iter().map(|k| k.replace('_', " ")).collect()];
    table.extend(
        rows.iter()
            .map(|r| keys.iter().map(|k| text(r.fields.get(*k))).collect()),
    );
    let widths: Vec<usize> = (0..keys.len())
        .map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    table
        .iter()
        .map(|r| {
            let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            fit(line.join("  ").trim_end(), Some(width as u16))
        })
        .collect()
}

/// The runbook's first steps that carry a command, immediate ones first: each its text on one
/// line and its command's first lines.
fn commands(check: &CheckResult, width: usize) -> Vec<Vec<String>> {
    let Some(rb) = &check.runbook else {
        return Vec::new();
    };
    let order = |phase: &str| match phase {
        "immediate" => 0,
        "diagnose" => 1,
        _ => 2,
    };
    let mut steps: Vec<_> = rb
        .steps
        .iter()
        .filter(|s| s.sql.is_some() || s.shell.is_some())
        .collect();
    steps.sort_by_key(|s| order(&s.phase));
    steps
        .into_iter()
        .take(COMMANDS)
        .map(|s| {
            let mut block = vec![fit(
                &format!("  - {}", shorten(&s.text, usize::MAX)),
                Some(width as u16),
            )];
            let command = match (&s.sql, &s.shell) {
                (Some(sql), _) => sanitize(sql, false).lines().map(str::to_string).collect::<Vec<_>>(),
                (None, Some(sh)) => sanitize(sh, false).lines().map(|l| format!("$ {l}")).collect(),
                (None, None) => Vec::new(),
            };
            let more = command.len() > COMMAND_LINES;
            for line in command.into_iter().take(COMMAND_LINES) {
                block.push(fit(&format!("      {}", line.trim_end()), Some(width as u16)));
            }
            if more {
                block.push("      …".to_string());
            }
            block
        })
        .collect()
}
