//! The validation cache: the own result of each runbook file with no
//! problem of its own, kept from one build (or check) to the next in the
//! table `validate.bin` of the cache folder, so that a file whose bytes did
//! not change is not parsed and checked again.
//!
//! A row is keyed by the file's path relative to the root and the
//! fingerprint of its bytes; it holds what the checks across files and the
//! book need of the file ([`Facts`] as the first pass makes them, without
//! spans, and the [`Runbook`]), and, once the file was read again for its
//! spans (a finding across files, an `allow` entry to show at its place),
//! its [`LintFacts`] with them. Each is encoded on its own, so that a row
//! read back is decoded only as far as it is needed, and a row kept is
//! written again as it was read. What else a file's own result depends on
//! makes the table's inputs fingerprint ([`inputs`]): a table made from
//! other inputs is ignored whole.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use super::catalog::CatalogCheck;
use super::lint_facts::LintFacts;
use super::overrides::SiteOverrides;
use super::runbook::Facts;
use crate::cache::{Fingerprint, Fingerprinter, Ignored, Table};
use crate::load::Tree;
use crate::model::Runbook;

/// The table's file name in the cache folder.
pub const TABLE: &str = "validate.bin";

/// Changed when what a row holds, or what the inputs are, changes (the
/// build id, a fingerprint of the sources, changes anyway).
const LAYOUT: &str = "gtdocs validate table 2";

/// Everything a runbook file's own result (`Checks::runbook` and
/// `Facts::of` on its document) depends on besides its bytes and its
/// path. The checks themselves are the binary's (its build id is in the
/// table's frame); then `gtdocs.yaml` as read (the catalog, the wiki's
/// page names, the compatibility rules, the verification settings); the
/// settings the command line replaces; the day verdicts are judged on
/// (`SOURCE_DATE_EPOCH`'s or the clock's: a verdict goes stale with
/// time). The themes are not among them: no check of a runbook reads them.
pub fn inputs(tree: &Tree, site: &SiteOverrides, catalog: Option<&CatalogCheck>) -> Fingerprint {
    let mut f = Fingerprinter::new();
    f.str(LAYOUT);
    match &tree.config {
        Some(config) => f.u64(1).str(&config.text),
        None => f.u64(0),
    };
    f.str(&format!("{site:?}"));
    match catalog {
        Some(c) => f.u64(1).u64(c.verification.as_of.unix()),
        None => f.u64(0),
    };
    f.finish()
}

/// One file's own result, as a row holds it.
#[derive(serde::Deserialize)]
struct Entry {
    facts: Facts,
    runbook: Option<Runbook>,
}

/// [`Entry`] by reference, to encode a result without copying it.
#[derive(serde::Serialize)]
struct EntryRef<'a> {
    facts: &'a Facts,
    runbook: Option<&'a Runbook>,
}

/// A row of the table: a file (relative to the root), the fingerprint of
/// its bytes, its encoded [`Entry`], and its encoded [`LintFacts`] with
/// spans once it was read with them.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Row<'a> {
    #[serde(borrow)]
    rel: Cow<'a, str>,
    bytes: Fingerprint,
    #[serde(borrow)]
    entry: Raw<'a>,
    #[serde(borrow)]
    spanned: Option<Raw<'a>>,
}

/// Encoded bytes, as a byte string (its length, then its bytes): borrowed
/// from the table when read, owned when made.
struct Raw<'a>(Cow<'a, [u8]>);

impl serde::Serialize for Raw<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Raw<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de [u8] as serde::Deserialize<'de>>::deserialize(d).map(|b| Raw(Cow::Borrowed(b)))
    }
}

impl<'a> Raw<'a> {
    /// The same bytes, borrowed from the table; `None` when they are not.
    fn read(&self) -> Option<Raw<'a>> {
        match self.0 {
            Cow::Borrowed(bytes) => Some(Raw(Cow::Borrowed(bytes))),
            Cow::Owned(_) => None,
        }
    }
}

impl Row<'_> {
    /// The fingerprint of the bytes the row was made from.
    pub fn bytes(&self) -> Fingerprint {
        self.bytes
    }

    /// The file's [`LintFacts`] with spans, when the row has them (and
    /// they decode).
    pub fn spanned(&self) -> Option<LintFacts> {
        postcard::from_bytes(&self.spanned.as_ref()?.0).ok()
    }

    /// Keeps the file's [`LintFacts`] with spans, made from the bytes of
    /// fingerprint [`Row::bytes`].
    pub fn set_spanned(&mut self, lint: &LintFacts) {
        self.spanned = postcard::to_stdvec(lint)
            .ok()
            .map(|bytes| Raw(Cow::Owned(bytes)));
    }

    /// Whether the row is one read from the table, unchanged.
    fn is_read(&self) -> bool {
        let read = |raw: &Raw<'_>| matches!(raw.0, Cow::Borrowed(_));
        matches!(self.rel, Cow::Borrowed(_))
            && read(&self.entry)
            && self.spanned.as_ref().is_none_or(read)
    }
}

/// The validation cache of one run: its table, and the table's payload
/// as read.
pub struct Cache {
    dir: std::path::PathBuf,
    table: Table,
    inputs: Fingerprint,
    /// The payload, or why it was not read.
    payload: Result<Vec<u8>, Ignored>,
}

/// The rows of the table as read, by file.
pub struct Previous<'a> {
    rows: HashMap<&'a str, Row<'a>>,
    /// Why the table was not read, if it was not.
    ignored: Option<Ignored>,
}

/// A file's own result, read back.
pub struct Hit {
    pub facts: Facts,
    pub runbook: Option<Runbook>,
}

impl Cache {
    /// Reads the table of cache folder `dir` made from inputs `inputs`.
    pub fn open(dir: &Path, inputs: Fingerprint) -> Cache {
        let table = Table::new(dir, TABLE);
        let payload = table.read(inputs);
        Cache {
            dir: dir.to_path_buf(),
            table,
            inputs,
            payload,
        }
    }

    /// The rows read. A payload that checks but does not decode is
    /// ignored whole, as [`Table::read_decoded`] would ignore it.
    pub fn previous(&self) -> Previous<'_> {
        let rows: Result<Vec<Row<'_>>, Ignored> = match &self.payload {
            Ok(payload) => postcard::from_bytes(payload).map_err(|_| Ignored::Undecodable),
            Err(why) => Err(why.clone()),
        };
        match rows {
            Ok(rows) => Previous {
                rows: rows
                    .into_iter()
                    // postcard borrows every string it reads.
                    .filter_map(|row| match row.rel {
                        Cow::Borrowed(rel) => Some((rel, row)),
                        Cow::Owned(_) => None,
                    })
                    .collect(),
                ignored: None,
            },
            Err(why) => Previous {
                rows: HashMap::new(),
                ignored: Some(why),
            },
        }
    }

    /// Replaces the table with `rows` (sorted by file), unless they are
    /// the rows read: how it was written, `None` when it was not to be.
    pub fn keep(&self, previous: &Previous<'_>, rows: &[Row<'_>]) -> Option<std::io::Result<()>> {
        // As many rows, each one read and unchanged (one a file): the same.
        let same = previous.ignored.is_none()
            && rows.len() == previous.rows.len()
            && rows.iter().all(Row::is_read);
        let none_needed = matches!(previous.ignored, Some(Ignored::Missing)) && rows.is_empty();
        if same || none_needed {
            return None;
        }
        // Encoded as it is written: the rows of 10,000 runbooks are 40 MB,
        // which memory does not hold twice.
        crate::cache::mark(&self.dir);
        Some(self.table.write_encoded(self.inputs, rows))
    }
}

impl Previous<'_> {
    /// The result of file `rel` (relative to the root; shown as `path`)
    /// when the table holds it for bytes of fingerprint `bytes`, with the
    /// row to keep it by. A row that does not decode is not used.
    pub fn get(&self, rel: &Path, path: &Path, bytes: Fingerprint) -> Option<(Hit, Row<'_>)> {
        let row = self.rows.get(rel.to_str()?)?;
        if row.bytes != bytes {
            return None;
        }
        let Entry { mut facts, runbook } = postcard::from_bytes(&row.entry.0).ok()?;
        facts.path = path.to_path_buf();
        facts.rel = rel.to_path_buf();
        let row = Row {
            rel: match row.rel {
                Cow::Borrowed(rel) => Cow::Borrowed(rel),
                Cow::Owned(_) => return None,
            },
            bytes,
            entry: row.entry.read()?,
            spanned: row.spanned.as_ref().and_then(Raw::read),
        };
        Some((Hit { facts, runbook }, row))
    }

    /// Why the table was not read, if it was not.
    pub fn ignored(&self) -> Option<&Ignored> {
        self.ignored.as_ref()
    }
}

/// The row of a file checked now, with no problem of its own; `None` when
/// its path is not UTF-8 (such a file is never valid: its name is no slug).
pub fn row(
    rel: &Path,
    bytes: Fingerprint,
    facts: &Facts,
    runbook: Option<&Runbook>,
) -> Option<Row<'static>> {
    let rel = rel.to_str()?.to_owned();
    let entry = postcard::to_stdvec(&EntryRef { facts, runbook }).ok()?;
    Some(Row {
        rel: Cow::Owned(rel),
        bytes,
        entry: Raw(Cow::Owned(entry)),
        spanned: None,
    })
}

/// The line `-v` prints of what the validation cache did: `reused` of
/// `files` files reused; the table read, or why not (`ignored`); how it
/// was written (`None`: it was not to be).
pub fn report(
    reused: usize,
    files: usize,
    ignored: Option<&Ignored>,
    written: Option<std::io::Result<()>>,
) -> String {
    let mut line = format!("validation cache: {reused} of {files} files reused");
    match ignored {
        None => {}
        Some(Ignored::Missing) => line.push_str("; no table yet"),
        Some(why) => line.push_str(&format!("; its table was ignored: {why}")),
    }
    match written {
        None => {}
        Some(Ok(())) => line.push_str("; table written"),
        Some(Err(e)) => line.push_str(&format!("; table not written: {e}")),
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::fingerprint;
    use crate::load::{self, Loaded};
    use crate::validate::checks::Checks;

    /// A bundled runbook's result is read back as it was made, for its
    /// bytes only; a row that does not decode is not used, and the rest of
    /// the table is.
    #[test]
    fn a_result_is_read_back_for_the_same_bytes_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (tree, _) = load::load_config(root).expect("the bundled tree");
        let checks = Checks::new().expect("schemas");
        let (catalog, _) = checks.catalog(&tree);
        let rel = Path::new("runbooks/librechat.yaml");
        let bytes = load::read_runbook(root, rel).expect("read");
        let Loaded::Parsed(doc) = load::parse_runbook(root, rel.to_path_buf(), &bytes, false)
        else {
            panic!("librechat parses");
        };
        let result = checks.runbook(&doc, catalog.as_ref());
        assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
        let facts = Facts::of(&doc);
        let runbook = result.runbook.expect("a runbook");
        let print = format!("{facts:?} {runbook:?}");

        let dir = tempfile::tempdir().expect("tempdir");
        let inputs = fingerprint(b"inputs");
        let cache = Cache::open(dir.path(), inputs);
        let previous = cache.previous();
        assert_eq!(previous.ignored(), Some(&Ignored::Missing));
        let rows = vec![
            Row {
                rel: Cow::Borrowed("runbooks/broken.yaml"),
                bytes: fingerprint(b"broken"),
                entry: Raw(Cow::Borrowed(&b"\xff\xff\xff"[..])),
                spanned: None,
            },
            row(rel, fingerprint(&bytes), &facts, Some(&runbook)).expect("a row"),
        ];
        assert!(matches!(cache.keep(&previous, &rows), Some(Ok(()))));

        let cache = Cache::open(dir.path(), inputs);
        let previous = cache.previous();
        assert_eq!(previous.ignored(), None);
        let (hit, _) = previous
            .get(rel, &doc.path, fingerprint(&bytes))
            .expect("a hit");
        let runbook = hit.runbook.expect("the runbook");
        assert_eq!(format!("{:?} {runbook:?}", hit.facts), print);
        assert!(
            previous
                .get(rel, &doc.path, fingerprint(b"other bytes"))
                .is_none()
        );
        let broken = Path::new("runbooks/broken.yaml");
        assert!(
            previous
                .get(broken, broken, fingerprint(b"broken"))
                .is_none()
        );

        // The rows read, unchanged: not written again. Given spans, a row
        // is new, and its spans are read back.
        let (_, row) = previous
            .get(rel, &doc.path, fingerprint(&bytes))
            .expect("a hit");
        assert!(row.spanned().is_none());
        let read = &previous.rows["runbooks/broken.yaml"];
        let broken_row = || Row {
            rel: Cow::Borrowed("runbooks/broken.yaml"),
            bytes: read.bytes,
            entry: read.entry.read().expect("borrowed"),
            spanned: None,
        };
        let mut rows = [broken_row(), row];
        assert!(cache.keep(&previous, &rows).is_none());
        let Loaded::Parsed(spanned) = load::parse_runbook(root, rel.to_path_buf(), &bytes, true)
        else {
            panic!("librechat parses");
        };
        let lint = Facts::of(&spanned).lint;
        assert!(lint.spanned);
        rows[1].set_spanned(&lint);
        assert!(matches!(cache.keep(&previous, &rows), Some(Ok(()))));
        let cache = Cache::open(dir.path(), inputs);
        let previous = cache.previous();
        let (_, row) = previous
            .get(rel, &doc.path, fingerprint(&bytes))
            .expect("a hit");
        let read_back = row.spanned().expect("spans");
        assert_eq!(format!("{read_back:?}"), format!("{lint:?}"));
        assert_eq!(
            Cache::open(dir.path(), fingerprint(b"other inputs"))
                .previous()
                .ignored(),
            Some(&Ignored::OtherInputs)
        );
    }
}
