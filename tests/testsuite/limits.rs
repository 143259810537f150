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
/// Per run of the debug binary: measured at most 8 s and 115 MiB of RSS
/// (a line of 41,881 errors, on a machine shared with other builds).
const TIME_LIMIT: Duration = Duration::from_secs(20);
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
    let child = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
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
