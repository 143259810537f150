//! `gtdocs diff`: what changed between two compatibility manifests.
//! Runbooks added and removed, route verdicts upgraded, downgraded or
//! reclassified, and every other field changed, as a [`Report`] that renders
//! to Markdown (a pull-request comment, a job summary) or JSON.
//!
//! A side is a manifest file, a docs tree, or a git revision of the docs
//! tree ([`resolve`]); trees and revisions are validated and their manifest
//! rendered in memory, exactly as `gtdocs build` would write it.

mod compare;
mod format;
pub mod report;
mod resolve;
mod revision;
mod side;

pub use compare::compare;
pub use report::{Counts, FailOn, FieldChange, Report, RunbookRef, SideSummary, VerdictChange};
pub use resolve::{check_manifest, resolve};
pub use side::{DiffError, Side};
