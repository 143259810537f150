//! A build's staging folder as the place renderers put their files: each
//! file is written as soon as it is rendered.

use crate::cache::Fingerprint;
use crate::output::Staging;
use crate::render::{Recorder, RenderError, Sink};

impl Sink for Staging {
    fn as_sink(&self) -> &dyn Sink {
        self
    }

    fn read_kept(&self, path: &str) -> Option<Vec<u8>> {
        self.read_kept_file(path)
    }

    fn knows_unit(&self, key: Fingerprint) -> bool {
        self.knows(key)
    }

    fn fragment(&self, path: &str, key: Fingerprint) -> Option<Vec<u8>> {
        self.read_fragment(path, key)
    }

    fn put_fragments(&self, path: &str, fragments: Vec<(Fingerprint, u64, u64)>) {
        self.record_fragments(path, fragments);
    }

    fn derived_key(&self, from: Fingerprint) -> Option<Fingerprint> {
        Staging::derived_key(self, from)
    }

    fn derive_key(&self, from: Fingerprint, to: Fingerprint) {
        Staging::derive_key(self, from, to);
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
        let recorder = Recorder::new(self);
        render(&recorder)?;
        self.record_unit(key, recorder.into_paths());
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
