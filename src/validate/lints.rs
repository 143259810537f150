//! Consistency lints (warnings): a verdict its own note or another
//! runbook contradicts (`verdict-conflict`), a compatibility level the
//! verdicts do not bear out (`compatibility-mismatch`), and text naming a
//! configuration key close to one of the runbook's own
//! (`config-name-drift`). Precision comes before recall: each rule is
//! narrow, and a finding made on purpose is accepted with `allow`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::catalog::CatalogCheck;
use super::suggest;
use crate::diagnostic::{Diagnostic, Span};
use crate::load::Document;
use crate::source::Support;

/// A route mapping of a runbook with no error: its place in `routes`,
/// the catalog route and verdict, and its note.
pub struct Mapped<'a> {
    pub index: usize,
    pub route: usize,
    pub verdict: usize,
    pub note: Option<&'a str>,
}

/// The lints of one runbook with no error of its own.
pub fn check_runbook(
    doc: &Document,
    c: &CatalogCheck,
    compatibility: Option<usize>,
    mapped: &[Mapped<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    note_reads_as_support(doc, c, mapped, diagnostics);
    if let Some(level) = compatibility {
        level_rule(doc, c, level, mapped, diagnostics);
    }
    config_name_drift(doc, diagnostics);
}

/// Words that say a route is out of reach, or only within reach with
/// work beyond the client's own setup. Every `not_supported` note of the
/// reference tree but three (flowise's and langflow's embeddings, lovable's
/// images: each describes a way in) holds one of "not", "no", "only",
/// "if", "unless", "requires", "custom", "external"; the bundled tree's
/// notes say the same with "needs", "would need", "missing", "separate",
/// "beyond", "leaves it out", "irrelevant". The others are their plain
/// synonyms.
static LIMITATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(not|no|none|never|only|unless|if|requires?|required|needs?|needed|would|custom|external|separate|outside|beyond|manual|manually|cannot|can['’]?t|won['’]t|doesn['’]t|isn['’]t|without|missing|lacks?|unsupported|unavailable|irrelevant|n/a|(leaves?|left)( \w+)? out)\b",
    )
    .unwrap_or_else(|_| unreachable!())
});

/// `verdict-conflict`: a route with no support whose note reads as a way
/// to use it.
fn note_reads_as_support(
    doc: &Document,
    c: &CatalogCheck,
    mapped: &[Mapped<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for m in mapped {
        let verdict = &c.catalog.verdicts[m.verdict];
        let Some(note) = m.note.filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        if verdict.support != Support::None || LIMITATION.is_match(note) {
            continue;
        }
        let route = &c.catalog.routes[m.route].route;
        diagnostics.push(
            Diagnostic::warning(
                "verdict-conflict",
                format!(
                    "`{route}` is `{}` (no support), yet its note reads as a way to use it",
                    verdict.id
                ),
            )
            .in_file(
                &doc.path,
                doc.spans.value(&format!("/routes/{}/verdict", m.index)),
            )
            .with_label("no support")
            .with_hint(
                "if the client reaches the route this way, give it a verdict with support; \
                 if not, say in the note what stands in the way (\"only with …\", \"requires …\"); \
                 or accept it with `allow: {verdict-conflict: <reason>}` on this route",
            ),
        );
    }
}

/// `compatibility-mismatch`: the verdicts break the rule of the runbook's
/// level, one finding per broken part.
fn level_rule(
    doc: &Document,
    c: &CatalogCheck,
    level: usize,
    mapped: &[Mapped<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(Some(rule)) = c.rules.get(level) else {
        return;
    };
    let level_id = &c.catalog.compatibility[level].id;
    let verdict_id = |v: usize| c.catalog.verdicts[v].id.as_str();
    let route_id = |r: usize| c.catalog.routes[r].route.as_str();
    let span = doc.spans.value("/compatibility");
    let warn = |message: String, hint: String| {
        Diagnostic::warning("compatibility-mismatch", message)
            .in_file(&doc.path, span)
            .with_label(format!("the rule of `{level_id}` does not hold"))
            .with_hint(format!(
                "{hint}; or accept it with `allow: {{compatibility-mismatch: <reason>}}`"
            ))
    };
    let ids = |list: &[usize]| {
        let ids: Vec<&str> = list.iter().map(|&v| verdict_id(v)).collect();
        suggest::list(&ids)
    };
    let breaking: Vec<&str> = mapped
        .iter()
        .filter(|m| rule.none_of.contains(&m.verdict))
        .map(|m| route_id(m.route))
        .collect();
    if !breaking.is_empty() {
        diagnostics.push(warn(
            format!(
                "level `{level_id}` allows none of {} (`none_of`), and {} {} one",
                ids(&rule.none_of),
                suggest::list(&breaking),
                if breaking.len() == 1 { "has" } else { "have" }
            ),
            "choose the level these verdicts make, or correct the verdicts".into(),
        ));
    }
    if !rule.some_of.is_empty() && !mapped.iter().any(|m| rule.some_of.contains(&m.verdict)) {
        diagnostics.push(warn(
            format!(
                "level `{level_id}` needs a route with one of {} (`some_of`), and none has one",
                ids(&rule.some_of)
            ),
            "choose the level these verdicts make, or correct the verdicts".into(),
        ));
    }
    for (route, allowed) in &rule.routes {
        if let Some(m) = mapped
            .iter()
            .find(|m| m.route == *route && !allowed.contains(&m.verdict))
        {
            diagnostics.push(warn(
                format!(
                    "level `{level_id}` needs `{}` to be one of {} (`routes`), and it is `{}`",
                    route_id(*route),
                    ids(allowed),
                    verdict_id(m.verdict)
                ),
                format!(
                    "the verdict is on line {} of this file",
                    doc.spans
                        .value(&format!("/routes/{}/verdict", m.index))
                        .map_or(0, |s| s.line)
                ),
            ));
        }
    }
}

/// Identifier-like tokens of `text`, left to right: an ASCII letter or
/// `_`, then letters, digits and `_` (the leftmost-longest matches of
/// `[A-Za-z_][A-Za-z0-9_]*`), found a byte at a time: every text of every
/// runbook is read for them.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at
            + bytes[at..]
                .iter()
                .position(|b| b.is_ascii_alphabetic() || *b == b'_')?;
        let len = bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(bytes.len() - start);
        at = start + len;
        // ASCII bytes on both sides: on character boundaries.
        text.get(start..at)
    })
}

/// A token that names a key rather than being a word: camelCase
/// (`apiBase`, `baseURL`) or with inner underscores (`api_base`,
/// `OPENAI_API_KEY`). Product names (`OpenAI`, `LiteLLM`) start upper-case
/// and plain words have neither, so neither is taken for a key.
fn is_key(token: &str) -> bool {
    if token.len() < 4 || token.starts_with('_') || token.ends_with('_') {
        return false;
    }
    let camel = token.starts_with(|c: char| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_uppercase());
    camel || (token.contains('_') && token.chars().any(|c| c.is_ascii_alphabetic()))
}

/// Suffixes a base-URL key gains or loses between two spellings.
const URL_SUFFIXES: [&str; 6] = ["Url", "URL", "_URL", "_url", "Uri", "URI"];

/// How `token` is close to `key` but not it, if it is: only its case
/// differs, it adds or drops a URL suffix (`apiBaseUrl` for `apiBase`),
/// or it is one edit away from a long key. Other spellings of the same
/// words (`base_url` and `baseURL`, `api_key` and `apiKey`) are not
/// drift: a runbook for Python and Node, or an environment variable
/// beside a field, names both on purpose.
fn drift(token: &str, key: &str) -> Option<&'static str> {
    if token == key {
        return None;
    }
    if token.eq_ignore_ascii_case(key) {
        return Some("only its case differs from the key");
    }
    for suffix in URL_SUFFIXES {
        if token.strip_suffix(suffix) == Some(key) {
            return Some("the key with a URL suffix added");
        }
        if key.strip_suffix(suffix) == Some(token) {
            return Some("the key with its URL suffix dropped");
        }
    }
    // One edit is a typo only on a long key: `apiKey` and `apiKeys` are
    // both real names.
    if token.len() >= 8 && key.len() >= 8 && token.len().abs_diff(key.len()) <= 1 {
        let d = strsim::damerau_levenshtein(token, key);
        if d == 1 {
            return Some("one letter away from the key");
        }
    }
    None
}

/// The texts of a runbook that may name a configuration key, with their
/// pointers (found by walking the value, not by parsing each pointer).
fn texts<'a>(value: &'a Value) -> Vec<(String, &'a str)> {
    let mut found: Vec<(String, &'a str)> = Vec::new();
    let mut text = |pointer: String, v: Option<&'a Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            found.push((pointer, s));
        }
    };
    text("/summary".into(), value.get("summary"));
    let matrix = value.get("matrix");
    for cell in ["subtitle", "chat", "files", "persistence", "details"] {
        text(format!("/matrix/{cell}"), matrix.and_then(|m| m.get(cell)));
    }
    let items = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    for list in [
        "prerequisites",
        "setup",
        "caveats",
        "checklist",
        "not_supported",
    ] {
        for (i, item) in items(list).enumerate() {
            text(format!("/{list}/{i}"), Some(item));
        }
    }
    for (i, route) in items("routes").enumerate() {
        text(format!("/routes/{i}/integration"), route.get("integration"));
    }
    found
}

/// `config-name-drift`: a text names a key close to one of the runbook's
/// `config` fields' keys, and equal to none of them.
fn config_name_drift(doc: &Document, diagnostics: &mut Vec<Diagnostic>) {
    let fields: Vec<&str> = doc
        .value
        .get("config")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("field").and_then(Value::as_str))
        .collect();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for field in &fields {
        for token in tokens(field).filter(|t| is_key(t)) {
            if !keys.iter().any(|(k, _)| *k == token) {
                keys.push((token, field));
            }
        }
    }
    if keys.is_empty() {
        return;
    }
    for (pointer, text) in texts(&doc.value) {
        let mut seen: Vec<&str> = Vec::new();
        for token in tokens(text) {
            if !is_key(token) || seen.contains(&token) || keys.iter().any(|(k, _)| *k == token) {
                continue;
            }
            seen.push(token);
            let Some((key, field, how)) = keys
                .iter()
                .find_map(|(k, f)| drift(token, k).map(|how| (*k, *f, how)))
            else {
                continue;
            };
            diagnostics.push(
                Diagnostic::warning(
                    "config-name-drift",
                    format!("`{token}` is not a configuration key of this runbook: `{key}` is"),
                )
                .in_file(&doc.path, token_span(doc, &pointer, token))
                .with_label(how)
                .with_hint(format!(
                    "the field is `{field}`: write `{key}` if it is meant; \
                     or accept it with `allow: {{config-name-drift: <reason>}}`"
                )),
            );
        }
    }
}

/// The token itself in the source when it is written there as a whole
/// word (it is, unless the text is escaped or folded); else the value.
fn token_span(doc: &Document, pointer: &str, token: &str) -> Option<Span> {
    let value = doc.spans.value(pointer)?;
    let from = value.start.min(doc.text.len());
    let to = from.saturating_add(value.len).min(doc.text.len());
    let source = doc.text.get(from..to)?;
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let found = source.match_indices(token).find(|(i, _)| {
        !word(source[..*i].chars().next_back()) && !word(source[i + token.len()..].chars().next())
    });
    match found {
        Some((i, _)) => Some(value.then_at(&doc.text, from + i, token.len())),
        None => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens are the regular expression's matches, on any text.
    #[test]
    fn tokens_are_the_matches_of_the_identifier_pattern() {
        let pattern = Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("pattern");
        for text in [
            "",
            "set `apiBase` to https://gt.example/v1 and OPENAI_API_KEY=gtak_...",
            "9abc _x_ a1b2 __ é_é über9 x",
            "trailing_token",
            "日本語のapi_key、base_url。",
        ] {
            let want: Vec<&str> = pattern.find_iter(text).map(|m| m.as_str()).collect();
            assert_eq!(tokens(text).collect::<Vec<_>>(), want, "{text:?}");
        }
    }

    #[test]
    fn drift_is_narrow() {
        assert!(drift("apiBaseUrl", "apiBase").is_some());
        assert!(drift("apibase", "apiBase").is_some());
        assert!(drift("OPENAI_BASE", "OPENAI_BASE_URL").is_some());
        assert!(drift("OPENAI_API_BSE", "OPENAI_API_BASE").is_some());
        assert!(drift("api_base", "apiBase").is_none());
        assert!(drift("baseURL", "base_url").is_none());
        assert!(drift("OPENAI_API_KEY", "openAIApiKey").is_none());
        assert!(drift("apiKey", "apiBase").is_none());
        assert!(drift("apiKeys", "apiKey").is_none());
        assert!(drift("OPENAI_API_KEY", "OPENAI_API_BASE").is_none());
        assert!(!is_key("OpenAI") && !is_key("LiteLLM") && !is_key("model"));
        assert!(is_key("apiBase") && is_key("OPENAI_API_KEY") && is_key("base_url"));
    }

    #[test]
    fn limitation_words_are_whole_words() {
        for limited in ["Not supported", "Only if asked", "Requires a key", "N/A"] {
            assert!(LIMITATION.is_match(limited), "{limited}");
        }
        for usable in [
            "OpenAI Embeddings node when key includes embed scope",
            "Nothing else: notify the owner",
            "Server call when image scope enabled on key",
        ] {
            assert!(!LIMITATION.is_match(usable), "{usable}");
        }
    }
}
