//! What a scan's own evidence says of cookies no database knows, strongest first:
//!
//! 1. **Per-category passes.** A cookie that came with one of the site's consent categories
//!    granted alone, and with no other, is what the site's banner says that category is for.
//! 2. **Gating.** A cookie seen only after "accept all" (never before consent, never after a
//!    refusal) is one the site itself asks consent for: it is not necessary, though which
//!    category it belongs to stays open.
//! 3. **The answer itself.** A first-party cookie set once the banner is answered, after
//!    "accept all" and after "reject all" alike, but never before: it records the choice, so
//!    it is *probably* necessary.
//! 4. **Names and attributes.** A first-party cookie the banner does not gate whose name reads
//!    like a session, CSRF, cart or language cookie, a `__Host-` cookie, or an `HttpOnly`
//!    session cookie the page's own response set is *probably* necessary (or functional).
//!
//! Gating never makes a cookie necessary (a cookie in every mode may be a violation), and a
//! third-party cookie is never inferred necessary. Every inference is for review; known facts
//! (site notes, databases) always win over it, in [`super::Classifier::classify_cookie`].

use std::collections::BTreeSet;

use crate::model::{
    Category, CategoryPass, ConsentOutcome, CookieKey, CookieRecord, Inference, Mode, Party, Scan,
    SetterKind,
};

/// Which kind of evidence an inference rests on (`Inference::rule`).
pub const CATEGORY_PASS: &str = "category-pass";
pub const GATING: &str = "gating";
pub const NAME_RULE: &str = "name-rule";
pub const CONSENT_CHOICE: &str = "consent-choice";

/// Fills `inferred` on every cookie of the scan the evidence says something about.
pub fn infer(scan: &mut Scan) {
    let inferred: Vec<Option<Inference>> = {
        let evidence = Evidence::of(scan);
        scan.cookies.iter().map(|c| evidence.about(c)).collect()
    };
    for (cookie, inferred) in scan.cookies.iter_mut().zip(inferred) {
        cookie.inferred = inferred;
    }
}

/// The verified per-category passes (necessary ones aside), each with the cookies it brought.
struct Granted<'a> {
    passes: Vec<(&'a CategoryPass, BTreeSet<&'a CookieKey>)>,
}

struct Evidence<'a> {
    /// Whether "only after accept all" means something: a before-consent pass ran, the accept
    /// pass proved its choice, and a reject pass (when one ran) proved its own.
    gating_known: bool,
    reject_scanned: bool,
    granted: Granted<'a>,
    /// The site's pages (URLs as recorded): a setter with one of these URLs is the page's own
    /// response.
    pages: BTreeSet<&'a str>,
}

impl<'a> Evidence<'a> {
    fn of(scan: &'a Scan) -> Evidence<'a> {
        let run = |mode: Mode| scan.modes.iter().find(|r| r.mode == mode);
        let proved = |mode: Mode| {
            run(mode).is_some_and(|r| {
                r.consent
                    .first()
                    .is_some_and(|c| c.outcome == ConsentOutcome::Verified)
            })
        };
        let reject_scanned = run(Mode::Reject).is_some();
        let gating_known = run(Mode::BeforeConsent).is_some()
            && proved(Mode::Accept)
            && (!reject_scanned || proved(Mode::Reject));
        let passes = scan
            .category_passes
            .iter()
            .filter(|pass| pass.outcome == ConsentOutcome::Verified)
            .filter(|pass| pass.category != Category::Necessary)
            .map(|pass| (pass, pass.cookies.iter().collect()))
            .collect();
        let pages = scan
            .modes
            .iter()
            .flat_map(|r| &r.pages)
            .flat_map(|p| std::iter::once(p.url.as_str()).chain(p.final_url.as_deref()))
            .collect();
        Evidence {
            gating_known,
            reject_scanned,
            granted: Granted { passes },
            pages,
        }
    }

    fn about(&self, cookie: &CookieRecord) -> Option<Inference> {
        // Written by answering the banner, whichever the answer: the record of the choice.
        let answer_records_it = self.gating_known
            && self.reject_scanned
            && cookie.party == Party::First
            && cookie.modes.contains(&Mode::Accept)
            && cookie.modes.contains(&Mode::Reject)
            && !cookie.modes.contains(&Mode::BeforeConsent);
        if answer_records_it {
            return Some(Inference {
                category: Category::Necessary,
                evidence: "probably necessary: set once the banner was answered, whichever the \
                           answer, so it remembers the choice"
                    .into(),
                rule: CONSENT_CHOICE.into(),
                site_label: None,
            });
        }
        let gated = self.gating_known
            && cookie.modes.contains(&Mode::Accept)
            && !cookie.modes.contains(&Mode::BeforeConsent)
            && !(self.reject_scanned && cookie.modes.contains(&Mode::Reject));
        if gated {
            return Some(self.granted.category_of(cookie).unwrap_or_else(|| {
                Inference {
                    category: Category::Unclassified,
                    evidence: "set only after \u{201c}accept all\u{201d}: the site's banner \
                                   asks consent for it, so it is not strictly necessary"
                        .into(),
                    rule: GATING.into(),
                    site_label: None,
                }
            }));
        }
        if cookie.party == Party::First {
            return self.name_rule(cookie);
        }
        None
    }

    fn name_rule(&self, cookie: &CookieRecord) -> Option<Inference> {
        let (category, evidence) = name_suggestion(&cookie.name).or_else(|| {
            let own_response = cookie
                .setters
                .iter()
                .any(|s| s.kind == SetterKind::Http && self.pages.contains(s.url.as_str()));
            (cookie.http_only && cookie.session && own_response).then(|| {
                (
                    Category::Necessary,
                    "an HttpOnly session cookie the page's own response sets".to_string(),
                )
            })
        })?;
        Some(Inference {
            category,
            evidence: format!("probably {}: {evidence}", category.as_str()),
            rule: NAME_RULE.into(),
            site_label: None,
        })
    }
}

impl Granted<'_> {
    /// The category the per-category passes give a cookie: the passes it came with must all
    /// map to one category, and not every pass may have brought it (what comes with any
    /// consent at all says nothing about which).
    fn category_of(&self, cookie: &CookieRecord) -> Option<Inference> {
        let key = cookie.key();
        let with: Vec<&CategoryPass> = self
            .passes
            .iter()
            .filter(|(_, cookies)| cookies.contains(&key))
            .map(|(pass, _)| *pass)
            .collect();
        let distinct_ids: BTreeSet<&str> = self
            .passes
            .iter()
            .map(|(p, _)| p.category_id.as_str())
            .collect();
        if with.is_empty() || (distinct_ids.len() > 1 && with.len() == self.passes.len()) {
            return None;
        }
        let categories: BTreeSet<Category> = with.iter().map(|p| p.category).collect();
        let labels: BTreeSet<&str> = with.iter().map(|p| p.label.as_str()).collect();
        let quoted: Vec<String> = labels
            .iter()
            .map(|label| format!("\u{201c}{label}\u{201d}"))
            .collect();
        let site_label = Some(labels.into_iter().collect::<Vec<_>>().join(", "));
        let platform = &with[0].platform;
        if categories.len() != 1 {
            return Some(Inference {
                category: Category::Unclassified,
                evidence: format!(
                    "set when any one of {} was accepted alone (per-category passes, {platform}): \
                     not strictly necessary, its category is the site's to say",
                    quoted.join(", ")
                ),
                rule: CATEGORY_PASS.into(),
                site_label,
            });
        }
        let category = with[0].category;
        Some(Inference {
            category,
            evidence: format!(
                "only after accepting {} (per-category pass, {platform})",
                quoted.join(" or ")
            ),
            rule: CATEGORY_PASS.into(),
            site_label,
        })
    }
}

/// The inferred categories of a scan as site notes for the operator to confirm: one note per
/// cookie whose category the evidence suggests (not those it leaves open), with the evidence,
/// sorted by name and domain. A note has no purpose: the row stays under review until the
/// operator writes one.
pub fn notes_to_confirm(
    scan: &Scan,
    classifier: &super::Classifier,
) -> Vec<(super::Annotation, String)> {
    let mut notes: Vec<(super::Annotation, String)> = scan
        .cookies
        .iter()
        .filter_map(|cookie| {
            let class = classifier.classify_cookie(cookie);
            if class.source != super::Source::Inferred || class.category == Category::Unclassified {
                return None;
            }
            let note = super::Annotation {
                name: cookie.name.clone(),
                domain: Some(cookie.domain.trim_start_matches('.').to_string()),
                category: Some(class.category),
                ..super::Annotation::default()
            };
            Some((note, class.evidence.unwrap_or_default()))
        })
        .collect();
    notes.sort_by(|a, b| (&a.0.name, &a.0.domain).cmp(&(&b.0.name, &b.0.domain)));
    notes.dedup_by(|a, b| a.0 == b.0);
    notes
}

/// What a cookie's name suggests, with the rule that said so.
pub fn name_suggestion(name: &str) -> Option<(Category, String)> {
    if name.starts_with("__Host-") {
        return Some((
            Category::Necessary,
            "a __Host- cookie (locked to the host, secure)".into(),
        ));
    }
    let bare = super::strip_name_prefix(name);
    let lower = bare.to_ascii_lowercase();
    let tokens = name_tokens(bare);
    let has = |words: &[&str]| tokens.iter().any(|t| words.contains(&t.as_str()));
    let rule = |category, pattern: &str| Some((category, format!("name pattern *{pattern}*")));
    if lower.contains("session") || lower.contains("sessid") || has(&["sess"]) {
        return rule(Category::Necessary, "session");
    }
    if lower.contains("csrf") || lower.contains("xsrf") {
        return rule(
            Category::Necessary,
            if lower.contains("csrf") {
                "csrf"
            } else {
                "xsrf"
            },
        );
    }
    if has(&["cart", "basket"]) {
        return rule(
            Category::Necessary,
            if has(&["cart"]) { "cart" } else { "basket" },
        );
    }
    if has(&["lang", "language", "locale"]) {
        let word = ["lang", "language", "locale"]
            .into_iter()
            .find(|w| has(&[w]))
            .unwrap_or("lang");
        return rule(Category::Functionality, word);
    }
    None
}

/// A name cut into lowercase words: at every non-alphanumeric character and where a
/// lowercase letter meets an uppercase one (`shopCart_id` → shop, cart, id).
fn name_tokens(name: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            previous_lower = false;
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Classifier, Source, knowledge};
    use crate::model::sample;
    use crate::model::{Choice, ConsentRecord};

    const ALL: [Mode; 3] = Mode::ALL;
    const ACCEPT: [Mode; 1] = [Mode::Accept];

    fn answered(scan: &mut Scan, outcome: ConsentOutcome) {
        for run in &mut scan.modes {
            let Some(action) = Choice::for_mode(run.mode) else {
                continue;
            };
            run.consent.push(ConsentRecord {
                page: "https://www.example.com/".into(),
                action,
                platform: Some("klaro".into()),
                platform_name: Some("Klaro".into()),
                detected_by: Vec::new(),
                clicked: Vec::new(),
                outcome,
                verification: None,
                screenshot_before: None,
                screenshot_after: None,
                attempts: Vec::new(),
                engine: None,
            });
        }
    }

    fn pass(id: &str, label: &str, category: Category, cookies: &[&CookieRecord]) -> CategoryPass {
        CategoryPass {
            platform: "klaro".into(),
            category_id: id.into(),
            label: label.into(),
            category,
            outcome: ConsentOutcome::Verified,
            granted_by: String::new(),
            verification: None,
            pages: vec!["https://www.example.com/".into()],
            cookies: cookies.iter().map(|c| c.key()).collect(),
        }
    }

    fn inferred<'a>(scan: &'a Scan, name: &str) -> Option<&'a Inference> {
        scan.cookies
            .iter()
            .find(|c| c.name == name)?
            .inferred
            .as_ref()
    }

    #[test]
    fn the_banner_the_passes_and_the_names_each_say_their_part() {
        let ad = sample::cookie("adn_uid", ".adnet.test", "/", &ACCEPT);
        let stats = sample::cookie("_stx_id", ".example.com", "/", &ACCEPT);
        let both = sample::cookie("vendor_any", ".example.com", "/", &ACCEPT);
        let gated_only = sample::cookie("mystery_gated", ".example.com", "/", &ACCEPT);
        let gated_session = sample::cookie("ad_session", ".example.com", "/", &ACCEPT);
        let session = sample::cookie("shop_session", "www.example.com", "/", &ALL);
        let lang = sample::cookie("lang", "www.example.com", "/", &ALL);
        let third_cart = sample::cookie("cart_id", ".widgets.test", "/", &ALL);
        let mut scan = sample::scan(
            &["/"],
            vec![
                ad.clone(),
                stats.clone(),
                both.clone(),
                gated_only,
                gated_session,
                session,
                lang,
                third_cart,
            ],
        );
        answered(&mut scan, ConsentOutcome::Verified);
        scan.category_passes = vec![
            pass("ads", "Werbung", Category::Marketing, &[&ad, &both]),
            pass(
                "analytics",
                "Statistik",
                Category::Statistics,
                &[&stats, &both],
            ),
        ];
        infer(&mut scan);
        let ad = inferred(&scan, "adn_uid").expect("inferred");
        assert_eq!(
            (ad.category, ad.rule.as_str()),
            (Category::Marketing, CATEGORY_PASS)
        );
        assert!(
            ad.evidence.contains("\u{201c}Werbung\u{201d}"),
            "{}",
            ad.evidence
        );
        assert_eq!(ad.site_label.as_deref(), Some("Werbung"));
        assert_eq!(
            inferred(&scan, "_stx_id").map(|i| i.category),
            Some(Category::Statistics)
        );
        // Every pass brought it: it says nothing about which category; gating still speaks.
        let any = inferred(&scan, "vendor_any").expect("inferred");
        assert_eq!(
            (any.category, any.rule.as_str()),
            (Category::Unclassified, GATING)
        );
        assert_eq!(
            inferred(&scan, "mystery_gated").map(|i| i.rule.as_str()),
            Some(GATING)
        );
        // The banner gates it: its name does not make it necessary.
        let gated = inferred(&scan, "ad_session").expect("inferred");
        assert_eq!(gated.category, Category::Unclassified);
        let session = inferred(&scan, "shop_session").expect("inferred");
        assert_eq!(
            (session.category, session.rule.as_str()),
            (Category::Necessary, NAME_RULE)
        );
        assert!(
            session.evidence.contains("*session*"),
            "{}",
            session.evidence
        );
        assert_eq!(
            inferred(&scan, "lang").map(|i| i.category),
            Some(Category::Functionality)
        );
        // A third party is never inferred necessary.
        assert_eq!(inferred(&scan, "cart_id"), None);
    }

    #[test]
    fn what_either_answer_writes_records_the_choice() {
        const ANSWERED: [Mode; 2] = [Mode::Accept, Mode::Reject];
        let own = sample::cookie("site_choice", "www.example.com", "/", &ANSWERED);
        let theirs = sample::cookie("cmp_choice", ".cmp.test", "/", &ANSWERED);
        let mut scan = sample::scan(&["/"], vec![own, theirs]);
        answered(&mut scan, ConsentOutcome::Verified);
        infer(&mut scan);
        let own = inferred(&scan, "site_choice").expect("inferred");
        assert_eq!(
            (own.category, own.rule.as_str()),
            (Category::Necessary, CONSENT_CHOICE)
        );
        assert_eq!(inferred(&scan, "cmp_choice"), None);
        // An unproven refusal proves nothing about what the answer wrote.
        let mut unproven = sample::scan(
            &["/"],
            vec![sample::cookie(
                "site_choice",
                "www.example.com",
                "/",
                &ANSWERED,
            )],
        );
        answered(&mut unproven, ConsentOutcome::Unverified);
        infer(&mut unproven);
        assert_eq!(inferred(&unproven, "site_choice"), None);
    }

    #[test]
    fn unproven_choices_and_passes_prove_nothing() {
        let ad = sample::cookie("adn_uid", ".adnet.test", "/", &ACCEPT);
        let mut scan = sample::scan(&["/"], vec![ad.clone()]);
        answered(&mut scan, ConsentOutcome::Unverified);
        infer(&mut scan);
        assert_eq!(inferred(&scan, "adn_uid"), None);
        answered(&mut scan, ConsentOutcome::Verified);
        for run in &mut scan.modes {
            run.consent.reverse();
        }
        let mut failed = pass("ads", "Ads", Category::Marketing, &[&ad]);
        failed.outcome = ConsentOutcome::Failed;
        scan.category_passes = vec![failed];
        infer(&mut scan);
        assert_eq!(
            inferred(&scan, "adn_uid").map(|i| i.rule.as_str()),
            Some(GATING)
        );
    }

    #[test]
    fn facts_win_and_the_strict_reading_keeps_necessary_for_facts() {
        let ga = sample::cookie("_ga", ".example.com", "/", &ACCEPT);
        let session = sample::cookie("shop_session", "www.example.com", "/", &ALL);
        let mut scan = sample::scan(&["/"], vec![ga, session]);
        answered(&mut scan, ConsentOutcome::Verified);
        infer(&mut scan);
        let classifier = || {
            Classifier::new(
                "example.com",
                "Example Ltd",
                Vec::new(),
                knowledge::builtin(),
                None,
            )
        };
        let cookie = |name: &str| scan.cookies.iter().find(|c| c.name == name).unwrap();
        // Gating says "unclassified"; the knowledge base knows better and wins.
        let ga = classifier().classify_cookie(cookie("_ga"));
        assert_eq!(
            (ga.category, ga.source),
            (Category::Statistics, Source::KnowledgeBase)
        );
        let lenient = classifier().classify_cookie(cookie("shop_session"));
        assert_eq!(
            (lenient.category, lenient.source),
            (Category::Necessary, Source::Inferred)
        );
        assert!(lenient.needs_review && lenient.evidence.is_some());
        let strict = classifier()
            .strict(true)
            .classify_cookie(cookie("shop_session"));
        assert_eq!(strict.category, Category::Unclassified);
        assert!(strict.evidence.is_some());
    }

    #[test]
    fn names_suggest_what_they_read_like() {
        let category = |name| name_suggestion(name).map(|(c, _)| c);
        for necessary in [
            "shop_session",
            "PHPSESSID",
            "laravel_session",
            "wp_sess_id",
            "csrf_token",
            "XSRF-TOKEN",
            "cart_id",
            "shopCart",
            "basket",
            "__Host-auth",
        ] {
            assert_eq!(
                category(necessary),
                Some(Category::Necessary),
                "{necessary}"
            );
        }
        for functional in ["lang", "site_locale", "userLanguage"] {
            assert_eq!(
                category(functional),
                Some(Category::Functionality),
                "{functional}"
            );
        }
        // Words inside other words are not the rule's words.
        for unknown in ["slang_id", "cartography", "_ga", "uid", "carton"] {
            assert_eq!(category(unknown), None, "{unknown}");
        }
        assert_eq!(
            name_suggestion("csrf_token").unwrap().1,
            "name pattern *csrf*"
        );
    }
}
