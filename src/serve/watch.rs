//! Watching a docs tree: the watches on its source folders, and an
//! editor's burst of events collected into one rebuild (what each event
//! means is `change`'s).
//!
//! The source folders come and go while the preview runs: renamed away and
//! back, deleted and made again, made for the first time (`gtdocs new` in a
//! tree without `runbooks/`). An OS watch follows a folder, not its path, and
//! ends with it; a polled path that vanished fails at every poll. So the
//! root is watched on its own, not recursively, and a source folder is
//! watched anew whenever an event says the folder itself appeared, vanished
//! or was replaced, which reads every source again. Events the watcher lost
//! (the OS queue overflowed) or a folder the OS cannot watch (its limit on
//! watches; the folder is polled instead) also read every source again, and
//! the user is told.
//!
//! A source folder is watched where the loader reads it: a symbolic link
//! leading elsewhere in the tree is followed, and events under its target
//! count as under its name; one leading out of the tree (to `/usr`, to `/`)
//! is refused by the loader, so it is not watched, which would cost a watch
//! per folder there, and the user is told once.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind, RemoveKind};
use notify::{RecursiveMode, Watcher};

use super::change::{Change, classify, merge_into};
use crate::load::{RUNBOOKS_DIR, ReadError, resolve_inside, theme::THEMES_DIR};

/// The folders of sources below the root, each watched recursively: the
/// probes' folder for the results the verdicts' evidence is read from.
const SOURCE_DIRS: [&str; 3] = [RUNBOOKS_DIR, THEMES_DIR, crate::probe::DIR];

/// How often a polled tree is read again.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Distinct watcher errors told to the user; a poller repeats its error at
/// every poll, and each is told once.
const MAX_TOLD: usize = 64;

/// A file watcher on a tree: OS events, or polling with `poll`.
pub struct TreeWatcher {
    events: Receiver<notify::Result<notify::Event>>,
    /// The root, canonical: every watch is set on a path below it, so the
    /// paths of events compare with it.
    root: PathBuf,
    /// Set again as folders come and go, while events are read.
    watches: RefCell<Watches>,
    /// A change to report before any event: folders the OS could not watch
    /// at the start.
    pending: RefCell<Option<Change>>,
}

struct Watches {
    os: Box<dyn Watcher + Send>,
    /// For folders the OS cannot watch; made when first needed.
    poller: Option<notify::PollWatcher>,
    events: Sender<notify::Result<notify::Event>>,
    told: BTreeSet<String>,
    /// Each source folder watched, and the folder its watch is on: itself,
    /// or the target of its link inside the tree.
    armed: Vec<(&'static str, PathBuf)>,
}

fn poller(events: Sender<notify::Result<notify::Event>>) -> notify::Result<notify::PollWatcher> {
    // Contents, not only modification times: those have whole-second
    // resolution on some file systems, and two saves in one second would
    // look like one.
    let config = notify::Config::default()
        .with_follow_symlinks(false)
        .with_poll_interval(POLL_INTERVAL)
        .with_compare_contents(true);
    notify::PollWatcher::new(events, config)
}

impl TreeWatcher {
    pub fn new(root: &Path, poll: bool) -> notify::Result<Self> {
        let (tx, events) = std::sync::mpsc::channel();
        let os: Box<dyn Watcher + Send> = if poll {
            Box::new(poller(tx.clone())?)
        } else {
            // Symlinked folders are not followed: a theme's link to /tmp
            // must not flood the watcher with another tree's events.
            let config = notify::Config::default().with_follow_symlinks(false);
            Box::new(notify::RecommendedWatcher::new(tx.clone(), config)?)
        };
        let root = std::fs::canonicalize(root).map_err(notify::Error::io)?;
        let mut watches = Watches {
            os,
            poller: None,
            events: tx,
            told: BTreeSet::new(),
            armed: Vec::new(),
        };
        // The root itself, not recursively (site/ and .git/ are not ours):
        // it sees gtdocs.yaml and the source folders come and go.
        watches.os.watch(&root, RecursiveMode::NonRecursive)?;
        let mut pending = None;
        for dir in SOURCE_DIRS {
            if let Some(note) = watches.arm(&root, dir) {
                merge_into(&mut pending, Some(Change::lost_track(note)));
            }
        }
        Ok(TreeWatcher {
            events,
            root,
            watches: RefCell::new(watches),
            pending: RefCell::new(pending),
        })
    }

    /// Waits up to `timeout` for a change, then collects the rest of the
    /// burst (until `quiet` passes with no event, at most `max`).
    pub fn next_change(&self, timeout: Duration, quiet: Duration, max: Duration) -> Option<Change> {
        let mut change: Option<Change> = self.pending.borrow_mut().take();
        let started = Instant::now();
        if change.is_none() {
            match self.events.recv_timeout(timeout) {
                Ok(event) => self.absorb(event, &mut change),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
        loop {
            let wait = if change.is_some() {
                quiet
            } else {
                timeout.saturating_sub(started.elapsed())
            };
            if started.elapsed() >= max && change.is_some() {
                break;
            }
            match self.events.recv_timeout(wait) {
                Ok(event) => self.absorb(event, &mut change),
                Err(_) => break,
            }
        }
        change
    }

    fn absorb(&self, event: notify::Result<notify::Event>, change: &mut Option<Change>) {
        let found = match event {
            Err(e) => self.lost_events(e),
            Ok(event) if event.need_rescan() => {
                // Events were dropped, maybe a folder's coming or going:
                // set every watch again and read everything.
                let mut watches = self.watches.borrow_mut();
                let mut found = Some(Change::lost_track(
                    "file events were lost: the system's queue of them overflowed".into(),
                ));
                for dir in SOURCE_DIRS {
                    merge_into(&mut found, Some(watches.rearm(&self.root, dir)));
                }
                found
            }
            Ok(event) => self.changed(&event.kind, &event.paths),
        };
        merge_into(change, found);
    }

    /// The change that events of `kind` on `paths` make.
    fn changed(&self, kind: &EventKind, paths: &[PathBuf]) -> Option<Change> {
        if matches!(kind, EventKind::Access(_)) {
            return None;
        }
        // A folder's listing changed: that says nothing its files' events
        // do not (a poller reports it for every file).
        let listing = matches!(
            kind,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Metadata(_) | ModifyKind::Any)
        );
        let mut change = None;
        for path in paths {
            // The folder is canonicalized, not the file: a file may be gone,
            // or be a symlink, whose target says nothing of where it is.
            let path = match (
                path.parent().and_then(|p| std::fs::canonicalize(p).ok()),
                path.file_name(),
            ) {
                (Some(parent), Some(name)) => parent.join(name),
                _ => path.clone(),
            };
            let path = self.watches.borrow().as_named(&self.root, path);
            if path == self.root && !listing {
                merge_into(
                    &mut change,
                    self.tell(format!(
                        "the tree's folder `{}` was moved or removed: the preview no longer \
                         follows it; restart gtdocs serve in the tree",
                        self.root.display()
                    )),
                );
                continue;
            }
            let rel = path.strip_prefix(&self.root).unwrap_or(&path);
            if let Some(dir) = SOURCE_DIRS.iter().find(|dir| rel == Path::new(dir)) {
                // The folder itself came, went or was replaced: its watch, if
                // any, is on another folder now or on none.
                if !listing {
                    let rearmed = self.watches.borrow_mut().rearm(&self.root, dir);
                    merge_into(&mut change, Some(rearmed));
                }
                continue;
            }
            if listing && path.is_dir() {
                continue;
            }
            merge_into(&mut change, classify(&self.root, &path));
        }
        change
    }

    /// An error of the watcher: a path gone while it was read is a change
    /// of it; a folder the OS stopped watching half-way (a new subfolder
    /// beyond its limit on watches) is polled instead; anything else is
    /// told, and everything is read again.
    fn lost_events(&self, e: notify::Error) -> Option<Change> {
        match &e.kind {
            notify::ErrorKind::PathNotFound => {
                return self.changed(&EventKind::Remove(RemoveKind::Any), &e.paths);
            }
            notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                return self.changed(&EventKind::Remove(RemoveKind::Any), &e.paths);
            }
            notify::ErrorKind::MaxFilesWatch => {
                let mut watches = self.watches.borrow_mut();
                let mut change = None;
                for dir in SOURCE_DIRS {
                    let Some(folder) = watches.watched(dir) else {
                        continue;
                    };
                    if folder.is_dir()
                        && (e.paths.is_empty() || e.paths.iter().any(|p| p.starts_with(&folder)))
                    {
                        let why = error_text(&self.root, &e);
                        let note = watches.poll_instead(&folder, dir, &why);
                        merge_into(&mut change, Some(Change::lost_track(note)));
                    }
                }
                if change.is_some() {
                    return change;
                }
            }
            _ => {}
        }
        let found = self.tell(format!(
            "the file watcher failed: {}",
            error_text(&self.root, &e)
        ));
        if found.is_some() {
            let mut watches = self.watches.borrow_mut();
            for dir in SOURCE_DIRS {
                watches.rearm(&self.root, dir);
            }
        }
        found
    }

    /// `what` to tell, unless it was told already.
    fn tell(&self, what: String) -> Option<Change> {
        let first = self.watches.borrow_mut().first_time(&what);
        first.then(|| Change::lost_track(what))
    }
}

impl Watches {
    /// Watches `root/dir` anew, and reads everything again.
    fn rearm(&mut self, root: &Path, dir: &'static str) -> Change {
        let lost = self.arm(root, dir).into_iter().collect();
        Change::Tree {
            folders: vec![format!("{dir}/")],
            lost,
        }
    }

    /// Watches `root/dir` if it is a folder, after dropping any watch it
    /// had: a folder renamed away keeps its OS watch, which would report
    /// its files there under this path, and a deleted one lost it. What to
    /// tell when the OS could not watch it.
    /// A folder linked out of the tree is not watched, and that is told
    /// once.
    fn arm(&mut self, root: &Path, dir: &'static str) -> Option<String> {
        let folder = match self.armed.iter().position(|(name, _)| *name == dir) {
            Some(at) => self.armed.remove(at).1,
            None => root.join(dir),
        };
        let _ = self.os.unwatch(&folder);
        if let Some(poller) = self.poller.as_mut() {
            let _ = poller.unwatch(&folder);
        }
        let folder = match resolve_inside(root, Path::new(dir)) {
            Ok(folder) => folder,
            Err(ReadError::Outside { target, .. }) => {
                let note = format!(
                    "`{dir}/` is a symbolic link to `{}`, outside the docs tree (or to \
                     nothing): it is not watched (unsafe-link)",
                    target.display()
                );
                return self.first_time(&note).then_some(note);
            }
            // Missing: the root's watch reports its coming.
            Err(_) => return None,
        };
        if !folder.is_dir() {
            return None;
        }
        self.armed.push((dir, folder.clone()));
        match self.os.watch(&folder, RecursiveMode::Recursive) {
            Ok(()) => None,
            // Gone again meanwhile: the root's watch reports its return.
            Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => None,
            Err(e) => Some(self.poll_instead(&folder, dir, &error_text(root, &e))),
        }
    }

    /// Whether `what` is told for the first time; it is told at most once.
    fn first_time(&mut self, what: &str) -> bool {
        if self.told.contains(what) {
            return false;
        }
        if self.told.len() < MAX_TOLD {
            self.told.insert(what.to_owned());
        }
        true
    }

    /// The folder the watch of source folder `dir` is on.
    fn watched(&self, dir: &str) -> Option<PathBuf> {
        self.armed
            .iter()
            .find(|(name, _)| *name == dir)
            .map(|(_, folder)| folder.clone())
    }

    /// `path` (canonical but for its file name) under the source folder it
    /// is watched as: events under a link's target name the target.
    fn as_named(&self, root: &Path, path: PathBuf) -> PathBuf {
        let named = self
            .armed
            .iter()
            // A source folder linked to the root would claim every path.
            .filter(|(_, folder)| folder != root)
            .filter_map(|(dir, folder)| Some((dir, folder, path.strip_prefix(folder).ok()?)))
            .max_by_key(|(_, folder, _)| folder.as_os_str().len());
        match named {
            Some((dir, _, rest)) if rest.as_os_str().is_empty() => root.join(dir),
            Some((dir, _, rest)) => root.join(dir).join(rest),
            None => path,
        }
    }

    /// Polls `folder`, which the OS does not watch (whole) for `why`.
    fn poll_instead(&mut self, folder: &Path, dir: &str, why: &str) -> String {
        // A recursive OS watch may have stopped half-way.
        let _ = self.os.unwatch(folder);
        if self.poller.is_none() {
            match poller(self.events.clone()) {
                Ok(p) => self.poller = Some(p),
                Err(e) => {
                    return format!(
                        "cannot watch `{dir}/` ({why}), nor poll it ({e}): its changes are \
                         not seen; restart gtdocs serve"
                    );
                }
            }
        }
        if let Some(poller) = self.poller.as_mut() {
            // A poller's watch does not fail: a folder it cannot read
            // fails at each poll, and is told once.
            let _ = poller.watch(folder, RecursiveMode::Recursive);
        }
        format!(
            "cannot watch `{dir}/` with file events ({why}): it is polled instead, every {} ms",
            POLL_INTERVAL.as_millis()
        )
    }
}

/// A watcher's error in words, its paths relative to the root.
fn error_text(root: &Path, e: &notify::Error) -> String {
    let what = match &e.kind {
        notify::ErrorKind::Io(io) => io.to_string(),
        notify::ErrorKind::Generic(text) => text.clone(),
        notify::ErrorKind::MaxFilesWatch => {
            "the system's limit on watched folders is reached".into()
        }
        notify::ErrorKind::PathNotFound => "no such file or folder".into(),
        _ => return e.to_string(),
    };
    let paths: Vec<String> = e
        .paths
        .iter()
        .map(|p| format!("`{}`", p.strip_prefix(root).unwrap_or(p).display()))
        .collect();
    if paths.is_empty() {
        what
    } else {
        format!("{}: {what}", paths.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::CONFIG_FILE;

    /// A tree with `gtdocs.yaml` and the given files, and its watcher.
    fn watched(files: &[&str]) -> (tempfile::TempDir, PathBuf, TreeWatcher) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(tmp.path()).expect("canonicalize");
        std::fs::write(root.join(CONFIG_FILE), "site: {}\n").expect("write");
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "title: x\n").expect("write");
        }
        let watcher = TreeWatcher::new(&root, false).expect("watch");
        (tmp, root, watcher)
    }

    fn next(watcher: &TreeWatcher) -> Option<Change> {
        watcher.next_change(
            Duration::from_secs(5),
            Duration::from_millis(50),
            Duration::from_secs(1),
        )
    }

    fn inject(watcher: &TreeWatcher, event: notify::Result<notify::Event>) {
        let sent = watcher.watches.borrow().events.send(event);
        assert!(sent.is_ok(), "the watcher's channel is closed");
    }

    #[test]
    fn lost_events_watch_the_folders_again_and_read_everything() {
        let (_tmp, root, watcher) = watched(&[]);
        // runbooks/ appears, and the event saying so is lost.
        std::fs::create_dir(root.join(RUNBOOKS_DIR)).expect("mkdir");
        std::thread::sleep(Duration::from_millis(300));
        while watcher.events.try_recv().is_ok() {}
        inject(
            &watcher,
            Ok(notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan)),
        );
        let change = next(&watcher).expect("a change after lost events");
        assert!(
            matches!(change, Change::Tree { .. }) && change.lost()[0].contains("lost"),
            "{change:?}"
        );
        std::fs::write(root.join("runbooks/a.yaml"), "title: a\n").expect("write");
        assert_eq!(
            next(&watcher),
            Some(Change::Runbooks(vec![PathBuf::from("runbooks/a.yaml")])),
            "a runbook written in the folder watched again"
        );
    }

    #[test]
    fn a_folder_the_os_stops_watching_is_polled_instead() {
        let (_tmp, root, watcher) = watched(&["runbooks/a.yaml", "themes/brand/static/brand.css"]);
        // What inotify reports when a new subfolder is past its limit.
        inject(
            &watcher,
            Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch)
                .add_path(root.join("themes/brand/static"))),
        );
        let change = next(&watcher).expect("a change after a failed watch");
        assert!(
            change.lost().len() == 1
                && change.lost()[0].contains("`themes/`")
                && change.lost()[0].contains("polled"),
            "{change:?}"
        );
        std::fs::write(root.join("themes/brand/static/brand.css"), "a {}\n").expect("write");
        assert_eq!(
            next(&watcher),
            Some(Change::Theme),
            "an edit in the polled folder"
        );
        std::fs::write(root.join("runbooks/a.yaml"), "title: b\n").expect("write");
        assert_eq!(
            next(&watcher),
            Some(Change::Runbooks(vec![PathBuf::from("runbooks/a.yaml")])),
            "an edit in the folder still watched by the OS"
        );
    }
}
