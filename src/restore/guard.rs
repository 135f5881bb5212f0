//! The guard on a text dump (pg_dump plain SQL, mysqldump) on its way to psql or the mariadb
//! client: it judges every statement as the client will send it (cut by `lexer`, so two
//! statements on one line are two), keeping the restore inside the scratch database.
//! Statements about the dump's own database (made with `pg_dump --create` or `mysqldump
//! --databases`) and ownership and privileges (as `pg_restore --no-owner --no-privileges`) are
//! skipped; anything that would reach another database, roles, server settings or the shell
//! stops the restore before it is sent, and is named in the report.
//!
//! This is the second line. The first, for PostgreSQL, holds by construction: the whole dump
//! runs in one transaction (its own BEGIN/COMMIT are dropped), where CREATE DATABASE, DROP
//! DATABASE and ALTER SYSTEM cannot run at all, and the last statement before COMMIT (the
//! fence) compares the role's attributes, settings and memberships and its databases with what
//! they were before the restore (`sql/pg_fence.sql`), failing the transaction on any
//! difference, so even a change made by dynamic SQL inside a function is rolled back.

use super::lexer::{Lexer, Piece};

/// What to do with one statement.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Skip,
    Stop(String),
}

/// Whose SQL the text dump is written in (not a runbook's `Dialect`: no versions here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpSyntax {
    Postgres,
    Mysql,
}

pub struct Guard {
    dialect: DumpSyntax,
    lexer: Lexer,
    /// Only settings and the dump's own database statements so far: where `pg_dump --create`
    /// and `mysqldump --databases` name the database, and nowhere else.
    header: bool,
    /// The dump's own database (`CREATE DATABASE x`, `\connect x`, `USE x`): the scratch
    /// database stands in for it; every other database is refused.
    own: Option<String>,
    line: u64,
    /// The fence's snapshot (`sql/pg_fence.sql`, read before the restore).
    fence: Option<String>,
    pub skipped: u64,
    /// The dump tool's closing line went by: the file was not cut short.
    pub complete: bool,
}

/// pg_dump's own `\restrict KEY` / `\unrestrict KEY` (late-2025 minors): dropped, since psql runs
/// the whole restore under a key of ours (see [`Guard::preamble`]).
const PSQL_RESTRICT: &[&str] = &["\\restrict", "\\unrestrict"];
/// Client encodings in which a byte of `'` or `\` may be half of a character: psql would cut the
/// dump elsewhere than this guard's lexer.
const UNSAFE_ENCODINGS: &[&str] = &["SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB"];

impl Guard {
    /// A guard for `dialect`; `fence` is the PostgreSQL fence snapshot read before the restore.
    pub fn new(dialect: DumpSyntax, fence: Option<String>) -> Guard {
        Guard {
            dialect,
            lexer: Lexer::new(dialect),
            header: true,
            own: None,
            line: 0,
            fence,
            skipped: 0,
            complete: false,
        }
    }

    /// What the tool reads before the dump. For psql, `\restrict KEY` with a key the dump cannot
    /// know (psql then refuses every backslash command, psql 13.22, 14.19, 15.14, 16.10, 17.6
    /// and later), and BEGIN: the dump runs in one transaction.
    pub fn preamble(&self) -> Vec<u8> {
        match self.dialect {
            DumpSyntax::Postgres => format!("\\restrict {}\nBEGIN;\n", super::scratch::random_hex(16)).into_bytes(),
            DumpSyntax::Mysql => Vec::new(),
        }
    }

    /// What the tool reads after the dump: for PostgreSQL the fence, then COMMIT. Nothing when
    /// the dump ended inside a string, comment, COPY or statement: the transaction is then never
    /// committed, and the cut is reported.
    pub fn epilogue(&self) -> Vec<u8> {
        if self.lexer.unfinished().is_some() {
            return Vec::new();
        }
        match (self.dialect, &self.fence) {
            (DumpSyntax::Postgres, Some(before)) => {
                let tag = format!("$fence_{}$", super::scratch::random_hex(8));
                let query = include_str!("sql/pg_fence.sql")
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n");
                format!(
                    "DO {tag}\nDECLARE seen text := ({query});\nBEGIN\n  IF seen IS NULL OR NOT pg_catalog.texteq(seen, \
                     {before}) THEN\n    RAISE EXCEPTION USING MESSAGE = pg_catalog.concat('{FENCE_MARK}', seen);\n  END \
                     IF;\nEND\n{tag};\nCOMMIT;\n",
                    before = crate::quote::pg::literal(before)
                )
                .into_bytes()
            }
            (DumpSyntax::Postgres, None) => b"COMMIT;\n".to_vec(),
            (DumpSyntax::Mysql, _) => Vec::new(),
        }
    }

    /// Why the dump stopped in the middle of something, at its end.
    pub fn unfinished(&self) -> Option<&'static str> {
        self.lexer.unfinished()
    }

    /// Bytes of a statement read but not yet complete.
    pub fn pending(&self) -> usize {
        self.lexer.pending()
    }

    /// Reads one line: what may go to the tool is appended to `out`; the reason, if the
    /// restore must stop here.
    pub fn read_line(&mut self, raw: &[u8], out: &mut Vec<u8>) -> Option<String> {
        self.line += 1;
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        // pg_dump's and mysqldump's last comments (pg_dump may add `\unrestrict` after its own).
        if line.starts_with("-- PostgreSQL database dump complete") || line.starts_with("-- Dump completed") {
            self.complete = true;
        }
        let mut pieces = Vec::new();
        self.lexer.feed_line(raw, &mut pieces);
        for piece in pieces {
            let (verdict, bytes) = match piece {
                Piece::CopyData(bytes) => (Verdict::Pass, bytes),
                Piece::Unreadable(why) => (self.stop(why), Vec::new()),
                Piece::Command { raw, text } => (self.command(&text), raw),
                Piece::Statement { raw, code } => (self.statement(&code), raw),
            };
            match verdict {
                Verdict::Pass => out.extend_from_slice(&bytes),
                Verdict::Skip => self.skipped += 1,
                Verdict::Stop(why) => return Some(why),
            }
        }
        None
    }

    fn command(&mut self, text: &str) -> Verdict {
        let mut words = text.split_whitespace();
        let first = words.next().unwrap_or_default();
        match self.dialect {
            DumpSyntax::Postgres if first == "\\connect" || first == "\\c" => {
                if self.lexer.mid_statement() {
                    return self.stop(format!("it runs the psql command {} inside a statement", short(text)));
                }
                let db = unquote(words.next().unwrap_or_default(), DumpSyntax::Postgres, false);
                self.database("connect to", db)
            }
            DumpSyntax::Postgres if PSQL_RESTRICT.contains(&first) => Verdict::Skip,
            DumpSyntax::Mysql if first.eq_ignore_ascii_case("delimiter") => Verdict::Pass,
            DumpSyntax::Mysql if first.eq_ignore_ascii_case("use") => {
                let rest = text[3..].trim().trim_end_matches(';').trim();
                self.database("switch to", first_name(rest, DumpSyntax::Mysql))
            }
            DumpSyntax::Postgres | DumpSyntax::Mysql => {
                self.stop(format!("it runs the client command {}", short(text)))
            }
        }
    }

    fn statement(&mut self, code: &str) -> Verdict {
        if code.is_empty() {
            return Verdict::Pass;
        }
        let verdict = match self.dialect {
            DumpSyntax::Postgres => self.postgres(code),
            DumpSyntax::Mysql => self.mysql(code),
        };
        let upper = code.to_ascii_uppercase();
        let setting = upper.starts_with("SET ") || upper.starts_with("SELECT PG_CATALOG.SET_CONFIG(");
        if verdict == Verdict::Pass && !setting {
            self.header = false;
        }
        verdict
    }

    /// `written` is the statement's code as written; keywords are matched upper-cased.
    fn postgres(&mut self, written: &str) -> Verdict {
        let lower = written.to_ascii_lowercase();
        if let Some((verb, name)) = database_statement(written, DumpSyntax::Postgres) {
            return self.database(verb, name);
        }
        let upper = written.to_ascii_uppercase();
        let code = upper.as_str();
        if ["BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT"]
            .iter()
            .any(|w| word_prefix(code, w))
            && !code.starts_with("ROLLBACK TO")
            && !code.starts_with("COMMIT PREPARED")
            && !code.starts_with("ROLLBACK PREPARED")
        {
            // The restore is one transaction of the tool's: the dump may not end it early.
            return Verdict::Skip;
        }
        const REFUSED: &[(&str, &str)] = &[
            ("CREATE ROLE", "create a role"),
            ("ALTER ROLE", "change a role"),
            ("DROP ROLE", "drop a role"),
            ("CREATE GROUP", "create a role"),
            ("ALTER GROUP", "change a role"),
            ("DROP GROUP", "drop a role"),
            ("ALTER SYSTEM", "change the server's configuration"),
            ("CREATE TABLESPACE", "create a tablespace"),
            ("ALTER TABLESPACE", "change a tablespace"),
            ("DROP TABLESPACE", "drop a tablespace"),
            ("REASSIGN OWNED", "hand objects to another role"),
            ("DROP OWNED", "drop a role's objects and privileges"),
            ("LOAD", "load a server library"),
            ("SET ROLE", "switch roles"),
            ("SET SESSION ROLE", "switch roles"),
            ("SET LOCAL ROLE", "switch roles"),
            ("RESET ROLE", "switch roles"),
            ("RESET SESSION AUTHORIZATION", "switch roles"),
            ("RESET ALL", "reset the session's settings"),
            ("PREPARE TRANSACTION", "end the restore's transaction"),
            ("COMMIT PREPARED", "commit a prepared transaction"),
            ("ROLLBACK PREPARED", "roll back a prepared transaction"),
            ("COMMENT ON ROLE", "comment on a role"),
            ("COMMENT ON TABLESPACE", "comment on a tablespace"),
        ];
        let users = ["CREATE USER", "ALTER USER", "DROP USER"]
            .iter()
            .any(|w| word_prefix(code, w) && !code[w.len()..].trim_start().starts_with("MAPPING"));
        if users {
            return self.refuse("change a role", written);
        }
        if let Some((_, what)) = REFUSED.iter().find(|(w, _)| word_prefix(code, w)) {
            return self.refuse(what, written);
        }
        let set_config = lower.contains("set_config(");
        for (name, what) in [
            ("role", "switch roles"),
            ("session_authorization", "switch roles"),
            ("standard_conforming_strings", "change how strings are read"),
            ("client_encoding", "change the client encoding"),
        ] {
            if set_config && lower.contains(&format!("'{name}'")) {
                return self.refuse(what, written);
            }
        }
        if lower.contains("standard_conforming_strings") {
            // psql and this guard read a backslash in '...' alike only while this is on.
            let on = [
                "SET STANDARD_CONFORMING_STRINGS = ON",
                "SET STANDARD_CONFORMING_STRINGS TO ON",
                "SET STANDARD_CONFORMING_STRINGS = 'ON'",
            ];
            if !on.contains(&code) {
                return self.refuse("change how strings are read", written);
            }
        }
        if word_prefix(code, "SET CLIENT_ENCODING") || word_prefix(code, "SET NAMES") {
            let value = code.rsplit([' ', '=']).next().unwrap_or_default().trim_matches('\'');
            if UNSAFE_ENCODINGS.contains(&value.to_ascii_uppercase().as_str()) {
                return self.refuse("use a client encoding this guard cannot read", written);
            }
        }
        if code.starts_with("COPY ") && (code.contains(" BINARY") || lower.contains("format binary")) {
            return self.refuse("send binary COPY data", written);
        }
        // As pg_restore --no-owner --no-privileges: the scratch server need not have the roles.
        let ownership = code.starts_with("ALTER ") && code.contains(" OWNER TO ");
        let privilege = word_prefix(code, "GRANT") || word_prefix(code, "REVOKE");
        if privilege && !code.contains(" ON ") {
            return self.refuse("change role memberships", written);
        }
        // A subscription would connect to the source's publisher and start copying from it.
        let subscription = word_prefix(code, "CREATE SUBSCRIPTION") || word_prefix(code, "ALTER SUBSCRIPTION");
        if ownership || privilege || word_prefix(code, "SET SESSION AUTHORIZATION") || subscription {
            return Verdict::Skip;
        }
        Verdict::Pass
    }

    fn mysql(&mut self, written: &str) -> Verdict {
        if let Some((verb, name)) = database_statement(written, DumpSyntax::Mysql) {
            return self.database(verb, name);
        }
        let upper = written.to_ascii_uppercase();
        let code = upper.as_str();
        const REFUSED: &[(&str, &str)] = &[
            ("GRANT", "change privileges"),
            ("REVOKE", "change privileges"),
            ("CREATE USER", "create an account"),
            ("ALTER USER", "change an account"),
            ("DROP USER", "drop an account"),
            ("RENAME USER", "rename an account"),
            ("CREATE ROLE", "create a role"),
            ("DROP ROLE", "drop a role"),
            ("SET ROLE", "switch roles"),
            ("SET DEFAULT ROLE", "change default roles"),
            ("SET PASSWORD", "change a password"),
            ("LOAD DATA", "read a file into the server"),
            ("LOAD XML", "read a file into the server"),
            ("INSTALL", "install a plugin"),
            ("UNINSTALL", "remove a plugin"),
            ("SHUTDOWN", "stop the server"),
            ("KILL", "end another session"),
            ("FLUSH", "flush the server's caches or logs"),
            ("PURGE", "purge the server's logs"),
            ("RESET", "reset the server's logs or replication"),
            ("CHANGE MASTER", "change replication"),
            ("CHANGE REPLICATION", "change replication"),
            ("START SLAVE", "start replication"),
            ("STOP SLAVE", "stop replication"),
            ("START REPLICA", "start replication"),
            ("STOP REPLICA", "stop replication"),
        ];
        if let Some((_, what)) = REFUSED.iter().find(|(w, _)| word_prefix(code, w)) {
            return self.refuse(what, written);
        }
        if code.starts_with("SET ")
            && (code.contains("GLOBAL ") || code.contains("@@GLOBAL.") || code.contains("PERSIST"))
        {
            return self.refuse("change the server's settings (SET GLOBAL)", written);
        }
        if code.contains("INTO OUTFILE") || code.contains("INTO DUMPFILE") {
            return self.refuse("write a file on the server (INTO OUTFILE)", written);
        }
        if code.contains("NO_BACKSLASH_ESCAPES") || code.contains("ANSI_QUOTES") {
            // The client and this guard would read quotes differently from the server.
            return self.refuse("change how quotes are read (sql_mode)", written);
        }
        Verdict::Pass
    }

    /// A statement about database `name`: skipped when it is the dump's own (named in its
    /// header), refused otherwise.
    fn database(&mut self, verb: &str, name: String) -> Verdict {
        let same = |a: &str, b: &str| match self.dialect {
            DumpSyntax::Postgres => a == b,
            DumpSyntax::Mysql => a.eq_ignore_ascii_case(b),
        };
        match &self.own {
            None if self.header => {
                self.own = Some(name);
                Verdict::Skip
            }
            Some(own) if same(own, &name) => Verdict::Skip,
            None => self.stop(format!(
                "it tries to {verb} database {} after its own statements: another database than the scratch one",
                short(&name)
            )),
            Some(own) => self.stop(format!(
                "it tries to {verb} database {}, not its own ({}): another database than the scratch one",
                short(&name),
                short(own)
            )),
        }
    }

    fn refuse(&self, what: &str, code: &str) -> Verdict {
        self.stop(format!("it tries to {what} ({})", short(code)))
    }

    fn stop(&self, why: String) -> Verdict {
        Verdict::Stop(format!("line {}: {why}", self.line))
    }
}

/// Where the fence's complaint starts in psql's error output.
pub const FENCE_MARK: &str = "dbrunbook fence: ";

/// `code` starts with the words `words`, as whole words.
fn word_prefix(code: &str, words: &str) -> bool {
    code.starts_with(words)
        && code[words.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
}

/// A statement about a database: what it does and the database's name (from `written`, the
/// code as written; upper-casing ASCII keeps every offset).
fn database_statement(written: &str, dialect: DumpSyntax) -> Option<(&'static str, String)> {
    let upper = written.to_ascii_uppercase();
    let code = upper.as_str();
    const FORMS: &[(&str, &str)] = &[
        ("CREATE DATABASE", "create"),
        ("CREATE SCHEMA", "create"),
        ("DROP DATABASE", "drop"),
        ("DROP SCHEMA", "drop"),
        ("ALTER DATABASE", "change"),
        ("ALTER SCHEMA", "change"),
        ("COMMENT ON DATABASE", "comment on"),
    ];
    for (form, verb) in FORMS {
        // A PostgreSQL schema is inside the database: only MySQL's SCHEMA means a database.
        let mysql_only = form.contains("SCHEMA");
        if (mysql_only && dialect == DumpSyntax::Postgres) || !word_prefix(code, form) {
            continue;
        }
        let mut at = form.len();
        for filler in ["IF NOT EXISTS", "IF EXISTS"] {
            let rest = code[at..].trim_start();
            if word_prefix(rest, filler) {
                at = code.len() - rest.len() + filler.len();
            }
        }
        return Some((verb, first_name(written[at..].trim_start(), dialect)));
    }
    // GRANT ... ON DATABASE x, SECURITY LABEL ... ON DATABASE x (PostgreSQL).
    if dialect == DumpSyntax::Postgres
        && (word_prefix(code, "GRANT") || word_prefix(code, "REVOKE") || word_prefix(code, "SECURITY LABEL"))
        && let Some(at) = code.find(" ON DATABASE ")
    {
        return Some(("change privileges on", first_name(&written[at + 13..], dialect)));
    }
    None
}

/// The name at the start of `text`: quoted as written, unquoted folded as the server folds it
/// (PostgreSQL to lower case; MySQL keeps it).
fn first_name(text: &str, dialect: DumpSyntax) -> String {
    let quote = match dialect {
        DumpSyntax::Postgres => '"',
        DumpSyntax::Mysql => '`',
    };
    if let Some(body) = text.strip_prefix(quote) {
        let mut name = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == quote {
                if chars.peek() == Some(&quote) {
                    chars.next();
                } else {
                    break;
                }
            }
            name.push(c);
        }
        return name;
    }
    let word: String = text
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ';' && *c != '(')
        .collect();
    unquote(&word, dialect, true)
}

/// A database name as a client command writes it: psql's `\connect "x"` or bare (kept as
/// written), or folded like an unquoted SQL name when `folded`.
fn unquote(word: &str, dialect: DumpSyntax, folded: bool) -> String {
    let q = match dialect {
        DumpSyntax::Postgres => '"',
        DumpSyntax::Mysql => '`',
    };
    if word.len() >= 2 && word.starts_with(q) && word.ends_with(q) {
        return word[1..word.len() - 1].replace(&format!("{q}{q}"), &q.to_string());
    }
    match (folded, dialect) {
        (true, DumpSyntax::Postgres) => word.to_ascii_lowercase(),
        (true, DumpSyntax::Mysql) | (false, _) => word.to_string(),
    }
}

fn short(text: &str) -> String {
    crate::text::shorten(&crate::text::sanitize(text, true), 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dialect: DumpSyntax, dump: &str) -> (String, Option<String>, u64) {
        let mut g = Guard::new(dialect, None);
        let mut out = Vec::new();
        for line in dump.split_inclusive('\n') {
            if let Some(why) = g.read_line(line.as_bytes(), &mut out) {
                return (String::from_utf8(out).unwrap(), Some(why), g.skipped);
            }
        }
        (String::from_utf8(out).unwrap(), None, g.skipped)
    }

    #[test]
    fn pg_create_dump_is_restored_into_the_scratch_database() {
        let dump = "SET x = 1;\nCREATE DATABASE app WITH TEMPLATE = template0;\nALTER DATABASE app OWNER TO app;\n\
                    \\connect app\n\\restrict abc\nCREATE TABLE public.t (a int);\nALTER TABLE public.t OWNER TO app;\n\
                    COPY public.t (a) FROM stdin;\nCREATE DATABASE in data\n\\.\nGRANT ALL ON TABLE public.t TO bob;\n\
                    ALTER DATABASE app SET work_mem = '1MB';\nBEGIN;\nSELECT 1;\nCOMMIT;\n";
        let (out, stop, skipped) = run(DumpSyntax::Postgres, dump);
        assert_eq!(stop, None);
        assert_eq!(
            out,
            "SET x = 1;\nCREATE TABLE public.t (a int);\nCOPY public.t (a) FROM stdin;\nCREATE DATABASE in data\n\\.\n\
             \nSELECT 1;"
        );
        assert_eq!(skipped, 9);
        let mut g = Guard::new(DumpSyntax::Postgres, None);
        g.read_line(b"-- PostgreSQL database dump complete\n", &mut Vec::new());
        assert!(g.complete);
        let preamble = String::from_utf8(g.preamble()).unwrap();
        assert!(
            preamble.starts_with("\\restrict ") && preamble.ends_with("\nBEGIN;\n"),
            "{preamble}"
        );
        assert!(Guard::new(DumpSyntax::Mysql, None).preamble().is_empty());
    }

    #[test]
    fn statements_mid_line_are_judged_one_by_one() {
        let (out, stop, _) = run(
            DumpSyntax::Postgres,
            "CREATE TABLE t (a int);\nSELECT 1; CREATE DATABASE pwned_by_dump;\n",
        );
        assert_eq!(out, "CREATE TABLE t (a int);\nSELECT 1;");
        assert!(stop.unwrap().contains("create database pwned_by_dump"));
        let (_, stop, _) = run(
            DumpSyntax::Postgres,
            "SELECT 2; ALTER ROLE CURRENT_USER SET search_path = evil;\n",
        );
        assert!(stop.unwrap().contains("change a role (ALTER ROLE CURRENT_USER"));
        for hostile in [
            "SELECT 1; RESET ROLE;",
            "SELECT 1; set role postgres;",
            "SELECT pg_catalog.set_config('role', 'none', false);",
            "SELECT 1; ALTER SYSTEM SET fsync = off;",
            "SELECT 1; GRANT pg_write_server_files TO CURRENT_USER;",
            "SELECT 1; SET standard_conforming_strings = off;",
            "SELECT 1; PREPARE TRANSACTION 'x';",
            "COPY t FROM stdin WITH (FORMAT binary);",
        ] {
            let (_, stop, _) = run(DumpSyntax::Postgres, &format!("{hostile}\n"));
            assert!(stop.is_some(), "{hostile}");
        }
    }

    #[test]
    fn pg_second_database_roles_and_shell_stop_the_restore() {
        let (_, stop, _) = run(DumpSyntax::Postgres, "\\connect a\nSELECT 1;\n\\connect b\n");
        assert!(stop.unwrap().starts_with("line 3: it tries to connect to database b"));
        let (_, stop, _) = run(DumpSyntax::Postgres, "CREATE ROLE x;\n");
        assert!(stop.unwrap().contains("create a role"));
        let (_, stop, _) = run(DumpSyntax::Postgres, "SELECT 1; \\! rm -rf /\n");
        assert!(stop.unwrap().contains("client command \\! rm -rf /"));
        let (out, stop, _) = run(DumpSyntax::Postgres, "CREATE USER MAPPING FOR CURRENT_USER SERVER s;\n");
        assert!(stop.is_none() && out.starts_with("CREATE USER MAPPING"));
    }

    #[test]
    fn an_unfinished_dump_gets_no_commit() {
        let mut g = Guard::new(DumpSyntax::Postgres, Some("role x".into()));
        g.read_line(b"SELECT 'abc\n", &mut Vec::new());
        assert!(g.epilogue().is_empty());
        let mut g = Guard::new(DumpSyntax::Postgres, Some("role x".into()));
        g.read_line(b"SELECT 1;\n", &mut Vec::new());
        let end = String::from_utf8(g.epilogue()).unwrap();
        assert!(
            end.contains("pg_catalog.texteq(seen, 'role x')") && end.ends_with("COMMIT;\n"),
            "{end}"
        );
    }

    #[test]
    fn mysqldump_databases_is_restored_into_the_scratch_database() {
        let dump = "/*!40101 SET NAMES utf8mb4 */;\n/*!40000 DROP DATABASE IF EXISTS `app`*/;\n\
                    CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app`;\nUSE `app`;\nINSERT INTO `t` VALUES (1);\n";
        let (out, stop, skipped) = run(DumpSyntax::Mysql, dump);
        assert_eq!(stop, None);
        // The line end before a skipped statement goes with it.
        assert_eq!(out, "/*!40101 SET NAMES utf8mb4 */;INSERT INTO `t` VALUES (1);");
        let (out, _, _) = run(DumpSyntax::Mysql, "SELECT 1;\nSELECT 2;\n");
        assert_eq!(out, "SELECT 1;\nSELECT 2;");
        assert_eq!(skipped, 3);
        let (_, stop, _) = run(DumpSyntax::Mysql, "USE `app`;\nUSE `mysql`;\n");
        assert!(stop.unwrap().contains("switch to database mysql"));
        for hostile in [
            "system rm -rf /",
            "\\! rm -rf /",
            "SELECT 1; CREATE DATABASE dbrunbook_restore_other;",
            "SELECT 1; GRANT ALL ON *.* TO x;",
            "SELECT 1; /*!40101 SET GLOBAL max_connections = 1 */;",
            "SELECT 1 INTO OUTFILE '/tmp/x';",
            "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t;",
        ] {
            let (_, stop, _) = run(DumpSyntax::Mysql, &format!("{hostile}\n"));
            assert!(stop.is_some(), "{hostile}");
        }
    }
}
