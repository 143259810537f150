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
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
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
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&base) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let shown = Path::new(THEMES_DIR).join(&name).join(&rel);
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
