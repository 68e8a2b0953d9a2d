//! Pages that fight the crawler (issue 11): a pop-up, a page that navigates itself away, a
//! redirect loop, a `beforeunload` prompt, a 10 MB page, a page writing 1,000 cookies and one
//! of exactly 4 KB. Each must be a row or a bounded visit, and the rest of the scan exact.

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

#[tokio::test(flavor = "multi_thread")]
async fn hostile_pages_are_rows_and_the_rest_is_exact() {
    let server = SiteServer::start(&[HOST], Arc::new(handler))
        .await
        .expect("site starts");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hostile.json");
    let mut args = vec![
        "scan".to_string(),
        START.into(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        "--no-sitemaps".into(),
        "--page-timeout=20s".into(),
        // One tab: the jar is read after each page in turn, so what it kept is well defined.
        "--concurrency=1".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(support::chrome_args(&server));
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
    // The jar keeps at most 180 cookies per domain (Chromium evicts the oldest); what it kept
    // is in the inventory, each written by that page's script, and the 4 KB cookie, written
    // last, among them at its full size.
    let many = names.iter().filter(|n| n.starts_with("many_")).count();
    assert!(
        (100..=180).contains(&many),
        "{many} of the 1,000 cookies kept"
    );
    let big = scan
        .cookies
        .iter()
        .find(|c| c.name == "big")
        .expect("the 4 KB cookie");
    assert_eq!(big.value.length, 4093);
    // The pop-ups' landing pages never became pages of their own, nor was the crawl derailed.
    assert!(!scan.modes[0].pages.iter().any(|p| p.url.contains("popup=")));
}
