use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::args::{SiteArgs, TreeArgs, set_threads};
use super::exit;
use super::report::{Reporter, seconds};
use crate::output;
use crate::site::{self, BuildOptions, Outcome};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Output folder, replaced as a whole [default: <root>/site]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
    /// Folder of the build cache, which lets the next build redo only
    /// what changed [default: `.<out>.cache` beside the output folder]
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Build everything, without reading or keeping a cache (nor the
    /// previous output, kept for reuse)
    #[arg(long)]
    no_cache: bool,
}

pub fn run(args: &BuildArgs, reporter: &Reporter) -> ExitCode {
    let tree = &args.tree;
    set_threads(tree.jobs);
    let started = Instant::now();
    let options = match args.site.overrides() {
        Ok(overrides) => BuildOptions {
            overrides,
            deny_warnings: tree.deny_warnings,
            locate_accepted: reporter.shows_accepted(tree.format),
            cache: None,
        },
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    let out = args.out.as_deref().map_or_else(
        || crate::load::display_path(&tree.root, "site".as_ref()),
        output::named,
    );
    // A folder named with --cache-dir is the cache, or the build is
    // refused; where the default one cannot be (someone's file or folder
    // is there), the build goes on without a cache.
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => None,
        (Some(dir), false) => Some(output::named(dir)),
        (None, false) => {
            let dir = output::default_cache_dir(&out);
            match output::check_cache_dir(&dir, &out) {
                Ok(()) => Some(dir),
                Err(e) => {
                    reporter.info(format!("no build cache: {e}"));
                    None
                }
            }
        }
    };
    let options = BuildOptions { cache, ..options };
    let mut report = match site::build(&tree.root, &out, &options) {
        Ok(report) => report,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    // The process ends once the report is printed.
    std::mem::take(&mut report.leftovers).leave();
    // The diagnostics are printed once, with a template's error if the
    // render found one: a machine format is one document.
    reporter.diagnostics(&report.diagnostics, &report.sources, tree.format);
    if let (Some(cache), false) = (&report.cache, matches!(report.outcome, Outcome::Written(_))) {
        reporter.info(cache);
    }
    match report.outcome {
        Outcome::Invalid => {
            reporter.info(format!("nothing written: `{}` is unchanged", out.display()));
            ExitCode::from(exit::INVALID)
        }
        Outcome::Template => ExitCode::from(exit::INVALID),
        Outcome::Failed(e) => reporter.fatal(&e, e.hint()),
        Outcome::Written(w) => {
            reporter.status(format!(
                "built {} runbooks into `{}`: {} files in {}",
                w.runbooks,
                out.display(),
                w.stats.files,
                seconds(started.elapsed())
            ));
            reporter.info(format!(
                "  {} bytes; validate {}, render and write {}, swap {}",
                w.stats.bytes,
                seconds(w.validate),
                seconds(w.render),
                seconds(w.swap),
            ));
            if let Some(cache) = &w.stats.cache {
                reporter.info(format!(
                    "  output cache: {} of {} files kept from earlier builds; {cache}",
                    w.stats.reused, w.stats.files
                ));
            }
            if let Some(history) = &w.history {
                reporter.info(format!("  {history}"));
            }
            if let Some(cache) = &report.cache {
                reporter.info(format!("  {cache}"));
            }
            ExitCode::from(exit::OK)
        }
    }
}
