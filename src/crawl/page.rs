//! One page: load it, answer its banner when the pass gives an answer, capture what the visit
//! wrote; then turn the visit into its row, its evidence for the inventory and its links.

use std::collections::HashSet;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use url::Url;

use super::Ledger;
use crate::browser::{BrowserError, BrowserSession, Exploration, Tab, Visit};
use crate::consent::ConsentDriver;
use crate::discover::{
    QueuedPage, ScopeDecision, normalize, resolve_link, session_params, volatile_params,
    without_params,
};
use crate::model::{ConsentRecord, IgnoredParameter, ModeRun, PageOutcome, PageRecord, SkippedUrl};

/// A page visited, with the banner answered on it, if any.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct PageVisit {
    pub(super) visit: Visit,
    pub(super) consent: Option<ConsentRecord>,
    /// What clicking and "load more" found.
    pub(super) exploration: Exploration,
    /// The links of a second server render, when asked for.
    pub(super) rerendered_links: Option<Vec<String>>,
}

/// A page visit, or the browser failing under it.
pub(super) type VisitResult = Result<PageVisit, BrowserError>;

/// Load → consent → what a visitor does (scroll, pointer, timers, clicks) → capture.
/// `consent` is the pass's driver and whether this is one of the pass's first pages (which
/// wait for a late banner); `compare_renders` fetches the page again for session ids.
pub(super) async fn visit_page(
    tab: &Tab,
    url: &Url,
    session: &BrowserSession,
    context: &BrowserContextId,
    consent: Option<(&ConsentDriver, bool)>,
    compare_renders: bool,
) -> VisitResult {
    // What the jar held before, so a cookie no write explains can still be dated to a visit.
    let jar_before = session.cookies(context).await?;
    // A visitor's steps end in a settle: they run while the network quiets down. Answering
    // a banner waits for a settled page (a banner drawn after the page's own requests), and so
    // does capturing a plain visit; once the pass has answered the banner in this context, a
    // page is only looked over for another banner, at once.
    let banner_to_answer = consent.is_some_and(|(driver, _)| !driver.answered());
    let mut loaded = if !banner_to_answer && tab.timing().visitor {
        tab.navigate(url).await?
    } else {
        tab.load(url).await?
    };
    let mut answered = None;
    let mut exploration = Exploration::default();
    let mut rerendered_links = None;
    let mut first_links = None;
    if loaded.is_ok() {
        // Read at once too: a page whose scripts hang later still leads somewhere.
        first_links = tab.collect_links().await;
        let steps = async {
            if let Some((driver, first)) = consent {
                answered = driver
                    .handle(tab, url.as_str(), first, session, context)
                    .await;
            }
            if tab.timing().visitor {
                tab.behave_like_a_visitor().await;
                exploration = tab.explore(tab.timing().interact_budget).await;
            }
            if compare_renders {
                rerendered_links = tab.rerendered_links().await;
            }
        };
        let budget = tab.timing().steps_budget();
        if tokio::time::timeout(budget, steps).await.is_err() {
            loaded.abandon(format!(
                "the page kept the visit busy past {} s; what it set until then is recorded",
                budget.as_secs()
            ));
        }
    }
    let mut visit = tab.capture(loaded, session, context).await?;
    if visit.links.is_empty()
        && let Some(links) = first_links
    {
        visit.links = links;
    }
    visit.captured.jar_before = Some(jar_before.into_iter().map(|c| c.key).collect());
    Ok(PageVisit {
        visit,
        consent: answered,
        exploration,
        rerendered_links,
    })
}

/// The in-scope pages a visit leads to: its links, and where clicking its elements led (with
/// the element).
#[derive(Debug, Default)]
pub(super) struct Leads {
    pub(super) links: Vec<Url>,
    pub(super) clicked: Vec<(Url, String)>,
}

impl Ledger {
    /// Turns a visit into its page row and the in-scope pages it leads to.
    pub(super) fn record_visit(
        &mut self,
        run: &mut ModeRun,
        page: &QueuedPage,
        result: Option<VisitResult>,
    ) -> (PageRecord, Leads) {
        let mut record = PageRecord {
            url: page.url.to_string(),
            final_url: None,
            depth: page.depth,
            via: page.via.clone(),
            status: None,
            outcome: PageOutcome::Failed,
            content_type: None,
            redirects: Vec::new(),
            error: None,
            links_found: 0,
            service_worker: None,
        };
        let PageVisit {
            visit,
            consent,
            exploration,
            rerendered_links,
        } = match result {
            Some(Ok(visited)) => visited,
            Some(Err(error)) => {
                record.error = Some(match error {
                    BrowserError::Gone(_) => {
                        format!("the browser crashed during this page: {error}")
                    }
                    other => other.to_string(),
                });
                return (record, Leads::default());
            }
            None => {
                record.error = Some("not visited: the scan was stopped".into());
                return (record, Leads::default());
            }
        };
        self.pages_ms.insert(
            format!("{} {}", run.mode.as_str(), record.url),
            visit.elapsed.as_millis() as u64,
        );
        record.status = visit.status;
        record.outcome = visit.outcome;
        record.content_type = visit.content_type.clone();
        record.redirects = visit.redirects.clone();
        record.error = visit.error.clone();
        record.service_worker = visit.captured.service_worker.clone();
        let final_url = visit.final_url.as_ref().and_then(normalize);
        if let Some(final_url) = &final_url
            && final_url.as_str() != record.url
        {
            record.final_url = Some(final_url.to_string());
        }
        if visit.outcome == PageOutcome::OffSiteRedirect
            && let Some(target) = visit.redirects.last()
        {
            self.extra_skipped.push(SkippedUrl {
                url: target.clone(),
                reason: format!("off-site redirect from {}", record.url),
            });
        }
        // Cookies are attributed to the page the visit ended on, when that is on the site.
        let label = match (&final_url, visit.outcome) {
            (Some(url), PageOutcome::Ok | PageOutcome::Failed) => url.to_string(),
            _ => record.url.clone(),
        };
        self.inventory.record(run.mode, &label, &visit.captured);
        if let Some(consent) = consent {
            run.consent.push(consent);
        }
        let base = final_url.unwrap_or_else(|| page.url.clone());
        // Links read before the clicks changed the page come first (in document order).
        let first_render = if exploration.links.is_empty() {
            &visit.links
        } else {
            &exploration.links
        };
        if let Some(second) = &rerendered_links {
            for name in volatile_params(first_render, second) {
                let example = first_render
                    .iter()
                    .find(|href| href.contains(&format!("{name}=")))
                    .cloned()
                    .unwrap_or_default();
                self.ignore_parameter(&name, "volatile", &example);
                self.volatile.insert(name);
            }
        }
        let mut seen = HashSet::new();
        let hrefs: Vec<&String> = first_render
            .iter()
            .chain(&visit.links)
            .filter(|href| seen.insert(href.as_str()))
            .collect();
        let links: Vec<Url> = hrefs
            .into_iter()
            .filter_map(|href| self.lead(&base, href))
            .collect();
        let clicked: Vec<(Url, String)> = exploration
            .reached
            .iter()
            .filter_map(|reached| {
                let url = self.lead(&base, &reached.url)?;
                Some((url, reached.element.clone()))
            })
            .collect();
        record.links_found = links.len() + clicked.len();
        (record, Leads { links, clicked })
    }

    /// Where a visit not yet merged leads, for visiting ahead: its links and click targets as
    /// `lead` resolves them, but noting nothing, and only pages the frontier has not seen and
    /// that carry no query (a calendar's next month is left to the frontier's budget).
    pub(super) fn leads_ahead(&self, page: &QueuedPage, visited: &PageVisit) -> Vec<Url> {
        let base = visited
            .visit
            .final_url
            .as_ref()
            .and_then(normalize)
            .unwrap_or_else(|| page.url.clone());
        let hrefs = visited
            .exploration
            .links
            .iter()
            .chain(&visited.visit.links)
            .chain(visited.exploration.reached.iter().map(|r| &r.url));
        let mut seen = HashSet::new();
        hrefs
            .filter_map(|href| self.resolve(&base, href))
            // As the frontier will hold it, so the page is known when its turn comes.
            .filter_map(|url| normalize(&url))
            .filter(|url| url.query().is_none())
            .filter(|url| self.frontier.scope().decide(url) == ScopeDecision::Crawl)
            .filter(|url| !self.frontier.is_seen(url))
            .filter(|url| seen.insert(url.to_string()))
            .collect()
    }

    /// A link or click target as the frontier takes it: resolved, normalised, session ids and
    /// volatile parameters removed (and noted), in scope.
    fn lead(&mut self, base: &Url, href: &str) -> Option<Url> {
        let raw = base.join(href.trim()).ok()?;
        for name in session_params(&raw) {
            self.ignore_parameter(&name, "session id", href);
        }
        let url = self.resolve(base, href)?;
        (self.frontier.scope().decide(&url) != ScopeDecision::OutOfScope).then_some(url)
    }

    /// An href found at `base`, resolved and normalised, volatile parameters removed.
    fn resolve(&self, base: &Url, href: &str) -> Option<Url> {
        Some(without_params(&resolve_link(base, href)?, &self.volatile))
    }

    /// Notes a parameter the crawl leaves out of URLs (the first example found is kept).
    fn ignore_parameter(&mut self, name: &str, reason: &str, example: &str) {
        self.ignored
            .entry(name.to_string())
            .or_insert_with(|| IgnoredParameter {
                name: name.to_string(),
                reason: reason.to_string(),
                example: example.to_string(),
            });
    }
}
