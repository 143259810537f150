//! Exit codes, stable for scripts and CI.

/// Success (warnings allowed unless `--deny-warnings`).
pub const OK: u8 = 0;
/// The sources have errors, or warnings under `--deny-warnings`.
pub const INVALID: u8 = 1;
/// Bad usage, or an I/O problem (missing tree, unwritable output).
pub const USAGE_OR_IO: u8 = 2;
