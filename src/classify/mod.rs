//! Classification of cookies: category, provider, function, purpose. Sources, strongest first:
//! the site's own annotations (its scan config), cookiescan's knowledge base of cookie names,
//! the Open Cookie Database when one is loaded (`--cookie-db`), then the knowledge base's
//! defaults for known third-party domains. What none of them knows stays unclassified and is
//! flagged for review; a first-party unknown is attributed to the site operator, never guessed
//! necessary.

pub(crate) mod database;
pub mod infer;
pub mod knowledge;
pub mod ocd;

use serde::{Deserialize, Serialize};

pub use crate::model::{Category, Source};
use knowledge::KnowledgeBase;
use ocd::OpenCookieDatabase;

use crate::discover::registrable_domain;

/// A site operator's note on its own cookies (from the site config). `name` may end in `*`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub name: String,
    /// Restricts the note to cookies on this domain (registrable domain or host).
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub function: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub category: Option<Category>,
}

/// What a cookie is, for the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub category: Category,
    pub provider: String,
    pub function: String,
    pub purpose: String,
    /// The name as shown in tables: dynamic suffixes collapse to one pattern (`_ga_*`).
    pub pattern: String,
    pub source: Source,
    /// Nothing knew this cookie, or a source was unsure: the operator should check the row.
    pub needs_review: bool,
    /// For an inferred classification: the scan's evidence, in words a reviewer checks.
    pub evidence: Option<String>,
}

/// Classifies cookies of one site.
pub struct Classifier {
    site: String,
    operator: String,
    annotations: Vec<Annotation>,
    knowledge: KnowledgeBase,
    ocd: Option<OpenCookieDatabase>,
    /// The strict reading: no inference makes a cookie necessary.
    strict: bool,
}

impl Classifier {
    /// `site` is the registrable domain whose cookies are first-party; `operator` names the
    /// site's operator (shown as the provider of its own cookies).
    pub fn new(
        site: &str,
        operator: &str,
        annotations: Vec<Annotation>,
        knowledge: KnowledgeBase,
        ocd: Option<OpenCookieDatabase>,
    ) -> Classifier {
        Classifier {
            site: site.to_string(),
            operator: operator.to_string(),
            annotations,
            knowledge,
            ocd,
            strict: false,
        }
    }

    /// The strict reading (`--strict`): a cookie is necessary only when a site note or a
    /// database says so, never because its name or the banner suggests it.
    pub fn strict(mut self, strict: bool) -> Classifier {
        self.strict = strict;
        self
    }

    /// A scanned cookie: what the site's notes and the databases say, else what the scan's own
    /// evidence suggests (for review), else unclassified.
    pub fn classify_cookie(&self, cookie: &crate::model::CookieRecord) -> Classification {
        let mut class = self.classify(&cookie.name, &cookie.domain);
        if class.source != Source::Unknown {
            return class;
        }
        if let Some(inferred) = &cookie.inferred {
            let category = if self.strict && inferred.category == Category::Necessary {
                Category::Unclassified
            } else {
                inferred.category
            };
            class.category = category;
            class.source = Source::Inferred;
            class.evidence = Some(inferred.evidence.clone());
            class.needs_review = true;
        }
        class
    }

    pub fn classify(&self, name: &str, cookie_domain: &str) -> Classification {
        let bare_domain = cookie_domain.trim_start_matches('.');
        let registrable = registrable_domain(bare_domain);
        // What the databases say may be refined by a matching annotation, field by field.
        let mut found = self.databases_say(name, cookie_domain, &registrable);
        if let Some(note) = self.annotation(name, bare_domain, &registrable) {
            refine(&mut found, note);
        }
        found
    }

    /// The knowledge base, then the Open Cookie Database, then the third party's domain;
    /// else unclassified, attributed to the operator (first party) or the domain.
    fn databases_say(&self, name: &str, cookie_domain: &str, registrable: &str) -> Classification {
        let first_party = registrable == self.site;
        let pattern = self.knowledge.collapse(name);
        let from_kb = self.knowledge.lookup(name, cookie_domain, &self.site);
        let operator_or = |provider: &str| {
            if provider == "site" {
                self.operator.clone()
            } else {
                provider.to_string()
            }
        };
        if let Some(rule) = from_kb {
            Classification {
                category: rule.category,
                provider: operator_or(&rule.provider),
                function: rule.function.clone(),
                purpose: rule.purpose.clone(),
                pattern: pattern.clone(),
                source: Source::KnowledgeBase,
                needs_review: false,
                evidence: None,
            }
        } else if let Some(hit) = self
            .ocd
            .as_ref()
            .and_then(|ocd| ocd.lookup(name, cookie_domain))
        {
            Classification {
                category: hit.entry.category,
                provider: hit.entry.platform.clone(),
                function: hit.entry.source_category.clone(),
                purpose: hit.entry.description.clone(),
                pattern: pattern.clone(),
                source: Source::OpenCookieDatabase,
                needs_review: hit.ambiguous || hit.entry.category == Category::Unclassified,
                evidence: None,
            }
        } else if let Some(rule) = (!first_party)
            .then(|| self.knowledge.domain(cookie_domain))
            .flatten()
        {
            Classification {
                category: rule.category,
                provider: rule.provider.clone(),
                function: rule.function.clone().unwrap_or_default(),
                purpose: String::new(),
                pattern: pattern.clone(),
                source: Source::ThirdPartyDomain,
                needs_review: true,
                evidence: None,
            }
        } else {
            Classification {
                category: Category::Unclassified,
                provider: if first_party {
                    self.operator.clone()
                } else {
                    registrable.to_string()
                },
                function: String::new(),
                purpose: String::new(),
                pattern: pattern.clone(),
                source: Source::Unknown,
                needs_review: true,
                evidence: None,
            }
        }
    }

    /// Stamps every cookie of a scan with its classification of today, for later diffs.
    pub fn record(&self, scan: &mut crate::model::Scan) {
        for cookie in &mut scan.cookies {
            let class = self.classify_cookie(cookie);
            cookie.classification = Some(crate::model::RecordedClass {
                category: class.category,
                provider: class.provider,
                pattern: class.pattern,
                source: class.source,
            });
        }
    }

    fn annotation(&self, name: &str, host: &str, registrable: &str) -> Option<&Annotation> {
        let name = strip_name_prefix(name);
        let matches = |note: &&Annotation| {
            let name_ok = glob_match(&note.name, name);
            let domain_ok = note.domain.as_deref().is_none_or(|d| {
                let d = d.trim_start_matches('.');
                d == host || d == registrable
            });
            name_ok && domain_ok
        };
        // Exact names before patterns, in file order.
        self.annotations
            .iter()
            .filter(|n| !n.name.contains('*'))
            .find(matches)
            .or_else(|| self.annotations.iter().find(matches))
    }
}

/// `*` matches any run of characters (site annotations: `fp_*`, `*_cookie`, `ab_*_test`).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A name without the `__Host-` / `__Secure-` prefix browsers enforce: databases list most
/// cookies by the bare name.
pub(crate) fn strip_name_prefix(name: &str) -> &str {
    ["__Host-", "__Secure-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name)
}

/// A site's note on a cookie overrides what it gives, and makes the row the operator's.
fn refine(found: &mut Classification, note: &Annotation) {
    if let Some(provider) = &note.provider {
        found.provider = provider.clone();
    }
    if let Some(function) = &note.function {
        found.function = function.clone();
    }
    if let Some(purpose) = &note.purpose {
        found.purpose = purpose.clone();
    }
    if let Some(category) = note.category {
        found.category = category;
    }
    if note.name.contains('*') {
        found.pattern = note.name.clone();
    }
    found.source = Source::SiteConfig;
    found.needs_review = found.category == Category::Unclassified || found.purpose.is_empty();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("fp_*", "fp_js_home"));
        assert!(glob_match("*_cookie", "err_cookie"));
        assert!(glob_match("ab_*_test", "ab_x_test"));
        assert!(!glob_match("ab_*_test", "ab_test"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("*", "anything"));
    }

    fn classifier(annotations: Vec<Annotation>) -> Classifier {
        Classifier::new(
            "shop.test",
            "Shop Ltd",
            annotations,
            knowledge::builtin(),
            None,
        )
    }

    #[test]
    fn precedence_and_attribution() {
        let plain = classifier(Vec::new());
        // Knowledge base: a third-party provider's cookie on the site's own domain.
        let ga = plain.classify("_ga_ABC123", ".shop.test");
        assert_eq!(
            (ga.category, ga.pattern.as_str()),
            (Category::Statistics, "_ga_*")
        );
        assert!(ga.provider.contains("Google"), "{ga:?}");
        // Unknown first-party: the operator's, for review, never necessary.
        let unknown = plain.classify("mystery", "www.shop.test");
        assert_eq!(unknown.category, Category::Unclassified);
        assert_eq!(unknown.provider, "Shop Ltd");
        assert!(unknown.needs_review);
        // The site's note beats the knowledge base.
        let noted = classifier(vec![Annotation {
            name: "_ga*".into(),
            category: Some(Category::Necessary),
            purpose: Some("Ours".into()),
            ..Annotation::default()
        }]);
        let ga = noted.classify("_ga", ".shop.test");
        assert_eq!(
            (ga.category, ga.source),
            (Category::Necessary, Source::SiteConfig)
        );
        assert!(!ga.needs_review);
    }
}

/// Coverage against the Open Cookie Database (skipped when its CSV is not beside the project):
/// the share of its names our classifier puts in the category the OCD's own mapping gives,
/// with the knowledge base alone and with the OCD imported.
#[cfg(test)]
mod coverage {
    use super::*;

    #[test]
    #[allow(clippy::print_stderr)] // the figures are the point of this test
    fn open_cookie_database_coverage() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/open-cookie-database.csv"
        );
        let Ok(ocd) = ocd::load(std::path::Path::new(path)) else {
            return;
        };
        let rows: Vec<(String, String, Category)> = ocd
            .entries()
            .iter()
            .filter(|e| !e.wildcard && e.category != Category::Unclassified)
            .map(|e| {
                let domain = ocd::domain_column_domains(&e.domain)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "unknown-vendor.example".into());
                (e.name.clone(), domain, e.category)
            })
            .collect();
        let kb_only = Classifier::new(
            "scanned-site.example",
            "Operator",
            Vec::new(),
            knowledge::builtin(),
            None,
        );
        let with_ocd = Classifier::new(
            "scanned-site.example",
            "Operator",
            Vec::new(),
            knowledge::builtin(),
            Some(ocd),
        );
        let count = |classifier: &Classifier| {
            let mut known = 0;
            let mut consistent = 0;
            for (name, domain, expected) in &rows {
                let class = classifier.classify(name, domain);
                if class.category != Category::Unclassified {
                    known += 1;
                }
                if class.category == *expected {
                    consistent += 1;
                }
            }
            (known, consistent)
        };
        let (kb_known, kb_consistent) = count(&kb_only);
        let (all_known, all_consistent) = count(&with_ocd);
        let total = rows.len();
        let share = |n: usize| 100.0 * n as f64 / total as f64;
        eprintln!(
            "OCD coverage over {total} names: knowledge base alone classifies {kb_known} ({:.1}%), {kb_consistent} ({:.1}%) as the OCD does; with the OCD imported {all_known} ({:.1}%), {all_consistent} ({:.1}%) consistent",
            share(kb_known),
            share(kb_consistent),
            share(all_known),
            share(all_consistent)
        );
        assert!(
            share(all_consistent) >= 90.0,
            "import consistency {:.1}%",
            share(all_consistent)
        );
        assert!(
            share(kb_known) >= 30.0,
            "knowledge base knows {:.1}%",
            share(kb_known)
        );
    }
}
