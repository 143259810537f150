//! The fingerprints of what each unit of the site is made from, so that a
//! build with a cache keeps the files of a unit whose inputs did not
//! change (see [`super::Sink::unit`]).
//!
//! A runbook's page depends on the runbook, its own history, and what
//! every page shares: the site's settings and theme, the wiki settings,
//! the catalog, the verification settings, the whole history's summary,
//! the source commit, the list of runbooks (pages show counts and link
//! to each other by slug) and the render context's settings. Each is taken whole
//! through its `Debug` form, which every model type derives: a field
//! added to the model is in the fingerprint without anyone remembering to
//! add it. The binary's build id is in every cache table's frame, so code
//! changes are covered too.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::cache::{Fingerprint, Fingerprinter};
use crate::model::{Book, Runbook};

/// Fingerprints for one build.
#[derive(Debug, Clone)]
pub struct Keys {
    /// What every page shares.
    shared: Fingerprint,
    /// Each runbook's own, in the book's order.
    runbooks: Vec<Fingerprint>,
}

/// A page a unit is made from (see [`Keys::pages`]).
pub enum Page<'a> {
    /// A runbook, by its index in the book.
    Runbook(usize),
    /// Anything else, whole.
    Other(&'a dyn std::fmt::Debug),
}

/// Streams `Debug` output into a fingerprint, without building the text.
struct Hashing(xxhash_rust::xxh3::Xxh3);

impl std::fmt::Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The fingerprint of `value`'s `Debug` form.
fn debug_fingerprint(value: &dyn std::fmt::Debug) -> Fingerprint {
    let mut h = Hashing(xxhash_rust::xxh3::Xxh3::new());
    let _ = write!(h, "{value:?}");
    Fingerprint(h.0.digest128())
}

impl Keys {
    /// The keys of `book`'s units, rendered with settings `settings`
    /// (the render context's, whole).
    pub fn new(book: &Book, settings: &dyn std::fmt::Debug) -> Self {
        let mut shared = Fingerprinter::new();
        shared
            .fingerprint(debug_fingerprint(&book.site))
            .fingerprint(debug_fingerprint(&book.wiki))
            .fingerprint(debug_fingerprint(&book.catalog))
            .fingerprint(debug_fingerprint(&book.verification))
            .fingerprint(debug_fingerprint(&book.source))
            .fingerprint(debug_fingerprint(settings));
        // The history but its index by runbook (a map, in no fixed order,
        // made from the events).
        if let Some(h) = &book.history {
            shared.fingerprint(debug_fingerprint(&(
                &h.events,
                h.commits,
                h.shallow,
                &h.starts_at,
            )));
        }
        shared.u64(book.runbooks.len() as u64);
        for rb in &book.runbooks {
            shared.str(&rb.slug);
        }
        let runbooks = book
            .runbooks
            .par_iter()
            .map(|rb| Self::runbook_own(book, rb))
            .collect();
        Keys {
            shared: shared.finish(),
            runbooks,
        }
    }

    fn runbook_own(book: &Book, rb: &Runbook) -> Fingerprint {
        let mut f = Fingerprinter::new();
        f.fingerprint(debug_fingerprint(rb));
        if let Some(history) = &book.history {
            for event in history.of_runbook(&rb.slug) {
                f.fingerprint(debug_fingerprint(event));
            }
        }
        f.finish()
    }

    /// The key of runbook `rb`'s unit of output `kind` ("html", "wiki").
    pub fn runbook(&self, book: &Book, rb: &Runbook, kind: &str) -> Option<Fingerprint> {
        let i = book
            .runbooks
            .binary_search_by(|r| r.slug.as_str().cmp(&rb.slug))
            .ok()?;
        Some(
            Fingerprinter::new()
                .str(kind)
                .fingerprint(self.shared)
                .fingerprint(*self.runbooks.get(i)?)
                .finish(),
        )
    }

    /// The key of a unit of output `kind` made from the pages in `pages`
    /// (runbooks by their index in the book, anything else by its
    /// `Debug` form) and what every page shares.
    pub fn pages(&self, kind: &str, pages: &[Page<'_>]) -> Option<Fingerprint> {
        let mut f = Fingerprinter::new();
        f.str(kind).fingerprint(self.shared);
        for page in pages {
            match page {
                Page::Runbook(i) => f.fingerprint(*self.runbooks.get(*i)?),
                Page::Other(value) => f.fingerprint(debug_fingerprint(*value)),
            };
        }
        Some(f.finish())
    }
}
