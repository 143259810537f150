//! The audit of the GitHub Action (`action.yml`) and the workflows
//! (`.github/workflows/`): GitHub's published schemas (check-jsonschema's
//! vendored copies) and zizmor's security audits, both offline, must find
//! nothing; every action is pinned to a commit; every step output and input
//! an expression reads exists, and every `run:` script passes shellcheck
//! (what actionlint would add, without another tool); and the docs workflow
//! has the jobs its header describes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

fn check_jsonschema(builtin: &str, files: &[PathBuf]) -> Output {
    let tool = common::tool("GTDOCS_CHECK_JSONSCHEMA", "check-jsonschema");
    Command::new(&tool)
        .args(["--color", "never", "--builtin-schema", builtin])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

/// zizmor as the test command runs it. `pedantic`: the regular audits plus
/// the code smells (an expression expanded in a script, undocumented
/// permissions, no concurrency limit, an image by tag); `auditor` adds
/// findings zizmor itself expects to be false positives. `--no-config`: a
/// suppression is an inline comment beside what it suppresses, with its
/// reason, never a line in a file elsewhere. `--strict-collection`: a file
/// zizmor cannot read fails the run instead of being skipped.
fn zizmor(format: &str, files: &[PathBuf]) -> Output {
    let tool = common::tool("GTDOCS_ZIZMOR", "zizmor");
    Command::new(&tool)
        .args([
            "--offline",
            "--no-config",
            "--strict-collection",
            "--persona",
            "pedantic",
            "--color",
            "never",
            "--no-progress",
            "--render-links",
            "never",
            "--format",
            format,
        ])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

fn workflows(repo: &Path) -> Vec<PathBuf> {
    let dir = repo.join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("workflows folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflow in {}", dir.display());
    files
}

/// action.yml and every workflow: what both audits read.
fn audited(repo: &Path) -> Vec<PathBuf> {
    let mut files = vec![repo.join("action.yml")];
    files.extend(workflows(repo));
    files
}

fn docs_workflow() -> Value {
    let text = std::fs::read_to_string(common::repo().join(".github/workflows/docs.yml"))
        .expect("docs.yml");
    serde_saphyr::from_str(&text).expect("workflow YAML")
}

#[test]
fn action_and_workflows_match_githubs_schemas() {
    let o = check_jsonschema(
        "vendor.github-actions",
        &[common::repo().join("action.yml")],
    );
    assert!(
        o.status.success() && common::stdout(&o).contains("ok -- validation done"),
        "action.yml: {}{}",
        common::stdout(&o),
        common::stderr(&o)
    );
    let o = check_jsonschema("vendor.github-workflows", &workflows(&common::repo()));
    assert!(
        o.status.success() && common::stdout(&o).contains("ok -- validation done"),
        "workflows: {}{}",
        common::stdout(&o),
        common::stderr(&o)
    );
}

/// The schema checks do fire: a composite step without `shell`, and a
/// workflow job without `runs-on`, are refused.
#[test]
fn the_schema_checks_catch_broken_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let action = std::fs::read_to_string(common::repo().join("action.yml")).expect("read");
    let broken = action.replacen("      shell: bash\n", "", 1);
    assert_ne!(broken, action);
    let path = dir.path().join("action.yml");
    std::fs::write(&path, broken).expect("write");
    assert!(
        !check_jsonschema("vendor.github-actions", &[path])
            .status
            .success()
    );

    let workflow = std::fs::read_to_string(&workflows(&common::repo())[0]).expect("read");
    let broken = workflow.replacen("    runs-on: ubuntu-24.04\n", "", 1);
    assert_ne!(broken, workflow);
    let path = dir.path().join("docs.yml");
    std::fs::write(&path, broken).expect("write");
    assert!(
        !check_jsonschema("vendor.github-workflows", &[path])
            .status
            .success()
    );
}

/// The `# zizmor: ignore[...]` comments of the audited files, each with the
/// reason it must carry after ` -- `.
fn suppressions(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let Some(i) = line.find("zizmor: ignore[") else {
                continue;
            };
            let rest = &line[i..];
            let reason = rest.split_once("] -- ").map(|(_, r)| r.trim());
            assert!(
                reason.is_some_and(|r| r.len() >= 20),
                "{}:{}: a suppression says why, after ` -- `: {line}",
                file.display(),
                n + 1
            );
            found.push(format!("{}:{}", file.display(), n + 1));
        }
    }
    found
}

#[test]
fn zizmor_finds_nothing() {
    let files = audited(&common::repo());
    let o = zizmor("plain", &files);
    let out = common::stdout(&o);
    assert!(
        o.status.success() && out.contains("No findings to report."),
        "zizmor (exit {:?}):\n{out}{}",
        o.status.code(),
        common::stderr(&o)
    );
    for file in &files {
        assert!(
            common::stderr(&o).contains(&format!("completed {}", file.display())),
            "zizmor did not audit {}: {}",
            file.display(),
            common::stderr(&o)
        );
    }
    // Every suppression is used: one that no longer matches a finding is
    // removed, not left to hide the next one.
    let suppressed = suppressions(&files);
    let ignored = if suppressed.is_empty() {
        "No findings to report. Good job!\n".to_owned()
    } else {
        format!(
            "No findings to report. Good job! ({} ignored)\n",
            suppressed.len()
        )
    };
    assert!(
        out.ends_with(&ignored),
        "{out}\nsuppressions: {suppressed:?}"
    );
}

/// (audit, file name, line) of each finding in zizmor's JSON report.
fn findings(o: &Output) -> Vec<(String, String, u64)> {
    let report: Value = serde_json::from_str(&common::stdout(o))
        .unwrap_or_else(|e| panic!("zizmor JSON: {e}\n{}", common::stderr(o)));
    report
        .as_array()
        .expect("an array of findings")
        .iter()
        .map(|f| {
            let primary = f["locations"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["symbolic"]["kind"] == "Primary"))
                .expect("a primary location");
            let path = primary["symbolic"]["key"]["Local"]["verbatim_path"]
                .as_str()
                .expect("path");
            let name = Path::new(path)
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let row = primary["concrete"]["location"]["start_point"]["row"]
                .as_u64()
                .expect("row");
            (
                f["ident"].as_str().expect("ident").to_owned(),
                name,
                row + 1,
            )
        })
        .collect()
}

/// 1-based number of the first line holding `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}"));
    i as u64 + 1
}

/// The audit bites: in a copy of the files, a checkout by tag that keeps
/// its credentials, an expression expanded inside a script, and an action
/// of action.yml by tag are each reported where they are.
#[test]
fn zizmor_reports_an_unpinned_action_kept_credentials_and_an_injection() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".github/workflows")).expect("mkdir");
    let workflow =
        std::fs::read_to_string(common::repo().join(".github/workflows/docs.yml")).expect("read");
    let pinned = workflow
        .lines()
        .find(|l| l.contains("uses: actions/checkout@"))
        .expect("a checkout")
        .to_owned();
    let mut broken = workflow.replacen(&pinned, "      - uses: actions/checkout@v7", 1);
    let start = broken.find("actions/checkout@v7").expect("replaced");
    let kept = "          persist-credentials: false\n";
    let at = broken[start..].find(kept).expect("persist-credentials") + start;
    // persist-credentials left to its default (true); `with:` keeps a key.
    broken.replace_range(at..at + kept.len(), "          fetch-depth: 1\n");
    let script = "          \"$GTDOCS\" diff";
    assert!(broken.contains(script));
    let broken = broken.replacen(
        script,
        "          echo \"${{ github.event.pull_request.title }}\"\n          \"$GTDOCS\" diff",
        1,
    );
    let workflow_path = dir.path().join(".github/workflows/docs.yml");
    std::fs::write(&workflow_path, &broken).expect("write");

    let action = std::fs::read_to_string(common::repo().join("action.yml")).expect("read");
    let pinned = action
        .lines()
        .find(|l| l.contains("uses: actions/configure-pages@"))
        .expect("configure-pages")
        .to_owned();
    let broken_action = action.replacen(&pinned, "      uses: actions/configure-pages@v5", 1);
    let action_path = dir.path().join("action.yml");
    std::fs::write(&action_path, &broken_action).expect("write");

    let o = zizmor("json", &[action_path, workflow_path]);
    assert!(!o.status.success(), "zizmor passed the broken copies");
    let found = findings(&o);
    let checkout = line_of(&broken, "actions/checkout@v7");
    let injected = line_of(&broken, "github.event.pull_request.title");
    let configure = line_of(&broken_action, "actions/configure-pages@v5");
    for expected in [
        ("unpinned-uses", "docs.yml", checkout),
        ("artipacked", "docs.yml", checkout),
        ("template-injection", "docs.yml", injected),
        ("unpinned-uses", "action.yml", configure),
    ] {
        assert!(
            found
                .iter()
                .any(|(a, f, l)| (a.as_str(), f.as_str(), *l) == expected),
            "{expected:?} not in {found:?}"
        );
    }
}

/// Every `uses:` of another repository names a full commit and, in a
/// comment, the release it is (zizmor accepts a bare SHA; a reader, and
/// whoever bumps it, needs the version).
#[test]
fn every_action_is_pinned_to_a_commit_and_names_its_release() {
    let mut seen = 0;
    for file in audited(&common::repo()) {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let Some((_, rest)) = line.split_once("uses: ") else {
                continue;
            };
            if rest.starts_with("./") {
                continue;
            }
            seen += 1;
            let (reference, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            let (action, sha) = reference.split_once('@').unwrap_or((reference, ""));
            let version = comment.split_whitespace().next().unwrap_or_default();
            let numbers: Vec<&str> = version.trim_start_matches('v').split('.').collect();
            assert!(
                action.split('/').count() >= 2
                    && sha.len() == 40
                    && sha
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                    && version.starts_with('v')
                    && numbers.len() == 3
                    && numbers
                        .iter()
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                "{}:{}: pin `owner/repo@<40-hex commit> # vX.Y.Z`: {line}",
                file.display(),
                n + 1
            );
        }
    }
    assert!(seen > 0, "no `uses:` found: the scan is broken");
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_array()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

fn uses<'a>(job: &'a Value, action: &str) -> Option<&'a Value> {
    steps(job).into_iter().find(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u == action || u.starts_with(&format!("{action}@")))
    })
}

fn runs(job: &Value, needle: &str) -> bool {
    steps(job)
        .iter()
        .any(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
}

/// The jobs of the header comment: gtdocs built once and shared; pull
/// requests tested, previewed and diffed; main publishing the wiki and
/// deploying Pages, one deployment at a time, each job with only the
/// permissions it uses.
#[test]
fn the_docs_workflow_builds_once_previews_pull_requests_and_deploys_main() {
    let w = docs_workflow();
    assert_eq!(common::strs(&w["on"]["push"]["branches"]), ["main"]);
    assert!(w["on"].get("pull_request").is_some());
    assert_eq!(w["permissions"], serde_json::json!({}), "none by default");
    let jobs = w["jobs"].as_object().expect("jobs");
    for (name, job) in jobs {
        assert!(
            job["permissions"].is_object(),
            "job {name} names its permissions"
        );
        for step in steps(job) {
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
            {
                assert_eq!(step["with"]["persist-credentials"], false, "job {name}");
            }
        }
    }
    let on_pull_requests = |job: &Value| job["if"] == "github.event_name == 'pull_request'";
    let on_main = |job: &Value| {
        job["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    };

    // Built once: the only job compiling gtdocs for the others uploads it.
    let build = &jobs["build"];
    assert!(runs(build, "build --release --locked"));
    assert_eq!(
        uses(build, "actions/upload-artifact").expect("upload")["with"]["name"],
        "gtdocs"
    );
    let with_action: Vec<(&String, &Value)> = jobs
        .iter()
        .filter(|(_, j)| uses(j, "./").is_some())
        .collect();
    assert_eq!(
        with_action.len(),
        3,
        "preview, wiki and pages use the action"
    );
    for (name, job) in &with_action {
        assert!(!runs(job, "cargo"), "job {name} compiles gtdocs again");
        assert_eq!(job["needs"], "build", "job {name}");
        assert_eq!(
            uses(job, "actions/download-artifact").expect("download")["with"]["name"],
            "gtdocs",
            "job {name}"
        );
        let with = &uses(job, "./").expect("action")["with"];
        assert_eq!(
            with["gtdocs"], "${{ steps.gtdocs.outputs.path }}",
            "job {name}"
        );
    }

    let test = &jobs["test"];
    assert!(on_pull_requests(test));
    assert!(runs(test, "bash .ci/run"));

    let preview = &jobs["preview"];
    assert!(on_pull_requests(preview));
    assert_eq!(
        preview["permissions"],
        serde_json::json!({"contents": "read"})
    );
    assert_eq!(
        uses(preview, "./").expect("action")["with"]["publish-wiki"],
        "false"
    );
    let site = uses(preview, "actions/upload-artifact").expect("site artifact");
    assert_eq!(site["with"]["path"], "${{ steps.docs.outputs.site-dir }}");
    assert!(runs(
        preview,
        "\"$GTDOCS\" diff \"$BASE_SHA\" HEAD --fail-on downgrade --format markdown"
    ));
    assert!(runs(preview, "\"$GITHUB_STEP_SUMMARY\""));

    let wiki = &jobs["wiki"];
    assert!(on_main(wiki));
    assert_eq!(
        wiki["permissions"],
        serde_json::json!({"contents": "write"})
    );
    let with = &uses(wiki, "./").expect("action")["with"];
    assert!(with.get("pages").is_none() && with.get("publish-wiki").is_none());

    let pages = &jobs["pages"];
    assert!(on_main(pages));
    assert_eq!(
        pages["permissions"],
        serde_json::json!({"contents": "read", "pages": "write", "id-token": "write"})
    );
    assert_eq!(
        pages["environment"],
        serde_json::json!({"name": "github-pages", "url": "${{ steps.docs.outputs.page-url }}"})
    );
    let with = &uses(pages, "./").expect("action")["with"];
    assert_eq!(
        (&with["pages"], &with["publish-wiki"]),
        (&"true".into(), &"false".into())
    );

    // A deployment is never cancelled midway, and two never interleave.
    for (name, group) in [("wiki", "wiki-publish"), ("pages", "pages")] {
        assert_eq!(
            jobs[name]["concurrency"],
            serde_json::json!({"group": group, "cancel-in-progress": false}),
            "job {name}"
        );
    }
    assert_eq!(
        w["concurrency"]["cancel-in-progress"], "${{ github.event_name == 'pull_request' }}",
        "only a pull request's run gives way to a newer one"
    );
}

/// Every string of a YAML value, with its path (`jobs.pages.steps[3].with.path`).
fn strings<'a>(v: &'a Value, path: &str, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((path.to_owned(), s)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                strings(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// The `steps.<id>.outputs.<name>` and `inputs.<name>` a text reads (in
/// `${{ }}`, or anywhere in an `if:`, where the braces are implicit).
fn references(text: &str, is_condition: bool) -> Vec<(String, Option<String>)> {
    let reference = regex::Regex::new(
        r"\b(?:steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)|inputs\.([A-Za-z0-9_-]+))",
    )
    .expect("regex");
    let expressions: Vec<&str> = if is_condition {
        vec![text]
    } else {
        text.split("${{")
            .skip(1)
            .filter_map(|e| e.split_once("}}").map(|(e, _)| e))
            .collect()
    };
    expressions
        .iter()
        .flat_map(|e| reference.captures_iter(e))
        .map(|c| match (c.get(1), c.get(2), c.get(3)) {
            (Some(id), Some(name), _) => (
                format!("steps.{}", id.as_str()),
                Some(name.as_str().to_owned()),
            ),
            (_, _, Some(input)) => (format!("inputs.{}", input.as_str()), None),
            _ => unreachable!("the regex has two alternatives"),
        })
        .collect()
}

/// A step's outputs as another step may read them: `None` for an action
/// from elsewhere (its outputs are its own business), the declared outputs
/// for `./`, and every name for a `run:` step (it writes what it likes).
fn readable_outputs(step: &Value, action: &Value) -> Option<Vec<String>> {
    match step["uses"].as_str() {
        Some("./") => Some(
            action["outputs"]
                .as_object()
                .expect("outputs")
                .keys()
                .cloned()
                .collect(),
        ),
        Some(_) => None,
        None => {
            // `name=value` lines a `run:` step writes to $GITHUB_OUTPUT; a
            // step that runs a script file writes what that file does.
            let script = step["run"].as_str().unwrap_or_default();
            if !script.contains("\"$GITHUB_OUTPUT\"") {
                return None;
            }
            let written = regex::Regex::new(r#"echo "([A-Za-z0-9_-]+)="#).expect("regex");
            Some(
                written
                    .captures_iter(script)
                    .map(|c| c[1].to_owned())
                    .collect(),
            )
        }
    }
}

/// Where an expression may look for steps: the ones before it (a step), or
/// all of them (a job's `environment`, `outputs`; an action's `outputs`).
struct Scope<'a> {
    at: String,
    steps: &'a [Value],
    in_action: bool,
}

/// What actionlint would check of our expressions (zizmor and the schemas
/// do not look inside them): each step output read is of a step in scope
/// that writes such an output; each input read is declared.
fn check_references(scope: &Scope, texts: &[(String, &str)], action: &Value) -> usize {
    let inputs = action["inputs"].as_object().expect("inputs");
    let mut checked = 0;
    for (path, text) in texts {
        let is_condition = path.ends_with(".if");
        for (reference, output) in references(text, is_condition) {
            checked += 1;
            let at = format!("{}, {path}: {reference}", scope.at);
            if let Some(input) = reference.strip_prefix("inputs.") {
                assert!(scope.in_action, "{at}: a workflow has no inputs here");
                assert!(inputs.contains_key(input), "{at}: no such input");
                continue;
            }
            let id = reference.trim_start_matches("steps.");
            let step = scope
                .steps
                .iter()
                .find(|s| s["id"] == id)
                .unwrap_or_else(|| panic!("{at}: no step {id} it can read"));
            let output = output.expect("a step reference names an output");
            if let Some(known) = readable_outputs(step, action) {
                assert!(
                    known.contains(&output),
                    "{at}: step {id} has no output {output} ({known:?})"
                );
            }
        }
    }
    checked
}

#[test]
fn every_step_output_and_input_read_exists() {
    let text = std::fs::read_to_string(common::repo().join("action.yml")).expect("read");
    let action: Value = serde_saphyr::from_str(&text).expect("action YAML");
    let inputs = action["inputs"].as_object().expect("inputs");
    let mut checked = 0;

    let steps = action["runs"]["steps"].as_array().expect("steps");
    let mut texts = Vec::new();
    strings(&action["outputs"], "outputs", &mut texts);
    let scope = Scope {
        at: "action.yml".into(),
        steps,
        in_action: true,
    };
    checked += check_references(&scope, &texts, &action);
    for (n, step) in steps.iter().enumerate() {
        let mut texts = Vec::new();
        strings(step, &format!("steps[{n}]"), &mut texts);
        let scope = Scope {
            at: "action.yml".into(),
            steps: &steps[..n],
            in_action: true,
        };
        checked += check_references(&scope, &texts, &action);
    }

    for file in workflows(&common::repo()) {
        let text = std::fs::read_to_string(&file).expect("read");
        let w: Value = serde_saphyr::from_str(&text).expect("workflow YAML");
        for (name, job) in w["jobs"].as_object().expect("jobs") {
            let at = format!("{}: job {name}", file.display());
            let steps = job["steps"].as_array().map_or(&[][..], Vec::as_slice);
            let mut texts = Vec::new();
            for (key, value) in job.as_object().expect("job") {
                if key != "steps" {
                    strings(value, key, &mut texts);
                }
            }
            let scope = Scope {
                at: at.clone(),
                steps,
                in_action: false,
            };
            checked += check_references(&scope, &texts, &action);
            for (n, step) in steps.iter().enumerate() {
                let mut texts = Vec::new();
                strings(step, &format!("steps[{n}]"), &mut texts);
                let scope = Scope {
                    at: at.clone(),
                    steps: &steps[..n],
                    in_action: false,
                };
                checked += check_references(&scope, &texts, &action);
                if step["uses"] == "./" {
                    for key in step["with"].as_object().into_iter().flat_map(|w| w.keys()) {
                        assert!(
                            inputs.contains_key(key),
                            "{at}, steps[{n}]: the action has no input {key}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} references found: the scan is broken"
    );
}

/// The `run:` scripts of the action and the workflows pass shellcheck, as
/// bash (the shell every one of them names).
#[test]
fn every_run_script_passes_shellcheck() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut scripts = Vec::new();
    for file in audited(&common::repo()) {
        let text = std::fs::read_to_string(&file).expect("read");
        let yaml: Value = serde_saphyr::from_str(&text).expect("YAML");
        let mut all = Vec::new();
        strings(&yaml, "", &mut all);
        for (path, script) in all.into_iter().filter(|(p, _)| p.ends_with(".run")) {
            let name = format!("{}{}.sh", scripts.len(), path.replace(['[', ']', '.'], "_"));
            let script_path = dir.path().join(name);
            std::fs::write(&script_path, format!("#!/usr/bin/env bash\n{script}")).expect("write");
            scripts.push((format!("{}: {path}", file.display()), script_path));
        }
    }
    assert!(scripts.len() > 5, "only {} scripts found", scripts.len());
    let tool = common::tool("GTDOCS_SHELLCHECK", "shellcheck");
    let o = Command::new(&tool)
        .args(["--shell=bash", "--color=never", "--format=gcc"])
        .args(scripts.iter().map(|(_, p)| p))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let mut report = common::stdout(&o);
    for (name, path) in &scripts {
        report = report.replace(&path.display().to_string(), name);
    }
    assert!(
        o.status.success(),
        "shellcheck:\n{report}{}",
        common::stderr(&o)
    );
}
