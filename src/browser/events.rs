//! The tab's side of the DevTools connection: one event type for everything a tab listens to,
//! one task that pumps them into the visit log, and the main-document gate. Requests paused
//! by `Fetch` and dialogs are answered at once (the page is blocked until they are).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chromiumoxide::cdp::IntoEventKind;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EventRequestPaused, FailRequestParams,
};
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::network::{
    ErrorReason, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventResponseReceived, EventResponseReceivedExtraInfo,
};
use chromiumoxide::cdp::browser_protocol::page::{
    DialogType, EventJavascriptDialogOpening, EventLoadEventFired, FrameId,
    HandleJavaScriptDialogParams,
};
use chromiumoxide::cdp::js_protocol::runtime::EventBindingCalled;
use chromiumoxide::page::Page;
use futures::stream::{BoxStream, SelectAll};
use futures::{FutureExt, StreamExt};
use tokio::sync::{Notify, mpsc, oneshot};
use url::Url;

use super::session::BrowserError;
use crate::capture::script::{BINDING, Report, StorageWrite, parse_payload};
use crate::capture::setcookie::parse_cookie_line;
use crate::capture::{BlockedWrite, CookieKey, HttpWrite, ScriptWrite};
use crate::model::VisitStep;

#[derive(Default)]
pub(super) struct MainDocument {
    /// URL of each hop of the main document request, in order.
    pub(super) hops: Vec<String>,
    pub(super) status: Option<u16>,
    pub(super) content_type: Option<String>,
    pub(super) blocked_off_site: Option<String>,
    pub(super) blocked_non_html: Option<String>,
    /// The document was accepted: a later main-frame navigation is the page's own (a script
    /// leaving, a download link), not part of this page's load.
    pub(super) committed: bool,
}

/// Per-visit state the tab's event task writes into.
pub(super) struct VisitLog {
    pub(super) in_flight: HashSet<String>,
    pub(super) last_activity: Instant,
    /// Request id → URL of each hop (redirects reuse the id).
    pub(super) hops: HashMap<String, Vec<String>>,
    /// Request id → (document that made the request, what initiated it).
    pub(super) origins: HashMap<String, (String, Option<String>)>,
    /// `responseReceivedExtraInfo` events; resolved to URLs once all hops are known, since
    /// Chromium may deliver one before its `requestWillBeSent`.
    pub(super) extra_info: Vec<ExtraInfo>,
    pub(super) script_writes: Vec<ScriptWrite>,
    pub(super) storage_writes: Vec<StorageWrite>,
    pub(super) main: MainDocument,
    pub(super) loaded: bool,
    pub(super) crashed: bool,
    pub(super) dialogs: u32,
    /// What the visit is doing now; writes are recorded with it.
    pub(super) step: VisitStep,
    /// While the tab explores where elements lead (`Some`), navigations of the main frame are
    /// refused and their URLs recorded here.
    pub(super) exploring: Option<Vec<String>>,
    /// Responses a service worker served: their network fetch (and its `Set-Cookie`) happened
    /// in the worker, out of this tab's sight.
    pub(super) served_by_worker: Vec<String>,
}

pub(super) struct ExtraInfo {
    pub(super) request_id: String,
    pub(super) hop: usize,
    pub(super) set_cookie_lines: Vec<String>,
    pub(super) blocked: Vec<(String, Vec<String>)>,
    pub(super) step: VisitStep,
}

impl VisitLog {
    pub(super) fn new() -> VisitLog {
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
            step: VisitStep::Load,
            exploring: None,
            served_by_worker: Vec::new(),
        }
    }
}

pub(super) struct Shared {
    pub(super) log: Mutex<VisitLog>,
    pub(super) changed: Notify,
    pub(super) main_frame: FrameId,
    pub(super) gate: ScopeGate,
    /// What helper worlds sent through [`WORLD_BINDING`], by execution context, in order.
    pub(super) world_messages: Mutex<Vec<(i64, String)>>,
}

/// The binding exposed in helper worlds (see `Tab::create_world`): a message sent through it
/// reaches cookiescan at once, even from a frame about to be removed.
pub(crate) const WORLD_BINDING: &str = "__cookiescanWorld";

/// Decides whether the main document may load a URL (redirect targets off the site may not).
pub type ScopeGate = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

/// Everything a tab listens to, as one stream.
enum TabEvent {
    Paused(Arc<EventRequestPaused>),
    Dialog(Arc<EventJavascriptDialogOpening>),
    WillSend(Arc<EventRequestWillBeSent>),
    Finished(Arc<EventLoadingFinished>),
    Failed(Arc<EventLoadingFailed>),
    ExtraInfo(Arc<EventResponseReceivedExtraInfo>),
    Response(Arc<EventResponseReceived>),
    Binding(Arc<EventBindingCalled>),
    Loaded,
    Crashed,
}

/// The tab's events, merged.
pub(super) struct Events(SelectAll<BoxStream<'static, TabEvent>>);

async fn listen<T>(
    page: &Page,
    wrap: impl Fn(Arc<T>) -> TabEvent + Send + 'static,
) -> Result<BoxStream<'static, TabEvent>, BrowserError>
where
    T: IntoEventKind + Unpin + Send + Sync + 'static,
{
    let stream = page
        .event_listener::<T>()
        .await
        .map_err(|e| BrowserError::Command(e.to_string()))?;
    Ok(stream.map(wrap).boxed())
}

impl Events {
    /// Subscribes to every event the tab handles; call before the page does anything.
    pub(super) async fn subscribe(page: &Page) -> Result<Events, BrowserError> {
        Ok(Events(futures::stream::select_all([
            listen(page, TabEvent::Paused).await?,
            listen(page, TabEvent::Dialog).await?,
            listen(page, TabEvent::WillSend).await?,
            listen(page, TabEvent::Finished).await?,
            listen(page, TabEvent::Failed).await?,
            listen(page, TabEvent::ExtraInfo).await?,
            listen(page, TabEvent::Response).await?,
            listen(page, TabEvent::Binding).await?,
            listen(page, |_: Arc<EventLoadEventFired>| TabEvent::Loaded).await?,
            listen(page, |_: Arc<EventTargetCrashed>| TabEvent::Crashed).await?,
        ])))
    }
}

/// The tab's event loop. A sync request has it handle whatever is already queued first, so
/// the caller knows the log holds every event emitted before its request.
pub(super) async fn pump_events(
    page: Page,
    shared: Arc<Shared>,
    mut events: Events,
    mut sync_requests: mpsc::Receiver<oneshot::Sender<()>>,
) {
    loop {
        tokio::select! {
            Some(event) = events.0.next() => handle(&page, &shared, event),
            Some(done) = sync_requests.recv() => {
                while let Some(Some(event)) = events.0.next().now_or_never() {
                    handle(&page, &shared, event);
                }
                let _ = done.send(());
            }
            else => break,
        }
    }
}

fn handle(page: &Page, shared: &Shared, event: TabEvent) {
    match event {
        TabEvent::Paused(event) => on_paused(page, shared, &event),
        TabEvent::Dialog(event) => {
            shared.log.lock().expect("visit log").dialogs += 1;
            // Accepting `beforeunload` lets the tab leave; every other dialog is dismissed.
            let accept = matches!(event.r#type, DialogType::Beforeunload);
            let page = page.clone();
            tokio::spawn(async move {
                let _ = page
                    .execute(HandleJavaScriptDialogParams::new(accept))
                    .await;
            });
        }
        TabEvent::WillSend(event) => on_will_send(shared, &event),
        TabEvent::Finished(event) => on_done(shared, event.request_id.inner()),
        TabEvent::Failed(event) => on_done(shared, event.request_id.inner()),
        TabEvent::ExtraInfo(event) => on_extra_info(shared, &event),
        TabEvent::Response(event) => {
            if event.response.from_service_worker == Some(true) {
                let mut log = shared.log.lock().expect("visit log");
                log.served_by_worker.push(event.response.url.clone());
            }
        }
        TabEvent::Binding(event) => on_binding(shared, &event),
        TabEvent::Loaded => {
            shared.log.lock().expect("visit log").loaded = true;
            shared.changed.notify_waiters();
        }
        TabEvent::Crashed => {
            shared.log.lock().expect("visit log").crashed = true;
            shared.changed.notify_waiters();
        }
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
    let step = log.step;
    log.extra_info.push(ExtraInfo {
        request_id: id,
        hop,
        set_cookie_lines: lines,
        blocked,
        step,
    });
    touch(&mut log);
}

fn on_binding(shared: &Shared, event: &EventBindingCalled) {
    if event.name == WORLD_BINDING {
        shared
            .world_messages
            .lock()
            .expect("world messages")
            .push((*event.execution_context_id.inner(), event.payload.clone()));
        return;
    }
    if event.name != BINDING {
        return;
    }
    let mut log = shared.log.lock().expect("visit log");
    match parse_payload(&event.payload) {
        Some(Report::Cookie(mut write)) => {
            write.step = log.step;
            log.script_writes.push(write)
        }
        Some(Report::Storage(write)) => log.storage_writes.push(write),
        None => {}
    }
}

/// The main-document gate. A redirect chain may pass through other sites (click trackers)
/// while it leads back to the site: an off-site hop is requested, and failed at the response
/// stage unless it redirects again, so an off-site page is never rendered. A navigation that
/// starts off the site is failed before it is sent. At the response stage a non-HTML document
/// is failed before it is rendered or downloaded. While the tab explores, every new navigation
/// is recorded and refused.
fn on_paused(page: &Page, shared: &Shared, event: &EventRequestPaused) {
    let is_main = event.frame_id == shared.main_frame;
    let at_response = event.response_status_code.is_some() || event.response_error_reason.is_some();
    let mut block = false;
    if is_main {
        let on_site = Url::parse(&event.request.url).is_ok_and(|u| (shared.gate)(&u));
        let mut log = shared.log.lock().expect("visit log");
        let hop = event.redirected_request_id.is_some();
        if !at_response
            && !hop
            && let Some(found) = log.exploring.as_mut()
        {
            found.push(event.request.url.clone());
            block = true;
            shared.changed.notify_waiters();
        } else if !at_response && log.main.committed {
            // A navigation of the loaded page: its URL is a hop only once it is accepted.
            block = !on_site && !hop;
        } else if !at_response {
            if !on_site && !hop {
                log.main.blocked_off_site = Some(event.request.url.clone());
                block = true;
            }
            if log.main.hops.last() != Some(&event.request.url) {
                log.main.hops.push(event.request.url.clone());
            }
        } else if let Some(status) = event.response_status_code {
            let content_type = event
                .response_headers
                .iter()
                .flatten()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value.clone());
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
                content_type.clone().filter(|t| !is_html(t))
            };
            if log.main.committed && !redirect && (!on_site || refused.is_some()) {
                // The page, once loaded, started a download or left the site: refused, and
                // the page it started from stays what it was.
                block = true;
            } else {
                log.main.status = u16::try_from(status).ok();
                log.main.content_type = content_type.clone();
                if !redirect && !on_site {
                    log.main.blocked_off_site = Some(event.request.url.clone());
                    block = true;
                } else if !redirect && let Some(kind) = refused {
                    log.main.blocked_non_html = Some(kind);
                    block = true;
                } else if !redirect {
                    if log.main.committed && log.main.hops.last() != Some(&event.request.url) {
                        log.main.hops.push(event.request.url.clone());
                    }
                    log.main.committed = true;
                }
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

pub(super) fn is_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty() || essence == "text/html" || essence == "application/xhtml+xml"
}

/// The response URL each extra-info event describes: its request's hop of the same index.
fn hop_url<'a>(log: &'a VisitLog, info: &ExtraInfo) -> Option<&'a String> {
    log.hops
        .get(&info.request_id)
        .and_then(|hops| hops.get(info.hop).or(hops.last()))
}

/// The cookies the refused off-site document set: the browser stores a response's
/// cookies before the response can be refused (and `Fetch` hides its `Set-Cookie` headers).
pub(super) fn refused_cookies(log: &VisitLog) -> Vec<CookieKey> {
    let Some(refused) = log.main.blocked_off_site.as_ref() else {
        return Vec::new();
    };
    let Ok(url) = Url::parse(refused) else {
        return Vec::new();
    };
    log.extra_info
        .iter()
        .filter(|info| hop_url(log, info) == Some(refused))
        .flat_map(|info| &info.set_cookie_lines)
        .filter_map(|line| parse_cookie_line(line, &url).map(|write| write.key))
        .collect()
}

/// request id and the k-th extra-info event of an id describes its k-th hop.
pub(super) fn resolve_set_cookies(log: &VisitLog) -> (Vec<HttpWrite>, Vec<BlockedWrite>) {
    let mut writes = Vec::new();
    let mut blocked = Vec::new();
    for info in &log.extra_info {
        let Some(url) = hop_url(log, info) else {
            continue;
        };
        let Ok(parsed) = Url::parse(url) else {
            continue;
        };
        if log.main.blocked_off_site.as_deref() == Some(url.as_str()) {
            // The refused off-site document: what it set is not the site's (and is removed).
            continue;
        }
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
                    step: info.step,
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
