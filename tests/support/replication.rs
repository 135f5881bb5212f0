//! Real replication for the replication check's tests: a PostgreSQL primary with a streaming
//! replica made by `pg_basebackup -R` with a slot, and a MariaDB primary with a replica, all
//! throwaway. Waits poll for the state they need (streaming, threads running), bounded and
//! generous for a loaded machine.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{PgOptions, ThrowawayMaria, ThrowawayPg, as_postgres, chown_postgres, free_port};

/// How long any replication state may take to appear on a loaded machine.
pub const STATE_WAIT: Duration = Duration::from_secs(120);

/// Settings a primary needs to stream to a replica and to hold a logical slot.
pub const PRIMARY_SETTINGS: &[&str] = &[
    "wal_level=logical",
    "max_wal_senders=5",
    "max_replication_slots=5",
    "wal_keep_size=0",
];

/// A primary that can stream and keep slots (PostgreSQL `major`, or the machine's newest).
pub fn pg_primary(major: Option<u32>, extra: &'static [&'static str]) -> ThrowawayPg {
    let settings: &'static [&'static str] = Box::leak([PRIMARY_SETTINGS, extra].concat().into_boxed_slice());
    ThrowawayPg::start(PgOptions {
        settings,
        major,
        ..PgOptions::default()
    })
}

/// `sql` through psql on 127.0.0.1:`port` as postgres, its one value (unaligned, no header).
pub fn pg_value(psql: &std::path::Path, port: u16, sql: &str) -> String {
    let out = Command::new(psql)
        .args([
            "-X",
            "-A",
            "-t",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .args(["-p", &port.to_string(), "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql -c {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Reads a value until it satisfies `ready`, within [`STATE_WAIT`]; the value that did.
pub fn wait_for<T: std::fmt::Debug>(what: &str, read: impl Fn() -> T, ready: impl Fn(&T) -> bool) -> T {
    let started = Instant::now();
    loop {
        let value = read();
        if ready(&value) {
            return value;
        }
        assert!(
            started.elapsed() < STATE_WAIT,
            "waited {STATE_WAIT:?} for {what}; last: {value:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `sql` until its value satisfies `ready`, within [`STATE_WAIT`].
pub fn pg_wait(psql: &std::path::Path, port: u16, sql: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
    wait_for(what, || pg_value(psql, port, sql), |v| ready(v))
}

/// A streaming replica of a [`ThrowawayPg`], from `pg_basebackup -R` with a physical slot.
pub struct PgReplica {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    stopped: bool,
}

impl PgReplica {
    /// Copies `primary` with `pg_basebackup -R -C -S slot` and starts it as a hot standby with
    /// these settings; returns once the primary shows it streaming.
    pub fn start(primary: &ThrowawayPg, slot: &str, settings: &[&str]) -> PgReplica {
        let dir = tempfile::Builder::new().prefix("dbrunbook-replica-").tempdir().unwrap();
        chown_postgres(dir.path());
        let data = dir.path().join("data");
        let out = as_postgres(&primary.bin("pg_basebackup"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-X",
                "stream",
                "-R",
                "-C",
                "-S",
                slot,
            ])
            .args(["-p", &primary.port.to_string()])
            .arg("-D")
            .arg(&data)
            .output()
            .expect("pg_basebackup runs");
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // pg_basebackup writes every libpq option it knows into primary_conninfo (17+:
        // sslnegotiation, 16+: sslcertmode); where that major's walreceiver loads an older
        // libpq (the unpacked majors of .ci/install-pg-majors load the system's), it refuses
        // them and the replica never connects. The options that matter here, and no others:
        let auto = data.join("postgresql.auto.conf");
        let conf = std::fs::read_to_string(&auto).expect("pg_basebackup -R wrote postgresql.auto.conf");
        let conninfo = format!(
            "primary_conninfo = 'host=127.0.0.1 port={} user=postgres'",
            primary.port
        );
        let conf: Vec<String> = conf
            .lines()
            .map(|l| {
                if l.starts_with("primary_conninfo") {
                    conninfo.clone()
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&auto, conf.join("\n") + "\n").unwrap();
        let port = free_port();
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c fsync=off \
             -c hot_standby=on -c wal_retrieve_retry_interval=1s",
            dir.path().display()
        );
        for s in settings {
            options.push_str(&format!(" -c {s}"));
        }
        let bin = primary.bin("pg_ctl").parent().unwrap().to_path_buf();
        let log = dir.path().join("server.log");
        let out = as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(options)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "120", "start"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "replica start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let replica = PgReplica {
            port,
            dir,
            bin,
            stopped: false,
        };
        let streaming = std::panic::catch_unwind(|| {
            pg_wait(
                &primary.bin("psql"),
                primary.port,
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                "the replica to stream",
                |v| v == "1",
            )
        });
        assert!(
            streaming.is_ok(),
            "the replica of {:?} never streamed; its log:\n{}",
            replica.bin,
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        replica
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn psql(&self) -> PathBuf {
        self.bin.join("psql")
    }

    pub fn value(&self, sql: &str) -> String {
        pg_value(&self.psql(), self.port, sql)
    }

    pub fn wait(&self, sql: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        pg_wait(&self.psql(), self.port, sql, what, ready)
    }

    /// Stops the replica (fast shutdown): its slot on the primary goes inactive.
    pub fn stop(&mut self) {
        let out = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "fast", "-w", "-t", "120", "stop"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "replica stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.stopped = true;
    }
}

impl Drop for PgReplica {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = as_postgres(&self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

/// The mariadb client as root on 127.0.0.1:`port`, tab-separated output.
pub fn mariadb_client(port: u16) -> Command {
    let mut cmd = super::maria_tool("mariadb", port);
    cmd.arg("--batch");
    cmd
}

/// Statements through the mariadb client as root on `port`; the output, without column names.
pub fn maria(port: u16, sql: &str) -> String {
    let out = mariadb_client(port)
        .args(["--skip-column-names", "-e", sql])
        .output()
        .expect("mariadb runs");
    assert!(
        out.status.success(),
        "mariadb -e {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Polls `sql` on `port` until its output satisfies `ready`, within [`STATE_WAIT`].
pub fn maria_wait(port: u16, sql: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
    wait_for(what, || maria(port, sql), |v| ready(v))
}

/// `ON` while both threads of the replica's default connection run.
pub const THREADS: &str =
    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING'";

/// A MariaDB primary (binary log on, row format) and a replica of it on the default
/// connection, replicating with GTID; returns once both replica threads run.
pub fn maria_pair() -> (ThrowawayMaria, ThrowawayMaria) {
    let primary = ThrowawayMaria::start_with(60, &["--log-bin=primary-bin", "--server-id=1", "--binlog-format=ROW"]);
    let replica = ThrowawayMaria::start_with(60, &["--server-id=2", "--relay-log=replica-relay"]);
    maria(
        primary.port,
        "CREATE USER 'repl'@'%'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'",
    );
    maria(
        replica.port,
        &format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='repl', \
             MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos; START SLAVE",
            primary.port
        ),
    );
    maria_wait(replica.port, THREADS, "the replica's threads to run", |v| v == "ON");
    (primary, replica)
}

/// Polls `SHOW SLAVE STATUS` on the replica until `ready` holds for (IO running, SQL running,
/// Last_SQL_Errno, Last_IO_Errno).
pub fn maria_wait_threads(port: u16, what: &str, ready: impl Fn(&str, &str, &str, &str) -> bool) {
    wait_for(
        what,
        || slave_status(port),
        |status| {
            let get = |k: &str| {
                status
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            };
            ready(
                get("Slave_IO_Running"),
                get("Slave_SQL_Running"),
                get("Last_SQL_Errno"),
                get("Last_IO_Errno"),
            )
        },
    );
}

/// `SHOW SLAVE STATUS` of the default connection as (column, value) pairs.
pub fn slave_status(port: u16) -> Vec<(String, String)> {
    let out = mariadb_client(port)
        .args(["-e", "SHOW SLAVE STATUS"])
        .output()
        .expect("mariadb runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut lines = text.lines();
    let (Some(head), Some(row)) = (lines.next(), lines.next()) else {
        return Vec::new();
    };
    head.split('\t')
        .map(String::from)
        .zip(row.split('\t').map(String::from))
        .collect()
}

/// `dbrunbook replication` on `url` with these flags, as JSON.
pub fn replication(url: &str, flags: &[&str]) -> serde_json::Value {
    let mut args = vec!["replication", "--url", url, "--format", "json"];
    args.extend_from_slice(flags);
    super::dbrunbook(&args).json()
}

/// The value of the first check's metric `name`.
pub fn metric(report: &serde_json::Value, name: &str) -> Option<f64> {
    super::metric_of(&report["checks"][0], name)
}

/// Executes every `sql` step of the report's runbook, in order, as an on-call would paste them
/// into the client (`client` makes a fresh one per step); returns the steps.
pub fn run_steps(report: &serde_json::Value, client: impl Fn() -> Command) -> Vec<String> {
    let steps: Vec<String> = report["checks"][0]["runbook"]["steps"]
        .as_array()
        .expect("a runbook with steps")
        .iter()
        .filter_map(|s| s["sql"].as_str().map(String::from))
        .collect();
    for sql in &steps {
        super::snippets::run(&mut client(), sql, "a runbook step");
    }
    steps
}

/// The runbook's steps, through psql on a PostgreSQL server.
pub fn run_pg_steps(report: &serde_json::Value, psql: &std::path::Path, port: u16) -> Vec<String> {
    run_steps(report, || super::snippets::psql(psql, port, "postgres"))
}

/// The runbook's steps, through the mariadb client.
pub fn run_maria_steps(report: &serde_json::Value, port: u16) -> Vec<String> {
    run_steps(report, || mariadb_client(port))
}

/// A primary whose replica (slot `replica_gone`) was stopped, after which the primary wrote a
/// few MB of WAL that the now inactive slot keeps.
pub fn primary_with_a_stopped_replica(extra: &'static [&'static str]) -> ThrowawayPg {
    let primary = pg_primary(None, extra);
    let mut replica = PgReplica::start(&primary, "replica_gone", &[]);
    replica.stop();
    pg_wait(
        &primary.bin("psql"),
        primary.port,
        "SELECT active FROM pg_replication_slots WHERE slot_name = 'replica_gone'",
        "the slot to go inactive",
        |v| v == "f",
    );
    primary.psql(&[
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
    ]);
    primary
}
