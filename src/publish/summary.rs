//! The Markdown job summary of a publish: what it did, or what stopped it.

use std::fmt::Write as _;

use super::checkout::shown_name;
use super::error::PublishError;
use super::plan::Outcome;
use crate::render::wiki::SIDEBAR;

/// The job summary of a publish that stopped: what stopped it and what to
/// do, nothing pushed.
pub fn refusal_summary(error: &PublishError) -> String {
    use crate::markdown::{Place, inline};
    let mut md = String::from("## Wiki publish\n\nNothing was published: ");
    md.push_str(&inline(&shown_name(&error.to_string()), Place::Inline));
    md.push('\n');
    if let Some(hint) = error.hint() {
        let _ = writeln!(md, "\nHelp: {}", inline(&shown_name(&hint), Place::Inline));
    }
    md.push('\n');
    md
}

impl Outcome {
    /// The job summary: what was published, and what changed in the
    /// runbooks since the manifest published last.
    pub fn summary(&self, remote: &str) -> String {
        let mut md = String::from("## Wiki publish\n\n");
        let p = &self.plan;
        let target = format!(
            "`{}` of {}",
            self.branch,
            crate::markdown::code(remote, crate::markdown::Place::Inline)
        );
        let _ = match (&self.commit, self.dry_run) {
            (None, _) => writeln!(
                md,
                "Nothing to publish: {target} already matches the build.\n"
            ),
            (Some(c), true) => writeln!(
                md,
                "Dry run: commit `{}` was made locally for {target} and not pushed.\n",
                short(c)
            ),
            (Some(c), false) => writeln!(
                md,
                "Published commit `{}` to {target}{}.\n",
                short(c),
                match self.attempts {
                    1 => String::new(),
                    n => format!(" (pushed on attempt {n}: other commits had landed)"),
                }
            ),
        };
        let _ = writeln!(md, "| Pages | Count |\n| --- | ---: |");
        for (label, list) in [
            ("Added", &p.added),
            ("Updated", &p.updated),
            ("Deleted", &p.deleted),
            ("Unchanged", &p.unchanged),
            ("Adopted (were hand-written)", &p.adopted),
            ("Edited on the wiki, replaced", &p.edited_on_wiki),
            ("Hand-written, left alone", &p.hand_written),
        ] {
            let _ = writeln!(md, "| {label} | {} |", list.len());
        }
        if !p.chrome.is_empty() {
            let _ = writeln!(
                md,
                "\n| The wiki's own page | Setting | What happens |\n| --- | --- | --- |"
            );
            for c in &p.chrome {
                let _ = writeln!(
                    md,
                    "| `{}` | `{}: {}` | {} |",
                    c.page,
                    c.field,
                    c.setting,
                    crate::markdown::inline(&c.describe(), crate::markdown::Place::Cell)
                );
            }
        }
        if p.block_edited {
            let _ = writeln!(
                md,
                "\nSomeone edited gtdocs' block of links in `{SIDEBAR}` since it was published: \
                 the edit is replaced (it stays in the wiki's history)."
            );
        }
        for (label, list) in [
            ("Added", &p.added),
            ("Updated", &p.updated),
            ("Deleted", &p.deleted),
            ("Adopted (were hand-written)", &p.adopted),
            (
                "Edited on the wiki since the last publish",
                &p.edited_on_wiki,
            ),
            ("Hand-written, left alone", &p.hand_written),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(
                md,
                "\n<details><summary>{label} ({})</summary>\n\n{}\n</details>",
                list.len(),
                names(list)
            );
        }
        md.push('\n');
        match (&self.previous_manifest, &self.manifest) {
            (Some(old), Some(new)) if crate::diff::check_manifest(old).is_ok() => {
                let report = crate::diff::compare(
                    &crate::diff::Side {
                        label: "published before".into(),
                        manifest: old.clone(),
                    },
                    &crate::diff::Side {
                        label: "this build".into(),
                        manifest: new.clone(),
                    },
                );
                md.push_str(&report.to_markdown());
            }
            (_, Some(_)) => md.push_str(
                "No manifest was published to this wiki before: the next publish reports what changed.\n",
            ),
            (_, None) => {}
        }
        md
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn names(list: &[String]) -> String {
    list.iter()
        .map(|n| crate::markdown::code(&shown_name(n), crate::markdown::Place::Inline))
        .collect::<Vec<_>>()
        .join(", ")
}
