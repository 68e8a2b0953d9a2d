//! Reading the tables of a rendered page, for the cookie policy a site publishes: it is often
//! drawn by a consent platform's script (the Cookiebot declaration, the OneTrust cookie list),
//! so the page is loaded in the browser and read once the network has settled.

use std::sync::Arc;

use serde::Deserialize;
use url::Url;

use super::{BrowserError, BrowserOptions, BrowserSession, Tab, VisitTiming};

/// A table of the page and the heading-like texts before it, nearest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PageTable {
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum TablesError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("cannot load {url}: {message}")]
    Load { url: String, message: String },
}

/// Loads `url` (http, https or file) and returns the tables of its frames, top document first.
pub(crate) async fn read_tables(
    url: &Url,
    options: &BrowserOptions,
    timing: VisitTiming,
) -> Result<Vec<PageTable>, TablesError> {
    let session = BrowserSession::start(options).await?;
    let read = async {
        let context = session.new_context().await?;
        let page = session.new_page(&context).await?;
        // A policy page may live on another host; nothing is out of scope here.
        let tab = Tab::open(page, Arc::new(|_: &Url| true), timing).await?;
        let loaded = tab.load(url).await?;
        let visit = tab.capture(loaded, &session, &context).await?;
        if let Some(message) = visit.error {
            return Err(TablesError::Load {
                url: url.to_string(),
                message,
            });
        }
        let mut tables = Vec::new();
        for frame in tab.frames().await {
            let value = tab
                .evaluate_in(&frame, include_str!("tables.js"))
                .await
                .unwrap_or_default();
            tables.extend(serde_json::from_value::<Vec<PageTable>>(value).unwrap_or_default());
        }
        tab.close().await;
        Ok(tables)
    }
    .await;
    session.close().await;
    read
}
