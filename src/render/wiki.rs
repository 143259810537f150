//! GitHub wiki pages: one per runbook in the published layout, the index,
//! the compatibility matrix, `Home.md`, `_Sidebar.md` and `_Footer.md`.
//! Links use the wiki form `[Text](Page-Name)`.

use std::fmt::Write as _;

use super::context::{RenderContext, RenderError};
use super::renderer::Renderer;
use super::sink::Sink;
use crate::markdown::{self, Place, code, inline};
use crate::model::{
    Book, PageSetting, Runbook, SidebarSetting, SupportLevel, Term, UNKNOWN, Verification,
    WIKI_HOME_PAGE, wiki_page_file,
};

pub struct Wiki;

/// Folder of the wiki pages inside the output.
pub const DIR: &str = "wiki";

impl Renderer for Wiki {
    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
        use rayon::prelude::*;
        book.runbooks.par_iter().try_for_each(|rb| {
            let key = ctx.keys.as_ref().and_then(|k| k.runbook(book, rb, "wiki"));
            out.unit(key, &mut |out| {
                out.put(
                    format!("{DIR}/{}", wiki_page_file(&book.wiki_page(rb))),
                    runbook_page(book, rb).into_bytes(),
                )
            })
        })?;
        // The pages that list every runbook, and the wiki's own: a unit
        // that an edit of a runbook's body keeps.
        let key = ctx.keys.as_ref().map(|k| k.summaries("wiki", &()));
        out.unit(key, &mut |out| shared_pages(book, ctx, out))
    }
}

/// The index, matrix, changes, home, sidebar and footer pages, and the
/// settings `publish-wiki` reads.
fn shared_pages(book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError> {
    out.put(
        format!("{DIR}/{}", wiki_page_file(&book.wiki.index_page)),
        index_page(book).into_bytes(),
    )?;
    out.put(
        format!("{DIR}/{}", wiki_page_file(&book.wiki.matrix_page)),
        matrix_page(book).into_bytes(),
    )?;
    if let Some(history) = &book.history {
        out.put(
            format!("{DIR}/{}", wiki_page_file(&book.wiki.changes_page)),
            super::wiki_changes::changes_page(book, history).into_bytes(),
        )?;
    }
    let w = &book.wiki;
    if w.home != PageSetting::None {
        out.put(
            format!("{DIR}/{}", wiki_page_file(WIKI_HOME_PAGE)),
            home_page(book).into_bytes(),
        )?;
    }
    if matches!(w.sidebar, SidebarSetting::Auto | SidebarSetting::Own) {
        out.put(format!("{DIR}/{SIDEBAR}"), sidebar(book).into_bytes())?;
    }
    if w.footer != PageSetting::None {
        out.put(format!("{DIR}/{FOOTER}"), footer(book, ctx).into_bytes())?;
    }
    let settings = PublishSettings {
        generator: "gtdocs".into(),
        home: w.home,
        sidebar: w.sidebar,
        footer: w.footer,
        sidebar_section: (w.sidebar == SidebarSetting::Section).then(|| sidebar_section(book)),
    };
    let mut json = serde_json::to_vec_pretty(&settings)?;
    json.push(b'\n');
    out.put(format!("{DIR}/{SETTINGS_FILE}"), json)
}

/// The wiki's home page (`WIKI_HOME_PAGE`'s file).
pub const HOME: &str = "Home.md";
/// The wiki's sidebar page.
pub const SIDEBAR: &str = "_Sidebar.md";
/// The wiki's footer page.
pub const FOOTER: &str = "_Footer.md";

/// What `publish-wiki` needs beyond the pages, in `wiki/.gtdocs/publish.json`
/// (hidden, so a copy of `wiki/*` into a wiki leaves it out): who writes
/// the wiki's own pages, and the sidebar block.
pub const SETTINGS_FILE: &str = ".gtdocs/publish.json";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PublishSettings {
    pub generator: String,
    pub home: PageSetting,
    pub sidebar: SidebarSetting,
    pub footer: PageSetting,
    /// With `sidebar: section`: the block, its marker lines included.
    #[serde(default)]
    pub sidebar_section: Option<String>,
}

/// The first line of gtdocs' block in a sidebar someone else wrote (an
/// HTML comment: GitHub shows nothing of it).
pub const SECTION_BEGIN: &str = "<!-- gtdocs:begin";
/// The last line of the block.
pub const SECTION_END: &str = "<!-- gtdocs:end -->";

/// Lines, each ending with a newline: one buffer, so a large page (the
/// matrix of 10,000 runbooks, 10 MB) is never held twice.
struct Page(String);

impl Page {
    fn new() -> Self {
        Page(String::with_capacity(8 * 1024))
    }
    fn line(&mut self, s: impl AsRef<str>) -> &mut Self {
        self.0.push_str(s.as_ref());
        self.0.push('\n');
        self
    }
    fn blank(&mut self) -> &mut Self {
        self.line("")
    }
    fn heading(&mut self, s: &str) -> &mut Self {
        self.line(s).blank()
    }
    fn bullets<'a>(&mut self, items: impl IntoIterator<Item = &'a String>) -> &mut Self {
        for item in items {
            self.line(format!("- {}", inline(item, Place::LineStart)));
        }
        self
    }
    fn finish(self) -> String {
        self.0
    }
}

fn link(text: &str, page: &str) -> String {
    markdown::link(text, page, Place::Inline)
}

fn cell(text: Option<&str>) -> String {
    match text {
        Some(t) if !t.trim().is_empty() => inline(t, Place::Cell),
        _ => "—".into(),
    }
}

/// One runbook page, in the layout of the published GT wiki.
fn runbook_page(book: &Book, rb: &Runbook) -> String {
    let c = &book.catalog;
    let compat = &c.compatibility[rb.compatibility].label;
    let category = &c.categories[rb.category].label;
    let preset = &c.key_presets[rb.key_preset].label;
    let mut p = Page::new();
    p.heading("## Start Here");
    p.line(format!(
        "{} Recommended preset: **{}**.",
        inline(&rb.summary, Place::LineStart),
        inline(preset, Place::Inline)
    ))
    .blank();
    p.heading("## Why this matters");
    p.line(inline(&rb.intro, Place::LineStart)).blank();
    p.heading("## Details");
    p.line(format!(
        "**Compatibility:** {} · **Category:** {}",
        inline(compat, Place::Inline),
        inline(category, Place::Inline)
    ))
    .blank();
    p.heading("### Official documentation");
    for url in &rb.docs {
        p.line(format!("- {}", markdown::verbatim(url, Place::LineStart)));
    }
    p.blank().heading("### Configuration fields");
    for f in &rb.config {
        p.line(format!(
            "- **{}:** {}",
            inline(&f.field, Place::Inline),
            code(&f.value, Place::Inline)
        ));
    }
    p.blank().heading("### GT route mapping");
    p.line("| GT route | Verdict | Client integration |")
        .line("| --- | --- | --- |");
    for (route, mapping) in c.routes.iter().zip(&rb.routes) {
        p.line(format!(
            "| {} | {} | {} |",
            code(&route.route, Place::Cell),
            inline(book.verdict_id(mapping), Place::Cell),
            match &mapping.integration {
                Some(note) => inline(note, Place::Cell),
                None if mapping.verdict.is_none() => "_Not documented in this runbook._".into(),
                None => String::new(),
            }
        ));
    }
    verification_lines(&mut p, book, rb);
    probe_lines(&mut p, book, rb);
    p.blank().heading("### Not supported in this product");
    if rb.not_supported.is_empty() {
        p.line("_None documented for this product._");
    } else {
        p.bullets(&rb.not_supported);
    }
    for (head, items) in [
        ("### Prerequisites", &rb.prerequisites),
        ("### Setup steps", &rb.setup),
        ("### GT extensions and caveats", &rb.caveats),
        ("### Validation checklist", &rb.checklist),
    ] {
        p.blank().heading(head);
        if head == "### Setup steps" {
            for (i, step) in items.iter().enumerate() {
                p.line(format!("{}. {}", i + 1, inline(step, Place::LineStart)));
            }
        } else {
            p.bullets(items);
        }
    }
    let export = super::export::plain_export(book, rb, super::export::Verdicts::Ids);
    let fence = "`".repeat(markdown::longest_run(&export, '`').max(2) + 1);
    p.blank().heading("### Plain-text export");
    p.line(format!("{fence}text")).line(export).line(fence);
    p.finish()
}

fn index_row(book: &Book, rb: &Runbook) -> String {
    let c = &book.catalog;
    format!(
        "- {} — {} · preset **{}**",
        link(&rb.title, &book.wiki_page(rb)),
        inline(&c.compatibility[rb.compatibility].label, Place::Inline),
        inline(&c.key_presets[rb.key_preset].label, Place::Inline)
    )
}

/// The client-runbooks index, grouped by category.
fn index_page(book: &Book) -> String {
    let mut p = Page::new();
    p.heading("## Start Here");
    p.line(format!(
        "Find the client you are connecting to GT API. Each runbook gives the vendor's documentation, the configuration fields to set, a verdict for every GT route and a checklist to validate the setup. The [compatibility matrix]({}) compares all {} clients side by side.",
        book.wiki.matrix_page,
        book.runbooks.len()
    ))
    .blank();
    p.heading("## Why this matters");
    p.line("A client pointed at the wrong API surface, given a key without the scopes it needs, or hosted where no custom base URL is allowed fails in ways that are slow to diagnose. The runbooks record what works before anyone has to find out.").blank();
    p.heading("## Details");
    p.line("Runbooks by category:").blank();
    for (term, runbooks) in book.by_category() {
        p.heading(&format!("### {}", inline(&term.label, Place::Inline)));
        for rb in runbooks {
            p.line(index_row(book, rb));
        }
        p.blank();
    }
    p.0.pop();
    p.finish()
}

/// The compatibility matrix: one row per client, then every route verdict.
fn matrix_page(book: &Book) -> String {
    let c = &book.catalog;
    let mut p = Page::new();
    p.heading("## Start Here");
    p.line(format!(
        "Read across a row before onboarding a client: its compatibility mode tells you how much setup to expect, and its key preset which key to issue. Each client links to its full runbook; the [client runbooks]({}) page lists them by category.",
        book.wiki.index_page
    ))
    .blank();
    p.heading("## Why this matters");
    p.line("Rows are checked against the vendors' documentation and GT's `/v1/*` routes. A client whose route shows `unknown` has no verdict recorded yet: treat it as untested.").blank();
    p.heading("## Details");
    p.line("Compatibility modes:").blank();
    for term in &c.compatibility {
        p.line(mode_line(term));
    }
    p.blank();
    p.line(
        "| Client | Category | Compatibility | Key preset | Chat | Files | Persistence | Details |",
    );
    p.line("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let ordered = book.ordered();
    for rb in &ordered {
        let client = match rb.matrix.subtitle.as_deref() {
            Some(sub) if !sub.trim().is_empty() => {
                format!(
                    "{} · {}",
                    markdown::link(&rb.title, &book.wiki_page(rb), Place::Cell),
                    inline(sub, Place::Cell)
                )
            }
            _ => markdown::link(&rb.title, &book.wiki_page(rb), Place::Cell),
        };
        p.line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            client,
            cell(Some(&c.categories[rb.category].label)),
            cell(Some(&c.compatibility[rb.compatibility].label)),
            cell(Some(&c.key_presets[rb.key_preset].label)),
            cell(rb.matrix.chat.as_deref()),
            cell(rb.matrix.files.as_deref()),
            cell(rb.matrix.persistence.as_deref()),
            cell(rb.matrix.details.as_deref()),
        ));
    }
    p.blank().heading("### Route verdicts");
    let mut legend: Vec<String> = c
        .verdicts
        .iter()
        .map(|v| {
            let d = v
                .description
                .as_deref()
                .map(|d| format!(": {}", inline(d, Place::Inline)))
                .unwrap_or_default();
            format!("- `{}` ({} support){d}", v.id, v.support.as_str())
        })
        .collect();
    legend.push(format!(
        "- `{UNKNOWN}`: the runbook does not map this route yet."
    ));
    for l in legend {
        p.line(l);
    }
    p.blank();
    let mut head = String::from("| Client |");
    let mut rule = String::from("| --- |");
    for r in &c.routes {
        let _ = write!(head, " {} |", code(&r.route, Place::Cell));
        rule.push_str(" --- |");
    }
    p.line(head).line(rule);
    for rb in &ordered {
        let mut row = format!(
            "| {} |",
            markdown::link(&rb.title, &book.wiki_page(rb), Place::Cell)
        );
        for m in &rb.routes {
            let _ = write!(row, " {} |", inline(book.verdict_id(m), Place::Cell));
        }
        p.line(row);
    }
    p.finish()
}

fn mode_line(term: &Term) -> String {
    match term.description.as_deref() {
        Some(d) => format!(
            "- **{}** — {}",
            inline(&term.label, Place::Inline),
            inline(d, Place::Inline)
        ),
        None => format!("- **{}**", inline(&term.label, Place::Inline)),
    }
}

fn home_page(book: &Book) -> String {
    let c = &book.catalog;
    let mut p = Page::new();
    let mut intro = format!("**{}**", inline(&book.site.title, Place::Inline));
    if let Some(d) = &book.site.description {
        let _ = write!(intro, ": {}", inline(d, Place::Inline));
    }
    p.line(intro).blank();
    let categories = book.by_category().len();
    p.line(format!(
        "- {}: {} runbook{} in {} categor{}",
        link("Client runbooks", &book.wiki.index_page),
        book.runbooks.len(),
        if book.runbooks.len() == 1 { "" } else { "s" },
        categories,
        if categories == 1 { "y" } else { "ies" }
    ));
    p.line(format!(
        "- {}: compatibility mode, key preset and route verdicts of every client",
        link("Compatibility matrix", &book.wiki.matrix_page)
    ));
    p.blank().heading("### GT routes");
    p.line("How many clients reach each route, by support level.")
        .blank();
    p.line("| GT route | Summary | Full | Partial | None | Unknown |")
        .line("| --- | --- | --- | --- | --- | --- |");
    for (i, route) in c.routes.iter().enumerate() {
        let count = |level: SupportLevel| {
            book.runbooks
                .iter()
                .filter(|rb| book.support(&rb.routes[i]) == level)
                .count()
        };
        p.line(format!(
            "| {} | {} | {} | {} | {} | {} |",
            code(&route.route, Place::Cell),
            cell(route.summary.as_deref()),
            count(SupportLevel::Full),
            count(SupportLevel::Partial),
            count(SupportLevel::None),
            count(SupportLevel::Unknown)
        ));
    }
    p.finish()
}

fn sidebar(book: &Book) -> String {
    let mut p = Page::new();
    p.line(format!("**{}**", link("Home", "Home"))).blank();
    index_and_matrix(&mut p, book);
    for (term, runbooks) in book.by_category() {
        p.blank()
            .line(format!("**{}**", inline(&term.label, Place::Inline)))
            .blank();
        for rb in runbooks {
            p.line(format!("- {}", link(&rb.title, &book.wiki_page(rb))));
        }
    }
    p.finish()
}

/// The two links every sidebar of gtdocs' starts with.
fn index_and_matrix(p: &mut Page, book: &Book) {
    p.line(format!(
        "- {}",
        link("Client runbooks", &book.wiki.index_page)
    ));
    p.line(format!(
        "- {}",
        link("Compatibility matrix", &book.wiki.matrix_page)
    ));
}

/// gtdocs' block in the wiki's own sidebar: its links under the site's
/// title. Every line of it is escaped Markdown, so none can look like a
/// marker.
fn sidebar_section(book: &Book) -> String {
    let mut p = Page::new();
    p.line(format!(
        "{SECTION_BEGIN} maintained by gtdocs publish-wiki (wiki.sidebar: section): edits between these lines are replaced -->"
    ));
    p.line(format!("### {}", inline(&book.site.title, Place::Inline)));
    index_and_matrix(&mut p, book);
    if book.wiki.sidebar_runbooks {
        for (term, runbooks) in book.by_category() {
            p.line(format!("- **{}**", inline(&term.label, Place::Inline)));
            for rb in runbooks {
                p.line(format!("  - {}", link(&rb.title, &book.wiki_page(rb))));
            }
        }
    }
    p.line(SECTION_END);
    p.finish()
}

fn footer(book: &Book, ctx: &RenderContext) -> String {
    let sources = match &book.site.repository {
        Some(repo) => format!(
            "[the runbook sources]({})",
            markdown::link_destination(repo)
        ),
        None => "the runbook sources".into(),
    };
    format!(
        "Generated by gtdocs {} from {sources}. Edit the YAML sources, not these pages: each publish rewrites them.\n",
        ctx.generator_version
    )
}

/// Under the route table, only when the runbook records a verification
/// (the published pages record none, and stay as they are): the runbook's,
/// then each route's own (a route that inherits the runbook's is as fresh
/// or as stale as the line above says).
fn verification_lines(p: &mut Page, book: &Book, rb: &Runbook) {
    let line = |v: &Verification| {
        let text = markdown::verbatim(&book.verification_text(v), Place::Inline);
        match &v.link {
            Some(link) => format!(
                "{text} · proof: {}",
                markdown::verbatim(link, Place::Inline)
            ),
            None => text,
        }
    };
    let routes: Vec<(&str, Verification)> = book
        .catalog
        .routes
        .iter()
        .zip(&rb.routes)
        .filter_map(|(route, m)| {
            m.verified.as_ref()?;
            Some((route.route.as_str(), book.verification(rb, m)?))
        })
        .collect();
    if rb.verified.is_none() && routes.is_empty() {
        return;
    }
    p.blank();
    if let Some(v) = &rb.verified {
        p.line(format!("**Verification:** {}", line(v)));
    }
    if !routes.is_empty() {
        p.blank();
    }
    for (route, v) in routes {
        p.line(format!("- {}: {}", code(route, Place::Inline), line(&v)));
    }
}

/// Under the route table, only when a probe of the runbook's client ran
/// (`gtdocs probe`; the published pages have none, and stay as they are):
/// what it found for each route it called.
fn probe_lines(p: &mut Page, book: &Book, rb: &Runbook) {
    let items = probe_items(book, rb);
    if items.is_empty() {
        return;
    }
    p.blank();
    p.line("**Probe** (`gtdocs probe`, the client run against a GT API stand-in):");
    p.blank();
    for item in items {
        p.line(item);
    }
}

/// What a probe of `rb`'s client found, as Markdown list items, one per
/// route it called (`` - `GET /v1/models`: Tested with ... ``, the line
/// escaped); none when no probe ran. The wiki page and the page's twin
/// show the same list.
pub(crate) fn probe_items(book: &Book, rb: &Runbook) -> Vec<String> {
    let Some(tested) = &rb.tested else {
        return Vec::new();
    };
    (tested.lines(&book.catalog.routes))
        .map(|(route, line)| {
            format!(
                "- {}: {}",
                code(route, Place::Inline),
                markdown::verbatim(&line, Place::Inline)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// publish-wiki names the home page by its file; the build by its page.
    #[test]
    fn the_home_file_is_the_home_page_s() {
        assert_eq!(HOME, wiki_page_file(WIKI_HOME_PAGE));
    }
}
