//! Text safety: stripping control characters from text before it reaches a terminal, shortening
//! long text for tables, percent-encoding. Hiding passwords is `redact`'s job.

/// Replaces control characters (ANSI escapes and OSC 8 links, NUL, bell, carriage returns...) and
/// bidi controls with visible substitutes. Newlines and tabs become spaces when `single_line` is
/// set, and are kept otherwise. Every string from outside the program (the database, runbook
/// files, the command line) passes through here before it reaches a terminal.
pub fn sanitize(input: &str, single_line: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\n' | '\t' if !single_line => out.push(c),
            '\n' | '\r' | '\t' => out.push(' '),
            // Unicode line and paragraph separators: a line break to some terminals.
            '\u{2028}' | '\u{2029}' => out.push(if single_line { ' ' } else { '\n' }),
            c if is_unsafe(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Whether [`sanitize`] changes `c` (in either mode): a control character, a Unicode line or
/// paragraph separator, or a bidi control, which can disguise text in a terminal. Quoting for
/// SQL and the shell (`quote`) writes these as escapes, so that a command shown on a terminal
/// still names the real object.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// One line of at most `max` characters, whitespace runs folded, with an ellipsis when cut.
pub fn shorten(input: &str, max: usize) -> String {
    let folded = sanitize(input, true).split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let mut cut: String = folded.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` sequences, strictly, as a connection URL needs: a malformed sequence or bytes
/// that are not UTF-8 are an error saying so.
pub fn percent_decode(input: &str) -> Result<String, String> {
    let bytes = percent_bytes(input, false).ok_or_else(|| "a '%' must be followed by two hex digits".to_string())?;
    String::from_utf8(bytes).map_err(|_| "percent-encoding does not decode to UTF-8".to_string())
}

/// Decodes a query-string value as browsers and forms send it, leniently: `+` is a space, a
/// malformed `%` stays as written, bytes that are not UTF-8 become U+FFFD.
pub fn form_decode(input: &str) -> String {
    let bytes = percent_bytes(input, true).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The bytes `input` percent-decodes to; `form` reads `+` as a space and keeps a malformed `%`
/// (without it, a malformed `%` is `None`).
fn percent_bytes(input: &str, form: bool) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (bytes[i], escaped) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'%', None) if !form => return None,
            (b'+', _) if form => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Whether a statement is DDL that takes an exclusive table lock (ALTER, CREATE INDEX, DROP...):
/// the statement that turns one blocker into a queue for everybody.
pub fn is_ddl(query: &str) -> bool {
    let q = query.trim_start().to_ascii_uppercase();
    [
        "ALTER ",
        "CREATE INDEX",
        "CREATE UNIQUE INDEX",
        "DROP ",
        "TRUNCATE ",
        "RENAME ",
        "REINDEX ",
        "VACUUM FULL",
        "CLUSTER ",
    ]
    .iter()
    .any(|p| q.starts_with(p))
}

/// The candidates a mistyped word most likely meant, best first: those within a small edit
/// distance (a transposed pair counts one edit, as in `--ulr`), else those containing the word
/// or contained in it. Empty when nothing is close.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let word = word.to_lowercase();
    let allowed = (word.chars().count() / 3).clamp(1, 3);
    let mut close: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= allowed)
        .collect();
    close.sort();
    if close.is_empty() && word.chars().count() >= 3 {
        return candidates
            .iter()
            .filter(|c| {
                let c = c.to_lowercase();
                c.contains(&word) || c.split('-').any(|part| part.len() >= 3 && word.contains(part))
            })
            .copied()
            .collect();
    }
    close.into_iter().map(|(_, c)| c).collect()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions, one edit each.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_is_recognised() {
        assert!(is_ddl("  alter table orders add column x int"));
        assert!(is_ddl("CREATE INDEX i ON t (c)"));
        assert!(!is_ddl("SELECT * FROM orders"));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let evil = "select 1;\x1b[2J\x07\r\u{202E}\x1b]8;;http://evil\x07link\x1b]8;;\x07\u{200F}\u{9b}";
        let clean = sanitize(evil, true);
        assert!(!clean.chars().any(|c| c.is_control()));
        assert!(!clean.contains(['\u{202E}', '\u{200F}']));
        assert!(clean.starts_with("select 1;"));
        assert_eq!(sanitize("a\nb", false), "a\nb");
        assert_eq!(sanitize("a\nb", true), "a b");
    }

    #[test]
    fn shorten_folds_and_cuts() {
        assert_eq!(shorten("select\n  *\n from t", 100), "select * from t");
        assert_eq!(shorten("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn percent_round_trip() {
        assert_eq!(percent_decode(&percent_encode("a b/@:")).unwrap(), "a b/@:");
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%4").is_err());
        assert_eq!(percent_decode("a+b").unwrap(), "a+b");
    }

    #[test]
    fn form_values_are_decoded_leniently() {
        assert_eq!(form_decode("orders%20db+eu"), "orders db eu");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%C3%A9%FF"), "é\u{FFFD}");
    }

    #[test]
    fn did_you_mean_finds_typos_and_parts() {
        assert_eq!(did_you_mean("ulr", &["url", "limit", "full"]), ["url"]);
        assert_eq!(did_you_mean("lcoks", &["locks", "pool"]), ["locks"]);
        assert_eq!(
            did_you_mean("migration", &["migration-dirty", "pool-exhaustion"]),
            ["migration-dirty"]
        );
        assert!(did_you_mean("zzz", &["locks", "pool"]).is_empty());
    }
}
