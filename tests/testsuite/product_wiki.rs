//! `publish-wiki` into a wiki that is more than the runbooks: a product
//! wiki, whose `Home.md` and `_Sidebar.md` are the product's own, an empty
//! wiki, and a wiki gtdocs already owns. gtdocs owns its section and, of
//! the wiki's own pages (`Home.md`, `_Sidebar.md`, `_Footer.md`), only
//! what `wiki.home`, `wiki.sidebar` and `wiki.footer` give it.
//!
//! These tests publish the bundled runbooks into a product wiki made up
//! here, so they run on every machine; only the README's example, which
//! publishes the reference runbooks into a copy of the published GT wiki,
//! needs the reference corpus.

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

/// The sections of the made-up product's wiki.
const SECTIONS: [&str; 8] = [
    "Getting-Started",
    "Workspaces",
    "Assistants",
    "Knowledge-Bases",
    "Teams",
    "Billing",
    "Administration",
    "Troubleshooting",
];

/// A product's wiki written by hand, made up here: `pages` pages spread
/// over a few sections (one in AsciiDoc, one in a folder, some with CRLF
/// line ends, one without a final newline), a `Home.md` that introduces
/// the sections, a `_Sidebar.md` that links every page under its
/// section's heading and the runbook index among them, monthly release
/// notes linked from nowhere, and an image in a folder.
fn product_wiki(pages: usize) -> BTreeMap<String, Vec<u8>> {
    let mut wiki = BTreeMap::new();
    let mut home = String::from(
        "# Orbit handbook\n\nOrbit is a made-up product; this wiki is its handbook, kept by its team.\n\n## Sections\n\n",
    );
    let mut sidebar = String::from("## Orbit handbook\n\n**[Home](Home)**\n");
    for (s, section) in SECTIONS.iter().enumerate() {
        let title = section.replace('-', " ");
        home.push_str(&format!(
            "- [{title}]({section}-Topic-{s:03}): what the team wrote about {}.\n",
            title.to_lowercase()
        ));
        sidebar.push_str(&format!("\n### {title}\n"));
        for i in (s..pages).step_by(SECTIONS.len()) {
            let name = format!("{section}-Topic-{i:03}");
            let indent = if i == s { "" } else { "  " };
            sidebar.push_str(&format!("{indent}* [{title}, topic {i}]({name})\n"));
            let mut text = format!(
                "# {title}, topic {i}\n\nWritten by hand for Orbit: note {i} of the {title} section.\n\n| Step | What |\n| --- | --- |\n| 1 | Open [Home](Home) |\n| 2 | Read [{title}]({section}-Topic-{s:03}) |\n"
            );
            if i % 5 == 0 {
                text = text.replace('\n', "\r\n");
            }
            if i == 7 {
                text.pop();
            }
            let file = match i {
                1 => format!("guides/{name}.md"),
                2 => format!("{name}.asciidoc"),
                _ => format!("{name}.md"),
            };
            wiki.insert(file, text.into_bytes());
        }
        if s == 3 {
            sidebar.push_str(&format!(
                "\n### Developers\n* [API client runbooks]({INDEX})\n* [Status](https://status.example.com/orbit)\n"
            ));
        }
    }
    home.push_str("\n![Architecture](images/architecture.png)\n");
    for month in 1..=12 {
        wiki.insert(
            format!("Release-Notes-2026-{month:02}.md"),
            format!("Release notes of 2026-{month:02}, written by hand.\r\n").into_bytes(),
        );
    }
    wiki.insert(
        "images/architecture.png".into(),
        b"\x89PNG\r\n\x1a\n not really a picture".to_vec(),
    );
    wiki.insert(HOME.into(), home.into_bytes());
    wiki.insert(SIDEBAR.into(), sidebar.into_bytes());
    wiki
}

/// The hand-written pages of a wiki's files, as publish-wiki counts them:
/// every page but Home and the sidebar (an image is no page).
fn hand_written(wiki: &BTreeMap<String, Vec<u8>>) -> usize {
    wiki.keys()
        .filter(|name| ![HOME, SIDEBAR].contains(&name.as_str()) && !name.ends_with(".png"))
        .count()
}

/// Writes every file of `wiki` into a clone of the wiki.
fn write_all(clone: &Path, wiki: &BTreeMap<String, Vec<u8>>) {
    for (name, content) in wiki {
        let path = clone.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
}

/// A copy of `from`'s `gtdocs.yaml`, `runbooks/` and `probes/` (if any)
/// in the lab, with the published page names and `extra` lines in its
/// `wiki:` settings.
fn tree_from(lab: &Lab, from: &Path, name: &str, extra: &str) -> PathBuf {
    let tree = lab.path().join(format!("tree-{name}"));
    std::fs::create_dir_all(&tree).expect("mkdir");
    std::fs::copy(from.join("gtdocs.yaml"), tree.join("gtdocs.yaml")).expect("copy gtdocs.yaml");
    common::copy_tree(&from.join("runbooks"), &tree.join("runbooks"));
    if from.join("probes").is_dir() {
        common::copy_tree(&from.join("probes"), &tree.join("probes"));
    }
    set_wiki(&tree, extra);
    tree
}

/// The bundled tree (the repository's `gtdocs.yaml` and `runbooks/`) as
/// a product publishes it: the published page names, then `extra`.
pub(crate) fn product_tree(lab: &Lab, name: &str, extra: &str) -> PathBuf {
    tree_from(lab, &common::repo(), name, extra)
}

/// The runbook section of a build: the index, the matrix and one page a
/// runbook of `tree`, nothing else.
fn section_of(built: &BTreeMap<String, Vec<u8>>, tree: &Path) -> BTreeMap<String, Vec<u8>> {
    let section: BTreeMap<String, Vec<u8>> = built
        .iter()
        .filter(|(name, _)| ![HOME, SIDEBAR, FOOTER].contains(&name.as_str()))
        .map(|(name, content)| (name.clone(), content.clone()))
        .collect();
    let runbooks = std::fs::read_dir(tree.join("runbooks"))
        .expect("runbooks")
        .filter(|e| {
            e.as_ref()
                .expect("entry")
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert_eq!(section.len(), runbooks + 2, "{:?}", section.keys());
    for page in [INDEX, MATRIX] {
        assert!(section.contains_key(&format!("{page}.md")), "{page}");
    }
    assert!(
        section
            .keys()
            .all(|name| name.starts_with("Gen3-Gt-Api-") && name.ends_with(".md")),
        "{:?}",
        section.keys()
    );
    section
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

/// A product wiki: a first publish with `--adopt` takes over the runbook,
/// index and matrix pages someone published there by hand (a few edited
/// since), and nothing else: Home and every product page stay byte for
/// byte; the sidebar keeps every line and gains one block; no footer
/// appears. Publishing again makes no commit, and setting the sidebar back
/// takes the block out and changes nothing else.
#[test]
fn the_product_wiki_keeps_its_pages_and_gains_a_sidebar_block() {
    let lab = Lab::new();
    let tree = product_tree(&lab, "section", "sidebar: section");
    let site = build(&lab, &tree, "section");
    let built = pages_of(&site);
    assert!(
        !built.contains_key(SIDEBAR),
        "section: no sidebar page is built"
    );
    let section = section_of(&built, &tree);
    // The section as it was published before gtdocs took it over: the
    // same pages, every sixth edited by hand since.
    let edited: Vec<String> = section.keys().skip(1).step_by(6).cloned().collect();
    assert!(edited.len() >= 2, "{edited:?}");
    let product = product_wiki(150);
    let pages = hand_written(&product);
    assert!(pages >= 150, "the product's own pages: {pages}");
    lab.person_pushes("product", |wiki| {
        write_all(wiki, &product);
        write_all(wiki, &section);
        for name in &edited {
            let mut text = section[name].clone();
            text.extend_from_slice(b"\nA line added by hand.\n");
            std::fs::write(wiki.join(name), text).expect("write");
        }
    });
    let before = head(&lab);

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
    let names = |list: &[&String]| {
        list.iter()
            .map(|name| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for want in [
        "Home.md: written by hand, left alone (wiki.home: auto; `own` replaces it)".to_owned(),
        "_Sidebar.md: gtdocs' block of links added, every other line kept (wiki.sidebar: section)"
            .to_owned(),
        "_Footer.md: not created: the wiki has pages gtdocs did not write (wiki.footer: auto;"
            .to_owned(),
        format!(
            "adopted ({}): {}\n",
            section.len(),
            names(&section.keys().collect::<Vec<_>>())
        ),
        format!(
            "updated ({}): {}, _Sidebar.md\n",
            edited.len() + 1,
            names(&edited.iter().collect::<Vec<_>>())
        ),
        // The commit's counts include the sidebar's new lines; the image
        // is a file, not a page.
        format!(
            "(0 added, {} updated, 0 deleted, {} unchanged; {pages} hand-written page(s) left alone)",
            edited.len() + 1,
            section.len() - edited.len()
        ),
    ] {
        assert!(
            said.contains(&want),
            "the dry run does not say {want:?}:\n{said}"
        );
    }
    assert_eq!(head(&lab), before, "a dry run pushes nothing");
    let report = std::fs::read_to_string(&summary).expect("summary");
    for want in [
        "| `Home.md` | `wiki.home: auto` | written by hand, left alone".to_owned(),
        "| `_Sidebar.md` | `wiki.sidebar: section` | gtdocs' block of links added".to_owned(),
        "| `_Footer.md` | `wiki.footer: auto` | not created".to_owned(),
        format!(
            "<details><summary>Adopted (were hand-written) ({})</summary>",
            section.len()
        ),
        format!("<details><summary>Hand-written, left alone ({pages})</summary>"),
    ] {
        assert!(
            report.contains(&want),
            "the summary does not say {want:?}:\n{report}"
        );
    }

    let o = lab.publish(&site, &["--adopt"], &[]);
    ok(&o, "first publish");
    let first = head(&lab);
    assert!(is_ancestor(&lab, &before, &first), "history kept");
    let files = lab.files();
    for (name, content) in &product {
        if name != SIDEBAR {
            assert!(files.get(name) == Some(content), "{name} untouched");
        }
    }
    assert!(!files.contains_key(FOOTER), "no footer on a product wiki");
    for (name, content) in &section {
        assert!(files.get(name) == Some(content), "{name} is the built page");
    }
    let sidebar = String::from_utf8(files[SIDEBAR].clone()).expect("utf-8");
    let original = String::from_utf8(product[SIDEBAR].clone()).expect("utf-8");
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
    assert_eq!(
        owned_pages,
        section.keys().collect::<Vec<_>>(),
        "gtdocs owns its section, nothing else"
    );
    // Only the runbook section, the sidebar and gtdocs' records changed.
    for path in changed(&lab, &before, &first) {
        assert!(
            section.contains_key(&path) || path == SIDEBAR || path.starts_with(".gtdocs/"),
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
    for name in section.keys() {
        let page = name.trim_end_matches(".md");
        if page.starts_with("Gen3-Gt-Api-Runbooks-") {
            assert!(sidebar.contains(&format!("]({page})")), "{page}: {sidebar}");
        }
    }
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
        product.get(SIDEBAR),
        "the sidebar as it was"
    );
    assert_eq!(files.get(HOME), product.get(HOME));
    assert!(!files.contains_key(FOOTER));
    assert_eq!(
        changed(&lab, &before_removal, &head(&lab)),
        vec![".gtdocs/pages.json".to_owned(), SIDEBAR.to_owned()],
        "only the sidebar changed (and gtdocs' record of its block)"
    );
}

/// The README's example ("See it before it happens"): the reference
/// runbooks published with `--adopt` into a copy of the published GT wiki
/// (its 27 pages, a hand-written page for every page its Home and sidebar
/// link, release notes and an image). Its figures measure fidelity too
/// (21 runbook pages as published), so it runs on the reference corpus and
/// says loudly when that is absent; the test above runs everywhere.
#[test]
fn the_readme_s_dry_run_into_the_gt_wiki() {
    let Some(reference) = common::reference() else {
        return;
    };
    let mut wiki = BTreeMap::new();
    for entry in std::fs::read_dir(reference.join("gt-wiki")).expect("gt-wiki") {
        let entry = entry.expect("entry");
        wiki.insert(
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path()).expect("read"),
        );
    }
    assert_eq!(wiki.len(), 27, "the reference wiki has 27 pages");
    // A page for every link of Home and the sidebar that the corpus does
    // not hold: the product's pages, which it leaves out.
    let mut product = BTreeMap::new();
    for page in [HOME, SIDEBAR] {
        let text = String::from_utf8_lossy(&wiki[page]).into_owned();
        for target in text.split("](").skip(1) {
            let name = target.split(')').next().unwrap_or_default();
            let file = format!("{name}.md");
            if !name.is_empty() && !name.contains(['/', ':', '#', ' ']) && !wiki.contains_key(&file)
            {
                product.insert(file, format!("# {name}\n\nWritten by hand.\n").into_bytes());
            }
        }
    }
    for month in 1..=12 {
        product.insert(
            format!("Release-Notes-2026-{month:02}.md"),
            format!("Release notes of 2026-{month:02}, written by hand.\r\n").into_bytes(),
        );
    }
    product.insert(
        "images/architecture.png".into(),
        b"\x89PNG\r\n\x1a\n not really a picture".to_vec(),
    );
    let lab = Lab::new();
    lab.person_pushes("gt-wiki", |clone| {
        write_all(clone, &wiki);
        write_all(clone, &product);
    });
    let before = head(&lab);
    let tree = tree_from(
        &lab,
        &reference.join("gt-runbooks"),
        "reference",
        "sidebar: section",
    );
    let o = lab.publish(
        &build(&lab, &tree, "reference"),
        &["--adopt", "--dry-run"],
        &[],
    );
    ok(&o, "dry run");
    let said = stderr(&o);
    for want in [
        "(0 added, 5 updated, 0 deleted, 21 unchanged; 36 hand-written page(s) left alone)\n",
        "Home.md: written by hand, left alone (wiki.home: auto; `own` replaces it)\n",
        "_Sidebar.md: gtdocs' block of links added, every other line kept (wiki.sidebar: section)\n",
        "_Footer.md: not created: the wiki has pages gtdocs did not write (wiki.footer: auto; `own` creates it)\n",
        "updated (5): Gen3-Gt-Api-Client-Runbooks.md, Gen3-Gt-Api-Compatibility-Matrix.md, Gen3-Gt-Api-Runbooks-Hermes.md, Gen3-Gt-Api-Runbooks-Openai-Sdk-Curl.md, _Sidebar.md\n",
        "adopted (25): Gen3-Gt-Api-Client-Runbooks.md, Gen3-Gt-Api-Compatibility-Matrix.md, Gen3-Gt-Api-Runbooks-Aider.md, ",
    ] {
        assert!(
            said.contains(want),
            "the dry run does not say {want:?}:\n{said}"
        );
    }
    assert_eq!(head(&lab), before, "a dry run pushes nothing");
}

/// An empty wiki is gtdocs' own: the default settings give it gtdocs'
/// Home, sidebar and footer. `none` removes one; `section` replaces
/// gtdocs' sidebar with a sidebar holding only the block; back to `auto`,
/// gtdocs' sidebar returns.
#[test]
fn an_empty_wiki_gets_gtdocs_home_sidebar_and_footer() {
    let lab = Lab::new();
    let tree = product_tree(&lab, "empty", "");
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
    let tree = product_tree(&lab, "owned", "");
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
    // A new title reaches Home; Home, sidebar and footer are kept up to
    // date alike.
    let text = std::fs::read_to_string(tree.join("gtdocs.yaml")).expect("yaml");
    let retitled = text.replacen("\nsite:\n  title: ", "\nsite:\n  title: Renamed ", 1);
    assert_ne!(
        retitled, text,
        "the site's title is the first line of `site:`"
    );
    std::fs::write(tree.join("gtdocs.yaml"), retitled).expect("write");
    let renamed = build(&lab, &tree, "renamed");
    assert_ne!(
        pages_of(&renamed).get(HOME),
        pages_of(&site).get(HOME),
        "Home shows the title"
    );
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
    let tree = product_tree(&lab, "home", "");
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
    let tree = product_tree(&lab, "markers", "sidebar: section");
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
    let tree = product_tree(&lab, "check", "sidebar: sectoin");
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
