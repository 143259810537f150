//! Tests of the validation cache's table: rows read back, stamps, parts.

use super::*;
use crate::cache::fingerprint;
use crate::load::{self, Loaded};
use crate::validate::checks::Checks;

/// The bundled `runbooks/librechat.yaml` as the validation reads it:
/// its bytes and stamp, its document (without spans), and its result,
/// which has no problem.
struct Checked {
    root: &'static Path,
    rel: &'static Path,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    doc: load::Document,
    facts: Facts,
    runbook: Runbook,
}

fn librechat() -> Checked {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (tree, _) = load::load_config(root).expect("the bundled tree");
    let checks = Checks::new().expect("schemas");
    let (catalog, _) = checks.catalog(&tree);
    let rel = Path::new("runbooks/librechat.yaml");
    let (bytes, stamp) = load::read_runbook_stamped(root, rel).expect("read");
    let Loaded::Parsed(doc) = load::parse_runbook(root, rel.to_path_buf(), &bytes, false) else {
        panic!("librechat parses");
    };
    let result = checks.runbook(&doc, catalog.as_ref());
    assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
    Checked {
        root,
        rel,
        bytes,
        stamp,
        facts: Facts::of(&doc),
        doc,
        runbook: result.runbook.expect("a runbook"),
    }
}

/// A bundled runbook's result is read back as it was made, for its
/// bytes only; a row that does not decode is not used, and the rest of
/// the table is.
#[test]
fn a_result_is_read_back_for_the_same_bytes_only() {
    let Checked {
        root,
        rel,
        bytes,
        doc,
        facts,
        runbook,
        ..
    } = librechat();
    let print = format!("{facts:?} {runbook:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = fingerprint(b"inputs");
    let cache = Cache::open(dir.path(), inputs);
    let previous = cache.previous();
    assert_eq!(previous.ignored(), Some((&Ignored::Missing, 0, 0)));
    let rows = vec![
        Row {
            rel: Cow::Borrowed("runbooks/broken.yaml"),
            bytes: fingerprint(b"broken"),
            stamp: None,
            entry: Raw(Cow::Borrowed(&b"\xff\xff\xff"[..])),
            spanned: None,
            restamped: false,
        },
        row(rel, fingerprint(&bytes), None, &facts, Some(&runbook)).expect("a row"),
    ];
    assert!(matches!(cache.keep(&previous, &rows), Some(Ok(()))));

    let cache = Cache::open(dir.path(), inputs);
    let previous = cache.previous();
    assert_eq!(previous.ignored(), None);
    // Two files, in two parts of the table (or one): no other is kept.
    let kept = (0..PARTS)
        .filter(|k| dir.path().join(part_name(*k)).is_file())
        .count();
    let parts = [
        part_of("runbooks/broken.yaml"),
        part_of(rel.to_str().expect("utf-8")),
    ];
    assert_eq!(kept, if parts[0] == parts[1] { 1 } else { 2 });
    let (hit, _) = previous
        .get(rel, &doc.path, fingerprint(&bytes), None)
        .expect("a hit");
    let runbook = hit.runbook.expect("the runbook");
    assert_eq!(format!("{:?} {runbook:?}", hit.facts), print);
    assert!(
        previous
            .get(rel, &doc.path, fingerprint(b"other bytes"), None)
            .is_none()
    );
    let broken = Path::new("runbooks/broken.yaml");
    assert!(
        previous
            .get(broken, broken, fingerprint(b"broken"), None)
            .is_none()
    );

    // The rows read, unchanged: not written again. Given spans, a row
    // is new, and its spans are read back.
    let (_, row) = previous
        .get(rel, &doc.path, fingerprint(&bytes), None)
        .expect("a hit");
    assert!(row.spanned().is_none());
    let read = &previous.rows["runbooks/broken.yaml"];
    let broken_row = || Row {
        rel: Cow::Borrowed("runbooks/broken.yaml"),
        bytes: read.bytes,
        stamp: None,
        entry: read.entry.read().expect("borrowed"),
        spanned: None,
        restamped: false,
    };
    let mut rows = [broken_row(), row];
    assert!(cache.keep(&previous, &rows).is_none());
    // Made with no stamp, the row takes none: not written again.
    let stamp = Stamp::now(root, rel).expect("a stamp");
    let (_, stamped) = previous
        .get(rel, &doc.path, fingerprint(&bytes), Some(stamp))
        .expect("a hit");
    assert!(cache.keep(&previous, &[broken_row(), stamped]).is_none());
    // Nor is the file's stamp asked for: the file is read.
    let asked = std::cell::Cell::new(false);
    let unchanged = previous.unchanged(rel, &doc.path, || {
        asked.set(true);
        Some(stamp)
    });
    assert!(unchanged.is_none() && !asked.get());
    let Loaded::Parsed(spanned) = load::parse_runbook(root, rel.to_path_buf(), &bytes, true) else {
        panic!("librechat parses");
    };
    let lint = Facts::of(&spanned).lint;
    assert!(lint.spanned);
    rows[1].set_spanned(&lint);
    assert!(matches!(cache.keep(&previous, &rows), Some(Ok(()))));
    let cache = Cache::open(dir.path(), inputs);
    let previous = cache.previous();
    let (_, row) = previous
        .get(rel, &doc.path, fingerprint(&bytes), None)
        .expect("a hit");
    let read_back = row.spanned().expect("spans");
    assert_eq!(format!("{read_back:?}"), format!("{lint:?}"));
    assert_eq!(
        Cache::open(dir.path(), fingerprint(b"other inputs"))
            .previous()
            .ignored(),
        Some((&Ignored::OtherInputs, kept, kept))
    );
    assert_eq!(
        report(1, 2, Some((&Ignored::Corrupt, 1, 2)), None),
        "validation cache: 1 of 2 files reused; 1 of the 2 parts of its table was ignored: \
         corrupt (its checksum does not match)"
    );
}

/// A row made with a file's stamp gives its result for that stamp,
/// without the bytes, and for no other; the same bytes read with
/// another stamp give the result, and the row is written again with
/// the new stamp.
#[test]
fn a_file_as_it_was_is_not_read_again() {
    let Checked {
        root,
        rel,
        bytes,
        stamp,
        doc,
        facts,
        runbook,
    } = librechat();
    let stamp = stamp.expect("a stamp on unix");
    assert_eq!(Stamp::now(root, rel), Some(stamp));

    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = fingerprint(b"inputs");
    let cache = Cache::open(dir.path(), inputs);
    let previous = cache.previous();
    let made = row(
        rel,
        fingerprint(&bytes),
        Some(stamp),
        &facts,
        Some(&runbook),
    );
    let rows = [made.expect("a row")];
    assert!(matches!(cache.keep(&previous, &rows), Some(Ok(()))));

    let cache = Cache::open(dir.path(), inputs);
    let previous = cache.previous();
    let (hit, row) = previous
        .unchanged(rel, &doc.path, || Some(stamp))
        .expect("the stamp it was made with");
    assert_eq!(hit.runbook.expect("runbook").slug, runbook.slug);
    assert!(cache.keep(&previous, &[row]).is_none(), "nothing changed");
    // A librechat.yaml of another stamp (this file's) is read.
    let other = Stamp::now(root, Path::new("gtdocs.yaml")).expect("a stamp");
    assert!(previous.unchanged(rel, &doc.path, || Some(other)).is_none());
    let (_, row) = previous
        .get(rel, &doc.path, fingerprint(&bytes), Some(other))
        .expect("the same bytes");
    assert!(
        matches!(cache.keep(&previous, &[row]), Some(Ok(()))),
        "the new stamp is kept"
    );
    let cache = Cache::open(dir.path(), inputs);
    assert!(
        cache
            .previous()
            .unchanged(rel, &doc.path, || Some(other))
            .is_some()
    );
    assert!(
        cache
            .previous()
            .unchanged(rel, &doc.path, || Some(stamp))
            .is_none()
    );
}

/// A file changed less than two seconds ago may be written again with
/// the same times: its stamp does not count yet.
#[test]
fn a_file_just_changed_is_not_settled() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.yaml"), "a: 1\n").expect("write");
    let stamp = Stamp::now(dir.path(), Path::new("a.yaml")).expect("a stamp");
    let now = std::time::SystemTime::now();
    assert!(!stamp.settled(now));
    assert!(!stamp.settled(now + std::time::Duration::from_millis(1500)));
    assert!(stamp.settled(now + std::time::Duration::from_secs(3)));
    assert!(Stamp::now(dir.path(), Path::new(".")).is_none(), "a folder");
}
