//! A news site built as a single-page application, for the crawl that behaves like a visitor.
//! Every route is served the same app shell; a small router renders the route from the path,
//! and renders another on click through `history.pushState`.
//!
//! What a crawl that follows only `<a href>` and reads cookies right after load misses:
//!
//! ```text
//! page / cookie            reached how                                      cookie written
//! /sport   sport_pref      a div.card with a click handler (router)        by the route, JS
//! /culture culture_pref    a span[data-href] (delegated listener)          by the route, JS
//! /tech    tech_pref       an li[role=link] with an onclick attribute      by the route, JS
//! /weather, /travel        div.tile (pointer cursor), listener on the container   (no cookie)
//! /story/3 … /story/6      rendered by "Load more" on /latest (twice)      story_seen, HTTP
//! /deals   deal_seen       /go?to=/deals → 302 click.tracker.test → 302    HTTP on /deals;
//!          clk_id          back to /deals                                  clk_id by the hop
//! /        footer_seen     the footer scrolled into view (observer)        JS
//! /        late_tag        a timer 3 s after load                          JS
//! /        engaged         the first pointer movement                      JS
//! /offline sw_cookie       a fetch made by the page's service worker        HTTP, in the worker
//! ```
//!
//! Navigation links carry session ids fresh on every render: `;jsessionid=` on Home,
//! `?sid=` on World and an unknown parameter `v` on Archive; each is one page.
//! Never to be triggered: a "Log out" button (`/logout` sets `logged_out`), a subscription
//! form (`/subscribe` sets `subscribed`) and the "OK" of an inline cookie notice (`notice_ok`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cookiescan::site::{Handler, SiteRequest, SiteResponse};

pub const WWW: &str = "www.news.test";
pub const CLICK: &str = "click.tracker.test";
pub const START_URL: &str = "https://www.news.test/";

const FIRST: &str = "Path=/; Max-Age=86400; Secure; SameSite=Lax";

/// Routes the app renders; anything else is a 404.
const ROUTES: &[&str] = &[
    "/", "/world", "/archive", "/sport", "/culture", "/tech", "/latest", "/deals", "/offline",
    "/weather", "/travel",
];

pub fn visitor_site() -> (Vec<&'static str>, Handler) {
    let renders = Arc::new(AtomicU64::new(0));
    let handler: Handler = Arc::new(move |req: &SiteRequest| handle(&renders, req));
    (vec![WWW, CLICK], handler)
}

fn handle(renders: &AtomicU64, req: &SiteRequest) -> SiteResponse {
    match (req.host.as_str(), req.path.as_str()) {
        (CLICK, "/c") => {
            // The click tracker: sets its id and sends the visitor on to the site.
            let target = query_value(req, "u=");
            SiteResponse::redirect(302, &format!("https://{WWW}{target}"))
                .cookie("clk_id=c1; Path=/; Max-Age=86400; SameSite=None; Secure")
        }
        (WWW, "/go") => {
            let target = query_value(req, "to=");
            SiteResponse::redirect(302, &format!("https://{CLICK}/c?u={target}"))
        }
        (WWW, "/app.js") => SiteResponse::text("text/javascript", APP_JS),
        (WWW, "/sw.js") => SiteResponse::text("text/javascript", SERVICE_WORKER),
        // Fetched by the service worker on the offline page's behalf.
        (WWW, "/sw-data") => {
            SiteResponse::text("application/json", "{}").cookie(&format!("sw_cookie=1; {FIRST}"))
        }
        (WWW, "/api/latest") => {
            let page: u32 = req
                .query
                .as_deref()
                .and_then(|q| q.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let stories: Vec<String> = [2 * page - 1, 2 * page]
                .iter()
                .map(|n| format!("\"/story/{n}\""))
                .collect();
            SiteResponse::text(
                "application/json",
                format!(
                    "{{\"stories\":[{}],\"more\":{}}}",
                    stories.join(","),
                    page < 3
                ),
            )
        }
        (WWW, path) if path.starts_with("/story/") => page_html(
            "Story",
            &format!("<p>Story {}</p>", &path["/story/".len()..]),
            "",
        )
        .cookie(&format!("story_seen=1; {FIRST}")),
        (WWW, "/logout") => {
            page_html("Logged out", "", "").cookie(&format!("logged_out=1; {FIRST}"))
        }
        (WWW, "/subscribe") => {
            page_html("Subscribed", "", "").cookie(&format!("subscribed=1; {FIRST}"))
        }
        (WWW, path) => {
            // Path parameters (`;jsessionid=…`) are the server's business, not the route's.
            let route = path.split(';').next().unwrap_or(path);
            if !ROUTES.contains(&route) {
                return SiteResponse::not_found();
            }
            let render = renders.fetch_add(1, Ordering::Relaxed);
            let shell = app_shell(render);
            if route == "/deals" {
                shell.cookie(&format!("deal_seen=1; {FIRST}"))
            } else {
                shell
            }
        }
        _ => SiteResponse::not_found(),
    }
}

/// The query's value after `prefix` (the fixture's queries have one parameter), else `/`.
fn query_value<'a>(req: &'a SiteRequest, prefix: &str) -> &'a str {
    req.query
        .as_deref()
        .and_then(|q| q.strip_prefix(prefix))
        .unwrap_or("/")
}

fn page_html(title: &str, body: &str, head: &str) -> SiteResponse {
    SiteResponse::html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>\n\
         <body>\n<h1>{title}</h1>\n{body}\n</body></html>\n"
    ))
}

/// The app shell, with navigation links whose session ids change on every render.
fn app_shell(render: u64) -> SiteResponse {
    let token = |salt: u64| {
        format!(
            "{:016x}",
            (render + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt
        )
    };
    let nav = format!(
        r#"<nav>
<a href="/;jsessionid={home}">Home</a>
<a href="/world?sid={world}">World</a>
<a href="/archive?v={archive}">Archive</a>
<a href="/latest">Latest</a>
<a href="/go?to=/deals">Deals</a>
<a href="/offline">Offline</a>
<div class="card" data-route="/sport">Sport</div>
<div id="tiles"><div class="tile" data-id="/weather" style="cursor:pointer">Weather</div><div class="tile" data-id="/travel" style="cursor:pointer">Travel</div></div>
<span class="pill" data-href="/culture">Culture</span>
<ul><li role="link" onclick="window.appNavigate('/tech')">Tech</li></ul>
<button type="button" class="danger" onclick="location.href='/logout'">Log out</button>
<form action="/subscribe" method="get"><button>Subscribe</button></form>
</nav>
<div><p>We use cookies to improve the site.</p><span class="ok">OK</span></div>"#,
        home = token(1),
        world = token(2),
        archive = token(3),
    );
    page_html(
        "Daily News",
        &format!(
            "{nav}\n<main id=\"view\"></main>\n<div style=\"height:3000px\"></div>\n\
             <footer id=\"footer\">Footer</footer>\n<script src=\"/app.js\"></script>"
        ),
        "",
    )
}

/// A service worker that takes over at once and answers `/sw-data` from the network itself.
const SERVICE_WORKER: &str = r#"
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname === '/sw-data') {
    event.respondWith(fetch(event.request.url, { credentials: 'include' }));
  }
});
"#;

/// The router and the tags that wait for the visitor.
const APP_JS: &str = r#"
const view = document.getElementById('view');
const setCookie = (name) => { document.cookie = name + '=1; path=/; max-age=86400; Secure; SameSite=Lax'; };
function render(path) {
  const route = path.split(';')[0];
  view.textContent = '';
  if (route === '/sport' || route === '/culture' || route === '/tech') {
    setCookie(route.slice(1) + '_pref');
    view.textContent = route.slice(1) + ' news';
  } else if (route === '/latest') {
    renderLatest();
  }
}
window.appNavigate = (path) => { history.pushState({}, '', path); render(path); };
document.querySelector('.card').addEventListener('click', (e) => window.appNavigate(e.currentTarget.dataset.route));
document.addEventListener('click', (e) => {
  const target = e.target.closest && e.target.closest('[data-href]');
  if (target) window.appNavigate(target.getAttribute('data-href'));
});
window.addEventListener('popstate', () => render(location.pathname));
// Delegated, as frameworks do: one listener on the container, tiles marked by their cursor.
document.getElementById('tiles').addEventListener('click', (e) => {
  const tile = e.target.closest('.tile');
  if (tile) window.appNavigate(tile.dataset.id);
});
// An inline notice (not an overlay): its "OK" answers it, which a crawl must never do.
document.querySelector('.ok').addEventListener('click', () => setCookie('notice_ok'));
async function renderLatest() {
  const list = document.createElement('ul');
  view.appendChild(list);
  let page = 1;
  const more = document.createElement('button');
  more.type = 'button';
  more.textContent = 'Load more';
  const load = async () => {
    const data = await (await fetch('/api/latest?page=' + page)).json();
    for (const story of data.stories) {
      const item = document.createElement('li');
      item.innerHTML = '<a></a>';
      item.firstChild.href = story;
      item.firstChild.textContent = story;
      list.appendChild(item);
    }
    page += 1;
    if (!data.more) more.remove();
  };
  more.addEventListener('click', load);
  await load();
  view.appendChild(more);
}
render(location.pathname);
if (location.pathname === '/offline' && navigator.serviceWorker) {
  // Once the worker controls the page, data comes through it (and its fetch sets a cookie).
  const load = () => fetch('/sw-data');
  if (navigator.serviceWorker.controller) load();
  else navigator.serviceWorker.addEventListener('controllerchange', load, { once: true });
  navigator.serviceWorker.register('/sw.js');
}
if (location.pathname === '/') {
  new IntersectionObserver((entries, observer) => {
    if (entries.some((e) => e.isIntersecting)) { setCookie('footer_seen'); observer.disconnect(); }
  }).observe(document.getElementById('footer'));
  setTimeout(() => setCookie('late_tag'), 3000);
  const engaged = () => { setCookie('engaged'); window.removeEventListener('pointermove', engaged); };
  window.addEventListener('pointermove', engaged);
}
"#;
