//! cookiescan crawls a website in headless Chromium and inventories every cookie it causes
//! to be stored, with the evidence of who set it and where.
//!
//! The rooms, from the bottom up; each imports only rooms below it:
//! - `model`: the scan JSON (the canonical artefact), the shared vocabulary, and reading and
//!   writing scan files. Imports nothing of the crate.
//! - `text`: escaping for every output format, and the wording of pages and lifetimes.
//! - `discover`: scope, URL normalisation, robots.txt, sitemaps, the breadth-first frontier.
//! - `capture`: evidence without a browser: Set-Cookie and script-write parsing, what one
//!   page visit left, and the site-wide inventory built from it.
//! - `browser`: the one room that speaks the DevTools protocol: launching or connecting,
//!   isolated contexts, a tab that loads a page and then captures it.
//! - `consent`: answering banners through a tab: rules, heuristic, verification, presets.
//! - `classify`: what each cookie is for (site notes, knowledge base, Open Cookie Database).
//! - `crawl`: runs every page of every consent mode (load, consent, capture) into a `Scan`.
//! - `findings`: cookies set before consent or surviving "reject all".
//! - `diff`: what changed between two scans. `report`: one renderer per output format.
//!   `check`: drift between a scan and the site's published cookie policy.
//! - `config` (a site's own settings), `history` (a site's stored scans), and `cli`, the
//!   command line: the only room that prints.
//!
//! `site` is a small virtual-host web server used by `cookiescan demo` and the tests.

pub mod browser;
mod capture;
pub mod check;
pub mod classify;
// The command line is the one room that writes to the terminal (see clippy.toml).
#[allow(clippy::disallowed_methods)]
pub mod cli;
mod config;
pub mod consent;
pub mod crawl;
mod demo;
pub mod diff;
pub mod discover;
pub mod findings;
pub mod history;
pub mod model;
pub mod report;
#[cfg(test)]
mod robustness;
pub mod site;
mod text;
