//! URL normalisation and scope decisions. Input: three lines, the crawl's start URL, the page
//! URL (absolute, or relative to the start) and an `href` found on that page.
//!
//! Beyond "no panic": normalisation is idempotent, keeps http(s) only, drops the fragment and
//! every session id; a resolved link is already normal; the registrable domain is stable; and
//! a URL in host scope is always in site scope.

#![no_main]

use cookiescan::discover::{
    Scope, ScopeDecision, ScopeMode, ScopeRules, normalize, page_key, query_free,
    registrable_domain, resolve_link, session_params,
};
use libfuzzer_sys::fuzz_target;
use url::Url;

fn check_normal(url: &Url) {
    let Some(normal) = normalize(url) else {
        return;
    };
    assert_eq!(
        normalize(&normal).as_ref(),
        Some(&normal),
        "not idempotent: {url}"
    );
    assert!(matches!(normal.scheme(), "http" | "https"), "{normal}");
    assert_eq!(normal.fragment(), None, "{normal}");
    assert!(
        session_params(&normal).is_empty(),
        "a session id survives normalisation: {url} -> {normal}"
    );
    assert_eq!(page_key(url), page_key(&normal), "{url}");
    let _ = query_free(&normal);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let (start, page, href) = (
        lines.next().unwrap_or(""),
        lines.next().unwrap_or(""),
        lines.next().unwrap_or(""),
    );
    let start =
        Url::parse(start).unwrap_or_else(|_| Url::parse("https://www.example.com/").unwrap());
    let page = Url::parse(page)
        .or_else(|_| start.join(page))
        .unwrap_or_else(|_| start.clone());
    check_normal(&start);
    check_normal(&page);

    if let Some(host) = page.host_str() {
        let domain = registrable_domain(host);
        assert_eq!(registrable_domain(&domain), domain, "not stable for {host}");
    }

    let site = Scope::new(&start, ScopeRules::default());
    let host = Scope::new(
        &start,
        ScopeRules {
            mode: ScopeMode::Host,
            ..ScopeRules::default()
        },
    );
    let mut urls = vec![page.clone()];
    if let Some(link) = resolve_link(&page, href) {
        assert_eq!(
            normalize(&link).as_ref(),
            Some(&link),
            "a resolved link is not normal"
        );
        check_normal(&link);
        urls.push(link);
    }
    for url in &urls {
        let in_site = site.decide(url);
        if host.decide(url) == ScopeDecision::Crawl {
            assert_eq!(
                in_site,
                ScopeDecision::Crawl,
                "in host scope but not in site scope: {url}"
            );
        }
    }
});
