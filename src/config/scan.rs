//! The settings of a scan, one shape for the command line (`cookiescan scan --max-pages 50`)
//! and a site config's `[scan]` section (`max_pages = 50`): every field is optional, unknown
//! keys are refused, `over` merges the command line over the config in one place, and the
//! defaults come once, from the rooms that own them (`Limits`, `VisitTiming`,
//! `ConsentTiming`, the crawl's concurrency), when the merged settings become `ScanSettings`.

use std::time::Duration;

use clap::builder::{PossibleValue, RangedU64ValueParser};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

use crate::browser::VisitTiming;
use crate::consent::{ConsentEngine, ConsentTiming};
use crate::crawl::DEFAULT_CONCURRENCY;
use crate::diff::{ChangeKind, parse_kinds};
use crate::discover::{Limits, ScopeMode};
use crate::model::Mode;

/// How to scan a site. On the command line each field is an option; in a site config, a key
/// of `[scan]`. The URL and extra start pages come from the config only (the command line
/// takes the URL as its argument).
#[derive(Debug, Clone, Default, PartialEq, Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// The page to start from.
    #[arg(skip)]
    pub url: Option<String>,
    /// More pages to start from (same site), e.g. sections no link reaches.
    #[arg(skip)]
    #[serde(default)]
    pub extra_urls: Vec<String>,
    #[arg(long, value_enum, help = with_default("Which hosts belong to the scan", "site"))]
    pub scope: Option<ScopeMode>,
    /// Only visit pages whose path starts with this prefix
    #[arg(long, value_name = "PATH")]
    pub path_prefix: Option<String>,
    /// Only visit URLs matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    #[serde(default)]
    pub include: Vec<String>,
    /// Never visit URLs matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Visit pages robots.txt disallows (for your own site)
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub ignore_robots: Option<bool>,
    /// Do not read sitemaps
    #[arg(long = "no-sitemaps", num_args = 0, default_missing_value = "false")]
    pub sitemaps: Option<bool>,
    #[arg(long, value_name = "N", value_parser = at_least_one(),
        help = with_default("Most pages to visit", Limits::default().max_pages))]
    pub max_pages: Option<usize>,
    /// Most link hops from the start page
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    #[arg(long, value_name = "N", help = with_default(
        "Most URLs differing only in query string per path (against infinite calendars)",
        Limits::default().max_query_variants,
    ))]
    pub max_query_variants: Option<usize>,
    #[arg(long, value_name = "N", value_parser = at_least_one(),
        help = with_default("Tabs visiting pages at once", DEFAULT_CONCURRENCY))]
    pub concurrency: Option<usize>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help = with_default(
        "Longest a page may take to load",
        human(VisitTiming::default().page_timeout),
    ))]
    #[serde(default, with = "duration_text")]
    pub page_timeout: Option<Duration>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help = with_default(
        "Network silence after load that counts as settled",
        human(VisitTiming::default().settle_quiet),
    ))]
    #[serde(default, with = "duration_text")]
    pub settle: Option<Duration>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help = with_default(
        "Longest wait for the network to settle after load",
        human(VisitTiming::default().settle_max),
    ))]
    #[serde(default, with = "duration_text")]
    pub settle_max: Option<Duration>,
    #[arg(long, value_name = "N", help = with_default(
        "Elements clicked per page, at most, to find pages a script navigates to (0: none)",
        VisitTiming::default().interact_budget,
    ))]
    pub interact_budget: Option<usize>,
    /// Load and settle only: no scrolling, pointer, timer waits or clicks (faster; misses what
    /// waits for a visitor)
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub plain_visits: Option<bool>,
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help = with_default(
        "How long to look for a late cookie banner on the first page of the accept and reject \
         passes",
        human(ConsentTiming::default().find_banner),
    ))]
    #[serde(default, with = "duration_text")]
    pub banner_wait: Option<Duration>,
    #[arg(long, value_enum, value_delimiter = ',', help = with_default(
        "Consent modes to scan, comma-separated, in order (the first discovers the pages)",
        Mode::ALL.map(Mode::as_str).join(","),
    ))]
    pub modes: Option<Vec<Mode>>,
    #[arg(long, value_enum, value_name = "ENGINE", help = with_default(
        "Which engine answers banners: ours (cookiescan's rules and heuristic), autoconsent \
         (DuckDuckGo's, alone), or both (ours, then autoconsent where ours fails)",
        ConsentEngine::default().as_str(),
    ))]
    pub consent_engine: Option<ConsentEngine>,
    /// Store cookie values in the scan (they can be session secrets; by default only a hash
    /// and length)
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub keep_values: Option<bool>,
    /// Pass a flag to Chromium, e.g. --chrome-arg=--host-resolver-rules="MAP www.example.com
    /// 10.0.0.5" (repeatable)
    #[arg(long = "chrome-arg", value_name = "ARG", allow_hyphen_values = true)]
    #[serde(default)]
    pub chrome_args: Vec<String>,
    /// Accept invalid TLS certificates (staging sites)
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub insecure: Option<bool>,
    /// Exit with 1 when the diff against the previous scan has any of these kinds of change
    /// (comma-separated: added, before-consent, survives-reject, lifetime-longer,
    /// category-changed, …; `regressions` or `any`); default: the config's [scan] fail_on
    #[arg(long, value_name = "KINDS", value_delimiter = ',', value_parser = kind_word)]
    #[serde(default)]
    pub fail_on: Vec<String>,
    /// Exit with 1 when a cookie other than the consent platform's own is set before consent
    /// or survives "reject all"
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub fail_on_violations: Option<bool>,
    /// The strict reading: a cookie only counts as necessary when a site note or a database
    /// says so, never because its name suggests it (inferred categories stay for review)
    #[arg(long, num_args = 0, default_missing_value = "true")]
    pub strict: Option<bool>,
    #[arg(long, value_enum, value_name = "WHEN", help = with_default(
        "Per-category passes: grant each of the site's consent categories alone, on the pages \
         where gated cookies appeared, to learn what each brings (auto: when the banner's \
         platform can grant one category alone and accepting brought cookies; off: never)",
        CategoryPasses::Auto.as_str(),
    ))]
    pub categories: Option<CategoryPasses>,
    #[arg(long, value_name = "N", value_parser = at_least_one(), help = with_default(
        "Most pages each per-category pass visits (of those where gated cookies appeared)",
        crate::crawl::DEFAULT_CATEGORY_PAGES,
    ))]
    pub category_pages: Option<usize>,
    /// Keep only the N newest scans of the site, deleting older ones and their screenshots
    #[arg(long, value_name = "N", value_parser = at_least_one())]
    pub retain: Option<usize>,
}

impl ScanSection {
    /// These settings (the command line's) over `config`'s: a value given here wins, lists
    /// add up (the config's first), and a flag set in either is set.
    pub fn over(self, config: &ScanSection) -> ScanSection {
        let config = config.clone();
        let either = |here: Option<bool>, there: Option<bool>| match (here, there) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (here, there) => here.or(there),
        };
        let joined = |there: Vec<String>, here: Vec<String>| [there, here].concat();
        ScanSection {
            url: self.url.or(config.url),
            extra_urls: joined(config.extra_urls, self.extra_urls),
            scope: self.scope.or(config.scope),
            path_prefix: self.path_prefix.or(config.path_prefix),
            include: joined(config.include, self.include),
            exclude: joined(config.exclude, self.exclude),
            ignore_robots: either(self.ignore_robots, config.ignore_robots),
            sitemaps: match (self.sitemaps, config.sitemaps) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (here, there) => here.or(there),
            },
            max_pages: self.max_pages.or(config.max_pages),
            max_depth: self.max_depth.or(config.max_depth),
            max_query_variants: self.max_query_variants.or(config.max_query_variants),
            concurrency: self.concurrency.or(config.concurrency),
            page_timeout: self.page_timeout.or(config.page_timeout),
            settle: self.settle.or(config.settle),
            settle_max: self.settle_max.or(config.settle_max),
            interact_budget: self.interact_budget.or(config.interact_budget),
            plain_visits: either(self.plain_visits, config.plain_visits),
            banner_wait: self.banner_wait.or(config.banner_wait),
            modes: self.modes.or(config.modes),
            consent_engine: self.consent_engine.or(config.consent_engine),
            keep_values: either(self.keep_values, config.keep_values),
            chrome_args: joined(config.chrome_args, self.chrome_args),
            insecure: either(self.insecure, config.insecure),
            fail_on: if self.fail_on.is_empty() {
                config.fail_on
            } else {
                self.fail_on
            },
            fail_on_violations: either(self.fail_on_violations, config.fail_on_violations),
            strict: either(self.strict, config.strict),
            categories: self.categories.or(config.categories),
            category_pages: self.category_pages.or(config.category_pages),
            retain: self.retain.or(config.retain),
        }
    }

    /// `fail_on` as kinds of change (`regressions` and `any` expanded); settings that were
    /// parsed or loaded have none it does not know.
    pub fn fail_on_kinds(&self) -> Result<std::collections::BTreeSet<ChangeKind>, String> {
        parse_kinds(&self.fail_on.join(","))
    }

    /// Mistakes serde cannot see, as the config file reports them.
    pub(super) fn problems(&self) -> Option<String> {
        if let Err(error) = self.fail_on_kinds() {
            return Some(format!("[scan] fail_on: {error}"));
        }
        if self.modes.as_ref().is_some_and(Vec::is_empty) {
            return Some("[scan] modes is empty".into());
        }
        for (key, value) in [
            ("retain", self.retain),
            ("concurrency", self.concurrency),
            ("max_pages", self.max_pages),
            ("category_pages", self.category_pages),
        ] {
            if value == Some(0) {
                return Some(format!("[scan] {key} must be at least 1"));
            }
        }
        None
    }
}

/// `--categories`: whether the per-category passes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CategoryPasses {
    /// When the platform can grant one category alone and accepting brought cookies.
    #[default]
    Auto,
    /// Never: the mode passes only.
    Off,
}

impl CategoryPasses {
    pub fn as_str(self) -> &'static str {
        match self {
            CategoryPasses::Auto => "auto",
            CategoryPasses::Off => "off",
        }
    }
}

impl ValueEnum for ScopeMode {
    fn value_variants<'a>() -> &'a [Self] {
        &[ScopeMode::Site, ScopeMode::Host]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ScopeMode::Site => PossibleValue::new("site").help(
                "Every host of the start URL's registrable domain (shop.example.com with \
                 www.example.com)",
            ),
            ScopeMode::Host => PossibleValue::new("host").help("Only the start URL's host"),
        })
    }
}

impl ValueEnum for ConsentEngine {
    fn value_variants<'a>() -> &'a [Self] {
        &ConsentEngine::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for Mode {
    fn value_variants<'a>() -> &'a [Self] {
        &Mode::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Mode::BeforeConsent => "The banner is never answered",
            Mode::Accept => "\"Accept all\"",
            Mode::Reject => "\"Reject all\"",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

/// A help line ending in its default, so the default is written once, where it is used.
fn with_default(text: &str, default: impl std::fmt::Display) -> String {
    format!("{text} [default: {default}]")
}

fn human(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

fn at_least_one() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::<usize>::new().range(1..)
}

/// A duration as people write it: `30s`, `500ms`, `2m`; zero is refused.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 30s, 500ms, 2m)"))?;
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(duration)
}

/// One word of `--fail-on`: a kind of change, `regressions` or `any`.
fn kind_word(text: &str) -> Result<String, String> {
    parse_kinds(text)?;
    Ok(text.trim().to_string())
}

/// Durations written as humans do: `"30s"`, `"500ms"`, `"2m"`.
mod duration_text {

    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let text = String::deserialize(d)?;
        let duration = humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!("{text:?} is not a duration ({e}; e.g. 30s, 500ms)"))
        })?;
        if duration.is_zero() {
            return Err(serde::de::Error::custom(
                "a duration must be more than zero",
            ));
        }
        Ok(Some(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn the_command_line_wins_lists_add_up_and_flags_set_anywhere_hold() {
        let config = ScanSection {
            url: Some("https://www.example.com/".into()),
            max_pages: Some(50),
            settle: Some(Duration::from_secs(1)),
            include: vec!["/shop".into()],
            chrome_args: vec!["--from-config".into()],
            sitemaps: Some(false),
            insecure: Some(true),
            fail_on: vec!["added".into()],
            ..ScanSection::default()
        };
        let command_line = ScanSection {
            max_pages: Some(5),
            include: vec!["/blog".into()],
            chrome_args: vec!["--from-command-line".into()],
            insecure: Some(false),
            ..ScanSection::default()
        };
        let merged = command_line.over(&config);
        assert_eq!(merged.url.as_deref(), Some("https://www.example.com/"));
        assert_eq!(merged.max_pages, Some(5));
        assert_eq!(merged.settle, Some(Duration::from_secs(1)));
        assert_eq!(merged.include, vec!["/shop", "/blog"]);
        assert_eq!(
            merged.chrome_args,
            vec!["--from-config", "--from-command-line"]
        );
        assert_eq!(merged.sitemaps, Some(false));
        assert_eq!(merged.insecure, Some(true));
        assert_eq!(merged.fail_on, vec!["added"]);
        let overridden = ScanSection {
            fail_on: vec!["regressions".into()],
            ..ScanSection::default()
        }
        .over(&config);
        assert_eq!(overridden.fail_on, vec!["regressions"]);
    }
}
