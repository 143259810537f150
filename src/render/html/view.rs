//! What the templates see, shared by every page: the site (`site`), the
//! catalog, vocabulary terms and how a verdict shows.

use minijinja::value::Serde;
use serde::Serialize;

use crate::markdown::to_html;
use crate::model::{
    self, Book, RouteMapping, Runbook, SupportLevel, Term, UNKNOWN_LABEL, Verification,
};
use crate::render::context::RenderContext;
use crate::render::paths::route_path;
use crate::render::search;

/// What the pages may load: only this site's own files. Pagefind's search
/// runs WebAssembly in a worker, hence `'wasm-unsafe-eval'` and `worker-src`.
const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'";

/// `site` in every template.
#[derive(Serialize)]
pub(super) struct SiteCtx {
    title: String,
    description: Option<String>,
    base_url: String,
    url: Option<String>,
    repository: Option<String>,
    /// The manifest's site path (below `base_url`).
    manifest: String,
    /// The manifest's JSON Schema's site path.
    manifest_schema: String,
    generator: String,
    version: String,
    csp: &'static str,
    counts: Counts,
    routes: Vec<RouteLink>,
    /// The search index's filters, in the order the search panel shows them.
    search_filters: Vec<FilterCtx>,
    /// `{id: label}` of every verdict and `unknown`, as JSON: the route
    /// verdict filter's values hold ids, its options show the words.
    verdict_labels: String,
    /// The parts of the search index after the first, relative to its
    /// folder, for the browser to merge.
    search_parts: Vec<String>,
    /// The changes page and its feed, when the build read the history.
    changes: Option<ChangesLinks>,
}

#[derive(Serialize)]
struct ChangesLinks {
    page: &'static str,
    feed: &'static str,
}

#[derive(Serialize)]
struct FilterCtx {
    name: &'static str,
    /// Its key in the page's address. Every search key starts with `q`, so
    /// none is one of the matrix's (`category`, `route`, `support`, ...),
    /// and both views share the home page's address.
    param: &'static str,
    any_label: &'static str,
    /// Values are `group: value` (route verdicts), shown grouped.
    grouped: bool,
    /// `[[id, value], ...]` as JSON, in catalog order: the address holds
    /// the catalog id, the index the label (`[[route id, route], ...]` for
    /// the grouped filter, whose address form is `<route id>:<verdict id>`),
    /// so that a shared link survives a label's rewording.
    ids: String,
}

#[derive(Serialize)]
struct Counts {
    runbooks: usize,
    routes: usize,
    categories: usize,
}

#[derive(Serialize)]
struct RouteLink {
    route: String,
    path: String,
}

impl SiteCtx {
    pub(super) fn new(book: &Book, ctx: &RenderContext) -> Self {
        SiteCtx {
            title: book.site.title.clone(),
            description: book.site.description.clone(),
            base_url: book.site.base_url.clone(),
            url: book.site.url.clone(),
            repository: book.site.repository.clone(),
            manifest: model::manifest_path(),
            manifest_schema: format!(
                "{}/schema/{}",
                model::JSON_DIR,
                crate::schema::SchemaKind::Manifest.file_name()
            ),
            generator: ctx.generator_name.to_string(),
            version: ctx.generator_version.to_string(),
            csp: CSP,
            counts: Counts {
                runbooks: book.runbooks.len(),
                routes: book.catalog.routes.len(),
                categories: book.by_category().len(),
            },
            routes: book
                .catalog
                .routes
                .iter()
                .map(|r| RouteLink {
                    route: r.route.clone(),
                    path: route_path(&r.route),
                })
                .collect(),
            search_parts: search::extra_parts(book, ctx),
            verdict_labels: serde_json::Value::Object(
                book.catalog
                    .verdicts
                    .iter()
                    .map(|v| (v.id.clone(), v.label.clone().into()))
                    .chain([(model::UNKNOWN.to_string(), UNKNOWN_LABEL.into())])
                    .collect(),
            )
            .to_string(),
            changes: book.history.as_ref().map(|_| ChangesLinks {
                page: model::CHANGES_SITE_PATH,
                feed: model::CHANGES_FEED_PATH,
            }),
            search_filters: vec![
                FilterCtx {
                    name: search::FILTER_CATEGORY,
                    param: "q-category",
                    any_label: "Any",
                    grouped: false,
                    ids: id_pairs(book.catalog.categories.iter().map(|t| (&t.id, &t.label))),
                },
                FilterCtx {
                    name: search::FILTER_COMPATIBILITY,
                    param: "q-compatibility",
                    any_label: "Any",
                    grouped: false,
                    ids: id_pairs(book.catalog.compatibility.iter().map(|t| (&t.id, &t.label))),
                },
                FilterCtx {
                    name: search::FILTER_KEY_PRESET,
                    param: "q-key-preset",
                    any_label: "Any",
                    grouped: false,
                    ids: id_pairs(book.catalog.key_presets.iter().map(|t| (&t.id, &t.label))),
                },
                FilterCtx {
                    name: search::FILTER_ROUTE,
                    param: "q-route-verdict",
                    any_label: "Any route, any verdict",
                    grouped: true,
                    ids: id_pairs(book.catalog.routes.iter().map(|r| (&r.id, &r.route))),
                },
            ],
        }
    }
}

/// `[[id, value], ...]` as JSON: pairs, not an object, to keep their
/// order whatever the ids look like.
fn id_pairs<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    serde_json::Value::Array(
        pairs
            .map(|(id, value)| serde_json::json!([id, value]))
            .collect(),
    )
    .to_string()
}

#[derive(Serialize, Clone)]
pub(super) struct TermCtx {
    id: String,
    label: String,
    description_html: Option<String>,
}

impl From<&Term> for TermCtx {
    fn from(t: &Term) -> Self {
        TermCtx {
            id: t.id.clone(),
            label: t.label.clone(),
            description_html: t.description.as_deref().map(to_html),
        }
    }
}

/// A verdict in words: its catalog label, or [`UNKNOWN_LABEL`].
pub(super) fn verdict_label<'a>(book: &'a Book, m: &RouteMapping) -> &'a str {
    m.verdict
        .map_or(UNKNOWN_LABEL, |v| book.catalog.verdicts[v].label.as_str())
}

/// How a verdict shows: never by colour alone, and in words.
#[derive(Serialize, Clone)]
pub(super) struct Mark {
    /// Catalog verdict id, or `unknown`: for data attributes.
    verdict: String,
    /// What the page says: the verdict's label ("Native"), or "Unknown".
    label: String,
    /// `full`, `partial`, `none` or `unknown`.
    support: SupportLevel,
    symbol: &'static str,
    /// "Full support", ...
    support_label: &'static str,
    /// What is known of when the verdict was checked (the route's own
    /// fields, then its runbook's).
    verified: Option<VerifiedCtx>,
    /// The route has a verification of its own, not only its runbook's.
    verified_own: bool,
    /// What a probe of the client found for the route ("Tested with ...").
    tested: Option<String>,
}

/// How `rb`'s verdict for catalog route `index` is shown.
pub(super) fn mark(book: &Book, rb: &Runbook, index: usize) -> Mark {
    let m = &rb.routes[index];
    let support = book.support(m);
    let (symbol, support_label) = support_look(support);
    Mark {
        verdict: book.verdict_id(m).to_string(),
        label: verdict_label(book, m).to_string(),
        support,
        symbol,
        support_label,
        verified: book.verification(rb, m).map(|v| verified_ctx(book, &v)),
        verified_own: m.verified.is_some(),
        tested: rb.tested.as_ref().and_then(|t| t.line(index)),
    }
}

/// A verification as the pages show it: its parts, whether it is stale,
/// and one line of text saying all of it (for a tooltip or a reader).
#[derive(Serialize, Clone)]
pub(super) struct VerifiedCtx {
    date: Option<String>,
    client_version: Option<String>,
    gt_version: Option<String>,
    evidence: Option<String>,
    link: Option<String>,
    stale: bool,
    /// The day it went stale, when it is.
    stale_since: Option<String>,
    text: String,
}

pub(super) fn verified_ctx(book: &Book, v: &Verification) -> VerifiedCtx {
    let evidence = v.evidence.map(|e| book.catalog.evidence[e].label.clone());
    VerifiedCtx {
        date: v.date.map(|d| d.to_string()),
        client_version: v.client_version.clone(),
        gt_version: v.gt_version.clone(),
        evidence,
        link: v.link.clone(),
        stale: book.is_stale(v),
        stale_since: book.stale_since(v).map(|d| d.to_string()),
        text: book.verification_text(v),
    }
}

pub(super) fn support_look(support: SupportLevel) -> (&'static str, &'static str) {
    let symbol = match support {
        SupportLevel::Full => "✓",
        SupportLevel::Partial => "◐",
        SupportLevel::None => "✕",
        SupportLevel::Unknown => "?",
    };
    (symbol, support.label())
}

/// A vocabulary term by id and label only (rows of the matrix have no
/// room, and no need, for descriptions).
#[derive(Serialize)]
pub(super) struct TermRef {
    id: String,
    label: String,
}

impl From<&Term> for TermRef {
    fn from(t: &Term) -> Self {
        TermRef {
            id: t.id.clone(),
            label: t.label.clone(),
        }
    }
}

#[derive(Serialize)]
pub(super) struct CatalogCtx {
    routes: Vec<RouteCtx>,
    verdicts: Vec<VerdictCtx>,
    /// Every support level, for the matrix's "route R has support S".
    supports: Vec<SupportCtx>,
    compatibility: Vec<TermCtx>,
    categories: Vec<TermCtx>,
    key_presets: Vec<TermCtx>,
}

#[derive(Serialize)]
struct RouteCtx {
    /// The route's stable id: its page, its rows' anchors, the matrix's
    /// `route` filter.
    id: String,
    route: String,
    path: String,
    summary_html: Option<String>,
}

#[derive(Serialize)]
struct VerdictCtx {
    id: String,
    label: String,
    support: SupportLevel,
    symbol: &'static str,
    support_label: &'static str,
    description_html: Option<String>,
}

#[derive(Serialize)]
struct SupportCtx {
    support: SupportLevel,
    support_label: &'static str,
}

pub(super) fn catalog_ctx(book: &Book) -> CatalogCtx {
    let c = &book.catalog;
    CatalogCtx {
        routes: c
            .routes
            .iter()
            .map(|r| RouteCtx {
                id: r.id.clone(),
                route: r.route.clone(),
                path: route_path(&r.route),
                summary_html: r.summary.as_deref().map(to_html),
            })
            .collect(),
        verdicts: c
            .verdicts
            .iter()
            .map(|v| {
                let support = SupportLevel::from(v.support);
                let (symbol, support_label) = support_look(support);
                VerdictCtx {
                    id: v.id.clone(),
                    label: v.label.clone(),
                    support,
                    symbol,
                    support_label,
                    description_html: v.description.as_deref().map(to_html),
                }
            })
            .collect(),
        supports: SupportLevel::ALL
            .into_iter()
            .map(|support| SupportCtx {
                support,
                support_label: support_look(support).1,
            })
            .collect(),
        compatibility: c.compatibility.iter().map(TermCtx::from).collect(),
        categories: c.categories.iter().map(TermCtx::from).collect(),
        key_presets: c.key_presets.iter().map(TermCtx::from).collect(),
    }
}

/// A runbook's support over every route, for sorting by support.
pub(super) fn score(book: &Book, rb: &Runbook) -> u32 {
    rb.routes
        .iter()
        .filter_map(|m| m.verdict)
        .filter_map(|v| SupportLevel::from(book.catalog.verdicts[v].support).rank())
        .map(u32::from)
        .sum()
}

/// A view model as a template value.
pub(super) fn value(data: impl Serialize) -> minijinja::Value {
    minijinja::Value::from(Serde(data))
}
