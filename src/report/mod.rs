//! Renderings of a scan. The scan JSON is the canonical artefact (see `crate::model`); every
//! other format is produced from it, never from a live crawl.

pub mod inventory;
pub mod policy;
pub mod summary;
