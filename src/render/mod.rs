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
use std::sync::Arc;

use crate::model::Book;

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z).
pub const MAX_SOURCE_DATE_EPOCH: u64 = 253_402_300_799;

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
                    .ok()
                    // The manifest records it as RFC 3339, whose years end at 9999.
                    .filter(|secs| *secs <= MAX_SOURCE_DATE_EPOCH)
                    .ok_or_else(|| RenderError::SourceDateEpoch(v.clone()))?,
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
    /// A page's template ran longer than [`html::TEMPLATE_FUEL`] steps.
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

/// The rendered site in memory: relative path (with `/`) → file content,
/// in path order. A file put at several paths is held once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    files: BTreeMap<String, Arc<[u8]>>,
}

impl Output {
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, c)| (p.as_str(), &**c))
    }

    /// The files, each content shared rather than copied.
    pub fn shared_files(&self) -> impl Iterator<Item = (&str, &Arc<[u8]>)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c))
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|c| &**c)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.files.values().map(|c| c.len()).sum()
    }

    fn insert(&mut self, paths: &[String], content: Arc<[u8]>) -> Result<(), RenderError> {
        if let Some(taken) = paths.iter().find(|p| self.files.contains_key(*p)) {
            return Err(RenderError::Duplicate(taken.clone()));
        }
        for path in paths {
            self.files.insert(path.clone(), Arc::clone(&content));
        }
        Ok(())
    }
}

/// Where renderers put their files: an in-memory [`Output`] (the preview,
/// tests) or the staging folder of a build ([`crate::output::Staging`]),
/// which writes each file as soon as it is rendered. Renderers put from
/// many threads at once; the order of puts never matters.
pub trait Sink: Sync {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError>;

    /// Puts the same file at each of `paths` (the JSON, also inside the
    /// HTML site). By default, a copy for each path.
    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        if let Some((last, others)) = paths.split_last() {
            for path in others {
                self.put(path.clone(), content.clone())?;
            }
            self.put(last.clone(), content)?;
        }
        Ok(())
    }

    /// Puts a file written piece by piece by `write`, once, at each of
    /// `paths`: for a file too large to hold whole (the manifest of a
    /// large site). By default the pieces are gathered and put.
    fn put_with(
        &self,
        paths: &[String],
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut content = Vec::new();
        write(&mut content)?;
        self.put_copies(paths, content)
    }
}

impl Sink for std::sync::Mutex<Output> {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        self.put_copies(&[path], content)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        self.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(paths, content.into())
    }
}

/// One output format.
pub trait Renderer: Sync {
    fn name(&self) -> &'static str;

    /// Whether `render` must run on a thread of its own, never on a rayon
    /// worker: true for a renderer that blocks its thread on an async
    /// runtime while it waits for rayon jobs. A rayon worker waiting for
    /// jobs runs other jobs of the pool meanwhile; if one of them is
    /// another build of the same renderer, it starts a second runtime on
    /// that thread, which panics ("Cannot start a runtime from within a
    /// runtime"). `render_into` honours it.
    fn own_thread(&self) -> bool {
        false
    }

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

/// The given output formats, rendered in parallel into `sink`: each
/// renderer that wants a thread of its own (the search index, also the
/// longest) on one, beside the others on the rayon pool.
pub fn render_into(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    use rayon::prelude::*;
    let (alone, pooled): (Vec<&dyn Renderer>, Vec<&dyn Renderer>) =
        renderers.iter().partition(|r| r.own_thread());
    std::thread::scope(|scope| {
        let threads: Vec<_> = alone
            .iter()
            .map(|r| scope.spawn(move || r.render(book, ctx, sink)))
            .collect();
        let pooled = pooled
            .par_iter()
            .try_for_each(|r| r.render(book, ctx, sink));
        // Every thread is joined before the first error is returned.
        let alone: Vec<Result<(), RenderError>> = threads
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        alone.into_iter().chain([pooled]).collect()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records the rayon worker index its `render` ran on.
    struct Probe {
        alone: bool,
        ran_on: Mutex<Vec<Option<usize>>>,
    }

    impl Renderer for Probe {
        fn name(&self) -> &'static str {
            "probe"
        }
        fn own_thread(&self) -> bool {
            self.alone
        }
        fn render(&self, _: &Book, _: &RenderContext, _: &dyn Sink) -> Result<(), RenderError> {
            let index = rayon::current_thread_index();
            self.ran_on
                .lock()
                .map_err(|_| RenderError::Search("lock".into()))?
                .push(index);
            Ok(())
        }
    }

    /// The bundled tree's book, and a render context.
    pub(crate) fn bundled() -> (Book, RenderContext) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let book = crate::compile(root)
            .ok()
            .and_then(|c| c.book)
            .expect("the bundled tree validates");
        (book, RenderContext::from_env().expect("context"))
    }

    /// A file put at several paths is held once in memory, whether put
    /// whole or piece by piece; a path already taken is refused, and then
    /// nothing is put.
    #[test]
    fn copies_in_memory_share_one_content() {
        let sink = Mutex::new(Output::default());
        let paths = ["json/a.json".to_string(), "html/json/a.json".to_string()];
        sink.put_copies(&paths, b"{}".to_vec()).expect("put");
        let streamed = ["json/b.json".to_string(), "html/json/b.json".to_string()];
        sink.put_with(&streamed, &mut |w| {
            w.write_all(b"[")
                .and_then(|()| w.write_all(b"]"))
                .map_err(|source| RenderError::Write {
                    path: "b".into(),
                    source,
                })
        })
        .expect("put_with");
        let again = ["json/c.json".to_string(), "json/a.json".to_string()];
        assert!(matches!(
            sink.put_copies(&again, Vec::new()),
            Err(RenderError::Duplicate(p)) if p == "json/a.json"
        ));
        let out = sink.into_inner().expect("lock");
        let shared: std::collections::HashMap<&str, &Arc<[u8]>> = out.shared_files().collect();
        assert_eq!(shared.len(), 4, "{:?}", shared.keys());
        assert!(Arc::ptr_eq(
            shared["json/a.json"],
            shared["html/json/a.json"]
        ));
        assert!(Arc::ptr_eq(
            shared["json/b.json"],
            shared["html/json/b.json"]
        ));
        assert_eq!(out.get("html/json/b.json"), Some(&b"[]"[..]));
    }

    /// A renderer that asks for its own thread never runs on a rayon
    /// worker, even when `render_into` itself is called from one.
    #[test]
    fn own_thread_renderers_never_run_on_the_rayon_pool() {
        let (book, ctx) = bundled();
        let alone = Probe {
            alone: true,
            ran_on: Mutex::default(),
        };
        let pooled = Probe {
            alone: false,
            ran_on: Mutex::default(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        pool.install(|| {
            for _ in 0..8 {
                render_with(&book, &ctx, &[&alone, &pooled]).expect("render");
            }
        });
        let alone = alone.ran_on.into_inner().expect("lock");
        let pooled = pooled.ran_on.into_inner().expect("lock");
        assert_eq!(alone, vec![None; 8], "own-thread renderer ran on a worker");
        assert!(pooled.iter().all(Option::is_some), "{pooled:?}");
    }
}
