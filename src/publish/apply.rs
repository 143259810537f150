//! Applying the built pages to the wiki's checkout: what gtdocs writes,
//! takes over, deletes or leaves alone, as its ownership record and the
//! settings of the wiki's own pages say.

use std::collections::BTreeMap;
use std::path::Path;

use super::checkout::{
    all_files, is_page_name, page_key, read_in_checkout, shown_name, wiki_pages, write_inside,
};
use super::chrome::{Chrome, ChromeOutcome, FOOTER_FIELD, HOME_FIELD, SIDEBAR_FIELD};
use super::error::PublishError;
use super::plan::Plan;
use super::records::{BlockRecord, MANIFEST_FILE, OWNERSHIP_FILE, Ownership, digest};
use super::sidebar;
use super::site::Built;
use crate::model::SidebarSetting;
use crate::render::wiki::{FOOTER, HOME, SIDEBAR};

/// The wiki's own pages, with their settings' field names.
const CHROME: [(&str, &str); 3] = [
    (HOME, HOME_FIELD),
    (SIDEBAR, SIDEBAR_FIELD),
    (FOOTER, FOOTER_FIELD),
];

/// Writes the pages into the checkout and returns what changed. Reads the
/// ownership record from the checkout every time (after a race it may be
/// someone else's newer one).
pub(super) fn apply(checkout: &Path, built: &Built, adopt: bool) -> Result<Plan, PublishError> {
    let owned = read_ownership(checkout)?;
    let settings = &built.settings;
    let section = settings.sidebar == SidebarSetting::Section;
    let mut plan = Plan::default();
    // A block gtdocs put into the sidebar goes first, when the setting no
    // longer asks for it, so that what remains of the sidebar is what the
    // settings below are decided on.
    let sidebar_was_there = std::fs::symlink_metadata(checkout.join(SIDEBAR)).is_ok();
    let block_taken = match &owned.sidebar_block {
        Some(record) if !section => Some(take_block(checkout, record, &mut plan)?),
        _ => None,
    };
    let on_wiki = wiki_pages(checkout)?;
    let files = all_files(checkout);
    let chrome_names: Vec<&str> = CHROME.iter().map(|(name, _)| *name).collect();
    let chrome_keys: Vec<Option<String>> = chrome_names.iter().map(|n| page_key(n)).collect();
    // The files gtdocs does not own, by the page GitHub shows them as:
    // one lookup per page gtdocs writes, not a scan of the wiki.
    let mut by_page: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for file in files
        .iter()
        .filter(|f| !owned.pages.contains_key(f.as_str()))
    {
        if let Some(key) = page_key(file) {
            by_page.entry(key).or_default().push(file);
        }
    }
    // Another file GitHub shows as the page `name` (`home.md` for
    // `Home.md`), which gtdocs neither owns nor writes.
    // A sidebar or footer in a folder is that folder's own (GitHub looks
    // for one beside the page first), never a second one of the wiki's.
    let same_page = |name: &str| {
        let anywhere = !matches!(name, SIDEBAR | FOOTER);
        by_page
            .get(&page_key(name)?)?
            .iter()
            .copied()
            .find(|f| *f != name && (anywhere || !f.contains('/')))
    };
    // Pages someone wrote that gtdocs will not own, but for the wiki's own.
    let others_wrote = by_page.iter().any(|(key, names)| {
        !chrome_keys.contains(&Some(key.clone()))
            && names.iter().any(|n| !built.pages.contains_key(*n))
    });
    let mut writes: BTreeMap<&str, &[u8]> = built
        .pages
        .iter()
        .filter(|(name, _)| !chrome_names.contains(&name.as_str()))
        .map(|(name, content)| (name.as_str(), content.as_slice()))
        .collect();
    let mut taken_over = Vec::new();
    for (name, field) in CHROME {
        let setting = match field {
            HOME_FIELD => settings.home.into(),
            FOOTER_FIELD => settings.footer.into(),
            _ => settings.sidebar,
        };
        let is_owned = owned.pages.contains_key(name);
        let present = on_wiki.contains_key(name);
        let present_as_any = present || same_page(name).is_some();
        let outcome = match setting {
            SidebarSetting::Own if present_as_any && !is_owned => ChromeOutcome::TakenOver,
            SidebarSetting::Own => ChromeOutcome::Written,
            SidebarSetting::Auto if is_owned || (!present_as_any && !others_wrote) => {
                ChromeOutcome::Written
            }
            SidebarSetting::Auto if present_as_any => ChromeOutcome::LeftAlone,
            SidebarSetting::Auto => ChromeOutcome::NotCreated,
            SidebarSetting::None | SidebarSetting::Section if is_owned && present => {
                ChromeOutcome::Removed
            }
            SidebarSetting::None if present_as_any => ChromeOutcome::LeftAlone,
            SidebarSetting::None => ChromeOutcome::NotCreated,
            // Decided below, once the pages are written.
            SidebarSetting::Section => ChromeOutcome::SectionUnchanged,
        };
        if matches!(outcome, ChromeOutcome::Written | ChromeOutcome::TakenOver) {
            let Some(content) = built.pages.get(name) else {
                return Err(PublishError::Settings(format!(
                    "`{field}: {}` asks for `{name}`, which the build did not write",
                    setting.as_str()
                )));
            };
            writes.insert(name, content);
        }
        if outcome == ChromeOutcome::TakenOver {
            taken_over.push(name);
        }
        let outcome = match (outcome, block_taken) {
            (ChromeOutcome::LeftAlone | ChromeOutcome::NotCreated, Some((taken, _)))
                if name == SIDEBAR =>
            {
                taken
            }
            (o, _) => o,
        };
        plan.chrome.push(Chrome {
            page: name,
            field,
            setting: setting.as_str(),
            outcome,
        });
    }

    // GitHub shows one page per name, whatever the case or the markup:
    // a page gtdocs writes must not have a second file.
    let same_name: Vec<String> = writes
        .keys()
        .copied()
        .chain(section.then_some(SIDEBAR))
        .filter_map(|name| {
            let other = shown_name(same_page(name)?);
            Some(format!("`{other}` (as `{name}`)"))
        })
        .collect();
    if !same_name.is_empty() {
        return Err(PublishError::SameName(same_name));
    }
    let mut conflicts = Vec::new();
    for (&name, &content) in &writes {
        match (on_wiki.get(name), owned.pages.get(name)) {
            (None, _) => plan.added.push(name.to_owned()),
            (Some(current), recorded) => {
                let current_digest = digest(current);
                match recorded {
                    None if taken_over.contains(&name) => {}
                    None if !adopt => {
                        conflicts.push(name.to_owned());
                        continue;
                    }
                    None => plan.adopted.push(name.to_owned()),
                    Some(r) if *r != current_digest => plan.edited_on_wiki.push(name.to_owned()),
                    Some(_) => {}
                }
                if current.as_slice() == content {
                    plan.unchanged.push(name.to_owned());
                    continue;
                }
                plan.updated.push(name.to_owned());
            }
        }
        write_inside(checkout, name, content).map_err(PublishError::Write)?;
    }
    if !conflicts.is_empty() {
        return Err(PublishError::Conflict(conflicts));
    }
    for (name, recorded) in &owned.pages {
        if writes.contains_key(name.as_str()) {
            continue;
        }
        if let Some(current) = on_wiki.get(name) {
            if digest(current) != *recorded {
                plan.edited_on_wiki.push(name.clone());
            }
            // gtdocs' own sidebar, when the setting becomes `section`,
            // is replaced by the block below rather than deleted.
            if name == SIDEBAR && section {
                continue;
            }
            std::fs::remove_file(checkout.join(name)).map_err(PublishError::Write)?;
            plan.deleted.push(name.clone());
        }
    }
    // The sidebar's line in the page lists: one, for what the commit does
    // to the file (a block taken out and gtdocs' page written in one
    // publish is one update).
    match block_taken {
        Some((ChromeOutcome::SectionRemoved, gone)) if !writes.contains_key(SIDEBAR) => {
            let list = if gone {
                &mut plan.deleted
            } else {
                &mut plan.updated
            };
            list.push(SIDEBAR.to_owned());
        }
        _ if sidebar_was_there && plan.added.iter().any(|n| n == SIDEBAR) => {
            plan.added.retain(|n| n != SIDEBAR);
            plan.updated.push(SIDEBAR.to_owned());
        }
        _ => {}
    }
    let sidebar_block = if section {
        Some(put_block(checkout, built, &owned, &mut plan)?)
    } else {
        None
    };
    plan.hand_written = files
        .into_iter()
        .filter(|n| {
            page_key(n).is_some()
                && !writes.contains_key(n.as_str())
                && !owned.pages.contains_key(n)
                && !chrome_names.contains(&n.as_str())
        })
        .collect();
    let record = Ownership {
        generator: "gtdocs".into(),
        note: "Pages gtdocs publishes to this wiki, with a digest of what it published. \
               gtdocs rewrites and deletes only these; every other page is left alone."
            .into(),
        pages: writes
            .iter()
            .map(|(name, content)| ((*name).to_owned(), digest(content)))
            .collect(),
        sidebar_block,
    };
    let mut json = serde_json::to_string_pretty(&record).unwrap_or_default();
    json.push('\n');
    write_inside(checkout, OWNERSHIP_FILE, json.as_bytes()).map_err(PublishError::Write)?;
    if let Some(manifest) = &built.manifest {
        write_inside(checkout, MANIFEST_FILE, manifest).map_err(PublishError::Write)?;
    }
    plan.edited_on_wiki.sort();
    for list in [
        &mut plan.added,
        &mut plan.updated,
        &mut plan.deleted,
        &mut plan.unchanged,
    ] {
        list.sort();
    }
    Ok(plan)
}

/// Takes the block gtdocs recorded putting into the sidebar out of it,
/// and says whether the sidebar went with it. Whatever stands in the way
/// (the block's markers changed, the sidebar gone, unreadable or a link)
/// leaves the sidebar as it is: it is a person's page, and only `section`
/// needs the block found.
fn take_block(
    checkout: &Path,
    record: &BlockRecord,
    plan: &mut Plan,
) -> Result<(ChromeOutcome, bool), PublishError> {
    let Ok(Some(text)) = read_sidebar(checkout) else {
        return Ok((ChromeOutcome::SectionLost, false));
    };
    let Ok(Some(spliced)) = sidebar::take(&text, record) else {
        return Ok((ChromeOutcome::SectionLost, false));
    };
    write_sidebar(checkout, spliced.text.as_deref())?;
    plan.block_edited = spliced.edited;
    Ok((ChromeOutcome::SectionRemoved, spliced.text.is_none()))
}

/// Puts the built block into the wiki's sidebar (`wiki.sidebar:
/// section`) and returns the record of it to keep.
fn put_block(
    checkout: &Path,
    built: &Built,
    owned: &Ownership,
    plan: &mut Plan,
) -> Result<BlockRecord, PublishError> {
    let block = built.settings.sidebar_section.as_deref().ok_or_else(|| {
        PublishError::Settings("`wiki.sidebar: section` without the block to write".into())
    })?;
    // gtdocs' own sidebar from before is not kept around the block.
    let present = std::fs::symlink_metadata(checkout.join(SIDEBAR)).is_ok();
    let was_page = present && owned.pages.contains_key(SIDEBAR);
    let current = if was_page {
        None
    } else {
        read_sidebar(checkout)?
    };
    let (spliced, record, put) =
        sidebar::put(current.as_deref(), block, owned.sidebar_block.as_ref())
            .map_err(PublishError::Sidebar)?;
    let outcome = match put {
        _ if was_page => ChromeOutcome::PageToSection,
        sidebar::Put::Created => ChromeOutcome::SectionCreated,
        sidebar::Put::Added => ChromeOutcome::SectionAdded,
        sidebar::Put::Updated => ChromeOutcome::SectionUpdated,
        sidebar::Put::Unchanged => ChromeOutcome::SectionUnchanged,
    };
    let list = match outcome {
        ChromeOutcome::SectionUnchanged => &mut plan.unchanged,
        _ if present => &mut plan.updated,
        _ => &mut plan.added,
    };
    list.push(SIDEBAR.to_owned());
    if outcome != ChromeOutcome::SectionUnchanged {
        write_sidebar(checkout, spliced.text.as_deref())?;
    }
    plan.block_edited = spliced.edited;
    if let Some(c) = plan.chrome.iter_mut().find(|c| c.page == SIDEBAR) {
        c.outcome = outcome;
    }
    Ok(record)
}

/// The wiki's sidebar as text, `None` when there is none.
fn read_sidebar(checkout: &Path) -> Result<Option<String>, PublishError> {
    let Some(bytes) =
        read_in_checkout(checkout, SIDEBAR).map_err(|e| PublishError::Sidebar(e.to_string()))?
    else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| PublishError::Sidebar("it is not UTF-8 text".into()))
}

/// Writes the sidebar, or deletes it (`None`: nothing was left in it).
fn write_sidebar(checkout: &Path, text: Option<&str>) -> Result<(), PublishError> {
    match text {
        Some(text) => write_inside(checkout, SIDEBAR, text.as_bytes()).map_err(PublishError::Write),
        None => match std::fs::remove_file(checkout.join(SIDEBAR)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(PublishError::Write(e)),
            _ => Ok(()),
        },
    }
}

fn read_ownership(checkout: &Path) -> Result<Ownership, PublishError> {
    let bytes = match read_in_checkout(checkout, OWNERSHIP_FILE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(Ownership::default()),
        Err(e) => return Err(PublishError::Ownership(e.to_string())),
    };
    let record: Ownership =
        serde_json::from_slice(&bytes).map_err(|e| PublishError::Ownership(e.to_string()))?;
    // The record comes from the remote: a name in it must never reach a
    // path outside the checkout.
    if let Some(bad) = record.pages.keys().find(|n| !is_page_name(n)) {
        return Err(PublishError::Ownership(format!(
            "it lists `{bad}`, which is not a page name"
        )));
    }
    Ok(record)
}
