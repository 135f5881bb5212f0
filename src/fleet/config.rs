//! The fleet file, `dbrunbook.yaml`: the targets an on-call rotation owns, each with a name, a
//! URL (`${VAR}` expanded, so no password need be in the file), tags, and per-check thresholds
//! and options. Read through the same guards as runbooks (regular file, at most 1 MiB, no
//! anchors, bounded depth), unknown keys refused with the known ones listed. Running the
//! targets lives in `fleet::run`; connection secrets (`.pgpass`, `~/.my.cnf`) in `passfile`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::{self, ThresholdValue};
use crate::redact::{hide_password, redact_echoed_args};
use crate::runbook::input;
use crate::runbook::load::Problem;
use crate::target::Target;

/// The file's name, in the working directory or `$XDG_CONFIG_HOME/dbrunbook/`.
pub const FILE_NAME: &str = "dbrunbook.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    targets: Vec<RawTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: String,
    url: String,
    #[serde(default)]
    tags: Vec<String>,
    /// check → threshold key → value as a user would type it (`80%`, `30s`, `5`).
    #[serde(default)]
    thresholds: BTreeMap<String, BTreeMap<String, Scalar>>,
    /// check → option key → one value or a list.
    #[serde(default)]
    options: BTreeMap<String, BTreeMap<String, OneOrMany>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// The fleet as configured; URLs are still unexpanded (expansion happens per target, so one
/// target's unset variable is that target's UNKNOWN, not a failed run).
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub targets: Vec<TargetConfig>,
}

#[derive(Debug, Clone)]
pub struct TargetConfig {
    pub name: String,
    /// As written in the file, `${VAR}` not yet expanded.
    pub url: String,
    pub tags: Vec<String>,
    /// check → threshold key → value, checked against the check's spec.
    pub thresholds: BTreeMap<String, BTreeMap<String, ThresholdValue>>,
    /// check → option key → values.
    pub options: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Config {
    /// The fleet file named by `--config` or found in its usual places, loaded.
    pub fn find_and_load(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
        let path = Config::locate(explicit, env)?;
        Config::load(&path).map_err(|p| p.to_string())
    }

    /// `--config PATH`, else `./dbrunbook.yaml`, else `$XDG_CONFIG_HOME/dbrunbook/dbrunbook.yaml`
    /// (`~/.config` when XDG_CONFIG_HOME is unset).
    pub fn locate(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, String> {
        if let Some(p) = explicit {
            return Ok(p.to_path_buf());
        }
        let mut tried = vec![PathBuf::from(FILE_NAME)];
        let config_home = env("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                env("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| Path::new(&h).join(".config"))
            });
        if let Some(dir) = config_home {
            tried.push(dir.join("dbrunbook").join(FILE_NAME));
        }
        tried.iter().find(|p| p.exists()).cloned().ok_or_else(|| {
            let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            format!(
                "no fleet file: looked for {}; write one (see README, \"A fleet\") or pass --config PATH",
                list.join(" and ")
            )
        })
    }

    /// Reads and checks the file; every problem is said with its place.
    pub fn load(path: &Path) -> Result<Config, Problem> {
        let file = path.display().to_string();
        let text = input::read(path)?;
        Config::parse(&file, &text).map(|targets| Config {
            path: path.to_path_buf(),
            targets,
        })
    }

    fn parse(file: &str, text: &str) -> Result<Vec<TargetConfig>, Problem> {
        input::prescan(file, text)?;
        let raw: RawConfig = serde_norway::from_str(text).map_err(|e| {
            let at = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            Problem::new(file, at, message)
        })?;
        let mut seen = BTreeSet::new();
        let mut targets = Vec::new();
        let whole = |message: String| Problem::new(file, (1, 1), message);
        if raw.targets.is_empty() {
            return Err(whole("`targets:` is empty; name at least one target".into()));
        }
        for t in raw.targets {
            let name = t.name.trim().to_string();
            if name.is_empty() || name.chars().any(|c| c.is_control()) {
                return Err(whole(format!(
                    "target name {:?}: names are non-empty text without control characters",
                    crate::text::sanitize(&name, false)
                )));
            }
            if !seen.insert(name.clone()) {
                return Err(whole(format!("target '{name}' is named twice; names must be unique")));
            }
            let at = |what: String| whole(format!("target '{name}': {what}"));
            let mut thresholds = BTreeMap::new();
            for (check, values) in &t.thresholds {
                let spec = checks::spec(check).ok_or_else(|| at(unknown_check(check)))?;
                let mut parsed = BTreeMap::new();
                for (key, value) in values {
                    let key = key.replace('-', "_");
                    let threshold = spec.thresholds.iter().find(|th| th.key == key).ok_or_else(|| {
                        let known: Vec<&str> = spec.thresholds.iter().map(|th| th.key).collect();
                        at(format!(
                            "thresholds.{check}: unknown threshold '{key}'; known: {}",
                            known.join(", ")
                        ))
                    })?;
                    let v = threshold
                        .kind
                        .parse(&value.text())
                        .map_err(|e| at(format!("thresholds.{check}.{key}: {e}")))?;
                    parsed.insert(key, v);
                }
                thresholds.insert(check.clone(), parsed);
            }
            let mut options = BTreeMap::new();
            for (check, values) in &t.options {
                let spec = checks::spec(check).ok_or_else(|| at(unknown_check(check)))?;
                let mut parsed = BTreeMap::new();
                for (key, value) in values {
                    let key = key.replace('-', "_");
                    let option = spec.options.iter().find(|o| o.key == key).ok_or_else(|| {
                        let known: Vec<&str> = spec.options.iter().map(|o| o.key).collect();
                        at(format!(
                            "options.{check}: unknown option '{key}'; known: {}",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ))
                    })?;
                    let list: Vec<String> = match value {
                        OneOrMany::One(s) => vec![s.text()],
                        OneOrMany::Many(v) => v.iter().map(Scalar::text).collect(),
                    };
                    if list.len() > 1 && !option.repeatable {
                        return Err(at(format!("options.{check}.{key} takes one value, not a list")));
                    }
                    parsed.insert(key, list);
                }
                options.insert(check.clone(), parsed);
            }
            targets.push(TargetConfig {
                name,
                url: t.url,
                tags: t.tags,
                thresholds,
                options,
            });
        }
        Ok(targets)
    }

    /// The targets carrying any of `tags` (all of them when `tags` is empty), in file order.
    pub fn select(&self, tags: &[String]) -> Vec<&TargetConfig> {
        self.targets
            .iter()
            .filter(|t| tags.is_empty() || t.tags.iter().any(|have| tags.contains(have)))
            .collect()
    }

    pub fn find(&self, name: &str) -> Option<&TargetConfig> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The targets of these names (`--target`), in the order given, each once; a name the file
    /// does not have is an error naming the closest ones and the known names.
    pub fn named(&self, names: &[String]) -> Result<Vec<&TargetConfig>, String> {
        let mut found: Vec<&TargetConfig> = Vec::new();
        for name in names {
            let Some(target) = self.find(name) else {
                return Err(self.unknown_name(name));
            };
            if !found.iter().any(|t| t.name == target.name) {
                found.push(target);
            }
        }
        Ok(found)
    }

    fn unknown_name(&self, name: &str) -> String {
        let shown = crate::text::sanitize(name, false);
        let mut close: Vec<(usize, &str)> = self
            .targets
            .iter()
            .map(|t| {
                (
                    edit_distance(&name.to_lowercase(), &t.name.to_lowercase()),
                    t.name.as_str(),
                )
            })
            .filter(|(d, candidate)| *d <= (candidate.chars().count() / 3).max(2))
            .collect();
        close.sort();
        let mut message = format!("no target named '{shown}' in {}", self.path.display());
        if !close.is_empty() {
            let names: Vec<String> = close.iter().take(3).map(|(_, n)| format!("'{n}'")).collect();
            message.push_str(&format!("; did you mean {}?", names.join(" or ")));
        }
        let all: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        message.push_str(&format!("; targets in the file: {}", known_list(&all)));
        message
    }
}

/// The known names, at most [`LISTED`] of them, then how many more.
fn known_list(names: &[&str]) -> String {
    const LISTED: usize = 20;
    let mut text = names.iter().take(LISTED).copied().collect::<Vec<_>>().join(", ");
    if names.len() > LISTED {
        text.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    text
}

/// Levenshtein distance over characters: how many edits turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

fn unknown_check(check: &str) -> String {
    let known: Vec<&str> = checks::CHECKS.iter().map(|c| c.spec().name).collect();
    format!("unknown check '{check}'; known: {}", known.join(", "))
}

impl TargetConfig {
    /// The connection target: `${VAR}` expanded from `env`, then parsed as `--url` would be.
    /// No error quotes an expanded value: a variable is likely a password.
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, String> {
        let (url, values) = expand(&self.url, env).map_err(|e| format!("target '{}': {e}", self.name))?;
        Target::resolve(Some(&url), env).map_err(|e| {
            // The parser speaks of `--url`; here the URL is the fleet file's.
            let said = format!("{e:#}").replace("--url", "the fleet file's url");
            let mut message = redact_echoed_args(&said, std::slice::from_ref(&url));
            for v in &values {
                message = hide_password(&message, Some(v));
            }
            format!("target '{}': {message}", self.name)
        })
    }
}

/// `${NAME}` replaced by the variable's value; `$` otherwise stands for itself. Returns the
/// text and the values put in (as given and as written). An unset variable is an error naming it
/// (never its value).
///
/// A value fills one part and cannot become syntax: inside a URL it is percent-encoded (a
/// password with `@`, `&` or `%` stays a password), inside a `key=value` string its quotes,
/// backslashes and blanks are escaped (`x host=evil` cannot add a host). Only a variable that is
/// the whole url is taken as it is: a whole URL from the environment, like DATABASE_URL.
pub fn expand(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(String, Vec<String>), String> {
    let whole = text.trim();
    let is_whole = whole.starts_with("${") && whole.ends_with('}') && whole[2..].find('}') == Some(whole.len() - 3);
    let url_form = text.contains("://");
    let mut out = String::with_capacity(text.len());
    let mut values = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "url has '${' without a closing '}': write ${VARIABLE}".to_string())?;
        let name = &after[..end];
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "url has ${{{}}}, which is not a variable name (letters, digits and _)",
                crate::text::sanitize(name, false)
            ));
        }
        let value = env(name).ok_or_else(|| {
            format!("url uses ${{{name}}}, which is not set in the environment; export {name} or edit the fleet file")
        })?;
        let written = if is_whole {
            value.clone()
        } else if url_form {
            percent_encode(&value)
        } else {
            conninfo_escape(&value)
        };
        out.push_str(&written);
        if written != value {
            values.push(written);
        }
        values.push(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((out, values))
}

/// Every byte but the URL's unreserved characters as `%XX`.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// libpq's escapes, valid quoted or not: a backslash before `\`, `'` and blanks.
fn conninfo_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\\' || c == '\'' || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_fills_one_part_and_never_becomes_syntax() {
        let env = |k: &str| match k {
            "PW" => Some("x&host=10.255.255.1 p@ss%41/?#".to_string()),
            "URL" => Some("postgres://u@h/db".to_string()),
            _ => None,
        };
        let (url, _) = expand("postgres://u:${PW}@h/db?sslmode=disable", &env).unwrap();
        let t = crate::target::Target::resolve(Some(&url), &|_| None).unwrap();
        assert_eq!(t.password.as_deref(), Some("x&host=10.255.255.1 p@ss%41/?#"));
        assert_eq!(t.hosts[0].host, "h");
        let (kv, _) = expand("host=h user=u password=${PW} dbname=db", &env).unwrap();
        let t = crate::target::Target::resolve(Some(&kv), &|_| None).unwrap();
        assert_eq!(t.password.as_deref(), Some("x&host=10.255.255.1 p@ss%41/?#"));
        assert_eq!(t.hosts[0].host, "h");
        assert_eq!(expand(" ${URL} ", &env).unwrap().0, " postgres://u@h/db ");
    }

    fn env(k: &str) -> Option<String> {
        match k {
            "PW" => Some("s3cret-sentinel".into()),
            "PORT" => Some("5433".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_are_expanded_and_an_unset_one_is_named() {
        let (url, values) = expand("postgres://u:${PW}@h:${PORT}/db$x", &env).unwrap();
        assert_eq!(url, "postgres://u:s3cret-sentinel@h:5433/db$x");
        assert_eq!(values.len(), 2);
        let e = expand("postgres://u:${NOPE}@h/db", &env).unwrap_err();
        assert!(e.contains("${NOPE}") && e.contains("not set"), "{e}");
        assert!(expand("postgres://u:${PW@h", &env).unwrap_err().contains("closing"));
        assert!(expand("${1X}", &env).unwrap_err().contains("not a variable name"));
    }

    #[test]
    fn a_bad_expanded_url_never_quotes_the_password() {
        let t = TargetConfig {
            name: "a".into(),
            url: "postgres://u:${PW}@h:99999/db".into(),
            tags: vec![],
            thresholds: BTreeMap::new(),
            options: BTreeMap::new(),
        };
        let e = t.resolve(&env).unwrap_err();
        assert!(!e.contains("s3cret-sentinel"), "{e}");
        assert!(e.contains("target 'a'") && e.contains("fleet file's url"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused_with_the_known_ones_and_their_place() {
        let p = Config::parse("f.yaml", "targets:\n  - name: a\n    url: x\n    tag: [p]\n").unwrap_err();
        assert_eq!(p.line, 4, "{p}");
        assert!(
            p.message.contains("unknown field `tag`") && p.message.contains("tags"),
            "{p}"
        );
        let p = Config::parse(
            "f.yaml",
            "targets:\n  - name: a\n    url: x\n    thresholds: {pool: {nope: 3}}\n",
        )
        .unwrap_err();
        assert!(p.message.contains("unknown threshold 'nope'; known:"), "{p}");
        let p = Config::parse(
            "f.yaml",
            "targets:\n  - name: a\n    url: x\n    options: {poool: {}}\n",
        )
        .unwrap_err();
        assert!(p.message.contains("unknown check 'poool'; known: connect, pool"), "{p}");
        let p = Config::parse("f.yaml", "targets:\n  - {name: a, url: x}\n  - {name: a, url: y}\n").unwrap_err();
        assert!(p.message.contains("named twice"), "{p}");
        let p = Config::parse("f.yaml", "x: &a 1\ntargets: []\n").unwrap_err();
        assert!(p.message.contains("anchors"), "{p}");
    }

    #[test]
    fn the_readme_example_is_a_valid_fleet_file() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("## A fleet").expect("README section")..];
        let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
        let yaml = &section[start..start + section[start..].find("```").unwrap()];
        let targets = Config::parse("README.md", yaml).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].options["migrations"]["dir"], ["/srv/orders/migrations"]);
    }

    #[test]
    fn a_target_is_found_by_name_and_a_typo_is_told_the_closest() {
        let text = "targets:\n  - {name: orders-prod, url: 'postgres://h/a'}\n  - {name: billing, url: 'mysql://h/'}\n";
        let config = Config {
            path: "f.yaml".into(),
            targets: Config::parse("f.yaml", text).unwrap(),
        };
        let names: Vec<&str> = config
            .named(&["billing".into(), "orders-prod".into(), "billing".into()])
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["billing", "orders-prod"]);
        let e = config.named(&["orders-prd".into()]).unwrap_err();
        assert_eq!(
            e,
            "no target named 'orders-prd' in f.yaml; did you mean 'orders-prod'?; targets in the file: orders-prod, billing"
        );
        let e = config.named(&["zzz".into()]).unwrap_err();
        assert!(!e.contains("did you mean") && e.contains("orders-prod, billing"), "{e}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(known_list(&["a"; 22]).matches(", ").count(), 19);
    }

    #[test]
    fn thresholds_options_and_tags_are_read() {
        let text = "targets:\n  - name: orders\n    url: postgres://h/db\n    tags: [prod, orders]\n    \
                    thresholds:\n      migrations: {behind-critical: 3}\n    options:\n      migrations: {dir: ./m}\n  \
                    - {name: b, url: 'mysql://h/', tags: [dev]}\n";
        let targets = Config::parse("f.yaml", text).unwrap();
        assert_eq!(
            targets[0].thresholds["migrations"]["behind_critical"],
            ThresholdValue::Count(3)
        );
        assert_eq!(targets[0].options["migrations"]["dir"], vec!["./m".to_string()]);
        let config = Config {
            path: "f.yaml".into(),
            targets,
        };
        let names: Vec<&str> = config.select(&["dev".into()]).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["b"]);
        assert_eq!(config.select(&[]).len(), 2);
    }
}
