//! One page: load it, answer its banner when the pass gives an answer, capture what the visit
//! wrote; then turn the visit into its row, its evidence for the inventory and its links.

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use url::Url;

use super::Crawler;
use crate::browser::{BrowserError, BrowserSession, Tab, Visit};
use crate::consent::ConsentDriver;
use crate::discover::{QueuedPage, ScopeDecision, normalize, resolve_link};
use crate::model::{ConsentRecord, ModeRun, PageOutcome, PageRecord, SkippedUrl};

/// A page visited, with the banner answered on it, if any.
#[derive(Debug)]
pub(super) struct PageVisit {
    pub(super) visit: Visit,
    pub(super) consent: Option<ConsentRecord>,
}

/// A page visit, or the browser failing under it.
pub(super) type VisitResult = Result<PageVisit, BrowserError>;

/// Load → consent → capture. `consent` is the pass's driver and whether this is one of the
/// pass's first pages (which wait for a late banner).
pub(super) async fn visit_page(
    tab: &Tab,
    url: &Url,
    session: &BrowserSession,
    context: &BrowserContextId,
    consent: Option<(&ConsentDriver, bool)>,
) -> VisitResult {
    let loaded = tab.load(url).await?;
    let mut answered = None;
    if loaded.is_ok()
        && let Some((driver, first)) = consent
    {
        answered = driver
            .handle(tab, url.as_str(), first, session, context)
            .await;
    }
    let visit = tab.capture(loaded, session, context).await?;
    Ok(PageVisit {
        visit,
        consent: answered,
    })
}

impl Crawler<'_> {
    /// Turns a visit into its page row and the in-scope links it offers.
    pub(super) fn record_visit(
        &mut self,
        run: &mut ModeRun,
        page: &QueuedPage,
        result: Option<VisitResult>,
    ) -> (PageRecord, Vec<Url>) {
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
        };
        let (visit, consent) = match result {
            Some(Ok(PageVisit { visit, consent })) => (visit, consent),
            Some(Err(error)) => {
                record.error = Some(match error {
                    BrowserError::Gone(_) => {
                        format!("the browser crashed during this page: {error}")
                    }
                    other => other.to_string(),
                });
                return (record, Vec::new());
            }
            None => {
                record.error = Some("not visited: the scan was stopped".into());
                return (record, Vec::new());
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
        let links: Vec<Url> = visit
            .links
            .iter()
            .filter_map(|href| resolve_link(&base, href))
            .filter(|url| self.frontier.scope().decide(url) != ScopeDecision::OutOfScope)
            .collect();
        record.links_found = links.len();
        (record, links)
    }
}
