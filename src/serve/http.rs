//! Answering requests from the in-memory site (a request target made a
//! site path by `paths`): content types, the live-reload script, the
//! status and long-poll endpoints, and the room long-polls wait in.
//! Nothing here reads the file system.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Response, StatusCode, header};
use tokio::sync::Semaphore;

use super::paths::{href, site_path};
use super::state::{Shared, Snapshot};
use crate::markdown::escape_html;

/// Where the preview's own files live, below `base_url`.
pub const PREFIX: &str = "__gtdocs/";

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
const NO_BUILD_YET: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <meta name=\"gtdocs-build\" content=\"none\">\n\
    <title>gtdocs: no good build yet</title>\n</head>\n<body>\n<main>\n<h1>No good build yet</h1>\n\
    <p>The sources have errors, listed below. Fix them and this page reloads.</p>\n</main>\n</body>\n</html>\n";

/// A response held in memory.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    pub location: Option<String>,
    pub allow: bool,
    /// `Retry-After: 1`: the client is to come back a second later.
    pub later: bool,
    /// `Connection: close`: the connection is not kept (nor a request body
    /// read) after this answer.
    pub close: bool,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Reply {
            status,
            content_type,
            body: body.into(),
            location: None,
            allow: false,
            later: false,
            close: false,
        }
    }

    pub fn text(status: u16, message: &str) -> Self {
        Reply::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    /// The response; for HEAD, hyper sends the head only, with the
    /// body's Content-Length.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(self.content_type),
        );
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        );
        // A Location is made by `href`: plain ASCII, so this only fails on
        // a bug; then the Location is left out.
        if let Some(location) = self.location
            && let Ok(value) = header::HeaderValue::from_str(&location)
        {
            headers.insert(header::LOCATION, value);
        }
        if self.allow {
            headers.insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        }
        if self.later {
            headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        // hyper ends the connection after a response that says so, without
        // reading what is left of the request (a refused method's body).
        if self.close || self.later {
            headers.insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// The content type of a site file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    // The feed of verdict changes is Atom (RFC 4287), not any XML.
    if path == crate::model::CHANGES_FEED_PATH {
        return "application/atom+xml";
    }
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
        // The pages' Markdown twins (RFC 7763).
        "md" => "text/markdown; charset=utf-8",
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

/// Answers one request (except long-polls, see [`wait_epoch`]). `target`
/// is the request's path and query, as sent.
pub fn answer(shared: &Shared, snapshot: &Arc<Snapshot>, method: &Method, target: &str) -> Reply {
    if !matches!(*method, Method::GET | Method::HEAD) {
        let mut reply = Reply::text(405, "only GET and HEAD");
        reply.allow = true;
        reply.close = true;
        return reply;
    }
    if target.len() > 8 * 1024 {
        return Reply::text(414, "request target too long");
    }
    let path = match site_path(target) {
        Ok(p) => p,
        Err(status) => return Reply::text(status, "bad request path"),
    };
    let base = shared.base_path.as_str();
    if !base.is_empty() && path == base.trim_end_matches('/') {
        let mut reply = Reply::text(301, "moved");
        reply.location = Some(href(base));
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
        return page(shared, &file, body, 200);
    }
    if snapshot.files.contains_key(&format!("{rel}/index.html")) {
        let mut reply = Reply::text(301, "moved");
        reply.location = Some(href(&format!("{path}/")));
        return reply;
    }
    not_found(shared, snapshot)
}

/// The answer to a request whose `Host` this server does not answer for.
pub fn misdirected(host: &str) -> Reply {
    let shown: String = host.chars().take(100).collect();
    let mut reply = Reply::text(
        421,
        &format!(
            "gtdocs serve answers requests for localhost and its own address only, not for `{shown}` \
             (a page elsewhere may be trying to read this preview through a DNS name of its own); \
             to allow this name, run `gtdocs serve --allow-host NAME`"
        ),
    );
    reply.close = true;
    reply
}

fn not_found(shared: &Shared, snapshot: &Snapshot) -> Reply {
    if snapshot.files.is_empty() {
        // No good build yet: a page that shows the diagnostics overlay and
        // reloads once the site builds.
        return page(
            shared,
            "waiting.html",
            &Arc::from(NO_BUILD_YET.as_bytes()),
            503,
        );
    }
    match snapshot.files.get("404.html") {
        Some(body) => page(shared, "404.html", body, 404),
        None => Reply::text(404, "not found"),
    }
}

/// A site file; HTML pages get the live-reload script.
fn page(shared: &Shared, file: &str, body: &Arc<[u8]>, status: u16) -> Reply {
    let kind = content_type(file);
    if !kind.starts_with("text/html") {
        // Served from the snapshot as it is, not copied.
        return Reply::new(status, kind, Bytes::from_owner(Arc::clone(body)));
    }
    let script = live_script_tag(&shared.base_url);
    let text = String::from_utf8_lossy(body);
    let html = match text.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &text[..at], &text[at..]),
        None => format!("{text}{script}"),
    };
    Reply::new(status, kind, html)
}

/// `<script src="BASE__gtdocs/live.js"></script>`, with `base_url` escaped
/// as the site's templates escape it: the config pattern lets `"`, `<`
/// and `>` through, and the tag must stay one tag whatever it holds.
fn live_script_tag(base_url: &str) -> String {
    format!(
        "<script src=\"{}{PREFIX}live.js\"></script>\n",
        escape_html(base_url)
    )
}

/// The epoch a long-poll waits past: `wait?epoch=N`. The path is
/// compared decoded, as [`answer`] compares it.
pub fn wait_epoch(shared: &Shared, target: &str) -> Option<u64> {
    let (_, query) = target.split_once('?').unwrap_or((target, ""));
    let path = site_path(target).ok()?;
    let wait = format!("{}{PREFIX}wait", shared.base_path);
    if path != wait {
        return None;
    }
    let epoch = query.split('&').find_map(|kv| kv.strip_prefix("epoch="))?;
    Some(epoch.parse().unwrap_or(0))
}

/// How long a long-poll waits before answering "nothing new".
pub const WAIT: Duration = Duration::from_secs(25);

/// Long-polls that may wait at once. Each open page holds one; past this
/// many, a long-poll is answered at once (503, and live.js tries again a
/// second later) so that waiting requests cannot fill every connection.
pub const MAX_PARKED: usize = 128;

/// Room for waiting long-polls, one place each while it waits.
pub struct Parking {
    room: Semaphore,
}

impl Default for Parking {
    fn default() -> Self {
        Parking {
            room: Semaphore::new(MAX_PARKED),
        }
    }
}

impl Parking {
    /// Waits (as a future: no thread is held) until the epoch of the
    /// served snapshot is not `since`, or [`WAIT`] passed; `None` when too
    /// many already wait.
    pub async fn wait_past(&self, shared: &Shared, since: u64) -> Option<Arc<Snapshot>> {
        let mut updates = shared.subscribe();
        if updates.borrow().epoch != since {
            return Some(shared.snapshot());
        }
        let _place = self.room.try_acquire().ok()?;
        // The sender lives as long as `shared`: `wait_for` ends by a new
        // epoch or by the timeout, never by a closed channel.
        let _ = tokio::time::timeout(WAIT, updates.wait_for(|s| s.epoch != since)).await;
        Some(shared.snapshot())
    }
}

/// The answer to a long-poll.
pub fn wait_reply(snapshot: &Snapshot) -> Reply {
    Reply::new(
        200,
        "application/json",
        format!("{{\"epoch\":{},\"ok\":{}}}", snapshot.epoch, snapshot.ok),
    )
}

/// The answer to a long-poll past [`MAX_PARKED`]: not JSON, so
/// live.js waits a second and asks again instead of asking at once.
pub fn too_many_waiting() -> Reply {
    let mut reply = Reply::text(503, "too many pages wait for a reload; try again");
    reply.later = true;
    reply.close = true;
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("changes.xml"), "application/atom+xml");
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(
            content_type("pagefind/wasm.en.pagefind"),
            "application/wasm"
        );
        assert_eq!(
            content_type("pagefind/index/en_1.pf_index"),
            "application/octet-stream"
        );
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(
            content_type("runbooks/librechat/index.html.md"),
            "text/markdown; charset=utf-8"
        );
        assert_eq!(content_type("llms.txt"), "text/plain; charset=utf-8");
    }

    #[test]
    fn the_live_script_tag_escapes_base_url() {
        assert_eq!(
            live_script_tag("/docs/"),
            "<script src=\"/docs/__gtdocs/live.js\"></script>\n"
        );
        let tag = live_script_tag("/a\"><meta/b'&<c/");
        assert_eq!(
            tag,
            "<script src=\"/a&quot;&gt;&lt;meta/b&#39;&amp;&lt;c/__gtdocs/live.js\"></script>\n"
        );
    }
}
