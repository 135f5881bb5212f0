//! Runbooks: the embedded set plus users' directories, merged by id; choosing the runbook for a
//! check result and filling in its steps. Loading and validation live in `load`.

mod embedded;
pub mod input;
pub mod load;
pub mod model;
pub mod rules;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};

pub use load::{Catalog, Problem};
pub use model::{Dialect, Runbook};

use crate::checks::Facts;
use crate::report::{AppliedRunbook, AppliedStep, Status};
use crate::target::Engine;

impl Catalog {
    /// The runbook for a check result: among those whose check, engine, status and conditions
    /// fit, the one made for the worst finding's condition, user runbooks before embedded ones,
    /// then by id.
    pub fn select(&self, check: &str, engine: Engine, status: Status, facts: &Facts) -> Option<&Runbook> {
        self.serving(check, status, &facts.conditions)
            .filter(|r| r.engines.contains(&engine) && r.statuses.contains(&status))
            .filter(|r| r.when.is_empty() || r.when.iter().any(|c| facts.conditions.contains(c)))
            .min_by_key(|r| {
                let leads = facts.lead.as_ref().is_some_and(|l| r.when.contains(l));
                (!leads, r.source == "embedded", r.id.clone())
            })
    }

    /// Default thresholds for a check on an engine, from the runbooks that serve it.
    pub fn thresholds(&self, check: &str, engine: Engine) -> BTreeMap<String, String> {
        let mut serving: Vec<&Runbook> = self
            .setting_thresholds(check)
            .filter(|r| r.engines.contains(&engine))
            .collect();
        // Embedded first so that a user's runbook has the last word.
        serving.sort_by_key(|r| (r.source != "embedded", r.id.clone()));
        let mut out = BTreeMap::new();
        for r in serving {
            out.extend(r.thresholds.clone());
        }
        out
    }
}

/// The runbook's steps for a server of `engine` speaking `dialects` (most specific first, see
/// [`Dialect::spoken`]) and these facts, placeholders filled.
pub fn apply<'a>(runbook: &'a Runbook, engine: Engine, dialects: &[Dialect], facts: &Facts) -> AppliedRunbook {
    let mut steps = Vec::new();
    for (phase, list) in runbook.phases() {
        for step in list {
            if !step.engines.is_empty() && !step.engines.contains(&engine) {
                continue;
            }
            if !step.when.is_empty() && !step.when.iter().any(|c| facts.conditions.contains(c)) {
                continue;
            }
            let pick = |map: &'a BTreeMap<Dialect, String>| dialects.iter().find_map(|d| map.get(d));
            let (sql, shell, example) = (pick(&step.sql), pick(&step.shell), pick(&step.example));
            let for_others = !(step.sql.is_empty() && step.shell.is_empty() && step.example.is_empty());
            if for_others && sql.is_none() && shell.is_none() && example.is_none() {
                continue;
            }
            let fill = |values: &BTreeMap<String, String>| AppliedStep {
                phase: phase.to_string(),
                text: template::fill_text(step.text.trim_end(), values),
                sql: sql.and_then(|s| template::fill_sql(s.trim_end(), values, engine)),
                shell: shell.and_then(|s| template::fill_shell(s.trim_end(), values)),
                example: example.and_then(|s| template::fill_example(s.trim_end(), values, engine)),
            };
            if step.each {
                let each: Vec<AppliedStep> = facts
                    .items
                    .iter()
                    .map(|item| {
                        let mut values = facts.values.clone();
                        values.extend(item.clone());
                        fill(&values)
                    })
                    .collect();
                let keys: BTreeSet<&String> = facts.items.iter().flat_map(|i| i.keys()).collect();
                match template::fill_text_for_all(step.text.trim_end(), &facts.values, &keys) {
                    Some(text) if each.len() > 1 && !text.is_empty() => steps.push(bulk(text, each)),
                    _ => steps.extend(each),
                }
            } else {
                steps.push(fill(&facts.values));
            }
        }
    }
    // A step whose prose came out empty (every sentence named a fact the check could not
    // supply) and that has nothing to run says nothing.
    steps.retain(|s| !s.text.is_empty() || s.sql.is_some() || s.shell.is_some() || s.example.is_some());
    AppliedRunbook {
        id: runbook.id.clone(),
        title: runbook.title.clone(),
        source: runbook.source.clone(),
        steps,
    }
}

/// One step for several items alike: the shared text, one statement (or command line) per item
/// in one block, as one paste does them all. The first item's example stands for all.
fn bulk(text: String, each: Vec<AppliedStep>) -> AppliedStep {
    let join = |part: fn(&AppliedStep) -> Option<&String>| {
        let lines: Vec<&String> = each.iter().filter_map(part).collect();
        (!lines.is_empty()).then(|| lines.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("\n"))
    };
    AppliedStep {
        phase: each[0].phase.clone(),
        text,
        sql: join(|s| s.sql.as_ref()),
        shell: join(|s| s.shell.as_ref()),
        example: each[0].example.clone(),
    }
}
