//! The output names made from source names, one function each, shared by
//! the renderers and by validation (which checks their length).

/// The site path of the changes page (below `base_url`).
pub const CHANGES_SITE_PATH: &str = "changes/";
/// The Atom feed's path, at the site's root.
pub const CHANGES_FEED_PATH: &str = "changes.xml";

/// The changes document's path, in the output and in the site.
pub fn changes_path() -> String {
    format!("{JSON_DIR}/changes.json")
}

pub fn wiki_page_name(prefix: &str, slug: &str) -> String {
    let joined = if prefix.is_empty() {
        slug.to_string()
    } else {
        format!("{prefix}-{slug}")
    };
    joined
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The wiki's home page, which GitHub opens first.
pub const WIKI_HOME_PAGE: &str = "Home";

// The output names made from source names, one function each, shared by
// the renderers and by validation (which checks their length).

/// The file of a wiki page.
pub fn wiki_page_file(page: &str) -> String {
    format!("{page}.md")
}

/// The file of a runbook's own manifest entry (in `json/runbooks/`).
pub fn entry_file(slug: &str) -> String {
    format!("{slug}.json")
}

/// The JSON's folder in the output. The HTML site holds the same files at
/// the same paths below it, so that they are served at `<base_url>json/`.
pub const JSON_DIR: &str = "json";

/// The manifest's path, in the output and in the site (below `base_url`).
pub fn manifest_path() -> String {
    format!("{JSON_DIR}/manifest.json")
}

/// A runbook's own manifest entry's path, in the output and in the site.
pub fn entry_path(slug: &str) -> String {
    format!("{JSON_DIR}/runbooks/{}", entry_file(slug))
}

/// A route's file, every client's verdict for it, in the output and in
/// the site: `json/routes/<route id>.json`.
pub fn route_file_path(route_id: &str) -> String {
    format!("{JSON_DIR}/routes/{route_id}.json")
}

/// The site path of a runbook's page (below `base_url`).
pub fn runbook_site_path(slug: &str) -> String {
    format!("runbooks/{slug}/")
}

/// The Markdown twin of a site page (llmstxt.org's convention: the page's
/// URL with `.md` appended, `index.html.md` for a folder URL):
/// `runbooks/librechat/` -> `runbooks/librechat/index.html.md`.
pub fn markdown_twin_path(site_path: &str) -> String {
    if site_path.is_empty() || site_path.ends_with('/') {
        format!("{site_path}index.html.md")
    } else {
        format!("{site_path}.md")
    }
}

/// The site path of a route's page (below `base_url`).
pub fn route_site_path(route: &str) -> String {
    format!("routes/{}/", route_slug(route))
}

/// A route as a URL path segment: `POST /v1/datasets/{id}/files` ->
/// `post-v1-datasets-id-files`.
pub fn route_slug(route: &str) -> String {
    let slug = slug_words(route);
    if slug.is_empty() {
        "route".into()
    } else {
        slug
    }
}

/// A catalog id in words, for a label nobody wrote: `not_supported` ->
/// `Not supported`.
pub fn id_words(id: &str) -> String {
    let spaced = id.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// Lowercase ASCII letters and digits of `text`, every other run of
/// characters one dash, none at the ends (may be empty).
pub fn slug_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The default `intro` of the source format.
pub fn default_intro(title: &str) -> String {
    format!("This runbook maps **{title}** to GT API routes operators actually publish.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_slugs() {
        assert_eq!(
            route_slug("POST /v1/datasets/{id}/files"),
            "post-v1-datasets-id-files"
        );
        assert_eq!(route_slug("GET /v1/models"), "get-v1-models");
    }

    #[test]
    fn page_names_follow_the_published_rule() {
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "open-webui"),
            "Gen3-Gt-Api-Runbooks-Open-Webui"
        );
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "n8n"),
            "Gen3-Gt-Api-Runbooks-N8n"
        );
        assert_eq!(
            wiki_page_name("gen3-gt-api-runbooks", "cline-roo"),
            "Gen3-Gt-Api-Runbooks-Cline-Roo"
        );
    }
}
