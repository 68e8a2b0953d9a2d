//! Finding the banner: the first platform rule whose banner is visible (in the top document
//! or in the frame the rule names), else the multilingual heuristic, top document first.

use serde_json::{Value, json};

use super::rules::Platform;
use super::{ConsentDriver, call};
use crate::browser::{Frame, Tab};

impl ConsentDriver {
    /// The first platform with a visible banner, else the heuristic's banner.
    pub(super) async fn find(&self, tab: &Tab) -> Option<Found> {
        let frames = tab.frames().await;
        let top = frames.first()?.clone();
        let top_platforms: Vec<Value> = self.rules.platforms.iter().map(detect_json).collect();
        let detected = call(tab, &top, "detect", &Value::Array(top_platforms)).await?;
        let mut hits: Vec<(String, Vec<String>, bool)> = parse_hits(&detected);
        // Rules whose banner lives in an iframe are also looked for inside matching frames.
        for platform in self.rules.platforms.iter().filter(|p| p.frame.is_some()) {
            let needle = platform.frame.as_deref().unwrap_or_default();
            for frame in frames.iter().skip(1).filter(|f| f.url.contains(needle)) {
                let result = call(tab, frame, "detect", &json!([detect_json(platform)])).await;
                if let Some(result) = result {
                    for (id, how, visible) in parse_hits(&result) {
                        hits.push((
                            id,
                            how.into_iter()
                                .map(|h| format!("{h} (in {})", frame.url))
                                .collect(),
                            visible,
                        ));
                    }
                }
            }
        }
        for platform in &self.rules.platforms {
            let matching: Vec<&(String, Vec<String>, bool)> =
                hits.iter().filter(|h| h.0 == platform.id).collect();
            if matching.iter().any(|h| h.2) {
                let how = matching.iter().flat_map(|h| h.1.clone()).collect();
                let frames = match &platform.frame {
                    Some(needle) => frames
                        .iter()
                        .filter(|f| f.url.contains(needle.as_str()))
                        .cloned()
                        .collect(),
                    None => vec![top.clone()],
                };
                return Some(Found::Rule {
                    platform: Box::new(platform.clone()),
                    how,
                    frames,
                });
            }
        }
        // No rule's banner is visible: the heuristic, top document first, then each frame.
        for frame in &frames {
            let result = call(tab, frame, "heuristic", &Value::Null).await?;
            if result.get("found").and_then(Value::as_bool) == Some(true) {
                let buttons = result
                    .get("buttons")
                    .and_then(Value::as_array)
                    .map(|b| {
                        b.iter()
                            .filter_map(|b| {
                                Some((
                                    b.get("kind")?.as_str()?.to_string(),
                                    b.get("label")?.as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                return Some(Found::Heuristic {
                    frame: frame.clone(),
                    buttons,
                    text: result
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        None
    }
}

impl ConsentDriver {
    /// The first platform of ours whose signs are on the top document, visible or not.
    pub(super) async fn platform_present(&self, tab: &Tab) -> Option<Platform> {
        let top = tab.top_frame();
        let platforms: Vec<Value> = self.rules.platforms.iter().map(detect_json).collect();
        let detected = call(tab, &top, "detect", &Value::Array(platforms)).await?;
        let hits = parse_hits(&detected);
        self.rules
            .platforms
            .iter()
            .find(|p| hits.iter().any(|h| h.0 == p.id))
            .cloned()
    }
}

pub(super) enum Found {
    Rule {
        platform: Box<Platform>,
        how: Vec<String>,
        frames: Vec<Frame>,
    },
    Heuristic {
        frame: Frame,
        buttons: Vec<(String, String)>,
        text: String,
    },
    /// Only autoconsent saw a popup: the name of its rule.
    Autoconsent { cmp: String },
}

impl Found {
    /// Which banner this is, across pages: the platform's rule id, `heuristic` or
    /// `autoconsent`.
    pub(super) fn key(&self) -> String {
        match self {
            Found::Rule { platform, .. } => platform.id.clone(),
            Found::Heuristic { .. } => "heuristic".into(),
            Found::Autoconsent { .. } => "autoconsent".into(),
        }
    }
}

fn detect_json(platform: &Platform) -> Value {
    json!({
        "id": platform.id,
        "selectors": platform.detect.selectors,
        "globals": platform.detect.globals,
        "scripts": platform.detect.scripts,
        "visible": platform.visible,
    })
}

fn parse_hits(result: &Value) -> Vec<(String, Vec<String>, bool)> {
    result
        .get("found")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|hit| {
            Some((
                hit.get("id")?.as_str()?.to_string(),
                hit.get("how")?
                    .as_array()?
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect(),
                hit.get("visible")?.as_bool()?,
            ))
        })
        .collect()
}
