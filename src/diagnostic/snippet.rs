//! The window of a source line a diagnostic shows, with the span marked:
//! its cost is the window's, whatever the length of the line. A secret on
//! the line is cut after its first characters.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use super::model::{Diagnostic, SECRET_SHOWN, Sources, Span};
use super::text::{CUT, floor_char_boundary, push_visible};

/// What snippets are cut from: the sources, and in each the byte ranges of
/// secrets no snippet shows (those the diagnostics know of, past their
/// first [`SECRET_SHOWN`] characters). Built once per report: another
/// diagnostic on a secret's line (an unknown field, a bidi control) must
/// hide it too, even when the secret's own diagnostic is left out of the
/// report.
pub(super) struct Snippets<'a> {
    sources: &'a Sources,
    hidden: BTreeMap<&'a Path, Vec<Range<usize>>>,
}

impl<'a> Snippets<'a> {
    pub(super) fn new(sources: &'a Sources, diagnostics: &'a [Diagnostic]) -> Self {
        let mut hidden: BTreeMap<&Path, Vec<Range<usize>>> = BTreeMap::new();
        for d in diagnostics {
            let Some((file, text)) = d.file.as_deref().and_then(|f| Some((f, sources.get(f)?)))
            else {
                continue;
            };
            for span in d.secrets() {
                let start = floor_char_boundary(text, span.start);
                let end = floor_char_boundary(text, span.start.saturating_add(span.len));
                let from = text[start..end]
                    .char_indices()
                    .nth(SECRET_SHOWN)
                    .map_or(end, |(i, _)| start + i);
                if from < end {
                    hidden.entry(file).or_default().push(from..end);
                }
            }
        }
        for ranges in hidden.values_mut() {
            *ranges = merged(std::mem::take(ranges));
        }
        Snippets { sources, hidden }
    }

    /// The excerpt of `d`'s source line, if it has a place in a known source.
    pub(super) fn excerpt(&self, d: &Diagnostic) -> Option<(Excerpt, Span)> {
        let (file, span) = (d.file.as_deref()?, d.span?);
        let text = self.sources.get(file)?;
        let hidden = self.hidden.get(file).map_or(&[][..], Vec::as_slice);
        Some((Excerpt::of(text, span, hidden), span))
    }
}

/// `ranges` sorted, the overlapping ones made one: an excerpt finds those
/// in its window by bisection, whatever the number of secrets in the file.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
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

/// The part of a span's line a snippet shows: unprintable characters made
/// visible, `…` where the line goes on or a hidden range is left out, and
/// the span's byte range within it. The range covers at least one
/// character (a virtual one past the end of the line) and never runs past
/// the first line of the span.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Excerpt {
    pub text: String,
    pub marked: std::ops::Range<usize>,
}

impl Excerpt {
    /// `hidden`: byte ranges left out, sorted and apart.
    pub(super) fn of(text: &str, span: Span, hidden: &[Range<usize>]) -> Excerpt {
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

        let first = hidden.partition_point(|h| h.end <= from);
        let past = hidden.partition_point(|h| h.start < to).max(first);
        let mut out = Shown {
            text,
            hidden: &hidden[first..past],
            out: String::new(),
            cut: false,
        };
        if more_before || before < before_starts.len() {
            out.cut();
        }
        out.push(from..start);
        // The span's own text starts afresh: a span inside a hidden range
        // marks its `…`.
        out.cut = false;
        let marked_start = out.out.len();
        if marked_chars == 0 {
            // At the end of the line (or an empty line): a caret on a
            // virtual column one past it.
            out.out.push(' ');
        }
        out.push(start..marked_end);
        let marked = marked_start..out.out.len();
        out.push(marked_end..to);
        if more_after || after < after_ends.len() {
            out.cut();
        }
        Excerpt {
            text: out.out,
            marked,
        }
    }
}

/// An excerpt being written: each run of hidden or cut text is one `…`.
struct Shown<'t> {
    text: &'t str,
    hidden: &'t [Range<usize>],
    out: String,
    /// The text written so far ends with a `…` for left-out text.
    cut: bool,
}

impl Shown<'_> {
    fn cut(&mut self) {
        if !self.cut {
            self.out.push_str(CUT);
            self.cut = true;
        }
    }

    fn push(&mut self, range: Range<usize>) {
        let from = range.start;
        for (i, c) in self.text[range].char_indices() {
            if self.hidden.iter().any(|h| h.contains(&(from + i))) {
                self.cut();
            } else {
                push_visible(&mut self.out, c);
                self.cut = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_clamps_to_the_line() {
        let text = "a: 1\nbb: long\r\n";
        let excerpt = Excerpt::of(text, Span::new(2, 5, 9, 100), &[]);
        assert_eq!((excerpt.text.as_str(), excerpt.marked), ("bb: long", 4..8));
        let end = Excerpt::of(text, Span::new(1, 5, 4, 0), &[]);
        assert_eq!((end.text.as_str(), end.marked), ("a: 1 ", 4..5));
    }

    /// Whatever the length of the line, the snippet is a window around the
    /// span, cut with `…`.
    #[test]
    fn excerpt_is_a_window_of_a_long_line() {
        let line = format!("docs: [{}]", "http://a.example/x, ".repeat(10_000));
        let start = line.len() / 2;
        let excerpt = Excerpt::of(&line, Span::new(1, 0, start, 18), &[]);
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
        let giant = Excerpt::of(&line, Span::new(1, 1, 0, line.len()), &[]);
        assert_eq!(giant.text.chars().count(), WINDOW + 1);
        assert_eq!(giant.marked, 0..MARKED_MAX);
        // A line that fits is shown whole, the span at its end too.
        let short = "  - Model names must match published aliases; test with `gtak_Zr5Tq8Wm2Lx7Pc4Vn9Bd3K`.";
        let end = Excerpt::of(short, Span::new(1, 58, 57, 26), &[]);
        assert_eq!((end.text.as_str(), end.marked), (short, 57..83));
    }

    /// A secret shows its first characters and `…`, in the snippet of its
    /// own diagnostic and of any other on its line; the caret stays under
    /// the span, and one `…` stands for each run left out.
    #[test]
    fn secrets_are_hidden_past_their_first_characters() {
        let key = format!("sk-proj-{}", "Ab1".repeat(30));
        let text = format!("a: 1\nkey: {key} # note: \u{202e}\nb: 2\n");
        let start = text.find("sk-").unwrap_or_default();
        let secret = Diagnostic::error("credential", "key")
            .in_file("a.yaml", Some(Span::at(&text, start, key.len())))
            .secret();
        let bidi = text.find('\u{202e}').unwrap_or_default();
        let other = Diagnostic::error("format-character", "bidi")
            .in_file("a.yaml", Some(Span::at(&text, bidi, 3)));
        let field = Diagnostic::error("unknown-field", "key")
            .in_file("a.yaml", Some(Span::at(&text, 5, 3)));
        let sources = Sources::from([(std::path::PathBuf::from("a.yaml"), text.as_str().into())]);
        let all = [secret, other, field];
        let snippets = Snippets::new(&sources, &all);
        let shown: Vec<(String, String)> = all
            .iter()
            .filter_map(|d| snippets.excerpt(d))
            .map(|(e, _)| (e.text.clone(), e.text[e.marked].to_string()))
            .collect();
        let line = "key: sk-proj-A… # note: \\u{202e}";
        assert_eq!(
            shown,
            [
                (line.to_string(), "sk-proj-A…".to_string()),
                (line.to_string(), "\\u{202e}".to_string()),
                (line.to_string(), "key".to_string()),
            ]
        );
        // A span inside a secret marks its `…`; a window cut inside one
        // shows one `…`.
        let inside = Span::at(&text, start + 20, 5);
        let hidden = start + 9..start + key.len();
        let e = Excerpt::of(&text, inside, std::slice::from_ref(&hidden));
        assert_eq!(
            (e.text.as_str(), &e.text[e.marked.clone()]),
            ("key: sk-proj-A…… # note: \\u{202e}", "…")
        );
        let long = format!("k: {}", "x".repeat(300));
        let e = Excerpt::of(
            &long,
            Span::new(1, 1, 0, 1),
            std::slice::from_ref(&(10..300)),
        );
        assert_eq!(e.text, "k: xxxxxxx…");
    }
}
