//! `check` refuses whatever `build` would refuse, with the same diagnostic
//! code: names too long for the file system, empty names, a theme's
//! template errors and runaway loops. Also the limits of the build's own
//! settings: `SOURCE_DATE_EPOCH` and `--jobs`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::{self, copy_tree, fixtures, gtdocs, stderr, stdout};

/// The codes of a `--format json` run's diagnostics.
fn codes(o: &Output) -> BTreeSet<String> {
    let text = stdout(o);
    let doc: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {text}\n{}", stderr(o)));
    doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

/// A copy of the base tree, changed by `edit`.
fn tree(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), dir.path());
    edit(dir.path());
    dir
}

/// Replaces `from` with `to` in every YAML file of the tree (at least once).
fn replace(root: &Path, from: &str, to: &str) {
    let mut found = false;
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            if text.contains(from) {
                found = true;
                std::fs::write(entry.path(), text.replace(from, to)).expect("write");
            }
        }
    }
    assert!(found, "`{from}` is nowhere in the tree");
}

/// Sets a `wiki:` field of gtdocs.yaml.
fn wiki_field(root: &Path, field: &str, value: &str) {
    replace(
        root,
        "wiki:\n  page_prefix: test-runbooks\n",
        &format!("wiki:\n  page_prefix: test-runbooks\n  {field}: {value}\n"),
    );
}

/// A theme `t` holding one template.
fn theme(root: &Path, template: &str, text: &str) {
    let dir = root.join("themes/t/templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join(template), text).expect("write template");
    replace(root, "  base_url: /\n", "  base_url: /\n  theme: t\n");
}

fn rename_runbook(root: &Path, to: &str) {
    std::fs::rename(
        root.join("runbooks/beta.yaml"),
        root.join(format!("runbooks/{to}.yaml")),
    )
    .expect("rename");
}

/// A named change of the base tree.
type Edit = (&'static str, Box<dyn Fn(&Path)>);

/// `build --format json` into a folder of its own, and `check --format json`.
fn build_and_check(root: &Path) -> (Output, Output) {
    let out = tempfile::tempdir().expect("tempdir");
    let site = out.path().join("site");
    let build = gtdocs(
        root,
        &[
            "build",
            "--format",
            "json",
            "--out",
            site.to_str().expect("utf-8"),
        ],
    );
    let check = gtdocs(root, &["check", "--format", "json"]);
    (build, check)
}

/// Bad trees that passed `check` while `build` refused them, and every
/// case of the invalid suite: wherever `build` fails, `check` fails with
/// the same exit code and the same diagnostic codes, and `build` fails
/// with a diagnostic, never a bare I/O error half-way.
#[test]
fn check_refuses_whatever_build_refuses_with_the_same_codes() {
    let a = |n: usize| "a".repeat(n);
    let edits: Vec<Edit> = vec![
        (
            "246-byte runbook file name",
            Box::new(move |r| rename_runbook(r, &a(246))),
        ),
        (
            "page_prefix too long",
            Box::new(move |r| {
                replace(
                    r,
                    "page_prefix: test-runbooks",
                    &format!("page_prefix: {}", a(250)),
                )
            }),
        ),
        (
            "index_page too long",
            Box::new(move |r| wiki_field(r, "index_page", &format!("I{}", a(252)))),
        ),
        (
            "matrix_page too long",
            Box::new(move |r| wiki_field(r, "matrix_page", &format!("M{}", a(252)))),
        ),
        (
            "route too long",
            Box::new(move |r| replace(r, "GET /v1/models", &format!("GET /v1/{}", a(249)))),
        ),
        (
            "index_page empty",
            Box::new(|r| wiki_field(r, "index_page", "\"\"")),
        ),
        (
            "index_page is Home",
            Box::new(|r| wiki_field(r, "index_page", "Home")),
        ),
        (
            "matrix_page is home",
            Box::new(|r| wiki_field(r, "matrix_page", "home")),
        ),
        (
            "matrix_page empty",
            Box::new(|r| wiki_field(r, "matrix_page", "\"\"")),
        ),
        (
            "page_prefix empty",
            Box::new(|r| replace(r, "page_prefix: test-runbooks", "page_prefix: \"\"")),
        ),
        (
            "template syntax error",
            Box::new(|r| {
                theme(
                    r,
                    "runbook.html",
                    "{% extends \"default/runbook.html\" %}\n{% block title %}{{ page.title | }}{% endblock %}\n",
                )
            }),
        ),
        (
            "extends an unknown template",
            Box::new(|r| theme(r, "runbook.html", "{% extends \"default/nope.html\" %}\n")),
        ),
        (
            "includes an unknown template",
            Box::new(|r| {
                theme(
                    r,
                    "home.html",
                    "{% extends \"default/home.html\" %}\n{% block title %}{% include \"missing.html\" %}{% endblock %}\n",
                )
            }),
        ),
        (
            "unknown filter in a route page",
            Box::new(|r| {
                theme(
                    r,
                    "route.html",
                    "{% extends \"default/route.html\" %}\n{% block title %}{{ page.title|nosuchfilter }}{% endblock %}\n",
                )
            }),
        ),
        (
            // Only the second runbook's page trips it: `check` renders every
            // page of a tree that overrides templates.
            "a filter that fails on one runbook's data",
            Box::new(|r| {
                theme(
                    r,
                    "runbook.html",
                    "{% extends \"default/runbook.html\" %}\n{% block title %}{% if \"Beta\" in page.title %}{{ page.title|nosuchfilter }}{% endif %}{% endblock %}\n",
                )
            }),
        ),
        (
            "unclosed block in the 404 page",
            Box::new(|r| theme(r, "404.html", "{% if true %}\n")),
        ),
        (
            "runaway loop",
            Box::new(|r| {
                theme(
                    r,
                    "routes.html",
                    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
                )
            }),
        ),
        (
            "a billion bytes of text",
            Box::new(|r| theme(r, "404.html", "{{ \"a\" * 1000000000 }}\n")),
        ),
    ];
    let mut trees: Vec<(String, tempfile::TempDir)> = edits
        .iter()
        .map(|(name, edit)| (name.to_string(), tree(edit)))
        .collect();
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .expect("invalid cases")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    for case in cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        trees.push((name, crate::invalid::overlay(&case)));
    }
    let mut problems = Vec::new();
    for (name, dir) in &trees {
        let (build, check) = build_and_check(dir.path());
        if build.status.success() {
            continue;
        }
        if build.status.code() != Some(1) {
            problems.push(format!(
                "{name}: build failed without a diagnostic (exit {:?}): {}",
                build.status.code(),
                stderr(&build)
            ));
            continue;
        }
        let (built, checked) = (codes(&build), codes(&check));
        if check.status.code() != Some(1) || built != checked {
            problems.push(format!(
                "{name}: build exit {:?} {built:?}, check exit {:?} {checked:?}",
                build.status.code(),
                check.status.code()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The new cases are all refused (the invalid suite has a valid case).
    for (name, dir) in trees.iter().take(edits.len()) {
        let (build, _) = build_and_check(dir.path());
        assert_eq!(build.status.code(), Some(1), "{name}: {}", stderr(&build));
    }
}

/// Names exactly as long as a file name may be build; one byte more is
/// refused by `check` at the source, with its place and a hint. This ties
/// the validation to the names the renderers really write.
#[test]
fn names_at_the_limit_build_and_one_byte_more_is_refused_at_the_source() {
    let a = |n: usize| "a".repeat(n);
    // `Test-Runbooks-<slug>.md`, `<index>.md`, `get-v1-<route>.json`: 255 bytes.
    let at_limit = tree(|r| {
        rename_runbook(r, &a(238));
        wiki_field(r, "index_page", &format!("I{}", a(251)));
        replace(r, "GET /v1/models", &format!("GET /v1/{}", a(243)));
    });
    let (build, check) = build_and_check(at_limit.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(check.status.success(), "{}", stderr(&check));

    let over = tree(|r| {
        rename_runbook(r, &a(239));
        wiki_field(r, "index_page", &format!("I{}", a(252)));
        replace(r, "GET /v1/models", &format!("GET /v1/{}", a(244)));
    });
    let o = gtdocs(over.path(), &["check"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("error[name-too-long]").count(), 3, "{err}");
    assert!(
        err.contains("would be 256 bytes long: file names hold at most 255"),
        "{err}"
    );
    assert!(
        err.contains("gtdocs.yaml:9:15"),
        "index_page's value: {err}"
    );
    assert!(
        err.contains("gtdocs.yaml:11:12"),
        "the route's value: {err}"
    );
    assert!(
        err.contains(&format!("runbooks/{}.yaml", a(239)))
            && err.contains("the slug may be at most 238 bytes here"),
        "{err}"
    );
}

/// `index_page: ""` is refused at its place, with a hint.
#[test]
fn an_empty_page_name_is_refused_at_its_place() {
    let dir = tree(|r| wiki_field(r, "index_page", "\"\""));
    let o = gtdocs(dir.path(), &["check"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[bad-value]: `wiki.index_page`"), "{err}");
    assert!(err.contains("gtdocs.yaml:9:15"), "{err}");
    assert!(
        err.contains("help: use words of letters and digits"),
        "{err}"
    );
}

/// A theme's 100,000 × 100,000 loop: `build` stops in seconds with a
/// diagnostic at the template's line, the previous site untouched, and
/// `check` reports the same.
#[test]
fn a_runaway_template_loop_runs_out_of_fuel() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("loop-theme"), dir.path());
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).expect("mkdir");
    std::fs::write(site.join("kept.txt"), "the previous site").expect("write");
    // A site gtdocs wrote (the marker of every build).
    std::fs::write(site.join(".gtdocs-output"), "").expect("write");
    let started = Instant::now();
    let o = gtdocs(dir.path(), &["build"]);
    let took = started.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        took < Duration::from_secs(20),
        "build took {took:?} (debug build)"
    );
    for (label, o) in [("build", &o), ("check", &gtdocs(dir.path(), &["check"]))] {
        let err = stderr(o);
        assert_eq!(o.status.code(), Some(1), "{label}: {err}");
        assert!(
            err.contains("error[template-fuel]: the template ran out of fuel"),
            "{label}: {err}"
        );
        assert!(
            err.contains("themes/loop/templates/runbook.html:4:1"),
            "{label}: {err}"
        );
        assert!(
            err.contains("help: a loop here runs far too often"),
            "{label}: {err}"
        );
    }
    assert_eq!(
        common::snapshot(&site).into_keys().collect::<Vec<_>>(),
        [".gtdocs-output", "kept.txt"]
    );
}

fn with_epoch(root: &Path, command: &str, epoch: &str) -> Output {
    let out = root.join("out");
    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args([command, "--root", root.to_str().expect("utf-8")])
        .args(if command == "build" {
            vec!["--out".to_string(), out.to_string_lossy().into_owned()]
        } else {
            vec![]
        })
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("run gtdocs")
}

/// A `SOURCE_DATE_EPOCH` past the year 9999 cannot be written as RFC 3339:
/// a clear error (exit 2), not a panic; the last second of 9999 builds.
#[test]
fn source_date_epoch_past_year_9999_is_refused_not_a_panic() {
    let dir = tree(|_| {});
    for epoch in ["253402300800", "18446744073709551615", "-1"] {
        for command in ["build", "check"] {
            let o = with_epoch(dir.path(), command, epoch);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {epoch}: {err}");
            assert!(
                err.contains(&format!(
                    "SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to 253402300799 (9999-12-31T23:59:59Z), not `{epoch}`"
                )) && err.contains("help: unset it"),
                "{command} {epoch}: {err}"
            );
        }
    }
    assert!(!dir.path().join("out").exists());
    let o = with_epoch(dir.path(), "build", "253402300799");
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest =
        std::fs::read_to_string(dir.path().join("out/json/manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"generated_at\": \"9999-12-31T23:59:59Z\""),
        "{manifest}"
    );
}

/// `--jobs` is capped: thousands of threads cost memory and time and make
/// nothing faster.
#[test]
fn jobs_above_the_cap_are_refused() {
    let dir = tree(|_| {});
    for jobs in ["257", "5000", "0", "many"] {
        let o = gtdocs(dir.path(), &["check", "--jobs", jobs]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--jobs {jobs}: {err}");
        assert!(
            err.contains(&format!("invalid value '{jobs}' for '--jobs <N>'")),
            "{err}"
        );
    }
    let err = stderr(&gtdocs(dir.path(), &["check", "--jobs", "5000"]));
    assert!(err.contains("5000 is not between 1 and 256"), "{err}");
    for jobs in ["1", "256"] {
        let o = gtdocs(dir.path(), &["check", "--jobs", jobs]);
        assert!(o.status.success(), "--jobs {jobs}: {}", stderr(&o));
    }
}
