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
    /// Each runbook's summary (see [`Keys::summaries`]), in the book's order.
    summaries: Vec<Fingerprint>,
    /// All of `summaries`, in order.
    all_summaries: Fingerprint,
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

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fingerprint of `value` serialized (as JSON): for a view model a
/// renderer derives from the whole book, which no key holds (`None`
/// when it cannot be serialized, and then nothing is kept).
pub fn serialized_fingerprint(value: &impl serde::Serialize) -> Option<Fingerprint> {
    let mut h = Hashing(xxhash_rust::xxh3::Xxh3::new());
    serde_json::to_writer(&mut h, value).ok()?;
    Some(Fingerprint(h.0.digest128()))
}

/// The fingerprint of `value` in postcard's encoding: for the runbook's
/// own fields, whose model derives `Serialize` whole (the validation
/// cache keeps it so), and which this hashes several times faster than
/// their `Debug` form, which escapes every character of every text.
fn encoded_fingerprint<T: serde::Serialize + std::fmt::Debug>(value: &T) -> Fingerprint {
    let mut h = Hashing(xxhash_rust::xxh3::Xxh3::new());
    match postcard::to_io(value, &mut h) {
        Ok(_) => Fingerprint(h.0.digest128()),
        // Not for the model's types (the cache encodes them so); were one
        // refused, its `Debug` form is what tells it apart.
        Err(_) => debug_fingerprint(value),
    }
}

/// Where runbook `rb` is in the book (sorted by slug).
fn position(book: &Book, rb: &Runbook) -> Option<usize> {
    book.runbooks
        .binary_search_by(|r| r.slug.as_str().cmp(&rb.slug))
        .ok()
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
        let (runbooks, summaries): (Vec<Fingerprint>, Vec<Fingerprint>) = book
            .runbooks
            .par_iter()
            .map(|rb| Self::runbook_own(book, rb))
            .unzip();
        let mut all = Fingerprinter::new();
        all.u64(summaries.len() as u64);
        for summary in &summaries {
            all.fingerprint(*summary);
        }
        Keys {
            shared: shared.finish(),
            runbooks,
            summaries,
            all_summaries: all.finish(),
        }
    }

    /// A runbook's fingerprint and its summary's: what the outputs that
    /// list every runbook use of it, all but the body of its page (intro,
    /// links, config, the lists of steps and caveats). The fields are
    /// named one by one, with no `..`: a field added to `Runbook` does not
    /// compile here until it is put on one side.
    fn runbook_own(book: &Book, rb: &Runbook) -> (Fingerprint, Fingerprint) {
        let Runbook {
            slug,
            source,
            title,
            summary,
            compatibility,
            category,
            key_preset,
            evidence,
            verified,
            routes,
            matrix,
            weight,
            intro,
            docs,
            config,
            not_supported,
            prerequisites,
            setup,
            caveats,
            checklist,
            tested,
        } = rb;
        let mut f = Fingerprinter::new();
        f.fingerprint(encoded_fingerprint(&(
            slug,
            source,
            title,
            summary,
            compatibility,
            category,
            key_preset,
            evidence,
            verified,
            routes,
            matrix,
            (weight, tested),
        )));
        if let Some(history) = &book.history {
            for event in history.of_runbook(&rb.slug) {
                f.fingerprint(debug_fingerprint(event));
            }
        }
        let summary = f.finish();
        let body = encoded_fingerprint(&(
            intro,
            docs,
            config,
            not_supported,
            prerequisites,
            setup,
            caveats,
            checklist,
        ));
        let own = Fingerprinter::new()
            .fingerprint(summary)
            .fingerprint(body)
            .finish();
        (own, summary)
    }

    /// The key of a unit of output `kind` that lists every runbook (an
    /// index, a matrix, a route's clients) but shows no runbook's body:
    /// made from `extra` (by its `Debug` form), every runbook's summary
    /// (see `runbook_own`) and what every page shares. An edit of a
    /// runbook's steps or caveats keeps it.
    pub fn summaries(&self, kind: &str, extra: &dyn std::fmt::Debug) -> Fingerprint {
        Fingerprinter::new()
            .str(kind)
            .fingerprint(self.shared)
            .fingerprint(debug_fingerprint(extra))
            .fingerprint(self.all_summaries)
            .finish()
    }

    /// The key of runbook `rb`'s unit of output `kind` ("html", "wiki").
    pub fn runbook(&self, book: &Book, rb: &Runbook, kind: &str) -> Option<Fingerprint> {
        self.runbook_with(book, rb, kind, &())
    }

    /// [`Keys::runbook`], made from `extra` (by its `Debug` form) too.
    pub fn runbook_with(
        &self,
        book: &Book,
        rb: &Runbook,
        kind: &str,
        extra: &dyn std::fmt::Debug,
    ) -> Option<Fingerprint> {
        let i = position(book, rb)?;
        Some(
            Fingerprinter::new()
                .str(kind)
                .fingerprint(self.shared)
                .fingerprint(debug_fingerprint(extra))
                .fingerprint(*self.runbooks.get(i)?)
                .finish(),
        )
    }

    /// The key of a unit of output `kind` made from the summaries (see
    /// [`Keys::summaries`]) of the runbooks of `list`, in that order (a
    /// page of a list), `extra` (by its `Debug` form) and what every page
    /// shares.
    pub fn list(
        &self,
        book: &Book,
        kind: &str,
        list: &[&Runbook],
        extra: &dyn std::fmt::Debug,
    ) -> Option<Fingerprint> {
        let mut f = Fingerprinter::new();
        f.str(kind)
            .fingerprint(self.shared)
            .fingerprint(debug_fingerprint(extra))
            .u64(list.len() as u64);
        for rb in list {
            f.fingerprint(*self.summaries.get(position(book, rb)?)?);
        }
        Some(f.finish())
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
