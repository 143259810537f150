//! The integration test suite: the real `gtdocs` binary run on real trees
//! (`tests/fixtures/`, the bundled runbooks, and the published reference
//! corpus in `../shared/reference`). One test binary, a module per feature.

mod common;

mod action;
mod action_install;
mod boundary;
mod build;
mod build_cache;
mod build_reuse;
mod cli;
mod crash;
mod diff;
mod fidelity;
mod fuzz_corpus;
/// The fuzz targets' bodies, shared with `fuzz/` (see `fuzz_corpus`).
#[path = "../../fuzz/harness.rs"]
mod fuzz_harness;
mod history;
mod html_browser;
mod html_render;
mod html_site;
mod invalid;
mod json_schema;
mod layout;
mod limits;
mod lints;
mod llms;
mod parity;
mod probe;
mod product_wiki;
mod publish;
mod serve;
mod verification;
mod wiki_cmark;
mod wiki_hazards;
mod workflows;
