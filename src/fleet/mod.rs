//! A fleet: the targets of the fleet file (`config`), diagnosed together by `diagnose --all` or
//! `--tag` (`run`), or one at a time on Prometheus's request by `dbrunbook serve` (`serve`).

pub mod config;
pub mod kept;
pub mod run;
pub mod serve;
