//! `docs/dbrunbook.schema.json` against real `--format json` output: every check alone and
//! `diagnose` on the shared PostgreSQL and MariaDB, a fleet of both (with a runbook chosen, so
//! the steps are checked too), and the failure document of a usage error. Validated with `boon`
//! (JSON Schema draft 2020-12); a document with a field renamed is refused, so the schema is not
//! one that accepts anything.

use serde_json::Value;

use crate::support::fleet::FleetDir;
use crate::support::*;

const SCHEMA: &str = "docs/dbrunbook.schema.json";

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Validator {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("the schema is JSON");
        let mut compiler = boon::Compiler::new();
        // Offline and explicit: the schema is the only resource, and its dialect is 2020-12.
        compiler.set_default_draft(boon::Draft::V2020_12);
        let url = "file:///dbrunbook.schema.json";
        compiler.add_resource(url, doc).unwrap();
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile(url, &mut schemas)
            .unwrap_or_else(|e| panic!("{SCHEMA} does not compile: {e:#}"));
        Validator { schemas, index }
    }

    fn errors(&self, doc: &Value) -> Option<String> {
        self.schemas.validate(doc, self.index).err().map(|e| format!("{e:#}"))
    }

    /// Asserts `doc` (what `what` printed) is valid.
    fn check(&self, what: &str, doc: &Value) {
        if let Some(e) = self.errors(doc) {
            panic!("{what}: not valid against {SCHEMA}:\n{e}\n{doc:#}");
        }
    }
}

/// The document of `dbrunbook ARGS --format json`; any exit code, but JSON on stdout.
fn json_of(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = dbrunbook(&all);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{}", run.all()))
}

#[test]
fn every_checks_json_on_postgres_and_mariadb_is_valid_against_the_schema() {
    let schema = Validator::new();
    for url in [shared_pg_url(), shared_mysql_url()] {
        let doc = json_of(&["diagnose", "--url", &url]);
        schema.check(&format!("diagnose {url}"), &doc);
        let checks: Vec<String> = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["check"].as_str().unwrap().to_string())
            .collect();
        // diagnose runs every check of the registry.
        for name in [
            "connect",
            "pool",
            "queries",
            "locks",
            "migrations",
            "backups",
            "slow",
            "size",
            "replication",
        ] {
            assert!(
                checks.iter().any(|c| c == name),
                "{name} missing from diagnose: {checks:?}"
            );
        }
        for name in &checks {
            let doc = json_of(&[name, "--url", &url]);
            assert_eq!(doc["checks"][0]["check"], name.as_str(), "{doc:#}");
            schema.check(&format!("{name} {url}"), &doc);
        }
    }
}

#[test]
fn a_fleet_with_runbook_steps_and_the_failure_document_are_valid_and_a_renamed_field_is_not() {
    let schema = Validator::new();
    // "Restarted within a year": WARNING on these servers with the server-restarted runbook, so
    // the steps (sql and shell) are in the document too.
    let fleet = FleetDir::new(&format!(
        "targets:\n  - name: pg\n    url: {}\n    tags: [a]\n    thresholds:\n      connect: {{restarted-within: 365d}}\n  \
         - name: maria\n    url: {}\n    thresholds:\n      connect: {{restarted-within: 365d}}\n",
        shared_pg_url(),
        shared_mysql_url()
    ));
    let run = fleet.run(&["diagnose", "--all", "--format", "json"], &[]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()));
    schema.check("diagnose --all", &doc);
    let steps: usize = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["checks"].as_array().unwrap())
        .filter_map(|c| c["runbook"]["steps"].as_array())
        .map(Vec::len)
        .sum();
    assert!(steps > 0, "no runbook steps to check: {doc:#}");

    let failure = json_of(&["diagnose", "--no-such-flag"]);
    assert_eq!(failure["status"], "unknown", "{failure:#}");
    schema.check("a usage error", &failure);

    // The schema tells a renamed field, a wrong type and an unknown status apart from the real.
    let mut renamed = json_of(&["pool", "--url", &shared_pg_url()]);
    let check = renamed["checks"][0].as_object_mut().unwrap();
    let summary = check.remove("summary").unwrap();
    check.insert("summary_text".into(), summary);
    assert!(schema.errors(&renamed).is_some(), "a renamed field passed");
    let mut typed = json_of(&["pool", "--url", &shared_pg_url()]);
    typed["elapsed_ms"] = Value::String("41ms".into());
    assert!(schema.errors(&typed).is_some(), "a duration as a string passed");
    let mut status = json_of(&["pool", "--url", &shared_pg_url()]);
    status["checks"][0]["status"] = Value::String("OK".into());
    assert!(schema.errors(&status).is_some(), "an unknown status word passed");
}
