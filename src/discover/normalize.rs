//! URL normalisation: one canonical form per page so the crawl neither revisits pages nor
//! misses that two links point at the same thing.

use url::Url;

/// Query parameters that only carry campaign or click attribution. They never change the
/// page served, and keeping them would make every tagged link look like a new page.
/// Any parameter starting with `utm_` is dropped as well (see [`is_tracking_param`]).
const TRACKING_PARAMS: &[&str] = &[
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "_gl",
    "li_fat_id",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wickedid",
    "srsltid",
];

fn is_tracking_param(key: &str) -> bool {
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key)
}

/// Parameter names that carry a session id (compared case-insensitively), in the query or as a
/// path parameter (`/page;jsessionid=…`). A server that cannot rely on a cookie writes the
/// session into every link, so each render of a page would otherwise offer new URLs.
const SESSION_PARAMS: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "sid",
    "sessionid",
    "session_id",
    "sessid",
    "aspsessionid",
    "cfid",
    "cftoken",
    "zenid",
    "oscsid",
];

/// Whether a parameter name is known to carry a session id.
pub fn is_session_param(key: &str) -> bool {
    SESSION_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(key))
}

/// The session-id parameters (query and path) of a URL as written, in order: what
/// [`normalize`] removes from it.
pub fn session_params(url: &Url) -> Vec<String> {
    let path = url
        .path()
        .split('/')
        .flat_map(|segment| segment.split(';').skip(1))
        .map(|param| param.split_once('=').map_or(param, |(k, _)| k));
    let query = url
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k));
    path.chain(query)
        .filter(|key| is_session_param(key))
        .map(|key| key.to_ascii_lowercase())
        .collect()
}

/// Removes session-id path parameters: `/a;jsessionid=X/b;v=1` → `/a/b;v=1`.
fn strip_session_path_params(path: &str) -> Option<String> {
    if !path.contains(';') {
        return None;
    }
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let mut parts = segment.split(';');
            let mut kept = vec![parts.next().unwrap_or("").to_string()];
            kept.extend(
                parts
                    .filter(|param| {
                        !is_session_param(param.split_once('=').map_or(param, |(k, _)| k))
                    })
                    .map(str::to_string),
            );
            kept.join(";")
        })
        .collect();
    let stripped = segments.join("/");
    (stripped != path).then_some(stripped)
}

/// Removes the query parameters named in `names` (exactly, as the crawl judged them volatile).
pub fn without_params(url: &Url, names: &std::collections::BTreeSet<String>) -> Url {
    let mut out = url.clone();
    if names.is_empty() {
        return out;
    }
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !names.contains(pair.split_once('=').map_or(*pair, |(k, _)| k)))
            .collect();
        out.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    }
    out
}

/// Query parameters whose value changed between two renders of the same page: for each link
/// that appears exactly once in both renders with the same path and parameter names, the
/// names whose values differ. Session-id names are left out (they are stripped anyway).
pub fn volatile_params(first: &[String], second: &[String]) -> std::collections::BTreeSet<String> {
    use std::collections::BTreeMap;
    type Shape = (String, Vec<String>);
    fn shapes(render: &[String]) -> BTreeMap<Shape, Vec<Vec<(String, String)>>> {
        let mut out: BTreeMap<Shape, Vec<Vec<(String, String)>>> = BTreeMap::new();
        for href in render {
            let Ok(url) = Url::parse(href) else { continue };
            let pairs: Vec<(String, String)> = url
                .query()
                .into_iter()
                .flat_map(|q| q.split('&'))
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (k.to_string(), v.to_string())
                })
                .collect();
            let mut names: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
            names.sort();
            out.entry((query_free(&url), names))
                .or_default()
                .push(pairs);
        }
        out
    }
    let (first, second) = (shapes(first), shapes(second));
    let mut volatile = std::collections::BTreeSet::new();
    for (shape, before) in &first {
        let Some(after) = second.get(shape) else {
            continue;
        };
        let ([before], [after]) = (before.as_slice(), after.as_slice()) else {
            continue;
        };
        for (name, value) in before {
            let changed = after.iter().any(|(k, v)| k == name && v != value);
            if changed && !is_session_param(name) && !is_tracking_param(name) {
                volatile.insert(name.clone());
            }
        }
    }
    volatile
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// Canonical page URL: http(s) only, no fragment, no tracking parameters, query pairs
/// sorted, no empty `?`.
pub fn normalize(url: &Url) -> Option<Url> {
    if !is_web(url) || url.host_str().is_none() {
        return None;
    }
    let mut out = url.clone();
    out.set_fragment(None);
    if let Some(path) = strip_session_path_params(url.path()) {
        out.set_path(&path);
    }
    if let Some(query) = url.query() {
        // Work on the raw, already-encoded pairs: re-serialising through form encoding would
        // rewrite `%20` as `+` and `a` as `a=`, changing URLs the server may treat differently.
        let mut pairs: Vec<(&str, &str, &str)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key, value, pair)
            })
            .filter(|(key, _, _)| !is_tracking_param(key) && !is_session_param(key))
            .collect();
        // Stable sort: equal pairs keep their relative order.
        pairs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        if pairs.is_empty() {
            out.set_query(None);
        } else {
            let joined: Vec<&str> = pairs.iter().map(|(_, _, raw)| *raw).collect();
            out.set_query(Some(&joined.join("&")));
        }
    }
    Some(out)
}

/// `host[:port]` with the port only when it is not the scheme's default.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// De-duplication identity of a page, e.g. `www.example.com/path?a=1`: the scheme is left
/// out so http and https variants count as one page. Accepts any URL; it is normalised
/// first, and a URL that cannot be (not http/https) keys on its own text without fragment.
pub fn page_key(url: &Url) -> String {
    let Some(url) = normalize(url) else {
        let mut url = url.clone();
        url.set_fragment(None);
        return url.into();
    };
    let mut key = authority(&url);
    key.push_str(url.path());
    if let Some(query) = url.query() {
        key.push('?');
        key.push_str(query);
    }
    key
}

/// Resolves an `href` found on the page at `base` and normalises it; `None` for empty and
/// fragment-only links and for anything that is not http(s) (mailto:, javascript:, …).
pub fn resolve_link(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    // A fragment-only link is the same page scrolled; it is not a new page to visit.
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    normalize(&url)
}

/// `host[:port]/path` without scheme or query: groups the query-string variants of one path
/// so they can be capped (calendars, faceted search).
pub fn query_free(url: &Url) -> String {
    let mut key = authority(url);
    key.push_str(url.path());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn norm(s: &str) -> Option<String> {
        normalize(&u(s)).map(String::from)
    }

    #[test]
    fn normalize_table() {
        let cases = [
            ("https://Example.COM/a#top", Some("https://example.com/a")),
            ("http://example.com", Some("http://example.com/")),
            ("https://example.com/?", Some("https://example.com/")),
            (
                "https://example.com/p?b=2&a=1",
                Some("https://example.com/p?a=1&b=2"),
            ),
            (
                "https://example.com/p?a=2&a=1",
                Some("https://example.com/p?a=1&a=2"),
            ),
            (
                "https://example.com/p?utm_source=x&id=3&gclid=abc&utm_medium=y&fbclid=z",
                Some("https://example.com/p?id=3"),
            ),
            (
                "https://example.com/p?utm_campaign=x",
                Some("https://example.com/p"),
            ),
            (
                "https://example.com/p?_gl=1*abc&srsltid=q",
                Some("https://example.com/p"),
            ),
            // Encoding is kept as written, not re-serialised.
            (
                "https://example.com/s?q=a%20b&f",
                Some("https://example.com/s?f&q=a%20b"),
            ),
            (
                "https://example.com/s?a=1&&b=2",
                Some("https://example.com/s?a=1&b=2"),
            ),
            ("https://example.com:443/x", Some("https://example.com/x")),
            // Session ids, in the query or as path parameters, whatever their case.
            (
                "https://example.com/;jsessionid=A1B2",
                Some("https://example.com/"),
            ),
            (
                "https://example.com/a;JSESSIONID=A1B2/b;v=1?PHPSESSID=9&id=3&sid=x",
                Some("https://example.com/a/b;v=1?id=3"),
            ),
            (
                "http://example.com:8080/x",
                Some("http://example.com:8080/x"),
            ),
            ("http://example.com/a/../b", Some("http://example.com/b")),
            ("mailto:someone@example.com", None),
            ("ftp://example.com/file", None),
            ("data:text/plain,hi", None),
            // A page's links never take the browser off the web (issue 11).
            ("file:///etc/passwd", None),
            ("chrome://settings/", None),
            ("javascript:alert(1)", None),
            ("about:blank", None),
        ];
        for (input, expected) in cases {
            assert_eq!(norm(input).as_deref(), expected, "input {input}");
        }
    }

    #[test]
    fn session_params_are_named_and_volatile_ones_removed() {
        let url = u("https://example.com/a;jsessionid=1?sid=2&page=3&v=9");
        assert_eq!(session_params(&url), ["jsessionid", "sid"]);
        assert!(session_params(&u("https://example.com/?page=2")).is_empty());
        let volatile = ["v".to_string()].into_iter().collect();
        assert_eq!(
            without_params(&u("https://example.com/p?v=1&page=3"), &volatile).as_str(),
            "https://example.com/p?page=3"
        );
        assert_eq!(
            without_params(&u("https://example.com/p?v=1"), &volatile).as_str(),
            "https://example.com/p"
        );
    }

    #[test]
    fn volatile_params_change_between_renders_of_one_link() {
        let first = [
            "https://x.test/archive?v=aa11&lang=en",
            "https://x.test/news?page=2",
            "https://x.test/news?page=3",
            "https://x.test/world?sid=1",
        ]
        .map(String::from);
        let second = [
            "https://x.test/archive?v=bb22&lang=en",
            "https://x.test/news?page=2",
            "https://x.test/news?page=3",
            "https://x.test/world?sid=2",
        ]
        .map(String::from);
        let names: Vec<String> = volatile_params(&first, &second).into_iter().collect();
        assert_eq!(names, ["v"]);
        assert!(volatile_params(&first, &first).is_empty());
    }

    #[test]
    fn page_key_merges_scheme_and_default_port() {
        let a = page_key(&u("http://www.example.com/path?b=2&a=1#x"));
        let b = page_key(&u("https://www.example.com:443/path?a=1&b=2&utm_source=n"));
        assert_eq!(a, "www.example.com/path?a=1&b=2");
        assert_eq!(a, b);
        assert_eq!(
            page_key(&u("http://example.com:8080/")),
            "example.com:8080/"
        );
        assert_ne!(
            page_key(&u("https://example.com/a")),
            page_key(&u("https://example.com/a/"))
        );
        assert_eq!(page_key(&u("mailto:x@example.com")), "mailto:x@example.com");
    }

    #[test]
    fn resolve_link_table() {
        let base = u("https://www.example.com/dir/page?x=1");
        let cases = [
            ("other", Some("https://www.example.com/dir/other")),
            (
                "  /abs?utm_source=a&b=1  ",
                Some("https://www.example.com/abs?b=1"),
            ),
            (
                "//cdn.example.com/x#frag",
                Some("https://cdn.example.com/x"),
            ),
            ("http://EXAMPLE.org", Some("http://example.org/")),
            ("?y=2", Some("https://www.example.com/dir/page?y=2")),
            ("", None),
            ("   ", None),
            ("#section", None),
            ("mailto:a@example.com", None),
            ("tel:+4412345", None),
            ("javascript:void(0)", None),
            ("JavaScript:alert(1)", None),
            ("file:///etc/passwd", None),
            ("chrome://settings", None),
            ("data:text/html,<script>x</script>", None),
            ("data:text/html,hi", None),
            ("ftp://example.com/f", None),
            ("blob:https://www.example.com/uuid", None),
        ];
        for (href, expected) in cases {
            let got = resolve_link(&base, href).map(String::from);
            assert_eq!(got.as_deref(), expected, "href {href:?}");
        }
    }

    #[test]
    fn query_free_drops_scheme_and_query() {
        assert_eq!(
            query_free(&u("https://Shop.example.com/calendar?month=3")),
            "shop.example.com/calendar"
        );
        assert_eq!(
            query_free(&u("http://localhost:3000/a?b")),
            "localhost:3000/a"
        );
    }
}
