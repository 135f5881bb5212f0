//! The checksums migration tools record for a file when they apply it, computed the way each
//! tool computes them, so a file edited after it ran is caught before the tool itself refuses
//! to migrate. Which rows carry a checksum, and comparing, is the directory parsers' business.
//!
//! Rules read from the tools' source:
//! - Flyway (`ChecksumCalculator`): CRC32 over the file's lines as `BufferedReader.readLine`
//!   returns them (terminators `\n`, `\r\n` and `\r` dropped, so line endings never matter), a
//!   byte-order mark dropped from the first line, each line fed as UTF-8; stored as a signed
//!   32-bit integer.
//! - sqlx (`sqlx-core/src/migrate/migration.rs`): SHA-384 of the whole file text, stored as
//!   bytes (`bytea`/`BLOB`, read here as hex).
//! - Prisma (schema engine `checksum.rs`): SHA-256 of `migration.sql` as lowercase hex; a file
//!   matches when the script, or the script with CRLF made LF, or LF made CRLF, hashes to the
//!   recorded value (git rewrites line endings); old engines wrote each byte without zero
//!   padding, recognised by a recorded string that is not 64 characters long.
//! - Liquibase 4.x, checksum version 9 (`liquibase-standard`: `AbstractSQLChange.generateCheckSum`
//!   with its `NormalizingStream`, `ChangeSet.generateCheckSum`, `CheckSum.compute`,
//!   `HashingUtil.encodeHex`): a raw SQL change hashes its trimmed SQL with every space, tab,
//!   CR and LF removed (MD5, lowercase zero-padded hex); the changeset then hashes the text
//!   `9:<that hex>:` (one `<checksum>:` per change, one change per formatted-SQL changeset) and
//!   is stored as `9:<hex>`. Checked against sums written by Liquibase 4.28.1 itself (tests).

use md5::Md5;
use sha2::{Digest, Sha256, Sha384};

/// Flyway's checksum of a script, as it stores it in `flyway_schema_history.checksum`.
pub fn flyway_crc32(bytes: &[u8]) -> i32 {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut crc = crc32fast::Hasher::new();
    // Splitting on every \r and \n drops the terminators; the empty pieces between \r and \n
    // add no bytes, exactly as readLine's terminators add none.
    for line in text.split(['\r', '\n']) {
        crc.update(line.as_bytes());
    }
    crc.finalize() as i32
}

/// sqlx's checksum of a migration file, as lowercase hex.
pub fn sqlx_sha384(bytes: &[u8]) -> String {
    hex(&Sha384::digest(bytes))
}

/// Whether Prisma would accept `migration.sql` as the script it recorded with `recorded`.
pub fn prisma_matches(script: &[u8], recorded: &str) -> bool {
    let text = String::from_utf8_lossy(script);
    let recorded = recorded.trim();
    let old_format = !recorded.is_empty() && recorded.len() != 64;
    [text.to_string(), text.replace("\r\n", "\n"), text.replace('\n', "\r\n")]
        .iter()
        .any(|variant| {
            let digest = Sha256::digest(variant.as_bytes());
            let shown = if old_format {
                digest.iter().map(|b| format!("{b:x}")).collect()
            } else {
                hex(&digest)
            };
            shown.eq_ignore_ascii_case(recorded)
        })
}

/// Prisma's checksum of a script, as a new engine writes it.
pub fn prisma_sha256(script: &[u8]) -> String {
    hex(&Sha256::digest(script))
}

/// Liquibase's v9 checksum of a formatted-SQL changeset whose SQL (the changeset's lines
/// without its `--rollback`, `--comment`, `--precondition` and other directive lines) is `sql`,
/// as DATABASECHANGELOG.MD5SUM stores it.
pub fn liquibase_v9(sql: &str) -> String {
    // Java's String.trim: every char up to U+0020 at either end.
    let sql = sql.trim_matches(|c: char| c <= ' ');
    let squeezed: Vec<u8> = sql
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    let change = format!("9:{}:", md5_hex(&squeezed));
    format!("9:{}", md5_hex(change.as_bytes()))
}

// md-5 (RustCrypto, the family of the sha2 used above) is already built for tokio-postgres's
// SCRAM/MD5 authentication: no new code to trust; its `Digest` is digest 0.11's, not sha2's.
fn md5_hex(bytes: &[u8]) -> String {
    hex(&<Md5 as md5::Digest>::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_ignores_line_endings_and_a_bom_but_not_content() {
        // CRC32 of "SELECT 1;" and of "ab" (the lines of "a\nb"), computed independently
        // (zlib.crc32), read as signed like Java's (int) cast.
        assert_eq!(flyway_crc32(b"SELECT 1;"), 0x04b2_335c);
        let ab = crc32fast::hash(b"ab") as i32;
        assert_eq!(flyway_crc32(b"a\nb\n"), ab);
        assert_eq!(flyway_crc32(b"a\r\nb\r\n"), ab);
        assert_eq!(flyway_crc32(b"a\rb"), ab);
        assert_eq!(flyway_crc32("\u{feff}a\nb".as_bytes()), ab);
        assert_ne!(flyway_crc32(b"a\nc"), ab);
    }

    #[test]
    fn sqlx_hashes_the_file_as_is() {
        // sha384("") is a published test vector.
        assert!(sqlx_sha384(b"").starts_with("38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"));
        assert_ne!(sqlx_sha384(b"a\n"), sqlx_sha384(b"a\r\n"));
    }

    #[test]
    fn liquibase_v9_matches_sums_written_by_liquibase_itself() {
        // Written by Liquibase 4.28.1 (`liquibase update` on PostgreSQL 15) for these changesets;
        // tests/migrations_liquibase.rs repeats the run when Liquibase is installed.
        assert_eq!(
            liquibase_v9("CREATE TABLE a (id int);"),
            "9:c89e591e0fb4b4e3115b62802f20a3e5"
        );
        assert_eq!(
            liquibase_v9("-- a comment line that is part of the SQL\nCREATE TABLE b (\n    id int,\n\tname text\n);"),
            "9:240cf491f9e8fb2f96d11c09c4520c74"
        );
        assert_eq!(
            liquibase_v9("CREATE TABLE c (id int);\r\nCREATE INDEX c_id ON c (id);\r\n"),
            "9:d2c6c4a59cda0c5f09f6e1f6ee9a51e3"
        );
        assert_ne!(
            liquibase_v9("CREATE TABLE a (id bigint);"),
            liquibase_v9("CREATE TABLE a (id int);")
        );
    }

    #[test]
    fn prisma_accepts_either_line_ending_and_the_unpadded_format() {
        let lf = b"CREATE TABLE t (id int);\nCREATE INDEX ON t (id);\n";
        let crlf = b"CREATE TABLE t (id int);\r\nCREATE INDEX ON t (id);\r\n";
        let recorded = prisma_sha256(lf);
        assert_eq!(recorded.len(), 64);
        assert!(prisma_matches(lf, &recorded));
        assert!(prisma_matches(crlf, &recorded));
        assert!(!prisma_matches(b"CREATE TABLE t (id bigint);\n", &recorded));
        let unpadded: String = Sha256::digest(lf).iter().map(|b| format!("{b:x}")).collect();
        assert_eq!(unpadded.len(), 60, "this script's digest has bytes below 0x10");
        assert!(prisma_matches(lf, &unpadded));
    }
}
