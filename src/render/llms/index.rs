//! `llms.txt` (llmstxt.org): the site's title and description, what it is
//! and where its data is, then a link to every runbook's and route's
//! Markdown twin with a line saying what it is about.

use super::text::{Md, Urls};
use crate::markdown::{self, Place, code, inline};
use crate::model::{self, Book, Runbook};
use crate::schema::SchemaKind;

/// `llms.txt` of the site; `ordered`: its runbooks in the site's order.
pub(super) fn llms_txt(book: &Book, ordered: &[&Runbook], urls: &Urls, full_text: &str) -> String {
    let c = &book.catalog;
    let mut md = Md::with_capacity(1024 + ordered.len() * 256);
    md.heading(&format!("# {}", inline(&book.site.title, Place::Inline)));
    if let Some(d) = &book.site.description {
        md.line(&format!("> {}", inline(d, Place::LineStart)))
            .blank();
    }
    let manifest = model::manifest_path();
    let schema = format!(
        "{}/schema/{}",
        model::JSON_DIR,
        SchemaKind::Manifest.file_name()
    );
    md.line(&format!(
        "How to connect {} client application{} to GT API, an OpenAI-compatible gateway, route by route: \
         a runbook per client (the configuration fields to set, a verdict for every one of the {} GT routes, \
         caveats and a validation checklist) and a page per route listing every client's verdict. \
         Each runbook and route page has a Markdown twin at its URL with `.md` appended (`index.html.md` for a folder URL), \
         linked below; {} holds them all in one file. The same data, for programs: {} (JSON), \
         described by {}.",
        ordered.len(),
        if ordered.len() == 1 { "" } else { "s" },
        c.routes.len(),
        urls.link(&code(full_text, Place::Inline), full_text),
        urls.link(&code(&manifest, Place::Inline), &manifest),
        urls.link("its JSON Schema", &schema),
    ));

    md.heading("## Runbooks");
    if ordered.is_empty() {
        md.line("_No runbook yet._");
    }
    for rb in ordered {
        let twin = model::markdown_twin_path(&model::runbook_site_path(&rb.slug));
        md.line(&format!(
            "- {}: {}",
            markdown::link(&rb.title, &urls.of(&twin), Place::Inline),
            inline(&rb.summary, Place::Inline)
        ));
    }

    md.heading("## Routes");
    if c.routes.is_empty() {
        md.line("_No route yet._");
    }
    for route in &c.routes {
        let twin = model::markdown_twin_path(&model::route_site_path(&route.route));
        let link = urls.link(&code(&route.route, Place::Inline), &twin);
        md.line(&match &route.summary {
            Some(s) => format!("- {link}: {}", inline(s, Place::Inline)),
            None => format!("- {link}"),
        });
    }

    md.heading("## Optional");
    md.line(&format!(
        "- {}: the catalog (routes, verdicts and their support levels, compatibility levels, categories, key presets) and every runbook, as JSON; one file per runbook in `{dir}/runbooks/<slug>.json` and per route in `{dir}/routes/<route id>.json` (every client's verdict for it)",
        urls.link("Compatibility manifest", &manifest),
        dir = model::JSON_DIR
    ));
    md.line(&format!(
        "- {}: the manifest's JSON Schema, exact for this site's catalog",
        urls.link("Manifest schema", &schema)
    ));
    md.line(&format!(
        "- {}: every Markdown twin above, one after another",
        urls.link("Full text", full_text)
    ));
    if book.history.is_some() {
        let changes = model::changes_path();
        md.line(&format!(
            "- {}: every verdict change read from the sources' git history, newest first, as JSON; also an {}",
            urls.link("Verdict changes", &changes),
            urls.link("Atom feed", model::CHANGES_FEED_PATH)
        ));
    }
    md.finish()
}
