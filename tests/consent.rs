//! Consent passes against real banners: mocks of the SaaS consent platforms, banners only the
//! heuristic knows, and real open-source consent libraries from npm, each in real Chromium.

mod support;

use cookiescan::model::{ConsentOutcome, ConsentRecord, Mode, Scan};
use cookiescan::site::SiteServer;
use support::consent::{
    ConsentCase, Expectation, GATED_COOKIES, NECESSARY_COOKIE, Outcome, consent_cases, consent_site,
};

use support::run_cookiescan as run;

/// `cookiescan scan URL --quiet EXTRA… --output OUT`, with the fixture's browser arguments.
fn scan_args(
    server: &SiteServer,
    url: &str,
    extra: &[String],
    out: &std::path::Path,
) -> Vec<String> {
    let mut args = vec!["scan".to_string(), url.to_string(), "--quiet".into()];
    args.extend(extra.iter().cloned());
    args.extend(["--output".to_string(), out.display().to_string()]);
    args.extend(support::chrome_args(server));
    args
}

/// Runs a scan that must succeed and reads what it wrote.
async fn scan_ok(args: Vec<String>, out: &std::path::Path) -> Scan {
    let output = run(args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// Scans one case in the given modes; returns the scan.
async fn scan(
    server: &SiteServer,
    case: &ConsentCase,
    modes: &str,
    dir: &std::path::Path,
) -> Result<Scan, String> {
    scan_with(server, case, modes, dir, "both").await
}

/// Scans one case with the given consent engine.
async fn scan_with(
    server: &SiteServer,
    case: &ConsentCase,
    modes: &str,
    dir: &std::path::Path,
    engine: &str,
) -> Result<Scan, String> {
    let out = dir.join(format!(
        "{}-{}-{engine}.json",
        case.id,
        modes.replace(',', "+")
    ));
    let mut args = vec![
        "scan".to_string(),
        case.start_url(),
        "--quiet".into(),
        "--keep-values".into(),
        format!("--modes={modes}"),
        format!("--consent-engine={engine}"),
        // autoconsent alone waits for banners ours would see at once: a shorter wait keeps
        // its run of the suite affordable.
        format!(
            "--banner-wait={}",
            if engine == "autoconsent" { "3s" } else { "6s" }
        ),
        "--max-pages=2".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(support::chrome_args(server));
    let output = run(args).await;
    if !output.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn first_consent(scan: &Scan, mode: Mode) -> Option<&ConsentRecord> {
    scan.modes.iter().find(|r| r.mode == mode)?.consent.first()
}

/// Checks one pass against its expectation; returns what is wrong.
fn check(scan: &Scan, case: &ConsentCase, mode: Mode, want: &Expectation) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(record) = first_consent(scan, mode) else {
        return vec![format!("{mode:?}: no consent record")];
    };
    let expected_outcome = match want.outcome {
        Outcome::Verified => ConsentOutcome::Verified,
        Outcome::NoRejectOption => ConsentOutcome::NoRejectOption,
        Outcome::CookieWall => ConsentOutcome::CookieWall,
    };
    if record.outcome != expected_outcome {
        problems.push(format!(
            "{mode:?}: outcome {:?}, wanted {expected_outcome:?} (clicked {:?}, detected {:?}, \
             attempts {:?})",
            record.outcome,
            record.clicked,
            record.detected_by,
            record
                .attempts
                .iter()
                .map(|a| format!("{} {:?}: {}", a.strategy, a.clicked, a.result))
                .collect::<Vec<_>>()
        ));
    }
    // A banner that could not be answered is tried, and screenshotted, once per pass: not
    // again on every page where it still shows.
    let run = scan
        .modes
        .iter()
        .find(|r| r.mode == mode)
        .expect("the pass");
    let unanswered = run
        .consent
        .iter()
        .filter(|r| r.outcome != ConsentOutcome::Verified && r.screenshot_before.is_some())
        .count();
    if unanswered > 1 {
        problems.push(format!(
            "{mode:?}: {unanswered} unanswered banners screenshotted"
        ));
    }
    if record.platform.as_deref() != case.platform {
        problems.push(format!(
            "{mode:?}: detected {:?}, wanted {:?}",
            record.platform, case.platform
        ));
    }
    if matches!(want.outcome, Outcome::NoRejectOption | Outcome::CookieWall)
        && !record.clicked.is_empty()
    {
        problems.push(format!(
            "{mode:?}: clicked {:?} though it must not",
            record.clicked
        ));
    }
    let in_mode = |name: &str| {
        scan.cookies
            .iter()
            .find(|c| c.name == name && c.modes.contains(&mode))
    };
    if let Some((name, pattern)) = want.consent_cookie {
        let pattern = regex::Regex::new(pattern).unwrap();
        match in_mode(name) {
            Some(cookie) => {
                let value = cookie.values_by_mode[&mode]
                    .value
                    .clone()
                    .unwrap_or_default();
                let decoded = percent_encoding::percent_decode_str(&value)
                    .decode_utf8_lossy()
                    .into_owned();
                if !pattern.is_match(&decoded) {
                    problems.push(format!(
                        "{mode:?}: {name}={decoded:?} does not match /{pattern}/"
                    ));
                }
            }
            None => problems.push(format!("{mode:?}: consent cookie {name} missing")),
        }
    }
    if let Some((key, _)) = want.consent_storage
        && !scan
            .storage
            .iter()
            .any(|s| s.key == key && s.modes.contains(&mode))
    {
        problems.push(format!("{mode:?}: consent storage {key} missing"));
    }
    for gated in GATED_COOKIES {
        let present = in_mode(gated).is_some();
        if present != want.gated {
            problems.push(format!(
                "{mode:?}: {gated} present={present}, wanted {}",
                want.gated
            ));
        }
    }
    if case.id == "tcf"
        && !record
            .verification
            .as_deref()
            .unwrap_or("")
            .starts_with("TCF useractioncomplete")
    {
        problems.push(format!(
            "{mode:?}: not verified through __tcfapi: {:?}",
            record.verification
        ));
    }
    // The refusal is on another page of the site: followed there, then what it took.
    let elsewhere: &[(&str, &[&str])] = &[
        (
            "cookieconsent-info",
            &["/cookie-settings", "switched off 2 categories"],
        ),
        ("policy-page", &["/zasady-cookies", "\"Odmítnout vše\""]),
    ];
    if mode == Mode::Reject
        && let Some((_, steps)) = elsewhere.iter().find(|(id, _)| *id == case.id)
    {
        let verified = record
            .attempts
            .iter()
            .find(|a| a.result.starts_with("verified"));
        let by_page = verified.is_some_and(|a| {
            a.strategy.contains("settings page")
                && steps
                    .iter()
                    .all(|step| a.clicked.iter().any(|c| c.contains(step)))
        });
        if !by_page {
            problems.push(format!(
                "{mode:?}: not refused on the linked page: {:?}",
                record.attempts
            ));
        }
    }
    if in_mode(NECESSARY_COOKIE).is_none() {
        problems.push(format!("{mode:?}: the necessary cookie is missing"));
    }
    problems
}

/// The consent sites, a scratch directory, and every fixture (while developing,
/// `CONSENT_CASES=tcf,klaro` keeps only those).
async fn suite() -> (SiteServer, tempfile::TempDir, Vec<ConsentCase>) {
    let (hosts, handler) = consent_site();
    let server = SiteServer::start(&hosts, handler)
        .await
        .expect("fixture server");
    let mut cases = consent_cases();
    assert!(cases.len() >= 16, "only {} consent fixtures", cases.len());
    if let Ok(only) = std::env::var("CONSENT_CASES") {
        cases.retain(|c| only.split(',').any(|id| id == c.id));
    }
    (server, tempfile::tempdir().unwrap(), cases)
}

/// Every fixture, both answers: prints the success table and fails on any miss.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::print_stderr)] // the per-fixture table is the test's report
async fn every_banner_is_answered_and_verified_in_both_directions() {
    let (server, dir, cases) = suite().await;
    let mut failures = Vec::new();
    let mut verified = [0usize; 2];
    for case in &cases {
        let mut problems = Vec::new();
        // Accept after a before-consent pass, so the gated cookies are checked in both.
        match scan(&server, case, "before-consent,accept", dir.path()).await {
            Ok(scan) => {
                problems.extend(check(&scan, case, Mode::Accept, &case.accept));
                for gated in GATED_COOKIES {
                    if scan
                        .cookies
                        .iter()
                        .any(|c| c.name == gated && c.modes.contains(&Mode::BeforeConsent))
                    {
                        problems.push(format!("{gated} set before consent"));
                    }
                }
                if first_consent(&scan, Mode::Accept)
                    .is_some_and(|r| r.outcome == ConsentOutcome::Verified)
                {
                    verified[0] += 1;
                }
            }
            Err(error) => problems.push(format!("accept scan failed: {error}")),
        }
        match scan(&server, case, "reject", dir.path()).await {
            Ok(scan) => {
                problems.extend(check(&scan, case, Mode::Reject, &case.reject));
                if first_consent(&scan, Mode::Reject)
                    .is_some_and(|r| r.outcome == ConsentOutcome::Verified)
                {
                    verified[1] += 1;
                }
            }
            Err(error) => problems.push(format!("reject scan failed: {error}")),
        }
        eprintln!(
            "{:<24} {}",
            case.id,
            if problems.is_empty() {
                "ok".to_string()
            } else {
                problems.join("; ")
            }
        );
        if !problems.is_empty() {
            failures.push(case.id);
        }
    }
    eprintln!(
        "verified: accept {}/{} reject {}/{} (reject includes cases where refusing is impossible by design)",
        verified[0],
        cases.len(),
        verified[1],
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "consent fixtures failing: {failures:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn violations_fail_the_build_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.json");
    let demo = |extra: &[&str]| {
        let mut args = vec![
            "demo".to_string(),
            "--quiet".into(),
            "--scans-dir".into(),
            dir.path().display().to_string(),
            "--output".into(),
            out.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    // The demo shop sets an analytics cookie before consent on purpose.
    let strict = run(demo(&["--fail-on-violations"])).await;
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let rules = cookiescan::consent::rules::builtin_rules();
    let classifier = cookiescan::classify::Classifier::new(
        &scan.site.registrable_domain,
        "Demo Shop",
        Vec::new(),
        cookiescan::classify::knowledge::builtin(),
        None,
    );
    let found = cookiescan::findings::findings(&scan, &rules, &classifier);
    assert!(found.before_consent.iter().any(|c| c.name == "_demo_mid"));
    assert!(
        !found
            .before_consent
            .iter()
            .any(|c| c.name == "demo_consent")
    );
    let summary = run(vec![
        "report".into(),
        out.display().to_string(),
        "--format".into(),
        "summary".into(),
    ])
    .await;
    let summary = String::from_utf8(summary.stdout).unwrap();
    assert!(summary.contains("Cookies set before consent"), "{summary}");
    assert!(summary.contains("_demo_mid"), "{summary}");
    let lenient = run(demo(&[])).await;
    assert_eq!(lenient.status.code(), Some(0));
}

/// Scans the first page of `url` in the reject pass with the given site config.
async fn reject_with_config(
    server: &SiteServer,
    url: &str,
    config: &std::path::Path,
    out: &std::path::Path,
) -> Scan {
    let extra = [
        "--modes=reject".to_string(),
        "--max-pages=1".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    scan_ok(scan_args(server, url, &extra, out), out).await
}

/// The gated cookies of a scan, in any mode.
fn gated_in(scan: &Scan) -> Vec<String> {
    scan.cookies
        .iter()
        .filter(|c| GATED_COOKIES.contains(&c.name.as_str()))
        .map(|c| c.name.clone())
        .collect()
}

/// A refusal whose first flow let the trackers in (so the pass started over) and that the
/// platform's API alone then made, in the fresh context.
fn assert_spoiled_then_refused_by_the_api(record: &ConsentRecord) {
    let spoiled = record
        .attempts
        .iter()
        .find(|a| a.tainted)
        .unwrap_or_else(|| panic!("no spoiled attempt recorded: {record:#?}"));
    assert!(
        spoiled.result.contains("trk_uid") || spoiled.result.contains("records consent"),
        "{spoiled:#?}"
    );
    assert_eq!(record.outcome, ConsentOutcome::Verified, "{record:#?}");
    assert_eq!(record.clicked, vec!["API OneTrust.RejectAll()".to_string()]);
}

/// The consent sites, a scratch directory and where a site config goes in it.
async fn config_fixture() -> (SiteServer, tempfile::TempDir, std::path::PathBuf) {
    let (hosts, handler) = consent_site();
    let server = SiteServer::start(&hosts, handler)
        .await
        .expect("fixture server");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    (server, dir, config)
}

/// A site's own rule (from its scan config) beats the heuristic, and preset consent cookies
/// replace clicking.
#[tokio::test(flavor = "multi_thread")]
async fn the_site_config_adds_rules_and_presets_consent() {
    let (server, dir, config) = config_fixture().await;
    std::fs::write(
        &config,
        r#"
[[consent.platform]]
id = "bandeau-maison"
name = "Bandeau maison"
detect = { selectors = ["[data-action=refuser]"] }
visible = ["[data-action=refuser]"]
accept = [{ steps = [{ click = "[data-action=accepter]" }] }]
reject = [{ steps = [{ click = "[data-action=refuser]" }] }]
verify = { cookie = "choix_cookies", accept = "accord", reject = "refus" }
"#,
    )
    .unwrap();
    let out = dir.path().join("fr.json");
    let scan = reject_with_config(&server, "https://www.heuristic-fr.test/", &config, &out).await;
    let record = first_consent(&scan, Mode::Reject).unwrap();
    assert_eq!(record.platform.as_deref(), Some("bandeau-maison"));
    assert_eq!(record.outcome, ConsentOutcome::Verified, "{record:?}");
    assert!(
        record
            .verification
            .as_deref()
            .unwrap_or("")
            .contains("choix_cookies")
    );

    // Presetting the German site's refusal: nothing to click, nothing gated loads.
    std::fs::write(
        &config,
        "[[consent.preset.reject]]\nname = \"einwilligung\"\nvalue = \"abgelehnt\"\n",
    )
    .unwrap();
    let out = dir.path().join("de.json");
    let scan = reject_with_config(&server, "https://www.heuristic-de.test/", &config, &out).await;
    let consent = &scan.modes[0].consent;
    assert_eq!(
        consent.len(),
        1,
        "only the preset, no banner handled: {consent:?}"
    );
    assert_eq!(consent[0].outcome, ConsentOutcome::Verified);
    assert!(consent[0].clicked.is_empty());
    assert!(
        !scan
            .cookies
            .iter()
            .any(|c| GATED_COOKIES.contains(&c.name.as_str()))
    );

    // A broken config is a clear error before any work.
    std::fs::write(&config, "[consent]\nplatfrom = []\n").unwrap();
    let output = run(vec![
        "scan".into(),
        "https://www.heuristic-de.test/".into(),
        "--config".into(),
        config.display().to_string(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("site.toml"));
}

/// The wrong-click trap: a refusal flow that saves pre-ticked categories grants consent, and
/// an API call afterwards would rewrite the consent cookie to "refused". The pass must be a
/// true refusal (redone in a fresh context) or reported failed, never `verified` with the
/// gated cookies set.
#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_that_granted_consent_is_redone_or_failed_never_verified() {
    let (server, dir, config) = config_fixture().await;
    std::fs::write(&config, "").unwrap();

    // Hidden checkboxes under styled labels are switched off through their labels: a true
    // refusal in the first context.
    let out = dir.path().join("hidden.json");
    let url = "https://www.trap-hidden-toggles.test/";
    let scan = reject_with_config(&server, url, &config, &out).await;
    let record = first_consent(&scan, Mode::Reject).unwrap();
    assert_eq!(record.outcome, ConsentOutcome::Verified, "{record:#?}");
    assert!(
        record
            .clicked
            .iter()
            .any(|c| c.starts_with("switched off 3 ×")),
        "{record:#?}"
    );
    assert!(record.attempts.iter().all(|a| !a.tainted), "{record:#?}");
    assert_eq!(gated_in(&scan), Vec::<String>::new());

    // "Confirm My Choices" saves everything: the flow is found out by the trackers it let in,
    // the pass starts over in a fresh context, and the platform's API refuses there alone.
    let out = dir.path().join("save-accepts.json");
    let url = "https://www.trap-save-accepts.test/";
    let scan = reject_with_config(&server, url, &config, &out).await;
    let record = first_consent(&scan, Mode::Reject).unwrap();
    assert_spoiled_then_refused_by_the_api(record);
    assert_eq!(
        gated_in(&scan),
        Vec::<String>::new(),
        "the spoiled context's cookies must not reach the inventory"
    );

    // The same banner where the site's rule knows no API: whatever is left to refuse with
    // after starting over (the heuristic's settings layer) saves everything too, so the pass
    // is reported failed, with the reason, and scanned in a third context with the banner
    // unanswered: no cookie the scanner let in is reported as surviving the refusal.
    std::fs::write(
        &config,
        r##"
[[consent.platform]]
id = "onetrust"
name = "OneTrust (settings only)"
detect = { selectors = ["#onetrust-banner-sdk"] }
visible = ["#onetrust-banner-sdk", "#onetrust-pc-sdk"]
accept = [{ steps = [{ click = "#onetrust-accept-btn-handler" }] }]
reject = [{ steps = [
  { click = "#onetrust-pc-btn-handler" },
  { wait_for = "#onetrust-pc-sdk" },
  { click_all = "#onetrust-consent-sdk input.category-switch-handler:checked" },
  { click = "#onetrust-pc-sdk .save-preference-btn-handler" },
] }]
verify = { cookie = "OptanonConsent", accept = 'groups=[^&]*C0002:1', reject = 'groups=[^&]*C0002:0' }
"##,
    )
    .unwrap();
    let out = dir.path().join("no-api.json");
    let scan = reject_with_config(&server, url, &config, &out).await;
    let record = first_consent(&scan, Mode::Reject).unwrap();
    assert_eq!(record.outcome, ConsentOutcome::Failed, "{record:#?}");
    let reason = record.verification.as_deref().unwrap_or("");
    assert!(
        reason.contains("left unanswered") || reason.contains("no other way to answer"),
        "{record:#?}"
    );
    assert!(record.attempts.iter().any(|a| a.tainted), "{record:#?}");
    assert_eq!(gated_in(&scan), Vec::<String>::new());
}

/// A banner that shows only on a page past the first, answered by a flow that saves every
/// category: the batch that page belongs to is visited again in a fresh context, where the
/// platform's API refuses, and nothing the spoiling flow let in reaches the inventory.
#[tokio::test(flavor = "multi_thread")]
async fn a_later_page_that_spoils_the_context_starts_the_pass_over() {
    let (server, dir, config) = config_fixture().await;
    std::fs::write(&config, "").unwrap();
    let out = dir.path().join("late.json");
    let extra = [
        "--modes=before-consent,reject".to_string(),
        "--no-sitemaps".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    let url = "https://www.trap-late.test/";
    let scan = scan_ok(scan_args(&server, url, &extra, &out), &out).await;
    let reject = scan
        .modes
        .iter()
        .find(|r| r.mode == Mode::Reject)
        .expect("the reject pass");
    let urls: Vec<&str> = reject.pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://www.trap-late.test/",
            "https://www.trap-late.test/about"
        ]
    );
    let record = reject
        .consent
        .iter()
        .find(|r| r.page.ends_with("/about"))
        .unwrap_or_else(|| panic!("no consent record for /about: {:#?}", reject.consent));
    assert_spoiled_then_refused_by_the_api(record);
    assert_eq!(
        gated_in(&scan),
        Vec::<String>::new(),
        "the spoiled context's cookies"
    );
}

/// autoconsent alone on every fixture: its contribution, measured. It must never report a
/// refusal verified while the gated cookies are set, nor an acceptance verified without them.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::print_stderr)] // the per-fixture table is the test's report
async fn autoconsent_alone_never_reports_a_false_answer() {
    let (server, dir, cases) = suite().await;
    let mut false_answers = Vec::new();
    let mut answered = [0usize; 2];
    for case in &cases {
        let mut row = Vec::new();
        for (index, mode) in [Mode::Accept, Mode::Reject].into_iter().enumerate() {
            let scan =
                match scan_with(&server, case, mode.as_str(), dir.path(), "autoconsent").await {
                    Ok(scan) => scan,
                    Err(error) => {
                        false_answers.push(format!("{} {mode:?}: scan failed: {error}", case.id));
                        continue;
                    }
                };
            let Some(record) = first_consent(&scan, mode) else {
                row.push(format!("{mode:?}: no record"));
                continue;
            };
            let gated = GATED_COOKIES.iter().any(|name| {
                scan.cookies
                    .iter()
                    .any(|c| c.name == *name && c.modes.contains(&mode))
            });
            if record.outcome == ConsentOutcome::Verified {
                answered[index] += 1;
                if record
                    .engine
                    .as_deref()
                    .is_none_or(|e| !e.starts_with("autoconsent"))
                {
                    false_answers.push(format!(
                        "{} {mode:?}: answered by {:?}",
                        case.id, record.engine
                    ));
                }
                if gated != (mode == Mode::Accept) {
                    false_answers.push(format!(
                        "{} {mode:?}: verified, but gated cookies present={gated} ({:?})",
                        case.id, record.clicked
                    ));
                }
            }
            row.push(format!("{} {}", mode.as_str(), record.outcome.as_str()));
        }
        eprintln!("{:<24} {}", case.id, row.join(", "));
    }
    eprintln!(
        "autoconsent alone verified: accept {}/{} reject {}/{}",
        answered[0],
        cases.len(),
        answered[1],
        cases.len()
    );
    assert!(false_answers.is_empty(), "{false_answers:#?}");
    // It did run: the suite holds platforms its rule set knows.
    assert!(
        answered[0] + answered[1] > 0,
        "autoconsent answered nothing"
    );
}

/// Without autoconsent a scan still answers banners with our rules and says so; asked for
/// autoconsent alone, it refuses clearly before any work.
#[tokio::test(flavor = "multi_thread")]
async fn a_scan_without_autoconsent_runs_with_our_rules_and_says_so() {
    let (server, dir, _config) = config_fixture().await;
    let missing = dir.path().join("no-autoconsent-here");
    let out = dir.path().join("klaro.json");
    let extra = [
        "--modes=reject".to_string(),
        "--max-pages=1".into(),
        "--autoconsent".into(),
        missing.display().to_string(),
    ];
    let mut args = scan_args(&server, "https://www.klaro.test/", &extra, &out);
    let output = run(args.clone()).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("cookiescan's rules only"), "{stderr}");
    assert!(stderr.contains("no-autoconsent-here"), "{stderr}");
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(scan.settings.consent_engines.as_deref(), Some("cookiescan"));
    let record = first_consent(&scan, Mode::Reject).unwrap();
    assert_eq!(record.outcome, ConsentOutcome::Verified, "{record:#?}");
    assert_eq!(record.engine.as_deref(), Some("cookiescan"));

    args.push("--consent-engine=autoconsent".into());
    let output = run(args).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--consent-engine autoconsent cannot run"),
        "{stderr}"
    );
}
