//! The validated book: everything the renderers need, with every catalog
//! reference resolved. Renderers never see sources or diagnostics.

use std::path::PathBuf;

use crate::date::Date;
use crate::source::Support;
pub use crate::source::{PageSetting, SidebarSetting};

#[derive(Debug, Clone)]
pub struct Book {
    pub site: Site,
    pub wiki: WikiSettings,
    pub catalog: Catalog,
    pub verification: VerificationSettings,
    /// Sorted by slug.
    pub runbooks: Vec<Runbook>,
    /// The verdicts' history from git, when the build read it (see
    /// `crate::history`); `None` outside a git work tree.
    pub history: Option<History>,
}

/// How verdicts age, and the day they are judged on.
#[derive(Debug, Clone, Copy)]
pub struct VerificationSettings {
    /// Days after its date that a verification is stale.
    pub max_age_days: Option<u32>,
    /// Every verdict needs a date (`check` warns where one has none).
    pub require: bool,
    /// The day staleness is judged on: `SOURCE_DATE_EPOCH`'s, else today.
    pub as_of: Date,
}

/// When a verdict was last checked against the client, and how. Every
/// field is optional: a route's own replaces its runbook's, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub date: Option<Date>,
    /// The client's version or range: `0.7.6`, `since 0.7.6`.
    pub client_version: Option<String>,
    pub gt_version: Option<String>,
    /// Index into the catalog's evidence kinds.
    pub evidence: Option<usize>,
    /// The proof: an `https://` URL.
    pub link: Option<String>,
}

impl Verification {
    /// This verification over `base`: one with its own date is a check of
    /// its own and stands alone (the runbook's proof is not its proof);
    /// one without refines `base`, each missing field taken from it
    /// (`client_version: since 0.7.6` on one route).
    pub fn over(&self, base: &Verification) -> Verification {
        if self.date.is_some() {
            return self.clone();
        }
        Verification {
            date: self.date.or(base.date),
            client_version: self
                .client_version
                .clone()
                .or_else(|| base.client_version.clone()),
            gt_version: self.gt_version.clone().or_else(|| base.gt_version.clone()),
            evidence: self.evidence.or(base.evidence),
            link: self.link.clone().or_else(|| base.link.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub description: Option<String>,
    pub base_url: String,
    pub repository: Option<String>,
    pub branch: String,
    /// Absolute URL of the published site, without a trailing slash.
    pub url: Option<String>,
    /// The theme folder's files, when `site.theme` names one.
    pub theme: Option<Theme>,
    /// `history.max_commits`: 0 reads no history.
    pub max_history_commits: usize,
}

/// A theme's files, by path relative to the theme folder
/// (`templates/runbook.html`, `static/style.css`).
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub name: String,
    pub templates: std::collections::BTreeMap<String, String>,
    pub assets: std::collections::BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct WikiSettings {
    pub page_prefix: String,
    pub index_page: String,
    pub matrix_page: String,
    pub changes_page: String,
    pub home: PageSetting,
    pub sidebar: SidebarSetting,
    pub footer: PageSetting,
    pub sidebar_runbooks: bool,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub routes: Vec<Route>,
    pub verdicts: Vec<Verdict>,
    pub compatibility: Vec<Term>,
    pub categories: Vec<Term>,
    pub key_presets: Vec<Term>,
    pub evidence: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Route {
    /// Method and path, e.g. `POST /v1/embeddings`.
    pub route: String,
    pub summary: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub id: String,
    pub support: Support,
    pub description: Option<String>,
}

/// An entry of a catalog vocabulary.
#[derive(Debug, Clone)]
pub struct Term {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Runbook {
    pub slug: String,
    /// Source file, relative to the tree's root (`runbooks/<slug>.yaml`).
    pub source: PathBuf,
    pub title: String,
    pub summary: String,
    pub intro: String,
    /// Indexes into the catalog's vocabularies.
    pub compatibility: usize,
    pub category: usize,
    pub key_preset: usize,
    pub evidence: Option<usize>,
    /// The runbook's verification, which its routes inherit.
    pub verified: Option<Verification>,
    pub docs: Vec<String>,
    pub config: Vec<ConfigField>,
    /// One entry per catalog route, in catalog order.
    pub routes: Vec<RouteMapping>,
    pub not_supported: Vec<String>,
    pub prerequisites: Vec<String>,
    pub setup: Vec<String>,
    pub caveats: Vec<String>,
    pub checklist: Vec<String>,
    pub matrix: MatrixRow,
    pub weight: i64,
}

#[derive(Debug, Clone)]
pub struct ConfigField {
    pub field: String,
    pub value: String,
}

/// A runbook's verdict for one catalog route. `verdict` is `None` when the
/// runbook leaves the route out: every output shows it as "unknown".
#[derive(Debug, Clone, Default)]
pub struct RouteMapping {
    pub verdict: Option<usize>,
    pub integration: Option<String>,
    /// The route's own verification (see [`Book::verification`]).
    pub verified: Option<Verification>,
}

#[derive(Debug, Clone, Default)]
pub struct MatrixRow {
    pub subtitle: Option<String>,
    pub chat: Option<String>,
    pub files: Option<String>,
    pub persistence: Option<String>,
    pub details: Option<String>,
}

// The history of verdicts, as `crate::history` reads it from git.

/// What changed in the tree's commits, newest event first.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub events: Vec<ChangeEvent>,
    /// Commits read (those that touched `gtdocs.yaml` or `runbooks/`).
    pub commits: usize,
    /// The clone is shallow: older commits are not there to read.
    pub shallow: bool,
    /// The commit whose state the history starts from, when it does not
    /// start at the first commit (the clone is shallow, or there are more
    /// commits than `history.max_commits`): what came before it is unknown.
    pub starts_at: Option<Commit>,
    /// Each runbook's events, as indexes into `events` (newest first), so
    /// that a page finds its own without reading every event.
    pub by_runbook: std::collections::HashMap<String, Vec<usize>>,
}

impl History {
    /// Whether events may be missing: older commits left out or absent.
    pub fn is_incomplete(&self) -> bool {
        self.shallow || self.starts_at.is_some()
    }

    /// `events`, newest first, with each runbook's index made.
    pub fn new(events: Vec<ChangeEvent>) -> Self {
        let mut by_runbook: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, e) in events.iter().enumerate() {
            if let Some(slug) = &e.runbook {
                by_runbook.entry(slug.clone()).or_default().push(i);
            }
        }
        History {
            events,
            by_runbook,
            ..History::default()
        }
    }

    /// A runbook's own events, newest first.
    pub fn of_runbook<'a>(&'a self, slug: &str) -> impl Iterator<Item = &'a ChangeEvent> {
        self.by_runbook
            .get(slug)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| self.events.get(i))
    }
}

impl Book {
    /// Whether the book has a runbook of this slug (`runbooks` is sorted).
    pub fn has_runbook(&self, slug: &str) -> bool {
        self.runbooks
            .binary_search_by(|rb| rb.slug.as_str().cmp(slug))
            .is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The full object id.
    pub id: String,
    /// Committer date, seconds since 1970 (UTC).
    pub time: u64,
    /// The subject line, as written (untrusted text).
    pub subject: String,
}

/// One change. `id` is made of the commit, the kind, the runbook and the
/// route only: the same event keeps it in every build.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub id: String,
    pub kind: ChangeKind,
    pub commit: std::sync::Arc<Commit>,
    /// The runbook's slug (`None` for a catalog event).
    pub runbook: Option<String>,
    /// The runbook's title at that commit.
    pub title: Option<String>,
    pub route: Option<String>,
    /// A renamed route's name before.
    pub from_route: Option<String>,
    pub before: Option<VerdictAt>,
    pub after: Option<VerdictAt>,
    /// A revision in between (or this one) could not be read: changes may
    /// be missing before this event.
    pub incomplete: bool,
}

/// A verdict as it stood at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictAt {
    /// The catalog's verdict id, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    RunbookAdded,
    RunbookRemoved,
    RouteAdded,
    RouteRemoved,
    /// A route removed and another added by the same commit, every
    /// runbook's verdict carried over from the one to the other.
    RouteRenamed,
    /// A verdict's support rose ([`SupportLevel::rank`]).
    Upgrade,
    Downgrade,
    /// Another verdict of the same rank, or from or to `unknown`.
    VerdictChanged,
}

impl ChangeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeKind::RunbookAdded => "runbook-added",
            ChangeKind::RunbookRemoved => "runbook-removed",
            ChangeKind::RouteAdded => "route-added",
            ChangeKind::RouteRemoved => "route-removed",
            ChangeKind::RouteRenamed => "route-renamed",
            ChangeKind::Upgrade => "upgrade",
            ChangeKind::Downgrade => "downgrade",
            ChangeKind::VerdictChanged => "verdict-changed",
        }
    }

    /// As a heading or a feed entry reads it.
    pub const fn label(self) -> &'static str {
        match self {
            ChangeKind::RunbookAdded => "Runbook added",
            ChangeKind::RunbookRemoved => "Runbook removed",
            ChangeKind::RouteAdded => "Route added",
            ChangeKind::RouteRemoved => "Route removed",
            ChangeKind::RouteRenamed => "Route renamed",
            ChangeKind::Upgrade => "Upgrade",
            ChangeKind::Downgrade => "Downgrade",
            ChangeKind::VerdictChanged => "Verdict changed",
        }
    }

    /// The kind of a verdict change from `before` to `after`.
    pub fn of_change(before: SupportLevel, after: SupportLevel) -> ChangeKind {
        match (before.rank(), after.rank()) {
            (Some(b), Some(a)) if a > b => ChangeKind::Upgrade,
            (Some(b), Some(a)) if a < b => ChangeKind::Downgrade,
            _ => ChangeKind::VerdictChanged,
        }
    }
}

/// The site path of the changes page (below `base_url`).
pub const CHANGES_SITE_PATH: &str = "changes/";
/// The Atom feed's path, at the site's root.
pub const CHANGES_FEED_PATH: &str = "changes.xml";

/// The changes document's path, in the output and in the site.
pub fn changes_path() -> String {
    format!("{JSON_DIR}/changes.json")
}

/// The text shown for a route a runbook leaves out.
pub const UNKNOWN: &str = SupportLevel::Unknown.as_str();

/// Support level of a route for a client; `unknown` when the runbook does
/// not map the route.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SupportLevel {
    Full,
    Partial,
    None,
    Unknown,
}

impl SupportLevel {
    /// Every level, in the order pages list them.
    pub const ALL: [SupportLevel; 4] = [
        SupportLevel::Full,
        SupportLevel::Partial,
        SupportLevel::None,
        SupportLevel::Unknown,
    ];

    /// As the manifest and the pages spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            SupportLevel::Full => "full",
            SupportLevel::Partial => "partial",
            SupportLevel::None => "none",
            SupportLevel::Unknown => "unknown",
        }
    }

    /// The level spelt `text`, as [`SupportLevel::as_str`] writes it.
    pub fn parse(text: &str) -> Option<SupportLevel> {
        SupportLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Rank for "rose" and "fell": none < partial < full; `unknown` has none.
    pub const fn rank(self) -> Option<u8> {
        match self {
            SupportLevel::None => Some(0),
            SupportLevel::Partial => Some(1),
            SupportLevel::Full => Some(2),
            SupportLevel::Unknown => None,
        }
    }
}

impl From<Support> for SupportLevel {
    fn from(support: Support) -> Self {
        match support {
            Support::Full => SupportLevel::Full,
            Support::Partial => SupportLevel::Partial,
            Support::None => SupportLevel::None,
        }
    }
}

impl From<Option<Support>> for SupportLevel {
    fn from(support: Option<Support>) -> Self {
        support.map_or(SupportLevel::Unknown, SupportLevel::from)
    }
}

impl Book {
    /// Runbooks in display order: category (catalog order), `weight`, title.
    pub fn ordered(&self) -> Vec<&Runbook> {
        let mut list: Vec<&Runbook> = self.runbooks.iter().collect();
        list.sort_by(|a, b| {
            (a.category, a.weight, &a.title, &a.slug)
                .cmp(&(b.category, b.weight, &b.title, &b.slug))
        });
        list
    }

    /// Display order, grouped by category; empty categories are left out.
    pub fn by_category(&self) -> Vec<(&Term, Vec<&Runbook>)> {
        let ordered = self.ordered();
        self.catalog
            .categories
            .iter()
            .enumerate()
            .map(|(i, term)| {
                (
                    term,
                    ordered
                        .iter()
                        .copied()
                        .filter(|r| r.category == i)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, list)| !list.is_empty())
            .collect()
    }

    pub fn verdict_id(&self, mapping: &RouteMapping) -> &str {
        mapping
            .verdict
            .map_or(UNKNOWN, |v| self.catalog.verdicts[v].id.as_str())
    }

    /// The support level a runbook gives a route.
    pub fn support(&self, mapping: &RouteMapping) -> SupportLevel {
        mapping
            .verdict
            .map(|v| self.catalog.verdicts[v].support)
            .into()
    }

    /// What is known of a route's verification: the route's own fields,
    /// then its runbook's. `None` when neither says anything.
    pub fn verification(&self, runbook: &Runbook, mapping: &RouteMapping) -> Option<Verification> {
        match (&mapping.verified, &runbook.verified) {
            (Some(own), Some(base)) => Some(own.over(base)),
            (Some(v), None) | (None, Some(v)) => Some(v.clone()),
            (None, None) => None,
        }
    }

    /// Whether a verification is older than the tree allows, on the day
    /// staleness is judged on.
    pub fn is_stale(&self, verification: &Verification) -> bool {
        match (verification.date, self.verification.max_age_days) {
            (Some(date), Some(max)) => self.verification.as_of.days_since(date) > i64::from(max),
            _ => false,
        }
    }

    /// The day a verification went stale (the first day past its age).
    pub fn stale_since(&self, verification: &Verification) -> Option<Date> {
        self.is_stale(verification).then_some(())?;
        let (date, max) = (verification.date?, self.verification.max_age_days?);
        Some(Date::from_unix(date.unix() + (u64::from(max) + 1) * 86_400))
    }

    /// A verification in one line of plain text, as every output words it:
    /// `verified 2026-05-01 · client 0.7.6 · GT 2026.10 · <evidence> ·
    /// stale since 2026-10-29` (the parts it has).
    pub fn verification_text(&self, v: &Verification) -> String {
        let mut parts = vec![match v.date {
            Some(date) => format!("verified {date}"),
            None => "verified (no date)".to_string(),
        }];
        parts.extend(v.client_version.as_ref().map(|c| format!("client {c}")));
        parts.extend(v.gt_version.as_ref().map(|g| format!("GT {g}")));
        parts.extend(v.evidence.map(|e| self.catalog.evidence[e].label.clone()));
        parts.extend(self.stale_since(v).map(|d| format!("stale since {d}")));
        parts.join(" · ")
    }

    /// The wiki page name of a runbook: the Title-Cased words of
    /// `<page_prefix>-<slug>` (`open-webui` -> `...-Open-Webui`).
    pub fn wiki_page(&self, runbook: &Runbook) -> String {
        wiki_page_name(&self.wiki.page_prefix, &runbook.slug)
    }
}

pub fn wiki_page_name(prefix: &str, slug: &str) -> String {
    let joined = if prefix.is_empty() {
        slug.to_string()
    } else {
        format!("{prefix}-{slug}")
    };
    joined
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The wiki's home page, which GitHub opens first.
pub const WIKI_HOME_PAGE: &str = "Home";

// The output names made from source names, one function each, shared by
// the renderers and by validation (which checks their length).

/// The file of a wiki page.
pub fn wiki_page_file(page: &str) -> String {
    format!("{page}.md")
}

/// The file of a runbook's own manifest entry (in `json/runbooks/`).
pub fn entry_file(slug: &str) -> String {
    format!("{slug}.json")
}

/// The JSON's folder in the output. The HTML site holds the same files at
/// the same paths below it, so that they are served at `<base_url>json/`.
pub const JSON_DIR: &str = "json";

/// The manifest's path, in the output and in the site (below `base_url`).
pub fn manifest_path() -> String {
    format!("{JSON_DIR}/manifest.json")
}

/// A runbook's own manifest entry's path, in the output and in the site.
pub fn entry_path(slug: &str) -> String {
    format!("{JSON_DIR}/runbooks/{}", entry_file(slug))
}

/// The site path of a runbook's page (below `base_url`).
pub fn runbook_site_path(slug: &str) -> String {
    format!("runbooks/{slug}/")
}

/// The site path of a route's page (below `base_url`).
pub fn route_site_path(route: &str) -> String {
    format!("routes/{}/", route_slug(route))
}

/// A route as a URL path segment: `POST /v1/datasets/{id}/files` ->
/// `post-v1-datasets-id-files`.
pub fn route_slug(route: &str) -> String {
    let slug = slug_words(route);
    if slug.is_empty() {
        "route".into()
    } else {
        slug
    }
}

/// Lowercase ASCII letters and digits of `text`, every other run of
/// characters one dash, none at the ends (may be empty).
pub fn slug_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The default `intro` of the source format.
pub fn default_intro(title: &str) -> String {
    format!("This runbook maps **{title}** to GT API routes operators actually publish.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_slugs() {
        assert_eq!(
            route_slug("POST /v1/datasets/{id}/files"),
            "post-v1-datasets-id-files"
        );
        assert_eq!(route_slug("GET /v1/models"), "get-v1-models");
    }

    #[test]
    fn page_names_follow_the_published_rule() {
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "open-webui"),
            "Gen3-Gt-Api-Runbooks-Open-Webui"
        );
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "n8n"),
            "Gen3-Gt-Api-Runbooks-N8n"
        );
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "cline-roo"),
            "Gen3-Gt-Api-Runbooks-Cline-Roo"
        );
    }
}
