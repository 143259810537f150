//! The history of every verdict, read from the git repository the docs
//! tree is in: when each runbook and route appeared, every verdict change
//! (date, commit, before → after), runbooks and routes removed, routes
//! renamed. From the commits only (committer dates and ids, never the
//! clock), so two builds of the same commit give the same history.
//!
//! One `git log --raw` lists what each commit changed, one `git cat-file
//! --batch` reads the blobs, each parsed once; `build` puts the result in
//! the book (`Book.history`) for every renderer.

mod blobs;
mod current;
mod digest;
mod error;
mod log;
mod read;
mod replay;
mod source;

pub use error::HistoryError;
pub use read::{HistoryRead, Skipped, read};
