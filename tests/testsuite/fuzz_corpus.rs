//! The fuzz inputs kept in the repository, replayed through the same
//! harness the fuzz targets run (`fuzz/harness.rs`), in the library as the
//! test build compiles it (debug, overflow checks on):
//! - the hand-made seeds (`fuzz/seeds/<target>/`);
//! - the inputs that once failed (`fuzz/regressions/<target>/`, see its
//!   README), each run several times on several threads at once, and once
//!   on a rayon worker that is already inside an async runtime: the one bug
//!   a replay found so far (a nested tokio runtime in the search index)
//!   showed only when builds overlapped, and that worker is where it struck.
//!
//! The corpora the long runs grow and minimize (`fuzz/corpus/<target>/`,
//! made by `scripts/fuzz.sh`, kept out of git) are replayed too when
//! `GTDOCS_FUZZ_CORPUS=1`; then a missing one fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{assert_none, repo};
use crate::fuzz_harness::{Outcome, Target, Tree};

/// Asks for the grown corpora (`fuzz/corpus/`) to be replayed as well.
const CORPUS_ENV: &str = "GTDOCS_FUZZ_CORPUS";

/// Threads replaying at once, each with its own tree: more than the two
/// cores the test command is timed on, so that builds overlap and the
/// rayon pool is contended.
const THREADS: usize = 4;

/// How many times each regression input runs side by side with itself
/// (once more on a busy worker, see [`on_a_busy_worker`]).
const REGRESSION_RUNS: usize = 8;

/// The files of `dir`, sorted by name; a folder that is missing or empty
/// fails, so a replay can never pass for want of inputs.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("fuzz input entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no input", dir.display());
    files
}

fn fuzz_dir(folder: &str) -> PathBuf {
    repo().join("fuzz").join(folder)
}

/// The hand-made seeds of `target`.
fn seeds(target: Target) -> Vec<PathBuf> {
    files_in(&fuzz_dir("seeds").join(target.name()))
}

/// The inputs that once failed `target` (a target may have none yet).
fn regressions(target: Target) -> Vec<PathBuf> {
    let dir = fuzz_dir("regressions").join(target.name());
    if dir.exists() {
        files_in(&dir)
    } else {
        Vec::new()
    }
}

/// The grown corpus of `target`, when asked for with GTDOCS_FUZZ_CORPUS=1.
fn corpus(target: Target) -> Vec<PathBuf> {
    if std::env::var_os(CORPUS_ENV).is_some_and(|v| v == "1") {
        files_in(&fuzz_dir("corpus").join(target.name()))
    } else {
        Vec::new()
    }
}

/// One run of one input.
#[derive(Clone, Copy)]
struct Job<'a> {
    file: &'a Path,
    /// Run on a rayon worker inside an async runtime ([`on_a_busy_worker`]).
    busy_worker: bool,
}

/// Runs `run` on a rayon worker that is inside an async runtime, as a
/// worker is while a search build on it blocks on Pagefind's runtime and
/// waits for its rayon jobs: such a worker runs any job it finds meanwhile,
/// another build's renderers included. A renderer that blocks on a runtime
/// there panics ("Cannot start a runtime from within a runtime") every
/// time, where builds side by side hit it now and then: with the fix
/// reverted, the render replay (16 overlapping runs of the regression, then
/// the seeds, 4 threads) failed 1 time in 3; with this run, 5 times in 5.
fn on_a_busy_worker(run: impl FnOnce() -> Outcome + Send) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-worker pool");
    pool.install(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(async { run() })
    })
}

/// What a replay saw: each file's outcome, and the problems (a panic, or a
/// file whose runs ended differently).
struct Replay {
    outcomes: BTreeMap<String, Outcome>,
    problems: Vec<String>,
}

/// Runs every job on [`THREADS`] threads, each with its own tree.
fn replay(target: Target, jobs: &[Job]) -> Replay {
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(BTreeMap::new());
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                let tree = Tree::new(&repo()).expect("seed tree");
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let data = std::fs::read(job.file).expect("fuzz input");
                    let name = display(job.file);
                    let run = || tree.run(target, &data);
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        if job.busy_worker {
                            on_a_busy_worker(run)
                        } else {
                            run()
                        }
                    })) {
                        Ok(outcome) => {
                            let earlier = outcomes
                                .lock()
                                .expect("lock")
                                .insert(name.clone(), outcome);
                            if earlier.is_some_and(|e| e != outcome) {
                                problems.lock().expect("lock").push(format!(
                                    "{name}: {earlier:?} on one run, {outcome:?} on another"
                                ));
                            }
                        }
                        Err(payload) => problems.lock().expect("lock").push(format!(
                            "{name} panicked{}: {} (run it with `cargo +nightly fuzz run {} <file>` in fuzz/)",
                            if job.busy_worker {
                                " on a rayon worker inside an async runtime"
                            } else {
                                ""
                            },
                            message(payload.as_ref()),
                            target.name()
                        )),
                    }
                }
            });
        }
    });
    let mut problems = problems.into_inner().expect("lock");
    problems.sort();
    problems.dedup();
    Replay {
        outcomes: outcomes.into_inner().expect("lock"),
        problems,
    }
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

/// Replays `target`'s regressions (first, all runs of one file side by
/// side, then once on a busy worker), seeds and, when asked for, corpus;
/// checks that nothing panicked, that repeated runs agree, and that some
/// input builds, so the replay reaches the renderers as well as the
/// diagnostics.
fn replay_and_check(target: Target) -> BTreeMap<String, Outcome> {
    let (regressions, seeds, corpus) = (regressions(target), seeds(target), corpus(target));
    fn job(file: &Path, busy_worker: bool) -> Job<'_> {
        Job { file, busy_worker }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for file in &regressions {
        jobs.extend(std::iter::repeat_n(job(file, false), REGRESSION_RUNS));
        jobs.push(job(file, true));
    }
    jobs.extend(seeds.iter().chain(&corpus).map(|f| job(f, false)));
    let Replay { outcomes, problems } = replay(target, &jobs);
    assert_none(&format!("{} fuzz replay", target.name()), &problems);
    let built = count(&outcomes, Outcome::Built);
    let refused = count(&outcomes, Outcome::Refused);
    eprintln!(
        "{}: {} regressions ({} runs each), {} seeds, {} corpus files{}: \
         {built} built, {refused} refused",
        target.name(),
        regressions.len(),
        REGRESSION_RUNS + 1,
        seeds.len(),
        corpus.len(),
        if corpus.is_empty() {
            format!(" ({CORPUS_ENV}=1 replays fuzz/corpus/ too)")
        } else {
            String::new()
        }
    );
    assert_eq!(
        outcomes.len(),
        regressions.len() + seeds.len() + corpus.len(),
        "two inputs share a name"
    );
    assert!(built > 0, "no {} input builds", target.name());
    outcomes
}

#[test]
fn runbook_inputs_replay_without_a_crash() {
    let outcomes = replay_and_check(Target::Runbook);
    assert!(count(&outcomes, Outcome::Refused) > 0);
}

#[test]
fn config_inputs_replay_without_a_crash() {
    let outcomes = replay_and_check(Target::Config);
    assert!(count(&outcomes, Outcome::Refused) > 0);
    // The repository's own gtdocs.yaml is a seed, and builds.
    let ours = std::fs::read(repo().join("gtdocs.yaml")).expect("gtdocs.yaml");
    let seed = seeds(Target::Config)
        .into_iter()
        .find(|f| std::fs::read(f).is_ok_and(|d| d == ours))
        .expect("gtdocs.yaml is not among the config seeds");
    assert_eq!(outcomes.get(&display(&seed)), Some(&Outcome::Built));
    // The hostile config values (credentials in a URL, a branch or base
    // path that climbs out, control and invisible characters) are refused.
    let mut hostile = 0;
    for seed in seeds(Target::Config) {
        if std::fs::read(&seed).is_ok_and(|d| d.starts_with(b"# Fuzz seed: a hostile config value"))
        {
            hostile += 1;
            assert_eq!(
                outcomes.get(&display(&seed)),
                Some(&Outcome::Refused),
                "{}",
                display(&seed)
            );
        }
    }
    assert!(hostile > 0, "no hostile config seed");
}

#[test]
fn render_inputs_replay_without_a_crash_and_its_seeds_build() {
    let outcomes = replay_and_check(Target::Render);
    // The seeds (every bundled runbook's texts, and hostile text) and the
    // regressions must all validate: the target exists to reach the
    // renderers.
    let seeds = seeds(Target::Render);
    assert!(seeds.len() >= 24, "{} render seeds", seeds.len());
    let unbuilt: Vec<String> = seeds
        .iter()
        .chain(&regressions(Target::Render))
        .map(|f| display(f))
        .filter(|name| outcomes.get(name) != Some(&Outcome::Built))
        .map(|name| format!("{name} does not build"))
        .collect();
    assert_none("render seeds and regressions that do not build", &unbuilt);
}

#[test]
fn markdown_inputs_replay_without_a_crash() {
    replay_and_check(Target::Markdown);
}

#[test]
fn manifest_inputs_replay_without_a_crash() {
    let outcomes = replay_and_check(Target::Manifest);
    assert!(count(&outcomes, Outcome::Refused) > 0);
}

/// Every target has seeds and a fuzz target; the regressions folder says
/// how to add an input, holds at least one, and only in folders named for
/// a target (a typo would never be replayed).
#[test]
fn every_target_has_seeds_and_a_fuzz_target_and_regressions_are_replayed() {
    for target in Target::ALL {
        assert!(!seeds(target).is_empty(), "{}", target.name());
        assert!(
            fuzz_dir("fuzz_targets")
                .join(format!("{}.rs", target.name()))
                .is_file(),
            "{} has no fuzz target",
            target.name()
        );
    }
    let dir = fuzz_dir("regressions");
    assert!(
        dir.join("README.md").is_file(),
        "{}/README.md",
        dir.display()
    );
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().expect("name").to_string_lossy();
        let target = Target::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .unwrap_or_else(|| panic!("{}: no fuzz target is named {name}", path.display()));
        inputs += regressions(target).len();
    }
    assert!(inputs > 0, "{} holds no input", dir.display());
}
