//! A small news site that changes between scans, for the history and diff tests.
//!
//! `www.news.test` has its own cookie banner (answered by a rule in the site config) and three
//! pages. Unchanged, it sets `session` (HTTP, session) and `lang` (HTTP, 30 days) on `/`, the
//! banner's `consent` cookie when answered, and after "accept" loads `cdn.stats.test/a.js`,
//! whose response sets the third-party `stats_uid`.
//!
//! `/cookie-policy` publishes its cookie table: `session` (necessary, session) and `lang`
//! (functionality, declared 7 days: too short) as static tables under headings, then, drawn by
//! a script from `/declaration.json` as consent platforms do, a Cookiebot-style table declaring
//! `stats_uid` (statistics, 1 year) and `old_ad` (marketing, never set). `consent` is declared
//! nowhere.
//!
//! Changed (`EvolvingSite::change`), exactly three things differ:
//! - a script on `/` writes `_fbp` before any answer (a marketing cookie before consent);
//! - `lang` lives 180 days instead of 30;
//! - after "accept" a pixel from a new third party, `px.newpartner.test`, sets `np_id`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cookiescan::site::{Handler, SiteRequest, SiteResponse, TRANSPARENT_GIF};

pub const START_URL: &str = "https://www.news.test/";

pub const HOSTS: &[&str] = &["www.news.test", "cdn.stats.test", "px.newpartner.test"];

/// The site config the tests write to `<scans>/www.news.test.toml`.
pub const CONFIG: &str = r##"
[site]
operator = "News Ltd"

[scan]
url = "https://www.news.test/"
modes = ["before-consent", "accept", "reject"]
settle = "300ms"
banner_wait = "3s"
fail_on = ["before-consent", "lifetime-longer", "new-third-party"]

[[cookie]]
name = "session"
category = "necessary"
purpose = "Keeps the reader's session"

[[cookie]]
name = "lang"
category = "functionality"
purpose = "Remembers the reader's language"

[[consent.platform]]
id = "news-banner"
name = "News banner"
detect = { selectors = ["#cb"] }
visible = ["#cb"]
accept = [{ steps = [{ click = "#cb-yes" }] }]
reject = [{ steps = [{ click = "#cb-no" }] }]
verify = { cookie = "consent", accept = "^yes$", reject = "^no$" }
consent_cookies = ["consent"]
"##;

#[derive(Default)]
pub struct EvolvingSite {
    changed: AtomicBool,
}

impl EvolvingSite {
    pub fn change(&self) {
        self.changed.store(true, Ordering::SeqCst);
    }

    fn is_changed(&self) -> bool {
        self.changed.load(Ordering::SeqCst)
    }
}

fn page(body: &str, changed: bool) -> String {
    let tracker = if changed {
        "if (!document.cookie.includes('consent=')) { document.cookie = '_fbp=fb.1.' + Date.now() + '; max-age=7776000; path=/'; }"
    } else {
        ""
    };
    let partner = if changed {
        "var px = new Image(); px.src = 'https://px.newpartner.test/p.gif'; document.body.appendChild(px);"
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html><head><title>News</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/news/1">Story</a></nav>
{body}
<div id="cb" style="display:none">We use cookies.
  <button id="cb-yes">Accept all</button> <button id="cb-no">Reject all</button></div>
<script>
{tracker}
function analytics() {{
  var s = document.createElement('script'); s.src = 'https://cdn.stats.test/a.js'; document.body.appendChild(s);
  {partner}
}}
var answer = (document.cookie.match(/(?:^|; )consent=([^;]*)/) || [])[1];
var banner = document.getElementById('cb');
if (!answer) {{ banner.style.display = 'block'; }}
if (answer === 'yes') {{ analytics(); }}
function choose(value) {{
  document.cookie = 'consent=' + value + '; max-age=31536000; path=/';
  banner.remove();
  if (value === 'yes') {{ analytics(); }}
}}
document.getElementById('cb-yes').addEventListener('click', function () {{ choose('yes'); }});
document.getElementById('cb-no').addEventListener('click', function () {{ choose('no'); }});
</script></body></html>"#
    )
}

pub fn handler(site: Arc<EvolvingSite>) -> Handler {
    Arc::new(move |request: &SiteRequest| {
        let changed = site.is_changed();
        match (request.host.as_str(), request.path.as_str()) {
            ("www.news.test", "/") => {
                let lang_age = if changed { 15_552_000 } else { 2_592_000 };
                SiteResponse::html(page("<h1>Front page</h1>", changed))
                    .cookie("session=s1; Path=/; HttpOnly; Secure; SameSite=Lax")
                    .cookie(&format!("lang=en; Max-Age={lang_age}; Path=/; Secure"))
            }
            ("www.news.test", "/about") => SiteResponse::html(page("<h1>About us</h1>", changed)),
            ("www.news.test", "/news/1") => SiteResponse::html(page("<h1>A story</h1>", changed)),
            ("www.news.test", "/robots.txt") => SiteResponse::text("text/plain", ""),
            ("www.news.test", "/cookie-policy") => SiteResponse::html(POLICY_PAGE),
            // A policy page that never comes: for interrupting the check.
            ("www.news.test", "/slow-policy") => {
                SiteResponse::html(POLICY_PAGE).delay(std::time::Duration::from_secs(120))
            }
            ("www.news.test", "/declaration.json") => SiteResponse::text(
                "application/json",
                r#"[["Statistics", [["stats_uid", "Stats Inc", "Counts readers", "1 year", "HTTP"]]],
                    ["Marketing", [["old_ad", "Old Ads", "Advertising", "30 days", "HTTP"]]]]"#,
            ),
            ("cdn.stats.test", "/a.js") => {
                SiteResponse::text("text/javascript", "/* statistics */")
                    .cookie("stats_uid=u1; Max-Age=31536000; Path=/; Secure; SameSite=None")
            }
            ("px.newpartner.test", "/p.gif") => {
                SiteResponse::bytes("image/gif", TRANSPARENT_GIF.to_vec())
                    .cookie("np_id=n1; Max-Age=31536000; Path=/; Secure; SameSite=None")
            }
            _ => SiteResponse::not_found(),
        }
    })
}

/// The published policy: static tables, and a declaration drawn by script after a fetch.
const POLICY_PAGE: &str = r#"<!doctype html><html><head><title>Cookie policy</title></head><body>
<h1>Cookie policy</h1>
<h2>Strictly necessary cookies</h2>
<table><thead><tr><th>Service provider's name</th><th>Function and location</th><th>Cookie name(s)</th><th>Purposes</th><th>Duration</th></tr></thead>
<tbody><tr><td>News Ltd</td><td>Session (whole site)</td><td>session</td><td>Keeps the reader's session</td><td>session</td></tr></tbody></table>
<h2>Functionality cookies</h2>
<table><tr><th>Service provider's name</th><th>Function and location</th><th>Cookie name(s)</th><th>Purposes</th><th>Duration</th></tr>
<tr><td>News Ltd</td><td>Language</td><td>lang</td><td>Remembers the language</td><td>7 days</td></tr></table>
<div id="declaration"></div>
<script>
fetch('/declaration.json').then(function (r) { return r.json(); }).then(function (groups) {
  var out = document.getElementById('declaration');
  groups.forEach(function (group) {
    var header = document.createElement('p');
    header.className = 'CookieDeclarationTypeHeader';
    header.textContent = group[0] + ' (' + group[1].length + ')';
    out.appendChild(header);
    var table = document.createElement('table');
    table.innerHTML = '<tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Expiry</th><th>Type</th></tr>';
    group[1].forEach(function (cells) {
      var row = table.insertRow();
      cells.forEach(function (cell) { row.insertCell().textContent = cell; });
    });
    out.appendChild(table);
  });
});
</script></body></html>"#;
