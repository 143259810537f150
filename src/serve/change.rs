//! What a file event means for the preview: which events count (editor
//! noise never does), what kind of change each is, and how the changes of
//! one burst fold into the one rebuild that covers them all.

use std::path::{Path, PathBuf};

use crate::load::theme::THEMES_DIR;
use crate::load::{CONFIG_FILE, RUNBOOKS_DIR};
use crate::probe;

/// What a change touches, from narrowest to widest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// What a probe found (`probes/<slug>/results.json`) was written or
    /// removed: no source is read again, but the verdicts' evidence is.
    Evidence,
    /// Runbook files were created, changed, renamed or deleted (the
    /// evidence is read again with them).
    Runbooks(Vec<PathBuf>),
    /// The repository's HEAD moved (a commit, a checkout): the history
    /// of verdicts is read again and every page may change.
    History,
    /// A theme file: every page may change.
    Theme,
    /// `gtdocs.yaml`: the catalog and site settings; everything rebuilds.
    Catalog,
    /// Every source is read again: source folders appeared, vanished or
    /// were replaced (`folders`, as `runbooks/`), or the watcher lost track
    /// of changes (`lost`: what happened, told to the user).
    Tree {
        folders: Vec<String>,
        lost: Vec<String>,
    },
}

impl Change {
    fn width(&self) -> u8 {
        match self {
            Change::Evidence => 0,
            Change::Runbooks(_) => 1,
            Change::History => 2,
            Change::Theme => 3,
            Change::Catalog => 4,
            Change::Tree { .. } => 5,
        }
    }

    /// Folds two changes into the one that covers both.
    pub fn merge(self, other: Change) -> Change {
        match (self, other) {
            (Change::Runbooks(mut a), Change::Runbooks(b)) => {
                add_new(&mut a, b);
                a.sort();
                Change::Runbooks(a)
            }
            (
                Change::Tree {
                    mut folders,
                    mut lost,
                },
                Change::Tree {
                    folders: more_folders,
                    lost: more_lost,
                },
            ) => {
                add_new(&mut folders, more_folders);
                add_new(&mut lost, more_lost);
                Change::Tree { folders, lost }
            }
            (a, b) if a.width() >= b.width() => a,
            (_, b) => b,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Change::Evidence => "probe results".into(),
            Change::Runbooks(paths) if paths.len() == 1 => {
                format!("runbook {}", paths[0].display())
            }
            Change::Runbooks(paths) => format!("{} runbooks", paths.len()),
            Change::History => "git HEAD (the history of verdicts)".into(),
            Change::Theme => "theme".into(),
            Change::Catalog => CONFIG_FILE.into(),
            Change::Tree { folders, .. } if !folders.is_empty() => {
                format!("{} created, moved or removed", folders.join(" and "))
            }
            Change::Tree { .. } => "every source".into(),
        }
    }

    /// What the watcher could not follow, each to be told as a warning.
    pub fn lost(&self) -> &[String] {
        match self {
            Change::Tree { lost, .. } => lost,
            _ => &[],
        }
    }

    pub(super) fn lost_track(what: String) -> Change {
        Change::Tree {
            folders: Vec::new(),
            lost: vec![what],
        }
    }
}

fn add_new<T: PartialEq>(to: &mut Vec<T>, more: Vec<T>) {
    for item in more {
        if !to.contains(&item) {
            to.push(item);
        }
    }
}

pub(super) fn merge_into(change: &mut Option<Change>, more: Option<Change>) {
    if let Some(more) = more {
        *change = Some(match change.take() {
            Some(prev) => prev.merge(more),
            None => more,
        });
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
    if first == probe::DIR {
        // probes/<slug>/results.json, and a probe's folder coming or
        // going with it; the probes' scripts are not read by a build, and
        // their declarations only for the pins the results name.
        return match rel.components().count() {
            1 | 2 => Some(Change::Evidence),
            3 if name == probe::RESULTS_FILE || name == probe::FILE => Some(Change::Evidence),
            _ => None,
        };
    }
    None
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
            classify(root, Path::new("/t/probes/a/results.json")),
            Some(Change::Evidence)
        );
        assert_eq!(classify(root, Path::new("/t/probes/a/probe.py")), None);
        assert_eq!(
            classify(root, Path::new("/t/probes/a/probe.yaml")),
            Some(Change::Evidence)
        );
        // A probe's folder moved in or out.
        assert_eq!(
            classify(root, Path::new("/t/probes/a")),
            Some(Change::Evidence)
        );
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
        assert_eq!(a.clone().merge(Change::Theme), Change::Theme);
        // Every update reads the evidence again: runbooks cover it.
        assert_eq!(Change::Evidence.merge(a.clone()), a);
        assert_eq!(a.clone().merge(Change::Evidence), a);
        assert_eq!(Change::Theme.merge(Change::Catalog), Change::Catalog);
        let tree = |folders: &[&str], lost: &[&str]| Change::Tree {
            folders: folders.iter().map(|f| f.to_string()).collect(),
            lost: lost.iter().map(|l| l.to_string()).collect(),
        };
        assert_eq!(
            tree(&["runbooks/"], &[]).merge(Change::Catalog),
            tree(&["runbooks/"], &[])
        );
        assert_eq!(a.merge(tree(&[], &["lost"])), tree(&[], &["lost"]));
        assert_eq!(
            tree(&["runbooks/"], &["lost"]).merge(tree(&["themes/", "runbooks/"], &["lost"])),
            tree(&["runbooks/", "themes/"], &["lost"])
        );
    }
}
