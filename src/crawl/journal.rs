//! The scan's journal: every page visit, as it finished, appended to a file beside the
//! scan (JSON lines after a header naming the settings). An interrupted scan keeps it, and
//! `--resume` replays it: the crawl runs again taking pages in the same order, each
//! page the journal holds taken from it instead of the browser, so the pages left are visited
//! once and the result is the scan an uninterrupted run would have written.
//!
//! It holds what the visits read from the jar, values included (the resumed pass's jar is
//! restored from them), so it lives only as long as the scan is unfinished.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::page::{PageVisit, VisitResult};
use crate::browser::BrowserError;
use crate::model::{Mode, RecordedSettings};

/// Bumped when an entry's shape changes: an older journal is refused, not misread.
const JOURNAL_VERSION: u32 = 1;

/// What the journal's first line records: a resumed scan must be the same scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Header {
    cookiescan_journal: u32,
    start_url: String,
    modes: Vec<Mode>,
    settings: RecordedSettings,
}

impl Header {
    pub(super) fn new(start_url: &str, modes: &[Mode], settings: RecordedSettings) -> Header {
        Header {
            cookiescan_journal: JOURNAL_VERSION,
            start_url: start_url.to_string(),
            modes: modes.to_vec(),
            settings,
        }
    }

    /// The settings in which `self` (this run) differs from `journaled`, by name.
    fn differences(&self, journaled: &Header) -> Vec<String> {
        let mut differ = Vec::new();
        if self.start_url != journaled.start_url {
            differ.push(format!("start URL {}", journaled.start_url));
        }
        if self.modes != journaled.modes {
            let modes: Vec<&str> = journaled.modes.iter().map(|m| m.as_str()).collect();
            differ.push(format!("--modes {}", modes.join(",")));
        }
        let ours = serde_json::to_value(&self.settings).unwrap_or_default();
        let theirs = serde_json::to_value(&journaled.settings).unwrap_or_default();
        if let (Some(ours), Some(theirs)) = (ours.as_object(), theirs.as_object()) {
            for (key, value) in theirs {
                if ours.get(key) != Some(value) {
                    differ.push(format!("{key} {value}"));
                }
            }
        }
        differ
    }
}

/// One page visit as merged.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    mode: Mode,
    url: String,
    visit: Journaled,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Journaled {
    Visited(Box<PageVisit>),
    /// The browser failed under the page (after its retry).
    Failed {
        gone: bool,
        message: String,
    },
}

impl Journaled {
    fn from_result(result: &VisitResult) -> Journaled {
        match result {
            Ok(visit) => Journaled::Visited(Box::new(visit.clone())),
            Err(BrowserError::Gone(message)) => Journaled::Failed {
                gone: true,
                message: message.clone(),
            },
            Err(other) => Journaled::Failed {
                gone: false,
                message: match other {
                    BrowserError::Command(message) => message.clone(),
                    other => other.to_string(),
                },
            },
        }
    }

    fn into_result(self) -> VisitResult {
        match self {
            Journaled::Visited(visit) => Ok(*visit),
            Journaled::Failed {
                gone: true,
                message,
            } => Err(BrowserError::Gone(message)),
            Journaled::Failed { message, .. } => Err(BrowserError::Command(message)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read the journal {path} of the scan to resume")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a cookiescan journal (line {line}): {reason}")]
    Invalid {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(
        "the scan to resume ran with other settings ({}); resume it with the options it was started with",
        .differences.join("; ")
    )]
    OtherSettings { differences: Vec<String> },
}

/// The visits of an interrupted scan, waiting to be replayed.
#[derive(Debug, Default)]
pub(super) struct Replay {
    visits: HashMap<(Mode, String), Journaled>,
}

impl Replay {
    /// Reads the journal at `path`, which must have been written by a scan with `expected`'s
    /// settings. A last line cut short (the run was killed mid-write) is dropped.
    pub(super) fn read(path: &Path, expected: &Header) -> Result<Replay, JournalError> {
        let read_error = |source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |line: usize, reason: String| JournalError::Invalid {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let file = File::open(path).map_err(read_error)?;
        let mut lines = BufReader::new(file).lines().enumerate().peekable();
        let header: Header = match lines.next() {
            Some((_, line)) => serde_json::from_str(&line.map_err(read_error)?)
                .map_err(|e| invalid(1, e.to_string()))?,
            None => return Err(invalid(1, "it is empty".into())),
        };
        if header.cookiescan_journal != JOURNAL_VERSION {
            return Err(invalid(
                1,
                format!(
                    "journal version {}; this cookiescan reads version {JOURNAL_VERSION}",
                    header.cookiescan_journal
                ),
            ));
        }
        let differences = expected.differences(&header);
        if !differences.is_empty() {
            return Err(JournalError::OtherSettings { differences });
        }
        let mut visits = HashMap::new();
        while let Some((index, line)) = lines.next() {
            let line = line.map_err(read_error)?;
            match serde_json::from_str::<Entry>(&line) {
                Ok(entry) => {
                    visits.insert((entry.mode, entry.url), entry.visit);
                }
                Err(_) if lines.peek().is_none() => {}
                Err(error) => return Err(invalid(index + 1, error.to_string())),
            }
        }
        Ok(Replay { visits })
    }

    /// Whether the journal holds a visit of `url` in `mode` not yet replayed.
    pub(super) fn holds(&self, mode: Mode, url: &str) -> bool {
        self.visits.contains_key(&(mode, url.to_string()))
    }

    /// The journaled visit of `url` in `mode`, once.
    pub(super) fn take(&mut self, mode: Mode, url: &str) -> Option<VisitResult> {
        self.visits
            .remove(&(mode, url.to_string()))
            .map(Journaled::into_result)
    }
}

/// Appends visits to the journal.
#[derive(Debug)]
pub(super) struct JournalWriter {
    file: BufWriter<File>,
}

impl JournalWriter {
    /// Starts a journal at `path` with its header, or (resuming) opens the existing one to
    /// append to.
    pub(super) fn open(
        path: &Path,
        header: &Header,
        append: bool,
    ) -> std::io::Result<JournalWriter> {
        let mut options = File::options();
        options.create(true);
        if append {
            options.append(true);
        } else {
            options.write(true).truncate(true);
        }
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Cookie values are in it: readable by the user alone.
            options.mode(0o600);
        }
        let mut file = BufWriter::new(options.open(path)?);
        if !append {
            serde_json::to_writer(&mut file, header)?;
            file.write_all(b"\n")?;
            file.flush()?;
        }
        Ok(JournalWriter { file })
    }

    /// Appends one visit; the file is flushed by `flush`, once per batch.
    pub(super) fn append(
        &mut self,
        mode: Mode,
        url: &str,
        result: &VisitResult,
    ) -> std::io::Result<()> {
        let entry = Entry {
            mode,
            url: url.to_string(),
            visit: Journaled::from_result(result),
        };
        serde_json::to_writer(&mut self.file, &entry)?;
        self.file.write_all(b"\n")
    }

    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sample;

    fn header(max_pages: usize) -> Header {
        let mut settings = sample::scan(&["/"], Vec::new()).settings;
        settings.max_pages = max_pages;
        Header::new("https://www.shop.test/", &Mode::ALL, settings)
    }

    #[test]
    fn visits_come_back_once_and_a_cut_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.json.journal");
        let mut writer = JournalWriter::open(&path, &header(10), false).unwrap();
        let failed: VisitResult = Err(BrowserError::Gone("crashed".into()));
        writer
            .append(Mode::Accept, "https://www.shop.test/a", &failed)
            .unwrap();
        writer.flush().unwrap();
        drop(writer);
        // Resumed once already: the journal is appended to, and the kill cut a line short.
        let mut writer = JournalWriter::open(&path, &header(10), true).unwrap();
        let command: VisitResult = Err(BrowserError::Command("refused".into()));
        writer
            .append(Mode::Reject, "https://www.shop.test/b", &command)
            .unwrap();
        writer.flush().unwrap();
        drop(writer);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(r#"{"mode":"reject","url":"https://www.sh"#);
        std::fs::write(&path, text).unwrap();

        let mut replay = Replay::read(&path, &header(10)).unwrap();
        assert!(matches!(
            replay.take(Mode::Accept, "https://www.shop.test/a"),
            Some(Err(BrowserError::Gone(m))) if m == "crashed"
        ));
        assert!(
            replay
                .take(Mode::Accept, "https://www.shop.test/a")
                .is_none()
        );
        assert!(
            replay
                .take(Mode::Reject, "https://www.shop.test/a")
                .is_none()
        );
        assert!(matches!(
            replay.take(Mode::Reject, "https://www.shop.test/b"),
            Some(Err(BrowserError::Command(m))) if m == "refused"
        ));
    }

    #[test]
    fn other_settings_or_a_foreign_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.json.journal");
        JournalWriter::open(&path, &header(10), false).unwrap();
        let error = Replay::read(&path, &header(50)).unwrap_err().to_string();
        assert!(error.contains("max_pages 10"), "{error}");
        std::fs::write(&path, "{\"hello\": 1}\n").unwrap();
        let error = Replay::read(&path, &header(10)).unwrap_err().to_string();
        assert!(
            error.contains("is not a cookiescan journal (line 1)"),
            "{error}"
        );
        let error = Replay::read(&dir.path().join("missing"), &header(10))
            .unwrap_err()
            .to_string();
        assert!(error.contains("cannot read the journal"), "{error}");
    }
}
