//! What can go wrong in a probe.

/// A probe's error.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The stand-in could not listen on loopback.
    #[error("the GT API stand-in cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
}
