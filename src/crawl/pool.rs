//! The tab pool of a pass: up to `concurrency` tabs visit a batch of pages; a browser that
//! dies is relaunched (at most `MAX_BROWSER_RESTARTS` times a pass) and the pages it died on
//! are retried once, while pages never started are not charged a retry.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{FuturesUnordered, StreamExt};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use url::Url;

use super::page::{self, VisitResult};
use super::{Crawler, Pass, ScanEvent, offer_leads};
use crate::browser::{BrowserError, BrowserSession, ScopeGate, Tab, VisitTiming};
use crate::consent::{ConsentDriver, preset};
use crate::discover::{QueuedPage, Via, page_key};
use crate::model::{ConsentOutcome, PageOutcome};

/// How many times one pass relaunches a dead browser before giving up on the remaining pages.
const MAX_BROWSER_RESTARTS: u32 = 5;

impl Crawler<'_> {
    /// Visits a batch of pages, taking those the resumed scan's journal holds from it: the
    /// others are visited (and journaled), in a context whose jar is first restored to what
    /// the journaled visits of the pass left.
    pub(super) async fn visit_or_replay(
        &mut self,
        pass: &mut Pass,
        batch: &[QueuedPage],
        driver: Option<&ConsentDriver>,
        first: bool,
    ) -> Vec<Option<VisitResult>> {
        let mode = pass.run.mode;
        let mut results: Vec<Option<VisitResult>> = Vec::with_capacity(batch.len());
        let mut fresh = Vec::new();
        for (index, page) in batch.iter().enumerate() {
            let replayed = self.replay.take(mode, page.url.as_str());
            if let Some(result) = &replayed {
                note_replayed(pass, driver, result);
            }
            match replayed {
                Some(result) => {
                    (self.observer)(&page_done(&page.url, &result));
                    results.push(Some(result));
                }
                None => {
                    fresh.push(index);
                    results.push(None);
                }
            }
        }
        if fresh.is_empty() {
            return results;
        }
        let pages: Vec<QueuedPage> = fresh.iter().map(|&i| batch[i].clone()).collect();
        // The pass's first pages wait for a late banner only when the pass really starts here.
        let first = first && fresh.len() == batch.len();
        let visited = self.visit_batch(pass, &pages, driver, first).await;
        for (&index, result) in fresh.iter().zip(visited) {
            if let (Some(journal), Some(result)) = (self.journal.as_mut(), &result)
                && let Err(error) = journal.append(mode, batch[index].url.as_str(), result)
            {
                tracing::warn!("the journal stops here: {error}");
                self.journal = None;
            }
            results[index] = result;
        }
        if let Some(journal) = self.journal.as_mut()
            && let Err(error) = journal.flush()
        {
            tracing::warn!("the journal stops here: {error}");
            self.journal = None;
        }
        results
    }

    /// The discovering pass after its start pages: each page goes to a tab as soon as one is
    /// free, in the frontier's order (depth, then discovery), and visits are merged in that
    /// same order, their links offered then, so pages, rows and inventory never depend on
    /// which tab was faster. A slow page holds its own tab only: while it keeps the merge
    /// waiting, free tabs visit *ahead*, pages that visits finished but not yet merged lead
    /// to; the frontier takes such a visit's result when the page's turn comes (one the
    /// frontier never takes, beyond the budget, is dropped). A browser that dies is relaunched
    /// between visits (the pages it died on retried once), as for a batch.
    pub(super) async fn stream(
        &mut self,
        pass: &mut Pass,
        driver: Option<&ConsentDriver>,
        visited: &mut Vec<QueuedPage>,
    ) {
        let mode = pass.run.mode;
        let concurrency = self.settings.concurrency.get();
        let timing = self.settings.timing;
        let max_depth = self.settings.limits.max_depth;
        // Pages by the position they were taken in; finished visits waiting for their turn.
        let mut order: Vec<QueuedPage> = Vec::new();
        let mut finished: BTreeMap<usize, VisitResult> = BTreeMap::new();
        let mut merged = 0usize;
        let mut retry: VecDeque<usize> = VecDeque::new();
        let mut crashes: HashMap<usize, u32> = HashMap::new();
        let mut ahead = Ahead::default();
        let mut idle: Vec<Option<Tab>> = std::mem::take(&mut pass.tabs);
        idle.resize_with(concurrency.max(idle.len()), || None);
        loop {
            if self.stopped() {
                break;
            }
            match self.revive(pass, driver).await {
                Ok(Revived::Relaunched) => idle.clear(),
                Ok(Revived::AsItWas) => {}
                Err(why) => {
                    let reason = why.to_string();
                    for seq in retry.drain(..) {
                        finished.insert(seq, Err(BrowserError::Gone(reason.clone())));
                    }
                    break;
                }
            }
            let Some(context) = pass.context.clone() else {
                break;
            };
            let gate = self.gate();
            let session = &self.session;
            let mut in_flight = FuturesUnordered::new();
            let mut browser_died = false;
            loop {
                // Merge what is next in order, so its links can be offered and taken.
                let stopped = self.stopped();
                while let Some(result) = finished.remove(&merged) {
                    let found = self.ledger.merge(
                        &mut pass.run,
                        &order[merged],
                        Some(result),
                        stopped,
                        visited,
                    );
                    merged += 1;
                    if let Some(found) = found.filter(|_| !stopped) {
                        offer_leads(
                            &mut self.discovery,
                            session,
                            &mut self.ledger.frontier,
                            found,
                        )
                        .await;
                    }
                    self.count_cookies();
                    self.announce();
                }
                while in_flight.len() < concurrency && !browser_died && !self.stopped() {
                    let target = match retry.pop_front() {
                        Some(seq) => Target::Page(seq),
                        None => match self.ledger.frontier.take_next() {
                            Some(page) => {
                                order.push(page);
                                Target::Page(order.len() - 1)
                            }
                            None => {
                                // Nothing the merge has offered is left: visit ahead, within
                                // what the budget may still take.
                                let room = self
                                    .settings
                                    .limits
                                    .max_pages
                                    .saturating_sub(self.ledger.frontier.queued_total());
                                let (frontier, replay) = (&self.ledger.frontier, &self.replay);
                                let settled = |url: &Url| {
                                    frontier.is_seen(url) || replay.holds(mode, url.as_str())
                                };
                                match ahead.next(settled, room) {
                                    Some(page) => Target::Ahead(page),
                                    None => break,
                                }
                            }
                        },
                    };
                    let page = match &target {
                        Target::Page(seq) => order[*seq].clone(),
                        Target::Ahead(page) => page.clone(),
                    };
                    if let Target::Page(seq) = target {
                        let replayed = self.replay.take(mode, page.url.as_str());
                        let taken = replayed.map(Some).or_else(|| ahead.take(&page.url, seq));
                        if let Some(result) = taken {
                            if let Some(result) = result {
                                note_replayed(pass, driver, &result);
                                (self.observer)(&page_done(&page.url, &result));
                                finished.insert(seq, result);
                            }
                            continue;
                        }
                    }
                    // The resumed pass's jar, as its journaled visits so far left it.
                    if let Some((_, jar)) = pass.restore.take()
                        && let Err(error) = session.restore_cookies(&context, &jar).await
                    {
                        tracing::warn!("the resumed pass's cookies could not be restored: {error}");
                    }
                    let mut slot = idle.pop().unwrap_or(None);
                    let (context, gate, observer) = (&context, gate.clone(), &self.observer);
                    let mut stop = self.stop.clone();
                    in_flight.push(async move {
                        let consent = driver.map(|d| (d, false));
                        let visit = visit_one(
                            session, timing, context, &mut slot, &page.url, gate, consent, false,
                        );
                        let outcome = tokio::select! {
                            outcome = visit => Some(outcome),
                            // Abandon the page; the tab may be mid-navigation, so drop it too.
                            _ = stop.wait_for(|stopped| *stopped) => {
                                if let Some(tab) = slot.take() {
                                    tab.close().await;
                                }
                                None
                            }
                        };
                        // A page visited ahead is done once the frontier takes it.
                        if let (Target::Page(_), Some(outcome)) = (&target, &outcome)
                            && !matches!(outcome, Err(BrowserError::Gone(_)))
                        {
                            observer(&page_done(&page.url, outcome));
                        }
                        (target, page, slot, outcome)
                    });
                }
                let Some((target, page, slot, outcome)) = in_flight.next().await else {
                    break;
                };
                idle.push(slot);
                let Some(outcome) = outcome else {
                    continue;
                };
                let gone = matches!(outcome, Err(BrowserError::Gone(_)));
                if gone && !session.is_alive() {
                    browser_died = true;
                }
                let seq = match target {
                    Target::Page(seq) => Some(seq),
                    Target::Ahead(_) => ahead.finished(&page.url),
                };
                if gone {
                    // A page visited ahead is visited again when the frontier takes it.
                    let Some(seq) = seq else {
                        continue;
                    };
                    let crashed = crashes.entry(seq).or_default();
                    *crashed += 1;
                    if *crashed < 2 {
                        retry.push_back(seq);
                        continue;
                    }
                }
                if let Some(journal) = self.journal.as_mut() {
                    let written = journal
                        .append(mode, page.url.as_str(), &outcome)
                        .and_then(|()| journal.flush());
                    if let Err(error) = written {
                        tracing::warn!("the journal stops here: {error}");
                        self.journal = None;
                    }
                }
                // Pages a visit that must still wait for its turn leads to are visited ahead.
                if seq.is_none_or(|seq| seq > merged)
                    && let Ok(visit) = &outcome
                    && max_depth.is_none_or(|max| page.depth < max)
                {
                    for url in self.ledger.leads_ahead(&page, visit) {
                        if self.discovery.allows(session, &url).await {
                            ahead.offer(url, page.depth + 1);
                        }
                    }
                }
                match seq {
                    Some(seq) => {
                        if matches!(target, Target::Ahead(_)) {
                            (self.observer)(&page_done(&page.url, &outcome));
                        }
                        finished.insert(seq, outcome);
                    }
                    None => ahead.keep(&page.url, outcome),
                }
            }
            if self.stopped() || (retry.is_empty() && finished.is_empty() && !browser_died) {
                break;
            }
        }
        // After a stop: what finished is merged in order, gaps left out; nothing more is
        // offered. Visits ahead the frontier never took are dropped.
        let stopped = self.stopped();
        for (seq, result) in std::mem::take(&mut finished) {
            self.ledger
                .merge(&mut pass.run, &order[seq], Some(result), stopped, visited);
        }
        pass.tabs = idle;
    }

    /// Makes the pass's context usable: created when it has none (presets planted, a resumed
    /// pass's jar restored), or, when the browser died or no context could be made, the
    /// browser relaunched (at most `MAX_BROWSER_RESTARTS` times a pass) with a fresh one.
    async fn revive(
        &mut self,
        pass: &mut Pass,
        driver: Option<&ConsentDriver>,
    ) -> Result<Revived, Unrevived> {
        if pass.context.is_none() && self.session.is_alive() {
            pass.context = self.session.new_context().await.ok();
            if let Some(context) = pass.context.clone() {
                self.apply_presets(pass, &context, driver).await;
                if let Some((_, jar)) = pass.restore.take()
                    && let Err(error) = self.session.restore_cookies(&context, &jar).await
                {
                    tracing::warn!("the resumed pass's cookies could not be restored: {error}");
                }
            }
        }
        if self.session.is_alive() && pass.context.is_some() {
            return Ok(Revived::AsItWas);
        }
        if pass.run.browser_restarts >= MAX_BROWSER_RESTARTS {
            return Err(Unrevived::GaveUp);
        }
        let context = self
            .restart()
            .await
            .map_err(|e| Unrevived::Failed(e.to_string()))?;
        pass.run.browser_restarts += 1;
        self.apply_presets(pass, &context, driver).await;
        pass.context = Some(context);
        Ok(Revived::Relaunched)
    }

    /// Visits a batch of pages concurrently. When answering the banner on the pass's first
    /// pages (or on any page, for a driver that allows it) may have granted consent the pass
    /// must refuse, the context is spoiled: it is thrown away and the batch visited again in a
    /// fresh one, where the banner is answered with the next strategy; spoiled again, a third
    /// context leaves it unanswered.
    pub(super) async fn visit_batch(
        &mut self,
        pass: &mut Pass,
        batch: &[QueuedPage],
        driver: Option<&ConsentDriver>,
        first: bool,
    ) -> Vec<Option<VisitResult>> {
        let mut results = self.visit_batch_once(pass, batch, driver, first).await;
        let Some(driver) = driver else {
            return results;
        };
        while (first || driver.restarts_from_any_page()) && !self.stopped() && driver.start_over() {
            for tab in pass.tabs.drain(..).flatten() {
                tab.close().await;
            }
            if let Some(context) = pass.context.take() {
                self.session.dispose_context(context).await;
            }
            results = self
                .visit_batch_once(pass, batch, Some(driver), first)
                .await;
        }
        results
    }

    /// Visits a batch of pages concurrently; a page the browser died on is retried once
    /// (after a relaunch), pages never started are not charged a retry.
    async fn visit_batch_once(
        &mut self,
        pass: &mut Pass,
        batch: &[QueuedPage],
        driver: Option<&ConsentDriver>,
        first: bool,
    ) -> Vec<Option<VisitResult>> {
        let mut results: Vec<Option<VisitResult>> = batch.iter().map(|_| None).collect();
        let mut crashes = vec![0u32; batch.len()];
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
            match self.revive(pass, driver).await {
                Ok(Revived::Relaunched) => pass.tabs.clear(),
                Ok(Revived::AsItWas) => {}
                Err(Unrevived::GaveUp) => break,
                Err(Unrevived::Failed(error)) => {
                    for &i in &pending {
                        results[i] = Some(Err(BrowserError::Gone(error.clone())));
                    }
                    break;
                }
            }
            let Some(context) = pass.context.clone() else {
                break;
            };
            let outcomes = self
                .visit_pages(
                    &context,
                    &mut pass.tabs,
                    batch,
                    &pending,
                    driver,
                    (first, pass.discovers),
                )
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
        (first, discovers): (bool, bool),
    ) -> Vec<Option<VisitResult>> {
        let wanted = self.settings.concurrency.get().min(indices.len()).max(1);
        while tabs.len() < wanted {
            tabs.push(None);
        }
        let next = AtomicUsize::new(0);
        let results: std::sync::Mutex<Vec<Option<VisitResult>>> =
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
                    // Session ids are told from a second render of the start pages.
                    let compare_renders = discovers && level[index].depth == 0;
                    let visit = visit_one(
                        &self.session,
                        self.settings.timing,
                        context,
                        slot,
                        &level[index].url,
                        gate.clone(),
                        consent,
                        compare_renders,
                    );
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
                        (self.observer)(&page_done(&level[index].url, &outcome));
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

    async fn restart(&mut self) -> Result<BrowserContextId, BrowserError> {
        let reason = "the browser stopped responding".to_string();
        let fresh = BrowserSession::start(&self.settings.browser).await?;
        let old = std::mem::replace(&mut self.session, fresh);
        self.discovery.forget_fetcher();
        old.close().await;
        (self.observer)(&ScanEvent::BrowserRestarted { reason });
        self.session.new_context().await
    }

    /// Plants the site's consent cookies for this pass's answer in a fresh context, and
    /// records it once per pass (a relaunched browser plants them again).
    async fn apply_presets(
        &self,
        pass: &mut Pass,
        context: &BrowserContextId,
        driver: Option<&ConsentDriver>,
    ) {
        let Some(driver) = driver else { return };
        let Some(cookies) = self.settings.consent_presets.get(&driver.choice()) else {
            return;
        };
        let start = &self.settings.start_url;
        let record = preset::plant(&self.session, context, cookies, start, driver.choice()).await;
        let planted_before = pass
            .run
            .consent
            .iter()
            .any(|c| c.detected_by.iter().any(|d| d == preset::DETECTED_BY));
        if planted_before {
            return;
        }
        if record.outcome == ConsentOutcome::Verified {
            driver.mark_answered();
        }
        pass.run.consent.push(record);
    }
}

/// Visits `url` in the tab of `slot`, opening one first when the slot is empty; a tab the
/// visit broke is closed and the slot emptied.
#[allow(clippy::too_many_arguments)]
async fn visit_one(
    session: &BrowserSession,
    timing: VisitTiming,
    context: &BrowserContextId,
    slot: &mut Option<Tab>,
    url: &Url,
    gate: ScopeGate,
    consent: Option<(&ConsentDriver, bool)>,
    compare_renders: bool,
) -> VisitResult {
    if slot.is_none() {
        let page = session.new_page(context).await?;
        *slot = Some(
            Tab::open(page, gate, timing)
                .await
                .map_err(|e| session.classify(e))?,
        );
    }
    let tab = slot.as_ref().expect("tab was just opened");
    let visit = page::visit_page(tab, url, session, context, consent, compare_renders)
        .await
        .map_err(|e| match e {
            BrowserError::Gone(_) => e,
            other => session.classify(other),
        });
    let replace = match &visit {
        Ok(v) => v.visit.tab_broken || tab.worn_out(),
        Err(_) => true,
    };
    if replace && let Some(tab) = slot.take() {
        tab.close().await;
    }
    visit
}

/// What a journaled visit tells the resumed pass: the jar it left (the latest wins), and that
/// the banner was answered.
fn note_replayed(pass: &mut Pass, driver: Option<&ConsentDriver>, result: &VisitResult) {
    let Ok(visit) = result else {
        return;
    };
    let read_at = visit.visit.captured.jar_read_at;
    if pass.restore.as_ref().is_none_or(|(at, _)| read_at >= *at) {
        pass.restore = Some((read_at, visit.visit.captured.jar.clone()));
    }
    if let (Some(driver), Some(consent)) = (driver, &visit.consent)
        && consent.outcome == ConsentOutcome::Verified
    {
        driver.mark_answered();
    }
}

/// How a pass's context was made usable.
enum Revived {
    AsItWas,
    /// The browser was relaunched: the pass's tabs died with it.
    Relaunched,
}

/// Why a pass's context could not be made usable.
#[derive(Debug, thiserror::Error)]
enum Unrevived {
    #[error(
        "the browser died {MAX_BROWSER_RESTARTS} times in this pass; it was not relaunched again"
    )]
    GaveUp,
    #[error("{0}")]
    Failed(String),
}

/// What a tab visits in the streaming pass: the page taken `n`th, or a page ahead of the merge.
enum Target {
    Page(usize),
    Ahead(QueuedPage),
}

/// Pages visited ahead of the merge, by page key: queued, in flight (with the position the
/// frontier took it at, once it did) or finished and waiting to be taken.
#[derive(Default)]
struct Ahead {
    queue: VecDeque<QueuedPage>,
    known: HashSet<String>,
    in_flight: HashMap<String, Option<usize>>,
    done: HashMap<String, VisitResult>,
}

impl Ahead {
    /// Queues a page to visit ahead, found at `depth` (a guess: the frontier decides).
    fn offer(&mut self, url: Url, depth: u32) {
        if self.known.insert(page_key(&url)) {
            self.queue.push_back(QueuedPage {
                url,
                depth,
                via: Via::Start,
            });
        }
    }

    /// The next page to visit ahead, passing over those `settled` (the frontier has seen them
    /// since, or the resumed scan's journal holds them), while fewer are pending than `room`
    /// (what the budget may still take).
    fn next(&mut self, settled: impl Fn(&Url) -> bool, room: usize) -> Option<QueuedPage> {
        if self.in_flight.len() + self.done.len() >= room {
            return None;
        }
        while let Some(page) = self.queue.pop_front() {
            if !settled(&page.url) {
                self.in_flight.insert(page_key(&page.url), None);
                return Some(page);
            }
        }
        None
    }

    /// The frontier took `url` at position `seq`: Some(result) when it was visited ahead
    /// (Some(None) while that visit is still in flight: its result goes to `seq` when it
    /// finishes), None when it must be visited now.
    fn take(&mut self, url: &Url, seq: usize) -> Option<Option<VisitResult>> {
        let key = page_key(url);
        if let Some(result) = self.done.remove(&key) {
            return Some(Some(result));
        }
        let taken = self.in_flight.get_mut(&key)?;
        *taken = Some(seq);
        Some(None)
    }

    /// A visit ahead finished: the position the frontier took it at, if it did.
    fn finished(&mut self, url: &Url) -> Option<usize> {
        self.in_flight.remove(&page_key(url)).flatten()
    }

    /// Keeps a finished visit ahead until the frontier takes it.
    fn keep(&mut self, url: &Url, result: VisitResult) {
        self.done.insert(page_key(url), result);
    }
}

/// The progress event of a visit done.
fn page_done(url: &Url, result: &VisitResult) -> ScanEvent {
    ScanEvent::PageDone {
        url: url.to_string(),
        outcome: result
            .as_ref()
            .map_or(PageOutcome::Failed, |v| v.visit.outcome),
    }
}
