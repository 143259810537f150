//! Diagnostics: what went wrong, where, and what to do about it, rendered
//! for people (rustc-style snippets), for programs (JSON) and for GitHub
//! Actions (workflow commands).

mod format;
mod github;
mod human;
mod json;
mod model;
mod snippet;
mod text;

pub use format::{Format, render};
pub use github::summary_markdown;
pub use json::{JsonDiagnostic, json_escape_unprintable};
pub use model::{
    Diagnostic, MAX_PER_FILE, MAX_TEXT, Omitted, SECRET_SHOWN, Severity, Sources, Span, accepted,
    accepted_line, counts, normalize, summary_line,
};
pub use text::{cut_chars, floor_char_boundary, is_bidi_control, is_unprintable, visible};
