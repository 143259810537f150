//! `gtdocs serve`: builds the HTML site in memory, serves it on loopback,
//! rebuilds on every saved change and reloads the browser. While a source
//! is invalid the last good site stays served, with the diagnostics shown
//! over every page. The published `site/` is never touched.

pub mod http;
mod listen;
mod preview;
pub mod state;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use preview::{Preview, Rebuilt, SearchDone, SearchJob, SearchWorker};
use state::{Hosts, Shared};

/// How long Ctrl-C waits for a rebuild under way before the process ends
/// anyway (the main loop only looks between rebuilds).
const CTRL_C_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub bind: std::net::IpAddr,
    pub port: u16,
    pub poll: bool,
    /// Host names answered besides loopback ones and the bound address.
    pub allow_hosts: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{addr} is already in use")]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("cannot accept connections on {addr} any more: {source}")]
    Accept {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch `{}` for changes: {source}", .root.display())]
    Watch {
        root: PathBuf,
        source: notify::Error,
    },
    #[error(transparent)]
    Compile(#[from] crate::site::CompileError),
    /// A setting from the environment (`SOURCE_DATE_EPOCH`, ...).
    #[error(transparent)]
    Settings(#[from] crate::render::RenderError),
    #[error("cannot handle Ctrl-C: {0}")]
    Signal(String),
    #[error("cannot start the search index thread: {0}")]
    Thread(std::io::Error),
}

impl ServeError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ServeError::AddressInUse { .. } => {
                Some("pick another port with --port N, or --port 0 for a free one")
            }
            ServeError::Watch { .. } => Some("on file systems without change events, use --poll"),
            ServeError::Settings(crate::render::RenderError::SourceDateEpoch(_)) => Some(
                "set SOURCE_DATE_EPOCH to seconds since 1970 (e.g. `git log -1 --format=%ct`), or unset it",
            ),
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
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // A rebuild (the first one, or one of a large tree) can take a
        // while, and the main loop looks at `stop` only between them:
        // past a short grace, or on a second Ctrl-C, the process ends here.
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(0);
            }
            std::thread::spawn(|| {
                std::thread::sleep(CTRL_C_GRACE);
                std::process::exit(0);
            });
        })
        .map_err(|e| ServeError::Signal(e.to_string()))?;
    }

    let mut preview = Preview::new(options.root.clone())?;
    // Watching starts before the first build: an edit saved while it runs
    // is queued, not lost.
    let watcher = watch::TreeWatcher::new(&options.root, options.poll).map_err(|source| {
        ServeError::Watch {
            root: options.root.clone(),
            source,
        }
    })?;
    let (outcome, snapshot, _) = preview.rebuild(None);
    events.rebuilt(&outcome);
    let addr = SocketAddr::new(options.bind, options.port);
    let shared = Arc::new(Shared::new(
        preview.base_url().to_string(),
        Hosts::new(options.bind, &options.allow_hosts),
        snapshot,
    ));

    let listener = std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::AddressInUse { addr },
        _ => ServeError::Listen {
            addr,
            message: e.to_string(),
        },
    })?;
    let local = listener.local_addr().unwrap_or(addr);
    let listen_error = |e: std::io::Error| ServeError::Listen {
        addr: local,
        message: e.to_string(),
    };
    listener.set_nonblocking(true).map_err(listen_error)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(listen::THREADS)
        .max_blocking_threads(1)
        .thread_name("gtdocs-serve")
        .enable_io()
        .enable_time()
        .build()
        .map_err(listen_error)?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(listen_error)?
    };
    let (failed_tx, failed) = std::sync::mpsc::channel();
    {
        let shared = Arc::clone(&shared);
        let stop = Arc::clone(&stop);
        let connections = listen::connection_limit();
        runtime.spawn(async move {
            let error = listen::accept_loop(listener, shared, connections).await;
            let _ = failed_tx.send(error);
            stop.store(true, Ordering::SeqCst);
        });
    }

    events.listening(&format!("http://{local}{}", shared.base_href));
    let (search_done, search_results) = std::sync::mpsc::channel();
    let search = SearchWorker::start(preview.context(), search_done).map_err(ServeError::Thread)?;
    while !stop.load(Ordering::SeqCst) {
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
        let (outcome, snapshot, job) = preview.rebuild(Some(&change));
        shared.publish(snapshot);
        events.rebuilt(&outcome);
        // The pages are out (the browser reloads now); the search index
        // follows from the search thread, published with the same epoch.
        if let Some(job) = job {
            search.submit(job);
        }
    }
    // Open connections (long-polls) are dropped, not waited for.
    runtime.shutdown_background();
    match failed.try_recv() {
        Ok(source) => Err(ServeError::Accept {
            addr: local,
            source,
        }),
        Err(_) => Ok(()),
    }
}
