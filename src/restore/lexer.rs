//! Reads a text dump as its client reads it (psql, the mariadb client): statements, not lines.
//! Knows strings (`'...'`, `E'...'`, MySQL's backslash escapes), quoted identifiers, dollar
//! quotes with tags, nested block comments (PostgreSQL), MySQL's `/*!NNNNN ... */` version
//! comments (which run), line comments, psql's backslash commands anywhere in a line, the
//! mariadb client's `DELIMITER`, and psql's `COPY ... FROM stdin` data blocks. What a statement
//! may do is `guard`'s business; this file only cuts the stream where the client would.

use super::guard::DumpSyntax;

/// One unit of the dump as the client would act on it.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// A statement, with its terminator, as written (`raw`), and its code: comments dropped,
    /// whitespace collapsed, the rest as written (dollar-quoted bodies as `$$`).
    Statement { raw: Vec<u8>, code: String },
    /// A psql backslash command or a mariadb client command, from its start to the line end.
    Command { raw: Vec<u8>, text: String },
    /// A line of `COPY ... FROM stdin` data, its `\.` end included.
    CopyData(Vec<u8>),
    /// Something the client would read differently from this lexer: refused, with the reason.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Code,
    /// In `'...'`; `true` when backslash escapes (E'' strings, MySQL strings).
    Quote(u8, bool),
    Dollar(Vec<u8>),
    LineComment,
    BlockComment(u32),
    Copy,
}

pub struct Lexer {
    syntax: DumpSyntax,
    state: State,
    raw: Vec<u8>,
    code: Vec<u8>,
    depth: u32,
    delimiter: Vec<u8>,
    /// The last code character was whitespace (collapse runs) or the code is empty.
    space: bool,
    /// Inside MySQL's `/*!NNNNN ... */`: code that runs, ended by `*/`.
    versioned: bool,
}

impl Lexer {
    pub fn new(syntax: DumpSyntax) -> Lexer {
        Lexer {
            syntax,
            state: State::Code,
            raw: Vec::new(),
            code: Vec::new(),
            depth: 0,
            delimiter: b";".to_vec(),
            space: true,
            versioned: false,
        }
    }

    /// Bytes of the statement read so far, not yet complete.
    pub fn pending(&self) -> usize {
        self.raw.len()
    }

    /// A statement has begun and not ended (comments and blanks aside).
    pub fn mid_statement(&self) -> bool {
        !self.code.trim_ascii().is_empty()
    }

    /// At the end of the dump: `None` when it ended between statements; otherwise what was
    /// left open (a string, a comment, a COPY block, a statement without its end).
    pub fn unfinished(&self) -> Option<&'static str> {
        match &self.state {
            State::Quote(..) => Some("inside a quoted string"),
            State::Dollar(_) => Some("inside a dollar-quoted string"),
            State::BlockComment(_) => Some("inside a comment"),
            State::Code if self.versioned => Some("inside a comment"),
            State::Copy => Some("inside COPY data"),
            State::LineComment | State::Code if !self.code.trim_ascii().is_empty() => Some("inside a statement"),
            State::LineComment | State::Code => None,
        }
    }

    /// Reads one line (its `\n` included) and appends what it completes to `out`.
    pub fn feed_line(&mut self, line: &[u8], out: &mut Vec<Piece>) {
        if self.state == State::Copy {
            let bare = line.strip_suffix(b"\n").unwrap_or(line);
            let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
            if bare == b"\\." {
                self.state = State::Code;
            }
            out.push(Piece::CopyData(line.to_vec()));
            return;
        }
        if self.syntax == DumpSyntax::Mysql && self.state == State::Code && self.code.trim_ascii().is_empty() {
            // The client's own commands (`use`, `source`, `system`, `delimiter`...) are
            // recognised by their first word on a line of their own, with no delimiter.
            let text = String::from_utf8_lossy(line);
            let trimmed = text.trim();
            let word = trimmed
                .split([' ', '\t', ';'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if MYSQL_CLIENT_COMMANDS.contains(&word.as_str()) {
                if word == "delimiter" {
                    self.delimiter = trimmed[9..].trim().as_bytes().to_vec();
                }
                self.raw.clear();
                self.code.clear();
                out.push(Piece::Command {
                    raw: line.to_vec(),
                    text: trimmed.to_string(),
                });
                return;
            }
        }
        let mut i = 0;
        while i < line.len() {
            i = self.step(line, i, out);
        }
    }

    /// Reads from `line[i]`; returns where to go on.
    fn step(&mut self, line: &[u8], i: usize, out: &mut Vec<Piece>) -> usize {
        let b = line[i];
        let next = line.get(i + 1).copied();
        match self.state.clone() {
            State::LineComment => {
                self.raw.push(b);
                if b == b'\n' {
                    self.state = State::Code;
                    self.blank();
                }
                i + 1
            }
            State::BlockComment(depth) => {
                if b == b'*' && next == Some(b'/') {
                    self.raw.extend_from_slice(b"*/");
                    self.state = if depth > 1 {
                        State::BlockComment(depth - 1)
                    } else {
                        State::Code
                    };
                    if depth == 1 {
                        self.blank();
                    }
                    return i + 2;
                }
                if b == b'/' && next == Some(b'*') && self.syntax == DumpSyntax::Postgres {
                    self.raw.extend_from_slice(b"/*");
                    self.state = State::BlockComment(depth + 1);
                    return i + 2;
                }
                self.raw.push(b);
                i + 1
            }
            State::Quote(q, escapes) => {
                self.raw.push(b);
                self.code.push(b);
                if escapes && b == b'\\' {
                    if let Some(n) = next {
                        self.raw.push(n);
                        self.code.push(n);
                    }
                    return i + 2;
                }
                if b == q {
                    self.state = State::Code;
                }
                i + 1
            }
            State::Dollar(tag) => {
                if line[i..].starts_with(&tag) {
                    self.raw.extend_from_slice(&tag);
                    self.state = State::Code;
                    return i + tag.len();
                }
                self.raw.push(b);
                i + 1
            }
            State::Copy => unreachable!("COPY data is read by whole lines"),
            State::Code => self.code_byte(line, i, out),
        }
    }

    fn code_byte(&mut self, line: &[u8], i: usize, out: &mut Vec<Piece>) -> usize {
        let b = line[i];
        let next = line.get(i + 1).copied();
        let pg = self.syntax == DumpSyntax::Postgres;
        let versioned = self.versioned;
        if line[i..].starts_with(&self.delimiter) && (self.depth == 0 || !pg) {
            self.raw.extend_from_slice(&self.delimiter);
            let end = i + self.delimiter.len();
            return self.statement_ends(line, end, out);
        }
        if versioned && b == b'*' && next == Some(b'/') {
            self.raw.extend_from_slice(b"*/");
            self.versioned = false;
            self.blank();
            return i + 2;
        }
        if b == b'\\' && (pg || !versioned) {
            // psql runs a backslash command from here to the line end, wherever it starts.
            let rest = &line[i..];
            out.push(Piece::Command {
                raw: rest.to_vec(),
                text: String::from_utf8_lossy(rest).trim().to_string(),
            });
            return line.len();
        }
        let line_comment = (b == b'-' && next == Some(b'-') && (pg || line.get(i + 2).is_none_or(|c| *c <= b' ')))
            || (b == b'#' && !pg);
        if line_comment {
            self.raw.push(b);
            self.state = State::LineComment;
            return i + 1;
        }
        if b == b'/' && next == Some(b'*') {
            let rest = &line[i + 2..];
            if !pg && !versioned && (rest.starts_with(b"!") || rest.starts_with(b"M!")) {
                let skip = if rest.starts_with(b"!") { 3 } else { 4 };
                let digits = line[i + skip..].iter().take_while(|c| c.is_ascii_digit()).count();
                self.raw.extend_from_slice(&line[i..i + skip + digits]);
                self.versioned = true;
                self.blank();
                return i + skip + digits;
            }
            self.raw.extend_from_slice(b"/*");
            self.state = State::BlockComment(1);
            return i + 2;
        }
        let prev_ident = self.raw.last().is_some_and(|c| is_ident(*c));
        match b {
            b'\'' => {
                let escapes = !pg || self.e_prefix();
                self.open_quote(b, escapes);
            }
            b'"' => self.open_quote(b, !pg),
            b'`' if !pg => self.open_quote(b, false),
            b'$' if pg && !prev_ident => {
                if let Some(tag) = dollar_tag(&line[i..]) {
                    self.raw.extend_from_slice(&tag);
                    self.push_code(b"$$");
                    self.state = State::Dollar(tag.clone());
                    return i + tag.len();
                }
                self.raw.push(b);
                self.push_code(b"$");
            }
            b'(' | b')' => {
                self.depth = if b == b'(' {
                    self.depth + 1
                } else {
                    self.depth.saturating_sub(1)
                };
                self.raw.push(b);
                self.push_code(&[b]);
            }
            c if c.is_ascii_whitespace() => {
                self.raw.push(b);
                self.blank();
            }
            c => {
                self.raw.push(c);
                self.push_code(&[c]);
            }
        }
        i + 1
    }

    /// A quote just read opens an `E'...'` string: the code so far ends in a lone `E`.
    fn e_prefix(&self) -> bool {
        match self.code.as_slice() {
            [.., before, b'E' | b'e'] => !is_ident(*before) && !self.space,
            [b'E' | b'e'] => !self.space,
            _ => false,
        }
    }

    fn open_quote(&mut self, q: u8, escapes: bool) {
        self.raw.push(q);
        self.space = false;
        self.code.push(q);
        self.state = State::Quote(q, escapes);
    }

    fn push_code(&mut self, s: &[u8]) {
        self.code.extend_from_slice(s);
        self.space = false;
    }

    fn blank(&mut self) {
        if !self.space {
            self.code.push(b' ');
            self.space = true;
        }
    }

    /// The delimiter ended a statement at `end`: emit it; a COPY from stdin turns what follows
    /// its line into data.
    fn statement_ends(&mut self, line: &[u8], end: usize, out: &mut Vec<Piece>) -> usize {
        let code = String::from_utf8_lossy(std::mem::take(&mut self.code).trim_ascii()).into_owned();
        self.depth = 0;
        self.space = true;
        self.versioned = false;
        self.state = State::Code;
        if self.syntax == DumpSyntax::Postgres && is_copy_from_stdin(&code) {
            let rest = &line[end..];
            if !rest.iter().all(u8::is_ascii_whitespace) {
                // psql reads the data from the next line and the rest of this one after it.
                out.push(Piece::Unreadable(
                    "text after COPY ... FROM stdin on the same line".to_string(),
                ));
                return line.len();
            }
            self.raw.extend_from_slice(rest);
            let raw = std::mem::take(&mut self.raw);
            out.push(Piece::Statement { raw, code });
            self.state = State::Copy;
            return line.len();
        }
        let raw = std::mem::take(&mut self.raw);
        out.push(Piece::Statement { raw, code });
        end
    }
}

/// The mariadb/mysql client's long command names.
const MYSQL_CLIENT_COMMANDS: &[&str] = &[
    "?",
    "charset",
    "clear",
    "connect",
    "delimiter",
    "edit",
    "ego",
    "exit",
    "go",
    "help",
    "nopager",
    "notee",
    "nowarning",
    "pager",
    "print",
    "prompt",
    "quit",
    "rehash",
    "source",
    "status",
    "system",
    "tee",
    "use",
    "warnings",
];

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// `$tag$` or `$$` at the start of `text`.
fn dollar_tag(text: &[u8]) -> Option<Vec<u8>> {
    let body = &text[1..];
    let len = body.iter().take_while(|c| is_ident(**c) && **c != b'$').count();
    if len > 0 && body[0].is_ascii_digit() {
        return None;
    }
    (body.get(len) == Some(&b'$')).then(|| text[..len + 2].to_vec())
}

/// `COPY ... FROM STDIN` (psql then sends the lines that follow as data).
fn is_copy_from_stdin(code: &str) -> bool {
    let code = code.to_ascii_uppercase();
    code.starts_with("COPY ") && (code.contains(" FROM STDIN") || code.contains(" FROM PSTDIN"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(syntax: DumpSyntax, text: &str) -> Vec<Piece> {
        let mut lexer = Lexer::new(syntax);
        let mut out = Vec::new();
        for line in text.split_inclusive('\n') {
            lexer.feed_line(line.as_bytes(), &mut out);
        }
        out
    }

    fn codes(syntax: DumpSyntax, text: &str) -> Vec<String> {
        pieces(syntax, text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Statement { code, .. } => Some(code),
                Piece::Command { text, .. } => Some(format!("CMD {text}")),
                Piece::CopyData(_) => None,
                Piece::Unreadable(why) => Some(format!("BAD {why}")),
            })
            .collect()
    }

    #[test]
    fn two_statements_on_one_line_are_two() {
        assert_eq!(
            codes(DumpSyntax::Postgres, "SELECT 1; create database pwned_by_dump;\n"),
            ["SELECT 1", "create database pwned_by_dump"]
        );
    }

    #[test]
    fn quotes_comments_and_dollar_bodies_hide_their_semicolons() {
        let dump = "SELECT 'a;b''c', E'x\\';y', \"q;\"; /* c; /* nested; */ still; */ SELECT $f$ ; $g$ $f$;\n\
                    -- ALTER ROLE x;\nSELECT a$b, $1 FROM t; SELECT (1;2);\n";
        assert_eq!(
            codes(DumpSyntax::Postgres, dump),
            [
                "SELECT 'a;b''c', E'x\\';y', \"q;\"",
                "SELECT $$",
                "SELECT a$b, $1 FROM t",
                "SELECT (1;2)"
            ]
        );
    }

    #[test]
    fn a_backslash_command_mid_line_is_a_command() {
        assert_eq!(
            codes(DumpSyntax::Postgres, "SELECT 2; \\! touch x\nSELECT '\\';\n"),
            ["SELECT 2", "CMD \\! touch x", "SELECT '\\'"]
        );
    }

    #[test]
    fn copy_data_is_data_until_its_end() {
        let dump = "COPY t (a) FROM stdin;\nCREATE DATABASE x;\n\\.\nSELECT 1;\n";
        let got = pieces(DumpSyntax::Postgres, dump);
        assert!(matches!(&got[0], Piece::Statement { raw, .. } if raw == b"COPY t (a) FROM stdin;\n"));
        assert_eq!(got[1], Piece::CopyData(b"CREATE DATABASE x;\n".to_vec()));
        assert_eq!(got[2], Piece::CopyData(b"\\.\n".to_vec()));
        assert!(matches!(&got[3], Piece::Statement { code, .. } if code == "SELECT 1"));
        assert_eq!(
            codes(DumpSyntax::Postgres, "COPY t FROM stdin; SELECT 1;\n")[0],
            "BAD text after COPY ... FROM stdin on the same line"
        );
    }

    #[test]
    fn unfinished_states_are_named() {
        for (text, what) in [
            ("SELECT 'abc\n", Some("inside a quoted string")),
            ("SELECT $$ x\n", Some("inside a dollar-quoted string")),
            ("/* a /* b */\n", Some("inside a comment")),
            ("SELECT 1\n", Some("inside a statement")),
            ("SELECT 1; -- end\n", None),
        ] {
            let mut l = Lexer::new(DumpSyntax::Postgres);
            l.feed_line(text.as_bytes(), &mut Vec::new());
            assert_eq!(l.unfinished(), what, "{text}");
        }
    }

    #[test]
    fn mysql_versioned_comments_run_and_delimiters_change() {
        let dump = "/*!40000 DROP DATABASE IF EXISTS `a;b`*/; # SET GLOBAL x=1;\nINSERT INTO t VALUES ('it\\'s;');\n\
                    DELIMITER ;;\n/*!50003 CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1; */;;\n\
                    DELIMITER ;\nSELECT 1; -- x; \nSELECT 2;\n";
        assert_eq!(
            codes(DumpSyntax::Mysql, dump),
            [
                "DROP DATABASE IF EXISTS `a;b`",
                "INSERT INTO t VALUES ('it\\'s;')",
                "CMD DELIMITER ;;",
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;",
                "CMD DELIMITER ;",
                "SELECT 1",
                "SELECT 2"
            ]
        );
    }
}
