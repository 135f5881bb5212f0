//! What the tool says on stderr outside a report: verbose logging (`-v`) and the refusal of bad
//! input. Everything said passes `redact::boundary` on the way out.

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(0);

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn info(message: &str) {
    if LEVEL.load(Ordering::Relaxed) > 0 {
        eprintln!(
            "dbrunbook: {}",
            crate::redact::boundary(&crate::text::sanitize(message, true))
        );
    }
}

/// Bad input that stops a command before any report (no fleet file, a port in use): said on
/// stderr, whatever `-v` is, and the run is UNKNOWN (exit 3).
pub fn refuse(message: &str) -> u8 {
    eprintln!(
        "dbrunbook: {}",
        crate::redact::boundary(&crate::text::sanitize(message, false))
    );
    3
}

/// A line for stderr whatever `-v` is (a problem found on the way, not a refusal).
pub fn say(message: &str) {
    eprintln!(
        "dbrunbook: {}",
        crate::redact::boundary(&crate::text::sanitize(message, false))
    );
}
