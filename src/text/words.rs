//! The wording shared by every rendering: a page as users read it, a lifetime as a cookie
//! policy states it.

use url::Url;

use crate::model::CookieRecord;

/// A page as the inventory shows it: path and query on the start host, the full URL elsewhere.
pub(crate) fn page_label(page: &str, start_host: &str) -> String {
    match Url::parse(page) {
        Ok(url) if url.host_str() == Some(start_host) && url.port().is_none() => {
            match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            }
        }
        _ => page.to_string(),
    }
}

/// A human lifetime: "session", "3 hours", "30 days", "13 months", "2 years", noting when the
/// browser stored less than the site asked for: "13 months (asked for 2 years)".
pub(crate) fn duration(cookie: &CookieRecord) -> String {
    match (cookie.lifetime_days, cookie.requested_lifetime_days) {
        (None, _) => "session".into(),
        // More than a day's difference is a cap, not the seconds between write and read.
        (Some(days), Some(asked)) if asked > days + 1.0 => {
            format!("{} (asked for {})", human_days(days), human_days(asked))
        }
        (Some(days), _) => human_days(days),
    }
}

/// Turns a lifetime in days into the unit a cookie policy would use.
pub(crate) fn human_days(days: f64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if days < 0.0 {
        return "expired".into();
    }
    let minutes = (days * 24.0 * 60.0).round() as i64;
    if minutes < 60 {
        return plural(minutes.max(1), "minute");
    }
    if days < 1.0 {
        return plural((days * 24.0).round() as i64, "hour");
    }
    if days < 60.0 {
        return plural(days.round() as i64, "day");
    }
    let years = days / 365.25;
    if years >= 0.95 && (years - years.round()).abs() < 0.05 {
        return plural(years.round() as i64, "year");
    }
    let months = (days / (365.25 / 12.0)).round() as i64;
    if months < 24 {
        return plural(months, "month");
    }
    plural((days / 365.25).round() as i64, "year")
}

/// At most four items and how many more: evidence stays readable on a site of 500 pages.
pub(crate) fn few(items: &[String]) -> String {
    match items.len() {
        0..=5 => items.join(", "),
        n => format!("{} and {} more", items[..4].join(", "), n - 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_labels() {
        assert_eq!(
            page_label("https://www.shop.test/a?b=1", "www.shop.test"),
            "/a?b=1"
        );
        assert_eq!(page_label("http://www.shop.test/", "www.shop.test"), "/");
        assert_eq!(
            page_label("https://blog.shop.test/", "www.shop.test"),
            "https://blog.shop.test/"
        );
    }

    #[test]
    fn lifetimes_read_like_a_policy() {
        assert_eq!(human_days(1.0), "1 day");
        assert_eq!(human_days(0.5), "12 hours");
        assert_eq!(human_days(0.01), "14 minutes");
        assert_eq!(human_days(30.0), "30 days");
        assert_eq!(human_days(395.0), "13 months");
        assert_eq!(human_days(400.0), "13 months");
        assert_eq!(human_days(730.5), "2 years");
        assert_eq!(human_days(365.0), "1 year");
        assert_eq!(human_days(180.0), "6 months");
    }
}
