//! Running the engine's own restore tool (psql, pg_restore, the mariadb client) on a backup:
//! choosing a client new enough for the dump, feeding it the file through its decoder and the
//! statement guard while counting the bytes read (an indicatif bar on a terminal), collecting the
//! first lines of its error output, and killing it at the deadline. Passwords travel in the
//! child's environment (PGPASSWORD, MYSQL_PWD), never on its command line.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::backup::Backup;
use super::guard::{DumpSyntax, Guard};
use crate::dumpfile::DumpFormat;

/// Where Debian's and the extra PostgreSQL majors' client programs live, one directory per major.
const PG_BIN_ROOTS: &[&str] = &["/usr/lib/postgresql", "/opt/dbrunbook-pg"];
/// Lines of the tool's error output shown in the report.
pub const ERROR_LINES: usize = 8;
/// Bytes read from the backup and written to the tool at a time.
const COPY_BUFFER: usize = 1 << 20;
/// The tool's error output kept in memory; the rest is counted, not stored.
const STDERR_KEEP: usize = 64 * 1024;

/// A client program and the major version it belongs to, when known.
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    pub major: Option<u32>,
}

/// The oldest installed `name` (psql, pg_restore) at least as new as the dump's pg_dump: older
/// ones cannot read newer archives, and the oldest fitting one emits the least new syntax for
/// an older scratch server. Without a known dump version, the newest. PATH's is the fallback.
pub fn pg_program(name: &str, dump_major: Option<u32>) -> Result<Program> {
    let mut found: Vec<Program> = Vec::new();
    for root in PG_BIN_ROOTS {
        let Ok(entries) = std::fs::read_dir(root) else { continue };
        for entry in entries.flatten() {
            let path = entry.path().join("bin").join(name);
            if let Some(major) = entry.file_name().to_str().and_then(|s| s.parse().ok())
                && path.is_file()
            {
                found.push(Program {
                    path,
                    major: Some(major),
                });
            }
        }
    }
    found.sort_by_key(|p| p.major);
    let chosen = match dump_major {
        Some(need) => found.iter().find(|p| p.major >= Some(need)).or(found.last()).cloned(),
        None => found.last().cloned(),
    };
    if let Some(p) = chosen {
        return Ok(p);
    }
    in_path(name)
        .map(|path| Program { path, major: None })
        .with_context(|| {
            format!("{name} is not installed: install the PostgreSQL client (e.g. apt install postgresql-client)")
        })
}

/// The mariadb client, else mysql.
pub fn mysql_program() -> Result<Program> {
    ["mariadb", "mysql"]
        .iter()
        .find_map(|n| in_path(n))
        .map(|path| Program { path, major: None })
        .context("neither the mariadb nor the mysql client is installed: install mariadb-client")
}

fn in_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Set by SIGINT/SIGTERM while a restore runs: the tool is stopped and the scratch database
/// still dropped, instead of dying with it left behind.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// From here on, Ctrl-C and SIGTERM ask the restore to stop rather than end the process.
pub fn catch_interrupts() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// One restore to run.
pub struct Job<'a> {
    pub program: &'a Program,
    pub args: Vec<OsString>,
    /// Extra environment for the child: the password among them.
    pub env: Vec<(&'static str, String)>,
    pub backup: &'a Backup,
    pub deadline: Instant,
    /// The fence snapshot for a PostgreSQL text dump (see `guard`), read before the restore.
    pub fence: Option<String>,
    /// For a pg_dump archive: pg_restore writing it out as SQL, which goes through the guard to
    /// psql like a plain dump, so an archive's statements are judged and fenced alike.
    pub feeder: Option<Feeder>,
}

/// A program whose output is the SQL the tool runs, with its arguments.
pub struct Feeder {
    pub program: Program,
    pub args: Vec<OsString>,
}

/// How the restore went.
#[derive(Debug)]
pub struct Finished {
    pub success: bool,
    pub timed_out: bool,
    /// Stopped by Ctrl-C or SIGTERM.
    pub interrupted: bool,
    pub exit: Option<i32>,
    /// The tool's stderr (at most STDERR_KEEP bytes), raw: the caller redacts and sanitises.
    pub stderr: String,
    /// Bytes of the backup read (the file as stored, compressed or not).
    pub bytes_read: u64,
    pub elapsed: Duration,
    /// Why the statement guard stopped the restore.
    pub stopped: Option<String>,
    /// Statements the guard skipped (the dump's own database, owners, privileges).
    pub skipped: u64,
    /// For a text dump: whether its closing comment was read (`None` for archives).
    pub complete: Option<bool>,
    /// The decompressor's complaint, if it failed.
    pub decompress_error: Option<String>,
}

pub fn run(job: Job) -> Result<Finished> {
    let started = Instant::now();
    let backup = job.backup;
    let mut tool = spawn(job.program, &job.args, &job.env)?;
    let stderr = tool.stderr.take().map(|e| std::thread::spawn(move || keep_head(e)));
    let counter = Arc::new(AtomicU64::new(0));
    let stop_flag = Arc::new(AtomicBool::new(false));
    let mut fed = match &job.feeder {
        Some(f) => Some(start_feeder(f, &job.env, backup, counter.clone(), stop_flag.clone())?),
        None => None,
    };
    let fence = job.fence.clone();
    let forwarder = match (tool.stdin.take(), fed.as_mut().and_then(|f| f.stdout.take())) {
        (Some(stdin), Some(sql)) => Some(start_forwarder(
            Box::new(sql),
            guard_for(DumpFormat::PgPlain, fence),
            stdin,
            stop_flag.clone(),
        )),
        (Some(stdin), None) => {
            let source = open_backup(backup, counter.clone())?;
            Some(start_forwarder(
                source,
                guard_for(backup.format, fence),
                stdin,
                stop_flag.clone(),
            ))
        }
        (None, _) => None,
    };
    let reader_pid = fed
        .as_ref()
        .filter(|_| backup.format == DumpFormat::PgDirectory)
        .map(|f| f.child.id());
    let read = || match reader_pid {
        Some(pid) => proc_read_bytes(pid).min(backup.size),
        None => counter.load(Ordering::Relaxed),
    };
    let (status, timed_out) = wait(&mut tool, &job, started, &stop_flag, read)?;
    // Stopped (deadline, interrupt, guard): the feeder is stopped too; otherwise it has closed
    // its output and is ending by itself.
    let stop_feeder = status.is_none() || stop_flag.load(Ordering::Relaxed);
    let fed = fed.map(|f| f.finish(stop_feeder));
    // The tool is gone: the pipe to it is broken, so the forwarder stops too.
    let forwarded = forwarder.and_then(|f| f.join().ok()).unwrap_or_default();
    let mut stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let bytes_read = match reader_pid {
        Some(_) => backup.size,
        None => counter.load(Ordering::Relaxed),
    };
    let copied = fed.as_ref().and_then(|f| f.copied.as_ref());
    let read_error = forwarded
        .read_error
        .or_else(|| copied.and_then(|c| c.read_error.clone()));
    let decompress_error = match backup.compression {
        Some(c) => read_error.map(|e| format!("{}: {e}", c.name())),
        None => None,
    };
    let mut fed_ok = true;
    if let Some(f) = &fed {
        // pg_restore's complaint (a damaged archive) comes before psql's about what it got.
        fed_ok = f.status.is_some_and(|s| s.success());
        stderr = format!("{}{stderr}", f.stderr);
    }
    Ok(Finished {
        success: !timed_out && forwarded.stopped.is_none() && fed_ok && status.is_some_and(|s| s.success()),
        timed_out,
        interrupted: status.is_none() && !timed_out,
        exit: status.and_then(|s| s.code()),
        stderr,
        bytes_read,
        elapsed: started.elapsed(),
        stopped: forwarded.stopped,
        skipped: forwarded.skipped,
        complete: forwarded.complete,
        decompress_error,
    })
}

/// The feeder as it runs: the process, and the thread copying the archive into it.
struct Fed {
    child: Child,
    stdout: Option<std::process::ChildStdout>,
    stderr: Option<JoinHandle<String>>,
    copier: Option<JoinHandle<Forwarded>>,
}

/// The feeder once the tool is gone.
struct FedDone {
    status: Option<ExitStatus>,
    stderr: String,
    copied: Option<Forwarded>,
}

impl Fed {
    /// Collects how the feeder ended, stopping it first when `stop`.
    fn finish(mut self, stop: bool) -> FedDone {
        if stop {
            let _ = self.child.kill();
        }
        drop(self.stdout.take());
        let status = self.child.wait().ok();
        FedDone {
            status,
            stderr: self.stderr.take().and_then(|t| t.join().ok()).unwrap_or_default(),
            copied: self.copier.take().and_then(|t| t.join().ok()),
        }
    }
}

/// pg_restore writing the archive out as SQL: a directory it reads itself, a file is copied
/// into its stdin (decoded, counted) by a thread of its own.
fn start_feeder(
    feeder: &Feeder,
    env: &[(&'static str, String)],
    backup: &Backup,
    counter: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> Result<Fed> {
    let mut child = spawn(&feeder.program, &feeder.args, env)?;
    let stderr = child.stderr.take().map(|e| std::thread::spawn(move || keep_head(e)));
    let copier = match (child.stdin.take(), backup.format) {
        (Some(stdin), format) if format != DumpFormat::PgDirectory => {
            let source = open_backup(backup, counter)?;
            Some(start_forwarder(source, None, stdin, stop))
        }
        _ => None,
    };
    Ok(Fed {
        stdout: child.stdout.take(),
        child,
        stderr,
        copier,
    })
}

/// A restore program (or the feeder), in a process group of its own: Ctrl-C reaches
/// dbrunbook, which stops it and cleans up. Its stdout is kept only for a feeder.
fn spawn(program: &Program, args: &[OsString], env: &[(&'static str, String)]) -> Result<Child> {
    let mut cmd = Command::new(&program.path);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let feeder = args.iter().any(|a| a == "--file=-");
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(if feeder { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
        .with_context(|| format!("cannot run {}", program.path.display()))
}

/// The backup as stored, decoded by `crate::dumpfile` (the same decoders the `backups` check
/// reads with), counting the bytes read from disk.
fn open_backup(backup: &Backup, counter: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>> {
    let file = crate::dumpfile::open_regular(&backup.path)
        .with_context(|| format!("cannot open {}", super::backup::shown(&backup.path)))?;
    let counted = Counted {
        inner: file,
        count: counter,
    };
    Ok(match backup.compression {
        None => Box::new(counted),
        Some(c) => crate::dumpfile::decoder(c, BufReader::with_capacity(COPY_BUFFER, counted)),
    })
}

/// The statement guard for a text dump; none for an archive going to pg_restore as it is.
fn guard_for(format: DumpFormat, fence: Option<String>) -> Option<Guard> {
    match format {
        DumpFormat::PgPlain => Some(Guard::new(DumpSyntax::Postgres, fence)),
        DumpFormat::Mysqldump | DumpFormat::MysqldumpNoComments => Some(Guard::new(DumpSyntax::Mysql, None)),
        DumpFormat::PgCustom
        | DumpFormat::PgTar
        | DumpFormat::PgDirectory
        | DumpFormat::PgDumpall
        | DumpFormat::Empty
        | DumpFormat::Unreadable => None,
    }
}

/// A thread copying `source` to a program's stdin, through `guard` when there is one.
fn start_forwarder(
    source: Box<dyn Read + Send>,
    guard: Option<Guard>,
    sink: ChildStdin,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Forwarded> {
    std::thread::spawn(move || forward(source, sink, guard, &stop))
}

/// Polls the tool until it exits, the guard stops it, the deadline passes or the user
/// interrupts; moves the progress bar by `read()` bytes. The exit status (`None`: killed at the
/// deadline or on an interrupt) and whether the deadline did it.
fn wait(
    tool: &mut Child,
    job: &Job,
    started: Instant,
    stop_flag: &AtomicBool,
    read: impl Fn() -> u64,
) -> Result<(Option<ExitStatus>, bool)> {
    let bar = progress_bar(job.backup.size);
    let outcome = loop {
        if let Some(status) = tool.try_wait()? {
            break (Some(status), false);
        }
        if let Some(bar) = &bar {
            bar.set_position(read());
        }
        if stop_flag.load(Ordering::Relaxed) {
            let _ = tool.kill();
            break (tool.wait().ok(), false);
        }
        if Instant::now() >= job.deadline || interrupted() {
            let timed_out = !interrupted();
            let _ = tool.kill();
            let _ = tool.wait();
            break (None, timed_out);
        }
        // Fine-grained at first, so a short restore is timed to the millisecond or so.
        let poll = (started.elapsed() / 50).clamp(Duration::from_millis(2), Duration::from_millis(100));
        std::thread::sleep(poll);
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(outcome)
}

#[derive(Default)]
struct Forwarded {
    stopped: Option<String>,
    skipped: u64,
    complete: Option<bool>,
    /// Why reading (decoding) the backup failed part-way.
    read_error: Option<String>,
}

/// Refusals named in one report, and how much of the dump is read on to find them.
const MAX_REFUSALS: usize = 5;
const READ_AFTER_STOP: u64 = 64 << 20;

/// The longest line of a text dump the guard reads: mysqldump's extended INSERTs stay under the
/// server's max_allowed_packet (at most 1 GiB, 16-64 MiB in practice).
const LONGEST_LINE: u64 = 256 << 20;

/// Copies the backup to the tool, line by line through the guard for text dumps. A tool that
/// exits early breaks the pipe: not an error here, its exit status tells.
fn forward(mut source: Box<dyn Read + Send>, sink: impl Write, guard: Option<Guard>, stop: &AtomicBool) -> Forwarded {
    // Big writes: fewer pipe round trips between this thread and the tool.
    let mut sink = std::io::BufWriter::with_capacity(COPY_BUFFER, sink);
    let Some(mut guard) = guard else {
        let mut buf = vec![0u8; COPY_BUFFER];
        let mut read_error = None;
        loop {
            match source.read(&mut buf) {
                Ok(0) => break,
                Err(e) => {
                    read_error = Some(e.to_string());
                    break;
                }
                Ok(n) => {
                    if sink.write_all(&buf[..n]).is_err() {
                        return Forwarded::default();
                    }
                }
            }
        }
        let _ = sink.flush();
        return Forwarded {
            read_error,
            ..Forwarded::default()
        };
    };
    if sink.write_all(&guard.preamble()).is_err() {
        return Forwarded::default();
    }
    let mut reader = BufReader::with_capacity(COPY_BUFFER, source);
    let mut line = Vec::with_capacity(64 * 1024);
    let mut passed = Vec::with_capacity(64 * 1024);
    let mut refusals: Vec<String> = Vec::new();
    let mut read_after_stop = 0u64;
    let mut read_error = None;
    loop {
        line.clear();
        // One line at most LONGEST_LINE bytes: a file with no line ends (a corrupt or hostile
        // one) must not be read into memory whole.
        match (&mut reader).take(LONGEST_LINE + 1).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Err(e) => {
                read_error = Some(e.to_string());
                break;
            }
            Ok(n) if n as u64 > LONGEST_LINE || guard.pending() as u64 > LONGEST_LINE => {
                if refusals.is_empty() {
                    stop.store(true, Ordering::Relaxed);
                    refusals.push(format!(
                        "a line longer than {} MiB, or a statement: not a dump this tool reads",
                        LONGEST_LINE >> 20
                    ));
                }
                break;
            }
            Ok(n) => {
                if !refusals.is_empty() {
                    read_after_stop += n as u64;
                }
            }
        }
        passed.clear();
        let stopped = guard.read_line(&line, &mut passed);
        if let Some(why) = stopped {
            // The restore ends at the first refusal; the next few are read on (not sent) so
            // the report names what else the dump tried.
            stop.store(true, Ordering::Relaxed);
            refusals.push(why);
        }
        if refusals.is_empty() {
            if sink.write_all(&passed).is_err() {
                break;
            }
        } else if refusals.len() >= MAX_REFUSALS || read_after_stop > READ_AFTER_STOP {
            break;
        }
    }
    if refusals.is_empty() {
        let _ = sink.write_all(&guard.epilogue());
    }
    let _ = sink.flush();
    Forwarded {
        stopped: (!refusals.is_empty()).then(|| refusals.join("; ")),
        skipped: guard.skipped,
        complete: Some(guard.complete),
        read_error,
    }
}

/// Counts what passes through.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The first STDERR_KEEP bytes of a stream, read to its end so the writer never blocks.
fn keep_head(mut stream: impl Read) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        let room = STDERR_KEEP.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// A directory-format restore reads its files itself: its progress is the bytes the process
/// has read, from /proc (Linux); 0 where that is not available.
fn proc_read_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("rchar: "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes and rate on stderr, only when stderr is a terminal: never in pipes, cron or CI logs.
fn progress_bar(total: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("restoring {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// The first lines of the tool's error output, for the report.
pub fn first_lines(text: &str, password: Option<&str>) -> Vec<String> {
    let clean = crate::text::sanitize(&crate::redact::driver_message(text, password), false);
    clean
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(ERROR_LINES)
        .map(|l| crate::text::shorten(l, 300))
        .collect()
}
