//! The cookie-policy table as a standalone HTML page.

use std::fmt::Write;

use super::policy::{Labels, Language, PolicyTable, Row, TableSettings, cell, heading, labels};
use super::{Renderer, ReportError, ReportInput};
use crate::classify::Category;
use crate::model::Scan;
use crate::text::escape::html;

/// `report --format html`.
pub struct Html;

impl Renderer for Html {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        let table = input.policy_table();
        out.write_all(render_html(&table, input.scan, input.table).as_bytes())?;
        Ok(())
    }
}

/// A standalone, accessible HTML page (no external assets): the table, the scan's date, site
/// and modes, and the consent evidence.
pub fn render_html(table: &PolicyTable, scan: &Scan, settings: &TableSettings) -> String {
    let words = labels(settings.language);
    let lang = lang_code(settings.language);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} {}</title>\n<style>\n\
         body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#111}}\n\
         table{{border-collapse:collapse;width:100%;margin-bottom:2rem}}\n\
         th,td{{border:1px solid #999;padding:.4rem .6rem;text-align:left;vertical-align:top}}\n\
         th{{background:#eee}}\n\
         .visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}}\n\
         .meta{{color:#444}} @media print{{body{{margin:0}}}}\n</style>\n</head>\n<body>\n<main>\n",
        html(words.title),
        html(&table.site)
    );
    let _ = writeln!(out, "<h1>{} {}</h1>", html(words.title), html(&table.site));
    let modes: Vec<&str> = table.modes.iter().map(|m| m.as_str()).collect();
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {} — {} ({}), cookiescan {}.</p>",
        html(words.scan_of),
        html(&scan.site.start_url),
        html(&table.scanned_at),
        html(&modes.join(", ")),
        html(&scan.tool.version)
    );
    for (category, rows) in &table.sections {
        section(&mut out, *category, rows, settings, &words, true);
    }
    consent_evidence(&mut out, scan, &words);
    review(&mut out, table, &words);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `report --format html --fragment`: the table alone, to paste into a policy page.
pub struct Fragment;

impl Renderer for Fragment {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        let table = input.policy_table();
        out.write_all(render_fragment(&table, input.table).as_bytes())?;
        Ok(())
    }
}

/// The table alone, for a CMS or an iframe: one `<section>`, no `<style>`, no scanner words
/// (modes, review notes, tool): each category's heading, explanation and table, and the date
/// the scan was made as "last updated".
pub fn render_fragment(table: &PolicyTable, settings: &TableSettings) -> String {
    let words = labels(settings.language);
    let lang = lang_code(settings.language);
    let mut out = format!("<section class=\"cookie-policy\" lang=\"{lang}\">\n");
    for (category, rows) in &table.sections {
        section(&mut out, *category, rows, settings, &words, false);
    }
    let date = table.scanned_at.get(..10).unwrap_or(&table.scanned_at);
    let _ = writeln!(
        out,
        "<p class=\"cookie-policy-updated\">{}: <time datetime=\"{}\">{}</time></p>\n</section>",
        html(words.last_updated),
        html(date),
        html(date)
    );
    out
}

/// The `lang` attribute of a table in this language.
fn lang_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Fr => "fr",
    }
}

/// One category: its heading, explanation and table. The page hides a caption for screen
/// readers with its own stylesheet; a fragment has none, so its table is labelled by the
/// heading instead.
fn section(
    out: &mut String,
    category: Category,
    rows: &[Row],
    settings: &TableSettings,
    words: &Labels,
    caption: bool,
) {
    let (title, explanation) = heading(category, settings, words);
    let id = category.as_str();
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n<p>{}</p>",
        html(&title),
        html(&explanation)
    );
    if caption {
        let _ = writeln!(
            out,
            // The heading is visible above; the caption names the table for screen readers.
            "<table>\n<caption class=\"visually-hidden\">{}</caption>\n<thead><tr>",
            html(&title)
        );
    } else {
        let _ = writeln!(out, "<table aria-labelledby=\"{id}\">\n<thead><tr>");
    }
    for column in &settings.columns {
        let _ = write!(
            out,
            "<th scope=\"col\">{}</th>",
            html((words.column)(*column))
        );
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for row in rows {
        out.push_str("<tr>");
        for column in &settings.columns {
            let _ = write!(out, "<td>{}</td>", html(&cell(row, *column, words)));
        }
        out.push_str("</tr>\n");
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

/// What each consent pass did with the banner.
fn consent_evidence(out: &mut String, scan: &Scan, words: &Labels) {
    let evidence: Vec<String> = scan
        .modes
        .iter()
        .flat_map(|run| run.consent.iter().map(move |c| (run.mode, c)))
        .map(|(mode, c)| {
            format!(
                "<li>{}: {} on {}: {}{}</li>",
                html(mode.as_str()),
                html(c.platform_name.as_deref().unwrap_or("banner")),
                html(&c.page),
                html(c.outcome.as_str()),
                c.verification
                    .as_deref()
                    .map(|v| format!(" ({})", html(v)))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !evidence.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<ul>\n{}\n</ul>",
            html(words.consent),
            evidence.join("\n")
        );
    }
}

/// The rows whose purpose nobody knows yet.
fn review(out: &mut String, table: &PolicyTable, words: &Labels) {
    let review: Vec<&Row> = table.needs_review().collect();
    if !review.is_empty() {
        let _ = writeln!(out, "<h2>{}</h2>\n<ul>", html(words.needs_review));
        for row in review {
            let inferred = if row.inferred.is_empty() {
                String::new()
            } else {
                format!(
                    "<br><small>{}: {}</small>",
                    html(words.inferred),
                    html(&row.inferred.join("; "))
                )
            };
            let _ = writeln!(
                out,
                "<li>{} ({}){inferred}</li>",
                html(&row.names.join(", ")),
                html(&row.provider)
            );
        }
        out.push_str("</ul>\n");
    }
}
