//! The site being served: an immutable snapshot swapped in whole after each
//! rebuild (a request never sees a half-built site), and the long-polls
//! waiting for the next one.

use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use tiny_http::Request;

use super::http;

/// One version of the site.
pub struct Snapshot {
    /// Counts every rebuild, good or bad.
    pub epoch: u64,
    /// Files below `html/`, by path.
    pub files: Arc<super::preview::Files>,
    /// Whether the last rebuild succeeded (else `files` is the last good site).
    pub ok: bool,
    /// `__gtdocs/status` as JSON.
    pub status: String,
}

/// How long a long-poll waits before answering "nothing new".
pub const WAIT: Duration = Duration::from_secs(25);

struct Waiter {
    request: Request,
    since: u64,
    deadline: Instant,
}

pub struct Shared {
    pub base_url: String,
    snapshot: RwLock<Arc<Snapshot>>,
    waiters: Mutex<Vec<Waiter>>,
    wake: Condvar,
}

impl Shared {
    pub fn new(base_url: String, first: Snapshot) -> Self {
        Shared {
            base_url,
            snapshot: RwLock::new(Arc::new(first)),
            waiters: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Swaps in a new version and wakes every waiting long-poll.
    pub fn publish(&self, next: Snapshot) {
        let next = Arc::new(next);
        match self.snapshot.write() {
            Ok(mut s) => *s = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        self.wake.notify_all();
    }

    /// Parks a long-poll; it holds no worker thread while it waits.
    pub fn park(&self, request: Request, since: u64) {
        let current = self.snapshot();
        if current.epoch != since {
            http::respond(request, http::wait_reply(&current));
            return;
        }
        let mut waiters = match self.waiters.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        waiters.push(Waiter {
            request,
            since,
            deadline: Instant::now() + WAIT,
        });
        self.wake.notify_all();
    }

    /// The loop of the thread that answers parked long-polls: on a new
    /// epoch, or when they have waited long enough. Returns when `stop`.
    pub fn answer_waiters(&self, stop: &std::sync::atomic::AtomicBool) {
        let mut waiters = match self.waiters.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let current = self.snapshot();
            let now = Instant::now();
            let (due, keep): (Vec<Waiter>, Vec<Waiter>) = waiters
                .drain(..)
                .partition(|w| w.since != current.epoch || w.deadline <= now);
            *waiters = keep;
            if !due.is_empty() {
                // Answer outside the lock: a slow client must not hold up
                // parking or publishing.
                drop(waiters);
                for w in due {
                    http::respond(w.request, http::wait_reply(&current));
                }
                waiters = match self.waiters.lock() {
                    Ok(w) => w,
                    Err(poisoned) => poisoned.into_inner(),
                };
                continue;
            }
            waiters = match self.wake.wait_timeout(waiters, Duration::from_millis(500)) {
                Ok((w, _)) => w,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}
