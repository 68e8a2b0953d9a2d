//! What crawling like a visitor costs and finds, on the single-page news site of the tests:
//! the real `cookiescan` binary scans it (before consent) with every visitor step, with clicks
//! off (`--interact-budget=0`) and with plain visits (`--plain-visits`); optionally an older
//! build too (`BENCH_BASELINE_BIN=/path/to/cookiescan`). Prints, per configuration, the median
//! wall time of `BENCH_RUNS` runs (default 3), pages and cookies found, and the time per page
//! (`BENCH_PAGES_MS=1` prints each page's visit time too).
//!
//! `cargo bench --bench visitor`

// The benchmark's report is its output.
#![allow(clippy::print_stdout)]

#[path = "../tests/support/visitor.rs"]
#[allow(dead_code, unreachable_pub)]
mod visitor;

use std::path::PathBuf;
use std::time::Instant;

use cookiescan::model::Scan;
use cookiescan::site::SiteServer;

struct Run {
    seconds: f64,
    pages: usize,
    cookies: usize,
}

fn scan(bin: &PathBuf, server: &SiteServer, extra: &[&str], out: &std::path::Path) -> Run {
    let started = Instant::now();
    let status = std::process::Command::new(bin)
        .args([
            "scan",
            visitor::START_URL,
            "--quiet",
            "--modes=before-consent",
        ])
        .arg(format!(
            "--chrome-arg=--host-resolver-rules={}",
            server.host_resolver_rules()
        ))
        .arg("--insecure")
        .arg("--output")
        .arg(out)
        .args(extra)
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("cookiescan-bench-no-cache"),
        )
        .status()
        .expect("cookiescan runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "scan {extra:?} failed");
    let scan: Scan = serde_json::from_str(&std::fs::read_to_string(out).expect("scan written"))
        .expect("scan parses");
    if std::env::var_os("BENCH_PAGES_MS").is_some() {
        for (page, ms) in &scan.timing.pages_ms {
            println!("    {ms:>6} ms  {page}");
        }
    }
    Run {
        seconds,
        pages: scan.modes[0].pages.len(),
        cookies: scan.cookies.len(),
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (hosts, handler) = visitor::visitor_site();
    let server = SiteServer::start(&hosts, handler)
        .await
        .expect("fixture site starts");
    let current = PathBuf::from(env!("CARGO_BIN_EXE_cookiescan"));
    let mut configurations: Vec<(String, PathBuf, Vec<&str>)> = vec![
        ("visitor (default)".into(), current.clone(), vec![]),
        (
            "no clicks (--interact-budget=0)".into(),
            current.clone(),
            vec!["--interact-budget=0"],
        ),
        ("plain visits".into(), current, vec!["--plain-visits"]),
    ];
    if let Ok(baseline) = std::env::var("BENCH_BASELINE_BIN") {
        configurations.push(("baseline build".into(), PathBuf::from(baseline), vec![]));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    println!("configuration                      pages  cookies  median_s  s_per_page");
    for (name, bin, extra) in configurations {
        let mut results: Vec<Run> = (0..runs)
            .map(|i| {
                let out = dir.path().join(format!("run-{i}.json"));
                tokio::task::block_in_place(|| scan(&bin, &server, &extra, &out))
            })
            .collect();
        results.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        let median = &results[results.len() / 2];
        println!(
            "{name:<34} {:>5}  {:>7}  {:>8.2}  {:>10.2}",
            median.pages,
            median.cookies,
            median.seconds,
            median.seconds / median.pages.max(1) as f64
        );
    }
}
