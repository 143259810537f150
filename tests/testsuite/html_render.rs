//! The HTML site as files: themes (block overrides, replaced templates,
//! added assets), template errors, base_url and site.url, CSP, search index
//! files and page weight. The browser suites are html_browser and html_site.

use std::path::Path;

use crate::common::{self, gtdocs, snapshot};

fn build(
    tree: &Path,
) -> (
    tempfile::TempDir,
    std::collections::BTreeMap<String, Vec<u8>>,
) {
    let out = tempfile::tempdir().expect("tempdir");
    let site = out.path().join("site");
    let o = gtdocs(tree, &["build", "--out", site.to_str().expect("utf-8")]);
    assert!(o.status.success(), "build failed: {}", common::stderr(&o));
    let files = snapshot(&site.join("html"));
    (out, files)
}

fn text<'a>(files: &'a std::collections::BTreeMap<String, Vec<u8>>, path: &str) -> &'a str {
    std::str::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("missing html/{path}")),
    )
    .expect("utf-8")
}

/// Whether any tag has an event-handler attribute (`onclick=`...).
/// Attribute values hold escaped text (their quotes are `&quot;`), so they
/// are blanked first: an inert `onerror=` inside a value does not count.
fn has_event_handler(html: &str) -> bool {
    static VALUES: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#""[^"]*""#).expect("regex"));
    static HANDLER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"<[a-z]+[^>]*\son[a-z]+=").expect("regex"));
    HANDLER.is_match(&VALUES.replace_all(html, "\"\""))
}

#[test]
fn a_theme_overrides_one_block_replaces_a_page_and_adds_assets() {
    let (_out, files) = build(&common::fixtures().join("themed"));
    let page = text(&files, "runbooks/alpha/index.html");
    // The overridden blocks...
    assert!(
        page.contains("<title>Alpha Chat · Brand docs</title>"),
        "{page}"
    );
    assert!(page.contains(r#"<link rel="stylesheet" href="/docs/static/brand.css">"#));
    // ...and everything else from the built-in template.
    assert!(page.contains("GT route mapping") && page.contains("Validation checklist"));
    assert!(page.contains(r#"<link rel="stylesheet" href="/docs/static/style.css">"#));
    // A whole template replaced.
    assert!(text(&files, "404.html").contains("Lost? Brand 404"));
    // Added and built-in assets side by side.
    assert!(files.contains_key("static/brand.css") && files.contains_key("static/style.css"));
    // "Edit this page" on the configured branch.
    assert!(page.contains(
        r#"href="https://github.com/example/test-runbooks/edit/trunk/runbooks/alpha.yaml""#
    ));
}

#[test]
fn base_url_and_site_url_shape_every_link() {
    let (_out, files) = build(&common::fixtures().join("themed"));
    let href = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).expect("regex");
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).expect("utf-8");
        for cap in href.captures_iter(html) {
            let url = &cap[1];
            let external = url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("mailto:");
            assert!(
                external || url.starts_with("/docs/") || url.starts_with('#'),
                "{path}: `{url}` is not under base_url /docs/"
            );
        }
    }
    let sitemap = text(&files, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://docs.example.com/docs/</loc>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<loc>https://docs.example.com/docs/runbooks/alpha/</loc>"));
    assert!(
        sitemap.contains("<loc>https://docs.example.com/docs/routes/post-v1-embeddings/</loc>")
    );
    assert!(!sitemap.contains("404"), "404.html is not listed");
    let page = text(&files, "runbooks/alpha/index.html");
    assert!(page.contains(
        r#"<link rel="canonical" href="https://docs.example.com/docs/runbooks/alpha/">"#
    ));
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let tree = common::fixtures().join("broken-theme");
    let o = gtdocs(
        &common::repo(),
        &[
            "build",
            "--root",
            tree.to_str().expect("utf-8"),
            "--out",
            "/nonexistent/never",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(err.contains("error[template]: syntax error"), "{err}");
    assert!(
        err.contains("broken-theme/themes/broken/templates/runbook.html:4:1"),
        "{err}"
    );
    assert!(err.contains("4 | {{ page.title | }}"), "{err}");
    assert!(!Path::new("/nonexistent/never").exists());
}

#[test]
fn an_unknown_theme_is_a_diagnostic() {
    let tree = common::bundled_copy();
    let config = tree.path().join("gtdocs.yaml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        text.replacen("  base_url: /\n", "  base_url: /\n  theme: nope\n", 1),
    )
    .expect("write");
    let o = gtdocs(tree.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    assert!(
        err.contains("error[unknown-theme]: no theme folder `themes/nope/`"),
        "{err}"
    );
}

#[test]
fn every_page_carries_a_csp_it_satisfies() {
    let (_out, files) = build(&common::repo());
    let inline_script = regex::Regex::new(r"<script(?:\s[^>]*)?>").expect("regex");
    let mut pages = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).expect("utf-8");
        pages += 1;
        assert!(
            html.contains(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"#),
            "{path}: no CSP meta"
        );
        for tag in inline_script.find_iter(html) {
            assert!(
                tag.as_str().contains(" src="),
                "{path}: inline script {}",
                tag.as_str()
            );
        }
        assert!(!html.contains("<style"), "{path}: <style> element");
        assert!(!html.contains(" style="), "{path}: style attribute");
        assert!(!has_event_handler(html), "{path}: inline handler");
    }
    // The changes page when the repository's history could be read.
    let changes = usize::from(files.contains_key("changes/index.html"));
    assert_eq!(
        pages,
        23 + 9 + 4 + changes,
        "runbooks, routes, home, runbooks/, routes/, 404 (and changes/)"
    );
}

#[test]
fn the_search_index_and_site_files_are_published() {
    let (_out, files) = build(&common::repo());
    for f in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "static/favicon.svg",
        "static/app.js",
        "static/style.css",
    ] {
        assert!(files.contains_key(f), "missing html/{f}");
    }
    for f in [
        "pagefind/pagefind.js",
        "pagefind/pagefind-entry.json",
        "pagefind/wasm.en.pagefind",
    ] {
        assert!(files.contains_key(f), "missing html/{f}");
    }
    assert!(
        files
            .keys()
            .filter(|k| k.starts_with("pagefind/fragment/"))
            .count()
            >= 23 + 9,
        "one fragment per runbook and route page"
    );
    assert!(
        !files.keys().any(|k| k.contains("pagefind-ui")),
        "Pagefind's own UI is not published"
    );
    let entry: serde_json::Value =
        serde_json::from_slice(&files["pagefind/pagefind-entry.json"]).expect("pagefind entry");
    assert_eq!(entry["languages"]["en"]["page_count"], 23 + 9);
    // Page weight: what a first visit to the home page and to a runbook
    // page downloads before any search (HTML + CSS + JS).
    let assets: usize = [
        "static/style.css",
        "static/app.js",
        "static/theme.js",
        "static/favicon.svg",
    ]
    .iter()
    .map(|f| files[*f].len())
    .sum();
    let home = files["index.html"].len() + assets;
    let runbook = files["runbooks/librechat/index.html"].len() + assets;
    println!(
        "page weight: home {home} bytes, runbook page {runbook} bytes (uncompressed, HTML + CSS + JS)"
    );
    assert!(
        home < 200_000 && runbook < 120_000,
        "home {home}, runbook {runbook}"
    );
}

#[test]
fn source_html_shows_as_text_in_pages() {
    let (_out, files) = build(&common::fixtures().join("hostile"));
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.starts_with("runbooks/") && p.ends_with(".html"))
    {
        let html = std::str::from_utf8(bytes).expect("utf-8");
        let scripts = html.matches("<script").count();
        assert_eq!(scripts, 2, "{path}: only theme.js and app.js");
        assert!(!html.contains("<img"), "{path}");
        assert!(!html.contains("href=\"javascript:"), "{path}");
        assert!(
            !has_event_handler(html),
            "{path}: an event-handler attribute"
        );
    }
    let all: String = files
        .iter()
        .filter(|(p, _)| p.starts_with("runbooks/") && p.ends_with(".html"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(
        all.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the script tag shows as text"
    );
}

#[test]
fn the_site_builds_deterministically_with_its_search_index() {
    let tree = common::bundled_copy();
    let (_a, first) = build(tree.path());
    let (_b, second) = build(tree.path());
    assert!(first == second, "two builds of the HTML site differ");
}

/// Text that Markdown would read as a link reference definition (consumed,
/// shown as nothing) or as an image (loaded from another host) shows as the
/// text it is: the lead paragraph, a route cell, a matrix entry, list items.
#[test]
fn lookalike_markdown_shows_as_text_in_pages() {
    let (_out, files) = build(&common::fixtures().join("markdown-lookalikes"));
    let page = text(&files, "runbooks/alpha/index.html");
    let tags = regex::Regex::new(r"<[^>]*>").expect("regex");
    let shown = tags
        .replace_all(page, " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut missing = Vec::new();
    for fragment in [
        "[lead]: https://evil.example/lead \"Lead title\"",
        "[cell]: https://evil.example/cell",
        "[chat]: https://evil.example/chat",
        "[[https://evil.example/wiki.png]]",
        "![](https://evil.example/pixel.png)",
    ] {
        if !shown.contains(fragment) {
            missing.push(format!("the text {fragment:?} is not shown"));
        }
    }
    if page.contains("<img") {
        missing.push("the page holds an <img>".into());
    }
    common::assert_none("lookalike Markdown in the HTML site", &missing);
}

/// Verdicts read as words on every page: each mark shows its catalog label
/// ("Native", "GT extension"; "Unknown" for a route left out), its id kept
/// in `data-verdict`, and so does the route pages' client list; no id shows
/// as a verdict's text. Each runbook's route rows have their anchor
/// (`route-<id>`), and each matrix cell links to one.
#[test]
fn verdicts_read_as_words_and_route_rows_have_anchors() {
    let (_out, files) = build(&common::repo());
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["json/manifest.json"]).expect("manifest");
    let mut labels: std::collections::BTreeMap<String, String> = manifest["catalog"]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().expect("id").to_owned(),
                v["label"].as_str().expect("label").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        labels.values().collect::<Vec<_>>(),
        ["GT extension", "Native", "Not supported"]
    );
    labels.insert("unknown".into(), "Unknown".into());
    let mark = regex::Regex::new(
        r#"data-verdict="([^"]*)"(?: title="[^"]*")?><span class="mark-symbol" aria-hidden="true">[^<]*</span> <span class="mark-text">([^<]*)</span>"#,
    )
    .expect("regex");
    let listed =
        regex::Regex::new(r#"<span class="verdict-label" data-verdict="([^"]*)">([^<]*)</span>"#)
            .expect("regex");
    let mut problems = Vec::new();
    let mut shown: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = std::str::from_utf8(bytes).expect("utf-8");
        for c in mark.captures_iter(html).chain(listed.captures_iter(html)) {
            let (id, words) = (c.get(1).map_or("", |m| m.as_str()), &c[2]);
            // A verdict the history names may since have left the catalog.
            if labels.get(id).is_some_and(|l| l != words) {
                problems.push(format!("{path}: `{id}` shows as {words:?}"));
            }
        }
        for id in labels.keys() {
            if html.contains(&format!(r#"<span class="mark-text">{id}</span>"#)) {
                problems.push(format!("{path}: the verdict id `{id}` shows as text"));
            }
        }
        let kind = path.split('/').next().unwrap_or("");
        *shown.entry(kind).or_default() +=
            mark.find_iter(html).count() + listed.find_iter(html).count();
    }
    // Home: 23 runbooks x 9 routes, the legend's and the key's 4 each.
    if shown.get("index.html") != Some(&(23 * 9 + 8))
        || shown.get("routes").is_none_or(|n| *n < 23 * 9)
    {
        problems.push(format!("verdicts in words, per kind of page: {shown:?}"));
    }
    let home = text(&files, "index.html");
    for rb in manifest["runbooks"].as_array().expect("runbooks") {
        let slug = rb["slug"].as_str().expect("slug");
        let page = text(&files, &format!("runbooks/{slug}/index.html"));
        for r in rb["routes"].as_array().expect("routes") {
            let id = r["route_id"].as_str().expect("route_id");
            // The plain-text export, for tickets, says the verdict in words.
            let words = &labels[r["verdict"].as_str().expect("verdict")];
            let line = format!("- {} ({words}): ", r["route"].as_str().expect("route"));
            if !page.contains(&line) {
                problems.push(format!("runbooks/{slug}/: the export has no line {line:?}"));
            }
            if !page.contains(&format!(r#"<tr id="route-{id}" "#)) {
                problems.push(format!("runbooks/{slug}/: no row `route-{id}`"));
            }
            if !home.contains(&format!(
                r#"<a class="cell" href="/runbooks/{slug}/#route-{id}""#
            )) {
                problems.push(format!(
                    "the matrix has no cell linking to {slug}'s `route-{id}`"
                ));
            }
        }
    }
    let data: serde_json::Value =
        serde_json::from_slice(&files["matrix.json"]).expect("matrix.json");
    for v in data["verdicts"].as_array().expect("verdicts") {
        if labels.get(v["id"].as_str().unwrap_or("?"))
            != v["label"].as_str().map(str::to_owned).as_ref()
        {
            problems.push(format!("matrix.json: verdict {v} has another label"));
        }
    }
    common::assert_none("verdicts in words", &problems);
}
