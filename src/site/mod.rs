//! The library's one build of a docs tree: load → validate → render, to
//! disk or in memory, as mdBook's `MDBook::build` and Zola's `Site::build`
//! are. `gtdocs build`, `check` and `diff` call it; the preview keeps an
//! [`incremental::Incremental`] tree (a runbook edit checked again alone)
//! and reports a template's error through [`template`]; none of them
//! assembles the steps itself.

mod build;
pub mod compile;
pub mod incremental;
mod staging;
pub mod template;

pub use build::{
    BuildError, BuildOptions, BuildReport, InMemory, Outcome, Written, build, build_in_memory,
    check,
};
pub use compile::{CompileError, Compiled, compile, compile_with};
