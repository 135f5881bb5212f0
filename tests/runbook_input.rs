//! Runbook files as an attacker or a careless colleague might leave them: inverted thresholds,
//! files too big, too deep or full of aliases, FIFOs and other non-files, names that look like
//! runbooks but are not loaded. Each is reported as a problem with file:line:column, fast, by
//! `runbooks validate` and by a check run with `--runbooks`.

mod support;

use std::path::Path;
use std::time::Duration;

use support::*;

/// Far above what bounded loading takes; only there so that a regression fails instead of hanging.
const GUARD: Duration = Duration::from_secs(60);

const GOOD: &str =
    "id: mine\ntitle: T\ncheck: pool\nengines: [postgres]\nremediation:\n  immediate:\n    - text: call {{top_user}}\n";

fn validate(dir: &Path) -> Run {
    dbrunbook_within(&["runbooks", "validate", dir.to_str().unwrap()], GUARD)
}

/// A pool check against the shared server with these runbooks: UNKNOWN, problems on stderr.
fn pool_with(dir: &Path) -> Run {
    let run = dbrunbook_within(
        &[
            "pool",
            "--url",
            &shared_pg_url(),
            "--runbooks",
            dir.to_str().unwrap(),
            "--format",
            "nagios",
            "--timeout",
            "10s",
        ],
        GUARD,
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.contains("runbooks validate"), "{}", run.stdout);
    run
}

#[test]
fn inverted_thresholds_in_a_runbook_are_refused_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pool.yaml"),
        GOOD.replace(
            "remediation:",
            "thresholds: {warning: 90%, critical: 80%}\nremediation:",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("idle.yaml"),
        "id: idle\ntitle: T\ncheck: queries\nengines: [postgres]\nthresholds:\n  idle_warning: 10m\n  idle_critical: 1m\n\
         remediation:\n  immediate:\n    - text: look\n",
    )
    .unwrap();
    let d = dir.path().display();
    let run = validate(dir.path());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "{d}/pool.yaml:5:23: the connection usage warning threshold (90%) is above the critical one (80%)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{d}/idle.yaml:6:17: the idle-in-transaction warning threshold (10m) is above the critical one (1m)"
        )),
        "{}",
        run.stderr
    );
    let run = pool_with(dir.path());
    assert!(
        run.stderr.contains("pool.yaml:5:23: the connection usage"),
        "{}",
        run.stderr
    );
}
