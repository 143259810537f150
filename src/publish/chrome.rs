//! What a publish does to the wiki's own pages (`Home.md`, `_Sidebar.md`,
//! `_Footer.md`), as the `wiki.home`, `wiki.sidebar` and `wiki.footer`
//! settings say, told in one sentence each.

use serde::Serialize;

/// What a publish did to one of the wiki's own pages.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    /// `Home.md`, `_Sidebar.md` or `_Footer.md`.
    pub page: &'static str,
    /// Its setting in `gtdocs.yaml`: `wiki.home`, `wiki.sidebar` or
    /// `wiki.footer`.
    pub field: &'static str,
    /// The setting's value (`auto`, `own`, `section`, `none`).
    pub setting: &'static str,
    pub outcome: ChromeOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChromeOutcome {
    /// gtdocs writes it, as it did before or on a wiki of its own (the
    /// page lists say whether it is added, updated or unchanged).
    Written,
    /// Someone wrote it; gtdocs replaces it, as `own` says.
    TakenOver,
    /// Someone wrote it; it is left as it is.
    LeftAlone,
    /// It is not on the wiki and gtdocs does not create it.
    NotCreated,
    /// gtdocs wrote it before and, as the setting now says, removes it.
    Removed,
    /// gtdocs' block is added to the wiki's sidebar.
    SectionAdded,
    /// The wiki has no sidebar: one holding only gtdocs' block is created.
    SectionCreated,
    SectionUpdated,
    SectionUnchanged,
    /// gtdocs' block is taken out of the wiki's sidebar, nothing else.
    SectionRemoved,
    /// gtdocs' own sidebar page becomes a sidebar holding only its block.
    PageToSection,
    /// gtdocs put a block in the sidebar, and it is not there as gtdocs
    /// wrote it any more (its marker lines or the sidebar are gone or
    /// changed): the sidebar is left as it is.
    SectionLost,
}

impl Chrome {
    /// One sentence for the terminal and the job summary.
    pub fn describe(&self) -> String {
        let Chrome {
            field,
            setting,
            outcome,
            ..
        } = self;
        let why = format!("{field}: {setting}");
        match outcome {
            ChromeOutcome::Written => format!("written by gtdocs ({why})"),
            ChromeOutcome::TakenOver => {
                format!(
                    "written by hand, replaced by gtdocs' page ({why}; the old one stays in the wiki's history)"
                )
            }
            ChromeOutcome::LeftAlone => match *field {
                SIDEBAR_FIELD => format!(
                    "written by hand, left alone ({why}; `section` adds links to the runbooks to it, `own` replaces it)"
                ),
                _ => format!("written by hand, left alone ({why}; `own` replaces it)"),
            },
            ChromeOutcome::NotCreated if *setting == "auto" => format!(
                "not created: the wiki has pages gtdocs did not write ({why}; `own` creates it{})",
                if *field == SIDEBAR_FIELD {
                    ", `section` adds a block of links"
                } else {
                    ""
                }
            ),
            ChromeOutcome::NotCreated => format!("not created ({why})"),
            ChromeOutcome::Removed => format!("gtdocs' page removed ({why})"),
            ChromeOutcome::SectionAdded => {
                format!("gtdocs' block of links added, every other line kept ({why})")
            }
            ChromeOutcome::SectionUpdated => {
                format!("gtdocs' block of links updated, every other line kept ({why})")
            }
            ChromeOutcome::SectionUnchanged => format!("gtdocs' block of links unchanged ({why})"),
            ChromeOutcome::SectionRemoved => {
                format!("gtdocs' block of links removed, every other line kept ({why})")
            }
            ChromeOutcome::PageToSection => {
                format!(
                    "gtdocs' page replaced by a sidebar holding only its block of links ({why})"
                )
            }
            ChromeOutcome::SectionLost => format!(
                "gtdocs' block of links is not there as gtdocs wrote it (its marker lines are gone or repeated, or the sidebar is gone or unreadable); the sidebar is left as it is ({why})"
            ),
            ChromeOutcome::SectionCreated => {
                format!("created, holding only gtdocs' block of links ({why})")
            }
        }
    }
}

pub(super) const HOME_FIELD: &str = "wiki.home";
pub(super) const SIDEBAR_FIELD: &str = "wiki.sidebar";
pub(super) const FOOTER_FIELD: &str = "wiki.footer";
