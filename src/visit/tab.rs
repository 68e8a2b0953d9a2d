//! One browser tab and one page visit: navigation with a deadline, the main document gated by
//! `Fetch` (non-HTML is never rendered, off-site redirects are never loaded), dialogs dismissed,
//! a network-quiet settle window, then the capture of what the visit wrote.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chromiumoxide::cdp::browser_protocol::fetch::{
    self, ContinueRequestParams, EventRequestPaused, FailRequestParams, RequestPattern,
    RequestStage,
};
use chromiumoxide::cdp::browser_protocol::inspector::{self, EventTargetCrashed};
use chromiumoxide::cdp::browser_protocol::network::{
    ErrorReason, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventResponseReceivedExtraInfo, ResourceType,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, CaptureScreenshotFormat, CaptureScreenshotParams,
    CreateIsolatedWorldParams, DialogType, EventJavascriptDialogOpening, EventLoadEventFired,
    FrameId, FrameTree, GetFrameTreeParams, HandleJavaScriptDialogParams, NavigateParams,
    StopLoadingParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    AddBindingParams, EvaluateParams, EventBindingCalled,
};
use chromiumoxide::page::Page;
use futures::{FutureExt, StreamExt};
use tokio::sync::{Notify, mpsc, oneshot};
use url::Url;

use crate::capture::script::{
    BINDING, Report, StorageWrite, instrumentation_script, parse_payload,
};
use crate::capture::setcookie::parse_cookie_line;
use crate::capture::{BlockedWrite, CapturedPage, HttpWrite, ScriptWrite, StorageItem};
use crate::consent::ConsentDriver;
use crate::model::{ConsentRecord, PageOutcome, StorageKind};

use super::browser::{BrowserError, BrowserSession};
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;

/// Decides whether the main document may load a URL (redirect targets off the site may not).
pub type ScopeGate = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

/// Time budget of one visit.
#[derive(Debug, Clone, Copy)]
pub struct VisitTiming {
    /// Navigation to load event, at most.
    pub page_timeout: Duration,
    /// Network silence after load that counts as settled.
    pub settle_quiet: Duration,
    /// Longest settle wait after load.
    pub settle_max: Duration,
}

/// What a visit produced.
#[derive(Debug, Clone)]
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
    /// The banner handled during this visit, in the accept and reject passes.
    pub consent: Option<ConsentRecord>,
}

#[derive(Default)]
struct MainDocument {
    /// URL of each hop of the main document request, in order.
    hops: Vec<String>,
    status: Option<u16>,
    content_type: Option<String>,
    blocked_off_site: Option<String>,
    blocked_non_html: Option<String>,
}

/// Per-visit state the tab's event task writes into.
struct VisitLog {
    in_flight: HashSet<String>,
    last_activity: Instant,
    /// Request id → URL of each hop (redirects reuse the id).
    hops: HashMap<String, Vec<String>>,
    /// Request id → (document that made the request, what initiated it).
    origins: HashMap<String, (String, Option<String>)>,
    /// `responseReceivedExtraInfo` events; resolved to URLs once all hops are known, since
    /// Chromium may deliver one before its `requestWillBeSent`.
    extra_info: Vec<ExtraInfo>,
    script_writes: Vec<ScriptWrite>,
    storage_writes: Vec<StorageWrite>,
    main: MainDocument,
    loaded: bool,
    crashed: bool,
    dialogs: u32,
}

struct ExtraInfo {
    request_id: String,
    hop: usize,
    set_cookie_lines: Vec<String>,
    blocked: Vec<(String, Vec<String>)>,
}

impl VisitLog {
    fn new() -> VisitLog {
        VisitLog {
            in_flight: HashSet::new(),
            last_activity: Instant::now(),
            hops: HashMap::new(),
            origins: HashMap::new(),
            extra_info: Vec::new(),
            script_writes: Vec::new(),
            storage_writes: Vec::new(),
            main: MainDocument::default(),
            loaded: false,
            crashed: false,
            dialogs: 0,
        }
    }
}

struct Shared {
    log: Mutex<VisitLog>,
    changed: Notify,
    main_frame: FrameId,
    gate: ScopeGate,
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
    page: Page,
    timing: VisitTiming,
    shared: Arc<Shared>,
    sync: mpsc::Sender<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
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

        let paused = page
            .event_listener::<EventRequestPaused>()
            .await
            .map_err(cdp_error)?;
        let will_send = page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .map_err(cdp_error)?;
        let finished = page
            .event_listener::<EventLoadingFinished>()
            .await
            .map_err(cdp_error)?;
        let failed = page
            .event_listener::<EventLoadingFailed>()
            .await
            .map_err(cdp_error)?;
        let extra = page
            .event_listener::<EventResponseReceivedExtraInfo>()
            .await
            .map_err(cdp_error)?;
        let bindings = page
            .event_listener::<EventBindingCalled>()
            .await
            .map_err(cdp_error)?;
        let dialogs = page
            .event_listener::<EventJavascriptDialogOpening>()
            .await
            .map_err(cdp_error)?;
        let loads = page
            .event_listener::<EventLoadEventFired>()
            .await
            .map_err(cdp_error)?;
        let crashes = page
            .event_listener::<EventTargetCrashed>()
            .await
            .map_err(cdp_error)?;

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

        let shared = Arc::new(Shared {
            log: Mutex::new(VisitLog::new()),
            changed: Notify::new(),
            main_frame,
            gate,
        });
        let (sync, sync_requests) = mpsc::channel(1);
        let streams = Streams {
            paused,
            will_send,
            finished,
            failed,
            extra,
            bindings,
            dialogs,
            loads,
            crashes,
            sync_requests,
        };
        let task = tokio::spawn(pump_events(page.clone(), shared.clone(), streams));
        Ok(Tab {
            page,
            timing,
            shared,
            sync,
            task,
        })
    }

    /// Visits `url` and captures what the visit wrote. Errors only when the browser is gone or
    /// the tab cannot be driven at all; a page that fails is a `Visit` with an error.
    pub async fn visit(
        &self,
        url: &Url,
        timing: VisitTiming,
        session: &BrowserSession,
        context: &BrowserContextId,
        consent: Option<(&ConsentDriver, bool)>,
    ) -> Result<Visit, BrowserError> {
        let started = Instant::now();
        *self.shared.log.lock().expect("visit log") = VisitLog::new();

        let deadline = started + timing.page_timeout;
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
                error = Some(format!(
                    "the page did not finish loading within {} (no response)",
                    human(timing.page_timeout)
                ))
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
        let navigation_failed = error.is_some();
        if !navigation_failed {
            loop {
                let notified = self.shared.changed.notified();
                {
                    let log = self.shared.log.lock().expect("visit log");
                    if log.loaded || log.crashed {
                        break;
                    }
                }
                if tokio::time::timeout_at(deadline.into(), notified)
                    .await
                    .is_err()
                {
                    error = Some(format!(
                        "the page did not finish loading within {}",
                        human(timing.page_timeout)
                    ));
                    // Stop the hanging load so the tab can be reused.
                    let _ = tokio::time::timeout(
                        Duration::from_secs(2),
                        self.page.execute(StopLoadingParams::default()),
                    )
                    .await;
                    break;
                }
            }
        }
        let crashed = self.shared.log.lock().expect("visit log").crashed;
        if crashed {
            error = Some("the tab crashed".into());
            tab_broken = true;
        }

        if error.is_none() {
            self.settle(timing).await;
        }
        let mut consent_record = None;
        if error.is_none()
            && let Some((driver, first)) = consent
        {
            consent_record = driver
                .handle(self, url.as_str(), first, session, context)
                .await;
        }

        // A round trip guarantees that every event emitted before it is queued for the event
        // task; the sync request then has the task drain those queues.
        let mut links = Vec::new();
        let mut storage = Vec::new();
        if !tab_broken {
            match tokio::time::timeout(Duration::from_secs(5), self.collect_links()).await {
                Ok(Ok(found)) => links = found,
                Ok(Err(_)) | Err(_) => {
                    if !self.is_usable() {
                        return Err(BrowserError::Gone("the tab stopped responding".into()));
                    }
                    tab_broken = error.is_some();
                }
            }
            if let Ok(items) =
                tokio::time::timeout(Duration::from_secs(5), self.collect_storage()).await
            {
                storage = items;
            }
        }
        let (done, drained) = oneshot::channel();
        if self.sync.send(done).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), drained).await;
        }
        let jar = session.cookies(context).await?;
        let jar_read_at = SystemTime::now();

        let log = std::mem::replace(
            &mut *self.shared.log.lock().expect("visit log"),
            VisitLog::new(),
        );
        let (http_writes, blocked) = resolve_set_cookies(&log);
        let main = &log.main;
        let final_url = main.hops.last().and_then(|u| Url::parse(u).ok());
        let mut outcome = if error.is_some() {
            PageOutcome::Failed
        } else {
            PageOutcome::Ok
        };
        if let Some(target) = &main.blocked_off_site {
            outcome = PageOutcome::OffSiteRedirect;
            error = Some(format!("redirected off the site to {target}; not loaded"));
        } else if let Some(kind) = &main.blocked_non_html {
            outcome = PageOutcome::Skipped;
            error = Some(format!("not HTML ({kind}); not rendered"));
        } else if error.as_deref() == Some("net::ERR_ABORTED") && main.status.is_some() {
            // A download Chromium refused (Content-Disposition: attachment).
            outcome = PageOutcome::Skipped;
            error = Some("a download; not rendered".into());
        }
        if log.dialogs > 0 {
            tracing::debug!("{url}: dismissed {} dialog(s)", log.dialogs);
        }
        Ok(Visit {
            outcome,
            status: main.status,
            final_url,
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
            },
            elapsed: started.elapsed(),
            tab_broken,
            consent: consent_record,
        })
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
    /// trackers and consent-dependent scripts set cookies after the load event.
    async fn settle(&self, timing: VisitTiming) {
        let cap = Instant::now() + timing.settle_max;
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
            let wake = quiet_until.min(cap);
            let _ = tokio::time::timeout_at(wake.into(), notified).await;
        }
    }

    async fn collect_links(&self) -> Result<Vec<String>, BrowserError> {
        const LINKS: &str = "Array.from(document.querySelectorAll('a[href], area[href]'), a => a.href).filter(h => typeof h === 'string')";
        let result = self
            .page
            .execute(
                EvaluateParams::builder()
                    .expression(LINKS)
                    .return_by_value(true)
                    .build()
                    .map_err(cdp_error)?,
            )
            .await
            .map_err(cdp_error)?;
        let value = result.result.result.value.unwrap_or_default();
        Ok(serde_json::from_value(value).unwrap_or_default())
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

    /// Evaluates in the top document's own world, or in a fresh isolated world of a frame.
    async fn evaluate(
        &self,
        isolated_in: Option<&FrameId>,
        expression: &str,
    ) -> Option<serde_json::Value> {
        let mut params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true);
        if let Some(frame) = isolated_in {
            let world = self
                .page
                .execute(
                    CreateIsolatedWorldParams::builder()
                        .frame_id(frame.clone())
                        .world_name("cookiescan")
                        .build()
                        .ok()?,
                )
                .await
                .ok()?;
            params = params.context_id(world.result.execution_context_id);
        }
        let evaluate = tokio::time::timeout(
            Duration::from_secs(5),
            self.page.execute(params.build().ok()?),
        )
        .await
        .ok()?
        .ok()?;
        if evaluate.result.exception_details.is_some() {
            return None;
        }
        Some(
            evaluate
                .result
                .result
                .value
                .unwrap_or(serde_json::Value::Null),
        )
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Option<Vec<u8>> {
        let params = CaptureScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .build();
        let shot = tokio::time::timeout(Duration::from_secs(10), self.page.execute(params))
            .await
            .ok()?
            .ok()?;
        let encoded: &str = shot.result.data.as_ref();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).ok()
    }

    /// After a consent choice: let the requests it triggered finish, and when it reloaded the
    /// page, wait for the new document to load first.
    pub async fn settle_after_action(&self) {
        self.shared.log.lock().expect("visit log").last_activity = Instant::now();
        self.settle(self.timing).await;
        let top = Frame {
            id: self.shared.main_frame.clone(),
            url: String::new(),
            top: true,
        };
        const STILL_HERE: &str = "typeof window.__cookiescanConsent === 'function' && document.readyState === 'complete'";
        let deadline = Instant::now() + self.timing.page_timeout;
        let mut reloaded = false;
        while self.evaluate_in(&top, STILL_HERE).await != Some(serde_json::Value::Bool(true)) {
            reloaded = true;
            let ready = self
                .evaluate_in(&top, "document.readyState === 'complete'")
                .await;
            if ready == Some(serde_json::Value::Bool(true)) || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if reloaded {
            self.settle(self.timing).await;
        }
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

/// Pairs each `responseReceivedExtraInfo` with the hop it belongs to: redirects reuse the
/// request id and the k-th extra-info event of an id describes its k-th hop.
fn resolve_set_cookies(log: &VisitLog) -> (Vec<HttpWrite>, Vec<BlockedWrite>) {
    let mut writes = Vec::new();
    let mut blocked = Vec::new();
    for info in &log.extra_info {
        let Some(url) = log
            .hops
            .get(&info.request_id)
            .and_then(|hops| hops.get(info.hop).or(hops.last()))
        else {
            continue;
        };
        let Ok(parsed) = Url::parse(url) else {
            continue;
        };
        let blocked_lines: HashSet<&str> = info.blocked.iter().map(|(l, _)| l.as_str()).collect();
        for line in &info.set_cookie_lines {
            if blocked_lines.contains(line.as_str()) {
                continue;
            }
            if let Some(write) = parse_cookie_line(line, &parsed) {
                let origin = log.origins.get(&info.request_id);
                writes.push(HttpWrite {
                    write,
                    response_url: url.clone(),
                    frame_url: origin.map(|(document, _)| document.clone()),
                    initiator: origin.and_then(|(_, initiator)| initiator.clone()),
                });
            }
        }
        for (line, reasons) in &info.blocked {
            let name = line.split(';').next().unwrap_or("");
            let name = name.split_once('=').map_or(name, |(n, _)| n).trim();
            blocked.push(BlockedWrite {
                name: name.to_string(),
                response_url: url.clone(),
                reasons: reasons.clone(),
            });
        }
    }
    (writes, blocked)
}

struct Streams {
    paused: chromiumoxide::listeners::EventStream<EventRequestPaused>,
    will_send: chromiumoxide::listeners::EventStream<EventRequestWillBeSent>,
    finished: chromiumoxide::listeners::EventStream<EventLoadingFinished>,
    failed: chromiumoxide::listeners::EventStream<EventLoadingFailed>,
    extra: chromiumoxide::listeners::EventStream<EventResponseReceivedExtraInfo>,
    bindings: chromiumoxide::listeners::EventStream<EventBindingCalled>,
    dialogs: chromiumoxide::listeners::EventStream<EventJavascriptDialogOpening>,
    loads: chromiumoxide::listeners::EventStream<EventLoadEventFired>,
    crashes: chromiumoxide::listeners::EventStream<EventTargetCrashed>,
    sync_requests: mpsc::Receiver<oneshot::Sender<()>>,
}

/// The tab's event loop. Requests paused by `Fetch` and dialogs are answered at once (the page
/// is blocked until they are); everything else is written into the visit log.
async fn pump_events(page: Page, shared: Arc<Shared>, mut s: Streams) {
    loop {
        tokio::select! {
            Some(event) = s.paused.next() => on_paused(&page, &shared, &event),
            Some(event) = s.dialogs.next() => {
                shared.log.lock().expect("visit log").dialogs += 1;
                // Accepting `beforeunload` lets the tab leave; every other dialog is dismissed.
                let accept = matches!(event.r#type, DialogType::Beforeunload);
                let page = page.clone();
                tokio::spawn(async move {
                    let _ = page.execute(HandleJavaScriptDialogParams::new(accept)).await;
                });
            }
            Some(event) = s.will_send.next() => on_will_send(&shared, &event),
            Some(event) = s.finished.next() => on_done(&shared, event.request_id.inner()),
            Some(event) = s.failed.next() => on_done(&shared, event.request_id.inner()),
            Some(event) = s.extra.next() => on_extra_info(&shared, &event),
            Some(event) = s.bindings.next() => on_binding(&shared, &event),
            Some(_) = s.loads.next() => {
                shared.log.lock().expect("visit log").loaded = true;
                shared.changed.notify_waiters();
            }
            Some(_) = s.crashes.next() => {
                shared.log.lock().expect("visit log").crashed = true;
                shared.changed.notify_waiters();
            }
            Some(done) = s.sync_requests.recv() => {
                drain(&page, &shared, &mut s);
                let _ = done.send(());
            }
            else => break,
        }
    }
}

/// Handles whatever is already queued, without waiting.
fn drain(page: &Page, shared: &Arc<Shared>, s: &mut Streams) {
    while let Some(Some(e)) = s.paused.next().now_or_never() {
        on_paused(page, shared, &e);
    }
    while let Some(Some(e)) = s.will_send.next().now_or_never() {
        on_will_send(shared, &e);
    }
    while let Some(Some(e)) = s.finished.next().now_or_never() {
        on_done(shared, e.request_id.inner());
    }
    while let Some(Some(e)) = s.failed.next().now_or_never() {
        on_done(shared, e.request_id.inner());
    }
    while let Some(Some(e)) = s.extra.next().now_or_never() {
        on_extra_info(shared, &e);
    }
    while let Some(Some(e)) = s.bindings.next().now_or_never() {
        on_binding(shared, &e);
    }
}

fn touch(log: &mut VisitLog) {
    log.last_activity = Instant::now();
}

fn on_will_send(shared: &Shared, event: &EventRequestWillBeSent) {
    let mut log = shared.log.lock().expect("visit log");
    let id = event.request_id.inner().clone();
    log.hops
        .entry(id.clone())
        .or_default()
        .push(event.request.url.clone());
    log.origins.entry(id.clone()).or_insert_with(|| {
        let initiator = event.initiator.url.clone().filter(|u| !u.is_empty());
        let from_stack = || {
            let stack = event.initiator.stack.as_ref()?;
            stack
                .call_frames
                .iter()
                .map(|frame| frame.url.clone())
                .find(|url| !url.is_empty())
        };
        (event.document_url.clone(), initiator.or_else(from_stack))
    });
    log.in_flight.insert(id);
    touch(&mut log);
    drop(log);
    shared.changed.notify_waiters();
}

fn on_done(shared: &Shared, request_id: &str) {
    let mut log = shared.log.lock().expect("visit log");
    log.in_flight.remove(request_id);
    touch(&mut log);
    drop(log);
    shared.changed.notify_waiters();
}

fn on_extra_info(shared: &Shared, event: &EventResponseReceivedExtraInfo) {
    let headers = event.headers.inner();
    let mut lines = Vec::new();
    if let Some(object) = headers.as_object() {
        for (name, value) in object {
            if name.eq_ignore_ascii_case("set-cookie")
                && let Some(text) = value.as_str()
            {
                // Chromium joins repeated Set-Cookie headers with newlines.
                lines.extend(text.split('\n').map(str::to_string));
            }
        }
    }
    let blocked = event
        .blocked_cookies
        .iter()
        .map(|b| {
            let reasons = b
                .blocked_reasons
                .iter()
                .map(|r| {
                    serde_json::to_value(r)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_else(|| format!("{r:?}"))
                })
                .collect();
            (b.cookie_line.clone(), reasons)
        })
        .collect();
    let mut log = shared.log.lock().expect("visit log");
    let id = event.request_id.inner().clone();
    let hop = log.extra_info.iter().filter(|i| i.request_id == id).count();
    log.extra_info.push(ExtraInfo {
        request_id: id,
        hop,
        set_cookie_lines: lines,
        blocked,
    });
    touch(&mut log);
}

fn on_binding(shared: &Shared, event: &EventBindingCalled) {
    if event.name != BINDING {
        return;
    }
    let mut log = shared.log.lock().expect("visit log");
    match parse_payload(&event.payload) {
        Some(Report::Cookie(write)) => log.script_writes.push(write),
        Some(Report::Storage(write)) => log.storage_writes.push(write),
        None => {}
    }
}

/// The main-document gate. At the request stage a redirect hop leaving the site is failed, so
/// the off-site page never loads and sets nothing; at the response stage a non-HTML document
/// is failed before it is rendered or downloaded.
fn on_paused(page: &Page, shared: &Shared, event: &EventRequestPaused) {
    let is_main = event.frame_id == shared.main_frame;
    let at_response = event.response_status_code.is_some() || event.response_error_reason.is_some();
    let mut block = false;
    if is_main {
        let mut log = shared.log.lock().expect("visit log");
        if !at_response {
            let allowed = Url::parse(&event.request.url).is_ok_and(|u| (shared.gate)(&u));
            if !allowed {
                log.main.blocked_off_site = Some(event.request.url.clone());
                block = true;
            }
            if log.main.hops.last() != Some(&event.request.url) {
                log.main.hops.push(event.request.url.clone());
            }
        } else if let Some(status) = event.response_status_code {
            log.main.status = u16::try_from(status).ok();
            let content_type = event
                .response_headers
                .iter()
                .flatten()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value.clone());
            log.main.content_type = content_type.clone();
            let redirect = (300..400).contains(&status);
            let attachment = event
                .response_headers
                .iter()
                .flatten()
                .find(|h| h.name.eq_ignore_ascii_case("content-disposition"))
                .is_some_and(|h| {
                    h.value
                        .trim()
                        .to_ascii_lowercase()
                        .starts_with("attachment")
                });
            let refused = if attachment {
                Some("a download".to_string())
            } else {
                content_type.filter(|t| !is_html(t))
            };
            if !redirect && let Some(kind) = refused {
                log.main.blocked_non_html = Some(kind);
                block = true;
            }
        }
    }
    let page = page.clone();
    let id = event.request_id.clone();
    tokio::spawn(async move {
        if block {
            let _ = page
                .execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                .await;
        } else {
            let _ = page.execute(ContinueRequestParams::new(id)).await;
        }
    });
}

fn is_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty() || essence == "text/html" || essence == "application/xhtml+xml"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_content_types() {
        assert!(is_html("text/html; charset=utf-8"));
        assert!(is_html("application/xhtml+xml"));
        assert!(is_html(""));
        assert!(!is_html("application/pdf"));
        assert!(!is_html("image/png"));
    }
}
