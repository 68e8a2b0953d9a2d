//! The history of a site's scans: `scans/<site>/<UTC timestamp>.json`, newest last by name.
//! Finds the previous scan to diff against, prunes old scans (`--retain`), and locks a site's
//! directory so two scheduled runs never write it at once.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::model::Scan;
use crate::model::{ScanOutcome, StoreError, load_scan};

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot use the scan directory {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another cookiescan is scanning into {dir} (it holds the lock {lock}); try again once it has finished"
    )]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("{dir} holds no scans (<UTC time>.json files)")]
    Empty { dir: PathBuf },
}

/// A scan file as given, or for a directory of scans its newest one.
pub fn resolve(path: &Path) -> Result<PathBuf, HistoryError> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    list(path)?.pop().ok_or_else(|| HistoryError::Empty {
        dir: path.to_path_buf(),
    })
}

/// Whether a file name is one of ours: `2026-11-29T04-00-00Z.json` or, for two scans in one
/// second, `2026-11-29T04-00-00Z-2.json`.
pub fn is_scan_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let bytes = stem.as_bytes();
    if bytes.len() < 20 {
        return false;
    }
    let shape = b"dddd-dd-ddTdd-dd-ddZ";
    let stamp_ok = bytes[..20].iter().zip(shape).all(|(c, want)| match want {
        b'd' => c.is_ascii_digit(),
        other => c == other,
    });
    let rest = &stem[20..];
    stamp_ok
        && (rest.is_empty()
            || rest
                .strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
}

/// The scans of a directory, oldest first (timestamps sort as text). Other files are ignored.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, HistoryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(HistoryError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut scans: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            is_scan_file_name(&name).then(|| (sort_key(&name), e.path()))
        })
        .collect();
    scans.sort();
    Ok(scans.into_iter().map(|(_, path)| path).collect())
}

/// `…Z.json` before `…Z-2.json` before `…Z-10.json`.
fn sort_key(name: &str) -> String {
    let stem = name.trim_end_matches(".json");
    let (stamp, suffix) = stem.split_at(20.min(stem.len()));
    let number: u64 = suffix.trim_start_matches('-').parse().unwrap_or(0);
    format!("{stamp}{number:020}")
}

/// What `previous` found.
#[derive(Debug, Default)]
pub struct Previous {
    /// The newest scan of the same site older than the current one that can be compared
    /// with: complete and not an outage.
    pub scan: Option<(PathBuf, Scan)>,
    /// Files that could not be read.
    pub unreadable: Vec<StoreError>,
    /// Newer scans passed over because no page of the site loaded in them.
    pub outages: Vec<PathBuf>,
}

/// The scan to compare `current` with: the newest baseline (complete, and not an outage) of
/// the same site in the directory of `current`, other than `current` itself and older than
/// it. Unreadable files and outages passed over are reported.
pub fn previous(current: &Path, site: &str) -> Previous {
    let mut found = Previous::default();
    let Some(dir) = current.parent() else {
        return found;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let current_key = current.file_name().and_then(|n| n.to_str()).map(sort_key);
    let Ok(scans) = list(dir) else {
        return found;
    };
    for path in scans.into_iter().rev() {
        let key = path.file_name().and_then(|n| n.to_str()).map(sort_key);
        if path.file_name() == current.file_name() {
            continue;
        }
        if let (Some(key), Some(current_key)) = (&key, &current_key)
            && key > current_key
        {
            continue;
        }
        match load_scan(&path) {
            Ok(scan) if scan.site.registrable_domain != site => {}
            Ok(scan) if scan.is_baseline() => {
                found.scan = Some((path, scan));
                return found;
            }
            Ok(scan) if scan.outcome() == ScanOutcome::Unreachable => found.outages.push(path),
            Ok(_) => {}
            Err(error) => found.unreadable.push(error),
        }
    }
    found
}

/// Deletes all but the `keep` newest scans of the directory, with their artifacts. Returns the
/// scans deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, HistoryError> {
    let scans = list(dir)?;
    let excess = scans.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for path in scans.into_iter().take(excess) {
        let io = |source| HistoryError::Io {
            path: path.clone(),
            source,
        };
        std::fs::remove_file(&path).map_err(io)?;
        let artifacts = crate::model::artifacts_dir(&path);
        if artifacts.is_dir() {
            std::fs::remove_dir_all(&artifacts).map_err(io)?;
        }
        // An interrupted scan's journal goes with it: it holds cookie values.
        let journal = crate::model::journal_path(&path);
        if journal.is_file() {
            std::fs::remove_file(&journal).map_err(io)?;
        }
        removed.push(path);
    }
    Ok(removed)
}

/// Deletes the `<scan>.json.partial` files a killed run left behind. Only call it holding the
/// directory's lock: then no other run is writing one.
pub fn remove_stale_partials(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".partial"))
                    .is_some_and(is_scan_file_name)
        })
        .filter(|p| std::fs::remove_file(p).is_ok())
        .collect()
}

/// An exclusive lock on a site's scan directory, held until dropped. It is an OS file lock,
/// so a killed process never leaves a stale lock behind.
#[derive(Debug)]
pub struct SiteLock {
    _file: File,
}

impl SiteLock {
    /// Takes the lock of `dir` (creating the directory), or fails at once if another process
    /// holds it.
    pub fn acquire(dir: &Path) -> Result<SiteLock, HistoryError> {
        let io = |source| HistoryError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = dir.join(".cookiescan.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(SiteLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(HistoryError::Locked {
                dir: dir.to_path_buf(),
                lock,
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_scan_path;
    use crate::model::sample::scan;

    #[test]
    fn scan_file_names() {
        assert!(is_scan_file_name("2026-11-29T04-00-00Z.json"));
        assert!(is_scan_file_name("2026-11-29T04-00-00Z-2.json"));
        assert!(!is_scan_file_name("2026-11-29T04-00-00Z-.json"));
        assert!(!is_scan_file_name("2026-11-29T04-00-00Z.diff.json"));
        assert!(!is_scan_file_name("notes.json"));
        assert!(!is_scan_file_name("2026-11-29T04-00-00Z.json.partial"));
    }

    fn write(dir: &Path, name: &str, complete: bool) -> PathBuf {
        let mut scan = scan(&["/"], Vec::new());
        scan.complete = complete;
        let path = dir.join(name);
        crate::model::save_scan(&scan, &path).unwrap();
        path
    }

    #[test]
    fn previous_is_the_newest_older_complete_scan() {
        let dir = tempfile::tempdir().unwrap();
        let oldest = write(dir.path(), "2026-11-27T04-00-00Z.json", true);
        let _interrupted = write(dir.path(), "2026-11-28T04-00-00Z.json", false);
        std::fs::write(dir.path().join("2026-11-28T05-00-00Z.json"), "{not json").unwrap();
        std::fs::write(dir.path().join("notes.json"), "{}").unwrap();
        let current = write(dir.path(), "2026-11-29T04-00-00Z.json", true);
        let _newer = write(dir.path(), "2026-11-30T04-00-00Z.json", true);
        let found = previous(&current, "example.com");
        assert_eq!(found.scan.unwrap().0, oldest);
        assert_eq!(found.unreadable.len(), 1, "the broken file is reported");
        assert!(found.outages.is_empty());
        assert!(previous(&current, "other.org").scan.is_none());
    }

    /// Regression (issue 11): a scan in which no page loaded became the baseline, so the next
    /// good scan reported every cookie as new.
    #[test]
    fn an_outage_is_never_the_previous_scan() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(dir.path(), "2026-11-27T04-00-00Z.json", true);
        let mut outage = scan(&["/"], Vec::new());
        for run in &mut outage.modes {
            run.pages[0].outcome = crate::model::PageOutcome::Failed;
        }
        let outage_path = dir.path().join("2026-11-28T04-00-00Z.json");
        // Written before the outcome was recorded: the rows tell.
        outage.outcome = None;
        crate::model::save_scan(&outage, &outage_path).unwrap();
        let current = write(dir.path(), "2026-11-29T04-00-00Z.json", true);
        let found = previous(&current, "example.com");
        assert_eq!(found.scan.unwrap().0, good);
        assert_eq!(found.outages, vec![outage_path]);
    }

    #[test]
    fn new_paths_never_overwrite_and_sort_after() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_scan_path(dir.path(), "2026-11-29T04:00:00Z");
        write(
            dir.path(),
            first.file_name().unwrap().to_str().unwrap(),
            true,
        );
        let second = new_scan_path(dir.path(), "2026-11-29T04:00:00Z");
        assert!(second.ends_with("2026-11-29T04-00-00Z-2.json"));
        write(dir.path(), "2026-11-29T04-00-00Z-2.json", true);
        for n in 3..=10 {
            write(dir.path(), &format!("2026-11-29T04-00-00Z-{n}.json"), true);
        }
        let listed = list(dir.path()).unwrap();
        assert!(
            listed
                .last()
                .unwrap()
                .ends_with("2026-11-29T04-00-00Z-10.json")
        );
        assert_eq!(listed[0], first);
    }

    #[test]
    fn prune_keeps_the_newest_and_their_artifacts() {
        let dir = tempfile::tempdir().unwrap();
        for day in 25..=29 {
            let path = write(dir.path(), &format!("2026-11-{day}T04-00-00Z.json"), true);
            let artifacts = crate::model::artifacts_dir(&path);
            std::fs::create_dir_all(&artifacts).unwrap();
            std::fs::write(artifacts.join("shot.png"), b"png").unwrap();
            std::fs::write(crate::model::journal_path(&path), "{}\n").unwrap();
        }
        std::fs::write(dir.path().join("keep-me.txt"), "mine").unwrap();
        let removed = prune(dir.path(), 2).unwrap();
        assert_eq!(removed.len(), 3);
        let left: Vec<String> = list(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            ["2026-11-28T04-00-00Z.json", "2026-11-29T04-00-00Z.json"]
        );
        assert!(!dir.path().join("2026-11-25T04-00-00Z-artifacts").exists());
        assert!(dir.path().join("2026-11-29T04-00-00Z-artifacts").exists());
        assert!(
            !dir.path()
                .join("2026-11-25T04-00-00Z.json.journal")
                .exists()
        );
        assert!(
            dir.path()
                .join("2026-11-29T04-00-00Z.json.journal")
                .exists()
        );
        assert!(dir.path().join("keep-me.txt").exists());
    }

    #[test]
    fn a_directory_stands_for_its_newest_scan() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            resolve(dir.path()),
            Err(HistoryError::Empty { .. })
        ));
        write(dir.path(), "2026-11-28T04-00-00Z.json", true);
        let newest = write(dir.path(), "2026-11-29T04-00-00Z.json", false);
        assert_eq!(resolve(dir.path()).unwrap(), newest);
        assert_eq!(resolve(&newest).unwrap(), newest);
    }

    #[test]
    fn half_written_files_of_a_killed_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let scan = write(dir.path(), "2026-11-29T04-00-00Z.json", true);
        std::fs::write(
            dir.path().join("2026-11-30T04-00-00Z.json.partial"),
            "{\"sch",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.partial"), "mine").unwrap();
        let removed = remove_stale_partials(dir.path());
        assert_eq!(removed.len(), 1);
        assert!(scan.exists());
        assert_eq!(list(dir.path()).unwrap(), vec![scan]);
        assert!(dir.path().join("notes.partial").exists(), "not ours: kept");
    }

    #[test]
    fn a_site_is_locked_once() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("www.example.com");
        let held = SiteLock::acquire(&site).unwrap();
        let error = SiteLock::acquire(&site).unwrap_err();
        assert!(matches!(error, HistoryError::Locked { .. }), "{error}");
        drop(held);
        SiteLock::acquire(&site).expect("free again once released");
    }
}
