//! The network side of `gtdocs serve`: HTTP/1.1 (hyper) on a small tokio
//! runtime. Every connection, long-poll included, is a future, not a
//! thread; what a client can hold is bounded: connections (a semaphore
//! sized below the file descriptor limit), the request head (size, and
//! time to send it, which also closes idle keep-alive connections), time
//! to take a response, and waiting long-polls (see `http::Parking`).

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::http;
use super::state::Shared;

/// Threads of the runtime that answers requests. Nothing they run blocks:
/// pages come from memory, long-polls wait as futures.
pub const THREADS: usize = 2;
/// Connections open at once, at most (fewer under a low file limit). Past
/// it, new connections wait in the kernel's accept queue.
const MAX_CONNECTIONS: usize = 256;
/// File descriptors kept for everything but connections: the standard
/// streams, the listener, the runtime, the watcher, files read by rebuilds.
const RESERVED_FDS: u64 = 48;
/// Time a client has to send a whole request head, counted from the
/// connection's start or the end of the previous response: also the idle
/// timeout of keep-alive connections.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Time a response may wait for the client to take it (a client that
/// sends requests and never reads the answers).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The request head, at most (browsers' own limits are near this; a
/// larger one is answered 431). Also the read buffer of a connection.
pub const MAX_HEAD: usize = 64 * 1024;
/// How long to wait, at most, before accepting again when out of file
/// descriptors (or memory): a connection of this server closing ends the
/// wait at once; this bounds it for files other code gives back.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A connection's place: given back, and the accept loop told, when the
/// connection ends (its socket is closed by then).
struct Slot {
    _permit: OwnedSemaphorePermit,
    closed: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.closed.notify_one();
    }
}

/// Connections open at once: [`MAX_CONNECTIONS`], or fewer so that they
/// fit in the file descriptor limit with [`RESERVED_FDS`] to spare.
pub fn connection_limit() -> usize {
    #[cfg(target_os = "linux")]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        if let Some(files) = limit.current {
            let room = files.saturating_sub(RESERVED_FDS).max(8);
            return usize::try_from(room).map_or(MAX_CONNECTIONS, |r| r.min(MAX_CONNECTIONS));
        }
    }
    MAX_CONNECTIONS
}

/// Accepts connections until an error that is not about resources ends
/// it; returns that error. Running out of file descriptors is waited out,
/// with one warning, never fatal.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    connections: usize,
) -> io::Error {
    let slots = Arc::new(Semaphore::new(connections));
    let parking = Arc::new(http::Parking::default());
    let closed = Arc::new(Notify::new());
    let mut warned: Option<Instant> = None;
    loop {
        // The semaphore is never closed.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return io::Error::other("the connection limit was closed");
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if out_of_resources(&e) => {
                if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                    eprintln!(
                        "warning: cannot accept a connection ({e}); new connections wait until \
                         others close (raise the limit with `ulimit -n`)"
                    );
                    warned = Some(Instant::now());
                }
                // `notify_one` keeps a close that came before the wait.
                let _ = tokio::time::timeout(ACCEPT_BACKOFF, closed.notified()).await;
                continue;
            }
            // A connection that was reset before it was accepted, or an
            // interrupted call: the next one is unaffected.
            Err(e) if transient(&e) => continue,
            Err(e) => return e,
        };
        // No Nagle delay for the small last segment of a response.
        let _ = stream.set_nodelay(true);
        let slot = Slot {
            _permit: slot,
            closed: Arc::clone(&closed),
        };
        tokio::spawn(serve_connection(
            stream,
            Arc::clone(&shared),
            Arc::clone(&parking),
            slot,
        ));
    }
}

fn out_of_resources(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        let code = e.raw_os_error().map(Errno::from_raw_os_error);
        if matches!(
            code,
            Some(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM)
        ) {
            return true;
        }
    }
    e.kind() == io::ErrorKind::OutOfMemory
}

fn transient(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        // accept(2) on Linux passes on network errors of the new
        // connection; they are about that connection only.
        let code = e.raw_os_error().map(Errno::from_raw_os_error);
        if matches!(
            code,
            Some(
                Errno::PROTO
                    | Errno::NOPROTOOPT
                    | Errno::HOSTDOWN
                    | Errno::NONET
                    | Errno::HOSTUNREACH
                    | Errno::OPNOTSUPP
                    | Errno::NETUNREACH
                    | Errno::PERM
            )
        ) {
            return true;
        }
    }
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
    )
}

/// One connection, until the client closes it or a timeout does; `_slot`
/// is given back when it ends.
async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    parking: Arc<http::Parking>,
    _slot: Slot,
) {
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    // Reads need no timeout of their own: a request head has
    // HEAD_TIMEOUT, request bodies are never read, and a long-poll's
    // connection is idle while it waits.
    stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let io = TokioIo::new(Box::pin(stream));
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let parking = Arc::clone(&parking);
        async move { Ok::<_, Infallible>(handle(&shared, &parking, &request).await) }
    });
    // Errors are the client's (a timeout, a bad request already answered
    // by hyper, a reset): they end this connection only.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .max_header_size(MAX_HEAD)
        .serve_connection(io, service)
        .await;
}

async fn handle(
    shared: &Shared,
    parking: &http::Parking,
    request: &Request<Incoming>,
) -> Response<Full<Bytes>> {
    let uri = request.uri();
    // The absolute form (`GET http://host/path`) names its host itself.
    let host = match uri.authority() {
        Some(authority) if uri.scheme_str() == Some("http") => Some(authority.as_str()),
        Some(_) => return http::Reply::text(400, "bad request target").into_response(),
        None => request
            .headers()
            .get(hyper::header::HOST)
            .map(|h| h.to_str().unwrap_or("")),
    };
    // No Host at all is no browser's request (HTTP/1.0 tools send none).
    if let Some(host) = host
        && !shared.hosts.allows(host)
    {
        return http::misdirected(host).into_response();
    }
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let read_only = matches!(*request.method(), hyper::Method::GET | hyper::Method::HEAD);
    if let Some(epoch) = http::wait_epoch(shared, target).filter(|_| read_only) {
        return match parking.wait_past(shared, epoch).await {
            Some(snapshot) => http::wait_reply(&snapshot),
            None => http::too_many_waiting(),
        }
        .into_response();
    }
    let snapshot = shared.snapshot();
    http::answer(shared, &snapshot, request.method(), target).into_response()
}
