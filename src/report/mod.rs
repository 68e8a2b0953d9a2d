//! Renderings of a scan, one file per format behind one trait. The scan JSON is the canonical
//! artefact (see `crate::model`); every format here is produced from it (with today's
//! classification and the site's table settings), never from a live crawl.
//!
//! `policy` builds the cookie-policy table that `markdown`, `html`, `csv` and `json` render;
//! `inventory` is the one-row-per-cookie CSV; `summary` the plain text `scan` prints.

pub mod audit;
pub mod csv;
pub mod html;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod policy;
pub mod summary;

use crate::classify::Classifier;
use crate::consent::rules::RuleSet;
use crate::model::Scan;
use policy::{PolicyTable, TableSettings};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the report")]
    Io(#[from] std::io::Error),
    #[error("cannot write the CSV")]
    Csv(#[from] ::csv::Error),
    #[error("cannot write the JSON")]
    Json(#[from] serde_json::Error),
    #[error("cannot render the report's template: {0}")]
    Template(String),
}

/// What every renderer reads.
pub struct ReportInput<'a> {
    pub scan: &'a Scan,
    pub classifier: &'a Classifier,
    /// The consent rules the site is judged by (built-in rules and the site's own).
    pub rules: &'a RuleSet,
    /// The policy table's layout and language.
    pub table: &'a TableSettings,
    /// The scan's artifacts folder (its screenshots), when there is one.
    pub artifacts: Option<&'a std::path::Path>,
    /// What changed since the previous scan of the site, when there is one.
    pub changes: Option<&'a audit::Changes>,
}

impl ReportInput<'_> {
    /// The cookie-policy table of the scan.
    pub fn policy_table(&self) -> PolicyTable {
        policy::build(self.scan, self.classifier, self.table)
    }
}

/// One output format.
pub trait Renderer {
    /// Writes the report of `input` to `out`.
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError>;
}

/// The formats of `cookiescan report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, one row per cookie.
    Inventory,
    /// The plain-text summary.
    Summary,
    /// The cookie-policy table as GitHub-flavoured Markdown.
    Markdown,
    /// The cookie-policy table as a standalone HTML page.
    Html,
    /// The cookie-policy table as CSV.
    Csv,
    /// The cookie-policy table as JSON.
    Json,
    /// The audit report, one self-contained HTML file.
    Audit,
    /// The cookie-policy table alone, an HTML fragment to paste into a policy page.
    HtmlFragment,
}

impl Format {
    /// The renderer of this format.
    pub fn renderer(self) -> &'static dyn Renderer {
        match self {
            Format::Inventory => &inventory::Inventory,
            Format::Summary => &summary::Summary,
            Format::Markdown => &markdown::Markdown,
            Format::Html => &html::Html,
            Format::Csv => &csv::Csv,
            Format::Json => &json::Json,
            Format::Audit => &audit::Audit,
            Format::HtmlFragment => &html::Fragment,
        }
    }
}
