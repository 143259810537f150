//! The fast way to the value of a plain YAML document: built straight from
//! the parser's events (granit-parser, the parser serde-saphyr runs), not
//! through serde-saphyr's deserializer, which is half of `gtdocs check`'s
//! time at 10,000 runbooks.
//!
//! It takes only what it can read the way serde-saphyr reads it: one
//! document of mappings, sequences and scalars, with no anchor, alias,
//! tag, directive, merge key, key that is not text or repeated key, and a
//! plain scalar only when it is certainly text or a decimal number.
//! Anything else, and every error, returns `None`: the document is read by
//! serde-saphyr instead ([`super::yaml::parse_plain`]), which says what is
//! wrong. `yaml_tests` compares the two on every YAML file of the repository
//! and on cases made to tell them apart.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

/// The value of the one document of `text`, if it is of the kinds this
/// reads; `None` otherwise.
pub(super) fn plain_value(text: &str, max_depth: usize, max_nodes: usize) -> Option<Value> {
    let mut options = granit_parser::Options::default();
    // As serde-saphyr sets them (its own `comments` feature is off).
    options.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut open: Vec<Open> = Vec::new();
    let mut root = None;
    let mut nodes = 0usize;
    let mut documents = 0;
    loop {
        let (event, _) = parser.next_event()?.ok()?;
        let node = match event {
            Event::StreamStart | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_, version) => {
                documents += 1;
                if documents > 1 || version.is_some() {
                    return None;
                }
                continue;
            }
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                match style {
                    ScalarStyle::Plain => plain_scalar(&text)?,
                    _ => Value::String(text.into_owned()),
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || open.len() + 1 >= max_depth {
                    return None;
                }
                open.push(match event {
                    Event::SequenceStart(..) => Open::Seq(Vec::new()),
                    _ => Open::Map(Map::new(), None),
                });
                continue;
            }
            Event::SequenceEnd => match open.pop()? {
                Open::Seq(items) => Value::Array(items),
                Open::Map(..) => return None,
            },
            Event::MappingEnd => match open.pop()? {
                Open::Map(map, None) => Value::Object(map),
                _ => return None,
            },
            // Aliases, anchors' names, comments: not read here.
            _ => return None,
        };
        // Each scalar (keys too) and collection counts once, as
        // serde-saphyr counts nodes: a collection when it ends.
        nodes += 1;
        if nodes >= max_nodes {
            return None;
        }
        match open.last_mut() {
            None if root.is_none() => root = Some(node),
            None => return None,
            Some(Open::Seq(items)) => items.push(node),
            Some(Open::Map(_, key @ None)) => match node {
                // `<<` is a merge key to serde-saphyr.
                Value::String(k) if k != "<<" => *key = Some(k),
                _ => return None,
            },
            Some(Open::Map(map, key)) => {
                let k = key.take()?;
                if map.insert(k, node).is_some() {
                    return None;
                }
            }
        }
    }
    if !open.is_empty() || documents != 1 {
        return None;
    }
    root
}

/// A collection being read.
enum Open {
    Seq(Vec<Value>),
    /// The entries so far, and the key read when its value is next.
    Map(Map<String, Value>, Option<String>),
}

/// A plain scalar's value, when it is certainly what serde-saphyr makes
/// of it (YAML 1.2 with its `strict_booleans`): text that no typed parse
/// (null, bool, integer, float) can take, or a decimal integer.
fn plain_scalar(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        if bytes.len() > 1 && bytes[0] == b'0' {
            return None;
        }
        return text
            .parse::<u64>()
            .ok()
            .map(|n| Value::Number(Number::from(n)));
    }
    certainly_text(text).then(|| Value::String(text.to_owned()))
}

/// Whether no typed parse takes plain scalar `text`. Numbers, nulls and
/// bools are written with ASCII letters and digits, `+ - . _ :` only (and
/// `~`, a null), and with a letter first only as the words below (`inf`,
/// `nan`: Rust's own float parse takes them in any case); a second sign is
/// no number.
fn certainly_text(text: &str) -> bool {
    let number_like =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_' | b':');
    if !text.bytes().all(number_like) {
        return text != "~";
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    match unsigned.as_bytes().first() {
        Some(b'+' | b'-') => true,
        Some(b) if b.is_ascii_alphabetic() => {
            const WORDS: [&str; 12] = [
                "null", "true", "false", "nan", "inf", "infinity", "y", "n", "yes", "no", "on",
                "off",
            ];
            !WORDS.iter().any(|w| unsigned.eq_ignore_ascii_case(w))
        }
        _ => false,
    }
}
