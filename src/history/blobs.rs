//! Blobs read through one long-running `git cat-file --batch`, each asked
//! for once: a digest is parsed from it once and kept by object id.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::Arc;

use super::digest::{CatalogDigest, RunbookDigest};
use super::error::HistoryError;
use crate::git::Git;

/// Most digests kept beyond what one prefetch asks for: a revert to a
/// blob seen long ago parses it again, and memory stays bounded.
const MAX_CACHED: usize = 4_096;
/// Runbook texts held at once while a batch is parsed.
const PARSE_BATCH: usize = 512;
/// Requests written to `git cat-file` before its answers are read: 60
/// object ids (at most 65 bytes each) stay under 4 KiB, one page, the
/// least buffer Linux gives a pipe (past `pipe-user-pages-soft`).
const PIPELINED: usize = 60;

pub(super) struct Blobs {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
    runbooks: HashMap<String, Option<Arc<RunbookDigest>>>,
    /// The digests of the work tree's runbooks, from the validated book
    /// (never cleared: the book holds as much).
    known: HashMap<String, Arc<RunbookDigest>>,
    catalogs: HashMap<String, Option<Arc<CatalogDigest>>>,
    /// Blobs read, for the budget's figures.
    pub(super) read: usize,
    /// The most runbooks one prefetch asked for: the cache holds them all.
    prefetched: usize,
}

impl Blobs {
    /// `known`: digests the caller already has, by blob id; those blobs
    /// are never read.
    pub(super) fn start(
        git: &Git,
        known: HashMap<String, Arc<RunbookDigest>>,
    ) -> Result<Self, HistoryError> {
        let mut child = git.spawn_piped(&["cat-file", "--batch"])?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(HistoryError::Batch("no pipe to git".into()));
        };
        Ok(Blobs {
            child,
            input: Some(input),
            output: BufReader::new(output),
            runbooks: HashMap::new(),
            known,
            catalogs: HashMap::new(),
            read: 0,
            prefetched: 0,
        })
    }

    /// The runbook in `blob`, `None` when it does not parse.
    pub(super) fn runbook(
        &mut self,
        blob: &str,
    ) -> Result<Option<Arc<RunbookDigest>>, HistoryError> {
        if let Some(d) = self.known.get(blob) {
            return Ok(Some(Arc::clone(d)));
        }
        if let Some(d) = self.runbooks.get(blob) {
            return Ok(d.clone());
        }
        let digest = self
            .text(blob)?
            .and_then(|t| RunbookDigest::parse(&t))
            .map(Arc::new);
        if self.runbooks.len() >= MAX_CACHED.max(self.prefetched) {
            self.runbooks.clear();
        }
        self.runbooks.insert(blob.to_owned(), digest.clone());
        Ok(digest)
    }

    /// Reads the runbooks in `blobs` not read yet, a batch at a time, and
    /// parses each batch on every core: a commit that adds thousands of
    /// runbooks (a tree's first) costs what one core's share does.
    pub(super) fn prefetch_runbooks(&mut self, blobs: &[&str]) -> Result<(), HistoryError> {
        use rayon::prelude::*;
        let mut wanted: Vec<&str> = blobs
            .iter()
            .copied()
            .filter(|b| !self.known.contains_key(*b) && !self.runbooks.contains_key(*b))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.len() < 2 {
            return Ok(());
        }
        // Room for the whole commit at once: its runbooks are asked for
        // next, one by one.
        if self.runbooks.len() + wanted.len() > MAX_CACHED {
            self.runbooks.clear();
        }
        self.prefetched = self.prefetched.max(wanted.len());
        for batch in wanted.chunks(PARSE_BATCH) {
            let texts: Vec<(&str, Option<String>)> =
                batch.iter().copied().zip(self.texts(batch)?).collect();
            let parsed: Vec<(String, Option<Arc<RunbookDigest>>)> = texts
                .into_par_iter()
                .map(|(blob, text)| {
                    let digest = text.and_then(|t| RunbookDigest::parse(&t)).map(Arc::new);
                    (blob.to_owned(), digest)
                })
                .collect();
            self.runbooks.extend(parsed);
        }
        Ok(())
    }

    /// The catalog in `blob`, `None` when it does not parse.
    pub(super) fn catalog(
        &mut self,
        blob: &str,
    ) -> Result<Option<Arc<CatalogDigest>>, HistoryError> {
        if let Some(d) = self.catalogs.get(blob) {
            return Ok(d.clone());
        }
        let digest = self
            .text(blob)?
            .and_then(|t| CatalogDigest::parse(&t))
            .map(Arc::new);
        if self.catalogs.len() >= MAX_CACHED {
            self.catalogs.clear();
        }
        self.catalogs.insert(blob.to_owned(), digest.clone());
        Ok(digest)
    }

    /// A blob's text; `None` when it is larger than the loader reads, or
    /// not UTF-8 (the loader refuses both).
    fn text(&mut self, blob: &str) -> Result<Option<String>, HistoryError> {
        self.ask(&[blob])?;
        self.answer()
    }

    /// The texts of `blobs`, in order: the requests written at once, then
    /// the answers read, one round trip for them all. At most
    /// [`PIPELINED`] at a time: the requests then fit in the pipe's buffer
    /// whatever git has written back meanwhile, so neither side waits for
    /// the other.
    fn texts(&mut self, blobs: &[&str]) -> Result<Vec<Option<String>>, HistoryError> {
        let mut texts = Vec::with_capacity(blobs.len());
        for chunk in blobs.chunks(PIPELINED) {
            self.ask(chunk)?;
            for _ in chunk {
                texts.push(self.answer()?);
            }
        }
        Ok(texts)
    }

    fn ask(&mut self, blobs: &[&str]) -> Result<(), HistoryError> {
        let input = self
            .input
            .as_mut()
            .ok_or_else(|| HistoryError::Batch("closed".into()))?;
        let mut requests = Vec::with_capacity(blobs.len() * 66);
        for blob in blobs {
            if blob.is_empty() || !blob.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(HistoryError::Batch(format!("not an object id: `{blob}`")));
            }
            requests.extend_from_slice(blob.as_bytes());
            requests.push(b'\n');
        }
        input.write_all(&requests)?;
        input.flush()?;
        Ok(())
    }

    /// The next answer: a blob's text; `None` when it is larger than the
    /// loader reads, or not UTF-8 (the loader refuses both).
    fn answer(&mut self) -> Result<Option<String>, HistoryError> {
        let mut head = String::new();
        self.output.read_line(&mut head)?;
        // `<id> blob <size>`, or `<id> missing`.
        let mut parts = head.split_whitespace();
        let (Some(_), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(HistoryError::Batch(format!("`{}`", head.trim_end())));
        };
        let size: u64 = size
            .parse()
            .map_err(|_| HistoryError::Batch(format!("`{}`", head.trim_end())))?;
        self.read += 1;
        let wanted = kind == "blob" && size <= crate::load::MAX_SOURCE_BYTES;
        let mut bytes = Vec::new();
        let got = if wanted {
            (&mut self.output).take(size).read_to_end(&mut bytes)? as u64
        } else {
            // Passed over, never held.
            std::io::copy(&mut (&mut self.output).take(size), &mut std::io::sink())?
        };
        let mut newline = [0u8; 1];
        self.output.read_exact(&mut newline)?;
        if got != size {
            return Err(HistoryError::Batch("a blob cut short".into()));
        }
        Ok(if wanted {
            String::from_utf8(bytes).ok()
        } else {
            None
        })
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        // Closing its input ends `git cat-file`.
        drop(self.input.take());
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}
