//! gtdocs' block of links in the wiki's own sidebar (`wiki.sidebar:
//! section`). The block is found by its two marker lines, which are HTML
//! comments: a marker shown as text (in a code block, a quote) is a
//! person's and never counts. It is put in and taken out byte for byte: a
//! sidebar gtdocs puts a block into and takes it out of again is the file
//! it was.

use std::ops::Range;

use pulldown_cmark::{Event, Parser};

use super::records::{BlockRecord, digest};
use crate::render::wiki::{SECTION_BEGIN, SECTION_END};

/// What putting the block in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Put {
    /// A sidebar was created to hold the block.
    Created,
    Added,
    Updated,
    Unchanged,
}

/// A block put in or taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spliced {
    /// The sidebar's text now, `None` when it goes.
    pub text: Option<String>,
    /// A person edited the block since gtdocs wrote it: their edit is
    /// replaced, or taken out with it.
    pub edited: bool,
}

const BOM: char = '\u{feff}';

/// The byte range of the block in `text` (its marker lines and their line
/// ends included), `None` when it has none. Markers that are not one
/// begin-end pair are an error, saying why: which lines are gtdocs' is
/// then not clear, and none is guessed.
pub(super) fn find(text: &str) -> Result<Option<Range<usize>>, String> {
    let mut begins = Vec::new();
    let mut ends = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        // A marker is an HTML block line of its own, not quoted: the
        // parser reports each such line as one `Html` event (as inline
        // HTML after a byte order mark, which no editor shows).
        if !matches!(event, Event::Html(_) | Event::InlineHtml(_)) {
            continue;
        }
        let mut start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        if text[start..].starts_with(BOM) {
            start += BOM.len_utf8();
        }
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
/// where the block stands when it has one (a person may move it, indent it
/// into a list, or put the two marker lines where they want it), else at
/// the end after a blank line. Returns the new text, the record to keep and
/// what changed.
pub(super) fn put(
    current: Option<&str>,
    block: &str,
    record: Option<&BlockRecord>,
) -> Result<(Spliced, BlockRecord, Put), String> {
    let Some(text) = current else {
        let record = BlockRecord {
            separator: String::new(),
            created: true,
            digest: fingerprint(block),
        };
        let spliced = Spliced {
            text: Some(block.to_owned()),
            edited: false,
        };
        return Ok((spliced, record, Put::Created));
    };
    let crlf = text.contains("\r\n");
    if let Some(range) = find(text)? {
        let indent: String = text[range.start..]
            .chars()
            .take_while(|c| matches!(c, ' ' | '\t'))
            .collect();
        let block = styled(block, &indent, crlf);
        let found = &text[range.clone()];
        let put = if found == block {
            Put::Unchanged
        } else {
            Put::Updated
        };
        let spliced = Spliced {
            text: Some(format!(
                "{}{block}{}",
                &text[..range.start],
                &text[range.end..]
            )),
            edited: put != Put::Unchanged && record.is_some_and(|r| edited(found, r)),
        };
        let record = BlockRecord {
            digest: fingerprint(&block),
            ..record.cloned().unwrap_or_default()
        };
        return Ok((spliced, record, put));
    }
    let block = styled(block, "", crlf);
    let newline = if crlf { "\r\n" } else { "\n" };
    let separator = if text.is_empty() {
        String::new()
    } else if text.ends_with('\n') {
        newline.to_owned()
    } else {
        format!("{newline}{newline}")
    };
    let spliced = Spliced {
        text: Some(format!("{text}{separator}{block}")),
        edited: false,
    };
    let record = BlockRecord {
        separator,
        created: false,
        digest: fingerprint(&block),
    };
    Ok((spliced, record, Put::Added))
}

/// `text` with the block gtdocs recorded putting in taken out, `None` when
/// the block is not there (any more). The sidebar goes with it when gtdocs
/// created it and nothing else is left.
pub(super) fn take(text: &str, record: &BlockRecord) -> Result<Option<Spliced>, String> {
    let Some(range) = find(text)? else {
        return Ok(None);
    };
    let after = &text[range.end..];
    let mut before = &text[..range.start];
    if after.is_empty() {
        before = strip_separator(before, &record.separator);
    }
    let rest = format!("{before}{after}");
    Ok(Some(Spliced {
        text: Some(rest).filter(|r| {
            !(record.created && r.trim_matches([BOM, ' ', '\t', '\r', '\n']).is_empty())
        }),
        edited: edited(&text[range], record),
    }))
}

/// The block as it goes into a sidebar: each line indented as the block
/// found there is (its range starts at its first line's start), with the
/// sidebar's line ends.
fn styled(block: &str, indent: &str, crlf: bool) -> String {
    let mut out = String::with_capacity(block.len() + 16);
    for line in block.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(indent);
        }
        match line.strip_suffix('\n') {
            Some(content) if crlf => {
                out.push_str(content);
                out.push_str("\r\n");
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Whether the block found differs from the one gtdocs recorded writing.
fn edited(found: &str, record: &BlockRecord) -> bool {
    !record.digest.is_empty() && fingerprint(found) != record.digest
}

/// The digest of a block's lines, whatever their indent and line ends: a
/// block indented into a list or converted to CRLF is not edited.
fn fingerprint(block: &str) -> String {
    let lines: Vec<&str> = block
        .lines()
        .map(|l| l.trim_start_matches([' ', '\t']))
        .collect();
    digest(lines.join("\n").as_bytes())
}

/// `before` without the line ends gtdocs put before its block, when they
/// are still there as it put them: a blank line after text that ended its
/// line (`\n`), or a line end and a blank line after text that did not
/// (`\n\n`), in the file's line ends now (a person may have converted
/// it). The record is the wiki's: any other value strips nothing, and so
/// does a blank line a person took out: their last line end stays.
fn strip_separator<'a>(before: &'a str, separator: &str) -> &'a str {
    let ours = match separator {
        "\n" | "\r\n" => 1,
        "\n\n" | "\r\n\r\n" => 2,
        _ => return before,
    };
    let newline = if before.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    if !before.ends_with(&newline.repeat(2)) {
        return before;
    }
    &before[..before.len() - newline.len() * ours]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "<!-- gtdocs:begin x -->\n- [A](A)\n<!-- gtdocs:end -->\n";

    fn put_text(current: Option<&str>, record: Option<&BlockRecord>) -> (String, BlockRecord, Put) {
        let (spliced, record, put) = put(current, BLOCK, record).expect("put");
        (spliced.text.expect("a sidebar"), record, put)
    }

    fn take_text(text: &str, record: &BlockRecord) -> Option<String> {
        take(text, record).expect("take").expect("found").text
    }

    fn round_trip(original: Option<&str>) -> String {
        let (with, record, put) = put_text(original, None);
        assert_eq!(
            put,
            if original.is_some() {
                Put::Added
            } else {
                Put::Created
            }
        );
        if let Some(original) = original {
            assert!(with.starts_with(original), "{with:?}");
        }
        assert_eq!(take_text(&with, &record).as_deref(), original, "{with:?}");
        // Put in again: nothing changes.
        let (again, _, put) = put_text(Some(&with), Some(&record));
        assert_eq!((again.as_str(), put), (with.as_str(), Put::Unchanged));
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
            "\u{feff}**Ours**\n",
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
        let (next, record, put) = put_text(Some(&text), None);
        assert_eq!((next, put), (format!("top\n{BLOCK}bottom\n"), Put::Updated));
        assert_eq!(take_text(&text, &record).as_deref(), Some("top\nbottom\n"));
    }

    #[test]
    fn a_block_indented_into_a_list_stays_there() {
        let text = "- Runbooks\n  <!-- gtdocs:begin x -->\n  - [Old](Old)\n  <!-- gtdocs:end -->\n";
        let (next, _, put) = put_text(Some(text), None);
        assert_eq!(put, Put::Updated);
        assert_eq!(
            next,
            "- Runbooks\n  <!-- gtdocs:begin x -->\n  - [A](A)\n  <!-- gtdocs:end -->\n"
        );
        assert_eq!(put_text(Some(&next), None).2, Put::Unchanged);
    }

    #[test]
    fn the_separator_goes_only_while_it_is_there_as_gtdocs_put_it() {
        let (with, record, _) = put_text(Some("**Ours**\n"), None);
        assert_eq!(record.separator, "\n");
        // A person took out the blank line: their line end stays.
        let tight = with.replacen("\n\n", "\n", 1);
        assert_eq!(take_text(&tight, &record).as_deref(), Some("**Ours**\n"));
        // A person converted the file to CRLF: no lone `\r` is left.
        let crlf = with.replace('\n', "\r\n");
        assert_eq!(take_text(&crlf, &record).as_deref(), Some("**Ours**\r\n"));
        // A record a person edited strips nothing it did not put.
        let forged = BlockRecord {
            separator: "**Ours**\n\n".into(),
            ..record.clone()
        };
        assert_eq!(take_text(&with, &forged).as_deref(), Some("**Ours**\n\n"));
    }

    #[test]
    fn an_edited_block_is_told() {
        let (with, record, _) = put_text(Some("**Ours**\n"), None);
        let edited_text = with.replace("- [A](A)\n", "- [A](A)\n- [Mine](Mine)\n");
        assert!(
            take(&edited_text, &record)
                .expect("take")
                .expect("found")
                .edited
        );
        assert!(!take(&with, &record).expect("take").expect("found").edited);
        let (spliced, _, put) = put(Some(&edited_text), BLOCK, Some(&record)).expect("put");
        assert_eq!((put, spliced.edited), (Put::Updated, true));
        assert_eq!(spliced.text.as_deref(), Some(with.as_str()));
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_block() {
        let text = format!("\u{feff}{BLOCK}");
        assert_eq!(find(&text), Ok(Some(3..text.len())));
        let record = BlockRecord {
            created: true,
            digest: fingerprint(BLOCK),
            ..BlockRecord::default()
        };
        let spliced = take(&text, &record).expect("take").expect("found");
        assert_eq!((spliced.text, spliced.edited), (None, false));
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
            let (next, _, put) = put_text(Some(text), None);
            assert_eq!(put, Put::Added);
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
