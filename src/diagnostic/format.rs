//! The formats diagnostics are printed in, and the one call that prints
//! them in any.

use super::model::{Diagnostic, Sources};
use super::{github, human, json};

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
        Format::Human => human::render_human(diagnostics, sources, styled),
        Format::Json => json::render_json(diagnostics),
        Format::Github => github::render_github(diagnostics),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diagnostic::model::Span;
    use crate::diagnostic::text::is_unprintable;

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
}
