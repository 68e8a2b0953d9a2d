//! Classification of cookies: category, provider, function, purpose.

pub mod category;

pub use category::Category;
