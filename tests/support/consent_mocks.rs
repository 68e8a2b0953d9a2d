//! Mocks of SaaS consent platforms, and banners no rule knows. Each site is
//! `https://www.<id>.test/` with two pages, `/` and `/about`, linked to each other; every page
//! sets the necessary `sid` cookie by header. The markup and scripts are our own: they
//! reproduce each platform's DOM (ids, classes, attributes), JavaScript globals and consent
//! storage as `consent-platforms.md` §4 describes them, not its code.
//!
//! Every mock reads its own consent storage on load. Until a choice is stored the banner shows
//! on every page; once consent for analytics was given it loads [`TRACKER_SCRIPT`] (at once on
//! the click, without a reload, except borlabs, which reloads the page after every choice as
//! its "reload after consent" setting does); refused or unanswered, it never does.
//!
//! Shapes worth knowing:
//! - onetrust: no first-layer reject. Reject = `#onetrust-pc-btn-handler` → the preference
//!   centre (shown ~250 ms after the click) → uncheck each visible, checked
//!   `input.category-switch-handler` → `.save-preference-btn-handler`. Gated by a
//!   `<script type="text/plain" class="optanon-category-C0002">` placeholder.
//! - trap-hidden-toggles: the OneTrust mock with its category checkboxes visually hidden under
//!   styled labels (the usual pattern); trap-save-accepts: its "Confirm My Choices" saves every
//!   category whatever the toggles say. Both answer `OneTrust.RejectAll()`. onetrust-old: an
//!   older markup (`.optanon-allow-all`, `.optanon-reject-all`) and no `OneTrust` API.
//! - cookiebot: gated by a `<script type="text/plain" data-cookieconsent="statistics">`.
//! - didomi: inserts `#didomi-host` 300 ms after load and binds its buttons 500 ms later (a
//!   click in between does nothing).
//! - usercentrics: v2, banner inside the open shadow root of `#usercentrics-root`; consent in
//!   localStorage `uc_settings` (also written, unanswered, on first load) and
//!   `uc_user_interaction`.
//! - sourcepoint: banner in a cross-site iframe from `cdn.privacy-mgmt.test`; the frame posts
//!   the choice to the top page, which writes cookies and localStorage and removes the
//!   container.
//! - quantcast: two-step reject only: `.qc-cmp2-summary-buttons > button[mode=secondary]`
//!   ("MORE OPTIONS") → turn off each `.qc-cmp2-toggle-switch > button[aria-checked=true]` →
//!   `.qc-cmp2-buttons-desktop > button[mode=primary]` ("SAVE & EXIT"). The second layer also
//!   has "REJECT ALL"/"ACCEPT ALL" text buttons that only flip the toggles. No `#disagree-btn`.
//! - cookieyes: fetches its config (the server answers after 400 ms), then inserts the banner
//!   and binds its buttons 400 ms later.
//! - TCF platforms (didomi, sourcepoint, quantcast, consentmanager) write a real TCF v2.2 core
//!   string (our own encoder) and answer `__tcfapi`. Its purpose bits are at a fixed place, so
//!   `^C.{24}P_` means purposes 1–10 consented and `^C.{24}AA` purposes 1–10 refused.
//! - heuristic-fr / heuristic-de / accept-only / cookie-wall: no vendor ids or classes.
//! - heuristic-pl: Polish labels ending in non-ASCII letters ("Odrzuć wszystkie").
//! - heuristic-negated: "I do not agree" is the refusal, beside "I agree".
//! - policy-page: Czech; the banner only accepts and links to "Zásady cookies", whose page
//!   refuses through a server-side form (GET, answered by a redirect that sets the cookie).
//! - heuristic-second-layer: Italian; refusal only in a settings layer of hidden pre-ticked
//!   checkboxes under labels, saved by a button whose label changes with the boxes.
//! - late-buttons: slides in over 400 ms and wires its buttons a second after showing.
//! - nested-shadow: the banner two shadow roots deep, its button labels slotted in from the
//!   page through a forwarding slot.

use std::time::Duration;

use cookiescan::site::{SiteRequest, SiteResponse};

use super::consent::{ConsentCase, Expectation, Outcome, TRACKER_SCRIPT};

/// The Sourcepoint message host, serving the banner iframe.
pub const SP_CDN: &str = "cdn.privacy-mgmt.test";

/// A regex for a TCF core string whose purposes 1–10 are all consented.
const TC_ALL: &str = "^C[A-Za-z0-9_-]{24}P_";
/// A regex for a TCF core string whose purposes 1–10 are all refused.
const TC_NONE: &str = "^C[A-Za-z0-9_-]{24}AA";

struct Mock {
    id: &'static str,
    host: &'static str,
    platform: Option<&'static str>,
    lang: &'static str,
    name: &'static str,
    /// Extra `<head>` markup (script placeholders).
    head: &'static str,
    /// Banner markup in the page itself (most mocks build theirs from the script).
    body: &'static str,
    script: &'static str,
    accept: Expectation,
    reject: Expectation,
}

fn verified(cookie: (&'static str, &'static str), gated: bool) -> Expectation {
    Expectation {
        outcome: Outcome::Verified,
        consent_cookie: Some(cookie),
        consent_storage: None,
        gated,
    }
}

fn nothing_clicked(outcome: Outcome) -> Expectation {
    Expectation {
        outcome,
        consent_cookie: None,
        consent_storage: None,
        gated: false,
    }
}

/// The OneTrust mock under another host, its variant chosen by `head`.
fn onetrust_mock(
    id: &'static str,
    host: &'static str,
    name: &'static str,
    head: &'static str,
) -> Mock {
    Mock {
        id,
        host,
        platform: Some("onetrust"),
        lang: "en",
        name,
        head,
        body: "",
        script: ONETRUST_JS,
        accept: verified(
            ("OptanonConsent", "groups=C0001:1,C0002:1,C0003:1,C0004:1"),
            true,
        ),
        reject: verified(
            ("OptanonConsent", "groups=C0001:1,C0002:0,C0003:0,C0004:0"),
            false,
        ),
    }
}

fn mocks() -> Vec<Mock> {
    vec![
        onetrust_mock(
            "onetrust",
            "www.onetrust.test",
            "OneTrust mock",
            ONETRUST_HEAD,
        ),
        // The wrong-click trap: OneTrust's usual toggles, checkboxes visually hidden under a
        // styled label. Skipping them saves the pre-ticked categories, an accept.
        onetrust_mock(
            "trap-hidden-toggles",
            "www.trap-hidden-toggles.test",
            "OneTrust mock, hidden toggles",
            TRAP_HIDDEN_TOGGLES_HEAD,
        ),
        // A preference centre whose "Confirm My Choices" saves everything, whatever the
        // toggles say: the settings flow grants consent, the API can still refuse.
        // An older major version the rule's steps and API do not fit: the heuristic answers.
        onetrust_mock(
            "onetrust-old",
            "www.onetrust-old.test",
            "OneTrust mock, older version",
            ONETRUST_OLD_HEAD,
        ),
        onetrust_mock(
            "trap-save-accepts",
            "www.trap-save-accepts.test",
            "OneTrust mock, save accepts",
            TRAP_SAVE_ACCEPTS_HEAD,
        ),
        // The same trap, its banner only on /about: a page past the first spoils the context.
        // Not in the suite (its first page has no banner): `tests/consent.rs` scans it alone.
        onetrust_mock(
            "trap-late",
            "www.trap-late.test",
            "OneTrust mock, late banner, save accepts",
            TRAP_LATE_HEAD,
        ),
        Mock {
            id: "cookiebot",
            host: "www.cookiebot.test",
            platform: Some("cookiebot"),
            lang: "en",
            name: "Cookiebot mock",
            head: COOKIEBOT_HEAD,
            body: "",
            script: COOKIEBOT_JS,
            accept: verified(
                (
                    "CookieConsent",
                    "necessary:true,preferences:true,statistics:true,marketing:true",
                ),
                true,
            ),
            reject: verified(
                (
                    "CookieConsent",
                    "necessary:true,preferences:false,statistics:false,marketing:false",
                ),
                false,
            ),
        },
        Mock {
            id: "didomi",
            host: "www.didomi.test",
            platform: Some("didomi"),
            lang: "en",
            name: "Didomi mock",
            head: "",
            body: "",
            script: DIDOMI_JS,
            // didomi_token is base64 of JSON that starts with the purposes and vendors:
            // accept `{"purposes":{"enabled":["analytics","marketing"]},"vendors":{"enabled":
            // ["c:stats-tracker"]}` and reject the same with "disabled". The regexes are the
            // base64 of those first 90 / 93 bytes.
            accept: verified(("didomi_token", DIDOMI_TOKEN_ACCEPT), true),
            reject: verified(("didomi_token", DIDOMI_TOKEN_REJECT), false),
        },
        Mock {
            id: "usercentrics",
            host: "www.usercentrics.test",
            platform: Some("usercentrics"),
            lang: "en",
            name: "Usercentrics mock",
            head: "",
            body: "",
            script: USERCENTRICS_JS,
            accept: Expectation {
                outcome: Outcome::Verified,
                consent_cookie: None,
                consent_storage: Some(("uc_settings", r#""action":"onAcceptAllServices""#)),
                gated: true,
            },
            reject: Expectation {
                outcome: Outcome::Verified,
                consent_cookie: None,
                consent_storage: Some(("uc_settings", r#""action":"onDenyAllServices""#)),
                gated: false,
            },
        },
        Mock {
            id: "sourcepoint",
            host: "www.sourcepoint.test",
            platform: Some("sourcepoint"),
            lang: "en",
            name: "Sourcepoint mock",
            head: "",
            body: "",
            script: SOURCEPOINT_JS,
            accept: Expectation {
                outcome: Outcome::Verified,
                consent_cookie: Some(("euconsent-v2", TC_ALL)),
                consent_storage: Some(("_sp_user_consent_123", r#""consentedAll":true"#)),
                gated: true,
            },
            reject: Expectation {
                outcome: Outcome::Verified,
                consent_cookie: Some(("euconsent-v2", TC_NONE)),
                consent_storage: Some(("_sp_user_consent_123", r#""rejectedAll":true"#)),
                gated: false,
            },
        },
        Mock {
            id: "quantcast",
            host: "www.quantcast.test",
            platform: Some("quantcast"),
            lang: "en",
            name: "Quantcast Choice mock",
            head: "",
            body: "",
            script: QUANTCAST_JS,
            accept: verified(("euconsent-v2", TC_ALL), true),
            reject: verified(("euconsent-v2", TC_NONE), false),
        },
        Mock {
            id: "consentmanager",
            host: "www.consentmanager.test",
            platform: Some("consentmanager"),
            lang: "en",
            name: "consentmanager mock",
            head: "",
            body: "",
            script: CONSENTMANAGER_JS,
            accept: verified(("__cmpconsentx123", TC_ALL), true),
            reject: verified(("__cmpconsentx123", TC_NONE), false),
        },
        Mock {
            id: "cookieyes",
            host: "www.cookieyes.test",
            platform: Some("cookieyes"),
            lang: "en",
            name: "CookieYes mock",
            head: "",
            body: "",
            script: COOKIEYES_JS,
            accept: verified(
                (
                    "cookieyes-consent",
                    "consent:yes,action:yes,.*analytics:yes,.*advertisement:yes",
                ),
                true,
            ),
            reject: verified(
                (
                    "cookieyes-consent",
                    "consent:no,action:yes,.*analytics:no,.*advertisement:no",
                ),
                false,
            ),
        },
        Mock {
            id: "complianz",
            host: "www.complianz.test",
            platform: Some("complianz"),
            lang: "en",
            name: "Complianz mock",
            head: "",
            body: "",
            script: COMPLIANZ_JS,
            accept: verified(("cmplz_statistics", "^allow$"), true),
            reject: verified(("cmplz_statistics", "^deny$"), false),
        },
        Mock {
            id: "borlabs",
            host: "www.borlabs.test",
            platform: Some("borlabs"),
            lang: "en",
            name: "Borlabs Cookie mock",
            head: "",
            body: "",
            script: BORLABS_JS,
            accept: verified(
                ("borlabs-cookie", r#""statistics":\["stats-tracker"\]"#),
                true,
            ),
            reject: verified(
                (
                    "borlabs-cookie",
                    r#""consents":\{"essential":\["borlabs-cookie"\]\}"#,
                ),
                false,
            ),
        },
        Mock {
            id: "iubenda",
            host: "www.iubenda.test",
            platform: Some("iubenda"),
            lang: "en",
            name: "iubenda mock",
            head: "",
            body: "",
            script: IUBENDA_JS,
            accept: verified(
                (
                    "_iub_cs-123",
                    r#""purposes":\{"1":true,"2":true,"3":true,"4":true,"5":true\}"#,
                ),
                true,
            ),
            reject: verified(
                (
                    "_iub_cs-123",
                    r#""purposes":\{"1":true,"2":false,"3":false,"4":false,"5":false\}"#,
                ),
                false,
            ),
        },
        Mock {
            id: "trustarc",
            host: "www.trustarc.test",
            platform: Some("trustarc"),
            lang: "en",
            name: "TrustArc mock",
            head: "",
            body: "",
            script: TRUSTARC_JS,
            accept: verified(("cmapi_cookie_privacy", "^permit 1,2,3$"), true),
            reject: verified(("cmapi_cookie_privacy", "^permit 1$"), false),
        },
        Mock {
            id: "heuristic-fr",
            host: "www.heuristic-fr.test",
            platform: None,
            lang: "fr",
            name: "Le Quotidien du Test",
            head: "",
            body: HEURISTIC_FR_HTML,
            script: HEURISTIC_FR_JS,
            accept: verified(("choix_cookies", "^accord$"), true),
            reject: verified(("choix_cookies", "^refus$"), false),
        },
        Mock {
            id: "heuristic-de",
            host: "www.heuristic-de.test",
            platform: None,
            lang: "de",
            name: "Testhaus Versand",
            head: "",
            body: HEURISTIC_DE_HTML,
            script: HEURISTIC_DE_JS,
            accept: verified(("einwilligung", "^erteilt$"), true),
            reject: verified(("einwilligung", "^abgelehnt$"), false),
        },
        Mock {
            id: "heuristic-pl",
            host: "www.heuristic-pl.test",
            platform: None,
            lang: "pl",
            name: "Sklep Testowy",
            head: "",
            body: HEURISTIC_PL_HTML,
            script: HEURISTIC_PL_JS,
            accept: verified(("zgoda", "^tak$"), true),
            reject: verified(("zgoda", "^nie$"), false),
        },
        // No refusal in the banner: its "Zásady cookies" (cookie policy) link leads to a page
        // whose form refuses through the server (a GET form answered by a redirect that sets
        // the cookie), in Czech.
        Mock {
            id: "policy-page",
            host: "www.policy-page.test",
            platform: None,
            lang: "cs",
            name: "Testovací obchod",
            head: "",
            body: POLICY_PAGE_HTML,
            script: POLICY_PAGE_JS,
            accept: verified(("souhlas", "^ano$"), true),
            reject: verified(("souhlas", "^ne$"), false),
        },
        Mock {
            id: "heuristic-negated",
            host: "www.heuristic-negated.test",
            platform: None,
            lang: "en",
            name: "Negated Choice Weekly",
            head: "",
            body: HEURISTIC_NEGATED_HTML,
            script: HEURISTIC_NEGATED_JS,
            accept: verified(("reader_choice", "^agreed$"), true),
            reject: verified(("reader_choice", "^declined$"), false),
        },
        Mock {
            id: "heuristic-second-layer",
            host: "www.heuristic-second-layer.test",
            platform: None,
            lang: "it",
            name: "Second Layer Magazine",
            head: "",
            body: HEURISTIC_SECOND_LAYER_HTML,
            script: HEURISTIC_SECOND_LAYER_JS,
            accept: verified(("scelte", "^statistiche:1,marketing:1,preferenze:1$"), true),
            reject: verified(
                ("scelte", "^statistiche:0,marketing:0,preferenze:0$"),
                false,
            ),
        },
        Mock {
            id: "late-buttons",
            host: "www.late-buttons.test",
            platform: None,
            lang: "en",
            name: "Late Buttons Daily",
            head: "",
            body: LATE_BUTTONS_HTML,
            script: LATE_BUTTONS_JS,
            accept: verified(("late_choice", "^accepted$"), true),
            reject: verified(("late_choice", "^rejected$"), false),
        },
        Mock {
            id: "nested-shadow",
            host: "www.nested-shadow.test",
            platform: None,
            lang: "en",
            name: "Nested Shadow Times",
            head: "",
            body: NESTED_SHADOW_HTML,
            script: NESTED_SHADOW_JS,
            accept: verified(("shadow_choice", "^yes$"), true),
            reject: verified(("shadow_choice", "^no$"), false),
        },
        Mock {
            id: "accept-only",
            host: "www.accept-only.test",
            platform: None,
            lang: "en",
            name: "Simple Notice Shop",
            head: "",
            body: ACCEPT_ONLY_HTML,
            script: ACCEPT_ONLY_JS,
            accept: verified(("cookie_notice", "^accepted$"), true),
            reject: nothing_clicked(Outcome::NoRejectOption),
        },
        Mock {
            id: "cookie-wall",
            host: "www.cookie-wall.test",
            platform: None,
            lang: "de",
            name: "Tagesblatt Online",
            head: "",
            body: COOKIE_WALL_HTML,
            script: COOKIE_WALL_JS,
            accept: verified(("wall_choice", "^accepted$"), true),
            reject: nothing_clicked(Outcome::CookieWall),
        },
    ]
}

/// Every mock case.
pub fn cases() -> Vec<ConsentCase> {
    mocks()
        .into_iter()
        .filter(|m| !ALONE.contains(&m.id))
        .map(|m| ConsentCase {
            id: m.id,
            platform: m.platform,
            accept: m.accept,
            reject: m.reject,
        })
        .collect()
}

/// One mock case by id; panics on an unknown id.
pub fn case(id: &str) -> ConsentCase {
    cases()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no consent mock {id:?}"))
}

/// Every host the mocks serve.
pub fn hosts() -> Vec<&'static str> {
    let mut hosts: Vec<&'static str> = mocks()
        .iter()
        .map(|m| {
            assert_eq!(
                m.host,
                format!("www.{}.test", m.id),
                "mock host for {}",
                m.id
            );
            m.host
        })
        .collect();
    hosts.push(SP_CDN);
    hosts
}

pub fn route(req: &SiteRequest) -> Option<SiteResponse> {
    if req.host == SP_CDN {
        return Some(match req.path.as_str() {
            "/index.html" => SiteResponse::html(SOURCEPOINT_FRAME),
            _ => SiteResponse::not_found(),
        });
    }
    let mock = mocks().into_iter().find(|m| m.host == req.host)?;
    Some(match req.path.as_str() {
        "/" | "/about" => page(&mock, &req.path),
        "/zasady-cookies" if mock.id == "policy-page" => page(&mock, &req.path),
        // The policy page's form: the choice is stored by the server, then the page shown again.
        "/zasady-cookies/volba" if mock.id == "policy-page" => {
            let choice = match req.query.as_deref() {
                Some("volba=ano") => "ano",
                Some("volba=ne") => "ne",
                _ => return Some(SiteResponse::not_found()),
            };
            SiteResponse::redirect(303, "/zasady-cookies?ulozeno=1").cookie(&format!(
                "souhlas={choice}; Path=/; Max-Age=31536000; Secure; SameSite=Lax"
            ))
        }
        "/client_data/mock/config.json" if mock.id == "cookieyes" => SiteResponse::text(
            "application/json",
            r#"{"law":"gdpr","categories":["necessary","functional","analytics","performance","advertisement"]}"#,
        )
        .delay(Duration::from_millis(400)),
        _ => SiteResponse::not_found(),
    })
}

fn page(m: &Mock, path: &str) -> SiteResponse {
    let (heading, text, link, link_text) = match (path, m.lang) {
        ("/", "fr") => (
            "Bienvenue",
            "Les dernières nouvelles de notre rédaction.",
            "/about",
            "À propos",
        ),
        ("/", "de") => (
            "Willkommen",
            "Aktuelle Angebote und Nachrichten.",
            "/about",
            "Über uns",
        ),
        ("/", "cs") => ("Vítejte", "Nové zboží každý den.", "/about", "O nás"),
        ("/zasady-cookies", _) => (
            "Zásady cookies",
            "Cookies pro měření návštěvnosti používáme jen s vaším souhlasem. \
             <section class=\"volba\"><h2>Vaše volba</h2>\
             <form method=\"get\" action=\"/zasady-cookies/volba\">\
             <button type=\"submit\" name=\"volba\" value=\"ne\">Odmítnout vše</button> \
             <button type=\"submit\" name=\"volba\" value=\"ano\">Přijmout vše</button>\
             </form></section>",
            "/",
            "Domů",
        ),
        ("/", _) => (
            "Welcome",
            "Fresh articles and offers every day.",
            "/about",
            "About us",
        ),
        (_, "fr") => ("À propos", "Une petite équipe de test.", "/", "Accueil"),
        (_, "de") => ("Über uns", "Ein kleines Testteam.", "/", "Startseite"),
        (_, "cs") => ("O nás", "Malý testovací tým.", "/", "Domů"),
        _ => ("About us", "A small test team.", "/", "Home"),
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{heading} · {name}</title>\n<style>{css}</style>\n{head}\n</head>\n<body>\n\
         <header><strong>{name}</strong> <nav><a href=\"{link}\">{link_text}</a></nav></header>\n\
         <main><h1>{heading}</h1><p>{text}</p><p>{filler}</p></main>\n{body}\n\
         <script>{common}</script>\n<script>{script}</script>\n</body>\n</html>\n",
        lang = m.lang,
        name = m.name,
        css = PAGE_CSS,
        head = m.head,
        body = m.body,
        common = COMMON_JS.replace("{{TRACKER}}", TRACKER_SCRIPT),
        script = m.script,
        filler = FILLER,
    );
    SiteResponse::html(html).cookie(&format!(
        "sid={}-7f3a9c; Path=/; Secure; SameSite=Lax; HttpOnly",
        m.id
    ))
}

const FILLER: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod \
    tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
    exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.";

const PAGE_CSS: &str = "body{font:16px/1.5 sans-serif;margin:0;padding:0 16px 320px}\
    header{display:flex;gap:16px;padding:12px 0;border-bottom:1px solid #ddd}\
    main{max-width:720px}";

// `{{TRACKER}}` is replaced by TRACKER_SCRIPT.
const COMMON_JS: &str = r##"
(function () {
  var TRACKER = '{{TRACKER}}';
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  function bits(v, n) { var s = Number(v).toString(2); while (s.length < n) s = '0' + s; return s.slice(-n); }
  function flags(set, n) { var s = ''; for (var i = 1; i <= n; i++) s += set.indexOf(i) >= 0 ? '1' : '0'; return s; }
  function letters(code) { return bits(code.charCodeAt(0) - 65, 6) + bits(code.charCodeAt(1) - 65, 6); }
  window.__fx = {
    getCookie: function (name) {
      var parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf('=');
        if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
      }
      return null;
    },
    setCookie: function (name, value, days) {
      document.cookie = name + '=' + value + '; Path=/; Max-Age=' + ((days || 365) * 86400) + '; SameSite=Lax; Secure';
    },
    // Loads the analytics script once.
    loadTracker: function () {
      var scripts = document.querySelectorAll('script[src]');
      for (var i = 0; i < scripts.length; i++) {
        if (scripts[i].getAttribute('src') === TRACKER && scripts[i].type !== 'text/plain') return;
      }
      var s = document.createElement('script');
      s.src = TRACKER;
      s.async = true;
      document.head.appendChild(s);
    },
    // Turns blocked `<script type="text/plain" src>` placeholders into live scripts.
    activate: function (selector) {
      document.querySelectorAll(selector).forEach(function (old) {
        var s = document.createElement('script');
        for (var i = 0; i < old.attributes.length; i++) {
          var a = old.attributes[i];
          if (a.name !== 'type') s.setAttribute(a.name, a.value);
        }
        old.parentNode.replaceChild(s, old);
      });
    },
    uuid: function () { return crypto.randomUUID(); },
    // A TCF v2.2 core string: consented purposes and special features, no publisher segment.
    tcString: function (purposes, specialFeatures, cmpId) {
      var ds = Math.round(Date.now() / 100);
      var all = purposes.length > 0;
      var li = all ? [2, 7, 8, 9, 10, 11] : [];
      var s = bits(2, 6) + bits(ds, 36) + bits(ds, 36) + bits(cmpId, 12) + bits(1, 12) + bits(1, 6) +
        letters('EN') + bits(150, 12) + bits(4, 6) + '1' + '0' + flags(specialFeatures, 12) +
        flags(purposes, 24) + flags(li, 24) + '0' + letters('DE') +
        bits(10, 16) + '0' + (all ? '1111111111' : '0000000000') +
        bits(0, 16) + '0' + bits(0, 12);
      while (s.length % 6) s += '0';
      var out = '';
      for (var i = 0; i < s.length; i += 6) out += B64.charAt(parseInt(s.slice(i, i + 6), 2));
      return out;
    },
    // The consented purposes of a TCF core string.
    tcPurposes: function (str) {
      if (!str) return [];
      var core = str.split('.')[0], b = '';
      for (var i = 0; i < core.length; i++) {
        var v = B64.indexOf(core.charAt(i));
        if (v < 0) return [];
        b += bits(v, 6);
      }
      var out = [];
      for (var p = 1; p <= 24; p++) if (b.charAt(151 + p) === '1') out.push(p);
      return out;
    },
    // Installs `__tcfapi`; `state()` gives {tcString, purposes, event}. Returns a function
    // that notifies the event listeners after a change.
    tcfApi: function (cmpId, state) {
      var listeners = [], next = 1;
      function data(id) {
        var st = state(), pc = {};
        for (var i = 1; i <= 11; i++) pc[i] = st.purposes.indexOf(i) >= 0;
        var d = {
          tcString: st.tcString || '', tcfPolicyVersion: 4, cmpId: cmpId, cmpVersion: 1,
          gdprApplies: true, eventStatus: st.event, cmpStatus: 'loaded', isServiceSpecific: true,
          useNonStandardTexts: false, publisherCC: 'DE', purposeOneTreatment: false,
          purpose: { consents: pc, legitimateInterests: {} },
          vendor: { consents: {}, legitimateInterests: {} },
          specialFeatureOptins: {},
          publisher: { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} }, restrictions: {} }
        };
        if (id) d.listenerId = id;
        return d;
      }
      window.__tcfapi = function (cmd, version, cb, param) {
        if (typeof cb !== 'function') return;
        if (cmd === 'ping') {
          var st = state();
          cb({ gdprApplies: true, cmpLoaded: true, cmpStatus: 'loaded',
               displayStatus: st.event === 'cmpuishown' ? 'visible' : 'hidden',
               apiVersion: '2.2', cmpVersion: 1, cmpId: cmpId, gvlVersion: 150, tcfPolicyVersion: 4 }, true);
        } else if (cmd === 'getTCData') {
          cb(data(), true);
        } else if (cmd === 'addEventListener') {
          var id = next++;
          listeners.push({ id: id, cb: cb });
          cb(data(id), true);
        } else if (cmd === 'removeEventListener') {
          var before = listeners.length;
          listeners = listeners.filter(function (l) { return l.id !== param; });
          cb(listeners.length < before);
        } else {
          cb(null, false);
        }
      };
      return function () { listeners.forEach(function (l) { l.cb(data(l.id), true); }); };
    }
  };
})();
"##;

// ---------------------------------------------------------------------------------------------
// OneTrust

const ONETRUST_HEAD: &str = r##"<script type="text/plain" class="optanon-category-C0002" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

const TRAP_HIDDEN_TOGGLES_HEAD: &str = r##"<script>window.__otVariant = 'hidden-toggles';</script>
<script type="text/plain" class="optanon-category-C0002" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

const ONETRUST_OLD_HEAD: &str = r##"<script>window.__otVariant = 'old';</script>
<script type="text/plain" class="optanon-category-C0002" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

/// Mocks served but not in the suite: their tests scan them on their own.
const ALONE: [&str; 1] = ["trap-late"];

const TRAP_LATE_HEAD: &str = r##"<script>window.__otVariant = 'save-accepts'; window.__otOnlyOn = '/about';</script>
<script type="text/plain" class="optanon-category-C0002" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

const TRAP_SAVE_ACCEPTS_HEAD: &str = r##"<script>window.__otVariant = 'save-accepts';</script>
<script type="text/plain" class="optanon-category-C0002" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

const ONETRUST_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var GROUPS = ['C0001', 'C0002', 'C0003', 'C0004'];
  var NAMES = { C0002: 'Performance Cookies', C0003: 'Functional Cookies', C0004: 'Targeting Cookies' };
  function readState() {
    if (!fx.getCookie('OptanonAlertBoxClosed')) return null;
    var v = fx.getCookie('OptanonConsent');
    var m = v && /(?:^|&)groups=([^&]*)/.exec(v);
    if (!m) return null;
    var out = {};
    decodeURIComponent(m[1]).split(',').forEach(function (p) { var kv = p.split(':'); out[kv[0]] = kv[1] === '1'; });
    return out;
  }
  var state = readState();
  var consentId = fx.uuid();
  function apply() {
    var active = ',' + GROUPS.filter(function (g) { return g === 'C0001' || (state && state[g]); }).join(',') + ',';
    window.OnetrustActiveGroups = active;
    window.OptanonActiveGroups = active;
    if (state && state.C0002) fx.activate('script[type="text/plain"].optanon-category-C0002');
    if (typeof window.OptanonWrapper === 'function') window.OptanonWrapper();
  }
  function save(choice) {
    var groups = GROUPS.map(function (g) { return g + ':' + (g === 'C0001' || choice[g] ? 1 : 0); }).join(',');
    var value = 'isGpcEnabled=0&datestamp=' + encodeURIComponent(new Date().toString()) +
      '&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=' + consentId +
      '&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=' + encodeURIComponent(groups) +
      '&AwaitingReconsent=false';
    fx.setCookie('OptanonConsent', value, 365);
    fx.setCookie('OptanonAlertBoxClosed', new Date().toISOString(), 365);
    state = {};
    GROUPS.forEach(function (g) { state[g] = g === 'C0001' || !!choice[g]; });
    var sdk = document.getElementById('onetrust-consent-sdk');
    var banner = document.getElementById('onetrust-banner-sdk');
    var pc = document.getElementById('onetrust-pc-sdk');
    if (banner) banner.parentNode.removeChild(banner);
    if (pc) pc.style.display = 'none';
    if (sdk) { var f = sdk.querySelector('.onetrust-pc-dark-filter'); if (f) f.style.display = 'none'; }
    apply();
  }
  function all(v) { var c = {}; GROUPS.forEach(function (g) { c[g] = v; }); return c; }
  // old: an older major version; another banner markup and no `OneTrust` API.
  var VARIANT = window.__otVariant || '';
  if (VARIANT !== 'old') window.OneTrust = window.Optanon = {
    AllowAll: function () { save(all(true)); },
    RejectAll: function () { save(all(false)); },
    IsAlertBoxClosed: function () { return !!fx.getCookie('OptanonAlertBoxClosed'); },
    ToggleInfoDisplay: function () { openPc(); },
    GetDomainData: function () {
      return { Groups: GROUPS.map(function (g) {
        return { CustomGroupId: g, GroupName: NAMES[g] || 'Strictly Necessary Cookies', Status: g === 'C0001' ? 'always active' : 'inactive' };
      }) };
    },
    // One group per call, `C0002:1` or `C0002:0`, as OneTrust documents it.
    UpdateConsent: function (type, pair) {
      if (type !== 'Category') throw new Error('unsupported consent type ' + type);
      var kv = String(pair).split(':');
      if (GROUPS.indexOf(kv[0]) < 0 || (kv[1] !== '0' && kv[1] !== '1')) throw new Error('bad group ' + pair);
      var choice = {};
      GROUPS.forEach(function (g) { choice[g] = !!(state && state[g]); });
      choice[kv[0]] = kv[1] === '1';
      save(choice);
    }
  };
  function openPc() {
    var pc = document.getElementById('onetrust-pc-sdk');
    var filter = document.querySelector('#onetrust-consent-sdk .onetrust-pc-dark-filter');
    // The preference centre fades in.
    setTimeout(function () { filter.style.display = 'block'; pc.style.display = 'block'; }, 250);
  }
  function renderOld() {
    var sdk = document.createElement('div');
    sdk.id = 'onetrust-consent-sdk';
    sdk.innerHTML =
      '<div id="onetrust-banner-sdk" class="optanon-alert-box-wrapper" role="alertdialog" ' +
      'style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #999;padding:16px;z-index:2147483644">' +
      '<p class="optanon-alert-box-body">This site uses cookies to measure its audience and to show advertising.</p>' +
      '<button class="optanon-reject-all">Reject All</button> ' +
      '<button class="optanon-allow-all">Accept All Cookies</button></div>';
    document.body.appendChild(sdk);
    sdk.querySelector('.optanon-allow-all').addEventListener('click', function () { save(all(true)); });
    sdk.querySelector('.optanon-reject-all').addEventListener('click', function () { save(all(false)); });
  }
  function render() {
    if (VARIANT === 'old') return renderOld();
    // hidden-toggles: the checkbox is visually hidden, a styled label draws the switch.
    var hidden = VARIANT === 'hidden-toggles';
    var inputStyle = hidden
      ? 'position:absolute;opacity:0;width:1px;height:1px;margin:0;overflow:hidden;clip:rect(0 0 0 0)'
      : 'width:18px;height:18px';
    var toggles = ['C0002', 'C0003', 'C0004'].map(function (g) {
      return '<div class="ot-accordion-layout ot-cat-item" data-optanongroupid="' + g + '">' +
        '<span class="ot-cat-header">' + NAMES[g] + '</span> ' +
        '<input type="checkbox" name="ot-group-id-' + g + '" id="ot-group-id-' + g + '" class="category-switch-handler" ' +
        'data-optanongroupid="' + g + '" aria-checked="true" checked style="' + inputStyle + '">' +
        (hidden
          ? '<label class="ot-switch" for="ot-group-id-' + g + '"><span class="ot-switch-nob" ' +
            'style="display:inline-block;width:36px;height:18px;border-radius:9px;background:#468254"></span></label>'
          : '') +
        '</div>';
    }).join('');
    var sdk = document.createElement('div');
    sdk.id = 'onetrust-consent-sdk';
    sdk.innerHTML =
      '<div class="onetrust-pc-dark-filter ot-fade-in" style="display:none;position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:2147483645"></div>' +
      '<div id="onetrust-banner-sdk" class="otFlat ot-bottom" role="region" aria-label="Cookie banner" tabindex="0" ' +
      'style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #999;padding:16px;z-index:2147483644">' +
      '<div class="ot-sdk-container"><div class="ot-sdk-row"><div id="onetrust-group-container"><div id="onetrust-policy">' +
      '<h2 id="onetrust-policy-title">We value your privacy</h2>' +
      '<div id="onetrust-policy-text">We use cookies to measure and improve our site and to show you relevant advertising. ' +
      'You can accept all cookies or manage your preferences in the cookie settings.</div></div></div>' +
      '<div id="onetrust-button-group-parent"><div id="onetrust-button-group">' +
      '<button id="onetrust-pc-btn-handler" class="cookie-setting-link">Cookie Settings</button> ' +
      '<button id="onetrust-accept-btn-handler">Accept All Cookies</button>' +
      '</div></div></div></div></div>' +
      '<div id="onetrust-pc-sdk" class="otPcCenter ot-fade-in" role="dialog" aria-modal="true" aria-labelledby="ot-pc-title" ' +
      'style="display:none;position:fixed;top:10%;left:50%;transform:translateX(-50%);width:480px;background:#fff;padding:16px;z-index:2147483646">' +
      '<h2 id="ot-pc-title">Privacy Preference Center</h2>' +
      '<div id="ot-pc-desc">When you visit a website, it may store or retrieve information on your browser, mostly in the form of cookies.</div>' +
      '<button id="accept-recommended-btn-handler">Allow All</button>' +
      '<div class="ot-cat-grp"><div class="ot-accordion-layout ot-cat-item" data-optanongroupid="C0001">' +
      '<span class="ot-cat-header">Strictly Necessary Cookies</span> <span class="ot-always-active">Always Active</span></div>' +
      toggles + '</div>' +
      '<div class="ot-pc-footer"><div class="ot-btn-container">' +
      '<button class="save-preference-btn-handler">Confirm My Choices</button></div></div></div>';
    document.body.appendChild(sdk);
    document.getElementById('onetrust-accept-btn-handler').addEventListener('click', function () { save(all(true)); });
    document.getElementById('accept-recommended-btn-handler').addEventListener('click', function () { save(all(true)); });
    document.getElementById('onetrust-pc-btn-handler').addEventListener('click', openPc);
    sdk.querySelector('.save-preference-btn-handler').addEventListener('click', function () {
      var choice = { C0001: true };
      sdk.querySelectorAll('input.category-switch-handler').forEach(function (i) { choice[i.getAttribute('data-optanongroupid')] = i.checked; });
      save(VARIANT === 'save-accepts' ? all(true) : choice);
    });
    sdk.querySelectorAll('input.category-switch-handler').forEach(function (i) {
      i.addEventListener('change', function () { i.setAttribute('aria-checked', String(i.checked)); });
    });
  }
  // __otOnlyOn: the banner shows on that page only.
  if (!state && (!window.__otOnlyOn || location.pathname === window.__otOnlyOn)) render();
  apply();
})();
"##;

// ---------------------------------------------------------------------------------------------
// Cookiebot

const COOKIEBOT_HEAD: &str = r##"<script type="text/plain" data-cookieconsent="statistics" src="https://stats.tracker-cdn.test/stats.js"></script>"##;

const COOKIEBOT_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var CATS = ['preferences', 'statistics', 'marketing'];
  var raw = fx.getCookie('CookieConsent');
  var consent = { necessary: true, preferences: false, statistics: false, marketing: false, stamp: '', method: null };
  var has = false;
  if (raw) {
    var txt = decodeURIComponent(raw);
    var ok = /necessary:true/.test(txt);
    if (ok) {
      has = true;
      CATS.forEach(function (c) { consent[c] = new RegExp(c + ':true').test(txt); });
      var st = /stamp:'([^']*)'/.exec(txt);
      consent.stamp = st ? st[1] : '';
      consent.method = 'explicit';
    }
  }
  function fire(name) { window.dispatchEvent(new Event(name)); }
  function apply() {
    if (consent.statistics) fx.activate('script[type="text/plain"][data-cookieconsent="statistics"]');
    if (consent.marketing) fx.activate('script[type="text/plain"][data-cookieconsent="marketing"]');
  }
  function hideDialog() {
    var d = document.getElementById('CybotCookiebotDialog');
    if (d) d.style.display = 'none';
    CB.dialog.visible = false;
  }
  function submit(pref, stat, mkt) {
    consent.preferences = !!pref; consent.statistics = !!stat; consent.marketing = !!mkt;
    consent.stamp = consent.stamp || fx.uuid();
    consent.method = 'explicit';
    var value = "{stamp:'" + consent.stamp + "',necessary:true,preferences:" + consent.preferences +
      ',statistics:' + consent.statistics + ',marketing:' + consent.marketing +
      ",method:'explicit',ver:1,utc:" + Date.now() + ",region:'de'}";
    fx.setCookie('CookieConsent', value.replace(/'/g, '%27').replace(/,/g, '%2C'), 365);
    has = true;
    CB.hasResponse = true;
    CB.consented = consent.preferences || consent.statistics || consent.marketing;
    CB.declined = !CB.consented;
    hideDialog();
    apply();
    fire(CB.consented ? 'CookiebotOnAccept' : 'CookiebotOnDecline');
    fire('CookiebotOnConsentReady');
  }
  var CB = window.Cookiebot = window.CookieConsent = {
    version: '3.0-mock',
    consent: consent,
    hasResponse: has,
    consented: has && (consent.preferences || consent.statistics || consent.marketing),
    declined: has && !(consent.preferences || consent.statistics || consent.marketing),
    dialog: { visible: false },
    show: function () { var d = document.getElementById('CybotCookiebotDialog'); if (d) { d.style.display = 'flex'; CB.dialog.visible = true; } else { render(); } },
    hide: hideDialog,
    renew: function () { CB.show(); },
    withdraw: function () { submit(false, false, false); },
    submitCustomConsent: submit
  };
  function render() {
    var d = document.createElement('div');
    d.id = 'CybotCookiebotDialog';
    d.setAttribute('name', 'CybotCookiebotDialog');
    d.setAttribute('role', 'dialog');
    d.setAttribute('aria-modal', 'true');
    d.setAttribute('aria-labelledby', 'CybotCookiebotDialogBodyContentTitle');
    d.setAttribute('lang', 'en');
    d.className = 'CybotCookiebotDialogActive CybotEdge';
    d.style.cssText = 'display:flex;flex-direction:column;position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #1032cf;padding:16px;z-index:2147483631';
    d.innerHTML =
      '<div class="CybotCookiebotDialogContentWrapper"><div id="CybotCookiebotDialogBody">' +
      '<h2 id="CybotCookiebotDialogBodyContentTitle">This website uses cookies</h2>' +
      '<div id="CybotCookiebotDialogBodyContentText">We use cookies to personalise content and ads and to analyse our traffic. ' +
      'We also share information about your use of our site with our analytics and advertising partners.</div></div>' +
      '<div id="CybotCookiebotDialogBodyLevelWrapper">' +
      '<label><input type="checkbox" id="CybotCookiebotDialogBodyLevelButtonNecessary" checked disabled> Necessary</label> ' +
      '<label><input type="checkbox" id="CybotCookiebotDialogBodyLevelButtonPreferences"> Preferences</label> ' +
      '<label><input type="checkbox" id="CybotCookiebotDialogBodyLevelButtonStatistics"> Statistics</label> ' +
      '<label><input type="checkbox" id="CybotCookiebotDialogBodyLevelButtonMarketing"> Marketing</label></div>' +
      '<div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtonsWrapper">' +
      '<button id="CybotCookiebotDialogBodyButtonDecline" class="CybotCookiebotDialogBodyButton">Use necessary cookies only</button> ' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection" class="CybotCookiebotDialogBodyButton">Allow selection</button> ' +
      '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" class="CybotCookiebotDialogBodyButton">Allow all</button>' +
      '</div></div></div>';
    document.body.appendChild(d);
    CB.dialog.visible = true;
    document.getElementById('CybotCookiebotDialogBodyButtonDecline').addEventListener('click', function () { submit(false, false, false); });
    document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll').addEventListener('click', function () { submit(true, true, true); });
    document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection').addEventListener('click', function () {
      submit(document.getElementById('CybotCookiebotDialogBodyLevelButtonPreferences').checked,
             document.getElementById('CybotCookiebotDialogBodyLevelButtonStatistics').checked,
             document.getElementById('CybotCookiebotDialogBodyLevelButtonMarketing').checked);
    });
  }
  if (!has) render();
  apply();
  fire('CookiebotOnLoad');
})();
"##;

// ---------------------------------------------------------------------------------------------
// Didomi (inserted late, buttons bound later still)

/// base64 of `{"purposes":{"enabled":["analytics","marketing"]},"vendors":{"enabled":["c:stats-tracker"]`
/// (the first 90 bytes of the token's JSON).
const DIDOMI_TOKEN_ACCEPT: &str = "^eyJwdXJwb3NlcyI6eyJlbmFibGVkIjpbImFuYWx5dGljcyIsIm1hcmtldGluZyJdfSwidmVuZG9ycyI6eyJlbmFibGVkIjpbImM6c3RhdHMtdHJhY2tlciJd";
/// base64 of `{"purposes":{"disabled":["analytics","marketing"]},"vendors":{"disabled":["c:stats-tracker"]}`
/// (the first 93 bytes of the token's JSON).
const DIDOMI_TOKEN_REJECT: &str = "^eyJwdXJwb3NlcyI6eyJkaXNhYmxlZCI6WyJhbmFseXRpY3MiLCJtYXJrZXRpbmciXX0sInZlbmRvcnMiOnsiZGlzYWJsZWQiOlsiYzpzdGF0cy10cmFja2VyIl19";

const DIDOMI_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var PURPOSES = ['analytics', 'marketing'];
  var VENDORS = ['c:stats-tracker'];
  window.didomiOnReady = window.didomiOnReady || [];
  function readToken() {
    var t = fx.getCookie('didomi_token');
    if (!t) return null;
    try { return JSON.parse(atob(decodeURIComponent(t))); } catch (e) { return null; }
  }
  var token = readToken();
  function agreed() { return !!(token && token.purposes && token.purposes.enabled && token.purposes.enabled.indexOf('analytics') >= 0); }
  var event = token ? 'tcloaded' : 'cmpuishown';
  var notifyTcf = fx.tcfApi(7, function () {
    return { tcString: fx.getCookie('euconsent-v2'), purposes: agreed() ? [1,2,3,4,5,6,7,8,9,10,11] : [], event: event };
  });
  function store(agree) {
    var now = new Date().toISOString();
    var key = agree ? 'enabled' : 'disabled';
    var t = { purposes: {}, vendors: {} };
    t.purposes[key] = PURPOSES.slice();
    t.vendors[key] = VENDORS.slice();
    t.user_id = (token && token.user_id) || fx.uuid();
    t.created = (token && token.created) || now;
    t.updated = now;
    t.version = 2;
    fx.setCookie('didomi_token', btoa(JSON.stringify(t)), 365);
    fx.setCookie('euconsent-v2', fx.tcString(agree ? [1,2,3,4,5,6,7,8,9,10,11] : [], agree ? [1, 2] : [], 7), 365);
    token = t;
    event = 'useractioncomplete';
    var host = document.getElementById('didomi-host');
    var notice = document.getElementById('didomi-notice');
    if (notice) notice.parentNode.removeChild(notice);
    if (host) host.setAttribute('aria-hidden', 'true');
    if (agree) fx.loadTracker();
    notifyTcf();
  }
  function status() {
    var p = {}, v = {};
    PURPOSES.forEach(function (id) { p[id] = { id: id, enabled: agreed() }; });
    VENDORS.forEach(function (id) { v[id] = { id: id, enabled: agreed() }; });
    return { purposes: p, vendors: v, regulation: 'gdpr', user_id: token && token.user_id, created: token && token.created, updated: token && token.updated };
  }
  function sdkReady() {
    window.Didomi = {
      version: '1.0-mock',
      getCurrentUserStatus: status,
      getUserStatus: function () {
        var s = agreed();
        return { purposes: { global: { enabled: s ? PURPOSES.slice() : [], disabled: s ? [] : PURPOSES.slice() } },
                 vendors: { global: { enabled: s ? VENDORS.slice() : [], disabled: s ? [] : VENDORS.slice() } } };
      },
      getUserConsentStatusForAll: function () {
        var s = agreed();
        return { purposes: { enabled: s ? PURPOSES.slice() : [], disabled: s ? [] : PURPOSES.slice() },
                 vendors: { enabled: s ? VENDORS.slice() : [], disabled: s ? [] : VENDORS.slice() } };
      },
      setUserAgreeToAll: function () { store(true); },
      setUserDisagreeToAll: function () { store(false); },
      isConsentRequired: function () { return true; },
      shouldConsentBeCollected: function () { return !token; },
      notice: { isVisible: function () { return !!document.getElementById('didomi-notice'); } }
    };
    window.didomiOnReady.forEach(function (f) { try { f(window.Didomi); } catch (e) {} });
    window.didomiOnReady = { push: function (f) { f(window.Didomi); } };
  }
  function insert() {
    var host = document.createElement('div');
    host.id = 'didomi-host';
    host.setAttribute('data-nosnippet', 'true');
    host.className = 'didomi-host';
    document.body.appendChild(host);
    sdkReady();
    if (token) return;
    var n = document.createElement('div');
    n.id = 'didomi-notice';
    n.className = 'didomi-notice-banner didomi-regular-notice shape-rounded didomi-notice-view-bottom';
    n.setAttribute('role', 'region');
    n.setAttribute('aria-label', 'Cookies');
    n.style.cssText = 'position:fixed;bottom:0;left:0;right:0;background:#fff;box-shadow:0 0 8px #888;padding:16px;z-index:2147483647';
    n.innerHTML =
      '<div class="didomi-notice-text" id="didomi-notice-text">With your agreement, we and our partners use cookies or similar ' +
      'technologies to store, access, and process personal data like your visit on this website. You can withdraw your consent ' +
      'or object at any time.</div>' +
      '<div id="buttons" class="didomi-buttons didomi-buttons-horizontal">' +
      '<button id="didomi-notice-learn-more-button" class="didomi-components-button didomi-button didomi-button-standard standard-button"><span>Learn more</span></button> ' +
      '<button id="didomi-notice-disagree-button" class="didomi-components-button didomi-button didomi-dismiss-button didomi-components-button--color didomi-button-highlight"><span>Disagree</span></button> ' +
      '<button id="didomi-notice-agree-button" class="didomi-components-button didomi-button didomi-dismiss-button didomi-components-button--color didomi-button-highlight highlight-button"><span>Agree and close</span></button>' +
      '</div>';
    host.appendChild(n);
    // The notice UI binds its handlers once its bundle has loaded.
    setTimeout(function () {
      document.getElementById('didomi-notice-agree-button').addEventListener('click', function () { store(true); });
      document.getElementById('didomi-notice-disagree-button').addEventListener('click', function () { store(false); });
    }, 500);
  }
  if (agreed()) fx.loadTracker();
  setTimeout(insert, 300);
})();
"##;

// ---------------------------------------------------------------------------------------------
// Usercentrics v2 (open shadow root, localStorage)

const USERCENTRICS_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var SERVICES = [
    { id: 'H1Vl5NidjWX', name: 'Usercentrics Consent Management Platform', essential: true, category: 'essential' },
    { id: 'S1tatsTrk01', name: 'Stats Tracker', essential: false, category: 'analytics' },
    { id: 'M4rketPix02', name: 'Marketing Pixel', essential: false, category: 'marketing' }
  ];
  function load() { try { return JSON.parse(localStorage.getItem('uc_settings')); } catch (e) { return null; } }
  var settings = load();
  var interacted = localStorage.getItem('uc_user_interaction') === 'true';
  function record(action, accept, type) {
    var now = Date.now();
    var prev = settings && settings.services ? settings.services : [];
    settings = {
      controllerId: (settings && settings.controllerId) || fx.uuid().replace(/-/g, ''),
      id: 'mockUcSettings',
      language: 'en',
      services: SERVICES.map(function (s) {
        var old = prev.filter(function (p) { return p.id === s.id; })[0];
        var status = s.essential || (typeof accept === 'function' ? accept(s) : accept);
        var history = (old && old.history ? old.history : []).concat([{
          action: action, language: 'en', status: status, timestamp: now, type: type,
          versions: { application: '2.99.0-mock', service: '1.0.0', settings: '1' }
        }]);
        return { history: history, id: s.id, name: s.name, processorId: 'p-' + s.id, status: status };
      }),
      version: '1'
    };
    localStorage.setItem('uc_settings', JSON.stringify(settings));
  }
  function allAccepted() { return !!(settings && settings.services.every(function (s) { return s.status; })); }
  function statsAllowed() { return !!(settings && settings.services.some(function (s) { return s.name === 'Stats Tracker' && s.status; })); }
  function choose(accept) {
    record(accept ? 'onAcceptAllServices' : 'onDenyAllServices', accept, 'explicit');
    localStorage.setItem('uc_user_interaction', 'true');
    interacted = true;
    if (statsAllowed()) fx.loadTracker();
    window.dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', type: 'explicit', action: accept ? 'onAcceptAllServices' : 'onDenyAllServices' } }));
  }
  function close() {
    var root = document.getElementById('usercentrics-root');
    if (root && root.shadowRoot) {
      var app = root.shadowRoot.querySelector('[data-testid=uc-app-container]');
      if (app) app.parentNode.removeChild(app);
    }
    document.body.classList.remove('overflowHidden');
  }
  function render() {
    var root = document.getElementById('usercentrics-root');
    if (!root) {
      root = document.createElement('div');
      root.id = 'usercentrics-root';
      root.setAttribute('data-created-at', String(Date.now()));
      root.style.cssText = 'position:fixed;bottom:0;left:0;right:0;z-index:2147483647';
      document.body.appendChild(root);
      root.attachShadow({ mode: 'open' });
    }
    var shadow = root.shadowRoot;
    shadow.innerHTML =
      '<style>.sc-banner{background:#fff;border-top:1px solid #888;padding:16px;font:15px sans-serif}' +
      'button{margin-right:8px;padding:8px 14px}</style>' +
      '<div data-testid="uc-app-container" class="sc-app">' +
      '<div id="uc-center-container" class="sc-banner" role="dialog" aria-modal="true" aria-labelledby="uc-heading-title" data-testid="uc-banner-content">' +
      '<h2 id="uc-heading-title">Privacy Settings</h2>' +
      '<div data-testid="uc-message-container">This site uses third-party website tracking technologies to provide and continually ' +
      'improve our services, and to display advertisements according to users\u2019 interests. I agree and may revoke or change my ' +
      'consent at any time with effect for the future.</div>' +
      '<div data-testid="uc-buttons-container">' +
      '<button role="button" data-testid="uc-more-button">More Information</button>' +
      '<button role="button" data-testid="uc-deny-all-button">Deny</button>' +
      '<button role="button" data-testid="uc-accept-all-button">Accept All</button>' +
      '</div></div></div>';
    document.body.classList.add('overflowHidden');
    shadow.querySelector('[data-testid=uc-accept-all-button]').addEventListener('click', function () { choose(true); close(); });
    shadow.querySelector('[data-testid=uc-deny-all-button]').addEventListener('click', function () { choose(false); close(); });
    shadow.querySelector('[data-testid=uc-more-button]').addEventListener('click', function () {
      var msg = shadow.querySelector('[data-testid=uc-message-container]');
      msg.textContent = 'Services: ' + SERVICES.map(function (s) { return s.name; }).join(', ') + '.';
    });
  }
  // Services one by one (`acceptServices` / `rejectServices` of the v2 API).
  function decide(ids, on) {
    var current = {};
    SERVICES.forEach(function (s) {
      var st = settings && settings.services.filter(function (x) { return x.id === s.id; })[0];
      current[s.id] = ids.indexOf(s.id) >= 0 ? on : !!(st && st.status);
    });
    record(on ? 'onAcceptServices' : 'onRejectServices', function (s) { return current[s.id]; }, 'explicit');
    localStorage.setItem('uc_user_interaction', 'true');
    interacted = true;
    if (statsAllowed()) fx.loadTracker();
    close();
    return Promise.resolve();
  }
  window.UC_UI = {
    isInitialized: function () { return true; },
    acceptServices: function (ids) { return decide(ids, true); },
    rejectServices: function (ids) { return decide(ids, false); },
    acceptAllConsents: function () { choose(true); return Promise.resolve(); },
    denyAllConsents: function () { choose(false); return Promise.resolve(); },
    areAllConsentsAccepted: function () { return allAccepted(); },
    closeCMP: function () { close(); return Promise.resolve(); },
    showFirstLayer: function () { render(); },
    showSecondLayer: function () { render(); },
    isConsentRequired: function () { return !interacted; },
    getServicesBaseInfo: function () {
      return SERVICES.map(function (s) {
        var st = settings && settings.services.filter(function (x) { return x.id === s.id; })[0];
        return { id: s.id, name: s.name, categorySlug: s.category, consent: { status: !!(st && st.status) } };
      });
    }
  };
  if (!settings) record('onInitialPageLoad', false, 'implicit');
  if (interacted) {
    if (statsAllowed()) fx.loadTracker();
  } else {
    render();
  }
  window.dispatchEvent(new Event('UC_UI_INITIALIZED'));
})();
"##;

// ---------------------------------------------------------------------------------------------
// Sourcepoint (banner in a cross-site iframe)

const SOURCEPOINT_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var ORIGIN = 'https://cdn.privacy-mgmt.test';
  var KEY = '_sp_user_consent_123';
  window._sp_queue = window._sp_queue || [];
  window._sp_ = {
    version: '4.0-mock',
    config: { accountId: 1234, propertyId: 123, baseEndpoint: ORIGIN, gdpr: {} },
    executeMessaging: function () { if (!stored()) show(); },
    gdpr: { loadPrivacyManagerModal: function () { show(); } }
  };
  function stored() { try { return JSON.parse(localStorage.getItem(KEY)); } catch (e) { return null; } }
  var consent = stored();
  function consented() { return !!(consent && consent.gdpr && consent.gdpr.consentStatus && consent.gdpr.consentStatus.consentedAll); }
  var event = consent ? 'tcloaded' : 'cmpuishown';
  var notifyTcf = fx.tcfApi(6, function () {
    return { tcString: fx.getCookie('euconsent-v2'), purposes: consented() ? [1,2,3,4,5,6,7,8,9,10,11] : [], event: event };
  });
  function show() {
    if (document.getElementById('sp_message_container_123')) return;
    var c = document.createElement('div');
    c.id = 'sp_message_container_123';
    c.className = 'message-overlay';
    c.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:2147483647;display:block';
    var f = document.createElement('iframe');
    f.id = 'sp_message_iframe_123';
    f.title = 'SP Consent Message';
    f.src = ORIGIN + '/index.html?message_id=123&consentUUID=&requestUUID=' + fx.uuid() + '&preload_message=true';
    f.style.cssText = 'position:absolute;bottom:0;left:0;width:100%;height:240px;border:0;background:#fff';
    c.appendChild(f);
    document.body.appendChild(c);
    document.documentElement.classList.add('sp-message-open');
  }
  window.addEventListener('message', function (e) {
    if (e.origin !== ORIGIN || !e.data || e.data.name !== 'sp.choice') return;
    var accept;
    if (e.data.choiceType === 11) accept = true;
    else if (e.data.choiceType === 13) accept = false;
    else return;
    var uuid = fx.uuid();
    var tc = fx.tcString(accept ? [1,2,3,4,5,6,7,8,9,10,11] : [], accept ? [1, 2] : [], 6);
    fx.setCookie('consentUUID', uuid + '_23', 365);
    fx.setCookie('euconsent-v2', tc, 365);
    consent = {
      gdpr: {
        uuid: uuid,
        euconsent: tc,
        consentStatus: { consentedAll: accept, rejectedAll: !accept, rejectedAny: !accept, consentedToAny: accept, hasConsentData: true },
        grants: { 'stats-tracker': { vendorGrant: accept, purposeGrants: { measurement: accept } } },
        dateCreated: new Date().toISOString()
      },
      version: 1
    };
    localStorage.setItem(KEY, JSON.stringify(consent));
    localStorage.setItem('_sp_local_state', JSON.stringify({ gdpr: { mmsCookies: [], propertyId: 123, messageId: 123 } }));
    localStorage.setItem('_sp_non_keyed_local_state', JSON.stringify({ gdpr: { _sp_v1_consent: '1!0:-1:-1:-1:-1:-1' } }));
    var c = document.getElementById('sp_message_container_123');
    if (c) c.parentNode.removeChild(c);
    document.documentElement.classList.remove('sp-message-open');
    event = 'useractioncomplete';
    if (accept) fx.loadTracker();
    notifyTcf();
  });
  if (consented()) fx.loadTracker();
  if (!consent) show();
})();
"##;

const SOURCEPOINT_FRAME: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SP Consent Message</title>
<style>
body{margin:0;font:15px/1.4 sans-serif;background:#fff}
.message-container{padding:16px}
.message-row{margin-top:12px}
.message-button{padding:8px 16px;margin-right:8px;border:1px solid #333;background:#eee}
.sp_choice_type_11{background:#0b5;color:#fff}
</style>
</head>
<body>
<div class="message-container" id="notice" role="dialog" aria-label="Privacy notice">
  <p class="message-component message-text">We and our partners store and access information on your device, such as
  cookies, and process personal data to measure audiences and show personalised ads. You can accept or reject all purposes.</p>
  <div class="message-row">
    <button class="message-component message-button no-children focusable sp_choice_type_13" title="Reject all" aria-label="Reject all">Reject all</button>
    <button class="message-component message-button no-children focusable sp_choice_type_11" title="Accept all" aria-label="Accept all">Accept all</button>
  </div>
</div>
<script>
(function () {
  var params = new URLSearchParams(location.search);
  var messageId = Number(params.get('message_id'));
  function choose(choiceType) {
    window.parent.postMessage({ name: 'sp.choice', choiceType: choiceType, messageId: messageId, choiceId: choiceType * 1000 + messageId }, '*');
  }
  document.querySelector('.sp_choice_type_11').addEventListener('click', function () { choose(11); });
  document.querySelector('.sp_choice_type_13').addEventListener('click', function () { choose(13); });
})();
</script>
</body>
</html>
"##;

// ---------------------------------------------------------------------------------------------
// Quantcast Choice (two-step reject: MORE OPTIONS → toggles → SAVE & EXIT)

const QUANTCAST_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var PURPOSES = ['Store and/or access information on a device', 'Use limited data to select advertising',
    'Create profiles for personalised advertising', 'Use profiles to select personalised advertising',
    'Create profiles to personalise content', 'Use profiles to select personalised content',
    'Measure advertising performance', 'Measure content performance',
    'Understand audiences through statistics or combinations of data from different sources',
    'Develop and improve services', 'Use limited data to select content'];
  var tc = fx.getCookie('euconsent-v2');
  var purposes = fx.tcPurposes(tc);
  var event = tc ? 'tcloaded' : 'cmpuishown';
  var notifyTcf = fx.tcfApi(10, function () { return { tcString: fx.getCookie('euconsent-v2'), purposes: purposes, event: event }; });
  function allowed() { return purposes.indexOf(1) >= 0 && purposes.indexOf(8) >= 0; }
  function save(chosen, sfs) {
    tc = fx.tcString(chosen, sfs, 10);
    purposes = chosen;
    fx.setCookie('euconsent-v2', tc, 390);
    fx.setCookie('addtl_consent', chosen.length ? '1~39.43.46.55.61.70.83.89.93.108.117.122' : '1~', 390);
    event = 'useractioncomplete';
    var c = document.getElementById('qc-cmp2-container');
    if (c) c.parentNode.removeChild(c);
    if (allowed()) fx.loadTracker();
    notifyTcf();
  }
  var ALL = [1,2,3,4,5,6,7,8,9,10,11];
  function summary(ui) {
    ui.innerHTML =
      '<div class="qc-cmp2-consent-info"><h2 class="qc-cmp2-summary-title">We value your privacy</h2>' +
      '<p class="qc-cmp2-summary-info">We and our partners store and/or access information on a device, such as cookies and process ' +
      'personal data, such as unique identifiers and standard information sent by a device for personalised advertising and content, ' +
      'advertising and content measurement, audience research and services development.</p></div>' +
      '<div class="qc-cmp2-footer qc-cmp2-footer-overlay qc-cmp2-footer-scrolled"><div class="qc-cmp2-summary-buttons">' +
      '<button mode="secondary" size="large" class=" css-47sehv"><span>MORE OPTIONS</span></button> ' +
      '<button mode="primary" size="large" class=" css-47sehv"><span>AGREE</span></button></div></div>';
    ui.querySelector('button[mode=primary]').addEventListener('click', function () { save(ALL, [1, 2]); });
    ui.querySelector('button[mode=secondary]').addEventListener('click', function () { options(ui); });
  }
  function toggle(label, kind, n) {
    return '<div class="qc-cmp2-list-item"><span class="qc-cmp2-list-item-title">' + label + '</span>' +
      '<div class="qc-cmp2-toggle-switch"><button role="switch" aria-checked="true" aria-label="' + label + '" ' +
      'class="qc-cmp2-toggle" data-kind="' + kind + '" data-n="' + n + '" style="width:44px;height:22px;background:#206dc5">' +
      '<span class="toggle"></span></button></div></div>';
  }
  function options(ui) {
    var rows = PURPOSES.map(function (p, i) { return toggle(p, 'purpose', i + 1); }).join('') +
      toggle('Use precise geolocation data', 'feature', 1) + toggle('Actively scan device characteristics for identification', 'feature', 2);
    ui.innerHTML =
      '<div class="qc-cmp2-scrollable-section" style="max-height:60vh;overflow:auto">' +
      '<div class="qc-cmp2-header-links"><button mode="link" size="small" class=" css-1hy2vtq">REJECT ALL</button> ' +
      '<button mode="link" size="small" class=" css-1hy2vtq">ACCEPT ALL</button></div>' + rows + '</div>' +
      '<div class="qc-cmp2-footer"><div class="qc-cmp2-buttons-desktop"><button mode="primary" size="large" class=" css-47sehv">SAVE &amp; EXIT</button></div></div>';
    var switches = ui.querySelectorAll('.qc-cmp2-toggle-switch > button');
    function setAll(v) { switches.forEach(function (b) { b.setAttribute('aria-checked', String(v)); b.style.background = v ? '#206dc5' : '#999'; }); }
    switches.forEach(function (b) {
      b.addEventListener('click', function () {
        var v = b.getAttribute('aria-checked') !== 'true';
        b.setAttribute('aria-checked', String(v));
        b.style.background = v ? '#206dc5' : '#999';
      });
    });
    var links = ui.querySelectorAll('.qc-cmp2-header-links > button');
    links[0].addEventListener('click', function () { setAll(false); });
    links[1].addEventListener('click', function () { setAll(true); });
    ui.querySelector('.qc-cmp2-buttons-desktop > button[mode=primary]').addEventListener('click', function () {
      var chosen = [], sfs = [];
      switches.forEach(function (b) {
        if (b.getAttribute('aria-checked') !== 'true') return;
        (b.getAttribute('data-kind') === 'purpose' ? chosen : sfs).push(Number(b.getAttribute('data-n')));
      });
      save(chosen, sfs);
    });
  }
  function render() {
    var c = document.createElement('div');
    c.id = 'qc-cmp2-container';
    c.setAttribute('data-nosnippet', '');
    c.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:2147483647';
    c.innerHTML = '<div class="qc-cmp2-main" id="qc-cmp2-main"><div id="qc-cmp2-ui" role="dialog" aria-label="qc-cmp2-ui" aria-modal="true" tabindex="0" ' +
      'style="position:fixed;left:50%;bottom:24px;transform:translateX(-50%);width:min(640px,94vw);background:#fff;padding:16px"></div></div>';
    document.body.appendChild(c);
    summary(document.getElementById('qc-cmp2-ui'));
  }
  if (allowed()) fx.loadTracker();
  if (!tc) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// consentmanager.net

const CONSENTMANAGER_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var NAME = '__cmpconsentx123';
  var tc = fx.getCookie(NAME);
  var purposes = fx.tcPurposes(tc);
  var event = tc ? 'tcloaded' : 'cmpuishown';
  var notifyTcf = fx.tcfApi(31, function () { return { tcString: fx.getCookie(NAME), purposes: purposes, event: event }; });
  function allowed() { return purposes.indexOf(1) >= 0 && purposes.indexOf(8) >= 0; }
  function setConsent(yes) {
    purposes = yes ? [1,2,3,4,5,6,7,8,9,10,11] : [];
    tc = fx.tcString(purposes, yes ? [1, 2] : [], 31);
    fx.setCookie(NAME, tc, 365);
    fx.setCookie('__cmpcccx123', yes ? 'aBP_4AAgAAAAA' : 'aBPAAAAgAAAAA', 365);
    event = 'useractioncomplete';
    ['cmpbox', 'cmpbox2'].forEach(function (id) { var e = document.getElementById(id); if (e) e.parentNode.removeChild(e); });
    if (allowed()) fx.loadTracker();
    notifyTcf();
  }
  function data() {
    var pc = {};
    for (var i = 1; i <= 11; i++) pc[i] = purposes.indexOf(i) >= 0;
    return { consentstring: tc || '', consentExists: !!tc, userChoiceExists: !!tc, gdprApplies: true, regulation: 1, purposeConsents: pc, vendorConsents: {} };
  }
  window.__cmp = function (cmd, arg, cb) {
    var out;
    if (cmd === 'getCMPData') out = data();
    else if (cmd === 'consentStatus') out = { consentExists: !!tc, userChoiceExists: !!tc };
    else if (cmd === 'setConsent') { setConsent(arg === 1 || arg === true); out = true; }
    else if (cmd === 'ping') out = { gdprAppliesGlobally: true, cmpLoaded: true };
    if (typeof cb === 'function') cb(out, true);
    return out;
  };
  function render() {
    var bg = document.createElement('div');
    bg.id = 'cmpbox2';
    bg.className = 'cmpbox2 cmpstyleroot';
    bg.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,.4);z-index:2147483640';
    var box = document.createElement('div');
    box.id = 'cmpbox';
    box.className = 'cmpbox cmpstyleroot cmpBoxVisible';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.style.cssText = 'position:fixed;bottom:24px;left:50%;transform:translateX(-50%);width:min(600px,94vw);background:#fff;padding:16px;z-index:2147483641';
    box.innerHTML =
      '<div class="cmpboxinner"><div class="cmpboxtxt cmptxt_txt"><b class="cmpboxhl">We respect your privacy</b><br>' +
      'We and our partners use cookies and similar technologies to store and access information on your device for analytics and ' +
      'personalised advertising.</div>' +
      '<div class="cmpboxbtns"><a href="#" role="button" tabindex="0" class="cmpboxbtn cmpboxbtnyes cmptxt_btn_yes">Accept all</a> ' +
      '<a href="#" role="button" tabindex="0" class="cmpboxbtn cmpboxbtnno cmptxt_btn_no">Reject all</a></div></div>';
    document.body.appendChild(bg);
    document.body.appendChild(box);
    box.querySelector('.cmpboxbtnyes').addEventListener('click', function (e) { e.preventDefault(); setConsent(true); });
    box.querySelector('.cmpboxbtnno').addEventListener('click', function (e) { e.preventDefault(); setConsent(false); });
  }
  if (allowed()) fx.loadTracker();
  if (!tc) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// CookieYes (inserted after a config fetch, buttons bound later still)

const COOKIEYES_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var CATS = ['necessary', 'functional', 'analytics', 'performance', 'advertisement', 'other'];
  function parse() {
    var raw = fx.getCookie('cookieyes-consent');
    if (!raw) return null;
    var out = {};
    decodeURIComponent(raw).split(',').forEach(function (p) { var i = p.indexOf(':'); out[p.slice(0, i)] = p.slice(i + 1); });
    return out.action === 'yes' ? out : null;
  }
  var consent = parse();
  function allowed() { return !!(consent && consent.analytics === 'yes'); }
  window.getCkyConsent = function () {
    var cats = {};
    CATS.forEach(function (c) { cats[c] = c === 'necessary' || !!(consent && consent[c] === 'yes'); });
    return { activeLaw: 'gdpr', categories: cats, isUserActionCompleted: !!consent, consentID: consent ? consent.consentid : '', languageCode: 'en' };
  };
  function save(choice) {
    var id = (consent && consent.consentid) || btoa(fx.uuid()).replace(/=+$/, '');
    var parts = ['consentid:' + id, 'consent:' + (choice.analytics || choice.advertisement || choice.functional ? 'yes' : 'no'), 'action:yes'];
    CATS.forEach(function (c) { parts.push(c + ':' + (c === 'necessary' || choice[c] ? 'yes' : 'no')); });
    fx.setCookie('cookieyes-consent', parts.join(','), 365);
    consent = parse();
    ['.cky-consent-container', '.cky-modal', '.cky-overlay'].forEach(function (s) { var e = document.querySelector(s); if (e) e.parentNode.removeChild(e); });
    if (allowed()) fx.loadTracker();
    document.dispatchEvent(new CustomEvent('cookieyes_consent_update', { detail: { accepted: CATS.filter(function (c) { return choice[c] || c === 'necessary'; }) } }));
  }
  function all(v) { var c = {}; CATS.forEach(function (k) { c[k] = v; }); return c; }
  function render() {
    var c = document.createElement('div');
    c.className = 'cky-consent-container cky-box-bottom-left';
    c.setAttribute('tabindex', '0');
    c.setAttribute('role', 'region');
    c.setAttribute('aria-label', 'We value your privacy');
    c.style.cssText = 'position:fixed;bottom:24px;left:24px;width:440px;max-width:92vw;background:#fff;box-shadow:0 0 12px #999;padding:16px;z-index:999999';
    c.innerHTML =
      '<div class="cky-consent-bar" data-cky-tag="notice"><div class="cky-notice">' +
      '<p class="cky-title" role="heading" aria-level="1" data-cky-tag="title">We value your privacy</p>' +
      '<div class="cky-notice-group"><div class="cky-notice-des" data-cky-tag="description"><p>We use cookies to enhance your browsing ' +
      'experience, serve personalised ads or content, and analyse our traffic. By clicking "Accept All", you consent to our use of cookies.</p></div>' +
      '<div class="cky-notice-btn-wrapper" data-cky-tag="notice-buttons">' +
      '<button class="cky-btn cky-btn-customize" aria-label="Customise" data-cky-tag="settings-button">Customise</button> ' +
      '<button class="cky-btn cky-btn-reject" aria-label="Reject All" data-cky-tag="reject-button">Reject All</button> ' +
      '<button class="cky-btn cky-btn-accept" aria-label="Accept All" data-cky-tag="accept-button">Accept All</button>' +
      '</div></div></div></div>';
    document.body.appendChild(c);
    // The banner's handlers are bound once the rest of the script has initialised.
    setTimeout(function () {
      c.querySelector('[data-cky-tag=accept-button]').addEventListener('click', function () { save(all(true)); });
      c.querySelector('[data-cky-tag=reject-button]').addEventListener('click', function () { save(all(false)); });
      c.querySelector('[data-cky-tag=settings-button]').addEventListener('click', openModal);
    }, 400);
  }
  function openModal() {
    if (document.querySelector('.cky-modal')) return;
    var m = document.createElement('div');
    m.className = 'cky-modal cky-modal-open';
    m.setAttribute('role', 'dialog');
    m.style.cssText = 'position:fixed;top:10%;left:50%;transform:translateX(-50%);width:420px;background:#fff;padding:16px;box-shadow:0 0 16px #666;z-index:1000000';
    m.innerHTML = '<p class="cky-preference-title">Customise Consent Preferences</p>' +
      ['functional', 'analytics', 'performance', 'advertisement'].map(function (k) {
        return '<div class="cky-accordion" data-cky-tag="detail-category-' + k + '"><label>' + k +
          ' <input type="checkbox" id="ckySwitch' + k + '" data-cky-category="' + k + '" checked style="width:18px;height:18px"></label></div>';
      }).join('') +
      '<div class="cky-prefrence-btn-wrapper"><button class="cky-btn cky-btn-reject" data-cky-tag="detail-reject-button">Reject All</button> ' +
      '<button class="cky-btn cky-btn-preferences" data-cky-tag="detail-save-button">Save My Preferences</button> ' +
      '<button class="cky-btn cky-btn-accept" data-cky-tag="detail-accept-button">Accept All</button></div>';
    document.body.appendChild(m);
    m.querySelector('[data-cky-tag=detail-reject-button]').addEventListener('click', function () { save(all(false)); });
    m.querySelector('[data-cky-tag=detail-accept-button]').addEventListener('click', function () { save(all(true)); });
    m.querySelector('[data-cky-tag=detail-save-button]').addEventListener('click', function () {
      var choice = all(false);
      m.querySelectorAll('input[data-cky-category]').forEach(function (i) { choice[i.getAttribute('data-cky-category')] = i.checked; });
      save(choice);
    });
  }
  if (allowed()) fx.loadTracker();
  fetch('/client_data/mock/config.json').then(function (r) { return r.json(); }).then(function () {
    if (!consent) render();
  });
})();
"##;

// ---------------------------------------------------------------------------------------------
// Complianz

const COMPLIANZ_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var CATS = ['functional', 'preferences', 'statistics', 'marketing'];
  window.complianz = { prefix: 'cmplz_', version: '7.0-mock', region: 'eu', consenttype: 'optin', banner_version: '17', cookie_expiry: 365 };
  window.cmplz_has_consent = function (cat) { return cat === 'functional' || fx.getCookie('cmplz_' + cat) === 'allow'; };
  // One category at a time, as Complianz's own script exposes it.
  window.cmplz_set_consent = function (cat, value) {
    if (CATS.indexOf(cat) < 0 || (value !== 'allow' && value !== 'deny')) throw new Error('bad consent ' + cat + ' ' + value);
    var choice = {};
    CATS.forEach(function (c) { choice[c] = window.cmplz_has_consent(c); });
    choice[cat] = value === 'allow';
    save(choice);
  };
  var answered = fx.getCookie('cmplz_banner-status') === 'dismissed';
  // `accept`: everything or nothing, or one choice per category.
  function save(accept) {
    CATS.forEach(function (c) {
      var on = typeof accept === 'object' ? !!accept[c] : accept;
      fx.setCookie('cmplz_' + c, c === 'functional' || on ? 'allow' : 'deny', 365);
    });
    fx.setCookie('cmplz_policy_id', '17', 365);
    fx.setCookie('cmplz_consented_services', '', 365);
    fx.setCookie('cmplz_banner-status', 'dismissed', 365);
    var b = document.querySelector('.cmplz-cookiebanner');
    if (b) { b.classList.remove('cmplz-show'); b.classList.add('cmplz-dismissed'); b.style.display = 'none'; }
    if (window.cmplz_has_consent('statistics')) fx.loadTracker();
    document.dispatchEvent(new CustomEvent('cmplz_fire_categories', { detail: { categories: CATS.filter(window.cmplz_has_consent) } }));
  }
  function render() {
    var c = document.createElement('div');
    c.id = 'cmplz-cookiebanner-container';
    c.innerHTML =
      '<div class="cmplz-cookiebanner cmplz-show banner-1 bottom-right-view-preferences optin cmplz-bottom-right cmplz-categories-type-view-preferences" ' +
      'aria-modal="true" data-nosnippet="true" role="dialog" aria-live="polite" aria-labelledby="cmplz-header-1-optin" aria-describedby="cmplz-message-1-optin" ' +
      'style="position:fixed;right:16px;bottom:16px;width:520px;max-width:94vw;background:#fff;box-shadow:0 0 12px #888;padding:16px;z-index:99999">' +
      '<div class="cmplz-header"><div class="cmplz-title" id="cmplz-header-1-optin">Manage Cookie Consent</div></div>' +
      '<div class="cmplz-divider cmplz-divider-header"></div>' +
      '<div class="cmplz-body"><div class="cmplz-message" id="cmplz-message-1-optin">To provide the best experiences, we use technologies ' +
      'like cookies to store and/or access device information. Consenting to these technologies will allow us to process data such as ' +
      'browsing behaviour. Not consenting or withdrawing consent may adversely affect certain features and functions.</div></div>' +
      '<div class="cmplz-buttons">' +
      '<button class="cmplz-btn cmplz-accept">Accept</button> ' +
      '<button class="cmplz-btn cmplz-deny">Deny</button> ' +
      '<button class="cmplz-btn cmplz-view-preferences">View preferences</button></div></div>';
    document.body.appendChild(c);
    c.querySelector('.cmplz-accept').addEventListener('click', function () { save(true); });
    c.querySelector('.cmplz-deny').addEventListener('click', function () { save(false); });
    c.querySelector('.cmplz-view-preferences').addEventListener('click', function () {
      c.querySelector('.cmplz-message').textContent = 'Functional: always active. Preferences, statistics and marketing: off until you accept.';
    });
  }
  if (window.cmplz_has_consent('statistics')) fx.loadTracker();
  if (!answered) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// Borlabs Cookie v2

const BORLABS_JS: &str = r##"
(function () {
  var fx = window.__fx;
  window.borlabsCookieConfig = { ajaxURL: '/wp-admin/admin-ajax.php', language: 'en', animation: '1', cookieName: 'borlabs-cookie',
    cookieVersion: '1', cookieLifetime: '60', cookieLifetimeEssentialOnly: '60', showCookieBox: '1', cookieDomain: '', cookiePath: '/' };
  function read() {
    var raw = fx.getCookie('borlabs-cookie');
    if (!raw) return null;
    try { return JSON.parse(decodeURIComponent(raw)); } catch (e) { return null; }
  }
  var cookie = read();
  function hasGroup(g) { return !!(cookie && cookie.consents && cookie.consents[g]); }
  window.BorlabsCookie = {
    checkCookieGroupConsent: hasGroup,
    checkCookieConsent: function (id) {
      if (!cookie) return false;
      return Object.keys(cookie.consents).some(function (g) { return cookie.consents[g].indexOf(id) >= 0; });
    },
    openCookiePreference: function () { render(); }
  };
  function save(groups) {
    var consents = { essential: ['borlabs-cookie'] };
    if (groups.statistics) consents.statistics = ['stats-tracker'];
    if (groups.marketing) consents.marketing = ['ad-pixel'];
    var expires = new Date(Date.now() + 60 * 86400000).toUTCString();
    cookie = { consents: consents, domainPath: location.hostname + '/', expires: expires, uid: fx.uuid().slice(0, 23), version: '1' };
    fx.setCookie('borlabs-cookie', encodeURIComponent(JSON.stringify(cookie)), 60);
    // Like Borlabs' "reload after consent" setting: the new document applies the choice.
    location.reload();
  }
  function render() {
    var wrap = document.createElement('div');
    wrap.setAttribute('data-nosnippet', '');
    wrap.innerHTML =
      '<div id="BorlabsCookieBox" class="BorlabsCookie" role="dialog" aria-labelledby="CookieBoxTextHeadline" aria-describedby="CookieBoxTextDescription" aria-modal="true" ' +
      'style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #999;z-index:999999">' +
      '<div class="bottom-center" style="display:block"><div class="_brlbs-bar-wrap"><div class="_brlbs-bar _brlbs-bg-light">' +
      '<div class="cookie-box"><div class="container" style="padding:16px"><div class="row align-items-center">' +
      '<div class="col-12 col-sm-9"><span role="heading" aria-level="3" class="_brlbs-h3" id="CookieBoxTextHeadline">Privacy Preference</span>' +
      '<p id="CookieBoxTextDescription">We need your consent before you can continue on our website. We use cookies and other technologies ' +
      'on our website. Some of them are essential, while others help us to improve this website and your experience.</p></div>' +
      '<div class="col-12 col-sm-3">' +
      '<p class="_brlbs-accept"><a href="#" tabindex="0" role="button" class="_brlbs-btn _brlbs-btn-accept-all _brlbs-cursor" data-cookie-accept-all>Accept all</a></p>' +
      '<p class="_brlbs-refuse-btn"><a href="#" tabindex="0" role="button" class="_brlbs-btn _brlbs-cursor" data-cookie-refuse>Only accept essential cookies</a></p>' +
      '<p class="_brlbs-manage-btn"><a href="#" tabindex="0" role="button" class="_brlbs-cursor _brlbs-btn" data-cookie-individual>Individual Privacy Preferences</a></p>' +
      '</div></div>' +
      '<div class="_brlbs-preferences" hidden>' +
      '<label><input type="checkbox" data-borlabs-cookie-checkbox value="statistics" checked style="width:18px;height:18px"> Statistics</label> ' +
      '<label><input type="checkbox" data-borlabs-cookie-checkbox value="marketing" checked style="width:18px;height:18px"> Marketing</label> ' +
      '<a href="#" tabindex="0" role="button" id="CookiePrefSave" class="_brlbs-btn _brlbs-cursor">Save</a></div>' +
      '</div></div></div></div></div></div>';
    document.body.appendChild(wrap);
    var box = document.getElementById('BorlabsCookieBox');
    function on(sel, f) { box.querySelector(sel).addEventListener('click', function (e) { e.preventDefault(); f(); }); }
    on('a[data-cookie-accept-all]', function () { save({ statistics: true, marketing: true }); });
    on('a[data-cookie-refuse]', function () { save({}); });
    on('a[data-cookie-individual]', function () { box.querySelector('._brlbs-preferences').hidden = false; });
    on('#CookiePrefSave', function () {
      var g = {};
      box.querySelectorAll('input[data-borlabs-cookie-checkbox]').forEach(function (i) { g[i.value] = i.checked; });
      save(g);
    });
  }
  if (hasGroup('statistics')) fx.loadTracker();
  if (!cookie) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// iubenda

const IUBENDA_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var NAME = '_iub_cs-123';
  var _iub = window._iub = window._iub || [];
  _iub.csConfiguration = { siteId: 4567, cookiePolicyId: 123, lang: 'en', perPurposeConsent: true, banner: { acceptButtonDisplay: true, rejectButtonDisplay: true, customizeButtonDisplay: true, position: 'float-bottom-center' } };
  function read() {
    var raw = fx.getCookie(NAME);
    if (!raw) return null;
    try { return JSON.parse(decodeURIComponent(raw)); } catch (e) { return null; }
  }
  var pref = read();
  function allowed() { return !!(pref && pref.purposes && pref.purposes['4']); }
  function save(accept) {
    pref = { timestamp: new Date().toISOString(), version: '1.60.0', purposes: { 1: true, 2: accept, 3: accept, 4: accept, 5: accept }, id: 123, cons: { rand: Math.random().toString(16).slice(2, 8) } };
    fx.setCookie(NAME, encodeURIComponent(JSON.stringify(pref)), 365);
    var b = document.getElementById('iubenda-cs-banner');
    if (b) b.parentNode.removeChild(b);
    document.documentElement.classList.remove('iubenda-cs-visible');
    if (allowed()) fx.loadTracker();
  }
  _iub.cs = {
    api: {
      isConsentGiven: function () { return allowed(); },
      isPreferenceExpressed: function () { return !!pref; },
      getPreferences: function () { return pref; },
      acceptAll: function () { save(true); },
      rejectAll: function () { save(false); },
      openPreferences: function () { render(); }
    }
  };
  function render() {
    if (document.getElementById('iubenda-cs-banner')) return;
    var b = document.createElement('div');
    b.id = 'iubenda-cs-banner';
    b.className = 'iubenda-cs-default-floating iubenda-cs-bottom iubenda-cs-center iubenda-cs-visible';
    b.setAttribute('role', 'alertdialog');
    b.setAttribute('aria-labelledby', 'iubenda-cs-title');
    b.setAttribute('aria-describedby', 'iubenda-cs-paragraph');
    b.style.cssText = 'position:fixed;bottom:16px;left:50%;transform:translateX(-50%);width:min(680px,94vw);background:#fff;box-shadow:0 0 12px #888;z-index:99999998';
    b.innerHTML =
      '<div class="iubenda-cs-container"><div class="iubenda-cs-content" style="padding:16px"><div class="iubenda-cs-rationale">' +
      '<div class="iubenda-banner-content" role="document"><div id="iubenda-cs-title">Notice</div>' +
      '<div id="iubenda-cs-paragraph"><p class="iub-p">We and selected third parties use cookies or similar technologies for technical ' +
      'purposes and, with your consent, for experience, measurement and marketing (personalized ads) as specified in the cookie policy.</p></div></div>' +
      '<div class="iubenda-cs-opt-group" role="group"><div class="iubenda-cs-opt-group-custom">' +
      '<button class="iubenda-cs-customize-btn" tabindex="0" role="button" aria-pressed="false">Learn more and customize</button></div> ' +
      '<div class="iubenda-cs-opt-group-consent">' +
      '<button class="iubenda-cs-reject-btn iubenda-cs-btn-primary" tabindex="0" role="button" aria-pressed="false">Reject</button> ' +
      '<button class="iubenda-cs-accept-btn iubenda-cs-btn-primary" tabindex="0" role="button" aria-pressed="false">Accept</button>' +
      '</div></div></div></div></div>';
    document.body.appendChild(b);
    document.documentElement.classList.add('iubenda-cs-visible');
    b.querySelector('.iubenda-cs-accept-btn').addEventListener('click', function () { save(true); });
    b.querySelector('.iubenda-cs-reject-btn').addEventListener('click', function () { save(false); });
    b.querySelector('.iubenda-cs-customize-btn').addEventListener('click', function () {
      b.querySelector('#iubenda-cs-paragraph').textContent = 'Purposes: strictly necessary, basic interactions, experience enhancement, measurement, targeting and advertising.';
    });
  }
  if (allowed()) fx.loadTracker();
  if (!pref) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// TrustArc

const TRUSTARC_JS: &str = r##"
(function () {
  var fx = window.__fx;
  function permits() {
    var v = fx.getCookie('cmapi_cookie_privacy');
    var m = v && /^permit ([\d,]+)$/.exec(decodeURIComponent(v));
    return m ? m[1].split(',') : null;
  }
  var levels = permits();
  function allowed() { return !!(levels && levels.indexOf('2') >= 0); }
  window.truste = window.truste || {};
  window.truste.eu = { bindMap: { prefCookie: levels ? levels.map(function (l) { return l - 1; }).join(',') : null, domain: location.hostname, behavior: 'expressed' } };
  window.truste.util = { readCookie: fx.getCookie };
  window.PrivacyManagerAPI = {
    callApi: function (action, domain) {
      if (action !== 'getConsent') return null;
      return { consent: allowed() ? 'approved' : 'denied', source: levels ? 'asserted' : 'implied' };
    }
  };
  function save(accept) {
    levels = accept ? ['1', '2', '3'] : ['1'];
    fx.setCookie('notice_preferences', (accept ? '2' : '0') + ':', 365);
    fx.setCookie('notice_gdpr_prefs', (accept ? '0,1,2' : '0') + ':', 365);
    fx.setCookie('cmapi_cookie_privacy', 'permit ' + levels.join(','), 365);
    if (!fx.getCookie('TAconsentID')) fx.setCookie('TAconsentID', fx.uuid(), 365);
    window.truste.eu.bindMap.prefCookie = accept ? '0,1,2' : '0';
    var bar = document.getElementById('consent_blackbar');
    if (bar) bar.parentNode.removeChild(bar);
    if (allowed()) fx.loadTracker();
  }
  function render() {
    var wrap = document.createElement('div');
    wrap.id = 'consent_blackbar';
    wrap.innerHTML =
      '<div id="truste-consent-track" class="truste-consent-track-class" style="position:fixed;bottom:0;left:0;right:0;background:#f4f4f4;border-top:1px solid #777;padding:16px;z-index:2147483647">' +
      '<div id="truste-consent-content" class="truste-consent-content"><div id="truste-consent-text">This site uses cookies and related ' +
      'technologies, as described in our privacy statement, for purposes that may include site operation, analytics, enhanced user experience, ' +
      'or advertising. You may choose to consent to our use of these technologies, or manage your own preferences.</div>' +
      '<div id="truste-consent-buttons" class="truste-consent-buttons">' +
      '<button id="truste-consent-button" class="truste-button1" type="button">Accept All Cookies</button> ' +
      '<button id="truste-consent-required" class="truste-button2" type="button">Required Cookies Only</button> ' +
      '<button id="truste-show-consent" class="truste-button3" type="button">Cookie Preferences</button>' +
      '</div></div></div>';
    document.body.appendChild(wrap);
    document.getElementById('truste-consent-button').addEventListener('click', function () { save(true); });
    document.getElementById('truste-consent-required').addEventListener('click', function () { save(false); });
    document.getElementById('truste-show-consent').addEventListener('click', function () {
      document.getElementById('truste-consent-text').textContent = 'Categories: required cookies (always on), functional cookies, advertising cookies.';
    });
  }
  if (allowed()) fx.loadTracker();
  if (!levels) render();
})();
"##;

// ---------------------------------------------------------------------------------------------
// Banners no rule knows

const HEURISTIC_FR_HTML: &str = r##"<div class="bandeau-vie-privee" role="dialog" aria-modal="false" aria-labelledby="bandeau-titre" hidden
  style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:3px solid #000091;padding:16px;z-index:10000">
  <h2 id="bandeau-titre">Vos choix concernant les cookies</h2>
  <p>Nous utilisons des cookies et d'autres traceurs pour mesurer l'audience de ce site et vous proposer des contenus
  personnalisés. Vous pouvez accepter ou refuser ces traceurs, ou personnaliser vos choix à tout moment.</p>
  <div class="bandeau-actions">
    <button type="button" class="bouton bouton-secondaire" data-action="refuser">Tout refuser</button>
    <button type="button" class="bouton bouton-secondaire" data-action="personnaliser">Personnaliser</button>
    <button type="button" class="bouton bouton-principal" data-action="accepter">Tout accepter</button>
  </div>
  <div class="bandeau-details" hidden>
    <label><input type="checkbox" name="mesure"> Mesure d'audience</label>
    <label><input type="checkbox" name="publicite"> Publicité personnalisée</label>
    <button type="button" class="bouton" data-action="enregistrer">Enregistrer mes choix</button>
  </div>
</div>"##;

const HEURISTIC_FR_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var choix = fx.getCookie('choix_cookies');
  var bandeau = document.querySelector('.bandeau-vie-privee');
  function enregistrer(accord) {
    fx.setCookie('choix_cookies', accord ? 'accord' : 'refus', 180);
    bandeau.hidden = true;
    if (accord) fx.loadTracker();
  }
  bandeau.querySelector('[data-action=accepter]').addEventListener('click', function () { enregistrer(true); });
  bandeau.querySelector('[data-action=refuser]').addEventListener('click', function () { enregistrer(false); });
  bandeau.querySelector('[data-action=personnaliser]').addEventListener('click', function () {
    bandeau.querySelector('.bandeau-details').hidden = false;
  });
  bandeau.querySelector('[data-action=enregistrer]').addEventListener('click', function () {
    enregistrer(bandeau.querySelector('input[name=mesure]').checked);
  });
  if (choix === 'accord') fx.loadTracker();
  if (!choix) bandeau.hidden = false;
})();
"##;

const HEURISTIC_DE_HTML: &str = r##"<div class="privacy-layer" hidden style="position:fixed;bottom:0;left:0;right:0;background:#fafafa;border-top:1px solid #333;padding:16px;z-index:10000">
  <p><strong>Datenschutz-Einstellungen</strong></p>
  <p>Wir verwenden Cookies und ähnliche Technologien, um die Nutzung unserer Website zu analysieren und Ihnen
  personalisierte Inhalte anzuzeigen. Ihre Einwilligung können Sie jederzeit widerrufen.</p>
  <div class="privacy-layer-actions">
    <a href="#" role="button" class="privacy-layer-link" data-wahl="ablehnen">Alle ablehnen</a>
    <button type="button" class="privacy-layer-button" data-wahl="einstellungen">Einstellungen</button>
    <button type="button" class="privacy-layer-button privacy-layer-primary" data-wahl="akzeptieren">Alle akzeptieren</button>
  </div>
  <div class="privacy-layer-details" hidden>
    <label><input type="checkbox" name="statistik"> Statistik</label>
    <label><input type="checkbox" name="marketing"> Marketing</label>
    <button type="button" class="privacy-layer-button" data-wahl="speichern">Auswahl speichern</button>
  </div>
</div>"##;

const HEURISTIC_DE_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var wahl = fx.getCookie('einwilligung');
  var layer = document.querySelector('.privacy-layer');
  function speichern(ja) {
    fx.setCookie('einwilligung', ja ? 'erteilt' : 'abgelehnt', 365);
    layer.hidden = true;
    if (ja) fx.loadTracker();
  }
  function on(w, f) { layer.querySelector('[data-wahl=' + w + ']').addEventListener('click', function (e) { e.preventDefault(); f(); }); }
  on('akzeptieren', function () { speichern(true); });
  on('ablehnen', function () { speichern(false); });
  on('einstellungen', function () { layer.querySelector('.privacy-layer-details').hidden = false; });
  on('speichern', function () { speichern(layer.querySelector('input[name=statistik]').checked); });
  if (wahl === 'erteilt') fx.loadTracker();
  if (!wahl) layer.hidden = false;
})();
"##;

const POLICY_PAGE_HTML: &str = r##"<div class="lista-cookies" hidden style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #d40;padding:16px;z-index:10000">
  <p>Tento web používá cookies k měření návštěvnosti. Souhlas můžete odmítnout na stránce
  <a href="/zasady-cookies">Zásady cookies</a>.</p>
  <button type="button" class="lista-ok">Přijmout vše</button>
</div>"##;

const POLICY_PAGE_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var souhlas = fx.getCookie('souhlas');
  var lista = document.querySelector('.lista-cookies');
  lista.querySelector('.lista-ok').addEventListener('click', function () {
    fx.setCookie('souhlas', 'ano', 365);
    lista.hidden = true;
    fx.loadTracker();
  });
  if (souhlas === 'ano') fx.loadTracker();
  if (!souhlas) lista.hidden = false;
})();
"##;

const ACCEPT_ONLY_HTML: &str = r##"<div class="site-notice" hidden style="position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:14px 16px;z-index:10000">
  We use cookies to give you the best experience on our website. By continuing to browse, you agree to our use of cookies.
  <a href="/about" style="color:#9cf">Learn more</a>
  <button type="button" class="site-notice-ok">Got it</button>
</div>"##;

const ACCEPT_ONLY_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var notice = document.querySelector('.site-notice');
  var seen = fx.getCookie('cookie_notice') === 'accepted';
  notice.querySelector('.site-notice-ok').addEventListener('click', function () {
    fx.setCookie('cookie_notice', 'accepted', 365);
    notice.hidden = true;
    fx.loadTracker();
  });
  if (seen) fx.loadTracker(); else notice.hidden = false;
})();
"##;

const COOKIE_WALL_HTML: &str = r##"<div class="zugang" hidden style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:10000">
  <div class="zugang-box" role="dialog" aria-modal="true" aria-labelledby="zugang-titel"
    style="position:absolute;top:50%;left:50%;transform:translate(-50%,-50%);width:min(620px,94vw);background:#fff;padding:20px">
    <h2 id="zugang-titel">Cookies akzeptieren oder abonnieren · Accept cookies or subscribe</h2>
    <p>Lesen Sie Tagesblatt Online kostenlos mit Werbung: Wir und unsere Partner verwenden Cookies und ähnliche
    Technologien für Werbung und Reichweitenmessung. Oder lesen Sie ohne Werbetracking mit einem Abo.
    <br>Read for free with advertising and tracking cookies, or subscribe to read without tracking.</p>
    <div class="zugang-optionen" style="display:flex;gap:16px">
      <div class="zugang-option"><p><strong>Mit Werbung lesen</strong></p>
        <button type="button" class="zugang-annehmen">Akzeptieren</button></div>
      <div class="zugang-option"><p><strong>Werbefrei lesen</strong></p>
        <button type="button" class="zugang-abo">Jetzt abonnieren – Subscribe for €2.99/Monat</button></div>
    </div>
    <p>Bereits Abonnent? <a href="#login" class="zugang-login">Log in</a></p>
  </div>
</div>"##;

const COOKIE_WALL_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var wall = document.querySelector('.zugang');
  var choice = fx.getCookie('wall_choice');
  wall.querySelector('.zugang-annehmen').addEventListener('click', function () {
    fx.setCookie('wall_choice', 'accepted', 365);
    wall.hidden = true;
    fx.loadTracker();
  });
  // Clicking subscribe would start a checkout: it must never be clicked. Leave evidence if it is.
  wall.querySelector('.zugang-abo').addEventListener('click', function () {
    fx.setCookie('wall_choice', 'subscribe_started', 1);
  });
  if (choice === 'accepted') fx.loadTracker(); else wall.hidden = false;
})();
"##;

// Refusal only in a settings layer: pre-ticked categories drawn by labels over hidden
// checkboxes, and one button whose label reads "Accetta tutto" while every box is ticked and
// "Salva le mie scelte" once one is not.
const HEURISTIC_SECOND_LAYER_HTML: &str = r##"<div class="avviso" hidden style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #080;padding:16px;z-index:10000">
  <p>Utilizziamo i cookie per misurare il traffico e personalizzare gli annunci. La tua privacy è importante per noi.</p>
  <button type="button" class="avviso-tutto">Accetta tutto</button>
  <button type="button" class="avviso-scegli">Personalizza</button>
</div>
<div class="pannello" hidden role="dialog" aria-modal="true" style="position:fixed;top:10%;left:50%;transform:translateX(-50%);width:460px;background:#fff;border:1px solid #999;padding:16px;z-index:10001">
  <h2>Preferenze sulla privacy</h2>
  <p>Scegli quali cookie consentire su questo sito.</p>
  <div><span>Necessari</span> <input type="checkbox" checked disabled></div>
  <div><span>Statistiche</span> <input type="checkbox" id="cat-statistiche" data-cat="statistiche" checked style="position:absolute;opacity:0;width:1px;height:1px;margin:0"><label for="cat-statistiche" style="display:inline-block;width:36px;height:18px;border-radius:9px;background:#080"></label></div>
  <div><span>Marketing</span> <input type="checkbox" id="cat-marketing" data-cat="marketing" checked style="position:absolute;opacity:0;width:1px;height:1px;margin:0"><label for="cat-marketing" style="display:inline-block;width:36px;height:18px;border-radius:9px;background:#080"></label></div>
  <div><span>Preferenze</span> <input type="checkbox" id="cat-preferenze" data-cat="preferenze" checked style="position:absolute;opacity:0;width:1px;height:1px;margin:0"><label for="cat-preferenze" style="display:inline-block;width:36px;height:18px;border-radius:9px;background:#080"></label></div>
  <button type="button" class="pannello-salva">Accetta tutto</button>
</div>"##;

const HEURISTIC_SECOND_LAYER_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var CATS = ['statistiche', 'marketing', 'preferenze'];
  var avviso = document.querySelector('.avviso');
  var pannello = document.querySelector('.pannello');
  var salva = pannello.querySelector('.pannello-salva');
  var boxes = pannello.querySelectorAll('input[data-cat]');
  function salvaScelte(scelte) {
    fx.setCookie('scelte', CATS.map(function (c) { return c + ':' + (scelte[c] ? 1 : 0); }).join(','), 365);
    avviso.hidden = true;
    pannello.hidden = true;
    if (scelte.statistiche) fx.loadTracker();
  }
  function etichetta() {
    var tutte = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    salva.textContent = tutte ? 'Accetta tutto' : 'Salva le mie scelte';
  }
  boxes.forEach(function (b) { b.addEventListener('change', etichetta); });
  avviso.querySelector('.avviso-tutto').addEventListener('click', function () {
    salvaScelte({ statistiche: true, marketing: true, preferenze: true });
  });
  avviso.querySelector('.avviso-scegli').addEventListener('click', function () {
    avviso.hidden = true;
    pannello.hidden = false;
  });
  salva.addEventListener('click', function () {
    var scelte = {};
    boxes.forEach(function (b) { scelte[b.getAttribute('data-cat')] = b.checked; });
    salvaScelte(scelte);
  });
  var fatto = fx.getCookie('scelte');
  if (fatto && /statistiche:1/.test(fatto)) fx.loadTracker();
  if (!fatto) avviso.hidden = false;
})();
"##;

// A banner that slides in over 400 ms and wires its buttons a second after it shows: clicks
// during the animation, or before the wiring, do nothing.
const LATE_BUTTONS_HTML: &str = r##"<div class="late-bar" hidden style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #06c;padding:16px;z-index:10000;transform:translateY(100%);transition:transform 400ms ease-out">
  <p>We use cookies for audience measurement. You can accept or reject them.</p>
  <button type="button" class="late-no">Reject all</button>
  <button type="button" class="late-yes">Accept all</button>
</div>"##;

const LATE_BUTTONS_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var bar = document.querySelector('.late-bar');
  function choose(yes) {
    fx.setCookie('late_choice', yes ? 'accepted' : 'rejected', 365);
    bar.hidden = true;
    if (yes) fx.loadTracker();
  }
  var choice = fx.getCookie('late_choice');
  if (choice === 'accepted') fx.loadTracker();
  if (choice) return;
  setTimeout(function () {
    bar.hidden = false;
    requestAnimationFrame(function () { requestAnimationFrame(function () { bar.style.transform = 'translateY(0)'; }); });
    setTimeout(function () {
      bar.querySelector('.late-yes').addEventListener('click', function () { choose(true); });
      bar.querySelector('.late-no').addEventListener('click', function () { choose(false); });
    }, 1000);
  }, 300);
})();
"##;

// A banner two shadow roots deep whose button labels are slotted in from the page, forwarded
// through the outer shadow root's own slots: `innerText` of the buttons is empty.
const NESTED_SHADOW_HTML: &str = r##"<consent-shell hidden>
  <span slot="no">Reject all</span>
  <span slot="yes">Accept all</span>
</consent-shell>"##;

const NESTED_SHADOW_JS: &str = r##"
(function () {
  var fx = window.__fx;
  customElements.define('consent-panel', class extends HTMLElement {
    constructor() {
      super();
      var root = this.attachShadow({ mode: 'open' });
      root.innerHTML =
        '<div role="dialog" style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #333;padding:16px;z-index:10000">' +
        '<p>We use cookies to measure our audience. Your privacy matters to us.</p>' +
        '<button type="button" class="no"><slot name="no"></slot></button> ' +
        '<button type="button" class="yes"><slot name="yes"></slot></button></div>';
      var panel = this;
      root.querySelector('.no').addEventListener('click', function () { panel.dispatchEvent(new CustomEvent('choice', { bubbles: true, composed: true, detail: false })); });
      root.querySelector('.yes').addEventListener('click', function () { panel.dispatchEvent(new CustomEvent('choice', { bubbles: true, composed: true, detail: true })); });
    }
  });
  customElements.define('consent-shell', class extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: 'open' }).innerHTML =
        '<consent-panel><slot name="no" slot="no"></slot><slot name="yes" slot="yes"></slot></consent-panel>';
    }
  });
  var shell = document.querySelector('consent-shell');
  var choice = fx.getCookie('shadow_choice');
  shell.addEventListener('choice', function (event) {
    fx.setCookie('shadow_choice', event.detail ? 'yes' : 'no', 365);
    shell.hidden = true;
    if (event.detail) fx.loadTracker();
  });
  if (choice === 'yes') fx.loadTracker();
  if (!choice) shell.hidden = false;
})();
"##;

// Labels that end in non-ASCII letters: ASCII word boundaries never match them.
const HEURISTIC_PL_HTML: &str = r##"<div class="zgody" hidden style="position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:2px solid #c00;padding:16px;z-index:10000">
  <p>Używamy plików cookie, aby analizować ruch i dopasować treści. Twoja prywatność jest dla nas ważna.</p>
  <button type="button" data-wybor="nie">Odrzuć wszystkie</button>
  <button type="button" data-wybor="tak">Zgadzam się</button>
</div>"##;

const HEURISTIC_PL_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var wybor = fx.getCookie('zgoda');
  var layer = document.querySelector('.zgody');
  function zapisz(tak) {
    fx.setCookie('zgoda', tak ? 'tak' : 'nie', 365);
    layer.hidden = true;
    if (tak) fx.loadTracker();
  }
  layer.querySelector('[data-wybor=tak]').addEventListener('click', function () { zapisz(true); });
  layer.querySelector('[data-wybor=nie]').addEventListener('click', function () { zapisz(false); });
  if (wybor === 'tak') fx.loadTracker();
  if (!wybor) layer.hidden = false;
})();
"##;

// The refusal contains the accept word: it must still read as a refusal.
const HEURISTIC_NEGATED_HTML: &str = r##"<div class="choice-bar" hidden style="position:fixed;top:0;left:0;right:0;background:#eef;padding:14px;z-index:10000">
  <p>We and our partners use cookies to measure our audience. Do you consent?</p>
  <button type="button" class="choice-no">I do not agree</button>
  <button type="button" class="choice-yes">I agree</button>
</div>"##;

const HEURISTIC_NEGATED_JS: &str = r##"
(function () {
  var fx = window.__fx;
  var choice = fx.getCookie('reader_choice');
  var bar = document.querySelector('.choice-bar');
  function decide(yes) {
    fx.setCookie('reader_choice', yes ? 'agreed' : 'declined', 365);
    bar.hidden = true;
    if (yes) fx.loadTracker();
  }
  bar.querySelector('.choice-yes').addEventListener('click', function () { decide(true); });
  bar.querySelector('.choice-no').addEventListener('click', function () { decide(false); });
  if (choice === 'agreed') fx.loadTracker();
  if (!choice) bar.hidden = false;
})();
"##;
