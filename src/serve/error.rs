//! What stops `gtdocs serve`, with a hint for the errors a user can act on.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{addr} is already in use")]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("cannot accept connections on {addr} any more: {source}")]
    Accept {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch `{}` for changes: {source}", .root.display())]
    Watch {
        root: PathBuf,
        source: notify::Error,
    },
    #[error(transparent)]
    Compile(#[from] crate::site::CompileError),
    /// A setting from the environment (`SOURCE_DATE_EPOCH`, ...).
    #[error(transparent)]
    Settings(#[from] crate::render::RenderError),
    #[error("cannot handle Ctrl-C: {0}")]
    Signal(String),
    #[error("cannot start the search index thread: {0}")]
    Thread(std::io::Error),
}

impl ServeError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ServeError::AddressInUse { .. } => {
                Some("pick another port with --port N, or --port 0 for a free one")
            }
            ServeError::Watch { .. } => Some("on file systems without change events, use --poll"),
            ServeError::Settings(crate::render::RenderError::SourceDateEpoch(_)) => Some(
                "set SOURCE_DATE_EPOCH to seconds since 1970 (e.g. `git log -1 --format=%ct`), or unset it",
            ),
            _ => None,
        }
    }
}
