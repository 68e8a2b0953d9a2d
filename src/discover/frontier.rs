//! The breadth-first page queue.
//!
//! The crawler visits one depth level at a time and offers the links found in a fixed order
//! (the level's pages in order, each page's links in order), so the frontier only has to
//! keep insertion order for the whole crawl to be deterministic, whatever the timing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use url::Url;

use super::normalize::{normalize, page_key, query_free};
use super::scope::{Scope, ScopeDecision};
pub use crate::model::Via;

/// A page waiting to be visited.
#[derive(Debug, Clone)]
pub struct QueuedPage {
    /// Normalised URL.
    pub url: Url,
    /// Link distance from the start page (the start page is 0).
    pub depth: u32,
    /// How it was found.
    pub via: Via,
}

/// The crawl budget.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most pages ever queued, the start page included.
    pub max_pages: usize,
    /// Deepest link level queued; `None` for no limit.
    pub max_depth: Option<u32>,
    /// Most distinct query-string URLs queued per `host/path`.
    pub max_query_variants: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pages: 200,
            max_depth: None,
            max_query_variants: 10,
        }
    }
}

/// Outcome of [`Frontier::offer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// Accepted; it will be returned by a later [`Frontier::take_level`].
    Queued,
    /// Already queued or visited (http/https and tracking-parameter variants included).
    Duplicate,
    /// Not http(s), or outside the site/host.
    OutOfScope,
    /// Refused by the user's scope rules; the string says which.
    Excluded(String),
    /// robots.txt disallows it.
    DisallowedByRobots,
    /// Deeper than `max_depth`.
    TooDeep,
    /// Its path already has `max_query_variants` query-string variants queued.
    QueryVariantLimit,
    /// `max_pages` pages are already queued.
    PageLimit,
}

impl Offer {
    /// Why a URL offered with this outcome was not visited, as the scan records it.
    pub fn skip_reason(&self) -> String {
        match self {
            Offer::Queued => "queued".into(),
            Offer::Duplicate => "already queued or visited".into(),
            Offer::OutOfScope => "outside the scanned site".into(),
            Offer::Excluded(reason) => reason.clone(),
            Offer::DisallowedByRobots => "disallowed by robots.txt".into(),
            Offer::TooDeep => "deeper than --max-depth".into(),
            Offer::QueryVariantLimit => "query-string variant limit reached for this path".into(),
            Offer::PageLimit => "page limit (--max-pages) reached".into(),
        }
    }
}

/// A refusal remembered for the report.
#[derive(Debug)]
struct Skip {
    key: String,
    url: String,
    offer: Offer,
}

/// Breadth-first, deterministic queue of pages to visit, with de-duplication and budget.
#[derive(Debug)]
pub struct Frontier {
    scope: Scope,
    limits: Limits,
    /// Page keys queued or marked seen.
    seen: HashSet<String>,
    /// Pending pages by depth, each level in insertion order.
    pending: BTreeMap<u32, VecDeque<QueuedPage>>,
    queued_total: usize,
    /// Query-string URLs queued per `query_free` key.
    query_variants: HashMap<String, usize>,
    skipped: Vec<Skip>,
    skipped_keys: HashSet<String>,
}

impl Frontier {
    /// An empty frontier; offer the start URL with depth 0 and [`Via::Start`].
    pub fn new(scope: Scope, limits: Limits) -> Frontier {
        Frontier {
            scope,
            limits,
            seen: HashSet::new(),
            pending: BTreeMap::new(),
            queued_total: 0,
            query_variants: HashMap::new(),
            skipped: Vec::new(),
            skipped_keys: HashSet::new(),
        }
    }

    /// The scope URLs are checked against.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The budget in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Offers a URL found at `depth`; `robots_allowed` is the caller's robots.txt verdict
    /// for the URL's origin. Only a `Queued` URL is remembered, so a refused one may be
    /// offered again and is refused again.
    pub fn offer(&mut self, url: &Url, depth: u32, via: Via, robots_allowed: bool) -> Offer {
        let Some(url) = normalize(url) else {
            return Offer::OutOfScope;
        };
        let key = page_key(&url);
        // Before the limits: a page already taken care of is a duplicate, not a budget cut.
        if self.seen.contains(&key) {
            return Offer::Duplicate;
        }
        match self.scope.decide(&url) {
            ScopeDecision::Crawl => {}
            ScopeDecision::OutOfScope => return Offer::OutOfScope,
            ScopeDecision::Excluded(reason) => return Offer::Excluded(reason),
        }
        let variants_key = url.query().is_some().then(|| query_free(&url));
        let refusal = if !robots_allowed {
            Some(Offer::DisallowedByRobots)
        } else if self.limits.max_depth.is_some_and(|max| depth > max) {
            Some(Offer::TooDeep)
        } else if variants_key.as_ref().is_some_and(|k| {
            self.query_variants.get(k).copied().unwrap_or(0) >= self.limits.max_query_variants
        }) {
            Some(Offer::QueryVariantLimit)
        } else if self.queued_total >= self.limits.max_pages {
            Some(Offer::PageLimit)
        } else {
            None
        };
        if let Some(offer) = refusal {
            if self.skipped_keys.insert(key.clone()) {
                self.skipped.push(Skip {
                    key,
                    url: url.into(),
                    offer: offer.clone(),
                });
            }
            return offer;
        }
        if let Some(k) = variants_key {
            *self.query_variants.entry(k).or_default() += 1;
        }
        self.seen.insert(key);
        self.queued_total += 1;
        self.pending
            .entry(depth)
            .or_default()
            .push_back(QueuedPage { url, depth, via });
        Offer::Queued
    }

    /// Records `url` as visited without queueing it (a redirect target reached from another
    /// page), so later links to it are duplicates; it does not count toward `max_pages`.
    pub fn mark_seen(&mut self, url: &Url) {
        if normalize(url).is_some() {
            self.seen.insert(page_key(url));
        }
    }

    /// Whether `url` (normalised) was queued or marked seen.
    pub fn is_seen(&self, url: &Url) -> bool {
        self.seen.contains(&page_key(url))
    }

    /// Removes and returns all pending pages of the lowest pending depth, in insertion
    /// order; empty when the crawl is done.
    pub fn take_level(&mut self) -> Vec<QueuedPage> {
        self.pending
            .pop_first()
            .map(|(_, pages)| pages.into())
            .unwrap_or_default()
    }

    /// Removes and returns the next pending page: the lowest pending depth first, each depth
    /// in insertion order. Taken one by one, pages come in the order `take_level` gives them.
    pub fn take_next(&mut self) -> Option<QueuedPage> {
        let mut level = self.pending.first_entry()?;
        let page = level.get_mut().pop_front();
        if level.get().is_empty() {
            level.remove();
        }
        page
    }

    /// Number of pages waiting in all levels.
    pub fn pending(&self) -> usize {
        self.pending.values().map(VecDeque::len).sum()
    }

    /// Pages ever queued (not counting [`Frontier::mark_seen`]).
    pub fn queued_total(&self) -> usize {
        self.queued_total
    }

    /// URLs the budget or robots.txt cut, with the first reason, in the order refused.
    /// Scope refusals are not listed: they are not pages of the site being inventoried.
    pub fn skipped(&self) -> Vec<(String, Offer)> {
        self.skipped
            .iter()
            // A URL refused once (say too deep) may have been queued later via a shorter path.
            .filter(|skip| !self.seen.contains(&skip.key))
            .map(|skip| (skip.url.clone(), skip.offer.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::scope::ScopeRules;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn frontier(limits: Limits) -> Frontier {
        let start = u("https://www.shop.test/");
        Frontier::new(Scope::new(&start, ScopeRules::default()), limits)
    }

    fn link(from: &str) -> Via {
        Via::Link {
            from: from.to_owned(),
        }
    }

    fn urls(level: &[QueuedPage]) -> Vec<String> {
        level.iter().map(|p| p.url.to_string()).collect()
    }

    /// Offers the links `site` lists for `page`, one level deeper.
    fn offer_links(frontier: &mut Frontier, site: &[(&str, &[&str])], page: &QueuedPage) {
        let links = site
            .iter()
            .find(|(path, _)| *path == page.url.path())
            .map(|(_, links)| *links)
            .unwrap_or_default();
        for href in links {
            let target = page.url.join(href).unwrap();
            frontier.offer(&target, page.depth + 1, link(page.url.as_str()), true);
        }
    }

    /// A tiny site: each page links to the listed paths.
    fn crawl(site: &[(&str, &[&str])], limits: Limits) -> (Vec<Vec<String>>, Frontier) {
        let mut frontier = frontier(limits);
        frontier.offer(&u("https://www.shop.test/"), 0, Via::Start, true);
        let mut levels = Vec::new();
        loop {
            let level = frontier.take_level();
            if level.is_empty() {
                break;
            }
            for page in &level {
                offer_links(&mut frontier, site, page);
            }
            levels.push(urls(&level));
        }
        (levels, frontier)
    }

    const SITE: &[(&str, &[&str])] = &[
        (
            "/",
            &[
                "/b",
                "/a",
                "https://cdn.shop.test/c",
                "/b#x",
                "https://other.test/",
            ],
        ),
        ("/b", &["/b/1", "/", "/a"]),
        ("/a", &["/a/1", "/b/1"]),
        ("/b/1", &["/deep"]),
    ];

    /// Pages taken one at a time, each one's links offered as it is taken (as the crawl
    /// merges visits in order): the same pages in the same order as level by level.
    #[test]
    fn one_page_at_a_time_is_the_same_crawl_as_level_by_level() {
        for max_pages in [3, 5, 100] {
            let limits = Limits {
                max_pages,
                ..Limits::default()
            };
            let (levels, _) = crawl(SITE, limits.clone());
            let mut frontier = frontier(limits);
            frontier.offer(&u("https://www.shop.test/"), 0, Via::Start, true);
            let mut taken = Vec::new();
            while let Some(page) = frontier.take_next() {
                offer_links(&mut frontier, SITE, &page);
                taken.push(page.url.to_string());
            }
            assert_eq!(taken, levels.concat(), "max_pages {max_pages}");
        }
    }

    #[test]
    fn breadth_first_in_offer_order() {
        let (levels, mut frontier) = crawl(SITE, Limits::default());
        assert_eq!(
            levels,
            vec![
                vec!["https://www.shop.test/"],
                vec![
                    "https://www.shop.test/b",
                    "https://www.shop.test/a",
                    "https://cdn.shop.test/c"
                ],
                vec!["https://www.shop.test/b/1", "https://www.shop.test/a/1"],
                vec!["https://www.shop.test/deep"],
            ]
        );
        assert_eq!(frontier.queued_total(), 7);
        assert!(frontier.take_level().is_empty());
    }

    #[test]
    fn deterministic() {
        let (first, _) = crawl(SITE, Limits::default());
        for _ in 0..20 {
            assert_eq!(crawl(SITE, Limits::default()).0, first);
        }
    }

    #[test]
    fn level_keeps_depth_and_via() {
        let mut f = frontier(Limits::default());
        f.offer(&u("https://www.shop.test/"), 0, Via::Start, true);
        let start = f.take_level();
        assert_eq!(start[0].depth, 0);
        assert_eq!(start[0].via, Via::Start);
        let sitemap = Via::Sitemap {
            sitemap: "https://www.shop.test/sitemap.xml".to_owned(),
        };
        f.offer(&u("https://www.shop.test/x"), 1, sitemap.clone(), true);
        assert_eq!(f.pending(), 1);
        let level = f.take_level();
        assert_eq!((level[0].depth, &level[0].via), (1, &sitemap));
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn http_https_and_tracking_variants_are_duplicates() {
        let mut f = frontier(Limits::default());
        let offers = [
            ("https://www.shop.test/p?b=2&a=1", Offer::Queued),
            ("http://www.shop.test/p?a=1&b=2", Offer::Duplicate),
            (
                "https://WWW.shop.test:443/p?a=1&utm_source=x&b=2#top",
                Offer::Duplicate,
            ),
            ("https://www.shop.test/p", Offer::Queued),
        ];
        for (url, expected) in offers {
            assert_eq!(f.offer(&u(url), 1, link("x"), true), expected, "{url}");
        }
        assert_eq!(f.queued_total(), 2);
    }

    #[test]
    fn scope_refusals_are_not_remembered() {
        let mut f = frontier(Limits::default());
        let out = u("https://tracker.test/pixel");
        assert_eq!(f.offer(&out, 1, link("x"), true), Offer::OutOfScope);
        assert_eq!(f.offer(&out, 1, link("x"), true), Offer::OutOfScope);
        assert_eq!(
            f.offer(&u("mailto:a@shop.test"), 1, link("x"), true),
            Offer::OutOfScope
        );
        assert!(f.skipped().is_empty());

        let rules = ScopeRules {
            path_prefix: Some("/shop".to_owned()),
            ..ScopeRules::default()
        };
        let mut f = Frontier::new(
            Scope::new(&u("https://www.shop.test/shop"), rules),
            Limits::default(),
        );
        assert_eq!(
            f.offer(&u("https://www.shop.test/blog"), 1, link("x"), true),
            Offer::Excluded("outside path prefix /shop".to_owned())
        );
        assert_eq!(f.scope().site(), "shop.test");
    }

    #[test]
    fn infinite_calendar_is_capped() {
        let mut f = frontier(Limits {
            max_pages: 10_000,
            ..Limits::default()
        });
        let mut queued = 0;
        let mut capped = 0;
        for month in 0..1000 {
            let url = u(&format!("https://www.shop.test/calendar?month={month}"));
            match f.offer(&url, 1, link("x"), true) {
                Offer::Queued => queued += 1,
                Offer::QueryVariantLimit => capped += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((queued, capped), (10, 990));
        // The query-less page is not a variant, and other paths have their own budget.
        let plain = u("https://www.shop.test/calendar");
        assert_eq!(f.offer(&plain, 1, link("x"), true), Offer::Queued);
        let other = u("https://www.shop.test/search?q=1");
        assert_eq!(f.offer(&other, 1, link("x"), true), Offer::Queued);
        // Re-offering an accepted variant is still reported as a duplicate.
        let first = u("https://www.shop.test/calendar?month=0");
        assert_eq!(f.offer(&first, 2, link("x"), true), Offer::Duplicate);

        let skipped = f.skipped();
        assert_eq!(skipped.len(), 990);
        assert_eq!(
            skipped[0],
            (
                "https://www.shop.test/calendar?month=10".to_owned(),
                Offer::QueryVariantLimit
            )
        );
    }

    #[test]
    fn page_limit() {
        let mut f = frontier(Limits {
            max_pages: 3,
            ..Limits::default()
        });
        let results: Vec<Offer> = (0..5)
            .map(|i| {
                f.offer(
                    &u(&format!("https://www.shop.test/{i}")),
                    1,
                    link("x"),
                    true,
                )
            })
            .collect();
        assert_eq!(
            results,
            [
                Offer::Queued,
                Offer::Queued,
                Offer::Queued,
                Offer::PageLimit,
                Offer::PageLimit
            ]
        );
        assert_eq!(
            f.offer(&u("https://www.shop.test/0"), 1, link("x"), true),
            Offer::Duplicate
        );
        // Refused twice, listed once.
        assert_eq!(
            f.offer(&u("https://www.shop.test/4"), 1, link("x"), true),
            Offer::PageLimit
        );
        assert_eq!(
            f.skipped(),
            vec![
                ("https://www.shop.test/3".to_owned(), Offer::PageLimit),
                ("https://www.shop.test/4".to_owned(), Offer::PageLimit),
            ]
        );
        assert_eq!(f.queued_total(), 3);
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: Some(1),
            ..Limits::default()
        };
        let (levels, frontier) = crawl(SITE, limits);
        assert_eq!(levels.len(), 2);
        let skipped = frontier.skipped();
        assert_eq!(
            skipped,
            vec![
                ("https://www.shop.test/b/1".to_owned(), Offer::TooDeep),
                ("https://www.shop.test/a/1".to_owned(), Offer::TooDeep),
            ]
        );
    }

    #[test]
    fn shallower_offer_after_too_deep_leaves_skipped() {
        let mut f = frontier(Limits {
            max_depth: Some(1),
            ..Limits::default()
        });
        let url = u("https://www.shop.test/x");
        assert_eq!(f.offer(&url, 2, link("a"), true), Offer::TooDeep);
        assert_eq!(f.offer(&url, 1, link("b"), true), Offer::Queued);
        assert!(f.skipped().is_empty());
    }

    #[test]
    fn robots_refusal() {
        let mut f = frontier(Limits::default());
        let private = u("https://www.shop.test/private");
        assert_eq!(
            f.offer(&private, 1, link("x"), false),
            Offer::DisallowedByRobots
        );
        assert_eq!(f.queued_total(), 0);
        assert_eq!(
            f.skipped(),
            vec![(
                "https://www.shop.test/private".to_owned(),
                Offer::DisallowedByRobots
            )]
        );
        // Out of scope wins over robots: another site's robots.txt is not ours to report.
        assert_eq!(
            f.offer(&u("https://other.test/"), 1, link("x"), false),
            Offer::OutOfScope
        );
    }

    #[test]
    fn redirect_target_marked_seen() {
        let mut f = frontier(Limits {
            max_pages: 2,
            ..Limits::default()
        });
        assert_eq!(
            f.offer(&u("https://www.shop.test/old"), 0, Via::Start, true),
            Offer::Queued
        );
        // Visiting /old redirected to /new: later links to /new are duplicates.
        f.mark_seen(&u("http://www.shop.test/new#x"));
        assert!(f.is_seen(&u("https://www.shop.test/new")));
        assert_eq!(
            f.offer(&u("https://www.shop.test/new"), 1, link("x"), true),
            Offer::Duplicate
        );
        assert_eq!(f.queued_total(), 1);
        assert_eq!(
            f.offer(&u("https://www.shop.test/other"), 1, link("x"), true),
            Offer::Queued
        );
        f.mark_seen(&u("mailto:a@shop.test"));
    }

    #[test]
    fn via_serializes_with_kind_tag() {
        let via = Via::Redirect {
            from: "https://www.shop.test/old".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&via).unwrap(),
            r#"{"kind":"redirect","from":"https://www.shop.test/old"}"#
        );
        assert_eq!(
            serde_json::to_string(&Via::Start).unwrap(),
            r#"{"kind":"start"}"#
        );
    }
}
