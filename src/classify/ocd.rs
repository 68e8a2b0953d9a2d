//! Import of the Open Cookie Database (OCD, github.com/jkwakman/Open-Cookie-Database,
//! Apache-2.0) CSV, read at run time from a path: the file is never bundled with cookiescan.
//!
//! The CSV's header is
//! `ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match`.
//! Columns are found by header name, so reordered or extra columns are fine. Rows that cannot be
//! read (wrong field count, empty name, unreadable wildcard flag) are skipped and counted.
//!
//! Quirks handled here:
//! - `Wildcard match = 1` means the stored name is a prefix; a few rows spell a prefix with a
//!   trailing `*` (`SSPR_*`) and a `0` flag: those become prefixes too.
//! - The `Domain` column is free text: empty for first-party cookies, `facebook.com (3rd party)`,
//!   `.bing.com (3rd party) or .microsoft.com (3rd party)`, stray zero-width spaces, leading
//!   blanks, placeholders (`ads-[account].adhese.com`). It is reduced to a list of registrable
//!   domains, used only to choose between rows.
//! - Several vendors share some names (`euconsent-v2`, `DSID`, `u`, `c`, `token` …): lookup
//!   prefers the row whose domain matches the cookie's, then rows with no domain, then the
//!   lowest ID, and says when the choice was a guess.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Category, strip_name_prefix};
use crate::discover::registrable_domain;

/// The header names of the columns used, verbatim from the OCD CSV.
pub(crate) const COL_ID: &str = "ID";
pub(crate) const COL_PLATFORM: &str = "Platform";
pub(crate) const COL_CATEGORY: &str = "Category";
pub(crate) const COL_NAME: &str = "Cookie / Data Key name";
pub(crate) const COL_DOMAIN: &str = "Domain";
pub(crate) const COL_DESCRIPTION: &str = "Description";
pub(crate) const COL_RETENTION: &str = "Retention period";
pub(crate) const COL_CONTROLLER: &str = "Data Controller";
pub(crate) const COL_PRIVACY: &str = "User Privacy & GDPR Rights Portals";
pub(crate) const COL_WILDCARD: &str = "Wildcard match";

/// Prefixes shorter than this match only with domain evidence (OCD has `SR`, `CT`, `P_`, `MSO`),
/// unless they are three characters ending in a separator (`mp_`, `sb-`). The same length
/// bounds exact names: a name as generic as `u`, `c` or `ts` is trusted only when its row's
/// domain matches the cookie's or the row names no domain at all.
const MIN_SPECIFIC_LEN: usize = 4;

/// Names so common across frameworks that an OCD row for one vendor (`sessionid` is Instagram's
/// in OCD, but also Django's default session cookie) is trusted only on that vendor's domain,
/// like the short names above (research report §1.5 and §6).
const GENERIC_NAMES: &[&str] = &[
    "sessionid",
    "session",
    "session_id",
    "sid",
    "token",
    "uid",
    "uuid",
    "id",
    "userid",
    "user_id",
    "lang",
    "language",
    "locale",
];

#[derive(Debug, thiserror::Error)]
pub enum OcdError {
    #[error("cannot read the Open Cookie Database at {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the Open Cookie Database at {path} is not valid")]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<OcdError>,
    },
    #[error("the Open Cookie Database CSV has no column \"{0}\"")]
    MissingColumn(&'static str),
    #[error("the Open Cookie Database CSV has no header line")]
    NoHeader,
    #[error("cannot read the Open Cookie Database CSV header")]
    Csv(#[from] csv::Error),
}

/// One OCD row.
#[derive(Debug, Clone, PartialEq)]
pub struct OcdEntry {
    /// OCD's UUID; the tie-breaker between rows of the same name.
    pub id: String,
    /// The service that sets the cookie (e.g. "Google Analytics").
    pub platform: String,
    /// OCD's category mapped onto ours (see [`map_category`]).
    pub category: Category,
    /// OCD's category as written (e.g. "Functional").
    pub source_category: String,
    /// The cookie name, or the prefix when `wildcard` (a trailing `*` removed).
    pub name: String,
    /// The name is a prefix: `_ga_` matches `_ga_ABC123`.
    pub wildcard: bool,
    /// OCD's free-text domain column, as written.
    pub domain: String,
    pub description: String,
    /// OCD's free-text retention period (see [`retention_days`]).
    pub retention: String,
    /// The company responsible (e.g. "Google").
    pub controller: String,
    /// Link to the controller's privacy or GDPR-rights page.
    pub privacy_url: String,
}

/// How a chosen row's domain relates to the cookie's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DomainMatch {
    /// The row's domain column names the cookie's registrable domain.
    Matched,
    /// The row names no domain (OCD: set as first party, or not stated).
    Unspecified,
    /// The row names other domains only (often wrong for pixels set on the site's own domain,
    /// e.g. `_fbp`, so this is a weak signal rather than a rejection).
    Mismatch,
}

/// The result of [`OpenCookieDatabase::lookup`].
#[derive(Debug, Clone, PartialEq)]
pub struct OcdMatch<'a> {
    pub entry: &'a OcdEntry,
    /// Several rows fit, naming different platforms or categories, and the cookie's domain did
    /// not decide between them: `entry` is a deterministic guess (no domain over other domains,
    /// then the lowest ID).
    pub ambiguous: bool,
    /// How many other rows carry the same name (or the same prefix), whether or not they fit
    /// the cookie's domain.
    pub alternatives: usize,
    pub domain_match: DomainMatch,
    /// Matched through a wildcard (prefix) row rather than the exact name.
    pub prefix: bool,
}

/// The imported database with its lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct OpenCookieDatabase {
    entries: Vec<OcdEntry>,
    /// Registrable domains named by each entry's domain column (parallel to `entries`).
    domains: Vec<Vec<String>>,
    /// Name → entries with exactly that name (wildcard rows included: a cookie named exactly
    /// like a prefix is that cookie).
    by_name: HashMap<String, Vec<usize>>,
    /// Prefix → wildcard entries.
    by_prefix: HashMap<String, Vec<usize>>,
    skipped: usize,
}

/// OCD category → ours.
///
/// | OCD | ours |
/// |---|---|
/// | Functional, Security, Necessary | Necessary |
/// | Personalization | Functionality |
/// | Analytics | Statistics |
/// | Marketing | Marketing |
/// | anything else | Unclassified |
///
/// "Functional" is a false friend of our "functionality". OCD's README defines it as "also
/// known as technical, essential or strictly necessary", and OCD has a separate category,
/// Personalization ("preferences"), for what we call functionality; the research report's
/// mapping table (§1.6) therefore maps Functional to necessary. Some preference or tracking
/// cookies are mislabelled Functional in OCD (`wp-settings-`, `django_language`, `YSC`,
/// `test_cookie`, `_hjSession_`); the curated knowledge base is consulted before OCD and
/// corrects the known ones, and `source_category` keeps OCD's label for display.
pub(crate) fn map_category(source: &str) -> Category {
    match source.trim().to_ascii_lowercase().as_str() {
        "functional" | "security" | "necessary" => Category::Necessary,
        "personalization" | "personalisation" => Category::Functionality,
        "analytics" => Category::Statistics,
        "marketing" => Category::Marketing,
        _ => Category::Unclassified,
    }
}

/// Parses OCD's free-text retention period into days.
///
/// Every "number unit" pair is read (units: seconds, minutes, hours, days, weeks, months,
/// years, with common spellings and abbreviations such as `30 mins`, `3w`, `1y`); when the text
/// gives several (`1 week to 1 year`, `180 days after last activity or 10 years when opting
/// out`) the longest is returned, as a policy states the maximum. A month is 1/12 of a
/// 365-day year.
///
/// Returns `None` when the text gives no duration: session cookies (`session`, `End of
/// session (browser)`), open-ended ones (`Persistent`, `forever`, `Unlimited`, `no
/// expiration`: no number of days is honest), dates (`10 Nov 2030`), and `Unknown`, `Varies`,
/// empty. Session is `None` rather than `Some(0.0)` so that 0 stays a real value (`0 days`)
/// and callers decide how to show a session cookie.
pub fn retention_days(retention: &str) -> Option<f64> {
    let text = retention.to_lowercase();
    let chars: Vec<char> = text.chars().collect();
    let mut best: Option<f64> = None;
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut number = String::new();
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                number.push(c);
            } else if (c == '.' || c == ',')
                && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit())
                && !number.contains('.')
            {
                number.push('.');
            } else {
                break;
            }
            j += 1;
        }
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let mut unit = String::new();
        while j < chars.len() && chars[j].is_alphabetic() {
            unit.push(chars[j]);
            j += 1;
        }
        if let (Ok(n), Some(per)) = (number.parse::<f64>(), unit_days(&unit)) {
            let days = n * per;
            best = Some(best.map_or(days, |b: f64| b.max(days)));
        }
        i = j.max(i + 1);
    }
    best
}

fn unit_days(unit: &str) -> Option<f64> {
    Some(match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0 / 86_400.0,
        "min" | "mins" | "minute" | "minutes" => 1.0 / 1_440.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 1.0 / 24.0,
        "d" | "day" | "days" => 1.0,
        "w" | "wk" | "wks" | "week" | "weeks" => 7.0,
        "mo" | "mon" | "month" | "months" => 365.0 / 12.0,
        "y" | "yr" | "yrs" | "year" | "years" => 365.0,
        _ => return None,
    })
}

/// The registrable domains named by OCD's free-text domain column: `(3rd party)` markers,
/// `or`/`and`, commas, zero-width spaces and leading dots are dropped; words without a dot are
/// ignored. Empty when the column names no domain.
pub(crate) fn domain_column_domains(text: &str) -> Vec<String> {
    let lower = text
        .to_lowercase()
        .replace("(3rd party)", " ")
        .replace(['\u{200b}', '\u{feff}'], "");
    let mut out: Vec<String> = Vec::new();
    for word in lower.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '(' | ')'))
    {
        let word = word
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let host = word.split('/').next().unwrap_or("").trim_matches('.');
        if host.is_empty() || !host.contains('.') {
            continue;
        }
        let domain = registrable_domain(host);
        if !domain.is_empty() && !out.contains(&domain) {
            out.push(domain);
        }
    }
    out
}

fn parse_wildcard(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" | "" => Some(false),
        _ => None,
    }
}

/// Parses the OCD CSV text.
pub fn parse(text: &str) -> Result<OpenCookieDatabase, OcdError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(OcdError::NoHeader);
    }
    let find = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let require = |name: &'static str| find(name).ok_or(OcdError::MissingColumn(name));
    let id = require(COL_ID)?;
    let platform = require(COL_PLATFORM)?;
    let category = require(COL_CATEGORY)?;
    let name = require(COL_NAME)?;
    let domain = require(COL_DOMAIN)?;
    let wildcard = require(COL_WILDCARD)?;
    let description = find(COL_DESCRIPTION);
    let retention = find(COL_RETENTION);
    let controller = find(COL_CONTROLLER);
    let privacy = find(COL_PRIVACY);
    let width = headers.len();

    let mut db = OpenCookieDatabase::default();
    for record in reader.records() {
        let Ok(record) = record else {
            db.skipped += 1;
            continue;
        };
        // A row with another field count has (nearly always) an unquoted comma: its columns
        // are shifted, so none of its values can be trusted.
        if record.len() != width {
            db.skipped += 1;
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let optional = |i: Option<usize>| i.map(field).unwrap_or_default();
        let mut cookie = field(name);
        let Some(mut is_wildcard) = parse_wildcard(&field(wildcard)) else {
            db.skipped += 1;
            continue;
        };
        if let Some(stem) = cookie.strip_suffix('*') {
            cookie = stem.trim_end_matches('*').to_string();
            is_wildcard = true;
        }
        if cookie.is_empty() {
            db.skipped += 1;
            continue;
        }
        let source_category = field(category);
        let domain_text = field(domain);
        db.push(OcdEntry {
            id: field(id),
            platform: field(platform),
            category: map_category(&source_category),
            source_category,
            name: cookie,
            wildcard: is_wildcard,
            domain: domain_text,
            description: optional(description),
            retention: optional(retention),
            controller: optional(controller),
            privacy_url: optional(privacy),
        });
    }
    Ok(db)
}

/// Reads and parses the OCD CSV at `path`.
pub(crate) fn load(path: &Path) -> Result<OpenCookieDatabase, OcdError> {
    let text = std::fs::read_to_string(path).map_err(|source| OcdError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|e| OcdError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

impl OpenCookieDatabase {
    fn push(&mut self, entry: OcdEntry) {
        let index = self.entries.len();
        self.by_name
            .entry(entry.name.clone())
            .or_default()
            .push(index);
        if entry.wildcard {
            self.by_prefix
                .entry(entry.name.clone())
                .or_default()
                .push(index);
        }
        self.domains.push(domain_column_domains(&entry.domain));
        self.entries.push(entry);
    }

    /// Number of rows imported.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of data rows that could not be read and were left out.
    pub fn skipped_rows(&self) -> usize {
        self.skipped
    }

    pub fn entries(&self) -> &[OcdEntry] {
        &self.entries
    }

    /// Finds the row describing cookie `name` set on `cookie_domain` (a host or a cookie domain
    /// with or without its leading dot; may be empty).
    ///
    /// Order: the exact name, then the name without its `__Host-`/`__Secure-` prefix (OCD
    /// stores some names with the prefix, e.g. `__Secure-3PSID`), then the longest wildcard
    /// prefix of either. Names or prefixes shorter than four characters (`u`, `c`, `ts`,
    /// `SR`) and a few framework-generic names (`sessionid`, `token`) are too generic to trust
    /// on their own: they match only rows whose domain is the cookie's (or, for exact names,
    /// rows that name no domain). Among several fitting rows
    /// the one whose domain matches wins; otherwise rows naming no domain, then the lowest ID,
    /// and the match is `ambiguous` if those rows disagree on platform or category.
    pub fn lookup(&self, name: &str, cookie_domain: &str) -> Option<OcdMatch<'_>> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let site = registrable_domain(cookie_domain.trim().trim_start_matches('.'));
        let stripped = strip_name_prefix(name);
        let mut names = vec![name];
        if stripped != name && !stripped.is_empty() {
            names.push(stripped);
        }
        for candidate in &names {
            if let Some(found) = self.exact(candidate, &site) {
                return Some(found);
            }
        }
        for candidate in &names {
            if let Some(found) = self.longest_prefix(candidate, &site) {
                return Some(found);
            }
        }
        None
    }

    fn domain_match(&self, index: usize, site: &str) -> DomainMatch {
        let domains = &self.domains[index];
        if domains.is_empty() {
            DomainMatch::Unspecified
        } else if !site.is_empty() && domains.iter().any(|d| d == site) {
            DomainMatch::Matched
        } else {
            DomainMatch::Mismatch
        }
    }

    fn exact(&self, name: &str, site: &str) -> Option<OcdMatch<'_>> {
        let rows = self.by_name.get(name)?;
        let generic = name.chars().count() < MIN_SPECIFIC_LEN
            || GENERIC_NAMES.iter().any(|g| g.eq_ignore_ascii_case(name));
        let fitting: Vec<(usize, DomainMatch)> = rows
            .iter()
            .map(|&i| (i, self.domain_match(i, site)))
            .filter(|(_, m)| !generic || *m != DomainMatch::Mismatch)
            .collect();
        self.choose(&fitting, rows.len(), false)
    }

    fn longest_prefix(&self, name: &str, site: &str) -> Option<OcdMatch<'_>> {
        // Proper prefixes, longest first (a prefix equal to the name is an exact match).
        let cuts = name.char_indices().map(|(i, _)| i).filter(|&i| i > 0);
        let mut cuts: Vec<usize> = cuts.collect();
        cuts.reverse();
        for cut in cuts {
            let prefix = &name[..cut];
            let Some(rows) = self.by_prefix.get(prefix) else {
                continue;
            };
            let length = prefix.chars().count();
            let specific = length >= MIN_SPECIFIC_LEN
                || (length == MIN_SPECIFIC_LEN - 1 && prefix.ends_with(['_', '-', '.']));
            let fitting: Vec<(usize, DomainMatch)> = rows
                .iter()
                .map(|&i| (i, self.domain_match(i, site)))
                .filter(|(_, m)| specific || *m == DomainMatch::Matched)
                .collect();
            if let Some(found) = self.choose(&fitting, rows.len(), true) {
                return Some(found);
            }
        }
        None
    }

    /// Picks among the fitting `rows`, of `total` rows with that name or prefix.
    fn choose(
        &self,
        rows: &[(usize, DomainMatch)],
        total: usize,
        prefix: bool,
    ) -> Option<OcdMatch<'_>> {
        let &(best, domain_match) = rows.iter().min_by(|a, b| {
            (a.1, &self.entries[a.0].id, a.0).cmp(&(b.1, &self.entries[b.0].id, b.0))
        })?;
        let matched = rows
            .iter()
            .filter(|(_, m)| *m == DomainMatch::Matched)
            .count();
        // The rows the choice was really made among: the domain-matched ones if any.
        let contenders: Vec<usize> = rows
            .iter()
            .filter(|(_, m)| matched == 0 || *m == DomainMatch::Matched)
            .map(|(i, _)| *i)
            .collect();
        let key = |i: usize| {
            let e = &self.entries[i];
            (e.platform.to_lowercase(), e.category)
        };
        let ambiguous = contenders.iter().any(|&i| key(i) != key(best));
        Some(OcdMatch {
            entry: &self.entries[best],
            ambiguous,
            alternatives: total.saturating_sub(1),
            domain_match,
            prefix,
        })
    }

    /// How deterministic the import is: for every distinct OCD name, looks up each of its rows
    /// by that name and the row's own domain (its first registrable domain, or none) and checks
    /// the row found has the same mapped category. Returns (names all of whose rows agree,
    /// distinct names). Disagreements come from names several vendors share with different
    /// categories and no domain to tell them apart.
    pub fn self_consistency(&self) -> (usize, usize) {
        let mut names: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut consistent = 0;
        for name in &names {
            let rows = &self.by_name[*name];
            let all = rows.iter().all(|&i| {
                let domain = self.domains[i].first().map(String::as_str).unwrap_or("");
                self.lookup(name, domain)
                    .is_some_and(|m| m.entry.category == self.entries[i].category)
            });
            if all {
                consistent += 1;
            }
        }
        (consistent, names.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match";

    /// Made-up rows (not OCD data) in OCD's layout.
    fn sample() -> String {
        [
            HEADER,
            "00000001,Acme Stats,Analytics,acme_uid,,Counts visitors,2 years,Acme,https://acme.test/privacy,0",
            "00000002,Acme Stats,Analytics,acme_s_,,Session state,30 minutes,Acme,,1",
            "00000003,Acme Stats,Marketing,acme_s_ad_,acme-ads.test (3rd party),Ad session,1 day,Acme,,1",
            "00000004,Widget CMP,Functional,consent_state,,\"Stores consent, per site\",1 year,Widget,,0",
            "00000005,Beta Ads,Marketing,zid,betaads.test (3rd party),Ad id,1 year,Beta,,0",
            "00000006,Gamma Metrics,Analytics,zid,.metrics.gamma.test,Visitor id,13 months,Gamma,,0",
            "00000007,Delta CMP,Functional,shared_consent,,Consent,1 year,Delta,,0",
            "00000008,Epsilon CMP,Personalization,shared_consent,,Prefs,1 year,Epsilon,,0",
            "00000009,Zeta,Security,XX,,Short prefix,session,Zeta,,1",
            "00000010,Eta,Analytics,QQ,eta.test,Short prefix with domain,session,Eta,,1",
            "00000011,Theta,Marketing,glob_*,theta.test,Star prefix,1 year,Theta,,0",
            "00000012,Iota,Functional,secure_thing,,Prefixed,session,Iota,,0",
            "00000013,Kappa,Something New,odd_cat,,Unknown category,session,Kappa,,0",
        ]
        .join("\n")
    }

    #[test]
    fn parses_rows_and_fields() {
        let db = parse(&sample()).unwrap();
        assert_eq!(db.len(), 13);
        assert_eq!(db.skipped_rows(), 0);
        let m = db.lookup("acme_uid", "www.example.org").unwrap();
        assert_eq!(m.entry.platform, "Acme Stats");
        assert_eq!(m.entry.category, Category::Statistics);
        assert_eq!(m.entry.source_category, "Analytics");
        assert_eq!(m.entry.retention, "2 years");
        assert_eq!(m.entry.controller, "Acme");
        assert_eq!(m.entry.privacy_url, "https://acme.test/privacy");
        assert!(!m.ambiguous && !m.prefix);
        assert_eq!(m.domain_match, DomainMatch::Unspecified);
        let quoted = db.lookup("consent_state", "").unwrap();
        assert_eq!(quoted.entry.description, "Stores consent, per site");
        assert_eq!(quoted.entry.category, Category::Necessary);
        assert!(db.lookup("nothing_like_it", "example.org").is_none());
        assert!(db.lookup("", "example.org").is_none());
    }

    #[test]
    fn wildcard_rows_match_by_longest_prefix() {
        let db = parse(&sample()).unwrap();
        let m = db.lookup("acme_s_123", "example.org").unwrap();
        assert_eq!(m.entry.name, "acme_s_");
        assert!(m.prefix && m.entry.wildcard);
        let longer = db.lookup("acme_s_ad_99", "example.org").unwrap();
        assert_eq!(longer.entry.name, "acme_s_ad_");
        assert_eq!(longer.entry.category, Category::Marketing);
        // A name equal to a prefix is that cookie.
        assert_eq!(db.lookup("acme_s_", "x.test").unwrap().entry.id, "00000002");
        // A trailing `*` makes a prefix even with the flag at 0.
        let star = db.lookup("glob_42", "theta.test").unwrap();
        assert_eq!(star.entry.name, "glob_");
        assert!(star.entry.wildcard);
    }

    #[test]
    fn short_prefixes_need_domain_evidence() {
        let db = parse(&sample()).unwrap();
        assert!(db.lookup("XXsomething", "example.org").is_none());
        assert!(db.lookup("QQ123", "example.org").is_none());
        let m = db.lookup("QQ123", "sub.eta.test").unwrap();
        assert_eq!(m.domain_match, DomainMatch::Matched);
        // Exactly the short name: fine.
        assert_eq!(
            db.lookup("XX", "example.org").unwrap().entry.platform,
            "Zeta"
        );
    }

    #[test]
    fn host_and_secure_prefixes_are_stripped() {
        let db = parse(&sample()).unwrap();
        let m = db.lookup("__Host-secure_thing", "example.org").unwrap();
        assert_eq!(m.entry.platform, "Iota");
        let m = db.lookup("__Secure-acme_s_1", "example.org").unwrap();
        assert_eq!(m.entry.name, "acme_s_");
    }

    #[test]
    fn multi_vendor_names_prefer_the_cookie_domain() {
        let db = parse(&sample()).unwrap();
        let beta = db.lookup("zid", ".betaads.test").unwrap();
        assert_eq!(beta.entry.platform, "Beta Ads");
        assert!(!beta.ambiguous);
        assert_eq!(beta.alternatives, 1);
        assert_eq!(beta.domain_match, DomainMatch::Matched);
        let gamma = db.lookup("zid", "metrics.gamma.test").unwrap();
        assert_eq!(gamma.entry.platform, "Gamma Metrics");
        assert_eq!(gamma.entry.category, Category::Statistics);
        // A generic three-letter name on an unrelated domain: no row is trusted.
        assert!(db.lookup("zid", "example.org").is_none());
        // Two vendors, no domains: the lowest ID, flagged.
        let shared = db.lookup("shared_consent", "example.org").unwrap();
        assert_eq!(shared.entry.platform, "Delta CMP");
        assert!(shared.ambiguous);
        assert_eq!(shared.alternatives, 1);
        // A framework-generic name needs its vendor's domain.
        let text =
            format!("{HEADER}\n1,Photo App,Marketing,sessionid,photoapp.test,x,1 year,P,,0\n");
        let db = parse(&text).unwrap();
        assert!(db.lookup("sessionid", "example.org").is_none());
        assert!(db.lookup("sessionid", ".photoapp.test").is_some());
    }

    #[test]
    fn columns_are_found_by_name() {
        let text = "Wildcard match,Extra,Cookie / Data Key name,Category,Domain,Platform,ID\n\
                    1,whatever,foo_,Marketing,foo.test,Foo Inc,abc\n\
                    0,x,bar,Analytics,,Bar Inc,def\n";
        let db = parse(text).unwrap();
        assert_eq!(db.len(), 2);
        let m = db.lookup("foo_1", "foo.test").unwrap();
        assert_eq!(m.entry.platform, "Foo Inc");
        assert_eq!(m.entry.category, Category::Marketing);
        assert!(m.entry.wildcard);
        assert_eq!(m.entry.description, "");
        assert_eq!(
            db.lookup("bar", "").unwrap().entry.category,
            Category::Statistics
        );
    }

    #[test]
    fn missing_column_is_named() {
        let text = "ID,Platform,Category,Domain,Wildcard match\n1,A,Marketing,,0\n";
        let err = parse(text).unwrap_err();
        assert!(matches!(err, OcdError::MissingColumn(COL_NAME)));
        assert!(err.to_string().contains("Cookie / Data Key name"), "{err}");
        assert!(matches!(parse("").unwrap_err(), OcdError::NoHeader));
    }

    #[test]
    fn malformed_rows_are_skipped_and_counted() {
        let text = [
            HEADER,
            "1,Good,Analytics,good,,d,1 year,C,,0",
            "2,Short,Analytics,short",
            "3,Shifted,Analytics,shifted,,desc, with comma,1 year,C,,0",
            "4,NoName,Analytics,,,d,1 year,C,,0",
            "5,BadFlag,Analytics,badflag,,d,1 year,C,,maybe",
            "6,Also good,Marketing,also_good,,d,1 year,C,,0",
        ]
        .join("\n");
        let db = parse(&text).unwrap();
        assert_eq!(db.len(), 2);
        assert_eq!(db.skipped_rows(), 4);
    }

    #[test]
    fn load_names_the_path() {
        let err = load(Path::new("/nonexistent/ocd.csv")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ocd.csv"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "ID,Platform\n1,x\n").unwrap();
        let err = load(&bad).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.csv"), "{text}");
        let good = dir.path().join("good.csv");
        std::fs::write(&good, sample()).unwrap();
        assert_eq!(load(&good).unwrap().len(), 13);
    }

    #[test]
    fn category_mapping() {
        assert_eq!(map_category("Functional"), Category::Necessary);
        assert_eq!(map_category("Security"), Category::Necessary);
        assert_eq!(map_category("Necessary"), Category::Necessary);
        assert_eq!(map_category("Personalization"), Category::Functionality);
        assert_eq!(map_category("Analytics"), Category::Statistics);
        assert_eq!(map_category("Marketing"), Category::Marketing);
        assert_eq!(map_category(" marketing "), Category::Marketing);
        assert_eq!(map_category("Something New"), Category::Unclassified);
        assert_eq!(map_category(""), Category::Unclassified);
        let db = parse(&sample()).unwrap();
        assert_eq!(
            db.lookup("odd_cat", "").unwrap().entry.category,
            Category::Unclassified
        );
    }

    #[test]
    fn domain_column_quirks() {
        assert_eq!(domain_column_domains(""), Vec::<String>::new());
        assert_eq!(
            domain_column_domains("facebook.com (3rd party)"),
            vec!["facebook.com"]
        );
        assert_eq!(
            domain_column_domains(".bing.com (3rd party) or .microsoft.com (3rd party)"),
            vec!["bing.com", "microsoft.com"]
        );
        assert_eq!(
            domain_column_domains(" or 207.net (3rd party)"),
            vec!["207.net"]
        );
        assert_eq!(
            domain_column_domains(".commander1.com\u{200b}"),
            vec!["commander1.com"]
        );
        assert_eq!(
            domain_column_domains("ads-[account].adhese.com"),
            vec!["adhese.com"]
        );
        assert_eq!(
            domain_column_domains("www.Example.co.uk"),
            vec!["example.co.uk"]
        );
    }

    #[test]
    fn retention_parsing() {
        let close = |text: &str, days: f64| {
            let got = retention_days(text).unwrap_or_else(|| panic!("{text}: None"));
            assert!((got - days).abs() < 1e-6, "{text}: {got} != {days}");
        };
        close("1 year", 365.0);
        close("1 Year", 365.0);
        close("2 years", 730.0);
        close("13 months", 13.0 * 365.0 / 12.0);
        close("12 months", 365.0);
        close("30 days", 30.0);
        close("1 day", 1.0);
        close("24 hours", 1.0);
        close("30 minutes", 30.0 / 1440.0);
        close("30 mins", 30.0 / 1440.0);
        close("90 sec", 90.0 / 86_400.0);
        close("2 Weeks", 14.0);
        close("1440 Minutes", 1.0);
        close("0 days", 0.0);
        close("1 year ", 365.0);
        close("2 years after last activity", 730.0);
        close("1 week to 1 year", 365.0);
        close("Session to 30 days", 30.0);
        close("30 minutes, 3w or 1y depending on value", 365.0);
        close(
            "180 days after last activity or 10 years when opting out",
            3650.0,
        );
        close("1,5 years", 547.5);
        for none in [
            "session",
            "Session",
            "End of session (browser)",
            "session cookie",
            "Persistent",
            "forever",
            "Unlimited",
            "Unknown",
            "Varies",
            "10 Nov 2030",
            "Local Storage",
            "",
        ] {
            assert_eq!(retention_days(none), None, "{none}");
        }
    }

    const REAL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/open-cookie-database.csv"
    );

    #[test]
    #[allow(clippy::print_stderr)]
    fn real_database_when_present() {
        let path = Path::new(REAL);
        if !path.exists() {
            return;
        }
        let db = load(path).unwrap();
        assert!(db.len() > 2000, "{} entries", db.len());
        let ga = db.lookup("_ga", ".example.com").unwrap();
        assert_eq!(ga.entry.category, Category::Statistics);
        assert!(
            ga.entry.platform.contains("Google"),
            "{}",
            ga.entry.platform
        );
        let ga4 = db.lookup("_ga_ABC123", ".example.com").unwrap();
        assert_eq!(ga4.entry.category, Category::Statistics);
        assert!(ga4.prefix);
        let (consistent, total) = db.self_consistency();
        assert!(
            total > 2000 && consistent * 100 >= total * 95,
            "{consistent}/{total}"
        );
        let retained = db
            .entries()
            .iter()
            .filter(|e| retention_days(&e.retention).is_some())
            .count();
        eprintln!(
            "OCD: {} entries, {} skipped, self-consistency {consistent}/{total}, \
             retention parsed for {retained}",
            db.len(),
            db.skipped_rows()
        );
    }
}
