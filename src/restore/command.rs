//! The restore program's command line for a backup and a scratch database: which program
//! (psql, pg_restore, the mariadb client), its arguments, and the password in its environment,
//! never on its command line.

use std::ffi::OsString;

use anyhow::{Result, bail};

use super::backup::Backup;
use super::tool;
use crate::dumpfile::DumpFormat;
use crate::target::{Engine, Target, TlsMode};

/// The restore program, its arguments and environment for this backup and scratch database.
pub struct Prepared {
    pub program: tool::Program,
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, String)>,
    /// pg_restore writing an archive out as SQL for psql.
    pub feeder: Option<tool::Feeder>,
}

pub fn command(backup: &Backup, scratch: &Target, dbname: &str) -> Result<Prepared> {
    match backup.engine {
        Engine::Mysql => mysql(scratch, dbname),
        Engine::Postgres => postgres(backup, scratch, dbname),
        Engine::Pgbouncer => bail!("a PgBouncer is not a server a backup can be restored into"),
    }
}

/// The mariadb client, fed the dump on stdin.
fn mysql(scratch: &Target, dbname: &str) -> Result<Prepared> {
    let host = &scratch.hosts[0];
    let mut env = Vec::new();
    let mut args: Vec<OsString> = Vec::new();
    if let Some(pw) = &scratch.password {
        env.push(("MYSQL_PWD", pw.clone()));
    }
    // --no-defaults first: no option file may add a database or a host of its own;
    // --binary-mode turns off the client's own commands (shell, source) in the dump.
    args.push("--no-defaults".into());
    if host.is_socket() {
        args.push(format!("--socket={}", host.host).into());
    } else {
        args.push(format!("--host={}", host.host).into());
        args.push(format!("--port={}", host.port).into());
    }
    args.push(format!("--user={}", scratch.user).into());
    args.push(format!("--database={dbname}").into());
    for a in ["--batch", "--binary-mode", "--max-allowed-packet=1073741824"] {
        args.push(a.into());
    }
    match scratch.tls {
        TlsMode::Disable => args.push("--skip-ssl".into()),
        TlsMode::Prefer => {}
        mode => {
            args.push("--ssl".into());
            if matches!(mode, TlsMode::VerifyCa | TlsMode::VerifyFull) {
                args.push("--ssl-verify-server-cert".into());
            }
            if let Some(ca) = &scratch.root_cert {
                args.push(format!("--ssl-ca={}", ca.display()).into());
            }
        }
    }
    let program = tool::mysql_program()?;
    Ok(Prepared {
        program,
        args,
        env,
        feeder: None,
    })
}

/// psql for a plain dump (on stdin), pg_restore for the archive formats.
fn postgres(backup: &Backup, scratch: &Target, dbname: &str) -> Result<Prepared> {
    let host = &scratch.hosts[0];
    let mut env = Vec::new();
    let mut args: Vec<OsString> = Vec::new();
    if let Some(pw) = &scratch.password {
        env.push(("PGPASSWORD", pw.clone()));
    }
    let mut conninfo = vec![
        kv("host", &host.host),
        kv("port", &host.port.to_string()),
        kv("user", &scratch.user),
        kv("dbname", dbname),
        kv("application_name", crate::engine::APPLICATION_NAME),
        kv("sslmode", tls_name(scratch.tls)),
    ];
    if let Some(addr) = host.addr {
        conninfo.push(kv("hostaddr", &addr.to_string()));
    }
    if let Some(ca) = &scratch.root_cert {
        conninfo.push(kv("sslrootcert", &ca.display().to_string()));
    }
    let conninfo = conninfo.join(" ");
    for a in ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"] {
        args.push(a.into());
    }
    args.push(conninfo.into());
    let program = tool::pg_program("psql", backup.dump_major)?;
    if backup.format == DumpFormat::PgPlain {
        return Ok(Prepared {
            program,
            args,
            env,
            feeder: None,
        });
    }
    // An archive is written out as SQL by pg_restore and restored by psql like a plain dump:
    // through the guard, in one transaction, behind the fence. The scratch server need not have
    // the source's roles or tablespaces, and a subscription would connect to the source's
    // publisher.
    let mut feed: Vec<OsString> = [
        "--no-owner",
        "--no-privileges",
        "--no-tablespaces",
        "--no-subscriptions",
        "--no-publications",
        "--file=-",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    if backup.format == DumpFormat::PgDirectory {
        feed.push(backup.path.as_os_str().to_owned());
    }
    let feeder = tool::Feeder {
        program: tool::pg_program("pg_restore", backup.dump_major)?,
        args: feed,
    };
    Ok(Prepared {
        program,
        args,
        env,
        feeder: Some(feeder),
    })
}

/// A libpq `key='value'` pair, the value quoted.
fn kv(key: &str, value: &str) -> String {
    format!("{key}={}", crate::quote::conninfo_value(value))
}

fn tls_name(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::Disable => "disable",
        TlsMode::Prefer => "prefer",
        TlsMode::Require => "require",
        TlsMode::VerifyCa => "verify-ca",
        TlsMode::VerifyFull => "verify-full",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_values_are_quoted() {
        assert_eq!(kv("dbname", "a b'c\\"), "dbname='a b\\'c\\\\'");
    }
}
