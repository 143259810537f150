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
    let mut compiled = match crate::compile(&tree.root) {
        Ok(c) => c,
        Err(crate::CompileError::Load(e)) => return reporter.fatal(&e, e.hint()),
        Err(e) => return reporter.fatal(e, None),
    };
    // What `build` refuses after validation, `check` refuses too: the
    // build's settings, and the theme's templates (one page of each kind).
    let ctx = match crate::render::RenderContext::from_env() {
        Ok(ctx) => ctx,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    if let Some(book) = &compiled.book
        && let Err(e) = crate::render::html::check_theme(book, &ctx)
    {
        match crate::render::html::render_diagnostic(&tree.root, book, &e, &mut compiled.sources) {
            Some(d) => compiled.diagnostics.push(d),
            None => return reporter.fatal(e, None),
        }
    }
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
