//! Crash safety: a build killed with SIGKILL at any moment leaves either the
//! previous site or the new one, complete, never a mix; the next build
//! removes what the killed one left beside the output.
//!
//! A build changes the output folder's neighbourhood at a few moments: it
//! makes a staging folder (marker first), fills it, swaps it with the
//! output, then deletes the previous site. The test kills a build at each
//! of those moments, found by watching the folder rather than by sleeping
//! for a guessed time, so every kill lands where it is meant to.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::common;

/// Runbooks in the tree: about 1,100 output files, so that filling the
/// staging folder and deleting the previous site each last far longer than
/// the watch's millisecond between looks, in the debug build.
const RUNBOOKS: usize = 200;

/// Every file below `dir`: relative path → a hash of its bytes.
fn digest(dir: &Path) -> BTreeMap<String, u64> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("prefix");
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(entry.path()).expect("read").hash(&mut h);
            files.insert(rel.to_string_lossy().into_owned(), h.finish());
        }
    }
    files
}

/// What builds leave beside the output: staging and set-aside folders
/// (not the build cache, `.site.cache`, kept on purpose).
fn leftovers(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site.") && n != ".site.cache")
        .collect();
    names.sort();
    names
}

/// Files below `dir`, which a build may be writing or deleting meanwhile.
fn files_below(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).expect("stat").ino()
}

fn build(root: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gtdocs"));
    c.args(["build", "--root"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Sources version `v`: one runbook's title says which.
fn set_version(root: &Path, v: usize) {
    let file = root.join("runbooks/aider-0000.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    let start = text.find("\ntitle: ").expect("title") + 1;
    let end = start + text[start..].find('\n').expect("eol");
    std::fs::write(
        &file,
        format!("{}title: Aider 0000 v{v}{}", &text[..start], &text[end..]),
    )
    .expect("write");
}

/// When to kill a build.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// The build's staging folder holds this share (percent) of the new
    /// site's files, the output still the previous site: 0 as soon as the
    /// folder exists (with its marker only).
    Staged(usize),
    /// The output folder is the new site (another inode): the previous
    /// site, now in the staging folder's place, is being deleted.
    Swapped,
}

/// Where a build stood when it was killed.
struct Kill {
    /// When the moment was seen (or the build was found over).
    after: Duration,
    /// Files in the build's staging folder when the moment was seen.
    staged: usize,
    /// The swap came before a `Staged` moment was seen.
    missed: bool,
    /// The build died of the kill (else it had finished first).
    killed: bool,
}

/// Runs a build of `root` into `site`, watching `root` until `moment`
/// (a staging folder already there is a killed build's, not this one's),
/// then kills it with SIGKILL.
fn kill_at(root: &Path, site: &Path, moment: Moment, files: usize) -> Kill {
    use std::os::unix::process::ExitStatusExt as _;
    let old_staging = leftovers(root);
    let old_site = inode(site);
    let started = Instant::now();
    let mut child: Child = build(root, site).spawn().expect("spawn");
    loop {
        // Asked before looking: a build that ended meanwhile has done
        // whatever the look sees.
        let ended = child.try_wait().expect("try_wait");
        let staging: Option<PathBuf> = leftovers(root)
            .into_iter()
            .find(|n| !old_staging.contains(n))
            .map(|n| root.join(n));
        let staged = staging.as_deref().map_or(0, files_below);
        let swapped = inode(site) != old_site;
        let (now, missed) = match moment {
            Moment::Staged(share) => (
                swapped || (staging.is_some() && staged * 100 >= files * share),
                swapped,
            ),
            Moment::Swapped => (swapped, false),
        };
        if now || ended.is_some() {
            let _ = child.kill();
            let status = child.wait().expect("wait");
            let killed = status.signal() == Some(libc::SIGKILL);
            assert!(
                killed || status.success(),
                "{moment:?}: the build failed on its own: {status}"
            );
            return Kill {
                after: started.elapsed(),
                staged,
                missed: missed || !now,
                killed,
            };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn kill_9_leaves_the_previous_or_the_new_site() {
    let tree = common::scaled_copy(RUNBOOKS);
    let root = tree.path();
    let site = root.join("site");
    // Each version built once, undisturbed: what a finished build writes.
    // Version 0 is also the site the killed builds replace.
    let refs_dir = tempfile::tempdir().expect("tempdir");
    set_version(root, 1);
    let new_site = refs_dir.path().join("v1");
    assert!(build(root, &new_site).status().expect("build").success());
    set_version(root, 0);
    assert!(build(root, &site).status().expect("build").success());
    let refs = [digest(&site), digest(&new_site)];
    assert_ne!(refs[0], refs[1]);
    let files = refs[1].len();

    let moments = [Moment::Staged(0), Moment::Staged(50), Moment::Swapped];
    let mut current = 0;
    let mut report = Vec::new();
    for moment in moments {
        let v = 1 - current;
        set_version(root, v);
        let kill = kill_at(root, &site, moment, files);
        let after = digest(&site);
        let left = leftovers(root);
        let kept = if after == refs[current] {
            "the previous site"
        } else if after == refs[v] {
            current = v;
            "the new site"
        } else {
            panic!(
                "killed at {moment:?} ({} of {files} files staged, after {:?}): `site/` is \
                 neither the previous site nor the new one ({} files)",
                kill.staged,
                kill.after,
                after.len()
            );
        };
        let line = format!(
            "{moment:?}: {} after {:?}{} ({} of {files} files staged); left {kept}, {} \
             folder(s) beside it",
            if kill.killed {
                "killed"
            } else {
                "finished before the kill"
            },
            kill.after,
            if kill.missed {
                ", the moment missed"
            } else {
                ""
            },
            kill.staged,
            left.len()
        );
        eprintln!("{line}");
        // The moments in the build last long enough never to be missed.
        // Killed while staging, the previous site stands, and beside it only
        // this build's folder: it removed the one the kill before left.
        // After the swap, the new site stands, whether the kill came while
        // the previous one was being deleted or (on a slow machine) after.
        assert!(!kill.missed, "{line}");
        match moment {
            Moment::Staged(_) => assert!(
                kill.killed && kept == "the previous site" && left.len() == 1,
                "{line}"
            ),
            Moment::Swapped => assert_eq!(kept, "the new site", "{line}"),
        }
        report.push(line);
    }

    // The next build finishes, and removes what the killed ones left.
    let v = 1 - current;
    set_version(root, v);
    assert!(build(root, &site).status().expect("build").success());
    assert_eq!(digest(&site), refs[v], "{report:#?}");
    assert_eq!(leftovers(root), Vec::<String>::new(), "{report:#?}");
}
