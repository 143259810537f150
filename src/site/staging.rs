//! A build's staging folder as the place renderers put their files: each
//! file is written as soon as it is rendered.

use std::sync::Mutex;

use crate::cache::Fingerprint;
use crate::output::Staging;
use crate::render::{RenderError, Sink};

/// A unit's sink: the staging folder, noting each path put.
struct Recorder<'a> {
    inner: &'a Staging,
    paths: Mutex<Vec<String>>,
}

impl Recorder<'_> {
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
        self.inner.read_kept_file(path)
    }

    fn fragment(&self, path: &str, key: Fingerprint) -> Option<Vec<u8>> {
        self.inner.read_fragment(path, key)
    }

    /// Not a file of the unit: where fragments of a file put sit in it.
    fn put_fragments(&self, path: &str, fragments: Vec<(Fingerprint, u64, u64)>) {
        self.inner.record_fragments(path, fragments);
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

impl Sink for Staging {
    fn as_sink(&self) -> &dyn Sink {
        self
    }

    fn read_kept(&self, path: &str) -> Option<Vec<u8>> {
        self.read_kept_file(path)
    }

    fn fragment(&self, path: &str, key: Fingerprint) -> Option<Vec<u8>> {
        self.read_fragment(path, key)
    }

    fn put_fragments(&self, path: &str, fragments: Vec<(Fingerprint, u64, u64)>) {
        self.record_fragments(path, fragments);
    }

    /// Keeps the unit's files from an earlier build when it can, or
    /// renders it and records which files it made.
    fn unit(
        &self,
        key: Option<Fingerprint>,
        render: &mut dyn FnMut(&dyn Sink) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let Some(key) = key else {
            return render(self);
        };
        if self.keep_unit(key)? {
            return Ok(());
        }
        let recorder = Recorder {
            inner: self,
            paths: Mutex::new(Vec::new()),
        };
        render(&recorder)?;
        let paths = recorder
            .paths
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.record_unit(key, paths);
        Ok(())
    }

    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        Ok(self.write(&path, &content)?)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        Ok(self.write_copies(paths, &content)?)
    }

    fn put_with(
        &self,
        paths: &[String],
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut copies = self.create_copies(paths)?;
        write(&mut copies)?;
        copies.finish().map_err(|source| RenderError::Write {
            path: paths.join(", "),
            source,
        })
    }
}
