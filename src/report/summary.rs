//! The short plain-text summary printed after a scan.

use std::fmt::Write;

use super::{Renderer, ReportError, ReportInput};
use crate::model::{PageOutcome, Party, Scan, ScanOutcome};

use crate::classify::Classifier;
use crate::consent::rules::RuleSet;
use crate::findings::findings;
use crate::text::escape::clean;
use crate::text::words::page_label;

/// `report --format summary`, and what `scan` prints when it is done.
pub struct Summary;

impl Renderer for Summary {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        out.write_all(render_summary(input.scan, input.classifier, input.rules).as_bytes())?;
        Ok(())
    }
}

/// Renders the summary. Site-controlled text is stripped of control characters so a hostile
/// cookie name cannot rewrite the user's terminal. The findings count the site's own consent
/// rules, as `--fail-on-violations` does.
pub fn render_summary(scan: &Scan, classifier: &Classifier, rules: &RuleSet) -> String {
    let mut out = String::new();
    let host = scan.site.host.as_str();
    let _ = writeln!(
        out,
        "Scanned {} (site {}) with {} in {:.1} s{}",
        clean(&scan.site.start_url),
        clean(&scan.site.registrable_domain),
        clean(&scan.browser.product),
        scan.timing.duration_ms as f64 / 1000.0,
        match scan.outcome() {
            ScanOutcome::Ok => "",
            ScanOutcome::Partial => " (INTERRUPTED: partial results)",
            ScanOutcome::Unreachable => " (UNREACHABLE: no page of the site loaded)",
        }
    );
    pages(&mut out, scan);
    consent(&mut out, scan, host);
    category_passes(&mut out, scan);
    cookies(&mut out, scan);
    inferred(&mut out, scan, classifier);
    findings_lines(&mut out, scan, classifier, rules);
    failures(&mut out, scan, host);
    out
}

/// How many cookies only the scan's own evidence classified, and the way to confirm them.
fn inferred(out: &mut String, scan: &Scan, classifier: &Classifier) {
    let mut by_category = std::collections::BTreeMap::new();
    for cookie in &scan.cookies {
        let class = classifier.classify_cookie(cookie);
        if class.source == crate::classify::Source::Inferred {
            *by_category.entry(class.category).or_insert(0usize) += 1;
        }
    }
    if by_category.is_empty() {
        return;
    }
    let parts: Vec<String> = by_category
        .iter()
        .map(|(category, n)| match category {
            crate::classify::Category::Unclassified => {
                format!("{n} not necessary (gated by the banner)")
            }
            other => format!("{n} {}", other.as_str()),
        })
        .collect();
    let _ = writeln!(
        out,
        "Inferred, for review: {} ({}); `cookiescan annotate` writes them into the site config",
        by_category.values().sum::<usize>(),
        parts.join(", ")
    );
}

/// The per-category passes: each category granted alone, what came of it, and what the
/// passes cost next to the consent-mode passes.
fn category_passes(out: &mut String, scan: &Scan) {
    if scan.category_passes.is_empty() {
        return;
    }
    for pass in &scan.category_passes {
        let _ = writeln!(
            out,
            "Category pass [{}] \u{201c}{}\u{201d} ({} → {}): {} page(s), {}{}",
            clean(&pass.platform),
            clean(&pass.label),
            clean(&pass.category_id),
            pass.category.as_str(),
            pass.pages.len(),
            pass.outcome.as_str(),
            pass.verification
                .as_deref()
                .map(|v| format!(" ({})", clean(v)))
                .unwrap_or_default()
        );
    }
    let spent = scan
        .timing
        .category_passes_wall_ms
        .unwrap_or_else(|| scan.timing.category_passes_ms.values().sum());
    let modes: u64 = scan.timing.modes_ms.values().sum();
    let share = if modes > 0 {
        format!(
            ", +{:.0} % on the consent-mode passes",
            spent as f64 * 100.0 / modes as f64
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "Category passes: {} in {:.1} s{share} (`--categories off` skips them, \
         `--category-pages N` bounds them)",
        scan.category_passes.len(),
        spent as f64 / 1000.0
    );
}

/// Pages per mode, by outcome.
fn pages(out: &mut String, scan: &Scan) {
    for run in &scan.modes {
        let count =
            |outcome: PageOutcome| run.pages.iter().filter(|p| p.outcome == outcome).count();
        let _ = writeln!(
            out,
            "Pages [{}]: {} visited: {} ok, {} failed, {} skipped (not HTML), {} off-site redirects{}",
            run.mode.as_str(),
            run.pages.len(),
            count(PageOutcome::Ok),
            count(PageOutcome::Failed),
            count(PageOutcome::Skipped),
            count(PageOutcome::OffSiteRedirect),
            if run.browser_restarts > 0 {
                format!("; browser relaunched {} time(s)", run.browser_restarts)
            } else {
                String::new()
            }
        );
    }
}

/// Every banner answered, per mode.
fn consent(out: &mut String, scan: &Scan, host: &str) {
    for run in &scan.modes {
        for consent in &run.consent {
            let who = consent
                .platform_name
                .as_deref()
                .unwrap_or("a banner no rule knows");
            let clicked = if consent.clicked.is_empty() {
                "nothing clicked".to_string()
            } else {
                format!("clicked {}", consent.clicked.join(" → "))
            };
            let _ = writeln!(
                out,
                "Consent [{}] on {}: {}; {}; {}{}",
                run.mode.as_str(),
                clean(&page_label(&consent.page, host)),
                clean(who),
                clean(&clicked),
                consent.outcome.as_str(),
                consent
                    .verification
                    .as_deref()
                    .map(|v| format!(" ({})", clean(v)))
                    .unwrap_or_default()
            );
        }
    }
}

/// URLs not visited, then cookies by party.
fn cookies(out: &mut String, scan: &Scan) {
    if !scan.skipped_urls.is_empty() {
        let _ = writeln!(
            out,
            "Not visited: {} URL(s) (robots.txt, limits, off-site redirects; see skipped_urls)",
            scan.skipped_urls.len()
        );
    }
    let first = scan
        .cookies
        .iter()
        .filter(|c| c.party == Party::First)
        .count();
    let _ = writeln!(
        out,
        "Cookies: {} ({} first-party, {} third-party); {} refused by the browser; {} web-storage keys",
        scan.cookies.len(),
        first,
        scan.cookies.len() - first,
        scan.blocked_cookies.len(),
        scan.storage.len()
    );
    for party in [Party::First, Party::Third] {
        let names: Vec<String> = scan
            .cookies
            .iter()
            .filter(|c| c.party == party)
            .map(|c| {
                // Third-party names always, first-party names when ambiguous, show the domain.
                let same_name = scan.cookies.iter().filter(|o| o.name == c.name).count();
                if party == Party::Third || same_name > 1 {
                    format!(
                        "{} ({})",
                        clean(&c.name),
                        clean(c.domain.trim_start_matches('.'))
                    )
                } else {
                    clean(&c.name)
                }
            })
            .collect();
        if !names.is_empty() {
            let label = if party == Party::First {
                "first-party"
            } else {
                "third-party"
            };
            let _ = writeln!(out, "  {label}: {}", names.join(", "));
        }
    }
}

/// Cookies set before consent and cookies that survive "reject all".
fn findings_lines(out: &mut String, scan: &Scan, classifier: &Classifier, rules: &RuleSet) {
    let found = findings(scan, rules, classifier);
    for (title, cookies) in [
        ("Cookies set before consent", &found.before_consent),
        ("Cookies that survive \"reject all\"", &found.survive_reject),
    ] {
        if cookies.is_empty() {
            continue;
        }
        let names: Vec<String> = cookies
            .iter()
            .map(|c| {
                format!(
                    "{} ({})",
                    clean(&c.name),
                    clean(c.domain.trim_start_matches('.'))
                )
            })
            .collect();
        let _ = writeln!(out, "{title}: {}", names.join(", "));
    }
}

/// The pages that failed and why.
fn failures(out: &mut String, scan: &Scan, host: &str) {
    let failures: Vec<_> = scan
        .modes
        .iter()
        .flat_map(|run| run.pages.iter())
        .filter(|p| p.outcome == PageOutcome::Failed)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "Failed pages:");
        for page in failures {
            let _ = writeln!(
                out,
                "  {}: {}",
                clean(&page_label(&page.url, host)),
                clean(page.error.as_deref().unwrap_or("unknown error"))
            );
        }
    }
}
