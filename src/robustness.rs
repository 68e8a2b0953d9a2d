//! Property tests of everything that reads input the scanned site or a user controls: URL
//! normalisation and scope, robots.txt, sitemaps (gzip included), `Set-Cookie` lines and the
//! instrumentation's reports, cookie names through classification, the Open Cookie Database
//! import, site configs, published policies (Markdown, CSV, JSON, page tables) and the scan
//! file. None may panic, and the escapes must hold for any text.
//!
//! `cargo test --lib robustness` runs 256 cases per property; a longer run is
//! `PROPTEST_CASES=100000 cargo test --release --lib robustness` (see the README).

use proptest::prelude::*;
use url::Url;

use crate::browser::tables::PageTable;
use crate::capture::script::parse_payload;
use crate::capture::setcookie::parse_cookie_line;
use crate::check::declared::{from_tables, parse_csv, parse_json, parse_markdown};
use crate::classify::{Classifier, knowledge};
use crate::discover::{
    Robots, Scope, ScopeMode, ScopeRules, normalize, parse_sitemap, resolve_link,
};
use crate::text::escape::{html, md, neutralise};

/// Text with the characters parsers trip on, more often than uniform strings would give them.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                ';', '=', ',', '"', '\'', '|', '<', '>', '&', '\n', '\r', '\t', '*', '/', '\\',
                '%', '#', '?', ':', '.', '-', '_', '[', ']', '{', '}', 'é', 'ł', '\u{0}',
                '\u{feff}', '\u{202e}',
            ]),
            prop::char::range('a', 'z'),
        ],
        0..80,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// URLs of the site and its neighbours, with odd paths, queries and fragments.
fn site_url() -> impl Strategy<Value = Url> {
    (
        prop::sample::select(vec!["http", "https"]),
        prop::sample::select(vec![
            "www.example.com",
            "shop.example.com",
            "EXAMPLE.com",
            "tracker.test",
            "127.0.0.1",
            "[::1]",
            "xn--bcher-kva.example",
        ]),
        prop::option::of(1u16..),
        hostile_text(),
        prop::option::of(hostile_text()),
        prop::option::of(hostile_text()),
    )
        .prop_filter_map(
            "parses as a URL",
            |(scheme, host, port, path, query, fragment)| {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                let query = query.map(|q| format!("?{q}")).unwrap_or_default();
                let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
                Url::parse(&format!("{scheme}://{host}{port}/{path}{query}{fragment}")).ok()
            },
        )
}

proptest! {
    #[test]
    fn normalisation_is_stable_and_scope_decides(url in site_url(), href in hostile_text()) {
        if let Some(normal) = normalize(&url) {
            prop_assert_eq!(normalize(&normal), Some(normal.clone()), "not idempotent");
        }
        let start = Url::parse("https://www.example.com/").unwrap();
        let scope = Scope::new(&start, ScopeRules { mode: ScopeMode::Site, ..ScopeRules::default() });
        let _ = scope.decide(&url);
        if let Some(link) = resolve_link(&url, &href) {
            let _ = scope.decide(&link);
        }
    }

    #[test]
    fn robots_txt_of_any_shape_is_read(body in prop::collection::vec(any::<u8>(), 0..600),
                                       lines in prop::collection::vec(hostile_text(), 0..12),
                                       url in site_url()) {
        let _ = Robots::parse(&body).allowed(&url);
        let text = lines.iter().enumerate().map(|(i, l)| match i % 4 {
            0 => format!("User-agent: {l}"),
            1 => format!("Disallow: {l}"),
            2 => format!("Allow: {l}"),
            _ => format!("Sitemap: {l}"),
        }).collect::<Vec<_>>().join("\n");
        let robots = Robots::parse(text.as_bytes());
        let _ = robots.allowed(&url);
        let _ = robots.sitemaps();
    }

    #[test]
    fn sitemaps_of_any_shape_are_read(body in prop::collection::vec(any::<u8>(), 0..600),
                                      locs in prop::collection::vec(hostile_text(), 0..8),
                                      index in any::<bool>(), gzipped in any::<bool>()) {
        let _ = parse_sitemap(&body);
        let (root, entry) = if index { ("sitemapindex", "sitemap") } else { ("urlset", "url") };
        let entries: String = locs.iter().map(|l| format!("<{entry}><loc>{l}</loc></{entry}>")).collect();
        let xml = format!("<?xml version=\"1.0\"?><{root}>{entries}</{root}>");
        let bytes = if gzipped {
            use std::io::Write;
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(xml.as_bytes()).unwrap();
            encoder.finish().unwrap()
        } else {
            xml.into_bytes()
        };
        let _ = parse_sitemap(&bytes);
    }

    #[test]
    fn set_cookie_lines_of_any_shape_are_read(line in hostile_text(), url in site_url(),
                                              name in "[A-Za-z_][A-Za-z0-9_.-]{0,20}",
                                              attributes in prop::collection::vec(hostile_text(), 0..6)) {
        let _ = parse_cookie_line(&line, &url);
        let line = format!("{name}=v; {}", attributes.join("; "));
        if let Some(write) = parse_cookie_line(&line, &url) {
            prop_assert_eq!(write.key.name, name);
        }
    }

    #[test]
    fn instrumentation_reports_of_any_shape_are_read(payload in hostile_text(),
                                                     args in prop::collection::vec(hostile_text(), 0..4),
                                                     kind in prop::sample::select(vec![
                                                         "document.cookie", "cookieStore.set",
                                                         "cookieStore.delete", "storage.setItem", "other"])) {
        let _ = parse_payload(&payload);
        let report = serde_json::json!({
            "kind": kind, "args": args, "frame": "https://www.example.com/",
            "stack": ["at f (https://cdn.test/a.js:1:2)", payload],
        });
        let _ = parse_payload(&report.to_string());
    }

    #[test]
    fn any_cookie_name_and_domain_is_classified(name in hostile_text(), domain in hostile_text()) {
        let classifier = Classifier::new("example.com", "Example", Vec::new(), knowledge::builtin(), None);
        let class = classifier.classify(&name, &domain);
        prop_assert!(!class.pattern.is_empty() || name.is_empty());
        let _ = knowledge::collapse(&name);
    }

    #[test]
    fn open_cookie_database_csv_of_any_shape_is_read(rows in prop::collection::vec(
            prop::collection::vec(hostile_text(), 0..12), 0..6), raw in hostile_text()) {
        let _ = crate::classify::ocd::parse(&raw);
        let header = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match";
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let body = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        if let Ok(database) = crate::classify::ocd::parse(&format!("{header}\n{body}")) {
            for row in &rows {
                for cell in row {
                    let _ = database.lookup(cell, "www.example.com");
                }
            }
        }
        for row in rows.iter().flatten() {
            let _ = crate::classify::ocd::retention_days(row);
        }
    }

    #[test]
    fn site_configs_of_any_shape_are_read(raw in hostile_text(),
                                          key in "[a-z_]{1,12}", value in hostile_text()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.toml");
        for text in [
            raw.clone(),
            format!("[scan]\n{key} = {value:?}\n"),
            format!("[check]\n{key} = {value:?}\n"),
            format!("[[cookie]]\nname = {value:?}\n{key} = {value:?}\n"),
            format!("[[consent.platform]]\nid = {value:?}\nname = \"x\"\ndetect = {{ selectors = [{value:?}] }}\nvisible = [{value:?}]\n"),
        ] {
            std::fs::write(&path, text).unwrap();
            let _ = crate::config::SiteConfig::load(&path, true);
        }
    }

    #[test]
    fn published_policies_of_any_shape_are_read(raw in hostile_text(),
                                                 cells in prop::collection::vec(hostile_text(), 0..8),
                                                 headings in prop::collection::vec(hostile_text(), 0..3)) {
        let _ = parse_markdown(&raw);
        let _ = parse_csv(&raw);
        let _ = parse_json(&raw);
        let row = cells.join(" | ");
        let markdown = format!("## {}\n\n| Name | Provider | Purpose | Expiry |\n|---|---|---|---|\n| {row} |\n", headings.join(" "));
        let _ = parse_markdown(&markdown);
        let csv_text = format!("name,provider,purpose,duration,category\n{}\n", cells.join(","));
        let _ = parse_csv(&csv_text);
        let table = PageTable {
            headings: headings.clone(),
            rows: vec![vec!["Name".into(), "Purpose".into(), "Expiry".into()], cells.clone()],
        };
        let _ = from_tables(&[table]);
    }

    #[test]
    fn scan_files_of_any_shape_are_refused_cleanly(raw in hostile_text(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.json");
        std::fs::write(&path, &raw).unwrap();
        let _ = crate::model::load_scan(&path);
        std::fs::write(&path, &bytes).unwrap();
        let _ = crate::model::load_scan(&path);
        std::fs::write(&path, format!("{{\"schema_version\": 1, \"complete\": {raw:?}}}")).unwrap();
        prop_assert!(crate::model::load_scan(&path).is_err());
    }

    #[test]
    fn escapes_hold_for_any_text(text in hostile_text()) {
        let cell = md(&text);
        prop_assert!(!cell.contains('\n') && !cell.contains('<') && !cell.contains('>'));
        prop_assert!(!cell.replace("\\|", "").contains('|'), "an unescaped pipe: {cell}");
        let markup = html(&text);
        prop_assert!(!markup.contains('<') && !markup.contains('>') && !markup.contains('"'));
        let spreadsheet = neutralise(&text);
        prop_assert!(!spreadsheet.starts_with(['=', '+', '-', '@', '\t', '\r']));
    }
}
