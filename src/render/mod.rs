//! Rendering: each output format is one [`Renderer`] that turns the
//! validated [`Book`] into files of an in-memory [`Output`]. Nothing here
//! reads sources or touches the file system.

pub mod export;
pub mod html;
pub mod json;
pub mod markdown;
pub mod search;
pub mod wiki;

use std::collections::BTreeMap;

use crate::model::Book;

/// What every renderer may know besides the book.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub generator_name: &'static str,
    pub generator_version: &'static str,
    /// `SOURCE_DATE_EPOCH`, when set: the only time a build may record.
    pub source_date_epoch: Option<u64>,
    /// Pages per part of the search index (`GTDOCS_SEARCH_PART_SIZE`,
    /// default [`search::PART_SIZE`]): each part is built on its own, which
    /// bounds the memory a build needs, and the browser merges them.
    pub search_part_size: usize,
}

impl RenderContext {
    pub fn from_env() -> Result<Self, RenderError> {
        let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) if !v.trim().is_empty() => Some(
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| RenderError::SourceDateEpoch(v.clone()))?,
            ),
            _ => None,
        };
        let search_part_size = match std::env::var("GTDOCS_SEARCH_PART_SIZE") {
            Ok(v) if !v.trim().is_empty() => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| RenderError::PartSize(v.clone()))?,
            _ => search::PART_SIZE,
        };
        Ok(RenderContext {
            generator_name: env!("CARGO_PKG_NAME"),
            generator_version: env!("CARGO_PKG_VERSION"),
            source_date_epoch,
            search_part_size,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("SOURCE_DATE_EPOCH must be a whole number of seconds, not `{0}`")]
    SourceDateEpoch(String),
    #[error("GTDOCS_SEARCH_PART_SIZE must be a whole number above 0, not `{0}`")]
    PartSize(String),
    #[error("the generated manifest does not match its own schema: {0}")]
    ManifestSchema(String),
    #[error("cannot serialize JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{message}")]
    Template {
        /// The template file a person would open.
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("cannot build the search index: {0}")]
    Search(String),
    #[error("two outputs would write `{0}`")]
    Duplicate(String),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// The rendered site in memory: relative path (with `/`) → file content,
/// in path order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    files: BTreeMap<String, Vec<u8>>,
}

impl Output {
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, c)| (p.as_str(), c.as_slice()))
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// Where renderers put their files: an in-memory [`Output`] (the preview,
/// tests) or the staging folder of a build ([`crate::output::Staging`]),
/// which writes each file as soon as it is rendered. Renderers put from
/// many threads at once; the order of puts never matters.
pub trait Sink: Sync {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError>;

    /// Puts a file written piece by piece by `write`, for a file too large
    /// to hold whole (the manifest of a large site). By default the pieces
    /// are gathered and put.
    fn put_with(
        &self,
        path: String,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut content = Vec::new();
        write(&mut content)?;
        self.put(path, content)
    }
}

impl Sink for std::sync::Mutex<Output> {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        let mut out = self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if out.files.contains_key(&path) {
            return Err(RenderError::Duplicate(path));
        }
        out.files.insert(path, content);
        Ok(())
    }
}

/// One output format.
pub trait Renderer: Sync {
    fn name(&self) -> &'static str;
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError>;
}

/// Every output format.
pub const ALL: [&dyn Renderer; 4] = [&wiki::Wiki, &json::Json, &html::Html, &search::Search];

/// Every output format, rendered in parallel, in memory.
pub fn render_all(book: &Book, ctx: &RenderContext) -> Result<Output, RenderError> {
    render_with(book, ctx, &ALL)
}

/// The given output formats, rendered in parallel, in memory.
pub fn render_with(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
) -> Result<Output, RenderError> {
    let sink = std::sync::Mutex::new(Output::default());
    render_into(book, ctx, renderers, &sink)?;
    Ok(sink
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// The given output formats, rendered in parallel into `sink`. The search
/// index (the longest) starts first, so it runs beside the others.
pub fn render_into(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    use rayon::prelude::*;
    let mut ordered: Vec<&dyn Renderer> = renderers.to_vec();
    ordered.sort_by_key(|r| r.name() != search::Search.name());
    ordered
        .par_iter()
        .try_for_each(|r| r.render(book, ctx, sink))
}
