//! Source folders that come and go while `gtdocs serve` runs, with OS
//! events and with `--poll` (a child of `serve`, for its server helpers):
//!
//! - `runbooks/` renamed away: the status shows `no-runbooks` like a build,
//!   the runbook pages go, and the server does not keep rebuilding; renamed
//!   back: the pages return and a later edit shows; deleted and made again
//!   with one runbook: that runbook alone shows;
//! - a tree without `runbooks/`: `gtdocs new foo` (the hint of that warning)
//!   shows `foo`, a second file in the new folder shows too, and a
//!   `gtdocs.yaml` replaced by a rename shows;
//! - a tree whose theme folder is missing: `themes/` copied in builds with
//!   the theme, and an edit in its new subfolders shows;
//! - source folders linked out of the tree (to /usr) are not watched: the
//!   watches stay few, and the rest of the tree is still followed;
//! - `runbooks/` linked to a folder inside the tree: an edit through
//!   either path shows.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Server, edit};
use crate::common;

/// How long one change may take to show (a debug build on two busy cores;
/// a change shows in well under a second when nothing else runs).
const SHOWS_WITHIN: Duration = Duration::from_secs(15);

/// Waits until `problem` finds none, checking every 50 ms; fails with the
/// last problem and the server's stderr after [`SHOWS_WITHIN`].
fn until(srv: &Server, what: &str, problem: impl Fn() -> Option<String>) {
    let started = Instant::now();
    loop {
        let Some(last) = problem() else { return };
        assert!(
            started.elapsed() < SHOWS_WITHIN,
            "{what}: not shown within {SHOWS_WITHIN:?}: {last}\nserver stderr:\n{}",
            srv.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn codes(status: &Value) -> Vec<String> {
    status["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter_map(|d| d["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// `None` when the status is ok and has (`want`) or lacks the `no-runbooks`
/// warning.
fn no_runbooks_warning(srv: &Server, want: bool) -> Option<String> {
    let status = srv.status();
    let has = codes(&status).iter().any(|c| c == "no-runbooks");
    (status["ok"] != true || has != want).then(|| format!("status {status}"))
}

/// `None` when the page answers `code` and, for 200, holds `text`.
fn page_is(srv: &Server, rel: &str, code: u16, text: &str) -> Option<String> {
    let r = srv.page(rel);
    (r.status != code || code == 200 && !r.text().contains(text))
        .then(|| format!("{rel}: {} (wanted {code} with {text:?})", r.head_text()))
}

/// No rebuild for a while once a change has shown: a vanished folder must
/// not be read again at every poll.
fn stays_quiet(srv: &Server, what: &str) {
    // First the rebuilds already under way settle: a poll's late result (a
    // scan on a busy machine) may still come. Settled is a second, four
    // poll intervals, with no new epoch.
    let started = Instant::now();
    let mut epoch = srv.epoch();
    while let Some(v) = srv.wait_once(epoch, Duration::from_secs(1)) {
        assert!(
            started.elapsed() < SHOWS_WITHIN,
            "{what}: the server kept rebuilding for {SHOWS_WITHIN:?} (epoch {v})\n\
             server stderr:\n{}",
            srv.stderr_text()
        );
        epoch = srv.epoch();
    }
    if let Some(v) = srv.wait_once(epoch, Duration::from_millis(1500)) {
        panic!(
            "{what}: the server rebuilt again with nothing changing (epoch {epoch}, then {v})\n\
             server stderr:\n{}",
            srv.stderr_text()
        );
    }
}

fn runbooks_moved_away_and_back(poll: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    common::copy_tree(&common::fixtures().join("base"), &root);
    let srv = Server::start(&root, if poll { &["--poll"] } else { &[] });
    let runbooks = root.join("runbooks");
    until(&srv, "the first build", || no_runbooks_warning(&srv, false));

    std::fs::rename(&runbooks, root.join("runbooks.away")).expect("rename away");
    until(&srv, "runbooks/ renamed away", || {
        no_runbooks_warning(&srv, true).or_else(|| page_is(&srv, "runbooks/alpha/", 404, ""))
    });
    stays_quiet(&srv, "runbooks/ renamed away");

    std::fs::rename(root.join("runbooks.away"), &runbooks).expect("rename back");
    until(&srv, "runbooks/ renamed back", || {
        no_runbooks_warning(&srv, false)
            .or_else(|| page_is(&srv, "runbooks/alpha/", 200, "Alpha Chat"))
    });
    edit(
        &runbooks.join("alpha.yaml"),
        "title: Alpha Chat",
        "title: Alpha Back",
    );
    until(&srv, "an edit after runbooks/ came back", || {
        page_is(&srv, "runbooks/alpha/", 200, "Alpha Back")
    });

    let alpha = std::fs::read_to_string(runbooks.join("alpha.yaml")).expect("read");
    std::fs::remove_dir_all(&runbooks).expect("delete runbooks/");
    until(&srv, "runbooks/ deleted", || {
        no_runbooks_warning(&srv, true)
    });
    stays_quiet(&srv, "runbooks/ deleted");
    std::fs::create_dir(&runbooks).expect("mkdir runbooks/");
    std::fs::write(
        runbooks.join("alpha.yaml"),
        alpha.replacen("title: Alpha Back", "title: Alpha Again", 1),
    )
    .expect("write");
    until(&srv, "runbooks/ made again with alpha.yaml", || {
        no_runbooks_warning(&srv, false)
            .or_else(|| page_is(&srv, "runbooks/alpha/", 200, "Alpha Again"))
            .or_else(|| page_is(&srv, "runbooks/beta/", 404, ""))
    });
}

#[test]
fn runbooks_moved_away_and_back_with_os_events() {
    runbooks_moved_away_and_back(false);
}

#[test]
fn runbooks_moved_away_and_back_with_poll() {
    runbooks_moved_away_and_back(true);
}

fn runbooks_made_for_the_first_time(poll: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    std::fs::create_dir(&root).expect("mkdir");
    let base = common::fixtures().join("base");
    std::fs::copy(base.join("gtdocs.yaml"), root.join("gtdocs.yaml")).expect("copy");
    let srv = Server::start(&root, if poll { &["--poll"] } else { &[] });
    until(&srv, "the first build", || no_runbooks_warning(&srv, true));

    let new = common::gtdocs(&root, &["new", "foo"]);
    assert!(
        new.status.success(),
        "gtdocs new foo: {}",
        common::stderr(&new)
    );
    until(&srv, "`gtdocs new foo`", || {
        no_runbooks_warning(&srv, false).or_else(|| page_is(&srv, "runbooks/foo/", 200, ""))
    });
    std::fs::copy(
        base.join("runbooks/alpha.yaml"),
        root.join("runbooks/alpha.yaml"),
    )
    .expect("copy");
    until(&srv, "a second runbook in the new folder", || {
        page_is(&srv, "runbooks/alpha/", 200, "Alpha Chat")
    });

    // An editor's atomic save of the config: a new file renamed over it.
    let config = std::fs::read_to_string(root.join("gtdocs.yaml")).expect("read");
    std::fs::write(
        root.join("gtdocs.yaml.new"),
        config.replacen("title: Test runbooks", "title: Renamed runbooks", 1),
    )
    .expect("write");
    std::fs::rename(root.join("gtdocs.yaml.new"), root.join("gtdocs.yaml")).expect("rename");
    until(&srv, "gtdocs.yaml replaced by a rename", || {
        page_is(&srv, "", 200, "Renamed runbooks")
    });
}

#[test]
fn runbooks_made_for_the_first_time_with_os_events() {
    runbooks_made_for_the_first_time(false);
}

#[test]
fn runbooks_made_for_the_first_time_with_poll() {
    runbooks_made_for_the_first_time(true);
}

fn themes_made_for_the_first_time(poll: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    let themed = common::fixtures().join("themed");
    common::copy_tree(&themed, &root);
    std::fs::remove_dir_all(root.join("themes")).expect("remove themes/");
    let srv = Server::start(&root, if poll { &["--poll"] } else { &[] });
    let status = srv.status();
    assert_eq!(
        status["ok"], false,
        "a tree naming a theme it lacks builds: {status}"
    );

    common::copy_tree(&themed.join("themes"), &root.join("themes"));
    until(&srv, "themes/ copied in", || {
        let status = srv.status();
        (status["ok"] != true)
            .then(|| format!("status {status}"))
            .or_else(|| page_is(&srv, "static/brand.css", 200, ""))
    });
    let css = root.join("themes/brand/static/brand.css");
    let mut text = std::fs::read_to_string(&css).expect("read");
    text.push_str("/* new-theme-marker */\n");
    std::fs::write(&css, text).expect("write");
    until(&srv, "an edit in the new themes/", || {
        page_is(&srv, "static/brand.css", 200, "new-theme-marker")
    });
}

#[test]
fn themes_made_for_the_first_time_with_os_events() {
    themes_made_for_the_first_time(false);
}

#[test]
fn themes_made_for_the_first_time_with_poll() {
    themes_made_for_the_first_time(true);
}

/// The inotify watches the process `pid` holds.
fn inotify_watches(pid: u32) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else {
        return 0;
    };
    fds.flatten()
        .filter_map(|fd| std::fs::read_to_string(fd.path()).ok())
        .map(|info| info.matches("inotify wd:").count())
        .sum()
}

/// `dir` of the tree made a symbolic link to `target`.
fn link_folder(root: &std::path::Path, dir: &str, target: &str) {
    let at = root.join(dir);
    if at.exists() {
        std::fs::remove_dir_all(&at).expect("remove");
    }
    std::os::unix::fs::symlink(target, &at).expect("symlink");
}

#[test]
fn folders_linked_out_of_the_tree_are_not_watched() {
    let outside = "/usr";
    for dir in ["themes", "runbooks"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("tree");
        common::copy_tree(&common::fixtures().join("base"), &root);
        link_folder(&root, dir, outside);
        let srv = Server::start(&root, &[]);
        let watches = inotify_watches(srv.child.id());
        assert!(
            watches <= 8,
            "{dir}/ -> {outside}: serve holds {watches} inotify watches\nserver stderr:\n{}",
            srv.stderr_text()
        );
        until(&srv, "the warning", || {
            let status = srv.status();
            (!codes(&status).iter().any(|c| c == "watch"))
                .then(|| format!("no `watch` warning for {dir}/ -> {outside}: {status}"))
        });
        let said = srv.stderr_text();
        assert_eq!(
            said.matches("not watched").count(),
            1,
            "{dir}/ -> {outside} said once:\n{said}"
        );
        // The rest of the tree is still followed (the build fails: the
        // loader refuses the link too).
        let (file, from, to) = if dir == "themes" {
            (
                "runbooks/alpha.yaml",
                "title: Alpha Chat",
                "title: Alpha Linked",
            )
        } else {
            (
                "gtdocs.yaml",
                "title: Test runbooks",
                "title: Linked runbooks",
            )
        };
        let epoch = srv.epoch();
        edit(&root.join(file), from, to);
        assert!(
            srv.wait_once(epoch, SHOWS_WITHIN).is_some(),
            "an edit of {file} beside {dir}/ linked out: no rebuild\nserver stderr:\n{}",
            srv.stderr_text()
        );
        let status = srv.status();
        assert!(
            codes(&status).iter().any(|c| c == "unsafe-link"),
            "the build reports the link: {status}"
        );
    }
}

fn runbooks_linked_inside_the_tree(poll: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    common::copy_tree(&common::fixtures().join("base"), &root);
    std::fs::rename(root.join("runbooks"), root.join("realrb")).expect("rename");
    std::os::unix::fs::symlink("realrb", root.join("runbooks")).expect("symlink");
    let srv = Server::start(&root, if poll { &["--poll"] } else { &[] });
    until(&srv, "the first build", || {
        page_is(&srv, "runbooks/alpha/", 200, "Alpha Chat")
    });
    edit(
        &root.join("runbooks/alpha.yaml"),
        "title: Alpha Chat",
        "title: Alpha Via Link",
    );
    until(&srv, "an edit through runbooks/", || {
        page_is(&srv, "runbooks/alpha/", 200, "Alpha Via Link")
    });
    edit(
        &root.join("realrb/alpha.yaml"),
        "title: Alpha Via Link",
        "title: Alpha Via Target",
    );
    until(&srv, "an edit through realrb/", || {
        page_is(&srv, "runbooks/alpha/", 200, "Alpha Via Target")
    });
}

#[test]
fn runbooks_linked_inside_the_tree_with_os_events() {
    runbooks_linked_inside_the_tree(false);
}

#[test]
fn runbooks_linked_inside_the_tree_with_poll() {
    runbooks_linked_inside_the_tree(true);
}
