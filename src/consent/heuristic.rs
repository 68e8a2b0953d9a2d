//! The heuristic's strategy for a banner no rule knows (or a rule that failed): press the
//! button whose label means the choice, never accept when asked to refuse, and prove it by the
//! banner's going and, where the banner speaks TCF, by what `__tcfapi` says.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::answer::Run;
use super::press::Target;
use super::{ConsentDriver, POLL, call};
use crate::browser::{Frame, Tab};
use crate::model::Choice;

impl ConsentDriver {
    /// Presses the heuristic's button for the choice in the first frame whose banner offers
    /// one (top document first); None when none does.
    pub(super) async fn run_heuristic(
        &self,
        tab: &Tab,
        session: &crate::browser::BrowserSession,
        context: &chromiumoxide::cdp::browser_protocol::browser::BrowserContextId,
    ) -> Option<Run> {
        for frame in tab.frames().await {
            let Some(kinds) = self.banner_kinds(tab, &frame).await else {
                continue;
            };
            let has = |kind: &str| kinds.iter().any(|k| k == kind);
            let kind = match self.choice {
                Choice::Accept if has("accept") => "accept",
                Choice::Accept if has("acknowledge") => "acknowledge",
                Choice::Reject if has("reject") => "reject",
                _ => continue,
            };
            let target = Target::Heuristic(kind);
            let mut clicked = Vec::new();
            if let Some(what) = self.press(tab, &frame, target).await {
                clicked.push(what);
            }
            let acted = !clicked.is_empty();
            let mut proof = self
                .await_proof(
                    tab,
                    None,
                    Some((frame.clone(), target)),
                    &mut clicked,
                    session,
                    context,
                )
                .await;
            let mut contradiction = None;
            // A TCF-speaking banner can prove more than its disappearance, or contradict it.
            if proof.is_some()
                && let Some(tcf) = self.tcf_proof(tab).await
            {
                match tcf {
                    Ok(said) => proof = Some(said),
                    Err(said) => {
                        proof = None;
                        contradiction = Some(said);
                    }
                }
            }
            return Some(Run {
                clicked,
                acted,
                note: proof.is_none().then(|| "the banner stayed".into()),
                proof,
                contradiction,
            });
        }
        None
    }

    /// The kinds of button the heuristic's banner in a frame offers, None without a banner.
    async fn banner_kinds(&self, tab: &Tab, frame: &Frame) -> Option<Vec<String>> {
        let result = call(tab, frame, "heuristic", &Value::Null).await?;
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
