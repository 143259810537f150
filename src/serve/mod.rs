//! `gtdocs serve`: builds the HTML site in memory, serves it on loopback,
//! rebuilds on every saved change and reloads the browser. While a source
//! is invalid the last good site stays served, with the diagnostics shown
//! over every page. The published `site/` is never touched.

pub mod change;
mod error;
pub mod http;
mod listen;
pub mod paths;
mod preview;
mod server;
pub mod state;
pub mod watch;

pub use error::ServeError;
pub use preview::{Preview, Rebuilt, SearchDone, SearchJob, SearchWorker};
pub use server::{Events, Options, run};
