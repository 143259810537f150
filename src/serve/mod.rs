//! `gtdocs serve`: builds the HTML site in memory, serves it on loopback,
//! rebuilds on every saved change and reloads the browser. While a source
//! is invalid the last good site stays served, with the diagnostics shown
//! over every page. The published `site/` is never touched.

pub mod http;
mod preview;
pub mod state;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use preview::{Preview, Rebuilt, SearchDone, SearchJob};
use state::Shared;

/// Threads that answer requests. Long-polls are parked, not held by a
/// thread, so a few are enough however many pages are open.
const WORKERS: usize = 8;

#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub bind: std::net::IpAddr,
    pub port: u16,
    pub poll: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{addr} is already in use")]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("cannot watch `{}` for changes: {source}", .root.display())]
    Watch {
        root: PathBuf,
        source: notify::Error,
    },
    #[error(transparent)]
    Compile(#[from] crate::CompileError),
    #[error("cannot handle Ctrl-C: {0}")]
    Signal(String),
}

impl ServeError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ServeError::AddressInUse { .. } => {
                Some("pick another port with --port N, or --port 0 for a free one")
            }
            ServeError::Watch { .. } => Some("on file systems without change events, use --poll"),
            _ => None,
        }
    }
}

/// What the caller shows as things happen.
pub trait Events: Sync {
    /// The server listens; `url` is the site's address.
    fn listening(&self, url: &str);
    /// A rebuild finished (the first build included).
    fn rebuilt(&self, outcome: &Rebuilt);
}

/// Runs until Ctrl-C.
pub fn run(options: &Options, events: &dyn Events) -> Result<(), ServeError> {
    let mut preview = Preview::new(options.root.clone())?;
    let (outcome, snapshot, _) = preview.rebuild(None);
    events.rebuilt(&outcome);
    let shared = Arc::new(Shared::new(preview.base_url().to_string(), snapshot));

    let addr = SocketAddr::new(options.bind, options.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::AddressInUse { addr },
        _ => ServeError::Listen {
            addr,
            message: e.to_string(),
        },
    })?;
    // No Nagle delay: tiny_http writes a response's head and body apart,
    // and a small last segment would wait for the client's delayed ACK
    // (40 ms a request). Accepted sockets inherit the option on Linux.
    #[cfg(target_os = "linux")]
    let _ = rustix::net::sockopt::set_tcp_nodelay(&listener, true);
    let server =
        tiny_http::Server::from_listener(listener, None).map_err(|e| ServeError::Listen {
            addr,
            message: e.to_string(),
        })?;
    let server = Arc::new(server);
    let local = server.server_addr().to_ip().unwrap_or(addr);

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        let server = Arc::clone(&server);
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::Relaxed);
            server.unblock();
        })
        .map_err(|e| ServeError::Signal(e.to_string()))?;
    }

    let watcher = watch::TreeWatcher::new(&options.root, options.poll).map_err(|source| {
        ServeError::Watch {
            root: options.root.clone(),
            source,
        }
    })?;

    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            scope.spawn(move || serve_requests(&server, &shared, &stop));
        }
        {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            scope.spawn(move || shared.answer_waiters(&stop));
        }
        events.listening(&format!("http://{local}{}", shared.base_url));
        let (search_done, search_results) = std::sync::mpsc::channel();
        while !stop.load(Ordering::Relaxed) {
            while let Ok(done) = search_results.try_recv() {
                if let Some(snapshot) = preview.accept_search(done) {
                    shared.publish(snapshot);
                }
            }
            let Some(change) = watcher.next_change(
                Duration::from_millis(250),
                Duration::from_millis(8),
                Duration::from_millis(300),
            ) else {
                continue;
            };
            let (outcome, snapshot, search) = preview.rebuild(Some(&change));
            shared.publish(snapshot);
            events.rebuilt(&outcome);
            // The pages are out (the browser reloads now); the search index
            // follows from its own thread, published with the same epoch.
            if let Some(job) = search {
                let done = search_done.clone();
                let ctx = preview.context();
                // Detached: Ctrl-C must not wait for it.
                std::thread::spawn(move || {
                    let _ = done.send(job.run(&ctx));
                });
            }
        }
        // Ctrl-C: wake every worker (one unblock each) and let them end.
        for _ in 0..WORKERS {
            server.unblock();
        }
    });
    Ok(())
}

fn serve_requests(server: &tiny_http::Server, shared: &Shared, stop: &AtomicBool) {
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            // Unblocked by Ctrl-C, or a connection that failed before it
            // made a request (bad bytes): the latter must not end a worker.
            Err(_) if stop.load(Ordering::Relaxed) => return,
            Err(_) => continue,
        };
        let read_only = matches!(
            request.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        );
        if let Some(epoch) = http::wait_epoch(shared, request.url()).filter(|_| read_only) {
            shared.park(request, epoch);
            continue;
        }
        let snapshot = shared.snapshot();
        let reply = http::answer(shared, &snapshot, request.method(), request.url());
        http::respond(request, reply);
    }
}
