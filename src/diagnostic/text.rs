//! Text from sources and remotes made safe to print: unprintable
//! characters escaped, long text cut on a character boundary, paths shown
//! one way on every system.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use unicode_general_category::{GeneralCategory, get_general_category};

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
    // ASCII (nearly every character a source holds) without the table:
    // its only such characters are the controls.
    if c.is_ascii() {
        return c.is_ascii_control() && !matches!(c, '\t' | '\n');
    }
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

pub(super) fn push_visible(out: &mut String, c: char) {
    if is_unprintable(c) {
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    } else {
        out.push(c);
    }
}

/// Shown where a text is cut: a snippet's window, a capped message.
pub(super) const CUT: &str = "…";

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

pub(super) fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A path as a terminal or a log shows it (a tab escaped too, so that the
/// snippet renderer shows it as it is given).
pub(super) fn shown_path(path: &Path) -> String {
    visible(&display_path(path)).replace('\t', "\\u{9}")
}
