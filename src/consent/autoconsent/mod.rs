//! DuckDuckGo's autoconsent (MPL-2.0) as a second consent engine beside ours: its in-page
//! bundle and its rule set (about 800 rules, maintained against real sites), pinned to one
//! release. Like the Open Cookie Database it is never committed: `cookiescan consent update`
//! downloads the npm tarball through the browser, checks it against the pinned sha512, and
//! keeps only the bundle, the rules, the licence and the manifest in the cache.
//!
//! How a page is driven lives in `page.rs`; this file is the package: where it is, loading
//! it, installing it.

mod page;

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha512};
use url::Url;

use crate::browser::fetch::download;
use crate::browser::{BrowserError, BrowserOptions};

pub(crate) use page::AutoconsentRun;

/// The release cookiescan drives; its message protocol and rule format are what `page.rs`
/// speaks.
pub const VERSION: &str = "16.23.0";

/// The npm tarball of that release.
pub const TARBALL_URL: &str =
    "https://registry.npmjs.org/@duckduckgo/autoconsent/-/autoconsent-16.23.0.tgz";

/// The tarball's integrity as npm publishes it (`dist.integrity`).
const INTEGRITY: &str = "sha512-NTmDhASFf5pUsSwg2TyT9R75GYUcuYZXPyBnRcYgJgozg6RLeXXP9uH8ADxA364yQ2gJBMu83AN/D24Y4nkPKg==";

/// The files kept, as they sit in the package (and in the cache, without `package/`).
const KEPT: [&str; 4] = [
    "dist/autoconsent.playwright.js",
    "rules/rules.json",
    "LICENSE",
    "package.json",
];

/// Where the engine is cached: `<cache>/autoconsent/<VERSION>`.
pub fn default_dir() -> Option<PathBuf> {
    Some(crate::model::cache_dir()?.join("autoconsent").join(VERSION))
}

#[derive(Debug, thiserror::Error)]
pub enum AutoconsentError {
    #[error("autoconsent is not installed in {} (`cookiescan consent update` installs it)", dir.display())]
    Missing { dir: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not autoconsent's {what}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        what: &'static str,
        message: String,
    },
    #[error(
        "{} holds autoconsent {found}; this cookiescan drives {VERSION} (`cookiescan consent update` installs it)",
        dir.display()
    )]
    Version { dir: PathBuf, found: String },
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("cannot download {url}: {message}")]
    Download { url: String, message: String },
    #[error(
        "{url} is not autoconsent {VERSION} as published: its sha512 differs from the pinned one; nothing was written"
    )]
    Checksum { url: String },
    #[error("the autoconsent tarball is damaged: {message}; nothing was written")]
    Archive { message: String },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The engine, loaded: its bundle and its rules.
#[derive(Debug)]
pub struct Autoconsent {
    pub version: String,
    pub dir: PathBuf,
    bundle: String,
    rules: Vec<Value>,
}

impl Autoconsent {
    /// Loads the engine from `dir`: a cache directory, or an installed npm package.
    pub fn load(dir: &Path) -> Result<Autoconsent, AutoconsentError> {
        let manifest_path = dir.join("package.json");
        if !manifest_path.is_file() {
            return Err(AutoconsentError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| AutoconsentError::Read { path, source })
        };
        let invalid = |name: &str, what: &'static str, message: String| AutoconsentError::Invalid {
            path: dir.join(name),
            what,
            message,
        };
        let manifest: Value = serde_json::from_str(&read("package.json")?)
            .map_err(|e| invalid("package.json", "package manifest", e.to_string()))?;
        let version = manifest
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if version != VERSION {
            return Err(AutoconsentError::Version {
                dir: dir.to_path_buf(),
                found: version,
            });
        }
        let bundle = read(KEPT[0])?;
        if !bundle.contains("autoconsentReceiveMessage") {
            let message = "no autoconsentReceiveMessage entry point".to_string();
            return Err(invalid(KEPT[0], "Playwright bundle", message));
        }
        let rules: Value = serde_json::from_str(&read(KEPT[1])?)
            .map_err(|e| invalid(KEPT[1], "rule set", e.to_string()))?;
        let rules = rules
            .get("autoconsent")
            .and_then(Value::as_array)
            .filter(|rules| !rules.is_empty())
            .cloned()
            .ok_or_else(|| invalid(KEPT[1], "rule set", "no `autoconsent` rules".into()))?;
        Ok(Autoconsent {
            version,
            dir: dir.to_path_buf(),
            bundle,
            rules,
        })
    }

    /// How many rules the engine has.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The rules that may run in a frame: those for its place (top or sub-frame) whose URL
    /// pattern, if any, matches. A pattern Rust cannot compile is kept: autoconsent checks it
    /// again in the page.
    fn rules_for(&self, url: &str, top: bool) -> Vec<&Value> {
        self.rules
            .iter()
            .filter(|rule| {
                let context = rule.get("runContext");
                let flag = |name: &str, default: bool| {
                    context
                        .and_then(|c| c.get(name))
                        .and_then(Value::as_bool)
                        .unwrap_or(default)
                };
                let place = if top {
                    flag("main", true)
                } else {
                    flag("frame", false)
                };
                let pattern = context
                    .and_then(|c| c.get("urlPattern"))
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty());
                place
                    && pattern.is_none_or(|p| {
                        regex::Regex::new(p).map_or(true, |pattern| pattern.is_match(url))
                    })
            })
            .collect()
    }
}

/// Downloads the pinned release from `url` through the browser, checks it and installs it
/// into `dir`, replacing what was there only once everything checked out.
pub async fn update(
    url: &Url,
    dir: &Path,
    browser: &BrowserOptions,
) -> Result<Autoconsent, AutoconsentError> {
    let body = download(url, browser)
        .await?
        .map_err(|message| AutoconsentError::Download {
            url: url.to_string(),
            message,
        })?;
    install(&body, url.as_str(), dir)
}

/// Installs a downloaded tarball into `dir` once its checksum matches the pinned one.
pub fn install(tarball: &[u8], origin: &str, dir: &Path) -> Result<Autoconsent, AutoconsentError> {
    let digest = Sha512::digest(tarball);
    let integrity = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    if integrity != INTEGRITY {
        return Err(AutoconsentError::Checksum {
            url: origin.to_string(),
        });
    }
    let files = unpack(tarball)?;
    let staging = dir.with_extension("partial");
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AutoconsentError::Write { path, source }
    };
    let _ = std::fs::remove_dir_all(&staging);
    for (name, bytes) in &files {
        let path = staging.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        std::fs::write(&path, bytes).map_err(write_error(&path))?;
    }
    // Checked as a whole before it replaces anything.
    Autoconsent::load(&staging)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(write_error(dir))?;
    }
    std::fs::rename(&staging, dir).map_err(write_error(dir))?;
    Autoconsent::load(dir)
}

/// The kept files of a gzipped npm tarball, by their path in the package.
fn unpack(tarball: &[u8]) -> Result<Vec<(String, Vec<u8>)>, AutoconsentError> {
    let damaged = |message: String| AutoconsentError::Archive { message };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    let mut files = Vec::new();
    for entry in archive.entries().map_err(|e| damaged(e.to_string()))? {
        let mut entry = entry.map_err(|e| damaged(e.to_string()))?;
        let path = entry.path().map_err(|e| damaged(e.to_string()))?;
        let Some(name) = path
            .to_str()
            .and_then(|p| p.strip_prefix("package/"))
            .filter(|p| KEPT.contains(p))
            .map(str::to_string)
        else {
            continue;
        };
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| damaged(e.to_string()))?;
        files.push((name, bytes));
    }
    if let Some(missing) = KEPT.iter().find(|k| !files.iter().any(|(n, _)| n == *k)) {
        return Err(damaged(format!("it has no {missing}")));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(rules: Value) -> Autoconsent {
        Autoconsent {
            version: VERSION.into(),
            dir: PathBuf::new(),
            bundle: String::new(),
            rules: rules.as_array().unwrap().clone(),
        }
    }

    #[test]
    fn rules_are_chosen_by_place_and_url() {
        let engine = engine(serde_json::json!([
            { "name": "generic" },
            { "name": "site", "runContext": { "urlPattern": "^https://(www\\.)?shop\\.example/" } },
            { "name": "frame-only", "runContext": { "main": false, "frame": true } },
            { "name": "odd-pattern", "runContext": { "urlPattern": "(?<=x)y" } },
        ]));
        let names = |url: &str, top: bool| -> Vec<String> {
            engine
                .rules_for(url, top)
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            names("https://shop.example/cart", true),
            ["generic", "site", "odd-pattern"]
        );
        assert_eq!(
            names("https://other.example/", true),
            ["generic", "odd-pattern"]
        );
        assert_eq!(names("https://cmp.example/frame", false), ["frame-only"]);
    }

    #[test]
    fn a_tarball_that_is_not_the_pinned_release_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("autoconsent");
        let error = install(b"not a tarball", "https://mirror.example/a.tgz", &target).unwrap_err();
        assert!(
            matches!(error, AutoconsentError::Checksum { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("nothing was written"));
        assert!(!target.exists());
    }

    #[test]
    fn a_missing_or_other_version_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let error = Autoconsent::load(dir.path()).unwrap_err();
        assert!(matches!(error, AutoconsentError::Missing { .. }), "{error}");
        std::fs::write(dir.path().join("package.json"), r#"{"version":"1.0.0"}"#).unwrap();
        let error = Autoconsent::load(dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("holds autoconsent 1.0.0"),
            "{error}"
        );
    }
}
