//! Consistency lints (warnings): a verdict its own note or another
//! runbook contradicts (`verdict-conflict`), a compatibility level the
//! verdicts do not bear out (`compatibility-mismatch`), and text naming a
//! configuration key close to one of the runbook's own
//! (`config-name-drift`). Precision comes before recall: each rule is
//! narrow, and a finding made on purpose is accepted with `allow`.

use std::collections::HashMap;
use std::sync::LazyLock;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;

use super::catalog::CatalogCheck;
use super::suggest;
use crate::diagnostic::{Diagnostic, Span};
use crate::load::Document;
use crate::source::{LabelSource, Support};

/// The most runbooks a finding names; the others are counted, so that a
/// note or a verdict vector shared by thousands makes short messages.
const NAMED: usize = 3;

/// A compatibility level's rule, with catalog indexes for ids.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    none_of: Vec<usize>,
    some_of: Vec<usize>,
    routes: Vec<(usize, Vec<usize>)>,
}

/// The rule of each compatibility level (by the level's index); every id
/// a rule names is checked against the catalog, as a runbook's are.
pub fn compile_rules(
    doc: &Document,
    levels: &IndexMap<String, LabelSource>,
    routes: &HashMap<String, usize>,
    verdicts: &IndexMap<String, crate::source::VerdictSource>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<Rule>> {
    let verdict_ids: Vec<&str> = verdicts.keys().map(String::as_str).collect();
    let route_ids: Vec<&str> = routes.keys().map(String::as_str).collect();
    let unknown = |id: &str, pointer: &str, what: &str, known: &[&str], key_span: bool| {
        let hint = match suggest::closest(id, known.iter().copied()) {
            Some(best) => format!(
                "did you mean `{best}`? known {what}s: {}",
                suggest::list(known)
            ),
            None => format!("known {what}s: {}", suggest::list(known)),
        };
        let span = if key_span {
            doc.spans.key(pointer)
        } else {
            doc.spans.value(pointer)
        };
        let code = if what == "route" {
            "unknown-route"
        } else {
            "unknown-id"
        };
        Diagnostic::error(code, format!("unknown {what} `{id}`"))
            .in_file(&doc.path, span)
            .with_label(format!("not a {what} of the catalog"))
            .with_hint(hint)
    };
    levels
        .iter()
        .map(|(level, source)| {
            let LabelSource::Long(long) = source else {
                return None;
            };
            let rule = long.rule.as_ref()?;
            let base = format!(
                "/compatibility/{}/rule",
                crate::load::yaml::pointer_token(level)
            );
            let ids = |list: &[String], part: &str, diagnostics: &mut Vec<Diagnostic>| {
                list.iter()
                    .enumerate()
                    .filter_map(|(i, id)| {
                        let found = verdicts.get_index_of(id);
                        if found.is_none() {
                            let pointer = format!("{base}/{part}/{i}");
                            diagnostics.push(unknown(id, &pointer, "verdict", &verdict_ids, false));
                        }
                        found
                    })
                    .collect::<Vec<_>>()
            };
            let none_of = ids(&rule.none_of, "none_of", diagnostics);
            let some_of = ids(&rule.some_of, "some_of", diagnostics);
            let mut by_route = Vec::new();
            for (route, allowed) in &rule.routes {
                let part = format!("routes/{}", crate::load::yaml::pointer_token(route));
                let allowed = ids(allowed, &part, diagnostics);
                match routes.get(route) {
                    Some(&r) => by_route.push((r, allowed)),
                    None => {
                        let pointer = format!("{base}/{part}");
                        diagnostics.push(unknown(route, &pointer, "route", &route_ids, true));
                    }
                }
            }
            Some(Rule {
                none_of,
                some_of,
                routes: by_route,
            })
        })
        .collect()
}

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

/// Identifier-like tokens: words of letters, digits and `_`.
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").unwrap_or_else(|_| unreachable!()));

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

/// The texts of a runbook that may name a configuration key, as pointers.
fn texts(value: &Value) -> Vec<String> {
    let mut pointers: Vec<String> = ["/summary"].map(String::from).to_vec();
    for cell in ["subtitle", "chat", "files", "persistence", "details"] {
        pointers.push(format!("/matrix/{cell}"));
    }
    for list in [
        "prerequisites",
        "setup",
        "caveats",
        "checklist",
        "not_supported",
    ] {
        let n = value
            .get(list)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        pointers.extend((0..n).map(|i| format!("/{list}/{i}")));
    }
    let routes = value
        .get("routes")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    pointers.extend((0..routes).map(|i| format!("/routes/{i}/integration")));
    pointers
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
        for token in TOKEN
            .find_iter(field)
            .map(|m| m.as_str())
            .filter(|t| is_key(t))
        {
            if !keys.iter().any(|(k, _)| *k == token) {
                keys.push((token, field));
            }
        }
    }
    if keys.is_empty() {
        return;
    }
    for pointer in texts(&doc.value) {
        let Some(text) = doc.value.pointer(&pointer).and_then(Value::as_str) else {
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        for token in TOKEN.find_iter(text).map(|m| m.as_str()) {
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

/// What the lints across runbooks need of one runbook file.
#[derive(Debug, Clone, Default)]
pub struct LintFacts {
    /// Whether the file was read with its spans (else every span is
    /// `None`, and the file is read again if a finding needs one).
    pub spanned: bool,
    pub compatibility: Option<String>,
    pub compatibility_span: Option<Span>,
    pub routes: Vec<RouteFacts>,
    pub allows: Vec<AllowFacts>,
}

/// One route mapping, as listed.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
                .filter(|(code, _)| super::allow::ACCEPTABLE.contains(&code.as_str()))
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
            routes,
            allows: all_allows,
        }
    }
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

/// The runbooks named in a finding: the first few paths, the others
/// counted.
fn named(paths: &[&std::path::Path]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .take(NAMED)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if paths.len() > NAMED {
        names.push(format!("{} more", paths.len() - NAMED));
    }
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The lints across runbooks, each finding with the index of its file in
/// `facts`: one note of a route with two verdicts (`verdict-conflict`),
/// one verdict vector with two levels (`compatibility-mismatch`). Linear:
/// runbooks are grouped by note and by vector, and each finding names at
/// most [`NAMED`] others per verdict or level.
pub fn across(facts: &[super::Facts], catalog: Option<&CatalogCheck>) -> Vec<(usize, Diagnostic)> {
    let Some(c) = catalog else {
        return Vec::new();
    };
    let mut found = Vec::new();
    shared_note(facts, c, &mut found);
    shared_vector(facts, c, &mut found);
    found
}

/// Members of a group, by the value that should have been one (a verdict,
/// a level), in first-seen order.
type Split = IndexMap<String, Vec<(usize, usize)>>;

fn shared_note(facts: &[super::Facts], c: &CatalogCheck, found: &mut Vec<(usize, Diagnostic)>) {
    let mut groups: HashMap<(usize, &str), Split> = HashMap::new();
    for (f, fact) in facts.iter().enumerate() {
        for (r, route) in fact.lint.routes.iter().enumerate() {
            let (Some(&ri), Some(note)) = (c.routes.get(&route.route), route.note.as_deref())
            else {
                continue;
            };
            if !c.verdicts.contains_key(&route.verdict) {
                continue;
            }
            groups
                .entry((ri, note))
                .or_default()
                .entry(route.verdict.clone())
                .or_default()
                .push((f, r));
        }
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, s)| s.len() > 1).collect();
    groups.sort_by_key(|((ri, note), _)| (*ri, *note));
    for ((ri, _), split) in groups {
        let route_id = &c.catalog.routes[ri].route;
        for (verdict, members) in &split {
            let others: Vec<String> = split
                .iter()
                .filter(|(v, _)| *v != verdict)
                .map(|(v, m)| {
                    let paths: Vec<&std::path::Path> =
                        m.iter().map(|(f, _)| facts[*f].path.as_path()).collect();
                    format!("`{v}` in {}", named(&paths))
                })
                .collect();
            for &(f, r) in members {
                let fact = &facts[f];
                found.push((
                    f,
                    Diagnostic::warning(
                        "verdict-conflict",
                        format!(
                            "`{route_id}` is `{verdict}` here, and {} with the same note",
                            others.join("; ")
                        ),
                    )
                    .in_file(&fact.path, fact.lint.routes[r].verdict_span)
                    .with_label("same note, another verdict")
                    .with_hint(
                        "one of the verdicts is wrong, or the notes should say what differs; \
                         or accept it with `allow: {verdict-conflict: <reason>}` on this route",
                    ),
                ));
            }
        }
    }
}

fn shared_vector(facts: &[super::Facts], c: &CatalogCheck, found: &mut Vec<(usize, Diagnostic)>) {
    let routes = c.catalog.routes.len();
    let mut groups: HashMap<Vec<&str>, Split> = HashMap::new();
    for (f, fact) in facts.iter().enumerate() {
        let Some(level) = fact
            .lint
            .compatibility
            .as_deref()
            .filter(|l| c.compatibility.contains_key(*l))
        else {
            continue;
        };
        let mut vector: Vec<Option<&str>> = vec![None; routes];
        let mut whole = fact.lint.routes.len() == routes;
        for route in &fact.lint.routes {
            match c.routes.get(&route.route) {
                Some(&ri) if vector[ri].is_none() && c.verdicts.contains_key(&route.verdict) => {
                    vector[ri] = Some(route.verdict.as_str());
                }
                _ => whole = false,
            }
        }
        let Some(vector) = vector
            .into_iter()
            .collect::<Option<Vec<&str>>>()
            .filter(|_| whole)
        else {
            continue;
        };
        groups
            .entry(vector)
            .or_default()
            .entry(level.to_owned())
            .or_default()
            .push((f, 0));
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, s)| s.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, split) in groups {
        for (level, members) in &split {
            let others: Vec<String> = split
                .iter()
                .filter(|(l, _)| *l != level)
                .map(|(l, m)| {
                    let paths: Vec<&std::path::Path> =
                        m.iter().map(|(f, _)| facts[*f].path.as_path()).collect();
                    format!("`{l}` for {}", named(&paths))
                })
                .collect();
            for &(f, _) in members {
                let fact = &facts[f];
                found.push((
                    f,
                    Diagnostic::warning(
                        "compatibility-mismatch",
                        format!(
                            "level `{level}` here, and {} with the same verdict on every route",
                            others.join("; ")
                        ),
                    )
                    .in_file(&fact.path, fact.lint.compatibility_span)
                    .with_label("same verdicts, another level")
                    .with_hint(
                        "a level should follow from the verdicts: give these runbooks one level, \
                         or state the levels' rules in gtdocs.yaml (`compatibility.<id>.rule`); \
                         or accept it with `allow: {compatibility-mismatch: <reason>}`",
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// 20,000 runbooks with one note and one verdict vector, half of
    /// them with another verdict and level: every one is reported, each
    /// message names a bounded few, and grouping keeps it linear.
    #[test]
    fn runbooks_sharing_a_note_are_checked_in_linear_time() {
        const RUNBOOKS: usize = 20_000;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (tree, _) = crate::load::load_config(root).expect("bundled gtdocs.yaml");
        let (catalog, _) = crate::validate::catalog(&tree).expect("schemas");
        let c = catalog.expect("bundled catalog");
        // Half with another verdict on every route (a note conflict on
        // each), or with another level only (a vector conflict).
        let facts = |other_verdict: bool| -> Vec<super::super::Facts> {
            (0..RUNBOOKS)
                .map(|i| {
                    let rel = std::path::PathBuf::from(format!("runbooks/r-{i:05}.yaml"));
                    let (verdict, level) = match i % 2 {
                        0 => ("native", "native-openai"),
                        _ if other_verdict => ("not_supported", "native-openai"),
                        _ => ("native", "guided-openai"),
                    };
                    let routes = c
                        .catalog
                        .routes
                        .iter()
                        .map(|r| RouteFacts {
                            route: r.route.clone(),
                            verdict: verdict.into(),
                            note: Some(note_key("The same note")),
                            verdict_span: None,
                            bytes: None,
                        })
                        .collect();
                    super::super::Facts {
                        path: rel.clone(),
                        rel,
                        title: None,
                        title_span: None,
                        lint: LintFacts {
                            compatibility: Some(level.into()),
                            routes,
                            ..LintFacts::default()
                        },
                    }
                })
                .collect()
        };
        let routes = c.catalog.routes.len();
        for (other_verdict, code, expected) in [
            (true, "verdict-conflict", RUNBOOKS * routes),
            (false, "compatibility-mismatch", RUNBOOKS),
        ] {
            let facts = facts(other_verdict);
            let started = std::time::Instant::now();
            let found = across(&facts, Some(&c));
            let elapsed = started.elapsed();
            assert_eq!(found.len(), expected, "{code}");
            assert!(found.iter().all(|(_, d)| d.code == code));
            assert!(found.iter().all(|(_, d)| d.message.len() < 400), "bounded");
            assert!(
                found[0].1.message.contains("and 9997 more"),
                "{}",
                found[0].1.message
            );
            // Linear: about a second in debug; pairing every runbook with
            // every other would take minutes.
            assert!(
                elapsed < std::time::Duration::from_secs(20),
                "{elapsed:?} for {RUNBOOKS} runbooks"
            );
        }
    }

    #[test]
    fn notes_compare_folded() {
        assert_eq!(
            note_key("OpenAI  Embeddings node\twhen key includes embed scope."),
            note_key("openai embeddings node when key includes embed scope")
        );
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
