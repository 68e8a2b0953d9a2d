//! What a visitor does after a page loads, and what a plain load would miss: scrolling to the
//! bottom (visibility observers fire), moving the pointer (first-interaction tags fire),
//! waiting for the page's pending timers, pressing "load more", and clicking elements that a
//! script router navigates from, with each navigation recorded and refused so the page stays.
//! Cookie writes are recorded with the step during which they happened.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::input::{
    DispatchMouseEventParams, DispatchMouseEventType,
};

use super::tab::Tab;
use crate::capture::script::VISITOR;
use crate::model::VisitStep;

/// Times "load more" is pressed on one page, at most: enough to reach the next pages of a
/// list, bounded against endless feeds.
const LOAD_MORE_PRESSES: usize = 3;

/// How long a click has to start a navigation the page did not announce (the Navigation API
/// reports most at once) before it counts as going nowhere.
const NAVIGATION_GRACE: Duration = Duration::from_millis(40);

/// Where clicking an element led.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// Absolute URL the page navigated (or pushed its history) to.
    pub url: String,
    /// The element, e.g. `div.card "Sport"`.
    pub element: String,
}

/// What exploring a page found beyond its links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exploration {
    /// Links present after "load more" was pressed, before any other click changed the page.
    pub links: Vec<String>,
    /// Navigations started by clicks, in click order.
    pub reached: Vec<Reached>,
}

/// Scrolls in steps to the bottom, waiting two frames after each so observers run.
const SCROLL: &str = r#"(async () => {
  const frame = () => new Promise((done) => {
    let finished = false;
    const finish = () => { if (!finished) { finished = true; done(); } };
    requestAnimationFrame(() => requestAnimationFrame(finish));
    setTimeout(finish, 100);
  });
  const root = document.scrollingElement || document.documentElement;
  if (!root) return 0;
  let steps = 0;
  for (; steps < 40; steps++) {
    const before = window.scrollY;
    window.scrollBy(0, Math.max(200, window.innerHeight * 0.8));
    await frame();
    if (window.scrollY === before || window.scrollY + window.innerHeight >= root.scrollHeight - 1) break;
  }
  await frame();
  window.scrollTo(0, 0);
  await frame();
  return steps;
})()"#;

/// Presses one visible "load more" button; its description, or null when there is none.
const LOAD_MORE: &str = r#"(() => {
  const more = /^\s*(load|show|view|see)\s+more\b|^\s*more\s+(articles|stories|news|results|posts|items)\b|^\s*mehr\s+(laden|anzeigen)|^\s*(voir|afficher|charger)\s+plus|^\s*(cargar|ver|mostrar)\s+m[aá]s|^\s*(carica|mostra)\s+altr|^\s*(meer\s+laden|toon\s+meer)|^\s*(wczytaj|poka[zż])\s+wi[eę]cej/i;
  for (const el of document.querySelectorAll('button, [role=button], a:not([href])')) {
    const text = (el.innerText || el.textContent || '').trim();
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || el.disabled || !more.test(text)) continue;
    if (el.closest('form')) continue;
    el.click();
    return el.tagName.toLowerCase() + ' "' + text.slice(0, 40) + '"';
  }
  return null;
})()"#;

/// Collects the candidates for script navigation and keeps them on the page for `CLICK`.
/// Excluded: links (already followed), form controls and anything in a form (submits), the
/// consent banner and other dialogs, and elements whose words act for the visitor.
fn candidates_script(budget: usize) -> String {
    format!(
        r#"(() => {{
  const visitor = window["{VISITOR}"];
  if (!visitor) return [];
  const forbidden = /\b(log\s*-?\s*(out|off)|sign\s*-?\s*(out|off)|abmelden|d[ée]connexion|delete|remove|unsubscribe|subscribe|buy|purchase|checkout|pay|order|basket|cart|bag|print|share|download|cookies?|consent|privacy|accept|agree|reject|decline|allow|deny|settings)\b/i;
  const hinted = (el) => el.hasAttribute('data-href') || el.hasAttribute('data-url') ||
    el.hasAttribute('data-link') || el.getAttribute('role') === 'link' ||
    el.hasAttribute('onclick') || typeof el.onclick === 'function' || visitor.isClickable(el);
  const excluded = 'a[href], area[href], form, input, select, textarea, label, option, iframe, video, audio, summary, dialog, [role=dialog], [aria-modal=true]';
  // A banner or overlay: fixed or sticky, or a container that talks about cookies (an inline
  // notice whose "OK" would answer it).
  const talksConsent = /cookie|consent|gdpr/i;
  const overlay = (el) => {{
    let depth = 0;
    for (let node = el; node && node !== document.body; node = node.parentElement, depth++) {{
      const position = getComputedStyle(node).position;
      if (position === 'fixed' || position === 'sticky') return true;
      if (talksConsent.test((node.id || '') + ' ' + (typeof node.className === 'string' ? node.className : ''))) return true;
      if (depth < 3) {{
        const text = node.innerText || '';
        if (text.length < 1500 && talksConsent.test(text)) return true;
      }}
    }}
    return false;
  }};
  // Frameworks delegate: one listener on the app's root, the clickable parts marked only by a
  // pointer cursor. So the outermost element of each pointer region counts too, and a listener
  // holder that contains several candidates is a delegation root, not a candidate itself.
  const pointer = (el) => el && el.nodeType === 1 && getComputedStyle(el).cursor === 'pointer';
  const all = Array.from(document.querySelectorAll('body *')).slice(0, 5000);
  const seen = [];
  for (const el of all) {{
    if (!(hinted(el) || (pointer(el) && !pointer(el.parentElement)))) continue;
    if (el.closest(excluded)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const text = (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    if (forbidden.test(text) || forbidden.test(el.getAttribute('onclick') || '') || overlay(el)) continue;
    seen.push(el);
  }}
  const found = seen
    .filter((el) => seen.filter((other) => other !== el && el.contains(other)).length < 2)
    .filter((el, i, kept) => !kept.slice(0, i).some((outer) => outer.contains(el) && hinted(outer)))
    .slice(0, {budget});
  const describe = (el) => {{
    const tag = el.tagName.toLowerCase();
    const name = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/)[0] : '';
    const text = (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return tag + name + (text ? ' "' + text + '"' : '');
  }};
  Object.defineProperty(window, '__cookiescanCandidates', {{ value: found, configurable: true }});
  return found.map(describe);
}})()"#
    )
}

/// Clicks candidate `i` while exploring; the URLs its handlers pushed, or null when it is gone.
fn click_script(index: usize) -> String {
    format!(
        r#"(() => {{
  const el = (window.__cookiescanCandidates || [])[{index}];
  if (!el || !el.isConnected) return null;
  el.click();
  return window["{VISITOR}"].explore(true);
}})()"#
    )
}

impl Tab {
    /// Records writes from now on with `step`, once every event before it has been handled.
    pub async fn enter_step(&self, step: VisitStep) {
        self.drain_events().await;
        self.shared.log.lock().expect("visit log").step = step;
    }

    /// Scrolls, moves the pointer and waits for pending timers, as a reading visitor would;
    /// each a step of its own. The network settles once, at the end: a settle per step would
    /// cost every page a quiet window each (a response a step caused may then be recorded
    /// with a later step; script writes, being synchronous, never are).
    pub async fn behave_like_a_visitor(&self) {
        self.enter_step(VisitStep::Scroll).await;
        let _ = self.evaluate_top(SCROLL).await;
        self.enter_step(VisitStep::Pointer).await;
        if !self.is_sluggish() {
            self.move_pointer().await;
        }
        self.enter_step(VisitStep::Timers).await;
        self.wait_for_timers().await;
        // Quiet counted from the last request: free when the steps caused none.
        self.settle().await;
    }

    /// Moves the mouse across the viewport: the trusted pointer events that first-interaction
    /// tags wait for.
    async fn move_pointer(&self) {
        for (x, y) in [(200.0, 200.0), (400.0, 300.0), (600.0, 350.0)] {
            let Ok(event) = DispatchMouseEventParams::builder()
                .r#type(DispatchMouseEventType::MouseMoved)
                .x(x)
                .y(y)
                .build()
            else {
                return;
            };
            if self
                .renderer_command(event, Duration::from_secs(5))
                .await
                .is_none()
            {
                return;
            }
        }
    }

    /// Waits for the timers pending now that fall due within the settle cap; once more for
    /// timers those timers set. Never longer than `settle_max`.
    async fn wait_for_timers(&self) {
        let cap = Instant::now() + self.timing.settle_max;
        for _ in 0..2 {
            let left = cap.saturating_duration_since(Instant::now());
            let due = self
                .evaluate_top(&format!(
                    "window['{VISITOR}'] ? window['{VISITOR}'].dueWithin({}) : -1",
                    left.as_millis()
                ))
                .await
                .and_then(|v| v.as_f64())
                .unwrap_or(-1.0);
            if due < 0.0 {
                return;
            }
            // The page's own clock said when: a wait for the page, not a guess.
            let wake = Instant::now() + Duration::from_millis(due.ceil() as u64 + 20);
            tokio::time::sleep_until(wake.min(cap).into()).await;
            if Instant::now() >= cap {
                return;
            }
        }
    }

    /// Presses "load more" (a bounded number of times), reads the links then present, and
    /// clicks up to `budget` elements that may navigate, recording where each led. Main-frame
    /// navigations are refused while exploring, so the page stays and the next click finds it.
    pub async fn explore(&self, budget: usize) -> Exploration {
        let mut exploration = Exploration::default();
        if budget == 0 || self.is_sluggish() {
            return exploration;
        }
        self.enter_step(VisitStep::Click).await;
        for _ in 0..LOAD_MORE_PRESSES {
            let pressed = self.evaluate_top(LOAD_MORE).await;
            if !pressed.as_ref().is_some_and(|p| p.is_string()) {
                break;
            }
            self.settle_from_now().await;
        }
        exploration.links = self.collect_links().await.unwrap_or_default();
        let described: Vec<String> = self
            .evaluate_top(&candidates_script(budget))
            .await
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        if described.is_empty() {
            return exploration;
        }
        self.shared.log.lock().expect("visit log").exploring = Some(Vec::new());
        let _ = self
            .evaluate_top(&format!("window['{VISITOR}'].explore(true)"))
            .await;
        for (index, element) in described.iter().enumerate() {
            if self.is_sluggish() {
                break;
            }
            let pushed: Option<Vec<String>> = self
                .evaluate_top(&click_script(index))
                .await
                .and_then(|v| serde_json::from_value(v).ok());
            let Some(mut urls) = pushed else {
                continue;
            };
            if urls.is_empty() {
                urls = self.navigation_started().await;
            }
            exploration
                .reached
                .extend(urls.into_iter().map(|url| Reached {
                    url,
                    element: element.clone(),
                }));
        }
        let _ = self
            .evaluate_top(&format!("window['{VISITOR}'].explore(false)"))
            .await;
        self.shared.log.lock().expect("visit log").exploring = None;
        self.settle().await;
        exploration
    }

    /// The navigations the gate refused since the last call, waiting briefly for one to start.
    async fn navigation_started(&self) -> Vec<String> {
        let deadline = Instant::now() + NAVIGATION_GRACE;
        loop {
            let notified = self.shared.changed.notified();
            {
                let mut log = self.shared.log.lock().expect("visit log");
                if let Some(found) = log.exploring.as_mut()
                    && !found.is_empty()
                {
                    return std::mem::take(found);
                }
            }
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                return Vec::new();
            }
        }
    }
}

/// The page's links as the server renders it a second time (fetched, parsed, never rendered),
/// for telling the parameters whose values change on every render.
const RERENDERED_LINKS: &str = r#"(async () => {
  const response = await fetch(location.href, { credentials: 'include', cache: 'no-store' });
  if (!response.ok || !(response.headers.get('content-type') || '').includes('html')) return null;
  const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
  const links = [];
  for (const a of doc.querySelectorAll('a[href], area[href]')) {
    try { links.push(new URL(a.getAttribute('href'), location.href).href); } catch (e) {}
  }
  return links;
})()"#;

impl Tab {
    /// The links of a second server render of the page; None when it cannot be fetched.
    pub async fn rerendered_links(&self) -> Option<Vec<String>> {
        let frame = self.top_frame();
        let value = self.evaluate(Some(&frame.id), RERENDERED_LINKS).await?;
        serde_json::from_value(value).ok()
    }
}
