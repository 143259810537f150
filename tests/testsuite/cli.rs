//! The command line itself: help, version, exit codes, `schema`, `new`.

use crate::common::{self, gtdocs};

#[test]
fn every_command_has_help_and_there_is_a_version() {
    let dir = common::repo();
    let o = gtdocs(&dir, &["--version"]);
    assert!(o.status.success());
    assert_eq!(
        common::stdout(&o).trim(),
        format!("gtdocs {}", env!("CARGO_PKG_VERSION"))
    );
    for cmd in [&[][..], &["check"], &["build"], &["schema"], &["new"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let o = gtdocs(&dir, &args);
        assert!(o.status.success(), "{args:?}");
        let out = common::stdout(&o);
        assert!(out.contains("Usage: gtdocs"), "{args:?}: {out}");
    }
    let o = gtdocs(&dir, &["--help"]);
    assert!(common::stdout(&o).contains("Exit codes: 0 ok; 1 errors"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = common::repo();
    assert_eq!(gtdocs(&dir, &["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        gtdocs(&dir, &["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let o = gtdocs(empty.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("no gtdocs.yaml in"),
        "{}",
        common::stderr(&o)
    );
    assert!(
        common::stderr(&o).contains("--root DIR"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn check_is_clean_on_the_bundled_runbooks() {
    let o = gtdocs(&common::repo(), &["check", "--deny-warnings"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(common::stderr(&o), "");
    let o = gtdocs(&common::repo(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&common::stdout(&o)).expect("json");
    assert_eq!(report["errors"], 0);
    assert_eq!(report["warnings"], 0);
}

#[test]
fn schema_prints_each_schema() {
    let dir = common::repo();
    for (kind, title) in [
        ("source", "gtdocs runbook"),
        ("config", "gtdocs.yaml"),
        ("manifest", "gtdocs compatibility manifest"),
        ("entry", "gtdocs runbook manifest entry"),
    ] {
        let o = gtdocs(&dir, &["schema", kind]);
        assert!(o.status.success());
        let schema: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["title"], title);
    }
    assert_eq!(
        gtdocs(&dir, &["schema"]).stdout,
        gtdocs(&dir, &["schema", "source"]).stdout
    );
}

#[test]
fn new_writes_a_skeleton_that_validates() {
    let tree = common::bundled_copy();
    let o = gtdocs(tree.path(), &["new", "my-client"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text =
        std::fs::read_to_string(tree.path().join("runbooks/my-client.yaml")).expect("skeleton");
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../site/json/schema/runbook.schema.json")
    );
    assert!(text.contains("title: My Client"));
    let o = gtdocs(tree.path(), &["check", "--deny-warnings"]);
    assert!(
        o.status.success(),
        "the skeleton must validate: {}",
        common::stderr(&o)
    );

    let again = gtdocs(tree.path(), &["new", "my-client"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::stderr(&again).contains("already exists"));
    let bad = gtdocs(tree.path(), &["new", "My_Client"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        common::stderr(&bad).contains("for example `my-client`"),
        "{}",
        common::stderr(&bad)
    );
}

/// A usage error quotes what was typed: escaped like every other message,
/// even when colour is forced, so no argument drives the terminal (an OSC
/// that retitles it, a bidi override that reorders the line).
#[test]
fn usage_errors_never_print_an_argument_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        ["build", "--jobs", "9\u{1b}]0;pwned\u{7}\u{202e}"],
        ["check", "--format", "x\u{1b}[31mred\u{202e}"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_gtdocs"))
            .args(args)
            .current_dir(dir.path())
            .env("CLICOLOR_FORCE", "1")
            .env_remove("NO_COLOR")
            .output()
            .expect("run gtdocs");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", common::stderr(&o));
        common::assert_printable(&format!("{args:?}"), &o);
        assert!(
            common::stderr(&o).contains("\\u{202e}"),
            "{}",
            common::stderr(&o)
        );
    }
}
