use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use super::report::Reporter;
use crate::diff::{self, FailOn};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a manifest file, a docs tree, or a git revision (an
    /// existing file or folder of that name wins over a revision)
    #[arg(value_name = "OLD")]
    old: String,
    /// The new side: a manifest file, a docs tree, or a git revision
    #[arg(value_name = "NEW")]
    new: String,
    /// The docs tree whose git repository revisions are read from
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// How to print the report
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Exit with code 1 when the report holds such a change
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// GitHub-flavoured Markdown (a pull-request comment, a job summary)
    Markdown,
    /// one JSON document (`gtdocs schema diff` describes it)
    Json,
}

pub fn run(args: &DiffArgs, reporter: &Reporter) -> ExitCode {
    let sides = diff::resolve(&args.old, &args.root)
        .and_then(|old| Ok((old, diff::resolve(&args.new, &args.root)?)));
    let (old, new) = match sides {
        Ok(sides) => sides,
        Err(e) => return reporter.fatal(&e, e.hint()),
    };
    let report = diff::compare(&old, &new);
    let text = match args.format {
        ReportFormat::Markdown => report.to_markdown(),
        ReportFormat::Json => report.to_json(),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    let failed = args.fail_on.is_some_and(|on| report.fails(on));
    reporter.info(format!(
        "{} → {}: {} changes{}",
        report.old.label,
        report.new.label,
        [
            report.counts.added,
            report.counts.removed,
            report.counts.upgraded,
            report.counts.downgraded,
            report.counts.reclassified,
            report.counts.fields,
            report.counts.catalog
        ]
        .iter()
        .sum::<usize>(),
        if failed { " (failing, --fail-on)" } else { "" }
    ));
    ExitCode::from(if failed { exit::INVALID } else { exit::OK })
}
