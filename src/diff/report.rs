//! The report of a comparison: the published contract of `gtdocs diff
//! --format json`, whose JSON Schema `gtdocs schema diff` derives.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Everything that changed from `old` to `new`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs manifest diff")]
pub struct Report {
    pub old: SideSummary,
    pub new: SideSummary,
    pub counts: Counts,
    /// Runbooks only in the new manifest, by slug.
    pub added: Vec<RunbookRef>,
    /// Runbooks only in the old manifest, by slug.
    pub removed: Vec<RunbookRef>,
    /// Routes whose support level rose (none → partial → full).
    pub upgraded: Vec<VerdictChange>,
    /// Routes whose support level fell.
    pub downgraded: Vec<VerdictChange>,
    /// Verdicts that changed with no order between them: to or from
    /// `unknown`, or another verdict of the same support level.
    pub reclassified: Vec<VerdictChange>,
    /// Other fields of runbooks present on both sides.
    pub fields: Vec<FieldChange>,
    /// Site settings and the catalog (routes, verdicts, terms).
    pub catalog: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SideSummary {
    pub label: String,
    pub runbooks: usize,
    /// The manifest's `data.digest` (format 1.2.0 and later): equal on
    /// both sides when the data is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The manifest's `data.commit`, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub upgraded: usize,
    pub downgraded: usize,
    pub reclassified: usize,
    pub fields: usize,
    pub catalog: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunbookRef {
    pub slug: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerdictChange {
    pub slug: String,
    pub title: String,
    pub route: String,
    pub from: String,
    pub to: String,
}

/// One value that changed. A field only on one side has `from` or `to`
/// missing; an item added to or removed from a list of texts is reported
/// on its own, at `field[]`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldChange {
    /// The runbook (absent for site and catalog changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Where the value is: `title`, `config[OPENAI_API_KEY].value`,
    /// `routes[POST /v1/embeddings].integration`, `caveats[]`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

/// What `--fail-on` fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// a route verdict whose support level fell
    Downgrade,
    /// any change at all
    Any,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.counts == Counts::default()
    }

    pub fn fails(&self, on: FailOn) -> bool {
        match on {
            FailOn::Downgrade => !self.downgraded.is_empty(),
            FailOn::Any => !self.is_empty(),
        }
    }
}
