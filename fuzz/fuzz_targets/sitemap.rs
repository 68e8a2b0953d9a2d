//! Sitemaps, XML or text, plain or gzip. Input: a selector byte, then the body. With the
//! selector's low bit set the body is gzip-compressed before parsing, and the result must be
//! the one of the plain body (gzip is detected by its magic bytes, so a body that itself
//! starts with them is compared with nothing).
//!
//! Beyond "no panic": entries are trimmed and non-empty, at most the protocol's 50,000, and
//! every entry of a text sitemap is an http(s) URL.

#![no_main]

use std::io::Write;

use cookiescan::discover::{Sitemap, parse_sitemap};
use libfuzzer_sys::fuzz_target;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn parse(body: &[u8]) -> Result<Sitemap, String> {
    let parsed = parse_sitemap(body).map_err(|e| e.to_string());
    if let Ok(Sitemap::UrlSet(entries) | Sitemap::Index(entries)) = &parsed {
        assert!(entries.len() <= 50_000);
        let text = String::from_utf8_lossy(body);
        let is_text = !text.trim_start_matches('\u{feff}').trim().starts_with('<');
        for entry in entries {
            assert!(!entry.is_empty() && entry.trim() == entry, "{entry:?}");
            if is_text && !body.starts_with(&GZIP_MAGIC) {
                let url = url::Url::parse(entry).expect("a text sitemap entry is a URL");
                assert!(matches!(url.scheme(), "http" | "https"), "{entry}");
            }
        }
    }
    parsed
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        let _ = parse(body);
        return;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body).unwrap();
    let gzipped = encoder.finish().unwrap();
    let from_gzip = parse(&gzipped);
    if !body.starts_with(&GZIP_MAGIC) {
        assert_eq!(from_gzip, parse(body), "gzip changes the result");
    }
});
