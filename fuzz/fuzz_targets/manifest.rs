//! libFuzzer over the `manifest` target of `harness.rs` (what the input is,
//! and what must hold, is documented there).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    static TREE: OnceLock<harness::Tree> = OnceLock::new();
    TREE.get_or_init(harness::Tree::for_fuzz_crate)
        .run(harness::Target::Manifest, data);
});
