//! The browser's whole lifecycle: finding Chromium, launching it with the flags a cookie scan
//! needs (or connecting to a running one), the CDP handler task, isolated contexts, closing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::browser::{
    BrowserContextId, SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::Page;
use futures::StreamExt;
use tokio::task::JoinHandle;

use super::cdp::{GetContextCookies, SetContextCookies};
use crate::capture::JarCookie;
use crate::model::BrowserInfo;

/// Names tried on PATH, in order, when neither `--chrome` nor `CHROME` is given.
const CHROME_NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Flags every scanning browser gets, and why:
/// - a start page would open without `no-startup-window`;
/// - the background-networking family keeps Chromium's own traffic (updates, sync, time
///   queries) out of the scan and off closed networks;
/// - `disable-site-isolation-trials` keeps cross-site iframes in the page's own target, so the
///   cookie-write instrumentation injected before any script runs reaches them too. Cookie
///   semantics (partitioning, SameSite) do not depend on process placement.
const SCAN_FLAGS: [&str; 7] = [
    "no-startup-window",
    "disable-gpu",
    "no-first-run",
    "disable-background-networking",
    "disable-component-update",
    "disable-sync",
    "disable-site-isolation-trials",
];

/// Chromium 156 blocks third-party cookies by default and no flag or CDP call lifts that; the
/// profile preference does (0 = allow all), and browser contexts inherit it.
const PROFILE_PREFERENCES: &str = r#"{"profile":{"cookie_controls_mode":0}}"#;

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no Chromium or Chrome found (looked for --chrome, $CHROME, then {names} on PATH).\n\
         Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y chromium\n\
         or point cookiescan at it: --chrome /path/to/chrome (or CHROME=/path/to/chrome)",
        names = CHROME_NAMES.join(", ")
    )]
    NotFound,
    #[error("the browser given with --chrome/CHROME does not exist: {0}")]
    MissingExecutable(PathBuf),
    #[error("could not prepare a browser profile directory")]
    Profile(#[source] std::io::Error),
    #[error("could not start {path}: {message}")]
    Launch { path: PathBuf, message: String },
    #[error("could not connect to the browser at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("the browser stopped responding: {0}")]
    Gone(String),
    #[error("browser command failed: {0}")]
    Command(String),
}

/// Where the browser comes from.
#[derive(Debug, Clone)]
pub enum BrowserSource {
    /// Launch this executable.
    Launch(PathBuf),
    /// Connect to a running browser's DevTools WebSocket.
    Connect(String),
}

/// How to start browsers for a scan; a crashed browser is relaunched from the same options.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    pub source: BrowserSource,
    /// Extra flags from `--chrome-arg`, as given (`--key=value` or `--key`).
    pub extra_args: Vec<String>,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// How long a single CDP command may take before the browser is considered stuck.
    pub command_timeout: Duration,
}

/// Finds the browser executable: `--chrome`, then `$CHROME`, then the usual names on PATH.
pub fn find_chrome(explicit: Option<&Path>) -> Result<PathBuf, BrowserError> {
    let from_env = std::env::var_os("CHROME").filter(|v| !v.is_empty());
    if let Some(path) = explicit
        .map(Path::to_path_buf)
        .or_else(|| from_env.map(PathBuf::from))
    {
        if path.components().count() == 1 {
            // A bare name: look it up on PATH.
            return search_path(&path.to_string_lossy())
                .ok_or(BrowserError::MissingExecutable(path));
        }
        return if path.is_file() {
            Ok(path)
        } else {
            Err(BrowserError::MissingExecutable(path))
        };
    }
    CHROME_NAMES
        .iter()
        .find_map(|name| search_path(name))
        .ok_or(BrowserError::NotFound)
}

fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Adds a `--key=value` flag in chromiumoxide's form: it adds the dashes itself and merges
/// repeated keys with commas.
fn with_flag(
    builder: chromiumoxide::browser::BrowserConfigBuilder,
    flag: &str,
) -> chromiumoxide::browser::BrowserConfigBuilder {
    let flag = flag.trim_start_matches('-');
    match flag.split_once('=') {
        Some((key, value)) => builder.arg((key, value)),
        None => builder.arg(flag),
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A running (or connected) browser and the task that pumps its CDP connection.
pub struct BrowserSession {
    browser: Browser,
    handler: JoinHandle<()>,
    alive: Arc<AtomicBool>,
    launched: bool,
    flags: Vec<String>,
    command_timeout: Duration,
    // Dropped last: Chromium must be gone before its profile directory is removed.
    _profile: Option<tempfile::TempDir>,
}

impl BrowserSession {
    /// Launches (or connects to) a browser as configured.
    pub async fn start(options: &BrowserOptions) -> Result<BrowserSession, BrowserError> {
        match &options.source {
            BrowserSource::Launch(path) => Self::launch(path, options).await,
            BrowserSource::Connect(url) => Self::connect(url, options).await,
        }
    }

    async fn launch(path: &Path, options: &BrowserOptions) -> Result<BrowserSession, BrowserError> {
        let profile = tempfile::Builder::new()
            .prefix("cookiescan-profile-")
            .tempdir()
            .map_err(BrowserError::Profile)?;
        let default_dir = profile.path().join("Default");
        std::fs::create_dir_all(&default_dir).map_err(BrowserError::Profile)?;
        std::fs::write(default_dir.join("Preferences"), PROFILE_PREFERENCES)
            .map_err(BrowserError::Profile)?;

        let mut flags: Vec<String> = SCAN_FLAGS.iter().map(|f| format!("--{f}")).collect();
        flags.push("--disable-blink-features=AutomationControlled".into());
        if running_as_root() {
            // Chromium refuses to start as root with its sandbox on.
            flags.push("--no-sandbox".into());
        }
        if options.insecure {
            flags.push("--ignore-certificate-errors".into());
        }
        flags.extend(options.extra_args.iter().cloned());

        let mut builder = BrowserConfig::builder()
            .chrome_executable(path)
            .user_data_dir(profile.path())
            // Also sets --disable-blink-features=AutomationControlled: consent libraries hide
            // their banner from browsers that advertise automation.
            .hide()
            .disable_https_first()
            .window_size(1366, 768)
            .viewport(Viewport {
                width: 1366,
                height: 768,
                ..Viewport::default()
            })
            .request_timeout(options.command_timeout)
            .launch_timeout(Duration::from_secs(30));
        if !options.insecure {
            builder = builder.respect_https_errors();
        }
        if running_as_root() {
            builder = builder.no_sandbox();
        }
        for flag in flags.iter().filter(|f| {
            // Already set through the builder.
            !f.starts_with("--no-sandbox") && !f.starts_with("--disable-blink-features")
        }) {
            builder = with_flag(builder, flag);
        }
        let config = builder.build().map_err(|message| BrowserError::Launch {
            path: path.to_path_buf(),
            message,
        })?;
        let (browser, handler) =
            Browser::launch(config)
                .await
                .map_err(|error| BrowserError::Launch {
                    path: path.to_path_buf(),
                    message: error.to_string(),
                })?;
        Ok(Self::assemble(
            browser,
            handler,
            true,
            flags,
            options,
            Some(profile),
        ))
    }

    async fn connect(url: &str, options: &BrowserOptions) -> Result<BrowserSession, BrowserError> {
        let config = chromiumoxide::handler::HandlerConfig {
            ignore_https_errors: options.insecure,
            request_timeout: options.command_timeout,
            ..Default::default()
        };
        let (browser, handler) =
            Browser::connect_with_config(url, config)
                .await
                .map_err(|error| BrowserError::Connect {
                    url: url.to_string(),
                    message: error.to_string(),
                })?;
        Ok(Self::assemble(
            browser,
            handler,
            false,
            Vec::new(),
            options,
            None,
        ))
    }

    fn assemble(
        browser: Browser,
        mut handler: chromiumoxide::Handler,
        launched: bool,
        flags: Vec<String>,
        options: &BrowserOptions,
        profile: Option<tempfile::TempDir>,
    ) -> BrowserSession {
        let alive = Arc::new(AtomicBool::new(true));
        let alive_in_task = alive.clone();
        // No unwrap here: a closed or killed browser simply ends the loop.
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(error) = event {
                    tracing::debug!("CDP connection ended: {error}");
                    break;
                }
            }
            alive_in_task.store(false, Ordering::SeqCst);
        });
        BrowserSession {
            browser,
            handler,
            alive,
            launched,
            flags,
            command_timeout: options.command_timeout,
            _profile: profile,
        }
    }

    /// False once the CDP connection has ended (the browser crashed, was killed or closed).
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst) && !self.handler.is_finished()
    }

    /// Turns a command failure into `Gone` when the browser itself is the problem.
    pub fn classify(&self, error: impl std::fmt::Display) -> BrowserError {
        if self.is_alive() {
            BrowserError::Command(error.to_string())
        } else {
            BrowserError::Gone(error.to_string())
        }
    }

    /// Facts about the browser for the scan record.
    pub async fn info(&self) -> Result<BrowserInfo, BrowserError> {
        let version = self.browser.version().await.map_err(|e| self.classify(e))?;
        Ok(BrowserInfo {
            product: version.product,
            user_agent: version.user_agent,
            protocol_version: version.protocol_version,
            how: if self.launched {
                "launched"
            } else {
                "connected"
            }
            .into(),
            flags: self.flags.clone(),
            third_party_cookies_allowed: self.launched.then_some(true),
        })
    }

    /// A fresh, isolated browser context (its own cookie jar and storage) that refuses downloads.
    pub async fn new_context(&self) -> Result<BrowserContextId, BrowserError> {
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(|e| self.classify(e))?;
        let deny = SetDownloadBehaviorParams::builder()
            .behavior(SetDownloadBehaviorBehavior::Deny)
            .browser_context_id(context.clone())
            .build()
            .map_err(BrowserError::Command)?;
        self.browser
            .execute(deny)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(context)
    }

    /// A blank tab in the given context.
    pub async fn new_page(&self, context: &BrowserContextId) -> Result<Page, BrowserError> {
        let mut params = CreateTargetParams::new("about:blank");
        params.browser_context_id = Some(context.clone());
        // A window of its own: a tab behind another is hidden, and a hidden page runs no
        // animation frames and acknowledges no input (a pointer move would wait for it).
        params.new_window = Some(true);
        self.browser
            .new_page(params)
            .await
            .map_err(|e| self.classify(e))
    }

    /// Every cookie in the context's jar.
    pub async fn cookies(
        &self,
        context: &BrowserContextId,
    ) -> Result<Vec<JarCookie>, BrowserError> {
        let command = GetContextCookies {
            browser_context_id: Some(context.inner().clone()),
        };
        let response = tokio::time::timeout(self.command_timeout, self.browser.execute(command))
            .await
            .map_err(|_| self.classify("Storage.getCookies timed out"))?
            .map_err(|e| self.classify(e))?;
        Ok(response
            .result
            .cookies
            .iter()
            .filter_map(JarCookie::from_cdp)
            .collect())
    }

    /// Plants cookies in a context's jar (preset consent), each given as a CDP `CookieParam`.
    pub async fn set_cookies(
        &self,
        context: &BrowserContextId,
        cookies: Vec<serde_json::Value>,
    ) -> Result<(), BrowserError> {
        let command = SetContextCookies {
            browser_context_id: context.inner().clone(),
            cookies,
        };
        self.browser
            .execute(command)
            .await
            .map(|_| ())
            .map_err(|e| self.classify(e))
    }

    /// Puts cookies read from a jar back into a context's jar, as they were: a resumed pass
    /// goes on with the cookies its earlier pages left. A partitioned cookie that the browser
    /// refuses is left out rather than planted unpartitioned.
    pub async fn restore_cookies(
        &self,
        context: &BrowserContextId,
        jar: &[JarCookie],
    ) -> Result<(), BrowserError> {
        if jar.is_empty() {
            return Ok(());
        }
        let params = |partitioned: bool| {
            jar.iter()
                .filter(|c| partitioned || c.partition_key.is_none())
                .map(cookie_param)
                .collect::<Vec<_>>()
        };
        match self.set_cookies(context, params(true)).await {
            Err(error) if jar.iter().any(|c| c.partition_key.is_some()) => {
                tracing::debug!("restoring partitioned cookies failed ({error}); without them");
                self.set_cookies(context, params(false)).await
            }
            done => done,
        }
    }

    /// Drops a context and everything in it.
    pub async fn dispose_context(&mut self, context: BrowserContextId) {
        if let Err(error) = self.browser.dispose_browser_context(context).await {
            tracing::debug!("disposing a browser context failed: {error}");
        }
    }

    /// Closes the browser (a launched one is shut down and reaped; a connected one is left
    /// running) and removes the profile directory.
    pub async fn close(mut self) {
        if self.launched {
            let closed = tokio::time::timeout(Duration::from_secs(5), self.browser.close()).await;
            if !matches!(closed, Ok(Ok(_))) {
                let _ = self.browser.kill().await;
            }
            let _ = tokio::time::timeout(Duration::from_secs(10), self.browser.wait()).await;
        }
        self.handler.abort();
    }
}

/// A jar cookie as the CDP `CookieParam` that stores it again: a host-only cookie through a
/// URL of its host (a `domain` would make it a domain cookie), a domain cookie by its domain.
fn cookie_param(cookie: &JarCookie) -> serde_json::Value {
    let key = &cookie.key;
    let mut param = serde_json::json!({
        "name": key.name,
        "value": cookie.value,
        "path": key.path,
        "secure": cookie.secure,
        "httpOnly": cookie.http_only,
    });
    if key.domain.starts_with('.') {
        param["domain"] = key.domain.clone().into();
    } else {
        let scheme = if cookie.secure { "https" } else { "http" };
        param["url"] = format!("{scheme}://{}{}", key.domain, key.path).into();
    }
    if let Some(expires) = cookie.expires {
        param["expires"] = expires.into();
    }
    if let Some(same_site) = &cookie.same_site {
        param["sameSite"] = same_site.clone().into();
    }
    if let Some(site) = &cookie.partition_key {
        // Partitioned cookies of a site other than the top-level one were set in a cross-site
        // frame.
        let host = key.domain.trim_start_matches('.');
        let same_site = url::Url::parse(site)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .is_some_and(|top| host == top || host.ends_with(&format!(".{top}")));
        param["partitionKey"] = serde_json::json!({
            "topLevelSite": site,
            "hasCrossSiteAncestor": !same_site,
        });
    }
    param
}
