//! One output format, and how several render together.

use super::context::{RenderContext, RenderError};
use super::sink::{Output, Sink};
use crate::model::Book;

/// One output format.
pub trait Renderer: Sync {
    /// Whether `render` must run on a thread of its own, never on a rayon
    /// worker: true for a renderer that blocks its thread on an async
    /// runtime while it waits for rayon jobs. A rayon worker waiting for
    /// jobs runs other jobs of the pool meanwhile; if one of them is
    /// another build of the same renderer, it starts a second runtime on
    /// that thread, which panics ("Cannot start a runtime from within a
    /// runtime"). `render_into` honours it.
    fn own_thread(&self) -> bool {
        false
    }

    fn render(&self, book: &Book, ctx: &RenderContext, out: &dyn Sink) -> Result<(), RenderError>;

    /// `render` for a renderer on a thread of its own, beside the pooled
    /// ones: it may use more than one core only as `cores` grants them
    /// (all of them once the pooled renderers are done), so that its
    /// memory and theirs do not peak together.
    fn render_beside(
        &self,
        book: &Book,
        ctx: &RenderContext,
        out: &dyn Sink,
        cores: &Cores,
    ) -> Result<(), RenderError> {
        let _ = cores;
        self.render(book, ctx, out)
    }
}

/// The cores an own-thread renderer may use: one while the pooled
/// renderers run, every core once they are done.
pub struct Cores {
    all: usize,
    state: std::sync::Mutex<CoreState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct CoreState {
    pooled_done: bool,
    /// Cores held now (see [`Cores::hold`]).
    held: usize,
}

/// A core held by an own-thread renderer's worker, given back when dropped.
pub struct Held<'a>(&'a Cores);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.state().held -= 1;
        self.0.changed.notify_all();
    }
}

impl Cores {
    /// Every core, at once (nothing else renders).
    pub fn all() -> Self {
        let cores = Cores::beside_pool();
        cores.pool_done();
        cores
    }

    fn beside_pool() -> Self {
        Cores {
            // The rayon pool's size: `RAYON_NUM_THREADS` bounds the search too.
            all: rayon::current_num_threads(),
            state: std::sync::Mutex::new(CoreState::default()),
            changed: std::sync::Condvar::new(),
        }
    }

    /// How many cores there are.
    pub fn count(&self) -> usize {
        self.all
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CoreState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn pool_done(&self) {
        self.state().pooled_done = true;
        self.changed.notify_all();
    }

    /// Blocks until a core is free, and holds it: one while the pooled
    /// renderers run, any of them once they are done. Whichever worker
    /// asks first gets the first: work found first is done first.
    pub fn hold(&self) -> Held<'_> {
        let mut state = self.state();
        loop {
            let limit = if state.pooled_done {
                self.all.max(1)
            } else {
                1
            };
            if state.held < limit {
                state.held += 1;
                return Held(self);
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// The given output formats, rendered in parallel, in memory.
pub fn render_with(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
) -> Result<Output, RenderError> {
    let sink = std::sync::Mutex::new(Output::default());
    render_into(book, ctx, renderers, &sink)?;
    Ok(sink
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// The given output formats, rendered in parallel into `sink`: each
/// renderer that wants a thread of its own (the search index, also the
/// longest) on one, beside the others on the rayon pool, with one core
/// until they are done (see [`Cores`]).
pub fn render_into(
    book: &Book,
    ctx: &RenderContext,
    renderers: &[&dyn Renderer],
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    use rayon::prelude::*;
    let (alone, pooled): (Vec<&dyn Renderer>, Vec<&dyn Renderer>) =
        renderers.iter().partition(|r| r.own_thread());
    let cores = Cores::beside_pool();
    let cores = &cores;
    std::thread::scope(|scope| {
        let threads: Vec<_> = alone
            .iter()
            .map(|r| scope.spawn(move || r.render_beside(book, ctx, sink, cores)))
            .collect();
        // Dropped when the pooled renderers are done, whether they
        // succeeded, failed or panicked: an own-thread renderer waiting
        // for more cores never waits for ever.
        let done = PoolDone(cores);
        let pooled = pooled
            .par_iter()
            .try_for_each(|r| r.render(book, ctx, sink));
        drop(done);
        join_all(threads).into_iter().chain([pooled]).collect()
    })
}

/// Tells [`Cores`] the pooled renderers are done when dropped.
struct PoolDone<'a>(&'a Cores);

impl Drop for PoolDone<'_> {
    fn drop(&mut self) {
        self.0.pool_done();
    }
}

/// What each thread returned, every thread joined (before the caller
/// looks at the first error); a thread's panic goes on in the caller.
pub(super) fn join_all<T>(threads: Vec<std::thread::ScopedJoinHandle<'_, T>>) -> Vec<T> {
    threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records the rayon worker index its `render` ran on.
    struct Probe {
        alone: bool,
        ran_on: Mutex<Vec<Option<usize>>>,
    }

    impl Renderer for Probe {
        fn own_thread(&self) -> bool {
            self.alone
        }
        fn render(&self, _: &Book, _: &RenderContext, _: &dyn Sink) -> Result<(), RenderError> {
            let index = rayon::current_thread_index();
            self.ran_on
                .lock()
                .map_err(|_| RenderError::Search("lock".into()))?
                .push(index);
            Ok(())
        }
    }

    /// The bundled tree's book, and a render context.
    pub(crate) fn bundled() -> (Book, RenderContext) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let book = crate::site::compile::compile(root)
            .ok()
            .and_then(|c| c.book)
            .expect("the bundled tree validates");
        (book, RenderContext::from_env().expect("context"))
    }

    /// A pooled renderer that panics does not leave an own-thread
    /// renderer waiting for more cores for ever: the panic reaches the
    /// caller, every thread joined.
    #[test]
    fn a_panicking_pooled_renderer_releases_the_waiting_cores() {
        struct Waits;
        impl Renderer for Waits {
            fn own_thread(&self) -> bool {
                true
            }
            fn render(&self, _: &Book, _: &RenderContext, _: &dyn Sink) -> Result<(), RenderError> {
                Ok(())
            }
            fn render_beside(
                &self,
                _: &Book,
                _: &RenderContext,
                _: &dyn Sink,
                cores: &Cores,
            ) -> Result<(), RenderError> {
                // The second core, which only the pool's end frees.
                let _first = cores.hold();
                let _second = cores.hold();
                Ok(())
            }
        }
        struct Panics;
        impl Renderer for Panics {
            fn render(&self, _: &Book, _: &RenderContext, _: &dyn Sink) -> Result<(), RenderError> {
                panic!("a pooled renderer panics");
            }
        }
        let (book, ctx) = bundled();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                render_with(&book, &ctx, &[&Waits, &Panics])
            }));
            let _ = tx.send(ran.is_err());
        });
        assert_eq!(
            rx.recv_timeout(std::time::Duration::from_secs(60)),
            Ok(true),
            "the build hung, or did not panic"
        );
    }

    /// A renderer that asks for its own thread never runs on a rayon
    /// worker, even when `render_into` itself is called from one.
    #[test]
    fn own_thread_renderers_never_run_on_the_rayon_pool() {
        let (book, ctx) = bundled();
        let alone = Probe {
            alone: true,
            ran_on: Mutex::default(),
        };
        let pooled = Probe {
            alone: false,
            ran_on: Mutex::default(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        pool.install(|| {
            for _ in 0..8 {
                render_with(&book, &ctx, &[&alone, &pooled]).expect("render");
            }
        });
        let alone = alone.ran_on.into_inner().expect("lock");
        let pooled = pooled.ran_on.into_inner().expect("lock");
        assert_eq!(alone, vec![None; 8], "own-thread renderer ran on a worker");
        assert!(pooled.iter().all(Option::is_some), "{pooled:?}");
    }
}
