//! A side given as a git revision: its docs tree, unpacked from `git
//! archive` within the loader's limits.

use std::path::{Path, PathBuf};

use super::side::DiffError;
use crate::git::{Git, GitError};

/// The docs tree of a git revision, unpacked into a temporary folder that
/// is deleted when this is dropped.
pub struct Unpacked {
    /// The revision as people read it: `main (0123456789ab)`.
    pub label: String,
    dir: tempfile::TempDir,
}

impl Unpacked {
    /// The docs tree's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The docs tree at git revision `spec` of the repository holding `root`,
/// unpacked from `git archive` into a temporary folder (no checkout, the
/// work tree is untouched).
pub fn unpack(spec: &str, root: &Path) -> Result<Unpacked, DiffError> {
    let unresolved = || DiffError::Unresolved(spec.to_owned());
    // Not a repository, or not a revision: the argument means nothing here.
    let here = Git::new(root);
    let prefix = here
        .text(&["rev-parse", "--show-prefix"])
        .map_err(|_| unresolved())?;
    let top = here
        .text(&["rev-parse", "--show-toplevel"])
        .map_err(|_| unresolved())?;
    // Paths below are relative to the repository's top, whatever --root is.
    let git = here.in_dir(top);
    let commit = git
        .text(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{spec}^{{commit}}"),
        ])
        .map_err(|_| unresolved())?;
    let short = commit.get(..12).unwrap_or(&commit);
    let is_hash = spec.len() >= 4 && spec.bytes().all(|b| b.is_ascii_hexdigit());
    let label = if is_hash && commit.starts_with(&spec.to_ascii_lowercase()) {
        short.to_owned()
    } else {
        format!("{spec} ({short})")
    };
    let treeish = format!("{commit}:{}", prefix.trim_end_matches('/'));
    let listed = git.text(&["ls-tree", "--name-only", &treeish])?;
    let wanted: Vec<&str> = listed
        .lines()
        .filter(|name| matches!(*name, "gtdocs.yaml" | "runbooks" | "themes"))
        .collect();
    if !wanted.contains(&"gtdocs.yaml") {
        return Err(DiffError::Invalid {
            label,
            detail: format!("there is no gtdocs.yaml in `{treeish}`"),
        });
    }
    let mut args = vec!["archive", "--format=tar", treeish.as_str(), "--"];
    args.extend(wanted);
    let dir = tempfile::Builder::new()
        .prefix(".gtdocs-diff-")
        .tempdir()
        .map_err(|source| DiffError::Unpack {
            label: label.clone(),
            source,
        })?;
    // Streamed from git into the folder, each entry within the loader's
    // own limit and the whole within MAX_REVISION_BYTES: never held whole.
    git.stream(&args, |out| {
        unpack_archive(std::io::BufReader::new(out), dir.path())
    })
    .map_err(|e| match e {
        Failure::Git(e) => DiffError::Git(e),
        Failure::Io(source) => DiffError::Unpack {
            label: label.clone(),
            source,
        },
        Failure::LinkOut { path, target } => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "`{}` is a symbolic link to `{}`, outside the docs tree",
                path.display(),
                target.display()
            ),
        },
        Failure::FileTooLarge { path, max } => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "`{}` is larger than {max} bytes, the most gtdocs reads of such a file",
                path.display()
            ),
        },
        Failure::TreeTooLarge => DiffError::Invalid {
            label: label.clone(),
            detail: format!(
                "the docs tree (gtdocs.yaml, runbooks/ and themes/) is larger than \
                 {MAX_REVISION_BYTES} bytes in all"
            ),
        },
    })?;
    Ok(Unpacked { label, dir })
}

/// Most bytes of a revision's docs tree `diff` unpacks (the files and
/// their tar headers): far above a real tree (thousands of runbooks of a
/// few kilobytes, a theme of at most 64 MiB), a bound on disk and time.
const MAX_REVISION_BYTES: u64 = 512 * 1024 * 1024;

enum Failure {
    Git(GitError),
    Io(std::io::Error),
    LinkOut {
        path: PathBuf,
        target: PathBuf,
    },
    /// An entry larger than the loader reads for its kind of file.
    FileTooLarge {
        path: PathBuf,
        max: u64,
    },
    /// More than [`MAX_REVISION_BYTES`] in all.
    TreeTooLarge,
}

impl From<GitError> for Failure {
    fn from(e: GitError) -> Self {
        Failure::Git(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Unpacks `git archive`'s tar into `dir`. A symbolic link committed in
/// the sources is kept only when its target stays inside the archive
/// (read as written, from the link's folder); one that leads out, or an
/// entry of any other kind than a file, folder or link, is refused. A file
/// larger than the loader would read (a source file, a theme file), or a
/// tree larger than [`MAX_REVISION_BYTES`], is refused before it is written.
fn unpack_archive(archive: impl std::io::Read, dir: &Path) -> Result<(), Failure> {
    use tar::EntryType;
    let mut total: u64 = 0;
    for entry in tar::Archive::new(archive).entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        let size = entry.size();
        // A tar header is 512 bytes: counting them bounds the entries too.
        total = total.saturating_add(size.saturating_add(512));
        if total > MAX_REVISION_BYTES {
            return Err(Failure::TreeTooLarge);
        }
        let path = entry.path()?.into_owned();
        let max = if path.starts_with(crate::load::theme::THEMES_DIR) {
            crate::load::theme::MAX_THEME_FILE_BYTES
        } else {
            crate::load::MAX_SOURCE_BYTES
        };
        if size > max {
            return Err(Failure::FileTooLarge { path, max });
        }
        match kind {
            EntryType::Regular | EntryType::Directory | EntryType::XGlobalHeader => {}
            EntryType::Symlink => {
                let target = entry
                    .link_name()?
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if !link_stays_inside(&path, &target) {
                    return Err(Failure::LinkOut { path, target });
                }
            }
            _ => {
                return Err(Failure::Io(std::io::Error::other(format!(
                    "`{}` is a {kind:?} entry, not a file, folder or link",
                    entry.path()?.display()
                ))));
            }
        }
        entry.unpack_in(dir)?;
    }
    Ok(())
}

/// Whether a relative link at `path` to `target` stays inside the folder
/// `path` is relative to (no absolute target, never above the top).
fn link_stays_inside(path: &Path, target: &Path) -> bool {
    use std::path::Component;
    let mut depth = path.components().count().saturating_sub(1) as isize;
    for part in target.components() {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    !target.as_os_str().is_empty()
}
