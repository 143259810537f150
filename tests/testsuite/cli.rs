//! The command line itself: help, version, exit codes, `schema`, `new`.

use regex::Regex;

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
    // `--no-cache`: a test writes nothing into the repository (check keeps
    // the validation cache of `site/` beside it, `.site.cache`).
    let o = gtdocs(&common::repo(), &["check", "--deny-warnings", "--no-cache"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.starts_with("checked ") && err.lines().count() == 1,
        "no problem, only the status line: {err}"
    );
    let o = gtdocs(
        &common::repo(),
        &["check", "--format", "json", "--no-cache"],
    );
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

/// Each schema is also asked for by the name of its published file
/// (`site/json/schema/<name>`), and the source schema as `runbook`, the
/// name its file and the editors' `$schema` line use; `--exact` prints the
/// tree's own, as the build writes it.
#[test]
fn schema_answers_to_its_file_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    let built = gtdocs(
        &common::repo(),
        &["build", "--out", site.to_str().expect("utf-8")],
    );
    assert!(built.status.success(), "{}", common::stderr(&built));
    let dir = site.join("json/schema");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("schema folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    let root = common::repo();
    let root = root.to_str().expect("utf-8");
    for name in &names {
        let o = gtdocs(tmp.path(), &["schema", name, "--exact", "--root", root]);
        assert!(o.status.success(), "{name}: {}", common::stderr(&o));
        assert_eq!(
            o.stdout,
            std::fs::read(dir.join(name)).expect("schema file"),
            "{name}"
        );
    }
    assert_eq!(
        gtdocs(tmp.path(), &["schema", "runbook"]).stdout,
        gtdocs(tmp.path(), &["schema", "source"]).stdout
    );
}

/// Every source's first line names a schema that a fresh clone has (the
/// committed `schemas/`), and `new` in a tree with one points at it.
#[test]
fn editor_schema_lines_point_at_committed_schemas() {
    let repo = common::repo();
    let mut sources = vec![repo.join("gtdocs.yaml")];
    sources.extend(
        std::fs::read_dir(repo.join("runbooks"))
            .expect("runbooks")
            .map(|e| e.expect("entry").path()),
    );
    assert!(sources.len() > 20);
    for path in &sources {
        let text = std::fs::read_to_string(path).expect("source");
        let line = text.lines().next().unwrap_or_default();
        let target = line
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line {line:?}", path.display()));
        let file = path.parent().expect("parent").join(target);
        assert!(
            target.contains("schemas/") && file.is_file(),
            "{}: {target} is not a committed schema",
            path.display()
        );
    }
    // A tree whose runbooks name a committed schema: a new one names it too.
    let tree = common::bundled_copy();
    common::copy_tree(&repo.join("schemas"), &tree.path().join("schemas"));
    let (o, text) = new_my_client(tree.path());
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../schemas/tree/runbook.schema.json")
    );
    assert!(
        !common::stderr(&o).contains("hint"),
        "{}",
        common::stderr(&o)
    );

    // Runbooks that name none, and a committed schemas/runbook.schema.json.
    let tree = common::bundled_copy();
    std::fs::create_dir(tree.path().join("schemas")).expect("mkdir");
    std::fs::copy(
        repo.join("schemas/runbook.schema.json"),
        tree.path().join("schemas/runbook.schema.json"),
    )
    .expect("copy");
    let (o, text) = new_my_client(tree.path());
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../schemas/runbook.schema.json")
    );
    assert!(
        !common::stderr(&o).contains("hint"),
        "{}",
        common::stderr(&o)
    );
}

/// `gtdocs new my-client` in `tree`: its run and the file it wrote.
fn new_my_client(tree: &std::path::Path) -> (std::process::Output, String) {
    let o = gtdocs(tree, &["new", "my-client"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text = std::fs::read_to_string(tree.join("runbooks/my-client.yaml")).expect("skeleton");
    (o, text)
}

#[test]
fn new_writes_a_skeleton_that_validates() {
    let tree = common::bundled_copy();
    let (o, text) = new_my_client(tree.path());
    // No committed schema in this tree: the build's copy, and a hint.
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../site/json/schema/runbook.schema.json")
    );
    assert!(
        common::stderr(&o).contains("schema source --exact > schemas/runbook.schema.json"),
        "{}",
        common::stderr(&o)
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

/// `check` and `build` end with one status line on stderr, as cargo does
/// (counts and time), nothing on stdout; `--quiet` leaves only problems.
#[test]
fn check_and_build_end_with_one_status_line_unless_quiet() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let runbooks = std::fs::read_dir(root.join("runbooks"))
        .expect("runbooks")
        .count();
    let status = Regex::new(&format!(
        // The bundled tree's accepted findings are counted, not listed.
        r"^checked {} files \({runbooks} of {runbooks} runbooks valid\): 0 errors, 0 warnings; 14 findings accepted \(`allow`\) in \d+(\.\d+)?s\n$",
        runbooks + 1
    ))
    .expect("regex");
    let o = gtdocs(root, &["check"]);
    assert!(o.status.success());
    assert!(o.stdout.is_empty(), "{}", common::stdout(&o));
    assert!(
        status.is_match(&common::stderr(&o)),
        "{:?}",
        common::stderr(&o)
    );

    let o = gtdocs(root, &["build"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let built = Regex::new(&format!(
        r"^built {runbooks} runbooks into `site`: \d+ files in \d+(\.\d+)?s\n$"
    ))
    .expect("regex");
    assert!(
        built.is_match(&common::stderr(&o)),
        "{:?}",
        common::stderr(&o)
    );

    for args in [&["check", "-q"][..], &["build", "--quiet"]] {
        let o = gtdocs(root, args);
        assert!(o.status.success(), "{args:?}");
        assert!(
            o.stderr.is_empty() && o.stdout.is_empty(),
            "{args:?}: {}",
            common::stderr(&o)
        );
    }
    let o = gtdocs(root, &["check", "-q", "-v"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--quiet with --verbose is a usage error"
    );
}

/// One runbook with an error: the others are still counted valid, in the
/// `-v` line and in the job summary (it said "0 runbooks valid").
#[test]
fn one_broken_runbook_leaves_the_others_counted_valid() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let runbooks = std::fs::read_dir(root.join("runbooks"))
        .expect("runbooks")
        .count();
    std::fs::write(root.join("runbooks/zz-broken.yaml"), "slug: x\n").expect("write");
    let summary = root.join("summary.md");
    let o = gtdocs(
        root,
        &["check", "-v", "--summary", summary.to_str().expect("utf-8")],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    let line = format!(
        "checked {} files ({runbooks} of {} runbooks valid): ",
        runbooks + 2,
        runbooks + 1
    );
    assert!(err.contains(&line), "no {line:?} in:\n{err}");
    let summary = std::fs::read_to_string(&summary).expect("summary");
    let line = format!(
        "{} files checked, {runbooks} of {} runbooks valid: ",
        runbooks + 2,
        runbooks + 1
    );
    assert!(summary.contains(&line), "no {line:?} in:\n{summary}");
    // Without -v, the diagnostics end with their count and no status line.
    let o = gtdocs(root, &["check"]);
    assert!(
        !common::stderr(&o).contains("runbooks valid"),
        "{}",
        common::stderr(&o)
    );
}
