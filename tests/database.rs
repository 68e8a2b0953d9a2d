//! `cookiescan db update` against a loopback server, through the browser like every fetch.

mod support;

use std::sync::Arc;

use cookiescan::site::{SiteRequest, SiteResponse, SiteServer};
use support::run_cookiescan as run;

const OCD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/open-cookie-database.csv"
);

#[tokio::test(flavor = "multi_thread")]
async fn db_update_downloads_validates_and_keeps_the_old_copy_on_failure() {
    // Made-up rows keep the test independent of the shared CSV; the real one is served too
    // when it is there.
    let small = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n\
                 1,Example Analytics,Analytics,_ex_id,example-analytics.test,Counts visits.,1 year,Example Inc.,,0\n";
    let real = std::fs::read_to_string(OCD).ok();
    let handler = Arc::new(move |req: &SiteRequest| match req.path.as_str() {
        "/small.csv" => SiteResponse::text("text/csv", small),
        "/full.csv" => match &real {
            Some(text) => SiteResponse::text("text/csv", text.clone()),
            None => SiteResponse::text("text/csv", small),
        },
        "/garbage.csv" => SiteResponse::html("<html>not a csv</html>"),
        _ => SiteResponse::not_found(),
    });
    let server = SiteServer::start(&["data.cookie-db.test"], handler)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cache/ocd.csv");
    let update = |path: &str| {
        let mut args = vec![
            "db".to_string(),
            "update".into(),
            "--url".into(),
            format!("https://data.cookie-db.test{path}"),
            "--to".into(),
            dest.display().to_string(),
        ];
        args.extend(support::chrome_args(&server));
        args
    };
    let output = run(update("/full.csv")).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("entries"));
    let saved = std::fs::read_to_string(&dest).unwrap();
    assert!(saved.starts_with("ID,Platform,Category"));

    // A page that is not the CSV, or a missing file, leaves the saved copy alone.
    for bad in ["/garbage.csv", "/missing.csv"] {
        let output = run(update(bad)).await;
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            saved,
            "{bad} replaced the copy"
        );
    }
    let output = run(update("/small.csv")).await;
    assert!(output.status.success());
    assert!(std::fs::read_to_string(&dest).unwrap().contains("_ex_id"));
}
