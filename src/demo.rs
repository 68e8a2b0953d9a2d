//! The built-in demo site for `cookiescan demo`: a small fictional shop with a blog, an
//! analytics vendor and an ad network, so a newcomer can watch the whole pipeline offline.
//!
//! What a scan should find (third parties need third-party cookies allowed in the browser):
//! - `www.demo-shop.test`: `demo_session` (header, HttpOnly, every page until set),
//!   `demo_lang` (header, home), `demo_cart` (header, cart), `demo_recently_viewed`
//!   (script, product page), `demo_consent` (script, on clicking the banner; domain cookie).
//! - `blog.demo-shop.test`: `demo_blog_theme` (header, domain cookie for the whole site).
//! - `analytics.metrics-demo.test`: its script writes the first-party `_demo_ga` (a domain
//!   cookie for the whole site) and its pixel sets the third-party `_demo_mid`, on every page
//!   *before* any consent: a deliberate violation for the tool to flag.
//! - `ads.adnet-demo.test`: only after "Accept all", its iframe sets `adnet_uid` (header) and
//!   `adnet_seen` (its own script).
//! - `/summer-sale` is linked from nowhere; only the sitemap (named in robots.txt) knows it.

use std::sync::Arc;

use crate::site::{Handler, SiteRequest, SiteResponse, TRANSPARENT_GIF};

const WWW: &str = "www.demo-shop.test";
const BLOG: &str = "blog.demo-shop.test";
const ANALYTICS: &str = "analytics.metrics-demo.test";
const ADS: &str = "ads.adnet-demo.test";

/// Where a demo scan starts.
pub(crate) const DEMO_START_URL: &str = "https://www.demo-shop.test/";

/// Whether `url` is on the demo shop's site: it exists only inside cookiescan.
pub(crate) fn is_demo(url: &url::Url) -> bool {
    url.host_str()
        .is_some_and(|host| host == WWW || host.ends_with(".demo-shop.test"))
}

/// The demo's hostnames and its request handler, ready for [`crate::site::SiteServer::start`].
pub(crate) fn demo_site() -> (Vec<&'static str>, Handler) {
    (vec![WWW, BLOG, ANALYTICS, ADS], Arc::new(handle))
}

const NAV: &str = r#"<nav>
  <a href="https://www.demo-shop.test/">Home</a> |
  <a href="https://www.demo-shop.test/products">Products</a> |
  <a href="https://www.demo-shop.test/about">About us</a> |
  <a href="https://www.demo-shop.test/cart">Cart</a> |
  <a href="https://blog.demo-shop.test/">Blog</a>
</nav>"#;

// The analytics tag sits in every page head and runs before the visitor has chosen anything.
const ANALYTICS_TAG: &str =
    r#"<script src="https://analytics.metrics-demo.test/m.js" async></script>"#;

const CONSENT_BANNER: &str = r#"<div id="demo-consent-banner" role="dialog" aria-label="Cookie consent"
     style="position:fixed;bottom:0;left:0;right:0;padding:1em;background:#223;color:#fff">
  <p>We use cookies to run this shop, to measure visits and to show you ads.
     Choose whether we may use cookies for marketing.</p>
  <button id="demo-accept" type="button">Accept all</button>
  <button id="demo-reject" type="button">Reject all</button>
</div>
<script>
(function () {
  var banner = document.getElementById('demo-consent-banner');
  function loadAds() {
    var f = document.createElement('iframe');
    f.src = 'https://ads.adnet-demo.test/frame';
    f.width = 300; f.height = 100; f.title = 'Advertisement';
    document.body.appendChild(f);
  }
  function choose(value) {
    document.cookie = 'demo_consent=' + value +
      '; domain=demo-shop.test; path=/; max-age=31536000; SameSite=Lax; Secure';
    banner.style.display = 'none';
    if (value === 'accepted') loadAds();
  }
  var m = document.cookie.match(/(?:^|; )demo_consent=([a-z]+)/);
  if (m) { banner.style.display = 'none'; if (m[1] === 'accepted') loadAds(); }
  document.getElementById('demo-accept').onclick = function () { choose('accepted'); };
  document.getElementById('demo-reject').onclick = function () { choose('rejected'); };
})();
</script>"#;

const HOME: &str = r#"<h1>Demo Shop</h1>
<p>Hand-made teapots since 2026. See our <a href="/products">products</a>,
read <a href="https://blog.demo-shop.test/">the blog</a> or
<a href="/about">learn about us</a>.</p>"#;

const PRODUCTS: &str = r#"<h1>Products</h1>
<ul>
  <li><a href="/products/teapot">The Classic Teapot</a></li>
</ul>"#;

const TEAPOT: &str = r#"<h1>The Classic Teapot</h1>
<p>Holds one litre. <a href="/cart">Add to cart</a>.</p>
<script>
document.cookie = 'demo_recently_viewed=teapot; path=/; max-age=2592000; SameSite=Lax';
</script>"#;

const ABOUT: &str = r#"<h1>About us</h1>
<p>We are a fictional shop, made up to show what cookiescan finds.
Back to the <a href="/">shop</a>.</p>"#;

const CART: &str =
    r#"<h1>Your cart</h1><p>Your cart is empty. <a href="/products">Go shopping</a>.</p>"#;

const SALE: &str = r#"<h1>Summer sale</h1><p>Only the sitemap links here.</p>"#;

const BLOG_HOME: &str = r#"<h1>Demo Shop Blog</h1>
<p><a href="/posts/brewing">How to brew the perfect cup</a></p>"#;

const BLOG_POST: &str = r#"<h1>How to brew the perfect cup</h1>
<p>Warm the pot first. <a href="https://blog.demo-shop.test/">All posts</a></p>"#;

const ROBOTS: &str = "User-agent: *\nDisallow: /checkout/\n\
Sitemap: https://www.demo-shop.test/sitemap.xml\n";

const SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.demo-shop.test/</loc></url>
  <url><loc>https://www.demo-shop.test/products</loc></url>
  <url><loc>https://www.demo-shop.test/products/teapot</loc></url>
  <url><loc>https://www.demo-shop.test/summer-sale</loc></url>
</urlset>
"#;

// Runs in the shop's page, so its cookie is first party although a third party wrote it.
const ANALYTICS_JS: &str = r#"(function () {
  // Like real tags, write on the registrable domain so every subdomain shares one id.
  if (!/(?:^|; )_demo_ga=/.test(document.cookie)) {
    document.cookie = '_demo_ga=GA1.2.1203574211.1767225600; domain=' +
      location.hostname.split('.').slice(-2).join('.') + '; path=/; max-age=63072000; SameSite=Lax';
  }
  new Image().src = 'https://analytics.metrics-demo.test/collect?page=' +
    encodeURIComponent(location.pathname);
})();
"#;

const AD_FRAME: &str = r#"<!doctype html><title>Ad</title>
<p style="margin:0">Teapots! 10% off at the Demo Shop.</p>
<script>
document.cookie = 'adnet_seen=1; path=/; max-age=2592000; SameSite=None; Secure';
</script>"#;

fn page(title: &str, main: &str) -> SiteResponse {
    SiteResponse::html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} - Demo Shop</title>{ANALYTICS_TAG}</head>\n<body>\n{NAV}\n<main>\n{main}\n\
         </main>\n{CONSENT_BANNER}\n</body></html>\n"
    ))
}

fn handle(req: &SiteRequest) -> SiteResponse {
    // Like most shops, plain HTTP only redirects to HTTPS.
    if !req.https {
        let query = req
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        return SiteResponse::redirect(301, &format!("https://{}{}{query}", req.host, req.path));
    }
    match req.host.as_str() {
        WWW => www(req),
        BLOG => match req.path.as_str() {
            "/" => page("Blog", BLOG_HOME),
            "/posts/brewing" => page("Brewing", BLOG_POST),
            _ => return SiteResponse::not_found(),
        }
        .cookie("demo_blog_theme=light; Domain=demo-shop.test; Path=/; Max-Age=31536000; Secure"),
        ANALYTICS => match req.path.as_str() {
            "/m.js" => SiteResponse::text("text/javascript", ANALYTICS_JS),
            "/collect" => SiteResponse::bytes("image/gif", TRANSPARENT_GIF.to_vec())
                .cookie("_demo_mid=7f3a9c; Path=/; Max-Age=63072000; SameSite=None; Secure"),
            _ => SiteResponse::not_found(),
        },
        ADS => match req.path.as_str() {
            "/frame" => SiteResponse::html(AD_FRAME)
                .cookie("adnet_uid=u-4711; Path=/; Max-Age=31536000; SameSite=None; Secure"),
            _ => SiteResponse::not_found(),
        },
        _ => SiteResponse::not_found(),
    }
}

fn www(req: &SiteRequest) -> SiteResponse {
    let resp = match req.path.as_str() {
        "/robots.txt" => return SiteResponse::text("text/plain", ROBOTS),
        "/sitemap.xml" => return SiteResponse::text("application/xml", SITEMAP),
        "/" => page("Home", HOME).cookie("demo_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"),
        "/products" => page("Products", PRODUCTS),
        "/products/teapot" => page("Classic Teapot", TEAPOT),
        "/about" => page("About us", ABOUT),
        "/cart" => page("Cart", CART).cookie("demo_cart=empty; Path=/; Secure; SameSite=Strict"),
        "/summer-sale" => page("Summer sale", SALE),
        _ => return SiteResponse::not_found(),
    };
    let has_session = req
        .cookie
        .as_deref()
        .is_some_and(|c| c.split("; ").any(|kv| kv.starts_with("demo_session=")));
    if has_session {
        resp
    } else {
        resp.cookie("demo_session=s-3b7e21; Path=/; HttpOnly; Secure; SameSite=Lax")
    }
}

#[cfg(test)]
mod config_tests {
    #[test]
    fn the_demo_config_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.toml");
        std::fs::write(&path, super::DEMO_CONFIG).unwrap();
        let config = crate::config::SiteConfig::load(&path, true).unwrap();
        assert_eq!(config.cookies.len(), 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(host: &str, path: &str) -> SiteResponse {
        let (_, handler) = demo_site();
        handler(&SiteRequest {
            https: true,
            host: host.into(),
            path: path.into(),
            query: None,
            cookie: None,
        })
    }

    #[test]
    fn pages_link_to_each_other_and_carry_the_banner() {
        for path in ["/", "/products", "/products/teapot", "/about", "/cart"] {
            let resp = get(WWW, path);
            assert_eq!(resp.status, 200, "{path}");
            let body = String::from_utf8(resp.body).unwrap();
            assert!(body.contains(r#"id="demo-consent-banner""#), "{path}");
            assert!(body.contains("analytics.metrics-demo.test/m.js"), "{path}");
            assert!(
                !body.contains("summer-sale"),
                "{path} must not link the sitemap-only page"
            );
        }
        assert_eq!(get(BLOG, "/posts/brewing").status, 200);
        assert_eq!(get(WWW, "/summer-sale").status, 200);
    }

    #[test]
    fn robots_names_the_sitemap_which_lists_the_hidden_page() {
        let robots = String::from_utf8(get(WWW, "/robots.txt").body).unwrap();
        assert!(robots.contains("Sitemap: https://www.demo-shop.test/sitemap.xml"));
        let sitemap = String::from_utf8(get(WWW, "/sitemap.xml").body).unwrap();
        assert!(sitemap.contains("https://www.demo-shop.test/summer-sale"));
    }

    #[test]
    fn third_party_cookies_are_samesite_none_secure() {
        for (host, path) in [(ANALYTICS, "/collect"), (ADS, "/frame")] {
            for (name, value) in get(host, path).headers {
                if name == "Set-Cookie" {
                    assert!(value.contains("SameSite=None; Secure"), "{value}");
                }
            }
        }
    }
}

/// The demo shop's site config, written to `<scans dir>/www.demo-shop.test.toml` on the first
/// `cookiescan demo` so that `cookiescan report` shows a complete cookie-policy table.
pub(crate) const DEMO_CONFIG: &str = r#"# The demo shop's own notes on its cookies, used by `cookiescan report`. Any scan of it
# (`cookiescan demo`, `scan --all` in this directory) serves the shop on loopback first.
[site]
operator = "Demo Shop"

[scan]
url = "https://www.demo-shop.test/"

[[cookie]]
name = "demo_session"
function = "Shopping session"
purpose = "To keep your basket and session from one page to the next"
category = "necessary"

[[cookie]]
name = "demo_cart"
function = "Shopping basket"
purpose = "To remember what is in your basket"
category = "necessary"

[[cookie]]
name = "demo_consent"
function = "Consent storage"
purpose = "To remember whether you accepted or refused optional cookies"
category = "necessary"

[[cookie]]
name = "demo_lang"
function = "Language selection"
purpose = "To show the shop in your language"
category = "functionality"

[[cookie]]
name = "demo_blog_theme"
function = "Blog display"
purpose = "To remember the reading theme you chose on the blog"
category = "functionality"

[[cookie]]
name = "demo_recently_viewed"
function = "Recently viewed products"
purpose = "To show you the products you looked at last"
category = "functionality"

[[cookie]]
name = "_demo_*"
provider = "Metrics Demo"
function = "Audience measurement"
purpose = "To count visits and see which pages are read"
category = "statistics"

[[cookie]]
name = "adnet_*"
provider = "AdNet Demo"
function = "Advertising"
purpose = "To show you advertising and measure how it performs"
category = "marketing"
"#;
