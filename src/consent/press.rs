//! Clicks that land. A click during a slide-in animation, on a button under an overlay or on a
//! button not yet wired does nothing, and a synthetic `element.click()` is not what a visitor
//! gives: wait until the element is actionable (visible, enabled, stable over two animation
//! frames, hit at its centre), then click it with the mouse through the browser's input
//! pipeline. The page-side synthetic click is the fallback when the element never becomes
//! actionable or the frame's place on screen is unknown, and it says so in the record.

use std::time::Instant;

use serde_json::{Value, json};

use super::{ConsentDriver, POLL, call};
use crate::browser::{Frame, Tab};

/// What to press: the first visible match of a selector, the heuristic banner's button of a
/// kind (`accept`, `reject`, `settings`, `save`), or the button of a kind of a consent form in
/// the page itself (a cookie-settings page).
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    Selector(&'a str),
    Heuristic(&'a str),
    PageForm(&'a str),
}

impl Target<'_> {
    pub(super) fn probe(&self) -> (&'static str, Value) {
        match self {
            Target::Selector(selector) => ("target", json!(selector)),
            Target::Heuristic(kind) => ("heuristicTarget", json!(kind)),
            Target::PageForm(kind) => ("pageFormTarget", json!(kind)),
        }
    }

    fn synthetic(&self) -> (&'static str, Value) {
        match self {
            Target::Selector(selector) => ("click", json!(selector)),
            Target::Heuristic(kind) => ("heuristicClick", json!(kind)),
            Target::PageForm(kind) => ("pageFormClick", json!(kind)),
        }
    }
}

impl ConsentDriver {
    /// Presses the target within the step budget; returns what was pressed, None when it never
    /// became visible.
    pub(super) async fn press(
        &self,
        tab: &Tab,
        frame: &Frame,
        target: Target<'_>,
    ) -> Option<String> {
        let deadline = Instant::now() + self.timing.step;
        let (command, arg) = target.probe();
        let mut blocked: Option<String> = None;
        loop {
            let probe = call(tab, frame, command, &arg).await.unwrap_or(Value::Null);
            if probe.get("ok").and_then(Value::as_bool) == Some(true)
                && let (Some(x), Some(y)) = (
                    probe.get("x").and_then(Value::as_f64),
                    probe.get("y").and_then(Value::as_f64),
                )
            {
                let what = probe
                    .get("what")
                    .and_then(Value::as_str)
                    .unwrap_or("element");
                match self.mouse_click(tab, frame, x, y).await {
                    Ok(()) => return Some(what.to_string()),
                    Err(why) => {
                        blocked = Some(why);
                        break;
                    }
                }
            }
            match probe.get("reason").and_then(Value::as_str) {
                Some("not visible") | None => {}
                Some(reason) => blocked = Some(reason.to_string()),
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        // Present but never actionable: the page-side click, labelled as such.
        let why = blocked?;
        let (command, arg) = target.synthetic();
        match call(tab, frame, command, &arg).await {
            Some(Value::String(what)) => Some(format!("{what} (synthetic click: {why})")),
            _ => None,
        }
    }

    /// A trusted click at a point of a frame's viewport; Err says why it could not be given.
    async fn mouse_click(&self, tab: &Tab, frame: &Frame, x: f64, y: f64) -> Result<(), String> {
        let Some((left, top)) = tab.frame_offset(frame).await else {
            return Err("the frame's place on the page is unknown".into());
        };
        let (x, y) = (x + left, y + top);
        if !frame.top {
            // The frame itself must be what the top document shows at that point.
            let check = format!(
                "(() => {{ const e = document.elementFromPoint({x}, {y}); \
                 return !!e && (e.tagName === 'IFRAME' || e.tagName === 'FRAME'); }})()"
            );
            if tab.evaluate_in(&tab.top_frame(), &check).await != Some(json!(true)) {
                return Err("the frame is not on screen".into());
            }
        }
        if tab.click_at(x, y).await {
            Ok(())
        } else {
            Err("the browser refused the mouse events".into())
        }
    }
}
