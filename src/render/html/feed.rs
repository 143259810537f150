//! `changes.xml`: the history of verdicts as an Atom feed (RFC 4287), the
//! newest [`MAX_ENTRIES`] events.
//!
//! Ids: with `site.url`, the event's place on the changes page
//! (`https://docs.example.com/changes/#<event id>`), a URL the site's
//! owner holds and that leads to the entry; without it there is no name
//! the site owns (RFC 4151's `tag:` needs one), so the id is a `urn:uuid:`
//! made from a SHA-256 of the event id (RFC 9562, version 8). Both are
//! made of the event id only (commit, kind, runbook, route), so the same
//! event keeps its id in every build.

use sha2::{Digest as _, Sha256};

use crate::changes::{headline, timestamp};
use crate::markdown::escape_html;
use crate::model::{Book, CHANGES_FEED_PATH, CHANGES_SITE_PATH, ChangeEvent, History};

/// Entries in the feed: readers poll it, and keep what they saw.
pub(super) const MAX_ENTRIES: usize = 200;

/// Text as XML 1.0 may hold it: what a terminal would not show (control
/// characters, bidi overrides) written as `\u{..}`, the noncharacters
/// XML refuses replaced, then escaped.
fn text(s: &str) -> String {
    let shown: String = crate::diagnostic::visible(s)
        .chars()
        .map(|c| {
            if matches!(c, '\u{fffe}' | '\u{ffff}') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    escape_html(&shown)
}

/// `path` (below `base_url`) as a link: absolute with `site.url`.
fn link(book: &Book, path: &str) -> String {
    book.site_link(path)
}

fn uuid(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn entry_id(book: &Book, e: &ChangeEvent) -> String {
    match &book.site.url {
        Some(_) => format!("{}#{}", link(book, CHANGES_SITE_PATH), e.id),
        None => uuid(&format!("gtdocs change {}", e.id)),
    }
}

/// Where an entry leads: the runbook's page for a runbook that exists,
/// else the changes page; at the event either way.
fn entry_link(book: &Book, e: &ChangeEvent) -> String {
    let page = e
        .runbook
        .as_deref()
        .filter(|slug| book.has_runbook(slug))
        .map_or_else(
            || CHANGES_SITE_PATH.to_owned(),
            crate::model::runbook_site_path,
        );
    format!("{}#{}", link(book, &page), e.id)
}

pub(super) fn feed(book: &Book, history: &History) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let feed_id = match &book.site.url {
        Some(_) => link(book, CHANGES_FEED_PATH),
        None => uuid(&format!("gtdocs feed {}", book.site.title)),
    };
    x.push_str(&format!("  <id>{}</id>\n", text(&feed_id)));
    x.push_str(&format!(
        "  <title>{} · verdict changes</title>\n",
        text(&book.site.title)
    ));
    let mut subtitle = String::from(
        "Verdict upgrades and downgrades, runbooks and routes added and removed, from the commits of the sources.",
    );
    if history.is_incomplete() {
        subtitle.push_str(" Incomplete: older commits were not read.");
    }
    x.push_str(&format!("  <subtitle>{}</subtitle>\n", text(&subtitle)));
    // The newest event's commit, else where the history starts: never
    // the clock.
    let updated = history
        .events
        .first()
        .map(|e| e.commit.time)
        .or(history.starts_at.as_ref().map(|c| c.time))
        .unwrap_or(0);
    x.push_str(&format!("  <updated>{}</updated>\n", timestamp(updated)));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        text(&link(book, CHANGES_FEED_PATH))
    ));
    x.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        text(&link(book, CHANGES_SITE_PATH))
    ));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        text(&book.site.title)
    ));
    x.push_str("  <generator>gtdocs</generator>\n");
    for e in history.events.iter().take(MAX_ENTRIES) {
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>{}</id>\n", text(&entry_id(book, e))));
        x.push_str(&format!(
            "    <title>{}</title>\n",
            text(&headline(e, &|id| book.verdict_words(id)))
        ));
        x.push_str(&format!(
            "    <updated>{}</updated>\n",
            timestamp(e.commit.time)
        ));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            text(&entry_link(book, e))
        ));
        x.push_str(&format!(
            "    <category term=\"{}\" label=\"{}\"/>\n",
            e.kind.as_str(),
            e.kind.label()
        ));
        let short = e.commit.id.get(..12).unwrap_or(&e.commit.id);
        let mut summary = format!("Commit {short}: {}", e.commit.subject);
        if e.incomplete {
            summary.push_str(" (incomplete: a revision before it could not be read)");
        }
        x.push_str(&format!("    <summary>{}</summary>\n", text(&summary)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_8_and_stable() {
        let a = uuid("x");
        assert_eq!(a, uuid("x"));
        assert_ne!(a, uuid("y"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a[23..24], "8", "{a}");
    }

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            text("a<b>&\"\u{1b}\u{ffff}"),
            "a&lt;b&gt;&amp;&quot;\\u{1b}\u{fffd}"
        );
    }
}
