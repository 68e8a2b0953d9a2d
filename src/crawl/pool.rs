//! The tab pool of a pass: up to `concurrency` tabs visit a batch of pages; a browser that
//! dies is relaunched (at most `MAX_BROWSER_RESTARTS` times a pass) and the pages it died on
//! are retried once, while pages never started are not charged a retry.

use std::sync::atomic::{AtomicUsize, Ordering};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use url::Url;

use super::page::{self, VisitResult};
use super::{Crawler, Pass, ScanEvent};
use crate::browser::{BrowserError, BrowserSession, ScopeGate, Tab};
use crate::consent::{ConsentDriver, preset};
use crate::discover::QueuedPage;
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
            if let Some(Ok(visit)) = &replayed {
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
            match replayed {
                Some(result) => {
                    (self.observer)(&ScanEvent::PageDone {
                        url: page.url.to_string(),
                        outcome: result
                            .as_ref()
                            .map_or(PageOutcome::Failed, |v| v.visit.outcome),
                    });
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

    /// Visits a batch of pages concurrently. When answering the banner on the pass's first
    /// pages may have granted consent the pass must refuse, the context is spoiled: it is
    /// thrown away and the batch visited again in a fresh one, where the banner is answered
    /// with the next strategy; spoiled again, a third context leaves it unanswered.
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
        while first && !self.stopped() && driver.start_over() {
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
                    let visit = self.visit_one(
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
                        (self.observer)(&ScanEvent::PageDone {
                            url: level[index].url.to_string(),
                            outcome: match &outcome {
                                Ok(visited) => visited.visit.outcome,
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
        compare_renders: bool,
    ) -> VisitResult {
        if slot.is_none() {
            let page = self.session.new_page(context).await?;
            *slot = Some(
                Tab::open(page, gate, self.settings.timing)
                    .await
                    .map_err(|e| self.session.classify(e))?,
            );
        }
        let tab = slot.as_ref().expect("tab was just opened");
        let visit = page::visit_page(tab, url, &self.session, context, consent, compare_renders)
            .await
            .map_err(|e| match e {
                BrowserError::Gone(_) => e,
                other => self.session.classify(other),
            });
        let broken = match &visit {
            Ok(v) => v.visit.tab_broken,
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
