//! The HTML site in a real browser: Debian's Chromium driven by
//! playwright-core (`tests/browser/run.mjs`), over the site served on
//! 127.0.0.1. `run.mjs` only observes and writes what it saw to a JSON file;
//! every assertion is here.
//!
//! - search, at base `/`, `/docs/` and `/gt-docs/` (given by `--base-url`):
//!   `/` and Ctrl+K focus the box, a client's name finds its runbook first
//!   with `<mark>`ed excerpts, the arrow keys move the selection and Enter
//!   opens it, a word found in one runbook's caveats finds that runbook, the
//!   route verdict filter lists exactly the runbooks with that verdict (per
//!   json/manifest.json), and the matrix's and the runbook's JSON links open
//!   their JSON;
//! - axe-core (WCAG 2.0/2.1 A and AA) on the home, a runbook, a route page
//!   and open search results, in light and dark, also switched by the toggle;
//! - screenshots, light and dark, 1280 and 375 px wide, to target/screenshots/;
//! - the hostile fixture: no script of its text runs or becomes an element;
//! - layout at 360 and 390 px: no element past the screen's edges (also in
//!   a scroll box), stacked matrix and route table, the search panel's
//!   results in view, no key hints on touch screens, layout shift < 0.05;
//!   at 1280x800 the matrix scrolls with the page, its header sticky;
//! - deep links and words (`links`): `/?route=R&support=S`, a runbook's
//!   `#route-<id>`, a matrix cell's note by keyboard and pointer, a search in
//!   the address surviving a reload, verdicts in words.
//!
//! Every run also fails on a console error, an uncaught exception, a
//! dialog, a failed or 404 request, or any request to a host but 127.0.0.1.
//! Needs scripts/install-test-tools.sh (GTDOCS_BROWSER_TESTS,
//! GTDOCS_CHROMIUM); a missing tool fails, it never passes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::common;
use crate::html_site::{
    Built, assert_none, build_bundled, build_hostile, build_verified, build_with_history,
};

// ------------------------------------------------------------------ running

/// tests/browser with its npm packages installed.
fn browser_tests() -> PathBuf {
    crate::common::browser_tests(&["node_modules/axe-core/axe.min.js"])
}

/// Runs one scenario of run.mjs over `site`, results into `out`; returns
/// the parsed result file.
pub(crate) fn run(site: &Built, scenario: &str, out: &Path, extra: &[(&str, &str)]) -> Value {
    let dir = browser_tests();
    let node = common::tool("GTDOCS_NODE", "node");
    let chromium = common::tool("GTDOCS_CHROMIUM", "chromium");
    assert!(
        chromium.is_file(),
        "GTDOCS_CHROMIUM={} is not a file: run scripts/install-test-tools.sh",
        chromium.display()
    );
    let mut cmd = Command::new(&node);
    cmd.current_dir(&dir)
        .arg(dir.join("run.mjs"))
        .arg("--site")
        .arg(&site.html)
        .args(["--base", &site.base])
        .arg("--out")
        .arg(out)
        .args(["--scenario", scenario])
        .arg("--chromium")
        .arg(&chromium);
    for (k, v) in extra {
        cmd.arg(format!("--{k}")).arg(v);
    }
    let started = Instant::now();
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", node.display()));
    let file = out.join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "run.mjs --scenario {scenario} wrote no {} ({e}; exit {}):\nstdout: {}\nstderr: {}",
            file.display(),
            o.status,
            common::stdout(&o),
            common::stderr(&o)
        )
    });
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    assert!(
        o.status.success() && v["error"].is_null(),
        "run.mjs --scenario {scenario} on {} could not finish (exit {}):\n{}\nstderr: {}",
        site.name,
        o.status,
        v["error"].as_str().unwrap_or(""),
        common::stderr(&o)
    );
    eprintln!(
        "browser: {scenario} on {} in {:.1}s (Chromium {}, playwright-core {})",
        site.name,
        started.elapsed().as_secs_f64(),
        v["chromium"].as_str().unwrap_or("?"),
        v["playwright"].as_str().unwrap_or("?"),
    );
    v
}

use crate::common::strs;

/// What every run must not have seen (see `common::browser_hygiene`), with
/// the 404s a scenario causes on purpose.
fn hygiene(v: &Value, expected_404: &[&str]) -> Vec<String> {
    crate::common::browser_hygiene(v, &|url| expected_404.contains(&url), &|_, _| false)
}

// ------------------------------------------------------------------- search

/// A word of one runbook's caveats that no other text of the site holds (not
/// even as a stem: its first letters are in no other runbook, no route
/// mapping and no catalog text), and that runbook's slug. The longest such
/// word, then the first alphabetically.
fn caveat_word(manifest: &Value) -> (String, String) {
    let runbooks = manifest["runbooks"].as_array().expect("manifest runbooks");
    let mut best: Option<(String, String)> = None;
    for (i, rb) in runbooks.iter().enumerate() {
        let mut elsewhere = manifest["site"].to_string() + &manifest["catalog"].to_string();
        for (j, other) in runbooks.iter().enumerate() {
            if j != i {
                elsewhere.push_str(&other.to_string());
            }
        }
        // Route pages show every runbook's route notes.
        elsewhere.push_str(&rb["routes"].to_string());
        let elsewhere = elsewhere.to_lowercase();
        for caveat in strs(&rb["caveats"]) {
            for token in caveat.split_whitespace() {
                let t = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                if t.len() < 6 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
                    continue;
                }
                let word = t.to_lowercase();
                let stem = &word[..(word.len() - 3).max(4)];
                if elsewhere.contains(stem) {
                    continue;
                }
                let slug = rb["slug"].as_str().expect("slug").to_string();
                let better = match &best {
                    None => true,
                    Some((w, _)) => {
                        (word.len(), std::cmp::Reverse(&word)) > (w.len(), std::cmp::Reverse(w))
                    }
                };
                if better {
                    best = Some((word, slug));
                }
            }
        }
    }
    best.expect("no caveat word is unique to one runbook: the search test needs one")
}

/// Titles of the runbooks whose `route` verdict is `verdict`.
fn titles_with_verdict(manifest: &Value, route: &str, verdict: &str) -> BTreeSet<String> {
    manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .filter(|rb| {
            rb["routes"].as_array().expect("routes").iter().any(|r| {
                r["route"].as_str() == Some(route) && r["verdict"].as_str() == Some(verdict)
            })
        })
        .map(|rb| rb["title"].as_str().expect("title").to_string())
        .collect()
}

/// The addresses of the results a search panel lists, in order.
fn result_hrefs(panel: &Value) -> Vec<&str> {
    panel["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["href"].as_str())
        .collect()
}

/// The number in "N results." (or 1, or 0 for "No results.").
fn status_count(status: &str) -> Option<usize> {
    if status.starts_with("No results") {
        return Some(0);
    }
    status.split_whitespace().next()?.parse().ok()
}

#[test]
fn caveat_word_is_unique_to_one_runbook() {
    let manifest = serde_json::json!({
        "site": {"title": "Docs"},
        "catalog": {"routes": [{"route": "GET /v1/models", "summary": "Lists models"}]},
        "runbooks": [
            {"slug": "a", "routes": [{"integration": "uses uploading"}],
             "caveats": ["Uploads are slow; Mermaid diagrams render, and `quirkiness` too."]},
            {"slug": "b", "routes": [], "caveats": ["Upload limits apply; diagrams too."]},
        ]
    });
    // "uploads" shares its stem with b's "upload", "diagrams" is in b,
    // "quirkiness" is in code but still a word; "mermaid" is shorter.
    assert_eq!(caveat_word(&manifest), ("quirkiness".into(), "a".into()));
    assert_eq!(status_count("10 results Clear filters"), Some(10));
    assert_eq!(status_count("1 result"), Some(1));
    assert_eq!(
        status_count("No results for “x”. Try other words."),
        Some(0)
    );
    assert_eq!(status_count("Searching…"), None);
}

fn search_checks(site: &Built) {
    let out = tempfile::tempdir().expect("tempdir");
    let base = site.base.as_str();
    let (word, word_slug) = caveat_word(&site.manifest);
    let expected = titles_with_verdict(&site.manifest, "POST /v1/embeddings", "not_supported");
    assert!(
        !expected.is_empty(),
        "no runbook has POST /v1/embeddings: not_supported"
    );
    let titles_file = out.path().join("expected-titles.json");
    std::fs::write(
        &titles_file,
        serde_json::to_string(&expected).expect("JSON"),
    )
    .expect("write expected titles");
    let v = run(
        site,
        "search",
        out.path(),
        &[
            ("word", &word),
            ("expect-slug", &word_slug),
            ("expect-titles", titles_file.to_str().expect("utf-8")),
        ],
    );
    let d = &v["data"];
    let origin = v["origin"].as_str().expect("origin");
    let missing = format!("{base}no/such/page/");
    // A JSON document names no icon, so Chromium may ask for the origin's
    // /favicon.ico after following a JSON link (the pages name theirs).
    let mut problems = hygiene(&v, &[&missing, "/favicon.ico"]);
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    // "/" focuses the box.
    check(
        d["activeAfterSlash"] == "search-input",
        format!(
            "pressing / on the home page focuses {}, not #search-input",
            d["activeAfterSlash"]
        ),
    );

    check(
        d["inputValue"] == "librechat",
        format!(
            "after / and typing librechat the box holds {} (the / must not be typed into it)",
            d["inputValue"]
        ),
    );

    // "librechat": LibreChat first, marked excerpt, every result a page.
    let panel = &d["librechat"];
    let results = panel["results"].as_array().cloned().unwrap_or_default();
    check(
        !results.is_empty(),
        format!(
            "typing librechat shows no result (status {})",
            panel["status"]
        ),
    );
    check(
        d["ariaExpanded"] == "true",
        format!(
            "#search-input has aria-expanded={} while results show",
            d["ariaExpanded"]
        ),
    );
    if let Some(first) = results.first() {
        check(
            first["title"] == "LibreChat",
            format!(
                "the first result for librechat is {}, not LibreChat",
                first["title"]
            ),
        );
        let want = format!("{base}runbooks/librechat/");
        check(
            first["href"].as_str() == Some(want.as_str()),
            format!(
                "the first result for librechat links to {}, not {want}",
                first["href"]
            ),
        );
        check(
            strs(&first["marks"])
                .iter()
                .any(|m| m.to_lowercase().contains("librechat")),
            format!(
                "the first result's excerpt has no <mark>librechat</mark>: {}",
                first["excerptHtml"]
            ),
        );
    }
    // The JSON links, followed: the manifest from the matrix, the opened
    // runbook's own from its page, both below the base.
    let runbooks = site.manifest["runbooks"].as_array().map_or(0, Vec::len);
    let opened = d["urlAfterEnter"].as_str().unwrap_or("");
    let slug = opened
        .strip_prefix(&format!("{origin}{base}runbooks/"))
        .and_then(|s| s.strip_suffix('/'))
        .unwrap_or("?");
    let followed = d["json"].as_array().cloned().unwrap_or_default();
    check(
        followed.len() == 2,
        format!("{} JSON links followed, not 2", followed.len()),
    );
    for (j, (file, what)) in followed.iter().zip([
        ("json/manifest.json".to_string(), "runbooks"),
        (format!("json/runbooks/{slug}.json"), "slug"),
    ]) {
        let want = format!("{origin}{base}{file}");
        let shown = || format!("{} from {}: {j}", j["name"], j["from"]);
        check(
            j["links"] == 1 && j["url"].as_str() == Some(want.as_str()) && j["status"] == 200,
            format!("the {} link does not open {want}", shown()),
        );
        check(
            j["contentType"]
                .as_str()
                .is_some_and(|t| t.starts_with("application/json")),
            format!("the {} link is not served as JSON", shown()),
        );
        let body_ok = match what {
            "runbooks" => j["runbooks"].as_u64() == Some(runbooks as u64),
            _ => j["slug"].as_str() == Some(slug),
        };
        check(body_ok, format!("the {} link opens other JSON", shown()));
    }

    for (i, r) in results.iter().enumerate() {
        let href = r["href"].as_str().unwrap_or("");
        check(
            r["role"] == "option",
            format!("result {i} ({href}) has role {}, not option", r["role"]),
        );
        let file = href
            .strip_prefix(base)
            .map(|rel| site.html.join(format!("{rel}index.html")));
        check(
            href.ends_with('/') && file.as_ref().is_some_and(|f| f.is_file()),
            format!(
                "result {i} {} links to {href:?}, which is not a page below {base}",
                r["title"]
            ),
        );
        check(
            strs(&r["foreignElements"]).is_empty(),
            format!(
                "result {i}'s excerpt holds elements other than <mark>: {}",
                r["excerptHtml"]
            ),
        );
    }
    let many = d["many"]["results"].as_array().map_or(0, Vec::len);
    check(
        many >= 2,
        format!(
            "embeddings should find several pages to move through, found {many}: {}",
            d["many"]
        ),
    );

    // Arrow keys and Enter.
    check(
        d["selectedBefore"] == 0,
        format!(
            "the first result is not selected at first ({})",
            d["selectedBefore"]
        ),
    );
    check(
        d["selectedAfterDown"] == 1,
        format!("ArrowDown selects result {}, not 1", d["selectedAfterDown"]),
    );
    check(
        d["activeDescendantAfterDown"] == "search-result-1",
        format!(
            "after ArrowDown, aria-activedescendant is {}, not search-result-1",
            d["activeDescendantAfterDown"]
        ),
    );
    check(
        d["selectedAfterUp"] == 0,
        format!("ArrowUp selects result {}, not 0", d["selectedAfterUp"]),
    );
    let expected_url = d["expectedUrlAfterEnter"].as_str().unwrap_or("");
    check(
        d["selectedBeforeEnter"] == 1 && expected_url.starts_with(&format!("{origin}{base}")),
        format!(
            "before Enter, result {} is selected, linking to {expected_url:?}",
            d["selectedBeforeEnter"]
        ),
    );
    check(
        d["urlAfterEnter"].as_str() == Some(expected_url),
        format!(
            "Enter opened {}, not the selected result {expected_url:?}",
            d["urlAfterEnter"]
        ),
    );

    // Ctrl+K on that other page.
    check(
        d["activeBeforeCtrlK"] != "search-input" && d["activeAfterCtrlK"] == "search-input",
        format!(
            "Ctrl+K on {expected_url} focuses {} (before: {}), not #search-input",
            d["activeAfterCtrlK"], d["activeBeforeCtrlK"]
        ),
    );

    // A caveat word finds its runbook first.
    let word_results = d["word"]["panel"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let want = format!("{base}runbooks/{word_slug}/");
    check(
        word_results.first().and_then(|r| r["href"].as_str()) == Some(want.as_str()),
        format!(
            "searching {word:?} (only in the caveats of {word_slug}) finds first {}, not {want}; status {}",
            word_results.first().map_or(&Value::Null, |r| &r["href"]),
            d["word"]["panel"]["status"]
        ),
    );

    // Filters, and the route verdict filter alone.
    let filters: BTreeMap<&str, Vec<&str>> = d["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["name"].as_str().unwrap_or("?"), strs(&f["values"])))
        .collect();
    for name in ["Category", "Compatibility", "Key preset", "Route verdict"] {
        check(
            filters.contains_key(name),
            format!(
                "the search panel has no `{name}` filter (has {:?})",
                filters.keys()
            ),
        );
    }
    // The route verdict filter's values keep the ids; its options read as
    // words (the catalog's labels, "Unknown").
    let mut words: BTreeMap<String, String> = site.manifest["catalog"]["verdicts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or("?").to_owned(),
                v["label"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    words.insert("unknown".into(), "Unknown".into());
    for f in d["filters"].as_array().into_iter().flatten() {
        if f["name"] != "Route verdict" {
            continue;
        }
        let options = strs(&f["values"]).into_iter().zip(strs(&f["texts"]));
        let mut verdicts = 0;
        for (value, text) in options.skip(1) {
            verdicts += 1;
            let id = value.rsplit_once(": ").map_or("?", |(_, id)| id);
            check(
                words.get(id).map(String::as_str) == Some(text),
                format!("the route verdict option {value:?} reads {text:?}"),
            );
        }
        check(
            verdicts > 0,
            "the route verdict filter has no option".into(),
        );
    }
    check(
        d["filterPresent"] == true,
        "no select[data-filter=\"Route verdict\"] in .search-filters".into(),
    );
    let panel = &d["filter"]["panel"];
    let shown: Vec<&str> = panel["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["title"].as_str())
        .collect();
    let shown_set: BTreeSet<String> = shown.iter().map(|s| s.to_string()).collect();
    let status = panel["status"].as_str().unwrap_or("");
    check(
        shown_set == expected && shown.len() == expected.len(),
        format!(
            "the filter `POST /v1/embeddings: not_supported` shows {} result(s), status {status:?}:\n      \
             missing {:?}\n      unexpected {:?}",
            shown.len(),
            expected.difference(&shown_set).collect::<Vec<_>>(),
            shown_set.difference(&expected).collect::<Vec<_>>()
        ),
    );
    check(
        status_count(status) == Some(expected.len()),
        format!(
            "with the filter, the status says {status:?}, but {} runbooks match",
            expected.len()
        ),
    );

    // The 404 page.
    let nf = &d["notFound"];
    check(
        nf["status"] == 404
            && nf["h1"] == "Page not found"
            && nf["styled"] == true
            && nf["searchInput"] == true,
        format!("{missing} should answer the styled 404 page with a search box: {nf}"),
    );

    assert_none(&format!("search on {}", site.name), &problems);
}

#[test]
fn search_at_root_base() {
    search_checks(&build_bundled("/"));
}

#[test]
fn search_under_docs_base() {
    search_checks(&build_bundled("/docs/"));
}

/// The site as a CI job deploys it (`--base-url /gt-docs/ --site-url`),
/// `site/html` alone served under `/gt-docs/`.
#[test]
fn search_under_the_deployed_base() {
    search_checks(&crate::html_site::build_deployed());
}

/// A large site's index comes in parts (here 8 pages each: 32 pages, 4
/// parts); the browser merges them into one search, filters included.
#[test]
fn search_across_index_parts() {
    let site = crate::html_site::build_bundled_in_parts("/docs/", 8);
    let parts: Vec<String> = (2..=4)
        .map(|k| format!("pagefind/part-{k}/pagefind-entry.json"))
        .collect();
    for part in &parts {
        assert!(site.html.join(part).is_file(), "the build wrote no {part}");
    }
    assert!(
        !site.html.join("pagefind/part-5").exists(),
        "32 pages make 4 parts"
    );
    let home = std::fs::read_to_string(site.html.join("index.html")).expect("home");
    assert!(
        home.contains(r#"data-pagefind-parts="part-2/ part-3/ part-4/""#),
        "the pages name the parts to merge"
    );
    search_checks(&site);
}

/// Results whose page data the search box fetches at once (app.js `PAGE`).
const SEARCH_PAGE: usize = 10;

/// What the search box fetches on a site whose index comes in parts (8
/// pages each: 32 pages, 4 parts): the parts merged all at once, no filter
/// chunk before the filters are wanted (and so none before the first
/// result), one page of result data for a word on many pages, "Show more"
/// listing the rest, and a page of the last part found.
#[test]
fn search_across_index_parts_fetches_only_what_it_shows() {
    let site = crate::html_site::build_bundled_in_parts("/docs/", 8);
    let out = tempfile::tempdir().expect("tempdir");
    let runbooks = site.manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .len();
    let routes = site.manifest["catalog"]["routes"]
        .as_array()
        .expect("routes");
    assert_eq!(
        (runbooks + routes.len()).div_ceil(8),
        4,
        "32 pages make 4 parts"
    );
    // The last route's page is the last page indexed: in the last part.
    let last = routes.last().expect("a route");
    let last_url = format!("{}routes/{}/", site.base, last["id"].as_str().expect("id"));
    let last_word = last["route"]
        .as_str()
        .expect("route")
        .split(|c: char| !c.is_ascii_alphabetic())
        .max_by_key(|w| w.len())
        .expect("a word")
        .to_lowercase();
    let plan = out.path().join("plan.json");
    std::fs::write(
        &plan,
        serde_json::json!({"common": "embeddings", "lastWord": last_word}).to_string(),
    )
    .expect("write plan");
    let v = run(
        &site,
        "search-parts",
        out.path(),
        &[("plan", plan.to_str().expect("utf-8"))],
    );
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let requests = d["requests"].as_array().cloned().unwrap_or_default();
    let url = |r: &Value| r["url"].as_str().unwrap_or("").to_string();
    let time = |r: &Value, k: &str| r[k].as_f64().unwrap_or(f64::INFINITY);

    // No filter chunk before the first result, nor after it until the
    // pointer comes to the filters; then their values fill.
    let first = d["firstResultAt"].as_f64();
    check(first.is_some(), "no result ever showed".into());
    let first = first.unwrap_or(f64::INFINITY);
    let early: Vec<String> = requests
        .iter()
        .filter(|r| url(r).contains("/filter/") && time(r, "t") < first)
        .map(url)
        .collect();
    check(
        early.is_empty(),
        format!("filter chunks fetched before the first result: {early:?}"),
    );
    check(
        strs(&d["filterRequestsBeforeHover"]).is_empty(),
        format!(
            "filter chunks fetched before the filters were wanted: {}",
            d["filterRequestsBeforeHover"]
        ),
    );
    check(
        d["filterOptionsBeforeHover"]
            .as_array()
            .is_some_and(|o| o.iter().all(|n| n.as_u64() == Some(1))),
        format!(
            "the filters had values before they were wanted: {}",
            d["filterOptionsBeforeHover"]
        ),
    );
    check(
        d["filterOptions"]
            .as_array()
            .is_some_and(|o| o.iter().any(|n| n.as_u64().unwrap_or(0) > 1)),
        format!(
            "the filters got no values when the pointer came to them: {}",
            d["filterOptions"]
        ),
    );

    // The parts merged all at once: every part's entry asked for before
    // any part's metadata was answered (one after another, part k+1's
    // entry comes only once part k's metadata is in).
    let entries: Vec<&Value> = requests
        .iter()
        .filter(|r| url(r).contains("/part-") && url(r).contains("/pagefind-entry.json"))
        .collect();
    let metas: Vec<&Value> = requests
        .iter()
        .filter(|r| url(r).contains("/part-") && url(r).contains(".pf_meta"))
        .collect();
    check(
        entries.len() == 3 && metas.len() == 3,
        format!(
            "{} part entries and {} part metadata fetched, not 3 each",
            entries.len(),
            metas.len()
        ),
    );
    let last_entry = entries
        .iter()
        .map(|r| time(r, "t"))
        .fold(f64::MIN, f64::max);
    let first_meta = metas
        .iter()
        .map(|r| time(r, "done"))
        .fold(f64::INFINITY, f64::min);
    check(
        last_entry < first_meta,
        format!(
            "the parts were merged one after another: the last part entry came {:.1} ms after \
             the first part metadata was answered",
            last_entry - first_meta
        ),
    );

    // A word on many pages: one page of results listed, its data alone
    // fetched; "Show more" lists the rest.
    let common = &d["common"];
    let status = common["status"].as_str().unwrap_or("");
    let count = status_count(status).unwrap_or(0);
    check(
        count > SEARCH_PAGE,
        format!("`embeddings` must find more than {SEARCH_PAGE} pages for this test: {status:?}"),
    );
    let listed = common["results"].as_array().map_or(0, Vec::len);
    check(
        listed == SEARCH_PAGE.min(count),
        format!("the first search lists {listed} results, not {SEARCH_PAGE} of {count}"),
    );
    let typed = d["typedFrom"].as_u64().unwrap_or(0) as usize;
    let fragments = requests
        .iter()
        .skip(typed)
        .filter(|r| url(r).contains("/fragment/"))
        .count();
    check(
        fragments <= SEARCH_PAGE,
        format!(
            "a word on {count} pages fetched {fragments} result fragments, more than one page ({SEARCH_PAGE})"
        ),
    );
    check(
        d["moreShown"] == true,
        format!(
            "no \"Show more\" under {listed} of {count} results: {}",
            d["moreText"]
        ),
    );
    let all = &d["commonAll"]["panel"];
    let hrefs: BTreeSet<&str> = result_hrefs(all).into_iter().collect();
    check(
        hrefs.len() == count && all["results"].as_array().map_or(0, Vec::len) == count,
        format!(
            "after \"Show more\", {} results listed ({} distinct), the status says {count}",
            all["results"].as_array().map_or(0, Vec::len),
            hrefs.len()
        ),
    );

    // A page of the last part is found.
    let found = &d["lastAll"]["panel"];
    let found_hrefs = result_hrefs(found);
    check(
        found_hrefs.contains(&last_url.as_str())
            && status_count(found["status"].as_str().unwrap_or("")) == Some(found_hrefs.len()),
        format!(
            "searching {last_word:?} lists {found_hrefs:?} (status {}), without {last_url} (the last part)",
            found["status"]
        ),
    );
    assert_none(&format!("search in parts on {}", site.name), &problems);
}

// ---------------------------------------------------------------------- axe

#[test]
fn axe_finds_no_wcag_violations_in_light_and_dark() {
    let site = build_bundled("/");
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(&site, "axe", out.path(), &[]);
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let runs = d["runs"].as_array().cloned().unwrap_or_default();
    // 4 pages x 2 schemes, and 2 pages x 2 toggles.
    if runs.len() != 12 {
        problems.push(format!("axe ran {} times, expected 12", runs.len()));
    }
    // One entry per rule: its elements, what axe says, and every page
    // state it fails in.
    #[derive(Default)]
    struct Found {
        summaries: BTreeSet<String>,
        targets: BTreeSet<String>,
        places: BTreeSet<String>,
    }
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for r in &runs {
        let place = format!(
            "{} ({}, {})",
            r["page"].as_str().unwrap_or("?"),
            r["theme"].as_str().unwrap_or("?"),
            r["how"].as_str().unwrap_or("?")
        );
        if r["passes"].as_u64().unwrap_or(0) == 0 {
            problems.push(format!(
                "axe passed no rule at all on {place}: it did not run"
            ));
        }
        for viol in r["violations"].as_array().into_iter().flatten() {
            let rule = format!(
                "{} [{}] {} ({})",
                viol["id"].as_str().unwrap_or("?"),
                viol["impact"].as_str().unwrap_or("?"),
                viol["help"].as_str().unwrap_or("?"),
                viol["helpUrl"].as_str().unwrap_or("")
            );
            let entry = found.entry(rule).or_default();
            entry.places.insert(place.clone());
            for n in viol["nodes"].as_array().into_iter().flatten() {
                entry.targets.insert(strs(&n["target"]).join(" "));
                let summary = n["summary"]
                    .as_str()
                    .unwrap_or("")
                    .replace("Fix any of the following:", "")
                    .replace("Fix all of the following:", "")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                entry.summaries.insert(summary);
            }
        }
    }
    for (rule, f) in &found {
        let mut targets: Vec<&str> = f.targets.iter().map(String::as_str).take(6).collect();
        if f.targets.len() > 6 {
            targets.push("…");
        }
        let summaries: Vec<&str> = f.summaries.iter().map(String::as_str).take(3).collect();
        problems.push(format!(
            "{rule}\n      {} element(s): {}\n      {}\n      on: {}",
            f.targets.len(),
            targets.join(", "),
            summaries.join("\n      "),
            f.places.iter().cloned().collect::<Vec<_>>().join("; ")
        ));
    }

    // The toggle switches against the system scheme, saves, and persists.
    let toggles = d["toggles"].as_array().cloned().unwrap_or_default();
    if toggles.len() != 2 {
        problems.push(format!("{} toggle runs, expected 2", toggles.len()));
    }
    for t in &toggles {
        let wanted = t["wanted"].as_str().unwrap_or("?");
        let system = t["system"].as_str().unwrap_or("?");
        let ok = t["before"]["dataTheme"].is_null()
            && t["after"]["dataTheme"] == wanted
            && t["after"]["stored"] == wanted
            && t["persisted"]["dataTheme"] == wanted
            && t["after"]["bodyBackground"] != t["before"]["bodyBackground"]
            && t["persisted"]["bodyBackground"] == t["after"]["bodyBackground"];
        if !ok {
            problems.push(format!(
                "button.theme-toggle with a {system} system should give html[data-theme={wanted}], \
                 localStorage gtdocs-theme={wanted}, a new background, kept on the next page: {t}"
            ));
        }
        if t["labelBefore"] == t["labelAfter"] {
            problems.push(format!(
                "the theme toggle's aria-label does not change when clicked ({})",
                t["labelBefore"]
            ));
        }
    }
    eprintln!(
        "axe-core {}: {} page states checked",
        d["axeVersion"].as_str().unwrap_or("?"),
        runs.len()
    );
    assert_none(
        "axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa) on the bundled site",
        &problems,
    );
}

// -------------------------------------------------------------- screenshots

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

#[test]
fn screenshots_light_and_dark_at_desktop_and_phone_width() {
    let site = build_bundled("/");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("mkdir target/screenshots");
    let mut names = Vec::new();
    for page in ["home", "librechat"] {
        for theme in ["light", "dark"] {
            for width in [1280u32, 375] {
                let name = format!("{page}-{theme}-{width}.png");
                // A stale file must not pass for a new one.
                let _ = std::fs::remove_file(dir.join(&name));
                names.push((name, page, theme, width));
            }
        }
    }
    let v = run(&site, "screenshots", &dir, &[]);
    let mut problems = hygiene(&v, &[]);
    let mut bytes_of = BTreeMap::new();
    for (name, _, _, width) in &names {
        let path = dir.join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            problems.push(format!("no screenshot {}", path.display()));
            continue;
        };
        match png_size(&bytes) {
            None => problems.push(format!("{} is not a PNG", path.display())),
            Some((w, h)) => {
                if w < *width || h < 600 || bytes.len() < 20_000 {
                    problems.push(format!(
                        "{} looks empty: {w}x{h} px, {} bytes",
                        path.display(),
                        bytes.len()
                    ));
                }
            }
        }
        bytes_of.insert(name.clone(), bytes);
    }
    for (name, page, _, width) in names.iter().filter(|n| n.2 == "light") {
        let dark = format!("{page}-dark-{width}.png");
        if bytes_of.contains_key(name) && bytes_of.get(name) == bytes_of.get(&dark) {
            problems.push(format!(
                "{name} and {dark} are the same picture: dark mode changes nothing"
            ));
        }
    }
    assert_none("screenshots", &problems);
    eprintln!("screenshots: {}", dir.display());
}

// ---------------------------------------------------------------------- xss

#[test]
fn hostile_text_runs_no_script_and_shows_as_text() {
    let site = build_hostile();
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(&site, "xss", out.path(), &[]);
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let pages = d["pages"].as_array().cloned().unwrap_or_default();
    let paths: BTreeSet<&str> = pages.iter().filter_map(|p| p["path"].as_str()).collect();
    for needed in [
        "",
        "runbooks/",
        "routes/",
        "runbooks/html-and-links/",
        "runbooks/pipes-and-ticks/",
        "404.html",
    ] {
        if !paths.contains(needed) {
            problems.push(format!(
                "the hostile site's page {needed:?} was not visited"
            ));
        }
    }
    let own_scripts = [
        format!("{}static/theme.js", site.base),
        format!("{}static/app.js", site.base),
    ];
    // Text that must be on the page as text (and so not as an element).
    let texts: BTreeMap<&str, Vec<&str>> = BTreeMap::from([
        (
            "runbooks/html-and-links/",
            vec![
                "<script>alert(1)</script>",
                "\"><img src=x onerror=alert(1)>",
            ],
        ),
        (
            "runbooks/pipes-and-ticks/",
            vec![
                "<script>alert('field')</script>",
                "<img src=x onerror=alert(4)>",
            ],
        ),
    ]);
    for p in &pages {
        let path = p["path"].as_str().unwrap_or("?");
        let scripts = strs(&p["scripts"]);
        if scripts.is_empty() || scripts.iter().any(|s| !own_scripts.iter().any(|o| o == s)) {
            problems.push(format!(
                "{path}: scripts {scripts:?}, expected only {own_scripts:?}"
            ));
        }
        for (what, key) in [
            ("elements with an on* attribute", "onAttrs"),
            ("javascript:/vbscript:/data:text/html URLs", "jsUrls"),
            (
                "iframe/object/embed/base/form[action]/refresh elements",
                "embeds",
            ),
            ("images", "images"),
            ("alert/confirm/prompt/print calls", "xss"),
        ] {
            let found = p[key].as_array().cloned().unwrap_or_default();
            if !found.is_empty() {
                problems.push(format!("{path}: {what}: {found:?}"));
            }
        }
        if p["javascriptLinks"] != 0 {
            problems.push(format!(
                "{path}: {} a[href^=\"javascript:\"]",
                p["javascriptLinks"]
            ));
        }
        let text = p["text"].as_str().unwrap_or("");
        let mut want = vec!["<script>alert('site')</script>"];
        want.extend(texts.get(path).into_iter().flatten());
        for t in want {
            if !text.contains(t) {
                problems.push(format!("{path}: the text {t:?} is not shown as text"));
            }
        }
    }
    let search = &d["search"];
    let results = search["panel"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if results.is_empty() {
        problems.push(format!(
            "searching `alert` on the hostile site finds nothing: {}",
            search["panel"]["status"]
        ));
    }
    for r in &results {
        if !strs(&r["foreignElements"]).is_empty() {
            problems.push(format!(
                "a search excerpt holds elements other than <mark>: {}",
                r["excerptHtml"]
            ));
        }
    }
    if !strs(&search["xss"]).is_empty() {
        problems.push(format!("searching ran {}", search["xss"]));
    }
    assert_none("the hostile fixture in a browser", &problems);
}

// ------------------------------------------------------------------- layout

/// Phones, 360 and 390 px wide, light and dark: nothing on the home page, a
/// runbook page, a route page or the open search panel (its filters folded
/// and unfolded) reaches past the screen's edges, not even inside a scroll
/// box; the matrix and the route table are stacked (each matrix cell names
/// its route); the search panel's first result is in view; loading shifts
/// the layout by less than 0.05. A touch screen shows no keyboard hint, a
/// mouse does. At 1280x800 the matrix has no scroll box of its own and its
/// header stays at the top of the window as the page scrolls.
#[test]
fn phones_have_nothing_wider_than_the_screen_and_the_desktop_matrix_scrolls_with_the_page() {
    let site = build_bundled("/");
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(&site, "layout", out.path(), &[]);
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let pages = d["pages"].as_array().cloned().unwrap_or_default();
    let seen: BTreeSet<String> = pages
        .iter()
        .map(|p| format!("{} at {}", p["page"].as_str().unwrap_or("?"), p["width"]))
        .collect();
    for width in [360, 390] {
        for page in [
            "home",
            "runbook librechat",
            "route post-v1-embeddings",
            "search panel",
            "search panel, filters unfolded",
        ] {
            if !seen.contains(&format!("{page} at {width}")) {
                problems.push(format!("{page} at {width} px was not measured"));
            }
        }
    }
    for p in &pages {
        let name = p["page"].as_str().unwrap_or("?");
        let width = p["width"].as_u64().unwrap_or(0);
        let place = format!(
            "{name} ({}) at {width} px",
            p["theme"].as_str().unwrap_or("?")
        );
        let culprits: Vec<String> = p["overflowing"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                format!(
                    "{} from {} to {} px: {:?}",
                    o["element"].as_str().unwrap_or("?"),
                    o["left"],
                    o["right"],
                    o["text"].as_str().unwrap_or("")
                )
            })
            .collect();
        if p["overflowCount"] != 0 || p["scrollWidth"].as_u64() != Some(width) {
            problems.push(format!(
                "{place}: scrollWidth {}, {} element(s) past the screen's edges:\n        {}",
                p["scrollWidth"],
                p["overflowCount"],
                culprits.join("\n        ")
            ));
        }
        let cls = p["cls"].as_f64().unwrap_or(-1.0);
        if !(0.0..0.05).contains(&cls) {
            problems.push(format!(
                "{place}: cumulative layout shift {cls:.4} during load + 1 s (max 0.05): {}",
                p["shifts"]
            ));
        }
        let stacked = p["matrixRowDisplay"] != "table-row"
            && p["cells"].as_u64().unwrap_or(0) > 0
            && p["cellRoutesShown"] == p["cells"];
        if name == "home" && !stacked {
            problems.push(format!(
                "{place}: the matrix is not stacked (rows display {}, {} of {} cells name their route)",
                p["matrixRowDisplay"], p["cellRoutesShown"], p["cells"]
            ));
        }
        if name == "runbook librechat" && p["routeRowDisplay"] == "table-row" {
            problems.push(format!("{place}: the route table is not stacked"));
        }
        if name.starts_with("search panel") {
            let unfolded = name.ends_with("unfolded");
            if p["panelOpen"] != true
                || p["results"].as_u64().unwrap_or(0) == 0
                || p["firstResultInView"] != true
            {
                problems.push(format!(
                    "{place}: panel open {}, {} results, the first in view: {}",
                    p["panelOpen"], p["results"], p["firstResultInView"]
                ));
            }
            let filters = p["filtersShown"].as_u64().unwrap_or(0);
            if (filters > 0) != unfolded {
                problems.push(format!(
                    "{place}: {filters} filters shown (folded behind their button until it is pressed)"
                ));
            }
        }
    }

    let hints = d["hints"].as_array().cloned().unwrap_or_default();
    if hints.len() != 2 {
        problems.push(format!("{} keyboard-hint runs, expected 2", hints.len()));
    }
    for h in &hints {
        let touch = h["touch"] == true;
        if touch && h["media"]["hoverNone"] != true && h["media"]["coarse"] != true {
            problems.push(format!(
                "touch emulation matches neither (hover: none) nor (pointer: coarse): {h}"
            ));
        }
        if h["slashHint"] == touch || h["keysLine"] == touch {
            problems.push(format!(
                "{}: the `/` hint shown: {}, the key line shown: {} (want {})",
                if touch { "touch screen" } else { "mouse" },
                h["slashHint"],
                h["keysLine"],
                !touch
            ));
        }
    }

    let desk = &d["desktop"];
    for when in ["atLoad", "scrolled"] {
        let m = &desk[when];
        let inner = m["boxScrollHeight"].as_u64().unwrap_or(u64::MAX)
            > m["boxClientHeight"].as_u64().unwrap_or(0) + 1
            && matches!(m["overflowY"].as_str(), Some("auto" | "scroll"));
        if inner || m["pageScrollWidth"].as_u64() != Some(1280) {
            problems.push(format!(
                "1280x800 ({when}): the matrix scrolls in its own box or the page sideways: {m}"
            ));
        }
    }
    let scrolled = &desk["scrolled"];
    let head = scrolled["headTop"].as_i64().unwrap_or(i64::MIN);
    if scrolled["tableTop"].as_i64().unwrap_or(0) >= 0 || !(0..=1).contains(&head) {
        problems.push(format!(
            "1280x800, page scrolled past the matrix's top: its header is at {head} px, not at the window's top: {scrolled}"
        ));
    }
    if scrolled["rowsInView"].as_u64().unwrap_or(0) < 8 {
        problems.push(format!(
            "1280x800: {} matrix rows in view below its header, want 8 or more",
            scrolled["rowsInView"]
        ));
    }
    assert_none("layout on phones and at 1280x800", &problems);
}

// ------------------------------------------------------------ long matrix

/// 250 runbooks: the home page holds the first 100 rows; a category filter
/// shows every runbook of that category (loaded from matrix.json), "show
/// more" reveals the rest 100 at a time, and sorting by client puts the
/// first of all 250 first.
#[test]
fn a_long_matrix_filters_and_sorts_every_runbook() {
    let site = crate::html_site::build_scaled(250);
    let runbooks = site.manifest["runbooks"]
        .as_array()
        .expect("runbooks")
        .clone();
    // The category with the most runbooks.
    let mut by_category: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for r in &runbooks {
        by_category
            .entry(r["category"]["id"].as_str().expect("category").to_owned())
            .or_default()
            .push(r);
    }
    let (category, members) = by_category
        .iter()
        .max_by_key(|(_, m)| m.len())
        .expect("a category");
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(&site, "matrix", out.path(), &[("category", category)]);
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let visible = |key: &str| d[key]["visible"].as_array().cloned().unwrap_or_default();
    let titles = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .filter_map(|r| r["title"].as_str().map(str::to_owned))
            .collect()
    };
    if visible("initial").len() != 100 || d["initial"]["moreHidden"] != false {
        problems.push(format!(
            "at first: {} rows shown (want 100), more hidden: {}",
            visible("initial").len(),
            d["initial"]["moreHidden"]
        ));
    }
    let want: BTreeSet<String> = members
        .iter()
        .filter_map(|r| r["title"].as_str().map(str::to_owned))
        .collect();
    let filtered = visible("filtered");
    let shown = want.len().min(100);
    if filtered.len() != shown || !titles(&filtered).is_subset(&want) {
        problems.push(format!(
            "category {category}: {} rows shown, want {shown} of its {}",
            filtered.len(),
            want.len()
        ));
    }
    if d["filtered"]["count"] != format!("{} clients", want.len()) {
        problems.push(format!(
            "category {category}: the count says {}, want {} clients",
            d["filtered"]["count"],
            want.len()
        ));
    }
    if filtered
        .iter()
        .any(|r| r["cells"] != 9 || r["category"] != category.as_str())
    {
        problems.push(format!(
            "category {category}: a row without 9 cells or of another category"
        ));
    }
    let more: Vec<usize> = d["more"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|x| x["visible"].as_array().map_or(0, Vec::len))
                .collect()
        })
        .unwrap_or_default();
    if more != [200, 250] || d["more"][1]["moreHidden"] != true {
        problems.push(format!(
            "show more: {more:?} rows after each click, want [200, 250] and the button gone"
        ));
    }
    // A new view starts again at one page.
    if visible("sorted").len() != 100 {
        problems.push(format!(
            "sorted by client, {} rows show, not the first 100",
            visible("sorted").len()
        ));
    }
    let first = visible("sorted")
        .first()
        .and_then(|r| r["title"].as_str().map(str::to_owned));
    let lowest = runbooks
        .iter()
        .filter_map(|r| r["title"].as_str())
        .min_by_key(|t| t.to_lowercase())
        .map(str::to_owned);
    if first != lowest {
        problems.push(format!(
            "sorted by client, the first row is {first:?}, not {lowest:?}"
        ));
    }
    assert_none("the matrix of 250 runbooks", &problems);
}

/// Stale verdicts are marked in words where a reader looks: each stale
/// route row of the runbook page and each stale cell of the home matrix
/// (and nowhere else), with the dates shown; a stale cell's details are in
/// its note, shown on keyboard focus and read as its link's accessible
/// description (not in a title attribute, which neither the keyboard nor
/// a touch screen reaches); axe finds no WCAG A/AA violation on either
/// page, light or dark, nor with a stale cell's note shown.
#[test]
fn stale_verdicts_are_marked_in_words_on_the_runbook_page_and_in_the_matrix() {
    use crate::verification::{OLD, OWN_ROUTE, RECENT};
    let site = build_verified();
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(
        &site,
        "verification",
        out.path(),
        &[("expect-slug", "librechat")],
    );
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    let rows = d["runbookRows"].as_array().cloned().unwrap_or_default();
    if rows.len() != 9 {
        problems.push(format!("{} route rows, expected 9", rows.len()));
    }
    for row in &rows {
        let route = row["route"].as_str().unwrap_or("?");
        let flags = strs(&row["flags"]);
        let dates = strs(&row["verified"]);
        if route == OWN_ROUTE {
            if !flags.is_empty() || dates != [RECENT] {
                problems.push(format!(
                    "{route}: flags {flags:?}, dates {dates:?}; expected none and [{RECENT}]"
                ));
            }
        } else if flags != ["Stale"] || dates != [OLD] {
            problems.push(format!(
                "{route}: flags {flags:?}, dates {dates:?}; expected [\"Stale\"] and [{OLD}]"
            ));
        }
    }
    let facts = d["runbookFacts"].as_str().unwrap_or("");
    if !(facts.starts_with("Stale") && facts.contains(OLD) && facts.contains("client 0.7.6")) {
        problems.push(format!("the runbook's Verified fact reads {facts:?}"));
    }
    let cells = d["matrixCells"].as_array().cloned().unwrap_or_default();
    let stale_cells: BTreeSet<String> = cells
        .iter()
        .filter(|c| strs(&c["flags"]) == ["stale"])
        .map(|c| {
            format!(
                "{} / {}",
                c["title"].as_str().unwrap_or("?"),
                c["route"].as_str().unwrap_or("?")
            )
        })
        .collect();
    if cells.len() != 8
        || stale_cells.len() != 8
        || !stale_cells.iter().all(|c| c.starts_with("LibreChat / "))
    {
        problems.push(format!(
            "stale matrix cells: {cells:?}; expected LibreChat's 8"
        ));
    }
    if stale_cells.iter().any(|c| c.ends_with(OWN_ROUTE)) {
        problems.push(format!(
            "{OWN_ROUTE}, verified 10 days ago, is marked stale in the matrix"
        ));
    }
    // By keyboard: each cell of librechat's row, in turn.
    let keyboard = d["keyboard"].as_array().cloned().unwrap_or_default();
    if keyboard.len() != 9 {
        problems.push(format!(
            "Tab went through {} cells, expected 9",
            keyboard.len()
        ));
    }
    // 180 days (`max_age_days`) after OLD.
    let since = "stale since 2026-11-12";
    let head = format!("Stale: verified {OLD} · client 0.7.6 · ");
    for c in &keyboard {
        let route = c["route"].as_str().unwrap_or("?");
        let stale = c["stale"].as_str().unwrap_or("");
        let described = c["description"].as_str().unwrap_or("");
        let note = c["note"].as_str().unwrap_or("");
        if c["cellLink"] != true {
            problems.push(format!(
                "Tab in librechat's row lands on {c}, not a cell link"
            ));
        } else if route == OWN_ROUTE {
            if !c["staleFlag"].is_null() || !c["stale"].is_null() {
                problems.push(format!("{route}, verified {RECENT}, reads as stale: {c}"));
            }
        } else if !(c["staleFlag"] == "stale"
            && c["staleFlagTitle"].is_null()
            && stale.starts_with(&head)
            && stale.ends_with(since)
            && note.ends_with(stale)
            && c["noteVisible"] == true
            && c["noteInViewport"] == true
            && described == note)
        {
            problems.push(format!(
                "{route}: the focused stale cell should show the word \"stale\" (no title) and a note ending {head:?}...{since:?}, shown in the window and read as the link's description: {c}"
            ));
        }
    }
    let runs = d["runs"].as_array().cloned().unwrap_or_default();
    for r in runs.iter().filter(|r| r.get("noteShown").is_some()) {
        if r["noteShown"] != true {
            problems.push(format!("axe ran with no stale note shown: {r}"));
        }
    }
    axe_runs(&d["runs"], 6, &mut problems);
    assert_none("stale verdicts in the browser", &problems);
}

/// The history as a reader meets it: alpha's History section lists its
/// events (newest first, each with its date and anchor), the changes page
/// lists every event, both link the Atom feed, which answers; axe finds no
/// WCAG A/AA violation on either page, light or dark.
#[test]
fn the_history_section_and_the_changes_page_list_the_events() {
    let site = build_with_history();
    let changes: Value = serde_json::from_str(
        &std::fs::read_to_string(site.json.join("changes.json")).expect("changes.json"),
    )
    .expect("JSON");
    let all: Vec<&str> = changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    let alpha: Vec<&str> = changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["runbook"] == "alpha")
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(alpha.len() >= 2 && all.len() > alpha.len(), "{changes:#}");
    let out = tempfile::tempdir().expect("tempdir");
    let v = run(&site, "history", out.path(), &[("expect-slug", "alpha")]);
    let d = &v["data"];
    let mut problems = hygiene(&v, &[]);
    for (page, expected) in [("runbook", &alpha), ("changes", &all)] {
        let events = d[page]["events"].as_array().cloned().unwrap_or_default();
        let ids: Vec<&str> = events.iter().filter_map(|e| e["id"].as_str()).collect();
        if ids != **expected {
            problems.push(format!("{page}: events {ids:?}, expected {expected:?}"));
        }
        for e in &events {
            if e["visible"] != true || !e["date"].as_str().is_some_and(|t| t.starts_with("2026-")) {
                problems.push(format!("{page}: event shown as {e}"));
            }
        }
        if !d[page]["feed"]
            .as_str()
            .is_some_and(|f| f.ends_with("/changes.xml"))
        {
            problems.push(format!("{page}: feed link {}", d[page]["feed"]));
        }
        if d[page]["feedStatus"] != 200
            || !d[page]["feedType"]
                .as_str()
                .is_some_and(|t| t.contains("xml"))
        {
            problems.push(format!(
                "{page}: the feed answered {} {}",
                d[page]["feedStatus"], d[page]["feedType"]
            ));
        }
    }
    axe_runs(&d["runs"], 4, &mut problems);
    assert_none("the history in the browser", &problems);
}

/// The axe runs of a scenario (two pages, light and dark): `expected` of
/// them, each one that ran, and no violation in any.
fn axe_runs(runs: &Value, expected: usize, problems: &mut Vec<String>) {
    let runs = runs.as_array().cloned().unwrap_or_default();
    if runs.len() != expected {
        problems.push(format!("axe ran {} times, expected {expected}", runs.len()));
    }
    for r in &runs {
        let place = format!(
            "{} ({})",
            r["page"].as_str().unwrap_or("?"),
            r["theme"].as_str().unwrap_or("?")
        );
        if r["passes"].as_u64().unwrap_or(0) == 0 {
            problems.push(format!("axe passed no rule on {place}: it did not run"));
        }
        for viol in r["violations"].as_array().into_iter().flatten() {
            problems.push(format!(
                "{place}: {} {}: {}",
                viol["id"], viol["help"], viol["nodes"]
            ));
        }
    }
}

#[path = "html_browser_links.rs"]
mod links;
