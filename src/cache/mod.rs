//! What a build keeps for the next one: tables of results, each keyed by
//! a fingerprint of what it was made from, so that an incremental build
//! redoes only the work whose inputs changed.
//!
//! A table is one file, read whole and replaced whole (written beside,
//! then renamed over: a build killed while writing leaves the old table or
//! the new one, never half of one). Its frame says what it is: a magic
//! line, the format version, the id of the gtdocs binary that wrote it
//! ([`BUILD_ID`]), the fingerprint of the inputs every entry shares, the
//! payload's length and an xxh3 checksum of all of it. A table that is
//! absent, from another binary, made from other inputs, cut short or
//! changed in any byte is not read: [`Table::read`] says why, and the
//! build does the work again. Nothing in a table is trusted beyond that:
//! a table that checks but does not decode is ignored the same way.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The id of this build of gtdocs: a fingerprint of the sources and the
/// compiler it was built with (see `build.rs`).
pub const BUILD_ID: &str = env!("GTDOCS_BUILD_ID");

/// The first bytes of every table.
const MAGIC: &[u8; 16] = b"gtdocs cache\n\0\0\0";
/// Bumped when the frame changes.
const FORMAT: u32 = 1;
/// Magic, format, build id, fingerprint, payload length.
const HEADER: usize = 16 + 4 + 32 + 16 + 8;
/// The checksum after the payload.
const CHECKSUM: usize = 16;

/// A 128-bit fingerprint of inputs, by xxh3: what a cached result was
/// made from. Not a security boundary (see the module's text).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Fingerprint(pub u128);

/// Builds a [`Fingerprint`] from parts; each part is framed by its length,
/// so `("ab", "c")` and `("a", "bc")` differ.
pub struct Fingerprinter(xxhash_rust::xxh3::Xxh3);

impl Default for Fingerprinter {
    fn default() -> Self {
        Self::new()
    }
}

impl Fingerprinter {
    pub fn new() -> Self {
        Fingerprinter(xxhash_rust::xxh3::Xxh3::new())
    }

    pub fn bytes(&mut self, part: &[u8]) -> &mut Self {
        self.0.update(&(part.len() as u64).to_le_bytes());
        self.0.update(part);
        self
    }

    pub fn str(&mut self, part: &str) -> &mut Self {
        self.bytes(part.as_bytes())
    }

    pub fn u64(&mut self, part: u64) -> &mut Self {
        self.0.update(&part.to_le_bytes());
        self
    }

    pub fn fingerprint(&mut self, part: Fingerprint) -> &mut Self {
        self.0.update(&part.0.to_le_bytes());
        self
    }

    pub fn finish(&self) -> Fingerprint {
        Fingerprint(self.0.digest128())
    }
}

/// The fingerprint of one byte string.
pub fn fingerprint(bytes: &[u8]) -> Fingerprint {
    Fingerprint(xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Why a table was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// There is none (the first build, or the cache was deleted).
    Missing,
    /// It could not be read (`io::Error` in words).
    Unreadable(String),
    /// Not a gtdocs cache table, or one of another format.
    Foreign,
    /// Written by another build of gtdocs.
    OtherBinary,
    /// Made from other inputs (a catalog, a theme, a setting changed).
    OtherInputs,
    /// Cut short, or changed since it was written.
    Corrupt,
    /// It checks, but its content does not decode.
    Undecodable,
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ignored::Missing => f.write_str("none yet"),
            Ignored::Unreadable(e) => write!(f, "unreadable ({e})"),
            Ignored::Foreign => f.write_str("not a gtdocs cache file"),
            Ignored::OtherBinary => f.write_str("written by another build of gtdocs"),
            Ignored::OtherInputs => f.write_str("made from other inputs"),
            Ignored::Corrupt => f.write_str("corrupt (its checksum does not match)"),
            Ignored::Undecodable => f.write_str("corrupt (it does not decode)"),
        }
    }
}

/// A table of the cache: its file in the cache folder.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
}

impl Table {
    /// Table `name` (a file name) of the cache folder `dir`.
    pub fn new(dir: &Path, name: &str) -> Self {
        Table {
            path: dir.join(name),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The table's payload, if it was written by this binary from inputs
    /// of fingerprint `inputs` and is whole.
    pub fn read(&self, inputs: Fingerprint) -> Result<Vec<u8>, Ignored> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Ignored::Missing),
            Err(e) => return Err(Ignored::Unreadable(e.to_string())),
        };
        unframe(bytes, inputs)
    }

    /// [`Table::read`], then its payload decoded.
    pub fn read_decoded<T: serde::de::DeserializeOwned>(
        &self,
        inputs: Fingerprint,
    ) -> Result<T, Ignored> {
        let payload = self.read(inputs)?;
        postcard::from_bytes(&payload).map_err(|_| Ignored::Undecodable)
    }

    /// Replaces the table with `payload`, made from inputs `inputs`: the
    /// frame is written to a file beside it, then renamed over it.
    pub fn write(&self, inputs: Fingerprint, payload: &[u8]) -> std::io::Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::Builder::new()
            .prefix(TEMPORARY)
            .tempfile_in(dir)?;
        let header = header(inputs, payload.len());
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&header);
        hasher.update(payload);
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        out.write_all(&header)?;
        out.write_all(payload)?;
        out.write_all(&hasher.digest128().to_le_bytes())?;
        out.flush()?;
        drop(out);
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    /// [`Table::write`] of `value`, encoded.
    pub fn write_encoded<T: serde::Serialize>(
        &self,
        inputs: Fingerprint,
        value: &T,
    ) -> std::io::Result<()> {
        let payload = postcard::to_stdvec(value).map_err(std::io::Error::other)?;
        self.write(inputs, &payload)
    }
}

fn header(inputs: Fingerprint, len: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT.to_le_bytes());
    header.extend_from_slice(BUILD_ID.as_bytes());
    header.extend_from_slice(&inputs.0.to_le_bytes());
    header.extend_from_slice(&(len as u64).to_le_bytes());
    header
}

/// The payload of a framed table, checked.
fn unframe(mut bytes: Vec<u8>, inputs: Fingerprint) -> Result<Vec<u8>, Ignored> {
    if bytes.len() < 16 + 4 || &bytes[..16] != MAGIC || bytes[16..20] != FORMAT.to_le_bytes() {
        return Err(Ignored::Foreign);
    }
    if bytes.len() < HEADER + CHECKSUM {
        return Err(Ignored::Corrupt);
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM);
    if xxhash_rust::xxh3::xxh3_128(body).to_le_bytes() != checksum {
        return Err(Ignored::Corrupt);
    }
    let len = u64::from_le_bytes(bytes[HEADER - 8..HEADER].try_into().unwrap_or_default());
    if len != (bytes.len() - HEADER - CHECKSUM) as u64 {
        return Err(Ignored::Corrupt);
    }
    if &bytes[20..52] != BUILD_ID.as_bytes() {
        return Err(Ignored::OtherBinary);
    }
    if bytes[52..68] != inputs.0.to_le_bytes() {
        return Err(Ignored::OtherInputs);
    }
    bytes.truncate(bytes.len() - CHECKSUM);
    bytes.drain(..HEADER);
    Ok(bytes)
}

/// Removes the temporary files a process killed while writing a table
/// left in cache folder `dir` (see [`Table::write`]): those not touched for
/// an hour, so that a table being written now (by this build's own
/// validation, or a `check` beside it) is never taken from its writer.
pub fn remove_leftovers(dir: &Path) {
    const STALE: std::time::Duration = std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let leftover = entry.file_name().to_string_lossy().starts_with(TEMPORARY)
            && entry.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE))
            });
        if leftover {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The name a table is written under before it is renamed over the table.
const TEMPORARY: &str = ".table-";

/// Marks `dir` as a cache folder: a `CACHEDIR.TAG` (backup tools skip
/// the folder) and a `.gitignore` that ignores all of it (a docs tree's
/// `git status` does not list it). Best effort.
pub fn mark(dir: &Path) {
    const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
        # This file is a cache directory tag created by gtdocs.\n\
        # For information about cache directory tags see https://bford.info/cachedir/\n";
    let _ = std::fs::create_dir_all(dir);
    for (name, text) in [("CACHEDIR.TAG", TAG), (".gitignore", "*\n")] {
        let path = dir.join(name);
        if !path.exists() {
            let _ = std::fs::write(path, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().expect("tempdir");
        let table = Table::new(dir.path(), "t.bin");
        (dir, table)
    }

    #[test]
    fn a_table_reads_back_what_was_written_from_the_same_inputs() {
        let (_dir, table) = table();
        let inputs = fingerprint(b"catalog");
        assert_eq!(table.read(inputs), Err(Ignored::Missing));
        table.write(inputs, b"payload").expect("write");
        assert_eq!(table.read(inputs).as_deref(), Ok(&b"payload"[..]));
        assert_eq!(
            table.read(fingerprint(b"other catalog")),
            Err(Ignored::OtherInputs)
        );
    }

    /// Any byte changed, the file cut short or grown, another binary's id,
    /// another format: the table is ignored, with the reason.
    #[test]
    fn a_changed_cut_or_foreign_table_is_ignored() {
        let (_dir, table) = table();
        let inputs = fingerprint(b"x");
        table.write(inputs, &[7u8; 100]).expect("write");
        let good = std::fs::read(table.path()).expect("read");
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            std::fs::write(table.path(), &bad).expect("write");
            let read = table.read(inputs);
            assert!(
                matches!(read, Err(Ignored::Corrupt | Ignored::Foreign)),
                "byte {i}: {read:?}"
            );
        }
        for len in [0, 10, HEADER, good.len() - 1] {
            std::fs::write(table.path(), &good[..len]).expect("write");
            assert!(table.read(inputs).is_err(), "cut to {len}");
        }
        let mut longer = good.clone();
        longer.push(0);
        std::fs::write(table.path(), &longer).expect("write");
        assert_eq!(table.read(inputs), Err(Ignored::Corrupt));
        // Another binary's table, whole and checked.
        let mut other = good[..good.len() - CHECKSUM].to_vec();
        other[20] ^= 1;
        let sum = xxhash_rust::xxh3::xxh3_128(&other).to_le_bytes();
        other.extend_from_slice(&sum);
        std::fs::write(table.path(), &other).expect("write");
        assert_eq!(table.read(inputs), Err(Ignored::OtherBinary));
    }

    #[test]
    fn fingerprint_parts_are_framed() {
        let a = Fingerprinter::new().str("ab").str("c").finish();
        let b = Fingerprinter::new().str("a").str("bc").finish();
        assert_ne!(a, b);
    }
}
