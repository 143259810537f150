//! The runbooks the build has just validated, as the history's digests:
//! a revision whose blob is the one in the work tree is not read from git
//! nor parsed again. In a fresh clone that is every runbook of HEAD, so a
//! tree's first commit (which adds them all) costs a `git ls-files`, not a
//! second parse of the whole tree.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::digest::RunbookDigest;
use super::error::HistoryError;
use super::log::{Tracked, run_on_tree, tracked};
use crate::git::Git;
use crate::model::{Book, Runbook};

/// The digest of each runbook of `book` whose work-tree file is the blob
/// git's index holds for it, by that blob's id.
pub(super) fn digests(
    git: &Git,
    prefix: &str,
    book: &Book,
) -> Result<HashMap<String, Arc<RunbookDigest>>, HistoryError> {
    let clean = clean_blobs(git, prefix)?;
    Ok(book
        .runbooks
        .iter()
        .filter_map(|rb| {
            let blob = clean.get(&rb.slug)?;
            Some((blob.clone(), Arc::new(of(book, rb))))
        })
        .collect())
}

/// What [`RunbookDigest::parse`] gives for the source of a validated
/// runbook: its title, and the verdict id of each route it maps (a valid
/// runbook maps a catalog route at most once, by its exact name).
pub(super) fn of(book: &Book, rb: &Runbook) -> RunbookDigest {
    let verdicts = rb
        .routes
        .iter()
        .zip(&book.catalog.routes)
        .filter_map(|(mapping, route)| {
            let verdict = book.catalog.verdicts.get(mapping.verdict?)?;
            Some((route.route.clone(), verdict.id.clone()))
        })
        .collect();
    RunbookDigest {
        title: Some(rb.title.clone()),
        verdicts,
    }
}

/// The index's blob of each runbook whose work-tree file git sees as
/// unchanged, by slug. Whatever git is unsure of is left out (and read
/// from git as any other revision): a file whose stat differs from the
/// index's, one marked assume-unchanged or skip-worktree, one in conflict.
fn clean_blobs(git: &Git, prefix: &str) -> Result<HashMap<String, String>, HistoryError> {
    let listed = run_on_tree(git, &["ls-files", "-z", "-s", "-t", "-v", "--full-name"])?;
    let changed = run_on_tree(git, &["diff-files", "-z", "--name-only"])?;
    let changed: HashSet<&[u8]> = changed
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .collect();
    let mut blobs = HashMap::new();
    for entry in listed.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `<tag> <mode> <blob> <stage>\t<path>`; tag `H` is a tracked file
        // git checks (lower case: assume-unchanged; `S`: skip-worktree).
        let text = String::from_utf8_lossy(entry);
        let Some((meta, path)) = text.split_once('\t') else {
            return Err(HistoryError::Log(format!("not an index entry: `{text}`")));
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        let ["H", mode, blob, "0"] = fields[..] else {
            continue;
        };
        if !matches!(mode, "100644" | "100755") || changed.contains(&path.as_bytes()) {
            continue;
        }
        if let Some(Tracked::Runbook(slug)) = tracked(prefix, path) {
            blobs.insert(slug, blob.to_owned());
        }
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For every runbook of the bundled tree, the digest made from the
    /// validated book is the one a parse of its file gives: the history is
    /// the same whichever the build takes.
    #[test]
    fn a_validated_runbooks_digest_is_its_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut tree, rels) = crate::load::load_config(root).expect("the bundled tree loads");
        let validated = crate::validate::validate_streaming(
            &mut tree,
            rels,
            &crate::validate::SiteOverrides::default(),
            true,
        )
        .expect("validates");
        let book = validated.book.expect("a valid book");
        assert!(book.runbooks.len() > 20);
        for rb in &book.runbooks {
            let text = std::fs::read_to_string(root.join(&rb.source)).expect("read");
            let parsed = RunbookDigest::parse(&text).expect("parses");
            assert_eq!(of(&book, rb), parsed, "{}", rb.slug);
            assert!(!parsed.verdicts.is_empty(), "{}", rb.slug);
        }
    }
}
