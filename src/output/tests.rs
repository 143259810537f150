//! Tests of the staging folder with the build cache, through its own
//! interface.

use std::fs;
use std::path::Path;

use super::folder::prepare_cache_dir;
use super::index::Indexes;
use super::marker::MARKER;
use super::staging::Staging;
use crate::cache;

/// One build of `files` (path, content) into `out` with cache `cache`,
/// each file a unit keyed by its content: kept when an earlier build
/// made it, else written. `indexes`: read before (`None`: now).
fn build(out: &Path, cache: &Path, files: &[(&str, &str)], indexes: Option<Indexes>) -> String {
    prepare_cache_dir(cache, out).expect("cache folder");
    let indexes = indexes.unwrap_or_else(|| Indexes::read(cache, out));
    let staging = Staging::with_cache(out, cache, indexes).expect("staging");
    for (path, content) in files {
        let key = cache::fingerprint(format!("{path}\n{content}").as_bytes());
        if !staging.keep_unit(key).expect("keep") {
            staging.write(path, content.as_bytes()).expect("write");
            staging.record_unit(key, vec![path.to_string()]);
        }
    }
    let stats = staging.commit().expect("commit");
    stats.cache.expect("a build with a cache")
}

/// A temporary folder, and the output and cache folder paths in it.
fn folders() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, cache) = (tmp.path().join("site"), tmp.path().join(".site.cache"));
    (tmp, out, cache)
}

fn contents(out: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(out)
        .expect("output")
        .flatten()
        .filter(|e| e.file_name() != MARKER)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, fs::read_to_string(e.path()).expect("a file"))
        })
        .collect();
    files.sort();
    files
}

/// A build reads the cache's indexes while it validates, before it
/// takes the lock on the output; another build may replace the output
/// and the previous output meanwhile. Each index is checked again
/// against its folder: the output comes out right, and the previous
/// output (the other build's) is still recycled, by its own index.
#[test]
fn indexes_read_before_another_build_are_checked_again() {
    let (_tmp, out, cache) = folders();
    build(&out, &cache, &[("a.txt", "one"), ("b.txt", "two")], None);
    build(&out, &cache, &[("a.txt", "one"), ("b.txt", "two")], None);
    let stale = Indexes::read(&cache, &out);
    build(&out, &cache, &[("a.txt", "one"), ("b.txt", "three")], None);
    let found = build(
        &out,
        &cache,
        &[("a.txt", "one"), ("b.txt", "four"), ("c.txt", "five")],
        Some(stale),
    );
    assert_eq!(
        contents(&out),
        [
            ("a.txt".to_string(), "one".to_string()),
            ("b.txt".to_string(), "four".to_string()),
            ("c.txt".to_string(), "five".to_string()),
        ]
    );
    assert!(found.contains("previous output yes"), "{found}");
    // And the next build, with indexes read in time, keeps it all.
    let found = build(
        &out,
        &cache,
        &[("a.txt", "one"), ("b.txt", "four"), ("c.txt", "five")],
        None,
    );
    assert!(found.contains("previous output yes"), "{found}");
    assert_eq!(contents(&out).len(), 3);
}

/// Keys derived from others are kept from build to build while they are
/// used: by the output's index, then the previous output's, and dropped
/// once a build no longer derives them.
#[test]
fn derived_keys_are_kept_while_they_are_used() {
    let (_tmp, out, cache) = folders();
    let (from, to) = (cache::fingerprint(b"from"), cache::fingerprint(b"to"));
    let (other, its) = (cache::fingerprint(b"other"), cache::fingerprint(b"its"));
    let derive = |pairs: &[(cache::Fingerprint, cache::Fingerprint)]| {
        prepare_cache_dir(&cache, &out).expect("cache folder");
        let staging =
            Staging::with_cache(&out, &cache, Indexes::read(&cache, &out)).expect("staging");
        let found = [from, other].map(|key| staging.derived_key(key));
        for (a, b) in pairs {
            staging.derive_key(*a, *b);
        }
        staging.write("a.txt", b"a").expect("write");
        staging.commit().expect("commit");
        found
    };
    assert_eq!(derive(&[(from, to), (other, its)]), [None, None]);
    assert_eq!(derive(&[(from, to)]), [Some(to), Some(its)]);
    // `other` was derived two builds ago: the previous output's index
    // still has it, the output's does not.
    assert_eq!(derive(&[(from, to)]), [Some(to), Some(its)]);
    assert_eq!(derive(&[]), [Some(to), None]);
    assert_eq!(derive(&[]), [Some(to), None]);
    assert_eq!(derive(&[]), [None, None]);
}

/// A twin's index, written from the output's without a copy, reads back
/// as an index: the output's files and units, the twin's own folder and
/// folders' stamps.
#[test]
fn a_twins_index_is_encoded_as_an_index() {
    use super::index::Index;
    let (_tmp, out, cache) = folders();
    build(&out, &cache, &[("a.txt", "one"), ("d/b.txt", "two")], None);
    let table = cache::Table::new(&cache, "output.index");
    let index: Index = table
        .read_decoded(cache::Fingerprint::default())
        .expect("the output's index");
    let encoded = postcard::to_allocvec(&index).expect("encode");
    let as_twin = postcard::to_allocvec(&index.twin(index.folder, &index.dirs)).expect("encode");
    assert_eq!(encoded, as_twin);
    let dirs = vec![(String::new(), index.dirs[0].1)];
    let twin: Index = postcard::from_bytes(
        &postcard::to_allocvec(&index.twin(Some((1, 2)), &dirs)).expect("encode"),
    )
    .expect("decode");
    assert_eq!(twin.folder, Some((1, 2)));
    assert_eq!(twin.dirs, dirs);
    assert_eq!(format!("{:?}", twin.files), format!("{:?}", index.files));
    assert_eq!(twin.units, index.units);
}
