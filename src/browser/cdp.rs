//! DevTools commands chromiumoxide's generated protocol types get wrong or lack, written as
//! plain serde structs.

use chromiumoxide::types::{Command, Method, MethodId};
use serde::{Deserialize, Serialize};

/// `Storage.getCookies` for one browser context, decoded leniently: chromiumoxide's generated
/// `Cookie` type predates Chromium 156 and a renamed or retyped field (`partitionKey` was a
/// string, is now an object) must not make the whole jar unreadable.
#[derive(Debug, Clone, Serialize)]
pub(super) struct GetContextCookies {
    #[serde(rename = "browserContextId", skip_serializing_if = "Option::is_none")]
    pub browser_context_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct GetContextCookiesReturns {
    pub cookies: Vec<serde_json::Value>,
}

impl Method for GetContextCookies {
    fn identifier(&self) -> MethodId {
        "Storage.getCookies".into()
    }
}

impl Command for GetContextCookies {
    type Response = GetContextCookiesReturns;
}

/// `Storage.setCookies` for one browser context (cookies as CDP `CookieParam` objects).
#[derive(Debug, Clone, Serialize)]
pub(super) struct SetContextCookies {
    pub cookies: Vec<serde_json::Value>,
    #[serde(rename = "browserContextId")]
    pub browser_context_id: String,
}

impl Method for SetContextCookies {
    fn identifier(&self) -> MethodId {
        "Storage.setCookies".into()
    }
}

impl Command for SetContextCookies {
    type Response = serde_json::Value;
}
