//! Diagnostics for people: rustc-style messages with the source line and
//! a caret, and the counts at the end.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::model::{Diagnostic, Severity, Sources, accepted, accepted_line, counts, summary_line};
use super::snippet::Snippets;
use super::text::{shown_path, visible};

pub(super) fn render_human(diagnostics: &[Diagnostic], sources: &Sources, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let snippets = Snippets::new(sources, diagnostics);
    let mut out = String::new();
    for d in diagnostics {
        // An accepted finding is a note: listed, not a problem.
        let level = match (d.severity, &d.accepted) {
            (Severity::Error, _) => Level::ERROR,
            (Severity::Warning, None) => Level::WARNING,
            (Severity::Warning, Some(_)) => Level::NOTE.with_name("accepted"),
        };
        let title = level.primary_title(visible(&d.message)).id(d.code);
        let path = d.file.as_deref().map(shown_path);
        let mut shown_place = None;
        let mut group = match (&path, snippets.excerpt(d), d.span) {
            (Some(path), Some((excerpt, span)), _) => {
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
        match &d.accepted {
            Some(reason) => {
                group = group.element(Level::NOTE.message(format!("reason: {}", visible(reason))));
            }
            None => {
                if let Some(hint) = &d.hint {
                    group = group.element(Level::HELP.message(visible(hint)));
                }
            }
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
    let accepted = accepted(diagnostics);
    if accepted > 0 {
        let _ = writeln!(out, "{}", accepted_line(accepted));
    }
    out
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
