//! The consent-platform rule set: how to recognise each consent platform, which buttons give
//! or refuse consent (including multi-step refusals), its JavaScript API as a fallback, and how
//! to prove the choice took effect. The data lives in `rules/consent-platforms.toml`, compiled
//! into the binary; a site's own config can add rules of the same shape.
//!
//! Selectors are CSS; ` >>> ` chains into open shadow roots (`#host >>> button.deny`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Category;

/// The built-in rules, as shipped.
pub const BUILTIN_RULES: &str = include_str!("../../rules/consent-platforms.toml");

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(rename = "platform")]
    pub platforms: Vec<Platform>,
}

/// One consent platform.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Stable identifier, e.g. `onetrust`.
    pub id: String,
    /// Display name, e.g. `OneTrust`.
    pub name: String,
    pub detect: Detect,
    /// When the banner lives in an iframe: a substring of that iframe's URL. Steps then run
    /// inside every frame whose URL contains it.
    #[serde(default)]
    pub frame: Option<String>,
    /// The banner is showing when any of these is visible.
    #[serde(default)]
    pub visible: Vec<String>,
    /// Alternative ways to accept everything, tried in order: the first flow whose first
    /// step's element is present runs.
    #[serde(default)]
    pub accept: Vec<Flow>,
    /// Alternative ways to refuse everything optional, tried in order.
    #[serde(default)]
    pub reject: Vec<Flow>,
    /// JavaScript run in the top document when no flow worked (or the effect is not verified).
    #[serde(default)]
    pub api_accept: Option<String>,
    #[serde(default)]
    pub api_reject: Option<String>,
    /// How to prove the choice took effect.
    #[serde(default)]
    pub verify: Verify,
    /// Buttons that must never be clicked (pay, subscribe, log in): their presence without a
    /// refusal flow makes the banner a cookie wall.
    #[serde(default)]
    pub walls: Vec<String>,
    /// Cookies the platform itself writes to remember the choice (strictly necessary).
    #[serde(default)]
    pub consent_cookies: Vec<String>,
    /// localStorage keys the platform writes to remember the choice.
    #[serde(default)]
    pub consent_storage: Vec<String>,
    /// The platform speaks IAB TCF (`__tcfapi`).
    #[serde(default)]
    pub tcf: bool,
    /// How to grant one of the site's own consent categories alone, for the per-category
    /// passes; None when the rule knows no way.
    #[serde(default)]
    pub categories: Option<Categories>,
}

/// The text a category rule's `grant` script has in place of the category's id; it becomes
/// the id as a JavaScript string literal (JSON-quoted, so a hostile id stays a string).
pub const CATEGORY_PLACEHOLDER: &str = "__CATEGORY__";

/// A platform's granular consent, through its JavaScript API: which categories the site
/// offers, how to grant one alone, and which its own consent state grants.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Categories {
    /// Expression: the site's optional categories, an array of `{id, label}`; null (or a
    /// throw) while the platform is not ready.
    pub list: String,
    /// Script granting the category [`CATEGORY_PLACEHOLDER`] and refusing every other optional
    /// one; it must throw when it did nothing.
    pub grant: String,
    /// Expression: the ids of the optional categories the platform's consent state grants
    /// now, an array; null while no choice is stored.
    pub granted: String,
    /// The platform's category ids (as the site configures them) to ours; ids not here are
    /// read by their words.
    #[serde(default)]
    pub map: BTreeMap<String, Category>,
}

impl Categories {
    /// The grant script for one category id.
    pub fn grant_script(&self, id: &str) -> String {
        let literal = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".into());
        self.grant.replace(CATEGORY_PLACEHOLDER, &literal)
    }

    /// Our category for one of the platform's: the rule's map, else the words of its id and
    /// label; None when neither says.
    pub fn category_of(&self, id: &str, label: &str) -> Option<Category> {
        if let Some(category) = self.map.get(id) {
            return Some(*category);
        }
        category_from_words(&format!("{id} {label}"))
    }
}

/// What a category's own name says it is for, in English, French or German words sites use.
pub fn category_from_words(text: &str) -> Option<Category> {
    let text = text.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| text.contains(w));
    // Necessary first (such a category is never passed), then marketing: "ad performance"
    // and "social analytics" are about advertising.
    if any(&[
        "necessar",
        "essential",
        "required",
        "strictly",
        "technical",
        "notwendig",
        "nécessaire",
    ]) {
        Some(Category::Necessary)
    } else if any(&[
        "marketing",
        "advert",
        "ads",
        "targeting",
        "social",
        "publicit",
        "werbung",
        "retarget",
    ]) {
        Some(Category::Marketing)
    } else if any(&[
        "analytic",
        "statisti",
        "performance",
        "measur",
        "audience",
        "mesure",
        "analyse",
    ]) {
        Some(Category::Statistics)
    } else if any(&[
        "function",
        "preference",
        "personali",
        "video",
        "support",
        "comfort",
        "fonctionn",
        "komfort",
    ]) {
        Some(Category::Functionality)
    } else {
        None
    }
}

/// Signs that a platform is on the page; any one suffices.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// Elements present in the document (or in the rule's frame).
    #[serde(default)]
    pub selectors: Vec<String>,
    /// Global JavaScript names (dotted paths allowed: `Didomi.getUserStatus`).
    #[serde(default)]
    pub globals: Vec<String>,
    /// Substrings of a `<script src>`.
    #[serde(default)]
    pub scripts: Vec<String>,
}

/// An ordered list of steps.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub steps: Vec<Step>,
}

/// One step of a flow. Exactly one action field is set.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Wait (bounded) until this element is visible, then click it.
    #[serde(default)]
    pub click: Option<String>,
    /// Click every visible match (e.g. to switch off each checked category); none is fine.
    #[serde(default)]
    pub click_all: Option<String>,
    /// Wait (bounded) until this element is visible.
    #[serde(default)]
    pub wait_for: Option<String>,
    /// Wait (bounded) until no match is visible.
    #[serde(default)]
    pub wait_gone: Option<String>,
    /// Skip the step, rather than fail the flow, when its element never shows.
    #[serde(default)]
    pub optional: bool,
}

/// Checks that prove a choice; any configured one that passes is proof.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    /// A cookie whose value (URL-decoded) must match `accept` / `reject`.
    #[serde(default)]
    pub cookie: Option<String>,
    /// A localStorage key whose value must match `accept` / `reject`.
    #[serde(default)]
    pub storage: Option<String>,
    /// Regular expression the value matches after accepting.
    #[serde(default)]
    pub accept: Option<String>,
    /// Regular expression the value matches after refusing.
    #[serde(default)]
    pub reject: Option<String>,
    /// JavaScript expression, true once consent was given.
    #[serde(default)]
    pub js_accept: Option<String>,
    /// JavaScript expression, true once consent was refused.
    #[serde(default)]
    pub js_reject: Option<String>,
}

/// Why a rule set was refused.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The text is not valid TOML, or does not have the rule shape.
    #[error("cannot read consent rules from {origin}: {message}")]
    Parse { origin: String, message: String },
    /// Two platforms share an id.
    #[error("consent rules: platform id `{id}` is defined more than once")]
    DuplicateId { id: String },
    /// One platform's rule is unusable.
    #[error("consent rule `{platform}`: {problem}")]
    Invalid { platform: String, problem: String },
}

/// Parses rules written in the `rules/consent-platforms.toml` format and validates them.
/// `source` names the text in error messages (a file path, or `built-in`).
pub fn parse_rules(text: &str, source: &str) -> Result<RuleSet, RuleError> {
    let rules: RuleSet = toml::from_str(text).map_err(|error| RuleError::Parse {
        origin: source.to_string(),
        message: error.to_string().trim_end().to_string(),
    })?;
    rules.validate()?;
    Ok(rules)
}

/// The rules shipped with cookiescan.
///
/// # Panics
/// Only if the shipped file is invalid, which a unit test rules out.
pub fn builtin_rules() -> RuleSet {
    match parse_rules(BUILTIN_RULES, "built-in rules/consent-platforms.toml") {
        Ok(rules) => rules,
        Err(error) => panic!("{error}"),
    }
}

/// The separator of a selector chain into open shadow roots, spaces included (the page-side
/// helper splits on exactly this).
pub const SHADOW_SEPARATOR: &str = " >>> ";

/// The segments of a selector chain: `#host >>> button` gives `["#host", "button"]`.
pub fn selector_chain(selector: &str) -> Vec<&str> {
    selector.split(SHADOW_SEPARATOR).map(str::trim).collect()
}

/// Whether a cookie or storage name matches a `consent_cookies` / `consent_storage` entry:
/// exact, or a prefix when the entry ends with `*` (`__cmpconsentx*`).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// What one step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    Click(&'a str),
    ClickAll(&'a str),
    WaitFor(&'a str),
    WaitGone(&'a str),
}

impl Action<'_> {
    /// The element the action is about.
    pub fn selector(&self) -> &str {
        match self {
            Action::Click(s) | Action::ClickAll(s) | Action::WaitFor(s) | Action::WaitGone(s) => s,
        }
    }
}

impl Step {
    /// Every action field that is set, in declaration order; a valid step has exactly one.
    pub fn actions(&self) -> Vec<Action<'_>> {
        let fields = [
            self.click.as_deref().map(Action::Click),
            self.click_all.as_deref().map(Action::ClickAll),
            self.wait_for.as_deref().map(Action::WaitFor),
            self.wait_gone.as_deref().map(Action::WaitGone),
        ];
        fields.into_iter().flatten().collect()
    }

    /// The step's action, when exactly one is set.
    pub fn action(&self) -> Option<Action<'_>> {
        match self.actions().as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

impl Platform {
    /// Whether `name` is a cookie this platform writes to remember the choice.
    pub fn is_consent_cookie(&self, name: &str) -> bool {
        self.consent_cookies.iter().any(|p| name_matches(p, name))
    }

    /// Whether `key` is a localStorage key this platform writes to remember the choice.
    pub fn is_consent_storage(&self, key: &str) -> bool {
        self.consent_storage.iter().any(|p| name_matches(p, key))
    }

    /// Every problem with this rule, as sentences.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.id.trim().is_empty() {
            problems.push("the id is empty".to_string());
        }
        if self.name.trim().is_empty() {
            problems.push("the name is empty".to_string());
        }
        let detect = &self.detect;
        if detect.selectors.is_empty() && detect.globals.is_empty() && detect.scripts.is_empty() {
            problems.push("detect has no selectors, globals or scripts".to_string());
        }
        for selector in &detect.selectors {
            check_selector("detect.selectors", selector, &mut problems);
        }
        for global in &detect.globals {
            if global.trim().is_empty() || global.split('.').any(|part| part.trim().is_empty()) {
                problems.push(format!("detect.globals has a malformed name `{global}`"));
            }
        }
        for script in &detect.scripts {
            if script.trim().is_empty() {
                problems.push("detect.scripts has an empty entry".to_string());
            }
        }
        if let Some(frame) = &self.frame
            && frame.trim().is_empty()
        {
            problems.push("frame is empty".to_string());
        }
        if self.visible.is_empty() {
            problems.push("visible is empty, so the banner would never be seen".to_string());
        }
        for selector in &self.visible {
            check_selector("visible", selector, &mut problems);
        }
        for (what, flows) in [("accept", &self.accept), ("reject", &self.reject)] {
            for (f, flow) in flows.iter().enumerate() {
                let at = format!("{what} flow {}", f + 1);
                if flow.steps.is_empty() {
                    problems.push(format!("{at} has no steps"));
                }
                for (s, step) in flow.steps.iter().enumerate() {
                    let at = format!("{at}, step {}", s + 1);
                    match step.actions().as_slice() {
                        [] => problems.push(format!(
                            "{at} has no action (one of click, click_all, wait_for, wait_gone)"
                        )),
                        [one] => check_selector(&at, one.selector(), &mut problems),
                        several => problems.push(format!(
                            "{at} has {} actions; exactly one of click, click_all, wait_for, wait_gone is allowed",
                            several.len()
                        )),
                    }
                }
            }
        }
        for (what, api) in [
            ("api_accept", &self.api_accept),
            ("api_reject", &self.api_reject),
        ] {
            if let Some(api) = api
                && api.trim().is_empty()
            {
                problems.push(format!("{what} is empty"));
            }
        }
        for selector in &self.walls {
            check_selector("walls", selector, &mut problems);
        }
        for (what, names) in [
            ("consent_cookies", &self.consent_cookies),
            ("consent_storage", &self.consent_storage),
        ] {
            for name in names {
                let stem = name.strip_suffix('*').unwrap_or(name);
                if stem.trim().is_empty() || stem.contains('*') {
                    problems.push(format!(
                        "{what} entry `{name}` must be a name, optionally ending in `*`"
                    ));
                }
            }
        }
        self.verify.problems(&mut problems);
        if let Some(categories) = &self.categories {
            for (what, script) in [
                ("categories.list", &categories.list),
                ("categories.grant", &categories.grant),
                ("categories.granted", &categories.granted),
            ] {
                if script.trim().is_empty() {
                    problems.push(format!("{what} is empty"));
                }
            }
            if !categories.grant.contains(CATEGORY_PLACEHOLDER) {
                problems.push(format!(
                    "categories.grant never names the category (`{CATEGORY_PLACEHOLDER}`)"
                ));
            }
        }
        problems
    }
}

impl Verify {
    fn problems(&self, problems: &mut Vec<String>) {
        for (what, name) in [("cookie", &self.cookie), ("storage", &self.storage)] {
            if let Some(name) = name
                && name.trim().is_empty()
            {
                problems.push(format!("verify.{what} is empty"));
            }
        }
        let reads_a_value = self.cookie.is_some() || self.storage.is_some();
        for (what, pattern) in [("accept", &self.accept), ("reject", &self.reject)] {
            match pattern {
                None if reads_a_value => problems.push(format!(
                    "verify sets a cookie or storage key but no `{what}` regex"
                )),
                Some(_) if !reads_a_value => problems.push(format!(
                    "verify.{what} is a regex but there is no cookie or storage key to match it against"
                )),
                Some(pattern) => {
                    if let Err(error) = regex::Regex::new(pattern) {
                        problems.push(format!("verify.{what} regex `{pattern}` is invalid: {error}"));
                    }
                }
                None => {}
            }
        }
        for (what, js) in [
            ("js_accept", &self.js_accept),
            ("js_reject", &self.js_reject),
        ] {
            if let Some(js) = js
                && js.trim().is_empty()
            {
                problems.push(format!("verify.{what} is empty"));
            }
        }
    }
}

/// Records a problem when a selector or one of its ` >>> ` segments is empty.
fn check_selector(at: &str, selector: &str, problems: &mut Vec<String>) {
    if selector.trim().is_empty() {
        problems.push(format!("{at}: empty selector"));
        return;
    }
    let chain = selector_chain(selector);
    if chain
        .iter()
        .any(|segment| segment.is_empty() || segment.contains(">>>"))
    {
        problems.push(format!(
            "{at}: selector `{selector}` has an empty segment around `>>>` (write ` >>> ` with a selector on each side)"
        ));
    }
}

impl RuleSet {
    /// Whether `name` is a cookie some platform of the set writes to remember the choice.
    pub fn is_consent_cookie(&self, name: &str) -> bool {
        self.platforms.iter().any(|p| p.is_consent_cookie(name))
    }

    /// Checks every rule: unique ids, something to detect, a visible banner selector, exactly
    /// one action per step, non-empty selectors and shadow-root segments, compilable regexes,
    /// and accept/reject regexes wherever a cookie or storage key is read. Reports the first
    /// platform with problems, all of its problems at once.
    pub fn validate(&self) -> Result<(), RuleError> {
        let mut seen = std::collections::HashSet::new();
        for platform in &self.platforms {
            if !seen.insert(platform.id.as_str()) {
                return Err(RuleError::DuplicateId {
                    id: platform.id.clone(),
                });
            }
        }
        for (index, platform) in self.platforms.iter().enumerate() {
            let problems = platform.problems();
            if !problems.is_empty() {
                let name = if platform.id.trim().is_empty() {
                    format!("#{}", index + 1)
                } else {
                    platform.id.clone()
                };
                return Err(RuleError::Invalid {
                    platform: name,
                    problem: problems.join("; "),
                });
            }
        }
        Ok(())
    }

    /// The platform with this id.
    pub fn get(&self, id: &str) -> Option<&Platform> {
        self.platforms.iter().find(|p| p.id == id)
    }

    /// Adds a site's own rules to these (built-in) ones. A site rule with a known id replaces
    /// that rule where it stands; site rules with new ids go in front, in their own order, so
    /// they are tried before every built-in one.
    pub fn merged(mut self, extra: RuleSet) -> RuleSet {
        let mut new = Vec::new();
        for platform in extra.platforms {
            match self.platforms.iter_mut().find(|p| p.id == platform.id) {
                Some(existing) => *existing = platform,
                None => new.push(platform),
            }
        }
        new.append(&mut self.platforms);
        RuleSet { platforms: new }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 28] = [
        "onetrust",
        "cookiebot",
        "consentmanager",
        "usercentrics",
        "sourcepoint",
        "google-funding-choices",
        "quantcast",
        "cookieyes",
        "civic-cookie-control",
        "didomi",
        "cookie-script",
        "cookiefirst",
        "klaro",
        "complianz",
        "osano",
        "borlabs",
        "termly",
        "iubenda",
        "axeptio",
        "trustarc",
        "sirdata",
        "commanders-act",
        "liveramp",
        "tarteaucitron",
        "cookieconsent-osano-v3",
        "vanilla-cookieconsent",
        "cookie-information",
        "cookiehub",
    ];

    fn platform(id: &str) -> Platform {
        Platform {
            id: id.into(),
            name: id.to_uppercase(),
            detect: Detect {
                selectors: vec![format!("#{id}")],
                ..Detect::default()
            },
            frame: None,
            visible: vec![format!("#{id}")],
            accept: vec![],
            reject: vec![],
            api_accept: None,
            api_reject: None,
            verify: Verify::default(),
            walls: vec![],
            consent_cookies: vec![],
            consent_storage: vec![],
            tcf: false,
            categories: None,
        }
    }

    const MINIMAL: &str = r##"
[[platform]]
id = "acme"
name = "Acme CMP"
visible = ["#acme"]

[platform.detect]
selectors = ["#acme"]

[[platform.accept]]
steps = [{ click = "#acme .yes" }]

[[platform.reject]]
steps = [STEP]

[platform.verify]
cookie = "acme"
accept = 'ACCEPT'
reject = 'REJECT'
"##;

    fn minimal(step: &str, accept: &str, reject: &str) -> String {
        MINIMAL
            .replace("STEP", step)
            .replace("ACCEPT", accept)
            .replace("REJECT", reject)
    }

    #[test]
    fn builtin_rules_parse_and_validate() {
        let rules = parse_rules(BUILTIN_RULES, "built-in").unwrap_or_else(|e| panic!("{e}"));
        assert!(rules.platforms.len() >= 25, "{}", rules.platforms.len());
        assert_eq!(builtin_rules(), rules);
    }

    #[test]
    fn builtin_rules_cover_the_common_platforms() {
        let rules = builtin_rules();
        for id in REQUIRED {
            assert!(rules.get(id).is_some(), "no rule for {id}");
        }
    }

    #[test]
    fn every_builtin_platform_can_accept_and_reject() {
        for p in builtin_rules().platforms {
            assert!(
                !p.accept.is_empty() || p.api_accept.is_some(),
                "{} cannot accept",
                p.id
            );
            assert!(
                !p.reject.is_empty() || p.api_reject.is_some(),
                "{} cannot reject",
                p.id
            );
        }
    }

    #[test]
    fn frames_shadow_roots_and_walls_are_where_expected() {
        let rules = builtin_rules();
        let sp = rules.get("sourcepoint").unwrap();
        assert!(sp.frame.is_some());
        assert!(sp.walls.iter().any(|w| w.contains("sp_choice_type_9")));
        assert!(rules.get("liveramp").unwrap().frame.is_some());
        let shadow = |id: &str, host: &str| {
            let p = rules.get(id).unwrap();
            for flows in [&p.accept, &p.reject] {
                assert!(
                    flows.iter().any(|f| f.steps[0]
                        .click
                        .as_deref()
                        .is_some_and(|s| s.starts_with(&format!("{host} >>> ")))),
                    "{id}: no flow through {host}"
                );
            }
        };
        shadow("usercentrics", "#usercentrics-root");
        shadow("usercentrics", "#usercentrics-cmp-ui");
        shadow("axeptio", ".axeptio_mount .needsclick");
        // Platforms that only offer a refusal behind settings use click_all to untick.
        let onetrust = rules.get("onetrust").unwrap();
        assert!(onetrust.reject.iter().any(|f| f.steps.len() > 2
            && f.steps.iter().any(|s| s.click_all.is_some())
            && f.steps.iter().any(|s| s.optional)));
    }

    /// The verify regexes against values as the platforms write them (URL-decoded).
    #[test]
    fn builtin_verify_regexes_tell_accept_from_reject() {
        let rules = builtin_rules();
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("tarteaucitron", "!fxanalytics=false", Some(false)),
            (
                "tarteaucitron",
                "!fxanalytics=false!gtag=false",
                Some(false),
            ),
            ("tarteaucitron", "!fxanalytics=true", Some(true)),
            ("tarteaucitron", "!fxanalytics=true!gtag=true!", Some(true)),
            ("tarteaucitron", "!fxanalytics=wait", None),
            ("tarteaucitron", "!fxanalytics=true!gtag=wait", None),
            ("tarteaucitron", "!fxanalytics=false!gtag=wait", None),
            (
                "vanilla-cookieconsent",
                r#"{"categories":["necessary"],"revision":0}"#,
                Some(false),
            ),
            (
                "vanilla-cookieconsent",
                r#"{"categories":["necessary","analytics"],"revision":0}"#,
                Some(true),
            ),
            ("klaro", r#"{"fxanalytics":false}"#, Some(false)),
            ("klaro", r#"{"fxanalytics":true}"#, Some(true)),
            ("klaro", r#"{"essential":true,"ads":false}"#, Some(false)),
            ("cookieconsent-osano-v3", "allow", Some(true)),
            ("cookieconsent-osano-v3", "deny", Some(false)),
            ("cookieconsent-osano-v3", "denying", None),
            (
                "onetrust",
                "isGpcEnabled=0&groups=C0001:1,C0002:0,C0003:0,C0004:0&AwaitingReconsent=false",
                Some(false),
            ),
            (
                "onetrust",
                "isGpcEnabled=0&groups=C0001:1,C0002:1,C0003:1,C0004:1&AwaitingReconsent=false",
                Some(true),
            ),
            ("onetrust", "groups=C0001:1,C0002:0,C0004:1", Some(true)),
            ("onetrust", "groups=C0003:0,C0001:1,C0002:0", Some(false)),
            (
                "cookiebot",
                "{stamp:'x',necessary:true,preferences:false,statistics:false,marketing:false,method:'explicit'}",
                Some(false),
            ),
            (
                "cookiebot",
                "{stamp:'x',necessary:true,preferences:true,statistics:true,marketing:true,method:'explicit'}",
                Some(true),
            ),
            (
                "cookieyes",
                "consentid:x,consent:no,action:yes,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no",
                Some(false),
            ),
            (
                "cookieyes",
                "consentid:x,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes",
                Some(true),
            ),
            (
                "cookieyes",
                "consentid:x,consent:no,action:,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no",
                None,
            ),
            (
                "usercentrics",
                r#"[{"id":"s1","history":[{"action":"onInitialPageLoad"},{"action":"onDenyAllServices"}]}]"#,
                Some(false),
            ),
            (
                "usercentrics",
                r#"[{"id":"s1","history":[{"action":"onInitialPageLoad"}]}]"#,
                None,
            ),
            ("axeptio", ",,", Some(false)),
            ("axeptio", ",google,facebook,", Some(true)),
            ("trustarc", "permit 1", Some(false)),
            ("trustarc", "permit 1,2,3", Some(true)),
            ("trustarc", "permit 1,2", Some(true)),
            (
                "cookiefirst",
                r#"{"necessary":true,"performance":false,"functional":false,"advertising":false}"#,
                Some(false),
            ),
            (
                "cookiefirst",
                r#"{"advertising":true,"necessary":true,"performance":true}"#,
                Some(true),
            ),
        ];
        for (id, value, expected) in cases {
            let verify = &rules.get(id).unwrap().verify;
            let matches = |p: &Option<String>| {
                regex::Regex::new(p.as_deref().unwrap())
                    .unwrap()
                    .is_match(value)
            };
            let (accepted, refused) = (matches(&verify.accept), matches(&verify.reject));
            let got = match (accepted, refused) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
                (true, true) => panic!("{id}: {value:?} matches both accept and reject"),
            };
            assert_eq!(got, *expected, "{id}: {value:?}");
        }
    }

    #[test]
    fn a_step_with_two_actions_is_refused_naming_the_platform() {
        let text = minimal(
            r##"{ click = "#acme .no", wait_for = "#acme" }"##,
            "yes",
            "no",
        );
        let error = parse_rules(&text, "site.toml").unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, RuleError::Invalid { .. }), "{message}");
        assert!(message.contains("`acme`"), "{message}");
        assert!(
            message.contains("reject flow 1, step 1 has 2 actions"),
            "{message}"
        );
    }

    #[test]
    fn a_step_without_action_is_refused() {
        let text = minimal("{ optional = true }", "yes", "no");
        let message = parse_rules(&text, "site.toml").unwrap_err().to_string();
        assert!(
            message.contains("`acme`") && message.contains("has no action"),
            "{message}"
        );
    }

    #[test]
    fn a_bad_regex_is_refused_naming_the_platform() {
        let text = minimal(r##"{ click = "#acme .no" }"##, "yes", "no(");
        let message = parse_rules(&text, "site.toml").unwrap_err().to_string();
        assert!(message.contains("`acme`"), "{message}");
        assert!(
            message.contains("verify.reject regex `no(` is invalid"),
            "{message}"
        );
    }

    #[test]
    fn empty_selectors_and_shadow_segments_are_refused() {
        for step in [
            r##"{ click = "" }"##,
            r##"{ click = "#host >>> " }"##,
            r##"{ click = " >>> button" }"##,
            r##"{ click = "#host >>> >>> button" }"##,
            r##"{ click = "#host>>>button" }"##,
        ] {
            let text = minimal(step, "yes", "no");
            let message = parse_rules(&text, "site.toml").unwrap_err().to_string();
            assert!(
                message.contains("`acme`") && message.contains("selector"),
                "{step}: {message}"
            );
        }
        let ok = minimal(r##"{ click = "#host >>> div >>> button" }"##, "yes", "no");
        parse_rules(&ok, "site.toml").unwrap();
    }

    #[test]
    fn verify_needs_both_regexes_with_a_cookie() {
        let text = MINIMAL
            .replace("STEP", r##"{ click = "#acme .no" }"##)
            .replace("reject = 'REJECT'\n", "")
            .replace("ACCEPT", "yes");
        let message = parse_rules(&text, "site.toml").unwrap_err().to_string();
        assert!(message.contains("no `reject` regex"), "{message}");
    }

    #[test]
    fn empty_detection_and_duplicate_ids_are_refused() {
        let mut bare = platform("bare");
        bare.detect = Detect::default();
        let error = RuleSet {
            platforms: vec![bare],
        }
        .validate()
        .unwrap_err();
        assert!(
            error.to_string().contains("`bare`: detect has no"),
            "{error}"
        );

        let twice = RuleSet {
            platforms: vec![platform("acme"), platform("acme")],
        };
        let error = twice.validate().unwrap_err();
        assert!(
            matches!(error, RuleError::DuplicateId { ref id } if id == "acme"),
            "{error}"
        );
    }

    #[test]
    fn toml_errors_name_their_source() {
        let error = parse_rules("[[platform]]\nid = 3\n", "sites/acme.toml").unwrap_err();
        assert!(matches!(error, RuleError::Parse { .. }));
        assert!(error.to_string().contains("sites/acme.toml"), "{error}");
        let unknown = MINIMAL.replace("visible", "visibility");
        assert!(parse_rules(&unknown, "x").is_err());
    }

    #[test]
    fn site_rules_override_in_place_and_new_ones_come_first() {
        let builtin = RuleSet {
            platforms: vec![platform("a"), platform("b"), platform("c")],
        };
        let mut b = platform("b");
        b.name = "site's own B".into();
        let site = RuleSet {
            platforms: vec![platform("x"), b.clone(), platform("y")],
        };
        let merged = builtin.merged(site);
        let ids: Vec<&str> = merged.platforms.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["x", "y", "a", "b", "c"]);
        assert_eq!(merged.get("b"), Some(&b));
        merged.validate().unwrap();
    }

    #[test]
    fn consent_names_match_exactly_or_by_prefix() {
        assert!(name_matches("__cmpconsentx*", "__cmpconsentx12345"));
        assert!(name_matches("klaro", "klaro"));
        assert!(!name_matches("klaro", "klaro2"));
        let cm = builtin_rules();
        let cm = cm.get("consentmanager").unwrap();
        assert!(cm.is_consent_cookie("__cmpcccx777"));
        assert!(!cm.is_consent_cookie("_ga"));
        let sp = builtin_rules();
        assert!(
            sp.get("sourcepoint")
                .unwrap()
                .is_consent_storage("_sp_user_consent_4711")
        );
    }

    #[test]
    fn selector_chains_split_on_the_spaced_separator() {
        assert_eq!(selector_chain("#a .b >>> c"), ["#a .b", "c"]);
        assert_eq!(selector_chain("div > p"), ["div > p"]);
        let step = Step {
            click: Some("#x".into()),
            ..Step::default()
        };
        assert_eq!(step.action(), Some(Action::Click("#x")));
    }

    #[test]
    fn a_category_grant_must_name_its_category_and_quotes_it() {
        let categories = Categories {
            list: "[]".into(),
            grant: "grant(__CATEGORY__)".into(),
            granted: "[]".into(),
            map: BTreeMap::from([("C0004".to_string(), Category::Marketing)]),
        };
        assert_eq!(
            categories.grant_script("x\"); alert(1); (\""),
            r#"grant("x\"); alert(1); (\"")"#
        );
        assert_eq!(
            categories.category_of("C0004", "Targeting"),
            Some(Category::Marketing)
        );
        assert_eq!(
            categories.category_of("C0002", "Performance Cookies"),
            Some(Category::Statistics)
        );
        assert_eq!(
            categories.category_of("ads", "Ad performance"),
            Some(Category::Marketing)
        );
        assert_eq!(
            categories.category_of("c9", "Strictly necessary"),
            Some(Category::Necessary)
        );
        assert_eq!(categories.category_of("c7", "Other"), None);
        let mut rule = platform("acme");
        rule.categories = Some(Categories {
            grant: "grant('analytics')".into(),
            ..categories
        });
        let problems = rule.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("never names the category")),
            "{problems:?}"
        );
    }
}
