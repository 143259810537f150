//! The validation cache: the own result of each runbook file with no
//! problem of its own, kept from one build (or check) to the next in the
//! tables `validate-00.bin` to `validate-63.bin` of the cache folder (see
//! [`PARTS`]), so that a file whose bytes did not change is not parsed and
//! checked again, nor read while its stamp stays the same.
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
use crate::load::{Stamp, Tree};
use crate::model::Runbook;

/// The table is kept in parts, each a table of the cache folder
/// (`validate-00.bin` to `validate-63.bin`): a file's row is in the part
/// its path hashes to, so that one runbook edited rewrites one part, not
/// the 40 MB of rows 10,000 runbooks make. A part with no row is not
/// kept.
pub const PARTS: usize = 64;

/// The file name of part `k`.
pub fn part_name(k: usize) -> String {
    format!("validate-{k:02}.bin")
}

/// The part of the table the row of file `rel` is in.
fn part_of(rel: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(rel.as_bytes()) % PARTS as u64) as usize
}

/// The table as one file, which earlier versions kept: removed when the
/// parts are written.
const SINGLE: &str = "validate.bin";

/// Changed when what a row holds, or what the inputs are, changes (the
/// build id, a fingerprint of the sources, changes anyway).
const LAYOUT: &str = "gtdocs validate table 3";

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
/// its bytes, the file's [`Stamp`] when those bytes were read (a file
/// still so is not read again; `None` when it had changed too recently
/// to tell), its encoded [`Entry`], and its encoded [`LintFacts`] with
/// spans once it was read with them.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Row<'a> {
    #[serde(borrow)]
    rel: Cow<'a, str>,
    bytes: Fingerprint,
    stamp: Option<Stamp>,
    #[serde(borrow)]
    entry: Raw<'a>,
    #[serde(borrow)]
    spanned: Option<Raw<'a>>,
    /// Its stamp is not the one read.
    #[serde(skip)]
    restamped: bool,
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
            && !self.restamped
            && read(&self.entry)
            && self.spanned.as_ref().is_none_or(read)
    }
}

/// The validation cache of one run: its table's parts, and each part's
/// payload as read.
pub struct Cache {
    dir: std::path::PathBuf,
    inputs: Fingerprint,
    /// Each part, and its payload or why it was not read.
    parts: Vec<(Table, Result<Vec<u8>, Ignored>)>,
}

/// The rows of the table as read, by file.
pub struct Previous<'a> {
    rows: HashMap<&'a str, Row<'a>>,
    /// How many rows each part held as read, or why it was not read.
    parts: Vec<Result<usize, Ignored>>,
}

/// A file's own result, read back.
pub struct Hit {
    pub facts: Facts,
    pub runbook: Option<Runbook>,
}

impl Cache {
    /// Reads the table of cache folder `dir` made from inputs `inputs`:
    /// its parts side by side.
    pub fn open(dir: &Path, inputs: Fingerprint) -> Cache {
        use rayon::prelude::*;
        let parts = (0..PARTS)
            .into_par_iter()
            .map(|k| {
                let table = Table::new(dir, &part_name(k));
                let payload = table.read(inputs);
                (table, payload)
            })
            .collect();
        Cache {
            dir: dir.to_path_buf(),
            inputs,
            parts,
        }
    }

    /// The rows read. A part that checks but does not decode is ignored
    /// whole, as [`Table::read_decoded`] would ignore it; a row in a part
    /// its file is not in is not used.
    pub fn previous(&self) -> Previous<'_> {
        let mut rows = HashMap::new();
        let mut parts = Vec::with_capacity(PARTS);
        for (k, (_, payload)) in self.parts.iter().enumerate() {
            let read: Result<Vec<Row<'_>>, Ignored> = match payload {
                Ok(payload) => postcard::from_bytes(payload).map_err(|_| Ignored::Undecodable),
                Err(why) => Err(why.clone()),
            };
            parts.push(read.map(|read| {
                let count = read.len();
                // postcard borrows every string it reads.
                rows.extend(read.into_iter().filter_map(|row| match row.rel {
                    Cow::Borrowed(rel) if part_of(rel) == k => Some((rel, row)),
                    _ => None,
                }));
                count
            }));
        }
        Previous { rows, parts }
    }

    /// Replaces each part of the table whose rows are not the ones read
    /// with its share of `rows` (sorted by file): how it was written,
    /// `None` when no part was to be.
    pub fn keep(&self, previous: &Previous<'_>, rows: &[Row<'_>]) -> Option<std::io::Result<()>> {
        let mut shares: Vec<Vec<&Row<'_>>> = vec![Vec::new(); PARTS];
        for row in rows {
            shares[part_of(&row.rel)].push(row);
        }
        let mut written = None;
        for (((table, _), read), share) in self.parts.iter().zip(&previous.parts).zip(&shares) {
            // As many rows, each one read and unchanged (one a file): the
            // same. A part with no row is not kept.
            let same = match read {
                Ok(count) => *count == share.len() && share.iter().all(|row| row.is_read()),
                Err(Ignored::Missing) => share.is_empty(),
                Err(_) => false,
            };
            if same {
                continue;
            }
            if written.is_none() {
                crate::cache::mark(&self.dir);
                let _ = std::fs::remove_file(self.dir.join(SINGLE));
            }
            let result = if share.is_empty() {
                match std::fs::remove_file(table.path()) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                }
            } else {
                // Encoded as it is written: never held twice.
                table.write_encoded(self.inputs, share)
            };
            match (&written, result) {
                (Some(Err(_)), _) => {}
                (_, result) => written = Some(result),
            }
        }
        written
    }
}

impl Previous<'_> {
    /// The result of file `rel` (relative to the root; shown as `path`)
    /// when the table holds it for bytes of fingerprint `bytes`, with the
    /// row to keep it by, which takes `stamp`, the file's as those bytes
    /// were read, in place of another. A row that does not decode is not
    /// used.
    pub fn get(
        &self,
        rel: &Path,
        path: &Path,
        bytes: Fingerprint,
        stamp: Option<Stamp>,
    ) -> Option<(Hit, Row<'_>)> {
        let row = self.rows.get(rel.to_str()?)?;
        if row.bytes != bytes {
            return None;
        }
        let (hit, mut kept) = Self::hit(row, rel, path)?;
        // A stamp that changed (the file touched, or replaced by one with
        // the same bytes) is replaced. A row made with none keeps none:
        // its file had changed just before it was read, and is read each
        // time until it changes again (else every such row would be
        // written again as soon as its file settles).
        if row.stamp.is_some() && stamp != row.stamp {
            kept.stamp = stamp;
            kept.restamped = true;
        }
        Some((hit, kept))
    }

    /// The result of file `rel`, as [`Previous::get`] gives it, when the
    /// file's stamp now (`now`, asked only of a file whose row has one) is
    /// the one its row was made with: the file is not read.
    pub fn unchanged(
        &self,
        rel: &Path,
        path: &Path,
        now: impl FnOnce() -> Option<Stamp>,
    ) -> Option<(Hit, Row<'_>)> {
        let row = self.rows.get(rel.to_str()?)?;
        if row.stamp.is_none() || row.stamp != now() {
            return None;
        }
        Self::hit(row, rel, path)
    }

    /// Row `row`'s result, and the row as read.
    fn hit<'a>(row: &Row<'a>, rel: &Path, path: &Path) -> Option<(Hit, Row<'a>)> {
        let Entry { mut facts, runbook } = postcard::from_bytes(&row.entry.0).ok()?;
        facts.path = path.to_path_buf();
        facts.rel = rel.to_path_buf();
        let row = Row {
            rel: match row.rel {
                Cow::Borrowed(rel) => Cow::Borrowed(rel),
                Cow::Owned(_) => return None,
            },
            bytes: row.bytes,
            stamp: row.stamp,
            entry: row.entry.read()?,
            spanned: row.spanned.as_ref().and_then(Raw::read),
            restamped: false,
        };
        Some((Hit { facts, runbook }, row))
    }

    /// What of the table was not read: `Missing` when none of it is
    /// there; else why the first part that is there was not read, and how
    /// many of the parts there were not (`None`: every one was read).
    pub fn ignored(&self) -> Option<(&Ignored, usize, usize)> {
        let there: Vec<&Result<usize, Ignored>> = self
            .parts
            .iter()
            .filter(|p| !matches!(p, Err(Ignored::Missing)))
            .collect();
        if there.is_empty() {
            return Some((&Ignored::Missing, 0, 0));
        }
        let mut not_read = there.iter().filter_map(|p| p.as_ref().err());
        let first = not_read.next()?;
        Some((first, 1 + not_read.count(), there.len()))
    }
}

/// The row of a file checked now, with no problem of its own, read with
/// stamp `stamp`; `None` when its path is not UTF-8 (such a file is never
/// valid: its name is no slug).
pub fn row(
    rel: &Path,
    bytes: Fingerprint,
    stamp: Option<Stamp>,
    facts: &Facts,
    runbook: Option<&Runbook>,
) -> Option<Row<'static>> {
    let rel = rel.to_str()?.to_owned();
    let entry = postcard::to_stdvec(&EntryRef { facts, runbook }).ok()?;
    Some(Row {
        rel: Cow::Owned(rel),
        bytes,
        stamp,
        entry: Raw(Cow::Owned(entry)),
        spanned: None,
        restamped: false,
    })
}

/// The line `-v` prints of what the validation cache did: `reused` of
/// `files` files reused; the table read, or why not and how many of its
/// parts (`ignored`, see [`Previous::ignored`]); how it was written
/// (`None`: it was not to be).
pub fn report(
    reused: usize,
    files: usize,
    ignored: Option<(&Ignored, usize, usize)>,
    written: Option<std::io::Result<()>>,
) -> String {
    let mut line = format!("validation cache: {reused} of {files} files reused");
    match ignored {
        None => {}
        Some((Ignored::Missing, _, _)) => line.push_str("; no table yet"),
        Some((why, n, of)) if n == of => line.push_str(&format!("; its table was ignored: {why}")),
        Some((why, n, of)) => line.push_str(&format!(
            "; {n} of the {of} parts of its table {} ignored: {why}",
            if n == 1 { "was" } else { "were" }
        )),
    }
    match written {
        None => {}
        Some(Ok(())) => line.push_str("; table written"),
        Some(Err(e)) => line.push_str(&format!("; table not written: {e}")),
    }
    line
}

#[cfg(test)]
mod tests;
