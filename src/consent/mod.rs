//! Answering cookie banners: detect the consent platform (rules first, then a multilingual
//! heuristic), run its accept or reject flow, fall back to its JavaScript API, and prove the
//! choice took effect. The page-side helper is `engine.js`; every decision is made here.

pub mod preset;
pub mod rules;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::{Value, json};

use crate::browser::{BrowserSession, Frame, Tab};
pub use crate::model::Choice;
use crate::model::{ConsentOutcome, ConsentRecord, Mode};
use rules::{Flow, Platform, RuleSet};

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

/// Answers banners for one pass.
pub struct ConsentDriver {
    rules: RuleSet,
    choice: Choice,
    mode: Mode,
    timing: ConsentTiming,
    artifacts: Option<PathBuf>,
    screenshots: AtomicUsize,
    answered: std::sync::atomic::AtomicBool,
}

/// How often a condition is re-checked while waiting for it.
const POLL: Duration = Duration::from_millis(150);

impl ConsentDriver {
    pub fn new(
        rules: RuleSet,
        mode: Mode,
        timing: ConsentTiming,
        artifacts: Option<PathBuf>,
    ) -> Option<ConsentDriver> {
        Some(ConsentDriver {
            rules,
            choice: Choice::for_mode(mode)?,
            mode,
            timing,
            artifacts,
            screenshots: AtomicUsize::new(0),
            answered: std::sync::atomic::AtomicBool::new(false),
        })
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
        let mut record = match &found {
            Found::Rule {
                platform,
                how,
                frames,
            } => {
                self.answer_rule(tab, page, platform, how.clone(), frames, session, context)
                    .await
            }
            Found::Heuristic {
                frame,
                buttons,
                text,
            } => self.answer_heuristic(tab, page, frame, buttons, text).await,
        };
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
        }
    }

    /// The first platform with a visible banner, else the heuristic's banner.
    async fn find(&self, tab: &Tab) -> Option<Found> {
        let frames = tab.frames().await;
        let top = frames.first()?.clone();
        let top_platforms: Vec<Value> = self.rules.platforms.iter().map(detect_json).collect();
        let detected = call(tab, &top, "detect", &Value::Array(top_platforms)).await?;
        let mut hits: Vec<(String, Vec<String>, bool)> = parse_hits(&detected);
        // Rules whose banner lives in an iframe are also looked for inside matching frames.
        for platform in self.rules.platforms.iter().filter(|p| p.frame.is_some()) {
            let needle = platform.frame.as_deref().unwrap_or_default();
            for frame in frames.iter().skip(1).filter(|f| f.url.contains(needle)) {
                let result = call(tab, frame, "detect", &json!([detect_json(platform)])).await;
                if let Some(result) = result {
                    for (id, how, visible) in parse_hits(&result) {
                        hits.push((
                            id,
                            how.into_iter()
                                .map(|h| format!("{h} (in {})", frame.url))
                                .collect(),
                            visible,
                        ));
                    }
                }
            }
        }
        for platform in &self.rules.platforms {
            let matching: Vec<&(String, Vec<String>, bool)> =
                hits.iter().filter(|h| h.0 == platform.id).collect();
            if matching.iter().any(|h| h.2) {
                let how = matching.iter().flat_map(|h| h.1.clone()).collect();
                let frames = match &platform.frame {
                    Some(needle) => frames
                        .iter()
                        .filter(|f| f.url.contains(needle.as_str()))
                        .cloned()
                        .collect(),
                    None => vec![top.clone()],
                };
                return Some(Found::Rule {
                    platform: Box::new(platform.clone()),
                    how,
                    frames,
                });
            }
        }
        // No rule's banner is visible: the heuristic, top document first, then each frame.
        for frame in &frames {
            let result = call(tab, frame, "heuristic", &Value::Null).await?;
            if result.get("found").and_then(Value::as_bool) == Some(true) {
                let buttons = result
                    .get("buttons")
                    .and_then(Value::as_array)
                    .map(|b| {
                        b.iter()
                            .filter_map(|b| {
                                Some((
                                    b.get("kind")?.as_str()?.to_string(),
                                    b.get("label")?.as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                return Some(Found::Heuristic {
                    frame: frame.clone(),
                    buttons,
                    text: result
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    async fn answer_rule(
        &self,
        tab: &Tab,
        page: &str,
        platform: &Platform,
        how: Vec<String>,
        frames: &[Frame],
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> ConsentRecord {
        let mut record = self.record(page, Some(platform), how, ConsentOutcome::Unverified, None);
        let flows = match self.choice {
            Choice::Accept => &platform.accept,
            Choice::Reject => &platform.reject,
        };
        let mut tried_any = false;
        for flow in flows {
            let Some(frame) = self.flow_frame(tab, flow, frames).await else {
                continue;
            };
            tried_any = true;
            match self.run_flow(tab, &frame, flow).await {
                Ok(clicked) => record.clicked.extend(clicked),
                Err(clicked) => {
                    record.clicked.extend(clicked);
                    continue;
                }
            }
            if let Some(proof) = self.verify(tab, platform, session, context).await {
                record.outcome = ConsentOutcome::Verified;
                record.verification = Some(proof);
                return record;
            }
        }
        let api = match self.choice {
            Choice::Accept => platform.api_accept.as_deref(),
            Choice::Reject => platform.api_reject.as_deref(),
        };
        if let Some(api) = api
            && let Some(top) = tab.frames().await.first()
        {
            tried_any = true;
            if call(tab, top, "run", &json!(api)).await == Some(json!(true)) {
                record.clicked.push(format!("API {api}"));
                if let Some(proof) = self.verify(tab, platform, session, context).await {
                    record.outcome = ConsentOutcome::Verified;
                    record.verification = Some(proof);
                    return record;
                }
            }
        }
        if !tried_any && self.choice == Choice::Reject {
            record.outcome = if self.wall_present(tab, platform, frames).await {
                ConsentOutcome::CookieWall
            } else {
                ConsentOutcome::NoRejectOption
            };
        }
        record
    }

    async fn wall_present(&self, tab: &Tab, platform: &Platform, frames: &[Frame]) -> bool {
        for selector in &platform.walls {
            for frame in frames {
                if call(tab, frame, "visible", &json!(selector)).await == Some(json!(true)) {
                    return true;
                }
            }
        }
        false
    }

    /// The frame where a flow's first element is present, if any.
    async fn flow_frame(&self, tab: &Tab, flow: &Flow, frames: &[Frame]) -> Option<Frame> {
        let first = flow.steps.first()?;
        let selector = first
            .click
            .as_ref()
            .or(first.wait_for.as_ref())
            .or(first.click_all.as_ref())?;
        for frame in frames {
            if call(tab, frame, "exists", &json!(selector)).await == Some(json!(true)) {
                return Some(frame.clone());
            }
        }
        None
    }

    /// Runs a flow's steps; Err when a required step's element never showed.
    async fn run_flow(
        &self,
        tab: &Tab,
        frame: &Frame,
        flow: &Flow,
    ) -> Result<Vec<String>, Vec<String>> {
        let mut clicked = Vec::new();
        for step in &flow.steps {
            let done = if let Some(selector) = &step.click {
                match self.wait_until(tab, frame, "click", selector).await {
                    Some(Value::String(what)) => {
                        clicked.push(what);
                        true
                    }
                    _ => false,
                }
            } else if let Some(selector) = &step.click_all {
                if let Some(count) = call(tab, frame, "clickAll", &json!(selector)).await
                    && count.as_u64().unwrap_or(0) > 0
                {
                    clicked.push(format!("{count} × {selector}"));
                }
                true
            } else if let Some(selector) = &step.wait_for {
                self.wait_until(tab, frame, "visible", selector).await == Some(json!(true))
            } else if let Some(selector) = &step.wait_gone {
                let deadline = Instant::now() + self.timing.step;
                loop {
                    if call(tab, frame, "visible", &json!(selector)).await != Some(json!(true)) {
                        break true;
                    }
                    if Instant::now() >= deadline {
                        break false;
                    }
                    tokio::time::sleep(POLL).await;
                }
            } else {
                true
            };
            if !done && !step.optional {
                return Err(clicked);
            }
        }
        Ok(clicked)
    }

    /// Repeats a command until it returns something other than null/false, within the step budget.
    async fn wait_until(
        &self,
        tab: &Tab,
        frame: &Frame,
        command: &str,
        selector: &str,
    ) -> Option<Value> {
        let deadline = Instant::now() + self.timing.step;
        loop {
            let result = call(tab, frame, command, &json!(selector)).await;
            if matches!(&result, Some(v) if !v.is_null() && v != &json!(false)) {
                return result;
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Proof that the choice took effect, polled within the verify budget.
    async fn verify(
        &self,
        tab: &Tab,
        platform: &Platform,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<String> {
        let verify = &platform.verify;
        let (pattern, js) = match self.choice {
            Choice::Accept => (verify.accept.as_deref(), verify.js_accept.as_deref()),
            Choice::Reject => (verify.reject.as_deref(), verify.js_reject.as_deref()),
        };
        let pattern = pattern.and_then(|p| regex::Regex::new(p).ok());
        let deadline = Instant::now() + self.timing.verify;
        loop {
            let top = tab.frames().await.into_iter().next()?;
            if let (Some(name), Some(pattern)) = (&verify.cookie, &pattern)
                && let Ok(jar) = session.cookies(context).await
                && let Some(cookie) = jar.iter().find(|c| &c.key.name == name)
            {
                let value = percent_decode(&cookie.value);
                if pattern.is_match(&value) {
                    return Some(format!("cookie {name} matches /{pattern}/"));
                }
            }
            if let (Some(key), Some(pattern)) = (&verify.storage, &pattern)
                && let Some(Value::String(value)) = call(tab, &top, "storage", &json!(key)).await
                && pattern.is_match(&value)
            {
                return Some(format!("localStorage {key} matches /{pattern}/"));
            }
            if let Some(js) = js
                && call(tab, &top, "evaluate", &json!(js)).await == Some(json!(true))
            {
                return Some(format!("{js} is true"));
            }
            let nothing_specific =
                verify.cookie.is_none() && verify.storage.is_none() && js.is_none();
            if nothing_specific && !self.banner_visible(tab, platform).await {
                return Some("the banner is gone".into());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What `__tcfapi` says after the action: Ok(proof) when its purposes agree with the
    /// choice, Err(why) when they contradict it, None without TCF.
    async fn tcf_proof(&self, tab: &Tab) -> Option<Result<String, String>> {
        let top = tab.frames().await.into_iter().next()?;
        let state = call(tab, &top, "tcf", &Value::Null).await?;
        let status = state.get("status")?.as_str()?.to_string();
        if status == "timeout" {
            return None;
        }
        let purposes: Vec<u64> = state
            .get("purposes")?
            .as_array()?
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let agrees = match self.choice {
            Choice::Accept => !purposes.is_empty(),
            Choice::Reject => purposes.is_empty(),
        };
        let description = format!("TCF {status}, purposes consented: {purposes:?}");
        Some(if agrees {
            Ok(description)
        } else {
            Err(description)
        })
    }

    async fn banner_visible(&self, tab: &Tab, platform: &Platform) -> bool {
        for frame in tab.frames().await {
            for selector in &platform.visible {
                if call(tab, &frame, "visible", &json!(selector)).await == Some(json!(true)) {
                    return true;
                }
            }
        }
        false
    }

    async fn answer_heuristic(
        &self,
        tab: &Tab,
        page: &str,
        frame: &Frame,
        buttons: &[(String, String)],
        text: &str,
    ) -> ConsentRecord {
        let detected = vec![format!(
            "banner text \"{}\"",
            text.chars().take(120).collect::<String>()
        )];
        let mut record = self.record(page, None, detected, ConsentOutcome::Unverified, None);
        record.platform_name = Some("unknown (heuristic)".into());
        let has = |kind: &str| buttons.iter().any(|(k, _)| k == kind);
        let kind = match self.choice {
            Choice::Accept if has("accept") => "accept",
            Choice::Accept if has("acknowledge") => "acknowledge",
            Choice::Reject if has("reject") => "reject",
            Choice::Reject => {
                // Never accept while asked to refuse, and never pay or subscribe.
                record.outcome = if has("forbidden") {
                    ConsentOutcome::CookieWall
                } else {
                    ConsentOutcome::NoRejectOption
                };
                return record;
            }
            Choice::Accept => {
                record.outcome = ConsentOutcome::Failed;
                return record;
            }
        };
        if let Some(Value::String(what)) = call(tab, frame, "heuristicClick", &json!(kind)).await {
            record.clicked.push(what);
        }
        let deadline = Instant::now() + self.timing.verify;
        loop {
            if call(tab, frame, "bannerGone", &Value::Null).await == Some(json!(true)) {
                record.outcome = ConsentOutcome::Verified;
                record.verification = Some("the banner is gone".into());
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        // A TCF-speaking banner can prove more than its disappearance.
        if record.outcome == ConsentOutcome::Verified
            && let Some(tcf) = self.tcf_proof(tab).await
        {
            match tcf {
                Ok(proof) => record.verification = Some(proof),
                Err(contradiction) => {
                    record.outcome = ConsentOutcome::Unverified;
                    record.verification = Some(contradiction);
                }
            }
        }
        record
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

enum Found {
    Rule {
        platform: Box<Platform>,
        how: Vec<String>,
        frames: Vec<Frame>,
    },
    Heuristic {
        frame: Frame,
        buttons: Vec<(String, String)>,
        text: String,
    },
}

fn detect_json(platform: &Platform) -> Value {
    json!({
        "id": platform.id,
        "selectors": platform.detect.selectors,
        "globals": platform.detect.globals,
        "scripts": platform.detect.scripts,
        "visible": platform.visible,
    })
}

fn parse_hits(result: &Value) -> Vec<(String, Vec<String>, bool)> {
    result
        .get("found")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|hit| {
            Some((
                hit.get("id")?.as_str()?.to_string(),
                hit.get("how")?
                    .as_array()?
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect(),
                hit.get("visible")?.as_bool()?,
            ))
        })
        .collect()
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

fn percent_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%3Ab%2Cc"), "a:b,c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%E2é%"), "\u{fffd}é%");
        assert_eq!(percent_decode("%7B%22x%22%3Atrue%7D"), "{\"x\":true}");
    }
}
