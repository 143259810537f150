use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::args::{SiteArgs, TreeArgs, set_threads};
use super::exit;
use super::report::{Reporter, verdict};
use crate::output;
use crate::render::{self, RenderContext};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    tree: TreeArgs,
    /// Output folder, replaced as a whole [default: <root>/site]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
}

pub fn run(args: &BuildArgs, reporter: &Reporter) -> ExitCode {
    let tree = &args.tree;
    set_threads(tree.jobs);
    let started = Instant::now();
    let overrides = match args.site.overrides() {
        Ok(overrides) => overrides,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    let out = args.out.as_deref().map_or_else(
        || crate::load::display_path(&tree.root, "site".as_ref()),
        output::named,
    );
    if let Err(e) = output::check_out_dir(&tree.root, &out) {
        let hint = e.hint();
        return reporter.fatal(e, hint);
    }
    let compiled = match crate::compile_with(&tree.root, &overrides) {
        Ok(c) => c,
        Err(crate::CompileError::Load(e)) => return reporter.fatal(&e, e.hint()),
        Err(e) => return reporter.fatal(e, None),
    };
    // The diagnostics are printed once, with a template's error if the
    // render finds one: a machine format is one document.
    let crate::Compiled {
        book,
        mut diagnostics,
        mut sources,
        ..
    } = compiled;
    let code = verdict(&diagnostics, tree.deny_warnings);
    let Some(book) = book.filter(|_| code == exit::OK) else {
        reporter.diagnostics(&diagnostics, &sources, tree.format);
        reporter.info(format!("nothing written: `{}` is unchanged", out.display()));
        return ExitCode::from(exit::INVALID);
    };
    let validated = started.elapsed();
    let rendered = RenderContext::from_env().and_then(|ctx| {
        let staging = output::Staging::new(&out)?;
        render::render_into(&book, &ctx, &render::ALL, &staging)?;
        Ok(staging)
    });
    let staging = match rendered {
        Ok(staging) => staging,
        Err(e) => match render::html::render_diagnostic(&tree.root, &book, &e, &mut sources) {
            Some(d) => {
                diagnostics.push(d);
                reporter.diagnostics(&diagnostics, &sources, tree.format);
                return ExitCode::from(exit::INVALID);
            }
            None => {
                reporter.diagnostics(&diagnostics, &sources, tree.format);
                return reporter.fatal(&e, e.hint());
            }
        },
    };
    reporter.diagnostics(&diagnostics, &sources, tree.format);
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
