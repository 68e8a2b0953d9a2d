//! Answering cookie banners: detect the consent platform (rules first, then a multilingual
//! heuristic), run its accept or reject flow, fall back to its JavaScript API, and prove the
//! choice took effect. The page-side helper is `engine.js`; every decision is made here.

mod answer;
mod detect;
mod flow;
mod heuristic;
pub mod preset;
mod press;
pub mod rules;
mod verify;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::{Value, json};

use crate::browser::{BrowserSession, Frame, Tab};
pub use crate::model::Choice;
use crate::model::{ConsentAttempt, ConsentOutcome, ConsentRecord, Mode};
use rules::{Platform, RuleSet};

/// The page-side helper, evaluated before each command (it installs itself once per document).
const ENGINE: &str = include_str!("engine.js");

/// Time budget for banner handling.
#[derive(Debug, Clone, Copy)]
pub struct ConsentTiming {
    /// How long to look for a banner on the first page of a pass (banners load late).
    pub find_banner: Duration,
    /// How long one step waits for its element.
    pub step: Duration,
    /// How long the effect of a choice may take to show.
    pub verify: Duration,
}

impl Default for ConsentTiming {
    fn default() -> Self {
        ConsentTiming {
            find_banner: Duration::from_secs(6),
            step: Duration::from_secs(4),
            verify: Duration::from_secs(4),
        }
    }
}

/// Tells which cookies only consent may set, by name and cookie domain: one appearing during
/// or after a refusal disproves it.
#[derive(Clone)]
pub struct GatedCookies(Arc<CookieTest>);

/// A test on a cookie's name and domain.
type CookieTest = dyn Fn(&str, &str) -> bool + Send + Sync;

impl GatedCookies {
    pub fn new(test: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> GatedCookies {
        GatedCookies(Arc::new(test))
    }

    /// Third-party cookies only: what can be said without knowing any cookie.
    pub fn third_party_of(site: &str) -> GatedCookies {
        let site = site.to_ascii_lowercase();
        GatedCookies::new(move |_, domain| {
            let domain = domain.trim_start_matches('.').to_ascii_lowercase();
            !(domain == site || domain.ends_with(&format!(".{site}")))
        })
    }

    pub fn needs_consent(&self, name: &str, domain: &str) -> bool {
        (self.0)(name, domain)
    }
}

impl std::fmt::Debug for GatedCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatedCookies(..)")
    }
}

/// Answers banners for one pass.
pub struct ConsentDriver {
    rules: RuleSet,
    choice: Choice,
    mode: Mode,
    timing: ConsentTiming,
    artifacts: Option<PathBuf>,
    needs_consent: GatedCookies,
    screenshots: AtomicUsize,
    answered: std::sync::atomic::AtomicBool,
    start_over: Mutex<StartOver>,
}

/// A pass whose browser context a strategy spoiled, and how it resumes in a fresh one.
#[derive(Debug, Default)]
struct StartOver {
    /// The banner (platform id, or `heuristic`) and the first strategy to try afresh; `None`
    /// as the strategy once two contexts were spoiled: the banner is then left unanswered.
    resume: Option<(String, Option<usize>)>,
    /// A fresh context was asked for and not yet given.
    pending: bool,
    /// How often the pass started over.
    restarts: u8,
    /// Attempts made in contexts that were thrown away.
    attempts: Vec<ConsentAttempt>,
}

/// How often a condition is re-checked while waiting for it.
const POLL: Duration = Duration::from_millis(150);

/// What a spoiled context leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    /// A fresh context, answered with the next strategy.
    NextStrategy,
    /// A fresh context where the banner is left unanswered, so that no cookie the scanner let
    /// in is reported as surviving the refusal.
    Unanswered,
}

impl ConsentDriver {
    pub fn new(
        rules: RuleSet,
        mode: Mode,
        timing: ConsentTiming,
        artifacts: Option<PathBuf>,
        needs_consent: GatedCookies,
    ) -> Option<ConsentDriver> {
        Some(ConsentDriver {
            rules,
            choice: Choice::for_mode(mode)?,
            mode,
            timing,
            artifacts,
            needs_consent,
            screenshots: AtomicUsize::new(0),
            answered: std::sync::atomic::AtomicBool::new(false),
            start_over: Mutex::new(StartOver::default()),
        })
    }

    /// Whether the pass must start over in a fresh browser context because a strategy may have
    /// granted consent; the caller then visits its first pages again there. At most twice.
    pub fn start_over(&self) -> bool {
        let mut state = self.start_over.lock().expect("start-over state");
        if state.pending && state.restarts < 2 {
            state.pending = false;
            state.restarts += 1;
            return true;
        }
        false
    }

    /// Records that the context is spoiled: the banner is answered afresh from strategy `next`
    /// after the first spoiled context, and left unanswered after the second.
    fn taint(&self, banner: &str, next: usize, attempts: &[ConsentAttempt]) -> Resume {
        let mut state = self.start_over.lock().expect("start-over state");
        let resume = if state.restarts == 0 {
            Resume::NextStrategy
        } else {
            Resume::Unanswered
        };
        state.pending = true;
        let next = (resume == Resume::NextStrategy).then_some(next);
        state.resume = Some((banner.to_string(), next));
        state.attempts = attempts.to_vec();
        resume
    }

    /// Where to start on a banner (None: leave it unanswered), and the attempts made before
    /// the pass started over.
    fn resume_for(&self, banner: &str) -> (Option<usize>, Vec<ConsentAttempt>) {
        let mut state = self.start_over.lock().expect("start-over state");
        if state.restarts == 0 {
            return (Some(0), Vec::new());
        }
        let attempts = std::mem::take(&mut state.attempts);
        match state.resume.take() {
            Some((id, next)) if id == banner => (next, attempts),
            Some((_, None)) => (None, attempts),
            _ => (Some(0), attempts),
        }
    }

    /// Records that the choice was made another way (a preset consent cookie), so the first
    /// page does not wait for a banner.
    pub fn mark_answered(&self) {
        self.answered.store(true, Ordering::SeqCst);
    }

    /// The answer this driver gives.
    pub fn choice(&self) -> Choice {
        self.choice
    }

    /// Whether a choice has been made and proven on some page of this pass.
    pub fn answered(&self) -> bool {
        self.answered.load(Ordering::SeqCst)
    }

    /// Looks for a banner on the loaded page and answers it. `first` pages wait for a late
    /// banner; later pages look once (the banner is expected to stay answered). Returns None
    /// when there was nothing to record.
    pub async fn handle(
        &self,
        tab: &Tab,
        page: &str,
        first: bool,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<ConsentRecord> {
        let wait = if first && !self.answered() {
            self.timing.find_banner
        } else {
            Duration::ZERO
        };
        let deadline = Instant::now() + wait;
        let found = loop {
            if let Some(found) = self.find(tab).await {
                break Some(found);
            }
            if Instant::now() >= deadline {
                break None;
            }
            tokio::time::sleep(POLL).await;
        };
        let Some(found) = found else {
            // Worth a record only while no answer was given (a preset cookie answers too).
            let unanswered = first && !self.answered();
            return unanswered
                .then(|| self.record(page, None, Vec::new(), ConsentOutcome::NoBanner, None));
        };
        let shot = self.screenshots.fetch_add(1, Ordering::SeqCst);
        let before = self.screenshot(tab, shot, "before").await;
        let mut record = self.answer(tab, page, &found, session, context).await;
        settle_after_action(tab).await;
        record.screenshot_before = before;
        record.screenshot_after = self.screenshot(tab, shot, "after").await;
        if record.outcome == ConsentOutcome::Verified {
            self.answered.store(true, Ordering::SeqCst);
        }
        Some(record)
    }

    fn record(
        &self,
        page: &str,
        platform: Option<&Platform>,
        detected_by: Vec<String>,
        outcome: ConsentOutcome,
        verification: Option<String>,
    ) -> ConsentRecord {
        ConsentRecord {
            page: page.to_string(),
            action: self.choice,
            platform: platform.map(|p| p.id.clone()),
            platform_name: platform.map(|p| p.name.clone()),
            detected_by,
            clicked: Vec::new(),
            outcome,
            verification,
            screenshot_before: None,
            screenshot_after: None,
            attempts: Vec::new(),
        }
    }

    /// Saves a PNG beside the scan; the file name comes from the mode and a counter, never
    /// from the site.
    async fn screenshot(&self, tab: &Tab, index: usize, when: &str) -> Option<String> {
        let dir = self.artifacts.as_ref()?;
        let png = tab.screenshot().await?;
        let name = format!("{}-{index:03}-{when}.png", self.mode.as_str());
        std::fs::create_dir_all(dir).ok()?;
        std::fs::write(dir.join(&name), png).ok()?;
        Some(name)
    }
}

/// After a choice: let the requests it triggered finish, and when it reloaded the page, wait
/// for the new document to load first. The engine's global marks the old document: it is
/// gone once the page has been replaced.
async fn settle_after_action(tab: &Tab) {
    tab.settle_from_now().await;
    let top = tab.top_frame();
    const STILL_HERE: &str =
        "typeof window.__cookiescanConsent === 'function' && document.readyState === 'complete'";
    let deadline = Instant::now() + tab.timing().page_timeout;
    let mut reloaded = false;
    while tab.evaluate_in(&top, STILL_HERE).await != Some(Value::Bool(true)) {
        reloaded = true;
        let ready = tab
            .evaluate_in(&top, "document.readyState === 'complete'")
            .await;
        if ready == Some(Value::Bool(true)) || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if reloaded {
        tab.settle().await;
    }
}

/// Runs one engine command in a frame.
async fn call(tab: &Tab, frame: &Frame, command: &str, arg: &Value) -> Option<Value> {
    let expression = format!(
        "{ENGINE}\n;window.__cookiescanConsent({}, {})",
        json!(command),
        arg
    );
    tab.evaluate_in(frame, &expression).await
}
