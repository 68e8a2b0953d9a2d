//! Proof that a choice took effect: the platform's consent cookie or storage key, its
//! JavaScript state, the banner gone, or what `__tcfapi` says.

use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::{Value, json};

use super::rules::Platform;
use super::{ConsentDriver, POLL, call};
use crate::browser::{BrowserSession, Tab};
use crate::model::Choice;

impl ConsentDriver {
    /// Proof that this pass's choice took effect, within the verify budget.
    pub(super) async fn verify_choice(
        &self,
        tab: &Tab,
        platform: &Platform,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<String> {
        self.verify(
            tab,
            platform,
            self.choice,
            session,
            context,
            self.timing.verify,
        )
        .await
    }

    /// Proof that `choice` took effect, polled for at most `budget`.
    pub(super) async fn verify(
        &self,
        tab: &Tab,
        platform: &Platform,
        choice: Choice,
        session: &BrowserSession,
        context: &BrowserContextId,
        budget: Duration,
    ) -> Option<String> {
        let verify = &platform.verify;
        let js = match choice {
            Choice::Accept => verify.js_accept.as_deref(),
            Choice::Reject => verify.js_reject.as_deref(),
        };
        // Without a state of its own to read, the banner's going is the only proof.
        let nothing_specific = verify.cookie.is_none() && verify.storage.is_none() && js.is_none();
        let deadline = Instant::now() + budget;
        loop {
            if let Some(proof) = self
                .proof_now(tab, platform, choice, session, context)
                .await
            {
                return Some(proof);
            }
            if nothing_specific && !self.banner_visible(tab, platform).await {
                return Some("the banner is gone".into());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What the platform's own state says now about `choice`: its consent cookie or storage
    /// value, or its JavaScript state. None when nothing specific proves it.
    pub(super) async fn proof_now(
        &self,
        tab: &Tab,
        platform: &Platform,
        choice: Choice,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<String> {
        let verify = &platform.verify;
        let (pattern, js) = match choice {
            Choice::Accept => (verify.accept.as_deref(), verify.js_accept.as_deref()),
            Choice::Reject => (verify.reject.as_deref(), verify.js_reject.as_deref()),
        };
        let pattern = pattern.and_then(|p| regex::Regex::new(p).ok());
        let top = tab.top_frame();
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
        None
    }

    /// What `__tcfapi` says after the action: Ok(proof) when its purposes agree with the
    /// choice, Err(why) when they contradict it, None without TCF.
    pub(super) async fn tcf_proof(&self, tab: &Tab) -> Option<Result<String, String>> {
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

    pub(super) async fn banner_visible(&self, tab: &Tab, platform: &Platform) -> bool {
        for frame in tab.frames().await {
            for selector in &platform.visible {
                if call(tab, &frame, "visible", &json!(selector)).await == Some(json!(true)) {
                    return true;
                }
            }
        }
        false
    }
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
