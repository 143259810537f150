//! The shape of the code itself: the module tree has no import cycle and no
//! file over the line limit, as `scripts/module-graph.py` reads them (the
//! same command the README and a reviewer run).

use std::process::Command;

use crate::common::repo;

#[test]
fn the_module_tree_has_no_import_cycle_and_no_oversized_file() {
    let out = Command::new("python3")
        .arg(repo().join("scripts/module-graph.py"))
        .output()
        .expect("python3 runs (scripts/test.sh checks it is installed)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("no import cycle among"), "{stdout}");
}

/// The checker finds what it is meant to: a cycle between two modules and a
/// file over the limit, in a copy of the tree with both planted.
#[test]
fn the_checker_sees_a_planted_cycle_and_a_long_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("scripts")).expect("mkdir");
    std::fs::copy(
        repo().join("scripts/module-graph.py"),
        root.join("scripts/module-graph.py"),
    )
    .expect("copy");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("b")).expect("mkdir");
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").expect("write");
    std::fs::write(
        src.join("a.rs"),
        "use crate::b::inner::Thing;\npub struct Other;\n",
    )
    .expect("write");
    std::fs::write(src.join("b/mod.rs"), "pub mod inner;\n").expect("write");
    let long: String = (0..700).map(|i| format!("// line {i}\n")).collect();
    std::fs::write(
        src.join("b/inner.rs"),
        format!("pub struct Thing;\nfn f() {{ let _ = crate::a::Other; }}\n{long}"),
    )
    .expect("write");
    let out = Command::new("python3")
        .arg(root.join("scripts/module-graph.py"))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("a <-> b::inner"), "{stdout}");
    assert!(stdout.contains("over 600 lines"), "{stdout}");
}
