//! What the tool says on stderr outside a report: verbose logging (`-v`), the refusal of bad
//! input, problems found on the way, and the raw text of a usage error or a prompt. Every byte
//! said here passes `redact::boundary` on the way out; nothing else in the program writes to
//! stderr (tests/architecture.rs holds the rule), progress bars aside, whose messages pass it too.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(0);

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn info(message: &str) {
    if LEVEL.load(Ordering::Relaxed) > 0 {
        line(&crate::text::sanitize(message, true));
    }
}

/// Bad input that stops a command before any report (no fleet file, a port in use): said on
/// stderr, whatever `-v` is, and the run is UNKNOWN (exit 3).
pub fn refuse(message: &str) -> u8 {
    say(message);
    3
}

/// A line for stderr whatever `-v` is (a problem found on the way, not a refusal).
pub fn say(message: &str) {
    line(&crate::text::sanitize(message, false));
}

fn line(message: &str) {
    stderr(&format!("dbrunbook: {message}\n"));
}

/// `text` on stderr as it is (already sanitized by the caller, no `dbrunbook:` prefix, no
/// newline added), through the redaction boundary: a usage error, a list of problems, a prompt.
pub fn stderr(text: &str) {
    let text = crate::redact::boundary(text);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
}
