//! What the history section of a runbook page and the changes page show:
//! events newest first, each with its date, commit and before → after.

use serde::Serialize;

use super::view::support_look;
use crate::changes::timestamp;
use crate::model::{self, Book, CHANGES_FEED_PATH, ChangeEvent, History, SupportLevel, VerdictAt};
use crate::render::paths::route_path;

/// Most events the changes page lists (a page's template has a budget of
/// steps); `json/changes.json` has every one.
pub(super) const MAX_PAGE_EVENTS: usize = 1_000;

#[derive(Serialize)]
pub(super) struct HistoryCtx {
    events: Vec<EventCtx>,
    /// Events in all, of which `events` are the newest.
    total: usize,
    incomplete: bool,
    shallow: bool,
    /// The commit the history starts from, when not the first.
    starts_at: Option<CommitCtx>,
    feed: &'static str,
    json: String,
}

#[derive(Serialize)]
struct CommitCtx {
    id: String,
    short: String,
    date: String,
    datetime: String,
    subject: String,
    /// The commit on the source repository's site, with `site.repository`.
    url: Option<String>,
}

#[derive(Serialize)]
struct EventCtx {
    id: String,
    kind: &'static str,
    kind_label: &'static str,
    commit: CommitCtx,
    runbook: Option<String>,
    title: Option<String>,
    /// The runbook's page, when it still exists.
    runbook_path: Option<String>,
    route: Option<String>,
    /// The route's page, when the route still exists.
    route_path: Option<String>,
    from_route: Option<String>,
    before: Option<MarkCtx>,
    after: Option<MarkCtx>,
    incomplete: bool,
}

/// As `view::Mark`: the `mark` macro shows either.
#[derive(Serialize)]
struct MarkCtx {
    verdict: String,
    label: String,
    support: SupportLevel,
    symbol: &'static str,
    support_label: &'static str,
}

/// A verdict as it was: in today's catalog's words when the id is still
/// there, else the id in words (a verdict since removed has no label).
fn mark_ctx(book: &Book, v: &VerdictAt) -> MarkCtx {
    let (symbol, support_label) = support_look(v.support);
    let label = book.verdict_words(&shown(&v.verdict));
    MarkCtx {
        verdict: v.verdict.clone(),
        label,
        support: v.support,
        symbol,
        support_label,
    }
}

/// Text from a commit or an old revision, which nothing validated: what
/// a page must not show raw (control characters, bidi overrides) as
/// `\u{..}`; the template escapes the markup.
fn shown(text: &str) -> String {
    crate::diagnostic::visible(text).into_owned()
}

fn commit_ctx(book: &Book, c: &model::Commit) -> CommitCtx {
    let datetime = timestamp(c.time);
    CommitCtx {
        short: c.id.get(..12).unwrap_or(&c.id).to_owned(),
        date: datetime.get(..10).unwrap_or(&datetime).to_owned(),
        url: book
            .site
            .repository
            .as_ref()
            .map(|repo| super::filters::href(&format!("{repo}/commit/{}", c.id))),
        id: c.id.clone(),
        subject: shown(&c.subject),
        datetime,
    }
}

fn event_ctx(book: &Book, e: &ChangeEvent) -> EventCtx {
    let exists = |slug: &&str| book.has_runbook(slug);
    let routed = |r: &&String| book.catalog.routes.iter().any(|c| &c.route == *r);
    EventCtx {
        id: e.id.clone(),
        kind: e.kind.as_str(),
        kind_label: e.kind.label(),
        commit: commit_ctx(book, &e.commit),
        runbook: e.runbook.as_deref().map(shown),
        title: e.title.as_deref().map(shown),
        runbook_path: e
            .runbook
            .as_deref()
            .filter(exists)
            .map(model::runbook_site_path),
        route: e.route.as_deref().map(shown),
        route_path: e.route.as_ref().filter(routed).map(|r| route_path(r)),
        from_route: e.from_route.as_deref().map(shown),
        before: e.before.as_ref().map(|v| mark_ctx(book, v)),
        after: e.after.as_ref().map(|v| mark_ctx(book, v)),
        incomplete: e.incomplete,
    }
}

fn history_ctx<'a>(
    book: &Book,
    history: &History,
    events: impl Iterator<Item = &'a ChangeEvent>,
    total: usize,
) -> HistoryCtx {
    HistoryCtx {
        events: events
            .take(MAX_PAGE_EVENTS)
            .map(|e| event_ctx(book, e))
            .collect(),
        total,
        incomplete: history.is_incomplete(),
        shallow: history.shallow,
        starts_at: history.starts_at.as_ref().map(|c| commit_ctx(book, c)),
        feed: CHANGES_FEED_PATH,
        json: model::changes_path(),
    }
}

/// The changes page's data: every event (the newest
/// [`MAX_PAGE_EVENTS`]).
pub(super) fn changes_ctx(book: &Book) -> Option<HistoryCtx> {
    let history = book.history.as_ref()?;
    Some(history_ctx(
        book,
        history,
        history.events.iter(),
        history.events.len(),
    ))
}

/// A runbook page's history section: its own events.
pub(super) fn runbook_history(book: &Book, slug: &str) -> Option<HistoryCtx> {
    let history = book.history.as_ref()?;
    let total = history.of_runbook(slug).count();
    Some(history_ctx(book, history, history.of_runbook(slug), total))
}
