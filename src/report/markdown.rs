//! The cookie-policy table as GitHub-flavoured Markdown.

use std::fmt::Write;

use super::policy::{PolicyTable, Row, TableSettings, cell, heading, labels};
use super::{Renderer, ReportError, ReportInput};
use crate::text::escape::md;

/// `report --format md`.
pub struct Markdown;

impl Renderer for Markdown {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        let table = input.policy_table();
        out.write_all(render_markdown(&table, input.table).as_bytes())?;
        Ok(())
    }
}

/// GitHub-flavoured Markdown. Site-controlled text is escaped so it cannot break the table or
/// inject markup.
pub fn render_markdown(table: &PolicyTable, settings: &TableSettings) -> String {
    let words = labels(settings.language);
    let mut out = String::new();
    let _ = writeln!(out, "# {} {}\n", words.title, md(&table.site));
    for (category, rows) in &table.sections {
        let (title, explanation) = heading(*category, settings, &words);
        let _ = writeln!(out, "## {}\n\n{}\n", md(&title), md(&explanation));
        let header: Vec<String> = settings
            .columns
            .iter()
            .map(|c| md((words.column)(*c)))
            .collect();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}|", vec!["---"; header.len()].join("|"));
        for row in rows {
            let cells: Vec<String> = settings
                .columns
                .iter()
                .map(|c| md(&cell(row, *c, &words)))
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    let review: Vec<&Row> = table.needs_review().collect();
    if !review.is_empty() {
        let _ = writeln!(out, "## {}\n", words.needs_review);
        for row in review {
            let _ = writeln!(
                out,
                "- {} ({})",
                md(&row.names.join(", ")),
                md(&row.provider)
            );
            if !row.inferred.is_empty() {
                let _ = writeln!(
                    out,
                    "  - {}: {}",
                    md(words.inferred),
                    md(&row.inferred.join("; "))
                );
            }
        }
    }
    out
}
