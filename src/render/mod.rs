//! Rendering: each output format is one [`Renderer`] that turns the
//! validated [`Book`](crate::model::Book) into files of an in-memory [`Output`]. Nothing here
//! reads sources or touches the file system.

mod context;
pub mod export;
pub mod html;
pub mod json;
mod keys;
pub mod llms;
mod memo;
mod paths;
mod renderer;
pub mod search;
mod sink;
pub mod wiki;
mod wiki_changes;

pub use context::{RenderContext, RenderError, SEARCH_PART_SIZE};
pub use keys::Keys;
pub use memo::Memo;
pub use renderer::{Renderer, render_into, render_with};
pub use sink::{Output, Recorder, Sink};

/// Every output format.
pub const ALL: [&dyn Renderer; 5] = [
    &wiki::Wiki,
    &json::Json,
    &html::Html,
    &llms::Llms,
    &search::Search,
];
