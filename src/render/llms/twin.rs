//! The Markdown twins: a runbook page's and a route page's every fact, as
//! one Markdown file a program or a language model reads whole. Source
//! text is untrusted inline Markdown, placed as the wiki places it
//! (`crate::markdown`): no raw HTML, wiki link, table pipe or block start
//! of a source survives as markup.

use super::text::{Md, Urls, Words, verdict_id_words};
use crate::changes::timestamp;
use crate::markdown::{self, Place, code, inline, link_destination, verbatim};
use crate::model::{
    self, Book, ChangeEvent, History, RouteMapping, Runbook, SupportLevel, Verification,
};

/// What a twin says when a list of the source is empty, as the page does.
const NONE_DOCUMENTED: &str = "_None documented._";

/// What the twins say of a runbook in more than one place (its own route
/// table, and each route's twin), escaped once per render: its title as a
/// link to its twin, and its note on each route, for table cells.
pub(super) struct Client {
    link: String,
    notes: Vec<String>,
}

pub(super) fn client(rb: &Runbook, urls: &Urls) -> Client {
    Client {
        link: markdown::link(
            &rb.title,
            &urls.of(&model::markdown_twin_path(&model::runbook_site_path(
                &rb.slug,
            ))),
            Place::Cell,
        ),
        notes: rb
            .routes
            .iter()
            .map(|m| match &m.integration {
                Some(note) => inline(note, Place::Cell),
                None if m.verdict.is_none() => "_Not documented in this runbook._".into(),
                None => String::new(),
            })
            .collect(),
    }
}

/// A runbook page's twin.
pub(super) fn runbook_twin(
    book: &Book,
    rb: &Runbook,
    client: &Client,
    words: &Words,
    urls: &Urls,
) -> String {
    let c = &book.catalog;
    let mut md = Md::with_capacity(8 * 1024);
    md.heading(&format!("# {}", inline(&rb.title, Place::Inline)));
    md.line(&format!("> {}", inline(&rb.summary, Place::LineStart)))
        .blank();
    let compatibility = &c.compatibility[rb.compatibility];
    md.line(&format!(
        "- **Compatibility:** {}",
        words.compatibility[rb.compatibility]
    ));
    md.line(&format!(
        "- **Category:** {}",
        words.categories[rb.category]
    ));
    md.line(&format!(
        "- **Recommended key preset:** {}",
        words.key_presets[rb.key_preset]
    ));
    if let Some(e) = rb.evidence {
        md.line(&format!("- **Evidence:** {}", words.evidence[e]));
    }
    if let Some(v) = &rb.verified {
        md.line(&format!(
            "- **Verified:** {}",
            verification(book, v, Place::Inline)
        ));
    }
    md.line(&format!(
        "- **GT routes:** {}",
        tally(rb.routes.iter().map(|m| book.support(m)))
    ))
    .blank();
    md.line(&inline(&rb.intro, Place::LineStart)).blank();
    if let Some(d) = &compatibility.description {
        md.line(&format!(
            "**{}:** {}",
            inline(&compatibility.label, Place::Inline),
            inline(d, Place::Inline)
        ))
        .blank();
    }

    md.heading("## Official documentation");
    if rb.docs.is_empty() {
        md.line(NONE_DOCUMENTED);
    }
    for url in &rb.docs {
        md.line(&format!("- {}", verbatim(url, Place::LineStart)));
    }

    md.heading("## Configuration fields");
    if rb.config.is_empty() {
        md.line("_No configuration fields documented._");
    }
    for f in &rb.config {
        md.line(&format!(
            "- **{}:** {}",
            inline(&f.field, Place::Inline),
            code(&f.value, Place::Inline)
        ));
    }

    route_table(&mut md, book, rb, client, words, urls);
    probe_list(&mut md, book, rb);

    md.heading("## Not supported in this product");
    if rb.not_supported.is_empty() {
        md.line("_None documented for this product._");
    }
    bullets(&mut md, "- ", &rb.not_supported);
    md.heading("## Prerequisites");
    bullets(&mut md, "- ", &rb.prerequisites);
    md.heading("## Setup steps");
    if rb.setup.is_empty() {
        md.line(NONE_DOCUMENTED);
    }
    for (i, step) in rb.setup.iter().enumerate() {
        md.line(&format!("{}. {}", i + 1, inline(step, Place::LineStart)));
    }
    md.heading("## GT extensions and caveats");
    bullets(&mut md, "- ", &rb.caveats);
    md.heading("## Validation checklist");
    // A task list: the page's checklist has a box per item.
    bullets(&mut md, "- [ ] ", &rb.checklist);

    let m = &rb.matrix;
    let notes: Vec<(&str, &String)> = [
        ("Setup", &m.subtitle),
        ("Chat", &m.chat),
        ("Files", &m.files),
        ("Persistence", &m.persistence),
        ("Details", &m.details),
    ]
    .into_iter()
    .filter_map(|(name, text)| Some((name, text.as_ref()?)))
    .collect();
    if !notes.is_empty() {
        md.heading("## In the compatibility matrix");
        for (name, text) in notes {
            md.line(&format!("- **{name}:** {}", inline(text, Place::Inline)));
        }
    }

    if let Some(history) = &book.history {
        runbook_history(&mut md, book, history, &rb.slug, urls);
    }

    md.heading("## Source");
    let source = rb.source.to_string_lossy().replace('\\', "/");
    let edit = book.site.repository.as_ref().map(|repo| {
        format!(
            " · [Edit this runbook]({})",
            link_destination(&format!("{repo}/edit/{}/{source}", book.site.branch))
        )
    });
    md.line(&format!(
        "- Source file: {}{}",
        code(&source, Place::Inline),
        edit.unwrap_or_default()
    ));
    md.line(&format!(
        "- Wiki page: {}",
        code(&book.wiki_page(rb), Place::Inline)
    ));
    let json = model::entry_path(&rb.slug);
    md.line(&format!("- JSON: {}", urls.link(&json, &json)));
    let page = model::runbook_site_path(&rb.slug);
    md.line(&format!("- Web page: {}", urls.link(&page, &page)));
    md.finish()
}

/// What a probe of the runbook's client found for each route it called,
/// when one ran (`gtdocs probe`).
fn probe_list(md: &mut Md, book: &Book, rb: &Runbook) {
    let items = crate::render::wiki::probe_items(book, rb);
    if items.is_empty() {
        return;
    }
    md.heading("## Probe");
    for item in &items {
        md.line(item);
    }
}

/// The route table: route, verdict in words, the note, and a verification
/// column when a route has a line of its own (its own check, or its
/// runbook's gone stale), as the page shows under the note.
fn route_table(
    md: &mut Md,
    book: &Book,
    rb: &Runbook,
    client: &Client,
    words: &Words,
    urls: &Urls,
) {
    let routes = &book.catalog.routes;
    let checks: Vec<Option<String>> = rb.routes.iter().map(|m| route_check(book, rb, m)).collect();
    let with_checks = checks.iter().any(Option::is_some);
    md.heading("## GT route mapping");
    if with_checks {
        md.line("| GT route | Verdict | Client integration | Verification |")
            .line("| --- | --- | --- | --- |");
    } else {
        md.line("| GT route | Verdict | Client integration |")
            .line("| --- | --- | --- |");
    }
    let rows = routes.iter().zip(&rb.routes).zip(&client.notes);
    for (((route, m), note), check) in rows.zip(checks) {
        let mut row = format!(
            "| {} | {} | {note} |",
            urls.link(
                &code(&route.route, Place::Cell),
                &model::markdown_twin_path(&model::route_site_path(&route.route))
            ),
            words.verdict(m),
        );
        if with_checks {
            row.push_str(&format!(" {} |", check.unwrap_or_default()));
        }
        md.line(&row);
    }
}

/// A route's verification line on a runbook page: its own, or its
/// runbook's when that is stale.
fn route_check(book: &Book, rb: &Runbook, m: &RouteMapping) -> Option<String> {
    let v = book.verification(rb, m)?;
    if m.verified.is_some() {
        Some(verification(book, &v, Place::Cell))
    } else if book.is_stale(&v) {
        Some(match v.date {
            Some(date) => format!("**Stale** (the runbook's verification, {date})"),
            None => "**Stale** (the runbook's verification)".into(),
        })
    } else {
        None
    }
}

/// A route page's twin: every client, grouped by support level;
/// `clients` in the site's order.
pub(super) fn route_twin(
    book: &Book,
    clients: &[(&Runbook, Client)],
    index: usize,
    words: &Words,
    urls: &Urls,
) -> String {
    let route = &book.catalog.routes[index];
    let support_of = |rb: &Runbook| book.support(&rb.routes[index]);
    let mut md = Md::with_capacity(256 + clients.len() * 256);
    md.heading(&format!("# {}", code(&route.route, Place::Inline)));
    if let Some(summary) = &route.summary {
        md.line(&format!("> {}", inline(summary, Place::LineStart)))
            .blank();
    }
    md.line(&format!(
        "- **Route id:** {}",
        code(&route.id, Place::Inline)
    ));
    md.line(&format!(
        "- **Clients:** {} ({})",
        clients.len(),
        tally(clients.iter().map(|(rb, _)| support_of(rb)))
    ))
    .blank();
    for level in SupportLevel::ALL {
        let group: Vec<(&Runbook, &Client, Option<Verification>)> = clients
            .iter()
            .filter(|(rb, _)| support_of(rb) == level)
            .map(|(rb, c)| (*rb, c, book.verification(rb, &rb.routes[index])))
            .collect();
        if group.is_empty() {
            continue;
        }
        let with_checks = group.iter().any(|(_, _, v)| v.is_some());
        let heading = level.label();
        md.heading(&format!(
            "## {heading} ({} client{})",
            group.len(),
            if group.len() == 1 { "" } else { "s" }
        ));
        if with_checks {
            md.line("| Client | Category | Verdict | Client integration | Verification |")
                .line("| --- | --- | --- | --- | --- |");
        } else {
            md.line("| Client | Category | Verdict | Client integration |")
                .line("| --- | --- | --- | --- |");
        }
        for (rb, client, check) in group {
            let tested = (rb.tested.as_ref())
                .and_then(|t| t.line(index))
                .map(|line| format!(" · {}", verbatim(&line, Place::Cell)))
                .unwrap_or_default();
            let mut row = format!(
                "| {} | {} | {}{tested} | {} |",
                client.link,
                words.category_cells[rb.category],
                words.verdict(&rb.routes[index]),
                client.notes[index],
            );
            if with_checks {
                let check = check.map(|v| verification(book, &v, Place::Cell));
                row.push_str(&format!(" {} |", check.unwrap_or_default()));
            }
            md.line(&row);
        }
    }
    md.heading("## Source");
    let page = model::route_site_path(&route.route);
    md.line(&format!("- Web page: {}", urls.link(&page, &page)));
    let json = model::route_file_path(&route.id);
    md.line(&format!(
        "- JSON: {} (every client's verdict for this route)",
        urls.link(&json, &json)
    ));
    md.finish()
}

/// How many routes (or clients) have each support level: `3 full support
/// · 6 no support`.
fn tally(levels: impl Iterator<Item = SupportLevel>) -> String {
    let mut counts = [0usize; SupportLevel::ALL.len()];
    for level in levels {
        if let Some(i) = SupportLevel::ALL.iter().position(|l| *l == level) {
            counts[i] += 1;
        }
    }
    let parts: Vec<String> = SupportLevel::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(level, n)| format!("{n} {}", level.label().to_lowercase()))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(" · ")
    }
}

/// A verification in one line: what every output says of it, and its
/// proof as a link.
fn verification(book: &Book, v: &Verification, place: Place) -> String {
    let text = verbatim(&book.verification_text(v), place);
    match &v.link {
        Some(link) => format!(
            "{text} · [proof]({})",
            link_destination(link).replace('|', "%7C")
        ),
        None => text,
    }
}

/// A list of source texts, each after `marker`, or that none is documented.
fn bullets(md: &mut Md, marker: &str, items: &[String]) {
    if items.is_empty() {
        md.line(NONE_DOCUMENTED);
    }
    // Escaped as at a line's start also after a task box: some readers
    // parse what follows `[ ] ` as the start of the item's content.
    for item in items {
        md.line(&format!("{marker}{}", inline(item, Place::LineStart)));
    }
}

/// The runbook's events in the history of verdicts, newest first.
fn runbook_history(md: &mut Md, book: &Book, history: &History, slug: &str, urls: &Urls) {
    md.heading("## History");
    if let Some(note) = crate::render::wiki_changes::incomplete_note(history) {
        md.line(&note).blank();
    }
    let mut events = history.of_runbook(slug).peekable();
    if events.peek().is_none() {
        md.line("No change since the history starts.");
        return;
    }
    md.line("| Date | Change | Route | Verdict | Commit |")
        .line("| --- | --- | --- | --- | --- |");
    for e in events {
        md.line(&event_row(book, e));
    }
    let changes = model::changes_path();
    md.blank().line(&format!(
        "Every change of every runbook: {}.",
        urls.link(&changes, &changes)
    ));
}

fn event_row(book: &Book, e: &ChangeEvent) -> String {
    // Old revisions and commit subjects were never validated: their
    // control characters are shown as `\u{..}`.
    let shown = |t: &str| crate::diagnostic::visible(t).into_owned();
    let date = timestamp(e.commit.time);
    let date = date.get(..10).unwrap_or(&date);
    let route = match (&e.from_route, &e.route) {
        (Some(from), Some(to)) => format!(
            "{} → {}",
            code(&shown(from), Place::Cell),
            code(&shown(to), Place::Cell)
        ),
        (None, Some(to)) => code(&shown(to), Place::Cell),
        _ => String::new(),
    };
    let change = match (&e.before, &e.after) {
        (Some(before), Some(after)) => format!(
            "{} → {}",
            verdict_id_words(book, &before.verdict, Place::Cell),
            verdict_id_words(book, &after.verdict, Place::Cell)
        ),
        _ => String::new(),
    };
    let mut what = e.kind.label().to_owned();
    if e.incomplete {
        what.push_str(" (incomplete: a revision before it could not be read)");
    }
    let short = code(e.commit.id.get(..12).unwrap_or(&e.commit.id), Place::Cell);
    let commit = match &book.site.repository {
        Some(repo) => format!(
            "[{short}]({})",
            link_destination(&format!("{repo}/commit/{}", e.commit.id)).replace('|', "%7C")
        ),
        None => short,
    };
    format!(
        "| {date} | {what} | {route} | {change} | {commit} {} |",
        verbatim(&shown(&e.commit.subject), Place::Cell)
    )
}
