//! Attribution of cookies (and web-storage keys) written by JavaScript.
//!
//! CDP has no "cookie set by script" event, so an instrumentation script is installed with
//! `Page.addScriptToEvaluateOnNewDocument` before any page script runs. It wraps the
//! `document.cookie` setter and `cookieStore.set`/`delete` and reports each write, with the
//! URL of the script that made it (from the call stack), through a `Runtime.addBinding`
//! binding. Cross-site iframes are covered because the scanning browser runs without site
//! isolation (see `browser::session`), so they share the page's target and receive the script.

use serde::{Deserialize, Serialize};
use url::Url;

use super::setcookie::{CookieKey, CookieWrite, parse_cookie_line};
use crate::model::{StorageKind, VisitStep};

/// Name of the binding the instrumentation reports through.
pub(crate) const BINDING: &str = "__cookiescanReport";

/// The hidden global through which the visitor's steps read the instrumentation: pending
/// timers, elements with click listeners, navigations recorded while exploring.
pub(crate) const VISITOR: &str = "__cookiescanVisitor";

/// Marks the instrumentation's own frames in stack traces so they can be skipped.
const SOURCE_URL: &str = "cookiescan-instrumentation.js";

/// The instrumentation script.
pub(crate) fn instrumentation_script() -> String {
    format!(
        r#"(() => {{
  const binding = "{BINDING}";
  const send = window[binding];
  if (typeof send !== "function" || window.__cookiescanInstalled) return;
  Object.defineProperty(window, "__cookiescanInstalled", {{ value: true }});
  delete window[binding];
  const report = (kind, args) => {{
    try {{
      const stack = String(new Error().stack || "").split("\n").slice(1).map(s => s.trim());
      send(JSON.stringify({{
        kind, args, frame: String(location.href), stack,
        current_script: (document.currentScript && document.currentScript.src) || null,
      }}));
    }} catch (e) {{}}
  }};
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookie && cookie.set) {{
    Object.defineProperty(Document.prototype, "cookie", {{
      configurable: true, enumerable: cookie.enumerable,
      get() {{ return cookie.get.call(this); }},
      set(value) {{ report("document.cookie", [String(value)]); return cookie.set.call(this, value); }},
    }});
  }}
  if (window.Storage && Storage.prototype.setItem) {{
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {{
      let kind = "session";
      try {{ if (this === window.localStorage) kind = "local"; }} catch (e) {{}}
      report("storage.setItem", [kind, String(key), String(value).length]);
      return setItem.call(this, key, value);
    }};
  }}
  // What a visitor's wait would let fire: timers pending, with when they are due. An interval
  // counts until its first tick.
  const timers = new Map();
  for (const name of ["setTimeout", "setInterval"]) {{
    const original = window[name];
    if (typeof original !== "function") continue;
    window[name] = function (handler, delay, ...rest) {{
      if (typeof handler !== "function") return original.call(this, handler, delay, ...rest);
      let id;
      const run = function (...args) {{ timers.delete(id); return handler.apply(this, args); }};
      id = original.call(this, run, delay, ...rest);
      timers.set(id, performance.now() + Math.max(0, Number(delay) || 0));
      return id;
    }};
  }}
  for (const name of ["clearTimeout", "clearInterval"]) {{
    const original = window[name];
    if (typeof original !== "function") continue;
    window[name] = function (id) {{ timers.delete(id); return original.call(this, id); }};
  }}
  // Elements given a click-like listener: where a script router may navigate from.
  const clickable = new WeakSet();
  const clickTypes = new Set(["click", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend"]);
  if (window.EventTarget && EventTarget.prototype.addEventListener) {{
    const add = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function (type, ...rest) {{
      try {{ if (clickTypes.has(type) && this instanceof Element) clickable.add(this); }} catch (e) {{}}
      return add.call(this, type, ...rest);
    }};
  }}
  // While exploring, a router's pushState/replaceState is recorded instead of done.
  let explored = null;
  for (const name of ["pushState", "replaceState"]) {{
    const original = History.prototype[name];
    History.prototype[name] = function (state, title, url) {{
      if (explored && url !== undefined && url !== null) {{
        try {{ explored.push(new URL(String(url), location.href).href); }} catch (e) {{}}
        return;
      }}
      return original.apply(this, arguments);
    }};
  }}
  // A popup is never opened, as a popup blocker would have it: a window nobody closes, in
  // front of the tab's own, stalls the tab's frames and input. While exploring, it is
  // recorded as where the click led.
  if (typeof window.open === "function") {{
    window.open = function (url) {{
      if (explored) {{
        try {{ if (url) explored.push(new URL(String(url), location.href).href); }} catch (e) {{}}
      }}
      return null;
    }};
  }}
  // And a new document (`location.href = …`) is recorded and cancelled, where the Navigation
  // API tells of it; the browser-side gate refuses whatever it does not.
  if (window.navigation && navigation.addEventListener) {{
    navigation.addEventListener("navigate", (event) => {{
      if (!explored) return;
      try {{ explored.push(event.destination.url); }} catch (e) {{}}
      if (event.cancelable) event.preventDefault();
    }});
  }}
  Object.defineProperty(window, "{VISITOR}", {{ value: Object.freeze({{
    // Milliseconds until the last timer pending now that is due within `horizon`, or -1.
    dueWithin(horizon) {{
      const now = performance.now();
      let last = -1;
      for (const due of timers.values()) if (due - now <= horizon) last = Math.max(last, due - now);
      return last;
    }},
    isClickable(element) {{ return clickable.has(element); }},
    explore(on) {{ const found = explored || []; explored = on ? [] : null; return found; }},
  }}) }});
  if (window.CookieStore && CookieStore.prototype) {{
    for (const method of ["set", "delete"]) {{
      const original = CookieStore.prototype[method];
      if (typeof original !== "function") continue;
      CookieStore.prototype[method] = function (...args) {{
        report("cookieStore." + method, args.map(a => (a && typeof a === "object") ? Object.assign({{}}, a) : String(a)));
        return original.apply(this, args);
      }};
    }}
  }}
}})();
//# sourceURL={SOURCE_URL}
"#
    )
}

#[derive(Debug, Deserialize)]
struct Payload {
    kind: String,
    #[serde(default)]
    args: Vec<serde_json::Value>,
    frame: String,
    #[serde(default)]
    stack: Vec<String>,
    #[serde(default)]
    current_script: Option<String>,
}

/// One cookie write made by a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptWrite {
    pub write: CookieWrite,
    /// The script that made the write; the frame's URL for inline scripts.
    pub script_url: String,
    /// The document the write happened in.
    pub frame_url: String,
    /// `document.cookie` or `cookieStore.set` / `cookieStore.delete`.
    pub api: String,
    /// The step of the visit during which the write was reported.
    pub step: VisitStep,
}

/// One web-storage write made by a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageWrite {
    /// Origin of the frame whose storage was written.
    pub origin: String,
    pub kind: StorageKind,
    pub key: String,
    /// Length of the value written (UTF-16 code units); the value itself is never reported.
    pub size: u64,
    pub script_url: String,
}

/// What the instrumentation reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Report {
    Cookie(ScriptWrite),
    Storage(StorageWrite),
}

/// Decodes one binding payload. Anything malformed (the page can call the binding too, if it
/// finds it before we hide it) is ignored.
pub(crate) fn parse_payload(payload: &str) -> Option<Report> {
    let payload: Payload = serde_json::from_str(payload).ok()?;
    let frame = Url::parse(&payload.frame).ok()?;
    let script_url = strip_fragment(
        &script_from_stack(&payload.stack)
            .or(payload.current_script.clone().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| payload.frame.clone()),
    );
    let write = match payload.kind.as_str() {
        "document.cookie" => parse_cookie_line(payload.args.first()?.as_str()?, &frame)?,
        "cookieStore.set" | "cookieStore.delete" => {
            cookie_store_write(&payload.kind, &payload.args, &frame)?
        }
        "storage.setItem" => {
            let kind = match payload.args.first()?.as_str()? {
                "local" => StorageKind::Local,
                _ => StorageKind::Session,
            };
            return Some(Report::Storage(StorageWrite {
                origin: frame.origin().ascii_serialization(),
                kind,
                key: payload.args.get(1)?.as_str()?.to_string(),
                size: payload.args.get(2)?.as_u64()?,
                script_url,
            }));
        }
        _ => return None,
    };
    Some(Report::Cookie(ScriptWrite {
        write,
        script_url,
        frame_url: strip_fragment(&payload.frame),
        api: payload.kind,
        step: VisitStep::Load,
    }))
}

/// `cookieStore.set(name, value)`, `cookieStore.set({name, value, domain, path, expires})`,
/// `cookieStore.delete(name)` or `cookieStore.delete({name, domain, path})`.
fn cookie_store_write(kind: &str, args: &[serde_json::Value], frame: &Url) -> Option<CookieWrite> {
    let first = args.first()?;
    let (name, domain, path, expires) = match first {
        serde_json::Value::String(name) => (name.clone(), None, None, None),
        serde_json::Value::Object(options) => (
            options.get("name")?.as_str()?.to_string(),
            options
                .get("domain")
                .and_then(|d| d.as_str())
                .map(str::to_string),
            options
                .get("path")
                .and_then(|p| p.as_str())
                .map(str::to_string),
            options.get("expires").and_then(|e| e.as_f64()),
        ),
        _ => return None,
    };
    let host = frame.host_str()?.to_ascii_lowercase();
    let domain = match domain {
        Some(d) if !d.is_empty() => format!(".{}", d.trim_start_matches('.').to_ascii_lowercase()),
        _ => host,
    };
    // The Cookie Store API defaults the path to "/", unlike document.cookie.
    let path = path
        .filter(|p| p.starts_with('/'))
        .unwrap_or_else(|| "/".into());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0);
    let deletes = kind == "cookieStore.delete" || expires.is_some_and(|e| e <= now_ms);
    Some(CookieWrite {
        key: CookieKey { name, domain, path },
        deletes,
        requested_seconds: expires.map(|e| ((e - now_ms) / 1000.0) as i64),
    })
}

/// The first stack frame that is not the instrumentation itself: the script that wrote.
fn script_from_stack(stack: &[String]) -> Option<String> {
    stack
        .iter()
        .filter(|line| !line.contains(SOURCE_URL))
        .find_map(|line| frame_url(line))
}

/// Extracts the script URL from a V8 stack line such as `at f (https://x.test/a.js:1:30)`
/// or `at https://x.test/a.js:1:30`.
fn frame_url(line: &str) -> Option<String> {
    let start = line.find("http://").or_else(|| line.find("https://"))?;
    let rest = &line[start..];
    let end = rest.find([')', ' ']).unwrap_or(rest.len());
    let location = &rest[..end];
    // Drop ":line:column".
    let mut trimmed = location;
    for _ in 0..2 {
        if let Some((head, tail)) = trimmed.rsplit_once(':')
            && !tail.is_empty()
            && tail.chars().all(|c| c.is_ascii_digit())
        {
            trimmed = head;
        }
    }
    Some(trimmed.to_string())
}

fn strip_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_cookie_from_third_party_script() {
        let payload = serde_json::json!({
            "kind": "document.cookie",
            "args": ["_trk=1; path=/; max-age=100"],
            "frame": "https://www.shop.test/products#x",
            "stack": [
                "at Document.set (cookiescan-instrumentation.js:20:60)",
                "at https://analytics.tracker.test/t.js:1:30",
                "at https://analytics.tracker.test/t.js:1:75"
            ],
            "current_script": "https://analytics.tracker.test/t.js"
        });
        let Some(Report::Cookie(w)) = parse_payload(&payload.to_string()) else {
            panic!()
        };
        assert_eq!(w.script_url, "https://analytics.tracker.test/t.js");
        assert_eq!(w.frame_url, "https://www.shop.test/products");
        assert_eq!(w.write.key.name, "_trk");
        assert_eq!(w.write.key.domain, "www.shop.test");
    }

    #[test]
    fn inline_script_is_attributed_to_the_document() {
        let payload = serde_json::json!({
            "kind": "document.cookie",
            "args": ["a=1"],
            "frame": "https://www.shop.test/",
            "stack": ["at Document.set (cookiescan-instrumentation.js:1:1)", "at https://www.shop.test/:12:9"],
        });
        let Some(Report::Cookie(w)) = parse_payload(&payload.to_string()) else {
            panic!()
        };
        assert_eq!(w.script_url, "https://www.shop.test/");
    }

    #[test]
    fn cookie_store_forms() {
        let payload = serde_json::json!({
            "kind": "cookieStore.set",
            "args": [{"name": "cs", "value": "1", "domain": "shop.test"}],
            "frame": "https://www.shop.test/account",
            "stack": ["at f (https://www.shop.test/app.js:3:4)"],
        });
        let Some(Report::Cookie(w)) = parse_payload(&payload.to_string()) else {
            panic!()
        };
        assert_eq!(w.write.key.domain, ".shop.test");
        assert_eq!(w.write.key.path, "/");
        assert_eq!(w.script_url, "https://www.shop.test/app.js");
        let payload = serde_json::json!({
            "kind": "cookieStore.delete", "args": ["cs"], "frame": "https://www.shop.test/a/b",
        });
        let Some(Report::Cookie(w)) = parse_payload(&payload.to_string()) else {
            panic!()
        };
        assert!(w.write.deletes);
        assert_eq!(w.write.key.domain, "www.shop.test");
    }

    #[test]
    fn storage_writes_report_key_and_size_only() {
        let payload = serde_json::json!({
            "kind": "storage.setItem", "args": ["local", "prefs", 42],
            "frame": "https://ads.adnet.test/frame?x=1",
            "stack": ["at Storage.setItem (cookiescan-instrumentation.js:1:1)", "at https://ads.adnet.test/frame?x=1:3:9"],
        });
        let Some(Report::Storage(w)) = parse_payload(&payload.to_string()) else {
            panic!("not a storage write")
        };
        assert_eq!(w.origin, "https://ads.adnet.test");
        assert_eq!(
            (w.kind, w.key.as_str(), w.size),
            (StorageKind::Local, "prefs", 42)
        );
        assert_eq!(w.script_url, "https://ads.adnet.test/frame?x=1");
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(parse_payload("not json").is_none());
        assert!(parse_payload(r#"{"kind":"other","frame":"https://x.test/"}"#).is_none());
        assert!(
            parse_payload(r#"{"kind":"document.cookie","args":[5],"frame":"https://x.test/"}"#)
                .is_none()
        );
    }
}
