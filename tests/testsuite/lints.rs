//! The consistency lints (`verdict-conflict`, `compatibility-mismatch`,
//! `config-name-drift`) on the published reference tree and the bundled
//! one, and findings accepted on purpose (`allow`).

use std::path::Path;

use serde_json::Value;

use crate::common::{self, gtdocs};

/// `check --format json` of `root`: the report.
fn report(root: &Path) -> Value {
    let o = gtdocs(root, &["check", "--format", "json"]);
    serde_json::from_str(&common::stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", common::stdout(&o), common::stderr(&o)))
}

/// The findings of a report: code, file name, line, column, accepted.
fn findings(report: &Value) -> Vec<(String, String, u64, u64, bool)> {
    let mut found: Vec<_> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default();
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                name,
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["accepted"].is_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// A copy of the reference tree, its catalog stating what the native
/// level's definition says ("… without GT-only routes").
fn reference_copy() -> Option<tempfile::TempDir> {
    let reference = common::reference()?;
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&reference.join("gt-runbooks"), dir.path());
    let native = "without GT-only routes.\n";
    edit(
        &dir.path().join("gtdocs.yaml"),
        native,
        &format!("{native}    rule: {{ none_of: [gt_extension] }}\n"),
    );
    Some(dir)
}

/// Items 1, 3 and 6 of the reference README, each at its place, and
/// nothing else.
#[test]
fn the_reference_tree_shows_its_known_inconsistencies() {
    let Some(tree) = reference_copy() else { return };
    let r = report(tree.path());
    let f = |code: &str, file: &str, line: u64, column: u64| {
        (code.to_owned(), format!("{file}.yaml"), line, column, false)
    };
    // Item 3: the level of each runbook sharing a verdict vector with a
    // runbook of another level, and the native ones breaking the level's
    // own definition.
    let mut expected: Vec<_> = [
        "crewai",
        "dify",
        "flowise",
        "hermes",
        "langchain",
        "langflow",
        "litellm",
        "llamaindex",
        "lovable",
        "n8n",
        "openclaw",
        "semantic-kernel",
        "vercel-ai-sdk",
        // The rule's (the first four share a vector too).
        "hermes",
        "langchain",
        "litellm",
        "llamaindex",
        "generic-openai-http",
        "openai-sdk-curl",
    ]
    .map(|file| f("compatibility-mismatch", file, 5, 16))
    .to_vec();
    expected.extend([
        // Item 1: flowise's note, n8n's verdict; langflow's note. Lovable's
        // images note describes a way in too ("Server call when image
        // scope enabled on key").
        f("verdict-conflict", "flowise", 28, 14),
        f("verdict-conflict", "flowise", 28, 14),
        f("verdict-conflict", "n8n", 28, 14),
        f("verdict-conflict", "langflow", 28, 14),
        f("verdict-conflict", "lovable", 37, 14),
        // Item 6: the `apiBaseUrl` of Continue's matrix subtitle.
        f("config-name-drift", "continue", 66, 34),
    ]);
    expected.sort();
    assert_eq!(findings(&r), expected, "{r:#}");
    assert_eq!(
        (r["errors"].as_u64(), r["warnings"].as_u64()),
        (Some(0), Some(25))
    );
    let messages: Vec<&str> = r["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["message"].as_str())
        .collect();
    for said in [
        "`POST /v1/embeddings` is `native` here, and `not_supported` in ",
        "`apiBaseUrl` is not a configuration key of this runbook: `apiBase` is",
        "level `native-openai` allows none of `gt_extension` (`none_of`), and `POST /v1/conversations/files`, `POST /v1/datasets/{id}/files`, `GET /v1/files/{id}` have one",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(said)),
            "no message says {said:?}: {messages:#?}"
        );
    }
    let o = gtdocs(tree.path(), &["check"]);
    let err = common::stderr(&o);
    assert!(
        err.contains("warning[config-name-drift]") && err.contains("continue.yaml:66:34"),
        "{err}"
    );
}

/// Editing the data clears each finding: no warning is left.
#[test]
fn fixing_the_data_clears_every_finding() {
    let Some(tree) = reference_copy() else { return };
    let runbooks = tree.path().join("runbooks");
    let rb = |name: &str| runbooks.join(format!("{name}.yaml"));
    edit(&rb("continue"), "→ apiBaseUrl", "→ apiBase");
    for name in ["flowise", "langflow"] {
        edit(
            &rb(name),
            "- route: POST /v1/embeddings\n    verdict: not_supported",
            "- route: POST /v1/embeddings\n    verdict: native",
        );
    }
    edit(
        &rb("lovable"),
        "Server call when image scope",
        "Server call only when image scope",
    );
    // One level for every runbook: no vector has two, and the native
    // level's rule applies to none.
    for entry in std::fs::read_dir(&runbooks).expect("runbooks") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let text = ["native-openai", "guided-openai"]
            .iter()
            .fold(text, |t, l| {
                t.replace(
                    &format!("compatibility: {l}\n"),
                    "compatibility: openai-gt-extensions\n",
                )
            });
        std::fs::write(&path, text).expect("write");
    }
    let r = report(tree.path());
    assert_eq!(findings(&r), vec![], "{r:#}");
}

/// The bundled tree: no warning; the levels it keeps as published are
/// accepted with their reason, listed and not counted.
#[test]
fn the_bundled_tree_has_only_accepted_findings() {
    let tree = common::bundled_copy();
    let r = report(tree.path());
    assert_eq!(
        (r["errors"].as_u64(), r["warnings"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(r["accepted"].as_u64(), Some(14), "{r:#}");
    for d in r["diagnostics"].as_array().into_iter().flatten() {
        let reason = d["accepted"].as_str().unwrap_or_default();
        if d["code"] == "probe-contradiction" {
            // LiteLLM's model list, which its probe found leaves the base
            // URL's path out.
            assert_eq!(d["file"], "runbooks/litellm.yaml", "{d:#}");
            assert!(reason.contains("whatever its path"), "{d:#}");
            continue;
        }
        assert_eq!(d["code"], "compatibility-mismatch", "{d:#}");
        assert!(reason.contains("GT wiki publishes"), "{d:#}");
    }
    let o = gtdocs(tree.path(), &["check", "--deny-warnings"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(!err.contains("accepted["), "listed only with -v: {err}");
    assert!(err.contains("14 findings accepted"), "{err}");
    let o = gtdocs(tree.path(), &["check", "-v"]);
    let err = common::stderr(&o);
    assert_eq!(
        err.matches("accepted[compatibility-mismatch]").count(),
        13,
        "{err}"
    );
    assert!(
        err.contains("= note: reason: The level is the one"),
        "{err}"
    );
    // Shown, each is at its line (the default run, which shows none,
    // does not read the files again for their lines).
    let located =
        regex::Regex::new(r"accepted\[compatibility-mismatch\][^\n]*\n --> [^\n]+\.yaml:\d+:\d+\n")
            .expect("regex");
    assert_eq!(located.find_iter(&err).count(), 13, "{err}");
    // The probe's finding too, from the validation cache the runs above
    // wrote: at the verdict it contradicts.
    let probe = regex::Regex::new(
        r"accepted\[probe-contradiction\][^\n]*\n +--> runbooks/litellm\.yaml:24:\d+\n",
    )
    .expect("regex");
    assert_eq!(probe.find_iter(&err).count(), 1, "{err}");
    let o = gtdocs(tree.path(), &["check", "--format", "github"]);
    let out = common::stdout(&o);
    assert_eq!(out.matches("::notice ").count(), 14, "{out}");
    let lined = regex::Regex::new(r"::notice file=[^,]+\.yaml,line=\d+").expect("regex");
    assert_eq!(lined.find_iter(&out).count(), 14, "{out}");
    assert!(!out.contains("::warning "), "{out}");
}

/// `allow` on a route and on a runbook: what it accepts is listed with
/// its reason and not counted; one that accepts nothing warns at its
/// line; a code no lint has is an error with the closest; a reason is
/// one line.
#[test]
fn allow_accepts_on_purpose_and_says_when_it_is_wrong() {
    let Some(tree) = reference_copy() else { return };
    let rb = |name: &str| tree.path().join("runbooks").join(format!("{name}.yaml"));
    // On langflow's embeddings route: accepts the finding there.
    edit(
        &rb("langflow"),
        "    integration: OpenAI embeddings component when flow includes embed scope on key\n",
        "    integration: OpenAI embeddings component when flow includes embed scope on key\n    allow:\n      verdict-conflict: GT has not confirmed the component against the embed route\n",
    );
    // On n8n's: accepts the finding made across runbooks (n8n's file has
    // no problem of its own, so it was read without spans first).
    edit(
        &rb("n8n"),
        "    integration: OpenAI Embeddings node when key includes embed scope\n",
        "    integration: OpenAI Embeddings node when key includes embed scope\n    allow: { verdict-conflict: GT verified the node }\n",
    );
    // On continue's runbook: accepts its config-name-drift; a second entry
    // accepts nothing.
    edit(
        &rb("continue"),
        "category:",
        "allow:\n  config-name-drift: Continue's older docs call it apiBaseUrl\n  verdict-conflict: nothing to accept\ncategory:",
    );
    let r = report(tree.path());
    let found = findings(&r);
    for accepted in [
        ("verdict-conflict", "langflow.yaml", 28, 14),
        ("config-name-drift", "continue.yaml", 69, 34),
        ("verdict-conflict", "n8n.yaml", 28, 14),
    ] {
        let (code, file, line, column) = accepted;
        assert!(
            found.contains(&(code.into(), file.into(), line, column, true)),
            "{accepted:?} accepted: {found:#?}"
        );
    }
    assert!(
        found.contains(&("unused-allow".into(), "continue.yaml".into(), 8, 3, false)),
        "{found:#?}"
    );
    // 25 findings, 3 accepted, 1 unused entry.
    assert_eq!(
        (r["warnings"].as_u64(), r["accepted"].as_u64()),
        (Some(23), Some(3))
    );
    let reason = r["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| {
            d["code"] == "verdict-conflict"
                && d["accepted"].is_string()
                && d["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("langflow.yaml"))
        })
        .map(|d| d["accepted"].clone());
    assert_eq!(
        reason,
        Some(Value::from(
            "GT has not confirmed the component against the embed route"
        ))
    );

    // Errors cannot be accepted, nor unknown codes; a reason is one line.
    edit(
        &rb("aider"),
        "category:",
        "allow:\n  verdict-conflit: typo\n  credential: a key\n  config-name-drift: \"two\\nlines\"\ncategory:",
    );
    let r = report(tree.path());
    let errors: Vec<(String, u64, u64, String)> = r["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["hint"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|(code, line, column, hint)| code == "unknown-allow"
                && (*line, *column) == (7, 3)
                && hint.starts_with("did you mean `verdict-conflict`?")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|(code, line, _, hint)| code == "unknown-allow"
                && *line == 8
                && hint.contains("errors never")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|(_, line, _, _)| *line == 9),
        "the two-line reason: {errors:#?}"
    );
}

/// An unknown id in a level's rule is an error with the closest id.
#[test]
fn a_rule_names_catalog_ids() {
    let Some(tree) = reference_copy() else { return };
    edit(
        &tree.path().join("gtdocs.yaml"),
        "rule: { none_of: [gt_extension] }",
        "rule: { none_of: [gt_extenssion], routes: { POST /v1/chat/completion: [native] } }",
    );
    let r = report(tree.path());
    let errors: Vec<(&str, &str)> = r["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default(),
                d["hint"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{r:#}");
    assert!(
        errors.contains(&(
            "unknown-id",
            "did you mean `gt_extension`? known verdicts: `native`, `gt_extension`, `not_supported`"
        )),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|(code, hint)| *code == "unknown-route"
            && hint.starts_with("did you mean `POST /v1/chat/completions`?")),
        "{errors:#?}"
    );
}
