//! A report as people read it (GitHub-flavoured Markdown) and as
//! programs do (JSON).

use std::fmt::Write as _;

use serde_json::Value;

use super::report::{Report, RunbookRef, VerdictChange};
use crate::markdown::{self, Place};

/// Longest value shown in a Markdown cell; the JSON report has them whole.
const CELL_CHARS: usize = 160;

impl Report {
    /// Which data each side is (the manifests' `data`, format 1.2.0 on),
    /// when either says.
    fn data_line(&self) -> Option<String> {
        let side = |s: &super::report::SideSummary| {
            let digest = s.digest.as_deref()?;
            let short = digest.get(..19).unwrap_or(digest);
            Some(match &s.commit {
                Some(commit) => format!(
                    "{} (commit {})",
                    markdown::code(short, Place::Inline),
                    markdown::code(commit.get(..12).unwrap_or(commit), Place::Inline)
                ),
                None => markdown::code(short, Place::Inline),
            })
        };
        let (old, new) = (side(&self.old), side(&self.new));
        if old.is_none() && new.is_none() {
            return None;
        }
        let same = self.old.digest.is_some() && self.old.digest == self.new.digest;
        let unknown = || "no digest (format before 1.2.0)".to_owned();
        Some(format!(
            "Data: {} → {}{}",
            old.unwrap_or_else(unknown),
            new.unwrap_or_else(unknown),
            if same { ": the same data." } else { "." }
        ))
    }

    /// The report as GitHub-flavoured Markdown, `##` headings and below.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let (old, new) = (&self.old.label, &self.new.label);
        let _ = writeln!(
            md,
            "## Runbook changes: {} → {}\n",
            markdown::code(old, Place::Inline),
            markdown::code(new, Place::Inline)
        );
        if let Some(line) = self.data_line() {
            let _ = writeln!(md, "{line}\n");
        }
        if self.is_empty() {
            let _ = writeln!(
                md,
                "No changes: the {} runbooks are the same on both sides.",
                self.new.runbooks
            );
            return md;
        }
        let c = &self.counts;
        let _ = writeln!(
            md,
            "{} → {} runbooks: {} added, {} removed; verdicts {} upgraded, {} downgraded, \
             {} reclassified; {}; {}.",
            self.old.runbooks,
            self.new.runbooks,
            c.added,
            c.removed,
            c.upgraded,
            c.downgraded,
            c.reclassified,
            plural(c.fields, "field changed", "fields changed"),
            plural(
                c.catalog,
                "site or catalog change",
                "site or catalog changes"
            ),
        );
        verdict_table(&mut md, "Downgraded verdicts", &self.downgraded);
        verdict_table(&mut md, "Upgraded verdicts", &self.upgraded);
        verdict_table(&mut md, "Reclassified verdicts", &self.reclassified);
        runbook_list(&mut md, "Added runbooks", &self.added);
        runbook_list(&mut md, "Removed runbooks", &self.removed);
        if !self.fields.is_empty() {
            let _ = writeln!(
                md,
                "\n### Changed fields\n\n| Runbook | Field | Before | After |\n| --- | --- | --- | --- |"
            );
            for f in &self.fields {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    markdown::code(f.slug.as_deref().unwrap_or_default(), Place::Cell),
                    markdown::code(&f.field, Place::Cell),
                    cell(f.from.as_ref()),
                    cell(f.to.as_ref())
                );
            }
        }
        if !self.catalog.is_empty() {
            let _ = writeln!(
                md,
                "\n### Site and catalog\n\n| Field | Before | After |\n| --- | --- | --- |"
            );
            for f in &self.catalog {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    markdown::code(&f.field, Place::Cell),
                    cell(f.from.as_ref()),
                    cell(f.to.as_ref())
                );
            }
        }
        // Manifests are untrusted (a file from anywhere): what no terminal
        // may show raw is escaped, in the whole report at once (the
        // report's own text has none).
        crate::diagnostic::visible(&md).into_owned()
    }

    /// The report as pretty JSON with a final newline; unprintable
    /// characters escaped (`\u202e`), the values unchanged.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        crate::diagnostic::json_escape_unprintable(&s)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict_table(md: &mut String, heading: &str, changes: &[VerdictChange]) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n### {heading}\n\n| Runbook | Route | Before | After |\n| --- | --- | --- | --- |"
    );
    for v in changes {
        let _ = writeln!(
            md,
            "| {} ({}) | {} | {} | {} |",
            markdown::inline(&v.title, Place::Cell),
            markdown::code(&v.slug, Place::Cell),
            markdown::code(&v.route, Place::Cell),
            markdown::code(&v.from, Place::Cell),
            markdown::code(&v.to, Place::Cell)
        );
    }
}

fn runbook_list(md: &mut String, heading: &str, runbooks: &[RunbookRef]) {
    if runbooks.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### {heading}\n");
    for r in runbooks {
        let _ = writeln!(
            md,
            "- {} ({})",
            markdown::inline(&r.title, Place::Inline),
            markdown::code(&r.slug, Place::Inline)
        );
    }
}

/// A value in a table cell: texts exactly as written (shortened), other
/// values as compact JSON in a code span, a missing value as `—`.
fn cell(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "—".to_owned();
    };
    match value {
        Value::String(s) => markdown::verbatim(&shorten(s), Place::Cell),
        other => markdown::code(&shorten(&other.to_string()), Place::Cell),
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
