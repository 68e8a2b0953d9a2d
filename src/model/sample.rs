//! Hand-built scans for the tests and benchmarks of what reads scans (diff, drift, history).
use super::*;

/// A complete scan of `www.example.com` in all three modes, every page loaded.
pub fn scan(pages: &[&str], cookies: Vec<CookieRecord>) -> Scan {
    let run = |mode| ModeRun {
        mode,
        pages: pages
            .iter()
            .map(|path| PageRecord {
                url: format!("https://www.example.com{path}"),
                final_url: None,
                depth: 0,
                via: Via::Start,
                status: Some(200),
                outcome: PageOutcome::Ok,
                content_type: Some("text/html".into()),
                redirects: Vec::new(),
                error: None,
                links_found: 0,
                service_worker: None,
            })
            .collect(),
        browser_restarts: 0,
        consent: Vec::new(),
    };
    Scan {
        schema_version: SCHEMA_VERSION,
        complete: true,
        outcome: Some(ScanOutcome::Ok),
        tool: Tool {
            name: "cookiescan".into(),
            version: "0.0.0".into(),
        },
        site: Site {
            start_url: "https://www.example.com/".into(),
            host: "www.example.com".into(),
            registrable_domain: "example.com".into(),
        },
        settings: RecordedSettings {
            scope: "site".into(),
            path_prefix: None,
            include: Vec::new(),
            exclude: Vec::new(),
            obey_robots: true,
            max_pages: 200,
            max_depth: None,
            max_query_variants: 10,
            concurrency: 4,
            page_timeout_ms: 30_000,
            settle_quiet_ms: 500,
            settle_max_ms: 5_000,
            interact_budget: 10,
            plain_visits: false,
            keep_values: false,
            insecure: false,
            use_sitemaps: true,
            extra_start_urls: Vec::new(),
            consent_engines: None,
        },
        browser: BrowserInfo {
            product: "HeadlessChrome/148".into(),
            user_agent: String::new(),
            protocol_version: "1.3".into(),
            how: "launched".into(),
            flags: Vec::new(),
            third_party_cookies_allowed: Some(true),
        },
        modes: vec![
            run(Mode::BeforeConsent),
            run(Mode::Accept),
            run(Mode::Reject),
        ],
        cookies,
        blocked_cookies: Vec::new(),
        storage: Vec::new(),
        skipped_urls: Vec::new(),
        ignored_parameters: Vec::new(),
        category_passes: Vec::new(),
        timing: Timing {
            started_at: "2026-11-28T04:00:00Z".into(),
            finished_at: "2026-11-28T04:01:00Z".into(),
            duration_ms: 60_000,
            pages_ms: BTreeMap::new(),
            modes_ms: BTreeMap::new(),
            category_passes_ms: BTreeMap::new(),
            category_passes_wall_ms: None,
        },
    }
}

/// A persistent cookie of one year set by HTTP on `page` (a path of www.example.com, or a
/// full URL) in the given modes. The party follows the domain.
pub fn cookie(name: &str, domain: &str, page: &str, modes: &[Mode]) -> CookieRecord {
    let page = if page.starts_with('/') {
        format!("https://www.example.com{page}")
    } else {
        page.to_string()
    };
    let bare = domain.trim_start_matches('.');
    let party = if bare == "example.com" || bare.ends_with(".example.com") {
        Party::First
    } else {
        Party::Third
    };
    let value = CookieValue {
        length: 1,
        sha256: "0".into(),
        value: None,
    };
    CookieRecord {
        name: name.into(),
        domain: domain.into(),
        path: "/".into(),
        host_only: !domain.starts_with('.'),
        party,
        session: false,
        lifetime_days: Some(365.0),
        requested_lifetime_days: Some(365.0),
        size: 10,
        http_only: false,
        secure: true,
        same_site: None,
        partition_keys: Vec::new(),
        set_by: SetBy::Http,
        setters: vec![Setter {
            kind: SetterKind::Http,
            url: page.clone(),
            frame_url: None,
            api: "set-cookie".into(),
            initiator: None,
            pages: vec![page.clone()],
        }],
        pages: vec![page.clone()],
        pages_by_mode: modes.iter().map(|m| (*m, vec![page.clone()])).collect(),
        first_seen_on: page,
        modes: modes.to_vec(),
        value: value.clone(),
        values_by_mode: modes.iter().map(|m| (*m, value.clone())).collect(),
        classification: None,
        appeared_after: None,
        inferred: None,
    }
}
