//! `gtdocs.yaml` beyond its schema: the catalog's internal consistency, and
//! the lookup tables runbooks are checked against.

use std::collections::{BTreeMap, HashMap};

use super::suggest;
use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::model::{
    Book, Catalog, Route, Runbook, Site, Term, Theme, Verdict, VerificationSettings, WikiSettings,
};
use crate::source::{ConfigSource, LabelSource};

/// The validated catalog with id → index maps.
#[derive(Debug, Clone)]
pub struct CatalogCheck {
    pub site: Site,
    pub wiki: WikiSettings,
    pub catalog: Catalog,
    pub verification: VerificationSettings,
    pub routes: HashMap<String, usize>,
    pub verdicts: HashMap<String, usize>,
    pub compatibility: HashMap<String, usize>,
    pub categories: HashMap<String, usize>,
    pub key_presets: HashMap<String, usize>,
    pub evidence: HashMap<String, usize>,
    /// Each compatibility level's rule over verdicts, by the level's index.
    pub rules: Vec<Option<super::rules::Rule>>,
}

impl CatalogCheck {
    /// The book of these runbooks (sorted by slug).
    pub fn book(&self, mut runbooks: Vec<Runbook>) -> Book {
        runbooks.sort_by(|a, b| a.slug.cmp(&b.slug));
        Book {
            site: self.site.clone(),
            wiki: self.wiki.clone(),
            catalog: self.catalog.clone(),
            verification: self.verification,
            runbooks,
            history: None,
            source: None,
        }
    }
}

fn index<'a>(ids: impl Iterator<Item = &'a String>) -> HashMap<String, usize> {
    ids.enumerate().map(|(i, id)| (id.clone(), i)).collect()
}

fn terms<V>(
    map: indexmap::IndexMap<String, V>,
    f: impl Fn(V) -> (String, Option<String>),
) -> Vec<Term> {
    map.into_iter()
        .map(|(id, v)| {
            let (label, description) = f(v);
            Term {
                id,
                label,
                description,
            }
        })
        .collect()
}

pub fn build(
    doc: &Document,
    source: ConfigSource,
    themes: &BTreeMap<String, Theme>,
    diagnostics: &mut Vec<Diagnostic>,
) -> CatalogCheck {
    let theme = source.site.theme.as_deref().and_then(|name| match themes.get(name) {
        Some(theme) => Some(theme.clone()),
        None => {
            let known: Vec<&str> = themes.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                format!("create `themes/{name}/` with `templates/` and `static/` overrides, or remove `site.theme`")
            } else {
                format!("theme folders: {}", suggest::list(&known))
            };
            diagnostics.push(
                Diagnostic::error("unknown-theme", format!("no theme folder `themes/{name}/`"))
                    .in_file(&doc.path, doc.spans.value("/site/theme"))
                    .with_hint(hint),
            );
            None
        }
    });
    // The rest of git's rules are the schema's pattern (`BRANCH_PATTERN`).
    if source.site.branch.split('/').any(|c| c.ends_with(".lock")) {
        diagnostics.push(
            Diagnostic::error(
                "bad-value",
                format!(
                    "`site.branch`: `{}` is not a branch name",
                    source.site.branch
                ),
            )
            .in_file(&doc.path, doc.spans.value("/site/branch"))
            .with_label("git refuses a name ending in `.lock`")
            .with_hint("write the branch as git names it, e.g. `main`"),
        );
    }
    let mut routes = HashMap::new();
    let mut unique = Vec::with_capacity(source.routes.len());
    for (i, r) in source.routes.into_iter().enumerate() {
        if let Some(&first) = routes.get(&r.route) {
            let pointer = format!("/routes/{i}/route");
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-route",
                    format!("route `{}` is listed twice in the catalog", r.route),
                )
                .in_file(&doc.path, doc.spans.value(&pointer))
                .with_hint(format!(
                    "it is already entry {} of `routes`; remove one",
                    first + 1
                )),
            );
            continue;
        }
        // Indexes into the de-duplicated list: each route has one slot.
        routes.insert(r.route.clone(), unique.len());
        unique.push(r);
    }
    let mut slugs: HashMap<String, &str> = HashMap::new();
    for (i, r) in unique.iter().enumerate() {
        let slug = crate::model::route_slug(&r.route);
        if let Some(first) = slugs.insert(slug.clone(), &r.route) {
            diagnostics.push(
                Diagnostic::error(
                    "route-collision",
                    format!("routes `{first}` and `{}` would share the page `routes/{slug}/`", r.route),
                )
                .in_file(&doc.path, doc.spans.value(&format!("/routes/{i}/route")))
                .with_hint("route pages are named by the route's letters and digits; make the routes differ there"),
            );
        }
    }
    let wiki = WikiSettings {
        page_prefix: source.wiki.page_prefix,
        index_page: source.wiki.index_page,
        matrix_page: source.wiki.matrix_page,
        changes_page: source.wiki.changes_page,
        home: source.wiki.home,
        sidebar: source.wiki.sidebar,
        footer: source.wiki.footer,
        sidebar_runbooks: source.wiki.sidebar_runbooks,
    };
    super::names::check_catalog(doc, &wiki, &unique, diagnostics);
    // Page names are compared ignoring case, as runbook pages are: GitHub's
    // wiki and a case-insensitive file system see `home.md` as `Home.md`.
    for (field, name) in [
        ("index_page", &wiki.index_page),
        ("matrix_page", &wiki.matrix_page),
        ("changes_page", &wiki.changes_page),
    ] {
        let home = crate::model::WIKI_HOME_PAGE;
        if name.eq_ignore_ascii_case(home) {
            diagnostics.push(
                Diagnostic::error(
                    "page-collision",
                    format!("`wiki.{field}` names the wiki home page, `{home}`"),
                )
                .in_file(&doc.path, doc.spans.value(&format!("/wiki/{field}")))
                .with_hint(format!(
                    "gtdocs writes `{home}` itself: choose another name"
                )),
            );
        }
    }
    if wiki.sidebar_runbooks && wiki.sidebar != crate::model::SidebarSetting::Section {
        diagnostics.push(
            Diagnostic::warning(
                "setting-without-effect",
                format!(
                    "`wiki.sidebar_runbooks` lists the runbooks in gtdocs' block of a sidebar, and `wiki.sidebar` is `{}`, which has no block",
                    wiki.sidebar.as_str()
                ),
            )
            .in_file(&doc.path, doc.spans.value("/wiki/sidebar_runbooks"))
            .with_hint("set `wiki.sidebar: section`, or remove `sidebar_runbooks` (gtdocs' own sidebar lists every runbook anyway)"),
        );
    }
    if wiki.index_page.eq_ignore_ascii_case(&wiki.matrix_page) {
        diagnostics.push(
            Diagnostic::error(
                "page-collision",
                "`wiki.index_page` and `wiki.matrix_page` name the same page",
            )
            .in_file(&doc.path, doc.spans.value("/wiki/matrix_page")),
        );
    }
    // A `SOURCE_DATE_EPOCH` no command accepts is refused by each command
    // (exit 2, before or after validation); validation itself goes on.
    let as_of = crate::date::today().unwrap_or_else(|_| crate::date::clock_today());
    let verification = VerificationSettings {
        max_age_days: source.verification.max_age_days,
        require: source.verification.require,
        as_of,
    };
    let rules = super::rules::compile_rules(
        doc,
        &source.compatibility,
        &routes,
        &source.verdicts,
        diagnostics,
    );
    for (field, other) in [
        ("index_page", &wiki.index_page),
        ("matrix_page", &wiki.matrix_page),
    ] {
        if wiki.changes_page.eq_ignore_ascii_case(other) {
            diagnostics.push(
                Diagnostic::error(
                    "page-collision",
                    format!("`wiki.changes_page` and `wiki.{field}` name the same page"),
                )
                .in_file(&doc.path, doc.spans.value("/wiki/changes_page")),
            );
        }
    }
    let catalog = Catalog {
        routes: unique
            .into_iter()
            .map(|r| Route {
                id: crate::model::route_slug(&r.route),
                route: r.route,
                summary: r.summary,
            })
            .collect(),
        verdicts: source
            .verdicts
            .into_iter()
            .map(|(id, v)| Verdict {
                label: v
                    .label
                    .filter(|l| !l.trim().is_empty())
                    .unwrap_or_else(|| crate::model::id_words(&id)),
                id,
                support: v.support,
                description: v.description,
            })
            .collect(),
        compatibility: terms(source.compatibility, |l| match l {
            LabelSource::Short(label) => (label.0, None),
            LabelSource::Long(long) => (long.label, long.description),
        }),
        categories: terms(source.categories, |l| (l.0, None)),
        key_presets: terms(source.key_presets, |l| (l.0, None)),
        evidence: terms(source.evidence, |l| (l.0, None)),
    };
    CatalogCheck {
        site: Site {
            title: source.site.title,
            description: source.site.description,
            base_url: source.site.base_url,
            repository: source
                .site
                .repository
                .map(|r| r.trim_end_matches('/').to_string()),
            branch: source.site.branch,
            url: source.site.url.map(|u| u.trim_end_matches('/').to_string()),
            theme,
            max_history_commits: source.history.max_commits as usize,
        },
        wiki,
        verification,
        verdicts: index(catalog.verdicts.iter().map(|v| &v.id)),
        compatibility: index(catalog.compatibility.iter().map(|t| &t.id)),
        categories: index(catalog.categories.iter().map(|t| &t.id)),
        key_presets: index(catalog.key_presets.iter().map(|t| &t.id)),
        evidence: index(catalog.evidence.iter().map(|t| &t.id)),
        routes,
        rules,
        catalog,
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{BASE_URL_PATTERN, BRANCH_PATTERN, HTTPS_URL_PATTERN, SITE_URL_PATTERN};

    fn matches(pattern: &str, value: &str) -> bool {
        regex::Regex::new(pattern)
            .map(|r| r.is_match(value))
            .unwrap_or(false)
    }

    #[test]
    fn hostile_config_values_do_not_match() {
        for ok in [
            "/",
            "/docs/",
            "/a.b/c/",
            "/.well-known/",
            "/..x/",
            "/%20x/",
            "/caf%C3%A9/",
        ] {
            assert!(matches(BASE_URL_PATTERN, ok), "{ok}");
        }
        for bad in [
            "/../",
            "/./",
            "/docs/%2e%2E/",
            "/%2e/",
            "/.%2e/",
            "/%2E./",
            "/a%2fb/",
            "/a\\b/",
            "/a%5cb/",
            "/%00/",
            "docs/",
            "/docs",
        ] {
            assert!(!matches(BASE_URL_PATTERN, bad), "{bad}");
        }
        for ok in ["main", "docs/v2", "release-1.2", "feature/x_y+z", "trunk"] {
            assert!(matches(BRANCH_PATTERN, ok), "{ok}");
        }
        for bad in [
            "../../x", "a/../b", "a..b", ".hidden", "a/.b", "-x", "a/", "/a", "a//b", "a.",
            "a@{1}", "@", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "",
        ] {
            assert!(!matches(BRANCH_PATTERN, bad), "{bad}");
        }
        for ok in [
            "https://docs.example.com",
            "http://127.0.0.1:8080/",
            "https://[::1]:8443",
        ] {
            assert!(matches(SITE_URL_PATTERN, ok), "{ok}");
        }
        for bad in [
            "https://user:pass@docs.example.com",
            "https://user@docs.example.com",
            "https://docs.example.com/path",
            "https://a\\b.example",
        ] {
            assert!(!matches(SITE_URL_PATTERN, bad), "{bad}");
        }
        assert!(matches(
            HTTPS_URL_PATTERN,
            "https://medium.com/@user/x?a=b@c"
        ));
        assert!(!matches(HTTPS_URL_PATTERN, "https://tok:x@github.com/a/b"));
        assert!(!matches(
            HTTPS_URL_PATTERN,
            "https://github.com@evil.example/a"
        ));
    }
}
