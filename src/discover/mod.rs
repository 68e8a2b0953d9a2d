//! Which pages to visit: scope, URL normalisation, robots.txt, sitemaps and the frontier.
