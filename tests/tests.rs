//! The one integration-test binary (ripgrep's `tests/tests.rs`): every file beside this one is a
//! module of it, so the suite links once and a failing test does not stop the others. Run one
//! file's tests with `cargo test --test tests backups::`, one test by a part of its name.

mod support;

mod architecture;
mod backups;
mod check_all;
mod cli;
mod connect;
mod fleet;
mod goldens;
mod hostile_postgres;
mod locks_mysql;
mod locks_postgres;
mod migrations;
mod migrations_dirs;
mod migrations_failed;
mod migrations_golden;
mod migrations_locks;
mod migrations_tools;
mod outputs;
mod pg_versions;
mod pgbouncer;
mod pool_mysql;
mod pool_postgres;
mod queries_mysql;
mod queries_postgres;
mod quoting;
mod reliability;
mod restore_check;
mod round_trips;
mod runbook_input;
mod runbook_snippets;
mod secrets;
mod serve;
mod size;
mod size_golden;
mod slow;
mod terminal;
mod watch;
