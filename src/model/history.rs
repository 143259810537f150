//! What changed in the tree's commits: the events the history of verdicts
//! (`crate::history`) derives and every output lists.

use super::support::SupportLevel;

/// What changed in the tree's commits, newest event first.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub events: Vec<ChangeEvent>,
    /// Commits read (those that touched `gtdocs.yaml` or `runbooks/`).
    pub commits: usize,
    /// The clone is shallow: older commits are not there to read.
    pub shallow: bool,
    /// The commit whose state the history starts from, when it does not
    /// start at the first commit (the clone is shallow, or there are more
    /// commits than `history.max_commits`): what came before it is unknown.
    pub starts_at: Option<Commit>,
    /// Each runbook's events, as indexes into `events` (newest first), so
    /// that a page finds its own without reading every event.
    pub by_runbook: std::collections::HashMap<String, Vec<usize>>,
}

impl History {
    /// Whether events may be missing: older commits left out or absent.
    pub fn is_incomplete(&self) -> bool {
        self.shallow || self.starts_at.is_some()
    }

    /// `events`, newest first, with each runbook's index made.
    pub fn new(events: Vec<ChangeEvent>) -> Self {
        let mut by_runbook: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, e) in events.iter().enumerate() {
            if let Some(slug) = &e.runbook {
                by_runbook.entry(slug.clone()).or_default().push(i);
            }
        }
        History {
            events,
            by_runbook,
            ..History::default()
        }
    }

    /// A runbook's own events, newest first.
    pub fn of_runbook<'a>(&'a self, slug: &str) -> impl Iterator<Item = &'a ChangeEvent> {
        self.by_runbook
            .get(slug)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| self.events.get(i))
    }
}

/// The commit the built data comes from: the newest one that touched the
/// docs tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCommit {
    /// The full object id.
    pub id: String,
    /// Committer date, seconds since 1970 (UTC).
    pub time: u64,
    /// The work tree's docs files differ from it (edited, staged or new).
    pub modified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The full object id.
    pub id: String,
    /// Committer date, seconds since 1970 (UTC).
    pub time: u64,
    /// The subject line, as written (untrusted text).
    pub subject: String,
}

/// One change. `id` is made of the commit, the kind, the runbook and the
/// route only: the same event keeps it in every build.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub id: String,
    pub kind: ChangeKind,
    pub commit: std::sync::Arc<Commit>,
    /// The runbook's slug (`None` for a catalog event).
    pub runbook: Option<String>,
    /// The runbook's title at that commit.
    pub title: Option<String>,
    pub route: Option<String>,
    /// A renamed route's name before.
    pub from_route: Option<String>,
    pub before: Option<VerdictAt>,
    pub after: Option<VerdictAt>,
    /// A revision in between (or this one) could not be read: changes may
    /// be missing before this event.
    pub incomplete: bool,
}

/// A verdict as it stood at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictAt {
    /// The catalog's verdict id, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    RunbookAdded,
    RunbookRemoved,
    RouteAdded,
    RouteRemoved,
    /// A route removed and another added by the same commit, every
    /// runbook's verdict carried over from the one to the other.
    RouteRenamed,
    /// A verdict's support rose ([`SupportLevel::rank`]).
    Upgrade,
    Downgrade,
    /// Another verdict of the same rank, or from or to `unknown`.
    VerdictChanged,
}

impl ChangeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeKind::RunbookAdded => "runbook-added",
            ChangeKind::RunbookRemoved => "runbook-removed",
            ChangeKind::RouteAdded => "route-added",
            ChangeKind::RouteRemoved => "route-removed",
            ChangeKind::RouteRenamed => "route-renamed",
            ChangeKind::Upgrade => "upgrade",
            ChangeKind::Downgrade => "downgrade",
            ChangeKind::VerdictChanged => "verdict-changed",
        }
    }

    /// As a heading or a feed entry reads it.
    pub const fn label(self) -> &'static str {
        match self {
            ChangeKind::RunbookAdded => "Runbook added",
            ChangeKind::RunbookRemoved => "Runbook removed",
            ChangeKind::RouteAdded => "Route added",
            ChangeKind::RouteRemoved => "Route removed",
            ChangeKind::RouteRenamed => "Route renamed",
            ChangeKind::Upgrade => "Upgrade",
            ChangeKind::Downgrade => "Downgrade",
            ChangeKind::VerdictChanged => "Verdict changed",
        }
    }

    /// The kind of a verdict change from `before` to `after`.
    pub fn of_change(before: SupportLevel, after: SupportLevel) -> ChangeKind {
        match (before.rank(), after.rank()) {
            (Some(b), Some(a)) if a > b => ChangeKind::Upgrade,
            (Some(b), Some(a)) if a < b => ChangeKind::Downgrade,
            _ => ChangeKind::VerdictChanged,
        }
    }
}
