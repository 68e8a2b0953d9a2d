//! Keeping a local copy of the Open Cookie Database: `cookiescan db update` downloads the CSV
//! (through the browser, so proxies and resolver rules apply as for scans), checks that it
//! parses, and only then replaces the cached copy, atomically.

use std::path::{Path, PathBuf};

use url::Url;

use super::ocd;
use crate::browser::fetch::download;
use crate::browser::{BrowserError, BrowserOptions};

/// Where the Open Cookie Database is published.
pub(crate) const DEFAULT_URL: &str = "https://raw.githubusercontent.com/jkwakman/Open-Cookie-Database/master/open-cookie-database.csv";

#[derive(Debug, thiserror::Error)]
pub(crate) enum DatabaseError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("cannot download {url}: {message}")]
    Download { url: String, message: String },
    #[error(
        "{url} is not an Open Cookie Database CSV: {message}; the cached copy was left as it was"
    )]
    Invalid { url: String, message: String },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The cached copy: `$XDG_CACHE_HOME/cookiescan/open-cookie-database.csv`, else under
/// `~/.cache`. None when neither variable is set.
pub(crate) fn default_path() -> Option<PathBuf> {
    Some(crate::model::cache_dir()?.join("open-cookie-database.csv"))
}

/// Downloads the CSV from `url` into `dest`; returns the number of entries.
pub(crate) async fn update(
    url: &Url,
    dest: &Path,
    browser: &BrowserOptions,
) -> Result<usize, DatabaseError> {
    let body = download(url, browser)
        .await?
        .map_err(|message| DatabaseError::Download {
            url: url.to_string(),
            message,
        })?;
    let invalid = |message: String| DatabaseError::Invalid {
        url: url.to_string(),
        message,
    };
    let text = String::from_utf8(body).map_err(|e| invalid(e.to_string()))?;
    let database = ocd::parse(&text).map_err(|e| invalid(crate::text::with_causes(&e)))?;
    if database.is_empty() {
        return Err(invalid("it has no entries".into()));
    }
    crate::model::write_atomically(dest, text.as_bytes()).map_err(|source| {
        DatabaseError::Write {
            path: dest.to_path_buf(),
            source,
        }
    })?;
    Ok(database.len())
}
