//! Driving autoconsent in one page. Its bundle runs in an isolated world of every frame (the
//! page's scripts neither see nor spoil it) and sends its messages through that world's
//! binding, so a message survives the frame (a popup's iframe is removed by the very click
//! whose result it reports). cookiescan answers its `init` with the rules for that frame and a config of its
//! own: no automatic action (cookiescan decides when to opt in or out), no prehiding and no
//! cosmetic rules (they hide banners, and the screenshots would lie), and only the
//! reject-only heuristic (its other modes acknowledge or accept walls). `eval` requests run in
//! the frame's page world and are answered at once. Its "result: true" means "clicked"; what
//! the click did is for the consent driver to verify.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Autoconsent;
use crate::browser::{Frame, Tab};
use crate::model::Choice;

/// The isolated world's name (shown in DevTools).
const WORLD: &str = "cookiescan-autoconsent";

/// Installed before the bundle: its messages, JSON-encoded, go through the world's binding
/// (at once: a popup's frame may be removed by the very click it reports), else to a mailbox.
const MAILBOX: &str = "window.__cookiescanOutbox = []; \
    window.autoconsentSendMessage = (message) => { \
      const text = JSON.stringify(message); \
      if (typeof window.__cookiescanWorld === 'function') window.__cookiescanWorld(text); \
      else window.__cookiescanOutbox.push(text); \
      return Promise.resolve(); \
    }; true";

/// How often the mailboxes are emptied while autoconsent works (its evals time out after 1 s).
const PUMP: Duration = Duration::from_millis(100);

/// autoconsent in one frame.
#[derive(Debug)]
struct FrameRun {
    frame: Frame,
    world: i64,
    /// What autoconsent told of this frame.
    detected: Vec<String>,
    popup: Option<String>,
    lifecycle: String,
    result: Option<bool>,
    self_test: Option<bool>,
    done: bool,
}

/// What came of asking autoconsent to answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Answered {
    /// The rule that found the popup.
    pub(crate) cmp: String,
    /// Its opt-in / opt-out result: true means it ran its steps (clicked), not that they
    /// worked. None when it never answered.
    pub(crate) result: Option<bool>,
    /// Its self-test, when the rule has one.
    pub(crate) self_test: Option<bool>,
}

/// autoconsent across the frames of one page.
pub(crate) struct AutoconsentRun<'a> {
    engine: &'a Autoconsent,
    choice: Choice,
    frames: Vec<FrameRun>,
}

impl<'a> AutoconsentRun<'a> {
    pub(crate) fn new(engine: &'a Autoconsent, choice: Choice) -> AutoconsentRun<'a> {
        AutoconsentRun {
            engine,
            choice,
            frames: Vec::new(),
        }
    }

    /// Waits, within `budget`, until a frame reports an open popup (its rule's name), or every
    /// frame has given up detecting.
    pub(crate) async fn find_popup(&mut self, tab: &Tab, budget: Duration) -> Option<String> {
        let deadline = Instant::now() + budget;
        loop {
            self.pump(tab).await;
            if let Some(popup) = self.frames.iter().find_map(|f| f.popup.clone()) {
                return Some(popup);
            }
            let all_gave_up = !self.frames.is_empty()
                && self.frames.iter().all(|f| f.lifecycle == "nothingDetected");
            if all_gave_up || Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(PUMP).await;
        }
    }

    /// Asks the frame with the popup to opt in or out, waits for its result and then for its
    /// self-test, all within `budget`.
    pub(crate) async fn answer(&mut self, tab: &Tab, budget: Duration) -> Option<Answered> {
        let index = self.frames.iter().position(|f| f.popup.is_some())?;
        let command = match self.choice {
            Choice::Accept => "optIn",
            Choice::Reject => "optOut",
        };
        self.send(tab, index, &json!({ "type": command })).await;
        let deadline = Instant::now() + budget;
        let mut asked_self_test = false;
        loop {
            self.pump(tab).await;
            let frame = &self.frames.get(index)?;
            if frame.result == Some(true) && !asked_self_test {
                asked_self_test = true;
                self.send(tab, index, &json!({ "type": "selfTest" })).await;
                continue;
            }
            let finished = match frame.result {
                Some(true) => frame.self_test.is_some(),
                Some(false) => true,
                None => false,
            };
            if finished || Instant::now() >= deadline {
                let frame = &self.frames[index];
                return Some(Answered {
                    cmp: frame.popup.clone().unwrap_or_default(),
                    result: frame.result,
                    self_test: frame.self_test,
                });
            }
            tokio::time::sleep(PUMP).await;
        }
    }

    /// The rules autoconsent detected, in every frame, for the record.
    pub(crate) fn detected(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .frames
            .iter()
            .flat_map(|f| f.detected.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The frame whose popup autoconsent answers.
    pub(crate) fn popup_frame(&self) -> Option<&Frame> {
        self.frames
            .iter()
            .find(|f| f.popup.is_some())
            .map(|f| &f.frame)
    }

    /// Injects the bundle into frames not yet running it (new iframes, navigated frames) and
    /// handles every message waiting.
    async fn pump(&mut self, tab: &Tab) {
        for frame in tab.frames().await {
            let known = self
                .frames
                .iter()
                .any(|f| f.frame.id == frame.id && f.frame.url == frame.url);
            if !known && let Some(run) = self.inject(tab, frame).await {
                self.frames.retain(|f| f.frame.id != run.frame.id);
                self.frames.push(run);
            }
        }
        for index in 0..self.frames.len() {
            let world = self.frames[index].world;
            let mut messages = tab.world_messages(world);
            let outbox = "window.__cookiescanOutbox ? window.__cookiescanOutbox.splice(0) : []";
            if let Some(Value::Array(posted)) = tab.evaluate_in_world(world, outbox).await {
                messages.extend(posted.iter().filter_map(|m| m.as_str().map(str::to_string)));
            }
            for message in messages {
                let Ok(message) = serde_json::from_str::<Value>(&message) else {
                    continue;
                };
                self.handle(tab, index, &message).await;
            }
        }
    }

    async fn inject(&self, tab: &Tab, frame: Frame) -> Option<FrameRun> {
        let world = tab.create_world(&frame, WORLD).await?;
        tab.evaluate_in_world(world, MAILBOX).await?;
        let bundle = format!("{};true", self.engine.bundle);
        tab.evaluate_in_world(world, &bundle).await?;
        Some(FrameRun {
            frame,
            world,
            detected: Vec::new(),
            popup: None,
            lifecycle: String::new(),
            result: None,
            self_test: None,
            done: false,
        })
    }

    async fn handle(&mut self, tab: &Tab, index: usize, message: &Value) {
        let text = |field: &str| {
            message
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let frame = &mut self.frames[index];
        match message
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "init" => {
                let reply = self.init_response(&text("url"), self.frames[index].frame.top);
                self.send(tab, index, &reply).await;
            }
            "eval" => {
                let result = evaluate_in_page(tab, &frame.frame, &text("code")).await;
                let reply = json!({ "type": "evalResp", "id": text("id"), "result": result });
                self.send(tab, index, &reply).await;
            }
            "cmpDetected" => frame.detected.push(text("cmp")),
            "popupFound" => frame.popup = Some(text("cmp")),
            "optOutResult" | "optInResult" => {
                frame.result = message.get("result").and_then(Value::as_bool);
            }
            "selfTestResult" => frame.self_test = message.get("result").and_then(Value::as_bool),
            "autoconsentDone" => frame.done = true,
            "report" => {
                let state = message.get("state");
                if let Some(lifecycle) = state
                    .and_then(|s| s.get("lifecycle"))
                    .and_then(Value::as_str)
                {
                    frame.lifecycle = lifecycle.to_string();
                }
            }
            _ => {}
        }
    }

    fn init_response(&self, url: &str, top: bool) -> Value {
        let heuristic = match self.choice {
            Choice::Reject => "reject",
            Choice::Accept => "off",
        };
        json!({
            "type": "initResp",
            "config": {
                "enabled": true,
                "autoAction": null,
                "disabledCmps": [],
                "enablePrehide": false,
                "enableCosmeticRules": false,
                "enableGeneratedRules": true,
                "enableHeuristicDetection": self.choice == Choice::Reject,
                "heuristicMode": heuristic,
                "detectRetries": 20,
                "isMainWorld": false,
                "visualTest": false,
                "logs": {
                    "lifecycle": false, "rulesteps": false, "detectionsteps": false,
                    "evals": false, "errors": false, "messages": false, "waits": false
                },
            },
            "rules": { "autoconsent": self.engine.rules_for(url, top) },
        })
    }

    /// Delivers a message without waiting for autoconsent to act on it: an opt-out awaits its
    /// own `eval` requests, which only the pump answers.
    async fn send(&self, tab: &Tab, index: usize, message: &Value) {
        let world = self.frames[index].world;
        let expression = format!("window.autoconsentReceiveMessage({message}); true");
        tab.evaluate_in_world(world, &expression).await;
    }
}

/// Runs an `eval` request's code in the frame's page world, sub-frames' included (their
/// platforms' globals live there); a function is called.
async fn evaluate_in_page(tab: &Tab, frame: &Frame, code: &str) -> Value {
    let expression = format!(
        "(async () => {{ const value = ({code}); \
         return typeof value === 'function' ? await value() : await value; }})()"
    );
    tab.evaluate_in_page_world(frame, &expression)
        .await
        .unwrap_or(Value::Bool(false))
}
