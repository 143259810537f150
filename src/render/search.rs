//! The search index of the HTML site, built at build time with Pagefind's
//! Rust API. Each runbook and route page is fed once, as a lean text record
//! (no HTML parsing), with filters for category, compatibility, key preset
//! and each route's verdict. The browser loads only Pagefind's own runtime
//! (`pagefind.js`, its worker and WebAssembly) and the index chunks it needs.

use std::collections::BTreeMap;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::html::{self, route_path, runbook_path};
use super::markdown::to_plain;
use super::{Output, RenderContext, RenderError, Renderer};
use crate::model::{Book, Runbook};

/// Folder of the index inside the HTML site.
pub const DIR: &str = "pagefind";

/// Pagefind's bundled user interfaces: the site has its own, so they are
/// not published.
const UNUSED: [&str; 7] = [
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

/// Filter names, as the search page shows them.
pub const FILTER_CATEGORY: &str = "Category";
pub const FILTER_COMPATIBILITY: &str = "Compatibility";
pub const FILTER_KEY_PRESET: &str = "Key preset";
pub const FILTER_ROUTE: &str = "Route verdict";
pub const FILTER_KIND: &str = "Page";

pub struct Search;

/// One page's entry in the index.
struct Record {
    /// The page's site path. Pagefind's browser code puts the folder above
    /// `pagefind/` (that is, `base_url`) in front of it.
    url: String,
    content: String,
    meta: BTreeMap<String, String>,
    filters: BTreeMap<String, Vec<String>>,
}

impl Renderer for Search {
    fn name(&self) -> &'static str {
        "search"
    }

    fn render(
        &self,
        book: &Book,
        _ctx: &RenderContext,
        out: &mut Output,
    ) -> Result<(), RenderError> {
        let records = records(book);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| RenderError::Search(e.to_string()))?;
        let files = runtime.block_on(async {
            let config = PagefindServiceConfig::builder()
                .force_language("en".to_string())
                .build();
            let mut index =
                PagefindIndex::new(Some(config)).map_err(|e| RenderError::Search(e.to_string()))?;
            for r in records {
                index
                    .add_custom_record(
                        r.url,
                        r.content,
                        "en".into(),
                        Some(r.meta),
                        Some(r.filters),
                        None,
                    )
                    .await
                    .map_err(|e| RenderError::Search(e.to_string()))?;
            }
            index
                .get_files()
                .await
                .map_err(|e| RenderError::Search(e.to_string()))
        })?;
        for file in files {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            if UNUSED.contains(&name.as_str()) {
                continue;
            }
            out.add(format!("{}/{DIR}/{name}", html::DIR), file.contents);
        }
        Ok(())
    }
}

fn push_plain(content: &mut String, text: &str) {
    if !content.is_empty() {
        content.push_str(". ");
    }
    content.push_str(&to_plain(text));
}

/// ` (verdict): note` after a route or a client's name.
fn push_verdict(content: &mut String, book: &Book, m: &crate::model::RouteMapping) {
    content.push_str(" (");
    content.push_str(book.verdict_id(m));
    content.push(')');
    if let Some(note) = &m.integration {
        content.push_str(": ");
        content.push_str(&to_plain(note));
    }
}

fn runbook_record(book: &Book, rb: &Runbook) -> Record {
    let c = &book.catalog;
    let mut content = String::with_capacity(4096);
    push_plain(&mut content, &rb.title);
    push_plain(&mut content, &rb.summary);
    push_plain(&mut content, &rb.intro);
    for f in &rb.config {
        push_plain(&mut content, &f.field);
        content.push_str(": ");
        content.push_str(&f.value);
    }
    for (route, m) in c.routes.iter().zip(&rb.routes) {
        content.push_str(". ");
        content.push_str(&route.route);
        push_verdict(&mut content, book, m);
    }
    for list in [
        &rb.not_supported,
        &rb.prerequisites,
        &rb.setup,
        &rb.caveats,
        &rb.checklist,
    ] {
        for item in list {
            push_plain(&mut content, item);
        }
    }
    for cell in [
        &rb.matrix.subtitle,
        &rb.matrix.chat,
        &rb.matrix.files,
        &rb.matrix.persistence,
    ]
    .into_iter()
    .flatten()
    {
        push_plain(&mut content, cell);
    }
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), rb.title.clone());
    meta.insert("kind".to_string(), "Runbook".to_string());
    meta.insert(
        "category".to_string(),
        c.categories[rb.category].label.clone(),
    );
    let mut filters = BTreeMap::new();
    filters.insert(FILTER_KIND.to_string(), vec!["Runbook".to_string()]);
    filters.insert(
        FILTER_CATEGORY.to_string(),
        vec![c.categories[rb.category].label.clone()],
    );
    filters.insert(
        FILTER_COMPATIBILITY.to_string(),
        vec![c.compatibility[rb.compatibility].label.clone()],
    );
    filters.insert(
        FILTER_KEY_PRESET.to_string(),
        vec![c.key_presets[rb.key_preset].label.clone()],
    );
    filters.insert(
        FILTER_ROUTE.to_string(),
        c.routes
            .iter()
            .zip(&rb.routes)
            .map(|(route, m)| format!("{}: {}", route.route, book.verdict_id(m)))
            .collect(),
    );
    Record {
        url: format!("/{}", runbook_path(rb)),
        content,
        meta,
        filters,
    }
}

fn route_record(book: &Book, index: usize) -> Record {
    let route = &book.catalog.routes[index];
    let mut content = String::with_capacity(2048);
    content.push_str(&route.route);
    if let Some(summary) = &route.summary {
        push_plain(&mut content, summary);
    }
    for rb in book.ordered() {
        push_plain(&mut content, &rb.title);
        push_verdict(&mut content, book, &rb.routes[index]);
    }
    let mut meta = BTreeMap::new();
    meta.insert("title".to_string(), route.route.clone());
    meta.insert("kind".to_string(), "Route".to_string());
    let mut filters = BTreeMap::new();
    filters.insert(FILTER_KIND.to_string(), vec!["Route".to_string()]);
    Record {
        url: format!("/{}", route_path(&route.route)),
        content,
        meta,
        filters,
    }
}

fn records(book: &Book) -> Vec<Record> {
    let mut records: Vec<Record> = book
        .runbooks
        .iter()
        .map(|rb| runbook_record(book, rb))
        .collect();
    records.extend((0..book.catalog.routes.len()).map(|i| route_record(book, i)));
    records
}
