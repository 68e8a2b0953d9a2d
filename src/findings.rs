//! The two findings users act on: cookies set before the visitor answered the banner, and
//! cookies still set after "reject all". Strictly necessary cookies (by classification) and
//! the consent platforms' own cookies (which remember the choice) do not count.

use crate::classify::{Category, Classifier};
use crate::consent::rules::RuleSet;
use crate::model::{CookieRecord, Mode, Scan};

/// Cookies that break consent rules.
#[derive(Debug, Default)]
pub struct Findings<'a> {
    /// In the jar during the before-consent pass.
    pub before_consent: Vec<&'a CookieRecord>,
    /// In the jar during the reject pass.
    pub survive_reject: Vec<&'a CookieRecord>,
}

impl Findings<'_> {
    pub fn is_empty(&self) -> bool {
        self.before_consent.is_empty() && self.survive_reject.is_empty()
    }
}

/// Whether a cookie of this category and name counts against consent when it is present
/// before the answer or after a refusal: strictly necessary cookies and the platforms' own
/// consent cookies do not.
pub fn counts_as_violation(category: Category, name: &str, rules: &RuleSet) -> bool {
    category != Category::Necessary && !rules.is_consent_cookie(name)
}

/// The findings of a scan; passes that were not scanned contribute nothing.
pub fn findings<'a>(scan: &'a Scan, rules: &RuleSet, classifier: &Classifier) -> Findings<'a> {
    let scanned = |mode: Mode| scan.modes.iter().any(|run| run.mode == mode);
    let counts = |cookie: &&CookieRecord| {
        let category = classifier.classify_cookie(cookie).category;
        counts_as_violation(category, &cookie.name, rules)
    };
    let in_mode = |mode: Mode| -> Vec<&'a CookieRecord> {
        if !scanned(mode) {
            return Vec::new();
        }
        scan.cookies
            .iter()
            .filter(|c| c.modes.contains(&mode))
            .filter(counts)
            .collect()
    };
    Findings {
        before_consent: in_mode(Mode::BeforeConsent),
        survive_reject: in_mode(Mode::Reject),
    }
}
