//! A bounded fuzz of every way a password reaches the tool: malformed URLs, key=value strings,
//! environment variables, fleet files and misplaced arguments, each holding one sentinel
//! password, fed to every subcommand in every format. No output may hold the sentinel (raw,
//! percent-encoded or its first half), and no output but JSON may hold a control byte. The
//! targets are 127.0.0.1 port 1 (refused at once), so each run is short; the case count is
//! printed (`cargo test --test tests fuzz_secrets:: -- --nocapture`).

use crate::support::fleet::FleetDir;
use crate::support::*;

const SENTINEL: &str = "Fz9Sent!nel-pw";

/// Connection strings, `{pw}` standing for the sentinel.
const TARGETS: &[&str] = &[
    "postgres:/app:{pw}@127.0.0.1:1/db?sslmode=require",
    "postgres:app:{pw}@127.0.0.1:1/db",
    "postgres:///app:{pw}@127.0.0.1:1/db",
    "POSTGRES://app:{pw}@127.0.0.1:1/db",
    "postgresql://app:{pw}@127.0.0.1:notaport/db",
    "postgres://app:{pw}@[::1/db",
    "postgres://app:{pw}@127.0.0.1:1/db?sslmode=require password={pw}",
    "postgres://app@127.0.0.1:1/db?sslmode=bogus password={pw}",
    "postgres://app@127.0.0.1:1/db?password={pw}&frobnicate=1",
    "postgres://app:{pw}@127.0.0.1:1/db?frob\u{1b}[31mnicate=1",
    "postgres://ap\u{202e}p:{pw}@127.0.0.1:1/d\nb",
    "mysql://root:{pw}@127.0.0.1:1/test?ssl-mode=bogus",
    "mysql:/root:{pw}@127.0.0.1:1/test",
    "mariadb://root:{pw}@127.0.0.1:1,127.0.0.2:1/test",
    "host= password={pw} port=1",
    "host=127.0.0.1 port= password={pw}",
    "host=127.0.0.1 port=1 password={pw} x",
    "host=127.0.0.1 port=1 password='{pw}",
    "host=127.0.0.1 port=1 password={pw} sslmode=bogus",
    "password={pw} host",
    "host=127.0.0.1 port=1 user=app password='{pw} x' frobnicate=1",
];

const FORMATS: &[&str] = &["table", "json", "nagios", "prometheus"];

/// `{pw}` replaced by the sentinel, or its percent-encoded form.
fn with_sentinel(template: &str, encoded: bool) -> String {
    let value = if encoded { "Fz9Sent%21nel-pw" } else { SENTINEL };
    template.replace("{pw}", value)
}

/// What must never show: the sentinel raw, percent-encoded, or its first half alone.
fn leaked(text: &str) -> Option<&'static str> {
    ["Fz9Sent!nel-pw", "Fz9Sent%21nel", "Fz9Sent"]
        .into_iter()
        .find(|form| text.contains(form))
}

fn control_byte(text: &str) -> Option<char> {
    text.chars()
        .find(|c| (c.is_control() && *c != '\n' && *c != '\t') || ('\u{202a}'..='\u{202e}').contains(c))
}

/// One subcommand's arguments around a connection string.
fn commands(url: &str) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["pool", "--url", url]),
        s(&["diagnose", "--url", url]),
        s(&["connect", "--url", url]),
        s(&["backups", "--url", url, "--dir", "/nonexistent/backups"]),
        s(&["restore-check", "/nonexistent/app.dump", "--scratch-url", url]),
        s(&["restore-check", url, "--scratch-url", url]),
        s(&["pool", url]),
        s(&["pool", "--limit", url]),
    ]
}

fn judge(what: &str, format: &str, run: &Run, failures: &mut Vec<String>) {
    let all = run.all();
    if let Some(form) = leaked(&all) {
        failures.push(format!("{what} ({format}): shows {form}: {all}"));
    }
    if format != "json"
        && let Some(c) = control_byte(&all)
    {
        failures.push(format!("{what} ({format}): control character {c:?}: {all:?}"));
    }
}

#[test]
fn no_sentinel_password_in_any_output_of_any_subcommand() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for template in TARGETS {
        for encoded in [false, true] {
            let url = with_sentinel(template, encoded);
            for args in commands(&url) {
                for format in FORMATS {
                    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
                    all.extend(["--format", format, "--timeout", "10s"]);
                    let run = dbrunbook(&all);
                    cases += 1;
                    judge(&format!("{all:?}"), format, &run, &mut failures);
                }
            }
        }
    }
    // The environment: DATABASE_URL, PGPASSWORD, PGSSLMODE, PGPORT, PGHOST and
    // DBRUNBOOK_RUNBOOKS (read by the checks and by `runbooks list`).
    for template in TARGETS {
        let url = with_sentinel(template, false);
        for format in FORMATS {
            let envs: [(&str, &str); 5] = [
                ("DATABASE_URL", &url),
                ("DBRUNBOOK_RUNBOOKS", &url),
                ("PGSSLMODE", &url),
                ("PGPORT", &url),
                ("PGHOST", &url),
            ];
            for env in envs {
                let mut vars = vec![("PGPASSWORD", SENTINEL), ("PGHOST", "127.0.0.1"), ("PGPORT", "1")];
                vars.retain(|(k, _)| *k != env.0);
                vars.push(env);
                let run = dbrunbook_env(&["pool", "--format", format, "--timeout", "10s"], &vars);
                cases += 1;
                judge(&format!("{} = {url:?}", env.0), format, &run, &mut failures);
            }
            let run = dbrunbook_env(
                &["runbooks", "list", "--format", format],
                &[("DBRUNBOOK_RUNBOOKS", &url)],
            );
            cases += 1;
            judge(
                &format!("runbooks list, DBRUNBOOK_RUNBOOKS = {url:?}"),
                format,
                &run,
                &mut failures,
            );
        }
    }
    eprintln!("fuzz_secrets: {cases} runs of the binary");
    assert!(
        failures.is_empty(),
        "{} of {cases} leaked:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn no_sentinel_password_from_a_fleet_file() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for template in TARGETS {
        let url = with_sentinel(template, false).replace('\'', "''");
        for yaml in [
            format!("targets:\n  - name: a\n    url: '{url}'\n"),
            // A URL in a field of the wrong type: serde's error quotes the value.
            format!("targets:\n  - name: a\n    url: postgres://a@127.0.0.1:1/db\n    thresholds: '{url}'\n"),
            format!("targets:\n  - name: '{url}'\n    url: '{url}'\n"),
            format!("targets: '{url}'\n"),
        ] {
            let fleet = FleetDir::new(&yaml);
            for format in FORMATS {
                let run = fleet.run(&["diagnose", "--all", "--format", format, "--timeout", "10s"], &[]);
                cases += 1;
                judge(&format!("fleet {yaml:?}"), format, &run, &mut failures);
            }
        }
    }
    eprintln!("fuzz_secrets: {cases} fleet runs");
    assert!(
        failures.is_empty(),
        "{} of {cases} leaked:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
