//! Pages that fight the crawler (issue 11): a pop-up, a page that navigates itself away, a
//! redirect loop, a `beforeunload` prompt, a 10 MB page, a page writing 1,000 cookies and one
//! of exactly 4 KB; a script that never yields (while loading, and once the visitor's steps
//! start), a download started by a page and a service worker that answers every request of
//! its scope. Each must be a row or a bounded visit, and the rest of the scan exact. And a
//! page that never answers must hold one tab only (issue 14).

mod support;

use std::sync::Arc;

use cookiescan::model::{PageOutcome, Scan};
use cookiescan::site::{SiteRequest, SiteResponse, SiteServer};
use support::run_cookiescan as cookiescan;

const HOST: &str = "www.hostile.test";
const START: &str = "https://www.hostile.test/";

fn page(body: &str) -> SiteResponse {
    SiteResponse::html(format!(
        "<!doctype html><title>t</title><body>{body}</body>"
    ))
}

fn handler(req: &SiteRequest) -> SiteResponse {
    match req.path.as_str() {
        "/" => page(
            r#"<a href="/popup">p</a> <a href="/away">a</a> <a href="/loop">l</a>
               <a href="/unload">u</a> <a href="/huge">h</a> <a href="/many">m</a>
               <a href="/landing">landing</a>"#,
        )
        .cookie("home=1; Path=/; Secure; SameSite=Lax"),
        "/popup" => page(
            r#"<script>for (let i = 0; i < 5; i++) window.open("/landing?popup=" + i);</script>"#,
        ),
        // Leaves for another page of the site as soon as it has loaded.
        "/away" => {
            page(r#"<script>addEventListener("load", () => location.href = "/landing");</script>"#)
        }
        "/loop" => SiteResponse::redirect(302, "/loop"),
        "/unload" => page(
            r#"<script>addEventListener("beforeunload", e => { e.preventDefault(); e.returnValue = "stay"; });
               document.cookie = "unload_js=1; path=/";</script>"#,
        ),
        "/huge" => {
            let filler = "<p>filler</p>".repeat(10 * 1024 * 1024 / 13);
            page(&format!(
                "{filler}<script>document.cookie = 'huge_js=1; path=/';</script>"
            ))
        }
        "/many" => page(
            r#"<script>
                 for (let i = 0; i < 1000; i++) document.cookie = "many_" + i + "=" + i + "; path=/";
                 // Name and value of exactly 4,096 bytes: the largest a browser stores.
                 document.cookie = "big=" + "x".repeat(4096 - 3) + "; path=/";
               </script>"#,
        ),
        "/landing" => page("landing").cookie("landing=1; Path=/; Secure; SameSite=Lax"),
        _ => SiteResponse::not_found(),
    }
}

/// A one-pass scan of `START` into `out`, without sitemaps, with `extra` options.
fn scan_args(server: &SiteServer, out: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "scan",
        START,
        "--quiet",
        "--modes=before-consent",
        "--no-sitemaps",
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(String::from)
    .collect();
    args.extend(["--output".to_string(), out.display().to_string()]);
    args.extend(support::chrome_args(server));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_pages_are_rows_and_the_rest_is_exact() {
    let server = SiteServer::start(&[HOST], Arc::new(handler))
        .await
        .expect("site starts");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hostile.json");
    let args = scan_args(
        &server,
        &out,
        &[
            "--page-timeout=20s",
            // One tab: the jar is read after each page in turn, so what it kept is well defined.
            "--concurrency=1",
        ],
    );
    let output = cookiescan(args).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let row = |path: &str| {
        let url = format!("{START}{}", path.trim_start_matches('/'));
        scan.modes[0]
            .pages
            .iter()
            .find(|p| p.url == url)
            .unwrap_or_else(|| panic!("no row for {url}"))
    };
    for path in [
        "/", "/popup", "/away", "/unload", "/huge", "/many", "/landing",
    ] {
        assert_eq!(
            row(path).outcome,
            PageOutcome::Ok,
            "{path}: {:?}",
            row(path).error
        );
    }
    let looping = row("/loop");
    assert_eq!(looping.outcome, PageOutcome::Failed);
    assert!(
        looping
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("TOO_MANY_REDIRECTS"),
        "{looping:?}"
    );
    let names: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
    for name in ["home", "landing", "unload_js", "huge_js"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // The jar keeps at most 180 cookies per domain (Chromium evicts the oldest, down to 150).
    // The page's writes reach the jar asynchronously, so a read may catch it mid-eviction and
    // a later read hold others: the inventory is the union of what the jar held, each cookie
    // once, each the page's own write, and the 4 KB cookie, written last, at its full size.
    let many: Vec<_> = scan
        .cookies
        .iter()
        .filter(|c| c.name.starts_with("many_"))
        .collect();
    assert!(
        (150..1000).contains(&many.len()),
        "{} of the 1,000 cookies kept",
        many.len()
    );
    for cookie in &many {
        let index: usize = cookie.name["many_".len()..]
            .parse()
            .expect("a written name");
        assert!(index < 1000, "{}", cookie.name);
        assert_eq!(
            cookie.value.length,
            index.to_string().len(),
            "{}",
            cookie.name
        );
    }
    let unique: std::collections::BTreeSet<_> = many.iter().map(|c| &c.name).collect();
    assert_eq!(unique.len(), many.len(), "each cookie once");
    let big = scan
        .cookies
        .iter()
        .find(|c| c.name == "big")
        .expect("the 4 KB cookie");
    assert_eq!(big.value.length, 4093);
    // The pop-ups' landing pages never became pages of their own, nor was the crawl derailed.
    assert!(!scan.modes[0].pages.iter().any(|p| p.url.contains("popup=")));
}

/// A site whose pages hang the renderer, download files and are answered by a service worker.
fn stubborn(req: &SiteRequest) -> SiteResponse {
    match req.path.as_str() {
        "/" => page(
            r#"<a href="/spin">s</a> <a href="/spin-later">l</a> <a href="/download">d</a>
               <a href="/file.bin">f</a> <a href="/sw/">w</a> <a href="/landing">landing</a>"#,
        )
        .cookie("home=1; Path=/; Secure; SameSite=Lax"),
        // The parser never gets past this script: no load event, no answer to any evaluation.
        "/spin" => page(
            r#"<script>document.cookie = "spin_early=1; path=/"; for (;;) {}</script><a href="/never">n</a>"#,
        ),
        // Loads, then hangs its renderer once the visitor's steps start (the first scroll).
        "/spin-later" => page(
            r#"<a href="/after-spin">a</a><div style="height: 3000px"></div>
               <script>document.cookie = "spin_late=1; path=/";
               addEventListener("scroll", () => { for (;;) {} }, { once: true });</script>"#,
        ),
        "/after-spin" => page("after").cookie("after_spin=1; Path=/; Secure; SameSite=Lax"),
        // Starts a download from script, as "export" buttons do.
        "/download" => page(
            r#"<script>const a = document.createElement("a"); a.href = "/file.bin";
               a.download = "report.bin"; document.body.append(a); a.click();
               document.cookie = "download_page=1; path=/";</script>"#,
        ),
        "/file.bin" => SiteResponse::bytes("application/octet-stream", vec![0x42; 4096])
            .header("Content-Disposition", "attachment; filename=\"report.bin\""),
        // Registers a worker that answers every request under /sw/ itself.
        "/sw/" => page(
            r#"<a href="/sw/a">a</a> <a href="/sw/b">b</a>
               <script>navigator.serviceWorker.register("/sw/worker.js", { scope: "/sw/" });</script>"#,
        ),
        "/sw/worker.js" => SiteResponse::text(
            "text/javascript",
            r#"self.addEventListener("install", () => self.skipWaiting());
               self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
               self.addEventListener("fetch", (e) => e.respondWith(new Response(
                 "<!doctype html><title>w</title><a href='/sw/a'>a</a><a href='/sw/b'>b</a><script>document.cookie = 'from_worker=1; path=/'</script>",
                 { headers: { "Content-Type": "text/html" } })));"#,
        ),
        "/landing" => page("landing").cookie("landing=1; Path=/; Secure; SameSite=Lax"),
        _ => SiteResponse::not_found(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hung_renderers_downloads_and_a_greedy_service_worker_are_bounded() {
    let server = SiteServer::start(&[HOST], Arc::new(stubborn))
        .await
        .expect("site starts");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stubborn.json");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let args = scan_args(&server, &out, &["--page-timeout=10s", "--concurrency=1"]);
    // A download would land in the home directory's Downloads: give the run a home of its own.
    let output = tokio::task::spawn_blocking(move || {
        support::command(&args).env("HOME", home).output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let row = |path: &str| {
        let url = format!("{START}{}", path.trim_start_matches('/'));
        scan.modes[0]
            .pages
            .iter()
            .find(|p| p.url == url)
            .unwrap_or_else(|| panic!("no row for {url}: {:#?}", scan.modes[0].pages))
    };
    // A renderer that never yields is a failed row that says so.
    for path in ["/spin", "/spin-later"] {
        let hung = row(path);
        assert_eq!(hung.outcome, PageOutcome::Failed, "{path}: {hung:?}");
        assert!(
            hung.error
                .as_deref()
                .unwrap_or_default()
                .contains("stopped responding"),
            "{path}: {hung:?}"
        );
    }
    // The link read before the renderer hung is still followed, and the tab after it works.
    assert_eq!(row("/after-spin").outcome, PageOutcome::Ok);
    for path in ["/", "/download", "/sw/", "/landing"] {
        assert_eq!(
            row(path).outcome,
            PageOutcome::Ok,
            "{path}: {:?}",
            row(path)
        );
    }
    // The file is a skipped row, and nothing was saved anywhere.
    assert_eq!(row("/file.bin").outcome, PageOutcome::Skipped);
    let saved: Vec<_> = walk(dir.path().join("home").as_path())
        .into_iter()
        .filter(|p| p.ends_with("report.bin") || p.to_string_lossy().contains("Downloads"))
        .collect();
    assert!(saved.is_empty(), "downloaded: {saved:?}");
    // The worker's pages are rows, served by it.
    for path in ["/sw/a", "/sw/b"] {
        let served = row(path);
        assert_eq!(served.outcome, PageOutcome::Ok, "{path}: {served:?}");
        assert_eq!(
            served.service_worker.as_deref(),
            Some("https://www.hostile.test/sw/worker.js"),
            "{path}"
        );
    }
    let names: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
    for name in [
        "home",
        "landing",
        "spin_early",
        "spin_late",
        "after_spin",
        "download_page",
        "from_worker",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

/// Every file under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The scan's directory is replaced by a file while the crawl runs (as a disk that fills or a
/// clean-up job would spoil it): the finished scan is not lost but saved to the temporary
/// directory, the run says where and exits 2, and no half-written file is left.
#[tokio::test(flavor = "multi_thread")]
async fn a_scan_that_cannot_be_written_where_asked_is_rescued() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let temporary = dir.path().join("tmp");
    std::fs::create_dir(&temporary).unwrap();
    let spoiled = out_dir.clone();
    let handler = move |req: &SiteRequest| match req.path.as_str() {
        "/" => page(r#"<a href="/spoil">s</a>"#).cookie("home=1; Path=/; Secure; SameSite=Lax"),
        "/spoil" => {
            let _ = std::fs::remove_dir_all(&spoiled);
            std::fs::write(&spoiled, "a file where the directory was").unwrap();
            page("spoilt").cookie("spoil=1; Path=/; Secure; SameSite=Lax")
        }
        _ => SiteResponse::not_found(),
    };
    let server = SiteServer::start(&[HOST], Arc::new(handler))
        .await
        .expect("site starts");
    let mut args = vec![
        "scan".to_string(),
        START.into(),
        "--modes=before-consent".into(),
        "--no-sitemaps".into(),
        "--output".into(),
        out_dir.join("scan.json").display().to_string(),
    ];
    args.extend(support::chrome_args(&server));
    let env_dir = temporary.clone();
    let output = tokio::task::spawn_blocking(move || {
        support::command(&args)
            .env("TMPDIR", env_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(out_dir.is_file(), "the test spoiled the directory");
    let rescued: Vec<_> = walk(&temporary)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("cookiescan-rescued-"))
        })
        .collect();
    assert_eq!(rescued.len(), 1, "{rescued:?}; {stderr}");
    assert!(
        stderr.contains(&format!(
            "the scan was saved to {} instead",
            rescued[0].display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("cannot write"), "{stderr}");
    let scan = cookiescan::model::load_scan(&rescued[0]).expect("the rescued scan loads");
    assert!(scan.complete);
    let names: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["home", "spoil"]);
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A resumed pass goes on with the cookies its earlier pages left: a script that writes its
/// visitor cookie only when none is there writes it once, on the first page, as in a scan
/// never interrupted.
#[tokio::test(flavor = "multi_thread")]
async fn a_resumed_pass_keeps_the_cookies_of_its_earlier_pages() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let delay_ms = Arc::new(AtomicU64::new(120_000));
    let slow = delay_ms.clone();
    const ONCE: &str = r#"<script>if (!document.cookie.includes("visitor=")) document.cookie = "visitor=" + location.pathname + "; path=/; max-age=86400";</script>"#;
    let handler = move |req: &SiteRequest| match req.path.as_str() {
        "/" => page(&format!(
            r#"<a href="/a">a</a> <a href="/slow">s</a>{ONCE}"#
        )),
        "/a" => page(ONCE),
        "/slow" => page(ONCE).delay(std::time::Duration::from_millis(
            slow.load(Ordering::SeqCst),
        )),
        _ => SiteResponse::not_found(),
    };
    let server = SiteServer::start(&[HOST], Arc::new(handler))
        .await
        .expect("site starts");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.json");
    let mut args = vec![
        "scan".to_string(),
        START.into(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        "--no-sitemaps".into(),
        "--concurrency=1".into(),
        "--page-timeout=300s".into(),
    ];
    args.extend(support::chrome_args(&server));
    let with = |extra: &[&str]| {
        let mut all = args.clone();
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    let out_arg = out.display().to_string();
    let output = support::run_and_signal(with(&["-o", &out_arg]), "INT", || {
        server.hits().iter().any(|h| h.ends_with("/slow"))
    })
    .await;
    assert_eq!(output.status.code(), Some(130));
    let partial = cookiescan::model::load_scan(&out).unwrap();
    assert!(partial.cookies.iter().any(|c| c.name == "visitor"));
    assert!(
        !partial.modes[0]
            .pages
            .iter()
            .any(|p| p.url.ends_with("/slow")),
        "/slow was in flight"
    );
    delay_ms.store(0, Ordering::SeqCst);
    let output = cookiescan(with(&["--resume", &out_arg])).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scan = cookiescan::model::load_scan(&out).unwrap();
    assert!(scan.complete);
    assert!(scan.modes[0].pages.iter().any(|p| p.url.ends_with("/slow")));
    let visitor = scan
        .cookies
        .iter()
        .find(|c| c.name == "visitor")
        .expect("the visitor cookie");
    assert_eq!(visitor.pages, [START], "{visitor:?}");
}

/// A site where one page at depth 1 never answers while a chain of pages goes three levels
/// deeper beside it.
fn stalling(req: &SiteRequest) -> SiteResponse {
    match req.path.as_str() {
        "/" => page(r#"<a href="/slow">s</a> <a href="/a">a</a>"#),
        "/slow" => page("slow").delay(std::time::Duration::from_secs(3600)),
        "/a" => page(r#"<a href="/a/b">b</a>"#),
        "/a/b" => page(r#"<a href="/a/b/c">c</a>"#),
        "/a/b/c" => page("deepest").cookie("deepest=1; Path=/; Secure; SameSite=Lax"),
        _ => SiteResponse::not_found(),
    }
}

/// A slow page holds its own tab, never the crawl: pages found after it, two levels deeper,
/// are visited while it still loads. Shown without timing: the scan is interrupted once the
/// deepest page was requested, and by then the slow page is still in flight (no row), while
/// a crawl that waited for each level, or for the slow page's turn to merge, would have had
/// to finish it first.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_page_holds_one_tab_and_the_crawl_goes_deeper_meanwhile() {
    let server = SiteServer::start(&[HOST], Arc::new(stalling))
        .await
        .expect("site starts");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stalling.json");
    let args = scan_args(&server, &out, &["--concurrency=2"]);
    let output =
        support::run_and_interrupt(args, || server.hits().iter().any(|h| h.ends_with("/a/b/c")))
            .await;
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let rows: Vec<&str> = scan.modes[0].pages.iter().map(|p| p.url.as_str()).collect();
    assert!(
        !rows.iter().any(|u| u.ends_with("/slow")),
        "the slow page had finished: {rows:?}"
    );
    for path in ["", "a"] {
        assert!(
            rows.contains(&format!("{START}{path}").as_str()),
            "{path}: {rows:?}"
        );
    }
    // /a/b was visited ahead of its turn, which the slow page still held: not a row yet, but
    // in the journal a resumed scan takes it from.
    let journal = std::fs::read_to_string(format!("{}.journal", out.display())).unwrap();
    assert!(
        journal.contains(&format!("\"url\":\"{START}a/b\"")),
        "{journal}"
    );
    server.shutdown().await;
}
