//! The JSON outputs and the YAML sources against the JSON Schemas gtdocs
//! publishes, checked by an outside validator: check-jsonschema (Python
//! `jsonschema`), not the `jsonschema` crate gtdocs validates with itself.
//! One check-jsonschema call per schema, with every instance file in it.
//! A negative control proves the validator really runs; a drift test keeps
//! `gtdocs schema`, the committed `schemas/` and the built `json/schema/`
//! byte for byte the same.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use serde_json::Value;

use crate::common;

/// The published schemas: `gtdocs schema <kind>` and their file name.
const SCHEMAS: [(&str, &str); 9] = [
    ("source", "runbook.schema.json"),
    ("config", "config.schema.json"),
    ("manifest", "manifest.schema.json"),
    ("entry", "runbook-entry.schema.json"),
    ("route", "route.schema.json"),
    ("diff", "diff.schema.json"),
    ("changes", "changes.schema.json"),
    ("probe", "probe.schema.json"),
    ("probe-results", "probe-results.schema.json"),
];

/// A tree copied into a temporary folder and built into `<tmp>/site`.
struct Built {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    json: PathBuf,
}

/// Runs `gtdocs build --root <root> --out <tmp>/site` with the given
/// environment (`SOURCE_DATE_EPOCH` is removed unless given).
fn build_at(root: &Path, out: &Path, env: &[(&str, &str)]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gtdocs"));
    cmd.arg("build")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run gtdocs");
    assert!(
        o.status.success(),
        "gtdocs build --root {} failed ({}):\n{}",
        root.display(),
        o.status,
        common::stderr(&o)
    );
}

/// Copies `from` (a tree with gtdocs.yaml and runbooks/) and builds it.
fn build(from: &Path) -> Built {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::copy(from.join("gtdocs.yaml"), root.join("gtdocs.yaml")).expect("copy gtdocs.yaml");
    common::copy_tree(&from.join("runbooks"), &root.join("runbooks"));
    let out = tmp.path().join("site");
    build_at(&root, &out, &[]);
    Built {
        root,
        json: out.join("json"),
        _tmp: tmp,
    }
}

/// `None` (the test does not run) without the reference corpus.
fn reference_tree() -> Option<PathBuf> {
    Some(common::reference()?.join("gt-runbooks"))
}

/// Files in `dir` whose names end with `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// One check-jsonschema call: `args` then every instance file.
fn check_jsonschema(args: &[OsString], instances: &[PathBuf]) -> Output {
    assert!(!instances.is_empty(), "no instance files to check");
    let tool = common::tool("GTDOCS_CHECK_JSONSCHEMA", "check-jsonschema");
    Command::new(&tool)
        .arg("--color")
        .arg("never")
        .args(args)
        .args(instances)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

fn report(o: &Output) -> String {
    format!(
        "exit {}\n{}{}",
        o.status,
        common::stdout(o),
        common::stderr(o)
    )
}

/// Validates every instance against `schema` in one call; returns the
/// problem, if any.
fn validate(schema: &Path, instances: &[PathBuf]) -> Option<String> {
    let o = check_jsonschema(
        &["--schemafile".into(), schema.as_os_str().to_owned()],
        instances,
    );
    let ok = o.status.success() && common::stdout(&o).contains("ok -- validation done");
    (!ok).then(|| {
        format!(
            "check-jsonschema --schemafile {} on {} file(s): {}",
            schema.display(),
            instances.len(),
            report(&o)
        )
    })
}

/// Every JSON output and YAML source of a built tree against its schema.
fn check_tree(built: &Built) {
    let schema_dir = built.json.join("schema");
    let schemas: Vec<PathBuf> = SCHEMAS.iter().map(|(_, f)| schema_dir.join(f)).collect();
    for s in &schemas {
        assert!(s.is_file(), "the build did not write {}", s.display());
    }
    assert_eq!(
        files(&schema_dir, ".json").len(),
        SCHEMAS.len(),
        "json/schema/ holds other files than the published schemas"
    );
    let manifest = read_json(&built.json.join("manifest.json"));
    let listed = manifest["runbooks"]
        .as_array()
        .expect("manifest runbooks")
        .len();
    let entries = files(&built.json.join("runbooks"), ".json");
    let sources = files(&built.root.join("runbooks"), ".yaml");
    assert!(listed > 0, "the manifest lists no runbooks");
    assert_eq!(
        entries.len(),
        listed,
        "json/runbooks/*.json vs runbooks in manifest.json"
    );
    assert_eq!(
        sources.len(),
        listed,
        "runbooks/*.yaml vs runbooks in manifest.json"
    );

    let mut problems = Vec::new();
    let o = check_jsonschema(&["--check-metaschema".into()], &schemas);
    if !o.status.success() || !common::stdout(&o).contains("ok -- validation done") {
        problems.push(format!(
            "check-jsonschema --check-metaschema: {}",
            report(&o)
        ));
    }
    let routes = files(&built.json.join("routes"), ".json");
    problems.extend(routes_agree_with_the_manifest(&manifest, &routes));
    let checks = [
        (
            "manifest.schema.json",
            vec![built.json.join("manifest.json")],
        ),
        ("runbook-entry.schema.json", entries),
        ("route.schema.json", routes),
        ("runbook.schema.json", sources),
        ("config.schema.json", vec![built.root.join("gtdocs.yaml")]),
    ];
    for (schema, instances) in &checks {
        problems.extend(validate(&schema_dir.join(schema), instances));
    }
    // The probes' declarations and results, where the tree has any.
    let (declarations, results) = probe_files(&built.root);
    for (schema, instances) in [
        ("probe.schema.json", declarations),
        ("probe-results.schema.json", results),
    ] {
        if !instances.is_empty() {
            problems.extend(validate(&schema_dir.join(schema), &instances));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every `probes/<slug>/probe.yaml` and `probes/<slug>/results.json` of the
/// tree at `root`.
fn probe_files(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut found = (Vec::new(), Vec::new());
    let Ok(entries) = std::fs::read_dir(root.join("probes")) else {
        return found;
    };
    let mut dirs: Vec<PathBuf> = entries.map(|e| e.expect("entry").path()).collect();
    dirs.sort();
    for dir in dirs {
        found.0.push(dir.join("probe.yaml"));
        found.1.push(dir.join("results.json"));
    }
    found
}

/// The probes' schemas hold what `gtdocs probe` writes and refuses: the
/// bundled declarations and results pass; a loose pin, a script outside
/// its folder, an unknown field (which gtdocs refuses: see the unit tests
/// of `probe::declared` and `gtdocs_probe_refuses_a_stray_folder_and_a_
/// loose_pin`) and an outcome gtdocs never writes fail in check-jsonschema.
#[test]
fn probe_schemas_accept_the_bundled_probes_and_reject_what_gtdocs_refuses() {
    let repo = common::repo();
    let (declarations, results) = probe_files(&repo);
    assert_eq!(declarations.len(), 6, "{declarations:?}");
    let declaration_schema = repo.join("schemas/probe.schema.json");
    let results_schema = repo.join("schemas/probe-results.schema.json");
    let mut problems: Vec<String> = validate(&declaration_schema, &declarations)
        .into_iter()
        .chain(validate(&results_schema, &results))
        .collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let declaration = std::fs::read_to_string(&declarations[0]).expect("probe.yaml");
    let result = std::fs::read_to_string(&results[0]).expect("results.json");
    let cases: [(&str, String, &Path, &str); 4] = [
        (
            "probe.yaml",
            declaration.replace("==", ">="),
            &declaration_schema,
            "does not match",
        ),
        (
            "probe.yaml",
            declaration.replace("script: probe.py", "script: ../probe.py"),
            &declaration_schema,
            "does not match",
        ),
        (
            "probe.yaml",
            format!("{declaration}extra: 1\n"),
            &declaration_schema,
            "Additional properties",
        ),
        (
            "results.json",
            result.replacen("\"outcome\": \"reached\"", "\"outcome\": \"maybe\"", 1),
            &results_schema,
            "maybe",
        ),
    ];
    for (i, (name, text, schema, word)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join(name);
        std::fs::write(&file, &text).expect("write");
        let o = check_jsonschema(
            &["--schemafile".into(), schema.as_os_str().to_owned()],
            std::slice::from_ref(&file),
        );
        let out = report(&o);
        if o.status.success() || !out.contains(word) {
            problems.push(format!(
                "case {i} ({name}) was not rejected for {word:?}: {out}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// `json/routes/<id>.json`: one per catalog route, named by its id, each
/// listing every runbook with the verdict, support, note and verification
/// the manifest gives it for that route, and the counts of each level.
fn routes_agree_with_the_manifest(manifest: &Value, files: &[PathBuf]) -> Vec<String> {
    let mut problems = Vec::new();
    let catalog = manifest["catalog"]["routes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut expected_names: Vec<String> = catalog
        .iter()
        .map(|r| format!("{}.json", r["id"].as_str().unwrap_or("?")))
        .collect();
    expected_names.sort();
    let mut names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    if names != expected_names || files.is_empty() {
        problems.push(format!(
            "json/routes/: {names:?}, the catalog's ids: {expected_names:?}"
        ));
        return problems;
    }
    let runbooks = manifest["runbooks"].as_array().cloned().unwrap_or_default();
    for (i, route) in catalog.iter().enumerate() {
        let id = route["id"].as_str().unwrap_or("?");
        let file = read_json(&files[0].with_file_name(format!("{id}.json")));
        if file["route"] != route["route"] || file["id"] != route["id"] {
            problems.push(format!(
                "{id}.json names {} / {}",
                file["id"], file["route"]
            ));
        }
        let expected: Vec<Value> = runbooks
            .iter()
            .map(|rb| {
                let r = &rb["routes"][i];
                let mut client = serde_json::json!({
                    "slug": rb["slug"],
                    "title": rb["title"],
                    "verdict": r["verdict"],
                    "support": r["support"],
                });
                for key in ["integration", "verified"] {
                    if !r[key].is_null() {
                        client[key] = r[key].clone();
                    }
                }
                if r["route_id"] != route["id"] {
                    problems.push(format!(
                        "{}: route {i} has route_id {}",
                        rb["slug"], r["route_id"]
                    ));
                }
                client
            })
            .collect();
        if file["clients"].as_array() != Some(&expected) {
            problems.push(format!(
                "{id}.json's clients differ from the manifest's verdicts for {}",
                route["route"]
            ));
        }
        for level in ["full", "partial", "none", "unknown"] {
            let n = expected.iter().filter(|c| c["support"] == level).count();
            if file["counts"][level] != n {
                problems.push(format!(
                    "{id}.json counts {} {level}, the manifest {n}",
                    file["counts"][level]
                ));
            }
        }
    }
    problems
}

#[test]
fn bundled_json_and_sources_pass_check_jsonschema() {
    let tree = common::bundled_copy();
    check_tree(&build(tree.path()));
}

#[test]
fn reference_json_and_sources_pass_check_jsonschema() {
    let Some(tree) = reference_tree() else {
        return;
    };
    check_tree(&build(&tree));
}

/// Verification data (a runbook's, a route's own, the manifest's policy)
/// in the sources and every JSON file.
#[test]
fn verified_json_and_sources_pass_check_jsonschema() {
    let tree = crate::verification::verified_tree();
    let built = build(tree.path());
    let entry = read_json(&built.json.join("runbooks/librechat.json"));
    assert!(entry["verified"]["date"].is_string(), "{entry}");
    check_tree(&built);
}

#[test]
fn hostile_json_and_sources_pass_check_jsonschema() {
    check_tree(&build(&common::fixtures().join("hostile")));
}

/// The validator must reject what the build's schemas forbid: a support
/// level outside the enum, a verdict or a compatibility level the catalog
/// does not have, a `schema_version` that is not semver, a runbook with a
/// route too few or out of place, a verdict with another support level, a
/// catalog entry changed, a field no type names (the generic schema stays
/// open to later minor versions), a route file's route not its id's; an
/// unknown key in a YAML source.
#[test]
fn check_jsonschema_rejects_what_the_schemas_forbid() {
    let tree = common::bundled_copy();
    let built = build(tree.path());
    let tmp = tempfile::tempdir().expect("tempdir");
    let manifest = read_json(&built.json.join("manifest.json"));
    let generic = common::repo().join("schemas/manifest.schema.json");
    let exact = built.json.join("schema/manifest.schema.json");
    // (what, where, the bad value (null: drop the last item), a word the
    // rejection names, whether the generic schema rejects it too)
    let cases: [(&str, &str, Value, &str, bool); 9] = [
        (
            "support",
            "/runbooks/0/routes/0/support",
            Value::from("sometimes"),
            "sometimes",
            false,
        ),
        (
            "verdict",
            "/runbooks/0/routes/0/verdict",
            Value::from("nativ"),
            "nativ",
            false,
        ),
        (
            "compatibility",
            "/runbooks/0/compatibility/id",
            Value::from("native-openaii"),
            "native-openaii",
            false,
        ),
        (
            "schema_version",
            "/schema_version",
            Value::from("banana"),
            "banana",
            true,
        ),
        (
            "route count",
            "/runbooks/0/routes",
            Value::Null,
            "routes",
            false,
        ),
        (
            "route's place",
            "/runbooks/0/routes/0/route_id",
            Value::from("post-v1-embeddings"),
            "route_id",
            false,
        ),
        (
            "verdict's support",
            "/runbooks/0/routes/1/support",
            Value::from("partial"),
            "support",
            false,
        ),
        (
            "catalog label",
            "/catalog/verdicts/0/label",
            Value::from("Nativ"),
            "label",
            false,
        ),
        (
            "slug",
            "/runbooks/0/slug",
            Value::from("Not A Slug"),
            "Not A Slug",
            true,
        ),
    ];
    let mut problems = Vec::new();
    for (what, pointer, value, word, generic_too) in cases {
        let mut bad = manifest.clone();
        let slot = bad
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}"));
        if value.is_null() {
            slot.as_array_mut().expect("routes").pop();
        } else {
            *slot = value;
        }
        let file = tmp.path().join(format!("{}.json", what.replace(' ', "-")));
        std::fs::write(&file, serde_json::to_string_pretty(&bad).expect("json")).expect("write");
        let schemas: Vec<&Path> = if generic_too {
            vec![&exact, &generic]
        } else {
            vec![&exact]
        };
        for schema in schemas {
            let o = check_jsonschema(
                &["--schemafile".into(), schema.as_os_str().to_owned()],
                std::slice::from_ref(&file),
            );
            let out = report(&o);
            if o.status.success() {
                problems.push(format!(
                    "{}: a manifest with a bad {what} was accepted",
                    schema.display()
                ));
            } else if !out.contains(word) {
                problems.push(format!(
                    "{}: rejected, but not for the {what}:\n{out}",
                    schema.display()
                ));
            }
        }
    }
    let mut open = manifest.clone();
    open["bogus"] = Value::from(1);
    let file = tmp.path().join("bogus.json");
    std::fs::write(&file, open.to_string()).expect("write");
    for (schema, rejects) in [(&exact, true), (&generic, false)] {
        let o = check_jsonschema(
            &["--schemafile".into(), schema.as_os_str().to_owned()],
            std::slice::from_ref(&file),
        );
        if o.status.success() == rejects {
            problems.push(format!(
                "{}: an unknown field: {}",
                schema.display(),
                report(&o)
            ));
        }
    }
    let mut route = read_json(&built.json.join("routes/post-v1-embeddings.json"));
    route["route"] = Value::from("GET /v1/models");
    let file = tmp.path().join("route.json");
    std::fs::write(&file, route.to_string()).expect("write");
    let o = check_jsonschema(
        &[
            "--schemafile".into(),
            built.json.join("schema/route.schema.json").into_os_string(),
        ],
        std::slice::from_ref(&file),
    );
    if o.status.success() {
        problems.push("a route file whose route is not its id's was accepted".into());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let source = files(&built.root.join("runbooks"), ".yaml").remove(0);
    let mut yaml = std::fs::read_to_string(&source).expect("read source");
    yaml.push_str("\ncolour: red\n");
    let bad = tmp.path().join("bad-source.yaml");
    std::fs::write(&bad, yaml).expect("write");
    let o = check_jsonschema(
        &[
            "--schemafile".into(),
            built
                .json
                .join("schema/runbook.schema.json")
                .into_os_string(),
        ],
        std::slice::from_ref(&bad),
    );
    assert!(
        !o.status.success(),
        "a runbook with an unknown key was accepted: {}",
        report(&o)
    );
    assert!(
        report(&o).contains("colour"),
        "rejected, but not for the unknown key:\n{}",
        report(&o)
    );
}

/// Every schema has an `$id`: a build's are absolute under `site.url`
/// (with `base_url`) when it is set, else rooted at `base_url`; the generic
/// ones are their file name.
#[test]
fn schema_ids_are_absolute_under_the_site_url() {
    let tree = common::bundled_copy();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut digests = Vec::new();
    for (args, prefix) in [
        (vec![], "/json/schema/".to_owned()),
        (
            vec![
                "--site-url",
                "https://docs.example.com",
                "--base-url",
                "/gt/",
            ],
            "https://docs.example.com/gt/json/schema/".to_owned(),
        ),
    ] {
        let out = tmp.path().join(format!("site-{}", args.len()));
        let mut all = vec!["build", "--out", out.to_str().expect("utf-8")];
        all.extend(args);
        let o = common::gtdocs(tree.path(), &all);
        assert!(o.status.success(), "{}", common::stderr(&o));
        // Where the site is published is not its data.
        digests.push(read_json(&out.join("json/manifest.json"))["data"]["digest"].clone());
        for (_, file) in SCHEMAS {
            for dir in ["json/schema", "html/json/schema"] {
                let schema = read_json(&out.join(dir).join(file));
                assert_eq!(schema["$id"], format!("{prefix}{file}"), "{dir}/{file}");
            }
        }
    }
    assert!(
        digests[0].is_string() && digests[0] == digests[1],
        "{digests:?}"
    );
    for (_, file) in SCHEMAS {
        let schema = read_json(&common::repo().join("schemas").join(file));
        assert_eq!(schema["$id"], file, "schemas/{file}");
    }
}

#[test]
fn manifest_header_and_reproducible_time() {
    let tree = common::bundled_copy();
    let built = build(tree.path());
    let manifest = read_json(&built.json.join("manifest.json"));

    assert_eq!(manifest["$schema"], "schema/manifest.schema.json");
    let semver = Regex::new(
        r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$",
    )
    .expect("regex");
    let version = manifest["schema_version"]
        .as_str()
        .expect("schema_version is a string");
    assert!(
        semver.is_match(version),
        "schema_version {version:?} is not semver"
    );
    assert_eq!(manifest["generator"]["name"], "gtdocs");
    assert_eq!(manifest["generator"]["version"], env!("CARGO_PKG_VERSION"));
    // Every `$schema` names a schema file of the build, relative to the file.
    for path in common::files_with_extension(&built.json, "json") {
        if path.starts_with(built.json.join("schema")) {
            continue;
        }
        let value = read_json(&path);
        let rel = value["$schema"]
            .as_str()
            .unwrap_or_else(|| panic!("{} has no $schema", path.display()));
        let target = path.parent().expect("parent").join(rel);
        assert!(
            target.is_file(),
            "{}: $schema {rel:?} names no file",
            path.display()
        );
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            !text.contains("generated_at"),
            "{} holds generated_at although SOURCE_DATE_EPOCH is unset",
            path.display()
        );
    }

    // With SOURCE_DATE_EPOCH the manifest records exactly that time, and
    // nothing else changes.
    let out = built
        .json
        .parent()
        .expect("site")
        .with_file_name("site-dated");
    build_at(&built.root, &out, &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let mut dated = read_json(&out.join("json/manifest.json"));
    assert_eq!(dated["generated_at"], "2023-11-14T22:13:20Z");
    dated
        .as_object_mut()
        .expect("object")
        .remove("generated_at");
    assert_eq!(
        dated, manifest,
        "SOURCE_DATE_EPOCH changed more than generated_at"
    );
    let plain = common::snapshot(&built.json);
    let mut stamped = common::snapshot(&out.join("json"));
    stamped.remove("manifest.json");
    let mut plain_rest = plain.clone();
    plain_rest.remove("manifest.json");
    assert_eq!(
        stamped.keys().collect::<Vec<_>>(),
        plain_rest.keys().collect::<Vec<_>>()
    );
    assert!(
        stamped == plain_rest,
        "SOURCE_DATE_EPOCH changed a JSON file other than manifest.json"
    );
}

#[test]
fn schemas_do_not_drift() {
    let tree = common::bundled_copy();
    let built = build(tree.path());
    let mut problems = Vec::new();
    for (kind, file) in SCHEMAS {
        let o = common::gtdocs(tree.path(), &["schema", kind]);
        assert!(
            o.status.success(),
            "gtdocs schema {kind}: {}",
            common::stderr(&o)
        );
        let printed = o.stdout;
        let committed_path = common::repo().join("schemas").join(file);
        match std::fs::read(&committed_path) {
            Ok(committed) if committed == printed => {}
            Ok(_) => problems.push(format!(
                "schemas/{file} differs from `gtdocs schema {kind}`: regenerate it with \
                 `cargo run -q -- schema {kind} > schemas/{file}` and commit"
            )),
            Err(e) => problems.push(format!(
                "schemas/{file} is missing ({e}): commit `gtdocs schema {kind}`"
            )),
        }
        let built_schema =
            std::fs::read(built.json.join("schema").join(file)).expect("built schema");
        let root = built.root.to_str().expect("utf-8");
        let exact = common::gtdocs(tree.path(), &["schema", kind, "--exact", "--root", root]);
        if built_schema != exact.stdout {
            problems.push(format!(
                "json/schema/{file} of a build differs from `gtdocs schema {kind} --exact`"
            ));
        }
        let value: Value = serde_json::from_slice(&printed).expect("schema is JSON");
        if value["$schema"] != "http://json-schema.org/draft-07/schema#" {
            problems.push(format!(
                "`gtdocs schema {kind}` is not draft-07: {}",
                value["$schema"]
            ));
        }
    }
    // The bundled runbooks' editor schema: this tree's exact one, committed.
    let repo = common::repo();
    let repo = repo.to_str().expect("utf-8");
    let exact = common::gtdocs(
        tree.path(),
        &["schema", "source", "--exact", "--root", repo],
    );
    let committed = std::fs::read(common::repo().join("schemas/tree/runbook.schema.json"));
    if committed.as_deref().ok() != Some(exact.stdout.as_slice()) {
        problems.push(
            "schemas/tree/runbook.schema.json differs from `gtdocs schema source --exact`: \
             regenerate it with `cargo run -q -- schema source --exact > schemas/tree/runbook.schema.json`"
                .into(),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The manifest is spliced from its entries, each serialized on its own: it
/// must still be exactly what a JSON pretty-printer makes of it (the same
/// bytes after a parse and a print), for the bundled and the hostile tree.
#[test]
fn manifest_is_canonical_pretty_json() {
    for tree in [common::repo(), common::fixtures().join("hostile")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("site");
        let o = common::gtdocs(&tree, &["build", "--out", out.to_str().expect("utf-8")]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        let bytes = std::fs::read(out.join("json/manifest.json")).expect("manifest");
        let value: Value = serde_json::from_slice(&bytes).expect("manifest JSON");
        let mut printed = serde_json::to_vec_pretty(&value).expect("print");
        printed.push(b'\n');
        assert!(
            printed == bytes,
            "{}: manifest.json is not canonical pretty JSON",
            tree.display()
        );
        assert!(value["runbooks"].as_array().is_some_and(|r| !r.is_empty()));
    }
}
