//! `--watch DURATION`: rerun the same diagnosis until Ctrl-C. On a terminal each report replaces
//! the last in place under a header line (interval, time, status): cursor home, each line
//! clearing what the last redraw left on it, then the rest of the screen cleared, so no redraw
//! scrolls and none is pushed into the scrollback. The table shows its one-screen view (header,
//! status block, lock tree, first commands: `--brief`) fitted to the terminal's height unless
//! `--full` is given; the last report stays on screen afterwards, with the pids to act on. Piped, reports
//! follow one another: a table gets the header line before it and a blank line after; JSON
//! documents and Nagios lines stay as they are, so `jq` or a log reader can take the stream.
//!
//! Exit code: the last finished run's status (the same contract as a single run, so a script
//! wrapping `--watch` still learns what was last seen); UNKNOWN when Ctrl-C came before any run
//! finished. `watch` itself exits 0 because it has no opinion on its command; we have one.
//!
//! Ctrl-C may come in the middle of a run that can take up to `--timeout`: the handler exits at
//! once with the last status instead of waiting (each report is flushed when written, and the
//! diagnosis is read-only, so there is nothing to finish).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::report::output::{Format, Output, View};
use crate::report::{Report, Status, table};
use crate::units::format_duration;

/// The exit code the Ctrl-C handler exits with: the last finished run's.
static LAST_CODE: AtomicU8 = AtomicU8::new(3);

/// Cursor home: the redraw starts at the top left.
const HOME: &str = "\x1b[H";
/// Clear to the end of the line: what the last redraw left right of a shorter line.
const CLEAR_LINE: &str = "\x1b[K";
/// Clear from the cursor to the end of the screen: the last redraw's longer tail.
const CLEAR_BELOW: &str = "\x1b[J";

pub fn run(output: Output, every: Duration, command: &str, mut once: impl FnMut() -> Report) -> u8 {
    if output.format == Format::Prometheus {
        return crate::log::refuse(
            "--watch does not go with --format prometheus: successive expositions are not one \
             valid scrape. Write the textfile from cron instead (README, \"Prometheus\").",
        );
    }
    let terminal = std::io::stdout().is_terminal();
    // The header line and the blank under it take two lines of the screen.
    // A terminal gets one screen unless --full; a log (piped) wants every report whole.
    let output = Output {
        view: match (output.view, terminal) {
            (View::Fit, true) => View::Brief,
            (View::Fit, false) => View::Full,
            (chosen, _) => chosen,
        },
        height: output.height.map(|h| h.saturating_sub(2).max(1)),
        ..output
    };
    if let Err(e) = on_ctrl_c_exit_with_last_code() {
        return crate::log::refuse(&format!("cannot catch Ctrl-C for --watch: {e}"));
    }
    loop {
        let report = once();
        let text = output.render(&report);
        let header = header(every, command, report.status, &output);
        let screen = match (terminal, output.format) {
            (true, _) => in_place(&format!("{header}\n\n{text}"), output.height),
            (false, Format::Table) => format!("{header}\n\n{text}\n"),
            (false, _) => text,
        };
        // A reader that went away (`| head`) ends the watch: nobody is looking any more.
        if crate::report::output::write_stdout(&screen).is_err() {
            return report.exit_code;
        }
        // After the write: Ctrl-C exits with the status of the report on screen.
        LAST_CODE.store(report.exit_code, Ordering::SeqCst);
        std::thread::sleep(every);
    }
}

/// The redraw of a screen: from the top, each line clearing its rest, at most the screen's
/// height (the header's two lines included) so the terminal never scrolls, then the rest of the
/// screen cleared. The cursor stays after the last line, so the screen ends as it was drawn.
fn in_place(text: &str, body_height: Option<u16>) -> String {
    let rows = body_height.map_or(usize::MAX, |h| usize::from(h) + 2);
    let lines: Vec<&str> = text.lines().take(rows).collect();
    let mut out = String::from(HOME);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push_str(CLEAR_LINE);
        // No newline after the screen's last row: it would scroll the top line away.
        if i + 1 < rows {
            out.push('\n');
        }
    }
    out.push_str(CLEAR_BELOW);
    out
}

/// `Every 5s: dbrunbook diagnose   2026-11-24 05:10:03 UTC   CRITICAL`.
fn header(every: Duration, command: &str, status: Status, output: &Output) -> String {
    let color = output.format == Format::Table && output.color;
    format!(
        "Every {}: dbrunbook {command}   {}   {}",
        format_duration(every),
        local_time(),
        table::paint(status, color)
    )
}

/// The wall clock as `watch` shows it: local time with its zone.
fn local_time() -> String {
    // glibc's localtime_r reads TZ on first use. SAFETY: time, localtime_r and strftime write only into the buffers handed to them,
    // which live for the whole call; strftime returns how many bytes it wrote (0 on overflow).
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        let mut buf = [0u8; 64];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%Y-%m-%d %H:%M:%S %Z".as_ptr(),
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

extern "C" fn exit_with_last_code(_signal: libc::c_int) {
    // Only async-signal-safe calls here: an atomic load and _exit.
    // SAFETY: _exit ends the process without running anything else.
    unsafe { libc::_exit(i32::from(LAST_CODE.load(Ordering::SeqCst))) }
}

fn on_ctrl_c_exit_with_last_code() -> std::io::Result<()> {
    // SAFETY: the action is zeroed then filled; the handler is an extern "C" fn that only does
    // async-signal-safe work.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = exit_with_last_code as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
