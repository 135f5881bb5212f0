//! Whether a backup holds everything it set out to: read to its end through its decoder, a
//! text dump's closing trailer or footer looked for in a rolling tail (memory stays flat
//! whatever the file's size), an archive's data checked against its table of contents
//! (`archive.rs`). Recognising the dump is `mod.rs`.

use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::Path;

use super::stream::{Budget, open};
use super::{Compression, DumpFormat, Sniffed, archive};

/// Bytes kept from a text dump's end: its trailer lines and what pg_dump writes after them.
const TAIL: usize = 8 * 1024;

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
        DumpFormat::Empty => return Ok(Completeness::Incomplete("the file is empty".into())),
        DumpFormat::Unreadable => {
            return Ok(Completeness::Incomplete(format!(
                "its {} stream cannot be decompressed",
                sniffed.compression.map(Compression::name).unwrap_or("compressed")
            )));
        }
        DumpFormat::PgDirectory => return archive::verify_directory(path, budget),
        _ => {}
    }
    let (mut stream, seekable) = open(path, sniffed.compression, budget)?;
    match sniffed.format {
        DumpFormat::PgCustom => archive::verify_custom(&mut *stream, seekable, budget),
        DumpFormat::PgTar => archive::verify_tar(&mut *stream, budget),
        DumpFormat::PgPlain | DumpFormat::PgDumpall => {
            let tail = tail(path, &mut *stream, seekable.is_some(), budget)?;
            let marker = if sniffed.format == DumpFormat::PgDumpall {
                "-- PostgreSQL database cluster dump complete"
            } else {
                "-- PostgreSQL database dump complete"
            };
            Ok(pg_trailer(&tail, marker))
        }
        DumpFormat::Mysqldump => {
            let tail = tail(path, &mut *stream, seekable.is_some(), budget)?;
            Ok(mysql_footer(&tail))
        }
        DumpFormat::MysqldumpNoComments => {
            // Read to the end all the same: a compressed stream may still be cut short.
            tail(path, &mut *stream, seekable.is_some(), budget)?;
            Ok(Completeness::Unknown(
                "made without comments (--compact or --skip-comments), so it has no '-- Dump completed' footer to check"
                    .into(),
            ))
        }
        DumpFormat::Empty | DumpFormat::Unreadable | DumpFormat::PgDirectory => {
            Ok(Completeness::Incomplete("not a file this check can read".into()))
        }
    }
}

/// The last bytes of the content: seeking for a plain file, streaming (a rolling window) for a
/// compressed one, since only decoding to the end proves the stream is whole.
fn tail(path: &Path, stream: &mut dyn BufRead, seekable: bool, budget: &Budget) -> io::Result<Vec<u8>> {
    if seekable {
        let mut file = super::open_regular(path)?;
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
