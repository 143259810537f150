//! What a publish changes on the wiki, page by page, and what it did.

use serde::Serialize;
use serde_json::Value;

use super::chrome::Chrome;

/// What a publish changes, page by page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
    pub unchanged: Vec<String>,
    /// Hand-written pages taken over with `--adopt`.
    pub adopted: Vec<String>,
    /// Pages gtdocs owns that someone edited on the wiki since the last
    /// publish: the edit is replaced (or the page deleted); it stays in the
    /// wiki's history.
    pub edited_on_wiki: Vec<String>,
    /// Pages on the wiki gtdocs does not own and left alone (the wiki's
    /// own pages, `Home.md`, `_Sidebar.md` and `_Footer.md`, are in
    /// [`Plan::chrome`] instead).
    pub hand_written: Vec<String>,
    /// What happened to the wiki's own pages, in the order home, sidebar,
    /// footer.
    pub chrome: Vec<Chrome>,
    /// Someone edited the block gtdocs keeps in the wiki's sidebar since
    /// it wrote it: the edit is replaced (or taken out with the block).
    pub block_edited: bool,
}

/// The result of a publish.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    /// The commit pushed (or, in a dry run, made locally); `None` when the
    /// wiki already matched.
    pub commit: Option<String>,
    pub branch: String,
    /// Pushes it took (more than 1 after a race).
    pub attempts: u32,
    /// The manifest found on the wiki before this publish, if any.
    pub previous_manifest: Option<Value>,
    /// The manifest published now, if the site has one.
    pub manifest: Option<Value>,
    pub dry_run: bool,
}
