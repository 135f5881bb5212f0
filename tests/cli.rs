//! The command line without a database, or with bad input: usage errors exit 3 (UNKNOWN),
//! bad durations and percentages are explained, runbooks are listed, shown, validated and
//! overridden, completions and man pages are fresh, colour follows the terminal and NO_COLOR.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn bad_duration_and_percentage_are_unknown_with_a_hint() {
    for (args, expect) in [
        (vec!["pool", "--timeout", "5x"], "invalid duration '5x'"),
        (vec!["pool", "--connect-timeout", "0s"], "must be greater than zero"),
        (vec!["pool", "--warning", "120%"], "between 0% and 100%"),
        (vec!["pool", "--critical", "lots"], "invalid percentage"),
        (vec!["pool", "--frobnicate"], "unexpected argument"),
        (vec!["pool", "--limit", "9223372036854775808"], "is not in 0..=100000"),
        (vec!["check", "--limit", "-1"], "unexpected argument '-1'"),
    ] {
        let run = dbrunbook(&args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(expect), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn warning_above_critical_is_refused() {
    let run = dbrunbook(&[
        "pool",
        "--url",
        &shared_pg_url(),
        "--warning",
        "90%",
        "--critical",
        "80%",
        "--format",
        "nagios",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.starts_with("DBRUNBOOK POOL UNKNOWN - "), "{}", run.stdout);
    assert!(run.stdout.contains("above the critical one"), "{}", run.stdout);
}

#[test]
fn bad_url_is_explained_without_the_password() {
    let run = dbrunbook(&["pool", "--url", "postgres://app:sekrit-pw@db:notaport/x"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.contains("invalid port 'notaport'"), "{}", run.stdout);
    assert!(!run.all().contains("sekrit-pw"));
    let run = dbrunbook(&["pool", "--url", "redis://localhost"]);
    assert_eq!(run.code, 3);
    assert!(run.stdout.contains("unsupported scheme"), "{}", run.stdout);
}

#[test]
fn closed_port_is_unknown_at_once() {
    let port = free_port();
    let run = dbrunbook(&[
        "pool",
        "--url",
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert_eq!(check["status"], "unknown");
    assert!(
        check["summary"].as_str().unwrap().contains("Connection refused"),
        "{check:#}"
    );
}

#[test]
fn silent_server_is_unknown_within_the_connect_timeout() {
    // Accepts TCP connections and never says a word, like a hung server or a black-holed proxy.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        format!("mysql://root@127.0.0.1:{port}/test"),
    ] {
        let started = Instant::now();
        let run = dbrunbook(&["pool", "--url", &url, "--connect-timeout", "1s", "--format", "nagios"]);
        let took = started.elapsed();
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(run.stdout.contains("connect timeout of 1s"), "{}", run.stdout);
        // Generous bound, under the 30s deadline: the point is that it returns, not how fast.
        assert!(took < Duration::from_secs(28), "took {took:?}");
    }
    drop(listener);
}

/// libpq's `connect_timeout` in the URL is this target's connect timeout, as psql would use it.
#[test]
fn connect_timeout_in_the_url_is_honoured_as_libpq_does() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=2"),
        format!("host=127.0.0.1 port={port} user=postgres connect_timeout=2"),
        format!("mysql://root@127.0.0.1:{port}/test?connect_timeout=2"),
    ] {
        let run = dbrunbook(&["pool", "--url", &url, "--timeout", "1m", "--format", "nagios"]);
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(run.stdout.contains("connect timeout of 2s"), "{url}: {}", run.stdout);
    }
    // The flag, typed by the person running the tool, wins over an application's URL.
    let run = dbrunbook(&[
        "pool",
        "--url",
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=4"),
        "--connect-timeout",
        "1s",
        "--format",
        "nagios",
    ]);
    assert!(run.stdout.contains("connect timeout of 1s"), "{}", run.stdout);
    let run = dbrunbook(&[
        "pool",
        "--url",
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=soon"),
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.all().contains("invalid connect_timeout 'soon'"), "{}", run.all());
    drop(listener);
}

#[test]
fn overall_timeout_bounds_the_run() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The guard is the point: well under the minute --connect-timeout asks for, a minute's
    // headroom over the 1s deadline for a loaded machine.
    let run = dbrunbook_within(
        &[
            "pool",
            "--url",
            &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            "--connect-timeout",
            "1m",
            "--timeout",
            "1s",
        ],
        Duration::from_secs(50),
    );
    assert_eq!(run.code, 3, "{}", run.all());
    // The connect timeout is held under the deadline (90% of it), so the phase that hung is
    // named. Which of the two fires first is up to the scheduler (the deadline counts from the
    // start, the connect timeout from the connection's): either names the connecting phase.
    assert!(
        run.stdout.contains("connect timeout of 900ms")
            || run.stdout.contains("the --timeout of 1s ran out while connecting"),
        "{}",
        run.stdout
    );
}

#[test]
fn runbooks_list_and_show() {
    let run = dbrunbook(&["runbooks", "list"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("pool-exhaustion") && run.stdout.contains("pgbouncer-saturation"));
    let run = dbrunbook(&["runbooks", "show", "pool-exhaustion"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("pg_terminate_backend"), "{}", run.stdout);
    assert!(run.stdout.contains("Do not raise max_connections"), "{}", run.stdout);
    let run = dbrunbook(&["runbooks", "show", "nope"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("known runbooks: "), "{}", run.stderr);
    let run = dbrunbook(&["runbooks", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "pool-exhaustion" && r["source"] == "embedded")
    );
}

#[test]
fn malformed_runbook_yaml_is_reported_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yaml"), "id: mine\ntitle: T\ncheck: pool\nengines: [postgres]\nremediation:\n  immediate:\n    - text: call {{top_user}}\n").unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "id: broken\ntitle: [oops\ncheck: pool\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typo.yaml"),
        "id: typo\ntitle: T\ncheck: pool\nengines: [postgres]\nremediation:\n  immediate:\n    - text: kill {{top_pdi}}\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let run = dbrunbook(&["runbooks", "validate", d]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{d}/broken.yaml:2:8: title: invalid type")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{d}/typo.yaml:7:18: unknown placeholder '{{{{top_pdi}}}}'")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("good.yaml"), "{}", run.stderr);

    // A check run with broken runbooks is UNKNOWN and says where to look.
    let run = dbrunbook(&["pool", "--url", &shared_pg_url(), "--runbooks", d, "--format", "nagios"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.contains("runbooks validate"), "{}", run.stdout);
    assert!(run.stderr.contains("broken.yaml:2:8:"), "{}", run.stderr);

    let run = dbrunbook(&["runbooks", "validate", &format!("{d}/good.yaml")]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn user_runbook_overrides_the_embedded_one_by_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ours.yaml"),
        "id: pool-exhaustion\ntitle: Our own pool runbook\ncheck: pool\nengines: [postgres, mysql]\n\
         thresholds:\n  warning: 0%\n  critical: 100%\nremediation:\n  immediate:\n    - text: Page team-db about {{used}} connections.\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let run = dbrunbook_env(
        &["pool", "--url", &shared_pg_url(), "--format", "json"],
        &[("DBRUNBOOK_RUNBOOKS", d)],
    );
    assert_eq!(run.code, 1, "the runbook's 0% warning threshold applies: {}", run.all());
    let rb = &run.json()["checks"][0]["runbook"];
    assert_eq!(rb["title"], "Our own pool runbook");
    assert!(rb["source"].as_str().unwrap().ends_with("ours.yaml"));
    assert!(
        rb["steps"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Page team-db about ")
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let url = shared_pg_url();
    let piped = dbrunbook(&["pool", "--url", &url]);
    assert!(!piped.stdout.contains('\x1b'), "piped output is plain");
    let forced = dbrunbook(&["pool", "--url", &url, "--color", "always"]);
    assert!(forced.stdout.contains("\x1b[32mOK\x1b[0m"), "{}", forced.stdout);
    let no_color = dbrunbook_env(&["pool", "--url", &url, "--color", "auto"], &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\x1b'));
    assert!(
        piped.stderr.is_empty(),
        "no progress output when stderr is not a terminal: {}",
        piped.stderr
    );
}

#[test]
fn completions_in_the_repo_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "dbrunbook.bash"),
        ("zsh", "_dbrunbook"),
        ("fish", "dbrunbook.fish"),
        ("elvish", "dbrunbook.elv"),
        ("powershell", "_dbrunbook.ps1"),
    ] {
        let run = dbrunbook(&["completions", shell]);
        assert_eq!(run.code, 0);
        let checked_in = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            run.stdout == checked_in,
            "completions/{file} is stale: run `cargo run -- completions {shell} > completions/{file}`"
        );
    }
}

/// The checked-in scripts complete runbook ids and check names in the shells themselves: fish's
/// `complete -C` and bash's completion function asked as a user's TAB would ask them.
#[test]
fn the_shells_complete_runbook_ids_and_check_names() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let fish = std::process::Command::new("fish")
        .arg("-c")
        .arg(format!(
            "source {}; complete -C 'dbrunbook runbooks show dead'; complete -C 'dbrunbook diagnose --only lo'",
            dir.join("dbrunbook.fish").display()
        ))
        .output()
        .expect("fish runs (.ci/run installs it)");
    let offered = String::from_utf8_lossy(&fish.stdout);
    assert!(
        offered.lines().any(|l| l.starts_with("deadlock-storm")),
        "fish offered:\n{offered}"
    );
    assert!(
        offered.lines().any(|l| l.starts_with("locks")),
        "fish offered:\n{offered}"
    );
    assert!(!offered.contains("Cargo.toml"), "not file names:\n{offered}");

    let bash = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(dbrunbook runbooks show dead); COMP_CWORD=3; \
             COMP_LINE='dbrunbook runbooks show dead'; COMP_POINT=${{#COMP_LINE}}; \
             _dbrunbook dbrunbook dead show; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            dir.join("dbrunbook.bash").display()
        ))
        .output()
        .expect("bash runs");
    let offered = String::from_utf8_lossy(&bash.stdout);
    assert!(
        offered.lines().any(|l| l == "deadlock-storm"),
        "bash offered:\n{offered}\n{}",
        String::from_utf8_lossy(&bash.stderr)
    );
}

/// Every man page made from the clap definition, as file name → roff: dbrunbook.1 and one per
/// subcommand (dbrunbook-diagnose.1, dbrunbook-runbooks-export.1...). clap_mangen renders the
/// name, description, options and subcommands; the synopsis is ours (clap_mangen's shows
/// `[--url]` without its value), and so are EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES and SEE
/// ALSO, cut from `cli::MANUAL`, the end of `dbrunbook --help`.
fn generated_man_pages() -> std::collections::BTreeMap<String, String> {
    use clap::CommandFactory;
    let mut root = dbrunbook::cli::Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = std::collections::BTreeMap::new();
    man_pages_of(&root, &mut pages);
    pages
}

fn man_pages_of(cmd: &clap::Command, pages: &mut std::collections::BTreeMap<String, String>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages_of(sub, pages);
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    man.render_title(&mut roff).unwrap();
    man.render_name_section(&mut roff).unwrap();
    roff.extend(man_synopsis(cmd).into_bytes());
    man.render_description_section(&mut roff).unwrap();
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut roff).unwrap();
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut roff).unwrap();
    }
    roff.extend(man_manual_sections(cmd).into_bytes());
    man.render_version_section(&mut roff).unwrap();
    pages.insert(man.get_filename(), String::from_utf8(roff).unwrap());
}

/// roff text: backslashes and leading dots and quotes made literal, dashes kept as typed.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// `dbrunbook diagnose [--url URL] [--format FORMAT] ... [URL]`: every option with its value.
fn man_synopsis(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name()).to_string();
    let mut line = format!("\\fB{}\\fR", roff_text(&name));
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set() && !a.is_positional()) {
        let flag = match (arg.get_long(), arg.get_short()) {
            (Some(long), _) => format!("\\-\\-{}", roff_text(long)),
            (None, Some(short)) => format!("\\-{short}"),
            (None, None) => continue,
        };
        let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
        let value = match arg.get_value_names() {
            Some(names) if takes_value => format!(" \\fI{}\\fR", roff_text(&names.join(" "))),
            _ => String::new(),
        };
        let (open, close) = if arg.is_required_set() { ("", "") } else { ("[", "]") };
        line.push_str(&format!(" {open}\\fB{flag}\\fR{value}{close}"));
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let name = arg
            .get_value_names()
            .map(|n| n.join(" "))
            .unwrap_or_else(|| arg.get_id().to_string());
        let (open, close) = if arg.is_required_set() { ("<", ">") } else { ("[", "]") };
        line.push_str(&format!(" {open}\\fI{}\\fR{close}", roff_text(&name)));
    }
    if cmd.has_subcommands() {
        line.push_str(" <\\fISUBCOMMAND\\fR>");
    }
    format!(".SH SYNOPSIS\n{line}\n")
}

/// The sections of `cli::MANUAL` as roff: EXAMPLES (on a subcommand's page, the examples running
/// it, when there are any), EXIT STATUS, ENVIRONMENT, FILES, SEE ALSO (and the root page).
fn man_manual_sections(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name()).to_string();
    let mut out = String::new();
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    for line in dbrunbook::cli::MANUAL.lines() {
        match line.strip_suffix(':') {
            Some(heading) if !line.starts_with(' ') => sections.push((heading.to_uppercase(), Vec::new())),
            _ => sections.last_mut().unwrap().1.push(line),
        }
    }
    for (heading, lines) in sections {
        let mut lines: Vec<&str> = lines.into_iter().filter(|l| !l.trim().is_empty()).collect();
        if heading == "EXAMPLES" && name != "dbrunbook" {
            let own = examples_of(&lines, &name);
            if own.is_empty() {
                continue;
            }
            lines = own;
        }
        if heading == "SEE ALSO" && name != "dbrunbook" {
            out.push_str(&format!(
                ".SH {heading}\n\\fBdbrunbook\\fR(1), {}\n",
                roff_text(lines.join(" ").trim())
            ));
            continue;
        }
        out.push_str(&format!(".SH {heading}\n.nf\n"));
        for line in lines {
            out.push_str(&roff_text(line));
            out.push('\n');
        }
        out.push_str(".fi\n");
    }
    out
}

/// The examples (a command line and its indented explanation) that run `page`'s command.
fn examples_of<'a>(lines: &[&'a str], page: &str) -> Vec<&'a str> {
    let command = page.replace('-', " ");
    let mut out = Vec::new();
    let mut keep = false;
    for line in lines {
        if !line.starts_with("      ") {
            keep = line.trim_start().starts_with(&format!("{command} "));
        }
        if keep {
            out.push(*line);
        }
    }
    out
}

fn read_man_pages(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".1"))
                .map(|e| {
                    let text = std::fs::read_to_string(e.path()).unwrap();
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn man_pages_in_the_repo_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let fresh = generated_man_pages();
    if std::env::var_os("DBRUNBOOK_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let checked_in = read_man_pages(&dir);
    assert!(fresh.contains_key("dbrunbook.1") && fresh.contains_key("dbrunbook-diagnose.1"));
    let diagnose = &fresh["dbrunbook-diagnose.1"];
    for section in ["EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"] {
        assert!(
            diagnose.contains(&format!(".SH {section}\n")),
            "no {section}:\n{diagnose}"
        );
    }
    assert!(diagnose.contains("[\\fB\\-\\-url\\fR \\fIURL\\fR]"), "{diagnose}");
    let names = |m: &std::collections::BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&checked_in),
        names(&fresh),
        "man/ is stale: run `DBRUNBOOK_BLESS=1 cargo test --test tests cli::man_pages`"
    );
    for (name, text) in &fresh {
        assert!(
            checked_in[name] == *text,
            "man/{name} is stale: run `DBRUNBOOK_BLESS=1 cargo test --test tests cli::man_pages`"
        );
    }
}

#[test]
fn help_and_version_exit_zero() {
    let run = dbrunbook(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("0 OK, 1") && run.stdout.contains("3 UNKNOWN"),
        "{}",
        run.stdout
    );
    assert_eq!(dbrunbook(&["--version"]).code, 0);
}

#[test]
fn tls_modes_encrypt_or_verify_as_libpq_does() {
    // Debian's cluster ships with ssl=on and a self-signed ("snakeoil") certificate.
    let ssl_on = std::process::Command::new("psql")
        .args([
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "SHOW ssl",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "on")
        .unwrap_or(false);
    let base = shared_pg_url();
    if ssl_on {
        let run = dbrunbook(&["pool", "--url", &format!("{base}?sslmode=require")]);
        assert_eq!(run.code, 0, "require encrypts without verifying: {}", run.all());
        let run = dbrunbook(&[
            "pool",
            "--url",
            &format!("{base}?sslmode=verify-full"),
            "--format",
            "nagios",
        ]);
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(
            run.stdout.contains("certificate") && run.stdout.contains("sslrootcert="),
            "{}",
            run.stdout
        );
    }
    // The shared MariaDB has no TLS: REQUIRED must fail with a TLS hint, PREFERRED falls back.
    let mysql = shared_mysql_url();
    let run = dbrunbook(&[
        "pool",
        "--url",
        &format!("{mysql}?ssl-mode=REQUIRED"),
        "--format",
        "nagios",
    ]);
    if run.code == 3 {
        assert!(run.stdout.contains("TLS failed"), "{}", run.stdout);
        let run = dbrunbook(&["pool", "--url", &format!("{mysql}?ssl-mode=PREFERRED")]);
        assert_eq!(run.code, 0, "PREFERRED falls back to plain text: {}", run.all());
    }
}

#[test]
fn several_hosts_fail_over_past_one_that_never_answers() {
    // h1 accepts TCP and says nothing; libpq gives it the connect timeout, then tries h2.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().port();
    let url = format!("postgres://postgres@127.0.0.1:{silent},127.0.0.1:5432/postgres?sslmode=disable");
    let run = dbrunbook(&["pool", "--url", &url, "--connect-timeout", "1s", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.json()["target"]["server_version"].is_string());

    // The one server is a primary: asking for a standby finds none, and says why.
    let url = format!("{}&target_session_attrs=read-only", url);
    let run = dbrunbook(&["pool", "--url", &url, "--connect-timeout", "1s", "--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let summary = run.json()["checks"][0]["summary"].as_str().unwrap().to_string();
    assert!(
        summary.contains("127.0.0.1:5432 is a primary (target_session_attrs=standby)"),
        "{summary}"
    );
    drop(listener);
}

/// Typing as people type at 3 a.m.: the URL right after the subcommand, a global flag with two
/// letters swapped, a runbook by a word of its name; and the runbook ids completed by the shell.
#[test]
fn typing_a_url_a_typo_or_a_runbook_word_gets_what_was_meant() {
    let run = dbrunbook(&["pool", &shared_pg_url(), "--format", "json"]);
    assert!(run.code < 3, "{}", run.all());
    assert!(
        run.json()["target"]["url"].as_str().unwrap().contains("127.0.0.1"),
        "{}",
        run.stdout
    );

    let run = dbrunbook(&["diagnose", "--ulr", "postgres://h/db"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("tip: a similar argument exists: '--url'"),
        "{}",
        run.stderr
    );

    let run = dbrunbook(&["runbooks", "show", "deadlock"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("did you mean lock-contention"), "{}", run.stderr);

    let run = dbrunbook(&["completions", "bash"]);
    assert!(run.stdout.contains("migration-lock-queue"), "runbook ids are completed");
}
