//! Theme folders: `themes/<name>/templates/**` and `themes/<name>/static/**`,
//! read into memory. Which theme is used is decided by validation.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::model::Theme;

/// The folder of theme overrides, at the root of a tree.
pub const THEMES_DIR: &str = "themes";
/// Largest theme file accepted (an image or a font is the largest).
pub const MAX_THEME_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Every theme folder under `themes/`, by name. Unreadable or oversized
/// files become diagnostics; symlinks are not followed.
pub fn load_all(root: &Path, diagnostics: &mut Vec<Diagnostic>) -> BTreeMap<String, Theme> {
    let dir = root.join(THEMES_DIR);
    let mut themes = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return themes;
    };
    let mut names: Vec<String> = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let shown = Path::new(THEMES_DIR).join(&name);
        match e.file_type() {
            Ok(t) if t.is_dir() => names.push(name),
            Ok(t) if t.is_symlink() => diagnostics.extend(link_problem(root, &e.path(), &shown)),
            _ => {}
        }
    }
    names.sort();
    for name in names {
        let mut theme = Theme {
            name: name.clone(),
            ..Theme::default()
        };
        let base = dir.join(&name);
        for entry in walkdir::WalkDir::new(&base)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let Ok(rel) = entry.path().strip_prefix(&base) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let shown = Path::new(THEMES_DIR).join(&name).join(&rel);
            if entry.path_is_symlink() {
                // Not followed: a link inside the tree is reported too, as
                // the theme would silently lack that file.
                diagnostics.extend(link_problem(root, entry.path(), &shown));
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let bytes = match super::read_limited(entry.path(), MAX_THEME_FILE_BYTES) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => {
                    diagnostics.push(
                        Diagnostic::error(
                            "file-too-large",
                            format!("theme file is larger than {MAX_THEME_FILE_BYTES} bytes"),
                        )
                        .in_file(shown, None),
                    );
                    continue;
                }
                Err(e) => {
                    diagnostics.push(
                        Diagnostic::error("io", format!("cannot read theme file: {e}"))
                            .in_file(shown, None),
                    );
                    continue;
                }
            };
            if let Some(template) = rel.strip_prefix("templates/") {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        theme.templates.insert(template.to_string(), text);
                    }
                    Err(_) => diagnostics.push(
                        Diagnostic::error("encoding", "template is not valid UTF-8")
                            .in_file(shown, None)
                            .with_hint("save the file as UTF-8"),
                    ),
                }
            } else if let Some(asset) = rel.strip_prefix("static/") {
                theme.assets.insert(asset.to_string(), bytes);
            }
        }
        themes.insert(name, theme);
    }
    themes
}

/// A symbolic link in a theme: refused when it leads outside the tree (or
/// nowhere); a link inside the tree is not followed either, and says so.
fn link_problem(root: &Path, path: &Path, shown: &Path) -> Option<Diagnostic> {
    Some(super::link_outside(root, path, shown).unwrap_or_else(|| {
        Diagnostic::warning(
            "theme-link",
            format!(
                "`{}` is a symbolic link: theme files are not read through links",
                shown.display()
            ),
        )
        .in_file(shown, None)
        .with_hint("copy the file into the theme")
    }))
}
