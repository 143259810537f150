//! JSON Schemas (draft-07, the draft YAML editors validate with): the
//! generic ones, derived from the loader's and the manifest's own Rust
//! types (kind.rs), and a build's, exact for its catalog (tight.rs).

mod kind;
mod tight;

pub use kind::{SchemaKind, manifest_schema_for, pretty, property_names, resolve_ref};
pub use tight::{TightError, tight};
