//! Lists split into pages: the orders the lists share, which items a page
//! holds, and the links between a list's pages.

use serde::Serialize;

use crate::model::{Book, Runbook, SupportLevel};
use crate::render::paths::page_path;

/// Items on one page of a list (the runbooks index, a route's clients,
/// the home matrix): no page grows with the number of runbooks. Whatever
/// needs every runbook at once (filtering and sorting the matrix) loads
/// [`MATRIX_DATA`](super::matrix_json::MATRIX_DATA), once.
pub(super) const PAGE_SIZE: usize = 100;

/// The orders every page shares, computed once per render.
pub(super) struct Lists<'a> {
    /// Display order: category, weight, title.
    pub(super) ordered: Vec<&'a Runbook>,
    /// Per route: `ordered`, grouped by support level (full, partial,
    /// none, unknown).
    pub(super) by_support: Vec<Vec<&'a Runbook>>,
}

impl<'a> Lists<'a> {
    pub(super) fn new(book: &'a Book) -> Self {
        let ordered = book.ordered();
        let by_support = (0..book.catalog.routes.len())
            .map(|i| {
                SupportLevel::ALL
                    .iter()
                    .flat_map(|support| {
                        ordered
                            .iter()
                            .copied()
                            .filter(move |rb| book.support(&rb.routes[i]) == *support)
                    })
                    .collect()
            })
            .collect();
        Lists {
            ordered,
            by_support,
        }
    }
}

/// How many pages `n` items take (at least one).
pub(super) fn page_count(n: usize) -> usize {
    n.div_ceil(PAGE_SIZE).max(1)
}

/// The items on the `number`th page (1-based) of a list.
pub(super) fn page_slice<T>(items: &[T], number: usize) -> &[T] {
    let start = (number.saturating_sub(1) * PAGE_SIZE).min(items.len());
    &items[start..(start + PAGE_SIZE).min(items.len())]
}

/// Links between the pages of a list.
#[derive(Serialize)]
pub(super) struct Pager {
    number: usize,
    count: usize,
    first_item: usize,
    last_item: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    /// Page links: first, last, and the two on each side of this one; `None`
    /// stands for the pages left out.
    links: Vec<Option<PagerLink>>,
}

#[derive(Serialize)]
struct PagerLink {
    number: usize,
    path: String,
    current: bool,
}

impl Pager {
    pub(super) fn new(first: &str, number: usize, total: usize) -> Pager {
        let count = page_count(total);
        let mut links = Vec::new();
        for k in 1..=count {
            if k == 1 || k == count || k.abs_diff(number) <= 2 {
                links.push(Some(PagerLink {
                    number: k,
                    path: page_path(first, k),
                    current: k == number,
                }));
            } else if links.last().is_some_and(Option::is_some) {
                links.push(None);
            }
        }
        Pager {
            number,
            count,
            first_item: (number.saturating_sub(1) * PAGE_SIZE + 1).min(total),
            last_item: (number * PAGE_SIZE).min(total),
            total,
            prev: (number > 1).then(|| page_path(first, number - 1)),
            next: (number < count).then(|| page_path(first, number + 1)),
            links,
        }
    }
}
