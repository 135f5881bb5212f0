//! The guard on a text dump (pg_dump plain SQL, mysqldump) on its way to psql or the mariadb
//! client: it keeps every statement inside the scratch database. Statements about the dump's
//! own database (made with `pg_dump --create` or `mysqldump --databases`) and ownership and
//! privileges (as `pg_restore --no-owner --no-privileges`) are skipped; anything that would reach
//! another database, roles, or the shell stops the restore before it is sent. Line-based: both
//! dump tools write these statements on lines of their own, and COPY data is passed untouched.

/// What to do with one line.
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
    in_copy: bool,
    /// The database the dump switched to first (`\connect x`, `USE x`), skipped once.
    switched_to: Option<String>,
    line: u64,
    pub skipped: u64,
    /// The dump tool's closing line went by: the file was not cut short.
    pub complete: bool,
}

/// Statements about a whole database: skipped, the scratch database stands in for it.
const DATABASE_STATEMENTS: &[&str] = &[
    "CREATE DATABASE",
    "DROP DATABASE",
    "ALTER DATABASE",
    "COMMENT ON DATABASE",
    "SECURITY LABEL ON DATABASE",
];
/// Cluster- or server-wide statements no single-database dump needs: the restore stops.
const FOREIGN_STATEMENTS: &[&str] = &[
    "CREATE ROLE",
    "ALTER ROLE",
    "DROP ROLE",
    "CREATE USER",
    "ALTER USER",
    "DROP USER",
    "SET PASSWORD",
    "CREATE TABLESPACE",
    "DROP TABLESPACE",
];
/// pg_dump's own `\restrict KEY` / `\unrestrict KEY` (late-2025 minors): dropped, since psql runs
/// the whole restore under a key of ours (see [`Guard::preamble`]).
const PSQL_RESTRICT: &[&str] = &["\\restrict", "\\unrestrict"];

impl Guard {
    pub fn new(dialect: DumpSyntax) -> Guard {
        Guard {
            dialect,
            in_copy: false,
            switched_to: None,
            line: 0,
            skipped: 0,
            complete: false,
        }
    }

    /// What the tool sends before the dump. For psql, `\restrict KEY` with a key the dump cannot
    /// know: from then on psql refuses every meta-command, anywhere in a line (`\!`, `\c`,
    /// backticks in `\set`, `\copy ... program`) and the `ON_ERROR_STOP` run ends there. This,
    /// not the line-by-line guard, is what keeps a hostile plain dump from running commands on
    /// this machine or reconnecting elsewhere (psql 13.22, 14.19, 15.14, 16.10, 17.6 and later).
    pub fn preamble(&self) -> Vec<u8> {
        match self.dialect {
            DumpSyntax::Postgres => format!("\\restrict {}\n", super::scratch::random_hex(16)).into_bytes(),
            DumpSyntax::Mysql => Vec::new(),
        }
    }

    pub fn check(&mut self, raw: &[u8]) -> Verdict {
        self.line += 1;
        if self.in_copy {
            if raw
                .strip_suffix(b"\n")
                .unwrap_or(raw)
                .strip_suffix(b"\r")
                .unwrap_or(raw)
                == b"\\."
                || raw == b"\\.\n"
                || raw == b"\\."
            {
                self.in_copy = false;
            }
            return Verdict::Pass;
        }
        let text = String::from_utf8_lossy(raw);
        let mut line = text.trim();
        // pg_dump's and mysqldump's last comments (pg_dump may add `\unrestrict` after its own).
        if line.starts_with("-- PostgreSQL database dump complete") || line.starts_with("-- Dump completed") {
            self.complete = true;
        }
        // mysqldump wraps some statements in version comments: /*!40000 DROP DATABASE ... */;
        if let Some(rest) = line.strip_prefix("/*!") {
            line = rest.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start();
        }
        let upper = line.to_ascii_uppercase();
        let starts = |list: &[&str]| list.iter().any(|p| upper.starts_with(p));
        if starts(DATABASE_STATEMENTS) {
            return self.skip();
        }
        if starts(FOREIGN_STATEMENTS) {
            return self.stop(format!(
                "it changes the server's roles or tablespaces ({})",
                short(line)
            ));
        }
        match self.dialect {
            DumpSyntax::Postgres => self.postgres(line, &upper),
            DumpSyntax::Mysql => self.mysql(line, &upper),
        }
    }

    fn postgres(&mut self, line: &str, upper: &str) -> Verdict {
        if upper.starts_with("COPY ") && upper.ends_with("FROM STDIN;") {
            self.in_copy = true;
            return Verdict::Pass;
        }
        if upper.starts_with("\\CONNECT ") || upper.starts_with("\\C ") {
            let db = line.split_whitespace().nth(1).unwrap_or_default().to_string();
            return self.switch(db);
        }
        if PSQL_RESTRICT.iter().any(|m| upper.starts_with(&m.to_ascii_uppercase())) {
            return self.skip();
        }
        if line.starts_with('\\') {
            return self.stop(format!("it runs the psql command {}", short(line)));
        }
        // As pg_restore --no-owner --no-privileges: the scratch server need not have the roles.
        let ownership = upper.starts_with("ALTER ") && upper.contains(" OWNER TO ") && upper.ends_with(';');
        let privilege = (upper.starts_with("GRANT ") || upper.starts_with("REVOKE ")) && upper.ends_with(';');
        // A subscription would connect to the source's publisher and start copying from it.
        let subscription = upper.starts_with("CREATE SUBSCRIPTION") || upper.starts_with("ALTER SUBSCRIPTION");
        if ownership || privilege || upper.starts_with("SET SESSION AUTHORIZATION") || subscription {
            if subscription && !upper.ends_with(';') {
                return self.stop(format!("a subscription spread over several lines ({})", short(line)));
            }
            return self.skip();
        }
        Verdict::Pass
    }

    fn mysql(&mut self, line: &str, upper: &str) -> Verdict {
        if upper.starts_with("USE ") {
            let db = line[4..].trim().trim_end_matches(';').trim().to_string();
            return self.switch(db);
        }
        // The client's own commands: a shell, another file, another server.
        let client_command = ["SYSTEM ", "SOURCE ", "CONNECT ", "\\"]
            .iter()
            .any(|c| upper.starts_with(c));
        if client_command {
            return self.stop(format!("it runs the client command {}", short(line)));
        }
        if upper.starts_with("GRANT ") || upper.starts_with("REVOKE ") {
            return self.stop(format!("it changes privileges ({})", short(line)));
        }
        Verdict::Pass
    }

    fn switch(&mut self, db: String) -> Verdict {
        match &self.switched_to {
            None => {
                self.switched_to = Some(db);
                self.skip()
            }
            Some(first) if *first == db => self.skip(),
            Some(first) => self.stop(format!(
                "it switches from database {} to {}: a dump of several databases; restore-check restores one",
                short(first),
                short(&db)
            )),
        }
    }

    fn skip(&mut self) -> Verdict {
        self.skipped += 1;
        Verdict::Skip
    }

    fn stop(&self, why: String) -> Verdict {
        Verdict::Stop(format!("the dump was not restored past line {}: {why}", self.line))
    }
}

fn short(text: &str) -> String {
    crate::text::shorten(text, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dialect: DumpSyntax, dump: &str) -> (Vec<&'static str>, Option<String>) {
        let mut g = Guard::new(dialect);
        let mut out = Vec::new();
        for line in dump.split_inclusive('\n') {
            match g.check(line.as_bytes()) {
                Verdict::Pass => out.push("pass"),
                Verdict::Skip => out.push("skip"),
                Verdict::Stop(why) => return (out, Some(why)),
            }
        }
        (out, None)
    }

    #[test]
    fn pg_create_dump_is_restored_into_the_scratch_database() {
        let dump = "CREATE DATABASE app WITH TEMPLATE = template0;\nALTER DATABASE app OWNER TO app;\n\
                    \\connect app\n\\restrict abc\nCREATE TABLE public.t (a int);\nALTER TABLE public.t OWNER TO app;\n\
                    COPY public.t (a) FROM stdin;\nCREATE DATABASE in data\n\\.\nGRANT ALL ON TABLE public.t TO bob;\n";
        let (out, stop) = run(DumpSyntax::Postgres, dump);
        assert_eq!(stop, None);
        let mut g = Guard::new(DumpSyntax::Postgres);
        g.check(b"-- PostgreSQL database dump complete\n");
        assert!(g.complete);
        // The dump's own `\restrict abc` is dropped: psql runs under the tool's key.
        assert_eq!(
            out,
            [
                "skip", "skip", "skip", "skip", "pass", "skip", "pass", "pass", "pass", "skip"
            ]
        );
        assert!(String::from_utf8(g.preamble()).unwrap().starts_with("\\restrict "));
        assert!(Guard::new(DumpSyntax::Mysql).preamble().is_empty());
    }

    #[test]
    fn pg_second_database_roles_and_shell_stop_the_restore() {
        let (_, stop) = run(DumpSyntax::Postgres, "\\connect a\nSELECT 1;\n\\connect b\n");
        assert!(stop.unwrap().contains("line 3"));
        let (_, stop) = run(DumpSyntax::Postgres, "CREATE ROLE x;\n");
        assert!(stop.unwrap().contains("roles"));
        let (_, stop) = run(DumpSyntax::Postgres, "\\! rm -rf /\n");
        assert!(stop.unwrap().contains("psql command"));
    }

    #[test]
    fn mysqldump_databases_is_restored_into_the_scratch_database() {
        let dump = "/*!40000 DROP DATABASE IF EXISTS `app`*/;\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ `app`;\n\
                    USE `app`;\nINSERT INTO `t` VALUES (1);\n";
        let (out, stop) = run(DumpSyntax::Mysql, dump);
        assert_eq!(stop, None);
        assert_eq!(out, ["skip", "skip", "skip", "pass"]);
        let (_, stop) = run(DumpSyntax::Mysql, "USE `app`;\nUSE `mysql`;\n");
        assert!(stop.unwrap().contains("several databases"));
        let (_, stop) = run(DumpSyntax::Mysql, "system rm -rf /\n");
        assert!(stop.is_some());
    }
}
