//! Where a cookie write lands in the jar: the (name, domain, path) that a `Set-Cookie` header,
//! a `document.cookie` assignment or a `cookieStore.set` call addresses, computed with the
//! rules of RFC 6265 so it can be matched against what `Storage.getCookies` returns.

use serde::{Deserialize, Serialize};
use url::Url;

pub(crate) use crate::model::CookieKey;

/// A parsed cookie write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieWrite {
    pub key: CookieKey,
    /// True when the write removes the cookie (`Max-Age<=0` or an `Expires` in the past).
    pub deletes: bool,
    /// The lifetime the site asked for, in seconds (`Max-Age`, else `Expires` minus now);
    /// None for a session cookie. Browsers may store less (Chromium caps at 400 days).
    pub requested_seconds: Option<i64>,
}

/// Parses one `Set-Cookie` line (or a `document.cookie` assignment, which has the same
/// syntax) written in the context of `url`. Returns None for a line without a name-value pair.
pub(crate) fn parse_cookie_line(line: &str, url: &Url) -> Option<CookieWrite> {
    let mut parts = line.split(';');
    let pair = parts.next()?.trim();
    let (name, value) = match pair.split_once('=') {
        Some((name, value)) => (name.trim(), value.trim()),
        // RFC 6265bis: a pair without '=' is a cookie with an empty name.
        None => ("", pair),
    };
    if name.is_empty() && value.is_empty() {
        return None;
    }
    let mut domain_attr = None;
    let mut path_attr = None;
    let mut max_age = None;
    let mut expires = None;
    let mut expired = false;
    for attribute in parts {
        let (key, val) = match attribute.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (attribute.trim(), ""),
        };
        match key.to_ascii_lowercase().as_str() {
            "domain" if !val.is_empty() => domain_attr = Some(val.to_ascii_lowercase()),
            "path" if val.starts_with('/') => path_attr = Some(val.to_string()),
            "max-age" => {
                if let Ok(seconds) = val.parse::<i64>() {
                    max_age = Some(seconds);
                }
            }
            "expires" => {
                if let Some(when) = httpdate_lenient(val) {
                    let now = std::time::SystemTime::now();
                    expired = when < now;
                    expires = Some(match when.duration_since(now) {
                        Ok(ahead) => ahead.as_secs() as i64,
                        Err(_) => 0,
                    });
                }
            }
            _ => {}
        }
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let domain = match domain_attr {
        Some(attr) => {
            let bare = attr.trim_start_matches('.').to_string();
            format!(".{bare}")
        }
        None => host,
    };
    let path = path_attr.unwrap_or_else(|| default_path(url));
    // The last Max-Age wins over any Expires, else the last Expires counts (RFC 6265 §5.3
    // step 3): for the deletion as for the lifetime, whatever order the attributes come in.
    let deletes = match max_age {
        Some(seconds) => seconds <= 0,
        None => expired,
    };
    Some(CookieWrite {
        key: CookieKey {
            name: name.to_string(),
            domain,
            path,
        },
        deletes,
        // Max-Age wins over Expires (RFC 6265 §5.3 step 3).
        requested_seconds: max_age.or(expires),
    })
}

/// RFC 6265 §5.1.4 default-path: the directory of the request path.
pub(crate) fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(index) => path[..index].to_string(),
    }
}

/// `Expires` dates come in several historic formats; humantime understands the RFC 1123 one
/// that servers overwhelmingly send. An unparsable date is treated as "not a deletion".
fn httpdate_lenient(value: &str) -> Option<std::time::SystemTime> {
    // Netscape-style dates separate day, month and year with dashes.
    parse_rfc1123(&value.replace('-', " "))
}

fn parse_rfc1123(value: &str) -> Option<std::time::SystemTime> {
    // "Thu, 01 Jan 1970 00:00:00 GMT" (dashes already turned into spaces).
    let fields: Vec<&str> = value.split_whitespace().collect();
    let fields = if fields.first()?.ends_with(',') {
        &fields[1..]
    } else {
        &fields[..]
    };
    let [day, month, year, time, ..] = fields else {
        return None;
    };
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| month.to_ascii_lowercase().starts_with(m))?
        + 1;
    let mut year: u32 = year.parse().ok()?;
    if year < 100 {
        year += if year < 70 { 2000 } else { 1900 };
    }
    let day: u32 = day.parse().ok()?;
    let text = format!("{year:04}-{month:02}-{day:02}T{time}Z");
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(line: &str, url: &str) -> CookieWrite {
        parse_cookie_line(line, &Url::parse(url).unwrap()).unwrap()
    }

    #[test]
    fn host_only_cookie_takes_the_request_host_and_default_path() {
        let w = write("sid=abc; HttpOnly", "https://www.shop.test/a/b/page?x=1");
        assert_eq!(w.key.domain, "www.shop.test");
        assert_eq!(w.key.path, "/a/b");
        assert!(!w.deletes);
    }

    #[test]
    fn domain_attribute_makes_a_dotted_domain_cookie() {
        let w = write(
            "pref=1; Domain=Shop.Test; Path=/",
            "https://blog.shop.test/",
        );
        assert_eq!(w.key.domain, ".shop.test");
        assert_eq!(w.key.path, "/");
        let w = write("pref=1; domain=.shop.test", "https://blog.shop.test/");
        assert_eq!(w.key.domain, ".shop.test");
    }

    #[test]
    fn deletions_are_recognised() {
        assert!(write("a=; Max-Age=0", "https://x.test/").deletes);
        assert!(
            write(
                "a=; expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "https://x.test/"
            )
            .deletes
        );
        assert!(
            write(
                "a=; expires=Thu, 01-Jan-1970 00:00:01 GMT",
                "https://x.test/"
            )
            .deletes
        );
        assert!(
            !write(
                "a=1; expires=Fri, 01 Jan 2100 00:00:00 GMT",
                "https://x.test/"
            )
            .deletes
        );
        assert!(!write("a=1; Max-Age=60", "https://x.test/").deletes);
        let asked = write(
            "a=1; Max-Age=63072000; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
            "https://x.test/",
        );
        assert_eq!(asked.requested_seconds, Some(63_072_000));
        assert_eq!(write("a=1", "https://x.test/").requested_seconds, None);
    }

    #[test]
    fn the_attribute_that_sets_the_lifetime_decides_the_deletion() {
        // Found by fuzzing (fuzz/seeds/set_cookie/expires-past-then-future.txt): a past
        // Expires followed by a future one, or by a positive Max-Age, kept `deletes`.
        let w = write(
            "a=1; expires=6-Nov-4 08:49:37;expires=6-Nov-47 08:49:37",
            "https://x.test/",
        );
        assert!(!w.deletes && w.requested_seconds.is_some_and(|s| s > 0));
        let w = write(
            "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "https://x.test/",
        );
        assert!(!w.deletes);
        assert_eq!(w.requested_seconds, Some(60));
        let w = write(
            "a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0",
            "https://x.test/",
        );
        assert!(w.deletes);
    }

    #[test]
    fn nameless_and_empty_lines() {
        assert!(parse_cookie_line("", &Url::parse("https://x.test/").unwrap()).is_none());
        assert_eq!(write("justvalue", "https://x.test/").key.name, "");
    }

    #[test]
    fn default_path_edge_cases() {
        let p = |u: &str| default_path(&Url::parse(u).unwrap());
        assert_eq!(p("https://x.test/"), "/");
        assert_eq!(p("https://x.test/page"), "/");
        assert_eq!(p("https://x.test/dir/"), "/dir");
    }
}
