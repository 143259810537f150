use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::SiteArgs;
use super::exit;
use super::report::Reporter;
use crate::diagnostic::{self, Format};
use crate::schema::SchemaKind;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print
    #[arg(value_enum, default_value_t = SchemaKind::Source)]
    kind: SchemaKind,
    /// Print the schema exact for the tree's catalog (its verdicts, levels,
    /// categories, presets, evidence and routes as enums, `$id` under its
    /// site), as `build` writes it to json/schema/; without it, the generic
    /// schema for any tree
    #[arg(long)]
    exact: bool,
    /// The docs tree, with --exact: a folder with gtdocs.yaml and runbooks/
    #[arg(long, value_name = "DIR", default_value = ".", requires = "exact")]
    root: PathBuf,
    #[command(flatten)]
    site: SiteArgs,
}

pub fn run(args: &SchemaArgs, reporter: &Reporter) -> ExitCode {
    let text = if args.exact {
        match exact(args, reporter) {
            Ok(text) => text,
            Err(code) => return code,
        }
    } else {
        args.kind.to_pretty()
    };
    match std::io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(_) => ExitCode::from(exit::USAGE_OR_IO),
    }
}

/// The tree's exact schema; its errors reported, when it has any.
fn exact(args: &SchemaArgs, reporter: &Reporter) -> Result<String, ExitCode> {
    let overrides = args
        .site
        .overrides()
        .map_err(|e| reporter.fatal(&e, None))?;
    let compiled = crate::site::compile::compile_with(&args.root, &overrides, false)
        .map_err(|e| reporter.fatal(&e, e.hint()))?;
    let Some(book) = compiled.book else {
        let errors: Vec<_> = compiled
            .diagnostics
            .into_iter()
            .filter(diagnostic::Diagnostic::is_error)
            .collect();
        reporter.diagnostics(&errors, &compiled.sources, Format::Human);
        return Err(ExitCode::from(exit::INVALID));
    };
    crate::schema::tight(args.kind, &book)
        .map(|schema| crate::schema::pretty(&schema))
        .map_err(|e| reporter.fatal(e, None))
}
