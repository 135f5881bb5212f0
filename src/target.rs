//! Connection targets: parsing `postgres://`, `mysql://` URLs and libpq `key=value` strings,
//! falling back to `DATABASE_URL` and libpq's `PG*` variables as psql does, and printing a target
//! with its password redacted. No network I/O here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::redact::starts_with_keyword;
use crate::text::{percent_decode, percent_encode};

/// What kind of server the target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    #[serde(alias = "mariadb")]
    Mysql,
    /// PgBouncer's admin console (the `pgbouncer` database of a PgBouncer).
    Pgbouncer,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Pgbouncer => "pgbouncer",
        }
    }

    /// The scheme of the target's URL (a PgBouncer is reached with a PostgreSQL URL).
    pub fn url_scheme(self) -> &'static str {
        match self {
            Engine::Postgres | Engine::Pgbouncer => "postgres",
            Engine::Mysql => "mysql",
        }
    }

    /// The port a host without one gets: libpq's for everything reached through libpq's rules.
    pub fn default_port(self) -> u16 {
        match self {
            Engine::Postgres | Engine::Pgbouncer => 5432,
            Engine::Mysql => 3306,
        }
    }

    /// Whether the target follows libpq's rules: `PG*` variables, several hosts, `hostaddr`,
    /// socket directories, the database named after the user, `sslmode` always in the URL.
    pub fn libpq(self) -> bool {
        match self {
            Engine::Postgres | Engine::Pgbouncer => true,
            Engine::Mysql => false,
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// TLS policy, in libpq's words; MySQL's `ssl-mode` values map onto the same five.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Result<TlsMode> {
        Ok(match value.to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" | "allow" => TlsMode::Disable,
            "prefer" | "preferred" => TlsMode::Prefer,
            "require" | "required" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" | "verify-identity" => TlsMode::VerifyFull,
            _ => bail!(
                "invalid sslmode {}: use disable, prefer, require, verify-ca or verify-full \
                 (MySQL: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)",
                // A value that is not one word may be more than a mode (`require password=...`).
                if value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    format!("'{value}'")
                } else {
                    "(not shown: it is not one word)".to_string()
                }
            ),
        })
    }

    fn libpq_name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// One host to try: a TCP host name or address, or a Unix socket directory (starts with `/`).
/// With libpq's `hostaddr`, `addr` is where the connection goes, without a name lookup, and
/// `host` stays the name: TLS verification and `.pgpass` are matched against it, as in libpq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub host: String,
    pub addr: Option<IpAddr>,
    pub port: u16,
}

impl HostPort {
    pub fn is_socket(&self) -> bool {
        self.addr.is_none() && self.host.starts_with('/')
    }
}

/// A fully resolved connection target.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub engine: Engine,
    pub hosts: Vec<HostPort>,
    pub user: String,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub tls: TlsMode,
    pub root_cert: Option<PathBuf>,
    /// libpq's `target_session_attrs`: which of several hosts will do.
    pub session_attrs: SessionAttrs,
    /// The connection string's own `connect_timeout` (libpq's, in seconds), which takes the
    /// place of `--connect-timeout` for this target; still held under `--timeout`.
    pub connect_timeout: Option<Duration>,
}

/// libpq's `target_session_attrs`, judged by whether the server is a hot standby (the tool's
/// own sessions are read-only whatever the server, so `read-write` means "a primary").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionAttrs {
    #[default]
    Any,
    Primary,
    Standby,
}

impl SessionAttrs {
    fn parse(text: &str) -> Result<SessionAttrs> {
        Ok(match text {
            "any" | "prefer-standby" => SessionAttrs::Any,
            "read-write" | "primary" => SessionAttrs::Primary,
            "read-only" | "standby" => SessionAttrs::Standby,
            other => bail!(
                "invalid target_session_attrs '{other}': use any, read-write, read-only, primary, standby or prefer-standby"
            ),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SessionAttrs::Any => "any",
            SessionAttrs::Primary => "primary",
            SessionAttrs::Standby => "standby",
        }
    }

    /// Whether a server that is (`Some(true)`) or is not a standby will do; a server too old to
    /// say (`None`, before 14) is taken for a primary.
    pub fn accepts(self, standby: Option<bool>) -> bool {
        match self {
            SessionAttrs::Any => true,
            SessionAttrs::Primary => standby != Some(true),
            SessionAttrs::Standby => standby == Some(true),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted_url())
    }
}

const URL_HELP: &str = "expected postgres://user:<password>@host:5432/dbname, \
mysql://user:<password>@host:3306/dbname, or libpq key=value pairs such as 'host=db1 dbname=app'";

impl Target {
    /// Resolves the target as psql would: `--url`, else `DATABASE_URL`, else `PG*` variables;
    /// `PG*` variables also fill what a PostgreSQL URL leaves out. `env` reads one variable.
    pub fn resolve(url: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
        let from_env = env("DATABASE_URL").filter(|s| !s.trim().is_empty());
        let (source, params) = match url.or(from_env.as_deref()) {
            Some(text) => {
                let source = if url.is_some() { "--url" } else { "DATABASE_URL" };
                let params = parse_conninfo(text.trim())
                    .map_err(|e| anyhow::anyhow!("invalid connection string in {source}: {e}; {URL_HELP}"))?;
                (source, params)
            }
            None => ("PG* environment", Params::postgres()),
        };
        build_target(params, env).map_err(|e| anyhow::anyhow!("invalid target from {source}: {e}"))
    }

    /// The target as a URL with the password replaced by `<redacted>`.
    pub fn redacted_url(&self) -> String {
        let mut url = format!("{}://{}", self.engine.url_scheme(), percent_encode(&self.user));
        if self.password.is_some() {
            url.push_str(":<redacted>");
        }
        url.push('@');
        let mut query = Vec::new();
        let tcp: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| !h.is_socket())
            .map(|h| {
                let host = if h.host.contains(':') {
                    format!("[{}]", h.host)
                } else {
                    h.host.clone()
                };
                format!("{host}:{}", h.port)
            })
            .collect();
        url.push_str(&tcp.join(","));
        let addrs: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| !h.is_socket())
            .map(|h| h.addr.map(|a| a.to_string()).unwrap_or_default())
            .collect();
        if addrs.iter().any(|a| !a.is_empty()) {
            query.push(format!("hostaddr={}", addrs.join(",")));
        }
        for h in self.hosts.iter().filter(|h| h.is_socket()) {
            query.push(format!("host={}", h.host));
            query.push(format!("port={}", h.port));
        }
        url.push('/');
        if let Some(db) = &self.dbname {
            url.push_str(&percent_encode(db));
        }
        if self.engine.libpq() || self.tls != TlsMode::Prefer {
            query.push(format!("sslmode={}", self.tls.libpq_name()));
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }
}

/// Connection parameters by libpq keyword, before defaults are applied.
#[derive(Debug, Default)]
struct Params {
    mysql: bool,
    values: BTreeMap<String, String>,
}

impl Params {
    fn postgres() -> Params {
        Params::default()
    }
}

fn parse_conninfo(text: &str) -> Result<Params> {
    let lower = text.to_ascii_lowercase();
    for (scheme, mysql) in [
        ("postgresql://", false),
        ("postgres://", false),
        ("mysql://", true),
        ("mariadb://", true),
    ] {
        if lower.starts_with(scheme) {
            return parse_url(&text[scheme.len()..], mysql);
        }
    }
    // `postgres:/u:pw@h`, `postgres:u:pw@h`: a URL with a wrong separator, not a key=value
    // string whose first "keyword" would be echoed, password and all.
    for scheme in ["postgresql:", "postgres:", "mysql:", "mariadb:"] {
        if lower.starts_with(scheme) {
            bail!("a URL must start with {scheme}// (two slashes after the colon): check the scheme separator");
        }
    }
    // Only a scheme-shaped prefix makes a URL: a key=value string may hold '://' in a value
    // (a password, sslrootcert=file://...), and quoting what precedes it would quote that value.
    if let Some((scheme, _)) = text.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        bail!("unsupported scheme '{scheme}://'");
    }
    if text.contains('=') {
        return parse_keywords(text);
    }
    bail!("not a URL or key=value string")
}

fn parse_url(rest: &str, mysql: bool) -> Result<Params> {
    let mut params = Params {
        mysql,
        ..Params::default()
    };
    // The userinfo runs to the last '@', as the redaction reads it: a password with an unencoded
    // '/', '?' or '@' stays the password, and no error below can quote a piece of it as a port
    // or a query parameter. (An '@' after the host must be written %40.)
    let (userinfo, after) = match rest.rsplit_once('@') {
        Some((u, a)) => (Some(u), a),
        None => (None, rest),
    };
    let (main, query) = after.split_once('?').unwrap_or((after, ""));
    let (hostlist, path) = main.split_once('/').unwrap_or((main, ""));
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            params.set(
                "user",
                percent_decode(user).map_err(|e| anyhow::anyhow!("user name: {e}"))?,
            );
        }
        if let Some(p) = password {
            params.set(
                "password",
                percent_decode(p)
                    .map_err(|_| anyhow::anyhow!("the password is not valid percent-encoding (encode '%' as %25)"))?,
            );
        }
    }
    if !hostlist.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for item in hostlist.split(',') {
            let (host, port) = split_host_port(item)?;
            hosts.push(percent_decode(host).map_err(|e| anyhow::anyhow!("host: {e}"))?);
            ports.push(port.unwrap_or_default());
        }
        params.set("host", hosts.join(","));
        if ports.iter().any(|p| !p.is_empty()) {
            params.set("port", ports.join(","));
        }
    }
    if !path.is_empty() {
        params.set(
            "dbname",
            percent_decode(path).map_err(|e| anyhow::anyhow!("database name: {e}"))?,
        );
    }
    let mut pairs = query.split('&').filter(|p| !p.is_empty()).peekable();
    while let Some(pair) = pairs.next() {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("query parameter '{}' has no value", pair))?;
        let key = percent_decode(k).map_err(|e| anyhow::anyhow!("query parameter: {e}"))?;
        if is_secret_key(&key) {
            // What follows up to the next `&keyword=` may be the rest of the password.
            if pairs.peek().is_some_and(|next| !starts_with_keyword(next)) {
                bail!(
                    "the {key} query parameter contains '&' or is followed by an unknown parameter: write '&' in it as %26"
                );
            }
            let value = percent_decode(v).map_err(|_| {
                anyhow::anyhow!("the {key} query parameter is not valid percent-encoding (encode '%' as %25)")
            })?;
            params.set(&key, value);
            continue;
        }
        let value = percent_decode(v).map_err(|e| anyhow::anyhow!("query parameter {key}: {e}"))?;
        params.set(&key, value);
    }
    Ok(params)
}

fn is_secret_key(key: &str) -> bool {
    matches!(key, "password" | "pass" | "sslpassword")
}

fn split_host_port(item: &str) -> Result<(&str, Option<String>)> {
    if let Some(rest) = item.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| anyhow::anyhow!("unclosed '[' in IPv6 host"))?;
        let port = after.strip_prefix(':').map(str::to_string);
        return Ok((host, port));
    }
    Ok(match item.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.to_string())),
        None => (item, None),
    })
}

fn parse_keywords(text: &str) -> Result<Params> {
    let mut params = Params::default();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            bail!("keyword '{key}' is not followed by '='");
        }
        let mut blank = false;
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
            blank = true;
        }
        let rest: String = chars.clone().collect();
        if blank && starts_with_keyword(&rest) {
            // `host= password=pw`: libpq would take `password=pw` for the host name.
            bail!(
                "'{key}=' has no value: give one ({key}=value, or {key}='' for an empty one) or leave the keyword out"
            );
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => bail!("unterminated quoted value for '{key}'"),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        if is_secret_key(&key) {
            // The redaction hides a password up to the next `keyword=`; anything else there may
            // be its second word, so it is refused without being quoted.
            let rest: String = chars.clone().collect();
            let ends_well = rest.trim().is_empty()
                || (rest.starts_with(char::is_whitespace) && starts_with_keyword(rest.trim_start()));
            if !ends_well {
                // Worded without `{key}=`: the redaction would take the rest of the line for it.
                bail!(
                    "cannot tell where the value of the {key} keyword ends: put it in single quotes ('two words', \
                     with \\' for a quote inside) and follow it with a space and another keyword=value, or nothing"
                );
            }
        }
        params.set(&key, value);
    }
    Ok(params)
}

impl Params {
    fn set(&mut self, key: &str, value: String) {
        let key = match key {
            "ssl-mode" | "ssl_mode" => "sslmode",
            "ssl-ca" | "ssl_ca" => "sslrootcert",
            "database" => "dbname",
            "pass" => "password",
            k => k,
        };
        self.values.insert(key.to_string(), value);
    }
}

fn build_target(mut params: Params, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
    let engine = engine_of(&mut params, env)?;
    let v = &params.values;
    if let Some(key) = v.keys().find(|k| !KNOWN_PARAMS.contains(&k.as_str())) {
        // A "keyword" that is not a word is a piece of something else (a URL): not echoed.
        if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            bail!("unknown connection parameter '{key}'");
        }
        bail!("an unknown connection parameter (not shown: it is not a keyword; is this a malformed URL?)");
    }
    if let Some(password) = v.get("password") {
        crate::redact::remember(password);
    }
    let hosts = host_list(engine, v)?;
    let user = v
        .get("user")
        .cloned()
        .or_else(|| env("USER"))
        .unwrap_or_else(|| "postgres".into());
    let dbname = v
        .get("dbname")
        .cloned()
        .filter(|d| !d.is_empty())
        .or_else(|| engine.libpq().then(|| user.clone()));
    let tls = match v.get("sslmode") {
        Some(mode) => TlsMode::parse(mode)?,
        None => TlsMode::Prefer,
    };
    Ok(Target {
        engine,
        hosts,
        user,
        password: v.get("password").cloned(),
        dbname,
        tls,
        root_cert: v.get("sslrootcert").map(PathBuf::from),
        session_attrs: v
            .get("target_session_attrs")
            .map(|t| SessionAttrs::parse(t))
            .transpose()?
            .unwrap_or_default(),
        connect_timeout: v
            .get("connect_timeout")
            .map(|t| parse_connect_timeout(t))
            .transpose()?
            .flatten(),
    })
}

/// Every connection parameter a target takes, by its libpq keyword.
const KNOWN_PARAMS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "connect_timeout",
    "application_name",
    "socket",
    "prefer_socket",
    "target_session_attrs",
];

/// The engine the parameters name. A PostgreSQL target first takes what the connection string
/// left out from libpq's environment, as psql does; its `pgbouncer` database is PgBouncer's
/// admin console.
fn engine_of(params: &mut Params, env: &dyn Fn(&str) -> Option<String>) -> Result<Engine> {
    if params.mysql {
        return Ok(Engine::Mysql);
    }
    for (key, var) in [
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
    ] {
        if !params.values.contains_key(key)
            && let Some(v) = env(var).filter(|v| !v.is_empty())
        {
            check_env_value(var, &v)?;
            params.values.insert(key.into(), v);
        }
    }
    Ok(
        if params.values.get("dbname").map(String::as_str) == Some("pgbouncer") {
            Engine::Pgbouncer
        } else {
            Engine::Postgres
        },
    )
}

/// A libpq environment variable's value that cannot be what it names is refused by the
/// variable's name, never echoed: the environment may hold anything (a whole connection
/// string, a password pasted into the wrong variable).
fn check_env_value(var: &str, value: &str) -> Result<()> {
    let accepted = match var {
        "PGSSLMODE" if TlsMode::parse(value).is_err() => {
            "an sslmode: disable, allow, prefer, require, verify-ca or verify-full"
        }
        "PGPORT"
            if !value
                .split(',')
                .all(|p| p.is_empty() || p.parse::<u16>().is_ok_and(|n| n > 0)) =>
        {
            "a port number from 1 to 65535, or one per host separated by commas"
        }
        "PGHOST" if !value.starts_with('/') && value.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            "host names or addresses separated by commas (no spaces), or a socket directory"
        }
        _ if value.chars().any(char::is_control) && var != "PGPASSWORD" => "a value without control characters",
        _ => return Ok(()),
    };
    bail!("{var} is not valid (its value is not shown): set it to {accepted}, or unset it")
}

/// The hosts to try, in order: `host` (or `socket`), `hostaddr` and `port` paired up item by
/// item, a single port serving every host.
fn host_list(engine: Engine, v: &BTreeMap<String, String>) -> Result<Vec<HostPort>> {
    // The MySQL client has no hostaddr; taken for the host, it would have TLS verify the
    // address instead of the name.
    if !engine.libpq() && v.contains_key("hostaddr") {
        bail!("hostaddr is a PostgreSQL parameter: a MySQL target takes the address as its host");
    }
    // `socket` names the whole connection: host and hostaddr give way to it.
    let hostaddr = v.get("hostaddr").filter(|_| !v.contains_key("socket"));
    let addr_items: Vec<&str> = hostaddr.map_or_else(Vec::new, |t| t.split(',').collect());
    let host_text = v.get("socket").or(v.get("host"));
    let host_names: Vec<&str> = host_text.map_or_else(Vec::new, |t| t.split(',').collect());
    if !addr_items.is_empty() && !host_names.is_empty() && host_names.len() != addr_items.len() {
        bail!(
            "{} host names given for {} hostaddr values: host and hostaddr list one entry per server, in the same order",
            host_names.len(),
            addr_items.len()
        );
    }
    let count = addr_items.len().max(host_names.len()).max(1);
    let port_text = v.get("port").cloned().unwrap_or_default();
    let port_items: Vec<&str> = port_text.split(',').collect();
    if port_items.len() > 1 && port_items.len() != count {
        bail!("{} ports given for {count} hosts", port_items.len());
    }
    let mut hosts = Vec::new();
    for i in 0..count {
        let port_item = port_items.get(i).or(port_items.first()).copied().unwrap_or("");
        let addr_item = addr_items.get(i).copied().unwrap_or("");
        let name = host_names.get(i).copied().unwrap_or("");
        hosts.push(host_port(engine, name, addr_item, port_item, host_names.is_empty())?);
    }
    if !engine.libpq() && hosts.len() > 1 {
        bail!("MySQL targets take one host, not {}", hosts.len());
    }
    Ok(hosts)
}

/// One host from its items of the `host`, `hostaddr` and `port` lists (each possibly empty);
/// `no_names` when `host` was not given at all.
fn host_port(engine: Engine, name: &str, addr_item: &str, port_item: &str, no_names: bool) -> Result<HostPort> {
    let port = if port_item.is_empty() {
        engine.default_port()
    } else {
        port_item
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| anyhow::anyhow!("invalid port '{port_item}': use a number from 1 to 65535"))?
    };
    let addr = match addr_item {
        "" => None,
        item => Some(item.parse::<IpAddr>().map_err(|_| {
            anyhow::anyhow!("invalid hostaddr '{item}': use a numeric IPv4 or IPv6 address and put a name in host")
        })?),
    };
    let (host, addr) = match (name, addr) {
        // Only an address: libpq matches `.pgpass` against it, and looking an address up
        // is parsing it (no DNS), so it serves as the name.
        ("", Some(a)) => (a.to_string(), None),
        ("", None) if no_names => (default_host(engine, engine.default_port()), None),
        ("", None) => ("localhost".to_string(), None),
        (name, addr) => (name.to_string(), addr),
    };
    Ok(HostPort { host, addr, port })
}

/// libpq's `connect_timeout`: whole seconds, at least 2 (libpq raises 1 to 2); 0 means "wait
/// forever" to libpq, which a tool that must not hang a cron job reads as "not given".
fn parse_connect_timeout(text: &str) -> Result<Option<Duration>> {
    let secs: i64 = text.trim().parse().map_err(|_| {
        anyhow::anyhow!("invalid connect_timeout '{text}': use whole seconds, as libpq does (connect_timeout=10)")
    })?;
    Ok((secs > 0).then(|| Duration::from_secs(secs.max(2) as u64)))
}

/// libpq's default: the Unix socket directory when the socket exists, else localhost.
fn default_host(engine: Engine, port: u16) -> String {
    if engine.libpq() {
        for dir in ["/var/run/postgresql", "/tmp"] {
            if Path::new(dir).join(format!(".s.PGSQL.{port}")).exists() {
                return dir.to_string();
            }
        }
    }
    "localhost".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn resolve(url: &str) -> Target {
        Target::resolve(Some(url), &no_env).unwrap()
    }

    #[test]
    fn postgres_url_with_everything() {
        let t = resolve("postgresql://app:s%3Acret@db1.internal:6432/orders?sslmode=verify-full");
        assert_eq!(t.engine, Engine::Postgres);
        assert_eq!(
            t.hosts,
            vec![HostPort {
                host: "db1.internal".into(),
                addr: None,
                port: 6432
            }]
        );
        assert_eq!(t.user, "app");
        assert_eq!(t.password.as_deref(), Some("s:cret"));
        assert_eq!(t.dbname.as_deref(), Some("orders"));
        assert_eq!(t.tls, TlsMode::VerifyFull);
        let shown = t.redacted_url();
        assert!(!shown.contains("s:cret") && !shown.contains("s%3Acret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn multiple_hosts_and_ipv6() {
        let t = resolve("postgres://u@[::1]:5433,db2/x");
        assert_eq!(
            t.hosts[0],
            HostPort {
                host: "::1".into(),
                addr: None,
                port: 5433
            }
        );
        assert_eq!(
            t.hosts[1],
            HostPort {
                host: "db2".into(),
                addr: None,
                port: 5432
            }
        );
    }

    #[test]
    fn keyword_strings_with_quotes() {
        let t = resolve("host=127.0.0.1 port=5433 user=bob password='p w' dbname = 'my db'");
        assert_eq!(t.hosts[0].port, 5433);
        assert_eq!(t.dbname.as_deref(), Some("my db"));
        let t = resolve(r"host=h password='a\'b c'");
        assert_eq!(t.password.as_deref(), Some("a'b c"));
    }

    #[test]
    fn pg_environment_fills_gaps_and_url_wins() {
        let env = |k: &str| match k {
            "PGHOST" => Some("envhost".to_string()),
            "PGUSER" => Some("envuser".to_string()),
            "PGPASSWORD" => Some("envpw".to_string()),
            "PGSSLMODE" => Some("require".to_string()),
            _ => None,
        };
        let t = Target::resolve(None, &env).unwrap();
        assert_eq!(t.hosts[0].host, "envhost");
        assert_eq!(t.user, "envuser");
        assert_eq!(t.dbname.as_deref(), Some("envuser"));
        assert_eq!(t.tls, TlsMode::Require);
        let t = Target::resolve(Some("postgres://urluser@urlhost/db"), &env).unwrap();
        assert_eq!(t.hosts[0].host, "urlhost");
        assert_eq!(t.user, "urluser");
        assert_eq!(t.password.as_deref(), Some("envpw"));
    }

    #[test]
    fn connect_timeout_is_whole_seconds_at_least_two_and_zero_is_not_forever() {
        let t = resolve("postgres://u@h/db?connect_timeout=10");
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(
            resolve("host=h connect_timeout=1").connect_timeout,
            Some(Duration::from_secs(2))
        );
        assert_eq!(resolve("host=h connect_timeout=0").connect_timeout, None);
        assert_eq!(resolve("host=h").connect_timeout, None);
        let e = Target::resolve(Some("host=h connect_timeout=5s"), &|_| None).unwrap_err();
        assert!(format!("{e:#}").contains("whole seconds"), "{e:#}");
    }

    #[test]
    fn database_url_is_the_fallback() {
        let env = |k: &str| (k == "DATABASE_URL").then(|| "mysql://root@127.0.0.1/test".to_string());
        let t = Target::resolve(None, &env).unwrap();
        assert_eq!(t.engine, Engine::Mysql);
        assert_eq!(t.hosts[0].port, 3306);
    }

    #[test]
    fn mysql_urls() {
        let t = resolve("mariadb://root:pw@10.0.0.5/test?ssl-mode=VERIFY_IDENTITY");
        assert_eq!(t.engine, Engine::Mysql);
        assert_eq!(t.tls, TlsMode::VerifyFull);
        assert!(
            t.redacted_url()
                .starts_with("mysql://root:<redacted>@10.0.0.5:3306/test")
        );
    }

    #[test]
    fn pgbouncer_admin_database_is_its_own_engine() {
        assert_eq!(resolve("postgres://u@h:6432/pgbouncer").engine, Engine::Pgbouncer);
    }

    #[test]
    fn the_password_runs_to_the_last_at() {
        let t = resolve("postgres://u:pa/ss?w@rd@db1:6432/app?sslmode=require");
        assert_eq!(t.password.as_deref(), Some("pa/ss?w@rd"));
        assert_eq!(
            t.hosts[0],
            HostPort {
                host: "db1".into(),
                addr: None,
                port: 6432
            }
        );
        assert_eq!(t.dbname.as_deref(), Some("app"));
        assert_eq!(t.tls, TlsMode::Require);
    }

    #[test]
    fn a_keyword_password_must_end_where_the_redaction_ends_it() {
        for bad in [
            "host=h password=alpha beta dbname=d",
            "host=h password='alpha'beta dbname=d",
            "host=h password=pw hots=h",
            "postgres://h/db?password=a&b&sslmode=require",
        ] {
            let err = format!("{:#}", Target::resolve(Some(bad), &no_env).unwrap_err());
            assert!(err.contains("password"), "{bad}: {err}");
            for piece in ["alpha", "beta", "hots", "&b"] {
                assert!(!err.contains(piece), "{bad}: {err}");
            }
        }
        assert_eq!(resolve("password=pw host=h").password.as_deref(), Some("pw"));
        assert_eq!(resolve("host=h password = 'a b'").password.as_deref(), Some("a b"));
        assert_eq!(
            resolve("postgres://h/db?password=a%26b&sslmode=require")
                .password
                .as_deref(),
            Some("a&b")
        );
    }

    #[test]
    fn bad_input_is_explained_without_the_password() {
        for (bad, expect) in [
            ("postgres://u:hunter2@h:99999/db", "invalid port"),
            ("http://u:hunter2@h/db", "unsupported scheme"),
            ("postgres://u:hunter2@h/db?sslmode=bogus", "invalid sslmode"),
            ("postgres://u:hunter2@h/db?frobnicate=1", "unknown connection parameter"),
            ("just words", "not a URL"),
        ] {
            let err = format!("{:#}", Target::resolve(Some(bad), &no_env).unwrap_err());
            assert!(err.contains(expect), "{bad}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    fn addr(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn hostaddr_is_where_to_connect_and_host_stays_the_name() {
        for url in [
            "host=db.example.com hostaddr=10.0.0.5 port=6432 dbname=app",
            "postgres://db.example.com:6432/app?hostaddr=10.0.0.5",
        ] {
            let t = resolve(url);
            assert_eq!(
                t.hosts,
                vec![HostPort {
                    host: "db.example.com".into(),
                    addr: addr("10.0.0.5"),
                    port: 6432
                }],
                "{url}"
            );
            assert!(!t.hosts[0].is_socket());
            let shown = t.redacted_url();
            assert!(
                shown.contains("@db.example.com:6432/app?hostaddr=10.0.0.5&"),
                "{url}: {shown}"
            );
        }
    }

    #[test]
    fn host_and_hostaddr_lists_pair_up_in_order() {
        let t = resolve("host=db1,db2,db3 hostaddr=10.0.0.1,,::1 port=5433,5434,5435");
        let got: Vec<_> = t.hosts.iter().map(|h| (h.host.as_str(), h.addr, h.port)).collect();
        assert_eq!(
            got,
            vec![
                ("db1", addr("10.0.0.1"), 5433),
                ("db2", None, 5434),
                ("db3", addr("::1"), 5435)
            ]
        );
        assert!(
            t.redacted_url().contains("hostaddr=10.0.0.1,,::1"),
            "{}",
            t.redacted_url()
        );
        let t = resolve("postgres://u@db1:5433,db2/x?hostaddr=10.0.0.1,10.0.0.2");
        assert_eq!(t.hosts[1].host, "db2");
        assert_eq!(t.hosts[1].addr, addr("10.0.0.2"));
        assert_eq!(t.hosts[1].port, 5432);
    }

    #[test]
    fn hostaddr_alone_serves_as_the_name_too() {
        let t = resolve("hostaddr=10.0.0.1,10.0.0.2 port=5433");
        let got: Vec<_> = t.hosts.iter().map(|h| (h.host.as_str(), h.addr, h.port)).collect();
        assert_eq!(got, vec![("10.0.0.1", None, 5433), ("10.0.0.2", None, 5433)]);
    }

    #[test]
    fn host_and_hostaddr_lists_of_different_lengths_are_refused_with_both_counts() {
        for bad in [
            "host=db1,db2 hostaddr=10.0.0.1,10.0.0.2,10.0.0.3",
            "postgres://db1,db2/app?hostaddr=10.0.0.1,10.0.0.2,10.0.0.3",
        ] {
            let err = format!("{:#}", Target::resolve(Some(bad), &no_env).unwrap_err());
            assert!(err.contains("2 host names given for 3 hostaddr values"), "{bad}: {err}");
        }
        let err = format!(
            "{:#}",
            Target::resolve(Some("hostaddr=10.0.0.1,10.0.0.2 port=1,2,3"), &no_env).unwrap_err()
        );
        assert!(err.contains("3 ports given for 2 hosts"), "{err}");
    }

    #[test]
    fn hostaddr_must_be_an_address_and_is_postgres_only() {
        for (bad, expect) in [
            (
                "host=db1 hostaddr=db1.example.com",
                "invalid hostaddr 'db1.example.com'",
            ),
            ("postgres://db1/app?hostaddr=[::1]", "invalid hostaddr '[::1]'"),
            (
                "mysql://root@db1/test?hostaddr=127.0.0.1",
                "hostaddr is a PostgreSQL parameter",
            ),
        ] {
            let err = format!("{:#}", Target::resolve(Some(bad), &no_env).unwrap_err());
            assert!(err.contains(expect), "{bad}: {err}");
        }
    }
}
