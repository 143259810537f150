//! What gtdocs keeps in the wiki about its own publishes: the pages it
//! owns with the digest of what it wrote, the block it put into the wiki's
//! sidebar, and the manifest published last.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// gtdocs' own records live in `.gtdocs/` in the wiki repository: GitHub
/// shows only pages (`*.md` and the other markup files), so they stay out
/// of sight.
///
/// `.gtdocs/pages.json`: the pages gtdocs owns, with their digests.
pub const OWNERSHIP_FILE: &str = ".gtdocs/pages.json";
/// `.gtdocs/manifest.json`: the compatibility manifest published last.
pub const MANIFEST_FILE: &str = ".gtdocs/manifest.json";

/// The pages gtdocs owns on the wiki, as recorded there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Ownership {
    pub generator: String,
    pub note: String,
    /// Page file name → `sha256:<hex>` of the content gtdocs published.
    pub pages: BTreeMap<String, String>,
    /// The block gtdocs put into the wiki's own sidebar (`wiki.sidebar:
    /// section`), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_block: Option<BlockRecord>,
}

/// What gtdocs records about the block it put into the sidebar, in the
/// wiki's ownership record: a block is only ever taken out of a sidebar
/// gtdocs put one into, and leaves it as it found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BlockRecord {
    /// The line ends put before the block to set it apart from the lines
    /// above it, taken out with it while they are still there.
    pub separator: String,
    /// gtdocs created the sidebar to hold the block: it is deleted with
    /// the block when nothing else is left in it.
    pub created: bool,
    /// `sha256:<hex>` of the block as written (marker lines included, indent
    /// and line ends left out), to tell a block a person edited since.
    #[serde(default)]
    pub digest: String,
}

/// `sha256:<hex>` of `content`: every digest the records hold.
pub(super) fn digest(content: &[u8]) -> String {
    let hash = Sha256::digest(content);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for byte in hash {
        let _ = write!(s, "{byte:02x}");
    }
    s
}
