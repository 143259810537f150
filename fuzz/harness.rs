//! The bodies of the fuzz targets. The targets in `fuzz_targets/` run them
//! under libFuzzer; the test suite (`tests/testsuite/fuzz_corpus.rs`)
//! replays the seeds and every input that once failed (`regressions/`)
//! through the same functions, so a crash found once stays fixed.
//!
//! Every function takes untrusted bytes and must return: a diagnostic or a
//! build, never a panic. The checks that hold for any input are asserted.
//!
//! Each of the two crates that include this file uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gtdocs::diagnostic::{self, Format};
use gtdocs::render::{self, RenderContext, Renderer};

/// What the fuzzed bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A runbook file beside one valid runbook.
    Runbook,
    /// The `gtdocs.yaml` of a tree with one valid runbook.
    Config,
    /// The text of every free-text field of an otherwise valid runbook,
    /// so the input reaches every renderer, the search index included.
    Render,
    /// Text through every Markdown and HTML escaping function.
    Markdown,
    /// A manifest read back (`gtdocs diff`, and the wiki's last published
    /// manifest, which anyone with wiki access can edit): compared both
    /// ways with the tree's own, and both reports rendered.
    Manifest,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::Runbook,
        Target::Config,
        Target::Render,
        Target::Markdown,
        Target::Manifest,
    ];

    /// The target's folder name in `fuzz/seeds/`, `fuzz/regressions/` and
    /// `fuzz/corpus/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Runbook => "runbook",
            Target::Config => "config",
            Target::Render => "render",
            Target::Markdown => "markdown",
            Target::Manifest => "manifest",
        }
    }
}

/// How far an input went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not read (the `Markdown` target takes only UTF-8).
    Skipped,
    /// Refused with a load error or diagnostics.
    Refused,
    /// Validated, and every output rendered.
    Built,
}

/// A docs tree to feed one target's input into: the repository's
/// `gtdocs.yaml` and its `runbooks/aider.yaml`.
pub struct Tree {
    root: PathBuf,
    _dir: tempfile::TempDir,
    /// The seed tree's manifest, made on first use.
    manifest: std::sync::OnceLock<serde_json::Value>,
}

impl Tree {
    /// `repo` is the gtdocs repository (the folder holding `gtdocs.yaml`).
    pub fn new(repo: &Path) -> std::io::Result<Tree> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().to_path_buf();
        std::fs::copy(repo.join("gtdocs.yaml"), root.join("gtdocs.yaml"))?;
        std::fs::create_dir_all(root.join("runbooks"))?;
        std::fs::copy(
            repo.join("runbooks/aider.yaml"),
            root.join("runbooks/aider.yaml"),
        )?;
        Ok(Tree {
            root,
            _dir: dir,
            manifest: std::sync::OnceLock::new(),
        })
    }

    /// The tree next to the fuzz crate (`fuzz/..`).
    pub fn for_fuzz_crate() -> Tree {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        match Tree::new(&repo) {
            Ok(tree) => tree,
            Err(e) => panic!("cannot make the seed tree from {}: {e}", repo.display()),
        }
    }

    /// Runs `target` on `data`.
    pub fn run(&self, target: Target, data: &[u8]) -> Outcome {
        match target {
            Target::Runbook => self.compile_with(&self.root.join("runbooks/fuzzed.yaml"), data),
            Target::Config => self.compile_with(&self.root.join("gtdocs.yaml"), data),
            Target::Render => {
                self.compile_with(&self.root.join("runbooks/fuzzed.yaml"), &runbook_with(data))
            }
            Target::Markdown => markdown(data),
            Target::Manifest => self.diff(data),
        }
    }

    /// The manifest of the seed tree, as `gtdocs build` writes it.
    fn manifest(&self) -> &serde_json::Value {
        self.manifest.get_or_init(|| {
            let book = gtdocs::compile(&self.root)
                .ok()
                .and_then(|c| c.book)
                .unwrap_or_else(|| panic!("the seed tree does not validate"));
            let ctx = RenderContext::from_env().unwrap_or_else(|e| panic!("{e}"));
            let output = render::render_with(&book, &ctx, &[&render::json::Json])
                .unwrap_or_else(|e| panic!("{e}"));
            let bytes = output
                .get("json/manifest.json")
                .unwrap_or_else(|| panic!("no json/manifest.json"));
            serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{e}"))
        })
    }

    /// `data` as an old manifest, as `gtdocs diff` and `publish-wiki` read
    /// it: JSON, then the manifest schema, then compared.
    fn diff(&self, data: &[u8]) -> Outcome {
        use gtdocs::diff::{self, Side};
        let Ok(read) = serde_json::from_slice::<serde_json::Value>(data) else {
            return Outcome::Refused;
        };
        if diff::check_manifest(&read).is_err() {
            return Outcome::Refused;
        }
        let read = Side {
            label: "fuzzed".into(),
            manifest: read,
        };
        let ours = Side {
            label: "tree".into(),
            manifest: self.manifest().clone(),
        };
        for (old, new) in [(&read, &ours), (&ours, &read)] {
            let report = diff::compare(old, new);
            let _ = report.to_markdown();
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&report.to_json()) {
                panic!("the JSON report is not JSON: {e}");
            }
        }
        Outcome::Built
    }

    /// Writes `data` to `file`, then compiles the tree, renders every
    /// diagnostic in every format and, when it validates, every output.
    fn compile_with(&self, file: &Path, data: &[u8]) -> Outcome {
        // The value of a document read from the parser's events is the one
        // serde-saphyr's deserializer makes, or none (it is read that way).
        if let Ok(text) = std::str::from_utf8(data) {
            let fast = gtdocs::load::yaml::parse_plain(text).ok();
            let saphyr = gtdocs::load::yaml::parse_plain_saphyr(text).ok();
            if fast != saphyr {
                panic!("the YAML read from events is {fast:?}, serde-saphyr's {saphyr:?}");
            }
        }
        if let Err(e) = std::fs::write(file, data) {
            panic!("cannot write {}: {e}", file.display());
        }
        let Ok(compiled) = gtdocs::compile(&self.root) else {
            return Outcome::Refused;
        };
        for format in [Format::Human, Format::Json, Format::Github] {
            let _ = diagnostic::render(&compiled.diagnostics, &compiled.sources, format, false);
        }
        let (Some(book), Ok(ctx)) = (compiled.book, RenderContext::from_env()) else {
            return Outcome::Refused;
        };
        let renderers: &[&dyn Renderer] = &render::ALL;
        let output = match render::render_with(&book, &ctx, renderers) {
            Ok(output) => output,
            Err(e) => panic!("a validated book failed to render: {e}"),
        };
        for (path, bytes) in output.files() {
            if path.ends_with(".json")
                && let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes)
            {
                panic!("{path} is not JSON: {e}");
            }
            // Control characters are refused at validation: none reaches a page.
            if (path.ends_with(".md") || path.ends_with(".html"))
                && let Some(c) = String::from_utf8_lossy(bytes)
                    .chars()
                    .find(|&c| c.is_control() && c != '\n' && c != '\t')
            {
                panic!("{path} holds the control character {c:?}");
            }
        }
        Outcome::Built
    }
}

/// Every Markdown and HTML escaping function on `data` as text.
fn markdown(data: &[u8]) -> Outcome {
    use gtdocs::markdown::{self, Place};
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    for place in [Place::LineStart, Place::Inline, Place::Cell] {
        let _ = markdown::inline(text, place);
        let _ = markdown::verbatim(text, place);
        let _ = markdown::code(text, place);
        let _ = markdown::link(text, "Some-Page", place);
    }
    let html = markdown::to_html(text);
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    let _ = markdown::to_plain(text);
    let escaped = markdown::escape_html(text);
    assert!(!escaped.contains('<'), "{escaped}");
    let _ = markdown::link_destination(text);
    Outcome::Built
}

/// The free-text fields of the `Render` target's runbook, in the order the
/// input's pieces fill them.
const TEXT_FIELDS: usize = 14;

/// A valid runbook whose free-text fields hold the pieces of `data` (split
/// at 0xFF, a byte UTF-8 never uses), each as a YAML double-quoted string
/// with every character outside printable ASCII escaped, so any text
/// reaches the model unchanged. Fields with no piece keep a plain word.
fn runbook_with(data: &[u8]) -> Vec<u8> {
    let mut pieces: Vec<String> = data
        .split(|&b| b == 0xFF)
        .map(|p| quote(&String::from_utf8_lossy(p)))
        .collect();
    pieces.resize(TEXT_FIELDS, quote("text"));
    let t = |i: usize| pieces[i].as_str();
    let mut yaml = format!(
        "title: {}\n\
         summary: {}\n\
         compatibility: guided-openai\n\
         category: dev-tooling\n\
         key_preset: agentic-editor\n\
         evidence: vendor-docs\n\
         docs:\n  - https://docs.example.com/client\n\
         config:\n  - field: {}\n    value: {}\n\
         routes:\n  - route: GET /v1/models\n    verdict: native\n    integration: {}\n",
        t(0),
        t(1),
        t(2),
        t(3),
        t(4)
    );
    for route in [
        "POST /v1/chat/completions",
        "POST /v1/embeddings",
        "POST /v1/audio/transcriptions",
        "POST /v1/audio/speech",
        "POST /v1/images/generations",
        "POST /v1/conversations/files",
        "POST /v1/datasets/{id}/files",
        "GET /v1/files/{id}",
    ] {
        yaml.push_str(&format!(
            "  - route: {route}\n    verdict: not_supported\n    integration: {}\n",
            t(5)
        ));
    }
    yaml.push_str(&format!(
        "not_supported:\n  - {}\n\
         prerequisites:\n  - {}\n\
         setup:\n  - {}\n\
         caveats:\n  - {}\n\
         checklist:\n  - {}\n\
         matrix:\n  subtitle: {}\n  chat: {}\n  files: {}\n  persistence: {}\n  details: {}\n",
        t(6),
        t(7),
        t(8),
        t(9),
        t(10),
        t(11),
        t(12),
        t(13),
        t(12),
        t(1),
    ));
    yaml.into_bytes()
}

/// `text` as a YAML double-quoted scalar.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}
