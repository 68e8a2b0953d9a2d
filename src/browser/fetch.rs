//! Fetching robots.txt and sitemaps through the browser's own network stack, so that every
//! `--chrome-arg` (host resolver rules, proxy) and `--insecure` apply to discovery exactly as
//! they apply to page visits. It runs in a throw-away context: whatever cookies these
//! responses set never reach the scan's jar.

use base64::Engine;
use chromiumoxide::cdp::browser_protocol::io::{CloseParams, ReadParams, StreamHandle};
use chromiumoxide::cdp::browser_protocol::network::{
    LoadNetworkResourceOptions, LoadNetworkResourceParams,
};
use chromiumoxide::cdp::browser_protocol::page::{FrameId, GetFrameTreeParams};
use chromiumoxide::page::Page;
use url::Url;

use super::session::{BrowserError, BrowserOptions, BrowserSession};

/// Largest body read (the sitemap protocol allows 50 MiB uncompressed).
const MAX_BODY: usize = 50 * 1024 * 1024;

/// A fetched resource.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A blank tab used only to load resources.
pub(crate) struct Fetcher {
    page: Page,
    frame: FrameId,
}

impl Fetcher {
    pub(crate) async fn new(page: Page) -> Result<Fetcher, BrowserError> {
        let tree = page
            .execute(GetFrameTreeParams::default())
            .await
            .map_err(|e| BrowserError::Command(e.to_string()))?;
        Ok(Fetcher {
            frame: tree.result.frame_tree.frame.id.clone(),
            page,
        })
    }

    /// GETs `url`. A network failure is an `Err` with Chromium's error name.
    pub(crate) async fn get(&self, url: &Url) -> Result<Fetched, String> {
        let params = LoadNetworkResourceParams::new(
            url.as_str(),
            LoadNetworkResourceOptions::new(true, true),
        );
        let mut params = params;
        params.frame_id = Some(self.frame.clone());
        let resource = self
            .page
            .execute(params)
            .await
            .map_err(|e| e.to_string())?
            .result
            .resource;
        if !resource.success {
            return Err(resource
                .net_error_name
                .unwrap_or_else(|| "the request failed".into()));
        }
        let status = resource.http_status_code.unwrap_or(0.0) as u16;
        let body = match resource.stream {
            Some(stream) => self.read_stream(stream).await?,
            None => Vec::new(),
        };
        Ok(Fetched { status, body })
    }

    async fn read_stream(&self, handle: StreamHandle) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let mut read = ReadParams::new(handle.clone());
            read.size = Some(1 << 20);
            let chunk = self
                .page
                .execute(read)
                .await
                .map_err(|e| e.to_string())?
                .result;
            if chunk.base64_encoded == Some(true) {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(chunk.data.as_bytes())
                    .map_err(|e| e.to_string())?;
                body.extend_from_slice(&bytes);
            } else {
                body.extend_from_slice(chunk.data.as_bytes());
            }
            if chunk.eof || body.len() > MAX_BODY {
                break;
            }
        }
        let _ = self.page.execute(CloseParams::new(handle)).await;
        if body.len() > MAX_BODY {
            return Err(format!("larger than {} MiB", MAX_BODY >> 20));
        }
        Ok(body)
    }
}

/// Downloads `url` in a browser of its own, launched for this and closed after: the body of a
/// 200 response, else Ok(Err) saying what went wrong (a network error, another status).
pub(crate) async fn download(
    url: &Url,
    options: &BrowserOptions,
) -> Result<Result<Vec<u8>, String>, BrowserError> {
    let session = BrowserSession::start(options).await?;
    let fetched = async {
        let context = session.new_context().await?;
        let fetcher = Fetcher::new(session.new_page(&context).await?).await?;
        Ok::<_, BrowserError>(fetcher.get(url).await)
    }
    .await;
    session.close().await;
    Ok(fetched?.and_then(|fetched| match fetched.status {
        200 => Ok(fetched.body),
        status => Err(format!("HTTP status {status}")),
    }))
}
