//! Scan history end to end: the real binary scans a site that changes between scans, stores
//! each scan under `scans/<host>/`, diffs it against the previous one and fails on the kinds of
//! change the config lists.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use cookiescan::site::SiteServer;
use serde_json::Value;
use support::evolving::{self, EvolvingSite};
use support::run_cookiescan as cookiescan;

fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scans_of(dir: &Path) -> Vec<PathBuf> {
    cookiescan::history::list(&dir.join("www.news.test")).unwrap()
}

/// Every change as `kind subject`, subject being the cookie name or the page/site/mode.
fn changes(diff: &Value) -> Vec<String> {
    diff["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let subject = c["cookie"]["name"]
                .as_str()
                .or(c["subject"].as_str())
                .unwrap_or_default();
            format!("{} {subject}", c["kind"].as_str().unwrap())
        })
        .collect()
}

/// The news site on loopback, and a scans directory holding its config.
struct News {
    site: Arc<EvolvingSite>,
    server: SiteServer,
    dir: tempfile::TempDir,
    scans: PathBuf,
    config: PathBuf,
}

impl News {
    /// Serves the site; its config is `evolving::CONFIG` followed by `more_config`.
    async fn start(more_config: &str) -> News {
        let site = Arc::new(EvolvingSite::default());
        let server = SiteServer::start(evolving::HOSTS, evolving::handler(site.clone()))
            .await
            .expect("site starts");
        let dir = tempfile::tempdir().unwrap();
        let scans = dir.path().join("scans");
        std::fs::create_dir_all(&scans).unwrap();
        let config = scans.join("www.news.test.toml");
        std::fs::write(&config, format!("{}\n{more_config}", evolving::CONFIG)).unwrap();
        News {
            site,
            server,
            dir,
            scans,
            config,
        }
    }

    /// `args` with the browser pointed at the site.
    fn args(&self, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(support::chrome_args(&self.server));
        all
    }

    /// `scan --config <the site's> --scans-dir <the scans dir>` and `extra`.
    fn scan_args(&self, extra: &[&str]) -> Vec<String> {
        let config = self.config.display().to_string();
        let scans = self.scans.display().to_string();
        let mut args = vec!["scan", "--config", &config, "--scans-dir", &scans];
        args.extend(extra);
        self.args(&args)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_site_gives_exactly_its_changes_and_fails_the_build() {
    let news = News::start("").await;
    let (site, scans) = (&news.site, &news.scans);
    let dir = &news.dir;
    let scan_args = |extra: &[&str]| news.scan_args(extra);

    // First scan: nothing to compare with.
    let first = cookiescan(scan_args(&[])).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // Unattended: stderr is not a terminal, so no progress bar (nor anything else) is drawn.
    assert!(first.stderr.is_empty(), "{}", text(&first));
    assert!(
        text(&first).contains("nothing to compare with"),
        "{}",
        text(&first)
    );
    let stored = scans_of(scans);
    assert_eq!(stored.len(), 1);
    let scan: cookiescan::model::Scan =
        serde_json::from_str(&std::fs::read_to_string(&stored[0]).unwrap()).unwrap();
    let names: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["consent", "lang", "session", "stats_uid"]);
    assert!(
        scan.modes[1..]
            .iter()
            .all(|run| run.consent[0].outcome == cookiescan::model::ConsentOutcome::Verified),
        "the banner was answered in both passes: {:?}",
        scan.modes
    );
    assert!(
        scan.cookies.iter().all(|c| c.classification.is_some()),
        "each cookie's classification is recorded with the scan"
    );

    // Second scan of the unchanged site: an empty diff, exit 0 despite --fail-on any.
    let diff_file = dir.path().join("unchanged.json");
    let second = cookiescan(scan_args(&[
        "--fail-on",
        "any",
        "--diff-output",
        &diff_file.display().to_string(),
    ]))
    .await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let unchanged: Value =
        serde_json::from_str(&std::fs::read_to_string(&diff_file).unwrap()).unwrap();
    assert_eq!(changes(&unchanged), Vec::<String>::new());
    assert!(text(&second).contains("No changes."), "{}", text(&second));

    // The site changes: exactly three things, and the config's fail_on catches them.
    site.change();
    let markdown = dir.path().join("changed.md");
    let third = cookiescan(scan_args(&[
        "--retain",
        "2",
        "--diff-output",
        &markdown.display().to_string(),
    ]))
    .await;
    assert_eq!(third.status.code(), Some(1), "{}", text(&third));
    assert!(
        text(&third).contains("before-consent, lifetime-longer, new-third-party"),
        "{}",
        text(&third)
    );
    let stored = scans_of(scans);
    assert_eq!(stored.len(), 2, "--retain 2 pruned the oldest scan");
    let markdown = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        markdown.contains("#### 🔴 Now set before consent (1)"),
        "{markdown}"
    );

    // The same diff through `cookiescan diff`, as JSON.
    let diff = cookiescan(vec![
        "diff".into(),
        stored[0].display().to_string(),
        stored[1].display().to_string(),
        "--format".into(),
        "json".into(),
        "--fail-on".into(),
        "removed,page-failing".into(),
    ])
    .await;
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(
        changes(&diff),
        [
            "before-consent _fbp",
            "survives-reject _fbp",
            "added _fbp",
            "added np_id",
            "lifetime-longer lang",
            "new-third-party newpartner.test",
        ]
    );
    let lang = &diff["changes"][4];
    assert_eq!(lang["before"], "30 days");
    assert_eq!(lang["after"], "6 months");
    let fbp = &diff["changes"][2];
    assert_eq!(
        fbp["modes"],
        serde_json::json!(["before-consent", "accept", "reject"])
    );
    assert!(
        fbp["evidence"][0]
            .as_str()
            .unwrap()
            .contains("document.cookie"),
        "the evidence names the writer: {fbp}"
    );
    let np = &diff["changes"][3];
    assert_eq!(np["modes"], serde_json::json!(["accept"]));

    // The site's directory alone compares its two newest scans; with the site's fail_on (from
    // its config, found beside the scans) the diff fails too.
    let gated = cookiescan(vec![
        "diff".into(),
        scans.join("www.news.test").display().to_string(),
        "--format=json".into(),
    ])
    .await;
    assert_eq!(gated.status.code(), Some(1), "{}", text(&gated));
    let gated: Value = serde_json::from_slice(&gated.stdout).unwrap();
    assert_eq!(gated["changes"], diff["changes"]);

    // History lists what is left, with counts per category and mode.
    let history = cookiescan(vec![
        "history".into(),
        "www.news.test".into(),
        "--scans-dir".into(),
        scans.display().to_string(),
        "--format".into(),
        "json".into(),
    ])
    .await;
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
    let rows: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["cookies"], 4);
    assert_eq!(rows[1]["cookies"], 6);
    assert_eq!(rows[1]["by_category"]["marketing"], 1, "{}", rows[1]);
    assert_eq!(rows[1]["by_mode"]["before-consent"], 3, "{}", rows[1]);
    assert_eq!(rows[1]["set_before_consent"], 2, "{}", rows[1]);
    assert_eq!(rows[0]["changes_since_previous"], Value::Null);
    assert_eq!(rows[1]["changes_since_previous"], 6, "{}", rows[1]);
    assert_eq!(rows[1]["regressions_since_previous"], 6, "{}", rows[1]);
    news.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_runs_of_one_site_never_write_at_once() {
    let news = News::start("").await;
    let scans = &news.scans;
    // Another run holds the site's lock.
    let held = cookiescan::history::SiteLock::acquire(&scans.join("www.news.test")).unwrap();
    let blocked = cookiescan(news.scan_args(&[])).await;
    assert_eq!(blocked.status.code(), Some(2), "{}", text(&blocked));
    assert!(
        text(&blocked).contains("another cookiescan is scanning into"),
        "{}",
        text(&blocked)
    );
    assert!(scans_of(scans).is_empty(), "nothing was written");
    drop(held);

    // A baseline that cannot be read stops the scan before any work.
    let missing = news.dir.path().join("missing.json");
    let refused = cookiescan(news.scan_args(&["--baseline", missing.to_str().unwrap()])).await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("missing.json"),
        "{}",
        text(&refused)
    );
    assert!(scans_of(scans).is_empty(), "nothing was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_all_goes_on_past_a_broken_site_and_reports_it() {
    let news = News::start("").await;
    let (scans, dir) = (&news.scans, &news.dir);
    // Sorted before the good one, so the failure comes first and must not stop the run.
    std::fs::write(scans.join("a-broken.toml"), "[scan]\nurl = 3\n").unwrap();
    std::fs::write(scans.join("b-no-url.toml"), "[site]\noperator = \"X\"\n").unwrap();
    std::fs::write(scans.join("notes.txt"), "not a config").unwrap();
    let scans_dir = scans.display().to_string();
    let args = news.args(&[
        "scan",
        "--all",
        "--scans-dir",
        &scans_dir,
        "--modes",
        "before-consent",
    ]);
    let output = cookiescan(args.clone()).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("error: a-broken:"), "{all}");
    assert!(all.contains("error: b-no-url: no start URL"), "{all}");
    assert!(
        all.contains("Scanned 3 sites: 2 failed (a-broken, b-no-url)"),
        "{all}"
    );
    let stored = scans_of(scans);
    assert_eq!(stored.len(), 1, "the good site was scanned: {all}");

    // Again, with one Markdown diff per site in a directory.
    std::fs::remove_file(scans.join("a-broken.toml")).unwrap();
    std::fs::remove_file(scans.join("b-no-url.toml")).unwrap();
    let diffs = dir.path().join("diffs");
    let mut again = args.clone();
    again.extend(["--diff-output".to_string(), diffs.display().to_string()]);
    let output = cookiescan(again).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let markdown = std::fs::read_to_string(diffs.join("www.news.test.md")).unwrap();
    assert!(markdown.contains("**No changes.**"), "{markdown}");

    // A scan written elsewhere has no previous scan beside it; --baseline names one.
    news.site.change();
    let elsewhere = dir.path().join("elsewhere").join("staging.json");
    let history = scans.join("www.news.test");
    let output = cookiescan(news.scan_args(&[
        "--modes",
        "before-consent",
        "--output",
        elsewhere.to_str().unwrap(),
        "--fail-on",
        "added",
        "--baseline",
        history.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("+ _fbp (news.test)"),
        "{}",
        text(&output)
    );

    // The site's own history as the baseline: its newest scan is chosen before this scan joins
    // the directory, so the diff is against the scan before, not against itself.
    let output = cookiescan(news.scan_args(&[
        "--modes",
        "before-consent",
        "--fail-on",
        "added",
        "--baseline",
        history.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("+ _fbp (news.test)"),
        "{}",
        text(&output)
    );
    news.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_reads_the_policy_the_site_publishes_in_the_browser() {
    // The site config names the published page: every scan is checked against it.
    let news = News::start(
        "[check]\npolicy = \"https://www.news.test/cookie-policy\"\nfail_on_drift = true\n",
    )
    .await;
    let (scans, dir) = (&news.scans, &news.dir);
    let args = news.scan_args(&["--modes", "before-consent,accept"]);
    let scanned = cookiescan(args).await;
    assert_eq!(scanned.status.code(), Some(1), "{}", text(&scanned));
    assert!(
        text(&scanned).contains("differences from the published policy"),
        "{}",
        text(&scanned)
    );

    // The same through `check`, as JSON: the script-drawn declaration was read too (stats_uid
    // is declared there, and only there). A config without fail_on_drift: exit 0.
    let stored = scans_of(scans);
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, evolving::CONFIG).unwrap();
    let history = scans.join("www.news.test");
    let mut check = news.args(&[
        "check",
        "--config",
        plain.to_str().unwrap(),
        history.to_str().unwrap(),
        "--policy",
        "https://www.news.test/cookie-policy",
        "--format",
        "json",
    ]);
    let checked = cookiescan(check.clone()).await;
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    let report: Value = serde_json::from_slice(&checked.stdout).unwrap();
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["kind"].as_str().unwrap(),
                f["cookie"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            "undeclared consent",
            "lifetime-contradicted lang",
            "not-observed old_ad",
        ],
        "{report}"
    );
    assert_eq!(report["declared_names"], 4, "{report}");

    // --fail-on-drift turns findings into exit 1.
    check.push("--fail-on-drift".into());
    let failed = cookiescan(check).await;
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));

    // Or on the command line, with a Markdown table that forgot `lang`.
    let markdown = dir.path().join("policy.md");
    std::fs::write(
        &markdown,
        "## Necessary\n\n| Service provider's name | Function and location | Cookie name(s) | Purposes |\n\
         |---|---|---|---|\n| News Ltd | Session | session | Keeps the session |\n",
    )
    .unwrap();
    let scanned = cookiescan(news.args(&[
        "scan",
        "--config",
        plain.to_str().unwrap(),
        "--scans-dir",
        scans.to_str().unwrap(),
        "--modes",
        "before-consent",
        "--policy",
        markdown.to_str().unwrap(),
        "--fail-on-drift",
    ]))
    .await;
    assert_eq!(scanned.status.code(), Some(1), "{}", text(&scanned));
    let out = text(&scanned);
    assert!(
        out.contains("Observed but not declared (1)") && out.contains("  lang (news.test)"),
        "{out}"
    );
    // With the row to paste, in the site's table layout.
    assert!(
        out.contains("Rows to add to the policy")
            && out.contains("| lang | Remembers the reader's language |"),
        "{out}"
    );

    // A page without a cookie table is a clear error, not an empty policy.
    let none = news.args(&[
        "check",
        stored[0].to_str().unwrap(),
        "--policy",
        "https://www.news.test/about",
    ]);
    let refused = cookiescan(none).await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("no cookie table on"),
        "{}",
        text(&refused)
    );
    news.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_the_policy_check_keeps_the_scan_and_exits_130() {
    let news = News::start("").await;
    let args = news.scan_args(&[
        "--modes",
        "before-consent",
        "--policy",
        "https://www.news.test/slow-policy",
    ]);
    // Interrupt once the scan is done and the policy page is being requested.
    let output = support::run_and_interrupt(args, || {
        news.server
            .hits()
            .iter()
            .any(|h| h.ends_with("/slow-policy"))
    })
    .await;
    assert_eq!(output.status.code(), Some(130), "{}", text(&output));
    assert!(
        text(&output).contains("the policy check was abandoned"),
        "{}",
        text(&output)
    );
    let stored = scans_of(&news.scans);
    assert_eq!(stored.len(), 1, "the scan was kept");
    let scan = cookiescan::model::load_scan(&stored[0]).unwrap();
    assert!(scan.complete);
    news.server.shutdown().await;
}

/// Regression (issue 11): a scan during an outage (no page of the site loaded) was stored as
/// complete and became the baseline, so the next good scan reported every cookie as added and
/// failed `--fail-on regressions`. An outage exits 2, runs only its first pass, is recorded as
/// `unreachable`, and every comparison passes over it, saying so.
#[tokio::test(flavor = "multi_thread")]
async fn an_outage_is_never_a_baseline() {
    let news = News::start("").await;
    let scans = &news.scans;
    let good = cookiescan(news.scan_args(&["--quiet"])).await;
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));

    // The same site with its host names unresolvable: a DNS outage.
    let config = news.config.display().to_string();
    let scans_dir = scans.display().to_string();
    let outage_args: Vec<String> = [
        "scan",
        "--config",
        &config,
        "--scans-dir",
        &scans_dir,
        "--quiet",
        "--chrome-arg=--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let outage = cookiescan(outage_args).await;
    assert_eq!(outage.status.code(), Some(2), "{}", text(&outage));
    assert!(
        text(&outage).contains("no page of the site could be loaded"),
        "{}",
        text(&outage)
    );
    let stored = scans_of(scans);
    assert_eq!(stored.len(), 2);
    let outage_scan = cookiescan::model::load_scan(&stored[1]).unwrap();
    assert_eq!(
        outage_scan.outcome,
        Some(cookiescan::model::ScanOutcome::Unreachable)
    );
    assert_eq!(
        outage_scan.modes.len(),
        1,
        "the accept and reject passes are not run against an unreachable site"
    );

    // The site is back: compared with the last good scan, not with the outage.
    let back = cookiescan(news.scan_args(&["--fail-on", "regressions"])).await;
    assert_eq!(back.status.code(), Some(0), "{}", text(&back));
    assert!(text(&back).contains("Passed over"), "{}", text(&back));
    assert!(text(&back).contains("No changes"), "{}", text(&back));

    // `diff` of the site's directory compares the two good scans; `history` marks the outage.
    let site_dir = scans.join("www.news.test").display().to_string();
    let diff = cookiescan(vec![
        "diff".into(),
        site_dir.clone(),
        "--format".into(),
        "json".into(),
        "--fail-on".into(),
        "any".into(),
    ])
    .await;
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    let diff_json: Value = serde_json::from_slice(&diff.stdout).expect("diff JSON");
    assert!(changes(&diff_json).is_empty(), "{}", text(&diff));
    assert!(text(&diff).contains("passed over"), "{}", text(&diff));
    let history = cookiescan(vec!["history".into(), site_dir.clone()]).await;
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
    assert!(
        text(&history).contains("(unreachable)"),
        "{}",
        text(&history)
    );
    let history = cookiescan(vec![
        "history".into(),
        site_dir,
        "--format".into(),
        "json".into(),
    ])
    .await;
    let rows: Value = serde_json::from_slice(&history.stdout).expect("history JSON");
    let outcomes: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(outcomes, ["ok", "unreachable", "ok"]);
    assert!(rows[1]["changes_since_previous"].is_null());
    assert_eq!(rows[2]["changes_since_previous"], 0, "{rows}");
}

/// Regression (issue 11): `scan --all` filed `scans/client-b.toml`'s scans under the start
/// URL's host, so `history client-b` found nothing. A configured site's history is keyed by its
/// config's name, and the commands that read it find that config again.
#[tokio::test(flavor = "multi_thread")]
async fn a_configured_site_keeps_its_history_under_its_config_name() {
    let news = News::start("").await;
    let scans = &news.scans;
    std::fs::rename(&news.config, scans.join("client-b.toml")).unwrap();
    let scans_dir = scans.display().to_string();
    let all = cookiescan(news.args(&["scan", "--all", "--scans-dir", &scans_dir, "--quiet"])).await;
    assert_eq!(all.status.code(), Some(0), "{}", text(&all));
    assert!(
        !scans.join("www.news.test").exists(),
        "filed under the host"
    );
    let stored = cookiescan::history::list(&scans.join("client-b")).unwrap();
    assert_eq!(stored.len(), 1);

    let history = cookiescan(vec![
        "history".into(),
        "client-b".into(),
        "--scans-dir".into(),
        scans_dir,
    ])
    .await;
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
    // The config's operator names the site's own cookies: the report found the config.
    let site_dir = scans.join("client-b").display().to_string();
    let report = cookiescan(vec![
        "report".into(),
        site_dir,
        "--format".into(),
        "md".into(),
    ])
    .await;
    assert_eq!(report.status.code(), Some(0), "{}", text(&report));
    assert!(text(&report).contains("News Ltd"), "{}", text(&report));
}
