//! Recognising a backup by its content, never by its name: pg_dump's plain, custom, tar and
//! directory formats, mysqldump/mariadb-dump SQL, each possibly gzip, zstd, xz or bzip2
//! compressed. Only the first bytes are read (through the decompressor for compressed files).
//! Running the restore is `tool`'s job.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// How much of the start of a backup is looked at.
const HEAD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// The decompressor that streams the file to stdout, and its name for messages.
    pub fn decompressor(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
            Compression::Xz => Some("xz"),
            Compression::Bzip2 => Some("bzip2"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    PgPlain,
    PgCustom,
    PgTar,
    PgDirectory,
    MysqlDump,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::PgPlain => "pg_dump plain SQL",
            Format::PgCustom => "pg_dump custom format",
            Format::PgTar => "pg_dump tar format",
            Format::PgDirectory => "pg_dump directory format",
            Format::MysqlDump => "mysqldump SQL",
        }
    }

    pub fn is_postgres(self) -> bool {
        self != Format::MysqlDump
    }
}

/// A recognised backup.
#[derive(Debug, Clone)]
pub struct Backup {
    pub path: PathBuf,
    pub format: Format,
    pub compression: Compression,
    /// Bytes on disk: the file, or every file of a directory-format dump.
    pub size: u64,
    /// The major version of the pg_dump that wrote it, when the dump says (e.g. 15).
    pub dump_major: Option<u32>,
    /// A mysqldump file with its header comment, so its closing `-- Dump completed` is due too
    /// (both are missing with --compact or --skip-comments).
    pub commented: bool,
}

pub fn detect(path: &Path) -> Result<Backup> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read the backup {}", path.display()))?;
    if meta.is_dir() {
        let toc = path.join("toc.dat");
        let mut head = Vec::new();
        File::open(&toc)
            .with_context(|| {
                format!(
                    "{} is a directory without toc.dat: not a pg_dump directory-format dump",
                    path.display()
                )
            })?
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)?;
        let header = archive_header(&head)
            .with_context(|| format!("{} does not start with pg_dump's PGDMP header", toc.display()))?;
        return Ok(Backup {
            path: path.to_path_buf(),
            format: Format::PgDirectory,
            compression: Compression::None,
            size: dir_size(path)?,
            dump_major: header.dump_major,
            commented: false,
        });
    }
    let mut raw = Vec::new();
    File::open(path)
        .with_context(|| format!("cannot open the backup {}", path.display()))?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut raw)?;
    if raw.is_empty() {
        bail!("the backup {} is empty", path.display());
    }
    let compression = Compression::sniff(&raw);
    let head = match compression.decompressor() {
        None => raw,
        Some(tool) => decompressed_head(tool, path)?,
    };
    let (format, dump_major) = sniff_content(&head).with_context(|| {
        format!(
            "{} is not a backup restore-check knows: expected a pg_dump file or directory, or a mysqldump file",
            path.display()
        )
    })?;
    Ok(Backup {
        path: path.to_path_buf(),
        format,
        compression,
        size: meta.len(),
        dump_major,
        commented: format == Format::MysqlDump && is_commented_mysqldump(&head),
    })
}

fn sniff_content(head: &[u8]) -> Result<(Format, Option<u32>)> {
    if let Some(h) = archive_header(head) {
        return Ok((Format::PgCustom, h.dump_major));
    }
    // A tar archive's first member header: name at 0, "ustar" at 257; pg_dump's first is toc.dat.
    if head.len() >= 1024 && &head[257..262] == b"ustar" && head.starts_with(b"toc.dat\0") {
        let h = archive_header(&head[512..]).context("a tar archive whose toc.dat lacks the PGDMP header")?;
        return Ok((Format::PgTar, h.dump_major));
    }
    let text = String::from_utf8_lossy(head);
    if text.contains("-- PostgreSQL database cluster dump") {
        bail!(
            "a pg_dumpall file (a whole cluster: roles and every database); restore-check restores one database's \
             dump (pg_dump)"
        );
    }
    if text.contains("-- PostgreSQL database dump") {
        let major = text
            .lines()
            .find_map(|l| l.strip_prefix("-- Dumped by pg_dump version "))
            .and_then(major_of);
        return Ok((Format::PgPlain, major));
    }
    if is_commented_mysqldump(head) || text.contains("/*!40101 SET") {
        return Ok((Format::MysqlDump, None));
    }
    bail!("no pg_dump or mysqldump header in its first {} KiB", HEAD_BYTES / 1024)
}

fn is_commented_mysqldump(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("-- MySQL dump") || text.contains("-- MariaDB dump")
}

/// `15.20 (Debian 15.20-0+deb12u1)` → 15; `9.6.24` → 9.
pub fn major_of(version: &str) -> Option<u32> {
    version.trim().split(['.', ' ']).next()?.parse().ok()
}

fn decompressed_head(tool: &str, path: &Path) -> Result<Vec<u8>> {
    let mut child = Command::new(tool)
        .arg("-dc")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {tool} to read the compressed backup: install it"))?;
    let mut head = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|o| o.take(HEAD_BYTES as u64).read_to_end(&mut head));
    let _ = child.kill();
    let _ = child.wait();
    read.transpose()?;
    if head.is_empty() {
        bail!(
            "{tool} could not decompress {}: a damaged or empty file",
            path.display()
        );
    }
    Ok(head)
}

fn dir_size(path: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

/// What the start of a custom-format archive (or a directory dump's toc.dat) says.
#[derive(Debug, PartialEq)]
pub struct ArchiveHeader {
    pub database: Option<String>,
    pub dump_major: Option<u32>,
}

/// Reads pg_dump's archive header (`pg_backup_archiver.c`, `ReadHead`): magic, format version,
/// integer sizes, compression, creation time, database name, server and pg_dump versions.
pub fn archive_header(b: &[u8]) -> Option<ArchiveHeader> {
    let rest = b.strip_prefix(b"PGDMP")?;
    let (vmaj, vmin) = (*rest.first()?, *rest.get(1)?);
    let int_size = *rest.get(3)? as usize;
    let mut pos = 6; // vmaj, vmin, vrev, intSize, offSize, format
    let version = (vmaj, vmin);
    let read_int = |pos: &mut usize| -> Option<i64> {
        let sign = *rest.get(*pos)?;
        let bytes = rest.get(*pos + 1..*pos + 1 + int_size)?;
        *pos += 1 + int_size;
        let mut v: i64 = 0;
        for (i, byte) in bytes.iter().enumerate().take(8) {
            v |= (*byte as i64) << (8 * i);
        }
        Some(if sign != 0 { -v } else { v })
    };
    let read_str = |pos: &mut usize| -> Option<Option<String>> {
        let len = read_int(pos)?;
        if len < 0 {
            return Some(None);
        }
        let s = rest.get(*pos..*pos + len as usize)?;
        *pos += len as usize;
        Some(Some(String::from_utf8_lossy(s).into_owned()))
    };
    if version >= (1, 15) {
        pos += 1; // compression algorithm
    } else if version >= (1, 2) {
        read_int(&mut pos)?; // compression level
    }
    if version >= (1, 4) {
        for _ in 0..7 {
            read_int(&mut pos)?;
        }
    }
    let database = read_str(&mut pos)?;
    let mut dump_major = None;
    if version >= (1, 10) {
        let _server = read_str(&mut pos)?;
        dump_major = read_str(&mut pos)?.as_deref().and_then(major_of);
    }
    Some(ArchiveHeader { database, dump_major })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_recognised_by_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
        assert_eq!(Compression::sniff(b"\xfd7zXZ\x00rest"), Compression::Xz);
        assert_eq!(Compression::sniff(b"BZh91AY"), Compression::Bzip2);
        assert_eq!(Compression::sniff(b"--\n-- PostgreSQL"), Compression::None);
    }

    #[test]
    fn plain_dumps_give_their_pg_dump_major() {
        let head = b"--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.4\n\
                     -- Dumped by pg_dump version 17.2 (Debian 17.2-1)\n";
        assert_eq!(sniff_content(head).unwrap(), (Format::PgPlain, Some(17)));
        let my = b"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n";
        assert_eq!(sniff_content(my).unwrap().0, Format::MysqlDump);
        let all = b"--\n-- PostgreSQL database cluster dump\n--\n";
        assert!(format!("{:#}", sniff_content(all).unwrap_err()).contains("pg_dumpall"));
        assert!(sniff_content(b"hello world").is_err());
    }

    #[test]
    fn archive_header_of_format_1_16() {
        // PGDMP 1.16.0, int size 4, off size 8, custom; compression none; seven time ints;
        // dbname "app"; server "18.1"; pg_dump "18.1".
        let mut h = b"PGDMP\x01\x10\x00\x04\x08\x01\x00".to_vec();
        let int = |v: i32| {
            let mut b = vec![0u8];
            b.extend_from_slice(&v.to_le_bytes());
            b
        };
        for v in [1, 2, 3, 4, 5, 125, 0] {
            h.extend(int(v));
        }
        for s in ["app", "18.1", "18.1"] {
            h.extend(int(s.len() as i32));
            h.extend_from_slice(s.as_bytes());
        }
        assert_eq!(
            archive_header(&h),
            Some(ArchiveHeader {
                database: Some("app".into()),
                dump_major: Some(18)
            })
        );
        assert_eq!(archive_header(&h[..20]), None);
        assert_eq!(archive_header(b"PGDMX"), None);
    }
}
