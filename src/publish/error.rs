//! Why a publish stopped, with what to do about it.

use std::path::PathBuf;

use super::records::OWNERSHIP_FILE;
use crate::git::GitError;
use crate::render::wiki::{SECTION_BEGIN, SECTION_END, SIDEBAR};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("there are no wiki pages in `{0}`")]
    NoPages(PathBuf),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a page name gtdocs publishes (a plain file name, not hidden)")]
    PageName(String),
    #[error("cannot clone the wiki `{remote}`: {source}")]
    Clone { remote: String, source: GitError },
    #[error("the wiki has no branch `{0}`")]
    NoBranch(String),
    #[error(
        "{} page(s) on the wiki were written by hand and gtdocs would overwrite them: {}",
        .0.len(),
        .0.join(", ")
    )]
    Conflict(Vec<String>),
    #[error(
        "{} page(s) on the wiki have the name of a page gtdocs writes, in another case, folder or markup: {}",
        .0.len(),
        .0.join(", ")
    )]
    SameName(Vec<String>),
    #[error("the wiki's `{OWNERSHIP_FILE}` is unreadable: {0}")]
    Ownership(String),
    #[error("cannot put gtdocs' block into the wiki's `{SIDEBAR}`: {0}")]
    Sidebar(String),
    #[error("the built site's wiki settings do not hold together: {0}")]
    Settings(String),
    #[error("cannot write into the wiki checkout: {0}")]
    Write(std::io::Error),
    #[error("cannot push to the wiki `{remote}`: {source}")]
    Push { remote: String, source: GitError },
    #[error("other commits kept landing on the wiki: gave up after {0} attempts")]
    Raced(u32),
    #[error(transparent)]
    Git(#[from] GitError),
}

impl PublishError {
    pub fn hint(&self) -> Option<String> {
        let remote_hint = |e: &GitError| {
            let s = e.stderr();
            if s.contains("Authentication failed")
                || s.contains("could not read Username")
                || s.contains("403")
                || s.contains("401")
            {
                Some(
                    "the remote refused the credentials: check that the token (GTDOCS_WIKI_TOKEN) \
                     is valid and may write to the repository's contents"
                        .to_owned(),
                )
            } else if s.contains("not found")
                || s.contains("does not exist")
                || s.contains("does not appear to be a git repository")
            {
                Some(
                    "check the URL; GitHub creates a wiki's repository only when its first page \
                     is saved, so create one page in the wiki's web editor once"
                        .to_owned(),
                )
            } else if s.contains("Could not resolve host")
                || s.contains("Connection refused")
                || s.contains("Failed to connect")
            {
                Some("the remote is unreachable: check the URL and the network".to_owned())
            } else {
                e.hint().map(str::to_owned)
            }
        };
        match self {
            PublishError::NoPages(_) => Some("run `gtdocs build` first, or pass --site".into()),
            PublishError::Conflict(_) => Some(
                "rename or remove those pages on the wiki, or pass --adopt to let gtdocs own them \
                 (their history stays in the wiki)"
                    .into(),
            ),
            PublishError::SameName(_) => Some(
                "GitHub shows only one of them under that name: rename or remove the other file \
                 on the wiki"
                    .into(),
            ),
            PublishError::Ownership(_) => Some(format!(
                "fix or delete `{OWNERSHIP_FILE}` in the wiki repository; without it, \
                 gtdocs treats every page as written by hand"
            )),
            PublishError::Raced(_) => Some("run the publish again".into()),
            PublishError::Sidebar(_) => Some(format!(
                "make `{SIDEBAR}` on the wiki a UTF-8 file (not a link) holding one \
                 `{SECTION_BEGIN} ...` line and one `{SECTION_END}` line after it, or neither; \
                 or set `wiki.sidebar` to `auto`, `own` or `none`"
            )),
            PublishError::Settings(_) => Some("build the site again with this gtdocs".into()),
            PublishError::Clone { source, .. } | PublishError::Push { source, .. } => {
                remote_hint(source)
            }
            PublishError::Git(e) => e.hint().map(str::to_owned),
            _ => None,
        }
    }

    /// Conflicts are about content (exit 1); the rest is I/O (exit 2).
    pub fn is_conflict(&self) -> bool {
        matches!(self, PublishError::Conflict(_) | PublishError::SameName(_))
    }
}
