//! Validation: every file of a loaded tree checked against the schema, then
//! against the catalog and the rules a valid tree keeps. All problems of all
//! files are reported in one run. A tree with no errors becomes a
//! [`Book`](crate::model::Book).

mod allow;
mod cached;
mod catalog;
mod checks;
mod consistency;
mod credentials;
mod evidence;
mod lint_facts;
mod lints;
mod names;
mod overrides;
mod rules;
mod runbook;
mod streaming;
pub mod structure;
pub mod suggest;
mod text;
mod verification;

pub use cached::{PARTS as CACHE_PARTS, part_name as cache_part_name};
pub use catalog::CatalogCheck;
pub use checks::{Checks, RunbookResult, across, catalog};
pub use evidence::Evidence;
pub use lint_facts::ACCEPTABLE;
pub use overrides::{OverrideError, SiteOverrides};
pub use runbook::Facts;
pub use streaming::{Validated, validate_cached, validate_streaming};
pub use structure::SchemaError;
