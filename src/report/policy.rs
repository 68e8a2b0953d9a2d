//! The cookie-policy table: one section per category, rows grouping a provider's cookies of
//! one function, the location summarised from the pages that set them. Rendered as Markdown,
//! HTML, CSV or JSON from the same rows, so every format says the same thing.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::classify::{Category, Classification, Classifier};
use crate::model::{CookieRecord, Mode, PageOutcome, Party, Scan, SetBy};
use crate::text::words::{duration, page_label};

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Provider,
    FunctionAndLocation,
    Names,
    Purpose,
    Duration,
    Party,
    Domain,
    BeforeConsent,
    /// Cookiebot-style "Type": HTTP or JavaScript.
    Type,
}

/// Table layout: which columns, in which language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSettings {
    #[serde(default = "default_columns")]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub language: Language,
    /// Heading overrides per category (machine value → heading).
    #[serde(default)]
    pub headings: BTreeMap<Category, String>,
}

impl Default for TableSettings {
    fn default() -> Self {
        TableSettings {
            columns: default_columns(),
            language: Language::En,
            headings: BTreeMap::new(),
        }
    }
}

/// The classic four columns and the lifetime, which regulators and visitors look for.
fn default_columns() -> Vec<Column> {
    let mut columns = classic_columns();
    columns.push(Column::Duration);
    columns
}

/// The classic four columns: provider, function and location, names, purposes.
pub fn classic_columns() -> Vec<Column> {
    vec![
        Column::Provider,
        Column::FunctionAndLocation,
        Column::Names,
        Column::Purpose,
    ]
}

/// The Cookiebot-style declaration: Name | Provider | Purpose | Expiry | Type.
pub fn cookiebot_columns() -> Vec<Column> {
    vec![
        Column::Names,
        Column::Provider,
        Column::Purpose,
        Column::Duration,
        Column::Type,
    ]
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Fr,
}

pub(super) struct Labels {
    pub(super) column: fn(Column) -> &'static str,
    pub(super) heading: fn(Category) -> (&'static str, &'static str),
    pub(super) whole_site: &'static str,
    pub(super) needs_review: &'static str,
    pub(super) inferred: &'static str,
    pub(super) title: &'static str,
    pub(super) scan_of: &'static str,
    pub(super) consent: &'static str,
    pub(super) yes: &'static str,
    pub(super) no: &'static str,
    pub(super) first: &'static str,
    pub(super) third: &'static str,
    pub(super) last_updated: &'static str,
}

pub(super) fn labels(language: Language) -> Labels {
    match language {
        Language::En => Labels {
            column: |c| match c {
                Column::Provider => "Service provider's name",
                Column::FunctionAndLocation => "Function and location",
                Column::Names => "Cookie name(s)",
                Column::Purpose => "Purposes",
                Column::Duration => "Duration",
                Column::Party => "Party",
                Column::Domain => "Domain",
                Column::BeforeConsent => "Set before consent",
                Column::Type => "Type",
            },
            heading: |c| match c {
                Category::Necessary => (
                    "Cookies necessary for the site to function",
                    "They keep the site working (sessions, security, your consent choices) and need no consent.",
                ),
                Category::Functionality => (
                    "Functionality cookies",
                    "They remember your choices, such as your language, to make the site easier to use.",
                ),
                Category::Statistics => (
                    "Statistical cookies",
                    "They measure how the site is used so that it can be improved.",
                ),
                Category::Marketing => (
                    "Marketing and third-party cookies",
                    "They are set by us or by partners to show and measure advertising, often across sites.",
                ),
                Category::Unclassified => (
                    "Cookies being reviewed",
                    "The purpose of these cookies is being reviewed.",
                ),
            },
            whole_site: "whole site",
            needs_review: "Needs review",
            last_updated: "Last updated",
            inferred: "category inferred from the site's consent banner or the cookie's name",
            title: "Cookies used on",
            scan_of: "Scan of",
            consent: "Consent banner",
            yes: "yes",
            no: "no",
            first: "first party",
            third: "third party",
        },
        Language::Fr => Labels {
            column: |c| match c {
                Column::Provider => "Nom du prestataire",
                Column::FunctionAndLocation => "Fonction et emplacement",
                Column::Names => "Nom(s) du cookie",
                Column::Purpose => "Finalités",
                Column::Duration => "Durée",
                Column::Party => "Origine",
                Column::Domain => "Domaine",
                Column::BeforeConsent => "Déposé avant consentement",
                Column::Type => "Type",
            },
            heading: |c| match c {
                Category::Necessary => (
                    "Cookies nécessaires au fonctionnement du site",
                    "Ils font fonctionner le site (session, sécurité, vos choix de cookies) et ne requièrent pas de consentement.",
                ),
                Category::Functionality => (
                    "Cookies de fonctionnalité",
                    "Ils mémorisent vos choix, comme votre langue, pour faciliter l'usage du site.",
                ),
                Category::Statistics => (
                    "Cookies statistiques",
                    "Ils mesurent l'utilisation du site afin de l'améliorer.",
                ),
                Category::Marketing => (
                    "Cookies publicitaires et tiers",
                    "Ils sont déposés par nous ou nos partenaires pour afficher et mesurer la publicité, souvent d'un site à l'autre.",
                ),
                Category::Unclassified => (
                    "Cookies en cours d'examen",
                    "La finalité de ces cookies est en cours d'examen.",
                ),
            },
            whole_site: "tout le site",
            needs_review: "À vérifier",
            last_updated: "Dernière mise à jour",
            inferred: "catégorie déduite du bandeau de consentement du site ou du nom du cookie",
            title: "Cookies utilisés sur",
            scan_of: "Analyse de",
            consent: "Bandeau de consentement",
            yes: "oui",
            no: "non",
            first: "interne",
            third: "tiers",
        },
    }
}

/// One row of the table, in plain text (renderers escape it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub category: Category,
    pub provider: String,
    pub function: String,
    pub location: String,
    pub names: Vec<String>,
    pub purpose: String,
    pub duration: String,
    pub party: String,
    pub domains: Vec<String>,
    pub before_consent: Option<bool>,
    pub kind: String,
    pub needs_review: bool,
    /// The scan's evidence for rows whose category was inferred (no fact knew the cookies):
    /// a reviewer confirms them, or writes them down with `cookiescan annotate`.
    pub inferred: Vec<String>,
}

/// The whole table.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyTable {
    pub site: String,
    pub scanned_at: String,
    pub modes: Vec<Mode>,
    pub sections: Vec<(Category, Vec<Row>)>,
}

impl PolicyTable {
    /// Rows some cookie of which no source knew well enough: the operator should check them.
    pub fn needs_review(&self) -> impl Iterator<Item = &Row> {
        self.sections
            .iter()
            .flat_map(|(_, rows)| rows)
            .filter(|row| row.needs_review)
    }
}

/// Classifies every cookie of the scan and groups them into rows.
pub fn build(scan: &Scan, classifier: &Classifier, settings: &TableSettings) -> PolicyTable {
    let words = labels(settings.language);
    let visited_ok: usize = scan
        .modes
        .first()
        .map(|run| {
            run.pages
                .iter()
                .filter(|p| p.outcome == PageOutcome::Ok)
                .count()
        })
        .unwrap_or(0);
    let before_scanned = scan.modes.iter().any(|m| m.mode == Mode::BeforeConsent);
    type Key = (Category, String, String, String);
    let mut groups: BTreeMap<Key, Vec<(&CookieRecord, Classification)>> = BTreeMap::new();
    for cookie in &scan.cookies {
        let class = classifier.classify_cookie(cookie);
        let key = (
            class.category,
            class.provider.clone(),
            class.function.clone(),
            class.purpose.clone(),
        );
        groups.entry(key).or_default().push((cookie, class));
    }
    let mut sections: BTreeMap<Category, Vec<Row>> = BTreeMap::new();
    for ((category, provider, function, purpose), members) in groups {
        let names: BTreeSet<String> = members.iter().map(|(_, c)| c.pattern.clone()).collect();
        let domains: BTreeSet<String> = members
            .iter()
            .map(|(c, _)| c.domain.trim_start_matches('.').to_string())
            .collect();
        let durations: BTreeSet<String> = members.iter().map(|(c, _)| duration(c)).collect();
        let parties: BTreeSet<&str> = members
            .iter()
            .map(|(c, _)| match c.party {
                Party::First => words.first,
                Party::Third => words.third,
            })
            .collect();
        let kinds: BTreeSet<&str> = members
            .iter()
            .map(|(c, _)| match c.set_by {
                SetBy::Javascript => "JavaScript",
                SetBy::Both => "HTTP, JavaScript",
                SetBy::Http | SetBy::Unknown => "HTTP",
            })
            .collect();
        let cookies: Vec<&CookieRecord> = members.iter().map(|(c, _)| *c).collect();
        sections.entry(category).or_default().push(Row {
            category,
            provider,
            function,
            location: location(&cookies, scan, visited_ok, words.whole_site),
            names: names.into_iter().collect(),
            purpose,
            duration: durations.into_iter().collect::<Vec<_>>().join(", "),
            party: parties.into_iter().collect::<Vec<_>>().join(", "),
            domains: domains.into_iter().collect(),
            before_consent: before_scanned.then(|| {
                cookies
                    .iter()
                    .any(|c| c.modes.contains(&Mode::BeforeConsent))
            }),
            kind: kinds.into_iter().collect::<Vec<_>>().join(", "),
            needs_review: members.iter().any(|(_, c)| c.needs_review),
            inferred: members
                .iter()
                .filter_map(|(c, class)| {
                    let evidence = class.evidence.as_ref()?;
                    Some(format!("{}: {evidence}", c.name))
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        });
    }
    PolicyTable {
        site: scan.site.registrable_domain.clone(),
        scanned_at: scan.timing.started_at.clone(),
        modes: scan.modes.iter().map(|m| m.mode).collect(),
        sections: sections.into_iter().collect(),
    }
}

/// Where cookies are set, compactly: "whole site" for site-wide cookies set on the home page or
/// on most pages, else path patterns (`/fr/*`, `/checkout`), never a long list of URLs.
fn location(cookies: &[&CookieRecord], scan: &Scan, visited_ok: usize, whole_site: &str) -> String {
    let start = Url::parse(&scan.site.start_url).ok();
    let start_path = start
        .as_ref()
        .map(|u| u.path().to_string())
        .unwrap_or("/".into());
    let host = scan.site.host.as_str();
    let mut pages: BTreeSet<String> = BTreeSet::new();
    for cookie in cookies {
        pages.extend(cookie.pages.iter().map(|p| page_label(p, host)));
    }
    let site_wide_path = cookies.iter().all(|c| c.path == "/");
    if site_wide_path
        && (pages.is_empty() || pages.contains(&start_path) || pages.len() * 2 >= visited_ok.max(1))
    {
        return whole_site.to_string();
    }
    if pages.is_empty() {
        let paths: BTreeSet<String> = cookies.iter().map(|c| format!("{}*", c.path)).collect();
        return paths.into_iter().collect::<Vec<_>>().join(", ");
    }
    // Group by host and first path segment: two pages or more under one segment become `/seg/*`.
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for page in &pages {
        let (prefix, path) = match page.find("://") {
            Some(_) => match Url::parse(page) {
                Ok(url) => (
                    format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
                    url.path().to_string(),
                ),
                Err(_) => (String::new(), page.clone()),
            },
            None => (
                String::new(),
                page.split('?').next().unwrap_or(page).to_string(),
            ),
        };
        let segment = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        groups
            .entry((prefix.clone(), segment))
            .or_default()
            .push(format!("{prefix}{path}"));
    }
    // Another host of the site whose home page sets the cookie: the whole host.
    let whole_hosts: BTreeSet<String> = groups
        .iter()
        .filter(|((prefix, segment), members)| {
            !prefix.is_empty()
                && segment.is_empty()
                && members.iter().any(|m| m == &format!("{prefix}/"))
        })
        .map(|((prefix, _), _)| prefix.clone())
        .collect();
    groups.retain(|(prefix, _), _| !whole_hosts.contains(prefix));
    let mut parts: Vec<String> = whole_hosts
        .into_iter()
        .map(|prefix| format!("{prefix}/*"))
        .collect();
    parts.extend(groups.into_iter().map(|((prefix, segment), members)| {
        let unique: BTreeSet<String> = members.into_iter().collect();
        if unique.len() >= 2 && !segment.is_empty() {
            format!("{prefix}/{segment}/*")
        } else {
            unique.into_iter().collect::<Vec<_>>().join(", ")
        }
    }));
    if parts.len() > 5 {
        let more = parts.len() - 4;
        parts.truncate(4);
        parts.push(format!("+{more}"));
    }
    parts.join(", ")
}

pub(super) fn cell(row: &Row, column: Column, words: &Labels) -> String {
    match column {
        Column::Provider => row.provider.clone(),
        Column::FunctionAndLocation => match (row.function.is_empty(), row.location.is_empty()) {
            (true, _) => row.location.clone(),
            (false, true) => row.function.clone(),
            (false, false) => format!("{} ({})", row.function, row.location),
        },
        Column::Names => row.names.join(", "),
        Column::Purpose => row.purpose.clone(),
        Column::Duration => row.duration.clone(),
        Column::Party => row.party.clone(),
        Column::Domain => row.domains.join(", "),
        Column::BeforeConsent => match row.before_consent {
            Some(true) => words.yes.into(),
            Some(false) => words.no.into(),
            None => String::new(),
        },
        Column::Type => row.kind.clone(),
    }
}

pub(super) fn heading(
    category: Category,
    settings: &TableSettings,
    words: &Labels,
) -> (String, String) {
    let (default, explanation) = (words.heading)(category);
    let title = settings
        .headings
        .get(&category)
        .cloned()
        .unwrap_or_else(|| default.to_string());
    (title, explanation.to_string())
}
