//! The progress bar. Only the command line draws; the library reports `ScanEvent`s. Each
//! consent pass gets the bar anew, named after its mode, with its own total and an ETA.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::crawl::{Observer, ScanEvent};
use crate::model::PageOutcome;

/// Pages done / discovered, cookies found and failures, on stderr; hidden when stderr is not a
/// terminal (indicatif's stderr target draws nothing then) or with `--quiet`.
pub(super) struct Progress {
    bar: ProgressBar,
    failures: Arc<AtomicUsize>,
}

impl Progress {
    pub(super) fn new(quiet: bool) -> Progress {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix:>14} [{elapsed_precise}] {bar:30} {pos}/{len} pages  ETA {eta}  {msg}",
            )
            .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress {
            bar,
            failures: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub(super) fn observer(&self) -> Observer {
        let bar = self.bar.clone();
        let failures = self.failures.clone();
        let cookies = Arc::new(AtomicUsize::new(0));
        Arc::new(move |event: &ScanEvent| match event {
            ScanEvent::BrowserReady { product } => bar.println(format!("browser: {product}")),
            ScanEvent::PassStarted { mode, pages } => {
                // Only this pass's pages count towards its bar and ETA.
                bar.reset();
                bar.set_length(pages.unwrap_or(0) as u64);
                bar.set_prefix(mode.as_str());
            }
            ScanEvent::Discovered { total } => bar.set_length(*total as u64),
            ScanEvent::PageDone { outcome, .. } => {
                if *outcome == PageOutcome::Failed {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                bar.inc(1);
                bar.set_message(format!(
                    "{} cookies  {} failed",
                    cookies.load(Ordering::SeqCst),
                    failures.load(Ordering::SeqCst)
                ));
            }
            ScanEvent::CookiesFound { total } => {
                cookies.store(*total, Ordering::SeqCst);
                bar.set_message(format!(
                    "{total} cookies  {} failed",
                    failures.load(Ordering::SeqCst)
                ));
            }
            ScanEvent::BrowserRestarted { reason } => {
                bar.println(format!("browser relaunched: {reason}"))
            }
            ScanEvent::CategoryPassesStarted { labels, pages } => {
                bar.reset();
                bar.set_length(0);
                bar.set_prefix("categories");
                bar.set_message(format!(
                    "each alone on {pages} page(s): {}",
                    labels.join(", ")
                ));
            }
        })
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;

    /// Regression (issue 11): one bar for the whole scan had the first pass's total, so later
    /// passes read `16/8 pages`.
    #[test]
    fn each_pass_has_its_own_bar() {
        let progress = Progress::new(true);
        let observe = progress.observer();
        let done = |outcome| ScanEvent::PageDone {
            url: "https://www.example.com/".into(),
            outcome,
        };
        observe(&ScanEvent::PassStarted {
            mode: Mode::BeforeConsent,
            pages: None,
        });
        observe(&ScanEvent::Discovered { total: 3 });
        for _ in 0..3 {
            observe(&done(PageOutcome::Ok));
        }
        assert_eq!(
            (progress.bar.position(), progress.bar.length()),
            (3, Some(3))
        );
        observe(&ScanEvent::PassStarted {
            mode: Mode::Accept,
            pages: Some(2),
        });
        observe(&done(PageOutcome::Failed));
        assert_eq!(
            (progress.bar.position(), progress.bar.length()),
            (1, Some(2))
        );
        assert_eq!(progress.bar.prefix(), "accept");
    }
}
