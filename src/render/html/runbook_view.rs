//! What a runbook's page shows.

use serde::Serialize;

use super::filters::href;
use super::view::{Mark, TermCtx, VerifiedCtx, mark, verified_ctx};
use crate::markdown::{to_html, to_plain};
use crate::model::{self, Book, Runbook};
use crate::render::export;
use crate::render::paths::route_path;

#[derive(Serialize)]
pub(super) struct RunbookCtx {
    slug: String,
    title: String,
    summary_html: String,
    summary_text: String,
    intro_html: String,
    compatibility: TermCtx,
    category: TermCtx,
    key_preset: TermCtx,
    evidence: Option<TermCtx>,
    /// The runbook's own verification, which its routes inherit.
    verified: Option<VerifiedCtx>,
    docs: Vec<String>,
    config: Vec<ConfigCtx>,
    routes: Vec<RouteRowCtx>,
    not_supported: Vec<String>,
    prerequisites: Vec<String>,
    setup: Vec<String>,
    caveats: Vec<String>,
    checklist: Vec<String>,
    matrix: MatrixCtx,
    edit_url: Option<String>,
    source: String,
    wiki_page: String,
    /// Its manifest entry's site path (below `base_url`).
    json: String,
    export: String,
    /// Its events, newest first, when the build read the git history.
    history: Option<super::history_view::HistoryCtx>,
}

#[derive(Serialize)]
struct ConfigCtx {
    field_html: String,
    field_text: String,
    value: String,
}

#[derive(Serialize)]
struct RouteRowCtx {
    /// The route's id: the row is `#route-<id>`, the matrix's cells link
    /// to it.
    id: String,
    route: String,
    path: String,
    #[serde(flatten)]
    mark: Mark,
    integration_html: Option<String>,
}

#[derive(Serialize)]
struct MatrixCtx {
    subtitle_html: Option<String>,
    chat_html: Option<String>,
    files_html: Option<String>,
    persistence_html: Option<String>,
    details_html: Option<String>,
}

fn html_list(items: &[String]) -> Vec<String> {
    items.iter().map(|i| to_html(i)).collect()
}

pub(super) fn runbook_ctx(book: &Book, rb: &Runbook) -> RunbookCtx {
    let c = &book.catalog;
    let source = rb.source.to_string_lossy().replace('\\', "/");
    RunbookCtx {
        slug: rb.slug.clone(),
        title: rb.title.clone(),
        summary_html: to_html(&rb.summary),
        summary_text: to_plain(&rb.summary),
        intro_html: to_html(&rb.intro),
        compatibility: (&c.compatibility[rb.compatibility]).into(),
        category: (&c.categories[rb.category]).into(),
        key_preset: (&c.key_presets[rb.key_preset]).into(),
        evidence: rb.evidence.map(|e| (&c.evidence[e]).into()),
        verified: rb.verified.as_ref().map(|v| verified_ctx(book, v)),
        docs: rb.docs.clone(),
        config: rb
            .config
            .iter()
            .map(|f| ConfigCtx {
                field_html: to_html(&f.field),
                field_text: to_plain(&f.field),
                value: f.value.clone(),
            })
            .collect(),
        routes: c
            .routes
            .iter()
            .zip(&rb.routes)
            .enumerate()
            .map(|(i, (r, m))| RouteRowCtx {
                id: r.id.clone(),
                route: r.route.clone(),
                path: route_path(&r.route),
                mark: mark(book, rb, i),
                integration_html: m.integration.as_deref().map(to_html),
            })
            .collect(),
        not_supported: html_list(&rb.not_supported),
        prerequisites: html_list(&rb.prerequisites),
        setup: html_list(&rb.setup),
        caveats: html_list(&rb.caveats),
        checklist: html_list(&rb.checklist),
        matrix: MatrixCtx {
            subtitle_html: rb.matrix.subtitle.as_deref().map(to_html),
            chat_html: rb.matrix.chat.as_deref().map(to_html),
            files_html: rb.matrix.files.as_deref().map(to_html),
            persistence_html: rb.matrix.persistence.as_deref().map(to_html),
            details_html: rb.matrix.details.as_deref().map(to_html),
        },
        edit_url: book
            .site
            .repository
            .as_ref()
            .map(|repo| href(&format!("{repo}/edit/{}/{source}", book.site.branch))),
        wiki_page: book.wiki_page(rb),
        json: model::entry_path(&rb.slug),
        source,
        export: export::plain_export(book, rb, export::Verdicts::Words),
        history: super::history_view::runbook_history(book, &rb.slug),
    }
}
