//! Quoting, one function per dialect and context: SQL identifiers and string literals for
//! PostgreSQL and MySQL, a MySQL account for GRANT, a libpq `key='value'` value and a POSIX
//! shell word. Nothing else in the program quotes a value for SQL or a command line; deciding
//! whether a value may be pasted at all (runbook templates, checks) is not done here.

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
    /// `"name"`, inner double quotes doubled.
    pub fn ident(name: &str) -> String {
        super::doubled('"', name)
    }

    /// `'text'`, inner quotes doubled. With a backslash, `E'...'` and the backslash doubled:
    /// an E string reads the same whatever `standard_conforming_strings` says.
    pub fn literal(text: &str) -> String {
        if text.contains('\\') {
            format!("E{}", super::doubled('\'', &text.replace('\\', "\\\\")))
        } else {
            super::doubled('\'', text)
        }
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
    /// step would silently match nothing under one of them.
    pub fn literal(text: &str) -> String {
        if text.contains('\\') {
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

/// One POSIX shell word: `'text'`, an inner quote written `'\''`.
pub fn shell_word(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
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
    }
}
