//! `gtdocs publish-wiki` against real git: a local bare repository stands in
//! for the GitHub wiki (and, for tokens, the same repository served by
//! `git http-backend` behind a server that checks the Authorization header).
//!
//! Every bare repository refuses non-fast-forward updates
//! (`receive.denyNonFastForwards`), so a force-push would fail the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

const SOURCE_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A scratch area: a bare "wiki", a HOME with no user config, built sites.
pub(crate) struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    pub(crate) fn new() -> Lab {
        let lab = Lab {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir_all(lab.home()).expect("home");
        lab.git(lab.path(), &["init", "--quiet", "--bare", "wiki.git"]);
        lab.git(
            &lab.bare(),
            &["config", "receive.denyNonFastForwards", "true"],
        );
        lab
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    pub(crate) fn bare(&self) -> PathBuf {
        self.path().join("wiki.git")
    }

    pub(crate) fn remote(&self) -> String {
        self.bare().to_string_lossy().into_owned()
    }

    /// Real git, isolated from the machine's and the user's configuration.
    pub(crate) fn git_command(&self, dir: &Path) -> Command {
        let mut c = Command::new(common::tool("GTDOCS_GIT", "git"));
        c.current_dir(dir)
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "A Person")
            .env("GIT_AUTHOR_EMAIL", "person@example.com")
            .env("GIT_COMMITTER_NAME", "A Person")
            .env("GIT_COMMITTER_EMAIL", "person@example.com")
            .env_remove("GIT_CONFIG_COUNT")
            .env_remove("GIT_DIR");
        c
    }

    pub(crate) fn git(&self, dir: &Path, args: &[&str]) -> String {
        let o = self.git_command(dir).args(args).output().expect("run git");
        assert!(
            o.status.success(),
            "git {args:?} in {}: {}",
            dir.display(),
            common::stderr(&o)
        );
        common::stdout(&o).trim().to_owned()
    }

    pub(crate) fn wiki_git(&self, args: &[&str]) -> String {
        self.git(&self.bare(), args)
    }

    /// The wiki's branch head, or `None` while it is empty.
    pub(crate) fn head(&self) -> Option<String> {
        let o = self
            .git_command(&self.bare())
            .args(["rev-parse", "--verify", "--quiet", "refs/heads/master"])
            .output()
            .expect("git");
        o.status
            .success()
            .then(|| common::stdout(&o).trim().to_owned())
    }

    pub(crate) fn commits(&self) -> Vec<String> {
        match self.head() {
            None => Vec::new(),
            Some(_) => self
                .wiki_git(&["rev-list", "refs/heads/master"])
                .lines()
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Every file of the wiki at its head: path → bytes.
    pub(crate) fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        if self.head().is_none() {
            return files;
        }
        for path in self
            .wiki_git(&["ls-tree", "-r", "--name-only", "refs/heads/master"])
            .lines()
        {
            let o = self
                .git_command(&self.bare())
                .args(["show", &format!("refs/heads/master:{path}")])
                .output()
                .expect("git show");
            files.insert(path.to_owned(), o.stdout);
        }
        files
    }

    /// A person's change on the wiki: clone, edit, commit, push.
    pub(crate) fn person_pushes(&self, name: &str, edit: impl FnOnce(&Path)) {
        let clone = self.path().join(format!("person-{name}"));
        self.git(
            self.path(),
            &[
                "clone",
                "--quiet",
                &self.remote(),
                clone.to_str().expect("utf-8"),
            ],
        );
        if self.head().is_none() {
            self.git(&clone, &["symbolic-ref", "HEAD", "refs/heads/master"]);
        }
        edit(&clone);
        self.git(&clone, &["add", "--all"]);
        self.git(
            &clone,
            &["commit", "--quiet", "-m", &format!("person: {name}")],
        );
        self.git(
            &clone,
            &["push", "--quiet", "origin", "HEAD:refs/heads/master"],
        );
    }

    /// Builds a copy of the bundled tree, changed by `edit`, into `site-<name>`.
    pub(crate) fn site(&self, name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
        let tree = self.path().join(format!("tree-{name}"));
        std::fs::create_dir_all(&tree).expect("tree");
        std::fs::copy(common::repo().join("gtdocs.yaml"), tree.join("gtdocs.yaml")).expect("copy");
        common::copy_tree(&common::repo().join("runbooks"), &tree.join("runbooks"));
        edit(&tree);
        let site = self.path().join(format!("site-{name}"));
        let o = common::gtdocs(&tree, &["build", "--out", site.to_str().expect("utf-8")]);
        assert!(o.status.success(), "build: {}", common::stderr(&o));
        site
    }

    /// `gtdocs publish-wiki` with this lab's git and HOME.
    pub(crate) fn publish(&self, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gtdocs"));
        c.arg("publish-wiki")
            .arg("--site")
            .arg(site)
            .arg("--source-commit")
            .arg(SOURCE_SHA)
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("GTDOCS_GIT", common::tool("GTDOCS_GIT", "git"))
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_CONFIG_COUNT")
            .env_remove("GTDOCS_WIKI_TOKEN")
            .env_remove("GITHUB_SHA")
            .env_remove("GITHUB_REPOSITORY");
        if !args.contains(&"--remote") {
            c.arg("--remote").arg(self.remote());
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run gtdocs")
    }
}

/// The built wiki pages (`.gtdocs/`, the settings for publish-wiki, is
/// not a page).
pub(crate) fn pages_of(site: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(site.join("wiki"))
        .expect("wiki dir")
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_type().expect("type").is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

pub(crate) fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        common::stdout(o),
        common::stderr(o)
    );
}

pub(crate) fn owned(lab: &Lab) -> serde_json::Value {
    let files = lab.files();
    let bytes = files.get(".gtdocs/pages.json").expect("ownership record");
    serde_json::from_slice(bytes).expect("ownership JSON")
}

fn edit_file(path: &Path, edit: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(path).expect("read");
    let changed = edit(&text);
    assert_ne!(
        text,
        changed,
        "the edit changed nothing in {}",
        path.display()
    );
    std::fs::write(path, changed).expect("write");
}

#[test]
fn first_publish_then_an_identical_one_makes_no_commit() {
    let lab = Lab::new();
    let site = lab.site("v1", |_| {});
    let summary = lab.path().join("summary.md");
    let o = lab.publish(&site, &["--summary", summary.to_str().expect("utf-8")], &[]);
    ok(&o, "first publish");
    let head = lab.head().expect("the wiki has a commit");
    assert_eq!(
        common::stdout(&o).trim(),
        head,
        "stdout names the new commit"
    );

    // Every page, byte for byte, plus the ownership record and the manifest.
    let files = lab.files();
    let pages = pages_of(&site);
    for (name, bytes) in &pages {
        assert_eq!(files.get(name), Some(bytes), "{name} on the wiki");
    }
    assert_eq!(files.len(), pages.len() + 2, "{:?}", files.keys());
    assert_eq!(
        files.get(".gtdocs/manifest.json"),
        Some(&std::fs::read(site.join("json/manifest.json")).expect("manifest"))
    );
    let record = owned(&lab);
    let recorded: Vec<&str> = record["pages"]
        .as_object()
        .expect("pages")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        recorded,
        pages.keys().map(String::as_str).collect::<Vec<_>>()
    );

    // The commit: the bot, and the source commit named.
    let log = lab.wiki_git(&["log", "-1", "--format=%an <%ae>%n%cn%n%B"]);
    assert!(
        log.starts_with(
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\ngithub-actions[bot]\n"
        ),
        "{log}"
    );
    assert!(log.contains("Publish runbooks from 0123456789ab"), "{log}");
    assert!(
        log.contains(&format!("Source-Commit: {SOURCE_SHA}")),
        "{log}"
    );
    let summary_text = std::fs::read_to_string(&summary).expect("summary");
    assert!(summary_text.contains("## Wiki publish"), "{summary_text}");
    assert!(
        summary_text.contains(&format!("| Added | {} |", pages.len())),
        "{summary_text}"
    );
    assert!(
        summary_text.contains("No manifest was published to this wiki before"),
        "{summary_text}"
    );

    // The same build again: nothing to do, no commit, nothing on stdout.
    let o = lab.publish(&site, &[], &[]);
    ok(&o, "second publish");
    assert_eq!(common::stdout(&o), "", "no commit is named");
    assert!(
        common::stderr(&o).contains("up to date"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(lab.commits(), vec![head], "no second commit");
}

#[test]
fn an_update_is_one_fast_forward_commit_with_only_the_changed_pages() {
    let lab = Lab::new();
    let v1 = lab.site("v1", |_| {});
    ok(&lab.publish(&v1, &[], &[]), "first publish");
    let first = lab.head().expect("head");
    let v2 = lab.site("v2", |tree| {
        edit_file(&tree.join("runbooks/aider.yaml"), |t| {
            t.replacen("verdict: native", "verdict: not_supported", 1)
        });
    });
    let summary = lab.path().join("summary.md");
    let o = lab.publish(&v2, &["--summary", summary.to_str().expect("utf-8")], &[]);
    ok(&o, "update");
    let commits = lab.commits();
    assert_eq!(commits.len(), 2, "one new commit");
    assert_eq!(
        commits[1], first,
        "history kept: the first commit is the parent"
    );
    let changed = lab.wiki_git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    let changed: Vec<&str> = changed.lines().collect();
    let expected: Vec<String> = {
        let (a, b) = (pages_of(&v1), pages_of(&v2));
        let mut names: Vec<String> = b
            .iter()
            .filter(|(n, c)| a.get(*n) != Some(*c))
            .map(|(n, _)| n.clone())
            .collect();
        names.push(".gtdocs/manifest.json".into());
        names.push(".gtdocs/pages.json".into());
        names.sort();
        names
    };
    assert!(expected.contains(&"Gen3-Gt-Api-Runbooks-Aider.md".to_owned()));
    assert_eq!(changed, expected, "only the pages that changed");
    let summary_text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        summary_text.contains("### Downgraded verdicts"),
        "{summary_text}"
    );
    assert!(
        summary_text
            .contains("| Aider (`aider`) | `GET /v1/models` | `native` | `not_supported` |"),
        "{summary_text}"
    );
}

#[test]
fn a_removed_runbook_loses_its_page_and_hand_written_pages_stay() {
    let lab = Lab::new();
    let v1 = lab.site("v1", |_| {});
    ok(&lab.publish(&v1, &[], &[]), "first publish");
    // People write their own pages, and one edits a generated page.
    lab.person_pushes("notes", |wiki| {
        std::fs::write(wiki.join("Operator-Notes.md"), "Written by hand.\n").expect("write");
        std::fs::create_dir_all(wiki.join("guides")).expect("mkdir");
        std::fs::write(wiki.join("guides/Escalation.md"), "Call ops.\n").expect("write");
        edit_file(&wiki.join("Gen3-Gt-Api-Runbooks-Cursor.md"), |t| {
            format!("{t}\nA hand edit.\n")
        });
    });
    let v2 = lab.site("v2", |tree| {
        std::fs::remove_file(tree.join("runbooks/aider.yaml")).expect("rm");
    });
    let o = lab.publish(&v2, &[], &[]);
    ok(&o, "publish without aider");
    let files = lab.files();
    assert!(
        !files.contains_key("Gen3-Gt-Api-Runbooks-Aider.md"),
        "the page of a removed runbook is deleted"
    );
    assert_eq!(
        files.get("Operator-Notes.md").map(Vec::as_slice),
        Some(&b"Written by hand.\n"[..])
    );
    assert_eq!(
        files.get("guides/Escalation.md").map(Vec::as_slice),
        Some(&b"Call ops.\n"[..])
    );
    // The edited generated page is the build's again, and the edit was reported.
    assert_eq!(
        files.get("Gen3-Gt-Api-Runbooks-Cursor.md"),
        pages_of(&v2).get("Gen3-Gt-Api-Runbooks-Cursor.md")
    );
    let stderr = common::stderr(&o);
    assert!(
        stderr.contains("`Gen3-Gt-Api-Runbooks-Cursor.md` was edited on the wiki"),
        "{stderr}"
    );
    assert!(stderr.contains("1 deleted"), "{stderr}");
    assert!(
        stderr.contains("2 hand-written page(s) left alone"),
        "{stderr}"
    );
    assert!(
        owned(&lab)["pages"]
            .get("Gen3-Gt-Api-Runbooks-Aider.md")
            .is_none()
    );
    // All three commits are in the history.
    assert_eq!(lab.commits().len(), 3);
}

/// The bundled tree's index page.
const INDEX: &str = "Gen3-Gt-Api-Client-Runbooks.md";

#[test]
fn a_hand_written_page_with_a_generated_name_is_refused_unless_adopted() {
    let lab = Lab::new();
    lab.person_pushes("index", |wiki| {
        std::fs::write(wiki.join(INDEX), "Our own list of clients.\n").expect("write");
    });
    let before = lab.commits();
    let site = lab.site("v1", |_| {});
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    let stderr = common::stderr(&o);
    assert!(
        stderr.contains(&format!(
            "1 page(s) on the wiki were written by hand and gtdocs would overwrite them: {INDEX}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--adopt"), "{stderr}");
    assert_eq!(lab.commits(), before, "nothing pushed");

    let o = lab.publish(&site, &["--adopt"], &[]);
    ok(&o, "publish --adopt");
    assert_eq!(lab.files().get(INDEX), pages_of(&site).get(INDEX));
    assert!(
        owned(&lab)["pages"].get(INDEX).is_some(),
        "the index is now owned"
    );
    assert_eq!(
        lab.commits().len(),
        2,
        "the hand-written page stays in history"
    );
}

/// A hook script that lands one commit of a person on the wiki, once.
fn racing_hook(lab: &Lab, hook: &str, always: bool) -> PathBuf {
    let hooks = lab.path().join("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks");
    let git = common::tool("GTDOCS_GIT", "git");
    let once = if always {
        String::new()
    } else {
        format!(
            "[ -e '{marker}' ] && exit 0\ntouch '{marker}'\n",
            marker = lab.path().join("raced").display()
        )
    };
    let script = format!(
        "#!/bin/sh\n\
         unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0 \
         GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL\n\
         {once}\
         set -e\n\
         n=$(date +%s%N)\n\
         d='{tmp}'/race-$n\n\
         '{git}' clone --quiet '{remote}' \"$d\"\n\
         cd \"$d\"\n\
         echo \"Landed while gtdocs was publishing ($n).\" > \"Concurrent-$n.md\"\n\
         '{git}' add --all\n\
         '{git}' -c user.name=Racer -c user.email=racer@example.com commit --quiet -m \"racer $n\"\n\
         '{git}' push --quiet origin HEAD:refs/heads/master\n",
        tmp = lab.path().display(),
        git = git.display(),
        remote = lab.remote(),
    );
    let path = hooks.join(hook);
    std::fs::write(&path, script).expect("hook");
    let mut perms = std::fs::metadata(&path).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).expect("chmod");
    hooks
}

fn hooks_env(hooks: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GIT_CONFIG_COUNT", "1".into()),
        ("GIT_CONFIG_KEY_0", "core.hooksPath".into()),
        ("GIT_CONFIG_VALUE_0", hooks.display().to_string()),
    ]
}

fn assert_race_survived(lab: &Lab, o: &Output, site: &Path, before: &[String]) {
    ok(o, "publish that raced");
    assert!(
        common::stderr(o).contains("on attempt 2 after other commits landed"),
        "{}",
        common::stderr(o)
    );
    let commits = lab.commits();
    assert_eq!(
        commits.len(),
        before.len() + 2,
        "the racer's commit and ours"
    );
    // Ours sits on top of the racer's, which sits on the old head.
    let authors = lab.wiki_git(&["log", "--format=%an", "refs/heads/master"]);
    assert_eq!(
        authors.lines().take(2).collect::<Vec<_>>(),
        ["github-actions[bot]", "Racer"],
        "{authors}"
    );
    assert_eq!(&commits[2..], before, "older history intact");
    let files = lab.files();
    assert_eq!(
        files
            .keys()
            .filter(|k| k.starts_with("Concurrent-"))
            .count(),
        1,
        "the racer's page survives"
    );
    for (name, bytes) in pages_of(site) {
        assert_eq!(files.get(&name), Some(&bytes), "{name}");
    }
}

/// A first publish, then one without the aider runbook while `hook`
/// lands another person's commit on the wiki (once, or on every commit).
fn publish_while_racing(
    hook: &str,
    always: bool,
    args: &[&str],
) -> (Lab, Output, PathBuf, Vec<String>) {
    let lab = Lab::new();
    let v1 = lab.site("v1", |_| {});
    ok(&lab.publish(&v1, &[], &[]), "first publish");
    let before = lab.commits();
    let v2 = lab.site("v2", |tree| {
        std::fs::remove_file(tree.join("runbooks/aider.yaml")).expect("rm");
    });
    let hooks = racing_hook(&lab, hook, always);
    let env = hooks_env(&hooks);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = lab.publish(&v2, args, &env);
    (lab, o, v2, before)
}

#[test]
fn a_commit_landing_between_clone_and_push_survives() {
    // After gtdocs commits locally, before it pushes, another commit lands.
    let (lab, o, v2, before) = publish_while_racing("post-commit", false, &[]);
    assert_race_survived(&lab, &o, &v2, &before);
}

#[test]
fn a_commit_landing_during_the_push_survives() {
    // The racer lands after the server told gtdocs where the branch was.
    let (lab, o, v2, before) = publish_while_racing("pre-push", false, &[]);
    assert_race_survived(&lab, &o, &v2, &before);
}

#[test]
fn endless_racing_gives_up_without_losing_anything() {
    let (lab, o, _, before) = publish_while_racing("post-commit", true, &["--attempts", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("gave up after 3 attempts"),
        "{}",
        common::stderr(&o)
    );
    // Three racers landed; every commit descends from the first publish.
    let commits = lab.commits();
    assert_eq!(commits.len(), 4);
    assert_eq!(commits.last(), before.first());
    assert!(lab.files().contains_key("Gen3-Gt-Api-Runbooks-Aider.md"));
}

#[test]
fn dry_run_pushes_nothing_and_reports_the_plan() {
    let lab = Lab::new();
    let v1 = lab.site("v1", |_| {});
    ok(&lab.publish(&v1, &[], &[]), "first publish");
    let before = lab.commits();
    let v2 = lab.site("v2", |tree| {
        std::fs::remove_file(tree.join("runbooks/aider.yaml")).expect("rm");
    });
    let summary = lab.path().join("summary.md");
    let o = lab.publish(
        &v2,
        &["--dry-run", "--summary", summary.to_str().expect("utf-8")],
        &[],
    );
    ok(&o, "dry run");
    assert_eq!(common::stdout(&o), "");
    assert!(
        common::stderr(&o).contains("dry run: would publish"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(lab.commits(), before, "nothing pushed");
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(text.contains("Dry run: commit"), "{text}");
    assert!(text.contains("| Deleted | 1 |"), "{text}");
    assert!(
        text.contains("### Removed runbooks\n\n- Aider (`aider`)"),
        "{text}"
    );
}

#[test]
fn unreachable_remotes_fail_clearly_and_change_nothing() {
    let lab = Lab::new();
    let site = lab.site("v1", |_| {});
    let before = common::snapshot(&site);
    let missing = lab.path().join("no-such-wiki.git");
    for (remote, hint) in [
        (missing.to_str().expect("utf-8").to_owned(), "check the URL"),
        // Port 9 (discard) on loopback: nothing listens there.
        (
            "http://127.0.0.1:9/owner/repo.wiki.git".to_owned(),
            "unreachable",
        ),
    ] {
        let o = lab.publish(&site, &["--remote", &remote], &[]);
        assert_eq!(o.status.code(), Some(2), "{remote}: {}", common::stderr(&o));
        let stderr = common::stderr(&o);
        assert!(
            stderr.starts_with("error: cannot clone the wiki"),
            "{stderr}"
        );
        assert!(stderr.contains(hint), "{remote}: {stderr}");
        assert_eq!(common::stdout(&o), "");
    }
    assert_eq!(common::snapshot(&site), before, "the site is untouched");
    assert!(lab.head().is_none());
}

#[test]
fn a_site_that_was_not_built_is_an_error() {
    let lab = Lab::new();
    let o = lab.publish(&lab.path().join("nowhere"), &[], &[]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = common::stderr(&o);
    assert!(stderr.contains("there are no wiki pages in"), "{stderr}");
    assert!(stderr.contains("gtdocs build"), "{stderr}");
}

/// The bare wiki served over smart HTTP by `git http-backend`, behind a
/// check of the Authorization header GitHub would make.
struct HttpWiki {
    url: String,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for HttpWiki {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_http(lab: &Lab, token: &str) -> HttpWiki {
    use base64::Engine as _;
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
    let port = server.server_addr().to_ip().expect("ip").port();
    let expected = format!(
        "basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"))
    );
    let root = lab.path().to_owned();
    let home = lab.home();
    let git = common::tool("GTDOCS_GIT", "git");
    let s = server.clone();
    let thread = std::thread::spawn(move || {
        for mut request in s.incoming_requests() {
            let auth = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_owned());
            if auth.as_deref().map(str::to_ascii_lowercase) != Some(expected.to_ascii_lowercase()) {
                let header =
                    tiny_http::Header::from_bytes("WWW-Authenticate", "Basic realm=\"wiki\"")
                        .expect("header");
                let _ = request.respond(
                    tiny_http::Response::from_string("no")
                        .with_status_code(401)
                        .with_header(header),
                );
                continue;
            }
            let url = request.url().to_owned();
            let (path, query) = url.split_once('?').unwrap_or((&url, ""));
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(request.as_reader(), &mut body);
            let header = |name: &str| {
                request
                    .headers()
                    .iter()
                    .find(|h| h.field.to_string().eq_ignore_ascii_case(name))
                    .map(|h| h.value.as_str().to_owned())
                    .unwrap_or_default()
            };
            let mut cgi = Command::new(&git);
            cgi.arg("http-backend")
                .env_clear()
                .env("HOME", &home)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_PROJECT_ROOT", &root)
                .env("GIT_HTTP_EXPORT_ALL", "1")
                .env("REMOTE_USER", "x-access-token")
                .env("REMOTE_ADDR", "127.0.0.1")
                .env("REQUEST_METHOD", request.method().as_str())
                .env("PATH_INFO", path)
                .env("QUERY_STRING", query)
                .env("CONTENT_TYPE", header("Content-Type"))
                .env("CONTENT_LENGTH", body.len().to_string())
                .env("HTTP_CONTENT_ENCODING", header("Content-Encoding"))
                .env("GIT_PROTOCOL", header("Git-Protocol"))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped());
            let mut child = cgi.spawn().expect("git http-backend");
            {
                use std::io::Write as _;
                let mut stdin = child.stdin.take().expect("stdin");
                let _ = stdin.write_all(&body);
            }
            let out = child.wait_with_output().expect("http-backend output");
            let split = out
                .stdout
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| (i, 4))
                .or_else(|| {
                    out.stdout
                        .windows(2)
                        .position(|w| w == b"\n\n")
                        .map(|i| (i, 2))
                });
            let Some((at, skip)) = split else {
                let _ = request
                    .respond(tiny_http::Response::from_string("bad cgi").with_status_code(500));
                continue;
            };
            let head = String::from_utf8_lossy(&out.stdout[..at]).into_owned();
            let mut status = 200;
            let mut headers = Vec::new();
            for line in head.lines() {
                let Some((k, v)) = line.split_once(':') else {
                    continue;
                };
                if k.eq_ignore_ascii_case("Status") {
                    status = v
                        .trim()
                        .split(' ')
                        .next()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(500);
                } else if let Ok(h) = tiny_http::Header::from_bytes(k.trim(), v.trim()) {
                    headers.push(h);
                }
            }
            let data = out.stdout[at + skip..].to_vec();
            let mut response = tiny_http::Response::from_data(data).with_status_code(status);
            for h in headers {
                response.add_header(h);
            }
            let _ = request.respond(response);
        }
    });
    HttpWiki {
        url: format!("http://127.0.0.1:{port}/wiki.git"),
        server,
        thread: Some(thread),
    }
}

#[test]
fn the_token_is_sent_as_a_header_and_a_bad_one_fails_clearly() {
    let lab = Lab::new();
    let token = "gtak_wiki_token_0123456789";
    let http = serve_http(&lab, token);
    let site = lab.site("v1", |_| {});

    // A wrong token: refused, reported with a hint, never printed.
    let wrong = "gtak_wrong_token_9876543210";
    let o = lab.publish(
        &site,
        &["--remote", &http.url],
        &[("GTDOCS_WIKI_TOKEN", wrong)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let stderr = common::stderr(&o);
    assert!(
        stderr.starts_with("error: cannot clone the wiki"),
        "{stderr}"
    );
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(
        !stderr.contains(wrong) && !common::stdout(&o).contains(wrong),
        "{stderr}"
    );
    assert!(lab.head().is_none(), "nothing written");

    // No token at all: the same refusal, no prompt (it would hang).
    let o = lab.publish(&site, &["--remote", &http.url], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));

    // The right token: a real publish over smart HTTP.
    let o = lab.publish(
        &site,
        &["--remote", &http.url],
        &[("GTDOCS_WIKI_TOKEN", token)],
    );
    ok(&o, "publish over HTTP");
    assert_eq!(common::stdout(&o).trim(), lab.head().expect("head"));
    assert!(!common::stderr(&o).contains(token));
    assert_eq!(lab.files().get("Home.md"), pages_of(&site).get("Home.md"));
}

/// The wiki is input too: an ownership record naming paths outside the
/// checkout, and pages committed as symbolic links, never make gtdocs read
/// or write outside its own clone.
#[test]
fn a_hostile_wiki_cannot_reach_outside_the_clone() {
    let lab = Lab::new();
    let site = lab.site("v1", |_| {});
    let victim = lab.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").expect("victim");

    // A record that owns `../../victim.txt`: refused before anything is done.
    lab.person_pushes("record", |wiki| {
        std::fs::create_dir_all(wiki.join(".gtdocs")).expect("mkdir");
        std::fs::write(
            wiki.join(".gtdocs/pages.json"),
            format!(
                r#"{{"generator":"gtdocs","note":"","pages":{{"{}":"sha256:0"}}}}"#,
                victim.display()
            ),
        )
        .expect("write");
    });
    let before = lab.commits();
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("which is not a page name"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    assert_eq!(lab.commits(), before);

    // Pages and records committed as links to the victim.
    lab.person_pushes("links", |wiki| {
        std::fs::remove_file(wiki.join(".gtdocs/pages.json")).expect("rm");
        std::os::unix::fs::symlink(&victim, wiki.join(".gtdocs/pages.json")).expect("link");
        std::os::unix::fs::symlink(&victim, wiki.join(".gtdocs/manifest.json")).expect("link");
        std::os::unix::fs::symlink(&victim, wiki.join(INDEX)).expect("link");
    });
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("is not a regular file"),
        "{}",
        common::stderr(&o)
    );

    lab.person_pushes("unlink-record", |wiki| {
        std::fs::remove_file(wiki.join(".gtdocs/pages.json")).expect("rm");
    });
    // The index, a link gtdocs does not own: a conflict, as any hand-made page.
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains(INDEX), "{}", common::stderr(&o));
    // Adopted: the links are replaced by files; the victim is untouched.
    let o = lab.publish(&site, &["--adopt"], &[]);
    ok(&o, "publish --adopt over links");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    let files = lab.files();
    assert_eq!(files.get(INDEX), pages_of(&site).get(INDEX));
    assert_eq!(
        files.get(".gtdocs/manifest.json"),
        Some(&std::fs::read(site.join("json/manifest.json")).expect("manifest"))
    );
    let modes = lab.wiki_git(&["ls-tree", "-r", "refs/heads/master"]);
    assert!(!modes.contains("120000"), "no link is left:\n{modes}");
}

/// `.gtdocs` committed to the wiki as a symbolic link to a folder outside
/// the checkout, whose record claims the hand-written `Team-Notes.md`:
/// gtdocs never reads through the link, so the page is not deleted on its
/// strength; the publish stops, and nothing outside the checkout changes.
#[test]
fn a_committed_gtdocs_link_is_never_followed() {
    let lab = Lab::new();
    let site = lab.site("v1", |_| {});
    ok(&lab.publish(&site, &[], &[]), "first publish");
    let outside = lab.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let record = r#"{"generator":"gtdocs","note":"","pages":{"Team-Notes.md":"sha256:0"}}"#;
    std::fs::write(outside.join("pages.json"), record).expect("write");
    lab.person_pushes("notes-and-link", |wiki| {
        std::fs::write(wiki.join("Team-Notes.md"), "Written by hand.\n").expect("write");
        std::fs::remove_dir_all(wiki.join(".gtdocs")).expect("rm");
        std::os::unix::fs::symlink(&outside, wiki.join(".gtdocs")).expect("link");
    });
    let before = lab.commits();
    let o = lab.publish(&site, &[], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("`.gtdocs` is not a regular file (a symbolic link"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(lab.commits(), before, "nothing pushed");
    assert_eq!(
        lab.files().get("Team-Notes.md").map(Vec::as_slice),
        Some(&b"Written by hand.\n"[..])
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("pages.json")).expect("record"),
        record
    );
    assert_eq!(
        std::fs::read_dir(&outside).expect("ls").count(),
        1,
        "nothing is written outside"
    );
}

/// A remote that refuses the push (a pre-receive hook, with a message):
/// the error keeps git's reason and the hook's own lines, with a URL's
/// credentials redacted.
#[test]
fn a_push_refused_by_a_hook_says_why() {
    let lab = Lab::new();
    let hook = lab.bare().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\n\
         echo 'Wiki edits are frozen until the release; ask #docs.' >&2\n\
         echo 'Mirror: https://bot:hunter2secret@mirror.example/wiki.git' >&2\n\
         exit 1\n",
    )
    .expect("hook");
    let mut perms = std::fs::metadata(&hook).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).expect("chmod");
    let site = lab.site("v1", |_| {});
    let o = lab.publish(&site, &[], &[]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needed in [
        "cannot push to the wiki",
        "refs/heads/master: [remote rejected] (pre-receive hook declined)",
        "remote: Wiki edits are frozen until the release; ask #docs.",
        "remote: Mirror: https://***@mirror.example/wiki.git",
    ] {
        assert!(err.contains(needed), "{needed:?} is missing:\n{err}");
    }
    assert!(!err.contains("hunter2secret"), "{err}");
    assert_eq!(lab.head(), None, "nothing landed");
}

/// Names the wiki chose reach the terminal escaped: an ownership record
/// listing a page name with a terminal escape, C1 `CSI` and a bidi override
/// is refused (not a page name) and the refusal quotes the name escaped,
/// with colour forced on (anstream strips ANSI only when colour is off).
#[test]
fn names_from_the_wiki_never_reach_the_terminal_raw() {
    let lab = Lab::new();
    let site = lab.site("v1", |_| {});
    let name = "Home\u{1b}]0;pwned\u{7}\u{1b}[31m\u{9b}2J\u{202e}dm.md";
    lab.person_pushes("record", |wiki| {
        std::fs::create_dir_all(wiki.join(".gtdocs")).expect("mkdir");
        let record = serde_json::json!({
            "generator": "gtdocs",
            "note": "",
            "pages": { name: "sha256:0" },
        });
        std::fs::write(wiki.join(".gtdocs/pages.json"), record.to_string()).expect("write");
    });
    let before = lab.commits();
    let o = lab.publish(&site, &["--color", "always"], &[]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}", err.escape_debug());
    assert!(
        err.contains("which is not a page name") && err.contains("\\u{202e}"),
        "{}",
        err.escape_debug()
    );
    common::assert_printable("publish-wiki", &o);
    assert_eq!(lab.commits(), before, "nothing pushed");
}
