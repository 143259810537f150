//! What commands tell: diagnostics, status lines and errors on the
//! terminal, the exit code of a check, and CI job summaries.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::exit;
use crate::diagnostic::{self, Diagnostic, Format, Sources};

/// What a command needs to report.
pub(super) struct Reporter {
    pub(super) verbose: u8,
    /// `--quiet`: problems only.
    pub(super) quiet: bool,
}

impl Reporter {
    /// Prints diagnostics in the chosen format: for people on stderr; the
    /// machine formats (JSON, GitHub workflow commands) on stdout.
    pub(super) fn diagnostics(
        &self,
        diagnostics: &[Diagnostic],
        sources: &Sources,
        format: Format,
    ) {
        // A person sees the findings accepted on purpose with `-v`; without,
        // only their count (the line the report ends with). Programs get all.
        let shown: Vec<Diagnostic>;
        let all = diagnostics;
        let diagnostics = if !self.shows_accepted(format) {
            shown = diagnostics
                .iter()
                .filter(|d| d.accepted.is_none())
                .cloned()
                .collect();
            &shown[..]
        } else {
            diagnostics
        };
        if diagnostics.is_empty() && format != Format::Json {
            return;
        }
        let mut text = diagnostic::render(diagnostics, sources, format, true);
        let hidden = diagnostic::accepted(all) - diagnostic::accepted(diagnostics);
        if hidden > 0 {
            text.push_str(&diagnostic::accepted_line(hidden));
            text.push_str(", listed with `-v`\n");
        }
        if matches!(format, Format::Json | Format::Github) {
            let _ = std::io::stdout().write_all(text.as_bytes());
        } else {
            let _ = anstream::stderr().write_all(text.as_bytes());
        }
    }

    /// Whether the findings accepted on purpose are printed in `format`.
    pub(super) fn shows_accepted(&self, format: Format) -> bool {
        format != Format::Human || self.verbose > 0
    }

    /// A status line, shown with `-v`.
    pub(super) fn info(&self, message: impl AsRef<str>) {
        if self.verbose > 0 {
            note(message);
        }
    }

    /// The one line a command ends with, as cargo's `Finished`: shown
    /// unless `--quiet`.
    pub(super) fn status(&self, message: impl AsRef<str>) {
        if !self.quiet {
            note(message);
        }
    }

    /// An error that stops the command (usage or I/O).
    pub(super) fn fatal(&self, message: impl std::fmt::Display, hint: Option<&str>) -> ExitCode {
        error(message, hint);
        ExitCode::from(exit::USAGE_OR_IO)
    }
}

/// A line on stderr. Its text may quote a source, a manifest or a remote
/// (untrusted), so what no terminal may show raw is escaped, here, where
/// it is printed.
pub(super) fn note(message: impl AsRef<str>) {
    let _ = writeln!(
        anstream::stderr(),
        "{}",
        diagnostic::visible(message.as_ref())
    );
}

/// An `error: ...` line on stderr, with a hint, escaped as [`note`] is.
pub(super) fn error(message: impl std::fmt::Display, hint: Option<&str>) {
    let style = anstyle::AnsiColor::BrightRed.on_default().bold();
    let mut err = anstream::stderr();
    let message = message.to_string();
    let message = diagnostic::visible(&message);
    let _ = writeln!(err, "{style}error{style:#}: {message}");
    if let Some(hint) = hint {
        let help = anstyle::AnsiColor::BrightCyan.on_default().bold();
        let hint = diagnostic::visible(hint);
        let _ = writeln!(err, "  {help}help{help:#}: {hint}");
    }
}

/// The exit code for a set of diagnostics.
pub(super) fn verdict(diagnostics: &[Diagnostic], deny_warnings: bool) -> u8 {
    let (errors, warnings) = diagnostic::counts(diagnostics);
    if errors > 0 || (deny_warnings && warnings > 0) {
        exit::INVALID
    } else {
        exit::OK
    }
}

/// Appends a Markdown report to a file (a CI job summary is shared by
/// every step, so it is never truncated).
pub(super) fn append_summary(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    if !text.ends_with("\n\n") {
        file.write_all(b"\n")?;
    }
    Ok(())
}

/// A duration as a status line shows it: `0.93s`, `12.4s`, `2m 05s`.
pub(super) fn seconds(elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.2}s")
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = elapsed.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    }
}
