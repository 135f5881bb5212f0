//! `dbrunbook end` against real incidents: a root blocker ended by its reference (the waiters
//! proceed, the evidence and the audit line are written), an active root stopped by a cancel
//! alone, a stale reference, a running pg_dump and mariadb-dump, a lock victim, and a leaked
//! pool ended in bulk beside a control application. Each builds the incident on a throwaway
//! server (PostgreSQL) or with its own tables and threads on the shared MariaDB.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// Statements started on connections the test keeps open (so a cancelled statement's session
/// stays for the test to look at), on a runtime of their own.
struct Running {
    rt: tokio::runtime::Runtime,
    clients: Vec<Arc<tokio_postgres::Client>>,
}

impl Running {
    fn new() -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Running { rt, clients: vec![] }
    }

    fn start(&mut self, conninfo: &str, sql: &str) {
        let client = self.rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            Arc::new(client)
        });
        let c = client.clone();
        let sql = sql.to_string();
        self.rt.spawn(async move {
            let _ = c.batch_execute(&sql).await;
        });
        self.clients.push(client);
    }
}

/// One value from the throwaway server, through psql.
fn value(pg: &ThrowawayPg, sql: &str) -> String {
    let out = Command::new(pg.bin("psql"))
        .args(["-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
        .arg(pg.port.to_string())
        .arg("-c")
        .arg(sql)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Polls `sql` until it gives `want` (a minute at most: the machine is loaded).
fn wait_for(pg: &ThrowawayPg, sql: &str, want: &str) {
    let started = Instant::now();
    while value(pg, sql) != want {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{sql} never gave {want}: {}",
            value(pg, sql)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn conn(pg: &ThrowawayPg, app: &str) -> String {
    format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"))
}

/// The lock-tree finding of the session of application `app`, once the locks check shows it.
fn lock_node(url: &str, app: &str, role: &str) -> Value {
    let r = poll(&["locks", "--url", url, "--warning", "1ms", "--critical", "1h"], |r| {
        findings(r, "lock_tree")
            .iter()
            .any(|f| f["application"] == app && f["role"] == role)
    });
    findings(&r, "lock_tree")
        .into_iter()
        .find(|f| f["application"] == app && f["role"] == role)
        .unwrap()
}

/// A fresh directory for the audit log and the evidence.
fn state_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("end-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `dbrunbook end` with a state directory of its own, as JSON.
fn end(url: &str, dir: &std::path::Path, args: &[&str]) -> Run {
    let dir = dir.to_str().unwrap();
    let mut all = vec!["end", "--url", url, "--format", "json"];
    all.extend(args);
    dbrunbook_env(&all, &[("XDG_STATE_HOME", dir)])
}

/// Lists with `end ARGS --dry-run` until `pick` finds a session (a minute at most).
fn listed(url: &str, dir: &std::path::Path, args: &[&str], pick: impl Fn(&Value) -> bool) -> Value {
    let mut all = args.to_vec();
    all.push("--dry-run");
    let started = Instant::now();
    loop {
        let run = end(url, dir, &all);
        if let Some(f) = sessions(&run).into_iter().find(|f| pick(f)) {
            return f;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never listed: {}",
            run.all()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn sessions(run: &Run) -> Vec<Value> {
    findings(&run.json(), "session")
}

fn sent(f: &Value) -> Vec<String> {
    f["sent"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn setup(table: &str) -> ThrowawayPg {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        &format!("CREATE TABLE {table} (id int PRIMARY KEY, v int)"),
        &format!("INSERT INTO {table} VALUES (1, 0)"),
    ]);
    pg
}

#[test]
fn idle_in_transaction_root_is_terminated_by_reference_and_its_waiters_proceed() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(
        &conn(&pg, "forgotten"),
        1,
        "BEGIN; UPDATE orders SET v = 1 WHERE id = 1",
    );
    held.pg_background(&conn(&pg, "waiter"), "UPDATE orders SET v = v + 10 WHERE id = 1");
    // The password travels in the URL; trust authentication ignores it, and it must not be
    // written anywhere.
    let url = pg
        .url("postgres", "postgres")
        .replacen("postgres@", "postgres:s3cret-pw@", 1);
    let root = lock_node(&url, "forgotten", "root blocker");
    let reference = root["session"].as_str().unwrap().to_string();
    assert!(reference.starts_with(&format!("pg:{}@", root["pid"])), "{root:#}");
    assert!(
        reference.contains('/'),
        "a transaction's reference names it: {reference}"
    );

    let dir = state_dir("idle-root");
    let run = end(&url, &dir, &[&reference, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(f["result"], "terminated", "{f:#}");
    assert_eq!(f["waiters_moved"], "1 of 1", "{f:#}");
    let sent = sent(f);
    assert_eq!(sent.len(), 1, "no useless cancel before the terminate: {sent:?}");
    assert!(
        sent[0].contains("pg_terminate_backend") && sent[0].contains("backend_start"),
        "{sent:?}"
    );
    // The waiter's update went through on top of the rolled-back one.
    wait_for(&pg, "SELECT v FROM orders WHERE id = 1", "10");

    let audit = std::fs::read_to_string(dir.join("dbrunbook/end-audit.jsonl")).unwrap();
    let line: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
    assert_eq!(line["session"], reference.as_str());
    assert_eq!(line["result"], "terminated");
    let evidence = PathBuf::from(line["evidence"].as_str().unwrap());
    let saved = std::fs::read_to_string(&evidence).unwrap();
    assert!(
        saved.contains("UPDATE orders SET v = 1"),
        "the session row is in the evidence: {saved}"
    );
    assert!(saved.contains("RowExclusiveLock"), "its locks are in the evidence");
    assert!(
        saved.contains("v = v + 10"),
        "the session waiting on it is in the evidence"
    );
    for written in [&audit, &saved, &run.all()] {
        assert!(!written.contains("s3cret-pw"), "a password was written: {written}");
    }
}

#[test]
fn active_root_is_cancelled_without_being_terminated_when_the_cancel_suffices() {
    let pg = setup("orders");
    let mut running = Running::new();
    running.start(&conn(&pg, "report"), "SELECT pg_sleep(600) FROM orders");
    // The report holds its lock before the ALTER starts (on a loaded machine the ALTER could
    // otherwise run first, and nothing would ever wait).
    wait_for(
        &pg,
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'report' AND l.relation = 'orders'::regclass AND l.granted",
        "1",
    );
    running.start(&conn(&pg, "migration"), "ALTER TABLE orders ADD COLUMN note text");
    let url = pg.url("postgres", "postgres");
    let root = lock_node(&url, "report", "root blocker");
    let pid = root["pid"].as_i64().unwrap();

    let dir = state_dir("active-root");
    let run = end(
        &url,
        &dir,
        &[root["session"].as_str().unwrap(), "--yes", "--grace", "30s"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let f = &sessions(&run)[0];
    let sent = sent(f);
    assert_eq!(sent.len(), 1, "{f:#}");
    assert!(sent[0].contains("pg_cancel_backend"), "{sent:?}");
    assert!(f["result"].as_str().unwrap().starts_with("cancelled"), "{f:#}");
    // The ALTER TABLE behind it ran, and the session is still connected, idle.
    wait_for(
        &pg,
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'",
        "1",
    );
    assert_eq!(
        value(&pg, &format!("SELECT state FROM pg_stat_activity WHERE pid = {pid}")),
        "idle"
    );
}

#[test]
fn stale_reference_is_refused_and_nothing_is_ended() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(&conn(&pg, "worker"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    let url = pg.url("postgres", "postgres");
    let dir = state_dir("stale");
    let listed = end(&url, &dir, &["--application", "worker", "--dry-run"]);
    let f = &sessions(&listed)[0];
    let reference = f["session"].as_str().unwrap().to_string();
    let pid = f["pid"].as_i64().unwrap();
    // The transaction referred to ends; the session goes on with another one.
    held.pg_run(0, "COMMIT; BEGIN; UPDATE orders SET v = 2 WHERE id = 1");

    let run = end(&url, &dir, &[&reference, "--yes"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(f["rule"], "stale reference", "{f:#}");
    assert!(sent(f).is_empty(), "{f:#}");
    assert_eq!(
        value(&pg, &format!("SELECT state FROM pg_stat_activity WHERE pid = {pid}")),
        "idle in transaction"
    );
}

#[test]
fn lock_victim_is_refused_and_the_root_is_named() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(
        &conn(&pg, "forgotten"),
        1,
        "BEGIN; UPDATE orders SET v = 1 WHERE id = 1",
    );
    held.pg_background(&conn(&pg, "victim"), "UPDATE orders SET v = 2 WHERE id = 1");
    let url = pg.url("postgres", "postgres");
    let victim = lock_node(&url, "victim", "waiting");
    let root = lock_node(&url, "forgotten", "root blocker");

    let dir = state_dir("victim");
    let run = end(&url, &dir, &[victim["session"].as_str().unwrap(), "--yes"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(f["rule"], "waits on a lock", "{f:#}");
    assert_eq!(f["roots"], serde_json::json!([root["session"]]), "{f:#}");
    assert!(f["why"].as_str().unwrap().contains(root["session"].as_str().unwrap()));
    assert!(sent(f).is_empty());
    assert_eq!(
        value(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('victim', 'forgotten')"
        ),
        "2"
    );
}

#[test]
fn running_pg_dump_is_refused_as_a_backup() {
    let pg = setup("orders");
    let mut held = Held::new();
    // The dump queues behind a lock, so it is still running when `end` looks at it.
    held.pg(
        &conn(&pg, "holder"),
        1,
        "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
    );
    let port = pg.port.to_string();
    let mut dump = Command::new(pg.bin("pg_dump"))
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-p",
            &port,
            "-t",
            "orders",
            "postgres",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = pg.url("postgres", "postgres");
    let dir = state_dir("pg-dump");
    // Listed once it waits for the table: its dump transaction then lasts until the holder
    // commits (before, pg_dump's earlier statements run in transactions of their own, and a
    // reference to one of those is rightly stale by the time `end` reads it again).
    let waiting = |f: &Value| f["query"].as_str().is_some_and(|q| q.starts_with("LOCK TABLE"));
    let reference = listed(&url, &dir, &["--application", "pg_dump"], waiting)["session"]
        .as_str()
        .unwrap()
        .to_string();
    let run = end(&url, &dir, &[&reference, "--yes"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(f["rule"], "backup", "{f:#}");
    assert!(sent(f).is_empty());
    held.pg_run(0, "COMMIT");
    assert!(dump.wait().unwrap().success(), "the dump was not ended and finished");
}

#[test]
fn leaked_pool_is_ended_in_bulk_and_the_control_application_stays() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(&conn(&pg, "leaky"), 3, "BEGIN; SELECT * FROM orders");
    held.pg(&conn(&pg, "control"), 2, "BEGIN; SELECT * FROM orders");
    let url = pg.url("postgres", "postgres");
    let dir = state_dir("bulk");
    let listed = end(
        &url,
        &dir,
        &["--application", "leaky", "--state", "idle-in-transaction", "--dry-run"],
    );
    assert_eq!(listed.code, 0, "{}", listed.all());
    assert_eq!(sessions(&listed).len(), 3, "the list comes first: {}", listed.stdout);
    assert!(
        !dir.join("dbrunbook/end-audit.jsonl").exists(),
        "a dry run writes nothing"
    );

    let run = end(
        &url,
        &dir,
        &["--application", "leaky", "--state", "idle-in-transaction", "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    for f in sessions(&run) {
        assert_eq!(f["result"], "terminated", "{f:#}");
    }
    wait_for(
        &pg,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'leaky'",
        "0",
    );
    assert_eq!(
        value(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'control'"
        ),
        "2"
    );
    let audit = std::fs::read_to_string(dir.join("dbrunbook/end-audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 3, "{audit}");
}

#[test]
fn without_a_terminal_nothing_is_sent_unless_yes() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(&conn(&pg, "worker"), 1, "BEGIN; SELECT 1");
    let url = pg.url("postgres", "postgres");
    let dir = state_dir("no-tty");
    let run = end(&url, &dir, &["--application", "worker"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("not on a terminal, and --yes was not given"),
        "{}",
        run.stdout
    );
    assert_eq!(
        value(
            &pg,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'worker'"
        ),
        "1"
    );
}

/// A thread's reference on the shared MariaDB, from `end`'s own dry-run listing.
fn my_reference(url: &str, dir: &std::path::Path, id: i64) -> Value {
    listed(url, dir, &["--user", "root"], |f| f["pid"] == id)
}

fn my_conn(rt: &tokio::runtime::Runtime, url: &str) -> (mysql_async::Conn, i64) {
    use mysql_async::prelude::Queryable;
    rt.block_on(async {
        let mut c = mysql_async::Conn::from_url(url).await.unwrap();
        let id: i64 = c.query_first("SELECT CONNECTION_ID()").await.unwrap().unwrap();
        (c, id)
    })
}

#[test]
fn mariadb_idle_root_is_killed_by_reference_and_its_waiter_proceeds() {
    use mysql_async::prelude::Queryable;
    let url = shared_mysql_url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (mut setup, _) = my_conn(&rt, &url);
    rt.block_on(setup.query_drop(
        "DROP TABLE IF EXISTS end_idle_root; CREATE TABLE end_idle_root (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; \
         INSERT INTO end_idle_root VALUES (1, 0)",
    ))
    .unwrap();
    let (mut holder, holder_id) = my_conn(&rt, &url);
    rt.block_on(holder.query_drop("BEGIN; UPDATE end_idle_root SET v = 1 WHERE id = 1"))
        .unwrap();
    let (mut waiter, _) = my_conn(&rt, &url);
    let waiting = rt.spawn(async move {
        waiter
            .query_drop("SET SESSION innodb_lock_wait_timeout = 120; UPDATE end_idle_root SET v = v + 10 WHERE id = 1")
            .await
    });
    let dir = state_dir("maria-root");
    let root = my_reference(&url, &dir, holder_id);
    assert_eq!(root["state"], "idle in transaction", "{root:#}");
    let reference = root["session"].as_str().unwrap();
    assert!(
        reference.starts_with(&format!("my:{holder_id}@")) && reference.contains('/'),
        "{reference}"
    );

    let run = end(&url, &dir, &[reference, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(sent(f), vec![format!("KILL CONNECTION {holder_id};")], "{f:#}");
    assert_eq!(f["result"], "terminated", "{f:#}");
    rt.block_on(waiting).unwrap().expect("the waiter's update went through");
    let v: i64 = rt
        .block_on(setup.query_first("SELECT v FROM end_idle_root WHERE id = 1"))
        .unwrap()
        .unwrap();
    assert_eq!(v, 10);
    let evidence = std::fs::read_dir(dir.join("dbrunbook/evidence"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let saved = std::fs::read_to_string(evidence).unwrap();
    assert!(
        saved.contains("InnoDB status") && saved.contains("TRANSACTIONS"),
        "{saved}"
    );
    drop(holder);
    rt.block_on(setup.query_drop("DROP TABLE end_idle_root")).unwrap();
}

#[test]
fn running_mariadb_dump_is_refused_as_a_backup() {
    use mysql_async::prelude::Queryable;
    let url = shared_mysql_url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (mut holder, _) = my_conn(&rt, &url);
    rt.block_on(holder.query_drop(
        "DROP TABLE IF EXISTS end_dump_t; CREATE TABLE end_dump_t (id INT PRIMARY KEY) ENGINE=InnoDB; \
         INSERT INTO end_dump_t VALUES (1); LOCK TABLES end_dump_t WRITE",
    ))
    .unwrap();
    // The dump's SELECT queues behind the table lock, so it is still running when `end` looks.
    let mut dump = Command::new("mariadb-dump")
        .args([
            "-h",
            "127.0.0.1",
            "-u",
            "root",
            "--single-transaction",
            "test",
            "end_dump_t",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let dir = state_dir("maria-dump");
    let found = listed(&url, &dir, &["--user", "root"], |f| {
        let q = f["query"].as_str().unwrap_or("");
        q.contains("SQL_NO_CACHE */") && q.contains("`end_dump_t`")
    });
    let run = end(&url, &dir, &[found["session"].as_str().unwrap(), "--yes"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let f = &sessions(&run)[0];
    assert_eq!(f["rule"], "backup", "{f:#}");
    assert!(sent(f).is_empty());
    rt.block_on(holder.query_drop("UNLOCK TABLES; DROP TABLE end_dump_t"))
        .unwrap();
    assert!(dump.wait().unwrap().success(), "the dump was not ended and finished");
}

/// A statement holding a password (`password=` in a connection string it builds) is in the
/// evidence with the password hidden, and the session's row stays a JSON object with all its
/// fields: the files pass the one redaction boundary string by string, after the row is read.
#[test]
fn evidence_of_a_statement_holding_a_password_keeps_its_fields_and_not_the_password() {
    let pg = setup("orders");
    let mut held = Held::new();
    held.pg(
        &conn(&pg, "secretive"),
        1,
        "BEGIN; SELECT * FROM orders; SELECT 'host=db password=S3ntinel-pw' AS dsn",
    );
    let url = pg.url("postgres", "postgres");
    let dir = state_dir("evidence-secret");
    let run = end(
        &url,
        &dir,
        &["--application", "secretive", "--state", "idle-in-transaction", "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let audit = std::fs::read_to_string(dir.join("dbrunbook/end-audit.jsonl")).unwrap();
    let line: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
    let saved = std::fs::read_to_string(line["evidence"].as_str().unwrap()).unwrap();
    for written in [&audit, &saved, &run.all()] {
        assert!(!written.contains("S3ntinel"), "a password was written: {written}");
    }
    let evidence: Value = serde_json::from_str(&saved).unwrap();
    let row = &evidence["sessions"][0]["the session"][0];
    assert_eq!(row["state"], "idle in transaction", "{saved}");
    assert_eq!(row["application_name"], "secretive", "{saved}");
    let query = row["query"].as_str().unwrap_or_default();
    assert!(query.contains("password=<redacted>"), "{saved}");
}
