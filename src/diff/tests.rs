use super::*;
use crate::classify::{Annotation, knowledge};
use crate::consent::rules::builtin_rules;
use crate::model::sample::{cookie, scan};
use crate::model::{ConsentRecord, RecordedClass};
use crate::text::words::few;

const ALL: &[Mode] = &[Mode::BeforeConsent, Mode::Accept, Mode::Reject];
const ACCEPT: &[Mode] = &[Mode::Accept];

fn classifier() -> Classifier {
    Classifier::new(
        "example.com",
        "Example Ltd",
        vec![Annotation {
            name: "shop_session".into(),
            category: Some(Category::Necessary),
            purpose: Some("Keeps the basket".into()),
            ..Annotation::default()
        }],
        knowledge::builtin(),
        None,
    )
}

fn run(old: &Scan, new: &Scan) -> ScanDiff {
    let classifier = classifier();
    let rules = builtin_rules();
    diff(
        old,
        new,
        &DiffContext {
            classifier: &classifier,
            rules: &rules,
        },
    )
}

/// Each change as `kind subject`, the subject being the cookie name or the page/site/mode.
fn summary(diff: &ScanDiff) -> Vec<String> {
    diff.changes
        .iter()
        .map(|c| {
            let subject = match (&c.cookie, &c.subject) {
                (Some(key), _) => key.name.clone(),
                (None, Some(subject)) => subject.clone(),
                (None, None) => String::new(),
            };
            format!("{} {subject}", c.kind)
        })
        .collect()
}

fn pages() -> Vec<&'static str> {
    vec!["/", "/shop", "/blog/a", "/blog/b"]
}

fn baseline() -> Scan {
    let mut session = cookie("shop_session", "www.example.com", "/", ALL);
    session.session = true;
    session.lifetime_days = None;
    session.requested_lifetime_days = None;
    scan(
        &pages(),
        vec![
            session,
            cookie("_ga", ".example.com", "/", ACCEPT),
            cookie("_fbp", ".example.com", "/shop", ACCEPT),
            cookie("IDE", ".doubleclick.net", "/shop", ACCEPT),
        ],
    )
}

fn with(mut scan: Scan, change: impl FnOnce(&mut Scan)) -> Scan {
    change(&mut scan);
    scan
}

fn find<'a>(scan: &'a mut Scan, name: &str) -> &'a mut CookieRecord {
    scan.cookies.iter_mut().find(|c| c.name == name).unwrap()
}

#[test]
fn every_kind_of_change_is_reported() {
    let cases: Vec<(&str, Scan, Vec<&str>)> = vec![
        ("unchanged", baseline(), vec![]),
        (
            "a new marketing cookie before consent",
            with(baseline(), |s| {
                s.cookies.push(cookie("_gcl_au", ".example.com", "/", ALL))
            }),
            vec![
                "before-consent _gcl_au",
                "survives-reject _gcl_au",
                "added _gcl_au",
            ],
        ),
        (
            "an existing cookie now set before consent too",
            with(baseline(), |s| {
                find(s, "_ga").modes = vec![Mode::BeforeConsent, Mode::Accept]
            }),
            vec!["before-consent _ga", "added _ga"],
        ),
        (
            "a necessary cookie before consent is no finding",
            with(baseline(), |s| {
                s.cookies
                    .push(cookie("csrftoken", "www.example.com", "/", ALL));
                // The site annotated it necessary at scan time.
                find(s, "csrftoken").classification = Some(RecordedClass {
                    category: Category::Necessary,
                    provider: "Example Ltd".into(),
                    pattern: "csrftoken".into(),
                    source: crate::classify::Source::SiteConfig,
                });
            }),
            vec!["added csrftoken"],
        ),
        (
            "a cookie removed",
            with(baseline(), |s| s.cookies.retain(|c| c.name != "_fbp")),
            vec!["removed _fbp"],
        ),
        (
            "lifetime longer, by more than drift",
            with(baseline(), |s| {
                find(s, "_ga").requested_lifetime_days = Some(730.0)
            }),
            vec!["lifetime-longer _ga"],
        ),
        (
            "a session cookie made persistent is longer",
            with(baseline(), |s| {
                let c = find(s, "shop_session");
                c.session = false;
                c.lifetime_days = Some(30.0);
                c.requested_lifetime_days = Some(30.0);
            }),
            vec!["lifetime-longer shop_session"],
        ),
        (
            "13 months instead of 12 is longer",
            with(baseline(), |s| {
                find(s, "_ga").requested_lifetime_days = Some(395.0)
            }),
            vec!["lifetime-longer _ga"],
        ),
        (
            "lifetime shorter",
            with(baseline(), |s| {
                let c = find(s, "_fbp");
                c.lifetime_days = Some(90.0);
                c.requested_lifetime_days = Some(90.0);
            }),
            vec!["lifetime-shorter _fbp"],
        ),
        (
            "category changed by the knowledge of the day",
            with(baseline(), |s| {
                find(s, "_fbp").classification = Some(RecordedClass {
                    category: Category::Statistics,
                    provider: "An old name".into(),
                    pattern: "_fbp".into(),
                    source: crate::classify::Source::SiteConfig,
                })
            }),
            vec!["category-changed _fbp", "provider-changed _fbp"],
        ),
        (
            "a cookie moved to a third-party domain of the same name",
            with(baseline(), |s| {
                s.cookies
                    .push(cookie("_fbp", ".facebook.com", "/shop", ACCEPT));
            }),
            vec!["added _fbp", "new-third-party facebook.com"],
        ),
        (
            "a cookie now set by a third party instead of the site",
            with(baseline(), |s| {
                s.cookies.retain(|c| c.name != "_fbp");
                s.cookies
                    .push(cookie("_fbp", ".facebook.com", "/shop", ACCEPT));
            }),
            vec![
                "added _fbp",
                "new-third-party facebook.com",
                "party-changed _fbp",
                "removed _fbp",
            ],
        ),
        (
            "set in a new section of the site",
            with(baseline(), |s| {
                let c = find(s, "_fbp");
                c.pages.push("https://www.example.com/blog/a".into());
            }),
            vec!["new-location _fbp"],
        ),
        (
            "a new page, a removed page and a failing page",
            with(baseline(), |s| {
                for run in &mut s.modes {
                    run.pages.retain(|p| !p.url.ends_with("/blog/b"));
                    let mut extra = run.pages[0].clone();
                    extra.url = "https://www.example.com/new".into();
                    run.pages.push(extra);
                    run.pages[1].outcome = PageOutcome::Failed;
                    run.pages[1].error = Some("net::ERR_CONNECTION_RESET".into());
                }
            }),
            vec![
                "page-failing https://www.example.com/shop",
                "page-added https://www.example.com/new",
                "page-removed https://www.example.com/blog/b",
            ],
        ),
    ];
    for (name, new, expected) in cases {
        let got = run(&baseline(), &new);
        assert_eq!(summary(&got), expected, "case: {name}");
    }
}

/// The tables of this file between them produce every kind of change there is.
#[test]
fn every_kind_is_covered_by_a_case() {
    let source = include_str!("tests.rs");
    for kind in ChangeKind::ALL {
        assert!(
            source.contains(&format!("\"{kind} ")),
            "no test case expects {kind}"
        );
    }
}

#[test]
fn improvements_are_reported_the_other_way_round() {
    let worse = with(baseline(), |s| {
        find(s, "_fbp").modes = ALL.to_vec();
    });
    let got = run(&worse, &baseline());
    assert_eq!(
        summary(&got),
        vec![
            "removed _fbp",
            "no-longer-before-consent _fbp",
            "no-longer-survives-reject _fbp"
        ]
    );
    assert!(got.changes.iter().all(|c| !c.kind.is_regression()));

    let failing = with(baseline(), |s| {
        for run in &mut s.modes {
            run.pages[1].outcome = PageOutcome::Failed;
        }
    });
    assert_eq!(
        summary(&run(&failing, &baseline())),
        vec!["page-recovered https://www.example.com/shop"]
    );
}

#[test]
fn churn_is_not_a_change() {
    let churned = with(baseline(), |s| {
        // Dynamic suffix, another host of the site, seconds of expiry drift, page order.
        s.cookies
            .push(cookie("_ga_ABC123", ".example.com", "/", ACCEPT));
        let ga = find(s, "_ga");
        ga.requested_lifetime_days = Some(365.0 - 3.0 / 86_400.0);
        ga.domain = "www.example.com".into();
        ga.host_only = true;
        // A fixed expiry date, a week nearer.
        find(s, "_fbp").requested_lifetime_days = Some(358.0);
        for run in &mut s.modes {
            run.pages.reverse();
        }
        s.cookies.reverse();
        s.timing.started_at = "2026-11-29T04:00:00Z".into();
    });
    let before = with(baseline(), |s| {
        s.cookies
            .push(cookie("_ga_XYZ789", ".example.com", "/", ACCEPT))
    });
    let got = run(&before, &churned);
    assert_eq!(summary(&got), Vec::<String>::new());
    assert!(got.notes.is_empty(), "{:?}", got.notes);
}

#[test]
fn modes_not_scanned_both_times_are_not_judged() {
    let accept_only = with(baseline(), |s| s.modes.retain(|m| m.mode == Mode::Accept));
    let pre_consent = with(baseline(), |s| {
        s.cookies.push(cookie("_gcl_au", ".example.com", "/", ALL))
    });
    let got = run(&accept_only, &pre_consent);
    assert_eq!(summary(&got), vec!["added _gcl_au"]);
    assert_eq!(got.changes[0].modes, vec![Mode::Accept]);
    assert_eq!(got.modes_compared, vec![Mode::Accept]);
    assert!(
        got.notes[0].contains("different consent modes"),
        "{:?}",
        got.notes
    );
}

fn consent(outcome: ConsentOutcome, platform: Option<&str>) -> ConsentRecord {
    ConsentRecord {
        page: "https://www.example.com/".into(),
        action: crate::consent::Choice::Reject,
        platform: platform.map(str::to_string),
        platform_name: platform.map(|p| format!("{p} CMP")),
        detected_by: Vec::new(),
        clicked: vec!["button#reject".into()],
        outcome,
        verification: None,
        screenshot_before: None,
        screenshot_after: None,
        attempts: Vec::new(),
        engine: None,
    }
}

#[test]
fn consent_platform_changes_and_breakage() {
    let set = |outcome, platform| {
        move |s: &mut Scan| {
            for run in &mut s.modes {
                if run.mode == Mode::Reject {
                    run.consent = vec![consent(outcome, platform)];
                }
            }
        }
    };
    let old = with(baseline(), set(ConsentOutcome::Verified, Some("onetrust")));
    let cases: Vec<(Scan, Vec<&str>)> = vec![
        (
            with(baseline(), set(ConsentOutcome::Verified, Some("cookiebot"))),
            vec!["consent-changed reject pass"],
        ),
        (
            with(baseline(), set(ConsentOutcome::Failed, Some("onetrust"))),
            vec!["consent-broken reject pass"],
        ),
        (
            with(baseline(), set(ConsentOutcome::NoBanner, None)),
            vec!["consent-broken reject pass"],
        ),
        (
            with(baseline(), set(ConsentOutcome::Verified, Some("onetrust"))),
            vec![],
        ),
    ];
    for (new, expected) in cases {
        assert_eq!(summary(&run(&old, &new)), expected);
    }
}

#[test]
fn fail_on_lists() {
    let kinds = parse_kinds("added, before-consent").unwrap();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        vec![ChangeKind::BeforeConsent, ChangeKind::Added]
    );
    assert_eq!(parse_kinds("any").unwrap().len(), ChangeKind::ALL.len());
    assert!(
        parse_kinds("regressions")
            .unwrap()
            .iter()
            .all(|k| k.is_regression())
    );
    let error = parse_kinds("added,bogus").unwrap_err();
    assert!(
        error.contains("bogus") && error.contains("lifetime-longer"),
        "{error}"
    );
    for kind in ChangeKind::ALL {
        assert_eq!(kind.as_str().parse::<ChangeKind>().unwrap(), kind);
    }
    let got = run(
        &baseline(),
        &with(baseline(), |s| {
            find(s, "_ga").requested_lifetime_days = Some(730.0)
        }),
    );
    assert_eq!(
        got.failing(&parse_kinds("added,lifetime-longer").unwrap()),
        vec![ChangeKind::LifetimeLonger]
    );
    assert!(got.failing(&parse_kinds("added").unwrap()).is_empty());
}

#[test]
fn long_evidence_is_shortened() {
    let pages: Vec<String> = (1..=9).map(|n| format!("/p{n}")).collect();
    assert_eq!(few(&pages), "/p1, /p2, /p3, /p4 and 5 more");
    assert_eq!(few(&pages[..5]), "/p1, /p2, /p3, /p4, /p5");
}

#[test]
fn the_json_documentation_names_every_kind() {
    let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diff-schema.md"));
    for kind in ChangeKind::ALL {
        assert!(
            doc.contains(&format!("`{kind}`")),
            "docs/diff-schema.md lacks {kind}"
        );
    }
}

fn storage(key: &str, modes: &[Mode]) -> crate::model::StorageRecord {
    crate::model::StorageRecord {
        origin: "https://www.example.com".into(),
        kind: crate::model::StorageKind::Local,
        key: key.into(),
        party: Party::First,
        max_size: 10,
        pages: vec!["https://www.example.com/".into()],
        written_by: vec!["https://www.example.com/app.js".into()],
        modes: modes.to_vec(),
    }
}

#[test]
fn web_storage_keys_added_and_removed() {
    let old = with(baseline(), |s| {
        s.storage.push(storage("basket_backup", ALL))
    });
    let new = with(baseline(), |s| {
        s.storage.push(storage("ab_variant", ACCEPT));
        // Seen in fewer modes: removed from those.
        s.storage.push(storage("basket_backup", ACCEPT));
    });
    let got = run(&old, &new);
    assert_eq!(
        summary(&got),
        vec![
            "storage-added https://www.example.com localStorage ab_variant",
            "storage-removed https://www.example.com localStorage basket_backup",
        ]
    );
    assert_eq!(
        got.changes[0].evidence,
        ["written by https://www.example.com/app.js"]
    );
    assert_eq!(got.changes[1].modes, [Mode::BeforeConsent, Mode::Reject]);
    assert!(run(&new, &new).is_empty());
}
