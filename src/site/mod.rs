//! The library's one build of a docs tree: load → validate → render, to
//! disk or in memory, as mdBook's `MDBook::build` and Zola's `Site::build`
//! are. `gtdocs build`, `check` and `diff` call it. The preview loads and
//! validates through an [`incremental::Incremental`] tree (a runbook edit
//! checked again alone) and reports a template's error through
//! [`template`]; what it renders (the pages an edit touches, then the
//! search index off the reload's path) is its own.

mod build;
pub mod compile;
pub mod incremental;
mod staging;
pub mod template;

pub use build::{
    BuildError, BuildOptions, BuildReport, InMemory, Leftovers, Outcome, Written, build,
    build_in_memory, check, with_history,
};
pub use compile::{CompileError, Compiled, compile, compile_cached, compile_with};
