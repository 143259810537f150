// mimalloc: fewer, larger arenas than glibc's per-thread malloc, so memory
// freed by one stage (a search index part, a batch of pages) is reused by
// the next instead of staying mapped; and faster small allocations, which
// rendering makes many of.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    gtdocs::cli::main()
}
