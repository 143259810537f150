//! LLM-ready output, in the HTML site (llmstxt.org's conventions):
//! `llms.txt` at its root, a Markdown twin beside every runbook and route
//! page (`model::markdown_twin_path`: `runbooks/librechat/` →
//! `runbooks/librechat/index.html.md`) holding every fact of the page,
//! and `llms-full.txt`, every twin whole, one after another.

mod index;
mod text;
mod twin;

use std::io::Write as _;

use rayon::prelude::*;

use super::context::{RenderContext, RenderError};
use super::keys::Keys;
use super::paths::DIR;
use super::renderer::Renderer;
use super::sink::{Counting, Sink};
use crate::cache::Fingerprint;
use crate::model::{self, Book, Runbook};
use text::{Urls, Words};
use twin::Client;

/// `llms.txt`'s site path.
pub const INDEX: &str = "llms.txt";
/// `llms-full.txt`'s site path.
pub const FULL_TEXT: &str = "llms-full.txt";

/// Every file of the format.
pub struct Llms;

/// The files of the format that list every runbook: `llms.txt`, the route
/// twins and `llms-full.txt`. The preview builds them off the reload's
/// path, beside the search index and the JSON; a runbook's own twin is
/// rendered with its page ([`Twins`]).
pub struct Listings;

impl Renderer for Llms {
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        render_all(book, ctx.keys.as_deref(), out, true)
    }
}

impl Renderer for Listings {
    fn render(&self, book: &Book, _: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        render_all(book, None, out, false)
    }
}

/// The twin of every runbook page (the preview renders them with the
/// pages, the [`Listings`] later); with keys, each twin is a unit, keyed
/// as a build keys it.
pub struct Twins;

impl Renderer for Twins {
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        let urls = Urls::new(book);
        let words = Words::new(book);
        let keys = ctx.keys.as_deref();
        book.runbooks.par_iter().try_for_each(|rb| {
            let key = keys.and_then(|k| k.runbook(book, rb, "llms"));
            out.unit(key, &mut |out| {
                let client = twin::client(rb, &urls);
                out.put(
                    file(&runbook_twin_path(rb)),
                    twin::runbook_twin(book, rb, &client, &words, &urls).into_bytes(),
                )
            })
        })
    }
}

/// Whether a file of the site (by its site path) is one of the
/// [`Listings`].
pub fn lists_every_runbook(site_path: &str) -> bool {
    let route_twin = site_path
        .strip_prefix("routes/")
        .and_then(|p| p.strip_suffix(&model::markdown_twin_path("")))
        .is_some_and(|id| id.ends_with('/') && !id[..id.len() - 1].contains('/'));
    site_path == INDEX || site_path == FULL_TEXT || route_twin
}

/// Runbooks a slice of the full text renders at once: the file is
/// streamed, never held whole (tens of megabytes at 10,000 runbooks).
const CHUNK: usize = 256;

/// `llms.txt`, then `llms-full.txt`: a head naming the site, then every
/// runbook's twin in the site's order, then every route's. Each twin goes
/// to its own file as it is rendered (a runbook's only with
/// `runbook_twins`), and is rendered once for both.
///
/// With `keys`, a runbook's twin is a unit: one kept from an earlier build
/// is not rendered again, and its bytes are read back for the full text.
fn render_all(
    book: &Book,
    keys: Option<&Keys>,
    out: &dyn Sink,
    runbook_twins: bool,
) -> Result<(), RenderError> {
    let ordered = book.ordered();
    let urls = Urls::new(book);
    let words = Words::new(book);
    // Each runbook's title link and notes, escaped once for every route's
    // twin: made when the first one is, after the runbooks' own twins
    // (each of which escapes its runbook's on its own). Made before the
    // route twins are rendered side by side, never inside one of them: a
    // rayon thread waiting on this `par_iter` may take another route's
    // job, which would wait on the same `OnceLock` (a deadlock).
    let clients = std::sync::OnceLock::<Vec<(&Runbook, Client)>>::new();
    let clients = || {
        clients.get_or_init(|| {
            ordered
                .par_iter()
                .map(|rb| (*rb, twin::client(rb, &urls)))
                .collect()
        })
    };
    let route_twin = |clients: &[(&Runbook, Client)], i: usize| -> String {
        twin::route_twin(book, clients, i, &words, &urls)
    };
    let runbook_twin =
        |rb: &Runbook| twin::runbook_twin(book, rb, &twin::client(rb, &urls), &words, &urls);
    let path = file(FULL_TEXT);
    let io = |source| RenderError::Write {
        path: path.clone(),
        source,
    };
    // Where each kept twin sits in the full text, for the next build to
    // read it back from there (one file) rather than from its own.
    let mut fragments = Vec::new();
    out.put_with(std::slice::from_ref(&path), &mut |w| {
        let mut w = Counting {
            inner: w,
            written: 0,
        };
        w.write_all(full_text_head(book).as_bytes()).map_err(io)?;
        for chunk in ordered.chunks(CHUNK) {
            let twins: Vec<(Option<Fingerprint>, Vec<u8>)> = if runbook_twins {
                // Each twin goes to its own file as a unit, and comes back
                // for the full text (read back when it was kept).
                chunk
                    .par_iter()
                    .map(|rb| {
                        let own = file(&runbook_twin_path(rb));
                        let key = keys.and_then(|k| k.runbook(book, rb, "llms"));
                        let mut rendered = None;
                        out.unit(key, &mut |out| {
                            let twin = runbook_twin(rb).into_bytes();
                            out.put(own.clone(), twin.clone())?;
                            rendered = Some(twin);
                            Ok(())
                        })?;
                        let twin = match rendered {
                            Some(twin) => twin,
                            None => key
                                .and_then(|key| out.fragment(&path, key))
                                .or_else(|| out.read_kept(&own))
                                .unwrap_or_else(|| runbook_twin(rb).into_bytes()),
                        };
                        Ok((key, twin))
                    })
                    .collect::<Result<_, RenderError>>()?
            } else {
                chunk
                    .par_iter()
                    .map(|rb| (None, runbook_twin(rb).into_bytes()))
                    .collect()
            };
            for (key, twin) in &twins {
                w.write_all(b"\n").map_err(io)?;
                if let Some(key) = key {
                    fragments.push((*key, w.written, twin.len() as u64));
                }
                w.write_all(twin).map_err(io)?;
            }
        }
        // `llms.txt` and the route twins list every runbook and show no
        // runbook's body: a unit that an edit of a runbook's steps keeps.
        // A route twin lists every runbook (megabytes at 10,000): a few
        // are rendered at once, each written to its file and to the full
        // text, and dropped.
        let routes = book.catalog.routes.len();
        let at_once = rayon::current_num_threads().max(1);
        let mut made = false;
        out.unit(keys.map(|k| k.summaries("llms", &())), &mut |out| {
            out.put(
                file(INDEX),
                index::llms_txt(book, &ordered, &urls, FULL_TEXT).into_bytes(),
            )?;
            let clients = clients();
            for first in (0..routes).step_by(at_once) {
                let twins: Vec<String> = (first..routes.min(first + at_once))
                    .into_par_iter()
                    .map(|i| route_twin(clients, i))
                    .collect();
                for (i, twin) in (first..).zip(twins) {
                    write_twin(&mut w, twin.as_bytes()).map_err(io)?;
                    out.put(file(&route_twin_path(book, i)), twin.into_bytes())?;
                }
            }
            made = true;
            Ok(())
        })?;
        if !made {
            // Kept: read back, one at a time.
            for i in 0..routes {
                let twin = out
                    .read_kept(&file(&route_twin_path(book, i)))
                    .filter(|b| std::str::from_utf8(b).is_ok())
                    .unwrap_or_else(|| route_twin(clients(), i).into_bytes());
                write_twin(&mut w, &twin).map_err(io)?;
            }
        }
        Ok(())
    })?;
    if keys.is_some() {
        out.put_fragments(&path, fragments);
    }
    Ok(())
}

/// What `llms-full.txt` starts with: the site it is, and what follows.
fn full_text_head(book: &Book) -> String {
    use crate::markdown::{Place, inline};
    let mut head = format!("# {}\n\n", inline(&book.site.title, Place::Inline));
    if let Some(d) = &book.site.description {
        head.push_str(&format!("> {}\n\n", inline(d, Place::LineStart)));
    }
    head.push_str(&format!(
        "Every page of the site as Markdown: the {} runbook{} in the site's order, then the {} route{}. \
         Each part is one page's twin, whole, starting with its `# ` heading.\n",
        book.runbooks.len(),
        if book.runbooks.len() == 1 { "" } else { "s" },
        book.catalog.routes.len(),
        if book.catalog.routes.len() == 1 {
            ""
        } else {
            "s"
        },
    ));
    head
}

/// A twin after a blank line.
fn write_twin(w: &mut dyn std::io::Write, twin: &[u8]) -> std::io::Result<()> {
    w.write_all(b"\n")?;
    w.write_all(twin)
}

fn runbook_twin_path(rb: &Runbook) -> String {
    model::markdown_twin_path(&model::runbook_site_path(&rb.slug))
}

fn route_twin_path(book: &Book, index: usize) -> String {
    model::markdown_twin_path(&model::route_site_path(&book.catalog.routes[index].route))
}

/// A site path's file in the output.
fn file(site_path: &str) -> String {
    format!("{DIR}/{site_path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preview takes these from its second pass: none may be a
    /// runbook's twin, every route's twin must be.
    #[test]
    fn the_listings_are_the_files_that_list_every_runbook() {
        let (book, _) = crate::render::renderer::tests::bundled();
        for i in 0..book.catalog.routes.len() {
            assert!(lists_every_runbook(&route_twin_path(&book, i)));
        }
        for rb in &book.runbooks {
            assert!(!lists_every_runbook(&runbook_twin_path(rb)));
        }
        assert!(lists_every_runbook(INDEX) && lists_every_runbook(FULL_TEXT));
        for other in [
            "routes/index.html.md",
            "routes/x/page/2/index.html.md",
            "routes/x/index.html",
            "llms.txt.md",
        ] {
            assert!(!lists_every_runbook(other), "{other}");
        }
    }
}
