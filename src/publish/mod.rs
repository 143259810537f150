//! `gtdocs publish-wiki`: syncs the built wiki pages into a GitHub wiki's
//! git repository without losing anything.
//!
//! - The pages gtdocs owns are recorded in the wiki itself, in
//!   [`OWNERSHIP_FILE`] (page name → digest of what was published). Only
//!   those pages are ever rewritten or deleted; a page a person wrote by
//!   hand is never touched, and one that would be overwritten is an error
//!   unless `--adopt` says to take it over.
//! - Nothing changed → no commit. The commit names the source commit.
//! - History is kept: a push that loses a race (another commit landed since
//!   the clone) fetches, redoes the change on top and pushes again. There
//!   is no force-push anywhere.
//! - The manifest published last is kept beside the ownership record, so
//!   every publish can report what changed since ([`crate::diff`]).

mod apply;
mod checkout;
mod chrome;
mod error;
mod plan;
mod records;
mod sidebar;
mod site;
mod summary;
mod sync;

pub use checkout::shown_name;
pub use chrome::{Chrome, ChromeOutcome};
pub use error::PublishError;
pub use plan::{Outcome, Plan};
pub use records::{MANIFEST_FILE, OWNERSHIP_FILE};
pub use summary::refusal_summary;
pub use sync::{Options, publish};
