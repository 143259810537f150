//! The index of an output folder gtdocs keeps (the output, and the
//! previous output kept in the cache folder): for each file its content's
//! fingerprint and how it was on disk when written (inode, size,
//! modification time), each folder's stamp, and which files each rendered
//! unit (a runbook's page, a part of the search index) made, under the
//! fingerprint of what the unit was made from.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::stamp::{Stamp, folder_id};
use crate::cache::{Fingerprint, Ignored, Table};

/// The index of the output folder.
pub(super) const CURRENT: &str = "output.index";
/// The index of the previous output, kept in the cache folder.
pub(super) const PREVIOUS: &str = "previous.index";
/// The previous output's folder, inside the cache folder.
pub(super) const PREVIOUS_DIR: &str = "previous";

/// Relative paths of a new site (every file and folder of it, filled from
/// every thread: hashed with foldhash).
pub(super) type PathSet = HashSet<String, foldhash::fast::RandomState>;

/// Where each fragment of a file sits in it: key, offset, length.
pub(super) type Spans = Vec<(Fingerprint, u64, u64)>;

/// One file of an output folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Entry {
    /// Relative, with `/`.
    pub path: String,
    pub content: Fingerprint,
    pub stamp: Stamp,
}

impl Entry {
    /// The file's size when written.
    pub(super) fn size(&self) -> u64 {
        self.stamp.size()
    }
}

/// An output folder gtdocs wrote: its own identity, every file and
/// folder, and the units the files came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Index {
    /// The folder's own device and inode: an index describes one folder.
    pub folder: Option<(u64, u64)>,
    /// Sorted by path.
    pub files: Vec<Entry>,
    /// Every folder below it ("" is the folder itself), with its stamp.
    pub dirs: Vec<(String, Stamp)>,
    /// Each unit's fingerprint, and its files (indexes into `files`).
    pub units: Vec<(Fingerprint, Vec<u32>)>,
    /// Files made of fragments: each fragment's key, offset and length.
    pub fragments: Vec<(String, Spans)>,
    /// Keys derived from others (see [`crate::render::Sink::derived_key`]),
    /// sorted.
    pub derived: Vec<(Fingerprint, Fingerprint)>,
}

/// An index of another folder with the same files as `index` (hard
/// links to them: a twin, [`super::twin`]), its own folder and folders'
/// stamps, the rest borrowed: encoded as an [`Index`] is (postcard writes
/// a slice as it writes a `Vec`), with no copy of 60,000 entries.
#[derive(Serialize)]
pub(super) struct Twin<'a> {
    folder: Option<(u64, u64)>,
    files: &'a [Entry],
    dirs: &'a [(String, Stamp)],
    units: &'a [(Fingerprint, Vec<u32>)],
    fragments: &'a [(String, Spans)],
    derived: &'a [(Fingerprint, Fingerprint)],
}

impl Index {
    /// The index of a twin of this index's folder: folder `folder`, its
    /// folders' stamps `dirs`.
    pub(super) fn twin<'a>(
        &'a self,
        folder: Option<(u64, u64)>,
        dirs: &'a [(String, Stamp)],
    ) -> Twin<'a> {
        Twin {
            folder,
            files: &self.files,
            dirs,
            units: &self.units,
            fragments: &self.fragments,
            derived: &self.derived,
        }
    }
}

/// Why a folder's index is not used.
#[derive(Debug)]
pub(super) enum Unusable {
    /// The table was not read (see [`Ignored`]).
    Table(Ignored),
    /// It describes another folder (its inode is not the folder's).
    OtherFolder,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Table(why) => why.fmt(f),
            Unusable::OtherFolder => f.write_str("it is of another folder"),
        }
    }
}

impl Index {
    /// The index of `dir` in table `table`, if it describes that folder.
    pub(super) fn read(table: &Table, dir: &Path) -> Result<Self, Unusable> {
        let index: Index = table
            .read_decoded(Fingerprint::default())
            .map_err(Unusable::Table)?;
        index.describing(dir)
    }

    /// The index, if it describes folder `dir` (its device and inode).
    pub(super) fn describing(self, dir: &Path) -> Result<Self, Unusable> {
        match (self.folder, folder_id(dir)) {
            (Some(a), Some(b)) if a == b => Ok(self),
            _ => Err(Unusable::OtherFolder),
        }
    }
}

/// The indexes of the output and of the previous output, read (side by
/// side, and while the sources are validated) before the build opens its
/// staging folder, which checks again that each describes its folder.
pub struct Indexes {
    pub(super) current: Result<Index, Unusable>,
    pub(super) previous: Result<Index, Unusable>,
}

impl Indexes {
    /// Reads the indexes kept in cache folder `cache` for output `out`.
    pub fn read(cache: &Path, out: &Path) -> Self {
        let (current, previous) = rayon::join(
            || Index::read(&Table::new(cache, CURRENT), out),
            || Index::read(&Table::new(cache, PREVIOUS), &cache.join(PREVIOUS_DIR)),
        );
        Indexes { current, previous }
    }
}
