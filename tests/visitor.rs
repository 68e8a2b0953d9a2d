//! The crawl behaves like a visitor: it finds pages that only clicks reach, waits for the tags
//! that wait for scrolls, pointers and timers, ignores session ids in links, and follows a click
//! tracker's redirects back to the site. Real Chromium against `support::visitor`.

mod support;

use std::process::Output;

use cookiescan::model::{CookieRecord, Scan, Via};
use cookiescan::site::SiteServer;
use serde_json::Value;
use support::run_cookiescan as cookiescan;
use support::visitor::{self, START_URL};

async fn server() -> SiteServer {
    let (hosts, handler) = visitor::visitor_site();
    SiteServer::start(&hosts, handler)
        .await
        .expect("fixture server starts")
}

async fn run_scan(server: &SiteServer, out: &std::path::Path, extra: &[&str]) -> (Output, Scan) {
    let mut args = vec![
        "scan".to_string(),
        START_URL.to_string(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(support::chrome_args(server));
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = cookiescan(args).await;
    let text = std::fs::read_to_string(out).unwrap_or_else(|_| {
        panic!(
            "no scan written: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        output,
        serde_json::from_str(&text).expect("scan JSON parses"),
    )
}

fn cookie<'a>(scan: &'a Scan, name: &str) -> &'a CookieRecord {
    scan.cookies
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
            panic!("no cookie {name}; found {names:?}")
        })
}

fn page_urls(scan: &Scan) -> Vec<String> {
    let mut urls: Vec<String> = scan.modes[0].pages.iter().map(|p| p.url.clone()).collect();
    urls.sort();
    urls
}

fn url(path: &str) -> String {
    format!("https://www.news.test{path}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crawl_reaches_what_a_visitors_clicks_scrolls_and_waits_reach() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (output, scan) = run_scan(&server, &dir.path().join("one.json"), &[]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Every page once: session ids never make a page twice.
    let expected: Vec<String> = [
        "/",
        "/archive",
        "/culture",
        "/go?to=/deals",
        "/latest",
        "/offline",
        "/sport",
        "/story/1",
        "/story/2",
        "/story/3",
        "/story/4",
        "/story/5",
        "/story/6",
        "/tech",
        "/travel",
        "/weather",
        "/world",
    ]
    .iter()
    .map(|p| url(p))
    .collect();
    assert_eq!(page_urls(&scan), expected);
    let document_loads = |path: &str| {
        server
            .hits()
            .iter()
            .filter(|hit| {
                let rest = hit.split_once("www.news.test").map_or("", |(_, r)| r);
                rest == path
                    || rest.starts_with(&format!("{path}?"))
                    || rest.starts_with(&format!("{path};"))
            })
            .count()
    };
    assert_eq!(document_loads("/world"), 1, "{:?}", server.hits());
    assert_eq!(document_loads("/archive"), 1, "{:?}", server.hits());
    let ignored: Vec<&str> = scan
        .ignored_parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        ignored,
        ["jsessionid", "sid", "v"],
        "{:?}",
        scan.ignored_parameters
    );
    let volatile = scan
        .ignored_parameters
        .iter()
        .find(|p| p.name == "v")
        .unwrap();
    assert_eq!(volatile.reason, "volatile");

    // Pages that only a click reaches, with the element that reached them.
    for (path, element) in [
        ("/sport", "div.card"),
        ("/culture", "span.pill"),
        ("/tech", "li"),
        ("/weather", "div.tile"),
        ("/travel", "div.tile"),
    ] {
        let record = scan.modes[0]
            .pages
            .iter()
            .find(|p| p.url == url(path))
            .unwrap();
        match &record.via {
            Via::Click {
                from,
                element: clicked,
            } => {
                assert_eq!(from, &url("/"), "{path}");
                assert!(
                    clicked.starts_with(element),
                    "{path} reached by clicking {clicked}"
                );
            }
            other => panic!("{path} reached via {other:?}"),
        }
    }
    for name in ["sport_pref", "culture_pref", "tech_pref"] {
        let route = format!("/{}", name.trim_end_matches("_pref"));
        assert!(cookie(&scan, name).pages.contains(&url(&route)), "{name}");
    }
    // Stories rendered after load, and after pressing "Load more" twice.
    let stories = cookie(&scan, "story_seen");
    for n in 1..=6 {
        assert!(
            stories.pages.contains(&url(&format!("/story/{n}"))),
            "story {n}"
        );
    }

    // Tags that wait for the visitor, with the step that triggered them.
    let step = |name: &str| cookie(&scan, name).appeared_after.map(|s| s.as_str());
    assert_eq!(step("footer_seen"), Some("scroll"));
    assert_eq!(step("engaged"), Some("pointer"));
    assert_eq!(step("late_tag"), Some("timers"));
    assert_eq!(step("story_seen"), None, "set while loading");

    // The click tracker's chain is followed back to the site; its cookie is the link's page's.
    let deals = scan.modes[0]
        .pages
        .iter()
        .find(|p| p.url == url("/go?to=/deals"))
        .unwrap();
    assert_eq!(deals.final_url.as_deref(), Some(url("/deals").as_str()));
    assert_eq!(deals.redirects.len(), 3, "{:?}", deals.redirects);
    assert!(deals.redirects[1].starts_with("https://click.tracker.test/c"));
    let clk = cookie(&scan, "clk_id");
    assert_eq!(clk.domain, "click.tracker.test");
    assert!(
        clk.setters
            .iter()
            .any(|s| s.url.starts_with("https://click.tracker.test/c"))
    );
    assert_eq!(clk.pages, [url("/deals")]);
    assert!(cookie(&scan, "deal_seen").pages.contains(&url("/deals")));

    // A cookie a service worker's fetch set is the page's, and says so.
    let offline = scan.modes[0]
        .pages
        .iter()
        .find(|p| p.url == url("/offline"))
        .unwrap();
    assert_eq!(
        offline.service_worker.as_deref(),
        Some(url("/sw.js").as_str())
    );
    let sw = cookie(&scan, "sw_cookie");
    assert_eq!(sw.pages, [url("/offline")], "{:?}", sw.setters);
    assert!(
        sw.setters
            .iter()
            .any(|s| s.url == url("/sw.js") && s.api.contains("service worker")),
        "{:?}",
        sw.setters
    );

    // Never the buttons that act for the visitor.
    for name in ["logged_out", "subscribed", "notice_ok"] {
        assert!(
            scan.cookies.iter().all(|c| c.name != name),
            "{name} was triggered"
        );
    }
    assert!(
        !server
            .hits()
            .iter()
            .any(|h| h.contains("/logout") || h.contains("/subscribe")),
        "{:?}",
        server.hits()
    );

    // Deterministic: a second scan of the unchanged site diffs clean.
    let (second, _) = run_scan(&server, &dir.path().join("two.json"), &[]).await;
    assert!(second.status.success());
    let diff = cookiescan(vec![
        "diff".into(),
        dir.path().join("one.json").display().to_string(),
        dir.path().join("two.json").display().to_string(),
        "--format=json".into(),
        "--fail-on=any".into(),
    ])
    .await;
    let report: Value = serde_json::from_slice(&diff.stdout).unwrap_or(Value::Null);
    assert_eq!(diff.status.code(), Some(0), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_visitors_steps_their_pages_and_cookies_stay_unfound() {
    // The same site with clicks, then every visitor step, switched off: proof that the first
    // test measures them.
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (output, scan) = run_scan(
        &server,
        &dir.path().join("plain.json"),
        &["--interact-budget=0"],
    )
    .await;
    assert!(output.status.success());
    let urls = page_urls(&scan);
    for path in ["/sport", "/culture", "/tech", "/weather", "/story/3"] {
        assert!(!urls.contains(&url(path)), "{path} found without clicking");
    }
    assert!(
        urls.contains(&url("/story/1")),
        "links rendered after load are found without clicks"
    );
    let step = cookie(&scan, "footer_seen").appeared_after;
    assert_eq!(step.map(|s| s.as_str()), Some("scroll"));

    let bare = dir.path().join("bare.json");
    let (output, plain) = run_scan(&server, &bare, &["--plain-visits"]).await;
    assert!(output.status.success());
    assert!(plain.settings.plain_visits);
    for name in ["footer_seen", "late_tag", "engaged", "sport_pref"] {
        let found = plain.cookies.iter().any(|c| c.name == name);
        assert!(!found, "{name} found by a plain load");
    }
}
