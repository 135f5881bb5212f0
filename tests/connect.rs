//! `dbrunbook connect`: each way a connection fails, reproduced for real (a refused port, a name
//! that does not resolve, a listener that never answers, a certificate for another host, a wrong
//! password, a pg_hba.conf without a line for us, a missing database, a MariaDB host blocked
//! after failed handshakes), and what it reports once in: a standby, a fresh restart.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::*;

fn connect(url: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["connect", "--url", url, "--format", "json"];
    args.extend(extra);
    let run = dbrunbook_within(&args, Duration::from_secs(60));
    let r = run.json();
    (run.code, r["checks"][0].clone())
}

/// The phase findings as (phase, result) pairs.
fn phases(check: &serde_json::Value) -> Vec<(String, String)> {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "phases")
        .map(|f| {
            (
                f["phase"].as_str().unwrap().to_string(),
                f["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn steps(check: &serde_json::Value) -> String {
    check["runbook"]["steps"].to_string()
}

#[test]
fn refused_port_is_critical_at_the_tcp_phase_with_the_runbook() {
    let port = free_port();
    let (code, c) = connect(&format!("postgres://postgres@127.0.0.1:{port}/postgres"), &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(c["status"], "critical");
    assert_eq!(
        phases(&c),
        vec![("resolve".into(), "ok".into()), ("tcp".into(), "refused".into())]
    );
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("TCP connect to 127.0.0.1:{port} refused")),
        "{summary}"
    );
    assert_eq!(c["runbook"]["id"], "connection-failed");
    assert!(
        steps(&c).contains(&format!("pg_isready --host='127.0.0.1' --port='{port}'")),
        "{c:#}"
    );
}

#[test]
fn mysql_refused_port_is_critical_at_the_tcp_phase() {
    let port = free_port();
    let (code, c) = connect(&format!("mysql://root@127.0.0.1:{port}/test"), &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(phases(&c).last().unwrap(), &("tcp".to_string(), "refused".to_string()));
    assert!(
        steps(&c).contains(&format!("nc -vz -w 5 -- '127.0.0.1' '{port}'")),
        "{c:#}"
    );
}

#[test]
fn a_name_that_does_not_resolve_fails_at_resolution() {
    let (code, c) = connect("postgres://postgres@dbrunbook-nosuch.invalid:5432/postgres", &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(phases(&c), vec![("resolve".into(), "no_such_host".into())]);
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("name resolution of dbrunbook-nosuch.invalid no such host")
    );
    assert!(
        steps(&c).contains("getent ahosts -- 'dbrunbook-nosuch.invalid'"),
        "{c:#}"
    );
}

#[test]
fn a_listener_that_never_answers_times_out_at_startup_within_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts (the kernel does, from the backlog) and never says a word.
    let started = std::time::Instant::now();
    let (code, c) = connect(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        &["--connect-timeout", "1s"],
    );
    let took = started.elapsed();
    drop(listener);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c),
        vec![
            ("resolve".into(), "ok".into()),
            ("tcp".into(), "ok".into()),
            ("startup".into(), "timed_out".into())
        ]
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(c["summary"].as_str().unwrap().contains("timed out"), "{c:#}");
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.crt`) and a server certificate it signed (`server.crt`) with these
/// subjectAltNames and `openssl ca` date options, its key readable by `postgres` only; returns
/// the paths of the CA, the certificate and the key.
fn certificate(dir: &Path, san: &str, dates: &[&str]) -> (String, String, String) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=dbrunbook test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=dbrunbook test server",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
        dir,
    );
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        format!(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
             default_md = sha256\npolicy = p\nx509_extensions = ext\n[p]\ncommonName = supplied\n\
             [ext]\nsubjectAltName = {san}\nbasicConstraints = CA:FALSE\n"
        ),
    )
    .unwrap();
    let sign = [
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        "ca.crt",
        "-keyfile",
        "ca.key",
        "-in",
        "server.csr",
        "-out",
        "server.crt",
    ];
    openssl(&[&sign[..], dates].concat(), dir);
    chown_postgres(dir);
    let key = dir.join("server.key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let path = |f: &str| dir.join(f).display().to_string();
    (path("ca.crt"), path("server.crt"), path("server.key"))
}

/// A throwaway PostgreSQL with TLS on, presenting this certificate.
fn tls_server(cert: &str, key: &str) -> ThrowawayPg {
    let (ssl_cert, ssl_key) = (format!("ssl_cert_file={cert}"), format!("ssl_key_file={key}"));
    ThrowawayPg::start(PgOptions {
        settings: &["ssl=on", &ssl_cert, &ssl_key],
        ..Default::default()
    })
}

fn verify_full(pg: &ThrowawayPg, ca: &str) -> String {
    format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={ca}",
        pg.port
    )
}

#[test]
fn an_expired_certificate_is_named() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-cert-").tempdir().unwrap();
    let (ca, cert, key) = certificate(
        dir.path(),
        "IP:127.0.0.1",
        &["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"],
    );
    let pg = tls_server(&cert, &key);
    let (code, c) = connect(&verify_full(&pg, &ca), &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("tls".to_string(), "cert_expired".to_string()),
        "{c:#}"
    );
    assert!(
        c["summary"].as_str().unwrap().contains("certificate has expired"),
        "{c:#}"
    );
}

#[test]
fn a_certificate_from_an_unknown_ca_is_named() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-cert-").tempdir().unwrap();
    let (_, cert, key) = certificate(dir.path(), "IP:127.0.0.1", &["-days", "2"]);
    let other = tempfile::Builder::new().prefix("dbrunbook-ca-").tempdir().unwrap();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=another CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        other.path(),
    );
    let pg = tls_server(&cert, &key);
    let (code, c) = connect(
        &verify_full(&pg, &other.path().join("ca.crt").display().to_string()),
        &[],
    );
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("tls".to_string(), "cert_unknown_ca".to_string()),
        "{c:#}"
    );
}

#[test]
fn a_certificate_for_another_host_fails_tls_under_verify_full() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-cert-").tempdir().unwrap();
    let (ca, cert, key) = certificate(dir.path(), "DNS:db.wrong-host.example", &["-days", "2"]);
    let pg = tls_server(&cert, &key);
    let url = verify_full(&pg, &ca);
    let (code, c) = connect(&url, &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("tls".to_string(), "cert_wrong_host".to_string()),
        "{c:#}"
    );
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("certificate is not for this host name"),
        "{c:#}"
    );
    assert!(
        steps(&c).contains("openssl s_client -starttls postgres -connect '127.0.0.1':"),
        "{c:#}"
    );

    // The same server under sslmode=require: TLS negotiated, timed, and the rest goes on (the
    // server started just now: not this test's subject).
    let (code, c) = connect(&url.replace("verify-full", "require"), &["--restarted-within", "1ms"]);
    assert_eq!(code, 0, "{c:#}");
    assert!(phases(&c).contains(&("tls".to_string(), "ok".to_string())), "{c:#}");
}

/// A socket directory as `host` beside a `hostaddr` is no server name: TLS (sslmode prefer)
/// uses the address instead of failing on the path, and the connection is made as psql makes it.
#[test]
fn socket_directory_host_with_hostaddr_connects_over_tcp() {
    let port = shared_pg_url()
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next().map(str::to_string))
        .unwrap();
    let url = format!("host=/var/run/postgresql hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres");
    let run = dbrunbook(&["connect", "--url", &url, "--format", "json"]);
    let r = run.json();
    assert!(r["target"]["server_version"].is_string(), "{r:#}");
    assert_ne!(r["checks"][0]["status"], "critical", "{r:#}");
}

#[test]
fn verify_full_checks_the_certificate_against_host_while_hostaddr_is_connected_to() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-cert-").tempdir().unwrap();
    // A name that resolves nowhere: connecting at all shows it was never looked up.
    let (ca, cert, key) = certificate(dir.path(), "DNS:db.hostaddr.invalid", &["-days", "2"]);
    let pg = tls_server(&cert, &key);
    let url = format!(
        "host=db.hostaddr.invalid hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full \
         sslrootcert={ca}",
        pg.port
    );
    let (code, c) = connect(&url, &["--restarted-within", "1ms"]);
    assert_eq!(code, 0, "{c:#}");
    assert_eq!(
        phases(&c),
        vec![
            ("tcp".into(), "ok".into()),
            ("tls".into(), "ok".into()),
            ("startup".into(), "ok".into())
        ],
        "{c:#}"
    );
    let tcp = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["phase"] == "tcp")
        .unwrap();
    assert_eq!(tcp["host"], format!("db.hostaddr.invalid:{}", pg.port), "{c:#}");
    assert_eq!(tcp["address"], format!("127.0.0.1:{}", pg.port), "{c:#}");
    // The summary names both: the name asked for and the address that answered.
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "connected to db.hostaddr.invalid:{0} (127.0.0.1:{0})",
            pg.port
        )),
        "{summary}"
    );
}

#[test]
fn a_wrong_password_fails_at_authentication_and_is_never_printed() {
    let pg = ThrowawayPg::start(PgOptions {
        password: Some("right-S3cret"),
        ..Default::default()
    });
    let url = format!("postgres://postgres:Wr0ng-S3ntinel@127.0.0.1:{}/postgres", pg.port);
    let run = dbrunbook(&["connect", "--url", &url, "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!run.all().contains("Wr0ng-S3ntinel"), "{}", run.all());
    let c = run.json()["checks"][0].clone();
    assert_eq!(
        phases(&c).last().unwrap(),
        &("startup".to_string(), "wrong_password".to_string())
    );
    assert!(steps(&c).contains("The password was refused for postgres"), "{c:#}");
}

#[test]
fn pg_hba_without_a_line_for_the_host_is_named_with_the_line_to_add() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-hba-").tempdir().unwrap();
    let hba = dir.path().join("pg_hba.conf");
    // Only the Unix socket is let in (pg_ctl needs it); no line for TCP clients.
    std::fs::write(&hba, "local all all trust\n").unwrap();
    chown_postgres(dir.path());
    let hba_file = format!("hba_file={}", hba.display());
    let pg = ThrowawayPg::start(PgOptions {
        settings: &[&hba_file],
        ..Default::default()
    });
    let (code, c) = connect(&format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port), &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("startup".to_string(), "host_not_allowed".to_string())
    );
    let steps = steps(&c);
    assert!(
        steps.contains("host    postgres    postgres    127.0.0.1/32    scram-sha-256"),
        "{steps}"
    );
    assert!(steps.contains("pg_hba_file_rules"), "{steps}");
}

/// The on-call adds the printed line as printed, reloads, and the client gets in: names that
/// pg_hba.conf would read otherwise (a keyword, a space) are quoted in the line.
#[test]
fn the_printed_pg_hba_line_admits_a_user_and_database_with_awkward_names() {
    let dir = tempfile::Builder::new().prefix("dbrunbook-hba-").tempdir().unwrap();
    let hba = dir.path().join("pg_hba.conf");
    std::fs::write(&hba, "local all all trust\n").unwrap();
    chown_postgres(dir.path());
    let hba_file = format!("hba_file={}", hba.display());
    let pg = ThrowawayPg::start(PgOptions {
        settings: &[&hba_file],
        ..Default::default()
    });
    let on_socket = |sql: &str| {
        let out = std::process::Command::new(pg.bin("psql"))
            .args(["-X", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "postgres", "-h"])
            .arg(pg.socket_dir())
            .args(["-p", &pg.port.to_string(), "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    };
    on_socket(r#"CREATE ROLE "web app" LOGIN PASSWORD 'hba-pw'"#);
    on_socket(r#"CREATE DATABASE "all" OWNER "web app""#);
    let url = format!("postgres://web%20app:hba-pw@127.0.0.1:{}/all", pg.port);

    let (code, c) = connect(&url, &[]);
    assert_eq!(code, 2, "{c:#}");
    let line = c["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["example"].as_str())
        .find(|e| e.starts_with("host"))
        .unwrap_or_else(|| panic!("a pg_hba.conf line to add: {c:#}"))
        .to_string();
    assert_eq!(line, r#"host    "all"    "web app"    127.0.0.1/32    scram-sha-256"#);

    // As the step says: the line above any that would reject this client, then reload.
    let current = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(&hba, format!("{line}\n{current}")).unwrap();
    on_socket("SELECT pg_reload_conf()");
    // The throwaway server started moments ago: no uptime counts as a restart here.
    let (code, c) = connect(&url, &["--restarted-within", "0s", "--connection-errors", "1000000"]);
    assert_eq!(code, 0, "the client gets in after the printed line: {c:#}");
}

#[test]
fn a_database_that_does_not_exist_is_named() {
    let shared = shared_pg_url();
    let url = format!("{}/dbrunbook_connect_nosuch_db", shared.rsplit_once('/').unwrap().0);
    let (code, c) = connect(&url, &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("startup".to_string(), "unknown_database".to_string())
    );
    assert!(steps(&c).contains("pg_database"), "{c:#}");
}

#[test]
fn calm_servers_connect_ok_with_every_phase_timed() {
    for (url, last) in [(shared_pg_url(), "startup"), (shared_mysql_url(), "startup")] {
        // The shared servers may have started minutes ago (a fresh machine): that restart is
        // not this test's subject.
        let (code, c) = connect(&url, &["--restarted-within", "0s", "--connection-errors", "1000000"]);
        assert_eq!(code, 0, "{c:#}");
        let p = phases(&c);
        assert_eq!(p.first().unwrap(), &("resolve".to_string(), "ok".to_string()));
        assert_eq!(p.last().unwrap(), &(last.to_string(), "ok".to_string()));
        let metrics = c["metrics"].to_string();
        assert!(
            metrics.contains("\"connect_time\"") && metrics.contains("\"uptime\""),
            "{c:#}"
        );
        assert!(c["summary"].as_str().unwrap().contains("a primary"), "{c:#}");
        assert!(c["notes"].to_string().contains("settings that end idle"), "{c:#}");
    }
}

#[test]
fn a_standby_is_reported_as_a_replica_and_critical_when_a_primary_is_expected() {
    let primary = ThrowawayPg::start(PgOptions {
        settings: &["wal_level=replica", "max_wal_senders=3"],
        ..Default::default()
    });
    let standby = Standby::of(&primary);
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", standby.port);
    let (_, c) = connect(&url, &["--restarted-within", "1ms"]);
    assert!(c["summary"].as_str().unwrap().contains("a replica"), "{c:#}");
    assert_ne!(c["status"], "critical", "{c:#}");

    let (code, c) = connect(&url, &["--restarted-within", "1ms", "--expect", "primary"]);
    assert_eq!(code, 2, "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("but this is a replica"),
        "{c:#}"
    );
    assert_eq!(c["runbook"]["id"], "server-restarted");
    assert!(steps(&c).contains("current primary"), "{c:#}");

    let (code, c) = connect(&url, &["--restarted-within", "1ms", "--expect", "replica"]);
    assert_eq!(code, 0, "{c:#}");
}

/// A hot standby of a throwaway primary: pg_basebackup -R, its own port, stopped on drop.
struct Standby {
    port: u16,
    dir: tempfile::TempDir,
    pg_ctl: std::path::PathBuf,
}

impl Standby {
    fn of(primary: &ThrowawayPg) -> Standby {
        let dir = tempfile::Builder::new().prefix("dbrunbook-standby-").tempdir().unwrap();
        chown_postgres(dir.path());
        let data = dir.path().join("data");
        let out = as_postgres(&primary.bin("pg_basebackup"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-p",
            ])
            .arg(primary.port.to_string())
            .arg("-D")
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let pg_ctl = primary.bin("pg_ctl");
        let out = as_postgres(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c hot_standby=on",
                dir.path().display()
            ))
            .arg("-l")
            .arg(dir.path().join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "standby start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Standby { port, dir, pg_ctl }
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let _ = as_postgres(&self.pg_ctl)
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

#[test]
fn a_server_restarted_moments_ago_is_a_warning_with_the_restart_runbook() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let url = pg.url("postgres", "postgres");
    // Up for two seconds at least: OK under --restarted-within 2s.
    poll(&["connect", "--url", &url, "--restarted-within", "2s"], |r| {
        r["checks"][0]["status"] == "ok"
    });
    // Judged with a window a loaded machine cannot outlast (pg_ctl's start, this connect and
    // its TLS can take more than 2 s); that the warning is this restart's, not the first
    // start's, is shown by the uptime it reports.
    let restarting = std::time::Instant::now();
    pg.restart();
    let (code, c) = connect(&url, &["--restarted-within", "10m"]);
    assert_eq!(code, 1, "{c:#}");
    let uptime = metric_of(&c, "uptime").unwrap();
    assert!(
        uptime <= restarting.elapsed().as_secs_f64(),
        "uptime {uptime} s, restarted {:?} ago",
        restarting.elapsed()
    );
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains("the server started") && summary.contains("a crash, a restart or a failover"),
        "{summary}"
    );
    assert_eq!(c["runbook"]["id"], "server-restarted");
    assert!(steps(&c).contains("log_directory"), "{c:#}");
}

/// An address of this machine other than loopback: MariaDB keeps no host cache (and so blocks
/// nobody) for 127.0.0.1 and ::1.
fn non_loopback_address() -> String {
    let out = Command::new("hostname").arg("-I").output().expect("hostname -I");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|a| a.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| !ip.is_loopback()))
        .expect("this test needs an IPv4 address other than 127.0.0.1 on this machine")
        .to_string()
}

#[test]
fn mariadb_host_blocked_after_max_connect_errors_failed_handshakes_is_1129() {
    use std::io::Read;
    let address = non_loopback_address();
    let db = ThrowawayMaria::start_with(20, &["--bind-address=0.0.0.0", "--max-connect-errors=2"]);
    // An account any host may use: without one the server answers 1130 before the handshake,
    // and that does not count as a connection error.
    let mut admin = Held::new();
    admin.mysql(&db.url("root"), 1, "CREATE USER 'dbrunbook_cx'@'%'");
    // What a load balancer's TCP health check does: read the greeting, hang up.
    for _ in 0..3 {
        let mut s = std::net::TcpStream::connect((address.as_str(), db.port)).unwrap();
        let mut greeting = [0u8; 128];
        let _ = s.read(&mut greeting).unwrap();
    }
    let url = format!("mysql://dbrunbook_cx@{address}:{}/mysql", db.port);
    let check = std::cell::RefCell::new(serde_json::Value::Null);
    // The server counts the last hang-up when it notices it: poll for the block.
    poll(&["connect", "--url", &url], |r| {
        *check.borrow_mut() = r["checks"][0].clone();
        phases(&r["checks"][0]).last().is_some_and(|p| p.1 == "host_blocked")
    });
    let c = check.into_inner();
    assert_eq!(c["status"], "critical");
    assert!(c["summary"].as_str().unwrap().contains("ERROR 1129"), "{c:#}");
    let steps = steps(&c);
    assert!(
        steps.contains("FLUSH HOSTS;") && steps.contains("mariadb-admin flush-hosts"),
        "{steps}"
    );
    assert!(steps.contains(&format!("Host {address} is blocked")), "{steps}");
}

#[test]
fn mariadb_host_not_allowed_is_1130() {
    let address = non_loopback_address();
    let db = ThrowawayMaria::start_with(20, &["--bind-address=0.0.0.0"]);
    // root exists for localhost, 127.0.0.1 and ::1 only.
    let (code, c) = connect(&format!("mysql://root@{address}:{}/mysql", db.port), &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("startup".to_string(), "host_not_allowed".to_string())
    );
    assert!(steps(&c).contains("FROM mysql.user"), "{c:#}");
}

#[test]
fn diagnose_against_a_refused_port_tells_the_failure_once() {
    let port = free_port();
    let run = dbrunbook(&[
        "diagnose",
        "--url",
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    // Said by the connect check only: its status line and its details, nowhere else.
    let saying: Vec<&str> = run.stdout.lines().filter(|l| l.contains("cannot connect")).collect();
    assert!(
        saying
            .iter()
            .all(|l| l.contains("connect") && l.starts_with("CRITICAL")),
        "{}",
        run.stdout
    );
    assert_eq!(saying.len(), 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("CRITICAL connect: cannot connect: TCP connect"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("connection-failed"), "{}", run.stdout);
    // One line each, and no details below it.
    for check in dbrunbook::checks::CHECKS.iter().skip(1) {
        let name = check.spec().name;
        let lines = run.stdout.lines().filter(|l| l.split_whitespace().nth(1) == Some(name));
        assert_eq!(
            lines
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>(),
            vec![format!("UNKNOWN {name} not run: no connection")],
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains(&format!("UNKNOWN {name}:")), "{}", run.stdout);
    }
}

#[test]
fn a_multi_host_url_reports_each_host_and_warns_when_the_first_is_down() {
    let down = free_port();
    let shared = shared_pg_url();
    let up = shared
        .rsplit_once(':')
        .unwrap()
        .1
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let url = format!("postgres://postgres@127.0.0.1:{down},127.0.0.1:{up}/postgres");
    let (code, c) = connect(&url, &["--restarted-within", "1ms"]);
    assert_eq!(code, 1, "{c:#}");
    let hosts: Vec<(String, String)> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["phase"] == "tcp")
        .map(|f| {
            (
                f["host"].as_str().unwrap().to_string(),
                f["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        vec![
            (format!("127.0.0.1:{down}"), "refused".to_string()),
            (format!("127.0.0.1:{up}"), "ok".to_string())
        ]
    );
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("connected only after a failure: TCP connect"),
        "{summary}"
    );
    assert_eq!(c["runbook"]["id"], "connection-failed");
}

#[test]
fn mariadb_unknown_user_is_access_denied_at_authentication() {
    let url = shared_mysql_url().replacen("root@", "dbrunbook_connect_nobody@", 1);
    let (code, c) = connect(&url, &[]);
    assert_eq!(code, 2, "{c:#}");
    assert_eq!(
        phases(&c).last().unwrap(),
        &("startup".to_string(), "access_denied".to_string())
    );
    assert!(steps(&c).contains("WHERE user = 'dbrunbook_connect_nobody'"), "{c:#}");
}

#[test]
fn a_bad_expect_value_is_unknown_with_what_to_type() {
    let (code, c) = connect(&shared_pg_url(), &["--expect", "leader"]);
    assert_eq!(code, 3, "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("invalid --expect 'leader': use primary or replica"),
        "{c:#}"
    );
}

#[test]
fn hang_ups_before_login_are_not_failed_logins_but_wrong_passwords_are() {
    use std::io::Read;
    let db = ThrowawayMaria::start_with(20, &[]);
    let url = db.url("root");
    // Load-balancer health checks (and dbrunbook's own retry without TLS on this server, which
    // offers none): greeting read, connection dropped, no login attempted.
    for _ in 0..5 {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", db.port)).unwrap();
        let mut greeting = [0u8; 128];
        let _ = s.read(&mut greeting).unwrap();
    }
    let metric = |r: &serde_json::Value, name: &str| metric_of(&r["checks"][0], name).unwrap_or(0.0);
    // A server this young is a restart WARNING too: what is judged here is the summary's
    // sentence on failed attempts.
    let args = ["connect", "--url", &url, "--connection-errors", "1"];
    let failed_attempts = |r: &serde_json::Value| {
        r["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("failed connection attempts")
    };
    let calm = poll(&args, |r| metric(r, "aborted_connects_preauth") >= 5.0);
    assert!(!failed_attempts(&calm), "{calm:#}");
    // Two logins with a wrong password are failed attempts: past one an hour, a WARNING.
    let wrong = url.replacen("root@", "root:wrong-pw@", 1);
    for _ in 0..2 {
        assert_eq!(dbrunbook(&["connect", "--url", &wrong]).code, 2);
    }
    let warned = poll(&args, failed_attempts);
    assert_eq!(warned["checks"][0]["status"], "warning", "{warned:#}");
}
