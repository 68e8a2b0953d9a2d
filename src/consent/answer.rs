//! Answering a banner: the strategies it offers, tried in order (a rule's flows, its JavaScript
//! API, then the heuristic), each judged by its effect. A refusal counts only when the
//! platform records it *and* no consent-gated cookie appeared. A strategy that may have
//! granted consent taints the browser context: nothing done there afterwards proves anything,
//! so the pass starts over in a fresh context with the next strategy, once; tainted again, the
//! pass is reported failed with the reason.

use std::collections::BTreeSet;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::json;

use super::autoconsent::AutoconsentRun;
use super::detect::Found;
use super::press::Target;
use super::rules::{Flow, Platform};
use super::{ConsentDriver, ConsentEngine, Resume, call};
use crate::browser::{BrowserSession, Frame, Tab};
use crate::model::{Choice, ConsentAttempt, ConsentOutcome, ConsentRecord};

/// One way to answer a banner.
pub(super) enum Strategy<'a> {
    /// A rule's flow (its position among the choice's flows).
    Flow(usize, &'a Flow),
    /// The platform's JavaScript API.
    Api(&'a str),
    /// The heuristic's button for the choice, in whichever frame shows one.
    Heuristic,
    /// Refusing in a banner's settings layer: open it, switch every category off, save.
    SettingsLayer,
    /// Refusing on the page of the site the banner's settings or policy link leads to.
    SettingsPage,
    /// DuckDuckGo's autoconsent, its rule for the popup it found.
    Autoconsent,
}

impl Strategy<'_> {
    fn describe(&self, platform: Option<&Platform>, choice: Choice) -> String {
        let id = platform.map_or("banner", |p| p.id.as_str());
        match self {
            Strategy::Flow(index, _) => format!("{id} {} flow {}", choice.as_str(), index + 1),
            Strategy::Api(expression) => format!("{id} API {expression}"),
            Strategy::Heuristic => format!("heuristic {} button", choice.as_str()),
            Strategy::SettingsLayer => "heuristic settings layer".into(),
            Strategy::SettingsPage => "heuristic settings page linked from the banner".into(),
            Strategy::Autoconsent => "autoconsent".into(),
        }
    }
}

/// What one strategy did.
pub(super) struct Run {
    pub(super) clicked: Vec<String>,
    /// Whether it changed anything on the page (a click, an API call).
    pub(super) acted: bool,
    /// Proof that the choice took effect, if one showed.
    pub(super) proof: Option<String>,
    /// Why it stopped or found no proof.
    pub(super) note: Option<String>,
    /// The heuristic's TCF check contradicted the choice.
    pub(super) contradiction: Option<String>,
}

impl Run {
    /// The same run, saying whether it changed anything (following a link changes nothing).
    pub(super) fn acting(mut self, acted: bool) -> Run {
        self.acted = acted;
        self
    }

    /// A strategy that stopped before proof could show.
    pub(super) fn stopped(clicked: Vec<String>, why: &str) -> Run {
        Run {
            acted: !clicked.is_empty(),
            clicked,
            proof: None,
            note: Some(why.to_string()),
            contradiction: None,
        }
    }
}

/// Where a banner is: its platform rule, the frames it lives in, and the heuristic's frame
/// when the heuristic found it.
pub(super) struct Place<'a> {
    /// The page the banner is on.
    pub(super) page: &'a str,
    pub(super) platform: Option<&'a Platform>,
    pub(super) frames: &'a [Frame],
    pub(super) heuristic_frame: Option<&'a Frame>,
}

/// The judgement on one strategy.
enum Verdict {
    Proven(String),
    /// It may have granted consent: the context is spoiled.
    Tainted(String),
    NoEffect(String),
}

/// The cookies of a context, by name and domain.
pub(super) type JarKeys = BTreeSet<(String, String)>;

impl ConsentDriver {
    /// The strategies for a banner, in the order they are tried.
    fn strategies<'p>(&self, platform: Option<&'p Platform>, found: &Found) -> Vec<Strategy<'p>> {
        if matches!(found, Found::Autoconsent { .. }) {
            return vec![Strategy::Autoconsent];
        }
        let mut strategies = Vec::new();
        if let Some(platform) = platform {
            let (flows, api) = match self.choice {
                Choice::Accept => (&platform.accept, platform.api_accept.as_deref()),
                Choice::Reject => (&platform.reject, platform.api_reject.as_deref()),
            };
            strategies.extend(flows.iter().enumerate().map(|(i, f)| Strategy::Flow(i, f)));
            strategies.extend(api.map(Strategy::Api));
        }
        // A rule that matched but failed (an older version's DOM) falls through to the heuristic.
        strategies.push(Strategy::Heuristic);
        if self.choice == Choice::Reject {
            strategies.push(Strategy::SettingsLayer);
            strategies.push(Strategy::SettingsPage);
        }
        // autoconsent's maintained rules, when ours could not answer.
        if self.engines.engine == ConsentEngine::Both && self.engines.autoconsent.is_some() {
            strategies.push(Strategy::Autoconsent);
        }
        strategies
    }

    /// Answers the banner `found` on `page` (`first`: one of the pass's first pages).
    pub(super) async fn answer(
        &self,
        tab: &Tab,
        (page, first): (&str, bool),
        found: &Found,
        session: &BrowserSession,
        context: &BrowserContextId,
        autoconsent: &mut Option<AutoconsentRun<'_>>,
    ) -> ConsentRecord {
        let before = self.jar_keys(session, context).await;
        let (platform, frames, mut record) = match found {
            Found::Rule {
                platform,
                how,
                frames,
            } => {
                let record = self.record(
                    page,
                    Some(platform),
                    how.clone(),
                    ConsentOutcome::Failed,
                    None,
                );
                (Some(&**platform), frames.clone(), record)
            }
            Found::Heuristic { frame, text, .. } => {
                let detected = vec![format!(
                    "banner text \"{}\"",
                    text.chars().take(120).collect::<String>()
                )];
                let mut record = self.record(page, None, detected, ConsentOutcome::Failed, None);
                record.platform_name = Some("unknown (heuristic)".into());
                (None, vec![frame.clone()], record)
            }
            Found::Autoconsent { cmp } => {
                let mut detected = vec![format!("autoconsent rule {cmp}")];
                if let Some(run) = autoconsent.as_ref() {
                    detected.extend(
                        run.detected()
                            .into_iter()
                            .filter(|d| d != cmp)
                            .map(|d| format!("autoconsent also detected {d}")),
                    );
                }
                let mut record = self.record(page, None, detected, ConsentOutcome::Failed, None);
                record.platform_name = Some(format!("{cmp} (autoconsent)"));
                (None, Vec::new(), record)
            }
        };
        let key = found.key();
        let (from, mut attempts) = self.resume_for(&key);
        let Some(from) = from else {
            // Two contexts spoiled: this one is scanned with the banner unanswered.
            self.abandon();
            let spoiled = attempts.iter().rev().find(|a| a.tainted);
            record.outcome = ConsentOutcome::Failed;
            record.verification = Some(format!(
                "left unanswered: every way to refuse tried may have granted consent{}",
                spoiled.map_or(String::new(), |a| format!(
                    " (last: {}: {})",
                    a.strategy, a.result
                ))
            ));
            record.attempts = attempts;
            return record;
        };
        let strategies = self.strategies(platform, found);
        let mut acted_here = false;
        let mut offered = false;
        for (index, strategy) in strategies.iter().enumerate().skip(from) {
            let describe = strategy.describe(platform, self.choice);
            // An API call or another engine would paper over whatever the clicks before did.
            let covers_up = matches!(strategy, Strategy::Api(_) | Strategy::Autoconsent)
                && acted_here
                && self.choice == Choice::Reject;
            let run = if covers_up {
                None
            } else {
                let heuristic_frame = match found {
                    Found::Heuristic { frame, .. } => Some(frame),
                    _ => None,
                };
                let place = Place {
                    page,
                    platform,
                    frames: &frames,
                    heuristic_frame,
                };
                self.run_strategy(tab, strategy, &place, session, context, autoconsent)
                    .await
            };
            let verdict = match &run {
                None if covers_up => Verdict::Tainted(format!(
                    "{} would follow clicks that may have granted consent",
                    match strategy {
                        Strategy::Autoconsent => "autoconsent",
                        _ => "the JavaScript API",
                    }
                )),
                None => continue,
                Some(run) => {
                    // A link that led to no refusal offered none.
                    offered |= run.acted || !matches!(strategy, Strategy::SettingsPage);
                    acted_here |= run.acted;
                    record.clicked.extend(run.clicked.iter().cloned());
                    self.judge(tab, platform, run, session, context, &before)
                        .await
                }
            };
            let clicked = run.map(|r| r.clicked).unwrap_or_default();
            match verdict {
                Verdict::Proven(proof) => {
                    attempts.push(attempt(
                        describe,
                        clicked,
                        format!("verified: {proof}"),
                        false,
                    ));
                    record.outcome = ConsentOutcome::Verified;
                    record.verification = Some(proof);
                    record.engine = Some(match (strategy, &self.engines.autoconsent) {
                        (Strategy::Autoconsent, Some(ac)) => format!("autoconsent {}", ac.version),
                        _ => "cookiescan".into(),
                    });
                    break;
                }
                Verdict::NoEffect(why) => {
                    attempts.push(attempt(describe, clicked, why, false));
                    if acted_here {
                        record.outcome = ConsentOutcome::Unverified;
                    }
                }
                Verdict::Tainted(why) => {
                    let mut so_far = attempts.clone();
                    so_far.push(attempt(
                        describe.clone(),
                        clicked.clone(),
                        why.clone(),
                        true,
                    ));
                    let result = if !self.can_start_over(first) {
                        format!(
                            "{why}; this page cannot start the pass over, which stops answering"
                        )
                    } else {
                        match self.taint(&key, index + 1, &so_far) {
                            Resume::NextStrategy => {
                                format!("{why}; starting over in a fresh browser context")
                            }
                            Resume::Unanswered => format!(
                                "{why}; starting over in a fresh browser context, unanswered"
                            ),
                        }
                    };
                    attempts.push(attempt(describe, clicked, result, true));
                    record.outcome = ConsentOutcome::Failed;
                    record.verification = Some(why);
                    break;
                }
            }
        }
        if !offered && from > 0 {
            // Started over, and no strategy after the spoiled one could run.
            let spoiled = attempts.iter().rev().find(|a| a.tainted);
            record.outcome = ConsentOutcome::Failed;
            record.verification = Some(match spoiled {
                Some(spoiled) => format!(
                    "no other way to answer after {}: {}",
                    spoiled.strategy, spoiled.result
                ),
                None => "no other way to answer".into(),
            });
        } else if !offered {
            record.outcome = match self.choice {
                Choice::Accept => ConsentOutcome::Failed,
                Choice::Reject => self.no_refusal(tab, platform, found, &frames).await,
            };
        }
        record.attempts = attempts;
        record
    }

    async fn run_strategy(
        &self,
        tab: &Tab,
        strategy: &Strategy<'_>,
        place: &Place<'_>,
        session: &BrowserSession,
        context: &BrowserContextId,
        autoconsent: &mut Option<AutoconsentRun<'_>>,
    ) -> Option<Run> {
        let (platform, frames) = (place.platform, place.frames);
        match strategy {
            Strategy::Flow(_, flow) => {
                let platform = platform?;
                let frame = self.flow_frame(tab, flow, frames).await?;
                let (mut clicked, note) = match self.run_flow(tab, &frame, flow).await {
                    Ok(clicked) => (clicked, None),
                    Err(failure) => (failure.clicked, Some(failure.reason)),
                };
                let acted = !clicked.is_empty();
                let proof = match note {
                    Some(_) => None,
                    None => {
                        let last = flow.steps.iter().rev().find_map(|s| s.click.as_deref());
                        let repress = last.map(|s| (frame.clone(), Target::Selector(s)));
                        self.await_proof(
                            tab,
                            Some(platform),
                            repress,
                            &mut clicked,
                            session,
                            context,
                        )
                        .await
                    }
                };
                let note =
                    note.or_else(|| proof.is_none().then(|| "no proof of the choice".into()));
                Some(Run {
                    clicked,
                    acted,
                    proof,
                    note,
                    contradiction: None,
                })
            }
            Strategy::Api(expression) => {
                let platform = platform?;
                let top = tab.top_frame();
                let ran = call(tab, &top, "run", &json!(expression)).await == Some(json!(true));
                let proof = match ran {
                    true => self.verify_choice(tab, platform, session, context).await,
                    false => None,
                };
                Some(Run {
                    clicked: vec![format!("API {expression}")],
                    acted: ran,
                    note: match (ran, &proof) {
                        (false, _) => Some("the call threw".into()),
                        (true, None) => Some("no proof of the choice".into()),
                        (true, Some(_)) => None,
                    },
                    proof,
                    contradiction: None,
                })
            }
            Strategy::Heuristic => self.run_heuristic(tab, session, context).await,
            Strategy::SettingsLayer => self.run_settings_layer(tab, session, context).await,
            Strategy::SettingsPage => self.run_settings_page(tab, place, session, context).await,
            Strategy::Autoconsent => {
                let run = autoconsent.as_mut()?;
                self.run_autoconsent(tab, run, place, session, context)
                    .await
            }
        }
    }

    /// Waits for proof of the choice, pressing the last button again while it is still there
    /// (a click during an animation, or before the page wired the button, does nothing):
    /// windows of a quarter, a quarter and half the verify budget.
    pub(super) async fn await_proof(
        &self,
        tab: &Tab,
        platform: Option<&Platform>,
        repress: Option<(Frame, Target<'_>)>,
        clicked: &mut Vec<String>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<String> {
        let budget = self.timing.verify;
        let windows = [budget / 4, budget / 4, budget / 2];
        for (round, window) in windows.into_iter().enumerate() {
            let proof = match platform {
                Some(platform) => {
                    self.verify(tab, platform, self.choice, session, context, window)
                        .await
                }
                None => match &repress {
                    Some((frame, _)) => self.heuristic_gone(tab, frame, window).await,
                    None => None,
                },
            };
            if proof.is_some() {
                return proof;
            }
            if round + 1 < windows.len()
                && let Some((frame, target)) = &repress
                && self.still_there(tab, frame, *target).await
                && let Some(what) = self.press(tab, frame, *target).await
            {
                clicked.push(format!("again: {what}"));
            }
        }
        None
    }

    async fn still_there(&self, tab: &Tab, frame: &Frame, target: Target<'_>) -> bool {
        let probe = match target {
            Target::Selector(selector) => call(tab, frame, "visible", &json!(selector)).await,
            Target::Heuristic(_) | Target::PageForm(_) => {
                let (command, arg) = target.probe();
                call(tab, frame, command, &arg)
                    .await
                    .map(|v| json!(v.get("reason").and_then(|r| r.as_str()) != Some("not visible")))
            }
        };
        probe == Some(json!(true))
    }

    /// Whether a strategy proved the choice, did nothing, or may have granted consent.
    async fn judge(
        &self,
        tab: &Tab,
        platform: Option<&Platform>,
        run: &Run,
        session: &BrowserSession,
        context: &BrowserContextId,
        before: &JarKeys,
    ) -> Verdict {
        let unproven = || {
            run.note
                .clone()
                .unwrap_or_else(|| "no proof of the choice".into())
        };
        if self.choice == Choice::Accept {
            return match &run.proof {
                Some(proof) if run.contradiction.is_none() => Verdict::Proven(proof.clone()),
                _ => Verdict::NoEffect(run.contradiction.clone().unwrap_or_else(unproven)),
            };
        }
        if !run.acted {
            return Verdict::NoEffect(unproven());
        }
        // Let whatever the action set off load before judging it.
        tab.settle_from_now().await;
        let gated = self.gated_since(session, context, before).await;
        let gated_text = || format!("consent-gated cookies appeared: {}", gated.join(", "));
        if let Some(contradiction) = &run.contradiction {
            return Verdict::Tainted(contradiction.clone());
        }
        if let Some(proof) = &run.proof {
            return if gated.is_empty() {
                Verdict::Proven(proof.clone())
            } else {
                Verdict::Tainted(format!("{proof}, but {}", gated_text()))
            };
        }
        if !gated.is_empty() {
            return Verdict::Tainted(gated_text());
        }
        if let Some(platform) = platform {
            if let Some(granted) = self
                .proof_now(tab, platform, Choice::Accept, session, context)
                .await
            {
                return Verdict::Tainted(format!("the platform records consent: {granted}"));
            }
            if !self.banner_visible(tab, platform).await {
                return Verdict::Tainted("the banner closed without proof of a refusal".into());
            }
        }
        Verdict::NoEffect(unproven())
    }

    /// Asked to refuse where no strategy could run: a cookie wall, or no way to refuse.
    async fn no_refusal(
        &self,
        tab: &Tab,
        platform: Option<&Platform>,
        found: &Found,
        frames: &[Frame],
    ) -> ConsentOutcome {
        let wall = match (platform, found) {
            (Some(platform), _) => self.wall_present(tab, platform, frames).await,
            (None, Found::Heuristic { buttons, .. }) => {
                buttons.iter().any(|(kind, _)| kind == "forbidden")
            }
            (None, _) => false,
        };
        if wall {
            ConsentOutcome::CookieWall
        } else {
            ConsentOutcome::NoRejectOption
        }
    }

    async fn wall_present(&self, tab: &Tab, platform: &Platform, frames: &[Frame]) -> bool {
        for selector in &platform.walls {
            for frame in frames {
                if call(tab, frame, "visible", &json!(selector)).await == Some(json!(true)) {
                    return true;
                }
            }
        }
        false
    }

    pub(super) async fn jar_keys(
        &self,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> JarKeys {
        let jar = session.cookies(context).await.unwrap_or_default();
        jar.into_iter()
            .map(|c| (c.key.name, c.key.domain))
            .collect()
    }

    /// Cookies that appeared since `before` and that only consent may set (consent
    /// platforms' own cookies excepted), as `name (domain)`.
    async fn gated_since(
        &self,
        session: &BrowserSession,
        context: &BrowserContextId,
        before: &JarKeys,
    ) -> Vec<String> {
        let now = self.jar_keys(session, context).await;
        now.difference(before)
            .filter(|(name, _)| !self.rules.is_consent_cookie(name))
            .filter(|(name, domain)| self.needs_consent.needs_consent(name, domain))
            .map(|(name, domain)| format!("{name} ({})", domain.trim_start_matches('.')))
            .collect()
    }
}

fn attempt(
    strategy: String,
    clicked: Vec<String>,
    result: String,
    tainted: bool,
) -> ConsentAttempt {
    ConsentAttempt {
        strategy,
        clicked,
        result,
        tainted,
    }
}
