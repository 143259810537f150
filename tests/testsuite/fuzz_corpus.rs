//! The committed fuzz inputs, replayed through the same harness the fuzz
//! targets run (`fuzz/harness.rs`), in the library as the test build
//! compiles it (debug, overflow checks on): the hand-made seeds
//! (`fuzz/seeds/<target>/`) and the corpora the long runs grew and
//! minimized (`fuzz/corpus/<target>/`). A crash a long run finds is put in
//! its corpus, so it is replayed here from then on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{assert_none, repo};
use crate::fuzz_harness::{Outcome, Target, Tree};

/// The files of `fuzz/<folder>/<target>/`, sorted by name.
fn inputs(folder: &str, target: Target) -> Vec<PathBuf> {
    let dir = repo().join("fuzz").join(folder).join(target.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    files
}

/// The seeds, then the corpus, of `target`.
fn corpus(target: Target) -> Vec<PathBuf> {
    let mut files = inputs("seeds", target);
    files.extend(inputs("corpus", target));
    files
}

/// Runs every file of `target`'s corpus on two threads, each with its own
/// tree. Returns each file's outcome, and the files that panicked.
fn replay(target: Target) -> (BTreeMap<String, Outcome>, Vec<String>) {
    let files = corpus(target);
    assert!(!files.is_empty(), "the {} corpus is empty", target.name());
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(BTreeMap::new());
    let crashes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let tree = Tree::new(&repo()).expect("seed tree");
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let data = std::fs::read(file).expect("corpus file");
                    let name = display(file);
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        tree.run(target, &data)
                    })) {
                        Ok(outcome) => {
                            outcomes.lock().expect("lock").insert(name, outcome);
                        }
                        Err(payload) => crashes.lock().expect("lock").push(format!(
                            "{name} panicked: {} (run it with `cargo +nightly fuzz run {} <file>` in fuzz/)",
                            message(payload.as_ref()),
                            target.name()
                        )),
                    }
                }
            });
        }
    });
    let mut crashes = crashes.into_inner().expect("lock");
    crashes.sort();
    (outcomes.into_inner().expect("lock"), crashes)
}

/// A panic's message.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// `path` from the repository's root.
fn display(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn count(outcomes: &BTreeMap<String, Outcome>, outcome: Outcome) -> usize {
    outcomes.values().filter(|o| **o == outcome).count()
}

/// Replays `target` and checks that no file panicked and that both kinds
/// of input (refused and built) are in the corpus, so the corpus reaches
/// the renderers as well as the diagnostics.
fn replay_and_check(target: Target) -> BTreeMap<String, Outcome> {
    let (outcomes, crashes) = replay(target);
    assert_none(&format!("{} corpus crashes", target.name()), &crashes);
    let built = count(&outcomes, Outcome::Built);
    let refused = count(&outcomes, Outcome::Refused);
    eprintln!(
        "{}: {} files, {built} built, {refused} refused",
        target.name(),
        outcomes.len()
    );
    assert!(built > 0, "no {} corpus file builds", target.name());
    outcomes
}

#[test]
fn runbook_corpus_replays_without_a_crash() {
    let outcomes = replay_and_check(Target::Runbook);
    assert!(count(&outcomes, Outcome::Refused) > 0);
}

#[test]
fn config_corpus_replays_without_a_crash() {
    let outcomes = replay_and_check(Target::Config);
    assert!(count(&outcomes, Outcome::Refused) > 0);
    // The repository's own gtdocs.yaml is a seed, and builds.
    let ours = std::fs::read(repo().join("gtdocs.yaml")).expect("gtdocs.yaml");
    let seed = inputs("seeds", Target::Config)
        .into_iter()
        .find(|f| std::fs::read(f).is_ok_and(|d| d == ours))
        .expect("gtdocs.yaml is not among the config seeds");
    assert_eq!(outcomes.get(&display(&seed)), Some(&Outcome::Built));
    // The hostile config values (credentials in a URL, a branch or base
    // path that climbs out, control and invisible characters) are refused.
    for seed in inputs("seeds", Target::Config) {
        let hostile = std::fs::read(&seed)
            .is_ok_and(|d| d.starts_with(b"# Fuzz seed: a hostile config value"));
        if hostile {
            assert_eq!(
                outcomes.get(&display(&seed)),
                Some(&Outcome::Refused),
                "{}",
                display(&seed)
            );
        }
    }
}

#[test]
fn render_corpus_replays_without_a_crash_and_its_seeds_build() {
    let outcomes = replay_and_check(Target::Render);
    // The seeds (every bundled runbook's texts, and hostile text) must
    // all validate: the target exists to reach the renderers.
    let seeds: Vec<String> = inputs("seeds", Target::Render)
        .iter()
        .map(|f| display(f))
        .collect();
    assert!(seeds.len() >= 24, "{} render seeds", seeds.len());
    let unbuilt: Vec<String> = seeds
        .iter()
        .filter(|name| outcomes.get(*name) != Some(&Outcome::Built))
        .map(|name| format!("{name} does not build"))
        .collect();
    assert_none("render seeds that do not build", &unbuilt);
}

#[test]
fn markdown_corpus_replays_without_a_crash() {
    replay_and_check(Target::Markdown);
}

#[test]
fn manifest_corpus_replays_without_a_crash() {
    let outcomes = replay_and_check(Target::Manifest);
    assert!(count(&outcomes, Outcome::Refused) > 0);
}

#[test]
fn every_target_has_seeds_a_corpus_and_a_fuzz_target() {
    for target in Target::ALL {
        assert!(!inputs("seeds", target).is_empty(), "{}", target.name());
        assert!(!inputs("corpus", target).is_empty(), "{}", target.name());
        assert!(
            repo()
                .join("fuzz/fuzz_targets")
                .join(format!("{}.rs", target.name()))
                .is_file(),
            "{} has no fuzz target",
            target.name()
        );
    }
}
