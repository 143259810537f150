//! The history of a docs tree read from its git repository: which commits
//! to read, where the history starts, and what the build is told.

use std::path::Path;
use std::time::{Duration, Instant};

use super::blobs::Blobs;
use super::error::HistoryError;
use super::log::{Tracked, files_at, log};
use super::replay::Replay;
use crate::diagnostic::Diagnostic;
use crate::git::Git;
use crate::model::{Book, History, SourceCommit};

/// What reading the history gave the build.
#[derive(Debug, Default)]
pub struct HistoryRead {
    /// `None` outside a git work tree, without git, with no commit, or
    /// with `history.max_commits: 0`.
    pub history: Option<History>,
    /// A shallow clone's warning, or why the history could not be read.
    pub diagnostics: Vec<Diagnostic>,
    /// Blobs read through `git cat-file` (the work tree's own revisions
    /// are taken from the validated book instead).
    pub blobs: usize,
    pub took: Duration,
    /// Why no history was read, when that is not an error.
    pub skipped: Option<Skipped>,
    /// The commit the history was read at (HEAD then).
    pub head: Option<String>,
    /// The newest commit that touched the docs tree, read even when the
    /// history is not (`max_commits: 0`).
    pub source: Option<SourceCommit>,
}

/// Why no history is read, when nothing is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// `history: {max_commits: 0}`.
    Disabled,
    /// Not in a git work tree, or git cannot be run.
    NotInGit,
    /// A repository without a commit yet.
    NoCommit,
}

impl Skipped {
    fn why(self) -> &'static str {
        match self {
            Skipped::Disabled => "`history: {max_commits: 0}` in gtdocs.yaml",
            Skipped::NotInGit => "the tree is not in a git work tree, or git cannot be run",
            Skipped::NoCommit => "the repository has no commit yet",
        }
    }
}

impl HistoryRead {
    /// One line on what was read, for `-v`.
    pub fn summary(&self) -> String {
        match (&self.history, self.skipped) {
            (Some(h), _) => format!(
                "history: {}, {}, {} read from git, {:.2}s",
                counted(h.commits, "commit"),
                counted(h.events.len(), "event"),
                counted(self.blobs, "blob"),
                self.took.as_secs_f64()
            ),
            (None, Some(skipped)) => format!("history: not read ({})", skipped.why()),
            (None, None) => "history: not read (see the warning)".to_owned(),
        }
    }
}

fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The history of the tree at `root`: at most `max_commits` of the
/// commits that touched `gtdocs.yaml` or `runbooks/`, newest first, on
/// the first-parent line of HEAD. `current`, the book just validated
/// from the work tree, spares reading and parsing the revisions it holds.
/// Never an error: a history that cannot be read is a warning and no
/// history.
pub fn read(root: &Path, max_commits: usize, current: Option<&Book>) -> HistoryRead {
    let started = Instant::now();
    let mut read = HistoryRead::default();
    let git = Git::new(root);
    // Not a work tree, no git, no commit yet: nothing to read, and
    // nothing wrong.
    let inside = git.text(&["rev-parse", "--is-inside-work-tree"]);
    if inside.as_deref().ok() != Some("true") {
        read.skipped = Some(Skipped::NotInGit);
        return read;
    }
    let Ok(head) = git.text(&["rev-parse", "--verify", "--quiet", "HEAD"]) else {
        read.skipped = Some(Skipped::NoCommit);
        return read;
    };
    match super::source::source_commit(&git, &head) {
        Ok(source) => read.source = source,
        Err(e) => read.diagnostics.push(
            Diagnostic::warning(
                "history-unreadable",
                format!("the source commit cannot be read from git: {e}"),
            )
            .with_hint("the manifest is built without naming its commit"),
        ),
    }
    if max_commits == 0 {
        read.skipped = Some(Skipped::Disabled);
        read.head = Some(head);
        return read;
    }
    match read_history(&git, &head, max_commits, current, &mut read) {
        Ok(history) => {
            if history.shallow {
                read.diagnostics.push(
                    Diagnostic::warning(
                        "shallow-history",
                        format!(
                            "the repository is a shallow clone: the history of verdicts starts at commit {} and is marked incomplete",
                            history.starts_at.as_ref().map_or("HEAD", |c| c.id.get(..12).unwrap_or(&c.id))
                        ),
                    )
                    .with_hint("fetch the whole history: `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout"),
                );
            }
            read.history = Some(history);
            read.head = Some(head);
        }
        Err(e) => read.diagnostics.push(
            Diagnostic::warning(
                "history-unreadable",
                format!("the history of verdicts cannot be read from git: {e}"),
            )
            .with_hint("the site is built without it; `history: {max_commits: 0}` in gtdocs.yaml stops reading it"),
        ),
    }
    read.took = started.elapsed();
    read
}

fn read_history(
    git: &Git,
    head: &str,
    max_commits: usize,
    current: Option<&Book>,
    read: &mut HistoryRead,
) -> Result<History, HistoryError> {
    let prefix = git.text(&["rev-parse", "--show-prefix"])?;
    let shallow = git.text(&["rev-parse", "--is-shallow-repository"])? == "true";
    let mut logged = log(git, &prefix, head, max_commits.saturating_add(1))?;
    let read_all = logged.len();
    // Where the history starts when it cannot start at the first commit:
    // the oldest commit read past the bound, or a shallow clone's own
    // first commit (whose diff is its whole tree, not what it changed).
    let boundary = shallow && logged.first().is_some_and(|l| is_graft(git, &l.commit.id));
    let base = (logged.len() > max_commits || boundary).then(|| logged.remove(0));
    let known = match current {
        Some(book) => super::current::digests(git, &prefix, book)?,
        None => Default::default(),
    };
    let mut blobs = Blobs::start(git, known)?;
    let mut replay = Replay::default();
    let files = match &base {
        Some(base) => files_at(git, &prefix, &base.commit.id)?,
        None => Vec::new(),
    };
    // Every runbook revision the replay will ask for, read and parsed up
    // front on every core (they are few: at most one per file a commit
    // changed, within the bound).
    let every: Vec<&str> = files
        .iter()
        .chain(logged.iter().flat_map(|l| &l.changes))
        .filter(|f| matches!(f.file, Tracked::Runbook(_)))
        .filter_map(|f| f.blob.as_deref())
        .collect();
    blobs.prefetch_runbooks(&every)?;
    if base.is_some() {
        replay.start(&files, &mut blobs)?;
    }
    for commit in &logged {
        replay.apply(commit, &mut blobs)?;
    }
    read.blobs = blobs.read;
    Ok(History {
        commits: read_all,
        shallow,
        starts_at: base.map(|b| (*b.commit).clone()),
        ..History::new(replay.finish())
    })
}

/// Whether `commit` is a shallow clone's boundary (listed in
/// `$GIT_DIR/shallow`): its parents are not in the repository.
fn is_graft(git: &Git, commit: &str) -> bool {
    let Ok(path) = git.text(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "shallow",
    ]) else {
        return false;
    };
    std::fs::read_to_string(path)
        .map(|text| text.lines().any(|l| l.trim() == commit))
        .unwrap_or(false)
}
