//! The command line: argument parsing, and one module per command. All the
//! work lives in the library; commands only wire it up and report.

mod build;
mod check;
mod diff;
mod new;
mod publish;
mod schema;
mod serve;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::{self, Diagnostic, Format, Sources};

/// Exit codes, stable for scripts and CI.
pub mod exit {
    /// Success (warnings allowed unless `--deny-warnings`).
    pub const OK: u8 = 0;
    /// The sources have errors, or warnings under `--deny-warnings`.
    pub const INVALID: u8 = 1;
    /// Bad usage, or an I/O problem (missing tree, unwritable output).
    pub const USAGE_OR_IO: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "gtdocs",
    version,
    about = "Compile GT API client runbooks (YAML) into GitHub wiki pages and JSON manifests",
    long_about = "Compile GT API client runbooks (YAML) into GitHub wiki pages and JSON manifests.\n\n\
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
    /// Validate, then write the wiki pages and JSON manifests into the output folder
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
}

/// Options shared by the commands that validate a tree.
#[derive(Debug, Args)]
struct TreeArgs {
    /// The docs tree: a folder with gtdocs.yaml and runbooks/
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit code 1)
    #[arg(long)]
    deny_warnings: bool,
    /// Worker threads, 1 to 256 (default: one per core)
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
}

/// Settings of gtdocs.yaml replaced for one run: the place a CI job
/// publishes the site at.
#[derive(Debug, Args)]
struct SiteArgs {
    /// Path the HTML site is served under, in place of `site.base_url`, checked as that
    /// is. The final `/` may be left out (`/gt-docs` is `/gt-docs/`) and an empty PATH is
    /// `/`: the `base_path` GitHub Pages' actions/configure-pages gives can be passed as is
    #[arg(long, value_name = "PATH")]
    base_url: Option<String>,
    /// Origin the HTML site is published at (scheme and host, e.g.
    /// https://owner.github.io), in place of `site.url`, checked as that is: canonical and
    /// sitemap URLs start with it (configure-pages' `origin`)
    #[arg(long, value_name = "URL")]
    site_url: Option<String>,
}

impl SiteArgs {
    fn overrides(&self) -> Result<crate::validate::SiteOverrides, crate::validate::OverrideError> {
        crate::validate::SiteOverrides::new(
            self.base_url.as_deref().map(|v| ("--base-url", v)),
            self.site_url.as_deref().map(|v| ("--site-url", v)),
        )
    }
}

/// What a command needs to report.
struct Reporter {
    verbose: u8,
}

impl Reporter {
    /// Prints diagnostics in the chosen format: for people on stderr; the
    /// machine formats (JSON, GitHub workflow commands) on stdout.
    fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &Sources, format: Format) {
        if diagnostics.is_empty() && format != Format::Json {
            return;
        }
        let text = diagnostic::render(diagnostics, sources, format, true);
        if matches!(format, Format::Json | Format::Github) {
            let _ = std::io::stdout().write_all(text.as_bytes());
        } else {
            let _ = anstream::stderr().write_all(text.as_bytes());
        }
    }

    /// A status line, shown with `-v`.
    fn info(&self, message: impl AsRef<str>) {
        if self.verbose > 0 {
            note(message);
        }
    }

    /// An error that stops the command (usage or I/O).
    fn fatal(&self, message: impl std::fmt::Display, hint: Option<&str>) -> ExitCode {
        error(message, hint);
        ExitCode::from(exit::USAGE_OR_IO)
    }
}

/// A line on stderr. Its text may quote a source, a manifest or a remote
/// (untrusted), so what no terminal may show raw is escaped, here, where
/// it is printed.
fn note(message: impl AsRef<str>) {
    let _ = writeln!(
        anstream::stderr(),
        "{}",
        diagnostic::visible(message.as_ref())
    );
}

/// An `error: ...` line on stderr, with a hint, escaped as [`note`] is.
fn error(message: impl std::fmt::Display, hint: Option<&str>) {
    let style = anstyle::AnsiColor::BrightRed.on_default().bold();
    let mut err = anstream::stderr();
    let message = message.to_string();
    let message = diagnostic::visible(&message);
    let _ = writeln!(err, "{style}error{style:#}: {message}");
    if let Some(hint) = hint {
        let help = anstyle::AnsiColor::BrightCyan.on_default().bold();
        let hint = diagnostic::visible(hint);
        let _ = writeln!(err, "  {help}help{help:#}: {hint}");
    }
}

/// The exit code for a set of diagnostics.
fn verdict(diagnostics: &[Diagnostic], deny_warnings: bool) -> u8 {
    let (errors, warnings) = diagnostic::counts(diagnostics);
    if errors > 0 || (deny_warnings && warnings > 0) {
        exit::INVALID
    } else {
        exit::OK
    }
}

/// Most worker threads `--jobs` accepts. The work is bound by the CPU, so
/// threads beyond the cores only cost memory (a stack each) and start-up
/// time: 5,000 took 26 s and 1 GB before this cap.
pub const MAX_JOBS: usize = 256;

fn parse_jobs(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if (1..=MAX_JOBS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} is not between 1 and {MAX_JOBS} (more threads than cores make nothing faster)"
        ))
    }
}

fn set_threads(jobs: Option<usize>) {
    if let Some(n) = jobs {
        // Fails only if a pool already exists, in which case it stays.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.clamp(1, MAX_JOBS))
            .build_global();
    }
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
    };
    match cli.command {
        Command::Check(args) => check::run(&args, &reporter),
        Command::Build(args) => build::run(&args, &reporter),
        Command::Schema(args) => schema::run(&args),
        Command::New(args) => new::run(&args, &reporter),
        Command::Serve(args) => serve::run(&args, &reporter),
        Command::Diff(args) => diff::run(&args, &reporter),
        Command::PublishWiki(args) => publish::run(&args, &reporter),
    }
}

/// Appends a Markdown report to a file (a CI job summary is shared by
/// every step, so it is never truncated).
fn append_summary(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    if !text.ends_with("\n\n") {
        file.write_all(b"\n")?;
    }
    Ok(())
}
