//! Settings of `gtdocs.yaml` replaced for one run from the command line
//! (`gtdocs build --base-url PATH --site-url URL`): a CI job publishes the
//! same tree at an address it learns only then. Each value is held to what
//! the config's own value is: the same schema property (its pattern), the
//! same refused characters, the same messages; it then replaces the
//! config's value before the site settings are made, so the rest of the
//! pipeline sees one value, whichever place it came from.

use serde_json::Value;

use super::structure::pattern_message;
use super::text;
use crate::schema::SchemaKind;
use crate::source::SiteSource;

/// Validated replacements for `site.base_url` and `site.url`.
#[derive(Debug, Clone, Default)]
pub struct SiteOverrides {
    base_url: Option<String>,
    url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    #[error("`{flag}`: {message}")]
    Invalid {
        /// The command-line flag the value came from.
        flag: &'static str,
        message: String,
        hint: Option<String>,
    },
    #[error("the built-in config schema has no property `site.{0}`")]
    Schema(&'static str),
}

impl OverrideError {
    pub fn hint(&self) -> Option<&str> {
        match self {
            OverrideError::Invalid { hint, .. } => hint.as_deref(),
            OverrideError::Schema(_) => None,
        }
    }
}

impl SiteOverrides {
    /// `base_url` (from `base_flag`) and `url` (from `url_flag`), checked.
    /// A base URL may leave out its final `/`, and may be empty for `/`:
    /// that is how GitHub Pages (`actions/configure-pages`, `base_path`)
    /// gives it.
    pub fn new(
        base_url: Option<(&'static str, &str)>,
        url: Option<(&'static str, &str)>,
    ) -> Result<Self, OverrideError> {
        let base_url = base_url
            .map(|(flag, value)| {
                let full = if value.ends_with('/') {
                    value.to_string()
                } else {
                    format!("{value}/")
                };
                check("base_url", flag, value, &full).map(|()| full)
            })
            .transpose()?;
        let url = url
            .map(|(flag, value)| check("url", flag, value, value).map(|()| value.to_string()))
            .transpose()?;
        Ok(SiteOverrides { base_url, url })
    }

    pub fn is_empty(&self) -> bool {
        self.base_url.is_none() && self.url.is_none()
    }

    /// Puts the replacements into the config's site settings, before they
    /// become the book's.
    pub(super) fn apply(&self, site: &mut SiteSource) {
        if let Some(base_url) = &self.base_url {
            site.base_url.clone_from(base_url);
        }
        if let Some(url) = &self.url {
            site.url = Some(url.clone());
        }
    }
}

/// `value` (as given; `full` once completed) against what the config's
/// `site.<property>` may hold.
fn check(
    property: &'static str,
    flag: &'static str,
    value: &str,
    full: &str,
) -> Result<(), OverrideError> {
    let invalid = |message: String, hint: Option<String>| OverrideError::Invalid {
        flag,
        message,
        hint,
    };
    if let Some(c) = value.chars().find(|&c| text::refused_in_text(c)) {
        let refusal = text::refusal(c);
        return Err(invalid(refusal.message, refusal.hint));
    }
    let schema = SchemaKind::Config.schema();
    let property_schema = schema
        .pointer(&format!("/definitions/SiteSource/properties/{property}"))
        .ok_or(OverrideError::Schema(property))?;
    let validator =
        jsonschema::draft7::new(property_schema).map_err(|_| OverrideError::Schema(property))?;
    let instance = Value::String(full.to_string());
    if validator.is_valid(&instance) {
        return Ok(());
    }
    let pattern = property_schema
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or(OverrideError::Schema(property))?;
    // Named as typed: the message quotes what the user wrote.
    let (message, hint) = pattern_message(pattern, value);
    Err(invalid(message, Some(hint)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(value: &str) -> Result<Option<String>, String> {
        SiteOverrides::new(Some(("--base-url", value)), None)
            .map(|o| o.base_url)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_base_url_may_leave_out_its_final_slash() {
        assert_eq!(base("/gt-docs"), Ok(Some("/gt-docs/".into())));
        assert_eq!(base("/gt-docs/"), Ok(Some("/gt-docs/".into())));
        assert_eq!(base(""), Ok(Some("/".into())));
        assert_eq!(base("/"), Ok(Some("/".into())));
        assert_eq!(
            base("gt-docs/"),
            Err("`--base-url`: `gt-docs/` is not a path prefix".into())
        );
        assert_eq!(
            base("/%2e%2e"),
            Err("`--base-url`: `/%2e%2e` is not a path prefix".into())
        );
        assert_eq!(
            base("/a\u{1b}b/"),
            Err("`--base-url`: this text holds the control character U+001B".into())
        );
    }
}
