//! The LLM-ready output (`render::llms`) read as a program reads it, each
//! file against the manifest of the same build:
//!
//! - `llms.txt` lists every runbook (in the site's order) and every route,
//!   each with its one-line summary; every URL in it answers 200 from a
//!   running `gtdocs serve`, with its content type; with `site.url` set,
//!   its URLs (and the twins' own links) are absolute under it and lead to
//!   files of the site;
//! - each runbook twin holds every fact of its `json/runbooks/<slug>.json`
//!   (facts, verification, docs, every config field and value, every
//!   route's verdict in words and its note, every list item); each route
//!   twin lists every client with its verdict and note; `llms-full.txt` is a
//!   head, then every twin whole, in `llms.txt`'s order;
//! - the hostile fixture (with wiki links added): its twins and llms files
//!   through cmark-gfm have no `<script`, no element Markdown does not make
//!   of its own syntax, no unsafe link, no `[[`, and route tables of one row
//!   per route (or client) whose note is in its own cell;
//! - two builds at RAYON_NUM_THREADS=1 and 2 write the same bytes;
//! - in Chromium: "Copy as Markdown" on a runbook and a route page puts the
//!   twin's exact bytes on the clipboard and says so, with no CSP violation
//!   or console error; the `<link rel=alternate>` answers 200 as Markdown;
//!   without script the button is not shown;
//! - while serving: a checklist edit shows in the twin and llms-full.txt,
//!   and every file of the format converges to what `gtdocs build` writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use gtdocs::markdown::{Place, code, inline, link, verbatim};
use regex::Regex;
use serde_json::Value;

use crate::common::{self, assert_none};
use crate::html_site::{Built, build_bundled, build_deployed, build_verified};
use crate::serve::{Server, edit};

// ------------------------------------------------------------------ reading

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[((?:[^\]\\]|\\.)*)\]\(([^)\s]*)\)").expect("regex"));

/// Every `[text](destination)` of a Markdown file: (text, destination).
fn links(md: &str) -> Vec<(String, String)> {
    LINK.captures_iter(md)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// The lines of each `## ` section, by heading (without `## `).
fn sections(md: &str) -> BTreeMap<String, Vec<&str>> {
    let mut out: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = Some(h.to_string());
            out.entry(h.to_string()).or_default();
        } else if let Some(h) = &current
            && !line.is_empty()
        {
            out.entry(h.clone()).or_default().push(line);
        }
    }
    out
}

/// A table row's cells, split on unescaped pipes as GFM splits them.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut backslashes = 0;
    for c in inner.chars() {
        if c == '|' && backslashes % 2 == 0 {
            out.push(cell.trim().to_string());
            cell.clear();
        } else {
            cell.push(c);
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    if !cell.trim().is_empty() {
        out.push(cell.trim().to_string());
    }
    out
}

/// The body rows of every table in `lines` (header and delimiter rows
/// left out).
fn body_rows<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut rows = Vec::new();
    let mut header = false;
    for line in lines {
        if !line.starts_with('|') {
            header = false;
            continue;
        }
        if !header {
            header = true;
            continue;
        }
        if !line.starts_with("| ---") {
            rows.push(*line);
        }
    }
    rows
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The manifest's runbooks in the site's order: category (catalog order),
/// weight, title, slug.
fn display_order(manifest: &Value) -> Vec<&Value> {
    let categories: Vec<&str> = manifest["catalog"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| s(c, "id"))
        .collect();
    let mut runbooks: Vec<&Value> = manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .collect();
    runbooks.sort_by_key(|rb| {
        (
            categories
                .iter()
                .position(|c| *c == s(&rb["category"], "id")),
            rb["weight"].as_i64().unwrap_or(0),
            s(rb, "title").to_string(),
            s(rb, "slug").to_string(),
        )
    });
    runbooks
}

/// Where the site's links point: `site.url` + `base_url`, or `base_url`.
fn prefix(manifest: &Value, origin: Option<&str>) -> String {
    format!(
        "{}{}",
        origin.unwrap_or(""),
        s(&manifest["site"], "base_url")
    )
}

/// A verdict as the twins say it: its label, then its id.
fn verdict_words(manifest: &Value, id: &str) -> String {
    let label = manifest["catalog"]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| s(v, "id") == id)
        .map_or("Unknown", |v| s(v, "label"));
    format!("{} ({})", inline(label, Place::Cell), code(id, Place::Cell))
}

// ----------------------------------------------------------------- llms.txt

/// Problems with `llms.txt` against the manifest, its URLs under `prefix`.
fn llms_txt_problems(text: &str, manifest: &Value, prefix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let site = &manifest["site"];
    let first = text.lines().next().unwrap_or("");
    if first != format!("# {}", inline(s(site, "title"), Place::Inline)) {
        problems.push(format!("the first line is {first:?}, not the site's title"));
    }
    if let Some(d) = site["description"].as_str()
        && !text
            .lines()
            .any(|l| l == format!("> {}", inline(d, Place::LineStart)))
    {
        problems.push("no `> description` line".into());
    }
    let sections = sections(text);
    for wanted in ["Runbooks", "Routes", "Optional"] {
        if !sections.contains_key(wanted) {
            problems.push(format!("no `## {wanted}` section"));
        }
    }
    let listed: Vec<&str> = sections.get("Runbooks").cloned().unwrap_or_default();
    let expected: Vec<String> = display_order(manifest)
        .iter()
        .map(|rb| {
            let url = format!("{prefix}runbooks/{}/index.html.md", s(rb, "slug"));
            format!(
                "- {}: {}",
                link(s(rb, "title"), &url, Place::Inline),
                inline(s(rb, "summary"), Place::Inline)
            )
        })
        .collect();
    if listed != expected {
        problems.push(format!(
            "`## Runbooks` lists {} line(s), not the {} runbooks in the site's order with their summaries:\n{}",
            listed.len(),
            expected.len(),
            listed
                .iter()
                .zip(&expected)
                .filter(|(a, b)| *a != b)
                .map(|(a, b)| format!("      {a}\n    expected\n      {b}"))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    let routes: Vec<&str> = sections.get("Routes").cloned().unwrap_or_default();
    let catalog = manifest["catalog"]["routes"].as_array().expect("routes");
    if routes.len() != catalog.len() {
        problems.push(format!(
            "`## Routes` lists {} line(s) for {} catalog routes",
            routes.len(),
            catalog.len()
        ));
    }
    for (line, route) in routes.iter().zip(catalog) {
        let mut want = format!(
            "- [{}]({prefix}routes/{}/index.html.md)",
            code(s(route, "route"), Place::Inline),
            s(route, "id")
        );
        if let Some(summary) = route["summary"].as_str() {
            want.push_str(&format!(": {}", inline(summary, Place::Inline)));
        }
        if *line != want {
            problems.push(format!("route line {line:?}, expected {want:?}"));
        }
    }
    let optional: Vec<String> = sections
        .get("Optional")
        .map(|l| l.join("\n"))
        .into_iter()
        .flat_map(|o| links(&o).into_iter().map(|(_, d)| d).collect::<Vec<_>>())
        .collect();
    for wanted in ["json/manifest.json", "llms-full.txt"] {
        if !optional.contains(&format!("{prefix}{wanted}")) {
            problems.push(format!(
                "`## Optional` does not link {prefix}{wanted}: {optional:?}"
            ));
        }
    }
    problems
}

/// The content type (essence, and whether `charset=utf-8` is required) a
/// URL of `llms.txt` is served with.
fn expected_type(url: &str) -> (&'static str, bool) {
    match url.rsplit('.').next().unwrap_or("") {
        "md" => ("text/markdown", true),
        "txt" => ("text/plain", true),
        "json" => ("application/json", false),
        "xml" => ("application/xml", false),
        other => panic!("llms.txt links a .{other} file: {url}"),
    }
}

#[test]
fn llms_txt_lists_every_runbook_and_route_and_serve_answers_every_url() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let manifest = srv.page("json/manifest.json");
    assert_eq!(
        manifest.status, 200,
        "json/manifest.json: {}",
        manifest.status
    );
    let manifest: Value = serde_json::from_slice(&manifest.body).expect("manifest JSON");
    let r = srv.page("llms.txt");
    assert_eq!(r.status, 200, "llms.txt: {}", r.status);
    let text = r.text();
    let mut problems = llms_txt_problems(&text, &manifest, &srv.base);
    let urls: BTreeSet<String> = links(&text).into_iter().map(|(_, d)| d).collect();
    let runbooks = manifest["runbooks"].as_array().expect("runbooks").len();
    let routes = manifest["catalog"]["routes"]
        .as_array()
        .expect("routes")
        .len();
    assert!(
        urls.len() >= runbooks + routes + 3,
        "llms.txt links only {} URLs",
        urls.len()
    );
    for url in urls.iter().chain([&format!("{}llms.txt", srv.base)]) {
        let r = srv.get(url);
        let (essence, charset) = expected_type(url);
        let ct = r.header("content-type").unwrap_or("").to_ascii_lowercase();
        if r.status != 200 {
            problems.push(format!("GET {url}: {}", r.status));
        } else if r.essence() != essence
            || (charset && !ct.replace(' ', "").contains(";charset=utf-8"))
        {
            problems.push(format!(
                "GET {url}: Content-Type {ct:?}, expected {essence}"
            ));
        } else if r.body.is_empty() {
            problems.push(format!("GET {url}: an empty body"));
        }
    }
    assert_none("llms.txt, served by gtdocs serve", &problems);
    eprintln!(
        "llms.txt: {runbooks} runbooks, {routes} routes, {} URLs, each 200 from gtdocs serve",
        urls.len()
    );
}

/// Whether a URL path below the site's root names a file of `html`: a
/// folder URL, its `index.html`.
fn served_file(html: &Path, rel: &str) -> bool {
    if rel.is_empty() || rel.ends_with('/') {
        html.join(rel).join("index.html").is_file()
    } else {
        html.join(rel).is_file()
    }
}

#[test]
fn with_site_url_every_link_is_absolute_under_it_and_leads_to_a_file() {
    let site = build_deployed();
    let origin = crate::html_site::DEPLOYED_ORIGIN;
    let prefix = prefix(&site.manifest, Some(origin));
    let text = read(&site.html.join("llms.txt"));
    let mut problems = llms_txt_problems(&text, &site.manifest, &prefix);
    let twin = read(&site.html.join("runbooks/librechat/index.html.md"));
    let route = read(&site.html.join("routes/get-v1-models/index.html.md"));
    let mut count = 0;
    for (file, md) in [
        ("llms.txt", &text),
        ("the librechat twin", &twin),
        ("a route twin", &route),
    ] {
        for (_, dest) in links(md) {
            count += 1;
            match dest.strip_prefix(&prefix) {
                None => problems.push(format!("{file} links {dest}, not under {prefix}")),
                Some(rel) if !served_file(&site.html, rel) => {
                    problems.push(format!("{file} links {dest}: no file {rel} in the site"))
                }
                Some(_) => {}
            }
        }
    }
    assert_none("links with site.url set", &problems);
    eprintln!("{count} links, all under {prefix}");
}

// -------------------------------------------------------------------- twins

/// Problems with a runbook's twin against its JSON entry.
fn runbook_twin_problems(twin: &str, e: &Value, manifest: &Value, prefix: &str) -> Vec<String> {
    let slug = s(e, "slug");
    let mut problems = Vec::new();
    let lines: Vec<&str> = twin.lines().collect();
    let mut want = |what: &str, line: String| {
        if !lines.contains(&line.as_str()) {
            problems.push(format!("{slug}: {what}: no line {line:?}"));
        }
    };
    want(
        "title",
        format!("# {}", inline(s(e, "title"), Place::Inline)),
    );
    want(
        "summary",
        format!("> {}", inline(s(e, "summary"), Place::LineStart)),
    );
    want("intro", inline(s(e, "intro"), Place::LineStart));
    for (name, key) in [
        ("Compatibility", "compatibility"),
        ("Category", "category"),
        ("Recommended key preset", "key_preset"),
        ("Evidence", "evidence"),
    ] {
        if e[key].is_object() {
            want(
                key,
                format!(
                    "- **{name}:** {} ({})",
                    inline(s(&e[key], "label"), Place::Inline),
                    code(s(&e[key], "id"), Place::Inline)
                ),
            );
        }
    }
    let sections = sections(twin);
    let section = |name: &str| sections.get(name).cloned().unwrap_or_default();
    let mut lists = vec![
        (
            "Official documentation",
            common::strs(&e["docs"])
                .iter()
                .map(|u| format!("- {}", verbatim(u, Place::LineStart)))
                .collect::<Vec<_>>(),
        ),
        (
            "Configuration fields",
            e["config"]
                .as_array()
                .expect("config")
                .iter()
                .map(|f| {
                    format!(
                        "- **{}:** {}",
                        inline(s(f, "field"), Place::Inline),
                        code(s(f, "value"), Place::Inline)
                    )
                })
                .collect(),
        ),
    ];
    for (name, key, marker) in [
        ("Not supported in this product", "not_supported", "- "),
        ("Prerequisites", "prerequisites", "- "),
        ("Setup steps", "setup", ""),
        ("GT extensions and caveats", "caveats", "- "),
        ("Validation checklist", "checklist", "- [ ] "),
    ] {
        let items = common::strs(&e[key])
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let marker = if marker.is_empty() {
                    format!("{}. ", i + 1)
                } else {
                    marker.to_string()
                };
                format!("{marker}{}", inline(x, Place::LineStart))
            })
            .collect();
        lists.push((name, items));
    }
    for (name, items) in &lists {
        let shown: Vec<&str> = section(name)
            .into_iter()
            .filter(|l| !l.starts_with('_'))
            .collect();
        if shown != items.iter().map(String::as_str).collect::<Vec<_>>() {
            problems.push(format!(
                "{slug}: `## {name}` holds {shown:#?}, expected {items:#?}"
            ));
        }
    }
    // The route table: one row per route, in order, with its verdict in
    // words and its note; a verification cell where the route has its
    // own check or its runbook's is stale.
    let routes = e["routes"].as_array().expect("routes");
    let rows = body_rows(&section("GT route mapping"));
    if rows.len() != routes.len() {
        problems.push(format!(
            "{slug}: {} route rows for {} routes",
            rows.len(),
            routes.len()
        ));
    }
    for (row, r) in rows.iter().zip(routes) {
        let c = cells(row);
        let route = s(r, "route");
        let note = match r["integration"].as_str() {
            Some(n) => inline(n, Place::Cell),
            None if s(r, "verdict") == "unknown" => "_Not documented in this runbook._".into(),
            None => String::new(),
        };
        let target = format!("{prefix}routes/{}/index.html.md", s(r, "route_id"));
        let first = format!("[{}]({target})", code(route, Place::Cell));
        let verdict = verdict_words(manifest, s(r, "verdict"));
        if c.first() != Some(&first)
            || c.get(1) != Some(&verdict)
            || c.get(2).map(String::as_str).unwrap_or("") != note
        {
            problems.push(format!(
                "{slug}: the row of {route} is {row:?}; expected `{first}`, `{verdict}`, `{note}`"
            ));
        }
        let check = c.get(3).map(String::as_str).unwrap_or("");
        let stale = r["verified"]["stale"].as_bool() == Some(true);
        let own = r["verified"].is_object() && r["verified"] != e["verified"];
        if own && !check.contains(&format!("verified {}", s(&r["verified"], "date"))) {
            problems.push(format!(
                "{slug}: {route} has a check of its own, its row says {check:?}"
            ));
        } else if stale && !check.contains("Stale") && !check.contains("stale since") {
            problems.push(format!("{slug}: {route} is stale, its row says {check:?}"));
        } else if !own && !stale && !check.is_empty() {
            problems.push(format!(
                "{slug}: {route} has no line of its own, its row says {check:?}"
            ));
        }
    }
    if let Some(v) = e["verified"].as_object() {
        let fact = lines
            .iter()
            .find(|l| l.starts_with("- **Verified:** "))
            .copied()
            .unwrap_or("");
        let mut parts = vec![format!("verified {}", v["date"].as_str().unwrap_or(""))];
        parts.extend(
            v.get("client_version")
                .and_then(Value::as_str)
                .map(|c| format!("client {c}")),
        );
        parts.extend(v.get("evidence").map(|ev| s(ev, "label").to_string()));
        parts.extend(
            v.get("link")
                .and_then(Value::as_str)
                .map(|l| format!("[proof]({l})")),
        );
        if v.get("stale").and_then(Value::as_bool) == Some(true) {
            parts.push("stale since".into());
        }
        for part in parts {
            if !fact.contains(&part) {
                problems.push(format!("{slug}: the Verified fact {fact:?} lacks {part:?}"));
            }
        }
    }
    let matrix = section("In the compatibility matrix");
    for (name, key) in [
        ("Setup", "subtitle"),
        ("Chat", "chat"),
        ("Files", "files"),
        ("Persistence", "persistence"),
        ("Details", "details"),
    ] {
        if let Some(text) = e["matrix"][key].as_str() {
            let line = format!("- **{name}:** {}", inline(text, Place::Inline));
            if !matrix.contains(&line.as_str()) {
                problems.push(format!("{slug}: no matrix note {line:?}"));
            }
        }
    }
    let json = format!("{prefix}json/runbooks/{slug}.json");
    if !links(twin).iter().any(|(_, d)| *d == json) {
        problems.push(format!("{slug}: no link to {json}"));
    }
    problems
}

/// Problems with a route's twin: every client of the manifest once, with
/// its verdict in words and its note.
fn route_twin_problems(twin: &str, route: &Value, manifest: &Value, prefix: &str) -> Vec<String> {
    let id = s(route, "id");
    let mut problems = Vec::new();
    let head = format!("# {}", code(s(route, "route"), Place::Inline));
    if twin.lines().next() != Some(head.as_str()) {
        problems.push(format!("{id}: does not start with {head:?}"));
    }
    let mut expected: BTreeMap<String, (String, String)> = BTreeMap::new();
    for rb in manifest["runbooks"].as_array().expect("runbooks") {
        let r = rb["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .find(|r| s(r, "route_id") == id)
            .unwrap_or_else(|| panic!("{} does not list {id}", s(rb, "slug")));
        let note = match r["integration"].as_str() {
            Some(n) => inline(n, Place::Cell),
            None if s(r, "verdict") == "unknown" => "_Not documented in this runbook._".into(),
            None => String::new(),
        };
        // What a probe found, after the verdict.
        let mut verdict = verdict_words(manifest, s(r, "verdict"));
        if let Some(t) = r.get("tested").filter(|t| t.is_object()) {
            let (client, version, date) = (s(t, "client"), s(t, "version"), s(t, "date"));
            let found = match t["reached"].as_bool() {
                Some(true) => format!("Tested with {client} {version} on {date}"),
                _ => format!("Not reached by {client} {version} in a probe on {date}"),
            };
            verdict = format!("{verdict} · {}", inline(&found, Place::Cell));
        }
        expected.insert(s(rb, "slug").to_string(), (verdict, note));
    }
    let lines: Vec<&str> = twin.lines().collect();
    let mut seen = BTreeSet::new();
    for row in body_rows(&lines) {
        let c = cells(row);
        let Some((_, dest)) = c.first().and_then(|c| links(c).into_iter().next()) else {
            problems.push(format!("{id}: a row without a client link: {row:?}"));
            continue;
        };
        let slug = dest
            .strip_prefix(&format!("{prefix}runbooks/"))
            .and_then(|d| d.strip_suffix("/index.html.md"))
            .unwrap_or(&dest)
            .to_string();
        match expected.get(&slug) {
            None => problems.push(format!("{id}: a row for {slug}, which the manifest lacks")),
            Some((verdict, note)) => {
                if c.get(2) != Some(verdict) || c.get(3).map(String::as_str).unwrap_or("") != note {
                    problems.push(format!(
                        "{id}: the row of {slug} is {row:?}; expected {verdict} and {note:?}"
                    ));
                }
            }
        }
        if !seen.insert(slug.clone()) {
            problems.push(format!("{id}: {slug} is listed twice"));
        }
    }
    let missing: Vec<&String> = expected.keys().filter(|k| !seen.contains(*k)).collect();
    if !missing.is_empty() {
        problems.push(format!("{id}: no row for {missing:?}"));
    }
    problems
}

/// Problems with every twin of `site` and with `llms-full.txt`.
fn twin_problems(site: &Built, origin: Option<&str>) -> (Vec<String>, usize) {
    let prefix = prefix(&site.manifest, origin);
    let mut problems = Vec::new();
    let mut twins = 0;
    for rb in display_order(&site.manifest) {
        let slug = s(rb, "slug");
        let entry: Value =
            serde_json::from_str(&read(&site.json.join(format!("runbooks/{slug}.json"))))
                .expect("entry JSON");
        let twin = read(&site.html.join(format!("runbooks/{slug}/index.html.md")));
        problems.extend(runbook_twin_problems(
            &twin,
            &entry,
            &site.manifest,
            &prefix,
        ));
        twins += 1;
    }
    for route in site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes")
    {
        let twin = read(
            &site
                .html
                .join(format!("routes/{}/index.html.md", s(route, "id"))),
        );
        problems.extend(route_twin_problems(&twin, route, &site.manifest, &prefix));
        twins += 1;
    }
    // llms-full.txt: a head, then each twin whole after a blank line, in
    // llms.txt's order (runbooks, then routes).
    let index = read(&site.html.join("llms.txt"));
    let sections = sections(&index);
    let order: Vec<String> = ["Runbooks", "Routes"]
        .iter()
        .flat_map(|h| sections.get(*h).cloned().unwrap_or_default())
        .filter_map(|l| links(l).into_iter().next().map(|(_, d)| d))
        .collect();
    let body: String = order
        .iter()
        .map(|url| {
            let rel = url.strip_prefix(&prefix).unwrap_or(url);
            format!("\n{}", read(&site.html.join(rel)))
        })
        .collect();
    let full = read(&site.html.join("llms-full.txt"));
    match full.strip_suffix(&body) {
        None => problems.push(format!(
            "llms-full.txt ({} bytes) does not end with the {} twins of llms.txt ({} bytes)",
            full.len(),
            order.len(),
            body.len()
        )),
        Some(head) if !head.starts_with("# ") || head.contains("\n#") => {
            problems.push(format!("llms-full.txt's head is {head:?}"))
        }
        Some(_) => {}
    }
    if order.len() != twins {
        problems.push(format!(
            "llms.txt links {} twins; the site has {twins}",
            order.len()
        ));
    }
    (problems, twins)
}

#[test]
fn every_twin_holds_every_fact_of_the_manifest_and_the_full_text_holds_every_twin() {
    for (site, origin) in [
        (build_bundled("/"), None),
        (build_verified(), None),
        (build_deployed(), Some(crate::html_site::DEPLOYED_ORIGIN)),
    ] {
        let (problems, twins) = twin_problems(&site, origin);
        assert_none(&format!("the twins of {}", site.name), &problems);
        eprintln!(
            "{}: {twins} twins hold every fact of the manifest",
            site.name
        );
    }
}

#[test]
fn the_twins_of_a_tree_with_history_list_its_events() {
    let site = crate::html_site::build_with_history();
    let changes: Value =
        serde_json::from_str(&read(&site.json.join("changes.json"))).expect("changes JSON");
    let events = changes["events"].as_array().expect("events");
    let mut problems = twin_problems(&site, None).0;
    let mut checked = 0;
    for rb in site.manifest["runbooks"].as_array().expect("runbooks") {
        let slug = s(rb, "slug");
        let twin = read(&site.html.join(format!("runbooks/{slug}/index.html.md")));
        let rows = body_rows(&sections(&twin).get("History").cloned().unwrap_or_default());
        let own: Vec<&Value> = events
            .iter()
            .filter(|e| e["runbook"].as_str() == Some(slug))
            .collect();
        if rows.len() != own.len() {
            problems.push(format!(
                "{slug}: {} history rows for {} events",
                rows.len(),
                own.len()
            ));
        }
        for (row, e) in rows.iter().zip(&own) {
            let commit = s(&e["commit"], "id");
            if !row.contains(&commit[..12]) {
                problems.push(format!(
                    "{slug}: the row {row:?} does not name commit {commit}"
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "the history fixture has no runbook event");
    assert_none("the twins' history", &problems);
}

// ------------------------------------------------------------------ hostile

/// Elements cmark-gfm makes of the twins' own Markdown: anything else came
/// from a source.
const ELEMENTS: [&str; 17] = [
    "a",
    "blockquote",
    "code",
    "em",
    "h1",
    "h2",
    "li",
    "ol",
    "p",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>").expect("regex"));
static HREF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"href="([^"]*)""#).expect("regex"));
static TABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<tbody>(.*?)</tbody>").expect("regex"));
static ROW: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<tr>(.*?)</tr>").expect("regex"));
static CELL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)<td(?: align="[a-z]+")?>(.*?)</td>"#).expect("regex"));
static EOT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"EOT-[a-z]+").expect("regex"));

fn cmark(path: &Path) -> String {
    let cmark = common::tool("GTDOCS_CMARK_GFM", "cmark-gfm");
    let o = Command::new(&cmark)
        .args(["--extension", "table", "--unsafe"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cmark.display()));
    assert!(o.status.success(), "cmark-gfm failed on {}", path.display());
    String::from_utf8(o.stdout).expect("utf-8")
}

/// The table rows' cells (as HTML) of a rendered twin.
fn html_rows(html: &str) -> Vec<Vec<String>> {
    TABLE
        .captures_iter(html)
        .flat_map(|t| {
            ROW.captures_iter(&t[1])
                .map(|r| {
                    CELL.captures_iter(&r[1])
                        .map(|c| c[1].to_string())
                        .collect()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn hostile_text_leaves_no_tag_link_or_broken_table_in_the_twins() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("hostile");
    common::copy_tree(&common::fixtures().join("hostile"), &root);
    // Wiki links, which the fixture lacks: `[[...]]` must not survive.
    let rb = root.join("runbooks/html-and-links.yaml");
    edit(
        &rb,
        "caveats:\n",
        "caveats:\n  - \"[[Secret-Page]] and [[https://a.example/x.png]] EOT-wiki\"\n",
    );
    edit(
        &rb,
        "checklist:\n",
        "checklist:\n  - \"[[Checklist-Page|x]] wiki link\"\n",
    );
    let out = tmp.path().join("out");
    let o = common::gtdocs(
        &root,
        &[
            "build",
            "--root",
            root.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "build failed:\n{}", common::stderr(&o));
    let html = out.join("html");
    let manifest: Value =
        serde_json::from_str(&read(&out.join("json/manifest.json"))).expect("manifest");
    let mut files: Vec<String> = common::snapshot(&html)
        .into_keys()
        .filter(|p| p.ends_with(".md") || p.starts_with("llms"))
        .collect();
    files.sort();
    let routes = manifest["catalog"]["routes"].as_array().expect("routes");
    let runbooks = manifest["runbooks"].as_array().expect("runbooks");
    assert_eq!(files.len(), 2 + runbooks.len() + routes.len(), "{files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let path = html.join(file);
        let md = read(&path);
        if md.contains("[[") {
            problems.push(format!("{file}: holds `[[`"));
        }
        let rendered = cmark(&path);
        if rendered.to_ascii_lowercase().contains("<script") {
            problems.push(format!("{file}: `<script` in the HTML"));
        }
        for t in TAG.captures_iter(&rendered) {
            if !ELEMENTS.contains(&t[2].to_ascii_lowercase().as_str()) {
                problems.push(format!("{file}: a <{}> element: {}", &t[2], &t[0]));
            }
        }
        for h in HREF.captures_iter(&rendered) {
            if !(h[1].starts_with('/') || h[1].starts_with("https://")) {
                problems.push(format!("{file}: a link to {}", &h[1]));
            }
        }
        let rows = html_rows(&rendered);
        if let Some(slug) = file
            .strip_prefix("runbooks/")
            .and_then(|f| f.strip_suffix("/index.html.md"))
        {
            // The route table: a row per catalog route, each note (with
            // its marker) in its own row's note cell.
            let rb = runbooks
                .iter()
                .find(|r| s(r, "slug") == slug)
                .expect("runbook");
            let table: Vec<&Vec<String>> = rows.iter().take(routes.len()).collect();
            if rows.len() < routes.len() || table.iter().any(|r| r.len() != 3) {
                problems.push(format!("{file}: route rows {table:?}"));
            }
            for (row, r) in table.iter().zip(rb["routes"].as_array().expect("routes")) {
                if let Some(m) = r["integration"].as_str().and_then(|n| EOT.find(n))
                    && !row.get(2).is_some_and(|c| c.contains(m.as_str()))
                {
                    problems.push(format!(
                        "{file}: {} is not in its note cell: {row:?}",
                        m.as_str()
                    ));
                }
            }
        } else if file.starts_with("routes/") {
            if rows.len() != runbooks.len() || rows.iter().any(|r| r.len() != 4) {
                problems.push(format!(
                    "{file}: {} client rows for {} runbooks: {rows:?}",
                    rows.len(),
                    runbooks.len()
                ));
            }
            for row in &rows {
                let markers = row.iter().filter(|c| EOT.is_match(c)).count();
                if markers != 1 || !row.get(3).is_some_and(|c| EOT.is_match(c)) {
                    problems.push(format!(
                        "{file}: a row whose note is not in its own cell: {row:?}"
                    ));
                }
            }
        }
    }
    assert_none("the hostile fixture's twins through cmark-gfm", &problems);
    eprintln!(
        "{} files of the hostile fixture rendered by cmark-gfm: no tag, link or row out of place",
        files.len()
    );
}

// ------------------------------------------------------------- determinism

#[test]
fn the_files_are_byte_identical_at_one_and_two_threads() {
    let tree = common::scaled_copy(300);
    let mut builds = Vec::new();
    for threads in ["1", "2"] {
        let out = tempfile::tempdir().expect("tempdir");
        let started = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
            .args(["build", "--out", out.path().to_str().expect("utf-8")])
            .current_dir(tree.path())
            .env("NO_COLOR", "1")
            .env("RAYON_NUM_THREADS", threads)
            .env("SOURCE_DATE_EPOCH", crate::verification::TODAY)
            .output()
            .expect("run gtdocs");
        assert!(
            o.status.success(),
            "build with {threads} thread(s):\n{}",
            common::stderr(&o)
        );
        eprintln!(
            "300 runbooks, RAYON_NUM_THREADS={threads}: {:.1?}",
            started.elapsed()
        );
        let files: BTreeMap<String, Vec<u8>> = common::snapshot(&out.path().join("html"))
            .into_iter()
            .filter(|(p, _)| p.ends_with(".md") || p.starts_with("llms"))
            .collect();
        builds.push((out, files));
    }
    let (one, two) = (&builds[0].1, &builds[1].1);
    assert_eq!(one.len(), 2 + 300 + 9, "files of the format: {}", one.len());
    let differ: Vec<&String> = one.keys().filter(|k| one.get(*k) != two.get(*k)).collect();
    assert!(
        differ.is_empty(),
        "differ between 1 and 2 threads: {differ:?}"
    );
    let bytes: usize = one.values().map(Vec::len).sum();
    eprintln!(
        "{} files, {bytes} bytes, identical at 1 and 2 threads",
        one.len()
    );
}

// ------------------------------------------------------------------ browser

#[test]
fn copy_as_markdown_puts_the_twin_on_the_clipboard_in_chromium() {
    let site = build_bundled("/");
    let results = tempfile::tempdir().expect("tempdir");
    let v = crate::html_browser::run(
        &site,
        "markdown",
        results.path(),
        &[("expect-slug", "librechat")],
    );
    let mut problems = common::browser_hygiene(&v, &|_| false, &|_, _| false);
    let pages = v["data"]["pages"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = pages
        .iter()
        .map(|p| p["name"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(names, ["runbook", "route"], "{}", v["data"]);
    for p in &pages {
        let name = s(p, "name");
        let path = p["path"].as_str().unwrap_or("");
        let rel = format!("{}index.html.md", path.trim_start_matches('/'));
        let twin = read(&site.html.join(&rel));
        if p["clipboard"].as_str() != Some(twin.as_str()) {
            problems.push(format!(
                "{name} ({path}): the clipboard holds {} bytes, not the {} of {rel}: {:?}",
                p["clipboard"].as_str().map_or(0, str::len),
                twin.len(),
                p["clipboard"]
                    .as_str()
                    .map(|c| c.chars().take(120).collect::<String>())
            ));
        }
        if !p["status"]
            .as_str()
            .is_some_and(|t| t.starts_with("Copied"))
        {
            problems.push(format!("{name}: the status says {}", p["status"]));
        }
        if p["statusLive"].as_str() != Some("polite") {
            problems.push(format!(
                "{name}: the status is not aria-live: {}",
                p["statusLive"]
            ));
        }
        if p["buttonVisible"] != true || p["boxHidden"] != false {
            problems.push(format!("{name}: the button is not shown with script: {p}"));
        }
        if !p["alternate"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!("/{rel}")))
        {
            problems.push(format!(
                "{name}: <link rel=alternate> is {}",
                p["alternate"]
            ));
        }
        if p["alternateStatus"] != 200
            || !p["alternateType"]
                .as_str()
                .is_some_and(|t| t.starts_with("text/markdown"))
        {
            problems.push(format!(
                "{name}: the alternate answered {} {}",
                p["alternateStatus"], p["alternateType"]
            ));
        }
        if p["csp"].as_array().is_none_or(|c| !c.is_empty()) {
            problems.push(format!("{name}: CSP violations {}", p["csp"]));
        }
    }
    if v["data"]["withoutScript"]["buttonVisible"] != false {
        problems.push(format!(
            "without script the button shows: {}",
            v["data"]["withoutScript"]
        ));
    }
    assert_none("Copy as Markdown in Chromium", &problems);
}

// -------------------------------------------------------------------- serve

/// The files of the format a build of `root` writes: site path → text.
fn built_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().expect("tempdir");
    let o = common::gtdocs(
        root,
        &["build", "--out", out.path().to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "build failed:\n{}", common::stderr(&o));
    common::snapshot(&out.path().join("html"))
        .into_iter()
        .filter(|(p, _)| p.ends_with(".md") || p.starts_with("llms"))
        .collect()
}

#[test]
fn a_checklist_edit_while_serving_reaches_the_twin_and_the_full_text() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let nonce = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let item = format!("Checked while serving {nonce}.");
    let epoch = srv.epoch();
    edit(
        &root.join("runbooks/librechat.yaml"),
        "checklist:\n",
        &format!("checklist:\n  - {item}\n"),
    );
    let (status, _) = srv.settle(epoch);
    assert_eq!(status["ok"], true, "after the edit: {status}");
    // The twin is rendered with its page: there once the epoch is.
    let line = format!("- [ ] {item}");
    let twin = srv.page("runbooks/librechat/index.html.md").text();
    assert!(
        twin.lines().any(|l| l == line),
        "the twin lacks {line:?}:\n{twin}"
    );
    // The full text follows with the search index and the JSON; then
    // every file of the format is what a build writes.
    let built = built_files(root);
    let started = Instant::now();
    loop {
        let full = srv.page("llms-full.txt").text();
        let differ: Vec<&String> = built
            .iter()
            .filter(|(p, bytes)| srv.page(p).body != **bytes)
            .map(|(p, _)| p)
            .collect();
        if full.lines().any(|l| l == line) && differ.is_empty() {
            eprintln!(
                "the edit reached the twin at once, llms-full.txt and all {} files of the format within {} ms",
                built.len(),
                started.elapsed().as_millis()
            );
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "20 s after the edit: llms-full.txt shows the item: {}; served files unlike a build's: {differ:?}\nstderr:\n{}",
            full.lines().any(|l| l == line),
            srv.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
