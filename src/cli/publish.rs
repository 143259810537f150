use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit;
use super::report::{Reporter, append_summary, note};
use crate::publish::{self, Options};

/// The environment variable that carries the wiki token.
const TOKEN_ENV: &str = "GTDOCS_WIKI_TOKEN";

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The wiki's git URL, e.g. https://github.com/OWNER/REPO.wiki.git
    #[arg(long, value_name = "URL")]
    remote: String,
    /// The docs tree (for the default --site and the source commit)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The built site to publish from (holds wiki/ and json/manifest.json) [default: <root>/site]
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// Branch of the wiki [default: the wiki's own; master for an empty wiki]
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Subject of the commit [default: "Publish runbooks from <source commit>"]
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// The sources' commit, named in the commit message [default: $GITHUB_SHA, else HEAD of --root]
    #[arg(long, value_name = "SHA")]
    source_commit: Option<String>,
    /// OWNER/REPO of the sources, named in the commit message [default: $GITHUB_REPOSITORY]
    #[arg(long, value_name = "OWNER/REPO")]
    source_repository: Option<String>,
    /// Commit author and committer name
    #[arg(long, value_name = "NAME", default_value = "github-actions[bot]")]
    author_name: String,
    /// Commit author and committer email
    #[arg(
        long,
        value_name = "EMAIL",
        default_value = "41898282+github-actions[bot]@users.noreply.github.com"
    )]
    author_email: String,
    /// Make the commit locally and report it, but push nothing
    #[arg(long)]
    dry_run: bool,
    /// Take over hand-written wiki pages that have the names of generated ones
    #[arg(long)]
    adopt: bool,
    /// Pushes to try when other commits keep landing on the wiki
    #[arg(long, value_name = "N", default_value_t = 5)]
    attempts: u32,
    /// Append a Markdown report to FILE (e.g. "$GITHUB_STEP_SUMMARY")
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

pub fn run(args: &PublishArgs, reporter: &Reporter) -> ExitCode {
    let site = args
        .site
        .clone()
        .unwrap_or_else(|| crate::load::display_path(&args.root, "site".as_ref()));
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let source_commit = args
        .source_commit
        .clone()
        .or_else(|| env("GITHUB_SHA"))
        .or_else(|| {
            crate::git::Git::new(&args.root)
                .text(&["rev-parse", "HEAD"])
                .ok()
        });
    let options = Options {
        remote: args.remote.clone(),
        site,
        branch: args.branch.clone(),
        message: args.message.clone(),
        source_commit,
        source_repository: args
            .source_repository
            .clone()
            .or_else(|| env("GITHUB_REPOSITORY")),
        author_name: args.author_name.clone(),
        author_email: args.author_email.clone(),
        token: env(TOKEN_ENV),
        dry_run: args.dry_run,
        adopt: args.adopt,
        attempts: args.attempts,
    };
    let outcome = match publish::publish(&options) {
        Ok(o) => o,
        Err(e) => {
            let code = if e.is_conflict() {
                exit::INVALID
            } else {
                exit::USAGE_OR_IO
            };
            let _ = reporter.fatal(&e, e.hint().as_deref());
            // The job summary says why nothing was published.
            if let Some(path) = &args.summary {
                let _ = append_summary(path, &publish::refusal_summary(&e));
            }
            return ExitCode::from(code);
        }
    };
    let remote = crate::git::redact_url_credentials(&args.remote);
    let plan = &outcome.plan;
    let counts = format!(
        "{} added, {} updated, {} deleted, {} unchanged; {} hand-written page(s) left alone",
        plan.added.len(),
        plan.updated.len(),
        plan.deleted.len(),
        plan.unchanged.len(),
        plan.hand_written.len()
    );
    // A dry run replaces nothing on the wiki: it says what a publish would.
    let replaced = if outcome.dry_run {
        "a publish replaces the edit"
    } else {
        "the edit is replaced"
    };
    for page in &plan.edited_on_wiki {
        note(format!(
            "warning: `{page}` was edited on the wiki since gtdocs published it; {replaced} (it stays in the wiki's history)"
        ));
    }
    if plan.block_edited {
        note(format!(
            "warning: gtdocs' block of links in `_Sidebar.md` was edited on the wiki since gtdocs published it; {replaced} (it stays in the wiki's history)"
        ));
    }
    note(match (&outcome.commit, outcome.dry_run) {
        (None, _) => format!("the wiki is up to date ({counts}); no commit made"),
        (Some(c), true) => format!(
            "dry run: would publish {c} to `{}` of {remote} ({counts})",
            outcome.branch
        ),
        (Some(c), false) => format!(
            "published {c} to `{}` of {remote} ({counts}){}",
            outcome.branch,
            if outcome.attempts > 1 {
                format!(
                    ", on attempt {} after other commits landed",
                    outcome.attempts
                )
            } else {
                String::new()
            }
        ),
    });
    for c in &plan.chrome {
        note(format!("{}: {}", c.page, c.describe()));
    }
    // A dry run is read before a first publish: it names every page it
    // would touch; a real one names them with --verbose.
    for (label, list) in [
        ("added", &plan.added),
        ("updated", &plan.updated),
        ("adopted", &plan.adopted),
        ("deleted", &plan.deleted),
        ("hand-written, left alone", &plan.hand_written),
    ] {
        if list.is_empty() {
            continue;
        }
        // Names come from the wiki: shown, never obeyed by the terminal.
        let names: Vec<_> = list.iter().map(|n| publish::shown_name(n)).collect();
        let line = format!("{label} ({}): {}", list.len(), names.join(", "));
        if outcome.dry_run && label != "hand-written, left alone" {
            note(line);
        } else {
            reporter.info(line);
        }
    }
    if let Some(commit) = outcome.commit.as_deref().filter(|_| !outcome.dry_run) {
        let _ = writeln!(std::io::stdout(), "{commit}");
    }
    if let Some(path) = &args.summary
        && let Err(e) = append_summary(path, &outcome.summary(&remote))
    {
        return reporter.fatal(
            format!("cannot append the summary to `{}`: {e}", path.display()),
            None,
        );
    }
    ExitCode::from(exit::OK)
}
