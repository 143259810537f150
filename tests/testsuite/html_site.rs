//! The HTML site as files, without a browser: every page through the W3C
//! Nu HTML checker (vnu.jar, the validator behind validator.w3.org/nu), and
//! every internal link, script, stylesheet and fragment resolved to a file
//! and an `id` of the built site; `sitemap.xml` lists exactly the pages.
//!
//! Three builds: the bundled tree at the default base `/`, the same tree with
//! `base_url: /docs/`, and `tests/fixtures/hostile` (raw HTML, unsafe links
//! and pipes in every field). The builds are also used by `html_browser`.
//! A fourth is the site as a CI job deploys it: `--base-url /gt-docs/
//! --site-url https://example.github.io`, `site/html` alone served under
//! `/gt-docs/`, the JSON included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::common;

// ---------------------------------------------------------------- the builds

/// A built site, removed when dropped.
pub(crate) struct Built {
    _dir: tempfile::TempDir,
    /// `<out>/html`: what is served at `base`.
    pub html: PathBuf,
    /// `<out>/json`, which `<out>/html/json` is a copy of.
    pub json: PathBuf,
    /// `<out>/json/manifest.json`, parsed.
    pub manifest: Value,
    /// `site.base_url` of the build (`/` or `/docs/`).
    pub base: String,
    /// What was built, for messages.
    pub name: String,
}

fn build(root_dir: tempfile::TempDir, root: &Path, base: &str, name: &str) -> Built {
    build_with(root_dir, root, base, name, &[], &[])
}

fn build_with(
    root_dir: tempfile::TempDir,
    root: &Path,
    base: &str,
    name: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Built {
    let out = root_dir.path().join("out");
    let root_arg = root.to_str().expect("utf-8 path");
    let out_arg = out.to_str().expect("utf-8 path");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(["build", "--root", root_arg, "--out", out_arg])
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("GTDOCS_SEARCH_PART_SIZE")
        .envs(env.iter().copied())
        .output()
        .expect("run gtdocs");
    assert!(
        o.status.success(),
        "gtdocs build of {name} failed ({}):\n{}",
        o.status,
        common::stderr(&o)
    );
    let html = out.join("html");
    assert!(
        html.join("index.html").is_file(),
        "the build of {name} wrote no html/index.html"
    );
    let manifest = std::fs::read_to_string(out.join("json/manifest.json")).expect("manifest.json");
    let manifest: Value = serde_json::from_str(&manifest).expect("manifest JSON");
    assert_eq!(
        manifest["site"]["base_url"].as_str(),
        Some(base),
        "{name}: the manifest's site.base_url"
    );
    Built {
        _dir: root_dir,
        html,
        json: out.join("json"),
        manifest,
        base: base.to_string(),
        name: name.to_string(),
    }
}

/// The bundled tree (gtdocs.yaml + runbooks/) built with `base_url: <base>`.
pub(crate) fn build_bundled(base: &str) -> Built {
    let tree = bundled_tree(base);
    let root = tree.path().to_path_buf();
    build(
        tree,
        &root,
        base,
        &format!("the bundled tree (base {base})"),
    )
}

/// A copy of the bundled tree with `base_url: <base>`.
fn bundled_tree(base: &str) -> tempfile::TempDir {
    let tree = common::bundled_copy();
    if base != "/" {
        let config = tree.path().join("gtdocs.yaml");
        let text = std::fs::read_to_string(&config).expect("read gtdocs.yaml");
        let line = re(r"(?m)^  base_url: /$");
        assert_eq!(
            line.find_iter(&text).count(),
            1,
            "the bundled gtdocs.yaml should have exactly one `  base_url: /` line to replace"
        );
        let text = line.replace(&text, format!("  base_url: {base}").as_str());
        std::fs::write(&config, text.as_bytes()).expect("write gtdocs.yaml");
    }
    tree
}

/// The bundled tree with its search index in parts of `size` pages, as a
/// large site's is, so the browser merges them.
pub(crate) fn build_bundled_in_parts(base: &str, size: usize) -> Built {
    let tree = bundled_tree(base);
    let root = tree.path().to_path_buf();
    let size = size.to_string();
    build_with(
        tree,
        &root,
        base,
        &format!("the bundled tree with its index in parts of {size} pages"),
        &[("GTDOCS_SEARCH_PART_SIZE", size.as_str())],
        &[],
    )
}

/// Where [`build_deployed`] publishes the site.
pub(crate) const DEPLOYED_ORIGIN: &str = "https://example.github.io";

/// The bundled tree (its `gtdocs.yaml` says `base_url: /`) built as a CI
/// job builds it for GitHub Pages: `--base-url /gt-docs/ --site-url
/// https://example.github.io`.
pub(crate) fn build_deployed() -> Built {
    let tree = common::bundled_copy();
    let root = tree.path().to_path_buf();
    build_with(
        tree,
        &root,
        "/gt-docs/",
        "the bundled tree built with --base-url /gt-docs/",
        &[],
        &["--base-url", "/gt-docs/", "--site-url", DEPLOYED_ORIGIN],
    )
}

/// A generated tree of `n` runbooks ([`common::scaled_copy`]) at base `/`.
pub(crate) fn build_scaled(n: usize) -> Built {
    let tree = common::scaled_copy(n);
    let root = tree.path().to_path_buf();
    build(
        tree,
        &root,
        "/",
        &format!("a generated tree of {n} runbooks"),
    )
}

/// The bundled tree with librechat's verdicts verified, most of them long
/// ago ([`crate::verification::verified_tree`]), built on its "today".
pub(crate) fn build_verified() -> Built {
    let tree = crate::verification::verified_tree();
    let root = tree.path().to_path_buf();
    build_with(
        tree,
        &root,
        "/",
        "the bundled tree with librechat verified",
        &[("SOURCE_DATE_EPOCH", crate::verification::TODAY)],
        &[],
    )
}

/// The base fixture in a git repository with a history of verdict
/// changes ([`crate::history::story`]), built with its history.
pub(crate) fn build_with_history() -> Built {
    let repo = crate::history::Repo::new();
    let _story = crate::history::story(&repo);
    let root = repo.docs();
    build_with(
        repo.tmp,
        &root,
        "/",
        "the base fixture with its git history",
        &[],
        &[],
    )
}

/// `tests/fixtures/hostile`, at its own base `/`.
pub(crate) fn build_hostile() -> Built {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("hostile");
    common::copy_tree(&common::fixtures().join("hostile"), &root);
    build(tmp, &root, "/", "the hostile fixture")
}

/// Every `*.html` below `dir`, as sorted paths relative to it with `/`.
pub(crate) fn html_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

pub(crate) use crate::common::assert_none;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("regex")
}

// ------------------------------------------------------------- Nu checker

/// One `java -jar vnu.jar --errors-only --format json` over every page of
/// the bundled and the hostile builds.
#[test]
fn nu_html_checker_reports_no_errors() {
    let vnu = common::tool("GTDOCS_VNU_JAR", "vnu.jar");
    assert!(
        vnu.is_file(),
        "GTDOCS_VNU_JAR={} is not a file: run scripts/install-test-tools.sh",
        vnu.display()
    );
    let java = common::tool("GTDOCS_JAVA", "java");
    let builds = [build_bundled("/"), build_hostile()];
    let mut files = Vec::new();
    for b in &builds {
        files.extend(html_files(&b.html).into_iter().map(|f| b.html.join(f)));
    }
    // The pages of a list long enough to be paged: a partial home page, a
    // second index page, a route's second page.
    let paged = build_scaled(250);
    for f in [
        "index.html",
        "runbooks/page/2/index.html",
        "routes/get-v1-models/page/2/index.html",
    ] {
        files.push(paged.html.join(f));
    }
    assert!(files.len() > 30, "too few pages to check: {}", files.len());
    let started = std::time::Instant::now();
    let o = Command::new(&java)
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", java.display()));
    eprintln!(
        "vnu.jar checked {} pages in {:.1}s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    // The JSON report goes to stderr; stdout stays empty.
    let report = common::stderr(&o);
    let json: Value = serde_json::from_str(report.trim()).unwrap_or_else(|e| {
        panic!(
            "vnu.jar did not print a JSON report ({e}; exit {}):\nstdout: {}\nstderr: {report}",
            o.status,
            common::stdout(&o)
        )
    });
    let messages = json["messages"].as_array().expect("messages");
    let mut problems = Vec::new();
    for m in messages {
        let url = m["url"].as_str().unwrap_or("?");
        let mut place = url.to_string();
        for b in &builds {
            let prefix = format!("file:{}/", b.html.display());
            if let Some(rel) = url.strip_prefix(&prefix) {
                place = format!("{} (in {})", rel, b.name);
            }
        }
        let line = m["lastLine"].as_u64().unwrap_or(0);
        let col = m["firstColumn"]
            .as_u64()
            .or(m["lastColumn"].as_u64())
            .unwrap_or(0);
        let extract = m["extract"].as_str().unwrap_or("").replace('\n', "⏎");
        problems.push(format!(
            "{place}:{line}:{col}: [{}] {}\n      {extract}",
            m["type"].as_str().unwrap_or("?"),
            m["message"].as_str().unwrap_or("?"),
        ));
    }
    assert_none("the Nu HTML checker (vnu.jar --errors-only)", &problems);
    assert!(
        o.status.success(),
        "vnu.jar exited {} without reporting an error:\n{report}",
        o.status
    );
}

// ------------------------------------------------------------ link checker

static COMMENT: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<!--.*?-->"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| re(r#"<([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>"#));
static ATTR: LazyLock<Regex> =
    LazyLock::new(|| re(r#"([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#));
static LOC: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<loc>(.*?)</loc>"));
static ORIGIN: LazyLock<Regex> = LazyLock::new(|| re(r"^https?://[^/]+"));
static SCHEME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z][A-Za-z0-9+.-]*:"));

/// Attributes holding a URL the browser loads or follows. `data-pagefind`
/// is where the search box imports Pagefind from; `data-source`, the
/// matrix data the home page's filters fetch.
const URL_ATTRS: [&str; 8] = [
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data-pagefind",
    "data-source",
];

struct Link {
    tag: String,
    attr: String,
    value: String,
}

struct Page {
    ids: BTreeSet<String>,
    links: Vec<Link>,
}

fn decode_entities(s: &str) -> String {
    static ENTITY: LazyLock<Regex> =
        LazyLock::new(|| re(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);"));
    ENTITY
        .replace_all(s, |c: &regex::Captures<'_>| {
            let e = &c[1];
            let ch = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = e.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match e {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => None,
                }
            };
            ch.map_or_else(|| c[0].to_string(), String::from)
        })
        .into_owned()
}

/// `%XX` escapes decoded (bytes, then UTF-8, lossily).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_page(html: &str) -> Page {
    let html = COMMENT.replace_all(html, "");
    let mut ids = BTreeSet::new();
    let mut links = Vec::new();
    for tag in TAG.captures_iter(&html) {
        let name = tag[1].to_ascii_lowercase();
        for attr in ATTR.captures_iter(&tag[2]) {
            let key = attr[1].to_ascii_lowercase();
            let raw = attr
                .get(2)
                .or_else(|| attr.get(3))
                .or_else(|| attr.get(4))
                .map_or("", |m| m.as_str());
            let value = decode_entities(raw);
            if key == "id" {
                ids.insert(value);
            } else if URL_ATTRS.contains(&key.as_str()) {
                if key == "srcset" {
                    for candidate in value.split(',') {
                        if let Some(url) = candidate.split_whitespace().next() {
                            links.push(Link {
                                tag: name.clone(),
                                attr: key.clone(),
                                value: url.to_string(),
                            });
                        }
                    }
                } else {
                    links.push(Link {
                        tag: name.clone(),
                        attr: key.clone(),
                        value,
                    });
                }
            }
        }
    }
    Page { ids, links }
}

/// Removes `.` and `..` segments of an absolute path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    parts.push("");
                }
            }
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
                if last {
                    parts.push("");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The site file a URL path below `base` is served from, or why there is none.
fn target_file(html: &Path, base: &str, path: &str) -> Result<String, String> {
    let Some(rel) = path.strip_prefix(base) else {
        return Err(format!("is outside base_url {base}"));
    };
    let rel = percent_decode(rel);
    let file = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel
    };
    let full = html.join(&file);
    if full.is_file() {
        Ok(file)
    } else if full.is_dir() {
        Err(format!("names the folder {file}/ without a trailing slash"))
    } else {
        Err(format!("no file {file} in the site"))
    }
}

/// Every internal URL of every page resolves to a file of the site, and
/// every fragment to an `id` of its target page. Also returns how many
/// internal URLs were checked.
fn link_problems(site: &Built) -> (Vec<String>, usize) {
    let files = html_files(&site.html);
    let pages: BTreeMap<String, Page> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(site.html.join(f)).expect("read page");
            (f.clone(), parse_page(&text))
        })
        .collect();
    let base = site.base.as_str();
    let mut problems = BTreeSet::new();
    let mut checked = 0usize;
    for (file, page) in &pages {
        // The page's own URL path: `runbooks/x/index.html` → `<base>runbooks/x/`.
        let dir = match file.rfind('/') {
            Some(i) => &file[..=i],
            None => "",
        };
        let page_dir = format!("{base}{dir}");
        for link in &page.links {
            let v = link.value.trim();
            let say = |why: &str| {
                format!(
                    "{file}: <{} {}=\"{}\"> {why}",
                    link.tag, link.attr, link.value
                )
            };
            let lower = v.to_ascii_lowercase();
            if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("mailto:")
            {
                continue;
            }
            checked += 1;
            if v.is_empty() {
                problems.insert(say("is empty"));
                continue;
            }
            if v.starts_with("//") {
                problems.insert(say("is a protocol-relative URL to another host"));
                continue;
            }
            if SCHEME.is_match(v) {
                problems.insert(say("uses a scheme that is neither http(s) nor mailto"));
                continue;
            }
            let (rest, fragment) = match v.split_once('#') {
                Some((r, f)) => (r, Some(percent_decode(f))),
                None => (v, None),
            };
            let path = rest.split('?').next().unwrap_or("");
            let target = if path.is_empty() {
                // `#id` or `?query`: this very page.
                file.clone()
            } else {
                let absolute = if path.starts_with('/') {
                    normalize(path)
                } else {
                    normalize(&format!("{page_dir}{path}"))
                };
                match target_file(&site.html, base, &absolute) {
                    Ok(t) => t,
                    Err(why) => {
                        problems.insert(say(&why));
                        continue;
                    }
                }
            };
            if let Some(fragment) = fragment {
                if fragment.is_empty() {
                    problems.insert(say("is an empty fragment (#)"));
                    continue;
                }
                match pages.get(&target) {
                    Some(p) if p.ids.contains(&fragment) => {}
                    Some(_) => {
                        problems.insert(say(&format!(
                            "points at #{fragment}, which {target} does not have"
                        )));
                    }
                    None => {
                        problems.insert(say(&format!(
                            "has a fragment, but {target} is not an HTML page"
                        )));
                    }
                }
            }
        }
    }
    (problems.into_iter().collect(), checked)
}

/// `sitemap.xml` lists every page once (not 404.html), below the base.
fn sitemap_problems(site: &Built) -> Vec<String> {
    let xml = std::fs::read_to_string(site.html.join("sitemap.xml")).expect("sitemap.xml");
    let mut problems = Vec::new();
    if !xml.contains("xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"") {
        problems.push("sitemap.xml lacks the sitemaps.org 0.9 namespace".to_string());
    }
    let mut listed = BTreeMap::<String, usize>::new();
    for cap in LOC.captures_iter(&xml) {
        let loc = decode_entities(cap[1].trim());
        let path = ORIGIN.replace(&loc, "").into_owned();
        if !path.starts_with(&site.base) {
            problems.push(format!(
                "sitemap.xml: <loc>{loc}</loc> is outside base_url {}",
                site.base
            ));
        }
        *listed.entry(path).or_default() += 1;
    }
    for (loc, n) in &listed {
        if *n > 1 {
            problems.push(format!("sitemap.xml lists {loc} {n} times"));
        }
    }
    let pages: BTreeSet<String> = html_files(&site.html)
        .into_iter()
        .filter(|f| f != "404.html")
        .map(|f| match f.strip_suffix("index.html") {
            Some(dir) => format!("{}{dir}", site.base),
            None => format!("{}{f}", site.base),
        })
        .collect();
    let listed: BTreeSet<String> = listed.into_keys().collect();
    for missing in pages.difference(&listed) {
        problems.push(format!("sitemap.xml does not list the page {missing}"));
    }
    for extra in listed.difference(&pages) {
        problems.push(format!(
            "sitemap.xml lists {extra}, which is not a page of the site"
        ));
    }
    if listed.contains(&format!("{}404.html", site.base)) {
        problems.push("sitemap.xml lists 404.html".to_string());
    }
    problems
}

/// What the site fetches besides the pages' own links resolves too: the
/// runbook paths in `matrix.json`; each part of the search index's entry
/// file, and the metadata and WebAssembly it names; the `$schema` of each
/// JSON file the site serves.
fn fetched_problems(site: &Built) -> Vec<String> {
    let base = site.base.as_str();
    let mut problems = Vec::new();
    let read_json = |file: &str| -> Result<Value, String> {
        let bytes = std::fs::read(site.html.join(file)).map_err(|e| format!("{file}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{file} is not JSON: {e}"))
    };
    match read_json("matrix.json") {
        Ok(data) => {
            for row in data["rows"].as_array().into_iter().flatten() {
                let path = row[1].as_str().unwrap_or_default();
                if let Err(why) = target_file(&site.html, base, &format!("{base}{path}")) {
                    problems.push(format!("matrix.json: the row path {path:?} {why}"));
                }
            }
        }
        Err(e) => problems.push(e),
    }
    // The index's first part is `pagefind/`; the pages name the others.
    let home = std::fs::read_to_string(site.html.join("index.html")).expect("index.html");
    let parts = re(r#"data-pagefind-parts="([^"]*)""#)
        .captures(&home)
        .map(|c| decode_entities(&c[1]))
        .unwrap_or_default();
    let folders = std::iter::once(String::new()).chain(parts.split_whitespace().map(String::from));
    // The first part brings the runtime the others share.
    for runtime in ["pagefind.js", "pagefind-worker.js"] {
        if !site.html.join("pagefind").join(runtime).is_file() {
            problems.push(format!("no file pagefind/{runtime} in the site"));
        }
    }
    for folder in folders {
        let dir = format!("pagefind/{folder}");
        let entry = match read_json(&format!("{dir}pagefind-entry.json")) {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let languages = entry["languages"].as_object().cloned().unwrap_or_default();
        if languages.is_empty() {
            problems.push(format!("{dir}pagefind-entry.json names no language"));
        }
        for (lang, l) in &languages {
            let hash = l["hash"].as_str().unwrap_or("?");
            let wasm = l["wasm"].as_str().unwrap_or("?");
            for file in [
                format!("{dir}pagefind.{hash}.pf_meta"),
                format!("{dir}wasm.{wasm}.pagefind"),
            ] {
                if !site.html.join(&file).is_file() {
                    problems.push(format!(
                        "{dir}pagefind-entry.json ({lang}) names {file}, which is not in the site"
                    ));
                }
            }
        }
    }
    for file in json_files(&site.html.join("json")) {
        let rel = format!("json/{file}");
        let schema = match read_json(&rel) {
            Ok(v) => v["$schema"].as_str().map(String::from),
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        // The schemas themselves name draft-07 by its absolute URL.
        if let Some(schema) = schema.filter(|s| !s.starts_with("http")) {
            let dir = match rel.rfind('/') {
                Some(i) => &rel[..=i],
                None => "",
            };
            let absolute = normalize(&format!("{base}{dir}{schema}"));
            if let Err(why) = target_file(&site.html, base, &absolute) {
                problems.push(format!("{rel}: its $schema {schema:?} {why}"));
            }
        }
    }
    problems
}

/// Every `*.json` below `dir`, as sorted paths relative to it with `/`.
fn json_files(dir: &Path) -> Vec<String> {
    common::snapshot(dir)
        .into_keys()
        .filter(|f| f.ends_with(".json"))
        .collect()
}

/// `html/json/` holds exactly the files of `json/`, byte for byte: the site
/// serves the JSON the build writes.
fn json_copy_problems(site: &Built) -> Vec<String> {
    let written = common::snapshot(&site.json);
    let served = common::snapshot(&site.html.join("json"));
    let mut problems = Vec::new();
    if written.is_empty() {
        problems.push(format!("{} holds no file", site.json.display()));
    }
    for (file, bytes) in &written {
        match served.get(file) {
            Some(b) if b == bytes => {}
            Some(_) => problems.push(format!("html/json/{file} differs from json/{file}")),
            None => problems.push(format!(
                "html/json/{file} is missing (json/{file} is written)"
            )),
        }
    }
    for file in served.keys().filter(|f| !written.contains_key(*f)) {
        problems.push(format!("html/json/{file} is not in json/"));
    }
    problems
}

fn check_links_and_sitemap(site: &Built) {
    let (mut problems, checked) = link_problems(site);
    // A parser that finds nothing would pass: the bundled site has thousands.
    assert!(
        checked > 100,
        "{}: only {checked} internal URLs found",
        site.name
    );
    problems.extend(sitemap_problems(site));
    problems.extend(fetched_problems(site));
    problems.extend(json_copy_problems(site));
    assert_none(&format!("links and sitemap of {}", site.name), &problems);
}

#[test]
fn internal_links_and_sitemap_at_root_base() {
    check_links_and_sitemap(&build_bundled("/"));
}

#[test]
fn internal_links_and_sitemap_under_docs_base() {
    check_links_and_sitemap(&build_bundled("/docs/"));
}

#[test]
fn internal_links_and_sitemap_of_hostile_fixture() {
    check_links_and_sitemap(&build_hostile());
}

/// `site/html` is the whole folder a CI job deploys to GitHub Pages: built
/// with `--base-url /gt-docs/ --site-url https://example.github.io` from a
/// tree whose `gtdocs.yaml` says `/`, every link of every page, of the
/// sitemap and of the JSON the site fetches resolves inside it, served
/// under `/gt-docs/`. It holds the JSON (the manifest, each runbook's, the
/// schemas: a copy of `site/json/`), which the matrix (the manifest and
/// its schema) and each runbook page link to; the sitemap lists pages only, at the given origin.
#[test]
fn the_deployed_site_is_one_folder_served_under_its_base() {
    let site = build_deployed();
    check_links_and_sitemap(&site);
    let slugs: Vec<&str> = site.manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .map(|r| r["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(slugs.len(), 23, "the bundled tree's runbooks");
    let mut expected: BTreeSet<String> = [
        "manifest.json",
        "schema/changes.schema.json",
        "schema/config.schema.json",
        "schema/diff.schema.json",
        "schema/manifest.schema.json",
        "schema/probe-results.schema.json",
        "schema/probe.schema.json",
        "schema/route.schema.json",
        "schema/runbook-entry.schema.json",
        "schema/runbook.schema.json",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    expected.extend(slugs.iter().map(|s| format!("runbooks/{s}.json")));
    let routes = site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes");
    expected.extend(
        routes
            .iter()
            .map(|r| format!("routes/{}.json", r["id"].as_str().expect("id"))),
    );
    let served: BTreeSet<String> = json_files(&site.html.join("json")).into_iter().collect();
    assert_eq!(served, expected, "the JSON inside site/html/json/");
    let mut problems = Vec::new();
    let home = std::fs::read_to_string(site.html.join("index.html")).expect("index.html");
    if !home.contains(
        r#"<a href="/gt-docs/json/manifest.json" type="application/json">Manifest (JSON)</a>"#,
    ) {
        problems.push("the matrix page does not link to /gt-docs/json/manifest.json".into());
    }
    if !home.contains(
        r#"<a href="/gt-docs/json/schema/manifest.schema.json" type="application/schema+json">its JSON Schema</a>"#,
    ) {
        problems.push("the matrix page does not link to the manifest's schema".into());
    }
    for slug in &slugs {
        let page = format!("runbooks/{slug}/index.html");
        let html = std::fs::read_to_string(site.html.join(&page)).expect("runbook page");
        let link = format!(
            r#"<a href="/gt-docs/json/runbooks/{slug}.json" type="application/json">JSON</a>"#
        );
        if !html.contains(&link) {
            problems.push(format!("{page} does not link to its JSON: {link}"));
        }
        let canonical =
            format!(r#"<link rel="canonical" href="{DEPLOYED_ORIGIN}/gt-docs/runbooks/{slug}/">"#);
        if !html.contains(&canonical) {
            problems.push(format!("{page} lacks {canonical}"));
        }
    }
    let sitemap = std::fs::read_to_string(site.html.join("sitemap.xml")).expect("sitemap.xml");
    let locs: Vec<String> = LOC
        .captures_iter(&sitemap)
        .map(|c| c[1].to_string())
        .collect();
    assert!(locs.len() > 30, "{} pages in the sitemap", locs.len());
    for loc in &locs {
        if !loc.starts_with(&format!("{DEPLOYED_ORIGIN}/gt-docs/")) || loc.contains("json") {
            problems.push(format!("sitemap.xml lists {loc}"));
        }
    }
    assert_none("the deployed site", &problems);
}

#[test]
fn link_checker_catches_broken_links() {
    // The checker itself, on a made-up site with one of each kind of fault.
    let tmp = tempfile::tempdir().expect("tempdir");
    let html = tmp.path().join("html");
    std::fs::create_dir_all(html.join("a")).expect("mkdir");
    std::fs::write(html.join("a/index.html"), r#"<p id="here">a</p>"#).expect("write");
    std::fs::write(
        html.join("index.html"),
        r##"<!-- <a href="/docs/ignored/"> -->
<p id="top"><a href="#top">ok</a> <a href="/docs/a/#here">ok</a> <a href='a/'>ok</a> <a href=https://x.test/>ext</a>
<a href="/docs/missing/">1</a> <a href="/docs/a">2</a> <a href="/docs/a/#nowhere">3</a> <a href="#self">4</a>
<a href=" javascript:alert(1)">5</a> <img src="/other/x.png" alt="x>y"> <img srcset="/docs/a/ 1x, /docs/b.png 2x" alt="">
<a href="/docs/a/?q=1&amp;r=2#here">ok</a> <a href="../docs/a/">ok</a></p>"##,
    )
    .expect("write");
    let site = Built {
        _dir: tmp,
        json: html.join("json"),
        html,
        manifest: Value::Null,
        base: "/docs/".into(),
        name: "a made-up site".into(),
    };
    let (problems, checked) = link_problems(&site);
    assert_eq!(checked, 13, "internal URLs checked");
    let expected = [
        r#"index.html: <a href=" javascript:alert(1)"> uses a scheme that is neither http(s) nor mailto"#,
        r##"index.html: <a href="#self"> points at #self, which index.html does not have"##,
        r#"index.html: <a href="/docs/a"> names the folder a/ without a trailing slash"#,
        r#"index.html: <a href="/docs/a/#nowhere"> points at #nowhere, which a/index.html does not have"#,
        r#"index.html: <a href="/docs/missing/"> no file missing/index.html in the site"#,
        r#"index.html: <img src="/other/x.png"> is outside base_url /docs/"#,
        r#"index.html: <img srcset="/docs/b.png"> no file b.png in the site"#,
    ];
    assert_eq!(problems, expected);
    assert_eq!(normalize("/docs/a/../b/./c"), "/docs/b/c");
    assert_eq!(normalize("/docs/../.."), "/");
    assert_eq!(percent_decode("a%20b%2"), "a b%2");
}

#[test]
fn fetch_and_copy_checkers_catch_missing_and_differing_files() {
    // The checkers of what the site fetches and of the JSON copy, on a
    // made-up site with one of each kind of fault.
    let tmp = tempfile::tempdir().expect("tempdir");
    let html = tmp.path().join("html");
    let json = tmp.path().join("json");
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        &html.join("index.html"),
        r#"<div data-pagefind-parts="part-2/"></div>"#,
    );
    write(&html.join("runbooks/a/index.html"), "a");
    write(
        &html.join("matrix.json"),
        r#"{"rows": [["A", "runbooks/a/"], ["B", "runbooks/b/"]]}"#,
    );
    write(&html.join("pagefind/pagefind.js"), "");
    write(
        &html.join("pagefind/pagefind-entry.json"),
        r#"{"languages": {"en": {"hash": "en_1", "wasm": "en"}}}"#,
    );
    write(&html.join("pagefind/pagefind.en_1.pf_meta"), "");
    write(
        &html.join("pagefind/part-2/pagefind-entry.json"),
        r#"{"languages": {}}"#,
    );
    write(
        &html.join("json/manifest.json"),
        r#"{"$schema": "schema/manifest.schema.json"}"#,
    );
    write(
        &html.join("json/runbooks/a.json"),
        r#"{"$schema": "../schema/entry.json"}"#,
    );
    write(&html.join("json/schema/manifest.schema.json"), "{}");
    write(&html.join("json/extra.json"), "{}");
    write(&json.join("manifest.json"), r#"{"$schema": "other"}"#);
    write(
        &json.join("runbooks/a.json"),
        r#"{"$schema": "../schema/entry.json"}"#,
    );
    write(&json.join("schema/manifest.schema.json"), "{}");
    write(&json.join("schema/entry.json"), "{}");
    let site = Built {
        _dir: tmp,
        html,
        json,
        manifest: Value::Null,
        base: "/docs/".into(),
        name: "a made-up site".into(),
    };
    assert_eq!(
        fetched_problems(&site),
        [
            r#"matrix.json: the row path "runbooks/b/" no file runbooks/b/index.html in the site"#,
            "no file pagefind/pagefind-worker.js in the site",
            "pagefind/pagefind-entry.json (en) names pagefind/wasm.en.pagefind, which is not in the site",
            "pagefind/part-2/pagefind-entry.json names no language",
            r#"json/runbooks/a.json: its $schema "../schema/entry.json" no file json/schema/entry.json in the site"#,
        ]
    );
    assert_eq!(
        json_copy_problems(&site),
        [
            "html/json/manifest.json differs from json/manifest.json",
            "html/json/schema/entry.json is missing (json/schema/entry.json is written)",
            "html/json/extra.json is not in json/",
        ]
    );
}

// ------------------------------------------------------------- pagination

/// The runbook pages a page links to (`runbooks/<slug>/`), once each.
fn runbook_links(html: &str, base: &str) -> BTreeSet<String> {
    // A runbook's page, or one of its route rows (as route pages link).
    let link = re(r##"href="([^"#?]*)(?:#route-[a-z0-9-]+)?""##);
    link.captures_iter(html)
        .filter_map(|c| c[1].strip_prefix(base).map(str::to_owned))
        .filter(|p| {
            p.strip_prefix("runbooks/")
                .and_then(|r| r.strip_suffix('/'))
                .is_some_and(|slug| !slug.is_empty() && !slug.contains('/') && slug != "page")
        })
        .collect()
}

/// 250 runbooks: no page lists more than a page of them, yet the runbooks
/// index and each route's pages, taken together, list every runbook once,
/// with the counts the manifest gives; the matrix data holds every row.
#[test]
fn long_lists_are_paged_and_complete() {
    const PAGE: usize = 100;
    let site = build_scaled(250);
    let runbooks = site.manifest["runbooks"].as_array().expect("runbooks");
    assert_eq!(runbooks.len(), 250);
    let all: BTreeSet<String> = runbooks
        .iter()
        .map(|r| format!("runbooks/{}/", r["slug"].as_str().expect("slug")))
        .collect();
    let mut problems = Vec::new();
    for file in html_files(&site.html) {
        let html = std::fs::read_to_string(site.html.join(&file)).expect("read");
        let n = runbook_links(&html, &site.base).len();
        if n > PAGE {
            problems.push(format!(
                "{file} links to {n} runbooks (a page holds {PAGE})"
            ));
        }
    }
    // The runbooks index: 3 pages, every runbook exactly once.
    let mut seen = Vec::new();
    for page in [
        "runbooks/index.html",
        "runbooks/page/2/index.html",
        "runbooks/page/3/index.html",
    ] {
        let html = std::fs::read_to_string(site.html.join(page)).expect(page);
        let main = &html[html.find("<main").expect("main")..html.find("</main>").expect("/main")];
        seen.extend(runbook_links(main, &site.base));
    }
    assert!(!site.html.join("runbooks/page/4").exists());
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    if seen.len() != 250 || unique != all {
        problems.push(format!(
            "the runbooks index lists {} links, {} distinct, of 250",
            seen.len(),
            unique.len()
        ));
    }
    // Each route: its pages list every runbook once; tallies match.
    for (i, route) in site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .enumerate()
    {
        let name = route["route"].as_str().expect("route");
        let slug = name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let slug = slug
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let mut listed = Vec::new();
        let mut k = 1;
        loop {
            let page = if k == 1 {
                format!("routes/{slug}/index.html")
            } else {
                format!("routes/{slug}/page/{k}/index.html")
            };
            let Ok(html) = std::fs::read_to_string(site.html.join(&page)) else {
                break;
            };
            let list = &html[html.find("<ul class=\"route-clients\"").unwrap_or(0)
                ..html.find("<nav class=\"route-nav\"").unwrap_or(html.len())];
            listed.extend(runbook_links(list, &site.base));
            if k == 1 {
                for support in ["full", "partial", "none"] {
                    let expected = runbooks
                        .iter()
                        .filter(|r| r["routes"][i]["support"] == support)
                        .count();
                    if expected == 0 {
                        continue;
                    }
                    let tally = re(&format!(
                        r#"mark-{support}"><span class="mark-symbol" aria-hidden="true">[^<]*</span> <strong>(\d+)</strong>"#
                    ));
                    let shown: Option<usize> =
                        tally.captures(&html).and_then(|c| c[1].parse().ok());
                    if shown != Some(expected) {
                        problems.push(format!("{page}: the {support} tally shows {shown:?}, the manifest has {expected}"));
                    }
                }
            }
            k += 1;
        }
        let unique: BTreeSet<String> = listed.iter().cloned().collect();
        if listed.len() != 250 || unique != all {
            problems.push(format!(
                "{name}: its {} page(s) list {} links, {} distinct, of 250",
                k - 1,
                listed.len(),
                unique.len()
            ));
        }
    }
    // The home page shows one page of rows and names the data for the rest.
    let home = std::fs::read_to_string(site.html.join("index.html")).expect("home");
    let rows = home.matches("<tr class=\"matrix-row\"").count();
    if rows != PAGE || !home.contains(r#"data-total="250" data-source="/matrix.json""#) {
        problems.push(format!(
            "the home page has {rows} rows and no data-total=250 pointing at /matrix.json"
        ));
    }
    let data: Value =
        serde_json::from_slice(&std::fs::read(site.html.join("matrix.json")).expect("matrix.json"))
            .expect("matrix JSON");
    let rows = data["rows"].as_array().expect("rows");
    let paths: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r[1].as_str().map(str::to_owned))
        .collect();
    if rows.len() != 250 || paths != all {
        problems.push(format!(
            "matrix.json holds {} rows, {} distinct paths",
            rows.len(),
            paths.len()
        ));
    }
    for r in rows {
        let slug = r[1]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("runbooks/")
            .trim_end_matches('/');
        let entry = runbooks.iter().find(|e| e["slug"] == slug).expect("entry");
        let verdicts: Vec<&str> = r[6]
            .as_array()
            .expect("cells")
            .iter()
            .map(|v| {
                v.as_i64()
                    .and_then(|v| usize::try_from(v).ok())
                    .map_or("unknown", |v| {
                        data["verdicts"][v]["id"].as_str().unwrap_or("?")
                    })
            })
            .collect();
        let expected: Vec<&str> = entry["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .map(|m| m["verdict"].as_str().unwrap_or("?"))
            .collect();
        if verdicts != expected || r[0] != entry["title"] {
            problems.push(format!(
                "matrix.json row {slug}: {verdicts:?} vs the manifest's {expected:?}"
            ));
        }
    }
    assert_none("pagination of 250 runbooks", &problems);
    check_links_and_sitemap(&site);
}

/// Sentences joined in a text never read "entirely.. Choose": the search
/// records (what excerpts are cut from, read from the index's fragments)
/// and every page's visible text, code left out (a `gtak_...` value is
/// what it is).
#[test]
fn texts_and_search_excerpts_have_no_doubled_full_stops() {
    let site = build_bundled("/");
    let doubled = re(r"[^.]\.\.[^.]");
    let mut problems = Vec::new();
    // Fragments are gzip'd JSON after a `pagefind_dcd` signature.
    let script = r#"
import gzip, json, pathlib, sys
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.pf_fragment")):
    b = gzip.decompress(f.read_bytes())
    assert b.startswith(b"pagefind_dcd"), f
    d = json.loads(b[len(b"pagefind_dcd"):])
    print(json.dumps([d["url"], d["content"]]))
"#;
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(site.html.join("pagefind/fragment"))
        .output()
        .expect("run python3");
    assert!(o.status.success(), "python3: {}", common::stderr(&o));
    let records: Vec<(String, String)> = common::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert!(records.len() > 23, "{} search records", records.len());
    for (url, content) in &records {
        for m in doubled.find_iter(content) {
            problems.push(format!("search record {url}: {:?}", m.as_str()));
        }
    }
    let code = re(r"(?s)<(code|pre|script|style)\b.*?</(code|pre|script|style)>");
    let tags = re(r"<[^>]*>");
    for page in common::files_with_extension(&site.html, "html") {
        let html = std::fs::read_to_string(&page).expect("page");
        let text = tags
            .replace_all(&code.replace_all(&html, " "), " ")
            .into_owned();
        for m in doubled.find_iter(&text) {
            problems.push(format!("{}: {:?}", page.display(), m.as_str()));
        }
    }
    assert!(
        problems.is_empty(),
        "doubled full stops:\n{}",
        problems.join("\n")
    );
}
