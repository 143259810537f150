//! The validation cache (`validate-NN.bin` in the build cache's folder): a
//! build, or a check, reuses the own result of every runbook file whose
//! bytes did not change, and what it gives is byte for byte what a build
//! without the cache gives, whatever changed in between and whatever
//! became of the table.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{self, snapshot};

/// The parts of the validation table in cache folder `cache`: each
/// one's name, bytes and modification time, by name.
fn table(cache: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut parts: Vec<_> = (0..gtdocs::validate::CACHE_PARTS)
        .map(gtdocs::validate::cache_part_name)
        .filter_map(|name| {
            let path = cache.join(&name);
            let bytes = std::fs::read(&path).ok()?;
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((name, bytes, modified))
        })
        .collect();
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    parts
}

/// `gtdocs build -v --out <out> <extra>` in `tree`, with "today" fixed
/// (`SOURCE_DATE_EPOCH`, [`DAY`] unless `day` says otherwise).
fn build(tree: &Path, out: &Path, extra: &[&str], day: Option<&str>) -> Output {
    let mut args = vec!["build", "-v", "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    run(tree, &args, day)
}

/// 2026-12-01: the day every build here is made on, unless said.
const DAY: &str = "1796083200";

fn run(tree: &Path, args: &[&str], day: Option<&str>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(args)
        .current_dir(tree)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", day.unwrap_or(DAY))
        .output()
        .expect("run gtdocs")
}

/// The `-v` line of the validation cache.
fn cache_line(o: &Output) -> String {
    let err = common::stderr(o);
    let mut lines = err.lines().filter(|l| l.contains("validation cache:"));
    let line = lines
        .next()
        .unwrap_or_else(|| panic!("no cache line in:\n{err}"));
    assert!(lines.next().is_none(), "one cache line: {err}");
    line.trim().to_string()
}

/// stderr without what differs between two builds of the same sources
/// into two folders: the cache's line, the timings, the output's name.
fn report(o: &Output, out: &Path) -> String {
    common::stderr(o)
        .replace(&out.display().to_string(), "<out>")
        .lines()
        .filter(|l| {
            !l.contains("validation cache:")
                && !l.contains("output cache:")
                && !l.starts_with("built ")
                && !l.contains("validate ")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A build of `tree` without the cache must give what `cached` (a build
/// into `out`) gave: the same exit code, the same report, the same files.
fn assert_as_without_cache(tree: &Path, out: &Path, cached: &Output, day: Option<&str>) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let plain_out = scratch.path().join("site");
    let plain = build(tree, &plain_out, &["--no-cache"], day);
    assert!(
        !common::stderr(&plain).contains("validation cache"),
        "--no-cache: {}",
        common::stderr(&plain)
    );
    assert!(
        !scratch.path().join(".site.cache").exists(),
        "--no-cache keeps no cache"
    );
    assert_eq!(
        cached.status.code(),
        plain.status.code(),
        "{}",
        common::stderr(cached)
    );
    assert_eq!(
        report(cached, out),
        report(&plain, &plain_out),
        "stderr with and without the cache"
    );
    if cached.status.success() {
        let (a, b) = (snapshot(out), snapshot(&plain_out));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "the files built"
        );
        for (name, bytes) in &a {
            assert!(
                bytes == &b[name],
                "{name} differs from a build without the cache"
            );
        }
    }
}

/// The edit of `runbooks/librechat.yaml` is built: its JSON entry shows
/// `text`.
fn assert_librechat_shows(out: &Path, text: &str) {
    let entry = std::fs::read_to_string(out.join("json/runbooks/librechat.json")).expect("entry");
    assert!(entry.contains(text), "the edit is built: no {text:?}");
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// The bundled tree and an output folder beside it (with its cache,
/// `.site.cache`), both in one temporary folder.
fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tree = common::bundled_copy();
    let out = tree.path().join("site");
    let cache = tree.path().join(".site.cache");
    (tree, out, cache)
}

#[test]
fn unchanged_files_are_reused_and_the_output_is_the_uncached_builds() {
    let (tree, out, cache) = tree();
    let root = tree.path();
    let o = build(root, &out, &[], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        cache_line(&o),
        "validation cache: 0 of 23 files reused; no table yet; table written"
    );
    let written = table(&cache);
    // 23 rows in parts by file: more than one, none empty.
    assert!(written.len() > 1, "{} parts", written.len());
    assert!(cache.join("CACHEDIR.TAG").is_file(), "marked as a cache");

    let o = build(root, &out, &[], None);
    assert_eq!(cache_line(&o), "validation cache: 23 of 23 files reused");
    assert_as_without_cache(root, &out, &o, None);
    assert!(
        table(&cache) == written,
        "a table that holds every result already is not written again"
    );

    // One runbook edited: its page changes, the others' results are reused.
    edit(
        &root.join("runbooks/librechat.yaml"),
        "title: ",
        "title: Renamed ",
    );
    let o = build(root, &out, &[], None);
    assert_eq!(
        cache_line(&o),
        "validation cache: 22 of 23 files reused; table written"
    );
    // Only the part that holds the edited file's row is written again.
    let edited = table(&cache);
    let changed: Vec<&str> = edited
        .iter()
        .zip(&written)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert_eq!(edited.len(), written.len());
    assert_eq!(changed.len(), 1, "parts written again: {changed:?}");
    assert_librechat_shows(&out, "Renamed ");
    assert_as_without_cache(root, &out, &o, None);

    // One runbook removed: its row is dropped.
    std::fs::remove_file(root.join("runbooks/aider.yaml")).expect("remove");
    let o = build(root, &out, &[], None);
    assert_eq!(
        cache_line(&o),
        "validation cache: 22 of 22 files reused; table written"
    );
    assert_as_without_cache(root, &out, &o, None);
    let o = build(root, &out, &[], None);
    assert_eq!(cache_line(&o), "validation cache: 22 of 22 files reused");

    // The catalog changed: two categories swap places, so every runbook's
    // index into them changes. No result made from the old catalog is read.
    edit(
        &root.join("gtdocs.yaml"),
        "  sdk-http: SDK and HTTP\n  frameworks: Framework and orchestration\n",
        "  frameworks: Framework and orchestration\n  sdk-http: SDK and HTTP\n",
    );
    let o = build(root, &out, &[], None);
    assert_eq!(
        cache_line(&o),
        "validation cache: 0 of 22 files reused; its table was ignored: made from other inputs; table written"
    );
    assert_as_without_cache(root, &out, &o, None);
    let o = build(root, &out, &[], None);
    assert_eq!(cache_line(&o), "validation cache: 22 of 22 files reused");
    assert_as_without_cache(root, &out, &o, None);
}

/// The files read again for the places of findings across files (with
/// `-v`, every file with an `allow` entry) keep those places in the cache:
/// the next build reads them from there, and shows each where a build
/// without the cache does.
#[test]
fn places_read_again_are_kept_and_shown_the_same() {
    let (tree, out, _) = tree();
    let root = tree.path();
    // Without -v, no accepted finding is shown: no file is read again.
    let o = run(root, &["build"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = build(root, &out, &[], None);
    assert_eq!(
        cache_line(&o),
        "validation cache: 23 of 23 files reused; table written",
        "the places found are added"
    );
    assert_as_without_cache(root, &out, &o, None);
    let o = build(root, &out, &[], None);
    assert_eq!(cache_line(&o), "validation cache: 23 of 23 files reused");
    let located =
        regex::Regex::new(r"accepted\[compatibility-mismatch\][^\n]*\n --> [^\n]+\.yaml:\d+:\d+\n")
            .expect("regex");
    assert_eq!(located.find_iter(&common::stderr(&o)).count(), 13);
    assert_as_without_cache(root, &out, &o, None);
    let json = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        common::stdout(&run(root, &args, None))
    };
    assert_eq!(json(&[]), json(&["--no-cache"]));
}

/// A verdict goes stale with time: a result cached on one day is not read
/// on another, where the same file has a warning of its own.
#[test]
fn results_of_another_day_are_not_reused() {
    let (tree, out, _) = tree();
    let root = tree.path();
    let config = root.join("gtdocs.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str("verification:\n  max_age_days: 180\n");
    std::fs::write(&config, text).expect("write");
    edit(
        &root.join("runbooks/librechat.yaml"),
        "evidence: vendor-docs\n",
        "evidence: vendor-docs\nverified:\n  date: 2026-05-15\n",
    );
    // 2026-06-01: librechat's verification is 17 days old, fresh.
    let june = Some("1780272000");
    let o = build(root, &out, &[], june);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = build(root, &out, &[], june);
    assert_eq!(
        cache_line(&o),
        "validation cache: 23 of 23 files reused",
        "librechat has no problem of its own in June: {}",
        common::stderr(&o)
    );
    // 2026-12-01: 200 days old, stale.
    let o = build(root, &out, &[], None);
    assert!(
        common::stderr(&o).contains("warning[stale-verdict]"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(
        cache_line(&o),
        "validation cache: 0 of 23 files reused; its table was ignored: made from other inputs; table written"
    );
    assert_as_without_cache(root, &out, &o, None);
}

/// A file given an error after a cached build, and a file whose title is
/// made another's (the cached one is then read again for the place of its
/// title): reported exactly as without the cache.
#[test]
fn problems_after_a_cached_build_are_reported_as_without_the_cache() {
    let (tree, out, _) = tree();
    let root = tree.path();
    assert!(build(root, &out, &[], None).status.success());
    let before = snapshot(&out);
    edit(
        &root.join("runbooks/librechat.yaml"),
        "verdict: native",
        "verdict: nativ",
    );
    let o = build(root, &out, &[], None);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("error[unknown-id]"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(
        cache_line(&o),
        "validation cache: 22 of 23 files reused; table written"
    );
    assert_as_without_cache(root, &out, &o, None);
    // The same without -v, the whole of stderr.
    let scratch = tempfile::tempdir().expect("tempdir");
    let cached = run(root, &["build"], None);
    let plain = run(
        root,
        &[
            "build",
            "--no-cache",
            "--out",
            scratch.path().join("s").to_str().expect("utf-8"),
        ],
        None,
    );
    assert_eq!(common::stderr(&cached), common::stderr(&plain));
    assert!(before == snapshot(&out), "nothing written");

    // Fixed, then aider titled as librechat (whose result is cached).
    edit(
        &root.join("runbooks/librechat.yaml"),
        "verdict: nativ",
        "verdict: native",
    );
    assert!(build(root, &out, &[], None).status.success());
    let title = std::fs::read_to_string(root.join("runbooks/librechat.yaml"))
        .expect("read")
        .lines()
        .find(|l| l.starts_with("title: "))
        .expect("a title")
        .to_string();
    let aider = root.join("runbooks/aider.yaml");
    let text = std::fs::read_to_string(&aider).expect("read");
    let own = text
        .lines()
        .find(|l| l.starts_with("title: "))
        .expect("a title")
        .to_string();
    edit(&aider, &own, &title);
    let o = build(root, &out, &[], None);
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    assert!(err.contains("error[duplicate-title]"), "{err}");
    assert!(
        err.contains("runbooks/librechat.yaml:"),
        "the cached file's title is shown at its line: {err}"
    );
    assert_as_without_cache(root, &out, &o, None);
}

/// Files last changed over two seconds ago are not read again while their
/// stamp (inode, size, modification and change times) stays; a file
/// written again with the same size and its old modification time has
/// another change time, and is read: its edit is built.
#[test]
fn an_edit_that_keeps_the_size_and_the_modification_time_is_built() {
    let (tree, out, cache) = tree();
    let root = tree.path();
    // Older than two seconds: their stamps count.
    std::thread::sleep(gtdocs::load::SETTLED + std::time::Duration::from_millis(100));
    let o = build(root, &out, &[], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = build(root, &out, &[], None);
    assert_eq!(cache_line(&o), "validation cache: 23 of 23 files reused");
    assert!(cache.is_dir());

    let file = root.join("runbooks/librechat.yaml");
    let modified = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    let text = std::fs::read_to_string(&file).expect("read");
    let edited = text.replacen("title: LibreChat", "title: LibreChaT", 1);
    assert_eq!(edited.len(), text.len());
    assert_ne!(edited, text);
    std::fs::write(&file, &edited).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(modified))
        .expect("set the old modification time");
    assert_eq!(
        std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified
    );
    let o = build(root, &out, &[], None);
    assert_eq!(
        cache_line(&o),
        "validation cache: 22 of 23 files reused; table written"
    );
    assert_librechat_shows(&out, "LibreChaT");
    assert_as_without_cache(root, &out, &o, None);
}

/// A table changed in one byte, cut short, of junk, empty, or whole but
/// of content that does not decode: ignored, with the reason under `-v`,
/// and replaced; the build is the same. One part of it damaged: the
/// other parts' rows are reused.
#[test]
fn a_damaged_table_is_ignored_and_replaced() {
    let (tree, out, cache) = tree();
    let root = tree.path();
    // Files changed over two seconds ago, so that every row is made with a
    // stamp, by the first build as by those after the damage, however
    // long they take: the table is written again as it was.
    std::thread::sleep(gtdocs::load::SETTLED + std::time::Duration::from_millis(100));
    assert!(build(root, &out, &[], None).status.success());
    let good: Vec<(String, Vec<u8>)> = table(&cache)
        .into_iter()
        .map(|(name, bytes, _)| (name, bytes))
        .collect();
    assert!(good.len() > 1, "{} parts", good.len());
    assert!(
        good.iter().all(|(_, b)| b.len() > 100),
        "every part has rows"
    );
    // The frame of this build and these inputs, around a payload that is
    // not rows (see src/cache: magic 16, format 4, build id 32, inputs 16).
    let inputs = u128::from_le_bytes(good[0].1[52..68].try_into().expect("16 bytes"));
    let undecodable = {
        let scratch = tempfile::tempdir().expect("tempdir");
        let table = gtdocs::cache::Table::new(scratch.path(), "part");
        table
            .write(gtdocs::cache::Fingerprint(inputs), &[0xff; 64])
            .expect("write");
        std::fs::read(table.path()).expect("read")
    };
    type Damage<'a> = (&'a str, Box<dyn Fn(&[u8]) -> Vec<u8> + 'a>, &'a str);
    let damages: [Damage<'_>; 5] = [
        (
            "a byte flipped",
            Box::new(|good: &[u8]| {
                let mut flipped = good.to_vec();
                flipped[good.len() / 2] ^= 0x10;
                flipped
            }),
            "corrupt (its checksum does not match)",
        ),
        (
            "cut short",
            Box::new(|good: &[u8]| good[..good.len() / 2].to_vec()),
            "corrupt (its checksum does not match)",
        ),
        (
            "junk",
            Box::new(|_: &[u8]| b"not a table at all, just text\n".repeat(20)),
            "not a gtdocs cache file",
        ),
        (
            "empty",
            Box::new(|_: &[u8]| Vec::new()),
            "not a gtdocs cache file",
        ),
        (
            "undecodable",
            Box::new(|_: &[u8]| undecodable.clone()),
            "corrupt (it does not decode)",
        ),
    ];
    let reference = snapshot(&out);
    let rewritten = |what: &str| {
        let now: Vec<(String, Vec<u8>)> = table(&cache)
            .into_iter()
            .map(|(name, bytes, _)| (name, bytes))
            .collect();
        assert!(now == good, "{what}: the table is written again as it was");
    };
    for (what, damage, why) in &damages {
        for (name, bytes) in &good {
            std::fs::write(cache.join(name), damage(bytes)).expect("damage");
        }
        let o = build(root, &out, &[], None);
        assert!(o.status.success(), "{what}: {}", common::stderr(&o));
        assert_eq!(
            cache_line(&o),
            format!(
                "validation cache: 0 of 23 files reused; its table was ignored: {why}; table written"
            ),
            "{what}"
        );
        assert!(snapshot(&out) == reference, "{what}: the output changed");
        rewritten(what);
        let o = build(root, &out, &[], None);
        assert_eq!(
            cache_line(&o),
            "validation cache: 23 of 23 files reused",
            "{what}"
        );
    }
    // One part damaged: only its files are checked again.
    let (name, bytes) = &good[0];
    std::fs::write(cache.join(name), (damages[0].1)(bytes)).expect("damage");
    let o = build(root, &out, &[], None);
    let line = cache_line(&o);
    let reused: usize = line
        .strip_prefix("validation cache: ")
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((1..23).contains(&reused), "{line}");
    assert_eq!(
        line,
        format!(
            "validation cache: {reused} of 23 files reused; 1 of the {} parts of its table was \
             ignored: corrupt (its checksum does not match); table written",
            good.len()
        )
    );
    assert!(
        snapshot(&out) == reference,
        "one part damaged: the output changed"
    );
    rewritten("one part damaged");
    assert_as_without_cache(root, &out, &build(root, &out, &[], None), None);

    // Someone's file where the default cache folder goes: the build goes
    // on without a cache, and the file is left as it is.
    std::fs::remove_dir_all(&cache).expect("remove");
    std::fs::write(&cache, "a file where the folder goes").expect("write");
    let o = build(root, &out, &[], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("no build cache: ") && !err.contains("validation cache:"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&cache).expect("the file"),
        "a file where the folder goes"
    );
    assert!(snapshot(&out) == reference);
}

/// `gtdocs check` reads and keeps the cache of a build into the default
/// output; `--no-cache` reads and writes none.
#[test]
fn check_uses_the_cache_of_the_default_output() {
    let (tree, _, cache) = tree();
    let root = tree.path();
    let o = run(root, &["check", "-v", "--no-cache"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(!common::stderr(&o).contains("validation cache"));
    assert!(!cache.exists(), "--no-cache writes no cache");

    let o = run(root, &["check", "-v"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        cache_line(&o),
        "validation cache: 0 of 23 files reused; no table yet; table written"
    );
    let first = common::stderr(&o);
    let o = run(root, &["check", "-v"], None);
    assert_eq!(cache_line(&o), "validation cache: 23 of 23 files reused");
    let without = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.contains("validation cache:") && !l.starts_with("checked "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without(&common::stderr(&o)), without(&first));
    let plain = run(root, &["check", "-v", "--no-cache"], None);
    assert_eq!(
        without(&common::stderr(&o)),
        without(&common::stderr(&plain))
    );
    assert_eq!(
        common::stdout(&run(root, &["check", "--format", "json"], None)),
        common::stdout(&run(
            root,
            &["check", "--format", "json", "--no-cache"],
            None
        )),
    );

    // The build into the default output shares the table.
    let o = run(root, &["build", "-v"], None);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(cache_line(&o), "validation cache: 23 of 23 files reused");
}
