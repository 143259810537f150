//! Writing the site to disk atomically: every file goes into a temporary
//! folder beside the destination ([`Staging`], written while the site is
//! rendered), which is then swapped in. A failed build, or one killed
//! part-way, never leaves a half-written site.

mod error;
mod folder;
mod marker;
mod removal;
mod reuse;
mod staging;

pub use error::OutputError;
pub use folder::{check_cache_dir, check_out_dir, named, prepare_cache_dir};
pub use staging::{Copies, Staging, WriteStats};

/// The build cache of output folder `out`, when no other is named:
/// `.<name>.cache` beside it (on the same file system, so the previous
/// output it keeps can be swapped in).
pub fn default_cache_dir(out: &std::path::Path) -> std::path::PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let parent = out.parent().unwrap_or(std::path::Path::new(""));
    // At most 200 bytes of the name, as the staging folder's: a file
    // name holds 255.
    let name = &name[..crate::diagnostic::floor_char_boundary(&name, 200)];
    parent.join(format!(".{name}.cache"))
}
