//! `gtdocs probe`: runs the probes the tree declares (`probes/<slug>/`)
//! and writes what each found beside it (`probes/<slug>/results.json`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use super::report::Reporter;
use crate::diagnostic::{Format, visible};
use crate::probe::{self, Outcome};

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The docs tree (gtdocs.yaml, runbooks/, probes/)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Where the probes' runtimes and packages are installed (default:
    /// $GTDOCS_PROBE_CACHE, else ~/.cache/gtdocs/probes)
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Only these runbooks' probes (slugs; default: every probe)
    #[arg(value_name = "RUNBOOK")]
    runbooks: Vec<String>,
}

pub fn run(args: &ProbeArgs, reporter: &Reporter) -> ExitCode {
    // The results it writes are not read: a stale or broken one is what a
    // run fixes.
    let compiled = match crate::site::compile::compile_without_probe_results(&args.root) {
        Ok(c) => c,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    // A book is made only from a tree with no error.
    let Some(book) = compiled.book else {
        reporter.diagnostics(&compiled.diagnostics, &compiled.sources, Format::Human);
        return ExitCode::from(exit::INVALID);
    };
    let slugs: Vec<&str> = book.runbooks.iter().map(|rb| rb.slug.as_str()).collect();
    let mut probes = match probe::declared(&args.root, &slugs) {
        Ok(p) => p,
        Err(e) => return reporter.fatal(e, None),
    };
    if let Some(unknown) = args
        .runbooks
        .iter()
        .find(|s| !probes.iter().any(|p| p.slug == **s))
    {
        return reporter.fatal(
            format!("no probe is declared for `{}`", visible(unknown)),
            Some("a probe is declared in probes/<slug>/probe.yaml"),
        );
    }
    if !args.runbooks.is_empty() {
        probes.retain(|p| args.runbooks.contains(&p.slug));
    }
    if probes.is_empty() {
        reporter.status("no probe is declared (probes/<slug>/probe.yaml)");
        return ExitCode::SUCCESS;
    }
    let Some(cache) = args.cache.clone().or_else(probe::default_cache) else {
        return reporter.fatal("no probe cache: give --cache DIR", None);
    };
    let date = match crate::date::today() {
        Ok(d) => d.to_string(),
        Err(e) => return reporter.fatal(e, None),
    };
    let runbooks: std::collections::HashMap<&str, &crate::model::Runbook> = book
        .runbooks
        .iter()
        .map(|rb| (rb.slug.as_str(), rb))
        .collect();
    let mut out = std::io::stdout();
    for p in &probes {
        let Some(rb) = runbooks.get(p.slug.as_str()) else {
            continue;
        };
        let installed = match probe::install(p, &cache, &mut |m| reporter.status(m)) {
            Ok(i) => i,
            Err(e) => return reporter.fatal(format!("probe `{}`: {e}", p.slug), None),
        };
        let ran = match probe::run(&args.root, &book, rb, p, &installed, &date) {
            Ok(r) => r,
            Err(e) => return reporter.fatal(format!("probe `{}`: {e}", p.slug), None),
        };
        let written = match ran.results.write(&args.root) {
            Ok(w) => w,
            Err(e) => return reporter.fatal(e, None),
        };
        let _ = writeln!(
            out,
            "{}: {} {} ({}), {date}: {}",
            p.slug,
            p.client,
            installed.client_version,
            p.runtime.name(),
            written.display()
        );
        for r in &ran.results.routes {
            let marker = if r.outcome == Outcome::Reached {
                "ok"
            } else {
                "!!"
            };
            let paths: Vec<String> = (r.requests.iter()).map(probe::Request::summary).collect();
            let _ = writeln!(
                out,
                "  {marker} {} ({}): {}{}",
                r.route,
                r.verdict,
                r.outcome.describe(),
                if paths.is_empty() {
                    String::new()
                } else {
                    format!("; {}", paths.join(", "))
                }
            );
        }
        for (route, stderr) in &ran.failures {
            reporter.status(format!(
                "{}: the script failed for {route}: {stderr}",
                p.slug
            ));
        }
    }
    ExitCode::SUCCESS
}
