//! Consent fixtures built on real open-source consent libraries from npm, served offline.
//!
//! `scripts/test.sh` installs the pinned packages of `tests/consent-libs/package.json` into
//! `tests/consent-libs/node_modules`; every library file is read from there at request time and
//! served under `/vendor/<package>/…` on the site's own host, so nothing leaves loopback.
//!
//! One site per library, `https://www.<id>.test/`, each with `/` and `/about` and the shared
//! analytics script ([`TRACKER_SCRIPT`]) gated the library's own way:
//!
//! | id | library | gating | consent cookie |
//! |---|---|---|---|
//! | `klaro` | klaro 0.7.22 | `<script type="text/plain" data-name="stats" data-src>` | `klaro` = `{"stats":bool}` |
//! | `tarteaucitron` | tarteaucitronjs 1.34.0 | custom service `stats` whose `js()` adds the script | `tarteaucitron` = `!stats=bool` |
//! | `osano-cookieconsent` | cookieconsent 3.1.1 (`opt-in`) | `onInitialise`/`onStatusChange` + `hasConsented()` | `cookieconsent_status` = `allow`/`deny` |
//! | `vanilla-cookieconsent` | vanilla-cookieconsent 3.1.0 | `<script type="text/plain" data-category="analytics">` | `cc_cookie` = JSON with `categories` |
//! | `tcf` | `@iabtechlabtcf/stub` + `cmpapi` + `core` 1.5.21 | loaded after "Accept all" in our own banner | `euconsent-v2` = TC string |
//! | `orejime` | orejime 3.2.1, Hungarian build ("Elfogad" / "Elvet") | `<template data-purpose="stats">` | `orejime` = `{"stats":bool}` |
//! | `porsche-cookie-consent` | @porscheofficial/cookie-consent-banner 4.1.0, a Stencil web component (shadow DOM, slotted text), "Continue with technically required cookies only" | `cookie_consent_preferences_updated` / `_restored` events | `cookies_accepted_categories` = the categories |
//! | `beyonk-gdpr` | @beyonk/gdpr-cookie-consent-banner 16.0.2, a Svelte web component; no first-layer refusal, pre-ticked categories, "Prijať všetko" turning "Prijať vybrané" (Slovak) | `consent:analytics` event on `window` | `beyonk_gdpr` = JSON `choices` |
//! | `cookies-eu-banner` | cookies-eu-banner 3.0.0, the site's own `<template>` markup, Greek labels ("Αποδοχή" / "Απόρριψη") | `onAccept` | `hasConsent` = `true` / `false` |
//! | `lmc-cookie-consent` | @lmc-eu/cookie-consent-manager 2.6.0 (vanilla-cookieconsent 2 inside, Czech: "Přijmout všechny" / "Přijmout nezbytné") | `<script type="text/plain" data-cookiecategory="analytics">` | `lmc_ccm` = JSON with `level` |
//! | `cookie-notice` | cookie-notice 1.3.9, a notice with only "Ok" (implied consent: no refusal offered) | later pages load the script once `cookie_notice` is set | `cookie_notice` = `1` |
//! | `mozilla-consent` | @mozmeao/consent-banner 1.1.1 + @mozmeao/cookie-helper 1.1.0, the site's own markup ("Reject All Additional Cookies"), slides up over 600 ms | `mozConsentStatus` event | `moz-consent-pref` = JSON `{"preference":…,"analytics":…}` |
//! | `cookieconsent-info` | cookieconsent 3.1.1 (`info`: "Accept cookies" and a "Cookie settings" link, no refusal in the banner); the refusal is the site's own form on `/cookie-settings`, pre-ticked, its checkboxes drawn by their labels | `onInitialise`/`onStatusChange` + `hasConsented()`; the form loads the script when saved with a category on | `cookieconsent_status` = `dismiss` / `deny` |
//! | `cookie-though` | cookie-though 1.7.3, Dutch labels, open shadow root, slides in | `onPreferencesChanged` + `getPreferences()` | `cookie-preferences` = `stats:1` / `stats:0` |
//!
//! `@lmc-eu/cookie-consent-manager` asks for `@lmc-eu/spirit-design-tokens@^1.1.3`, which the
//! registry no longer has; `package.json` overrides it with 3.0.2 (design tokens for its SCSS,
//! never loaded by the fixture).
//!
//! Without `node_modules` the pages still load, but every library file answers 404 with a hint
//! to run npm, so no banner appears and the consent tests fail visibly.

use std::path::{Path, PathBuf};

use cookiescan::site::{SiteRequest, SiteResponse};

use super::consent::{ConsentCase, Expectation, Outcome, TRACKER_SCRIPT};

/// Where `npm ci --prefix tests/consent-libs` installs the libraries.
const NODE_MODULES: &str = "tests/consent-libs/node_modules";

/// URL prefix under which every site serves the installed packages.
const VENDOR: &str = "/vendor/";

/// The only package directories served (a path must start with one of them).
const PACKAGES: [&str; 16] = [
    "@mozmeao/consent-banner/",
    "@mozmeao/cookie-helper/",
    "cookie-notice/",
    "@lmc-eu/cookie-consent-manager/",
    "cookies-eu-banner/",
    "@beyonk/gdpr-cookie-consent-banner/",
    "@porscheofficial/cookie-consent-banner/",
    "orejime/",
    "cookie-though/",
    "klaro/",
    "tarteaucitronjs/",
    "cookieconsent/",
    "vanilla-cookieconsent/",
    "@iabtechlabtcf/stub/",
    "@iabtechlabtcf/cmpapi/",
    "@iabtechlabtcf/core/",
];

const HOSTS: [&str; 14] = [
    "www.cookieconsent-info.test",
    "www.mozilla-consent.test",
    "www.cookie-notice.test",
    "www.lmc-cookie-consent.test",
    "www.cookies-eu-banner.test",
    "www.beyonk-gdpr.test",
    "www.porsche-cookie-consent.test",
    "www.orejime.test",
    "www.cookie-though.test",
    "www.klaro.test",
    "www.tarteaucitron.test",
    "www.osano-cookieconsent.test",
    "www.vanilla-cookieconsent.test",
    "www.tcf.test",
];

pub fn cases() -> Vec<ConsentCase> {
    vec![
        case(
            "klaro",
            Some("klaro"),
            ("klaro", r#""stats":true"#),
            ("klaro", r#""stats":false"#),
        ),
        case(
            "tarteaucitron",
            Some("tarteaucitron"),
            ("tarteaucitron", r"(^|!)stats=true(!|$)"),
            ("tarteaucitron", r"(^|!)stats=false(!|$)"),
        ),
        case(
            "osano-cookieconsent",
            Some("cookieconsent-osano-v3"),
            ("cookieconsent_status", r"^allow$"),
            ("cookieconsent_status", r"^deny$"),
        ),
        // The banner offers no refusal; its settings link leads to the site's own form.
        case(
            "cookieconsent-info",
            Some("cookieconsent-osano-v3"),
            ("cookieconsent_status", r"^dismiss$"),
            ("cookieconsent_status", r"^deny$"),
        ),
        case(
            "vanilla-cookieconsent",
            Some("vanilla-cookieconsent"),
            ("cc_cookie", r#""categories":\["necessary","analytics"\]"#),
            ("cc_cookie", r#""categories":\["necessary"\]"#),
        ),
        // No rule of ours knows either: the heuristic answers, in Hungarian and in Dutch.
        case(
            "orejime",
            None,
            ("orejime", r#""stats":true"#),
            ("orejime", r#""stats":false"#),
        ),
        case(
            "porsche-cookie-consent",
            None,
            ("cookies_accepted_categories", r"analytics"),
            ("cookies_accepted_categories", r"^technically_required$"),
        ),
        case(
            "beyonk-gdpr",
            None,
            // Base64 of `{"choices":{`: the choice itself shows in the gated cookies.
            ("beyonk_gdpr", r"^eyJjaG9pY2VzIjp7"),
            ("beyonk_gdpr", r"^eyJjaG9pY2VzIjp7"),
        ),
        case(
            "cookies-eu-banner",
            None,
            ("hasConsent", r"^true$"),
            ("hasConsent", r"^false$"),
        ),
        case(
            "lmc-cookie-consent",
            Some("vanilla-cookieconsent"),
            ("lmc_ccm", r#""level":\[[^\]]*"analytics""#),
            ("lmc_ccm", r#""level":\["necessary"\]"#),
        ),
        // A notice, not a choice: acknowledged in the accept pass; in the reject pass there is
        // nothing to refuse with and nothing is clicked.
        ConsentCase {
            id: "cookie-notice",
            platform: None,
            accept: Expectation {
                outcome: Outcome::Verified,
                consent_cookie: Some(("cookie_notice", r"^1$")),
                consent_storage: None,
                gated: true,
            },
            reject: Expectation {
                outcome: Outcome::NoRejectOption,
                consent_cookie: None,
                consent_storage: None,
                gated: false,
            },
        },
        case(
            "mozilla-consent",
            None,
            ("moz-consent-pref", r#""analytics":true"#),
            ("moz-consent-pref", r#""analytics":false"#),
        ),
        case(
            "cookie-though",
            None,
            ("cookie-preferences", r"(^|,)stats:1(,|$)"),
            ("cookie-preferences", r"(^|,)stats:0(,|$)"),
        ),
        // Our own banner on the real IAB CMP API: no rule knows it, the heuristic finds it and
        // `__tcfapi` proves the choice. Both choices store a TC string (version 2, so "C…").
        case(
            "tcf",
            None,
            ("euconsent-v2", r"^C[A-Za-z0-9_.-]+$"),
            ("euconsent-v2", r"^C[A-Za-z0-9_.-]+$"),
        ),
    ]
}

fn case(
    id: &'static str,
    platform: Option<&'static str>,
    accepted: (&'static str, &'static str),
    rejected: (&'static str, &'static str),
) -> ConsentCase {
    let expectation = |cookie, gated| Expectation {
        outcome: Outcome::Verified,
        consent_cookie: Some(cookie),
        consent_storage: None,
        gated,
    };
    ConsentCase {
        id,
        platform,
        accept: expectation(accepted, true),
        reject: expectation(rejected, false),
    }
}

pub fn hosts() -> Vec<&'static str> {
    HOSTS.to_vec()
}

pub fn route(req: &SiteRequest) -> Option<SiteResponse> {
    let id = req.host.strip_prefix("www.")?.strip_suffix(".test")?;
    if !HOSTS.contains(&req.host.as_str()) {
        return None;
    }
    if let Some(rel) = req.path.strip_prefix(VENDOR) {
        return Some(vendor_file(rel));
    }
    let body = match (id, req.path.as_str()) {
        ("tcf", "/tcf/vendor-list.json") => {
            return Some(SiteResponse::text("application/json", TCF_VENDOR_LIST));
        }
        ("tcf", "/tcf/cmp.js") => return Some(SiteResponse::text("text/javascript", TCF_CMP)),
        (_, "/") => {
            "<p>Welcome. This site measures its audience with a small analytics \
                     script, loaded only with your consent.</p>"
        }
        (_, "/about") => "<p>About us: a fixture for cookiescan's consent tests.</p>",
        ("cookieconsent-info", "/cookie-settings") => COOKIE_SETTINGS_FORM,
        _ => return None,
    };
    let (head, tail) = match id {
        "klaro" => (KLARO_HEAD, KLARO_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "tarteaucitron" => (
            TARTEAUCITRON_HEAD,
            TARTEAUCITRON_TAIL.replace("{TRACKER}", TRACKER_SCRIPT),
        ),
        "osano-cookieconsent" => (OSANO_HEAD, cookieconsent_tail(OSANO_OPTIONS)),
        "cookieconsent-info" => (OSANO_HEAD, cookieconsent_tail(COOKIECONSENT_INFO_OPTIONS)),
        "vanilla-cookieconsent" => (
            VANILLA_HEAD,
            VANILLA_TAIL.replace("{TRACKER}", TRACKER_SCRIPT),
        ),
        "orejime" => (
            OREJIME_HEAD,
            OREJIME_TAIL.replace("{TRACKER}", TRACKER_SCRIPT),
        ),
        "cookie-though" => ("", COOKIE_THOUGH_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "porsche-cookie-consent" => ("", PORSCHE_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "beyonk-gdpr" => (
            BEYONK_HEAD,
            BEYONK_TAIL.replace("{TRACKER}", TRACKER_SCRIPT),
        ),
        "cookies-eu-banner" => ("", EU_BANNER_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "lmc-cookie-consent" => (LMC_HEAD, LMC_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "cookie-notice" => ("", NOTICE_TAIL.replace("{TRACKER}", TRACKER_SCRIPT)),
        "mozilla-consent" => (
            MOZILLA_HEAD,
            MOZILLA_TAIL.replace("{TRACKER}", TRACKER_SCRIPT),
        ),
        _ => (TCF_HEAD, TCF_TAIL.to_string()),
    };
    let title = match req.path.as_str() {
        "/" => "Home",
        "/cookie-settings" => "Cookie settings",
        _ => "About",
    };
    Some(
        SiteResponse::html(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title} · {id}</title>\n{head}</head>\n<body>\n\
             <nav><a href=\"/\">Home</a> · <a href=\"/about\">About</a></nav>\n\
             <h1>{title}</h1>\n{body}\n{tail}</body></html>\n"
        ))
        .cookie(&format!(
            "sid={id}-session; Path=/; Secure; SameSite=Lax; HttpOnly"
        )),
    )
}

/// A file of one of the installed packages, read now (so a fresh `npm ci` needs no rebuild).
pub fn vendor_file(rel: &str) -> SiteResponse {
    let safe = !rel.is_empty()
        && PACKAGES.iter().any(|p| rel.starts_with(p))
        && rel
            .split('/')
            .all(|seg| !seg.is_empty() && !seg.starts_with('.'))
        && rel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@/._-".contains(c));
    if !safe {
        return SiteResponse::not_found();
    }
    let path = node_modules().join(rel);
    match std::fs::read(&path) {
        // These files set no cookies, so caching them is harmless and spares the ~90 ES-module
        // requests of the TCF page on every visit.
        Ok(bytes) => SiteResponse::bytes(content_type(&path), bytes)
            .header("Cache-Control", "public, max-age=3600"),
        Err(e) => SiteResponse::text(
            "text/plain; charset=utf-8",
            format!(
                "{}: {e}. Install the consent libraries: \
                 npm ci --prefix tests/consent-libs\n",
                path.display()
            ),
        )
        .status(404),
    }
}

fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(NODE_MODULES)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs" | "cjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

// ---------------------------------------------------------------------------------------------
// orejime 3.2.1, its Hungarian build: `window.orejimeConfig` before the script; a banner with
// "Elfogad" / "Elvet" ("accept" / "decline"); scripts wrapped in `<template data-purpose>`.

const OREJIME_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/orejime/dist/orejime-standard.css">
<script>
window.orejimeConfig = {
  privacyPolicyUrl: '/about',
  cookie: { name: 'orejime', duration: 365 },
  purposes: [{
    id: 'stats',
    title: 'Látogatottsági statisztika',
    description: 'A stats.tracker-cdn.test látogatottsági statisztikája.',
    cookies: ['_stats_id'],
    default: false
  }]
};
</script>
<script defer src="/vendor/orejime/dist/orejime-standard-hu.js"></script>
"#;

const OREJIME_TAIL: &str = r#"<template data-purpose="stats"><script src="{TRACKER}"></script></template>
"#;

// ---------------------------------------------------------------------------------------------
// @porscheofficial/cookie-consent-banner 4.1.0: `<cookie-consent-banner>` (Stencil, shadow DOM;
// the text is slotted from the page), labels from attributes, categories set as a property;
// the page loads the gated script on its events.

const PORSCHE_TAIL: &str = r#"<script type="module" src="/vendor/@porscheofficial/cookie-consent-banner/dist/cookie-consent-banner/cookie-consent-banner.esm.js"></script>
<cookie-consent-banner
  btn-label-accept-and-continue="Agree and continue"
  btn-label-only-essential-and-continue="Continue with technically required cookies only"
  btn-label-persist-selection-and-continue="Save selection and continue"
  btn-label-select-all-and-continue="Select all and continue"
  content-settings-description="You can decide which cookies are used by selecting the options below.">
  We use cookies and similar technologies to measure the audience of this site. By clicking on
  "Agree and continue", you consent to the use of analysis cookies.
  <a href="javascript:document.dispatchEvent(new Event('cookie_consent_details_show'))">Here</a>
  you can make detailed settings.
</cookie-consent-banner>
<script>
(function () {
  document.querySelector('cookie-consent-banner').availableCategories = [
    { key: 'technically_required', label: 'Technically necessary cookies',
      description: 'Needed for the site to work.', isMandatory: true },
    { key: 'analytics', label: 'Analysis cookies',
      description: 'Visitor statistics by stats.tracker-cdn.test.' }
  ];
  function load() {
    if (document.querySelector('script[src="{TRACKER}"]')) return;
    var s = document.createElement('script');
    s.src = '{TRACKER}';
    document.head.appendChild(s);
  }
  function onConsent(event) {
    var accepted = (event.detail && event.detail.acceptedCategories) || [];
    if (accepted.indexOf('analytics') >= 0) load();
  }
  window.addEventListener('cookie_consent_preferences_updated', onConsent);
  window.addEventListener('cookie_consent_preferences_restored', onConsent);
})();
</script>
"#;

// ---------------------------------------------------------------------------------------------
// @beyonk/gdpr-cookie-consent-banner 16.0.2: `<cookie-consent-banner>` (Svelte, open shadow
// root). No refusal on the first layer (`can-reject-cookies` is off by default): "Nastavenia"
// opens the categories, pre-ticked, saved by a button reading "Prijať všetko" while all are on
// and "Prijať vybrané" once one is off. Slovak labels.

const BEYONK_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/@beyonk/gdpr-cookie-consent-banner/src/lib/banner.css">
<script type="module" src="/vendor/@beyonk/gdpr-cookie-consent-banner/dist/index.js"></script>
"#;

const BEYONK_TAIL: &str = r#"<cookie-consent-banner
  cookie-name="beyonk_gdpr"
  heading="Súbory cookie"
  description="Na meranie návštevnosti tejto stránky používame súbory cookie."
  accept-all-label="Prijať všetko"
  accept-selected-label="Prijať vybrané"
  reject-label="Odmietnuť všetko"
  settings-label="Nastavenia"
  close-label="Zavrieť okno"
  edit-label="Upraviť nastavenia"
  show-edit-icon="false"
  cookie-config='{"path":"/"}'
  choices='{"necessary":{"label":"Nevyhnutné súbory cookie","description":"Potrebné pre fungovanie stránky.","value":true},"tracking":false,"analytics":{"label":"Analytické súbory cookie","description":"Štatistiky návštevnosti.","value":true},"marketing":false}'>
</cookie-consent-banner>
<script>
window.addEventListener('consent:analytics', function (event) {
  if (!event.detail || !event.detail.agreed) return;
  if (document.querySelector('script[src="{TRACKER}"]')) return;
  var s = document.createElement('script');
  s.src = '{TRACKER}';
  document.head.appendChild(s);
});
</script>
"#;

// ---------------------------------------------------------------------------------------------
// cookies-eu-banner 3.0.0: the site writes the banner in a `<template>`, the library shows it
// unless consent was given or refused (or the visitor looks like a bot or sends Do Not Track)
// and calls `onAccept`. Greek labels.

const EU_BANNER_TAIL: &str = r#"<template id="cookies-eu-banner-template">
  <div id="cookies-eu-banner" style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #06c;padding:16px;z-index:10000">
    Χρησιμοποιούμε cookies για τη μέτρηση της επισκεψιμότητας αυτού του ιστότοπου.
    <button id="cookies-eu-reject">Απόρριψη</button>
    <button id="cookies-eu-accept">Αποδοχή</button>
  </div>
</template>
<script src="/vendor/cookies-eu-banner/dist/cookies-eu-banner.global.js"></script>
<script>
CookiesEuBanner.createCookiesBanner({
  onAccept: function () {
    if (document.querySelector('script[src="{TRACKER}"]')) return;
    var s = document.createElement('script');
    s.src = '{TRACKER}';
    document.head.appendChild(s);
  }
});
</script>
"#;

// ---------------------------------------------------------------------------------------------
// @lmc-eu/cookie-consent-manager 2.6.0: Alma Career's wrapper of vanilla-cookieconsent 2 (an
// older major version than the `vanilla-cookieconsent` fixture's), its own cookie name and
// Czech texts, where the refusal reads "Přijmout nezbytné" ("accept the necessary ones").

const LMC_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/@lmc-eu/cookie-consent-manager/LmcCookieConsentManager.min.css">
"#;

const LMC_TAIL: &str = r#"<script type="text/plain" data-cookiecategory="analytics" src="{TRACKER}"></script>
<script src="/vendor/@lmc-eu/cookie-consent-manager/init.js"></script>
<script>
initLmcCookieConsentManager('www.lmc-cookie-consent.test', { defaultLang: 'cs', autodetectLang: false });
</script>
"#;

// ---------------------------------------------------------------------------------------------
// cookie-notice 1.3.9: a dismissable notice ("Ok") in the browser's language; the site treats
// its dismissal as consent and loads the analytics on the pages after it.

const NOTICE_TAIL: &str = r#"<script src="/vendor/cookie-notice/dist/cookie.notice.min.js"></script>
<script>
new cookieNoticeJS({ expiresIn: 30 });
if (/(^|;\s*)cookie_notice=1(;|$)/.test(document.cookie)) {
  var s = document.createElement('script');
  s.src = '{TRACKER}';
  document.head.appendChild(s);
}
</script>
"#;

// ---------------------------------------------------------------------------------------------
// @mozmeao/consent-banner 1.1.1: UI-independent; the site writes the banner (Mozilla's
// recommended markup), opens and closes it on the library's events, and loads analytics on
// `mozConsentStatus`. Its stylesheet slides the banner up over 600 ms.

const MOZILLA_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/@mozmeao/consent-banner/styles.css">
"#;

const MOZILLA_TAIL: &str = r#"<aside class="moz-consent-banner" id="moz-consent-banner" role="region" aria-label="Cookie Banner" data-nosnippet="true">
  <div class="moz-consent-banner-content">
    <h2 class="moz-consent-banner-heading">Help us improve your experience</h2>
    <div class="moz-consent-banner-copy">
      <p>In addition to cookies necessary for this site to function, we'd like your permission to set
      some additional cookies to better understand your browsing needs.</p>
      <div class="moz-consent-banner-controls">
        <button type="button" id="moz-consent-banner-button-accept" class="moz-consent-banner-button moz-consent-banner-button-accept">Accept All Additional Cookies</button>
        <button type="button" id="moz-consent-banner-button-reject" class="moz-consent-banner-button moz-consent-banner-button-reject">Reject All Additional Cookies</button>
        <a href="/about">Cookie settings</a>
      </div>
    </div>
  </div>
</aside>
<script src="/vendor/@mozmeao/cookie-helper/index.js"></script>
<script src="/vendor/@mozmeao/consent-banner/index.js"></script>
<script>
(function () {
  var banner = document.getElementById('moz-consent-banner');
  var accept = document.getElementById('moz-consent-banner-button-accept');
  var reject = document.getElementById('moz-consent-banner-button-reject');
  window.addEventListener('mozConsentOpen', function () {
    accept.addEventListener('click', MozConsentBanner.onAcceptClick, false);
    reject.addEventListener('click', MozConsentBanner.onRejectClick, false);
    banner.classList.add('is-visible');
  }, false);
  window.addEventListener('mozConsentClose', function () {
    accept.removeEventListener('click', MozConsentBanner.onAcceptClick, false);
    reject.removeEventListener('click', MozConsentBanner.onRejectClick, false);
    banner.classList.remove('is-visible');
  }, false);
  window.addEventListener('mozConsentStatus', function (event) {
    if (!event.detail || !event.detail.analytics) return;
    var s = document.createElement('script');
    s.src = '{TRACKER}';
    document.head.appendChild(s);
  }, false);
  MozConsentBanner.init({ helper: CookieHelper, cookieDomain: location.hostname });
})();
</script>
"#;

// ---------------------------------------------------------------------------------------------
// cookie-though 1.7.3: `CookieThough.init` draws an `<aside>` with an open shadow root that
// slides in from below; labels configured in Dutch ("Weigeren", "Alles accepteren",
// "Aanpassen"); the gated script is added from `onPreferencesChanged` / `getPreferences()`.

const COOKIE_THOUGH_TAIL: &str = r#"<script src="/vendor/cookie-though/dist/lib.js"></script>
<script>
(function () {
  function load() {
    if (document.querySelector('script[src="{TRACKER}"]')) return;
    var s = document.createElement('script');
    s.src = '{TRACKER}';
    document.head.appendChild(s);
  }
  function consented(preferences) {
    return preferences.cookieOptions.some(function (o) { return o.id === 'stats' && o.isEnabled; });
  }
  CookieThough.init({
    policies: [{
      id: 'stats',
      label: 'Statistieken',
      description: 'Bezoekersstatistieken van stats.tracker-cdn.test',
      category: 'statistics'
    }],
    essentialLabel: 'Altijd aan',
    permissionLabels: { accept: 'Accepteren', acceptAll: 'Alles accepteren', decline: 'Weigeren' },
    cookiePreferenceKey: 'cookie-preferences',
    header: {
      title: 'Cookies?',
      subTitle: 'Wij gebruiken cookies',
      description: 'Wij gebruiken cookies om het bezoek aan deze website te meten.'
    },
    customizeLabel: 'Aanpassen',
    cookiePolicy: { url: '/about', label: 'Cookiebeleid' }
  });
  if (consented(CookieThough.getPreferences())) load();
  CookieThough.onPreferencesChanged(function (preferences) {
    if (consented(preferences)) load();
  });
})();
</script>
"#;

// ---------------------------------------------------------------------------------------------
// klaro 0.7.22: config in `window.klaroConfig` before `dist/klaro.js` (CSS included); the
// notice shows "Accept all" (acceptAll) and "I decline"; cookie `klaro` = {"stats":bool}.

const KLARO_HEAD: &str = r#"<script>
var klaroConfig = {
  version: 1,
  elementID: 'klaro',
  lang: 'en',
  storageMethod: 'cookie',
  storageName: 'klaro',
  cookieExpiresAfterDays: 365,
  htmlTexts: false,
  groupByPurpose: true,
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  hideLearnMore: false,
  noticeAsModal: false,
  translations: {
    zz: { privacyPolicyUrl: '/about' },
    en: {
      purposes: { analytics: 'Analytics' },
      stats: { description: 'Visitor statistics by stats.tracker-cdn.test' }
    }
  },
  services: [{
    name: 'stats',
    title: 'Stats',
    purposes: ['analytics'],
    cookies: ['_stats_id'],
    default: false,
    required: false,
    optOut: false,
    onlyOnce: true
  }]
};
</script>
<script defer src="/vendor/klaro/dist/klaro.js"></script>
"#;

const KLARO_TAIL: &str = r#"<script type="text/plain" data-type="application/javascript" data-name="stats" data-src="{TRACKER}"></script>
"#;

// ---------------------------------------------------------------------------------------------
// tarteaucitronjs 1.34.0: loads `lang/`, `tarteaucitron.services.js` and `css/` from its own
// directory (`/vendor/tarteaucitronjs/`). Bottom banner with "OK, accept all" / "Deny all";
// cookie `tarteaucitron` = `!stats=true|false`.

const TARTEAUCITRON_HEAD: &str = r#"<script>var tarteaucitronForceLanguage = 'en';</script>
<script src="/vendor/tarteaucitronjs/tarteaucitron.js"></script>
<script>
tarteaucitron.init({
  privacyUrl: '',
  bodyPosition: 'bottom',
  hashtag: '#tarteaucitron',
  cookieName: 'tarteaucitron',
  orientation: 'bottom',
  groupServices: false,
  showDetailsOnClick: true,
  serviceDefaultState: 'wait',
  showAlertSmall: false,
  cookieslist: false,
  showIcon: true,
  iconPosition: 'BottomRight',
  adblocker: false,
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  alwaysNeedConsent: false,
  handleBrowserDNTRequest: false,
  removeCredit: false,
  moreInfoLink: true,
  useExternalCss: false,
  useExternalJs: false,
  mandatory: true,
  mandatoryCta: true,
  googleConsentMode: false,
  bingConsentMode: false,
  pianoConsentMode: false,
  softConsentMode: false,
  dataLayer: false,
  serverSide: false,
  partnersList: false
});
</script>
"#;

const TARTEAUCITRON_TAIL: &str = r#"<script>
tarteaucitron.services.stats = {
  key: 'stats',
  type: 'analytic',
  name: 'Stats',
  uri: '/about',
  needConsent: true,
  cookies: ['_stats_id', 'trk_uid'],
  js: function () {
    'use strict';
    tarteaucitron.addScript('{TRACKER}');
  },
  fallback: function () {
    'use strict';
  }
};
(tarteaucitron.job = tarteaucitron.job || []).push('stats');
</script>
"#;

// ---------------------------------------------------------------------------------------------
// Osano cookieconsent 3.1.1, type opt-in: "Decline" (`.cc-deny`) / "Allow cookies"
// (`.cc-allow`); cookie `cookieconsent_status` = allow|deny. No script gating of its own: the
// site loads the tracker from the callbacks when `this.hasConsented()`.

const OSANO_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/cookieconsent/build/cookieconsent.min.css">
<script src="/vendor/cookieconsent/build/cookieconsent.min.js"></script>
"#;

/// The page script of both cookieconsent fixtures: the tracker is loaded from the library's
/// callbacks once `hasConsented()`; `options` are the library's own (type, texts).
fn cookieconsent_tail(options: &str) -> String {
    format!(
        r#"<script>
function loadStats() {{
  if (document.getElementById('stats-js')) return;
  var s = document.createElement('script');
  s.id = 'stats-js';
  s.src = '{TRACKER_SCRIPT}';
  document.head.appendChild(s);
}}
window.addEventListener('load', function () {{
  window.cookieconsent.initialise({{
    {options}
    onInitialise: function (status) {{
      if (this.hasConsented()) loadStats();
    }},
    onStatusChange: function (status, chosenBefore) {{
      if (this.hasConsented()) loadStats();
    }}
  }});
}});
</script>
"#
    )
}

const OSANO_OPTIONS: &str = r#"type: 'opt-in',
    position: 'bottom',
    theme: 'block',
    revokable: true,
    palette: {
      popup: { background: '#1d1d1f', text: '#ffffff' },
      button: { background: '#3c7be0', text: '#ffffff' }
    },
    content: {
      message: 'This website uses cookies to measure its audience.',
      deny: 'Decline',
      allow: 'Allow cookies',
      link: 'Learn more',
      href: '/about'
    },"#;

// ---------------------------------------------------------------------------------------------
// cookieconsent 3.1.1 again, type info: "Accept cookies" (`.cc-dismiss`, status `dismiss`, which
// `hasConsented()` counts as consent) and a "Cookie settings" link to the site's own form, the
// only way to refuse. The form's categories are pre-ticked and drawn by their labels over
// invisible checkboxes; saving writes the library's cookie itself (`deny` with every category
// off, else `allow`), which the library then reads as answered on every page.

const COOKIECONSENT_INFO_OPTIONS: &str = r#"type: 'info',
    position: 'bottom',
    theme: 'block',
    palette: {
      popup: { background: '#20252b', text: '#ffffff' },
      button: { background: '#f1d600', text: '#000000' }
    },
    content: {
      message: 'We use cookies to measure our audience. You can refuse them in the cookie settings.',
      dismiss: 'Accept cookies',
      link: 'Cookie settings',
      href: '/cookie-settings'
    },"#;

const COOKIE_SETTINGS_FORM: &str = r#"<style>
  .choice { position: relative; margin: 8px 0; }
  .choice input { position: absolute; opacity: 0; }
  .choice label { display: inline-block; padding: 6px 12px 6px 56px; cursor: pointer; }
  .choice label::before { content: ""; position: absolute; left: 0; top: 4px; width: 44px; height: 24px; border-radius: 12px; background: #bbb; }
  .choice input:checked + label::before { background: #2a7; }
</style>
<section id="cookie-choices">
  <h2>Your cookie choices</h2>
  <p>Choose which cookies this site may use. Necessary cookies are always on.</p>
  <form id="choices">
    <div class="choice"><input type="checkbox" id="c-necessary" checked disabled><label for="c-necessary">Necessary</label></div>
    <div class="choice"><input type="checkbox" id="c-stats" checked><label for="c-stats">Audience measurement</label></div>
    <div class="choice"><input type="checkbox" id="c-ads" checked><label for="c-ads">Advertising</label></div>
    <button type="submit">Save my choices</button>
  </form>
  <p id="saved" hidden>Your choices are saved.</p>
</section>
<script>
document.getElementById('choices').addEventListener('submit', function (event) {
  event.preventDefault();
  var any = ['c-stats', 'c-ads'].some(function (id) { return document.getElementById(id).checked; });
  document.cookie = 'cookieconsent_status=' + (any ? 'allow' : 'deny') + '; path=/; max-age=31536000; SameSite=Lax; Secure';
  document.getElementById('saved').hidden = false;
  if (any) loadStats();
});
</script>"#;

// ---------------------------------------------------------------------------------------------
// vanilla-cookieconsent 3.1.0: `hideFromBots: false` (the default hides it from webdriver);
// consent modal "Accept all" (`[data-role=all]`) / "Reject all" (`[data-role=necessary]`);
// cookie `cc_cookie` = JSON whose `categories` lists the accepted categories.

const VANILLA_HEAD: &str = r#"<link rel="stylesheet" href="/vendor/vanilla-cookieconsent/dist/cookieconsent.css">
"#;

const VANILLA_TAIL: &str = r#"<script type="text/plain" data-category="analytics" src="{TRACKER}"></script>
<script src="/vendor/vanilla-cookieconsent/dist/cookieconsent.umd.js"></script>
<script>
CookieConsent.run({
  hideFromBots: false,
  guiOptions: {
    consentModal: { layout: 'box', position: 'bottom right' },
    preferencesModal: { layout: 'box' }
  },
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: { autoClear: { cookies: [{ name: /^_stats_id$/ }] } }
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We use cookies',
          description: 'We use cookies to measure the audience of this website.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Manage preferences'
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save preferences',
          closeIconLabel: 'Close',
          sections: [
            { title: 'Strictly necessary', description: 'Needed for the site to work.',
              linkedCategory: 'necessary' },
            { title: 'Analytics', description: 'Audience measurement by stats.tracker-cdn.test.',
              linkedCategory: 'analytics' }
          ]
        }
      }
    }
  }
});
</script>
"#;

// ---------------------------------------------------------------------------------------------
// TCF: the real IAB stub in <head>, then `/tcf/cmp.js` (an ES module using the real `cmpapi`
// and `core` through an import map) drives our own small banner. The TC string is stored in
// the first-party cookie `euconsent-v2`.

const TCF_HEAD: &str = r#"<script src="/vendor/@iabtechlabtcf/stub/lib/stub.js"></script>
<script type="importmap">
{"imports": {
  "@iabtechlabtcf/core": "/vendor/@iabtechlabtcf/core/lib/mjs/index.js",
  "@iabtechlabtcf/cmpapi": "/vendor/@iabtechlabtcf/cmpapi/lib/mjs/index.js"
}}
</script>
<script type="module" src="/tcf/cmp.js"></script>
<style>
#tcf-banner { position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000; padding: 16px 24px;
  background: #fff; color: #111; border-top: 2px solid #333; font: 15px/1.4 sans-serif; }
#tcf-banner[hidden] { display: none; }
#tcf-banner button { margin-right: 12px; padding: 8px 16px; font-size: 15px; cursor: pointer; }
</style>
"#;

const TCF_TAIL: &str = r#"<div id="tcf-banner" role="dialog" aria-modal="false" aria-labelledby="tcf-title" hidden>
  <p id="tcf-title"><strong>We value your privacy</strong></p>
  <p>We and our partners store and access information on your device, such as cookies, to
  measure the audience of this website. You can accept or reject all purposes.</p>
  <button type="button" id="tcf-accept">Accept all</button>
  <button type="button" id="tcf-reject">Reject all</button>
</div>
"#;

const TCF_CMP: &str = r#"import { CmpApi } from '@iabtechlabtcf/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';

// A made-up CMP id/version: this CMP is not registered with IAB Europe.
const CMP_ID = 999;
const CMP_VERSION = 1;
const COOKIE = 'euconsent-v2';
const TRACKER = 'https://stats.tracker-cdn.test/stats.js';

GVL.baseUrl = location.origin + '/tcf/';
const cmpApi = new CmpApi(CMP_ID, CMP_VERSION, true);
const gvl = new GVL();

function storedTcString() {
  const m = document.cookie.match(/(?:^|;\s*)euconsent-v2=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

// Store/access (1) and audience measurement (8, 9) consented.
function allowsStats(tcString) {
  try {
    const model = TCString.decode(tcString);
    return [1, 8, 9].every((p) => model.purposeConsents.has(p));
  } catch (e) {
    return false;
  }
}

function loadStats() {
  if (document.getElementById('stats-js')) return;
  const s = document.createElement('script');
  s.id = 'stats-js';
  s.src = TRACKER;
  document.head.appendChild(s);
}

async function choose(accept) {
  await gvl.readyPromise;
  const model = new TCModel(gvl);
  model.cmpId = CMP_ID;
  model.cmpVersion = CMP_VERSION;
  model.consentScreen = 1;
  model.isServiceSpecific = true;
  model.publisherCountryCode = 'FR';
  if (accept) {
    model.setAll();
  } else {
    model.unsetAll();
  }
  const tcString = TCString.encode(model);
  document.cookie = COOKIE + '=' + tcString + '; Path=/; Max-Age=33696000; SameSite=Lax; Secure';
  document.getElementById('tcf-banner').hidden = true;
  cmpApi.update(tcString, false);
  if (accept) loadStats();
}

const banner = document.getElementById('tcf-banner');
const stored = storedTcString();
if (stored) {
  cmpApi.update(stored, false);
  if (allowsStats(stored)) loadStats();
} else {
  document.getElementById('tcf-accept').addEventListener('click', () => choose(true));
  document.getElementById('tcf-reject').addEventListener('click', () => choose(false));
  banner.hidden = false;
  cmpApi.update('', true);
}
"#;

/// A minimal Global Vendor List (spec v3, policy v5): the eleven purposes, the special
/// purposes/features and one vendor, the analytics tracker.
const TCF_VENDOR_LIST: &str = r#"{
  "gvlSpecificationVersion": 3,
  "vendorListVersion": 1,
  "tcfPolicyVersion": 5,
  "lastUpdated": "2025-01-01T00:00:00Z",
  "purposes": {
    "1": {"id": 1, "name": "Store and/or access information on a device", "description": "Cookies, device or similar online identifiers can be stored or read."},
    "2": {"id": 2, "name": "Use limited data to select advertising", "description": "Basic advertising."},
    "3": {"id": 3, "name": "Create profiles for personalised advertising", "description": "Advertising profiles."},
    "4": {"id": 4, "name": "Use profiles to select personalised advertising", "description": "Personalised advertising."},
    "5": {"id": 5, "name": "Create profiles to personalise content", "description": "Content profiles."},
    "6": {"id": 6, "name": "Use profiles to select personalised content", "description": "Personalised content."},
    "7": {"id": 7, "name": "Measure advertising performance", "description": "Advertising measurement."},
    "8": {"id": 8, "name": "Measure content performance", "description": "Content measurement."},
    "9": {"id": 9, "name": "Understand audiences through statistics or combinations of data from different sources", "description": "Audience statistics."},
    "10": {"id": 10, "name": "Develop and improve services", "description": "Product development."},
    "11": {"id": 11, "name": "Use limited data to select content", "description": "Basic content."}
  },
  "specialPurposes": {
    "1": {"id": 1, "name": "Ensure security, prevent and detect fraud, and fix errors", "description": "Security."},
    "2": {"id": 2, "name": "Deliver and present advertising and content", "description": "Delivery."}
  },
  "features": {
    "1": {"id": 1, "name": "Match and combine data from other data sources", "description": "Matching."},
    "2": {"id": 2, "name": "Link different devices", "description": "Linking."},
    "3": {"id": 3, "name": "Identify devices based on information transmitted automatically", "description": "Identification."}
  },
  "specialFeatures": {
    "1": {"id": 1, "name": "Use precise geolocation data", "description": "Geolocation."},
    "2": {"id": 2, "name": "Actively scan device characteristics for identification", "description": "Scanning."}
  },
  "stacks": {},
  "dataCategories": {
    "1": {"id": 1, "name": "IP addresses", "description": "Your IP address."}
  },
  "vendors": {
    "1": {
      "id": 1,
      "name": "Stats Tracker CDN",
      "purposes": [1, 8, 9],
      "legIntPurposes": [],
      "flexiblePurposes": [],
      "specialPurposes": [1],
      "features": [],
      "specialFeatures": [],
      "dataDeclaration": [1],
      "cookieMaxAgeSeconds": 31536000,
      "usesCookies": true,
      "cookieRefresh": false,
      "usesNonCookieAccess": false,
      "urls": [{"langId": "en", "privacy": "https://stats.tracker-cdn.test/privacy"}]
    }
  }
}
"#;
