//! The tree's boundary: every path gtdocs reads from a docs tree (the
//! config, the source folders, every runbook and theme file) stays inside
//! the tree, whatever symbolic links lie on the way; only regular files
//! are read (a FIFO is an error, never a hang); only the selected theme's
//! templates and static files are read, within a bound.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, copy_tree, snapshot, stderr};

/// A scratch area: `tree/` (a copy of the `themed` fixture: config,
/// runbooks and the selected theme `brand`) and `outside/` beside it.
struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let lab = Lab {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        copy_tree(&common::fixtures().join("themed"), &lab.tree());
        std::fs::create_dir_all(lab.outside()).expect("mkdir outside");
        lab
    }

    fn tree(&self) -> PathBuf {
        self.dir.path().join("tree")
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    /// Moves `tree/<rel>` to `<to>/<rel>` and leaves a symbolic link to it
    /// (to `target`, as written) in its place.
    fn move_and_link(&self, rel: &str, to: &Path, target: &Path) {
        let at = self.tree().join(rel);
        let moved = to.join(rel);
        std::fs::create_dir_all(moved.parent().expect("parent")).expect("mkdir");
        std::fs::rename(&at, &moved).expect("move");
        std::os::unix::fs::symlink(target, &at).expect("symlink");
    }

    /// `gtdocs <args> --root .` in the tree, killed (and failed) after 30 s.
    fn run(&self, args: &[&str]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
            .args(args)
            .args(["--root", "."])
            .current_dir(self.tree())
            .env("NO_COLOR", "1")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run gtdocs");
        let started = Instant::now();
        while child.try_wait().expect("try_wait").is_none() {
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                let o = child.wait_with_output().expect("wait");
                panic!(
                    "gtdocs {args:?} still ran after 30 s (it hangs); stderr:\n{}",
                    stderr(&o)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("output")
    }

    fn build(&self) -> Output {
        let site = self.site();
        self.run(&["build", "--out", site.to_str().expect("utf-8")])
    }
}

fn shown(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        common::stdout(o),
        stderr(o)
    )
}

/// Every source path of a tree (the config, each source folder, a theme
/// folder, a runbook and a theme file) replaced by a symbolic link to a
/// copy outside the tree, holding a secret: `check` and `build` refuse it
/// as `unsafe-link`, say which link, never show the secret, write nothing.
#[test]
fn every_source_path_linked_out_of_the_tree_is_refused() {
    for rel in [
        "gtdocs.yaml",
        "runbooks",
        "themes",
        "themes/brand",
        "themes/brand/static",
        "runbooks/alpha.yaml",
        "themes/brand/static/brand.css",
    ] {
        let lab = Lab::new();
        let secret = format!("SECRET-{}", rel.replace('/', "-"));
        let target = lab.outside().join(rel);
        lab.move_and_link(rel, &lab.outside(), &target);
        // The secret where it would show: the config's first line (shown
        // in a parse error), a runbook's summary, a static file published.
        if rel == "gtdocs.yaml" {
            std::fs::write(&target, format!("{secret}\n")).expect("write");
        } else {
            for entry in walkdir::WalkDir::new(&target) {
                let entry = entry.expect("walk");
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(path).expect("read");
                    let text = text.replacen("summary: ", &format!("summary: {secret} "), 1);
                    std::fs::write(path, text).expect("write");
                } else if path.extension().is_some_and(|e| e == "css") {
                    std::fs::write(path, format!("/* {secret} */\n")).expect("write");
                }
            }
        }
        for o in [lab.run(&["check"]), lab.build()] {
            let text = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{rel}: {}", shown(&o));
            assert!(
                text.contains(&format!(
                    "error[unsafe-link]: `{rel}` is a symbolic link to `{}`, outside the docs tree",
                    target.display()
                )),
                "{rel}: {}",
                shown(&o)
            );
            assert!(!text.contains(&secret), "{rel}: the secret shows: {text}");
            assert!(!common::stdout(&o).contains(&secret), "{rel}");
        }
        assert!(!lab.site().exists(), "{rel}: nothing is written");
    }
}

/// The same paths linked to a place inside the tree build exactly the
/// site of the plain tree: links that stay inside remain fine.
#[test]
fn source_paths_linked_inside_the_tree_build_the_same_site() {
    let plain = Lab::new();
    let o = plain.build();
    assert!(o.status.success(), "{}", shown(&o));
    let expected = snapshot(&plain.site());
    for rel in ["gtdocs.yaml", "runbooks", "themes", "runbooks/alpha.yaml"] {
        let lab = Lab::new();
        let sources = lab.tree().join("sources");
        let depth = rel.matches('/').count();
        let target = PathBuf::from("../".repeat(depth)).join("sources").join(rel);
        lab.move_and_link(rel, &sources, &target);
        let o = lab.run(&["check"]);
        assert!(o.status.success(), "{rel}: {}", shown(&o));
        let o = lab.build();
        assert!(o.status.success(), "{rel}: {}", shown(&o));
        assert!(
            snapshot(&lab.site()) == expected,
            "{rel}: the site differs from the plain tree's"
        );
    }
}

/// A named pipe named like a runbook, a runbook linked to one, and a
/// config that is one: an error each, at once (the read never waits for
/// a writer that never comes).
#[test]
fn special_files_named_like_sources_are_errors_not_hangs() {
    let mkfifo = |path: &Path| {
        let c = std::ffi::CString::new(path.to_str().expect("utf-8")).expect("c string");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
        assert_eq!(rc, 0, "mkfifo {}", path.display());
    };
    let lab = Lab::new();
    mkfifo(&lab.tree().join("runbooks/pipe.yaml"));
    mkfifo(&lab.tree().join("fifo"));
    std::os::unix::fs::symlink("../fifo", lab.tree().join("runbooks/linked.yaml"))
        .expect("symlink");
    let o = lab.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    for file in ["runbooks/pipe.yaml", "runbooks/linked.yaml"] {
        assert!(
            stderr(&o).contains(&format!(
                "error[not-a-file]: `{file}` is a named pipe (FIFO), not a regular file\n--> {file}\n"
            )),
            "{file}: {}",
            shown(&o)
        );
    }

    let lab = Lab::new();
    std::fs::remove_file(lab.tree().join("gtdocs.yaml")).expect("rm");
    mkfifo(&lab.tree().join("gtdocs.yaml"));
    let o = lab.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    assert!(
        stderr(&o).contains(
            "error[not-a-file]: `gtdocs.yaml` is a named pipe (FIFO), not a regular file"
        ),
        "{}",
        shown(&o)
    );
}

/// A file of `len` bytes that takes no room on disk.
fn sparse(path: &Path, len: u64) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::File::create(path)
        .expect("create")
        .set_len(len)
        .expect("set_len");
}

/// Only the selected theme's `templates/` and `static/` are read: a file
/// over the per-file limit in a theme the site does not use, or beside the
/// selected theme's folders, is never opened. The selected theme as a
/// whole is bounded (64 MiB).
#[test]
fn only_the_selected_theme_s_templates_and_static_files_are_read() {
    const MIB: u64 = 1024 * 1024;
    let lab = Lab::new();
    let themes = lab.tree().join("themes");
    sparse(&themes.join("unused/static/huge.bin"), 9 * MIB);
    sparse(&themes.join("unused/templates/base.html"), 9 * MIB);
    sparse(&themes.join("brand/design/huge.psd"), 9 * MIB);
    let o = lab.run(&["check"]);
    assert!(o.status.success(), "{}", shown(&o));
    let o = lab.build();
    assert!(o.status.success(), "{}", shown(&o));
    assert!(
        !lab.site().join("html/static/huge.bin").exists(),
        "a file of an unused theme is published"
    );

    // Nine files of 8 MiB (each within the per-file limit): 72 MiB.
    for i in 0..9 {
        sparse(&themes.join(format!("brand/static/big-{i}.bin")), 8 * MIB);
    }
    let o = lab.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    assert!(
        stderr(&o).contains(&format!(
            "error[theme-too-large]: theme `brand` holds more than {} bytes\n--> themes/brand\n",
            64 * MIB
        )),
        "{}",
        shown(&o)
    );
}

/// `gtdocs serve --port 0` in the lab's tree, killed when dropped.
struct Serving {
    child: std::process::Child,
    port: u16,
}

impl Serving {
    fn start(lab: &Lab) -> Serving {
        use std::io::BufRead as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_gtdocs"))
            .args(["serve", "--port", "0", "--root", "."])
            .current_dir(lab.tree())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run gtdocs serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let mut serving = Serving { child, port: 0 };
        let started = Instant::now();
        while serving.port == 0 {
            let left = Duration::from_secs(60).saturating_sub(started.elapsed());
            let line = rx
                .recv_timeout(left)
                .expect("`serving http://127.0.0.1:PORT/` within 60 s");
            if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
                serving.port = rest
                    .split('/')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("a port");
            }
        }
        serving
    }

    /// The whole response to `GET path`, as text.
    fn get(&self, path: &str) -> String {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("send");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `gtdocs serve` reads through the same boundary: with the theme folder
/// (holding the site's stylesheet) and the runbooks linked out of the
/// tree, nothing of theirs is served.
#[test]
fn serve_never_serves_what_a_link_out_of_the_tree_leads_to() {
    let lab = Lab::new();
    let secret = "SECRET-SERVED";
    for rel in ["themes", "runbooks"] {
        let target = lab.outside().join(rel);
        lab.move_and_link(rel, &lab.outside(), &target);
    }
    std::fs::write(
        lab.outside().join("themes/brand/static/brand.css"),
        format!("/* {secret} */\n"),
    )
    .expect("write");
    let alpha = lab.outside().join("runbooks/alpha.yaml");
    let text = std::fs::read_to_string(&alpha).expect("read");
    std::fs::write(
        &alpha,
        text.replacen("summary: ", &format!("summary: {secret} "), 1),
    )
    .expect("write");
    let server = Serving::start(&lab);
    for path in [
        "/docs/",
        "/docs/static/brand.css",
        "/docs/runbooks/alpha/",
        "/docs/runbooks/",
    ] {
        let response = server.get(path);
        assert!(
            response.starts_with("HTTP/1.1 "),
            "GET {path}: no answer: {response:?}"
        );
        assert!(
            !response.contains(secret),
            "GET {path} serves what a link out of the tree leads to:\n{response}"
        );
    }
}

/// `gtdocs new` writes where the loader reads, with the same check: never
/// through `runbooks` linked out of the tree, nor through a link at the new
/// file's own name (even one to nothing).
#[test]
fn new_never_writes_through_a_link_out_of_the_tree() {
    let lab = Lab::new();
    let target = lab.outside().join("runbooks");
    lab.move_and_link("runbooks", &lab.outside(), &target);
    let o = lab.run(&["new", "zzz"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    assert!(
        stderr(&o).contains(&format!(
            "error[unsafe-link]: `runbooks` is a symbolic link to `{}`, outside the docs tree",
            target.display()
        )),
        "{}",
        shown(&o)
    );
    assert!(
        !target.join("zzz.yaml").exists(),
        "written outside the tree"
    );

    let lab = Lab::new();
    let target = lab.outside().join("zzz.yaml");
    std::os::unix::fs::symlink(&target, lab.tree().join("runbooks/zzz.yaml")).expect("symlink");
    let o = lab.run(&["new", "zzz"]);
    assert_eq!(o.status.code(), Some(2), "{}", shown(&o));
    assert!(
        stderr(&o).contains("error: `runbooks/zzz.yaml` already exists"),
        "{}",
        shown(&o)
    );
    assert!(!target.exists(), "written outside the tree");
}

/// `runbooks` as a file is an error that says so (not "no runbooks" and a
/// hint to run `gtdocs new`), and `gtdocs new` says the same.
#[test]
fn runbooks_as_a_file_is_an_error_for_check_and_new() {
    let lab = Lab::new();
    let runbooks = lab.tree().join("runbooks");
    std::fs::remove_dir_all(&runbooks).expect("rm");
    std::fs::write(&runbooks, "not a folder\n").expect("write");
    for args in [&["check"][..], &["new", "zzz"]] {
        let o = lab.run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", shown(&o));
        let text = stderr(&o);
        assert!(
            text.contains("error[not-a-folder]: `runbooks` is a file, not a folder")
                && text.contains("rename or move that file"),
            "{args:?}: {}",
            shown(&o)
        );
        assert!(
            !text.contains("no-runbooks") && !text.contains("os error"),
            "{args:?}: {}",
            shown(&o)
        );
    }
    assert_eq!(
        std::fs::read_to_string(&runbooks).expect("read"),
        "not a folder\n"
    );
}

/// Each refusal's hint fits what was refused: an oversized config is not
/// "a runbook"; a theme folder linked out of the tree is a folder, and
/// that one error is not doubled by "no theme folder".
#[test]
fn refusals_of_the_config_and_a_theme_folder_have_their_own_hints() {
    let lab = Lab::new();
    let config = lab.tree().join("gtdocs.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str(&"# filler\n".repeat(120_000));
    std::fs::write(&config, text).expect("write");
    let o = lab.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    let text = stderr(&o);
    assert!(
        text.contains("error[file-too-large]")
            && text.contains("gtdocs.yaml holds the site settings and the catalog")
            && !text.contains("a runbook is"),
        "{}",
        shown(&o)
    );

    let lab = Lab::new();
    let target = lab.outside().join("themes/brand");
    lab.move_and_link("themes/brand", &lab.outside(), &target);
    let o = lab.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    let text = stderr(&o);
    assert_eq!(text.matches("error[").count(), 1, "{}", shown(&o));
    assert!(
        text.contains("error[unsafe-link]: `themes/brand`")
            && text.contains("copy the theme folder into the tree")
            && !text.contains("unknown-theme"),
        "{}",
        shown(&o)
    );
}

/// The family of links a hostile tree can hold, on every source path: a
/// relative link that climbs out, a link to an in-tree link that leads out
/// (a chain), a link to nothing, and a link to itself (a loop). Each is
/// `unsafe-link` for `check` and `build` alike: exit 1 at once, the secret
/// outside never shown, nothing written.
#[test]
fn every_shape_of_link_out_is_refused_on_every_source_path() {
    let paths = [
        "gtdocs.yaml",
        "runbooks",
        "themes",
        "themes/brand",
        "themes/brand/static",
        "runbooks/alpha.yaml",
        "themes/brand/static/brand.css",
    ];
    for rel in paths {
        let depth = rel.matches('/').count();
        let up = "../".repeat(depth);
        for shape in ["climbs-out", "chain", "dangling", "loop"] {
            let lab = Lab::new();
            let secret = "SECRET-OUTSIDE";
            let at = lab.tree().join(rel);
            // The real thing goes outside, its secret in every file.
            let moved = lab.outside().join(rel);
            std::fs::create_dir_all(moved.parent().expect("parent")).expect("mkdir");
            std::fs::rename(&at, &moved).expect("move");
            let files: Vec<PathBuf> = walkdir::WalkDir::new(&moved)
                .into_iter()
                .map(|e| e.expect("walk").into_path())
                .filter(|p| p.is_file())
                .collect();
            for file in files {
                std::fs::write(&file, format!("{secret}\n")).expect("write");
            }
            let target = match shape {
                "climbs-out" => PathBuf::from(format!("{up}../outside/{rel}")),
                "chain" => {
                    // An in-tree link `hop` to the folder beside the tree.
                    std::os::unix::fs::symlink("../outside", lab.tree().join("hop"))
                        .expect("symlink");
                    PathBuf::from(format!("{up}hop/{rel}"))
                }
                "dangling" => PathBuf::from("nowhere"),
                _ => PathBuf::from(at.file_name().expect("name")),
            };
            std::os::unix::fs::symlink(&target, &at).expect("symlink");
            for o in [lab.run(&["check"]), lab.build()] {
                let what = format!("{rel} ({shape})");
                assert_eq!(o.status.code(), Some(1), "{what}: {}", shown(&o));
                assert!(
                    stderr(&o).contains(&format!("error[unsafe-link]: `{rel}` is a symbolic link")),
                    "{what}: {}",
                    shown(&o)
                );
                assert!(
                    !stderr(&o).contains(secret) && !common::stdout(&o).contains(secret),
                    "{what}: the secret shows: {}",
                    shown(&o)
                );
            }
            assert!(!lab.site().exists(), "{rel} ({shape}): a site was written");
        }
    }
}
