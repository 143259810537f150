//! The command line: argument parsing, and one module per command. All the
//! work lives in the library; commands only wire it up and report.

mod args;
mod build;
mod check;
mod diff;
pub mod exit;
mod new;
mod probe;
mod publish;
mod report;
mod schema;
mod serve;
mod stand_in;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostic;
use report::Reporter;

#[derive(Debug, Parser)]
#[command(
    name = "gtdocs",
    version,
    about = "Compile GT API client runbooks (YAML) into GitHub wiki pages, an HTML site and JSON manifests",
    long_about = "Compile GT API client runbooks (YAML) into GitHub wiki pages, an HTML site and JSON manifests.\n\n\
        A docs tree holds gtdocs.yaml (site settings and the catalog) and runbooks/<slug>.yaml \
        (one runbook per client application). Every source is validated before anything is written.",
    after_help = "Exit codes: 0 ok; 1 errors in the sources (or warnings with --deny-warnings); 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print more: timings and what was written (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print only problems: no status line when all is well
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// When to use colour in messages
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ColorWhen {
    /// only when standard error is a terminal (and NO_COLOR is unset)
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate every source and report all problems; writes nothing
    #[command(after_help = "Example:\n  gtdocs check --format github --deny-warnings")]
    Check(check::CheckArgs),
    /// Validate, then write the wiki pages, the HTML site and the JSON manifests into the output folder
    #[command(
        after_help = "Examples:\n  gtdocs build --root docs --out public\n  gtdocs build --base-url /gt-docs --site-url https://owner.github.io"
    )]
    Build(build::BuildArgs),
    /// Print a JSON Schema (draft-07) of the source format or the manifest
    #[command(after_help = "Example:\n  gtdocs schema source > runbook.schema.json")]
    Schema(schema::SchemaArgs),
    /// Preview the HTML site: build in memory, serve it, rebuild and reload on every change
    #[command(after_help = "Example:\n  gtdocs serve --port 0 --open")]
    Serve(serve::ServeArgs),
    /// Compare two manifests (files, docs trees or git revisions): runbooks added and removed, verdicts upgraded and downgraded, fields changed
    #[command(
        after_help = "Examples:\n  gtdocs diff main HEAD --fail-on downgrade\n  gtdocs diff old/manifest.json site/json/manifest.json --format json\n\n\
        Exit codes: 0 ok; 1 a change named by --fail-on; 2 usage, I/O or a side that does not build."
    )]
    Diff(diff::DiffArgs),
    /// Publish the built wiki pages to a GitHub wiki: keeps its history and every hand-written page, never force-pushes
    #[command(
        name = "publish-wiki",
        after_help = "Example:\n  GTDOCS_WIKI_TOKEN=... gtdocs publish-wiki --remote https://github.com/OWNER/REPO.wiki.git\n\n\
        The token, if any, is read from GTDOCS_WIKI_TOKEN and sent only to the remote's host.\n\
        Prints the new wiki commit on stdout (nothing when the wiki already matched).\n\
        Exit codes: 0 published or already up to date; 1 hand-written pages would be overwritten; 2 usage, I/O or git error."
    )]
    PublishWiki(publish::PublishArgs),
    /// Write a new runbook skeleton, runbooks/SLUG.yaml, that validates as is
    #[command(after_help = "Example:\n  gtdocs new open-webui")]
    New(new::NewArgs),
    /// Start a GT API stand-in on loopback for the catalog: point a client at it and see which path it calls for each route
    #[command(
        name = "stand-in",
        after_help = "Example:\n  gtdocs stand-in --key gtak_test\n\n\
        Each catalog route answers under /api/tenant in the OpenAI wire format; a missing or wrong key gets 401, a path off the catalog 404."
    )]
    StandIn(stand_in::StandInArgs),
    /// Run the probes the tree declares (probes/<slug>/): each client library against a GT API stand-in, once per route its runbook supports; writes probes/<slug>/results.json
    #[command(
        after_help = "Example:\n  gtdocs probe openai-sdk-curl\n\n        Each probe's runtime and pinned packages are installed once into the probe cache. SOURCE_DATE_EPOCH sets the date the results carry."
    )]
    Probe(probe::ProbeArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() {
                // A usage error quotes what was typed: escaped, as every
                // other message, so no argument can drive the terminal.
                let _ = write!(
                    anstream::stderr(),
                    "{}",
                    diagnostic::visible(&e.render().to_string())
                );
            } else {
                let _ = e.print();
            }
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE_OR_IO
            } else {
                exit::OK
            });
        }
    };
    match cli.color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let reporter = Reporter {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Check(args) => check::run(&args, &reporter),
        Command::Build(args) => build::run(&args, &reporter),
        Command::Schema(args) => schema::run(&args, &reporter),
        Command::New(args) => new::run(&args, &reporter),
        Command::Serve(args) => serve::run(&args, &reporter),
        Command::Diff(args) => diff::run(&args, &reporter),
        Command::PublishWiki(args) => publish::run(&args, &reporter),
        Command::StandIn(args) => stand_in::run(&args, &reporter),
        Command::Probe(args) => probe::run(&args, &reporter),
    }
}
