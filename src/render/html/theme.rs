//! The theme: the built-in one (`themes/default/`, compiled into the
//! binary) merged with a tree's overrides, the template environment made
//! from it, and its errors as diagnostics at the theme file and line.

use std::collections::BTreeMap;
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use minijinja::Environment;

use super::filters::{href, url_filter};
use crate::markdown::escape_html;
use crate::model;
use crate::render::context::RenderError;

static DEFAULT_THEME: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Steps (minijinja fuel: about one per instruction, and one per 64 bytes
/// of data a template makes) one page's template may take. The largest
/// page of the built-in theme, the home page, takes 7,150 on the bundled
/// tree and 24,383 on 10,000 runbooks (lists are paged, so it hardly
/// grows); a theme's runaway loop stops here in about a second (debug
/// build) rather than hanging the build.
pub(super) const TEMPLATE_FUEL: u64 = 5_000_000;

/// The built-in theme merged with a tree's overrides.
pub(super) struct ThemeFiles {
    name: Option<String>,
    overrides: Arc<BTreeMap<String, String>>,
    builtin: Arc<BTreeMap<String, String>>,
    assets: BTreeMap<String, Vec<u8>>,
}

impl ThemeFiles {
    pub(super) fn new(theme: Option<&model::Theme>) -> Self {
        let mut builtin = BTreeMap::new();
        let mut assets = BTreeMap::new();
        collect(&DEFAULT_THEME, &mut |path, bytes| {
            if let Some(name) = path.strip_prefix("templates/") {
                builtin.insert(
                    name.to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                );
            } else if let Some(name) = path.strip_prefix("static/") {
                assets.insert(name.to_string(), bytes.to_vec());
            }
        });
        let mut overrides = BTreeMap::new();
        if let Some(theme) = theme {
            overrides = theme.templates.clone();
            for (name, bytes) in &theme.assets {
                assets.insert(name.clone(), bytes.clone());
            }
        }
        ThemeFiles {
            name: theme.map(|t| t.name.clone()),
            overrides: Arc::new(overrides),
            builtin: Arc::new(builtin),
            assets,
        }
    }

    pub(super) fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_fuel(Some(TEMPLATE_FUEL));
        let overrides = Arc::clone(&self.overrides);
        let builtin = Arc::clone(&self.builtin);
        env.set_loader(move |name| {
            if let Some(t) = overrides.get(name) {
                return Ok(Some(t.clone()));
            }
            let name = name.strip_prefix("default/").unwrap_or(name);
            Ok(builtin.get(name).cloned())
        });
        env.add_filter("url", url_filter);
        env.add_filter("href", href);
        // HTML escaping of the five characters that matter, so URLs read
        // `/docs/x/` rather than minijinja's `&#x2f;docs&#x2f;x&#x2f;`.
        env.set_formatter(|out, state, value| {
            let html = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
            match value.as_str() {
                Some(s) if html && !value.is_safe() => {
                    out.write_str(&escape_html(s)).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                    })
                }
                _ => minijinja::escape_formatter(out, state, value),
            }
        });
        env
    }

    /// Whether the tree's theme overrides any template.
    pub(super) fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    pub(super) fn assets(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.assets.iter()
    }

    /// A template error, naming the file a person would open.
    pub(super) fn error(&self, e: minijinja::Error) -> RenderError {
        let name = e.name().unwrap_or("?").to_string();
        let file = self.file_of(&name);
        if e.kind() == minijinja::ErrorKind::OutOfFuel {
            return RenderError::TemplateFuel {
                file,
                line: e.line(),
                budget: TEMPLATE_FUEL,
            };
        }
        RenderError::Template {
            file,
            line: e.line(),
            message: e
                .detail()
                .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind())),
        }
    }

    /// The file a person would open for a template's name.
    fn file_of(&self, name: &str) -> String {
        match &self.name {
            Some(theme) if self.overrides.contains_key(name) => {
                format!("themes/{theme}/templates/{name}")
            }
            _ => format!(
                "built-in theme: templates/{}",
                name.strip_prefix("default/").unwrap_or(name)
            ),
        }
    }
}

fn collect(dir: &Dir<'_>, f: &mut impl FnMut(&str, &[u8])) {
    for file in dir.files() {
        f(
            &file.path().to_string_lossy().replace('\\', "/"),
            file.contents(),
        );
    }
    for sub in dir.dirs() {
        collect(sub, f);
    }
}
