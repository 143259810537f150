//! The GT API stand-in, driven by `curl` as a client would: each route of
//! the bundled catalog answers under GT's prefix with the bearer key; a
//! path off the catalog (the base without `/v1`) gets a 404, a missing or
//! wrong key a 401; and every request is recorded as it came.

use std::process::Command;

use gtdocs::probe::{Seen, StandIn};

use crate::common::{repo, stderr, stdout, tool};

const KEY: &str = "gtak_stand_in_test_key";

/// The routes of the bundled catalog (`gtdocs.yaml`).
fn catalog_routes() -> Vec<String> {
    let compiled = gtdocs::compile(&repo()).expect("the bundled tree compiles");
    let book = compiled.book.expect("the bundled tree is valid");
    book.catalog
        .routes
        .iter()
        .map(|r| r.route.clone())
        .collect()
}

/// `curl` with `args`, then the URL: the status and the body.
fn curl(args: &[&str], url: &str) -> (u16, String) {
    let o = Command::new(tool("GTDOCS_CURL", "curl"))
        .args(["-sS", "-w", "\n%{http_code}"])
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    assert!(o.status.success(), "curl {args:?} {url}: {}", stderr(&o));
    let out = stdout(&o);
    let (body, status) = out.rsplit_once('\n').expect("a status line");
    (status.parse().expect("a status"), body.to_owned())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[test]
fn the_stand_in_answers_the_catalog_records_paths_and_refuses_the_rest() {
    let routes = catalog_routes();
    assert!(routes.len() >= 9, "{routes:?}");
    let stand_in = StandIn::start(&routes, KEY).expect("start");
    let base = stand_in.base_url();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/api/tenant"),
        "{base}"
    );
    let auth = format!("Authorization: Bearer {KEY}");
    let json_body = [
        "-H",
        auth.as_str(),
        "-H",
        "Content-Type: application/json",
        "-d",
    ];

    let (status, body) = curl(&["-H", &auth], &format!("{base}/v1/models"));
    assert_eq!(status, 200);
    assert_eq!(json(&body)["data"][0]["object"], "model");

    let chat = r#"{"model":"gt-stand-in","messages":[{"role":"user","content":"hi"}]}"#;
    let (status, body) = curl(
        &[&json_body[..], &[chat]].concat(),
        &format!("{base}/v1/chat/completions"),
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["choices"][0]["message"]["role"], "assistant");

    let stream = r#"{"model":"m","messages":[],"stream":true}"#;
    let (status, body) = curl(
        &[&json_body[..], &[stream]].concat(),
        &format!("{base}/v1/chat/completions"),
    );
    assert_eq!(status, 200);
    assert!(
        body.starts_with("data: {") && body.trim_end().ends_with("data: [DONE]"),
        "{body}"
    );

    let embed = r#"{"model":"m","input":["a","b"],"encoding_format":"float"}"#;
    let (status, body) = curl(
        &[&json_body[..], &[embed]].concat(),
        &format!("{base}/v1/embeddings"),
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["data"].as_array().map(Vec::len), Some(2));

    let dir = tempfile::tempdir().expect("tempdir");
    let audio = dir.path().join("a.mp3");
    std::fs::write(&audio, b"ID3 not really audio").expect("write");
    let file = format!("file=@{}", audio.display());
    let form = [
        "-H",
        auth.as_str(),
        "-F",
        file.as_str(),
        "-F",
        "model=whisper",
    ];
    let (status, body) = curl(&form, &format!("{base}/v1/audio/transcriptions"));
    assert_eq!(status, 200);
    assert_eq!(json(&body)["text"], "stand-in transcript");

    let (status, body) = curl(
        &[
            &json_body[..],
            &[r#"{"model":"m","input":"hi","voice":"v"}"#],
        ]
        .concat(),
        &format!("{base}/v1/audio/speech"),
    );
    assert_eq!(status, 200);
    assert!(body.starts_with("ID3"), "{body}");

    let (status, body) = curl(
        &[&json_body[..], &[r#"{"prompt":"a cat"}"#]].concat(),
        &format!("{base}/v1/images/generations"),
    );
    assert_eq!(status, 200);
    assert!(json(&body)["data"][0]["b64_json"].is_string());

    let upload = [
        "-H",
        auth.as_str(),
        "-F",
        file.as_str(),
        "-F",
        "purpose=assistants",
    ];
    for path in ["/v1/conversations/files", "/v1/datasets/ds-1/files"] {
        let (status, body) = curl(&upload, &format!("{base}{path}"));
        assert_eq!(status, 200, "{path}");
        assert_eq!(json(&body)["object"], "file", "{path}");
    }
    let (status, body) = curl(&["-H", &auth], &format!("{base}/v1/files/file-1"));
    assert_eq!(status, 200);
    assert_eq!(json(&body)["status"], "processed");

    // Off the catalog: the base without `/v1`, as an SDK given the
    // documented base may call it; a method the route does not have.
    let (status, body) = curl(
        &[&json_body[..], &[chat]].concat(),
        &format!("{base}/chat/completions"),
    );
    assert_eq!(status, 404);
    assert_eq!(json(&body)["error"]["code"], "not_found");
    let (status, _) = curl(&["-H", &auth], &format!("{base}/v1/chat/completions"));
    assert_eq!(status, 404);
    // No key, a wrong one.
    let (status, body) = curl(&[], &format!("{base}/v1/models"));
    assert_eq!(status, 401);
    assert_eq!(json(&body)["error"]["code"], "invalid_api_key");
    let (status, _) = curl(
        &["-H", "Authorization: Bearer gtak_wrong"],
        &format!("{base}/v1/models"),
    );
    assert_eq!(status, 401);
    // Meant for other hosts, through the stand-in as a proxy (as a probe's
    // client that ignores its base URL would go): refused, the host kept.
    let proxy = format!("http://{}", stand_in.host());
    let o = Command::new(tool("GTDOCS_CURL", "curl"))
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-x",
            &proxy,
            "https://api.openai.com/v1/models",
        ])
        .output()
        .expect("run curl");
    assert!(!o.status.success(), "the tunnel was refused");
    let (status, _) = curl(&["-x", &proxy], "http://api.example.com/v1/models");
    assert_eq!(status, 404);
    // Its own address named in full, as a client sends every request to
    // a proxy: its own route.
    let (status, _) = curl(&["-x", &proxy, "-H", &auth], &format!("{base}/v1/models"));
    assert_eq!(status, 200);

    let seen: Vec<Seen> = stand_in.seen();
    let headers: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.key, s.content_type.as_str()))
        .collect();
    let right_json = ("right", "application/json");
    let right_form = ("right", "multipart/form-data");
    let right_none = ("right", "");
    assert_eq!(
        headers,
        [
            right_none,
            right_json,
            right_json,
            right_json,
            right_form,
            right_json,
            right_json,
            right_form,
            right_form,
            right_none,
            right_json,
            right_none,
            ("missing", ""),
            ("wrong", ""),
            ("missing", ""),
            ("missing", ""),
            right_none,
        ]
    );
    let brief: Vec<(String, String, Option<String>, u16, String)> = seen
        .into_iter()
        .map(|s| (s.method, s.path, s.route, s.status, s.body))
        .collect();
    let row = |m: &str, p: &str, r: Option<&str>, s: u16, b: &str| {
        (
            m.to_owned(),
            format!("/api/tenant{p}"),
            r.map(str::to_owned),
            s,
            b.to_owned(),
        )
    };
    let expected = vec![
        row("GET", "/v1/models", Some("GET /v1/models"), 200, "empty"),
        row(
            "POST",
            "/v1/chat/completions",
            Some("POST /v1/chat/completions"),
            200,
            "json {messages, model}",
        ),
        row(
            "POST",
            "/v1/chat/completions",
            Some("POST /v1/chat/completions"),
            200,
            "json {messages, model, stream}",
        ),
        row(
            "POST",
            "/v1/embeddings",
            Some("POST /v1/embeddings"),
            200,
            "json {encoding_format, input, model}",
        ),
        row(
            "POST",
            "/v1/audio/transcriptions",
            Some("POST /v1/audio/transcriptions"),
            200,
            "form [file, model]",
        ),
        row(
            "POST",
            "/v1/audio/speech",
            Some("POST /v1/audio/speech"),
            200,
            "json {input, model, voice}",
        ),
        row(
            "POST",
            "/v1/images/generations",
            Some("POST /v1/images/generations"),
            200,
            "json {prompt}",
        ),
        row(
            "POST",
            "/v1/conversations/files",
            Some("POST /v1/conversations/files"),
            200,
            "form [file, purpose]",
        ),
        row(
            "POST",
            "/v1/datasets/ds-1/files",
            Some("POST /v1/datasets/{id}/files"),
            200,
            "form [file, purpose]",
        ),
        row(
            "GET",
            "/v1/files/file-1",
            Some("GET /v1/files/{id}"),
            200,
            "empty",
        ),
        row(
            "POST",
            "/chat/completions",
            None,
            404,
            "json {messages, model}",
        ),
        row("GET", "/v1/chat/completions", None, 404, "empty"),
        row("GET", "/v1/models", Some("GET /v1/models"), 401, "empty"),
        row("GET", "/v1/models", Some("GET /v1/models"), 401, "empty"),
        (
            "CONNECT".into(),
            "api.openai.com:443".into(),
            None,
            404,
            "empty".into(),
        ),
        (
            "GET".into(),
            "http://api.example.com/v1/models".into(),
            None,
            404,
            "empty".into(),
        ),
        row("GET", "/v1/models", Some("GET /v1/models"), 200, "empty"),
    ];
    assert_eq!(brief, expected);
}

/// The OpenAI Python SDK (pinned by scripts/install-test-tools.sh), given
/// the stand-in's base with `/v1`, reaches the routes it has (models,
/// chat, embeddings) at GT's paths. Given the base the runbooks document
/// (without `/v1`), it calls `/api/tenant/chat/completions` and gets the
/// 404: what a probe finds out.
#[test]
fn the_openai_sdk_reaches_the_routes_with_v1_and_misses_them_without() {
    const SCRIPT: &str = r#"
import json, sys
import openai
from openai import OpenAI, NotFoundError
base, key = sys.argv[1], sys.argv[2]
out = {"version": openai.__version__}
client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
out["models"] = [m.id for m in client.models.list()]
reply = client.chat.completions.create(model="gt-stand-in", messages=[{"role": "user", "content": "hi"}])
out["chat"] = reply.choices[0].message.content
out["embeddings"] = len(client.embeddings.create(model="m", input=["a", "b"]).data)
documented = OpenAI(base_url=base, api_key=key, max_retries=0)
try:
    documented.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    out["documented"] = "reached"
except NotFoundError:
    out["documented"] = "404"
print(json.dumps(out))
"#;
    let stand_in = StandIn::start(&catalog_routes(), KEY).expect("start");
    let o = Command::new(tool("GTDOCS_OPENAI_PYTHON", "python3"))
        .args(["-c", SCRIPT, &stand_in.base_url(), KEY])
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("run python");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = json(&stdout(&o));
    assert_eq!(out["version"], "3.63.0", "not the pinned openai: {out}");
    assert_eq!(out["models"][0], "gt-stand-in");
    assert_eq!(out["chat"], "stand-in reply");
    assert_eq!(out["embeddings"], 2);
    assert_eq!(out["documented"], "404");
    let paths: Vec<(String, Option<String>, u16)> = stand_in
        .seen()
        .into_iter()
        .map(|s| (s.path, s.route, s.status))
        .collect();
    let at =
        |p: &str, r: Option<&str>, s: u16| (format!("/api/tenant{p}"), r.map(str::to_owned), s);
    assert_eq!(
        paths,
        vec![
            at("/v1/models", Some("GET /v1/models"), 200),
            at(
                "/v1/chat/completions",
                Some("POST /v1/chat/completions"),
                200
            ),
            at("/v1/embeddings", Some("POST /v1/embeddings"), 200),
            at("/chat/completions", None, 404),
        ]
    );
}

/// `gtdocs stand-in` serves the tree's catalog, says where, prints each
/// request as it comes (what a client sent escaped: it may send control
/// characters), and stops on Ctrl-C with code 0.
#[test]
fn gtdocs_stand_in_prints_each_request_and_stops_on_ctrl_c() {
    use std::io::{BufRead as _, BufReader};
    let tree = crate::common::bundled_copy();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(["stand-in", "--key", KEY, "--root"])
        .arg(tree.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = || lines.next().expect("a line").expect("utf-8");
    let first = next();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    assert!(base.ends_with("/api/tenant"), "{first}");
    let auth = format!("Authorization: Bearer {KEY}");
    let (status, _) = curl(&["-H", &auth], &format!("{base}/v1/models"));
    assert_eq!(status, 200);
    let evil = "{\"\\u001b[31mred\":1,\"model\":\"m\"}";
    let (status, _) = curl(
        &[
            "-H",
            &auth,
            "-H",
            "Content-Type: application/json",
            "-d",
            evil,
        ],
        &format!("{base}/chat/completions"),
    );
    assert_eq!(status, 404);
    assert_eq!(
        next(),
        "GET /api/tenant/v1/models -> 200 (GET /v1/models); key right; no body type empty"
    );
    assert_eq!(
        next(),
        "POST /api/tenant/chat/completions -> 404 (off the catalog); key right; application/json json {\\u{1b}[31mred, model}"
    );
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: signals the child this test spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{status}");
}

/// The probe cache the test command's setup names (install-test-tools.sh):
/// the bundled probes' packages are installed there once, then reused.
fn probe_cache() -> std::path::PathBuf {
    std::env::var_os("GTDOCS_PROBE_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            panic!("GTDOCS_PROBE_CACHE is not set: run scripts/install-test-tools.sh; this test needs it")
        })
}

/// `gtdocs probe` in `dir`, with `SOURCE_DATE_EPOCH` (2025-12-01).
fn probe(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .arg("probe")
        .arg("--cache")
        .arg(probe_cache())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1764547200")
        .output()
        .expect("run gtdocs probe")
}

/// The bundled tree with its probes, in a temporary folder.
fn bundled_with_probes() -> tempfile::TempDir {
    crate::common::bundled_copy()
}

/// The bundled OpenAI SDK probe, run by `gtdocs probe`: the pinned client
/// is the one that ran; each route the runbook supports was called once,
/// at the path the SDK makes of the runbook's base URL; the results are the
/// same bytes the second time.
#[test]
fn gtdocs_probe_runs_the_openai_sdk_as_the_runbook_configures_it() {
    let tree = bundled_with_probes();
    let o = probe(tree.path(), &["openai-sdk-curl"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let file = tree.path().join("probes/openai-sdk-curl/results.json");
    let first = std::fs::read(&file).expect("results written");
    let results = json(&String::from_utf8_lossy(&first));
    assert_eq!(results["client"]["package"], "openai");
    assert_eq!(
        results["client"]["version"], "3.63.0",
        "not the pinned client"
    );
    assert_eq!(results["date"], "2025-12-01");
    // What the runbook documents as the base, with the stand-in for the host.
    let base = results["base_url"].as_str().expect("a base URL").to_owned();
    let base_path = base
        .strip_prefix("https://<tenant-host>")
        .expect("the runbook's base is on the tenant host");
    let routes = results["routes"].as_array().expect("routes");
    let rb = std::fs::read_to_string(tree.path().join("runbooks/openai-sdk-curl.yaml")).unwrap();
    let supported =
        rb.matches("verdict: native").count() + rb.matches("verdict: gt_extension").count();
    assert_eq!(routes.len(), supported, "one result per supported route");
    let outcome_of = |route: &str| {
        let r = routes.iter().find(|r| r["route"] == route).expect(route);
        let paths: Vec<&str> = r["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["path"].as_str().unwrap())
            .collect();
        (r["outcome"].as_str().unwrap().to_owned(), paths)
    };
    // The SDK appends `/chat/completions` to its base: the route is reached
    // only when that base ends in `/v1`.
    let (outcome, paths) = outcome_of("POST /v1/chat/completions");
    assert_eq!(paths, [format!("{base_path}/chat/completions")]);
    let reached = base_path == "/api/tenant/v1";
    assert_eq!(
        outcome,
        if reached { "reached" } else { "missed" },
        "{base}"
    );
    // GT's own routes are plain HTTP to `{base}/...`, as the runbook says.
    let (outcome, paths) = outcome_of("POST /v1/datasets/{id}/files");
    assert_eq!(paths, [format!("{base_path}/datasets/ds_probe/files")]);
    assert_eq!(outcome, if reached { "reached" } else { "missed" });

    let again = probe(tree.path(), &["openai-sdk-curl"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "the results changed between two runs"
    );
}

/// A probe's folder must name a runbook, and a declaration must pin its
/// packages: `gtdocs probe` says which file is wrong, and writes nothing.
#[test]
fn gtdocs_probe_refuses_a_stray_folder_and_a_loose_pin() {
    let tree = bundled_with_probes();
    std::fs::create_dir_all(tree.path().join("probes/no-such-runbook")).unwrap();
    let o = probe(tree.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("probes/no-such-runbook"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir(tree.path().join("probes/no-such-runbook")).unwrap();

    let results = tree.path().join("probes/openai-sdk-curl/results.json");
    let _ = std::fs::remove_file(&results);
    let decl = tree.path().join("probes/openai-sdk-curl/probe.yaml");
    let text = std::fs::read_to_string(&decl).unwrap();
    std::fs::write(&decl, text.replace("openai==3.63.0", "openai>=3")).unwrap();
    let o = probe(tree.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("probes/openai-sdk-curl/probe.yaml")
            && stderr(&o).contains("openai>=3"),
        "{}",
        stderr(&o)
    );
    assert!(!results.exists());
}

/// The runbook as GT's wiki publishes it gives the base without `/v1`:
/// probed so, every route it marks as supported is missed, and `check`
/// reports each at its verdict's line. A verdict changed clears its own;
/// the config fixed and probed again clears them all.
#[test]
fn check_reports_a_probe_contradiction_at_the_route_until_config_or_verdict_is_fixed() {
    let tree = bundled_with_probes();
    let rb = tree.path().join("runbooks/openai-sdk-curl.yaml");
    let fixed = std::fs::read_to_string(&rb).unwrap();
    let documented = fixed.replacen(
        "value: https://<tenant-host>/api/tenant/v1",
        "value: https://<tenant-host>/api/tenant",
        1,
    );
    assert_ne!(documented, fixed);
    std::fs::write(&rb, &documented).unwrap();
    let o = probe(tree.path(), &["openai-sdk-curl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let check = |tree: &std::path::Path| {
        let o = crate::common::gtdocs(tree, &["check", "--no-cache", "--format", "json"]);
        let report = json(&stdout(&o));
        let found: Vec<(u64, String)> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["code"] == "probe-contradiction")
            .filter(|d| d["file"] == "runbooks/openai-sdk-curl.yaml")
            .map(|d| {
                (
                    d["line"].as_u64().expect("a line"),
                    d["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        found
    };
    let found = check(tree.path());
    let supported: Vec<usize> = documented
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "verdict: native" || l.trim() == "verdict: gt_extension")
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        found
            .iter()
            .map(|(line, _)| *line as usize)
            .collect::<Vec<_>>(),
        supported,
        "one finding at each supported route's verdict: {found:?}"
    );
    assert!(
        found[1]
            .1
            .contains("`POST /v1/chat/completions` is marked `native`")
            && found[1].1.contains("openai 3.63.0")
            && found[1]
                .1
                .contains("POST /api/tenant/chat/completions -> 404"),
        "{found:?}"
    );

    // The verdict changed: that route's finding goes, the others stay.
    let chat = documented.replacen(
        "  - route: POST /v1/chat/completions\n    verdict: native",
        "  - route: POST /v1/chat/completions\n    verdict: not_supported",
        1,
    );
    assert_ne!(chat, documented);
    std::fs::write(&rb, &chat).unwrap();
    let found = check(tree.path());
    assert_eq!(found.len(), supported.len() - 1, "{found:?}");
    assert!(
        !found.iter().any(|(_, m)| m.contains("chat/completions")),
        "{found:?}"
    );

    // Accepted on its route, with a reason: kept and marked, not counted,
    // and only that route's.
    let chat_route = "  - route: POST /v1/chat/completions\n    verdict: native\n";
    let allow = "    allow: {probe-contradiction: the stand-in cannot model this client's proxy}\n";
    let accepted = documented.replacen(chat_route, &format!("{chat_route}{allow}"), 1);
    assert_ne!(accepted, documented);
    std::fs::write(&rb, &accepted).unwrap();
    let o = crate::common::gtdocs(tree.path(), &["check", "--no-cache", "--format", "json"]);
    let report = json(&stdout(&o));
    let marked: Vec<(String, serde_json::Value)> = (report["diagnostics"].as_array().unwrap())
        .iter()
        .filter(|d| d["code"] == "probe-contradiction")
        .filter(|d| d["file"] == "runbooks/openai-sdk-curl.yaml")
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_owned(),
                d["accepted"].clone(),
            )
        })
        .collect();
    assert_eq!(marked.len(), supported.len(), "{marked:?}");
    for (message, accepted) in &marked {
        let reason = message
            .contains("`POST /v1/chat/completions`")
            .then_some("the stand-in cannot model this client's proxy");
        assert_eq!(accepted.as_str(), reason, "{message}");
    }

    // The config fixed and probed again: none, and an entry that accepts
    // nothing says so at its line.
    let fixed_accepted = fixed.replacen(chat_route, &format!("{chat_route}{allow}"), 1);
    std::fs::write(&rb, &fixed_accepted).unwrap();
    let o = probe(tree.path(), &["openai-sdk-curl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(check(tree.path()), Vec::new());
    let o = crate::common::gtdocs(tree.path(), &["check", "--no-cache", "--format", "json"]);
    let report = json(&stdout(&o));
    let unused: Vec<u64> = (report["diagnostics"].as_array().unwrap())
        .iter()
        .filter(|d| d["code"] == "unused-allow")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    let allow_line = fixed_accepted
        .lines()
        .position(|l| l == allow.trim_end())
        .unwrap()
        + 1;
    assert_eq!(unused, vec![allow_line as u64], "{report}");
    std::fs::write(&rb, &fixed).unwrap();
    assert_eq!(check(tree.path()), Vec::new());

    // Every output says it beside the verdict; the wiki only where a
    // probe ran (the published pages stay as they are).
    let o = crate::common::gtdocs(tree.path(), &["build", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let site = tree.path().join("site");
    let line = "Tested with openai 3.63.0 on 2025-12-01";
    let page =
        std::fs::read_to_string(site.join("html/runbooks/openai-sdk-curl/index.html")).unwrap();
    assert_eq!(
        page.matches(line).count(),
        supported.len(),
        "the runbook page"
    );
    let route =
        std::fs::read_to_string(site.join("html/routes/post-v1-chat-completions/index.html"))
            .unwrap();
    assert_eq!(route.matches(line).count(), 1, "the route page");
    let wiki =
        std::fs::read_to_string(site.join("wiki/Gen3-Gt-Api-Runbooks-Openai-Sdk-Curl.md")).unwrap();
    assert!(
        wiki.contains(&format!("- `POST /v1/chat/completions`: {line}")),
        "{wiki}"
    );
    let twin =
        std::fs::read_to_string(site.join("html/runbooks/openai-sdk-curl/index.html.md")).unwrap();
    assert!(
        twin.contains(&format!("- `POST /v1/chat/completions`: {line}")),
        "{twin}"
    );
    let route_twin =
        std::fs::read_to_string(site.join("html/routes/post-v1-chat-completions/index.html.md"))
            .unwrap();
    assert_eq!(route_twin.matches(line).count(), 1, "the route's twin");
    let other =
        std::fs::read_to_string(site.join("wiki/Gen3-Gt-Api-Runbooks-Librechat.md")).unwrap();
    assert!(
        !other.contains("Probe") && !other.contains("Tested with"),
        "{other}"
    );
    let manifest = json(&std::fs::read_to_string(site.join("json/manifest.json")).unwrap());
    let entry = manifest["runbooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == "openai-sdk-curl")
        .unwrap();
    assert_eq!(
        entry["routes"][1]["tested"],
        serde_json::json!({"client": "openai", "version": "3.63.0", "date": "2025-12-01", "reached": true})
    );

    // The results are read as untrusted text: escaped in every output.
    let results = tree.path().join("probes/openai-sdk-curl/results.json");
    let hostile = std::fs::read_to_string(&results).unwrap().replace(
        "\"package\": \"openai\"",
        "\"package\": \"<img src=x onerror=alert(1)>|[x](javascript:y)\"",
    );
    std::fs::write(&results, hostile).unwrap();
    let o = crate::common::gtdocs(tree.path(), &["build", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page =
        std::fs::read_to_string(site.join("html/runbooks/openai-sdk-curl/index.html")).unwrap();
    assert!(!page.contains("<img src=x"), "raw HTML from the results");
    assert!(
        page.contains("Tested with &lt;img src=x"),
        "the client's name, escaped"
    );
    let wiki =
        std::fs::read_to_string(site.join("wiki/Gen3-Gt-Api-Runbooks-Openai-Sdk-Curl.md")).unwrap();
    assert!(
        !wiki.contains("<img src=x") && !wiki.contains("[x](javascript:y)"),
        "{wiki}"
    );
    for twin in [
        "html/runbooks/openai-sdk-curl/index.html.md",
        "html/routes/post-v1-chat-completions/index.html.md",
        "html/llms-full.txt",
    ] {
        let text = std::fs::read_to_string(site.join(twin)).unwrap();
        assert!(
            !text.contains("<img src=x") && !text.contains("[x](javascript:y)"),
            "{twin}"
        );
    }
}

/// Every bundled probe, run again on the day its committed results carry,
/// gives those results byte for byte: the pinned clients are the ones that
/// ran, and the runbooks' documented config still reaches every route they
/// mark as supported, but for the one route a runbook accepts it does not
/// (LiteLLM's model list, which leaves the base URL's path out).
#[test]
fn the_bundled_probes_give_their_committed_results() {
    let tree = bundled_with_probes();
    let mut slugs: Vec<String> = std::fs::read_dir(repo().join("probes"))
        .expect("probes/")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    slugs.sort();
    assert_eq!(
        slugs,
        [
            "crewai",
            "langchain",
            "litellm",
            "llamaindex",
            "openai-sdk-curl",
            "vercel-ai-sdk"
        ]
    );
    // Side by side: on a fresh machine, most of the time is each probe's
    // packages downloading.
    let runs: Vec<std::process::Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (slugs.iter())
            .map(|slug| {
                let tree = tree.path();
                scope.spawn(move || {
                    let rel = format!("probes/{slug}/results.json");
                    let committed = json(&std::fs::read_to_string(repo().join(&rel)).unwrap());
                    let date = committed["date"].as_str().unwrap().to_owned();
                    let epoch = Command::new("date")
                        .args(["-u", "-d", &date, "+%s"])
                        .output()
                        .expect("date");
                    Command::new(env!("CARGO_BIN_EXE_gtdocs"))
                        .args(["probe", "--cache"])
                        .arg(probe_cache())
                        .arg(slug)
                        .current_dir(tree)
                        .env("NO_COLOR", "1")
                        .env("SOURCE_DATE_EPOCH", stdout(&epoch).trim())
                        .output()
                        .expect("run gtdocs probe")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut missed = Vec::new();
    for (slug, o) in slugs.iter().zip(runs) {
        let rel = format!("probes/{slug}/results.json");
        let committed = std::fs::read(repo().join(&rel)).expect("committed results");
        let results = json(&String::from_utf8_lossy(&committed));
        assert!(o.status.success(), "{slug}: {}{}", stdout(&o), stderr(&o));
        let pinned =
            std::fs::read_to_string(repo().join(format!("probes/{slug}/probe.yaml"))).unwrap();
        let version = results["client"]["version"].as_str().unwrap();
        assert!(pinned.contains(version), "{slug}: {version} is not the pin");
        for r in results["routes"].as_array().unwrap() {
            if r["outcome"] != "reached" {
                missed.push(format!("{slug}: {}", r["route"].as_str().unwrap()));
            }
        }
        let again = std::fs::read(tree.path().join(&rel)).unwrap();
        assert!(
            again == committed,
            "{slug}: the probe now gives other results than {rel}:\n{}",
            String::from_utf8_lossy(&again)
        );
    }
    // A supported route a client did not reach is a finding the runbook
    // accepts on that route, with its reason; there is no other.
    let o = crate::common::gtdocs(tree.path(), &["check", "--no-cache", "--format", "json"]);
    let report = json(&stdout(&o));
    let mut accepted = Vec::new();
    for d in report["diagnostics"].as_array().unwrap() {
        if d["code"] == "probe-contradiction" {
            assert!(d["accepted"].is_string(), "not accepted: {d}");
            let slug = d["file"].as_str().unwrap();
            let slug = slug
                .trim_start_matches("runbooks/")
                .trim_end_matches(".yaml");
            let route = d["message"].as_str().unwrap().split('`').nth(1).unwrap();
            accepted.push(format!("{slug}: {route}"));
        }
    }
    assert_eq!(missed, accepted);
    assert_eq!(missed, ["litellm: GET /v1/models"]);
}

/// What `gtdocs check` finds in the tree at `root` and no `allow` accepts:
/// `<code> <file>` each.
fn findings(root: &std::path::Path) -> Vec<String> {
    let o = crate::common::gtdocs(root, &["check", "--no-cache", "--format", "json"]);
    let report = json(&stdout(&o));
    (report["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["accepted"].is_null())
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap()
            )
        })
        .collect()
}

/// Results left behind by a renamed runbook are told, at their file, not
/// silently dropped; moved with the runbook, they are stale until it is
/// probed again under its new name.
#[test]
fn results_of_no_runbook_are_a_warning_until_moved_with_it() {
    let tree = crate::common::bundled_copy();
    let root = tree.path();
    assert_eq!(findings(root), Vec::<String>::new());
    std::fs::rename(
        root.join("runbooks/crewai.yaml"),
        root.join("runbooks/crew-ai.yaml"),
    )
    .unwrap();
    assert_eq!(
        findings(root),
        ["probe-without-runbook probes/crewai/results.json"]
    );
    let o = crate::common::gtdocs(root, &["build", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(root.join("site/html/runbooks/crew-ai/index.html")).unwrap();
    assert!(!page.contains("tested-line"), "shown under another runbook");
    // Moved with it: the results are still the old runbook's until it is
    // probed again.
    std::fs::rename(root.join("probes/crewai"), root.join("probes/crew-ai")).unwrap();
    assert_eq!(findings(root), ["probe-stale runbooks/crew-ai.yaml"]);
    let o = probe(root, &["crew-ai"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(findings(root), Vec::<String>::new());
    let o = crate::common::gtdocs(root, &["build", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(root.join("site/html/runbooks/crew-ai/index.html")).unwrap();
    assert!(page.contains("Tested with crewai 1.15.30 on "), "{page}");
}

/// Results no longer stand for a runbook whose `config` changed since, or
/// that marks a route as supported the probe did not call: `check` says
/// so where, the outputs stop showing them, and `gtdocs probe` (which a
/// broken results file does not stop) makes them stand again.
#[test]
fn stale_results_are_told_and_not_shown_until_probed_again() {
    let tree = crate::common::bundled_copy();
    let root = tree.path();
    let findings = |root: &std::path::Path| {
        let o = crate::common::gtdocs(root, &["check", "--no-cache", "--format", "json"]);
        let report = json(&stdout(&o));
        (report["diagnostics"].as_array().unwrap().iter())
            .filter(|d| d["accepted"].is_null())
            .map(|d| {
                let at = format!("{}:{}", d["file"].as_str().unwrap(), d["line"]);
                (d["code"].as_str().unwrap().to_owned(), at)
            })
            .collect::<Vec<_>>()
    };
    let page = |root: &std::path::Path| {
        let o = crate::common::gtdocs(root, &["build", "-q"]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(root.join("site/html/runbooks/crewai/index.html")).unwrap()
    };
    let tested = "Tested with crewai 1.15.30 on ";
    assert!(page(root).contains(tested));

    // Another base URL documented, the probe not run again.
    let rb = root.join("runbooks/crewai.yaml");
    let fresh = std::fs::read_to_string(&rb).unwrap();
    let moved = fresh.replacen("/api/tenant/v1\n", "/api/tenant/v2\n", 1);
    assert_ne!(moved, fresh);
    std::fs::write(&rb, &moved).unwrap();
    let config_line = 1 + moved.lines().position(|l| l == "config:").unwrap();
    assert_eq!(
        findings(root),
        [(
            "probe-stale".to_owned(),
            format!("runbooks/crewai.yaml:{config_line}")
        )]
    );
    assert!(!page(root).contains(tested), "stale results shown");

    // A route marked supported that the probe did not call.
    let embeddings = "  - route: POST /v1/embeddings\n    verdict: not_supported";
    let marked = fresh.replacen(
        embeddings,
        "  - route: POST /v1/embeddings\n    verdict: native",
        1,
    );
    assert_ne!(marked, fresh);
    std::fs::write(&rb, &marked).unwrap();
    let verdict_line = 2 + marked
        .lines()
        .position(|l| l == "  - route: POST /v1/embeddings")
        .unwrap();
    assert_eq!(
        findings(root),
        [(
            "probe-stale".to_owned(),
            format!("runbooks/crewai.yaml:{verdict_line}")
        )]
    );

    // Probed again, from a broken results file: no longer stale; the
    // probe's script has no call for embeddings, which is now a
    // contradiction at that verdict.
    std::fs::write(root.join("probes/crewai/results.json"), "{").unwrap();
    assert_eq!(findings(root)[0].0, "probe-results");
    let o = probe(root, &["crewai"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        findings(root),
        [(
            "probe-contradiction".to_owned(),
            format!("runbooks/crewai.yaml:{verdict_line}")
        )]
    );
    assert!(page(root).contains("Tested with crewai 1.15.30 on 2025-12-01"));
}

/// A client that ignores the documented base URL and calls its vendor's
/// host reaches the stand-in as its proxy, never the network: the results
/// name the host it went to, and `check` says so at the verdict. A route
/// the script has no call for (exit 2) is told as the script's, not the
/// client's.
#[test]
fn a_client_calling_another_host_is_caught_at_the_stand_in() {
    let tree = crate::common::bundled_copy();
    let root = tree.path();
    std::fs::write(
        root.join("probes/openai-sdk-curl/probe.py"),
        r#"import os, sys
from openai import OpenAI

if os.environ["GTDOCS_PROBE_ROUTE"] != "GET /v1/models":
    sys.exit(2)
# No base URL: the SDK's own, https://api.openai.com/v1.
OpenAI(api_key="gtak_probe", max_retries=0, timeout=5).models.list()
"#,
    )
    .unwrap();
    let o = probe(root, &["openai-sdk-curl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results =
        json(&std::fs::read_to_string(root.join("probes/openai-sdk-curl/results.json")).unwrap());
    let models = &results["routes"][0];
    assert_eq!(models["route"], "GET /v1/models", "{results}");
    assert_eq!(models["outcome"], "missed", "{results}");
    assert_eq!(models["requests"][0]["method"], "CONNECT", "{results}");
    assert_eq!(
        models["requests"][0]["path"], "api.openai.com:443",
        "{results}"
    );
    let o = crate::common::gtdocs(root, &["check", "--no-cache", "--format", "json"]);
    let report = json(&stdout(&o));
    let messages: Vec<&str> = (report["diagnostics"].as_array().unwrap().iter())
        .filter(|d| {
            d["code"] == "probe-contradiction" && d["file"] == "runbooks/openai-sdk-curl.yaml"
        })
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("did not reach it")
            && messages[0].contains("CONNECT api.openai.com:443 -> 404"),
        "{messages:?}"
    );
    assert!(
        messages[1..]
            .iter()
            .all(|m| m.contains("the probe's script has no call for this route")),
        "{messages:?}"
    );
}

/// What a tree may hold beside its probes' results, and what a hand may
/// do to them: a plain file in probes/ is none of gtdocs'; a runbook with
/// no `config` is not stale for it; results gone take an accepted
/// contradiction's `allow` with them without calling it unused; a pin
/// bumped makes the results stale at the declaration; a control character
/// in them (a forged line) makes them unreadable.
#[test]
fn probe_results_as_a_hand_leaves_them() {
    let tree = crate::common::bundled_copy();
    let root = tree.path();
    std::fs::write(root.join("probes/README.md"), "What the probes found.\n").unwrap();
    assert_eq!(findings(root), Vec::<String>::new());

    // No `config` documented, and none probed with.
    let rb = root.join("runbooks/crewai.yaml");
    let text = std::fs::read_to_string(&rb).unwrap();
    let start = text.find("config:\n").unwrap();
    let end = start + text[start..].find("routes:\n").unwrap();
    std::fs::write(&rb, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let results = root.join("probes/crewai/results.json");
    let mut value = json(&std::fs::read_to_string(&results).unwrap());
    value["config"] = serde_json::json!([]);
    std::fs::write(&results, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    assert_eq!(findings(root), Vec::<String>::new());

    // LiteLLM's results gone: its accepted contradiction cannot be made,
    // and its `allow` entry is not called unused for it.
    std::fs::remove_file(root.join("probes/litellm/results.json")).unwrap();
    assert_eq!(findings(root), Vec::<String>::new());

    // A pin bumped, the probe not run again.
    let declaration = root.join("probes/langchain/probe.yaml");
    let pinned = std::fs::read_to_string(&declaration).unwrap();
    std::fs::write(&declaration, pinned.replace("==1.8.1", "==1.8.2")).unwrap();
    assert_eq!(findings(root), ["probe-stale probes/langchain/probe.yaml"]);
    std::fs::write(&declaration, pinned).unwrap();

    // A line forged into a version.
    let results = root.join("probes/openai-sdk-curl/results.json");
    let text = std::fs::read_to_string(&results).unwrap();
    let forged = text.replace(
        "\"version\": \"3.63.0\"",
        "\"version\": \"3.63.0\\nerror: forged\"",
    );
    assert_ne!(forged, text);
    std::fs::write(&results, forged).unwrap();
    assert_eq!(
        findings(root),
        ["probe-results probes/openai-sdk-curl/results.json"]
    );
    // A bidirectional override, a text the size of a page, a route twice:
    // each is refused the same way.
    let twice = {
        let mut value = json(&text);
        let first = value["routes"][0].clone();
        value["routes"].as_array_mut().unwrap().push(first);
        serde_json::to_string_pretty(&value).unwrap()
    };
    for bad in [
        text.replace("\"version\": \"3.63.0\"", "\"version\": \"3.63.0\u{202e}\""),
        text.replace(
            "\"version\": \"3.63.0\"",
            &format!("\"version\": \"{}\"", "9".repeat(5000)),
        ),
        twice,
    ] {
        assert_ne!(bad, text);
        std::fs::write(&results, &bad).unwrap();
        assert_eq!(
            findings(root),
            ["probe-results probes/openai-sdk-curl/results.json"],
            "{bad}"
        );
    }
    std::fs::write(&results, &text).unwrap();
    assert_eq!(findings(root), Vec::<String>::new());

    // A route made `not_supported` since the probe: no finding, and its
    // row no longer says it was tested.
    let rb = root.join("runbooks/langchain.yaml");
    let runbook = std::fs::read_to_string(&rb).unwrap();
    let chat = "  - route: POST /v1/chat/completions\n    verdict: native";
    assert!(runbook.contains(chat));
    let unsupported = runbook.replacen(
        chat,
        "  - route: POST /v1/chat/completions\n    verdict: not_supported",
        1,
    );
    std::fs::write(&rb, unsupported).unwrap();
    // (The lints across runbooks find the verdict unlike its note's.)
    let found = findings(root);
    assert!(!found.iter().any(|f| f.starts_with("probe-")), "{found:?}");
    let o = crate::common::gtdocs(root, &["build", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page =
        std::fs::read_to_string(root.join("site/html/routes/post-v1-chat-completions/index.html"))
            .unwrap();
    assert!(!page.contains("Tested with langchain-openai"), "{page}");
    assert!(page.contains("Tested with openai 3.63.0"), "{page}");

    std::fs::write(&rb, &runbook).unwrap();

    // A probe's folder linked: not followed, and told.
    std::fs::rename(root.join("probes/crewai"), root.join("crewai-probe")).unwrap();
    std::os::unix::fs::symlink("../crewai-probe", root.join("probes/crewai")).unwrap();
    assert_eq!(findings(root), ["probe-link probes/crewai"]);

    // Accepted on the runbook, not its route: every route's finding would
    // be, those of probes to come too.
    let rb = root.join("runbooks/litellm.yaml");
    let runbook = std::fs::read_to_string(&rb).unwrap();
    let line = (runbook.lines())
        .find(|l| l.starts_with("      probe-contradiction:"))
        .unwrap();
    let moved = runbook
        .replacen(&format!("    allow:\n{line}\n"), "", 1)
        .replacen("allow:\n", &format!("allow:\n  {}\n", line.trim_start()), 1);
    std::fs::write(&rb, &moved).unwrap();
    let found = findings(root);
    assert!(
        found.contains(&"misplaced-allow runbooks/litellm.yaml".to_owned()),
        "{found:?}\n{moved}"
    );
}
