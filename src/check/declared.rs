//! Reading the cookie table a site publishes: CSV or Markdown in the four-column format
//! (`Service provider's name | Function and location | Cookie name(s) | Purposes`, one section
//! per category) or the Cookiebot style (`Name | Provider | Purpose | Expiry | Type`), or the
//! JSON of `cookiescan report --format json`. Columns are found by their header, in English or
//! French; the category comes from a category column or the section heading above the table.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::classify::Category;

#[derive(Debug, thiserror::Error)]
pub enum DeclaredError {
    #[error("cannot read the policy {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the policy {path} is not valid {format}: {message}")]
    Invalid {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error(
        "no cookie table found in {path}: expected a header row naming the cookies (\"Cookie name(s)\" or \"Name\")"
    )]
    NoTable { path: PathBuf },
}

/// A declared lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredLifetime {
    Session,
    Days(f64),
}

/// One cookie name of the published table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredCookie {
    /// As published; `*`, `<id>`, `[id]` and `{id}` stand for any characters.
    pub name: String,
    pub category: Option<Category>,
    pub provider: Option<String>,
    pub duration: Option<String>,
    pub lifetime: Option<DeclaredLifetime>,
    /// Where in the file: `row 4` (CSV), `line 12` (Markdown), `section 2 row 1` (JSON).
    pub location: String,
}

impl DeclaredCookie {
    /// Whether an observed cookie name is this declaration (case-insensitive, placeholders as
    /// wildcards).
    pub fn matches(&self, observed: &str) -> bool {
        crate::classify::glob_match(&self.pattern(), &observed.to_ascii_lowercase())
    }

    /// The name as a lower-case glob: placeholders become `*`.
    pub fn pattern(&self) -> String {
        wildcard(&self.name).to_ascii_lowercase()
    }
}

/// `_ga_<container-id>`, `_ga_[ID]`, `_ga_{id}` → `_ga_*`.
fn wildcard(name: &str) -> String {
    let mut out = String::new();
    let mut closing: Option<char> = None;
    for c in name.chars() {
        match closing {
            Some(close) if c == close => closing = None,
            Some(_) => {}
            None => match c {
                '<' => {
                    closing = Some('>');
                    out.push('*');
                }
                '[' => {
                    closing = Some(']');
                    out.push('*');
                }
                '{' => {
                    closing = Some('}');
                    out.push('*');
                }
                c => out.push(c),
            },
        }
    }
    out
}

/// Which column holds what.
#[derive(Debug, Default)]
struct Columns {
    names: Option<usize>,
    provider: Option<usize>,
    category: Option<usize>,
    duration: Option<usize>,
}

fn columns(header: &[String]) -> Columns {
    let mut found = Columns::default();
    // The names column, best guess first: a header that is just "Name"/"Cookies", then one
    // naming names, then any header about cookies that is not a subgroup, type or use.
    let mut names: Option<(u8, usize)> = None;
    for (index, cell) in header.iter().enumerate() {
        let cell = cell.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| cell.contains(w));
        if has(&[
            "provider",
            "prestataire",
            "vendor",
            "fournisseur",
            "service",
        ]) {
            found.provider.get_or_insert(index);
        } else if has(&["categor"]) {
            found.category.get_or_insert(index);
        } else if has(&[
            "duration",
            "expir",
            "durée",
            "duree",
            "lifetime",
            "retention",
            "conservation",
        ]) {
            found.duration.get_or_insert(index);
        } else {
            let rank = match cell.trim() {
                "name" | "names" | "cookie" | "cookies" | "nom" | "noms" => Some(0),
                _ if has(&["name", "nom"]) => Some(1),
                _ if has(&["cookie"]) && !has(&["subgroup", "group", "type", "used", "utilis"]) => {
                    Some(2)
                }
                _ => None,
            };
            if let Some(rank) = rank
                && names.is_none_or(|(best, _)| rank < best)
            {
                names = Some((rank, index));
            }
        }
    }
    found.names = names.map(|(_, index)| index);
    found
}

/// A category from a heading or a category cell, by keyword (English and French).
pub fn category_of(text: &str) -> Option<Category> {
    let text = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&[
        "necessary",
        "essential",
        "strictly",
        "required",
        "nécessaire",
        "necessaire",
        "essentiel",
        "indispensable",
    ]) {
        Some(Category::Necessary)
    } else if has(&[
        "statisti",
        "analytic",
        "performance",
        "measure",
        "mesure",
        "audience",
    ]) {
        Some(Category::Statistics)
    } else if has(&[
        "marketing",
        "advertis",
        "targeting",
        "publicit",
        "tracking",
        "social",
        "third-party",
        "tiers",
    ]) {
        Some(Category::Marketing)
    } else if has(&["function", "fonction", "preference", "préférence"]) {
        Some(Category::Functionality)
    } else if has(&["unclassified", "review", "examen", "other", "autre"]) {
        Some(Category::Unclassified)
    } else {
        None
    }
}

/// A lifetime as policies write it: "session", "13 months", "2 years", "1 day, session",
/// "400 days (asked for 2 years)", "2 ans". The longest figure counts.
pub fn parse_lifetime(text: &str) -> Option<DeclaredLifetime> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut longest: Option<f64> = None;
    for (index, word) in words.iter().enumerate() {
        // "13 months", or "13months".
        let digits: String = word
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let Ok(number) = digits.parse::<f64>() else {
            continue;
        };
        let unit = if digits.len() < word.len() {
            &word[digits.len()..]
        } else {
            words.get(index + 1).copied().unwrap_or_default()
        };
        let per_unit = match unit {
            u if u.starts_with("min") => 1.0 / 1440.0,
            u if u.starts_with("hour") || u.starts_with("heure") || u == "h" || u == "hrs" => {
                1.0 / 24.0
            }
            u if u.starts_with("day") || u.starts_with("jour") || u == "d" => 1.0,
            u if u.starts_with("week") || u.starts_with("semaine") => 7.0,
            u if u.starts_with("month") || u == "mois" => 365.25 / 12.0,
            u if u.starts_with("year") || u.starts_with("an") || u == "yr" || u == "y" => 365.25,
            _ => continue,
        };
        let days = number * per_unit;
        longest = Some(longest.map_or(days, |l: f64| l.max(days)));
    }
    match longest {
        Some(days) => Some(DeclaredLifetime::Days(days)),
        None if words.iter().any(|w| w.starts_with("session")) => Some(DeclaredLifetime::Session),
        None => None,
    }
}

/// Splits a names cell: "_ga, _gid", "_ga<br>_gid", "`_fbp`".
fn split_names(cell: &str) -> Vec<String> {
    cell.replace("<br>", ",")
        .replace("<br/>", ",")
        .replace("<br />", ",")
        .split([',', ';', '\n'])
        .map(|name| {
            name.trim()
                .trim_matches('`')
                .trim_matches('"')
                .trim()
                .to_string()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

fn rows_to_cookies(
    columns: &Columns,
    rows: impl Iterator<Item = (String, Option<Category>, Vec<String>)>,
) -> Vec<DeclaredCookie> {
    let mut cookies = Vec::new();
    let Some(names_at) = columns.names else {
        return cookies;
    };
    for (location, section, cells) in rows {
        let cell = |at: Option<usize>| {
            at.and_then(|i| cells.get(i))
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
        };
        let category = cell(columns.category)
            .and_then(|c| category_of(&c))
            .or(section);
        let duration = cell(columns.duration);
        for name in split_names(cells.get(names_at).map(String::as_str).unwrap_or("")) {
            cookies.push(DeclaredCookie {
                name,
                category,
                provider: cell(columns.provider),
                lifetime: duration.as_deref().and_then(parse_lifetime),
                duration: duration.clone(),
                location: location.clone(),
            });
        }
    }
    cookies
}

/// The cookies declared in a rendered page's tables (see `browser::tables`): each table whose
/// header names the cookies, its category from the nearest heading that names one.
pub fn from_tables(tables: &[crate::browser::tables::PageTable]) -> Vec<DeclaredCookie> {
    let mut cookies = Vec::new();
    for (table_index, table) in tables.iter().enumerate() {
        let Some((header, rows)) = table.rows.split_first() else {
            continue;
        };
        let columns = columns(header);
        let section = table.headings.iter().find_map(|h| category_of(h));
        let rows = rows.iter().enumerate().map(|(row_index, cells)| {
            (
                format!("table {} row {}", table_index + 1, row_index + 1),
                section,
                cells.clone(),
            )
        });
        cookies.extend(rows_to_cookies(&columns, rows));
    }
    cookies
}

/// Where a published policy is: a file to parse, or a page to render and read.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySource {
    /// CSV, Markdown or `report --format json`.
    File(PathBuf),
    /// An http(s) page, or a saved `.html` file, read in the browser.
    Page(url::Url),
}

impl PolicySource {
    /// `https://…` and `http://…` are pages, `.html`/`.htm` files too; anything else a file.
    pub fn parse(text: &str) -> Result<PolicySource, DeclaredError> {
        if text.starts_with("https://") || text.starts_with("http://") {
            return url::Url::parse(text).map(PolicySource::Page).map_err(|e| {
                DeclaredError::Invalid {
                    path: PathBuf::from(text),
                    format: "URL",
                    message: e.to_string(),
                }
            });
        }
        let path = PathBuf::from(text);
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if !html {
            return Ok(PolicySource::File(path));
        }
        let absolute = std::path::absolute(&path).map_err(|source| DeclaredError::Read {
            path: path.clone(),
            source,
        })?;
        if !absolute.is_file() {
            return Err(DeclaredError::Read {
                path,
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        url::Url::from_file_path(&absolute)
            .map(PolicySource::Page)
            .map_err(|()| DeclaredError::Invalid {
                path,
                format: "file path",
                message: "cannot be made a file:// URL".into(),
            })
    }
}

/// Reads a published policy; the format follows the extension (`.csv`, `.json`, else Markdown).
pub fn load(path: &Path) -> Result<Vec<DeclaredCookie>, DeclaredError> {
    let text = std::fs::read_to_string(path).map_err(|source| DeclaredError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let invalid = |format, message: String| DeclaredError::Invalid {
        path: path.to_path_buf(),
        format,
        message,
    };
    let cookies = match extension.as_str() {
        "csv" => parse_csv(&text).map_err(|e| invalid("CSV", e.to_string()))?,
        "json" => parse_json(&text).map_err(|e| invalid("JSON", e))?,
        _ => parse_markdown(&text),
    };
    if cookies.is_empty() {
        return Err(DeclaredError::NoTable {
            path: path.to_path_buf(),
        });
    }
    Ok(cookies)
}

/// CSV with a header row.
pub fn parse_csv(text: &str) -> Result<Vec<DeclaredCookie>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let columns = columns(&header);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        rows.push((
            format!("row {}", index + 2),
            None,
            record.iter().map(str::to_string).collect(),
        ));
    }
    Ok(rows_to_cookies(&columns, rows.into_iter()))
}

/// Splits a Markdown table row into unescaped cells (`\|` stays inside its cell).
fn markdown_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    cells.last_mut().expect("one cell").push(next);
                }
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells
        .into_iter()
        .map(|c| {
            c.trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .replace("**", "")
        })
        .collect()
}

/// Every pipe table of a Markdown document; headings set the category of the tables below.
pub fn parse_markdown(text: &str) -> Vec<DeclaredCookie> {
    let mut cookies = Vec::new();
    let mut section: Option<Category> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index].trim();
        if line.starts_with('#') {
            section = category_of(line.trim_start_matches('#'));
            index += 1;
            continue;
        }
        let is_separator = |l: &str| {
            let l = l.trim();
            l.starts_with('|') && l.contains("---")
        };
        if line.starts_with('|') && lines.get(index + 1).is_some_and(|l| is_separator(l)) {
            let columns = columns(&markdown_cells(line));
            let mut rows = Vec::new();
            let mut row = index + 2;
            while row < lines.len() && lines[row].trim().starts_with('|') {
                rows.push((
                    format!("line {}", row + 1),
                    section,
                    markdown_cells(lines[row]),
                ));
                row += 1;
            }
            cookies.extend(rows_to_cookies(&columns, rows.into_iter()));
            index = row;
            continue;
        }
        index += 1;
    }
    cookies
}

/// The JSON of `cookiescan report --format json`.
pub fn parse_json(text: &str) -> Result<Vec<DeclaredCookie>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let sections = value
        .get("sections")
        .and_then(|s| s.as_array())
        .ok_or("no \"sections\": not the JSON of `cookiescan report --format json`")?;
    let mut cookies = Vec::new();
    for (section_index, section) in sections.iter().enumerate() {
        let rows = section
            .get(1)
            .and_then(|rows| rows.as_array())
            .ok_or("a section is not [category, rows]")?;
        for (row_index, row) in rows.iter().enumerate() {
            let text = |field: &str| {
                row.get(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
            };
            let category = row
                .get("category")
                .and_then(|c| serde_json::from_value::<Category>(c.clone()).ok());
            let duration = text("duration");
            for name in row
                .get("names")
                .and_then(|n| n.as_array())
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str())
            {
                cookies.push(DeclaredCookie {
                    name: name.to_string(),
                    category,
                    provider: text("provider"),
                    lifetime: duration.as_deref().and_then(parse_lifetime),
                    duration: duration.clone(),
                    location: format!("section {} row {}", section_index + 1, row_index + 1),
                });
            }
        }
    }
    Ok(cookies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        let days = |text| match parse_lifetime(text) {
            Some(DeclaredLifetime::Days(d)) => d.round() as i64,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(days("2 years"), 731);
        assert_eq!(days("13 months"), 396);
        assert_eq!(days("30 days"), 30);
        assert_eq!(days("1 day, session"), 1);
        assert_eq!(days("400 days (asked for 2 years)"), 731);
        assert_eq!(days("2 ans"), 731);
        assert_eq!(days("13 mois"), 396);
        assert_eq!(days("24h"), 1);
        assert_eq!(parse_lifetime("Session"), Some(DeclaredLifetime::Session));
        assert_eq!(parse_lifetime("persistent"), None);
    }

    #[test]
    fn categories_from_headings() {
        assert_eq!(
            category_of("Cookies necessary for the site to function"),
            Some(Category::Necessary)
        );
        assert_eq!(
            category_of("Marketing and third-party cookies"),
            Some(Category::Marketing)
        );
        assert_eq!(
            category_of("Cookies de fonctionnalité"),
            Some(Category::Functionality)
        );
        assert_eq!(category_of("Statistics"), Some(Category::Statistics));
        assert_eq!(category_of("Our cookies"), None);
    }

    #[test]
    fn four_column_markdown() {
        let text = "# Cookies\n\n## Strictly necessary cookies\n\n\
            | Service provider's name | Function and location | Cookie name(s) | Purposes |\n\
            |---|---|---|---|\n\
            | Example Ltd | Session (whole site) | session\\_id, csrf | Keeps you signed in |\n\
            \n## Statistics\n\n\
            | Service provider's name | Function and location | Cookie name(s) | Purposes |\n\
            |---|---|---|---|\n\
            | Google | Analytics | \\_ga, \\_ga\\_\\* | Counts visits \\| pages |\n";
        let cookies = parse_markdown(text);
        let got: Vec<(&str, Option<Category>, Option<&str>)> = cookies
            .iter()
            .map(|c| (c.name.as_str(), c.category, c.provider.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("session_id", Some(Category::Necessary), Some("Example Ltd")),
                ("csrf", Some(Category::Necessary), Some("Example Ltd")),
                ("_ga", Some(Category::Statistics), Some("Google")),
                ("_ga_*", Some(Category::Statistics), Some("Google")),
            ]
        );
        assert_eq!(cookies[2].location, "line 13");
        assert!(cookies[3].matches("_ga_ABC123"));
    }

    #[test]
    fn cookiebot_csv() {
        let text = "Name,Provider,Purpose,Expiry,Type,Category\n\
            _ga,Google,Registers a unique ID,2 years,HTTP,Statistics\n\
            \"_fbp\",Meta,Ads,3 months,HTTP,Marketing\n\
            _ga_<container-id>,Google,Session state,1 year,HTTP,Statistics\n";
        let cookies = parse_csv(text).unwrap();
        assert_eq!(cookies.len(), 3);
        assert_eq!(cookies[1].name, "_fbp");
        assert_eq!(cookies[1].category, Some(Category::Marketing));
        assert_eq!(cookies[0].lifetime, Some(DeclaredLifetime::Days(730.5)));
        assert!(cookies[2].matches("_ga_XYZ"));
        assert!(!cookies[2].matches("_gat"));
        assert_eq!(cookies[0].location, "row 2");
    }

    #[test]
    fn rendered_tables() {
        use crate::browser::tables::PageTable;
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let tables = vec![
            // A Cookiebot-style declaration under a styled paragraph.
            PageTable {
                headings: vec!["Statistics (2)".into(), "Cookie declaration".into()],
                rows: vec![
                    row(&["Name", "Provider", "Purpose", "Expiry", "Type"]),
                    row(&["_ga", "Google", "Counts", "2 years", "HTTP"]),
                    row(&["_gid\n_gat", "Google", "Counts", "1 day", "HTTP"]),
                ],
            },
            // A OneTrust-style list: the subgroup column is a domain, not names.
            PageTable {
                headings: vec!["Targeting Cookies".into()],
                rows: vec![
                    row(&["Cookie Subgroup", "Cookies", "Cookies used"]),
                    row(&["doubleclick.net", "IDE, test_cookie", "Third Party"]),
                ],
            },
            // A layout table without a names column.
            PageTable {
                headings: Vec::new(),
                rows: vec![row(&["Opening hours", "9-5"])],
            },
        ];
        let got: Vec<(String, Option<Category>)> = from_tables(&tables)
            .into_iter()
            .map(|c| (c.name, c.category))
            .collect();
        let stats = Some(Category::Statistics);
        let ads = Some(Category::Marketing);
        assert_eq!(
            got,
            vec![
                ("_ga".to_string(), stats),
                ("_gid".to_string(), stats),
                ("_gat".to_string(), stats),
                ("IDE".to_string(), ads),
                ("test_cookie".to_string(), ads),
            ]
        );
    }

    #[test]
    fn policy_sources() {
        assert!(matches!(
            PolicySource::parse("https://www.example.com/cookies"),
            Ok(PolicySource::Page(_))
        ));
        assert!(matches!(
            PolicySource::parse("policy.md"),
            Ok(PolicySource::File(_))
        ));
        assert!(PolicySource::parse("/nonexistent/policy.html").is_err());
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("policy.html");
        std::fs::write(&page, "<table></table>").unwrap();
        match PolicySource::parse(page.to_str().unwrap()).unwrap() {
            PolicySource::Page(url) => assert_eq!(url.scheme(), "file"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn our_own_json_reads_back() {
        let text = r#"{"site":"example.com","scanned_at":"x","modes":[],
            "sections":[["marketing",[{"category":"marketing","provider":"Meta","names":["_fbp"],
            "duration":"3 months","function":"","location":"","purpose":"","party":"",
            "domains":[],"before_consent":null,"kind":"HTTP","needs_review":false}]]]}"#;
        let cookies = parse_json(text).unwrap();
        assert_eq!(cookies[0].name, "_fbp");
        assert_eq!(cookies[0].category, Some(Category::Marketing));
        assert!(parse_json("{}").unwrap_err().contains("sections"));
    }
}
