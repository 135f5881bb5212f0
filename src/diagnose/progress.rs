//! A spinner on stderr while one target is diagnosed, only when stderr is a terminal: never in
//! pipes, cron or CI logs, and never for a fleet (it has a bar of its own).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn start(wanted: bool) -> Progress {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        // A spinner: a run has no length to show a bar against.
        let bar = ProgressBar::new_spinner();
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    pub fn say(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(crate::redact::boundary(&crate::text::sanitize(message, true)));
        }
    }

    pub fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
