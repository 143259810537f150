//! A probe's runtime and packages, installed into a folder of the probe
//! cache of their own (one per runtime and set of pins), never globally:
//! a Python virtual environment from PyPI, or an npm prefix. A folder is
//! made aside and renamed into place once complete, so an interrupted
//! install is never taken for one; the next probe with the same pins
//! reuses it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::declared::{Probe, Runtime};
use super::error::ProbeError;
use super::process::checked;

/// Changed when what an installed folder holds changes.
const LAYOUT: &str = "gtdocs probe environment 1";

/// Marks a folder complete.
const READY: &str = "gtdocs-ready";

/// An installed environment.
#[derive(Debug)]
pub struct Installed {
    pub dir: PathBuf,
    /// What runs the script (the environment's `python`, or `node`).
    pub program: PathBuf,
    /// The client package's version, as installed.
    pub client_version: String,
}

/// The probe cache: `GTDOCS_PROBE_CACHE`, else `gtdocs/probes` in the
/// user's cache folder (`XDG_CACHE_HOME`, else `~/.cache`).
pub fn default_cache() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GTDOCS_PROBE_CACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("gtdocs").join("probes"))
}

/// The environment of `probe` in cache folder `cache`, installed first
/// when it is not there; `say` is told what is being installed.
pub fn install(
    probe: &Probe,
    cache: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Installed, ProbeError> {
    let pins = probe.pins();
    let mut f = crate::cache::Fingerprinter::new();
    f.str(LAYOUT)
        .str(probe.runtime.name())
        .u64(pins.len() as u64);
    for pin in &pins {
        f.str(pin);
    }
    let dir = cache.join(format!("{}-{:032x}", probe.runtime.name(), f.finish().0));
    if !dir.join(READY).is_file() {
        std::fs::create_dir_all(cache).map_err(ProbeError::cache(cache))?;
        let aside = tempfile::Builder::new()
            .prefix(".installing-")
            .tempdir_in(cache)
            .map_err(ProbeError::cache(cache))?;
        say(&format!(
            "installing {} ({})",
            pins.join(" "),
            probe.runtime.name()
        ));
        match probe.runtime {
            Runtime::Python => install_python(aside.path(), &pins)?,
            Runtime::Node => install_node(aside.path(), &pins)?,
        }
        std::fs::write(aside.path().join(READY), pins.join("\n"))
            .map_err(ProbeError::cache(aside.path()))?;
        let made = aside.keep();
        if std::fs::rename(&made, &dir).is_err() {
            // Another probe installed the same pins meanwhile: theirs is
            // kept, this one goes.
            let _ = std::fs::remove_dir_all(&made);
            if !dir.join(READY).is_file() {
                return Err(ProbeError::Cache {
                    path: dir,
                    source: std::io::Error::other(
                        "the installed environment cannot be put in place",
                    ),
                });
            }
        }
    }
    let (program, client_version) = match probe.runtime {
        Runtime::Python => {
            let python = dir.join("bin").join("python");
            let version = python_version(&python, &probe.client)?;
            (python, version)
        }
        Runtime::Node => (PathBuf::from(node()), node_version(&dir, &probe.client)?),
    };
    if client_version != probe.client_version() {
        return Err(ProbeError::Version {
            package: probe.client.clone(),
            pinned: probe.client_version().to_owned(),
            installed: client_version,
        });
    }
    Ok(Installed {
        dir,
        program,
        client_version,
    })
}

/// `python3`, or `GTDOCS_PYTHON`.
fn python() -> String {
    std::env::var("GTDOCS_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `node`, or `GTDOCS_NODE`.
fn node() -> String {
    std::env::var("GTDOCS_NODE").unwrap_or_else(|_| "node".into())
}

/// `npm`, or `GTDOCS_NPM`.
fn npm() -> String {
    std::env::var("GTDOCS_NPM").unwrap_or_else(|_| "npm".into())
}

fn install_python(dir: &Path, pins: &[String]) -> Result<(), ProbeError> {
    checked(Command::new(python()).args(["-m", "venv"]).arg(dir))?;
    // `--no-compile`: the few modules a probe imports are compiled when
    // first imported. Compiling every file of every package at install
    // took 76 s instead of 45 s for crewai, litellm and the LlamaIndex
    // packages in one environment, from an empty pip cache.
    checked(
        Command::new(dir.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--no-compile",
                "--quiet",
            ])
            .args(pins),
    )?;
    Ok(())
}

fn install_node(dir: &Path, pins: &[String]) -> Result<(), ProbeError> {
    // `--ignore-scripts`: a package's install scripts do not run here.
    checked(
        Command::new(npm())
            .args(["install", "--prefix"])
            .arg(dir)
            .args([
                "--save-exact",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .args(pins),
    )?;
    Ok(())
}

fn python_version(python: &Path, package: &str) -> Result<String, ProbeError> {
    let stdout = checked(Command::new(python).args([
        "-c",
        "import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))",
        package,
    ]))?;
    Ok(String::from_utf8_lossy(&stdout).trim().to_owned())
}

fn node_version(dir: &Path, package: &str) -> Result<String, ProbeError> {
    let manifest = dir.join("node_modules").join(package).join("package.json");
    let text = std::fs::read_to_string(&manifest).map_err(ProbeError::cache(&manifest))?;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Ok(json["version"].as_str().unwrap_or("").to_owned())
}
