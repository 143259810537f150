//! Request targets and site paths: a target is decoded once into a path
//! below the site, and a site path is encoded back into a URL; `base_url`
//! goes both ways too, so that the two compare in one form.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// What is percent-encoded when a decoded path is written back as a URL
/// (the printed URL, `Location`): the URL standard's path set, plus `%`
/// (a decoded `%` is a literal one) and `\`; anything not ASCII always is.
const PATH_ENCODED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `/` and a decoded site path, percent-encoded: plain ASCII, fit for a
/// header and for a browser to send back as the same site path.
pub fn href(site_path: &str) -> String {
    format!("/{}", utf8_percent_encode(site_path, PATH_ENCODED))
}

/// `base_url` decoded once, as [`site_path`] decodes a request, so that the
/// two compare in one form; without the leading `/` (`my docs/`).
pub fn base_site_path(base_url: &str) -> String {
    let decoded = percent_decode_str(base_url).decode_utf8_lossy();
    decoded.trim_start_matches('/').to_string()
}

/// A request target made into a site path (no leading `/`), or why not.
/// The target is percent-decoded once; anything that could name a file
/// outside the site is refused rather than normalized.
pub fn site_path(target: &str) -> Result<String, u16> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(400);
    }
    let decoded = percent_decode_str(path).decode_utf8().map_err(|_| 400u16)?;
    if decoded.contains(['\0', '\\']) || decoded.chars().any(char::is_control) {
        return Err(400);
    }
    let rel = &decoded[1..];
    if rel
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(400);
    }
    Ok(rel.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_leave_the_site_are_refused() {
        for bad in [
            "/../gtdocs.yaml",
            "/..%2fgtdocs.yaml",
            "/%2e%2e/gtdocs.yaml",
            "/a/../../x",
            "/..\\x",
            "/%5c..%5cx",
            "//etc/passwd",
            "/%00",
            "/%ff%fe",
            "http://127.0.0.1/../x",
            "x",
            "/./x",
        ] {
            assert!(site_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            site_path("/%252e%252e/x"),
            Ok("%2e%2e/x".to_string()),
            "decoded once only"
        );
        assert_eq!(site_path("/runbooks/a/?q=1"), Ok("runbooks/a/".to_string()));
        assert_eq!(site_path("/"), Ok(String::new()));
    }

    #[test]
    fn base_url_is_compared_decoded_and_written_encoded() {
        for (base_url, path, written) in [
            ("/", "", "/"),
            ("/docs/", "docs/", "/docs/"),
            ("/my%20docs/", "my docs/", "/my%20docs/"),
            ("/\u{fc}/", "\u{fc}/", "/%C3%BC/"),
            ("/%c3%bc/", "\u{fc}/", "/%C3%BC/"),
            ("/a%2525/", "a%25/", "/a%2525/"),
            ("/a\"><b/", "a\"><b/", "/a%22%3E%3Cb/"),
        ] {
            assert_eq!(base_site_path(base_url), path, "{base_url}");
            assert_eq!(href(path), written, "{base_url}");
            assert_eq!(site_path(written).as_deref(), Ok(path), "{written}");
        }
    }
}
