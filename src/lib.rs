//! gtdocs compiles structured YAML runbook sources into GitHub wiki pages,
//! a static HTML site and JSON compatibility manifests, after validating
//! every source.
//!
//! The pipeline: [`load`] (YAML with spans) → [`validate`] (diagnostics) →
//! [`model`] (the validated book) → [`render`] (wiki, HTML and its search
//! index, JSON: the published [`manifest`]) → [`output`] (atomic write).
//! [`site`] runs it as one call ([`build()`], [`compile()`], [`check()`]);
//! [`diff`] compares manifests, [`publish`] pushes the wiki, [`serve`]
//! previews the site, and [`cli`] sits on top.

pub mod cache;
pub mod changes;
pub mod cli;
pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod git;
pub mod history;
pub mod load;
pub mod manifest;
pub mod markdown;
pub mod memory;
pub mod model;
pub mod output;
pub mod probe;
pub mod publish;
pub mod render;
pub mod schema;
pub mod serve;
pub mod site;
pub mod source;
pub mod validate;

pub use site::{
    BuildError, BuildOptions, BuildReport, CompileError, Compiled, build, build_in_memory, check,
    compile, compile_cached, compile_with,
};
