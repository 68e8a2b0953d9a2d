//! The five cookie categories of a cookie policy.

use serde::{Deserialize, Serialize};

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
