//! A rule's flow, step by step: presses that land, every toggle switched off before anything
//! is saved, bounded waits.

use std::time::Instant;

use serde_json::json;

use super::press::Target;
use super::rules::{Action, Flow};
use super::{ConsentDriver, POLL, call};
use crate::browser::{Frame, Tab};

/// A flow that stopped before its end: what it had clicked, and why it stopped.
pub(super) struct FlowFailure {
    pub(super) clicked: Vec<String>,
    pub(super) reason: String,
}

impl ConsentDriver {
    /// The frame where a flow's first element is present, if any.
    pub(super) async fn flow_frame(
        &self,
        tab: &Tab,
        flow: &Flow,
        frames: &[Frame],
    ) -> Option<Frame> {
        let selector = flow.steps.first()?.action()?.selector().to_string();
        for frame in frames {
            if call(tab, frame, "exists", &json!(selector)).await == Some(json!(true)) {
                return Some(frame.clone());
            }
        }
        None
    }

    /// Runs a flow's steps; Err when a required step could not be done.
    pub(super) async fn run_flow(
        &self,
        tab: &Tab,
        frame: &Frame,
        flow: &Flow,
    ) -> Result<Vec<String>, FlowFailure> {
        let mut clicked = Vec::new();
        for (number, step) in (1..).zip(&flow.steps) {
            let failed = match step.action() {
                Some(Action::Click(selector)) => {
                    match self.press(tab, frame, Target::Selector(selector)).await {
                        Some(what) => {
                            clicked.push(what);
                            None
                        }
                        None => Some(format!("{selector} never showed")),
                    }
                }
                Some(Action::ClickAll(selector)) => {
                    let (switched, still_on) = self
                        .switch_off(tab, frame, "switchOff", &json!(selector))
                        .await;
                    if switched > 0 {
                        clicked.push(format!("switched off {switched} × {selector}"));
                    }
                    if !still_on.is_empty() {
                        // Never optional: whatever comes next would save a category left on.
                        return Err(FlowFailure {
                            clicked,
                            reason: format!(
                                "step {number}: still on after switching off: {}",
                                still_on.join(", ")
                            ),
                        });
                    }
                    None
                }
                Some(Action::WaitFor(selector)) => {
                    let shown = self.wait_for(tab, frame, selector, true).await;
                    (!shown).then(|| format!("{selector} never showed"))
                }
                Some(Action::WaitGone(selector)) => {
                    let gone = self.wait_for(tab, frame, selector, false).await;
                    (!gone).then(|| format!("{selector} stayed"))
                }
                None => None,
            };
            if let Some(reason) = failed
                && !step.optional
            {
                return Err(FlowFailure {
                    clicked,
                    reason: format!("step {number}: {reason}"),
                });
            }
        }
        Ok(clicked)
    }

    /// Repeats a switching-off engine command (`switchOff` with a selector, `heuristicSwitchOff`
    /// or `pageFormSwitchOff`) until nothing is on in two rounds a poll apart (a framework may
    /// tick its defaults on a moment after drawing the toggles) or the step budget is spent;
    /// returns how many were switched and what is still on.
    pub(super) async fn switch_off(
        &self,
        tab: &Tab,
        frame: &Frame,
        command: &str,
        arg: &serde_json::Value,
    ) -> (usize, Vec<String>) {
        let deadline = Instant::now() + self.timing.step;
        let mut switched = 0;
        let mut first = true;
        loop {
            let result = call(tab, frame, command, arg).await;
            let (done, still_on) = super::heuristic::switch_result(result);
            switched += done;
            let settled = !first && done == 0 && still_on.is_empty();
            if settled || Instant::now() >= deadline {
                return (switched, still_on);
            }
            first = false;
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits, within the step budget, until a match is visible (`shown`) or none is.
    async fn wait_for(&self, tab: &Tab, frame: &Frame, selector: &str, shown: bool) -> bool {
        let deadline = Instant::now() + self.timing.step;
        loop {
            let visible = call(tab, frame, "visible", &json!(selector)).await == Some(json!(true));
            if visible == shown {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
