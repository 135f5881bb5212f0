//! Test servers: the machine's shared PostgreSQL and MariaDB for read-only checks, and
//! throwaway instances (own port, own data directory, removed on drop) for tests that must
//! fill, break or reconfigure a server. Plus helpers to hold connections open and to run the
//! binary.

#![allow(dead_code)]

pub mod apps;
pub mod fleet;
pub mod golden;
pub mod oncall;
pub mod pg_majors;
pub mod prometheus;
pub mod proxy;
pub mod replication;
pub mod scratch;
pub mod snippets;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The machine's PostgreSQL (trust auth on 127.0.0.1).
pub fn shared_pg_url() -> String {
    std::env::var("DBRUNBOOK_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The machine's MariaDB (root, empty password).
pub fn shared_mysql_url() -> String {
    std::env::var("DBRUNBOOK_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `dbrunbook` with these arguments and a clean database environment.
pub fn dbrunbook(args: &[&str]) -> Run {
    dbrunbook_env(args, &[])
}

/// A MariaDB client program (`mariadb`, `mariadb-dump`, `mariadb-admin`) as `user` at
/// `host`:`port`, over TCP and with no option file: the one way the tests reach a MariaDB.
pub fn maria_command(program: &str, host: &str, port: &str, user: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(["--no-defaults", "--protocol=tcp", "-h", host, "-u", user])
        .arg(format!("--port={port}"));
    cmd
}

/// `program` as root on a throwaway MariaDB at 127.0.0.1:`port`.
pub fn maria_tool(program: &str, port: u16) -> Command {
    maria_command(program, "127.0.0.1", &port.to_string(), "root")
}

/// `program` on the shared MariaDB (`DBRUNBOOK_TEST_MYSQL_URL`'s host, port and user).
pub fn shared_maria_tool(program: &str) -> Command {
    let url = shared_mysql_url();
    let rest = url.split_once("://").map_or(url.as_str(), |x| x.1);
    let (user, rest) = rest.split_once('@').unwrap_or(("root", rest));
    let hostport = rest.split(['/', '?']).next().unwrap_or("127.0.0.1:3306");
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
    let user = user.split(':').next().unwrap_or("root");
    maria_command(program, host, port, user)
}

/// The shared MariaDB's answer to `sql`, tab-separated without column names.
pub fn shared_mariadb(sql: &str) -> String {
    let out = shared_maria_tool("mariadb")
        .args(["-N", "-B", "-e", sql])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn dbrunbook_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = dbrunbook_command(args);
    // Each run starts with no counters kept from an earlier run (see src/memory.rs), so a
    // test's verdict does not hang on the runs before it; `oncall::Cron` shares one on purpose.
    cmd.env("XDG_STATE_HOME", fresh_state_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd)
}

/// The binary with `args`, no stdin, and none of the environment that would choose its target,
/// runbooks, colour or width for it.
pub fn dbrunbook_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbrunbook"));
    cmd.args(args).stdin(Stdio::null());
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSSLMODE",
        "DBRUNBOOK_RUNBOOKS",
        "NO_COLOR",
        // An exported COLUMNS sets the table's width even piped: tests read whole lines.
        "COLUMNS",
        "LINES",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs a command made by `dbrunbook_command` to its end.
pub fn run_command(mut cmd: Command) -> Run {
    let out: Output = cmd.output().expect("running dbrunbook");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A new empty directory for one run's kept counters, under the build's temporary directory.
fn fresh_state_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("state/{}-{n}", std::process::id()))
}

/// Like [`dbrunbook`], but killed after `limit` with a panic saying so: for hostile input that
/// could make the binary hang, so that a regression fails the test instead of stalling the suite.
/// The limit is a guard, generous on purpose; assert on what the run printed.
pub fn dbrunbook_within(args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args(args)
        .env_remove("DBRUNBOOK_RUNBOOKS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running dbrunbook");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for dbrunbook") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dbrunbook {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// A check's metric by name, from its JSON.
pub fn metric_of(check: &serde_json::Value, name: &str) -> Option<f64> {
    check["metrics"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)
        .and_then(|m| m["value"].as_f64())
}

/// The findings of one kind in the first check of a JSON report.
pub fn findings(report: &serde_json::Value, kind: &str) -> Vec<serde_json::Value> {
    report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect()
}

/// Runs `dbrunbook ARGS --format json` until `ready` holds for the report (three minutes at most):
/// for incidents that take a moment to build up on the server.
pub fn poll(args: &[&str], ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    // Bounded by time, generously (a count of tries is eaten by a loaded machine's slow runs).
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(180) {
        let r = dbrunbook(&all).json();
        if ready(&r) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the condition never held in 3 minutes: {:#}", dbrunbook(&all).json());
}

/// The path of an optional program (pgbouncer...), searched in PATH and the sbin directories.
/// Missing: outside CI the test is skipped with a line saying what to install; in CI, where
/// `.ci/run` installs every package, it fails, so a green CI run skipped nothing.
pub fn optional_program(program: &str, package: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"])
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed: .ci/run must install the Debian package {package}"
        );
        eprintln!("skipped: {program} is not installed (apt-get install {package})");
    }
    found
}

/// A loopback port nothing listens on, for a throwaway server to bind or a target that must be
/// refused. Handed out once per process from below the kernel's ephemeral range (32768 and up
/// here): a port the kernel picked and this function let go could be taken again before the
/// server binds it, by another test's `bind(0)` or by any outgoing connection, and a "refused"
/// target could find another test's server there. The start is spread over the range by the
/// process id, so a second suite on the machine most likely starts far away; a port something
/// already holds is skipped.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7919) % SPAN,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..SPAN {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN);
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a program as the `postgres` user when we are root (PostgreSQL and PgBouncer refuse root).
pub fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

pub fn pg_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("bin").join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

pub fn chown_postgres(path: &Path) {
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown {path:?}");
    }
}

/// Server installs (initdb, mariadb-install-db) one at a time: parallel bootstraps on two cores
/// time out now and then.
static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn install(cmd: &mut Command, what: &str) {
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    check(cmd, what);
}

fn check(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL instance of our own: initdb'd into a temp dir, on a free port.
pub struct ThrowawayPg {
    pub port: u16,
    dir: tempfile::TempDir,
    /// The server's major's bin directory; `None`: the machine's newest (see [`pg_bin`]).
    bin_dir: Option<PathBuf>,
}

pub struct PgOptions<'a> {
    pub max_connections: u32,
    pub superuser_reserved: u32,
    /// Require this password for `postgres` (scram) instead of trust.
    pub password: Option<&'a str>,
    /// max_prepared_transactions (0: two-phase commit off, the server's default).
    pub prepared_transactions: u32,
    /// More server settings, `name=value` each.
    pub settings: &'a [&'a str],
    /// This PostgreSQL major (`Some(17)`) instead of the machine's newest; the test checks
    /// first with [`pg_majors::pg_major_installed`] that it is there.
    pub major: Option<u32>,
}

impl Default for PgOptions<'_> {
    fn default() -> Self {
        PgOptions {
            max_connections: 20,
            superuser_reserved: 3,
            password: None,
            prepared_transactions: 0,
            settings: &[],
            major: None,
        }
    }
}

impl ThrowawayPg {
    pub fn start(opts: PgOptions) -> ThrowawayPg {
        let bin_dir = opts.major.map(|major| {
            pg_majors::pg_major_bin_dir(major)
                .unwrap_or_else(|| panic!("PostgreSQL {major} is not installed (bash .ci/install-pg-majors {major})"))
        });
        let bin = |name: &str| bin_dir.as_ref().map_or_else(|| pg_bin(name), |d| d.join(name));
        let dir = tempfile::Builder::new().prefix("dbrunbook-pg-").tempdir().unwrap();
        chown_postgres(dir.path());
        let data = dir.path().join("data");
        let mut initdb = as_postgres(&bin("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
        match opts.password {
            Some(pw) => {
                let pwfile = dir.path().join("pw");
                std::fs::write(&pwfile, pw).unwrap();
                chown_postgres(&pwfile);
                initdb
                    .arg("--auth=scram-sha-256")
                    .arg(format!("--pwfile={}", pwfile.display()));
            }
            None => {
                initdb.arg("--auth=trust");
            }
        }
        install(&mut initdb, "initdb");
        let port = free_port();
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections={} -c superuser_reserved_connections={} \
             -c max_wal_senders=0 -c wal_level=minimal -c shared_buffers=16MB -c fsync=off \
             -c max_prepared_transactions={}",
            dir.path().display(),
            opts.max_connections,
            opts.superuser_reserved,
            opts.prepared_transactions
        );
        for setting in opts.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let log = dir.path().join("server.log");
        check(
            as_postgres(&bin("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(options)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"]),
            "pg_ctl start",
        );
        ThrowawayPg { port, dir, bin_dir }
    }

    /// A client or server program of this server's own major (psql, pg_ctl...).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.as_ref().map_or_else(|| pg_bin(name), |d| d.join(name))
    }

    pub fn url(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }

    pub fn keyvalue(&self, user: &str, db: &str) -> String {
        format!("host=127.0.0.1 port={} user={user} dbname={db}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The data directory (owned by `postgres`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Restarts the server with the same options (pg_ctl keeps them in postmaster.opts).
    pub fn restart(&self) {
        check(
            as_postgres(&self.bin("pg_ctl"))
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .args(["-m", "fast", "-w", "-t", "60", "restart"]),
            "pg_ctl restart",
        );
    }

    /// Where the server's Unix socket lives.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Runs statements as `postgres` through psql, each in its own transaction.
    pub fn psql(&self, statements: &[&str]) {
        self.psql_as("postgres", "postgres", statements);
    }

    /// Runs statements as `user` in database `db` through psql, each in its own transaction.
    pub fn psql_as(&self, user: &str, db: &str, statements: &[&str]) {
        let mut cmd = Command::new(self.bin("psql"));
        cmd.args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            user,
            "-d",
            db,
            "-p",
        ])
        .arg(self.port.to_string());
        for sql in statements {
            cmd.arg("-c").arg(sql);
        }
        check(&mut cmd, "psql");
    }
}

impl Drop for ThrowawayPg {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// A MariaDB server of our own, on a free port, data in a temp dir.
pub struct ThrowawayMaria {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
    /// The options it was started with, for a restart.
    options: Vec<String>,
}

impl ThrowawayMaria {
    pub fn start(max_connections: u32) -> ThrowawayMaria {
        ThrowawayMaria::start_with(max_connections, &[])
    }

    /// With more server options (`--max-connect-errors=2`...); later options win over the
    /// defaults above (`--bind-address=0.0.0.0`).
    pub fn start_with(max_connections: u32, extra: &[&str]) -> ThrowawayMaria {
        let dir = tempfile::Builder::new().prefix("dbrunbook-maria-").tempdir().unwrap();
        let data = dir.path().join("data");
        let user = if is_root() { "--user=root" } else { "--no-defaults" };
        install(
            Command::new("mariadb-install-db")
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .args(["--auth-root-authentication-method=normal", "--skip-test-db", user]),
            "mariadb-install-db",
        );
        let port = free_port();
        let mut options = vec![
            "--no-defaults".to_string(),
            format!("--datadir={}", data.display()),
            format!("--socket={}", dir.path().join("sock").display()),
            format!("--pid-file={}", dir.path().join("pid").display()),
            format!("--log-error={}", dir.path().join("error.log").display()),
            format!("--port={port}"),
            format!("--max-connections={max_connections}"),
            "--bind-address=127.0.0.1".to_string(),
            "--innodb-buffer-pool-size=32M".to_string(),
            "--skip-log-bin".to_string(),
            user.to_string(),
        ];
        options.extend(extra.iter().map(|o| o.to_string()));
        let child = ThrowawayMaria::spawn(&options);
        let server = ThrowawayMaria {
            port,
            child,
            dir,
            options,
        };
        server.wait_ready();
        server
    }

    fn spawn(options: &[String]) -> Child {
        Command::new("mariadbd")
            .args(options)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting mariadbd")
    }

    /// Ready means answering a query, not just accepting TCP: a connection made while the
    /// server still starts up can be closed under it.
    fn wait_ready(&self) {
        let started = Instant::now();
        let ready = || {
            maria_tool("mariadb-admin", self.port)
                .args(["--connect-timeout=2", "ping"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        while !ready() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "mariadbd did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server as its service manager does (SIGTERM, a clean shutdown that drops every
    /// connection) and starts it again on the same port and data, with the same options.
    pub fn restart(&mut self) {
        self.stop();
        self.child = ThrowawayMaria::spawn(&self.options);
        self.wait_ready();
    }

    fn stop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, user: &str) -> String {
        format!("mysql://{user}@127.0.0.1:{}/mysql", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for ThrowawayMaria {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A PgBouncer of our own in front of a PostgreSQL, admin console open to `postgres`.
pub struct ThrowawayBouncer {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl ThrowawayBouncer {
    /// `app` is pooled to `postgres` on the server at `pg_port`, `pool_size` server connections.
    /// `None` (the test skips) when pgbouncer is not installed.
    pub fn start(pg_port: u16, pool_size: u32, max_client_conn: u32) -> Option<ThrowawayBouncer> {
        let program = optional_program("pgbouncer", "pgbouncer")?;
        let dir = tempfile::Builder::new().prefix("dbrunbook-bouncer-").tempdir().unwrap();
        let port = free_port();
        let d = dir.path().display();
        std::fs::write(dir.path().join("userlist.txt"), "\"postgres\" \"\"\n").unwrap();
        std::fs::write(
            dir.path().join("pgbouncer.ini"),
            format!(
                "[databases]\napp = host=127.0.0.1 port={pg_port} dbname=postgres pool_size={pool_size}\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = trust\nauth_file = {d}/userlist.txt\nadmin_users = postgres\n\
                 pool_mode = transaction\nmax_client_conn = {max_client_conn}\ndefault_pool_size = {pool_size}\n\
                 logfile = {d}/pgbouncer.log\npidfile = {d}/pgbouncer.pid\n"
            ),
        )
        .unwrap();
        chown_postgres(dir.path());
        let child = as_postgres(&program)
            .arg(dir.path().join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting pgbouncer (apt-get install pgbouncer)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "pgbouncer did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(ThrowawayBouncer { port, child, _dir: dir })
    }

    /// The pooled `app` database, as an application connects to it.
    pub fn app_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/app?sslmode=disable", self.port)
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/pgbouncer?sslmode=disable", self.port)
    }
}

impl Drop for ThrowawayBouncer {
    fn drop(&mut self) {
        // runuser forwards SIGTERM to pgbouncer.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// Connections held open for a test, on a runtime of their own.
pub struct Held {
    rt: tokio::runtime::Runtime,
    /// `None` once handed to a statement in the background (`*_run_background`).
    pg: Vec<Option<tokio_postgres::Client>>,
    my: Vec<Option<mysql_async::Conn>>,
}

impl Held {
    pub fn new() -> Held {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Held {
            rt,
            pg: Vec::new(),
            my: Vec::new(),
        }
    }

    /// Opens `n` PostgreSQL connections (libpq key=value or URL) and runs `sql` on each.
    pub fn pg(&mut self, conninfo: &str, n: usize, sql: &str) -> &mut Held {
        for _ in 0..n {
            let client = self.rt.block_on(async {
                // A slot held by a session whose client just left (a dbrunbook run's backend
                // still exiting) is free a moment later: a refusal is tried again, as the
                // MySQL connections below are.
                let started = std::time::Instant::now();
                let (client, conn) = loop {
                    match tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await {
                        Ok(connected) => break connected,
                        Err(e)
                            if e.code() == Some(&tokio_postgres::error::SqlState::TOO_MANY_CONNECTIONS)
                                && started.elapsed().as_secs() < 60 =>
                        {
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("test connection: {e}"),
                    }
                };
                tokio::spawn(conn);
                if !sql.is_empty() {
                    client.batch_execute(sql).await.expect("test SQL");
                }
                client
            });
            self.pg.push(Some(client));
        }
        self
    }

    /// Runs more SQL on the `i`-th held PostgreSQL connection.
    pub fn pg_run(&mut self, i: usize, sql: &str) {
        let client = self.pg[i]
            .as_ref()
            .expect("a held PostgreSQL connection not yet handed on");
        self.rt.block_on(client.batch_execute(sql)).expect("test SQL");
    }

    /// Tries one more PostgreSQL connection; the error text if refused.
    pub fn pg_try(&mut self, conninfo: &str) -> Result<(), String> {
        let result = self
            .rt
            .block_on(tokio_postgres::connect(conninfo, tokio_postgres::NoTls));
        match result {
            Ok((client, conn)) => {
                self.rt.spawn(conn);
                self.pg.push(Some(client));
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Opens `n` MySQL connections and runs `sql` on each. A slot the server still counts for a
    /// connection that just closed (its thread ends a moment later on a loaded machine: "Too
    /// many connections") is waited for, a minute at most.
    pub fn mysql(&mut self, url: &str, n: usize, sql: &str) -> &mut Held {
        use mysql_async::prelude::Queryable;
        for _ in 0..n {
            let conn = self.rt.block_on(async {
                let started = std::time::Instant::now();
                let mut conn = loop {
                    match mysql_async::Conn::from_url(url).await {
                        Ok(conn) => break conn,
                        Err(e) if e.to_string().contains("1040") && started.elapsed().as_secs() < 60 => {
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("test connection: {e}"),
                    }
                };
                if !sql.is_empty() {
                    conn.query_drop(sql).await.expect("test SQL");
                }
                conn
            });
            self.my.push(Some(conn));
        }
        self
    }

    /// Tries one more MySQL connection; the error text if refused.
    pub fn mysql_try(&mut self, url: &str) -> Result<(), String> {
        match self.rt.block_on(mysql_async::Conn::from_url(url)) {
            Ok(conn) => {
                self.my.push(Some(conn));
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Starts `sql` on a new MySQL connection without waiting for it to finish.
    pub fn mysql_background(&mut self, url: &str, sql: &str) {
        use mysql_async::prelude::Queryable;
        let url = url.to_string();
        let sql = sql.to_string();
        self.rt.spawn(async move {
            if let Ok(mut conn) = mysql_async::Conn::from_url(url).await {
                let _ = conn.query_drop(sql).await;
            }
        });
    }

    /// Starts more SQL on the `i`-th held PostgreSQL connection without waiting for it to
    /// finish: a statement that will block, on a session whose earlier statements are known
    /// to have run (a deadlock's second half). The connection is the statement's from then on,
    /// and closes after it (a session left in a failed transaction reports no statistics).
    pub fn pg_run_background(&mut self, i: usize, sql: &str) {
        let client = self.pg[i]
            .take()
            .expect("a held PostgreSQL connection not yet handed on");
        let sql = sql.to_string();
        self.rt.spawn(async move {
            let _ = client.batch_execute(&sql).await;
        });
    }

    /// How many MySQL connections were opened so far: the index the next one gets.
    pub fn mysql_count(&self) -> usize {
        self.my.len()
    }

    /// Starts more SQL on the `i`-th held MySQL connection without waiting for it to finish;
    /// the connection is the statement's from then on, and closes after it.
    pub fn mysql_run_background(&mut self, i: usize, sql: &str) {
        use mysql_async::prelude::Queryable;
        let mut conn = self.my[i].take().expect("a held MySQL connection not yet handed on");
        let sql = sql.to_string();
        self.rt.spawn(async move {
            let _ = conn.query_drop(sql).await;
            let _ = conn.disconnect().await;
        });
    }

    /// Starts `sql` on a new PostgreSQL connection without waiting for it to finish.
    pub fn pg_background(&mut self, conninfo: &str, sql: &str) {
        let conninfo = conninfo.to_string();
        let sql = sql.to_string();
        self.rt.spawn(async move {
            if let Ok((client, conn)) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await {
                tokio::spawn(conn);
                let _ = client.batch_execute(&sql).await;
            }
        });
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.pg.clear();
        let conns: Vec<_> = self.my.drain(..).flatten().collect();
        self.rt.block_on(async {
            for c in conns {
                let _ = c.disconnect().await;
            }
        });
    }
}

/// `--runbooks DIR` with a runbook that sets the connect check's `restarted_within` to 1ms, for
/// `check`/`diagnose` on a throwaway server that started seconds ago: its restart WARNING is
/// right, and not what those tests are about.
pub fn started_just_now() -> [String; 2] {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        // Under target/tmp, not /tmp: nothing is left behind outside the build directory.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("started-just-now");
        std::fs::create_dir_all(&dir).unwrap();
        // Test binaries run at once and share the file: each writes its own copy aside and
        // renames it over, so none ever reads a half-written one.
        let aside = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("started-just-now.{}", std::process::id()));
        std::fs::write(
            &aside,
            "id: test-started-just-now\ntitle: A test server that started seconds ago\ncheck: connect\n\
             engines: [postgres, mysql, pgbouncer]\nstatuses: [warning]\nwhen: [restarted]\n\
             thresholds:\n  restarted_within: 1ms\nremediation:\n  immediate:\n    - text: Nothing to do, a test server.\n",
        )
        .unwrap();
        std::fs::rename(&aside, dir.join("started-just-now.yaml")).unwrap();
        dir
    });
    ["--runbooks".to_string(), dir.display().to_string()]
}
