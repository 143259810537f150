//! The filters templates use beside minijinja's own.

/// `{{ "runbooks/"|url }}`: a site path with `base_url` in front.
pub(super) fn url_filter(state: &minijinja::State<'_, '_>, path: &str) -> String {
    let base = state
        .lookup("site")
        .and_then(|s| s.get_attr("base_url").ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "/".into());
    format!("{base}{}", path.trim_start_matches('/'))
}

/// `{{ link|href }}`: an outside URL made valid for an `href` attribute:
/// the characters URLs may not hold (space, quotes, `<>`, `\\`, `^`, `` ` ``,
/// `{|}`, controls) are percent-encoded; everything else is kept. A
/// runbook page's edit link goes through it too.
pub(super) fn href(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        match c {
            ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}
