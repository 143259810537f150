//! The publish itself: clone the wiki, apply the built pages, commit, and
//! push; after a lost race, again on top of the commits that landed.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use super::apply::apply;
use super::checkout::read_in_checkout;
use super::error::PublishError;
use super::plan::Outcome;
use super::records::MANIFEST_FILE;
use super::site::read_site;
use crate::git::Git;

/// What to publish, where, and as whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// The wiki's git URL (`https://github.com/OWNER/REPO.wiki.git`, a path).
    pub remote: String,
    /// The built site: `wiki/` and `json/manifest.json` inside.
    pub site: PathBuf,
    /// The branch to publish to; default the wiki's own, `master` when empty.
    pub branch: Option<String>,
    /// The commit's subject; the source commit is always added to the body.
    pub message: Option<String>,
    /// The sources' commit id, named in the message.
    pub source_commit: Option<String>,
    /// `OWNER/REPO` of the sources, named in the message when known.
    pub source_repository: Option<String>,
    pub author_name: String,
    pub author_email: String,
    /// Sent to an http(s) remote as an Authorization header.
    pub token: Option<String>,
    /// Plan and commit locally, push nothing.
    pub dry_run: bool,
    /// Take over hand-written pages that have the names of generated ones.
    pub adopt: bool,
    /// Pushes tried before giving up when other commits keep landing.
    pub attempts: u32,
}

/// Every path of the checkout as git stores it: no line-end conversion,
/// filter or encoding, whatever the wiki's `.gitattributes` say.
const CHECKOUT_ATTRIBUTES: &str = "* -text -eol -filter -ident -working-tree-encoding\n";

/// Publishes the site's wiki pages to `options.remote`.
pub fn publish(options: &Options) -> Result<Outcome, PublishError> {
    let built = read_site(&options.site)?;
    let manifest = built
        .manifest
        .as_deref()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok());

    let work = tempfile::Builder::new()
        .prefix("gtdocs-wiki-")
        .tempdir()
        .map_err(PublishError::Write)?;
    let checkout = work.path().join("wiki");
    let mut git = Git::new(work.path())
        .env("GIT_AUTHOR_NAME", &options.author_name)
        .env("GIT_AUTHOR_EMAIL", &options.author_email)
        .env("GIT_COMMITTER_NAME", &options.author_name)
        .env("GIT_COMMITTER_EMAIL", &options.author_email);
    if let Some(token) = options.token.as_deref().filter(|t| !t.is_empty()) {
        git = git.with_token(&options.remote, token);
    }
    let remote = git.redact(&options.remote);
    git.run(&[
        "-c",
        "core.autocrlf=false",
        "clone",
        "--quiet",
        "--no-tags",
        "--no-checkout",
        "--",
        &options.remote,
        "wiki",
    ])
    .map_err(|source| PublishError::Clone {
        remote: remote.clone(),
        source,
    })?;
    let git = git.in_dir(&checkout);
    for (key, value) in [
        ("core.autocrlf", "false"),
        ("commit.gpgsign", "false"),
        ("core.hooksPath", "/dev/null"),
    ] {
        git.run(&["config", "--local", key, value])?;
    }
    // The wiki's own `.gitattributes` must not change bytes between the
    // repository and the checkout (`eol=crlf`, filters): gtdocs compares
    // and writes what git stores. `info/attributes` overrides it.
    let info = checkout.join(".git/info");
    std::fs::create_dir_all(&info)
        .and_then(|()| std::fs::write(info.join("attributes"), CHECKOUT_ATTRIBUTES))
        .map_err(PublishError::Write)?;
    if git
        .output(&["rev-parse", "--verify", "--quiet", "HEAD"])?
        .status
        .success()
    {
        git.run(&["reset", "--quiet", "--hard", "HEAD"])?;
    }
    let branch = checkout_branch(&git, options.branch.as_deref())?;
    // The summary shows what it reads: never through a link.
    let previous_manifest = read_in_checkout(&checkout, MANIFEST_FILE)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let message = commit_message(options);
    let message_file = work.path().join("message.txt");
    std::fs::write(&message_file, &message).map_err(PublishError::Write)?;

    let attempts = options.attempts.max(1);
    for attempt in 1..=attempts {
        let plan = apply(&checkout, &built, options.adopt)?;
        // `--force`: a `.gitignore` in the wiki must not keep a page (or
        // gtdocs' records) out of the commit.
        git.run(&["add", "--all", "--force", "--", "."])?;
        let staged = git.output(&["diff", "--cached", "--quiet"])?;
        if staged.status.success() {
            return Ok(Outcome {
                plan,
                commit: None,
                branch,
                attempts: attempt,
                previous_manifest,
                manifest,
                dry_run: options.dry_run,
            });
        }
        git.run(&[
            "commit".as_ref(),
            "--quiet".as_ref(),
            "--no-verify".as_ref(),
            "--file".as_ref(),
            message_file.as_os_str(),
        ])?;
        let commit = git.text(&["rev-parse", "HEAD"])?;
        let pushed = if options.dry_run {
            None
        } else {
            let refspec = format!("HEAD:refs/heads/{branch}");
            let pushed = git.output(&["push", "--porcelain", "origin", &refspec])?;
            Some(pushed).filter(|p| !p.status.success())
        };
        // A dry run, or a push that landed.
        let Some(pushed) = pushed else {
            return Ok(Outcome {
                plan,
                commit: Some(commit),
                branch,
                attempts: attempt,
                previous_manifest,
                manifest,
                dry_run: options.dry_run,
            });
        };
        if !lost_race(&pushed) {
            return Err(PublishError::Push {
                remote,
                source: git.failure(&["push", "origin"], &pushed),
            });
        }
        // Someone else pushed since the clone: start again from their
        // commit, so both survive.
        git.run(&["fetch", "--quiet", "--no-tags", "origin", &branch])?;
        git.run(&["reset", "--quiet", "--hard", "FETCH_HEAD"])?;
    }
    Err(PublishError::Raced(attempts))
}

/// A push refused only because the branch moved on (not a hook or a
/// permission): `git push --porcelain` marks it `[rejected]`.
///
/// A push that races another one on the server itself fails as
/// `[remote rejected] (cannot lock ref ...)` or `(failed to update ref)`:
/// the same situation, and handled the same way.
fn lost_race(output: &std::process::Output) -> bool {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().any(|l| {
        l.starts_with('!')
            && ((l.contains("[rejected]")
                && (l.contains("fetch first") || l.contains("non-fast-forward")))
                || (l.contains("[remote rejected]")
                    && (l.contains("cannot lock ref") || l.contains("failed to update ref"))))
    })
}

/// Settles the branch to publish to and checks it out.
fn checkout_branch(git: &Git, wanted: Option<&str>) -> Result<String, PublishError> {
    let empty = !git
        .output(&["rev-parse", "--verify", "--quiet", "HEAD"])?
        .status
        .success();
    if empty {
        let branch = wanted.unwrap_or("master").to_owned();
        git.run(&["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")])?;
        return Ok(branch);
    }
    let current = git.text(&["symbolic-ref", "--short", "HEAD"])?;
    match wanted {
        None => Ok(current),
        Some(b) if b == current => Ok(current),
        Some(b) => {
            let remote_ref = format!("refs/remotes/origin/{b}");
            if !git
                .output(&["rev-parse", "--verify", "--quiet", &remote_ref])?
                .status
                .success()
            {
                return Err(PublishError::NoBranch(b.to_owned()));
            }
            git.run(&["checkout", "--quiet", "-B", b, &remote_ref])?;
            Ok(b.to_owned())
        }
    }
}

fn commit_message(options: &Options) -> String {
    let source = options.source_commit.as_deref().filter(|s| !s.is_empty());
    let short = source.map(|s| s.get(..12).unwrap_or(s));
    let subject = match (options.message.as_deref().map(str::trim), short) {
        (Some(m), _) if !m.is_empty() => m.to_owned(),
        (_, Some(short)) => format!("Publish runbooks from {short}"),
        _ => "Publish runbooks".to_owned(),
    };
    let mut message = subject;
    message.push_str("\n\nWritten by gtdocs publish-wiki. Pages listed in .gtdocs/pages.json are generated; edit their sources, not the wiki.\n");
    if source.is_some() || options.source_repository.is_some() {
        message.push('\n');
    }
    if let Some(repo) = options
        .source_repository
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        let _ = writeln!(message, "Source-Repository: {repo}");
    }
    if let Some(source) = source {
        let _ = writeln!(message, "Source-Commit: {source}");
    }
    message
}
