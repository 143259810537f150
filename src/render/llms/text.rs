//! What the twins and `llms.txt` share: a Markdown file built line by
//! line, the site's URLs, and how a verdict reads.

use crate::markdown::{Place, code, inline, link_destination};
use crate::model::{Book, RouteMapping, Term, UNKNOWN, UNKNOWN_LABEL};

/// A Markdown file, built line by line; every line ends with `\n`.
pub(super) struct Md(String);

impl Md {
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Md(String::with_capacity(bytes))
    }

    pub(super) fn line(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self.0.push('\n');
        self
    }

    pub(super) fn blank(&mut self) -> &mut Self {
        self.0.push('\n');
        self
    }

    /// A heading and the blank line after it, with a blank line before
    /// it unless the file starts there.
    pub(super) fn heading(&mut self, text: &str) -> &mut Self {
        if !self.0.is_empty() && !self.0.ends_with("\n\n") {
            self.0.push('\n');
        }
        self.line(text).blank()
    }

    /// The text, ending with one line break (no blank line at its end).
    pub(super) fn finish(mut self) -> String {
        while self.0.ends_with("\n\n") {
            self.0.pop();
        }
        self.0
    }
}

/// Where the site's files are, as link destinations: absolute under
/// `site.url` when it is set (a twin may be read far from the site),
/// else rooted at `site.base_url`.
pub(super) struct Urls {
    prefix: String,
}

impl Urls {
    pub(super) fn new(book: &Book) -> Self {
        // The site's rule for links, taken once: every twin has many.
        Urls {
            prefix: book.site_link(""),
        }
    }

    /// The URL of a site path (below `base_url`).
    pub(super) fn of(&self, site_path: &str) -> String {
        format!("{}{site_path}", self.prefix)
    }

    /// `[text](url)` with `text` as given (already Markdown): the URL made
    /// safe as a destination, a pipe too, so the link may sit in a table
    /// cell.
    pub(super) fn link(&self, markdown_text: &str, site_path: &str) -> String {
        format!(
            "[{markdown_text}]({})",
            link_destination(&self.of(site_path)).replace('|', "%7C")
        )
    }
}

/// The catalog's words as the twins place them, escaped once per render
/// rather than once per runbook or table row.
pub(super) struct Words {
    /// Each verdict in words with its id, for a table cell (`Native
    /// (`native`)`); the last, a route the runbook leaves out.
    verdicts: Vec<String>,
    /// Each category's label, for a table cell.
    pub(super) category_cells: Vec<String>,
    /// Each term as a runbook's facts give it: its label, then its id.
    pub(super) compatibility: Vec<String>,
    pub(super) categories: Vec<String>,
    pub(super) key_presets: Vec<String>,
    pub(super) evidence: Vec<String>,
}

impl Words {
    pub(super) fn new(book: &Book) -> Self {
        let c = &book.catalog;
        let terms = |terms: &[Term]| -> Vec<String> {
            terms
                .iter()
                .map(|t| {
                    format!(
                        "{} ({})",
                        inline(&t.label, Place::Inline),
                        code(&t.id, Place::Inline)
                    )
                })
                .collect()
        };
        let mut verdicts: Vec<String> = c
            .verdicts
            .iter()
            .map(|v| {
                format!(
                    "{} ({})",
                    inline(&v.label, Place::Cell),
                    code(&v.id, Place::Cell)
                )
            })
            .collect();
        verdicts.push(format!("{UNKNOWN_LABEL} ({})", code(UNKNOWN, Place::Cell)));
        Words {
            verdicts,
            category_cells: c
                .categories
                .iter()
                .map(|t| inline(&t.label, Place::Cell))
                .collect(),
            compatibility: terms(&c.compatibility),
            categories: terms(&c.categories),
            key_presets: terms(&c.key_presets),
            evidence: terms(&c.evidence),
        }
    }

    /// A runbook's verdict for a route, in a table cell.
    pub(super) fn verdict(&self, mapping: &RouteMapping) -> &str {
        let unknown = self.verdicts.len() - 1;
        &self.verdicts[mapping.verdict.unwrap_or(unknown)]
    }
}

/// A verdict id read from an old revision, in words when the catalog
/// still knows it.
pub(super) fn verdict_id_words(book: &Book, id: &str, place: Place) -> String {
    let shown = crate::diagnostic::visible(id);
    let label = book.verdict_words(&shown);
    format!("{} ({})", inline(&label, place), code(&shown, place))
}
