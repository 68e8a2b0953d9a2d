//! Discovery beyond links: robots.txt verdicts and sitemap pages, fetched through the scanning
//! browser (so resolver rules, proxies and `--insecure` apply) in a throw-away context.

use std::collections::HashMap;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use url::Url;

use crate::browser::BrowserSession;
use crate::browser::fetch::Fetcher;
use crate::discover::{Robots, Sitemap, parse_sitemap, robots_url};

/// Sitemap files read at most (indexes included), against sitemap-index loops and floods.
const MAX_SITEMAP_FILES: usize = 50;

/// robots.txt files read so far, and the tab that fetches them.
pub(super) struct Discovery {
    obey_robots: bool,
    robots: HashMap<String, Robots>,
    fetcher: Option<(BrowserContextId, Fetcher)>,
}

impl Discovery {
    pub(super) fn new(obey_robots: bool) -> Discovery {
        Discovery {
            obey_robots,
            robots: HashMap::new(),
            fetcher: None,
        }
    }

    /// The fetcher belonged to a browser that is gone.
    pub(super) fn forget_fetcher(&mut self) {
        self.fetcher = None;
    }

    async fn fetcher(&mut self, session: &BrowserSession) -> Option<&Fetcher> {
        if self.fetcher.is_none() {
            let context = session.new_context().await.ok()?;
            let page = session.new_page(&context).await.ok()?;
            let fetcher = Fetcher::new(page).await.ok()?;
            self.fetcher = Some((context, fetcher));
        }
        self.fetcher.as_ref().map(|(_, f)| f)
    }

    /// robots.txt verdict for a URL (always yes with `--ignore-robots`).
    pub(super) async fn allows(&mut self, session: &BrowserSession, url: &Url) -> bool {
        if !self.obey_robots {
            return true;
        }
        self.robots_for(session, url)
            .await
            .is_none_or(|robots| robots.allowed(url))
    }

    /// The robots.txt of a URL's origin, fetched on first use. A missing or unreadable file
    /// allows everything, as crawlers conventionally treat it.
    async fn robots_for(&mut self, session: &BrowserSession, url: &Url) -> Option<&Robots> {
        let robots_at = robots_url(url)?;
        let origin = robots_at.origin().ascii_serialization();
        if !self.robots.contains_key(&origin) {
            let robots = match self.fetcher(session).await {
                Some(fetcher) => match fetcher.get(&robots_at).await {
                    Ok(fetched) if fetched.status == 200 => Robots::parse(&fetched.body),
                    _ => Robots::allow_all(),
                },
                None => Robots::allow_all(),
            };
            self.robots.insert(origin.clone(), robots);
        }
        self.robots.get(&origin)
    }

    /// Page URLs listed in the start origin's sitemaps (robots.txt `Sitemap:` lines, else
    /// `/sitemap.xml`), indexes followed, each with the sitemap that listed it.
    pub(super) async fn sitemap_pages(
        &mut self,
        session: &BrowserSession,
        start: &Url,
    ) -> Vec<(Url, String)> {
        let origin = start.origin().ascii_serialization();
        let mut queue: Vec<String> = self
            .robots_for(session, start)
            .await
            .map(Robots::sitemaps)
            .unwrap_or_default();
        if queue.is_empty() {
            queue.push(format!("{origin}/sitemap.xml"));
        }
        queue.reverse();
        let mut pages = Vec::new();
        let mut read = 0;
        let mut seen = std::collections::HashSet::new();
        while let Some(sitemap) = queue.pop() {
            if read >= MAX_SITEMAP_FILES || !seen.insert(sitemap.clone()) {
                continue;
            }
            read += 1;
            let Ok(sitemap_url) = Url::parse(&sitemap) else {
                continue;
            };
            let Some(fetcher) = self.fetcher(session).await else {
                break;
            };
            let Ok(fetched) = fetcher.get(&sitemap_url).await else {
                continue;
            };
            if fetched.status != 200 {
                continue;
            }
            match parse_sitemap(&fetched.body) {
                Ok(Sitemap::UrlSet(urls)) => pages.extend(
                    urls.iter()
                        .filter_map(|u| Url::parse(u).ok())
                        .map(|u| (u, sitemap.clone())),
                ),
                Ok(Sitemap::Index(children)) => {
                    // Depth-first in document order keeps the page order stable.
                    queue.extend(children.into_iter().rev());
                }
                Err(error) => {
                    tracing::warn!("sitemap {sitemap}: {}", crate::text::with_causes(&error))
                }
            }
        }
        pages
    }
}
