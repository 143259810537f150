//! Probes: real client libraries run against a GT API stand-in, so that a
//! runbook's verdicts rest on what the client did, not only on what its
//! documentation says. A docs tree declares a runbook's probe
//! ([`declared`]); its runtime and pinned packages are installed into a
//! cache ([`install`]); it runs once per supported route against a fresh
//! [`StandIn`] ([`run`]), and what each run reached is written as
//! [`Results`].

mod declared;
mod error;
mod install;
mod process;
mod results;
mod run;
mod standin;

pub use declared::{
    DIR, FILE, Probe, ProbeSource, Runtime, declaration, declared, path as declaration_path,
};
pub use error::ProbeError;
pub use install::{Installed, default_cache, install};
pub use results::{
    Client, ConfigValue, Outcome, RESULTS_FILE, Request, Results, RouteResult, config_fingerprint,
    path as results_path,
};
pub use run::{Ran, run};
pub use standin::{PREFIX, Seen, StandIn};
