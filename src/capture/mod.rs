//! Evidence, free of any browser: what a page visit left behind (cookies in the context's jar,
//! which response or script wrote each one, cookies the browser refused, web-storage keys),
//! the parsers that read it (`Set-Cookie` lines, the instrumentation's reports), and the
//! site-wide inventory built from it page by page (`inventory`).

pub(crate) mod script;
pub(crate) mod setcookie;

mod inventory;

use serde::{Deserialize, Serialize};
use std::time::SystemTime;

use crate::model::{StorageKind, VisitStep};
pub(crate) use inventory::Inventory;
pub(crate) use script::{ScriptWrite, StorageWrite};
pub(crate) use setcookie::{CookieKey, CookieWrite};

/// A cookie as read from the jar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JarCookie {
    pub key: CookieKey,
    pub value: String,
    /// Unix seconds; None for session cookies.
    pub expires: Option<f64>,
    pub size: u64,
    pub http_only: bool,
    pub secure: bool,
    pub same_site: Option<String>,
    pub partition_key: Option<String>,
}

impl JarCookie {
    /// Decodes one `Network.Cookie` object; None when the essentials are missing.
    pub fn from_cdp(value: &serde_json::Value) -> Option<JarCookie> {
        let text = |field: &str| value.get(field).and_then(|v| v.as_str());
        let flag = |field: &str| value.get(field).and_then(|v| v.as_bool()).unwrap_or(false);
        let session = flag("session");
        let expires = value
            .get("expires")
            .and_then(|v| v.as_f64())
            .filter(|&e| !session && e > 0.0);
        // Old protocol: the top-level site as a string; current: {topLevelSite, hasCrossSiteAncestor}.
        let partition_key = match value.get("partitionKey") {
            Some(serde_json::Value::String(site)) if !site.is_empty() => Some(site.clone()),
            Some(serde_json::Value::Object(key)) => key
                .get("topLevelSite")
                .and_then(|s| s.as_str())
                .map(str::to_string),
            _ => None,
        };
        let name = text("name")?.to_string();
        let value_text = text("value").unwrap_or_default().to_string();
        Some(JarCookie {
            key: CookieKey {
                name: name.clone(),
                domain: text("domain")?.to_ascii_lowercase(),
                path: text("path").unwrap_or("/").to_string(),
            },
            size: value
                .get("size")
                .and_then(|v| v.as_u64())
                .unwrap_or((name.len() + value_text.len()) as u64),
            value: value_text,
            expires,
            http_only: flag("httpOnly"),
            secure: flag("secure"),
            same_site: text("sameSite").map(str::to_string),
            partition_key,
        })
    }
}

/// A `Set-Cookie` header that the browser stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpWrite {
    pub write: CookieWrite,
    pub response_url: String,
    /// The document that made the request.
    pub frame_url: Option<String>,
    /// The script or document that caused the request (CDP `initiator`), when known.
    pub initiator: Option<String>,
    /// The step of the visit during which the response arrived.
    pub step: VisitStep,
}

/// A `Set-Cookie` header that the browser refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedWrite {
    pub name: String,
    pub response_url: String,
    pub reasons: Vec<String>,
}

/// One web-storage entry seen in a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageItem {
    pub origin: String,
    pub kind: StorageKind,
    pub key: String,
    pub size: u64,
}

/// Everything captured during one page visit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CapturedPage {
    pub http_writes: Vec<HttpWrite>,
    pub script_writes: Vec<ScriptWrite>,
    pub storage_writes: Vec<StorageWrite>,
    pub blocked: Vec<BlockedWrite>,
    pub storage: Vec<StorageItem>,
    /// The context's jar right after the visit settled.
    pub jar: Vec<JarCookie>,
    /// When `jar` was read, to turn absolute expiry into a lifetime.
    pub jar_read_at: Option<SystemTime>,
    /// The service worker that served responses during the visit (its script URL): a cookie
    /// that appears with no write seen was set by a fetch the worker made.
    pub service_worker: Option<String>,
    /// The cookies in the context's jar when the visit began, when read.
    pub jar_before: Option<std::collections::BTreeSet<CookieKey>>,
    /// Cookies set by an off-site document the crawl refused (the end of a redirect chain that
    /// left the site): deleted again, and never the site's, even if another tab saw them.
    pub refused: Vec<CookieKey>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partition_key_in_both_protocol_forms() {
        let old = json!({"name":"a","value":"1","domain":"x.test","path":"/","partitionKey":"https://shop.test"});
        let new = json!({"name":"a","value":"1","domain":"x.test","path":"/",
            "partitionKey":{"topLevelSite":"https://shop.test","hasCrossSiteAncestor":true}});
        assert_eq!(
            JarCookie::from_cdp(&old).unwrap().partition_key.as_deref(),
            Some("https://shop.test")
        );
        assert_eq!(
            JarCookie::from_cdp(&new).unwrap().partition_key.as_deref(),
            Some("https://shop.test")
        );
    }

    #[test]
    fn session_cookies_have_no_expiry() {
        let c = json!({"name":"s","value":"","domain":".x.test","path":"/","expires":-1,"session":true});
        let c = JarCookie::from_cdp(&c).unwrap();
        assert_eq!(c.expires, None);
        assert_eq!(c.key.domain, ".x.test");
    }
}
