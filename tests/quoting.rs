//! The quoting module against the real MariaDB, under the default `sql_mode` and under
//! `NO_BACKSLASH_ESCAPES`: a hostile name quoted as an identifier, a literal or a GRANT account
//! must name exactly that object on the server, or a printed step silently matches nothing.

use crate::support::shared_mysql_url;
use dbrunbook::quote;
use mysql_async::prelude::Queryable;

const MODES: [&str; 2] = ["", "NO_BACKSLASH_ESCAPES"];

async fn session(mode: &str) -> mysql_async::Conn {
    let mut conn = mysql_async::Conn::from_url(shared_mysql_url()).await.expect("MariaDB");
    conn.query_drop(format!("SET SESSION sql_mode = {}", quote::mysql::literal(mode)))
        .await
        .expect("sql_mode");
    conn
}

/// What the server reads `expr` as, compared by bytes with `expected`.
async fn reads_as(conn: &mut mysql_async::Conn, expr: &str, expected: &str) -> bool {
    let hex: String = expected.bytes().map(|b| format!("{b:02X}")).collect();
    let same: Option<i64> = conn
        .query_first(format!("SELECT HEX({expr}) = '{hex}'"))
        .await
        .unwrap_or_else(|e| panic!("{expr}: {e}"));
    same == Some(1)
}

#[tokio::test]
async fn mysql_identifiers_and_quote_free_literals_read_alike_under_every_sql_mode() {
    let table = "dbrunbook q`t\"'\\x";
    for mode in MODES {
        let mut conn = session(mode).await;
        let ident = quote::mysql::ident(table);
        conn.query_drop(format!("CREATE TEMPORARY TABLE {ident} (c int)"))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {ident}: {e}"));
        let shown: Option<(String, String)> = conn
            .query_first(format!("SHOW CREATE TABLE {ident}"))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(shown.map(|(name, _)| name).as_deref(), Some(table), "{mode}: {ident}");
        for text in ["it's", "a\"b`c", "%_", ""] {
            let literal = quote::mysql::literal(text);
            assert!(reads_as(&mut conn, &literal, text).await, "{mode}: {literal}");
        }
    }
}

#[tokio::test]
async fn a_mysql_literal_with_a_backslash_reads_alike_under_every_sql_mode() {
    for text in ["C:\\dir\\it's", "dom\\user", "\\", "é\\%"] {
        let literal = quote::mysql::literal(text);
        for mode in MODES {
            assert!(
                reads_as(&mut session(mode).await, &literal, text).await,
                "{mode}: {literal}"
            );
            // Compared with a column of the server's own catalog, as the runbooks' steps do.
            let mut conn = session(mode).await;
            let found: Option<i64> = conn
                .query_first(format!(
                    "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE CONCAT(SCHEMA_NAME, {literal}) = CONCAT('test', {literal})"
                ))
                .await
                .unwrap_or_else(|e| panic!("{mode}: {literal}: {e}"));
            assert_eq!(found, Some(1), "{mode}: {literal}");
        }
    }
}

#[tokio::test]
async fn a_grant_account_with_a_backslash_names_that_account_under_every_sql_mode() {
    let user = "dbrunbook_q\\o'k";
    let account = quote::mysql::account(&format!("{user}@%"));
    let mut admin = session("").await;
    admin
        .query_drop(format!("DROP USER IF EXISTS {account}"))
        .await
        .unwrap_or_else(|e| panic!("{account}: {e}"));
    admin
        .query_drop(format!("CREATE USER {account}"))
        .await
        .expect("create user");
    assert!(
        reads_as(
            &mut admin,
            "(SELECT User FROM mysql.user WHERE User LIKE 'dbrunbook_q%')",
            user
        )
        .await,
        "{account}"
    );
    for mode in MODES {
        let mut conn = session(mode).await;
        let grants: Vec<String> = conn
            .query(format!("SHOW GRANTS FOR {account}"))
            .await
            .unwrap_or_else(|e| panic!("{mode}: SHOW GRANTS FOR {account}: {e}"));
        assert!(
            grants.iter().any(|g| g.starts_with("GRANT USAGE")),
            "{mode}: {grants:?}"
        );
    }
    admin
        .query_drop(format!("DROP USER {account}"))
        .await
        .expect("drop user");
}
