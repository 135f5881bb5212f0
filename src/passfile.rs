//! Passwords kept outside the URL, found as the database's own clients find them: libpq's
//! `.pgpass` (`PGPASSFILE`, else `~/.pgpass`) for PostgreSQL and PgBouncer, the MySQL client's
//! `~/.my.cnf` (`[client]`, then `[mysql]`) for MySQL/MariaDB. Used only when the target has no
//! password of its own (URL, `PGPASSWORD`). A `.pgpass` readable by group or others is refused
//! with libpq's warning, a world-writable `.my.cnf` ignored as the MySQL client does. Parsing
//! URLs lives in `target`; nothing here prints a password.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::target::{Engine, Target};

/// Fills `target.password` from the password file of its engine when it has none.
pub fn fill(target: &mut Target, env: &dyn Fn(&str) -> Option<String>) {
    if target.password.is_some() {
        return;
    }
    target.password = match target.engine {
        Engine::Postgres | Engine::Pgbouncer => pgpass_password(target, env),
        Engine::Mysql => mycnf_password(target, env),
    };
}

fn home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
}

/// A warning about a password file, said once per file and process (a fleet run resolves many
/// targets against the same file).
fn warn_once(path: &Path, message: &str) {
    static WARNED: OnceLock<Mutex<BTreeSet<PathBuf>>> = OnceLock::new();
    let mut warned = WARNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if warned.insert(path.to_path_buf()) {
        crate::log::say(message);
    }
}

/// Reads a password file if it is a regular file whose permission bits `refuse` finds no fault
/// with, else says why not (once) and returns nothing.
fn read_guarded(path: &Path, refuse: &dyn Fn(u32) -> Option<String>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        warn_once(
            path,
            &format!("WARNING: password file \"{}\" is not a plain file", path.display()),
        );
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Some(why) = refuse(meta.permissions().mode() & 0o777) {
            warn_once(path, &why);
            return None;
        }
    }
    // A password file is a few lines; a huge one is not worth reading in full.
    let text = std::fs::read(path).ok()?;
    (text.len() <= 1 << 20).then(|| String::from_utf8_lossy(&text).into_owned())
}

/// libpq's rules: the first line whose host, port, database and user fields match (`*` matches
/// anything; `\:` and `\\` escape), comments start with `#`, an empty password counts as none.
/// A Unix socket in the default directory matches the host name `localhost`. With `hostaddr`
/// the host *name* is matched (`HostPort::host`), never the address connected to, as in libpq.
fn pgpass_password(target: &Target, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = env("PGPASSFILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| home(env).map(|h| h.join(".pgpass")))?;
    let text = read_guarded(&path, &|mode| {
        (mode & 0o077 != 0).then(|| {
            format!(
                "WARNING: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                path.display()
            )
        })
    })?;
    let db = target.dbname.clone().unwrap_or_else(|| target.user.clone());
    let lookup = |hp: &crate::target::HostPort| {
        let host = if hp.is_socket() && matches!(hp.host.as_str(), "/var/run/postgresql" | "/run/postgresql" | "/tmp") {
            "localhost".to_string()
        } else {
            hp.host.clone()
        };
        let port = hp.port.to_string();
        let wanted = [host.as_str(), port.as_str(), db.as_str(), target.user.as_str()];
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(pgpass_fields)
            .find(|fields| {
                fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(have, want)| have == "*" || have == want)
            })
            .map(|fields| fields[4].clone())
            .filter(|pw| !pw.is_empty())
    };
    // libpq looks each host up on its own; one password serves the connection here, so a
    // multi-host URL uses the file only when every host gets the same one: never one host's
    // password sent to another.
    let found: Vec<Option<String>> = target.hosts.iter().map(lookup).collect();
    let first = found.first()?.clone();
    if found.iter().all(|pw| *pw == first) {
        first
    } else {
        crate::log::say(&format!(
            "{} gives the hosts of this URL different passwords (or not all one): not used; put the \
             password in the URL or PGPASSWORD",
            path.display()
        ));
        None
    }
}

/// The five fields of a `.pgpass` line, unescaped; a line with fewer is skipped, as libpq does.
/// The password is the rest of the line (a `:` in it needs no escape, though `\:` works).
fn pgpass_fields(line: &str) -> Option<Vec<String>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    (fields.len() == 5).then_some(fields)
}

/// The MySQL client's `~/.my.cnf`: `password` (and `user`) from `[client]`, then `[mysql]`
/// overriding it. The password is used only when the file names no user or the target's user:
/// a password for another account is never sent. `MYSQL_PWD` is not read: MySQL deprecated it
/// as insecure (other users can see a process's environment on some systems).
fn mycnf_password(target: &Target, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = home(env)?.join(".my.cnf");
    let text = read_guarded(&path, &|mode| {
        (mode & 0o002 != 0).then(|| format!("World-writable config file '{}' is ignored", path.display()))
    })?;
    if text.lines().any(|l| l.trim_start().starts_with("!include")) {
        crate::log::say(&format!(
            "{} has !include/!includedir lines, which dbrunbook does not follow: a password kept in \
             an included file is not used",
            path.display()
        ));
    }
    let (user, password) = mycnf_values(&text);
    let password = password?;
    match user {
        Some(u) if u != target.user => None,
        _ => Some(password),
    }
}

/// `(user, password)` from the `[client]` and `[mysql]` groups, the later line winning.
fn mycnf_values(text: &str) -> (Option<String>, Option<String>) {
    let (mut user, mut password) = (None, None);
    let mut in_group = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            // The groups the mysql and mariadb clients read (MariaDB's own among them).
            in_group = matches!(
                group.trim().to_ascii_lowercase().as_str(),
                "client" | "mysql" | "client-server" | "client-mariadb" | "mariadb-client"
            );
            continue;
        }
        if !in_group {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        // Option names treat `-` and `_` alike.
        let key = key.trim().replace('-', "_").to_ascii_lowercase();
        let value = unquote(value.trim());
        match key.as_str() {
            "password" => password = Some(value),
            "user" => user = Some(value),
            _ => {}
        }
    }
    (user, password)
}

/// A value in single or double quotes loses them, with `\` escapes inside double quotes; an
/// unquoted value ends at a ` #` comment.
fn unquote(value: &str) -> String {
    // A quoted value may be followed by a comment (`password = "p#w" # note`): the value ends
    // at its closing quote, found past the backslash escapes.
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in value.char_indices().skip(1) {
                match c {
                    '\\' if q == '"' && !escaped => escaped = true,
                    c if c == q && !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            end.map_or(value, |i| &value[..=i])
        }
        _ => value,
    };
    let quoted = |q: char| value.len() >= 2 && value.starts_with(q) && value.ends_with(q);
    if quoted('\'') {
        return value[1..value.len() - 1].to_string();
    }
    if quoted('"') {
        let mut out = String::new();
        let mut chars = value[1..value.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    value.split(" #").next().unwrap_or(value).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_unescape_and_keep_the_rest_as_password() {
        assert_eq!(
            pgpass_fields(r"db\:1:5432:*:u\\x:p:w").unwrap(),
            ["db:1", "5432", "*", r"u\x", "p:w"]
        );
        assert!(pgpass_fields("h:5432:db:u").is_none());
    }

    #[test]
    fn a_multi_host_url_never_sends_one_hosts_password_to_another() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        let lookup = |lines: &str, url: &str| {
            std::fs::write(&path, lines).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            let target = Target::resolve(Some(url), &|_| None).unwrap();
            let file = path.display().to_string();
            pgpass_password(&target, &|k| (k == "PGPASSFILE").then(|| file.clone()))
        };
        let two = "postgres://u@h1,h2/db";
        assert_eq!(lookup("h1:5432:db:u:pw1\nh2:5432:db:u:pw2\n", two), None);
        assert_eq!(lookup("h1:5432:db:u:pw1\n", two), None);
        assert_eq!(lookup("*:5432:db:u:same\n", two).as_deref(), Some("same"));
        assert_eq!(
            lookup("h1:5432:db:u:pw1\n", "postgres://u@h1/db").as_deref(),
            Some("pw1")
        );
    }

    #[test]
    fn mycnf_reads_client_then_mysql_groups() {
        let text = "[mysqld]\npassword=server\n[client]\nuser = app\npassword = \"a\\\"b\"\n[mysql]\npassword='c d'\n";
        assert_eq!(mycnf_values(text), (Some("app".into()), Some("c d".into())));
        assert_eq!(mycnf_values("[client]\npassword=x # note\n").1.as_deref(), Some("x"));
        assert_eq!(
            mycnf_values("[client]\npassword = \"p#w\" # note\n").1.as_deref(),
            Some("p#w")
        );
        assert_eq!(mycnf_values("[client]\npassword='a b' # c\n").1.as_deref(), Some("a b"));
        assert_eq!(mycnf_values("[client-mariadb]\npassword=m\n").1.as_deref(), Some("m"));
        assert_eq!(mycnf_values("[mysqldump]\npassword=d\n").1, None);
    }
}
