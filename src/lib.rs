//! cookiescan crawls a website in headless Chromium and inventories every cookie it causes
//! to be stored, with the evidence of who set it and where.
//!
//! The pipeline, one module each, data flowing one way:
//! discover (scope, URL normalisation, robots.txt, sitemaps, the breadth-first frontier) →
//! visit (browser lifecycle, isolated contexts, page navigation) →
//! capture (cookie jar reads, Set-Cookie and script attribution, web storage) →
//! report (the scan JSON and its renderings) →
//! diff (what changed since the last scan, and drift from the published policy).
//! `site` is a small virtual-host web server used by `cookiescan demo` and the tests.

pub mod browser;
pub mod capture;
pub mod check;
pub mod classify;
pub mod cli;
pub mod config;
pub mod consent;
pub mod crawl;
pub mod demo;
pub mod diff;
pub mod discover;
pub mod findings;
pub mod history;
pub mod model;
pub mod progress;
pub mod report;
pub mod site;
pub mod text;
