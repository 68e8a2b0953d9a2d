//! Crawl throughput and memory on a generated 60-page site (loopback only). Not a test: it
//! prints numbers. Run with `cargo bench --bench crawl` (release build); set
//! `BENCH_CONCURRENCY=1,2,4` to choose tab counts and `BENCH_PAGES` to resize the site.
//!
//! Every page sets a first-party cookie by header and one by script and embeds a third-party
//! pixel and script, like a small real site. Memory is the peak PSS summed over the Chromium
//! processes of the scan's profile (sampled every 100 ms), plus this process's own peak RSS.

// Printing the measurements is this program's whole job.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cookiescan::browser::{BrowserOptions, BrowserSource, VisitTiming, find_chrome};
use cookiescan::crawl::{ScanSettings, run_scan};
use cookiescan::discover::{Limits, ScopeRules};
use cookiescan::model::Mode;
use cookiescan::site::{SiteRequest, SiteResponse, SiteServer, TRANSPARENT_GIF};

fn page(index: usize, pages: usize) -> SiteResponse {
    let links: String = (1..=3)
        .map(|step| (index * 3 + step) % pages)
        .map(|target| format!("<li><a href=\"/page/{target}\">Page {target}</a></li>"))
        .collect();
    SiteResponse::html(format!(
        "<!doctype html><title>Page {index}</title><h1>Page {index}</h1>\
         <script>document.cookie = 'js_{bucket}=1; path=/; max-age=86400';</script>\
         <script src=\"https://cdn.metrics.test/m.js\"></script>\
         <img src=\"https://px.metrics.test/p.gif?page={index}\" alt=\"\">\
         <ul>{links}</ul>{BANNER}",
        bucket = index % 7
    ))
    .cookie(&format!(
        "visit_{}=1; Path=/; Max-Age=3600; Secure",
        index % 5
    ))
}

/// A consent banner of the common shape, answered by cookiescan's heuristic in the consent
/// passes: shown until `bench_consent` is set; accepting loads a marketing pixel.
const BANNER: &str = r#"<div id="consent" role="dialog" style="position:fixed;bottom:0;left:0;right:0;padding:12px;background:#eee">
<p>We use cookies for statistics and marketing.</p>
<button id="yes">Accept all</button> <button id="no">Reject all</button></div>
<script>
(() => {
  const banner = document.getElementById('consent');
  const answer = (value) => {
    document.cookie = 'bench_consent=' + value + '; path=/; max-age=31536000';
    banner.remove();
    if (value === 'yes') { const img = new Image(); img.src = 'https://px.metrics.test/p.gif?marketing=1'; }
  };
  if (/bench_consent=/.test(document.cookie)) banner.remove();
  document.getElementById('yes').onclick = () => answer('yes');
  document.getElementById('no').onclick = () => answer('no');
})();
</script>"#;

fn handle(request: &SiteRequest, pages: usize) -> SiteResponse {
    match (request.host.as_str(), request.path.as_str()) {
        ("www.bench.test", "/") => page(0, pages),
        ("www.bench.test", path) if path.starts_with("/page/") => {
            match path["/page/".len()..].parse::<usize>() {
                Ok(index) if index < pages => page(index, pages),
                _ => SiteResponse::not_found(),
            }
        }
        ("cdn.metrics.test", "/m.js") => SiteResponse::text(
            "text/javascript",
            "document.cookie = '_m_id=1; path=/; max-age=31536000';",
        ),
        ("px.metrics.test", "/p.gif") => SiteResponse::bytes("image/gif", TRANSPARENT_GIF.to_vec())
            .cookie("px_uid=1; Path=/; Max-Age=31536000; SameSite=None; Secure"),
        _ => SiteResponse::not_found(),
    }
}

/// Sum of PSS (KiB) over the Chromium process tree of one scan: the processes whose command
/// line contains `marker` (only the browser process gets our flags) and all their descendants
/// (zygotes, renderers, utility processes).
fn pss_kib(marker: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    // (pid, parent pid, command line contains the marker)
    let processes: Vec<(u32, u32, bool)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name may contain spaces; fields resume after the last ')'.
            let parent = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            Some((
                pid,
                parent,
                String::from_utf8_lossy(&cmdline).contains(marker),
            ))
        })
        .collect();
    let mut tree: Vec<u32> = processes.iter().filter(|p| p.2).map(|p| p.0).collect();
    loop {
        let before = tree.len();
        for (pid, parent, _) in &processes {
            if tree.contains(parent) && !tree.contains(pid) {
                tree.push(*pid);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    tree.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|rollup| {
            rollup
                .lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum()
}

fn own_peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let pages: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let concurrencies: Vec<usize> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,2,4".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let hosts = ["www.bench.test", "cdn.metrics.test", "px.metrics.test"];
    let server = SiteServer::start(&hosts, Arc::new(move |r: &SiteRequest| handle(r, pages)))
        .await
        .expect("bench site starts");
    let chrome = find_chrome(None).expect("a Chromium to benchmark with");
    let modes: Vec<Mode> = std::env::var("BENCH_MODES")
        .unwrap_or_else(|_| "before-consent".into())
        .split(',')
        .map(|m| match m.trim() {
            "accept" => Mode::Accept,
            "reject" => Mode::Reject,
            _ => Mode::BeforeConsent,
        })
        .collect();
    println!(
        "site: {pages} pages; modes: {modes:?}; browser: {}",
        chrome.display()
    );
    println!(
        "tabs  pages  ok  cookies  wall_s  pages_per_min  peak_chromium_pss_mib  peak_self_rss_mib"
    );
    for tabs in concurrencies {
        let marker = format!("--cookiescan-bench={tabs}-{}", std::process::id());
        let settings = ScanSettings {
            extra_start_urls: Vec::new(),
            start_url: url::Url::parse("https://www.bench.test/").unwrap(),
            scope: ScopeRules::default(),
            limits: Limits {
                max_pages: pages,
                ..Limits::default()
            },
            obey_robots: true,
            use_sitemaps: true,
            concurrency: tabs.try_into().expect("positive"),
            timing: VisitTiming {
                page_timeout: Duration::from_secs(30),
                settle_quiet: Duration::from_millis(500),
                settle_max: Duration::from_secs(5),
                ..VisitTiming::default()
            },
            keep_values: false,
            needs_consent: cookiescan::consent::GatedCookies::third_party_of("bench.test"),
            consent_engines: cookiescan::consent::Engines::default(),
            journal: None,
            resume: false,
            browser: BrowserOptions {
                source: BrowserSource::Launch(chrome.clone()),
                extra_args: vec![
                    format!("--host-resolver-rules={}", server.host_resolver_rules()),
                    marker.clone(),
                ],
                insecure: true,
                command_timeout: Duration::from_secs(30),
            },
            // The throughput of one pass; consent passes are measured with a banner site.
            modes: modes.clone(),
            consent_rules: cookiescan::consent::rules::builtin_rules(),
            consent_timing: cookiescan::consent::ConsentTiming::default(),
            artifacts_dir: None,
            consent_presets: Default::default(),
        };
        let peak = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done, marker) = (peak.clone(), done.clone(), marker.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    peak.fetch_max(pss_kib(&marker), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        let started = Instant::now();
        let (_keep, never) = tokio::sync::watch::channel(false);
        let scan = run_scan(&settings, Arc::new(|_| {}), never)
            .await
            .expect("scan runs");
        let wall = started.elapsed().as_secs_f64();
        done.store(true, Ordering::SeqCst);
        sampler.join().expect("sampler");
        let visited = scan.modes[0].pages.len();
        let ok = scan.modes[0]
            .pages
            .iter()
            .filter(|p| p.outcome == cookiescan::model::PageOutcome::Ok)
            .count();
        for mode in &modes {
            let times: Vec<u64> = scan
                .timing
                .pages_ms
                .iter()
                .filter(|(key, _)| key.starts_with(&format!("{} ", mode.as_str())))
                .map(|(_, ms)| *ms)
                .collect();
            let mean = times.iter().sum::<u64>() as f64 / times.len().max(1) as f64;
            let banners = scan
                .modes
                .iter()
                .filter(|run| run.mode == *mode)
                .flat_map(|run| &run.consent)
                .map(|c| format!("{} {}", c.outcome.as_str(), c.clicked.join(" ")))
                .collect::<Vec<_>>();
            println!(
                "      {:<15} {:>3} pages, mean {mean:>5.0} ms/page per tab; consent: {banners:?}",
                mode.as_str(),
                times.len()
            );
        }
        println!(
            "{tabs:>4}  {visited:>5}  {ok:>3}  {:>7}  {wall:>6.1}  {:>13.0}  {:>21.0}  {:>17.0}",
            scan.cookies.len(),
            visited as f64 / wall * 60.0,
            peak.load(Ordering::SeqCst) as f64 / 1024.0,
            own_peak_rss_kib() as f64 / 1024.0,
        );
    }
    server.shutdown().await;
}
