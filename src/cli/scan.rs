//! `scan`, `scan --all` and `demo`. Settings come from the command line, then the site config's
//! `[scan]` section, then cookiescan's defaults. A scan is stored in the site's history under a
//! lock, diffed against the previous scan and checked against the published policy; old scans
//! are pruned last.

use std::collections::BTreeSet;
use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use url::Url;

use super::progress::Progress;
use super::{
    AfterScanArgs, DemoArgs, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_VIOLATIONS, OutputArgs,
    ScanOptions, browser_options, classifier_for, classifier_for_site, parse_start_url,
};
use crate::browser::VisitTiming;
use crate::classify::Category;
use crate::config::{CategoryPasses, ScanSection, SiteConfig, default_config_path};
use crate::consent::autoconsent::{self, Autoconsent, AutoconsentError};
use crate::consent::rules::builtin_rules;
use crate::consent::{ConsentEngine, ConsentTiming, Engines, GatedCookies};
use crate::crawl::{DEFAULT_CONCURRENCY, ScanSettings, run_scan};
use crate::diff::{self, ChangeKind, DiffContext};
use crate::discover::{Limits, ScopeRules};
use crate::findings::findings;
use crate::history::{self, SiteLock};
use crate::model::{self, Mode, Scan};
use crate::report::summary::render_summary;

/// What to do once the scan is written, resolved from the command line and the config.
#[derive(Debug, Default)]
pub(super) struct AfterScan {
    pub fail_on_violations: bool,
    /// `--strict`: no inference makes a cookie necessary.
    pub strict: bool,
    pub fail_on: BTreeSet<ChangeKind>,
    pub retain: Option<usize>,
    pub diff_output: Option<PathBuf>,
    /// The scan to diff against instead of the previous one of the history, with its path.
    /// Read before scanning: a directory's newest scan must be chosen before this scan joins
    /// it, and a bad baseline must stop the run before any work.
    pub baseline: Option<(PathBuf, Scan)>,
    /// The published policy to check against: file, fail on drift, lifetime tolerance.
    pub policy: Option<(String, bool, f64)>,
}

impl AfterScan {
    /// Reads `--baseline`, if given.
    fn load_baseline(&mut self, args: &AfterScanArgs) -> anyhow::Result<()> {
        if let Some(baseline) = &args.baseline {
            let path = history::resolve(baseline)?;
            let scan = model::load_scan(&path).context("--baseline")?;
            self.baseline = Some((path, scan));
        }
        Ok(())
    }

    /// `settings` are the merged ones (command line over the config's `[scan]`); the policy
    /// comes from the command line, else the config's `[check]`.
    fn resolve(args: &AfterScanArgs, settings: &ScanSection, config: &SiteConfig) -> AfterScan {
        AfterScan {
            fail_on_violations: settings.fail_on_violations.unwrap_or(false),
            strict: settings.strict.unwrap_or(false),
            // Validated when parsed or loaded.
            fail_on: settings.fail_on_kinds().unwrap_or_default(),
            retain: settings.retain,
            diff_output: args.diff_output.clone(),
            baseline: None,
            policy: args
                .policy
                .clone()
                .or(config.check.policy.clone())
                .map(|policy| {
                    (
                        policy,
                        args.fail_on_drift || config.check.fail_on_drift,
                        config.check.lifetime_tolerance.unwrap_or(1.5),
                    )
                }),
        }
    }
}

/// `cookiescan scan [URL]`.
pub(super) async fn scan_one(
    url: Option<&str>,
    config_path: Option<&Path>,
    resume: Option<&Path>,
    options: &ScanOptions,
) -> anyhow::Result<u8> {
    let resumed_url = match resume {
        Some(path) => Some(interrupted_start(path)?),
        None => None,
    };
    let url = url.or(resumed_url.as_deref().filter(|_| config_path.is_none()));
    let target = start_and_config(url, config_path, &options.output.scans_dir)?;
    scan_site(&target, options, &options.after, resume).await
}

/// The start URL of the interrupted scan at `path`, which must be one with its journal.
fn interrupted_start(path: &Path) -> anyhow::Result<String> {
    let scan = model::load_scan(path)?;
    if scan.complete {
        bail!(
            "{} is a complete scan: there is nothing to resume",
            path.display()
        );
    }
    let journal = model::journal_path(path);
    if !journal.is_file() {
        bail!(
            "{} has no journal ({} is missing): it cannot be resumed",
            path.display(),
            journal.display()
        );
    }
    Ok(scan.site.start_url)
}

/// Merges the settings, resolves what follows the scan, then scans and stores the site. The
/// demo shop, which exists only inside cookiescan, is served on loopback for the scan.
async fn scan_site(
    target: &Target,
    options: &ScanOptions,
    after_args: &AfterScanArgs,
    resume: Option<&Path>,
) -> anyhow::Result<u8> {
    let config = &target.config;
    let mut section = options.settings.clone().over(&config.scan);
    let demo = if crate::demo::is_demo(&target.start_url) {
        let (hostnames, handler) = crate::demo::demo_site();
        let server = crate::site::SiteServer::start(&hostnames, handler)
            .await
            .context("cannot start the demo site on loopback")?;
        // The demo hosts exist only inside this browser, with a self-signed certificate.
        section.chrome_args.push(format!(
            "--host-resolver-rules={}",
            server.host_resolver_rules()
        ));
        section.insecure = Some(true);
        Some(server)
    } else {
        None
    };
    let mut after = AfterScan::resolve(after_args, &section, config);
    let code = async {
        after.load_baseline(after_args)?;
        let mut settings = scan_settings(target.start_url.clone(), &section, options, config)?;
        // Only a pass that answers banners needs an engine (and autoconsent's download).
        let answers = settings
            .modes
            .iter()
            .any(|mode| crate::model::Choice::for_mode(*mode).is_some());
        if answers {
            settings.consent_engines = consent_engines(&section, options).await?;
        }
        scan_and_save(
            settings,
            config,
            &target.name,
            &options.output,
            &after,
            resume,
        )
        .await
    }
    .await;
    if let Some(server) = demo {
        server.shutdown().await;
    }
    code
}

/// What to scan: the start URL, the site's config, and the name its history is kept under.
struct Target {
    start_url: Url,
    config: SiteConfig,
    /// A configured site's history is keyed by its config's name (`scans/client-b.toml` keeps
    /// `scans/client-b/`), an ad-hoc scan's by its start host.
    name: String,
}

/// The start URL and the site config: a URL on the command line wins over the config's, and
/// without `--config` the config is looked for beside the site's history.
fn start_and_config(
    url: Option<&str>,
    config_path: Option<&Path>,
    scans_dir: &Path,
) -> anyhow::Result<Target> {
    match (url, config_path) {
        (Some(url), None) => {
            let start_url = parse_start_url(url)?;
            let name = start_url.host_str().unwrap_or("site").to_string();
            let config = SiteConfig::load(&default_config_path(scans_dir, &name), false)?;
            Ok(Target {
                start_url,
                config,
                name,
            })
        }
        (url, Some(path)) => {
            let config = SiteConfig::load(path, true)?;
            let text = match url.or(config.scan.url.as_deref()) {
                Some(text) => text.to_string(),
                None => bail!(
                    "no start URL: give one on the command line or set `url` under [scan] in {}",
                    path.display()
                ),
            };
            let start_url = parse_start_url(&text)
                .with_context(|| format!("the start URL of {}", path.display()))?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .or_else(|| start_url.host_str().map(str::to_string))
                .unwrap_or_else(|| "site".into());
            Ok(Target {
                start_url,
                config,
                name,
            })
        }
        (None, None) => bail!(
            "no start URL: `cookiescan scan https://www.example.com/`, `--config scans/<site>.toml` or `--all`"
        ),
    }
}

/// `cookiescan scan --all`: every `*.toml` of the scans directory, in name order. One site's
/// failure is reported and the others still run; the exit code is the worst outcome.
pub(super) async fn scan_all(options: &ScanOptions) -> anyhow::Result<u8> {
    let dir = &options.output.scans_dir;
    let mut configs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the scans directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    configs.sort();
    if configs.is_empty() {
        bail!(
            "no site configs (*.toml) in {}: write one per site (see docs/example-site.toml)",
            dir.display()
        );
    }
    let mut outcomes: Vec<(String, Result<u8, String>)> = Vec::new();
    for path in &configs {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !options.output.quiet {
            let _ = writeln!(std::io::stdout().lock(), "== {name} ==");
        }
        let outcome = async {
            let target = start_and_config(None, Some(path), dir)?;
            // One diff file per site in the --diff-output directory.
            let after_args = AfterScanArgs {
                diff_output: options
                    .after
                    .diff_output
                    .as_ref()
                    .map(|dir| dir.join(format!("{name}.md"))),
                baseline: None,
                policy: options.after.policy.clone(),
                fail_on_drift: options.after.fail_on_drift,
            };
            scan_site(&target, options, &after_args, None).await
        }
        .await;
        let interrupted = matches!(outcome, Ok(EXIT_INTERRUPTED));
        if let Err(error) = &outcome {
            let _ = writeln!(std::io::stderr().lock(), "error: {name}: {error:#}");
        }
        outcomes.push((name, outcome.map_err(|e| format!("{e:#}"))));
        if interrupted {
            return Ok(EXIT_INTERRUPTED);
        }
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| o.is_err())
        .map(|(n, _)| n.as_str())
        .collect();
    let flagged: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Ok(EXIT_VIOLATIONS)))
        .map(|(n, _)| n.as_str())
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Scanned {} sites: {} failed{}, {} failed a check{}",
        outcomes.len(),
        failed.len(),
        list_suffix(&failed),
        flagged.len(),
        list_suffix(&flagged)
    );
    Ok(if !failed.is_empty() {
        EXIT_ERROR
    } else if !flagged.is_empty() {
        EXIT_VIOLATIONS
    } else {
        EXIT_OK
    })
}

fn list_suffix(names: &[&str]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

/// Turns merged settings into the crawl's, with cookiescan's defaults for what neither the
/// command line nor the config gave; every mistake is reported before any work.
pub(super) fn scan_settings(
    start_url: Url,
    section: &ScanSection,
    options: &ScanOptions,
    site_config: &SiteConfig,
) -> anyhow::Result<ScanSettings> {
    let start_url_host = start_url.host_str().unwrap_or_default().to_string();
    let compile = |patterns: &[String], flag: &str| -> anyhow::Result<Vec<regex::Regex>> {
        patterns
            .iter()
            .map(|p| regex::Regex::new(p).with_context(|| format!("invalid {flag} pattern {p:?}")))
            .collect()
    };
    if let Some(prefix) = &section.path_prefix
        && !prefix.starts_with('/')
    {
        bail!("--path-prefix must start with '/', got {prefix:?}");
    }
    let extra_start_urls = section
        .extra_urls
        .iter()
        .map(|text| parse_start_url(text).context("[scan] extra_urls"))
        .collect::<anyhow::Result<Vec<Url>>>()?;
    let modes = section.modes.clone().unwrap_or_else(|| Mode::ALL.to_vec());
    for (index, mode) in modes.iter().enumerate() {
        if modes[..index].contains(mode) {
            bail!("--modes names {} twice", mode.as_str());
        }
    }
    let limits = Limits::default();
    let timing = VisitTiming::default();
    let consent_timing = ConsentTiming::default();
    let insecure = section.insecure.unwrap_or(false);
    Ok(ScanSettings {
        start_url,
        extra_start_urls,
        scope: ScopeRules {
            mode: section.scope.unwrap_or_default(),
            path_prefix: section.path_prefix.clone(),
            include: compile(&section.include, "--include")?,
            exclude: compile(&section.exclude, "--exclude")?,
        },
        limits: Limits {
            max_pages: section.max_pages.unwrap_or(limits.max_pages),
            max_depth: section.max_depth.or(limits.max_depth),
            max_query_variants: section
                .max_query_variants
                .unwrap_or(limits.max_query_variants),
        },
        obey_robots: !section.ignore_robots.unwrap_or(false),
        use_sitemaps: section.sitemaps.unwrap_or(true),
        concurrency: NonZeroUsize::new(section.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
            .context("--concurrency must be at least 1")?,
        timing: VisitTiming {
            page_timeout: section.page_timeout.unwrap_or(timing.page_timeout),
            settle_quiet: section.settle.unwrap_or(timing.settle_quiet),
            settle_max: section.settle_max.unwrap_or(timing.settle_max),
            interact_budget: section.interact_budget.unwrap_or(timing.interact_budget),
            visitor: !section.plain_visits.unwrap_or(false),
        },
        keep_values: section.keep_values.unwrap_or(false),
        browser: browser_options(&options.browser, section.chrome_args.clone(), insecure)?,
        modes,
        consent_rules: site_config.consent_rules(builtin_rules()),
        consent_timing: ConsentTiming {
            find_banner: section.banner_wait.unwrap_or(consent_timing.find_banner),
            ..consent_timing
        },
        consent_presets: site_config.consent.preset.clone(),
        needs_consent: gated_cookies(&start_url_host, site_config)?,
        consent_engines: Engines::default(),
        journal: None,
        resume: false,
        categories: crate::crawl::CategorySettings {
            enabled: section.categories.unwrap_or_default() == CategoryPasses::Auto,
            max_pages: section
                .category_pages
                .unwrap_or(crate::crawl::DEFAULT_CATEGORY_PAGES),
        },
        artifacts_dir: None,
    })
}

/// The consent engines of a scan. autoconsent comes from `--autoconsent` (never downloaded),
/// else from the cache, downloaded there once when missing; a scan that cannot have it runs
/// with cookiescan's own rules and says so, unless it was asked for autoconsent alone.
async fn consent_engines(section: &ScanSection, options: &ScanOptions) -> anyhow::Result<Engines> {
    let engine = section.consent_engine.unwrap_or_default();
    if engine == ConsentEngine::Ours {
        return Ok(Engines {
            engine,
            autoconsent: None,
        });
    }
    let loaded = match (&options.autoconsent, autoconsent::default_dir()) {
        (Some(dir), _) => Autoconsent::load(dir).map_err(anyhow::Error::from),
        (None, Some(dir)) => match Autoconsent::load(&dir) {
            Err(AutoconsentError::Missing { .. }) => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "autoconsent {} is not in the cache: downloading it once into {} \
                     (`cookiescan consent update` does it ahead of time)",
                    autoconsent::VERSION,
                    dir.display()
                );
                let browser = browser_options(
                    &options.browser,
                    section.chrome_args.clone(),
                    section.insecure.unwrap_or(false),
                )?;
                let url = Url::parse(autoconsent::TARBALL_URL).context("the autoconsent URL")?;
                autoconsent::update(&url, &dir, &browser)
                    .await
                    .map_err(anyhow::Error::from)
            }
            other => other.map_err(anyhow::Error::from),
        },
        (None, None) => Err(anyhow::anyhow!(
            "no cache directory for autoconsent (neither XDG_CACHE_HOME nor HOME is set)"
        )),
    };
    match loaded {
        Ok(engine_files) => Ok(Engines {
            engine,
            autoconsent: Some(std::sync::Arc::new(engine_files)),
        }),
        Err(error) if engine == ConsentEngine::Autoconsent => {
            Err(error.context("--consent-engine autoconsent cannot run"))
        }
        Err(error) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {error:#}; this scan answers banners with cookiescan's rules only"
            );
            Ok(Engines {
                engine,
                autoconsent: None,
            })
        }
    }
}

/// Which cookies a refusal must not let appear: every cookie the classifier places outside
/// "strictly necessary", and the third-party cookies it does not know.
fn gated_cookies(host: &str, site_config: &SiteConfig) -> anyhow::Result<GatedCookies> {
    let site = crate::discover::registrable_domain(host);
    let classifier = classifier_for_site(&site, site_config, None)?;
    let third_party = GatedCookies::third_party_of(&site);
    Ok(GatedCookies::new(move |name, domain| {
        match classifier.classify(name, domain).category {
            Category::Necessary => false,
            Category::Unclassified => third_party.needs_consent(name, domain),
            Category::Functionality | Category::Statistics | Category::Marketing => true,
        }
    }))
}

/// Runs a scan with progress, writes the JSON, prints the summary, then diffs, checks and
/// prunes. Returns the exit code.
pub(super) async fn scan_and_save(
    mut settings: ScanSettings,
    site_config: &SiteConfig,
    site_name: &str,
    output: &OutputArgs,
    after: &AfterScan,
    resume: Option<&Path>,
) -> anyhow::Result<u8> {
    let (history_dir, _lock, requested) = claim_history(output, site_name, resume)?;
    settings.artifacts_dir = Some(model::artifacts_dir(&requested));
    let journal = model::journal_path(&requested);
    settings.journal = Some(journal.clone());
    settings.resume = resume.is_some();
    let mut scan = scan_with_progress(&settings, output.quiet).await?;
    crate::classify::infer::infer(&mut scan);
    let classifier = classifier_for(&scan, site_config, None)?.strict(after.strict);
    classifier.record(&mut scan);
    let path = save_or_rescue(&scan, &requested)?;
    // A scan that is not where it was asked for is a run that failed, whatever it found.
    let failed_run = |code: u8| {
        if path == requested || code == EXIT_INTERRUPTED {
            code
        } else {
            EXIT_ERROR
        }
    };
    if !output.quiet {
        let mut stdout = std::io::stdout().lock();
        let _ = write!(
            stdout,
            "{}",
            render_summary(&scan, &classifier, &settings.consent_rules)
        );
        let _ = writeln!(stdout, "Scan written to {}", path.display());
    }
    if !scan.complete {
        if !output.quiet && journal.is_file() {
            let _ = writeln!(
                std::io::stdout().lock(),
                "Resume it with: cookiescan scan --resume {} (and the options it was started with)",
                path.display()
            );
        }
        return Ok(EXIT_INTERRUPTED);
    }
    // Finished: the journal (which holds cookie values) has served.
    let _ = std::fs::remove_file(&journal);
    ensure_a_page_loaded(&scan, &path)?;
    let mut failed_checks: Vec<String> = Vec::new();
    if after.fail_on_violations && !findings(&scan, &settings.consent_rules, &classifier).is_empty()
    {
        failed_checks.push("cookies set before consent or surviving \"reject all\"".into());
    }
    let context = DiffContext {
        classifier: &classifier,
        rules: &settings.consent_rules,
    };
    failed_checks.extend(compare_with_previous(
        &scan,
        &path,
        &history_dir,
        after,
        &context,
        output.quiet,
    )?);
    if let Some(policy) = &after.policy {
        let checking = check_policy(
            &scan,
            policy,
            &classifier,
            &site_config.table,
            settings.browser.clone(),
            output.quiet,
        );
        match interruptible(checking).await {
            Some(failed) => failed_checks.extend(failed?),
            None => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "interrupted: the policy check was abandoned; the scan is saved in {}",
                    path.display()
                );
                return Ok(EXIT_INTERRUPTED);
            }
        }
    }
    if let Some(keep) = after.retain {
        prune(&history_dir, keep, output.quiet)?;
    }
    if failed_checks.is_empty() {
        return Ok(failed_run(EXIT_OK));
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "cookiescan: failing: {}",
        failed_checks.join("; ")
    );
    Ok(failed_run(EXIT_VIOLATIONS))
}

/// Writes the scan to `path`; when that fails after the crawl (a full disk, a directory gone),
/// to the temporary directory instead, so the crawl is not lost, and says so. Returns where
/// the scan is.
fn save_or_rescue(scan: &Scan, path: &Path) -> anyhow::Result<PathBuf> {
    let Err(failed) = model::save_scan(scan, path) else {
        return Ok(path.to_path_buf());
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scan".into());
    let rescue = std::env::temp_dir().join(format!(
        "cookiescan-rescued-{}-{stem}.json",
        std::process::id()
    ));
    let failure = anyhow::Error::new(failed);
    match model::save_scan(scan, &rescue) {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "cookiescan: {failure:#}; the scan was saved to {} instead",
                rescue.display()
            );
            Ok(rescue)
        }
        Err(again) => Err(failure.context(format!(
            "the scan is lost: saving it to {} failed too ({:#})",
            rescue.display(),
            anyhow::Error::new(again)
        ))),
    }
}

/// Runs `work` unless Ctrl-C or SIGTERM comes first (None then; `work` is dropped, and a
/// browser it started with it). The scan's handler is gone by then but its signal hooks stay,
/// so without listening again a signal would do nothing.
async fn interruptible<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        () = stop_signal() => None,
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, which is what systemd, Kubernetes, CI runners and
/// `kill` send: both stop a run the same way, the partial scan kept.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match terminate.as_mut() {
            Some(terminate) => {
                terminate.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    // A signal that cannot be listened to never arrives; it must not read as one arriving.
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupted => {}
        () = terminated => {}
    }
}

/// Takes the site's lock, removes half-written scans an earlier run left, and names the new
/// scan. The lock is taken before the name is chosen, so two runs never pick the same one.
fn claim_history(
    output: &OutputArgs,
    site_name: &str,
    resume: Option<&Path>,
) -> anyhow::Result<(PathBuf, SiteLock, PathBuf)> {
    let output_path = resume.or(output.output.as_deref());
    let history_dir = history_dir(output_path, &output.scans_dir, site_name);
    let lock = SiteLock::acquire(&history_dir)?;
    for stale in history::remove_stale_partials(&history_dir) {
        tracing::info!(
            "removed {}, left half-written by an earlier run",
            stale.display()
        );
    }
    let path = match output_path {
        Some(path) => path.to_path_buf(),
        None => crate::model::new_scan_path(
            &history_dir,
            &humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        ),
    };
    // Found out now, not after an hour of crawling.
    model::ensure_writable(&path).with_context(|| {
        format!(
            "cannot write the scan to {}; nothing was scanned",
            path.display()
        )
    })?;
    Ok((history_dir, lock, path))
}

/// Where the scan goes: beside `--output` (or the scan resumed), else the site's directory
/// under the scans dir.
fn history_dir(output: Option<&Path>, scans_dir: &Path, site_name: &str) -> PathBuf {
    match output {
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        None => model::site_dir(scans_dir, site_name),
    }
}

/// Runs the crawl with a progress bar; Ctrl-C or SIGTERM stops it with the pages visited so
/// far.
async fn scan_with_progress(settings: &ScanSettings, quiet: bool) -> anyhow::Result<Scan> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let interrupt = tokio::spawn(async move {
        stop_signal().await;
        let _ = stop.send(true);
    });
    let progress = Progress::new(quiet);
    let scanned = run_scan(settings, progress.observer(), stopped).await;
    interrupt.abort();
    let scan = scanned?;
    progress.finish();
    Ok(scan)
}

/// A scan in which no page loaded is an error (it was still written), naming the first
/// page's error.
fn ensure_a_page_loaded(scan: &Scan, path: &Path) -> anyhow::Result<()> {
    if scan.loaded_a_page() {
        return Ok(());
    }
    let reason = scan
        .modes
        .iter()
        .flat_map(|run| &run.pages)
        .find_map(|page| page.error.clone().map(|e| format!("{}: {e}", page.url)))
        .unwrap_or_else(|| "no page was visited".into());
    bail!(
        "no page of the site could be loaded ({}); the scan was still written to {}",
        crate::text::escape::clean(&reason),
        path.display()
    );
}

/// Keeps the `keep` newest scans of the site and says how many went.
fn prune(history_dir: &Path, keep: usize, quiet: bool) -> anyhow::Result<()> {
    let removed = history::prune(history_dir, keep)?;
    if !quiet && !removed.is_empty() {
        let _ = writeln!(
            std::io::stdout().lock(),
            "Deleted {} old scans (keeping the {keep} newest).",
            removed.len()
        );
    }
    Ok(())
}

/// Diffs a new scan against the baseline, else the previous complete scan beside it; prints
/// and writes the diff. Returns the failed check when a `--fail-on` kind is present.
fn compare_with_previous(
    scan: &Scan,
    path: &Path,
    history_dir: &Path,
    after: &AfterScan,
    context: &DiffContext,
    quiet: bool,
) -> anyhow::Result<Option<String>> {
    let found;
    let (previous_path, previous) = match &after.baseline {
        Some((path, baseline)) => (path, baseline),
        None => {
            let history::Previous {
                scan: previous,
                unreadable,
                outages,
            } = history::previous(path, &scan.site.registrable_domain);
            for problem in unreadable {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "warning: skipped {}",
                    crate::text::with_causes(&problem)
                );
            }
            if !quiet {
                for outage in outages {
                    let _ = writeln!(
                        std::io::stdout().lock(),
                        "Passed over {}: no page of the site loaded in it (an outage is never \
                         a baseline).",
                        outage.display()
                    );
                }
            }
            let Some(previous) = previous else {
                if !quiet {
                    let _ = writeln!(
                        std::io::stdout().lock(),
                        "\nFirst scan of {} in {}: nothing to compare with yet.",
                        scan.site.host,
                        history_dir.display()
                    );
                }
                return Ok(None);
            };
            found = previous;
            (&found.0, &found.1)
        }
    };
    let changes = diff::diff(previous, scan, context);
    if !quiet {
        let color = super::stdout_wants_color();
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "\nCompared with {}:", previous_path.display());
        let _ = write!(stdout, "{}", diff::render::render_text(&changes, color));
    }
    if let Some(file) = &after.diff_output {
        write_diff(&changes, file)?;
    }
    let failing = changes.failing(&after.fail_on);
    if failing.is_empty() {
        return Ok(None);
    }
    let kinds: Vec<&str> = failing.iter().map(|k| k.as_str()).collect();
    Ok(Some(format!(
        "changes listed in --fail-on: {}",
        kinds.join(", ")
    )))
}

/// Checks a new scan against the published policy and prints the findings. Returns the failed
/// check when drift fails the run.
async fn check_policy(
    scan: &Scan,
    (policy, fail_on_drift, tolerance): &(String, bool, f64),
    classifier: &crate::classify::Classifier,
    table: &crate::report::policy::TableSettings,
    browser: crate::browser::BrowserOptions,
    quiet: bool,
) -> anyhow::Result<Option<String>> {
    let declared = super::compare::load_policy(policy, || Ok(browser)).await?;
    let report = crate::check::drift::check(scan, &declared, classifier, policy, *tolerance);
    if !quiet {
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "\n{}", crate::check::drift::render_text(&report));
        if let Some(rows) = crate::check::drift::rows_to_add(scan, &report, classifier, table) {
            let _ = write!(
                stdout,
                "\nRows to add to the policy for the undeclared cookies:\n\n{rows}"
            );
        }
    }
    Ok((*fail_on_drift && !report.findings.is_empty()).then(|| {
        format!(
            "{} differences from the published policy",
            report.findings.len()
        )
    }))
}

/// Writes a diff in the format its extension names, atomically.
pub(super) fn write_diff(changes: &diff::ScanDiff, file: &Path) -> anyhow::Result<()> {
    let text = match file.extension().and_then(|e| e.to_str()) {
        Some("md" | "markdown") => diff::render::render_markdown(changes),
        Some("json") => diff::render::render_json(changes),
        _ => diff::render::render_text(changes, false),
    };
    model::write_atomically(file, text.as_bytes())
        .with_context(|| format!("cannot write the diff to {}", file.display()))
}

/// Scans the demo shop (served on loopback by `scan_site`), after writing its operator notes
/// where `report` and `scan --all` look for them (kept if already there).
pub(super) async fn run_demo(args: &DemoArgs) -> anyhow::Result<u8> {
    let options = &args.options;
    let scans_dir = &options.output.scans_dir;
    let config_path = default_config_path(scans_dir, "www.demo-shop.test");
    if !config_path.exists() {
        std::fs::create_dir_all(scans_dir)
            .and_then(|()| std::fs::write(&config_path, crate::demo::DEMO_CONFIG))
            .with_context(|| format!("cannot write {}", config_path.display()))?;
    }
    let target = start_and_config(Some(crate::demo::DEMO_START_URL), None, scans_dir)?;
    scan_site(&target, options, &options.after, None).await
}
