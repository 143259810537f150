//! The GitHub Action (`action.yml`): its steps run here, in order, the way
//! the Actions runner runs a composite action's `run` steps, against a local
//! bare repository standing in for the wiki (the audit of the file itself is
//! in `workflows`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common;

/// A small runner for a composite action: `run` steps with their `env`,
/// `GITHUB_OUTPUT`/`GITHUB_ENV`/`GITHUB_STEP_SUMMARY` files, `if:` on step
/// outputs, and `${{ }}` expressions over inputs, github, runner and steps.
/// A `uses:` step (an action from GitHub) runs only as a stub the test
/// gives: its outputs stand in for the service's answer, and its expanded
/// `with:` is recorded. An expression or a step it cannot run fails the test.
struct Runner {
    action: Value,
    inputs: BTreeMap<String, String>,
    stubs: BTreeMap<String, BTreeMap<String, String>>,
    /// The action (`owner/name`) and expanded `with:` of each stub that ran.
    used: Vec<(String, BTreeMap<String, String>)>,
    github: BTreeMap<&'static str, String>,
    env: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    temp: PathBuf,
    workspace: PathBuf,
    summary: PathBuf,
    log: String,
}

impl Runner {
    fn new(workspace: &Path, temp: &Path, with: &[(&str, &str)]) -> Runner {
        let text = std::fs::read_to_string(common::repo().join("action.yml")).expect("action.yml");
        let action: Value = serde_saphyr::from_str(&text).expect("action YAML");
        let github = BTreeMap::from([
            ("token", String::new()),
            ("repository", "example/runbooks".to_owned()),
            ("server_url", "https://github.com".to_owned()),
            ("sha", "0123456789abcdef0123456789abcdef01234567".to_owned()),
            ("action_path", common::repo().display().to_string()),
            // `uses: ./`: GitHub leaves both empty for a local action.
            ("action_ref", String::new()),
            ("action_repository", String::new()),
        ]);
        let mut runner = Runner {
            action,
            inputs: BTreeMap::new(),
            stubs: BTreeMap::new(),
            used: Vec::new(),
            github,
            env: BTreeMap::new(),
            outputs: BTreeMap::new(),
            temp: temp.to_owned(),
            workspace: workspace.to_owned(),
            summary: temp.join("step-summary.md"),
            log: String::new(),
        };
        let declared: Vec<(String, String)> = runner.action["inputs"]
            .as_object()
            .expect("inputs")
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v["default"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        for (name, default) in declared {
            let value = runner.expand(&default);
            runner.inputs.insert(name, value);
        }
        for (k, v) in with {
            assert!(
                runner.inputs.contains_key(*k),
                "action.yml has no input `{k}`"
            );
            runner.inputs.insert((*k).to_owned(), (*v).to_owned());
        }
        runner
    }

    fn value(&self, expr: &str) -> String {
        let expr = expr.trim();
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs.get(*name).cloned().unwrap_or_default(),
            ["github", name] => self
                .github
                .get(name)
                .cloned()
                .unwrap_or_else(|| panic!("the test runner has no github.{name}")),
            ["steps", id, "outputs", name] => self
                .outputs
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            _ => panic!("the test runner cannot evaluate `{expr}`: extend it"),
        }
    }

    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("}}").expect("closed expression") + i;
            out.push_str(&self.value(&rest[i + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// `if:` conditions: `a == 'b'` over one value, nothing else.
    fn condition(&self, cond: &str) -> bool {
        let cond = cond.trim().trim_start_matches("${{").trim_end_matches("}}");
        let (left, right) = cond
            .split_once("==")
            .unwrap_or_else(|| panic!("the test runner cannot evaluate `if: {cond}`"));
        let right = right.trim().trim_matches('\'');
        self.value(left) == right
    }

    /// Runs every step; returns whether all passed (a failed step stops).
    fn run(&mut self) -> bool {
        let steps = self.action["runs"]["steps"]
            .as_array()
            .expect("steps")
            .clone();
        for (n, step) in steps.iter().enumerate() {
            let name = step["name"].as_str().unwrap_or("step").to_owned();
            if let Some(cond) = step["if"].as_str()
                && !self.condition(cond)
            {
                self.log.push_str(&format!("skipped: {name}\n"));
                continue;
            }
            if let Some(uses) = step["uses"].as_str() {
                let action = uses.split_once('@').map_or(uses, |(a, _)| a);
                let outputs = self.stubs.get(action).cloned().unwrap_or_else(|| {
                    panic!(
                        "step `{name}` uses {uses}, which the test runner cannot run: \
                         the test must stub it or make it skip"
                    )
                });
                let with = step["with"]
                    .as_object()
                    .map(|w| {
                        w.iter()
                            .map(|(k, v)| (k.clone(), self.expand(v.as_str().unwrap_or_default())))
                            .collect()
                    })
                    .unwrap_or_default();
                self.log.push_str(&format!("stubbed: {name}\n"));
                self.used.push((action.to_owned(), with));
                if let Some(id) = step["id"].as_str() {
                    self.outputs.insert(id.to_owned(), outputs);
                }
                continue;
            }
            let script = step["run"].as_str().expect("run");
            assert!(
                !script.contains("${{"),
                "step `{name}` expands an expression inside its script: pass it through env"
            );
            assert_eq!(step["shell"], "bash", "step `{name}`");
            let file = self.temp.join(format!("step-{n}.sh"));
            std::fs::write(&file, script).expect("script");
            let output_file = self.temp.join(format!("output-{n}"));
            let env_file = self.temp.join(format!("env-{n}"));
            std::fs::write(&output_file, "").expect("output file");
            std::fs::write(&env_file, "").expect("env file");
            let mut c = Command::new("bash");
            c.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&file)
                .current_dir(&self.workspace)
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_ENV", &env_file)
                .env("GITHUB_STEP_SUMMARY", &self.summary)
                .env("GITHUB_ACTION_PATH", common::repo())
                .env("GITHUB_SHA", &self.github["sha"])
                .env("GITHUB_REPOSITORY", &self.github["repository"])
                .env("RUNNER_TEMP", &self.temp)
                .env("RUNNER_OS", "Linux")
                .env("NO_COLOR", "1")
                .envs(&self.env);
            if let Some(vars) = step["env"].as_object() {
                for (k, v) in vars {
                    c.env(k, self.expand(v.as_str().unwrap_or_default()));
                }
            }
            let o = c.output().expect("bash");
            self.log.push_str(&format!(
                "step: {name} (exit {:?})\n{}{}",
                o.status.code(),
                common::stdout(&o),
                common::stderr(&o)
            ));
            let read = |path: &Path| -> BTreeMap<String, String> {
                std::fs::read_to_string(path)
                    .expect("read")
                    .lines()
                    .map(|l| {
                        assert!(!l.contains("<<"), "multi-line values are not emulated: {l}");
                        let (k, v) = l.split_once('=').expect("k=v");
                        (k.to_owned(), v.to_owned())
                    })
                    .collect()
            };
            self.env.extend(read(&env_file));
            if let Some(id) = step["id"].as_str() {
                self.outputs.insert(id.to_owned(), read(&output_file));
            }
            if !o.status.success() {
                return false;
            }
        }
        true
    }

    /// Lets steps that use `action` (`owner/name`) run, answering `outputs`.
    fn stub(&mut self, action: &str, outputs: &[(&str, &str)]) {
        let outputs = outputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.stubs.insert(action.to_owned(), outputs);
    }

    /// Each of `steps` was skipped (its `if:` did not hold).
    fn assert_skipped(&self, steps: &[&str]) {
        for step in steps {
            assert!(
                self.log.contains(&format!("skipped: {step}\n")),
                "{step} not skipped:\n{}",
                self.log
            );
        }
    }

    fn output(&self, name: &str) -> String {
        let value = self.action["outputs"][name]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no output {name}"))
            .to_owned();
        self.expand(&value)
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(&self.summary).unwrap_or_default()
    }
}

/// A workspace with a copy of the bundled runbooks, and a bare "wiki".
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let workspace = dir.path().join("workspace");
        std::fs::create_dir_all(workspace.join("docs")).expect("mkdir");
        std::fs::copy(
            common::repo().join("gtdocs.yaml"),
            workspace.join("docs/gtdocs.yaml"),
        )
        .expect("copy");
        for dir in ["runbooks", "probes"] {
            common::copy_tree(&common::repo().join(dir), &workspace.join("docs").join(dir));
        }
        let git = common::tool("GTDOCS_GIT", "git");
        let o = Command::new(&git)
            .args(["init", "--quiet", "--bare"])
            .arg(dir.path().join("wiki.git"))
            .output()
            .expect("git init");
        assert!(o.status.success());
        std::fs::create_dir_all(dir.path().join("temp")).expect("temp");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        Setup { dir }
    }

    fn runner(&self, with: &[(&str, &str)]) -> Runner {
        let wiki = self.dir.path().join("wiki.git").display().to_string();
        let gtdocs = env!("CARGO_BIN_EXE_gtdocs");
        let mut all = vec![
            ("root", "docs"),
            ("wiki-url", wiki.as_str()),
            ("gtdocs", gtdocs),
        ];
        all.extend_from_slice(with);
        let temp = self.dir.path().join("temp");
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir_all(&temp).expect("temp");
        let mut runner = Runner::new(&self.dir.path().join("workspace"), &temp, &all);
        runner.env.insert(
            "HOME".into(),
            self.dir.path().join("home").display().to_string(),
        );
        runner.env.insert("GIT_CONFIG_NOSYSTEM".into(), "1".into());
        runner.env.insert(
            "GTDOCS_GIT".into(),
            common::tool("GTDOCS_GIT", "git").display().to_string(),
        );
        runner
    }

    fn wiki_head(&self) -> Option<String> {
        let o = Command::new(common::tool("GTDOCS_GIT", "git"))
            .args(["rev-parse", "--verify", "--quiet", "refs/heads/master"])
            .current_dir(self.dir.path().join("wiki.git"))
            .output()
            .expect("git");
        o.status
            .success()
            .then(|| common::stdout(&o).trim().to_owned())
    }
}

#[test]
fn the_action_checks_builds_and_publishes() {
    let setup = Setup::new();
    let mut runner = setup.runner(&[]);
    assert!(runner.run(), "{}", runner.log);
    let head = setup.wiki_head().expect("published");
    assert_eq!(runner.output("commit"), head, "{}", runner.log);
    assert_eq!(runner.output("changed"), "true");
    assert!(
        runner.log.contains("skipped: Cache the gtdocs build"),
        "{}",
        runner.log
    );
    assert_eq!(
        runner.outputs["gtdocs"]["path"],
        env!("CARGO_BIN_EXE_gtdocs"),
        "{}",
        runner.log
    );
    let summary = runner.summary();
    assert!(
        summary.contains(
            "## gtdocs check\n\n24 files checked, 23 of 23 runbooks valid: 0 errors, 0 warnings; 14 findings accepted (`allow`)."
        ),
        "{summary}"
    );
    assert!(summary.contains("## Wiki publish"), "{summary}");
    let log = std::process::Command::new(common::tool("GTDOCS_GIT", "git"))
        .args(["log", "-1", "--format=%B"])
        .current_dir(setup.dir.path().join("wiki.git"))
        .output()
        .expect("git log");
    let message = common::stdout(&log);
    assert!(
        message.contains("Source-Repository: example/runbooks"),
        "{message}"
    );
    assert!(
        message.contains("Source-Commit: 0123456789abcdef0123456789abcdef01234567"),
        "{message}"
    );

    // Run again: nothing changed, no commit.
    let mut again = setup.runner(&[]);
    assert!(again.run(), "{}", again.log);
    assert_eq!(again.output("commit"), "");
    assert_eq!(again.output("changed"), "false");
    assert_eq!(setup.wiki_head(), Some(head));
}

#[test]
fn a_warning_stops_the_action_before_anything_is_published() {
    let setup = Setup::new();
    // A route left out is a warning; the action denies warnings.
    let path = setup.dir.path().join("workspace/docs/runbooks/aider.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let start = text.find("  - route: GET /v1/files/{id}").expect("route");
    let end = text[start + 4..]
        .find("  - route:")
        .map_or(text.len(), |i| i + start + 4);
    let end = text[start..end]
        .find("\nnot_supported:")
        .map_or(end, |i| start + i + 1);
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).expect("write");
    let mut runner = setup.runner(&[]);
    assert!(!runner.run(), "the action must fail:\n{}", runner.log);
    assert!(
        runner
            .log
            .contains("step: Check the runbooks (exit Some(1))"),
        "{}",
        runner.log
    );
    assert!(
        runner
            .log
            .contains("::warning file=docs/runbooks/aider.yaml"),
        "{}",
        runner.log
    );
    assert!(
        !runner.log.contains("step: Publish the wiki"),
        "{}",
        runner.log
    );
    assert!(
        runner
            .summary()
            .contains("| warning | `docs/runbooks/aider.yaml:"),
        "{}",
        runner.summary()
    );
    assert_eq!(setup.wiki_head(), None, "nothing published");
}

#[test]
fn a_dry_run_of_the_action_pushes_nothing() {
    let setup = Setup::new();
    let mut runner = setup.runner(&[("dry-run", "true")]);
    assert!(runner.run(), "{}", runner.log);
    assert_eq!(runner.output("changed"), "false");
    assert_eq!(setup.wiki_head(), None);
    assert!(
        runner.summary().contains("Dry run: commit"),
        "{}",
        runner.summary()
    );
}

/// `publish-wiki: 'false'`: the site is checked and built, its folder named
/// by `site-dir` (for a workflow to upload), and nothing else happens.
#[test]
fn the_action_can_build_the_site_without_publishing_anything() {
    let setup = Setup::new();
    let mut runner = setup.runner(&[("publish-wiki", "false")]);
    assert!(runner.run(), "{}", runner.log);
    runner.assert_skipped(&[
        "Configure GitHub Pages",
        "Publish the wiki",
        "Upload the site for GitHub Pages",
        "Deploy the site to GitHub Pages",
    ]);
    let site = PathBuf::from(runner.output("site-dir"));
    assert_eq!(site, runner.temp.join("gtdocs-site"));
    assert!(site.join("html/index.html").is_file());
    assert!(site.join("json/manifest.json").is_file());
    assert!(site.join("wiki").is_dir());
    assert_eq!(runner.output("page-url"), "");
    assert_eq!(runner.output("changed"), "");
    assert_eq!(setup.wiki_head(), None);
}

/// The sitemap's first address: the site's home page as built.
fn home_in_sitemap(site: &Path) -> String {
    let sitemap = std::fs::read_to_string(site.join("html/sitemap.xml")).expect("sitemap");
    let start = sitemap.find("<loc>").expect("a <loc>") + "<loc>".len();
    let end = sitemap[start..].find("</loc>").expect("</loc>") + start;
    sitemap[start..end].to_owned()
}

/// `pages: 'true'`: the site is built for the address configure-pages
/// reports (origin, then the base path with its trailing slash), unless
/// `site-url`/`base-url` say otherwise; `site/html` is uploaded and
/// deployed, and the deployment's URL is the `page-url` output.
#[test]
fn pages_builds_the_site_for_its_pages_address_and_deploys_html() {
    let setup = Setup::new();
    let run = |with: &[(&str, &str)], base_path: &str| {
        let mut all = vec![("pages", "true"), ("publish-wiki", "false")];
        all.extend_from_slice(with);
        let mut runner = setup.runner(&all);
        runner.stub(
            "actions/configure-pages",
            &[
                ("origin", "https://example.github.io"),
                ("base_path", base_path),
            ],
        );
        runner.stub("actions/upload-pages-artifact", &[("artifact_id", "1")]);
        runner.stub(
            "actions/deploy-pages",
            &[("page_url", "https://example.github.io/runbooks/")],
        );
        assert!(runner.run(), "{}", runner.log);
        runner
    };

    let runner = run(&[], "/runbooks");
    let site = PathBuf::from(runner.output("site-dir"));
    assert_eq!(
        home_in_sitemap(&site),
        "https://example.github.io/runbooks/"
    );
    let html = site.join("html").display().to_string();
    let used: Vec<(&str, Vec<(&str, &str)>)> = runner
        .used
        .iter()
        .map(|(a, w)| {
            (
                a.as_str(),
                w.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            )
        })
        .collect();
    assert_eq!(
        used,
        [
            ("actions/configure-pages", vec![]),
            (
                "actions/upload-pages-artifact",
                vec![("path", html.as_str())]
            ),
            ("actions/deploy-pages", vec![]),
        ]
    );
    assert_eq!(
        runner.output("page-url"),
        "https://example.github.io/runbooks/"
    );
    assert!(
        runner.log.contains("skipped: Publish the wiki\n"),
        "{}",
        runner.log
    );
    assert_eq!(setup.wiki_head(), None);

    // A user site or a custom domain: an empty base path serves at "/".
    let runner = run(&[], "");
    let site = PathBuf::from(runner.output("site-dir"));
    assert_eq!(home_in_sitemap(&site), "https://example.github.io/");

    // The inputs win over what Pages reports.
    let runner = run(
        &[
            ("site-url", "https://docs.example.com"),
            ("base-url", "/gt/"),
        ],
        "/runbooks",
    );
    let site = PathBuf::from(runner.output("site-dir"));
    assert_eq!(home_in_sitemap(&site), "https://docs.example.com/gt/");
}

/// A dry run with `pages: 'true'` builds the site Pages would get, and
/// neither deploys it nor pushes the wiki.
#[test]
fn a_dry_run_deploys_nothing_to_pages() {
    let setup = Setup::new();
    let mut runner = setup.runner(&[("pages", "true"), ("dry-run", "true")]);
    runner.stub(
        "actions/configure-pages",
        &[
            ("origin", "https://example.github.io"),
            ("base_path", "/runbooks"),
        ],
    );
    assert!(runner.run(), "{}", runner.log);
    let site = PathBuf::from(runner.output("site-dir"));
    assert_eq!(
        home_in_sitemap(&site),
        "https://example.github.io/runbooks/"
    );
    runner.assert_skipped(&[
        "Upload the site for GitHub Pages",
        "Deploy the site to GitHub Pages",
    ]);
    assert_eq!(runner.output("page-url"), "");
    assert!(runner.summary().contains("Dry run: commit"));
    assert_eq!(setup.wiki_head(), None);
}

/// A switch that is neither 'true' nor 'false' ('yes', 'True') stops the
/// action before it builds, rather than silently skipping a deployment.
#[test]
fn a_switch_that_is_not_true_or_false_stops_the_action() {
    let setup = Setup::new();
    for (input, value) in [("pages", "yes"), ("publish-wiki", "True")] {
        let mut runner = setup.runner(&[(input, value)]);
        assert!(!runner.run(), "{}", runner.log);
        assert!(
            runner.log.contains(&format!(
                "::error title=gtdocs::input {input}: '{value}' is neither 'true' nor 'false'"
            )),
            "{}",
            runner.log
        );
        assert!(
            !runner.log.contains("step: Build the site"),
            "{}",
            runner.log
        );
    }
    assert_eq!(setup.wiki_head(), None);
}
