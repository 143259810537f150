//! Hints for the YAML parser's most common complaints. The parser says
//! what it expected ("did not find expected '-' indicator"); the hint says
//! what a person most likely did: a list item indented one space off, a
//! `[` left open, a value that needed quotes. A hint is only given for the
//! cause the source shows.

use crate::diagnostic::Span;

/// The hint for the parser's `message` about `text` at `span`.
/// `flow_open` tells whether a `[` or `{` is still open at the error (the
/// parser knows: asked only when the message could mean that).
pub(super) fn syntax_hint(
    message: &str,
    text: &str,
    span: Option<Span>,
    flow_open: impl FnOnce() -> bool,
) -> Option<String> {
    if message.contains("tab") {
        return Some("indent with spaces: YAML does not allow tabs for indentation".into());
    }
    if message.contains("mapping values are not allowed") {
        return Some("check the indentation of this line against the line above, or quote a value that contains `: `".into());
    }
    if message.contains("unclosed quote") || message.contains("quoted scalar") {
        return Some("close the quote, or write long text as a `>-` block".into());
    }
    let block = message.contains("did not find expected '-' indicator")
        || message.contains("did not find expected key");
    let structure = block
        || message.contains("did not find expected")
        || message.contains("':' indicator")
        || message.contains("only valid inside a block");
    if !structure {
        return None;
    }
    let line = span.map(|s| line_of(text, s.start));
    let starts_flow = line.is_some_and(|(_, l)| value_starts_flow(l));
    if starts_flow || flow_open() {
        return Some("a `[` or `{` may be left unclosed above, or a value starting with `[`, `{`, `*`, `&` or `!` needs quotes".into());
    }
    if !block {
        return None;
    }
    let (start, line) = line?;
    let number = span.map_or(0, |s| s.line);
    Some(
        indentation_hint(&text[..start], line, number).unwrap_or_else(|| {
            format!(
                "check the indentation of line {number} against the lines above: the items of a list, and the keys of a mapping, start in one column"
            )
        }),
    )
}

/// The start of the line holding byte `at`, and the line (without its end).
fn line_of(text: &str, at: usize) -> (usize, &str) {
    let at = crate::diagnostic::floor_char_boundary(text, at);
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    (start, text[start..end].trim_end_matches('\r'))
}

/// Whether the line's node starts with a character that begins something
/// other than text in YAML (a flow collection, an alias, an anchor, a
/// tag): written unquoted, `[draft] Title` is a list and then garbage.
fn value_starts_flow(line: &str) -> bool {
    let rest = after_indicators(line);
    let value = match key_end(rest) {
        Some(end) => rest[end..].trim_start(),
        None => rest,
    };
    [rest, value]
        .iter()
        .any(|s| s.starts_with(['[', '{', '*', '&', '!']))
}

/// The line without its indentation and its `- ` (or `? `) indicators.
fn after_indicators(line: &str) -> &str {
    let mut rest = line.trim_start_matches(' ');
    while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("? ")) {
        rest = r.trim_start_matches(' ');
    }
    if rest == "-" { "" } else { rest }
}

/// Past the `:` of a `key:` that starts `rest` (a `:` followed by a space
/// or the end of the line), if it does.
fn key_end(rest: &str) -> Option<usize> {
    if rest.starts_with(['#', '[', '{', '"', '\'']) {
        return None;
    }
    let colon = rest
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with([' ', '\t']))?;
    (!rest[..colon].contains(" #")).then_some(colon + 1)
}

/// What a line above opens: the column its list items or mapping keys
/// start in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opens {
    Items,
    Keys,
}

/// "line 18 is indented 3 spaces; the items of this list above are
/// indented 2 (line 16)": the error line against the nearest column above
/// that a line of its kind (an item, or a key) could line up with. The
/// columns are those of the lines that enclose the error line (each less
/// indented than every line after it), skipping blank lines, comments and
/// the text of `|` and `>` blocks. `None` when the line is already lined
/// up with one, or nothing above can tell.
fn indentation_hint(above: &str, line: &str, number: u32) -> Option<String> {
    let indent = indentation(line);
    let wanted = if after_indicators(line).len() < line.trim_start_matches(' ').len() {
        Opens::Items
    } else {
        Opens::Keys
    };
    let lines: Vec<&str> = above.lines().collect();
    let text_of_blocks = block_scalar_text(&lines);
    // The column, its line, and whether it follows the line's `- `.
    let mut nearest: Option<(usize, u32, bool)> = None;
    let mut least = usize::MAX;
    for (i, l) in lines.iter().enumerate().rev() {
        if least == 0 {
            break;
        }
        let content = l.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') || text_of_blocks[i] {
            continue;
        }
        let at = indentation(l);
        let rest = after_indicators(l);
        // An item line opens two columns: its dash, and its mapping's keys.
        let mut opened = Vec::new();
        let keys_at = l.len() - rest.len();
        if key_end(rest).is_some() {
            opened.push((keys_at, Opens::Keys));
        }
        if keys_at > at {
            opened.push((at, Opens::Items));
        }
        for (column, opens) in opened {
            if column >= least {
                continue;
            }
            least = column;
            let better = nearest.is_none_or(|(c, ..)| column.abs_diff(indent) < c.abs_diff(indent));
            if opens == wanted && better {
                nearest = Some((column, u32::try_from(i + 1).ok()?, column > at));
            }
        }
    }
    let (column, at_line, after_dash) = nearest.filter(|&(c, ..)| c != indent)?;
    let what = match wanted {
        Opens::Items => "the items of this list",
        Opens::Keys => "the keys of this mapping",
    };
    let after_dash = if after_dash { ", after its `- `" } else { "" };
    Some(format!(
        "line {number} is indented {}; {what} above are indented {column} (line {at_line}{after_dash})",
        spaces(indent)
    ))
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn spaces(n: usize) -> String {
    format!("{n} space{}", if n == 1 { "" } else { "s" })
}

/// For each line, whether it is the text of a `|` or `>` block scalar
/// (more indented than the line that opens the block, or blank).
fn block_scalar_text(lines: &[&str]) -> Vec<bool> {
    let mut text = vec![false; lines.len()];
    let mut open: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        let blank = l.trim().is_empty();
        if let Some(at) = open {
            if blank || indentation(l) > at {
                text[i] = true;
                continue;
            }
            open = None;
        }
        let rest = after_indicators(l);
        let value = key_end(rest).map_or(rest, |end| rest[end..].trim_start());
        let header = value.split(" #").next().unwrap_or("").trim_end();
        let is_header = header.starts_with(['|', '>'])
            && header[1..]
                .chars()
                .all(|c| matches!(c, '+' | '-' | '1'..='9'));
        if is_header {
            open = Some(indentation(l));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(text: &str, line: u32, open: bool) -> Option<String> {
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum();
        let message = "while parsing a block collection, did not find expected '-' indicator";
        syntax_hint(message, text, Some(Span::new(line, 1, start, 0)), || open)
    }

    #[test]
    fn an_item_off_by_one_is_named_with_its_list() {
        let text = "config:\n  - field: a\n    value: b\n\n  # c\n  - field: c\n    value: |\n      - x\n   - field: d\n";
        assert_eq!(
            hint(text, 9, false).as_deref(),
            Some(
                "line 9 is indented 3 spaces; the items of this list above are indented 2 (line 6)"
            )
        );
        let text = "config:\n   - field: a\n    value: b\n";
        assert_eq!(
            hint(text, 3, false).as_deref(),
            Some(
                "line 3 is indented 4 spaces; the keys of this mapping above are indented 5 (line 2, after its `- `)"
            )
        );
        let text = "matrix:\n  chat: a\n summary: >-\n";
        assert_eq!(
            hint(text, 3, false).as_deref(),
            Some(
                "line 3 is indented 1 space; the keys of this mapping above are indented 2 (line 2)"
            )
        );
    }

    #[test]
    fn the_bracket_hint_needs_an_open_bracket_or_a_value_starting_one() {
        let bracket = Some(
            "a `[` or `{` may be left unclosed above, or a value starting with `[`, `{`, `*`, `&` or `!` needs quotes",
        );
        let text = "setup:\n  - a\n   - b\n";
        assert_eq!(hint(text, 3, true).as_deref(), bracket);
        assert_eq!(
            hint(text, 3, false).as_deref(),
            Some(
                "line 3 is indented 3 spaces; the items of this list above are indented 2 (line 2)"
            )
        );
        for line in [
            "  - [x] done",
            "title: [draft] A",
            "  - key: {a} b",
            "- *a b",
        ] {
            assert_eq!(
                hint(&format!("{line}\n"), 1, false).as_deref(),
                bracket,
                "{line}"
            );
        }
        // Nothing above to line up with: the general advice.
        assert_eq!(
            hint("  - a: b\n", 1, false).as_deref(),
            Some(
                "check the indentation of line 1 against the lines above: the items of a list, and the keys of a mapping, start in one column"
            )
        );
    }
}
