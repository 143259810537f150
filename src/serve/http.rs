//! Answering requests from the in-memory site: safe path resolution,
//! content types, the live-reload script, the status and long-poll
//! endpoints. Nothing here reads the file system.

use std::io::Cursor;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::state::{Shared, Snapshot};

/// Where the preview's own files live, below `base_url`.
pub const PREFIX: &str = "__gtdocs/";

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
const NO_BUILD_YET: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <title>gtdocs: no good build yet</title>\n</head>\n<body>\n<main>\n<h1>No good build yet</h1>\n\
    <p>The sources have errors, listed below. Fix them and this page reloads.</p>\n</main>\n</body>\n</html>\n";

/// A response held in memory.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub location: Option<String>,
    pub allow: bool,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            content_type,
            body: body.into(),
            location: None,
            allow: false,
        }
    }

    fn text(status: u16, message: &str) -> Self {
        Reply::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    pub fn into_response(self, head_only: bool) -> Response<Cursor<Vec<u8>>> {
        let length = self.body.len();
        let body = if head_only { Vec::new() } else { self.body };
        let mut response = Response::from_data(body).with_status_code(StatusCode(self.status));
        let mut headers = vec![
            ("Content-Type", self.content_type.to_string()),
            ("Cache-Control", "no-store".to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
        ];
        if head_only {
            headers.push(("Content-Length", length.to_string()));
        }
        if let Some(location) = self.location {
            headers.push(("Location", location));
        }
        if self.allow {
            headers.push(("Allow", "GET, HEAD".to_string()));
        }
        for (name, value) in headers {
            if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        response
    }
}

/// The content type of a site file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "application/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ if path
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("wasm.") && n.ends_with(".pagefind")) =>
        {
            "application/wasm"
        }
        _ => "application/octet-stream",
    }
}

/// A request target made into a site path (no leading `/`), or why not.
/// The target is percent-decoded once; anything that could name a file
/// outside the site is refused rather than normalized.
pub fn site_path(target: &str) -> Result<String, u16> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(400);
    }
    let decoded = percent_decode_str(path).decode_utf8().map_err(|_| 400u16)?;
    if decoded.contains(['\0', '\\']) || decoded.chars().any(char::is_control) {
        return Err(400);
    }
    let rel = &decoded[1..];
    if rel
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(400);
    }
    Ok(rel.to_string())
}

/// Answers one request (except long-polls, which the caller parks).
pub fn answer(shared: &Shared, snapshot: &Arc<Snapshot>, method: &Method, target: &str) -> Reply {
    if !matches!(method, Method::Get | Method::Head) {
        let mut reply = Reply::text(405, "only GET and HEAD");
        reply.allow = true;
        return reply;
    }
    if target.len() > 8 * 1024 {
        return Reply::text(414, "request target too long");
    }
    let path = match site_path(target) {
        Ok(p) => p,
        Err(status) => return Reply::text(status, "bad request path"),
    };
    let base = shared.base_url.trim_start_matches('/');
    if !base.is_empty() && path == base.trim_end_matches('/') {
        let mut reply = Reply::text(301, "moved");
        reply.location = Some(shared.base_url.clone());
        return reply;
    }
    let Some(rel) = path.strip_prefix(base) else {
        return not_found(shared, snapshot);
    };
    if let Some(own) = rel.strip_prefix(PREFIX) {
        return match own {
            "live.js" => Reply::new(200, "application/javascript; charset=utf-8", LIVE_JS),
            "live.css" => Reply::new(200, "text/css; charset=utf-8", LIVE_CSS),
            "status" => Reply::new(200, "application/json", snapshot.status.clone()),
            _ => not_found(shared, snapshot),
        };
    }
    let file = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if let Some(body) = snapshot.files.get(&file) {
        return page(shared, &file, &body[..], 200);
    }
    if snapshot.files.contains_key(&format!("{rel}/index.html")) {
        let mut reply = Reply::text(301, "moved");
        reply.location = Some(format!("{}{rel}/", shared.base_url));
        return reply;
    }
    not_found(shared, snapshot)
}

fn not_found(shared: &Shared, snapshot: &Snapshot) -> Reply {
    if snapshot.files.is_empty() {
        // No good build yet: a page that shows the diagnostics overlay and
        // reloads once the site builds.
        return page(shared, "waiting.html", NO_BUILD_YET.as_bytes(), 503);
    }
    match snapshot.files.get("404.html") {
        Some(body) => page(shared, "404.html", &body[..], 404),
        None => Reply::text(404, "not found"),
    }
}

/// A site file; HTML pages get the live-reload script.
fn page(shared: &Shared, file: &str, body: &[u8], status: u16) -> Reply {
    let kind = content_type(file);
    if !kind.starts_with("text/html") {
        return Reply::new(status, kind, body.to_vec());
    }
    let script = format!(
        "<script src=\"{}{PREFIX}live.js\"></script>\n",
        shared.base_url
    );
    let text = String::from_utf8_lossy(body);
    let html = match text.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &text[..at], &text[at..]),
        None => format!("{text}{script}"),
    };
    Reply::new(status, kind, html)
}

/// The epoch a long-poll waits past: `wait?epoch=N`.
pub fn wait_epoch(shared: &Shared, target: &str) -> Option<u64> {
    let path = target.split('?').next()?;
    let wait = format!("{}{PREFIX}wait", shared.base_url);
    if path != wait {
        return None;
    }
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let epoch = query.split('&').find_map(|kv| kv.strip_prefix("epoch="))?;
    Some(epoch.parse().unwrap_or(0))
}

/// The answer to a long-poll.
pub fn wait_reply(snapshot: &Snapshot) -> Reply {
    Reply::new(
        200,
        "application/json",
        format!("{{\"epoch\":{},\"ok\":{}}}", snapshot.epoch, snapshot.ok),
    )
}

/// Responds, ignoring a client that went away.
pub fn respond(request: Request, reply: Reply) {
    let head = *request.method() == Method::Head;
    let _ = request.respond(reply.into_response(head));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_leave_the_site_are_refused() {
        for bad in [
            "/../gtdocs.yaml",
            "/..%2fgtdocs.yaml",
            "/%2e%2e/gtdocs.yaml",
            "/a/../../x",
            "/..\\x",
            "/%5c..%5cx",
            "//etc/passwd",
            "/%00",
            "/%ff%fe",
            "http://127.0.0.1/../x",
            "x",
            "/./x",
        ] {
            assert!(site_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            site_path("/%252e%252e/x"),
            Ok("%2e%2e/x".to_string()),
            "decoded once only"
        );
        assert_eq!(site_path("/runbooks/a/?q=1"), Ok("runbooks/a/".to_string()));
        assert_eq!(site_path("/"), Ok(String::new()));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("pagefind/wasm.en.pagefind"),
            "application/wasm"
        );
        assert_eq!(
            content_type("pagefind/index/en_1.pf_index"),
            "application/octet-stream"
        );
        assert_eq!(content_type("sitemap.xml"), "application/xml");
    }
}
