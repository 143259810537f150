//! Gives the binary `GTDOCS_BUILD_ID`: a fingerprint of the sources it is
//! built from (the crate's code, the built-in theme, the manifest, the
//! lock file) and of the compiler. The build cache is written under it,
//! so a cache another build of gtdocs wrote is foreign and never read:
//! the same version number says nothing of a binary built from a working
//! copy.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    for dir in ["src", "themes"] {
        println!("cargo:rerun-if-changed={dir}");
        collect(&root.join(dir), &mut files);
    }
    for file in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={file}");
        files.push(root.join(file));
    }
    files.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for file in &files {
        // Absent files (no lock file in a published crate) count as empty.
        let content = std::fs::read(file).unwrap_or_default();
        let rel = file.strip_prefix(&root).unwrap_or(file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        hasher.update(&(content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Ok(version) = std::process::Command::new(rustc).arg("-vV").output() {
        hasher.update(&version.stdout);
    }
    for var in ["PROFILE", "TARGET", "CARGO_CFG_TARGET_FEATURE"] {
        hasher.update(std::env::var(var).unwrap_or_default().as_bytes());
        hasher.update(&[0]);
    }
    println!(
        "cargo:rustc-env=GTDOCS_BUILD_ID={:032x}",
        hasher.digest128()
    );
}

/// Every file below `dir`, recursively.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&path, files),
            Ok(t) if t.is_file() => files.push(path),
            _ => {}
        }
    }
}
