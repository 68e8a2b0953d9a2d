//! A scan diff as text for a terminal (coloured when asked), Markdown for a pull-request
//! comment, or JSON. Every string from the site is cleaned of control characters (text) or
//! escaped (Markdown).

use std::fmt::Write;

use super::{Change, ChangeKind, ScanDiff};
use crate::text::escape::clean;
use crate::text::escape::md;

const RED: &str = "\u{1b}[31m";
const GREEN: &str = "\u{1b}[32m";
const YELLOW: &str = "\u{1b}[33m";
const BOLD: &str = "\u{1b}[1m";
const RESET: &str = "\u{1b}[0m";

/// The changes of each kind, in report order.
fn groups(diff: &ScanDiff) -> Vec<(ChangeKind, Vec<&Change>)> {
    crate::text::runs_by(&diff.changes, |c| c.kind)
}

fn subject(change: &Change) -> String {
    match (&change.cookie, &change.subject) {
        (Some(key), _) => key.to_string(),
        (None, Some(subject)) => subject.clone(),
        (None, None) => String::new(),
    }
}

fn detail(change: &Change) -> String {
    let mut parts = Vec::new();
    // The mode of a consent finding is in its title.
    let implied = matches!(
        change.kind,
        ChangeKind::BeforeConsent
            | ChangeKind::SurvivesReject
            | ChangeKind::NoLongerBeforeConsent
            | ChangeKind::NoLongerSurvivesReject
    );
    if !change.modes.is_empty() && !implied {
        let modes: Vec<&str> = change.modes.iter().map(|m| m.as_str()).collect();
        parts.push(format!("[{}]", modes.join(", ")));
    }
    match (&change.before, &change.after) {
        (Some(before), Some(after)) => parts.push(format!("{before} → {after}")),
        (None, Some(after)) => parts.push(after.clone()),
        (Some(before), None) => parts.push(format!("was {before}")),
        (None, None) => {}
    }
    parts.join(" ")
}

/// One-line verdict: how many regressions, other changes and improvements.
pub(crate) fn verdict(diff: &ScanDiff) -> String {
    if diff.is_empty() {
        return "No changes.".into();
    }
    let regressions = diff
        .changes
        .iter()
        .filter(|c| c.kind.is_regression())
        .count();
    let improvements = diff
        .changes
        .iter()
        .filter(|c| c.kind.is_improvement())
        .count();
    let others = diff.changes.len() - regressions - improvements;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {}.",
        plural(regressions, "regression"),
        plural(others, "other change"),
        plural(improvements, "improvement")
    )
}

/// Plain text, with ANSI colours when `color` (regressions red, improvements green).
pub(crate) fn render_text(diff: &ScanDiff, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}Changes on {} since {}{}",
        paint(BOLD),
        clean(&diff.site),
        clean(&diff.old.started_at),
        paint(RESET)
    );
    let _ = writeln!(
        out,
        "  older: {} ({} pages, {} cookies)\n  newer: {} ({} pages, {} cookies)",
        clean(&diff.old.started_at),
        diff.old.pages,
        diff.old.cookies,
        clean(&diff.new.started_at),
        diff.new.pages,
        diff.new.cookies
    );
    for note in &diff.notes {
        let _ = writeln!(out, "  note: {}", clean(note));
    }
    for (kind, changes) in groups(diff) {
        let (code, mark) = if kind.is_regression() {
            (RED, "+")
        } else if kind.is_improvement() {
            (GREEN, "-")
        } else {
            (YELLOW, "~")
        };
        let _ = writeln!(
            out,
            "\n{}{} ({}){}  [{}]",
            paint(BOLD),
            kind.title(),
            changes.len(),
            paint(RESET),
            kind
        );
        for change in changes {
            let _ = writeln!(
                out,
                "  {}{mark} {}{}  {}",
                paint(code),
                clean(&subject(change)),
                paint(RESET),
                clean(&detail(change))
            );
            for evidence in &change.evidence {
                let _ = writeln!(out, "      {}", clean(evidence));
            }
        }
    }
    let _ = writeln!(out, "\n{}", verdict(diff));
    out
}

/// GitHub-flavoured Markdown for a pull-request or issue comment.
pub(crate) fn render_markdown(diff: &ScanDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Cookie changes on {}\n", md(&diff.site));
    let _ = writeln!(
        out,
        "Compared with the scan of {} ({} pages, {} cookies); this scan: {} ({} pages, {} cookies). **{}**\n",
        md(&diff.old.started_at),
        diff.old.pages,
        diff.old.cookies,
        md(&diff.new.started_at),
        diff.new.pages,
        diff.new.cookies,
        verdict(diff)
    );
    for note in &diff.notes {
        let _ = writeln!(out, "> Note: {}\n", md(note));
    }
    for (kind, changes) in groups(diff) {
        let marker = if kind.is_regression() {
            "🔴 "
        } else if kind.is_improvement() {
            "🟢 "
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "#### {marker}{} ({}) `{}`\n",
            kind.title(),
            changes.len(),
            kind
        );
        // Long groups fold away so a pull-request comment stays readable.
        let folded = changes.len() > FOLD_AFTER;
        if folded {
            let _ = writeln!(
                out,
                "<details><summary>{} changes</summary>\n",
                changes.len()
            );
        }
        out.push_str("| What | Modes | Before | After | Evidence |\n|---|---|---|---|---|\n");
        for change in changes {
            let modes: Vec<&str> = change.modes.iter().map(|m| m.as_str()).collect();
            let evidence: Vec<String> = change.evidence.iter().map(|e| md(e)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&subject(change)),
                modes.join(", "),
                md(change.before.as_deref().unwrap_or("")),
                md(change.after.as_deref().unwrap_or("")),
                evidence.join("<br>")
            );
        }
        if folded {
            out.push_str("\n</details>\n");
        }
        out.push('\n');
    }
    let modes: Vec<&str> = diff.modes_compared.iter().map(|m| m.as_str()).collect();
    let _ = writeln!(
        out,
        "<sub>cookiescan {} · consent modes compared: {}</sub>",
        env!("CARGO_PKG_VERSION"),
        if modes.is_empty() {
            "none".to_string()
        } else {
            modes.join(", ")
        }
    );
    out
}

/// Groups longer than this are folded in Markdown.
const FOLD_AFTER: usize = 10;

/// Stable, pretty JSON with a trailing newline.
pub(crate) fn render_json(diff: &ScanDiff) -> String {
    let mut json = serde_json::to_string_pretty(diff).expect("a diff always serialises");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{CookieKey, ScanRef};
    use crate::model::Mode;

    fn sample() -> ScanDiff {
        let scan = ScanRef {
            started_at: "2026-11-29T04:00:00Z".into(),
            complete: true,
            pages: 3,
            cookies: 2,
            modes: vec![Mode::BeforeConsent],
        };
        ScanDiff {
            site: "www.example.com".into(),
            old: scan.clone(),
            new: scan,
            modes_compared: vec![Mode::BeforeConsent],
            notes: Vec::new(),
            changes: vec![Change {
                kind: ChangeKind::Added,
                cookie: Some(CookieKey {
                    name: "x|<b>\u{1b}[31m".into(),
                    domain: "example.com".into(),
                    path: "/".into(),
                }),
                subject: None,
                modes: vec![Mode::BeforeConsent],
                before: None,
                after: Some("set in before-consent".into()),
                evidence: vec!["set-cookie by https://www.example.com/|x on /".into()],
            }],
        }
    }

    #[test]
    fn site_text_cannot_break_out() {
        let diff = sample();
        let markdown = render_markdown(&diff);
        assert!(markdown.contains("x\\|&lt;b&gt;"), "{markdown}");
        assert!(markdown.contains("example.com/\\|x"), "{markdown}");
        let text = render_text(&diff, false);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(render_text(&diff, true).contains(RED));
        assert!(text.contains("1 regression, 0 other changes, 0 improvements."));
    }

    #[test]
    fn long_groups_fold_in_markdown() {
        let mut diff = sample();
        let one = diff.changes[0].clone();
        assert!(!render_markdown(&diff).contains("<details>"));
        diff.changes = vec![one; FOLD_AFTER + 1];
        let markdown = render_markdown(&diff);
        assert!(
            markdown.contains("<details><summary>11 changes</summary>"),
            "{markdown}"
        );
        assert!(markdown.contains("</details>"));
    }

    #[test]
    fn an_empty_diff_says_so() {
        let mut diff = sample();
        diff.changes.clear();
        assert!(render_text(&diff, false).contains("No changes."));
        assert!(render_markdown(&diff).contains("**No changes.**"));
        assert!(render_markdown(&diff).contains("consent modes compared: before-consent</sub>"));
        let json: serde_json::Value = serde_json::from_str(&render_json(&diff)).unwrap();
        assert_eq!(json["changes"], serde_json::json!([]));
    }
}
