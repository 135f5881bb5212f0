//! What one run asks for, made once from the command line before any work (ripgrep's
//! `HiArgs`): the checks with their flags, the deadlines, the runbooks in effect. The pipeline
//! takes this value, never the raw arguments; a fleet target lays its own thresholds and
//! options over it. No connection, no output here.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::checks::{CHECKS, Check, ThresholdValue};
use crate::cli::{DEFAULT_CONNECT_TIMEOUT, GlobalArgs};
use crate::report::{CheckResult, Status};
use crate::runbook::Catalog;
use crate::target::Target;

/// A check to run, with the threshold flags the user gave and the rows of detail to show.
#[derive(Clone)]
pub struct Selected {
    pub check: &'static dyn Check,
    pub flags: BTreeMap<String, ThresholdValue>,
    pub limit: usize,
    pub options: BTreeMap<String, Vec<String>>,
    /// Asked for by name: see `Context::named`.
    pub named: bool,
}

/// The deadlines of a run, from `--timeout` and `--connect-timeout`.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// The whole run of one target, connecting included.
    pub timeout: Duration,
    /// `--connect-timeout`, when typed: it wins over the URL's `connect_timeout`.
    pub connect_timeout: Option<Duration>,
}

impl Deadlines {
    pub fn from_args(global: &GlobalArgs) -> Deadlines {
        Deadlines {
            timeout: global.timeout,
            connect_timeout: global.connect_timeout_arg,
        }
    }

    /// How long connecting to `target` may take: `--connect-timeout` when given (the person at
    /// the keyboard decides, whatever an application's URL says), else the URL's
    /// `connect_timeout`, else 5s.
    pub fn connect(&self, target: &Target) -> Duration {
        self.connect_timeout
            .or(target.connect_timeout)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }

    /// The connect timeout held under the run's deadline, so that a server that never answers
    /// is told by the connection's own timeout, with the phase it hung in, rather than by the
    /// deadline.
    pub fn connect_within_run(&self, target: &Target) -> Duration {
        self.connect(target).min(self.timeout.mul_f64(0.9))
    }
}

/// The runbooks in effect, and a result saying what was wrong with the `--runbooks` files when
/// the built-in ones had to stand in.
pub struct Runbooks {
    pub catalog: Catalog,
    pub problem: Option<CheckResult>,
}

impl Runbooks {
    /// `Err` only when even the built-in runbooks fail. A broken --runbooks directory must not
    /// hide a live CRITICAL: the checks run with the built-in runbooks and the problem is a
    /// result of its own (its lines are also said on stderr). `dirs` is `Err` when the
    /// directories could not even be named (DBRUNBOOK_RUNBOOKS holding no paths).
    pub fn load(dirs: Result<Vec<PathBuf>, String>) -> Result<Runbooks, String> {
        let problems: Vec<String> = match dirs.map(|dirs| Catalog::load(&dirs)) {
            Ok(Ok(catalog)) => return Ok(Runbooks { catalog, problem: None }),
            Ok(Err(problems)) => problems.iter().map(|p| p.to_string()).collect(),
            Err(message) => vec![message],
        };
        for p in &problems {
            crate::log::say(p);
        }
        let problem = CheckResult {
            check: "runbooks".into(),
            status: Status::Unknown,
            summary: format!(
                "{} problem(s) in the --runbooks files, so the built-in runbooks were used; fix them, or check \
                 with: dbrunbook runbooks validate DIR",
                problems.len()
            ),
            metrics: vec![],
            findings: vec![],
            notes: problems,
            runbook: None,
        };
        match Catalog::embedded() {
            Ok(catalog) => Ok(Runbooks {
                catalog,
                problem: Some(problem),
            }),
            Err(_) => Err(problem.summary),
        }
    }
}

/// One run: which checks, within which deadlines, with which runbooks.
pub struct Plan {
    pub checks: Vec<Selected>,
    pub deadlines: Deadlines,
    pub runbooks: Runbooks,
    /// A spinner on stderr while it runs (one target on a terminal; never for a fleet).
    pub spinner: bool,
}

impl Plan {
    /// The plan's checks with one fleet target's own thresholds and options (check → key →
    /// value) in place of the command line's.
    pub fn checks_for(
        &self,
        thresholds: &BTreeMap<String, BTreeMap<String, ThresholdValue>>,
        options: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    ) -> Vec<Selected> {
        self.checks
            .iter()
            .map(|c| {
                let name = c.check.spec().name;
                Selected {
                    flags: thresholds.get(name).cloned().unwrap_or_default(),
                    options: options.get(name).cloned().unwrap_or_default(),
                    ..c.clone()
                }
            })
            .collect()
    }
}

/// Every check, or those named by `--only` (then asked for by name).
pub fn every_check(only: &[String], limit: usize) -> Vec<Selected> {
    CHECKS
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|o| o == c.spec().name))
        .map(|&check| Selected {
            check,
            flags: BTreeMap::new(),
            limit,
            options: BTreeMap::new(),
            named: !only.is_empty(),
        })
        .collect()
}
