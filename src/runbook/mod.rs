//! Runbooks: the embedded set plus users' directories, merged by id; choosing the runbook for a
//! check result and filling in its steps. Loading and validation live in `load`.

mod embedded;
mod input;
pub mod load;
pub mod model;
pub mod template;

use std::collections::BTreeMap;

pub use load::{Catalog, Problem};
pub use model::Runbook;

use crate::checks::Facts;
use crate::report::{AppliedRunbook, AppliedStep, Status};
use crate::target::Engine;

impl Catalog {
    /// The runbook for a check result: among those whose check, engine, status and conditions
    /// fit, the one made for the worst finding's condition, user runbooks before embedded ones,
    /// then by id.
    pub fn select(&self, check: &str, engine: Engine, status: Status, facts: &Facts) -> Option<&Runbook> {
        self.runbooks()
            .iter()
            .filter(|r| r.check == check && r.engines.contains(&engine) && r.statuses.contains(&status))
            .filter(|r| r.when.is_empty() || r.when.iter().any(|c| facts.conditions.contains(c)))
            .min_by_key(|r| {
                let leads = facts.lead.as_ref().is_some_and(|l| r.when.contains(l));
                (!leads, r.source == "embedded", r.id.clone())
            })
    }

    /// Default thresholds for a check on an engine, from the runbooks that serve it.
    pub fn thresholds(&self, check: &str, engine: Engine) -> BTreeMap<String, String> {
        let mut serving: Vec<&Runbook> = self
            .runbooks()
            .iter()
            .filter(|r| r.check == check && r.engines.contains(&engine))
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

/// The runbook's steps for this engine and these facts, placeholders filled.
pub fn apply(runbook: &Runbook, engine: Engine, facts: &Facts) -> AppliedRunbook {
    let mut steps = Vec::new();
    for (phase, list) in runbook.phases() {
        for step in list {
            if !step.engines.is_empty() && !step.engines.contains(&engine) {
                continue;
            }
            if !step.when.is_empty() && !step.when.iter().any(|c| facts.conditions.contains(c)) {
                continue;
            }
            let sql = step.sql.get(&engine);
            if sql.is_none() && !step.sql.is_empty() {
                continue;
            }
            let fill = |values: &BTreeMap<String, String>| AppliedStep {
                phase: phase.to_string(),
                text: template::fill(step.text.trim_end(), values, None),
                sql: sql.map(|s| template::fill(s.trim_end(), values, Some(engine))),
            };
            if step.each {
                for item in &facts.items {
                    let mut values = facts.values.clone();
                    values.extend(item.clone());
                    steps.push(fill(&values));
                }
            } else {
                steps.push(fill(&facts.values));
            }
        }
    }
    AppliedRunbook {
        id: runbook.id.clone(),
        title: runbook.title.clone(),
        source: runbook.source.clone(),
        steps,
    }
}
