//! `gtdocs publish-wiki`: syncs the built wiki pages into a GitHub wiki's
//! git repository without losing anything.
//!
//! - The pages gtdocs owns are recorded in the wiki itself, in
//!   [`OWNERSHIP_FILE`] (page name → digest of what was published). Only
//!   those pages are ever rewritten or deleted; a page a person wrote by
//!   hand is never touched, and one that would be overwritten is an error
//!   unless `--adopt` says to take it over.
//! - Nothing changed → no commit. The commit names the source commit.
//! - History is kept: a push that loses a race (another commit landed since
//!   the clone) fetches, redoes the change on top and pushes again. There
//!   is no force-push anywhere.
//! - The manifest published last is kept beside the ownership record, so
//!   every publish can report what changed since ([`crate::diff`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::git::{Git, GitError};
use crate::model::{PageSetting, SidebarSetting};
use crate::render::wiki::{
    FOOTER, HOME, PublishSettings, SECTION_BEGIN, SECTION_END, SETTINGS_FILE, SIDEBAR,
};

mod checkout;
mod chrome;
mod sidebar;

use checkout::{all_files, is_page_name, page_key, read_in_checkout, wiki_pages, write_inside};
pub use chrome::{Chrome, ChromeOutcome};
use chrome::{FOOTER_FIELD, HOME_FIELD, SIDEBAR_FIELD};

/// gtdocs' own records live in `.gtdocs/` in the wiki repository: GitHub
/// shows only pages (`*.md` and the other markup files), so they stay out
/// of sight.
///
/// `.gtdocs/pages.json`: the pages gtdocs owns, with their digests.
pub const OWNERSHIP_FILE: &str = ".gtdocs/pages.json";
/// `.gtdocs/manifest.json`: the compatibility manifest published last.
pub const MANIFEST_FILE: &str = ".gtdocs/manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("there are no wiki pages in `{0}`")]
    NoPages(PathBuf),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a page name gtdocs publishes (a plain file name, not hidden)")]
    PageName(String),
    #[error("cannot clone the wiki `{remote}`: {source}")]
    Clone { remote: String, source: GitError },
    #[error("the wiki has no branch `{0}`")]
    NoBranch(String),
    #[error(
        "{} page(s) on the wiki were written by hand and gtdocs would overwrite them: {}",
        .0.len(),
        .0.join(", ")
    )]
    Conflict(Vec<String>),
    #[error(
        "{} page(s) on the wiki have the name of a page gtdocs writes, in another case, folder or markup: {}",
        .0.len(),
        .0.join(", ")
    )]
    SameName(Vec<String>),
    #[error("the wiki's `{OWNERSHIP_FILE}` is unreadable: {0}")]
    Ownership(String),
    #[error("cannot put gtdocs' block into the wiki's `{SIDEBAR}`: {0}")]
    Sidebar(String),
    #[error("the built site's wiki settings do not hold together: {0}")]
    Settings(String),
    #[error("cannot write into the wiki checkout: {0}")]
    Write(std::io::Error),
    #[error("cannot push to the wiki `{remote}`: {source}")]
    Push { remote: String, source: GitError },
    #[error("other commits kept landing on the wiki: gave up after {0} attempts")]
    Raced(u32),
    #[error(transparent)]
    Git(#[from] GitError),
}

impl PublishError {
    pub fn hint(&self) -> Option<String> {
        let remote_hint = |e: &GitError| {
            let s = e.stderr();
            if s.contains("Authentication failed")
                || s.contains("could not read Username")
                || s.contains("403")
                || s.contains("401")
            {
                Some(
                    "the remote refused the credentials: check that the token (GTDOCS_WIKI_TOKEN) \
                     is valid and may write to the repository's contents"
                        .to_owned(),
                )
            } else if s.contains("not found")
                || s.contains("does not exist")
                || s.contains("does not appear to be a git repository")
            {
                Some(
                    "check the URL; GitHub creates a wiki's repository only when its first page \
                     is saved, so create one page in the wiki's web editor once"
                        .to_owned(),
                )
            } else if s.contains("Could not resolve host")
                || s.contains("Connection refused")
                || s.contains("Failed to connect")
            {
                Some("the remote is unreachable: check the URL and the network".to_owned())
            } else {
                e.hint().map(str::to_owned)
            }
        };
        match self {
            PublishError::NoPages(_) => Some("run `gtdocs build` first, or pass --site".into()),
            PublishError::Conflict(_) => Some(
                "rename or remove those pages on the wiki, or pass --adopt to let gtdocs own them \
                 (their history stays in the wiki)"
                    .into(),
            ),
            PublishError::SameName(_) => Some(
                "GitHub shows only one of them under that name: rename or remove the other file \
                 on the wiki"
                    .into(),
            ),
            PublishError::Ownership(_) => Some(format!(
                "fix or delete `{OWNERSHIP_FILE}` in the wiki repository; without it, \
                 gtdocs treats every page as written by hand"
            )),
            PublishError::Raced(_) => Some("run the publish again".into()),
            PublishError::Sidebar(_) => Some(format!(
                "make `{SIDEBAR}` on the wiki a UTF-8 file (not a link) holding one \
                 `{SECTION_BEGIN} ...` line and one `{SECTION_END}` line after it, or neither; \
                 or set `wiki.sidebar` to `auto`, `own` or `none`"
            )),
            PublishError::Settings(_) => Some("build the site again with this gtdocs".into()),
            PublishError::Clone { source, .. } | PublishError::Push { source, .. } => {
                remote_hint(source)
            }
            PublishError::Git(e) => e.hint().map(str::to_owned),
            _ => None,
        }
    }

    /// Conflicts are about content (exit 1); the rest is I/O (exit 2).
    pub fn is_conflict(&self) -> bool {
        matches!(self, PublishError::Conflict(_) | PublishError::SameName(_))
    }
}

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

/// The pages gtdocs owns on the wiki, as recorded there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Ownership {
    generator: String,
    note: String,
    /// Page file name → `sha256:<hex>` of the content gtdocs published.
    pages: BTreeMap<String, String>,
    /// The block gtdocs put into the wiki's own sidebar (`wiki.sidebar:
    /// section`), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sidebar_block: Option<sidebar::BlockRecord>,
}

/// What a publish changes, page by page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
    pub unchanged: Vec<String>,
    /// Hand-written pages taken over with `--adopt`.
    pub adopted: Vec<String>,
    /// Pages gtdocs owns that someone edited on the wiki since the last
    /// publish: the edit is replaced (or the page deleted); it stays in the
    /// wiki's history.
    pub edited_on_wiki: Vec<String>,
    /// Pages on the wiki gtdocs does not own and left alone (the wiki's
    /// own pages, `Home.md`, `_Sidebar.md` and `_Footer.md`, are in
    /// [`Plan::chrome`] instead).
    pub hand_written: Vec<String>,
    /// What happened to the wiki's own pages, in the order home, sidebar,
    /// footer.
    pub chrome: Vec<Chrome>,
    /// Someone edited the block gtdocs keeps in the wiki's sidebar since
    /// it wrote it: the edit is replaced (or taken out with the block).
    pub block_edited: bool,
}

impl Plan {
    pub fn changes(&self) -> usize {
        self.added.len() + self.updated.len() + self.deleted.len()
    }
}

/// The result of a publish.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    /// The commit pushed (or, in a dry run, made locally); `None` when the
    /// wiki already matched.
    pub commit: Option<String>,
    pub branch: String,
    /// Pushes it took (more than 1 after a race).
    pub attempts: u32,
    /// The manifest found on the wiki before this publish, if any.
    pub previous_manifest: Option<Value>,
    /// The manifest published now, if the site has one.
    pub manifest: Option<Value>,
    pub dry_run: bool,
}

/// What `gtdocs build` left for the wiki: the pages (file name →
/// content), the settings of the wiki's own pages and the manifest.
struct Built {
    pages: BTreeMap<String, Vec<u8>>,
    settings: PublishSettings,
    manifest: Option<Vec<u8>>,
}

/// Reads the built site. A site built before the settings existed has
/// none: its wiki's own pages are then `auto`.
fn read_site(site: &Path) -> Result<Built, PublishError> {
    let dir = site.join("wiki");
    let read_err = |path: &Path, source| PublishError::Read {
        path: path.to_owned(),
        source,
    };
    let entries = std::fs::read_dir(&dir).map_err(|_| PublishError::NoPages(dir.clone()))?;
    let mut pages = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| read_err(&dir, e))?;
        let file_type = entry.file_type().map_err(|e| read_err(&entry.path(), e))?;
        if !file_type.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.contains(['/', '\\']) || name != name.trim() {
            return Err(PublishError::PageName(name));
        }
        let content = std::fs::read(entry.path()).map_err(|e| read_err(&entry.path(), e))?;
        pages.insert(name, content);
    }
    if pages.is_empty() {
        return Err(PublishError::NoPages(dir));
    }
    let settings_path = dir.join(SETTINGS_FILE);
    let settings = match std::fs::read(&settings_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            read_err(
                &settings_path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => PublishSettings {
            generator: "gtdocs".into(),
            home: PageSetting::Auto,
            sidebar: SidebarSetting::Auto,
            footer: PageSetting::Auto,
            sidebar_section: None,
        },
        Err(e) => return Err(read_err(&settings_path, e)),
    };
    if let Some(block) = &settings.sidebar_section
        && !sidebar::is_block(block)
    {
        return Err(PublishError::Settings(format!(
            "the sidebar block in `{}` is not one block from a `{SECTION_BEGIN} ...` line to a `{SECTION_END}` line",
            settings_path.display()
        )));
    }
    Ok(Built {
        pages,
        settings,
        manifest: std::fs::read(site.join("json/manifest.json")).ok(),
    })
}

fn digest(content: &[u8]) -> String {
    let hash = Sha256::digest(content);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for byte in hash {
        let _ = write!(s, "{byte:02x}");
    }
    s
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

/// The wiki's own pages, with their settings' field names.
const CHROME: [(&str, &str); 3] = [
    (HOME, HOME_FIELD),
    (SIDEBAR, SIDEBAR_FIELD),
    (FOOTER, FOOTER_FIELD),
];

/// Writes the pages into the checkout and returns what changed. Reads the
/// ownership record from the checkout every time (after a race it may be
/// someone else's newer one).
fn apply(checkout: &Path, built: &Built, adopt: bool) -> Result<Plan, PublishError> {
    let owned = read_ownership(checkout)?;
    let settings = &built.settings;
    let section = settings.sidebar == SidebarSetting::Section;
    let mut plan = Plan::default();
    // A block gtdocs put into the sidebar goes first, when the setting no
    // longer asks for it, so that what remains of the sidebar is what the
    // settings below are decided on.
    let sidebar_was_there = std::fs::symlink_metadata(checkout.join(SIDEBAR)).is_ok();
    let block_taken = match &owned.sidebar_block {
        Some(record) if !section => Some(take_block(checkout, record, &mut plan)?),
        _ => None,
    };
    let on_wiki = wiki_pages(checkout)?;
    let files = all_files(checkout);
    let chrome_names: Vec<&str> = CHROME.iter().map(|(name, _)| *name).collect();
    let chrome_keys: Vec<Option<String>> = chrome_names.iter().map(|n| page_key(n)).collect();
    // The files gtdocs does not own, by the page GitHub shows them as:
    // one lookup per page gtdocs writes, not a scan of the wiki.
    let mut by_page: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for file in files
        .iter()
        .filter(|f| !owned.pages.contains_key(f.as_str()))
    {
        if let Some(key) = page_key(file) {
            by_page.entry(key).or_default().push(file);
        }
    }
    // Another file GitHub shows as the page `name` (`home.md` for
    // `Home.md`), which gtdocs neither owns nor writes.
    // A sidebar or footer in a folder is that folder's own (GitHub looks
    // for one beside the page first), never a second one of the wiki's.
    let same_page = |name: &str| {
        let anywhere = !matches!(name, SIDEBAR | FOOTER);
        by_page
            .get(&page_key(name)?)?
            .iter()
            .copied()
            .find(|f| *f != name && (anywhere || !f.contains('/')))
    };
    // Pages someone wrote that gtdocs will not own, but for the wiki's own.
    let others_wrote = by_page.iter().any(|(key, names)| {
        !chrome_keys.contains(&Some(key.clone()))
            && names.iter().any(|n| !built.pages.contains_key(*n))
    });
    let mut writes: BTreeMap<&str, &[u8]> = built
        .pages
        .iter()
        .filter(|(name, _)| !chrome_names.contains(&name.as_str()))
        .map(|(name, content)| (name.as_str(), content.as_slice()))
        .collect();
    let mut taken_over = Vec::new();
    for (name, field) in CHROME {
        let setting = match field {
            HOME_FIELD => settings.home.into(),
            FOOTER_FIELD => settings.footer.into(),
            _ => settings.sidebar,
        };
        let is_owned = owned.pages.contains_key(name);
        let present = on_wiki.contains_key(name);
        let present_as_any = present || same_page(name).is_some();
        let outcome = match setting {
            SidebarSetting::Own if present_as_any && !is_owned => ChromeOutcome::TakenOver,
            SidebarSetting::Own => ChromeOutcome::Written,
            SidebarSetting::Auto if is_owned || (!present_as_any && !others_wrote) => {
                ChromeOutcome::Written
            }
            SidebarSetting::Auto if present_as_any => ChromeOutcome::LeftAlone,
            SidebarSetting::Auto => ChromeOutcome::NotCreated,
            SidebarSetting::None | SidebarSetting::Section if is_owned && present => {
                ChromeOutcome::Removed
            }
            SidebarSetting::None if present_as_any => ChromeOutcome::LeftAlone,
            SidebarSetting::None => ChromeOutcome::NotCreated,
            // Decided below, once the pages are written.
            SidebarSetting::Section => ChromeOutcome::SectionUnchanged,
        };
        if matches!(outcome, ChromeOutcome::Written | ChromeOutcome::TakenOver) {
            let Some(content) = built.pages.get(name) else {
                return Err(PublishError::Settings(format!(
                    "`{field}: {}` asks for `{name}`, which the build did not write",
                    setting.as_str()
                )));
            };
            writes.insert(name, content);
        }
        if outcome == ChromeOutcome::TakenOver {
            taken_over.push(name);
        }
        let outcome = match (outcome, block_taken) {
            (ChromeOutcome::LeftAlone | ChromeOutcome::NotCreated, Some((taken, _)))
                if name == SIDEBAR =>
            {
                taken
            }
            (o, _) => o,
        };
        plan.chrome.push(Chrome {
            page: name,
            field,
            setting: setting.as_str(),
            outcome,
        });
    }

    // GitHub shows one page per name, whatever the case or the markup:
    // a page gtdocs writes must not have a second file.
    let same_name: Vec<String> = writes
        .keys()
        .copied()
        .chain(section.then_some(SIDEBAR))
        .filter_map(|name| {
            let other = shown_name(same_page(name)?);
            Some(format!("`{other}` (as `{name}`)"))
        })
        .collect();
    if !same_name.is_empty() {
        return Err(PublishError::SameName(same_name));
    }
    let mut conflicts = Vec::new();
    for (&name, &content) in &writes {
        match (on_wiki.get(name), owned.pages.get(name)) {
            (None, _) => plan.added.push(name.to_owned()),
            (Some(current), recorded) => {
                let current_digest = digest(current);
                match recorded {
                    None if taken_over.contains(&name) => {}
                    None if !adopt => {
                        conflicts.push(name.to_owned());
                        continue;
                    }
                    None => plan.adopted.push(name.to_owned()),
                    Some(r) if *r != current_digest => plan.edited_on_wiki.push(name.to_owned()),
                    Some(_) => {}
                }
                if current.as_slice() == content {
                    plan.unchanged.push(name.to_owned());
                    continue;
                }
                plan.updated.push(name.to_owned());
            }
        }
        write_inside(checkout, name, content).map_err(PublishError::Write)?;
    }
    if !conflicts.is_empty() {
        return Err(PublishError::Conflict(conflicts));
    }
    for (name, recorded) in &owned.pages {
        if writes.contains_key(name.as_str()) {
            continue;
        }
        if let Some(current) = on_wiki.get(name) {
            if digest(current) != *recorded {
                plan.edited_on_wiki.push(name.clone());
            }
            // gtdocs' own sidebar, when the setting becomes `section`,
            // is replaced by the block below rather than deleted.
            if name == SIDEBAR && section {
                continue;
            }
            std::fs::remove_file(checkout.join(name)).map_err(PublishError::Write)?;
            plan.deleted.push(name.clone());
        }
    }
    // The sidebar's line in the page lists: one, for what the commit does
    // to the file (a block taken out and gtdocs' page written in one
    // publish is one update).
    match block_taken {
        Some((ChromeOutcome::SectionRemoved, gone)) if !writes.contains_key(SIDEBAR) => {
            let list = if gone {
                &mut plan.deleted
            } else {
                &mut plan.updated
            };
            list.push(SIDEBAR.to_owned());
        }
        _ if sidebar_was_there && plan.added.iter().any(|n| n == SIDEBAR) => {
            plan.added.retain(|n| n != SIDEBAR);
            plan.updated.push(SIDEBAR.to_owned());
        }
        _ => {}
    }
    let sidebar_block = if section {
        Some(put_block(checkout, built, &owned, &mut plan)?)
    } else {
        None
    };
    plan.hand_written = files
        .into_iter()
        .filter(|n| {
            page_key(n).is_some()
                && !writes.contains_key(n.as_str())
                && !owned.pages.contains_key(n)
                && !chrome_names.contains(&n.as_str())
        })
        .collect();
    let record = Ownership {
        generator: "gtdocs".into(),
        note: "Pages gtdocs publishes to this wiki, with a digest of what it published. \
               gtdocs rewrites and deletes only these; every other page is left alone."
            .into(),
        pages: writes
            .iter()
            .map(|(name, content)| ((*name).to_owned(), digest(content)))
            .collect(),
        sidebar_block,
    };
    let mut json = serde_json::to_string_pretty(&record).unwrap_or_default();
    json.push('\n');
    write_inside(checkout, OWNERSHIP_FILE, json.as_bytes()).map_err(PublishError::Write)?;
    if let Some(manifest) = &built.manifest {
        write_inside(checkout, MANIFEST_FILE, manifest).map_err(PublishError::Write)?;
    }
    plan.edited_on_wiki.sort();
    for list in [
        &mut plan.added,
        &mut plan.updated,
        &mut plan.deleted,
        &mut plan.unchanged,
    ] {
        list.sort();
    }
    Ok(plan)
}

/// Takes the block gtdocs recorded putting into the sidebar out of it,
/// and says whether the sidebar went with it. Whatever stands in the way
/// (the block's markers changed, the sidebar gone, unreadable or a link)
/// leaves the sidebar as it is: it is a person's page, and only `section`
/// needs the block found.
fn take_block(
    checkout: &Path,
    record: &sidebar::BlockRecord,
    plan: &mut Plan,
) -> Result<(ChromeOutcome, bool), PublishError> {
    let Ok(Some(text)) = read_sidebar(checkout) else {
        return Ok((ChromeOutcome::SectionLost, false));
    };
    let Ok(Some(spliced)) = sidebar::take(&text, record) else {
        return Ok((ChromeOutcome::SectionLost, false));
    };
    write_sidebar(checkout, spliced.text.as_deref())?;
    plan.block_edited = spliced.edited;
    Ok((ChromeOutcome::SectionRemoved, spliced.text.is_none()))
}

/// Puts the built block into the wiki's sidebar (`wiki.sidebar:
/// section`) and returns the record of it to keep.
fn put_block(
    checkout: &Path,
    built: &Built,
    owned: &Ownership,
    plan: &mut Plan,
) -> Result<sidebar::BlockRecord, PublishError> {
    let block = built.settings.sidebar_section.as_deref().ok_or_else(|| {
        PublishError::Settings("`wiki.sidebar: section` without the block to write".into())
    })?;
    // gtdocs' own sidebar from before is not kept around the block.
    let present = std::fs::symlink_metadata(checkout.join(SIDEBAR)).is_ok();
    let was_page = present && owned.pages.contains_key(SIDEBAR);
    let current = if was_page {
        None
    } else {
        read_sidebar(checkout)?
    };
    let (spliced, record, put) =
        sidebar::put(current.as_deref(), block, owned.sidebar_block.as_ref())
            .map_err(PublishError::Sidebar)?;
    let outcome = match put {
        _ if was_page => ChromeOutcome::PageToSection,
        sidebar::Put::Created => ChromeOutcome::SectionCreated,
        sidebar::Put::Added => ChromeOutcome::SectionAdded,
        sidebar::Put::Updated => ChromeOutcome::SectionUpdated,
        sidebar::Put::Unchanged => ChromeOutcome::SectionUnchanged,
    };
    let list = match outcome {
        ChromeOutcome::SectionUnchanged => &mut plan.unchanged,
        _ if present => &mut plan.updated,
        _ => &mut plan.added,
    };
    list.push(SIDEBAR.to_owned());
    if outcome != ChromeOutcome::SectionUnchanged {
        write_sidebar(checkout, spliced.text.as_deref())?;
    }
    plan.block_edited = spliced.edited;
    if let Some(c) = plan.chrome.iter_mut().find(|c| c.page == SIDEBAR) {
        c.outcome = outcome;
    }
    Ok(record)
}

/// The wiki's sidebar as text, `None` when there is none.
fn read_sidebar(checkout: &Path) -> Result<Option<String>, PublishError> {
    let Some(bytes) =
        read_in_checkout(checkout, SIDEBAR).map_err(|e| PublishError::Sidebar(e.to_string()))?
    else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| PublishError::Sidebar("it is not UTF-8 text".into()))
}

/// Writes the sidebar, or deletes it (`None`: nothing was left in it).
fn write_sidebar(checkout: &Path, text: Option<&str>) -> Result<(), PublishError> {
    match text {
        Some(text) => write_inside(checkout, SIDEBAR, text.as_bytes()).map_err(PublishError::Write),
        None => match std::fs::remove_file(checkout.join(SIDEBAR)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(PublishError::Write(e)),
            _ => Ok(()),
        },
    }
}

fn read_ownership(checkout: &Path) -> Result<Ownership, PublishError> {
    let bytes = match read_in_checkout(checkout, OWNERSHIP_FILE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(Ownership::default()),
        Err(e) => return Err(PublishError::Ownership(e.to_string())),
    };
    let record: Ownership =
        serde_json::from_slice(&bytes).map_err(|e| PublishError::Ownership(e.to_string()))?;
    // The record comes from the remote: a name in it must never reach a
    // path outside the checkout.
    if let Some(bad) = record.pages.keys().find(|n| !is_page_name(n)) {
        return Err(PublishError::Ownership(format!(
            "it lists `{bad}`, which is not a page name"
        )));
    }
    Ok(record)
}

/// The job summary of a publish that stopped: what stopped it and what to
/// do, nothing pushed.
pub fn refusal_summary(error: &PublishError) -> String {
    use crate::markdown::{Place, inline};
    let mut md = String::from("## Wiki publish\n\nNothing was published: ");
    md.push_str(&inline(&shown_name(&error.to_string()), Place::Inline));
    md.push('\n');
    if let Some(hint) = error.hint() {
        let _ = writeln!(md, "\nHelp: {}", inline(&shown_name(&hint), Place::Inline));
    }
    md.push('\n');
    md
}

impl Outcome {
    /// The job summary: what was published, and what changed in the
    /// runbooks since the manifest published last.
    pub fn summary(&self, remote: &str) -> String {
        let mut md = String::from("## Wiki publish\n\n");
        let p = &self.plan;
        let target = format!(
            "`{}` of {}",
            self.branch,
            crate::markdown::code(remote, crate::markdown::Place::Inline)
        );
        let _ = match (&self.commit, self.dry_run) {
            (None, _) => writeln!(
                md,
                "Nothing to publish: {target} already matches the build.\n"
            ),
            (Some(c), true) => writeln!(
                md,
                "Dry run: commit `{}` was made locally for {target} and not pushed.\n",
                short(c)
            ),
            (Some(c), false) => writeln!(
                md,
                "Published commit `{}` to {target}{}.\n",
                short(c),
                match self.attempts {
                    1 => String::new(),
                    n => format!(" (pushed on attempt {n}: other commits had landed)"),
                }
            ),
        };
        let _ = writeln!(md, "| Pages | Count |\n| --- | ---: |");
        for (label, list) in [
            ("Added", &p.added),
            ("Updated", &p.updated),
            ("Deleted", &p.deleted),
            ("Unchanged", &p.unchanged),
            ("Adopted (were hand-written)", &p.adopted),
            ("Edited on the wiki, replaced", &p.edited_on_wiki),
            ("Hand-written, left alone", &p.hand_written),
        ] {
            let _ = writeln!(md, "| {label} | {} |", list.len());
        }
        if !p.chrome.is_empty() {
            let _ = writeln!(
                md,
                "\n| The wiki's own page | Setting | What happens |\n| --- | --- | --- |"
            );
            for c in &p.chrome {
                let _ = writeln!(
                    md,
                    "| `{}` | `{}: {}` | {} |",
                    c.page,
                    c.field,
                    c.setting,
                    crate::markdown::inline(&c.describe(), crate::markdown::Place::Cell)
                );
            }
        }
        if p.block_edited {
            let _ = writeln!(
                md,
                "\nSomeone edited gtdocs' block of links in `{SIDEBAR}` since it was published: \
                 the edit is replaced (it stays in the wiki's history)."
            );
        }
        for (label, list) in [
            ("Added", &p.added),
            ("Updated", &p.updated),
            ("Deleted", &p.deleted),
            ("Adopted (were hand-written)", &p.adopted),
            (
                "Edited on the wiki since the last publish",
                &p.edited_on_wiki,
            ),
            ("Hand-written, left alone", &p.hand_written),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(
                md,
                "\n<details><summary>{label} ({})</summary>\n\n{}\n</details>",
                list.len(),
                names(list)
            );
        }
        md.push('\n');
        match (&self.previous_manifest, &self.manifest) {
            (Some(old), Some(new)) if crate::diff::check_manifest(old).is_ok() => {
                let report = crate::diff::compare(
                    &crate::diff::Side {
                        label: "published before".into(),
                        manifest: old.clone(),
                    },
                    &crate::diff::Side {
                        label: "this build".into(),
                        manifest: new.clone(),
                    },
                );
                md.push_str(&report.to_markdown());
            }
            (_, Some(_)) => md.push_str(
                "No manifest was published to this wiki before: the next publish reports what changed.\n",
            ),
            (_, None) => {}
        }
        md
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// A file name from the wiki as it is shown: every character that would
/// act on a terminal or on Markdown (control characters, line ends, tabs)
/// escaped, so the name shown is the name, never another one.
pub fn shown_name(name: &str) -> String {
    crate::diagnostic::visible(name)
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn names(list: &[String]) -> String {
    list.iter()
        .map(|n| crate::markdown::code(&shown_name(n), crate::markdown::Place::Inline))
        .collect::<Vec<_>>()
        .join(", ")
}
