//! The static HTML site: a page per runbook and per GT route, the home page
//! with the compatibility matrix, the runbook index, 404 and sitemap,
//! rendered from minijinja templates. The built-in theme
//! (`themes/default/`) is compiled into the binary; a tree's
//! `themes/<site.theme>/` overrides any template or static file, and a
//! template may extend a built-in one (`{% extends "default/base.html" %}`)
//! to replace a single block.

mod feed;
mod filters;
mod history_view;
mod matrix_json;
mod pages;
mod paging;
mod route_view;
mod rows;
mod runbook_view;
mod sitemap;
mod theme;
mod view;

use minijinja::Environment;
use minijinja::value::Serde;
use rayon::prelude::*;

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::Sink;
use crate::model::Book;
use matrix_json::{MATRIX_DATA, matrix_data};
use pages::{Spec, page, specs};
use paging::Lists;
use sitemap::sitemap;
use theme::ThemeFiles;
use view::SiteCtx;

pub use super::paths::DIR;

pub struct Html;

impl Renderer for Html {
    /// Every page, and the static files and sitemap; with keys, each page
    /// is a unit.
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        let theme = ThemeFiles::new(book.site.theme.as_ref());
        let env = theme.environment();
        let site = SiteCtx::new(book, ctx);
        let lists = Lists::new(book);
        let specs = specs(book, &lists);
        let site_key = ctx
            .keys
            .as_ref()
            .and_then(|_| super::keys::serialized_fingerprint(&site));
        // Each page's data is built on the thread that renders it, and the
        // page goes to the sink at once: nothing waits for the whole site.
        specs.par_iter().try_for_each(|spec| {
            let key = ctx
                .keys
                .as_ref()
                .zip(site_key)
                .and_then(|(keys, site)| pages::key(keys, book, &lists, spec, site));
            out.unit(key, &mut |out| {
                let (file, html) = render_page(book, &theme, &env, &site, &lists, spec)?;
                out.put(format!("{DIR}/{file}"), html.into_bytes())
            })
        })?;
        // What lists every runbook but shows no runbook's body, and the
        // theme's files: a unit an edit of a runbook's steps keeps.
        let key = ctx.keys.as_ref().map(|k| k.summaries("html", &()));
        out.unit(key, &mut |out| {
            for (name, bytes) in theme.assets() {
                out.put(format!("{DIR}/static/{name}"), bytes.clone())?;
            }
            out.put(
                format!("{DIR}/sitemap.xml"),
                sitemap(book, &specs).into_bytes(),
            )?;
            if let Some(history) = &book.history {
                out.put(
                    format!("{DIR}/{}", crate::model::CHANGES_FEED_PATH),
                    feed::feed(book, history).into_bytes(),
                )?;
            }
            out.put(format!("{DIR}/{MATRIX_DATA}"), matrix_data(book, &lists)?)
        })
    }
}

/// One page: its file below `html/`, and its HTML.
fn render_page(
    book: &Book,
    theme: &ThemeFiles,
    env: &Environment<'static>,
    site: &SiteCtx,
    lists: &Lists<'_>,
    spec: &Spec<'_>,
) -> Result<(String, String), RenderError> {
    let page = page(book, lists, spec);
    let template = env
        .get_template(page.template)
        .map_err(|e| theme.error(e))?;
    let html = template
        .render(minijinja::context! { site => Serde(site), page => Serde(&page.meta), data => &page.data })
        .map_err(|e| theme.error(e))?;
    Ok((page.meta.file, html))
}

/// Renders the site's pages in memory, for `check`, so that it refuses
/// whatever `build` would: a theme's syntax errors, unknown templates and
/// blocks, filters that fail on some runbook's data, and loops past
/// the fuel budget (`theme::TEMPLATE_FUEL`). A tree that overrides templates gets every page (its
/// templates are its own code, and any runbook's data may trip them); the
/// built-in theme, which renders any valid book (the `render` fuzz target),
/// gets one page of each kind whatever the tree's size.
pub fn check_theme(book: &Book, ctx: &RenderContext) -> Result<(), RenderError> {
    let theme = ThemeFiles::new(book.site.theme.as_ref());
    let env = theme.environment();
    let site = SiteCtx::new(book, ctx);
    let lists = Lists::new(book);
    let samples = if theme.has_overrides() {
        specs(book, &lists)
    } else {
        let mut samples = vec![Spec::Home, Spec::Runbooks(1), Spec::Routes, Spec::NotFound];
        samples.extend(book.runbooks.first().map(Spec::Runbook));
        samples.extend((!book.catalog.routes.is_empty()).then_some(Spec::Route(0, 1)));
        samples.extend(book.history.as_ref().map(|_| Spec::Changes));
        samples
    };
    // In a fixed order, so the first error reported is the same every run.
    samples
        .par_iter()
        .map(|spec| render_page(book, &theme, &env, &site, &lists, spec).map(|_| ()))
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::theme::TEMPLATE_FUEL;
    use super::*;

    /// The fuel every page of `book` takes, most first.
    fn fuel_per_page(book: &Book, ctx: &RenderContext) -> Vec<(u64, String)> {
        let theme = ThemeFiles::new(book.site.theme.as_ref());
        let env = theme.environment();
        let site = SiteCtx::new(book, ctx);
        let lists = Lists::new(book);
        let mut used: Vec<(u64, String)> = specs(book, &lists)
            .par_iter()
            .map(|spec| {
                let page = page(book, &lists, spec);
                let template = env.get_template(page.template).expect("template");
                let captured = template
                    .render_captured(minijinja::context! { site => Serde(&site), page => Serde(&page.meta), data => &page.data })
                    .expect("render");
                let (consumed, _) = captured.state().fuel_levels().expect("fuel is on");
                (consumed, page.meta.file)
            })
            .collect();
        used.sort_by(|a, b| b.cmp(a));
        used
    }

    /// The budget is far above what the bundled theme needs: the largest
    /// page of the bundled tree (or of the tree at GTDOCS_FUEL_TREE, e.g.
    /// one from `scripts/bench/corpus.py`) takes under 1% of it.
    #[test]
    fn the_largest_page_takes_a_small_part_of_the_fuel() {
        let (book, ctx) = match std::env::var_os("GTDOCS_FUEL_TREE") {
            Some(root) => {
                let book = crate::site::compile::compile(std::path::Path::new(&root))
                    .ok()
                    .and_then(|c| c.book)
                    .expect("the tree validates");
                (book, RenderContext::from_env().expect("context"))
            }
            None => crate::render::renderer::tests::bundled(),
        };
        let used = fuel_per_page(&book, &ctx);
        let (most, file) = &used[0];
        eprintln!(
            "{} pages; most fuel: {most} ({file}); budget {TEMPLATE_FUEL}",
            used.len()
        );
        assert!(*most * 100 < TEMPLATE_FUEL, "{file} takes {most}");
    }
}
