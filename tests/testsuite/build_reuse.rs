//! `gtdocs build` with its cache: a build keeps the files of the units
//! whose inputs did not change (a runbook's pages, a part of the search
//! index) and writes only what changed, yet its output is always the
//! bytes a clean build writes. Whatever changed (a runbook, the catalog,
//! the theme, runbooks added or removed), whatever was done to the output
//! or the cache by hand, and whatever the cache holds.

use std::path::Path;

use crate::common::{self, gtdocs, snapshot};

/// Builds `tree` into its `site/` with the default cache; the `-v` lines.
fn build(tree: &Path) -> String {
    let o = gtdocs(tree, &["build", "-v"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::stderr(&o)
}

/// The files a clean build of `tree` writes (no cache read or kept).
fn clean(tree: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    let o = gtdocs(
        tree,
        &["build", "--no-cache", "--out", out.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        !dir.path().join(".site.cache").exists(),
        "--no-cache made a cache"
    );
    snapshot(&out)
}

/// How many files the build says it kept, of how many.
fn kept(verbose: &str) -> (usize, usize) {
    let line = verbose
        .lines()
        .find(|l| l.trim_start().starts_with("output cache: "))
        .unwrap_or_else(|| panic!("no output cache line in: {verbose}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let number = |i: usize| words[i].parse::<usize>().expect(line);
    (number(2), number(4))
}

fn replace(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).expect("write");
}

/// Asserts the output is a clean build's, byte for byte.
fn assert_clean(tree: &Path, what: &str) {
    let site = snapshot(&tree.join("site"));
    let clean = clean(tree);
    let differ: Vec<&String> = clean
        .keys()
        .chain(site.keys())
        .filter(|k| clean.get(*k) != site.get(*k))
        .take(10)
        .collect();
    assert!(
        differ.is_empty(),
        "after {what}, the output differs from a clean build's at: {differ:?}"
    );
}

type Edit = (&'static str, Box<dyn Fn(&Path)>);

/// After each kind of change, a build with the cache writes what a clean
/// build writes; after a one-runbook edit it keeps most files (and the
/// edited runbook's page is new).
#[test]
fn an_incremental_build_equals_a_clean_one_after_every_kind_of_change() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let first = build(root);
    assert_eq!(kept(&first).0, 0, "nothing to keep yet: {first}");
    let edits: Vec<Edit> = vec![
        (
            "a runbook's title",
            Box::new(|r: &Path| {
                replace(
                    &r.join("runbooks/aider.yaml"),
                    "title: Aider",
                    "title: Aider X",
                )
            }),
        ),
        (
            "the same runbook again",
            Box::new(|r: &Path| {
                replace(
                    &r.join("runbooks/aider.yaml"),
                    "title: Aider X",
                    "title: Aider Y",
                )
            }),
        ),
        (
            "another runbook's verdict",
            Box::new(|r: &Path| {
                replace(
                    &r.join("runbooks/cline-roo.yaml"),
                    "verdict: native",
                    "verdict: not_supported",
                )
            }),
        ),
        ("nothing", Box::new(|_: &Path| {})),
        (
            "a route's summary in the catalog",
            Box::new(|r: &Path| {
                replace(
                    &r.join("gtdocs.yaml"),
                    "summary: Lists only those published",
                    "summary: Lists only the published",
                )
            }),
        ),
        (
            "a theme",
            Box::new(|r: &Path| {
                let templates = r.join("themes/t/templates");
                std::fs::create_dir_all(&templates).expect("mkdir");
                std::fs::write(
                    templates.join("runbook.html"),
                    "{% extends \"default/runbook.html\" %}{% block head %}<meta name=t content=1>{% endblock %}",
                )
                .expect("write");
                replace(
                    &r.join("gtdocs.yaml"),
                    "  base_url: /\n",
                    "  base_url: /\n  theme: t\n",
                );
            }),
        ),
        (
            "the theme's template",
            Box::new(|r: &Path| {
                replace(
                    &r.join("themes/t/templates/runbook.html"),
                    "content=1",
                    "content=2",
                )
            }),
        ),
        (
            "a runbook added",
            Box::new(|r: &Path| {
                let text = std::fs::read_to_string(r.join("runbooks/aider.yaml")).expect("read");
                std::fs::write(
                    r.join("runbooks/aider-copy.yaml"),
                    text.replacen("title: Aider Y", "title: Aider Copy", 1),
                )
                .expect("write");
            }),
        ),
        (
            "a runbook removed",
            Box::new(|r: &Path| {
                std::fs::remove_file(r.join("runbooks/aider-copy.yaml")).expect("rm")
            }),
        ),
    ];
    for (what, edit) in edits {
        let before = snapshot(&root.join("site"));
        edit(root);
        let verbose = build(root);
        assert_clean(root, what);
        let (kept, files) = kept(&verbose);
        match what {
            "a runbook's title" | "the same runbook again" | "another runbook's verdict" => {
                // Every runbook's page but the edited one's is kept, in
                // HTML and in the wiki, at least.
                let runbooks = common::files_with_extension(&root.join("runbooks"), "yaml").len();
                assert!(
                    kept >= 2 * (runbooks - 1),
                    "after {what}: {kept} of {files} files kept"
                );
                let page = "html/runbooks/aider/index.html";
                if what != "another runbook's verdict" {
                    assert_ne!(
                        before.get(page),
                        snapshot(&root.join("site")).get(page),
                        "{what}"
                    );
                }
            }
            // All but the files written as they are rendered (the
            // manifest, in two places, and llms-full.txt).
            "nothing" => assert!(files - kept <= 3, "after no change: {verbose}"),
            _ => {}
        }
    }
}

/// The inode of each file of the output.
fn inodes(site: &Path) -> std::collections::BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt as _;
    snapshot(site)
        .into_keys()
        .map(|rel| {
            let ino = std::fs::metadata(site.join(&rel)).expect("stat").ino();
            (rel, ino)
        })
        .collect()
}

/// An edit of a runbook's body (its intro, links, config, steps, caveats,
/// checklist) changes its own page, twin, entry and search part, not the
/// files that list every runbook: those are kept (the same files, not
/// written again), and the output is still a clean build's. An edit of
/// its title writes again those that show it.
#[test]
fn a_runbook_body_edit_keeps_what_lists_every_runbook() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let file = root.join("runbooks/aider.yaml");
    build(root);
    // Files made from every runbook's title, verdicts and notes.
    let listings = [
        "html/index.html",
        "html/runbooks/index.html",
        "html/routes/post-v1-chat-completions/index.html",
        "html/matrix.json",
        "html/sitemap.xml",
        "html/llms.txt",
        "html/routes/post-v1-chat-completions/index.html.md",
        "json/routes/post-v1-chat-completions.json",
        "wiki/Gen3-Gt-Api-Compatibility-Matrix.md",
        "wiki/Gen3-Gt-Api-Client-Runbooks.md",
    ];
    let edits = [
        (
            "an intro",
            "summary: Launch",
            "intro: Aider reaches GT API through its OpenAI client.\nsummary: Launch",
        ),
        (
            "a link",
            "https://aider.chat/docs/config/dotenv.html",
            "https://aider.chat/docs/config/env.html",
        ),
        (
            "a config value",
            "value: openai/published-coding-alias",
            "value: openai/other-alias",
        ),
        (
            "an unsupported feature",
            "has no link to the GT conversation",
            "has no tie to the GT conversation",
        ),
        (
            "a prerequisite",
            "Publish an alias intended for coding.",
            "Publish an alias meant for coding.",
        ),
        (
            "a setup step",
            "check that it produces a diff",
            "check that it makes a diff",
        ),
        (
            "a caveat",
            "play no part in normal Aider use",
            "play no part in usual Aider use",
        ),
        (
            "a checklist item",
            "Aider answers a prompt",
            "Aider replies to a prompt",
        ),
    ];
    for (what, from, to) in edits {
        let before = inodes(&root.join("site"));
        let page = snapshot(&root.join("site"))["html/runbooks/aider/index.html"].clone();
        replace(&file, from, to);
        build(root);
        assert_clean(root, what);
        let after = inodes(&root.join("site"));
        for listing in listings {
            assert!(before.contains_key(listing), "no {listing}");
            assert_eq!(
                before.get(listing),
                after.get(listing),
                "after {what}, {listing} was written again"
            );
        }
        assert_ne!(
            page,
            snapshot(&root.join("site"))["html/runbooks/aider/index.html"],
            "after {what}, the runbook's page did not change"
        );
    }
    let before = inodes(&root.join("site"));
    replace(&file, "title: Aider", "title: Aider Z");
    build(root);
    assert_clean(root, "a title");
    let after = inodes(&root.join("site"));
    // The sitemap holds no title: the same bytes, kept.
    for listing in listings.into_iter().filter(|l| *l != "html/sitemap.xml") {
        assert_ne!(
            before.get(listing),
            after.get(listing),
            "after a title edit, {listing} was kept"
        );
    }
}

/// The files of `dir` but its marker, each with its inode.
fn linked_files(dir: &Path) -> std::collections::BTreeMap<String, u64> {
    let mut files = inodes(dir);
    assert!(
        files.remove(".gtdocs-output").is_some(),
        "no marker in {dir:?}"
    );
    files
}

/// A build with a cache and no replaced output to keep (the first one,
/// or the first after a build without the cache) leaves a twin of its
/// output in the cache folder: the same files, hard links to them. The
/// first edit after it (of a runbook's body) recycles the twin as any
/// previous output, and keeps nearly every file. A twin
/// left part-made (no index: a build killed while making it) is removed,
/// and the output is still a clean build's.
#[test]
fn a_build_with_nothing_to_keep_leaves_a_twin_the_next_edit_recycles() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let (site, cache) = (root.join("site"), root.join(".site.cache"));
    let twin = cache.join("previous");
    let runbook = root.join("runbooks/aider.yaml");
    let first = build(root);
    assert!(
        first.contains("previous output no, current output no"),
        "{first}"
    );
    assert_eq!(linked_files(&twin), linked_files(&site));
    replace(&runbook, "normal Aider use", "usual Aider use");
    let edit = build(root);
    assert!(
        edit.contains("previous output yes, current output yes"),
        "{edit}"
    );
    let (kept, files) = kept(&edit);
    assert!(
        kept * 10 > files * 9,
        "the first edit kept {kept} of {files}"
    );
    assert_clean(root, "the first edit after the first build");
    // A build without the cache leaves an output with no index: the next
    // one with it keeps nothing of it, and makes a twin of its own.
    let o = gtdocs(root, &["build", "--no-cache"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    replace(&runbook, "usual Aider use", "common Aider use");
    build(root);
    assert_eq!(linked_files(&twin), linked_files(&site));
    // Part-made: no index, files missing.
    std::fs::remove_file(cache.join("previous.index")).expect("the twin's index");
    std::fs::remove_file(twin.join("html/index.html")).expect("a file of the twin");
    replace(&runbook, "common Aider use", "daily Aider use");
    let edit = build(root);
    assert!(
        edit.contains("the previous output's index: "),
        "the part-made twin was not reported: {edit}"
    );
    assert_clean(root, "a part-made twin");
    replace(&runbook, "daily Aider use", "normal Aider use");
    build(root);
    assert_clean(root, "the edit after a part-made twin");
}

/// A cache table changed, cut short, replaced by junk or by another
/// folder's index is ignored (and `-v` says why); the output is still a
/// clean build's.
#[test]
fn a_corrupt_or_foreign_cache_is_ignored() {
    let tree = common::bundled_copy();
    let root = tree.path();
    build(root);
    build(root);
    let cache = root.join(".site.cache");
    let index = cache.join("output.index");
    let good = std::fs::read(&index).expect("an index of the output");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a byte flipped", flipped, "corrupt"),
        ("cut short", good[..good.len() / 3].to_vec(), "corrupt"),
        (
            "junk",
            b"not a cache table at all, no".repeat(10),
            "not a gtdocs cache file",
        ),
        ("empty", Vec::new(), "not a gtdocs cache file"),
    ];
    for (what, bytes, why) in cases {
        replace(
            &root.join("runbooks/aider.yaml"),
            "title: Aider",
            "title: Aider Z",
        );
        std::fs::write(&index, &bytes).expect("write");
        std::fs::write(cache.join("previous.index"), &bytes).expect("write");
        let verbose = build(root);
        assert!(
            verbose.contains(why),
            "{what}: expected {why:?} in {verbose}"
        );
        assert_clean(root, what);
        replace(
            &root.join("runbooks/aider.yaml"),
            "title: Aider Z",
            "title: Aider",
        );
        build(root);
    }
    // The index of one folder put in place of the other's.
    std::fs::copy(cache.join("previous.index"), &index).expect("copy");
    let verbose = build(root);
    assert!(verbose.contains("another folder"), "{verbose}");
    assert_clean(root, "swapped indexes");
}

/// A file of the output changed by hand, or one added, is not kept: once
/// that folder is reused (two builds later), the output is a clean
/// build's again.
#[test]
fn files_changed_or_added_by_hand_are_not_kept() {
    let tree = common::bundled_copy();
    let root = tree.path();
    build(root);
    build(root);
    let site = root.join("site");
    let page = site.join("html/runbooks/aider/index.html");
    let text = std::fs::read_to_string(&page).expect("read");
    // Same size, other bytes.
    std::fs::write(&page, text.replacen("<html", "<HTML", 1)).expect("write");
    std::fs::write(site.join("html/stray.txt"), "by hand").expect("write");
    std::fs::write(site.join("html/runbooks/aider/stray.txt"), "by hand").expect("write");
    std::fs::create_dir_all(site.join("html/by-hand")).expect("mkdir");
    std::fs::write(site.join("html/by-hand/x.txt"), "x").expect("write");
    for round in 0..3 {
        build(root);
        assert_clean(root, &format!("hand edits, build {round}"));
    }
}

/// The cache folder is never someone else's: not inside the output, not
/// a folder of other files; refused before anything is written.
#[test]
fn a_cache_folder_that_is_not_gtdocs_is_refused() {
    let tree = common::bundled_copy();
    let root = tree.path();
    build(root);
    let before = snapshot(&root.join("site"));
    let theirs = root.join("theirs");
    std::fs::create_dir_all(&theirs).expect("mkdir");
    std::fs::write(theirs.join("notes.txt"), "mine").expect("write");
    for (dir, reason) in [
        ("theirs", "is not empty"),
        ("site/cache", "inside the output"),
    ] {
        let o = gtdocs(root, &["build", "--cache-dir", dir]);
        assert_eq!(o.status.code(), Some(2), "{dir}: {}", common::stderr(&o));
        let err = common::stderr(&o);
        assert!(err.contains(reason), "{dir}: {err}");
    }
    assert_eq!(std::fs::read_dir(&theirs).expect("list").count(), 1);
    assert!(before == snapshot(&root.join("site")), "the output changed");
    // A folder named on purpose works, and is tagged as a cache.
    let named = tempfile::tempdir().expect("tempdir");
    let cache = named.path().join("c");
    let o = gtdocs(
        root,
        &["build", "--cache-dir", cache.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(cache.join("CACHEDIR.TAG").is_file());
    assert!(cache.join(".gitignore").is_file());
}
