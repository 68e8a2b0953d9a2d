//! The cookie knowledge base: who operates a cookie, what it does and its category.
//!
//! The built-in rules live in `rules/cookie-knowledge.toml` (the format is described at the top
//! of that file). A [`CookieRule`] explains one cookie name (or name prefix), optionally only on
//! one provider domain or only first-party; a [`DomainRule`] gives the default provider and
//! category of cookies set on a third-party domain.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Category, strip_name_prefix};
use crate::discover::registrable_domain;

/// One known cookie name or name prefix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieRule {
    /// Exact name, or a prefix ending in `*`.
    pub name: String,
    /// The provider's registrable domain: the rule only matches cookies on it.
    pub domain: Option<String>,
    /// `"first"`: the rule only matches cookies on the scanned site's registrable domain.
    pub party: Option<String>,
    /// Who operates the cookie; `"site"` for the site's own software.
    pub provider: String,
    /// Short label such as "Audience measurement".
    pub function: String,
    /// One sentence a visitor understands.
    pub purpose: String,
    pub category: Category,
}

impl CookieRule {
    /// The prefix before `*` when the rule is a prefix rule.
    pub fn prefix(&self) -> Option<&str> {
        self.name.strip_suffix('*')
    }

    /// Whether `name` (already stripped of `__Host-` / `__Secure-`) has this rule's name.
    fn matches_name(&self, name: &str) -> bool {
        match self.prefix() {
            Some(prefix) => name.starts_with(prefix),
            None => self.name == name,
        }
    }

    /// Preference among matching rules: domain-specific over party-specific over generic,
    /// then exact over prefix, then longer prefix over shorter.
    fn rank(&self) -> (u8, bool, usize) {
        let scope = if self.domain.is_some() {
            2
        } else if self.party.is_some() {
            1
        } else {
            0
        };
        (scope, self.prefix().is_none(), self.name.len())
    }
}

/// The default provider and category of cookies set on one third-party domain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainRule {
    /// Registrable domain, e.g. `doubleclick.net`.
    pub domain: String,
    pub provider: String,
    pub category: Category,
    pub function: Option<String>,
}

/// Cookie-name rules and domain rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBase {
    #[serde(default, rename = "cookie")]
    pub cookies: Vec<CookieRule>,
    #[serde(default, rename = "domain")]
    pub domains: Vec<DomainRule>,
}

/// A knowledge-base file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("{origin}: not a valid knowledge base: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: {entry}: {message}")]
    Invalid {
        origin: String,
        entry: String,
        message: String,
    },
}

const BUILTIN_TEXT: &str = include_str!("../../rules/cookie-knowledge.toml");

fn builtin_ref() -> &'static KnowledgeBase {
    static BUILTIN: OnceLock<KnowledgeBase> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        parse(BUILTIN_TEXT, "rules/cookie-knowledge.toml")
            .unwrap_or_else(|e| panic!("the built-in cookie knowledge base is invalid: {e}"))
    })
}

/// The knowledge base compiled into cookiescan (`rules/cookie-knowledge.toml`).
pub fn builtin() -> KnowledgeBase {
    builtin_ref().clone()
}

/// Parses and validates a knowledge base; `source` names it in error messages.
pub fn parse(text: &str, source: &str) -> Result<KnowledgeBase, KnowledgeError> {
    let kb: KnowledgeBase = toml::from_str(text).map_err(|e| KnowledgeError::Syntax {
        origin: source.to_owned(),
        message: e.to_string(),
    })?;
    kb.validate(source)?;
    Ok(kb)
}

/// The registrable domain of a cookie's `domain` attribute (leading dot ignored).
fn cookie_site(cookie_domain: &str) -> String {
    registrable_domain(cookie_domain.trim_start_matches('.'))
}

impl KnowledgeBase {
    fn validate(&self, origin: &str) -> Result<(), KnowledgeError> {
        let invalid = |entry: String, message: String| KnowledgeError::Invalid {
            origin: origin.to_owned(),
            entry,
            message,
        };
        let mut seen = HashSet::new();
        for (i, rule) in self.cookies.iter().enumerate() {
            let entry = format!("cookie #{} ({:?})", i + 1, rule.name);
            let fields = [
                ("name", rule.name.as_str()),
                ("provider", rule.provider.as_str()),
                ("function", rule.function.as_str()),
                ("purpose", rule.purpose.as_str()),
            ];
            for (field, value) in fields {
                if value.trim().is_empty() {
                    return Err(invalid(entry, format!("`{field}` is empty")));
                }
            }
            if rule.name.trim() != rule.name {
                return Err(invalid(entry, "`name` has surrounding spaces".into()));
            }
            let body = rule.prefix().unwrap_or(&rule.name);
            if body.contains('*') {
                return Err(invalid(entry, "`*` may only end the name".into()));
            }
            if body.is_empty() {
                return Err(invalid(
                    entry,
                    "a prefix needs at least one character".into(),
                ));
            }
            if strip_name_prefix(&rule.name) != rule.name {
                return Err(invalid(
                    entry,
                    "names are matched without `__Host-` / `__Secure-`; leave it out".into(),
                ));
            }
            if let Some(domain) = &rule.domain {
                check_domain(domain).map_err(|m| invalid(entry.clone(), m))?;
            }
            if let Some(party) = &rule.party {
                if party != "first" {
                    return Err(invalid(
                        entry,
                        format!("`party` can only be \"first\", not {party:?}"),
                    ));
                }
                if rule.domain.is_some() {
                    return Err(invalid(
                        entry,
                        "`party` and `domain` exclude each other".into(),
                    ));
                }
            }
            if !seen.insert((&rule.name, &rule.domain, &rule.party)) {
                return Err(invalid(
                    entry,
                    "another rule has the same name, domain and party".into(),
                ));
            }
        }
        let mut seen = HashSet::new();
        for (i, rule) in self.domains.iter().enumerate() {
            let entry = format!("domain #{} ({:?})", i + 1, rule.domain);
            if rule.provider.trim().is_empty() {
                return Err(invalid(entry, "`provider` is empty".into()));
            }
            if rule
                .function
                .as_deref()
                .is_some_and(|f| f.trim().is_empty())
            {
                return Err(invalid(entry, "`function` is empty".into()));
            }
            check_domain(&rule.domain).map_err(|m| invalid(entry.clone(), m))?;
            if !seen.insert(&rule.domain) {
                return Err(invalid(entry, "another rule has the same domain".into()));
            }
        }
        Ok(())
    }

    /// The best rule for a cookie named `name` whose domain attribute is `cookie_domain`, on a
    /// scan of the site whose registrable domain is `site`.
    pub fn lookup(&self, name: &str, cookie_domain: &str, site: &str) -> Option<&CookieRule> {
        let name = strip_name_prefix(name);
        let on = cookie_site(cookie_domain);
        let site = registrable_domain(site);
        self.cookies
            .iter()
            .filter(|rule| rule.matches_name(name))
            .filter(|rule| rule.domain.as_deref().is_none_or(|d| d == on))
            .filter(|rule| rule.party.is_none() || on == site)
            .max_by_key(|rule| rule.rank())
    }

    /// The domain rule for a cookie's domain attribute, compared by registrable domain.
    pub fn domain(&self, cookie_domain: &str) -> Option<&DomainRule> {
        let on = cookie_site(cookie_domain);
        self.domains.iter().find(|rule| rule.domain == on)
    }

    /// The display pattern for `name` under this knowledge base (see [`collapse`]).
    pub fn collapse(&self, name: &str) -> String {
        let bare = strip_name_prefix(name);
        let browser_prefix = &name[..name.len() - bare.len()];
        let known_exact = self
            .cookies
            .iter()
            .any(|rule| rule.prefix().is_none() && rule.name == bare);
        if !known_exact {
            // Domain-bound prefixes (`SR*` on adform.net) say nothing about a name alone, and
            // a remainder without digits is a fixed name (`cmplz_marketing`), not an id.
            let best = self
                .cookies
                .iter()
                .filter(|rule| rule.domain.is_none())
                .filter_map(|rule| rule.prefix().map(|p| (p, rule)))
                .filter(|(prefix, _)| {
                    bare.strip_prefix(prefix).is_some_and(|rest| {
                        rest.chars().any(|c| c.is_ascii_digit()) || rest.len() >= 16
                    })
                })
                .max_by_key(|(prefix, _)| prefix.len());
            if let Some((_, rule)) = best {
                return format!("{browser_prefix}{}", rule.name);
            }
        }
        match dynamic_suffix_start(bare) {
            Some(at) => format!("{browser_prefix}{}*", &bare[..at]),
            None => name.to_owned(),
        }
    }
}

/// A rule's domain must be a lower-case registrable domain, since lookups compare registrable
/// domains.
fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("`domain` is empty".into());
    }
    if domain != domain.to_ascii_lowercase() || domain.starts_with('.') || domain.contains('/') {
        return Err(format!(
            "`domain` {domain:?} must be a lower-case host name without a leading dot"
        ));
    }
    let registrable = registrable_domain(domain);
    if registrable != domain {
        return Err(format!(
            "`domain` {domain:?} is not a registrable domain (use {registrable:?})"
        ));
    }
    Ok(())
}

/// Where a trailing dynamic id starts: the part after the earliest `_` or `-` such that the
/// rest is at least 6 hex digits and dashes (a hash, a number or a UUID) with at least one
/// digit in it.
fn dynamic_suffix_start(name: &str) -> Option<usize> {
    name.char_indices()
        .filter(|&(i, c)| (c == '_' || c == '-') && i > 0)
        .map(|(i, _)| i + 1)
        .find(|&start| {
            let rest = &name[start..];
            rest.len() >= 6
                && rest.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                && rest.chars().any(|c| c.is_ascii_digit())
                && !rest.starts_with('-')
        })
}

/// The display and grouping pattern of a cookie name: the pattern of the longest matching
/// prefix rule of the built-in knowledge base (`_ga_ABC123` → `_ga_*`), unless the name is
/// itself a known exact name, the rule is bound to a domain, or the rest of the name holds no
/// digit (and is shorter than 16 characters), which marks a fixed name such as
/// `cmplz_marketing`; otherwise a trailing hash, number or UUID after `_` or `-` is replaced by
/// `*` (`ab_test_5f3a9c2e1b` → `ab_test_*`); otherwise the name unchanged. A `__Host-` /
/// `__Secure-` prefix is kept.
pub fn collapse(name: &str) -> String {
    builtin_ref().collapse(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> &'static KnowledgeBase {
        builtin_ref()
    }

    fn find<'a>(name: &str, domain: &str, site: &str) -> &'a CookieRule {
        kb().lookup(name, domain, site)
            .unwrap_or_else(|| panic!("{name} on {domain} is not known"))
    }

    #[test]
    fn builtin_parses_and_is_large_enough() {
        let kb = builtin();
        assert!(kb.cookies.len() >= 250, "{} cookie rules", kb.cookies.len());
        assert!(kb.domains.len() >= 150, "{} domain rules", kb.domains.len());
    }

    #[test]
    fn google_analytics() {
        let ga = find("_ga", ".example.com", "example.com");
        assert_eq!(
            (ga.provider.as_str(), ga.category),
            ("Google", Category::Statistics)
        );
        assert_eq!(ga.name, "_ga");
        let ga4 = find("_ga_XYZ123", ".example.com", "example.com");
        assert_eq!(ga4.name, "_ga_*");
        assert_eq!(ga4.category, Category::Statistics);
        assert_eq!(collapse("_ga_XYZ123"), "_ga_*");
        assert_eq!(collapse("_ga"), "_ga");
        let gat = find("_gat_gtag_UA_123_1", "example.com", "example.com");
        assert_eq!(gat.name, "_gat_gtag_*", "longer prefix wins");
    }

    #[test]
    fn meta_pixel() {
        let fbp = find("_fbp", ".shop.example.co.uk", "example.co.uk");
        assert_eq!(
            (fbp.provider.as_str(), fbp.category),
            ("Meta", Category::Marketing)
        );
        let fr = find("fr", ".facebook.com", "example.com");
        assert_eq!(fr.provider, "Meta");
        assert!(kb().lookup("fr", "example.com", "example.com").is_none());
    }

    #[test]
    fn browser_name_prefixes_are_stripped() {
        assert_eq!(strip_name_prefix("__Secure-3PSID"), "3PSID");
        assert_eq!(strip_name_prefix("__Host-GAPS"), "GAPS");
        assert_eq!(strip_name_prefix("_ga"), "_ga");
        let sid = find("__Secure-3PSID", ".google.com", "example.com");
        assert_eq!(
            (sid.provider.as_str(), sid.category),
            ("Google", Category::Marketing)
        );
        let auth = find(
            "__Secure-next-auth.session-token",
            "app.example.com",
            "example.com",
        );
        assert_eq!(auth.provider, "site");
        assert_eq!(auth.category, Category::Necessary);
        let host = find(
            "__Host-next-auth.csrf-token",
            "app.example.com",
            "example.com",
        );
        assert_eq!(host.name, "next-auth.csrf-token");
    }

    #[test]
    fn sessionid_depends_on_party_and_domain() {
        let django = find("sessionid", "www.example.org", "example.org");
        assert_eq!(django.provider, "site");
        assert_eq!(django.category, Category::Necessary);
        assert!(django.purpose.contains("Django"));
        let insta = find("sessionid", ".instagram.com", "example.org");
        assert_eq!(insta.provider, "Meta (Instagram)");
        assert_eq!(insta.category, Category::Marketing);
        // A third-party `sessionid` on an unknown domain is not guessed.
        assert!(
            kb().lookup("sessionid", ".widgets.test", "example.org")
                .is_none()
        );
        // On instagram.com itself the domain rule still wins over the first-party rule.
        let on_insta = find("sessionid", ".instagram.com", "instagram.com");
        assert_eq!(on_insta.provider, "Meta (Instagram)");
    }

    #[test]
    fn framework_and_infrastructure_cookies() {
        let php = find("PHPSESSID", "www.example.com", "example.com");
        assert_eq!(
            (php.provider.as_str(), php.category),
            ("site", Category::Necessary)
        );
        let cf = find("__cf_bm", ".example.com", "example.com");
        assert_eq!(
            (cf.provider.as_str(), cf.category),
            ("Cloudflare", Category::Necessary)
        );
        let csrf = find("csrftoken", "example.com", "example.com");
        assert_eq!(csrf.provider, "site");
        let lang = find("django_language", "example.com", "example.com");
        assert_eq!(lang.category, Category::Functionality);
        let wp = find("wordpress_logged_in_0123abcd", "example.com", "example.com");
        assert_eq!(wp.name, "wordpress_logged_in_*");
        let alb = find("AWSALBCORS", "example.com", "example.com");
        assert_eq!(alb.category, Category::Necessary);
        for consent in [
            "OptanonConsent",
            "OptanonAlertBoxClosed",
            "CookieConsent",
            "euconsent-v2",
            "didomi_token",
            "cookieyes-consent",
            "cmplz_marketing",
            "borlabs-cookie",
            "klaro",
            "tarteaucitron",
            "cookieconsent_status",
            "cc_cookie",
            "_iub_cs-12345678",
            "cmapi_cookie_privacy",
            "notice_gdpr_prefs",
            "__cmpconsentx12345",
            "consentUUID",
            "uc_user_interaction",
        ] {
            let rule = find(consent, "example.com", "example.com");
            assert_eq!(rule.category, Category::Necessary, "{consent}");
        }
    }

    #[test]
    fn exact_beats_prefix_and_domain_beats_generic() {
        let y = find("_shopify_y", "shop.example.com", "example.com");
        assert_eq!(y.name, "_shopify_y");
        assert_eq!(y.category, Category::Statistics);
        let other = find("_shopify_abc", "shop.example.com", "example.com");
        assert_eq!(other.name, "_shopify_*");
        let li = find("JSESSIONID", ".www.linkedin.com", "example.com");
        assert_eq!(li.provider, "LinkedIn");
        let java = find("JSESSIONID", "portal.example.com", "example.com");
        assert_eq!(java.provider, "site");
    }

    /// No rule is hidden by another: each rule is what its own name looks up to, also
    /// first-party, where party-specific prefix rules would outrank generic exact ones.
    #[test]
    fn every_rule_is_reachable() {
        let site = "example.com";
        let mut hidden = Vec::new();
        for rule in &kb().cookies {
            let name = rule.prefix().unwrap_or(&rule.name);
            let domain = rule.domain.as_deref().unwrap_or(site);
            let found = kb().lookup(name, domain, site).expect("matches itself");
            if (&found.name, &found.domain, &found.party) != (&rule.name, &rule.domain, &rule.party)
            {
                hidden.push(format!("{} (found {})", rule.name, found.name));
            }
        }
        assert!(hidden.is_empty(), "rules hidden by others: {hidden:?}");
    }

    #[test]
    fn domain_rules() {
        let dc = kb().domain("stats.g.doubleclick.net").expect("doubleclick");
        assert_eq!(
            (dc.provider.as_str(), dc.category),
            ("Google", Category::Marketing)
        );
        let dc = kb().domain(".doubleclick.net").expect("doubleclick");
        assert_eq!(dc.domain, "doubleclick.net");
        assert!(kb().domain("example.com").is_none());
        assert_eq!(
            kb().domain(".hotjar.com").unwrap().category,
            Category::Statistics
        );
    }

    #[test]
    fn collapse_dynamic_names() {
        assert_eq!(collapse("_hjSession_12345"), "_hjSession_*");
        assert_eq!(collapse("_hjSessionUser_3068811"), "_hjSessionUser_*");
        assert_eq!(collapse("_pk_id.1.1fff"), "_pk_id.*");
        assert_eq!(collapse("ab_test_5f3a9c2e1b"), "ab_test_*");
        assert_eq!(
            collapse("pref-123e4567-e89b-12d3-a456-426614174000"),
            "pref-*"
        );
        assert_eq!(collapse("visit_20240101"), "visit_*");
        assert_eq!(
            collapse("__Secure-wordpress_sec_abc123"),
            "__Secure-wordpress_sec_*"
        );
        // Words, short ids and known exact names stay as they are.
        assert_eq!(collapse("cookie-accepted"), "cookie-accepted");
        assert_eq!(collapse("my_facade"), "my_facade");
        assert_eq!(collapse("theme_12"), "theme_12");
        assert_eq!(collapse("_shopify_y"), "_shopify_y");
        assert_eq!(collapse("PHPSESSID"), "PHPSESSID");
        assert_eq!(collapse("plain"), "plain");
        assert_eq!(collapse("cmplz_marketing"), "cmplz_marketing");
        assert_eq!(collapse("SESSION"), "SESSION");
        assert_eq!(collapse("CTX1"), "CTX1");
        assert_eq!(collapse("SESS0123456789abcdef"), "SESS*");
        assert_eq!(collapse("wp-settings-1"), "wp-settings-*");
        assert_eq!(collapse("wp-settings-time-1"), "wp-settings-time-*");
    }

    #[test]
    fn parse_rejects_bad_rules() {
        let rule = |extra: &str| {
            format!(
                "[[cookie]]\nname = \"a_*\"\nprovider = \"P\"\nfunction = \"F\"\n\
                 purpose = \"Does things.\"\ncategory = \"statistics\"\n{extra}"
            )
        };
        assert!(parse(&rule(""), "t").is_ok());
        assert!(parse(&rule("party = \"third\"\n"), "t").is_err());
        assert!(parse(&rule("domain = \"www.google.com\"\n"), "t").is_err());
        assert!(parse(&rule("domain = \"google.com\"\n"), "t").is_ok());
        assert!(parse(&rule("colour = \"red\"\n"), "t").is_err());
        let twice = format!("{}\n{}", rule(""), rule(""));
        assert!(
            parse(&twice, "t")
                .unwrap_err()
                .to_string()
                .contains("same name")
        );
        let star = rule("").replace("a_*", "a*b");
        assert!(parse(&star, "t").is_err());
        let empty = rule("").replace("Does things.", " ");
        assert!(parse(&empty, "t").is_err());
        let category = rule("").replace("statistics", "tasty");
        assert!(parse(&category, "t").is_err());
        let secure = rule("").replace("a_*", "__Secure-a");
        assert!(parse(&secure, "t").is_err());
        let domain = "[[domain]]\ndomain = \"doubleclick.net\"\nprovider = \"Google\"\n\
                      category = \"marketing\"\n";
        let kb = parse(domain, "t").unwrap();
        assert_eq!(kb.domains.len(), 1);
        assert!(parse(&format!("{domain}{domain}"), "t").is_err());
    }

    /// How many Open Cookie Database names the built-in rules know, when the CSV is present.
    #[test]
    fn coverage_of_open_cookie_database() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/open-cookie-database.csv"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().expect("header").clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        let (name_col, domain_col) = (column("Cookie / Data Key name"), column("Domain"));
        let site = "example.com";
        let mut names = HashSet::new();
        let mut known = HashSet::new();
        for record in reader.records() {
            let record = record.expect("row");
            let name = record[name_col].trim().trim_end_matches('*').to_owned();
            if name.is_empty() {
                continue;
            }
            // The Domain column is free text ("facebook.com (3rd party)"): take its first host.
            let domain = record[domain_col]
                .split(|c: char| c.is_whitespace() || c == ',')
                .map(|d| d.trim_matches(|c: char| c == '.' || c == '\u{200b}'))
                .find(|d| !d.is_empty() && d.contains('.'))
                .unwrap_or(site)
                .to_ascii_lowercase();
            names.insert(name.clone());
            if kb().lookup(&name, &domain, site).is_some() {
                known.insert(name);
            }
        }
        let share = known.len() as f64 / names.len() as f64;
        assert!(
            share >= 0.15,
            "the knowledge base knows {} of {} OCD cookie names ({:.1}%)",
            known.len(),
            names.len(),
            share * 100.0
        );
    }
}
