//! Diagnostics for GitHub Actions: workflow commands (annotations on the
//! pull request) and the Markdown report of a job summary.

use std::fmt::Write as _;

use super::model::{Diagnostic, Severity, accepted, accepted_line, counts, summary_line};
use super::text::{shown_path, visible};

/// GitHub workflow commands: `::error file=F,line=L,col=C,title=T::message`.
pub(super) fn render_github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        // An accepted finding is a notice: shown, not a failure.
        let command = match (d.severity, &d.accepted) {
            (Severity::Error, _) => "error",
            (Severity::Warning, None) => "warning",
            (Severity::Warning, Some(_)) => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &d.file {
            props.push(format!("file={}", escape_property(&shown_path(file))));
        }
        if let Some(span) = d.span {
            props.push(format!("line={}", span.line));
            props.push(format!("col={}", span.column));
        }
        let title = match d.accepted {
            Some(_) => format!("gtdocs {} (accepted)", d.code),
            None => format!("gtdocs {}", d.code),
        };
        props.push(format!("title={}", escape_property(&title)));
        let mut message = visible(&d.message).into_owned();
        if let Some(reason) = &d.accepted {
            message.push_str("\naccepted: ");
            message.push_str(&visible(reason));
        } else if let Some(hint) = &d.hint {
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

/// Rows shown in a Markdown summary; the rest are counted.
const SUMMARY_ROWS: usize = 200;

/// A Markdown report of a check for a CI job summary: the counts, then one
/// table row per diagnostic (text escaped for a GFM table cell).
/// `valid` of the `runbooks` checked had no error of their own.
pub fn summary_markdown(
    diagnostics: &[Diagnostic],
    files: usize,
    valid: usize,
    runbooks: usize,
) -> String {
    use crate::markdown::{self, Place};
    let (errors, warnings) = counts(diagnostics);
    let mut out = String::from("## gtdocs check\n\n");
    let accepted_note = match accepted(diagnostics) {
        0 => String::new(),
        n => format!("; {}", accepted_line(n)),
    };
    let _ = writeln!(
        out,
        "{files} files checked, {valid} of {runbooks} runbooks valid: {}{accepted_note}.",
        summary_line(errors, warnings)
    );
    if diagnostics.is_empty() {
        return out;
    }
    out.push_str("\n| Severity | Where | Problem |\n| --- | --- | --- |\n");
    for d in diagnostics.iter().take(SUMMARY_ROWS) {
        let severity = match (d.is_error(), &d.accepted) {
            (true, _) => "error",
            (false, None) => "warning",
            (false, Some(_)) => "accepted",
        };
        let place = match (&d.file, d.span) {
            (Some(file), Some(span)) => {
                format!("{}:{}:{}", shown_path(file), span.line, span.column)
            }
            (Some(file), None) => shown_path(file),
            (None, _) => String::new(),
        };
        let mut problem = markdown::inline(&visible(&d.message), Place::Cell);
        if let Some(reason) = &d.accepted {
            problem.push_str("<br>accepted: ");
            problem.push_str(&markdown::inline(&visible(reason), Place::Cell));
        } else if let Some(hint) = &d.hint {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::model::Span;

    #[test]
    fn github_escapes_data_and_properties() {
        let d = Diagnostic::error("unknown-field", "50% bad\nline")
            .in_file("runbooks/a,b:c.yaml", Some(Span::new(3, 7, 0, 1)));
        assert_eq!(
            render_github(&[d]),
            "::error file=runbooks/a%2Cb%3Ac.yaml,line=3,col=7,title=gtdocs unknown-field::50%25 bad%0Aline\n"
        );
    }
}
