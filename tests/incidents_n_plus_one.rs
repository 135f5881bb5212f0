//! The N+1 request loop on a missing index, reproduced by the code that causes it: an
//! order-history handler (tests/apps/n_plus_one.py, SQLAlchemy over psycopg2 / PyMySQL) running
//! one `SELECT ... WHERE customer_id = ...` per customer against 300,000 orders with no index,
//! after a one-off slow data-load INSERT. `slow --interval` flags the N+1 statement by its share
//! of a core, with its table and the index it lacks, not the INSERT; `diagnose` leads with it
//! too; the evidence steps run as printed, the printed index is built, and the next interval is OK.

use std::path::Path;

use serde_json::Value;

use crate::support::apps::App;
use crate::support::oncall::{APP_DB, Cron, Server, check, steps_in, wait_until};

/// The mean threshold low enough that the data load's INSERT is over it: the N+1 statement must
/// still lead, by what it costs.
const SLOW_ARGS: &[&str] = &["--warning", "100ms", "--critical", "1h"];

fn requests(stats: &Path) -> i64 {
    std::fs::read(stats)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["requests"].as_i64())
        .unwrap_or(0)
}

fn run_app(server: &Server, flag: &str) {
    let url = server.app_url();
    let mut app = App::start("n_plus_one.py", &["--url", &url, flag], &[]);
    let mut stderr = String::new();
    std::io::Read::read_to_string(app.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let status = app.child.wait().unwrap();
    assert!(status.success(), "n_plus_one.py {flag} failed:\n{stderr}");
}

fn slow_over_interval(cron: &Cron, url: &str) -> Value {
    let mut args = vec!["slow", "--url", url, "--interval", "10s", "--timeout", "60s"];
    args.extend(SLOW_ARGS);
    cron.report(&args)
}

fn n_plus_one_is_flagged_and_cleared_by_the_printed_index(pg: bool) {
    let server = Server::with_statement_statistics(pg);
    let url = server.url();
    let cron = Cron::new();
    run_app(&server, "--setup");
    run_app(&server, "--load");
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("requests.json");
    let app_url = server.app_url();
    let _app = App::start(
        "n_plus_one.py",
        &["--url", &app_url, "--stats", stats.to_str().unwrap()],
        &[],
    );
    wait_until("the handler serves requests", || requests(&stats) >= 2);

    let report = slow_over_interval(&cron, &url);
    let slow = check(&report, "slow").clone();
    assert!(
        matches!(slow["status"].as_str(), Some("warning" | "critical")),
        "{slow:#}"
    );
    assert_eq!(slow["runbook"]["id"], "slow-statements");
    let summary = slow["summary"].as_str().unwrap();
    assert!(
        summary.contains("of one core's time") && summary.contains("customer_id") && !summary.contains("INSERT"),
        "{summary}"
    );
    let diagnosis = steps_in(&slow, "diagnose");
    let texts: String = diagnosis.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains("It reads orders filtered on customer_id"), "{texts}");
    assert!(!texts.contains("orders_archive"), "{texts}");
    // The tool's own statements are not in its list.
    let listed: Vec<&str> = slow["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["query"].as_str())
        .collect();
    assert!(
        !listed
            .iter()
            .any(|q| q.contains("pg_stat_statements") || q.contains("performance_schema")),
        "{listed:#?}"
    );

    // diagnose, without an interval: the same statement leads, by its cost since the
    // statistics began, not the one-off INSERT.
    let report = cron.report(&["diagnose", "--url", &url, "--timeout", "60s"]);
    // For the incident note: how long diagnose took during the N+1 loop (`--nocapture`).
    eprintln!(
        "diagnose during the N+1 loop ({}): {} ms",
        server.name(),
        report["elapsed_ms"]
    );
    let d = check(&report, "slow");
    let lead = d["summary"].as_str().unwrap();
    assert!(
        lead.contains("customer_id") && !lead.starts_with("1 statement"),
        "{d:#}"
    );

    // The evidence, as printed: the plan (PostgreSQL 15: prepared, generic), the table's scans
    // and indexes, the digest.
    for step in &diagnosis {
        if let Some(sql) = step.sql.as_deref() {
            server.sql(APP_DB, sql);
        }
    }
    // The fix as printed: the index on the filtered column.
    let fix: Vec<String> = steps_in(&slow, "immediate")
        .iter()
        .filter_map(|s| s.sql.as_deref())
        .filter(|sql| sql.contains("INDEX"))
        .map(str::to_string)
        .collect();
    assert_eq!(fix.len(), 1, "{slow:#}");
    let expected = if pg {
        "CREATE INDEX CONCURRENTLY \"orders_customer_id_idx\" ON \"public\".\"orders\" (\"customer_id\");"
    } else {
        "ALTER TABLE `bank`.`orders` ADD INDEX `orders_customer_id_idx` (`customer_id`), ALGORITHM=INPLACE, LOCK=NONE;"
    };
    assert_eq!(fix[0].trim(), expected);
    server.sql(APP_DB, &fix[0]);

    let served = requests(&stats);
    wait_until("the handler serves requests with the index", || {
        requests(&stats) >= served + 2
    });
    let after = slow_over_interval(&cron, &url);
    let slow = check(&after, "slow");
    assert_eq!(slow["status"], "ok", "{slow:#}");
}

#[test]
fn n_plus_one_on_postgres_is_flagged_by_its_cost_and_cleared_by_the_printed_index() {
    n_plus_one_is_flagged_and_cleared_by_the_printed_index(true);
}

#[test]
fn n_plus_one_on_mariadb_is_flagged_by_its_cost_and_cleared_by_the_printed_index() {
    n_plus_one_is_flagged_and_cleared_by_the_printed_index(false);
}
