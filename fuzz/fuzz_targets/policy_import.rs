//! Published cookie policies. Input: a selector byte, then text read as Markdown (0), CSV (1),
//! a rendered page's tables (2) or `report --format json` (3).
//!
//! The page's HTML itself is read in Chromium (`browser/tables.js`); what reaches Rust is its
//! tables, so mode 2 builds them from the text: blocks separated by a blank line are tables,
//! lines starting with `#` their headings, other lines rows with cells separated by `|`.
//!
//! Beyond "no panic": every declared name (JSON aside, which is taken as written) is non-empty,
//! trimmed and a single name; every name matches itself as an observed cookie; lifetimes are
//! never negative or NaN.

#![no_main]

use cookiescan::check::declared::{
    DeclaredCookie, DeclaredLifetime, from_tables, parse_csv, parse_json, parse_markdown,
};
use libfuzzer_sys::fuzz_target;

/// `from_tables` takes `browser::tables::PageTable`, which the crate does not export: it is
/// deserialised here from the JSON `tables.js` returns, its type inferred from the function.
fn page_tables<T: serde::de::DeserializeOwned>(
    parse: fn(&[T]) -> Vec<DeclaredCookie>,
    text: &str,
) -> Vec<DeclaredCookie> {
    let tables: Vec<serde_json::Value> = text
        .split("\n\n")
        .map(|block| {
            let (headings, rows): (Vec<&str>, Vec<&str>) =
                block.lines().partition(|line| line.starts_with('#'));
            let rows: Vec<Vec<&str>> = rows.iter().map(|row| row.split('|').collect()).collect();
            serde_json::json!({ "headings": headings, "rows": rows })
        })
        .collect();
    let tables: Vec<T> =
        serde_json::from_value(tables.into()).expect("the shape tables.js returns");
    parse(&tables)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let mode = selector % 4;
    let cookies = match mode {
        0 => parse_markdown(&text),
        1 => parse_csv(&text).unwrap_or_default(),
        2 => page_tables(from_tables, &text),
        _ => parse_json(&text).unwrap_or_default(),
    };
    for cookie in &cookies {
        if mode != 3 {
            let name = &cookie.name;
            assert!(!name.is_empty() && name.trim() == name, "{name:?}");
            assert!(
                !name.contains([',', ';', '\n']),
                "{name:?} is several names"
            );
        }
        assert!(
            cookie.matches(&cookie.name),
            "{:?} does not match itself",
            cookie.name
        );
        if let Some(DeclaredLifetime::Days(days)) = cookie.lifetime {
            assert!(days >= 0.0, "{:?} gives {days} days", cookie.duration);
        }
    }
});
