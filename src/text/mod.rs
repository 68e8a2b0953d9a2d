//! Text shared by the renderers, the diff and the policy check: escaping for each output
//! format (`escape`) and the wording of pages and lifetimes (`words`). It sits below all of
//! them so that none reaches into another's renderer for a helper.

pub mod escape;
pub mod words;
