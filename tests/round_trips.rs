//! `dbrunbook check` through a proxy that counts round trips: connecting, then every query of
//! every check in one flight. Over a 50 ms path each round trip costs 50 ms, so this is the
//! number that decides how fast the tool is from a laptop.

use crate::support::proxy::CountingProxy;
use crate::support::*;

fn port_of(url: &str) -> u16 {
    let after_host = url.rsplit_once(':').unwrap().1;
    after_host.split('/').next().unwrap().parse().unwrap()
}

/// Startup with trust auth is one flight, the batch another; the last one is the goodbye
/// (Terminate, COM_QUIT), which waits for nothing.
const CONNECT_AND_BATCH_AND_GOODBYE: usize = 3;

#[test]
fn check_on_postgres_sends_every_query_in_one_round_trip() {
    let proxy = CountingProxy::start(port_of(&shared_pg_url()));
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable", proxy.port);
    let run = dbrunbook(&["check", "--url", &url, "--format", "json"]);
    // 1 only from connect, for a server started minutes ago. The shared server keeps no
    // statement statistics, so slow sends no follow-up (with them, its follow-up is one more
    // flight, like migrations').
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    // Every check ran; the shared database has no migration tables, so the migrations check
    // sends no follow-up batch (with one, that batch is one more flight).
    assert_eq!(
        run.json()["checks"].as_array().unwrap().len(),
        dbrunbook::checks::CHECKS.len()
    );
    assert!(
        proxy.client_flights() <= CONNECT_AND_BATCH_AND_GOODBYE,
        "{} client flights: the queries are not pipelined",
        proxy.client_flights()
    );
}

#[test]
fn check_on_mariadb_sends_settings_and_queries_in_one_request() {
    let proxy = CountingProxy::start(port_of(&shared_mysql_url()));
    let url = format!("mysql://root@127.0.0.1:{}/test?ssl-mode=DISABLED", proxy.port);
    let run = dbrunbook(&["check", "--url", &url, "--format", "json"]);
    // 1 only from connect, for a server started minutes ago. The shared server keeps no
    // statement statistics, so slow sends no follow-up (with them, its follow-up is one more
    // flight, like migrations').
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    assert!(
        proxy.client_flights() <= CONNECT_AND_BATCH_AND_GOODBYE,
        "{} client flights: settings and queries are not one request",
        proxy.client_flights()
    );
}

/// The bloat estimate over pg_stats is the costliest statement to plan on a new connection, so
/// size asks for it only when some table or index reaches --bloat-min-size (a follow-up round),
/// never otherwise.
#[test]
fn size_asks_for_the_bloat_estimate_only_when_something_is_big_enough() {
    // A server of its own: on the shared one, the other tests' sessions and locks may change
    // what size reads while the flights are counted. Its statement log says what was asked.
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["log_min_duration_statement=0"],
        ..PgOptions::default()
    });
    let estimates = || {
        pg.log()
            .lines()
            .filter(|l| l.contains(" execute ") && l.contains("Bloat estimates for the largest tables"))
            .count()
    };
    let client_flights = |min: &str| {
        let proxy = CountingProxy::start(pg.port);
        let url = format!("postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable", proxy.port);
        let run = dbrunbook(&["size", "--url", &url, "--bloat-min-size", min, "--format", "json"]);
        assert_ne!(run.json()["checks"][0]["status"], "unknown", "{}", run.all());
        proxy.client_flights()
    };
    // No relation of a new cluster's postgres database reaches 1 TB; every catalog reaches 8 kB.
    let small = client_flights("1TB");
    assert_eq!(
        estimates(),
        0,
        "the estimate was asked with nothing that big:\n{}",
        pg.log()
    );
    assert!(
        small <= CONNECT_AND_BATCH_AND_GOODBYE,
        "{small} flights without a big relation"
    );
    client_flights("8kB");
    assert_eq!(
        estimates(),
        1,
        "the estimate was not asked for big relations:\n{}",
        pg.log()
    );
    // Not compared by flights: the size check's batch is over 8 kB and leaves the client in two
    // writes, and on a loaded machine the server may answer the first before the second
    // arrives, one more flight either way (a loaded .ci/run counted 3 answered flights for both).
}

/// sslmode=require on PostgreSQL: no HelloRetryRequest. A key share for a group the server does
/// not take (X25519 against PostgreSQL's default ssl_ecdh_curve prime256v1) costs one: a
/// second ClientHello and key exchange on every connection, 50 ms more over a 50 ms path.
#[test]
fn tls_on_postgres_costs_no_hello_retry() {
    let proxy = CountingProxy::start(port_of(&shared_pg_url()));
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres?sslmode=require", proxy.port);
    let run = dbrunbook(&["diagnose", "--only", "pool", "--url", &url, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!proxy.saw_hello_retry(), "the server asked for a second ClientHello");
}
