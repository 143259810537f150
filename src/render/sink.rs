//! Where renderers put their files.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::context::RenderError;

/// A writer that counts the bytes written through it: where each
/// fragment of a file put piece by piece starts ([`Sink::put_fragments`]).
pub(super) struct Counting<'a> {
    pub(super) inner: &'a mut dyn std::io::Write,
    pub(super) written: u64,
}

impl std::io::Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The sink a unit renders into ([`Sink::unit`]): `inner`, noting the path
/// of each file put, for the sink that keeps the unit to know its files.
pub struct Recorder<'a> {
    inner: &'a dyn Sink,
    paths: std::sync::Mutex<Vec<String>>,
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn Sink) -> Self {
        Recorder {
            inner,
            paths: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The paths put, in the order they were put.
    pub fn into_paths(self) -> Vec<String> {
        self.paths
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note(&self, paths: &[String]) {
        self.paths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(paths);
    }
}

impl Sink for Recorder<'_> {
    fn as_sink(&self) -> &dyn Sink {
        self
    }

    fn read_kept(&self, path: &str) -> Option<Vec<u8>> {
        self.inner.read_kept(path)
    }

    fn knows_unit(&self, key: crate::cache::Fingerprint) -> bool {
        self.inner.knows_unit(key)
    }

    fn fragment(&self, path: &str, key: crate::cache::Fingerprint) -> Option<Vec<u8>> {
        self.inner.fragment(path, key)
    }

    fn derived_key(&self, from: crate::cache::Fingerprint) -> Option<crate::cache::Fingerprint> {
        self.inner.derived_key(from)
    }

    fn derive_key(&self, from: crate::cache::Fingerprint, to: crate::cache::Fingerprint) {
        self.inner.derive_key(from, to);
    }

    /// Not a file of the unit: where fragments of a file put sit in it.
    fn put_fragments(&self, path: &str, fragments: Vec<(crate::cache::Fingerprint, u64, u64)>) {
        self.inner.put_fragments(path, fragments);
    }

    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        self.note(std::slice::from_ref(&path));
        self.inner.put(path, content)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        self.note(paths);
        self.inner.put_copies(paths, content)
    }

    fn put_with(
        &self,
        paths: &[String],
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        self.note(paths);
        self.inner.put_with(paths, write)
    }
}

/// The rendered site in memory: relative path (with `/`) → file content,
/// in path order. A file put at several paths is held once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    files: BTreeMap<String, Arc<[u8]>>,
}

impl Output {
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, c)| (p.as_str(), &**c))
    }

    /// The files, each content shared rather than copied.
    pub fn shared_files(&self) -> impl Iterator<Item = (&str, &Arc<[u8]>)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c))
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|c| &**c)
    }

    /// A file's content, shared rather than copied.
    pub fn get_shared(&self, path: &str) -> Option<&Arc<[u8]>> {
        self.files.get(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub(super) fn insert(
        &mut self,
        paths: &[String],
        content: Arc<[u8]>,
    ) -> Result<(), RenderError> {
        if let Some(taken) = paths.iter().find(|p| self.files.contains_key(*p)) {
            return Err(RenderError::Duplicate(taken.clone()));
        }
        for path in paths {
            self.files.insert(path.clone(), Arc::clone(&content));
        }
        Ok(())
    }
}

/// Where renderers put their files: an in-memory [`Output`] (the preview,
/// tests) or the staging folder of a build ([`crate::output::Staging`]),
/// which writes each file as soon as it is rendered. Renderers put from
/// many threads at once; the order of puts never matters.
pub trait Sink: Sync {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError>;

    /// Puts the same file at each of `paths` (the JSON, also inside the
    /// HTML site). By default, a copy for each path.
    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        if let Some((last, others)) = paths.split_last() {
            for path in others {
                self.put(path.clone(), content.clone())?;
            }
            self.put(last.clone(), content)?;
        }
        Ok(())
    }

    /// Puts a file written piece by piece by `write`, once, at each of
    /// `paths`: for a file too large to hold whole (the manifest of a
    /// large site). By default the pieces are gathered and put.
    fn put_with(
        &self,
        paths: &[String],
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut content = Vec::new();
        write(&mut content)?;
        self.put_copies(paths, content)
    }

    /// Puts the files of one unit of the site (a runbook's page, a part
    /// of the search index) that `render` renders into the sink it is
    /// given. A sink that kept the files this unit made in an earlier
    /// build from the same inputs (`key`, see [`super::Keys`]) keeps them
    /// and does not call `render`. By default, and with no key, `render`
    /// always runs.
    fn unit(
        &self,
        key: Option<crate::cache::Fingerprint>,
        render: &mut dyn FnMut(&dyn Sink) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let _ = key;
        render(self.as_sink())
    }

    /// The key an earlier build derived from key `from` (see
    /// [`Sink::derive_key`]); `None` when none did. By default, none.
    fn derived_key(&self, from: crate::cache::Fingerprint) -> Option<crate::cache::Fingerprint> {
        let _ = from;
        None
    }

    /// Records that key `from` derives key `to`: a unit keyed by what it
    /// shows (`to`, a search part's records), which takes work to make,
    /// from a key of what that is made from (`from`, the runbooks and
    /// what every page shares), which is quick to make but changes more
    /// often (a catalog edit changes it for every part, most of whose
    /// records stay the same). Both are fingerprints of the unit's inputs
    /// made by this binary: one always derives the same other. By
    /// default, nothing is recorded.
    fn derive_key(&self, from: crate::cache::Fingerprint, to: crate::cache::Fingerprint) {
        let _ = (from, to);
    }

    /// Whether an earlier build made unit `key`, as a hint of what
    /// [`Sink::unit`] will keep (it checks the files too): work that must
    /// be done can go first. By default, no.
    fn knows_unit(&self, key: crate::cache::Fingerprint) -> bool {
        let _ = key;
        false
    }

    /// The bytes of file `path` of a unit [`Sink::unit`] kept from an
    /// earlier build, for an output that holds them too (the full text
    /// holds every twin). `None` when it was not kept.
    fn read_kept(&self, path: &str) -> Option<Vec<u8>> {
        let _ = path;
        None
    }

    /// The bytes fragment `key` had in file `path` of the output an
    /// earlier build wrote (see [`Sink::put_fragments`]), if that file is
    /// still as written. By default, none.
    fn fragment(&self, path: &str, key: crate::cache::Fingerprint) -> Option<Vec<u8>> {
        let _ = (path, key);
        None
    }

    /// Records where fragments of file `path`, just put, sit in it
    /// (key, offset, length), for the next build to read back with
    /// [`Sink::fragment`] instead of making them again.
    fn put_fragments(&self, path: &str, fragments: Vec<(crate::cache::Fingerprint, u64, u64)>) {
        let _ = (path, fragments);
    }

    /// `self` as a trait object.
    fn as_sink(&self) -> &dyn Sink;
}

impl Sink for std::sync::Mutex<Output> {
    fn as_sink(&self) -> &dyn Sink {
        self
    }

    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        self.put_copies(&[path], content)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        self.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(paths, content.into())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A file put at several paths is held once in memory, whether put
    /// whole or piece by piece; a path already taken is refused, and then
    /// nothing is put.
    #[test]
    fn copies_in_memory_share_one_content() {
        let sink = Mutex::new(Output::default());
        let paths = ["json/a.json".to_string(), "html/json/a.json".to_string()];
        sink.put_copies(&paths, b"{}".to_vec()).expect("put");
        let streamed = ["json/b.json".to_string(), "html/json/b.json".to_string()];
        sink.put_with(&streamed, &mut |w| {
            w.write_all(b"[")
                .and_then(|()| w.write_all(b"]"))
                .map_err(|source| RenderError::Write {
                    path: "b".into(),
                    source,
                })
        })
        .expect("put_with");
        let again = ["json/c.json".to_string(), "json/a.json".to_string()];
        assert!(matches!(
            sink.put_copies(&again, Vec::new()),
            Err(RenderError::Duplicate(p)) if p == "json/a.json"
        ));
        let out = sink.into_inner().expect("lock");
        let shared: std::collections::HashMap<&str, &Arc<[u8]>> = out.shared_files().collect();
        assert_eq!(shared.len(), 4, "{:?}", shared.keys());
        assert!(Arc::ptr_eq(
            shared["json/a.json"],
            shared["html/json/a.json"]
        ));
        assert!(Arc::ptr_eq(
            shared["json/b.json"],
            shared["html/json/b.json"]
        ));
        assert_eq!(out.get("html/json/b.json"), Some(&b"[]"[..]));
    }
}
