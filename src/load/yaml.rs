//! The one place that knows about the YAML crates (with `yaml_events`,
//! which reads plain documents from the parser serde-saphyr runs).
//!
//! A document is parsed into a JSON value (what the schema validates and the
//! typed loader deserializes) plus a [`SpanMap`] from JSON pointers to source
//! locations, so every later stage can point at the exact line and column.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

use super::yaml_hint::syntax_hint;
use crate::diagnostic::Span;

/// Hard limits on a single YAML document. A runbook is a few kilobytes; these
/// leave two orders of magnitude of headroom and stop alias bombs early.
pub(super) const MAX_DEPTH: usize = 32;
pub(super) const MAX_NODES: usize = 50_000;
const MAX_ALIASES: usize = 1_000;
const MAX_ALIAS_EXPANSIONS: usize = 10_000;

/// Where each value (and each mapping key) of a document sits in its source.
#[derive(Debug, Default, Clone)]
pub struct SpanMap {
    values: HashMap<String, Span>,
    keys: HashMap<String, Span>,
}

impl SpanMap {
    /// The span of the value at `pointer` (RFC 6901), or of its nearest
    /// ancestor that has one.
    pub fn value(&self, pointer: &str) -> Option<Span> {
        let mut p = pointer;
        loop {
            if let Some(span) = self.values.get(p) {
                return Some(*span);
            }
            p = parent(p)?;
        }
    }

    /// The span of the mapping key whose value is at `pointer`, falling back
    /// to the value itself.
    pub fn key(&self, pointer: &str) -> Option<Span> {
        self.keys
            .get(pointer)
            .copied()
            .or_else(|| self.value(pointer))
    }
}

fn parent(pointer: &str) -> Option<&str> {
    if pointer.is_empty() {
        return None;
    }
    pointer.rfind('/').map(|i| &pointer[..i])
}

/// Every string of `value` and every key of its maps, depth first, given
/// to `visit` with its JSON pointer (a key's is its value's) and whether
/// it is a key: the pointer is one buffer, grown and cut back as the walk
/// goes, not a string made per value.
pub fn each_string(value: &Value, visit: &mut dyn FnMut(&str, &str, bool)) {
    fn walk(value: &Value, pointer: &mut String, visit: &mut dyn FnMut(&str, &str, bool)) {
        use std::fmt::Write as _;
        let len = pointer.len();
        match value {
            Value::String(s) => visit(pointer, s, false),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(pointer, "/{i}");
                    walk(item, pointer, visit);
                    pointer.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    pointer.push('/');
                    pointer.push_str(&pointer_token(k));
                    visit(pointer, k, true);
                    walk(v, pointer, visit);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    walk(value, &mut String::new(), visit);
}

/// Escapes one reference token of a JSON pointer (RFC 6901): nearly every
/// key needs nothing, and is not copied.
pub fn pointer_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

/// A YAML syntax or limit error, with the place it was found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// `yaml` for syntax, `yaml-limit` for a safety limit.
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub span: Option<Span>,
}

/// Parses one YAML document.
pub fn parse(text: &str) -> Result<(Value, SpanMap), YamlError> {
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| YamlError::from_saphyr(&e, text))?;
    let mut spans = SpanMap::default();
    let value = flatten(root, String::new(), &mut spans, text);
    Ok((value, spans))
}

/// Parses one YAML document into the same value as [`parse`], without the
/// spans: the fast path for the many files that turn out valid (a file
/// with a problem is parsed again with them, to show where).
pub fn parse_plain(text: &str) -> Result<Value, YamlError> {
    match super::yaml_events::plain_value(text, MAX_DEPTH, MAX_NODES) {
        Some(value) => Ok(value),
        None => parse_plain_saphyr(text),
    }
}

/// [`parse_plain`] through serde-saphyr's deserializer: any document. The
/// fuzz targets check that [`parse_plain`] reads what this reads.
pub fn parse_plain_saphyr(text: &str) -> Result<Value, YamlError> {
    let root: PlainNode = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| YamlError::from_saphyr(&e, text))?;
    Ok(root.into_value())
}

/// The limits every parse runs under.
pub(crate) fn options() -> serde_saphyr::Options {
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = MAX_ALIAS_EXPANSIONS;
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_aliases: MAX_ALIASES,
            max_documents: 1,
        },
        alias_limits: alias_limits,
        with_snippet: false,
        // YAML 1.2: `yes`, `no`, `on`, `off` are text, as a reader expects.
        strict_booleans: true,
    }
}

impl YamlError {
    fn from_saphyr(err: &serde_saphyr::Error, text: &str) -> Self {
        use serde_saphyr::Error as E;
        use serde_saphyr::budget::BudgetBreach as B;
        let span = err.location().map(|loc| span_of(&loc, text));
        let limit = |message: String, hint: &str| YamlError {
            code: "yaml-limit",
            message,
            hint: Some(hint.to_string()),
            span,
        };
        const ALIASES: &str =
            "a runbook needs at most a few anchors and aliases: write the values out";
        // Unwrap the snippet and alias-location layers to the cause.
        let mut cause = err;
        while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = cause {
            cause = error;
        }
        match cause {
            E::AliasReplayLimitExceeded { .. }
            | E::AliasExpansionLimitExceeded { .. }
            | E::AliasReplayStackDepthExceeded { .. }
            | E::AliasReplayCounterOverflow { .. } => limit(
                format!(
                    "aliases expand to more than {MAX_ALIAS_EXPANSIONS} values: this looks like a YAML alias bomb"
                ),
                ALIASES,
            ),
            E::Budget { breach, .. } => match breach {
                B::Depth { .. } => limit(
                    format!("values are nested more than {MAX_DEPTH} levels deep"),
                    "runbooks are flat: fields, lists of text and lists of small mappings",
                ),
                B::Aliases { .. } | B::Anchors { .. } => limit(
                    format!("more than {MAX_ALIASES} aliases or anchors"),
                    ALIASES,
                ),
                B::Nodes { .. } | B::Events { .. } => limit(
                    format!("more than {MAX_NODES} values in one file"),
                    "split the content; a runbook has a few hundred values",
                ),
                B::Documents { .. } => limit(
                    "more than one YAML document in the file".into(),
                    "a source file holds one document: remove the `---` separator and what follows, or move it to its own file",
                ),
                other => limit(
                    format!("the file exceeds a safety limit ({other:?})"),
                    "simplify the YAML",
                ),
            },
            E::DuplicateMappingKey { key, .. } => YamlError {
                code: "yaml",
                message: match key {
                    Some(k) => format!("duplicate key `{k}`"),
                    None => "duplicate key".into(),
                },
                hint: Some("a key may appear only once in a mapping: remove or rename one".into()),
                span,
            },
            other => {
                let message = tidy_message(&other.to_string());
                YamlError {
                    code: "yaml",
                    hint: syntax_hint(&message, text, span, || {
                        span.is_some_and(|s| flow_open_at(text, s.start))
                    }),
                    message,
                    span,
                }
            }
        }
    }
}

/// Whether a flow collection (`[` or `{`) is still open at byte `at`: the
/// parser, run on the text before it, says so at its end.
fn flow_open_at(text: &str, at: usize) -> bool {
    let before = &text[..crate::diagnostic::floor_char_boundary(text, at)];
    serde_saphyr::from_str_with_options::<de::IgnoredAny>(before, options()).is_err_and(|e| {
        let message = e.to_string();
        message.contains("unclosed bracket") || message.contains("while parsing a flow")
    })
}

/// serde-saphyr's messages end with " at line L column C"; our diagnostics
/// carry the place separately.
fn tidy_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let trimmed = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    trimmed.trim().to_string()
}

fn span_of(loc: &serde_saphyr::Location, text: &str) -> Span {
    let line = u32::try_from(loc.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(loc.column()).unwrap_or(u32::MAX);
    let sp = loc.span();
    let start = sp
        .byte_offset()
        .and_then(|b| usize::try_from(b).ok())
        .unwrap_or_else(|| byte_offset_of(text, line, column));
    let len = sp
        .byte_len()
        .and_then(|b| usize::try_from(b).ok())
        .unwrap_or(0);
    Span::new(line, column, start.min(text.len()), len)
}

/// Byte offset of a 1-based line and character column.
fn byte_offset_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

/// A YAML node with the spans of its children.
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

/// A scalar as a JSON value (the same for both parses).
fn scalar_value(node: Node) -> Value {
    match node {
        Node::Bool(b) => Value::Bool(b),
        Node::Int(i) => Value::Number(i.into()),
        Node::UInt(u) => Value::Number(u.into()),
        Node::Float(f) => {
            Number::from_f64(f).map_or_else(|| Value::String(f.to_string()), Value::Number)
        }
        Node::Str(s) => Value::String(s),
        Node::Null | Node::Seq(_) | Node::Map(_) => Value::Null,
    }
}

/// A YAML node without spans; its scalars are [`Node`]'s.
enum PlainNode {
    Scalar(Node),
    Seq(Vec<PlainNode>),
    Map(Vec<(PlainNode, PlainNode)>),
}

impl PlainNode {
    fn into_value(self) -> Value {
        match self {
            PlainNode::Scalar(node) => scalar_value(node),
            PlainNode::Seq(items) => {
                Value::Array(items.into_iter().map(PlainNode::into_value).collect())
            }
            PlainNode::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    let name = match &key {
                        PlainNode::Scalar(node) => key_string(node),
                        PlainNode::Seq(_) => key_string(&Node::Seq(Vec::new())),
                        PlainNode::Map(_) => key_string(&Node::Map(Vec::new())),
                    };
                    map.insert(name, value.into_value());
                }
                Value::Object(map)
            }
        }
    }
}

impl<'de> Deserialize<'de> for PlainNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }
}

/// [`NodeVisitor`] for scalars; its own sequences and mappings.
struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = PlainNode;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<PlainNode, E> {
        Ok(PlainNode::Scalar(Node::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<PlainNode, E> {
        Ok(PlainNode::Scalar(Node::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<PlainNode, D::Error> {
        PlainNode::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PlainNode, E> {
        NodeVisitor.visit_bool(v).map(PlainNode::Scalar)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PlainNode, E> {
        NodeVisitor.visit_i64(v).map(PlainNode::Scalar)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PlainNode, E> {
        NodeVisitor.visit_u64(v).map(PlainNode::Scalar)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<PlainNode, E> {
        NodeVisitor.visit_i128(v).map(PlainNode::Scalar)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<PlainNode, E> {
        NodeVisitor.visit_u128(v).map(PlainNode::Scalar)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PlainNode, E> {
        NodeVisitor.visit_f64(v).map(PlainNode::Scalar)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<PlainNode, E> {
        NodeVisitor.visit_str(v).map(PlainNode::Scalar)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<PlainNode, E> {
        NodeVisitor.visit_string(v).map(PlainNode::Scalar)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<PlainNode, E> {
        NodeVisitor.visit_bytes(v).map(PlainNode::Scalar)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PlainNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<PlainNode>()? {
            items.push(item);
        }
        Ok(PlainNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PlainNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<PlainNode>()? {
            let value = map.next_value::<PlainNode>()?;
            entries.push((key, value));
        }
        Ok(PlainNode::Map(entries))
    }
}

fn flatten(node: Spanned<Node>, pointer: String, spans: &mut SpanMap, text: &str) -> Value {
    spans
        .values
        .insert(pointer.clone(), span_of(&node.referenced, text));
    match node.value {
        scalar @ (Node::Null
        | Node::Bool(_)
        | Node::Int(_)
        | Node::UInt(_)
        | Node::Float(_)
        | Node::Str(_)) => scalar_value(scalar),
        Node::Seq(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| flatten(item, format!("{pointer}/{i}"), spans, text))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let name = key_string(&key.value);
                let child = format!("{pointer}/{}", pointer_token(&name));
                spans
                    .keys
                    .insert(child.clone(), span_of(&key.referenced, text));
                let v = flatten(value, child, spans, text);
                map.insert(name, v);
            }
            Value::Object(map)
        }
    }
}

/// Mapping keys become strings, as in JSON; a non-scalar key keeps a readable
/// form so the schema can report it as unknown.
fn key_string(node: &Node) -> String {
    match node {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::UInt(u) => u.to_string(),
        Node::Float(f) => f.to_string(),
        Node::Str(s) => s.clone(),
        Node::Seq(_) => "[sequence]".into(),
        Node::Map(_) => "{mapping}".into(),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod plain_tests {
    use super::*;

    /// The fast parse gives the very value of the spanned one, odd keys and
    /// numbers included.
    #[test]
    fn plain_parse_equals_spanned_parse() {
        let text = "title: A\n1: int key\n1.5: float key\ntrue: bool key\n~: null key\n\
                    [a, b]: seq key\n{x: 1}: map key\nbig: 340282366920938463463374607431768211455\n\
                    neg: -7\nf: 2.50\nlist:\n  - {field: a, value: 'x: y'}\n  - - nested\n    - 3\nempty:\nyes_text: yes\n";
        let (spanned, spans) = parse(text).expect("parse");
        let plain = parse_plain(text).expect("plain parse");
        assert_eq!(plain, spanned);
        assert!(spans.value("/title").is_some());
        assert_eq!(plain["yes_text"], "yes");
        for bad in ["a: [1, 2", "a: b: c", "- a\nb: c", "a: &x [*x]", "n: .nan"] {
            assert_eq!(
                parse_plain(bad).map_err(|e| (e.code, e.message)),
                parse(bad).map(|(v, _)| v).map_err(|e| (e.code, e.message)),
                "{bad:?}"
            );
        }
    }
}
