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
    /// Per route: how many clients each support level has, and where in
    /// `by_support` the level starts (levels with no client left out).
    pub(super) tallies: Vec<Vec<Tally>>,
}

/// One support level of a route's clients.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tally {
    pub(super) support: SupportLevel,
    pub(super) count: usize,
    /// Index of its first client in the route's list.
    pub(super) first: usize,
}

impl<'a> Lists<'a> {
    pub(super) fn new(book: &'a Book) -> Self {
        let ordered = book.ordered();
        let mut by_support = Vec::with_capacity(book.catalog.routes.len());
        let mut tallies = Vec::with_capacity(book.catalog.routes.len());
        for i in 0..book.catalog.routes.len() {
            let mut list: Vec<&Runbook> = Vec::with_capacity(ordered.len());
            let mut tally = Vec::new();
            for support in SupportLevel::ALL {
                let first = list.len();
                list.extend(
                    ordered
                        .iter()
                        .copied()
                        .filter(|rb| book.support(&rb.routes[i]) == support),
                );
                if list.len() > first {
                    tally.push(Tally {
                        support,
                        count: list.len() - first,
                        first,
                    });
                }
            }
            by_support.push(list);
            tallies.push(tally);
        }
        Lists {
            ordered,
            by_support,
            tallies,
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
