//! The Open Cookie Database CSV import. Input: a selector byte, then CSV text; with the
//! selector's low bit set the OCD header line is put in front, so the rows get fuzzed rather
//! than the search for the required columns.
//!
//! Beyond "no panic": every imported row has a name; a lookup of each row's name finds a row
//! whose name is part of it (the exact name, or a prefix for wildcard rows); retention periods
//! are never negative or NaN.

#![no_main]

use cookiescan::classify::ocd::{self, retention_days};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match";

fn check_days(text: &str) {
    if let Some(days) = retention_days(text) {
        assert!(days >= 0.0, "{text:?} gives {days} days");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let body = String::from_utf8_lossy(body);
    let text = if selector & 1 == 1 {
        format!("{HEADER}\n{body}")
    } else {
        body.into_owned()
    };
    check_days(&text);
    let Ok(database) = ocd::parse(&text) else {
        return;
    };
    for entry in database.entries() {
        assert!(!entry.name.is_empty());
        check_days(&entry.retention);
        for domain in ["", "www.example.com", entry.domain.as_str()] {
            let Some(found) = database.lookup(&entry.name, domain) else {
                continue;
            };
            assert!(
                entry.name.trim().contains(found.entry.name.as_str()),
                "{:?} found the row of {:?}",
                entry.name,
                found.entry.name
            );
            assert!(!found.prefix || found.entry.wildcard);
        }
    }
    let (consistent, names) = database.self_consistency();
    assert!(consistent <= names);
});
