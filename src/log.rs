//! Verbose logging to stderr (`-v`). Callers pass text that is already free of secrets.

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(0);

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn info(message: &str) {
    if LEVEL.load(Ordering::Relaxed) > 0 {
        eprintln!("dbrunbook: {}", crate::text::sanitize(message, true));
    }
}
