//! Speed of `diff`, `check` and scan loading on large generated scans (no browser). Not a test:
//! it prints numbers. Run with `cargo bench --bench diff`; `BENCH_COOKIES` (default 2000) and
//! `BENCH_PAGES` (default 1000) size the scans.
//!
//! The two scans share most cookies; the newer one drops 50, adds 50, lengthens 20 lifetimes
//! and sets 20 more before consent, so the diff has real work and real output.

// Printing the measurements is this program's whole job.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use cookiescan::check::{declared, drift};
use cookiescan::classify::{Classifier, knowledge};
use cookiescan::consent::rules::builtin_rules;
use cookiescan::diff::{DiffContext, diff};
use cookiescan::model::{CookieRecord, Mode, Scan, sample};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn page_path(index: usize) -> String {
    format!("/section{}/page{index}", index % 40)
}

/// A cookie written on 20 of the pages, first party for one index in three.
fn cookie(index: usize, pages: usize, modes: &[Mode], lifetime: f64) -> CookieRecord {
    let domain = if index.is_multiple_of(3) {
        "www.example.com".to_string()
    } else {
        format!(".tracker{}.test", index % 300)
    };
    let written: Vec<String> = (0..20)
        .map(|k| {
            format!(
                "https://www.example.com{}",
                page_path((index * 7 + k * 13) % pages)
            )
        })
        .collect();
    let mut cookie = sample::cookie(&format!("bench_{index}"), &domain, &written[0], modes);
    cookie.lifetime_days = Some(lifetime.min(400.0));
    cookie.requested_lifetime_days = Some(lifetime);
    cookie.setters[0].url = format!("https://cdn{}.test/pixel.gif", index % 50);
    cookie.setters[0].pages = written.clone();
    cookie.pages_by_mode = modes.iter().map(|m| (*m, written.clone())).collect();
    cookie.pages = written;
    cookie
}

fn scan(cookies: Vec<CookieRecord>, pages: usize) -> Scan {
    let paths: Vec<String> = (0..pages).map(page_path).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    sample::scan(&paths, cookies)
}

fn main() {
    let cookies = env_number("BENCH_COOKIES", 2000);
    let pages = env_number("BENCH_PAGES", 1000);
    let accept = [Mode::Accept];
    let all = [Mode::BeforeConsent, Mode::Accept, Mode::Reject];
    let old = scan(
        (0..cookies)
            .map(|i| cookie(i, pages, &accept, 365.0))
            .collect(),
        pages,
    );
    let new = scan(
        (50..cookies + 50)
            .map(|i| match i {
                _ if i % 100 == 1 => cookie(i, pages, &accept, 730.0),
                _ if i % 100 == 2 => cookie(i, pages, &all, 365.0),
                _ => cookie(i, pages, &accept, 365.0),
            })
            .collect(),
        pages,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (old_path, new_path) = (dir.path().join("old.json"), dir.path().join("new.json"));
    cookiescan::model::save_scan(&old, &old_path).expect("write");
    cookiescan::model::save_scan(&new, &new_path).expect("write");
    let size = std::fs::metadata(&new_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{cookies} cookies, {pages} pages x 3 modes: {:.1} MB of scan JSON each",
        size as f64 / 1e6
    );

    let started = Instant::now();
    let old = cookiescan::model::load_scan(&old_path).expect("load");
    let new = cookiescan::model::load_scan(&new_path).expect("load");
    println!("load both scans: {:?}", started.elapsed());

    let classifier = Classifier::new(
        "bench.test",
        "Bench",
        Vec::new(),
        knowledge::builtin(),
        None,
    );
    let rules = builtin_rules();
    let context = DiffContext {
        classifier: &classifier,
        rules: &rules,
    };
    let started = Instant::now();
    let changes = diff(&old, &new, &context);
    println!(
        "diff: {:?} ({} changes)",
        started.elapsed(),
        changes.changes.len()
    );
    let started = Instant::now();
    let same = diff(&new, &new, &context);
    println!(
        "diff of a scan with itself: {:?} ({} changes)",
        started.elapsed(),
        same.changes.len()
    );

    let table: String = (0..cookies)
        .map(|i| format!("| Bench | Tracking | bench_{i} | Measures | 1 year |\n"))
        .collect();
    let policy = format!(
        "## Marketing\n\n| Service provider's name | Function and location | Cookie name(s) | Purposes | Duration |\n|---|---|---|---|---|\n{table}"
    );
    let started = Instant::now();
    let declared = declared::parse_markdown(&policy);
    let report = drift::check(&new, &declared, &classifier, "bench", 1.5);
    println!(
        "check against a {}-row policy: {:?} ({} findings)",
        declared.len(),
        started.elapsed(),
        report.findings.len()
    );
}
