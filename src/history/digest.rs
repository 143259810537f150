//! What the history needs of a source file at a past commit: a runbook's
//! title and verdicts, the catalog's routes and verdicts' support. Read
//! leniently (unknown fields are ignored), so an older format still
//! counts; what does not parse at all is `None`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::SupportLevel;
use crate::source::Support;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunbookDigest {
    pub(super) title: Option<String>,
    /// Verdict id by route.
    pub(super) verdicts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CatalogDigest {
    /// In catalog order, each once.
    pub(super) routes: Vec<String>,
    pub(super) support: BTreeMap<String, SupportLevel>,
}

impl CatalogDigest {
    /// The level of verdict `id` here: `unknown` for no verdict, or for
    /// one this catalog does not define.
    pub(super) fn level(&self, id: Option<&str>) -> SupportLevel {
        id.and_then(|id| self.support.get(id).copied())
            .unwrap_or(SupportLevel::Unknown)
    }
}

#[derive(Deserialize)]
struct RunbookFields {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    routes: Vec<MappingFields>,
}

#[derive(Deserialize)]
struct MappingFields {
    route: String,
    verdict: String,
}

#[derive(Deserialize)]
struct CatalogFields {
    #[serde(default)]
    routes: Vec<RouteFields>,
    #[serde(default)]
    verdicts: BTreeMap<String, VerdictFields>,
}

#[derive(Deserialize)]
struct RouteFields {
    route: String,
}

#[derive(Deserialize)]
struct VerdictFields {
    support: Support,
}

impl RunbookDigest {
    pub(super) fn parse(text: &str) -> Option<RunbookDigest> {
        let fields: RunbookFields =
            serde_saphyr::from_str_with_options(text, crate::load::yaml::options()).ok()?;
        let mut verdicts = BTreeMap::new();
        for m in fields.routes {
            // The first mapping of a route counts, as in validation.
            verdicts.entry(m.route).or_insert(m.verdict);
        }
        Some(RunbookDigest {
            title: fields.title,
            verdicts,
        })
    }
}

impl CatalogDigest {
    pub(super) fn parse(text: &str) -> Option<CatalogDigest> {
        let fields: CatalogFields =
            serde_saphyr::from_str_with_options(text, crate::load::yaml::options()).ok()?;
        let mut routes: Vec<String> = Vec::with_capacity(fields.routes.len());
        for r in fields.routes {
            if !routes.contains(&r.route) {
                routes.push(r.route);
            }
        }
        Some(CatalogDigest {
            routes,
            support: fields
                .verdicts
                .into_iter()
                .map(|(id, v)| (id, SupportLevel::from(v.support)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_ignored_and_nonsense_is_none() {
        let rb = RunbookDigest::parse(
            "title: A\nsomething_new: 1\nroutes:\n  - {route: GET /x, verdict: native, note: n}\n",
        )
        .expect("parses");
        assert_eq!(
            rb.verdicts.get("GET /x").map(String::as_str),
            Some("native")
        );
        assert_eq!(RunbookDigest::parse("routes: [unclosed"), None);
        assert_eq!(RunbookDigest::parse("- a list"), None);
        let c = CatalogDigest::parse(
            "site: {title: T}\nroutes: [{route: GET /x}, {route: GET /x}]\nverdicts: {native: {support: full}}\n",
        )
        .expect("parses");
        assert_eq!(c.routes, ["GET /x"]);
        assert_eq!(c.level(Some("native")), SupportLevel::Full);
        assert_eq!(c.level(Some("gone")), SupportLevel::Unknown);
    }
}
