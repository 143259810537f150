//! The published contract: the compatibility manifest (`json/manifest.json`)
//! and its per-runbook entries (`json/runbooks/<slug>.json`), as types
//! whose JSON Schemas `gtdocs schema manifest` and `gtdocs schema entry`
//! derive, and as made from a validated [`Book`]. The JSON renderer writes
//! them; `diff` and `publish-wiki` read them back.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::{Book, Runbook, SupportLevel, Term, Verification};

/// Semver of the manifest format. Bump the major version on any change a
/// consumer could trip over.
pub const SCHEMA_VERSION: &str = "1.3.0";

/// What a `schema_version` looks like: semver 2.0.0 (semver.org's own
/// pattern).
pub const SEMVER_PATTERN: &str = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$";

/// What each minor version of the format added that its manifests always
/// hold (`required` in the schema): `(version, definition, field)`, the
/// definition `""` for the manifest itself. A manifest of an earlier 1.x
/// does not have them, and a reader of any 1.x (`gtdocs diff`) accepts it
/// without (see [`crate::schema::manifest_schema_for`]).
pub const ADDED_FIELDS: &[(&str, &str, &str)] = &[
    ("1.2.0", "", "data"),
    ("1.2.0", "RouteEntry", "id"),
    ("1.2.0", "VerdictEntry", "label"),
    ("1.2.0", "RouteVerdict", "route_id"),
];

/// The file name of the manifest's JSON Schema, in `json/schema/`.
pub const MANIFEST_SCHEMA_FILE: &str = "manifest.schema.json";
/// The file name of a runbook entry's JSON Schema, in `json/schema/`.
pub const ENTRY_SCHEMA_FILE: &str = "runbook-entry.schema.json";
/// The file name of a route file's JSON Schema, in `json/schema/`.
pub const ROUTE_SCHEMA_FILE: &str = "route.schema.json";

/// The compatibility manifest: the catalog and every runbook's verdicts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs compatibility manifest")]
pub struct Manifest {
    /// Relative path of this file's JSON Schema.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// Semantic version of the manifest format.
    #[schemars(regex(pattern = SEMVER_PATTERN))]
    pub schema_version: String,
    pub generator: Generator,
    /// Build time (RFC 3339), only when `SOURCE_DATE_EPOCH` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    pub site: SiteEntry,
    pub catalog: CatalogEntry,
    /// How verdicts age, when the tree sets it (`verification.max_age_days`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationPolicy>,
    /// Every runbook, sorted by slug.
    pub runbooks: Vec<RunbookEntry>,
    /// Which data this is: its digest, and the commit it comes from.
    pub data: DataEntry,
}

/// Which data a manifest holds, so that a consumer can tell two releases
/// apart without comparing them.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct DataEntry {
    /// `sha256:` and the hex SHA-256 of the manifest's `catalog`,
    /// `verification` and `runbooks` as written: the same catalog and
    /// runbooks give the same digest in one format version (`schema_version`),
    /// wherever the site is published (`site` is left out) and whenever it
    /// is built, except that when verdicts age (`verification`) it is the
    /// same data only as of the same `as_of` day, whose stale marks it holds.
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: String,
    /// The newest commit that touched the docs tree (`gtdocs.yaml`,
    /// `runbooks/`), when it is in git.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{40}([0-9a-f]{24})?$"))]
    pub commit: Option<String>,
    /// That commit's committer date (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<String>,
    /// The docs tree differed from that commit (edited, staged or new
    /// files): the data is not exactly the commit's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<bool>,
}

impl DataEntry {
    /// The data entry of `book` with `digest` (see [`DataEntry::digest`]).
    pub fn new(book: &Book, digest: String) -> DataEntry {
        let source = book.source.as_ref();
        DataEntry {
            digest,
            commit: source.map(|s| s.id.clone()),
            committed_at: source.map(|s| crate::date::timestamp(s.time)),
            modified: source.map(|s| s.modified),
        }
    }
}

/// Every client's verdict for one route: `json/routes/<route id>.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs route file")]
pub struct RouteFile {
    /// Relative path of this file's JSON Schema.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// Semantic version of the manifest format, which this file shares.
    #[schemars(regex(pattern = SEMVER_PATTERN))]
    pub schema_version: String,
    /// The route's stable id (`post-v1-embeddings`).
    pub id: String,
    /// Method and path (`POST /v1/embeddings`).
    pub route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How many clients have each support level for this route.
    pub counts: SupportCounts,
    /// Every runbook's verdict for this route, sorted by slug.
    pub clients: Vec<RouteClient>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SupportCounts {
    pub full: usize,
    pub partial: usize,
    pub none: usize,
    pub unknown: usize,
}

/// One client's verdict in a route file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RouteClient {
    /// The runbook's slug: its entry is `json/runbooks/<slug>.json`.
    #[schemars(regex(pattern = crate::source::SLUG_PATTERN))]
    pub slug: String,
    pub title: String,
    /// A catalog verdict id, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration: Option<String>,
    /// The route's own verification, else the runbook's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerificationEntry>,
    /// What a probe of the client found for this route (`gtdocs probe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested: Option<TestedEntry>,
}

impl RouteFile {
    /// The route file of `book`'s route number `index` (catalog order).
    pub fn new(book: &Book, index: usize) -> RouteFile {
        let route = &book.catalog.routes[index];
        let mut counts = SupportCounts::default();
        let clients = book
            .runbooks
            .iter()
            .filter_map(|rb| rb.routes.get(index).map(|m| (rb, m)))
            .map(|(rb, m)| {
                let support = book.support(m);
                *match support {
                    SupportLevel::Full => &mut counts.full,
                    SupportLevel::Partial => &mut counts.partial,
                    SupportLevel::None => &mut counts.none,
                    SupportLevel::Unknown => &mut counts.unknown,
                } += 1;
                RouteClient {
                    slug: rb.slug.clone(),
                    title: rb.title.clone(),
                    verdict: book.verdict_id(m).to_string(),
                    support,
                    integration: m.integration.clone(),
                    verified: book
                        .verification(rb, m)
                        .map(|v| VerificationEntry::new(book, &v)),
                    tested: TestedEntry::of(rb, index),
                }
            })
            .collect();
        RouteFile {
            schema: format!("../schema/{ROUTE_SCHEMA_FILE}"),
            schema_version: SCHEMA_VERSION.into(),
            id: route.id.clone(),
            route: route.route.clone(),
            summary: route.summary.clone(),
            counts,
            clients,
        }
    }
}

/// How verdicts age: each `stale` of this manifest is judged on `as_of`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerificationPolicy {
    /// Days after its date that a verification is stale.
    pub max_age_days: u32,
    /// The day staleness was judged on (`YYYY-MM-DD`): `SOURCE_DATE_EPOCH`'s
    /// day when it was set, else the day of the build.
    #[schemars(regex(pattern = crate::source::DATE_PATTERN))]
    pub as_of: String,
}

/// When a verdict was last checked against the client, and how.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerificationEntry {
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = crate::source::DATE_PATTERN))]
    pub date: Option<String>,
    /// The client's version or range: `0.7.6`, `since 0.7.6`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gt_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<TermRef>,
    /// The proof (`https://`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Older than `verification.max_age_days` on `verification.as_of`.
    pub stale: bool,
}

impl VerificationEntry {
    pub fn new(book: &Book, v: &Verification) -> VerificationEntry {
        VerificationEntry {
            date: v.date.map(|d| d.to_string()),
            client_version: v.client_version.clone(),
            gt_version: v.gt_version.clone(),
            evidence: v.evidence.map(|e| term_ref(&book.catalog.evidence[e])),
            link: v.link.clone(),
            stale: book.is_stale(v),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SiteEntry {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub base_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CatalogEntry {
    /// GT API routes, in display order.
    pub routes: Vec<RouteEntry>,
    pub verdicts: Vec<VerdictEntry>,
    pub compatibility: Vec<TermEntry>,
    /// In display order.
    pub categories: Vec<TermEntry>,
    pub key_presets: Vec<TermEntry>,
    pub evidence: Vec<TermEntry>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RouteEntry {
    /// The route's stable id (`post-v1-embeddings`): its page, its row
    /// anchors and its file `json/routes/<id>.json`.
    pub id: String,
    pub route: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerdictEntry {
    pub id: String,
    /// The verdict in words (`Native`, `GT extension`).
    pub label: String,
    pub support: crate::source::Support,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TermEntry {
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A reference into a catalog vocabulary, with its label resolved.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TermRef {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gtdocs runbook manifest entry")]
pub struct RunbookEntry {
    /// Relative path of the JSON Schema (in the per-runbook files only).
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The source file's stem.
    #[schemars(regex(pattern = crate::source::SLUG_PATTERN))]
    pub slug: String,
    pub title: String,
    /// Source file, relative to the docs tree.
    pub source: String,
    /// Name of the GitHub wiki page.
    pub wiki_page: String,
    pub summary: String,
    pub intro: String,
    pub compatibility: TermRef,
    pub category: TermRef,
    pub key_preset: TermRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<TermRef>,
    /// The runbook's own verification, which its routes inherit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerificationEntry>,
    pub docs: Vec<String>,
    pub config: Vec<ConfigEntry>,
    /// One entry per catalog route, in catalog order.
    pub routes: Vec<RouteVerdict>,
    pub not_supported: Vec<String>,
    pub prerequisites: Vec<String>,
    pub setup: Vec<String>,
    pub caveats: Vec<String>,
    pub checklist: Vec<String>,
    pub matrix: MatrixEntry,
    pub weight: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigEntry {
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RouteVerdict {
    pub route: String,
    /// The route's stable id in the catalog.
    pub route_id: String,
    /// A catalog verdict id, or `unknown`.
    pub verdict: String,
    pub support: SupportLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration: Option<String>,
    /// What is known of this verdict's verification: the route's own
    /// fields, then the runbook's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerificationEntry>,
    /// What a probe of the client found for this route (`gtdocs probe`,
    /// `probes/<slug>/results.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested: Option<TestedEntry>,
}

/// A probe's finding for one route: the client library that ran, its
/// version, the day, and whether it reached the route with the runbook's
/// documented config.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestedEntry {
    pub client: String,
    pub version: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub reached: bool,
}

impl TestedEntry {
    /// Runbook `rb`'s probe finding for catalog route `index`, if any.
    pub fn of(rb: &Runbook, index: usize) -> Option<TestedEntry> {
        let t = rb.tested.as_ref()?;
        Some(TestedEntry {
            client: t.client.clone(),
            version: t.version.clone(),
            date: t.date.clone(),
            reached: t.reached(index)?,
        })
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MatrixEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

fn term_entries(terms: &[Term]) -> Vec<TermEntry> {
    terms
        .iter()
        .map(|t| TermEntry {
            id: t.id.clone(),
            label: t.label.clone(),
            description: t.description.clone(),
        })
        .collect()
}

fn term_ref(t: &Term) -> TermRef {
    TermRef {
        id: t.id.clone(),
        label: t.label.clone(),
    }
}

impl Manifest {
    /// The manifest of `book` with `runbooks` as its entries (the JSON
    /// renderer passes none and writes the entries in their place, a few at
    /// a time); `generated_at` in seconds since 1970, from
    /// `SOURCE_DATE_EPOCH`.
    pub fn new(
        book: &Book,
        generator: Generator,
        generated_at: Option<u64>,
        runbooks: Vec<RunbookEntry>,
    ) -> Manifest {
        let c = &book.catalog;
        Manifest {
            schema: format!("schema/{MANIFEST_SCHEMA_FILE}"),
            schema_version: SCHEMA_VERSION.into(),
            generator,
            generated_at: generated_at.map(crate::date::timestamp),
            site: SiteEntry {
                title: book.site.title.clone(),
                description: book.site.description.clone(),
                base_url: book.site.base_url.clone(),
                repository: book.site.repository.clone(),
            },
            catalog: CatalogEntry {
                routes: c
                    .routes
                    .iter()
                    .map(|r| RouteEntry {
                        id: r.id.clone(),
                        route: r.route.clone(),
                        summary: r.summary.clone(),
                    })
                    .collect(),
                verdicts: c
                    .verdicts
                    .iter()
                    .map(|v| VerdictEntry {
                        id: v.id.clone(),
                        label: v.label.clone(),
                        support: v.support,
                        description: v.description.clone(),
                    })
                    .collect(),
                compatibility: term_entries(&c.compatibility),
                categories: term_entries(&c.categories),
                key_presets: term_entries(&c.key_presets),
                evidence: term_entries(&c.evidence),
            },
            verification: book
                .verification
                .max_age_days
                .map(|max_age_days| VerificationPolicy {
                    max_age_days,
                    as_of: book.verification.as_of.to_string(),
                }),
            runbooks,
            data: DataEntry::default(),
        }
    }
}

impl RunbookEntry {
    /// The entry of `rb`, one of `book`'s runbooks, as the manifest holds
    /// it (no `$schema`: only the entry's own file has one).
    pub fn new(book: &Book, rb: &Runbook) -> RunbookEntry {
        let c = &book.catalog;
        RunbookEntry {
            schema: None,
            slug: rb.slug.clone(),
            title: rb.title.clone(),
            source: rb.source.to_string_lossy().replace('\\', "/"),
            wiki_page: book.wiki_page(rb),
            summary: rb.summary.clone(),
            intro: rb.intro.clone(),
            compatibility: term_ref(&c.compatibility[rb.compatibility]),
            category: term_ref(&c.categories[rb.category]),
            key_preset: term_ref(&c.key_presets[rb.key_preset]),
            evidence: rb.evidence.map(|e| term_ref(&c.evidence[e])),
            verified: rb
                .verified
                .as_ref()
                .map(|v| VerificationEntry::new(book, v)),
            docs: rb.docs.clone(),
            config: rb
                .config
                .iter()
                .map(|f| ConfigEntry {
                    field: f.field.clone(),
                    value: f.value.clone(),
                })
                .collect(),
            routes: c
                .routes
                .iter()
                .zip(&rb.routes)
                .enumerate()
                .map(|(index, (route, m))| RouteVerdict {
                    route: route.route.clone(),
                    route_id: route.id.clone(),
                    verdict: book.verdict_id(m).to_string(),
                    support: book.support(m),
                    integration: m.integration.clone(),
                    verified: book
                        .verification(rb, m)
                        .map(|v| VerificationEntry::new(book, &v)),
                    tested: TestedEntry::of(rb, index),
                })
                .collect(),
            not_supported: rb.not_supported.clone(),
            prerequisites: rb.prerequisites.clone(),
            setup: rb.setup.clone(),
            caveats: rb.caveats.clone(),
            checklist: rb.checklist.clone(),
            matrix: MatrixEntry {
                subtitle: rb.matrix.subtitle.clone(),
                chat: rb.matrix.chat.clone(),
                files: rb.matrix.files.clone(),
                persistence: rb.matrix.persistence.clone(),
                details: rb.matrix.details.clone(),
            },
            weight: rb.weight,
        }
    }
}
