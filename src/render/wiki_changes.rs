//! The wiki's changes page (`wiki.changes_page`): every verdict change
//! read from the git history, newest first, as one table. Written only
//! when the build read a history, so a tree outside git publishes the
//! same pages as before.

use crate::changes::timestamp;
use crate::markdown::{self, Place, code, inline, verbatim};
use crate::model::{Book, ChangeEvent, History, VerdictAt, wiki_page_name};

/// Most rows on the page (a wiki page is read by people); the site's
/// `json/changes.json` has every event.
const MAX_ROWS: usize = 1_000;

fn verdict(v: Option<&VerdictAt>) -> String {
    v.map_or_else(String::new, |v| {
        let id = crate::diagnostic::visible(&v.verdict);
        format!("{} ({})", code(&id, Place::Cell), v.support.as_str())
    })
}

fn row(book: &Book, e: &ChangeEvent) -> String {
    // Old revisions were never validated: control characters shown.
    let shown = |t: &str| crate::diagnostic::visible(t).into_owned();
    let date = timestamp(e.commit.time);
    let date = date.get(..10).unwrap_or(&date);
    let runbook = match (&e.runbook, &e.title) {
        (Some(slug), title) if book.has_runbook(slug) => markdown::link(
            &shown(title.as_deref().unwrap_or(slug)),
            &wiki_page_name(&book.wiki.page_prefix, slug),
            Place::Cell,
        ),
        (Some(slug), title) => inline(&shown(title.as_deref().unwrap_or(slug)), Place::Cell),
        (None, _) => String::new(),
    };
    let route = match (&e.from_route, &e.route) {
        (Some(from), Some(to)) => {
            format!("{} → {}", code(from, Place::Cell), code(to, Place::Cell))
        }
        (None, Some(to)) => code(to, Place::Cell),
        _ => String::new(),
    };
    let change = match (&e.before, &e.after) {
        (Some(_), Some(_)) => format!(
            "{} → {}",
            verdict(e.before.as_ref()),
            verdict(e.after.as_ref())
        ),
        _ => String::new(),
    };
    let short = e.commit.id.get(..12).unwrap_or(&e.commit.id);
    let subject = crate::diagnostic::visible(&e.commit.subject);
    let mut what = e.kind.label().to_owned();
    if e.incomplete {
        what.push_str(" (incomplete)");
    }
    format!(
        "| {date} | {what} | {runbook} | {route} | {change} | {} {} |",
        code(short, Place::Cell),
        verbatim(&subject, Place::Cell)
    )
}

/// The page's Markdown.
pub(super) fn changes_page(book: &Book, history: &History) -> String {
    let mut lines = vec![
        "## Compatibility changes".to_owned(),
        String::new(),
        format!(
            "Every verdict upgrade and downgrade, and every runbook and route added or removed, from the commits of the sources, newest first. The [compatibility matrix]({}) shows where each client stands now.",
            markdown::link_destination(&book.wiki.matrix_page)
        ),
        String::new(),
    ];
    if let Some(note) = incomplete_note(history) {
        lines.push(format!("> {note}"));
        lines.push(String::new());
    }
    if history.events.is_empty() {
        lines.push("No change since the history starts.".to_owned());
    } else {
        lines.push("| Date | Change | Runbook | Route | Verdict | Commit |".to_owned());
        lines.push("| --- | --- | --- | --- | --- | --- |".to_owned());
        lines.extend(history.events.iter().take(MAX_ROWS).map(|e| row(book, e)));
        if history.events.len() > MAX_ROWS {
            lines.push(String::new());
            lines.push(format!(
                "The newest {MAX_ROWS} of {} events.",
                history.events.len()
            ));
        }
    }
    let mut page = lines.join("\n");
    page.push('\n');
    page
}

/// What a Markdown output says of a history that may miss events (a
/// shallow clone, or cut at `history.max_commits`): `None` when whole.
pub(super) fn incomplete_note(history: &History) -> Option<String> {
    if !history.is_incomplete() {
        return None;
    }
    let mut note = "**Incomplete history.**".to_owned();
    if history.shallow {
        note.push_str(" The repository was cloned shallow: older commits were not there to read.");
    }
    if let Some(c) = &history.starts_at {
        let date = timestamp(c.time);
        note.push_str(&format!(
            " It starts from commit {} ({}); what came before is not shown.",
            code(c.id.get(..12).unwrap_or(&c.id), Place::Inline),
            date.get(..10).unwrap_or(&date)
        ));
    }
    Some(note)
}
