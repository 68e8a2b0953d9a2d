//! The cookie-policy table from a real scan of the fixture site, checked against a snapshot,
//! in every format, with the site's annotations, presets and languages, and hostile names.

mod support;

use std::path::{Path, PathBuf};

use cookiescan::site::SiteServer;
use support::fixture::{self, FixtureState, START_URL};
use support::run_cookiescan as run;

/// The operator's notes on every first-party cookie of the fixture.
const CONFIG: &str = r#"
[site]
operator = "Shop Ltd"

[[cookie]]
name = "session_id"
function = "Authentication"
purpose = "To keep you signed in from one page to the next"
category = "necessary"

[[cookie]]
name = "cart_token"
function = "Shopping basket"
purpose = "To remember what is in your basket"
category = "necessary"

[[cookie]]
name = "fp_*"
function = "Interface preferences"
purpose = "To remember how you like the shop displayed"
category = "functionality"

[[cookie]]
name = "blog_pref"
function = "Blog display"
purpose = "To remember how you read the blog"
category = "functionality"

[[cookie]]
name = "_trk_id"
provider = "Tracker Inc."
function = "Audience measurement"
purpose = "To count visits and see which pages are read"
category = "statistics"

[[cookie]]
name = "about_visit"
function = "Visit counter"
purpose = "To count visits of the about page"
category = "statistics"

[[cookie]]
name = "*_cookie"
function = "Test cookies"
purpose = "To exercise the shop's error and slow pages"
category = "necessary"

[[cookie]]
name = "after_alert"
function = "Test cookies"
purpose = "To exercise the shop's error and slow pages"
category = "necessary"

[table]
columns = ["provider", "function_and_location", "names", "purpose", "duration"]
"#;

struct Scanned {
    _server: SiteServer,
    dir: tempfile::TempDir,
    scan: PathBuf,
    config: PathBuf,
}

async fn scanned() -> Scanned {
    let state = std::sync::Arc::new(FixtureState::default());
    let (hosts, handler) = fixture::fixture_site(state);
    let server = SiteServer::start(&hosts, handler).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.json");
    let config = dir.path().join("site.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut args = vec![
        "scan".to_string(),
        START_URL.into(),
        "--quiet".into(),
        "--modes=before-consent".into(),
        "--output".into(),
        scan.display().to_string(),
    ];
    args.extend(support::chrome_args(&server));
    let output = run(args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Scanned {
        _server: server,
        dir,
        scan,
        config,
    }
}

async fn report(scan: &Path, config: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "report".to_string(),
        scan.display().to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = run(args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Compares with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(actual, expected, "snapshot {name} differs");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_table_of_the_fixture_site() {
    let s = scanned().await;
    let markdown = report(&s.scan, &s.config, &["--format", "md"]).await;
    assert_snapshot("fixture-policy.md", &markdown);

    // Every first-party cookie is annotated: none is left for review.
    let inventory = report(&s.scan, &s.config, &["--format", "inventory"]).await;
    let mut reader = csv::Reader::from_reader(inventory.as_bytes());
    let rows: Vec<std::collections::BTreeMap<String, String>> =
        reader.deserialize().map(|r| r.unwrap()).collect();
    for row in rows.iter().filter(|r| r["party"] == "first") {
        assert_ne!(row["category"], "unclassified", "{row:?}");
        assert!(!row["purpose"].is_empty(), "{row:?}");
    }
    let trk = rows.iter().find(|r| r["name"] == "_trk_id").unwrap();
    assert_eq!(
        (trk["party"].as_str(), trk["provider"].as_str()),
        ("first", "Tracker Inc.")
    );

    // The same rows in CSV and JSON.
    let csv_table = report(&s.scan, &s.config, &["--format", "csv"]).await;
    let json_table = report(&s.scan, &s.config, &["--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_str(&json_table).unwrap();
    let json_rows: usize = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1].as_array().unwrap().len())
        .sum();
    assert_eq!(csv_table.lines().count() - 1, json_rows);

    // Presets and languages.
    let french = report(
        &s.scan,
        &s.config,
        &["--format", "md", "--lang", "fr", "--preset", "cookiebot"],
    )
    .await;
    assert!(
        french.contains("| Nom(s) du cookie | Nom du prestataire | Finalités | Durée | Type |"),
        "{french}"
    );
    assert!(french.contains("## Cookies nécessaires au fonctionnement du site"));

    // A standalone page: no external asset, the scan's facts, escaped site data. The scan's
    // date and tool version are the only volatile parts; they are redacted for the snapshot.
    let page = report(&s.scan, &s.config, &["--format", "html"]).await;
    let redacted: String = page
        .lines()
        .map(|line| {
            if line.starts_with("<p class=\"meta\">") {
                "<p class=\"meta\">[scan facts redacted]</p>".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_snapshot("fixture-policy.html", &(redacted + "\n"));
    assert!(page.starts_with("<!doctype html>"));
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert!(page.contains("before-consent"));
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_cookie_names_are_escaped_in_every_format() {
    let s = scanned().await;
    // The site controls cookie names: plant markup and a table separator in one.
    let mut scan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s.scan).unwrap()).unwrap();
    let hostile = "<script>alert(1)</script>|x";
    scan["cookies"][0]["name"] = hostile.into();
    let planted = s.dir.path().join("hostile.json");
    std::fs::write(&planted, serde_json::to_string(&scan).unwrap()).unwrap();

    let page = report(&planted, &s.config, &["--format", "html"]).await;
    assert!(!page.contains("<script>alert(1)"), "raw markup in HTML");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;|x"));
    let markdown = report(&planted, &s.config, &["--format", "md"]).await;
    assert!(!markdown.contains("<script>"), "raw markup in Markdown");
    assert!(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\|x"));
    // Every table line keeps its column count.
    for line in markdown.lines().filter(|l| l.starts_with("| ")) {
        let separators = line.matches(" | ").count();
        assert_eq!(separators, 4, "a cell broke the table: {line}");
    }
}

/// `--fragment`: the table alone, well-formed, with nothing of the page or the scanner in it.
#[tokio::test(flavor = "multi_thread")]
async fn the_table_as_a_fragment_to_paste_into_a_policy_page() {
    let s = scanned().await;
    let fragment = report(&s.scan, &s.config, &["--format", "html", "--fragment"]).await;
    let page = report(&s.scan, &s.config, &["--format", "html"]).await;
    assert!(
        fragment.starts_with("<section class=\"cookie-policy\" lang=\"en\">"),
        "{fragment}"
    );
    assert!(fragment.trim_end().ends_with("</section>"));
    for page_only in [
        "<html",
        "<head",
        "<body",
        "<style",
        "<script",
        "before-consent",
        "cookiescan",
    ] {
        assert!(!fragment.contains(page_only), "{page_only} in the fragment");
    }
    assert!(fragment.contains("Last updated: <time datetime=\""));
    // Every category section and row of the page, and nothing else.
    for tag in ["<h2 id=", "<tr><td>"] {
        assert_eq!(
            fragment.matches(tag).count(),
            page.matches(tag).count(),
            "{tag}"
        );
    }
    // Well formed: every element closed, in order.
    let mut reader = quick_xml::Reader::from_str(&fragment);
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("a well-formed fragment") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        assert!(depth >= 0);
    }
    assert_eq!(depth, 0, "unclosed elements");
    // The default columns end with the lifetime; `classic` is the four without it.
    let default = report(
        &s.scan,
        &s.config,
        &["--format", "md", "--preset", "default"],
    )
    .await;
    assert!(
        default.contains("| Cookie name(s) | Purposes | Duration |"),
        "{default}"
    );
    let classic = report(
        &s.scan,
        &s.config,
        &["--format", "md", "--preset", "classic"],
    )
    .await;
    assert!(
        classic.contains("| Cookie name(s) | Purposes |\n"),
        "{classic}"
    );
    assert!(!classic.contains("Duration"), "{classic}");
    // Only the page format has a fragment; the refusal leaves an existing output file alone.
    let kept = s.dir.path().join("policy.md");
    std::fs::write(&kept, "the published table\n").unwrap();
    let refused = run(vec![
        "report".to_string(),
        s.scan.display().to_string(),
        "--format=md".into(),
        "--fragment".into(),
        "--output".into(),
        kept.display().to_string(),
    ])
    .await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--fragment goes with --format html")
    );
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "the published table\n"
    );
}

/// The audit report of the fixture site: the findings section lists every cookie the scan
/// found set before consent (and only in it), each linked to its details; nothing the site
/// wrote becomes markup.
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_report_of_the_fixture_site() {
    let s = scanned().await;
    let page = report(&s.scan, &s.config, &["--format", "audit"]).await;
    let section = |id: &str| {
        let start = page
            .find(&format!("<section id=\"{id}\""))
            .unwrap_or_else(|| panic!("no {id} section"));
        let end = page[start..].find("</section>").unwrap() + start;
        page[start..end].to_string()
    };
    let findings = section("findings");
    let summary = report(&s.scan, &s.config, &["--format", "summary"]).await;
    let listed = summary
        .lines()
        .find_map(|l| l.strip_prefix("Cookies set before consent: "))
        .expect("the fixture sets cookies before consent");
    for entry in listed.split(", ") {
        let name = entry.split(" (").next().unwrap();
        assert!(
            findings.contains(&format!(">{name}</a>")),
            "{name} not in the findings"
        );
    }
    let details = section("details");
    let matrix = section("matrix");
    let scan: cookiescan::model::Scan =
        serde_json::from_str(&std::fs::read_to_string(&s.scan).unwrap()).unwrap();
    assert_eq!(
        details.matches("<article id=\"cookie-").count(),
        scan.cookies.len()
    );
    assert_eq!(
        matrix.matches("<tr><td><a href=\"#cookie-").count(),
        scan.cookies.len()
    );
    // Self-contained: nothing is fetched from anywhere.
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    render_to_png(&page, "audit-fixture.png");
    assert!(section("changes").contains("No earlier complete scan"));

    // Two scans of the site in its history folder: the newer one's report lists what changed.
    let history = s.dir.path().join("history");
    std::fs::create_dir_all(&history).unwrap();
    let scan: cookiescan::model::Scan =
        serde_json::from_str(&std::fs::read_to_string(&s.scan).unwrap()).unwrap();
    let mut older = scan.clone();
    let dropped = older.cookies.remove(0);
    older.timing.started_at = "2026-01-01T00:00:00Z".into();
    std::fs::write(
        history.join("2026-01-01T00-00-00Z.json"),
        serde_json::to_string(&older).unwrap(),
    )
    .unwrap();
    let newer = history.join("2026-01-02T00-00-00Z.json");
    std::fs::copy(&s.scan, &newer).unwrap();
    let page = report(&newer, &s.config, &["--format", "audit"]).await;
    let start = page.find("<section id=\"changes\"").unwrap();
    let changes = &page[start..start + page[start..].find("</section>").unwrap()];
    assert!(changes.contains("2026-01-01T00:00:00Z"), "{changes}");
    assert!(changes.contains("Cookies added"), "{changes}");
    assert!(changes.contains(&dropped.name), "{changes}");

    let mut hostile: serde_json::Value = serde_json::to_value(&scan).unwrap();
    let with_setter = scan
        .cookies
        .iter()
        .position(|c| !c.setters.is_empty())
        .expect("a cookie with a setter");
    hostile["cookies"][with_setter]["name"] = "<script>alert(1)</script>|x".into();
    hostile["cookies"][with_setter]["setters"][0]["url"] =
        "javascript:alert(2)\"><img src=x>".into();
    let planted = s.dir.path().join("hostile.json");
    std::fs::write(&planted, serde_json::to_string(&hostile).unwrap()).unwrap();
    let page = report(&planted, &s.config, &["--format", "audit"]).await;
    assert!(
        !page.contains("<script>alert(1)"),
        "raw markup in the audit report"
    );
    assert!(
        !page.contains("<img src=x>"),
        "raw markup in the audit report"
    );
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only the report's own script"
    );
}

/// Renders an HTML page to `target/test-renders/<name>` in headless Chromium, so a broken
/// layout is there to look at after the run; the picture must be a real, non-blank PNG.
fn render_to_png(page: &str, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-renders");
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join(name.replace(".png", ".html"));
    std::fs::write(&html, page).unwrap();
    let png = dir.join(name);
    let _ = std::fs::remove_file(&png);
    let chrome = cookiescan::browser::find_chrome(None).expect("Chromium");
    let profile = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(chrome);
    command
        .arg("--headless")
        .arg("--disable-gpu")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()));
    // Chromium refuses its sandbox as root.
    if running_as_root() {
        command.arg("--no-sandbox");
    }
    let status = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("Chromium runs");
    assert!(
        status.success(),
        "Chromium could not render {}",
        html.display()
    );
    let bytes = std::fs::read(&png).expect("the render");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 20_000,
        "a near-empty render: {} bytes",
        bytes.len()
    );
}

/// Whether this process runs as root (uid 0), read from /proc.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
