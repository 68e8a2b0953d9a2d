//! Which URLs belong to the crawl: a pure decision, testable without a browser.

use std::net::IpAddr;

use regex::Regex;
use serde::{Deserialize, Serialize};
use url::Url;

/// Registrable domain (eTLD+1) of `host` per the full Public Suffix List, private section
/// included; IP addresses, `localhost` and hosts the list cannot split are returned as is.
///
/// Unknown TLDs fall under the list's implicit `*` rule, so `www.shop.test` → `shop.test`.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_matches('.').to_ascii_lowercase();
    let unbracketed = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || unbracketed.parse::<IpAddr>().is_ok() {
        return host;
    }
    match psl::domain_str(&host) {
        // `a..com` has an empty label where the registrable name should be: `.com` would be
        // no domain at all (and not its own registrable domain), so the host stays as is.
        Some(domain) if !domain.starts_with('.') => domain.to_owned(),
        _ => host,
    }
}

/// How far the crawl may wander from the start URL's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeMode {
    /// Any host with the start host's registrable domain (`shop.example.com` and
    /// `www.example.com` together).
    #[default]
    Site,
    /// Exactly the start URL's host.
    Host,
}

/// User-chosen limits on which URLs are crawled.
#[derive(Debug, Clone, Default)]
pub struct ScopeRules {
    /// Site or host scope.
    pub mode: ScopeMode,
    /// Only crawl paths starting with this prefix, e.g. `/shop/`.
    pub path_prefix: Option<String>,
    /// When non-empty, a URL must match at least one of these (full URL string).
    pub include: Vec<Regex>,
    /// A URL matching any of these (full URL string) is not crawled.
    pub exclude: Vec<Regex>,
}

/// Outcome of [`Scope::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeDecision {
    /// In scope: visit it.
    Crawl,
    /// Another site (or host, in host mode), or not http(s).
    OutOfScope,
    /// On the site but excluded by the user's rules; the string says which rule.
    Excluded(String),
}

/// The crawl's scope: the start URL's site plus the user's rules.
#[derive(Debug, Clone)]
pub struct Scope {
    start_host: String,
    site: String,
    rules: ScopeRules,
}

impl Scope {
    /// Builds the scope around the host of `start`.
    pub fn new(start: &Url, rules: ScopeRules) -> Scope {
        let start_host = start.host_str().unwrap_or_default().to_ascii_lowercase();
        let site = registrable_domain(&start_host);
        Scope {
            start_host,
            site,
            rules,
        }
    }

    /// Registrable domain of the start host, e.g. `example.com`.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// Host of the start URL, lower-cased.
    pub fn start_host(&self) -> &str {
        &self.start_host
    }

    /// The rules this scope applies.
    pub fn rules(&self) -> &ScopeRules {
        &self.rules
    }

    /// Whether `host` has the same registrable domain as the start host.
    pub fn is_same_site(&self, host: &str) -> bool {
        !host.is_empty() && registrable_domain(host) == self.site
    }

    /// Whether `url` should be crawled, and if not, why.
    pub fn decide(&self, url: &Url) -> ScopeDecision {
        if !matches!(url.scheme(), "http" | "https") {
            return ScopeDecision::OutOfScope;
        }
        let Some(host) = url.host_str() else {
            return ScopeDecision::OutOfScope;
        };
        let in_scope = match self.rules.mode {
            ScopeMode::Site => self.is_same_site(host),
            ScopeMode::Host => host.eq_ignore_ascii_case(&self.start_host),
        };
        if !in_scope {
            return ScopeDecision::OutOfScope;
        }
        if let Some(prefix) = &self.rules.path_prefix
            && !url.path().starts_with(prefix.as_str())
        {
            return ScopeDecision::Excluded(format!("outside path prefix {prefix}"));
        }
        let full = url.as_str();
        if let Some(pattern) = self.rules.exclude.iter().find(|re| re.is_match(full)) {
            return ScopeDecision::Excluded(format!(
                "matches exclude pattern {}",
                pattern.as_str()
            ));
        }
        if !self.rules.include.is_empty() && !self.rules.include.iter().any(|re| re.is_match(full))
        {
            return ScopeDecision::Excluded("matches no include pattern".to_owned());
        }
        ScopeDecision::Crawl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn re(s: &str) -> Regex {
        Regex::new(s).unwrap()
    }

    #[test]
    fn registrable_domain_table() {
        let cases = [
            ("www.example.com", "example.com"),
            ("WWW.Example.COM.", "example.com"),
            (".example.com", "example.com"),
            ("a.b.example.co.uk", "example.co.uk"),
            ("example.co.uk", "example.co.uk"),
            // Private section: each github.io user is its own site.
            ("alice.github.io", "alice.github.io"),
            ("www.alice.github.io", "alice.github.io"),
            ("github.io", "github.io"),
            // The test fixtures rely on the implicit `*` rule for `.test`.
            ("www.shop.test", "shop.test"),
            ("analytics.tracker.test", "tracker.test"),
            ("shop.test", "shop.test"),
            ("localhost", "localhost"),
            ("127.0.0.1", "127.0.0.1"),
            ("[::1]", "[::1]"),
            ("::1", "::1"),
            ("intranet", "intranet"),
            ("co.uk", "co.uk"),
        ];
        for (host, expected) in cases {
            assert_eq!(registrable_domain(host), expected, "host {host}");
        }
    }

    #[test]
    fn an_empty_label_before_the_suffix_is_no_registrable_domain() {
        // Found by fuzzing (fuzz/seeds/url_scope/empty-label.txt): `a..a` gave `.a`, whose own
        // registrable domain is `a`, so the site of such a host was not stable.
        for host in ["a..a", "www..com", "127...08000httpeohttps"] {
            let domain = registrable_domain(host);
            assert_eq!(domain, host);
            assert_eq!(registrable_domain(&domain), domain);
        }
        assert_eq!(registrable_domain("www..example.com"), "example.com");
    }

    #[test]
    fn accessors() {
        let scope = Scope::new(&u("https://WWW.Shop.test/start"), ScopeRules::default());
        assert_eq!(scope.site(), "shop.test");
        assert_eq!(scope.start_host(), "www.shop.test");
        assert!(scope.is_same_site("cdn.shop.test"));
        assert!(scope.is_same_site("shop.test"));
        assert!(!scope.is_same_site("tracker.test"));
        assert!(!scope.is_same_site(""));
    }

    #[test]
    fn decide_table() {
        let start = u("https://www.example.com/");
        let site = ScopeRules::default();
        let host = ScopeRules {
            mode: ScopeMode::Host,
            ..ScopeRules::default()
        };
        let prefix = ScopeRules {
            path_prefix: Some("/shop/".to_owned()),
            ..ScopeRules::default()
        };
        let exclude = ScopeRules {
            exclude: vec![re(r"/logout"), re(r"\.pdf$")],
            ..ScopeRules::default()
        };
        let include = ScopeRules {
            include: vec![re(r"/blog/"), re(r"/news/")],
            exclude: vec![re(r"/blog/drafts/")],
            ..ScopeRules::default()
        };
        use ScopeDecision::{Crawl, Excluded, OutOfScope};
        let excluded = |s: &str| Excluded(s.to_owned());
        let cases = [
            (&site, "https://www.example.com/a", Crawl),
            (&site, "http://www.example.com/a", Crawl),
            (&site, "https://shop.example.com/a", Crawl),
            (&site, "https://example.com:8443/a", Crawl),
            (&site, "https://example.org/", OutOfScope),
            (&site, "https://example.com.evil.net/", OutOfScope),
            (&site, "ftp://www.example.com/a", OutOfScope),
            (&site, "mailto:a@example.com", OutOfScope),
            (&host, "https://www.example.com/a", Crawl),
            (&host, "https://shop.example.com/a", OutOfScope),
            (&host, "https://example.com/a", OutOfScope),
            (&prefix, "https://www.example.com/shop/item", Crawl),
            (
                &prefix,
                "https://www.example.com/blog/",
                excluded("outside path prefix /shop/"),
            ),
            (&prefix, "https://other.org/shop/", OutOfScope),
            (&exclude, "https://www.example.com/a", Crawl),
            (
                &exclude,
                "https://www.example.com/logout?next=/",
                excluded("matches exclude pattern /logout"),
            ),
            (
                &exclude,
                "https://www.example.com/doc.pdf",
                excluded(r"matches exclude pattern \.pdf$"),
            ),
            (&include, "https://www.example.com/news/1", Crawl),
            (&include, "https://www.example.com/blog/post", Crawl),
            (
                &include,
                "https://www.example.com/about",
                excluded("matches no include pattern"),
            ),
            (
                &include,
                "https://www.example.com/blog/drafts/x",
                excluded("matches exclude pattern /blog/drafts/"),
            ),
        ];
        for (rules, url, expected) in cases {
            let scope = Scope::new(&start, rules.clone());
            assert_eq!(scope.decide(&u(url)), expected, "url {url} rules {rules:?}");
        }
    }

    #[test]
    fn ip_start_host_is_its_own_site() {
        let scope = Scope::new(&u("http://127.0.0.1:8080/"), ScopeRules::default());
        assert_eq!(scope.site(), "127.0.0.1");
        assert_eq!(
            scope.decide(&u("http://127.0.0.1:9090/x")),
            ScopeDecision::Crawl
        );
        assert_eq!(
            scope.decide(&u("http://127.0.0.2/x")),
            ScopeDecision::OutOfScope
        );
    }
}
