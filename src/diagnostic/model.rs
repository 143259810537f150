//! A diagnostic: what went wrong, where, and what to do about it; and a
//! report's list of them, sorted, de-duplicated and bounded per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::text::{CUT, floor_char_boundary};

/// A place in a source file: 1-based line and character column, plus the
/// byte range used to draw the caret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// The source under the span is a secret (a key pasted into a
    /// runbook): no snippet of its file shows more of it than its first
    /// [`SECRET_SHOWN`] characters, whichever diagnostic the snippet is of.
    pub secret: bool,
    /// The reason a runbook gives for accepting this warning (its `allow`):
    /// an accepted finding is listed (`check -v`, JSON) and not counted.
    pub accepted: Option<String>,
}

/// The characters of a secret a diagnostic shows: enough to tell which key
/// it is, too few to use it.
pub const SECRET_SHOWN: usize = 9;

/// Diagnostics of one file left out of the report, by severity, and the
/// spans of the secrets among them: a listed diagnostic's snippet may show
/// the line of one left out, and must hide its secret all the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub errors: usize,
    pub warnings: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub accepted: usize,
    #[serde(skip)]
    pub secrets: Vec<Span>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Omitted {
    fn add(&mut self, d: &Diagnostic) {
        let (errors, warnings) = d.counted();
        self.errors += errors;
        self.warnings += warnings;
        self.accepted += d.accepted_count();
        self.secrets.extend(d.secrets());
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
            secret: false,
            accepted: None,
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

    /// Marks the source under the span as a secret.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// The spans of the secrets this diagnostic knows of: its own, and
    /// those of the diagnostics it counts.
    pub(super) fn secrets(&self) -> impl Iterator<Item = Span> + '_ {
        let own = self.span.filter(|_| self.secret);
        let counted = self.omitted.iter().flat_map(|o| o.secrets.iter().copied());
        own.into_iter().chain(counted)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The accepted findings this diagnostic stands for.
    fn accepted_count(&self) -> usize {
        match &self.omitted {
            Some(o) => o.accepted,
            None => usize::from(self.accepted.is_some()),
        }
    }

    /// The problems this diagnostic stands for: itself, or those it
    /// counts. An accepted finding is none.
    fn counted(&self) -> (usize, usize) {
        match &self.omitted {
            Some(o) => (o.errors, o.warnings),
            None if self.accepted.is_some() => (0, 0),
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
                kept.push(omitted_count(file.take(), std::mem::take(&mut hidden)));
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
            "and {total} more problems in this file, not listed ({}{})",
            summary_line(hidden.errors, hidden.warnings),
            match hidden.accepted {
                0 => String::new(),
                n => format!("; {n} accepted findings"),
            }
        ),
    )
    .with_hint(format!(
        "only the first {MAX_PER_FILE} problems of a file are listed: fix them and check again"
    ));
    d.file = file;
    d.omitted = Some(hidden);
    d
}

/// The findings accepted on purpose (`allow`), the omitted included.
pub fn accepted(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().map(Diagnostic::accepted_count).sum()
}

/// Counts by severity, the omitted diagnostics included.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    diagnostics.iter().fold((0, 0), |(errors, warnings), d| {
        let (e, w) = d.counted();
        (errors + e, warnings + w)
    })
}

pub fn summary_line(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// The count of accepted findings, as reports end with it.
pub fn accepted_line(accepted: usize) -> String {
    match accepted {
        1 => "1 finding accepted (`allow`)".into(),
        n => format!("{n} findings accepted (`allow`)"),
    }
}

/// The source texts the snippets are cut from, by file path.
pub type Sources = BTreeMap<PathBuf, std::sync::Arc<str>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn then_at_counts_from_a_known_span() {
        let text = "a: x\nbé: [one, two,\n  three]\n";
        let first = Span::at(text, 9, 3);
        for start in [14, 22] {
            assert_eq!(first.then_at(text, start, 3), Span::at(text, start, 3));
        }
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
    /// counts stay exact, the secrets of those left out are kept, and
    /// normalizing again changes nothing.
    #[test]
    fn diagnostics_are_capped_per_file() {
        let span = |i: u32| Span::new(1, i + 1, i as usize, 1);
        let mut all: Vec<Diagnostic> = (0..MAX_PER_FILE as u32 + 50)
            .map(|i| {
                let d = Diagnostic::error("bad-value", format!("problem {i}"))
                    .in_file("a.yaml", Some(span(i)));
                if i % 40 == 0 { d.secret() } else { d }
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
                warnings: 1,
                accepted: 0,
                secrets: vec![span(120)],
            })
        );
        let secrets: Vec<Span> = all.iter().flat_map(Diagnostic::secrets).collect();
        assert_eq!(secrets, [0, 40, 80, 120].map(span));
        assert_eq!(counts(&all), (MAX_PER_FILE + 51, 1));
        let once = all.clone();
        normalize(&mut all);
        assert_eq!(all, once);
    }
}
