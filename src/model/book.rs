//! The validated book: the site, the wiki settings, the catalog and every
//! runbook, with every catalog reference resolved; and what the outputs
//! ask of it (display order, verdicts, support, verification).

use std::path::PathBuf;

use super::history::History;
use super::names::wiki_page_name;
use super::support::{SupportLevel, UNKNOWN, UNKNOWN_LABEL};
use super::verification::{Verification, VerificationSettings};
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
    /// The commit the sources come from, when the tree is in git.
    pub source: Option<super::history::SourceCommit>,
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
    /// The route's stable id: its slug (`post-v1-embeddings`), the name
    /// of its page, its row anchors and its JSON file.
    pub id: String,
    /// Method and path, e.g. `POST /v1/embeddings`.
    pub route: String,
    pub summary: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub id: String,
    /// The verdict in words (`Native`, `GT extension`).
    pub label: String,
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

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// What a probe of its client found (`probes/<slug>/results.json`),
    /// added after validation: never part of a validation cache row.
    #[serde(skip)]
    pub tested: Option<Tested>,
}

/// What a probe of a runbook's client found: the client, its version,
/// the day, and for each catalog route the probe called (in catalog
/// order) whether the client reached it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tested {
    pub client: String,
    pub version: String,
    pub date: String,
    pub routes: Vec<Option<bool>>,
}

impl Tested {
    /// Whether the client reached route `index`, when the probe called it.
    pub fn reached(&self, index: usize) -> Option<bool> {
        *self.routes.get(index)?
    }

    /// What every output says beside route `index`'s verdict, when the
    /// probe called it.
    pub fn line(&self, index: usize) -> Option<String> {
        let reached = self.reached(index)?;
        let (client, version, date) = (&self.client, &self.version, &self.date);
        Some(if reached {
            format!("Tested with {client} {version} on {date}")
        } else {
            format!("Not reached by {client} {version} in a probe on {date}")
        })
    }

    /// Each route of `routes` (the catalog's) the probe called, with
    /// [`Tested::line`], in catalog order.
    pub fn lines<'a>(
        &'a self,
        routes: &'a [Route],
    ) -> impl Iterator<Item = (&'a str, String)> + 'a {
        (routes.iter().enumerate()).filter_map(|(i, r)| Some((r.route.as_str(), self.line(i)?)))
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ConfigField {
    pub field: String,
    pub value: String,
}

/// A runbook's verdict for one catalog route. `verdict` is `None` when the
/// runbook leaves the route out: every output shows it as "unknown".
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RouteMapping {
    pub verdict: Option<usize>,
    pub integration: Option<String>,
    /// The route's own verification (see [`Book::verification`]).
    pub verified: Option<Verification>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct MatrixRow {
    pub subtitle: Option<String>,
    pub chat: Option<String>,
    pub files: Option<String>,
    pub persistence: Option<String>,
    pub details: Option<String>,
}

// The history of verdicts, as `crate::history` reads it from git.

impl Book {
    /// Whether the book has a runbook of this slug (`runbooks` is sorted).
    pub fn has_runbook(&self, slug: &str) -> bool {
        self.runbooks
            .binary_search_by(|rb| rb.slug.as_str().cmp(slug))
            .is_ok()
    }
}

impl Book {
    /// A link to `path` of the site (below `base_url`): absolute under
    /// `site.url` when it is set, else rooted at `base_url`.
    pub fn site_link(&self, path: &str) -> String {
        match &self.site.url {
            Some(origin) => format!("{origin}{}{path}", self.site.base_url),
            None => format!("{}{path}", self.site.base_url),
        }
    }

    /// A verdict id in words: its catalog label, `Unknown`, or for an id
    /// the catalog no longer has (a past verdict), the id in words.
    pub fn verdict_words(&self, id: &str) -> String {
        match self.catalog.verdicts.iter().find(|v| v.id == id) {
            Some(v) => v.label.clone(),
            None if id == UNKNOWN => UNKNOWN_LABEL.to_owned(),
            None => super::names::id_words(id),
        }
    }

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
