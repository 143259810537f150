//! The built site as a publish reads it: the wiki pages, the settings of
//! the wiki's own pages and the manifest.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::PublishError;
use super::sidebar;
use crate::model::{PageSetting, SidebarSetting};
use crate::render::wiki::{PublishSettings, SECTION_BEGIN, SECTION_END, SETTINGS_FILE};

/// What `gtdocs build` left for the wiki: the pages (file name →
/// content), the settings of the wiki's own pages and the manifest.
pub(super) struct Built {
    pub pages: BTreeMap<String, Vec<u8>>,
    pub settings: PublishSettings,
    pub manifest: Option<Vec<u8>>,
}

/// Reads the built site. A site built before the settings existed has
/// none: its wiki's own pages are then `auto`.
pub(super) fn read_site(site: &Path) -> Result<Built, PublishError> {
    let dir = site.join("wiki");
    let read_err = |path: &Path, source| PublishError::Read {
        path: path.to_owned(),
        source,
    };
    let entries = std::fs::read_dir(&dir).map_err(|_| PublishError::NoPages(dir.clone()))?;
    let mut pages = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| read_err(&dir, e))?;
        let file_type = entry.file_type().map_err(|e| read_err(&entry.path(), e))?;
        if !file_type.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.contains(['/', '\\']) || name != name.trim() {
            return Err(PublishError::PageName(name));
        }
        let content = std::fs::read(entry.path()).map_err(|e| read_err(&entry.path(), e))?;
        pages.insert(name, content);
    }
    if pages.is_empty() {
        return Err(PublishError::NoPages(dir));
    }
    let settings_path = dir.join(SETTINGS_FILE);
    let settings = match std::fs::read(&settings_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            read_err(
                &settings_path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => PublishSettings {
            generator: "gtdocs".into(),
            home: PageSetting::Auto,
            sidebar: SidebarSetting::Auto,
            footer: PageSetting::Auto,
            sidebar_section: None,
        },
        Err(e) => return Err(read_err(&settings_path, e)),
    };
    if let Some(block) = &settings.sidebar_section
        && !sidebar::is_block(block)
    {
        return Err(PublishError::Settings(format!(
            "the sidebar block in `{}` is not one block from a `{SECTION_BEGIN} ...` line to a `{SECTION_END}` line",
            settings_path.display()
        )));
    }
    Ok(Built {
        pages,
        settings,
        manifest: std::fs::read(site.join("json/manifest.json")).ok(),
    })
}
