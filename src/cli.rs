//! Command-line front end: arguments are validated into `ScanSettings` once, before any work;
//! `run` maps outcomes to documented exit codes.

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::classify::Classifier;
use crate::config::{SiteConfig, default_config_path};
use crate::consent::ConsentTiming;
use crate::consent::rules::builtin_rules;
use crate::discover::{Limits, ScopeMode, ScopeRules};
use crate::model::Mode;
use crate::progress::Progress;
use crate::report::policy::{self, TableSettings};
use crate::report::{
    self, findings::findings, inventory::write_inventory, summary::render_summary,
};
use crate::scan::{ScanSettings, run_scan};
use crate::visit::{BrowserOptions, BrowserSource, VisitTiming, find_chrome};

/// Exit code: the scan ran and nothing is wrong.
pub const EXIT_OK: u8 = 0;
/// Exit code: `--fail-on-violations` and a cookie was set before consent or survived "reject all".
pub const EXIT_VIOLATIONS: u8 = 1;
/// Exit code: the scan or report could not run (bad input, no browser, unreadable file).
pub const EXIT_ERROR: u8 = 2;
/// Exit code: the scan was interrupted; the partial scan was written.
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, Parser)]
#[command(
    name = "cookiescan",
    version,
    about = "Crawl a website in headless Chromium and inventory every cookie it sets, with evidence"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl a site and record every cookie it sets
    Scan(Box<ScanArgs>),
    /// Serve the built-in demo site on loopback and scan it (no network needed)
    Demo(DemoArgs),
    /// Render a scan JSON in another format
    Report(ReportArgs),
    /// Manage the local copy of the Open Cookie Database
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download the current Open Cookie Database CSV into the cache directory
    Update(DbUpdateArgs),
}

#[derive(Debug, Args)]
pub struct DbUpdateArgs {
    /// Where to download it from
    #[arg(long, default_value = crate::classify::database::DEFAULT_URL)]
    pub url: String,
    /// Where to keep it (default: $XDG_CACHE_HOME or ~/.cache, then cookiescan/open-cookie-database.csv)
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    #[command(flatten)]
    pub browser: BrowserArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The page to start from, e.g. https://www.example.com/
    pub url: String,
    #[command(flatten)]
    pub options: ScanOptions,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Exit with 1 when the demo site breaks consent rules (it does, on purpose)
    #[arg(long)]
    pub fail_on_violations: bool,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the scan JSON here instead of scans/<host>/<UTC timestamp>.json
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory for scans written to their default place
    #[arg(long, value_name = "DIR", default_value = "scans")]
    pub scans_dir: PathBuf,
    /// Print no progress bar and no summary
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BrowserArgs {
    /// Chromium/Chrome executable (default: $CHROME, then chromium, chromium-browser,
    /// google-chrome, google-chrome-stable on PATH)
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Use an already running browser (its DevTools WebSocket URL) instead of launching one
    #[arg(long, value_name = "URL", conflicts_with = "chrome")]
    pub browser_ws: Option<String>,
    /// Pass a flag to Chromium, e.g. --chrome-arg=--host-resolver-rules="MAP www.example.com 10.0.0.5" (repeatable)
    #[arg(long = "chrome-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub chrome_args: Vec<String>,
    /// Accept invalid TLS certificates (staging sites)
    #[arg(long)]
    pub insecure: bool,
    /// Tabs visiting pages at once
    #[arg(long, value_name = "N", default_value = "4")]
    pub concurrency: NonZeroUsize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// Every host of the start URL's registrable domain (shop.example.com with www.example.com)
    Site,
    /// Only the start URL's host
    Host,
}

#[derive(Debug, Args)]
pub struct ScanOptions {
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Which hosts belong to the scan
    #[arg(long, value_enum, default_value = "site")]
    pub scope: ScopeArg,
    /// Only visit pages whose path starts with this prefix
    #[arg(long, value_name = "PATH")]
    pub path_prefix: Option<String>,
    /// Only visit URLs matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub include: Vec<String>,
    /// Never visit URLs matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<String>,
    /// Visit pages robots.txt disallows (for your own site)
    #[arg(long)]
    pub ignore_robots: bool,
    /// Do not read sitemaps
    #[arg(long)]
    pub no_sitemaps: bool,
    /// Most pages to visit
    #[arg(long, value_name = "N", default_value = "200")]
    pub max_pages: usize,
    /// Most link hops from the start page
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Most URLs differing only in query string per path (against infinite calendars)
    #[arg(long, value_name = "N", default_value = "10")]
    pub max_query_variants: usize,
    /// Longest a page may take to load
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub page_timeout: Duration,
    /// Network silence after load that counts as settled
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    pub settle: Duration,
    /// Longest wait for the network to settle after load
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub settle_max: Duration,
    /// Store cookie values in the scan (they can be session secrets; by default only a hash and length)
    #[arg(long)]
    pub keep_values: bool,
    #[command(flatten)]
    pub consent: ConsentArgs,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    /// Consent modes to scan, comma-separated, in order (the first discovers the pages)
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "before-consent,accept,reject"
    )]
    pub modes: Vec<ModeArg>,
    /// Exit with 1 when a cookie other than the consent platform's own is set before consent or survives "reject all"
    #[arg(long)]
    pub fail_on_violations: bool,
    /// How long to look for a late cookie banner on the first page of the accept and reject passes
    #[arg(long, value_name = "DURATION", default_value = "6s", value_parser = parse_duration)]
    pub banner_wait: Duration,
    /// The site's scan config (consent rules, preset consent cookies); default <scans dir>/<host>.toml when it exists
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// The banner is never answered
    BeforeConsent,
    /// "Accept all"
    Accept,
    /// "Reject all"
    Reject,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::BeforeConsent => Mode::BeforeConsent,
            ModeArg::Accept => Mode::Accept,
            ModeArg::Reject => Mode::Reject,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// CSV, one row per cookie
    Inventory,
    /// The plain-text summary
    Summary,
    /// The cookie-policy table as GitHub-flavoured Markdown
    Md,
    /// The cookie-policy table as a standalone HTML page
    Html,
    /// The cookie-policy table as CSV
    Csv,
    /// The cookie-policy table as JSON
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TablePreset {
    /// Service provider's name | Function and location | Cookie name(s) | Purposes
    Default,
    /// Name | Provider | Purpose | Expiry | Type
    Cookiebot,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A scan JSON written by `cookiescan scan`
    pub scan: PathBuf,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "inventory")]
    pub format: ReportFormat,
    /// Write here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The site's config (annotations, table layout); default: the scans directory's <host>.toml when it exists
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An Open Cookie Database CSV to classify cookies our knowledge base does not know (default: the copy `cookiescan db update` keeps, if any)
    #[arg(long, value_name = "PATH")]
    pub cookie_db: Option<PathBuf>,
    /// Table column preset (overrides the config's columns)
    #[arg(long, value_enum)]
    pub preset: Option<TablePreset>,
    /// Language of the table's labels (overrides the config)
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Fr,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 30s, 500ms, 2m)"))?;
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(duration)
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return fail(anyhow::Error::new(error).context("cannot start the async runtime"));
        }
    };
    let result = runtime.block_on(run(cli));
    // Do not wait for stray tasks (a wedged CDP call) at exit.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => fail(error),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COOKIESCAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn fail(error: anyhow::Error) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {error:#}");
    ExitCode::from(EXIT_ERROR)
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => {
            let settings = scan_settings(&args.url, &args.options)?;
            scan_and_save(
                settings,
                &args.options.output,
                args.options.consent.fail_on_violations,
            )
            .await
        }
        Command::Demo(args) => run_demo(&args).await,
        Command::Db(DbCommand::Update(args)) => {
            let url = parse_start_url(&args.url).context("--url")?;
            let dest = match args
                .to
                .clone()
                .or_else(crate::classify::database::default_path)
            {
                Some(dest) => dest,
                None => bail!(
                    "no cache directory (neither XDG_CACHE_HOME nor HOME is set): pass --to FILE"
                ),
            };
            let options = browser_options(&args.browser, Vec::new(), false)?;
            let entries = crate::classify::database::update(&url, &dest, &options).await?;
            let _ = writeln!(
                std::io::stdout().lock(),
                "Saved the Open Cookie Database ({entries} entries) to {}",
                dest.display()
            );
            Ok(EXIT_OK)
        }
        Command::Report(args) => {
            let scan = report::load_scan(&args.scan)?;
            let config = match &args.config {
                Some(path) => SiteConfig::load(path, true)?,
                // Scans live in <scans>/<host>/<time>.json, the config in <scans>/<host>.toml.
                None => match args.scan.parent().and_then(Path::parent) {
                    Some(scans) => {
                        SiteConfig::load(&default_config_path(scans, &scan.site.host), false)?
                    }
                    None => SiteConfig::default(),
                },
            };
            let classifier = classifier_for(&scan, &config, args.cookie_db.as_deref())?;
            let mut table_settings = config.table.clone();
            match args.preset {
                Some(TablePreset::Cookiebot) => {
                    table_settings.columns = policy::cookiebot_columns()
                }
                Some(TablePreset::Default) => {
                    table_settings.columns = TableSettings::default().columns
                }
                None => {}
            }
            match args.lang {
                Some(LangArg::En) => table_settings.language = policy::Language::En,
                Some(LangArg::Fr) => table_settings.language = policy::Language::Fr,
                None => {}
            }
            let table = policy::build(&scan, &classifier, &table_settings);
            let mut out: Box<dyn Write> = match &args.output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let written = match args.format {
                ReportFormat::Inventory => {
                    write_inventory(&scan, &classifier, &mut out).map_err(anyhow::Error::from)
                }
                ReportFormat::Md => out
                    .write_all(policy::render_markdown(&table, &table_settings).as_bytes())
                    .map_err(anyhow::Error::from),
                ReportFormat::Html => out
                    .write_all(policy::render_html(&table, &scan, &table_settings).as_bytes())
                    .map_err(anyhow::Error::from),
                ReportFormat::Csv => policy::write_csv(&table, &table_settings, &mut out)
                    .map_err(anyhow::Error::from),
                ReportFormat::Json => serde_json::to_writer_pretty(&mut out, &table)
                    .map_err(anyhow::Error::from)
                    .and_then(|()| out.write_all(b"\n").map_err(anyhow::Error::from)),
                ReportFormat::Summary => out
                    .write_all(render_summary(&scan, &classifier).as_bytes())
                    .map_err(anyhow::Error::from),
            };
            match written.and_then(|()| out.flush().map_err(anyhow::Error::from)) {
                Ok(()) => Ok(EXIT_OK),
                // A closed pipe (`| head`) is not an error.
                Err(error) if is_broken_pipe(&error) => Ok(EXIT_OK),
                Err(error) => Err(error),
            }
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
    })
}

/// The classifier for a scan: the site config's annotations and operator, the built-in
/// knowledge base, and an Open Cookie Database (`cookie_db`, else the cached copy, if any).
pub fn classifier_for(
    scan: &crate::model::Scan,
    config: &SiteConfig,
    cookie_db: Option<&Path>,
) -> anyhow::Result<Classifier> {
    let cached = crate::classify::database::default_path().filter(|p| p.is_file());
    let ocd = match cookie_db.or(cached.as_deref()) {
        Some(path) => Some(crate::classify::ocd::load(path)?),
        None => None,
    };
    let site = &scan.site.registrable_domain;
    Ok(Classifier::new(
        site,
        config.site.operator.as_deref().unwrap_or(site),
        config.cookies.clone(),
        crate::classify::knowledge::builtin(),
        ocd,
    ))
}

/// Browser options shared by `scan` and `demo`.
pub fn browser_options(
    args: &BrowserArgs,
    extra_args: Vec<String>,
    insecure: bool,
) -> anyhow::Result<BrowserOptions> {
    let source = match &args.browser_ws {
        Some(url) => {
            if !(url.starts_with("ws://")
                || url.starts_with("wss://")
                || url.starts_with("http://"))
            {
                bail!(
                    "--browser-ws must be a ws:// (or http://host:port) DevTools address, got {url:?}"
                );
            }
            BrowserSource::Connect(url.clone())
        }
        None => BrowserSource::Launch(find_chrome(args.chrome.as_deref())?),
    };
    let mut chrome_args = args.chrome_args.clone();
    chrome_args.extend(extra_args);
    for arg in &chrome_args {
        if !arg.starts_with("--") {
            bail!(
                "--chrome-arg takes Chromium flags such as --proxy-server=host:port, got {arg:?}"
            );
        }
    }
    Ok(BrowserOptions {
        source,
        extra_args: chrome_args,
        insecure: insecure || args.insecure,
        command_timeout: Duration::from_secs(30),
    })
}

/// Validates the command line into settings; every mistake is reported before any work.
pub fn scan_settings(url: &str, options: &ScanOptions) -> anyhow::Result<ScanSettings> {
    let start_url = parse_start_url(url)?;
    let compile = |patterns: &[String], flag: &str| -> anyhow::Result<Vec<regex::Regex>> {
        patterns
            .iter()
            .map(|p| regex::Regex::new(p).with_context(|| format!("invalid {flag} pattern {p:?}")))
            .collect()
    };
    if let Some(prefix) = &options.path_prefix
        && !prefix.starts_with('/')
    {
        bail!("--path-prefix must start with '/', got {prefix:?}");
    }
    if options.max_pages == 0 {
        bail!("--max-pages must be at least 1");
    }
    let site_config = match &options.consent.config {
        Some(path) => SiteConfig::load(path, true)?,
        None => SiteConfig::load(
            &default_config_path(
                &options.output.scans_dir,
                start_url.host_str().unwrap_or_default(),
            ),
            false,
        )?,
    };
    Ok(ScanSettings {
        start_url,
        scope: ScopeRules {
            mode: match options.scope {
                ScopeArg::Site => ScopeMode::Site,
                ScopeArg::Host => ScopeMode::Host,
            },
            path_prefix: options.path_prefix.clone(),
            include: compile(&options.include, "--include")?,
            exclude: compile(&options.exclude, "--exclude")?,
        },
        limits: Limits {
            max_pages: options.max_pages,
            max_depth: options.max_depth,
            max_query_variants: options.max_query_variants,
        },
        obey_robots: !options.ignore_robots,
        use_sitemaps: !options.no_sitemaps,
        concurrency: options.browser.concurrency,
        timing: VisitTiming {
            page_timeout: options.page_timeout,
            settle_quiet: options.settle,
            settle_max: options.settle_max,
        },
        keep_values: options.keep_values,
        browser: browser_options(&options.browser, Vec::new(), false)?,
        modes: {
            let mut modes: Vec<Mode> = Vec::new();
            for mode in &options.consent.modes {
                let mode = Mode::from(*mode);
                if modes.contains(&mode) {
                    bail!("--modes names {} twice", mode.as_str());
                }
                modes.push(mode);
            }
            modes
        },
        consent_rules: site_config.consent_rules(builtin_rules()),
        site_config,
        consent_timing: ConsentTiming {
            find_banner: options.consent.banner_wait,
            ..ConsentTiming::default()
        },
        artifacts_dir: None,
    })
}

/// Accepts `https://host/…`, `http://…`, and a bare `host/path` (taken as https).
pub fn parse_start_url(text: &str) -> anyhow::Result<Url> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).with_context(|| format!("{text:?} is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("{text:?} is not an http(s) URL");
    }
    if url.host_str().is_none_or(str::is_empty) {
        bail!("{text:?} has no host");
    }
    Ok(url)
}

/// Runs a scan with progress, writes the JSON and prints the summary.
pub async fn scan_and_save(
    mut settings: ScanSettings,
    output: &OutputArgs,
    fail_on_violations: bool,
) -> anyhow::Result<u8> {
    // Decided before the scan so that screenshots can be written beside the JSON as it runs.
    let path = match &output.output {
        Some(path) => path.clone(),
        None => report::default_scan_path(
            &output.scans_dir,
            settings.start_url.host_str().unwrap_or("site"),
            &humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        ),
    };
    settings.artifacts_dir = Some(report::artifacts_dir(&path));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop.send(true);
        }
    });
    let progress = Progress::new(output.quiet);
    let scan = run_scan(&settings, progress.observer(), stopped).await?;
    progress.finish();
    let classifier = classifier_for(&scan, &settings.site_config, None)?;
    report::save_scan(&scan, &path)?;
    if !output.quiet {
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "{}", render_summary(&scan, &classifier));
        let _ = writeln!(stdout, "Scan written to {}", path.display());
    }
    if !scan.complete {
        return Ok(EXIT_INTERRUPTED);
    }
    let loaded = scan
        .modes
        .iter()
        .flat_map(|run| &run.pages)
        .any(|page| page.outcome == crate::model::PageOutcome::Ok);
    if !loaded {
        let reason = scan
            .modes
            .iter()
            .flat_map(|run| &run.pages)
            .find_map(|page| page.error.clone().map(|e| format!("{}: {e}", page.url)))
            .unwrap_or_else(|| "no page was visited".into());
        bail!(
            "no page of the site could be loaded ({}); the scan was still written to {}",
            crate::report::summary::clean(&reason),
            path.display()
        );
    }
    if fail_on_violations && !findings(&scan, &settings.consent_rules, &classifier).is_empty() {
        return Ok(EXIT_VIOLATIONS);
    }
    Ok(EXIT_OK)
}

/// Serves the demo site on loopback and scans it with default settings.
async fn run_demo(args: &DemoArgs) -> anyhow::Result<u8> {
    let (hostnames, handler) = crate::demo::demo_site();
    let server = crate::site::SiteServer::start(&hostnames, handler)
        .await
        .context("cannot start the demo site on loopback")?;
    // The demo hosts exist only inside this browser: map them to the local server.
    let rules = format!("--host-resolver-rules={}", server.host_resolver_rules());
    let options = ScanOptions {
        browser: BrowserArgs {
            chrome: args.browser.chrome.clone(),
            browser_ws: args.browser.browser_ws.clone(),
            chrome_args: args.browser.chrome_args.clone(),
            insecure: true,
            concurrency: args.browser.concurrency,
        },
        output: OutputArgs {
            output: args.output.output.clone(),
            scans_dir: args.output.scans_dir.clone(),
            quiet: args.output.quiet,
        },
        scope: ScopeArg::Site,
        path_prefix: None,
        include: Vec::new(),
        exclude: Vec::new(),
        ignore_robots: false,
        no_sitemaps: false,
        max_pages: 200,
        max_depth: None,
        max_query_variants: 10,
        page_timeout: Duration::from_secs(30),
        settle: Duration::from_millis(500),
        settle_max: Duration::from_secs(5),
        keep_values: false,
        consent: ConsentArgs {
            modes: vec![ModeArg::BeforeConsent, ModeArg::Accept, ModeArg::Reject],
            fail_on_violations: args.fail_on_violations,
            banner_wait: Duration::from_secs(6),
            config: None,
        },
    };
    // The demo's operator notes, where `report` will look for them (kept if already there).
    let config = default_config_path(&options.output.scans_dir, "www.demo-shop.test");
    if !config.exists() {
        std::fs::create_dir_all(&options.output.scans_dir)
            .and_then(|()| std::fs::write(&config, crate::demo::DEMO_CONFIG))
            .with_context(|| format!("cannot write {}", config.display()))?;
    }
    let mut settings = scan_settings(crate::demo::DEMO_START_URL, &options)?;
    settings.browser.extra_args.push(rules);
    let code = scan_and_save(settings, &options.output, args.fail_on_violations).await;
    server.shutdown().await;
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_urls() {
        assert_eq!(
            parse_start_url("example.com").unwrap().as_str(),
            "https://example.com/"
        );
        assert!(parse_start_url("ftp://example.com").is_err());
        assert!(parse_start_url("http://").is_err());
        assert!(parse_start_url("https://exa mple.com").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
