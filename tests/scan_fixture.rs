//! The real `cookiescan` binary, in real headless Chromium, against the in-process fixture site
//! (HTTP + HTTPS on loopback, several host names mapped with --host-resolver-rules).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use cookiescan::model::{PageOutcome, Scan};
use cookiescan::site::SiteServer;
use serde_json::Value;
use support::fixture::{self, FixtureState, START_URL};

struct Fixture {
    server: SiteServer,
    state: Arc<FixtureState>,
    dir: tempfile::TempDir,
}

async fn fixture(configure: impl FnOnce(&FixtureState)) -> Fixture {
    let state = Arc::new(FixtureState::default());
    configure(&state);
    let (hosts, handler) = fixture::fixture_site(state.clone());
    let server = SiteServer::start(&hosts, handler)
        .await
        .expect("fixture server starts");
    Fixture {
        server,
        state,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

use support::run_cookiescan as cookiescan;

/// The arguments of a scan of the fixture into `<name>.json` in its directory, and that path.
fn scan_args(fixture: &Fixture, name: &str, extra: &[&str]) -> (Vec<String>, PathBuf) {
    let out = fixture.dir.path().join(format!("{name}.json"));
    let mut args = vec![
        "scan".to_string(),
        START_URL.to_string(),
        "--quiet".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(support::chrome_args(&fixture.server));
    // The crawler traps have no banner: one pass is enough unless a test asks for more.
    if !extra.iter().any(|a| a.starts_with("--modes")) {
        args.push("--modes=before-consent".into());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    (args, out)
}

async fn scan(fixture: &Fixture, name: &str, extra: &[&str]) -> (Output, Option<Scan>) {
    let (args, out) = scan_args(fixture, name, extra);
    let output = cookiescan(args).await;
    let scan = std::fs::read_to_string(&out)
        .ok()
        .map(|text| serde_json::from_str(&text).expect("scan JSON parses"));
    (output, scan)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn page<'a>(scan: &'a Scan, path: &str) -> &'a cookiescan::model::PageRecord {
    let url = format!("{START_URL}{}", path.trim_start_matches('/'));
    scan.modes[0]
        .pages
        .iter()
        .find(|p| p.url == url)
        .unwrap_or_else(|| panic!("page {url} was not visited"))
}

fn assert_exact_inventory(scan: &Scan) {
    let expected = fixture::expected_inventory();
    let mut found: Vec<_> = scan.cookies.iter().collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    let names = |v: Vec<&str>| v.join(", ");
    assert_eq!(
        names(found.iter().map(|c| c.name.as_str()).collect()),
        names(expected.iter().map(|c| c.name).collect()),
        "cookie names"
    );
    for (cookie, want) in found.iter().zip(&expected) {
        assert_eq!(cookie.domain, want.domain, "{} domain", want.name);
        assert_eq!(cookie.path, want.path, "{} path", want.name);
        let party = serde_json::to_value(cookie.party).unwrap();
        assert_eq!(party, want.party, "{} party", want.name);
        assert_eq!(cookie.set_by.as_str(), want.set_by, "{} set_by", want.name);
        assert_eq!(
            !cookie.partition_keys.is_empty(),
            want.partitioned,
            "{} partitioned",
            want.name
        );
        assert_eq!(
            cookie.pages.len(),
            want.pages.len(),
            "{} pages: {:?}",
            want.name,
            cookie.pages
        );
        for expected_page in &want.pages {
            assert!(
                cookie
                    .pages
                    .iter()
                    .any(|p| fixture::page_matches(expected_page, p)),
                "{} should be written on {expected_page}, got {:?}",
                want.name,
                cookie.pages
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn full_scan_finds_the_exact_inventory_and_avoids_every_trap() {
    let fixture = fixture(|_| {}).await;
    let (output, scan) = scan(&fixture, "full", &[]).await;
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        stderr(&output)
    );
    let scan = scan.expect("scan written");
    assert!(scan.complete);
    assert_exact_inventory(&scan);
    assert_eq!(
        scan.browser.flags.iter().any(|f| f == "--no-sandbox"),
        effective_uid() == 0,
        "Chromium's sandbox is off only as root: {:?}",
        scan.browser.flags
    );

    // Evidence: the script that wrote a first-party cookie from a third-party file.
    let trk = scan.cookies.iter().find(|c| c.name == "_trk_id").unwrap();
    assert_eq!(trk.setters[0].url, "https://analytics.tracker.test/t.js");
    let sync = scan
        .cookies
        .iter()
        .find(|c| c.name == "partner_uid")
        .unwrap();
    assert_eq!(sync.setters[0].url, "https://sync.partner.test/match");
    let session = scan
        .cookies
        .iter()
        .find(|c| c.name == "session_id")
        .unwrap();
    assert!(session.http_only && session.session);
    assert!(
        session.value.value.is_none(),
        "values are not stored by default"
    );

    // What the browser refused, with Chromium's reason, and web-storage keys (never values).
    let refused = scan
        .blocked_cookies
        .iter()
        .find(|b| b.name == "tp_insecure")
        .expect("the refused cookie is recorded");
    assert_eq!(refused.reasons, ["SameSiteNoneInsecure"]);
    assert_eq!(
        refused.response_url,
        "https://analytics.tracker.test/pixel.gif"
    );
    let storage: Vec<(String, String, String, u64)> = scan
        .storage
        .iter()
        .map(|s| {
            let kind = serde_json::to_value(s.kind).unwrap();
            (
                s.origin.clone(),
                kind.as_str().unwrap().to_string(),
                s.key.clone(),
                s.max_size,
            )
        })
        .collect();
    let expect = |origin: &str, kind: &str, key: &str, size: u64| {
        (origin.to_string(), kind.to_string(), key.to_string(), size)
    };
    assert_eq!(
        storage,
        vec![
            expect("https://ads.adnet.test", "local", "ad_ls", 3),
            expect("https://www.shop.test", "local", "fp_pref", 4),
            expect("https://www.shop.test", "session", "fp_tab", 5),
        ]
    );
    let ad_storage = scan.storage.iter().find(|s| s.key == "ad_ls").unwrap();
    assert_eq!(serde_json::to_value(ad_storage.party).unwrap(), "third");
    assert_eq!(ad_storage.pages, ["https://www.shop.test/products/widget"]);
    assert_eq!(ad_storage.written_by, ["https://ads.adnet.test/frame"]);
    let session = scan.storage.iter().find(|s| s.key == "fp_tab").unwrap();
    assert_eq!(
        session.pages,
        ["https://www.shop.test/"],
        "pages that wrote it, not that had it"
    );

    let hits = fixture.server.hits();
    assert!(
        !hits.iter().any(|h| h.contains("/private/")),
        "robots.txt-disallowed page was requested: {hits:?}"
    );
    // The off-site end of a redirect chain is requested (a hop might lead back to the site)
    // but refused before it renders: nothing it embeds is ever fetched.
    assert!(
        !hits
            .iter()
            .any(|h| h.contains("elsewhere.test/landing.gif")),
        "off-site redirect target was rendered: {hits:?}"
    );
    assert!(
        !hits
            .iter()
            .any(|h| h.contains("report.pdf") && h.contains("http://")),
        "the PDF is fetched once over https at most"
    );
    let robots_skips: Vec<_> = scan
        .skipped_urls
        .iter()
        .filter(|s| s.reason.contains("robots"))
        .collect();
    assert!(
        robots_skips
            .iter()
            .any(|s| s.url.contains("/private/secret"))
    );

    // Traps become rows with the right outcome.
    assert_eq!(page(&scan, "/report.pdf").outcome, PageOutcome::Skipped);
    let export = page(&scan, "/export");
    assert_eq!(export.outcome, PageOutcome::Skipped, "{:?}", export.error);
    // Evidence of an HTTP setter: the document that requested it and what initiated it.
    let pixel = scan.cookies.iter().find(|c| c.name == "tp_pixel").unwrap();
    let setter = pixel
        .setters
        .iter()
        .find(|s| s.pages.iter().any(|p| p.ends_with("/products")))
        .unwrap();
    assert_eq!(
        setter.frame_url.as_deref(),
        Some("https://www.shop.test/products")
    );
    assert_eq!(
        setter.initiator.as_deref(),
        Some("https://www.shop.test/products")
    );
    assert_eq!(page(&scan, "/missing").status, Some(404));
    assert_eq!(page(&scan, "/broken").status, Some(500));
    assert_eq!(page(&scan, "/leave").outcome, PageOutcome::OffSiteRedirect);
    let moved = page(&scan, "/moved");
    assert_eq!(
        moved.final_url.as_deref(),
        Some("https://www.shop.test/products")
    );
    assert_eq!(page(&scan, "/alert").outcome, PageOutcome::Ok);
    let sitemap_only = page(&scan, "/sitemap-only");
    assert!(matches!(
        sitemap_only.via,
        cookiescan::discover::Via::Sitemap { .. }
    ));

    // The infinite calendar is capped and the rest of the site still fits the budget.
    let calendar = scan.modes[0]
        .pages
        .iter()
        .filter(|p| p.url.contains("/calendar"))
        .count();
    assert!(calendar <= 10, "{calendar} calendar pages visited");
    assert!(
        scan.skipped_urls
            .iter()
            .any(|s| s.reason.contains("query-string variant"))
    );

    // Links to `javascript:`, `data:`, `file:` and `chrome:` URLs are never followed: no row,
    // and the cookies their targets would set are absent from the exact inventory above.
    for page in scan.modes.iter().flat_map(|m| &m.pages) {
        let scheme = url::Url::parse(&page.url).unwrap().scheme().to_string();
        assert!(
            scheme == "https" || scheme == "http",
            "visited {}",
            page.url
        );
    }
    assert!(
        !scan
            .cookies
            .iter()
            .any(|c| c.name == "js_href" || c.name == "data_href")
    );

    // Every page is one row: no duplicate from tracking parameters, fragments or http/https.
    let mut keys: Vec<String> = scan.modes[0]
        .pages
        .iter()
        .map(|p| cookiescan::discover::page_key(&url::Url::parse(&p.url).unwrap()))
        .collect();
    let before = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(before, keys.len(), "a page was visited twice");

    // The CSV inventory: header and one row per cookie, pages formatted as documented.
    let report = cookiescan(vec![
        "report".into(),
        fixture.dir.path().join("full.json").display().to_string(),
        "--format".into(),
        "inventory".into(),
    ])
    .await;
    assert!(report.status.success(), "{}", stderr(&report));
    let mut reader = csv::Reader::from_reader(report.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, cookiescan::report::inventory::COLUMNS);
    let rows: Vec<BTreeMap<String, String>> = reader.deserialize().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), fixture::expected_inventory().len());
    let blog = rows.iter().find(|r| r["name"] == "blog_pref").unwrap();
    assert_eq!(blog["pages"], "https://blog.shop.test/");
    assert_eq!(blog["before_consent"], "yes");
    assert_eq!(blog["after_accept"], "");
    let chips = rows.iter().find(|r| r["name"] == "ad_chips").unwrap();
    assert_eq!(chips["partitioned"], "yes");
    assert_eq!(chips["party"], "third");
}

/// Removes what legitimately changes between two runs of an unchanged site.
fn stable_part(scan: &Scan) -> Value {
    let mut value = serde_json::to_value(scan).unwrap();
    value["timing"] = Value::Null;
    for cookie in value["cookies"].as_array_mut().unwrap() {
        cookie["value"] = Value::Null;
        cookie["values_by_mode"] = Value::Null;
        cookie["lifetime_days"] = Value::Null;
    }
    value["settings"]["concurrency"] = Value::Null;
    value["browser"]["flags"] = Value::Null;
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn two_scans_of_an_unchanged_site_are_identical_whatever_the_concurrency() {
    let fixture = fixture(|_| {}).await;
    let (first, one) = scan(&fixture, "one", &["--concurrency", "1"]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let (second, four) = scan(&fixture, "four", &["--concurrency", "4"]).await;
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(stable_part(&one.unwrap()), stable_part(&four.unwrap()));
    // And `diff` agrees: nothing changed, so even --fail-on any passes.
    let dir = fixture.dir.path();
    let diff = cookiescan(vec![
        "diff".into(),
        dir.join("one.json").display().to_string(),
        dir.join("four.json").display().to_string(),
        "--format=json".into(),
        "--fail-on=any".into(),
    ])
    .await;
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(diff["changes"], serde_json::json!([]), "{diff}");
    assert_eq!(diff["notes"], serde_json::json!([]), "{diff}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_page_is_a_failed_row_and_the_crawl_goes_on() {
    let fixture = fixture(|state| state.link_hang.store(true, Ordering::SeqCst)).await;
    let (output, scan) = scan(&fixture, "hang", &["--page-timeout", "10s"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let scan = scan.unwrap();
    let hang = page(&scan, "/hang");
    assert_eq!(hang.outcome, PageOutcome::Failed);
    assert!(
        hang.error
            .as_deref()
            .unwrap_or("")
            .contains("did not finish loading"),
        "{:?}",
        hang.error
    );
    // Pages after it were still scanned.
    assert_exact_inventory(&scan);
}

fn effective_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").expect("/proc/self").uid()
}

/// Run as root, the test drops to `nobody` for its scan: the sandboxed launch is exercised
/// whoever runs the suite.
#[tokio::test(flavor = "multi_thread")]
async fn chromiums_sandbox_is_on_when_cookiescan_is_not_root() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const NOBODY: u32 = 65534;
    let fixture = fixture(|_| {}).await;
    let home = fixture.dir.path();
    std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (args, out) = scan_args(&fixture, "sandboxed", &["--max-pages=3"]);
    let mut command = support::command(&args);
    command
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"));
    let scanner = match effective_uid() {
        0 => {
            command.uid(NOBODY).gid(NOBODY);
            NOBODY
        }
        uid => uid,
    };
    let output = tokio::task::spawn_blocking(move || command.output().expect("cookiescan runs"))
        .await
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().uid(),
        scanner,
        "who scanned"
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        !scan.browser.flags.iter().any(|f| f.contains("sandbox")),
        "{:?}",
        scan.browser.flags
    );
    assert!(
        scan.cookies.iter().any(|c| c.name == "fp_js_home"),
        "the sandboxed browser scanned the site"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_browser_is_relaunched_and_the_scan_completes() {
    let marker = format!("--cookiescan-test-marker={}", std::process::id());
    let fixture = fixture(|state| {
        state.link_crash.store(true, Ordering::SeqCst);
        *state.kill_browser_marker.lock().unwrap() = Some(marker.clone());
    })
    .await;
    let chrome_marker = format!("--chrome-arg={marker}");
    let (output, scan) = scan(&fixture, "crash", &[&chrome_marker]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !fixture.state.killed_pids.lock().unwrap().is_empty(),
        "the fixture never killed the browser"
    );
    let scan = scan.unwrap();
    assert!(scan.modes[0].browser_restarts >= 1);
    let crash = page(&scan, "/crash-browser");
    assert_eq!(crash.outcome, PageOutcome::Ok, "retried after the relaunch");
    assert!(scan.cookies.iter().any(|c| c.name == "crash_survivor"));
    // Everything else was still found.
    for expected in fixture::expected_inventory() {
        assert!(
            scan.cookies.iter().any(|c| c.name == expected.name),
            "{} missing after the relaunch",
            expected.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_values_stores_cookie_values() {
    let fixture = fixture(|_| {}).await;
    let (output, scan) = scan(&fixture, "values", &["--keep-values", "--max-pages", "1"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let scan = scan.unwrap();
    assert_eq!(scan.modes[0].pages.len(), 1);
    let trk = scan.cookies.iter().find(|c| c.name == "_trk_id").unwrap();
    assert_eq!(trk.value.value.as_deref(), Some("trk.7"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_site_is_a_clear_error_and_still_a_report() {
    let fixture = fixture(|_| {}).await;
    // A port nothing listens on any more.
    let refused_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let resolver = format!(
        "--chrome-arg=--host-resolver-rules={}",
        fixture.server.host_resolver_rules()
    );
    let cases: [(String, Vec<String>, &str); 3] = [
        (
            "https://nowhere.invalid/".into(),
            support::chrome_args(&fixture.server),
            "ERR_NAME_NOT_RESOLVED",
        ),
        (
            format!("https://127.0.0.1:{refused_port}/"),
            // Straight to loopback: the fixture's resolver rules send every other name nowhere.
            vec!["--insecure".into()],
            "ERR_CONNECTION_REFUSED",
        ),
        // The fixture's self-signed certificate, without --insecure.
        (
            START_URL.into(),
            vec![resolver],
            "ERR_CERT_AUTHORITY_INVALID",
        ),
    ];
    for (index, (url, extra, error)) in cases.into_iter().enumerate() {
        let out = fixture.dir.path().join(format!("unreachable-{index}.json"));
        let mut args = vec![
            "scan".to_string(),
            url.clone(),
            "--quiet".into(),
            "--output".into(),
            out.display().to_string(),
        ];
        args.extend(extra);
        let output = cookiescan(args).await;
        assert_eq!(output.status.code(), Some(2), "{url}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("no page of the site could be loaded")
                && stderr(&output).contains(error),
            "{url}: {}",
            stderr(&output)
        );
        let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(
            scan.outcome,
            Some(cookiescan::model::ScanOutcome::Unreachable),
            "{url}"
        );
        assert_eq!(
            scan.modes.len(),
            1,
            "{url}: no consent pass after an unreachable start"
        );
        let start = &scan.modes[0].pages[0];
        assert_eq!(start.outcome, PageOutcome::Failed, "{url}");
        assert!(
            start.error.as_deref().unwrap_or("").contains(error),
            "{url}: {start:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_rejected_before_any_work() {
    let cases: [(&[&str], &str); 6] = [
        (&["scan", "ftp://example.com"], "not an http(s) URL"),
        (&["scan", "example"], "no dot in its host name"),
        (&["scan", "https://exa mple.com"], "not a valid URL"),
        (
            &[
                "scan",
                "https://example.com",
                "--chrome",
                "/nonexistent/chrome",
            ],
            "does not exist",
        ),
        (
            &["scan", "https://example.com", "--include", "("],
            "invalid --include pattern",
        ),
        (
            &["scan", "https://example.com", "--page-timeout", "soon"],
            "page-timeout",
        ),
    ];
    for (args, message) in cases {
        let output = cookiescan(args.iter().map(|s| s.to_string()).collect()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // No browser anywhere: the error says how to install one.
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(support::cookiescan_bin())
            .args(["scan", "https://example.com"])
            .env("PATH", "")
            .env_remove("CHROME")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("apt-get install -y chromium"),
        "{}",
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"not\": \"a scan\"}").unwrap();
    let output = cookiescan(vec!["report".into(), bogus.display().to_string()]).await;
    assert_eq!(output.status.code(), Some(2));
    // Not "schema version 0", which reads as "upgrade": what the file is, and what a scan is.
    assert!(
        stderr(&output).contains("is not a cookiescan scan: it is a JSON object with the keys not"),
        "{}",
        stderr(&output)
    );
    assert!(!Path::new(&bogus.with_extension("csv")).exists());

    // Regression (issue 11): two different sites diffed to exit 0 with every cookie a change.
    let shop = dir.path().join("shop.json");
    let other = dir.path().join("other.json");
    let mut scan = cookiescan::model::sample::scan(&["/"], Vec::new());
    cookiescan::model::save_scan(&scan, &shop).unwrap();
    scan.site.registrable_domain = "example.org".into();
    scan.site.host = "www.example.org".into();
    cookiescan::model::save_scan(&scan, &other).unwrap();
    let paths = [shop.display().to_string(), other.display().to_string()];
    let output = cookiescan(vec!["diff".into(), paths[0].clone(), paths[1].clone()]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("different sites"),
        "{}",
        stderr(&output)
    );
    let forced = [&["diff".to_string()][..], &paths, &["--force".to_string()]].concat();
    let output = cookiescan(forced).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_scan_writes_what_it_has() {
    interrupt_mid_crawl("INT").await;
}

/// SIGTERM (systemd stopping the unit, Kubernetes evicting the pod, `kill`) stops a scan the
/// way Ctrl-C does (issue 11): before, it killed the process and left nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_terminated_scan_writes_what_it_has() {
    interrupt_mid_crawl("TERM").await;
}

async fn interrupt_mid_crawl(signal: &str) {
    let fixture = fixture(|state| state.slow_delay_ms.store(120_000, Ordering::SeqCst)).await;
    let out = fixture.dir.path().join("interrupted.json");
    let mut args = vec![
        "scan".to_string(),
        START_URL.to_string(),
        "--quiet".into(),
        "--concurrency".into(),
        "1".into(),
        "--page-timeout".into(),
        "300s".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(support::chrome_args(&fixture.server));
    // Interrupt while the slow page is being served: the crawl is then mid-level.
    let output = support::run_and_signal(args, signal, || {
        fixture.server.hits().iter().any(|h| h.ends_with("/slow"))
    })
    .await;
    assert_eq!(
        output.status.code(),
        Some(130),
        "{signal}: {}",
        stderr(&output)
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(!scan.complete);
    assert!(scan.modes[0].pages.iter().any(|p| p.url == START_URL));
    assert!(
        !scan.modes[0].pages.iter().any(|p| p.url.ends_with("/slow")),
        "the abandoned page is not a row"
    );
    assert!(scan.cookies.iter().any(|c| c.name == "session_id"));
}

/// A page URL as the server saw it: host, path and sorted query, whatever the scheme.
fn page_key(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    pairs.sort();
    format!(
        "{}{}{pairs:?}",
        url.host_str().unwrap_or_default(),
        url.path()
    )
}

/// The pages of `mode` that `scan` has rows for, by `page_key`.
fn rows_of(scan: &Scan, mode: cookiescan::model::Mode) -> Vec<String> {
    scan.modes
        .iter()
        .filter(|run| run.mode == mode)
        .flat_map(|run| &run.pages)
        .map(|page| page_key(&page.url))
        .collect()
}

/// Interrupted twice (in the first pass mid-level, then in the second pass), resumed each
/// time: no page a partial scan has a row for is loaded again in its pass, and the scan
/// resumed to its end is the scan an uninterrupted run writes.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_scan_resumes_where_it_stopped() {
    use cookiescan::model::Mode;
    let fixture = fixture(|state| state.slow_delay_ms.store(120_000, Ordering::SeqCst)).await;
    let dir = fixture.dir.path();
    let out = dir.join("resumed.json");
    let journal = dir.join("resumed.json.journal");
    let mut args = vec![
        "scan".to_string(),
        START_URL.to_string(),
        "--quiet".into(),
        "--modes=before-consent,accept".into(),
        "--banner-wait=2s".into(),
        "--concurrency=1".into(),
        "--page-timeout=300s".into(),
    ];
    args.extend(support::chrome_args(&fixture.server));
    let slow_hits = || {
        fixture
            .server
            .hits()
            .iter()
            .filter(|h| h.ends_with("/slow"))
            .count()
    };
    let load = |path: &Path| cookiescan::model::load_scan(path).unwrap();
    let resume_args = || {
        let mut resume = args.clone();
        resume.extend(["--resume".into(), out.display().to_string()]);
        resume
    };

    // 1. Stopped in the first pass while /slow is served: the pages before it are rows.
    let first = [args.clone(), vec!["-o".into(), out.display().to_string()]].concat();
    let output = support::run_and_signal(first, "TERM", || slow_hits() == 1).await;
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(journal.is_file(), "an interrupted scan keeps its journal");
    let partial = load(&out);
    assert!(!partial.complete);
    let visited_first = rows_of(&partial, Mode::BeforeConsent);
    assert!(visited_first.len() >= 2, "{visited_first:?}");

    // 2. Resumed with /slow quick again; stopped in the accept pass on its /slow, which is
    // made slow again once that pass starts (its first page is the start page, which the
    // resumed first pass never loads: it is a row of the journal).
    fixture.state.slow_delay_ms.store(0, Ordering::SeqCst);
    let before = fixture.server.hits().len();
    let start_key = page_key(START_URL);
    let accept_started = || {
        let hits = fixture.server.hits();
        let started = hits[before..].iter().any(|h| page_key(h) == start_key);
        if started {
            fixture.state.slow_delay_ms.store(120_000, Ordering::SeqCst);
        }
        started
    };
    let output = support::run_and_signal(resume_args(), "TERM", || {
        accept_started() && slow_hits() == 3
    })
    .await;
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let hits = fixture.server.hits();
    let second_run = &hits[before..];
    let first_pass_end = second_run
        .iter()
        .position(|h| page_key(h) == start_key)
        .expect("the accept pass started");
    for hit in &second_run[..first_pass_end] {
        assert!(
            !visited_first.contains(&page_key(hit)),
            "{hit} was a row of the interrupted pass, and loaded again"
        );
    }
    let partial = load(&out);
    assert!(!partial.complete);
    assert_eq!(partial.modes.len(), 2, "stopped in the accept pass");
    let visited_accept = rows_of(&partial, Mode::Accept);
    assert!(!visited_accept.is_empty());

    // 3. Resumed to the end: the first pass is all journal, the accept pass goes on.
    fixture.state.slow_delay_ms.store(0, Ordering::SeqCst);
    let before = fixture.server.hits().len();
    let output = cookiescan(resume_args()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!journal.exists(), "a finished scan's journal is gone");
    for hit in &fixture.server.hits()[before..] {
        assert!(
            !visited_accept.contains(&page_key(hit)),
            "{hit} was a row of the interrupted accept pass, and loaded again"
        );
    }
    let resumed = load(&out);
    assert!(resumed.complete);

    // The same scan, uninterrupted.
    let whole = dir.join("whole.json");
    let output =
        cookiescan([args.clone(), vec!["-o".into(), whole.display().to_string()]].concat()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff = cookiescan(vec![
        "diff".into(),
        whole.display().to_string(),
        out.display().to_string(),
        "--format=json".into(),
        "--fail-on=any".into(),
    ])
    .await;
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(diff["changes"], serde_json::json!([]), "{diff}");
    assert_eq!(stable_part(&resumed), stable_part(&load(&whole)));

    // A complete scan is refused before any work.
    let output = cookiescan(resume_args()).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is a complete scan: there is nothing to resume"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scans_through_an_already_running_browser() {
    let fixture = fixture(|_| {}).await;
    let chrome = cookiescan::browser::find_chrome(None).expect("chromium installed");
    let profile = tempfile::tempdir().unwrap();
    let mut browser = std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-startup-window",
            "--disable-background-networking",
            "--remote-debugging-port=0",
            "--ignore-certificate-errors",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!(
                "--host-resolver-rules={}",
                fixture.server.host_resolver_rules()
            ),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Chromium announces its DevTools address on stderr.
    let stderr_pipe = browser.stderr.take().unwrap();
    let ws = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stderr_pipe)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split_once("DevTools listening on ")
                    .map(|(_, url)| url.trim().to_string())
            })
    })
    .await
    .unwrap()
    .expect("DevTools address");
    let out = fixture.dir.path().join("connected.json");
    let output = cookiescan(vec![
        "scan".into(),
        START_URL.into(),
        "--quiet".into(),
        "--insecure".into(),
        "--max-pages".into(),
        "1".into(),
        "--browser-ws".into(),
        ws,
        "--output".into(),
        out.display().to_string(),
    ])
    .await;
    let _ = browser.kill();
    let _ = browser.wait();
    assert!(output.status.success(), "{}", stderr(&output));
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(scan.browser.how, "connected");
    assert_eq!(scan.browser.third_party_cookies_allowed, None);
    for name in ["session_id", "fp_js_home", "_trk_id"] {
        assert!(
            scan.cookies.iter().any(|c| c.name == name),
            "{name} missing"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_tab_is_a_failed_row_and_the_crawl_goes_on() {
    let fixture = fixture(|state| state.link_oom.store(true, Ordering::SeqCst)).await;
    // A small JavaScript heap makes /oom crash its renderer within a second.
    let (output, scan) = scan(
        &fixture,
        "oom",
        &[
            "--concurrency",
            "1",
            "--chrome-arg=--js-flags=--max-old-space-size=16",
        ],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let scan = scan.unwrap();
    let oom = page(&scan, "/oom");
    assert_eq!(oom.outcome, PageOutcome::Failed);
    assert!(
        oom.error.as_deref().unwrap_or("").contains("crashed"),
        "{:?}",
        oom.error
    );
    assert_exact_inventory(&scan);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_scans_its_built_in_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.json");
    let output = cookiescan(vec![
        "demo".into(),
        "--quiet".into(),
        "--scans-dir".into(),
        dir.path().display().to_string(),
        "--output".into(),
        out.display().to_string(),
    ])
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(scan.site.registrable_domain, "demo-shop.test");
    let find = |name: &str| scan.cookies.iter().find(|c| c.name == name);
    let analytics = find("_demo_mid").expect("the analytics cookie set before consent");
    assert_eq!(serde_json::to_value(analytics.party).unwrap(), "third");
    assert_eq!(find("demo_session").unwrap().set_by.as_str(), "http");
    let ad = find("adnet_uid").expect("the ad network's cookie after accepting");
    assert_eq!(
        ad.modes,
        [cookiescan::model::Mode::Accept],
        "only after accepting"
    );
    assert!(
        analytics
            .modes
            .contains(&cookiescan::model::Mode::BeforeConsent)
    );
    // The demo's own banner is answered by the heuristic in both consent passes.
    for run in &scan.modes[1..] {
        let consent = &run.consent[0];
        assert_eq!(
            consent.outcome,
            cookiescan::model::ConsentOutcome::Verified,
            "{consent:?}"
        );
        assert!(consent.screenshot_before.is_some() && consent.screenshot_after.is_some());
    }
    let consent = find("demo_consent").unwrap();
    assert!(
        !consent
            .modes
            .contains(&cookiescan::model::Mode::BeforeConsent)
    );

    // The demo wrote its operator notes; with them the table is the README's example.
    let config = dir.path().join("www.demo-shop.test.toml");
    let table = cookiescan(vec![
        "report".into(),
        out.display().to_string(),
        "--config".into(),
        config.display().to_string(),
        "--format".into(),
        "md".into(),
    ])
    .await;
    let table = String::from_utf8(table.stdout).unwrap();
    let demoted: Vec<String> = table
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("##{l}")
            } else {
                l.to_string()
            }
        })
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(demoted.join("\n").trim()),
        "README example differs from the real output:\n{}",
        demoted.join("\n")
    );
    assert!(
        scan.modes[0]
            .pages
            .iter()
            .any(|p| matches!(p.via, cookiescan::discover::Via::Sitemap { .. })),
        "the sitemap-only page was found"
    );

    // The demo's audit report: both findings with the demo's offenders, the four consent
    // screenshots embedded, a detail article per cookie.
    let audit = cookiescan(vec![
        "report".into(),
        out.display().to_string(),
        "--config".into(),
        config.display().to_string(),
        "--format".into(),
        "audit".into(),
    ])
    .await;
    assert!(audit.status.success(), "{}", stderr(&audit));
    let audit = String::from_utf8(audit.stdout).unwrap();
    let findings = &audit[audit.find("<section id=\"findings\"").unwrap()..];
    let findings = &findings[..findings.find("</section>").unwrap()];
    for offender in ["_demo_mid", "_demo_ga"] {
        assert_eq!(
            findings.matches(&format!(">{offender}</a>")).count(),
            2,
            "{offender}: before consent and after reject"
        );
    }
    assert!(!findings.contains(">adnet_uid</a>"), "only after accepting");
    assert_eq!(
        audit.matches("src=\"data:image&#x2f;png;base64,").count(),
        4
    );
    assert_eq!(
        audit.matches("<article id=\"cookie-").count(),
        scan.cookies.len()
    );

    // Regression (issue 11): the demo's config had no URL, so `scan --all` in its directory
    // failed. Now it names the shop, and any scan of the shop serves it.
    let all = cookiescan(vec![
        "scan".into(),
        "--all".into(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        "--scans-dir".into(),
        dir.path().display().to_string(),
    ])
    .await;
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let stored = cookiescan::history::list(&dir.path().join("www.demo-shop.test")).unwrap();
    assert_eq!(
        stored.len(),
        1,
        "the scan --all run is stored in the demo's history"
    );
}

/// Bad files and inputs (issue 11), one table: each is exit 2 with a one-line error naming the
/// input, and nothing is written where the input was to be read or an output refused.
#[tokio::test(flavor = "multi_thread")]
async fn bad_files_are_refused_clearly_and_write_nothing() {
    let fixture = fixture(|_| {}).await;
    let dir = fixture.dir.path();
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let scan = {
        let path = dir.join("scan.json");
        cookiescan::model::save_scan(&cookiescan::model::sample::scan(&["/"], Vec::new()), &path)
            .unwrap();
        path.display().to_string()
    };
    let future = file("future.json", r#"{"schema_version": 9, "complete": true}"#);
    let table = file("table.json", r#"{"site": "example.com", "sections": []}"#);
    let unknown_policy = file("policy.xyz", "hello");
    let typo_config = file("site.toml", "[scan]\nmax_pagez = 3\n");
    let a_directory = dir.join("a-directory");
    std::fs::create_dir(&a_directory).unwrap();
    let a_directory = a_directory.display().to_string();
    let refused_output = dir.join("out.csv");
    let pdf = format!("{START_URL}report.pdf");
    let mut pdf_scan = vec![
        "scan".to_string(),
        pdf.clone(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        // Sitemaps would lead the crawl on to HTML pages: the PDF alone is the start.
        "--no-sitemaps".into(),
    ];
    pdf_scan.extend([
        "--output".into(),
        dir.join("pdf.json").display().to_string(),
    ]);
    pdf_scan.extend(support::chrome_args(&fixture.server));
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["report".into(), future.clone()],
            format!("{future} has scan schema version 9"),
        ),
        (
            vec!["report".into(), table.clone()],
            format!("{table} is not a cookiescan scan: it is a cookie-policy table"),
        ),
        (
            vec!["diff".into(), scan.clone(), table.clone()],
            "is not a cookiescan scan".into(),
        ),
        (
            vec![
                "check".into(),
                table.clone(),
                "--policy".into(),
                unknown_policy.clone(),
            ],
            "is not a cookiescan scan".into(),
        ),
        (
            vec![
                "check".into(),
                scan.clone(),
                "--policy".into(),
                unknown_policy.clone(),
            ],
            format!("no cookie table found in {unknown_policy}"),
        ),
        (
            vec![
                "check".into(),
                scan.clone(),
                "--policy".into(),
                a_directory.clone(),
            ],
            format!("cannot read the policy {a_directory}"),
        ),
        (
            vec!["diff".into(), scan.clone(), a_directory.clone()],
            format!("{a_directory} holds no scans"),
        ),
        (
            vec!["scan".into(), "--config".into(), a_directory.clone()],
            format!("cannot read the site config {a_directory}"),
        ),
        (
            vec!["scan".into(), "--config".into(), typo_config.clone()],
            "did you mean `max_pages`?".into(),
        ),
        (
            vec![
                "report".into(),
                scan.clone(),
                "-f".into(),
                "html".into(),
                "-o".into(),
                refused_output.display().to_string(),
            ],
            "--format html does not write .csv files".into(),
        ),
        (pdf_scan, format!("{pdf}: not HTML (application/pdf)")),
        // Where the scan cannot be written is found out before the browser starts.
        (
            vec![
                "scan".into(),
                START_URL.into(),
                "--modes=before-consent".into(),
                "-o".into(),
                a_directory.clone(),
            ],
            format!("cannot write the scan to {a_directory}; nothing was scanned"),
        ),
        (
            vec![
                "scan".into(),
                START_URL.into(),
                "--modes=before-consent".into(),
                "-o".into(),
                format!("{future}/scan.json"),
            ],
            format!("cannot use the scan directory {future}"),
        ),
    ];
    for (args, message) in cases {
        let output = cookiescan(args.clone()).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let error = stderr(&output);
        assert!(error.contains(&message), "{args:?}: {error}");
        assert!(error.starts_with("error: "), "{args:?}: {error}");
    }
    assert!(!refused_output.exists(), "a refused output is not created");
    assert!(!dir.join("a-directory").join("scans").exists());
}

/// Every option of `cookiescan scan --help` is documented in the README.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_documents_every_scan_option() {
    let help = cookiescan(vec!["scan".into(), "--help".into()]).await;
    let help = String::from_utf8(help.stdout).unwrap();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let options: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches([',', '.', ')']))
        .filter(|w| {
            w.chars()
                .skip(2)
                .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect();
    assert!(options.contains(&"--max-pages"), "parsed {options:?}");
    for option in options {
        if option == "--help" {
            continue;
        }
        assert!(readme.contains(option), "README does not mention {option}");
    }
}
