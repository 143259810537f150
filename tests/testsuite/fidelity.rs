//! Fidelity to the published GT wiki: the bundled LibreChat runbook equals
//! the published page and carries every fact of the seed in order; the
//! reference corpus (`../shared/reference`) rebuilds the 23 published
//! runbook pages, the index rows and the matrix rows. Without the corpus
//! these tests do not run, and say so (`common::reference`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{self, gtdocs};

const LIBRECHAT: &str = "Gen3-Gt-Api-Runbooks-Librechat.md";

fn build(tree: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    let site = out.path().join("site");
    let o = gtdocs(
        tree,
        &["build", "--out", site.to_str().expect("utf-8 path")],
    );
    assert!(
        o.status.success(),
        "build of {} failed:\n{}",
        tree.display(),
        common::stderr(&o)
    );
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

#[test]
fn librechat_page_equals_the_published_page() {
    let Some(reference) = common::reference() else {
        return;
    };
    let out = build(&common::repo());
    let ours = read(&out.path().join("site/wiki").join(LIBRECHAT));
    let published = read(&reference.join("gt-wiki").join(LIBRECHAT));
    assert_eq!(
        ours, published,
        "bundled LibreChat page differs from the published page"
    );
}

/// Markup and whitespace removed: what is left is the facts' text.
fn facts_only(s: &str) -> String {
    s.replace("**", "")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '`')
        .collect()
}

#[test]
fn librechat_page_carries_every_seed_fact_in_order() {
    let Some(reference) = common::reference() else {
        return;
    };
    // The seed lives beside the reference corpus (`shared/seeds`).
    let seed = read(&reference.join("../seeds/gen3-gt-api-runbooks-librechat.txt"));
    let out = build(&common::repo());
    let page = facts_only(&read(&out.path().join("site/wiki").join(LIBRECHAT)));
    // The seed is the page as a browser shows it, after GitHub's chrome
    // (the first lines, up to the revision line).
    let body = seed
        .split_once("1 revision\n")
        .map_or(seed.as_str(), |(_, b)| b);
    let mut at = 0;
    let mut checked = 0;
    for line in body.lines() {
        // The browser text glues list items into one line (" - ") and
        // table cells end with "|".
        for fragment in line.split('|').flat_map(|f| f.split(" - ")) {
            let fact = facts_only(
                fragment
                    .trim()
                    .trim_start_matches("- ")
                    .trim_end_matches(" -"),
            );
            let fact = fact.trim_matches('-');
            if fact.is_empty() || fact.chars().all(|c| c == '-') {
                continue;
            }
            match page[at..].find(fact) {
                Some(i) => at += i + fact.len(),
                None => panic!(
                    "seed fact {fact:?} (line {line:?}) is missing or out of order in the LibreChat page"
                ),
            }
            checked += 1;
        }
    }
    assert!(
        checked > 60,
        "only {checked} seed facts found: is the seed file complete?"
    );
}

/// A line the build changed on purpose: raw HTML in the source escaped.
fn is_kept_difference(published: &str, ours: &str) -> bool {
    ours.replace("&lt;", "<") == published && published.contains("<tenant-host>")
}

#[test]
fn reference_corpus_reproduces_the_published_runbook_pages() {
    let Some(reference) = common::reference() else {
        return;
    };
    let out = build(&reference.join("gt-runbooks"));
    let wiki = out.path().join("site/wiki");
    let mut identical = Vec::new();
    let mut kept = Vec::new();
    let mut wrong = Vec::new();
    let mut published_pages: Vec<_> = std::fs::read_dir(reference.join("gt-wiki"))
        .expect("read gt-wiki")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("Gen3-Gt-Api-Runbooks-"))
        .collect();
    published_pages.sort();
    for name in &published_pages {
        let published = read(&reference.join("gt-wiki").join(name));
        let ours_path = wiki.join(name);
        if !ours_path.is_file() {
            wrong.push(format!("{name}: not generated"));
            continue;
        }
        let ours = read(&ours_path);
        if ours == published {
            identical.push(name.clone());
            continue;
        }
        let (p, o): (Vec<_>, Vec<_>) = (published.lines().collect(), ours.lines().collect());
        if p.len() != o.len() {
            wrong.push(format!(
                "{name}: {} lines published, {} generated",
                p.len(),
                o.len()
            ));
            continue;
        }
        for (i, (pl, ol)) in p.iter().zip(&o).enumerate() {
            if pl == ol {
                continue;
            }
            if is_kept_difference(pl, ol) {
                kept.push(format!(
                    "{name}:{}: `<tenant-host>` outside a code span escaped as `&lt;tenant-host>`",
                    i + 1
                ));
            } else {
                wrong.push(format!(
                    "{name}:{}:\n  published: {pl}\n  generated: {ol}",
                    i + 1
                ));
            }
        }
    }
    println!(
        "runbook pages byte-identical: {}/{}; differing only by kept fixes: {}",
        identical.len(),
        published_pages.len(),
        published_pages.len() - identical.len() - wrong.len()
    );
    for k in &kept {
        println!("  kept difference: {k}");
    }
    assert_eq!(
        published_pages.len(),
        23,
        "the reference corpus should hold 23 runbook pages"
    );
    assert!(
        wrong.is_empty(),
        "unexpected differences:\n{}",
        wrong.join("\n")
    );
    // The two published setup steps with a raw `<tenant-host>` (GitHub drops
    // it as an HTML tag); every other page must be byte for byte.
    assert_eq!(identical.len(), 21, "identical pages: {identical:?}");
    assert_eq!(kept.len(), 2, "{kept:#?}");
}

/// `- [Title](target) — rest` → (title, rest).
fn index_row(line: &str) -> Option<(String, String, String)> {
    let rest = line.strip_prefix("- [")?;
    let (title, rest) = rest.split_once("](")?;
    let (target, rest) = rest.split_once(") — ")?;
    Some((title.to_string(), target.to_string(), rest.to_string()))
}

/// Category → rows of an index page.
fn index_rows(page: &str) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut rows: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let mut category = None;
    for line in page.lines() {
        if let Some(c) = line.strip_prefix("### ") {
            category = Some(c.to_string());
        } else if let (Some(c), Some(row)) = (&category, index_row(line)) {
            rows.entry(c.clone()).or_default().push(row);
        }
    }
    rows
}

fn page_of(slug: &str) -> String {
    format!(
        "Gen3-Gt-Api-Runbooks-{}",
        slug.split('-')
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-")
    )
}

#[test]
fn reference_corpus_reproduces_the_index_rows() {
    let Some(reference) = common::reference() else {
        return;
    };
    let out = build(&reference.join("gt-runbooks"));
    let published = index_rows(&read(
        &reference.join("gt-wiki/Gen3-Gt-Api-Client-Runbooks.md"),
    ));
    // The generated index has the default page name; the reference tree
    // does not set `wiki.index_page`.
    let ours = index_rows(&read(&out.path().join("site/wiki/Client-Runbooks.md")));
    assert_eq!(
        published.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "categories differ"
    );
    let mut rows = 0;
    for (category, pub_rows) in &published {
        // Published links are in-app slugs (`gen3/gt-api/runbooks/<slug>`),
        // which do not resolve on a wiki: ours link the wiki page. Kept.
        let want: BTreeSet<_> = pub_rows
            .iter()
            .map(|(t, target, rest)| {
                (
                    t.clone(),
                    page_of(target.rsplit('/').next().unwrap_or_default()),
                    rest.clone(),
                )
            })
            .collect();
        let got: BTreeSet<_> = ours[category].iter().cloned().collect();
        assert_eq!(want, got, "rows of {category} differ");
        let titles: Vec<_> = ours[category].iter().map(|r| r.0.clone()).collect();
        let mut sorted = titles.clone();
        sorted.sort();
        assert_eq!(
            titles, sorted,
            "{category}: rows not in title order (all weights are 0)"
        );
        rows += got.len();
    }
    println!(
        "index rows matching: {rows}/23 (links point at wiki pages instead of in-app slugs: kept)"
    );
    assert_eq!(rows, 23);
}

/// Rows of the first table after "| Client |", first cell with any wiki
/// link reduced to its text.
fn matrix_rows(page: &str) -> Vec<String> {
    let link = regex::Regex::new(r"^\| \[([^\]]+)\]\([A-Za-z0-9-]+\)").expect("regex");
    page.lines()
        .skip_while(|l| !l.starts_with("| Client | Category |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| link.replace(l, "| $1").into_owned())
        .collect()
}

#[test]
fn reference_corpus_reproduces_the_matrix_rows() {
    let Some(reference) = common::reference() else {
        return;
    };
    let out = build(&reference.join("gt-runbooks"));
    let published_page = read(&reference.join("gt-wiki/Gen3-Gt-Api-Compatibility-Matrix.md"));
    let ours_page = read(&out.path().join("site/wiki/Compatibility-Matrix.md"));
    let published: BTreeSet<_> = matrix_rows(&published_page).into_iter().collect();
    let ours = matrix_rows(&ours_page);
    assert_eq!(ours.len(), 23);
    let ours_set: BTreeSet<_> = ours.iter().cloned().collect();
    let missing: Vec<_> = published.difference(&ours_set).collect();
    let extra: Vec<_> = ours_set.difference(&published).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "matrix rows differ:\nmissing {missing:#?}\nextra {extra:#?}"
    );
    // The "Compatibility modes" list is rebuilt from the catalog.
    let modes = |p: &str| {
        p.lines()
            .filter(|l| l.starts_with("- **"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(modes(&published_page), modes(&ours_page));
    println!(
        "matrix rows matching: {}/23 (client titles link to their runbook pages: kept)",
        ours.len()
    );
}
