//! A build's staging folder as the place renderers put their files: each
//! file is written as soon as it is rendered.

use crate::output::Staging;
use crate::render::{RenderError, Sink};

impl Sink for Staging {
    fn put(&self, path: String, content: Vec<u8>) -> Result<(), RenderError> {
        Ok(self.write(&path, &content)?)
    }

    fn put_copies(&self, paths: &[String], content: Vec<u8>) -> Result<(), RenderError> {
        for path in paths {
            self.write(path, &content)?;
        }
        Ok(())
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
