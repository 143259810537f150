//! Probes: real client libraries run against a GT API stand-in, so that a
//! runbook's verdicts rest on what the client did, not only on what its
//! documentation says. [`StandIn`] is the stand-in.

mod error;
mod standin;

pub use error::ProbeError;
pub use standin::{PREFIX, Seen, StandIn};
