//! Command-line front end: arguments (then the site config, then defaults) are validated into
//! `ScanSettings` once, before any work; `run` maps outcomes to documented exit codes.

mod compare;
mod progress;
mod scan;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::browser::{BrowserOptions, BrowserSource, find_chrome};
use crate::classify::Classifier;
use crate::config::{ScanSection, SiteConfig, default_config_path};
use crate::consent::rules::builtin_rules;
use crate::model::{self};
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
    Demo(Box<DemoArgs>),
    /// Render a scan JSON in another format
    Report(ReportArgs),
    /// Write the categories a scan inferred as `[[cookie]]` notes into the site config, for
    /// review: confirmed, they become facts
    Annotate(AnnotateArgs),
    /// Manage the local copy of the Open Cookie Database
    #[command(subcommand)]
    Db(DbCommand),
    /// Manage the second consent engine, DuckDuckGo's autoconsent
    #[command(subcommand)]
    Consent(ConsentCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Download the pinned autoconsent release (checksum verified) into the cache directory
    Update(ConsentUpdateArgs),
}

#[derive(Debug, Args)]
pub struct ConsentUpdateArgs {
    /// Where to download the npm tarball from (a mirror of the registry; its sha512 must still
    /// match the pinned release)
    #[arg(long, default_value = crate::consent::autoconsent::TARBALL_URL)]
    pub url: String,
    /// Where to install it (default: $XDG_CACHE_HOME or ~/.cache, then cookiescan/autoconsent/<version>)
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    #[command(flatten)]
    pub browser: BrowserArgs,
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
    /// The site's config (start URL, scan settings, consent rules, annotations, fail-on policy);
    /// default <scans dir>/<host>.toml when it exists
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Continue the interrupted scan FILE where it stopped (give the options it was started
    /// with): the pages it visited are not visited again, and FILE becomes the whole scan
    #[arg(long, value_name = "FILE", conflicts_with_all = ["all", "output"])]
    pub resume: Option<PathBuf>,
    #[command(flatten)]
    pub options: ScanOptions,
}

/// What happens around a scan when it is stored in the site's history (the site config's
/// `[check]` section gives the same for the policy).
#[derive(Debug, Args, Default)]
pub struct AfterScanArgs {
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

/// `demo` takes what `scan` takes but the URL and the config: it scans its own site.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub options: ScanOptions,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the scan JSON here instead of scans/<site>/<UTC timestamp>.json (the site: its
    /// config's name, else the start host)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory for scans written to their default place
    #[arg(long, value_name = "DIR", default_value = "scans")]
    pub scans_dir: PathBuf,
    /// Print no progress bar and no summary
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Which browser: launched from a path, or already running. Machine-specific, so the command
/// line's alone.
#[derive(Debug, Args, Clone, Default)]
pub struct BrowserSourceArgs {
    /// Chromium/Chrome executable (default: $CHROME, then chromium, chromium-browser,
    /// google-chrome, google-chrome-stable on PATH)
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Use an already running browser (its DevTools WebSocket URL) instead of launching one
    #[arg(long, value_name = "URL", conflicts_with = "chrome")]
    pub browser_ws: Option<String>,
}

/// The browser of the commands that only read a page (`check`, `db update`).
#[derive(Debug, Args)]
pub struct BrowserArgs {
    #[command(flatten)]
    pub source: BrowserSourceArgs,
    /// Pass a flag to Chromium, e.g. --chrome-arg=--host-resolver-rules="MAP www.example.com 10.0.0.5" (repeatable)
    #[arg(long = "chrome-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub chrome_args: Vec<String>,
    /// Accept invalid TLS certificates (staging sites)
    #[arg(long)]
    pub insecure: bool,
}

/// Everything `scan` and `demo` take besides what to scan: the settings (the same shape as a
/// site config's `[scan]`), the browser, where the scan goes and what follows it.
#[derive(Debug, Args)]
pub struct ScanOptions {
    #[command(flatten)]
    pub browser: BrowserSourceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub after: AfterScanArgs,
    #[command(flatten)]
    pub settings: ScanSection,
    /// autoconsent to drive, installed elsewhere than the cache (a `consent update --to` or an
    /// npm install of @duckduckgo/autoconsent); never downloaded when given
    #[arg(long, value_name = "DIR", env = "COOKIESCAN_AUTOCONSENT")]
    pub autoconsent: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
    /// The audit report: one self-contained HTML file with the findings, their evidence, the
    /// cookie × mode matrix, every cookie's setters and pages, and the consent screenshots
    Audit,
}

impl ReportFormat {
    /// The formats a file with this extension holds; the first is the one chosen for it.
    fn for_extension(extension: &str) -> &'static [ReportFormat] {
        match extension.to_ascii_lowercase().as_str() {
            "csv" => &[ReportFormat::Inventory, ReportFormat::Csv],
            "md" | "markdown" => &[ReportFormat::Md],
            "html" | "htm" => &[ReportFormat::Html, ReportFormat::Audit],
            "json" => &[ReportFormat::Json],
            "txt" | "text" => &[ReportFormat::Summary],
            _ => &[],
        }
    }

    fn as_format(self) -> report::Format {
        match self {
            ReportFormat::Inventory => report::Format::Inventory,
            ReportFormat::Summary => report::Format::Summary,
            ReportFormat::Md => report::Format::Markdown,
            ReportFormat::Html => report::Format::Html,
            ReportFormat::Csv => report::Format::Csv,
            ReportFormat::Json => report::Format::Json,
            ReportFormat::Audit => report::Format::Audit,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TablePreset {
    /// Service provider's name | Function and location | Cookie name(s) | Purposes | Duration
    Default,
    /// The four columns of the classic policy table: the default without Duration
    Classic,
    /// Name | Provider | Purpose | Expiry | Type
    Cookiebot,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A scan JSON written by `cookiescan scan`, or a site's directory of scans (its newest)
    pub scan: PathBuf,
    /// Output format [default: the one the -o file's extension names (.csv the inventory, .md,
    /// .html, .json, .txt the summary), else inventory]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<ReportFormat>,
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
    /// With --format html: the table alone, a <section> without page or styles, to paste into
    /// a policy page or a CMS
    #[arg(long)]
    pub fragment: bool,
}

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// A scan JSON written by `cookiescan scan`, or a site's directory of scans (its newest)
    pub scan: PathBuf,
    /// The site config to add the notes to; default: the scans directory's <host>.toml
    /// (created when absent)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the notes instead of writing them
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Fr,
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
        Command::Scan(args) => {
            scan::scan_one(
                args.url.as_deref(),
                args.config.as_deref(),
                args.resume.as_deref(),
                &args.options,
            )
            .await
        }
        Command::Demo(args) => scan::run_demo(&args).await,
        Command::Diff(args) => compare::diff(&args),
        Command::Check(args) => compare::check(&args).await,
        Command::History(args) => compare::history(&args),
        Command::Db(DbCommand::Update(args)) => db_update(&args).await,
        Command::Consent(ConsentCommand::Update(args)) => consent_update(&args).await,
        Command::Report(args) => report(&args),
        Command::Annotate(args) => annotate(&args),
    }
}

/// `cookiescan consent update`.
async fn consent_update(args: &ConsentUpdateArgs) -> anyhow::Result<u8> {
    let url = parse_start_url(&args.url).context("--url")?;
    let Some(dest) = args
        .to
        .clone()
        .or_else(crate::consent::autoconsent::default_dir)
    else {
        bail!("no cache directory (neither XDG_CACHE_HOME nor HOME is set): pass --to DIR")
    };
    let options = browser_options(
        &args.browser.source,
        args.browser.chrome_args.clone(),
        args.browser.insecure,
    )?;
    let engine = crate::consent::autoconsent::update(&url, &dest, &options).await?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "Installed autoconsent {} ({} rules, MPL-2.0: see LICENSE there) in {}",
        engine.version,
        engine.rule_count(),
        dest.display()
    );
    Ok(EXIT_OK)
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
    let options = browser_options(
        &args.browser.source,
        args.browser.chrome_args.clone(),
        args.browser.insecure,
    )?;
    let entries = crate::classify::database::update(&url, &dest, &options).await?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "Saved the Open Cookie Database ({entries} entries) to {}",
        dest.display()
    );
    Ok(EXIT_OK)
}

/// A diff as the audit report lists it.
fn audit_changes(diff: &crate::diff::ScanDiff) -> report::audit::Changes {
    report::audit::Changes {
        previous: diff.old.started_at.clone(),
        rows: diff
            .changes
            .iter()
            .map(|c| report::audit::ChangeRow {
                kind: c.kind.title().to_string(),
                regression: c.kind.is_regression(),
                what: c
                    .cookie
                    .as_ref()
                    .map(|k| k.to_string())
                    .or_else(|| c.subject.clone())
                    .unwrap_or_default(),
                modes: c
                    .modes
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                before: c.before.clone().unwrap_or_default(),
                after: c.after.clone().unwrap_or_default(),
                evidence: c.evidence.clone(),
            })
            .collect(),
    }
}

/// `cookiescan report`.
fn report(args: &ReportArgs) -> anyhow::Result<u8> {
    let format = output_format(
        args.format,
        args.output.as_deref(),
        ReportFormat::for_extension,
        ReportFormat::Inventory,
    )?;
    let scan_path = crate::history::resolve(&args.scan)?;
    let scan = model::load_scan(&scan_path)?;
    let config = config_for_scan(&scan_path, &scan, args.config.as_deref())?;
    let classifier = classifier_for(&scan, &config, args.cookie_db.as_deref())?;
    let mut table_settings = config.table.clone();
    match args.preset {
        Some(TablePreset::Cookiebot) => table_settings.columns = policy::cookiebot_columns(),
        Some(TablePreset::Default) => table_settings.columns = TableSettings::default().columns,
        Some(TablePreset::Classic) => table_settings.columns = policy::classic_columns(),
        None => {}
    }
    match args.lang {
        Some(LangArg::En) => table_settings.language = policy::Language::En,
        Some(LangArg::Fr) => table_settings.language = policy::Language::Fr,
        None => {}
    }
    // Refused before the output file is created, so a mistaken call truncates nothing.
    let renderer = match (format, args.fragment) {
        (_, false) => format.as_format(),
        (ReportFormat::Html, true) => report::Format::HtmlFragment,
        (other, true) => bail!(
            "--fragment goes with --format html, not {}",
            other
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        ),
    };
    let rules = config.consent_rules(builtin_rules());
    let artifacts = model::artifacts_dir(&scan_path);
    // The audit report shows what changed since the site's previous scan in the same folder.
    let changes = (format == ReportFormat::Audit)
        .then(|| crate::history::previous(&scan_path, &scan.site.registrable_domain).scan)
        .flatten()
        .map(|(_, old)| {
            let context = crate::diff::DiffContext {
                classifier: &classifier,
                rules: &rules,
            };
            audit_changes(&crate::diff::diff(&old, &scan, &context))
        });
    let input = report::ReportInput {
        scan: &scan,
        classifier: &classifier,
        rules: &rules,
        table: &table_settings,
        artifacts: Some(&artifacts),
        changes: changes.as_ref(),
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let written = renderer
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

/// `cookiescan annotate`: the scan's inferred categories appended to the site config as
/// notes (comments and everything else in the file kept), checked to load before the file is
/// replaced.
fn annotate(args: &AnnotateArgs) -> anyhow::Result<u8> {
    let scan_path = crate::history::resolve(&args.scan)?;
    let scan = model::load_scan(&scan_path)?;
    let Some(path) = args
        .config
        .clone()
        .or_else(|| config_beside(&scan_path, &scan))
    else {
        bail!(
            "no site config beside {}: pass --config FILE",
            scan_path.display()
        )
    };
    let config = SiteConfig::load(&path, args.config.is_some())?;
    let classifier = classifier_for(&scan, &config, None)?;
    let notes = crate::classify::infer::notes_to_confirm(&scan, &classifier);
    let mut stdout = std::io::stdout().lock();
    if notes.is_empty() {
        let _ = writeln!(
            stdout,
            "No inferred category to confirm in {}",
            scan_path.display()
        );
        return Ok(EXIT_OK);
    }
    let added = crate::config::notes_as_toml(&notes).context("cannot write the notes as TOML")?;
    if args.dry_run {
        let _ = write!(stdout, "{added}");
        return Ok(EXIT_OK);
    }
    let mut text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&added);
    // The file as it will be must still load: a note the config refuses is not written.
    toml::from_str::<SiteConfig>(&text)
        .with_context(|| format!("the notes would make {} invalid", path.display()))?;
    model::write_atomically(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let _ = writeln!(
        stdout,
        "{} inferred categor{} added to {} for review: confirm each, write its purpose",
        notes.len(),
        if notes.len() == 1 { "y" } else { "ies" },
        path.display()
    );
    Ok(EXIT_OK)
}

/// The format to write: `--format` when given, else the one the output file's extension
/// names, else `default`. A `--format` the extension contradicts (`-f html -o out.csv`) is
/// refused before anything is written.
pub(crate) fn output_format<F: ValueEnum + Copy + PartialEq>(
    given: Option<F>,
    output: Option<&Path>,
    for_extension: fn(&str) -> &'static [F],
    default: F,
) -> anyhow::Result<F> {
    let extension = output
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let fitting = for_extension(extension);
    let name = |format: F| {
        format
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    };
    match (given, fitting.first()) {
        (Some(format), _) if fitting.is_empty() || fitting.contains(&format) => Ok(format),
        (Some(format), _) => bail!(
            "--format {} does not write .{extension} files ({}): change the file name or the \
             format",
            name(format),
            output.map(|p| p.display().to_string()).unwrap_or_default()
        ),
        (None, Some(format)) => Ok(*format),
        (None, None) => Ok(default),
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
/// site's history (scans live in `<scans>/<site>/<time>.json`, the config in
/// `<scans>/<site>.toml`), else none.
pub fn config_for_scan(
    scan_path: &Path,
    scan: &crate::model::Scan,
    explicit: Option<&Path>,
) -> anyhow::Result<SiteConfig> {
    Ok(match explicit {
        Some(path) => SiteConfig::load(path, true)?,
        None => match config_beside(scan_path, scan) {
            Some(path) => SiteConfig::load(&path, false)?,
            None => SiteConfig::default(),
        },
    })
}

/// Where the config of a stored scan is: named like the site's history directory
/// (`scans/client-b.toml` for `scans/client-b/…`), else after the scan's host.
pub(crate) fn config_beside(scan_path: &Path, scan: &crate::model::Scan) -> Option<PathBuf> {
    let site_dir = scan_path.parent()?;
    let scans = site_dir.parent()?;
    let by_name = site_dir
        .file_name()
        .map(|name| scans.join(format!("{}.toml", name.to_string_lossy())))
        .filter(|path| path.is_file());
    by_name.or_else(|| Some(default_config_path(scans, &scan.site.host)))
}

/// The classifier for a scan: the site config's annotations and operator, the built-in
/// knowledge base, and an Open Cookie Database (`cookie_db`, else the cached copy, if any).
pub fn classifier_for(
    scan: &crate::model::Scan,
    config: &SiteConfig,
    cookie_db: Option<&Path>,
) -> anyhow::Result<Classifier> {
    classifier_for_site(&scan.site.registrable_domain, config, cookie_db)
}

/// The classifier for a site (its registrable domain) before any scan of it exists.
pub fn classifier_for_site(
    site: &str,
    config: &SiteConfig,
    cookie_db: Option<&Path>,
) -> anyhow::Result<Classifier> {
    let cached = crate::classify::database::default_path().filter(|p| p.is_file());
    let ocd = match cookie_db.or(cached.as_deref()) {
        Some(path) => Some(crate::classify::ocd::load(path)?),
        None => None,
    };
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
    args: &BrowserSourceArgs,
    chrome_args: Vec<String>,
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
        insecure,
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
    match url.host() {
        None => bail!("{text:?} has no host"),
        Some(url::Host::Domain("")) => bail!("{text:?} has no host"),
        // A bare word (`scan example`) is a typo far more often than an intranet host name.
        Some(url::Host::Domain(host)) if !host.contains('.') && host != "localhost" => bail!(
            "{text:?} has no dot in its host name: give the site's full address, e.g. \
             https://www.{host}.com/ (localhost and IP addresses are fine)"
        ),
        Some(_) => {}
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;

    #[test]
    fn start_urls() {
        assert_eq!(
            parse_start_url("example.com").unwrap().as_str(),
            "https://example.com/"
        );
        assert!(parse_start_url("ftp://example.com").is_err());
        assert!(parse_start_url("http://").is_err());
        assert!(parse_start_url("https://exa mple.com").is_err());
        // Regression (issue 11): `scan example` launched a browser and wrote scans/example/.
        let bare = parse_start_url("example").unwrap_err().to_string();
        assert!(bare.contains("no dot"), "{bare}");
        assert!(parse_start_url("http://localhost:8080/").is_ok());
        assert!(parse_start_url("http://127.0.0.1/").is_ok());
        assert!(parse_start_url("http://[::1]:8080/").is_ok());
    }

    fn scan_args(args: &[&str]) -> ScanArgs {
        let cli = Cli::try_parse_from([&["cookiescan", "scan"], args].concat()).expect("parses");
        match cli.command {
            Command::Scan(args) => *args,
            other => panic!("not a scan: {other:?}"),
        }
    }

    #[test]
    fn scan_flags_left_out_leave_the_config_in_charge() {
        let settings = scan_args(&["https://www.example.com/"]).options.settings;
        assert_eq!(settings, ScanSection::default());
    }

    #[test]
    fn scan_flags_take_no_value_and_leave_the_url_alone() {
        let args = scan_args(&[
            "--insecure",
            "--no-sitemaps",
            "--ignore-robots",
            "--keep-values",
            "--fail-on-violations",
            "https://www.example.com/",
            "--modes=accept,reject",
            "--fail-on",
            "added,regressions",
            "--max-pages",
            "7",
        ]);
        assert_eq!(args.url.as_deref(), Some("https://www.example.com/"));
        let settings = args.options.settings;
        assert_eq!(settings.insecure, Some(true));
        assert_eq!(settings.sitemaps, Some(false));
        assert_eq!(settings.ignore_robots, Some(true));
        assert_eq!(settings.keep_values, Some(true));
        assert_eq!(settings.fail_on_violations, Some(true));
        assert_eq!(settings.modes, Some(vec![Mode::Accept, Mode::Reject]));
        assert_eq!(settings.fail_on, vec!["added", "regressions"]);
        assert_eq!(settings.max_pages, Some(7));
    }

    #[test]
    fn bad_scan_values_are_refused_by_the_parser() {
        for bad in [
            &["--max-pages", "0"][..],
            &["--concurrency", "0"],
            &["--retain", "0"],
            &["--fail-on", "typo"],
            &["--modes", "later"],
            &["--settle", "soon"],
        ] {
            let args = [&["cookiescan", "scan", "https://www.example.com/"], bad].concat();
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn help_shows_the_defaults_the_code_uses() {
        use clap::CommandFactory;
        let mut command = Cli::command();
        let help = command
            .find_subcommand_mut("scan")
            .expect("scan")
            .render_help()
            .to_string();
        for default in [
            "[default: 200]",
            "[default: 10]",
            "[default: 4]",
            "[default: 30s]",
            "[default: 500ms]",
            "[default: 5s]",
            "[default: 6s]",
            "[default: before-consent,accept,reject]",
            "[default: site]",
        ] {
            assert!(
                help.contains(default),
                "scan --help lacks {default}:\n{help}"
            );
        }
    }

    /// Regression (issue 11): `report SCAN -o out.html` wrote CSV into out.html.
    #[test]
    fn the_output_file_names_the_format_unless_told_otherwise() {
        let report = |given, file: Option<&str>| {
            output_format(
                given,
                file.map(Path::new),
                ReportFormat::for_extension,
                ReportFormat::Inventory,
            )
        };
        assert_eq!(report(None, Some("out.html")).unwrap(), ReportFormat::Html);
        assert_eq!(report(None, Some("OUT.MD")).unwrap(), ReportFormat::Md);
        assert_eq!(
            report(None, Some("out.csv")).unwrap(),
            ReportFormat::Inventory
        );
        assert_eq!(report(None, None).unwrap(), ReportFormat::Inventory);
        assert_eq!(
            report(Some(ReportFormat::Csv), Some("table.csv")).unwrap(),
            ReportFormat::Csv
        );
        assert_eq!(
            report(Some(ReportFormat::Json), Some("out.data")).unwrap(),
            ReportFormat::Json
        );
        let refused = report(Some(ReportFormat::Html), Some("out.csv")).unwrap_err();
        assert!(refused.to_string().contains("--format html"), "{refused}");
        let compare = compare::CompareFormat::resolve(None, Some(Path::new("diff.json")));
        assert_eq!(compare.unwrap(), compare::CompareFormat::Json);
        assert!(
            compare::CompareFormat::resolve(
                Some(compare::CompareFormat::Md),
                Some(Path::new("d.json"))
            )
            .is_err()
        );
    }
}
