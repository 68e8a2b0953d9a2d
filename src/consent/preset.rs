//! Consent answered without a banner: cookies the site's config says to plant in a pass's
//! fresh context before its first page, for sites whose banner cannot be operated (or should
//! not be, in CI).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::browser::BrowserSession;
use crate::model::{Choice, ConsentOutcome, ConsentRecord};

/// The preset cookies of a site, per answer.
pub type Presets = BTreeMap<Choice, Vec<PresetCookie>>;

/// A consent cookie to plant instead of operating the banner.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PresetCookie {
    pub name: String,
    pub value: String,
    /// `.example.com` for the whole site; the start URL's host when omitted.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default = "root_path")]
    pub path: String,
}

fn root_path() -> String {
    "/".into()
}

/// Plants `cookies` in `context` as a choice of `choice` for the site at `start`; the record
/// says whether the browser took them.
pub async fn plant(
    session: &BrowserSession,
    context: &BrowserContextId,
    cookies: &[PresetCookie],
    start: &Url,
    choice: Choice,
) -> ConsentRecord {
    // Planted cookies last a month: longer than any scan.
    let expires = (SystemTime::now() + Duration::from_secs(86_400 * 30))
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let params = cookies
        .iter()
        .map(|cookie| {
            let mut param = serde_json::json!({
                "name": cookie.name,
                "value": cookie.value,
                "path": cookie.path,
                "secure": start.scheme() == "https",
                "expires": expires,
            });
            match &cookie.domain {
                Some(domain) => param["domain"] = domain.clone().into(),
                None => param["url"] = start.as_str().into(),
            }
            param
        })
        .collect();
    let names: Vec<&str> = cookies.iter().map(|c| c.name.as_str()).collect();
    let (outcome, verification) = match session.set_cookies(context, params).await {
        Ok(()) => (
            ConsentOutcome::Verified,
            format!("preset cookies {}", names.join(", ")),
        ),
        Err(error) => (
            ConsentOutcome::Failed,
            format!("presetting cookies failed: {error}"),
        ),
    };
    ConsentRecord {
        page: start.to_string(),
        action: choice,
        platform: None,
        platform_name: Some("consent cookies from the site config".into()),
        detected_by: vec![DETECTED_BY.into()],
        clicked: Vec::new(),
        outcome,
        verification: Some(verification),
        screenshot_before: None,
        screenshot_after: None,
        attempts: Vec::new(),
        engine: None,
    }
}

/// How a planted choice is marked among a pass's consent records.
pub const DETECTED_BY: &str = "site config preset";
