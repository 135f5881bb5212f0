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
            c if c.is_control() => out.push('\u{FFFD}'),
            // Unicode bidi overrides, embeddings, isolates and marks can disguise text in a terminal.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
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

/// Decodes `%XX` sequences; malformed sequences are an error naming the input.
pub fn percent_decode(input: &str) -> Result<String, String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = input
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "a '%' must be followed by two hex digits".to_string())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding does not decode to UTF-8".to_string())
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
    }
}
