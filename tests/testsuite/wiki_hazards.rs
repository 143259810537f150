//! `publish-wiki` against what people put in wikis: gtdocs' marker lines
//! quoted in a sidebar, a sidebar gtdocs cannot read, a `.gitignore`, the
//! same page under another case or markup, a tampered build, names that
//! would steer a terminal. Each was found by a hostile review; each test
//! fails on the code before its fix.

use crate::common;
use crate::product_wiki::{build, head, product_tree, set_wiki};
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
        let tree = product_tree(&lab, name, "");
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
    let tree = product_tree(&lab, "section", "sidebar: section");
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
    let tree = product_tree(&lab, "auto", "");
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
        stderr(&o).contains("_Sidebar.md: gtdocs' block of links is not there as gtdocs wrote it (its marker lines are gone or repeated, or the sidebar is gone or unreadable); the sidebar is left as it is (wiki.sidebar: auto)"),
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
        let tree = product_tree(&lab, "bytes", "sidebar: section");
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
    let tree = product_tree(&lab, "ignored", "");
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
    let tree = product_tree(&lab, "variants", "");
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

/// A sidebar or footer in a folder is that folder's own, not a second one
/// of the wiki's: `section` puts its block into the wiki's sidebar and
/// leaves the folder's alone.
#[test]
fn a_folder_sidebar_is_the_folder_s_own() {
    let lab = Lab::new();
    lab.person_pushes("folder", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "**Ours**\n").expect("write");
        std::fs::create_dir_all(wiki.join("docs")).expect("mkdir");
        std::fs::write(wiki.join("docs/_Sidebar.md"), "**Docs**\n").expect("write");
    });
    let tree = product_tree(&lab, "folder", "sidebar: section");
    let o = lab.publish(&build(&lab, &tree, "folder"), &[], &[]);
    ok(&o, "section beside a folder's sidebar");
    let files = lab.files();
    assert_eq!(files["docs/_Sidebar.md"], b"**Docs**\n");
    assert!(files[SIDEBAR].starts_with(b"**Ours**\n\n<!-- gtdocs:begin "));
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
    let tree = product_tree(&lab, "tampered", "sidebar: section");
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
    let tree = product_tree(&lab, "names", "");
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

/// A wiki whose `.gitattributes` converts line ends (`eol=crlf`) gets the
/// bytes gtdocs built, and publishing again finds nothing changed and
/// nothing edited.
#[test]
fn gitattributes_on_the_wiki_change_no_byte() {
    let lab = Lab::new();
    lab.person_pushes("attributes", |wiki| {
        std::fs::write(wiki.join(".gitattributes"), "* text=auto eol=crlf\n").expect("write");
    });
    let tree = product_tree(&lab, "attributes", "");
    let site = build(&lab, &tree, "attributes");
    ok(&lab.publish(&site, &[], &[]), "first publish");
    let files = lab.files();
    for (page, content) in crate::publish::pages_of(&site) {
        assert_eq!(files.get(&page), Some(&content), "{page} as built");
    }
    let before = head(&lab);
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "second publish");
    assert_eq!(head(&lab), before, "no commit: {}", stderr(&o));
    assert!(!stderr(&o).contains("edited"), "{}", stderr(&o));
    assert!(stderr(&o).contains("0 updated"), "{}", stderr(&o));
}

/// The sidebar's line in the counts is one line, for what the commit does
/// to the file: `section` to `own` updates it once; a sidebar gtdocs
/// owned that a person deleted comes back as created, not updated.
#[test]
fn the_sidebar_is_counted_once_as_what_the_commit_does() {
    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "**Ours**\n").expect("write");
    });
    let tree = product_tree(&lab, "count", "sidebar: section");
    ok(
        &lab.publish(&build(&lab, &tree, "section"), &[], &[]),
        "section",
    );
    set_wiki(&tree, "sidebar: own");
    let o = lab.publish(&build(&lab, &tree, "own"), &["-v"], &[]);
    ok(&o, "own");
    assert!(
        stderr(&o).contains("updated (1): _Sidebar.md\n"),
        "{}",
        stderr(&o)
    );

    lab.person_pushes("delete", |wiki| {
        std::fs::remove_file(wiki.join(SIDEBAR)).expect("rm");
    });
    set_wiki(&tree, "sidebar: section");
    let o = lab.publish(&build(&lab, &tree, "again"), &["-v"], &[]);
    ok(&o, "section after the person deleted gtdocs' sidebar");
    let said = stderr(&o);
    assert!(said.contains("added (1): _Sidebar.md\n"), "{said}");
    assert!(
        said.contains(
            "_Sidebar.md: created, holding only gtdocs' block of links (wiki.sidebar: section)"
        ),
        "{said}"
    );
}

/// A person's edits around and inside the block: a blank line taken out
/// above it keeps their last line end when the block goes; a line added
/// inside it is replaced, and said so; a block indented into a list stays
/// in the list.
#[test]
fn edits_around_and_inside_the_block() {
    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "- Runbooks\n").expect("write");
    });
    let tree = product_tree(&lab, "edits", "sidebar: section");
    let section = build(&lab, &tree, "section");
    ok(&lab.publish(&section, &[], &[]), "section");
    let written = String::from_utf8(lab.files()[SIDEBAR].clone()).expect("utf-8");

    // Inside: a line of the person's, then the block indented into the list.
    let mine = written.replace("<!-- gtdocs:end -->", "- [Mine](Mine)\n<!-- gtdocs:end -->");
    lab.person_pushes("inside", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), &mine).expect("write");
    });
    let o = lab.publish(&section, &[], &[]);
    ok(&o, "edited block");
    assert!(
        stderr(&o).contains("warning: gtdocs' block of links in `_Sidebar.md` was edited on the wiki since gtdocs published it; the edit is replaced"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lab.files()[SIDEBAR], written.as_bytes());
    let (top, block) = written.split_at(written.find("<!--").expect("block"));
    let indented: String = block
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect::<String>();
    let in_list = format!("{}\n{indented}", top.trim_end());
    lab.person_pushes("indent", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), &in_list).expect("write");
    });
    let before = head(&lab);
    let o = lab.publish(&section, &[], &[]);
    ok(&o, "indented block");
    assert_eq!(
        head(&lab),
        before,
        "the indented block is unchanged: {}",
        stderr(&o)
    );

    // Around: the blank line above the block taken out by a person, then
    // the block removed: the person's line keeps its line end.
    let fresh = Lab::new();
    fresh.person_pushes("sidebar", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), "- Runbooks\n").expect("write");
    });
    ok(&fresh.publish(&section, &[], &[]), "section");
    let tight = String::from_utf8(fresh.files()[SIDEBAR].clone())
        .expect("utf-8")
        .replacen("\n\n", "\n", 1);
    fresh.person_pushes("tight", |wiki| {
        std::fs::write(wiki.join(SIDEBAR), &tight).expect("write");
    });
    set_wiki(&tree, "sidebar: none");
    ok(
        &fresh.publish(&build(&fresh, &tree, "none"), &[], &[]),
        "none",
    );
    assert_eq!(fresh.files()[SIDEBAR], b"- Runbooks\n");
}

/// A publish that stops says why in the job summary too; a name with a
/// line end is shown escaped, never as another name.
#[test]
fn a_refusal_reaches_the_summary_and_names_are_never_another_name() {
    let lab = Lab::new();
    lab.person_pushes("sidebar", |wiki| {
        std::fs::write(
            wiki.join(SIDEBAR),
            "<!-- gtdocs:begin -->\n<!-- gtdocs:end -->\n<!-- gtdocs:begin -->\n<!-- gtdocs:end -->\n",
        )
        .expect("write");
        std::fs::write(wiki.join("New\nline.md"), "Ours.\n").expect("write");
    });
    let tree = product_tree(&lab, "refused", "sidebar: section");
    let summary = lab.path().join("summary.md");
    let summary_arg = summary.to_str().expect("utf-8");
    let o = lab.publish(
        &build(&lab, &tree, "refused"),
        &["--summary", summary_arg],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let report = std::fs::read_to_string(&summary).expect("summary");
    assert!(report.starts_with("## Wiki publish\n\nNothing was published: cannot put gtdocs' block into the wiki's `_Sidebar.md`: it has 2"), "{report}");
    assert!(
        report.contains("\nHelp: make `_Sidebar.md` on the wiki"),
        "{report}"
    );

    set_wiki(&tree, "");
    std::fs::remove_file(&summary).expect("rm");
    let o = lab.publish(
        &build(&lab, &tree, "names"),
        &["-v", "--summary", summary_arg],
        &[],
    );
    ok(&o, "publish");
    assert!(stderr(&o).contains("New\\nline.md"), "{}", stderr(&o));
    let report = std::fs::read_to_string(&summary).expect("summary");
    assert!(report.contains("`New\\nline.md`"), "{report}");
}
