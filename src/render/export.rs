//! The plain-text export of a runbook: its facts as plain lines, for
//! pasting into tickets and chats. Shared by the wiki and HTML pages.

use crate::markdown;
use crate::model::{Book, Runbook};

/// How the export names a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdicts {
    /// The catalog id (`not_supported`), as the published wiki's exports do.
    Ids,
    /// The words a person reads (`Not supported`), on the site.
    Words,
}

/// The plain-text export: the page's facts as plain lines, for pasting into
/// tickets. Config values lose their backticks; other text is kept as is.
pub fn plain_export(book: &Book, rb: &Runbook, verdicts: Verdicts) -> String {
    let c = &book.catalog;
    let one = |s: &str| markdown::fold_lines(s);
    let mut e = Vec::new();
    e.push(format!("{} runbook", one(&rb.title)));
    e.push(format!(
        "{} · {}",
        one(&c.compatibility[rb.compatibility].label),
        one(&c.categories[rb.category].label)
    ));
    e.push(format!(
        "Recommended key preset: {}",
        one(&c.key_presets[rb.key_preset].label)
    ));
    if let Some(ev) = rb.evidence {
        e.push(format!("Evidence: {}", one(&c.evidence[ev].label)));
    }
    // Only when recorded: the published exports have no such line.
    if let Some(v) = &rb.verified {
        e.push(format!("Verification: {}", one(&book.verification_text(v))));
    }
    e.push(String::new());
    e.push(one(&rb.summary));
    e.push(String::new());
    e.push("Official documentation:".into());
    e.extend(rb.docs.iter().map(|u| format!("- {}", one(u))));
    e.push(String::new());
    e.push("Configuration fields:".into());
    e.extend(
        rb.config
            .iter()
            .map(|f| format!("- {}: {}", one(&f.field), one(&f.value))),
    );
    e.push(String::new());
    e.push("GT route mapping:".into());
    for (route, mapping) in c.routes.iter().zip(&rb.routes) {
        let note = mapping
            .integration
            .as_deref()
            .map_or_else(|| "not documented".into(), one);
        let id = book.verdict_id(mapping);
        let verdict = match verdicts {
            Verdicts::Ids => id.to_owned(),
            Verdicts::Words => one(&book.verdict_words(id)),
        };
        e.push(format!("- {} ({verdict}): {note}", one(&route.route)));
        if mapping.verified.is_some()
            && let Some(v) = book.verification(rb, mapping)
        {
            e.push(format!("  {}", one(&book.verification_text(&v))));
        }
    }
    if !rb.not_supported.is_empty() {
        e.push(String::new());
        e.push("Not supported in this product:".into());
        e.extend(rb.not_supported.iter().map(|x| format!("- {}", one(x))));
    }
    for (head, items, numbered) in [
        ("Prerequisites:", &rb.prerequisites, false),
        ("Setup steps:", &rb.setup, true),
        ("GT extensions and caveats:", &rb.caveats, false),
        ("Validation checklist:", &rb.checklist, false),
    ] {
        e.push(String::new());
        e.push(head.into());
        for (i, x) in items.iter().enumerate() {
            e.push(if numbered {
                format!("{}. {}", i + 1, one(x))
            } else {
                format!("- {}", one(x))
            });
        }
    }
    e.join("\n")
}
