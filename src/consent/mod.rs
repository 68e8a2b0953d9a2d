//! Answering cookie banners: detect the consent platform (rules first, then a multilingual
//! heuristic), run its accept or reject flow, fall back to its JavaScript API, and prove the
//! choice took effect. The page-side helper is `engine.js`; every decision is made here.

mod answer;
pub mod autoconsent;
mod detect;
mod fallback;
mod flow;
mod heuristic;
pub mod preset;
mod press;
pub mod rules;
mod settings_page;
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
use autoconsent::{Autoconsent, AutoconsentRun};
use detect::Found;
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

/// Which engines answer banners: cookiescan's rules and heuristic, DuckDuckGo's autoconsent
/// (as a fallback), or either alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentEngine {
    Ours,
    Autoconsent,
    #[default]
    Both,
}

impl ConsentEngine {
    pub const ALL: [ConsentEngine; 3] = [
        ConsentEngine::Ours,
        ConsentEngine::Autoconsent,
        ConsentEngine::Both,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentEngine::Ours => "ours",
            ConsentEngine::Autoconsent => "autoconsent",
            ConsentEngine::Both => "both",
        }
    }
}

/// The engines of a scan: the choice, and autoconsent when it could be loaded.
#[derive(Debug, Clone, Default)]
pub struct Engines {
    pub engine: ConsentEngine,
    pub autoconsent: Option<Arc<Autoconsent>>,
}

impl Engines {
    /// What answers banners in this scan, for the record.
    pub fn describe(&self) -> String {
        match (&self.autoconsent, self.engine) {
            (_, ConsentEngine::Ours) | (None, _) => "cookiescan".into(),
            (Some(ac), ConsentEngine::Autoconsent) => format!("autoconsent {}", ac.version),
            (Some(ac), ConsentEngine::Both) => {
                format!("cookiescan, then autoconsent {}", ac.version)
            }
        }
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
    engines: Engines,
    screenshots: AtomicUsize,
    answered: std::sync::atomic::AtomicBool,
    /// The pass stopped answering: a way of answering spoiled a context that cannot be
    /// replaced, or the banner is deliberately left unanswered.
    abandoned: std::sync::atomic::AtomicBool,
    start_over: Mutex<StartOver>,
    /// Whether any page of the pass may start it over (its pages are recorded only once all
    /// were visited), not only its first pages.
    restart_anywhere: std::sync::atomic::AtomicBool,
    /// Banners that could not be answered on some page of this context: not tried again (nor
    /// screenshotted) on every later page where they show.
    given_up: Mutex<std::collections::BTreeSet<String>>,
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
        engines: Engines,
    ) -> Option<ConsentDriver> {
        Some(ConsentDriver {
            rules,
            choice: Choice::for_mode(mode)?,
            mode,
            timing,
            artifacts,
            needs_consent,
            engines,
            screenshots: AtomicUsize::new(0),
            answered: std::sync::atomic::AtomicBool::new(false),
            abandoned: std::sync::atomic::AtomicBool::new(false),
            start_over: Mutex::new(StartOver::default()),
            restart_anywhere: std::sync::atomic::AtomicBool::new(false),
            given_up: Mutex::new(std::collections::BTreeSet::new()),
        })
    }

    /// Whether the pass must start over in a fresh browser context because a strategy may have
    /// granted consent; the caller then visits its pages again there. At most twice.
    pub fn start_over(&self) -> bool {
        let mut state = self.start_over.lock().expect("start-over state");
        if state.pending && state.restarts < 2 {
            state.pending = false;
            state.restarts += 1;
            self.given_up.lock().expect("given-up banners").clear();
            // Answering stopped in the spoiled context only.
            self.abandoned.store(false, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Lets every page of the pass start it over, not only its first pages: for a pass that
    /// records its pages only once a batch of them was visited, so that a batch visited in a
    /// spoiled context can be thrown away whole.
    pub fn restart_from_any_page(&self) {
        self.restart_anywhere.store(true, Ordering::SeqCst);
    }

    /// Whether any page may start the pass over (see [`ConsentDriver::restart_from_any_page`]).
    pub fn restarts_from_any_page(&self) -> bool {
        self.restart_anywhere.load(Ordering::SeqCst)
    }

    /// Whether a page (one of the pass's first pages or not) can start the pass over.
    fn can_start_over(&self, first: bool) -> bool {
        first || self.restarts_from_any_page()
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
        // Kept for the whole context: pages visited side by side each ask.
        let attempts = std::mem::take(&mut state.attempts);
        match &state.resume {
            Some((id, next)) if id == banner => (*next, attempts),
            Some((_, None)) => (None, attempts),
            _ => (Some(0), attempts),
        }
    }

    /// autoconsent for one page, when this scan drives it.
    fn autoconsent_run(&self) -> Option<AutoconsentRun<'_>> {
        if self.engines.engine == ConsentEngine::Ours {
            return None;
        }
        let engine = self.engines.autoconsent.as_deref()?;
        Some(AutoconsentRun::new(engine, self.choice))
    }

    /// Stops answering banners for the rest of the pass.
    fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
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
        if self.abandoned.load(Ordering::SeqCst) {
            return None;
        }
        let wait = if first && !self.answered() {
            self.timing.find_banner
        } else {
            Duration::ZERO
        };
        let deadline = Instant::now() + wait;
        let mut autoconsent = self.autoconsent_run();
        let found = loop {
            if self.engines.engine != ConsentEngine::Autoconsent
                && let Some(found) = self.find(tab).await
            {
                break Some(found);
            }
            // autoconsent looks for popups only while a first page waits for its banner.
            if !wait.is_zero()
                && let Some(run) = autoconsent.as_mut()
                && let Some(cmp) = run.find_popup(tab, Duration::ZERO).await
            {
                break Some(Found::Autoconsent { cmp });
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
        let key = found.key();
        if self
            .given_up
            .lock()
            .expect("given-up banners")
            .contains(&key)
        {
            return None;
        }
        let shot = self.screenshots.fetch_add(1, Ordering::SeqCst);
        let before = self.screenshot(tab, shot, "before").await;
        let mut record = self
            .answer(
                tab,
                (page, first),
                &found,
                session,
                context,
                &mut autoconsent,
            )
            .await;
        settle_after_action(tab).await;
        record.screenshot_before = before;
        record.screenshot_after = self.screenshot(tab, shot, "after").await;
        if record.outcome == ConsentOutcome::Verified {
            self.answered.store(true, Ordering::SeqCst);
        } else {
            self.given_up.lock().expect("given-up banners").insert(key);
        }
        // No page answers again in a spoiled context: the pass starts over where it can, and
        // where it cannot, what spoiled the context stays and the pass stops answering.
        let spoiled = record.attempts.last().is_some_and(|a| a.tainted);
        let final_context = {
            let state = self.start_over.lock().expect("start-over state");
            state.restarts > 0 && !state.pending
        };
        if (spoiled && !first) || (final_context && record.outcome != ConsentOutcome::Verified) {
            self.abandon();
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
            engine: None,
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

#[cfg(test)]
mod vocabulary_tests {
    //! The heuristic's vocabulary, read out of `engine.js` and checked label by label in every
    //! language it claims. The page-side lookarounds become the `regex` crate's equivalent
    //! (a boundary is the text's end or a character that is no letter, digit or `_`).

    use regex::Regex;

    fn translate(js: &str) -> Regex {
        let body = js
            .replace("(?<![\\p{L}\\p{N}_])", "(?:^|[^\\p{L}\\p{N}_])")
            .replace("(?![\\p{L}\\p{N}_])", "(?:$|[^\\p{L}\\p{N}_])");
        Regex::new(&format!("(?i){body}")).unwrap()
    }

    /// The regex literal after `prefix` on a line of the engine, up to its closing `/iu`.
    fn literal(prefix: &str) -> Regex {
        let line = super::ENGINE
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in engine.js"));
        let start = line.find('/').unwrap() + 1;
        let end = line.rfind("/iu").unwrap();
        translate(&line[start..end])
    }

    /// `classify` in engine.js, in its order (paying and login words aside).
    fn kind(label: &str) -> Option<&'static str> {
        let text = label.trim().to_lowercase();
        let all = {
            let line = super::ENGINE
                .lines()
                .find(|l| l.contains("WORDS.save.test(text) && !/"))
                .unwrap();
            let start = line.find("!/").unwrap() + 2;
            let end = line.find("/iu").unwrap();
            translate(&line[start..end])
        };
        let [reject, save, settings, accept] =
            ["reject: /", "save: /", "settings: /", "accept: /"].map(literal);
        if reject.is_match(&text) {
            Some("reject")
        } else if save.is_match(&text) && !all.is_match(&text) {
            Some("save")
        } else if settings.is_match(&text) && !accept.is_match(&text) {
            Some("settings")
        } else if accept.is_match(&text) {
            Some("accept")
        } else {
            None
        }
    }

    #[test]
    fn every_language_refuses_accepts_and_saves() {
        // (language, label, kind) — one refusal and one acceptance per language at least.
        let table = [
            ("bg", "Отхвърляне на всички", "reject"),
            ("bg", "Приемам", "accept"),
            ("bg", "Запази", "save"),
            ("cs", "Odmítnout vše", "reject"),
            ("cs", "Nesouhlasím", "reject"),
            ("cs", "Přijmout vše", "accept"),
            ("cs", "Nastavení", "settings"),
            ("cs", "Přijmout nezbytné", "reject"),
            ("en", "Accept necessary cookies", "reject"),
            ("de", "Nur notwendige akzeptieren", "reject"),
            ("fr", "Accepter uniquement les nécessaires", "reject"),
            ("da", "Afvis alle", "reject"),
            ("da", "Tillad alle", "accept"),
            ("de", "Alle ablehnen", "reject"),
            ("de", "Auswahl speichern", "save"),
            ("de", "Alle akzeptieren", "accept"),
            ("el", "Απόρριψη όλων", "reject"),
            ("el", "Αποδοχή όλων", "accept"),
            ("el", "Ρυθμίσεις", "settings"),
            (
                "en",
                "Continue with technically necessary cookies only",
                "reject",
            ),
            ("en", "I do not agree", "reject"),
            ("en", "Save my choices", "save"),
            ("en", "Accept all", "accept"),
            ("es", "Rechazar todo", "reject"),
            ("es", "Aceptar todo", "accept"),
            ("et", "Keeldu", "reject"),
            ("et", "Nõustun", "accept"),
            ("fi", "Hylkää kaikki", "reject"),
            ("fi", "En hyväksy", "reject"),
            ("fi", "Hyväksy kaikki", "accept"),
            ("fi", "Tallenna", "save"),
            ("fr", "Tout refuser", "reject"),
            ("fr", "Tout accepter", "accept"),
            ("ga", "Diúltaigh", "reject"),
            ("ga", "Glac le gach ceann", "accept"),
            ("hr", "Odbij sve", "reject"),
            ("hr", "Prihvati sve", "accept"),
            ("hu", "Összes elutasítása", "reject"),
            ("hu", "Nem fogadom el", "reject"),
            ("hu", "Elfogadom", "accept"),
            ("it", "Rifiuta tutto", "reject"),
            ("it", "Salva le mie scelte", "save"),
            ("it", "Accetta tutto", "accept"),
            ("lt", "Atmesti visus", "reject"),
            ("lt", "Sutinku", "accept"),
            ("lv", "Noraidīt visus", "reject"),
            ("lv", "Pieņemt visus", "accept"),
            ("mt", "Irrifjuta kollox", "reject"),
            ("mt", "Aċċetta kollox", "accept"),
            ("nl", "Alles weigeren", "reject"),
            ("nl", "Alles accepteren", "accept"),
            ("no", "Avslå alle", "reject"),
            ("no", "Godta alle", "accept"),
            ("no", "Innstillinger", "settings"),
            ("pl", "Odrzuć wszystkie", "reject"),
            ("pl", "Nie zgadzam się", "reject"),
            ("pl", "Zgadzam się", "accept"),
            ("pt", "Rejeitar tudo", "reject"),
            ("pt", "Aceitar tudo", "accept"),
            ("ro", "Respinge toate", "reject"),
            ("ro", "Nu sunt de acord", "reject"),
            ("ro", "Acceptă toate", "accept"),
            ("sk", "Odmietnuť všetko", "reject"),
            ("sk", "Prijať všetko", "accept"),
            ("sl", "Zavrni vse", "reject"),
            ("sl", "Sprejmi vse", "accept"),
            ("sl", "Shrani", "save"),
            ("sv", "Avvisa alla", "reject"),
            ("sv", "Acceptera alla", "accept"),
            (
                "en",
                "Continue with technically required cookies only",
                "reject",
            ),
            ("en", "Save selection and continue", "save"),
            // Labels of orejime 3.2.1's own translations.
            ("hu", "Elvet", "reject"),
            ("hu", "Fogadj el mindent", "accept"),
            ("ro", "Renunță", "reject"),
            ("ro", "Accepta totul", "accept"),
            ("no", "Akseptere", "accept"),
            ("nl", "Alles aanvaarden", "accept"),
            ("et", "Keela kõik rakendused", "reject"),
            ("fi", "Hyväksyä kaikki", "accept"),
            ("sv", "Tacka nej till alla", "reject"),
            ("it", "Accettare tutto", "accept"),
        ];
        let wrong: Vec<String> = table
            .iter()
            .filter(|(_, label, want)| kind(label) != Some(*want))
            .map(|(lang, label, want)| {
                format!("{lang} {label:?}: {:?}, wanted {want}", kind(label))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        let languages: std::collections::BTreeSet<&str> = table.iter().map(|t| t.0).collect();
        assert_eq!(languages.len(), 25, "the 24 EU languages and Norwegian");
    }

    #[test]
    fn words_inside_other_words_do_not_count() {
        // "glac" is Irish for accept, not a match inside "glacier"; "odbij" not in "odbijanje".
        assert_eq!(kind("Glacier tours"), None);
        assert_eq!(kind("Accepted payment methods"), None);
        assert_eq!(kind("Saving tips"), None);
    }
}
