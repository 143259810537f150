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
            return template_error(
                tree,
                &book,
                compiled.sources,
                (file, line, message),
                reporter,
            );
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

/// A theme's template is a source like any other: its error is reported as
/// a diagnostic at its file and line, with the line shown.
fn template_error(
    tree: &TreeArgs,
    book: &crate::model::Book,
    mut sources: crate::diagnostic::Sources,
    (file, line, message): (String, Option<usize>, String),
    reporter: &Reporter,
) -> ExitCode {
    use crate::diagnostic::{Diagnostic, Span};
    let shown = crate::load::display_path(&tree.root, file.as_ref());
    let text = book.site.theme.as_ref().and_then(|theme| {
        let name = file.strip_prefix(&format!("themes/{}/templates/", theme.name))?;
        theme.templates.get(name)
    });
    let span = match (line, text) {
        (Some(line), Some(text)) => {
            let start: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            sources.insert(shown.clone(), text.as_str().into());
            Some(Span::at(text, start, 0))
        }
        (Some(line), None) => Some(Span::new(u32::try_from(line).unwrap_or(u32::MAX), 1, 0, 0)),
        _ => None,
    };
    let d = Diagnostic::error("template", message)
        .in_file(shown, span)
        .with_hint("a theme template can extend a built-in one block by block: {% extends \"default/runbook.html\" %}");
    reporter.diagnostics(&[d], &sources, tree.format);
    ExitCode::from(exit::INVALID)
}
