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
        return reporter.fatal(e, Some("pass --out with a folder outside the sources"));
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
    let rendered = match render::render_all(&book, &ctx) {
        Ok(o) => o,
        Err(render::RenderError::Template {
            file,
            line,
            message,
        }) => {
            // A theme's template is a source like any other: report it as
            // a diagnostic at its file and line.
            let span = line.map(|l| {
                crate::diagnostic::Span::new(u32::try_from(l).unwrap_or(u32::MAX), 1, 0, 0)
            });
            let d = crate::diagnostic::Diagnostic::error("template", message)
                .in_file(file, span)
                .with_hint("see the built-in templates with their blocks in themes/default/templates/ of gtdocs");
            reporter.diagnostics(&[d], &compiled.sources, tree.format);
            return ExitCode::from(exit::INVALID);
        }
        Err(e) => return reporter.fatal(e, None),
    };
    let rendered_at = started.elapsed();
    match output::write_atomic(&out, &rendered) {
        Ok(stats) => {
            reporter.info(format!(
                "built {} runbooks into `{}`: {} files, {} bytes (validate {:.0?}, render {:.0?}, total {:.0?})",
                book.runbooks.len(),
                out.display(),
                stats.files,
                stats.bytes,
                validated,
                rendered_at - validated,
                started.elapsed()
            ));
            ExitCode::from(exit::OK)
        }
        Err(e) => reporter.fatal(e, None),
    }
}
