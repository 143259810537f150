//! The names a build writes that come from the sources: a runbook's file
//! name, `wiki.page_prefix`, `wiki.index_page`, `wiki.matrix_page` and the
//! catalog's routes (a page's folder, `json/routes/<id>.json`) become file
//! and folder names of the output. Each must
//! fit one file name on the common file systems (255 bytes), or the build
//! would fail half-way with the OS's "File name too long"; `check` reports
//! it first, at the source. Every output path holds at most one such name
//! below a few fixed folders, so the whole path stays short too.

use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::model::{self, WikiSettings, wiki_page_file};
use crate::source::RouteSource;

/// Longest file or folder name, in bytes (NAME_MAX of ext4, XFS, Btrfs,
/// APFS, NTFS...).
pub const NAME_MAX: usize = 255;

/// The output names a runbook's slug becomes: its wiki page, its JSON
/// entry and its HTML folder, each made by the function its renderer uses.
fn runbook_names(wiki: &WikiSettings, slug: &str) -> [String; 3] {
    [
        wiki_page_file(&model::wiki_page_name(&wiki.page_prefix, slug)),
        model::entry_file(slug),
        last_segment(&model::runbook_site_path(slug)),
    ]
}

fn last_segment(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The longest of `names` when it is over [`NAME_MAX`].
fn too_long(names: impl IntoIterator<Item = String>) -> Option<String> {
    names
        .into_iter()
        .filter(|n| n.len() > NAME_MAX)
        .max_by_key(String::len)
}

/// The page prefix alone (with the shortest slug) is too long.
fn prefix_too_long(wiki: &WikiSettings) -> Option<String> {
    too_long([wiki_page_file(&model::wiki_page_name(
        &wiki.page_prefix,
        "x",
    ))])
}

fn message(name: &str) -> String {
    let shown: String = name.chars().take(40).collect();
    format!(
        "the output name `{shown}…` would be {} bytes long: file names hold at most {NAME_MAX}",
        name.len()
    )
}

/// `gtdocs.yaml`: the wiki page names and the route pages.
pub fn check_catalog(
    doc: &Document,
    wiki: &WikiSettings,
    routes: &[RouteSource],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let fields = [
        ("/wiki/page_prefix", prefix_too_long(wiki)),
        (
            "/wiki/index_page",
            too_long([wiki_page_file(&wiki.index_page)]),
        ),
        (
            "/wiki/matrix_page",
            too_long([wiki_page_file(&wiki.matrix_page)]),
        ),
    ];
    for (pointer, name) in fields {
        if let Some(name) = name {
            diagnostics.push(
                Diagnostic::error("name-too-long", message(&name))
                    .in_file(&doc.path, doc.spans.value(pointer))
                    .with_hint("shorten this name: it becomes a wiki page's file name"),
            );
        }
    }
    for (i, r) in routes.iter().enumerate() {
        let slug = model::route_slug(&r.route);
        let names = [
            last_segment(&model::route_site_path(&r.route)),
            last_segment(&model::route_file_path(&slug)),
        ];
        if let Some(name) = too_long(names) {
            diagnostics.push(
                Diagnostic::error("name-too-long", message(&name))
                    .in_file(&doc.path, doc.spans.value(&format!("/routes/{i}/route")))
                    .with_hint("shorten the route: its letters and digits name its page's folder and its JSON file"),
            );
        }
    }
}

/// A runbook: the names its file name (its slug) becomes. A page prefix
/// too long for any runbook is reported once, at `gtdocs.yaml`.
pub fn check_runbook(
    doc: &Document,
    slug: &str,
    wiki: &WikiSettings,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if prefix_too_long(wiki).is_some() {
        return;
    }
    if let Some(name) = too_long(runbook_names(wiki, slug)) {
        diagnostics.push(
            Diagnostic::error("name-too-long", message(&name))
                .in_file(&doc.path, None)
                .with_hint(format!(
                    "shorten the file name (or `wiki.page_prefix`): the slug may be at most {} bytes here",
                    longest_slug(wiki)
                )),
        );
    }
}

/// The longest slug whose names all fit.
fn longest_slug(wiki: &WikiSettings) -> usize {
    (1..=NAME_MAX)
        .rev()
        .find(|n| too_long(runbook_names(wiki, &"x".repeat(*n))).is_none())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wiki(prefix: &str) -> WikiSettings {
        WikiSettings {
            page_prefix: prefix.into(),
            index_page: "Client-Runbooks".into(),
            matrix_page: "Compatibility-Matrix".into(),
            changes_page: "Compatibility-Changes".into(),
            home: Default::default(),
            sidebar: Default::default(),
            footer: Default::default(),
            sidebar_runbooks: false,
        }
    }

    #[test]
    fn the_wiki_page_is_the_longest_name_of_a_runbook() {
        // `Runbooks-<slug>.md`: 12 bytes around the slug.
        assert_eq!(longest_slug(&wiki("runbooks")), NAME_MAX - 12);
        // With no prefix, `<slug>.json` is the longest.
        assert_eq!(longest_slug(&wiki("")), NAME_MAX - 5);
    }
}
