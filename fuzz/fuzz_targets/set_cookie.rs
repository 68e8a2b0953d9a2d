//! `Set-Cookie` lines (and `document.cookie` assignments). Input: the page URL on the first
//! line (a default page when it does not parse), the cookie line after it.
//!
//! `capture::setcookie` is private to the crate, so its source file is compiled in here
//! directly; it depends on nothing of the crate but `url` and `humantime`.
//!
//! Beyond "no panic": a name before the first `=` is kept whatever attributes follow; the
//! domain is never empty and the path is absolute; `deletes` agrees with the requested
//! lifetime (a positive lifetime is no deletion, a negative one is, and no lifetime is none).

#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../src/capture/setcookie.rs"]
mod setcookie;

use libfuzzer_sys::fuzz_target;
use url::Url;

fn check(line: &str, url: &Url) -> Option<setcookie::CookieWrite> {
    let write = setcookie::parse_cookie_line(line, url)?;
    assert!(
        !write.key.domain.is_empty(),
        "{line:?} on {url}: empty domain"
    );
    assert!(
        write.key.path.starts_with('/'),
        "{line:?} on {url}: path {:?}",
        write.key.path
    );
    match write.requested_seconds {
        Some(seconds) if seconds > 0 => {
            assert!(
                !write.deletes,
                "{line:?}: deletes a cookie asked to live {seconds} s"
            )
        }
        Some(seconds) if seconds < 0 => {
            assert!(write.deletes, "{line:?}: keeps a cookie of {seconds} s")
        }
        Some(_) => {}
        None => assert!(
            !write.deletes,
            "{line:?}: deletes without Max-Age or Expires"
        ),
    }
    Some(write)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (url, line) = text.split_once('\n').unwrap_or(("", &text));
    let url =
        Url::parse(url).unwrap_or_else(|_| Url::parse("https://www.example.com/a/b").unwrap());
    let _ = check(line, &url);
    let named = format!("fuzz_name=v; {line}");
    if let Some(write) = check(&named, &url) {
        assert_eq!(write.key.name, "fuzz_name", "{named:?}");
    }
});
