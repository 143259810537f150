//! Which commits touched the docs tree, and which of its files each one
//! changed: one `git log --raw` for the whole history, one `git ls-tree`
//! for the state a bounded history starts from.

use std::sync::Arc;

use super::error::HistoryError;
use crate::git::Git;
use crate::model::Commit;

/// A file of the docs tree whose history is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tracked {
    Config,
    /// `runbooks/<slug>.yaml`, by its slug.
    Runbook(String),
}

/// A tracked file as a commit left it: its blob, or `None` when deleted.
#[derive(Debug, Clone)]
pub(super) struct FileChange {
    pub(super) file: Tracked,
    pub(super) blob: Option<String>,
}

/// One commit of the log and what it changed in the docs tree.
#[derive(Debug)]
pub(super) struct Logged {
    pub(super) commit: Arc<Commit>,
    pub(super) changes: Vec<FileChange>,
}

/// The tracked file at `path` (relative to the repository's top), given
/// the docs tree's `prefix` there (`docs/`, or empty).
pub(super) fn tracked(prefix: &str, path: &str) -> Option<Tracked> {
    let rel = path.strip_prefix(prefix)?;
    if rel == crate::load::CONFIG_FILE {
        return Some(Tracked::Config);
    }
    let name = rel
        .strip_prefix(crate::load::RUNBOOKS_DIR)?
        .strip_prefix('/')?;
    let slug = name.strip_suffix(".yaml")?;
    (!slug.is_empty() && !slug.contains('/')).then(|| Tracked::Runbook(slug.to_owned()))
}

/// Runs git with `args` limited to the docs tree: `--` and its
/// pathspecs (relative to `git`'s folder, the tree's root, read
/// literally) are appended.
pub(super) fn run_on_tree(git: &Git, args: &[&str]) -> Result<Vec<u8>, HistoryError> {
    let specs = [
        format!(":(literal){}", crate::load::CONFIG_FILE),
        format!(":(literal){}/", crate::load::RUNBOOKS_DIR),
    ];
    let mut all: Vec<&str> = args.to_vec();
    all.push("--");
    all.extend(specs.iter().map(String::as_str));
    Ok(git.run(&all)?)
}

/// The newest `max` commits of the first-parent line of `head` that touched
/// the docs tree, oldest first, with the files each changed against its
/// first parent (so a merge counts as what it brought to the line).
pub(super) fn log(
    git: &Git,
    prefix: &str,
    head: &str,
    max: usize,
) -> Result<Vec<Logged>, HistoryError> {
    let count = format!("--max-count={max}");
    let out = run_on_tree(
        git,
        &[
            "-c",
            "core.quotePath=false",
            "log",
            "--first-parent",
            "--reverse",
            &count,
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "--no-color",
            "-z",
            "--format=%H %ct%n%s",
            head,
        ],
    )?;
    parse_log(&out, prefix)
}

/// Reads `git log -z --raw --format=%H %ct%n%s`: NUL-separated fields, a
/// commit's header (`<id> <time>\n<subject>`) then, for each changed file,
/// its `:<modes> <blobs> <status>` field and its path.
fn parse_log(out: &[u8], prefix: &str) -> Result<Vec<Logged>, HistoryError> {
    let mut commits: Vec<Logged> = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(field) = fields.next() {
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if field.is_empty() {
            continue;
        }
        if field.first() == Some(&b':') {
            let path = fields
                .next()
                .ok_or_else(|| HistoryError::Log("a change without its path".into()))?;
            let current = commits
                .last_mut()
                .ok_or_else(|| HistoryError::Log("a change before any commit".into()))?;
            let path = String::from_utf8_lossy(path);
            if let Some(file) = tracked(prefix, &path) {
                current.changes.push(FileChange {
                    file,
                    blob: new_blob(field)?,
                });
            }
            continue;
        }
        commits.push(Logged {
            commit: Arc::new(header(field)?),
            changes: Vec::new(),
        });
    }
    Ok(commits)
}

/// `<id> <time>\n<subject>`.
fn header(field: &[u8]) -> Result<Commit, HistoryError> {
    let text = String::from_utf8_lossy(field);
    let (line, subject) = text.split_once('\n').unwrap_or((&text, ""));
    let bad = || HistoryError::Log(format!("not a commit header: `{line}`"));
    let (id, time) = line.split_once(' ').ok_or_else(bad)?;
    if id.len() < 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(Commit {
        id: id.to_owned(),
        time: time.trim().parse().map_err(|_| bad())?,
        subject: subject.to_owned(),
    })
}

/// The blob a raw field leaves (`:100644 100644 <old> <new> M`), `None`
/// for a deletion or for what is not a file (a link, a submodule).
fn new_blob(field: &[u8]) -> Result<Option<String>, HistoryError> {
    let text = String::from_utf8_lossy(field);
    let parts: Vec<&str> = text.trim_start_matches(':').split(' ').collect();
    let [_, new_mode, _, new_blob, status] = parts[..] else {
        return Err(HistoryError::Log(format!("not a raw diff line: `{text}`")));
    };
    let regular = matches!(new_mode, "100644" | "100755");
    Ok((regular && !status.starts_with('D')).then(|| new_blob.to_owned()))
}

/// Every tracked file of `commit`, with its blob.
pub(super) fn files_at(
    git: &Git,
    prefix: &str,
    commit: &str,
) -> Result<Vec<FileChange>, HistoryError> {
    let out = run_on_tree(git, &["ls-tree", "-r", "-z", "--full-name", commit])?;
    let mut files = Vec::new();
    for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `<mode> <type> <blob>\t<path>`
        let text = String::from_utf8_lossy(entry);
        let Some((meta, path)) = text.split_once('\t') else {
            return Err(HistoryError::Log(format!("not a tree entry: `{text}`")));
        };
        let mut meta = meta.split(' ');
        let (Some(mode), Some(_), Some(blob)) = (meta.next(), meta.next(), meta.next()) else {
            return Err(HistoryError::Log(format!("not a tree entry: `{text}`")));
        };
        if !matches!(mode, "100644" | "100755") {
            continue;
        }
        if let Some(file) = tracked(prefix, path) {
            files.push(FileChange {
                file,
                blob: Some(blob.to_owned()),
            });
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_config_and_runbook_files_are_tracked() {
        assert_eq!(tracked("docs/", "docs/gtdocs.yaml"), Some(Tracked::Config));
        assert_eq!(
            tracked("docs/", "docs/runbooks/n8n.yaml"),
            Some(Tracked::Runbook("n8n".into()))
        );
        assert_eq!(tracked("docs/", "gtdocs.yaml"), None);
        assert_eq!(tracked("", "runbooks/a/b.yaml"), None);
        assert_eq!(tracked("", "runbooks/README.md"), None);
        assert_eq!(tracked("", "runbooks/.yaml"), None);
    }

    #[test]
    fn a_log_is_read_commit_by_commit() {
        let a = "a".repeat(40);
        let z = "0".repeat(40);
        let b = "b".repeat(40);
        let out = format!(
            "{a} 100\nfirst\0\n:000000 100644 {z} {b} A\0runbooks/x.yaml\0:000000 100644 {z} {b} A\0README.md\0\
             {b} 200\nsecond: \u{1b} odd\0\n:100644 000000 {b} {z} D\0runbooks/x.yaml\0"
        );
        let log = parse_log(out.as_bytes(), "").expect("parses");
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].commit.time, 100);
        assert_eq!(log[0].changes.len(), 1);
        assert_eq!(log[0].changes[0].blob.as_deref(), Some(b.as_str()));
        assert_eq!(log[1].commit.subject, "second: \u{1b} odd");
        assert_eq!(log[1].changes[0].blob, None);
    }
}
