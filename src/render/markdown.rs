//! Making untrusted source text safe to place in a Markdown page.
//!
//! Source text is inline Markdown: code spans, emphasis and http(s) links
//! pass through verbatim. What could change the page's structure or run
//! script is neutralized: raw HTML (`<` becomes `&lt;`), links and images
//! with other schemes (their `[` is escaped, so they read as text), link
//! reference definitions, block starts (`#`, `>`, `-`, `1.`, fences,
//! thematic breaks) where the text begins a line, line breaks (folded into
//! spaces) and, in table cells, pipes. pulldown-cmark finds each construct,
//! so the decisions follow CommonMark rather than a hand-written scanner.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag};

/// Where the text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Starts a line: a paragraph or a list item's content.
    LineStart,
    /// After other text on the same line.
    Inline,
    /// A GFM table cell.
    Cell,
}

/// Source text as safe inline Markdown for `place`.
pub fn inline(text: &str, place: Place) -> String {
    let mut s = fold_lines(text);
    // Each pass fixes what the parser sees first; escaping one construct can
    // reveal another (`- # x`), so repeat until nothing changes.
    for _ in 0..8 {
        let edits = find_edits(&s, place);
        if edits.is_empty() {
            break;
        }
        s = apply(&s, edits);
    }
    if place == Place::Cell {
        escape_pipes(&s)
    } else {
        s
    }
}

/// A code span holding `text` verbatim, whatever backticks it contains.
pub fn code(text: &str, place: Place) -> String {
    let text = fold_lines(text);
    let longest = longest_run(&text, '`');
    let fence = "`".repeat(longest + 1);
    let pad = text.is_empty() || text.starts_with('`') || text.ends_with('`');
    let inner = if pad { format!(" {text} ") } else { text };
    let span = format!("{fence}{inner}{fence}");
    if place == Place::Cell {
        escape_pipes(&span)
    } else {
        span
    }
}

/// A URL made safe as a link destination: characters that would end or
/// break `(...)` are percent-encoded.
pub fn link_destination(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            ' ' => out.push_str("%20"),
            '\\' => out.push_str("%5C"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Line breaks (and the spaces around them) become one space; the ends are
/// trimmed, so no text can open an indented code block.
pub fn fold_lines(text: &str) -> String {
    if !text.contains(['\n', '\r']) {
        return text.trim().to_string();
    }
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest run of `c` in `text`.
pub fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// `|` becomes `\|` unless a backslash already escapes it (GFM splits cells
/// before inline parsing, also inside code spans).
fn escape_pipes(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut backslashes = 0;
    for c in s.chars() {
        if c == '|' && backslashes % 2 == 0 {
            out.push('\\');
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    /// Insert a backslash before the byte at this position.
    Backslash(usize),
    /// Replace the `<` at this position with `&lt;`.
    Lt(usize),
}

impl Edit {
    fn at(self) -> usize {
        match self {
            Edit::Backslash(at) | Edit::Lt(at) => at,
        }
    }
}

fn apply(s: &str, mut edits: Vec<Edit>) -> String {
    edits.sort();
    edits.dedup();
    let mut out = String::with_capacity(s.len() + edits.len() * 4);
    let mut last = 0;
    for edit in edits {
        let at = edit.at();
        if at < last || at > s.len() || !s.is_char_boundary(at) {
            continue;
        }
        out.push_str(&s[last..at]);
        match edit {
            Edit::Backslash(_) => {
                out.push('\\');
                last = at;
            }
            Edit::Lt(_) => {
                out.push_str("&lt;");
                last = at + 1;
            }
        }
    }
    out.push_str(&s[last..]);
    out
}

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // No scheme: a relative link (a wiki page name) or an anchor.
        None => true,
        Some(colon) => {
            let scheme = &lower[..colon];
            // A colon after a `/`, `?` or `#` is not a scheme separator.
            if scheme.contains(['/', '?', '#']) {
                return true;
            }
            matches!(scheme, "http" | "https" | "mailto")
        }
    }
}

fn find_edits(s: &str, place: Place) -> Vec<Edit> {
    let mut edits = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut events = Parser::new_ext(s, options).into_offset_iter();
    let mut first_block: Option<(Tag<'_>, Range<usize>)> = None;
    for (event, range) in &mut events {
        match event {
            Event::Start(tag) => {
                match &tag {
                    Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    }
                    | Tag::Image {
                        link_type,
                        dest_url,
                        ..
                    } if !is_safe_url(dest_url) => {
                        if matches!(link_type, LinkType::Autolink | LinkType::Email) {
                            edits.push(Edit::Lt(range.start));
                        } else if let Some(open) = s[range.clone()].find('[') {
                            edits.push(Edit::Backslash(range.start + open));
                        }
                    }
                    _ => {}
                }
                if first_block.is_none() {
                    first_block = Some((tag, range));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let _ = html;
                edits.extend(
                    s[range.clone()]
                        .match_indices('<')
                        .map(|(i, _)| Edit::Lt(range.start + i)),
                );
            }
            Event::Rule if first_block.is_none() => {
                edits.push(Edit::Backslash(first_non_space(s, range.start)));
                first_block = Some((Tag::Paragraph, range));
            }
            _ => {}
        }
    }
    for (_, def) in events.reference_definitions().iter() {
        if let Some(open) = s[def.span.clone()].find('[') {
            edits.push(Edit::Backslash(def.span.start + open));
        }
    }
    if place == Place::LineStart
        && let Some((tag, range)) = first_block
    {
        let start = first_non_space(s, range.start);
        match tag {
            Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::List(None) => {
                edits.push(Edit::Backslash(start))
            }
            Tag::List(Some(_)) => {
                let digits = s[start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(s.len(), |i| start + i);
                edits.push(Edit::Backslash(digits));
            }
            Tag::CodeBlock(CodeBlockKind::Fenced(_)) => edits.push(Edit::Backslash(start)),
            Tag::Table(_) => edits.push(Edit::Backslash(start)),
            _ => {}
        }
    }
    if place != Place::LineStart {
        // Mid-line and in cells no block can start, but the standalone parse
        // above may still see one; only inline findings matter there.
        edits.retain(|e| matches!(e, Edit::Lt(_)) || is_link_escape(s, *e));
    }
    edits
}

fn is_link_escape(s: &str, e: Edit) -> bool {
    matches!(e, Edit::Backslash(at) if s[at..].starts_with('['))
}

fn first_non_space(s: &str, from: usize) -> usize {
    s[from..]
        .find(|c: char| c != ' ' && c != '\t')
        .map_or(from, |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Place::*;

    #[test]
    fn verbatim_inline_markdown_passes() {
        let t = "Point `librechat.yaml` → **GT**; see [docs](https://example.com) — ok";
        assert_eq!(inline(t, LineStart), t);
        assert_eq!(
            inline("`https://<tenant-host>/api`", Cell),
            "`https://<tenant-host>/api`"
        );
    }

    #[test]
    fn raw_html_is_escaped() {
        assert_eq!(
            inline("<script>alert(1)</script>", LineStart),
            "&lt;script>alert(1)&lt;/script>"
        );
        assert_eq!(
            inline("a \"><img src=x onerror=alert(1)>", Inline),
            "a \">&lt;img src=x onerror=alert(1)>"
        );
        assert_eq!(
            inline("base https://<tenant-host>/api", LineStart),
            "base https://&lt;tenant-host>/api"
        );
    }

    #[test]
    fn unsafe_links_become_text() {
        assert_eq!(
            inline("[x](javascript:alert(1))", Inline),
            "\\[x](javascript:alert(1))"
        );
        assert_eq!(
            inline("![i](data:text/html,x)", Inline),
            "!\\[i](data:text/html,x)"
        );
        assert_eq!(
            inline("<javascript:alert(1)>", Inline),
            "&lt;javascript:alert(1)>"
        );
        assert_eq!(
            inline("[ok](https://a.example/x)", Inline),
            "[ok](https://a.example/x)"
        );
        assert_eq!(
            inline("[a]: javascript:alert(1)", LineStart),
            "\\[a]: javascript:alert(1)"
        );
    }

    #[test]
    fn block_starts_are_escaped_at_line_start_only() {
        assert_eq!(inline("# not a heading", LineStart), "\\# not a heading");
        assert_eq!(inline("# fine mid-line", Inline), "# fine mid-line");
        assert_eq!(inline("> quote", LineStart), "\\> quote");
        assert_eq!(inline("- item", LineStart), "\\- item");
        assert_eq!(inline("12. item", LineStart), "12\\. item");
        assert_eq!(inline("```rust", LineStart), "\\```rust");
        assert_eq!(inline("***", LineStart), "\\***");
        assert_eq!(inline("- # x", LineStart), "\\- # x");
    }

    #[test]
    fn cells_escape_pipes_and_fold_lines() {
        assert_eq!(inline("a | b\nc", Cell), "a \\| b c");
        assert_eq!(inline("`x|y`", Cell), "`x\\|y`");
        assert_eq!(inline("already \\| escaped", Cell), "already \\| escaped");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("gtak_...", Inline), "`gtak_...`");
        assert_eq!(code("a`b", Inline), "``a`b``");
        assert_eq!(code("`x`", Inline), "`` `x` ``");
        assert_eq!(code("a|b", Cell), "`a\\|b`");
    }
}
