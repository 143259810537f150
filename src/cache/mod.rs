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

use std::io::Write;
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
        use std::io::Read as _;
        let unreadable = |e: std::io::Error| Ignored::Unreadable(e.to_string());
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Ignored::Missing),
            Err(e) => return Err(unreadable(e)),
        };
        // The header first: a table of another binary or of other inputs
        // (a catalog edited) is not read further.
        let mut header = Vec::with_capacity(HEADER);
        (&mut file)
            .take(HEADER as u64)
            .read_to_end(&mut header)
            .map_err(unreadable)?;
        let len = check_header(&header, inputs)?;
        // A file cut short or grown since is corrupt: its size is checked
        // before anything is allocated for it, and no more is read.
        let size = file.metadata().map_err(unreadable)?.len();
        if Some(size) != len.checked_add((HEADER + CHECKSUM) as u64) {
            return Err(Ignored::Corrupt);
        }
        let len = usize::try_from(len).map_err(|_| Ignored::Corrupt)?;
        let mut payload = Vec::with_capacity(len + CHECKSUM);
        (&mut file)
            .take((len + CHECKSUM) as u64)
            .read_to_end(&mut payload)
            .map_err(unreadable)?;
        if payload.len() != len + CHECKSUM {
            return Err(Ignored::Corrupt);
        }
        let (body, checksum) = payload.split_at(len);
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&header);
        hasher.update(body);
        if hasher.digest128().to_le_bytes() != checksum {
            return Err(Ignored::Corrupt);
        }
        payload.truncate(len);
        Ok(payload)
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
        self.write_with(inputs, payload.len(), &mut |w| w.write_all(payload))
    }

    /// [`Table::write`] of `value`, encoded as it is written: the payload
    /// is never held whole (its length is counted first).
    pub fn write_encoded<T: serde::Serialize + ?Sized>(
        &self,
        inputs: Fingerprint,
        value: &T,
    ) -> std::io::Result<()> {
        let len = postcard::serialize_with_flavor::<T, postcard::ser_flavors::Size, usize>(
            value,
            postcard::ser_flavors::Size::default(),
        )
        .map_err(std::io::Error::other)?;
        self.write_with(inputs, len, &mut |w| {
            postcard::to_io(value, w)
                .map(drop)
                .map_err(std::io::Error::other)
        })
    }

    /// Writes a table whose payload, of `len` bytes, `payload` writes.
    fn write_with(
        &self,
        inputs: Fingerprint,
        len: usize,
        payload: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::Builder::new()
            .prefix(TEMPORARY)
            .tempfile_in(dir)?;
        let mut out = Checksummed {
            inner: std::io::BufWriter::with_capacity(1 << 16, file.as_file_mut()),
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            written: 0,
        };
        out.write_all(&header(inputs, len))?;
        payload(&mut out)?;
        if out.written != (HEADER + len) as u64 {
            return Err(std::io::Error::other(
                "the payload is not the length counted",
            ));
        }
        let sum = out.hasher.digest128().to_le_bytes();
        out.inner.write_all(&sum)?;
        out.inner.flush()?;
        drop(out);
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// A writer that checksums what it writes, and counts it.
struct Checksummed<W> {
    inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
    written: u64,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
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

/// The payload's length a table's header gives, if the header is of
/// this format, binary and `inputs`.
fn check_header(header: &[u8], inputs: Fingerprint) -> Result<u64, Ignored> {
    if header.len() < 16 + 4 || &header[..16] != MAGIC || header[16..20] != FORMAT.to_le_bytes() {
        return Err(Ignored::Foreign);
    }
    if header.len() < HEADER {
        return Err(Ignored::Corrupt);
    }
    if &header[20..52] != BUILD_ID.as_bytes() {
        return Err(Ignored::OtherBinary);
    }
    if header[52..68] != inputs.0.to_le_bytes() {
        return Err(Ignored::OtherInputs);
    }
    Ok(u64::from_le_bytes(
        header[HEADER - 8..HEADER].try_into().unwrap_or_default(),
    ))
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
    /// another format: the table is ignored, with the reason. A header
    /// that names another binary or other inputs is not read further, so
    /// a byte changed there reads as that.
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
            let expected = match i {
                20..52 => matches!(read, Err(Ignored::OtherBinary)),
                52..68 => matches!(read, Err(Ignored::OtherInputs)),
                _ => matches!(read, Err(Ignored::Corrupt | Ignored::Foreign)),
            };
            assert!(expected, "byte {i}: {read:?}");
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

    /// A value encoded as it is written reads back as postcard encodes it
    /// whole.
    #[test]
    fn a_table_encoded_as_it_is_written_reads_back() {
        let (_dir, table) = table();
        let inputs = fingerprint(b"catalog");
        let rows: Vec<(String, Vec<u8>)> = (0..5000)
            .map(|i| (format!("runbooks/r-{i}.yaml"), vec![i as u8; i % 97]))
            .collect();
        table.write_encoded(inputs, &rows).expect("write");
        let read = table.read(inputs).expect("read");
        assert_eq!(read, postcard::to_stdvec(&rows).expect("encode"));
        let back: Vec<(String, Vec<u8>)> = table.read_decoded(inputs).expect("decode");
        assert_eq!(back, rows);
    }

    #[test]
    fn fingerprint_parts_are_framed() {
        let a = Fingerprinter::new().str("ab").str("c").finish();
        let b = Fingerprinter::new().str("a").str("bc").finish();
        assert_ne!(a, b);
    }
}
