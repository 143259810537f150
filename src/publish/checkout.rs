//! The wiki's checkout as gtdocs reads and writes it: the remote's
//! content, so nothing is followed through a symbolic link and every path
//! stays inside it.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::PublishError;

/// The file at `rel` (a `/`-separated path) in the checkout, `None` when
/// there is none. The checkout is the remote's content: a symbolic link at
/// the file or at any folder on the way (`.gtdocs` itself) could lead
/// anywhere on this machine, so it is refused, never followed.
pub(super) fn read_in_checkout(checkout: &Path, rel: &str) -> std::io::Result<Option<Vec<u8>>> {
    let mut path = checkout.to_path_buf();
    let mut shown = String::new();
    for part in rel.split('/') {
        path.push(part);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(part);
        let meta = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            other => other?,
        };
        let last = shown.len() == rel.len();
        let why = if meta.file_type().is_symlink() {
            "a symbolic link, never followed in the wiki"
        } else if last && !meta.is_file() {
            "not a file"
        } else if !last && !meta.is_dir() {
            "not a folder"
        } else {
            continue;
        };
        return Err(std::io::Error::other(format!(
            "`{shown}` is not a regular file ({why})"
        )));
    }
    std::fs::read(&path).map(Some)
}

/// A plain, visible file name: no folder, no `..`, nothing hidden (no
/// control, format or separator character, which would hide in a name
/// shown on a terminal).
pub(super) fn is_page_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(crate::diagnostic::is_unprintable)
        && name.trim() == name
}

/// A file name from the wiki as it is shown: every character that would
/// act on a terminal or on Markdown (control characters, line ends, tabs)
/// escaped, so the name shown is the name, never another one.
pub fn shown_name(name: &str) -> String {
    crate::diagnostic::visible(name)
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// The entries at the top of the wiki checkout (pages, whatever their
/// kind). A symbolic link counts as a page whose content is its target, so
/// it is never written through and never matches a generated page.
pub(super) fn wiki_pages(checkout: &Path) -> Result<BTreeMap<String, Vec<u8>>, PublishError> {
    let mut pages = BTreeMap::new();
    for entry in std::fs::read_dir(checkout).map_err(PublishError::Write)? {
        let entry = entry.map_err(PublishError::Write)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(PublishError::Write)?;
        if name.starts_with('.') || kind.is_dir() {
            continue;
        }
        let content = if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(PublishError::Write)?;
            format!("symbolic link to {}", target.display()).into_bytes()
        } else {
            std::fs::read(entry.path()).map_err(PublishError::Write)?
        };
        pages.insert(name, content);
    }
    Ok(pages)
}

/// Writes `rel` (a `/`-separated path) inside the checkout, never through
/// a symbolic link: a link committed to the wiki, at the file or at one of
/// its folders, is replaced, and so is a file where a folder belongs.
pub(super) fn write_inside(checkout: &Path, rel: &str, content: &[u8]) -> std::io::Result<()> {
    let parts: Vec<&str> = rel.split('/').collect();
    let mut path = checkout.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() || (!last && !m.is_dir()) => {
                std::fs::remove_file(&path)?;
            }
            Ok(m) if last && m.is_dir() => {
                return Err(std::io::Error::other(format!(
                    "`{rel}` is a folder in the wiki"
                )));
            }
            _ => {}
        }
        if !last && !path.is_dir() {
            std::fs::create_dir(&path)?;
        }
    }
    std::fs::write(&path, content)
}

/// Every file of the checkout, in sub-folders too (GitHub shows pages
/// from every folder), but for git's and gtdocs' own.
pub(super) fn all_files(checkout: &Path) -> Vec<String> {
    walkdir::WalkDir::new(checkout)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(checkout).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// The markups GitHub wikis render as pages, by file extension.
const MARKUPS: [&str; 16] = [
    "md",
    "mkd",
    "mkdn",
    "mdown",
    "markdown",
    "textile",
    "rdoc",
    "org",
    "creole",
    "rst",
    "rest",
    "asciidoc",
    "adoc",
    "mediawiki",
    "wiki",
    "pod",
];

/// The page a file of the checkout is on GitHub, as one key for every file
/// that gives the same page: the file name without folder and markup
/// extension, in lower case, spaces as dashes (`Home.md`, `home.markdown`
/// and `docs/HOME.md` are one page). `None` for a file that is no page (an
/// image).
pub(super) fn page_key(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.rsplit_once('.')?;
    MARKUPS
        .iter()
        .any(|m| ext.eq_ignore_ascii_case(m))
        .then(|| stem.to_lowercase().replace(' ', "-"))
}
