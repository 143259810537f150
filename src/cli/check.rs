use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::args::{TreeArgs, set_threads};
use super::report::{Reporter, append_summary, verdict};
use crate::diagnostic;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Also append a Markdown report to FILE (e.g. "$GITHUB_STEP_SUMMARY")
    #[arg(long, value_name = "FILE")]
    summary: Option<std::path::PathBuf>,
}

pub fn run(args: &CheckArgs, reporter: &Reporter) -> ExitCode {
    let tree = &args.tree;
    set_threads(tree.jobs);
    let started = Instant::now();
    let compiled = match crate::site::check(&tree.root) {
        Ok(c) => c,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources, tree.format);
    let (errors, warnings) = diagnostic::counts(&compiled.diagnostics);
    let runbooks = compiled.book.as_ref().map_or(0, |b| b.runbooks.len());
    reporter.info(format!(
        "checked {} files ({runbooks} runbooks valid): {} in {:.0?}",
        compiled.files,
        diagnostic::summary_line(errors, warnings),
        started.elapsed()
    ));
    if let Some(path) = &args.summary {
        let report = diagnostic::summary_markdown(&compiled.diagnostics, compiled.files, runbooks);
        if let Err(e) = append_summary(path, &report) {
            return reporter.fatal(
                format!("cannot append the summary to `{}`: {e}", path.display()),
                None,
            );
        }
    }
    ExitCode::from(verdict(&compiled.diagnostics, tree.deny_warnings))
}
