//! Consent fixtures: one small site per banner (`https://www.<case>.test/`), each gating the
//! same analytics script the way its platform does. `consent_mocks` reproduces SaaS consent
//! platforms' DOM and storage contract and banners no rule knows; `consent_libs` serves real
//! open-source consent libraries from npm (installed into `tests/consent-libs/node_modules`).

use std::sync::Arc;

use cookiescan::site::{Handler, SiteRequest, SiteResponse};

use super::{consent_libs, consent_mocks};

/// The third party whose script every fixture loads only after consent.
pub const TRACKER: &str = "stats.tracker-cdn.test";

/// `<script src>` of the gated analytics script. Once run it sets the third-party `trk_uid`
/// (by header) and the first-party `_stats_id` (by script).
pub const TRACKER_SCRIPT: &str = "https://stats.tracker-cdn.test/stats.js";

/// Cookies that must appear after accepting and never after refusing.
pub const GATED_COOKIES: [&str; 2] = ["_stats_id", "trk_uid"];

/// A strictly necessary first-party cookie every fixture page sets by header.
pub const NECESSARY_COOKIE: &str = "sid";

/// What should come of answering a banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The choice was made and proven (consent cookie/storage/API/banner gone).
    Verified,
    /// Refusing is impossible: the banner offers only acceptance. Nothing is clicked.
    NoRejectOption,
    /// Refusing means paying or subscribing. Nothing is clicked.
    CookieWall,
}

/// Expected state after one consent pass.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub outcome: Outcome,
    /// A consent cookie and a regular expression its URL-decoded value matches.
    pub consent_cookie: Option<(&'static str, &'static str)>,
    /// A localStorage key (on the site's origin) and a regex its value matches.
    pub consent_storage: Option<(&'static str, &'static str)>,
    /// Whether `GATED_COOKIES` are set in this pass.
    pub gated: bool,
}

/// One banner fixture.
#[derive(Debug, Clone)]
pub struct ConsentCase {
    /// Also the host label: the site is `https://www.<id>.test/`.
    pub id: &'static str,
    /// The rule id the scanner should detect, or None for banners only the heuristic knows.
    pub platform: Option<&'static str>,
    pub accept: Expectation,
    pub reject: Expectation,
}

impl ConsentCase {
    pub fn start_url(&self) -> String {
        format!("https://www.{}.test/", self.id)
    }
}

/// Every consent case, mocks and real libraries.
pub fn consent_cases() -> Vec<ConsentCase> {
    let mut cases = consent_mocks::cases();
    cases.extend(consent_libs::cases());
    cases
}

/// All hosts the consent fixtures need.
pub fn consent_hosts() -> Vec<&'static str> {
    let mut hosts = vec![TRACKER];
    hosts.extend(consent_mocks::hosts());
    hosts.extend(consent_libs::hosts());
    hosts
}

/// The handler serving every consent fixture.
pub fn consent_site() -> (Vec<&'static str>, Handler) {
    let handler: Handler = Arc::new(|req: &SiteRequest| {
        if req.host == TRACKER {
            return tracker(req);
        }
        consent_mocks::route(req)
            .or_else(|| consent_libs::route(req))
            .unwrap_or_else(SiteResponse::not_found)
    });
    (consent_hosts(), handler)
}

fn tracker(req: &SiteRequest) -> SiteResponse {
    match req.path.as_str() {
        "/stats.js" => SiteResponse::text(
            "text/javascript",
            "document.cookie = '_stats_id=s1; path=/; max-age=31536000; SameSite=Lax';\n",
        )
        .cookie("trk_uid=t1; Path=/; Max-Age=31536000; SameSite=None; Secure"),
        _ => SiteResponse::not_found(),
    }
}
