//! Command-line front end: arguments (then the site config, then defaults) are validated into
//! `ScanSettings` once, before any work; `run` maps outcomes to documented exit codes.

mod compare;
mod progress;
mod scan;

use std::collections::BTreeSet;
use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::browser::{BrowserOptions, BrowserSource, find_chrome};
use crate::classify::Classifier;
use crate::config::{SiteConfig, default_config_path};
use crate::consent::rules::builtin_rules;
use crate::diff::ChangeKind;
use crate::model::{self, Mode};
use crate::report;
use crate::report::policy::{self, TableSettings};

/// Exit code: the scan ran and nothing is wrong.
pub const EXIT_OK: u8 = 0;
/// Exit code: a check the user asked for failed: `--fail-on-violations` (a cookie set before
/// consent or surviving "reject all"), `--fail-on` (a listed kind of change since the previous
/// scan) or `--fail-on-drift` (the scan contradicts the published policy).
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
    /// Crawl a site and record every cookie it sets; diff against its previous scan
    Scan(Box<ScanArgs>),
    /// Compare two scans of a site: cookies added, removed and changed, per consent mode
    Diff(compare::DiffArgs),
    /// Compare a scan with the cookie table the site publishes
    Check(compare::CheckArgs),
    /// List the stored scans of a site with counts per category and mode
    History(compare::HistoryArgs),
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
    /// The page to start from, e.g. https://www.example.com/ (default: the config's [scan] url)
    pub url: Option<String>,
    /// Scan every site configured in the scans directory (<scans dir>/*.toml), one after the
    /// other; one site failing does not stop the others
    #[arg(long, conflicts_with_all = ["url", "config", "output", "baseline"])]
    pub all: bool,
    #[command(flatten)]
    pub options: ScanOptions,
}

/// What happens around a scan when it is stored in the site's history.
#[derive(Debug, Args, Default)]
pub struct AfterScanArgs {
    /// Exit with 1 when the diff against the previous scan has any of these kinds of change
    /// (comma-separated: added, before-consent, survives-reject, lifetime-longer,
    /// category-changed, …; `regressions` or `any`); default: the config's [scan] fail_on
    #[arg(long, value_name = "KINDS", value_parser = crate::diff::parse_kinds)]
    pub fail_on: Option<BTreeSet<ChangeKind>>,
    /// Keep only the N newest scans of the site, deleting older ones and their screenshots
    #[arg(long, value_name = "N")]
    pub retain: Option<NonZeroUsize>,
    /// Also write the diff against the previous scan to FILE (`.md` Markdown, `.json` JSON,
    /// else text); with --all a directory, one `<site config name>.md` per site
    #[arg(long, value_name = "FILE")]
    pub diff_output: Option<PathBuf>,
    /// Diff against this scan (or the newest in this directory), e.g. the production scan
    /// committed to the repository, instead of the site's previous scan
    #[arg(long, value_name = "SCAN")]
    pub baseline: Option<PathBuf>,
    /// Check the scan against the cookie table the site publishes (a file, or its https://
    /// page); default: the config's [check] policy
    #[arg(long, value_name = "FILE|URL")]
    pub policy: Option<String>,
    /// Exit with 1 when the scan contradicts the published policy
    #[arg(long)]
    pub fail_on_drift: bool,
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
    #[command(flatten)]
    pub after: AfterScanArgs,
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
    /// Tabs visiting pages at once [default: 4]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<NonZeroUsize>,
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
    #[command(flatten)]
    pub after: AfterScanArgs,
    /// Which hosts belong to the scan [default: site]
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
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
    /// Most pages to visit [default: 200]
    #[arg(long, value_name = "N")]
    pub max_pages: Option<usize>,
    /// Most link hops from the start page
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Most URLs differing only in query string per path (against infinite calendars) [default: 10]
    #[arg(long, value_name = "N")]
    pub max_query_variants: Option<usize>,
    /// Longest a page may take to load [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub page_timeout: Option<Duration>,
    /// Network silence after load that counts as settled [default: 500ms]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub settle: Option<Duration>,
    /// Longest wait for the network to settle after load [default: 5s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub settle_max: Option<Duration>,
    /// Store cookie values in the scan (they can be session secrets; by default only a hash and length)
    #[arg(long)]
    pub keep_values: bool,
    #[command(flatten)]
    pub consent: ConsentArgs,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    /// Consent modes to scan, comma-separated, in order (the first discovers the pages)
    /// [default: before-consent,accept,reject]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub modes: Option<Vec<ModeArg>>,
    /// Exit with 1 when a cookie other than the consent platform's own is set before consent or survives "reject all"
    #[arg(long)]
    pub fail_on_violations: bool,
    /// How long to look for a late cookie banner on the first page of the accept and reject
    /// passes [default: 6s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub banner_wait: Option<Duration>,
    /// The site's config (start URL, scan settings, consent rules, annotations, fail-on policy);
    /// default <scans dir>/<host>.toml when it exists
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

impl ReportFormat {
    fn as_format(self) -> report::Format {
        match self {
            ReportFormat::Inventory => report::Format::Inventory,
            ReportFormat::Summary => report::Format::Summary,
            ReportFormat::Md => report::Format::Markdown,
            ReportFormat::Html => report::Format::Html,
            ReportFormat::Csv => report::Format::Csv,
            ReportFormat::Json => report::Format::Json,
        }
    }
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
    /// A scan JSON written by `cookiescan scan`, or a site's directory of scans (its newest)
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
        Command::Scan(args) if args.all => scan::scan_all(&args.options).await,
        Command::Scan(args) => scan::scan_one(args.url.as_deref(), &args.options).await,
        Command::Demo(args) => scan::run_demo(&args).await,
        Command::Diff(args) => compare::diff(&args),
        Command::Check(args) => compare::check(&args).await,
        Command::History(args) => compare::history(&args),
        Command::Db(DbCommand::Update(args)) => db_update(&args).await,
        Command::Report(args) => report(&args),
    }
}

/// `cookiescan db update`.
async fn db_update(args: &DbUpdateArgs) -> anyhow::Result<u8> {
    let url = parse_start_url(&args.url).context("--url")?;
    let dest = match args
        .to
        .clone()
        .or_else(crate::classify::database::default_path)
    {
        Some(dest) => dest,
        None => {
            bail!("no cache directory (neither XDG_CACHE_HOME nor HOME is set): pass --to FILE")
        }
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

/// `cookiescan report`.
fn report(args: &ReportArgs) -> anyhow::Result<u8> {
    let scan_path = crate::history::resolve(&args.scan)?;
    let scan = model::load_scan(&scan_path)?;
    let config = config_for_scan(&scan_path, &scan, args.config.as_deref())?;
    let classifier = classifier_for(&scan, &config, args.cookie_db.as_deref())?;
    let mut table_settings = config.table.clone();
    match args.preset {
        Some(TablePreset::Cookiebot) => table_settings.columns = policy::cookiebot_columns(),
        Some(TablePreset::Default) => table_settings.columns = TableSettings::default().columns,
        None => {}
    }
    match args.lang {
        Some(LangArg::En) => table_settings.language = policy::Language::En,
        Some(LangArg::Fr) => table_settings.language = policy::Language::Fr,
        None => {}
    }
    let rules = config.consent_rules(builtin_rules());
    let input = report::ReportInput {
        scan: &scan,
        classifier: &classifier,
        rules: &rules,
        table: &table_settings,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let written = args
        .format
        .as_format()
        .renderer()
        .render(&input, &mut out)
        .map_err(anyhow::Error::from);
    match written.and_then(|()| out.flush().map_err(anyhow::Error::from)) {
        Ok(()) => Ok(EXIT_OK),
        // A closed pipe (`| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => Ok(EXIT_OK),
        Err(error) => Err(error),
    }
}

/// Whether text on standard output may be coloured: it is a terminal and `NO_COLOR` is unset.
fn stdout_wants_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
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

/// The site config that goes with a stored scan: `explicit` when given, else the one beside the
/// site's history (scans live in `<scans>/<host>/<time>.json`, the config in
/// `<scans>/<host>.toml`), else none.
pub fn config_for_scan(
    scan_path: &Path,
    scan: &crate::model::Scan,
    explicit: Option<&Path>,
) -> anyhow::Result<SiteConfig> {
    Ok(match explicit {
        Some(path) => SiteConfig::load(path, true)?,
        None => match scan_path.parent().and_then(Path::parent) {
            Some(scans) => SiteConfig::load(&default_config_path(scans, &scan.site.host), false)?,
            None => SiteConfig::default(),
        },
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
