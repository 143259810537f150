//! `gtdocs serve`, the live-preview server, from the outside: the real
//! binary on `--port 0` over a temporary copy of a tree, reached over raw
//! TCP (std::net::TcpStream) so that no HTTP client normalizes a path.
//! Every server is killed when its guard drops; every wait is bounded.
//!
//! - path traversal: 44 request targets that try to leave the site (dot
//!   segments, encoded and double-encoded, backslashes, NUL, overlong UTF-8,
//!   raw and escaped non-UTF-8, absolute-form, 10 KB paths, symlinks in a
//!   theme, two made while serving) are answered 400 or 404 (414/431 for
//!   10 KB) and carry no byte of a secret placed in the tree root, in /tmp,
//!   in gtdocs.yaml, in a runbook or /etc/passwd;
//! - every file of `gtdocs build` is served with its bytes (pages with the
//!   live.js tag just before `</body>`) and its Content-Type; 404 with the
//!   site's 404 page; 301 for a folder; HEAD; 405; the tree is untouched and
//!   stdout holds only the `serving` line;
//! - the same under `base_url: /docs/` with a theme;
//! - 50 held `wait` long-polls during 1,000 page requests, then all answered
//!   with the new epoch by one edit;
//! - a broken runbook (unknown id, bad YAML), config and theme template:
//!   status with the diagnostics of `gtdocs build --format json`, the last
//!   good pages served byte for byte; fixed: ok, epoch advanced;
//! - the watcher: gtdocs.yaml, runbooks/ and themes/ edits, added and
//!   removed runbooks, two saves within one second, atomic and vim-style
//!   saves, editor temp files ignored; with OS events and with `--poll`;
//! - one runbook edit re-renders fewer pages than the site has (printed),
//!   an edit of a caveat exactly one (each page is a unit keyed as a
//!   build's cache keys it), and the site it leaves is what a full build
//!   writes;
//! - `--port` in use: exit 2 and an `error:` naming the address; SIGINT:
//!   exit 0 within 1 s, with long-polls open;
//! - a `wait` with nothing changing answers within 30 s, same epoch;
//! - in Chromium (tests/browser/run.mjs --scenario serve): an edit reloads
//!   the page keeping the scroll position; a broken source shows
//!   `#gtdocs-overlay` naming file:line:column with the snippet, also on
//!   pages opened meanwhile; fixing it removes it; no console error;
//! - in Chromium (--scenario serve-tabs): with 8 tabs open (7 hidden), each
//!   new tab and a followed link load in < 5 s;
//! - bounds: 64 idle, 16 pipelining (never reading) and 8 long-poll-then-page
//!   connections leave a page request prompt; a head that never ends is cut
//!   off after 5 s; a 48 MiB header line gets 431 and no memory; 400 idle
//!   connections take no thread and their memory comes back; 200 long-polls
//!   are all answered (503 past the limit, the new epoch for the others);
//!   under file limits of 64 and 18 it still answers (and warns); a foreign
//!   Host gets 421; a `base_url` with markup is escaped in the live.js tag;
//!   under `base_url: /my%20docs/` and `/ü/` the printed URL, page links,
//!   status and wait answer, and a redirect's Location is ASCII;
//!   2,000 problems on one line leave a status under 1 MiB; SIGINT during a
//!   rebuild exits at once; a bad SOURCE_DATE_EPOCH is named.
//!
//! GTDOCS_SERVE_DEBUG=1 prints the server's stderr of the watcher tests.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;

use crate::common;

const BIN: &str = env!("CARGO_BIN_EXE_gtdocs");

/// How long any single rebuild may take to show (a debug build, two cores,
/// other tests running beside).
const REBUILD: Duration = Duration::from_secs(20);

// ===================================================================== HTTP

/// One HTTP response, as read off the socket.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    /// Header names lower-cased, in order.
    headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// For HEAD: any bytes that followed the header section (must be none).
    extra: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `type/subtype` of Content-Type, lower-cased.
    pub(crate) fn essence(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): status {}, body {:?}",
                self.status,
                self.text()
            )
        })
    }

    /// Status line and headers, for messages.
    fn head_text(&self) -> String {
        let mut s = format!("{}", self.status);
        for (k, v) in &self.headers {
            s.push_str(&format!("; {k}: {v}"));
        }
        s
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn other(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 65536];
    // A signal to this (multi-threaded, process-spawning) test binary may
    // interrupt the read: that is no answer from the server, so read again.
    let n = loop {
        match s.read(&mut chunk) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other?,
        }
    };
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Reads one response: Content-Length, chunked, or up to EOF.
fn read_response(s: &mut TcpStream, head: bool) -> io::Result<Resp> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return Err(other("a header section over 1 MiB"));
        }
        if read_more(s, &mut buf)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the connection closed after {} byte(s) without a complete response head: {:?}",
                    buf.len(),
                    String::from_utf8_lossy(&buf)
                ),
            ));
        }
    };
    let head_text = String::from_utf8_lossy(&buf[..end - 4]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status: u16 = parts
        .next()
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| other(format!("bad status line {status_line:?}")))?;
    if !version.starts_with("HTTP/1.") {
        return Err(other(format!("bad status line {status_line:?}")));
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut rest = buf[end..].to_vec();
    let mut extra = Vec::new();
    let body = if head || status / 100 == 1 || status == 204 || status == 304 {
        extra = rest;
        Vec::new()
    } else if get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        decode_chunked(s, rest)?
    } else if let Some(len) = get("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| other(format!("bad Content-Length {len:?}")))?;
        while rest.len() < len {
            if read_more(s, &mut rest)? == 0 {
                return Err(other(format!(
                    "the body ended after {} of {len} bytes (Content-Length)",
                    rest.len()
                )));
            }
        }
        rest.truncate(len);
        rest
    } else {
        while read_more(s, &mut rest)? > 0 {}
        rest
    };
    Ok(Resp {
        status,
        headers,
        body,
        extra,
    })
}

fn decode_chunked(s: &mut TcpStream, mut data: Vec<u8>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let line_end = loop {
            if let Some(i) = find(&data[pos..], b"\r\n") {
                break pos + i;
            }
            if read_more(s, &mut data)? == 0 {
                return Err(other("a chunked body ended early"));
            }
        };
        let size_text = String::from_utf8_lossy(&data[pos..line_end]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| other(format!("bad chunk size {size_text:?}")))?;
        pos = line_end + 2;
        if size == 0 {
            return Ok(out);
        }
        while data.len() < pos + size + 2 {
            if read_more(s, &mut data)? == 0 {
                return Err(other("a chunk ended early"));
            }
        }
        out.extend_from_slice(&data[pos..pos + size]);
        pos += size + 2;
    }
}

/// `METHOD target HTTP/1.1` with Host and `Connection: close`.
fn request_bytes(method: &str, target: &[u8], port: u16) -> Vec<u8> {
    let mut r = Vec::with_capacity(target.len() + 128);
    r.extend_from_slice(method.as_bytes());
    r.push(b' ');
    r.extend_from_slice(target);
    r.extend_from_slice(b" HTTP/1.1\r\n");
    r.extend_from_slice(format!("Host: 127.0.0.1:{port}\r\nConnection: close\r\n").as_bytes());
    if matches!(method, "POST" | "PUT" | "PATCH") {
        r.extend_from_slice(b"Content-Length: 0\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r
}

/// Sends `request` on a new connection and reads the answer. A write the
/// server cut short (it may answer a 10 KB target before reading it all) is
/// not an error as long as an answer can still be read.
fn exchange(port: u16, request: &[u8], head: bool, timeout: Duration) -> io::Result<Resp> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let written = s.write_all(request);
    match read_response(&mut s, head) {
        Ok(mut r) => {
            if head {
                // Nothing may follow a HEAD answer: read to the close.
                s.set_read_timeout(Some(Duration::from_secs(3)))?;
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
                r.extra.extend_from_slice(&rest);
            }
            Ok(r)
        }
        Err(e) => Err(match written {
            Err(w) => other(format!("write failed ({w}), then read failed ({e})")),
            Ok(()) => e,
        }),
    }
}

/// Opens a connection and sends a request on it, without reading.
fn send_only(port: u16, target: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(&request_bytes("GET", target.as_bytes(), port))
        .expect("send request");
    s
}

// =================================================================== server

/// A running `gtdocs serve`, killed on drop.
pub(crate) struct Server {
    child: Child,
    port: u16,
    /// The path of the printed URL: `site.base_url`.
    pub(crate) base: String,
    url: String,
    stdout_rest: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies lines of `r` into `sink`; the first one also to `first`.
fn drain(
    r: impl io::Read + Send + 'static,
    sink: Arc<Mutex<String>>,
    first: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut first = first;
        loop {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    if let Some(tx) = first.take() {
                        let _ = tx.send(String::new());
                    }
                    return;
                }
                Ok(_) => {
                    let line = String::from_utf8_lossy(&line).into_owned();
                    match first.take() {
                        Some(tx) => {
                            let _ = tx.send(line);
                        }
                        None => sink.lock().unwrap().push_str(&line),
                    }
                }
            }
        }
    });
}

fn serve_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

impl Server {
    /// `gtdocs serve -v --port 0 ARGS` in `dir`, once it printed its URL.
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Server {
        Self::start_within(dir, args, Duration::from_secs(60))
    }

    fn start_within(dir: &Path, args: &[&str], within: Duration) -> Server {
        Self::start_with(dir, args, within, |_| {})
    }

    /// `start_within`, with `adjust` applied to the command first.
    fn start_with(
        dir: &Path,
        args: &[&str],
        within: Duration,
        adjust: impl FnOnce(&mut Command),
    ) -> Server {
        let mut full = vec!["-v", "--port", "0"];
        full.extend_from_slice(args);
        Self::launch(dir, &full, within, adjust)
    }

    /// `gtdocs serve FULL` in `dir` (no `-v` or `--port` added), once it
    /// printed its URL.
    fn launch(
        dir: &Path,
        full: &[&str],
        within: Duration,
        adjust: impl FnOnce(&mut Command),
    ) -> Server {
        let mut cmd = serve_command(dir, full);
        adjust(&mut cmd);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
        let stdout_rest = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        drain(
            child.stdout.take().expect("stdout"),
            stdout_rest.clone(),
            Some(tx),
        );
        drain(child.stderr.take().expect("stderr"), stderr.clone(), None);
        let line = rx.recv_timeout(within).unwrap_or_default();
        let re = Regex::new(r"^serving (http://127\.0\.0\.1:(\d+)(/\S*))\n$").expect("regex");
        let Some(c) = re.captures(&line) else {
            let _ = child.kill();
            let status = child.wait().ok();
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "`gtdocs serve {}` in {} printed {line:?} as its first stdout line, not \
                 `serving http://127.0.0.1:PORT/BASE` (within {within:?}; exit {status:?}):\nstderr:\n{}",
                full.join(" "),
                dir.display(),
                stderr.lock().unwrap()
            );
        };
        let port: u16 = c[2].parse().expect("port");
        assert_ne!(port, 0, "--port 0 must print the real port: {line:?}");
        Server {
            child,
            port,
            base: c[3].to_string(),
            url: c[1].to_string(),
            stdout_rest,
            stderr,
        }
    }

    pub(crate) fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn try_request(&self, method: &str, target: &[u8]) -> io::Result<Resp> {
        exchange(
            self.port,
            &request_bytes(method, target, self.port),
            method == "HEAD",
            Duration::from_secs(20),
        )
    }

    fn request(&self, method: &str, target: &str) -> Resp {
        self.try_request(method, target.as_bytes())
            .unwrap_or_else(|e| {
                panic!(
                    "{method} {target}: {e}\nserver stderr:\n{}",
                    self.stderr_text()
                )
            })
    }

    /// GET of an absolute target (`/x`).
    pub(crate) fn get(&self, target: &str) -> Resp {
        self.request("GET", target)
    }

    /// GET of a path below the base (`runbooks/` → `/base/runbooks/`).
    pub(crate) fn page(&self, rel: &str) -> Resp {
        self.get(&format!("{}{rel}", self.base))
    }

    fn status(&self) -> Value {
        let r = self.page("__gtdocs/status");
        assert_eq!(
            r.status,
            200,
            "{}__gtdocs/status answered {}",
            self.base,
            r.head_text()
        );
        let v = r.json();
        check_status_shape(&v);
        v
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.status()["epoch"].as_u64().expect("epoch")
    }

    /// One `wait?epoch=N`, read with a client-side timeout: `None` if no
    /// answer came within it.
    fn wait_once(&self, epoch: u64, timeout: Duration) -> Option<Value> {
        let target = format!("{}__gtdocs/wait?epoch={epoch}", self.base);
        match exchange(
            self.port,
            &request_bytes("GET", target.as_bytes(), self.port),
            false,
            timeout,
        ) {
            Ok(r) => {
                assert_eq!(r.status, 200, "GET {target}: {}", r.head_text());
                assert_eq!(
                    r.essence(),
                    "application/json",
                    "GET {target}: {}",
                    r.head_text()
                );
                let v = r.json();
                assert!(
                    v["epoch"].is_u64() && v["ok"].is_boolean(),
                    "GET {target} answered {v}, not {{\"epoch\": N, \"ok\": bool}}"
                );
                Some(v)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("GET {target}: {e}\nserver stderr:\n{}", self.stderr_text()),
        }
    }

    /// Waits (long-polling) until the epoch is not `from`; `None` when no
    /// rebuild came within `within`.
    fn try_wait_change(&self, from: u64, within: Duration) -> Option<u64> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            if let Some(v) = self.wait_once(from, left.min(Duration::from_secs(35))) {
                let m = v["epoch"].as_u64().unwrap_or(from);
                if m != from {
                    return Some(m);
                }
            }
        }
    }

    /// Waits until no rebuild happened for `quiet`; returns the epoch.
    fn quiet(&self, quiet: Duration) -> u64 {
        let started = Instant::now();
        let mut current = self.epoch();
        while let Some(v) = self.wait_once(current, quiet) {
            current = v["epoch"].as_u64().expect("epoch");
            assert!(
                started.elapsed() < REBUILD,
                "the server keeps rebuilding (epoch {current})\nstderr:\n{}",
                self.stderr_text()
            );
        }
        current
    }

    /// Waits for a rebuild after `from`, then until no other follows for
    /// 800 ms. Returns the status then and how many rebuilds it took.
    pub(crate) fn settle(&self, from: u64) -> (Value, u64) {
        self.try_settle(from, REBUILD).unwrap_or_else(|| {
            panic!(
                "no rebuild within {REBUILD:?} (epoch still {from})\nserver stderr:\n{}",
                self.stderr_text()
            )
        })
    }

    /// `settle`, or `None` when no rebuild came within `within`.
    fn try_settle(&self, from: u64, within: Duration) -> Option<(Value, u64)> {
        let started = Instant::now();
        let mut current = self.try_wait_change(from, within)?;
        while let Some(v) = self.wait_once(current, Duration::from_millis(800)) {
            current = v["epoch"].as_u64().expect("epoch");
            assert!(
                started.elapsed() < REBUILD,
                "the server keeps rebuilding (epoch {current})\nstderr:\n{}",
                self.stderr_text()
            );
        }
        let status = self.status();
        assert_eq!(
            status["epoch"].as_u64(),
            Some(current),
            "status and wait disagree on the epoch"
        );
        Some((status, current.wrapping_sub(from)))
    }
}

/// `{"epoch": N, "ok": bool, "errors": E, "warnings": W, "diagnostics": [..]}`.
fn check_status_shape(v: &Value) {
    let ok = v["epoch"].is_u64()
        && v["ok"].is_boolean()
        && v["errors"].is_u64()
        && v["warnings"].is_u64()
        && v["diagnostics"].is_array();
    assert!(
        ok,
        "__gtdocs/status is not {{epoch, ok, errors, warnings, diagnostics}}: {v}"
    );
    // `file`, `line` and `column` may be null for a diagnostic with no
    // place (as in `gtdocs check`); whether they are where `gtdocs build`
    // has them is checked against its output.
    for d in v["diagnostics"].as_array().unwrap() {
        let ok = ["severity", "code", "message"]
            .iter()
            .all(|k| d[k].is_string())
            && ["file", "line", "column"]
                .iter()
                .all(|k| d.get(*k).is_some())
            && (d["file"].is_null() || d["file"].is_string())
            && (d["line"].is_null() || d["line"].is_u64())
            && (d["column"].is_null() || d["column"].is_u64())
            && (d["hint"].is_null() || d["hint"].is_string());
        assert!(
            ok,
            "a status diagnostic lacks severity/code/file/line/column/message: {d}"
        );
    }
}

// ==================================================================== trees

fn nonce() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", std::process::id(), t)
}

/// Replaces the one occurrence of `from` in the file.
pub(crate) fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert_eq!(
        text.matches(from).count(),
        1,
        "{} should hold {from:?} exactly once",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// The one line of `path` that starts with `prefix`.
fn line_starting(path: &Path, prefix: &str) -> (usize, String) {
    let text = std::fs::read_to_string(path).expect("read");
    let found: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{}: lines starting {prefix:?}",
        path.display()
    );
    (found[0].0 + 1, found[0].1.to_string())
}

/// `gtdocs build` of `root` into a temporary folder: (folder, html dir).
fn build_site(root: &Path) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().expect("tempdir");
    let o = common::gtdocs(
        root,
        &["build", "--out", out.path().to_str().expect("utf-8")],
    );
    assert!(
        o.status.success(),
        "gtdocs build failed:\n{}",
        common::stderr(&o)
    );
    let html = out.path().join("html");
    (out, html)
}

/// `gtdocs build --format json` in `root`: its diagnostics.
/// `gtdocs build --format json` of `root` (into a temporary folder): the
/// diagnostics of every report it prints (validation, then rendering, where
/// template errors show up; `gtdocs check` does not render).
fn check_diagnostics(root: &Path) -> Vec<Value> {
    let out = tempfile::tempdir().expect("tempdir");
    let o = common::gtdocs(
        root,
        &[
            "build",
            "--format",
            "json",
            "--out",
            out.path().to_str().expect("utf-8"),
        ],
    );
    let mut all = Vec::new();
    for v in serde_json::Deserializer::from_slice(&o.stdout).into_iter::<Value>() {
        let v = v.unwrap_or_else(|e| {
            panic!(
                "gtdocs build --format json printed no JSON ({e}):\n{}",
                common::stderr(&o)
            )
        });
        // The overlay shows problems: findings accepted on purpose
        // (`allow`) are listed by `check -v`, not there.
        let diagnostics = v["diagnostics"].as_array().cloned().unwrap_or_default();
        all.extend(
            diagnostics
                .into_iter()
                .filter(|d| d.get("accepted").is_none()),
        );
    }
    all
}

/// The fields of a diagnostic the status must carry, as in `gtdocs build --format json`.
fn diag_key(d: &Value) -> String {
    format!(
        "{} {} {}:{}:{}: {} (hint: {})",
        d["severity"].as_str().unwrap_or("?"),
        d["code"].as_str().unwrap_or("?"),
        d["file"].as_str().unwrap_or("?"),
        d["line"],
        d["column"],
        d["message"].as_str().unwrap_or("?"),
        d["hint"].as_str().unwrap_or("-"),
    )
}

/// The tag `gtdocs serve` adds to every page.
fn live_tag(base: &str) -> String {
    format!("<script src=\"{base}__gtdocs/live.js\"></script>")
}

/// Problems with a served page against the built one: the live.js tag
/// exactly once, just before `</body>`, and otherwise the same bytes
/// (whitespace around the tag aside). A tag with other attributes than the
/// contract's (`defer`, say) is matched too, and returned in `variant`.
fn page_problems(
    served: &[u8],
    built: &[u8],
    tag: &str,
    variant: &mut BTreeSet<String>,
) -> Option<String> {
    let s = String::from_utf8_lossy(served);
    let b = String::from_utf8_lossy(built);
    let src = tag.strip_suffix("\"></script>").expect("tag").to_string();
    let re = Regex::new(&format!("{}\"[^>]*></script>", regex::escape(&src))).expect("regex");
    let found: Vec<regex::Match> = re.find_iter(&s).collect();
    if found.len() != 1 {
        return Some(format!("holds {tag} {} times, not once", found.len()));
    }
    let tag = found[0].as_str();
    variant.insert(tag.to_string());
    let at = found[0].start();
    let before = s[..at].trim_end();
    let after = s[at + tag.len()..].trim_start();
    if !after.starts_with("</body>") {
        return Some(format!(
            "the live.js tag is not right before </body>: …{:?}",
            after.chars().take(60).collect::<String>()
        ));
    }
    let same = b.len() >= before.len() + after.len()
        && b.starts_with(before)
        && b.ends_with(after)
        && b[before.len()..b.len() - after.len()].trim().is_empty();
    if !same {
        let diff = served
            .iter()
            .zip(built)
            .position(|(x, y)| x != y)
            .unwrap_or(served.len().min(built.len()));
        let from = diff.saturating_sub(60);
        return Some(format!(
            "differs from the built file at byte {diff}:\n        served …{:?}\n        built  …{:?}",
            String::from_utf8_lossy(&served[from..(diff + 80).min(served.len())]),
            String::from_utf8_lossy(&built[from..(diff + 80).min(built.len())]),
        ));
    }
    None
}

/// The Content-Type (essence) a built file must be served with; and
/// whether `charset=utf-8` is required.
fn expected_type(rel: &str) -> (&'static [&'static str], bool) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "html" => (&["text/html"], true),
        "css" => (&["text/css"], false),
        "js" | "mjs" => (&["application/javascript"], false),
        "json" => (&["application/json"], false),
        "svg" => (&["image/svg+xml"], false),
        // The Atom feed of verdict changes (RFC 4287).
        "xml" if rel == "changes.xml" => (&["application/atom+xml"], false),
        "xml" => (&["application/xml"], false),
        // llms.txt, llms-full.txt and the pages' Markdown twins (render::llms).
        "txt" => (&["text/plain"], true),
        "md" => (&["text/markdown"], true),
        "wasm" => (&["application/wasm"], false),
        // Pagefind's gzipped WebAssembly: the contract lists
        // application/wasm; pagefind.js inflates it itself, so either works.
        "pagefind" if name.starts_with("wasm.") => {
            (&["application/wasm", "application/octet-stream"], false)
        }
        "pagefind" | "pf_meta" | "pf_index" | "pf_fragment" | "pf_filter" => {
            (&["application/octet-stream"], false)
        }
        _ => panic!("the build wrote {rel}: a file kind the serve test does not know"),
    }
}

/// Serves every file of a build of `root` and compares: status, type,
/// bytes. Returns the problems and the number of files.
fn compare_with_build(srv: &Server, root: &Path) -> (Vec<String>, usize) {
    let (problems, count, _) = compare_with_build_tags(srv, root);
    (problems, count)
}

/// `compare_with_build`, and the live.js tags seen that differ from the
/// contract's `<script src="BASE__gtdocs/live.js"></script>`.
fn compare_with_build_tags(srv: &Server, root: &Path) -> (Vec<String>, usize, BTreeSet<String>) {
    let (_out, html) = build_site(root);
    let files = common::snapshot(&html);
    let tag = live_tag(&srv.base);
    let mut problems = Vec::new();
    let mut types = BTreeMap::new();
    let mut variants = BTreeSet::new();
    for (rel, built) in &files {
        let mut targets = vec![format!("{}{rel}", srv.base)];
        if rel == "index.html" {
            targets.push(srv.base.clone());
        } else if let Some(dir) = rel.strip_suffix("/index.html") {
            targets.push(format!("{}{dir}/", srv.base));
        }
        for target in targets {
            let r = srv.get(&target);
            if r.status != 200 {
                problems.push(format!("GET {target}: {}", r.head_text()));
                continue;
            }
            let (wanted, charset) = expected_type(rel);
            let ct = r.header("content-type").unwrap_or("").to_ascii_lowercase();
            let has_charset = ct.replace(' ', "").contains(";charset=utf-8");
            if !wanted.contains(&r.essence().as_str()) || (charset && !has_charset) {
                problems.push(format!(
                    "GET {target}: Content-Type {ct:?}, expected {}{}",
                    wanted.join(" or "),
                    if charset { "; charset=utf-8" } else { "" }
                ));
            }
            types.insert(ct.clone(), rel.clone());
            if rel.ends_with(".html") {
                if let Some(p) = page_problems(&r.body, built, &tag, &mut variants) {
                    problems.push(format!("GET {target}: {p}"));
                }
            } else if &r.body != built {
                problems.push(format!(
                    "GET {target}: {} bytes, not the {} bytes `gtdocs build` writes",
                    r.body.len(),
                    built.len()
                ));
            }
        }
    }
    for (ct, rel) in &types {
        eprintln!("  {ct:<40} e.g. {rel}");
    }
    // The exact tag is checked by the one test that asks for it.
    variants.remove(&tag);
    if !variants.is_empty() {
        eprintln!("  pages carry {variants:?}, not `{tag}`");
    }
    (problems, files.len(), variants)
}

use common::assert_none;

/// The tree's files, but for `site/` (which must not appear at all).
fn tree_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    common::snapshot(root)
}

// ============================================================ 1. traversal

#[test]
fn path_traversal_never_leaves_the_site() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let n = nonce();

    // Secrets outside the site: in the tree root, in /tmp, in the sources.
    let root_secret = format!("SECRET-ROOT-{n}");
    std::fs::write(root.join("secret.txt"), &root_secret).expect("write");
    let tmp = tempfile::tempdir_in(std::env::temp_dir()).expect("tempdir");
    let tmp_secret = format!("SECRET-TMP-{n}");
    let tmp_file = tmp.path().join("secret.txt");
    std::fs::write(&tmp_file, &tmp_secret).expect("write");
    let config_secret = format!("SECRET-CONFIG-{n}");
    let config = root.join("gtdocs.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str(&format!("\n# {config_secret}\n"));
    std::fs::write(&config, text).expect("write");
    // The theme `evil`: one real file, and symlinks out of the tree.
    edit(&config, "  base_url: /\n", "  base_url: /\n  theme: evil\n");
    let runbook_secret = format!("SECRET-RUNBOOK-{n}");
    let librechat = root.join("runbooks/librechat.yaml");
    let mut text = std::fs::read_to_string(&librechat).expect("read");
    text.push_str(&format!("# {runbook_secret}\n"));
    std::fs::write(&librechat, text).expect("write");
    let theme = root.join("themes/evil");
    std::fs::create_dir_all(theme.join("static")).expect("mkdir");
    std::fs::create_dir_all(theme.join("templates")).expect("mkdir");
    std::fs::write(theme.join("static/evil.css"), "body { color: inherit; }\n").expect("write");
    let link = |target: &Path, at: &str| {
        std::os::unix::fs::symlink(target, theme.join(at)).expect("symlink");
    };
    // Links out of the tree make the build fail (`unsafe-link`, tested with
    // `gtdocs build`); links inside it are reported and never followed.
    link(&root.join("secret.txt"), "static/secret-link.txt");
    link(&root.join("secret.txt"), "templates/404.html");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let passwd_line = passwd.lines().next().unwrap_or("root:x:0:0:").to_string();
    let secrets = [
        root_secret.as_str(),
        tmp_secret.as_str(),
        config_secret.as_str(),
        runbook_secret.as_str(),
        passwd_line.as_str(),
    ];

    let srv = Server::start(root, &[]);
    assert_eq!(srv.base, "/");
    let home = srv.get("/");
    assert_eq!(home.status, 200, "GET /: {}", home.head_text());
    let css = srv.get("/static/evil.css");
    assert_eq!(
        css.status,
        200,
        "the theme `evil` is not in use: GET /static/evil.css {}",
        css.head_text()
    );

    let tmp_rel = tmp_file
        .to_str()
        .expect("utf-8")
        .trim_start_matches('/')
        .to_string();
    let long_dots = format!("/{}secret.txt", "../".repeat(3400));
    let long_encoded = format!("/{}secret.txt", "%2e%2e%2f".repeat(1140));
    let long_name = format!("/{}", "a".repeat(10 * 1024));
    let mut forms: Vec<(&str, Vec<u8>)> = vec![
        ("dot-dot", b"/../gtdocs.yaml".to_vec()),
        ("dot-dot to a root file", b"/../secret.txt".to_vec()),
        ("encoded slash", b"/..%2fgtdocs.yaml".to_vec()),
        ("encoded slash, upper case", b"/..%2Fsecret.txt".to_vec()),
        ("encoded dots", b"/%2e%2e/gtdocs.yaml".to_vec()),
        ("encoded dots and slash", b"/%2e%2e%2fsecret.txt".to_vec()),
        ("double-encoded dots", b"/%252e%252e/gtdocs.yaml".to_vec()),
        ("double-encoded slash", b"/..%252fsecret.txt".to_vec()),
        ("backslash", b"/..\\gtdocs.yaml".to_vec()),
        ("encoded backslashes", b"/%5c..%5cgtdocs.yaml".to_vec()),
        (
            "encoded backslashes below static",
            b"/static%5c..%5c..%5csecret.txt".to_vec(),
        ),
        ("double slash: /etc/passwd", b"//etc/passwd".to_vec()),
        (
            "double slash: the /tmp secret",
            format!("//{tmp_rel}").into_bytes(),
        ),
        (
            "12 x ../ to /tmp",
            format!("/{}{tmp_rel}", "../".repeat(12)).into_bytes(),
        ),
        (
            "12 x %2e%2e%2f to /etc/passwd",
            format!("/{}etc%2fpasswd", "%2e%2e%2f".repeat(12)).into_bytes(),
        ),
        ("in and out again", b"/static/../../gtdocs.yaml".to_vec()),
        (
            "in and out again, encoded",
            b"/static/..%2f..%2fsecret.txt".to_vec(),
        ),
        ("dot segment then dot-dot", b"/./../secret.txt".to_vec()),
        ("below __gtdocs", b"/__gtdocs/../../secret.txt".to_vec()),
        (
            "below __gtdocs, encoded",
            b"/__gtdocs/..%2f..%2fsecret.txt".to_vec(),
        ),
        ("NUL", b"/%00".to_vec()),
        ("NUL before an extension", b"/index.html%00.yaml".to_vec()),
        ("NUL in a dot-dot", b"/..%00/secret.txt".to_vec()),
        ("overlong UTF-8 dots", b"/%c0%ae%c0%ae/secret.txt".to_vec()),
        ("overlong UTF-8 slash", b"/..%c0%afsecret.txt".to_vec()),
        ("non-UTF-8 escapes", b"/%ff%fe".to_vec()),
        ("raw non-UTF-8 bytes", b"/\xff\xfe/../secret.txt".to_vec()),
        ("bad escape", b"/%zz".to_vec()),
        ("truncated escape", b"/%".to_vec()),
        ("absolute-form", b"http://127.0.0.1/../gtdocs.yaml".to_vec()),
        (
            "absolute-form, encoded",
            format!("http://127.0.0.1:{}/%2e%2e/secret.txt", srv.port).into_bytes(),
        ),
        ("absolute-form file:", b"file:///etc/passwd".to_vec()),
        ("10 KB of ../", long_dots.into_bytes()),
        ("10 KB of %2e%2e%2f", long_encoded.into_bytes()),
        ("10 KB name", long_name.into_bytes()),
        ("theme symlink to /etc/passwd", b"/static/passwd".to_vec()),
        (
            "theme symlink to a root file",
            b"/static/secret-link.txt".to_vec(),
        ),
        ("theme symlink to /tmp", b"/static/tmp-link.txt".to_vec()),
        ("theme symlink to a folder", b"/static/etc/passwd".to_vec()),
        ("the config itself", b"/gtdocs.yaml".to_vec()),
        ("a runbook source", b"/runbooks/librechat.yaml".to_vec()),
        (
            "a runbook source, dot-dot",
            b"/../runbooks/librechat.yaml".to_vec(),
        ),
    ];

    let mut problems = Vec::new();
    let mut table = Vec::new();
    let mut probe = |name: &str, target: &[u8], problems: &mut Vec<String>| {
        let shown = String::from_utf8_lossy(&target[..target.len().min(60)]).into_owned();
        let long = target.len() > 8000;
        match srv.try_request("GET", target) {
            // Raw bytes that are not UTF-8 in the request line: tiny_http
            // does not parse the request and closes the connection without
            // an answer, which serves nothing; that is a refusal too.
            Err(e)
                if target.iter().any(|b| !b.is_ascii())
                    && e.to_string().contains("closed after 0 byte") =>
            {
                table.push(format!("  ---  {name} (connection closed, nothing served)"));
            }
            Err(e) => problems.push(format!("{name} ({shown:?}): no answer: {e}")),
            Ok(r) => {
                table.push(format!("  {:>3}  {name}", r.status));
                let allowed: &[u16] = if long {
                    &[400, 404, 414, 431]
                } else {
                    &[400, 404]
                };
                if !allowed.contains(&r.status) {
                    problems.push(format!(
                        "{name} ({shown:?}): {}, expected {allowed:?}",
                        r.head_text()
                    ));
                }
                let all = format!("{}\n{}", r.head_text(), r.text());
                for s in &secrets {
                    if all.contains(s) {
                        problems.push(format!(
                            "{name} ({shown:?}): the answer holds the secret {s:?} ({})",
                            r.head_text()
                        ));
                    }
                }
            }
        }
    };
    for (name, target) in &forms {
        probe(name, target, &mut problems);
    }

    // Symlinks that appear while serving, and a real file turned symlink.
    // The removal of evil.css is a change of the theme: it must rebuild
    // (and then no longer serve evil.css).
    let epoch = srv.epoch();
    link(&root.join("secret.txt"), "static/late-link.txt");
    std::fs::remove_file(theme.join("static/evil.css")).expect("rm");
    link(&root.join("secret.txt"), "static/evil.css");
    if srv.wait_once(epoch, Duration::from_secs(4)).is_none() {
        problems.push(
            "replacing themes/evil/static/evil.css by a symlink (and adding one) caused no \
             rebuild within 4 s: the removed file stays served"
                .into(),
        );
    }
    // Whatever the watcher made of it, after the theme is read again the
    // symlinks must not be served: a real theme file changes.
    let epoch = srv.epoch();
    std::fs::write(theme.join("static/touch.css"), "p { margin: 0; }\n").expect("write");
    let (status, _) = srv.settle(epoch);
    eprintln!("after adding symlinks to the theme: ok {}", status["ok"]);
    forms.clear();
    for (name, target) in [
        ("a symlink added while serving", "/static/late-link.txt"),
        ("a theme file replaced by a symlink", "/static/evil.css"),
    ] {
        probe(name, target.as_bytes(), &mut problems);
    }

    // Still serving.
    let home = srv.get("/");
    if home.status != 200 {
        problems.push(format!(
            "after all that, GET / answers {}",
            home.head_text()
        ));
    }
    eprintln!("path traversal: status per request\n{}", table.join("\n"));
    assert_none("path traversal", &problems);
    assert!(!root.join("site").exists(), "gtdocs serve wrote site/");
}

// ================================================ 2. types, codes, methods

#[test]
fn serves_the_built_files_with_their_types_and_status_codes() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let before = tree_files(root);
    let srv = Server::start(root, &["--bind", "127.0.0.1"]);
    assert_eq!(srv.base, "/", "the bundled base_url is /");
    let mut problems = Vec::new();

    // Every file of `gtdocs build`, with its bytes and type.
    let (mut p, count, variants) = compare_with_build_tags(&srv, root);
    problems.append(&mut p);
    eprintln!("compared {count} files with `gtdocs build`");
    for v in variants {
        problems.push(format!(
            "pages carry `{v}`, not `{}` as the contract says",
            live_tag(&srv.base)
        ));
    }

    // index.html by name; a query string is not part of the path.
    let page = srv.get("/runbooks/librechat/");
    for alias in ["/runbooks/librechat/index.html", "/runbooks/librechat/?x=1"] {
        let r = srv.get(alias);
        if r.status != 200 || r.body != page.body {
            problems.push(format!(
                "GET {alias}: {} (not the page of /runbooks/librechat/)",
                r.head_text()
            ));
        }
    }
    let r = srv.get("/static/style.css?v=2");
    if r.status != 200 || r.essence() != "text/css" {
        problems.push(format!("GET /static/style.css?v=2: {}", r.head_text()));
    }

    // A folder without its slash: 301 to the slash.
    for (target, to) in [
        ("/runbooks", "/runbooks/"),
        ("/runbooks/librechat", "/runbooks/librechat/"),
        ("/routes", "/routes/"),
    ] {
        let r = srv.get(target);
        let location = r.header("location").unwrap_or("");
        let ok = r.status == 301
            && (location == to || location == format!("{}{}", srv.url.trim_end_matches('/'), to));
        if !ok {
            problems.push(format!(
                "GET {target}: {}, expected 301 to {to}",
                r.head_text()
            ));
        }
    }

    // Missing: 404 with the site's 404 page.
    let not_found_page = srv.get("/404.html");
    assert_eq!(
        not_found_page.status,
        200,
        "GET /404.html: {}",
        not_found_page.head_text()
    );
    for target in [
        "/nope/",
        "/nope",
        "/runbooks/nope/",
        "/static/nope.css",
        "/__gtdocs/nope",
    ] {
        let r = srv.get(target);
        if r.status != 404 || r.essence() != "text/html" || r.body != not_found_page.body {
            problems.push(format!(
                "GET {target}: {} ({} bytes), expected 404 with the 404.html body ({} bytes)",
                r.head_text(),
                r.body.len(),
                not_found_page.body.len()
            ));
        }
    }

    // HEAD: GET's status and headers, no body.
    for target in [
        "/",
        "/static/style.css",
        "/runbooks/librechat/",
        "/__gtdocs/live.js",
        "/nope/",
        "/runbooks",
    ] {
        let g = srv.get(target);
        let h = srv.request("HEAD", target);
        let len_ok = match h.header("content-length") {
            Some(l) => l.parse::<usize>().ok() == Some(g.body.len()),
            None => true,
        };
        if h.status != g.status
            || h.header("content-type") != g.header("content-type")
            || !len_ok
            || !h.extra.is_empty()
        {
            problems.push(format!(
                "HEAD {target}: {} and {} byte(s) of body, but GET: {} with {} bytes",
                h.head_text(),
                h.extra.len(),
                g.head_text(),
                g.body.len()
            ));
        }
    }

    // Any other method: 405.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"] {
        for target in ["/", "/runbooks/librechat/", "/__gtdocs/status", "/nope/"] {
            let r = srv.request(method, target);
            if r.status != 405 {
                problems.push(format!(
                    "{method} {target}: {}, expected 405",
                    r.head_text()
                ));
            } else if r.header("allow").is_none() && method == "POST" && target == "/" {
                eprintln!("note: 405 without an Allow header (RFC 9110 §15.5.6 wants one)");
            }
        }
    }
    // Also on the long-poll: answered at once, not parked.
    let wait = format!("/__gtdocs/wait?epoch={}", srv.epoch());
    for method in ["POST", "PUT", "DELETE"] {
        let t = Instant::now();
        match exchange(
            srv.port,
            &request_bytes(method, wait.as_bytes(), srv.port),
            false,
            Duration::from_secs(5),
        ) {
            Ok(r) if r.status == 405 => {}
            Ok(r) => problems.push(format!("{method} {wait}: {}, expected 405", r.head_text())),
            Err(e) => problems.push(format!(
                "{method} {wait}: no answer within {:?} ({e}): parked as a long-poll, not 405",
                t.elapsed()
            )),
        }
    }

    // The live-preview endpoints.
    let js = srv.get("/__gtdocs/live.js");
    if js.status != 200 || js.essence() != "application/javascript" || js.body.len() < 100 {
        problems.push(format!(
            "GET /__gtdocs/live.js: {} ({} bytes)",
            js.head_text(),
            js.body.len()
        ));
    }
    let st = srv.get("/__gtdocs/status");
    if st.status != 200 || st.essence() != "application/json" {
        problems.push(format!("GET /__gtdocs/status: {}", st.head_text()));
    }
    let status = st.json();
    check_status_shape(&status);
    if status["ok"] != true
        || status["errors"] != 0
        || !status["diagnostics"].as_array().unwrap().is_empty()
    {
        problems.push(format!("the bundled tree serves with status {status}"));
    }
    // A wait on an epoch other than the current one answers at once.
    let epoch = status["epoch"].as_u64().unwrap();
    let started = Instant::now();
    match srv.wait_once(epoch + 7, Duration::from_secs(5)) {
        Some(v) if v["epoch"].as_u64() == Some(epoch) && v["ok"] == true => {}
        other => problems.push(format!(
            "wait?epoch={} with the epoch at {epoch} answered {other:?} after {:?}",
            epoch + 7,
            started.elapsed()
        )),
    }
    let headers = srv.get("/runbooks/librechat/").head_text();
    eprintln!("a page's response head: {headers}");

    // Nothing written into the tree, one line on stdout.
    let after = tree_files(root);
    if before != after {
        let changed: Vec<_> = after
            .keys()
            .chain(before.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        problems.push(format!("gtdocs serve changed the tree: {changed:?}"));
    }
    let rest = srv.stdout_rest.lock().unwrap().clone();
    if !rest.is_empty() {
        problems.push(format!(
            "stdout holds more than the one `serving` line: {rest:?}"
        ));
    }
    assert_none("gtdocs serve: files, types and codes", &problems);
}

#[test]
fn serves_under_a_docs_base_url_with_a_theme() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("themed");
    common::copy_tree(&common::fixtures().join("themed"), &root);
    std::fs::write(tmp.path().join("secret.txt"), "SECRET-PARENT").expect("write");
    let srv = Server::start(&root, &[]);
    assert_eq!(
        srv.base, "/docs/",
        "the themed fixture's base_url is /docs/: {}",
        srv.url
    );
    let mut problems = Vec::new();
    let (mut p, count) = compare_with_build(&srv, &root);
    problems.append(&mut p);
    eprintln!("compared {count} files of the themed fixture with `gtdocs build`");
    let home = srv.get("/docs/");
    if !home
        .text()
        .contains("<script src=\"/docs/__gtdocs/live.js\"")
    {
        problems.push("GET /docs/ lacks the live.js tag with the /docs/ base".into());
    }
    let r = srv.get("/docs");
    let location = r.header("location").unwrap_or("");
    if r.status != 301 || !location.ends_with("/docs/") {
        problems.push(format!(
            "GET /docs: {}, expected 301 to /docs/",
            r.head_text()
        ));
    }
    for target in [
        "/docs/__gtdocs/status",
        "/docs/__gtdocs/live.js",
        "/docs/static/brand.css",
    ] {
        let r = srv.get(target);
        if r.status != 200 {
            problems.push(format!("GET {target}: {}", r.head_text()));
        }
    }
    for target in [
        "/__gtdocs/status",
        "/runbooks/",
        "/docs/../secret.txt",
        "/docs/..%2fsecret.txt",
        "/docs/%2e%2e/%2e%2e/secret.txt",
        "/docs/../themed/gtdocs.yaml",
        "/docs/../../secret.txt",
    ] {
        let r = srv.get(target);
        if !matches!(r.status, 400 | 404)
            || r.text().contains("SECRET-PARENT")
            || r.text().contains("page_prefix")
        {
            problems.push(format!(
                "GET {target}: {}, expected 400 or 404",
                r.head_text()
            ));
        }
    }
    assert_none("gtdocs serve under /docs/", &problems);
    assert!(!root.join("site").exists(), "gtdocs serve wrote site/");
}

// ==================================================================== 3. load

#[test]
fn fifty_long_polls_during_a_thousand_requests_then_one_rebuild_answers_all() {
    let started = Instant::now();
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let epoch = srv.epoch();

    // The pages and files to fetch, with their bodies now.
    let (_out, html) = build_site(root);
    let targets: Vec<String> = common::snapshot(&html)
        .keys()
        .map(|rel| match rel.strip_suffix("index.html") {
            Some(dir) => format!("/{dir}"),
            None => format!("/{rel}"),
        })
        .collect();
    let expected: BTreeMap<String, Vec<u8>> = targets
        .iter()
        .map(|t| {
            let r = srv.get(t);
            assert_eq!(r.status, 200, "GET {t}: {}", r.head_text());
            (t.clone(), r.body)
        })
        .collect();

    // 50 held long-polls.
    let wait_target = format!("/__gtdocs/wait?epoch={epoch}");
    let mut waiters: Vec<TcpStream> = (0..50).map(|_| send_only(srv.port, &wait_target)).collect();

    // 1,000 requests on 4 threads.
    let t = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let targets = &targets;
                let expected = &expected;
                let srv = &srv;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for i in 0..250 {
                        let target = &targets[(k * 250 + i) % targets.len()];
                        match srv.try_request("GET", target.as_bytes()) {
                            Ok(r) if r.status == 200 && r.body == expected[target] => {}
                            Ok(r) => failures.push(format!(
                                "GET {target}: {} ({} bytes)",
                                r.head_text(),
                                r.body.len()
                            )),
                            Err(e) => failures.push(format!("GET {target}: {e}")),
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let pages_took = t.elapsed();
    eprintln!(
        "1,000 requests with 50 long-polls held: {:.2}s ({:.0} requests/s)",
        pages_took.as_secs_f64(),
        1000.0 / pages_took.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of 1,000 requests failed with 50 long-polls open; first ones:\n  {}\nstderr:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  "),
        srv.stderr_text()
    );
    assert!(
        pages_took < Duration::from_secs(20),
        "1,000 requests took {pages_took:?} (the long-polls time out at 30 s)"
    );

    // No waiter answered yet.
    let mut early = Vec::new();
    for (i, w) in waiters.iter().enumerate() {
        w.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        match w.peek(&mut b) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Ok(0) => early.push(format!("waiter {i}: closed")),
            Ok(_) => early.push(format!("waiter {i}: answered")),
            Err(e) => early.push(format!("waiter {i}: {e}")),
        }
        w.set_nonblocking(false).unwrap();
    }
    assert!(
        early.is_empty(),
        "with nothing changed, long-polls ended: {early:?}"
    );

    // One edit answers them all with the new epoch.
    let file = root.join("runbooks/librechat.yaml");
    let (_, line) = line_starting(&file, "summary: ");
    let text = std::fs::read_to_string(&file).unwrap();
    let t = Instant::now();
    std::fs::write(
        &file,
        text.replacen(&line, "summary: Load test edit, answered to all.", 1),
    )
    .unwrap();
    let mut epochs = BTreeSet::new();
    let mut slowest = Duration::ZERO;
    let mut problems = Vec::new();
    for (i, w) in waiters.iter_mut().enumerate() {
        let left = (t + REBUILD)
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        w.set_read_timeout(Some(left)).unwrap();
        match read_response(w, false) {
            Ok(r) if r.status == 200 => {
                let v = r.json();
                let m = v["epoch"].as_u64();
                if m == Some(epoch) || m.is_none() || v["ok"] != true {
                    problems.push(format!("waiter {i}: {v}"));
                }
                epochs.insert(m);
                slowest = slowest.max(t.elapsed());
            }
            Ok(r) => problems.push(format!("waiter {i}: {}", r.head_text())),
            Err(e) => problems.push(format!("waiter {i}: {e}")),
        }
    }
    eprintln!(
        "one edit answered all 50 long-polls within {:.0} ms (epochs {epochs:?}); test took {:.1}s",
        slowest.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64()
    );
    assert_none("50 long-polls after one edit", &problems);
    let page = srv.get("/runbooks/librechat/");
    assert!(
        page.text().contains("Load test edit, answered to all."),
        "the edit is not served"
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "the load test took {:?}",
        started.elapsed()
    );
}

/// Requests that arrive while rebuilds swap the site in get the old or the
/// new page, whole: never an error, a 404 or a mix.
#[test]
fn requests_during_rebuilds_get_a_whole_page() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let file = root.join("runbooks/librechat.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let (_, summary) = line_starting(&file, "summary: ");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let rounds = 10;
    let (count, failures) = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut count = 0;
                    let mut failures = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        for target in ["/runbooks/librechat/", "/", "/runbooks/"] {
                            count += 1;
                            match srv.try_request("GET", target.as_bytes()) {
                                Ok(r) => {
                                    let text = r.text();
                                    let whole = text.trim_end().ends_with("</html>");
                                    let versioned = target != "/runbooks/librechat/"
                                        || text.contains("Point LibreChat")
                                        || text.contains("Rebuild round ");
                                    if r.status != 200 || !whole || !versioned {
                                        failures.push(format!(
                                            "GET {target}: {} ({} bytes, whole {whole})",
                                            r.head_text(),
                                            r.body.len()
                                        ));
                                    }
                                }
                                Err(e) => failures.push(format!("GET {target}: {e}")),
                            }
                        }
                    }
                    (count, failures)
                })
            })
            .collect();
        for round in 0..rounds {
            let epoch = srv.epoch();
            std::fs::write(
                &file,
                original.replacen(&summary, &format!("summary: Rebuild round {round}."), 1),
            )
            .unwrap();
            srv.try_wait_change(epoch, REBUILD).unwrap_or_else(|| {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                panic!("round {round}: no rebuild\nstderr:\n{}", srv.stderr_text())
            });
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        readers.into_iter().map(|h| h.join().unwrap()).fold(
            (0, Vec::new()),
            |(n, mut f), (c, mut g)| {
                f.append(&mut g);
                (n + c, f)
            },
        )
    });
    eprintln!(
        "{count} requests during {rounds} rebuilds, {} failed",
        failures.len()
    );
    assert_none("requests during rebuilds", &failures);
    assert!(
        count > rounds,
        "too few requests during the rebuilds: {count}"
    );
}

// ================================================================== 4. errors

/// Breaks `file` with `broken`, checks the status against `gtdocs build`
/// and that `pages` are still served as they were, then restores it.
fn broken_then_fixed(srv: &Server, root: &Path, file: &str, from: &str, to: &str, pages: &[&str]) {
    let path = root.join(file);
    let good_text = std::fs::read_to_string(&path).expect("read");
    let good: Vec<Resp> = pages.iter().map(|p| srv.page(p)).collect();
    let epoch = srv.epoch();

    edit(&path, from, to);
    let (status, rebuilds) = srv.settle(epoch);
    let expected = check_diagnostics(root);
    assert!(
        !expected.is_empty(),
        "the edit {from:?} → {to:?} of {file} does not fail `gtdocs build`"
    );
    let mut problems = Vec::new();
    if status["ok"] != false {
        problems.push(format!("with {file} broken, status.ok is {}", status["ok"]));
    }
    let errors = expected.iter().filter(|d| d["severity"] == "error").count();
    if status["errors"].as_u64() != Some(errors as u64) {
        problems.push(format!(
            "status.errors {} but `gtdocs build` finds {errors}",
            status["errors"]
        ));
    }
    let got: Vec<String> = status["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(diag_key)
        .collect();
    let want: Vec<String> = expected.iter().map(diag_key).collect();
    if got != want {
        problems.push(format!(
            "status diagnostics differ from `gtdocs build --format json`:\n      status: {got:#?}\n      check:  {want:#?}"
        ));
    }
    if !got.iter().any(|d| d.contains(&format!(" {file}:"))) {
        problems.push(format!("no status diagnostic names {file}: {got:?}"));
    }
    for (p, before) in pages.iter().zip(&good) {
        let now = srv.page(p);
        if now.status != before.status || now.body != before.body {
            problems.push(format!(
                "while {file} is broken, {p} is not the last good page ({}, {} bytes, was {} bytes)",
                now.head_text(),
                now.body.len(),
                before.body.len()
            ));
        }
    }
    let broken_epoch = status["epoch"].as_u64().unwrap();
    eprintln!(
        "{file} broken: epoch {epoch} → {broken_epoch} ({rebuilds} rebuild(s)); {}",
        got.join("; ")
    );

    std::fs::write(&path, good_text).expect("write");
    let (status, _) = srv.settle(broken_epoch);
    if status["ok"] != true
        || status["errors"] != 0
        || !status["diagnostics"].as_array().unwrap().is_empty()
    {
        problems.push(format!("after fixing {file}: {status}"));
    }
    if status["epoch"].as_u64().unwrap() <= broken_epoch {
        problems.push(format!("fixing {file} did not advance the epoch: {status}"));
    }
    for (p, before) in pages.iter().zip(&good) {
        let now = srv.page(p);
        if now.status != 200 || now.body != before.body {
            problems.push(format!(
                "after fixing {file}, {p} is not as before ({})",
                now.head_text()
            ));
        }
    }
    assert_none(&format!("a broken {file}"), &problems);
}

#[test]
fn a_broken_source_keeps_the_last_good_site_and_reports_like_check() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let pages = [
        "",
        "runbooks/librechat/",
        "runbooks/",
        "routes/post-v1-chat-completions/",
    ];
    // An unknown category: runbooks/librechat.yaml:6:11.
    broken_then_fixed(
        &srv,
        root,
        "runbooks/librechat.yaml",
        "category: workflow-builders",
        "category: no-such-category",
        &pages,
    );
    // YAML that does not parse.
    broken_then_fixed(
        &srv,
        root,
        "runbooks/librechat.yaml",
        "\nweight: 80\n",
        "\nweight: [80\n",
        &pages,
    );
    // The config.
    broken_then_fixed(
        &srv,
        root,
        "gtdocs.yaml",
        "  base_url: /\n",
        "  base_url: /\n  colour: blue\n",
        &pages,
    );
}

#[test]
fn a_broken_theme_template_keeps_the_last_good_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("themed");
    common::copy_tree(&common::fixtures().join("themed"), &root);
    let srv = Server::start(&root, &[]);
    broken_then_fixed(
        &srv,
        &root,
        "themes/brand/templates/runbook.html",
        "· Brand docs{% endblock %}",
        "· Brand docs{% endblok %}",
        &["", "runbooks/alpha/"],
    );
}

/// Before any good build the server answers with a placeholder page that
/// says so, and live.js's overlay then promises no last good build.
#[test]
fn a_first_build_that_fails_serves_a_placeholder_that_promises_no_last_good_build() {
    let tree = common::bundled_copy();
    let root = tree.path();
    std::fs::write(root.join("runbooks/zz-broken.yaml"), "title: [\n").expect("write");
    let srv = Server::start(root, &[]);
    let r = srv.page("");
    assert_eq!(r.status, 503, "{}", r.head_text());
    let body = r.text();
    assert!(
        body.contains("<meta name=\"gtdocs-build\" content=\"none\">")
            && body.contains("No good build yet")
            && body.contains("__gtdocs/live.js"),
        "{body}"
    );
    let js = srv.get("/__gtdocs/live.js").text();
    assert!(
        js.contains("meta[name=\"gtdocs-build\"][content=\"none\"]")
            && js.contains("No good build yet: fix the source and the site appears."),
        "live.js does not tell the placeholder apart"
    );
}

/// The terminal tells a failure and the build that ends it without `-v`,
/// and never promises a last good site when no build has made one.
#[test]
fn the_terminal_says_when_a_failure_ends_and_whether_a_good_site_is_served() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let broken = root.join("runbooks/zz-broken.yaml");
    std::fs::write(&broken, "title: [\n").expect("write");
    let srv = Server::launch(root, &["--port", "0"], Duration::from_secs(60), |_| {});
    let wait_for = |text: &str, count: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let seen = srv.stderr_text();
            if seen.matches(text).count() >= count {
                return seen;
            }
            if Instant::now() > deadline {
                panic!("no {count} × {text:?} on stderr within 60 s:\n{seen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let first = wait_for(
        "build failed, no site to serve until the sources are fixed (first build)",
        1,
    );
    assert!(!first.contains("last good site"), "{first}");
    std::fs::remove_file(&broken).expect("fix");
    wait_for("fixed, rebuilt (", 1);
    // An ordinary rebuild, seen through the status: it says nothing.
    let epoch = srv.status()["epoch"].as_u64().expect("epoch");
    let runbook = root.join("runbooks/aider.yaml");
    let text = std::fs::read_to_string(&runbook).expect("read");
    std::fs::write(&runbook, format!("{text}\n# an edit\n")).expect("edit");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = srv.status();
        if status["epoch"].as_u64() > Some(epoch) && status["ok"] == true {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no rebuild after the edit: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let quiet = srv.stderr_text();
    assert_eq!(quiet.matches("rebuilt (").count(), 1, "{quiet}");
    std::fs::write(&broken, "title: [\n").expect("break again");
    wait_for("rebuild failed, serving the last good site (", 1);
    std::fs::remove_file(&broken).expect("fix again");
    let all = wait_for("fixed, rebuilt (", 2);
    assert_eq!(all.matches("rebuilt (").count(), 2, "{all}");
}

// ================================================================= watching

/// gtdocs.yaml, runbooks/ and themes/ are watched; temp files are not.
fn watch_checks(poll: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("themed");
    common::copy_tree(&common::fixtures().join("themed"), &root);
    let args: &[&str] = if poll { &["--poll"] } else { &[] };
    let srv = Server::start(&root, args);
    let mode = if poll { "--poll" } else { "OS events" };
    let log = std::cell::RefCell::new(Vec::new());
    let problems = std::cell::RefCell::new(Vec::new());
    let step = |what: &str, epoch: u64, check: &dyn Fn() -> Option<String>| {
        let t = Instant::now();
        let Some((status, rebuilds)) = srv.try_settle(epoch, Duration::from_secs(10)) else {
            log.borrow_mut()
                .push(format!("  {what}: NO rebuild within 10 s"));
            problems
                .borrow_mut()
                .push(format!("{what}: no rebuild within 10 s"));
            srv.quiet(Duration::from_millis(800));
            return;
        };
        let ms = t.elapsed().as_millis();
        log.borrow_mut().push(format!(
            "  {what}: {rebuilds} rebuild(s), settled in {ms} ms (incl. 800 ms quiet)"
        ));
        if status["ok"] != true {
            problems
                .borrow_mut()
                .push(format!("after {what}: status {status}"));
        }
        if let Some(p) = check() {
            problems.borrow_mut().push(format!("after {what}: {p}"));
        }
    };
    let contains = |target: &str, text: &str| -> Option<String> {
        let r = srv.page(target);
        (r.status != 200 || !r.text().contains(text))
            .then(|| format!("{target}: {} without {text:?}", r.head_text()))
    };

    // Editor temp files anywhere: no rebuild. (In a new second since the
    // tree was copied: a polling watcher sees folders' mtimes to the second.)
    std::thread::sleep(Duration::from_millis(1100));
    let epoch = srv.epoch();
    let temp_names = [
        ".#alpha.yaml",
        "alpha.yaml~",
        ".alpha.yaml.swp",
        "4913",
        "alpha.yaml.tmp",
    ];
    for dir in [
        root.join("runbooks"),
        root.join("themes/brand/static"),
        root.clone(),
    ] {
        for name in temp_names {
            std::fs::write(dir.join(name), "title: scratch\n").unwrap();
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    for dir in [
        root.join("runbooks"),
        root.join("themes/brand/static"),
        root.clone(),
    ] {
        for name in temp_names {
            std::fs::write(dir.join(name), "title: scratch again\n").unwrap();
            std::fs::remove_file(dir.join(name)).unwrap();
        }
    }
    let quiet = if poll { 3500 } else { 2500 };
    if let Some(v) = srv.wait_once(epoch, Duration::from_millis(quiet)) {
        let after = srv.quiet(Duration::from_millis(1500));
        problems.borrow_mut().push(format!(
            "editor temp files ({temp_names:?} in runbooks/, themes/brand/static/ and the root) \
             caused {} rebuild(s): {v}",
            after - epoch
        ));
    } else {
        log.borrow_mut()
            .push(format!("  editor temp files: no rebuild in {quiet} ms"));
    }

    // gtdocs.yaml.
    let epoch = srv.epoch();
    edit(
        &root.join("gtdocs.yaml"),
        "  title: Test runbooks\n",
        "  title: Retitled runbooks\n",
    );
    step("a gtdocs.yaml edit", epoch, &|| {
        contains("", "Retitled runbooks")
    });

    // themes/: a static file and a template.
    let epoch = srv.epoch();
    let css = root.join("themes/brand/static/brand.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("/* watched-theme-marker */\n");
    std::fs::write(&css, text).unwrap();
    step("a theme static file edit", epoch, &|| {
        contains("static/brand.css", "watched-theme-marker")
    });
    let epoch = srv.epoch();
    edit(
        &root.join("themes/brand/templates/runbook.html"),
        "· Brand docs{%",
        "· Rebranded docs{%",
    );
    step("a theme template edit", epoch, &|| {
        contains("runbooks/alpha/", "Rebranded docs")
    });

    // A runbook added, then removed.
    let epoch = srv.epoch();
    let alpha = std::fs::read_to_string(root.join("runbooks/alpha.yaml")).unwrap();
    std::fs::write(
        root.join("runbooks/gamma.yaml"),
        alpha.replacen("title: Alpha Chat", "title: Gamma Chat", 1),
    )
    .unwrap();
    step("a runbook added", epoch, &|| {
        contains("runbooks/gamma/", "Gamma Chat")
    });
    let epoch = srv.epoch();
    std::fs::remove_file(root.join("runbooks/gamma.yaml")).unwrap();
    step("a runbook removed", epoch, &|| {
        let r = srv.page("runbooks/gamma/");
        (r.status != 404).then(|| format!("runbooks/gamma/ answers {}", r.head_text()))
    });

    // Two saves of one file within the same second: the second counts too
    // (an editor's save, then a quick correction). Twice.
    let file = root.join("runbooks/beta.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let (_, title) = line_starting(&file, "title: ");
    for trial in 1..=2 {
        let epoch = srv.epoch();
        // Start just after a second boundary.
        while std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_millis()
            > 20
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        let t = Instant::now();
        let once = format!("title: Beta Saved Once {trial}");
        let twice = format!("title: Beta Saved Twice {trial}");
        std::fs::write(&file, text.replacen(&title, &once, 1)).unwrap();
        let first_epoch = srv
            .try_wait_change(epoch, Duration::from_secs(10))
            .unwrap_or(epoch);
        let second_at = t.elapsed();
        std::fs::write(&file, text.replacen(&title, &twice, 1)).unwrap();
        if second_at < Duration::from_millis(950) {
            log.borrow_mut().push(format!(
                "  trial {trial}: two saves {} ms apart in the same second",
                second_at.as_millis()
            ));
            let expect = twice.trim_start_matches("title: ").to_string();
            step(
                &format!("a second save within the same second (trial {trial})"),
                first_epoch,
                &|| contains("runbooks/beta/", &expect),
            );
        } else {
            log.borrow_mut().push(format!(
                "  (same-second trial {trial} skipped: the first rebuild took {} ms)",
                second_at.as_millis()
            ));
        }
        std::thread::sleep(Duration::from_millis(1100));
    }

    // An atomic save: write a temp file, rename it over the runbook.
    let epoch = srv.epoch();
    let file = root.join("runbooks/alpha.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let first = text.replacen("title: Alpha Chat", "title: Alpha Renamed", 1);
    std::fs::write(root.join("runbooks/alpha.yaml.tmp"), &first).unwrap();
    std::fs::rename(root.join("runbooks/alpha.yaml.tmp"), &file).unwrap();
    step("an atomic save (temp file renamed over)", epoch, &|| {
        contains("runbooks/alpha/", "Alpha Renamed")
    });

    // A vim save: 4913 probe, original renamed to alpha.yaml~, new file
    // written, backup removed.
    let epoch = srv.epoch();
    let probe = root.join("runbooks/4913");
    std::fs::write(&probe, "").unwrap();
    std::fs::remove_file(&probe).unwrap();
    std::fs::rename(&file, root.join("runbooks/alpha.yaml~")).unwrap();
    std::fs::write(
        &file,
        first.replacen("title: Alpha Renamed", "title: Alpha Vimmed", 1),
    )
    .unwrap();
    std::fs::remove_file(root.join("runbooks/alpha.yaml~")).unwrap();
    step("a vim-style save", epoch, &|| {
        contains("runbooks/alpha/", "Alpha Vimmed")
    });

    eprintln!("watching with {mode}:\n{}", log.borrow().join("\n"));
    let problems = problems.into_inner();
    if !problems.is_empty() || std::env::var_os("GTDOCS_SERVE_DEBUG").is_some() {
        eprintln!("server stderr:\n{}", srv.stderr_text());
    }
    assert_none(&format!("watching with {mode}"), &problems);
    assert!(!root.join("site").exists(), "gtdocs serve wrote site/");
}

#[test]
fn watches_config_runbooks_and_themes_with_os_events() {
    watch_checks(false);
}

#[test]
fn watches_config_runbooks_and_themes_with_poll() {
    watch_checks(true);
}

// ============================================================ 5. incremental

/// The number of pages a `rebuilt` line says were rendered.
fn rebuilt_pages(line: &str) -> Option<u64> {
    let re = Regex::new(r"(\d+)\s+(?:of\s+\d+\s+)?(?:pages?|files?)\b").expect("regex");
    re.captures(line).and_then(|c| c[1].parse().ok())
}

#[test]
fn one_runbook_edit_rerenders_fewer_pages_than_the_site_has() {
    assert_eq!(
        rebuilt_pages("rebuilt (runbook runbooks/x.yaml): 12 pages in 40 ms"),
        Some(12)
    );
    assert_eq!(
        rebuilt_pages("rebuilt: re-rendered 3 of 36 pages (8 ms)"),
        Some(3)
    );
    let tree = common::bundled_copy();
    let root = tree.path();
    let (_out, html) = build_site(root);
    let total = common::snapshot(&html)
        .keys()
        .filter(|k| k.ends_with(".html"))
        .count() as u64;
    let srv = Server::start(root, &[]);

    let mut report = Vec::new();
    for (file, slug) in [
        ("runbooks/librechat.yaml", "librechat"),
        ("runbooks/aider.yaml", "aider"),
    ] {
        let path = root.join(file);
        let (_, line) = line_starting(&path, "summary: ");
        let new = format!("Incrementally edited summary of {slug}.");
        let epoch = srv.epoch();
        let mark = srv.stderr_text().len();
        let t = Instant::now();
        edit(&path, &line, &format!("summary: {new}"));
        let (status, rebuilds) = srv.settle(epoch);
        let took = t.elapsed();
        assert_eq!(status["ok"], true, "after editing {file}: {status}");
        assert_eq!(
            rebuilds, 1,
            "one write to {file} caused {rebuilds} rebuilds (not debounced)"
        );
        let page = srv.page(&format!("runbooks/{slug}/"));
        assert!(
            page.text().contains(&new),
            "runbooks/{slug}/ does not show the new summary"
        );
        let err = srv.stderr_text();
        let lines: Vec<&str> = err[mark..]
            .lines()
            .filter(|l| l.contains("rebuilt"))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "after editing {file}, stderr -v has these `rebuilt` lines: {lines:?}\nstderr:\n{err}"
        );
        let n =
            rebuilt_pages(lines[0]).unwrap_or_else(|| panic!("no page count in {:?}", lines[0]));
        report.push(format!(
            "  {file}: {:?}: {n} of {total} pages re-rendered (settled in {} ms)",
            lines[0],
            took.as_millis().saturating_sub(800)
        ));
        assert!(
            n >= 1 && n < total,
            "one runbook edit ({file}) re-rendered {n} pages; the site has {total}: `{}`",
            lines[0]
        );
    }
    // An edit no list shows (a caveat): its page is the one page whose
    // key changed, so it is the one page rendered, as in a build with the
    // cache; the others are taken from the last render.
    let path = root.join("runbooks/librechat.yaml");
    let (_, line) = line_starting(&path, "  - Use chat-plus-embeddings preset");
    let epoch = srv.epoch();
    let mark = srv.stderr_text().len();
    edit(
        &path,
        &line,
        "  - Use the chat-plus-embeddings preset when embeddings go through GT.",
    );
    let (status, _) = srv.settle(epoch);
    assert_eq!(status["ok"], true, "after editing a caveat: {status}");
    let err = srv.stderr_text();
    let line = err[mark..]
        .lines()
        .find(|l| l.contains("rebuilt"))
        .unwrap_or_else(|| panic!("no `rebuilt` line after the caveat's edit:\n{err}"));
    assert_eq!(
        rebuilt_pages(line),
        Some(1),
        "a caveat's edit renders its runbook's page alone: `{line}`"
    );
    report.push(format!("  runbooks/librechat.yaml (a caveat): {line:?}"));
    // What the incremental rebuilds serve is what a full build writes,
    // search index included (it may follow the pages by a moment).
    report.push(converges_to_build(&srv, root, "three runbook edits"));
    // For comparison: a config edit.
    let epoch = srv.epoch();
    let mark = srv.stderr_text().len();
    edit(
        &root.join("gtdocs.yaml"),
        "  title: GT API client runbooks\n",
        "  title: GT API runbooks, retitled\n",
    );
    let _ = srv.settle(epoch);
    let err = srv.stderr_text();
    if let Some(l) = err[mark..].lines().find(|l| l.contains("rebuilt")) {
        report.push(format!("  gtdocs.yaml (site.title): {l:?}"));
    }
    report.push(converges_to_build(&srv, root, "a config edit"));
    eprintln!(
        "pages re-rendered per edit (the site has {total} pages):\n{}",
        report.join("\n")
    );
}

/// Waits (up to 15 s) until every file served equals a fresh `gtdocs build`
/// of the tree; fails with the differences otherwise.
fn converges_to_build(srv: &Server, root: &Path, after: &str) -> String {
    let t = Instant::now();
    let mut first: Option<Vec<String>> = None;
    loop {
        let (problems, count) = compare_with_build(srv, root);
        if problems.is_empty() {
            let lag = match &first {
                None => "at once".to_string(),
                Some(p) => format!(
                    "after {} ms; at first {} file(s) differed, e.g. {}",
                    t.elapsed().as_millis(),
                    p.len(),
                    p[0]
                ),
            };
            return format!("  after {after}: all {count} files equal a full build {lag}");
        }
        first.get_or_insert(problems.clone());
        if t.elapsed() > Duration::from_secs(15) {
            assert_none(
                &format!("after {after}, the served site is not what `gtdocs build` writes"),
                &problems,
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

// ========================================================= 6. port, SIGINT

#[test]
fn a_port_in_use_exits_2_naming_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().unwrap().port().to_string();
    let tree = common::bundled_copy();
    let mut child = serve_command(tree.path(), &["--port", &port])
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gtdocs serve --port {port} (in use) still runs after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(
        status.code(),
        Some(2),
        "--port {port} in use: exit {status}; stderr:\n{err}"
    );
    let address = format!("127.0.0.1:{port}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("error:") && l.contains(&address)),
        "--port {port} in use: no `error:` line naming {address} on stderr:\n{err}"
    );
    assert!(
        !out.contains("serving"),
        "a server that could not bind printed {out:?}"
    );
    eprintln!(
        "port in use: {}",
        err.lines().find(|l| l.starts_with("error:")).unwrap_or("")
    );
    drop(taken);
}

#[test]
fn sigint_stops_the_server_within_a_second_with_code_0() {
    let tree = common::bundled_copy();
    let mut srv = Server::start(tree.path(), &[]);
    let epoch = srv.epoch();
    // Long-polls and a half-sent request are open.
    let _waiters: Vec<TcpStream> = (0..3)
        .map(|_| send_only(srv.port, &format!("/__gtdocs/wait?epoch={epoch}")))
        .collect();
    let mut half = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = srv.child.id().to_string();
    let t = Instant::now();
    let k = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(k.success(), "kill -INT {pid} failed");
    let status = loop {
        if let Some(s) = srv.child.try_wait().unwrap() {
            break Some(s);
        }
        if t.elapsed() > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = t.elapsed();
    let Some(status) = status else {
        panic!(
            "SIGINT: gtdocs serve still runs after 10 s\nstderr:\n{}",
            srv.stderr_text()
        );
    };
    eprintln!("SIGINT: exited {status} in {} ms", took.as_millis());
    assert_eq!(
        status.code(),
        Some(0),
        "SIGINT: exit {status}\nstderr:\n{}",
        srv.stderr_text()
    );
    assert!(
        took < Duration::from_secs(1),
        "SIGINT: it took {took:?} to exit (max 1 s)"
    );
}

#[test]
fn a_wait_with_nothing_changing_answers_within_30_s() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let epoch = srv.epoch();
    let t = Instant::now();
    let v = srv.wait_once(epoch, Duration::from_secs(40));
    let took = t.elapsed();
    let v = v.unwrap_or_else(|| panic!("wait?epoch={epoch} did not answer within 40 s"));
    eprintln!(
        "an idle wait answered after {:.1}s: {v}",
        took.as_secs_f64()
    );
    assert_eq!(
        v["epoch"].as_u64(),
        Some(epoch),
        "nothing changed, yet: {v}"
    );
    assert!(
        took <= Duration::from_millis(31_000),
        "an idle wait took {took:?} (max 30 s)"
    );
    assert!(
        took >= Duration::from_secs(5),
        "an idle wait answered after only {took:?}: that is a busy loop for live.js"
    );
}

// ================================================================ 7. browser

fn browser_tests() -> PathBuf {
    common::browser_tests(&[])
}

/// What a run must not have seen (see `common::browser_hygiene`); a
/// long-poll to `__gtdocs/wait` cut off by live.js's own reload, and the
/// 404 page opened on purpose to see the overlay there, are expected.
fn hygiene(v: &Value) -> Vec<String> {
    crate::common::browser_hygiene(v, &|url| url.ends_with("/no/such/page/"), &|url, error| {
        url.contains("/__gtdocs/wait") && error == "net::ERR_ABORTED"
    })
}

/// Runs `run.mjs --url <server> --scenario <scenario> --plan <plan>`;
/// returns its result file, parsed.
fn run_scenario(srv: &Server, scenario: &str, plan: &Value) -> Value {
    let dir = browser_tests();
    let node = common::tool("GTDOCS_NODE", "node");
    let chromium = common::tool("GTDOCS_CHROMIUM", "chromium");
    let out = tempfile::tempdir().expect("tempdir");
    let plan_file = out.path().join("plan.json");
    std::fs::write(&plan_file, serde_json::to_string_pretty(plan).unwrap()).unwrap();
    let started = Instant::now();
    let o = Command::new(&node)
        .current_dir(&dir)
        .arg(dir.join("run.mjs"))
        .args(["--url", &srv.url])
        .arg("--out")
        .arg(out.path())
        .args(["--scenario", scenario])
        .arg("--plan")
        .arg(&plan_file)
        .arg("--chromium")
        .arg(&chromium)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", node.display()));
    let result_file = out.path().join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&result_file).unwrap_or_else(|e| {
        panic!(
            "run.mjs --scenario {scenario} wrote no {} ({e}; exit {}):\nstdout: {}\nstderr: {}",
            result_file.display(),
            o.status,
            common::stdout(&o),
            common::stderr(&o)
        )
    });
    let v: Value = serde_json::from_str(&text).expect("result JSON");
    assert!(
        o.status.success() && v["error"].is_null(),
        "run.mjs --scenario {scenario} could not finish (exit {}):\n{}\nstderr: {}\nserver stderr:\n{}",
        o.status,
        v["error"].as_str().unwrap_or(""),
        common::stderr(&o),
        srv.stderr_text()
    );
    eprintln!(
        "browser: {scenario} in {:.1}s (Chromium {}): {}",
        started.elapsed().as_secs_f64(),
        v["chromium"].as_str().unwrap_or("?"),
        serde_json::to_string(&v["data"]).unwrap()
    );
    v
}

#[test]
fn browser_reloads_on_edit_keeps_scroll_and_shows_the_error_overlay() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);

    // Three versions of the runbook, written by run.mjs on cue.
    let file = root.join("runbooks/librechat.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let (_, summary) = line_starting(&file, "summary: ");
    // One word swapped for one as long, so that the page above the scroll
    // position keeps its height and 800 px stays the same place.
    assert!(
        summary.starts_with("summary: Point LibreChat "),
        "the bundled librechat summary changed: {summary:?}"
    );
    let changed_text = "Steer LibreChat custom OpenAI endpoints";
    let changed_summary = summary.replacen("Point LibreChat", "Steer LibreChat", 1);
    let fixed_text = "Live preview fixed the runbook again.";
    let changed = original.replacen(&summary, &changed_summary, 1);
    let (broken_line, category) = line_starting(&file, "category: ");
    let broken_source = "category: no-such-category";
    let broken = changed.replacen(&category, broken_source, 1);
    let fixed = original.replacen(&summary, &format!("summary: {fixed_text}"), 1);
    // Where the overlay must point: as `gtdocs build` says.
    std::fs::write(&file, &broken).unwrap();
    let diags = check_diagnostics(root);
    std::fs::write(&file, &original).unwrap();
    assert_eq!(
        diags.len(),
        1,
        "the broken version should have one diagnostic: {diags:?}"
    );
    let place = format!(
        "{}:{}:{}",
        diags[0]["file"].as_str().unwrap(),
        diags[0]["line"],
        diags[0]["column"],
    );
    let message = diags[0]["message"].as_str().unwrap().to_string();
    assert_eq!(diags[0]["line"].as_u64(), Some(broken_line as u64));
    // Let the restore above pass before the browser starts.
    std::thread::sleep(Duration::from_millis(1500));

    let plan = serde_json::json!({
        "file": file,
        "page": "runbooks/librechat/",
        "scrollTo": 800,
        "alsoWhileBroken": ["", "routes/", "no/such/page/"],
        "steps": [
            {"name": "changed", "content": changed, "expectText": changed_text},
            {"name": "broken", "content": broken, "expectOverlay": true},
            {"name": "fixed", "content": fixed, "expectText": fixed_text},
        ],
    });
    let v = run_scenario(&srv, "serve", &plan);
    let d = &v["data"];
    let mut problems = hygiene(&v);

    if d["listening"] != true {
        problems.push("live.js never opened a __gtdocs/wait request".into());
    }
    let before = d["before"]["scrollY"].as_f64().unwrap_or(-1.0);
    if (before - 800.0).abs() > 1.0 {
        problems.push(format!(
            "the page could not be scrolled to 800 px (at {before}); too short?"
        ));
    }
    let steps = d["steps"].as_array().cloned().unwrap_or_default();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };

    let s = step("changed");
    if s["shown"] != true {
        problems.push(format!("the edited summary did not appear on its own: {s}"));
    }
    let after = s["scrollY"].as_f64().unwrap_or(-1.0);
    if (after - 800.0).abs() > 50.0 {
        problems.push(format!(
            "after the reload the page is scrolled to {after} px, not 800 ± 50"
        ));
    }

    let s = step("broken");
    if s["overlay"] != true {
        problems.push(format!(
            "no #gtdocs-overlay appeared for the broken runbook: {s}"
        ));
    } else {
        // `file:line:column: message`; a `error[code]: ` between the place
        // and the message is allowed.
        let overlay = s["overlayText"].as_str().unwrap_or("");
        let listed = overlay
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{place}: ")) && l.contains(&message));
        if !listed {
            problems.push(format!(
                "the overlay has no line `{place}: … {message}`: {overlay:?}"
            ));
        }
        if !overlay.contains(broken_source) {
            problems.push(format!(
                "the overlay does not show the source line {broken_source:?}: {overlay:?}"
            ));
        }
        if s["overlayVisible"] != true {
            problems.push(format!(
                "#gtdocs-overlay is in the DOM but not visible: {s}"
            ));
        }
    }
    if s["stillShowsLastGood"] != true {
        problems.push(format!(
            "with the runbook broken, the page no longer shows the last good text: {s}"
        ));
    }

    for o in s["others"].as_array().into_iter().flatten() {
        let text = o["overlayText"].as_str().unwrap_or("");
        if o["overlay"] != true || !text.contains(&place) {
            problems.push(format!(
                "{} opened while the runbook is broken: no #gtdocs-overlay listing {place}: {o}",
                o["page"]
            ));
        }
    }

    let s = step("fixed");
    for o in s["others"].as_array().into_iter().flatten() {
        if o["overlayGone"] != true {
            problems.push(format!(
                "{}: #gtdocs-overlay still there after the fix: {o}",
                o["page"]
            ));
        }
    }
    if s["shown"] != true {
        problems.push(format!(
            "after the fix, the new summary did not appear: {s}"
        ));
    }
    if s["overlayGone"] != true {
        problems.push(format!(
            "after the fix, #gtdocs-overlay is still there: {s}"
        ));
    }
    assert_none("live reload in Chromium", &problems);
}

/// Eight pages open as tabs (seven in the background), each with live.js:
/// every new tab, and a link followed in the front one, load in < 5 s.
/// (Browsers open at most 6 HTTP/1.1 connections per host; a long-poll held
/// by every open page starves the next page load.)
#[test]
fn browser_many_open_tabs_do_not_block_page_loads() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let pages = [
        "",
        "runbooks/",
        "routes/",
        "runbooks/librechat/",
        "runbooks/aider/",
        "runbooks/cursor/",
        "runbooks/dify/",
        "runbooks/n8n/",
    ];
    let plan = serde_json::json!({
        "pages": pages,
        "navigateTo": "runbooks/hermes/",
        "timeoutMs": 15000,
    });
    let v = run_scenario(&srv, "serve-tabs", &plan);
    let d = &v["data"];
    let mut problems = Vec::new();
    for e in v["consoleErrors"].as_array().into_iter().flatten() {
        problems.push(format!("console error: {e}"));
    }
    for e in v["pageErrors"].as_array().into_iter().flatten() {
        problems.push(format!("uncaught exception: {e}"));
    }
    let mut table = Vec::new();
    let loads = d["loads"].as_array().cloned().unwrap_or_default();
    assert_eq!(loads.len(), pages.len(), "not every tab was opened: {d}");
    for (i, l) in loads
        .iter()
        .chain(std::iter::once(&d["navigation"]))
        .enumerate()
    {
        let what = if i < pages.len() {
            format!("tab {} ({} open before)", i + 1, i)
        } else {
            format!("a link in the front tab ({} tabs open)", pages.len())
        };
        let ms = l["ms"].as_u64().unwrap_or(u64::MAX);
        table.push(format!(
            "  {what:<40} /{:<22} {} ms{}",
            l["page"].as_str().unwrap_or("?"),
            ms,
            if l["ok"] == true {
                ""
            } else {
                " (did not load)"
            }
        ));
        if l["ok"] != true || ms > 5000 {
            problems.push(format!(
                "{what}: /{} took {ms} ms to load{}",
                l["page"].as_str().unwrap_or("?"),
                l["error"]
                    .as_str()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ));
        }
    }
    eprintln!("page loads with many tabs open:\n{}", table.join("\n"));
    assert_none("many tabs of gtdocs serve open", &problems);
}

// ====================================================================== load

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `wrk` (Debian) with 64 connections against five pages and files for
/// `GTDOCS_LOAD_SECONDS` (default 5; 30 for the long run): no socket error,
/// no status but 200, memory flat, and an edit still reloads afterwards.
#[test]
fn under_load_no_errors_flat_memory_and_reload_still_works() {
    let seconds: u64 = std::env::var("GTDOCS_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let wrk = common::tool("GTDOCS_WRK", "wrk");
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    assert_eq!(srv.get("/").status, 200);
    let script = tree.path().join("paths.lua");
    std::fs::write(
        &script,
        "local paths = {\"/\", \"/runbooks/librechat/\", \"/routes/get-v1-models/\", \
         \"/static/style.css\", \"/pagefind/pagefind.js\"}\nlocal i = 0\n\
         request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
    )
    .expect("write");
    let pid = srv.child.id();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                samples.extend(rss_kib(pid));
                std::thread::sleep(Duration::from_millis(100));
            }
            samples
        })
    };
    let o = Command::new(&wrk)
        .args(["-t", "2", "-c", "64", "-d", &format!("{seconds}s"), "-s"])
        .arg(&script)
        .arg(format!("http://127.0.0.1:{}/", srv.port))
        .output()
        .expect("run wrk");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let samples = sampler.join().expect("sampler");
    let report = common::stdout(&o);
    assert!(o.status.success(), "wrk: {report}{}", common::stderr(&o));
    eprintln!("wrk, {seconds} s, 64 connections:\n{report}");
    let requests: u64 = report
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" requests in ")
                .map(|(n, _)| n.trim().to_owned())
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(requests > 100, "too few requests: {report}");
    assert!(!report.contains("Socket errors"), "socket errors: {report}");
    assert!(
        !report.contains("Non-2xx or 3xx"),
        "answers other than 200: {report}"
    );
    // Memory: the last third of the run holds no more than the first third
    // (plus 10% and 8 MiB of allocator slack).
    assert!(samples.len() >= 6, "too few memory samples: {samples:?}");
    let third = samples.len() / 3;
    let early = samples[..third].iter().max().copied().unwrap_or(0);
    let late = samples[samples.len() - third..]
        .iter()
        .max()
        .copied()
        .unwrap_or(0);
    eprintln!("server RSS: first third max {early} KiB, last third max {late} KiB");
    assert!(
        late <= early + early / 10 + 8 * 1024,
        "memory grew under load: {early} KiB, then {late} KiB"
    );
    // An edit still reloads.
    let epoch = srv.epoch();
    let file = tree.path().join("runbooks/librechat.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    let marker = "Loadtested summary word zebrafinch.";
    std::fs::write(
        &file,
        text.replacen("summary: ", &format!("summary: {marker} "), 1),
    )
    .expect("write");
    let (status, _) = srv.settle(epoch);
    assert_eq!(status["ok"], true, "{status}");
    let page = srv.get("/runbooks/librechat/");
    assert!(
        String::from_utf8_lossy(&page.body).contains(marker),
        "the page does not show the edit after the load"
    );
}

// ================================================================== 8. bounds

/// A number of `/proc/<pid>/status` (`Threads`, or `VmRSS`/`VmHWM` in KiB).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// A GET of `/` on a new connection, with `timeout`: how long it took.
fn timed_home(srv: &Server, timeout: Duration) -> Result<Duration, String> {
    let t = Instant::now();
    match exchange(
        srv.port,
        &request_bytes("GET", b"/", srv.port),
        false,
        timeout,
    ) {
        Ok(r) if r.status == 200 => Ok(t.elapsed()),
        Ok(r) => Err(format!("GET / answered {}", r.head_text())),
        Err(e) => Err(format!("GET / after {:?}: {e}", t.elapsed())),
    }
}

/// Connections that send nothing, or requests they never read the answers
/// of (pipelined, keep-alive), or a long-poll with a page request behind
/// it: none of them may hold up another client's page.
#[test]
fn idle_and_pipelining_clients_do_not_hold_up_a_page() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let epoch = srv.epoch();
    let keep_alive = |target: &str| {
        format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            srv.port
        )
        .into_bytes()
    };
    let mut held: Vec<TcpStream> = Vec::new();
    for _ in 0..64 {
        held.push(TcpStream::connect(("127.0.0.1", srv.port)).expect("connect"));
    }
    for _ in 0..16 {
        let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
        s.set_nonblocking(true).expect("nonblocking");
        // 400 requests for the home page (about 20 MB of answers, more
        // than the socket buffers hold), never read.
        let _ = s.write_all(&keep_alive("/").repeat(400));
        held.push(s);
    }
    for _ in 0..8 {
        let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
        let mut both = keep_alive(&format!("/__gtdocs/wait?epoch={epoch}"));
        both.extend(keep_alive("/"));
        s.write_all(&both).expect("send");
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    for round in 0..3 {
        match timed_home(&srv, Duration::from_secs(5)) {
            Ok(took) => assert!(
                took < Duration::from_secs(2),
                "round {round}: GET / took {took:?} with 88 idle or pipelining connections open"
            ),
            Err(e) => panic!(
                "round {round}, with 64 idle, 16 pipelining and 8 long-polling connections \
                 open: {e}\nstderr:\n{}",
                srv.stderr_text()
            ),
        }
    }
    drop(held);
}

/// A request head sent a byte at a time, never ending (slowloris), is cut
/// off after the head timeout (5 s), and takes no worker meanwhile.
#[test]
fn a_request_head_that_never_ends_is_cut_off() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let started = Instant::now();
    let mut slow: Vec<TcpStream> = (0..16)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .expect("send");
            s.set_read_timeout(Some(Duration::from_millis(50)))
                .expect("timeout");
            s
        })
        .collect();
    let took = timed_home(&srv, Duration::from_secs(4));
    assert!(
        took.is_ok(),
        "a page during 16 slow request heads: {took:?}"
    );
    let mut closed_after: Vec<Option<Duration>> = vec![None; slow.len()];
    while started.elapsed() < Duration::from_secs(9) && closed_after.iter().any(Option::is_none) {
        for (s, closed) in slow.iter_mut().zip(closed_after.iter_mut()) {
            if closed.is_some() {
                continue;
            }
            let mut b = [0u8; 512];
            let gone = match s.read(&mut b) {
                Ok(_) => true,
                Err(e) => !matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ),
            };
            if gone || s.write_all(b"a").is_err() {
                *closed = Some(started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("slow heads closed after: {closed_after:?}");
    assert!(
        closed_after.iter().all(Option::is_some),
        "request heads sent a byte every 200 ms were still open after 9 s: {closed_after:?}"
    );
}

/// A header line far over the limit is answered 431 without the server
/// holding it: its memory stays where it was.
#[test]
fn a_huge_request_head_gets_431_and_memory_stays_bounded() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let pid = srv.child.id();
    assert_eq!(srv.get("/").status, 200);
    let before = (proc_status(pid, "VmRSS"), proc_status(pid, "VmHWM"));
    let statuses: Vec<Result<u16, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
                    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ");
                    // 48 MiB of one header line, as long as the server reads.
                    let chunk = vec![b'a'; 1 << 20];
                    for _ in 0..48 {
                        if s.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                    read_response(&mut s, false)
                        .map(|r| r.status)
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let after = (proc_status(pid, "VmRSS"), proc_status(pid, "VmHWM"));
    eprintln!("4 x 48 MiB header lines: {statuses:?}; VmRSS/VmHWM {before:?} -> {after:?} KiB");
    assert!(
        statuses.iter().all(|s| s == &Ok(431)),
        "a 48 MiB header line was answered {statuses:?}, not 431"
    );
    assert!(
        after.1 < before.1 + 24 * 1024,
        "peak memory grew from {} to {} KiB with four 48 MiB header lines",
        before.1,
        after.1
    );
    assert_eq!(srv.get("/").status, 200);
}

/// More idle connections than the server keeps open: no thread each, and
/// the memory they took is given back once they close.
#[test]
fn idle_connections_past_the_limit_take_no_thread_and_memory_comes_back() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let pid = srv.child.id();
    assert_eq!(srv.get("/").status, 200);
    srv.quiet(Duration::from_millis(500));
    let threads = proc_status(pid, "Threads");
    let rss = proc_status(pid, "VmRSS");
    let held: Vec<TcpStream> = (0..400)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
            if i % 2 == 0 {
                let _ = s.write_all(b"GET / HTTP/1.1\r\n");
            }
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    let threads_open = proc_status(pid, "Threads");
    let rss_open = proc_status(pid, "VmRSS");
    drop(held);
    std::thread::sleep(Duration::from_millis(1000));
    let rss_closed = proc_status(pid, "VmRSS");
    eprintln!(
        "400 idle connections: threads {threads} -> {threads_open}; \
         VmRSS {rss} -> {rss_open} -> {rss_closed} KiB (closed)"
    );
    assert!(
        threads_open <= threads + 2,
        "400 idle connections took {} threads more",
        threads_open - threads
    );
    assert!(
        rss_open < rss + 32 * 1024,
        "400 idle connections took {} KiB",
        rss_open - rss
    );
    assert!(
        rss_closed < rss + 16 * 1024,
        "closed, 400 idle connections still hold {} KiB",
        rss_closed.saturating_sub(rss)
    );
    let took = timed_home(&srv, Duration::from_secs(10));
    assert!(took.is_ok(), "after 400 idle connections: {took:?}");
}

/// More long-polls than may wait at once: every one is answered, those
/// past the limit at once (503, live.js tries again), the others with the
/// new epoch by the next rebuild; no thread each.
#[test]
fn many_long_polls_are_all_answered_without_a_thread_each() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let pid = srv.child.id();
    let epoch = srv.quiet(Duration::from_millis(500));
    let threads = proc_status(pid, "Threads");
    // Kept alive, as a browser's are.
    let request = format!(
        "GET /__gtdocs/wait?epoch={epoch} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        srv.port
    );
    let polls: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", srv.port)).expect("connect");
            s.write_all(request.as_bytes()).expect("send");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    let threads_open = proc_status(pid, "Threads");
    // Answered at once: past the limit.
    let mut answers: Vec<Option<Resp>> = Vec::new();
    let mut waiting = Vec::new();
    for mut s in polls {
        s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        let ready = s.peek(&mut b).is_ok();
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(REBUILD)).unwrap();
        if ready {
            answers.push(Some(read_response(&mut s, false).expect("an early answer")));
        } else {
            waiting.push(s);
        }
    }
    let early = answers.len();
    edit(
        &root.join("runbooks/librechat.yaml"),
        "title: LibreChat",
        "title: LibreChat (edited)",
    );
    let handles: Vec<_> = waiting
        .into_iter()
        .map(|mut s| std::thread::spawn(move || read_response(&mut s, false).ok()))
        .collect();
    answers.extend(handles.into_iter().map(|h| h.join().unwrap()));
    eprintln!(
        "200 long-polls: {early} answered at once, {} waited; threads {threads} -> {threads_open}",
        200 - early
    );
    let mut problems = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        match a {
            None => problems.push(format!("long-poll {i}: no answer")),
            Some(r) if i < early => {
                if r.status != 503
                    || r.header("retry-after").is_none()
                    || r.header("connection") != Some("close")
                {
                    problems.push(format!(
                        "long-poll {i}, answered at once: {}",
                        r.head_text()
                    ));
                }
            }
            Some(r) => {
                if r.status != 200 || r.json()["epoch"].as_u64() == Some(epoch) {
                    problems.push(format!("long-poll {i}: {} {}", r.head_text(), r.text()));
                }
            }
        }
    }
    assert_none("200 long-polls", &problems);
    assert!(early < 200, "no long-poll waited");
    assert!(
        threads_open <= threads + 2,
        "200 long-polls took {} threads more",
        threads_open - threads
    );
}

/// `gtdocs serve` with at most `files` file descriptors.
fn start_with_file_limit(dir: &Path, files: u64) -> Server {
    use std::os::unix::process::CommandExt as _;
    Server::start_with(dir, &[], Duration::from_secs(60), |cmd| {
        // SAFETY: setrlimit is async-signal-safe, and the closure touches
        // nothing of the parent.
        unsafe {
            cmd.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: files,
                    rlim_max: files,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            });
        }
    })
}

/// Files `pid` has open now.
fn open_files(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/PID/fd")
        .count() as u64
}

/// Sets the file limit of the running process `pid`.
fn set_file_limit(pid: u32, files: u64) {
    let limit = libc::rlimit {
        rlim_cur: files,
        rlim_max: files,
    };
    let pid = libc::pid_t::try_from(pid).expect("pid");
    // SAFETY: prlimit reads `limit` and writes nothing (old limit null).
    let done = unsafe { libc::prlimit(pid, libc::RLIMIT_NOFILE, &limit, std::ptr::null_mut()) };
    assert_eq!(done, 0, "prlimit: {}", io::Error::last_os_error());
}

/// Under a file limit lower than the connections opened, the server waits
/// for files to come back instead of failing (tiny_http's accept thread
/// panicked and the process went on, accepting nothing), and answers
/// once they are closed. Started under 64 files it keeps its connections
/// below the limit. With the limit then lowered to the files it has open
/// plus two (counted, so the same on every machine) it runs out, and
/// says so.
#[test]
fn more_connections_than_the_file_limit_then_it_still_answers() {
    let tree = common::bundled_copy();
    for lowered in [false, true] {
        let srv = start_with_file_limit(tree.path(), 64);
        assert_eq!(srv.get("/").status, 200, "lowered {lowered}");
        let pid = srv.child.id();
        let files = if lowered {
            let files = open_files(pid) + 2;
            set_file_limit(pid, files);
            files
        } else {
            64
        };
        let held: Vec<TcpStream> = (0..100)
            .map(|_| TcpStream::connect(("127.0.0.1", srv.port)).expect("connect"))
            .collect();
        std::thread::sleep(Duration::from_millis(1000));
        drop(held);
        let took = timed_home(&srv, Duration::from_secs(10));
        let stderr = srv.stderr_text();
        assert!(
            took.is_ok(),
            "after 100 connections under a limit of {files} files: {took:?}\nstderr:\n{stderr}"
        );
        let took = took.unwrap();
        assert!(
            took < Duration::from_secs(3),
            "limit {files}: GET / took {took:?}"
        );
        assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
        let warned = stderr.contains("warning: cannot accept a connection");
        assert_eq!(
            warned, lowered,
            "limit {files} files: warned {warned}\nstderr:\n{stderr}"
        );
    }
}

/// A request for another host name (DNS rebinding: a page elsewhere reading
/// the preview through its own name) is refused; loopback names and the
/// bound address are answered, and names given with `--allow-host`.
#[test]
fn a_wrong_host_is_refused_loopback_names_are_answered() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &["--allow-host", "docs.test"]);
    let epoch = srv.epoch();
    let port = srv.port;
    let ask = |target: &str, host: &str| {
        let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        exchange(port, request.as_bytes(), false, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("GET {target} (Host: {host}): {e}"))
    };
    let mut problems = Vec::new();
    for host in [
        format!("localhost:{port}"),
        "localhost".into(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("docs.test:{port}"),
    ] {
        let r = ask("/", &host);
        if r.status != 200 {
            problems.push(format!("Host: {host}: {}", r.head_text()));
        }
    }
    for host in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("10.1.2.3:{port}"),
    ] {
        for target in [
            "/".to_string(),
            "/__gtdocs/status".into(),
            format!("/__gtdocs/wait?epoch={epoch}"),
        ] {
            let r = ask(&target, &host);
            let body = r.text();
            if r.status != 421 || !body.contains("--allow-host") || body.contains("\"epoch\"") {
                problems.push(format!(
                    "{target} with Host: {host}: {} {body:?}",
                    r.head_text()
                ));
            }
        }
    }
    // The absolute form names its host in the target.
    let absolute = format!("http://evil.example:{port}/");
    let r = ask(&absolute, &format!("127.0.0.1:{port}"));
    if r.status != 421 {
        problems.push(format!("GET {absolute}: {}", r.head_text()));
    }
    assert_none("Host header", &problems);
}

/// `base_url` may hold `"`, `<`, `>`, `'` and `&` (`gtdocs check` accepts
/// it): the live.js tag escapes it as the site's own links do, so it stays
/// one attribute of one tag.
#[test]
fn a_base_url_with_markup_is_escaped_in_the_live_tag() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let base = "/a\"><meta/b'&</";
    edit(
        &root.join("gtdocs.yaml"),
        "  base_url: /\n",
        "  base_url: \"/a\\\"><meta/b'&</\"\n",
    );
    let check = common::gtdocs(root, &["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "gtdocs check refuses the base_url {base:?}:\n{}",
        common::stderr(&check)
    );
    let srv = Server::start(root, &[]);
    assert_eq!(
        srv.base, "/a%22%3E%3Cmeta/b'&%3C/",
        "the printed URL is percent-encoded"
    );
    let r = srv.get("/a%22%3E%3Cmeta/b'&%3C/");
    assert_eq!(
        r.status,
        200,
        "the home page under {base:?}: {}",
        r.head_text()
    );
    let page = r.text();
    let escaped = "/a&quot;&gt;&lt;meta/b&#39;&amp;&lt;/";
    let tag = format!("<script src=\"{escaped}__gtdocs/live.js\"></script>");
    assert!(page.contains(&tag), "no {tag} in the page:\n{page}");
    assert!(
        page.contains(&format!("=\"{escaped}")),
        "the site's own links write base_url otherwise than the live.js tag"
    );
    assert!(
        !page.contains("\"><meta/b"),
        "base_url is written unescaped into the page"
    );
}

/// A browser's request for an `href`: what is not plain ASCII (or is a
/// space) percent-encoded, the rest sent as written.
fn as_browser_sends(href: &str) -> String {
    let mut sent = String::new();
    for b in href.bytes() {
        if b.is_ascii_graphic() {
            sent.push(char::from(b));
        } else {
            sent.push_str(&format!("%{b:02X}"));
        }
    }
    sent
}

/// A `base_url` that is percent-encoded (`/my%20docs/`) or not ASCII
/// (`/ü/`): a request arrives percent-encoded and is decoded once, the
/// base is compared in that decoded form everywhere (pages, the preview's
/// own endpoints, the long-poll), and the printed URL and every
/// `Location` are plain ASCII that lead to the page.
#[test]
fn a_base_url_to_percent_encode_is_served_pages_links_and_endpoints() {
    let mut problems = Vec::new();
    for (written, sent) in [("/my%20docs/", "/my%20docs/"), ("/ü/", "/%C3%BC/")] {
        let tree = common::bundled_copy();
        let root = tree.path();
        edit(
            &root.join("gtdocs.yaml"),
            "  base_url: /\n",
            &format!("  base_url: {written}\n"),
        );
        let check = common::gtdocs(root, &["check"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "gtdocs check refuses the base_url {written:?}:\n{}",
            common::stderr(&check)
        );
        let srv = Server::start(root, &[]);
        if srv.base != sent {
            problems.push(format!("base_url {written:?} is printed as {}", srv.url));
        }
        let home = srv.get(sent);
        if home.status != 200 {
            problems.push(format!(
                "GET {sent} (the printed URL): {}",
                home.head_text()
            ));
        }
        // A page link as the site writes it, sent as a browser sends it.
        let page = home.text();
        let link = format!("href=\"{written}runbooks/");
        match page.find(&link) {
            Some(at) => {
                let href = page[at + 6..].split('"').next().unwrap_or("");
                let target = as_browser_sends(href);
                let r = srv.get(&target);
                if r.status != 200 {
                    problems.push(format!("GET {target} (link {href}): {}", r.head_text()));
                }
            }
            None => problems.push(format!("no {link}... link on the home page")),
        }
        let tag = format!("<script src=\"{written}__gtdocs/live.js\"></script>");
        if !page.contains(&tag) {
            problems.push(format!("the home page lacks {tag}"));
        }
        for own in ["__gtdocs/status", "__gtdocs/live.js"] {
            let r = srv.get(&format!("{sent}{own}"));
            if r.status != 200 {
                problems.push(format!("GET {sent}{own}: {}", r.head_text()));
            }
        }
        // Behind the current epoch (no good build is epoch 0), the
        // long-poll answers at once, with the epoch of the status.
        let status = srv.get(&format!("{sent}__gtdocs/status"));
        let wait = srv.get(&format!("{sent}__gtdocs/wait?epoch=0"));
        let epoch = |r: &Resp| {
            (r.status == 200 && r.essence() == "application/json")
                .then(|| r.json()["epoch"].as_u64())
                .flatten()
        };
        if epoch(&wait).is_none_or(|n| n == 0) || epoch(&wait) != epoch(&status) {
            problems.push(format!(
                "GET {sent}__gtdocs/wait?epoch=0: {} {}, the status: {} {}",
                wait.head_text(),
                wait.text().chars().take(100).collect::<String>(),
                status.head_text(),
                status.text().chars().take(100).collect::<String>()
            ));
        }
        for no_slash in [
            sent.trim_end_matches('/').to_string(),
            format!("{sent}runbooks"),
        ] {
            let r = srv.get(&no_slash);
            let location = r.header("location").unwrap_or("").to_string();
            if r.status != 301 || !location.is_ascii() || !location.ends_with('/') {
                problems.push(format!(
                    "GET {no_slash}: {}, expected 301 to an ASCII Location",
                    r.head_text()
                ));
                continue;
            }
            let to = srv.get(&location);
            if to.status != 200 {
                problems.push(format!("GET {no_slash} -> {location}: {}", to.head_text()));
            }
        }
    }
    assert_none("gtdocs serve under a percent-encoded base_url", &problems);
}

/// A source with thousands of problems on one long line: `__gtdocs/status`
/// (fetched by every open page) stays small; the counts stay whole and a
/// last entry says how many were left out.
#[test]
fn the_status_of_a_source_with_thousands_of_problems_stays_small() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let epoch = srv.epoch();
    let file = root.join("runbooks/librechat.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    let docs = Regex::new(r"\ndocs:\n(  - .*\n)+").expect("regex");
    let urls: Vec<String> = (0..2000).map(|i| format!("http://x.example/{i}")).collect();
    let text = docs.replace(&text, format!("\ndocs: [{}]\n", urls.join(", ")).as_str());
    std::fs::write(&file, text.as_bytes()).expect("write");
    let (status, _) = srv.settle(epoch);
    let size = srv.page("__gtdocs/status").body.len();
    let list = status["diagnostics"].as_array().expect("diagnostics");
    eprintln!(
        "2,000 bad URLs on one line: status of {size} bytes, {} entries, {} errors",
        list.len(),
        status["errors"]
    );
    assert!(
        status["errors"].as_u64() >= Some(2000),
        "{}",
        status["errors"]
    );
    assert!(size <= 1 << 20, "the status is {size} bytes");
    assert!(
        list.len() <= 101,
        "the status lists {} diagnostics",
        list.len()
    );
    let last = &list[list.len() - 1];
    assert!(
        last["message"].as_str().is_some_and(|m| m.contains("more")),
        "the last entry does not say how many were left out: {last}"
    );
}

/// A key pasted into a runbook: the status the overlay shows carries the
/// credential's snippet with the key cut after its first characters, and
/// neither the status nor the terminal shows more of it.
#[test]
fn the_status_and_the_terminal_redact_a_credential() {
    let tree = common::bundled_copy();
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let epoch = srv.epoch();
    let key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";
    let file = root.join("runbooks/aider.yaml");
    let (line, _) = line_starting(&file, "    value: gtak_...");
    edit(
        &file,
        "    value: gtak_...\n",
        &format!("    value: {key}\n"),
    );
    let (status, _) = srv.settle(epoch);
    let body = String::from_utf8_lossy(&srv.page("__gtdocs/status").body).into_owned();
    let credential = status["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "credential")
        .unwrap_or_else(|| panic!("no credential diagnostic in {status}"));
    assert_eq!(
        credential["snippet"].as_str(),
        Some(format!("{line:>4} |     value: sk-proj-A…").as_str()),
        "{credential}"
    );
    // The terminal's report follows the new status.
    let deadline = Instant::now() + REBUILD;
    let terminal = loop {
        let terminal = srv.stderr_text();
        if terminal.contains("rebuild failed") || Instant::now() > deadline {
            break terminal;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(terminal.contains("error[credential]"), "{terminal}");
    for (what, text) in [("the status", &body), ("the terminal", &terminal)] {
        for part in key.as_bytes().windows(10) {
            let part = std::str::from_utf8(part).expect("ASCII");
            assert!(
                !text.contains(part),
                "{what} shows `{part}` of the key:\n{text}"
            );
        }
    }
}

/// A refused request (405 for a POST with a body, 421 for a host this server
/// does not answer for) ends its connection: `Connection: close`, then
/// EOF, so a body left unread is never taken for the next request.
#[test]
fn a_refused_request_closes_its_connection() {
    let tree = common::bundled_copy();
    let srv = Server::start(tree.path(), &[]);
    let port = srv.port;
    let mut problems = Vec::new();
    for (what, request, status) in [
        (
            "POST with a 5-byte body",
            format!("POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 5\r\n\r\nhello"),
            405,
        ),
        (
            "GET for evil.example",
            format!("GET / HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n"),
            421,
        ),
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(request.as_bytes()).expect("send");
        let r = match read_response(&mut s, false) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{what}: {e}"));
                continue;
            }
        };
        if r.status != status || r.header("connection") != Some("close") {
            problems.push(format!(
                "{what}: {}, expected {status} with Connection: close",
                r.head_text()
            ));
        }
        // Kept alive, the connection would wait 5 s for a next request.
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let t = Instant::now();
        let mut rest = Vec::new();
        match s.read_to_end(&mut rest) {
            Ok(_) if rest.is_empty() => {}
            Ok(_) => problems.push(format!(
                "{what}: {} more byte(s) after the answer: {:?}",
                rest.len(),
                String::from_utf8_lossy(&rest)
            )),
            Err(e) => problems.push(format!(
                "{what}: the connection is still open {:?} after the answer ({e})",
                t.elapsed()
            )),
        }
    }
    assert_none("refused requests", &problems);
}

/// A burst of saves while search indexes build: one search thread, not one
/// per save (each would hold a copy of the book); the index served at the
/// end is the last edit's.
#[test]
fn a_burst_of_edits_takes_one_search_thread_and_indexes_the_last() {
    let tree = common::scaled_copy(200);
    let root = tree.path();
    let srv = Server::start(root, &[]);
    let pid = srv.child.id();
    let mut epoch = srv.quiet(Duration::from_millis(500));
    let threads = proc_status(pid, "Threads");
    let path = std::fs::read_dir(root.join("runbooks"))
        .expect("runbooks")
        .map(|e| e.expect("entry").path())
        .min()
        .expect("a runbook");
    let mut most = threads;
    for i in 0..24 {
        let (_, line) = line_starting(&path, "title: ");
        edit(&path, &line, &format!("title: Burst edit {i}"));
        // Each save is its own rebuild, with its own search job.
        epoch = srv.try_wait_change(epoch, REBUILD).unwrap_or_else(|| {
            panic!(
                "edit {i}: no rebuild within {REBUILD:?}\nstderr:\n{}",
                srv.stderr_text()
            )
        });
        most = most.max(proc_status(pid, "Threads"));
    }
    eprintln!("24 edits in a row: threads {threads} at rest, {most} at most");
    // While an index builds: the thread it runs on (see
    // `Renderer::own_thread`) and Pagefind's one blocking thread (an index
    // of one part here; a larger one takes two more per core).
    assert!(
        most <= threads + 2,
        "24 edits in a row took {} threads more than the server has at rest ({threads})",
        most - threads
    );
    eprintln!("{}", converges_to_build(&srv, root, "24 edits in a row"));
}

/// Sends SIGINT to the server; its exit status and how long it took.
fn interrupt(child: &mut Child) -> (Option<std::process::ExitStatus>, Duration) {
    let pid = child.id().to_string();
    let t = Instant::now();
    let k = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(k.success(), "kill -INT {pid} failed");
    while t.elapsed() < Duration::from_secs(10) {
        if let Some(s) = child.try_wait().unwrap() {
            return (Some(s), t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (None, t.elapsed())
}

/// CPU time (user and system) the process has used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // The fields after the command name: state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').expect("(comm)") + 2..];
    let fields: Vec<u64> = after
        .split(' ')
        .skip(11)
        .take(2)
        .map(|f| f.parse().expect("clock ticks"))
        .collect();
    // Linux reports them in USER_HZ, 100 a second on every architecture.
    Duration::from_millis((fields[0] + fields[1]) * 10)
}

/// Waits until the process has used `more` CPU time past `from` (a
/// rebuild is under way: at rest the server uses next to none); false
/// if that did not happen within 20 s.
fn busy(pid: u32, from: Duration, more: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < REBUILD {
        if cpu_time(pid) >= from + more {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A runbook template whose every page loops a million times: a fifth of
/// a page's template fuel, so no page runs out, but rendering a hundred
/// pages takes tens of seconds of CPU (debug build), far longer than a
/// signal takes on any machine.
const SLOW_RUNBOOK: &str = "{% extends \"default/runbook.html\" %}\n{% block head %}\
    {% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{% endblock %}\n";

/// 100 runbooks with theme `slow`, its runbook template `template`.
fn slow_theme_tree(template: &str) -> tempfile::TempDir {
    let tree = common::scaled_copy(100);
    edit(
        &tree.path().join("gtdocs.yaml"),
        "  base_url: /\n",
        "  base_url: /\n  theme: slow\n",
    );
    let templates = tree.path().join("themes/slow/templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    std::fs::write(templates.join("runbook.html"), template).expect("write");
    tree
}

/// Ctrl-C while a rebuild runs (the first build, or one of a large tree)
/// ends the process promptly, with code 0, instead of when it is done.
#[test]
fn sigint_during_a_rebuild_exits_promptly() {
    // The first build: `serving` is printed once it is over.
    let tree = slow_theme_tree(SLOW_RUNBOOK);
    let mut child = serve_command(tree.path(), &["--port", "0"])
        .spawn()
        .expect("spawn");
    let building = busy(child.id(), Duration::ZERO, Duration::from_millis(500));
    let (status, took) = interrupt(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    let mut stdout = String::new();
    let _ = child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout);
    eprintln!("SIGINT during the first build: {status:?} after {took:?}");
    assert!(building, "the first build used no CPU time");
    assert!(
        stdout.is_empty(),
        "the first build was over before SIGINT: {stdout:?}"
    );
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit {status:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");

    // A full rebuild (the theme edited).
    let tree = slow_theme_tree("{% extends \"default/runbook.html\" %}\n");
    let root = tree.path();
    let mut srv = Server::start(root, &[]);
    let pid = srv.child.id();
    let epoch = srv.quiet(Duration::from_millis(500));
    let at_rest = cpu_time(pid);
    std::fs::write(
        root.join("themes/slow/templates/runbook.html"),
        SLOW_RUNBOOK,
    )
    .expect("write");
    let building = busy(pid, at_rest, Duration::from_millis(500));
    let current = srv.epoch();
    let (status, took) = interrupt(&mut srv.child);
    eprintln!("SIGINT during a rebuild: {status:?} after {took:?}");
    assert!(building, "no rebuild after the theme edit");
    assert_eq!(
        current,
        epoch,
        "the rebuild was over before SIGINT:\n{}",
        srv.stderr_text()
    );
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit {status:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

/// A bad SOURCE_DATE_EPOCH is reported as what it is.
#[test]
fn a_bad_source_date_epoch_is_named() {
    let tree = common::bundled_copy();
    let out = serve_command(tree.path(), &["--port", "0"])
        .env("SOURCE_DATE_EPOCH", "abc")
        .output()
        .expect("run");
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("SOURCE_DATE_EPOCH") && !stderr.contains("Ctrl-C"),
        "{stderr}"
    );
}

/// A commit changes no source, yet the preview's history follows it:
/// HEAD is looked at while the server is idle, and the history read again
/// when it moved.
#[test]
fn the_history_follows_a_commit_made_while_serving() {
    let repo = crate::history::Repo::new();
    let s = crate::history::story(&repo);
    let srv = Server::start(&repo.docs(), &[]);
    srv.quiet(Duration::from_millis(500));
    let changes = srv.page("changes/").text();
    assert!(changes.contains(&s.base.0[..12]), "{changes}");
    // The edit, uncommitted: the page shows it, the history does not.
    let from = srv.epoch();
    repo.edit(
        "runbooks/alpha.yaml",
        "verdict: gt_extension\n    integration: Alpha Chat has no embeddings",
        "verdict: native\n    integration: Alpha Chat has no embeddings",
    );
    let (status, _) = srv.settle(from);
    assert_eq!(status["ok"], true, "{status}");
    let before = srv.page("changes/").text();
    // Committed: no file changes, HEAD moves, the history has the event.
    let from = srv.epoch();
    let commit = repo.commit("2026-07-01T00:00:00Z", "alpha: embeddings native");
    let (status, _) = srv.settle(from);
    assert_eq!(status["ok"], true, "{status}");
    let after = srv.page("changes/").text();
    let id = format!("{}-upgrade-alpha-post-v1-embeddings", &commit[..12]);
    assert!(!before.contains(&id), "{before}");
    assert!(after.contains(&id), "{after}");
    assert!(
        srv.stderr_text().contains("git HEAD"),
        "{}",
        srv.stderr_text()
    );
}

// ============================================ source folders that come and go

#[path = "serve_watch.rs"]
mod folders;

/// The preview reads the probes' results as the build does: the bundled
/// tree with its probes serves every file as `gtdocs build` writes it,
/// "Tested with ..." lines included.
#[test]
fn serves_what_the_probes_found_as_the_build_shows_it() {
    let tmp = common::bundled_copy();
    let root = tmp.path().to_path_buf();
    let srv = Server::start(&root, &[]);
    let page = srv.get("/runbooks/openai-sdk-curl/");
    assert!(
        page.text()
            .contains("<p class=\"tested-line\">Tested with openai 3.63.0 on "),
        "{}",
        page.text()
    );
    let (problems, count) = compare_with_build(&srv, &root);
    assert!(count > 100, "compared {count} files");
    common::assert_none("differences from the build", &problems);

    // New results, and no runbook touched: the preview follows them, with
    // the contradiction they make in its status.
    let results = root.join("probes/openai-sdk-curl/results.json");
    let text = std::fs::read_to_string(&results).expect("results");
    let missed = text
        .replacen("\"outcome\": \"reached\"", "\"outcome\": \"missed\"", 1)
        .replace("\"version\": \"3.63.0\"", "\"version\": \"9.9.9\"");
    assert_ne!(missed, text);
    let epoch = srv.epoch();
    std::fs::write(&results, missed).expect("write results");
    let (status, _) = srv.settle(epoch);
    let codes: Vec<&str> = (status["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter())
    .filter_map(|d| d["code"].as_str())
    .collect();
    assert!(codes.contains(&"probe-contradiction"), "{status}");
    let page = srv.get("/runbooks/openai-sdk-curl/");
    assert!(
        page.text().contains("Tested with openai 9.9.9 on "),
        "{}",
        page.text()
    );
    eprintln!("{}", converges_to_build(&srv, &root, "new probe results"));

    // Results removed (the folder stays): the runbook no longer says it
    // was tested.
    let epoch = srv.epoch();
    std::fs::remove_file(&results).expect("remove results");
    srv.settle(epoch);
    let page = srv.get("/runbooks/openai-sdk-curl/");
    assert!(!page.text().contains("tested-line"), "{}", page.text());
    eprintln!("{}", converges_to_build(&srv, &root, "results removed"));
}
