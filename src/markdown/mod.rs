//! Source text is inline Markdown. This module places it safely: in a
//! Markdown page (the wiki, `diff` reports, job summaries: [`inline`],
//! [`code`], [`link`], [`verbatim`]) or as HTML and plain text (the site and
//! its search index: [`to_html`], [`to_plain`], [`escape_html`]). It uses
//! nothing else of the crate, so every layer that writes text for people
//! (diagnostics, reports, the preview server, the renderers) can use it.

mod escape;
mod html;
mod text;

pub use escape::{Place, code, inline, link, link_destination, verbatim};
pub use html::{escape_html, to_html, to_plain};
pub use text::{fold_lines, longest_run};
