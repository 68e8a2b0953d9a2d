//! The one room that speaks the DevTools protocol: the browser's lifecycle (`session`), one
//! page visit in one tab (`tab`, its events in `events`, what a visitor does on it in
//! `visitor`), fetching resources through the
//! browser's network stack (`fetch`), reading a rendered page's tables (`tables`), and the
//! protocol commands chromiumoxide lacks (`cdp`). Nothing here knows about consent or the
//! crawl: they drive a tab from above.

mod cdp;
mod events;
pub(crate) mod fetch;
mod session;
mod tab;
pub(crate) mod tables;
mod visitor;

pub use session::{BrowserError, BrowserOptions, BrowserSession, BrowserSource, find_chrome};
pub use tab::{Frame, Loaded, NAVIGATIONS_PER_TAB, ScopeGate, Tab, Visit, VisitTiming};
pub use visitor::{Exploration, Reached};
