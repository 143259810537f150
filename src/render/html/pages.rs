//! Which pages the site has, where each one is, and what its template is
//! given.

use serde::Serialize;

use super::matrix_json::MATRIX_DATA;
use super::paging::{Lists, Pager, page_count, page_slice};
use super::route_view::route_ctx;
use super::rows::groups;
use super::runbook_view::runbook_ctx;
use super::view::{catalog_ctx, value};
use crate::markdown::to_plain;
use crate::model::{Book, Runbook, markdown_twin_path};
use crate::render::paths::{page_path, route_path, runbook_path};

/// One page to render.
pub(super) struct Page {
    pub(super) template: &'static str,
    pub(super) meta: PageMeta,
    pub(super) data: minijinja::Value,
}

#[derive(Serialize)]
pub(super) struct PageMeta {
    /// `home`, `runbooks`, `runbook`, `routes`, `route`, `changes` or `404`.
    kind: &'static str,
    title: String,
    description: Option<String>,
    /// Site path below `base_url` (`runbooks/librechat/`).
    path: String,
    /// Output file below `html/`.
    pub(super) file: String,
    /// `base_url` + path.
    pub(super) url: String,
    /// Absolute URL, when `site.url` is set.
    canonical: Option<String>,
    /// The site path of the page's Markdown twin (`render::llms`), for a
    /// runbook's page and a route's (its every page: the twin lists every
    /// client).
    markdown: Option<String>,
    /// In the sitemap.
    pub(super) listed: bool,
}

impl PageMeta {
    fn new(book: &Book, kind: &'static str, title: String, path: String) -> Self {
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.clone()
        };
        let url = format!("{}{path}", book.site.base_url);
        PageMeta {
            kind,
            title,
            description: None,
            canonical: book
                .site
                .url
                .as_ref()
                .map(|origin| format!("{origin}{url}")),
            markdown: None,
            listed: kind != "404",
            path,
            file,
            url,
        }
    }
}

/// A page of the site, before its data is built.
pub(super) enum Spec<'a> {
    Home,
    /// A page of the runbooks index (1-based).
    Runbooks(usize),
    Routes,
    Runbook(&'a Runbook),
    /// A page of a route's clients: the route's index, the page (1-based).
    Route(usize, usize),
    /// Every verdict change, when the build read the git history.
    Changes,
    NotFound,
}

/// Every page of the site, in a fixed order.
pub(super) fn specs<'a>(book: &'a Book, lists: &Lists<'_>) -> Vec<Spec<'a>> {
    let mut specs = vec![Spec::Home];
    specs.extend((1..=page_count(lists.ordered.len())).map(Spec::Runbooks));
    specs.push(Spec::Routes);
    specs.extend(book.runbooks.iter().map(Spec::Runbook));
    for (i, list) in lists.by_support.iter().enumerate() {
        specs.extend((1..=page_count(list.len())).map(|k| Spec::Route(i, k)));
    }
    if book.history.is_some() {
        specs.push(Spec::Changes);
    }
    specs.push(Spec::NotFound);
    specs
}

/// The key of a page's unit (see [`crate::render::Keys`]): what its data
/// is made from. A list page is made from the summaries of the runbooks
/// it shows (it shows no runbook's body), the
/// list's length (its pager) and, for a route, its tally; every page also
/// from what all pages share (catalog, site, settings, the runbooks'
/// slugs), which the keys hold, and from `site`, the fingerprint of what
/// every template is given as `site` (it counts categories, for one).
pub(super) fn key(
    keys: &crate::render::keys::Keys,
    book: &Book,
    lists: &Lists<'_>,
    spec: &Spec<'_>,
    site: crate::cache::Fingerprint,
) -> Option<crate::cache::Fingerprint> {
    let total = lists.ordered.len();
    match spec {
        Spec::Home => keys.list(
            book,
            "html:home",
            page_slice(&lists.ordered, 1),
            &(site, total),
        ),
        Spec::Runbooks(k) => keys.list(
            book,
            "html:runbooks",
            page_slice(&lists.ordered, *k),
            &(site, k, total),
        ),
        Spec::Routes => keys.list(book, "html:routes", &[], &site),
        Spec::Runbook(rb) => keys.runbook_with(book, rb, "html", &site),
        Spec::Route(i, k) => keys.list(
            book,
            "html:route",
            page_slice(&lists.by_support[*i], *k),
            &(site, i, k, &lists.tallies[*i]),
        ),
        Spec::Changes => keys.list(book, "html:changes", &[], &site),
        Spec::NotFound => keys.list(book, "html:404", &[], &site),
    }
}

/// A page's title, where it is, and whether the sitemap lists it.
pub(super) fn meta(book: &Book, spec: &Spec<'_>) -> PageMeta {
    match spec {
        Spec::Home => {
            let mut meta = PageMeta::new(book, "home", book.site.title.clone(), String::new());
            meta.description = book.site.description.clone();
            meta
        }
        Spec::Runbooks(k) => PageMeta::new(
            book,
            "runbooks",
            if *k > 1 {
                format!("Client runbooks, page {k}")
            } else {
                "Client runbooks".into()
            },
            page_path("runbooks/", *k),
        ),
        Spec::Routes => PageMeta::new(book, "routes", "GT API routes".into(), "routes/".into()),
        Spec::Runbook(rb) => {
            let mut meta = PageMeta::new(book, "runbook", rb.title.clone(), runbook_path(rb));
            meta.description = Some(to_plain(&rb.summary));
            meta.markdown = Some(markdown_twin_path(&meta.path));
            meta
        }
        Spec::Route(i, k) => {
            let route = &book.catalog.routes[*i];
            let title = if *k > 1 {
                format!("{}, page {k}", route.route)
            } else {
                route.route.clone()
            };
            let mut meta = PageMeta::new(
                book,
                "route",
                title,
                page_path(&route_path(&route.route), *k),
            );
            meta.description = route.summary.as_deref().map(to_plain);
            meta.markdown = Some(markdown_twin_path(&route_path(&route.route)));
            meta
        }
        Spec::Changes => PageMeta::new(
            book,
            "changes",
            "Verdict changes".into(),
            crate::model::CHANGES_SITE_PATH.into(),
        ),
        Spec::NotFound => PageMeta::new(book, "404", "Page not found".into(), "404.html".into()),
    }
}

/// A page's template and the data it is given.
pub(super) fn page(book: &Book, lists: &Lists<'_>, spec: &Spec<'_>) -> Page {
    let (template, data) = match spec {
        Spec::Home => {
            let shown = page_slice(&lists.ordered, 1);
            (
                "home.html",
                value(minijinja::context! {
                    catalog => value(catalog_ctx(book)),
                    groups => value(groups(book, shown)),
                    shown => shown.len(),
                    total => lists.ordered.len(),
                    matrix_data => MATRIX_DATA,
                }),
            )
        }
        Spec::Runbooks(k) => (
            "runbooks.html",
            value(minijinja::context! {
                groups => value(groups(book, page_slice(&lists.ordered, *k))),
                pager => value(Pager::new("runbooks/", *k, lists.ordered.len())),
            }),
        ),
        Spec::Routes => (
            "routes.html",
            value(minijinja::context! { catalog => value(catalog_ctx(book)) }),
        ),
        Spec::Runbook(rb) => ("runbook.html", value(runbook_ctx(book, rb))),
        Spec::Route(i, k) => ("route.html", value(route_ctx(book, lists, *i, *k))),
        Spec::Changes => (
            "changes.html",
            value(super::history_view::changes_ctx(book)),
        ),
        Spec::NotFound => ("404.html", minijinja::Value::UNDEFINED),
    };
    Page {
        template,
        meta: meta(book, spec),
        data,
    }
}
