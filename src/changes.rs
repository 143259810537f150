//! The published history of verdicts, `json/changes.json`, whose JSON
//! Schema `gtdocs schema changes` prints: the book's history
//! ([`crate::model::History`]) as readers of the JSON see it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::{ChangeEvent, ChangeKind, Commit, History, SupportLevel, VerdictAt};

/// The file name of the changes document's JSON Schema, in `json/schema/`.
pub const CHANGES_SCHEMA_FILE: &str = "changes.schema.json";

/// `json/changes.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(
    title = "gtdocs changes",
    description = "The history of every verdict, read from the commits of the docs tree's git repository, newest event first."
)]
pub struct Changes {
    #[serde(rename = "$schema")]
    pub schema: String,
    /// False when events may be missing: the clone is shallow, or the
    /// history stops at `history.max_commits` (see `starts_at`).
    pub complete: bool,
    /// The clone is shallow: older commits were not there to read.
    pub shallow: bool,
    /// Commits read (those that touched `gtdocs.yaml` or `runbooks/`).
    pub commits: usize,
    /// The commit the history starts from, when it is not the first:
    /// what is in it is taken as it was, with no event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<CommitRef>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommitRef {
    /// The commit's full object id.
    pub id: String,
    /// The committer date, RFC 3339 (UTC).
    pub date: String,
    /// The commit message's subject line, as written.
    pub subject: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Event {
    /// Made of the commit, the kind, the runbook and the route: the same
    /// event has the same id in every build.
    pub id: String,
    pub kind: ChangeKind,
    pub commit: CommitRef,
    /// The runbook's slug; absent for a change of the catalog's routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// The runbook's title at that commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// A renamed route's name before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Verdict>,
    /// A revision of the file at or before this commit could not be read:
    /// changes before this event may be missing.
    pub incomplete: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verdict {
    /// The catalog's verdict id at that commit, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
}

impl Changes {
    pub fn new(history: &History) -> Self {
        Changes {
            schema: format!("schema/{CHANGES_SCHEMA_FILE}"),
            complete: !history.is_incomplete(),
            shallow: history.shallow,
            commits: history.commits,
            starts_at: history.starts_at.as_ref().map(CommitRef::from),
            events: history.events.iter().map(Event::from).collect(),
        }
    }
}

impl From<&Commit> for CommitRef {
    fn from(c: &Commit) -> Self {
        CommitRef {
            id: c.id.clone(),
            date: timestamp(c.time),
            subject: c.subject.clone(),
        }
    }
}

impl From<&VerdictAt> for Verdict {
    fn from(v: &VerdictAt) -> Self {
        Verdict {
            verdict: v.verdict.clone(),
            support: v.support,
        }
    }
}

impl From<&ChangeEvent> for Event {
    fn from(e: &ChangeEvent) -> Self {
        Event {
            id: e.id.clone(),
            kind: e.kind,
            commit: CommitRef::from(&*e.commit),
            runbook: e.runbook.clone(),
            title: e.title.clone(),
            route: e.route.clone(),
            from_route: e.from_route.clone(),
            before: e.before.as_ref().map(Verdict::from),
            after: e.after.as_ref().map(Verdict::from),
            incomplete: e.incomplete,
        }
    }
}

pub use crate::date::timestamp;

/// One line saying what an event is, in plain text (the feed's entry
/// title), verdicts in `words`: `Upgrade: LibreChat, POST /v1/x: GT
/// extension (partial) → Native (full)`.
pub fn headline(e: &ChangeEvent, words: &dyn Fn(&str) -> String) -> String {
    let who = e.title.as_deref().or(e.runbook.as_deref());
    let verdict = |v: &VerdictAt| format!("{} ({})", words(&v.verdict), v.support.as_str());
    match (e.kind, who, &e.route) {
        (ChangeKind::RouteRenamed, _, Some(route)) => format!(
            "Route renamed: {} → {route}",
            e.from_route.as_deref().unwrap_or("?")
        ),
        (ChangeKind::RouteAdded | ChangeKind::RouteRemoved, _, Some(route)) => {
            format!("{}: {route}", e.kind.label())
        }
        (_, Some(who), Some(route)) => match (&e.before, &e.after) {
            (Some(b), Some(a)) => format!(
                "{}: {who}, {route}: {} → {}",
                e.kind.label(),
                verdict(b),
                verdict(a)
            ),
            _ => format!("{}: {who}, {route}", e.kind.label()),
        },
        (_, Some(who), None) => format!("{}: {who}", e.kind.label()),
        _ => e.kind.label().to_owned(),
    }
}
