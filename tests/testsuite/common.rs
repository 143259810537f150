//! Helpers shared by the test modules.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
