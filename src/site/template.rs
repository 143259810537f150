//! A theme template's failure as a diagnostic at its file and line, the
//! way every source problem is shown: `check`, `build` and the preview
//! all report a template's errors through [`diagnostic`].

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Sources, Span};
use crate::model::Book;
use crate::render::RenderError;

/// A render error that a theme's template caused (an error, or a loop out
/// of fuel), as a diagnostic at its file and line; the template's text
/// joins `sources`, so the line can be shown. `None` for any other error.
pub fn diagnostic(
    root: &Path,
    book: &Book,
    error: &RenderError,
    sources: &mut Sources,
) -> Option<Diagnostic> {
    let (file, line, diagnostic) = match error {
        RenderError::Template {
            file,
            line,
            message,
        } => (
            file,
            *line,
            Diagnostic::error("template", message.as_str()).with_hint(
                "a theme template can extend a built-in one block by block: {% extends \"default/runbook.html\" %}",
            ),
        ),
        RenderError::TemplateFuel { file, line, budget } => (
            file,
            *line,
            Diagnostic::error(
                "template-fuel",
                format!(
                    "the template ran out of fuel: one page may take {budget} steps (instructions, and text made)"
                ),
            )
            .with_hint(
                "a loop here runs far too often, or makes far too much text (a large `range`, loops inside loops, text multiplied): the site's lists are paged, so a page never needs that much",
            ),
        ),
        _ => return None,
    };
    let (shown, span) = place(root, book, file, line, sources);
    Some(diagnostic.in_file(shown, span))
}

/// Where a template's line is, as shown; the template's text joins
/// `sources`, so the line can be shown.
fn place(
    root: &Path,
    book: &Book,
    file: &str,
    line: Option<usize>,
    sources: &mut Sources,
) -> (PathBuf, Option<Span>) {
    let shown = crate::load::display_path(root, file.as_ref());
    let text = book.site.theme.as_ref().and_then(|theme| {
        let name = file.strip_prefix(&format!("themes/{}/templates/", theme.name))?;
        theme.templates.get(name)
    });
    let span = match (line, text) {
        (Some(line), Some(text)) => {
            let start: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            sources.insert(shown.clone(), text.as_str().into());
            Some(Span::at(text, start, 0))
        }
        (Some(line), None) => Some(Span::new(u32::try_from(line).unwrap_or(u32::MAX), 1, 0, 0)),
        _ => None,
    };
    (shown, span)
}
