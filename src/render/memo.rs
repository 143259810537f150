//! Units kept in memory between renders, for the preview: the same
//! mechanism a build's cache gives the output folder ([`Sink::unit`],
//! keyed by [`super::Keys`]), with the files held in memory. A unit the
//! last render made from the same inputs (a part of the search index
//! whose pages did not change) is taken from it, not rendered again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::context::{RenderContext, RenderError};
use super::renderer::{Renderer, render_into};
use super::sink::{Output, Recorder, Sink};
use crate::cache::Fingerprint;
use crate::model::Book;

/// Each unit's files, as the last render made them.
type Units = HashMap<Fingerprint, Vec<(String, Arc<[u8]>)>>;

/// The units of the last render.
#[derive(Default)]
pub struct Memo {
    units: Units,
    /// Keys derived from others ([`Sink::derive_key`]) by the last render.
    derived: HashMap<Fingerprint, Fingerprint>,
    /// Units the last render took from the one before.
    kept: usize,
    /// The files the last render made (not taken from the one before).
    made: Vec<String>,
}

impl Memo {
    /// `renderers` rendered in memory, as [`super::render_with`] does,
    /// taking each unit the last call made from the same inputs from it.
    /// Only this render's units are kept for the next: memory holds one
    /// site's.
    pub fn render(
        &mut self,
        book: &Book,
        ctx: &RenderContext,
        renderers: &[&dyn Renderer],
    ) -> Result<Output, RenderError> {
        let ctx = ctx.clone().with_keys(book);
        let sink = MemoSink {
            out: Mutex::new(Output::default()),
            previous: &self.units,
            next: Mutex::new(HashMap::new()),
            derived: &self.derived,
            next_derived: Mutex::new(HashMap::new()),
            kept: AtomicUsize::new(0),
            made: Mutex::new(Vec::new()),
        };
        let rendered = render_into(book, &ctx, renderers, &sink);
        let MemoSink {
            out,
            next,
            next_derived,
            kept,
            made,
            ..
        } = sink;
        // A failed render keeps the last good units.
        rendered?;
        self.units = next.into_inner().unwrap_or_else(PoisonError::into_inner);
        self.derived = next_derived
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        self.kept = kept.into_inner();
        self.made = made.into_inner().unwrap_or_else(PoisonError::into_inner);
        self.made.sort_unstable();
        Ok(out.into_inner().unwrap_or_else(PoisonError::into_inner))
    }

    /// Units the last render took from the one before, of how many.
    pub fn kept(&self) -> (usize, usize) {
        (self.kept, self.units.len())
    }

    /// The files the last render made rather than took from the one
    /// before, sorted.
    pub fn made(&self) -> &[String] {
        &self.made
    }
}

struct MemoSink<'a> {
    out: Mutex<Output>,
    previous: &'a Units,
    next: Mutex<Units>,
    derived: &'a HashMap<Fingerprint, Fingerprint>,
    next_derived: Mutex<HashMap<Fingerprint, Fingerprint>>,
    kept: AtomicUsize,
    made: Mutex<Vec<String>>,
}

impl MemoSink<'_> {
    fn insert(&self, paths: &[String], content: Arc<[u8]>) -> Result<(), RenderError> {
        lock(&self.out).insert(paths, content)
    }

    /// Files rendered now (a kept unit's are inserted, not put).
    fn insert_made(&self, paths: &[String], content: Arc<[u8]>) -> Result<(), RenderError> {
        self.insert(paths, content)?;
        lock(&self.made).extend_from_slice(paths);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sink for MemoSink<'_> {
    fn as_sink(&self) -> &dyn Sink {
        self
    }

    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        self.insert_made(&[path], content.into())
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        self.insert_made(paths, content.into())
    }

    fn knows_unit(&self, key: Fingerprint) -> bool {
        self.previous.contains_key(&key)
    }

    fn derived_key(&self, from: Fingerprint) -> Option<Fingerprint> {
        self.derived.get(&from).copied()
    }

    fn derive_key(&self, from: Fingerprint, to: Fingerprint) {
        lock(&self.next_derived).insert(from, to);
    }

    fn unit(
        &self,
        key: Option<Fingerprint>,
        render: &mut dyn FnMut(&dyn Sink) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let Some(key) = key else {
            return render(self);
        };
        if let Some(files) = self.previous.get(&key) {
            for (path, content) in files {
                self.insert(std::slice::from_ref(path), Arc::clone(content))?;
            }
            lock(&self.next).insert(key, files.clone());
            self.kept.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let recorder = Recorder::new(self);
        render(&recorder)?;
        let paths = recorder.into_paths();
        let out = lock(&self.out);
        let files = paths
            .into_iter()
            .filter_map(|path| {
                let content = Arc::clone(out.get_shared(&path)?);
                Some((path, content))
            })
            .collect();
        drop(out);
        lock(&self.next).insert(key, files);
        Ok(())
    }

    fn read_kept(&self, path: &str) -> Option<Vec<u8>> {
        lock(&self.out).get(path).map(<[u8]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After one runbook's edit, the memo's render equals a fresh one,
    /// and every part of the search index but the edited runbook's (and
    /// the routes', which list titles nowhere) is taken from the last;
    /// after a catalog edit, every part but the edited route's.
    #[test]
    fn a_render_with_the_memo_equals_a_fresh_one_and_keeps_the_unchanged_parts() {
        let (mut book, mut ctx) = super::super::renderer::tests::bundled();
        ctx.search_part_size = 4;
        let parts = (book.runbooks.len() + book.catalog.routes.len()).div_ceil(4);
        let renderers: [&dyn Renderer; 1] = [&super::super::search::Search];
        let mut memo = Memo::default();
        let first = memo.render(&book, &ctx, &renderers).expect("render");
        assert_eq!(memo.kept(), (0, parts));
        assert!(
            first == super::super::renderer::render_with(&book, &ctx, &renderers).expect("fresh")
        );
        let last = book.runbooks.len() - 1;
        book.runbooks[last].summary.push_str(" Edited.");
        let second = memo.render(&book, &ctx, &renderers).expect("render");
        assert!(
            second == super::super::renderer::render_with(&book, &ctx, &renderers).expect("fresh")
        );
        assert_ne!(first, second);
        assert_eq!(memo.kept(), (parts - 1, parts));

        // A route's summary edited: every part's key changes (the catalog
        // is shared by every page), yet only the part holding that
        // route's page has other records; the others are kept by them.
        let summary = book.catalog.routes[0].summary.get_or_insert_default();
        summary.push_str(" Revised.");
        let third = memo.render(&book, &ctx, &renderers).expect("render");
        assert!(
            third == super::super::renderer::render_with(&book, &ctx, &renderers).expect("fresh")
        );
        assert_ne!(second, third);
        assert_eq!(memo.kept(), (parts - 1, parts));
        // And again, from the keys derived by the last render: each part
        // kept without its records made.
        let fourth = memo.render(&book, &ctx, &renderers).expect("render");
        assert!(third == fourth);
        assert_eq!(memo.kept(), (parts, parts));
    }
}
