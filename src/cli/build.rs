use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::{Reporter, TreeArgs, exit, set_threads, verdict};
use crate::output;
use crate::render::{self, RenderContext};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Output folder, replaced as a whole [default: <root>/site]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: &BuildArgs, reporter: &Reporter) -> ExitCode {
    let tree = &args.tree;
    set_threads(tree.jobs);
    let started = Instant::now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::load::display_path(&tree.root, "site".as_ref()));
    if let Err(e) = output::check_out_dir(&tree.root, &out) {
        let hint = e.hint();
        return reporter.fatal(e, hint);
    }
    let compiled = match crate::compile(&tree.root) {
        Ok(c) => c,
        Err(crate::CompileError::Load(e)) => return reporter.fatal(&e, e.hint()),
        Err(e) => return reporter.fatal(e, None),
    };
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources, tree.format);
    let code = verdict(&compiled.diagnostics, tree.deny_warnings);
    let Some(book) = compiled.book.filter(|_| code == exit::OK) else {
        reporter.info(format!("nothing written: `{}` is unchanged", out.display()));
        return ExitCode::from(exit::INVALID);
    };
    let validated = started.elapsed();
    let ctx = match RenderContext::from_env() {
        Ok(ctx) => ctx,
        Err(e) => return reporter.fatal(e, None),
    };
    let staging = match output::Staging::new(&out) {
        Ok(s) => s,
        Err(e) => {
            let hint = e.hint();
            return reporter.fatal(e, hint);
        }
    };
    match render::render_into(&book, &ctx, &render::ALL, &staging) {
        Ok(()) => {}
        Err(render::RenderError::Template {
            file,
            line,
            message,
        }) => {
            return template_error(
                tree,
                &book,
                compiled.sources,
                (file, line, message),
                reporter,
            );
        }
        Err(e) => return reporter.fatal(e, None),
    }
    let rendered_at = started.elapsed();
    match staging.commit() {
        Ok(stats) => {
            reporter.info(format!(
                "built {} runbooks into `{}`: {} files, {} bytes (validate {:.0?}, render and write {:.0?}, swap {:.0?}; total {:.0?})",
                book.runbooks.len(),
                out.display(),
                stats.files,
                stats.bytes,
                validated,
                rendered_at - validated,
                started.elapsed() - rendered_at,
                started.elapsed()
            ));
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            let hint = e.hint();
            reporter.fatal(e, hint)
        }
    }
}

/// A theme's template is a source like any other: its error is reported as
/// a diagnostic at its file and line, with the line shown.
fn template_error(
    tree: &TreeArgs,
    book: &crate::model::Book,
    mut sources: crate::diagnostic::Sources,
    (file, line, message): (String, Option<usize>, String),
    reporter: &Reporter,
) -> ExitCode {
    let d = crate::render::html::template_diagnostic(
        &tree.root,
        book,
        (&file, line, &message),
        &mut sources,
    );
    reporter.diagnostics(&[d], &sources, tree.format);
    ExitCode::from(exit::INVALID)
}
