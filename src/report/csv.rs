//! The cookie-policy table as CSV, written through the `csv` crate with formula-like cells
//! neutralised.

use super::policy::{PolicyTable, TableSettings, cell, labels};
use super::{Renderer, ReportError, ReportInput};
use crate::text::escape::neutralise;

/// `report --format csv`.
pub struct Csv;

impl Renderer for Csv {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        write_csv(&input.policy_table(), input.table, out)?;
        Ok(())
    }
}

/// CSV: one line per row, the category first, then the configured columns.
pub fn write_csv(
    table: &PolicyTable,
    settings: &TableSettings,
    out: impl std::io::Write,
) -> Result<(), csv::Error> {
    let words = labels(settings.language);
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["category".to_string()];
    header.extend(
        settings
            .columns
            .iter()
            .map(|c| (words.column)(*c).to_string()),
    );
    header.push("needs_review".into());
    header.push("inferred_from".into());
    writer.write_record(&header)?;
    for (category, rows) in &table.sections {
        for row in rows {
            let mut record = vec![category.as_str().to_string()];
            record.extend(
                settings
                    .columns
                    .iter()
                    .map(|c| neutralise(&cell(row, *c, &words))),
            );
            record.push(if row.needs_review { "yes" } else { "no" }.into());
            record.push(neutralise(&row.inferred.join("; ")));
            writer.write_record(&record)?;
        }
    }
    writer.flush()?;
    Ok(())
}
