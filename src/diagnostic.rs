//! Diagnostics: what went wrong, where, and what to do about it, rendered
//! for people (rustc-style snippets), for programs (JSON) and for GitHub
//! Actions (workflow commands).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

/// A place in a source file: 1-based line and character column, plus the
/// byte range used to draw the caret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub start: usize,
    pub len: usize,
}

impl Span {
    pub fn new(line: u32, column: u32, start: usize, len: usize) -> Self {
        Span {
            line,
            column,
            start,
            len,
        }
    }

    /// The span of `text[start..start + len]`, with its line and column.
    pub fn at(text: &str, start: usize, len: usize) -> Self {
        let before = &text[..start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span::new(clamp(line), clamp(column), start, len)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, kebab-case name for the kind of problem (for tooling).
    pub code: &'static str,
    pub message: String,
    /// Path of the source file as the user knows it (relative to the working
    /// directory when possible).
    pub file: Option<PathBuf>,
    pub span: Option<Span>,
    /// Short text under the caret.
    pub label: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file: None,
            span: None,
            label: None,
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>, span: Option<Span>) -> Self {
        self.file = Some(file.into());
        self.span = span;
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Orders diagnostics by file, then position, then message: the report
    /// reads top to bottom whatever order the checks ran in.
    fn sort_key(&self) -> (Option<&Path>, u32, u32, Severity, &str) {
        let (line, column) = self.span.map_or((0, 0), |s| (s.line, s.column));
        (
            self.file.as_deref(),
            line,
            column,
            self.severity,
            &self.message,
        )
    }
}

/// Sorts and de-duplicates diagnostics.
pub fn normalize(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// Counts by severity.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// The source texts the snippets are cut from, by file path.
pub type Sources = BTreeMap<PathBuf, std::sync::Arc<str>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style messages with the source line and a caret
    Human,
    /// one JSON document with every diagnostic
    Json,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
}

/// Renders diagnostics in the chosen format. `styled` adds ANSI colour
/// (human format only).
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    format: Format,
    styled: bool,
) -> String {
    match format {
        Format::Human => render_human(diagnostics, sources, styled),
        Format::Json => render_json(diagnostics),
        Format::Github => render_github(diagnostics),
    }
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn render_human(diagnostics: &[Diagnostic], sources: &Sources, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.code);
        let path = d.file.as_deref().map(display_path);
        let source = d.file.as_ref().and_then(|f| sources.get(f));
        let mut group = match (&path, source, d.span) {
            (Some(path), Some(text), Some(span)) => {
                let (line_start, snippet, range) = excerpt(text, span);
                let mut annotation = AnnotationKind::Primary.span(range);
                if let Some(label) = &d.label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(
                    Snippet::source(snippet)
                        .line_start(line_start)
                        .path(path.as_str())
                        .annotation(annotation),
                )
            }
            (Some(path), _, span) => {
                let origin = match span {
                    Some(s) => format!("{path}:{}:{}", s.line, s.column),
                    None => path.clone(),
                };
                title.element(annotate_snippets::Origin::path(origin))
            }
            _ => Group::with_title(title),
        };
        if let Some(hint) = &d.hint {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    let (errors, warnings) = counts(diagnostics);
    if errors + warnings > 0 {
        let _ = writeln!(out, "{}", summary_line(errors, warnings));
    }
    out
}

/// Rows shown in a Markdown summary; the rest are counted.
const SUMMARY_ROWS: usize = 200;

/// A Markdown report of a check for a CI job summary: the counts, then one
/// table row per diagnostic (text escaped for a GFM table cell).
pub fn summary_markdown(diagnostics: &[Diagnostic], files: usize, runbooks: usize) -> String {
    use crate::render::markdown::{self, Place};
    let (errors, warnings) = counts(diagnostics);
    let mut out = String::from("## gtdocs check\n\n");
    let _ = writeln!(
        out,
        "{files} files checked, {runbooks} runbooks valid: {}.",
        summary_line(errors, warnings)
    );
    if diagnostics.is_empty() {
        return out;
    }
    out.push_str("\n| Severity | Where | Problem |\n| --- | --- | --- |\n");
    for d in diagnostics.iter().take(SUMMARY_ROWS) {
        let severity = if d.is_error() { "error" } else { "warning" };
        let place = match (&d.file, d.span) {
            (Some(file), Some(span)) => {
                format!("{}:{}:{}", display_path(file), span.line, span.column)
            }
            (Some(file), None) => display_path(file),
            (None, _) => String::new(),
        };
        let mut problem = markdown::inline(&d.message, Place::Cell);
        if let Some(hint) = &d.hint {
            problem.push_str("<br>help: ");
            problem.push_str(&markdown::inline(hint, Place::Cell));
        }
        let _ = writeln!(
            out,
            "| {severity} | {} | {problem} |",
            if place.is_empty() {
                String::new()
            } else {
                markdown::code(&place, Place::Cell)
            }
        );
    }
    if diagnostics.len() > SUMMARY_ROWS {
        let _ = writeln!(
            out,
            "\n{} more not shown; run `gtdocs check` for all.",
            diagnostics.len() - SUMMARY_ROWS
        );
    }
    out
}

pub fn summary_line(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// The source line(s) around a span, the 1-based number of the first line,
/// and the span's byte range within that excerpt. The caret covers at least
/// one character and never runs past the first line of the span.
fn excerpt(text: &str, span: Span) -> (usize, String, std::ops::Range<usize>) {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let line_begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_begin..line_end]
        .trim_end_matches('\r')
        .to_string();
    let rel = start - line_begin;
    let mut end = rel + span.len.max(1);
    if end > line.len() {
        end = line.len().max(rel);
    }
    if end == rel {
        // Point at the end of the line (or an empty line): draw a caret on a
        // virtual column one past it.
        return (span.line as usize, format!("{line} "), rel..rel + 1);
    }
    let end = ceil_char_boundary(&line, end);
    (span.line as usize, line, rel..end)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// A diagnostic as JSON: `--format json`, and `gtdocs serve`'s status
/// (which adds the source line as `snippet`).
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
}

impl<'a> JsonDiagnostic<'a> {
    /// With `sources`, the diagnostic's source line is included.
    pub fn new(d: &'a Diagnostic, sources: Option<&Sources>) -> Self {
        let snippet = match (sources, &d.file, d.span) {
            (Some(sources), Some(file), Some(span)) => sources
                .get(file)
                .and_then(|text| text.lines().nth(span.line.saturating_sub(1) as usize))
                .map(|line| format!("{:>4} | {line}", span.line)),
            _ => None,
        };
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
        }
    }
}

fn render_json(diagnostics: &[Diagnostic]) -> String {
    let (errors, warnings) = counts(diagnostics);
    let report = JsonReport {
        errors,
        warnings,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic::new(d, None))
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// GitHub workflow commands: `::error file=F,line=L,col=C,title=T::message`.
fn render_github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(file) = &d.file {
            props.push(format!("file={}", escape_property(&display_path(file))));
        }
        if let Some(span) = d.span {
            props.push(format!("line={}", span.line));
            props.push(format!("col={}", span.column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("gtdocs {}", d.code))
        ));
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(hint);
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Escaping rules of the Actions toolkit (`@actions/core` `command.ts`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_data_and_properties() {
        let d = Diagnostic::error("unknown-field", "50% bad\nline")
            .in_file("runbooks/a,b:c.yaml", Some(Span::new(3, 7, 0, 1)));
        assert_eq!(
            render_github(&[d]),
            "::error file=runbooks/a%2Cb%3Ac.yaml,line=3,col=7,title=gtdocs unknown-field::50%25 bad%0Aline\n"
        );
    }

    #[test]
    fn excerpt_clamps_to_the_line() {
        let text = "a: 1\nbb: long\n";
        let (line, snippet, range) = excerpt(text, Span::new(2, 5, 9, 100));
        assert_eq!((line, snippet.as_str(), range), (2, "bb: long", 4..8));
    }
}
