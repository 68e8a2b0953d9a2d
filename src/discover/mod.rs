//! Which pages to visit: scope, URL normalisation, robots.txt, sitemaps and the frontier.

mod frontier;
mod normalize;
mod robots;
mod scope;
mod sitemap;

pub use frontier::{Frontier, Limits, Offer, QueuedPage, Via};
pub use normalize::{
    is_session_param, normalize, page_key, query_free, resolve_link, session_params,
    volatile_params, without_params,
};
pub use robots::{Robots, robots_url};
pub use scope::{Scope, ScopeDecision, ScopeMode, ScopeRules, registrable_domain};
pub use sitemap::{Sitemap, SitemapError, parse_sitemap};
