//! What the Markdown escaper and the HTML renderer share: text folded to
//! one line, edits to it, and which link destinations are safe.

/// Line breaks (and the spaces around them) become one space; the ends are
/// trimmed, so no text can open an indented code block.
pub fn fold_lines(text: &str) -> String {
    if !text.contains(['\n', '\r']) {
        return text.trim().to_string();
    }
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest run of `c` in `text`.
pub fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Edit {
    /// Insert a backslash before the byte at this position.
    Backslash(usize),
    /// Replace the `<` at this position with `&lt;`.
    Lt(usize),
}

impl Edit {
    fn at(self) -> usize {
        match self {
            Edit::Backslash(at) | Edit::Lt(at) => at,
        }
    }
}

pub(super) fn apply(s: &str, mut edits: Vec<Edit>) -> String {
    edits.sort();
    edits.dedup();
    let mut out = String::with_capacity(s.len() + edits.len() * 4);
    let mut last = 0;
    for edit in edits {
        let at = edit.at();
        if at < last || at > s.len() || !s.is_char_boundary(at) {
            continue;
        }
        out.push_str(&s[last..at]);
        match edit {
            Edit::Backslash(_) => {
                out.push('\\');
                last = at;
            }
            Edit::Lt(_) => {
                out.push_str("&lt;");
                last = at + 1;
            }
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Whether a link may keep its destination: a relative one, or http(s) or
/// mailto.
pub(super) fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // No scheme: a relative link (a wiki page name) or an anchor.
        None => true,
        Some(colon) => {
            let scheme = &lower[..colon];
            // A colon after a `/`, `?` or `#` is not a scheme separator.
            if scheme.contains(['/', '?', '#']) {
                return true;
            }
            matches!(scheme, "http" | "https" | "mailto")
        }
    }
}
