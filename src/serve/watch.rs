//! Watching a docs tree: which file events matter, what kind of change they
//! are, and collecting an editor's burst of events into one rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::load::{CONFIG_FILE, RUNBOOKS_DIR, theme::THEMES_DIR};

/// What a change touches, from narrowest to widest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Runbook files were created, changed, renamed or deleted.
    Runbooks(Vec<PathBuf>),
    /// A theme file: every page may change.
    Theme,
    /// `gtdocs.yaml`: the catalog and site settings; everything rebuilds.
    Catalog,
}

impl Change {
    /// Folds two changes into the one that covers both.
    pub fn merge(self, other: Change) -> Change {
        match (self, other) {
            (Change::Runbooks(mut a), Change::Runbooks(b)) => {
                for p in b {
                    if !a.contains(&p) {
                        a.push(p);
                    }
                }
                a.sort();
                Change::Runbooks(a)
            }
            (a, b) => a.max(b),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Change::Runbooks(paths) if paths.len() == 1 => {
                format!("runbook {}", paths[0].display())
            }
            Change::Runbooks(paths) => format!("{} runbooks", paths.len()),
            Change::Theme => "theme".into(),
            Change::Catalog => CONFIG_FILE.into(),
        }
    }
}

/// Editor backup, swap and temporary files, which never count.
pub fn is_editor_noise(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".orig",
            ".crdownload",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// The change an event on `path` means, if any. `path` may be absolute or
/// relative; it is compared below `root`.
pub fn classify(root: &Path, path: &Path) -> Option<Change> {
    let rel = path.strip_prefix(root).ok()?;
    let name = rel.file_name()?.to_str()?;
    if is_editor_noise(name) {
        return None;
    }
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str();
    if first == CONFIG_FILE && rel.components().count() == 1 {
        return Some(Change::Catalog);
    }
    if first == RUNBOOKS_DIR {
        // A runbook is runbooks/<slug>.yaml; the folder itself vanishing
        // or appearing counts as a change of every runbook.
        return match rel.components().count() {
            1 => Some(Change::Catalog),
            2 if name.ends_with(".yaml") || name.ends_with(".yml") => {
                Some(Change::Runbooks(vec![rel.to_path_buf()]))
            }
            _ => None,
        };
    }
    if first == THEMES_DIR {
        return Some(Change::Theme);
    }
    None
}

/// A file watcher on a tree: OS events, or polling with `poll`.
pub struct TreeWatcher {
    _watcher: Box<dyn Watcher + Send>,
    events: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
}

impl TreeWatcher {
    pub fn new(root: &Path, poll: bool) -> notify::Result<Self> {
        let (tx, events) = std::sync::mpsc::channel();
        let mut watcher: Box<dyn Watcher + Send> = if poll {
            // Contents, not only modification times: those have whole-second
            // resolution on some file systems, and two saves in one second
            // would look like one.
            let config = notify::Config::default()
                .with_follow_symlinks(false)
                .with_poll_interval(Duration::from_millis(250))
                .with_compare_contents(true);
            Box::new(notify::PollWatcher::new(tx, config)?)
        } else {
            // Symlinked folders are not followed: a theme's link to /tmp
            // must not flood the watcher with another tree's events.
            let config = notify::Config::default().with_follow_symlinks(false);
            Box::new(notify::RecommendedWatcher::new(tx, config)?)
        };
        // The root itself (not recursively: site/ and .git/ are not ours),
        // then the source folders.
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        for dir in [RUNBOOKS_DIR, THEMES_DIR] {
            let dir = root.join(dir);
            if dir.is_dir() {
                watcher.watch(&dir, RecursiveMode::Recursive)?;
            }
        }
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(TreeWatcher {
            _watcher: watcher,
            events,
            root,
        })
    }

    /// Waits up to `timeout` for a change, then collects the rest of the
    /// burst (until `quiet` passes with no event, at most `max`).
    pub fn next_change(&self, timeout: Duration, quiet: Duration, max: Duration) -> Option<Change> {
        let mut change: Option<Change> = None;
        let first = match self.events.recv_timeout(timeout) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        self.absorb(first, &mut change);
        let started = Instant::now();
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
        let Ok(event) = event else {
            // The watcher lost events (e.g. an overflow): rebuild it all.
            *change = Some(Change::Catalog);
            return;
        };
        if event.need_rescan() {
            // Events were dropped: rebuild it all.
            *change = Some(Change::Catalog);
            return;
        }
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            // The folder is canonicalized, not the file: a file may be gone,
            // or be a symlink, whose target says nothing of where it is.
            let path = match (
                path.parent().and_then(|p| std::fs::canonicalize(p).ok()),
                path.file_name(),
            ) {
                (Some(parent), Some(name)) => parent.join(name),
                _ => path.clone(),
            };
            // A folder's own events (its listing changed) say nothing a
            // file event does not; polling reports them for every file.
            if path.is_dir() {
                continue;
            }
            if let Some(c) = classify(&self.root, &path) {
                *change = Some(match change.take() {
                    Some(prev) => prev.merge(c),
                    None => c,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_noise_is_ignored() {
        for name in [
            ".librechat.yaml.swp",
            "librechat.yaml~",
            "4913",
            ".#librechat.yaml",
            "x.tmp",
            "#x#",
        ] {
            assert!(is_editor_noise(name), "{name}");
        }
        assert!(!is_editor_noise("librechat.yaml"));
    }

    #[test]
    fn events_are_classified() {
        let root = Path::new("/t");
        assert_eq!(
            classify(root, Path::new("/t/gtdocs.yaml")),
            Some(Change::Catalog)
        );
        assert_eq!(
            classify(root, Path::new("/t/runbooks/a.yaml")),
            Some(Change::Runbooks(vec![PathBuf::from("runbooks/a.yaml")]))
        );
        assert_eq!(classify(root, Path::new("/t/runbooks/.a.yaml.swp")), None);
        assert_eq!(classify(root, Path::new("/t/runbooks/notes.txt")), None);
        assert_eq!(
            classify(root, Path::new("/t/themes/brand/static/x.css")),
            Some(Change::Theme)
        );
        assert_eq!(classify(root, Path::new("/t/site/html/index.html")), None);
        assert_eq!(classify(root, Path::new("/elsewhere/gtdocs.yaml")), None);
    }

    #[test]
    fn changes_merge_to_the_widest() {
        let a = Change::Runbooks(vec![PathBuf::from("runbooks/a.yaml")]);
        let b = Change::Runbooks(vec![PathBuf::from("runbooks/b.yaml")]);
        assert_eq!(
            a.clone().merge(b),
            Change::Runbooks(vec![
                PathBuf::from("runbooks/a.yaml"),
                PathBuf::from("runbooks/b.yaml")
            ])
        );
        assert_eq!(a.merge(Change::Theme), Change::Theme);
        assert_eq!(Change::Theme.merge(Change::Catalog), Change::Catalog);
    }
}
