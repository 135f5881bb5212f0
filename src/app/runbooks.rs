//! `dbrunbook runbooks list|show|validate|export`: reading runbooks without touching any database.
//! Exit codes: 0 fine, 1 problems found (validate) or no such runbook (show). Runbook files are
//! outside text: every field is sanitized on its way to the terminal (JSON keeps it as written).

use comfy_table::{Table, presets};

use crate::cli::{ExportFormat, Format, GlobalArgs, RunbooksCommand};
use crate::redact::redact_conninfo;
use crate::report::output::emit;
use crate::runbook::rules::{self, RulesOptions};
use crate::runbook::{Catalog, Problem, load};
use crate::text::sanitize;

pub fn run(global: &GlobalArgs, cmd: &RunbooksCommand) -> u8 {
    if let RunbooksCommand::Validate { paths } = cmd {
        return validate(paths);
    }
    let dirs = match global.runbook_dirs() {
        Ok(dirs) => dirs,
        Err(message) => {
            crate::log::say(&message);
            return 1;
        }
    };
    let catalog = match Catalog::load(&dirs) {
        Ok(c) => c,
        Err(problems) => {
            report_problems(&problems);
            return 1;
        }
    };
    match cmd {
        RunbooksCommand::List => {
            list(&catalog, global.format());
            0
        }
        RunbooksCommand::Show { id } => match catalog.get(id) {
            Some(rb) if global.format() == Format::Json => {
                emit(&format!("{}\n", serde_json::to_string_pretty(rb).unwrap_or_default()));
                0
            }
            Some(rb) => {
                emit(&show(rb));
                0
            }
            None => {
                let ids: Vec<&str> = catalog.runbooks().iter().map(|r| r.id.as_str()).collect();
                let guess = match crate::text::did_you_mean(id, &ids).as_slice() {
                    [] => String::new(),
                    close => format!("; did you mean {}?", close.join(", ")),
                };
                // The id is whatever was typed there, a URL with its password included.
                crate::log::say(&format!(
                    "no runbook '{}'{}; known runbooks: {}",
                    line(&redact_conninfo(id)),
                    line(&guess),
                    line(&ids.join(", "))
                ));
                1
            }
        },
        RunbooksCommand::Export {
            format,
            runbook_url,
            report_url,
            for_,
            hold,
            job,
        } => {
            let text = match format.export() {
                ExportFormat::PrometheusRules => {
                    let opts = RulesOptions {
                        runbook_url: runbook_url.as_deref(),
                        report_url: report_url.as_deref(),
                        for_: *for_,
                        hold: *hold,
                        job,
                    };
                    rules::render(&catalog, &opts)
                }
            };
            emit(&text);
            0
        }
        RunbooksCommand::Validate { .. } => unreachable!("handled above"),
    }
}

fn list(catalog: &Catalog, format: Format) {
    if format == Format::Json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(catalog.runbooks()).unwrap_or_default()
        ));
        return;
    }
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED).force_no_tty();
    t.set_header(vec!["id", "check", "engines", "statuses", "title", "source"]);
    for rb in catalog.runbooks() {
        let engines: Vec<&str> = rb.engines.iter().map(|e| e.name()).collect();
        let statuses: Vec<&str> = rb.statuses.iter().map(|s| s.name()).collect();
        t.add_row(vec![
            line(&rb.id),
            line(&rb.check),
            engines.join(", "),
            statuses.join(", "),
            line(&rb.title),
            line(&rb.source),
        ]);
    }
    emit(&format!("{t}\n"));
}

/// One line of outside text, safe for the terminal.
fn line(text: &str) -> String {
    sanitize(text, true)
}

fn show(rb: &crate::runbook::Runbook) -> String {
    let mut out = format!("{}: {}\n", line(&rb.id), line(&rb.title));
    let engines: Vec<&str> = rb.engines.iter().map(|e| e.name()).collect();
    out.push_str(&format!(
        "check: {}   engines: {}   source: {}\n",
        line(&rb.check),
        engines.join(", "),
        line(&rb.source)
    ));
    if !rb.thresholds.is_empty() {
        let t: Vec<String> = rb.thresholds.iter().map(|(k, v)| line(&format!("{k}={v}"))).collect();
        out.push_str(&format!("thresholds: {}\n", t.join(", ")));
    }
    if !rb.symptoms.is_empty() {
        out.push_str("\nSymptoms:\n");
        for s in &rb.symptoms {
            out.push_str(&format!("  - {}\n", line(s.trim())));
        }
    }
    for (phase, steps) in rb.phases() {
        if steps.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{phase}:\n"));
        for (i, step) in steps.iter().enumerate() {
            let mut tags = Vec::new();
            if !step.engines.is_empty() {
                tags.push(format!(
                    "engines: {}",
                    step.engines.iter().map(|e| e.name()).collect::<Vec<_>>().join(",")
                ));
            }
            if !step.when.is_empty() {
                tags.push(format!("when: {}", line(&step.when.join(","))));
            }
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", tags.join("; "))
            };
            out.push_str(&format!(
                "  {:>2}. {}{tags}\n",
                i + 1,
                sanitize(step.text.trim(), false).replace('\n', "\n      ")
            ));
            let blocks = [("sql", &step.sql), ("shell", &step.shell), ("example", &step.example)];
            for (kind, map) in blocks {
                for (dialect, body) in map {
                    out.push_str(&format!("      {kind} ({dialect}):\n"));
                    for line in sanitize(body, false).trim_end().lines() {
                        out.push_str(&format!("        {line}\n"));
                    }
                }
            }
        }
    }
    out
}

fn validate(paths: &[std::path::PathBuf]) -> u8 {
    let mut problems = Vec::new();
    let mut count = 0;
    for path in paths {
        let result = if path.is_dir() {
            load::load_dir(path)
        } else {
            load::load_file(path).map(|rb| vec![rb])
        };
        match result {
            Ok(list) => count += list.len(),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        emit(&format!("ok: {count} runbook(s) valid\n"));
        0
    } else {
        report_problems(&problems);
        1
    }
}

fn report_problems(problems: &[Problem]) {
    for p in problems {
        crate::log::stderr(&format!("{}\n", crate::text::sanitize(&p.to_string(), false)));
    }
    crate::log::say(&format!("{} problem(s) found", problems.len()));
}
