//! Passwords in malformed input: a URL or key=value string the tool cannot parse, or one given
//! where it does not belong (a positional argument, another flag's value), is explained without
//! printing any part of its password, in every format and in the `-v` log. A one-letter password
//! is hidden by the structure of the string, so it cannot turn the letters of a message into
//! `<redacted>`. Every target here is 127.0.0.1 port 1, refused at once.

use crate::support::*;

/// Every piece of every password below contains it, so a partial leak is caught too.
const SENTINEL: &str = "S3ntinel";

const FORMATS: [&str; 3] = ["table", "json", "nagios"];

/// Runs `args` in every format, with and without `-v`, and checks that no byte of the sentinel
/// reaches stdout or stderr, that the run is UNKNOWN (or 1 for `runbooks`), and that it says
/// something: one of `words` is in the output.
fn never_printed(args: &[&str], env: &[(&str, &str)], words: &[&str]) {
    for format in FORMATS {
        for verbose in [false, true] {
            let mut argv: Vec<&str> = args.to_vec();
            argv.extend(["--format", format]);
            if verbose {
                argv.push("-v");
            }
            let run = dbrunbook_env(&argv, env);
            let all = run.all();
            assert!(!all.contains(SENTINEL), "{argv:?} printed the password:\n{all}");
            assert!(
                run.code == 3 || (run.code == 1 && args[0] == "runbooks"),
                "{argv:?} exited {}:\n{all}",
                run.code
            );
            assert!(
                words.iter().any(|w| all.contains(w)),
                "{argv:?} does not say {words:?}:\n{all}"
            );
            assert!(!all.contains("panicked"), "{all}");
            if format == "json" && !run.stdout.is_empty() {
                run.json();
            }
        }
    }
}

fn url_never_printed(url: &str, words: &[&str]) {
    never_printed(&["pool", "--url", url], &[], words);
}

#[test]
fn password_with_a_slash_is_not_read_as_a_port() {
    url_never_printed(
        "postgres://u:S3ntinel-pw/S3ntinel-pw@127.0.0.1:1/db",
        &["cannot connect to 127.0.0.1:1"],
    );
    url_never_printed(
        "mysql://u:S3ntinel-pw/S3ntinel-pw@127.0.0.1:1/db",
        &["cannot connect to 127.0.0.1:1"],
    );
}

#[test]
fn password_with_a_question_mark_is_not_read_as_a_query() {
    url_never_printed(
        "postgres://u:S3ntinel-pw?S3ntinel-pw@127.0.0.1:1/db",
        &["cannot connect to 127.0.0.1:1"],
    );
}

#[test]
fn password_with_at_colon_and_hash_is_kept_whole() {
    url_never_printed(
        "postgres://u:S3ntinel-pw#:@S3ntinel-pw@127.0.0.1:1/db",
        &["cannot connect to 127.0.0.1:1"],
    );
}

#[test]
fn password_beside_a_bad_port_or_bad_percent_encoding() {
    url_never_printed(
        "postgres://u:S3ntinel-pw@127.0.0.1:notaport/db",
        &["invalid port 'notaport'"],
    );
    url_never_printed(
        "postgres://u:S3ntinel-pw%zz@127.0.0.1:1/db",
        &["not valid percent-encoding"],
    );
}

#[test]
fn password_in_the_query_with_an_ampersand() {
    url_never_printed(
        "postgres://u@127.0.0.1:1/db?password=S3ntinel-pw&S3ntinel-pw",
        &["invalid connection string"],
    );
}

#[test]
fn keyword_password_with_an_unquoted_space() {
    url_never_printed(
        "host=127.0.0.1 port=1 user=u password=S3ntinel-pw S3ntinel-pw dbname=db",
        &["invalid connection string"],
    );
    url_never_printed(
        "host=127.0.0.1 port=1 user=u password=S3ntinel-pw S3ntinel=pw",
        &["invalid connection string"],
    );
    url_never_printed("password=S3ntinel-pw S3ntinel-pw", &["invalid connection string"]);
}

#[test]
fn keyword_password_with_a_stray_quote() {
    url_never_printed(
        "host=127.0.0.1 port=1 password='S3ntinel-pw'S3ntinel-pw dbname=db",
        &["invalid connection string"],
    );
    url_never_printed(
        "host=127.0.0.1 port=1 password='S3ntinel-pw S3ntinel-pw",
        &["invalid connection string"],
    );
}

#[test]
fn keyword_password_holding_a_scheme_is_not_quoted_as_one() {
    url_never_printed(
        "host=127.0.0.1 port=1 user=u password=S3ntinel://S3ntinel-pw",
        &["cannot connect to 127.0.0.1:1"],
    );
    url_never_printed(
        "host=127.0.0.1 port=1 password=S3ntinel-pw://S3ntinel-pw S3ntinel-pw",
        &["invalid connection string"],
    );
}

#[test]
fn quoted_keyword_password_with_a_space_connects() {
    url_never_printed(
        "host=127.0.0.1 port=1 user=u password='S3ntinel-pw S3ntinel-pw' dbname=db",
        &["cannot connect to 127.0.0.1:1"],
    );
}

#[test]
fn malformed_database_url_from_the_environment() {
    never_printed(
        &["pool"],
        &[(
            "DATABASE_URL",
            "postgres://u:S3ntinel-pw/S3ntinel-pw@127.0.0.1:notaport/db",
        )],
        &["invalid port 'notaport'"],
    );
}

const URL: &str = "postgres://u:S3ntinel-pw/S3ntinel-pw@127.0.0.1:1/db";
const KEYWORDS: &str = "host=127.0.0.1 port=1 password=S3ntinel-pw S3ntinel-pw";

#[test]
fn url_as_a_positional_argument_is_not_echoed_by_the_parser() {
    for value in [URL, KEYWORDS] {
        // A URL after the subcommand is the --url it means (#25); beside --url it is refused.
        never_printed(
            &["pool", value],
            &[],
            &["cannot connect", "invalid connection string", "unexpected argument"],
        );
        never_printed(
            &["pool", "--url", "postgres://u@127.0.0.1:1/db", value],
            &[],
            &["cannot be used with", "unexpected argument"],
        );
        never_printed(&[value], &[], &["unrecognized subcommand"]);
    }
}

#[test]
fn url_given_to_another_flag_is_not_echoed_by_the_parser() {
    for value in [URL, KEYWORDS] {
        for flag in ["--connect-timeout", "--timeout", "--limit", "--warning", "--color"] {
            never_printed(&["pool", flag, value], &[], &["invalid value"]);
            never_printed(&["pool", &format!("{flag}={value}")], &[], &["invalid value"]);
        }
    }
}

#[test]
fn url_given_to_runbooks_and_completions_is_not_echoed() {
    for value in [URL, KEYWORDS] {
        never_printed(&["runbooks", "show", value], &[], &["no runbook"]);
        never_printed(&["runbooks", "validate", value], &[], &["cannot read"]);
        never_printed(&["completions", value], &[], &["invalid value"]);
        never_printed(
            &["pool", "--url", "postgres://u@127.0.0.1:1/db", "--runbooks", value],
            &[],
            &["cannot read runbook directory"],
        );
    }
}

/// A one-letter password may only be hidden where the URL or key=value string holds it: every
/// `<redacted>` in the output must sit in a `:<redacted>@` or `password=<redacted>`.
fn one_letter_password_leaves_the_message_alone(password: &str) {
    for (args, words) in [
        (
            vec![
                "pool",
                "--url",
                &format!("postgres://u:{password}@127.0.0.1:1/db") as &str,
            ],
            vec!["cannot connect", "Connection refused", "check the host and port"],
        ),
        (
            vec!["pool", "--url", &format!("mysql://u:{password}@127.0.0.1:1/db")],
            vec!["cannot connect", "Connection refused", "check the host and port"],
        ),
        (
            vec![
                "pool",
                "--url",
                &format!("host=127.0.0.1 port=1 user=u password={password}"),
            ],
            vec!["cannot connect", "Connection refused", "check the host and port"],
        ),
        (
            vec![
                "pool",
                "--url",
                &format!("postgres://u:{password}@127.0.0.1:notaport/db"),
            ],
            vec!["invalid port 'notaport'", "use a number from 1 to 65535"],
        ),
        (
            // Typed after the subcommand, the URL is the --url it means (#25).
            vec!["pool", &format!("postgres://u:{password}@127.0.0.1:1/db")],
            vec!["cannot connect", "Connection refused", "check the host and port"],
        ),
    ]
    .iter()
    .map(|(a, w)| (a.iter().map(|s| s.to_string()).collect::<Vec<_>>(), w))
    {
        for format in FORMATS {
            let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
            argv.extend(["--format", format, "-v"]);
            let run = dbrunbook(&argv);
            let all = run.all();
            assert_eq!(run.code, 3, "{argv:?}: {all}");
            for word in words {
                assert!(all.contains(word), "{argv:?} mangled {word:?}:\n{all}");
            }
            let stray = all.replace(":<redacted>@", "").replace("password=<redacted>", "");
            assert!(!stray.contains("<redacted>"), "{argv:?} redacted text:\n{all}");
        }
    }
}

#[test]
fn one_letter_password_x_leaves_the_message_alone() {
    one_letter_password_leaves_the_message_alone("x");
}

#[test]
fn one_letter_password_e_leaves_the_message_alone() {
    one_letter_password_leaves_the_message_alone("e");
}

/// A connection string set in DBRUNBOOK_RUNBOOKS by mistake is split on `:` like PATH: no piece
/// of it is printed (every piece below holds the sentinel), whichever command reads it, and a
/// diagnosis still runs with the built-in runbooks.
#[test]
fn connection_string_in_dbrunbook_runbooks_is_not_printed_in_pieces() {
    for value in [
        "mysql://S3ntinel-user:S3ntinel-pw@S3ntinel-host/db",
        "postgres:/S3ntinel-user:S3ntinel-pw@S3ntinel-host/db",
        "host=S3ntinel-host password=S3ntinel-pw",
    ] {
        let env = [("DBRUNBOOK_RUNBOOKS", value)];
        let said = ["DBRUNBOOK_RUNBOOKS is not a list of directories"];
        never_printed(&["runbooks", "list"], &env, &said);
        never_printed(&["pool", "--url", "postgres://u@127.0.0.1:1/db"], &env, &said);
    }
    // A diagnosis is not lost to it: the check runs and the runbooks problem is a result.
    let run = dbrunbook_env(
        &["pool", "--url", &shared_pg_url(), "--format", "json"],
        &[("DBRUNBOOK_RUNBOOKS", "mysql://u:S3ntinel-pw@h/db")],
    );
    let report = run.json();
    let checks = report["checks"].as_array().expect("checks");
    assert!(
        checks.iter().any(|c| c["check"] == "pool" && c["status"] == "ok"),
        "{}",
        run.all()
    );
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == "runbooks" && c["status"] == "unknown"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains(SENTINEL), "{}", run.all());
}

/// A PG* variable whose value cannot be what it names is refused by the variable's name, its
/// value never echoed: PGSSLMODE, PGPORT and PGHOST may hold anything pasted there.
#[test]
fn invalid_pg_environment_values_are_named_not_echoed() {
    for (var, value) in [
        ("PGSSLMODE", "requireS3ntinel"),
        ("PGSSLMODE", "require password=S3ntinel-pw"),
        ("PGPORT", "S3ntinel"),
        ("PGPORT", "5432,S3ntinel"),
        ("PGHOST", "db S3ntinel-pw"),
        ("PGUSER", "app\u{1b}]0;S3ntinel\u{7}"),
    ] {
        // Every other variable points at a port that refuses at once.
        let mut env: Vec<(&str, &str)> = [("PGHOST", "127.0.0.1"), ("PGPORT", "1")]
            .into_iter()
            .filter(|(k, _)| *k != var)
            .collect();
        env.push((var, value));
        never_printed(
            &["pool"],
            &env,
            &[&format!("{var} is not valid (its value is not shown)")],
        );
    }
}
