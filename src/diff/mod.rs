//! What changed between two scans of a site, and whether the change breaks the policy.
//!
//! A pure function over two scan JSONs. Cookies are compared by a stable identity (name pattern,
//! registrable domain, path), so dynamic name suffixes (`_ga_ABC123`), the host a cookie was
//! set on, the order of pages and seconds of expiry drift never show up as changes.
//! `render` writes a diff as text, Markdown or JSON; `crate::check` compares a scan with the
//! cookie table a site publishes instead.

pub(crate) mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::classify::{Category, Classifier};
use crate::consent::rules::RuleSet;
use crate::discover::registrable_domain;
use crate::findings::counts_as_violation;
use crate::model::{ConsentOutcome, CookieRecord, Mode, PageOutcome, Party, Scan};

/// A kind of change. The order is the report's order: regressions first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A cookie (not strictly necessary, not the consent platform's own) is now in the jar
    /// before the visitor answers the banner.
    BeforeConsent,
    /// Such a cookie is now in the jar after "reject all".
    SurvivesReject,
    /// The consent banner could be operated and now cannot (or the choice no longer verifies).
    ConsentBroken,
    /// A cookie that was not there, in the listed modes.
    Added,
    /// A cookie lives longer (or a session cookie became persistent).
    LifetimeLonger,
    /// A third-party site that set no cookie before now does.
    NewThirdParty,
    CategoryChanged,
    ProviderChanged,
    PartyChanged,
    /// A cookie is set in sections of the site where it was not.
    NewLocation,
    /// A web-storage key (localStorage, sessionStorage) that was not written before.
    StorageAdded,
    /// Another consent platform (or none) answers the banner.
    ConsentChanged,
    /// A page that loaded now fails.
    PageFailing,
    PageAdded,
    PageRemoved,
    /// A cookie is gone from the listed modes.
    Removed,
    StorageRemoved,
    LifetimeShorter,
    NoLongerBeforeConsent,
    NoLongerSurvivesReject,
    PageRecovered,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 21] = [
        ChangeKind::BeforeConsent,
        ChangeKind::SurvivesReject,
        ChangeKind::ConsentBroken,
        ChangeKind::Added,
        ChangeKind::LifetimeLonger,
        ChangeKind::NewThirdParty,
        ChangeKind::CategoryChanged,
        ChangeKind::ProviderChanged,
        ChangeKind::PartyChanged,
        ChangeKind::NewLocation,
        ChangeKind::StorageAdded,
        ChangeKind::ConsentChanged,
        ChangeKind::PageFailing,
        ChangeKind::PageAdded,
        ChangeKind::PageRemoved,
        ChangeKind::Removed,
        ChangeKind::StorageRemoved,
        ChangeKind::LifetimeShorter,
        ChangeKind::NoLongerBeforeConsent,
        ChangeKind::NoLongerSurvivesReject,
        ChangeKind::PageRecovered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::BeforeConsent => "before-consent",
            ChangeKind::SurvivesReject => "survives-reject",
            ChangeKind::ConsentBroken => "consent-broken",
            ChangeKind::Added => "added",
            ChangeKind::LifetimeLonger => "lifetime-longer",
            ChangeKind::NewThirdParty => "new-third-party",
            ChangeKind::CategoryChanged => "category-changed",
            ChangeKind::ProviderChanged => "provider-changed",
            ChangeKind::PartyChanged => "party-changed",
            ChangeKind::NewLocation => "new-location",
            ChangeKind::StorageAdded => "storage-added",
            ChangeKind::StorageRemoved => "storage-removed",
            ChangeKind::ConsentChanged => "consent-changed",
            ChangeKind::PageFailing => "page-failing",
            ChangeKind::PageAdded => "page-added",
            ChangeKind::PageRemoved => "page-removed",
            ChangeKind::Removed => "removed",
            ChangeKind::LifetimeShorter => "lifetime-shorter",
            ChangeKind::NoLongerBeforeConsent => "no-longer-before-consent",
            ChangeKind::NoLongerSurvivesReject => "no-longer-survives-reject",
            ChangeKind::PageRecovered => "page-recovered",
        }
    }

    /// A heading for reports.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::BeforeConsent => "Now set before consent",
            ChangeKind::SurvivesReject => "Now surviving \"reject all\"",
            ChangeKind::ConsentBroken => "Consent banner no longer operable",
            ChangeKind::Added => "Cookies added",
            ChangeKind::LifetimeLonger => "Longer lifetime",
            ChangeKind::NewThirdParty => "New third-party sites",
            ChangeKind::CategoryChanged => "Category changed",
            ChangeKind::ProviderChanged => "Provider changed",
            ChangeKind::PartyChanged => "First/third party changed",
            ChangeKind::NewLocation => "Set in new sections of the site",
            ChangeKind::StorageAdded => "Web-storage keys added",
            ChangeKind::StorageRemoved => "Web-storage keys removed",
            ChangeKind::ConsentChanged => "Consent platform changed",
            ChangeKind::PageFailing => "Pages now failing",
            ChangeKind::PageAdded => "Pages added",
            ChangeKind::PageRemoved => "Pages removed",
            ChangeKind::Removed => "Cookies removed",
            ChangeKind::LifetimeShorter => "Shorter lifetime",
            ChangeKind::NoLongerBeforeConsent => "No longer set before consent",
            ChangeKind::NoLongerSurvivesReject => "No longer surviving \"reject all\"",
            ChangeKind::PageRecovered => "Pages loading again",
        }
    }

    /// Whether the change makes the site's cookie use worse or its policy wrong.
    pub fn is_regression(self) -> bool {
        self <= ChangeKind::NewThirdParty
    }

    /// Whether the change is an improvement.
    pub fn is_improvement(self) -> bool {
        matches!(
            self,
            ChangeKind::NoLongerBeforeConsent
                | ChangeKind::NoLongerSurvivesReject
                | ChangeKind::PageRecovered
        )
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeKind {
    type Err = String;

    fn from_str(text: &str) -> Result<ChangeKind, String> {
        let text = text.trim();
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown kind of change {text:?} (known: any, regressions, {})",
                    known.join(", ")
                )
            })
    }
}

/// Parses a `--fail-on` list: kinds, `regressions` (every regression kind) or `any`.
pub fn parse_kinds(text: &str) -> Result<BTreeSet<ChangeKind>, String> {
    let mut kinds = BTreeSet::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "any" => kinds.extend(ChangeKind::ALL),
            "regressions" => {
                kinds.extend(ChangeKind::ALL.into_iter().filter(|k| k.is_regression()))
            }
            _ => {
                kinds.insert(part.parse()?);
            }
        }
    }
    Ok(kinds)
}

/// The stable identity of a cookie across scans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CookieKey {
    /// The name, dynamic suffixes collapsed (`_ga_*`).
    pub name: String,
    /// Registrable domain (`example.com` for `www.example.com` and `.example.com`).
    pub domain: String,
    pub path: String,
}

impl fmt::Display for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == "/" {
            write!(f, "{} ({})", self.name, self.domain)
        } else {
            write!(f, "{} ({}, path {})", self.name, self.domain, self.path)
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The cookie concerned, for cookie changes.
    pub cookie: Option<CookieKey>,
    /// The page, third-party site or consent mode concerned, for the other changes.
    pub subject: Option<String>,
    /// Consent modes the change applies to.
    pub modes: Vec<Mode>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Where to look: the pages that set the cookie and what set it, in the newer scan (the
    /// older one for removals).
    pub evidence: Vec<String>,
}

/// A scan as the diff describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRef {
    pub started_at: String,
    pub complete: bool,
    pub pages: usize,
    pub cookies: usize,
    pub modes: Vec<Mode>,
}

/// Everything that changed between two scans, grouped by kind and sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanDiff {
    pub site: String,
    pub old: ScanRef,
    pub new: ScanRef,
    /// Consent modes scanned both times: per-mode changes are judged only in these.
    pub modes_compared: Vec<Mode>,
    /// What makes the comparison less than like for like (other settings, an interrupted scan).
    pub notes: Vec<String>,
    pub changes: Vec<Change>,
}

impl ScanDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Kinds present, for `--fail-on`.
    pub fn kinds(&self) -> BTreeSet<ChangeKind> {
        self.changes.iter().map(|c| c.kind).collect()
    }

    /// The kinds present that are also in `fail_on`.
    pub fn failing(&self, fail_on: &BTreeSet<ChangeKind>) -> Vec<ChangeKind> {
        self.kinds().intersection(fail_on).copied().collect()
    }
}

/// What the diff needs besides the two scans: today's classifier (for cookies a scan did not
/// record a classification of, and for name patterns) and the consent rules (whose consent
/// cookies never count as set before consent).
pub struct DiffContext<'a> {
    pub classifier: &'a Classifier,
    pub rules: &'a RuleSet,
}

/// How long a cookie lives, for comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lifetime {
    Session,
    Days(f64),
}

impl Lifetime {
    fn of(cookie: &CookieRecord) -> Lifetime {
        match cookie.requested_lifetime_days.or(cookie.lifetime_days) {
            Some(days) if !cookie.session => Lifetime::Days(days),
            _ => Lifetime::Session,
        }
    }

    fn max(self, other: Lifetime) -> Lifetime {
        match (self, other) {
            (Lifetime::Days(a), Lifetime::Days(b)) => Lifetime::Days(a.max(b)),
            (Lifetime::Days(a), Lifetime::Session) | (Lifetime::Session, Lifetime::Days(a)) => {
                Lifetime::Days(a)
            }
            (Lifetime::Session, Lifetime::Session) => Lifetime::Session,
        }
    }

    /// `Less` when `other` is longer by more than drift: an hour and 5 %. Cookies with a fixed
    /// expiry date shrink by the days between two scans; that is not a change.
    fn compare(self, other: Lifetime) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Lifetime::Session, Lifetime::Session) => Ordering::Equal,
            (Lifetime::Session, Lifetime::Days(_)) => Ordering::Less,
            (Lifetime::Days(_), Lifetime::Session) => Ordering::Greater,
            (Lifetime::Days(a), Lifetime::Days(b)) => {
                let drift = (1.0 / 24.0_f64).max(a.max(b) * 0.05);
                if (a - b).abs() <= drift {
                    Ordering::Equal
                } else {
                    a.total_cmp(&b)
                }
            }
        }
    }

    fn describe(self) -> String {
        match self {
            Lifetime::Session => "session".into(),
            Lifetime::Days(days) => crate::text::words::human_days(days),
        }
    }
}

/// All the cookies of one scan sharing an identity.
struct Group<'a> {
    records: Vec<&'a CookieRecord>,
    modes: BTreeSet<Mode>,
    party: Party,
    lifetime: Lifetime,
    category: Category,
    provider: String,
    sections: BTreeSet<String>,
    /// Counts towards the consent findings: not necessary, not the consent platform's own.
    counts: bool,
}

impl Group<'_> {
    fn violates(&self, mode: Mode) -> bool {
        self.counts && self.modes.contains(&mode)
    }

    fn evidence(&self, start_host: &str) -> Vec<String> {
        let mut evidence = BTreeSet::new();
        for cookie in &self.records {
            for setter in &cookie.setters {
                let pages: Vec<String> = setter
                    .pages
                    .iter()
                    .map(|p| crate::text::words::page_label(p, start_host))
                    .collect();
                evidence.insert(format!(
                    "{} by {} on {}",
                    setter.api,
                    setter.url,
                    crate::text::words::few(&pages)
                ));
            }
            if cookie.setters.is_empty() {
                evidence.insert(format!(
                    "in the jar after {}",
                    crate::text::words::page_label(&cookie.first_seen_on, start_host)
                ));
            }
        }
        evidence.into_iter().collect()
    }
}

/// The part of the site a page belongs to: its host (when not the start host) and first path
/// segment, so that `/blog/a` and `/blog/b` are one section.
fn section(page: &str, start_host: &str) -> String {
    let Ok(url) = url::Url::parse(page) else {
        return page.to_string();
    };
    let segment = url
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let host = url.host_str().unwrap_or_default();
    let path = if segment.is_empty() {
        "/".to_string()
    } else {
        format!("/{segment}/*")
    };
    if host == start_host {
        path
    } else {
        format!("{host}{path}")
    }
}

fn group<'a>(scan: &'a Scan, context: &DiffContext) -> BTreeMap<CookieKey, Group<'a>> {
    let mut groups: BTreeMap<CookieKey, Group<'a>> = BTreeMap::new();
    for cookie in &scan.cookies {
        let today = context.classifier.classify_cookie(cookie);
        let (category, provider) = match &cookie.classification {
            Some(recorded) => (recorded.category, recorded.provider.clone()),
            None => (today.category, today.provider.clone()),
        };
        let key = CookieKey {
            name: today.pattern.clone(),
            domain: registrable_domain(cookie.domain.trim_start_matches('.')),
            path: cookie.path.clone(),
        };
        let counts = counts_as_violation(category, &cookie.name, context.rules);
        let sections = cookie
            .pages
            .iter()
            .map(|p| section(p, &scan.site.host))
            .collect::<Vec<_>>();
        let lifetime = Lifetime::of(cookie);
        match groups.get_mut(&key) {
            Some(group) => {
                group.records.push(cookie);
                group.modes.extend(cookie.modes.iter().copied());
                group.party = group.party.max(cookie.party);
                group.lifetime = group.lifetime.max(lifetime);
                group.sections.extend(sections);
                group.counts |= counts;
                // The strictest category wins, so a merge never hides a marketing cookie.
                if category > group.category && category != Category::Unclassified {
                    group.category = category;
                    group.provider = provider;
                }
            }
            None => {
                groups.insert(
                    key,
                    Group {
                        records: vec![cookie],
                        modes: cookie.modes.iter().copied().collect(),
                        party: cookie.party,
                        lifetime,
                        category,
                        provider,
                        sections: sections.into_iter().collect(),
                        counts,
                    },
                );
            }
        }
    }
    groups
}

fn scan_ref(scan: &Scan) -> ScanRef {
    ScanRef {
        started_at: scan.timing.started_at.clone(),
        complete: scan.complete,
        pages: page_states(scan).len(),
        cookies: scan.cookies.len(),
        modes: scan.modes.iter().map(|m| m.mode).collect(),
    }
}

/// Each page's outcome over all modes: failed if it failed in any.
pub(crate) fn page_states(scan: &Scan) -> BTreeMap<&str, PageOutcome> {
    let mut states: BTreeMap<&str, PageOutcome> = BTreeMap::new();
    for page in scan.modes.iter().flat_map(|run| &run.pages) {
        let state = states.entry(page.url.as_str()).or_insert(page.outcome);
        if page.outcome == PageOutcome::Failed {
            *state = PageOutcome::Failed;
        }
    }
    states
}

fn outcome_name(outcome: PageOutcome) -> &'static str {
    match outcome {
        PageOutcome::Ok => "ok",
        PageOutcome::Failed => "failed",
        PageOutcome::Skipped => "skipped (not HTML)",
        PageOutcome::OffSiteRedirect => "off-site redirect",
    }
}

fn party_name(party: Party) -> &'static str {
    match party {
        Party::First => "first party",
        Party::Third => "third party",
    }
}

/// The compared modes of `present` that `other` lacks (all of them when there is no `other`).
fn missing_modes(
    present: &BTreeSet<Mode>,
    other: Option<&BTreeSet<Mode>>,
    compared: &BTreeSet<Mode>,
) -> BTreeSet<Mode> {
    present
        .iter()
        .filter(|m| compared.contains(m))
        .filter(|m| other.is_none_or(|o| !o.contains(m)))
        .copied()
        .collect()
}

fn modes_list(modes: &BTreeSet<Mode>) -> String {
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares two scans of one site.
pub fn diff(old: &Scan, new: &Scan, context: &DiffContext) -> ScanDiff {
    let old_modes: BTreeSet<Mode> = old.modes.iter().map(|m| m.mode).collect();
    let new_modes: BTreeSet<Mode> = new.modes.iter().map(|m| m.mode).collect();
    let compared: BTreeSet<Mode> = old_modes.intersection(&new_modes).copied().collect();
    let notes = notes(old, new, &old_modes, &new_modes, &compared);
    let old_groups = group(old, context);
    let new_groups = group(new, context);
    let mut changes = Vec::new();
    cookie_changes(old, new, &old_groups, &new_groups, &compared, &mut changes);
    party_moves(new, &old_groups, &new_groups, &mut changes);
    third_party_changes(&old_groups, &new_groups, &mut changes);
    storage_changes(old, new, context, &compared, &mut changes);
    consent_changes(old, new, &compared, &mut changes);
    page_changes(old, new, &mut changes);
    changes.sort();
    ScanDiff {
        site: new.site.host.clone(),
        old: scan_ref(old),
        new: scan_ref(new),
        modes_compared: compared.into_iter().collect(),
        notes,
        changes,
    }
}

/// What makes two scans less than like for like.
fn notes(
    old: &Scan,
    new: &Scan,
    old_modes: &BTreeSet<Mode>,
    new_modes: &BTreeSet<Mode>,
    compared: &BTreeSet<Mode>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if old.site.registrable_domain != new.site.registrable_domain {
        notes.push(format!(
            "the scans are of different sites: {} and {}",
            old.site.registrable_domain, new.site.registrable_domain
        ));
    }
    if old_modes != new_modes {
        notes.push(format!(
            "the scans ran different consent modes ({} and {}); only {} are compared",
            modes_list(old_modes),
            modes_list(new_modes),
            modes_list(compared)
        ));
    }
    for (which, scan) in [("older", old), ("newer", new)] {
        if !scan.complete {
            notes.push(format!(
                "the {which} scan was interrupted: what it did not reach shows as added or removed"
            ));
        } else if scan.outcome() == crate::model::ScanOutcome::Unreachable {
            notes.push(format!(
                "the {which} scan is an outage (no page of the site loaded): every cookie shows \
                 as added or removed"
            ));
        }
    }
    let settings = |scan: &Scan| {
        let mut s = scan.settings.clone();
        s.concurrency = 0;
        s
    };
    if settings(old) != settings(new) {
        notes.push("the scans ran with different settings (scope, limits or timing)".into());
    }
    notes
}

/// What changed of one cookie: kind, modes, before, after.
type Found = (ChangeKind, Vec<Mode>, Option<String>, Option<String>);

/// Cookies added and removed per mode, and what changed of those in both scans.
fn cookie_changes(
    old: &Scan,
    new: &Scan,
    old_groups: &BTreeMap<CookieKey, Group>,
    new_groups: &BTreeMap<CookieKey, Group>,
    compared: &BTreeSet<Mode>,
    changes: &mut Vec<Change>,
) {
    let start_host = new.site.host.as_str();
    for (key, now) in new_groups {
        let was = old_groups.get(key);
        let mut found = presence_changes(was, now, compared);
        if let Some(was) = was {
            found.extend(attribute_changes(was, now));
        }
        changes.extend(
            found
                .into_iter()
                .map(|(kind, modes, before, after)| Change {
                    kind,
                    cookie: Some(key.clone()),
                    subject: None,
                    modes,
                    before,
                    after,
                    evidence: now.evidence(start_host),
                }),
        );
    }
    removals(old, old_groups, new_groups, compared, changes);
}

/// A cookie set in modes it was not set in before, and set (or no longer set) before consent
/// or after a refusal.
fn presence_changes(was: Option<&Group>, now: &Group, compared: &BTreeSet<Mode>) -> Vec<Found> {
    let mut found = Vec::new();
    let gained = missing_modes(&now.modes, was.map(|w| &w.modes), compared);
    if !gained.is_empty() {
        let after = match was {
            Some(_) => format!("set in {}", modes_list(&now.modes)),
            None => format!(
                "{} cookie, {}, {}",
                now.category.as_str(),
                party_name(now.party),
                now.lifetime.describe()
            ),
        };
        found.push((
            ChangeKind::Added,
            gained.iter().copied().collect(),
            was.map(|w| format!("set in {}", modes_list(&w.modes))),
            Some(after),
        ));
    }
    for (mode, worse, better) in [
        (
            Mode::BeforeConsent,
            ChangeKind::BeforeConsent,
            ChangeKind::NoLongerBeforeConsent,
        ),
        (
            Mode::Reject,
            ChangeKind::SurvivesReject,
            ChangeKind::NoLongerSurvivesReject,
        ),
    ] {
        if !compared.contains(&mode) {
            continue;
        }
        let was_violating = was.is_some_and(|w| w.violates(mode));
        if now.violates(mode) && !was_violating {
            let after = format!("{} cookie", now.category.as_str());
            found.push((worse, vec![mode], None, Some(after)));
        } else if was_violating && !now.violates(mode) {
            found.push((better, vec![mode], None, None));
        }
    }
    found
}

/// What changed of a cookie both scans have: lifetime, category, provider, party, and the
/// sections of the site that set it.
fn attribute_changes(was: &Group, now: &Group) -> Vec<Found> {
    let mut found = Vec::new();
    let mut push = |kind, before: String, after: String| {
        found.push((kind, Vec::new(), Some(before), Some(after)));
    };
    match was.lifetime.compare(now.lifetime) {
        std::cmp::Ordering::Less => push(
            ChangeKind::LifetimeLonger,
            was.lifetime.describe(),
            now.lifetime.describe(),
        ),
        std::cmp::Ordering::Greater => push(
            ChangeKind::LifetimeShorter,
            was.lifetime.describe(),
            now.lifetime.describe(),
        ),
        std::cmp::Ordering::Equal => {}
    }
    if was.category != now.category {
        push(
            ChangeKind::CategoryChanged,
            was.category.as_str().into(),
            now.category.as_str().into(),
        );
    }
    if was.provider != now.provider {
        push(
            ChangeKind::ProviderChanged,
            was.provider.clone(),
            now.provider.clone(),
        );
    }
    if was.party != now.party {
        push(
            ChangeKind::PartyChanged,
            party_name(was.party).into(),
            party_name(now.party).into(),
        );
    }
    // A cookie the start page sets is site-wide: where else it is refreshed is noise.
    let site_wide = |g: &Group| g.sections.contains("/");
    let new_sections: Vec<&String> = now.sections.difference(&was.sections).collect();
    if !new_sections.is_empty() && !site_wide(was) {
        push(
            ChangeKind::NewLocation,
            was.sections.iter().cloned().collect::<Vec<_>>().join(", "),
            new_sections
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    found
}

/// Cookies no longer set in modes they were set in, and violations gone with them.
fn removals(
    old: &Scan,
    old_groups: &BTreeMap<CookieKey, Group>,
    new_groups: &BTreeMap<CookieKey, Group>,
    compared: &BTreeSet<Mode>,
    changes: &mut Vec<Change>,
) {
    for (key, was) in old_groups {
        let now = new_groups.get(key);
        let lost = missing_modes(&was.modes, now.map(|n| &n.modes), compared);
        if !lost.is_empty() {
            changes.push(Change {
                kind: ChangeKind::Removed,
                cookie: Some(key.clone()),
                subject: None,
                modes: lost.iter().copied().collect(),
                before: Some(format!("set in {}", modes_list(&was.modes))),
                after: now.map(|n| format!("set in {}", modes_list(&n.modes))),
                evidence: was.evidence(&old.site.host),
            });
        }
        if now.is_none() {
            for (mode, better) in [
                (Mode::BeforeConsent, ChangeKind::NoLongerBeforeConsent),
                (Mode::Reject, ChangeKind::NoLongerSurvivesReject),
            ] {
                if compared.contains(&mode) && was.violates(mode) {
                    changes.push(Change {
                        kind: better,
                        cookie: Some(key.clone()),
                        subject: None,
                        modes: vec![mode],
                        before: None,
                        after: None,
                        evidence: Vec::new(),
                    });
                }
            }
        }
    }
}

/// A name that moved between first and third party: one cookie gone, one new, same name.
fn party_moves(
    new: &Scan,
    old_groups: &BTreeMap<CookieKey, Group>,
    new_groups: &BTreeMap<CookieKey, Group>,
    changes: &mut Vec<Change>,
) {
    let start_host = new.site.host.as_str();
    let mut gone_by_name: BTreeMap<(&str, &str), Vec<(&CookieKey, &Group)>> = BTreeMap::new();
    for (key, was) in old_groups
        .iter()
        .filter(|(k, _)| !new_groups.contains_key(k))
    {
        gone_by_name
            .entry((key.name.as_str(), key.path.as_str()))
            .or_default()
            .push((key, was));
    }
    for (key, now) in new_groups {
        if old_groups.contains_key(key) {
            continue;
        }
        let moved_from = gone_by_name
            .get(&(key.name.as_str(), key.path.as_str()))
            .and_then(|gone| gone.iter().find(|(_, was)| was.party != now.party));
        if let Some((old_key, was)) = moved_from {
            changes.push(Change {
                kind: ChangeKind::PartyChanged,
                cookie: Some(key.clone()),
                subject: None,
                modes: Vec::new(),
                before: Some(format!("{} ({})", party_name(was.party), old_key.domain)),
                after: Some(format!("{} ({})", party_name(now.party), key.domain)),
                evidence: now.evidence(start_host),
            });
        }
    }
}

/// Web-storage keys added and removed per mode, by origin, kind and key pattern.
fn storage_changes(
    old: &Scan,
    new: &Scan,
    context: &DiffContext,
    compared: &BTreeSet<Mode>,
    changes: &mut Vec<Change>,
) {
    let storage = |scan: &Scan| -> BTreeMap<String, (BTreeSet<Mode>, Vec<String>)> {
        let mut keys: BTreeMap<String, (BTreeSet<Mode>, Vec<String>)> = BTreeMap::new();
        for record in &scan.storage {
            let host = url::Url::parse(&record.origin)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let pattern = context.classifier.classify(&record.key, &host).pattern;
            let kind = match record.kind {
                crate::model::StorageKind::Local => "localStorage",
                crate::model::StorageKind::Session => "sessionStorage",
            };
            let entry = keys
                .entry(format!("{} {kind} {pattern}", record.origin))
                .or_default();
            entry.0.extend(record.modes.iter().copied());
            entry
                .1
                .extend(record.written_by.iter().map(|w| format!("written by {w}")));
        }
        keys
    };
    let (old_storage, new_storage) = (storage(old), storage(new));
    for (key, (modes, writers)) in &new_storage {
        let gained = missing_modes(modes, old_storage.get(key).map(|(was, _)| was), compared);
        if !gained.is_empty() {
            changes.push(Change {
                kind: ChangeKind::StorageAdded,
                cookie: None,
                subject: Some(key.clone()),
                modes: gained.iter().copied().collect(),
                before: old_storage
                    .get(key)
                    .map(|(was, _)| format!("written in {}", modes_list(was))),
                after: Some(format!("written in {}", modes_list(modes))),
                evidence: writers
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            });
        }
    }
    for (key, (modes, _)) in &old_storage {
        let lost = missing_modes(modes, new_storage.get(key).map(|(now, _)| now), compared);
        if !lost.is_empty() {
            changes.push(Change {
                kind: ChangeKind::StorageRemoved,
                cookie: None,
                subject: Some(key.clone()),
                modes: lost.iter().copied().collect(),
                before: Some(format!("written in {}", modes_list(modes))),
                after: new_storage
                    .get(key)
                    .map(|(now, _)| format!("written in {}", modes_list(now))),
                evidence: Vec::new(),
            });
        }
    }
}

/// Third-party sites that set cookies now and did not before.
fn third_party_changes(
    old_groups: &BTreeMap<CookieKey, Group>,
    new_groups: &BTreeMap<CookieKey, Group>,
    changes: &mut Vec<Change>,
) {
    let third_parties = |groups: &BTreeMap<CookieKey, Group>| -> BTreeMap<String, Vec<String>> {
        let mut sites: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, group) in groups {
            if group.party == Party::Third {
                sites
                    .entry(key.domain.clone())
                    .or_default()
                    .push(key.name.clone());
            }
        }
        sites
    };
    let old_third = third_parties(old_groups);
    for (site, names) in third_parties(new_groups) {
        if !old_third.contains_key(&site) {
            changes.push(Change {
                kind: ChangeKind::NewThirdParty,
                cookie: None,
                subject: Some(site),
                modes: Vec::new(),
                before: None,
                after: Some(names.join(", ")),
                evidence: Vec::new(),
            });
        }
    }
}

/// The consent banner, judged on the first page of each answering pass.
fn consent_changes(old: &Scan, new: &Scan, compared: &BTreeSet<Mode>, changes: &mut Vec<Change>) {
    for mode in compared.iter().filter(|m| **m != Mode::BeforeConsent) {
        let first = |scan: &Scan| {
            scan.modes
                .iter()
                .find(|run| run.mode == *mode)
                .and_then(|run| run.consent.first().cloned())
        };
        let (Some(was), Some(now)) = (first(old), first(new)) else {
            continue;
        };
        let platform = |record: &crate::model::ConsentRecord| {
            record
                .platform_name
                .clone()
                .or(record.platform.clone())
                .unwrap_or_else(|| "unrecognised banner".into())
        };
        let has_banner =
            |record: &crate::model::ConsentRecord| record.outcome != ConsentOutcome::NoBanner;
        if has_banner(&was) && has_banner(&now) && was.platform != now.platform {
            changes.push(Change {
                kind: ChangeKind::ConsentChanged,
                cookie: None,
                subject: Some(format!("{} pass", mode.as_str())),
                modes: vec![*mode],
                before: Some(platform(&was)),
                after: Some(platform(&now)),
                evidence: vec![now.page.clone()],
            });
        }
        if was.outcome == ConsentOutcome::Verified && now.outcome != ConsentOutcome::Verified {
            changes.push(Change {
                kind: ChangeKind::ConsentBroken,
                cookie: None,
                subject: Some(format!("{} pass", mode.as_str())),
                modes: vec![*mode],
                before: Some(format!("{}: {}", platform(&was), was.outcome.as_str())),
                after: Some(format!("{}: {}", platform(&now), now.outcome.as_str())),
                evidence: now
                    .clicked
                    .iter()
                    .map(|c| format!("clicked {c}"))
                    .chain(
                        now.screenshot_after
                            .iter()
                            .map(|s| format!("screenshot {s}")),
                    )
                    .collect(),
            });
        }
    }
}

/// Pages added, removed, failing or loading again.
fn page_changes(old: &Scan, new: &Scan, changes: &mut Vec<Change>) {
    let old_pages = page_states(old);
    let new_pages = page_states(new);
    let page_change =
        |kind, url: &str, before: Option<PageOutcome>, after: Option<PageOutcome>| Change {
            kind,
            cookie: None,
            subject: Some(url.to_string()),
            modes: Vec::new(),
            before: before.map(|o| outcome_name(o).to_string()),
            after: after.map(|o| outcome_name(o).to_string()),
            evidence: new
                .modes
                .iter()
                .flat_map(|run| &run.pages)
                .filter(|p| p.url == url)
                .filter_map(|p| p.error.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
    for (url, now) in &new_pages {
        match old_pages.get(url) {
            None => {
                changes.push(page_change(ChangeKind::PageAdded, url, None, Some(*now)));
                if *now == PageOutcome::Failed {
                    changes.push(page_change(ChangeKind::PageFailing, url, None, Some(*now)));
                }
            }
            Some(was) if *was != PageOutcome::Failed && *now == PageOutcome::Failed => {
                changes.push(page_change(
                    ChangeKind::PageFailing,
                    url,
                    Some(*was),
                    Some(*now),
                ));
            }
            Some(was) if *was == PageOutcome::Failed && *now != PageOutcome::Failed => {
                changes.push(page_change(
                    ChangeKind::PageRecovered,
                    url,
                    Some(*was),
                    Some(*now),
                ));
            }
            Some(_) => {}
        }
    }
    for (url, was) in &old_pages {
        if !new_pages.contains_key(url) {
            let mut change = page_change(ChangeKind::PageRemoved, url, Some(*was), None);
            change.evidence.clear();
            changes.push(change);
        }
    }
}

#[cfg(test)]
mod tests;
