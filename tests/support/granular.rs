//! Shops with granular banners built on real consent libraries from npm, for the per-category
//! passes: each offers two optional categories, "Analytics" (a metrics vendor) and "Marketing"
//! (an ad network), and sets the first-party cookies a shop has in every mode.
//!
//! | site | library | analytics brings | marketing brings |
//! |---|---|---|---|
//! | `www.klaro-shop.test` | klaro 0.7.22, services `metrics` (purpose `analytics`) and `adnet` (purpose `marketing`) | `mx_uid` (3p, header), `_mx_id` and `_ga` (1p, script) | `ad_uid` (3p, header), `_ad_click` (1p, script) |
//! | `www.vanilla-shop.test` | vanilla-cookieconsent 3.1.0, categories `analytics` and `marketing` | the same | the same |
//!
//! Every page, in every mode: `sid` (HttpOnly session, by the page's response), `shop_csrf`,
//! `cart_id` and `ui_lang` (by the page's script), and a third-party widget's `wdg_id` (by
//! header, never gated: no evidence makes it anything).

use std::sync::Arc;

use cookiescan::site::{Handler, SiteRequest, SiteResponse};

use super::consent_libs::vendor_file;

pub const KLARO_SHOP: &str = "www.klaro-shop.test";
pub const VANILLA_SHOP: &str = "www.vanilla-shop.test";
const METRICS: &str = "stats.metrics-cdn.test";
const ADNET: &str = "ads.adnet-cdn.test";
const WIDGETS: &str = "cdn.widgets-cdn.test";

/// What each category brings, by cookie name.
pub const ANALYTICS_COOKIES: [&str; 3] = ["mx_uid", "_mx_id", "_ga"];
pub const MARKETING_COOKIES: [&str; 2] = ["ad_uid", "_ad_click"];
/// The shop's own cookies, set in every mode, with the category a name rule suggests.
pub const SHOP_COOKIES: [(&str, &str); 4] = [
    ("sid", "necessary"),
    ("shop_csrf", "necessary"),
    ("cart_id", "necessary"),
    ("ui_lang", "functionality"),
];
/// The ungated third-party cookie no fact knows.
pub const WIDGET_COOKIE: &str = "wdg_id";

pub fn hosts() -> Vec<&'static str> {
    vec![KLARO_SHOP, VANILLA_SHOP, METRICS, ADNET, WIDGETS]
}

pub fn site() -> (Vec<&'static str>, Handler) {
    let handler: Handler =
        Arc::new(|req: &SiteRequest| route(req).unwrap_or_else(SiteResponse::not_found));
    (hosts(), handler)
}

fn route(req: &SiteRequest) -> Option<SiteResponse> {
    match (req.host.as_str(), req.path.as_str()) {
        (METRICS, "/m.js") => Some(
            SiteResponse::text(
                "text/javascript",
                "document.cookie = '_mx_id=m1; path=/; max-age=31536000; SameSite=Lax';\n\
                 document.cookie = '_ga=GA1.1.1234567.1700000000; path=/; max-age=63072000; SameSite=Lax';\n",
            )
            .cookie("mx_uid=m1; Path=/; Max-Age=31536000; SameSite=None; Secure"),
        ),
        (ADNET, "/a.js") => Some(
            SiteResponse::text(
                "text/javascript",
                "document.cookie = '_ad_click=a1; path=/; max-age=7776000; SameSite=Lax';\n",
            )
            .cookie("ad_uid=a1; Path=/; Max-Age=31536000; SameSite=None; Secure"),
        ),
        (WIDGETS, "/w.js") => Some(
            SiteResponse::text("text/javascript", "window.widgetReady = true;\n")
                .cookie("wdg_id=w1; Path=/; Max-Age=31536000; SameSite=None; Secure"),
        ),
        (KLARO_SHOP | VANILLA_SHOP, path) => {
            if let Some(rel) = path.strip_prefix("/vendor/") {
                return Some(vendor_file(rel));
            }
            let title = match path {
                "/" => "Home",
                "/products" => "Products",
                _ => return None,
            };
            let (head, tail) = if req.host == KLARO_SHOP {
                (KLARO_HEAD, KLARO_TAIL)
            } else {
                (VANILLA_HEAD, VANILLA_TAIL)
            };
            Some(
                SiteResponse::html(format!(
                    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                     <title>{title} · shop</title>\n{head}</head>\n<body>\n\
                     <nav><a href=\"/\">Home</a> · <a href=\"/products\">Products</a></nav>\n\
                     <h1>{title}</h1>\n{SHOP_SCRIPT}\n{tail}</body></html>\n"
                ))
                .cookie("sid=shop-session; Path=/; Secure; SameSite=Lax; HttpOnly"),
            )
        }
        _ => None,
    }
}

/// The shop's own cookies and the widget, on every page whatever the consent.
const SHOP_SCRIPT: &str = r#"<script>
document.cookie = 'shop_csrf=c1; path=/; SameSite=Strict; Secure';
document.cookie = 'cart_id=k1; path=/; max-age=604800; SameSite=Lax';
document.cookie = 'ui_lang=en; path=/; max-age=31536000; SameSite=Lax';
</script>
<script src="https://cdn.widgets-cdn.test/w.js"></script>"#;

const KLARO_HEAD: &str = r#"<script>
// klaro's defaults otherwise: the cookie `klaro`, nothing on by default, "I decline" shown.
var klaroConfig = {
  lang: 'en',
  acceptAll: true,
  translations: {
    zz: { privacyPolicyUrl: '/products' },
    en: {
      purposes: { analytics: 'Analytics', marketing: { title: 'Marketing' } },
      metrics: { description: 'Audience measurement by stats.metrics-cdn.test' },
      adnet: { description: 'Advertising by ads.adnet-cdn.test' }
    }
  },
  services: [
    { name: 'metrics', title: 'Metrics', purposes: ['analytics'], default: false, required: false, onlyOnce: true },
    { name: 'adnet', title: 'Ad network', purposes: ['marketing'], default: false, required: false, onlyOnce: true }
  ]
};
</script>
<script defer src="/vendor/klaro/dist/klaro.js"></script>
"#;

const KLARO_TAIL: &str = r#"<script type="text/plain" data-type="application/javascript" data-name="metrics" data-src="https://stats.metrics-cdn.test/m.js"></script>
<script type="text/plain" data-type="application/javascript" data-name="adnet" data-src="https://ads.adnet-cdn.test/a.js"></script>
"#;

const VANILLA_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/vanilla-cookieconsent/dist/cookieconsent.css">
"#;

const VANILLA_TAIL: &str = r#"<script type="text/plain" data-category="analytics" src="https://stats.metrics-cdn.test/m.js"></script>
<script type="text/plain" data-category="marketing" src="https://ads.adnet-cdn.test/a.js"></script>
<script src="/vendor/vanilla-cookieconsent/dist/cookieconsent.umd.js"></script>
<script>
CookieConsent.run({
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {},
    marketing: {}
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: 'Audience measurement and advertising, with your consent.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Manage preferences'
        },
        preferencesModal: {
          title: 'Your choices',
          savePreferencesBtn: 'Save',
          sections: [
            { title: 'Strictly necessary', linkedCategory: 'necessary' },
            { title: 'Audience measurement', linkedCategory: 'analytics' },
            { title: 'Advertising', linkedCategory: 'marketing' }
          ]
        }
      }
    }
  }
});
</script>
"#;
