//! The window of a source line a diagnostic shows, with the span marked:
//! its cost is the window's, whatever the length of the line.

use super::model::Span;
use super::text::{CUT, floor_char_boundary, push_visible};

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
/// visible, `…` where the line goes on, and the span's byte range within
/// it. The range covers at least one character (a virtual one past the end
/// of the line) and never runs past the first line of the span.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Excerpt {
    pub text: String,
    pub marked: std::ops::Range<usize>,
}

impl Excerpt {
    pub(super) fn of(text: &str, span: Span) -> Excerpt {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
