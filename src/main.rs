// mimalloc: fewer, larger arenas than glibc's per-thread malloc, so memory
// freed by one stage (a search index part, a batch of pages) is reused by
// the next instead of staying mapped; and faster small allocations, which
// rendering makes many of.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 3's `mi_option_purge_delay` (`mimalloc.h`, `mi_option_e`): how
/// many milliseconds freed memory stays mapped before it goes back to the
/// system (1000 by default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back after this many milliseconds: a stage's memory
/// (the validation cache, a search part) is returned while the next one
/// runs, and the peak stays that of the largest stage. Shorter delays cost
/// system time for little memory.
const PURGE_AFTER_MS: std::ffi::c_long = 200;

fn main() -> std::process::ExitCode {
    // An environment's MIMALLOC_PURGE_DELAY is the user's choice: kept.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an option mimalloc reads on each purge; it takes
        // any value.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_AFTER_MS) };
    }
    gtdocs::cli::main()
}

#[cfg(test)]
mod tests {
    /// Option 15 is the purge delay: the only option whose default is
    /// 1000 (ms) in mimalloc 3. A mimalloc whose options moved fails here
    /// (as does a test run with MIMALLOC_PURGE_DELAY set).
    #[test]
    fn the_purge_delay_is_option_15() {
        // SAFETY: reads an option.
        let value = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(value, 1000);
    }
}
