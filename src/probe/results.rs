//! What a probe found, as evidence: `probes/<slug>/results.json`, committed
//! beside the probe. Deterministic: the same client, routes and date (a
//! build's day, `SOURCE_DATE_EPOCH` when set) give the same bytes; no port,
//! time or key is in it.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::declared::{DIR, Runtime};
use super::error::ProbeError;
use super::standin::Seen;
use crate::cache::{Fingerprint, Fingerprinter};

/// The name of a probe's results file, in its runbook's folder below
/// [`DIR`].
pub const RESULTS_FILE: &str = "results.json";

/// The results file of runbook `slug`'s probe, relative to the root.
pub fn path(slug: &str) -> PathBuf {
    PathBuf::from(DIR).join(slug).join(RESULTS_FILE)
}

/// A probe's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "probes/<slug>/results.json",
    description = "What `gtdocs probe` found for runbook <slug>: for each route the runbook marks as supported, whether its client reached it with the documented config, and every request a GT API stand-in saw. No port, time or key: the same client, routes and day give the same bytes."
)]
pub struct Results {
    /// The runbook probed (its slug).
    #[schemars(regex(pattern = crate::source::SLUG_PATTERN))]
    pub runbook: String,
    pub runtime: Runtime,
    /// The client package and the version that ran.
    pub client: Client,
    /// Every package, as pinned.
    pub packages: Vec<String>,
    /// The day it ran (`YYYY-MM-DD`: `SOURCE_DATE_EPOCH`'s when set).
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub date: String,
    /// The base URL the probe was given, with the stand-in's address as
    /// `<tenant-host>` (as the runbook's `config` writes it).
    pub base_url: Option<String>,
    /// The runbook's `config` as it was documented when the probe ran,
    /// placeholders as written: once the runbook documents another, these
    /// results are stale (as are results written before gtdocs kept it).
    #[serde(default)]
    pub config: Vec<ConfigValue>,
    /// Each route the runbook marks as supported, in catalog order.
    pub routes: Vec<RouteResult>,
}

impl Results {
    /// The fingerprint of [`Results::config`], as [`config_fingerprint`]
    /// makes it.
    pub fn config_fingerprint(&self) -> Fingerprint {
        config_fingerprint(
            self.config
                .iter()
                .map(|c| (c.field.as_str(), c.value.as_str())),
        )
    }
}

/// A runbook's `config` as `(field, value)` pairs, in its order, made one
/// value: what a probe ran with and what a runbook documents now are
/// compared by it.
pub fn config_fingerprint<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Fingerprint {
    let mut f = Fingerprinter::new();
    for (field, value) in pairs {
        f.str(field).str(value);
    }
    f.finish()
}

/// One field of a runbook's `config`, as documented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigValue {
    pub field: String,
    pub value: String,
}

/// The client package, and the version of it that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub package: String,
    pub version: String,
}

/// What the client did when asked to call one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteResult {
    /// Method and path, as the catalog writes it.
    pub route: String,
    /// The runbook's verdict (its catalog key).
    pub verdict: String,
    pub outcome: Outcome,
    /// The script's exit code (`None`: killed, or out of time).
    pub exit: Option<i32>,
    /// Every request the stand-in got, in order.
    pub requests: Vec<Request>,
}

/// How a route's call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The route was reached at its path with the key, and answered.
    Reached,
    /// The route was reached at its path, without the right key.
    WrongKey,
    /// Requests came, none to the route's path (another path, a 404).
    Missed,
    /// No request came.
    NoRequest,
}

impl Outcome {
    /// Of the requests `seen` while route `route` was asked for.
    pub fn of(route: &str, seen: &[Seen]) -> Outcome {
        let at_route: Vec<&Seen> = seen
            .iter()
            .filter(|s| s.route.as_deref() == Some(route))
            .collect();
        if at_route.iter().any(|s| s.status == 200) {
            Outcome::Reached
        } else if !at_route.is_empty() {
            Outcome::WrongKey
        } else if seen.is_empty() {
            Outcome::NoRequest
        } else {
            Outcome::Missed
        }
    }

    /// What it means, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::WrongKey => "reached without the right key",
            Outcome::Missed => "missed (requests went to other paths)",
            Outcome::NoRequest => "not called (no request came)",
        }
    }
}

/// One request, as the results keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// The catalog route it reached, if any.
    pub route: Option<String>,
    /// The stand-in's answer.
    pub status: u16,
    /// The bearer key: `right`, `wrong` or `missing`.
    #[schemars(extend("enum" = ["right", "wrong", "missing"]))]
    pub key: String,
    pub content_type: String,
    /// Its body's shape: a JSON object's keys, a form's fields, a size.
    pub body: String,
}

impl Request {
    /// The request in one line, `POST /api/tenant/v1/embeddings -> 200`,
    /// escaped (a results file is text anyone may have edited).
    pub fn summary(&self) -> String {
        let line = format!("{} {} -> {}", self.method, self.path, self.status);
        crate::diagnostic::visible(&line).into_owned()
    }
}

impl From<&Seen> for Request {
    fn from(s: &Seen) -> Request {
        Request {
            method: s.method.clone(),
            path: s.path.clone(),
            route: s.route.clone(),
            status: s.status,
            key: s.key.to_owned(),
            content_type: s.content_type.clone(),
            body: s.body.clone(),
        }
    }
}

impl Results {
    /// The file's bytes: pretty JSON, keys in a fixed order, one newline
    /// at the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Writes the results of the tree at `root` in place of the old ones,
    /// whole or not at all.
    pub fn write(&self, root: &Path) -> Result<PathBuf, ProbeError> {
        let rel = path(&self.runbook);
        put(&root.join(&rel), &self.to_bytes()).map_err(|source| ProbeError::Write {
            path: rel.clone(),
            source,
        })?;
        Ok(rel)
    }
}

/// Writes `bytes` to `file` whole or not at all: staged beside it, then
/// renamed over it (a reader, another probe among them, never sees a part).
pub(super) fn put(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut staged = tempfile::Builder::new()
        .prefix(".staged-")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut staged, bytes)?;
    staged.persist(file).map_err(|e| e.error)?;
    Ok(())
}
