//! What the lints across runbooks and `allow` need of one runbook file,
//! read from its document as written: a few words per route, kept while
//! the document itself is dropped.

use serde_json::Value;

use crate::diagnostic::Span;
use crate::load::Document;

/// The warning codes a runbook may accept, and only these: errors never.
/// A new lint that may be accepted adds its code here.
pub const ACCEPTABLE: &[&str] = &[
    "verdict-conflict",
    "compatibility-mismatch",
    "config-name-drift",
    "stale-verdict",
    "unverified",
    "probe-contradiction",
];

/// One runbook file as the lints across runbooks and `allow` see it: its
/// path (as shown) and its facts.
pub type Linted<'a> = (&'a std::path::Path, &'a LintFacts);

/// What the lints across runbooks need of one runbook file.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LintFacts {
    /// Whether the file was read with its spans (else every span is
    /// `None`, and the file is read again if a finding needs one).
    pub spanned: bool,
    pub compatibility: Option<String>,
    pub compatibility_span: Option<Span>,
    /// The `config` as documented ([`crate::probe::config_fingerprint`]):
    /// a probe's results are compared with it. `None` when it is not a list
    /// of fields with values.
    pub config: Option<crate::cache::Fingerprint>,
    /// The `config` key.
    pub config_span: Option<Span>,
    pub routes: Vec<RouteFacts>,
    pub allows: Vec<AllowFacts>,
}

/// One route mapping, as listed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RouteFacts {
    pub route: String,
    pub verdict: String,
    /// The note as compared: case-folded, white space collapsed, final
    /// punctuation dropped.
    pub note: Option<String>,
    pub verdict_span: Option<Span>,
    /// The bytes of the mapping in its file: a finding there is the
    /// route's.
    pub bytes: Option<std::ops::Range<usize>>,
}

/// One `allow` entry: a code and its reason, on the runbook or a route.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AllowFacts {
    pub code: String,
    pub reason: String,
    /// The index in `routes` of the mapping it is on.
    pub route: Option<usize>,
    pub span: Option<Span>,
}

impl LintFacts {
    pub fn of(doc: &Document) -> Self {
        let value = &doc.value;
        let spans = &doc.spans;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let allows = |v: &Value, base: &str, route: Option<usize>| {
            let entries = v.get("allow").and_then(Value::as_object);
            entries
                .into_iter()
                .flatten()
                .filter(|(code, _)| ACCEPTABLE.contains(&code.as_str()))
                .filter_map(|(code, reason)| {
                    let pointer =
                        format!("{base}/allow/{}", crate::load::yaml::pointer_token(code));
                    Some(AllowFacts {
                        code: code.clone(),
                        reason: reason.as_str()?.trim().to_owned(),
                        route,
                        span: spans.key(&pointer),
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut all_allows = allows(value, "", None);
        let mut routes = Vec::new();
        for (i, m) in value
            .get("routes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let base = format!("/routes/{i}");
            all_allows.extend(allows(m, &base, Some(i)));
            let (Some(route), Some(verdict)) = (text(m, "route"), text(m, "verdict")) else {
                continue;
            };
            let bytes = spans.value(&base).map(|start| {
                let end = m
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, _)| {
                        let s = spans
                            .value(&format!("{base}/{}", crate::load::yaml::pointer_token(k)))?;
                        Some(s.start + s.len)
                    })
                    .chain(
                        all_allows
                            .iter()
                            .filter(|a| a.route == Some(i))
                            .filter_map(|a| a.span.map(|s| s.start + s.len)),
                    )
                    .max()
                    .unwrap_or(start.start + start.len);
                start.start..end.max(start.start + start.len)
            });
            routes.push(RouteFacts {
                route,
                verdict,
                note: text(m, "integration")
                    .map(|n| note_key(&n))
                    .filter(|n| !n.is_empty()),
                verdict_span: spans.value(&format!("{base}/verdict")),
                bytes,
            });
        }
        LintFacts {
            spanned: spans.value("").is_some(),
            compatibility: text(value, "compatibility"),
            compatibility_span: spans.value("/compatibility"),
            config: config_fingerprint(value),
            config_span: spans.key("/config"),
            routes,
            allows: all_allows,
        }
    }
}

/// The fingerprint of a runbook's `config` (none: an empty list), when it
/// is a list of fields with values.
fn config_fingerprint(runbook: &Value) -> Option<crate::cache::Fingerprint> {
    let Some(config) = runbook.get("config") else {
        return Some(crate::probe::config_fingerprint([]));
    };
    let pairs = (config.as_array()?.iter())
        .map(|c| Some((c.get("field")?.as_str()?, c.get("value")?.as_str()?)))
        .collect::<Option<Vec<_>>>()?;
    Some(crate::probe::config_fingerprint(pairs))
}

/// A note as two runbooks' notes are compared: case-folded, runs of white
/// space made one space, final punctuation dropped.
pub fn note_key(note: &str) -> String {
    let words: Vec<&str> = note.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace() || c == '…')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_compare_folded() {
        assert_eq!(
            note_key("OpenAI  Embeddings node\twhen key includes embed scope."),
            note_key("openai embeddings node when key includes embed scope")
        );
    }
}
