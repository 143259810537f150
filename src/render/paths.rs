//! Where the HTML site's pages are, below `base_url`: shared by the pages,
//! which link to each other, and the search index, which links to them.

use crate::model::{self, Runbook};

/// Folder of the HTML site inside the output.
pub const DIR: &str = "html";

/// The site path of a runbook page.
pub fn runbook_path(rb: &Runbook) -> String {
    model::runbook_site_path(&rb.slug)
}

/// The site path of a route page.
pub fn route_path(route: &str) -> String {
    model::route_site_path(route)
}

/// The `number`th page (1-based) of a list at `first`: `first` itself,
/// then `first` + `page/<number>/`.
pub fn page_path(first: &str, number: usize) -> String {
    if number <= 1 {
        first.to_owned()
    } else {
        format!("{first}page/{number}/")
    }
}
