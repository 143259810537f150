//! Helpers shared by the test modules.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `program` in `dir`, git kept away from the machine's and the user's
/// settings and variables: `home` as its home, no system configuration, a
/// fixed identity and no dates from outside, `GTDOCS_GIT` set to `git`, no
/// colour, no `SOURCE_DATE_EPOCH`.
pub fn isolated_command(program: &Path, dir: &Path, home: &Path, git: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "gtdocs tests")
        .env("GIT_AUTHOR_EMAIL", "tests@example.invalid")
        .env("GIT_COMMITTER_NAME", "gtdocs tests")
        .env("GIT_COMMITTER_EMAIL", "tests@example.invalid")
        .env("GTDOCS_GIT", git)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH");
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_COUNT",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The repository root (holds the bundled `gtdocs.yaml` and `runbooks/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// Names the published reference corpus (default `../shared/reference`).
pub const REFERENCE_ENV: &str = "GTDOCS_REFERENCE";

/// `1` (CI) makes a missing reference corpus fail the tests that need it.
pub const REQUIRE_REFERENCE_ENV: &str = "GTDOCS_REQUIRE_REFERENCE";

/// The commit of the public GT-Edge-AI/GT-AI-OS repository whose `wiki/`
/// folder the reference corpus's `gt-wiki/` holds (its README.md says how
/// each file was checked).
pub const REFERENCE_COMMIT: &str = "1a84e979c858d253b5efb5c825c64c97b5ca1962";

/// The published reference corpus, beside the repository (or where
/// GTDOCS_REFERENCE says). It lives outside the repository, so a fresh
/// clone may not have it: then the calling test does not run. It says so
/// on stderr, past the test harness's capture, and gets `None` (the caller
/// returns, and passes); test.sh repeats the notice at the end. With
/// GTDOCS_REQUIRE_REFERENCE=1 (CI, which has the corpus) it fails instead.
pub fn reference() -> Option<PathBuf> {
    let dir = std::env::var_os(REFERENCE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/reference"));
    if dir.join("gt-runbooks/gtdocs.yaml").is_file() && dir.join("gt-wiki").is_dir() {
        return Some(dir);
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    assert!(
        std::env::var_os(REQUIRE_REFERENCE_ENV).is_none_or(|v| v != "1"),
        "{test}: the reference corpus is absent at {} (expected gt-runbooks/ and gt-wiki/) and \
         {REQUIRE_REFERENCE_ENV}=1 requires it: set {REFERENCE_ENV} to its path",
        dir.display()
    );
    not_run(&test, &dir);
    None
}

/// The loud part of [`reference`]: what is missing and where to get it
/// (once per run), then the test that did not run.
fn not_run(test: &str, dir: &Path) {
    use std::io::Write as _;
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Written to the process's stderr itself: `eprintln!` in a test that
    // passes is captured and never shown.
    let mut err = std::io::stderr().lock();
    ONCE.call_once(|| {
        let rule = "=".repeat(78);
        let _ = writeln!(
            err,
            "{rule}\n\
             gtdocs tests: NOT RUN: the tests against the published GT wiki corpus.\n\
             The corpus is not at {dir} ({REFERENCE_ENV}; default ../shared/reference beside\n\
             the repository), so every test that compares gtdocs' output with the published\n\
             wiki returns at once and is reported as passed; each is named below.\n\
             Where to get it: gt-wiki/ holds the 27 pages of the public GT-Edge-AI/GT-AI-OS\n\
             repository's wiki/ folder at commit {REFERENCE_COMMIT}\n\
             (https://github.com/GT-Edge-AI/GT-AI-OS/tree/{REFERENCE_COMMIT}/wiki);\n\
             gt-runbooks/ is the same content as a gtdocs source tree, and ../seeds/ the\n\
             LibreChat page as a browser shows it. The project's shared folder holds all\n\
             three (shared/reference, with a README.md, and shared/seeds): put it beside\n\
             the repository or set {REFERENCE_ENV} to its reference/ folder.\n\
             CI sets {REQUIRE_REFERENCE_ENV}=1, which makes a missing corpus a failure.\n\
             {rule}",
            dir = dir.display()
        );
    });
    let _ = writeln!(err, "gtdocs tests: NOT RUN: {test} (no reference corpus)");
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

/// A fresh temporary copy of the bundled tree (gtdocs.yaml, runbooks/,
/// probes/).
pub fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo().join("gtdocs.yaml"), dir.path().join("gtdocs.yaml")).expect("copy config");
    copy_tree(&repo().join("runbooks"), &dir.path().join("runbooks"));
    // What the bundled probes found is part of the tree: a runbook accepts
    // a finding it makes.
    copy_tree(&repo().join("probes"), &dir.path().join("probes"));
    dir
}

/// Every file under `dir` named `*.<ext>`, sorted by path.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect()
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
