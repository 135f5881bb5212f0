//! The one integration-test binary (ripgrep's `tests/tests.rs`): every file beside this one is a
//! module of it, so the suite links once and a failing test does not stop the others. Run one
//! file's tests with `cargo test --test tests backups::`, one test by a part of its name.

mod support;

mod alerts_prometheus;
mod architecture;
mod backups;
mod check_all;
mod cli;
mod connect;
mod end;
mod fleet;
mod fuzz_secrets;
mod goldens;
mod hostile_postgres;
mod incidents_deadlock;
mod incidents_false_alarms;
mod incidents_n_plus_one;
mod incidents_pool_leak;
mod incidents_restart;
mod incidents_slow_io;
mod incidents_support;
mod locks_mysql;
mod locks_postgres;
mod migrations;
mod migrations_dirs;
mod migrations_failed;
mod migrations_golden;
mod migrations_locks;
mod migrations_tools;
mod option_injection;
mod outputs;
mod pg_versions;
mod pgbouncer;
mod pool_mysql;
mod pool_postgres;
mod queries_mysql;
mod queries_postgres;
mod quoting;
mod readme;
mod reliability;
mod replication;
mod replication_golden;
mod replication_mysql;
mod restore_check;
mod round_trips;
mod runbook_input;
mod runbook_snippets;
mod screen;
mod secrets;
mod serve;
mod size;
mod size_golden;
mod slow;
mod terminal;
mod watch;
