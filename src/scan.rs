//! The crawl: discovery feeds the frontier, tabs visit each breadth-first level concurrently,
//! captures are merged into the inventory in the level's (deterministic) order, and the whole
//! becomes a `Scan`. A failed page is a row; only a browser that cannot be started is an error.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use tokio::sync::watch;
use url::Url;

use crate::capture::Inventory;
use crate::config::SiteConfig;
use crate::consent::rules::RuleSet;
use crate::consent::{ConsentDriver, ConsentTiming};
use crate::discover::{
    Frontier, Limits, Offer, QueuedPage, Robots, Scope, ScopeDecision, ScopeRules, Sitemap, Via,
    normalize, parse_sitemap, resolve_link, robots_url,
};
use crate::model::{
    ConsentOutcome, ConsentRecord, Mode, ModeRun, PageOutcome, PageRecord, RecordedSettings,
    SCHEMA_VERSION, Scan, Site, SkippedUrl, Timing, Tool,
};
use crate::visit::fetch::Fetcher;
use crate::visit::{
    BrowserError, BrowserOptions, BrowserSession, ScopeGate, Tab, Visit, VisitTiming,
};

/// How many times one pass relaunches a dead browser before giving up on the remaining pages.
const MAX_BROWSER_RESTARTS: u32 = 5;
/// Sitemap files read at most (indexes included), against sitemap-index loops and floods.
const MAX_SITEMAP_FILES: usize = 50;

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
    /// The site's own config: preset consent cookies, cookie annotations, table layout.
    pub site_config: SiteConfig,
}

/// Progress of a scan, for whoever draws it. The library itself never prints.
#[derive(Debug, Clone)]
pub enum ScanEvent {
    /// The browser is up.
    BrowserReady { product: String },
    /// Pages known so far (visited or queued) changed.
    Discovered { total: usize },
    /// A page was visited (pages the browser died on are reported once retried).
    PageDone { url: String, outcome: PageOutcome },
    /// Distinct cookies in the inventory so far (after each breadth-first level).
    CookiesFound { total: usize },
    /// The browser died and was relaunched.
    BrowserRestarted { reason: String },
}

pub type Observer = Arc<dyn Fn(&ScanEvent) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("the start URL is not http(s): {0}")]
    StartUrl(String),
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
    let mut crawler = Crawler::start(settings, scope, observer, stop).await?;
    let browser = crawler.session.info().await?;
    (crawler.observer)(&ScanEvent::BrowserReady {
        product: browser.product.clone(),
    });

    let mut modes = settings.modes.iter().copied();
    let first_mode = modes.next().unwrap_or(Mode::BeforeConsent);
    let (first_run, pages) = crawler.crawl(first_mode, &start).await;
    let mut runs = vec![first_run];
    for mode in modes {
        if crawler.stopped() {
            break;
        }
        runs.push(crawler.revisit(mode, &pages).await);
    }
    let complete = !crawler.stopped();
    let skipped_urls = crawler.skipped_urls();
    let site = Site {
        start_url: start.to_string(),
        host: crawler.frontier.scope().start_host().to_string(),
        registrable_domain: crawler.frontier.scope().site().to_string(),
    };
    let pages_ms = std::mem::take(&mut crawler.pages_ms);
    let inventory = std::mem::replace(&mut crawler.inventory, Inventory::new("", false));
    crawler.session.close().await;
    let (cookies, blocked_cookies, storage) = inventory.into_records();
    let finished_at = SystemTime::now();
    Ok(Scan {
        schema_version: SCHEMA_VERSION,
        complete,
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
        timing: Timing {
            started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
            finished_at: humantime::format_rfc3339_seconds(finished_at).to_string(),
            duration_ms: clock.elapsed().as_millis() as u64,
            pages_ms,
        },
    })
}

fn record_settings(settings: &ScanSettings) -> RecordedSettings {
    RecordedSettings {
        scope: match settings.scope.mode {
            crate::discover::ScopeMode::Site => "site".into(),
            crate::discover::ScopeMode::Host => "host".into(),
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
        keep_values: settings.keep_values,
        insecure: settings.browser.insecure,
        use_sitemaps: settings.use_sitemaps,
        extra_start_urls: settings
            .extra_start_urls
            .iter()
            .map(|u| u.to_string())
            .collect(),
    }
}

/// The state of one pass: its run record, browser context and tabs.
struct Pass {
    run: ModeRun,
    context: Option<BrowserContextId>,
    tabs: Vec<Option<Tab>>,
}

impl Pass {
    fn new(mode: Mode) -> Pass {
        Pass {
            run: ModeRun {
                mode,
                pages: Vec::new(),
                browser_restarts: 0,
                consent: Vec::new(),
            },
            context: None,
            tabs: Vec::new(),
        }
    }
}

struct Crawler<'a> {
    settings: &'a ScanSettings,
    session: BrowserSession,
    frontier: Frontier,
    inventory: Inventory,
    robots: HashMap<String, Robots>,
    fetcher: Option<(BrowserContextId, Fetcher)>,
    observer: Observer,
    stop: watch::Receiver<bool>,
    pages_ms: BTreeMap<String, u64>,
    /// Off-site redirect targets and other refusals the frontier does not know about.
    extra_skipped: Vec<SkippedUrl>,
}

impl<'a> Crawler<'a> {
    async fn start(
        settings: &'a ScanSettings,
        scope: Scope,
        observer: Observer,
        stop: watch::Receiver<bool>,
    ) -> Result<Crawler<'a>, ScanError> {
        let session = BrowserSession::start(&settings.browser).await?;
        let inventory = Inventory::new(scope.site(), settings.keep_values);
        Ok(Crawler {
            settings,
            session,
            frontier: Frontier::new(scope, settings.limits.clone()),
            inventory,
            robots: HashMap::new(),
            fetcher: None,
            observer,
            stop,
            pages_ms: BTreeMap::new(),
            extra_skipped: Vec::new(),
        })
    }

    fn gate(&self) -> ScopeGate {
        let scope = self.frontier.scope().clone();
        Arc::new(move |url: &Url| scope.decide(url) != ScopeDecision::OutOfScope)
    }

    /// One pass over the site, discovering as it goes.
    async fn crawl(&mut self, mode: Mode, start: &Url) -> (ModeRun, Vec<QueuedPage>) {
        let mut pass = Pass::new(mode);
        let allowed = self.robots_allow(start).await;
        self.frontier.offer(start, 0, Via::Start, allowed);
        for extra in &self.settings.extra_start_urls {
            let allowed = self.robots_allow(extra).await;
            self.frontier.offer(extra, 0, Via::Start, allowed);
        }
        let sitemap_pages = if self.settings.use_sitemaps {
            self.sitemap_pages(start).await
        } else {
            Vec::new()
        };
        self.announce();
        let driver = self.driver(mode);
        let mut visited = Vec::new();
        let mut level_index = 0usize;
        loop {
            if self.stopped() {
                break;
            }
            let level = self.frontier.take_level();
            if level.is_empty() {
                break;
            }
            let results = self
                .visit_batch(&mut pass, &level, driver.as_ref(), level_index == 0)
                .await;
            // Merge in level order so the inventory never depends on which tab was faster.
            let mut found_links: Vec<(String, Vec<Url>, u32)> = Vec::new();
            let stopped = self.stopped();
            for (page, result) in level.iter().zip(results) {
                if stopped && result.is_none() {
                    // Never reached before the stop: not a row, the scan is marked incomplete.
                    continue;
                }
                let (record, links) = self.record_visit(&mut pass.run, page, result);
                if let Some(final_url) = record.final_url.as_ref().and_then(|u| Url::parse(u).ok())
                {
                    self.frontier.mark_seen(&final_url);
                }
                found_links.push((
                    record.final_url.clone().unwrap_or(record.url.clone()),
                    links,
                    page.depth + 1,
                ));
                if matches!(record.outcome, PageOutcome::Ok | PageOutcome::Failed) {
                    visited.push(page.clone());
                }
                pass.run.pages.push(record);
            }
            for (from, links, depth) in found_links {
                for link in links {
                    let allowed = self.robots_allow(&link).await;
                    self.frontier
                        .offer(&link, depth, Via::Link { from: from.clone() }, allowed);
                }
            }
            if level_index == 0 {
                for (page, sitemap) in &sitemap_pages {
                    let allowed = self.robots_allow(page).await;
                    self.frontier.offer(
                        page,
                        1,
                        Via::Sitemap {
                            sitemap: sitemap.clone(),
                        },
                        allowed,
                    );
                }
            }
            level_index += 1;
            (self.observer)(&ScanEvent::CookiesFound {
                total: self.inventory.cookie_count(),
            });
            self.announce();
        }
        (self.finish_pass(pass).await, visited)
    }

    /// A further pass over pages already discovered, in another consent mode. The first page
    /// is visited alone so its banner is answered before the others load.
    async fn revisit(&mut self, mode: Mode, pages: &[QueuedPage]) -> ModeRun {
        let mut pass = Pass::new(mode);
        let driver = self.driver(mode);
        if let Some((first, rest)) = pages.split_first() {
            for (batch, first_batch) in [(std::slice::from_ref(first), true), (rest, false)] {
                if self.stopped() || batch.is_empty() {
                    continue;
                }
                let results = self
                    .visit_batch(&mut pass, batch, driver.as_ref(), first_batch)
                    .await;
                let stopped = self.stopped();
                for (page, result) in batch.iter().zip(results) {
                    if stopped && result.is_none() {
                        continue;
                    }
                    let (record, _) = self.record_visit(&mut pass.run, page, result);
                    pass.run.pages.push(record);
                }
                (self.observer)(&ScanEvent::CookiesFound {
                    total: self.inventory.cookie_count(),
                });
            }
        }
        self.finish_pass(pass).await
    }

    /// Plants the site config's consent cookies for this pass's answer in a fresh context.
    async fn apply_presets(
        &self,
        pass: &mut Pass,
        context: &BrowserContextId,
        driver: Option<&ConsentDriver>,
    ) {
        let Some(driver) = driver else { return };
        let Some(presets) = self
            .settings
            .site_config
            .consent
            .preset
            .get(&driver.choice())
        else {
            return;
        };
        let start = &self.settings.start_url;
        let cookies = presets
            .iter()
            .map(|cookie| {
                let mut param = serde_json::json!({
                    "name": cookie.name,
                    "value": cookie.value,
                    "path": cookie.path,
                    "secure": start.scheme() == "https",
                    "expires": (SystemTime::now() + std::time::Duration::from_secs(86_400 * 30))
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or_default(),
                });
                match &cookie.domain {
                    Some(domain) => param["domain"] = domain.clone().into(),
                    None => param["url"] = start.as_str().into(),
                }
                param
            })
            .collect();
        let outcome = self.session.set_cookies(context, cookies).await;
        if pass
            .run
            .consent
            .iter()
            .any(|c| c.detected_by.iter().any(|d| d.contains("site config")))
        {
            return;
        }
        let names: Vec<&str> = presets.iter().map(|c| c.name.as_str()).collect();
        let (result, verification) = match outcome {
            Ok(()) => {
                driver.mark_answered();
                (
                    ConsentOutcome::Verified,
                    format!("preset cookies {}", names.join(", ")),
                )
            }
            Err(error) => (
                ConsentOutcome::Failed,
                format!("presetting cookies failed: {error}"),
            ),
        };
        pass.run.consent.push(ConsentRecord {
            page: start.to_string(),
            action: driver.choice(),
            platform: None,
            platform_name: Some("consent cookies from the site config".into()),
            detected_by: vec!["site config preset".into()],
            clicked: Vec::new(),
            outcome: result,
            verification: Some(verification),
            screenshot_before: None,
            screenshot_after: None,
        });
    }

    fn driver(&self, mode: Mode) -> Option<ConsentDriver> {
        ConsentDriver::new(
            self.settings.consent_rules.clone(),
            mode,
            self.settings.consent_timing,
            self.settings.artifacts_dir.clone(),
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

    /// Visits a batch of pages concurrently; a page the browser died on is retried once
    /// (after a relaunch), pages never started are not charged a retry.
    async fn visit_batch(
        &mut self,
        pass: &mut Pass,
        batch: &[QueuedPage],
        driver: Option<&ConsentDriver>,
        first: bool,
    ) -> Vec<Option<Result<Visit, BrowserError>>> {
        let mut results: Vec<Option<Result<Visit, BrowserError>>> =
            batch.iter().map(|_| None).collect();
        let mut crashes = vec![0u32; batch.len()];
        if pass.context.is_none() && self.session.is_alive() {
            pass.context = self.session.new_context().await.ok();
            if let Some(context) = pass.context.clone() {
                self.apply_presets(pass, &context, driver).await;
            }
        }
        loop {
            let pending: Vec<usize> = (0..batch.len())
                .filter(|&i| match &results[i] {
                    None => true,
                    Some(Err(BrowserError::Gone(_))) => crashes[i] < 2,
                    Some(_) => false,
                })
                .collect();
            if pending.is_empty() || self.stopped() {
                break;
            }
            if !self.session.is_alive() || pass.context.is_none() {
                if pass.run.browser_restarts >= MAX_BROWSER_RESTARTS {
                    break;
                }
                match self.restart().await {
                    Ok(new_context) => {
                        pass.run.browser_restarts += 1;
                        self.apply_presets(pass, &new_context, driver).await;
                        pass.context = Some(new_context);
                        pass.tabs.clear();
                    }
                    Err(error) => {
                        for &i in &pending {
                            results[i] = Some(Err(BrowserError::Gone(error.to_string())));
                        }
                        break;
                    }
                }
            }
            let Some(context) = pass.context.clone() else {
                break;
            };
            let outcomes = self
                .visit_pages(&context, &mut pass.tabs, batch, &pending, driver, first)
                .await;
            for (&i, outcome) in pending.iter().zip(outcomes) {
                if matches!(outcome, Some(Err(BrowserError::Gone(_)))) {
                    crashes[i] += 1;
                }
                if outcome.is_some() {
                    results[i] = outcome;
                }
            }
        }
        results
    }

    /// Visits `level[i]` for each `i` in `indices` with up to `concurrency` tabs.
    async fn visit_pages(
        &self,
        context: &BrowserContextId,
        tabs: &mut Vec<Option<Tab>>,
        level: &[QueuedPage],
        indices: &[usize],
        driver: Option<&ConsentDriver>,
        first: bool,
    ) -> Vec<Option<Result<Visit, BrowserError>>> {
        let wanted = self.settings.concurrency.get().min(indices.len()).max(1);
        while tabs.len() < wanted {
            tabs.push(None);
        }
        let next = AtomicUsize::new(0);
        let results: std::sync::Mutex<Vec<Option<Result<Visit, BrowserError>>>> =
            std::sync::Mutex::new(indices.iter().map(|_| None).collect());
        let gate = self.gate();
        let workers = tabs.iter_mut().take(wanted).map(|slot| {
            let next = &next;
            let results = &results;
            let gate = gate.clone();
            async move {
                loop {
                    if self.stopped() {
                        break;
                    }
                    let position = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&index) = indices.get(position) else {
                        break;
                    };
                    let mut stop = self.stop.clone();
                    let consent = driver.map(|d| (d, first));
                    let visit =
                        self.visit_one(context, slot, &level[index].url, gate.clone(), consent);
                    let outcome = tokio::select! {
                        outcome = visit => outcome,
                        // Abandon the page; the tab may be mid-navigation, so drop it too.
                        _ = stop.wait_for(|stopped| *stopped) => {
                            if let Some(tab) = slot.take() {
                                tab.close().await;
                            }
                            break;
                        }
                    };
                    let gone = matches!(outcome, Err(BrowserError::Gone(_)));
                    if !gone {
                        (self.observer)(&ScanEvent::PageDone {
                            url: level[index].url.to_string(),
                            outcome: match &outcome {
                                Ok(visit) => visit.outcome,
                                Err(_) => PageOutcome::Failed,
                            },
                        });
                    }
                    results.lock().expect("results")[position] = Some(outcome);
                    if gone {
                        break;
                    }
                }
            }
        });
        futures::future::join_all(workers).await;
        results.into_inner().expect("results")
    }

    async fn visit_one(
        &self,
        context: &BrowserContextId,
        slot: &mut Option<Tab>,
        url: &Url,
        gate: ScopeGate,
        consent: Option<(&ConsentDriver, bool)>,
    ) -> Result<Visit, BrowserError> {
        if slot.is_none() {
            let page = self.session.new_page(context).await?;
            *slot = Some(
                Tab::open(page, gate, self.settings.timing)
                    .await
                    .map_err(|e| self.session.classify(e))?,
            );
        }
        let tab = slot.as_ref().expect("tab was just opened");
        let visit = tab
            .visit(url, self.settings.timing, &self.session, context, consent)
            .await
            .map_err(|e| match e {
                BrowserError::Gone(_) => e,
                other => self.session.classify(other),
            });
        let broken = match &visit {
            Ok(v) => v.tab_broken,
            Err(_) => true,
        };
        if broken && let Some(tab) = slot.take() {
            tab.close().await;
        }
        visit
    }

    async fn restart(&mut self) -> Result<BrowserContextId, BrowserError> {
        let reason = "the browser stopped responding".to_string();
        let fresh = BrowserSession::start(&self.settings.browser).await?;
        let old = std::mem::replace(&mut self.session, fresh);
        self.fetcher = None;
        old.close().await;
        (self.observer)(&ScanEvent::BrowserRestarted { reason });
        self.session.new_context().await
    }

    /// Turns a visit into its page row and the in-scope links it offers.
    fn record_visit(
        &mut self,
        run: &mut ModeRun,
        page: &QueuedPage,
        result: Option<Result<Visit, BrowserError>>,
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
        let visit = match result {
            Some(Ok(visit)) => visit,
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
        if let Some(consent) = visit.consent.clone() {
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

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    fn announce(&self) {
        (self.observer)(&ScanEvent::Discovered {
            total: self.frontier.queued_total(),
        });
    }

    async fn fetcher(&mut self) -> Option<&Fetcher> {
        if self.fetcher.is_none() {
            let context = self.session.new_context().await.ok()?;
            let page = self.session.new_page(&context).await.ok()?;
            let fetcher = Fetcher::new(page).await.ok()?;
            self.fetcher = Some((context, fetcher));
        }
        self.fetcher.as_ref().map(|(_, f)| f)
    }

    /// robots.txt verdict for a URL (always yes with `--ignore-robots`).
    async fn robots_allow(&mut self, url: &Url) -> bool {
        if !self.settings.obey_robots {
            return true;
        }
        self.robots_for(url)
            .await
            .is_none_or(|robots| robots.allowed(url))
    }

    /// The robots.txt of a URL's origin, fetched on first use. A missing or unreadable file
    /// allows everything, as crawlers conventionally treat it.
    async fn robots_for(&mut self, url: &Url) -> Option<&Robots> {
        let robots_at = robots_url(url)?;
        let origin = robots_at.origin().ascii_serialization();
        if !self.robots.contains_key(&origin) {
            let robots = match self.fetcher().await {
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
    async fn sitemap_pages(&mut self, start: &Url) -> Vec<(Url, String)> {
        let origin = start.origin().ascii_serialization();
        let mut queue: Vec<String> = self
            .robots_for(start)
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
            let Some(fetcher) = self.fetcher().await else {
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
                Err(error) => tracing::warn!("sitemap {sitemap}: {error}"),
            }
        }
        pages
    }

    fn skipped_urls(&self) -> Vec<SkippedUrl> {
        let mut skipped: Vec<SkippedUrl> = self
            .frontier
            .skipped()
            .into_iter()
            .map(|(url, offer)| SkippedUrl {
                url,
                reason: match offer {
                    Offer::DisallowedByRobots => "disallowed by robots.txt".into(),
                    Offer::QueryVariantLimit => {
                        "query-string variant limit reached for this path".into()
                    }
                    Offer::PageLimit => "page limit (--max-pages) reached".into(),
                    Offer::TooDeep => "deeper than --max-depth".into(),
                    Offer::Excluded(reason) => reason,
                    other => format!("{other:?}"),
                },
            })
            .chain(self.extra_skipped.iter().cloned())
            .collect();
        skipped.sort();
        skipped.dedup();
        skipped
    }
}
