//! The source format: `gtdocs.yaml` and `runbooks/<slug>.yaml`, as typed
//! structs. The JSON Schemas are derived from these types and the loader
//! deserializes into them, so the published schema and the loader agree.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An absolute `https://` URL. Its host holds no `user:password@` (the
/// URL is published) and no `\` (browsers read it as `/`).
pub const HTTPS_URL_PATTERN: &str = r"^https://[^\s/?#@\\]+([/?#][^\s]*)?$";
/// A lowercase, dash-separated identifier (slugs, wiki page prefixes).
pub const SLUG_PATTERN: &str = r"^[a-z0-9]+(-[a-z0-9]+)*$";
/// The origin (scheme and host) a site is published at: a DNS name or an
/// IP literal and an optional port; no `user:password@`, nothing else.
pub const SITE_URL_PATTERN: &str = r"^https?://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$";
/// A branch name git accepts (`git check-ref-format --branch`), in a
/// stricter, portable form: `/`-separated components of letters, digits,
/// `_`, `+`, `-` and single inner dots; no component starts with `.` or
/// `-`, none is `..`. (A final `.lock`, which git also refuses, is checked
/// in validate::catalog: the pattern is written without look-ahead.)
pub const BRANCH_PATTERN: &str = r"^[A-Za-z0-9_][A-Za-z0-9_+-]*(\.[A-Za-z0-9_+-]+)*(/[A-Za-z0-9_][A-Za-z0-9_+-]*(\.[A-Za-z0-9_+-]+)*)*$";
/// A wiki page name: Title-Cased words joined by dashes.
pub const PAGE_NAME_PATTERN: &str = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$";
/// A URL path prefix that starts and ends with `/`.
/// Each segment is a name, never `.` or `..`, also when its dots are
/// percent-encoded (`%2e`: a browser decodes them before it resolves the
/// path); `%2f` and `\` (read as `/`), `%5c` and encoded control
/// characters are refused. Written without look-ahead, which not every
/// JSON Schema validator's regex engine has: a segment is a non-dot then
/// anything, one dot then a non-dot, or two dots then something.
pub const BASE_URL_PATTERN: &str = concat!(
    r"^/((",
    // non-dot (N) then any (R)*
    r"([^\s/?#.%\\]|%(2[0-9A-Da-d]|[346][0-9A-Fa-f]|5[0-9ABD-Fabd-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f]))",
    r"([^\s/?#.%\\]|%(2[0-9A-Da-d]|[346][0-9A-Fa-f]|5[0-9ABD-Fabd-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f])|\.|%2[Ee])*",
    // | D N R*
    r"|(\.|%2[Ee])([^\s/?#.%\\]|%(2[0-9A-Da-d]|[346][0-9A-Fa-f]|5[0-9ABD-Fabd-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f]))",
    r"([^\s/?#.%\\]|%(2[0-9A-Da-d]|[346][0-9A-Fa-f]|5[0-9ABD-Fabd-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f])|\.|%2[Ee])*",
    // | D D R+
    r"|(\.|%2[Ee])(\.|%2[Ee])",
    r"([^\s/?#.%\\]|%(2[0-9A-Da-d]|[346][0-9A-Fa-f]|5[0-9ABD-Fabd-f]|7[0-9A-Ea-e]|[89A-Fa-f][0-9A-Fa-f])|\.|%2[Ee])+",
    r")/)*$"
);

/// `gtdocs.yaml`: site settings and the catalog every runbook draws on.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "gtdocs.yaml",
    description = "Site settings and the catalog (vocabularies) of a gtdocs tree."
)]
pub struct ConfigSource {
    pub site: SiteSource,
    #[serde(default)]
    pub wiki: WikiSource,
    /// The GT API routes, in display order.
    #[schemars(length(min = 1))]
    pub routes: Vec<RouteSource>,
    /// Verdict ids and their support level.
    #[schemars(length(min = 1))]
    pub verdicts: IndexMap<String, VerdictSource>,
    /// Compatibility levels: `id: label` or `id: {label, description}`.
    #[schemars(length(min = 1))]
    pub compatibility: IndexMap<String, LabelSource>,
    /// Client categories, in display order: `id: label`.
    #[schemars(length(min = 1))]
    pub categories: IndexMap<String, Label>,
    /// Recommended key presets: `id: label`.
    #[schemars(length(min = 1))]
    pub key_presets: IndexMap<String, Label>,
    /// Kinds of evidence behind a runbook: `id: label`.
    #[serde(default)]
    pub evidence: IndexMap<String, Label>,
    /// How old a verification may get, and whether every verdict needs one.
    #[serde(default)]
    pub verification: VerificationSettingsSource,
    /// How far back the history of verdicts is read from git.
    #[serde(default)]
    pub history: HistorySource,
}

/// `verification:` in `gtdocs.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationSettingsSource {
    /// Days after its `verified.date` that a verdict is stale: `check`
    /// warns (`stale-verdict`) and every output marks it. None: never.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36_600))]
    pub max_age_days: Option<u32>,
    /// Every verdict needs a verification date: `check` warns
    /// (`unverified`) where a runbook or route has none.
    #[serde(default)]
    pub require: bool,
}

/// The history of verdicts, read from git when the tree is in a work tree.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistorySource {
    /// Most commits (of those that touched `gtdocs.yaml` or `runbooks/`)
    /// read, newest first; older ones are left out and the history says
    /// where it starts. `0` reads none: no history at all.
    #[serde(default = "default_max_commits")]
    #[schemars(range(max = 1_000_000))]
    pub max_commits: u32,
}

impl Default for HistorySource {
    fn default() -> Self {
        HistorySource {
            max_commits: default_max_commits(),
        }
    }
}

fn default_max_commits() -> u32 {
    1_000
}

/// A non-empty label.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Label(#[schemars(length(min = 1))] pub String);

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteSource {
    #[schemars(length(min = 1))]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Path prefix the HTML site is served under; starts and ends with `/`.
    #[serde(default = "default_base_url")]
    #[schemars(regex(pattern = BASE_URL_PATTERN))]
    pub base_url: String,
    /// Source repository (absolute `https://` URL); enables "edit this page" links.
    #[serde(default)]
    #[schemars(regex(pattern = HTTPS_URL_PATTERN))]
    pub repository: Option<String>,
    /// Branch of `repository` the "edit this page" links open.
    #[serde(default = "default_branch")]
    #[schemars(regex(pattern = BRANCH_PATTERN))]
    pub branch: String,
    /// Origin the HTML site is published at (scheme and host, e.g.
    /// `https://docs.example.com`); sitemap and canonical URLs become this
    /// followed by `base_url` and the page's path.
    #[serde(default)]
    #[schemars(regex(pattern = SITE_URL_PATTERN))]
    pub url: Option<String>,
    /// A theme folder, `themes/<theme>/`, whose templates and static files
    /// override the built-in theme's, file by file.
    #[serde(default)]
    #[schemars(regex(pattern = SLUG_PATTERN))]
    pub theme: Option<String>,
}

fn default_branch() -> String {
    "main".into()
}

fn default_base_url() -> String {
    "/".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WikiSource {
    /// Wiki page of a runbook = Title-Cased words of `<page_prefix>-<slug>`.
    #[serde(default = "default_page_prefix")]
    #[schemars(regex(pattern = SLUG_PATTERN))]
    pub page_prefix: String,
    /// Name of the client-runbooks index page.
    #[serde(default = "default_index_page")]
    #[schemars(regex(pattern = PAGE_NAME_PATTERN))]
    pub index_page: String,
    /// Name of the compatibility-matrix page.
    #[serde(default = "default_matrix_page")]
    #[schemars(regex(pattern = PAGE_NAME_PATTERN))]
    pub matrix_page: String,
    /// Name of the page of verdict changes, written only when the tree's
    /// git history is read.
    #[serde(default = "default_changes_page")]
    #[schemars(regex(pattern = PAGE_NAME_PATTERN))]
    pub changes_page: String,
    /// Who writes the wiki's `Home.md`, which GitHub opens first.
    #[serde(default)]
    pub home: PageSetting,
    /// Who writes the wiki's `_Sidebar.md`, shown beside every page.
    #[serde(default)]
    pub sidebar: SidebarSetting,
    /// Who writes the wiki's `_Footer.md`, shown below every page.
    #[serde(default)]
    pub footer: PageSetting,
    /// With `sidebar: section`, the block lists every runbook too, not only
    /// the index and the matrix.
    #[serde(default)]
    pub sidebar_runbooks: bool,
}

impl Default for WikiSource {
    fn default() -> Self {
        WikiSource {
            page_prefix: default_page_prefix(),
            index_page: default_index_page(),
            matrix_page: default_matrix_page(),
            changes_page: default_changes_page(),
            home: PageSetting::default(),
            sidebar: SidebarSetting::default(),
            footer: PageSetting::default(),
            sidebar_runbooks: false,
        }
    }
}

/// Whether gtdocs writes one of the wiki's own pages (`Home.md`,
/// `_Footer.md`): `auto` (the default) keeps writing the page gtdocs wrote
/// before, writes it on a wiki that holds no page someone else wrote, and
/// otherwise leaves it alone (a page someone wrote stays as it is; a
/// missing one is not created); `own` writes it, replacing one someone
/// wrote (its history stays in the wiki); `none` writes none and removes
/// the one gtdocs wrote before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PageSetting {
    #[default]
    Auto,
    Own,
    None,
}

/// Whether gtdocs writes the wiki's `_Sidebar.md`: `auto`, `own` and
/// `none` as for `home`; `section` keeps the wiki's own sidebar and
/// maintains one marked block in it, linking the runbook index and the
/// matrix (and every runbook with `sidebar_runbooks`), taken out again
/// when the setting changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SidebarSetting {
    #[default]
    Auto,
    Own,
    Section,
    None,
}

/// A page setting is a sidebar setting without `section`: publish-wiki
/// decides all three pages with one type.
impl From<PageSetting> for SidebarSetting {
    fn from(s: PageSetting) -> Self {
        match s {
            PageSetting::Auto => SidebarSetting::Auto,
            PageSetting::Own => SidebarSetting::Own,
            PageSetting::None => SidebarSetting::None,
        }
    }
}

impl SidebarSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            SidebarSetting::Auto => "auto",
            SidebarSetting::Own => "own",
            SidebarSetting::Section => "section",
            SidebarSetting::None => "none",
        }
    }
}

fn default_page_prefix() -> String {
    "runbooks".into()
}
fn default_index_page() -> String {
    "Client-Runbooks".into()
}
fn default_matrix_page() -> String {
    "Compatibility-Matrix".into()
}
fn default_changes_page() -> String {
    "Compatibility-Changes".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSource {
    /// Method and path, e.g. `POST /v1/chat/completions`.
    #[schemars(length(min = 1))]
    pub route: String,
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Support {
    Full,
    Partial,
    None,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Full => "full",
            Support::Partial => "partial",
            Support::None => "none",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictSource {
    pub support: Support,
    /// The verdict in words, as pages show it (`Native`, `GT extension`);
    /// by default the id with its first letter upper-cased and `_`/`-` as
    /// spaces.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `id: label` or `id: {label, description}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum LabelSource {
    Short(Label),
    Long(LabelWithDescription),
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelWithDescription {
    #[schemars(length(min = 1))]
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    /// What the level means in verdicts (compatibility levels only):
    /// `check` warns `compatibility-mismatch` for a runbook that breaks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<CompatibilityRule>,
}

/// `runbooks/<slug>.yaml`: one client application. Text fields may hold
/// inline Markdown (code spans, links, emphasis).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "gtdocs runbook",
    description = "One client application's GT API runbook."
)]
pub struct RunbookSource {
    /// The client's name, as readers know it (unique across runbooks).
    #[schemars(length(min = 1))]
    pub title: String,
    /// One or two sentences: how this client connects to GT API.
    #[schemars(length(min = 1))]
    pub summary: String,
    /// Defaults to "This runbook maps **<title>** to GT API routes operators actually publish."
    #[serde(default)]
    pub intro: Option<String>,
    /// A key of the catalog's `compatibility`.
    pub compatibility: String,
    /// A key of the catalog's `categories`.
    pub category: String,
    /// A key of the catalog's `key_presets`.
    pub key_preset: String,
    /// A key of the catalog's `evidence`.
    #[serde(default)]
    pub evidence: Option<String>,
    /// When the runbook was last checked against the client, and how.
    #[serde(default)]
    pub verified: Option<VerificationSource>,
    /// Official documentation: absolute `https://` URLs.
    #[schemars(length(min = 1))]
    pub docs: Vec<DocUrl>,
    /// Configuration fields, in order.
    #[serde(default)]
    pub config: Vec<ConfigFieldSource>,
    /// One entry per catalog route.
    #[schemars(length(min = 1))]
    pub routes: Vec<RouteMappingSource>,
    /// "Not supported in this product".
    #[serde(default)]
    pub not_supported: Vec<String>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Ordered setup steps.
    #[serde(default)]
    pub setup: Vec<String>,
    /// "GT extensions and caveats".
    #[serde(default)]
    pub caveats: Vec<String>,
    /// "Validation checklist".
    #[serde(default)]
    pub checklist: Vec<String>,
    /// This client's row in the compatibility matrix page.
    #[serde(default)]
    pub matrix: MatrixSource,
    /// Orders runbooks within their category (then by title).
    #[serde(default)]
    #[schemars(range(min = -1_000_000_000, max = 1_000_000_000))]
    pub weight: i64,
    /// Findings accepted on purpose: `warning-code: reason`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub allow: Allow,
}

/// An absolute `https://` URL.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct DocUrl(#[schemars(regex(pattern = HTTPS_URL_PATTERN))] pub String);

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFieldSource {
    #[schemars(length(min = 1))]
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteMappingSource {
    /// A route of the catalog.
    pub route: String,
    /// A key of the catalog's `verdicts`.
    pub verdict: String,
    /// How the client reaches (or cannot reach) the route.
    #[serde(default)]
    pub integration: Option<String>,
    /// This route's own verification: with a `date`, a check of its own;
    /// without, its fields refine the runbook's.
    #[serde(default)]
    pub verified: Option<VerificationSource>,
    /// Findings about this route accepted on purpose: `warning-code: reason`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub allow: Allow,
}

/// A calendar day, `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// When a verdict was last checked against the client, against which
/// versions, and the proof.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationSource {
    /// The day it was checked, `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub date: Option<String>,
    /// The client's version or range it holds for: `0.7.6`, `since 0.7.6`.
    #[serde(default)]
    #[schemars(length(min = 1, max = 100))]
    pub client_version: Option<String>,
    /// GT's version it was checked against.
    #[serde(default)]
    #[schemars(length(min = 1, max = 100))]
    pub gt_version: Option<String>,
    /// A key of the catalog's `evidence`: how it was checked.
    #[serde(default)]
    pub evidence: Option<String>,
    /// The proof: an absolute `https://` URL (a CI run, an issue, a PR).
    #[serde(default)]
    pub link: Option<DocUrl>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixSource {
    #[serde(default)]
    pub subtitle: Option<String>,
    #[serde(default)]
    pub chat: Option<String>,
    #[serde(default)]
    pub files: Option<String>,
    #[serde(default)]
    pub persistence: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
}

// Consistency lints (issue 15, part 2): what a level means in verdicts,
// and findings accepted on purpose.

/// One line of text, not blank: a reason for accepting a finding.
pub const ONE_LINE_PATTERN: &str = r"^[^\r\n]*\S[^\r\n]*$";

/// Findings accepted on purpose, by warning code (the codes
/// `crate::validate::ACCEPTABLE` lists), each with the reason why.
pub type Allow = IndexMap<String, Reason>;

/// Why a finding is accepted: one line, not blank.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Reason(#[schemars(regex(pattern = ONE_LINE_PATTERN))] pub String);

/// What a compatibility level means in verdicts; every part given must
/// hold. Ids are the catalog's verdicts and routes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompatibilityRule {
    /// No route may have any of these verdicts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none_of: Vec<String>,
    /// At least one route has one of these verdicts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub some_of: Vec<String>,
    /// Each of these routes has one of its listed verdicts.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub routes: IndexMap<String, Vec<String>>,
}
