//! Quoting, one function per dialect and context: SQL identifiers and string literals for
//! PostgreSQL and MySQL, a MySQL account for GRANT, a libpq `key='value'` value and a POSIX
//! shell word. Nothing else in the program quotes a value for SQL or a command line; deciding
//! whether a value may be pasted at all (runbook templates, checks) is not done here.
//!
//! Values are quoted as the server holds them, never as a terminal shows them: a character the
//! terminal would replace (`text::is_unsafe`: control characters, line separators, bidi
//! controls) is written as an escape (`E'\u001B'`, `U&"\000A"`, `$'\x1b'`, MySQL's hex
//! string), so the command printed names the real object and still reads safely on screen.

use crate::target::Engine;

/// An identifier quoted for `engine` (PgBouncer's console takes PostgreSQL's quoting).
pub fn ident(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres | Engine::Pgbouncer => pg::ident(name),
        Engine::Mysql => mysql::ident(name),
    }
}

/// A string literal quoted for `engine`.
pub fn literal(engine: Engine, text: &str) -> String {
    match engine {
        Engine::Postgres | Engine::Pgbouncer => pg::literal(text),
        Engine::Mysql => mysql::literal(text),
    }
}

/// PostgreSQL's quoting.
pub mod pg {
    use crate::text::is_unsafe;

    /// `"name"`, inner double quotes doubled. A name holding a character a terminal would not
    /// show as it is: `U&"..."`, that character as `\XXXX`, a backslash doubled.
    pub fn ident(name: &str) -> String {
        if !name.chars().any(is_unsafe) {
            return super::doubled('"', name);
        }
        let mut escaped = String::with_capacity(name.len() + 8);
        for c in name.chars() {
            match c {
                '\\' => escaped.push_str("\\\\"),
                // Every unsafe character is in the Basic Multilingual Plane: four digits.
                c if is_unsafe(c) => escaped.push_str(&format!("\\{:04X}", u32::from(c))),
                c => escaped.push(c),
            }
        }
        format!("U&{}", super::doubled('"', &escaped))
    }

    /// `'text'`, inner quotes doubled. With a backslash or a character a terminal would not
    /// show as it is, `E'...'`: the backslash doubled, that character as `\uXXXX`; an E string
    /// reads the same whatever `standard_conforming_strings` says.
    pub fn literal(text: &str) -> String {
        if !text.contains('\\') && !text.chars().any(is_unsafe) {
            return super::doubled('\'', text);
        }
        let mut escaped = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            match c {
                '\\' => escaped.push_str("\\\\"),
                c if is_unsafe(c) => escaped.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => escaped.push(c),
            }
        }
        format!("E{}", super::doubled('\'', &escaped))
    }
}

/// MySQL's and MariaDB's quoting.
pub mod mysql {
    /// `` `name` ``, inner backticks doubled. A backslash means nothing between backticks, so
    /// this holds under every `sql_mode`.
    pub fn ident(name: &str) -> String {
        super::doubled('`', name)
    }

    /// `'text'`, inner quotes doubled, which every `sql_mode` reads alike. A text holding a
    /// backslash is written as a character string in hex instead (`_utf8mb4 X'...'`): a
    /// backslash escapes under the default `sql_mode` and is itself under
    /// `NO_BACKSLASH_ESCAPES`, so no quoted form of it reads alike under both, and a printed
    /// step would silently match nothing under one of them. So is a text holding a character a
    /// terminal would not show as it is.
    pub fn literal(text: &str) -> String {
        if text.contains('\\') || text.chars().any(crate::text::is_unsafe) {
            let hex: String = text.bytes().map(|b| format!("{b:02X}")).collect();
            format!("_utf8mb4 X'{hex}'")
        } else {
            super::doubled('\'', text)
        }
    }

    /// The account GRANT names, from `user@host` as `CURRENT_USER()` gives it (host `%` when
    /// there is none): `'user'@'host'`. A part holding a backslash is written between
    /// backticks instead, where a backslash is itself under every `sql_mode`.
    pub fn account(current_user: &str) -> String {
        let (user, host) = current_user.rsplit_once('@').unwrap_or((current_user, "%"));
        let part = |s: &str| {
            if s.contains('\\') {
                ident(s)
            } else {
                super::doubled('\'', s)
            }
        };
        format!("{}@{}", part(user), part(host))
    }
}

/// A libpq connection-string value, `'value'` with `\` and `'` escaped by a backslash, as libpq
/// reads `key='value'`.
pub fn conninfo_value(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// One POSIX shell word: `'text'`, an inner quote written `'\''`. A text holding a character a
/// terminal would not show as it is: `$'...'` (bash, zsh, ksh, POSIX.1-2024), each byte of
/// that character as `\xHH`, a backslash and a quote escaped by a backslash.
pub fn shell_word(text: &str) -> String {
    if !text.chars().any(crate::text::is_unsafe) {
        return format!("'{}'", text.replace('\'', "'\\''"));
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '\'' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c if crate::text::is_unsafe(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    escaped.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => escaped.push(c),
        }
    }
    format!("$'{escaped}'")
}

/// A database or user name as a pg_hba.conf field: as is when it is a plain word, in double
/// quotes when it holds anything else or would read as a keyword (`all`, `replication`...), a
/// group (`+name`), a file (`@file`) or a regular expression (`/re`, PostgreSQL 16+). `None` for
/// a name the file cannot hold: pg_hba.conf has no escape for a double quote or a line break.
pub fn hba_field(name: &str) -> Option<String> {
    const KEYWORDS: [&str; 7] = [
        "all",
        "sameuser",
        "samerole",
        "samegroup",
        "replication",
        "samehost",
        "samenet",
    ];
    if name.is_empty() || name.chars().any(|c| c == '"' || c.is_control()) {
        return None;
    }
    let plain = name.chars().all(|c| c.is_alphanumeric() || "_-.$".contains(c))
        && !KEYWORDS.contains(&name)
        && !name.starts_with(['+', '@', '/']);
    Some(if plain { name.to_string() } else { format!("\"{name}\"") })
}

/// `text` between two `quote` characters, each inner one doubled.
fn doubled(quote: char, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_hba_fields_are_quoted_where_the_file_would_read_them_otherwise() {
        assert_eq!(hba_field("app").as_deref(), Some("app"));
        assert_eq!(hba_field("app_2.x-y").as_deref(), Some("app_2.x-y"));
        for special in [
            "all",
            "replication",
            "+admins",
            "@users",
            "/^db",
            "web app",
            "a,b",
            "a#b",
        ] {
            assert_eq!(hba_field(special), Some(format!("\"{special}\"")), "{special}");
        }
        assert_eq!(hba_field("a\"b"), None);
        assert_eq!(hba_field("a\nb"), None);
        assert_eq!(hba_field(""), None);
    }

    #[test]
    fn identifiers_double_their_own_quote_only() {
        assert_eq!(pg::ident("a\"b`c"), "\"a\"\"b`c\"");
        assert_eq!(mysql::ident("a`b\"c"), "`a``b\"c`");
        assert_eq!(ident(Engine::Pgbouncer, "app db"), "\"app db\"");
        assert_eq!(ident(Engine::Mysql, "x"), "`x`");
    }

    #[test]
    fn literals_double_quotes_and_mind_backslashes() {
        assert_eq!(pg::literal("it's"), "'it''s'");
        assert_eq!(pg::literal("a\\'b"), "E'a\\\\''b'");
        assert_eq!(mysql::literal("it's"), "'it''s'");
        assert_eq!(mysql::literal("a\\'b"), "_utf8mb4 X'615C2762'");
        assert_eq!(literal(Engine::Postgres, "x"), "'x'");
        assert_eq!(pg::literal("a\tb\\"), "E'a\\u0009b\\\\'");
        assert_eq!(pg::ident("a\u{2028}\\\""), "U&\"a\\2028\\\\\"\"\"");
    }

    #[test]
    fn a_mysql_account_is_split_at_its_last_at() {
        assert_eq!(mysql::account("watcher@%"), "'watcher'@'%'");
        assert_eq!(mysql::account("o'brien@10.0.0.%"), "'o''brien'@'10.0.0.%'");
        assert_eq!(mysql::account("a@b@localhost"), "'a@b'@'localhost'");
        assert_eq!(mysql::account("solo"), "'solo'@'%'");
        assert_eq!(mysql::account("dom\\user@%"), "`dom\\user`@'%'");
    }

    #[test]
    fn command_line_values() {
        assert_eq!(conninfo_value("a b'c\\"), "'a b\\'c\\\\'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("a\u{202E}b\\'"), "$'a\\xe2\\x80\\xaeb\\\\\\''");
    }
}
