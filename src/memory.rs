//! Memory a stage freed, handed back to the system when the stage ends.
//!
//! The binary's allocator is mimalloc (`main.rs`), which keeps the pages a
//! thread freed in that thread's heap for the thread to reuse, and returns
//! them to the system only as that thread allocates again. Validation frees
//! most of what it made (the parsed documents, the validation cache's
//! rows) on threads that then render little or nothing: returned at once,
//! the build's resident memory falls by half (at 10,000 runbooks on tmpfs,
//! from about 196 to 97 MiB) before the site is rendered.
//!
//! Where mimalloc is not the global allocator (the library's tests), this
//! finds nothing to return.

/// Returns to the system the memory the calling thread's heap holds free.
fn release_here() {
    // SAFETY: `mi_collect` takes no pointer and may be called on any
    // thread at any time; `force` also purges what is waiting its delay.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Returns the memory held free on every thread of the current rayon pool
/// (each when it next takes a job) and on the calling thread.
pub fn release_pool() {
    rayon::broadcast(|_| release_here());
    release_here();
}
