//! Crash safety: a build killed with SIGKILL at any moment leaves either the
//! previous site or the new one, complete, never a mix; the next build
//! removes what the killed one left beside the output.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common;

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

/// What builds leave beside the output: staging and set-aside folders.
fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site."))
        .collect()
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

#[test]
fn kill_9_leaves_the_previous_or_the_new_site() {
    const TRIES: usize = 10;
    let tree = common::scaled_copy(1000);
    let root = tree.path();
    let refs_dir = tempfile::tempdir().expect("tempdir");
    // Each version built once, undisturbed: what a finished build writes.
    let mut refs = Vec::new();
    let mut took = Duration::ZERO;
    for v in 0..2 {
        set_version(root, v);
        let out = refs_dir.path().join(format!("v{v}"));
        let started = Instant::now();
        assert!(build(root, &out).status().expect("build").success());
        took = took.max(started.elapsed());
        refs.push(digest(&out));
    }
    assert_ne!(refs[0], refs[1]);
    let site = root.join("site");
    set_version(root, 0);
    assert!(build(root, &site).status().expect("build").success());

    // Moments spread over the whole build, from a seed shown for a rerun.
    let seed = std::env::var("GTDOCS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Up to 1.5 builds long (a build that replaces a site also deletes the
    // old one): kills land mid-build, in the swap's aftermath, or not at
    // all when the build is over first.
    let span = took.as_millis() as u64 * 3 / 2;
    let (mut kept_old, mut got_new, mut left_behind, mut finished) = (0, 0, 0, 0);
    for i in 0..TRIES {
        let v = (i + 1) % 2;
        set_version(root, v);
        let before = digest(&site);
        let delay = Duration::from_millis(next() % span.max(1));
        let mut child = build(root, &site).spawn().expect("spawn");
        // Sleep until the moment, or until the build is over before it.
        let started = Instant::now();
        let mut status = None;
        while started.elapsed() < delay && status.is_none() {
            std::thread::sleep(Duration::from_millis(5).min(delay));
            status = child.try_wait().expect("try_wait");
        }
        match status {
            Some(status) => {
                assert!(
                    status.success(),
                    "try {i}: the build failed on its own: {status}"
                );
                finished += 1;
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let after = digest(&site);
        if after == refs[v] {
            got_new += 1;
        } else if after == before {
            kept_old += 1;
        } else {
            panic!(
                "try {i} (seed {seed}, killed after {delay:?}): `site/` is neither the previous \
                 site nor the new one ({} files; previous {}, new {})",
                after.len(),
                before.len(),
                refs[v].len()
            );
        }
        if !leftovers(root).is_empty() {
            left_behind += 1;
        }
    }
    eprintln!(
        "{TRIES} tries (seed {seed}, kills within {span} ms): {kept_old} left the previous site, \
         {got_new} the new one; {left_behind} left a staging folder behind; {finished} builds \
         had finished"
    );
    assert!(
        left_behind > 0 && kept_old > 0,
        "no kill landed mid-build (seed {seed}): the test proved nothing; rerun"
    );
    // The next build finishes, and removes what the killed ones left.
    let v = TRIES % 2;
    assert!(build(root, &site).status().expect("build").success());
    assert_eq!(digest(&site), refs[v]);
    assert_eq!(leftovers(root), Vec::<String>::new());
}
