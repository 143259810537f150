//! gtdocs' block of links in the wiki's own sidebar (`wiki.sidebar:
//! section`). The block is found by its two marker lines, which are HTML
//! comments: a marker shown as text (in a code block, a quote) is a
//! person's and never counts. It is put in and taken out byte for byte: a
//! sidebar gtdocs puts a block into and takes it out of again is the file
//! it was.

use std::ops::Range;

use pulldown_cmark::{Event, Parser};
use serde::{Deserialize, Serialize};

use crate::render::wiki::{SECTION_BEGIN, SECTION_END};

/// What gtdocs records about the block it put into the sidebar, in the
/// wiki's ownership record: a block is only ever taken out of a sidebar
/// gtdocs put one into, and leaves it as it found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BlockRecord {
    /// The line ends put before the block to set it apart from the lines
    /// above it, taken out with it.
    pub separator: String,
    /// gtdocs created the sidebar to hold the block: it is deleted with
    /// the block when nothing else is left in it.
    pub created: bool,
}

/// What putting the block in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Put {
    Added,
    Updated,
    Unchanged,
}

/// The byte range of the block in `text` (its marker lines and their line
/// ends included), `None` when it has none. Markers that are not one
/// begin-end pair are an error, saying why: which lines are gtdocs' is
/// then not clear, and none is guessed.
pub(super) fn find(text: &str) -> Result<Option<Range<usize>>, String> {
    let mut begins = Vec::new();
    let mut ends = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        // A marker is an HTML block line of its own, not quoted: the
        // parser reports each such line as one `Html` event.
        if !matches!(event, Event::Html(_)) {
            continue;
        }
        let start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let line = text[start..end].trim();
        // A line may come in several events (before and after a `\r`).
        if line.starts_with(SECTION_BEGIN) && begins.last() != Some(&start) {
            begins.push(start);
        } else if line == SECTION_END && ends.last() != Some(&end) {
            ends.push(end);
        }
    }
    match (begins.as_slice(), ends.as_slice()) {
        ([], []) => Ok(None),
        ([begin], [end]) if begin < end => Ok(Some(*begin..*end)),
        _ => Err(format!(
            "it has {} `{SECTION_BEGIN} ...` and {} `{SECTION_END}` line(s), not one pair in that order",
            begins.len(),
            ends.len()
        )),
    }
}

/// Whether `block` is one block as gtdocs writes it: its first line the
/// begin marker, its last the end marker, no other marker between.
pub(super) fn is_block(block: &str) -> bool {
    block.starts_with(SECTION_BEGIN) && find(block) == Ok(Some(0..block.len()))
}

/// `current` (the sidebar, `None` when there is none) with `block` put in:
/// where the block stands when it has one (a person may move it, or put
/// the two marker lines where they want it), else at the end after a blank
/// line. Returns the new text, the record to keep and what changed.
pub(super) fn put(
    current: Option<&str>,
    block: &str,
    record: Option<&BlockRecord>,
) -> Result<(String, BlockRecord, Put), String> {
    let Some(text) = current else {
        let record = BlockRecord {
            separator: String::new(),
            created: true,
        };
        return Ok((block.to_owned(), record, Put::Added));
    };
    let crlf = text.contains("\r\n");
    let newline = if crlf { "\r\n" } else { "\n" };
    let block = if crlf {
        block.replace('\n', "\r\n")
    } else {
        block.to_owned()
    };
    if let Some(range) = find(text)? {
        let put = if text[range.clone()] == block {
            Put::Unchanged
        } else {
            Put::Updated
        };
        let next = format!("{}{block}{}", &text[..range.start], &text[range.end..]);
        return Ok((next, record.cloned().unwrap_or_default(), put));
    }
    let separator = if text.is_empty() {
        String::new()
    } else if text.ends_with('\n') {
        newline.to_owned()
    } else {
        format!("{newline}{newline}")
    };
    let next = format!("{text}{separator}{block}");
    let record = BlockRecord {
        separator,
        created: false,
    };
    Ok((next, record, Put::Added))
}

/// `text` with the block gtdocs recorded putting in taken out: `Ok(None)`
/// when the block is not there (any more), `Ok(Some(None))` when the
/// sidebar goes with it (gtdocs created it and nothing else is left).
pub(super) fn take(text: &str, record: &BlockRecord) -> Result<Option<Option<String>>, String> {
    let Some(range) = find(text)? else {
        return Ok(None);
    };
    let after = &text[range.end..];
    let mut before = &text[..range.start];
    if after.is_empty() {
        before = before.strip_suffix(&record.separator).unwrap_or(before);
    }
    let rest = format!("{before}{after}");
    Ok(Some(
        Some(rest).filter(|r| !(record.created && r.trim().is_empty())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "<!-- gtdocs:begin x -->\n- [A](A)\n<!-- gtdocs:end -->\n";

    fn round_trip(original: Option<&str>) -> String {
        let (with, record, put_) = put(original, BLOCK, None).expect("put");
        assert_eq!(put_, Put::Added);
        if let Some(original) = original {
            assert!(with.starts_with(original), "{with:?}");
        }
        let back = take(&with, &record).expect("take").expect("found");
        assert_eq!(back.as_deref(), original, "{with:?}");
        // Put in again: nothing changes.
        let (again, _, put_) = put(Some(&with), BLOCK, Some(&record)).expect("put");
        assert_eq!((again.as_str(), put_), (with.as_str(), Put::Unchanged));
        with
    }

    #[test]
    fn a_block_put_in_and_taken_out_leaves_the_sidebar_as_it_was() {
        for original in [
            "**Ours**\n",
            "**Ours**\n\n- [B](B)\n",
            "a\r\nb\r\n",
            "no final newline",
            "\n",
            "",
        ] {
            round_trip(Some(original));
        }
        assert!(round_trip(Some("a\r\n")).ends_with("<!-- gtdocs:end -->\r\n"));
        assert_eq!(round_trip(None), BLOCK);
    }

    #[test]
    fn a_moved_block_is_updated_where_it_stands() {
        let old = "<!-- gtdocs:begin x -->\n- [Old](Old)\n<!-- gtdocs:end -->\n";
        let text = format!("top\n{old}bottom\n");
        let (next, record, put_) = put(Some(&text), BLOCK, None).expect("put");
        assert_eq!(
            (next.as_str(), put_),
            (format!("top\n{BLOCK}bottom\n").as_str(), Put::Updated)
        );
        assert_eq!(
            take(&text, &record).expect("take"),
            Some(Some("top\nbottom\n".to_owned()))
        );
    }

    #[test]
    fn markers_shown_as_text_are_not_gtdocs() {
        for text in [
            "```\n<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\n```\n",
            "    <!-- gtdocs:begin x -->\n    <!-- gtdocs:end -->\n",
            "> <!-- gtdocs:begin x -->\n> <!-- gtdocs:end -->\n",
            "~~~\n<!-- gtdocs:begin\n~~~\n",
        ] {
            assert_eq!(find(text), Ok(None), "{text:?}");
            let (next, _, put_) = put(Some(text), BLOCK, None).expect("put");
            assert_eq!(put_, Put::Added);
            assert!(next.starts_with(text));
        }
    }

    #[test]
    fn markers_that_are_not_one_pair_are_refused() {
        for text in [
            "<!-- gtdocs:begin -->\n",
            "<!-- gtdocs:end -->\n",
            "<!-- gtdocs:end -->\n<!-- gtdocs:begin -->\n",
            "<!-- gtdocs:begin -->\n<!-- gtdocs:begin -->\n<!-- gtdocs:end -->\n",
        ] {
            assert!(put(Some(text), BLOCK, None).is_err(), "{text:?}");
            assert!(take(text, &BlockRecord::default()).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_block_is_checked_whole() {
        assert!(is_block(BLOCK));
        for bad in [
            "",
            "- [A](A)\n",
            "<!-- gtdocs:begin x -->\n- [A](A)\n",
            "x\n<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\n",
            "<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\nx\n",
            "<!-- gtdocs:begin x -->\n<!-- gtdocs:end -->\n<!-- gtdocs:end -->\n",
        ] {
            assert!(!is_block(bad), "{bad:?}");
        }
    }
}
