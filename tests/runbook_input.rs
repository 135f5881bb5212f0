//! Runbook files as an attacker or a careless colleague might leave them: inverted thresholds,
//! files too big, too deep or full of aliases, FIFOs and other non-files, names that look like
//! runbooks but are not loaded. Each is reported as a problem with file:line:column, fast, by
//! `runbooks validate` and by a check run with `--runbooks`.

use std::path::Path;
use std::time::Duration;

use crate::support::*;

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

#[test]
fn nested_brackets_are_reported_too_deep_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.yaml"), "[".repeat(200_000)).unwrap();
    let run = validate(dir.path());
    assert_eq!(run.code, 1, "{}", run.all());
    let expect = format!(
        "{}/deep.yaml:1:33: nested more than 32 levels deep",
        dir.path().display()
    );
    assert!(run.stderr.contains(&expect), "{}", run.stderr);
    let run = pool_with(dir.path());
    assert!(run.stderr.contains(&expect), "{}", run.stderr);
}

#[test]
fn aliases_are_refused_before_they_expand() {
    // One 200 KB anchor repeated 65,000 times: 13 GB once expanded, 650 KB on disk.
    let dir = tempfile::tempdir().unwrap();
    let big = "A".repeat(200_000);
    let text = format!(
        "id: laughs\ntitle: T\ncheck: pool\nengines: [postgres]\nsymptoms: [&a \"{big}\"{}]\n\
         remediation:\n  immediate:\n    - text: hi\n",
        ", *a".repeat(65_000)
    );
    std::fs::write(dir.path().join("laughs.yaml"), text).unwrap();
    let run = validate(dir.path());
    assert_eq!(run.code, 1, "{}", run.all());
    let expect = format!(
        "{}/laughs.yaml:5:12: YAML anchors and aliases (&name, *name) are not allowed in runbooks",
        dir.path().display()
    );
    assert!(run.stderr.contains(&expect), "{}", run.stderr);
    let run = pool_with(dir.path());
    assert!(run.stderr.contains(&expect), "{}", run.stderr);
}

#[test]
fn a_file_over_one_mib_is_refused_unread_and_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("id: big\ntitle: \"{}\"\ncheck: nope\n", "A".repeat(50_000_000));
    std::fs::write(dir.path().join("big.yaml"), &text).unwrap();
    let run = validate(dir.path());
    assert_eq!(run.code, 1, "{}", run.all());
    let expect = format!(
        "{}/big.yaml:1:1: file is {} bytes; runbooks are at most 1 MiB",
        dir.path().display(),
        text.len()
    );
    assert!(run.stderr.contains(&expect), "{:.2000}", run.stderr);
    assert!(run.stderr.len() < 1000, "{:.2000}", run.stderr);
}

#[test]
fn a_long_value_is_cut_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let long = "B".repeat(900_000);
    std::fs::write(
        dir.path().join("long.yaml"),
        GOOD.replace("call {{top_user}}", &format!("x\n      each: \"{long}\"")),
    )
    .unwrap();
    let run = validate(dir.path());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("\"{}…\"", "B".repeat(80))),
        "{:.2000}",
        run.stderr
    );
    assert!(run.stderr.len() < 1000, "{:.2000}", run.stderr);
}

#[test]
fn special_files_and_misnamed_runbooks_are_reported_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.yaml"), GOOD).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(d.join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(d.join("socket.yaml")).unwrap();
    std::fs::create_dir(d.join("folder.yaml")).unwrap();
    std::os::unix::fs::symlink(d.join("gone.yaml.orig"), d.join("dangling.yaml")).unwrap();
    std::fs::write(d.join("shout.YAML"), GOOD.replace("id: mine", "id: shout")).unwrap();
    let run = validate(d);
    assert_eq!(run.code, 1, "{}", run.all());
    let shown = d.display();
    for expect in [
        format!("{shown}/fifo.yaml:1:1: not a regular file but a FIFO (named pipe)"),
        format!("{shown}/socket.yaml:1:1: not a regular file but a socket"),
        format!("{shown}/folder.yaml:1:1: not a regular file but a directory"),
        format!("{shown}/dangling.yaml:1:1: broken symbolic link: {shown}/gone.yaml.orig does not exist"),
        format!(
            "{shown}/shout.YAML:1:1: not loaded: runbook files end in lowercase .yaml or .yml; rename it to shout.yaml"
        ),
    ] {
        assert!(run.stderr.contains(&expect), "{expect}\n{}", run.stderr);
    }
    assert!(run.stderr.contains("5 problem(s) found"), "{}", run.stderr);
    assert!(!run.stderr.contains("good.yaml"), "{}", run.stderr);

    // Named on the command line, the FIFO is refused as well, not opened.
    let fifo = d.join("fifo.yaml");
    let run = dbrunbook_within(&["runbooks", "validate", fifo.to_str().unwrap()], GUARD);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("not a regular file but a FIFO"), "{}", run.stderr);

    let run = pool_with(d);
    assert!(
        run.stderr.contains("fifo.yaml:1:1: not a regular file"),
        "{}",
        run.stderr
    );
}
