//! The Action's way to a gtdocs binary (`scripts/action/install-gtdocs.sh`):
//! its two steps in `action.yml` run here as the runner runs them, against a
//! fake release served on 127.0.0.1. A binary is used only after its
//! checksum matched; one that does not is deleted without ever running; a
//! ref that is not the release builds from source (with a stand-in cargo).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const RELEASE_COMMIT: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        other => panic!("these tests expect an x86_64 or aarch64 machine, not {other}"),
    }
}

fn asset() -> String {
    format!("gtdocs-{VERSION}-{}-linux", arch())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release served over HTTP on 127.0.0.1: `files` by name, 404 for the
/// rest; every path asked for is recorded.
struct Release {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    requests: Arc<Mutex<Vec<String>>>,
    url: String,
}

impl Release {
    fn serve(files: BTreeMap<String, Vec<u8>>) -> Release {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (s, seen) = (server.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            for request in s.incoming_requests() {
                let path = request.url().to_owned();
                seen.lock().expect("lock").push(path.clone());
                let name = path.rsplit('/').next().unwrap_or_default();
                let _ = match files.get(name) {
                    Some(body) => request.respond(tiny_http::Response::from_data(body.clone())),
                    None => request.respond(
                        tiny_http::Response::from_string("not found").with_status_code(404),
                    ),
                };
            }
        });
        Release {
            server,
            thread: Some(thread),
            requests,
            url: format!("http://127.0.0.1:{port}/example/gtdocs/releases/download/v{VERSION}"),
        }
    }

    fn requested(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|p| p.rsplit('/').next().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A temporary runner: RUNNER_TEMP, HOME, a marker file that any run of a
/// fake gtdocs other than `--version` creates, and a stand-in cargo.
struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in ["temp", "home", "bin"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        let lab = Lab { dir };
        // The stand-in cargo logs its arguments and "builds" a gtdocs that
        // reports the version, where `--target-dir` says.
        let cargo = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --target-dir ] && dir=\"$2\"; shift; done\n\
             mkdir -p \"$dir/release\"\n\
             printf '#!/bin/sh\\necho gtdocs {VERSION}\\n' > \"$dir/release/gtdocs\"\n\
             chmod +x \"$dir/release/gtdocs\"\n",
            log = lab.cargo_log().display()
        );
        lab.write_executable(&lab.dir.path().join("bin/cargo"), &cargo);
        lab
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn marker(&self) -> PathBuf {
        self.path("ran-a-downloaded-binary")
    }

    fn cargo_log(&self) -> PathBuf {
        self.path("cargo-invocations")
    }

    fn install_dir(&self) -> PathBuf {
        self.path("temp/gtdocs-bin")
    }

    fn write_executable(&self, path: &Path, text: &str) {
        std::fs::write(path, text).expect("write");
        let status = Command::new("chmod")
            .arg("0755")
            .arg(path)
            .status()
            .expect("chmod");
        assert!(status.success());
    }

    /// The genuine fake binary: `--version` prints the version, any other
    /// run leaves the marker.
    fn binary(&self) -> Vec<u8> {
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'gtdocs {VERSION}'; exit 0; fi\n: > '{}'\n",
            self.marker().display()
        )
        .into_bytes()
    }

    /// A tampered one: leaves the marker whenever it runs at all.
    fn tampered(&self) -> Vec<u8> {
        format!(
            "#!/bin/sh\n: > '{}'\necho 'gtdocs {VERSION}'\n",
            self.marker().display()
        )
        .into_bytes()
    }

    fn files_in_install_dir(&self) -> Vec<String> {
        match std::fs::read_dir(self.install_dir()) {
            Ok(entries) => entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A whole release: the binary, SHA256SUMS over it (and the other
/// architecture), COMMIT.
fn release_files(binary: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let other = if arch() == "x86_64" {
        "aarch64"
    } else {
        "x86_64"
    };
    let other_name = format!("gtdocs-{VERSION}-{other}-linux");
    let sums = format!(
        "{}  {other_name}\n{}  {}\n",
        sha256_hex(b"another architecture"),
        sha256_hex(binary),
        asset()
    );
    BTreeMap::from([
        (asset(), binary.to_vec()),
        (other_name, b"another architecture".to_vec()),
        ("SHA256SUMS".to_owned(), sums.into_bytes()),
        (
            "COMMIT".to_owned(),
            format!("{RELEASE_COMMIT}\n").into_bytes(),
        ),
    ])
}

/// What running the Action's gtdocs steps did.
struct Run {
    plan: Output,
    install: Option<Output>,
    plan_outputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    /// Whether the cargo cache step's `if:` held.
    cache: bool,
}

impl Run {
    fn log(&self) -> String {
        let mut log = format!(
            "plan: {:?}\n{}{}",
            self.plan.status,
            common::stdout(&self.plan),
            common::stderr(&self.plan)
        );
        if let Some(o) = &self.install {
            log.push_str(&format!(
                "install: {:?}\n{}{}",
                o.status,
                common::stdout(o),
                common::stderr(o)
            ));
        }
        log
    }

    fn installed(&self) -> &Output {
        self.install.as_ref().expect("the install step ran")
    }
}

fn action_steps() -> Vec<Value> {
    let text = std::fs::read_to_string(common::repo().join("action.yml")).expect("action.yml");
    let action: Value = serde_saphyr::from_str(&text).expect("action YAML");
    action["runs"]["steps"].as_array().expect("steps").clone()
}

fn step<'a>(steps: &'a [Value], id: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("action.yml has no step with id `{id}`"))
}

/// `${{ name }}` over the few values these two steps read.
fn expand(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("closed expression") + i;
        let name = rest[i + 3..end].trim();
        let value = values
            .get(name)
            .unwrap_or_else(|| panic!("this test cannot evaluate `{name}`: extend it"));
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("k=v");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Runs `gtdocs-plan` then `gtdocs` from action.yml, with their `env:` and
/// `run:`, as a `uses: example/gtdocs@<action_ref>` would; `extra` is the
/// job's environment (the release URL, a PATH with the stand-in cargo).
fn run_action(
    lab: &Lab,
    release: &Release,
    action_ref: &str,
    inputs: &[(&str, &str)],
    extra: &[(&str, String)],
) -> Run {
    let steps = action_steps();
    let mut values: BTreeMap<&str, String> = BTreeMap::from([
        ("inputs.gtdocs", String::new()),
        ("inputs.build-from-source", "false".to_owned()),
        ("github.action_ref", action_ref.to_owned()),
        ("github.action_repository", "example/gtdocs".to_owned()),
    ]);
    for (k, v) in inputs {
        values.insert(k, (*v).to_owned());
    }
    let path = format!(
        "{}:{}",
        lab.path("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run_step = |id: &str, values: &BTreeMap<&str, String>, n: usize| {
        let step = step(&steps, id);
        assert_eq!(step["shell"], "bash", "step {id}");
        let script = step["run"].as_str().expect("run");
        assert!(
            !script.contains("${{"),
            "step {id} expands an expression in its script"
        );
        let output_file = lab.path(&format!("temp/output-{n}"));
        std::fs::write(&output_file, "").expect("output file");
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env_clear()
            .env("PATH", &path)
            .env("HOME", lab.path("home"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_ACTION_PATH", common::repo())
            .env("GITHUB_SERVER_URL", "http://127.0.0.1:9")
            .env("RUNNER_TEMP", lab.path("temp"))
            .env("RUNNER_OS", "Linux")
            .env("GTDOCS_RELEASE_URL", &release.url)
            .env("GTDOCS_CURL_RETRIES", "0");
        for (k, v) in step["env"].as_object().expect("env") {
            c.env(k, expand(v.as_str().expect("string"), values));
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        let o = c.output().expect("bash");
        (o, read_outputs(&output_file))
    };
    let (plan, plan_outputs) = run_step("gtdocs-plan", &values, 0);
    let cache_step = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    let cache = cache_step["if"] == "steps.gtdocs-plan.outputs.source == 'cargo'"
        && plan_outputs.get("source").map(String::as_str) == Some("cargo");
    if !plan.status.success() {
        return Run {
            plan,
            install: None,
            plan_outputs,
            outputs: BTreeMap::new(),
            cache,
        };
    }
    values.insert(
        "steps.gtdocs-plan.outputs.source",
        plan_outputs.get("source").cloned().unwrap_or_default(),
    );
    let (install, outputs) = run_step("gtdocs", &values, 1);
    Run {
        plan,
        install: Some(install),
        plan_outputs,
        outputs,
        cache,
    }
}

fn release_ref() -> String {
    format!("v{VERSION}")
}

/// The prebuilt binary was installed, checked, and is the one served.
fn assert_prebuilt(lab: &Lab, run: &Run) {
    let log = run.log();
    assert!(run.installed().status.success(), "{log}");
    assert_eq!(run.plan_outputs["source"], "release", "{log}");
    assert!(!run.cache, "no cargo cache for a prebuilt binary: {log}");
    let path = PathBuf::from(&run.outputs["path"]);
    assert_eq!(path, lab.install_dir().join("gtdocs"), "{log}");
    assert_eq!(run.outputs["source"], "release", "{log}");
    assert!(!lab.cargo_log().exists(), "cargo ran: {log}");
    assert!(!lab.marker().exists(), "only --version may have run: {log}");
    let o = Command::new(&path).status().expect("run the binary");
    assert!(o.success());
    assert!(
        lab.marker().exists(),
        "the installed binary is the served one"
    );
    assert_eq!(lab.files_in_install_dir(), ["gtdocs"], "{log}");
}

/// Refused: an `::error::` naming `what`, exit non-zero, nothing downloaded
/// left, nothing downloaded run, no path output.
fn assert_refused(lab: &Lab, run: &Run, what: &str) {
    let log = run.log();
    let o = run.installed();
    assert!(!o.status.success(), "{log}");
    let out = common::stdout(o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error title=gtdocs::") && l.contains(what)),
        "expected an ::error:: line about `{what}`:\n{log}"
    );
    assert!(!lab.marker().exists(), "a downloaded binary ran: {log}");
    assert!(
        lab.files_in_install_dir().is_empty(),
        "left behind: {:?}\n{log}",
        lab.files_in_install_dir()
    );
    assert!(!run.outputs.contains_key("path"), "{log}");
    assert!(!lab.cargo_log().exists(), "cargo ran: {log}");
}

/// Built from source with cargo, for `reason`.
fn assert_built_from_source(lab: &Lab, run: &Run, reason: &str) {
    let log = run.log();
    assert!(run.installed().status.success(), "{log}");
    assert_eq!(run.plan_outputs["source"], "cargo", "{log}");
    assert!(run.cache, "the cargo cache is restored for a build: {log}");
    assert!(
        run.plan_outputs["cache-key"].starts_with("gtdocs-Linux-"),
        "{log}"
    );
    let notice = common::stdout(&run.plan);
    assert!(
        notice
            .lines()
            .any(|l| l.starts_with("::notice title=gtdocs::")
                && l.contains("from the action's source with cargo")
                && l.contains(reason)),
        "expected a notice saying `{reason}`:\n{log}"
    );
    let target = lab.path("home/.cache/gtdocs-action/target");
    assert_eq!(
        PathBuf::from(&run.outputs["path"]),
        target.join("release/gtdocs"),
        "{log}"
    );
    assert_eq!(run.outputs["source"], "cargo", "{log}");
    let calls = std::fs::read_to_string(lab.cargo_log()).expect("cargo was run");
    assert_eq!(
        calls,
        format!(
            "build --release --locked --quiet --manifest-path {} --target-dir {}\n",
            common::repo().join("Cargo.toml").display(),
            target.display()
        )
    );
    assert!(lab.files_in_install_dir().is_empty(), "{log}");
    assert!(!lab.marker().exists(), "{log}");
}

#[test]
fn the_release_binary_is_installed_after_its_checksum_matched() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_prebuilt(&lab, &run);
    assert_eq!(release.requested(), ["SHA256SUMS".to_owned(), asset()]);
    let out = common::stdout(run.installed());
    assert!(
        out.contains(&format!(
            "gtdocs {VERSION} ({}, sha256 {}) from {}",
            arch(),
            sha256_hex(&lab.binary()),
            release.url
        )),
        "{out}"
    );
}

#[test]
fn the_release_commit_as_ref_uses_the_release_binary() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(&lab, &release, RELEASE_COMMIT, &[], &[]);
    assert_prebuilt(&lab, &run);
    assert_eq!(
        release.requested(),
        ["COMMIT".to_owned(), "SHA256SUMS".to_owned(), asset()]
    );
}

#[test]
fn a_tampered_binary_is_deleted_without_running() {
    let lab = Lab::new();
    let mut files = release_files(&lab.binary());
    files.insert(asset(), lab.tampered());
    let release = Release::serve(files);
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_refused(&lab, &run, &format!("checksum mismatch for {}", asset()));
    assert!(run.log().contains("deleted without running it"));
}

#[test]
fn a_missing_checksum_file_stops_before_any_download() {
    let lab = Lab::new();
    let mut files = release_files(&lab.binary());
    files.remove("SHA256SUMS");
    let release = Release::serve(files);
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_refused(&lab, &run, "cannot download the checksums");
    assert_eq!(
        release.requested(),
        ["SHA256SUMS"],
        "the binary is never fetched"
    );
}

#[test]
fn a_checksum_file_without_the_entry_is_refused() {
    let lab = Lab::new();
    let mut files = release_files(&lab.binary());
    // Lines for other names only, one of them a longer name that starts
    // with this one: only the exact name counts.
    let sums = format!(
        "{h}  {a}.old\n{h}  other-{a}\n{h}  gtdocs\n",
        h = sha256_hex(&lab.binary()),
        a = asset()
    );
    files.insert("SHA256SUMS".to_owned(), sums.into_bytes());
    let release = Release::serve(files);
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_refused(&lab, &run, &format!("has no single entry for {}", asset()));
}

#[test]
fn two_entries_for_the_binary_are_refused() {
    let lab = Lab::new();
    let mut files = release_files(&lab.binary());
    let sums = format!(
        "{}  {a}\n{}  {a}\n",
        sha256_hex(&lab.binary()),
        sha256_hex(&lab.tampered()),
        a = asset()
    );
    files.insert("SHA256SUMS".to_owned(), sums.into_bytes());
    let release = Release::serve(files);
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_refused(&lab, &run, "has no single entry");
}

#[test]
fn a_binary_of_another_version_is_refused() {
    let lab = Lab::new();
    let other = b"#!/bin/sh\necho 'gtdocs 0.0.0-other'\n".to_vec();
    let release = Release::serve(release_files(&other));
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_refused(
        &lab,
        &run,
        &format!("does not report 'gtdocs {VERSION}'; deleted"),
    );
}

#[test]
fn a_branch_ref_builds_from_source() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(&lab, &release, "main", &[], &[]);
    assert_built_from_source(
        &lab,
        &run,
        &format!("the action's ref 'main' is not the release tag v{VERSION}"),
    );
    assert!(release.requested().is_empty(), "{:?}", release.requested());
}

#[test]
fn another_commit_as_ref_builds_from_source() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let run = run_action(&lab, &release, commit, &[], &[]);
    assert_built_from_source(
        &lab,
        &run,
        &format!("{commit} is not the commit of the release v{VERSION} ({RELEASE_COMMIT})"),
    );
    assert_eq!(release.requested(), ["COMMIT"]);
}

#[test]
fn a_local_action_builds_from_source() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(&lab, &release, "", &[], &[]);
    assert_built_from_source(&lab, &run, "runs from a local path (uses: ./)");
    assert!(release.requested().is_empty());
}

#[test]
fn build_from_source_is_honoured_at_the_release_tag() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(
        &lab,
        &release,
        &release_ref(),
        &[("inputs.build-from-source", "true")],
        &[],
    );
    assert_built_from_source(&lab, &run, "the input build-from-source is 'true'");
    assert!(release.requested().is_empty());
}

#[test]
fn a_mistyped_build_from_source_stops_the_action() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(
        &lab,
        &release,
        &release_ref(),
        &[("inputs.build-from-source", "True")],
        &[],
    );
    // The plan step stops: nothing is cached, downloaded, built or run.
    assert!(!run.plan.status.success(), "{}", run.log());
    assert!(run.install.is_none() && !run.cache, "{}", run.log());
    let said = common::stdout(&run.plan);
    assert!(
        said.lines().any(|l| l.starts_with("::error title=gtdocs::")
            && l.contains("the input build-from-source is 'True', neither 'true' nor 'false'")),
        "{}",
        run.log()
    );
    assert!(release.requested().is_empty());
    assert!(!lab.cargo_log().exists() && !lab.marker().exists());
}

#[test]
fn an_unknown_machine_type_builds_from_source() {
    let lab = Lab::new();
    lab.write_executable(
        &lab.path("bin/uname"),
        "#!/bin/sh\nif [ \"$1\" = -m ]; then echo riscv64; else echo Linux; fi\n",
    );
    let release = Release::serve(release_files(&lab.binary()));
    let run = run_action(&lab, &release, &release_ref(), &[], &[]);
    assert_built_from_source(
        &lab,
        &run,
        "no prebuilt binary for the machine type riscv64",
    );
    assert!(release.requested().is_empty());
}

#[test]
fn an_installed_binary_skips_download_and_build() {
    let lab = Lab::new();
    let release = Release::serve(release_files(&lab.binary()));
    let given = lab.path("bin/my-gtdocs");
    lab.write_executable(&given, "#!/bin/sh\necho 'gtdocs 0.0.1'\n");
    let given = given.display().to_string();
    let run = run_action(
        &lab,
        &release,
        &release_ref(),
        &[("inputs.gtdocs", given.as_str())],
        &[],
    );
    let log = run.log();
    assert!(run.installed().status.success(), "{log}");
    assert_eq!(run.outputs["path"], given, "{log}");
    assert_eq!(run.outputs["source"], "input", "{log}");
    assert!(!run.cache, "{log}");
    assert!(release.requested().is_empty());
    assert!(!lab.cargo_log().exists());

    let missing = lab.path("bin/absent").display().to_string();
    let run = run_action(
        &lab,
        &release,
        &release_ref(),
        &[("inputs.gtdocs", missing.as_str())],
        &[],
    );
    assert!(!run.installed().status.success(), "{}", run.log());
    assert!(
        common::stdout(run.installed()).contains(&format!(
            "::error title=gtdocs::input gtdocs: {missing} is not an executable file"
        )),
        "{}",
        run.log()
    );
}

/// The scripts the Action runs, and every other shell script of the
/// repository (the test command, the benchmarks), pass shellcheck
/// (Debian's, pinned by scripts/install-test-tools.sh).
#[test]
fn the_shell_scripts_pass_shellcheck() {
    let repo = common::repo();
    let mut scripts = vec![repo.join(".ci/run")];
    for dir in ["scripts", "scripts/action", "scripts/bench"] {
        scripts.extend(
            std::fs::read_dir(repo.join(dir))
                .expect(dir)
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "sh")),
        );
    }
    scripts.sort();
    assert!(
        scripts
            .iter()
            .any(|p| p.ends_with("scripts/action/install-gtdocs.sh")),
        "{scripts:?}"
    );
    let tool = common::tool("GTDOCS_SHELLCHECK", "shellcheck");
    let o = Command::new(&tool)
        .args(["--shell=bash", "--severity=style", "--format=gcc"])
        .args(&scripts)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    assert!(
        o.status.success(),
        "shellcheck: {}{}",
        common::stdout(&o),
        common::stderr(&o)
    );

    // It does fire: an unquoted expansion is reported.
    let bad = tempfile::tempdir().expect("tempdir");
    let file = bad.path().join("bad.sh");
    std::fs::write(&file, "#!/usr/bin/env bash\nrm -f $1\n").expect("write");
    let o = Command::new(&tool)
        .args(["--shell=bash", "--format=gcc"])
        .arg(&file)
        .output()
        .expect("shellcheck");
    assert!(!o.status.success());
    assert!(
        common::stdout(&o).contains("SC2086"),
        "{}",
        common::stdout(&o)
    );
}

/// Every `uses:` is a full commit SHA with the version after it.
fn assert_pinned(file: &str) {
    let text = std::fs::read_to_string(common::repo().join(file)).expect("read");
    let pinned = regex::Regex::new(
        r"^\s*(?:- )?uses: [A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$",
    )
    .expect("regex");
    let mut count = 0;
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:"))
    {
        if line.contains("uses: ./") {
            continue;
        }
        assert!(pinned.is_match(line), "{file}: not pinned to a SHA: {line}");
        count += 1;
    }
    assert!(count > 0, "{file}: no uses: found");
}

/// The gtdocs steps of action.yml: the path travels as a step output through
/// `env:`, nothing goes to GITHUB_ENV, the cache is pinned and only for a
/// build from source.
#[test]
fn the_action_passes_the_binary_as_a_step_output() {
    let text = std::fs::read_to_string(common::repo().join("action.yml")).expect("action.yml");
    assert!(!text.contains("GITHUB_ENV"), "action.yml writes GITHUB_ENV");
    assert_pinned("action.yml");
    let steps = action_steps();
    let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let plan = ids.iter().position(|i| *i == "gtdocs-plan").expect("plan");
    let install = ids.iter().position(|i| *i == "gtdocs").expect("install");
    assert!(plan < install);
    for s in &steps {
        let uses_gtdocs = s["run"].as_str().is_some_and(|r| r.contains("\"$GTDOCS\""));
        if uses_gtdocs {
            assert_eq!(
                s["env"]["GTDOCS"], "${{ steps.gtdocs.outputs.path }}",
                "step {}",
                s["name"]
            );
        }
    }
    assert_eq!(
        step(&steps, "gtdocs")["env"]["GTDOCS_SOURCE"],
        "${{ steps.gtdocs-plan.outputs.source }}"
    );
}

/// The release workflow: least privilege per job, no persisted credentials,
/// pinned actions, no expression inside a script, no GITHUB_ENV, and the
/// assets the install script downloads.
#[test]
fn the_release_workflow_is_locked_down() {
    let file = ".github/workflows/release.yml";
    let text = std::fs::read_to_string(common::repo().join(file)).expect("release.yml");
    assert!(!text.contains("GITHUB_ENV"));
    assert_pinned(file);
    let w: Value = serde_saphyr::from_str(&text).expect("workflow YAML");
    assert_eq!(common::strs(&w["on"]["push"]["tags"]), ["v*"]);
    assert_eq!(w["permissions"], serde_json::json!({}));
    let jobs = w["jobs"].as_object().expect("jobs");
    let mut writers = Vec::new();
    for (name, job) in jobs {
        let perms = job["permissions"].as_object().expect("permissions per job");
        assert_eq!(perms.len(), 1, "job {name}: {perms:?}");
        match perms["contents"].as_str() {
            Some("read") => {}
            Some("write") => writers.push(name.as_str()),
            other => panic!("job {name}: contents {other:?}"),
        }
        for s in job["steps"].as_array().expect("steps") {
            if s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
            {
                assert_eq!(s["with"]["persist-credentials"], false, "job {name}");
            }
            if let Some(run) = s["run"].as_str() {
                assert!(!run.contains("${{"), "job {name}: expression in run: {run}");
            }
        }
    }
    assert_eq!(writers, ["release"]);
    let release = &jobs["release"];
    let script = release["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<String>();
    for needle in [
        "gtdocs-$VERSION-x86_64-linux",
        "gtdocs-$VERSION-aarch64-linux",
        "sha256sum \"${binaries[@]}\" > SHA256SUMS",
        "> COMMIT",
        "gh release create",
    ] {
        assert!(script.contains(needle), "release job lacks `{needle}`");
    }
    let targets: Vec<&str> = jobs["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("matrix")
        .iter()
        .filter_map(|m| m["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
    );
    let check = jobs["check"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<String>();
    assert!(
        check.contains("if [ \"$TAG\" != \"v$version\" ]"),
        "the tag check"
    );
}
