//! The integration-test site: a shop at `www.shop.test` with a blog, trackers, an ad network,
//! and every awkward page a crawler meets (errors, redirects, PDFs, slow and hanging pages,
//! alerts, an infinite calendar, robots.txt and gzipped sitemaps).
//!
//! Pages are on `https://www.shop.test` unless a full URL is given. Third-party scripts and
//! frames are embedded on exactly one page each, so every cookie has one page that sets it:
//! `t.js` only on `/`, `pixel.gif` only on `/products`, the ad frame and the sync redirect only
//! on `/products/widget`. Every cookie uses `Path=/`.
//!
//! Expected inventory of a full scan with defaults (scope site, robots obeyed, sitemaps used,
//! third-party cookies allowed, `link_hang`/`link_crash` off). Domain as Chromium reports it;
//! party by registrable domain against `shop.test`; pages are those whose visit sets the
//! cookie, as path+query on www.shop.test and full URLs elsewhere:
//!
//! ```text
//! name            domain                  path party set_by      pages
//! session_id      www.shop.test           /    first http        /
//! fp_js_home      www.shop.test           /    first javascript  /
//! _trk_id         www.shop.test           /    first javascript  /            (written by t.js)
//! tp_script_uid   analytics.tracker.test  /    third http        /            (t.js response)
//! about_visit     www.shop.test           /    first http        /about       (reached over http://)
//! tp_pixel        analytics.tracker.test  /    third http        /products    (also via /moved)
//! ad_frame_uid    ads.adnet.test          /    third http        /products/widget
//! ad_chips        ads.adnet.test          /    third http        /products/widget  (Partitioned)
//! ad_frame_js     ads.adnet.test          /    third javascript  /products/widget  (in the OOPIF)
//! ad_sync         ads.adnet.test          /    third http        /products/widget  (302 hop)
//! partner_uid     sync.partner.test       /    third http        /products/widget  (redirect target)
//! cart_token      www.shop.test           /    first http        /account
//! fp_cookiestore  www.shop.test           /    first javascript  /account     (cookieStore.set)
//! err_cookie      www.shop.test           /    first http        /broken      (status 500)
//! slow_cookie     www.shop.test           /    first http        /slow
//! after_alert     www.shop.test           /    first javascript  /alert
//! sitemap_cookie  www.shop.test           /    first http        /sitemap-only
//! blog_pref       .shop.test              /    first http        https://blog.shop.test/
//! ```
//!
//! Refused by the browser (a `blocked_cookies` row): `tp_insecure` from `pixel.gif` on
//! `/products` (`SameSite=None` without `Secure`). Web storage: `fp_pref` (local) and `fp_tab`
//! (session) on `https://www.shop.test`, `ad_ls` (local, partitioned) on `https://ads.adnet.test`.
//!
//! Never in the inventory: `offsite_cookie` (`/leave` redirects off the site, to
//! `https://www.elsewhere.test/landing`, which is requested but must not be rendered) and `private_cookie`
//! (`/private/secret` is disallowed by robots.txt and must never be requested). Set no
//! cookie: `/?utm_source=x` and `/products#reviews` (duplicates of `/` and `/products`),
//! `/calendar?month=N` (capped by the query-variant limit), `/report.pdf`, `/missing` (404),
//! `/moved` (301 to `/products`; its cookies count for `/products`). `/export` is HTML sent
//! as an attachment: a download, refused and recorded as a skipped page.
//! Behind flags: `/crash-browser` sets `crash_survivor` by header, `/hang` never answers.

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookiescan::site::{Handler, SiteRequest, SiteResponse, TRANSPARENT_GIF};

pub const WWW: &str = "www.shop.test";
pub const BLOG: &str = "blog.shop.test";
pub const ANALYTICS: &str = "analytics.tracker.test";
pub const ADS: &str = "ads.adnet.test";
pub const SYNC: &str = "sync.partner.test";
pub const ELSEWHERE: &str = "www.elsewhere.test";

pub const START_URL: &str = "https://www.shop.test/";

/// Switches and observations shared between a test and the running fixture.
#[derive(Debug)]
pub struct FixtureState {
    /// One-shot: when `/crash-browser` is first requested, SIGKILL the main browser process
    /// whose argv contains this string (e.g. a unique `--user-data-dir` or a dummy flag).
    pub kill_browser_marker: Mutex<Option<String>>,
    /// Pids the crash hook killed.
    pub killed_pids: Mutex<Vec<u32>>,
    /// Link `/hang` (never answers) from the home page.
    pub link_hang: AtomicBool,
    /// Link `/oom` (a page that exhausts the JavaScript heap and so crashes its renderer).
    pub link_oom: AtomicBool,
    /// Link `/crash-browser` from the home page.
    pub link_crash: AtomicBool,
    /// How long `/slow` takes to answer.
    pub slow_delay_ms: AtomicU64,
}

impl Default for FixtureState {
    fn default() -> Self {
        Self {
            kill_browser_marker: Mutex::new(None),
            killed_pids: Mutex::new(Vec::new()),
            link_hang: AtomicBool::new(false),
            link_oom: AtomicBool::new(false),
            link_crash: AtomicBool::new(false),
            slow_delay_ms: AtomicU64::new(1500),
        }
    }
}

/// One row of the expected inventory; `party` and `set_by` are spelled as in the scan JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedCookie {
    pub name: &'static str,
    pub domain: &'static str,
    pub path: &'static str,
    pub party: &'static str,
    pub set_by: &'static str,
    pub partitioned: bool,
    /// Path+query for pages on www.shop.test (any scheme), full URLs for other hosts.
    pub pages: Vec<&'static str>,
}

/// The table in this module's doc comment, sorted by name.
pub fn expected_inventory() -> Vec<ExpectedCookie> {
    let row = |name, domain, party, set_by, pages: &[&'static str]| ExpectedCookie {
        name,
        domain,
        path: "/",
        party,
        set_by,
        partitioned: false,
        pages: pages.to_vec(),
    };
    let (first, third, http, js) = ("first", "third", "http", "javascript");
    let widget: &[&str] = &["/products/widget"];
    let mut rows = vec![
        row("session_id", WWW, first, http, &["/"]),
        row("fp_js_home", WWW, first, js, &["/"]),
        row("_trk_id", WWW, first, js, &["/"]),
        row("tp_script_uid", ANALYTICS, third, http, &["/"]),
        row("about_visit", WWW, first, http, &["/about"]),
        row("tp_pixel", ANALYTICS, third, http, &["/products"]),
        row("ad_frame_uid", ADS, third, http, widget),
        ExpectedCookie {
            partitioned: true,
            ..row("ad_chips", ADS, third, http, widget)
        },
        row("ad_frame_js", ADS, third, js, widget),
        row("ad_sync", ADS, third, http, widget),
        row("partner_uid", SYNC, third, http, widget),
        row("cart_token", WWW, first, http, &["/account"]),
        row("fp_cookiestore", WWW, first, js, &["/account"]),
        row("err_cookie", WWW, first, http, &["/broken"]),
        row("slow_cookie", WWW, first, http, &["/slow"]),
        row("after_alert", WWW, first, js, &["/alert"]),
        row("sitemap_cookie", WWW, first, http, &["/sitemap-only"]),
        row(
            "blog_pref",
            ".shop.test",
            first,
            http,
            &["https://blog.shop.test/"],
        ),
    ];
    rows.sort_by_key(|r| r.name);
    rows
}

/// Whether a page URL reported by the scanner is the expected page: www.shop.test pages are
/// written as path+query in [`expected_inventory`] and match over http and https alike.
pub fn page_matches(expected: &str, reported: &str) -> bool {
    if expected.starts_with('/') {
        [
            format!("https://{WWW}{expected}"),
            format!("http://{WWW}{expected}"),
        ]
        .iter()
        .any(|u| u == reported)
    } else {
        expected == reported
    }
}

/// The fixture's hostnames and handler, for `SiteServer::start`.
pub fn fixture_site(state: Arc<FixtureState>) -> (Vec<&'static str>, Handler) {
    (
        vec![WWW, BLOG, ANALYTICS, ADS, SYNC, ELSEWHERE],
        Arc::new(move |req: &SiteRequest| handle(&state, req)),
    )
}

fn page(title: &str, body: &str) -> SiteResponse {
    SiteResponse::html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body>\n<h1>{title}</h1>\n{body}\n</body></html>\n"
    ))
}

const SECURE_LAX: &str = "Path=/; Secure; SameSite=Lax";
const THIRD_PARTY: &str = "Path=/; Max-Age=31536000; SameSite=None; Secure";

fn handle(state: &FixtureState, req: &SiteRequest) -> SiteResponse {
    // Both schemes serve the same content: http and https variants are one page.
    match req.host.as_str() {
        WWW => www(state, req),
        BLOG if req.path == "/" => page(
            "Shop blog",
            r#"<p><a href="https://www.shop.test/">Back to the shop</a></p>"#,
        )
        .cookie("blog_pref=1; Domain=shop.test; Path=/"),
        ANALYTICS => match req.path.as_str() {
            // Runs in the shop's document: a third party writing a first-party cookie.
            "/t.js" => SiteResponse::text(
                "text/javascript",
                "document.cookie = '_trk_id=trk.7; path=/; max-age=31536000; SameSite=Lax';\n",
            )
            .cookie(&format!("tp_script_uid=u1; {THIRD_PARTY}")),
            // `tp_insecure` asks for SameSite=None without Secure: Chromium refuses it.
            "/pixel.gif" => gif()
                .cookie(&format!("tp_pixel=px1; {THIRD_PARTY}"))
                .cookie("tp_insecure=1; Path=/; SameSite=None"),
            _ => SiteResponse::not_found(),
        },
        ADS => match req.path.as_str() {
            "/frame" => SiteResponse::html(
                "<!doctype html><title>Ad</title><p>Buy widgets!</p>\n<script>\n\
                 document.cookie = 'ad_frame_js=1; path=/; max-age=86400; SameSite=None; Secure';\n\
                 localStorage.setItem('ad_ls', 'abc');\n\
                 </script>\n",
            )
            .cookie(&format!("ad_frame_uid=f1; {THIRD_PARTY}"))
            .cookie("ad_chips=1; Secure; SameSite=None; Partitioned; Path=/"),
            "/sync" => SiteResponse::redirect(302, "https://sync.partner.test/match")
                .cookie(&format!("ad_sync=s1; {THIRD_PARTY}")),
            _ => SiteResponse::not_found(),
        },
        SYNC if req.path == "/match" => gif().cookie(&format!("partner_uid=p1; {THIRD_PARTY}")),
        ELSEWHERE if req.path == "/landing" => page(
            "Elsewhere",
            r#"<p>Not the shop.</p><img src="/landing.gif" alt="">"#,
        )
        .cookie(&format!("offsite_cookie=1; {SECURE_LAX}")),
        _ => SiteResponse::not_found(),
    }
}

fn gif() -> SiteResponse {
    SiteResponse::bytes("image/gif", TRANSPARENT_GIF.to_vec())
}

fn www(state: &FixtureState, req: &SiteRequest) -> SiteResponse {
    match req.path.as_str() {
        "/" => home(state).cookie(&format!("session_id=abc123; HttpOnly; {SECURE_LAX}")),
        "/products" => page(
            "Products",
            r#"<img src="https://analytics.tracker.test/pixel.gif" alt="">
<ul><li><a href="/products/widget">Widget</a></li>
<li><a href="/calendar?month=0">Delivery calendar</a></li>
<li><a href="/export">Export (an HTML download)</a></li></ul>"#,
        ),
        "/products/widget" => page(
            "Widget",
            r#"<iframe src="https://ads.adnet.test/frame" title="ad" width="300" height="100"></iframe>
<img src="https://ads.adnet.test/sync" alt="">
<p><a href="/products">All products</a></p>"#,
        ),
        "/account" => page(
            "Account",
            "<script>\ncookieStore.set('fp_cookiestore', '1');\n</script>",
        )
        .cookie(&format!("cart_token=ct1; {SECURE_LAX}")),
        "/about" => page("About", r#"<p><a href="/">Home</a></p>"#)
            // Not Secure: this page is reached over plain http.
            .cookie("about_visit=1; Path=/; SameSite=Lax"),
        "/calendar" => calendar(req.query.as_deref()),
        "/report.pdf" => SiteResponse::bytes("application/pdf", MINIMAL_PDF.to_vec()),
        // HTML by type, a download by disposition: refused, never rendered.
        "/export" => page("Export", "<p>rows</p>").header(
            "Content-Disposition",
            "attachment; filename=\"export.html\"",
        ),
        "/missing" => SiteResponse::not_found(),
        "/broken" => page("Server error", "<p>Something broke.</p>")
            .status(500)
            .cookie(&format!("err_cookie=1; {SECURE_LAX}")),
        "/moved" => SiteResponse::redirect(301, "/products"),
        "/leave" => SiteResponse::redirect(302, "https://www.elsewhere.test/landing"),
        "/slow" => page("Slow", "<p>Worth the wait.</p>")
            .cookie(&format!("slow_cookie=1; {SECURE_LAX}"))
            .delay(Duration::from_millis(
                state.slow_delay_ms.load(Ordering::SeqCst),
            )),
        "/hang" => page("Hang", "<p>Too late.</p>").delay(Duration::from_secs(3600)),
        // Fatal for the renderer once the heap limit is reached (tests lower it with --js-flags).
        "/oom" => page(
            "Out of memory",
            "<script>const hog = []; for (;;) hog.push(new Array(1e6).fill(hog.length));</script>",
        ),
        // The cookie is written only once the alert is dismissed.
        "/alert" => page(
            "Alert",
            "<script>\nalert('hi');\ndocument.cookie = 'after_alert=1; path=/; max-age=86400';\n</script>",
        ),
        "/private/secret" => page("Secret", "<p>Robots may not read this.</p>")
            .cookie(&format!("private_cookie=1; {SECURE_LAX}")),
        "/crash-browser" => {
            crash_hook(state);
            page("Crash", "<p>The browser was killed loading this page.</p>")
                .cookie(&format!("crash_survivor=1; {SECURE_LAX}"))
        }
        "/sitemap-only" => page("Only in the sitemap", "<p>No link leads here.</p>")
            .cookie(&format!("sitemap_cookie=1; {SECURE_LAX}")),
        "/robots.txt" => SiteResponse::text(
            "text/plain",
            "User-agent: *\nDisallow: /private/\nSitemap: https://www.shop.test/sitemap.xml.gz\n",
        ),
        "/sitemap.xml.gz" => SiteResponse::bytes("application/gzip", gzip(SITEMAP_INDEX)),
        "/sitemap-pages.xml" => SiteResponse::text("application/xml", SITEMAP_PAGES),
        _ => SiteResponse::not_found(),
    }
}

fn home(state: &FixtureState) -> SiteResponse {
    let mut risky = String::new();
    if state.link_oom.load(Ordering::SeqCst) {
        risky.push_str("<li><a href=\"/oom\">Out of memory</a></li>\n");
    }
    if state.link_hang.load(Ordering::SeqCst) {
        risky.push_str("<li><a href=\"/hang\">Hang</a></li>\n");
    }
    if state.link_crash.load(Ordering::SeqCst) {
        risky.push_str("<li><a href=\"/crash-browser\">Crash</a></li>\n");
    }
    page(
        "Shop",
        &format!(
            r#"<script>document.cookie = 'fp_js_home=1; path=/; max-age=86400';
localStorage.setItem('fp_pref', 'dark'); sessionStorage.setItem('fp_tab', '12345');</script>
<script src="https://analytics.tracker.test/t.js"></script>
<ul>
<li><a href="/products">Products</a> (<a href="/products#reviews">reviews</a>)</li>
<li><a href="/?utm_source=x">Home again</a></li>
<li><a href="/account">Account</a></li>
<li><a href="/calendar?month=0">Calendar</a></li>
<li><a href="/report.pdf">Report (PDF)</a></li>
<li><a href="/missing">Missing</a> <a href="/broken">Broken</a></li>
<li><a href="/moved">Moved</a> <a href="/leave">Leave</a></li>
<li><a href="/slow">Slow</a> <a href="/alert">Alert</a></li>
<li><a href="/private/secret">Private</a></li>
<li><a href="https://blog.shop.test/">Blog</a> <a href="http://www.shop.test/about">About</a></li>
<li><a href="mailto:shop@shop.test">Mail</a> <a href="tel:+15550100">Call</a>
<a href="javascript:void(0)">Nothing</a></li>
<li><a href="javascript:document.cookie='js_href=1'">Script link</a>
<a href="data:text/html,<script>document.cookie='data_href=1'</script>">Data link</a>
<a href="file:///etc/passwd">File link</a> <a href="chrome://settings/">Browser link</a></li>
{risky}</ul>"#
        ),
    )
}

/// An endless calendar: each month links to the next and the previous one.
fn calendar(query: Option<&str>) -> SiteResponse {
    let month: i64 = query
        .and_then(|q| q.strip_prefix("month="))
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    page(
        &format!("Calendar, month {month}"),
        &format!(
            r#"<a href="/calendar?month={}">Previous</a> <a href="/calendar?month={}">Next</a>"#,
            month - 1,
            month + 1
        ),
    )
}

const SITEMAP_INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.shop.test/sitemap-pages.xml</loc></sitemap>
</sitemapindex>
"#;

const SITEMAP_PAGES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.shop.test/</loc></url>
  <url><loc>https://www.shop.test/products</loc></url>
  <url><loc>https://www.shop.test/sitemap-only</loc></url>
</urlset>
"#;

const MINIMAL_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

fn gzip(data: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(data.as_bytes())
        .and_then(|()| encoder.finish())
        .expect("gzip into memory cannot fail")
}

fn crash_hook(state: &FixtureState) {
    let marker = state
        .kill_browser_marker
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(marker) = marker {
        let killed = kill_main_browser(&marker);
        state
            .killed_pids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(killed);
    }
}

/// SIGKILLs the browser process (not a renderer, zygote or helper: those carry `--type=`)
/// whose argv mentions `marker`. Requiring a `--remote-debugging-*` flag keeps the hook off
/// cookiescan itself, whose own argv repeats the marker inside `--chrome-arg=`.
fn kill_main_browser(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut killed = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_main_browser = args.iter().any(|a| a.contains(marker))
            && args.iter().any(|a| a.starts_with("--remote-debugging-"))
            && !args.iter().any(|a| a.starts_with("--type="));
        if is_main_browser
            && Command::new("kill")
                .arg("-9")
                .arg(pid.to_string())
                .status()
                .is_ok_and(|s| s.success())
        {
            killed.push(pid);
        }
    }
    killed
}
