//! autoconsent as one of the driver's strategies: ask its rule for the popup to opt in or
//! out, then prove the effect ourselves. Its own "result: true" only says its steps ran; the
//! proof is the platform's state where a rule of ours knows the platform, else autoconsent's
//! self-test for the rule, or the heuristic's banner gone.

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;

use super::ConsentDriver;
use super::answer::{Place, Run};
use super::autoconsent::AutoconsentRun;
use crate::browser::{BrowserSession, Tab};
use crate::model::Choice;

impl ConsentDriver {
    /// None when autoconsent sees no popup.
    pub(super) async fn run_autoconsent(
        &self,
        tab: &Tab,
        run: &mut AutoconsentRun<'_>,
        place: &Place<'_>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<Run> {
        if run.popup_frame().is_none() {
            run.find_popup(tab, self.timing.step).await?;
        }
        // Proof needs a platform we know, or a banner our heuristic sees go away.
        let known = match place.platform {
            Some(platform) => Some(platform.clone()),
            None => self.platform_present(tab).await,
        };
        let frame = run.popup_frame().cloned();
        let heuristic_frame = match (place.heuristic_frame, &frame) {
            (Some(frame), _) => Some(frame.clone()),
            (None, Some(frame)) if self.banner_kinds(tab, frame).await.is_some() => {
                Some(frame.clone())
            }
            _ => None,
        };
        let answered = run.answer(tab, self.timing.step * 2).await?;
        let verb = match self.choice {
            Choice::Accept => "opt-in",
            Choice::Reject => "opt-out",
        };
        let clicked = vec![format!("autoconsent {} {verb}", answered.cmp)];
        let note = match answered.result {
            None => format!(
                "autoconsent's {} rule never reported its {verb}",
                answered.cmp
            ),
            Some(false) => format!("autoconsent's {} rule failed its {verb}", answered.cmp),
            Some(true) => "no proof of the choice".into(),
        };
        let mut proof = None;
        if answered.result == Some(true) {
            proof = match (&known, &heuristic_frame) {
                (Some(platform), _) => self.verify_choice(tab, platform, session, context).await,
                _ if answered.self_test == Some(true) => Some(format!(
                    "autoconsent's self-test for {} passed",
                    answered.cmp
                )),
                (None, Some(frame)) => self.heuristic_gone(tab, frame, self.timing.verify).await,
                (None, None) => None,
            };
        }
        Some(Run {
            acted: answered.result.is_some(),
            clicked,
            note: proof.is_none().then_some(note),
            proof,
            contradiction: None,
        })
    }
}
