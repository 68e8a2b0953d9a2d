//! The per-category passes: for a site whose banner the accept pass answered through a
//! platform whose rule can grant one category alone, each of the site's optional categories is
//! granted alone, through the platform's own API, in a fresh browser context, on the pages
//! where the accept pass found gated cookies (not the whole site again). The jar after the
//! last page is what that category brings; the platform's own consent state, read after the
//! grant and again after the last page, proves that this category and no other was granted.
//! `classify::infer` turns the passes into categories.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use futures::StreamExt;
use url::Url;

use super::{Crawler, ScanEvent, page};
use crate::browser::{BrowserError, Tab};
use crate::consent::rules::Categories;
use crate::model::{
    Category, CategoryPass, ConsentOutcome, CookieKey, CookieRecord, Mode, ModeRun,
};

/// Pages a category pass visits at most, unless the settings say otherwise.
pub const DEFAULT_CATEGORY_PAGES: usize = 10;

/// Whether and how far to run the per-category passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategorySettings {
    /// Off skips them; on runs them where the platform and the evidence allow.
    pub enabled: bool,
    /// Most pages each pass visits.
    pub max_pages: usize,
}

impl Default for CategorySettings {
    fn default() -> CategorySettings {
        CategorySettings {
            enabled: true,
            max_pages: DEFAULT_CATEGORY_PAGES,
        }
    }
}

/// How often the platform's state is read while waiting for it.
const POLL: Duration = Duration::from_millis(100);

/// One of the site's categories, as its platform lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct SiteCategory {
    id: String,
    #[serde(default)]
    label: String,
}

/// What the passes need from the mode passes: the platform that answered "accept all", and
/// the pages where cookies appeared that only accepting brought.
pub(super) struct Plan<'r> {
    platform: String,
    rule: &'r Categories,
    pages: Vec<Url>,
}

impl<'r> Plan<'r> {
    /// The plan, or None when there is nothing to learn or no way to learn it: the passes are
    /// off, no accept pass proved its choice through a platform with granular rules, or no
    /// cookie came with accepting alone.
    pub(super) fn make(
        settings: &'r super::ScanSettings,
        runs: &[ModeRun],
        cookies: &[CookieRecord],
    ) -> Option<Plan<'r>> {
        if !settings.categories.enabled || settings.categories.max_pages == 0 {
            return None;
        }
        let accept = runs.iter().find(|r| r.mode == Mode::Accept)?;
        let answered = accept.consent.first()?;
        if answered.outcome != ConsentOutcome::Verified {
            return None;
        }
        let platform = answered.platform.clone()?;
        let rule = settings.consent_rules.get(&platform)?.categories.as_ref()?;
        let others: BTreeSet<Mode> = runs
            .iter()
            .map(|r| r.mode)
            .filter(|m| *m != Mode::Accept)
            .collect();
        if others.is_empty() {
            // Without a pass before consent or after refusing, nothing is known to be gated.
            return None;
        }
        let gated_pages: BTreeSet<&str> = cookies
            .iter()
            .filter(|c| {
                c.modes.contains(&Mode::Accept) && !c.modes.iter().any(|m| others.contains(m))
            })
            .filter_map(|c| c.pages_by_mode.get(&Mode::Accept))
            .flatten()
            .map(String::as_str)
            .collect();
        // The accept pass's order (by depth, then URL), so the start page comes first.
        let pages: Vec<Url> = accept
            .pages
            .iter()
            .filter(|p| gated_pages.contains(p.url.as_str()))
            .filter_map(|p| Url::parse(&p.url).ok())
            .take(settings.categories.max_pages)
            .collect();
        if pages.is_empty() {
            return None;
        }
        Some(Plan {
            platform,
            rule,
            pages,
        })
    }
}

/// A context with a tab on the first page of the plan, the platform ready on it.
struct Opened {
    context: BrowserContextId,
    tab: Tab,
    /// The categories the platform lists; None when it never became ready.
    listed: Option<Vec<SiteCategory>>,
}

impl Crawler<'_> {
    /// Runs every pass of the plan, side by side up to the scan's tab count, each category in
    /// a context of its own, from a fresh jar (the first context also lists the categories).
    /// Returns the passes, sorted by category id, the time each took (keyed by id) and the
    /// wall-clock time of them all.
    pub(super) async fn category_passes(
        &mut self,
        plan: &Plan<'_>,
    ) -> (Vec<CategoryPass>, Vec<(String, u64)>, u64) {
        let clock = Instant::now();
        let (context, first) = self.open_ready(plan).await;
        let mut contexts: Vec<BrowserContextId> = context.into_iter().collect();
        let first = match first {
            Ok(first) => first,
            Err(error) => {
                tracing::warn!("no per-category pass: {error}");
                self.dispose(contexts, Vec::new()).await;
                return (Vec::new(), Vec::new(), super::elapsed_ms(clock));
            }
        };
        let mut categories: Vec<(SiteCategory, Category)> = Vec::new();
        for category in first.listed.clone().unwrap_or_default() {
            let ours = plan
                .rule
                .category_of(&category.id, &category.label)
                .unwrap_or(Category::Unclassified);
            let known = categories.iter().any(|(c, _)| c.id == category.id);
            if !category.id.is_empty() && !known && ours != Category::Necessary {
                categories.push((category, ours));
            }
        }
        if !categories.is_empty() {
            (self.observer)(&ScanEvent::CategoryPassesStarted {
                labels: categories.iter().map(|(c, _)| display_label(c)).collect(),
                pages: plan.pages.len(),
            });
        }
        // The first category runs in the listing context; the others open their own.
        let first = std::sync::Mutex::new(Some(first));
        let width = self.settings.concurrency.get().min(categories.len()).max(1);
        let this = &*self;
        let runs: Vec<Run> = futures::stream::iter(categories.iter())
            .map(|(category, ours)| this.run_one(plan, category, *ours, &first))
            .buffer_unordered(width)
            .collect()
            .await;
        let mut passes = Vec::new();
        let mut times = Vec::new();
        let mut tabs = Vec::new();
        for run in runs {
            contexts.extend(run.context);
            tabs.extend(run.tab);
            if let Some((pass, time)) = run.pass {
                passes.push(pass);
                times.push(time);
            }
        }
        if let Some(unused) = first.into_inner().expect("first context") {
            tabs.push(unused.tab);
        }
        self.dispose(contexts, tabs).await;
        passes.sort_by(|a, b| a.category_id.cmp(&b.category_id));
        (passes, times, super::elapsed_ms(clock))
    }

    /// One category's pass: in the listing context when it is still free, else in a fresh one.
    /// A browser that fails under it makes it a failed pass, with the error.
    async fn run_one(
        &self,
        plan: &Plan<'_>,
        category: &SiteCategory,
        ours: Category,
        first: &std::sync::Mutex<Option<Opened>>,
    ) -> Run {
        let clock = Instant::now();
        let taken = first.lock().expect("first context").take();
        let (context, opened) = match taken {
            Some(opened) => (None, Ok(opened)),
            None if self.stopped() => return Run::default(),
            None => self.open_ready(plan).await,
        };
        let (pass, tab) = match opened {
            Ok(opened) => (
                self.grant_and_visit(plan, category, ours, &opened).await,
                Some(opened.tab),
            ),
            Err(error) => (Err(error), None),
        };
        let pass = pass.unwrap_or_else(|error| CategoryPass {
            verification: Some(format!("the browser failed: {error}")),
            ..unproven(plan, category, ours)
        });
        Run {
            context,
            tab,
            pass: Some((pass, (category.id.clone(), super::elapsed_ms(clock)))),
        }
    }

    /// A fresh context on the plan's first page, waiting (as long as a late banner is waited
    /// for) until the platform lists its categories. The context, once made, is the caller's
    /// to dispose whatever came of the rest.
    async fn open_ready(
        &self,
        plan: &Plan<'_>,
    ) -> (Option<BrowserContextId>, Result<Opened, BrowserError>) {
        let context = match self.session.new_context().await {
            Ok(context) => context,
            Err(error) => return (None, Err(error)),
        };
        let opened = async {
            let page = self.session.new_page(&context).await?;
            let tab = Tab::open(page, self.gate(), self.settings.timing).await?;
            tab.load(&plan.pages[0]).await?;
            let listed = self
                .poll(&tab, &plan.rule.list, |value| {
                    serde_json::from_value::<Vec<SiteCategory>>(value.clone()).ok()
                })
                .await;
            Ok(Opened {
                context: context.clone(),
                tab,
                listed,
            })
        }
        .await;
        (Some(context), opened)
    }

    async fn dispose(&mut self, contexts: Vec<BrowserContextId>, tabs: Vec<Tab>) {
        for tab in tabs {
            tab.close().await;
        }
        for context in contexts {
            self.session.dispose_context(context).await;
        }
    }

    /// Reads `expression` until `accept` takes its value, for as long as a late banner is
    /// waited for; the last value it took, or None.
    async fn poll<T>(
        &self,
        tab: &Tab,
        expression: &str,
        accept: impl Fn(&serde_json::Value) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + self.settings.consent_timing.find_banner;
        loop {
            if let Some(value) = tab.evaluate_in(&tab.top_frame(), expression).await
                && let Some(taken) = accept(&value)
            {
                return Some(taken);
            }
            if Instant::now() >= deadline || tab.is_unresponsive() {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Grants one category alone, proves it from the platform's state, visits the plan's pages
    /// and proves it again; the jar after the last page is what the category brought.
    async fn grant_and_visit(
        &self,
        plan: &Plan<'_>,
        category: &SiteCategory,
        ours: Category,
        opened: &Opened,
    ) -> Result<CategoryPass, BrowserError> {
        let tab = &opened.tab;
        let mut pass = unproven(plan, category, ours);
        let script = plan.rule.grant_script(&category.id);
        if tab.evaluate_in(&tab.top_frame(), &script).await.is_none() {
            pass.verification = Some("the grant threw: the platform refused it".into());
            return Ok(pass);
        }
        // Proven only by a list holding this category and no other: polled until it does.
        let alone =
            |value: &serde_json::Value| granted_alone(value, &category.id).filter(|yes| *yes);
        let after_grant = self.poll(tab, &plan.rule.granted, alone).await;
        if after_grant.is_none() {
            pass.outcome = ConsentOutcome::Unverified;
            pass.verification = Some(format!(
                "after the grant the platform's state did not show {:?} alone",
                category.id
            ));
            return Ok(pass);
        }
        tab.settle_from_now().await;
        for url in &plan.pages {
            if self.stopped() {
                break;
            }
            let visit =
                page::visit_page(tab, url, &self.session, &opened.context, None, false).await?;
            if visit.visit.outcome == crate::model::PageOutcome::Ok {
                pass.pages.push(url.to_string());
            }
        }
        // Polled too: a platform may answer through a callback (the TCF's) on a new document.
        let still = self.poll(tab, &plan.rule.granted, alone).await;
        let mut cookies: Vec<CookieKey> = self
            .session
            .cookies(&opened.context)
            .await?
            .into_iter()
            .map(|c| c.key)
            .collect();
        cookies.sort();
        cookies.dedup();
        pass.cookies = cookies;
        if pass.pages.is_empty() {
            pass.verification = Some("no page of the pass loaded".into());
        } else if still == Some(true) {
            pass.outcome = ConsentOutcome::Verified;
            pass.verification = Some(format!(
                "the platform's consent state granted {:?} and no other optional category, after \
                 the grant and after the last page",
                category.id
            ));
        } else {
            pass.outcome = ConsentOutcome::Unverified;
            pass.verification = Some(format!(
                "after the last page the platform's state no longer showed {:?} alone",
                category.id
            ));
        }
        Ok(pass)
    }
}

/// What one category's pass leaves: the context it opened and its tab, to close, and the
/// pass with its time (None when the scan stopped before it began).
#[derive(Default)]
struct Run {
    context: Option<BrowserContextId>,
    tab: Option<Tab>,
    pass: Option<(CategoryPass, (String, u64))>,
}

/// A pass of `category` not yet run: failed until proven.
fn unproven(plan: &Plan<'_>, category: &SiteCategory, ours: Category) -> CategoryPass {
    CategoryPass {
        platform: plan.platform.clone(),
        category_id: category.id.clone(),
        label: category.label.clone(),
        category: ours,
        outcome: ConsentOutcome::Failed,
        granted_by: "the platform's API (categories.grant)".into(),
        verification: None,
        pages: Vec::new(),
        cookies: Vec::new(),
    }
}

/// Some(true) when the platform's granted list is exactly `id`, Some(false) when it is a list
/// that is not, None when it is no list yet (no choice stored).
fn granted_alone(value: &serde_json::Value, id: &str) -> Option<bool> {
    let ids: BTreeSet<&str> = value
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    Some(ids.len() == 1 && ids.contains(id))
}

/// The category as progress shows it: the label (or id) without control characters.
fn display_label(category: &SiteCategory) -> String {
    let text = if category.label.is_empty() {
        &category.id
    } else {
        &category.label
    };
    text.chars().filter(|c| !c.is_control()).take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_alone_means_exactly_that_category() {
        let read = |json: &str| granted_alone(&serde_json::from_str(json).unwrap(), "ads");
        assert_eq!(read(r#"["ads"]"#), Some(true));
        assert_eq!(read(r#"["ads","analytics"]"#), Some(false));
        assert_eq!(read("[]"), Some(false));
        assert_eq!(read("null"), None);
    }

    #[test]
    fn progress_never_shows_control_characters() {
        let hostile = SiteCategory {
            id: "x".into(),
            label: "Ads\u{1b}[2J\n".into(),
        };
        assert_eq!(display_label(&hostile), "Ads[2J");
    }
}
