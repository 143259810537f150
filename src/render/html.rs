//! The static HTML site: a page per runbook and per GT route, the home page
//! with the compatibility matrix, the runbook index, 404 and sitemap,
//! rendered from minijinja templates. The built-in theme
//! (`themes/default/`) is compiled into the binary; a tree's
//! `themes/<site.theme>/` overrides any template or static file, and a
//! template may extend a built-in one (`{% extends "default/base.html" %}`)
//! to replace a single block.

use std::collections::BTreeMap;
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use minijinja::Environment;
use minijinja::value::Serde;
use rayon::prelude::*;
use serde::Serialize;

use super::context::{RenderContext, RenderError};
use super::markdown::{escape_html, to_html};
use super::renderer::Renderer;
use super::sink::Sink;
use super::{export, search};
use crate::model::{self, Book, RouteMapping, Runbook, SupportLevel, Term};

/// Folder of the HTML site inside the output.
pub const DIR: &str = "html";

static DEFAULT_THEME: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// What the pages may load: only this site's own files. Pagefind's search
/// runs WebAssembly in a worker, hence `'wasm-unsafe-eval'` and `worker-src`.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'";

/// Steps (minijinja fuel: about one per instruction, and one per 64 bytes
/// of data a template makes) one page's template may take. The largest
/// page of the built-in theme, the home page, takes 7,150 on the bundled
/// tree and 24,383 on 10,000 runbooks (lists are paged, so it hardly
/// grows); a theme's runaway loop stops here in about a second (debug
/// build) rather than hanging the build.
pub const TEMPLATE_FUEL: u64 = 5_000_000;

pub struct Html;

impl Renderer for Html {
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        render_selected(book, ctx, &Selection::All, &RowCache::off(), out).map(|_| ())
    }
}

/// Which pages to render.
pub enum Selection<'a> {
    /// The whole site, with its static files and sitemap.
    All,
    /// What an edit of these runbooks (by slug) can change: their pages, the
    /// home page and its matrix, the index pages and every route page.
    Affected(&'a [String]),
}

/// Renders the selected pages into `out`; returns how many.
pub fn render_selected(
    book: &Book,
    ctx: &RenderContext,
    selection: &Selection<'_>,
    rows: &RowCache,
    out: &dyn Sink,
) -> Result<usize, RenderError> {
    let theme = ThemeFiles::new(book.site.theme.as_ref());
    let env = theme.environment();
    let site = SiteCtx::new(book, ctx);
    let lists = Lists::new(book);
    let specs = specs(book, &lists, selection);
    // Each page's data is built on the thread that renders it, and the
    // page goes to the sink at once: nothing waits for the whole site.
    specs.par_iter().try_for_each(|spec| {
        let (file, html) = render_page(book, &theme, &env, &site, &lists, spec, rows)?;
        out.put(format!("{DIR}/{file}"), html.into_bytes())
    })?;
    if let Selection::All = selection {
        for (name, bytes) in theme.assets() {
            out.put(format!("{DIR}/static/{name}"), bytes.clone())?;
        }
        out.put(
            format!("{DIR}/sitemap.xml"),
            sitemap(book, &lists, &specs).into_bytes(),
        )?;
    }
    // Every row, whatever the selection: an edit of one runbook (its
    // title, a verdict) changes its row.
    out.put(format!("{DIR}/{MATRIX_DATA}"), matrix_data(book, &lists)?)?;
    Ok(specs.len())
}

/// One page: its file below `html/`, and its HTML.
fn render_page(
    book: &Book,
    theme: &ThemeFiles,
    env: &Environment<'static>,
    site: &SiteCtx,
    lists: &Lists<'_>,
    spec: &Spec<'_>,
    rows: &RowCache,
) -> Result<(String, String), RenderError> {
    let page = page(book, lists, spec, rows);
    let template = env
        .get_template(page.template)
        .map_err(|e| theme.error(e))?;
    let html = template
        .render(minijinja::context! { site => Serde(site), page => Serde(&page.meta), data => &page.data })
        .map_err(|e| theme.error(e))?;
    Ok((page.meta.file, html))
}

/// Renders the site's pages in memory, for `check`, so that it refuses
/// whatever `build` would: a theme's syntax errors, unknown templates and
/// blocks, filters that fail on some runbook's data, and loops past
/// [`TEMPLATE_FUEL`]. A tree that overrides templates gets every page (its
/// templates are its own code, and any runbook's data may trip them); the
/// built-in theme, which renders any valid book (the `render` fuzz target),
/// gets one page of each kind whatever the tree's size.
pub fn check_theme(book: &Book, ctx: &RenderContext) -> Result<(), RenderError> {
    let theme = ThemeFiles::new(book.site.theme.as_ref());
    let env = theme.environment();
    let site = SiteCtx::new(book, ctx);
    let lists = Lists::new(book);
    let samples = if theme.overrides.is_empty() {
        let mut samples = vec![Spec::Home, Spec::Runbooks(1), Spec::Routes, Spec::NotFound];
        samples.extend(book.runbooks.first().map(Spec::Runbook));
        samples.extend((!book.catalog.routes.is_empty()).then_some(Spec::Route(0, 1)));
        samples
    } else {
        specs(book, &lists, &Selection::All)
    };
    let rows = RowCache::off();
    // In a fixed order, so the first error reported is the same every run.
    samples
        .par_iter()
        .map(|spec| render_page(book, &theme, &env, &site, &lists, spec, &rows).map(|_| ()))
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The site path of a runbook page (below `base_url`).
pub fn runbook_path(rb: &Runbook) -> String {
    model::runbook_site_path(&rb.slug)
}

/// The site path of a route page (below `base_url`).
pub fn route_path(route: &str) -> String {
    model::route_site_path(route)
}

/// The built-in theme merged with a tree's overrides.
struct ThemeFiles {
    name: Option<String>,
    overrides: Arc<BTreeMap<String, String>>,
    builtin: Arc<BTreeMap<String, String>>,
    assets: BTreeMap<String, Vec<u8>>,
}

impl ThemeFiles {
    fn new(theme: Option<&model::Theme>) -> Self {
        let mut builtin = BTreeMap::new();
        let mut assets = BTreeMap::new();
        collect(&DEFAULT_THEME, &mut |path, bytes| {
            if let Some(name) = path.strip_prefix("templates/") {
                builtin.insert(
                    name.to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                );
            } else if let Some(name) = path.strip_prefix("static/") {
                assets.insert(name.to_string(), bytes.to_vec());
            }
        });
        let mut overrides = BTreeMap::new();
        if let Some(theme) = theme {
            overrides = theme.templates.clone();
            for (name, bytes) in &theme.assets {
                assets.insert(name.clone(), bytes.clone());
            }
        }
        ThemeFiles {
            name: theme.map(|t| t.name.clone()),
            overrides: Arc::new(overrides),
            builtin: Arc::new(builtin),
            assets,
        }
    }

    fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_fuel(Some(TEMPLATE_FUEL));
        let overrides = Arc::clone(&self.overrides);
        let builtin = Arc::clone(&self.builtin);
        env.set_loader(move |name| {
            if let Some(t) = overrides.get(name) {
                return Ok(Some(t.clone()));
            }
            let name = name.strip_prefix("default/").unwrap_or(name);
            Ok(builtin.get(name).cloned())
        });
        env.add_filter("url", url_filter);
        env.add_filter("href", href);
        // HTML escaping of the five characters that matter, so URLs read
        // `/docs/x/` rather than minijinja's `&#x2f;docs&#x2f;x&#x2f;`.
        env.set_formatter(|out, state, value| {
            let html = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
            match value.as_str() {
                Some(s) if html && !value.is_safe() => {
                    out.write_str(&escape_html(s)).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                    })
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        env
    }

    fn assets(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.assets.iter()
    }

    /// A template error, naming the file a person would open.
    fn error(&self, e: minijinja::Error) -> RenderError {
        let name = e.name().unwrap_or("?").to_string();
        let file = self.file_of(&name);
        if e.kind() == minijinja::ErrorKind::OutOfFuel {
            return RenderError::TemplateFuel {
                file,
                line: e.line(),
                budget: TEMPLATE_FUEL,
            };
        }
        RenderError::Template {
            file,
            line: e.line(),
            message: e
                .detail()
                .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind())),
        }
    }

    /// The file a person would open for a template's name.
    fn file_of(&self, name: &str) -> String {
        match &self.name {
            Some(theme) if self.overrides.contains_key(name) => {
                format!("themes/{theme}/templates/{name}")
            }
            _ => format!(
                "built-in theme: templates/{}",
                name.strip_prefix("default/").unwrap_or(name)
            ),
        }
    }
}

fn collect(dir: &Dir<'_>, f: &mut impl FnMut(&str, &[u8])) {
    for file in dir.files() {
        f(
            &file.path().to_string_lossy().replace('\\', "/"),
            file.contents(),
        );
    }
    for sub in dir.dirs() {
        collect(sub, f);
    }
}

/// `{{ "runbooks/"|url }}`: a site path with `base_url` in front.
fn url_filter(state: &minijinja::State<'_, '_>, path: &str) -> String {
    let base = state
        .lookup("site")
        .and_then(|s| s.get_attr("base_url").ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "/".into());
    format!("{base}{}", path.trim_start_matches('/'))
}

/// A render error that a theme's template caused, as a diagnostic at its
/// file and line (`None` for any other error). `check`, `build` and the
/// preview all report a template's errors through it.
pub fn render_diagnostic(
    root: &std::path::Path,
    book: &Book,
    error: &RenderError,
    sources: &mut crate::diagnostic::Sources,
) -> Option<crate::diagnostic::Diagnostic> {
    match error {
        RenderError::Template {
            file,
            line,
            message,
        } => Some(template_diagnostic(
            root,
            book,
            (file, *line, message),
            sources,
        )),
        RenderError::TemplateFuel { file, line, budget } => {
            let (shown, span) = template_place(root, book, file, *line, sources);
            Some(
                crate::diagnostic::Diagnostic::error(
                    "template-fuel",
                    format!(
                        "the template ran out of fuel: one page may take {budget} steps (instructions, and text made)"
                    ),
                )
                .in_file(shown, span)
                .with_hint(
                    "a loop here runs far too often, or makes far too much text (a large `range`, loops inside loops, text multiplied): the site's lists are paged, so a page never needs that much",
                ),
            )
        }
        _ => None,
    }
}

/// A template error as a diagnostic at its theme file and line; the
/// template's text joins `sources`, so the line can be shown.
fn template_diagnostic(
    root: &std::path::Path,
    book: &Book,
    (file, line, message): (&str, Option<usize>, &str),
    sources: &mut crate::diagnostic::Sources,
) -> crate::diagnostic::Diagnostic {
    let (shown, span) = template_place(root, book, file, line, sources);
    crate::diagnostic::Diagnostic::error("template", message).in_file(shown, span).with_hint(
        "a theme template can extend a built-in one block by block: {% extends \"default/runbook.html\" %}",
    )
}

/// Where a template's line is, as shown; the template's text joins
/// `sources`, so the line can be shown.
fn template_place(
    root: &std::path::Path,
    book: &Book,
    file: &str,
    line: Option<usize>,
    sources: &mut crate::diagnostic::Sources,
) -> (std::path::PathBuf, Option<crate::diagnostic::Span>) {
    use crate::diagnostic::Span;
    let shown = crate::load::display_path(root, file.as_ref());
    let text = book.site.theme.as_ref().and_then(|theme| {
        let name = file.strip_prefix(&format!("themes/{}/templates/", theme.name))?;
        theme.templates.get(name)
    });
    let span = match (line, text) {
        (Some(line), Some(text)) => {
            let start: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            sources.insert(shown.clone(), text.as_str().into());
            Some(Span::at(text, start, 0))
        }
        (Some(line), None) => Some(Span::new(u32::try_from(line).unwrap_or(u32::MAX), 1, 0, 0)),
        _ => None,
    };
    (shown, span)
}

/// `{{ link|href }}`: an outside URL made valid for an `href` attribute:
/// the characters URLs may not hold (space, quotes, `<>`, `\\`, `^`, `` ` ``,
/// `{|}`, controls) are percent-encoded; everything else is kept.
pub fn href(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        match c {
            ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// One page to render.
struct Page {
    template: &'static str,
    meta: PageMeta,
    data: minijinja::Value,
}

#[derive(Serialize)]
struct PageMeta {
    /// `home`, `runbooks`, `runbook`, `routes`, `route` or `404`.
    kind: &'static str,
    title: String,
    description: Option<String>,
    /// Site path below `base_url` (`runbooks/librechat/`).
    path: String,
    /// Output file below `html/`.
    file: String,
    /// `base_url` + path.
    url: String,
    /// Absolute URL, when `site.url` is set.
    canonical: Option<String>,
    /// In the sitemap.
    listed: bool,
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
            listed: kind != "404",
            path,
            file,
            url,
        }
    }
}

#[derive(Serialize)]
struct SiteCtx {
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
    /// The parts of the search index after the first, relative to its
    /// folder, for the browser to merge.
    search_parts: Vec<String>,
}

#[derive(Serialize)]
struct FilterCtx {
    name: &'static str,
    any_label: &'static str,
    /// Values are `group: value` (route verdicts), shown grouped.
    grouped: bool,
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
    fn new(book: &Book, ctx: &RenderContext) -> Self {
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
            search_filters: vec![
                FilterCtx {
                    name: search::FILTER_CATEGORY,
                    any_label: "Any",
                    grouped: false,
                },
                FilterCtx {
                    name: search::FILTER_COMPATIBILITY,
                    any_label: "Any",
                    grouped: false,
                },
                FilterCtx {
                    name: search::FILTER_KEY_PRESET,
                    any_label: "Any",
                    grouped: false,
                },
                FilterCtx {
                    name: search::FILTER_ROUTE,
                    any_label: "Any route, any verdict",
                    grouped: true,
                },
            ],
        }
    }
}

#[derive(Serialize, Clone)]
struct TermCtx {
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

/// How a verdict shows: never by colour alone.
#[derive(Serialize, Clone)]
struct Mark {
    /// Catalog verdict id, or `unknown`.
    verdict: String,
    /// `full`, `partial`, `none` or `unknown`.
    support: SupportLevel,
    symbol: &'static str,
    /// "Full support", ...
    support_label: &'static str,
}

fn mark(book: &Book, m: &RouteMapping) -> Mark {
    let support = book.support(m);
    let (symbol, support_label) = support_look(support);
    Mark {
        verdict: book.verdict_id(m).to_string(),
        support,
        symbol,
        support_label,
    }
}

fn support_look(support: SupportLevel) -> (&'static str, &'static str) {
    match support {
        SupportLevel::Full => ("✓", "Full support"),
        SupportLevel::Partial => ("◐", "Partial support"),
        SupportLevel::None => ("✕", "No support"),
        SupportLevel::Unknown => ("?", "Unknown"),
    }
}

#[derive(Serialize)]
struct Cell {
    route: String,
    #[serde(flatten)]
    mark: Mark,
}

/// A vocabulary term by id and label only (rows of the matrix have no
/// room, and no need, for descriptions).
#[derive(Serialize)]
struct TermRef {
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
struct GroupCtx {
    category: TermCtx,
    rows: Vec<minijinja::Value>,
}

#[derive(Serialize)]
struct CatalogCtx {
    routes: Vec<RouteCtx>,
    verdicts: Vec<VerdictCtx>,
    compatibility: Vec<TermCtx>,
    categories: Vec<TermCtx>,
    key_presets: Vec<TermCtx>,
}

#[derive(Serialize)]
struct RouteCtx {
    route: String,
    path: String,
    summary_html: Option<String>,
}

#[derive(Serialize)]
struct VerdictCtx {
    id: String,
    support: SupportLevel,
    symbol: &'static str,
    support_label: &'static str,
    description_html: Option<String>,
}

fn catalog_ctx(book: &Book) -> CatalogCtx {
    let c = &book.catalog;
    CatalogCtx {
        routes: c
            .routes
            .iter()
            .map(|r| RouteCtx {
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
                    support,
                    symbol,
                    support_label,
                    description_html: v.description.as_deref().map(to_html),
                }
            })
            .collect(),
        compatibility: c.compatibility.iter().map(TermCtx::from).collect(),
        categories: c.categories.iter().map(TermCtx::from).collect(),
        key_presets: c.key_presets.iter().map(TermCtx::from).collect(),
    }
}

/// A runbook's support over every route, for sorting by support.
fn score(book: &Book, rb: &Runbook) -> u32 {
    rb.routes
        .iter()
        .filter_map(|m| m.verdict)
        .filter_map(|v| SupportLevel::from(book.catalog.verdicts[v].support).rank())
        .map(u32::from)
        .sum()
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
            .map(|(r, m)| Cell {
                route: r.route.clone(),
                mark: mark(book, m),
            })
            .collect(),
    }
}

/// `runbooks` (in display order) grouped by category, in catalog order.
fn groups(book: &Book, runbooks: &[&Runbook], rows: &RowCache) -> Vec<GroupCtx> {
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
            g.rows.push(rows.row(book, rb));
        }
    }
    groups
}

/// The matrix rows of runbooks, kept between renders: `gtdocs serve`
/// renders the matrix after every edit, and only the edited runbooks'
/// rows change. Forget them (or clear the cache when the catalog or theme
/// changes) before rendering again.
#[derive(Default)]
pub struct RowCache {
    rows: std::sync::Mutex<std::collections::HashMap<String, minijinja::Value>>,
    /// A one-off build renders each row once or twice: keeping every row
    /// would only cost memory.
    off: bool,
}

impl RowCache {
    /// A cache that keeps nothing.
    pub fn off() -> Self {
        RowCache {
            off: true,
            ..RowCache::default()
        }
    }

    fn row(&self, book: &Book, rb: &Runbook) -> minijinja::Value {
        if self.off {
            return value(matrix_row(book, rb));
        }
        if let Ok(cache) = self.rows.lock()
            && let Some(row) = cache.get(&rb.slug)
        {
            return row.clone();
        }
        let row = value(matrix_row(book, rb));
        if let Ok(mut cache) = self.rows.lock() {
            cache.insert(rb.slug.clone(), row.clone());
        }
        row
    }

    /// Drops the rows of these runbooks.
    pub fn forget(&self, slugs: &[String]) {
        if let Ok(mut cache) = self.rows.lock() {
            for slug in slugs {
                cache.remove(slug);
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut cache) = self.rows.lock() {
            cache.clear();
        }
    }
}

#[derive(Serialize)]
struct RunbookCtx {
    slug: String,
    title: String,
    summary_html: String,
    summary_text: String,
    intro_html: String,
    compatibility: TermCtx,
    category: TermCtx,
    key_preset: TermCtx,
    evidence: Option<TermCtx>,
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
}

#[derive(Serialize)]
struct ConfigCtx {
    field_html: String,
    field_text: String,
    value: String,
}

#[derive(Serialize)]
struct RouteRowCtx {
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

fn runbook_ctx(book: &Book, rb: &Runbook) -> RunbookCtx {
    let c = &book.catalog;
    let source = rb.source.to_string_lossy().replace('\\', "/");
    RunbookCtx {
        slug: rb.slug.clone(),
        title: rb.title.clone(),
        summary_html: to_html(&rb.summary),
        summary_text: super::markdown::to_plain(&rb.summary),
        intro_html: to_html(&rb.intro),
        compatibility: (&c.compatibility[rb.compatibility]).into(),
        category: (&c.categories[rb.category]).into(),
        key_preset: (&c.key_presets[rb.key_preset]).into(),
        evidence: rb.evidence.map(|e| (&c.evidence[e]).into()),
        docs: rb.docs.clone(),
        config: rb
            .config
            .iter()
            .map(|f| ConfigCtx {
                field_html: to_html(&f.field),
                field_text: super::markdown::to_plain(&f.field),
                value: f.value.clone(),
            })
            .collect(),
        routes: c
            .routes
            .iter()
            .zip(&rb.routes)
            .map(|(r, m)| RouteRowCtx {
                route: r.route.clone(),
                path: route_path(&r.route),
                mark: mark(book, m),
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
        export: export::plain_export(book, rb),
    }
}

#[derive(Serialize)]
struct RoutePageCtx {
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
    verdict: String,
    integration_html: Option<String>,
}

fn route_ctx(book: &Book, lists: &Lists<'_>, index: usize, number: usize) -> RoutePageCtx {
    let route = &book.catalog.routes[index];
    let all = &lists.by_support[index];
    let support_of = |rb: &Runbook| book.support(&rb.routes[index]);
    let first_page = route_path(&route.route);
    let tally = SupportLevel::ALL
        .into_iter()
        .filter_map(|support| {
            let first = all.iter().position(|r| support_of(r) == support)?;
            let count = all.iter().filter(|r| support_of(r) == support).count();
            let (symbol, support_label) = support_look(support);
            Some(TallyCtx {
                support,
                symbol,
                support_label,
                count,
                path: page_path(&first_page, first / PAGE_SIZE + 1),
            })
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
                integration_html: rb.routes[index].integration.as_deref().map(to_html),
            });
        }
    }
    RoutePageCtx {
        route: route.route.clone(),
        summary_html: route.summary.as_deref().map(to_html),
        tally,
        groups,
        pager: Pager::new(&first_page, number, all.len()),
    }
}

fn value(data: impl Serialize) -> minijinja::Value {
    minijinja::Value::from(Serde(data))
}

/// Items on one page of a list (the runbooks index, a route's clients,
/// the home matrix): no page grows with the number of runbooks. Whatever
/// needs every runbook at once (filtering and sorting the matrix) loads
/// [`MATRIX_DATA`], once.
pub const PAGE_SIZE: usize = 100;

/// Every runbook's matrix row, for the matrix's filters and sorting.
pub const MATRIX_DATA: &str = "matrix.json";

/// The orders every page shares, computed once per render.
struct Lists<'a> {
    /// Display order: category, weight, title.
    ordered: Vec<&'a Runbook>,
    /// Per route: `ordered`, grouped by support level (full, partial,
    /// none, unknown).
    by_support: Vec<Vec<&'a Runbook>>,
}

impl<'a> Lists<'a> {
    fn new(book: &'a Book) -> Self {
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
fn page_count(n: usize) -> usize {
    n.div_ceil(PAGE_SIZE).max(1)
}

/// The `number`th page (1-based) of a list at `first`: `first` itself,
/// then `first` + `page/<number>/`.
fn page_path(first: &str, number: usize) -> String {
    if number <= 1 {
        first.to_owned()
    } else {
        format!("{first}page/{number}/")
    }
}

fn page_slice<T>(items: &[T], number: usize) -> &[T] {
    let start = (number.saturating_sub(1) * PAGE_SIZE).min(items.len());
    &items[start..(start + PAGE_SIZE).min(items.len())]
}

/// A page of the site, before its data is built.
enum Spec<'a> {
    Home,
    /// A page of the runbooks index (1-based).
    Runbooks(usize),
    Routes,
    Runbook(&'a Runbook),
    /// A page of a route's clients: the route's index, the page (1-based).
    Route(usize, usize),
    NotFound,
}

/// The selected pages, in a fixed order.
fn specs<'a>(book: &'a Book, lists: &Lists<'_>, selection: &Selection<'_>) -> Vec<Spec<'a>> {
    let mut specs = vec![Spec::Home];
    specs.extend((1..=page_count(lists.ordered.len())).map(Spec::Runbooks));
    specs.push(Spec::Routes);
    specs.extend(
        book.runbooks
            .iter()
            .filter(|rb| match selection {
                Selection::All => true,
                Selection::Affected(slugs) => slugs.contains(&rb.slug),
            })
            .map(Spec::Runbook),
    );
    for (i, list) in lists.by_support.iter().enumerate() {
        specs.extend((1..=page_count(list.len())).map(|k| Spec::Route(i, k)));
    }
    if let Selection::All = selection {
        specs.push(Spec::NotFound);
    }
    specs
}

/// Links between the pages of a list.
#[derive(Serialize)]
struct Pager {
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
    fn new(first: &str, number: usize, total: usize) -> Pager {
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

fn meta(book: &Book, spec: &Spec<'_>) -> PageMeta {
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
            meta.description = Some(super::markdown::to_plain(&rb.summary));
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
            meta.description = route.summary.as_deref().map(super::markdown::to_plain);
            meta
        }
        Spec::NotFound => PageMeta::new(book, "404", "Page not found".into(), "404.html".into()),
    }
}

fn page(book: &Book, lists: &Lists<'_>, spec: &Spec<'_>, rows: &RowCache) -> Page {
    let (template, data) = match spec {
        Spec::Home => {
            let shown = page_slice(&lists.ordered, 1);
            (
                "home.html",
                value(minijinja::context! {
                    catalog => value(catalog_ctx(book)),
                    groups => value(groups(book, shown, rows)),
                    shown => shown.len(),
                    total => lists.ordered.len(),
                    matrix_data => MATRIX_DATA,
                }),
            )
        }
        Spec::Runbooks(k) => (
            "runbooks.html",
            value(minijinja::context! {
                groups => value(groups(book, page_slice(&lists.ordered, *k), rows)),
                pager => value(Pager::new("runbooks/", *k, lists.ordered.len())),
            }),
        ),
        Spec::Routes => (
            "routes.html",
            value(minijinja::context! { catalog => value(catalog_ctx(book)) }),
        ),
        Spec::Runbook(rb) => ("runbook.html", value(runbook_ctx(book, rb))),
        Spec::Route(i, k) => ("route.html", value(route_ctx(book, lists, *i, *k))),
        Spec::NotFound => ("404.html", minijinja::Value::UNDEFINED),
    };
    Page {
        template,
        meta: meta(book, spec),
        data,
    }
}

fn sitemap(book: &Book, _lists: &Lists<'_>, specs: &[Spec<'_>]) -> String {
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

/// [`MATRIX_DATA`]: every runbook's matrix row in display order, compact:
/// `[title, path, category, compatibility, key preset, score, cells]`, the
/// terms as indexes into the lists beside the rows, each cell a verdict's
/// index (`-1`: unknown).
fn matrix_data(book: &Book, lists: &Lists<'_>) -> Result<Vec<u8>, RenderError> {
    let c = &book.catalog;
    let terms = |list: &[crate::model::Term]| -> Vec<[String; 2]> {
        list.iter()
            .map(|t| [t.id.clone(), t.label.clone()])
            .collect()
    };
    let rows: Vec<serde_json::Value> = lists
        .ordered
        .iter()
        .map(|rb| {
            let cells: Vec<i64> = rb
                .routes
                .iter()
                .map(|m| m.verdict.map_or(-1, |v| v as i64))
                .collect();
            serde_json::json!([
                rb.title,
                runbook_path(rb),
                rb.category,
                rb.compatibility,
                rb.key_preset,
                score(book, rb),
                cells
            ])
        })
        .collect();
    let verdicts: Vec<serde_json::Value> = c
        .verdicts
        .iter()
        .map(|v| {
            let support = SupportLevel::from(v.support);
            let (symbol, _) = support_look(support);
            serde_json::json!({"id": v.id, "support": support, "symbol": symbol})
        })
        .collect();
    let data = serde_json::json!({
        "verdicts": verdicts,
        "categories": terms(&c.categories),
        "compatibility": terms(&c.compatibility),
        "key_presets": terms(&c.key_presets),
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec(&data)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuel every page of `book` takes, most first.
    fn fuel_per_page(book: &Book, ctx: &RenderContext) -> Vec<(u64, String)> {
        let theme = ThemeFiles::new(book.site.theme.as_ref());
        let env = theme.environment();
        let site = SiteCtx::new(book, ctx);
        let lists = Lists::new(book);
        let rows = RowCache::off();
        let mut used: Vec<(u64, String)> = specs(book, &lists, &Selection::All)
            .par_iter()
            .map(|spec| {
                let page = page(book, &lists, spec, &rows);
                let template = env.get_template(page.template).expect("template");
                let captured = template
                    .render_captured(minijinja::context! { site => Serde(&site), page => Serde(&page.meta), data => &page.data })
                    .expect("render");
                let (consumed, _) = captured.state().fuel_levels().expect("fuel is on");
                (consumed, page.meta.file)
            })
            .collect();
        used.sort_by(|a, b| b.cmp(a));
        used
    }

    /// The budget is far above what the bundled theme needs: the largest
    /// page of the bundled tree (or of the tree at GTDOCS_FUEL_TREE, e.g.
    /// one from `scripts/bench/corpus.py`) takes under 1% of it.
    #[test]
    fn the_largest_page_takes_a_small_part_of_the_fuel() {
        let (book, ctx) = match std::env::var_os("GTDOCS_FUEL_TREE") {
            Some(root) => {
                let book = crate::site::compile::compile(std::path::Path::new(&root))
                    .ok()
                    .and_then(|c| c.book)
                    .expect("the tree validates");
                (book, RenderContext::from_env().expect("context"))
            }
            None => crate::render::renderer::tests::bundled(),
        };
        let used = fuel_per_page(&book, &ctx);
        let (most, file) = &used[0];
        eprintln!(
            "{} pages; most fuel: {most} ({file}); budget {TEMPLATE_FUEL}",
            used.len()
        );
        assert!(*most * 100 < TEMPLATE_FUEL, "{file} takes {most}");
    }
}
