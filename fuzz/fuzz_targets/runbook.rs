//! Any bytes as a runbook file of the bundled tree: loading, validation
//! and, when it validates, the wiki, JSON and HTML renderers. A diagnostic
//! or a build, never a panic, a hang or unbounded memory.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// A docs tree with the bundled catalog, made once per process.
fn tree() -> &'static PathBuf {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        std::fs::copy(repo.join("gtdocs.yaml"), dir.join("gtdocs.yaml")).expect("config");
        std::fs::create_dir_all(dir.join("runbooks")).expect("runbooks");
        std::fs::copy(
            repo.join("runbooks/aider.yaml"),
            dir.join("runbooks/aider.yaml"),
        )
        .expect("aider");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let root = tree();
    std::fs::write(root.join("runbooks/fuzzed.yaml"), data).expect("write");
    let Ok(compiled) = gtdocs::compile(root) else {
        return;
    };
    // Every diagnostic renders in every format.
    for format in [
        gtdocs::diagnostic::Format::Human,
        gtdocs::diagnostic::Format::Json,
        gtdocs::diagnostic::Format::Github,
    ] {
        let _ = gtdocs::diagnostic::render(&compiled.diagnostics, &compiled.sources, format, false);
    }
    if let (Some(book), Ok(ctx)) = (compiled.book, gtdocs::render::RenderContext::from_env()) {
        let renderers: [&dyn gtdocs::render::Renderer; 3] = [
            &gtdocs::render::wiki::Wiki,
            &gtdocs::render::json::Json,
            &gtdocs::render::html::Html,
        ];
        let _ = gtdocs::render::render_with(&book, &ctx, &renderers);
    }
});
