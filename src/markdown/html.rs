//! Source text (inline Markdown) as an HTML fragment or as plain text, for
//! the site's pages and its search index.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::text::{Edit, apply, fold_lines, is_safe_url};

/// Source text (inline Markdown) as an HTML fragment. Raw HTML shows as
/// text; links keep only http(s), mailto and relative destinations (others
/// keep their text); images show as the text they are written as, so a
/// page never loads anything from another host. Text that Markdown would read as a block
/// (a heading, a list) is shown as written, escaped.
pub fn to_html(text: &str) -> String {
    let text = without_definitions(fold_lines(text));
    // Most texts hold no Markdown at all: no need to parse them.
    if !text.contains([
        '`', '*', '_', '[', ']', '<', '>', '&', '\\', '!', '~', '#', '-', '+', '=', '|',
    ]) {
        return escape_html(&text);
    }
    let mut links = Vec::new();
    let mut events = Vec::new();
    // Inside an image: its events are skipped, its source shown instead.
    let mut image_depth = 0usize;
    for (event, range) in Parser::new_ext(&text, Options::ENABLE_STRIKETHROUGH).into_offset_iter() {
        match event {
            Event::Start(Tag::Image { .. }) => {
                if image_depth == 0 {
                    events.push(Event::Text(text[range].to_string().into()));
                }
                image_depth += 1;
            }
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ if image_depth > 0 => {}
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                let safe = is_safe_url(dest_url);
                links.push(safe);
                if safe {
                    events.push(event);
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop().unwrap_or(false) {
                    events.push(event);
                }
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough)
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough)
            | Event::Text(_)
            | Event::Code(_)
            | Event::SoftBreak
            | Event::HardBreak => events.push(event),
            _ => return escape_html(&text),
        }
    }
    let mut html = String::with_capacity(text.len() + 16);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Source text (inline Markdown) as plain text: the words a reader sees.
pub fn to_plain(text: &str) -> String {
    let text = without_definitions(fold_lines(text));
    let mut out = String::with_capacity(text.len());
    for event in Parser::new_ext(&text, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

/// Text whose link reference definitions (`[x]: https://…`) are escaped,
/// so they read as the text they are: the parser would consume a
/// definition and show nothing of it. Source text defines nothing; links
/// are written inline.
fn without_definitions(text: String) -> String {
    let mut text = text;
    // Escaping one definition's `[` may reveal none other (the text is one
    // line), but the loop is bounded anyway.
    for _ in 0..4 {
        if !text.contains("]:") {
            break;
        }
        let mut events = Parser::new_ext(&text, Options::ENABLE_STRIKETHROUGH).into_offset_iter();
        events.by_ref().for_each(drop);
        let edits: Vec<Edit> = events
            .reference_definitions()
            .iter()
            .filter_map(|(_, def)| {
                let open = text.get(def.span.clone())?.find('[')?;
                Some(Edit::Backslash(def.span.start + open))
            })
            .collect();
        if edits.is_empty() {
            break;
        }
        text = apply(&text, edits);
    }
    text
}

/// `&`, `<`, `>` and quotes escaped for HTML text and attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_rendering_is_safe() {
        assert_eq!(
            to_html("Use `a<b>` and **bold**"),
            "Use <code>a&lt;b&gt;</code> and <strong>bold</strong>"
        );
        assert_eq!(
            to_html("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            to_html("[x](javascript:alert(1)) [y](https://a.example)"),
            "x <a href=\"https://a.example\">y</a>"
        );
        assert_eq!(
            to_html("![alt](https://tracker.example/p.png)"),
            "![alt](https://tracker.example/p.png)"
        );
        assert_eq!(to_html("# not a heading"), "# not a heading");
        assert_eq!(
            to_html("\"><img src=x onerror=alert(1)>"),
            "\"&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(to_plain("Run `x` **now**"), "Run x now");
    }

    #[test]
    fn definitions_show_as_text_in_html() {
        // pulldown-cmark consumes a definition and renders nothing of it.
        assert_eq!(
            to_html("[x]: https://a.example/y \"t\""),
            "[x]: https://a.example/y \"t\""
        );
        assert_eq!(
            to_plain("[x]: https://a.example/y"),
            "[x]: https://a.example/y"
        );
    }
}
