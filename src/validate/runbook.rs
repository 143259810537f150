//! One runbook beyond its schema: catalog references, routes, slug,
//! credentials, verification; then the checks across runbooks (titles,
//! page names).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::catalog::CatalogCheck;
use super::suggest;
use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::model::{self, ConfigField, MatrixRow, RouteMapping, Runbook};
use crate::source::RunbookSource;

/// A runbook that passed its own checks, with what the cross-file checks need.
pub struct Checked {
    pub runbook: Runbook,
}

static SLUG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(crate::source::SLUG_PATTERN).unwrap_or_else(|_| unreachable!()));

/// A catalog vocabulary a runbook field refers to.
struct Vocabulary<'a> {
    /// Plural noun for messages: "categories".
    what: &'static str,
    /// Its key in gtdocs.yaml.
    key: &'static str,
    table: &'a HashMap<String, usize>,
    ids: Vec<&'a str>,
}

impl<'a> Vocabulary<'a> {
    fn of(
        what: &'static str,
        key: &'static str,
        table: &'a HashMap<String, usize>,
        terms: &'a [model::Term],
    ) -> Self {
        Vocabulary {
            what,
            key,
            table,
            ids: terms.iter().map(|t| t.id.as_str()).collect(),
        }
    }

    /// The index of `id`, or an error diagnostic at `pointer`.
    fn lookup(
        &self,
        doc: &Document,
        pointer: &str,
        id: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        if let Some(&i) = self.table.get(id) {
            return Some(i);
        }
        let known = suggest::list(&self.ids);
        let hint = match suggest::closest(id, self.ids.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? known {}: {known}", self.what),
            None if self.ids.is_empty() => format!(
                "the catalog has no {}: add `{id}` under `{}` in gtdocs.yaml",
                self.what, self.key
            ),
            None => format!(
                "known {}: {known} (`{}` in gtdocs.yaml)",
                self.what, self.key
            ),
        };
        let singular = self.what.strip_suffix("ies").map_or_else(
            || self.what.trim_end_matches('s').to_string(),
            |s| format!("{s}y"),
        );
        diagnostics.push(
            Diagnostic::error("unknown-id", format!("unknown {singular} `{id}`"))
                .in_file(&doc.path, doc.spans.value(pointer))
                .with_label(format!("not a key of `{}`", self.key))
                .with_hint(hint),
        );
        None
    }
}

/// Checks a runbook. The checks read the parsed document itself, so they
/// run (and report) even when the schema check found other problems;
/// `source` is the typed runbook when the schema check passed.
pub fn check(
    doc: &Document,
    source: Option<RunbookSource>,
    catalog: Option<&CatalogCheck>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let slug = doc
        .rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !SLUG.is_match(&slug) {
        diagnostics.push(
            Diagnostic::error(
                "bad-slug",
                format!("file name `{slug}.yaml` is not a valid slug: use lowercase letters, digits and single dashes"),
            )
            .in_file(&doc.path, None)
            .with_hint(format!("rename the file to `{}.yaml`", suggest::slugify(&slug))),
        );
    }
    super::credentials::check_credentials(doc, &doc.value, diagnostics);
    super::text::check(doc, super::text::runbook_field, diagnostics);
    let before = diagnostics.len();
    let c = catalog?;
    super::names::check_runbook(doc, &slug, &c.wiki, diagnostics);

    let cat = &c.catalog;
    let text = |pointer: &str| doc.value.pointer(pointer).and_then(Value::as_str);
    let mut refer = |vocabulary: Vocabulary<'_>, pointer: &str| {
        text(pointer).and_then(|id| vocabulary.lookup(doc, pointer, id, diagnostics))
    };
    let [compatibility, category, key_preset, evidence] = [
        (
            "/compatibility",
            "compatibility levels",
            "compatibility",
            &c.compatibility,
            &cat.compatibility,
        ),
        (
            "/category",
            "categories",
            "categories",
            &c.categories,
            &cat.categories,
        ),
        (
            "/key_preset",
            "key presets",
            "key_presets",
            &c.key_presets,
            &cat.key_presets,
        ),
        (
            "/evidence",
            "evidence kinds",
            "evidence",
            &c.evidence,
            &cat.evidence,
        ),
    ]
    .map(|(pointer, what, key, table, terms)| {
        refer(Vocabulary::of(what, key, table, terms), pointer)
    });
    let evidence_kinds = Vocabulary::of("evidence kinds", "evidence", &c.evidence, &cat.evidence);
    let verification = |pointer: &str, diagnostics: &mut Vec<Diagnostic>| {
        super::verification::read(
            doc,
            pointer,
            |at, id, diagnostics| evidence_kinds.lookup(doc, at, id, diagnostics),
            diagnostics,
        )
    };
    let verdicts = Vocabulary {
        what: "verdicts",
        key: "verdicts",
        table: &c.verdicts,
        ids: cat.verdicts.iter().map(|v| v.id.as_str()).collect(),
    };

    let route_ids: Vec<&str> = c.catalog.routes.iter().map(|r| r.route.as_str()).collect();
    let mut routes: Vec<Option<(usize, RouteMapping)>> = vec![None; c.catalog.routes.len()];
    let listed = doc.value.get("routes").and_then(Value::as_array);
    let mut routes_hint: Option<String> = None;
    for (i, mapping) in listed.into_iter().flatten().enumerate() {
        let pointer = format!("/routes/{i}/route");
        let Some(route) = mapping.get("route").and_then(Value::as_str) else {
            continue;
        };
        let Some(&r) = c.routes.get(route) else {
            let hint = match suggest::closest(route, route_ids.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                // Made once: many unknown routes share it.
                None => routes_hint
                    .get_or_insert_with(|| format!("catalog routes: {}", suggest::list(&route_ids)))
                    .clone(),
            };
            diagnostics.push(
                Diagnostic::error("unknown-route", format!("unknown route `{route}`"))
                    .in_file(&doc.path, doc.spans.value(&pointer))
                    .with_label("not a route of the catalog")
                    .with_hint(hint),
            );
            continue;
        };
        if let Some((first, _)) = &routes[r] {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-route",
                    format!("route `{route}` is mapped twice"),
                )
                .in_file(&doc.path, doc.spans.value(&pointer))
                .with_label("second mapping")
                .with_hint(format!(
                    "it is already mapped by `routes[{first}]`; keep one entry per route"
                )),
            );
            continue;
        }
        let verdict = mapping
            .get("verdict")
            .and_then(Value::as_str)
            .and_then(|v| verdicts.lookup(doc, &format!("/routes/{i}/verdict"), v, diagnostics));
        let integration = mapping
            .get("integration")
            .and_then(Value::as_str)
            .map(str::to_string);
        let verified = verification(&format!("/routes/{i}/verified"), diagnostics);
        routes[r] = Some((
            i,
            RouteMapping {
                verdict,
                integration,
                verified,
            },
        ));
    }
    let verified = verification("/verified", diagnostics);
    let own: Vec<(usize, Option<&model::Verification>)> = routes
        .iter()
        .flatten()
        .map(|(i, m)| (*i, m.verified.as_ref()))
        .collect();
    super::verification::check_age(doc, &c.verification, verified.as_ref(), &own, diagnostics);
    let missing: Vec<&str> = routes
        .iter()
        .zip(&route_ids)
        .filter(|(m, _)| m.is_none())
        .map(|(_, id)| *id)
        .collect();
    if listed.is_some() && !missing.is_empty() {
        let (what, them) = if missing.len() == 1 {
            ("route", "it")
        } else {
            ("routes", "them")
        };
        diagnostics.push(
            Diagnostic::warning(
                "missing-route",
                format!("catalog {what} not mapped: {}", suggest::list(&missing)),
            )
            .in_file(&doc.path, doc.spans.key("/routes"))
            .with_label(format!("shown as \"{}\" in every output", model::UNKNOWN))
            .with_hint(format!(
                "add {them} to `routes` with a verdict ({})",
                verdicts.ids.join(", ")
            )),
        );
    }

    super::allow::check_codes(doc, diagnostics);
    if diagnostics[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    let mapped: Vec<super::lints::Mapped<'_>> = routes
        .iter()
        .enumerate()
        .filter_map(|(route, m)| {
            let (index, m) = m.as_ref()?;
            Some(super::lints::Mapped {
                index: *index,
                route,
                verdict: m.verdict?,
                note: m.integration.as_deref(),
            })
        })
        .collect();
    super::lints::check_runbook(doc, c, compatibility, &mapped, diagnostics);
    let source = source?;
    let intro = source
        .intro
        .unwrap_or_else(|| model::default_intro(&source.title));
    let runbook = Runbook {
        slug,
        source: doc.rel.clone(),
        title: source.title,
        summary: source.summary,
        intro,
        compatibility: compatibility?,
        category: category?,
        key_preset: key_preset?,
        evidence,
        verified,
        docs: source.docs.into_iter().map(|d| d.0).collect(),
        config: source
            .config
            .into_iter()
            .map(|c| ConfigField {
                field: c.field,
                value: c.value,
            })
            .collect(),
        routes: routes
            .into_iter()
            .map(|m| m.map(|(_, m)| m).unwrap_or_default())
            .collect(),
        not_supported: source.not_supported,
        prerequisites: source.prerequisites,
        setup: source.setup,
        caveats: source.caveats,
        checklist: source.checklist,
        matrix: MatrixRow {
            subtitle: source.matrix.subtitle,
            chat: source.matrix.chat,
            files: source.matrix.files,
            persistence: source.matrix.persistence,
            details: source.matrix.details,
        },
        weight: source.weight,
        tested: None,
    };
    Some(Checked { runbook })
}

/// Checks that need every runbook: unique titles, wiki page names that do
/// not collide with the generated pages. They read every parsed document,
/// also those with other problems.
/// What the checks across files need of one runbook file. The validation
/// cache keeps it without its paths, which are its key (`path` depends on
/// how the root was named): it sets them when it reads an entry back.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub rel: PathBuf,
    pub title: Option<String>,
    /// The title's [`title_key`], made once per file (where files are
    /// checked side by side) and kept with its result in the cache.
    pub title_key: Option<String>,
    pub title_span: Option<crate::diagnostic::Span>,
    /// What the consistency lints across runbooks need.
    pub lint: super::lint_facts::LintFacts,
}

impl Facts {
    pub fn of(doc: &Document) -> Facts {
        let title = doc
            .value
            .get("title")
            .and_then(Value::as_str)
            .map(|t| t.trim().to_owned());
        Facts {
            path: doc.path.clone(),
            rel: doc.rel.clone(),
            title_key: title.as_deref().map(title_key),
            title,
            title_span: doc.spans.value("/title"),
            lint: super::lint_facts::LintFacts::of(doc),
        }
    }
}

/// What two titles are compared by: the UTS #39 confusable skeleton of the
/// lowercased title, so `Alpha`, `ALPHA` and `Аlpha` (a Cyrillic `А`) are
/// one title; the skeleton decomposes (NFD) and drops variation selectors,
/// so `Café` and `Cafe` + combining acute, or `❤` and `❤️`, are one title
/// too. Invisible characters are refused before (validate::text).
pub fn title_key(title: &str) -> String {
    unicode_security::skeleton(&title.to_lowercase()).collect()
}

pub fn check_across(
    runbooks: &[Facts],
    config: Option<&Path>,
    catalog: Option<&CatalogCheck>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut titles: HashMap<String, &Facts> = HashMap::with_capacity(runbooks.len());
    for doc in runbooks {
        let (Some(title), Some(key)) = (doc.title.as_deref(), doc.title_key.as_deref()) else {
            continue;
        };
        if let Some(first) = titles.get(key) {
            let at = first
                .title_span
                .map_or(String::new(), |s| format!(":{}:{}", s.line, s.column));
            let first_title = first.title.as_deref().unwrap_or_default();
            let diagnostic = if first_title.to_lowercase() == title.to_lowercase() {
                Diagnostic::error(
                    "duplicate-title",
                    format!("title `{title}` is already used"),
                )
                .with_hint(format!(
                    "`{}{at}` has the same title; titles must be unique",
                    first.path.display()
                ))
            } else {
                Diagnostic::error(
                    "lookalike-title",
                    format!("title `{title}` looks the same as `{first_title}`"),
                )
                .with_label("its letters differ, not what a reader sees")
                .with_hint(format!(
                    "`{}{at}` has that title; titles must be told apart by their readers: write it in the same letters, or differently",
                    first.path.display()
                ))
            };
            diagnostics.push(diagnostic.in_file(&doc.path, doc.title_span));
        } else {
            titles.insert(key.to_owned(), doc);
        }
    }
    let Some(c) = catalog else { return };
    let reserved = [
        ("wiki.index_page", c.wiki.index_page.as_str()),
        ("wiki.matrix_page", c.wiki.matrix_page.as_str()),
        ("the wiki home page", model::WIKI_HOME_PAGE),
        ("the wiki sidebar", "_Sidebar"),
        ("the wiki footer", "_Footer"),
    ];
    for doc in runbooks {
        let slug = doc
            .rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let page = model::wiki_page_name(&c.wiki.page_prefix, &slug);
        if let Some((what, _)) = reserved
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(&page))
        {
            let config = config.map(Path::to_path_buf).unwrap_or_default();
            diagnostics.push(
                Diagnostic::error(
                    "page-collision",
                    format!("wiki page `{page}` of this runbook is also {what}"),
                )
                .in_file(&doc.path, None)
                .with_hint(format!(
                    "rename the runbook or change the page names in `{}`",
                    config.display()
                )),
            );
        }
    }
}
