//! Golden JSON reports, one file per check and engine in `tests/golden/`: the normaliser that
//! masks what changes from run to run, and the comparison. Re-bless every golden after an
//! intended change with `DBRUNBOOK_BLESS=1 cargo test --test tests golden` and review the diff.

use serde_json::Value;

/// How a report is made comparable before it meets its golden file.
pub struct Golden {
    name: &'static str,
    texts: Vec<(String, &'static str)>,
    exact_numbers: bool,
}

impl Golden {
    /// The report pinned by `tests/golden/{name}.json`. By default every number is masked (to 0
    /// in JSON numbers, to N inside text): pids, ports, sizes and timings vary from run to run,
    /// the field names, shapes, words and the runbook chosen are what is pinned.
    pub fn new(name: &'static str) -> Golden {
        Golden {
            name,
            texts: Vec::new(),
            exact_numbers: false,
        }
    }

    /// Replaces `volatile` (a temporary directory, a scratch database's name) with `mask`
    /// wherever it appears, before anything else.
    pub fn mask(mut self, volatile: &str, mask: &'static str) -> Golden {
        self.texts.push((volatile.to_string(), mask));
        self
    }

    /// Keeps numbers as they are, for reports whose counts are the contract (migrations).
    pub fn exact_numbers(mut self) -> Golden {
        self.exact_numbers = true;
        self
    }

    /// Compares the report on `stdout`, after `edit` masks what only this test knows is volatile,
    /// with the golden file; `DBRUNBOOK_BLESS=1` rewrites the file instead.
    pub fn assert(self, stdout: &str, edit: impl FnOnce(&mut Value)) {
        let mut text = stdout.to_string();
        for (volatile, mask) in &self.texts {
            text = text.replace(volatile.as_str(), mask);
        }
        let mut got: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
        got["elapsed_ms"] = 0.into();
        got["target"]["server_version"] = "<version>".into();
        edit(&mut got);
        if !self.exact_numbers {
            let (schema, exit) = (got["schema_version"].clone(), got["exit_code"].clone());
            numbers_masked(&mut got);
            (got["schema_version"], got["exit_code"]) = (schema, exit);
        }
        compare(&format!("tests/golden/{}.json", self.name), self.name, &got);
    }
}

/// Every number to 0 in JSON numbers and to N inside text (`12.5 MB` reads `N MB`); a duration
/// as people write it (`723ms`, `25s`, `1h02m`) to `<duration>`, whose unit moves with its size.
fn numbers_masked(v: &mut Value) {
    match v {
        Value::Number(_) => *v = 0.into(),
        Value::String(s) => *s = text_masked(s),
        Value::Array(a) => a.iter_mut().for_each(numbers_masked),
        Value::Object(o) => o.values_mut().for_each(numbers_masked),
        _ => {}
    }
}

const DURATION_UNITS: [&str; 6] = ["us", "ms", "s", "m", "h", "d"];

fn text_masked(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of number+unit groups with no space between is one duration.
        let (mut end, mut groups) = (i, 0);
        loop {
            let digits = number_end(&chars, end);
            let unit = digits + chars[digits..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
            let word: String = chars[digits..unit].iter().collect();
            if digits == end || !DURATION_UNITS.contains(&word.as_str()) {
                break;
            }
            (end, groups) = (unit, groups + 1);
        }
        if groups > 0 {
            out.push_str("<duration>");
            i = end;
        } else {
            out.push('N');
            i = number_end(&chars, i);
        }
    }
    out
}

/// Where the number starting at `start` ends: digits, and a point only between digits (the one
/// in `app_2026-11-24.sql` ends a sentence or a date, not a number).
fn number_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len()
        && (chars[end].is_ascii_digit()
            || (chars[end] == '.' && end > start && chars.get(end + 1).is_some_and(|c| c.is_ascii_digit())))
    {
        end += 1;
    }
    end
}

fn compare(path: &str, what: &str, got: &Value) {
    let got = serde_json::to_string_pretty(got).unwrap() + "\n";
    if std::env::var_os("DBRUNBOOK_BLESS").is_some() {
        std::fs::write(path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; create it with DBRUNBOOK_BLESS=1 cargo test --test tests golden"));
    assert!(
        got == want,
        "the {what} JSON differs from {path} (bless with DBRUNBOOK_BLESS=1 cargo test --test tests golden if intended):\n{got}"
    );
}
