//! The `git` command, run as a child process. Publishing and revision diffs
//! drive git itself rather than a library: every transport, credential
//! helper and server quirk then works as the user's own git does.
//!
//! Every run is non-interactive (`GIT_TERMINAL_PROMPT=0`), in the C locale,
//! and anything git prints is passed through [`Git::redact`] before it can
//! reach a message, so a token never shows in a log.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;

/// The environment variable that names the git program (default `git`).
pub const GIT_PROGRAM_ENV: &str = "GTDOCS_GIT";

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`git {command}` failed: {message}")]
    Failed {
        command: String,
        message: String,
        /// What git printed on stderr, redacted.
        stderr: String,
    },
}

impl GitError {
    /// What git said, for callers that explain known failures.
    pub fn stderr(&self) -> &str {
        match self {
            GitError::Spawn { .. } => "",
            GitError::Failed { stderr, .. } => stderr,
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        match self {
            GitError::Spawn { .. } => {
                Some("install git, or name the program with the GTDOCS_GIT environment variable")
            }
            GitError::Failed { .. } => None,
        }
    }
}

/// A git program bound to a working folder and an environment.
#[derive(Debug, Clone)]
pub struct Git {
    program: OsString,
    dir: PathBuf,
    env: Vec<(OsString, OsString)>,
    /// Text that must never be printed (a token, and its header value).
    secrets: Vec<String>,
}

impl Git {
    /// git in `dir`; the program comes from `GTDOCS_GIT`, else `git`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let program = std::env::var_os(GIT_PROGRAM_ENV)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "git".into());
        let env = [
            ("GIT_TERMINAL_PROMPT", "0"),
            ("GCM_INTERACTIVE", "never"),
            ("LC_ALL", "C"),
            ("LANGUAGE", "C"),
        ]
        .into_iter()
        // A stalled transfer fails after a minute instead of hanging a CI
        // job (unless the caller's environment already says otherwise).
        .chain(
            [
                ("GIT_HTTP_LOW_SPEED_LIMIT", "1000"),
                ("GIT_HTTP_LOW_SPEED_TIME", "60"),
            ]
            .into_iter()
            .filter(|(k, _)| std::env::var_os(k).is_none()),
        )
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        Git {
            program,
            dir: dir.into(),
            env,
            secrets: Vec::new(),
        }
    }

    /// The same program and settings in another folder.
    pub fn in_dir(&self, dir: impl Into<PathBuf>) -> Self {
        Git {
            dir: dir.into(),
            ..self.clone()
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sends `token` as an HTTP Authorization header to `url`'s origin
    /// only, the way `actions/checkout` does. The header is set through
    /// `GIT_CONFIG_COUNT` (git 2.31+), so it appears neither in the remote
    /// URL, nor in the command line, nor in `.git/config`. Settings already
    /// passed that way by the caller's environment are kept.
    pub fn with_token(mut self, url: &str, token: &str) -> Self {
        let Some(origin) = http_origin(url) else {
            return self;
        };
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        let header = format!("AUTHORIZATION: basic {basic}");
        let taken: usize = std::env::var("GIT_CONFIG_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        self.env.push((
            format!("GIT_CONFIG_KEY_{taken}").into(),
            format!("http.{origin}.extraheader").into(),
        ));
        self.env.push((
            format!("GIT_CONFIG_VALUE_{taken}").into(),
            header.clone().into(),
        ));
        self.env
            .push(("GIT_CONFIG_COUNT".into(), (taken + 1).to_string().into()));
        self.secrets.push(token.to_owned());
        self.secrets.push(basic);
        self
    }

    fn command(&self, args: &[&OsStr]) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs git and returns its output whatever the exit status.
    pub fn output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Output, GitError> {
        let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
        self.command(&args)
            .output()
            .map_err(|source| GitError::Spawn {
                program: self.program.to_string_lossy().into_owned(),
                source,
            })
    }

    /// Runs git; a non-zero exit is an error carrying git's own message.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Vec<u8>, GitError> {
        let output = self.output(args)?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(self.failure(args, &output))
        }
    }

    /// Runs git with its stdout handed to `read` as it comes, so a large
    /// output is never held whole. When `read` fails, git is stopped and
    /// that error returned (or git's own, if git failed first); when git
    /// fails, its error.
    pub fn stream<S, T, E>(
        &self,
        args: &[S],
        read: impl FnOnce(&mut dyn std::io::Read) -> Result<T, E>,
    ) -> Result<T, E>
    where
        S: AsRef<OsStr>,
        E: From<GitError>,
    {
        use std::io::Read as _;
        let spawn_error = |source| GitError::Spawn {
            program: self.program.to_string_lossy().into_owned(),
            source,
        };
        let os_args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
        let mut child = self
            .command(&os_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(spawn_error(std::io::Error::other("no pipe to git")).into());
        };
        // Drained on its own thread: git may fill the stderr pipe before it
        // is done with stdout. Only the start is kept, for the message.
        let said = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut stderr = stderr;
            let _ = stderr
                .by_ref()
                .take(MAX_STDERR_BYTES)
                .read_to_end(&mut kept);
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            kept
        });
        let result = read(&mut stdout);
        let mut ours = false;
        if result.is_err() && matches!(child.try_wait(), Ok(None)) {
            // Refused by `read`, not by git: git stops here.
            let _ = child.kill();
            ours = true;
        }
        drop(stdout);
        let status = child.wait().map_err(spawn_error)?;
        let stderr = said.join().unwrap_or_default();
        if status.success() || ours {
            return result;
        }
        let output = Output {
            status,
            stdout: Vec::new(),
            stderr,
        };
        Err(self.failure(args, &output).into())
    }

    /// Starts git with its stdin and stdout piped to the caller, its stderr
    /// discarded: a long-running `git cat-file --batch` answering one
    /// request after another. The caller closes stdin and waits for it.
    pub fn spawn_piped<S: AsRef<OsStr>>(
        &self,
        args: &[S],
    ) -> Result<std::process::Child, GitError> {
        let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
        self.command(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| GitError::Spawn {
                program: self.program.to_string_lossy().into_owned(),
                source,
            })
    }

    /// [`Git::run`], with stdout as trimmed text.
    pub fn text<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, GitError> {
        let out = self.run(args)?;
        Ok(String::from_utf8_lossy(&out).trim().to_owned())
    }

    /// The error for a run that failed: git's last `fatal:`/`error:` line
    /// (or its last line) as the message, redacted.
    pub fn failure<S: AsRef<OsStr>>(&self, args: &[S], output: &Output) -> GitError {
        let stderr = self.redact(&String::from_utf8_lossy(&output.stderr));
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut message = lines
            .iter()
            .rev()
            .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
            .or(lines.last())
            .map_or_else(
                || format!("exit status {}", output.status),
                |l| printable(l),
            );
        // Why the remote said no: a push's rejection reason (on stdout with
        // `--porcelain`) and the remote's own lines (a hook's message).
        let stdout = self.redact(&String::from_utf8_lossy(&output.stdout));
        let said: Vec<String> = stdout
            .lines()
            .filter_map(rejection)
            .chain(
                lines
                    .iter()
                    .filter(|l| l.starts_with("remote:") && l.len() > "remote:".len())
                    .map(|l| printable(l)),
            )
            .collect();
        for line in said.iter().take(MAX_REMOTE_LINES) {
            message.push_str("\n  ");
            message.push_str(line);
        }
        if said.len() > MAX_REMOTE_LINES {
            let _ = write!(
                message,
                "\n  ({} more lines)",
                said.len() - MAX_REMOTE_LINES
            );
        }
        GitError::Failed {
            command: subcommand(args),
            message,
            stderr,
        }
    }

    /// `text` with every secret and every URL password replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut text = redact_url_credentials(text);
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }
}

/// Most lines of what a remote said kept in an error (a hook may say a lot).
const MAX_REMOTE_LINES: usize = 20;
/// Most of a streaming run's stderr kept for its error message.
const MAX_STDERR_BYTES: u64 = 64 * 1024;
/// Longest line kept of what git or a remote said.
const MAX_LINE_CHARS: usize = 300;

/// A `git push --porcelain` line for a ref the remote refused
/// (`!<TAB>HEAD:refs/heads/master<TAB>[remote rejected] (pre-receive hook
/// declined)`), as `refs/heads/master: [remote rejected] (...)`.
fn rejection(line: &str) -> Option<String> {
    let mut fields = line.strip_prefix("!\t")?.split('\t');
    let refspec = fields.next()?;
    let reason = fields.next()?;
    let target = refspec.rsplit(':').next().unwrap_or(refspec);
    Some(printable(&format!("{target}: {reason}")))
}

/// A line as it may be shown: cut at [`MAX_LINE_CHARS`], and what no
/// terminal may show raw (a remote's terminal escapes, bidi overrides)
/// escaped.
fn printable(line: &str) -> String {
    let cut = crate::diagnostic::cut_chars(line, MAX_LINE_CHARS);
    crate::diagnostic::visible(&cut).into_owned()
}

/// The git subcommand of an argument list (`clone` of `-c k=v clone ...`).
fn subcommand<S: AsRef<OsStr>>(args: &[S]) -> String {
    let mut args = args.iter().map(|a| a.as_ref().to_string_lossy());
    while let Some(arg) = args.next() {
        match arg.as_ref() {
            "-c" | "-C" => {
                args.next();
            }
            a if a.starts_with('-') => {}
            a => return a.to_owned(),
        }
    }
    String::new()
}

/// `https://host[:port]/` of an http(s) URL, the scope of an extra header.
fn http_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then(|| format!("{}://{host}/", scheme.to_ascii_lowercase()))
}

/// Replaces the user-info part of every `scheme://user:pass@host` in `text`.
pub fn redact_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '\'' | '"'))
            .unwrap_or(after.len());
        match after[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&after[at..end]);
            }
            None => out.push_str(&after[..end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_http_urls_only() {
        assert_eq!(
            http_origin("https://github.com/o/r.wiki.git").as_deref(),
            Some("https://github.com/")
        );
        assert_eq!(
            http_origin("HTTP://u:p@127.0.0.1:8080/x").as_deref(),
            Some("http://127.0.0.1:8080/")
        );
        assert_eq!(http_origin("/srv/wiki.git"), None);
        assert_eq!(http_origin("ssh://git@github.com/o/r"), None);
    }

    /// A refused push: git's reason and the remote's lines are kept, at
    /// most 20 of them, with control and bidi characters escaped, redacted.
    #[cfg(unix)]
    #[test]
    fn a_failure_keeps_what_the_remote_said_bounded_and_printable() {
        use std::os::unix::process::ExitStatusExt as _;
        let mut stderr =
            String::from("remote: \x1b[31mfrozen\x1b[0m\u{202e} by https://u:pw@h.example/x\n");
        for i in 0..30 {
            stderr.push_str(&format!("remote: line {i}\n"));
        }
        stderr.push_str("error: failed to push some refs to '/srv/wiki.git'\n");
        let output = Output {
            status: std::process::ExitStatus::from_raw(256),
            stdout: b"To /srv/wiki.git\n!\tHEAD:refs/heads/master\t[remote rejected] (pre-receive hook declined)\nDone\n"
                .to_vec(),
            stderr: stderr.into_bytes(),
        };
        let GitError::Failed { message, .. } = Git::new(".").failure(&["push", "origin"], &output)
        else {
            panic!("not a failure");
        };
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(
            lines[0],
            "error: failed to push some refs to '/srv/wiki.git'"
        );
        assert_eq!(
            lines[1],
            "  refs/heads/master: [remote rejected] (pre-receive hook declined)"
        );
        assert_eq!(
            lines[2],
            "  remote: \\u{1b}[31mfrozen\\u{1b}[0m\\u{202e} by https://***@h.example/x"
        );
        assert_eq!(lines.len(), 1 + 20 + 1, "{message}");
        assert_eq!(lines[21], "  (12 more lines)");
    }

    #[test]
    fn credentials_in_urls_are_redacted() {
        assert_eq!(
            redact_url_credentials(
                "fatal: unable to access 'https://x-access-token:gtak_1@github.com/o/r.wiki.git/': 403"
            ),
            "fatal: unable to access 'https://***@github.com/o/r.wiki.git/': 403"
        );
        assert_eq!(redact_url_credentials("file:///srv/a"), "file:///srv/a");
    }
}
