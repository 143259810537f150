//! Characters no output may hold, refused where they are written: every
//! text (and key) of `gtdocs.yaml` and of every runbook is checked once,
//! here, so no renderer has to escape them (a raw NUL, ESC or BEL in a wiki
//! page or an HTML page; a bidi override that reorders what a reader sees).
//! Names and titles are held to more: they identify a thing, so they hold
//! no invisible character at all and show something.

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_segmentation::UnicodeSegmentation;

use crate::diagnostic::{Diagnostic, Span, is_bidi_control, is_unprintable};
use crate::load::Document;

/// What a string of a source file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Free text: line breaks and tabs are fine.
    Text,
    /// A title, label or id: one visible line.
    Name,
}

/// The fields of a runbook that name something.
pub fn runbook_field(pointer: &str) -> Field {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    match parts.as_slice() {
        ["title" | "compatibility" | "category" | "key_preset" | "evidence"]
        | ["routes", _, "route" | "verdict"]
        | ["verified", _]
        | ["routes", _, "verified", _] => Field::Name,
        _ => Field::Text,
    }
}

/// The fields of `gtdocs.yaml` that name something (keys are ids: names).
pub fn config_field(pointer: &str) -> Field {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    match parts.as_slice() {
        ["site", "title"]
        | ["routes", _, "route"]
        | [
            "categories" | "key_presets" | "evidence" | "compatibility",
            _,
        ]
        | ["compatibility", _, "label"] => Field::Name,
        _ => Field::Text,
    }
}

/// Checks every string and key of `doc`; `field` tells what each is.
pub fn check(doc: &Document, field: fn(&str) -> Field, diagnostics: &mut Vec<Diagnostic>) {
    crate::load::yaml::each_string(&doc.value, &mut |pointer, s, key| {
        // What a name may be, any field may be: which field it is (from
        // its pointer) is asked only of the others.
        if plain_ascii(s, Field::Name) {
            return;
        }
        let found = if key {
            problem(doc, s, Field::Name, || doc.spans.key(pointer))
        } else {
            problem(doc, s, field(pointer), || doc.spans.value(pointer))
        };
        diagnostics.extend(found);
    });
}

/// Printable ASCII, tab and line feed: what nearly every text of a source
/// is, checked a byte at a time. Such a text holds no character
/// [`refused_in_text`]; such a name with no tab or line feed and a
/// character other than the space shows something and hides nothing (both
/// checked for every ASCII character by a test).
fn plain_ascii(s: &str, field: Field) -> bool {
    match field {
        Field::Text => s.bytes().all(|b| matches!(b, b' '..=b'~' | b'\t' | b'\n')),
        Field::Name => s.bytes().all(|b| matches!(b, b' '..=b'~')) && s.bytes().any(|b| b != b' '),
    }
}

/// The first problem of one string, at its place in the source.
fn problem(
    doc: &Document,
    s: &str,
    field: Field,
    span: impl Fn() -> Option<Span>,
) -> Option<Diagnostic> {
    if plain_ascii(s, field) {
        return None;
    }
    let span = span();
    let at = |c: char| char_span(doc, span, c);
    if let Some(c) = s.chars().find(|&c| refused_in_text(c)) {
        return Some(refusal(c).in_file(&doc.path, at(c)));
    }
    if field == Field::Text {
        return None;
    }
    if !s.chars().any(|c| !is_invisible(c)) {
        return Some(
            Diagnostic::error("invisible-name", "this name shows nothing")
                .in_file(&doc.path, span)
                .with_hint("write the name readers know it by, in visible characters"),
        );
    }
    if let Some(c) = s.graphemes(true).find_map(hidden_in) {
        return Some(
            Diagnostic::error(
                "invisible-character",
                format!("this name holds the invisible character {}", code_point(c)),
            )
            .in_file(&doc.path, at(c))
            .with_label("names and titles are one visible line")
            .with_hint("remove it: two names that look the same must be the same name"),
        );
    }
    None
}

/// The first character of one grapheme cluster (what a reader sees as one
/// character) that hides in a name. Spaces separate words. On a visible
/// base, marks (a virama, a Thai vowel sign, a combining accent) and
/// variation selectors (`❤️`) are part of how it is drawn, and so are
/// joiners and emoji tags on a non-ASCII base (`👩‍💻`, a Persian ZWNJ, a
/// Devanagari half form): ASCII text has no use for them, where they only
/// split a word invisibly. Anything else invisible hides: a zero-width
/// character between letters, a mark with nothing to sit on (at the start,
/// after a space), a filler.
fn hidden_in(cluster: &str) -> Option<char> {
    let mut chars = cluster.chars();
    let base = chars.next()?;
    if is_invisible(base) {
        let is_space = |c: char| get_general_category(c) == GeneralCategory::SpaceSeparator;
        return cluster.chars().find(|&c| !is_space(c));
    }
    chars.find(|&c| {
        is_invisible(c)
            && !is_mark(c)
            && !is_variation_selector(c)
            && (base.is_ascii() || get_general_category(c) != GeneralCategory::Format)
    })
}

/// A combining mark: drawn on the character before it.
fn is_mark(c: char) -> bool {
    use GeneralCategory as G;
    !c.is_ascii()
        && matches!(
            get_general_category(c),
            G::NonspacingMark | G::EnclosingMark | G::SpacingMark
        )
}

fn is_variation_selector(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0F}').contains(&c) || ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

/// `U+001B`.
/// Why a text may not hold `c` (a character [`refused_in_text`]).
pub(super) fn refusal(c: char) -> Diagnostic {
    match get_general_category(c) {
        GeneralCategory::Format => Diagnostic::error(
            "format-character",
            format!("this text holds the bidirectional control {}", code_point(c)),
        )
        .with_label("it reorders the text a reader sees")
        .with_hint("remove it: text shows in the order it is written"),
        category @ (GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator) => {
            let what = if category == GeneralCategory::LineSeparator {
                "line"
            } else {
                "paragraph"
            };
            Diagnostic::error(
                "separator-character",
                format!("this text holds the {what} separator {}", code_point(c)),
            )
            .with_label("Markdown does not know it as a line break")
            .with_hint("write a line break as itself (a new line in the YAML text)")
        }
        _ => Diagnostic::error(
            "control-character",
            format!("this text holds the control character {}", code_point(c)),
        )
        .with_label("published text never holds it")
        .with_hint("remove it: a line break or a tab is written as itself; no other control character has a place in a page"),
    }
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Refused in any text: what no terminal may show raw
/// ([`is_unprintable`]) but the other format characters (a zero-width
/// joiner belongs in an emoji sequence, a soft hyphen in a long word; they
/// are escaped where printed). So: control characters but tab and line
/// feed, the Unicode line and paragraph separators (line breaks Markdown
/// does not know) and the bidirectional controls (they reorder the text a
/// reader sees).
pub(super) fn refused_in_text(c: char) -> bool {
    is_bidi_control(c) || (is_unprintable(c) && get_general_category(c) != GeneralCategory::Format)
}

/// A character that shows nothing: white space, a control or format
/// character, a default-ignorable code point (fillers that render blank), a
/// mark with nothing to sit on, or a code point with no glyph.
fn is_invisible(c: char) -> bool {
    use GeneralCategory as G;
    if c.is_ascii() {
        // The space and the controls (tab, line feed and the other white
        // space among them): ASCII has no other invisible character.
        return c == ' ' || c.is_ascii_control();
    }
    c.is_whitespace()
        || matches!(
            get_general_category(c),
            G::Control
                | G::Format
                | G::SpaceSeparator
                | G::LineSeparator
                | G::ParagraphSeparator
                | G::NonspacingMark
                | G::EnclosingMark
                | G::Unassigned
                | G::PrivateUse
                | G::Surrogate
        )
        // Blank glyphs: Hangul fillers, the braille blank, the combining
        // grapheme joiner and the variation selectors.
        || matches!(
            c,
            '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{034F}'
        )
        || is_variation_selector(c)
}

/// Where `c` is in the source of the value at `span`: the character itself,
/// or the escape a double-quoted YAML scalar wrote it with (`\e`, `\x1b`,
/// `\u001B`...); else the whole value.
fn char_span(doc: &Document, span: Option<Span>, c: char) -> Option<Span> {
    let span = span?;
    let from = span.start.min(doc.text.len());
    let to = if span.len == 0 {
        doc.text[from..]
            .find('\n')
            .map_or(doc.text.len(), |i| from + i)
    } else {
        (from + span.len).min(doc.text.len())
    };
    let source = doc.text.get(from..to)?;
    let code = u32::from(c);
    let mut forms = vec![c.to_string()];
    let short = match c {
        '\0' => Some("\\0"),
        '\u{7}' => Some("\\a"),
        '\u{8}' => Some("\\b"),
        '\u{B}' => Some("\\v"),
        '\u{C}' => Some("\\f"),
        '\r' => Some("\\r"),
        '\u{1B}' => Some("\\e"),
        '\u{85}' => Some("\\N"),
        '\u{2028}' => Some("\\L"),
        '\u{2029}' => Some("\\P"),
        _ => None,
    };
    forms.extend(short.map(str::to_string));
    forms.push(format!("\\x{code:02x}"));
    forms.push(format!("\\u{code:04x}"));
    forms.push(format!("\\U{code:08x}"));
    let lower = source.to_ascii_lowercase();
    let found = forms
        .iter()
        .filter_map(|f| {
            let hay = if f.starts_with('\\') && f.len() > 2 {
                &lower
            } else {
                source
            };
            let needle = if f.starts_with('\\') && f.len() > 2 {
                f.to_ascii_lowercase()
            } else {
                f.clone()
            };
            hay.find(&needle).map(|i| (i, needle.len()))
        })
        .min();
    match found {
        // Counted from the value's own span: many values on one long line
        // cost the line once, not once each.
        Some((i, len)) => Some(span.then_at(&doc.text, from + i, len)),
        None => Some(span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte check [`plain_ascii`] skips nothing the character checks
    /// would report: for every ASCII character, alone and beside a letter.
    #[test]
    fn plain_ascii_strings_have_no_problem() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            if plain_ascii(&c.to_string(), Field::Text) {
                assert!(!refused_in_text(c), "{c:?} is refused in a text");
            }
            for name in [c.to_string(), format!("a{c}"), format!("{c}a")] {
                if plain_ascii(&name, Field::Name) {
                    assert!(!refused_in_text(c), "{c:?} is refused in a name");
                    assert!(
                        name.chars().any(|c| !is_invisible(c)),
                        "{name:?} shows nothing"
                    );
                    assert_eq!(name.graphemes(true).find_map(hidden_in), None, "{name:?}");
                }
            }
        }
        assert!(plain_ascii("a\tb\nc", Field::Text));
        assert!(!plain_ascii("a\tb", Field::Name));
        assert!(!plain_ascii("   ", Field::Name));
        assert!(!plain_ascii("a\u{1b}", Field::Text));
        assert!(!plain_ascii("caf\u{e9}", Field::Text));
    }

    /// One line of many values, each holding an escaped ESC: each
    /// diagnostic's place is counted from its value's span, not from the
    /// start of the file, so the line is counted once, not once per value
    /// (counted from the start, this 4 MB line took 10 s in a debug build).
    #[test]
    fn a_line_of_control_characters_is_placed_in_linear_time() {
        const VALUES: usize = 20_000;
        let item = format!("\"ab\\e{}\"", "x".repeat(200));
        let text = format!("not_supported: [{}]\n", vec![item; VALUES].join(", "));
        let (value, spans) = crate::load::yaml::parse(&text).expect("parses");
        let doc = Document {
            path: "a.yaml".into(),
            rel: "a.yaml".into(),
            value,
            spans,
            text: text.as_str().into(),
        };
        let started = std::time::Instant::now();
        let mut diagnostics = Vec::new();
        check(&doc, runbook_field, &mut diagnostics);
        let elapsed = started.elapsed();
        assert_eq!(diagnostics.len(), VALUES);
        let last = diagnostics.last().and_then(|d| d.span).expect("a span");
        assert_eq!(last, Span::at(&text, last.start, 2));
        assert_eq!(&text[last.start..last.start + 2], "\\e");
        // Linear: well under a second in a debug build on a busy machine.
        assert!(
            elapsed < std::time::Duration::from_secs(5),
            "{elapsed:?} to place {VALUES} diagnostics of one line"
        );
    }

    #[test]
    fn refused_and_invisible_characters() {
        for c in [
            '\0', '\u{7}', '\u{1B}', '\u{7F}', '\u{85}', '\r', '\u{202E}', '\u{2066}', '\u{2028}',
            '\u{2029}',
        ] {
            assert!(refused_in_text(c), "{c:?}");
        }
        // Other format characters are allowed (and escaped where printed).
        for c in [
            '\t', '\n', 'a', 'é', '\u{200B}', '\u{200D}', '\u{00AD}', '→',
        ] {
            assert!(!refused_in_text(c), "{c:?}");
        }
        for c in [
            '\u{200B}', '\u{FEFF}', '\u{3164}', '\u{2800}', ' ', '\u{00A0}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        for c in ['a', 'а', '·', '1'] {
            assert!(!is_invisible(c), "{c:?}");
        }
    }
}
