//! docs/reliability.md, generated: every bad input below is run through the binary and its exact
//! first line of output and exit code go in the table, with whether the password showed. The
//! test fails when the file and the program disagree; `DBRUNBOOK_BLESS=1` rewrites the file.
//! Targets are 127.0.0.1 port 1 (refused at once), or the shared PostgreSQL for two threshold
//! conflicts, and no path is a temporary one, so the table is the same on every machine.

use crate::support::*;

/// The password in every URL and key=value string below.
const SENTINEL: &str = "S3ntinel-pw";

/// The machine's PostgreSQL (trust auth: the password is sent and ignored), for the cases that
/// need a connection; fixed rather than DBRUNBOOK_TEST_PG_URL so the table is the same.
const SHARED_PG: &str = "postgres://postgres:S3ntinel-pw@127.0.0.1:5432/postgres";

/// (what is wrong, arguments): one line per case, as in the table.
#[rustfmt::skip]
const CASES: &[(&str, &[&str])] = &[
    // URLs
    ("URL: port is not a number", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:notaport/db"]),
    ("URL: port out of range", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:99999/db"]),
    ("URL: password holds '/'", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw/x@127.0.0.1:1/db"]),
    ("URL: password holds '?'", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw?x@127.0.0.1:1/db"]),
    ("URL: password holds '@' and ':'", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@:x@127.0.0.1:1/db"]),
    ("URL: password with a bad %-escape", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw%zz@127.0.0.1:1/db"]),
    ("URL: password in the query, holding '&'", &["pool", "--format", "nagios", "--url", "postgres://app@127.0.0.1:1/db?password=S3ntinel-pw&x"]),
    ("URL: unsupported scheme", &["pool", "--format", "nagios", "--url", "redis://app:S3ntinel-pw@127.0.0.1:1/0"]),
    ("URL: unknown query parameter", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db?frobnicate=1"]),
    ("URL: bad sslmode", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db?sslmode=bogus"]),
    ("URL: query parameter without a value", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db?sslmode"]),
    ("URL: unclosed IPv6 bracket", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@[::1/db"]),
    ("URL: MySQL with two hosts", &["pool", "--format", "nagios", "--url", "mysql://root:S3ntinel-pw@127.0.0.1:1,127.0.0.2:1/test"]),
    ("URL: connection refused (PostgreSQL)", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL: connection refused (MySQL)", &["pool", "--format", "nagios", "--url", "mysql://root:S3ntinel-pw@127.0.0.1:1/test"]),
    ("URL: connection refused, every check", &["check", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL: empty", &["pool", "--format", "nagios", "--url", ""]),
    ("URL: neither URL nor key=value", &["pool", "--format", "nagios", "--url", "just words"]),
    ("URL: one slash after the scheme", &["pool", "--format", "nagios", "--url", "postgres:/app:S3ntinel-pw@127.0.0.1:1/db?sslmode=require"]),
    ("URL: no slash after the scheme", &["pool", "--format", "nagios", "--url", "postgres:app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL: a password after the URL", &["pool", "--format", "nagios", "--url", "postgres://app@127.0.0.1:1/db?sslmode=require password=S3ntinel-pw"]),
    // key=value strings
    ("key=value: unquoted space in the password", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 port=1 password=S3ntinel-pw x dbname=db"]),
    ("key=value: text glued to a quoted password", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 port=1 password='S3ntinel-pw'x"]),
    ("key=value: unterminated quote", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 port=1 password='S3ntinel-pw"]),
    ("key=value: password holds '://'", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 port=1 password=S3ntinel-pw://x"]),
    ("key=value: empty host= before password=", &["pool", "--format", "nagios", "--url", "host= password=S3ntinel-pw port=1"]),
    ("key=value: keyword without '='", &["pool", "--format", "nagios", "--url", "password=S3ntinel-pw host"]),
    ("key=value: unknown keyword", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 frobnicate=1 password=S3ntinel-pw"]),
    ("key=value: more ports than hosts", &["pool", "--format", "nagios", "--url", "host=127.0.0.1,127.0.0.2 port=1,2,3 password=S3ntinel-pw"]),
    ("key=value: quoted password, connection refused", &["pool", "--format", "nagios", "--url", "host=127.0.0.1 port=1 user=app password='S3ntinel-pw x'"]),
    // durations
    ("duration: unknown unit", &["pool", "--timeout", "5x"]),
    ("duration: zero", &["pool", "--connect-timeout", "0s"]),
    ("duration: negative", &["pool", "--timeout=-1s"]),
    ("duration: empty", &["pool", "--timeout", ""]),
    ("duration: threshold not a duration", &["queries", "--warning", "soon"]),
    ("duration: PgBouncer wait threshold, no unit", &["pool", "--wait-warning", "10q"]),
    // percentages
    ("percentage: above 100%", &["pool", "--warning", "120%"]),
    ("percentage: not a number", &["pool", "--critical", "lots"]),
    ("percentage: negative", &["pool", "--warning=-5%"]),
    // thresholds
    // A conflict between thresholds is found before connecting but reported with the check's
    // result, so against an unreachable server the connection failure is what shows.
    ("thresholds: warning above critical, server refused", &["pool", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db", "--warning", "90%", "--critical", "80%"]),
    ("thresholds: warning above critical, server up", &["pool", "--format", "nagios", "--url", SHARED_PG, "--warning", "90%", "--critical", "80%"]),
    ("thresholds: duration warning above critical, server up", &["queries", "--format", "nagios", "--url", SHARED_PG, "--warning", "5m", "--critical", "1m"]),
    ("thresholds: count not a number", &["locks", "--blocked-critical", "many"]),
    // --interval (slow): refused before connecting, so the refused port never shows
    ("--interval: longer than --timeout", &["slow", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db", "--interval", "1m", "--timeout", "10s"]),
    ("--interval: not a duration", &["slow", "--format", "nagios", "--url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db", "--interval", "soon"]),
    // --limit
    ("--limit: negative", &["pool", "--limit=-1"]),
    ("--limit: not a number", &["check", "--limit", "all"]),
    ("--limit: too large", &["pool", "--limit", "99999999999999999999999"]),
    // URLs where they do not belong
    ("positional URL after a check", &["pool", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("positional key=value after a check", &["pool", "host=127.0.0.1 password=S3ntinel-pw"]),
    ("URL as the subcommand", &["postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as another flag's value", &["pool", "--limit", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as --flag=value", &["pool", "--timeout=postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as a runbook id", &["runbooks", "show", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as a runbook file", &["runbooks", "validate", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as a shell", &["completions", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    ("URL as --runbooks", &["pool", "--format", "nagios", "--runbooks", "postgres://app:S3ntinel-pw@127.0.0.1:1/db", "--url", "postgres://app@127.0.0.1:1/db"]),
    ("URL as restore-check's BACKUP", &["restore-check", "--format", "nagios", "postgres://app:S3ntinel-pw@127.0.0.1:1/db", "--scratch-url", "postgres://app@127.0.0.1:1/db"]),
    ("a device as restore-check's BACKUP", &["restore-check", "--format", "nagios", "/dev/null", "--scratch-url", "postgres://app:S3ntinel-pw@127.0.0.1:1/db"]),
    // other arguments
    ("unknown format", &["pool", "--format", "yaml"]),
    ("unknown flag", &["pool", "--frobnicate"]),
    ("no subcommand", &[]),
    ("no such runbook", &["runbooks", "show", "no-such-runbook"]),
    ("runbook directory missing", &["pool", "--format", "nagios", "--runbooks", "/nonexistent/runbooks", "--url", "postgres://app@127.0.0.1:1/db"]),
];

const HEADER: &str = "# Bad input: what the tool says

Generated by `tests/reliability.rs` from the binary's own output; do not edit by hand. After a
change to a message, run `DBRUNBOOK_BLESS=1 cargo test --test tests reliability::` and review the diff.

Every case runs with a clean environment. Connection targets are 127.0.0.1 port 1, which refuses
at once, except two threshold cases that need the test PostgreSQL on 127.0.0.1:5432. The message is the first line the tool prints (stdout, else stderr); checks run with
`--format nagios` so that line is the whole verdict. Usage errors exit 3 (UNKNOWN), not clap's 2.
Every URL and key=value string holds the password `S3ntinel-pw`; the last column says whether
any byte of it appeared in stdout or stderr (the test fails if it does).

| Input | Command | Exit | Message (first line) | Password shown |
| --- | --- | --- | --- | --- |
";

/// The command as one would type it in a POSIX shell.
fn command(args: &[&str]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            let plain = !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%=,+".contains(c));
            if plain {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect();
    std::iter::once("dbrunbook".to_string())
        .chain(quoted)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A table cell holding `text` as code: '|' escaped for the table, a longer fence for backticks.
fn code_cell(text: &str) -> String {
    let text = text.replace('|', r"\|");
    if text.is_empty() {
        "(nothing)".into()
    } else if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The message with its measured times (`after 0.2 ms`, `in 12 ms`, perfdata `connect_tcp_time=0.001s`)
/// as `N ms` and `=Ns`, so the page changes when the words do, not when the machine is busier.
fn without_timings(message: &str) -> String {
    without_perfdata_times(&without_ms(message))
}

/// Perfdata times (`name_time=0.001s`) as `name_time=Ns`.
fn without_perfdata_times(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("_time=") {
        let (head, tail) = rest.split_at(at + "_time=".len());
        out.push_str(head);
        let digits = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        if digits > 0 && tail[digits..].starts_with('s') {
            out.push('N');
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn without_ms(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(" ms") {
        let (before, after) = rest.split_at(at);
        let number_start = before
            .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map_or(0, |i| i + 1);
        if number_start < before.len() {
            out.push_str(&before[..number_start]);
            out.push('N');
        } else {
            out.push_str(before);
        }
        out.push_str(" ms");
        rest = &after[3..];
    }
    out.push_str(rest);
    out
}

fn table() -> (String, Vec<String>) {
    let mut doc = HEADER.to_string();
    let mut leaks = Vec::new();
    for (what, args) in CASES {
        let run = dbrunbook(args);
        let shown = run.all().contains(SENTINEL);
        if shown {
            leaks.push(format!("{what}: {}", run.all()));
        }
        let message = run
            .stdout
            .lines()
            .chain(run.stderr.lines())
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        doc.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            what.replace('|', r"\|"),
            code_cell(&command(args)),
            run.code,
            code_cell(&without_timings(message.trim_end())),
            if shown { "**YES**" } else { "no" }
        ));
    }
    (doc, leaks)
}

#[test]
fn docs_reliability_matches_the_binary() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reliability.md");
    let (mut doc, mut leaks) = table();
    let (dumps, changed) = crate::reliability_dumps::section(code_cell);
    doc.push_str(&dumps);
    leaks.extend(changed);
    if std::env::var("DBRUNBOOK_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &doc).unwrap();
    } else {
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != doc {
            let first = on_disk
                .lines()
                .zip(doc.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("\n  file:   {a}\n  binary: {b}"))
                .unwrap_or_default();
            panic!("docs/reliability.md is stale{first}\nrun DBRUNBOOK_BLESS=1 cargo test --test tests reliability::");
        }
    }
    assert!(
        leaks.is_empty(),
        "the password was printed, or a hostile dump changed something outside its scratch database:\n{}",
        leaks.join("\n")
    );
}
