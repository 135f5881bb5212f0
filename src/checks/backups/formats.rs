//! One backup file, read by content: which compression wraps it (gzip, zstd, xz, bzip2, each
//! streamed through its decoder, never written out), which dump format is inside (pg_dump plain,
//! pg_dumpall, custom, tar, mysqldump/mariadb-dump) and whether it is complete. Memory stays
//! flat whatever the file's size: a rolling tail for text dumps, block headers for archives.
//! The archive formats' tables of contents live in `archive.rs`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::archive;

/// Bytes kept from a text dump's end: its trailer lines and what pg_dump writes after them.
const TAIL: usize = 8 * 1024;
/// Bytes read from the start to recognise the format.
const HEAD: usize = 8 * 1024;
/// Files larger than this get a progress bar on a terminal.
const PROGRESS_FROM: u64 = 256 * 1024 * 1024;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
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

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::PgPlain => "pg_dump plain",
            Format::PgDumpall => "pg_dumpall",
            Format::PgCustom => "pg_dump custom",
            Format::PgTar => "pg_dump tar",
            Format::PgDirectory => "pg_dump directory",
            Format::Mysqldump => "mysqldump",
            Format::MysqldumpNoComments => "mysqldump (no comments)",
            Format::Empty => "empty",
            Format::Unreadable => "unreadable",
        }
    }
}

/// Whether a backup holds everything it set out to.
#[derive(Debug, Clone, PartialEq)]
pub enum Completeness {
    Complete,
    /// What is missing or broken.
    Incomplete(String),
    /// Why it cannot be told (a mysqldump made with --compact has no footer).
    Unknown(String),
    /// The read stopped at the deadline before the end.
    Unread(String),
}

/// What one file turned out to be.
#[derive(Debug, Clone)]
pub struct Sniffed {
    pub format: Format,
    pub compression: Option<Compression>,
}

/// Deadline and progress for one long read.
pub struct Budget {
    pub deadline: Instant,
}

impl Budget {
    pub fn check(&self) -> io::Result<()> {
        if Instant::now() >= self.deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the --timeout ran out while reading",
            ));
        }
        Ok(())
    }
}

/// What the file's first bytes say; `None`: not a backup this tool knows.
pub fn sniff(path: &Path) -> io::Result<Option<Sniffed>> {
    let mut raw = File::open(path)?;
    let mut magic = [0u8; 6];
    let n = read_full(&mut raw, &mut magic)?;
    if n == 0 {
        return Ok(Some(Sniffed {
            format: Format::Empty,
            compression: None,
        }));
    }
    let compression = Compression::sniff(&magic[..n]);
    raw.seek(SeekFrom::Start(0))?;
    let mut head = vec![0u8; HEAD];
    let got = match compression {
        None => read_full(&mut raw, &mut head),
        Some(c) => read_full(&mut decoder(c, Box::new(BufReader::new(raw))), &mut head),
    };
    let got = match (got, compression) {
        (Ok(got), _) => got,
        (Err(_), Some(c)) => {
            return Ok(Some(Sniffed {
                format: Format::Unreadable,
                compression: Some(c),
            }));
        }
        (Err(e), None) => return Err(e),
    };
    let head = &head[..got];
    let format = if got == 0 { Some(Format::Empty) } else { recognise(head) };
    Ok(format.map(|format| Sniffed { format, compression }))
}

fn recognise(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PGDMP") {
        return Some(Format::PgCustom);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some(Format::PgTar);
    }
    let text = String::from_utf8_lossy(head);
    if text.contains("-- PostgreSQL database cluster dump") {
        Some(Format::PgDumpall)
    } else if text.contains("-- PostgreSQL database dump") {
        Some(Format::PgPlain)
    } else if text.contains("-- MySQL dump") || text.contains("-- MariaDB dump") {
        Some(Format::Mysqldump)
    } else if text.starts_with("/*M!999999") || text.starts_with("/*!40") || text.starts_with("CREATE TABLE `") {
        // mysqldump --compact / --skip-comments: no header, but its session settings or
        // backquoted DDL; the footer is missing by design.
        Some(Format::MysqldumpNoComments)
    } else {
        None
    }
}

/// Reads the whole file (through its decoder) and says whether it is complete.
pub fn verify(path: &Path, sniffed: &Sniffed, budget: &Budget) -> Completeness {
    match verify_inner(path, sniffed, budget) {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::TimedOut => Completeness::Unread(format!("{e} (raise --timeout)")),
        Err(e) => Completeness::Incomplete(match sniffed.compression {
            Some(c) => format!("the {} stream is broken or cut short: {e}", c.name()),
            None => format!("cannot be read to the end: {e}"),
        }),
    }
}

fn verify_inner(path: &Path, sniffed: &Sniffed, budget: &Budget) -> io::Result<Completeness> {
    match sniffed.format {
        Format::Empty => return Ok(Completeness::Incomplete("the file is empty".into())),
        Format::Unreadable => {
            return Ok(Completeness::Incomplete(format!(
                "its {} stream cannot be decompressed",
                sniffed.compression.map(Compression::name).unwrap_or("compressed")
            )));
        }
        Format::PgDirectory => return archive::verify_directory(path, budget),
        _ => {}
    }
    let (mut stream, seekable) = open(path, sniffed.compression, budget)?;
    match sniffed.format {
        Format::PgCustom => archive::verify_custom(&mut *stream, seekable, budget),
        Format::PgTar => archive::verify_tar(&mut *stream, budget),
        Format::PgPlain | Format::PgDumpall => {
            let tail = tail(path, &mut *stream, seekable.is_some(), budget)?;
            let marker = if sniffed.format == Format::PgDumpall {
                "-- PostgreSQL database cluster dump complete"
            } else {
                "-- PostgreSQL database dump complete"
            };
            Ok(pg_trailer(&tail, marker))
        }
        Format::Mysqldump => {
            let tail = tail(path, &mut *stream, seekable.is_some(), budget)?;
            Ok(mysql_footer(&tail))
        }
        Format::MysqldumpNoComments => {
            // Read to the end all the same: a compressed stream may still be cut short.
            tail(path, &mut *stream, seekable.is_some(), budget)?;
            Ok(Completeness::Unknown(
                "made without comments (--compact or --skip-comments), so it has no '-- Dump completed' footer to check"
                    .into(),
            ))
        }
        Format::Empty | Format::Unreadable | Format::PgDirectory => {
            Ok(Completeness::Incomplete("not a file this check can read".into()))
        }
    }
}

/// A reader for the file's content; for an uncompressed file also its length, so that readers
/// may skip data they need not decode.
pub type Stream = Box<dyn BufRead>;

pub fn open(path: &Path, compression: Option<Compression>, budget: &Budget) -> io::Result<(Stream, Option<u64>)> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let bar = progress(len, path);
    let counted = Counted {
        inner: file,
        bar,
        deadline: budget.deadline,
        since_check: 0,
    };
    Ok(match compression {
        None => (Box::new(BufReader::with_capacity(64 * 1024, counted)), Some(len)),
        Some(c) => (
            Box::new(BufReader::with_capacity(
                64 * 1024,
                decoder(c, Box::new(BufReader::with_capacity(64 * 1024, counted))),
            )),
            None,
        ),
    })
}

fn decoder(c: Compression, raw: Box<dyn BufRead>) -> Box<dyn Read> {
    match c {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        Compression::Zstd => match ruzstd::decoding::StreamingDecoder::new(raw) {
            Ok(d) => Box::new(d),
            Err(e) => Box::new(Failing(format!("not a zstd stream: {e}"))),
        },
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(raw)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(raw)),
    }
}

struct Failing(String);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::InvalidData, self.0.clone()))
    }
}

/// The file as read from disk: counts bytes for the progress bar and stops at the deadline.
struct Counted {
    inner: File,
    bar: Option<ProgressBar>,
    deadline: Instant,
    since_check: usize,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.since_check >= 4 * 1024 * 1024 {
            self.since_check = 0;
            if Instant::now() >= self.deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the --timeout ran out while reading",
                ));
            }
        }
        let n = self.inner.read(buf)?;
        self.since_check += n;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
            if n == 0 {
                bar.finish_and_clear();
            }
        }
        Ok(n)
    }
}

impl Seek for Counted {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        if let Some(bar) = &self.bar {
            bar.set_position(at);
        }
        Ok(at)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A byte bar for a long read, on a terminal only.
fn progress(len: u64, path: &Path) -> Option<ProgressBar> {
    use std::io::IsTerminal;
    if len < PROGRESS_FROM || !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar}") {
        bar.set_style(style);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    bar.set_message(format!("reading {}", crate::text::sanitize(&name, true)));
    Some(bar)
}

/// The last bytes of the content: seeking for a plain file, streaming (a rolling window) for a
/// compressed one, since only decoding to the end proves the stream is whole.
fn tail(path: &Path, stream: &mut dyn BufRead, seekable: bool, budget: &Budget) -> io::Result<Vec<u8>> {
    if seekable {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(TAIL as u64)))?;
        let mut out = Vec::with_capacity(TAIL);
        file.read_to_end(&mut out)?;
        return Ok(out);
    }
    let mut window: Vec<u8> = Vec::with_capacity(2 * TAIL);
    loop {
        budget.check()?;
        let chunk = stream.fill_buf()?;
        if chunk.is_empty() {
            return Ok(window);
        }
        let n = chunk.len();
        if n >= TAIL {
            window.clear();
            window.extend_from_slice(&chunk[n - TAIL..]);
        } else {
            window.extend_from_slice(chunk);
            if window.len() > 2 * TAIL {
                window.drain(..window.len() - TAIL);
            }
        }
        stream.consume(n);
    }
}

/// pg_dump's trailer, followed only by blank or comment lines and, since the 2025 minor
/// releases, `\unrestrict <key>`.
fn pg_trailer(tail: &[u8], marker: &str) -> Completeness {
    let text = String::from_utf8_lossy(tail);
    let Some(at) = text.rfind(marker) else {
        return Completeness::Incomplete(format!("the trailer '{marker}' is missing: the dump stopped early"));
    };
    let after = &text[at + marker.len()..];
    let clean = after.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with("--") || line.starts_with("\\unrestrict ")
    });
    if clean {
        Completeness::Complete
    } else {
        Completeness::Incomplete(format!("unexpected text after the trailer '{marker}'"))
    }
}

/// mysqldump's `-- Dump completed` footer, in a dump whose header says it has comments.
fn mysql_footer(tail: &[u8]) -> Completeness {
    let text = String::from_utf8_lossy(tail);
    let last = text.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if last.starts_with("-- Dump completed") {
        Completeness::Complete
    } else {
        Completeness::Incomplete("the footer '-- Dump completed' is missing: the dump stopped early".into())
    }
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
    fn a_pg_trailer_may_be_followed_by_unrestrict() {
        let tail = b"COPY ...\n\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc123\n\n";
        assert_eq!(
            pg_trailer(tail, "-- PostgreSQL database dump complete"),
            Completeness::Complete
        );
        let cut = b"COPY public.t (a) FROM stdin;\n1\n2\n";
        assert!(matches!(
            pg_trailer(cut, "-- PostgreSQL database dump complete"),
            Completeness::Incomplete(_)
        ));
    }

    #[test]
    fn a_mysqldump_without_its_footer_is_incomplete() {
        assert_eq!(
            recognise(b"/*!40101 SET NAMES utf8 */;\n"),
            Some(Format::MysqldumpNoComments)
        );
        assert_eq!(recognise(b"-- MariaDB dump 10.19\n"), Some(Format::Mysqldump));
        assert!(matches!(
            mysql_footer(b"-- Table structure\nINSERT INTO `t` VALUES (1);\n"),
            Completeness::Incomplete(_)
        ));
        assert_eq!(
            mysql_footer(b"/*!40101 SET x */;\n\n-- Dump completed on 2026-11-24  4:00:00\n"),
            Completeness::Complete
        );
    }
}
