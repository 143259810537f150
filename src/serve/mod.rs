//! `gtdocs serve`: builds the HTML site in memory, serves it on loopback,
//! rebuilds on every saved change and reloads the browser. While a source
//! is invalid the last good site stays served, with the diagnostics shown
//! over every page. The published `site/` is never touched.

mod change;
mod error;
mod http;
mod listen;
mod paths;
mod preview;
mod server;
mod state;
mod watch;

pub use error::ServeError;
pub use preview::Rebuilt;
pub use server::{Events, Options, run};
