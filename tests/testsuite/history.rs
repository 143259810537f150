//! The history of verdicts read from git: a fixture repository made here,
//! commit by commit with fixed dates (an upgrade, a downgrade, a runbook
//! added then removed, a route renamed in the catalog), built with the
//! real binary; the runbook pages' history sections, `json/changes.json`,
//! the Atom feed and the wiki's changes page list exactly those events,
//! with their dates and commits. The feed passes the RFC 4287 RELAX NG
//! schema (Debian's `jing`) and PyPI `feedparser`; a shallow clone warns
//! and marks every output incomplete; two builds are byte-identical.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use serde_json::Value;

use crate::common;

/// A git repository holding a docs tree in `docs/`, and a place to build.
pub(crate) struct Repo {
    pub(crate) tmp: tempfile::TempDir,
    git: PathBuf,
}

/// A commit's subject with what no output may show raw: markup, wiki link
/// syntax, an ampersand, a terminal escape.
const HOSTILE: &str = "alpha: <script>alert(1)</script> & [[Home]] | *x* \u{1b}[31mred";

impl Repo {
    pub(crate) fn new() -> Repo {
        let repo = Repo {
            tmp: tempfile::tempdir().expect("tempdir"),
            git: common::tool("GTDOCS_GIT", "git"),
        };
        std::fs::create_dir_all(repo.tmp.path().join("home/.config")).expect("mkdir home");
        std::fs::create_dir_all(repo.docs()).expect("mkdir docs");
        repo.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        repo
    }

    fn top(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    pub(crate) fn docs(&self) -> PathBuf {
        self.top().join("docs")
    }

    /// `program` in `dir`, with no outside git settings or variables.
    fn command(&self, program: &Path, dir: &Path) -> Command {
        common::isolated_command(program, dir, &self.tmp.path().join("home"), &self.git)
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let o = self
            .command(&self.git, dir)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            o.status.success(),
            "git {}: {}",
            args.join(" "),
            common::stderr(&o)
        );
        common::stdout(&o).trim().to_owned()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.top(), args)
    }

    /// Commits everything at `date` (both author and committer date);
    /// returns the commit's id.
    pub(crate) fn commit(&self, date: &str, message: &str) -> String {
        self.git(&["add", "-A"]);
        let o = self
            .command(&self.git, &self.top())
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .args(["commit", "-q", "-m", message])
            .output()
            .expect("run git commit");
        assert!(o.status.success(), "git commit: {}", common::stderr(&o));
        self.git(&["rev-parse", "HEAD"])
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.docs().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.docs().join(rel)).expect("read")
    }

    /// Replaces the only occurrence of `from` in `docs/<rel>`.
    pub(crate) fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert_eq!(text.matches(from).count(), 1, "`{from}` in {rel}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// `gtdocs build` of `docs` into `<tmp>/<out>`.
    fn build(&self, docs: &Path, out: &str) -> (Output, PathBuf) {
        self.build_with(docs, out, &[])
    }

    /// [`Repo::build`] with more arguments.
    fn build_with(&self, docs: &Path, out: &str, args: &[&str]) -> (Output, PathBuf) {
        let out = self.tmp.path().join(out);
        let o = self
            .command(Path::new(env!("CARGO_BIN_EXE_gtdocs")), docs)
            .args(["build", "--root", "."])
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run gtdocs");
        assert!(o.status.success(), "gtdocs build: {}", common::stderr(&o));
        (o, out)
    }
}

/// One event as the test expects it: kind, runbook, route, the route's
/// name before (a rename), the verdicts before and after, its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    kind: &'static str,
    runbook: Option<&'static str>,
    route: Option<&'static str>,
    from_route: Option<&'static str>,
    before: Option<&'static str>,
    after: Option<&'static str>,
    commit: String,
    date: &'static str,
}

fn event(kind: &'static str, commit: &(String, &'static str)) -> Expected {
    Expected {
        kind,
        runbook: None,
        route: None,
        from_route: None,
        before: None,
        after: None,
        commit: commit.0.clone(),
        date: commit.1,
    }
}

fn opt(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The events of `changes.json` in the shape of [`Expected`] (leaked
/// strings compared by value).
fn events_of(changes: &Value) -> Vec<Expected> {
    let leak = |s: Option<String>| s.map(|s| &*Box::leak(s.into_boxed_str()));
    changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| Expected {
            kind: leak(opt(e, "kind")).expect("kind"),
            runbook: leak(opt(e, "runbook")),
            route: leak(opt(e, "route")),
            from_route: leak(opt(e, "from_route")),
            before: leak(e.get("before").and_then(|b| opt(b, "verdict"))),
            after: leak(e.get("after").and_then(|b| opt(b, "verdict"))),
            commit: opt(&e["commit"], "id").expect("commit id"),
            date: leak(opt(&e["commit"], "date")).expect("date"),
        })
        .collect()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read json")).expect("parse json")
}

/// The ids and datetimes of the events in the `id="history"` section of
/// an HTML page, in order.
fn history_section(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("<section id=\"history\"")
        .expect("a history section");
    let end = start + html[start..].find("</section>").expect("its end");
    let section = &html[start..end];
    let item = Regex::new(
        r#"(?s)<li id="([^"]+)" class="history-event[^"]*">.*?<time datetime="([^"]+)">"#,
    )
    .expect("regex");
    item.captures_iter(section)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

/// `jing -c atom.rnc <feed>`: the RFC 4287 RELAX NG schema, compact syntax.
fn jing(feed: &Path) -> Output {
    let schema = common::fixtures().join("atom/atom.rnc");
    Command::new(common::tool("GTDOCS_JING", "jing"))
        .arg("-c")
        .arg(schema)
        .arg(feed)
        .output()
        .expect("run jing")
}

/// The feed as `feedparser` reads it: bozo, and each entry's id, title,
/// updated and link.
fn feedparser(feed: &Path) -> Value {
    const SCRIPT: &str = r#"
import json, sys, feedparser
d = feedparser.parse(open(sys.argv[1], "rb").read())
print(json.dumps({
    "bozo": bool(d.bozo),
    "problem": str(d.get("bozo_exception", "")),
    "version": d.version,
    "id": d.feed.get("id"),
    "updated": d.feed.get("updated"),
    "entries": [{"id": e.get("id"), "title": e.get("title"), "updated": e.get("updated"), "link": e.get("link")} for e in d.entries],
}))
"#;
    let o = Command::new(common::tool("GTDOCS_FEEDPARSER_PYTHON", "python3"))
        .args(["-c", SCRIPT])
        .arg(feed)
        .output()
        .expect("run python");
    assert!(
        o.status.success(),
        "feedparser (installed by scripts/install-test-tools.sh): {}",
        common::stderr(&o)
    );
    serde_json::from_str(&common::stdout(&o)).expect("feedparser's JSON")
}

/// The fixture's history: each commit's id and date, in order.
pub(crate) struct Story {
    pub(crate) base: (String, &'static str),
    upgrade: (String, &'static str),
    downgrade: (String, &'static str),
    gamma_added: (String, &'static str),
    renamed: (String, &'static str),
    gamma_removed: (String, &'static str),
}

const MODELS_V1: &str = "GET /v1/models";
const MODELS_V2: &str = "GET /v2/models";
const CHAT: &str = "POST /v1/chat/completions";
const EMBEDDINGS: &str = "POST /v1/embeddings";

pub(crate) fn story(repo: &Repo) -> Story {
    common::copy_tree(&common::fixtures().join("base"), &repo.docs());
    std::fs::write(repo.top().join("README.md"), "# a project\n").expect("write");
    let base = (
        repo.commit("2026-01-05T10:00:00Z", "base tree"),
        "2026-01-05T10:00:00Z",
    );
    repo.edit(
        "runbooks/alpha.yaml",
        "verdict: not_supported\n    integration: Alpha Chat has no embeddings",
        "verdict: gt_extension\n    integration: Alpha Chat has no embeddings",
    );
    let upgrade = (
        repo.commit("2026-02-01T09:30:00Z", HOSTILE),
        "2026-02-01T09:30:00Z",
    );
    repo.edit(
        "runbooks/beta.yaml",
        "route: POST /v1/chat/completions\n    verdict: native\n    integration: Chat model node",
        "route: POST /v1/chat/completions\n    verdict: not_supported\n    integration: Not since the chat model node was removed",
    );
    let downgrade = (
        repo.commit("2026-03-01T12:00:00Z", "beta: chat breaks"),
        "2026-03-01T12:00:00Z",
    );
    let gamma = repo
        .read("runbooks/alpha.yaml")
        .replace("title: Alpha Chat", "title: Gamma Chat");
    repo.write("runbooks/gamma.yaml", &gamma);
    let gamma_added = (
        repo.commit("2026-04-01T08:00:00Z", "gamma: new runbook"),
        "2026-04-01T08:00:00Z",
    );
    for rel in [
        "gtdocs.yaml",
        "runbooks/alpha.yaml",
        "runbooks/beta.yaml",
        "runbooks/gamma.yaml",
    ] {
        repo.edit(rel, MODELS_V1, MODELS_V2);
    }
    let renamed = (
        repo.commit("2026-05-01T07:15:00Z", "catalog: models move to /v2"),
        "2026-05-01T07:15:00Z",
    );
    std::fs::remove_file(repo.docs().join("runbooks/gamma.yaml")).expect("rm gamma");
    let gamma_removed = (
        repo.commit("2026-06-01T18:45:00Z", "gamma: retired"),
        "2026-06-01T18:45:00Z",
    );
    // Outside the docs tree: no event, and not among the commits read.
    std::fs::write(repo.top().join("README.md"), "# a project, edited\n").expect("write");
    repo.commit("2026-06-15T10:00:00Z", "readme only");
    Story {
        base,
        upgrade,
        downgrade,
        gamma_added,
        renamed,
        gamma_removed,
    }
}

fn expected(s: &Story) -> Vec<Expected> {
    let with = |mut e: Expected, f: &dyn Fn(&mut Expected)| {
        f(&mut e);
        e
    };
    vec![
        with(event("runbook-removed", &s.gamma_removed), &|e| {
            e.runbook = Some("gamma")
        }),
        with(event("route-renamed", &s.renamed), &|e| {
            e.route = Some(MODELS_V2);
            e.from_route = Some(MODELS_V1);
        }),
        with(event("runbook-added", &s.gamma_added), &|e| {
            e.runbook = Some("gamma")
        }),
        with(event("downgrade", &s.downgrade), &|e| {
            e.runbook = Some("beta");
            e.route = Some(CHAT);
            e.before = Some("native");
            e.after = Some("not_supported");
        }),
        with(event("upgrade", &s.upgrade), &|e| {
            e.runbook = Some("alpha");
            e.route = Some(EMBEDDINGS);
            e.before = Some("not_supported");
            e.after = Some("gt_extension");
        }),
        with(event("runbook-added", &s.base), &|e| {
            e.runbook = Some("alpha")
        }),
        with(event("runbook-added", &s.base), &|e| {
            e.runbook = Some("beta")
        }),
        with(event("route-added", &s.base), &|e| {
            e.route = Some(MODELS_V1)
        }),
        with(event("route-added", &s.base), &|e| e.route = Some(CHAT)),
        with(event("route-added", &s.base), &|e| {
            e.route = Some(EMBEDDINGS)
        }),
    ]
}

/// Every output lists exactly the fixture's events, with their dates and
/// commits; hostile commit text is escaped everywhere; two builds are
/// byte-identical; a later commit leaves every earlier event's id as it was.
#[test]
fn every_output_lists_exactly_the_commits_events() {
    let repo = Repo::new();
    let s = story(&repo);
    let want = expected(&s);
    let (o, out) = repo.build(&repo.docs(), "site");
    assert!(
        !common::stderr(&o).contains("warning"),
        "{}",
        common::stderr(&o)
    );

    // json/changes.json, and its copy in the site.
    let changes = json(&out.join("json/changes.json"));
    assert_eq!(events_of(&changes), want);
    assert_eq!(changes["complete"], true);
    assert_eq!(changes["shallow"], false);
    assert_eq!(changes["commits"], 6, "the README-only commit is not read");
    assert!(changes.get("starts_at").is_none());
    assert_eq!(
        std::fs::read(out.join("json/changes.json")).expect("read"),
        std::fs::read(out.join("html/json/changes.json")).expect("read")
    );
    // The document against its published schema, by an outside validator.
    let checked = Command::new(common::tool("GTDOCS_CHECK_JSONSCHEMA", "check-jsonschema"))
        .arg("--schemafile")
        .arg(out.join("json/schema/changes.schema.json"))
        .arg(out.join("json/changes.json"))
        .output()
        .expect("run check-jsonschema");
    assert!(
        checked.status.success() && common::stdout(&checked).contains("ok -- validation done"),
        "check-jsonschema: {}{}",
        common::stdout(&checked),
        common::stderr(&checked)
    );
    let ids: Vec<String> = changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| opt(e, "id").expect("id"))
        .collect();
    let short = |c: &(String, &str)| c.0[..12].to_owned();
    assert_eq!(
        ids[..5],
        [
            format!("{}-runbook-removed-gamma", short(&s.gamma_removed)),
            format!("{}-route-renamed-catalog-get-v2-models", short(&s.renamed)),
            format!("{}-runbook-added-gamma", short(&s.gamma_added)),
            format!(
                "{}-downgrade-beta-post-v1-chat-completions",
                short(&s.downgrade)
            ),
            format!("{}-upgrade-alpha-post-v1-embeddings", short(&s.upgrade)),
        ]
    );

    // The runbook pages' history sections: their own events, newest first.
    let page = |slug: &str| {
        std::fs::read_to_string(out.join(format!("html/runbooks/{slug}/index.html")))
            .expect("runbook page")
    };
    let of = |slug: &str| -> Vec<(String, String)> {
        want.iter()
            .zip(&ids)
            .filter(|(e, _)| e.runbook == Some(slug))
            .map(|(e, id)| (id.clone(), e.date.to_owned()))
            .collect()
    };
    for slug in ["alpha", "beta"] {
        assert_eq!(history_section(&page(slug)), of(slug), "{slug}");
    }
    assert!(!out.join("html/runbooks/gamma").exists());
    // The changes page lists every event; every page links the feed.
    let changes_page =
        std::fs::read_to_string(out.join("html/changes/index.html")).expect("changes page");
    let listed: Vec<String> = history_section(&changes_page)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(listed, ids);
    for html in [
        page("alpha"),
        changes_page.clone(),
        std::fs::read_to_string(out.join("html/index.html")).expect("home"),
    ] {
        assert!(
            html.contains(r#"<link rel="alternate" type="application/atom+xml""#),
            "no feed link"
        );
        assert!(
            html.contains(r#"<a href="/changes/""#),
            "no link to the changes page"
        );
    }
    // The hostile subject: escaped, never markup.
    for html in [page("alpha"), changes_page] {
        assert!(!html.contains("<script>alert"), "raw markup in a page");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; [[Home]]"));
        assert!(!html.contains('\u{1b}'), "a raw escape in a page");
    }

    // The feed: the RFC 4287 schema, and a feed reader.
    let feed = out.join("html/changes.xml");
    let checked = jing(&feed);
    assert!(
        checked.status.success(),
        "jing: {}{}",
        common::stdout(&checked),
        common::stderr(&checked)
    );
    let read = feedparser(&feed);
    assert_eq!(read["bozo"], false, "{}", read["problem"]);
    assert_eq!(read["version"], "atom10");
    let entries = read["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), want.len());
    let feed_text = std::fs::read_to_string(&feed).expect("feed");
    assert!(!feed_text.contains('\u{1b}'));
    assert!(feed_text.contains("&lt;script&gt;"));
    for ((entry, e), id) in entries.iter().zip(&want).zip(&ids) {
        assert_eq!(entry["updated"].as_str(), Some(e.date), "{entry}");
        let link = entry["link"].as_str().expect("link");
        assert!(link.ends_with(&format!("#{id}")), "{link}");
    }
    assert_eq!(read["updated"].as_str(), Some(s.gamma_removed.1));
    let downgrade = &entries[3]["title"];
    assert_eq!(
        downgrade,
        "Downgrade: Beta Flow, POST /v1/chat/completions: Native (full) → Not supported (none)",
        "{entries:?}"
    );

    // The wiki's changes page: one row per event, the subject escaped.
    let wiki =
        std::fs::read_to_string(out.join("wiki/Compatibility-Changes.md")).expect("wiki page");
    let rows: Vec<&str> = wiki.lines().filter(|l| l.starts_with("| 2026-")).collect();
    assert_eq!(rows.len(), want.len(), "{wiki}");
    for (row, e) in rows.iter().zip(&want) {
        assert!(row.starts_with(&format!("| {} |", &e.date[..10])), "{row}");
        assert!(row.contains(&e.commit[..12]), "{row}");
    }
    assert!(
        !wiki.contains("<script>") && !wiki.contains("[[Home]]") && !wiki.contains('\u{1b}'),
        "{wiki}"
    );

    // Deterministic: a second build is byte-identical.
    let (_, again) = repo.build(&repo.docs(), "site-again");
    assert!(
        common::snapshot(&out) == common::snapshot(&again),
        "two builds differ"
    );

    // A later commit: every earlier event keeps its id, in the JSON and in
    // the feed.
    repo.edit(
        "runbooks/beta.yaml",
        "route: POST /v1/chat/completions\n    verdict: not_supported",
        "route: POST /v1/chat/completions\n    verdict: gt_extension",
    );
    repo.commit("2026-07-01T00:00:00Z", "beta: chat through the extension");
    let (_, later) = repo.build(&repo.docs(), "site-later");
    let later_changes = json(&later.join("json/changes.json"));
    let later_ids: Vec<String> = later_changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| opt(e, "id").expect("id"))
        .collect();
    assert_eq!(later_ids[1..], ids[..]);
    assert_eq!(later_changes["events"][0]["kind"], "upgrade");
    let later_feed = feedparser(&later.join("html/changes.xml"));
    let old_feed_ids: Vec<&Value> = entries.iter().map(|e| &e["id"]).collect();
    let new_feed_ids: Vec<&Value> = later_feed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(new_feed_ids[1..], old_feed_ids[..]);
}

/// A shallow clone: a `shallow-history` warning, and every output says the
/// history is incomplete and where it starts; only the commits after the
/// clone's boundary make events.
#[test]
fn a_shallow_clone_warns_and_marks_the_history_incomplete() {
    let repo = Repo::new();
    let s = story(&repo);
    let url = format!("file://{}", repo.top().display());
    let clone = repo.tmp.path().join("shallow");
    repo.git_in(
        repo.tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "3",
            &url,
            clone.to_str().expect("utf-8 path"),
        ],
    );
    let (o, out) = repo.build(&clone.join("docs"), "site-shallow");
    let stderr = common::stderr(&o);
    assert!(stderr.contains("warning[shallow-history]"), "{stderr}");
    // The last three commits: README only, gamma removed, the rename; the
    // boundary (the rename) is where the history starts.
    let changes = json(&out.join("json/changes.json"));
    assert_eq!(changes["complete"], false);
    assert_eq!(changes["shallow"], true);
    assert_eq!(changes["starts_at"]["id"], s.renamed.0.as_str());
    let events = events_of(&changes);
    assert_eq!(
        events,
        vec![Expected {
            runbook: Some("gamma"),
            ..event("runbook-removed", &s.gamma_removed)
        }]
    );
    let changes_page =
        std::fs::read_to_string(out.join("html/changes/index.html")).expect("changes page");
    assert!(
        changes_page.contains("Incomplete history."),
        "{changes_page}"
    );
    assert!(changes_page.contains(&s.renamed.0[..12]));
    let alpha = std::fs::read_to_string(out.join("html/runbooks/alpha/index.html")).expect("alpha");
    assert!(alpha.contains("Incomplete history."));
    let feed = std::fs::read_to_string(out.join("html/changes.xml")).expect("feed");
    assert!(feed.contains("Incomplete: older commits were not read."));
    let wiki = std::fs::read_to_string(out.join("wiki/Compatibility-Changes.md")).expect("wiki");
    assert!(wiki.contains("> **Incomplete history.**"), "{wiki}");
    let checked = jing(&out.join("html/changes.xml"));
    assert!(
        checked.status.success(),
        "jing: {}",
        common::stdout(&checked)
    );
    // Unused here: the older commits are not in the clone.
    let _ = (&s.base, &s.upgrade, &s.downgrade, &s.gamma_added);
}

/// A revision that does not parse is skipped: the build succeeds, and the
/// next event of that runbook is marked incomplete. `history.max_commits`
/// bounds the commits read, and the history says where it starts.
#[test]
fn an_unreadable_revision_and_the_bound() {
    let repo = Repo::new();
    common::copy_tree(&common::fixtures().join("base"), &repo.docs());
    repo.commit("2026-01-01T00:00:00Z", "base");
    let good = repo.read("runbooks/alpha.yaml");
    repo.write("runbooks/alpha.yaml", "routes: [unclosed\n");
    let broken = repo.commit("2026-01-02T00:00:00Z", "alpha: broken");
    repo.write(
        "runbooks/alpha.yaml",
        &good.replacen("verdict: native", "verdict: gt_extension", 1),
    );
    let fixed = repo.commit("2026-01-03T00:00:00Z", "alpha: fixed, models partial");
    let (_, out) = repo.build(&repo.docs(), "site");
    let changes = json(&out.join("json/changes.json"));
    let first = &changes["events"][0];
    assert_eq!(first["kind"], "downgrade", "{changes}");
    assert_eq!(first["commit"]["id"], fixed.as_str());
    assert_eq!(first["incomplete"], true);
    assert_eq!(changes["complete"], true, "the commits were all read");

    // At most two commits after the one it starts from (the broken one,
    // which cannot be read: the fix makes no event, its verdicts before
    // are unknown).
    let config = repo.read("gtdocs.yaml");
    repo.write(
        "gtdocs.yaml",
        &format!("{config}history:\n  max_commits: 2\n"),
    );
    repo.commit("2026-01-04T00:00:00Z", "bound the history");
    let (_, out) = repo.build(&repo.docs(), "site-bounded");
    let changes = json(&out.join("json/changes.json"));
    assert_eq!(changes["complete"], false);
    assert_eq!(changes["commits"], 3);
    let kinds: Vec<&str> = changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.is_empty(), "{changes}");
    assert_eq!(changes["starts_at"]["id"], broken.as_str());
    let page = std::fs::read_to_string(out.join("html/changes/index.html")).expect("page");
    assert!(
        page.contains(&format!(
            "It starts from commit <code>{}</code> (2026-01-02)",
            &broken[..12]
        )),
        "{page}"
    );
}

/// The blobs `build -v` says it read from git.
fn blobs_read(o: &Output) -> usize {
    let said = common::stderr(o);
    let re = Regex::new(r"history: [^\n]*, (\d+) blobs? read from git").expect("regex");
    let caps = re
        .captures(&said)
        .unwrap_or_else(|| panic!("no history line: {said}"));
    caps[1].parse().expect("a count")
}

/// The work tree's runbooks are taken from the book just validated, not
/// read from git again: a tree's first commit costs one blob (the
/// catalog). A file git does not see as committed (edited, or only
/// touched) is read from git, so the history stays that of the commits.
#[test]
fn the_work_trees_runbooks_are_not_read_again_and_edits_are_not_history() {
    let first = Repo::new();
    common::copy_tree(&common::fixtures().join("base"), &first.docs());
    first.commit("2026-01-05T10:00:00Z", "base tree");
    let (o, out) = first.build_with(&first.docs(), "first", &["-v"]);
    assert_eq!(blobs_read(&o), 1, "{}", common::stderr(&o));
    let added: Vec<Option<&str>> = events_of(&json(&out.join("json/changes.json")))
        .iter()
        .filter(|e| e.kind == "runbook-added")
        .map(|e| e.runbook)
        .collect();
    assert_eq!(added, [Some("alpha"), Some("beta")]);

    let repo = Repo::new();
    let s = story(&repo);
    let (o, out) = repo.build_with(&repo.docs(), "clean", &["-v"]);
    let clean = blobs_read(&o);
    let events = events_of(&json(&out.join("json/changes.json")));
    assert_eq!(events, expected(&s));
    // An uncommitted verdict change, and a file rewritten as it was.
    repo.edit(
        "runbooks/alpha.yaml",
        "verdict: gt_extension\n    integration: Alpha Chat has no embeddings",
        "verdict: native\n    integration: Alpha Chat has no embeddings",
    );
    let beta = repo.read("runbooks/beta.yaml");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.write("runbooks/beta.yaml", &beta);
    let (o, out) = repo.build_with(&repo.docs(), "dirty", &["-v"]);
    assert_eq!(events_of(&json(&out.join("json/changes.json"))), events);
    // The pages themselves show the work tree.
    let alpha = json(&out.join("json/runbooks/alpha.json"));
    let embeddings = alpha["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["route"] == EMBEDDINGS)
        .expect("embeddings");
    assert_eq!(embeddings["verdict"], "native");
    assert!(
        blobs_read(&o) > clean,
        "alpha's committed revision is read from git: {} then {}",
        clean,
        blobs_read(&o)
    );
}

/// Outside a git work tree there is no history and no trace of one: no
/// changes page, feed, JSON or wiki page, no link to them.
#[test]
fn outside_git_there_is_no_history() {
    let tree = common::bundled_copy();
    let out = tempfile::tempdir().expect("tempdir");
    let site = out.path().join("site");
    let o = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
        .args(["build", "--root"])
        .arg(tree.path())
        .arg("--out")
        .arg(&site)
        .env(
            "GIT_CEILING_DIRECTORIES",
            tree.path().parent().expect("parent"),
        )
        .output()
        .expect("run gtdocs");
    assert!(o.status.success(), "{}", common::stderr(&o));
    for gone in [
        "json/changes.json",
        "html/changes.xml",
        "html/changes/index.html",
    ] {
        assert!(!site.join(gone).exists(), "{gone}");
    }
    let home = std::fs::read_to_string(site.join("html/index.html")).expect("home");
    assert!(!home.contains("changes"), "the home page mentions changes");
    let wiki: Vec<_> = std::fs::read_dir(site.join("wiki"))
        .expect("wiki")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("Changes"))
        .collect();
    assert!(wiki.is_empty(), "{wiki:?}");
}

/// The feed's validator really validates: a feed without its id fails.
#[test]
fn jing_refuses_a_feed_without_its_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = dir.path().join("bad.xml");
    std::fs::write(
        &feed,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title><updated>2026-01-01T00:00:00Z</updated></feed>\n",
    )
    .expect("write");
    let o = jing(&feed);
    assert!(!o.status.success());
    assert!(
        common::stdout(&o).contains("\"id\""),
        "{}",
        common::stdout(&o)
    );
}

/// The manifest names its data: the newest commit that touched the docs
/// tree, that commit's date, whether the work tree differs from it, and a
/// digest that follows the data alone (not the commit, not the place).
#[test]
fn the_manifest_names_its_commit_and_a_digest_of_its_data() {
    let repo = Repo::new();
    std::fs::copy(
        common::repo().join("gtdocs.yaml"),
        repo.docs().join("gtdocs.yaml"),
    )
    .expect("copy gtdocs.yaml");
    common::copy_tree(
        &common::repo().join("runbooks"),
        &repo.docs().join("runbooks"),
    );
    let first = repo.commit("2026-01-05T10:00:00Z", "docs");
    let data = |out: &str| {
        let (_, out) = repo.build(&repo.docs(), out);
        json(&out.join("json/manifest.json"))["data"].clone()
    };
    let a = data("a");
    assert_eq!(a["commit"], first.as_str(), "{a}");
    assert_eq!(a["committed_at"], "2026-01-05T10:00:00Z", "{a}");
    assert_eq!(a["modified"], false, "{a}");
    let digest = regex::Regex::new("^sha256:[0-9a-f]{64}$").expect("regex");
    assert!(
        digest.is_match(a["digest"].as_str().unwrap_or_default()),
        "{a}"
    );

    // A commit outside the docs tree changes nothing.
    std::fs::write(repo.top().join("README.md"), "the product\n").expect("write");
    repo.commit("2026-01-06T10:00:00Z", "readme");
    assert_eq!(data("b"), a);

    // An uncommitted edit: the same commit, marked modified, another digest.
    repo.edit("runbooks/aider.yaml", "title: Aider", "title: Aider CLI");
    let c = data("c");
    assert_eq!(c["commit"], first.as_str(), "{c}");
    assert_eq!(c["modified"], true, "{c}");
    assert_ne!(c["digest"], a["digest"]);

    // Committed: the new commit, not modified, the digest of the same data.
    let second = repo.commit("2026-01-07T10:00:00Z", "rename");
    let d = data("d");
    assert_eq!(d["commit"], second.as_str(), "{d}");
    assert_eq!(d["committed_at"], "2026-01-07T10:00:00Z", "{d}");
    assert_eq!(d["modified"], false, "{d}");
    assert_eq!(d["digest"], c["digest"]);

    // The same sources outside git: the same digest, and no commit.
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo.docs().join("gtdocs.yaml"),
        outside.path().join("gtdocs.yaml"),
    )
    .expect("copy");
    common::copy_tree(
        &repo.docs().join("runbooks"),
        &outside.path().join("runbooks"),
    );
    let (_, out) = repo.build(outside.path(), "e");
    let e = json(&out.join("json/manifest.json"))["data"].clone();
    assert_eq!(
        e,
        serde_json::json!({ "digest": d["digest"] }),
        "outside git the data is its digest alone"
    );
}

/// A commit may claim a date past year 9999 (git stores it): the manifest
/// names it as that year's last second, and the build does not fail.
#[test]
fn a_commit_dated_past_year_9999_is_named_at_its_last_second() {
    let repo = Repo::new();
    std::fs::copy(
        common::repo().join("gtdocs.yaml"),
        repo.docs().join("gtdocs.yaml"),
    )
    .expect("copy gtdocs.yaml");
    std::fs::create_dir(repo.docs().join("runbooks")).expect("mkdir");
    std::fs::copy(
        common::repo().join("runbooks/aider.yaml"),
        repo.docs().join("runbooks/aider.yaml"),
    )
    .expect("copy aider.yaml");
    let id = repo.commit("@253402300900 +0000", "from the far future");
    let (_, out) = repo.build(&repo.docs(), "site");
    let data = json(&out.join("json/manifest.json"))["data"].clone();
    assert_eq!(data["commit"], id.as_str(), "{data}");
    assert_eq!(data["committed_at"], "9999-12-31T23:59:59Z", "{data}");
}
