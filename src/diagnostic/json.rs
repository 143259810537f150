//! Diagnostics for programs: one JSON document with every diagnostic, and
//! the JSON of one diagnostic that `gtdocs serve`'s status carries.

use std::fmt::Write as _;

use serde::Serialize;

use super::model::{Diagnostic, Omitted, Severity, Sources, accepted, counts};
use super::snippet::Snippets;
use super::text::{display_path, is_unprintable};

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    /// Findings accepted on purpose, listed and not counted above.
    accepted: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// A diagnostic as JSON: `--format json`, and `gtdocs serve`'s status
/// (which adds a window of the source line as `snippet`).
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<String>,
    /// The reason of a finding accepted on purpose (`allow`).
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted: Option<&'a str>,
    /// On the diagnostic that counts a file's unlisted ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<&'a Omitted>,
}

impl<'a> JsonDiagnostic<'a> {
    /// Without a snippet, as `--format json` prints it.
    pub fn new(d: &'a Diagnostic) -> Self {
        Self::with_snippet(d, None)
    }

    /// Each of `diagnostics` with a window of its source line (the secrets
    /// of any of them hidden in all).
    pub fn with_snippets(
        diagnostics: &'a [Diagnostic],
        sources: &'a Sources,
    ) -> impl Iterator<Item = Self> {
        let snippets = Snippets::new(sources, diagnostics);
        diagnostics
            .iter()
            .map(move |d| Self::with_snippet(d, Some(&snippets)))
    }

    fn with_snippet(d: &'a Diagnostic, snippets: Option<&Snippets>) -> Self {
        let snippet = snippets
            .and_then(|s| s.excerpt(d))
            .map(|(excerpt, span)| format!("{:>4} | {}", span.line, excerpt.text.trim_end()));
        JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            file: d.file.as_deref().map(display_path),
            line: d.span.map(|s| s.line),
            column: d.span.map(|s| s.column),
            message: &d.message,
            label: d.label.as_deref(),
            hint: d.hint.as_deref(),
            snippet,
            accepted: d.accepted.as_deref(),
            omitted: d.omitted.as_ref(),
        }
    }
}

pub(super) fn render_json(diagnostics: &[Diagnostic]) -> String {
    let (errors, warnings) = counts(diagnostics);
    let report = JsonReport {
        errors,
        warnings,
        accepted: accepted(diagnostics),
        diagnostics: diagnostics.iter().map(JsonDiagnostic::new).collect(),
    };
    let s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let mut out = json_escape_unprintable(&s);
    out.push('\n');
    out
}

/// JSON text with the unprintable characters serde leaves raw (DEL, C1,
/// bidirectional and invisible format characters) written as `\uXXXX`
/// escapes: the values stay exact, and the text is safe on a terminal.
/// Such characters only occur inside strings (serde writes the structure
/// with spaces and line breaks, and escapes the C0 controls). One beyond
/// the Basic Multilingual Plane is written as its UTF-16 surrogate pair,
/// as JSON requires.
pub fn json_escape_unprintable(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unprintable(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON escapes of unprintable characters decode to the same value,
    /// beyond the Basic Multilingual Plane too (a surrogate pair).
    #[test]
    fn json_escapes_keep_the_value() {
        let value = "a\u{1b}\u{202e}\u{2028}\u{E0001}b";
        let json = json_escape_unprintable(&serde_json::to_string(value).unwrap_or_default());
        assert_eq!(json, r#""a\u001b\u202e\u2028\udb40\udc01b""#);
        let back: String = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, value);
    }
}
