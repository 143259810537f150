use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::args::{TreeArgs, set_threads};
use super::report::{Reporter, append_summary, seconds, verdict};
use crate::diagnostic;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Also append a Markdown report to FILE (e.g. "$GITHUB_STEP_SUMMARY")
    #[arg(long, value_name = "FILE")]
    summary: Option<std::path::PathBuf>,
    /// Check every file, without reading or keeping the validation cache
    /// (by default, that of `gtdocs build`: `.site.cache` beside `<root>/site`)
    #[arg(long)]
    no_cache: bool,
}

pub fn run(args: &CheckArgs, reporter: &Reporter) -> ExitCode {
    let tree = &args.tree;
    set_threads(tree.jobs);
    let started = Instant::now();
    // The cache of a build into the default output, which `check` reads
    // and keeps up to date in turn.
    let cache = (!args.no_cache).then(|| {
        crate::output::default_cache_dir(&crate::load::display_path(&tree.root, "site".as_ref()))
    });
    let shows_accepted = reporter.shows_accepted(tree.format);
    let mut compiled = match crate::site::check(&tree.root, shows_accepted, cache.as_deref()) {
        Ok(c) => c,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources, tree.format);
    if let Some(line) = compiled.cache.take() {
        reporter.info(line);
    }
    let (errors, warnings) = diagnostic::counts(&compiled.diagnostics);
    let valid = compiled.runbooks_valid;
    let runbooks = compiled.files.saturating_sub(1);
    let code = verdict(&compiled.diagnostics, tree.deny_warnings);
    let accepted = match diagnostic::accepted(&compiled.diagnostics) {
        0 => String::new(),
        n => format!("; {}", diagnostic::accepted_line(n)),
    };
    let line = format!(
        "checked {} files ({valid} of {runbooks} runbooks valid): {}{accepted} in {}",
        compiled.files,
        diagnostic::summary_line(errors, warnings),
        seconds(started.elapsed())
    );
    // On success the line is the whole report; after problems, the
    // diagnostics end with their own count and the line is for `-v`.
    if code == super::exit::OK {
        reporter.status(line);
    } else {
        reporter.info(line);
    }
    if let Some(path) = &args.summary {
        let report =
            diagnostic::summary_markdown(&compiled.diagnostics, compiled.files, valid, runbooks);
        if let Err(e) = append_summary(path, &report) {
            return reporter.fatal(
                format!("cannot append the summary to `{}`: {e}", path.display()),
                None,
            );
        }
    }
    ExitCode::from(code)
}
