//! The sessions `serve` keeps between probes: one per fleet target (a PostgreSQL session is
//! bound to its database), at most `--keep-connections` kept in all, each closed once unused
//! for `--keep-idle`. A probe takes its target's session out and gives it back when the
//! pipeline says it may serve another run (`diagnose::Keep`); which sessions qualify, and how
//! the connect check still times a real connection, is the pipeline's and the engine's business.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::diagnose::{Keep, Kept};

/// A kept session and when it was last given back.
struct Idle {
    kept: Box<Kept>,
    since: Instant,
}

pub struct KeptSessions {
    cap: usize,
    idle: Duration,
    /// How long a kept session's steady measurements (the size check's) are answered again.
    steady_for: Duration,
    by_target: RefCell<HashMap<String, Idle>>,
    /// Probes that ran on a kept session.
    reused: Cell<u64>,
    /// Sessions closed for being idle past `--keep-idle`, or given back with the cap reached.
    released: Cell<u64>,
}

impl KeptSessions {
    pub fn new(cap: usize, idle: Duration, steady_for: Duration) -> KeptSessions {
        KeptSessions {
            cap,
            idle,
            steady_for,
            by_target: RefCell::new(HashMap::new()),
            reused: Cell::new(0),
            released: Cell::new(0),
        }
    }

    /// Whether probes keep sessions at all (`--keep-connections 0`: never).
    pub fn enabled(&self) -> bool {
        self.cap > 0
    }

    /// The target's kept session, out of the store for the probe's time (two probes of one
    /// target at once: the second connects for itself), as the pipeline takes it.
    pub fn take(&self, target: &str) -> Keep {
        let kept = self.by_target.borrow_mut().remove(target).map(|idle| {
            self.reused.set(self.reused.get() + 1);
            idle.kept
        });
        Keep::Yes {
            kept,
            steady_for: self.steady_for,
        }
    }

    /// Keeps the probe's session for the next probe, unless the cap is reached or another
    /// probe of the target gave one back first: then it is closed (dropping a PostgreSQL
    /// client ends its session).
    pub fn give_back(&self, target: &str, kept: Option<Box<Kept>>) {
        let Some(kept) = kept else { return };
        let mut by_target = self.by_target.borrow_mut();
        if by_target.len() >= self.cap || by_target.contains_key(target) {
            self.released.set(self.released.get() + 1);
            return;
        }
        by_target.insert(
            target.to_string(),
            Idle {
                kept,
                since: Instant::now(),
            },
        );
    }

    /// Closes every session unused for `--keep-idle`, and those the server closed meanwhile.
    pub fn release_idle(&self) {
        let mut by_target = self.by_target.borrow_mut();
        let before = by_target.len();
        by_target.retain(|_, idle| idle.since.elapsed() < self.idle && idle.kept.session.reusable());
        let gone = (before - by_target.len()) as u64;
        self.released.set(self.released.get() + gone);
    }

    /// How often `release_idle` runs: a quarter of `--keep-idle`, within 100 ms and 15 s, so a
    /// session outlives its idle time by at most a quarter of it.
    pub fn sweep_every(&self) -> Duration {
        (self.idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(15))
    }

    pub fn kept(&self) -> usize {
        self.by_target.borrow().len()
    }

    pub fn reused(&self) -> u64 {
        self.reused.get()
    }

    pub fn released(&self) -> u64 {
        self.released.get()
    }

    /// Closes every kept session (serve stopping).
    pub fn clear(&self) {
        self.by_target.borrow_mut().clear();
    }
}
