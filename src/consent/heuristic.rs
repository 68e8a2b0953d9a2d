//! The heuristic's strategy for a banner no rule knows (or a rule that failed): press the
//! button whose label means the choice, never accept when asked to refuse, and prove it by the
//! banner's going and, where the banner speaks TCF, by what `__tcfapi` says.

use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::{Value, json};

use super::answer::Run;
use super::press::Target;
use super::{ConsentDriver, POLL, call};
use crate::browser::{BrowserSession, Frame, Tab};
use crate::model::Choice;

impl ConsentDriver {
    /// Presses the heuristic's button for the choice in the first frame whose banner offers
    /// one (top document first); None when none does.
    pub(super) async fn run_heuristic(
        &self,
        tab: &Tab,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<Run> {
        for frame in tab.frames().await {
            let Some(kinds) = self.banner_kinds(tab, &frame).await else {
                continue;
            };
            let has = |kind: &str| kinds.iter().any(|k| k == kind);
            let kind = match self.choice {
                Choice::Accept if has("accept") => "accept",
                Choice::Accept if has("acknowledge") => "acknowledge",
                // "Accept selected" with the site's defaults: the only way to consent offered.
                Choice::Accept if has("save") => "save",
                Choice::Reject if has("reject") => "reject",
                _ => continue,
            };
            return Some(
                self.press_and_prove(tab, &frame, kind, Vec::new(), session, context)
                    .await,
            );
        }
        None
    }

    /// A refusal in the banner's settings layer: open it unless the banner already holds its
    /// toggles and a save button, then press its "reject all" if it has one, else switch every
    /// category off and save, never saving while one is still on. None when no frame's banner
    /// offers a settings layer.
    pub(super) async fn run_settings_layer(
        &self,
        tab: &Tab,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<Run> {
        for frame in tab.frames().await {
            let Some(kinds) = self.banner_kinds(tab, &frame).await else {
                continue;
            };
            let has = |kind: &str| kinds.iter().any(|k| k == kind);
            let in_place = has("save") && self.toggle_count(tab, &frame).await > 0;
            let mut clicked = Vec::new();
            if !in_place {
                if !has("settings") {
                    continue;
                }
                match self.press(tab, &frame, Target::Heuristic("settings")).await {
                    Some(what) => clicked.push(what),
                    None => continue,
                }
            }
            let Some(layer) = self.settings_layer(tab, &frame, false).await else {
                return Some(Run::stopped(
                    clicked,
                    "the settings layer never showed a refusal or its categories",
                ));
            };
            let kind = if layer.iter().any(|k| k == "reject") {
                "reject"
            } else {
                let (switched, still_on) = self
                    .switch_off(tab, &frame, "heuristicSwitchOff", &Value::Null)
                    .await;
                if switched > 0 {
                    clicked.push(format!("switched off {switched} categories"));
                }
                if !still_on.is_empty() {
                    let why = format!("still on after switching off: {}", still_on.join(", "));
                    return Some(Run::stopped(clicked, &why));
                }
                // The save button's label may change only now that the toggles are off.
                if self.settings_layer(tab, &frame, true).await.is_none() {
                    return Some(Run::stopped(
                        clicked,
                        "the settings layer has no save button",
                    ));
                }
                "save"
            };
            return Some(
                self.press_and_prove(tab, &frame, kind, clicked, session, context)
                    .await,
            );
        }
        None
    }

    /// The kinds of button of the settings layer once it shows. With `save` only a save
    /// button counts. Otherwise a refusal or toggles are waited for: a layer fading in shows
    /// its categories late, and saving categories never seen may save them on.
    async fn settings_layer(&self, tab: &Tab, frame: &Frame, save: bool) -> Option<Vec<String>> {
        let deadline = Instant::now() + self.timing.step;
        loop {
            let kinds = self.banner_kinds(tab, frame).await;
            if let Some(kinds) = &kinds {
                let has = |kind: &str| kinds.iter().any(|k| k == kind);
                let ready = if save {
                    has("save")
                } else {
                    has("reject") || self.toggle_count(tab, frame).await > 0
                };
                if ready {
                    return Some(kinds.clone());
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Presses the banner's button of `kind` after what was `clicked` before it, then waits
    /// for proof, pressing again while the button stays.
    async fn press_and_prove(
        &self,
        tab: &Tab,
        frame: &Frame,
        kind: &'static str,
        mut clicked: Vec<String>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Run {
        let target = Target::Heuristic(kind);
        let Some(what) = self.press(tab, frame, target).await else {
            return Run::stopped(clicked, &format!("its {kind} button never showed"));
        };
        clicked.push(what);
        let repress = Some((frame.clone(), target));
        let proof = self
            .await_proof(tab, None, repress, &mut clicked, session, context)
            .await;
        self.with_tcf(tab, clicked, proof).await
    }

    /// How many toggles the heuristic's banner and the overlays beside it hold.
    async fn toggle_count(&self, tab: &Tab, frame: &Frame) -> u64 {
        call(tab, frame, "heuristicToggles", &Value::Null)
            .await
            .and_then(|t| t.as_u64())
            .unwrap_or(0)
    }

    /// The kinds of button the heuristic's banner in a frame offers, None without a banner.
    pub(super) async fn banner_kinds(&self, tab: &Tab, frame: &Frame) -> Option<Vec<String>> {
        found_kinds(&call(tab, frame, "heuristic", &Value::Null).await?)
    }

    /// The run of a heuristic strategy that pressed its last button: a TCF-speaking banner
    /// can prove more than its disappearance, or contradict it.
    async fn with_tcf(&self, tab: &Tab, clicked: Vec<String>, proof: Option<String>) -> Run {
        let mut run = Run {
            acted: !clicked.is_empty(),
            clicked,
            note: proof.is_none().then(|| "the banner stayed".into()),
            proof,
            contradiction: None,
        };
        if run.proof.is_some()
            && let Some(tcf) = self.tcf_proof(tab).await
        {
            match tcf {
                Ok(said) => run.proof = Some(said),
                Err(said) => {
                    run.proof = None;
                    run.contradiction = Some(said);
                }
            }
        }
        run
    }

    /// "the banner is gone" once the heuristic finds no banner in the frame, within `budget`.
    pub(super) async fn heuristic_gone(
        &self,
        tab: &Tab,
        frame: &Frame,
        budget: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + budget;
        loop {
            if call(tab, frame, "bannerGone", &Value::Null).await == Some(json!(true)) {
                return Some("the banner is gone".into());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The kinds of button of what an engine command found (`{found, buttons: [{kind}]}`, the
/// heuristic's banner or a page's consent form); None when it found nothing.
pub(super) fn found_kinds(result: &Value) -> Option<Vec<String>> {
    if result.get("found").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let buttons = result.get("buttons")?.as_array()?;
    Some(
        buttons
            .iter()
            .filter_map(|b| b.get("kind")?.as_str().map(str::to_string))
            .collect(),
    )
}

/// A `switchOff` answer: how many were switched, and what is still on.
pub(super) fn switch_result(result: Option<Value>) -> (usize, Vec<String>) {
    let result = result.unwrap_or(Value::Null);
    let switched = result.get("switched").and_then(Value::as_u64).unwrap_or(0) as usize;
    let still_on = match result.get("on").and_then(Value::as_array) {
        Some(on) => on
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        None => vec!["(the page did not answer)".to_string()],
    };
    (switched, still_on)
}
