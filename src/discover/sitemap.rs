//! Sitemap parsing (sitemaps.org protocol): XML url sets and indexes, gzip-compressed or
//! not, and the plain-text form with one URL per line.

use std::io::Read;

use flate2::read::GzDecoder;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use url::Url;

/// The protocol's limit on the uncompressed size of one sitemap file.
pub(super) const MAX_SITEMAP_BYTES: usize = 50 * 1024 * 1024;

/// The protocol's limit on entries in one sitemap file; further entries are ignored.
pub(super) const MAX_SITEMAP_ENTRIES: usize = 50_000;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The content of one sitemap file, `<loc>` values in document order.
#[derive(Debug, PartialEq)]
pub enum Sitemap {
    /// A `<urlset>` (or text sitemap): page URLs.
    UrlSet(Vec<String>),
    /// A `<sitemapindex>`: URLs of further sitemaps.
    Index(Vec<String>),
}

/// Why a body could not be read as a sitemap.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    /// The body starts like gzip but does not decompress.
    #[error("sitemap is not valid gzip")]
    Gzip(#[source] std::io::Error),
    /// Larger than the protocol allows, once decompressed.
    #[error("sitemap is larger than {} MiB uncompressed", MAX_SITEMAP_BYTES / (1024 * 1024))]
    TooLarge,
    /// Nothing but whitespace.
    #[error("sitemap is empty")]
    Empty,
    /// Malformed XML.
    #[error("sitemap XML is malformed at byte {position}")]
    Xml {
        /// Byte offset where parsing failed.
        position: u64,
        /// The parser's error.
        #[source]
        source: quick_xml::Error,
    },
    /// Well-formed XML whose root is neither `<urlset>` nor `<sitemapindex>`.
    #[error("XML root element is <{0}>, expected <urlset> or <sitemapindex>")]
    UnexpectedRoot(String),
    /// XML without any element.
    #[error("sitemap XML has no root element")]
    NoRoot,
    /// Not XML, and a line of the text form is not an absolute http(s) URL.
    #[error("text sitemap line {line} is not an http(s) URL: {text:?}")]
    NotAUrl {
        /// 1-based line number.
        line: usize,
        /// The offending line, truncated.
        text: String,
    },
}

/// Parses a sitemap body as fetched (gzip detected by its magic bytes, not by file name).
pub fn parse_sitemap(body: &[u8]) -> Result<Sitemap, SitemapError> {
    let decompressed;
    let body = if body.starts_with(&GZIP_MAGIC) {
        decompressed = gunzip(body)?;
        &decompressed[..]
    } else {
        body
    };
    if body.len() > MAX_SITEMAP_BYTES {
        return Err(SitemapError::TooLarge);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(SitemapError::Empty);
    }
    if text.starts_with('<') {
        parse_xml(text)
    } else {
        parse_text(text)
    }
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, SitemapError> {
    let mut out = Vec::new();
    // Read one byte past the limit to tell "exactly at the limit" from "over it" without
    // inflating a gzip bomb completely.
    GzDecoder::new(body)
        .take(MAX_SITEMAP_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(SitemapError::Gzip)?;
    if out.len() > MAX_SITEMAP_BYTES {
        return Err(SitemapError::TooLarge);
    }
    Ok(out)
}

fn parse_xml(text: &str) -> Result<Sitemap, SitemapError> {
    let mut reader = Reader::from_str(text);
    let xml_error = |reader: &Reader<&[u8]>, source| SitemapError::Xml {
        position: reader.error_position(),
        source,
    };
    // Local names (namespace prefix stripped) of the open elements, root first.
    let mut stack: Vec<String> = Vec::new();
    let mut is_index = None;
    let mut entries = Vec::new();
    let mut loc = String::new();
    // Only a `<loc>` directly inside `<url>` / `<sitemap>` counts: extensions such as
    // `<image:image><image:loc>` reuse the local name `loc`.
    let in_loc = |stack: &[String]| {
        stack.len() == 3 && stack[2] == "loc" && matches!(stack[1].as_str(), "url" | "sitemap")
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|source| xml_error(&reader, source))?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if stack.is_empty() {
                    is_index = Some(root_kind(&name)?);
                }
                stack.push(name);
                if in_loc(&stack) {
                    loc.clear();
                }
            }
            // `<urlset/>`: valid and empty, and nothing may follow the root.
            Event::Empty(start) if stack.is_empty() => {
                return Ok(build(root_kind(start.local_name().as_ref())?, entries));
            }
            Event::End(_) => {
                if in_loc(&stack) {
                    let value = loc.trim();
                    if !value.is_empty() {
                        entries.push(value.to_owned());
                        if entries.len() >= MAX_SITEMAP_ENTRIES {
                            break;
                        }
                    }
                }
                stack.pop();
            }
            Event::Text(content) if in_loc(&stack) => loc.push_str(&content.xml10_content()),
            Event::CData(content) if in_loc(&stack) => {
                loc.push_str(&content.xml10_content());
            }
            Event::GeneralRef(reference) if in_loc(&stack) => {
                if let Ok(Some(ch)) = reference.resolve_char_ref() {
                    loc.push(ch);
                } else if let Some(value) = resolve_predefined_entity(&reference) {
                    loc.push_str(value);
                } else {
                    // An entity we cannot resolve stays visible rather than vanishing.
                    loc.push('&');
                    loc.push_str(&reference);
                    loc.push(';');
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match is_index {
        Some(is_index) => Ok(build(is_index, entries)),
        None => Err(SitemapError::NoRoot),
    }
}

/// `true` for a sitemap index, `false` for a url set.
fn root_kind(name: &str) -> Result<bool, SitemapError> {
    match name {
        "urlset" => Ok(false),
        "sitemapindex" => Ok(true),
        other => Err(SitemapError::UnexpectedRoot(other.to_owned())),
    }
}

fn build(is_index: bool, entries: Vec<String>) -> Sitemap {
    if is_index {
        Sitemap::Index(entries)
    } else {
        Sitemap::UrlSet(entries)
    }
}

fn parse_text(text: &str) -> Result<Sitemap, SitemapError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // Strict, as the protocol requires: this also rejects HTML error pages and binary
        // junk served under a sitemap's name instead of crawling words as URLs.
        let is_web_url = Url::parse(line).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        if !is_web_url {
            return Err(SitemapError::NotAUrl {
                line: index + 1,
                text: line.chars().take(80).collect(),
            });
        }
        entries.push(line.to_owned());
        if entries.len() >= MAX_SITEMAP_ENTRIES {
            break;
        }
    }
    Ok(Sitemap::UrlSet(entries))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>
      https://www.example.com/
    </loc>
    <lastmod>2024-01-01</lastmod>
  </url>
  <url>
    <loc>https://www.example.com/a</loc>
    <image:image><image:loc>https://cdn.example.com/a.png</image:loc></image:image>
  </url>
  <!-- a comment -->
  <url><loc><![CDATA[https://www.example.com/cdata]]></loc></url>
  <url><loc></loc></url>
</urlset>
"#;

    #[test]
    fn urlset() {
        assert_eq!(
            parse_sitemap(URLSET.as_bytes()).unwrap(),
            Sitemap::UrlSet(strings(&[
                "https://www.example.com/",
                "https://www.example.com/a",
                "https://www.example.com/cdata",
            ]))
        );
    }

    #[test]
    fn gzip_urlset() {
        assert_eq!(
            parse_sitemap(&gzip(URLSET.as_bytes())).unwrap(),
            parse_sitemap(URLSET.as_bytes()).unwrap()
        );
    }

    #[test]
    fn index_with_prefix_and_no_namespace() {
        let prefixed = r#"<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sm:sitemap><sm:loc>https://example.com/s1.xml</sm:loc></sm:sitemap>
            <sm:sitemap><sm:loc>https://example.com/s2.xml.gz</sm:loc></sm:sitemap>
        </sm:sitemapindex>"#;
        let expected = Sitemap::Index(strings(&[
            "https://example.com/s1.xml",
            "https://example.com/s2.xml.gz",
        ]));
        assert_eq!(parse_sitemap(prefixed.as_bytes()).unwrap(), expected);

        let plain = "<sitemapindex><sitemap><loc>https://example.com/s1.xml</loc></sitemap>\
                     <sitemap><loc>https://example.com/s2.xml.gz</loc></sitemap></sitemapindex>";
        assert_eq!(parse_sitemap(plain.as_bytes()).unwrap(), expected);
    }

    #[test]
    fn entities_are_unescaped() {
        let body = "<urlset><url><loc>https://example.com/p?a=1&amp;b=2&#38;c=&#x33;&apos;</loc>\
                    </url></urlset>";
        assert_eq!(
            parse_sitemap(body.as_bytes()).unwrap(),
            Sitemap::UrlSet(strings(&["https://example.com/p?a=1&b=2&c=3'"]))
        );
    }

    #[test]
    fn empty_urlset() {
        assert_eq!(
            parse_sitemap(b"<urlset xmlns=\"x\"></urlset>").unwrap(),
            Sitemap::UrlSet(vec![])
        );
        assert_eq!(
            parse_sitemap(b"<urlset/>").unwrap(),
            Sitemap::UrlSet(vec![])
        );
    }

    #[test]
    fn text_sitemap() {
        let body = "\u{feff}https://example.com/\r\n\r\n  https://example.com/b?x=1  \nhttp://example.com/c\n";
        assert_eq!(
            parse_sitemap(body.as_bytes()).unwrap(),
            Sitemap::UrlSet(strings(&[
                "https://example.com/",
                "https://example.com/b?x=1",
                "http://example.com/c",
            ]))
        );
        assert_eq!(
            parse_sitemap(&gzip(b"https://example.com/x\n")).unwrap(),
            Sitemap::UrlSet(strings(&["https://example.com/x"]))
        );
    }

    #[test]
    fn entry_cap() {
        let mut body = String::from("<urlset>");
        for i in 0..MAX_SITEMAP_ENTRIES + 5 {
            body.push_str(&format!("<url><loc>https://example.com/{i}</loc></url>"));
        }
        body.push_str("</urlset>");
        let Sitemap::UrlSet(urls) = parse_sitemap(body.as_bytes()).unwrap() else {
            panic!("expected a url set");
        };
        assert_eq!(urls.len(), MAX_SITEMAP_ENTRIES);
        assert_eq!(urls.last().unwrap(), "https://example.com/49999");
    }

    #[test]
    fn garbage_is_an_error() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "empty"),
            (b"  \n ", "empty"),
            (b"hello world\nthis is not a sitemap", "line 1"),
            (b"https://example.com/\nftp://example.com/x", "line 2"),
            (
                b"<!DOCTYPE html><html><body>Not found</body></html>",
                "<html>",
            ),
            (b"<urlset><url><loc>x</url></urlset>", "malformed"),
            (&[0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02], "gzip"),
        ];
        for (body, needle) in cases {
            let error = parse_sitemap(body).unwrap_err().to_string();
            assert!(
                error.contains(needle),
                "{error:?} should mention {needle:?}"
            );
        }
    }

    #[test]
    fn decompressed_size_is_capped() {
        let bomb = gzip(&vec![b' '; MAX_SITEMAP_BYTES + 1]);
        assert!(matches!(parse_sitemap(&bomb), Err(SitemapError::TooLarge)));
    }
}
