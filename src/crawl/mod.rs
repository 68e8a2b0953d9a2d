//! The crawl: discovery feeds the frontier, tabs take its pages breadth-first as each tab frees
//! up, visits are merged into the inventory in the order pages were taken (deterministic, not
//! the order tabs finished), and the whole becomes a `Scan`. A failed page is a row; only a
//! browser that cannot be started is an error.
//!
//! One page is `page` (load, consent, capture, then its row and links); the tab pool with its
//! browser restarts and retry rule is `pool`; robots.txt and sitemaps are `discovery`.

mod categories;
mod discovery;
mod journal;
mod page;
mod pool;

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use tokio::sync::watch;
use url::Url;

use crate::browser::{BrowserError, BrowserOptions, BrowserSession, ScopeGate, Tab, VisitTiming};
use crate::capture::Inventory;
use crate::consent::preset::Presets;
use crate::consent::rules::RuleSet;
use crate::consent::{ConsentDriver, ConsentTiming, Engines, GatedCookies};
use crate::discover::{
    Frontier, Limits, QueuedPage, Scope, ScopeDecision, ScopeMode, ScopeRules, Via, normalize,
};
use crate::model::{
    IgnoredParameter, Mode, ModeRun, PageOutcome, RecordedSettings, SCHEMA_VERSION, Scan,
    ScanOutcome, Site, SkippedUrl, Timing, Tool,
};
pub use categories::{CategorySettings, DEFAULT_CATEGORY_PAGES};
use discovery::Discovery;
pub use journal::JournalError;
use journal::{Header, JournalWriter, Replay};
use page::{Leads, VisitResult};

/// Tabs visiting pages at once, unless the settings say otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Everything a scan needs, validated.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub start_url: Url,
    /// More pages to start from, on the same site (sections no link reaches).
    pub extra_start_urls: Vec<Url>,
    pub scope: ScopeRules,
    pub limits: Limits,
    pub obey_robots: bool,
    pub use_sitemaps: bool,
    pub concurrency: NonZeroUsize,
    pub timing: VisitTiming,
    pub keep_values: bool,
    pub browser: BrowserOptions,
    /// Consent modes to scan, in order; the first one discovers the pages.
    pub modes: Vec<Mode>,
    pub consent_rules: RuleSet,
    pub consent_timing: ConsentTiming,
    /// Where banner screenshots go (beside the scan JSON); None to take none.
    pub artifacts_dir: Option<PathBuf>,
    /// Consent cookies to plant instead of answering the banner, per answer.
    pub consent_presets: Presets,
    /// Cookies only consent may set: seen after a refusal, they disprove it.
    pub needs_consent: GatedCookies,
    /// Which engines answer banners.
    pub consent_engines: Engines,
    /// Where the scan's journal of visits goes (beside the scan); None to keep none.
    pub journal: Option<PathBuf>,
    /// Replay the journal first: the scan resumes an interrupted one.
    pub resume: bool,
    /// The per-category passes after the mode passes.
    pub categories: CategorySettings,
}

/// Progress of a scan, for whoever draws it. The library itself never prints.
#[derive(Debug, Clone)]
pub enum ScanEvent {
    /// The browser is up.
    BrowserReady { product: String },
    /// A pass over the site in one consent mode begins; `pages` is how many it will visit,
    /// None for the first pass, which discovers them (`Discovered` follows).
    PassStarted { mode: Mode, pages: Option<usize> },
    /// Pages known so far (visited or queued) changed.
    Discovered { total: usize },
    /// A page was visited (pages the browser died on are reported once retried).
    PageDone { url: String, outcome: PageOutcome },
    /// Distinct cookies in the inventory so far (as visits are merged).
    CookiesFound { total: usize },
    /// The browser died and was relaunched.
    BrowserRestarted { reason: String },
    /// The per-category passes begin: each of these categories of the site's (labels, control
    /// characters removed) granted alone, on `pages` pages.
    CategoryPassesStarted { labels: Vec<String>, pages: usize },
}

pub type Observer = Arc<dyn Fn(&ScanEvent) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("the start URL is not http(s): {0}")]
    StartUrl(String),
    #[error(transparent)]
    Resume(#[from] JournalError),
}

/// Runs a scan to the end, or until `stop` turns true: then pages in flight are abandoned and
/// the partial scan is returned with `complete: false`.
pub async fn run_scan(
    settings: &ScanSettings,
    observer: Observer,
    stop: watch::Receiver<bool>,
) -> Result<Scan, ScanError> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let start = normalize(&settings.start_url)
        .ok_or_else(|| ScanError::StartUrl(settings.start_url.to_string()))?;
    let scope = Scope::new(&start, settings.scope.clone());
    let mut crawler = Crawler::start(settings, &start, scope, observer, stop).await?;
    let browser = crawler.session.info().await?;
    (crawler.observer)(&ScanEvent::BrowserReady {
        product: browser.product.clone(),
    });

    let mut modes = settings.modes.iter().copied();
    let first_mode = modes.next().unwrap_or(Mode::BeforeConsent);
    let mut modes_ms = BTreeMap::new();
    let pass_clock = Instant::now();
    let (first_run, pages) = crawler.crawl(first_mode, &start).await;
    modes_ms.insert(first_mode.as_str().to_string(), elapsed_ms(pass_clock));
    // A site the first pass could not reach is an outage: the other passes would only fail
    // the same way, more slowly.
    let reached = first_run.pages.iter().any(|p| p.outcome == PageOutcome::Ok);
    let mut runs = vec![first_run];
    for mode in modes.filter(|_| reached) {
        if crawler.stopped() {
            break;
        }
        let pass_clock = Instant::now();
        runs.push(crawler.revisit(mode, &pages).await);
        modes_ms.insert(mode.as_str().to_string(), elapsed_ms(pass_clock));
    }
    let complete = !crawler.stopped();
    let outcome = if !complete {
        ScanOutcome::Partial
    } else if reached {
        ScanOutcome::Ok
    } else {
        ScanOutcome::Unreachable
    };
    let skipped_urls = crawler.skipped_urls();
    let site = Site {
        start_url: start.to_string(),
        host: crawler.ledger.frontier.scope().start_host().to_string(),
        registrable_domain: crawler.ledger.frontier.scope().site().to_string(),
    };
    let pages_ms = std::mem::take(&mut crawler.ledger.pages_ms);
    let inventory = std::mem::replace(&mut crawler.ledger.inventory, Inventory::new("", false));
    let (cookies, blocked_cookies, storage) = inventory.into_records();
    let mut category_passes = Vec::new();
    let mut category_passes_ms = BTreeMap::new();
    let mut category_passes_wall_ms = None;
    if complete && let Some(plan) = categories::Plan::make(settings, &runs, &cookies) {
        let (passes, times, wall) = crawler.category_passes(&plan).await;
        category_passes = passes;
        category_passes_ms.extend(times);
        category_passes_wall_ms = Some(wall);
    }
    crawler.session.close().await;
    let finished_at = SystemTime::now();
    Ok(Scan {
        schema_version: SCHEMA_VERSION,
        complete,
        outcome: Some(outcome),
        tool: Tool {
            name: "cookiescan".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        site,
        settings: record_settings(settings),
        browser,
        modes: runs,
        cookies,
        blocked_cookies,
        storage,
        skipped_urls,
        ignored_parameters: std::mem::take(&mut crawler.ledger.ignored)
            .into_values()
            .collect(),
        category_passes,
        timing: Timing {
            started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
            finished_at: humantime::format_rfc3339_seconds(finished_at).to_string(),
            duration_ms: elapsed_ms(clock),
            pages_ms,
            modes_ms,
            category_passes_ms,
            category_passes_wall_ms,
        },
    })
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn record_settings(settings: &ScanSettings) -> RecordedSettings {
    RecordedSettings {
        scope: match settings.scope.mode {
            ScopeMode::Site => "site".into(),
            ScopeMode::Host => "host".into(),
        },
        path_prefix: settings.scope.path_prefix.clone(),
        include: settings
            .scope
            .include
            .iter()
            .map(|r| r.to_string())
            .collect(),
        exclude: settings
            .scope
            .exclude
            .iter()
            .map(|r| r.to_string())
            .collect(),
        obey_robots: settings.obey_robots,
        max_pages: settings.limits.max_pages,
        max_depth: settings.limits.max_depth,
        max_query_variants: settings.limits.max_query_variants,
        concurrency: settings.concurrency.get(),
        page_timeout_ms: settings.timing.page_timeout.as_millis() as u64,
        settle_quiet_ms: settings.timing.settle_quiet.as_millis() as u64,
        settle_max_ms: settings.timing.settle_max.as_millis() as u64,
        interact_budget: settings.timing.interact_budget,
        plain_visits: !settings.timing.visitor,
        keep_values: settings.keep_values,
        insecure: settings.browser.insecure,
        use_sitemaps: settings.use_sitemaps,
        extra_start_urls: settings
            .extra_start_urls
            .iter()
            .map(|u| u.to_string())
            .collect(),
        consent_engines: settings
            .modes
            .iter()
            .any(|m| crate::model::Choice::for_mode(*m).is_some())
            .then(|| settings.consent_engines.describe()),
    }
}

/// Where one merged page leads: the page it ended on, its leads, and their depth.
type Found = (String, Leads, u32);

impl Ledger {
    /// Merges one visit of the discovering pass: its row, its evidence, and the URL it ended
    /// on marked seen. Returns where it leads (nothing for a page the stop left unvisited).
    fn merge(
        &mut self,
        run: &mut ModeRun,
        page: &QueuedPage,
        result: Option<VisitResult>,
        stopped: bool,
        visited: &mut Vec<QueuedPage>,
    ) -> Option<Found> {
        if stopped && result.is_none() {
            // Never reached before the stop: not a row, the scan is marked incomplete.
            return None;
        }
        let (record, leads) = self.record_visit(run, page, result);
        if let Some(final_url) = record.final_url.as_ref().and_then(|u| Url::parse(u).ok()) {
            self.frontier.mark_seen(&final_url);
        }
        let from = record.final_url.clone().unwrap_or(record.url.clone());
        if matches!(record.outcome, PageOutcome::Ok | PageOutcome::Failed) {
            visited.push(page.clone());
        }
        let depth = page.depth + 1;
        run.pages.push(record);
        Some((from, leads, depth))
    }
}

/// Offers the frontier where a merged page leads, links before click targets.
async fn offer_leads(
    discovery: &mut Discovery,
    session: &BrowserSession,
    frontier: &mut Frontier,
    (from, leads, depth): Found,
) {
    let clicked = leads.clicked.into_iter().map(|(url, element)| {
        let via = Via::Click {
            from: from.clone(),
            element,
        };
        (url, via)
    });
    let linked = leads.links.into_iter().map(|url| {
        let via = Via::Link { from: from.clone() };
        (url, via)
    });
    for (url, via) in linked.chain(clicked).collect::<Vec<_>>() {
        let allowed = discovery.allows(session, &url).await;
        frontier.offer(&url, depth, via, allowed);
    }
}

/// The state of one pass: its run record, browser context and tabs.
struct Pass {
    run: ModeRun,
    /// The pass that discovers the pages (the first): it compares renders for session ids.
    discovers: bool,
    context: Option<BrowserContextId>,
    tabs: Vec<Option<Tab>>,
    /// The jar as the resumed scan's last visit of this pass left it, to be restored in the
    /// pass's context before its first page visited afresh.
    restore: Option<(Option<SystemTime>, Vec<crate::capture::JarCookie>)>,
}

impl Pass {
    fn new(mode: Mode, discovers: bool) -> Pass {
        Pass {
            discovers,
            run: ModeRun {
                mode,
                pages: Vec::new(),
                browser_restarts: 0,
                consent: Vec::new(),
            },
            context: None,
            tabs: Vec::new(),
            restore: None,
        }
    }
}

/// What the crawl has learnt, merged visit by visit in a deterministic order: the frontier,
/// the inventory and the notes that become the scan's lists. Kept apart from the browser so
/// visits may run while earlier ones are merged.
struct Ledger {
    frontier: Frontier,
    inventory: Inventory,
    pages_ms: BTreeMap<String, u64>,
    /// Off-site redirect targets and other refusals the frontier does not know about.
    extra_skipped: Vec<SkippedUrl>,
    /// Query parameters found to change on every render: left out of every URL.
    volatile: BTreeSet<String>,
    /// Parameters left out of URLs, by name.
    ignored: BTreeMap<String, IgnoredParameter>,
}

struct Crawler<'a> {
    settings: &'a ScanSettings,
    session: BrowserSession,
    ledger: Ledger,
    discovery: Discovery,
    observer: Observer,
    stop: watch::Receiver<bool>,
    /// The visits of the interrupted scan this one resumes.
    replay: Replay,
    journal: Option<JournalWriter>,
}

impl<'a> Crawler<'a> {
    async fn start(
        settings: &'a ScanSettings,
        start: &Url,
        scope: Scope,
        observer: Observer,
        stop: watch::Receiver<bool>,
    ) -> Result<Crawler<'a>, ScanError> {
        let header = Header::new(start.as_str(), &settings.modes, record_settings(settings));
        let replay = match (&settings.journal, settings.resume) {
            (Some(path), true) => Replay::read(path, &header)?,
            _ => Replay::default(),
        };
        let session = BrowserSession::start(&settings.browser).await?;
        // A scan that cannot keep a journal still scans; it only cannot be resumed.
        let journal = settings.journal.as_ref().and_then(|path| {
            JournalWriter::open(path, &header, settings.resume)
                .inspect_err(|e| tracing::warn!("no journal at {}: {e}", path.display()))
                .ok()
        });
        let inventory = Inventory::new(scope.site(), settings.keep_values);
        Ok(Crawler {
            settings,
            session,
            ledger: Ledger {
                frontier: Frontier::new(scope, settings.limits.clone()),
                inventory,
                pages_ms: BTreeMap::new(),
                extra_skipped: Vec::new(),
                volatile: BTreeSet::new(),
                ignored: BTreeMap::new(),
            },
            discovery: Discovery::new(settings.obey_robots),
            observer,
            stop,
            replay,
            journal,
        })
    }

    fn gate(&self) -> ScopeGate {
        let scope = self.ledger.frontier.scope().clone();
        Arc::new(move |url: &Url| scope.decide(url) != ScopeDecision::OutOfScope)
    }

    /// One pass over the site, discovering as it goes.
    async fn crawl(&mut self, mode: Mode, start: &Url) -> (ModeRun, Vec<QueuedPage>) {
        (self.observer)(&ScanEvent::PassStarted { mode, pages: None });
        let mut pass = Pass::new(mode, true);
        let allowed = self.discovery.allows(&self.session, start).await;
        self.ledger.frontier.offer(start, 0, Via::Start, allowed);
        for extra in &self.settings.extra_start_urls {
            let allowed = self.discovery.allows(&self.session, extra).await;
            self.ledger.frontier.offer(extra, 0, Via::Start, allowed);
        }
        let sitemap_pages = if self.settings.use_sitemaps {
            self.discovery.sitemap_pages(&self.session, start).await
        } else {
            Vec::new()
        };
        self.announce();
        let driver = self.driver(mode);
        let mut visited = Vec::new();
        // The start pages first, together: the banner is answered on them, their renders are
        // compared for session ids, and a spoiled consent context starts over with them.
        let level = self.ledger.frontier.take_level();
        if !level.is_empty() && !self.stopped() {
            let results = self
                .visit_or_replay(&mut pass, &level, driver.as_ref(), true)
                .await;
            let stopped = self.stopped();
            let mut found = Vec::new();
            for (page, result) in level.iter().zip(results) {
                found.extend(
                    self.ledger
                        .merge(&mut pass.run, page, result, stopped, &mut visited),
                );
            }
            for leads in found {
                offer_leads(
                    &mut self.discovery,
                    &self.session,
                    &mut self.ledger.frontier,
                    leads,
                )
                .await;
            }
            for (page, sitemap) in &sitemap_pages {
                let allowed = self.discovery.allows(&self.session, page).await;
                self.ledger.frontier.offer(
                    page,
                    1,
                    Via::Sitemap {
                        sitemap: sitemap.clone(),
                    },
                    allowed,
                );
            }
            self.count_cookies();
            self.announce();
        }
        // Then every other page as a tab frees up.
        self.stream(&mut pass, driver.as_ref(), &mut visited).await;
        (self.finish_pass(pass).await, visited)
    }

    /// A further pass over pages already discovered, in another consent mode. The first page
    /// is visited alone so its banner is answered before the others load.
    async fn revisit(&mut self, mode: Mode, pages: &[QueuedPage]) -> ModeRun {
        (self.observer)(&ScanEvent::PassStarted {
            mode,
            pages: Some(pages.len()),
        });
        let mut pass = Pass::new(mode, false);
        let driver = self.driver(mode);
        // Pages are recorded a batch at a time here: a batch a later page spoiled is redone.
        if let Some(driver) = &driver {
            driver.restart_from_any_page();
        }
        if let Some((first, rest)) = pages.split_first() {
            for (batch, first_batch) in [(std::slice::from_ref(first), true), (rest, false)] {
                if self.stopped() || batch.is_empty() {
                    continue;
                }
                let results = self
                    .visit_or_replay(&mut pass, batch, driver.as_ref(), first_batch)
                    .await;
                let stopped = self.stopped();
                for (page, result) in batch.iter().zip(results) {
                    if stopped && result.is_none() {
                        continue;
                    }
                    let (record, _) = self.ledger.record_visit(&mut pass.run, page, result);
                    pass.run.pages.push(record);
                }
                self.count_cookies();
            }
        }
        self.finish_pass(pass).await
    }

    fn driver(&self, mode: Mode) -> Option<ConsentDriver> {
        ConsentDriver::new(
            self.settings.consent_rules.clone(),
            mode,
            self.settings.consent_timing,
            self.settings.artifacts_dir.clone(),
            self.settings.needs_consent.clone(),
            self.settings.consent_engines.clone(),
        )
    }

    async fn finish_pass(&mut self, pass: Pass) -> ModeRun {
        for tab in pass.tabs.into_iter().flatten() {
            tab.close().await;
        }
        if let Some(context) = pass.context {
            self.session.dispose_context(context).await;
        }
        let mut run = pass.run;
        run.pages
            .sort_by(|a, b| (a.depth, &a.url).cmp(&(b.depth, &b.url)));
        run
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    fn count_cookies(&self) {
        (self.observer)(&ScanEvent::CookiesFound {
            total: self.ledger.inventory.cookie_count(),
        });
    }

    fn announce(&self) {
        (self.observer)(&ScanEvent::Discovered {
            total: self.ledger.frontier.queued_total(),
        });
    }

    fn skipped_urls(&self) -> Vec<SkippedUrl> {
        let mut skipped: Vec<SkippedUrl> = self
            .ledger
            .frontier
            .skipped()
            .into_iter()
            .map(|(url, offer)| SkippedUrl {
                url,
                reason: offer.skip_reason(),
            })
            .chain(self.ledger.extra_skipped.iter().cloned())
            .collect();
        skipped.sort();
        skipped.dedup();
        skipped
    }
}
