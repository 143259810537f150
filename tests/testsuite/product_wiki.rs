//! `publish-wiki` into a wiki that is more than the runbooks: the GT
//! product wiki, whose `Home.md` and `_Sidebar.md` are the product's own,
//! an empty wiki, and a wiki gtdocs already owns. gtdocs owns its section
//! and, of the wiki's own pages (`Home.md`, `_Sidebar.md`, `_Footer.md`),
//! only what `wiki.home`, `wiki.sidebar` and `wiki.footer` give it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use crate::publish::{Lab, ok, owned, pages_of};

const HOME: &str = "Home.md";
const SIDEBAR: &str = "_Sidebar.md";
const FOOTER: &str = "_Footer.md";
const INDEX: &str = "Gen3-Gt-Api-Client-Runbooks";
const MATRIX: &str = "Gen3-Gt-Api-Compatibility-Matrix";

/// The published GT wiki pages (`../shared/reference/gt-wiki`): 23 runbook
/// pages, the index, the matrix, the product's `Home.md` and `_Sidebar.md`.
fn reference_wiki() -> Option<BTreeMap<String, Vec<u8>>> {
    let dir = common::reference()?.join("gt-wiki");
    let mut pages = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("gt-wiki") {
        let entry = entry.expect("entry");
        pages.insert(
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path()).expect("read"),
        );
    }
    assert_eq!(pages.len(), 27, "the reference wiki has 27 pages");
    Some(pages)
}

/// The product's own pages, written by hand: every page the product's
/// sidebar and home link that the reference does not hold, release notes,
/// and an image in a folder (GitHub wikis hold those too).
fn product_pages(reference: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let mut pages = BTreeMap::new();
    for page in [HOME, SIDEBAR] {
        let text = String::from_utf8_lossy(&reference[page]).into_owned();
        for target in text.split("](").skip(1) {
            let Some(name) = target.split(')').next() else {
                continue;
            };
            if name.contains(['/', ':', '#', ' ']) || name.is_empty() {
                continue;
            }
            let file = format!("{name}.md");
            if !reference.contains_key(&file) {
                pages.insert(
                    file,
                    format!("# {name}\n\nWritten by hand for the product.\n").into_bytes(),
                );
            }
        }
    }
    for month in 1..=12 {
        pages.insert(
            format!("Release-Notes-2026-{month:02}.md"),
            format!("Release notes of 2026-{month:02}, written by hand.\r\n").into_bytes(),
        );
    }
    pages.insert(
        "images/architecture.png".into(),
        b"\x89PNG\r\n\x1a\n not really a picture".to_vec(),
    );
    assert!(
        pages.len() >= 36,
        "a few dozen product pages: {}",
        pages.len()
    );
    pages
}

/// A copy of the reference tree with the published page names and
/// `extra` lines appended to its `wiki:` settings; `None` (the test does
/// not run) without the reference corpus.
pub(crate) fn reference_tree(lab: &Lab, name: &str, extra: &str) -> Option<PathBuf> {
    let tree = lab.path().join(format!("tree-{name}"));
    common::copy_tree(&common::reference()?.join("gt-runbooks"), &tree);
    set_wiki(&tree, extra);
    Some(tree)
}

/// Rewrites the `wiki:` block of `tree/gtdocs.yaml`: the published page
/// names, then `extra`.
pub(crate) fn set_wiki(tree: &Path, extra: &str) {
    let path = tree.join("gtdocs.yaml");
    let text = std::fs::read_to_string(&path).expect("gtdocs.yaml");
    let start = text.find("\nwiki:\n").expect("a wiki: block") + 1;
    let end = start
        + text[start..]
            .find("\nroutes:")
            .expect("routes after the wiki block")
        + 1;
    let mut block = format!(
        "wiki:\n  page_prefix: gen3-gt-api-runbooks\n  index_page: {INDEX}\n  matrix_page: {MATRIX}\n"
    );
    for line in extra.lines() {
        block.push_str("  ");
        block.push_str(line);
        block.push('\n');
    }
    std::fs::write(&path, format!("{}{block}{}", &text[..start], &text[end..])).expect("write");
}

pub(crate) fn build(lab: &Lab, tree: &Path, name: &str) -> PathBuf {
    let site = lab.path().join(format!("site-{name}"));
    let o = common::gtdocs(tree, &["build", "--out", site.to_str().expect("utf-8")]);
    assert!(o.status.success(), "build: {}", common::stderr(&o));
    site
}

pub(crate) fn head(lab: &Lab) -> String {
    lab.head().expect("the wiki has a head")
}

fn is_ancestor(lab: &Lab, old: &str, new: &str) -> bool {
    lab.git_command(&lab.bare())
        .args(["merge-base", "--is-ancestor", old, new])
        .status()
        .expect("git")
        .success()
}

/// Files changed between two commits of the wiki.
fn changed(lab: &Lab, old: &str, new: &str) -> Vec<String> {
    lab.wiki_git(&["diff", "--name-only", old, new])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stderr(o: &Output) -> String {
    common::stderr(o)
}

/// The product wiki: a first publish with `--adopt` takes over the 25
/// runbook, index and matrix pages, and nothing else: Home and every
/// product page stay byte for byte; the sidebar keeps every line and gains
/// one block; no footer appears. Publishing again makes no commit, and
/// setting the sidebar back takes the block out and changes nothing else.
#[test]
fn the_product_wiki_keeps_its_pages_and_gains_a_sidebar_block() {
    let lab = Lab::new();
    let Some(reference) = reference_wiki() else {
        return;
    };
    let product = product_pages(&reference);
    lab.person_pushes("product", |wiki| {
        for (name, content) in reference.iter().chain(&product) {
            let path = wiki.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, content).expect("write");
        }
    });
    let before = head(&lab);
    let Some(tree) = reference_tree(&lab, "section", "sidebar: section") else {
        return;
    };
    let site = build(&lab, &tree, "section");
    let built = pages_of(&site);
    assert!(
        !built.contains_key(SIDEBAR),
        "section: no sidebar page is built"
    );

    // The dry run tells the whole story, and pushes nothing.
    let summary = lab.path().join("summary.md");
    let o = lab.publish(
        &site,
        &[
            "--adopt",
            "--dry-run",
            "--summary",
            summary.to_str().expect("utf-8"),
        ],
        &[],
    );
    ok(&o, "dry run");
    let said = stderr(&o);
    for want in [
        "Home.md: written by hand, left alone (wiki.home: auto; `own` replaces it)",
        "_Sidebar.md: gtdocs' block of links added, every other line kept (wiki.sidebar: section)",
        "_Footer.md: not created: the wiki has pages gtdocs did not write (wiki.footer: auto;",
        "adopted (25): Gen3-Gt-Api-Client-Runbooks.md, Gen3-Gt-Api-Compatibility-Matrix.md, Gen3-Gt-Api-Runbooks-Aider.md,",
        // The commit's counts include the sidebar's new lines; the image
        // is a file, not a page.
        "(0 added, 5 updated, 0 deleted, 21 unchanged; ",
        &format!("; {} hand-written page(s) left alone", product.len() - 1),
    ] {
        assert!(
            said.contains(want),
            "the dry run does not say {want:?}:\n{said}"
        );
    }
    assert_eq!(head(&lab), before, "a dry run pushes nothing");
    let report = std::fs::read_to_string(&summary).expect("summary");
    for want in [
        "| `Home.md` | `wiki.home: auto` | written by hand, left alone",
        "| `_Sidebar.md` | `wiki.sidebar: section` | gtdocs' block of links added",
        "| `_Footer.md` | `wiki.footer: auto` | not created",
        "<details><summary>Adopted (were hand-written) (25)</summary>",
        &format!(
            "<details><summary>Hand-written, left alone ({})</summary>",
            product.len() - 1
        ),
    ] {
        assert!(
            report.contains(want),
            "the summary does not say {want:?}:\n{report}"
        );
    }

    let o = lab.publish(&site, &["--adopt"], &[]);
    ok(&o, "first publish");
    let first = head(&lab);
    assert!(is_ancestor(&lab, &before, &first), "history kept");
    let files = lab.files();
    assert!(files.get(HOME) == reference.get(HOME), "Home.md untouched");
    for (name, content) in &product {
        assert!(files.get(name) == Some(content), "{name} untouched");
    }
    assert!(!files.contains_key(FOOTER), "no footer on a product wiki");
    for (name, content) in &built {
        if name.starts_with("Gen3-Gt-Api-") {
            assert!(files.get(name) == Some(content), "{name} is the built page");
        }
    }
    let sidebar = String::from_utf8(files[SIDEBAR].clone()).expect("utf-8");
    let original = String::from_utf8(reference[SIDEBAR].clone()).expect("utf-8");
    assert!(
        sidebar.starts_with(&original),
        "every hand-written line kept, in place:\n{sidebar}"
    );
    let block = &sidebar[original.len()..];
    assert!(block.starts_with("\n<!-- gtdocs:begin "), "{block}");
    assert!(block.contains(&format!("]({INDEX})")), "{block}");
    assert!(block.contains(&format!("]({MATRIX})")), "{block}");
    assert!(block.ends_with("<!-- gtdocs:end -->\n"), "{block}");
    let record = owned(&lab);
    let owned_pages: Vec<&String> = record["pages"].as_object().expect("pages").keys().collect();
    assert_eq!(owned_pages.len(), 25, "{owned_pages:?}");
    assert!(
        !owned_pages
            .iter()
            .any(|p| [HOME, SIDEBAR, FOOTER].contains(&p.as_str())),
        "{owned_pages:?}"
    );
    // Only the runbook section, the sidebar and gtdocs' records changed.
    for path in changed(&lab, &before, &first) {
        assert!(
            path.starts_with("Gen3-Gt-Api-") || path == SIDEBAR || path.starts_with(".gtdocs/"),
            "{path} changed"
        );
    }

    let o = lab.publish(&site, &[], &[]);
    ok(&o, "second publish");
    assert_eq!(head(&lab), first, "publishing again makes no commit");
    assert!(
        stderr(&o).contains("_Sidebar.md: gtdocs' block of links unchanged"),
        "{}",
        stderr(&o)
    );

    // The block lists every runbook when asked, updated in place.
    set_wiki(&tree, "sidebar: section\nsidebar_runbooks: true");
    let listed = build(&lab, &tree, "listed");
    let o = lab.publish(&listed, &[], &[]);
    ok(&o, "publish with every runbook in the block");
    assert!(
        stderr(&o).contains("block of links updated"),
        "{}",
        stderr(&o)
    );
    let sidebar = String::from_utf8(lab.files()[SIDEBAR].clone()).expect("utf-8");
    assert!(sidebar.starts_with(&original), "{sidebar}");
    assert!(
        sidebar.contains("](Gen3-Gt-Api-Runbooks-Librechat)"),
        "{sidebar}"
    );
    // The sidebar, and gtdocs' record of the block it now holds.
    assert_eq!(
        changed(&lab, &first, &head(&lab)),
        vec![".gtdocs/pages.json".to_owned(), SIDEBAR.to_owned()]
    );

    // Back to the default: the block goes, every other byte stays.
    set_wiki(&tree, "");
    let plain = build(&lab, &tree, "plain");
    let before_removal = head(&lab);
    let o = lab.publish(&plain, &[], &[]);
    ok(&o, "publish without the section");
    assert!(
        stderr(&o).contains("_Sidebar.md: gtdocs' block of links removed, every other line kept (wiki.sidebar: auto)"),
        "{}",
        stderr(&o)
    );
    let files = lab.files();
    assert_eq!(
        files.get(SIDEBAR),
        reference.get(SIDEBAR),
        "the sidebar as it was"
    );
    assert_eq!(files.get(HOME), reference.get(HOME));
    assert!(!files.contains_key(FOOTER));
    assert_eq!(
        changed(&lab, &before_removal, &head(&lab)),
        vec![".gtdocs/pages.json".to_owned(), SIDEBAR.to_owned()],
        "only the sidebar changed (and gtdocs' record of its block)"
    );
}

/// An empty wiki is gtdocs' own: the default settings give it gtdocs'
/// Home, sidebar and footer. `none` removes one; `section` replaces
/// gtdocs' sidebar with a sidebar holding only the block; back to `auto`,
/// gtdocs' sidebar returns.
#[test]
fn an_empty_wiki_gets_gtdocs_home_sidebar_and_footer() {
    let lab = Lab::new();
    let Some(tree) = reference_tree(&lab, "empty", "") else {
        return;
    };
    let site = build(&lab, &tree, "empty");
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "first publish");
    let built = pages_of(&site);
    let files = lab.files();
    for page in [HOME, SIDEBAR, FOOTER] {
        assert!(built.contains_key(page), "{page} is built");
        assert_eq!(files.get(page), built.get(page), "{page}");
        assert!(owned(&lab)["pages"].get(page).is_some(), "{page} owned");
        assert!(
            stderr(&o).contains(&format!("{page}: written by gtdocs")),
            "{}",
            stderr(&o)
        );
    }

    set_wiki(&tree, "footer: none");
    let o = lab.publish(&build(&lab, &tree, "no-footer"), &[], &[]);
    ok(&o, "footer: none");
    assert!(stderr(&o).contains("_Footer.md: gtdocs' page removed (wiki.footer: none)"));
    assert!(!lab.files().contains_key(FOOTER));
    assert!(owned(&lab)["pages"].get(FOOTER).is_none());

    set_wiki(&tree, "footer: none\nsidebar: section");
    let o = lab.publish(&build(&lab, &tree, "section"), &[], &[]);
    ok(&o, "sidebar: section");
    let sidebar = String::from_utf8(lab.files()[SIDEBAR].clone()).expect("utf-8");
    assert!(
        sidebar.starts_with("<!-- gtdocs:begin "),
        "only the block:\n{sidebar}"
    );
    assert!(sidebar.ends_with("<!-- gtdocs:end -->\n"), "{sidebar}");
    assert!(owned(&lab)["pages"].get(SIDEBAR).is_none());

    set_wiki(&tree, "footer: none");
    let o = lab.publish(&build(&lab, &tree, "auto-again"), &[], &[]);
    ok(&o, "sidebar back to auto");
    assert_eq!(
        lab.files().get(SIDEBAR),
        built.get(SIDEBAR),
        "{}",
        stderr(&o)
    );
    assert!(owned(&lab)["pages"].get(SIDEBAR).is_some());
}

/// A wiki gtdocs already owns, published by a gtdocs that wrote no
/// settings (or with the default ones), stays as it was: its Home, sidebar
/// and footer are gtdocs' and kept up to date, also once people add pages.
/// `own` takes over a hand-written Home without `--adopt`.
#[test]
fn a_wiki_gtdocs_owns_stays_as_it_was() {
    let lab = Lab::new();
    let Some(tree) = reference_tree(&lab, "owned", "") else {
        return;
    };
    let site = build(&lab, &tree, "owned");
    // A site from before the settings: the same pages, no `.gtdocs/`.
    let legacy = lab.path().join("site-legacy");
    common::copy_tree(&site, &legacy);
    std::fs::remove_dir_all(legacy.join("wiki/.gtdocs")).expect("settings of the build");
    ok(&lab.publish(&legacy, &[], &[]), "publish a legacy site");
    lab.person_pushes("notes", |wiki| {
        std::fs::write(wiki.join("Team-Notes.md"), "Ours.\n").expect("write");
    });
    let before = head(&lab);
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "same pages with settings");
    assert_eq!(head(&lab), before, "no commit: {}", stderr(&o));
    // A new title reaches Home, sidebar and footer alike.
    let text = std::fs::read_to_string(tree.join("gtdocs.yaml")).expect("yaml");
    std::fs::write(
        tree.join("gtdocs.yaml"),
        text.replacen("title: GT API client runbooks", "title: GT API clients", 1),
    )
    .expect("write");
    let renamed = build(&lab, &tree, "renamed");
    ok(&lab.publish(&renamed, &[], &[]), "publish the new title");
    let files = lab.files();
    let built = pages_of(&renamed);
    for page in [HOME, SIDEBAR, FOOTER] {
        assert_eq!(files.get(page), built.get(page), "{page} kept up to date");
    }
    assert_eq!(
        files.get("Team-Notes.md").map(Vec::as_slice),
        Some(&b"Ours.\n"[..])
    );

    // A new wiki whose Home someone wrote: `auto` leaves it, `own` takes it.
    let lab = Lab::new();
    lab.person_pushes("home", |wiki| {
        std::fs::write(wiki.join(HOME), "Welcome to the wiki!\n").expect("write");
    });
    let Some(tree) = reference_tree(&lab, "home", "") else {
        return;
    };
    let o = lab.publish(&build(&lab, &tree, "auto"), &[], &[]);
    ok(&o, "auto");
    assert_eq!(lab.files()[HOME], b"Welcome to the wiki!\n");
    assert!(
        stderr(&o).contains("Home.md: written by hand, left alone"),
        "{}",
        stderr(&o)
    );
    set_wiki(&tree, "home: own");
    let site = build(&lab, &tree, "own");
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "home: own, without --adopt");
    assert!(
        stderr(&o).contains("Home.md: written by hand, replaced by gtdocs' page (wiki.home: own;"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lab.files().get(HOME), pages_of(&site).get(HOME));
    assert!(owned(&lab)["pages"].get(HOME).is_some());
}

/// gtdocs never guesses which lines of a sidebar are its own: markers that
/// are not one pair, or a sidebar committed as a link, stop the publish
/// with a clear message, and nothing is pushed.
#[test]
fn a_sidebar_gtdocs_cannot_read_for_sure_stops_the_publish() {
    let lab = Lab::new();
    let Some(tree) = reference_tree(&lab, "markers", "sidebar: section") else {
        return;
    };
    let site = build(&lab, &tree, "markers");
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "**Ours**\n\n<!-- gtdocs:begin\nstray\n")
            .expect("write");
    });
    let before = head(&lab);
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("cannot put gtdocs' block into the wiki's `_Sidebar.md`: it has 1 `<!-- gtdocs:begin ...` and 0 `<!-- gtdocs:end -->` line(s)"),
        "{said}"
    );
    assert!(
        said.contains("help: make `_Sidebar.md` on the wiki a UTF-8 file (not a link)"),
        "{said}"
    );
    assert_eq!(head(&lab), before);

    let outside = lab.path().join("outside.md");
    std::fs::write(&outside, "not the wiki's\n").expect("write");
    lab.person_pushes("link", |wiki| {
        std::fs::remove_file(wiki.join(SIDEBAR)).expect("rm");
        std::os::unix::fs::symlink(&outside, wiki.join(SIDEBAR)).expect("link");
    });
    let before = head(&lab);
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not a regular file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(head(&lab), before);
    assert_eq!(
        std::fs::read(&outside).expect("outside"),
        b"not the wiki's\n"
    );
}

/// The settings are checked like every other: a misspelt value is an
/// error that names the right one, and `sidebar_runbooks` without a block
/// to put them in is a warning.
#[test]
fn wiki_settings_are_checked() {
    let lab = Lab::new();
    let Some(tree) = reference_tree(&lab, "check", "sidebar: sectoin") else {
        return;
    };
    let o = common::gtdocs(&tree, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(said.contains("gtdocs.yaml:"), "{said}");
    assert!(
        said.contains("`section`"),
        "the right value is named:\n{said}"
    );

    set_wiki(&tree, "sidebar_runbooks: true");
    let o = common::gtdocs(&tree, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning[setting-without-effect]: `wiki.sidebar_runbooks` lists the runbooks in gtdocs' block of a sidebar, and `wiki.sidebar` is `auto`"),
        "{}",
        stderr(&o)
    );
    let o = common::gtdocs(&tree, &["check", "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    set_wiki(
        &tree,
        "sidebar: section\nsidebar_runbooks: true\nhome: none\nfooter: own",
    );
    let o = common::gtdocs(&tree, &["check", "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
