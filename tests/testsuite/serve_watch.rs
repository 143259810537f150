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
//!   the theme, and an edit in its new subfolders shows.

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
    std::thread::sleep(Duration::from_millis(300));
    let epoch = srv.epoch();
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
