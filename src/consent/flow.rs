//! Answering a banner a platform rule knows: its flows for the choice, step by step, then its
//! JavaScript API; a refusal the banner does not offer is told apart from a cookie wall.

use std::time::Instant;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::{Value, json};

use super::rules::{Flow, Platform};
use super::{ConsentDriver, POLL, call};
use crate::browser::{BrowserSession, Frame, Tab};
use crate::model::{Choice, ConsentOutcome, ConsentRecord};

impl ConsentDriver {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn answer_rule(
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

    pub(super) async fn wall_present(
        &self,
        tab: &Tab,
        platform: &Platform,
        frames: &[Frame],
    ) -> bool {
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
    pub(super) async fn flow_frame(
        &self,
        tab: &Tab,
        flow: &Flow,
        frames: &[Frame],
    ) -> Option<Frame> {
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
    pub(super) async fn run_flow(
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
    pub(super) async fn wait_until(
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
}
