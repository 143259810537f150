//! A GT API stand-in on loopback: it answers each route of the catalog in
//! the OpenAI wire format, well enough for a client library to succeed,
//! under GT's own prefix (`/api/tenant`), asks for the bearer key, and
//! records every request it gets. Anything else gets the 404 a gateway
//! gives. A probe then knows which path a client called for each route.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Value, json};

use super::error::ProbeError;

/// Where GT serves its routes: a route `POST /v1/embeddings` is at
/// `/api/tenant/v1/embeddings`.
pub const PREFIX: &str = "/api/tenant";

/// The largest request body read (an audio file, an upload); a longer one
/// is recorded as empty.
const MAX_BODY: usize = 8 << 20;

/// Connections served at once (more wait to be accepted): with
/// [`MAX_BODY`], what the stand-in can hold is bounded.
const MAX_CONNECTIONS: usize = 16;

/// Requests recorded; later ones are answered, not recorded.
const MAX_SEEN: usize = 10_000;

/// Names listed in a body's shape (a JSON object's keys, a form's fields).
const MAX_NAMES: usize = 20;

/// One request the stand-in got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The catalog route it reached (`POST /v1/embeddings`), if any.
    pub route: Option<String>,
    pub status: u16,
    /// The bearer key: `right`, `wrong` or `missing`.
    pub key: &'static str,
    /// The body's media type, without its parameters (a form's boundary
    /// changes with every request).
    pub content_type: String,
    /// What the body held: a JSON object's keys, a form's field names,
    /// or its size.
    pub body: String,
}

/// The stand-in, running until dropped.
pub struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl StandIn {
    /// Starts a stand-in for `routes` (method and path, `{id}` for a path
    /// segment) on a free loopback port, asking for bearer key `key`.
    pub fn start(routes: &[String], key: &str) -> Result<Self, ProbeError> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(ProbeError::Listen)?;
        listener.set_nonblocking(true).map_err(ProbeError::Listen)?;
        let addr = listener.local_addr().map_err(ProbeError::Listen)?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(State {
            routes: routes.iter().filter_map(|r| Pattern::parse(r)).collect(),
            key: format!("Bearer {key}"),
            seen: Arc::clone(&seen),
            own: addr.to_string(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ProbeError::Listen)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(ProbeError::Listen)?
        };
        std::thread::spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = accept(listener, state) => {}
                    _ = stopped => {}
                }
            });
        });
        Ok(StandIn {
            addr,
            seen,
            _stop: stop,
        })
    }

    /// The base URL GT documents for clients: `http://127.0.0.1:PORT/api/tenant`.
    pub fn base_url(&self) -> String {
        format!("http://{}{PREFIX}", self.addr)
    }

    /// Its address: `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The requests seen so far, in the order they came.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }
}

/// What every connection shares.
struct State {
    routes: Vec<Pattern>,
    key: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Its own address, `127.0.0.1:port`: a request naming it in full
    /// (`GET http://127.0.0.1:port/api/...`, the form a proxy is sent) is
    /// its own.
    own: String,
}

async fn accept(listener: tokio::net::TcpListener, state: Arc<State>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, say: a pause, not a busy loop.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(answer(&state, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The answer to one request, recorded.
async fn answer(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().as_str().to_owned();
    // A request meant for another host, sent through the stand-in as a
    // proxy (`CONNECT api.openai.com:443`, `GET http://host/path`), keeps
    // that host: off the catalog, it is a 404 that shows where the client
    // went.
    let uri = request.uri();
    let path = match (uri.scheme_str(), uri.authority()) {
        (Some("http"), Some(host)) if host.as_str() == state.own => uri.path().to_owned(),
        (Some(scheme), Some(host)) => format!("{scheme}://{host}{}", uri.path()),
        (None, Some(host)) => host.to_string(),
        _ => uri.path().to_owned(),
    };
    let key = match request.headers().get(hyper::header::AUTHORIZATION) {
        None => "missing",
        Some(v) if v.as_bytes() == state.key.as_bytes() => "right",
        Some(_) => "wrong",
    };
    let content_type = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    // Read once, for the answer and the record.
    let json: Value = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let route = path
        .strip_prefix(PREFIX)
        .and_then(|rest| state.routes.iter().find(|p| p.matches(&method, rest)));
    // A path off the catalog is a 404 whatever the key: a probe tells a
    // client that missed the route from one that sent a wrong key.
    let (status, reply) = match route {
        None => (
            404,
            error(
                "not_found",
                &format!("Unknown request URL: {method} {path}"),
            ),
        ),
        Some(_) if key != "right" => (401, error("invalid_api_key", "Incorrect API key provided")),
        Some(route) => (200, respond(route, &json, &body)),
    };
    let mut seen = lock(&state.seen);
    if seen.len() < MAX_SEEN {
        seen.push(Seen {
            method,
            path,
            route: route.map(|r| r.route.clone()),
            status,
            key,
            content_type: content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_owned(),
            body: shape(&content_type, &json, &body),
        });
    }
    drop(seen);
    reply.with_status(status)
}

/// A route of the catalog: its method, and its path's segments (`None`
/// for a `{name}` one, which any segment fills).
struct Pattern {
    route: String,
    method: String,
    segments: Vec<Option<String>>,
}

impl Pattern {
    fn parse(route: &str) -> Option<Self> {
        let (method, path) = route.split_once(' ')?;
        let segments = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
            .collect();
        Some(Pattern {
            route: route.to_owned(),
            method: method.to_owned(),
            segments,
        })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        method == self.method
            && parts.len() == self.segments.len()
            && parts
                .iter()
                .zip(&self.segments)
                .all(|(part, segment)| match segment {
                    Some(s) => part == s,
                    None => !part.is_empty(),
                })
    }

    /// The path's last fixed segments, which say what the route does.
    fn ends_with(&self, tail: &[&str]) -> bool {
        let fixed: Vec<&str> = self.segments.iter().flatten().map(String::as_str).collect();
        fixed.ends_with(tail)
    }
}

/// A reply's body and type, before its status is set.
struct Reply {
    content_type: &'static str,
    body: Bytes,
}

impl Reply {
    fn json(value: &Value) -> Self {
        Reply {
            content_type: "application/json",
            body: Bytes::from(value.to_string()),
        }
    }

    fn with_status(self, status: u16) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body));
        *response.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(self.content_type),
        );
        response
    }
}

/// An error in the OpenAI format.
fn error(code: &str, message: &str) -> Reply {
    Reply::json(&json!({
        "error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}
    }))
}

/// The answer to a request that reached `route`: what the OpenAI API
/// answers for the routes GT shares with it, a file object for GT's
/// uploads, an empty object for any other.
fn respond(route: &Pattern, request: &Value, body: &[u8]) -> Reply {
    let model = request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("gt-stand-in")
        .to_owned();
    if route.ends_with(&["models"]) {
        return Reply::json(&json!({
            "object": "list",
            "data": [{"id": "gt-stand-in", "object": "model", "created": 0, "owned_by": "gt"}]
        }));
    }
    if route.ends_with(&["chat", "completions"]) {
        let message = json!({"role": "assistant", "content": "stand-in reply"});
        if request.get("stream").and_then(Value::as_bool) == Some(true) {
            let chunk = json!({
                "id": "chatcmpl-stand-in", "object": "chat.completion.chunk", "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": message, "finish_reason": "stop"}]
            });
            return Reply {
                content_type: "text/event-stream",
                body: Bytes::from(format!("data: {chunk}\n\ndata: [DONE]\n\n")),
            };
        }
        return Reply::json(&json!({
            "id": "chatcmpl-stand-in", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": null}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
        }));
    }
    if route.ends_with(&["embeddings"]) {
        let inputs = match request.get("input") {
            Some(Value::Array(items)) if !items.is_empty() && !items[0].is_number() => items.len(),
            _ => 1,
        };
        let base64 = request.get("encoding_format").and_then(Value::as_str) == Some("base64");
        let data: Vec<Value> = (0..inputs)
            .map(|i| {
                let embedding = if base64 {
                    // Three f32 zeros, little-endian, in base64.
                    json!("AAAAAAAAAAAAAAAA")
                } else {
                    json!([0.0, 0.0, 0.0])
                };
                json!({"object": "embedding", "index": i, "embedding": embedding})
            })
            .collect();
        return Reply::json(&json!({
            "object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": 1, "total_tokens": 1}
        }));
    }
    if route.ends_with(&["audio", "transcriptions"]) {
        return Reply::json(&json!({"text": "stand-in transcript"}));
    }
    if route.ends_with(&["audio", "speech"]) {
        return Reply {
            content_type: "audio/mpeg",
            body: Bytes::from_static(b"ID3\x04\x00\x00\x00\x00\x00\x00"),
        };
    }
    if route.ends_with(&["images", "generations"]) {
        // A 1x1 transparent PNG.
        const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
        return Reply::json(&json!({"created": 0, "data": [{"b64_json": PNG}]}));
    }
    // An upload (`POST .../files`) or a file's status (`GET /v1/files/{id}`).
    let of_files = route.segments.iter().flatten().any(|s| s == "files");
    if of_files && (route.method == "GET" || route.ends_with(&["files"])) {
        return Reply::json(&json!({
            "id": "file-stand-in", "object": "file", "bytes": body.len(), "created_at": 0,
            "filename": "upload", "purpose": "assistants", "status": "processed"
        }));
    }
    Reply::json(&json!({}))
}

/// What a request's body held, for the record: a JSON object's keys
/// (sorted; `json`, the body read as JSON), a form's field names (in
/// order), else its size.
fn shape(content_type: &str, json: &Value, body: &[u8]) -> String {
    if body.is_empty() {
        return "empty".into();
    }
    if let Value::Object(map) = json {
        let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
        keys.sort_unstable();
        return format!("json {{{}}}", listed(&keys));
    }
    if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        let boundary = boundary.trim_matches('"');
        let fields = form_fields(body, boundary);
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        return format!("form [{}]", listed(&fields));
    }
    format!("{} bytes", body.len())
}

/// The names a body's shape lists: at most [`MAX_NAMES`], then how many
/// more.
fn listed(names: &[&str]) -> String {
    let mut list = names
        .iter()
        .take(MAX_NAMES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_NAMES {
        list.push_str(&format!(", and {} more", names.len() - MAX_NAMES));
    }
    list
}

/// The field names of a `multipart/form-data` body, in order.
fn form_fields(body: &[u8], boundary: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    text.split(delimiter.as_str())
        .filter_map(|part| {
            let head = part.split("\r\n\r\n").next()?;
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
            let name = disposition
                .split(';')
                .find_map(|param| param.trim().strip_prefix("name="))?;
            Some(name.trim_matches('"').to_owned())
        })
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
