//! The words every room shares: what a page was reached by, which answer a consent pass
//! gives, what a cookie is for and who said so. They live at the bottom so that the scan file
//! and every room above it can name them without importing each other.

use serde::{Deserialize, Serialize};

use super::Mode;

/// A cookie's category. The machine values (`necessary`, `functionality`, `statistics`,
/// `marketing`, `unclassified`) are fixed; headings shown to visitors are configurable.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Strictly necessary: the site cannot work without it; needs no consent.
    Necessary,
    /// Functionality and preferences (language, settings).
    Functionality,
    /// Statistics and audience measurement.
    Statistics,
    /// Marketing, advertising, cross-site tracking, social media.
    Marketing,
    /// Not known: needs review by the site operator.
    #[default]
    Unclassified,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Necessary => "necessary",
            Category::Functionality => "functionality",
            Category::Statistics => "statistics",
            Category::Marketing => "marketing",
            Category::Unclassified => "unclassified",
        }
    }
}

/// Where a classification came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    SiteConfig,
    KnowledgeBase,
    OpenCookieDatabase,
    ThirdPartyDomain,
    /// Inferred from the scan's own evidence (the site's banner gating it, a per-category
    /// pass, a name rule): a suggestion for review, never a fact.
    Inferred,
    Unknown,
}

impl Source {
    /// The source as the inventory CSV names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::SiteConfig => "site note",
            Source::KnowledgeBase => "knowledge base",
            Source::OpenCookieDatabase => "open cookie database",
            Source::ThirdPartyDomain => "domain default",
            Source::Inferred => "inferred",
            Source::Unknown => "unknown",
        }
    }
}

/// Which answer a pass gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Accept,
    Reject,
}

impl Choice {
    pub fn for_mode(mode: Mode) -> Option<Choice> {
        match mode {
            Mode::BeforeConsent => None,
            Mode::Accept => Some(Choice::Accept),
            Mode::Reject => Some(Choice::Reject),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Accept => "accept",
            Choice::Reject => "reject",
        }
    }
}

/// How a page came to be queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Via {
    /// The start URL.
    Start,
    /// A link on the page `from`.
    Link {
        /// URL of the linking page.
        from: String,
    },
    /// An entry of the sitemap at `sitemap`.
    Sitemap {
        /// URL of the sitemap file.
        sitemap: String,
    },
    /// The target of a redirect from `from`.
    Redirect {
        /// URL that redirected.
        from: String,
    },
    /// Where clicking an element of the page `from` led (a script router, `data-href`, …).
    Click {
        /// URL of the page the element is on.
        from: String,
        /// The element clicked, e.g. `div.card "Sport"`.
        element: String,
    },
}

/// What a visit did after the page loaded, in order; cookies written only after one of these
/// steps are recorded with it, as evidence that a plain page load would miss them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStep {
    /// Loading, settling and answering the banner.
    Load,
    /// Scrolling to the bottom of the page in steps.
    Scroll,
    /// Moving the pointer over the page.
    Pointer,
    /// Waiting for the page's pending timers.
    Timers,
    /// Clicking elements that may navigate or load more.
    Click,
}

impl VisitStep {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStep::Load => "load",
            VisitStep::Scroll => "scroll",
            VisitStep::Pointer => "pointer",
            VisitStep::Timers => "timers",
            VisitStep::Click => "click",
        }
    }
}
