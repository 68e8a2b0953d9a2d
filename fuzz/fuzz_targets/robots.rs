//! robots.txt: any body is read (one that cannot be parsed allows everything). The URLs
//! checked are the site's root, a fixed page, and every value in the file joined to the site,
//! so the matching sees the file's own rules.
//!
//! Beyond "no panic": a file without a `Disallow` line (or a misspelling of it) forbids
//! nothing.

#![no_main]

use cookiescan::discover::{Robots, robots_url};
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let robots = Robots::parse(data);
    let base = Url::parse("https://www.example.com/").unwrap();
    let mut urls = vec![base.clone(), base.join("/private/page?x=1").unwrap()];
    let text = String::from_utf8_lossy(data);
    for line in text.lines().take(32) {
        if let Some((_, value)) = line.split_once(':')
            && let Ok(url) = base.join(value.trim())
        {
            urls.push(url);
        }
    }
    // The parser also takes the usual misspellings, as Google's does.
    let lower = text.to_ascii_lowercase();
    let forbids_something = [
        "disallow",
        "dissallow",
        "dissalow",
        "disalow",
        "diasllow",
        "disallaw",
    ]
    .iter()
    .any(|spelling| lower.contains(spelling));
    for url in &urls {
        let allowed = robots.allowed(url);
        assert!(
            allowed || forbids_something,
            "{url} refused without any Disallow line"
        );
        if let Some(robots_txt) = robots_url(url) {
            assert_eq!(robots_txt.path(), "/robots.txt");
        }
    }
    let _ = robots.sitemaps();
});
