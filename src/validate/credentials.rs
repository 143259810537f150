//! Every text of a runbook is published: none may hold a real-looking
//! secret (a key pasted in place of a placeholder), and none may be longer
//! than a field is meant to be. Both are read from the document as written,
//! so they are reported even when the schema check fails.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, SECRET_SHOWN, Span};
use crate::load::Document;

/// Real-looking secrets: a known key prefix followed by a long random tail.
/// Placeholders (`gtak_...`, `gtak_<key>`, `gtak_your_key_here`) do not match.
/// GitHub's prefixes: `ghp_` (personal), `gho_` (OAuth), `ghu_` (user to
/// server), `ghs_` (server to server, e.g. `GITHUB_TOKEN`), `ghr_`
/// (refresh), `github_pat_` (fine-grained).
static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(gtak_|sk-(?:proj-)?|gh[pousr]_|github_pat_|xox[bap]-)([A-Za-z0-9_\-]{16,})")
        .unwrap_or_else(|_| unreachable!())
});

/// The byte range in `text` of the first real-looking credential. The text
/// is read as a person reads it, as its Markdown renders: invisible
/// characters (zero-width space, joiners, soft hyphen) and emphasis or code
/// markers (`*`, `` ` ``) between two characters of a key are left out,
/// so `sk-**proj**-…` or a key split by a zero-width space is still one key.
fn looks_like_credential(text: &str) -> Option<std::ops::Range<usize>> {
    let read = AsRead::of(text);
    // Nearly every text holds none: a search that finds no match at all
    // is cheaper than one that finds where each starts and ends.
    if !CREDENTIAL.is_match(&read.text) {
        return None;
    }
    CREDENTIAL.captures_iter(&read.text).find_map(|c| {
        let tail = c.get(2)?.as_str();
        let digits = tail.chars().filter(char::is_ascii_digit).count();
        let letters = tail.chars().filter(char::is_ascii_alphabetic).count();
        let found = c.get(0)?;
        (digits >= 2 && letters >= 4).then(|| read.source_range(found.range()))
    })
}

/// A text with the characters a reader does not see inside a key left
/// out, and where each kept byte came from.
struct AsRead<'a> {
    text: Cow<'a, str>,
    /// For each byte of `text`, its offset in the source text (empty when
    /// nothing was left out).
    origin: Vec<usize>,
}

impl<'a> AsRead<'a> {
    fn of(source: &'a str) -> Self {
        let invisible = |c: char| {
            matches!(
                c,
                '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
        };
        let marker = |c: char| matches!(c, '*' | '`');
        // The invisible characters are not ASCII: an ASCII text without
        // markers is looked at a byte at a time.
        let may_hide = |b: u8| !b.is_ascii() || matches!(b, b'*' | b'`');
        if !source.bytes().any(may_hide) || !source.chars().any(|c| invisible(c) || marker(c)) {
            return AsRead {
                text: Cow::Borrowed(source),
                origin: Vec::new(),
            };
        }
        let key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let mut text = String::with_capacity(source.len());
        let mut origin = Vec::with_capacity(source.len());
        let mut keep = |text: &mut String, at: usize, c: char| {
            text.push(c);
            origin.extend((0..c.len_utf8()).map(|i| at + i));
        };
        let mut chars = source.char_indices().peekable();
        let mut after_key_char = false;
        while let Some((at, c)) = chars.next() {
            if !(invisible(c) || marker(c)) {
                keep(&mut text, at, c);
                after_key_char = key_char(c);
                continue;
            }
            // A run of them is left out only between two key characters:
            // elsewhere a marker is just punctuation.
            let mut end = at + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if !(invisible(d) || marker(d)) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
            let before_key_char = chars.peek().is_some_and(|&(_, d)| key_char(d));
            if after_key_char && before_key_char {
                continue;
            }
            for (i, d) in source[at..end].char_indices() {
                keep(&mut text, at + i, d);
            }
            after_key_char = false;
        }
        AsRead {
            text: Cow::Owned(text),
            origin,
        }
    }

    /// The source range of `range` of the text as read.
    fn source_range(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if self.origin.is_empty() || range.is_empty() {
            return range;
        }
        let start = self.origin[range.start];
        let end = self.origin[range.end - 1] + 1;
        start..end
    }
}

/// The credential itself in the source when it is written there verbatim
/// (it is, unless folded across lines or escaped); else the whole value.
/// Only the value's own source is searched and counted: the cost is the
/// value's, however many credentials a long line holds.
fn credential_span(doc: &Document, pointer: &str, found: &str) -> Option<Span> {
    let value = doc.spans.value(pointer)?;
    let from = value.start.min(doc.text.len());
    let to = from
        .saturating_add(value.len.max(found.len()))
        .min(doc.text.len());
    match doc.text.get(from..to).and_then(|source| source.find(found)) {
        Some(i) => Some(value.then_at(&doc.text, from + i, found.len())),
        None => Some(value),
    }
}

/// Every text of a runbook is published: none may hold a real-looking secret.
/// The longest text one field may hold (a caveat is a few hundred).
pub const MAX_TEXT_CHARS: usize = 10_000;

pub(super) fn check_credentials(doc: &Document, value: &Value, diagnostics: &mut Vec<Diagnostic>) {
    if nothing_to_find(&doc.text) {
        return;
    }
    crate::load::yaml::each_string(value, &mut |pointer, s, key| {
        if !key {
            check_text(doc, pointer, s, diagnostics);
        }
    });
}

/// Whether no text of the document parsed from `source` can be too long or
/// hold a credential, as the source as a whole shows (nearly every
/// runbook; each text is looked at otherwise). Without a backslash (no
/// escape), a value's characters are the source's, in order: YAML only
/// leaves out quotes and indentation, folds a line break into a space or
/// keeps it, and copies an anchored value whole. So no value is longer
/// than its source, and a key in a value is a run of key characters that
/// the source holds as well, between characters that are not key
/// characters there either: the source's own search finds it.
fn nothing_to_find(source: &str) -> bool {
    source.len() <= MAX_TEXT_CHARS && !source.contains('\\') && !LOOSE.is_match(source)
}

/// [`CREDENTIAL`] loosened to find in a text as written what it finds in
/// the text as read ([`AsRead`]), and more: a run of the characters a
/// reader does not see may sit between any two characters, and no word
/// boundary is asked for (a superset: nothing it misses is a key).
static LOOSE: LazyLock<Regex> = LazyLock::new(|| {
    const UNSEEN: &str = r"[*`\u{AD}\u{200B}-\u{200D}\u{2060}\u{FEFF}]*";
    const PREFIXES: [&str; 11] = [
        "gtak_",
        "sk-",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "xoxb-",
        "xoxa-",
        "xoxp-",
    ];
    let spread = |prefix: &str| {
        let chars: Vec<String> = prefix
            .chars()
            .map(|c| regex::escape(&c.to_string()))
            .collect();
        chars.join(UNSEEN)
    };
    let prefixes: Vec<String> = PREFIXES.iter().map(|p| spread(p)).collect();
    let pattern = format!(
        "(?:{})(?:{UNSEEN}[A-Za-z0-9_\\-]){{16,}}",
        prefixes.join("|")
    );
    Regex::new(&pattern).unwrap_or_else(|_| unreachable!())
});

/// The text `s` at `pointer`: not too long, and no credential.
fn check_text(doc: &Document, pointer: &str, s: &str, diagnostics: &mut Vec<Diagnostic>) {
    // A text's characters are at most its bytes: only a long one is
    // counted.
    if s.len() > MAX_TEXT_CHARS {
        let chars = s.chars().count();
        if chars > MAX_TEXT_CHARS {
            diagnostics.push(
                Diagnostic::error(
                    "text-too-long",
                    format!("this text has {chars} characters; a field holds at most {MAX_TEXT_CHARS}"),
                )
                .in_file(&doc.path, doc.spans.value(pointer))
                .with_hint("a runbook field is a sentence or a short paragraph: split it into list items, or link to the vendor's documentation"),
            );
        }
    }
    if let Some(range) = looks_like_credential(s) {
        let found = &s[range];
        let shown: String = found
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            .take(SECRET_SHOWN)
            .collect();
        diagnostics.push(
            Diagnostic::error(
                "credential",
                format!("this looks like a real credential (`{shown}…`)"),
            )
            .in_file(&doc.path, credential_span(doc, pointer, found))
            .secret()
            .with_label("runbooks are published")
            .with_hint("use a placeholder such as `gtak_...`, and revoke the key if it was real"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diagnostics of `check_credentials` on `yaml`, with or without
    /// the look at the source as a whole first.
    fn found(yaml: &str, whole_source_first: bool) -> Vec<String> {
        let (value, spans) = crate::load::yaml::parse(yaml).expect("yaml");
        let doc = Document {
            path: "r.yaml".into(),
            rel: "r.yaml".into(),
            value,
            spans,
            text: yaml.into(),
        };
        let mut diagnostics = Vec::new();
        if whole_source_first {
            check_credentials(&doc, &doc.value, &mut diagnostics);
        } else {
            crate::load::yaml::each_string(&doc.value, &mut |pointer, s, key| {
                if !key {
                    check_text(&doc, pointer, s, &mut diagnostics);
                }
            });
        }
        diagnostics.iter().map(|d| format!("{d:?}")).collect()
    }

    /// The source as a whole is looked at first only where that finds
    /// everything each text would: keys written through escapes, folded,
    /// quoted, in block scalars, behind anchors, split by markup or
    /// invisible characters; and none where only a comment holds one.
    #[test]
    fn the_whole_source_finds_what_each_text_would() {
        let key = "sk-proj-Ab12Cd34Ef56Gh78Ij90";
        let long = "word ".repeat(2_100);
        let cases = [
            format!("intro: {key}\n"),
            format!("intro: \"{key}\"\n"),
            format!("intro: '{key}'\n"),
            "intro: \"sk-proj-\\x41b12Cd34Ef56Gh78Ij90\"\n".to_string(),
            "intro: \"sk-pr\\\n  oj-Ab12Cd34Ef56Gh78Ij90\"\n".to_string(),
            "intro: \"\\u0073k-proj-Ab12Cd34Ef56Gh78Ij90\"\n".to_string(),
            format!("intro: |\n  see\n  {key}\n"),
            format!("intro: >\n  see\n  {key} here\n"),
            format!("a: &k {key}\nb: *k\n"),
            format!("steps:\n  - one\n  - [two, {key}]\n"),
            "intro: sk-**proj**-Ab12Cd34Ef56Gh78Ij90\n".to_string(),
            "intro: sk-proj-Ab12\u{200B}Cd34Ef56Gh78Ij90\n".to_string(),
            format!("intro: fine # {key}\n"),
            "intro: gtak_...\nother: gtak_your_key_here\n".to_string(),
            format!("intro: {long}\n"),
            format!("intro: >\n  {long}\n"),
        ];
        for yaml in &cases {
            assert_eq!(found(yaml, true), found(yaml, false), "{yaml:?}");
        }
        // The cases find what they are meant to.
        assert_eq!(found(&cases[0], true).len(), 1);
        assert_eq!(found(&cases[3], true).len(), 1);
        assert_eq!(found(&cases[5], true).len(), 1);
        assert!(found(&cases[12], true).is_empty());
        assert_eq!(found(&cases[14], true).len(), 1);
    }
}
