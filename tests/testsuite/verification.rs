//! When each verdict was checked: `verified` on a runbook and on a route,
//! judged against `verification.max_age_days` on `SOURCE_DATE_EPOCH`'s day,
//! reported by `check` at the line that says it, and shown the same in the
//! HTML, the JSON and the wiki.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;

/// 2026-12-01T00:00:00Z: "today" for every test here.
pub(crate) const TODAY: &str = "1796083200";
/// 200 days before [`TODAY`]: stale past 180 days.
pub(crate) const OLD: &str = "2026-05-15";
/// 10 days before [`TODAY`].
pub(crate) const RECENT: &str = "2026-11-21";
/// The route of librechat that has a verification of its own.
pub(crate) const OWN_ROUTE: &str = "POST /v1/chat/completions";

/// The bundled tree with `verification.max_age_days: 180` and librechat
/// verified on [`OLD`] (client 0.7.6, evidence `e2e-verified`, a proof),
/// its chat route again on [`RECENT`] (since 0.7.7).
pub(crate) fn verified_tree() -> tempfile::TempDir {
    let tree = common::bundled_copy();
    let config = tree.path().join("gtdocs.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read gtdocs.yaml");
    text.push_str("verification:\n  max_age_days: 180\n");
    std::fs::write(&config, text).expect("write gtdocs.yaml");
    edit(&tree.path().join("runbooks/librechat.yaml"), |text| {
        let evidence = "evidence: vendor-docs\n";
        assert!(text.contains(evidence), "librechat.yaml changed");
        let text = text.replacen(
            evidence,
            &format!(
                "{evidence}verified:\n  date: {OLD}\n  client_version: \"0.7.6\"\n  evidence: e2e-verified\n  link: https://github.com/danny-avila/LibreChat/releases/tag/v0.7.6\n"
            ),
            1,
        );
        let route = format!("  - route: {OWN_ROUTE}\n");
        let at = text.find(&route).expect("librechat maps the chat route");
        let end = text[at + route.len()..]
            .find("  - route:")
            .map_or(text.len(), |i| at + route.len() + i);
        let mut out = text.clone();
        out.insert_str(
            end,
            &format!("    verified:\n      date: {RECENT}\n      client_version: since 0.7.7\n"),
        );
        out
    });
    tree
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).expect("read");
    std::fs::write(path, f(text)).expect("write");
}

/// `gtdocs <args>` on `root`, with "today" = [`TODAY`].
fn run(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(args)
        .arg("--root")
        .arg(root)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", TODAY)
        .output()
        .expect("run gtdocs")
}

fn diagnostics(root: &Path) -> Value {
    let o = run(root, &["check", "--format", "json"]);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("check --format json: {e}\n{}", common::stderr(&o)))
}

/// The line (1-based) of the first line of `file` that starts (after its
/// indentation) with `start`, from the `nth` such line on.
fn line_of(file: &Path, start: &str, nth: usize) -> u64 {
    let text = std::fs::read_to_string(file).expect("read");
    let n = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(start))
        .nth(nth)
        .unwrap_or_else(|| panic!("no line {start:?} #{nth} in {}", file.display()))
        .0;
    n as u64 + 1
}

fn with_code<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == code)
        .collect()
}

#[test]
fn a_verdict_200_days_old_is_stale_and_one_10_days_old_is_not() {
    let tree = verified_tree();
    let file = tree.path().join("runbooks/librechat.yaml");
    let report = diagnostics(tree.path());
    let stale = with_code(&report, "stale-verdict");
    assert_eq!(stale.len(), 1, "{report:#}");
    let d = stale[0];
    assert_eq!(d["severity"], "warning");
    assert!(
        d["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("runbooks/librechat.yaml")),
        "{d}"
    );
    assert_eq!(
        d["line"].as_u64(),
        Some(line_of(&file, "verified:", 0)),
        "{d}"
    );
    assert_eq!(d["column"].as_u64(), Some(1), "{d}");
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains(OLD) && m.contains("200 days")),
        "{d}"
    );
    assert_eq!(report["errors"], 0, "{report:#}");

    // The route's own, 10 days old, is not stale; made 181 days old, it is,
    // at its own `verified` line; 180 days is still fresh.
    for (date, stale_routes) in [("2026-06-04", 0), ("2026-06-03", 1)] {
        edit(&file, |t| {
            t.replace(&format!("date: {RECENT}"), &format!("date: {date}"))
        });
        let report = diagnostics(tree.path());
        let at_route: Vec<_> = with_code(&report, "stale-verdict")
            .into_iter()
            .filter(|d| d["line"].as_u64() == Some(line_of(&file, "verified:", 1)))
            .collect();
        assert_eq!(at_route.len(), stale_routes, "{date}: {report:#}");
        edit(&file, |t| {
            t.replace(&format!("date: {date}"), &format!("date: {RECENT}"))
        });
    }

    // Checked again on time: nothing stale.
    edit(&file, |t| {
        t.replace(&format!("date: {OLD}"), &format!("date: {RECENT}"))
    });
    let report = diagnostics(tree.path());
    assert!(with_code(&report, "stale-verdict").is_empty(), "{report:#}");
    assert_eq!(report["warnings"], 0, "{report:#}");
}

#[test]
fn every_output_shows_the_same_dates_and_the_same_stale_verdicts() {
    let tree = verified_tree();
    let out = tempfile::tempdir().expect("tempdir");
    let out_arg = out.path().to_str().expect("utf-8");
    let o = run(tree.path(), &["build", "-q", "--out", out_arg]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    // JSON: the policy, the runbook's own, each route's (the route's own
    // stands alone: no proof of the runbook's is its proof).
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("json/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(
        manifest["verification"],
        serde_json::json!({"max_age_days": 180, "as_of": "2026-12-01"})
    );
    let entry: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("json/runbooks/librechat.json")).expect("entry"),
    )
    .expect("JSON");
    assert_eq!(entry["verified"]["date"], OLD);
    assert_eq!(entry["verified"]["client_version"], "0.7.6");
    assert_eq!(entry["verified"]["evidence"]["id"], "e2e-verified");
    assert_eq!(entry["verified"]["stale"], true);
    let mut stale_routes = Vec::new();
    for r in entry["routes"].as_array().expect("routes") {
        let v = &r["verified"];
        if r["route"] == OWN_ROUTE {
            assert_eq!(v["date"], RECENT, "{r}");
            assert_eq!(v["client_version"], "since 0.7.7", "{r}");
            assert!(
                v.get("link").is_none() && v.get("evidence").is_none(),
                "{r}"
            );
            assert_eq!(v["stale"], false, "{r}");
        } else {
            assert_eq!(v["date"], OLD, "{r}");
            assert_eq!(v["stale"], true, "{r}");
            stale_routes.push(r["route"].as_str().expect("route").to_string());
        }
    }
    assert_eq!(stale_routes.len(), 8, "{stale_routes:?}");
    // Other runbooks record none.
    let other: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("json/runbooks/n8n.json")).expect("entry"),
    )
    .expect("JSON");
    assert!(other.get("verified").is_none());
    assert!(
        other["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .all(|r| r.get("verified").is_none())
    );

    // Wiki: the runbook's line and the route's own, under the route table.
    let wiki = std::fs::read_to_string(out.path().join("wiki/Gen3-Gt-Api-Runbooks-Librechat.md"))
        .expect("wiki page");
    let table_end = wiki.find("### Not supported").expect("section");
    let lines = &wiki[..table_end];
    assert!(
        lines.contains(&format!("**Verification:** verified {OLD} · client 0.7.6 · deployed E2E verified (OpenAI SDK/curl golden path) · stale since 2026-11-12 · proof: https://github.com/danny-avila/LibreChat/releases/tag/v0.7.6")),
        "{lines}"
    );
    assert!(
        lines.contains(&format!(
            "- `{OWN_ROUTE}`: verified {RECENT} · client since 0.7.7\n"
        )),
        "{lines}"
    );
    let n8n = std::fs::read_to_string(out.path().join("wiki/Gen3-Gt-Api-Runbooks-N8n.md"))
        .expect("wiki page");
    assert!(
        !n8n.contains("Verification"),
        "a runbook without one gains no line"
    );

    // HTML: the runbook page (dates, "Stale" in words on each stale row),
    // the matrix (a "stale" flag in each stale cell of librechat's row), the
    // route page.
    let page = std::fs::read_to_string(out.path().join("html/runbooks/librechat/index.html"))
        .expect("page");
    assert!(
        page.contains(&format!("<time datetime=\"{OLD}\">{OLD}</time>")),
        "runbook date"
    );
    assert!(
        page.contains(&format!("<time datetime=\"{RECENT}\">{RECENT}</time>")),
        "route date"
    );
    assert_eq!(
        page.matches("<strong class=\"stale-flag\">Stale</strong>")
            .count(),
        1 + 8,
        "the facts and 8 rows"
    );
    let home = std::fs::read_to_string(out.path().join("html/index.html")).expect("home");
    assert_eq!(
        home.matches(">stale</span>").count(),
        8,
        "librechat's 8 stale cells"
    );
    let route_page =
        std::fs::read_to_string(out.path().join("html/routes/get-v1-models/index.html"))
            .expect("route page");
    assert!(route_page.contains("stale since 2026-11-12"), "route page");

    // Twice, byte for byte.
    let again = tempfile::tempdir().expect("tempdir");
    let o = run(
        tree.path(),
        &[
            "build",
            "-q",
            "--out",
            again.path().to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::snapshot(out.path()) == common::snapshot(again.path()),
        "two builds differ"
    );
}

#[test]
fn a_day_that_does_not_exist_or_an_unknown_evidence_is_an_error_at_its_line() {
    let tree = verified_tree();
    let file = tree.path().join("runbooks/librechat.yaml");
    edit(&file, |t| {
        t.replace(&format!("date: {OLD}"), "date: 2026-02-30")
            .replace("evidence: e2e-verified", "evidence: e2e-verifed")
    });
    let report = diagnostics(tree.path());
    let bad = with_code(&report, "bad-date");
    assert_eq!(bad.len(), 1, "{report:#}");
    assert_eq!(
        bad[0]["line"].as_u64(),
        Some(line_of(&file, "date: 2026-02-30", 0))
    );
    let unknown = with_code(&report, "unknown-id");
    assert_eq!(unknown.len(), 1, "{report:#}");
    assert_eq!(
        unknown[0]["line"].as_u64(),
        Some(line_of(&file, "evidence: e2e-verifed", 0))
    );
    assert!(
        unknown[0]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("e2e-verified")),
        "{}",
        unknown[0]
    );
    // A date in another shape is refused by the schema.
    edit(&file, |t| t.replace("date: 2026-02-30", "date: 30.02.2026"));
    let o = run(tree.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
}

#[test]
fn unverified_is_reported_only_when_the_tree_asks_for_dates() {
    let tree = verified_tree();
    let report = diagnostics(tree.path());
    assert!(with_code(&report, "unverified").is_empty(), "{report:#}");
    edit(&tree.path().join("gtdocs.yaml"), |t| {
        t.replace(
            "  max_age_days: 180\n",
            "  max_age_days: 180\n  require: true\n",
        )
    });
    let report = diagnostics(tree.path());
    let unverified = with_code(&report, "unverified");
    // One per runbook without any date (22), none for librechat.
    assert_eq!(unverified.len(), 22, "{report:#}");
    assert!(
        unverified
            .iter()
            .all(|d| !d["file"].as_str().unwrap_or("").ends_with("librechat.yaml"))
    );
    let n8n = tree.path().join("runbooks/n8n.yaml");
    let d = unverified
        .iter()
        .find(|d| {
            d["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("runbooks/n8n.yaml"))
        })
        .expect("n8n");
    assert_eq!(d["line"].as_u64(), Some(line_of(&n8n, "routes:", 0)));
}

#[test]
fn a_day_after_today_is_a_warning() {
    let tree = verified_tree();
    edit(&tree.path().join("runbooks/librechat.yaml"), |t| {
        t.replace(&format!("date: {RECENT}"), "date: 2026-12-02")
    });
    let report = diagnostics(tree.path());
    assert_eq!(
        with_code(&report, "verified-in-future").len(),
        1,
        "{report:#}"
    );
}

/// A stale verdict kept on purpose: `allow: {stale-verdict: reason}` on the
/// runbook accepts it (listed with its reason, not counted); on the route,
/// only that route's.
#[test]
fn a_stale_verdict_can_be_accepted_with_a_reason() {
    let tree = verified_tree();
    let file = tree.path().join("runbooks/librechat.yaml");
    edit(&file, |t| {
        t.replacen(
            "verified:\n",
            "allow:\n  stale-verdict: LibreChat 0.7.6 is the version operators pin\nverified:\n",
            1,
        )
    });
    let report = diagnostics(tree.path());
    assert_eq!(report["warnings"], 0, "{report:#}");
    let stale = with_code(&report, "stale-verdict");
    assert_eq!(stale.len(), 1, "{report:#}");
    assert_eq!(
        stale[0]["accepted"], "LibreChat 0.7.6 is the version operators pin",
        "{report:#}"
    );
    // Nothing left to accept: the entry itself is reported.
    edit(&file, |t| {
        t.replace(&format!("date: {OLD}"), &format!("date: {RECENT}"))
    });
    let report = diagnostics(tree.path());
    assert_eq!(with_code(&report, "unused-allow").len(), 1, "{report:#}");
}
