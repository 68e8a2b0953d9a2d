//! The site-wide inventory: each page's evidence merged, in crawl order, into the sorted rows
//! of the scan JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::{CapturedPage, CookieKey, JarCookie};
use crate::discover::registrable_domain;
use crate::model::{
    BlockedCookieRecord, CookieRecord, CookieValue, Mode, Party, SetBy, Setter, SetterKind,
    StorageKind, StorageRecord, VisitStep,
};

/// Who wrote a cookie: kind, response or script URL, frame URL, API, initiator.
type SetterId = (SetterKind, String, Option<String>, String, Option<String>);
/// A refused cookie: name, response URL, reasons.
type BlockedId = (String, String, Vec<String>);

#[derive(Debug)]
struct CookieAccumulator {
    latest: JarCookie,
    /// Per mode, the value as last written (or first seen, when never seen written).
    values: BTreeMap<Mode, (String, bool)>,
    lifetime_days: Option<f64>,
    requested_lifetime_days: Option<f64>,
    first_seen_on: String,
    first_written_on: Option<String>,
    partition_keys: BTreeSet<String>,
    setters: BTreeMap<SetterId, BTreeSet<String>>,
    pages: BTreeSet<String>,
    pages_by_mode: BTreeMap<Mode, BTreeSet<String>>,
    modes: BTreeSet<Mode>,
    /// The earliest step of a visit at which any visit wrote the cookie.
    earliest_step: Option<VisitStep>,
}

#[derive(Debug, Default)]
struct StorageAccumulator {
    max_size: u64,
    pages: BTreeSet<String>,
    scripts: BTreeSet<String>,
    modes: BTreeSet<Mode>,
}

/// The cookie writes of one visit, by cookie.
struct Writes<'a> {
    /// Who wrote each cookie.
    written: BTreeMap<&'a CookieKey, Vec<SetterId>>,
    /// The lifetime each write asked for (the last write of the visit wins).
    requested: BTreeMap<&'a CookieKey, Option<i64>>,
    /// The earliest step of the visit at which each cookie was written.
    earliest: BTreeMap<&'a CookieKey, VisitStep>,
}

impl<'a> Writes<'a> {
    fn of(captured: &'a CapturedPage) -> Writes<'a> {
        let mut written: BTreeMap<&CookieKey, Vec<SetterId>> = BTreeMap::new();
        let mut requested: BTreeMap<&CookieKey, Option<i64>> = BTreeMap::new();
        let mut earliest: BTreeMap<&CookieKey, VisitStep> = BTreeMap::new();
        for (write, step) in captured
            .http_writes
            .iter()
            .map(|w| (&w.write, w.step))
            .chain(captured.script_writes.iter().map(|w| (&w.write, w.step)))
            .filter(|(w, _)| !w.deletes)
        {
            requested.insert(&write.key, write.requested_seconds);
            earliest
                .entry(&write.key)
                .and_modify(|s| *s = (*s).min(step))
                .or_insert(step);
        }
        for http in captured.http_writes.iter().filter(|w| !w.write.deletes) {
            written.entry(&http.write.key).or_default().push((
                SetterKind::Http,
                http.response_url.clone(),
                http.frame_url.clone(),
                "set-cookie".to_string(),
                http.initiator.clone(),
            ));
        }
        for js in captured.script_writes.iter().filter(|w| !w.write.deletes) {
            written.entry(&js.write.key).or_default().push((
                SetterKind::Javascript,
                js.script_url.clone(),
                Some(js.frame_url.clone()),
                js.api.clone(),
                None,
            ));
        }
        Writes {
            written,
            requested,
            earliest,
        }
    }
}

/// The site-wide inventory, fed page by page in crawl order.
#[derive(Debug)]
pub(crate) struct Inventory {
    site: String,
    keep_values: bool,
    cookies: BTreeMap<CookieKey, CookieAccumulator>,
    /// Cookies that appeared in the jar during a visit that saw no write of them: the mode,
    /// the page, and the service worker that served responses during that visit, if one did.
    unseen_writes: BTreeMap<CookieKey, Vec<(Mode, String, Option<String>)>>,
    /// Cookies an off-site document set that the crawl refused to load.
    refused: BTreeSet<CookieKey>,
    blocked: BTreeMap<BlockedId, (BTreeSet<String>, BTreeSet<Mode>)>,
    storage: BTreeMap<(String, StorageKind, String), StorageAccumulator>,
}

impl Inventory {
    /// `site` is the registrable domain whose cookies are first-party.
    pub(crate) fn new(site: &str, keep_values: bool) -> Inventory {
        Inventory {
            site: site.to_string(),
            keep_values,
            cookies: BTreeMap::new(),
            unseen_writes: BTreeMap::new(),
            refused: BTreeSet::new(),
            blocked: BTreeMap::new(),
            storage: BTreeMap::new(),
        }
    }

    /// How many distinct cookies have been seen so far.
    pub(crate) fn cookie_count(&self) -> usize {
        self.cookies.len()
    }

    /// Adds what one page visit captured. `page` is the page's URL as reported.
    pub(crate) fn record(&mut self, mode: Mode, page: &str, captured: &CapturedPage) {
        let writes = Writes::of(captured);
        self.refused.extend(captured.refused.iter().cloned());
        self.record_cookies(mode, page, captured, &writes);
        self.record_blocked(mode, page, captured);
        self.record_storage(mode, page, captured);
    }

    /// The jar after the visit: every cookie in it, and for those the visit wrote, who wrote
    /// them and the attributes of that write.
    fn record_cookies(&mut self, mode: Mode, page: &str, captured: &CapturedPage, writes: &Writes) {
        let Writes {
            written,
            requested,
            earliest,
        } = writes;
        let read_at = captured
            .jar_read_at
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64());
        for cookie in &captured.jar {
            let writes = written.get(&cookie.key);
            let appeared = captured
                .jar_before
                .as_ref()
                .is_some_and(|before| !before.contains(&cookie.key));
            if writes.is_none() && appeared {
                self.unseen_writes
                    .entry(cookie.key.clone())
                    .or_default()
                    .push((mode, page.to_string(), captured.service_worker.clone()));
            }
            let lifetime_days = match (cookie.expires, read_at) {
                (Some(expires), Some(now)) => Some(round2((expires - now) / 86_400.0)),
                _ => None,
            };
            let entry =
                self.cookies
                    .entry(cookie.key.clone())
                    .or_insert_with(|| CookieAccumulator {
                        latest: cookie.clone(),
                        lifetime_days,
                        requested_lifetime_days: None,
                        first_seen_on: page.to_string(),
                        first_written_on: None,
                        partition_keys: BTreeSet::new(),
                        setters: BTreeMap::new(),
                        pages: BTreeSet::new(),
                        pages_by_mode: BTreeMap::new(),
                        modes: BTreeSet::new(),
                        values: BTreeMap::new(),
                        earliest_step: None,
                    });
            entry.modes.insert(mode);
            let seen = entry
                .values
                .entry(mode)
                .or_insert_with(|| (cookie.value.clone(), false));
            if writes.is_some() || !seen.1 {
                *seen = (cookie.value.clone(), writes.is_some());
            }
            if let Some(key) = &cookie.partition_key {
                entry.partition_keys.insert(key.clone());
            }
            if let Some(writes) = writes {
                // Attributes (and the lifetime, measured from now) come from the visit that
                // wrote the cookie, not from a later visit that merely found it in the jar.
                if entry.first_written_on.is_none() {
                    entry.first_written_on = Some(page.to_string());
                    entry.latest = cookie.clone();
                    entry.lifetime_days = lifetime_days;
                    entry.requested_lifetime_days = requested
                        .get(&cookie.key)
                        .copied()
                        .flatten()
                        .map(|seconds| round2(seconds as f64 / 86_400.0));
                }
                if let Some(step) = earliest.get(&cookie.key) {
                    entry.earliest_step = Some(entry.earliest_step.map_or(*step, |s| s.min(*step)));
                }
                entry.pages.insert(page.to_string());
                entry
                    .pages_by_mode
                    .entry(mode)
                    .or_default()
                    .insert(page.to_string());
                for setter in writes {
                    entry
                        .setters
                        .entry(setter.clone())
                        .or_default()
                        .insert(page.to_string());
                }
            }
        }
    }

    fn record_blocked(&mut self, mode: Mode, page: &str, captured: &CapturedPage) {
        for blocked in &captured.blocked {
            let entry = self
                .blocked
                .entry((
                    blocked.name.clone(),
                    blocked.response_url.clone(),
                    blocked.reasons.clone(),
                ))
                .or_default();
            entry.0.insert(page.to_string());
            entry.1.insert(mode);
        }
    }

    fn record_storage(&mut self, mode: Mode, page: &str, captured: &CapturedPage) {
        // Presence gives the key and its size; pages come from writes only, because
        // sessionStorage lives per tab and which tab visits which page is not deterministic.
        for item in &captured.storage {
            let entry = self
                .storage
                .entry((item.origin.clone(), item.kind, item.key.clone()))
                .or_default();
            entry.max_size = entry.max_size.max(item.size);
            entry.modes.insert(mode);
        }
        for write in &captured.storage_writes {
            let entry = self
                .storage
                .entry((write.origin.clone(), write.kind, write.key.clone()))
                .or_default();
            entry.max_size = entry.max_size.max(write.size);
            entry.pages.insert(page.to_string());
            entry.scripts.insert(write.script_url.clone());
            entry.modes.insert(mode);
        }
    }

    /// The sorted rows of the scan JSON.
    pub(crate) fn into_records(
        self,
    ) -> (
        Vec<CookieRecord>,
        Vec<BlockedCookieRecord>,
        Vec<StorageRecord>,
    ) {
        let site = self.site;
        let party_of = |host: &str| {
            if registrable_domain(host.trim_start_matches('.')) == site {
                Party::First
            } else {
                Party::Third
            }
        };
        let keep_values = self.keep_values;
        let mut unseen_writes = self.unseen_writes;
        let refused = self.refused;
        let cookies = self
            .cookies
            .into_iter()
            // What a refused off-site page set is not the site's, whichever tab saw it before
            // it was deleted.
            .filter(|(key, acc)| !(acc.setters.is_empty() && refused.contains(key)))
            .map(|(key, mut acc)| {
                if acc.setters.is_empty()
                    && let Some(visits) = unseen_writes.remove(&key)
                {
                    acc.credit_unseen_writes(visits);
                }
                let party = party_of(&key.domain);
                cookie_record(key, acc, party, keep_values)
            })
            .collect();
        let blocked = self
            .blocked
            .into_iter()
            .map(
                |((name, response_url, reasons), (pages, modes))| BlockedCookieRecord {
                    name,
                    response_url,
                    reasons,
                    pages: pages.into_iter().collect(),
                    modes: modes.into_iter().collect(),
                },
            )
            .collect();
        let storage = self
            .storage
            .into_iter()
            .map(|((origin, kind, key), acc)| {
                let host = url::Url::parse(&origin)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                StorageRecord {
                    party: party_of(&host),
                    origin,
                    kind,
                    key,
                    max_size: acc.max_size,
                    pages: acc.pages.into_iter().collect(),
                    written_by: acc.scripts.into_iter().collect(),
                    modes: acc.modes.into_iter().collect(),
                }
            })
            .collect();
        (cookies, blocked, storage)
    }
}

impl CookieAccumulator {
    /// A cookie no visit saw written: when it appeared during visits a service worker served
    /// responses to, the worker's fetch set it, on those pages. (Other visits it appeared
    /// during ran beside those in other tabs; which did is a matter of timing, so they are
    /// not credited, and without a worker nothing is.)
    fn credit_unseen_writes(&mut self, visits: Vec<(Mode, String, Option<String>)>) {
        for (mode, page, worker) in visits {
            let Some(worker) = worker else {
                continue;
            };
            self.pages.insert(page.clone());
            self.pages_by_mode
                .entry(mode)
                .or_default()
                .insert(page.clone());
            let setter = (
                SetterKind::Http,
                worker,
                Some(page.clone()),
                "set-cookie (service worker fetch)".to_string(),
                None,
            );
            self.setters.entry(setter).or_default().insert(page);
        }
    }
}

/// The scan's row of one cookie.
fn cookie_record(
    key: CookieKey,
    acc: CookieAccumulator,
    party: Party,
    keep_values: bool,
) -> CookieRecord {
    let kinds: BTreeSet<SetterKind> = acc.setters.keys().map(|s| s.0).collect();
    let set_by = match (
        kinds.contains(&SetterKind::Http),
        kinds.contains(&SetterKind::Javascript),
    ) {
        (true, true) => SetBy::Both,
        (true, false) => SetBy::Http,
        (false, true) => SetBy::Javascript,
        (false, false) => SetBy::Unknown,
    };
    let value = &acc.latest.value;
    CookieRecord {
        party,
        host_only: !key.domain.starts_with('.'),
        session: acc.latest.expires.is_none(),
        lifetime_days: acc.lifetime_days,
        requested_lifetime_days: acc.requested_lifetime_days,
        size: acc.latest.size,
        http_only: acc.latest.http_only,
        secure: acc.latest.secure,
        same_site: acc.latest.same_site.clone(),
        partition_keys: acc.partition_keys.into_iter().collect(),
        classification: None,
        inferred: None,
        appeared_after: acc.earliest_step.filter(|step| *step > VisitStep::Load),
        set_by,
        setters: acc
            .setters
            .into_iter()
            .map(|((kind, url, frame_url, api, initiator), pages)| Setter {
                kind,
                url,
                frame_url,
                api,
                initiator,
                pages: pages.into_iter().collect(),
            })
            .collect(),
        pages: acc.pages.into_iter().collect(),
        pages_by_mode: acc
            .pages_by_mode
            .into_iter()
            .map(|(mode, pages)| (mode, pages.into_iter().collect()))
            .collect(),
        first_seen_on: acc.first_written_on.unwrap_or(acc.first_seen_on),
        modes: acc.modes.into_iter().collect(),
        value: cookie_value(value, keep_values),
        values_by_mode: acc
            .values
            .iter()
            .map(|(mode, (value, _))| (*mode, cookie_value(value, keep_values)))
            .collect(),
        name: key.name,
        domain: key.domain,
        path: key.path,
    }
}

fn cookie_value(value: &str, keep: bool) -> CookieValue {
    CookieValue {
        length: value.len(),
        sha256: hex(&Sha256::digest(value.as_bytes())),
        value: keep.then(|| value.to_string()),
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::capture::{CookieWrite, HttpWrite};
    use serde_json::json;

    fn jar(name: &str, domain: &str) -> JarCookie {
        JarCookie::from_cdp(&json!({"name":name,"value":"v","domain":domain,"path":"/",
            "expires": 4_000_000_000.0_f64, "session": false}))
        .unwrap()
    }

    #[test]
    fn pages_are_those_that_wrote_not_those_that_found_the_cookie() {
        let mut inventory = Inventory::new("shop.test", false);
        let cookie = jar("sid", "www.shop.test");
        let write = CookieWrite {
            key: cookie.key.clone(),
            deletes: false,
            requested_seconds: Some(63_072_000),
        };
        let first = CapturedPage {
            http_writes: vec![HttpWrite {
                write,
                response_url: "https://www.shop.test/".into(),
                frame_url: None,
                initiator: None,
                step: VisitStep::Load,
            }],
            jar: vec![cookie.clone(), jar("tp", ".tracker.test")],
            jar_read_at: Some(SystemTime::now()),
            ..Default::default()
        };
        let second = CapturedPage {
            jar: vec![cookie.clone()],
            jar_read_at: Some(SystemTime::now()),
            ..Default::default()
        };
        inventory.record(Mode::BeforeConsent, "https://www.shop.test/", &first);
        inventory.record(Mode::BeforeConsent, "https://www.shop.test/b", &second);
        let (cookies, _, _) = inventory.into_records();
        let sid = cookies.iter().find(|c| c.name == "sid").unwrap();
        assert_eq!(sid.pages, vec!["https://www.shop.test/"]);
        assert_eq!(sid.set_by, SetBy::Http);
        assert_eq!(sid.requested_lifetime_days, Some(730.0));
        assert_eq!(sid.party, Party::First);
        assert!(sid.value.value.is_none());
        let tp = cookies.iter().find(|c| c.name == "tp").unwrap();
        assert_eq!(tp.party, Party::Third);
        assert_eq!(tp.set_by, SetBy::Unknown);
        assert!(tp.pages.is_empty());
        assert_eq!(tp.first_seen_on, "https://www.shop.test/");
    }

    #[test]
    fn a_cookie_no_visit_saw_written_is_the_service_workers_where_one_served() {
        let mut inventory = Inventory::new("shop.test", false);
        let cookie = jar("sw", "www.shop.test");
        let empty = Some(BTreeSet::new());
        // Appeared during two visits: one a worker served (its fetch set it), one beside it.
        let served = CapturedPage {
            jar: vec![cookie.clone()],
            jar_before: empty.clone(),
            service_worker: Some("https://www.shop.test/sw.js".into()),
            ..Default::default()
        };
        let beside = CapturedPage {
            jar: vec![cookie.clone()],
            jar_before: empty.clone(),
            ..Default::default()
        };
        inventory.record(Mode::BeforeConsent, "https://www.shop.test/b", &beside);
        inventory.record(
            Mode::BeforeConsent,
            "https://www.shop.test/offline",
            &served,
        );
        // Without any worker, appearing is no evidence of who set it.
        let lone = jar("lone", "www.shop.test");
        let unexplained = CapturedPage {
            jar: vec![lone],
            jar_before: empty,
            ..Default::default()
        };
        inventory.record(Mode::BeforeConsent, "https://www.shop.test/c", &unexplained);
        let (cookies, _, _) = inventory.into_records();
        let sw = cookies.iter().find(|c| c.name == "sw").unwrap();
        assert_eq!(sw.pages, ["https://www.shop.test/offline"]);
        assert_eq!(sw.set_by, SetBy::Http);
        assert_eq!(sw.setters[0].url, "https://www.shop.test/sw.js");
        let lone = cookies.iter().find(|c| c.name == "lone").unwrap();
        assert_eq!((lone.set_by, lone.pages.len()), (SetBy::Unknown, 0));
    }

    #[test]
    fn what_a_refused_off_site_page_set_is_never_the_sites() {
        let mut inventory = Inventory::new("shop.test", false);
        let offsite = jar("offsite", "www.elsewhere.test");
        // The visit that refused the page deleted the cookie; a tab beside it saw it first.
        let refusing = CapturedPage {
            refused: vec![offsite.key.clone()],
            ..Default::default()
        };
        let beside = CapturedPage {
            jar: vec![offsite.clone(), jar("kept", "www.shop.test")],
            ..Default::default()
        };
        inventory.record(Mode::BeforeConsent, "https://www.shop.test/b", &beside);
        inventory.record(
            Mode::BeforeConsent,
            "https://www.shop.test/leave",
            &refusing,
        );
        let (cookies, _, _) = inventory.into_records();
        let names: Vec<&str> = cookies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["kept"]);
    }
}
