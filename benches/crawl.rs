//! Crawl throughput and memory against the physical limit: a bare page-load loop in the same
//! Chromium. Not a test: it prints numbers and writes them as JSON. Run with
//! `cargo bench --bench crawl` (release build; the real `cookiescan` binary scans).
//!
//! For each generated site size it measures, on the same pages at the same concurrency:
//! (a) a bare loop (navigate, wait for `load`, nothing else), (b) `cookiescan scan` before
//! consent only, (c) `cookiescan scan` in three modes; then pages/s, the ratios (b)/(a) and
//! (c)/(3×a), time per mode, cookiescan's peak RSS (VmHWM), Chromium's peak PSS (summed over
//! its processes) and the scan JSON's size. First it draws the concurrency curve (a) and (b)
//! on the smallest site and names the best tab count.
//!
//! Environment:
//! - `BENCH_SIZES` (default `60,500,5000`): site sizes in pages;
//! - `BENCH_CURVE` (default `1,2,4,8`, `none` to skip): tab counts of the curve;
//! - `BENCH_TABS` (default cookiescan's default): tabs for the size runs;
//! - `BENCH_PASSES` (default `bare,before,three`): which of (a), (b), (c) to run per size;
//! - `BENCH_OUTPUT` (default `target/bench/crawl-<unix time>.json`): where the figures go;
//! - `BENCH_BIN`: another `cookiescan` binary to scan with (an older build, to compare);
//! - `BENCH_SCAN_ARGS`: more `cookiescan scan` options, split on spaces (e.g. `--plain-visits`
//!   or `--settle=200ms`, to see what a step costs).
//! - `BENCH_BANNER` (default `heuristic`): the banner every page has: `heuristic` (one no rule
//!   knows) or `klaro` (the real klaro from `tests/consent-libs/node_modules`, with an
//!   analytics and a marketing service, so the per-category passes run and their cost shows).
//!
//! The generated site is a small real site's mix: every page sets a first-party cookie by
//! header and one by script, loads a third-party script and pixel (the pixel sets a
//! third-party cookie), every tenth page embeds a third-party iframe that sets its own cookie,
//! every page has a consent banner (accepting loads a marketing pixel), links sit in nav,
//! body and footer, every 25th page has a slow (1.5 s) pixel and one page takes 8 s to answer.

// Printing the measurements is this program's whole job.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use cookiescan::browser::{
    BrowserOptions, BrowserSession, BrowserSource, NAVIGATIONS_PER_TAB, find_chrome,
};
use cookiescan::crawl::DEFAULT_CONCURRENCY;
use cookiescan::model::{PageOutcome, Scan};
use cookiescan::site::{SiteRequest, SiteResponse, SiteServer, TRANSPARENT_GIF};
use serde_json::{Value, json};

const SITE: &str = "www.bench.test";
const HOSTS: [&str; 4] = [
    SITE,
    "cdn.metrics.test",
    "px.metrics.test",
    "widgets.social.test",
];
/// The page that takes 8 s to answer (depth 2 on every size).
const VERY_SLOW_PAGE: usize = 7;
const VERY_SLOW: Duration = Duration::from_secs(8);
const SLOW_PIXEL: Duration = Duration::from_millis(1500);

fn link(target: usize) -> String {
    if target == 0 {
        "<a href=\"/\">Home</a>".into()
    } else {
        format!("<a href=\"/page/{target}\">Page {target}</a>")
    }
}

/// Page `index` of `pages`: page i links to 3i+1..3i+3 in its body, so every page is reached
/// (a ternary tree, depth ≈ log₃ pages), besides the nav and footer links every page has.
fn page(index: usize, pages: usize) -> SiteResponse {
    let nav: String = (0..5.min(pages)).map(link).collect();
    let body: String = (1..=3)
        .map(|step| index * 3 + step)
        .filter(|&target| target < pages)
        .map(|target| format!("<li>{}</li>", link(target)))
        .collect();
    let footer: String = [pages - 1, pages / 2].into_iter().map(link).collect();
    let slow = if index % 25 == 13 { "&slow=1" } else { "" };
    let iframe = if index % 10 == 4 {
        "<iframe src=\"https://widgets.social.test/embed\" width=\"300\" height=\"80\"></iframe>"
    } else {
        ""
    };
    let response = SiteResponse::html(format!(
        "<!doctype html><title>Page {index}</title><nav>{nav}</nav><h1>Page {index}</h1>\
         <script>document.cookie = 'js_{bucket}=1; path=/; max-age=86400';</script>\
         <script src=\"https://cdn.metrics.test/m.js\"></script>\
         <img src=\"https://px.metrics.test/p.gif?page={index}{slow}\" alt=\"\">{iframe}\
         <ul>{body}</ul><footer>{footer}</footer>{banner}",
        bucket = index % 7,
        banner = banner(),
    ))
    .cookie(&format!(
        "visit_{}=1; Path=/; Max-Age=3600; Secure",
        index % 5
    ));
    if index == VERY_SLOW_PAGE {
        response.delay(VERY_SLOW)
    } else {
        response
    }
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

/// The same choice made with klaro, from npm: "analytics" loads a metrics script (`_an_id`),
/// "marketing" the marketing pixel.
const KLARO_BANNER: &str = r#"<script>
var klaroConfig = {
  lang: 'en',
  acceptAll: true,
  translations: { en: { purposes: { analytics: 'Analytics', marketing: 'Marketing' } } },
  services: [
    { name: 'metrics', title: 'Metrics', purposes: ['analytics'] },
    { name: 'pixel', title: 'Pixel', purposes: ['marketing'] }
  ]
};
</script>
<script type="text/plain" data-type="application/javascript" data-name="metrics" data-src="https://cdn.metrics.test/a.js"></script>
<img data-name="pixel" data-src="https://px.metrics.test/p.gif?marketing=1" alt="">
<script src="/vendor/klaro/dist/klaro.js"></script>"#;

fn banner() -> &'static str {
    static BANNER_KIND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let kind = BANNER_KIND.get_or_init(|| std::env::var("BENCH_BANNER").unwrap_or_default());
    match kind.as_str() {
        "klaro" => KLARO_BANNER,
        "" | "heuristic" => BANNER,
        other => panic!("BENCH_BANNER: {other} is neither heuristic nor klaro"),
    }
}

fn handle(request: &SiteRequest, pages: usize) -> SiteResponse {
    match (request.host.as_str(), request.path.as_str()) {
        (SITE, "/vendor/klaro/dist/klaro.js") => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/consent-libs/node_modules/klaro/dist/klaro.js");
            match std::fs::read(&path) {
                Ok(bytes) => SiteResponse::bytes("text/javascript", bytes),
                Err(e) => panic!(
                    "{}: {e} (npm ci --prefix tests/consent-libs)",
                    path.display()
                ),
            }
        }
        ("cdn.metrics.test", "/a.js") => SiteResponse::text(
            "text/javascript",
            "document.cookie = '_an_id=1; path=/; max-age=31536000';",
        ),
        (SITE, "/") => page(0, pages),
        (SITE, path) if path.starts_with("/page/") => {
            match path["/page/".len()..].parse::<usize>() {
                Ok(index) if index < pages => page(index, pages),
                _ => SiteResponse::not_found(),
            }
        }
        ("cdn.metrics.test", "/m.js") => SiteResponse::text(
            "text/javascript",
            "document.cookie = '_m_id=1; path=/; max-age=31536000';",
        ),
        ("px.metrics.test", "/p.gif") => {
            let pixel = SiteResponse::bytes("image/gif", TRANSPARENT_GIF.to_vec())
                .cookie("px_uid=1; Path=/; Max-Age=31536000; SameSite=None; Secure");
            if request.query.as_deref().unwrap_or("").contains("slow=1") {
                pixel.delay(SLOW_PIXEL)
            } else {
                pixel
            }
        }
        ("widgets.social.test", "/embed") => SiteResponse::html(
            "<!doctype html><p>Share</p><script>localStorage.setItem('soc_seen', '1');</script>",
        )
        .cookie("soc_sess=1; Path=/; Max-Age=86400; SameSite=None; Secure"),
        _ => SiteResponse::not_found(),
    }
}

/// Every cookie the site sets in some mode: the benchmark checks the scans found them all.
fn expected_cookies() -> Vec<String> {
    let mut names: Vec<String> = (0..5).map(|i| format!("visit_{i}")).collect();
    names.extend((0..7).map(|i| format!("js_{i}")));
    names.extend(["_m_id", "px_uid", "soc_sess"].map(String::from));
    names
}

/// Sum of PSS (KiB) over the Chromium process tree of one run: the processes whose command
/// line contains `marker` (only the browser process gets our flags) and all their descendants.
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
        .filter_map(|pid| status_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:"))
        .sum()
}

/// A `kB` field of a `/proc` file (`VmHWM:` of `status`, `Pss:` of `smaps_rollup`).
fn status_field(path: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
    })
}

/// Samples Chromium's PSS (and a child's VmHWM) every 100 ms while a run lasts.
struct Sampler {
    done: Arc<AtomicBool>,
    chromium_peak: Arc<AtomicU64>,
    child_hwm: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start(marker: &str, child: Option<u32>) -> Sampler {
        let done = Arc::new(AtomicBool::new(false));
        let chromium_peak = Arc::new(AtomicU64::new(0));
        let child_hwm = Arc::new(AtomicU64::new(0));
        let thread = {
            let (done, peak, hwm) = (done.clone(), chromium_peak.clone(), child_hwm.clone());
            let marker = marker.to_string();
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    peak.fetch_max(pss_kib(&marker), Ordering::SeqCst);
                    if let Some(pid) = child
                        && let Some(kib) = status_field(&format!("/proc/{pid}/status"), "VmHWM:")
                    {
                        hwm.fetch_max(kib, Ordering::SeqCst);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Sampler {
            done,
            chromium_peak,
            child_hwm,
            thread,
        }
    }

    /// (Chromium's peak PSS, the child's peak RSS), MiB.
    fn stop(self) -> (f64, f64) {
        self.done.store(true, Ordering::SeqCst);
        self.thread.join().expect("sampler");
        let mib = |v: &AtomicU64| v.load(Ordering::SeqCst) as f64 / 1024.0;
        (mib(&self.chromium_peak), mib(&self.child_hwm))
    }
}

struct Bench {
    server: SiteServer,
    chrome: PathBuf,
    work: tempfile::TempDir,
    runs: AtomicUsize,
}

impl Bench {
    fn marker(&self) -> String {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        format!("--cookiescan-bench={}-{run}", std::process::id())
    }

    /// (a): the same Chromium, launched with cookiescan's own flags, loads each URL in turn on
    /// `tabs` tabs of one fresh context: navigate, wait for `load`, nothing else; each tab
    /// replaced after as many navigations as cookiescan's (a renderer slows as it ages).
    async fn bare_loop(&self, urls: &[String], tabs: usize) -> Value {
        let marker = self.marker();
        let options = BrowserOptions {
            source: BrowserSource::Launch(self.chrome.clone()),
            extra_args: vec![
                format!(
                    "--host-resolver-rules={}",
                    self.server.host_resolver_rules()
                ),
                marker.clone(),
            ],
            insecure: true,
            command_timeout: Duration::from_secs(30),
        };
        let session = BrowserSession::start(&options)
            .await
            .expect("browser starts");
        let context = session.new_context().await.expect("context");
        let sampler = Sampler::start(&marker, None);
        let next = AtomicUsize::new(0);
        let failed = AtomicUsize::new(0);
        let started = Instant::now();
        let workers = (0..tabs).map(|_| {
            let (next, failed, session, context) = (&next, &failed, &session, &context);
            async move {
                let mut page = session.new_page(context).await.expect("tab");
                let mut navigations = 0;
                while let Some(url) = urls.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if navigations == NAVIGATIONS_PER_TAB {
                        let _ = page.close().await;
                        page = session.new_page(context).await.expect("tab");
                        navigations = 0;
                    }
                    navigations += 1;
                    let load = tokio::time::timeout(Duration::from_secs(30), page.goto(url));
                    if !matches!(load.await, Ok(Ok(_))) {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
                let _ = page.close().await;
            }
        });
        futures::future::join_all(workers).await;
        let wall = started.elapsed().as_secs_f64();
        let (chromium_mib, _) = sampler.stop();
        session.close().await;
        json!({
            "tabs": tabs,
            "pages": urls.len(),
            "failed": failed.load(Ordering::SeqCst),
            "wall_s": round(wall),
            "pages_per_s": round(urls.len() as f64 / wall),
            "chromium_peak_pss_mib": round(chromium_mib),
        })
    }

    /// (b) and (c): the real binary scans the site in `modes` with `tabs` tabs.
    fn scan(&self, pages: usize, tabs: usize, modes: &str) -> (Value, Scan) {
        let marker = self.marker();
        let out = self
            .work
            .path()
            .join(format!("scan-{pages}-{tabs}-{modes}.json"));
        let mut command = Command::new(scanner());
        command
            .args(["scan", &format!("https://{SITE}/"), "--quiet", "--insecure"])
            .arg(format!("--modes={modes}"))
            .arg(format!("--concurrency={tabs}"))
            .arg(format!("--max-pages={pages}"))
            .arg(format!(
                "--chrome-arg=--host-resolver-rules={}",
                self.server.host_resolver_rules()
            ))
            .arg(format!("--chrome-arg={marker}"))
            .arg("--chrome")
            .arg(&self.chrome)
            .args(
                std::env::var("BENCH_SCAN_ARGS")
                    .unwrap_or_default()
                    .split_whitespace(),
            )
            .arg("--output")
            .arg(&out)
            // No cached cookie database or rule download colours the run.
            .env("XDG_CACHE_HOME", self.work.path().join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let autoconsent = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/consent-libs/node_modules/@duckduckgo/autoconsent");
        if autoconsent.is_dir() {
            command.env("COOKIESCAN_AUTOCONSENT", autoconsent);
        }
        let started = Instant::now();
        let child = command.spawn().expect("cookiescan starts");
        let sampler = Sampler::start(&marker, Some(child.id()));
        let output = child.wait_with_output().expect("cookiescan ends");
        let wall = started.elapsed().as_secs_f64();
        let (chromium_mib, self_mib) = sampler.stop();
        assert!(
            output.status.code().is_some_and(|code| code <= 1),
            "cookiescan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&out).expect("scan written");
        let scan: Scan = serde_json::from_str(&text).expect("scan parses");
        let visits: usize = scan.modes.iter().map(|m| m.pages.len()).sum();
        let ok = scan.modes[0]
            .pages
            .iter()
            .filter(|p| p.outcome == PageOutcome::Ok)
            .count();
        let found: Vec<&str> = scan.cookies.iter().map(|c| c.name.as_str()).collect();
        let missing: Vec<String> = expected_cookies()
            .into_iter()
            .filter(|name| !found.contains(&name.as_str()))
            .collect();
        let per_mode: BTreeMap<&str, Value> = scan
            .modes
            .iter()
            .map(|run| {
                let ms = scan.timing.modes_ms.get(run.mode.as_str()).copied();
                let mut times: Vec<u64> = scan
                    .timing
                    .pages_ms
                    .iter()
                    .filter(|(key, _)| key.starts_with(&format!("{} ", run.mode.as_str())))
                    .map(|(_, ms)| *ms)
                    .collect();
                times.sort_unstable();
                let consent: Vec<&str> = run.consent.iter().map(|c| c.outcome.as_str()).collect();
                (
                    run.mode.as_str(),
                    json!({
                        "pages": run.pages.len(),
                        "wall_s": ms.map(|ms| round(ms as f64 / 1000.0)),
                        "median_page_ms": times.get(times.len() / 2),
                        "consent": consent,
                    }),
                )
            })
            .collect();
        let category_ms = scan.timing.category_passes_wall_ms.unwrap_or_default();
        let modes_ms: u64 = scan.timing.modes_ms.values().sum();
        let categories = json!({
            "passes": scan.category_passes.len(),
            "verified": scan.category_passes.iter().filter(|p| p.outcome.as_str() == "verified").count(),
            "wall_s": round(category_ms as f64 / 1000.0),
            "share_of_mode_passes": (modes_ms > 0).then(|| round(category_ms as f64 / modes_ms as f64)),
        });
        let figures = json!({
            "tabs": tabs,
            "modes": modes,
            "category_passes": categories,
            "visits": visits,
            "pages_ok": ok,
            "cookies": scan.cookies.len(),
            "missing_cookies": missing,
            "wall_s": round(wall),
            "visits_per_s": round(visits as f64 / wall),
            "per_mode": per_mode,
            "cookiescan_peak_rss_mib": round(self_mib),
            "chromium_peak_pss_mib": round(chromium_mib),
            "scan_json_bytes": text.len(),
        });
        (figures, scan)
    }
}

/// The `cookiescan` that scans: this build's, or `BENCH_BIN`.
fn scanner() -> PathBuf {
    std::env::var_os("BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_cookiescan")),
        PathBuf::from,
    )
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v != "none")
        .collect()
}

fn numbers(name: &str, default: &str) -> Vec<usize> {
    list(name, default)
        .iter()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: {v} is not a number"))
        })
        .collect()
}

/// The pages the scan loaded, for the bare loop to load too.
fn loaded_urls(scan: &Scan) -> Vec<String> {
    scan.modes[0]
        .pages
        .iter()
        .filter(|p| p.outcome == PageOutcome::Ok)
        .map(|p| p.url.clone())
        .collect()
}

fn machine(chrome: &Path) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string());
    let chromium = Command::new(chrome)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "memory_mib": status_field("/proc/meminfo", "MemTotal:").map(|kib| kib / 1024),
        "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| s.trim().to_string()),
        "chromium": chromium,
        "cookiescan_commit": commit,
        "scanner": scanner().display().to_string(),
        "scan_args": std::env::var("BENCH_SCAN_ARGS").unwrap_or_default(),
    })
}

fn ratio(numerator: &Value, denominator: f64) -> Value {
    match numerator.as_f64() {
        Some(n) if denominator > 0.0 => json!(round(n / denominator)),
        _ => Value::Null,
    }
}

#[tokio::main]
async fn main() {
    let sizes = numbers("BENCH_SIZES", "60,500,5000");
    let curve = numbers("BENCH_CURVE", "1,2,4,8");
    let tabs = numbers("BENCH_TABS", &DEFAULT_CONCURRENCY.to_string())[0];
    let passes = list("BENCH_PASSES", "bare,before,three");
    let chrome = find_chrome(None).expect("a Chromium to benchmark with");
    let largest = sizes.iter().chain(&curve).copied().max().unwrap_or(60);
    let size = Arc::new(AtomicUsize::new(largest));
    let server = {
        let size = size.clone();
        SiteServer::start(
            &HOSTS,
            Arc::new(move |r: &SiteRequest| handle(r, size.load(Ordering::SeqCst))),
        )
        .await
        .expect("bench site starts")
    };
    let bench = Bench {
        server,
        chrome: chrome.clone(),
        work: tempfile::tempdir().expect("work dir"),
        runs: AtomicUsize::new(0),
    };
    let machine = machine(&chrome);
    println!("machine: {machine}");

    // The concurrency curve, on the smallest site.
    let mut curve_rows = Vec::new();
    if let Some(&small) = sizes.iter().min().filter(|_| !curve.is_empty()) {
        size.store(small, Ordering::SeqCst);
        println!("\nconcurrency curve, {small}-page site, before consent");
        println!("tabs  bare_pages_per_s  scan_pages_per_s  scan/bare");
        for &tabs in &curve {
            let (scan_figures, scan) = bench.scan(small, tabs, "before-consent");
            let bare = bench.bare_loop(&loaded_urls(&scan), tabs).await;
            let bare_rate = bare["pages_per_s"].as_f64().unwrap_or(0.0);
            let scan_rate = scan_figures["visits_per_s"].clone();
            println!(
                "{tabs:>4}  {bare_rate:>16.2}  {:>16.2}  {:>9}",
                scan_rate.as_f64().unwrap_or(0.0),
                ratio(&scan_rate, bare_rate)
            );
            curve_rows.push(json!({
                "tabs": tabs,
                "bare": bare,
                "before_consent": scan_figures,
                "ratio": ratio(&scan_rate, bare_rate),
            }));
        }
    }
    // The fewest tabs within 5% of the best scan throughput.
    let best = curve_rows
        .iter()
        .filter_map(|r| r["before_consent"]["visits_per_s"].as_f64())
        .fold(0.0, f64::max);
    let suggested = curve_rows
        .iter()
        .find(|r| r["before_consent"]["visits_per_s"].as_f64().unwrap_or(0.0) >= best * 0.95)
        .map(|r| r["tabs"].clone());
    if let Some(tabs) = &suggested {
        println!("fewest tabs within 5% of the best: {tabs}");
    }

    let mut size_rows = Vec::new();
    for &pages in &sizes {
        size.store(pages, Ordering::SeqCst);
        println!("\n{pages}-page site, {tabs} tabs");
        let mut row = json!({ "pages": pages, "tabs": tabs });
        let mut urls = None;
        if passes.iter().any(|p| p == "before") {
            let (figures, scan) = bench.scan(pages, tabs, "before-consent");
            println!("  (b) before consent: {figures}");
            urls = Some(loaded_urls(&scan));
            row["before_consent"] = figures;
        }
        if passes.iter().any(|p| p == "three") {
            let (figures, scan) = bench.scan(pages, tabs, "before-consent,accept,reject");
            println!("  (c) three modes:    {figures}");
            urls.get_or_insert_with(|| loaded_urls(&scan));
            row["three_modes"] = figures;
        }
        if passes.iter().any(|p| p == "bare") {
            let urls = urls.unwrap_or_else(|| {
                std::iter::once(format!("https://{SITE}/"))
                    .chain((1..pages).map(|i| format!("https://{SITE}/page/{i}")))
                    .collect()
            });
            let figures = bench.bare_loop(&urls, tabs).await;
            println!("  (a) bare loop:      {figures}");
            let bare_rate = figures["pages_per_s"].as_f64().unwrap_or(0.0);
            row["bare"] = figures;
            row["ratio_before_to_bare"] = ratio(&row["before_consent"]["visits_per_s"], bare_rate);
            // Three modes visit every page three times: against three bare loops.
            row["ratio_three_to_bare"] = ratio(&row["three_modes"]["visits_per_s"], bare_rate);
            println!(
                "  (b)/(a) = {}   (c)/(3×a) = {}",
                row["ratio_before_to_bare"], row["ratio_three_to_bare"]
            );
        }
        size_rows.push(row);
    }

    let figures = json!({
        "benchmark": "crawl",
        "finished_at": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "machine": machine,
        "curve": curve_rows,
        "suggested_tabs": suggested,
        "sizes": size_rows,
    });
    let unix = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let output = std::env::var_os("BENCH_OUTPUT").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("target/bench/crawl-{unix}.json"))
        },
        PathBuf::from,
    );
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent).expect("output directory");
    }
    let text = serde_json::to_string_pretty(&figures).expect("figures serialise");
    std::fs::write(&output, text + "\n").expect("figures written");
    println!("\nfigures: {}", output.display());
    bench.server.shutdown().await;
}
