//! The preview's life: the first build, the listener, then a rebuild per
//! change until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::change::Change;
use super::error::ServeError;
use super::listen;
use super::preview::{Preview, Rebuilt, SearchWorker};
use super::state::{Hosts, Shared};
use super::watch;

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

/// What the caller shows as things happen.
pub trait Events: Sync {
    /// The server listens; `url` is the site's address.
    fn listening(&self, url: &str);
    /// A rebuild finished (the first build included).
    fn rebuilt(&self, outcome: &Rebuilt);
}

/// Runs until Ctrl-C.
pub fn run(options: &Options, events: &dyn Events) -> Result<(), ServeError> {
    // The settings first: a bad one is named before anything is set up.
    let mut preview = Preview::new(options.root.clone())?;
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
    // Idle rounds (of 250 ms) between two looks at git's HEAD.
    const HEAD_EVERY: u32 = 4;
    let mut idle: u32 = 0;
    while !stop.load(Ordering::SeqCst) {
        while let Ok(done) = search_results.try_recv() {
            if let Some(snapshot) = preview.accept_search(done) {
                shared.publish(snapshot);
            }
        }
        let change = watcher.next_change(
            Duration::from_millis(250),
            Duration::from_millis(8),
            Duration::from_millis(300),
        );
        // A commit changes no source: HEAD is looked at once a second.
        let change = match change {
            Some(change) => change,
            None => {
                idle += 1;
                if idle < HEAD_EVERY {
                    continue;
                }
                idle = 0;
                if !preview.head_moved() {
                    continue;
                }
                Change::History
            }
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
