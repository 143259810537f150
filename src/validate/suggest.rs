//! "Did you mean" suggestions and small text helpers for hints.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: at most one edit per three characters. An absolute edit count,
/// not a similarity ratio, so a shared prefix (every route starts with
/// `POST /v1/`) does not make unrelated names look alike.
///
/// A word longer than [`MAX_SUGGESTED_CHARS`] gets no suggestion: the
/// edit distance takes a table of one length times the other (800 MB for
/// two 10,000-character routes), and such a text is no typo of a name.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_chars = word.chars().take(MAX_SUGGESTED_CHARS + 1).count();
    if word_chars > MAX_SUGGESTED_CHARS {
        return None;
    }
    let word_lower = word.to_lowercase();
    let word_lower_chars = word_lower.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            // A candidate within reach is at most half again as long as
            // the word: one of more bytes than that many characters can
            // take is ruled out before its characters are counted.
            if c.len() > 4 * 2 * MAX_SUGGESTED_CHARS {
                return None;
            }
            let c_lower = c.to_lowercase();
            let allowed = (word_chars.max(c.chars().count()) / 3).max(1);
            // The length difference is a lower bound of the distance: skip
            // the quadratic measure when it already rules `c` out (a long
            // key, or thousands of them, cost a comparison of lengths).
            if word_lower_chars.abs_diff(c_lower.chars().count()) > allowed {
                return None;
            }
            let distance = strsim::damerau_levenshtein(&word_lower, &c_lower);
            (distance <= allowed).then_some((distance, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// A slug made from any text: lowercase ASCII words joined by single dashes.
pub fn slugify(text: &str) -> String {
    let slug = crate::model::slug_words(text);
    if slug.is_empty() {
        "my-client".into()
    } else {
        slug
    }
}

/// The longest word [`closest`] finds a suggestion for, in characters.
pub const MAX_SUGGESTED_CHARS: usize = 100;

/// The most items [`list`] shows; the others are counted.
pub const LIST_MAX_ITEMS: usize = 20;
/// The most characters of an item [`list`] shows; a longer one is cut.
pub const LIST_ITEM_MAX_CHARS: usize = 80;

/// `` `a`, `b`, `c` `` with each item in backticks: at most
/// [`LIST_MAX_ITEMS`] items, each cut to [`LIST_ITEM_MAX_CHARS`] with `…`,
/// then `and N more`. A hint that lists the catalog is written once per
/// problem: whole, it would grow as the catalog times the problems
/// (thousands of ids, routes of 10,000 characters). Items past those
/// shown are counted, not copied.
pub fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut items = items.into_iter();
    let mut out = String::new();
    for item in items.by_ref().take(LIST_MAX_ITEMS) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(&crate::diagnostic::cut_chars(
            item.as_ref(),
            LIST_ITEM_MAX_CHARS,
        ));
        out.push('`');
    }
    let more = items.count();
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["summary", "setup", "caveats"];
        assert_eq!(closest("sumary", keys), Some("summary"));
        assert_eq!(closest("caveat", keys), Some("caveats"));
        assert_eq!(closest("zzz", keys), None);
        let routes = ["POST /v1/chat/completions", "POST /v1/audio/speech"];
        assert_eq!(
            closest("POST /v1/audio/speach", routes),
            Some("POST /v1/audio/speech")
        );
        assert_eq!(closest("POST /v1/moderations", routes), None);
        assert_eq!(
            closest("dev-tools", ["sdk-http", "dev-tooling"]),
            Some("dev-tooling")
        );
    }

    /// A long word, or long candidates, cost a bounded count each.
    #[test]
    fn long_words_get_no_suggestion() {
        let long = "a".repeat(10_000);
        let near = format!("{long}b");
        assert_eq!(closest(&near, [long.as_str()]), None);
        assert_eq!(closest("GET /x", [long.as_str(), "GET /y"]), Some("GET /y"));
    }

    /// At most [`LIST_MAX_ITEMS`] items, each cut on a character boundary;
    /// the rest counted.
    #[test]
    fn list_is_bounded() {
        assert_eq!(list(["a", "b"]), "`a`, `b`");
        assert_eq!(list(Vec::<String>::new()), "");
        let long = "é".repeat(LIST_ITEM_MAX_CHARS + 1);
        let cut = format!("`{}…`", "é".repeat(LIST_ITEM_MAX_CHARS));
        assert_eq!(list([long.as_str()]), cut);
        let exact = "é".repeat(LIST_ITEM_MAX_CHARS);
        assert_eq!(list([exact.as_str()]), format!("`{exact}`"));
        // A million items: those shown are formatted, the rest counted.
        let many = (0..1_000_000).map(|i| format!("id-{i}"));
        let shown = list(many);
        assert!(shown.starts_with("`id-0`, `id-1`, "), "{shown}");
        assert!(shown.ends_with("`id-19` and 999980 more"), "{shown}");
        assert_eq!(shown.matches('`').count(), 2 * LIST_MAX_ITEMS);
    }

    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(slugify("Open_WebUI"), "open-webui");
        assert_eq!(slugify("--"), "my-client");
    }
}
