//! `gtdocs build`: determinism, atomicity, and the layout of `site/`.

use std::path::Path;

use crate::common::{self, gtdocs, snapshot};

fn build_into(tree: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    gtdocs(tree, &args)
}

/// Deletes one route mapping (its three lines) from a bundled runbook.
fn remove_route(runbook: &Path, route: &str) {
    let text = std::fs::read_to_string(runbook).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    let needle = format!("route: {route}");
    let at = lines
        .iter()
        .position(|l| l.contains(&needle))
        .expect("route line");
    lines.drain(at..at + 3);
    std::fs::write(runbook, lines.join("\n") + "\n").expect("write");
}

#[test]
fn bundled_runbooks_build_with_zero_warnings() {
    let tree = common::bundled_copy();
    let o = gtdocs(tree.path(), &["build", "--deny-warnings"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.starts_with("built ") && err.lines().count() == 1,
        "a clean build prints its status line only, without -v: {err}"
    );
    let site = snapshot(&tree.path().join("site"));
    let wiki = site
        .keys()
        .filter(|k| k.starts_with("wiki/") && !k.starts_with("wiki/.gtdocs/"))
        .count();
    assert!(
        site.contains_key("wiki/.gtdocs/publish.json"),
        "the settings for publish-wiki"
    );
    let runbooks = site
        .keys()
        .filter(|k| k.starts_with("json/runbooks/"))
        .count();
    assert_eq!(runbooks, 23);
    assert_eq!(
        wiki,
        23 + 5,
        "23 runbook pages, index, matrix, Home, _Sidebar, _Footer"
    );
    for page in [
        "Gen3-Gt-Api-Client-Runbooks",
        "Gen3-Gt-Api-Compatibility-Matrix",
        "Home",
        "_Sidebar",
        "_Footer",
    ] {
        assert!(
            site.contains_key(&format!("wiki/{page}.md")),
            "missing wiki/{page}.md"
        );
    }
    for f in [
        "manifest.json",
        "schema/runbook.schema.json",
        "schema/config.schema.json",
        "schema/manifest.schema.json",
    ] {
        assert!(site.contains_key(&format!("json/{f}")), "missing json/{f}");
    }
}

#[test]
fn builds_are_byte_identical_across_runs_and_thread_counts() {
    let tree = common::bundled_copy();
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let c = tempfile::tempdir().expect("tempdir");
    for (dir, jobs) in [(&a, "1"), (&b, "8"), (&c, "2")] {
        let o = build_into(tree.path(), &dir.path().join("site"), &["--jobs", jobs]);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let first = snapshot(&a.path().join("site"));
    assert!(!first.is_empty());
    assert!(
        first == snapshot(&b.path().join("site")),
        "1 thread vs 8 threads differ"
    );
    assert!(
        first == snapshot(&c.path().join("site")),
        "second run differs"
    );
    // Rebuilding over an existing site gives the same tree again.
    let o = build_into(tree.path(), &a.path().join("site"), &[]);
    assert!(o.status.success());
    assert!(
        first == snapshot(&a.path().join("site")),
        "rebuild over the old site differs"
    );
}

/// A search index of several parts, built side by side (one worker per
/// thread): the same bytes with 1, 2 and 8 threads, and every part there.
#[test]
fn search_parts_built_side_by_side_are_byte_identical_at_any_thread_count() {
    let tree = common::bundled_copy();
    let runbooks = common::files_with_extension(&tree.path().join("runbooks"), "yaml").len();
    let part = 4;
    let dirs: Vec<_> = ["1", "2", "8"]
        .iter()
        .map(|jobs| {
            let dir = tempfile::tempdir().expect("tempdir");
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_gtdocs"))
                .args(["build", "--jobs", jobs, "--out"])
                .arg(dir.path().join("site"))
                .current_dir(tree.path())
                .env("NO_COLOR", "1")
                .env("GTDOCS_SEARCH_PART_SIZE", part.to_string())
                .env_remove("SOURCE_DATE_EPOCH")
                .output()
                .expect("run gtdocs");
            assert!(o.status.success(), "{}", common::stderr(&o));
            dir
        })
        .collect();
    let first = snapshot(&dirs[0].path().join("site"));
    // Pages indexed: every runbook page and every route page.
    let routes = first
        .keys()
        .filter(|p| {
            p.strip_prefix("html/routes/")
                .and_then(|p| p.strip_suffix("/index.html"))
                .is_some_and(|id| !id.contains('/'))
        })
        .count();
    assert!(routes > 0);
    let parts = (runbooks + routes).div_ceil(part);
    assert!(parts > 4, "{parts} parts");
    for k in 2..=parts {
        assert!(
            first
                .keys()
                .any(|p| p.starts_with(&format!("html/pagefind/part-{k}/pagefind-entry.json"))),
            "part {k} of {parts} missing"
        );
    }
    assert!(
        !first
            .keys()
            .any(|p| p.starts_with(&format!("html/pagefind/part-{}/", parts + 1))),
        "more parts than pages"
    );
    for (dir, jobs) in dirs[1..].iter().zip(["2", "8"]) {
        assert!(
            first == snapshot(&dir.path().join("site")),
            "1 thread vs {jobs} threads differ"
        );
    }
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let tree = common::bundled_copy();
    let o = gtdocs(tree.path(), &["build"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let site = tree.path().join("site");
    let before = snapshot(&site);
    let mtime = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let manifest_time = mtime(&site.join("json/manifest.json"));

    // An invalid source: exit 1, nothing written.
    let aider = tree.path().join("runbooks/aider.yaml");
    let text = std::fs::read_to_string(&aider).expect("read");
    std::fs::write(
        &aider,
        text.replace("category: dev-tooling", "category: nope"),
    )
    .expect("write");
    let o = gtdocs(tree.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("unknown category `nope`"));
    assert!(
        before == snapshot(&site),
        "site changed after a failed build"
    );
    assert_eq!(manifest_time, mtime(&site.join("json/manifest.json")));

    // Warnings under --deny-warnings: exit 1, nothing written.
    std::fs::write(&aider, &text).expect("restore");
    remove_route(&aider, "GET /v1/models");
    let o = gtdocs(tree.path(), &["build", "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(
        before == snapshot(&site),
        "site changed after a denied build"
    );

    // No stray temporary folders beside the site.
    let leftovers: Vec<_> = std::fs::read_dir(tree.path())
        .expect("read")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".site"))
        // The build cache is kept on purpose.
        .filter(|e| e.file_name() != ".site.cache")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn an_unwritable_output_is_an_io_error_and_changes_nothing() {
    let tree = common::bundled_copy();
    std::fs::write(tree.path().join("blocker"), "a file, not a folder").expect("write");
    let o = gtdocs(tree.path(), &["build", "--out", "blocker/site"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).starts_with("error: "),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(tree.path().join("blocker")).expect("read"),
        "a file, not a folder"
    );
}

/// `gtdocs build --out <what>` refused the output folder (exit 2).
fn assert_out_refused(o: &std::process::Output, what: &str) {
    let stderr = common::stderr(o);
    assert_eq!(o.status.code(), Some(2), "--out {what}: {stderr}");
    assert!(stderr.contains("refusing to write"), "{stderr}");
}

#[test]
fn the_output_may_not_be_the_tree_or_a_source_folder() {
    let tree = common::bundled_copy();
    for out in [".", "runbooks", "runbooks/site", ".."] {
        let o = gtdocs(tree.path(), &["build", "--out", out]);
        assert_out_refused(&o, out);
    }
    assert!(tree.path().join("runbooks/librechat.yaml").is_file());
}

#[test]
fn an_output_reached_through_a_symlink_is_checked_where_it_leads() {
    let tree = common::bundled_copy();
    std::fs::create_dir(tree.path().join("themes")).expect("themes");
    let outside = tempfile::tempdir().expect("tempdir");
    for (link, target) in [
        ("root-link", tree.path().to_path_buf()),
        ("runbooks-link", tree.path().join("runbooks")),
        ("themes-link", tree.path().join("themes")),
    ] {
        let at = outside.path().join(link);
        std::os::unix::fs::symlink(&target, &at).expect("symlink");
        let before = snapshot(tree.path());
        let o = build_into(tree.path(), &at, &[]);
        assert_out_refused(&o, link);
        assert_eq!(
            snapshot(tree.path()),
            before,
            "--out {link} changed the tree"
        );
    }
}

/// Every name a path is made of (file name → slug, wiki page names) is
/// refused when it could lead out of the output folder, and nothing is
/// written anywhere.
#[test]
fn no_source_name_can_write_outside_the_output() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "wiki.page_prefix",
            "page_prefix: gen3-gt-api-runbooks",
            "page_prefix: ../../escaped",
        ),
        (
            "wiki.index_page",
            "index_page: Gen3-Gt-Api-Client-Runbooks",
            "index_page: ../escaped",
        ),
        (
            "wiki.matrix_page",
            "matrix_page: Gen3-Gt-Api-Compatibility-Matrix",
            "matrix_page: /tmp/escaped",
        ),
        ("site.base_url", "base_url: /", "base_url: /../../"),
    ];
    for (what, from, to) in cases {
        let tree = common::bundled_copy();
        let config = tree.path().join("gtdocs.yaml");
        let text = std::fs::read_to_string(&config).expect("config");
        assert!(text.contains(from), "{what}: the bundled config changed");
        std::fs::write(&config, text.replacen(from, to, 1)).expect("write");
        // The build cache, beside the output, is written for the next
        // build; nothing else is.
        let beside_cache = |dir: &Path| {
            let mut files = snapshot(dir);
            files.retain(|name, _| !name.starts_with(".site.cache/"));
            files
        };
        let before = beside_cache(tree.path());
        let o = gtdocs(tree.path(), &["build"]);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", common::stderr(&o));
        assert!(
            common::stderr(&o).contains(what),
            "{what}: {}",
            common::stderr(&o)
        );
        assert_eq!(
            beside_cache(tree.path()),
            before,
            "{what}: something was written"
        );
        assert!(!tree.path().join("site").exists());
    }
    // A runbook file whose name is no slug. (`..yaml` is a hidden file:
    // not a source, so it is skipped like an editor's backup.)
    for name in [
        "Upper.yaml",
        "a..b.yaml",
        "-x.yaml",
        "a b.yaml",
        "%2e%2e.yaml",
    ] {
        let tree = common::bundled_copy();
        std::fs::copy(
            tree.path().join("runbooks/aider.yaml"),
            tree.path().join("runbooks").join(name),
        )
        .expect("copy");
        let o = gtdocs(tree.path(), &["build"]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", common::stderr(&o));
        assert!(
            common::stderr(&o).contains(name),
            "{name}: {}",
            common::stderr(&o)
        );
        assert!(!tree.path().join("site").exists(), "{name}");
    }
}

#[test]
fn a_missing_route_is_shown_as_unknown_everywhere() {
    let tree = common::bundled_copy();
    remove_route(
        &tree.path().join("runbooks/aider.yaml"),
        "POST /v1/embeddings",
    );
    let o = gtdocs(tree.path(), &["build"]);
    assert!(
        o.status.success(),
        "a missing route is a warning: {}",
        common::stderr(&o)
    );
    let err = common::stderr(&o);
    assert!(
        err.contains("warning[missing-route]") && err.contains("POST /v1/embeddings"),
        "{err}"
    );
    let site = tree.path().join("site");
    let page =
        std::fs::read_to_string(site.join("wiki/Gen3-Gt-Api-Runbooks-Aider.md")).expect("page");
    assert!(
        page.contains("| `POST /v1/embeddings` | unknown | _Not documented in this runbook._ |"),
        "{page}"
    );
    assert!(
        page.contains("- POST /v1/embeddings (unknown): not documented"),
        "{page}"
    );
    let entry: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("json/runbooks/aider.json")).expect("json"),
    )
    .expect("parse");
    let route = entry["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["route"] == "POST /v1/embeddings");
    let route = route.expect("the route is still listed");
    assert_eq!(route["verdict"], "unknown");
    assert_eq!(route["support"], "unknown");
    let matrix = std::fs::read_to_string(site.join("wiki/Gen3-Gt-Api-Compatibility-Matrix.md"))
        .expect("matrix");
    let row = matrix
        .lines()
        .find(|l| l.starts_with("| [Aider](") && l.contains("unknown"))
        .expect("aider verdict row");
    assert!(row.contains("| unknown |"), "{row}");
}

/// `gtdocs build --out DIR` refused DIR because gtdocs did not write it.
fn assert_not_ours(o: &std::process::Output, what: &str) {
    let stderr = common::stderr(o);
    assert_eq!(o.status.code(), Some(2), "--out {what}: {stderr}");
    assert!(
        stderr.contains("refusing to replace")
            && (stderr.contains("it is not empty and gtdocs did not write it")
                || stderr.contains("not the marker file gtdocs writes"))
            && stderr.contains("help: a build replaces its output folder whole"),
        "--out {what}: {stderr}"
    );
}

/// A folder of someone's files, a git folder, a source folder: a build never
/// replaces a non-empty folder it did not write, and nothing in it changes.
#[test]
fn an_output_folder_gtdocs_did_not_write_is_never_replaced() {
    let tree = common::bundled_copy();
    let victim = tempfile::tempdir().expect("tempdir");
    let documents = victim.path().join("documents");
    std::fs::create_dir_all(documents.join("taxes")).expect("mkdir");
    std::fs::write(documents.join("taxes/2026.txt"), "keep me").expect("write");
    // A repository's `.git` and `src`, beside the tree.
    let repo = victim.path().join("repo");
    for (file, text) in [
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("src/main.rs", "fn main() {}\n"),
    ] {
        std::fs::create_dir_all(repo.join(file).parent().expect("parent")).expect("mkdir");
        std::fs::write(repo.join(file), text).expect("write");
    }
    // Looks like an older output at a glance, but holds no manifest.
    let lookalike = victim.path().join("lookalike");
    std::fs::create_dir_all(lookalike.join("html")).expect("mkdir");
    std::fs::write(lookalike.join("html/index.html"), "mine").expect("write");
    // The same layout with a manifest some other tool wrote.
    let web = victim.path().join("web");
    for dir in ["html", "json", "wiki"] {
        std::fs::create_dir_all(web.join(dir)).expect("mkdir");
    }
    std::fs::write(web.join("json/manifest.json"), "{\"name\": \"my app\"}").expect("write");
    // The marker's name on a folder, not a file, does not count.
    let fake_marker = victim.path().join("fake-marker");
    std::fs::create_dir_all(fake_marker.join(".gtdocs-output")).expect("mkdir");
    std::fs::write(fake_marker.join("notes.txt"), "mine").expect("write");
    for out in [
        &documents,
        &repo.join(".git"),
        &repo.join("src"),
        &lookalike,
        &web,
        &fake_marker,
    ] {
        let before = snapshot(victim.path());
        let o = build_into(tree.path(), out, &[]);
        assert_not_ours(&o, &out.display().to_string());
        assert_eq!(
            snapshot(victim.path()),
            before,
            "--out {} lost data",
            out.display()
        );
    }
    // Nothing beside the folders either: no staging folder left.
    let names: Vec<_> = std::fs::read_dir(victim.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

/// Files put into an output folder of gtdocs' own are replaced with it;
/// a new or empty folder is taken, and marked; an output written by an
/// earlier version (no marker) is recognised by its layout.
#[test]
fn gtdocs_replaces_only_the_folders_it_wrote() {
    let tree = common::bundled_copy();
    let outs = tempfile::tempdir().expect("tempdir");
    let empty = outs.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let fresh = outs.path().join("new/site");
    for out in [&empty, &fresh] {
        let o = build_into(tree.path(), out, &[]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        let marker = std::fs::read_to_string(out.join(".gtdocs-output")).expect("marker");
        assert!(marker.contains("gtdocs build"), "{marker}");
        // Built again: it is ours now.
        let o = build_into(tree.path(), out, &[]);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    // An output of an earlier version: html/, json/ (with its manifest), wiki/.
    let legacy = outs.path().join("legacy");
    for dir in ["html", "json", "wiki"] {
        std::fs::create_dir_all(legacy.join(dir)).expect("mkdir");
    }
    std::fs::write(
        legacy.join("json/manifest.json"),
        "{\n  \"$schema\": \"schema/manifest.schema.json\",\n  \"schema_version\": \"1.0.0\",\n  \"generator\": {\n    \"name\": \"gtdocs\",\n    \"version\": \"0.1.0\"\n  }\n}\n",
    )
    .expect("write");
    std::fs::write(legacy.join("wiki/Old-Page.md"), "old").expect("write");
    let o = build_into(tree.path(), &legacy, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(legacy.join(".gtdocs-output").is_file());
    assert!(!legacy.join("wiki/Old-Page.md").exists());
}

/// A symbolic link as the output would itself be replaced by the build (not
/// the folder it leads to): refused, link and folder unchanged.
#[test]
fn an_output_that_is_a_symbolic_link_is_refused() {
    let tree = common::bundled_copy();
    let outs = tempfile::tempdir().expect("tempdir");
    let real = outs.path().join("real");
    std::fs::create_dir(&real).expect("mkdir");
    let link = outs.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let o = build_into(tree.path(), &link, &[]);
    assert_out_refused(&o, "link");
    assert!(
        common::stderr(&o).contains("symbolic link"),
        "{}",
        common::stderr(&o)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_dir(&real).expect("read_dir").count(), 0);
}

/// A mount point cannot be swapped out by a rename: refused up front with a
/// hint, in a private mount namespace (unshare: no root needed, nothing
/// mounted outside the test).
#[test]
fn a_mount_point_as_the_output_is_refused_with_a_hint() {
    let tree = common::bundled_copy();
    let mnt = tempfile::tempdir().expect("tempdir");
    // A tmpfs (another device), then a bind mount (the same device as its
    // parent: only the mount table tells).
    let script = format!(
        "set -e; mkdir {mnt}/tmpfs {mnt}/bound {mnt}/from; mount -t tmpfs gtdocs-test {mnt}/tmpfs; \
         mount --bind {mnt}/from {mnt}/bound; cd {tree}; \
         for at in tmpfs bound; do set +e; {bin} build --out {mnt}/$at; echo \"$at exit=$?\"; done",
        mnt = mnt.path().display(),
        tree = tree.path().display(),
        bin = env!("CARGO_BIN_EXE_gtdocs"),
    );
    let o = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare (util-linux) runs");
    let (out, err) = (common::stdout(&o), common::stderr(&o));
    assert!(
        out.contains("tmpfs exit=2") && out.contains("bound exit=2"),
        "stdout: {out}\nstderr: {err}"
    );
    assert_eq!(err.matches("it is a mount point").count(), 2, "{err}");
    assert!(
        err.contains("it is a mount point")
            && err.contains("help: pass --out with a folder inside the mount point"),
        "{err}"
    );
}

/// Beside the output, only what a killed build left is cleaned up: a
/// folder that merely has a staging or set-aside name stays.
#[test]
fn only_leftovers_of_a_build_are_removed_beside_the_output() {
    let tree = common::bundled_copy();
    let outs = tempfile::tempdir().expect("tempdir");
    let out = outs.path().join("site");
    let keep = [(".site.tmp-notes", "a.txt"), (".site.old-backup", "b.txt")];
    for (dir, file) in keep {
        std::fs::create_dir(outs.path().join(dir)).expect("mkdir");
        std::fs::write(outs.path().join(dir).join(file), "mine").expect("write");
    }
    // What killed builds leave: a staging folder (marked first thing), an
    // empty one, and an old site set aside.
    let left = [".site.tmp-AbC123", ".site.tmp-empty1", ".site.old-XyZ789"];
    std::fs::create_dir(outs.path().join(left[0])).expect("mkdir");
    std::fs::write(outs.path().join(left[0]).join(".gtdocs-output"), "").expect("write");
    std::fs::write(outs.path().join(left[0]).join("half.html"), "").expect("write");
    std::fs::create_dir(outs.path().join(left[1])).expect("mkdir");
    std::fs::create_dir_all(outs.path().join(left[2]).join("site")).expect("mkdir");
    std::fs::write(outs.path().join(left[2]).join("site/.gtdocs-output"), "").expect("write");
    let o = build_into(tree.path(), &out, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    for (dir, file) in keep {
        assert_eq!(
            std::fs::read_to_string(outs.path().join(dir).join(file))
                .ok()
                .as_deref(),
            Some("mine"),
            "{dir} was removed"
        );
    }
    for dir in left {
        assert!(!outs.path().join(dir).exists(), "{dir} was left");
    }
}

/// `--out .`, `--out ..` and a name near the file system's limit: the
/// build works beside the folder the path names, never inside it.
#[test]
fn an_output_named_by_dots_or_a_long_name_builds_where_it_points() {
    let tree = common::bundled_copy();
    let outs = tempfile::tempdir().expect("tempdir");
    let empty = outs.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let root = tree.path().to_str().expect("utf-8");
    let o = common::gtdocs(&empty, &["build", "--root", root, "--out", "."]);
    assert!(o.status.success(), "--out .: {}", common::stderr(&o));
    assert!(empty.join(".gtdocs-output").is_file() && empty.join("html/index.html").is_file());
    // From inside the site it wrote: `..` is that site.
    let o = common::gtdocs(
        &empty.join("html"),
        &["build", "--root", root, "--out", ".."],
    );
    assert!(o.status.success(), "--out ..: {}", common::stderr(&o));
    assert!(empty.join("json/manifest.json").is_file());
    let long = outs.path().join("o".repeat(250));
    let o = build_into(tree.path(), &long, &[]);
    assert!(
        o.status.success(),
        "a 250-byte name: {}",
        common::stderr(&o)
    );
    assert!(long.join(".gtdocs-output").is_file());
    // Beside each output, its build cache only (a name of at most 200
    // bytes of the output's).
    let mut names: Vec<String> = std::fs::read_dir(outs.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let cache = format!(".{}.cache", "o".repeat(200));
    assert_eq!(
        names,
        [
            ".empty.cache".into(),
            cache,
            "empty".into(),
            "o".repeat(250)
        ],
        "nothing else left beside the outputs"
    );
}

/// `--base-url` and `--site-url` are held to what `site.base_url` and
/// `site.url` of gtdocs.yaml are: a bad value is a usage error (2) that
/// names the flag, and nothing is written.
#[test]
fn a_bad_base_url_or_site_url_flag_is_refused_naming_the_flag() {
    let tree = common::bundled_copy();
    let out = tree.path().join("site");
    for (flag, value, message) in [
        ("--base-url", "gt-docs/", "`gt-docs/` is not a path prefix"),
        ("--base-url", "/../", "`/../` is not a path prefix"),
        ("--base-url", "/%2e%2e/", "`/%2e%2e/` is not a path prefix"),
        (
            "--base-url",
            "/docs/%2E./",
            "`/docs/%2E./` is not a path prefix",
        ),
        ("--site-url", "ftp://x", "`ftp://x` is not a site origin"),
        (
            "--site-url",
            "https://u:p@h",
            "`https://…@h` holds a user name or password",
        ),
        (
            "--site-url",
            "https://example.github.io/gt-docs",
            "`https://example.github.io/gt-docs` is not a site origin",
        ),
    ] {
        let o = build_into(tree.path(), &out, &[flag, value]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{flag} {value}: {}",
            common::stderr(&o)
        );
        let stderr = common::stderr(&o);
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("error: `{flag}`: {message}"),
            "{flag} {value}"
        );
        assert!(
            stderr.contains("\n  help: "),
            "{flag} {value}: no hint:\n{stderr}"
        );
        assert!(
            !out.exists(),
            "{flag} {value}: the build wrote {}",
            out.display()
        );
    }
}

/// GitHub Pages gives the base path without its final `/` (`/gt-docs`, or
/// nothing for a site at the root): the flag takes it as it comes, and the
/// site is the one built with the slash.
#[test]
fn a_base_url_flag_without_its_final_slash_builds_the_same_site() {
    let tree = common::bundled_copy();
    let mut sites = Vec::new();
    for (name, base) in [
        ("with", "/gt-docs/"),
        ("without", "/gt-docs"),
        ("root", ""),
        ("slash", "/"),
    ] {
        let out = tree.path().join(name);
        let o = build_into(tree.path(), &out, &["--base-url", base]);
        assert!(
            o.status.success(),
            "--base-url {base:?}: {}",
            common::stderr(&o)
        );
        sites.push(snapshot(&out));
    }
    assert!(
        sites[0] == sites[1],
        "--base-url /gt-docs and /gt-docs/ built different sites"
    );
    assert!(
        sites[2] == sites[3],
        "--base-url '' and / built different sites"
    );
    let home = String::from_utf8_lossy(&sites[0]["html/index.html"]).into_owned();
    assert!(
        home.contains(r#"href="/gt-docs/runbooks/""#),
        "the base is not /gt-docs/"
    );
    // The flag replaces the config's value: a base differs from another.
    assert!(sites[0] != sites[3]);
}
