//! A refusal on another page of the site: a banner that offers no way to refuse but links to
//! the site's cookie settings (or to its cookie policy, where such a form often sits). The
//! linked page is opened in a second tab of the same browser context, so the visit's own record
//! stays whole; its form's refusal is pressed, or every category switched off and the choice
//! saved; and the proof is the original page loaded again in that tab: the platform's state,
//! or no banner.

use std::time::Instant;

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use serde_json::Value;
use url::Url;

use super::answer::{Place, Run};
use super::heuristic::found_kinds;
use super::press::Target;
use super::{ConsentDriver, POLL, call};
use crate::browser::{BrowserSession, Frame, Tab};
use crate::model::Choice;

/// Links of one banner followed at most (its settings link, then its policy link).
const LINKS_TRIED: usize = 2;

/// A link of the banner that may lead to a refusal.
struct BannerLink {
    url: Url,
    /// What the link is, as the record shows it (`a.cc-link "Cookie settings"`).
    label: String,
}

/// What a consent form on a page offers.
struct PageForm {
    kinds: Vec<String>,
    toggles: u64,
}

impl ConsentDriver {
    /// Follows the banner's settings or policy links to a page of the site holding a consent
    /// form and refuses there. None when the banner links nowhere in scope.
    pub(super) async fn run_settings_page(
        &self,
        tab: &Tab,
        place: &Place<'_>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<Run> {
        let page = Url::parse(place.page).ok()?;
        let links = self.banner_links(tab, &page, place).await;
        if links.is_empty() {
            return None;
        }
        let other = match tab.sibling(session, context).await {
            Ok(other) => other,
            Err(e) => {
                return Some(Run::stopped(
                    Vec::new(),
                    &format!("no second tab for the settings page: {e}"),
                ));
            }
        };
        let mut dead_ends = Vec::new();
        let mut run = None;
        for link in links.into_iter().take(LINKS_TRIED) {
            match self
                .refuse_on(&other, &link, &page, place, session, context)
                .await
            {
                Ok(done) => {
                    run = Some(done);
                    break;
                }
                Err(why) => dead_ends.push(format!("{} ({}): {why}", link.label, link.url)),
            }
        }
        other.close().await;
        Some(run.unwrap_or_else(|| {
            Run::stopped(
                Vec::new(),
                &format!(
                    "no link of the banner leads to a refusal: {}",
                    dead_ends.join("; ")
                ),
            )
        }))
    }

    /// The banner's in-scope links to other pages, settings links first.
    async fn banner_links(&self, tab: &Tab, page: &Url, place: &Place<'_>) -> Vec<BannerLink> {
        let frames: Vec<Frame> = match (place.heuristic_frame, place.frames) {
            (Some(frame), _) => vec![frame.clone()],
            (None, []) => tab.frames().await,
            (None, frames) => frames.to_vec(),
        };
        let mut links = Vec::new();
        for frame in &frames {
            let Some(Value::Array(found)) = call(tab, frame, "bannerLinks", &Value::Null).await
            else {
                continue;
            };
            for link in found {
                let (Some(url), Some(label)) = (
                    link.get("url").and_then(Value::as_str),
                    link.get("label").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let Ok(url) = Url::parse(url) else {
                    continue;
                };
                let elsewhere = url.as_str().split('#').next() != page.as_str().split('#').next();
                if elsewhere
                    && tab.in_scope(&url)
                    && !links.iter().any(|l: &BannerLink| l.url == url)
                {
                    links.push(BannerLink {
                        url,
                        label: label.to_string(),
                    });
                }
            }
        }
        links
    }

    /// Refuses in the consent form of the page `link` leads to, in the tab `other`; Err says
    /// why that page is a dead end (nothing was changed there).
    async fn refuse_on(
        &self,
        other: &Tab,
        link: &BannerLink,
        page: &Url,
        place: &Place<'_>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Result<Run, String> {
        let loaded = other.load(&link.url).await.map_err(|e| e.to_string())?;
        if !loaded.is_ok() {
            return Err("the page did not load".into());
        }
        let top = other.top_frame();
        let form = self
            .page_form(other, &top)
            .await
            .ok_or("no consent form there")?;
        let has = |kind: &str| form.kinds.iter().any(|k| k == kind);
        let mut clicked = vec![format!("followed {} to {}", link.label, link.url)];
        // Following the link changed nothing; switching a category off did.
        let mut switched_any = false;
        let kind = if has("reject") {
            "reject"
        } else if has("save") && form.toggles > 0 {
            let (switched, still_on) = self
                .switch_off(other, &top, "pageFormSwitchOff", &Value::Null)
                .await;
            switched_any = switched > 0;
            if switched_any {
                clicked.push(format!("switched off {switched} categories"));
            }
            if !still_on.is_empty() {
                let why = format!("still on after switching off: {}", still_on.join(", "));
                return Ok(Run::stopped(clicked, &why).acting(switched_any));
            }
            "save"
        } else {
            return Err("its form offers no refusal".into());
        };
        let Some(what) = self.press(other, &top, Target::PageForm(kind)).await else {
            let why = format!("its {kind} button never became clickable");
            return Ok(Run::stopped(clicked, &why).acting(switched_any));
        };
        clicked.push(what);
        other.settle_from_now().await;
        let proof = self
            .proof_on_return(other, page, link, place, session, context)
            .await;
        Ok(Run {
            acted: true,
            clicked,
            note: proof
                .is_none()
                .then(|| format!("the banner still shows on {page} after saving the choice")),
            proof,
            contradiction: None,
        })
    }

    /// The consent form of the page in `frame`, waited for within the step budget (forms drawn
    /// by script show after the load).
    async fn page_form(&self, tab: &Tab, frame: &Frame) -> Option<PageForm> {
        let deadline = Instant::now() + self.timing.step;
        loop {
            if let Some(found) = call(tab, frame, "pageForm", &Value::Null).await
                && let Some(kinds) = found_kinds(&found)
            {
                let toggles = found.get("toggles").and_then(Value::as_u64).unwrap_or(0);
                return Some(PageForm { kinds, toggles });
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Loads the page the banner was on again in `other`: the platform's state says whether the
    /// refusal took, or, for a banner no rule knows, its not showing any more.
    async fn proof_on_return(
        &self,
        other: &Tab,
        page: &Url,
        link: &BannerLink,
        place: &Place<'_>,
        session: &BrowserSession,
        context: &BrowserContextId,
    ) -> Option<String> {
        if !other.load(page).await.ok()?.is_ok() {
            return None;
        }
        if let Some(platform) = place.platform {
            let proof = self
                .verify(
                    other,
                    platform,
                    Choice::Reject,
                    session,
                    context,
                    self.timing.verify,
                )
                .await?;
            return Some(format!("{proof} (chosen on {})", link.url));
        }
        for frame in other.frames().await {
            if self.banner_kinds(other, &frame).await.is_some() {
                return None;
            }
        }
        Some(format!(
            "the banner no longer shows on {page} once the refusal was saved on {}",
            link.url
        ))
    }
}
