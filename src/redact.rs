//! Structural redaction of connection strings inside any text, before it is printed: the
//! password of a URL's userinfo (everything between `://` and the last `@`) and the value of
//! `password=` in libpq key=value strings and URL queries. Redaction follows the structure of the
//! connection string, never the password's own text: a one-letter password must not turn every
//! matching letter of a message into `<redacted>`. Parsing connection strings lives in `target`.

/// What a password is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Keys whose value is a secret.
const SECRET_KEYS: &[&str] = &["password", "sslpassword", "pass"];

/// Every keyword a connection string may hold: libpq's, the MySQL spellings and our aliases.
/// One of them followed by `=` ends an unquoted password value; anything else after the password
/// may still be the password (an unquoted space), so it is never shown.
pub const KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "database",
    "user",
    "password",
    "pass",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslmode",
    "ssl-mode",
    "ssl_mode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "ssl-ca",
    "ssl_ca",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    "replication",
    "socket",
    "prefer_socket",
];

/// Redacts one whole connection string or command-line argument: its end is known, so nothing
/// beyond the password is lost.
pub fn redact_conninfo(text: &str) -> String {
    redact_keywords(&redact_urls(&redact_loose_urls(text)))
}

/// Redacts every connection string inside free text (a driver's or the argument parser's
/// message). Where a URL or an unquoted password ends cannot be known in free text, so the
/// redaction reaches to the end of the line rather than risk showing a password's tail.
pub fn redact_text(text: &str) -> String {
    let structural: String = text
        .split_inclusive('\n')
        .map(|line| {
            let body = line.trim_end_matches(['\n', '\r']);
            format!("{}{}", redact_conninfo(body), &line[body.len()..])
        })
        .collect();
    hide_known(&structural)
}

/// The one redaction step every byte the program writes passes (stdout, stderr, logs):
/// connection strings by their structure, then every password known to this run.
pub fn boundary(text: &str) -> String {
    redact_text(text)
}

/// [`boundary`] over every string of a JSON document, keys included, so that what is written
/// stays valid JSON (a free-text redaction of the serialised text may run to a line's end,
/// past a closing quote): the files `end` writes.
pub fn boundary_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(boundary(s)),
        Value::Array(items) => Value::Array(items.iter().map(boundary_json).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (boundary(k), boundary_json(v))).collect()),
        other => other.clone(),
    }
}

/// Passwords this run knows (see [`remember`]), and those in its arguments and environment.
static KNOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
static FROM_PROCESS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Shorter passwords are not searched for in free text: they would eat ordinary words.
const MIN_KNOWN_LEN: usize = 4;

/// A password read from a connection string (a URL, a fleet file): hidden wherever it appears
/// in output from now on, raw or percent-encoded.
pub fn remember(password: &str) {
    if password.chars().count() < MIN_KNOWN_LEN {
        return;
    }
    if let Ok(mut known) = KNOWN.lock()
        && !known.iter().any(|k| k == password)
    {
        known.push(password.to_string());
    }
}

/// The passwords in the process's arguments and environment variables: `scheme:[/]*user:pw@`,
/// `password=`, and the whole value of the password variables.
fn from_process() -> &'static [String] {
    FROM_PROCESS.get_or_init(|| {
        let mut found = Vec::new();
        let texts = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .chain(std::env::vars_os().map(|(k, v)| {
                let (k, v) = (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned());
                if ["PGPASSWORD", "MYSQL_PWD", "MYSQL_PASSWORD"].contains(&k.as_str()) {
                    found.push(v.clone());
                }
                v
            }))
            .collect::<Vec<_>>();
        for text in texts {
            found.extend(passwords_in(&text));
        }
        found.retain(|p| p.chars().count() >= MIN_KNOWN_LEN);
        found
    })
}

/// The passwords a text holds where the redaction would hide them.
pub fn passwords_in(text: &str) -> Vec<String> {
    let redacted = redact_conninfo(text);
    if redacted == text {
        return Vec::new();
    }
    // What the redaction replaced, found by walking both texts.
    let mut out = Vec::new();
    let (mut a, mut b) = (0, 0);
    let (t, r) = (text.as_bytes(), redacted.as_bytes());
    while a < t.len() && b < r.len() {
        if r[b..].starts_with(REDACTED.as_bytes()) && !t[a..].starts_with(REDACTED.as_bytes()) {
            let after = &redacted[b + REDACTED.len()..];
            let end = match after.is_empty() {
                true => text.len(),
                false => text[a..].find(after).map_or(text.len(), |i| a + i),
            };
            let secret = text[a..end].trim_matches('\'');
            if !secret.is_empty() {
                out.push(secret.to_string());
            }
            a = end;
            b += REDACTED.len();
            continue;
        }
        a += 1;
        b += 1;
    }
    out
}

/// Every known password, raw, percent-encoded and percent-decoded, replaced.
fn hide_known(text: &str) -> String {
    let mut secrets: Vec<String> = from_process().to_vec();
    if let Ok(known) = KNOWN.lock() {
        secrets.extend(known.iter().cloned());
    }
    let mut forms: Vec<String> = Vec::new();
    for s in &secrets {
        forms.push(s.clone());
        forms.push(crate::text::percent_encode(s));
        if let Ok(decoded) = crate::text::percent_decode(s) {
            forms.push(decoded);
        }
    }
    forms.retain(|f| f.chars().count() >= MIN_KNOWN_LEN && f != REDACTED);
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let mut out = text.to_string();
    for f in forms {
        if out.contains(&f) {
            out = out.replace(&f, REDACTED);
        }
    }
    out
}

/// A database URL written with a wrong separator (`postgres:/u:pw@h`, `postgres:u:pw@h`,
/// `postgres:///u:pw@h`): the userinfo's password hidden as in a well-formed one.
fn redact_loose_urls(text: &str) -> String {
    const SCHEMES: &[&str] = &["postgresql:", "postgres:", "mysql:", "mariadb:", "pgbouncer:"];
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let starts = SCHEMES
            .iter()
            .find(|s| lower[i..].starts_with(*s))
            .filter(|_| text[..i].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric()));
        let Some(scheme) = starts else {
            let c = text[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        let after = i + scheme.len();
        let slashes = text[after..].chars().take_while(|c| *c == '/').count();
        let body_start = after + slashes;
        if slashes == 2 {
            // Well formed: `redact_urls` reads it.
            out.push_str(&text[i..body_start]);
            i = body_start;
            continue;
        }
        let token_end = text[body_start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`'))
            .map_or(text.len(), |e| body_start + e);
        let token = &text[body_start..token_end];
        match (token.rfind('@'), token.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&text[i..body_start + colon + 1]);
                out.push_str(REDACTED);
                out.push_str(&token[at..]);
            }
            _ => out.push_str(&text[i..token_end]),
        }
        i = token_end;
    }
    out
}

/// The argument parser echoes arguments (`unexpected argument 'postgres://u:pw@h/db' found`).
/// Each argument, and the value of each `--flag=value`, that holds a password is replaced by its
/// redacted form wherever it appears; the rest of the text is then redacted as free text.
pub fn redact_echoed_args(text: &str, args: &[String]) -> String {
    let mut pieces: Vec<&str> = Vec::new();
    for arg in args {
        pieces.push(arg);
        if arg.starts_with('-')
            && let Some((_, value)) = arg.split_once('=')
        {
            pieces.push(value);
        }
    }
    // Longest first: a `--url=...` argument before the value inside it.
    pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut out = text.to_string();
    for piece in pieces {
        let redacted = redact_conninfo(piece);
        if redacted != piece {
            out = out.replace(piece, &redacted);
        }
    }
    redact_text(&out)
}

/// A database driver's message: connection strings in it redacted by their structure, and the
/// target's password hidden should the driver quote it bare.
pub fn driver_message(text: &str, password: Option<&str>) -> String {
    hide_password(&redact_text(text), password)
}

/// Hides a password that a database driver may have put in its message, as a whole token only
/// and only when it is long enough to be recognisable: replacing a short password's text
/// everywhere would mangle the message (a password `e` would eat every letter e).
pub fn hide_password(text: &str, password: Option<&str>) -> String {
    const MIN_LEN: usize = 4;
    let Some(secret) = password.filter(|p| p.chars().count() >= MIN_LEN) else {
        return text.to_string();
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        let whole = !before.is_some_and(is_word) && !after.is_some_and(is_word);
        out.push_str(&rest[..at]);
        out.push_str(if whole { REDACTED } else { secret });
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// `scheme://user:password@host...`: the userinfo runs to the last `@` before the next URL, so a
/// password holding `/`, `?`, `#`, `:` or `@` is hidden whole. The user name is kept.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, after) = rest.split_at(start + 3);
        out.push_str(head);
        let extent = next_url_start(after).unwrap_or(after.len());
        match after[..extent].rfind('@') {
            Some(at) => {
                let userinfo = &after[..at];
                // `<password>` in a help text is a placeholder, not a secret.
                let placeholder = |p: &str| p.starts_with('<') && p.ends_with('>') && !p.contains([':', '@']);
                match userinfo.split_once(':') {
                    Some((user, password)) if !password.is_empty() && !placeholder(password) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(REDACTED);
                    }
                    _ => out.push_str(userinfo),
                }
                out.push('@');
                rest = &after[at + 1..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Where the next URL begins: a `scheme://` after whitespace or a quote. A `://` inside a
/// password (`u:a://b@h`) follows neither, so it does not cut the userinfo short.
fn next_url_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let colon = from + found;
        // zsh's completion text escapes it: `mysql\://`.
        let name_end = if text[..colon].ends_with('\\') {
            colon - 1
        } else {
            colon
        };
        let scheme_start = text[..name_end]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let boundary = text[..scheme_start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '`'));
        if scheme_start < name_end && boundary {
            return Some(scheme_start);
        }
        from = colon + 3;
    }
    None
}

/// `password=value` in key=value strings and URL queries: a quoted value to its closing quote,
/// an unquoted one up to the next `keyword=` (or `&keyword=` in a query), else to the end.
fn redact_keywords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let Some((value_start, in_query)) = secret_value_at(text, i) else {
            let c = text[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        out.push_str(&text[i..value_start]);
        let value = &text[value_start..];
        let len = if value.starts_with(REDACTED) {
            REDACTED.len()
        } else if let Some(quoted) = value.strip_prefix('\'') {
            1 + quoted_len(quoted)
        } else if in_query {
            next_keyword(value, '&').unwrap_or(value.len())
        } else {
            next_keyword(value, ' ').unwrap_or(value.len())
        };
        if len > 0 {
            out.push_str(REDACTED);
        }
        i = value_start + len;
    }
    out
}

/// If a secret key (`password =`) starts at byte `i`, where its value starts and whether it sits
/// in a URL query (after `?` or `&`).
fn secret_value_at(text: &str, i: usize) -> Option<(usize, bool)> {
    let before = text[..i].chars().next_back();
    let in_query = matches!(before, Some('?' | '&'));
    // Any character that cannot be part of a longer key: `(password=`, `[password=` too.
    let boundary = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    if !boundary {
        return None;
    }
    let rest = &text[i..];
    SECRET_KEYS.iter().find_map(|key| {
        let after_key = rest
            .get(..key.len())
            .filter(|k| k.eq_ignore_ascii_case(key))
            .map(|_| &rest[key.len()..])?;
        let after_eq = after_key.trim_start().strip_prefix('=')?;
        let value = after_eq.trim_start();
        Some((text.len() - value.len(), in_query))
    })
}

/// Length of a quoted value after its opening quote, closing quote included; backslash escapes.
fn quoted_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => return at + 1,
            _ => {}
        }
    }
    text.len()
}

/// Offset of the separator before the next `keyword=`: whitespace (`sep` ' ') or `&` (`sep` '&').
fn next_keyword(text: &str, sep: char) -> Option<usize> {
    text.char_indices()
        .filter(|(_, c)| if sep == ' ' { c.is_whitespace() } else { *c == sep })
        .map(|(at, _)| at)
        .find(|&at| {
            let after = text[at..].trim_start_matches(|c: char| c.is_whitespace() || c == sep);
            starts_with_keyword(after)
        })
}

/// Whether `text` starts with a known keyword followed by `=`.
pub fn starts_with_keyword(text: &str) -> bool {
    let word_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len());
    let (word, after) = text.split_at(word_len);
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) && after.trim_start().starts_with('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_userinfo_runs_to_the_last_at() {
        for (input, expect) in [
            ("postgres://u:pw@h/db", "postgres://u:<redacted>@h/db"),
            ("postgres://u:pa/ss@h/db", "postgres://u:<redacted>@h/db"),
            (
                "postgres://u:pa?ss@h/db?sslmode=require",
                "postgres://u:<redacted>@h/db?sslmode=require",
            ),
            ("mysql://u:p@ss:w@h:3306/db", "mysql://u:<redacted>@h:3306/db"),
            ("postgres://u:a://b@h/db", "postgres://u:<redacted>@h/db"),
            ("postgres://u:two words@h/db", "postgres://u:<redacted>@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://u:<redacted>@h/db", "postgres://u:<redacted>@h/db"),
        ] {
            assert_eq!(redact_conninfo(input), expect, "{input}");
        }
    }

    #[test]
    fn two_urls_on_a_line_are_redacted_each() {
        let line = "tip: to pass 'postgres://u:pw@h/db' as a value, use '-- mysql://v:qq@i/db'";
        assert_eq!(
            redact_text(line),
            "tip: to pass 'postgres://u:<redacted>@h/db' as a value, use '-- mysql://v:<redacted>@i/db'"
        );
    }

    #[test]
    fn keyword_passwords_quoted_or_not() {
        for (input, expect) in [
            ("host=h password=pw dbname=d", "host=h password=<redacted> dbname=d"),
            (
                "host=h password = 'two words' dbname=d",
                "host=h password = <redacted> dbname=d",
            ),
            (r"password='it\'s' user=u", "password=<redacted> user=u"),
            (
                "host=h password=two words dbname=d",
                "host=h password=<redacted> dbname=d",
            ),
            ("host=h password=two wo=rds", "host=h password=<redacted>"),
            ("password='unterminated host=h", "password=<redacted>"),
            (
                "host=h sslpassword=k PASSWORD=p",
                "host=h sslpassword=<redacted> PASSWORD=<redacted>",
            ),
            (
                "postgres://h/db?password=a&b&sslmode=require",
                "postgres://h/db?password=<redacted>&sslmode=require",
            ),
            ("passfile=/x user=u", "passfile=/x user=u"),
            ("password=<redacted>' found", "password=<redacted>' found"),
        ] {
            assert_eq!(redact_conninfo(input), expect, "{input}");
        }
    }

    #[test]
    fn echoed_arguments_keep_the_words_around_them() {
        let args = vec![
            "dbrunbook".to_string(),
            "pool".to_string(),
            "host=h password=S3 cret".to_string(),
            "--format=postgres://u:S3@h".to_string(),
        ];
        let msg = "error: unexpected argument 'host=h password=S3 cret' found\n\
                   error: invalid value 'postgres://u:S3@h' for '--format'\n";
        let out = redact_echoed_args(msg, &args);
        assert_eq!(
            out,
            "error: unexpected argument 'host=h password=<redacted>' found\n\
             error: invalid value 'postgres://u:<redacted>@h' for '--format'\n"
        );
    }

    #[test]
    fn a_short_password_cannot_mangle_a_message() {
        let msg = "error connecting to server: Connection refused";
        assert_eq!(hide_password(msg, Some("e")), msg);
        assert_eq!(
            hide_password(msg, Some("Connection")),
            "error connecting to server: <redacted> refused"
        );
        assert_eq!(hide_password("xConnectionx", Some("Connection")), "xConnectionx");
    }
}
