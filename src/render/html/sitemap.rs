//! `sitemap.xml`: every listed page.

use super::pages::{Spec, meta};
use crate::markdown::escape_html;
use crate::model::Book;

/// The sitemap of the pages in `specs`.
pub(super) fn sitemap(book: &Book, specs: &[Spec<'_>]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for meta in specs
        .iter()
        .map(|spec| meta(book, spec))
        .filter(|m| m.listed)
    {
        let loc = match &book.site.url {
            Some(origin) => format!("{origin}{}", meta.url),
            None => meta.url.clone(),
        };
        xml.push_str(&format!("  <url><loc>{}</loc></url>\n", escape_html(&loc)));
    }
    xml.push_str("</urlset>\n");
    xml
}
