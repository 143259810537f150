//! The commands a probe runs (the installers, the client's script): their
//! output drained as it comes (a full pipe would stall them), and bounded:
//! the start of what they print, the end of their errors.

use std::io::Read as _;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::error::ProbeError;

/// Bytes of each stream kept: standard output's first, error output's last.
const KEEP: usize = 64 << 10;

/// Bytes of error output an error message shows, from its end.
const SHOWN: usize = 2000;

/// How a command ended.
pub(super) struct Finished {
    /// `None`: stopped when it ran out of time.
    pub status: Option<ExitStatus>,
    /// The start of what it printed.
    pub stdout: Vec<u8>,
    /// The end of its error output, escaped.
    pub stderr: String,
}

/// Runs `command` (no input) to its end, or until `limit` when one is
/// given, when it is stopped.
pub(super) fn run(command: &mut Command, limit: Option<Duration>) -> Result<Finished, ProbeError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let spawn_error = |source| ProbeError::Spawn {
        program: program.clone(),
        source,
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdout = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let _ = out.by_ref().take(KEEP as u64).read_to_end(&mut kept);
            let _ = std::io::copy(&mut out, &mut std::io::sink());
            kept
        })
    });
    let stderr = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * KEEP {
                    kept.drain(..kept.len() - KEEP);
                }
            }
            kept
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(spawn_error)? {
            Some(status) => break Some(status),
            None if limit.is_some_and(|limit| started.elapsed() > limit) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let joined = |t: Option<std::thread::JoinHandle<Vec<u8>>>| {
        t.and_then(|t| t.join().ok()).unwrap_or_default()
    };
    let stdout = joined(stdout);
    let stderr = joined(stderr);
    let shown = String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(SHOWN)..]);
    Ok(Finished {
        status,
        stdout,
        stderr: crate::diagnostic::visible(shown.trim()).into_owned(),
    })
}

/// Runs `command` to its end: what it printed, or an error with the end
/// of its error output when it failed.
pub(super) fn checked(command: &mut Command) -> Result<Vec<u8>, ProbeError> {
    let finished = run(command, None)?;
    match finished.status {
        Some(status) if status.success() => Ok(finished.stdout),
        status => Err(ProbeError::Install {
            command: command.get_program().to_string_lossy().into_owned(),
            status: status.map_or_else(|| "stopped".into(), |s| s.to_string()),
            output: finished.stderr,
        }),
    }
}
