//! `gtdocs diff OLD NEW`: the report between two manifests, docs trees or
//! git revisions.
//!
//! - The reports of the manifests in `tests/fixtures/diff/` are compared byte
//!   for byte with `tests/fixtures/diff/expected/`; independent assertions on
//!   the counts and entries keep a wrongly blessed file from hiding a bug.
//!   `GTDOCS_BLESS=1 cargo test --test testsuite diff::` rewrites the expected
//!   files: read every rewritten file before committing it.
//! - `--fail-on` sets the exit code and never hides the report.
//! - Git revisions are read with the real git (`GTDOCS_GIT`) from throwaway
//!   repositories, isolated from the user's and the system's git settings.
//! - The JSON report is checked with check-jsonschema against
//!   `schemas/diff.schema.json`, and the Markdown report rendered with the real
//!   cmark-gfm: no raw HTML, no broken table.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use serde_json::{Value, json};

use crate::common;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `tests/fixtures/diff`: the manifests, and the working folder of the runs,
/// so that the labels (the arguments as given) are stable.
fn fixtures() -> PathBuf {
    common::fixtures().join("diff")
}

/// `gtdocs diff <args>` in `tests/fixtures/diff`.
fn diff(args: &[&str]) -> Output {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    common::gtdocs(&fixtures(), &all)
}

/// Exit code, stdout and stderr of a run, for assertion messages.
fn shown(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        common::stdout(o),
        common::stderr(o)
    )
}

/// The JSON report of `gtdocs diff old.json <new> --format json`.
fn json_report(new: &str) -> Value {
    let o = diff(&["old.json", new, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", shown(&o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("the JSON report is not JSON ({e}):\n{}", shown(&o)))
}

/// The counts of a JSON report, in the order of the schema.
fn counts(report: &Value) -> [u64; 7] {
    [
        "added",
        "removed",
        "upgraded",
        "downgraded",
        "reclassified",
        "fields",
        "catalog",
    ]
    .map(|k| {
        report["counts"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("counts.{k} is not a count: {}", report["counts"]))
    })
}

/// `(slug, route, from, to)` of every verdict change in `report[list]`.
fn verdicts(report: &Value, list: &str) -> Vec<(String, String, String, String)> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("?").to_owned();
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is not a list: {report}"))
        .iter()
        .map(|v| {
            (
                text(v, "slug"),
                text(v, "route"),
                text(v, "from"),
                text(v, "to"),
            )
        })
        .collect()
}

fn owned(slug: &str, route: &str, from: &str, to: &str) -> (String, String, String, String) {
    (slug.into(), route.into(), from.into(), to.into())
}

/// The body lines of the Markdown section `### <heading>` (up to the next
/// heading), or `None` when the report has no such section.
fn section<'a>(md: &'a str, heading: &str) -> Option<Vec<&'a str>> {
    let start = md.find(&format!("\n### {heading}\n"))? + heading.len() + 6;
    let rest = &md[start..];
    let end = rest.find("\n### ").unwrap_or(rest.len());
    Some(rest[..end].lines().filter(|l| !l.is_empty()).collect())
}

/// The data rows of the Markdown table in section `heading`.
fn table_rows<'a>(md: &'a str, heading: &str) -> Vec<&'a str> {
    let lines = section(md, heading)
        .unwrap_or_else(|| panic!("the report has no `### {heading}` section:\n{md}"));
    assert!(
        lines.len() >= 2 && lines[1].starts_with("| --- |"),
        "`### {heading}` does not start with a table header:\n{md}"
    );
    lines[2..].to_vec()
}

/// Where `actual` first differs from `expected`, line by line.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(e.len().min(a.len()));
    let line =
        |l: Option<&&str>| l.map_or_else(|| "<end of file>".to_owned(), |l| format!("{l:?}"));
    let ending = if expected.lines().eq(actual.lines()) {
        "\n(the lines are the same: the line endings or the final newline differ)"
    } else {
        ""
    };
    format!(
        "first difference at line {}:\n  expected: {}\n  actual:   {}{ending}",
        at + 1,
        line(e.get(at)),
        line(a.get(at))
    )
}

fn blessing() -> bool {
    std::env::var_os("GTDOCS_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with `expected/<name>`, or (re)writes it when blessing.
/// Returns the problem, if any.
fn check_expected(name: &str, actual: &str) -> Option<String> {
    let path = fixtures().join("expected").join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir expected/");
        std::fs::write(&path, actual).expect("write the expected file");
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "{name}: the report differs from tests/fixtures/diff/expected/{name}; {}\n\
             --- actual report\n{actual}",
            first_difference(&expected, actual)
        )),
        Err(e) => Some(format!(
            "{name}: cannot read tests/fixtures/diff/expected/{name} ({e}): \
             run with GTDOCS_BLESS=1 to write it, and read it"
        )),
    }
}

// ---------------------------------------------------------------------------
// Exact reports and what they say
// ---------------------------------------------------------------------------

#[test]
fn reports_match_expected_files() {
    let cases: [(&str, &[&str]); 4] = [
        ("same.md", &["old.json", "same.json"]),
        ("upgrade.md", &["old.json", "upgrade.json"]),
        ("mixed.md", &["old.json", "mixed.json"]),
        (
            "mixed.json",
            &["old.json", "mixed.json", "--format", "json"],
        ),
    ];
    let mut problems = Vec::new();
    for (name, args) in cases {
        let o = diff(args);
        if o.status.code() != Some(0) || !o.stderr.is_empty() {
            problems.push(format!(
                "{name}: `gtdocs diff {}` should exit 0 with nothing on stderr:\n{}",
                args.join(" "),
                shown(&o)
            ));
            continue;
        }
        problems.extend(check_expected(name, &common::stdout(&o)));
    }
    common::assert_none(
        "diff reports vs tests/fixtures/diff/expected (GTDOCS_BLESS=1 rewrites them; read them)",
        &problems,
    );
}

/// Same facts, another generator version and the runbooks in reverse order:
/// nothing to report.
#[test]
fn same_facts_report_no_changes() {
    let report = json_report("same.json");
    assert_eq!(counts(&report), [0; 7], "same.json: {report:#}");
    assert_eq!(report["old"]["runbooks"], 3);
    assert_eq!(report["new"]["runbooks"], 3);

    let o = diff(&["old.json", "same.json"]);
    let md = common::stdout(&o);
    assert!(
        md.contains("No changes: the 3 runbooks are the same on both sides."),
        "{md}"
    );
    assert!(
        !md.contains("###"),
        "an empty report has no sections:\n{md}"
    );
}

#[test]
fn upgrade_reports_one_upgrade_and_two_fields() {
    let report = json_report("upgrade.json");
    assert_eq!(
        counts(&report),
        [0, 0, 1, 0, 0, 2, 0],
        "upgrade.json (added, removed, upgraded, downgraded, reclassified, fields, catalog): \
         {report:#}"
    );
    assert_eq!(
        verdicts(&report, "upgraded"),
        [owned(
            "alpha",
            "POST /v1/embeddings",
            "not_supported",
            "gt_extension"
        )]
    );
    let fields: Vec<(&str, &str)> = report["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["slug"].as_str().unwrap_or("?"),
                f["field"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("alpha", "routes[POST /v1/embeddings].integration"),
            ("alpha", "caveats[]")
        ]
    );
    // The added caveat has no `from`: it was not there before.
    assert_eq!(report["fields"][1].get("from"), None, "{report:#}");
    assert_eq!(
        report["fields"][1]["to"],
        "Embeddings need the GT extension route."
    );
}

#[test]
fn mixed_report_counts_and_entries() {
    let report = json_report("mixed.json");
    assert_eq!(
        counts(&report),
        [1, 1, 1, 1, 1, 6, 1],
        "mixed.json (added, removed, upgraded, downgraded, reclassified, fields, catalog): \
         {report:#}"
    );
    assert_eq!(report["old"], json!({"label": "old.json", "runbooks": 3}));
    assert_eq!(report["new"], json!({"label": "mixed.json", "runbooks": 3}));
    assert_eq!(
        report["added"],
        json!([{"slug": "gamma", "title": "Gamma *beta*"}])
    );
    assert_eq!(
        report["removed"],
        json!([{"slug": "delta", "title": "Delta"}])
    );
    assert_eq!(
        verdicts(&report, "downgraded"),
        [owned(
            "beta",
            "POST /v1/embeddings",
            "gt_extension",
            "not_supported"
        )]
    );
    assert_eq!(
        verdicts(&report, "upgraded"),
        [owned(
            "alpha",
            "POST /v1/embeddings",
            "not_supported",
            "native"
        )]
    );
    // To `unknown`: no order, so neither up nor down.
    assert_eq!(
        verdicts(&report, "reclassified"),
        [owned("alpha", "GET /v1/models", "native", "unknown")]
    );
    // Texts are whole and unescaped in JSON.
    assert_eq!(
        report["upgraded"][0]["title"],
        "Alpha Chat | <script>alert(1)</script>"
    );
    let fields = report["fields"].as_array().expect("fields");
    let find = |slug: &str, field: &str| {
        fields
            .iter()
            .find(|f| f["slug"] == slug && f["field"] == field)
            .unwrap_or_else(|| panic!("no change of {slug} {field} in {report:#}"))
    };
    assert_eq!(
        find("alpha", "title")["to"],
        "Alpha Chat | <script>alert(1)</script>"
    );
    assert_eq!(
        find("alpha", "config[ALPHA_API_KEY].value")["to"],
        "gtak_`live`"
    );
    // A reordered list is reported once, as a whole.
    let setup = find("beta", "setup");
    assert_eq!(setup["from"].as_array().map(Vec::len), Some(2), "{setup}");
    assert_eq!(
        setup["from"][0], setup["to"][1],
        "setup is not the same list reordered: {setup}"
    );
    assert_eq!(
        report["catalog"],
        json!([{"field": "site.title", "from": "Test runbooks", "to": "Test runbooks | staging"}])
    );

    // The Markdown says the same: exactly one downgraded verdict, beta's.
    let md = common::stdout(&diff(&["old.json", "mixed.json"]));
    assert!(
        md.contains(
            "3 → 3 runbooks: 1 added, 1 removed; verdicts 1 upgraded, 1 downgraded, \
             1 reclassified; 6 fields changed; 1 site or catalog change."
        ),
        "{md}"
    );
    assert_eq!(
        table_rows(&md, "Downgraded verdicts"),
        ["| Beta Flow (`beta`) | `POST /v1/embeddings` | `gt_extension` | `not_supported` |"],
        "{md}"
    );
    assert_eq!(table_rows(&md, "Upgraded verdicts").len(), 1, "{md}");
    assert_eq!(table_rows(&md, "Reclassified verdicts").len(), 1, "{md}");
    assert_eq!(table_rows(&md, "Changed fields").len(), 6, "{md}");
    assert_eq!(table_rows(&md, "Site and catalog").len(), 1, "{md}");
    assert_eq!(
        section(&md, "Added runbooks"),
        Some(vec!["- Gamma *beta* (`gamma`)"])
    );
    assert_eq!(
        section(&md, "Removed runbooks"),
        Some(vec!["- Delta (`delta`)"])
    );
    // Downgrades come first: they are what a reviewer must see.
    let first = md.find("\n### ").map(|i| &md[i..]);
    assert!(
        first.is_some_and(|s| s.starts_with("\n### Downgraded verdicts\n")),
        "the first section is not the downgrades:\n{md}"
    );
}

// ---------------------------------------------------------------------------
// --fail-on
// ---------------------------------------------------------------------------

#[test]
fn fail_on_sets_the_exit_code_and_keeps_the_report() {
    let cases: [(&str, Option<&str>, i32); 9] = [
        ("mixed.json", Some("downgrade"), 1),
        ("upgrade.json", Some("downgrade"), 0),
        ("same.json", Some("downgrade"), 0),
        ("mixed.json", Some("any"), 1),
        ("upgrade.json", Some("any"), 1),
        ("same.json", Some("any"), 0),
        ("mixed.json", None, 0),
        ("upgrade.json", None, 0),
        ("same.json", None, 0),
    ];
    let mut problems = Vec::new();
    for (new, fail_on, code) in cases {
        let plain = diff(&["old.json", new]);
        let mut args = vec!["old.json", new];
        if let Some(on) = fail_on {
            args.extend(["--fail-on", on]);
        }
        let o = diff(&args);
        let what = format!("`gtdocs diff {}`", args.join(" "));
        if o.status.code() != Some(code) {
            problems.push(format!("{what}: expected exit {code}\n{}", shown(&o)));
        }
        if o.stdout.is_empty() || o.stdout != plain.stdout {
            problems.push(format!(
                "{what}: the report is not the one printed without --fail-on\n{}",
                shown(&o)
            ));
        }
        if common::stderr(&o).contains("error:") {
            problems.push(format!(
                "{what}: a failing diff is not an error\n{}",
                shown(&o)
            ));
        }
    }
    // The JSON report fails the same way.
    let o = diff(&[
        "old.json",
        "mixed.json",
        "--format",
        "json",
        "--fail-on",
        "downgrade",
    ]);
    if o.status.code() != Some(1) || serde_json::from_slice::<Value>(&o.stdout).is_err() {
        problems.push(format!(
            "--format json --fail-on downgrade on mixed.json: expected exit 1 and the JSON report\n{}",
            shown(&o)
        ));
    }
    common::assert_none("--fail-on", &problems);
}

// ---------------------------------------------------------------------------
// Sides that are refused
// ---------------------------------------------------------------------------

/// Asserts exit 2 and a one-line `error:` on stderr containing `needle`.
fn assert_refused(o: &Output, needle: &str) {
    let err = common::stderr(o);
    assert_eq!(o.status.code(), Some(2), "{}", shown(o));
    assert!(
        err.starts_with("error: ") && err.contains(needle),
        "stderr should start with `error: ` and say {needle:?}:\n{}",
        shown(o)
    );
    assert!(
        o.stdout.is_empty(),
        "a refused diff prints no report:\n{}",
        shown(o)
    );
}

#[test]
fn files_that_are_not_manifests_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let other = tmp.path().join("other.json");
    std::fs::write(&other, r#"{"runbooks": []}"#).expect("write");
    let other = other.to_str().expect("utf-8 temp path");
    assert_refused(
        &diff(&["old.json", other]),
        &format!("`{other}` is not a gtdocs manifest"),
    );

    // A runbook entry whose support level is outside the enum.
    let mut tampered: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("old.json")).expect("read"))
            .expect("old.json is JSON");
    *tampered
        .pointer_mut("/runbooks/0/routes/0/support")
        .expect("runbooks[0].routes[0].support") = json!("sometimes");
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, tampered.to_string()).expect("write");
    let o = diff(&[bad.to_str().expect("utf-8"), "old.json"]);
    assert_refused(&o, "is not a gtdocs manifest");
    assert!(common::stderr(&o).contains("support"), "{}", shown(&o));

    let yaml = common::fixtures().join("base/gtdocs.yaml");
    assert_refused(
        &diff(&["old.json", yaml.to_str().expect("utf-8")]),
        "is not JSON",
    );
}

// ---------------------------------------------------------------------------
// Git revisions and docs-tree folders
// ---------------------------------------------------------------------------

/// A throwaway git repository holding a copy of `tests/fixtures/base` at
/// `docs` (`"."` for the repository's top), with two commits: the base tree,
/// then beta's `POST /v1/embeddings` verdict downgraded from `gt_extension`
/// to `not_supported`. git sees neither the user's nor the system's config.
struct Repo {
    tmp: tempfile::TempDir,
    git: PathBuf,
    docs: &'static str,
}

const BETA: &str = "runbooks/beta.yaml";
const BETA_EMBEDDINGS: &str = "- route: POST /v1/embeddings\n    verdict: gt_extension\n";

impl Repo {
    fn new(docs: &'static str) -> Repo {
        let repo = Repo {
            tmp: tempfile::tempdir().expect("tempdir"),
            git: common::tool("GTDOCS_GIT", "git"),
            docs,
        };
        std::fs::create_dir_all(repo.home().join(".config")).expect("mkdir home");
        std::fs::create_dir_all(repo.docs_dir()).expect("mkdir repo");
        repo.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        common::copy_tree(&common::fixtures().join("base"), &repo.docs_dir());
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "base tree"]);
        repo.edit(
            BETA,
            BETA_EMBEDDINGS,
            "- route: POST /v1/embeddings\n    verdict: not_supported\n",
        );
        repo.git(&["commit", "-q", "-a", "-m", "beta: no embeddings"]);
        repo
    }

    fn top(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn docs_dir(&self) -> PathBuf {
        match self.docs {
            "." => self.top(),
            folder => self.top().join(folder),
        }
    }

    /// `program` in the repository's top, with an environment that keeps
    /// outside git settings and variables away.
    fn command(&self, program: &Path) -> Command {
        common::isolated_command(program, &self.top(), &self.home(), &self.git)
    }

    /// Runs git, which must succeed; returns its stdout.
    fn git(&self, args: &[&str]) -> String {
        let o = self
            .command(&self.git)
            .args(args)
            .output()
            .expect("run git");
        assert!(o.status.success(), "git {}: {}", args.join(" "), shown(&o));
        common::stdout(&o)
    }

    /// Every change, untracked and ignored file of the work tree.
    fn status(&self) -> String {
        self.git(&[
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--ignored",
        ])
    }

    /// `gtdocs diff <args> --root <docs>`, in the repository's top.
    fn diff(&self, args: &[&str]) -> Output {
        self.command(Path::new(env!("CARGO_BIN_EXE_gtdocs")))
            .arg("diff")
            .args(args)
            .args(["--root", self.docs])
            .output()
            .expect("run gtdocs")
    }

    /// Replaces the only occurrence of `from` in `docs/<file>`.
    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.docs_dir().join(file);
        let text = std::fs::read_to_string(&path).expect("read runbook");
        assert_eq!(
            text.matches(from).count(),
            1,
            "{file} should hold {from:?} exactly once:\n{text}"
        );
        std::fs::write(&path, text.replace(from, to)).expect("write runbook");
    }
}

/// Revisions of the docs tree, and the work tree as a folder: what changed,
/// `--fail-on downgrade`, and a work tree left as it was.
fn check_revisions(repo: &Repo) {
    let before = repo.status();
    assert_eq!(before, "", "the fresh repository is not clean");

    let o = repo.diff(&["HEAD~1", "HEAD", "--fail-on", "downgrade"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "HEAD~1 → HEAD downgrades beta:\n{}",
        shown(&o)
    );
    let md = common::stdout(&o);
    assert!(
        md.starts_with("## Runbook changes: `HEAD~1 (") && md.contains("` → `HEAD ("),
        "the labels should name the revisions:\n{md}"
    );
    assert_eq!(
        table_rows(&md, "Downgraded verdicts"),
        ["| Beta Flow (`beta`) | `POST /v1/embeddings` | `gt_extension` | `not_supported` |"],
        "{md}"
    );
    assert!(
        md.contains("2 → 2 runbooks: 0 added, 0 removed; verdicts 0 upgraded, 1 downgraded, "),
        "only the verdict changed:\n{md}"
    );

    let o = repo.diff(&["HEAD", "HEAD", "--fail-on", "any"]);
    assert_eq!(o.status.code(), Some(0), "HEAD → HEAD:\n{}", shown(&o));
    assert!(
        common::stdout(&o).contains("No changes: the 2 runbooks are the same on both sides."),
        "{}",
        shown(&o)
    );

    // An uncommitted edit: the folder is read as it is on disk.
    repo.edit(
        BETA,
        "- route: POST /v1/embeddings\n    verdict: not_supported\n",
        BETA_EMBEDDINGS,
    );
    let edited = repo.status();
    let folder = if repo.docs == "." {
        ".".to_owned()
    } else {
        format!("./{}", repo.docs)
    };
    let o = repo.diff(&[
        "HEAD",
        &folder,
        "--format",
        "json",
        "--fail-on",
        "downgrade",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "HEAD → the work tree upgrades:\n{}",
        shown(&o)
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(report["new"]["label"], folder.as_str(), "{report:#}");
    assert_eq!(counts(&report), [0, 0, 1, 0, 0, 0, 0], "{report:#}");
    assert_eq!(
        verdicts(&report, "upgraded"),
        [owned(
            "beta",
            "POST /v1/embeddings",
            "not_supported",
            "gt_extension"
        )]
    );

    // Reading revisions neither checks out nor leaves files behind.
    assert_eq!(repo.status(), edited, "gtdocs diff changed the work tree");
    assert!(
        edited.contains("beta.yaml"),
        "the edit is not in `git status`: {edited}"
    );
    assert_eq!(
        repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "main",
        "gtdocs diff moved HEAD"
    );
}

#[test]
fn revisions_of_a_tree_at_the_repository_top() {
    check_revisions(&Repo::new("."));
}

/// The layout of most projects: the docs tree in a folder of the repository.
#[test]
fn revisions_of_a_tree_in_a_subfolder() {
    check_revisions(&Repo::new("docs"));
}

#[test]
fn unknown_revision_is_refused() {
    let repo = Repo::new(".");
    assert_refused(
        &repo.diff(&["nope", "HEAD"]),
        "`nope` is not a manifest file, a docs tree or a git revision",
    );
    assert_refused(
        &repo.diff(&["HEAD", "nope"]),
        "`nope` is not a manifest file, a docs tree or a git revision",
    );
    // Outside any repository, a revision means nothing either.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let o = repo
        .command(Path::new(env!("CARGO_BIN_EXE_gtdocs")))
        .current_dir(elsewhere.path())
        .env(
            "GIT_CEILING_DIRECTORIES",
            elsewhere.path().parent().expect("parent"),
        )
        .args(["diff", "HEAD~1", "HEAD"])
        .output()
        .expect("run gtdocs");
    assert_refused(
        &o,
        "`HEAD~1` is not a manifest file, a docs tree or a git revision",
    );
}

/// A revision with an unknown verdict value is refused with the reason, not
/// compared as if it were empty.
#[test]
fn revision_that_does_not_build_is_refused() {
    let repo = Repo::new(".");
    repo.edit(
        "runbooks/alpha.yaml",
        "- route: GET /v1/models\n    verdict: native\n",
        "- route: GET /v1/models\n    verdict: sometimes\n",
    );
    repo.git(&[
        "commit",
        "-q",
        "-a",
        "-m",
        "alpha: a verdict that does not exist",
    ]);
    let o = repo.diff(&["HEAD~1", "HEAD"]);
    assert_refused(&o, "do not build");
    let err = common::stderr(&o);
    assert!(
        err.contains("`HEAD (") && err.contains("unknown verdict `sometimes`"),
        "the error should name the revision and the problem:\n{}",
        shown(&o)
    );
}

/// A revision holding a runbook far over the per-file limit is refused
/// by name while git streams it, in bounded memory: gtdocs (and git, which
/// streams a blob over `core.bigFileThreshold`) run with 64 MiB of data
/// for a 96 MiB runbook. Holding git's output whole aborted the run.
#[test]
fn revision_with_an_oversized_runbook_is_refused_in_bounded_memory() {
    let repo = Repo::new(".");
    repo.git(&["config", "core.bigFileThreshold", "1m"]);
    let line = "# a line of filler that makes this runbook far too large\n";
    let big = format!("title: Big\n{}", line.repeat(96 * 1024 * 1024 / line.len()));
    std::fs::write(repo.docs_dir().join("runbooks/big.yaml"), big).expect("write");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "a runbook of 96 MiB"]);
    let o = repo
        .command(Path::new("sh"))
        .args(["-c", "ulimit -d 65536 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_gtdocs"))
        .args(["diff", "HEAD~1", "HEAD", "--root", "."])
        .output()
        .expect("run gtdocs");
    assert_refused(&o, "do not build");
    assert!(
        common::stderr(&o).contains(
            "`runbooks/big.yaml` is larger than 1048576 bytes, the most gtdocs reads of such a file"
        ),
        "{}",
        shown(&o)
    );
}

// ---------------------------------------------------------------------------
// The JSON report against its schema
// ---------------------------------------------------------------------------

/// check-jsonschema on `instances` against `schemas/diff.schema.json`.
fn check_jsonschema(instances: &[&Path]) -> Output {
    let tool = common::tool("GTDOCS_CHECK_JSONSCHEMA", "check-jsonschema");
    Command::new(&tool)
        .args(["--color", "never", "--schemafile"])
        .arg(common::repo().join("schemas/diff.schema.json"))
        .args(instances)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

#[test]
fn json_reports_pass_check_jsonschema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut good = Vec::new();
    for new in ["mixed.json", "upgrade.json", "same.json"] {
        let path = tmp.path().join(format!("report-{new}"));
        std::fs::write(&path, json_report(new).to_string()).expect("write");
        good.push(path);
    }
    let paths: Vec<&Path> = good.iter().map(PathBuf::as_path).collect();
    let o = check_jsonschema(&paths);
    assert!(
        o.status.success() && common::stdout(&o).contains("ok -- validation done"),
        "the JSON reports do not pass schemas/diff.schema.json:\n{}",
        shown(&o)
    );

    // The validator really checks: a count that is not a number is refused.
    let mut tampered = json_report("mixed.json");
    tampered["counts"]["added"] = json!("x");
    let bad = tmp.path().join("tampered.json");
    std::fs::write(&bad, tampered.to_string()).expect("write");
    let o = check_jsonschema(&[&bad]);
    let out = shown(&o);
    assert!(
        !o.status.success(),
        "counts.added = \"x\" was accepted:\n{out}"
    );
    assert!(
        out.contains("'x'") && out.contains("integer"),
        "refused, but not for counts.added:\n{out}"
    );
}

// ---------------------------------------------------------------------------
// The Markdown report through cmark-gfm
// ---------------------------------------------------------------------------

/// The cell texts of every `<tr>` of every `<table>`: `(header, rows)`.
fn html_tables(html: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let table = Regex::new(r"(?s)<table>(.*?)</table>").expect("regex");
    let row = Regex::new(r"(?s)<tr>(.*?)</tr>").expect("regex");
    let cell = Regex::new(r"(?s)<t([hd])(?: [^>]*)?>(.*?)</t[hd]>").expect("regex");
    table
        .captures_iter(html)
        .map(|t| {
            let mut header = Vec::new();
            let mut rows = Vec::new();
            for r in row.captures_iter(&t[1]) {
                let cells: Vec<(bool, String)> = cell
                    .captures_iter(&r[1])
                    .map(|c| (&c[1] == "h", c[2].to_owned()))
                    .collect();
                if cells.iter().all(|(h, _)| *h) && header.is_empty() {
                    header = cells.into_iter().map(|(_, c)| c).collect();
                } else {
                    rows.push(cells.into_iter().map(|(_, c)| c).collect());
                }
            }
            (header, rows)
        })
        .collect()
}

#[test]
fn markdown_report_renders_safely_with_cmark_gfm() {
    let o = diff(&["old.json", "mixed.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", shown(&o));
    let md = common::stdout(&o);
    let tool = common::tool("GTDOCS_CMARK_GFM", "cmark-gfm");
    let mut child = Command::new(&tool)
        .args(["--extension", "table", "--unsafe"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), md.as_bytes())
        .expect("write to cmark-gfm");
    let rendered = child.wait_with_output().expect("cmark-gfm");
    assert!(
        rendered.status.success(),
        "cmark-gfm failed:\n{}",
        shown(&rendered)
    );
    let html = common::stdout(&rendered);

    let mut problems = Vec::new();
    // With --unsafe, cmark-gfm passes raw HTML through: only the elements
    // Markdown itself makes may appear.
    let allowed: BTreeSet<&str> = [
        "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li", "em",
    ]
    .into();
    let tag = Regex::new(r"</?([A-Za-z][A-Za-z0-9-]*)").expect("regex");
    for t in tag.captures_iter(&html) {
        let name = t[1].to_ascii_lowercase();
        if !allowed.contains(name.as_str()) {
            problems.push(format!("a raw <{name}> element came through: {}", &t[0]));
        }
    }
    if html.to_ascii_lowercase().contains("<script") {
        problems.push("the HTML holds a <script> element".into());
    }

    let tables = html_tables(&html);
    // Downgraded, upgraded, reclassified, changed fields, site and catalog.
    let sizes: Vec<(usize, usize)> = tables.iter().map(|(h, r)| (h.len(), r.len())).collect();
    if sizes != [(4, 1), (4, 1), (4, 1), (4, 6), (3, 1)] {
        problems.push(format!(
            "tables (header cells, rows) are {sizes:?}, expected \
             [(4, 1), (4, 1), (4, 1), (4, 6), (3, 1)]"
        ));
    }
    for (header, rows) in &tables {
        for row in rows {
            // GFM drops extra cells and pads missing ones with empty cells:
            // an empty cell is as telling as a wrong count.
            if row.len() != header.len() || row.iter().any(|c| c.trim().is_empty()) {
                problems.push(format!("a row of the {header:?} table is broken: {row:?}"));
            }
        }
    }
    let cells: Vec<&str> = tables
        .iter()
        .flat_map(|(_, rows)| rows.iter().flatten())
        .map(String::as_str)
        .collect();
    let hostile = "Alpha Chat | &lt;script&gt;alert(1)&lt;/script&gt;";
    for (what, expected) in [
        (
            "the hostile title in a verdict table",
            format!("{hostile} (<code>alpha</code>)"),
        ),
        ("the hostile title as a changed field", hostile.to_owned()),
        ("the key with backticks, as text", "gtak_`live`".to_owned()),
        (
            "the site title with a pipe",
            "Test runbooks | staging".to_owned(),
        ),
    ] {
        if !cells.contains(&expected.as_str()) {
            problems.push(format!("no cell is exactly {what}: {expected:?}"));
        }
    }
    if problems.is_empty() {
        return;
    }
    problems.push(format!("--- Markdown\n{md}--- HTML\n{html}"));
    common::assert_none("cmark-gfm rendering of the mixed report", &problems);
}

// ---------------------------------------------------------------------------
// The tree's boundary at a revision, and manifests that hide a change
// ---------------------------------------------------------------------------

/// A revision whose `runbooks` folder (or a runbook) is committed as a
/// symbolic link out of the tree is refused: what the link leads to, here a
/// copy of the runbooks with beta's verdict restored, is never read.
#[test]
fn a_revision_with_a_source_linked_out_of_the_tree_is_refused() {
    for (rel, target) in [
        ("runbooks", "/tmp/gtdocs-outside/runbooks"),
        ("runbooks/beta.yaml", "../../outside/beta.yaml"),
        ("gtdocs.yaml", "/etc/hostname"),
    ] {
        let repo = Repo::new(".");
        let path = repo.top().join(rel);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("rm");
        } else {
            std::fs::remove_file(&path).expect("rm");
        }
        std::os::unix::fs::symlink(target, &path).expect("symlink");
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "a link out of the tree"]);
        let o = repo.diff(&["HEAD~1", "HEAD", "--fail-on", "downgrade"]);
        assert_refused(&o, "do not build");
        assert!(
            common::stderr(&o).contains(&format!(
                "`{rel}` is a symbolic link to `{target}`, outside the docs tree"
            )),
            "{rel}: {}",
            shown(&o)
        );
    }
}

/// The same link read by the loader (the archive check passed over): a
/// link inside `runbooks/` to a runbook outside the tree, through a folder
/// link that the unpacked archive resolves.
#[test]
fn a_revision_link_that_leads_out_through_another_link_is_refused() {
    let repo = Repo::new(".");
    // `runbooks/up` -> `.` and `runbooks/beta.yaml` -> `up/../../x`: read as
    // written, the second stays inside; resolved, it leads out.
    let runbooks = repo.top().join("runbooks");
    std::fs::remove_file(runbooks.join("beta.yaml")).expect("rm");
    std::os::unix::fs::symlink(".", runbooks.join("up")).expect("symlink");
    std::os::unix::fs::symlink("up/../../beta.yaml", runbooks.join("beta.yaml")).expect("symlink");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "a link out through a link"]);
    let o = repo.diff(&["HEAD~1", "HEAD"]);
    assert_refused(&o, "do not build");
    assert!(
        common::stderr(&o).contains(
            "`runbooks/beta.yaml` is a symbolic link to `up/../../beta.yaml`, outside the docs tree"
        ),
        "{}",
        shown(&o)
    );
}

/// `old.json` with beta's runbook twice in `new`: once with a downgraded
/// verdict, once as it was. Compared by slug, one copy would hide the
/// other's downgrade from `--fail-on downgrade`: the manifest is refused,
/// on either side.
#[test]
fn a_manifest_with_a_slug_twice_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old: Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("old.json")).expect("read"))
            .expect("json");
    let mut dup = old.clone();
    let books = dup["runbooks"].as_array_mut().expect("runbooks");
    let at = books
        .iter()
        .position(|b| b["slug"] == "beta")
        .expect("beta");
    let same = books[at].clone();
    let route = books[at]["routes"][0].as_object_mut().expect("route");
    route.insert("verdict".into(), json!("not_supported"));
    route.insert("support".into(), json!("none"));
    books.push(same);
    let dup_path = dir.path().join("dup.json");
    std::fs::write(&dup_path, serde_json::to_vec_pretty(&dup).expect("json")).expect("write");
    let dup_arg = dup_path.to_str().expect("utf-8");
    let old_arg = fixtures().join("old.json");
    let old_arg = old_arg.to_str().expect("utf-8");
    for args in [[old_arg, dup_arg], [dup_arg, old_arg]] {
        let o = diff(&[args[0], args[1], "--fail-on", "downgrade"]);
        assert_refused(&o, "is not a gtdocs manifest");
        assert!(
            common::stderr(&o).contains("the slug `beta` is used twice"),
            "{}",
            shown(&o)
        );
    }
}

// ---------------------------------------------------------------------------
// Untrusted text on the terminal
// ---------------------------------------------------------------------------

/// What `gtdocs diff` prints of its inputs (a manifest's titles, the first
/// error of a tree that does not build) is escaped: a terminal escape
/// (`ESC ]0;` sets the window title, `ESC [31m` a colour), BEL, C1 `CSI` and
/// a bidi override never reach stdout or stderr raw, with colour forced
/// on (anstream strips ANSI only when colour is off) and in either format.
/// The JSON report keeps the value exact (`\u202e` escapes).
#[test]
fn unprintable_text_of_the_inputs_never_reaches_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = "Alpha \u{1b}]0;pwned\u{7}\u{1b}[31m\u{202e}\u{9b}2J\u{2028}Chat";
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("upgrade.json")).expect("read"))
            .expect("manifest");
    manifest["runbooks"][0]["title"] = json!(hostile);
    std::fs::write(
        dir.path().join("new.json"),
        serde_json::to_vec(&manifest).expect("json"),
    )
    .expect("write");
    std::fs::copy(fixtures().join("old.json"), dir.path().join("old.json")).expect("copy");
    for format in ["markdown", "json"] {
        let o = common::gtdocs(
            dir.path(),
            &[
                "--color", "always", "-v", "diff", "old.json", "new.json", "--format", format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", shown(&o));
        common::assert_printable(&format!("diff --format {format}"), &o);
        if format == "json" {
            let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
            assert!(
                report.to_string().contains(&json!(hostile).to_string()),
                "the value is kept exact:\n{}",
                shown(&o)
            );
        } else {
            assert!(common::stdout(&o).contains("\\u{202e}"), "{}", shown(&o));
        }
    }

    // A docs tree that does not build: its first error is quoted.
    let tree = dir.path().join("t2");
    common::copy_tree(&common::fixtures().join("base"), &tree);
    let alpha = tree.join("runbooks/alpha.yaml");
    let text = std::fs::read_to_string(&alpha).expect("read");
    std::fs::write(&alpha, format!("{text}\"bad\\e[31mkey\\u202e\\x9b\": 1\n")).expect("write");
    let o = common::gtdocs(dir.path(), &["--color", "always", "diff", "old.json", "t2"]);
    assert_eq!(o.status.code(), Some(2), "{}", shown(&o));
    assert!(common::stderr(&o).contains("do not build"), "{}", shown(&o));
    common::assert_printable("diff of a tree that does not build", &o);
}

/// Manifests of format 1.2.0 name their data: the report says which digest
/// (and commit) each side is, and when both are the same data; a manifest
/// of another major version is refused, older 1.x ones are read.
#[test]
fn the_report_names_each_sides_data_and_refuses_another_major_version() {
    let tree = common::bundled_copy();
    let tmp = tempfile::tempdir().expect("tempdir");
    let built = |name: &str| {
        let out = tmp.path().join(name);
        let o = common::gtdocs(
            tree.path(),
            &["build", "--out", out.to_str().expect("utf-8")],
        );
        assert!(o.status.success(), "{}", common::stderr(&o));
        out.join("json/manifest.json")
    };
    let a = built("a");
    let b = built("b");
    let o = diff(&[a.to_str().expect("utf-8"), b.to_str().expect("utf-8")]);
    let md = common::stdout(&o);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&a).expect("read")).expect("json");
    let digest = manifest["data"]["digest"].as_str().expect("digest");
    let short = &digest[..19];
    assert!(
        md.contains(&format!("Data: `{short}` → `{short}`: the same data.")),
        "{md}"
    );
    let text = std::fs::read_to_string(tree.path().join("runbooks/aider.yaml")).expect("read");
    std::fs::write(
        tree.path().join("runbooks/aider.yaml"),
        text.replacen("title: Aider", "title: Aider CLI", 1),
    )
    .expect("write");
    let c = built("c");
    let o = diff(&[
        a.to_str().expect("utf-8"),
        c.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(report["old"]["digest"], digest);
    assert!(
        report["new"]["digest"].is_string() && report["new"]["digest"] != digest,
        "{report}"
    );

    let mut newer = manifest.clone();
    newer["schema_version"] = Value::from("2.0.0");
    let newer_file = tmp.path().join("newer.json");
    std::fs::write(&newer_file, newer.to_string()).expect("write");
    let o = diff(&[
        newer_file.to_str().expect("utf-8"),
        b.to_str().expect("utf-8"),
    ]);
    assert_refused(&o, "this gtdocs reads format 1.x");
}
