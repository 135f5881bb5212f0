//! pg_dump's archive formats read without pg_restore: the header and table of contents
//! (`toc.dat`, or the start of a custom file), then the data itself. The TOC is written first,
//! so a cut-short custom file still lists every table: only walking the data blocks to the end
//! and finding one for every TOC entry that has data proves it whole. Layout as in PostgreSQL's
//! `src/bin/pg_dump/pg_backup_archiver.c` (ReadHead, ReadToc) and `pg_backup_custom.c`,
//! `pg_backup_tar.c`, `pg_backup_directory.c` (the per-format extra TOC fields).

use std::collections::BTreeSet;
use std::io::{self, BufRead, Read};
use std::path::Path;

use super::Compression;
use super::complete::Completeness;
use super::stream::Budget;

/// Archive versions as pg_dump numbers them: (major, minor, revision).
type Version = (u8, u8, u8);

const ARCH_CUSTOM: u8 = 1;
const ARCH_TAR: u8 = 3;
const ARCH_DIRECTORY: u8 = 5;
const OFFSET_NO_DATA: u8 = 3;
const BLOCK_DATA: u8 = 1;
const BLOCK_BLOBS: u8 = 3;
/// No string in a sane TOC is this long; a larger length means the bytes are not a TOC.
const MAX_STRING: i64 = 1 << 30;

/// One TOC entry, as much of it as completeness needs.
#[derive(Debug)]
struct Entry {
    dump_id: i64,
    desc: String,
    tag: String,
    has_data: bool,
    /// Tar and directory formats: the member or file holding the data.
    filename: Option<String>,
}

struct Reader<'a> {
    inner: &'a mut dyn Read,
    version: Version,
    int_size: usize,
    off_size: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.inner.read_exact(&mut b)?;
        Ok(b[0])
    }

    /// pg_dump's integer: a sign byte, then `int_size` bytes, least significant first.
    fn int(&mut self) -> io::Result<i64> {
        let negative = self.byte()? != 0;
        let mut value: i64 = 0;
        for i in 0..self.int_size {
            let b = self.byte()? as i64;
            if i < 8 {
                value |= b << (8 * i);
            }
        }
        Ok(if negative { -value } else { value })
    }

    fn string(&mut self) -> io::Result<Option<String>> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        if len > MAX_STRING {
            return Err(corrupt("a string length beyond any real TOC"));
        }
        let mut buf = Vec::new();
        (&mut self.inner).take(len as u64).read_to_end(&mut buf)?;
        if buf.len() as i64 != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside its TOC",
            ));
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    fn at_least(&self, minor: u8) -> bool {
        self.version >= (1, minor, 0)
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a valid pg_dump archive: {what}"),
    )
}

/// What the start of a custom-format archive (or a directory dump's toc.dat) says.
#[derive(Debug, PartialEq)]
pub struct ArchiveHeader {
    pub database: Option<String>,
    /// The major version of the pg_dump that wrote it.
    pub dump_major: Option<u32>,
}

/// The header at the start of `bytes`, if they hold one whole; any archive format.
pub fn header(mut bytes: &[u8]) -> Option<ArchiveHeader> {
    read_header(&mut bytes, None).ok().map(|(_, h)| h)
}

/// The header and TOC of an archive; `expected` is its format byte.
fn read_toc<'a>(inner: &'a mut dyn Read, expected: u8) -> io::Result<(Reader<'a>, Vec<Entry>)> {
    let (mut r, _) = read_header(inner, Some(expected))?;
    let count = r.int()?;
    if !(0..=100_000_000).contains(&count) {
        return Err(corrupt("implausible TOC entry count"));
    }
    let mut entries = Vec::new();
    for _ in 0..count {
        entries.push(read_entry(&mut r, expected)?);
    }
    Ok((r, entries))
}

/// pg_dump's archive header (`pg_backup_archiver.c`, `ReadHead`): magic, format version,
/// integer sizes, format, compression, creation time, database name, server and pg_dump
/// versions. `expected`: the format byte the caller needs, `None` for any.
fn read_header<'a>(inner: &'a mut dyn Read, expected: Option<u8>) -> io::Result<(Reader<'a>, ArchiveHeader)> {
    let mut magic = [0u8; 5];
    inner.read_exact(&mut magic)?;
    if &magic != b"PGDMP" {
        return Err(corrupt("no PGDMP magic"));
    }
    let mut r = Reader {
        inner,
        version: (1, 0, 0),
        int_size: 4,
        off_size: 4,
    };
    let major = r.byte()?;
    let minor = r.byte()?;
    let rev = if major > 1 || (major == 1 && minor > 0) {
        r.byte()?
    } else {
        0
    };
    r.version = (major, minor, rev);
    if r.version < (1, 7, 0) || major > 1 {
        return Err(corrupt(&format!(
            "archive version {major}.{minor} is not one this tool reads"
        )));
    }
    r.int_size = r.byte()? as usize;
    r.off_size = r.byte()? as usize;
    if !(1..=16).contains(&r.int_size) || !(1..=16).contains(&r.off_size) {
        return Err(corrupt("implausible integer sizes"));
    }
    let format = r.byte()?;
    if let Some(expected) = expected {
        // Directory archives were seen to carry the tar byte (3) as well as their own (5); both
        // have the same per-entry file names, so either is accepted for either.
        let compatible =
            format == expected || (expected != ARCH_CUSTOM && (format == ARCH_TAR || format == ARCH_DIRECTORY));
        if !compatible {
            return Err(corrupt(&format!("format byte {format}, expected {expected}")));
        }
    }
    if r.at_least(15) {
        r.byte()?; // compression algorithm
    } else {
        r.int()?; // compression level
    }
    for _ in 0..7 {
        r.int()?; // creation time
    }
    let database = r.string()?;
    let mut dump_major = None;
    if r.at_least(10) {
        r.string()?; // server version
        dump_major = r.string()?.as_deref().and_then(super::major_of);
    }
    Ok((r, ArchiveHeader { database, dump_major }))
}

/// One TOC entry (`ReadToc`), with the per-format extra fields of `expected`.
fn read_entry(r: &mut Reader, expected: u8) -> io::Result<Entry> {
    let dump_id = r.int()?;
    r.int()?; // had a dumper
    if r.at_least(8) {
        r.string()?; // table oid
    }
    r.string()?; // oid
    let tag = r.string()?.unwrap_or_default();
    let desc = r.string()?.unwrap_or_default();
    if r.at_least(11) {
        r.int()?; // section
    }
    r.string()?; // definition
    r.string()?; // drop statement
    r.string()?; // copy statement
    r.string()?; // namespace
    if r.at_least(10) {
        r.string()?; // tablespace
    }
    if r.at_least(14) {
        r.string()?; // table access method
    }
    if r.at_least(16) {
        r.int()?; // relkind
    }
    r.string()?; // owner
    if r.at_least(9) {
        r.string()?; // "false": with oids
    }
    while r.string()?.is_some() {} // dependencies, ended by a null string
    let (has_data, filename) = match expected {
        ARCH_CUSTOM => {
            let flag = r.byte()?;
            for _ in 0..r.off_size {
                r.byte()?;
            }
            (flag != OFFSET_NO_DATA, None)
        }
        _ => {
            let name = r.string()?.filter(|n| !n.is_empty());
            (name.is_some(), name)
        }
    };
    Ok(Entry {
        dump_id,
        desc,
        tag,
        has_data,
        filename,
    })
}

/// Complete when every TOC entry with data `has` it; else how many `are_missing`, and which.
fn data_present(entries: &[Entry], has: impl Fn(&Entry) -> bool, are_missing: &str) -> Completeness {
    let missing: Vec<&Entry> = entries.iter().filter(|e| e.has_data && !has(e)).collect();
    if missing.is_empty() {
        Completeness::Complete
    } else {
        Completeness::Incomplete(format!("{} {are_missing}: {}", missing.len(), missing_list(&missing)))
    }
}

fn missing_list(entries: &[&Entry]) -> String {
    let mut names: Vec<String> = entries
        .iter()
        .take(5)
        .map(|e| format!("{} {}", e.desc, e.tag))
        .collect();
    if entries.len() > 5 {
        names.push(format!("and {} more", entries.len() - 5));
    }
    names.join(", ")
}

/// A custom-format file: the TOC, then one data block per TOC entry with data, each a run of
/// length-prefixed chunks ended by a zero length.
pub fn verify_custom(stream: &mut dyn BufRead, _len: Option<u64>, budget: &Budget) -> io::Result<Completeness> {
    let (mut r, entries) = match read_toc(stream, ARCH_CUSTOM) {
        Ok(x) => x,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Ok(Completeness::Incomplete(
                "the file ends inside its table of contents".into(),
            ));
        }
        Err(e) => return Err(e),
    };
    let mut seen = BTreeSet::new();
    let mut chunk = Vec::new();
    loop {
        budget.check()?;
        let mut kind = [0u8; 1];
        if r.inner.read(&mut kind)? == 0 {
            break;
        }
        let cut = |what: &str, seen: &BTreeSet<i64>| {
            let missing = entries
                .iter()
                .filter(|e| e.has_data && !seen.contains(&e.dump_id))
                .count();
            Completeness::Incomplete(format!(
                "cut short inside {what}: {} of {} data blocks are whole, {missing} missing",
                seen.len(),
                entries.iter().filter(|e| e.has_data).count()
            ))
        };
        let Ok(id) = r.int() else {
            return Ok(cut("a block header", &seen));
        };
        let whole = match kind[0] {
            BLOCK_DATA => skip_chunks(&mut r, &mut chunk, budget)?,
            BLOCK_BLOBS => loop {
                match r.int() {
                    Ok(0) => break true,
                    Ok(_) => {
                        if !skip_chunks(&mut r, &mut chunk, budget)? {
                            break false;
                        }
                    }
                    Err(_) => break false,
                }
            },
            other => {
                return Ok(Completeness::Incomplete(format!(
                    "an unknown block type {other} in the data"
                )));
            }
        };
        if !whole {
            return Ok(cut("a data block", &seen));
        }
        seen.insert(id);
    }
    Ok(data_present(
        &entries,
        |e| seen.contains(&e.dump_id),
        "TOC entries have no data block",
    ))
}

/// Reads one run of chunks; `false` when the file ends inside it.
fn skip_chunks(r: &mut Reader, buf: &mut Vec<u8>, budget: &Budget) -> io::Result<bool> {
    loop {
        let Ok(len) = r.int() else { return Ok(false) };
        if len == 0 {
            return Ok(true);
        }
        if !(0..=MAX_STRING).contains(&len) {
            return Err(corrupt("an implausible data chunk length"));
        }
        budget.check()?;
        buf.clear();
        let got = (&mut r.inner).take(len as u64).read_to_end(buf);
        match got {
            Ok(n) if n as i64 == len => {}
            Ok(_) => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// The data file(s) an entry needs in a tar or directory archive: the named file, possibly
/// compressed; large objects live in `blobs.toc` (`blobs_<id>.toc` since PostgreSQL 17).
fn satisfied(entry: &Entry, present: &dyn Fn(&str) -> bool) -> bool {
    let Some(name) = &entry.filename else { return true };
    let variants = [
        name.clone(),
        format!("{name}.gz"),
        format!("{name}.lz4"),
        format!("{name}.zst"),
    ];
    if variants.iter().any(|v| present(v)) {
        return true;
    }
    entry.desc == "BLOBS" && (present("blobs.toc") || present(&format!("blobs_{}.toc", entry.dump_id)))
}

/// A tar-format archive: ustar members (toc.dat first, one `<id>.dat` per data entry,
/// restore.sql), each whole, and the two zero blocks that end an archive.
pub fn verify_tar(stream: &mut dyn BufRead, budget: &Budget) -> io::Result<Completeness> {
    let mut members = BTreeSet::new();
    let mut entries = None;
    let mut header = [0u8; 512];
    loop {
        budget.check()?;
        if super::read_full(stream, &mut header)? < 512 {
            return Ok(Completeness::Incomplete(format!(
                "cut short after {} member(s): the end-of-archive blocks are missing",
                members.len()
            )));
        }
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let name = field(&header[0..100]);
        let prefix = field(&header[345..500]);
        let name = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let size = octal(&header[124..136]).ok_or_else(|| corrupt("a tar header with a bad size"))?;
        let padded = size.div_ceil(512) * 512;
        let mut member = (&mut *stream).take(size);
        if name == "toc.dat" {
            match read_toc(&mut member, ARCH_TAR) {
                Ok((_, e)) => entries = Some(e),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(Completeness::Incomplete("the file ends inside toc.dat".into()));
                }
                Err(e) => return Err(e),
            }
        }
        io::copy(&mut member, &mut io::sink())?;
        let short = member.limit() > 0;
        let mut pad = (&mut *stream).take(padded - size);
        io::copy(&mut pad, &mut io::sink())?;
        // A member is whole only if every byte of it and of its padding was there.
        if short || pad.limit() > 0 {
            return Ok(Completeness::Incomplete(format!("cut short inside the member {name}")));
        }
        members.insert(name);
    }
    let Some(entries) = entries else {
        return Ok(Completeness::Incomplete("the archive has no toc.dat".into()));
    };
    let present = |n: &str| members.contains(n);
    Ok(data_present(
        &entries,
        |e| satisfied(e, &present),
        "data member(s) are missing",
    ))
}

fn field(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

fn octal(bytes: &[u8]) -> Option<u64> {
    let text = field(bytes);
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// A directory-format dump: `toc.dat` read whole, a data file for every entry with data, and
/// every compressed data file decoded to its end.
pub fn verify_directory(dir: &Path, budget: &Budget) -> io::Result<Completeness> {
    let toc = dir.join("toc.dat");
    let mut file = io::BufReader::new(super::open_regular(&toc)?);
    let entries = match read_toc(&mut file, ARCH_DIRECTORY) {
        Ok((_, e)) => e,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Ok(Completeness::Incomplete("toc.dat is cut short".into()));
        }
        Err(e) => return Err(e),
    };
    let present = |name: &str| dir.join(name).is_file();
    let listed = data_present(&entries, |e| satisfied(e, &present), "data file(s) are missing");
    if listed != Completeness::Complete {
        return Ok(listed);
    }
    for entry in entries.iter().filter(|e| e.has_data) {
        let Some(name) = &entry.filename else { continue };
        for (suffix, c) in [(".gz", Compression::Gzip), (".zst", Compression::Zstd)] {
            let path = dir.join(format!("{name}{suffix}"));
            if !path.is_file() {
                continue;
            }
            let (mut stream, _) = super::stream::open(&path, Some(c), budget)?;
            if let Err(e) = io::copy(&mut stream, &mut io::sink()) {
                if e.kind() == io::ErrorKind::TimedOut {
                    return Err(e);
                }
                return Ok(Completeness::Incomplete(format!(
                    "the data file {name}{suffix} is broken or cut short: {e}"
                )));
            }
        }
    }
    Ok(Completeness::Complete)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            header(&h),
            Some(ArchiveHeader {
                database: Some("app".into()),
                dump_major: Some(18)
            })
        );
        assert_eq!(header(&h[..20]), None);
        assert_eq!(header(b"PGDMX"), None);
    }
}
