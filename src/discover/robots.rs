//! robots.txt rules for the `cookiescan` user agent.
//!
//! The caller fetches `/robots.txt` per origin and decides from the status: by the usual
//! practice (RFC 9309 §2.3.1.3) a missing file (4xx, typically 404) means everything is
//! allowed, so it should use [`Robots::allow_all`] rather than parse the error page.

use texting_robots::Robot;
use url::Url;

/// The product token matched against `User-agent:` lines.
const USER_AGENT: &str = "cookiescan";

/// Parsed robots.txt of one origin.
#[derive(Debug)]
pub struct Robots {
    /// `None` allows everything: no file, or one that could not be parsed.
    robot: Option<Robot>,
}

impl Robots {
    /// Parses a robots.txt body; a file that cannot be parsed allows everything.
    pub fn parse(body: &[u8]) -> Robots {
        Robots {
            robot: Robot::new(USER_AGENT, body).ok(),
        }
    }

    /// Rules that allow every URL (no robots.txt).
    pub fn allow_all() -> Robots {
        Robots { robot: None }
    }

    /// Whether `url` may be crawled; only its path and query are looked at, so use the
    /// `Robots` of the URL's own origin.
    pub fn allowed(&self, url: &Url) -> bool {
        self.robot
            .as_ref()
            .is_none_or(|robot| robot.allowed(url.as_str()))
    }

    /// The `Sitemap:` URLs listed in the file, in file order.
    pub fn sitemaps(&self) -> Vec<String> {
        self.robot
            .as_ref()
            .map(|robot| robot.sitemaps.clone())
            .unwrap_or_default()
    }
}

/// The robots.txt URL for the origin of `page`; `None` when it is not http(s).
pub fn robots_url(page: &Url) -> Option<Url> {
    if !matches!(page.scheme(), "http" | "https") {
        return None;
    }
    page.join("/robots.txt").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn disallow_for_everyone() {
        let robots = Robots::parse(b"User-agent: *\nDisallow: /private/\n");
        assert!(!robots.allowed(&u("https://example.com/private/a")));
        assert!(robots.allowed(&u("https://example.com/public")));
        assert!(robots.allowed(&u("https://example.com/")));
    }

    #[test]
    fn group_for_cookiescan_wins_over_star() {
        let body = b"User-agent: *\nDisallow: /\n\nUser-agent: cookiescan\nDisallow: /admin\n";
        let robots = Robots::parse(body);
        assert!(robots.allowed(&u("https://example.com/shop")));
        assert!(!robots.allowed(&u("https://example.com/admin/users")));

        let other = Robots::parse(b"User-agent: SomeBot\nDisallow: /\n");
        assert!(other.allowed(&u("https://example.com/shop")));

        let ours = Robots::parse(b"User-agent: CookieScan\nDisallow: /\n");
        assert!(!ours.allowed(&u("https://example.com/shop")));
    }

    #[test]
    fn longest_allow_overrides_disallow() {
        let body = b"User-agent: *\nDisallow: /shop/\nAllow: /shop/public/\n";
        let robots = Robots::parse(body);
        assert!(!robots.allowed(&u("https://example.com/shop/cart")));
        assert!(robots.allowed(&u("https://example.com/shop/public/item?id=1")));
    }

    #[test]
    fn query_string_rules() {
        let robots = Robots::parse(b"User-agent: *\nDisallow: /*?session=\n");
        assert!(!robots.allowed(&u("https://example.com/a?session=1")));
        assert!(robots.allowed(&u("https://example.com/a?page=1")));
    }

    #[test]
    fn sitemap_lines() {
        let body = b"Sitemap: https://example.com/sitemap.xml\nUser-agent: *\nDisallow:\n\
                     sitemap: https://example.com/news.xml.gz\n";
        let robots = Robots::parse(body);
        assert_eq!(
            robots.sitemaps(),
            vec![
                "https://example.com/sitemap.xml".to_owned(),
                "https://example.com/news.xml.gz".to_owned()
            ]
        );
        assert!(robots.allowed(&u("https://example.com/anything")));
    }

    #[test]
    fn allow_all_and_garbage() {
        let all = Robots::allow_all();
        assert!(all.allowed(&u("https://example.com/private")));
        assert!(all.sitemaps().is_empty());

        let garbage = Robots::parse(&[0xff, 0xfe, 0x00, 0x01, b'<', b'h', b't', b'm', b'l']);
        assert!(garbage.allowed(&u("https://example.com/private")));

        let empty = Robots::parse(b"");
        assert!(empty.allowed(&u("https://example.com/")));
    }

    #[test]
    fn robots_url_is_per_origin() {
        assert_eq!(
            robots_url(&u("https://www.example.com:8443/a/b?c#d")).map(String::from),
            Some("https://www.example.com:8443/robots.txt".to_owned())
        );
        assert_eq!(robots_url(&u("mailto:a@example.com")), None);
    }
}
