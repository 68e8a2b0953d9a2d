//! Policy drift: a scan held against the cookie table the site publishes. `declared` reads
//! the published table (CSV, Markdown, our own JSON, or a rendered page's tables);
//! `drift` finds what the scan and the policy disagree on (undeclared, not observed,
//! category and lifetime contradicted) and writes the rows to add.

pub mod declared;
pub mod drift;
