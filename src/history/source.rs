//! Which commit the built data comes from: the newest commit of HEAD's
//! first-parent line that touched the docs tree (`gtdocs.yaml`,
//! `runbooks/`), its committer date, and whether the work tree's docs
//! files differ from it. The manifest names it, so that a consumer can tell
//! which revision of the data it holds.

use super::error::HistoryError;
use super::log::run_on_tree;
use crate::git::Git;
use crate::model::SourceCommit;

/// The source commit of the tree `git` runs in, at `head`; `None` when no
/// commit touched the docs tree.
pub(super) fn source_commit(git: &Git, head: &str) -> Result<Option<SourceCommit>, HistoryError> {
    let out = run_on_tree(
        git,
        &[
            "log",
            "--first-parent",
            "--max-count=1",
            "--no-color",
            "--format=%H %ct",
            head,
        ],
    )?;
    let text = String::from_utf8_lossy(&out);
    let Some((id, time)) = text.trim().split_once(' ') else {
        return Ok(None);
    };
    let Ok(time) = time.parse::<u64>() else {
        return Err(HistoryError::Log(format!(
            "the date `{time}` of commit {id}"
        )));
    };
    // Staged, unstaged and untracked changes to the docs tree; ignored
    // files stay out, as git would leave them out of the next commit.
    let status = run_on_tree(
        git,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignore-submodules=all",
        ],
    )?;
    Ok(Some(SourceCommit {
        id: id.to_owned(),
        time,
        modified: !status.is_empty(),
    }))
}
