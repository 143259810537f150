//! The probes a docs tree declares: `probes/<slug>/probe.yaml` names, for
//! runbook `<slug>`, the runtime, the packages at pinned versions and the
//! script (in the same folder) that configures the client as the runbook's
//! `config` says and calls one route.
//!
//! ```yaml
//! runtime: python            # python or node
//! client: openai             # the package "tested with" names
//! packages: [openai==3.63.0] # every one pinned: name==version, name@version
//! script: probe.py
//! ```

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::ProbeError;

/// The folder of the probes, below the root.
pub const DIR: &str = "probes";
/// A probe's declaration, in its runbook's folder below [`DIR`].
pub const FILE: &str = "probe.yaml";
/// The largest declaration read.
const MAX_FILE: u64 = 64 << 10;
/// Most packages a probe installs.
const MAX_PACKAGES: usize = 32;

/// What runs a probe's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// `python3`, packages from PyPI (`name==version`).
    Python,
    /// `node`, packages from npm (`name@version`).
    Node,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Node => "node",
        }
    }
}

/// A package pinned to one exact version, as PyPI (`name==1.2.3`) or npm
/// (`name@1.2.3`, `@scope/name@1.2.3`) writes it; [`parse`] also checks
/// the form is its runtime's.
const PIN_PATTERN: &str =
    r"^([A-Za-z0-9._-]+==|(@[A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+@)[0-9][A-Za-z0-9.+-]*$";

/// A file name beside the declaration.
const SCRIPT_PATTERN: &str = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$";

/// `probes/<slug>/probe.yaml`, as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "probes/<slug>/probe.yaml",
    description = "A probe of runbook <slug>'s client: the runtime, the packages at pinned versions, and the script that configures the client as the runbook's `config` says and calls the route named by GTDOCS_PROBE_ROUTE."
)]
pub struct ProbeSource {
    /// What runs the script: `python` (packages from PyPI) or `node`
    /// (packages from npm).
    pub runtime: Runtime,
    /// The package the results name ("tested with"): one of `packages`.
    #[schemars(length(min = 1))]
    pub client: String,
    /// Every package the script needs, each pinned to one exact version:
    /// `name==1.2.3` for Python, `name@1.2.3` or `@scope/name@1.2.3` for
    /// Node.
    #[schemars(length(min = 1, max = MAX_PACKAGES), inner(regex(pattern = PIN_PATTERN)))]
    pub packages: Vec<String>,
    /// The script: a file beside `probe.yaml`.
    #[schemars(regex(pattern = SCRIPT_PATTERN))]
    pub script: String,
}

/// A declared probe, its declaration checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The runbook it probes.
    pub slug: String,
    pub runtime: Runtime,
    /// The package whose version the results name.
    pub client: String,
    /// Every package, as pinned: name and version, in the declared order.
    pub packages: Vec<(String, String)>,
    /// The script, relative to the root.
    pub script: PathBuf,
}

impl Probe {
    /// The pins as the package manager takes them.
    pub fn pins(&self) -> Vec<String> {
        let sep = match self.runtime {
            Runtime::Python => "==",
            Runtime::Node => "@",
        };
        (self.packages.iter())
            .map(|(name, version)| format!("{name}{sep}{version}"))
            .collect()
    }

    /// The pinned version of the client package.
    pub fn client_version(&self) -> &str {
        (self.packages.iter())
            .find(|(name, _)| *name == self.client)
            .map_or("", |(_, version)| version)
    }
}

/// The probes of the tree at `root` for the runbooks `slugs`, in slug
/// order. A folder of [`DIR`] that names no runbook is an error (a probe
/// left behind by a renamed runbook would never run again).
pub fn declared(root: &Path, slugs: &[&str]) -> Result<Vec<Probe>, ProbeError> {
    let dir = root.join(DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ProbeError::Read {
                path: dir,
                source: e,
            });
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ProbeError::Read {
            path: dir.clone(),
            source,
        })?;
        names.push(entry.file_name());
    }
    names.sort();
    let slugs: std::collections::HashSet<&str> = slugs.iter().copied().collect();
    let mut probes = Vec::new();
    for name in names {
        let Some(slug) = name.to_str().filter(|s| slugs.contains(s)) else {
            return Err(ProbeError::NoRunbook(PathBuf::from(DIR).join(&name)));
        };
        probes.push(declaration(root, slug)?);
    }
    Ok(probes)
}

/// The declaration of runbook `slug`'s probe, relative to the root.
pub fn path(slug: &str) -> PathBuf {
    PathBuf::from(DIR).join(slug).join(FILE)
}

/// The probe runbook `slug` of the tree at `root` declares.
pub fn declaration(root: &Path, slug: &str) -> Result<Probe, ProbeError> {
    let rel = path(slug);
    let bytes = crate::load::read_inside(root, &rel, MAX_FILE).map_err(|e| {
        let shown = crate::load::display_path(root, &rel);
        ProbeError::Declaration {
            path: rel.clone(),
            message: e.diagnostic(root, &shown, "the declaration").message,
        }
    })?;
    parse(slug, &rel, &bytes)
}

/// The declaration `bytes` of runbook `slug`'s probe, read from `rel`.
pub fn parse(slug: &str, rel: &Path, bytes: &[u8]) -> Result<Probe, ProbeError> {
    let bad = |message: String| ProbeError::Declaration {
        path: rel.to_path_buf(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))?;
    let source: ProbeSource =
        serde_saphyr::from_str_with_options(text, crate::load::yaml::options())
            .map_err(|e| bad(e.to_string()))?;
    if source.packages.is_empty() || source.packages.len() > MAX_PACKAGES {
        return Err(bad(format!(
            "`packages` lists {} packages; a probe installs 1 to {MAX_PACKAGES}",
            source.packages.len()
        )));
    }
    let packages = (source.packages.iter())
        .map(|pin| pinned(source.runtime, pin).ok_or_else(|| bad(not_pinned(source.runtime, pin))))
        .collect::<Result<Vec<_>, _>>()?;
    if !packages.iter().any(|(name, _)| *name == source.client) {
        return Err(bad(format!(
            "`client` is `{}`, which `packages` does not list",
            crate::diagnostic::visible(&source.client)
        )));
    }
    let plain = !source.script.is_empty()
        && !source.script.starts_with('.')
        && (source.script.chars()).all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !plain {
        return Err(bad(format!(
            "`script` is `{}`: it names a file beside {FILE} (letters, digits, `.`, `_`, `-`)",
            crate::diagnostic::visible(&source.script)
        )));
    }
    Ok(Probe {
        slug: slug.to_owned(),
        runtime: source.runtime,
        client: source.client,
        packages,
        script: PathBuf::from(DIR).join(slug).join(&source.script),
    })
}

/// `pin`'s name and version, when it pins one exact version the way
/// `runtime`'s package manager writes it.
fn pinned(runtime: Runtime, pin: &str) -> Option<(String, String)> {
    let (name, version) = match runtime {
        Runtime::Python => pin.split_once("==")?,
        // A scoped package starts with `@`: the version's `@` is the last.
        Runtime::Node => pin.rsplit_once('@').filter(|(name, _)| !name.is_empty())?,
    };
    let name_ok = match runtime {
        Runtime::Python => word(name),
        Runtime::Node => match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(s, n)| word(s) && word(n)),
            None => word(name),
        },
    };
    let version_ok = version.starts_with(|c: char| c.is_ascii_digit())
        && (version.chars()).all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c));
    (name_ok && version_ok).then(|| (name.to_owned(), version.to_owned()))
}

fn word(s: &str) -> bool {
    !s.is_empty() && (s.chars()).all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn not_pinned(runtime: Runtime, pin: &str) -> String {
    let example = match runtime {
        Runtime::Python => "openai==3.63.0",
        Runtime::Node => "@ai-sdk/openai@4.0.126",
    };
    format!(
        "`{}` is not one exact version: a {} probe pins each package as `{example}`",
        crate::diagnostic::visible(pin),
        runtime.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_exact_versions_in_the_runtimes_own_syntax() {
        let py = |p| pinned(Runtime::Python, p);
        let node = |p| pinned(Runtime::Node, p);
        assert_eq!(
            py("openai==3.63.0"),
            Some(("openai".into(), "3.63.0".into()))
        );
        assert_eq!(
            node("@ai-sdk/openai@4.0.126"),
            Some(("@ai-sdk/openai".into(), "4.0.126".into()))
        );
        assert_eq!(node("ai@7.0.185"), Some(("ai".into(), "7.0.185".into())));
        for loose in [
            "openai",
            "openai>=3",
            "openai==",
            "openai==*",
            "openai==3.6;rm",
        ] {
            assert_eq!(py(loose), None, "{loose}");
        }
        for loose in [
            "ai",
            "ai@^7",
            "@ai-sdk/openai",
            "@7.0.0",
            "ai@latest",
            "@x@1.0.0",
        ] {
            assert_eq!(node(loose), None, "{loose}");
        }
    }

    #[test]
    fn a_declaration_names_its_client_among_its_packages_and_a_plain_script() {
        let rel = Path::new("probes/x/probe.yaml");
        let ok = "runtime: python\nclient: openai\npackages: [openai==3.63.0]\nscript: probe.py\n";
        let probe = parse("x", rel, ok.as_bytes()).unwrap();
        assert_eq!(probe.script, Path::new("probes/x/probe.py"));
        assert_eq!(probe.client_version(), "3.63.0");
        assert_eq!(probe.pins(), ["openai==3.63.0"]);
        for bad in [
            ok.replace("client: openai", "client: httpx"),
            ok.replace("probe.py", "../probe.py"),
            ok.replace("probe.py", ".hidden.py"),
            ok.replace("openai==3.63.0", "openai>=3"),
            ok.replace("python", "ruby"),
            format!("{ok}extra: 1\n"),
        ] {
            assert!(parse("x", rel, bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
