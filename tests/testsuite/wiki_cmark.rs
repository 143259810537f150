//! The wiki pages as GitHub shows them. Three trees are built (the bundled
//! runbooks, the published reference corpus and `tests/fixtures/hostile`,
//! whose text is full of pipes, backticks, raw HTML, unsafe links and block
//! starts) and every `site/wiki/*.md` is rendered by cmark-gfm, the C library
//! GitHub's Markdown is built on, with `--extension table --unsafe`: raw HTML
//! passes through, so any that gtdocs lets into a page shows up here.
//!
//! cmark-gfm pads a short table row and silently drops the cells of a long
//! one, so a broken row looks whole in the HTML; the tables are therefore
//! also checked in the Markdown, split on unescaped pipes as GFM does, and
//! by the text of the cells (a cut-off row loses its last cell's text).
//!
//! Each tree is built and rendered once (shared by the tests of that tree);
//! each test checks one property and reports every problem it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use serde_json::Value;

use crate::common;

// ---------------------------------------------------------------- the builds

/// A built and rendered tree: what the checks read.
#[derive(Clone)]
struct Site {
    /// Page name (file stem) → Markdown and the HTML cmark-gfm makes of it.
    pages: BTreeMap<String, Page>,
    /// `json/manifest.json` of the same build: the facts the pages must show.
    manifest: Value,
}

#[derive(Clone)]
struct Page {
    md: String,
    html: String,
}

impl Site {
    fn runbooks(&self) -> &[Value] {
        self.manifest["runbooks"]
            .as_array()
            .expect("manifest runbooks")
    }

    fn routes(&self) -> Vec<&str> {
        self.manifest["catalog"]["routes"]
            .as_array()
            .expect("catalog routes")
            .iter()
            .map(|r| r["route"].as_str().expect("route"))
            .collect()
    }

    fn page(&self, name: &str) -> &Page {
        self.pages
            .get(name)
            .unwrap_or_else(|| panic!("no wiki page `{name}.md`"))
    }

    /// The index and matrix pages: the two wiki pages that are neither
    /// runbook pages nor Home/_Sidebar/_Footer; the matrix is the one with
    /// the client table.
    fn index_and_matrix(&self) -> (String, String) {
        let runbook_pages: BTreeSet<&str> = self
            .runbooks()
            .iter()
            .map(|rb| rb["wiki_page"].as_str().expect("wiki_page"))
            .collect();
        let (matrix, index): (Vec<&String>, Vec<&String>) = self
            .pages
            .keys()
            .filter(|name| {
                !runbook_pages.contains(name.as_str())
                    && !["Home", "_Sidebar", "_Footer"].contains(&name.as_str())
            })
            .partition(|name| {
                self.pages[*name]
                    .md
                    .contains("| Client | Category | Compatibility |")
            });
        assert!(
            index.len() == 1 && matrix.len() == 1,
            "expected one index and one matrix page besides the runbooks, found {index:?} and {matrix:?}"
        );
        (index[0].clone(), matrix[0].clone())
    }
}

/// Builds the tree at `root` into `<tmp>/site` and renders every wiki page.
fn build(root: &Path) -> Site {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let root_arg = root.to_str().expect("utf-8 path");
    let out_arg = out.to_str().expect("utf-8 path");
    let o = common::gtdocs(root, &["build", "--root", root_arg, "--out", out_arg]);
    assert!(
        o.status.success(),
        "gtdocs build --root {root_arg} failed ({}):\n{}",
        o.status,
        common::stderr(&o)
    );
    let cmark = common::tool("GTDOCS_CMARK_GFM", "cmark-gfm");
    let mut pages = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(out.join("wiki"))
        .expect("site/wiki")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        // `.gtdocs/` holds publish-wiki's settings: hidden, as on the wiki,
        // which shows no hidden file; it is the only one.
        if name.starts_with('.') {
            assert_eq!(name, ".gtdocs", "site/wiki holds a hidden `{name}`");
            continue;
        }
        let Some(stem) = name.strip_suffix(".md") else {
            panic!("site/wiki holds `{name}`, which is not a .md page");
        };
        let md = std::fs::read_to_string(&path).expect("read page");
        let html = render(&cmark, &path, &name);
        pages.insert(stem.to_string(), Page { md, html });
    }
    let manifest = std::fs::read_to_string(out.join("json/manifest.json")).expect("manifest.json");
    let manifest: Value = serde_json::from_str(&manifest).expect("manifest JSON");
    assert!(!pages.is_empty(), "the build wrote no wiki pages");
    Site { pages, manifest }
}

/// `cmark-gfm --extension table --unsafe <path>`.
fn render(cmark: &Path, path: &Path, name: &str) -> String {
    let r = Command::new(cmark)
        .args(["--extension", "table", "--unsafe"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cmark.display()));
    assert!(
        r.status.success(),
        "cmark-gfm failed on {name}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    String::from_utf8(r.stdout).expect("utf-8 HTML")
}

fn bundled() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let tree = common::bundled_copy();
        build(tree.path())
    })
}

/// `None` (the test does not run) without the reference corpus.
fn reference() -> Option<&'static Site> {
    static SITE: OnceLock<Site> = OnceLock::new();
    let corpus = common::reference()?;
    Some(SITE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("gt-runbooks");
        common::copy_tree(&corpus.join("gt-runbooks"), &root);
        build(&root)
    }))
}

fn hostile() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("hostile");
        common::copy_tree(&common::fixtures().join("hostile"), &root);
        build(&root)
    })
}

/// Fails with every problem, one per line.
fn assert_none(what: &str, problems: Vec<String>) {
    common::assert_none(what, &problems);
}

// ------------------------------------------------------------ HTML reading

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("regex")
}

static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>"));
static TABLE: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<table>(.*?)</table>"));
static ROW: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<tr>(.*?)</tr>"));
static CELL: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?s)<t([hd])(?: align="[a-z]+")?>(.*?)</t[hd]>"#));
static HEADING: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<h([1-6])>(.*?)</h[1-6]>"));
static LI: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<li>(.*?)</li>"));
static ANCHOR: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?s)<a href="([^"]*)"(?: title="[^"]*")?>(.*?)</a>"#));
static PRE: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<pre>.*?</pre>"));

/// The text a reader sees: tags dropped, entities decoded.
fn text(html: &str) -> String {
    let s = TAG.replace_all(html, "");
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// As gtdocs folds source text onto one line: lines trimmed, joined by a space.
fn fold(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

struct Table {
    /// Byte offset of `<table>` in the page.
    at: usize,
    /// Cell HTML of every row; the first row is the header (`<th>`).
    rows: Vec<Vec<String>>,
    /// Per row, the tag letter of each cell: `h` for `<th>`, `d` for `<td>`.
    kinds: Vec<String>,
}

fn tables(html: &str) -> Vec<Table> {
    TABLE
        .captures_iter(html)
        .map(|t| {
            let mut rows = Vec::new();
            let mut kinds = Vec::new();
            for row in ROW.captures_iter(&t[1]) {
                let cells: Vec<_> = CELL.captures_iter(&row[1]).collect();
                kinds.push(cells.iter().map(|c| c[1].to_string()).collect::<String>());
                rows.push(cells.iter().map(|c| c[2].to_string()).collect());
            }
            Table {
                at: t.get(0).expect("match").start(),
                rows,
                kinds,
            }
        })
        .collect()
}

/// `(level, heading text, HTML up to the next heading)` of every heading.
fn sections(html: &str) -> Vec<(u8, String, String)> {
    let heads: Vec<_> = HEADING.captures_iter(html).collect();
    heads
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let end = heads
                .get(i + 1)
                .map_or(html.len(), |n| n.get(0).expect("m").start());
            let body = &html[h.get(0).expect("m").end()..end];
            (h[1].parse().expect("level"), text(&h[2]), body.to_string())
        })
        .collect()
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

// -------------------------------------------------------- Markdown tables

/// Cells of a GFM table row, as cmark-gfm splits it: on every `|` that no
/// backslash precedes (also inside code spans); leading and trailing pipes
/// open and close the row.
fn gfm_cells(line: &str) -> usize {
    let line = line.trim();
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut ends_with_pipe = false;
    while let Some(c) = chars.next() {
        ends_with_pipe = false;
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push_str("\\|");
            chars.next();
        } else if c == '|' {
            cells.push(std::mem::take(&mut cur));
            ends_with_pipe = true;
        } else {
            cur.push(c);
        }
    }
    if !ends_with_pipe {
        cells.push(cur);
    }
    if line.starts_with('|') && !cells.is_empty() {
        cells.remove(0);
    }
    cells.len()
}

static DELIMITER_ROW: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?)?\s*$"));

/// Per table in the Markdown: `(line number, cells)` of every row. Fenced
/// code blocks (the plain-text export) are skipped.
fn md_tables(md: &str) -> Vec<Vec<(usize, usize)>> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = Vec::new();
    let mut fence: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let ticks = line.len() - line.trim_start_matches('`').len();
        match fence {
            Some(open) if ticks >= open && line[ticks..].trim().is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None if line.starts_with('|')
                && lines
                    .get(i + 1)
                    .is_some_and(|next| DELIMITER_ROW.is_match(next.trim())) =>
            {
                let mut rows = Vec::new();
                while i < lines.len() && !lines[i].trim().is_empty() {
                    rows.push((i + 1, gfm_cells(lines[i])));
                    i += 1;
                }
                out.push(rows);
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

// ------------------------------------------------------------------ checks

const H2: [&str; 3] = ["Start Here", "Why this matters", "Details"];
const H3: [&str; 9] = [
    "Official documentation",
    "Configuration fields",
    "GT route mapping",
    "Not supported in this product",
    "Prerequisites",
    "Setup steps",
    "GT extensions and caveats",
    "Validation checklist",
    "Plain-text export",
];

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The last word of a source text, if it is plain (no Markdown): the end a
/// cut-off cell would lose.
fn plain_last_word(s: &str) -> Option<String> {
    let w = s
        .split_whitespace()
        .last()?
        .trim_end_matches(['.', ',', ';', ':', ')']);
    (!w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then(|| w.to_string())
}

/// Every table keeps its shape, in the Markdown and in the HTML; the route
/// mapping, matrix and Home tables hold exactly their rows and cells.
fn check_tables(site: &Site) -> Vec<String> {
    let mut p = Vec::new();
    for (name, page) in &site.pages {
        for rows in md_tables(&page.md) {
            let head = rows[0].1;
            for &(line, cells) in &rows[1..] {
                if cells != head {
                    p.push(format!(
                        "{name}.md:{line}: row has {cells} cells in the Markdown, its header {head}: {:?}",
                        page.md.lines().nth(line - 1).unwrap_or_default()
                    ));
                }
            }
        }
        for (t, table) in tables(&page.html).iter().enumerate() {
            let head = table.rows.first().map_or(0, Vec::len);
            if head == 0 || table.kinds[0].chars().any(|k| k != 'h') {
                p.push(format!("{name}: table {t} has no header row"));
            }
            for (r, row) in table.rows.iter().enumerate().skip(1) {
                if row.len() != head || table.kinds[r].chars().any(|k| k != 'd') {
                    p.push(format!(
                        "{name}: table {t} row {r} has {} cells, its header {head}",
                        row.len()
                    ));
                }
            }
        }
    }

    let routes = site.routes();
    for rb in site.runbooks() {
        let name = rb["wiki_page"].as_str().expect("wiki_page");
        let html = &site.page(name).html;
        let all = tables(html);
        if all.len() != 1 {
            p.push(format!(
                "{name}: {} tables, expected only the GT route mapping",
                all.len()
            ));
        }
        let Some(h) = html.find("<h3>GT route mapping</h3>") else {
            p.push(format!("{name}: no GT route mapping heading"));
            continue;
        };
        let Some(table) = all.iter().find(|t| t.at > h) else {
            p.push(format!(
                "{name}: no table after the GT route mapping heading"
            ));
            continue;
        };
        let head: Vec<String> = table.rows[0].iter().map(|c| text(c)).collect();
        if head != ["GT route", "Verdict", "Client integration"] {
            p.push(format!("{name}: route mapping header is {head:?}"));
        }
        if table.rows.len() != routes.len() + 1 {
            p.push(format!(
                "{name}: route mapping has {} rows, the catalog {} routes",
                table.rows.len() - 1,
                routes.len()
            ));
        }
        let mapped = rb["routes"].as_array().expect("routes");
        for (i, row) in table.rows.iter().enumerate() {
            if row.len() != 3 {
                p.push(format!(
                    "{name}: route mapping row {i} has {} cells, not 3",
                    row.len()
                ));
            }
        }
        for ((row, route), m) in table.rows.iter().skip(1).zip(&routes).zip(mapped) {
            let cell = |i: usize| row.get(i).map(|c| text(c)).unwrap_or_default();
            if cell(0) != *route {
                p.push(format!(
                    "{name}: a row names route {:?}, the catalog {route:?}",
                    cell(0)
                ));
            }
            let verdict = m["verdict"].as_str().expect("verdict");
            if cell(1) != verdict {
                p.push(format!(
                    "{name}: {route}: verdict cell {:?}, the manifest {verdict:?}",
                    cell(1)
                ));
            }
            if let Some(note) = m["integration"].as_str() {
                let shown = cell(2);
                if shown.trim().is_empty() {
                    p.push(format!("{name}: {route}: the integration cell is empty"));
                } else if let Some(last) = plain_last_word(note)
                    && !shown
                        .trim_end()
                        .trim_end_matches(['.', ',', ';', ':', ')'])
                        .ends_with(&last)
                {
                    p.push(format!(
                        "{name}: {route}: the integration cell {shown:?} lost the end of its note (should end with {last:?})"
                    ));
                }
            }
        }
    }

    let (_, matrix) = site.index_and_matrix();
    let html = &site.page(&matrix).html;
    let all = tables(html);
    let runbooks = site.runbooks();
    match all.first() {
        None => p.push(format!("{matrix}: no table")),
        Some(t) => {
            let head: Vec<String> = t.rows[0].iter().map(|c| text(c)).collect();
            let want = [
                "Client",
                "Category",
                "Compatibility",
                "Key preset",
                "Chat",
                "Files",
                "Persistence",
                "Details",
            ];
            if head != want {
                p.push(format!("{matrix}: first table's header is {head:?}"));
            }
            for (r, row) in t.rows.iter().enumerate() {
                if row.len() != 8 {
                    p.push(format!(
                        "{matrix}: first table row {r} has {} cells, not 8",
                        row.len()
                    ));
                }
            }
            if t.rows.len() != runbooks.len() + 1 {
                p.push(format!(
                    "{matrix}: {} client rows for {} runbooks",
                    t.rows.len() - 1,
                    runbooks.len()
                ));
            }
            for (r, row) in t.rows.iter().enumerate().skip(1) {
                if let Some(empty) = row.iter().position(|c| text(c).trim().is_empty()) {
                    p.push(format!(
                        "{matrix}: first table row {r}: cell {empty} is empty"
                    ));
                }
            }
            let linked: BTreeSet<String> = t.rows[1..]
                .iter()
                .filter_map(|row| ANCHOR.captures(row.first()?).map(|a| a[1].to_string()))
                .collect();
            for rb in runbooks {
                let page = rb["wiki_page"].as_str().expect("wiki_page");
                if !linked.contains(page) {
                    p.push(format!("{matrix}: no client row links {page}"));
                }
            }
        }
    }
    match all.get(1) {
        None => p.push(format!("{matrix}: no route verdict table")),
        Some(t) => {
            for (r, row) in t.rows.iter().enumerate() {
                if row.len() != routes.len() + 1 {
                    p.push(format!(
                        "{matrix}: verdict table row {r} has {} cells, not {}",
                        row.len(),
                        routes.len() + 1
                    ));
                }
            }
            if t.rows.len() != runbooks.len() + 1 {
                p.push(format!(
                    "{matrix}: {} verdict rows for {} runbooks",
                    t.rows.len() - 1,
                    runbooks.len()
                ));
            }
            for row in &t.rows[1..] {
                let Some(page) = row
                    .first()
                    .and_then(|c| ANCHOR.captures(c))
                    .map(|a| a[1].to_string())
                else {
                    p.push(format!(
                        "{matrix}: a verdict row has no link: {:?}",
                        row.first()
                    ));
                    continue;
                };
                let Some(rb) = runbooks.iter().find(|rb| rb["wiki_page"] == page.as_str()) else {
                    continue;
                };
                let want: Vec<&str> = rb["routes"]
                    .as_array()
                    .expect("routes")
                    .iter()
                    .map(|m| m["verdict"].as_str().expect("verdict"))
                    .collect();
                let got: Vec<String> = row[1..].iter().map(|c| text(c)).collect();
                if got != want {
                    p.push(format!(
                        "{matrix}: verdicts of {page} are {got:?}, the manifest {want:?}"
                    ));
                }
            }
        }
    }

    let home = tables(&site.page("Home").html);
    match home.first() {
        None => p.push("Home: no route table".into()),
        Some(t) => {
            if t.rows.len() != routes.len() + 1 {
                p.push(format!(
                    "Home: {} route rows for {} routes",
                    t.rows.len() - 1,
                    routes.len()
                ));
            }
            for (r, row) in t.rows.iter().enumerate() {
                if row.len() != 6 {
                    p.push(format!(
                        "Home: route table row {r} has {} cells, not 6",
                        row.len()
                    ));
                    continue;
                }
                if r > 0 {
                    let counts: Option<usize> =
                        row[2..].iter().map(|c| text(c).parse::<usize>().ok()).sum();
                    if counts != Some(runbooks.len()) {
                        p.push(format!(
                            "Home: row {r}: the support counts add up to {counts:?}, not {}",
                            runbooks.len()
                        ));
                    }
                    if routes
                        .get(r - 1)
                        .is_some_and(|route| text(&row[0]) != *route)
                    {
                        p.push(format!("Home: row {r} names {:?}", text(&row[0])));
                    }
                }
            }
        }
    }
    p
}

static CONFIG_LI: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?s)^<strong>(.*):</strong> <code>(.*)</code>$"));

/// Every runbook page has the template's headings and nothing else: no
/// quote, rule or extra code block, one `<li>` per source list item.
fn check_template(site: &Site) -> Vec<String> {
    let mut p = Vec::new();
    for rb in site.runbooks() {
        let name = rb["wiki_page"].as_str().expect("wiki_page");
        let html = &site.page(name).html;
        let secs = sections(html);
        let h2: Vec<&str> = secs
            .iter()
            .filter(|s| s.0 == 2)
            .map(|s| s.1.as_str())
            .collect();
        let h3: Vec<&str> = secs
            .iter()
            .filter(|s| s.0 == 3)
            .map(|s| s.1.as_str())
            .collect();
        if h2 != H2 {
            p.push(format!("{name}: <h2> headings {h2:?}, expected {H2:?}"));
        }
        if h3 != H3 {
            p.push(format!("{name}: <h3> headings {h3:?}, expected {H3:?}"));
        }
        if let Some(other) = secs.iter().find(|s| s.0 != 2 && s.0 != 3) {
            p.push(format!("{name}: an <h{}> heading {:?}", other.0, other.1));
        }
        for (tag, what) in [
            ("<blockquote", "a block quote"),
            ("<hr", "a thematic break"),
        ] {
            if html.contains(tag) {
                p.push(format!("{name}: the page has {what} ({tag})"));
            }
        }
        let pres = count(html, "<pre");
        if pres != 1 {
            p.push(format!(
                "{name}: {pres} <pre> blocks, expected only the plain-text export"
            ));
        }
        let title = fold(rb["title"].as_str().expect("title"));
        match secs.last() {
            Some((3, head, body)) if head == "Plain-text export" => {
                let export = PRE.find(body).map(|m| text(m.as_str())).unwrap_or_default();
                if !export.starts_with(&format!("{title} runbook\n")) {
                    p.push(format!(
                        "{name}: the plain-text export does not start with the title: {:?}",
                        export.lines().next()
                    ));
                }
                for f in rb["config"].as_array().expect("config") {
                    let line = format!(
                        "- {}: {}",
                        fold(f["field"].as_str().expect("field")),
                        fold(f["value"].as_str().expect("value"))
                    );
                    if !export.lines().any(|l| l == line) {
                        p.push(format!(
                            "{name}: the plain-text export lacks the line {line:?}"
                        ));
                    }
                }
            }
            _ => p.push(format!(
                "{name}: the page does not end with the plain-text export section"
            )),
        }

        let lists: [(&str, Vec<String>); 7] = [
            ("Official documentation", strings(&rb["docs"])),
            (
                "Configuration fields",
                rb["config"]
                    .as_array()
                    .expect("config")
                    .iter()
                    .map(|f| f["field"].to_string())
                    .collect(),
            ),
            (
                "Not supported in this product",
                strings(&rb["not_supported"]),
            ),
            ("Prerequisites", strings(&rb["prerequisites"])),
            ("Setup steps", strings(&rb["setup"])),
            ("GT extensions and caveats", strings(&rb["caveats"])),
            ("Validation checklist", strings(&rb["checklist"])),
        ];
        // And the **Probe** list: a line per route a probe ran for.
        let probed = (rb["routes"].as_array().expect("routes").iter())
            .filter(|r| r["tested"].is_object())
            .count();
        let want_total: usize = lists.iter().map(|l| l.1.len()).sum::<usize>() + probed;
        let total = count(html, "<li>") + count(html, "<li ");
        if total != want_total {
            p.push(format!(
                "{name}: {total} <li> items, the source has {want_total} list items"
            ));
        }
        for (head, items) in &lists {
            let Some((_, _, body)) = secs.iter().find(|s| s.1 == *head) else {
                continue;
            };
            let lis: Vec<String> = LI.captures_iter(body).map(|c| c[1].to_string()).collect();
            if lis.len() != items.len() {
                p.push(format!(
                    "{name}: {head}: {} <li>, the source {} items",
                    lis.len(),
                    items.len()
                ));
            }
            match *head {
                "Setup steps" if !items.is_empty() && !body.trim_start().starts_with("<ol>") => {
                    p.push(format!("{name}: the setup steps are not a numbered list"));
                }
                "Not supported in this product"
                    if items.is_empty() && !text(body).contains("None documented") =>
                {
                    p.push(format!(
                        "{name}: an empty Not supported section does not say so"
                    ));
                }
                "Official documentation" => {
                    for (li, url) in lis.iter().zip(items) {
                        if text(li) != *url {
                            p.push(format!(
                                "{name}: documentation item shows {:?}, the URL is {url:?}",
                                text(li)
                            ));
                        }
                    }
                }
                "Configuration fields" => {
                    for (li, f) in lis.iter().zip(rb["config"].as_array().expect("config")) {
                        let value = fold(f["value"].as_str().expect("value"));
                        let field = fold(f["field"].as_str().expect("field"));
                        let shape = CONFIG_LI.captures(li).filter(|c| {
                            !c[1].contains("</strong>")
                                && text(&c[2]) == value
                                && plain_text_of(&field).is_none_or(|want| text(&c[1]) == want)
                        });
                        if shape.is_none() {
                            p.push(format!(
                                "{name}: configuration field {field:?} renders as {li:?}, \
                                 not `<strong>field:</strong> <code>value</code>` with both verbatim"
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    p
}

/// Tags cmark-gfm makes of the Markdown gtdocs writes; anything else came
/// from source text.
const ALLOWED_TAGS: [&str; 17] = [
    "h2", "h3", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
    "strong", "em", "a",
];

/// No raw HTML, comment or unsafe link survives into a rendered page.
fn check_no_raw_html(site: &Site) -> Vec<String> {
    let mut p = Vec::new();
    let js = re(r#"(?i)(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):"#);
    for (name, page) in &site.pages {
        let html = &page.html;
        for bad in ["<script", "<img", "<!--", "<div", "<iframe"] {
            if html.to_ascii_lowercase().contains(bad) {
                p.push(format!(
                    "{name}: raw HTML `{bad}` survives: {}",
                    context(html, bad)
                ));
            }
        }
        if let Some(m) = js.find(html) {
            p.push(format!(
                "{name}: an unsafe link survives: {}",
                context(html, m.as_str())
            ));
        }
        for t in TAG.captures_iter(html) {
            let (tag, attrs) = (&t[2], t[3].trim());
            let ok = ALLOWED_TAGS.contains(&tag)
                && match (tag, &t[1]) {
                    (_, "/") => attrs.is_empty(),
                    ("a", _) => re(r#"^href="[^"]*"$"#).is_match(attrs),
                    ("th" | "td", _) => {
                        attrs.is_empty() || re(r#"^align="(left|center|right)"$"#).is_match(attrs)
                    }
                    ("code", _) => attrs.is_empty() || attrs == r#"class="language-text""#,
                    ("ol", _) => attrs.is_empty() || re(r#"^start="\d+"$"#).is_match(attrs),
                    _ => attrs.is_empty(),
                };
            if !ok {
                p.push(format!(
                    "{name}: tag `{}` does not come from gtdocs' own Markdown",
                    &t[0]
                ));
            }
        }
    }
    p
}

fn context(html: &str, needle: &str) -> String {
    let at = html
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
        .unwrap_or(0);
    let mut start = at.saturating_sub(60);
    while !html.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + needle.len() + 60).min(html.len());
    while !html.is_char_boundary(end) {
        end += 1;
    }
    format!("…{}…", &html[start..end])
}

/// What a source text should read on the page: the text itself (folded onto
/// one line), when it holds no Markdown a reader would not see: emphasis,
/// code spans, entities or backslash escapes. `None` when it does.
fn plain_text_of(source: &str) -> Option<String> {
    let escapes = source
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && w[1].is_ascii_punctuation());
    let markup = escapes || source.contains(['*', '_', '&']) || source.matches('`').count() >= 2;
    (!markup).then(|| fold(source))
}

/// Every wiki link names a page of the build, and every runbook is linked
/// from the index, the sidebar and both matrix tables under its title.
fn check_links(site: &Site) -> Vec<String> {
    let mut p = Vec::new();
    let scheme = re(r"^[A-Za-z][A-Za-z0-9+.-]*:");
    for (name, page) in &site.pages {
        for a in ANCHOR.captures_iter(&page.html) {
            let href = &a[1];
            if let Some(s) = scheme.find(href) {
                if !["http:", "https:", "mailto:"]
                    .contains(&s.as_str().to_ascii_lowercase().as_str())
                {
                    p.push(format!("{name}: link to {href:?}"));
                }
            } else if !href.contains('#') && !site.pages.contains_key(href) {
                p.push(format!(
                    "{name}: link to {href:?}, which is not a page of the wiki ({href}.md)"
                ));
            }
        }
        let anchors = ANCHOR.find_iter(&page.html).count();
        let opened = count(&page.html, "<a ");
        if anchors != opened {
            p.push(format!(
                "{name}: {opened} <a> tags, {anchors} of them plain wiki/https links"
            ));
        }
    }
    let (index, matrix) = site.index_and_matrix();
    for page in [index.as_str(), "_Sidebar", "Home", matrix.as_str()] {
        if !site.pages.contains_key(page) {
            p.push(format!("no page {page}.md"));
        }
    }
    let (i, m) = (index.as_str(), matrix.as_str());
    for (from, to) in [
        ("Home", i),
        ("Home", m),
        ("_Sidebar", i),
        ("_Sidebar", m),
        (i, m),
        (m, i),
    ] {
        if !site.page(from).html.contains(&format!("<a href=\"{to}\">")) {
            p.push(format!("{from} does not link {to}"));
        }
    }
    for rb in site.runbooks() {
        let target = rb["wiki_page"].as_str().expect("wiki_page");
        let title = rb["title"].as_str().expect("title");
        for (page, times) in [(index.as_str(), 1), ("_Sidebar", 1), (matrix.as_str(), 2)] {
            let links: Vec<String> = ANCHOR
                .captures_iter(&site.page(page).html)
                .filter(|a| &a[1] == target)
                .map(|a| text(&a[2]))
                .collect();
            if links.len() != times {
                p.push(format!(
                    "{page}: {} links to {target}, expected {times}",
                    links.len()
                ));
            }
            if let Some(want) = plain_text_of(title) {
                for shown in links.iter().filter(|t| **t != want) {
                    p.push(format!(
                        "{page}: the link to {target} reads {shown:?}, not the title {want:?}"
                    ));
                }
            }
        }
    }
    p
}

/// Texts of the hostile fixture a reader must see verbatim, page by page
/// (outside the plain-text export, which shows every text raw anyway).
const HOSTILE_TEXT: [(&str, &[&str]); 6] = [
    (
        "Hostile-Html-And-Links",
        &[
            "<script>alert(1)</script> then \"><img src=x onerror=alert(1)> then [click](javascript:alert(1)) and ![x](javascript:alert(1)) and <javascript:alert(1)> <kept>",
            "> a quote at the start <!-- comment --> [a]: javascript:alert(1) # a heading on line three <div onclick=\"alert(1)\">div</div>",
            "[a]: javascript:alert(1):",
            "<!-- comment -->:",
            "![x](javascript:alert(1)):",
            "\"><img src=x onerror=alert(1)>",
            "<script>alert(1)</script> EOT-models",
            "![x](javascript:alert(1)) <javascript:alert(1)> <!-- comment --> EOT-embeddings",
            "[a]: javascript:alert(1) <entity> EOT-files",
            "# heading in a list item",
            "<!-- comment in a list item -->",
            "[click](javascript:alert(1)) at the start",
            "# heading step",
            "> quote step",
            "- dash step",
            "1. numbered step",
            "```text",
            "<script> already an entity",
            "# first line is a hash second line <script>alert('multi')</script>",
            "Guided <script>alert('compat')</script> setup",
        ],
    ),
    (
        "Hostile-Pipes-And-Ticks",
        &[
            "# Not a heading: the intro is a literal block with a second line | piped,",
            "FIELD | with pipe|code:",
            "ENV ` unbalanced:",
            "<img src=x onerror=alert(4)>",
            "Trailing backslash \\:",
            "<script>alert('field')</script>:",
            "<script>alert('value')</script> | `x`",
            "a | b | c — three pipes, x|y in code and | already escaped EOT-models",
            "multi-line note | piped # second line starts with a hash ``` third opens a fence EOT-embeddings",
            "| starts with a pipe | and has more | pipes",
            "| --- | --- | looks like a delimiter row",
            "1. already numbered | step",
            "*** a thematic break at the start",
            "--- a dash break at the start",
            "- a dash list marker at the start | pipe",
            "+ a plus marker",
            "Recommended preset: <img src=x onerror=alert(3)> preset with double `tick` .",
        ],
    ),
    (
        "Hostile-Compatibility-Matrix",
        &[
            "Pipes | and ` ticks \\ · <img src=x onerror=alert(5)> sub | title a|b",
            "HTML <b>and</b> links [x](javascript:alert(1)) · <script>alert('subtitle')</script>",
            "<!-- comment --> persistence",
            // A code span keeps its backslash in a cell as it does in a list.
            "chat | cell x|y | escaped and p\\|q code with a backslash-pipe",
            "chat <img src=x onerror=alert(1)> and code | pipe",
            "<script>alert('verdict')</script> none",
        ],
    ),
    (
        "Hostile-Client-Runbooks",
        &[
            "Pipes | and ticks| <script>alert('category')</script>",
            "# HTML & links [x](javascript:alert(1))",
            "Pipes | and ` ticks \\ — Native | OpenAI a|b · preset <img src=x onerror=alert(3)> preset with double `tick`",
        ],
    ),
    (
        "Home",
        &[
            "Hostile <script>alert('site')</script> docs | pipes: Site description with code|pipe, <img src=x onerror=alert(1)> and [x](javascript:alert(1)).",
            "Lists models | with a pipe, a|b in code, <script>alert('route')</script> and | already escaped.",
            "# Chat completions <!-- hidden --> [c](javascript:alert(1))",
            "Poll a file > quoted | piped - listed",
        ],
    ),
    (
        "_Sidebar",
        &[
            "HTML <b>and</b> links [x](javascript:alert(1))",
            "Pipes | and ` ticks \\",
        ],
    ),
];

// ------------------------------------------------------------------- tests

#[test]
fn bundled_tables_keep_their_shape() {
    assert_none("bundled wiki tables", check_tables(bundled()));
}

#[test]
fn reference_tables_keep_their_shape() {
    let Some(site) = reference() else {
        return;
    };
    assert_none("reference wiki tables", check_tables(site));
}

#[test]
fn hostile_tables_keep_their_shape() {
    assert_none("hostile wiki tables", check_tables(hostile()));
}

#[test]
fn bundled_runbook_pages_keep_the_template() {
    assert_none("bundled runbook pages", check_template(bundled()));
}

#[test]
fn reference_runbook_pages_keep_the_template() {
    let Some(site) = reference() else {
        return;
    };
    assert_none("reference runbook pages", check_template(site));
}

#[test]
fn hostile_runbook_pages_keep_the_template() {
    assert_none("hostile runbook pages", check_template(hostile()));
}

#[test]
fn bundled_wiki_links_resolve() {
    assert_none("bundled wiki links", check_links(bundled()));
}

#[test]
fn reference_wiki_links_resolve() {
    let Some(site) = reference() else {
        return;
    };
    assert_none("reference wiki links", check_links(site));
}

#[test]
fn hostile_wiki_links_resolve() {
    assert_none("hostile wiki links", check_links(hostile()));
}

#[test]
fn bundled_pages_hold_no_raw_html() {
    assert_none("bundled wiki HTML", check_no_raw_html(bundled()));
}

#[test]
fn reference_pages_hold_no_raw_html() {
    let Some(site) = reference() else {
        return;
    };
    assert_none("reference wiki HTML", check_no_raw_html(site));
}

#[test]
fn hostile_pages_hold_no_raw_html() {
    assert_none("hostile wiki HTML", check_no_raw_html(hostile()));
}

#[test]
fn hostile_text_shows_as_text() {
    let site = hostile();
    let mut p = Vec::new();
    for (page, fragments) in HOSTILE_TEXT {
        let html = &site.page(page).html;
        // cmark-gfm escapes every `<` of text, so a hostile string kept as
        // text reads `&lt;script&gt;…` in the HTML.
        if page == "Hostile-Html-And-Links"
            && !html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        {
            p.push(format!(
                "{page}: `&lt;script&gt;alert(1)&lt;/script&gt;` is not in the HTML"
            ));
        }
        let body = text(&PRE.replace_all(html, ""));
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        for fragment in fragments {
            if !body.contains(fragment) {
                p.push(format!("{page}: the text {fragment:?} is not shown"));
            }
        }
    }
    assert_none("hostile text", p);
}

/// `site` with one page's Markdown changed by `edit` and rendered again.
fn edited(site: &Site, page: &str, edit: impl Fn(&str) -> String) -> Site {
    let mut site = site.clone();
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join(format!("{page}.md"));
    let md = edit(&site.page(page).md);
    assert_ne!(md, site.page(page).md, "the edit changed nothing");
    std::fs::write(&path, &md).expect("write");
    let html = render(&common::tool("GTDOCS_CMARK_GFM", "cmark-gfm"), &path, page);
    site.pages.insert(page.to_string(), Page { md, html });
    site
}

/// Negative controls: each check reports a page broken the way it guards
/// against (so a passing check means something).
#[test]
fn the_checks_catch_broken_pages() {
    let site = bundled();
    let page = site.runbooks()[0]["wiki_page"]
        .as_str()
        .expect("wiki_page")
        .to_string();
    let route = site.routes()[0].to_string();
    let (_, matrix) = site.index_and_matrix();
    // An unescaped pipe in a cell: cmark-gfm drops the extra cell silently.
    let extra_cell = edited(site, &page, |md| {
        md.lines()
            .map(|l| {
                if l.starts_with(&format!("| `{route}` |")) {
                    format!("{} stray | cell |", l.trim_end_matches('|'))
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert!(
        !check_tables(&extra_cell).is_empty(),
        "an extra cell went unseen"
    );
    let short_row = edited(site, &matrix, |md| {
        md.replacen(" | Developer tooling |", " |", 1)
    });
    assert!(
        !check_tables(&short_row).is_empty(),
        "a short matrix row went unseen"
    );
    let script = edited(site, &page, |md| {
        md.replacen(
            "## Why this matters",
            "## Why this matters\n\n<script>x</script>",
            1,
        )
    });
    assert!(
        !check_no_raw_html(&script).is_empty(),
        "a <script> went unseen"
    );
    let js = edited(site, &page, |md| {
        md.replacen(
            "## Why this matters",
            "[x](javascript:alert(1))\n\n## Why this matters",
            1,
        )
    });
    assert!(
        !check_links(&js).is_empty(),
        "a javascript: link went unseen"
    );
    let quote = edited(site, &page, |md| {
        md.replacen("### Prerequisites", "> ### Prerequisites", 1)
    });
    assert!(
        !check_template(&quote).is_empty(),
        "a block quote went unseen"
    );
    let dead = edited(site, "_Sidebar", |md| {
        format!("{md}\n- [Gone](No-Such-Page)\n")
    });
    assert!(
        !check_links(&dead).is_empty(),
        "a dead wiki link went unseen"
    );
    let item = edited(site, &page, |md| {
        md.replacen(
            "### Validation checklist\n\n",
            "### Validation checklist\n\n- extra\n",
            1,
        )
    });
    assert!(
        !check_template(&item).is_empty(),
        "an extra list item went unseen"
    );
}

#[test]
fn the_checks_see_broken_markdown() {
    // The table splitter and the checks must catch what cmark-gfm hides.
    assert_eq!(gfm_cells("| a | b |"), 2);
    assert_eq!(gfm_cells("| `c|d` | e |"), 3);
    assert_eq!(gfm_cells("| a \\| b | c |"), 2);
    assert_eq!(gfm_cells("| x \\\\| y | z |"), 2);
    assert_eq!(gfm_cells("a | b"), 2);
    let rows = md_tables("| a | b |\n| --- | --- |\n| `c|d` | e |\n\ntext\n");
    assert_eq!(rows, vec![vec![(1, 2), (2, 2), (3, 3)]]);
    let fenced = md_tables("````text\n| a |\n| --- |\n```\n````\n| b |\n| --- |\n");
    assert_eq!(fenced, vec![vec![(6, 1), (7, 1)]]);
    assert_eq!(
        text("<p>a &lt;b&gt; <code>&amp;lt;</code></p>"),
        "a <b> &lt;"
    );
    assert_eq!(plain_last_word("note EOT-files."), Some("EOT-files".into()));
    assert_eq!(plain_last_word("to `/v1/x`"), None);
}

/// `tests/fixtures/markdown-lookalikes`: text that GitHub would read as
/// something else (a task-list checkbox, an image from another host, a wiki
/// link `[[…]]`, a link reference definition) shows as the text it is.
#[test]
fn lookalike_markdown_shows_as_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    common::copy_tree(&common::fixtures().join("markdown-lookalikes"), &root);
    let site = build(&root);
    let cmark = common::tool("GTDOCS_CMARK_GFM", "cmark-gfm");
    let mut p = Vec::new();
    let mut shown = String::new();
    for (name, page) in &site.pages {
        // The wiki also turns `[ ]` items into checkboxes and bare URLs
        // into links: render with those extensions too.
        let tmp_page = tmp.path().join(format!("{name}.md"));
        std::fs::write(&tmp_page, &page.md).expect("write page");
        let r = Command::new(&cmark)
            .args([
                "--extension",
                "table",
                "--extension",
                "tasklist",
                "--unsafe",
            ])
            .arg(&tmp_page)
            .output()
            .expect("run cmark-gfm");
        let html = String::from_utf8(r.stdout).expect("utf-8");
        for tag in ["<img", "<input"] {
            if html.contains(tag) {
                p.push(format!("{name}: cmark-gfm made an `{tag}`:\n{html}"));
            }
        }
        // GitHub's wiki reads `[[…]]` before Markdown (a fenced block is
        // left alone): no two `[` side by side outside one.
        let mut fence = false;
        for (n, line) in page.md.lines().enumerate() {
            if line.starts_with("```") {
                fence = !fence;
            } else if !fence && line.contains("[[") {
                p.push(format!("{name}.md:{}: `[[` unescaped: {line}", n + 1));
            }
        }
        let body = text(&PRE.replace_all(&html, ""));
        shown.push_str(&body.split_whitespace().collect::<Vec<_>>().join(" "));
        shown.push('\n');
    }
    for fragment in [
        "[lead]: https://evil.example/lead \"Lead title\"",
        "[cell]: https://evil.example/cell",
        "[chat]: https://evil.example/chat",
        "[ ] open box",
        "[x] ticked box",
        "[X] step box",
        "[[Other-Page|wiki label]]",
        "[[https://evil.example/wiki.png]]",
        "![](https://evil.example/pixel.png)",
    ] {
        if !shown.contains(fragment) {
            p.push(format!("the text {fragment:?} is not shown"));
        }
    }
    assert_none("lookalike Markdown", p);
}
