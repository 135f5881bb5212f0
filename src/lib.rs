//! dbrunbook: database diagnostics for on-call engineers. The binary (`main.rs`) only calls
//! [`app::main`]; the data path is target → engine session → check → runbook → report.

pub mod app;
pub mod checks;
pub mod cli;
pub mod diagnose;
pub mod dumpfile;
pub mod end;
pub mod engine;
pub mod fleet;
pub mod log;
pub mod memory;
pub mod passfile;
pub mod quote;
pub mod redact;
pub mod report;
pub mod restore;
pub mod runbook;
pub mod target;
pub mod text;
pub mod units;
