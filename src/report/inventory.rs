//! The CSV inventory: one row per cookie (name, domain, path), the columns users paste into
//! spreadsheets and diff in CI.

use std::io::Write;

use super::{Renderer, ReportError, ReportInput};
use crate::classify::Classifier;
use crate::model::{CookieRecord, Mode, Scan};
use crate::text::escape::neutralise;
use crate::text::words::{duration, page_label};

/// The inventory's columns, in order. Later stages fill category, provider and purpose.
pub const COLUMNS: [&str; 19] = [
    "name",
    "domain",
    "path",
    "party",
    "set_by",
    "pages",
    "before_consent",
    "after_accept",
    "after_reject",
    "category",
    "provider",
    "purpose",
    "duration",
    "http_only",
    "secure",
    "same_site",
    "partitioned",
    "category_source",
    "inferred_from",
];

/// `report --format inventory`.
pub struct Inventory;

impl Renderer for Inventory {
    fn render(&self, input: &ReportInput, out: &mut dyn Write) -> Result<(), ReportError> {
        write_inventory(input.scan, input.classifier, out)?;
        Ok(())
    }
}

/// Writes the inventory of `scan` as CSV, classified by `classifier`.
pub fn write_inventory(
    scan: &Scan,
    classifier: &Classifier,
    out: impl Write,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    let start_host = scan.site.host.as_str();
    let scanned: Vec<Mode> = scan.modes.iter().map(|run| run.mode).collect();
    let mut cookies: Vec<&CookieRecord> = scan.cookies.iter().collect();
    cookies.sort_by(|a, b| (&a.name, &a.domain, &a.path).cmp(&(&b.name, &b.domain, &b.path)));
    for cookie in cookies {
        let in_mode = |mode: Mode| -> &str {
            if !scanned.contains(&mode) {
                ""
            } else if cookie.modes.contains(&mode) {
                "yes"
            } else {
                "no"
            }
        };
        let mut pages: Vec<String> = cookie
            .pages
            .iter()
            .map(|page| page_label(page, start_host))
            .collect();
        pages.sort();
        pages.dedup();
        let class = classifier.classify_cookie(cookie);
        let row = [
            neutralise(&cookie.name),
            neutralise(&cookie.domain),
            neutralise(&cookie.path),
            cookie.party.as_str().into(),
            cookie.set_by.as_str().to_string(),
            neutralise(&pages.join(";")),
            in_mode(Mode::BeforeConsent).into(),
            in_mode(Mode::Accept).into(),
            in_mode(Mode::Reject).into(),
            class.category.as_str().to_string(),
            neutralise(&class.provider),
            neutralise(&class.purpose),
            duration(cookie),
            yes_no(cookie.http_only),
            yes_no(cookie.secure),
            cookie.same_site.clone().unwrap_or_default(),
            yes_no(!cookie.partition_keys.is_empty()),
            class.source.as_str().into(),
            neutralise(class.evidence.as_deref().unwrap_or_default()),
        ];
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.into()
}
