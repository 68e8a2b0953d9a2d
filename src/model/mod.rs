//! The scan JSON: cookiescan's canonical artefact. Every other output is a rendering of it and
//! `diff` reads it, so its shape is versioned (`schema_version`) and documented in
//! `docs/scan-schema.md`. Rows are sorted and maps are `BTreeMap`s so that two scans of an
//! unchanged site serialise identically, apart from the `timing` section, which holds every
//! volatile value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[doc(hidden)]
pub mod sample;
mod store;
mod vocabulary;

pub use store::{
    StoreError, artifacts_dir, cache_dir, ensure_writable, host_file_name, journal_path, load_scan,
    new_scan_path, save_scan, site_dir, write_atomically,
};
pub use vocabulary::{Category, Choice, Source, Via, VisitStep};

/// Bumped on any incompatible change to the scan JSON.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scan {
    pub schema_version: u32,
    /// False when the scan was interrupted (Ctrl-C) or stopped early: the rows cover only the
    /// pages visited so far.
    pub complete: bool,
    /// How the scan ended; absent in scans written before it was recorded (see
    /// [`Scan::outcome`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ScanOutcome>,
    pub tool: Tool,
    pub site: Site,
    pub settings: RecordedSettings,
    pub browser: BrowserInfo,
    pub modes: Vec<ModeRun>,
    pub cookies: Vec<CookieRecord>,
    pub blocked_cookies: Vec<BlockedCookieRecord>,
    pub storage: Vec<StorageRecord>,
    pub skipped_urls: Vec<SkippedUrl>,
    /// Link parameters left out of page URLs because they are session ids or change on every
    /// render, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_parameters: Vec<IgnoredParameter>,
    /// Per-category passes: each of the site's consent categories granted alone, in its own
    /// browser context, on the pages where consent-gated cookies appeared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_passes: Vec<CategoryPass>,
    pub timing: Timing,
}

/// One of the site's consent categories granted alone, and the cookies that came with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryPass {
    /// Rule id of the consent platform.
    pub platform: String,
    /// The platform's own id of the category (`C0002`, `analytics`).
    pub category_id: String,
    /// The site's own label for it, as its banner shows it.
    pub label: String,
    /// Our category for it, from the rule's map or the label's words.
    pub category: Category,
    /// Verified when the platform's own consent state granted this category and no other,
    /// after the grant and again after the last page.
    pub outcome: ConsentOutcome,
    /// What was called to grant it, or why it could not be.
    pub granted_by: String,
    /// The proof (or why there is none).
    pub verification: Option<String>,
    /// Pages visited under this consent, in order.
    pub pages: Vec<String>,
    /// Every cookie in the context's jar after the last page, sorted.
    pub cookies: Vec<CookieKey>,
}

/// The jar identity of a cookie as Chromium reports it: a domain cookie's domain has a
/// leading dot, a host-only cookie's domain is the bare host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CookieKey {
    pub name: String,
    pub domain: String,
    pub path: String,
}

/// What the scan's own evidence suggests a cookie is, when no database or site note knows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Inference {
    /// `unclassified` when the evidence only says what the cookie is not (not necessary).
    pub category: Category,
    /// Why, in words a reviewer checks: "only after accepting “Marketing” (per-category
    /// pass)", "only after accept all", "name pattern *session*".
    pub evidence: String,
    /// Which kind of evidence: `category-pass`, `gating`, `consent-choice` (set by answering
    /// the banner either way) or `name-rule`.
    pub rule: String,
    /// The site's own label of the category its banner put the cookie in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_label: Option<String>,
}

/// A URL parameter the crawl ignored in links.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct IgnoredParameter {
    pub name: String,
    /// `session id` (a name known to carry one) or `volatile` (its value changed between two
    /// renders of the same page).
    pub reason: String,
    /// One link it was removed from, as found.
    pub example: String,
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    /// The crawl ran to its end and reached the site.
    Ok,
    /// Interrupted (Ctrl-C): the rows cover the pages visited so far.
    Partial,
    /// No page of the site loaded (DNS down, host unreachable, every page failing): an outage,
    /// never a baseline to compare a later scan with.
    Unreachable,
}

impl ScanOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Ok => "ok",
            ScanOutcome::Partial => "partial",
            ScanOutcome::Unreachable => "unreachable",
        }
    }
}

impl Scan {
    /// Whether any page of any pass loaded.
    pub fn loaded_a_page(&self) -> bool {
        self.modes
            .iter()
            .flat_map(|run| &run.pages)
            .any(|page| page.outcome == PageOutcome::Ok)
    }

    /// How the scan ended, as recorded, or as its rows tell for scans written before the
    /// outcome was recorded.
    pub fn outcome(&self) -> ScanOutcome {
        self.outcome.unwrap_or(if !self.complete {
            ScanOutcome::Partial
        } else if self.loaded_a_page() {
            ScanOutcome::Ok
        } else {
            ScanOutcome::Unreachable
        })
    }

    /// Whether a later scan may be compared with this one: it ran to its end and reached the
    /// site. An interrupted scan or an outage would show every cookie as a change.
    pub fn is_baseline(&self) -> bool {
        self.complete && self.outcome() == ScanOutcome::Ok
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Site {
    pub start_url: String,
    pub host: String,
    /// eTLD+1 of the start host: cookies of this registrable domain are first-party.
    pub registrable_domain: String,
}

/// The settings the scan ran with, so that a scan can be reproduced and two scans compared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedSettings {
    pub scope: String,
    pub path_prefix: Option<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub obey_robots: bool,
    pub max_pages: usize,
    pub max_depth: Option<u32>,
    pub max_query_variants: usize,
    pub concurrency: usize,
    pub page_timeout_ms: u64,
    pub settle_quiet_ms: u64,
    pub settle_max_ms: u64,
    /// Elements clicked per page, at most, to find script navigation.
    #[serde(default)]
    pub interact_budget: usize,
    /// Pages were only loaded and settled: nothing a visitor does after the load was done.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plain_visits: bool,
    pub keep_values: bool,
    pub insecure: bool,
    pub use_sitemaps: bool,
    /// Start pages besides `site.start_url`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_start_urls: Vec<String>,
    /// What answered banners: `cookiescan`, `autoconsent 16.23.0`, or both in that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_engines: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BrowserInfo {
    /// `Browser.getVersion` product, e.g. `HeadlessChrome/156.0.0.0`.
    pub product: String,
    pub user_agent: String,
    pub protocol_version: String,
    /// `launched` or `connected` (an already running browser via `--browser-ws`).
    pub how: String,
    /// Flags cookiescan added on top of chromiumoxide's defaults (user `--chrome-arg`s included).
    pub flags: Vec<String>,
    /// False only when connected to a browser whose third-party cookie setting is unknown.
    pub third_party_cookies_allowed: Option<bool>,
}

/// The consent state a pass runs in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    BeforeConsent,
    Accept,
    Reject,
}

impl Mode {
    /// Every mode, in the order a scan runs them by default.
    pub const ALL: [Mode; 3] = [Mode::BeforeConsent, Mode::Accept, Mode::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::BeforeConsent => "before-consent",
            Mode::Accept => "accept",
            Mode::Reject => "reject",
        }
    }
}

/// One pass over the site in one consent state, in its own browser context.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModeRun {
    pub mode: Mode,
    pub pages: Vec<PageRecord>,
    /// How often the browser died during this pass and was relaunched.
    pub browser_restarts: u32,
    /// Every banner answered (or found unanswerable) during the pass, in page order.
    pub consent: Vec<ConsentRecord>,
}

/// What came of answering a banner.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ConsentOutcome {
    /// The choice was made and proven (consent cookie or storage, the platform's API, or the
    /// banner gone).
    Verified,
    /// Something was clicked but no proof of the choice appeared.
    Unverified,
    /// No banner was found on the first page of the pass.
    NoBanner,
    /// Asked to refuse, the banner offers only acceptance; nothing was clicked.
    NoRejectOption,
    /// Refusing means paying, subscribing or logging in; nothing was clicked.
    CookieWall,
    /// The banner could not be operated.
    Failed,
}

impl ConsentOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentOutcome::Verified => "verified",
            ConsentOutcome::Unverified => "unverified",
            ConsentOutcome::NoBanner => "no banner",
            ConsentOutcome::NoRejectOption => "no reject option",
            ConsentOutcome::CookieWall => "cookie wall",
            ConsentOutcome::Failed => "failed",
        }
    }
}

/// One banner handled on one page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConsentRecord {
    pub page: String,
    pub action: Choice,
    /// Rule id of the consent platform, None when the heuristic found the banner.
    pub platform: Option<String>,
    pub platform_name: Option<String>,
    /// How the platform or banner was recognised.
    pub detected_by: Vec<String>,
    /// What was clicked (element and text), or the API called, in order.
    pub clicked: Vec<String>,
    pub outcome: ConsentOutcome,
    /// The proof that the choice took effect.
    pub verification: Option<String>,
    /// Screenshot files beside the scan JSON (in its `-artifacts` directory).
    pub screenshot_before: Option<String>,
    pub screenshot_after: Option<String>,
    /// Every strategy tried, in order, including those tried in a context that was then
    /// thrown away because a step may have granted consent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<ConsentAttempt>,
    /// The engine whose strategy answered: `cookiescan`, or `autoconsent <version>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

/// One strategy tried on a banner: a rule's flow, its JavaScript API, a heuristic layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsentAttempt {
    /// What was tried, e.g. `onetrust reject flow 3` or `heuristic: settings layer`.
    pub strategy: String,
    /// What it clicked or called, in order.
    pub clicked: Vec<String>,
    /// What came of it: the proof, or why it did not count.
    pub result: String,
    /// Whether it made the pass start over in a fresh browser context.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PageOutcome {
    /// Loaded and captured.
    Ok,
    /// The visit failed (timeout, network or TLS error, crashed tab); see `error`.
    Failed,
    /// Not rendered: the response was not HTML (a PDF, an image, a download).
    Skipped,
    /// Redirected off the site; the target was not loaded.
    OffSiteRedirect,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageRecord {
    /// The URL as queued (normalised).
    pub url: String,
    /// Where the page ended up after redirects, when different.
    pub final_url: Option<String>,
    pub depth: u32,
    pub via: Via,
    pub status: Option<u16>,
    pub outcome: PageOutcome,
    pub content_type: Option<String>,
    /// Every hop of the main document's redirect chain, the first being `url`.
    pub redirects: Vec<String>,
    pub error: Option<String>,
    /// How many in-scope links the page offered to the crawler.
    pub links_found: usize,
    /// The service worker that served responses to the page (its script URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_worker: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    First,
    Third,
}

impl Party {
    /// The party as the scan JSON and every report name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::First => "first",
            Party::Third => "third",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SetBy {
    Http,
    Javascript,
    Both,
    /// Present in the jar but no write was observed (a worker, or an unparsed CDP event).
    Unknown,
}

impl SetBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SetBy::Http => "http",
            SetBy::Javascript => "javascript",
            SetBy::Both => "both",
            SetBy::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SetterKind {
    /// A `Set-Cookie` response header.
    Http,
    /// `document.cookie` or the Cookie Store API.
    Javascript,
}

/// Evidence of one source writing a cookie.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Setter {
    pub kind: SetterKind,
    /// The response URL (HTTP) or the script URL (JavaScript; the document for inline scripts).
    pub url: String,
    /// The document the script ran in, or that made the request.
    pub frame_url: Option<String>,
    /// `set-cookie`, `document.cookie`, `cookieStore.set`.
    pub api: String,
    /// HTTP only: the script or document that caused the request (CDP initiator), when known.
    pub initiator: Option<String>,
    /// The site's pages during whose visit this source wrote the cookie.
    pub pages: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CookieValue {
    pub length: usize,
    /// SHA-256 of the value, hex: tells values apart without storing secrets.
    pub sha256: String,
    /// The value itself, only with `--keep-values`.
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CookieRecord {
    pub name: String,
    /// As Chromium reports it: `.example.com` for a domain cookie, the bare host for host-only.
    pub domain: String,
    pub path: String,
    pub host_only: bool,
    pub party: Party,
    pub session: bool,
    /// Lifetime as stored, in days from when it was written (None for session cookies).
    pub lifetime_days: Option<f64>,
    /// Lifetime the site asked for (Max-Age or Expires of the first write), in days; more than
    /// `lifetime_days` when the browser capped it.
    pub requested_lifetime_days: Option<f64>,
    pub size: u64,
    pub http_only: bool,
    pub secure: bool,
    pub same_site: Option<String>,
    /// CHIPS: the top-level sites the cookie is partitioned under (empty when unpartitioned).
    pub partition_keys: Vec<String>,
    pub set_by: SetBy,
    pub setters: Vec<Setter>,
    /// The site's pages whose visit wrote (set or refreshed) the cookie, in any mode.
    pub pages: Vec<String>,
    /// The same, per consent mode.
    pub pages_by_mode: BTreeMap<Mode, Vec<String>>,
    /// The first page after whose visit the cookie was in the jar.
    pub first_seen_on: String,
    /// Consent states in which the cookie was in the jar.
    pub modes: Vec<Mode>,
    /// The value first written (hash and length; the value itself with `--keep-values`).
    pub value: CookieValue,
    /// Per consent mode, the value as last written in that mode: a consent cookie says
    /// `wait` before consent and `true`/`false` after the answer.
    pub values_by_mode: BTreeMap<Mode, CookieValue>,
    /// What the cookie was taken to be when the scan was made (knowledge base, Open Cookie
    /// Database and site annotations of that day), so that `diff` can tell a re-categorised
    /// cookie. Reports classify afresh with today's knowledge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<RecordedClass>,
    /// When every write of the cookie came after a visitor's step (scrolling, pointer, timers,
    /// clicks), the earliest such step: a plain page load would have missed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeared_after: Option<VisitStep>,
    /// What the scan's evidence suggests the cookie is (see [`Inference`]); databases and the
    /// site's notes win over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<Inference>,
}

impl CookieRecord {
    /// Its identity in the jar.
    pub fn key(&self) -> CookieKey {
        CookieKey {
            name: self.name.clone(),
            domain: self.domain.clone(),
            path: self.path.clone(),
        }
    }
}

/// The classification recorded with a scan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedClass {
    pub category: Category,
    pub provider: String,
    /// The name as the policy table shows it (`_ga_*`).
    pub pattern: String,
    pub source: Source,
}

/// A cookie the browser refused to store, with Chromium's reasons.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlockedCookieRecord {
    pub name: String,
    pub response_url: String,
    pub reasons: Vec<String>,
    pub pages: Vec<String>,
    pub modes: Vec<Mode>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    Local,
    Session,
}

/// A web-storage key (never its value) seen in a frame of the given origin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct StorageRecord {
    pub origin: String,
    pub kind: StorageKind,
    pub key: String,
    pub party: Party,
    /// Largest value length seen, in UTF-16 code units.
    pub max_size: u64,
    /// The site's pages whose visit wrote the key (`setItem`).
    pub pages: Vec<String>,
    /// Scripts that wrote it (the document's URL for inline scripts).
    pub written_by: Vec<String>,
    pub modes: Vec<Mode>,
}

/// A URL the crawler found and did not visit, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedUrl {
    pub url: String,
    pub reason: String,
}

/// Everything that changes from run to run of an unchanged site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Timing {
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    /// Time taken per page, keyed `<mode> <url>`.
    pub pages_ms: BTreeMap<String, u64>,
    /// Wall-clock time of each consent mode's pass, keyed by mode (absent in older scans).
    #[serde(default)]
    pub modes_ms: BTreeMap<String, u64>,
    /// Wall-clock time of each per-category pass, keyed by the category's id (absent when
    /// none ran).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub category_passes_ms: BTreeMap<String, u64>,
    /// Wall-clock time of the per-category passes together (they run side by side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_passes_wall_ms: Option<u64>,
}
