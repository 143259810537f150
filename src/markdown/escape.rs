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

use super::text::{Edit, apply, fold_lines, is_safe_url, longest_run};

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
    // A trailing backslash would escape whatever the page puts next.
    if is_escaped(&format!("{s}x"), s.len()) {
        s.push('\\');
    }
    if place == Place::Cell {
        escape_pipes(&s)
    } else {
        s
    }
}

/// A link to a wiki page. Its text is inline Markdown with every bracket
/// escaped: a link inside the text would otherwise win over this one.
pub fn link(text: &str, page: &str, place: Place) -> String {
    let inner = inline(text, Place::Inline);
    let mut label = String::with_capacity(inner.len() + 4);
    for (i, c) in inner.char_indices() {
        if matches!(c, '[' | ']') && !is_escaped(&inner, i) {
            label.push('\\');
        }
        label.push(c);
    }
    let link = format!("[{label}]({})", link_destination(page));
    if place == Place::Cell {
        escape_pipes(&link)
    } else {
        link
    }
}

/// Text that must show exactly as written (a URL): as is when Markdown
/// reads it as plain text, else with every ASCII punctuation character
/// backslash-escaped.
pub fn verbatim(text: &str, place: Place) -> String {
    let text = fold_lines(text);
    let (doc, shift) = match place {
        Place::LineStart => (text.clone(), 0),
        Place::Inline | Place::Cell => (format!("x {text}"), 2),
    };
    let mut plain = String::new();
    let mut only_text = true;
    for event in Parser::new_ext(&doc, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Paragraph) | Event::End(pulldown_cmark::TagEnd::Paragraph) => {}
            Event::Text(t) => plain.push_str(&t),
            _ => only_text = false,
        }
    }
    // `[[` would be a wiki link or image on GitHub's wiki, whatever
    // Markdown makes of it.
    if only_text
        && plain.get(shift..) == Some(text.as_str())
        && !text.ends_with('\\')
        && !text.contains("[[")
    {
        return if place == Place::Cell {
            escape_pipes(&text)
        } else {
            text
        };
    }
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
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

/// Every `|` gets one more backslash. A GFM table removes one backslash
/// before each pipe before it parses the cell (also inside code spans), so
/// the cell then reads exactly as the text did on its own: `a|b` stays
/// `a|b`, `\|` stays an escaped pipe, and `` `p\|q` `` keeps its backslash.
fn escape_pipes(s: &str) -> String {
    s.replace('|', "\\|")
}

fn find_edits(s: &str, place: Place) -> Vec<Edit> {
    // Mid-line, the text cannot start a block: parse it behind a neutral
    // prefix so the parser reads it as the inline text it will be.
    let (doc, shift) = match place {
        Place::LineStart => (s.to_string(), 0),
        Place::Inline | Place::Cell => (format!("x {s}"), 2),
    };
    let at = |i: usize| i.saturating_sub(shift);
    let mut edits = Vec::new();
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut events = Parser::new_ext(&doc, options).into_offset_iter();
    let mut first_block: Option<(Tag<'_>, Range<usize>)> = None;
    let mut code_spans: Vec<Range<usize>> = Vec::new();
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
                            edits.push(Edit::Lt(at(range.start)));
                        } else if let Some(open) = doc[range.clone()].find('[') {
                            edits.push(Edit::Backslash(at(range.start + open)));
                        }
                    }
                    // An image, whatever its address, would load from a host
                    // outside the wiki when the page is read: shown as text.
                    Tag::Image { .. } => {
                        if let Some(open) = doc[range.clone()].find('[') {
                            edits.push(Edit::Backslash(at(range.start + open)));
                        }
                    }
                    _ => {}
                }
                if first_block.is_none() {
                    first_block = Some((tag, range));
                }
            }
            Event::Code(_) => code_spans.push(range),
            Event::Html(_) | Event::InlineHtml(_) => {
                edits.extend(
                    doc[range.clone()]
                        .match_indices('<')
                        .map(|(i, _)| Edit::Lt(at(range.start + i))),
                );
            }
            // Literal text must stay literal beside other text on the same
            // line: a lone backtick, `<` or `](` could otherwise pair with
            // the next text and open a code span, a tag or a link there.
            Event::Text(_) => {
                for (i, c) in doc[range.clone()].char_indices() {
                    let i = range.start + i;
                    if i < shift || is_escaped(&doc, i) {
                        continue;
                    }
                    match c {
                        '`' => edits.push(Edit::Backslash(at(i))),
                        '<' => edits.push(Edit::Lt(at(i))),
                        ']' if matches!(doc.as_bytes().get(i + 1), Some(b'(' | b'[')) => {
                            edits.push(Edit::Backslash(at(i)))
                        }
                        _ => {}
                    }
                }
            }
            Event::Rule if first_block.is_none() => {
                edits.push(Edit::Backslash(first_non_space(s, range.start)));
                first_block = Some((Tag::Paragraph, range));
            }
            _ => {}
        }
    }
    for (_, def) in events.reference_definitions().iter() {
        if let Some(open) = doc[def.span.clone()].find('[') {
            edits.push(Edit::Backslash(at(def.span.start + open)));
        }
    }
    // GitHub's wiki reads `[[Page]]` and `[[https://…/x.png]]` in the page
    // text before Markdown (a link, an image from any host): no two `[`
    // may stand side by side outside a code span. Each is escaped.
    // The code spans come in document order: one pass over both.
    let bytes = doc.as_bytes();
    let mut spans = code_spans.iter().peekable();
    for i in shift..bytes.len() {
        while spans.next_if(|c| c.end <= i).is_some() {}
        let doubled = bytes[i] == b'['
            && (bytes.get(i + 1) == Some(&b'[') || (i > 0 && bytes[i - 1] == b'['));
        let in_code = spans.peek().is_some_and(|c| c.contains(&i));
        if doubled && !in_code && !is_escaped(&doc, i) {
            edits.push(Edit::Backslash(at(i)));
        }
    }
    // `[ ]`, `[x]` at the start of a list item make a task-list checkbox.
    if place == Place::LineStart && is_task_marker(s) {
        edits.push(Edit::Backslash(0));
    }
    if place == Place::LineStart
        && let Some((tag, range)) = first_block
    {
        let start = first_non_space(s, range.start);
        match tag {
            Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::List(None)
            | Tag::CodeBlock(CodeBlockKind::Fenced(_))
            | Tag::Table(_) => edits.push(Edit::Backslash(start)),
            Tag::List(Some(_)) => {
                let digits = s[start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(s.len(), |i| start + i);
                edits.push(Edit::Backslash(digits));
            }
            _ => {}
        }
    }
    edits
}

/// Whether `s` starts as a GFM task-list item's content does: `[ ]`, `[x]`
/// or `[X]`, then white space or the end.
fn is_task_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3
        && b[0] == b'['
        && matches!(b[1], b' ' | b'\t' | b'x' | b'X')
        && b[2] == b']'
        && b.get(3).is_none_or(|c| c.is_ascii_whitespace())
}

/// Whether the character at `i` is escaped by an odd run of backslashes.
fn is_escaped(s: &str, i: usize) -> bool {
    s.as_bytes()[..i]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
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
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            inline("![i](data:text/html,x)", Inline),
            "!\\[i\\](data:text/html,x)"
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
        assert_eq!(inline("```rust", LineStart), "\\`\\`\\`rust");
        assert_eq!(inline("***", LineStart), "\\***");
        assert_eq!(inline("- # x", LineStart), "\\- # x");
    }

    #[test]
    fn cells_escape_pipes_and_fold_lines() {
        assert_eq!(inline("a | b\nc", Cell), "a \\| b c");
        assert_eq!(inline("`x|y`", Cell), "`x\\|y`");
        assert_eq!(inline("already \\| escaped", Cell), "already \\\\| escaped");
        assert_eq!(inline("`p\\|q`", Cell), "`p\\\\|q`");
    }

    #[test]
    fn text_cannot_pair_with_its_neighbours() {
        // Each would otherwise open a code span, tag or link that the next
        // text on the same line closes.
        assert_eq!(
            inline("an unbalanced ` tick", Inline),
            "an unbalanced \\` tick"
        );
        assert_eq!(inline("a < b", Inline), "a &lt; b");
        assert_eq!(
            inline("x](javascript:alert(1))", Inline),
            "x\\](javascript:alert(1))"
        );
        assert_eq!(inline("ends with \\", Inline), "ends with \\\\");
        assert_eq!(inline("already \\\\", Inline), "already \\\\");
        // Balanced constructs and brackets that close nothing stay as written.
        assert_eq!(
            inline("endpoints.custom[].baseURL", Inline),
            "endpoints.custom[].baseURL"
        );
        assert_eq!(inline("`a` and `b`", Inline), "`a` and `b`");
    }

    #[test]
    fn links_and_verbatim_text() {
        assert_eq!(
            link("LibreChat", "Page-Name", Inline),
            "[LibreChat](Page-Name)"
        );
        assert_eq!(
            link("a [b](https://x.example) c", "P", Inline),
            "[a \\[b\\](https://x.example) c](P)"
        );
        assert_eq!(
            link("x](javascript:1)", "P", Inline),
            "[x\\](javascript:1)](P)"
        );
        assert_eq!(link("a | b", "P", Cell), "[a \\| b](P)");
        let url = "https://www.librechat.ai/docs/librechat_yaml/ai_endpoints";
        assert_eq!(verbatim(url, LineStart), url);
        assert_eq!(
            verbatim("https://x.example/(a)_b_`c`", LineStart),
            "https\\:\\/\\/x\\.example\\/\\(a\\)\\_b\\_\\`c\\`"
        );
    }

    #[test]
    fn definitions_show_as_text() {
        assert_eq!(
            inline("[x]: https://a.example/y", LineStart),
            "\\[x]: https://a.example/y"
        );
    }

    #[test]
    fn wiki_syntax_and_task_markers_are_escaped() {
        assert_eq!(inline("[[Page|x]]", Inline), "\\[\\[Page|x]]");
        assert_eq!(
            inline("see [[https://a.example/i.png]]", LineStart),
            "see \\[\\[https://a.example/i.png]]"
        );
        assert_eq!(inline("[[[x]]]", Inline), "\\[\\[\\[x]]]");
        assert_eq!(inline("`[[kept]]` in code", Inline), "`[[kept]]` in code");
        assert_eq!(
            inline("![](https://a.example/p.png)", Inline),
            "!\\[\\](https://a.example/p.png)"
        );
        assert_eq!(inline("[ ] open", LineStart), "\\[ ] open");
        assert_eq!(inline("[x] done", LineStart), "\\[x] done");
        assert_eq!(inline("[x] mid-line", Inline), "[x] mid-line");
        assert_eq!(inline("[xy] not a box", LineStart), "[xy] not a box");
        assert!(!verbatim("https://a.example/[[x]]", LineStart).contains("[["));
        assert!(!link("[[x]]", "P", Inline).contains("[["));
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("gtak_...", Inline), "`gtak_...`");
        assert_eq!(code("a`b", Inline), "``a`b``");
        assert_eq!(code("`x`", Inline), "`` `x` ``");
        assert_eq!(code("a|b", Cell), "`a\\|b`");
    }
}
