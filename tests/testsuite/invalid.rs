//! Invalid trees: every case of `tests/fixtures/invalid/<case>/` is an
//! overlay on `tests/fixtures/base/` (files replace or add to the base; a
//! file `<name>.delete` deletes `<name>`), checked with
//! `gtdocs check --format json`, and the diagnostics are compared with the
//! case's `expected.txt`:
//!
//! ```text
//! <file>:<line>:<column>: <severity>[<code>]: <message>
//!   help: <hint>
//! exit: <code>
//! ```
//!
//! `GTDOCS_BLESS=1 cargo test --test testsuite invalid` rewrites the
//! expected files. Read every rewritten file before committing it: the line
//! and column must point at the offending token and the message must be
//! accurate.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{copy_tree, fixtures, gtdocs, stderr, stdout};

/// The name of the expectation file in a case folder.
const EXPECTED: &str = "expected.txt";
/// Suffix of an overlay file that deletes its namesake from the base.
const DELETE_SUFFIX: &str = ".delete";

/// Size of the file written by the `file-too-large` case (never committed).
const HUGE_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Cases that must finish faster than the default limit.
fn time_limit(case: &str) -> Duration {
    match case {
        "yaml-alias-bomb" => Duration::from_secs(2),
        "file-too-large" => Duration::from_secs(5),
        _ => Duration::from_secs(10),
    }
}

/// Files a case needs that are not committed: binary or huge inputs.
fn generate(case: &str, root: &Path) {
    match case {
        // A byte 0xFF in the middle of line 3 (column 15) of a valid runbook.
        "non-utf8" => {
            let path = root.join("runbooks/alpha.yaml");
            let text = std::fs::read_to_string(&path).expect("read alpha.yaml");
            let mut bytes = Vec::new();
            for (i, line) in text.split_inclusive('\n').enumerate() {
                if i == 2 {
                    assert!(
                        line.starts_with("  Point Alpha "),
                        "base alpha.yaml line 3 changed: {line:?}"
                    );
                    let (head, tail) = line.split_at("  Point Alpha ".len());
                    bytes.extend_from_slice(head.as_bytes());
                    bytes.push(0xFF);
                    bytes.extend_from_slice(tail.as_bytes());
                } else {
                    bytes.extend_from_slice(line.as_bytes());
                }
            }
            std::fs::write(&path, bytes).expect("write alpha.yaml");
        }
        // Old Mac line ends: every LF of the overlay becomes a lone CR.
        "cr-only-line-ends" => {
            let path = root.join("runbooks/alpha.yaml");
            let text = std::fs::read_to_string(&path).expect("read alpha.yaml");
            assert!(text.starts_with('#') && !text.contains('\r'));
            std::fs::write(&path, text.replace('\n', "\r")).expect("write alpha.yaml");
        }
        // 50 MB of valid YAML: a runbook with an enormous `caveats` list.
        "file-too-large" => {
            let path = root.join("runbooks/huge.yaml");
            let mut file =
                std::io::BufWriter::new(std::fs::File::create(&path).expect("create huge.yaml"));
            let head = "title: Huge\ncaveats:\n";
            file.write_all(head.as_bytes()).expect("write");
            let line = "  - A caveat that is repeated until the file is fifty megabytes long.\n";
            let mut written = head.len();
            while written < HUGE_FILE_BYTES {
                file.write_all(line.as_bytes()).expect("write");
                written += line.len();
            }
            file.flush().expect("flush");
        }
        _ => {}
    }
}

/// Every case folder, sorted by name.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures().join("invalid"))
        .expect("read tests/fixtures/invalid")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                p,
            )
        })
        .collect();
    cases.sort();
    cases
}

/// A temporary copy of the base tree with the case's overlay applied.
pub(crate) fn overlay(case_dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), tmp.path());
    for entry in walkdir::WalkDir::new(case_dir)
        .min_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(case_dir).expect("prefix");
        if rel == Path::new(EXPECTED) {
            continue;
        }
        let dest = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else if let Some(name) = rel.to_str().and_then(|r| r.strip_suffix(DELETE_SUFFIX)) {
            let target = tmp.path().join(name);
            assert!(
                target.is_file(),
                "{}: nothing to delete at {name}",
                case_dir.display()
            );
            std::fs::remove_file(target).expect("delete");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
    tmp
}

/// Renders `gtdocs check --format json` output in the expected.txt format.
/// Paths under the temporary root are shown relative to it; anything
/// unexpected (stderr output, stdout that is not the JSON report, a
/// counts mismatch) is rendered too, so it shows in the diff.
fn render(root: &Path, output: &Output) -> String {
    let prefix = format!("{}/", root.display());
    let strip = |s: &str| s.replace(&prefix, "");
    let mut out = String::new();
    let text = stdout(output);
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(report) => {
            let diagnostics = report["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut counted = (0, 0);
            for d in &diagnostics {
                let field = |k: &str| d.get(k).and_then(serde_json::Value::as_str).map(strip);
                let place = |k: &str| {
                    d.get(k)
                        .and_then(serde_json::Value::as_u64)
                        .map_or("-".into(), |n| n.to_string())
                };
                let severity = field("severity").unwrap_or_default();
                let omitted = |k: &str| d["omitted"][k].as_u64();
                match (omitted("errors"), omitted("warnings"), severity.as_str()) {
                    (Some(e), Some(w), _) => counted = (counted.0 + e, counted.1 + w),
                    (_, _, "error") => counted.0 += 1,
                    (_, _, "warning") => counted.1 += 1,
                    _ => {}
                }
                let _ = writeln!(
                    out,
                    "{}:{}:{}: {severity}[{}]: {}",
                    field("file").unwrap_or_else(|| "-".into()),
                    place("line"),
                    place("column"),
                    field("code").unwrap_or_default(),
                    field("message").unwrap_or_default(),
                );
                if let Some(hint) = field("hint") {
                    let _ = writeln!(out, "  help: {hint}");
                }
            }
            let reported = (
                report["errors"].as_u64().unwrap_or(u64::MAX),
                report["warnings"].as_u64().unwrap_or(u64::MAX),
            );
            if reported != counted {
                let _ = writeln!(
                    out,
                    "counts: {reported:?} reported, {counted:?} listed (errors, warnings)"
                );
            }
        }
        Err(e) => {
            let _ = writeln!(out, "stdout is not JSON ({e}):");
            for line in strip(&text).lines() {
                let _ = writeln!(out, "| {line}");
            }
        }
    }
    let err = stderr(output);
    if !err.is_empty() {
        let _ = writeln!(out, "stderr:");
        for line in strip(&err).lines() {
            let _ = writeln!(out, "| {line}");
        }
    }
    match output.status.code() {
        Some(code) => {
            let _ = writeln!(out, "exit: {code}");
        }
        None => {
            let _ = writeln!(out, "exit: killed by a signal ({:?})", output.status);
        }
    }
    out
}

/// A line diff of expected vs actual: `-` expected only, `+` actual only.
fn diff(expected: &str, actual: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    // Longest common subsequence; the files are a few lines long.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "    {}", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "  + {}", b[j]);
            j += 1;
        } else {
            let _ = writeln!(out, "  - {}", a[i]);
            i += 1;
        }
    }
    out
}

struct Run {
    tree: tempfile::TempDir,
    output: Output,
    elapsed: Duration,
}

/// Builds the case's tree and runs `gtdocs check --quiet --format json`
/// on it (the diagnostics, without the status line's timing).
fn run_case(case: &str, dir: &Path, extra: &[&str]) -> Run {
    let tree = overlay(dir);
    generate(case, tree.path());
    let root = tree.path().to_str().expect("utf-8 temp path").to_string();
    let mut args = vec![
        "check",
        "--quiet",
        "--format",
        "json",
        "--root",
        root.as_str(),
    ];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let output = gtdocs(tree.path(), &args);
    Run {
        elapsed: started.elapsed(),
        tree,
        output,
    }
}

/// The outcome of one case: `Err` holds a readable report of what is wrong.
fn check_case(case: &str, dir: &Path, bless: bool) -> Result<(), String> {
    let run = run_case(case, dir, &[]);
    let actual = render(run.tree.path(), &run.output);
    let mut problems = Vec::new();
    let limit = time_limit(case);
    if run.elapsed > limit {
        problems.push(format!(
            "took {:.2?}, more than the {limit:?} allowed",
            run.elapsed
        ));
    }
    let expected_path = dir.join(EXPECTED);
    if bless {
        std::fs::write(&expected_path, &actual).expect("write expected.txt");
    } else {
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            problems.push(format!(
                "output differs from {EXPECTED} (- expected, + actual):\n{}",
                diff(&expected, &actual)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("case `{case}`: {}", problems.join("\n")))
    }
}

#[test]
fn base_tree_is_valid() {
    let base = fixtures().join("base");
    let output = gtdocs(
        &base,
        &[
            "check",
            "--quiet",
            "--root",
            base.to_str().expect("utf-8"),
            "--deny-warnings",
            // Nothing is written into the repository's fixtures.
            "--no-cache",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr:\n{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
}

#[test]
fn invalid_trees_report_expected_diagnostics() {
    let bless = std::env::var_os("GTDOCS_BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(
        cases.len() >= 28,
        "only {} cases in tests/fixtures/invalid",
        cases.len()
    );
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    let mut failures: Vec<(usize, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut failures = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((case, dir)) = cases.get(i) else {
                            break;
                        };
                        if let Err(report) = check_case(case, dir, bless) {
                            failures.push((i, report));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} invalid cases failed (in {:.1?}; GTDOCS_BLESS=1 rewrites expected.txt, check them by eye):\n\n{}",
        failures.len(),
        cases.len(),
        started.elapsed(),
        failures
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// A missing route is only a warning; `--deny-warnings` makes it fail.
#[test]
fn missing_route_fails_only_with_deny_warnings() {
    let dir = fixtures().join("invalid/missing-route");
    let run = run_case("missing-route", &dir, &[]);
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "{}",
        render(run.tree.path(), &run.output)
    );
    let denied = run_case("missing-route", &dir, &["--deny-warnings"]);
    let rendered = render(denied.tree.path(), &denied.output);
    assert_eq!(denied.output.status.code(), Some(1), "{rendered}");
    assert!(
        rendered.contains(": warning[missing-route]: "),
        "{rendered}"
    );
}

/// The 50 MB file is refused before it is read whole: the process stays small.
#[cfg(target_os = "linux")]
#[test]
fn huge_file_is_refused_with_little_memory() {
    let dir = fixtures().join("invalid/file-too-large");
    let tree = overlay(&dir);
    generate("file-too-large", tree.path());
    let check = |root: &Path| {
        let root = root.to_str().expect("utf-8").to_string();
        rusage::run(
            std::process::Command::new(env!("CARGO_BIN_EXE_gtdocs"))
                // No cache: nothing written into the repository's fixtures.
                .args(["check", "--format", "json", "--no-cache", "--root", &root]),
        )
    };
    // What checking the small base tree costs, for comparison.
    let (base_code, base_rss_kib, base_out) = check(&fixtures().join("base"));
    assert_eq!(base_code, Some(0), "{base_out}");
    let started = Instant::now();
    let (code, max_rss_kib, out) = check(tree.path());
    let elapsed = started.elapsed();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("\"code\": \"file-too-large\""), "{out}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    // The file is 50 MiB: reading it whole (let alone parsing it) would add
    // at least that much to what the base tree needs.
    assert!(
        max_rss_kib < base_rss_kib + 16 * 1024,
        "max RSS {max_rss_kib} KiB, against {base_rss_kib} KiB for the base tree"
    );
}

/// The maximum resident set size of one child process, from `wait4(2)`.
#[cfg(target_os = "linux")]
pub(crate) mod rusage {
    use std::io::Read as _;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// Runs the command to completion: exit code, max RSS in KiB, stdout.
    pub fn run(command: &mut Command) -> (Option<i32>, std::ffi::c_long, String) {
        let mut child = command
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn gtdocs");
        let mut out = String::new();
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read stdout");
        let ended = wait(child, Duration::MAX);
        (ended.code, ended.max_rss_kib, out)
    }

    /// How a child process ended.
    pub struct Ended {
        /// `None` when killed (by a signal, or for taking too long).
        pub code: Option<i32>,
        /// From `wait4`: the child's peak, or its parent's RSS when it was
        /// spawned if that was more (the kernel keeps the high-water mark
        /// of the memory image `exec` replaced: the test process's).
        pub max_rss_kib: std::ffi::c_long,
        /// The peak of the child's own memory image (`VmHWM`), as last read
        /// while it ran (read every few milliseconds; `None` if never).
        pub own_peak_kib: Option<std::ffi::c_long>,
        pub elapsed: Duration,
        pub timed_out: bool,
    }

    /// Reaps `child` with `wait4`, killing it once it has run `limit`
    /// (measured from now): a test of a cost bound fails in bounded time.
    pub fn wait(child: Child, limit: Duration) -> Ended {
        let started = Instant::now();
        let pid = i32::try_from(child.id()).expect("pid");
        let mut status = 0;
        // SAFETY: an all-zero `rusage` is valid; `wait4` writes both out-parameters.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let mut timed_out = false;
        let mut own_peak_kib = None;
        let status_file = format!("/proc/{pid}/status");
        loop {
            if let Some(hwm) = std::fs::read_to_string(&status_file)
                .ok()
                .as_deref()
                .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:")))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                own_peak_kib = Some(hwm);
            }
            // SAFETY: `pid` is our own, not yet reaped child; the pointers are valid.
            let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if reaped == pid {
                break;
            }
            assert_eq!(
                reaped,
                0,
                "wait4 failed: {}",
                std::io::Error::last_os_error()
            );
            if !timed_out && started.elapsed() > limit {
                timed_out = true;
                // SAFETY: signalling our own child, not yet reaped.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // `child` is reaped: do not call `wait` on it (dropping it does not).
        drop(child);
        Ended {
            code: (status & 0x7f == 0).then_some((status >> 8) & 0xff),
            max_rss_kib: usage.ru_maxrss,
            own_peak_kib,
            elapsed: started.elapsed(),
            timed_out,
        }
    }
}

/// The human format of one small case, exactly: rustc-style snippet, caret
/// under the offending key, `= help:` line and the summary.
#[test]
fn human_format_shows_snippet_caret_and_help() {
    let tree = overlay(&fixtures().join("invalid/unknown-field-did-you-mean"));
    let root = tree.path().to_str().expect("utf-8").to_string();
    let output = gtdocs(tree.path(), &["check", "--root", &root]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let shown = stderr(&output).replace(&format!("{root}/"), "");
    let expected = "\
error[unknown-field]: unknown field `caveat`
  --> runbooks/alpha.yaml:31:1
   |
31 | caveat:
   | ^^^^^^ not a field of this mapping
   |
   = help: did you mean `caveats`?

1 error, 0 warnings
";
    assert_eq!(
        shown, expected,
        "\n--- expected\n{expected}\n--- actual\n{shown}"
    );
}

/// A password in a URL of `gtdocs.yaml` is as secret as a key: the message
/// quotes the URL without it and the snippet hides it, in every format.
#[test]
fn a_password_in_a_url_is_shown_in_no_format() {
    for (case, secrets) in [
        ("config-site-url-credentials", ["deploy", "hunter2"]),
        (
            "config-repository-credentials",
            ["x-access-token", "ghp_secret"],
        ),
    ] {
        let tree = overlay(&fixtures().join("invalid").join(case));
        let root = tree.path().to_str().expect("utf-8").to_string();
        for format in ["human", "json", "github"] {
            let o = gtdocs(tree.path(), &["check", "--format", format, "--root", &root]);
            assert_eq!(o.status.code(), Some(1), "{case} {format}");
            let all = format!("{}{}", stdout(&o), stderr(&o));
            assert!(
                all.contains("holds a user name or password"),
                "{case} {format}: {all}"
            );
            for secret in secrets {
                assert!(
                    !all.contains(secret),
                    "{case} {format} shows {secret:?}: {all}"
                );
            }
        }
    }
}

/// A credential is shown as its first characters and `…`, in the snippet
/// of its own diagnostic and of another on its line, the caret under what
/// is shown and the columns those of the source; no format prints more of
/// the key (no run of 10 of its characters).
#[test]
fn credentials_are_redacted_in_every_format() {
    let tree = overlay(&fixtures().join("invalid/credential-beside-other-problems"));
    let root = tree.path().to_str().expect("utf-8").to_string();
    let run = |format: &str| gtdocs(tree.path(), &["check", "--format", format, "--root", &root]);
    let human = run("human");
    assert_eq!(human.status.code(), Some(1));
    assert_eq!(stdout(&human), "");
    let shown = stderr(&human).replace(&format!("{root}/"), "");
    let expected = "\
error[credential]: this looks like a real credential (`sk-proj-A…`)
  --> runbooks/alpha.yaml:15:12
   |
15 |     value: sk-proj-A…
   |            ^^^^^^^^^^ runbooks are published
   |
   = help: use a placeholder such as `gtak_...`, and revoke the key if it was real

error[unknown-field]: unknown field `note`
  --> runbooks/alpha.yaml:16:5
   |
16 |     note: sk-proj-Z…
   |     ^^^^ not a field of this mapping
   |
   = help: known fields here: field, value

error[credential]: this looks like a real credential (`sk-proj-Z…`)
  --> runbooks/alpha.yaml:16:11
   |
16 |     note: sk-proj-Z…
   |           ^^^^^^^^^^ runbooks are published
   |
   = help: use a placeholder such as `gtak_...`, and revoke the key if it was real

3 errors, 0 warnings
";
    assert_eq!(
        shown, expected,
        "\n--- expected\n{expected}\n--- actual\n{shown}"
    );
    let keys = [
        "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
        "sk-proj-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zyxw",
    ];
    let source =
        std::fs::read_to_string(tree.path().join("runbooks/alpha.yaml")).expect("read alpha.yaml");
    for format in ["human", "json", "github"] {
        let output = run(format);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        for key in keys {
            assert!(source.contains(key), "the fixture lost {key}");
            for part in key.as_bytes().windows(10) {
                let part = std::str::from_utf8(part).expect("ASCII");
                assert!(
                    !printed.contains(part),
                    "--format {format} prints `{part}` of a key:\n{printed}"
                );
            }
        }
    }
}

/// A line of keys with more problems than a report lists: the snippets of
/// the listed ones hide the keys of those left out too.
#[test]
fn credentials_left_out_of_a_report_are_redacted_too() {
    let tree = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("base"), tree.path());
    let path = tree.path().join("runbooks/beta.yaml");
    let text = std::fs::read_to_string(&path).expect("read beta.yaml");
    let keys: Vec<String> = (0..105)
        .map(|i| format!("gtak_Q{i:03}x7Lm2Vb9Kc4Rt8Wn"))
        .collect();
    let list = format!("not_supported: [{}]\n", keys.join(", "));
    let text = regex::Regex::new(r"(?m)^not_supported:\n(  - .*\n)+")
        .expect("regex")
        .replace(&text, list.as_str());
    assert!(
        text.contains(&keys[104]),
        "beta.yaml has no `not_supported` list"
    );
    std::fs::write(&path, text.as_bytes()).expect("write beta.yaml");
    for format in ["human", "json"] {
        let output = gtdocs(tree.path(), &["check", "--format", format, "--root", "."]);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            printed.contains("more problems in this file"),
            "--format {format}: nothing left out:\n{printed}"
        );
        for key in &keys {
            for part in key.as_bytes().windows(10) {
                let part = std::str::from_utf8(part).expect("ASCII");
                assert!(
                    !printed.contains(part),
                    "--format {format} prints `{part}` of {key}:\n{printed}"
                );
            }
        }
    }
}

/// `--format github` prints only workflow commands, one per line.
#[test]
fn github_format_prints_only_workflow_commands() {
    let tree = overlay(&fixtures().join("invalid/several-errors-one-file"));
    let root = tree.path().to_str().expect("utf-8").to_string();
    let output = gtdocs(
        tree.path(),
        &["check", "--format", "github", "--root", &root],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    let command =
        regex::Regex::new(r"^::(error|warning) file=[^,]+(,line=\d+,col=\d+)?,title=[^:]+::.+$")
            .expect("regex");
    let lines: Vec<&str> = text.lines().collect();
    // One command per diagnostic of the case's expected.txt (6 errors).
    let expected = std::fs::read_to_string(
        fixtures()
            .join("invalid/several-errors-one-file")
            .join(EXPECTED),
    )
    .expect("read expected.txt");
    let problems = expected
        .lines()
        .filter(|l| !l.starts_with("  help: ") && !l.starts_with("exit: "))
        .count();
    assert!(
        problems >= 5,
        "several-errors-one-file lists only {problems} problems"
    );
    assert_eq!(
        lines.len(),
        problems,
        "expected one command per problem, got:\n{text}"
    );
    for line in &lines {
        assert!(
            command.is_match(line),
            "not a workflow command: {line:?}\nin:\n{text}"
        );
    }
}

/// One workflow command, parsed by the grammar of the Actions runner
/// (`::name k=v,k=v::message`, with `@actions/core`'s escaping undone).
#[derive(Debug, PartialEq)]
struct WorkflowCommand {
    name: String,
    properties: Vec<(String, String)>,
    message: String,
}

fn unescape(s: &str, property: bool) -> String {
    let mut out = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        out = out.replace("%3A", ":").replace("%2C", ",");
    }
    out.replace("%25", "%")
}

/// Parses one line strictly: anything the runner would not read as a
/// command (or would read differently) is an error.
fn parse_command(line: &str) -> Result<WorkflowCommand, String> {
    let rest = line
        .strip_prefix("::")
        .ok_or_else(|| format!("does not start with `::`: {line:?}"))?;
    let (head, message) = rest
        .split_once("::")
        .ok_or_else(|| format!("no `::` before the message: {line:?}"))?;
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    if !matches!(name, "error" | "warning" | "notice") {
        return Err(format!("unknown command `{name}`: {line:?}"));
    }
    let mut properties = Vec::new();
    for prop in props.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = prop
            .split_once('=')
            .ok_or_else(|| format!("property without `=`: {prop:?} in {line:?}"))?;
        if !matches!(
            k,
            "file" | "line" | "endLine" | "col" | "endColumn" | "title"
        ) {
            return Err(format!("unknown property `{k}` in {line:?}"));
        }
        if v.contains([':', ',', '\r', '\n']) {
            return Err(format!("unescaped character in property {k}: {line:?}"));
        }
        properties.push((k.to_owned(), unescape(v, true)));
    }
    if message.contains(['\r', '\n']) {
        return Err(format!("raw line break in the message: {line:?}"));
    }
    Ok(WorkflowCommand {
        name: name.to_owned(),
        properties,
        message: unescape(message, false),
    })
}

/// The exact output for a file name and message that need every escape.
#[test]
fn github_format_is_exactly_the_workflow_command_syntax() {
    let tree = overlay(&fixtures().join("invalid/bad-slug"));
    std::fs::write(
        tree.path().join("runbooks/odd,name:50%.yaml"),
        std::fs::read(tree.path().join("runbooks/alpha.yaml")).expect("read"),
    )
    .expect("write");
    let output = gtdocs(tree.path(), &["check", "--format", "github", "--root", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.contains("odd%2Cname%3A50%25.yaml"))
        .unwrap_or_else(|| panic!("no command for the odd file name in:\n{text}"));
    assert_eq!(
        line,
        "::error file=runbooks/odd%2Cname%3A50%25.yaml,title=gtdocs bad-slug::\
         file name `odd,name:50%25.yaml` is not a valid slug: use lowercase letters, digits and \
         single dashes%0Ahelp: rename the file to `odd-name-50.yaml`"
    );
    let parsed = parse_command(line).expect("parses");
    assert_eq!(parsed.properties[0].1, "runbooks/odd,name:50%.yaml");
    assert!(parsed.message.contains("\nhelp: "), "{:?}", parsed.message);
    assert!(!line.contains('\n'));
}

/// Every invalid fixture: each GitHub command decodes to exactly the
/// diagnostic `--format json` reports (file, line, column, code, message
/// and hint), in the same order.
#[test]
fn github_commands_carry_every_diagnostic_exactly() {
    let mut problems = Vec::new();
    for (case, dir) in cases() {
        if case == "file-too-large" {
            continue; // generated 50 MB input, covered on its own
        }
        let tree = overlay(&dir);
        generate(&case, tree.path());
        let run = |format: &str| gtdocs(tree.path(), &["check", "--format", format, "--root", "."]);
        let (github, json) = (run("github"), run("json"));
        assert_eq!(github.status.code(), json.status.code(), "{case}");
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
        let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
        let text = stdout(&github);
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != diagnostics.len() {
            problems.push(format!(
                "{case}: {} commands for {} diagnostics",
                lines.len(),
                diagnostics.len()
            ));
            continue;
        }
        for (line, d) in lines.iter().zip(diagnostics) {
            let parsed = match parse_command(line) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(format!("{case}: {e}"));
                    continue;
                }
            };
            let prop = |k: &str| {
                parsed
                    .properties
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let text_of = |k: &str| d[k].as_str().map(str::to_owned);
            let number = |k: &str| d[k].as_u64().map(|n| n.to_string());
            let mut message = d["message"].as_str().unwrap_or_default().to_owned();
            if let Some(hint) = d["hint"].as_str() {
                message = format!("{message}\nhelp: {hint}");
            }
            let expected = WorkflowCommand {
                name: d["severity"].as_str().unwrap_or_default().to_owned(),
                properties: parsed.properties.clone(),
                message,
            };
            if parsed != expected
                || prop("file") != text_of("file")
                || prop("line") != number("line")
                || prop("col") != number("column")
                || prop("title") != text_of("code").map(|c| format!("gtdocs {c}"))
            {
                problems.push(format!("{case}: {line:?} does not carry {d}"));
            }
        }
    }
    crate::common::assert_none(
        "GitHub commands that differ from the JSON diagnostics",
        &problems,
    );
}

/// Symbolic links: a runbook or theme file linked from outside the tree is
/// refused (and nothing is written); a runbook linked from inside it builds.
#[test]
fn links_out_of_the_tree_are_refused() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret.yaml");
    std::fs::write(
        &secret,
        std::fs::read(fixtures().join("base/runbooks/alpha.yaml")).expect("read"),
    )
    .expect("write");
    let tree = overlay(&fixtures().join("base"));
    let root = tree.path();
    std::os::unix::fs::symlink(&secret, root.join("runbooks/leak.yaml")).expect("link");
    std::os::unix::fs::symlink("/nonexistent/x.yaml", root.join("runbooks/dangling.yaml"))
        .expect("link");
    // Only the selected theme is read.
    let config = root.join("gtdocs.yaml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        text.replacen("  base_url: /\n", "  base_url: /\n  theme: brand\n", 1),
    )
    .expect("write");
    std::fs::create_dir_all(root.join("themes/brand/templates")).expect("mkdir");
    std::os::unix::fs::symlink(
        "/etc/hostname",
        root.join("themes/brand/templates/base.html"),
    )
    .expect("link");
    let out = root.join("site");
    let o = gtdocs(root, &["build", "--root", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stderr(&o);
    for (file, target) in [
        ("runbooks/leak.yaml", secret.display().to_string()),
        ("runbooks/dangling.yaml", "/nonexistent/x.yaml".to_owned()),
        (
            "themes/brand/templates/base.html",
            "/etc/hostname".to_owned(),
        ),
    ] {
        assert!(
            text.contains(&format!(
                "error[unsafe-link]: `{file}` is a symbolic link to `{target}`, outside the docs tree (or to nothing)\n--> {file}\n"
            )),
            "{file}:\n{text}"
        );
    }
    assert!(!out.exists(), "nothing is written");

    // The same links removed, a link to a file inside the tree builds.
    for f in [
        "runbooks/leak.yaml",
        "runbooks/dangling.yaml",
        "themes/brand/templates/base.html",
    ] {
        std::fs::remove_file(root.join(f)).expect("rm");
    }
    std::fs::create_dir_all(root.join("shared")).expect("mkdir");
    std::fs::copy(
        fixtures().join("base/runbooks/beta.yaml"),
        root.join("shared/gamma.yaml"),
    )
    .expect("copy");
    let gamma = std::fs::read_to_string(root.join("shared/gamma.yaml"))
        .expect("read")
        .replacen("title: ", "title: Gamma ", 1);
    std::fs::write(root.join("shared/gamma.yaml"), gamma).expect("write");
    std::os::unix::fs::symlink("../shared/gamma.yaml", root.join("runbooks/gamma.yaml"))
        .expect("link");
    let o = gtdocs(root, &["build", "--root", "."]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("json/runbooks/gamma.json").is_file());
}

/// Encodings: a UTF-8 byte-order mark and CRLF line ends give exactly the
/// site of the plain file; a NUL byte is an error at its place. (Tabs and
/// invalid UTF-8 have their own fixtures: `yaml-tab-*`, `non-utf8`.)
#[test]
fn bom_and_crlf_build_the_same_site_and_nul_is_an_error() {
    let plain = overlay(&fixtures().join("base"));
    let windows = overlay(&fixtures().join("base"));
    for name in ["alpha.yaml", "beta.yaml"] {
        let path = windows.path().join("runbooks").join(name);
        let text = std::fs::read(&path).expect("read");
        let mut crlf = b"\xEF\xBB\xBF".to_vec();
        for &b in &text {
            if b == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(b);
        }
        std::fs::write(&path, crlf).expect("write");
    }
    let sites: Vec<_> = [&plain, &windows]
        .iter()
        .map(|tree| {
            let o = gtdocs(tree.path(), &["build", "--root", "."]);
            assert!(o.status.success(), "{}", stderr(&o));
            crate::common::snapshot(&tree.path().join("site"))
        })
        .collect();
    let differing: Vec<&String> = sites[0]
        .iter()
        .filter(|(p, c)| sites[1].get(*p) != Some(c))
        .map(|(p, _)| p)
        .collect();
    assert!(
        differing.is_empty() && sites[0].len() == sites[1].len(),
        "BOM + CRLF changed: {differing:?}"
    );

    let nul = overlay(&fixtures().join("base"));
    let path = nul.path().join("runbooks/beta.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("title: ", "title: Be\0ta ", 1)).expect("write");
    let o = gtdocs(nul.path(), &["check", "--root", "."]);
    assert_eq!(o.status.code(), Some(1));
    let shown = stderr(&o);
    let line = text
        .lines()
        .position(|l| l.starts_with("title: "))
        .expect("title")
        + 1;
    assert!(
        shown.contains(&format!(
            "error[yaml]: unexpected character: `\\u{{0}}'\n --> runbooks/beta.yaml:{line}:10"
        )),
        "{shown}"
    );
}

/// More runbook files than a tree may hold: one clear error, at once, and
/// none of them read (the files are hard links to one runbook).
#[test]
fn too_many_runbooks_is_one_error_at_once() {
    let tree = overlay(&fixtures().join("base"));
    let dir = tree.path().join("runbooks");
    // ext4 allows 65,000 links to a file: link to a few copies.
    let sources = tree.path().join("sources");
    std::fs::create_dir_all(&sources).expect("mkdir");
    for i in 0..=gtdocs::load::MAX_RUNBOOKS {
        let source = sources.join(format!("{}.yaml", i / 50_000));
        if !source.exists() {
            std::fs::copy(dir.join("alpha.yaml"), &source).expect("copy");
        }
        std::fs::hard_link(&source, dir.join(format!("r{i:06}.yaml"))).expect("link");
    }
    let started = Instant::now();
    let o = gtdocs(tree.path(), &["check", "--root", "."]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.starts_with(&format!(
            "error[too-many-runbooks]: {} runbooks found; a tree may hold at most {}\n--> runbooks\n",
            gtdocs::load::MAX_RUNBOOKS + 3,
            gtdocs::load::MAX_RUNBOOKS
        )),
        "{}",
        text.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    assert!(text.ends_with("1 error, 0 warnings\n"), "one error only");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// Control characters written as YAML escapes (`\e`, `\a`, `\x00`, `\x7F`,
/// `\u0085`) and bidi controls are refused where they are written, so no
/// `.md`, `.html` or `.json` is ever written with them: the build stops.
#[test]
fn control_characters_never_reach_an_output() {
    let tree = overlay(&fixtures().join("invalid/text-control-characters"));
    let o = gtdocs(tree.path(), &["build", "--root", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let shown = stderr(&o);
    for code in ["error[control-character]", "error[format-character]"] {
        assert!(shown.contains(code), "{code} not reported:\n{shown}");
    }
    assert!(
        !tree.path().join("site").exists(),
        "a site was written from text holding control characters"
    );
}

/// Source text reaches the messages, hints, snippets and file names of a
/// diagnostic: its control characters (ESC, BEL, C1 `CSI`), bidirectional
/// overrides and zero-width characters are shown escaped (`\u{1b}`) in the
/// human and GitHub formats, never written raw to a terminal or a log.
#[test]
fn unprintable_characters_never_reach_the_terminal() {
    let tree = overlay(&fixtures().join("base"));
    let alpha = std::fs::read_to_string(tree.path().join("runbooks/alpha.yaml")).expect("read");
    // YAML escapes put control characters in a value; bidirectional and
    // zero-width characters may be raw in the source (and in a snippet).
    let hostile = alpha
        .replacen(
            "key_preset: openai-chat",
            "key_preset: \"openai\\e[2J\\a\\x9b31m\"",
            1,
        )
        .replacen(
            "category: sdk-http",
            "category: sdk\u{202e}\u{200b}-http",
            1,
        );
    std::fs::write(tree.path().join("runbooks/alpha.yaml"), &hostile).expect("write");
    std::fs::write(tree.path().join("runbooks/b\u{1b}[2J\u{7}.yaml"), alpha).expect("write");
    let unprintable = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')
    };
    for format in ["human", "github"] {
        let o = gtdocs(tree.path(), &["check", "--format", format, "--root", "."]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let shown = format!("{}{}", stdout(&o), stderr(&o));
        let raw: Vec<char> = shown.chars().filter(|&c| unprintable(c)).collect();
        assert!(raw.is_empty(), "{format}: raw {raw:?} in:\n{shown}");
        for escaped in [
            "unknown key preset `openai\\u{1b}[2J\\u{7}\\u{9b}31m`",
            "unknown category `sdk\\u{202e}\\u{200b}-http`",
            "file name `b\\u{1b}[2J\\u{7}.yaml`",
        ] {
            assert!(
                shown.contains(escaped),
                "{format}: no {escaped:?} in:\n{shown}"
            );
        }
    }
}

/// U+2028 and U+2029 are separators, not control characters: the error
/// names them as what they are.
#[test]
fn line_and_paragraph_separators_are_named_as_such() {
    let tree = overlay(&fixtures().join("base"));
    let path = tree.path().join("runbooks/alpha.yaml");
    let alpha = std::fs::read_to_string(&path).expect("read");
    // YAML writes them `\L` and `\P` in a double-quoted scalar.
    let hostile = alpha
        .replacen(
            "  - Set `ALPHA_BASE_URL` to the tenant GT API base.",
            "  - \"Set `ALPHA_BASE_URL`\\Lto the tenant GT API base.\"",
            1,
        )
        .replacen(
            "  - Store the key in `ALPHA_API_KEY`.",
            "  - \"Store the key\\Pin `ALPHA_API_KEY`.\"",
            1,
        );
    assert_ne!(hostile, alpha);
    std::fs::write(&path, hostile).expect("write");
    let o = gtdocs(tree.path(), &["check", "--root", "."]);
    let shown = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{shown}");
    for needed in [
        "error[separator-character]: this text holds the line separator U+2028",
        "error[separator-character]: this text holds the paragraph separator U+2029",
    ] {
        assert!(shown.contains(needed), "{needed:?} missing:\n{shown}");
    }
    assert!(!shown.contains("control character U+202"), "{shown}");
}

/// A tree whose `beta.yaml` is copied once per title, as `<slug>.yaml`.
fn titled_tree(titles: &[(&str, &str)]) -> tempfile::TempDir {
    let tree = overlay(&fixtures().join("base"));
    let runbooks = tree.path().join("runbooks");
    let beta = std::fs::read_to_string(runbooks.join("beta.yaml")).expect("read");
    let first = beta.lines().next().expect("title line");
    for (slug, title) in titles {
        // JSON string syntax is YAML double-quoted syntax.
        let line = format!("title: {}", serde_json::to_string(title).expect("json"));
        std::fs::write(
            runbooks.join(format!("{slug}.yaml")),
            beta.replacen(first, &line, 1),
        )
        .expect("write");
    }
    tree
}

/// Titles in scripts that draw a letter with several characters (Hindi's
/// virama, Thai's vowel signs, a decomposed accent as macOS writes it) and
/// emoji (variation selector, ZWJ sequence) are titles: they check, build,
/// and reach the HTML and the wiki pages intact. A mark with nothing to
/// sit on, a zero-width character between Latin letters and a joiner in
/// ASCII text still show nothing, and are refused.
#[test]
fn titles_in_every_script_and_emoji_are_valid() {
    let titles = [
        ("hindi", "हिन्दी Client"),
        ("thai", "Thai ภาษาไทย ปิ"),
        ("love", "Love \u{2764}\u{FE0F}"),
        ("dev", "\u{1F469}\u{200D}\u{1F4BB} Dev"),
        ("cafe", "Cafe\u{0301} Client"),
    ];
    let tree = titled_tree(&titles);
    let o = gtdocs(tree.path(), &["check", "--root", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = gtdocs(tree.path(), &["build", "--root", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let site = crate::common::snapshot(&tree.path().join("site"));
    for (_, title) in titles {
        for ext in [".html", ".md"] {
            let holding = site
                .iter()
                .filter(|(path, bytes)| {
                    path.ends_with(ext) && String::from_utf8_lossy(bytes).contains(title)
                })
                .count();
            assert!(holding > 0, "no {ext} page shows {title:?} intact");
        }
    }

    for (title, shown) in [
        ("\u{0301}Alpha Two", "U+0301"),
        ("Alpha \u{0301}Two", "U+0301"),
        ("Beta\u{200B}Flow", "U+200B"),
        ("Beta\u{200D}Flow", "U+200D"),
        ("Beta\u{2060}Flow", "U+2060"),
    ] {
        let tree = titled_tree(&[("hidden", title)]);
        let o = gtdocs(tree.path(), &["check", "--root", "."]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{title:?}: {err}");
        let needed =
            format!("error[invisible-character]: this name holds the invisible character {shown}");
        assert!(err.contains(&needed), "{title:?}: {err}");
    }
}

/// A precomposed `é` and `e` + combining acute look the same, as do an
/// emoji with and without its variation selector: one title, not two.
#[test]
fn decomposed_and_precomposed_titles_are_one_title() {
    for pair in [
        ["Caf\u{E9} Client", "Cafe\u{0301} Client"],
        ["Love \u{2764}", "Love \u{2764}\u{FE0F}"],
    ] {
        let tree = titled_tree(&[("first", pair[0]), ("second", pair[1])]);
        let o = gtdocs(tree.path(), &["check", "--root", "."]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{pair:?}: {err}");
        let needed = format!(
            "error[lookalike-title]: title `{}` looks the same as `{}`",
            pair[1], pair[0]
        );
        assert!(err.contains(&needed), "{pair:?}: {err}");
    }
}
