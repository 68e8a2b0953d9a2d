//! Answering a banner no rule knows, found by the heuristic: click the button whose label
//! means the choice, never accept when asked to refuse, and prove it by the banner's going.

use std::time::Instant;

use serde_json::{Value, json};

use super::{ConsentDriver, POLL, call};
use crate::browser::{Frame, Tab};
use crate::model::{Choice, ConsentOutcome, ConsentRecord};

impl ConsentDriver {
    pub(super) async fn answer_heuristic(
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
}
