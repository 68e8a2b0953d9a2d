//! Driving the browser: its lifecycle (`browser`) and one page visit in one tab (`tab`).

pub mod browser;
pub mod fetch;
pub mod tab;
pub mod tables;

pub use browser::{BrowserError, BrowserOptions, BrowserSession, BrowserSource, find_chrome};
pub use tab::{ScopeGate, Tab, Visit, VisitTiming};
