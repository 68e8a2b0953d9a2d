//! One browser tab, visited in two phases: `load` navigates with a deadline (the main document
//! gated by `Fetch`: non-HTML is never rendered, off-site redirects are never loaded; dialogs
//! dismissed) and waits for a network-quiet window; `capture` then gathers what the visit
//! wrote. Whatever runs between the two (answering a banner) drives the tab through its
//! primitives: frames, evaluation, screenshots, settling.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chromiumoxide::Command;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom::{GetBoxModelParams, GetFrameOwnerParams};
use chromiumoxide::cdp::browser_protocol::fetch::{self, RequestPattern, RequestStage};
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchMouseEventParams, DispatchMouseEventType, MouseButton,
};
use chromiumoxide::cdp::browser_protocol::inspector;
use chromiumoxide::cdp::browser_protocol::network::{DeleteCookiesParams, ResourceType};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, CaptureScreenshotFormat, CaptureScreenshotParams,
    CreateIsolatedWorldParams, FrameId, FrameTree, GetFrameTreeParams, NavigateParams,
    StopLoadingParams,
};
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    AddBindingParams, EvaluateParams, ExecutionContextId,
};
use chromiumoxide::page::Page;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc, oneshot};
use url::Url;

pub use super::events::ScopeGate;
use super::events::{
    Events, MainDocument, Shared, VisitLog, WORLD_BINDING, pump_events, refused_cookies,
    resolve_set_cookies,
};
use super::session::{BrowserError, BrowserSession};
use crate::capture::script::{BINDING, VISITOR, instrumentation_script};
use crate::capture::{CapturedPage, StorageItem};
use crate::model::{PageOutcome, StorageKind};

/// How long a command that runs in the page's renderer (an evaluation, an input event) may
/// take before the renderer is asked whether it still answers at all.
const RENDERER_LIMIT: Duration = Duration::from_secs(5);

/// How long the renderer may take to evaluate `0` once a command ran out of time. It runs
/// after whatever the page (or the command) is still doing, so a long but finite task (a
/// 10 MB document laid out) still answers; a script that never yields does not.
const PROBE_LIMIT: Duration = Duration::from_secs(15);

/// Network silence after which a visit with a visitor's steps asks the page whether anything
/// is still pending, rather than waiting out the whole `settle_quiet`.
const QUIET_PROBE: Duration = Duration::from_millis(150);

/// Navigations after which a tab is replaced by a fresh one.
pub const NAVIGATIONS_PER_TAB: usize = 50;

/// Why a visit failed when the page's renderer stopped answering.
const STOPPED_RESPONDING: &str =
    "the page stopped responding (a script never yielded); what it set until then is recorded";

/// Time budget of one visit.
#[derive(Debug, Clone, Copy)]
pub struct VisitTiming {
    /// Navigation to load event, at most.
    pub page_timeout: Duration,
    /// Network silence after load that counts as settled.
    pub settle_quiet: Duration,
    /// Longest settle wait after load.
    pub settle_max: Duration,
    /// Elements a visit clicks, at most, to find where a script navigates (0: none).
    pub interact_budget: usize,
    /// Whether a visit scrolls, moves the pointer, waits for timers and clicks after loading.
    pub visitor: bool,
}

impl VisitTiming {
    /// The longest the steps after a load (answering a banner, a visitor's steps, clicks) may
    /// take: generous, a backstop for a page that keeps them busy without end.
    pub fn steps_budget(&self) -> Duration {
        let settles = u32::try_from(self.interact_budget)
            .unwrap_or(u32::MAX)
            .saturating_add(10);
        self.page_timeout * 2 + self.settle_max.saturating_mul(settles)
    }
}

impl Default for VisitTiming {
    fn default() -> Self {
        VisitTiming {
            page_timeout: Duration::from_secs(30),
            settle_quiet: Duration::from_millis(500),
            settle_max: Duration::from_secs(5),
            interact_budget: 10,
            visitor: true,
        }
    }
}

/// What a visit produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Visit {
    pub outcome: PageOutcome,
    pub status: Option<u16>,
    pub final_url: Option<Url>,
    pub redirects: Vec<String>,
    pub content_type: Option<String>,
    pub error: Option<String>,
    /// Absolute hrefs of the page's links, in document order.
    pub links: Vec<String>,
    pub captured: CapturedPage,
    pub elapsed: Duration,
    /// The tab crashed or wedged and must be replaced before the next visit.
    pub tab_broken: bool,
}

/// A page loaded (or not): what `capture` needs to finish the visit.
#[derive(Debug)]
pub struct Loaded {
    started: Instant,
    error: Option<String>,
    tab_broken: bool,
}

impl Loaded {
    /// Whether the page loaded without error, so that it may be interacted with.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// Fails the visit for `reason` and has its tab replaced: what ran after the load did
    /// not finish.
    pub fn abandon(&mut self, reason: String) {
        self.error = Some(reason);
        self.tab_broken = true;
    }
}

/// A frame of the tab's page: the top document first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub id: FrameId,
    pub url: String,
    pub top: bool,
}

/// A tab with its instrumentation installed and its event task running.
pub struct Tab {
    pub(super) page: Page,
    pub(super) timing: VisitTiming,
    pub(super) shared: Arc<Shared>,
    sync: mpsc::Sender<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// The renderer stopped answering (a script that never yields): nothing more is asked of
    /// it, and the tab is replaced after the visit.
    unresponsive: AtomicBool,
    /// A command ran out of time though the renderer still answers (a huge document): the
    /// optional steps (pointer, clicks) are skipped for the rest of the visit.
    sluggish: AtomicBool,
    /// Navigations so far: a tab that has made many is replaced (see [`Tab::worn_out`]).
    navigations: AtomicUsize,
    /// The names of the helper worlds the world binding is exposed to.
    exposed_to: Mutex<BTreeSet<String>>,
}

fn cdp_error(error: impl std::fmt::Display) -> BrowserError {
    BrowserError::Command(error.to_string())
}

impl Tab {
    /// Instruments a fresh page: cookie-write reporting before any script, dialogs and the
    /// main-document gate.
    pub async fn open(
        page: Page,
        gate: ScopeGate,
        timing: VisitTiming,
    ) -> Result<Tab, BrowserError> {
        let tree = page
            .execute(GetFrameTreeParams::default())
            .await
            .map_err(cdp_error)?;
        let main_frame = tree.result.frame_tree.frame.id.clone();
        let events = Events::subscribe(&page).await?;
        instrument(&page).await?;
        let shared = Arc::new(Shared {
            log: Mutex::new(VisitLog::new()),
            changed: Notify::new(),
            main_frame,
            gate,
            world_messages: Mutex::new(Vec::new()),
        });
        let (sync, sync_requests) = mpsc::channel(1);
        let task = tokio::spawn(pump_events(
            page.clone(),
            shared.clone(),
            events,
            sync_requests,
        ));
        Ok(Tab {
            page,
            timing,
            shared,
            sync,
            task,
            unresponsive: AtomicBool::new(false),
            sluggish: AtomicBool::new(false),
            navigations: AtomicUsize::new(0),
            exposed_to: Mutex::new(BTreeSet::new()),
        })
    }

    /// Navigates to `url` and waits for the load event, then for the network to settle. Errors
    /// only when the browser is gone; a page that fails is a `Loaded` with an error.
    pub async fn load(&self, url: &Url) -> Result<Loaded, BrowserError> {
        let loaded = self.navigate(url).await?;
        if loaded.is_ok() {
            self.settle().await;
        }
        Ok(loaded)
    }

    /// Navigates to `url` and waits for the load event only: for a caller whose next steps
    /// end in a settle anyway, and may run while the network quiets down.
    pub async fn navigate(&self, url: &Url) -> Result<Loaded, BrowserError> {
        let started = Instant::now();
        let timing = self.timing;
        *self.shared.log.lock().expect("visit log") = VisitLog::new();
        // The worlds of the page left behind die with it.
        self.shared
            .world_messages
            .lock()
            .expect("world messages")
            .clear();
        self.sluggish.store(false, Ordering::Relaxed);
        self.navigations.fetch_add(1, Ordering::Relaxed);
        let navigation = tokio::time::timeout(
            timing.page_timeout,
            self.page.execute(NavigateParams::new(url.as_str())),
        );
        // chromiumoxide answers a navigation only once the page has loaded, which a crashed
        // renderer never does: watch for the crash at the same time.
        let navigation = tokio::select! {
            navigation = navigation => Some(navigation),
            () = self.crashed() => None,
        };
        let mut error = None;
        let mut tab_broken = false;
        match navigation {
            None => {}
            Some(Err(_)) => {
                self.stop_loading().await;
                let responded = self
                    .shared
                    .log
                    .lock()
                    .expect("visit log")
                    .main
                    .status
                    .is_some();
                error = Some(format!(
                    "the page did not finish loading within {}{}",
                    human(timing.page_timeout),
                    if responded { "" } else { " (no response)" }
                ));
                // A document that arrived but never loaded may have a script that never
                // yields: then the renderer answers nothing either.
                if responded && !self.answers().await {
                    error = Some(STOPPED_RESPONDING.into());
                    tab_broken = true;
                }
            }
            Some(Ok(Err(e))) => {
                if !self.is_usable() {
                    return Err(BrowserError::Gone(e.to_string()));
                }
                error = Some(format!("navigation failed: {e}"));
                tab_broken = true;
            }
            Some(Ok(Ok(response))) => {
                if let Some(text) = response.result.error_text.clone().filter(|t| !t.is_empty()) {
                    error = Some(text);
                }
            }
        }
        // Load event, unless the navigation already failed outright.
        if error.is_none() {
            error = self.wait_for_load(started + timing.page_timeout).await;
        }
        if self.shared.log.lock().expect("visit log").crashed {
            error = Some("the tab crashed".into());
            tab_broken = true;
        }
        Ok(Loaded {
            started,
            error,
            tab_broken,
        })
    }

    /// Waits for the load event until `deadline`; past it, stops the load and says why.
    async fn wait_for_load(&self, deadline: Instant) -> Option<String> {
        loop {
            let notified = self.shared.changed.notified();
            {
                let log = self.shared.log.lock().expect("visit log");
                if log.loaded || log.crashed {
                    return None;
                }
            }
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                self.stop_loading().await;
                if !self.answers().await {
                    return Some(STOPPED_RESPONDING.into());
                }
                return Some(format!(
                    "the page did not finish loading within {}",
                    human(self.timing.page_timeout)
                ));
            }
        }
    }

    /// Stops a hanging load so the tab can be reused.
    async fn stop_loading(&self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.page.execute(StopLoadingParams::default()),
        )
        .await;
    }

    /// Captures what the visit wrote: links, web storage, the context's cookie jar and every
    /// write the event task logged. Errors only when the browser is gone.
    pub async fn capture(
        &self,
        loaded: Loaded,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Result<Visit, BrowserError> {
        let Loaded {
            started,
            error,
            mut tab_broken,
        } = loaded;
        let mut links = Vec::new();
        let mut storage = Vec::new();
        let mut error = error;
        if !tab_broken && !self.is_unresponsive() {
            match self.collect_links().await {
                Some(found) => links = found,
                None => {
                    if !self.is_usable() {
                        return Err(BrowserError::Gone("the tab stopped responding".into()));
                    }
                    tab_broken = error.is_some();
                }
            }
            storage = self.collect_storage().await;
        }
        if self.is_unresponsive() {
            error = Some(STOPPED_RESPONDING.into());
            tab_broken = true;
        }
        self.drain_events().await;
        self.forget_refused_cookies().await;
        let jar = session.cookies(context).await?;
        let jar_read_at = SystemTime::now();
        let log = std::mem::replace(
            &mut *self.shared.log.lock().expect("visit log"),
            VisitLog::new(),
        );
        let (http_writes, blocked) = resolve_set_cookies(&log);
        let refused = refused_cookies(&log);
        let service_worker = if log.served_by_worker.is_empty() || tab_broken {
            None
        } else {
            self.controlling_worker().await
        };
        let main = &log.main;
        let (outcome, error) = verdict(error, main);
        if log.dialogs > 0 {
            tracing::debug!("dismissed {} dialog(s)", log.dialogs);
        }
        Ok(Visit {
            outcome,
            status: main.status,
            final_url: main.hops.last().and_then(|u| Url::parse(u).ok()),
            redirects: if main.hops.len() > 1 {
                main.hops.clone()
            } else {
                Vec::new()
            },
            content_type: main.content_type.clone(),
            error: error.map(|e| explain_net_error(&e)),
            links,
            captured: CapturedPage {
                http_writes,
                script_writes: log.script_writes,
                storage_writes: log.storage_writes,
                blocked,
                storage,
                jar,
                jar_read_at: Some(jar_read_at),
                service_worker,
                jar_before: None,
                refused,
            },
            elapsed: started.elapsed(),
            tab_broken,
        })
    }

    /// Returns once the event task has handled every event the browser emitted before the
    /// call: a round trip guarantees they are queued for the task, and the sync request then
    /// has the task drain those queues.
    pub(super) async fn drain_events(&self) {
        let (done, drained) = oneshot::channel();
        if self.sync.send(done).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), drained).await;
        }
    }

    /// Removes what a refused off-site document set: the browser stores a response's cookies
    /// before the response can be refused, and that page was never the site's.
    async fn forget_refused_cookies(&self) {
        let (names, url) = {
            let log = self.shared.log.lock().expect("visit log");
            let names: Vec<String> = refused_cookies(&log).into_iter().map(|k| k.name).collect();
            (names, log.main.blocked_off_site.clone())
        };
        let Some(url) = url else {
            return;
        };
        for name in names {
            let params = DeleteCookiesParams::builder()
                .name(name)
                .url(url.clone())
                .build();
            if let Ok(params) = params {
                let _ =
                    tokio::time::timeout(Duration::from_secs(5), self.page.execute(params)).await;
            }
        }
    }

    /// The script URL of the service worker controlling the page, if any.
    async fn controlling_worker(&self) -> Option<String> {
        const CONTROLLER: &str = "(navigator.serviceWorker && navigator.serviceWorker.controller) ? navigator.serviceWorker.controller.scriptURL : null";
        let frame = self.top_frame();
        let value = self.evaluate(Some(&frame.id), CONTROLLER).await?;
        value.as_str().map(str::to_string)
    }

    /// Resolves once the renderer of this tab has crashed.
    async fn crashed(&self) {
        loop {
            let notified = self.shared.changed.notified();
            if self.shared.log.lock().expect("visit log").crashed {
                return;
            }
            notified.await;
        }
    }

    /// Waits until the network has been quiet for `settle_quiet`, at most `settle_max`: late
    /// trackers and consent-dependent scripts set cookies after the load event. With a
    /// visitor's steps (which wait for the page's timers), a shorter silence is enough once the
    /// page itself shows nothing pending: see [`Tab::nothing_pending`].
    pub async fn settle(&self) {
        let timing = self.timing;
        let cap = Instant::now() + timing.settle_max;
        let probe_after = QUIET_PROBE.min(timing.settle_quiet);
        // The silence (by its start) the page was last asked about: asked once per silence.
        let mut probed: Option<Instant> = None;
        loop {
            let notified = self.shared.changed.notified();
            let (in_flight, last) = {
                let log = self.shared.log.lock().expect("visit log");
                (log.in_flight.len(), log.last_activity)
            };
            let now = Instant::now();
            // Long-polling or streaming requests never finish: long silence counts as settled too.
            let quiet_until = if in_flight == 0 {
                last + timing.settle_quiet
            } else {
                last + timing.settle_quiet * 4
            };
            if now >= quiet_until || now >= cap {
                return;
            }
            let may_probe = timing.visitor
                && in_flight == 0
                && probed != Some(last)
                && !self.is_sluggish()
                && !self.is_unresponsive();
            if may_probe && now >= last + probe_after {
                probed = Some(last);
                let left = cap.saturating_duration_since(now);
                if let Ok(true) = tokio::time::timeout(left, self.nothing_pending(last)).await {
                    return;
                }
                continue;
            }
            let wake = if may_probe {
                (last + probe_after).min(quiet_until)
            } else {
                quiet_until
            };
            let _ = tokio::time::timeout_at(wake.min(cap).into(), notified).await;
        }
    }

    /// Whether the page, silent on the network since `quiet_since`, has nothing pending that
    /// could still write: no timer due within the settle cap, and no request started by a
    /// script that was running or queued. The timer question is a round trip through the
    /// page's main thread, so a script busy there runs first; the events it caused are then
    /// drained before the network is looked at again.
    async fn nothing_pending(&self, quiet_since: Instant) -> bool {
        let due = self
            .evaluate_top(&format!(
                "window['{VISITOR}'] ? window['{VISITOR}'].dueWithin({}) : 0",
                self.timing.settle_max.as_millis()
            ))
            .await
            .and_then(|v| v.as_f64());
        if due.is_none_or(|due| due >= 0.0) {
            return false;
        }
        self.drain_events().await;
        let log = self.shared.log.lock().expect("visit log");
        log.in_flight.is_empty() && log.last_activity == quiet_since
    }

    /// The absolute hrefs of the top document's links, in document order; None when the page
    /// did not answer.
    pub async fn collect_links(&self) -> Option<Vec<String>> {
        const LINKS: &str = "Array.from(document.querySelectorAll('a[href], area[href]'), a => a.href).filter(h => typeof h === 'string')";
        let params = EvaluateParams::builder()
            .expression(LINKS)
            .return_by_value(true)
            .build()
            .ok()?;
        let result = self.renderer_command(params, RENDERER_LIMIT).await?;
        Some(serde_json::from_value(result.result.value.unwrap_or_default()).unwrap_or_default())
    }

    /// Runs a command the page's renderer answers, at most `limit`. A command that takes
    /// longer has the renderer probed: when even `0` does not evaluate, the tab is marked
    /// unresponsive and every later command returns None at once.
    pub(super) async fn renderer_command<T: Command>(
        &self,
        params: T,
        limit: Duration,
    ) -> Option<T::Response> {
        if self.is_unresponsive() {
            return None;
        }
        let command = params.identifier();
        match tokio::time::timeout(limit, self.page.execute(params)).await {
            Ok(Ok(response)) => Some(response.result),
            Ok(Err(_)) => None,
            Err(_) => {
                self.sluggish.store(true, Ordering::Relaxed);
                let answered = self.answers().await;
                tracing::debug!("{command} ran out of time; the renderer answered: {answered}");
                None
            }
        }
    }

    /// Whether the renderer evaluates `0` within `PROBE_LIMIT`; marks the tab unresponsive
    /// when it does not.
    async fn answers(&self) -> bool {
        let Ok(probe) = EvaluateParams::builder().expression("0").build() else {
            return true;
        };
        let answered = matches!(
            tokio::time::timeout(PROBE_LIMIT, self.page.execute(probe)).await,
            Ok(Ok(_))
        ) || !self.is_usable();
        if !answered {
            self.unresponsive.store(true, Ordering::Relaxed);
        }
        answered
    }

    /// Whether a command of this visit ran out of time.
    pub(super) fn is_sluggish(&self) -> bool {
        self.sluggish.load(Ordering::Relaxed)
    }

    /// Whether the tab has navigated often enough to be replaced: a renderer that has loaded
    /// hundreds of pages grows (history, caches, leaked documents) and every page in it
    /// loads slower. A fresh tab costs one `Target.createTarget` and the instrumentation.
    pub fn worn_out(&self) -> bool {
        self.navigations.load(Ordering::Relaxed) >= NAVIGATIONS_PER_TAB
    }

    /// Whether the page's renderer stopped answering during this visit.
    pub fn is_unresponsive(&self) -> bool {
        self.unresponsive.load(Ordering::Relaxed)
    }

    /// Web-storage keys of every frame, read in an isolated world so the page's own scripts
    /// cannot interfere. Values are never read out, only their length.
    async fn collect_storage(&self) -> Vec<StorageItem> {
        const STORAGE: &str = r#"(() => {
  const items = [];
  for (const [kind, name] of [["local", "localStorage"], ["session", "sessionStorage"]]) {
    try {
      const store = window[name];
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i);
        items.push([kind, key, (store.getItem(key) || "").length]);
      }
    } catch (e) {}
  }
  return { origin: location.origin, items };
})()"#;
        let mut items = Vec::new();
        for frame in self.frames().await {
            let Some(value) = self.evaluate(Some(&frame.id), STORAGE).await else {
                continue;
            };
            let origin = value
                .get("origin")
                .and_then(|o| o.as_str())
                .unwrap_or_default();
            if !origin.starts_with("http") {
                continue;
            }
            for item in value
                .get("items")
                .and_then(|i| i.as_array())
                .into_iter()
                .flatten()
            {
                let (Some(kind), Some(key), Some(size)) = (
                    item.get(0).and_then(|k| k.as_str()),
                    item.get(1).and_then(|k| k.as_str()),
                    item.get(2).and_then(|s| s.as_u64()),
                ) else {
                    continue;
                };
                items.push(StorageItem {
                    origin: origin.to_string(),
                    kind: if kind == "local" {
                        StorageKind::Local
                    } else {
                        StorageKind::Session
                    },
                    key: key.to_string(),
                    size,
                });
            }
        }
        items
    }

    /// Every frame of the page, the top document first.
    pub async fn frames(&self) -> Vec<Frame> {
        let Ok(tree) = self.page.execute(GetFrameTreeParams::default()).await else {
            return Vec::new();
        };
        let mut frames = Vec::new();
        collect_frames(&tree.result.frame_tree, &mut frames);
        frames
    }

    /// Evaluates an expression in a frame and returns its value: in the top document's own
    /// world (consent platforms' globals live there), in an isolated world for iframes (same DOM,
    /// no interference from the frame's scripts).
    pub async fn evaluate_in(&self, frame: &Frame, expression: &str) -> Option<serde_json::Value> {
        let isolated_in = (!frame.top).then_some(&frame.id);
        self.evaluate(isolated_in, expression).await
    }

    /// Evaluates in a frame's own world, where its page's globals live: the top document's, or
    /// a sub-frame's default context as the browser announced it (an isolated world when the
    /// frame has not announced one yet).
    pub async fn evaluate_in_page_world(
        &self,
        frame: &Frame,
        expression: &str,
    ) -> Option<serde_json::Value> {
        if frame.top {
            return self.evaluate(None, expression).await;
        }
        let context = tokio::time::timeout(
            RENDERER_LIMIT,
            self.page.frame_execution_context(frame.id.clone()),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
        match context {
            Some(context) => self.evaluate_in_context(context, expression).await,
            None => self.evaluate(Some(&frame.id), expression).await,
        }
    }

    /// Evaluates in the top document's own world (where the instrumentation lives).
    pub(super) async fn evaluate_top(&self, expression: &str) -> Option<serde_json::Value> {
        self.evaluate(None, expression).await
    }

    /// Evaluates in the top document's own world, or in a fresh isolated world of a frame.
    pub(super) async fn evaluate(
        &self,
        isolated_in: Option<&FrameId>,
        expression: &str,
    ) -> Option<serde_json::Value> {
        let mut params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true);
        if let Some(frame) = isolated_in {
            let world = CreateIsolatedWorldParams::builder()
                .frame_id(frame.clone())
                .world_name("cookiescan")
                .build()
                .ok()?;
            let world = self.renderer_command(world, RENDERER_LIMIT).await?;
            params = params.context_id(world.execution_context_id);
        }
        self.run_evaluate(params.build().ok()?).await
    }

    /// Runs an evaluation with the usual deadline; None when it threw or timed out.
    async fn run_evaluate(&self, params: EvaluateParams) -> Option<serde_json::Value> {
        let evaluate = self.renderer_command(params, RENDERER_LIMIT).await?;
        if evaluate.exception_details.is_some() {
            return None;
        }
        Some(evaluate.result.value.unwrap_or(serde_json::Value::Null))
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Option<Vec<u8>> {
        let params = CaptureScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .build();
        let shot = self.renderer_command(params, RENDERER_LIMIT * 2).await?;
        let encoded: &str = shot.data.as_ref();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).ok()
    }

    /// Settles as after a load, counting the quiet window from now: after a click, whose
    /// requests may not have started yet.
    pub async fn settle_from_now(&self) {
        self.shared.log.lock().expect("visit log").last_activity = Instant::now();
        self.settle().await;
    }

    /// The top document's frame.
    pub fn top_frame(&self) -> Frame {
        Frame {
            id: self.shared.main_frame.clone(),
            url: String::new(),
            top: true,
        }
    }

    /// A new isolated world in a frame, named `name`, for a helper that keeps state across
    /// calls (the id stays valid until the frame navigates). Its scripts may send messages
    /// through `window.__cookiescanWorld(text)`, read with [`Tab::world_messages`]. None when
    /// the frame is gone.
    pub async fn create_world(&self, frame: &Frame, name: &str) -> Option<i64> {
        let exposed = self
            .exposed_to
            .lock()
            .expect("exposed worlds")
            .contains(name);
        if !exposed {
            let binding = AddBindingParams::builder()
                .name(WORLD_BINDING)
                .execution_context_name(name)
                .build()
                .ok()?;
            self.renderer_command(binding, RENDERER_LIMIT).await?;
            self.exposed_to
                .lock()
                .expect("exposed worlds")
                .insert(name.to_string());
        }
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame.id.clone())
            .world_name(name)
            .build()
            .ok()?;
        let world = self.renderer_command(params, RENDERER_LIMIT).await?;
        Some(*world.execution_context_id.inner())
    }

    /// The messages the world `world` sent through its binding since the last call, in order.
    pub fn world_messages(&self, world: i64) -> Vec<String> {
        let mut messages = self.shared.world_messages.lock().expect("world messages");
        let (mine, others): (Vec<_>, Vec<_>) = messages.drain(..).partition(|(w, _)| *w == world);
        *messages = others;
        mine.into_iter().map(|(_, text)| text).collect()
    }

    /// Evaluates in a world made by `create_world`; None when it threw or the world is gone.
    pub async fn evaluate_in_world(
        &self,
        world: i64,
        expression: &str,
    ) -> Option<serde_json::Value> {
        self.evaluate_in_context(ExecutionContextId::new(world), expression)
            .await
    }

    /// Evaluates in one execution context; None when it threw or the context is gone.
    async fn evaluate_in_context(
        &self,
        context: ExecutionContextId,
        expression: &str,
    ) -> Option<serde_json::Value> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .context_id(context)
            .build()
            .ok()?;
        self.run_evaluate(params).await
    }

    /// A trusted click, as a visitor's mouse gives it: move, press and release at a point of
    /// the top document's viewport (CSS pixels). False when the browser refused an event.
    pub async fn click_at(&self, x: f64, y: f64) -> bool {
        for kind in [
            DispatchMouseEventType::MouseMoved,
            DispatchMouseEventType::MousePressed,
            DispatchMouseEventType::MouseReleased,
        ] {
            let moved = kind == DispatchMouseEventType::MouseMoved;
            let mut event = DispatchMouseEventParams::builder().r#type(kind).x(x).y(y);
            if !moved {
                event = event.button(MouseButton::Left).click_count(1);
            }
            let Ok(event) = event.build() else {
                return false;
            };
            if self.renderer_command(event, RENDERER_LIMIT).await.is_none() {
                return false;
            }
        }
        true
    }

    /// Where a frame's viewport starts in the top document's viewport: the content box of its
    /// `<iframe>` element. (0, 0) for the top document; None when the browser cannot say.
    pub async fn frame_offset(&self, frame: &Frame) -> Option<(f64, f64)> {
        if frame.top {
            return Some((0.0, 0.0));
        }
        let owner = self
            .renderer_command(GetFrameOwnerParams::new(frame.id.clone()), RENDERER_LIMIT)
            .await?;
        let box_model = GetBoxModelParams::builder()
            .backend_node_id(owner.backend_node_id)
            .build();
        let model = self.renderer_command(box_model, RENDERER_LIMIT).await?;
        let quad = model.model.content.inner();
        Some((*quad.first()?, *quad.get(1)?))
    }

    /// A second tab in the same browser context, instrumented and gated like this one: for a
    /// step that visits another page without disturbing this visit's record.
    pub async fn sibling(
        &self,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Result<Tab, BrowserError> {
        let page = session.new_page(context).await?;
        Tab::open(page, self.shared.gate.clone(), self.timing).await
    }

    /// Whether the crawl's scope holds `url` (the gate every main document passes).
    pub fn in_scope(&self, url: &Url) -> bool {
        (self.shared.gate)(url)
    }

    /// The tab's time budget.
    pub fn timing(&self) -> VisitTiming {
        self.timing
    }

    fn is_usable(&self) -> bool {
        !self.task.is_finished()
    }

    /// Closes the tab.
    pub async fn close(self) {
        self.task.abort();
        let _ = tokio::time::timeout(Duration::from_secs(3), self.page.close()).await;
    }
}

/// Installs what every document of the tab needs before its first script: the cookie-write
/// instrumentation and its binding, crash reports, and the main-document gate.
async fn instrument(page: &Page) -> Result<(), BrowserError> {
    page.execute(AddBindingParams::new(BINDING))
        .await
        .map_err(cdp_error)?;
    page.execute(AddScriptToEvaluateOnNewDocumentParams::new(
        instrumentation_script(),
    ))
    .await
    .map_err(cdp_error)?;
    page.execute(inspector::EnableParams::default())
        .await
        .map_err(cdp_error)?;
    page.execute(
        SetAutoAttachParams::builder()
            .auto_attach(true)
            .wait_for_debugger_on_start(false)
            .flatten(true)
            .build()
            .map_err(cdp_error)?,
    )
    .await
    .map_err(cdp_error)?;
    let document_patterns = [RequestStage::Request, RequestStage::Response].map(|stage| {
        RequestPattern::builder()
            .url_pattern("*")
            .resource_type(ResourceType::Document)
            .request_stage(stage)
            .build()
    });
    page.execute(
        fetch::EnableParams::builder()
            .patterns(document_patterns)
            .build(),
    )
    .await
    .map_err(cdp_error)?;
    Ok(())
}

/// The page's verdict from the load error and what the gate saw of the main document.
fn verdict(error: Option<String>, main: &MainDocument) -> (PageOutcome, Option<String>) {
    if let Some(target) = &main.blocked_off_site {
        (
            PageOutcome::OffSiteRedirect,
            Some(format!("redirected off the site to {target}; not loaded")),
        )
    } else if let Some(kind) = &main.blocked_non_html {
        (
            PageOutcome::Skipped,
            Some(format!("not HTML ({kind}); not rendered")),
        )
    } else if error.as_deref() == Some("net::ERR_ABORTED") && main.status.is_some() {
        // A download Chromium refused (Content-Disposition: attachment).
        (
            PageOutcome::Skipped,
            Some("a download; not rendered".into()),
        )
    } else if error.is_some() {
        (PageOutcome::Failed, error)
    } else {
        (PageOutcome::Ok, None)
    }
}

fn collect_frames(tree: &FrameTree, out: &mut Vec<Frame>) {
    out.push(Frame {
        id: tree.frame.id.clone(),
        url: tree.frame.url.clone(),
        top: out.is_empty(),
    });
    for child in tree.child_frames.iter().flatten() {
        collect_frames(child, out);
    }
}

fn human(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// Chromium's network error codes, with a hint for the ones users hit.
fn explain_net_error(error: &str) -> String {
    if error.starts_with("net::ERR_CERT") || error.contains("SSL") {
        format!(
            "{error}: the site's TLS certificate is not valid (use --insecure for a staging site)"
        )
    } else if error == "net::ERR_NAME_NOT_RESOLVED" {
        format!("{error}: the host name does not resolve")
    } else if error == "net::ERR_CONNECTION_REFUSED" {
        format!("{error}: nothing is listening at that address")
    } else {
        error.to_string()
    }
}
