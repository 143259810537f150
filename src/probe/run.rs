//! A probe run: its script, once per route the runbook marks as supported,
//! against a fresh [`StandIn`], with the runbook's `config` as a user
//! would fill it in (the stand-in's address for `<tenant-host>`, its key
//! for the key's placeholder). What the stand-in saw during each run is
//! what the client did for that route.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::declared::{Probe, Runtime};
use super::error::ProbeError;
use super::install::Installed;
use super::process;
use super::results::{Client, ConfigValue, Outcome, Request, Results, RouteResult, put};
use super::standin::StandIn;
use crate::model::{Book, Runbook};
use crate::source::Support;

/// The key the stand-in asks for, and the probe is given.
const KEY: &str = "gtak_probe_stand_in_key";

/// How long one route's run may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// How the runbooks write the host a user fills in.
const HOST: &str = "<tenant-host>";

/// The helpers every Python probe script may import (`gtdocs_probe`): the
/// config and route, plain HTTP, GT's own routes, the exit codes.
const PYTHON_HELPERS: &str = include_str!("gtdocs_probe.py");

/// The folder of the environment the helpers are put in, on the script's
/// path.
const HELPERS_DIR: &str = "gtdocs-helpers";

/// A probe's results, and what its script wrote to its error output for
/// each route whose run failed (not part of the results: it is seldom
/// the same twice).
pub struct Ran {
    pub results: Results,
    pub failures: Vec<(String, String)>,
}

/// Runs `probe` (installed as `installed`) for runbook `rb` of `book`,
/// from the tree at `root`, on day `date`.
pub fn run(
    root: &Path,
    book: &Book,
    rb: &Runbook,
    probe: &Probe,
    installed: &Installed,
    date: &str,
) -> Result<Ran, ProbeError> {
    let catalog_routes: Vec<String> = (book.catalog.routes.iter())
        .map(|r| r.route.clone())
        .collect();
    // Absolute: the script runs in its environment's folder.
    let shown = crate::load::display_path(root, &probe.script);
    let script = crate::load::resolve_inside(root, &probe.script)
        .map_err(|e| e.diagnostic(root, &shown, "the script").message)
        .and_then(|p| std::path::absolute(p).map_err(|e| e.to_string()))
        .map_err(|message| ProbeError::Declaration {
            path: probe.script.clone(),
            message,
        })?;
    // A Node script imports its packages from beside itself: it runs
    // from a copy in its environment's folder.
    let script = match probe.runtime {
        Runtime::Python => {
            put_helpers(&installed.dir)?;
            script
        }
        Runtime::Node => {
            let name = script
                .file_name()
                .map(std::ffi::OsStr::to_os_string)
                .unwrap_or_default();
            let copy = installed.dir.join(name);
            let bytes = std::fs::read(&script).map_err(|source| ProbeError::Read {
                path: script.clone(),
                source,
            })?;
            put(&copy, &bytes).map_err(ProbeError::cache(&copy))?;
            copy
        }
    };
    let mut routes = Vec::new();
    let mut failures = Vec::new();
    for (route, mapping) in book.catalog.routes.iter().zip(&rb.routes) {
        let Some(verdict) = mapping.verdict.map(|v| &book.catalog.verdicts[v]) else {
            continue;
        };
        if verdict.support == Support::None {
            continue;
        }
        let stand_in = StandIn::start(&catalog_routes, KEY)?;
        let host = stand_in.host();
        let config = config(rb, &host);
        let (exit, stderr) = run_script(installed, &script, &route.route, &config, &host)?;
        if exit != Some(0) {
            failures.push((route.route.clone(), stderr));
        }
        let seen = stand_in.seen();
        routes.push(RouteResult {
            route: route.route.clone(),
            verdict: verdict.id.clone(),
            outcome: Outcome::of(&route.route, &seen),
            exit,
            requests: seen.iter().map(Request::from).collect(),
        });
    }
    let results = Results {
        runbook: rb.slug.clone(),
        runtime: probe.runtime,
        client: Client {
            package: probe.client.clone(),
            version: installed.client_version.clone(),
        },
        packages: probe.pins(),
        date: date.to_owned(),
        base_url: (rb.config.iter())
            .find(|c| c.value.contains(HOST))
            .map(|c| c.value.clone()),
        config: (rb.config.iter())
            .map(|c| ConfigValue {
                field: c.field.clone(),
                value: c.value.clone(),
            })
            .collect(),
        routes,
    };
    Ok(Ran { results, failures })
}

/// Puts the Python helpers in the environment at `dir` (below
/// [`HELPERS_DIR`]), whole: probes of the same environment may run at
/// once.
fn put_helpers(dir: &Path) -> Result<(), ProbeError> {
    let helpers = dir.join(HELPERS_DIR);
    let file = helpers.join("gtdocs_probe.py");
    if std::fs::read(&file).is_ok_and(|b| b == PYTHON_HELPERS.as_bytes()) {
        return Ok(());
    }
    std::fs::create_dir_all(&helpers).map_err(ProbeError::cache(&helpers))?;
    put(&file, PYTHON_HELPERS.as_bytes()).map_err(ProbeError::cache(&file))
}

/// The runbook's `config` as a JSON object (field → value), filled in for
/// the stand-in at `host`: its address for `<tenant-host>` (plain HTTP on
/// loopback), its key for a value that is a key's placeholder.
fn config(rb: &Runbook, host: &str) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for c in &rb.config {
        let value = if is_key_placeholder(&c.value) {
            KEY.to_owned()
        } else {
            c.value
                .replace(&format!("https://{HOST}"), &format!("http://{host}"))
                .replace(HOST, host)
        };
        fields.insert(c.field.clone(), serde_json::Value::String(value));
    }
    serde_json::Value::Object(fields)
}

/// `gtak_...`, `gtak_<key>`, `<gt-api-key>`: what runbooks write for a key.
fn is_key_placeholder(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with("gtak_") && (v.ends_with("...") || v.contains('<')))
        || (v.starts_with('<') && v.ends_with('>') && v.to_ascii_lowercase().contains("key"))
}

/// Runs the script for `route` against the stand-in at `host`: its exit
/// code (`None` when it was killed or ran out of time) and the end of its
/// error output, escaped.
fn run_script(
    installed: &Installed,
    script: &Path,
    route: &str,
    config: &serde_json::Value,
    host: &str,
) -> Result<(Option<i32>, String), ProbeError> {
    let mut command = Command::new(&installed.program);
    // Only what the probe needs: no proxy of the caller's, no key of theirs.
    command
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &installed.dir)
        .env("LANG", "C.UTF-8")
        .env("GTDOCS_PROBE_ROUTE", route)
        .env("GTDOCS_PROBE_CONFIG", config.to_string())
        .env("PYTHONPATH", installed.dir.join(HELPERS_DIR))
        .current_dir(&installed.dir);
    // A client that ignores the documented base URL and calls another
    // host (its vendor's, say) reaches the stand-in as its proxy instead:
    // nothing leaves the machine, and the results show where it went.
    let proxy = format!("http://{host}");
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command
            .env(name, &proxy)
            .env(name.to_ascii_lowercase(), &proxy);
    }
    for name in ["NO_PROXY", "no_proxy"] {
        command.env(name, "127.0.0.1,localhost");
    }
    // Node's fetch follows the proxy variables only when told to.
    command.env("NODE_USE_ENV_PROXY", "1");
    let finished = process::run(&mut command, Some(TIME_LIMIT))?;
    Ok(match finished.status {
        None => (None, format!("stopped after {} s", TIME_LIMIT.as_secs())),
        Some(status) => (status.code(), finished.stderr),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_placeholders_are_told_from_other_values() {
        for key in ["gtak_...", "gtak_<key>", "<gt-api-key>", " gtak_... "] {
            assert!(is_key_placeholder(key), "{key}");
        }
        for other in [
            "https://<tenant-host>/api/tenant",
            "gtak_live",
            "<model>",
            "Bearer",
        ] {
            assert!(!is_key_placeholder(other), "{other}");
        }
    }
}
