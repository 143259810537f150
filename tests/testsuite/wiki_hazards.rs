//! `publish-wiki` against what people put in wikis: gtdocs' marker lines
//! quoted in a sidebar, a sidebar gtdocs cannot read, a `.gitignore`, the
//! same page under another case or markup, a tampered build, names that
//! would steer a terminal. Each was found by a hostile review; each test
//! fails on the code before its fix.

use crate::common;
use crate::product_wiki::{build, head, reference_tree, set_wiki};
use crate::publish::{Lab, ok, owned};

const HOME: &str = "Home.md";
const SIDEBAR: &str = "_Sidebar.md";

fn stderr(o: &std::process::Output) -> String {
    common::stderr(o)
}

/// A sidebar that shows gtdocs' marker lines (documenting them, in a code
/// block, or as bare comments a person wrote) is a person's page: under the
/// default settings it is never changed, and `section` adds its block after
/// the quoted markers instead of mistaking them for its own.
#[test]
fn a_sidebar_showing_gtdocs_markers_is_left_as_it_is() {
    let bare = "**Ours**\n\n<!-- gtdocs:begin notes -->\n- [Team](Team)\n<!-- gtdocs:end -->\n";
    let fenced = "**Ours**\n\nTo let gtdocs add its links:\n\n```\n<!-- gtdocs:begin -->\n<!-- gtdocs:end -->\n```\n";
    for (name, sidebar) in [("bare", bare), ("fenced", fenced)] {
        let lab = Lab::new();
        lab.person_pushes("sidebar", |wiki| {
            std::fs::write(wiki.join(HOME), "Welcome.\n").expect("write");
            std::fs::write(wiki.join(SIDEBAR), sidebar).expect("write");
        });
        let tree = reference_tree(&lab, name, "");
        let o = lab.publish(&build(&lab, &tree, name), &[], &[]);
        ok(&o, name);
        assert_eq!(
            lab.files()[SIDEBAR],
            sidebar.as_bytes(),
            "{name}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains("_Sidebar.md: written by hand, left alone"),
            "{}",
            stderr(&o)
        );
    }

    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), fenced).expect("write");
    });
    let tree = reference_tree(&lab, "section", "sidebar: section");
    ok(
        &lab.publish(&build(&lab, &tree, "section"), &[], &[]),
        "section",
    );
    let text = String::from_utf8(lab.files()[SIDEBAR].clone()).expect("utf-8");
    assert!(text.starts_with(fenced), "{text}");
    assert!(text[fenced.len()..].starts_with("\n<!-- gtdocs:begin maintained"));
}

/// Under every setting but `section`, gtdocs has no business in a
/// sidebar it cannot read: a link, bytes that are not UTF-8, a stray
/// marker. The publish goes ahead and the sidebar stays as it is. A block
/// gtdocs put in that a person broke since is left too, and said so.
#[test]
fn a_sidebar_gtdocs_cannot_read_does_not_stop_other_settings() {
    let lab = Lab::new();
    let outside = lab.path().join("outside.md");
    std::fs::write(&outside, "not the wiki's\n").expect("write");
    let tree = reference_tree(&lab, "auto", "");
    type Put<'a> = Box<dyn Fn(&std::path::Path) + 'a>;
    let cases: [(&str, Put); 3] = [
        (
            "a link",
            Box::new(|wiki: &std::path::Path| {
                std::os::unix::fs::symlink(&outside, wiki.join(SIDEBAR)).expect("link")
            }),
        ),
        (
            "not UTF-8",
            Box::new(|wiki: &std::path::Path| {
                std::fs::write(wiki.join(SIDEBAR), b"**\xff\xfe**\n").expect("write")
            }),
        ),
        (
            "a stray marker",
            Box::new(|wiki: &std::path::Path| {
                std::fs::write(wiki.join(SIDEBAR), "x\n<!-- gtdocs:begin\n").expect("write")
            }),
        ),
    ];
    for (what, put) in cases {
        let lab = Lab::new();
        lab.person_pushes("sidebar", |wiki| {
            std::fs::write(wiki.join(HOME), "Welcome.\n").expect("write");
            put(wiki);
        });
        let before = lab.files()[SIDEBAR].clone();
        for setting in ["", "sidebar: none"] {
            set_wiki(&tree, setting);
            let o = lab.publish(&build(&lab, &tree, "setting"), &[], &[]);
            ok(&o, &format!("{what}, {setting:?}"));
            assert_eq!(lab.files()[SIDEBAR], before, "{what}: {}", stderr(&o));
        }
    }

    // A block gtdocs put in, whose end marker a person deleted since.
    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "**Ours**\n").expect("write");
    });
    set_wiki(&tree, "sidebar: section");
    ok(
        &lab.publish(&build(&lab, &tree, "section"), &[], &[]),
        "section",
    );
    let broken = {
        let text = String::from_utf8(lab.files()[SIDEBAR].clone()).expect("utf-8");
        text.replace("<!-- gtdocs:end -->\n", "")
    };
    lab.person_pushes("break", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), &broken).expect("write");
    });
    set_wiki(&tree, "");
    let o = lab.publish(&build(&lab, &tree, "auto-again"), &[], &[]);
    ok(&o, "back to auto with a broken block");
    assert!(
        stderr(&o).contains("_Sidebar.md: gtdocs' block of links is no longer there as gtdocs wrote it; the sidebar is left as it is"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lab.files()[SIDEBAR], broken.as_bytes());
    assert!(owned(&lab).get("sidebar_block").is_none());
}

/// A sidebar without a final newline, or holding only a blank line, is
/// the same file once the block has come and gone.
#[test]
fn a_block_taken_out_leaves_every_byte_as_it_was() {
    for sidebar in ["**Ours** without a final newline", "\n", "a\r\nb\r\n"] {
        let lab = Lab::new();
        lab.person_pushes("sidebar", |wiki| {
            std::fs::write(wiki.join(SIDEBAR), sidebar).expect("write");
        });
        let tree = reference_tree(&lab, "bytes", "sidebar: section");
        ok(
            &lab.publish(&build(&lab, &tree, "section"), &[], &[]),
            "section",
        );
        assert_ne!(lab.files()[SIDEBAR], sidebar.as_bytes());
        for setting in ["sidebar: none", ""] {
            set_wiki(&tree, "sidebar: section");
            ok(
                &lab.publish(&build(&lab, &tree, "again"), &[], &[]),
                "section",
            );
            set_wiki(&tree, setting);
            let o = lab.publish(&build(&lab, &tree, "out"), &[], &[]);
            ok(&o, setting);
            assert_eq!(
                lab.files()[SIDEBAR],
                sidebar.as_bytes(),
                "{sidebar:?} {setting:?}: {}",
                stderr(&o)
            );
        }
    }
}

/// A `.gitignore` on the wiki (`*.md`, `.gtdocs/`) keeps nothing out of
/// gtdocs' commit.
#[test]
fn a_gitignore_on_the_wiki_keeps_nothing_out() {
    let lab = Lab::new();
    lab.person_pushes("ignore", |wiki| {
        std::fs::write(wiki.join(".gitignore"), "*.md\n.gtdocs/\n").expect("write");
    });
    let tree = reference_tree(&lab, "ignored", "");
    let site = build(&lab, &tree, "ignored");
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "publish");
    let files = lab.files();
    for page in crate::publish::pages_of(&site).keys() {
        assert!(files.contains_key(page), "{page} committed: {files:?}");
    }
    assert!(files.contains_key(".gtdocs/pages.json"));
    assert!(files.contains_key(".gtdocs/manifest.json"));
    // Publishing again finds everything in place: no commit.
    let before = head(&lab);
    ok(&lab.publish(&site, &[], &[]), "again");
    assert_eq!(head(&lab), before);
}

/// GitHub shows one page per name, whatever the case, folder or markup:
/// `home.md` is the wiki's Home and is left alone like `Home.md`; a page
/// gtdocs would write beside another file of the same page stops the
/// publish, naming both, and nothing is pushed.
#[test]
fn the_same_page_under_another_file_name_is_the_same_page() {
    let lab = Lab::new();
    lab.person_pushes("variants", |wiki| {
        std::fs::write(wiki.join("home.md"), "Our home.\n").expect("write");
        std::fs::write(wiki.join("_sidebar.markdown"), "Our sidebar.\n").expect("write");
    });
    let tree = reference_tree(&lab, "variants", "");
    let o = lab.publish(&build(&lab, &tree, "auto"), &[], &[]);
    ok(&o, "auto");
    let files = lab.files();
    assert!(!files.contains_key(HOME), "{files:?}");
    assert!(!files.contains_key(SIDEBAR), "{files:?}");
    assert_eq!(files["home.md"], b"Our home.\n");
    let said = stderr(&o);
    assert!(
        said.contains("Home.md: written by hand, left alone"),
        "{said}"
    );
    assert!(
        said.contains("_Sidebar.md: written by hand, left alone"),
        "{said}"
    );

    for (setting, other) in [
        ("home: own", "`home.md` (as `Home.md`)"),
        ("sidebar: section", "`_sidebar.markdown` (as `_Sidebar.md`)"),
    ] {
        set_wiki(&tree, setting);
        let before = head(&lab);
        let o = lab.publish(&build(&lab, &tree, "own"), &[], &[]);
        assert_eq!(o.status.code(), Some(1), "{setting}: {}", stderr(&o));
        let said = stderr(&o);
        assert!(
            said.contains(
                "have the name of a page gtdocs writes, in another case, folder or markup"
            ),
            "{said}"
        );
        assert!(said.contains(other), "{said}");
        assert!(
            said.contains("help: GitHub shows only one of them"),
            "{said}"
        );
        assert_eq!(head(&lab), before);
    }

    // A runbook page under another case, in a folder.
    set_wiki(&tree, "");
    let page = "Gen3-Gt-Api-Runbooks-Librechat";
    lab.person_pushes("page", |wiki| {
        std::fs::create_dir_all(wiki.join("old")).expect("mkdir");
        std::fs::write(
            wiki.join(format!("old/{}.md", page.to_lowercase())),
            "Old.\n",
        )
        .expect("write");
    });
    let o = lab.publish(&build(&lab, &tree, "page"), &[], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "`old/{}.md` (as `{page}.md`)",
            page.to_lowercase()
        )),
        "{}",
        stderr(&o)
    );
}

/// The block publish-wiki puts into a sidebar comes from the build; a
/// build whose block is not one marked block is refused before anything
/// is written.
#[test]
fn a_tampered_sidebar_block_in_the_build_is_refused() {
    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "**Ours**\n").expect("write");
    });
    let tree = reference_tree(&lab, "tampered", "sidebar: section");
    let site = build(&lab, &tree, "tampered");
    let settings = site.join("wiki/.gtdocs/publish.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings).expect("read")).expect("json");
    for bad in [
        "- [Everything](Everything)\n",
        "<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\n<!-- gtdocs:end -->\n",
        "<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\n- [After](After)\n",
    ] {
        json["sidebar_section"] = bad.into();
        std::fs::write(&settings, json.to_string()).expect("write");
        let before = head(&lab);
        let o = lab.publish(&site, &[], &[]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "the built site's wiki settings do not hold together: the sidebar block in"
            ),
            "{}",
            stderr(&o)
        );
        assert_eq!(head(&lab), before);
        assert_eq!(lab.files()[SIDEBAR], b"**Ours**\n");
    }
}

/// Names of pages on the wiki are shown, never obeyed: an escape sequence
/// in a hand-written page's name reaches neither the terminal nor the job
/// summary raw.
#[test]
fn page_names_from_the_wiki_cannot_steer_the_terminal() {
    let lab = Lab::new();
    let name = "Notes\u{1b}[2J\u{1b}[31mred.md";
    lab.person_pushes("name", |wiki| {
        std::fs::write(wiki.join(HOME), "Welcome.\n").expect("write");
        std::fs::write(wiki.join(name), "Ours.\n").expect("write");
    });
    let tree = reference_tree(&lab, "names", "");
    let site = build(&lab, &tree, "names");
    let summary = lab.path().join("summary.md");
    let o = lab.publish(
        &site,
        &["-v", "--summary", summary.to_str().expect("utf-8")],
        &[],
    );
    ok(&o, "publish");
    let said = stderr(&o);
    assert!(
        said.contains("hand-written, left alone (1): Notes\\u{1b}[2J\\u{1b}[31mred.md"),
        "{said}"
    );
    assert!(!said.contains('\u{1b}'), "{said:?}");
    let report = std::fs::read_to_string(&summary).expect("summary");
    assert!(!report.contains('\u{1b}'), "{report:?}");
    assert!(
        report.contains("`Notes\\u{1b}[2J\\u{1b}[31mred.md`"),
        "{report}"
    );
    // The page is the person's: it is still there, as it was.
    let shown = lab
        .git_command(&lab.bare())
        .args(["show", &format!("refs/heads/master:{name}")])
        .output()
        .expect("git show");
    assert_eq!(shown.stdout, b"Ours.\n");
}
