//! The search index of the HTML site, built at build time with Pagefind's
//! Rust API. Each runbook and route page is fed once, as a lean text record
//! (no HTML parsing), with filters for category, compatibility, key preset
//! and each route's verdict. The browser loads only Pagefind's own runtime
//! (`pagefind.js`, its worker and WebAssembly) and the index chunks it needs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::context::{RenderContext, RenderError};
use super::keys::{Keys, Page};
use super::paths::{self, route_path, runbook_path};
use super::renderer::{Cores, Renderer, join_all};
use super::sink::Sink;
use crate::markdown::to_plain;
use crate::model::{Book, Runbook};

/// Folder of the index inside the HTML site.
pub const DIR: &str = "pagefind";

/// Pagefind's bundled user interfaces: the site has its own, so they are
/// not published.
const UNUSED: [&str; 7] = [
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

/// Filter names, as the search page shows them.
pub const FILTER_CATEGORY: &str = "Category";
pub const FILTER_COMPATIBILITY: &str = "Compatibility";
pub const FILTER_KEY_PRESET: &str = "Key preset";
pub const FILTER_ROUTE: &str = "Route verdict";
const FILTER_KIND: &str = "Page";

pub struct Search;

/// One page's entry in the index.
#[derive(Debug)]
struct Record {
    /// The page's site path. Pagefind's browser code puts the folder above
    /// `pagefind/` (that is, `base_url`) in front of it.
    url: String,
    content: String,
    meta: BTreeMap<String, String>,
    filters: BTreeMap<String, Vec<String>>,
}

/// The folders of the index parts after the first, below `pagefind/`
/// (`part-2/`, ...), for the browser to merge.
pub fn extra_parts(book: &Book, ctx: &RenderContext) -> Vec<String> {
    (2..=parts(book, ctx))
        .map(|k| format!("part-{k}/"))
        .collect()
}

fn parts(book: &Book, ctx: &RenderContext) -> usize {
    (book.runbooks.len() + book.catalog.routes.len())
        .div_ceil(ctx.search_part_size.max(1))
        .max(1)
}

/// One page to index.
#[derive(Clone, Copy)]
enum PageRef {
    Runbook(usize),
    Route(usize),
}

fn pages(book: &Book) -> Vec<PageRef> {
    (0..book.runbooks.len())
        .map(PageRef::Runbook)
        .chain((0..book.catalog.routes.len()).map(PageRef::Route))
        .collect()
}

impl Renderer for Search {
    /// Pagefind's API is async (a tokio runtime blocks this thread) and
    /// its indexing runs on the rayon pool: see `Renderer::own_thread`.
    fn own_thread(&self) -> bool {
        true
    }

    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        self.render_beside(book, ctx, out, &Cores::all())
    }

    fn render_beside(
        &self,
        book: &Book,
        ctx: &RenderContext,
        out: &dyn Sink,
        cores: &Cores,
    ) -> Result<(), RenderError> {
        let pages = pages(book);
        let parts: Vec<&[PageRef]> = pages.chunks(ctx.search_part_size.max(1)).collect();
        // Parts are independent indexes: built side by side, one per core
        // at most, so that memory holds at most that many parts' indexes;
        // beside the pages only one, the others once the pages are done.
        let workers = cores.count().min(parts.len()).max(1);
        // Each part's key, of what it is made from; the parts an earlier
        // build did not make go first, so that indexing, the long work,
        // starts at once.
        let keys: Vec<Option<crate::cache::Fingerprint>> = parts
            .iter()
            .enumerate()
            .map(|(k, part)| {
                let keys = ctx.keys.as_ref()?;
                part_key(keys, book, k, part)
            })
            .collect();
        // The key of each part's records, when an earlier build derived it
        // from the part's key.
        let derived: Vec<Option<crate::cache::Fingerprint>> = keys
            .iter()
            .map(|key| key.and_then(|from| out.derived_key(from)))
            .collect();
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|&k| derived[k].is_some_and(|key| out.knows_unit(key)));
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let finishing = tokio::sync::Mutex::new(());
        // A worker keeps the parts an earlier build made as it finds them
        // (their files are linked in, or already there), but holds a core
        // while it builds one.
        let work = || -> Result<(), RenderError> {
            // Pagefind runs each page on a blocking thread, one page at a
            // time: one such thread per worker is enough, and more only
            // lingered (tokio starts a new one when the last has not yet
            // gone idle).
            let runtime = tokio::runtime::Builder::new_current_thread()
                .max_blocking_threads(1)
                .build()
                .map_err(error)?;
            while !failed.load(Ordering::Relaxed) {
                let Some(&k) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let part = parts[k];
                // A part is made from its pages alone, and kept from an
                // earlier build that made it from the same records. Those
                // take work to make: the key of what they are made from
                // (the pages' runbooks, what every page shares) says
                // which, when an earlier build derived them from it. A
                // catalog edit changes that key for every part, and the
                // records of few.
                let mut made = None;
                let key = keys[k].map(|_| {
                    derived[k].unwrap_or_else(|| {
                        let records = records(book, part);
                        let to = records_key(k, &records);
                        made = Some(records);
                        to
                    })
                });
                if let (Some(from), Some(to)) = (keys[k], key) {
                    out.derive_key(from, to);
                }
                let built = out.unit(key, &mut |out| {
                    let records = made.take().unwrap_or_else(|| records(book, part));
                    let _core = cores.hold();
                    runtime
                        .block_on(build_part(records, &finishing))
                        .and_then(|files| put_part(k, files, out))
                });
                if let Err(e) = built {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Ok(())
        };
        if workers == 1 {
            // On this thread: no thread more than one part needs.
            return work();
        }
        // Not on the rayon pool: see `Renderer::own_thread`.
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            join_all(threads).into_iter().collect()
        })
    }
}

/// Puts the files of part `k` (counted from 0) into `out`.
fn put_part(
    k: usize,
    files: Vec<pagefind::api::SyntheticFile>,
    out: &dyn Sink,
) -> Result<(), RenderError> {
    let dir = match k {
        0 => format!("{}/{DIR}", paths::DIR),
        k => format!("{}/{DIR}/part-{}", paths::DIR, k + 1),
    };
    for file in files {
        let name = file.filename.to_string_lossy().replace('\\', "/");
        // A merged part needs its index and WebAssembly, not the
        // runtime the first part already brings.
        let runtime_file = matches!(name.as_str(), "pagefind.js" | "pagefind-worker.js");
        if UNUSED.contains(&name.as_str()) || (k > 0 && runtime_file) {
            continue;
        }
        out.put(format!("{dir}/{name}"), file.contents)?;
    }
    Ok(())
}

fn error(e: impl std::fmt::Display) -> RenderError {
    RenderError::Search(e.to_string())
}

/// The key of part `k`, made of `pages` (see [`Keys::pages`]): a route's
/// record is small and made from the catalog alone, so it is its own key.
fn part_key(
    keys: &Keys,
    book: &Book,
    k: usize,
    pages: &[PageRef],
) -> Option<crate::cache::Fingerprint> {
    let routes: Vec<(usize, Record)> = pages
        .iter()
        .filter_map(|p| match *p {
            PageRef::Route(i) => Some((i, route_record(book, i))),
            PageRef::Runbook(_) => None,
        })
        .collect();
    let mut parts = vec![Page::Other(&k)];
    for page in pages {
        match *page {
            PageRef::Runbook(i) => parts.push(Page::Runbook(i)),
            PageRef::Route(i) => {
                let record = routes.iter().find(|(j, _)| *j == i).map(|(_, r)| r)?;
                parts.push(Page::Other(record));
            }
        }
    }
    keys.pages("search", &parts)
}

/// The key of part `k` made of `records`: all its index files are made
/// from (the search library is the binary's, and a cache another binary
/// wrote is not read).
fn records_key(k: usize, records: &[Record]) -> crate::cache::Fingerprint {
    let mut f = crate::cache::Fingerprinter::new();
    f.str("search part records")
        .u64(k as u64)
        .u64(records.len() as u64);
    for r in records {
        f.str(&r.url).str(&r.content).u64(r.meta.len() as u64);
        for (name, value) in &r.meta {
            f.str(name).str(value);
        }
        f.u64(r.filters.len() as u64);
        for (name, values) in &r.filters {
            f.str(name).u64(values.len() as u64);
            for value in values {
                f.str(value);
            }
        }
    }
    f.finish()
}

/// The records of a part's pages.
fn records(book: &Book, pages: &[PageRef]) -> Vec<Record> {
    pages
        .iter()
        .map(|page| match *page {
            PageRef::Runbook(i) => runbook_record(book, &book.runbooks[i]),
            PageRef::Route(i) => route_record(book, i),
        })
        .collect()
}

/// A part's index from its records. Its files are made one part at a time
/// (`finishing`): making them is the part's peak of memory, and already
/// runs on every core. Two parts' files made at once took a fresh build
/// of 10,000 runbooks on tmpfs to 216-247 MiB of peak RSS; one at a time,
/// 203-214, in as much time.
async fn build_part(
    records: Vec<Record>,
    finishing: &tokio::sync::Mutex<()>,
) -> Result<Vec<pagefind::api::SyntheticFile>, RenderError> {
    let config = PagefindServiceConfig::builder()
        .force_language("en".to_string())
        .build();
    let mut index = PagefindIndex::new(Some(config)).map_err(error)?;
    for r in records {
        index
            .add_custom_record(
                r.url,
                r.content,
                "en".into(),
                Some(r.meta),
                Some(r.filters),
                None,
            )
            .await
            .map_err(error)?;
    }
    let _one_at_a_time = finishing.lock().await;
    index.get_files().await.map_err(error)
}

/// Appends `text` as a sentence of its own: after a full stop only when
/// the text before has no closing punctuation of its own (an excerpt never
/// reads "entirely.. Choose").
fn push_plain(content: &mut String, text: &str) {
    let text = to_plain(text);
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let kept = content.trim_end().len();
    if kept > 0 {
        content.truncate(kept);
        if !content.ends_with(['.', '!', '?', ':', ';', '…']) {
            content.push('.');
        }
        content.push(' ');
    }
    content.push_str(text);
}

fn runbook_record(book: &Book, rb: &Runbook) -> Record {
    let c = &book.catalog;
    let mut content = String::with_capacity(4096);
    // Lean text, once: what a reader would search for. The intro (the same
    // sentence on every page) and the route names and verdicts (in the
    // filters) stay out; each route's note, the client's own words, is in.
    push_plain(&mut content, &rb.title);
    push_plain(&mut content, &rb.summary);
    for f in &rb.config {
        push_plain(&mut content, &f.field);
        content.push_str(": ");
        content.push_str(&f.value);
    }
    for m in &rb.routes {
        if let Some(note) = &m.integration {
            push_plain(&mut content, note);
        }
    }
    for list in [
        &rb.not_supported,
        &rb.prerequisites,
        &rb.setup,
        &rb.caveats,
        &rb.checklist,
    ] {
        for item in list {
            push_plain(&mut content, item);
        }
    }
    for cell in [
        &rb.matrix.subtitle,
        &rb.matrix.chat,
        &rb.matrix.files,
        &rb.matrix.persistence,
    ]
    .into_iter()
    .flatten()
    {
        push_plain(&mut content, cell);
    }
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), rb.title.clone());
    meta.insert("kind".to_string(), "Runbook".to_string());
    meta.insert(
        "category".to_string(),
        c.categories[rb.category].label.clone(),
    );
    let mut filters = BTreeMap::new();
    filters.insert(FILTER_KIND.to_string(), vec!["Runbook".to_string()]);
    filters.insert(
        FILTER_CATEGORY.to_string(),
        vec![c.categories[rb.category].label.clone()],
    );
    filters.insert(
        FILTER_COMPATIBILITY.to_string(),
        vec![c.compatibility[rb.compatibility].label.clone()],
    );
    filters.insert(
        FILTER_KEY_PRESET.to_string(),
        vec![c.key_presets[rb.key_preset].label.clone()],
    );
    filters.insert(
        FILTER_ROUTE.to_string(),
        c.routes
            .iter()
            .zip(&rb.routes)
            .map(|(route, m)| format!("{}: {}", route.route, book.verdict_id(m)))
            .collect(),
    );
    Record {
        url: format!("/{}", runbook_path(rb)),
        content,
        meta,
        filters,
    }
}

fn route_record(book: &Book, index: usize) -> Record {
    let route = &book.catalog.routes[index];
    let mut content = String::with_capacity(2048);
    content.push_str(&route.route);
    if let Some(summary) = &route.summary {
        push_plain(&mut content, summary);
    }
    // The clients' verdicts and notes are found through their own pages
    // (and the route verdict filter); a list of every client here would
    // grow with the site and repeat them.
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), route.route.clone());
    meta.insert("kind".to_string(), "Route".to_string());
    let mut filters = BTreeMap::new();
    filters.insert(FILTER_KIND.to_string(), vec!["Route".to_string()]);
    Record {
        url: format!("/{}", route_path(&route.route)),
        content,
        meta,
        filters,
    }
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::*;

    /// A text that ends its own sentence gets no second full stop.
    #[test]
    fn sentences_are_joined_with_one_full_stop() {
        let mut content = String::new();
        for text in ["Title", "It works entirely.", "Choose `x`", "Why?", "Last "] {
            push_plain(&mut content, text);
        }
        assert_eq!(content, "Title. It works entirely. Choose x. Why? Last");
    }

    /// Regression (found by replaying the fuzz corpora, which renders on
    /// several threads at once): search builds running side by side on the
    /// rayon pool, as two overlapping `gtdocs serve` rebuilds do, panicked
    /// with "Cannot start a runtime from within a runtime". A worker blocked
    /// in Pagefind's own rayon work picked up the other build's job and
    /// started a second runtime on the same thread. Before the fix this
    /// failed one run in three; `render::renderer::tests` checks the mechanism.
    #[test]
    fn search_builds_side_by_side_on_the_rayon_pool() {
        let (book, ctx) = crate::render::renderer::tests::bundled();
        // More workers than cores, so that jobs are stolen often.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(8)
            .build()
            .expect("pool");
        let sizes: Vec<usize> = pool.install(|| {
            (0..64)
                .into_par_iter()
                .map(|_| {
                    crate::render::renderer::render_with(&book, &ctx, &[&Search])
                        .map(|out| out.len())
                        .expect("search build")
                })
                .collect()
        });
        assert!(sizes.iter().all(|n| *n == sizes[0] && *n > 0), "{sizes:?}");
    }
}
