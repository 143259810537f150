//! Any text through every Markdown and HTML escaping function the
//! renderers use: never a panic, and the HTML never holds a raw `<script`.
#![no_main]

use gtdocs::render::markdown::{self, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for place in [Place::LineStart, Place::Inline, Place::Cell] {
        let _ = markdown::inline(text, place);
        let _ = markdown::verbatim(text, place);
        let _ = markdown::code(text, place);
        let _ = markdown::link(text, "Some-Page", place);
    }
    let html = markdown::to_html(text);
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    let _ = markdown::to_plain(text);
    let escaped = markdown::escape_html(text);
    assert!(!escaped.contains('<'), "{escaped}");
    let _ = markdown::link_destination(text);
});
