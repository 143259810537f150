//! Cost bounds: a source file just under the 1 MiB limit, of any shape,
//! is checked in bounded time and memory, with a bounded report, in every
//! output format. Each shape is the worst of its kind: one enormous line
//! of items that are each an error (a bad URL, a credential, a control
//! character), many short lines that are each an error, deep nesting, one
//! giant scalar, many keys.
//!
//! The figures are the debug binary's (what `cargo test` runs) on a busy
//! machine, with margin; the release binary is about ten times faster.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{copy_tree, fixtures};
use crate::invalid::rusage;

/// The size of every generated runbook: just under the 1 MiB a source
/// file may have (a larger one is refused before it is parsed).
const SIZE: usize = 1024 * 1024 - 512;
/// Per run of the debug binary: measured at most 4.7 s (a line of 41,881
/// bad URLs) and 116 MiB of RSS on a slow 2-core machine, 13.5 s before
/// ASCII text skipped the Unicode category table (unoptimized, each lookup
/// copied the table); the release binary took at most 1.1 s there. A cost
/// that grew with the square of the input took minutes in release.
const TIME_LIMIT: Duration = Duration::from_secs(60);
const RSS_LIMIT_KIB: std::ffi::c_long = 300 * 1024;
/// A report lists at most 100 diagnostics of a file, each with a snippet
/// cut to a window of its line: about 40 KB in the human format.
const OUTPUT_LIMIT: usize = 256 * 1024;

/// One generated runbook: `base` (the base fixture's alpha.yaml, its
/// `docs` list taken out when `docs` is set) followed by items until the
/// file is `SIZE` bytes.
struct Shape {
    name: &'static str,
    /// Written after the base runbook, before the items.
    head: &'static str,
    item: fn(usize) -> String,
    /// Between two items.
    separator: &'static str,
    tail: &'static str,
    /// The base runbook's `docs` list is left out (the shape writes one).
    replaces_docs: bool,
    /// The problems reported (errors), or `None` when the shape is refused
    /// as a whole with one error.
    errors: Option<fn(usize) -> u64>,
}

const SHAPES: &[Shape] = &[
    // The 803 KB runbook of the review: `docs: [http://…, http://…, …]`.
    Shape {
        name: "one-line-of-errors",
        head: "docs: [",
        item: |i| format!("http://a.example/{i:06}"),
        separator: ", ",
        tail: "]\n",
        replaces_docs: true,
        errors: Some(|items| items as u64),
    },
    // Each a real-looking key: found, then placed in the line.
    Shape {
        name: "one-line-of-credentials",
        head: "not_supported: [",
        item: |i| format!("gtak_Ab12Cd34Ef56Gh{i:07}"),
        separator: ", ",
        tail: "]\n",
        replaces_docs: false,
        errors: Some(|items| items as u64),
    },
    // Each value holds an escaped ESC: refused, then placed in the line.
    Shape {
        name: "one-line-of-control-characters",
        head: "not_supported: [",
        item: |i| format!("\"abcdefghij\\eklmnop{i:06}\""),
        separator: ", ",
        tail: "]\n",
        replaces_docs: false,
        errors: Some(|items| items as u64),
    },
    Shape {
        name: "many-lines-of-errors",
        head: "docs:\n",
        item: |i| format!("  - http://a.example/{i:06}\n"),
        separator: "",
        tail: "",
        replaces_docs: true,
        errors: Some(|items| items as u64),
    },
    Shape {
        name: "deep-nesting",
        head: "not_supported:\n",
        item: |_| format!("  - {}x{}\n", "[".repeat(29), "]".repeat(29)),
        separator: "",
        tail: "",
        replaces_docs: false,
        errors: None, // more values than a file may hold
    },
    Shape {
        name: "giant-scalar",
        head: "not_supported:\n  - \"",
        item: |i| format!("word{} ", i % 10),
        separator: "",
        tail: "\"\n",
        replaces_docs: false,
        errors: Some(|_| 1), // text-too-long
    },
    Shape {
        name: "many-nested-keys",
        head: "extra:\n",
        item: |i| format!("  unknown_key_number_{i:07}_with_a_long_name: v\n"),
        separator: "",
        tail: "",
        replaces_docs: false,
        errors: Some(|_| 1), // `extra` is unknown
    },
    Shape {
        name: "many-unknown-keys",
        head: "",
        item: |i| format!("unknown_top_level_key_number_{i:07}_with_a_long_name: v\n"),
        separator: "",
        tail: "",
        replaces_docs: false,
        errors: Some(|items| items as u64),
    },
];

/// Writes the shape's runbook into a copy of the base tree; returns the
/// tree and the number of items written.
fn generate(shape: &Shape) -> (tempfile::TempDir, usize) {
    let tree = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), tree.path());
    let path = tree.path().join("runbooks/alpha.yaml");
    let mut text = std::fs::read_to_string(&path).expect("read alpha.yaml");
    if shape.replaces_docs {
        let docs = "docs:\n  - https://alpha.example.com/docs/openai\n";
        assert!(text.contains(docs), "base alpha.yaml changed");
        text = text.replace(docs, "");
    }
    text.push_str(shape.head);
    let mut items = 0;
    loop {
        let item = (shape.item)(items);
        let separator = if items == 0 { "" } else { shape.separator };
        if text.len() + separator.len() + item.len() + shape.tail.len() > SIZE {
            break;
        }
        text.push_str(separator);
        text.push_str(&item);
        items += 1;
    }
    text.push_str(shape.tail);
    assert!(text.len() > SIZE - 1024 && text.len() <= SIZE);
    std::fs::write(&path, text).expect("write alpha.yaml");
    (tree, items)
}

struct Checked {
    code: Option<i32>,
    report: Vec<u8>,
    problems: Vec<String>,
}

/// `gtdocs check --format <format>` on the tree, within the bounds; the
/// report is what the format prints (stdout, or stderr for people).
fn check(root: &Path, format: &str, what: &str) -> Checked {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    // GTDOCS_LIMITS_BIN measures another build (the release binary) with
    // the same shapes and bounds.
    let binary = std::env::var_os("GTDOCS_LIMITS_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_gtdocs").into());
    let child = Command::new(binary)
        .args(["check", "--format", format, "--root"])
        .arg(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.reopen().expect("reopen"))
        .stderr(out.reopen().expect("reopen"))
        .spawn()
        .expect("spawn gtdocs");
    let ended = rusage::wait(child, TIME_LIMIT);
    let report = std::fs::read(out.path()).expect("read report");
    let mut problems = Vec::new();
    if ended.timed_out {
        problems.push(format!("{what}: killed after {TIME_LIMIT:?}"));
    }
    // The child's own peak: `wait4`'s figure counts the test process's
    // memory too, and other tests run in it.
    let peak_kib = ended.own_peak_kib.unwrap_or(ended.max_rss_kib);
    if peak_kib > RSS_LIMIT_KIB {
        problems.push(format!(
            "{what}: peak RSS {peak_kib} KiB, more than {RSS_LIMIT_KIB} KiB"
        ));
    }
    if report.len() > OUTPUT_LIMIT {
        problems.push(format!(
            "{what}: {} bytes of report, more than {OUTPUT_LIMIT}",
            report.len()
        ));
    }
    eprintln!(
        "{what}: {:.2?}, peak RSS {peak_kib} KiB, {} bytes of report",
        ended.elapsed,
        report.len()
    );
    Checked {
        code: ended.code,
        report,
        problems,
    }
}

/// Every shape, in the human and JSON formats (GitHub too for the long
/// line, where a snippet would be longest): bounded time, memory and
/// report; the JSON report lists at most 100 diagnostics and counts all.
#[test]
fn a_one_mebibyte_file_of_any_shape_is_checked_within_bounds() {
    let mut problems = Vec::new();
    for shape in SHAPES {
        let (tree, items) = generate(shape);
        let mut formats = vec!["json", "human"];
        if shape.name == "one-line-of-errors" {
            formats.push("github");
        }
        for format in formats {
            let what = format!("{} ({items} items), --format {format}", shape.name);
            let checked = check(tree.path(), format, &what);
            problems.extend(checked.problems);
            if checked.code != Some(1) {
                problems.push(format!("{what}: exit {:?}, expected 1", checked.code));
            }
            if format != "json" || checked.code.is_none() {
                continue;
            }
            let report: serde_json::Value = match serde_json::from_slice(&checked.report) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(format!("{what}: not JSON ({e})"));
                    continue;
                }
            };
            let listed = report["diagnostics"].as_array().map_or(0, Vec::len);
            if listed > 101 {
                problems.push(format!("{what}: {listed} diagnostics listed"));
            }
            let errors = report["errors"].as_u64();
            let expected = shape.errors.map_or(1, |f| f(items));
            if errors != Some(expected) {
                problems.push(format!(
                    "{what}: {errors:?} errors counted, expected {expected}"
                ));
            }
        }
    }
    crate::common::assert_none("cost bounds exceeded", &problems);
}

/// A catalog of long routes and many ids, and a runbook of unknown routes
/// and ids, 1 MiB between them: each problem's hint lists the catalog,
/// and the missing-route warning every route, so the report grew as the
/// catalog times the problems (5 MB for 50 routes and 10 problems, killed
/// past 20 s for 100). Lists and texts of a diagnostic are bounded.
#[test]
fn a_large_catalog_and_many_unknown_references_are_checked_within_bounds() {
    const ROUTES: usize = 40;
    const ROUTE_CHARS: usize = 9_000;
    const CATEGORIES: usize = 3_000;
    const LONG_UNKNOWN: usize = 5;
    let tree = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), tree.path());
    // Dashes: a route's page is named by its letters and digits only.
    let long_route = |i: usize| format!("GET /long/{i:03}/{}", "-".repeat(ROUTE_CHARS));

    let catalog_path = tree.path().join("gtdocs.yaml");
    let mut catalog = std::fs::read_to_string(&catalog_path).expect("read gtdocs.yaml");
    let routes: String = (0..ROUTES)
        .map(|i| format!("  - route: {}\n    summary: s\n", long_route(i)))
        .collect();
    let categories: String = (0..CATEGORIES)
        .map(|i| format!("  category-number-{i:05}: C\n"))
        .collect();
    assert!(catalog.contains("\nroutes:\n") && catalog.contains("\ncategories:\n"));
    catalog = catalog
        .replacen("\nroutes:\n", &format!("\nroutes:\n{routes}"), 1)
        .replacen(
            "\ncategories:\n",
            &format!("\ncategories:\n{categories}"),
            1,
        );
    std::fs::write(&catalog_path, &catalog).expect("write gtdocs.yaml");

    // Unknown ids (two verdicts, the category), then unknown routes: a few
    // as long as the catalog's, one edit from one, then short ones (no
    // verdict: the YAML nodes a file may hold are the bound here).
    let runbook_path = tree.path().join("runbooks/alpha.yaml");
    let mut runbook = std::fs::read_to_string(&runbook_path)
        .expect("read alpha.yaml")
        .replace("verdict: native", "verdict: no-such-verdict")
        .replace("category: sdk-http", "category: no-such-category");
    let mut unknown = String::new();
    for i in 0..LONG_UNKNOWN {
        let route = format!("{}b", long_route(i));
        unknown.push_str(&format!("  - route: {route}\n"));
    }
    let mut items = LONG_UNKNOWN;
    let budget = 1024 * 1024 - 512 - catalog.len() - runbook.len();
    loop {
        let item = format!("  - route: GET /v1/no/such/route/{items:06}\n");
        if unknown.len() + item.len() > budget {
            break;
        }
        unknown.push_str(&item);
        items += 1;
    }
    assert!(runbook.contains("\nroutes:\n"));
    runbook = runbook.replacen("\nroutes:\n", &format!("\nroutes:\n{unknown}"), 1);
    std::fs::write(&runbook_path, &runbook).expect("write alpha.yaml");
    assert!(catalog.len() + runbook.len() > 1024 * 1024 - 2048);

    let mut problems = Vec::new();
    for format in ["json", "human"] {
        let what = format!("{items} unknown routes, {ROUTES} long routes, --format {format}");
        let checked = check(tree.path(), format, &what);
        problems.extend(checked.problems);
        if checked.code != Some(1) {
            problems.push(format!("{what}: exit {:?}, expected 1", checked.code));
        }
        if format != "json" || checked.code.is_none() {
            continue;
        }
        let report: serde_json::Value = serde_json::from_slice(&checked.report).expect("JSON");
        // Each route unknown and without its verdict; two verdicts and the
        // category unknown.
        let expected = 2 * items as u64 + 3;
        if report["errors"].as_u64() != Some(expected) {
            problems.push(format!(
                "{what}: {} errors counted, expected {expected}",
                report["errors"]
            ));
        }
    }
    crate::common::assert_none("cost bounds exceeded", &problems);
}
