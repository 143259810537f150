//! What every renderer is given besides the book, and what it can fail with.

/// Pages per part of the index. Pagefind holds a part's whole index in
/// memory while it builds it, and parts are built side by side, one per
/// core once the pages are written (`search::Search`); the browser merges
/// the parts (`mergeIndex`) into one search. Measured at 10,000 runbooks
/// (tmpfs, 2 cores, release build, peak RSS of `gtdocs build`): 250 pages
/// a part, 188 MiB; 300, 207-219 MiB; 350, 219-226 MiB; 500, 259-262 MiB,
/// over the 250 MiB bound. In the browser (scripts/bench/search.mjs), time
/// to the first result barely moves with the number of parts on
/// localhost; requests fall with it (37 at 21 parts, 24 at 11).
pub const SEARCH_PART_SIZE: usize = 350;

pub use crate::date::MAX_SOURCE_DATE_EPOCH;

/// What every renderer may know besides the book.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub generator_name: &'static str,
    pub generator_version: &'static str,
    /// `SOURCE_DATE_EPOCH`, when set: the only time a build may record.
    pub source_date_epoch: Option<u64>,
    /// Pages per part of the search index (`GTDOCS_SEARCH_PART_SIZE`,
    /// default [`SEARCH_PART_SIZE`]): each part is built on its own, which
    /// bounds the memory a build needs, and the browser merges them.
    pub search_part_size: usize,
    /// What each unit of the site is made from, when the output can keep
    /// units from an earlier build (a build with a cache).
    pub keys: Option<std::sync::Arc<super::keys::Keys>>,
}

impl RenderContext {
    pub fn from_env() -> Result<Self, RenderError> {
        let source_date_epoch = crate::date::source_date_epoch().map_err(
            |crate::date::DateError::SourceDateEpoch(v)| RenderError::SourceDateEpoch(v),
        )?;
        let search_part_size = match std::env::var("GTDOCS_SEARCH_PART_SIZE") {
            Ok(v) if !v.trim().is_empty() => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| RenderError::PartSize(v.clone()))?,
            _ => SEARCH_PART_SIZE,
        };
        Ok(RenderContext {
            generator_name: env!("CARGO_PKG_NAME"),
            generator_version: env!("CARGO_PKG_VERSION"),
            source_date_epoch,
            search_part_size,
            keys: None,
        })
    }
}

impl RenderContext {
    /// The context for a build whose output keeps unchanged units from
    /// earlier builds: with the keys of `book`'s units.
    pub fn with_keys(self, book: &crate::model::Book) -> Self {
        let settings = (
            self.generator_name,
            self.generator_version,
            self.source_date_epoch,
            self.search_part_size,
        );
        let keys = super::keys::Keys::new(book, &settings);
        RenderContext {
            keys: Some(std::sync::Arc::new(keys)),
            ..self
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {MAX_SOURCE_DATE_EPOCH} (9999-12-31T23:59:59Z), not `{0}`"
    )]
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
    /// A page's template ran longer than `html::theme::TEMPLATE_FUEL` steps.
    #[error("{file}: the template ran out of fuel: a page may take at most {budget} steps")]
    TemplateFuel {
        /// The template file a person would open.
        file: String,
        line: Option<usize>,
        budget: u64,
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

impl RenderError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            RenderError::SourceDateEpoch(_) => Some(
                "unset it, or use the last commit's time: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)",
            ),
            RenderError::Output(e) => e.hint(),
            _ => None,
        }
    }
}
