//! The audit report: one self-contained HTML file a DPO, a client or a regulator reads. It is
//! built from the scan JSON and its artifacts folder alone: the summary, the two findings with
//! their evidence, the cookie × mode matrix (sortable and filterable in the page, no server),
//! every cookie's setters, pages, attributes and classification, the per-category passes, the
//! consent screenshots embedded, and static SVG charts. Printing it ("Save as PDF") gives a
//! clean document.
//!
//! The page is a minijinja template (`audit.html`, auto-escaped as HTML): everything from the
//! scanned site reaches it as data, never as markup.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use serde::Serialize;

use super::{Renderer, ReportError, ReportInput};
use crate::classify::Category;
use crate::findings::findings;
use crate::model::{CookieRecord, Mode, PageOutcome, Party};

/// `report --format audit`.
pub struct Audit;

const TEMPLATE: &str = include_str!("audit.html");

impl Renderer for Audit {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        let view = AuditView::of(input);
        let mut env = minijinja::Environment::new();
        env.add_template("audit.html", TEMPLATE)
            .map_err(|e| ReportError::Template(e.to_string()))?;
        let page = env
            .get_template("audit.html")
            .and_then(|t| t.render(&view))
            .map_err(|e| ReportError::Template(e.to_string()))?;
        out.write_all(page.as_bytes())?;
        Ok(())
    }
}

#[derive(Serialize)]
struct AuditView {
    site: String,
    start_url: String,
    started_at: String,
    duration_s: String,
    browser: String,
    tool: String,
    /// "complete", "interrupted" or "unreachable".
    outcome: &'static str,
    modes: Vec<ModeView>,
    /// The modes scanned, as matrix columns.
    columns: Vec<&'static str>,
    counts: Vec<CountRow>,
    storage_keys: usize,
    third_parties: Vec<Bar>,
    category_bars: Vec<CategoryBars>,
    before_consent: Vec<Finding>,
    survive_reject: Vec<Finding>,
    /// Whether each finding was looked for (its mode scanned).
    looked_before: bool,
    looked_reject: bool,
    cookies: Vec<CookieView>,
    category_passes: Vec<PassView>,
    /// Whether any banner was answered.
    answered: bool,
    /// The previous scan's start, when there is one to compare with.
    previous: Option<String>,
    changes: Vec<ChangeRow>,
}

/// What changed since the site's previous scan, as the report lists it (the caller, who
/// found that scan, turns the diff into these rows).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// When the previous scan started.
    pub previous: String,
    pub rows: Vec<ChangeRow>,
}

/// One change.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    /// The kind's title ("New cookie", "Set before consent").
    pub kind: String,
    /// A change for the worse.
    pub regression: bool,
    /// The cookie, or the page, third party or mode concerned.
    pub what: String,
    pub modes: String,
    pub before: String,
    pub after: String,
    /// Where to look in the newer scan.
    pub evidence: Vec<String>,
}

#[derive(Serialize)]
struct ModeView {
    mode: &'static str,
    pages: usize,
    ok: usize,
    failed: usize,
    skipped: usize,
    restarts: u32,
    consent: Vec<ConsentView>,
    failures: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ConsentView {
    page: String,
    platform: String,
    engine: String,
    detected_by: String,
    clicked: String,
    outcome: &'static str,
    verification: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Serialize)]
struct CountRow {
    category: &'static str,
    first: usize,
    third: usize,
}

/// One bar of a chart: its label, value and length in per cent of the longest.
#[derive(Serialize)]
struct Bar {
    label: String,
    value: usize,
    percent: usize,
}

/// A category's cookies per mode, as bars.
#[derive(Serialize)]
struct CategoryBars {
    category: &'static str,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Finding {
    anchor: String,
    name: String,
    domain: String,
    category: &'static str,
    set_by: Vec<String>,
    pages: Vec<String>,
}

#[derive(Serialize)]
struct CookieView {
    anchor: String,
    name: String,
    domain: String,
    path: String,
    party: &'static str,
    category: &'static str,
    source: &'static str,
    provider: String,
    purpose: String,
    evidence: String,
    /// Per matrix column: whether the cookie was in the jar in that mode.
    present: Vec<bool>,
    setters: Vec<SetterView>,
    first_page: String,
    pages: Vec<String>,
    lifetime: String,
    attributes: String,
}

#[derive(Serialize)]
struct SetterView {
    how: String,
    url: String,
    frame: String,
    initiator: String,
}

#[derive(Serialize)]
struct PassView {
    label: String,
    id: String,
    category: &'static str,
    outcome: &'static str,
    verification: String,
    pages: usize,
    cookies: usize,
}

impl AuditView {
    fn of(input: &ReportInput) -> AuditView {
        let scan = input.scan;
        let columns: Vec<Mode> = scan.modes.iter().map(|r| r.mode).collect();
        let class = |c: &CookieRecord| input.classifier.classify_cookie(c);
        let found = findings(scan, input.rules, input.classifier);
        let finding = |c: &&CookieRecord| Finding {
            anchor: anchor(c),
            name: c.name.clone(),
            domain: c.domain.clone(),
            category: class(c).category.as_str(),
            set_by: {
                let mut urls: Vec<String> = c.setters.iter().map(|s| s.url.clone()).collect();
                urls.dedup();
                urls
            },
            pages: c.pages.iter().take(5).cloned().collect(),
        };
        let mut counts: BTreeMap<Category, (usize, usize)> = BTreeMap::new();
        let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_mode: BTreeMap<Category, BTreeMap<Mode, usize>> = BTreeMap::new();
        for cookie in &scan.cookies {
            let category = class(cookie).category;
            let entry = counts.entry(category).or_default();
            match cookie.party {
                Party::First => entry.0 += 1,
                Party::Third => {
                    entry.1 += 1;
                    *hosts
                        .entry(cookie.domain.trim_start_matches('.').to_string())
                        .or_default() += 1;
                }
            }
            for mode in &cookie.modes {
                *per_mode
                    .entry(category)
                    .or_default()
                    .entry(*mode)
                    .or_default() += 1;
            }
        }
        let most = per_mode
            .values()
            .flat_map(|m| m.values())
            .copied()
            .max()
            .unwrap_or(0);
        let category_bars = per_mode
            .iter()
            .map(|(category, by_mode)| CategoryBars {
                category: category.as_str(),
                bars: columns
                    .iter()
                    .map(|mode| bar(mode.as_str(), by_mode.get(mode).copied().unwrap_or(0), most))
                    .collect(),
            })
            .collect();
        let mut third: Vec<(String, usize)> = hosts.into_iter().collect();
        third.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let busiest = third.first().map_or(0, |(_, n)| *n);
        let artifacts = input.artifacts;
        AuditView {
            site: scan.site.host.clone(),
            start_url: scan.site.start_url.clone(),
            started_at: scan.timing.started_at.clone(),
            duration_s: format!("{:.1}", scan.timing.duration_ms as f64 / 1000.0),
            browser: scan.browser.product.clone(),
            tool: format!("{} {}", scan.tool.name, scan.tool.version),
            outcome: match scan.outcome() {
                crate::model::ScanOutcome::Ok => "complete",
                crate::model::ScanOutcome::Partial => "interrupted: partial results",
                crate::model::ScanOutcome::Unreachable => "unreachable: no page of the site loaded",
            },
            modes: scan
                .modes
                .iter()
                .map(|run| {
                    let count =
                        |o: PageOutcome| run.pages.iter().filter(|p| p.outcome == o).count();
                    ModeView {
                        mode: run.mode.as_str(),
                        pages: run.pages.len(),
                        ok: count(PageOutcome::Ok),
                        failed: count(PageOutcome::Failed),
                        skipped: count(PageOutcome::Skipped) + count(PageOutcome::OffSiteRedirect),
                        restarts: run.browser_restarts,
                        failures: run
                            .pages
                            .iter()
                            .filter(|p| p.outcome == PageOutcome::Failed)
                            .map(|p| (p.url.clone(), p.error.clone().unwrap_or_default()))
                            .collect(),
                        consent: run
                            .consent
                            .iter()
                            .map(|c| ConsentView {
                                page: c.page.clone(),
                                platform: c
                                    .platform_name
                                    .clone()
                                    .unwrap_or_else(|| "a banner no rule knows".into()),
                                engine: c.engine.clone().unwrap_or_default(),
                                detected_by: c.detected_by.join(", "),
                                clicked: c.clicked.join(" → "),
                                outcome: c.outcome.as_str(),
                                verification: c.verification.clone().unwrap_or_default(),
                                before: screenshot(artifacts, c.screenshot_before.as_deref()),
                                after: screenshot(artifacts, c.screenshot_after.as_deref()),
                            })
                            .collect(),
                    }
                })
                .collect(),
            columns: columns.iter().map(|m| m.as_str()).collect(),
            counts: counts
                .iter()
                .map(|(category, (first, third))| CountRow {
                    category: category.as_str(),
                    first: *first,
                    third: *third,
                })
                .collect(),
            storage_keys: scan.storage.len(),
            answered: scan.modes.iter().any(|r| !r.consent.is_empty()),
            previous: input.changes.map(|c| c.previous.clone()),
            changes: input.changes.map(|c| c.rows.clone()).unwrap_or_default(),
            third_parties: third
                .iter()
                .map(|(host, n)| bar(host, *n, busiest))
                .collect(),
            category_bars,
            looked_before: columns.contains(&Mode::BeforeConsent),
            looked_reject: columns.contains(&Mode::Reject),
            before_consent: found.before_consent.iter().map(finding).collect(),
            survive_reject: found.survive_reject.iter().map(finding).collect(),
            cookies: scan
                .cookies
                .iter()
                .map(|cookie| {
                    let class = class(cookie);
                    CookieView {
                        anchor: anchor(cookie),
                        name: cookie.name.clone(),
                        domain: cookie.domain.clone(),
                        path: cookie.path.clone(),
                        party: cookie.party.as_str(),
                        category: class.category.as_str(),
                        source: class.source.as_str(),
                        provider: class.provider.clone(),
                        purpose: class.purpose.clone(),
                        evidence: class.evidence.clone().unwrap_or_default(),
                        present: columns.iter().map(|m| cookie.modes.contains(m)).collect(),
                        setters: cookie
                            .setters
                            .iter()
                            .map(|s| SetterView {
                                how: match s.kind {
                                    crate::model::SetterKind::Http => {
                                        format!("response ({})", s.api)
                                    }
                                    crate::model::SetterKind::Javascript => {
                                        format!("script ({})", s.api)
                                    }
                                },
                                url: s.url.clone(),
                                frame: s.frame_url.clone().unwrap_or_default(),
                                initiator: s.initiator.clone().unwrap_or_default(),
                            })
                            .collect(),
                        first_page: cookie.first_seen_on.clone(),
                        pages: cookie.pages.clone(),
                        lifetime: crate::text::words::duration(cookie),
                        attributes: attributes(cookie),
                    }
                })
                .collect(),
            category_passes: scan
                .category_passes
                .iter()
                .map(|p| PassView {
                    label: p.label.clone(),
                    id: p.category_id.clone(),
                    category: p.category.as_str(),
                    outcome: p.outcome.as_str(),
                    verification: p.verification.clone().unwrap_or_default(),
                    pages: p.pages.len(),
                    cookies: p.cookies.len(),
                })
                .collect(),
        }
    }
}

/// A bar of `value` against the largest value of its chart.
fn bar(label: &str, value: usize, most: usize) -> Bar {
    Bar {
        label: label.to_string(),
        value,
        percent: (value * 100).checked_div(most).unwrap_or(0),
    }
}

/// An id for the cookie's detail row, from its position-free identity (so links survive a
/// re-render), made only of characters safe in an id.
fn anchor(cookie: &CookieRecord) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!(
        "{}\n{}\n{}",
        cookie.name, cookie.domain, cookie.path
    ));
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("cookie-{hex}")
}

fn attributes(cookie: &CookieRecord) -> String {
    let mut words = Vec::new();
    if cookie.http_only {
        words.push("HttpOnly".to_string());
    }
    if cookie.secure {
        words.push("Secure".to_string());
    }
    if let Some(same_site) = &cookie.same_site {
        words.push(format!("SameSite={same_site}"));
    }
    if !cookie.partition_keys.is_empty() {
        words.push("Partitioned".to_string());
    }
    if cookie.host_only {
        words.push("host-only".to_string());
    }
    words.push(format!("{} bytes", cookie.size));
    words.join(", ")
}

/// A screenshot of the artifacts folder as a `data:` URI: only a plain file name (our own
/// `<mode>-<n>-<when>.png`), read from that folder; anything else is left out.
fn screenshot(artifacts: Option<&Path>, name: Option<&str>) -> Option<String> {
    let (dir, name) = (artifacts?, name?);
    let plain = !name.is_empty()
        && name.ends_with(".png")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.');
    if !plain {
        return None;
    }
    let bytes = std::fs::read(dir.join(name)).ok()?;
    // A PNG, not whatever else a file of that name holds.
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::consent::rules::builtin_rules;
    use crate::model::{Scan, sample};
    use crate::report::policy::TableSettings;

    fn render(scan: &Scan, artifacts: Option<&Path>) -> String {
        let classifier = Classifier::new(
            &scan.site.registrable_domain,
            "Example Ltd",
            Vec::new(),
            crate::classify::knowledge::builtin(),
            None,
        );
        let rules = builtin_rules();
        let table = TableSettings::default();
        let input = ReportInput {
            scan,
            classifier: &classifier,
            rules: &rules,
            table: &table,
            artifacts,
            changes: None,
        };
        let mut out = Vec::new();
        Audit.render(&input, &mut out).expect("renders");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_report_escapes_everything_the_site_wrote() {
        let hostile = "<script>alert(1)</script>\"'&";
        let mut cookie = sample::cookie(hostile, "www.example.com", "/", &Mode::ALL);
        cookie.setters[0].url = format!("https://www.example.com/{hostile}");
        let scan = sample::scan(&["/"], vec![cookie]);
        let page = render(&scan, None);
        assert!(!page.contains("<script>alert(1)"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{page}"
        );
        // The one script is the report's own.
        assert_eq!(page.matches("<script>").count(), 1);
    }

    #[test]
    fn findings_come_first_with_their_evidence() {
        let early = sample::cookie("_early", ".tracker.test", "/", &Mode::ALL);
        let scan = sample::scan(&["/"], vec![early]);
        let page = render(&scan, None);
        let findings = page.find("id=\"findings\"").expect("findings section");
        let matrix = page.find("id=\"matrix\"").expect("matrix section");
        assert!(findings < matrix);
        let before = &page[findings..matrix];
        assert!(before.contains("_early"), "{before}");
        assert!(before.contains("tracker.test"), "{before}");
    }

    #[test]
    fn screenshots_are_embedded_and_only_our_own_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let png = b"\x89PNG\r\n\x1a\nrest-of-a-png";
        std::fs::write(dir.path().join("accept-000-before.png"), png).unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
        assert!(
            screenshot(Some(dir.path()), Some("accept-000-before.png"))
                .is_some_and(|uri| uri.starts_with("data:image/png;base64,"))
        );
        for name in ["../secret.txt", "secret.txt", "/etc/passwd", ".png"] {
            assert_eq!(screenshot(Some(dir.path()), Some(name)), None, "{name}");
        }
    }
}
