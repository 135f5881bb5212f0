//! The backup restore-check was given, recognised by `crate::dumpfile` (the same names and the
//! same decoders as the `backups` check), and refused here when it is not one database's dump
//! that a restore tool can read: empty, undecodable, a pg_dumpall cluster dump, or unknown.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::dumpfile::{self, Compression, DumpFormat, Sniffed};
use crate::target::Engine;

/// A recognised backup.
#[derive(Debug, Clone)]
pub struct Backup {
    pub path: PathBuf,
    pub format: DumpFormat,
    pub compression: Option<Compression>,
    /// Bytes on disk: the file, or every file of a directory-format dump.
    pub size: u64,
    /// The major version of the pg_dump that wrote it, when the dump says (e.g. 15).
    pub dump_major: Option<u32>,
    /// The engine whose restore tool reads it.
    pub engine: Engine,
}

impl Backup {
    /// `pg_dump custom 12.0 KiB (gzip-compressed)`, with the size spelt by `human`.
    pub fn describe(&self, human: impl Fn(u64) -> String) -> String {
        format!(
            "{} {} ({})",
            self.format.name(),
            human(self.size),
            self.compression
                .map_or("uncompressed".into(), |c| format!("{}-compressed", c.name()))
        )
    }
}

/// The BACKUP argument as printed: redacted, since a URL typed there by mistake (an easy swap
/// with --url) may hold a password.
pub fn shown(path: &Path) -> String {
    crate::redact::redact_text(&path.display().to_string())
}

pub fn detect(path: &Path) -> Result<Backup> {
    dumpfile::not_special(path).with_context(|| format!("cannot read the backup {}", shown(path)))?;
    let sniffed = dumpfile::sniff(path).with_context(|| format!("cannot open the backup {}", shown(path)))?;
    let Some(Sniffed {
        format,
        compression,
        dump_major,
    }) = sniffed
    else {
        if path.is_dir() {
            bail!(
                "{} is a directory without toc.dat: not a pg_dump directory-format dump",
                shown(path)
            );
        }
        bail!(
            "{} is not a backup restore-check knows: expected a pg_dump file or directory, or a mysqldump file: \
             no pg_dump or mysqldump header at its start",
            shown(path)
        );
    };
    let engine = match (format.engine(), compression) {
        (Some(engine), _) if format != DumpFormat::PgDumpall => engine,
        (Some(_), _) => bail!(
            "{} is a pg_dumpall file (a whole cluster: roles and every database); restore-check restores one \
             database's dump (pg_dump)",
            shown(path)
        ),
        (None, Some(c)) => bail!(
            "{} could not decompress {}: a damaged or empty file",
            c.name(),
            shown(path)
        ),
        (None, None) => bail!("the backup {} is empty", shown(path)),
    };
    Ok(Backup {
        path: path.to_path_buf(),
        format,
        compression,
        size: dumpfile::size_on_disk(path),
        dump_major,
        engine,
    })
}
