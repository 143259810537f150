//! What a page of a route's clients shows.

use serde::Serialize;

use super::paging::{Lists, PAGE_SIZE, Pager, page_slice};
use super::view::{VerifiedCtx, support_look, verdict_label, verified_ctx};
use crate::markdown::to_html;
use crate::model::{Book, Runbook, SupportLevel};
use crate::render::paths::{page_path, route_path, runbook_path};

#[derive(Serialize)]
pub(super) struct RoutePageCtx {
    /// The route's id: each client links to its row, `#route-<id>`.
    id: String,
    route: String,
    summary_html: Option<String>,
    /// Clients per support level, over every page.
    tally: Vec<TallyCtx>,
    /// This page's clients, by support level.
    groups: Vec<SupportGroup>,
    pager: Pager,
}

#[derive(Serialize)]
struct TallyCtx {
    support: SupportLevel,
    symbol: &'static str,
    support_label: &'static str,
    count: usize,
    /// The page where the level's clients start.
    path: String,
}

#[derive(Serialize)]
struct SupportGroup {
    support: SupportLevel,
    symbol: &'static str,
    support_label: &'static str,
    /// Clients with this level on every page.
    total: usize,
    entries: Vec<RouteEntryCtx>,
}

#[derive(Serialize)]
struct RouteEntryCtx {
    title: String,
    path: String,
    category: String,
    /// The verdict's id, for data attributes, and its words.
    verdict: String,
    verdict_label: String,
    integration_html: Option<String>,
    verified: Option<VerifiedCtx>,
    /// What a probe of the client found for this route.
    tested: Option<String>,
}

pub(super) fn route_ctx(
    book: &Book,
    lists: &Lists<'_>,
    index: usize,
    number: usize,
) -> RoutePageCtx {
    let route = &book.catalog.routes[index];
    let all = &lists.by_support[index];
    let support_of = |rb: &Runbook| book.support(&rb.routes[index]);
    let first_page = route_path(&route.route);
    let tally = lists.tallies[index]
        .iter()
        .map(|t| {
            let (symbol, support_label) = support_look(t.support);
            TallyCtx {
                support: t.support,
                symbol,
                support_label,
                count: t.count,
                path: page_path(&first_page, t.first / PAGE_SIZE + 1),
            }
        })
        .collect::<Vec<_>>();
    let mut groups: Vec<SupportGroup> = Vec::new();
    for rb in page_slice(all, number) {
        let support = support_of(rb);
        if groups.last().is_none_or(|g| g.support != support) {
            let (symbol, support_label) = support_look(support);
            groups.push(SupportGroup {
                support,
                symbol,
                support_label,
                total: tally
                    .iter()
                    .find(|t| t.support == support)
                    .map_or(0, |t| t.count),
                entries: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.entries.push(RouteEntryCtx {
                title: rb.title.clone(),
                path: runbook_path(rb),
                category: book.catalog.categories[rb.category].label.clone(),
                verdict: book.verdict_id(&rb.routes[index]).to_string(),
                verdict_label: verdict_label(book, &rb.routes[index]).to_string(),
                integration_html: rb.routes[index].integration.as_deref().map(to_html),
                verified: book
                    .verification(rb, &rb.routes[index])
                    .map(|v| verified_ctx(book, &v)),
                tested: rb.tested.as_ref().and_then(|t| t.line(index)),
            });
        }
    }
    RoutePageCtx {
        id: route.id.clone(),
        route: route.route.clone(),
        summary_html: route.summary.as_deref().map(to_html),
        tally,
        groups,
        pager: Pager::new(&first_page, number, all.len()),
    }
}
