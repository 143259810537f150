//! Reading one path of a docs tree: never out of it through a symbolic
//! link, only a regular file, at most so many bytes, UTF-8.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::tree::MAX_SOURCE_BYTES;
use crate::diagnostic::{Diagnostic, Span};

/// `runbooks/x.yaml` under the root as the user named it (`./` left out).
pub fn display_path(root: &Path, rel: &Path) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Why a path of the tree was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// `link` (relative to the root) is a symbolic link to `target`, which
    /// is outside the tree or missing.
    Outside {
        link: PathBuf,
        target: PathBuf,
    },
    /// A folder, a FIFO, a socket or a device: what it is.
    NotRegular(&'static str),
    /// Larger than this many bytes.
    TooLarge(u64),
    Io(std::io::Error),
}

impl ReadError {
    /// The problem as a diagnostic in file `shown`; `what` names the kind
    /// of path read ("file", "theme file", "folder").
    pub(crate) fn diagnostic(&self, root: &Path, shown: &Path, what: &str) -> Diagnostic {
        let d = match self {
            ReadError::Outside { link, target } => {
                let link = display_path(root, link);
                Diagnostic::error(
                    "unsafe-link",
                    format!(
                        "`{}` is a symbolic link to `{}`, outside the docs tree (or to nothing)",
                        link.display(),
                        target.display()
                    ),
                )
                .with_hint(if link == shown {
                    format!("copy the {what} into the tree, or link to one inside it")
                } else {
                    format!(
                        "copy `{}` into the tree, or link to a place inside it",
                        link.display()
                    )
                })
            }
            ReadError::NotRegular(kind) => Diagnostic::error(
                "not-a-file",
                format!("`{}` is {kind}, not a regular file", shown.display()),
            )
            .with_hint("gtdocs reads only regular files: replace it with one, or remove it"),
            ReadError::TooLarge(max) => Diagnostic::error(
                "file-too-large",
                format!("{what} is larger than {max} bytes"),
            ),
            ReadError::Io(e) => Diagnostic::error("io", format!("cannot read {what}: {e}")),
        };
        d.in_file(shown, None)
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Where `rel` (relative to the root) leads, when that is inside the tree:
/// the one check of every path gtdocs reads from a docs tree (the config,
/// the source folders, every runbook and theme file), so a symbolic link
/// anywhere on the way (the file, or a folder above it) may lead elsewhere
/// in the tree but never out of it. A link to nothing is refused too.
pub(crate) fn resolve_inside(root: &Path, rel: &Path) -> Result<PathBuf, ReadError> {
    // Plain names with no link among them are inside by construction: one
    // `lstat` a component, the common case.
    let mut linked = !rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let mut prefix = root.to_path_buf();
    for part in rel.components() {
        if linked {
            break;
        }
        prefix.push(part);
        linked = std::fs::symlink_metadata(&prefix)?.file_type().is_symlink();
    }
    if !linked {
        return Ok(root.join(rel));
    }
    let top = std::fs::canonicalize(if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    })?;
    let resolved = std::fs::canonicalize(root.join(rel));
    if let Ok(path) = &resolved
        && path.starts_with(&top)
    {
        return Ok(path.clone());
    }
    // The first link on the way that leads out (or nowhere).
    let mut prefix = PathBuf::new();
    for part in rel.components() {
        prefix.push(part);
        let at = root.join(&prefix);
        let is_link = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && !std::fs::canonicalize(&at).is_ok_and(|p| p.starts_with(&top)) {
            let target = std::fs::read_link(&at).unwrap_or_default();
            return Err(ReadError::Outside {
                link: prefix,
                target,
            });
        }
    }
    match resolved {
        Err(e) => Err(ReadError::Io(e)),
        // Outside with no link on the way: the tree moved while being read.
        Ok(target) => Err(ReadError::Outside {
            link: rel.to_path_buf(),
            target,
        }),
    }
}

/// The file at `rel` (relative to the root), read when it is inside the
/// tree ([`resolve_inside`]), a regular file ([`read_regular`]) and at most
/// `max` bytes.
pub(crate) fn read_inside(root: &Path, rel: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    read_regular(&resolve_inside(root, rel)?, max).map(|(bytes, _)| bytes)
}

/// [`read_inside`], with the file's [`Stamp`] as it was read.
pub(crate) fn read_inside_stamped(
    root: &Path,
    rel: &Path,
    max: u64,
) -> Result<(Vec<u8>, Option<Stamp>), ReadError> {
    let (bytes, meta) = read_regular(&resolve_inside(root, rel)?, max)?;
    Ok((bytes, Stamp::of(&meta)))
}

/// How a file was on disk when it was read: its device and inode, size,
/// modification time and change time. The change time moves with every
/// write to the file and every change of the rest, and no program sets
/// it: a file whose stamp is the one it had when it was read holds the
/// bytes read then, unless it was written again within the clock's tick
/// of the read (see [`Stamp::settled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Elsewhere there is no change time: no file is known unchanged.
    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<Self> {
        None
    }

    /// The stamp of file `rel` of the tree now, when it is a regular file
    /// (not a link, which is read through [`resolve_inside`] each time).
    pub fn now(root: &Path, rel: &Path) -> Option<Self> {
        let meta = std::fs::symlink_metadata(root.join(rel)).ok()?;
        if meta.is_file() {
            Self::of(&meta)
        } else {
            None
        }
    }

    /// Whether the file was last changed [`SETTLED`] or more before
    /// `now`: only then can its stamp say it is unchanged. A file changed
    /// within a tick of its file system's clock of its read may be written
    /// again with the same times: the tick of the kernel's file times is a
    /// few milliseconds, and FAT keeps times to two seconds.
    pub fn settled(&self, now: std::time::SystemTime) -> bool {
        let (secs, nanos) = self.ctime;
        let Ok(secs) = u64::try_from(secs) else {
            return false;
        };
        let changed = std::time::UNIX_EPOCH
            + std::time::Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
        now.duration_since(changed).is_ok_and(|age| age >= SETTLED)
    }
}

/// How long after its last change a file's stamp counts: see
/// [`Stamp::settled`].
pub const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// A source file's text as the loader reads it (boundary, size limit,
/// encoding checks), or `None` when it cannot be read as one.
pub(crate) fn read_text(root: &Path, rel: &Path) -> Option<String> {
    let bytes = read_inside(root, rel, MAX_SOURCE_BYTES).ok()?;
    decode(&bytes).ok()
}

/// The text of a source file's bytes as [`read_text`] reads it, or `None`
/// when they are no text.
pub(crate) fn text_of(bytes: &[u8]) -> Option<String> {
    decode(bytes).ok()
}

/// Reads a regular file of at most `max` bytes; reads at most one byte
/// past the limit whatever the metadata says. Anything else (a FIFO, a
/// socket, a device, a folder) is refused before it is read: opening a
/// FIFO for reading waits for a writer, forever.
fn read_regular(path: &Path, max: u64) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the file be swapped for a FIFO after the check, the open
    // returns at once, and the handle's own metadata refuses it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta.file_type())));
    }
    // Room for the file as its metadata says, and one byte more: the read
    // that finds its end then has room, and the file is read in two calls.
    let expected = usize::try_from(meta.len().min(max)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok((bytes, meta))
}

/// What a path that is not a regular file is, for messages.
pub(super) fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_file() {
        "a file"
    } else {
        "not a file"
    }
}

/// UTF-8 with an optional BOM; anything else is an error at the first bad byte.
/// A lone CR (old Mac line ends) becomes LF: YAML reads it as a line break,
/// and so must every line count after the parser (the "only comments"
/// check, spans, snippets). Byte offsets are unchanged.
pub(super) fn decode(bytes: &[u8]) -> Result<String, Box<Diagnostic>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(lone_cr_to_lf(text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            let byte = bytes[e.valid_up_to()];
            Err(Box::new(
                Diagnostic::error(
                    "encoding",
                    format!("file is not valid UTF-8: invalid byte 0x{byte:02X} at line {line}, column {column}"),
                )
                .in_file(PathBuf::new(), Some(Span::new(line, column, 0, 0)))
                .with_hint("save the file as UTF-8"),
            ))
        }
    }
}

/// `text` with each CR that is not followed by LF replaced by LF.
fn lone_cr_to_lf(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    let mut bytes = text.as_bytes().to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // Only ASCII CR bytes were replaced by ASCII LF: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
