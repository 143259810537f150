//! Helpers shared by the test modules.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root (holds the bundled `gtdocs.yaml` and `runbooks/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// The published reference corpus, beside the repository. Its absence is
/// a failure, not a pass: set GTDOCS_REFERENCE to point elsewhere.
pub fn reference() -> PathBuf {
    let dir = std::env::var_os("GTDOCS_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/reference"));
    assert!(
        dir.join("gt-runbooks/gtdocs.yaml").is_file() && dir.join("gt-wiki").is_dir(),
        "the reference corpus is absent at {} (expected gt-runbooks/ and gt-wiki/): \
         it lives outside the repository, in ../shared/reference; set GTDOCS_REFERENCE to its path",
        dir.display()
    );
    dir
}

/// `gtdocs` with the given arguments, in `dir`, without colour.
pub fn gtdocs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run gtdocs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A fresh temporary copy of the bundled tree (gtdocs.yaml + runbooks/).
pub fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo().join("gtdocs.yaml"), dir.path().join("gtdocs.yaml")).expect("copy config");
    copy_tree(&repo().join("runbooks"), &dir.path().join("runbooks"));
    dir
}

/// Every file under `dir`: relative path → bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    files
}

/// An outside tool the tests need, installed by scripts/install-test-tools.sh.
/// A missing tool fails the test: it never passes for want of a checker.
pub fn tool(env: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("`{name}` is not installed: run scripts/install-test-tools.sh (or set {env}); this test needs it")
    })
}

pub fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What every browser run (tests/browser/run.mjs) must not have seen:
/// console errors, uncaught exceptions, dialogs, failed requests (but the
/// expected ones), 404s (but the expected ones) and requests to any host
/// other than the test server on 127.0.0.1.
pub fn browser_hygiene(
    v: &Value,
    expected_404: &dyn Fn(&str) -> bool,
    expected_failure: &dyn Fn(&str, &str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let origin = v["origin"].as_str().unwrap_or("?");
    assert!(
        origin.starts_with("http://127.0.0.1:"),
        "the test server is not on 127.0.0.1: {origin}"
    );
    for url in strs(&v["foreignRequests"]) {
        problems.push(format!("request to a host other than 127.0.0.1: {url}"));
    }
    for url in strs(&v["requests"]) {
        let local = url.starts_with(&format!("{origin}/"))
            || url.starts_with("data:")
            || url.starts_with("blob:");
        if !local {
            problems.push(format!("request outside the test server: {url}"));
        }
    }
    for e in v["consoleErrors"].as_array().into_iter().flatten() {
        problems.push(format!(
            "console error on {}: {} (at {})",
            e["page"].as_str().unwrap_or("?"),
            e["text"].as_str().unwrap_or("?"),
            e["source"].as_str().unwrap_or("?")
        ));
    }
    for e in v["pageErrors"].as_array().into_iter().flatten() {
        problems.push(format!(
            "uncaught exception on {}: {}\n{}",
            e["page"].as_str().unwrap_or("?"),
            e["message"].as_str().unwrap_or("?"),
            e["stack"].as_str().unwrap_or("")
        ));
    }
    for d in v["dialogs"].as_array().into_iter().flatten() {
        problems.push(format!(
            "a {} dialog opened on {}: {}",
            d["type"].as_str().unwrap_or("?"),
            d["page"].as_str().unwrap_or("?"),
            d["message"].as_str().unwrap_or("?")
        ));
    }
    for f in v["failedRequests"].as_array().into_iter().flatten() {
        let url = f["url"].as_str().unwrap_or("?");
        let error = f["error"].as_str().unwrap_or("?");
        if !expected_failure(url, error) {
            problems.push(format!("request failed: {url} ({error})"));
        }
    }
    for url in strs(&v["notFound"]) {
        if !expected_404(url) {
            problems.push(format!("the server answered 404 for {url}"));
        }
    }
    for e in v["serverErrors"].as_array().into_iter().flatten() {
        problems.push(format!("the test server failed on {e}"));
    }
    if v["requests"].as_array().is_none_or(Vec::is_empty) {
        problems.push("no request was seen at all: the request listener is broken".into());
    }
    problems
}

/// tests/browser (GTDOCS_BROWSER_TESTS) with run.mjs, playwright-core and
/// the `more` files a suite needs; a missing one fails the test.
pub fn browser_tests(more: &[&str]) -> PathBuf {
    let dir = std::env::var_os("GTDOCS_BROWSER_TESTS").map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "GTDOCS_BROWSER_TESTS is not set: run scripts/install-test-tools.sh and source the env \
             file it writes; the browser tests need it"
        )
    });
    for needed in ["run.mjs", "node_modules/playwright-core/package.json"]
        .iter()
        .chain(more)
    {
        assert!(
            dir.join(needed).is_file(),
            "GTDOCS_BROWSER_TESTS={}: {needed} is missing: run scripts/install-test-tools.sh",
            dir.display()
        );
    }
    dir
}

/// Fails with every problem, one per line.
pub fn assert_none(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

/// A tree of `n` runbooks made from the bundled ones (the bundled catalog;
/// runbook `i` is bundled runbook `i mod 23` with its title numbered and
/// its file `<slug>-<i>.yaml`): a site larger than one page of every list.
pub fn scaled_copy(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo().join("gtdocs.yaml"), dir.path().join("gtdocs.yaml")).expect("copy config");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(repo().join("runbooks"))
        .expect("runbooks")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    sources.sort();
    let out = dir.path().join("runbooks");
    std::fs::create_dir_all(&out).expect("mkdir");
    for i in 0..n {
        let source = &sources[i % sources.len()];
        let text = std::fs::read_to_string(source).expect("read runbook");
        let start = text.find("\ntitle: ").expect("a title line") + 1;
        let end = start + text[start..].find('\n').expect("end of title");
        let text = format!("{} {i:04}{}", &text[..end], &text[end..]);
        let stem = source.file_stem().expect("stem").to_string_lossy();
        std::fs::write(out.join(format!("{stem}-{i:04}.yaml")), text).expect("write");
    }
    dir
}

/// Characters that must never reach a terminal raw, written out here
/// independently of gtdocs' own definition: control characters but tab and
/// line feed (ESC, BEL, C1 `CSI`), the bidirectional controls, zero-width
/// characters and the line and paragraph separators.
pub fn raw_unprintable(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && !matches!(c, '\t' | '\n'))
                || matches!(
                    c,
                    '\u{061C}'
                        | '\u{200B}'..='\u{200F}'
                        | '\u{2028}'..='\u{202E}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{FEFF}'
                )
        })
        .collect()
}

/// Asserts that neither stdout nor stderr of `o` holds a raw unprintable
/// character (see [`raw_unprintable`]) beyond gtdocs' own colours (SGR
/// sequences, `ESC [ 1 ; 91 m`, when colour is forced on). A hostile text
/// should hold more than an SGR sequence (an OSC, BEL, C1 `CSI`, a bidi
/// override), so that the check cannot miss it.
pub fn assert_printable(what: &str, o: &Output) {
    let colour = regex::Regex::new("\x1b\\[[0-9;]*m").expect("regex");
    for (stream, text) in [("stdout", stdout(o)), ("stderr", stderr(o))] {
        let raw = raw_unprintable(&colour.replace_all(&text, ""));
        assert!(
            raw.is_empty(),
            "{what}: {stream} holds {raw:?} raw:\n{}",
            text.escape_debug()
        );
    }
}
