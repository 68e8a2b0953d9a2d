//! Escaping for every format text from the scanned site ends up in. Cookie names, paths, URLs
//! and banner texts are chosen by the site, so each format gets its own escape, and none of
//! them is skipped.

/// The entity for a character that HTML (and so GitHub's Markdown) gives meaning to.
fn entity(c: char) -> Option<&'static str> {
    match c {
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '&' => Some("&amp;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// Escapes text for a Markdown table cell: table separators and Markdown syntax are
/// backslash-escaped, markup characters become entities, line breaks become spaces.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' | '>' | '&' => out.push_str(entity(c).unwrap_or_default()),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// HTML escaping for text and attribute values.
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match entity(c) {
            Some(escaped) => out.push_str(escaped),
            None if c.is_control() && c != '\n' => {}
            None => out.push(c),
        }
    }
    out
}

/// Removes control characters (ANSI escapes included) from text bound for a terminal.
pub(crate) fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Spreadsheet programs run cells that start with `=`, `+`, `-` or `@` as formulas; the scanned
/// site controls cookie names and paths, so such cells are quoted with a leading apostrophe.
pub(crate) fn neutralise(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_removed() {
        assert_eq!(clean("a\u{1b}[31mred\u{7}"), "a[31mred");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("_ga"), "_ga");
    }

    #[test]
    fn markdown_cells_cannot_break_out() {
        assert_eq!(md("a|b<script>"), "a\\|b&lt;script&gt;");
        assert_eq!(md("_ga_*"), "\\_ga\\_\\*");
        assert_eq!(md("x\ny"), "x y");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }
}
