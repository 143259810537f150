//! Diagnostics: what went wrong, where, and what to do about it, rendered
//! for people (rustc-style snippets), for programs (JSON) and for GitHub
//! Actions (workflow commands).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use unicode_general_category::{GeneralCategory, get_general_category};

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

    /// The span of `text[start..start + len]`, for a `start` at or after
    /// this span's: counts only the text between the two, so that many
    /// spans found in one long line cost the line once, not once each.
    pub fn then_at(self, text: &str, start: usize, len: usize) -> Self {
        let from = self.start.min(text.len());
        let Some(between) = text.get(from..start.max(from)) else {
            return Span::at(text, start, len);
        };
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let (line, column) = match between.rfind('\n') {
            None => (
                self.line,
                self.column.saturating_add(clamp(between.chars().count())),
            ),
            Some(last) => (
                self.line
                    .saturating_add(clamp(between.matches('\n').count())),
                clamp(between[last + 1..].chars().count() + 1),
            ),
        };
        Span::new(line, column, start, len)
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
    /// Set on the one diagnostic that stands for those of its file past
    /// [`MAX_PER_FILE`]: how many it stands for.
    pub omitted: Option<Omitted>,
}

/// Diagnostics of one file left out of the report, by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub errors: usize,
    pub warnings: usize,
}

impl Omitted {
    fn add(&mut self, d: &Diagnostic) {
        let (errors, warnings) = d.counted();
        self.errors += errors;
        self.warnings += warnings;
    }
}

/// The most diagnostics listed for one file; the rest are counted in one
/// last diagnostic. A generated or pasted file can hold tens of thousands
/// of the same mistake (40,000 `http://` URLs on one line): listing them
/// all takes minutes and megabytes and helps no one.
pub const MAX_PER_FILE: usize = 100;

/// The most bytes of a diagnostic's message, label or hint; a longer one
/// is cut (on a character boundary) and ends with `…`. Every text passes
/// through the constructors and builders below, so no caller can make one
/// diagnostic large: a message that quotes a value of the source or a
/// hint that lists the catalog is written once per problem.
pub const MAX_TEXT: usize = 2048;

/// `text` cut to at most [`MAX_TEXT`] bytes, `…` included.
fn capped(text: impl Into<String>) -> String {
    let mut text = text.into();
    if text.len() > MAX_TEXT {
        let cut = floor_char_boundary(&text, MAX_TEXT - CUT.len());
        text.truncate(cut);
        text.push_str(CUT);
    }
    text
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: capped(message),
            file: None,
            span: None,
            label: None,
            hint: None,
            omitted: None,
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
        self.label = Some(capped(label));
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(capped(hint));
        self
    }

    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.map(capped);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The problems this diagnostic stands for: itself, or those it counts.
    fn counted(&self) -> (usize, usize) {
        match self.omitted {
            Some(o) => (o.errors, o.warnings),
            None if self.is_error() => (1, 0),
            None => (0, 1),
        }
    }

    /// Orders diagnostics by file, then position, then message: the report
    /// reads top to bottom whatever order the checks ran in. The count of
    /// a file's omitted diagnostics comes last in the file.
    fn sort_key(&self) -> (Option<&Path>, bool, u32, u32, Severity, &str) {
        let (line, column) = self.span.map_or((0, 0), |s| (s.line, s.column));
        (
            self.file.as_deref(),
            self.omitted.is_some(),
            line,
            column,
            self.severity,
            &self.message,
        )
    }
}

/// Sorts and de-duplicates diagnostics, and keeps the first
/// [`MAX_PER_FILE`] of each file (the rest counted in one more).
pub fn normalize(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    cap_per_file(diagnostics);
}

/// Keeps the first [`MAX_PER_FILE`] diagnostics of each file of a sorted
/// list; the others become one count. Applying it twice changes nothing.
fn cap_per_file(diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics.len() <= MAX_PER_FILE {
        return;
    }
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len().min(4 * MAX_PER_FILE));
    let mut shown = 0;
    let mut hidden = Omitted::default();
    let mut file: Option<PathBuf> = None;
    for d in std::mem::take(diagnostics) {
        if kept.is_empty() || d.file != file {
            if hidden != Omitted::default() {
                kept.push(omitted_count(file.take(), hidden));
            }
            file.clone_from(&d.file);
            (shown, hidden) = (0, Omitted::default());
        }
        if shown < MAX_PER_FILE && d.omitted.is_none() {
            kept.push(d);
            shown += 1;
        } else {
            hidden.add(&d);
        }
    }
    if hidden != Omitted::default() {
        kept.push(omitted_count(file, hidden));
    }
    *diagnostics = kept;
}

/// The one diagnostic that counts a file's omitted ones.
fn omitted_count(file: Option<PathBuf>, hidden: Omitted) -> Diagnostic {
    let total = hidden.errors + hidden.warnings;
    let d = if hidden.errors > 0 {
        Diagnostic::error
    } else {
        Diagnostic::warning
    };
    let mut d = d(
        "more-problems",
        format!(
            "and {total} more problems in this file, not listed ({})",
            summary_line(hidden.errors, hidden.warnings)
        ),
    )
    .with_hint(format!(
        "only the first {MAX_PER_FILE} problems of a file are listed: fix them and check again"
    ));
    d.file = file;
    d.omitted = Some(hidden);
    d
}

/// Counts by severity, the omitted diagnostics included.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    diagnostics.iter().fold((0, 0), |(errors, warnings), d| {
        let (e, w) = d.counted();
        (errors + e, warnings + w)
    })
}

/// Characters that must never reach a terminal or a log raw: the one
/// definition every printed text (diagnostics, errors, `diff` reports,
/// what a git remote said) is escaped by. Control characters (ESC starts a
/// terminal escape sequence, BEL rings, C1 `CSI` is one on some terminals),
/// format characters (bidirectional overrides and invisible characters make
/// the text read differently than it is) and the Unicode line and paragraph
/// separators (a line break a terminal may not show). A tab and a line
/// break are harmless and stay (the GitHub format escapes the line break).
pub fn is_unprintable(c: char) -> bool {
    use GeneralCategory as G;
    !matches!(c, '\t' | '\n')
        && matches!(
            get_general_category(c),
            G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator
        )
}

/// The bidirectional controls (format characters): they reorder the text
/// a reader sees.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `s` with each unprintable character written as a Rust escape
/// (`\u{1b}`): source text is untrusted, and a diagnostic quotes it.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unprintable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char) {
    if is_unprintable(c) {
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    } else {
        out.push(c);
    }
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

/// A path as a terminal or a log shows it (a tab escaped too, so that the
/// snippet renderer shows it as it is given).
fn shown_path(path: &Path) -> String {
    visible(&display_path(path)).replace('\t', "\\u{9}")
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
        let title = level.primary_title(visible(&d.message)).id(d.code);
        let path = d.file.as_deref().map(shown_path);
        let source = d.file.as_ref().and_then(|f| sources.get(f));
        let mut shown_place = None;
        let mut group = match (&path, source, d.span) {
            (Some(path), Some(text), Some(span)) => {
                let excerpt = Excerpt::of(text, span);
                let mut annotation = AnnotationKind::Primary.span(excerpt.marked.clone());
                if let Some(label) = &d.label {
                    annotation = annotation.label(visible(label));
                }
                shown_place = Some((format!("{path}:{}:", span.line), span.column));
                title.element(
                    Snippet::source(excerpt.text)
                        .line_start(span.line as usize)
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
            group = group.element(Level::HELP.message(visible(hint)));
        }
        let rendered = renderer.render(&[group]);
        match shown_place {
            Some((place, column)) => out.push_str(&with_column(&rendered, &place, column)),
            None => out.push_str(&rendered),
        }
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
    use crate::markdown::{self, Place};
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
                format!("{}:{}:{}", shown_path(file), span.line, span.column)
            }
            (Some(file), None) => shown_path(file),
            (None, _) => String::new(),
        };
        let mut problem = markdown::inline(&visible(&d.message), Place::Cell);
        if let Some(hint) = &d.hint {
            problem.push_str("<br>help: ");
            problem.push_str(&markdown::inline(&visible(hint), Place::Cell));
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

/// `rendered` with the column of its `--> path:line:column` line set to
/// `column`: the snippet is a window of the line, so the renderer counts
/// columns from the window's start, not the line's.
fn with_column(rendered: &str, place: &str, column: u32) -> String {
    // The place line follows the title line.
    let title_end = rendered.find('\n').unwrap_or(rendered.len());
    let Some(at) = rendered[title_end..].find(place).map(|i| title_end + i) else {
        return rendered.to_string();
    };
    let digits_from = at + place.len();
    let digits = rendered[digits_from..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(rendered.len(), |i| digits_from + i);
    format!(
        "{}{column}{}",
        &rendered[..digits_from],
        &rendered[digits..]
    )
}

/// Characters of a line a snippet shows at most, of them at most how many
/// of the span itself, and at least how many after the span when the line
/// goes on. A line that fits is shown whole; a longer one is a window
/// around the span, whatever the length of the line: cutting it costs what
/// the window holds, so 40,000 diagnostics on one 800 KB line cost 40,000
/// windows, not 40,000 lines. (The window fits the renderer's 140 columns.)
const WINDOW: usize = 120;
const MARKED_MAX: usize = 60;
const AFTER_MIN: usize = 20;
/// Shown where the window cuts the line.
const CUT: &str = "…";

/// The part of a span's line a snippet shows: unprintable characters made
/// visible, `…` where the line goes on, and the span's byte range within
/// it. The range covers at least one character (a virtual one past the end
/// of the line) and never runs past the first line of the span.
#[derive(Debug, PartialEq, Eq)]
struct Excerpt {
    text: String,
    marked: std::ops::Range<usize>,
}

impl Excerpt {
    fn of(text: &str, span: Span) -> Excerpt {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let at_line_end = |c: char, next: Option<&(usize, char)>| {
            c == '\n' || (c == '\r' && next.is_none_or(|&(_, n)| n == '\n'))
        };
        // Each scan stops at the line's end or one character past the
        // window: the cost is the window's.
        let mut before_starts = Vec::new();
        let mut more_before = false;
        for (i, c) in text[..start].char_indices().rev() {
            if c == '\n' {
                break;
            }
            if before_starts.len() == WINDOW {
                more_before = true;
                break;
            }
            before_starts.push(i);
        }
        let span_end = start.saturating_add(span.len).max(start + 1);
        let mut rest = text[start..].char_indices().peekable();
        let (mut marked_end, mut marked_chars, mut line_ended) = (start, 0, false);
        while let Some(&(i, c)) = rest.peek() {
            if start + i >= span_end || marked_chars == MARKED_MAX {
                break;
            }
            rest.next();
            if at_line_end(c, rest.peek()) {
                line_ended = true;
                break;
            }
            marked_end = start + i + c.len_utf8();
            marked_chars += 1;
        }
        let mut after_ends = Vec::new();
        let mut more_after = false;
        while let Some((i, c)) = rest.next().filter(|_| !line_ended) {
            if at_line_end(c, rest.peek()) {
                break;
            }
            if after_ends.len() == WINDOW {
                more_after = true;
                break;
            }
            after_ends.push(start + i + c.len_utf8());
        }
        // The room left by the span goes to what comes before it, keeping
        // some of what follows it.
        let room = WINDOW - marked_chars;
        let after = after_ends
            .len()
            .min(room.saturating_sub(before_starts.len()).max(AFTER_MIN))
            .min(room);
        let before = before_starts.len().min(room - after);
        let from = before.checked_sub(1).map_or(start, |i| before_starts[i]);
        let to = after.checked_sub(1).map_or(marked_end, |i| after_ends[i]);

        let mut out = String::new();
        if more_before || before < before_starts.len() {
            out.push_str(CUT);
        }
        text[from..start]
            .chars()
            .for_each(|c| push_visible(&mut out, c));
        let marked_start = out.len();
        if marked_chars == 0 {
            // At the end of the line (or an empty line): a caret on a
            // virtual column one past it.
            out.push(' ');
        }
        text[start..marked_end]
            .chars()
            .for_each(|c| push_visible(&mut out, c));
        let marked = marked_start..out.len();
        text[marked_end..to]
            .chars()
            .for_each(|c| push_visible(&mut out, c));
        if more_after || after < after_ends.len() {
            out.push_str(CUT);
        }
        Excerpt { text: out, marked }
    }
}

/// The largest char boundary of `s` at or below byte `i` (`str::
/// floor_char_boundary`, stable only after the toolchain floor).
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `text` cut to its first `max` characters, with `…` when it was longer.
pub fn cut_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
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
    /// On the diagnostic that counts a file's unlisted ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<Omitted>,
}

impl<'a> JsonDiagnostic<'a> {
    /// With `sources`, a window of the diagnostic's source line is included.
    pub fn new(d: &'a Diagnostic, sources: Option<&Sources>) -> Self {
        let snippet = match (sources, &d.file, d.span) {
            (Some(sources), Some(file), Some(span)) => sources.get(file).map(|text| {
                let excerpt = Excerpt::of(text, span);
                format!("{:>4} | {}", span.line, excerpt.text.trim_end())
            }),
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
            omitted: d.omitted,
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
            props.push(format!("file={}", escape_property(&shown_path(file))));
        }
        if let Some(span) = d.span {
            props.push(format!("line={}", span.line));
            props.push(format!("col={}", span.column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("gtdocs {}", d.code))
        ));
        let mut message = visible(&d.message).into_owned();
        if let Some(hint) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(&visible(hint));
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
    fn then_at_counts_from_a_known_span() {
        let text = "a: x\nbé: [one, two,\n  three]\n";
        let first = Span::at(text, 9, 3);
        for start in [14, 22] {
            assert_eq!(first.then_at(text, start, 3), Span::at(text, start, 3));
        }
    }

    #[test]
    fn excerpt_clamps_to_the_line() {
        let text = "a: 1\nbb: long\r\n";
        let excerpt = Excerpt::of(text, Span::new(2, 5, 9, 100));
        assert_eq!((excerpt.text.as_str(), excerpt.marked), ("bb: long", 4..8));
        let end = Excerpt::of(text, Span::new(1, 5, 4, 0));
        assert_eq!((end.text.as_str(), end.marked), ("a: 1 ", 4..5));
    }

    /// Whatever the length of the line, the snippet is a window around the
    /// span, cut with `…`.
    #[test]
    fn excerpt_is_a_window_of_a_long_line() {
        let line = format!("docs: [{}]", "http://a.example/x, ".repeat(10_000));
        let start = line.len() / 2;
        let excerpt = Excerpt::of(&line, Span::new(1, 0, start, 18));
        assert!(excerpt.text.starts_with(CUT) && excerpt.text.ends_with(CUT));
        assert_eq!(excerpt.text.chars().count(), WINDOW + 2);
        assert_eq!(
            &excerpt.text[excerpt.marked.clone()],
            &line[start..start + 18]
        );
        assert_eq!(
            excerpt.text[excerpt.marked.end..].chars().count(),
            AFTER_MIN + 1
        );
        let giant = Excerpt::of(&line, Span::new(1, 1, 0, line.len()));
        assert_eq!(giant.text.chars().count(), WINDOW + 1);
        assert_eq!(giant.marked, 0..MARKED_MAX);
        // A line that fits is shown whole, the span at its end too.
        let short = "  - Model names must match published aliases; test with `gtak_Zr5Tq8Wm2Lx7Pc4Vn9Bd3K`.";
        let end = Excerpt::of(short, Span::new(1, 58, 57, 26));
        assert_eq!((end.text.as_str(), end.marked), (short, 57..83));
    }

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

    #[test]
    fn unprintable_characters_are_escaped_in_every_format() {
        let d = Diagnostic::error("unknown-field", "field `a\x1b[2Jb\x07`")
            .in_file("runbooks/a\u{9b}.yaml", Some(Span::new(1, 1, 0, 1)))
            .with_label("here\0")
            .with_hint("zero\u{200b}width\u{202e}");
        let sources = Sources::from([(
            PathBuf::from("runbooks/a\u{9b}.yaml"),
            std::sync::Arc::from("a\x1b[2Jb\x07\u{85}: 1\n"),
        )]);
        for format in [Format::Human, Format::Github, Format::Json] {
            let out = render(std::slice::from_ref(&d), &sources, format, false);
            assert!(!out.chars().any(is_unprintable), "{format:?}: {out:?}");
        }
        let json = render(std::slice::from_ref(&d), &sources, Format::Json, false);
        let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let exact = &report["diagnostics"][0];
        assert_eq!(exact["file"], "runbooks/a\u{9b}.yaml");
        assert_eq!(exact["hint"], "zero\u{200b}width\u{202e}");
        let human = render(std::slice::from_ref(&d), &sources, Format::Human, false);
        assert!(human.contains("field `a\\u{1b}[2Jb\\u{7}`"), "{human}");
        assert!(human.contains("runbooks/a\\u{9b}.yaml:1:1"), "{human}");
        assert!(human.contains("zero\\u{200b}width\\u{202e}"), "{human}");
    }

    /// Message, label and hint are cut to [`MAX_TEXT`] bytes on a
    /// character boundary, whichever builder set them.
    #[test]
    fn texts_are_capped() {
        let long = "é".repeat(MAX_TEXT);
        let d = Diagnostic::warning("w", long.as_str())
            .with_label(long.as_str())
            .with_hint(long.as_str());
        for text in [
            &d.message,
            d.label.as_ref().unwrap_or(&d.message),
            d.hint.as_ref().unwrap_or(&d.message),
        ] {
            assert!(
                text.len() <= MAX_TEXT && text.ends_with(CUT),
                "{}",
                text.len()
            );
            assert!(long.starts_with(text.trim_end_matches(CUT)));
        }
        let d = Diagnostic::error("e", "short").with_optional_hint(Some(long.clone()));
        assert_eq!(d.message, "short");
        assert!(d.hint.is_some_and(|h| h.len() <= MAX_TEXT));
        let fits = "a".repeat(MAX_TEXT);
        assert_eq!(Diagnostic::error("e", fits.as_str()).message, fits);
    }

    /// Past [`MAX_PER_FILE`], a file's diagnostics are counted in one; the
    /// counts stay exact, and normalizing again changes nothing.
    #[test]
    fn diagnostics_are_capped_per_file() {
        let mut all: Vec<Diagnostic> = (0..MAX_PER_FILE as u32 + 50)
            .map(|i| {
                Diagnostic::error("bad-value", format!("problem {i}"))
                    .in_file("a.yaml", Some(Span::new(1, i + 1, i as usize, 1)))
            })
            .collect();
        all.push(Diagnostic::warning("w", "w").in_file("a.yaml", Some(Span::new(9, 1, 0, 1))));
        all.push(Diagnostic::error("x", "x").in_file("b.yaml", None));
        normalize(&mut all);
        assert_eq!(all.len(), MAX_PER_FILE + 2);
        let count = &all[MAX_PER_FILE];
        assert_eq!(count.code, "more-problems");
        assert_eq!(
            count.omitted,
            Some(Omitted {
                errors: 50,
                warnings: 1
            })
        );
        assert_eq!(counts(&all), (MAX_PER_FILE + 51, 1));
        let once = all.clone();
        normalize(&mut all);
        assert_eq!(all, once);
    }
}
