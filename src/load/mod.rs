//! Loading a docs tree: `gtdocs.yaml` and `runbooks/*.yaml`, read in sorted
//! order and parsed into JSON values that remember their source spans.
//! Nothing here knows the meaning of a field; that is `validate`'s job.

mod files;
mod read;
pub mod theme;
mod tree;
pub mod yaml;
mod yaml_events;
mod yaml_hint;
#[cfg(test)]
mod yaml_tests;

pub(crate) use files::runbooks_dir;
pub use files::{
    load, load_config, load_runbook, load_runbook_fast, parse_runbook, read_runbook,
    read_runbook_stamped,
};
pub(crate) use read::{ReadError, read_inside, read_text, resolve_inside, text_of};
pub use read::{SETTLED, Stamp, display_path};
pub use tree::{
    CONFIG_FILE, Document, LoadError, Loaded, MAX_RUNBOOKS, MAX_SOURCE_BYTES, RUNBOOKS_DIR, Tree,
};
pub use yaml::SpanMap;
