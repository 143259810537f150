//! LLM-ready output, in the HTML site (llmstxt.org's conventions):
//! `llms.txt` at its root, a Markdown twin beside every runbook and route
//! page (`model::markdown_twin_path`: `runbooks/librechat/` →
//! `runbooks/librechat/index.html.md`) holding every fact of the page,
//! and `llms-full.txt`, every twin whole, one after another.

mod index;
mod text;
mod twin;

use rayon::prelude::*;

use super::context::{RenderContext, RenderError};
use super::html::Selection;
use super::paths::DIR;
use super::renderer::Renderer;
use super::sink::Sink;
use crate::model::{self, Book, Runbook};
use text::Urls;

/// `llms.txt`'s site path.
pub const INDEX: &str = "llms.txt";
/// `llms-full.txt`'s site path.
pub const FULL_TEXT: &str = "llms-full.txt";

/// Every file of the format.
pub struct Llms;

/// `llms-full.txt` alone: what the preview rebuilds off the reload's path,
/// beside the search index and the JSON (it holds every runbook).
pub struct FullText;

impl Renderer for Llms {
    fn render(&self, book: &Book, _: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        let ordered = book.ordered();
        let urls = Urls::new(book);
        put_index(book, &ordered, &urls, out)?;
        // Each twin is rendered once, for its own file and the full text.
        full_text(book, &ordered, &urls, out, true)
    }
}

impl Renderer for FullText {
    fn render(&self, book: &Book, _: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        full_text(book, &book.ordered(), &Urls::new(book), out, false)
    }
}

/// What the pages of `selection` have of the format (the preview's
/// rebuild): the twins of its runbook pages, of every route page (each
/// lists every client) and `llms.txt`; `llms-full.txt` is left to
/// [`FullText`]. Returns how many files.
pub fn render_selected(
    book: &Book,
    selection: &Selection<'_>,
    out: &dyn Sink,
) -> Result<usize, RenderError> {
    let ordered = book.ordered();
    let urls = Urls::new(book);
    put_index(book, &ordered, &urls, out)?;
    let runbooks: Vec<&Runbook> = book
        .runbooks
        .iter()
        .filter(|rb| match selection {
            Selection::All => true,
            Selection::Affected(slugs) => slugs.contains(&rb.slug),
        })
        .collect();
    runbooks.par_iter().try_for_each(|rb| {
        out.put(
            file(&runbook_twin_path(rb)),
            twin::runbook_twin(book, rb, &urls).into_bytes(),
        )
    })?;
    (0..book.catalog.routes.len())
        .into_par_iter()
        .try_for_each(|i| {
            out.put(
                file(&route_twin_path(book, i)),
                twin::route_twin(book, &ordered, i, &urls).into_bytes(),
            )
        })?;
    Ok(1 + runbooks.len() + book.catalog.routes.len())
}

fn put_index(
    book: &Book,
    ordered: &[&Runbook],
    urls: &Urls,
    out: &dyn Sink,
) -> Result<(), RenderError> {
    out.put(
        file(INDEX),
        index::llms_txt(book, ordered, urls, FULL_TEXT).into_bytes(),
    )
}

/// Runbooks a slice of the full text renders at once: the file is
/// streamed, never held whole (tens of megabytes at 10,000 runbooks).
const CHUNK: usize = 256;

/// `llms-full.txt`: a head naming the site, then every runbook's twin in
/// the site's order, then every route's; with `put_twins`, each twin also
/// goes to its own file as it is rendered.
fn full_text(
    book: &Book,
    ordered: &[&Runbook],
    urls: &Urls,
    out: &dyn Sink,
    put_twins: bool,
) -> Result<(), RenderError> {
    let path = file(FULL_TEXT);
    let io = |source| RenderError::Write {
        path: path.clone(),
        source,
    };
    // After its piece of the full text, each twin goes to its own file.
    let put = |twins: Vec<(String, String)>| -> Result<(), RenderError> {
        if !put_twins {
            return Ok(());
        }
        twins
            .into_par_iter()
            .try_for_each(|(site_path, twin)| out.put(file(&site_path), twin.into_bytes()))
    };
    out.put_with(std::slice::from_ref(&path), &mut |w| {
        w.write_all(full_text_head(book).as_bytes()).map_err(io)?;
        for chunk in ordered.chunks(CHUNK) {
            let twins: Vec<(String, String)> = chunk
                .par_iter()
                .map(|rb| (runbook_twin_path(rb), twin::runbook_twin(book, rb, urls)))
                .collect();
            write_twins(w, &twins).map_err(io)?;
            put(twins)?;
        }
        let twins: Vec<(String, String)> = (0..book.catalog.routes.len())
            .into_par_iter()
            .map(|i| {
                (
                    route_twin_path(book, i),
                    twin::route_twin(book, ordered, i, urls),
                )
            })
            .collect();
        write_twins(w, &twins).map_err(io)?;
        put(twins)
    })
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
        if book.catalog.routes.len() == 1 { "" } else { "s" },
    ));
    head
}

/// Each twin after a blank line.
fn write_twins(w: &mut dyn std::io::Write, twins: &[(String, String)]) -> std::io::Result<()> {
    for (_, twin) in twins {
        w.write_all(b"\n")?;
        w.write_all(twin.as_bytes())?;
    }
    Ok(())
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
