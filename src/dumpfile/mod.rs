//! Backup files, read by content and never by name, for the `backups` check and `restore-check`
//! alike: which compression wraps a file (gzip, zstd, xz, bzip2), which dump is inside (pg_dump
//! plain, custom, tar or directory, pg_dumpall, mysqldump/mariadb-dump with or without its
//! comments), and which pg_dump wrote it. One name per dump, whichever command asks. Streaming
//! through the decoders is `stream.rs`, completeness `complete.rs`, pg_dump's archive layout
//! `archive.rs`; what a command does with the dump (judge it, restore it) is not here.

pub mod archive;
pub mod complete;
pub mod stream;

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::target::Engine;

pub use complete::{Completeness, verify};
pub use stream::{Budget, decoder, open};

/// Bytes read from the start (after decompression) to recognise the dump.
const HEAD: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    fn sniff(magic: &[u8]) -> Option<Compression> {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if magic.starts_with(b"BZh") {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }
}

/// What kind of dump a file is (a report's output format is `report::output::Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    PgPlain,
    PgDumpall,
    PgCustom,
    PgTar,
    PgDirectory,
    Mysqldump,
    /// mysqldump --compact / --skip-comments: no header, so no footer to look for.
    MysqldumpNoComments,
    Empty,
    /// A compressed file whose start cannot even be decompressed.
    Unreadable,
}

impl DumpFormat {
    /// The name in reports (the `backups` finding's `format` field, restore-check's summary).
    pub fn name(self) -> &'static str {
        match self {
            DumpFormat::PgPlain => "pg_dump plain",
            DumpFormat::PgDumpall => "pg_dumpall",
            DumpFormat::PgCustom => "pg_dump custom",
            DumpFormat::PgTar => "pg_dump tar",
            DumpFormat::PgDirectory => "pg_dump directory",
            DumpFormat::Mysqldump => "mysqldump",
            DumpFormat::MysqldumpNoComments => "mysqldump (no comments)",
            DumpFormat::Empty => "empty",
            DumpFormat::Unreadable => "unreadable",
        }
    }

    /// The engine whose dump this is; `None` for a file with nothing in it to tell.
    pub fn engine(self) -> Option<Engine> {
        match self {
            DumpFormat::PgPlain
            | DumpFormat::PgDumpall
            | DumpFormat::PgCustom
            | DumpFormat::PgTar
            | DumpFormat::PgDirectory => Some(Engine::Postgres),
            DumpFormat::Mysqldump | DumpFormat::MysqldumpNoComments => Some(Engine::Mysql),
            DumpFormat::Empty | DumpFormat::Unreadable => None,
        }
    }
}

/// What one file or directory turned out to be.
#[derive(Debug, Clone)]
pub struct Sniffed {
    pub format: DumpFormat,
    pub compression: Option<Compression>,
    /// The major version of the pg_dump that wrote it, when the dump says (e.g. 15).
    pub dump_major: Option<u32>,
}

impl Sniffed {
    fn bare(format: DumpFormat, compression: Option<Compression>) -> Sniffed {
        Sniffed {
            format,
            compression,
            dump_major: None,
        }
    }

    /// `pg_dump custom`, or `mysqldump (gzip)` when compressed.
    pub fn described(&self) -> String {
        match self.compression {
            Some(c) => format!("{} ({})", self.format.name(), c.name()),
            None => self.format.name().to_string(),
        }
    }
}

/// Opens `path` for reading only when it is a regular file: a FIFO, socket or device (also
/// behind a symlink such as `/proc/self/fd/N`) is refused at once. Opened non-blocking, so even
/// a FIFO put in its place after the check cannot hold the open, then checked again on the
/// open descriptor (fstat).
pub fn open_regular(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    not_special(path)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(special(path));
    }
    Ok(file)
}

/// `path` (a symlink followed) is a regular file or a directory: anything else is refused.
pub fn not_special(path: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() || meta.is_dir() {
        return Ok(());
    }
    Err(special(path))
}

fn special(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is not a regular file or directory (a FIFO, socket or device): only backup files and directories are \
             read",
            path.display()
        ),
    )
}

/// What the file's first bytes say (for a directory, its `toc.dat`); `None`: not a backup this
/// tool knows.
pub fn sniff(path: &Path) -> io::Result<Option<Sniffed>> {
    if path.is_dir() {
        return Ok(sniff_directory(path));
    }
    let mut raw = open_regular(path)?;
    let mut magic = [0u8; 6];
    let n = read_full(&mut raw, &mut magic)?;
    if n == 0 {
        return Ok(Some(Sniffed::bare(DumpFormat::Empty, None)));
    }
    let compression = Compression::sniff(&magic[..n]);
    raw.seek(SeekFrom::Start(0))?;
    let mut head = vec![0u8; HEAD];
    let got = match compression {
        None => read_full(&mut raw, &mut head),
        Some(c) => read_full(&mut decoder(c, BufReader::new(raw)), &mut head),
    };
    let got = match (got, compression) {
        (Ok(got), _) => got,
        (Err(_), Some(c)) => return Ok(Some(Sniffed::bare(DumpFormat::Unreadable, Some(c)))),
        (Err(e), None) => return Err(e),
    };
    if got == 0 {
        return Ok(Some(Sniffed::bare(DumpFormat::Empty, compression)));
    }
    Ok(recognise(&head[..got]).map(|(format, dump_major)| Sniffed {
        format,
        compression,
        dump_major,
    }))
}

/// A directory is a pg_dump directory-format dump when it holds `toc.dat`.
fn sniff_directory(path: &Path) -> Option<Sniffed> {
    let mut head = Vec::new();
    let toc = open_regular(&path.join("toc.dat")).ok()?;
    // Unreadable bytes leave the version unknown; completeness says what is wrong with them.
    let _ = toc.take(HEAD as u64).read_to_end(&mut head);
    Some(Sniffed {
        dump_major: archive::header(&head).and_then(|h| h.dump_major),
        ..Sniffed::bare(DumpFormat::PgDirectory, None)
    })
}

/// The dump in a file's first (decompressed) bytes, and the major of the pg_dump that wrote it.
fn recognise(head: &[u8]) -> Option<(DumpFormat, Option<u32>)> {
    if head.starts_with(b"PGDMP") {
        return Some((DumpFormat::PgCustom, archive::header(head).and_then(|h| h.dump_major)));
    }
    // A tar archive's first member header: name at 0, "ustar" at 257. pg_dump writes toc.dat
    // first; any other tar (pg_basebackup's base.tar, a tarball of configs) is not a pg_dump.
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        if !head.starts_with(b"toc.dat\0") {
            return None;
        }
        let major = head.get(512..).and_then(archive::header).and_then(|h| h.dump_major);
        return Some((DumpFormat::PgTar, major));
    }
    let text = String::from_utf8_lossy(head);
    if text.contains("-- PostgreSQL database cluster dump") {
        Some((DumpFormat::PgDumpall, None))
    } else if text.contains("-- PostgreSQL database dump") {
        let major = text
            .lines()
            .find_map(|l| l.strip_prefix("-- Dumped by pg_dump version "))
            .and_then(major_of);
        Some((DumpFormat::PgPlain, major))
    } else if text.contains("-- MySQL dump") || text.contains("-- MariaDB dump") {
        Some((DumpFormat::Mysqldump, None))
    } else if text.starts_with("/*M!999999")
        || text.starts_with("/*!40")
        || text.starts_with("CREATE TABLE `")
        || text.contains("/*!40101 SET")
    {
        // mysqldump --compact / --skip-comments: no header, but its session settings or
        // backquoted DDL; the footer is missing by design.
        Some((DumpFormat::MysqldumpNoComments, None))
    } else {
        None
    }
}

/// `15.20 (Debian 15.20-0+deb12u1)` → 15; `9.6.24` → 9.
pub fn major_of(version: &str) -> Option<u32> {
    version.trim().split(['.', ' ']).next()?.parse().ok()
}

/// Bytes on disk: the file, or every file of a directory-format dump.
pub fn size_on_disk(path: &Path) -> u64 {
    if !path.is_dir() {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    }
    std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_recognised_by_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Some(Compression::Gzip));
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Some(Compression::Zstd)
        );
        assert_eq!(Compression::sniff(b"\xfd7zXZ\x00rest"), Some(Compression::Xz));
        assert_eq!(Compression::sniff(b"BZh91AY"), Some(Compression::Bzip2));
        assert_eq!(Compression::sniff(b"--\n-- PostgreSQL"), None);
    }

    #[test]
    fn plain_dumps_give_their_pg_dump_major() {
        let head = b"--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.4\n\
                     -- Dumped by pg_dump version 17.2 (Debian 17.2-1)\n";
        assert_eq!(recognise(head), Some((DumpFormat::PgPlain, Some(17))));
        let all = b"--\n-- PostgreSQL database cluster dump\n--\n";
        assert_eq!(recognise(all), Some((DumpFormat::PgDumpall, None)));
        assert_eq!(recognise(b"hello world"), None);
    }

    #[test]
    fn mysqldumps_with_and_without_comments() {
        assert_eq!(
            recognise(b"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n"),
            Some((DumpFormat::Mysqldump, None))
        );
        assert_eq!(
            recognise(b"/*!40101 SET NAMES utf8 */;\n"),
            Some((DumpFormat::MysqldumpNoComments, None))
        );
        assert_eq!(
            recognise(b"/*M!999999\\- enable the sandbox mode */ \n/*!40101 SET NAMES utf8mb4 */;\n"),
            Some((DumpFormat::MysqldumpNoComments, None))
        );
    }

    #[test]
    fn a_tar_that_does_not_start_with_toc_dat_is_not_a_pg_dump() {
        let mut tar = vec![0u8; 1024];
        tar[..8].copy_from_slice(b"base.tar");
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(recognise(&tar), None);
        tar[..8].copy_from_slice(b"toc.dat\0");
        assert_eq!(recognise(&tar), Some((DumpFormat::PgTar, None)));
    }
}
