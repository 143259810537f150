//! Writing the site to disk atomically: every file goes into a temporary
//! folder beside the destination ([`Staging`], written while the site is
//! rendered), which is then swapped in. A failed build, or one killed
//! part-way, never leaves a half-written site.

mod beside;
mod error;
mod folder;
mod index;
mod marker;
mod removal;
mod reuse;
mod staging;
mod stamp;
#[cfg(test)]
mod tests;
mod twin;

pub use beside::default_cache_dir;
pub use error::OutputError;
pub use folder::{check_cache_dir, check_out_dir, named, prepare_cache_dir};
pub use index::Indexes;
pub use staging::{Copies, Staging, WriteStats};
