//! A site's own scan configuration, `scans/<site host>.toml` by default: consent rules for the
//! site's banner (same shape as the built-in rules, tried first and overriding built-ins with
//! the same id) and consent cookies to pre-set instead of clicking.
//!
//! ```toml
//! [[consent.platform]]
//! id = "our-banner"
//! name = "Our own banner"
//! detect = { selectors = ["#consent"] }
//! visible = ["#consent"]
//! accept = [{ steps = [{ click = "#consent .yes" }] }]
//! reject = [{ steps = [{ click = "#consent .no" }] }]
//!
//! [[consent.preset.reject]]
//! name = "consent"
//! value = "necessary"
//! domain = ".example.com"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::classify::Annotation;
use crate::consent::Choice;
use crate::consent::preset::PresetCookie;
use crate::consent::rules::{Platform, RuleSet};
use crate::report::policy::TableSettings;

mod scan;

pub(crate) use scan::{CategoryPasses, ScanSection};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the site config {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the site config {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    #[serde(default)]
    pub site: SiteSection,
    #[serde(default)]
    pub consent: ConsentConfig,
    /// The operator's notes on cookies: provider, function, purpose, category.
    #[serde(default, rename = "cookie")]
    pub cookies: Vec<Annotation>,
    /// Layout of the cookie-policy table.
    #[serde(default)]
    pub table: TableSettings,
    /// How to scan the site; command-line options override it.
    #[serde(default)]
    pub scan: ScanSection,
    /// The published cookie policy to check every scan against.
    #[serde(default)]
    pub check: CheckSection,
}

/// The cookie table the site publishes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    /// A CSV, Markdown or `report --format json` file (relative to this config file), or the
    /// page that publishes it (`https://…`, read in the browser; a saved `.html` file too).
    pub policy: Option<String>,
    /// Exit with 1 when the scan and the policy disagree.
    #[serde(default)]
    pub fail_on_drift: bool,
    /// An observed lifetime over this many times the declared one is a contradiction.
    pub lifetime_tolerance: Option<f64>,
}

/// Facts about the site itself.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteSection {
    /// Who runs the site: named as the provider of its own cookies.
    #[serde(default)]
    pub operator: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConsentConfig {
    /// Rules for the site's banner.
    #[serde(default)]
    pub platform: Vec<Platform>,
    /// Cookies set in the pass's fresh context before the first page, per answer.
    #[serde(default)]
    pub preset: BTreeMap<Choice, Vec<PresetCookie>>,
}

impl SiteConfig {
    /// Reads a config file. `required` is false for the default location, which may be absent.
    pub fn load(path: &Path, required: bool) -> Result<SiteConfig, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if !required && error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SiteConfig::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let config: SiteConfig = toml::from_str(&text).map_err(|error| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: with_suggestion(error.to_string().trim_end()),
        })?;
        let rules = RuleSet {
            platforms: config.consent.platform.clone(),
        };
        rules.validate().map_err(|error| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if let Some(problem) = config.scan.problems() {
            return Err(invalid(problem));
        }
        if config
            .check
            .lifetime_tolerance
            .is_some_and(|t| t.is_nan() || t < 1.0)
        {
            return Err(invalid(
                "[check] lifetime_tolerance must be 1 or more".into(),
            ));
        }
        let mut config = config;
        // A relative policy path is relative to the config file, not to where cookiescan runs.
        if let Some(policy) = config.check.policy.take() {
            let is_url = policy.starts_with("https://") || policy.starts_with("http://");
            config.check.policy = Some(match path.parent() {
                Some(dir) if !is_url && Path::new(&policy).is_relative() => {
                    dir.join(policy).display().to_string()
                }
                _ => policy,
            });
        }
        Ok(config)
    }

    /// The built-in rules with this site's rules in front.
    pub fn consent_rules(&self, builtin: RuleSet) -> RuleSet {
        builtin.merged(RuleSet {
            platforms: self.consent.platform.clone(),
        })
    }
}

/// A toml error about an unknown key, with the nearest known key named (`max_pagez`: "did you
/// mean `max_pages`?"), as clap does for a mistyped flag.
fn with_suggestion(message: &str) -> String {
    let Some((_, rest)) = message.split_once("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, rest)) = rest.split_once('`') else {
        return message.to_string();
    };
    let expected = rest.split_once("expected").map_or("", |(_, list)| list);
    let nearest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|known| (strsim::jaro_winkler(unknown, known), known))
        .filter(|(similarity, _)| *similarity > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match nearest {
        Some((_, known)) => format!("{message}\ndid you mean `{known}`?"),
        None => message.to_string(),
    }
}

/// Site notes as `[[cookie]]` tables to append to a site config, each under a comment with the
/// evidence it rests on. Names and labels come from the scanned site: the TOML serialiser
/// quotes them, and the comment is kept to one line of printable characters.
pub(crate) fn notes_as_toml(notes: &[(Annotation, String)]) -> Result<String, toml::ser::Error> {
    let mut out = String::new();
    for (note, evidence) in notes {
        let one_line: String = evidence
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&format!(
            "\n# Inferred by cookiescan: {one_line}.\n# Confirm the category and write its purpose.\n[[cookie]]\n"
        ));
        out.push_str(&toml::to_string(note)?);
    }
    Ok(out)
}

/// The default config location of a site: `<scans dir>/<host>.toml`.
pub(crate) fn default_config_path(scans_dir: &Path, host: &str) -> PathBuf {
    scans_dir.join(format!("{}.toml", crate::model::host_file_name(host)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::Mode;

    fn load_text(text: &str) -> Result<SiteConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.toml");
        std::fs::write(&path, text).unwrap();
        SiteConfig::load(&path, true)
    }

    #[test]
    fn the_documented_example_loads() {
        let doc = include_str!("mod.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start().to_string() + "\n")
            .collect();
        let config = load_text(&example).expect("example is valid");
        assert_eq!(config.consent.platform[0].id, "our-banner");
        assert_eq!(config.consent.preset[&Choice::Reject][0].path, "/");
        let rules = config.consent_rules(crate::consent::rules::builtin_rules());
        assert_eq!(rules.platforms[0].id, "our-banner");
    }

    #[test]
    fn the_readme_example_loads() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let section = &readme[readme.find("### Site config").expect("README section")..];
        let example: String = section
            .lines()
            .skip_while(|l| !l.starts_with("```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("```"))
            .map(|l| format!("{l}\n"))
            .collect();
        let config = load_text(&example).expect("README example is valid");
        assert_eq!(config.consent.platform[0].reject[0].steps.len(), 3);
        assert_eq!(
            config.consent.preset[&Choice::Reject][0].domain.as_deref(),
            Some(".example.com")
        );
    }

    #[test]
    fn the_example_site_config_loads_and_sets_every_section() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/example-site.toml");
        let config = SiteConfig::load(&path, true).expect("docs/example-site.toml is valid");
        let scan = &config.scan;
        assert_eq!(scan.url.as_deref(), Some("https://www.example.com/"));
        assert_eq!(scan.extra_urls.len(), 1);
        assert_eq!(scan.page_timeout, Some(Duration::from_secs(30)));
        assert_eq!(scan.settle, Some(Duration::from_millis(500)));
        assert_eq!(
            scan.modes.as_deref(),
            Some(&[Mode::BeforeConsent, Mode::Accept, Mode::Reject][..])
        );
        assert_eq!(scan.retain, Some(30));
        assert!(!scan.fail_on.is_empty());
        assert_eq!(config.site.operator.as_deref(), Some("Example Ltd"));
        // Relative to the config file, not to the working directory.
        assert_eq!(
            config.check.policy,
            Some(
                path.with_file_name("www.example.com-policy.md")
                    .display()
                    .to_string()
            )
        );
        let remote = load_text("[check]\npolicy = \"https://www.example.com/cookies\"\n").unwrap();
        assert_eq!(
            remote.check.policy.as_deref(),
            Some("https://www.example.com/cookies")
        );
        assert!(config.check.fail_on_drift);
        assert_eq!(config.cookies.len(), 2);
        assert_eq!(config.consent.platform[0].id, "our-banner");
        assert_eq!(config.consent.preset[&Choice::Reject][0].name, "consent");
        assert_ne!(config.table, TableSettings::default());
        // The comment listing the kinds of change names every kind there is.
        let text = std::fs::read_to_string(&path).unwrap();
        for kind in crate::diff::ChangeKind::ALL {
            assert!(
                text.contains(&format!(" {kind},")) || text.contains(&format!(" {kind};")),
                "docs/example-site.toml does not list {kind}"
            );
        }
    }

    #[test]
    fn scan_section_mistakes_are_caught_at_load() {
        for (text, expected) in [
            ("[scan]\nfail_on = [\"added\", \"typo\"]\n", "typo"),
            ("[scan]\npage_timeout = \"soon\"\n", "soon"),
            ("[scan]\nsettle = \"0s\"\n", "more than zero"),
            ("[scan]\nretain = 0\n", "retain"),
            ("[scan]\nmodes = []\n", "modes"),
            ("[scan]\nmax_pagez = 3\n", "did you mean `max_pages`?"),
            ("[check]\npolicyy = \"x.md\"\n", "did you mean `policy`?"),
            ("[check]\nlifetime_tolerance = 0.5\n", "lifetime_tolerance"),
        ] {
            let error = load_text(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn mistakes_are_reported_with_the_file() {
        let error = load_text("[consent]\nunknown = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("site.toml") && error.contains("unknown"),
            "{error}"
        );
        let error = load_text("[[consent.platform]]\nid = \"x\"\nname = \"X\"\ndetect = {}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("x"), "{error}");
        assert!(load_text("not toml [").is_err());
    }

    #[test]
    fn a_missing_default_config_is_fine_but_a_named_one_is_not() {
        let missing = Path::new("/nonexistent/site.toml");
        assert_eq!(
            SiteConfig::load(missing, false).unwrap(),
            SiteConfig::default()
        );
        assert!(SiteConfig::load(missing, true).is_err());
    }
}
