//! "Did you mean" suggestions and small text helpers for hints.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: at most one edit per three characters. An absolute edit count,
/// not a similarity ratio, so a shared prefix (every route starts with
/// `POST /v1/`) does not make unrelated names look alike.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let word_chars = word.chars().count();
    let word_lower_chars = word_lower.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
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

/// `a, b, c` with each item in backticks.
pub fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|i| format!("`{}`", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
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

    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(slugify("Open_WebUI"), "open-webui");
        assert_eq!(slugify("--"), "my-client");
    }
}
