//! Reading a backup's content through its decoder (gzip, zstd, xz, bzip2 decoded in this
//! process, streamed, never written out): the one decompression path for the `backups` check
//! and `restore-check`. A long read stops at the deadline and shows a byte bar on a terminal.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Compression;

/// Files larger than this get a progress bar on a terminal.
const PROGRESS_FROM: u64 = 256 * 1024 * 1024;
/// The buffer between the disk, the decoder and the reader.
const BUFFER: usize = 64 * 1024;

/// The deadline of one long read.
pub struct Budget {
    pub deadline: Instant,
}

impl Budget {
    pub fn check(&self) -> io::Result<()> {
        if Instant::now() >= self.deadline {
            return Err(timed_out());
        }
        Ok(())
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the --timeout ran out while reading")
}

/// A reader for the file's content.
pub type Stream = Box<dyn BufRead>;

/// The file's content, decoded; for an uncompressed file also its length, so that readers may
/// skip data they need not decode.
pub fn open(path: &Path, compression: Option<Compression>, budget: &Budget) -> io::Result<(Stream, Option<u64>)> {
    let file = super::open_regular(path)?;
    let len = file.metadata()?.len();
    let bar = progress(len, path);
    let counted = Counted {
        inner: file,
        bar,
        deadline: budget.deadline,
        since_check: 0,
    };
    Ok(match compression {
        None => (Box::new(BufReader::with_capacity(BUFFER, counted)), Some(len)),
        Some(c) => (
            Box::new(BufReader::with_capacity(
                BUFFER,
                decoder(c, BufReader::with_capacity(BUFFER, counted)),
            )),
            None,
        ),
    })
}

/// The decoded content of `raw`; every concatenated stream of a multi-stream file (pigz,
/// `cat a.gz b.gz`) is read. A broken stream is an `io::Error` from `read`.
pub fn decoder<R: BufRead + Send + 'static>(c: Compression, raw: R) -> Box<dyn Read + Send> {
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
                return Err(timed_out());
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
    bar.set_message(crate::redact::boundary(&format!(
        "reading {}",
        crate::text::sanitize(&name, true)
    )));
    Some(bar)
}
