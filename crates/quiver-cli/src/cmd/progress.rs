//! A progress bar on standard error for work that takes a while, for any command.
//!
//! It is drawn only when standard error is a terminal, never on standard output, and only
//! for work that is likely to take more than about a second: an input of at least
//! [`LARGE_INPUT`] bytes shows it from the start, anything else only once it has run for
//! [`DELAY`] (a long standard-input stream, say). When the size of the input is known the
//! bar shows bytes done of the total and the time left; otherwise a spinner with the
//! bytes read. The bar is erased when the work ends, successfully or not (on drop), so
//! the terminal keeps only the command's own output and its error line.
//!
//! ```text
//! let mut progress = Progress::new("converting", Some(file_size));
//! for each batch { ...; progress.set_position(bytes_read); }
//! progress.finish();
//! ```

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs at least this large show the bar at once.
pub const LARGE_INPUT: u64 = 32 << 20;
/// Other work shows the bar once it has run this long.
pub const DELAY: Duration = Duration::from_secs(1);

/// The bar when the total is known.
const BAR_TEMPLATE: &str =
    "{prefix} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)";
/// The spinner when it is not.
const SPINNER_TEMPLATE: &str = "{prefix} {spinner} {bytes} read ({bytes_per_sec})";

/// Progress of one piece of work, measured in bytes of input.
#[derive(Debug)]
pub struct Progress {
    /// `None` when standard error is not a terminal: nothing is ever drawn.
    enabled: Option<Enabled>,
}

#[derive(Debug)]
struct Enabled {
    label: &'static str,
    total: Option<u64>,
    started: Instant,
    /// Created when the bar is first shown.
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress of work over `total` bytes (`None`: unknown, such as standard input),
    /// labelled `label` ("converting"). Draws nothing unless standard error is a terminal.
    pub fn new(label: &'static str, total: Option<u64>) -> Self {
        Self::with_terminal(label, total, std::io::stderr().is_terminal())
    }

    fn with_terminal(label: &'static str, total: Option<u64>, terminal: bool) -> Self {
        let mut progress = Self {
            enabled: terminal.then(|| Enabled {
                label,
                total,
                started: Instant::now(),
                bar: None,
            }),
        };
        progress.set_position(0);
        progress
    }

    /// Whether the bar is on screen.
    #[cfg(test)]
    fn is_shown(&self) -> bool {
        self.enabled.as_ref().is_some_and(|e| e.bar.is_some())
    }

    /// `bytes` of the input are done.
    pub fn set_position(&mut self, bytes: u64) {
        let Some(e) = &mut self.enabled else {
            return;
        };
        if e.bar.is_none() {
            let large = e.total.is_some_and(|t| t >= LARGE_INPUT);
            if !large && e.started.elapsed() < DELAY {
                return;
            }
            e.bar = Some(new_bar(e.label, e.total));
        }
        if let Some(bar) = &e.bar {
            bar.set_position(bytes);
        }
    }

    /// The work is done: the bar is erased.
    pub fn finish(self) {
        drop(self);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.enabled.as_mut().and_then(|e| e.bar.take()) {
            bar.finish_and_clear();
        }
    }
}

fn new_bar(label: &'static str, total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            BAR_TEMPLATE,
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            SPINNER_TEMPLATE,
        ),
    };
    // The templates are constants: an error would be a bug caught by the tests below, and
    // the default style is a fine fallback.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_drawn_without_a_terminal() {
        let mut p = Progress::with_terminal("converting", Some(1 << 40), false);
        p.set_position(5);
        assert!(!p.is_shown());
    }

    #[test]
    fn large_inputs_show_the_bar_at_once_small_ones_after_the_delay() {
        let large = Progress::with_terminal("converting", Some(LARGE_INPUT), true);
        assert!(large.is_shown());
        let mut small = Progress::with_terminal("converting", Some(LARGE_INPUT - 1), true);
        assert!(!small.is_shown());
        if let Some(e) = &mut small.enabled {
            e.started = e
                .started
                .checked_sub(DELAY)
                .expect("an instant a second ago");
        }
        small.set_position(1);
        assert!(small.is_shown());
        let unknown = Progress::with_terminal("converting", None, true);
        assert!(!unknown.is_shown());
    }

    #[test]
    fn the_templates_are_valid() {
        for template in [BAR_TEMPLATE, SPINNER_TEMPLATE] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }
}
