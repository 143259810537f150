//! The compatibility matrix's rows, as the home page and the runbooks
//! index show them.

use serde::Serialize;

use super::view::{Mark, TermCtx, TermRef, mark, score, value};
use crate::markdown::{to_html, to_plain};
use crate::model::{Book, Runbook};
use crate::render::paths::runbook_path;

#[derive(Serialize)]
struct Cell {
    route: String,
    /// The route's id: the cell links to `#route-<id>` of the runbook page.
    id: String,
    #[serde(flatten)]
    mark: Mark,
    /// The runbook's note for the route, as plain text: the cell's
    /// tooltip and its link's accessible description, which is text; a
    /// link inside a tooltip could not be reached by keyboard.
    note: Option<String>,
}

#[derive(Serialize)]
struct MatrixRowCtx {
    slug: String,
    title: String,
    path: String,
    category: TermRef,
    compatibility: TermRef,
    key_preset: TermRef,
    subtitle_html: Option<String>,
    /// Sum over routes: full 2, partial 1; for "sort by support".
    score: u32,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
pub(super) struct GroupCtx {
    category: TermCtx,
    rows: Vec<minijinja::Value>,
}

fn matrix_row(book: &Book, rb: &Runbook) -> MatrixRowCtx {
    let c = &book.catalog;
    MatrixRowCtx {
        slug: rb.slug.clone(),
        title: rb.title.clone(),
        path: runbook_path(rb),
        category: (&c.categories[rb.category]).into(),
        compatibility: (&c.compatibility[rb.compatibility]).into(),
        key_preset: (&c.key_presets[rb.key_preset]).into(),
        subtitle_html: rb.matrix.subtitle.as_deref().map(to_html),
        score: score(book, rb),
        cells: c
            .routes
            .iter()
            .zip(&rb.routes)
            .enumerate()
            .map(|(i, (r, m))| Cell {
                route: r.route.clone(),
                id: r.id.clone(),
                mark: mark(book, rb, i),
                note: m.integration.as_deref().map(to_plain),
            })
            .collect(),
    }
}

/// `runbooks` (in display order) grouped by category, in catalog order.
pub(super) fn groups(book: &Book, runbooks: &[&Runbook]) -> Vec<GroupCtx> {
    let mut groups: Vec<GroupCtx> = Vec::new();
    let mut current = None;
    for rb in runbooks {
        if current != Some(rb.category) {
            current = Some(rb.category);
            groups.push(GroupCtx {
                category: (&book.catalog.categories[rb.category]).into(),
                rows: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.rows.push(value(matrix_row(book, rb)));
        }
    }
    groups
}
