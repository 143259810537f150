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
        Ok(RenderContext {
            generator_name: env!("CARGO_PKG_NAME"),
            generator_version: env!("CARGO_PKG_VERSION"),
            source_date_epoch,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("SOURCE_DATE_EPOCH must be a whole number of seconds, not `{0}`")]
    SourceDateEpoch(String),
    #[error("the {renderer} output would write `{path}` twice")]
    DuplicatePath {
        renderer: &'static str,
        path: String,
    },
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
}

/// The rendered site: relative path (with `/`) → file content, in path order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    files: BTreeMap<String, Vec<u8>>,
    duplicate: Option<String>,
}

impl Output {
    pub fn add(&mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) {
        let path = path.into();
        if self.files.insert(path.clone(), content.into()).is_some() {
            self.duplicate.get_or_insert(path);
        }
    }

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

    fn merge(&mut self, other: Output, renderer: &'static str) -> Result<(), RenderError> {
        if let Some(path) = other.duplicate {
            return Err(RenderError::DuplicatePath { renderer, path });
        }
        for (path, content) in other.files {
            if self.files.insert(path.clone(), content).is_some() {
                return Err(RenderError::DuplicatePath { renderer, path });
            }
        }
        Ok(())
    }
}

/// One output format.
pub trait Renderer: Sync {
    fn name(&self) -> &'static str;
    fn render(&self, book: &Book, ctx: &RenderContext, out: &mut Output)
    -> Result<(), RenderError>;
}

/// Every output format, rendered in parallel and merged in a fixed order.
pub fn render_all(book: &Book, ctx: &RenderContext) -> Result<Output, RenderError> {
    render_with(
        book,
        ctx,
        &[&wiki::Wiki, &json::Json, &html::Html, &search::Search],
    )
}

/// The given output formats, rendered in parallel and merged in order.
pub fn render_with(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
) -> Result<Output, RenderError> {
    let outputs: Vec<Result<(&'static str, Output), RenderError>> = {
        use rayon::prelude::*;
        renderers
            .par_iter()
            .map(|r| {
                let mut out = Output::default();
                r.render(book, ctx, &mut out).map(|()| (r.name(), out))
            })
            .collect()
    };
    let mut all = Output::default();
    for result in outputs {
        let (name, out) = result?;
        all.merge(out, name)?;
    }
    Ok(all)
}
