//! Policy drift: the cookie table a site publishes against what a scan observed. Cookies set
//! but not declared, declared but never seen, and declarations the observation contradicts (a
//! category, or a lifetime far longer than declared).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;

use super::declared::{DeclaredCookie, DeclaredLifetime};
use crate::classify::{Category, Classifier, Source};
use crate::discover::registrable_domain;
use crate::model::{CookieRecord, Mode, Scan};
use crate::text::escape::clean;
use crate::text::escape::md;
use crate::text::words::{human_days, page_label};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// Observed, and no row of the policy names it.
    Undeclared,
    /// The policy's category is not what the cookie is.
    CategoryContradicted,
    /// The cookie lives longer than the policy says (beyond the tolerance).
    LifetimeContradicted,
    /// Declared, and no scanned page set it (it may belong to a flow the crawl cannot reach,
    /// such as checkout or login).
    NotObserved,
}

impl DriftKind {
    pub fn title(self) -> &'static str {
        match self {
            DriftKind::Undeclared => "Observed but not declared",
            DriftKind::CategoryContradicted => "Declared category contradicted",
            DriftKind::LifetimeContradicted => "Declared lifetime contradicted",
            DriftKind::NotObserved => "Declared but not observed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, PartialOrd)]
pub struct DriftFinding {
    pub kind: DriftKind,
    /// The observed cookie (`_ga_*` on `example.com`) or the declared name.
    pub cookie: String,
    pub domain: Option<String>,
    /// What the policy says, and where.
    pub declared: Option<String>,
    /// What the scan saw.
    pub observed: Option<String>,
    /// Pages and modes where the cookie was set.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub site: String,
    pub policy: String,
    pub declared_names: usize,
    pub observed_cookies: usize,
    /// An observed lifetime over `tolerance` × the declared one is a contradiction.
    pub tolerance: f64,
    pub findings: Vec<DriftFinding>,
}

/// What was observed of one cookie identity.
struct Observed<'a> {
    records: Vec<&'a CookieRecord>,
    category: Category,
    source: Source,
}

/// Compares a scan with the declared cookies.
pub fn check(
    scan: &Scan,
    declared: &[DeclaredCookie],
    classifier: &Classifier,
    policy_name: &str,
    tolerance: f64,
) -> DriftReport {
    let observed = observe(scan, classifier);
    let index = DeclarationIndex::new(declared);
    let mut declared_seen = vec![false; declared.len()];
    let host = scan.site.host.as_str();
    let mut findings = Vec::new();
    for (key, seen) in &observed {
        let finding = |kind, declared: Option<String>, observed: Option<String>| DriftFinding {
            kind,
            cookie: key.0.clone(),
            domain: Some(key.1.clone()),
            declared,
            observed,
            evidence: evidence(seen, host),
        };
        let names = seen.records.iter().map(|c| c.name.as_str());
        let matched = index.matching(names.chain([key.0.as_str()]));
        for &at in &matched {
            declared_seen[at] = true;
        }
        let matching: Vec<&DeclaredCookie> = matched.iter().map(|&at| &declared[at]).collect();
        if matching.is_empty() {
            let modes: BTreeSet<Mode> = seen
                .records
                .iter()
                .flat_map(|c| c.modes.iter().copied())
                .collect();
            let modes: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
            let observed = format!(
                "{} cookie, set in {}",
                seen.category.as_str(),
                modes.join(", ")
            );
            findings.push(finding(DriftKind::Undeclared, None, Some(observed)));
            continue;
        }
        if let Some((declared, observed)) = category_contradiction(seen, &matching) {
            findings.push(finding(DriftKind::CategoryContradicted, declared, observed));
        }
        if let Some((declared, observed)) = lifetime_contradiction(seen, &matching, tolerance) {
            findings.push(finding(DriftKind::LifetimeContradicted, declared, observed));
        }
    }
    findings.extend(not_observed(declared, &declared_seen));
    findings.sort_by(|a, b| {
        (a.kind, &a.cookie, &a.domain, &a.declared).cmp(&(
            b.kind,
            &b.cookie,
            &b.domain,
            &b.declared,
        ))
    });
    findings.dedup();
    DriftReport {
        site: scan.site.host.clone(),
        policy: policy_name.to_string(),
        declared_names: declared.len(),
        observed_cookies: observed.len(),
        tolerance,
        findings,
    }
}

/// The scan's cookies by identity (name pattern, registrable domain), with the category they
/// were recorded with (else today's).
fn observe<'a>(
    scan: &'a Scan,
    classifier: &Classifier,
) -> BTreeMap<(String, String), Observed<'a>> {
    let mut observed: BTreeMap<(String, String), Observed> = BTreeMap::new();
    for cookie in &scan.cookies {
        let class = classifier.classify_cookie(cookie);
        let (category, source) = match &cookie.classification {
            Some(recorded) => (recorded.category, recorded.source),
            None => (class.category, class.source),
        };
        let key = (
            class.pattern,
            registrable_domain(cookie.domain.trim_start_matches('.')),
        );
        let entry = observed.entry(key).or_insert(Observed {
            records: Vec::new(),
            category,
            source,
        });
        entry.records.push(cookie);
    }
    observed
}

/// Where each cookie of an identity was set, and in which modes.
fn evidence(seen: &Observed, host: &str) -> Vec<String> {
    let mut lines = BTreeSet::new();
    for cookie in &seen.records {
        let modes: Vec<&str> = cookie.modes.iter().map(|m| m.as_str()).collect();
        let pages: Vec<String> = cookie.pages.iter().map(|p| page_label(p, host)).collect();
        lines.insert(format!(
            "{} on {} [{}]",
            cookie.name,
            if pages.is_empty() {
                page_label(&cookie.first_seen_on, host)
            } else {
                crate::text::words::few(&pages)
            },
            modes.join(", ")
        ));
    }
    lines.into_iter().collect()
}

/// Declared and observed text when the policy files the cookie under other categories than
/// the one it was classified in.
fn category_contradiction(
    seen: &Observed,
    matching: &[&DeclaredCookie],
) -> Option<(Option<String>, Option<String>)> {
    // A classification nobody knows contradicts nothing.
    let known = seen.category != Category::Unclassified && seen.source != Source::Unknown;
    let categories: BTreeSet<Category> = matching.iter().filter_map(|d| d.category).collect();
    if !known || categories.is_empty() || categories.contains(&seen.category) {
        return None;
    }
    let declared_as: Vec<String> = matching
        .iter()
        .filter_map(|d| {
            d.category
                .map(|c| format!("{} ({})", c.as_str(), d.location))
        })
        .collect();
    let observed = format!(
        "{} (by {})",
        seen.category.as_str(),
        source_name(seen.source)
    );
    Some((Some(declared_as.join(", ")), Some(observed)))
}

/// Declared and observed text when the cookie outlives the most generous declaration by more
/// than `tolerance` (or is persistent where a session cookie was declared).
fn lifetime_contradiction(
    seen: &Observed,
    matching: &[&DeclaredCookie],
    tolerance: f64,
) -> Option<(Option<String>, Option<String>)> {
    let bound = matching.iter().filter_map(|d| d.lifetime).fold(
        None,
        |longest: Option<DeclaredLifetime>, l| match (longest, l) {
            (None, l) => Some(l),
            (Some(DeclaredLifetime::Days(a)), DeclaredLifetime::Days(b)) => {
                Some(DeclaredLifetime::Days(a.max(b)))
            }
            (Some(DeclaredLifetime::Session), l) => Some(l),
            (Some(longest), DeclaredLifetime::Session) => Some(longest),
        },
    );
    let longest = seen
        .records
        .iter()
        .filter_map(|c| c.lifetime_days)
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
    let contradicted = match (bound, longest) {
        (Some(DeclaredLifetime::Session), Some(days)) => days > 1.0,
        (Some(DeclaredLifetime::Days(declared)), Some(days)) => days > declared * tolerance,
        _ => false,
    };
    if !contradicted {
        return None;
    }
    let declared_text: Vec<String> = matching
        .iter()
        .filter_map(|d| {
            d.duration
                .as_ref()
                .map(|text| format!("{text} ({})", d.location))
        })
        .collect();
    Some((Some(declared_text.join(", ")), longest.map(human_days)))
}

/// A finding for each declaration no observed cookie matched.
fn not_observed<'a>(
    declared: &'a [DeclaredCookie],
    declared_seen: &'a [bool],
) -> impl Iterator<Item = DriftFinding> + 'a {
    declared
        .iter()
        .zip(declared_seen)
        .filter(|(_, seen)| !**seen)
        .map(|(declaration, _)| DriftFinding {
            kind: DriftKind::NotObserved,
            cookie: declaration.name.clone(),
            domain: None,
            declared: Some(format!(
                "{}{}",
                declaration
                    .category
                    .map(|c| format!("{} cookie, ", c.as_str()))
                    .unwrap_or_default(),
                declaration.location
            )),
            observed: None,
            evidence: Vec::new(),
        })
}

/// Declared names by exact (lower-case) name, and the wildcard ones, so that matching a scan of
/// thousands of cookies against a policy of thousands of names stays linear.
struct DeclarationIndex {
    exact: std::collections::HashMap<String, Vec<usize>>,
    wildcards: Vec<(usize, String)>,
}

impl DeclarationIndex {
    fn new(declared: &[DeclaredCookie]) -> DeclarationIndex {
        let mut index = DeclarationIndex {
            exact: std::collections::HashMap::new(),
            wildcards: Vec::new(),
        };
        for (at, declaration) in declared.iter().enumerate() {
            let pattern = declaration.pattern();
            if pattern.contains('*') {
                index.wildcards.push((at, pattern));
            } else {
                index.exact.entry(pattern).or_default().push(at);
            }
        }
        index
    }

    /// Indices of the declarations naming any of `names`, in policy order.
    fn matching<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<usize> {
        let mut found = BTreeSet::new();
        for name in names {
            let name = name.to_ascii_lowercase();
            if let Some(hits) = self.exact.get(&name) {
                found.extend(hits.iter().copied());
            }
            for (at, pattern) in &self.wildcards {
                // A declared `_ga_*` names the observed pattern `_ga_*` as well as `_ga_X1`.
                if *pattern == name || crate::classify::glob_match(pattern, &name) {
                    found.insert(*at);
                }
            }
        }
        found.into_iter().collect()
    }
}

/// The rows of the site's policy table (its layout and language) for the cookies the policy
/// does not declare, as Markdown under their section headings: what to paste into the
/// published policy. None when every observed cookie is declared.
pub fn rows_to_add(
    scan: &Scan,
    report: &DriftReport,
    classifier: &Classifier,
    settings: &crate::report::policy::TableSettings,
) -> Option<String> {
    let undeclared: BTreeSet<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.kind == DriftKind::Undeclared)
        .filter_map(|f| Some((f.cookie.as_str(), f.domain.as_deref()?)))
        .collect();
    if undeclared.is_empty() {
        return None;
    }
    let mut missing = scan.clone();
    missing.cookies.retain(|cookie| {
        let pattern = classifier.classify_cookie(cookie).pattern;
        let domain = registrable_domain(cookie.domain.trim_start_matches('.'));
        undeclared.contains(&(pattern.as_str(), domain.as_str()))
    });
    let table = crate::report::policy::build(&missing, classifier, settings);
    let markdown = crate::report::markdown::render_markdown(&table, settings);
    // Without the page title: the sections are what goes into the existing policy.
    Some(markdown.lines().skip(2).collect::<Vec<_>>().join("\n") + "\n")
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::SiteConfig => "the site config",
        Source::KnowledgeBase => "cookiescan's knowledge base",
        Source::OpenCookieDatabase => "the Open Cookie Database",
        Source::ThirdPartyDomain => "its third-party domain",
        Source::Inferred => "the scan's own evidence",
        Source::Unknown => "nothing",
    }
}

fn groups(report: &DriftReport) -> Vec<(DriftKind, Vec<&DriftFinding>)> {
    crate::text::runs_by(&report.findings, |f| f.kind)
}

fn what(finding: &DriftFinding) -> String {
    match &finding.domain {
        Some(domain) => format!("{} ({domain})", finding.cookie),
        None => finding.cookie.clone(),
    }
}

/// Plain text for a terminal.
pub fn render_text(report: &DriftReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Policy {} against the scan of {}: {} declared names, {} observed cookies",
        clean(&report.policy),
        clean(&report.site),
        report.declared_names,
        report.observed_cookies
    );
    for (kind, findings) in groups(report) {
        let _ = writeln!(out, "\n{} ({})", kind.title(), findings.len());
        for finding in findings {
            let mut line = format!("  {}", clean(&what(finding)));
            if let Some(declared) = &finding.declared {
                let _ = write!(line, "  declared: {}", clean(declared));
            }
            if let Some(observed) = &finding.observed {
                let _ = write!(line, "  observed: {}", clean(observed));
            }
            let _ = writeln!(out, "{line}");
            for evidence in &finding.evidence {
                let _ = writeln!(out, "      {}", clean(evidence));
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if report.findings.is_empty() {
            "The policy matches the scan.".to_string()
        } else {
            format!("{} findings.", report.findings.len())
        }
    );
    out
}

/// Markdown for a comment or a ticket.
pub fn render_markdown(report: &DriftReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Cookie policy drift on {}\n\n{} declared names, {} observed cookies, {} findings.\n",
        md(&report.site),
        report.declared_names,
        report.observed_cookies,
        report.findings.len()
    );
    for (kind, findings) in groups(report) {
        let _ = writeln!(out, "#### {} ({})\n", kind.title(), findings.len());
        out.push_str("| Cookie | Declared | Observed | Evidence |\n|---|---|---|---|\n");
        for finding in findings {
            let evidence: Vec<String> = finding.evidence.iter().map(|e| md(e)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&what(finding)),
                md(finding.declared.as_deref().unwrap_or("")),
                md(finding.observed.as_deref().unwrap_or("")),
                evidence.join("<br>")
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::declared::parse_markdown;
    use crate::classify::knowledge;
    use crate::model::sample::{cookie, scan};

    fn classifier() -> Classifier {
        Classifier::new(
            "example.com",
            "Example Ltd",
            Vec::new(),
            knowledge::builtin(),
            None,
        )
    }

    fn policy() -> Vec<DeclaredCookie> {
        parse_markdown(
            "## Necessary\n\n| Service provider's name | Function and location | Cookie name(s) | Purposes | Duration |\n\
             |---|---|---|---|---|\n\
             | Example Ltd | Basket | basket | Keeps the basket | session |\n\
             | Example Ltd | Login | remember\\_me | Keeps you signed in | 30 days |\n\
             \n## Statistics\n\n| Service provider's name | Function and location | Cookie name(s) | Purposes | Duration |\n\
             |---|---|---|---|---|\n\
             | Google | Analytics | \\_ga, \\_ga\\_\\* | Counts visits | 13 months |\n\
             \n## Marketing\n\n| Service provider's name | Function and location | Cookie name(s) | Purposes | Duration |\n\
             |---|---|---|---|---|\n\
             | Meta | Pixel | \\_fbp | Ads | 3 months |\n",
        )
    }

    fn summary(report: &DriftReport) -> Vec<String> {
        report
            .findings
            .iter()
            .map(|f| format!("{:?} {}", f.kind, f.cookie))
            .collect()
    }

    #[test]
    fn every_kind_of_drift() {
        let all = &[Mode::BeforeConsent, Mode::Accept, Mode::Reject];
        let mut basket = cookie("basket", "www.example.com", "/", all);
        basket.session = true;
        basket.lifetime_days = None;
        let mut fbp = cookie("_fbp", ".example.com", "/", &[Mode::Accept]);
        fbp.lifetime_days = Some(90.0);
        let cases: Vec<(&str, Vec<CookieRecord>, Vec<&str>)> = vec![
            (
                "matches",
                vec![
                    basket.clone(),
                    cookie("_ga", ".example.com", "/", &[Mode::Accept]),
                    cookie("_ga_XYZ", ".example.com", "/", &[Mode::Accept]),
                    fbp.clone(),
                ],
                vec!["NotObserved remember_me"],
            ),
            (
                "undeclared, miscategorised, too long",
                vec![
                    basket.clone(),
                    // The knowledge base knows _gcl_au as marketing; nobody declared it.
                    cookie("_gcl_au", ".example.com", "/", &[Mode::Accept]),
                    // _fbp declared for 3 months, lives 200 days.
                    {
                        let mut fbp = fbp.clone();
                        fbp.lifetime_days = Some(200.0);
                        fbp
                    },
                    // Declared a session cookie, lives a year.
                    cookie("remember_me", "www.example.com", "/", all),
                    cookie("_ga", ".example.com", "/", &[Mode::Accept]),
                ],
                vec![
                    "Undeclared _gcl_au",
                    "LifetimeContradicted _fbp",
                    "LifetimeContradicted remember_me",
                    "NotObserved _ga_*",
                ],
            ),
        ];
        for (name, cookies, expected) in cases {
            let report = check(
                &scan(&["/"], cookies),
                &policy(),
                &classifier(),
                "policy.md",
                1.5,
            );
            assert_eq!(summary(&report), expected, "case: {name}");
        }
    }

    #[test]
    fn a_contradicted_category_is_reported() {
        let mut declared = policy();
        // Declare _fbp as necessary.
        for d in &mut declared {
            if d.name == "_fbp" {
                d.category = Some(Category::Necessary);
            }
        }
        let report = check(
            &scan(
                &["/"],
                vec![cookie("_fbp", ".example.com", "/", &[Mode::Accept])],
            ),
            &declared,
            &classifier(),
            "policy.md",
            1.5,
        );
        let found = report
            .findings
            .iter()
            .find(|f| f.kind == DriftKind::CategoryContradicted)
            .expect("category finding");
        assert!(found.declared.as_deref().unwrap().starts_with("necessary"));
        assert!(found.observed.as_deref().unwrap().starts_with("marketing"));
        let text = render_text(&report);
        assert!(
            text.contains("Declared category contradicted (1)"),
            "{text}"
        );
        assert!(render_markdown(&report).contains("\\_fbp"));
    }

    #[test]
    fn undeclared_cookies_come_with_the_rows_to_add() {
        let scanned = scan(
            &["/"],
            vec![
                cookie("_gcl_au", ".example.com", "/", &[Mode::Accept]),
                cookie("basket", "www.example.com", "/", &[Mode::Accept]),
            ],
        );
        let settings = crate::report::policy::TableSettings::default();
        let report = check(&scanned, &policy(), &classifier(), "policy.md", 1.5);
        let rows = rows_to_add(&scanned, &report, &classifier(), &settings).expect("rows");
        assert!(rows.starts_with("## "), "{rows}");
        assert!(rows.contains("\\_gcl\\_au"), "{rows}");
        assert!(
            !rows.contains("basket"),
            "declared cookies are not repeated: {rows}"
        );
        let declared_only = scan(
            &["/"],
            vec![cookie("basket", "www.example.com", "/", &[Mode::Accept])],
        );
        let all_declared = check(&declared_only, &policy(), &classifier(), "policy.md", 1.5);
        assert!(rows_to_add(&declared_only, &all_declared, &classifier(), &settings).is_none());
    }
}
