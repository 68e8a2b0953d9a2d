//! The scan file on disk: read with its schema version checked first, written atomically, and
//! the paths of a site's history (its directory, a scan's artifacts beside it).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{SCHEMA_VERSION, Scan};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a cookiescan scan")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} has scan schema version {found}; this cookiescan reads version {SCHEMA_VERSION}"
    )]
    Version { path: PathBuf, found: u64 },
    #[error(
        "{path} is not a cookiescan scan: it is {what}, and a scan is a JSON object that starts \
         with \"schema_version\" and \"complete\" (as `cookiescan scan` writes it)"
    )]
    NotAScan { path: PathBuf, what: String },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads a scan JSON, checking its schema version first so an old or foreign file gets a clear
/// message rather than a field-level parse error.
pub fn load_scan(path: &Path) -> Result<Scan, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| StoreError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    let Some(found) = value.get("schema_version").and_then(|v| v.as_u64()) else {
        return Err(StoreError::NotAScan {
            path: path.to_path_buf(),
            what: describe_json(&value),
        });
    };
    if found != u64::from(SCHEMA_VERSION) {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    serde_json::from_value(value).map_err(|source| StoreError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// What a JSON document that is not a scan looks like, for the error that says so.
fn describe_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        // `report --format json` writes the policy table: its sections name it.
        Value::Object(object) if object.contains_key("sections") => {
            "a cookie-policy table (the output of `report --format json`)".into()
        }
        Value::Object(object) if object.contains_key("changes") => {
            "a diff (the output of `diff --format json`)".into()
        }
        Value::Object(object) => {
            let keys: Vec<&str> = object.keys().take(4).map(String::as_str).collect();
            if keys.is_empty() {
                "an empty JSON object".into()
            } else {
                format!("a JSON object with the keys {}", keys.join(", "))
            }
        }
        Value::Array(_) => "a JSON array".into(),
        _ => "a single JSON value".into(),
    }
}

/// Writes the scan JSON atomically (a temporary file renamed into place), so an interrupted
/// write never leaves a truncated scan behind.
pub fn save_scan(scan: &Scan, path: &Path) -> Result<(), StoreError> {
    let write_error = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut json = serde_json::to_vec_pretty(scan).expect("a scan always serialises");
    json.push(b'\n');
    write_atomically(path, &json).map_err(write_error)
}

/// Writes a file through a temporary sibling (`<name>.partial`) renamed into place, so readers
/// and an interrupted run never see half a file.
/// A write that fails (a full disk) removes its temporary file again.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = partial_path(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::File::create(&temporary)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The temporary sibling `write_atomically` writes through.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Checks, before any work, that a file can be written at `path` the way `write_atomically`
/// will write it: not a directory, its directory creatable, the temporary file creatable.
/// Nothing is left behind but the directory.
pub fn ensure_writable(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory",
        ));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = partial_path(path);
    std::fs::File::create(&temporary)?;
    std::fs::remove_file(&temporary)
}

/// cookiescan's cache directory: `$XDG_CACHE_HOME/cookiescan`, else `~/.cache/cookiescan`.
/// None when neither variable is set.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("cookiescan"))
}

/// The directory of a site's scans: `<dir>/<host>`.
pub fn site_dir(dir: &Path, host: &str) -> PathBuf {
    dir.join(host_file_name(host))
}

/// A host as a file name: it comes from the URL the user typed, and is still reduced to safe
/// characters (no `/`, no leading `.`) before it becomes a path. Names the site's scan
/// directory and its config beside it.
pub fn host_file_name(host: &str) -> String {
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_start_matches('.') {
        "" => "site".to_string(),
        name => name.to_string(),
    }
}

/// A path for a new scan in `dir` that no other scan has: the timestamp, with `-2`, `-3`…
/// when a scan of the same second exists.
pub fn new_scan_path(dir: &Path, started_at: &str) -> PathBuf {
    let stamp = started_at.replace(':', "-");
    let first = dir.join(format!("{stamp}.json"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stamp}-{n}.json")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

/// The journal of visits kept beside a scan while it runs: `<scan file>.journal`.
pub fn journal_path(scan_path: &Path) -> PathBuf {
    let mut name = scan_path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    scan_path.with_file_name(name)
}

/// Where the screenshots of a scan go: `<scan file stem>-artifacts/` beside the JSON.
pub fn artifacts_dir(scan_path: &Path) -> PathBuf {
    let stem = scan_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scan".into());
    scan_path.with_file_name(format!("{stem}-artifacts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_paths_cannot_escape_the_scans_directory() {
        let stamp = "2026-11-29T01:02:03Z";
        let path = new_scan_path(&site_dir(Path::new("scans"), "../../etc"), stamp);
        assert_eq!(path, Path::new("scans/_.._etc/2026-11-29T01-02-03Z.json"));
        let path = new_scan_path(&site_dir(Path::new("scans"), "www.example.com"), stamp);
        assert_eq!(
            path,
            Path::new("scans/www.example.com/2026-11-29T01-02-03Z.json")
        );
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_a_probe_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // The rename fails: a non-empty directory stands where the file goes.
        let target = dir.path().join("scan.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "x").unwrap();
        assert!(write_atomically(&target, b"{}").is_err());
        assert!(ensure_writable(&target).is_err());
        let free = dir.path().join("sub/free.json");
        ensure_writable(&free).unwrap();
        assert!(!free.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "only the directory and sub/: {left:?}");
        assert!(!dir.path().join("scan.json.partial").exists());
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            0
        );
    }

    /// Regression (issue 11): `{"hello":1}` was "scan schema version 0", which suggests an
    /// upgrade rather than the wrong file.
    #[test]
    fn a_json_that_is_not_a_scan_is_called_so() {
        let dir = tempfile::tempdir().unwrap();
        for (text, expected) in [
            (r#"{"hello":1}"#, "a JSON object with the keys hello"),
            (r#"{"site":"x","sections":[]}"#, "`report --format json`"),
            ("[1,2]", "a JSON array"),
        ] {
            let path = dir.path().join("foreign.json");
            std::fs::write(&path, text).unwrap();
            let error = load_scan(&path).unwrap_err().to_string();
            assert!(error.contains("is not a cookiescan scan"), "{error}");
            assert!(error.contains(expected), "{error}");
            assert!(!error.contains("schema version"), "{error}");
        }
        let path = dir.path().join("future.json");
        std::fs::write(&path, r#"{"schema_version": 9}"#).unwrap();
        let error = load_scan(&path).unwrap_err().to_string();
        assert!(error.contains("schema version 9"), "{error}");
    }
}
