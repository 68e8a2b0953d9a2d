//! `diff`, `check` and `history`: reading stored scans, never a browser.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{EXIT_OK, EXIT_VIOLATIONS, classifier_for, config_for_scan, is_broken_pipe};
use crate::check::declared::{DeclaredCookie, PolicySource};
use crate::classify::Category;
use crate::consent::rules::builtin_rules;
use crate::diff::{self, ChangeKind, DiffContext};
use crate::findings::findings;
use crate::history;
use crate::model::{self, Mode, PageOutcome, Scan, ScanOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Plain text (coloured on a terminal)
    Text,
    /// GitHub-flavoured Markdown, for a pull-request comment
    Md,
    /// JSON
    Json,
}

impl CompareFormat {
    /// The format a file with this extension holds.
    fn for_extension(extension: &str) -> &'static [CompareFormat] {
        match extension.to_ascii_lowercase().as_str() {
            "md" | "markdown" => &[CompareFormat::Md],
            "json" => &[CompareFormat::Json],
            "txt" | "text" => &[CompareFormat::Text],
            _ => &[],
        }
    }

    /// `--format`, else what the `-o` file's extension names, else text.
    pub(super) fn resolve(
        given: Option<CompareFormat>,
        output: Option<&Path>,
    ) -> anyhow::Result<Self> {
        super::output_format(given, output, Self::for_extension, CompareFormat::Text)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older scan JSON (a site's directory of scans: its newest); alone, a site's directory
    /// of scans, whose two newest complete scans are compared
    pub old: PathBuf,
    /// The newer scan JSON (a directory: its newest)
    pub new: Option<PathBuf>,
    /// Output format [default: the one the -o file's extension names (.md, .json, .txt), else
    /// text]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<CompareFormat>,
    /// Exit with 1 when any of these kinds of change is present (comma-separated; `regressions`
    /// or `any`); default: the site config's [scan] fail_on
    #[arg(long, value_name = "KINDS", value_parser = crate::diff::parse_kinds)]
    pub fail_on: Option<BTreeSet<ChangeKind>>,
    /// Write here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The site config (annotations, consent rules, fail_on); default: <scans>/<host>.toml beside the newer scan's history
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colours in text output
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Compare scans of two different sites all the same (every cookie then shows as a change)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A scan JSON, or a site's directory of scans (its newest)
    pub scan: PathBuf,
    /// The published cookie table: a CSV, Markdown or `report --format json` file, or the page
    /// that publishes it (https://…, or a saved .html), read in the browser (default: the site
    /// config's [check] policy)
    #[arg(long, value_name = "FILE|URL")]
    pub policy: Option<String>,
    /// Exit with 1 on any finding
    #[arg(long)]
    pub fail_on_drift: bool,
    /// An observed lifetime over this many times the declared one is a contradiction [default: 1.5]
    #[arg(long, value_name = "FACTOR")]
    pub lifetime_tolerance: Option<f64>,
    /// Output format [default: the one the -o file's extension names (.md, .json, .txt), else
    /// text]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<CompareFormat>,
    /// Write here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The site config; default: <scans>/<host>.toml beside the scan's history
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An Open Cookie Database CSV for cookies the knowledge base does not know
    #[arg(long, value_name = "PATH")]
    pub cookie_db: Option<PathBuf>,
    #[command(flatten)]
    pub browser: super::BrowserArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The site: its host (the directory <scans dir>/<host>/), or a directory of scans
    pub site: String,
    /// Directory holding the sites' scan directories
    #[arg(long, value_name = "DIR", default_value = "scans")]
    pub scans_dir: PathBuf,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: HistoryFormat,
}

/// Writes `text` to the file or standard output; a closed pipe is not an error.
fn emit(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => model::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => Ok(()),
                Err(error) => {
                    let error = anyhow::Error::from(error);
                    if is_broken_pipe(&error) {
                        Ok(())
                    } else {
                        Err(error)
                    }
                }
            }
        }
    }
}

/// The two scans `diff` compares, with the newer one's path.
fn scans_to_compare(args: &DiffArgs) -> anyhow::Result<(Scan, Scan, PathBuf)> {
    if let Some(new) = &args.new {
        let new_path = history::resolve(new)?;
        let old_path = history::resolve(&args.old)?;
        let old = model::load_scan(&old_path)?;
        let new = model::load_scan(&new_path)?;
        for (path, scan) in [(&old_path, &old), (&new_path, &new)] {
            if scan.outcome() == ScanOutcome::Unreachable {
                bail!(
                    "{} is an outage: no page of the site loaded in it, so a diff would show \
                     every cookie as a change",
                    path.display()
                );
            }
        }
        return Ok((old, new, new_path));
    }
    if !args.old.is_dir() {
        bail!(
            "give two scans (OLD.json NEW.json), or one site's directory of scans to compare its two newest"
        );
    }
    let mut newest: Vec<(PathBuf, Scan)> = Vec::new();
    for path in history::list(&args.old)?.into_iter().rev() {
        let scan = model::load_scan(&path)?;
        if scan.is_baseline() {
            newest.push((path, scan));
        } else if scan.outcome() == ScanOutcome::Unreachable {
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: passed over {}: no page of the site loaded in it",
                path.display()
            );
        }
        if newest.len() == 2 {
            break;
        }
    }
    match (newest.pop(), newest.pop()) {
        (Some((_, old)), Some((new_path, new))) => Ok((old, new, new_path)),
        _ => bail!(
            "{} holds fewer than two complete scans that reached the site to compare",
            args.old.display()
        ),
    }
}

/// `cookiescan diff OLD [NEW]`.
pub(super) fn diff(args: &DiffArgs) -> anyhow::Result<u8> {
    let format = CompareFormat::resolve(args.format, args.output.as_deref())?;
    let (old, new, new_path) = scans_to_compare(args)?;
    if old.site.registrable_domain != new.site.registrable_domain && !args.force {
        bail!(
            "the scans are of different sites ({} and {}): every cookie would show as a change; \
             pass --force to compare them all the same",
            crate::text::escape::clean(&old.site.registrable_domain),
            crate::text::escape::clean(&new.site.registrable_domain)
        );
    }
    let config = config_for_scan(&new_path, &new, args.config.as_deref())?;
    let classifier = classifier_for(&new, &config, None)?;
    let rules = config.consent_rules(builtin_rules());
    let changes = diff::diff(
        &old,
        &new,
        &DiffContext {
            classifier: &classifier,
            rules: &rules,
        },
    );
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => args.output.is_none() && super::stdout_wants_color(),
    };
    let text = match format {
        CompareFormat::Text => diff::render::render_text(&changes, color),
        CompareFormat::Md => diff::render::render_markdown(&changes),
        CompareFormat::Json => diff::render::render_json(&changes),
    };
    emit(args.output.as_deref(), &text)?;
    let fail_on = match &args.fail_on {
        Some(kinds) => kinds.clone(),
        None => config.scan.fail_on_kinds().unwrap_or_default(),
    };
    let failing = changes.failing(&fail_on);
    if failing.is_empty() {
        return Ok(EXIT_OK);
    }
    let kinds: Vec<&str> = failing.iter().map(|k| k.as_str()).collect();
    let _ = writeln!(
        std::io::stderr().lock(),
        "cookiescan: failing: changes listed in --fail-on: {}",
        kinds.join(", ")
    );
    Ok(EXIT_VIOLATIONS)
}

/// The cookies a published policy declares: a file parsed, or a page rendered in the browser
/// (built by `browser` only then) and its tables read.
pub(super) async fn load_policy(
    text: &str,
    browser: impl FnOnce() -> anyhow::Result<crate::browser::BrowserOptions>,
) -> anyhow::Result<Vec<DeclaredCookie>> {
    match PolicySource::parse(text)? {
        PolicySource::File(path) => Ok(crate::check::declared::load(&path)?),
        PolicySource::Page(url) => {
            let timing = crate::browser::VisitTiming {
                page_timeout: std::time::Duration::from_secs(30),
                settle_quiet: std::time::Duration::from_millis(500),
                settle_max: std::time::Duration::from_secs(5),
                interact_budget: 0,
                visitor: false,
            };
            let tables = crate::browser::tables::read_tables(&url, &browser()?, timing).await?;
            let cookies = crate::check::declared::from_tables(&tables);
            if cookies.is_empty() {
                bail!(
                    "no cookie table on {url}: none of its {} tables has a header naming the cookies (\"Cookie name(s)\", \"Name\" or \"Cookies\")",
                    tables.len()
                );
            }
            Ok(cookies)
        }
    }
}

/// `cookiescan check SCAN --policy FILE|URL`.
pub(super) async fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    let format = CompareFormat::resolve(args.format, args.output.as_deref())?;
    let scan_path = history::resolve(&args.scan)?;
    let scan = model::load_scan(&scan_path)?;
    let config = config_for_scan(&scan_path, &scan, args.config.as_deref())?;
    let policy = match args.policy.clone().or(config.check.policy.clone()) {
        Some(policy) => policy,
        None => bail!(
            "no policy to check against: pass --policy FILE (CSV, Markdown or `report --format json`) or set `policy` under [check] in the site config"
        ),
    };
    let tolerance = args
        .lifetime_tolerance
        .or(config.check.lifetime_tolerance)
        .unwrap_or(1.5);
    if tolerance.is_nan() || tolerance < 1.0 {
        bail!("--lifetime-tolerance must be 1 or more, got {tolerance}");
    }
    let declared = load_policy(&policy, || {
        super::browser_options(
            &args.browser.source,
            args.browser.chrome_args.clone(),
            args.browser.insecure,
        )
    })
    .await?;
    let classifier = classifier_for(&scan, &config, args.cookie_db.as_deref())?;
    let report = crate::check::drift::check(&scan, &declared, &classifier, &policy, tolerance);
    let rows = crate::check::drift::rows_to_add(&scan, &report, &classifier, &config.table)
        .map(|rows| format!("\nRows to add to the policy for the undeclared cookies:\n\n{rows}"))
        .unwrap_or_default();
    let text = match format {
        CompareFormat::Text => crate::check::drift::render_text(&report) + &rows,
        CompareFormat::Md => crate::check::drift::render_markdown(&report) + &rows,
        CompareFormat::Json => {
            serde_json::to_string_pretty(&report).expect("a report always serialises") + "\n"
        }
    };
    emit(args.output.as_deref(), &text)?;
    let fail = args.fail_on_drift || config.check.fail_on_drift;
    if !fail || report.findings.is_empty() {
        return Ok(EXIT_OK);
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "cookiescan: failing: {} differences from the published policy",
        report.findings.len()
    );
    Ok(EXIT_VIOLATIONS)
}

/// One stored scan, counted.
#[derive(Debug, Serialize)]
struct HistoryRow {
    file: String,
    started_at: Option<String>,
    complete: Option<bool>,
    /// `ok`, `partial` (interrupted) or `unreachable` (an outage).
    outcome: Option<ScanOutcome>,
    pages: usize,
    failed_pages: usize,
    cookies: usize,
    by_category: BTreeMap<Category, usize>,
    by_mode: BTreeMap<Mode, usize>,
    set_before_consent: usize,
    survive_reject: usize,
    /// Against the previous complete scan that reached the site (None for the first, and for
    /// interrupted scans and outages).
    changes_since_previous: Option<usize>,
    regressions_since_previous: Option<usize>,
    error: Option<String>,
}

/// What classifying a site's scans takes, built once per site rather than once per scan (the
/// Open Cookie Database alone is megabytes of CSV).
struct SiteKnowledge {
    host: String,
    classifier: crate::classify::Classifier,
    rules: crate::consent::rules::RuleSet,
}

impl SiteKnowledge {
    fn for_scan(scan: &Scan, scan_path: &Path) -> anyhow::Result<SiteKnowledge> {
        let config = super::config_beside(scan_path, scan)
            .and_then(|path| crate::config::SiteConfig::load(&path, false).ok())
            .unwrap_or_default();
        Ok(SiteKnowledge {
            host: scan.site.host.clone(),
            classifier: classifier_for(scan, &config, None)?,
            rules: config.consent_rules(builtin_rules()),
        })
    }
}

/// Counts a stored scan; `previous` is the last baseline before it (complete, not an outage),
/// and becomes this one when it is one. `known` is reused while the scans are of the same site.
fn history_row(
    path: &Path,
    known: &mut Option<SiteKnowledge>,
    previous: &mut Option<Scan>,
) -> HistoryRow {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut row = HistoryRow {
        file,
        started_at: None,
        complete: None,
        outcome: None,
        pages: 0,
        failed_pages: 0,
        cookies: 0,
        by_category: BTreeMap::new(),
        by_mode: BTreeMap::new(),
        set_before_consent: 0,
        survive_reject: 0,
        changes_since_previous: None,
        regressions_since_previous: None,
        error: None,
    };
    let scan: Scan = match model::load_scan(path) {
        Ok(scan) => scan,
        Err(error) => {
            row.error = Some(crate::text::with_causes(&error));
            return row;
        }
    };
    if known.as_ref().is_none_or(|k| k.host != scan.site.host) {
        match SiteKnowledge::for_scan(&scan, path) {
            Ok(site) => *known = Some(site),
            Err(error) => {
                row.error = Some(format!("{error:#}"));
                return row;
            }
        }
    }
    let SiteKnowledge {
        classifier, rules, ..
    } = known.as_ref().expect("set just above");
    count_scan(&mut row, &scan, classifier, rules);
    row.started_at = Some(scan.timing.started_at.clone());
    row.complete = Some(scan.complete);
    row.outcome = Some(scan.outcome());
    if scan.is_baseline() {
        if let Some(previous) = previous.as_ref() {
            let changes = diff::diff(previous, &scan, &DiffContext { classifier, rules });
            row.changes_since_previous = Some(changes.changes.len());
            row.regressions_since_previous = Some(
                changes
                    .changes
                    .iter()
                    .filter(|c| c.kind.is_regression())
                    .count(),
            );
        }
        *previous = Some(scan);
    }
    row
}

/// Pages, cookies per category and mode, and the findings of one scan.
fn count_scan(
    row: &mut HistoryRow,
    scan: &Scan,
    classifier: &crate::classify::Classifier,
    rules: &crate::consent::rules::RuleSet,
) {
    let pages = diff::page_states(scan);
    row.pages = pages.len();
    row.failed_pages = pages
        .values()
        .filter(|outcome| **outcome == PageOutcome::Failed)
        .count();
    row.cookies = scan.cookies.len();
    for cookie in &scan.cookies {
        let category = match &cookie.classification {
            Some(recorded) => recorded.category,
            None => classifier.classify_cookie(cookie).category,
        };
        *row.by_category.entry(category).or_default() += 1;
        for mode in &cookie.modes {
            *row.by_mode.entry(*mode).or_default() += 1;
        }
    }
    let found = findings(scan, rules, classifier);
    row.set_before_consent = found.before_consent.len();
    row.survive_reject = found.survive_reject.len();
}

/// `cookiescan history SITE`.
pub(super) fn history(args: &HistoryArgs) -> anyhow::Result<u8> {
    let given = Path::new(&args.site);
    let dir = if given.is_dir() {
        given.to_path_buf()
    } else {
        model::site_dir(&args.scans_dir, &args.site)
    };
    let scans = history::list(&dir)?;
    if scans.is_empty() {
        bail!(
            "no scans of {:?} in {} (scans are stored as <scans dir>/<host>/<UTC time>.json)",
            args.site,
            dir.display()
        );
    }
    let (mut known, mut previous) = (None, None);
    let rows: Vec<HistoryRow> = scans
        .iter()
        .map(|p| history_row(p, &mut known, &mut previous))
        .collect();
    let text = match args.format {
        HistoryFormat::Json => {
            serde_json::to_string_pretty(&rows).expect("rows always serialise") + "\n"
        }
        HistoryFormat::Text => history_table(&rows, &dir),
    };
    emit(None, &text)?;
    Ok(EXIT_OK)
}

fn history_table(rows: &[HistoryRow], dir: &Path) -> String {
    let categories = [
        Category::Necessary,
        Category::Functionality,
        Category::Statistics,
        Category::Marketing,
        Category::Unclassified,
    ];
    let modes = [Mode::BeforeConsent, Mode::Accept, Mode::Reject];
    let mut header: Vec<String> = ["scan", "pages", "failed", "cookies"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(categories.iter().map(|c| c.as_str().to_string()));
    header.extend(modes.iter().map(|m| format!("in {}", m.as_str())));
    header.extend(
        [
            "before consent!",
            "survive reject!",
            "changes",
            "regressions",
        ]
        .map(String::from),
    );
    let mut table = vec![header];
    table.extend(
        rows.iter()
            .map(|row| history_cells(row, &categories, &modes)),
    );
    format!("Scans in {}\n{}", dir.display(), aligned(&table))
}

/// One scan's cells, or its name and why it could not be read.
fn history_cells(row: &HistoryRow, categories: &[Category], modes: &[Mode]) -> Vec<String> {
    let mut cells = vec![row.file.trim_end_matches(".json").to_string()];
    if let Some(error) = &row.error {
        cells.push(format!("unreadable: {}", crate::text::escape::clean(error)));
        return cells;
    }
    match row.outcome {
        Some(ScanOutcome::Partial) => cells[0].push_str(" (interrupted)"),
        Some(ScanOutcome::Unreachable) => cells[0].push_str(" (unreachable)"),
        _ => {}
    }
    cells.push(row.pages.to_string());
    cells.push(row.failed_pages.to_string());
    cells.push(row.cookies.to_string());
    cells.extend(
        categories
            .iter()
            .map(|c| row.by_category.get(c).copied().unwrap_or(0).to_string()),
    );
    cells.extend(
        modes
            .iter()
            .map(|m| row.by_mode.get(m).copied().unwrap_or(0).to_string()),
    );
    cells.push(row.set_before_consent.to_string());
    cells.push(row.survive_reject.to_string());
    let count = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    cells.push(count(row.changes_since_previous));
    cells.push(count(row.regressions_since_previous));
    cells
}

/// The table's text: the first column (and unreadable rows) left-aligned, numbers right.
fn aligned(table: &[Vec<String>]) -> String {
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            table
                .iter()
                // An unreadable scan's row is its name and why: its long message spans the
                // row and sizes no column.
                .filter(|r| r.len() > 2 || i == 0)
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in table {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == 0 || row.len() == 2 {
                    format!("{cell:<width$}", width = widths[i])
                } else {
                    format!("{cell:>width$}", width = widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unreadable scan in the history widened the pages column to its error message.
    #[test]
    fn an_unreadable_row_sizes_no_column() {
        let cells = |row: &[&str]| row.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let table = vec![
            cells(&["scan", "pages", "cookies"]),
            cells(&[
                "2026-12-01",
                "unreadable: a very long reason why the file cannot be read",
            ]),
            cells(&["2026-12-02", "8", "10"]),
        ];
        let text = aligned(&table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "scan        pages  cookies");
        assert_eq!(lines[2], "2026-12-02      8       10");
        assert!(lines[1].ends_with("cannot be read"), "{text}");
    }
}
