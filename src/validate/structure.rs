//! Structural validation: the derived JSON Schema run over a parsed
//! document, each violation turned into a diagnostic at its source span.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::schema::{self, SchemaKind};
use crate::source::{
    BASE_URL_PATTERN, BRANCH_PATTERN, HTTPS_URL_PATTERN, ONE_LINE_PATTERN, PAGE_NAME_PATTERN,
    SITE_URL_PATTERN, SLUG_PATTERN,
};
use crate::validate::suggest;

#[derive(Debug, thiserror::Error)]
#[error("the built-in {kind:?} schema does not compile: {message}")]
pub struct SchemaError {
    kind: SchemaKind,
    message: String,
}

/// A compiled schema and its JSON, for looking up property names and hints.
pub struct StructureCheck {
    schema: Value,
    validator: Validator,
}

impl StructureCheck {
    pub fn new(kind: SchemaKind) -> Result<Self, SchemaError> {
        let schema = kind.schema();
        let validator = jsonschema::draft7::new(&schema).map_err(|e| SchemaError {
            kind,
            message: e.to_string(),
        })?;
        Ok(StructureCheck { schema, validator })
    }

    /// Every violation in the document, not just the first.
    pub fn check(&self, doc: &Document) -> Vec<Diagnostic> {
        if doc.value.is_null() {
            return vec![
                Diagnostic::error("empty-file", "file holds no fields: expected a mapping")
                    .in_file(&doc.path, doc.spans.value(""))
                    .with_hint("`gtdocs new <slug>` writes a complete runbook skeleton"),
            ];
        }
        self.validator
            .iter_errors(&doc.value)
            .flat_map(|e| self.diagnose(doc, &e))
            .collect()
    }

    fn diagnose(&self, doc: &Document, error: &ValidationError<'_>) -> Vec<Diagnostic> {
        let pointer = error.instance_path().as_str();
        let schema_pointer = error.schema_path().as_str();
        let instance = error.instance();
        let field = field_name(pointer);
        let at_value = |d: Diagnostic| d.in_file(&doc.path, doc.spans.value(pointer));
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = self.allowed_at(parent_of(schema_pointer));
                unexpected
                    .iter()
                    .map(|key| {
                        let child = format!("{pointer}/{}", crate::load::yaml::pointer_token(key));
                        let hint = match suggest::closest(key, allowed.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("known fields here: {}", allowed.join(", ")),
                        };
                        Diagnostic::error("unknown-field", format!("unknown field `{key}`"))
                            .in_file(&doc.path, doc.spans.key(&child))
                            .with_label("not a field of this mapping")
                            .with_hint(hint)
                    })
                    .collect()
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let description = self.property_description(parent_of(schema_pointer), name);
                let span = if pointer.is_empty() {
                    doc.spans.value("")
                } else {
                    doc.spans.key(pointer)
                };
                let mut d =
                    Diagnostic::error("missing-field", format!("missing required field `{name}`"))
                        .in_file(&doc.path, span);
                if let Some(description) = description {
                    d = d.with_hint(format!("`{name}`: {description}"));
                }
                vec![d]
            }
            ValidationErrorKind::Type { .. } => {
                let expected = self.expected_type(parent_of(schema_pointer));
                let found = describe(instance);
                let d = Diagnostic::error(
                    "wrong-type",
                    format!("{field}: expected {expected}, found {found}"),
                );
                if instance.is_null() {
                    // An empty value: the span of nothing is unhelpful,
                    // the key is where to write it.
                    let key = pointer.rsplit('/').next().unwrap_or_default();
                    return vec![
                        d.in_file(&doc.path, doc.spans.key(pointer))
                            .with_hint(format!(
                                "the value is empty: write {expected} after `{key}:`"
                            )),
                    ];
                }
                let d = match &**instance {
                    Value::Number(n) if expected.contains("text") => {
                        d.with_hint(format!("quote the value to make it text: \"{n}\""))
                    }
                    Value::Bool(b) if expected.contains("text") => {
                        d.with_hint(format!("quote the value to make it text: \"{b}\""))
                    }
                    _ => d,
                };
                vec![at_value(d)]
            }
            ValidationErrorKind::Minimum { limit } => vec![at_value(Diagnostic::error(
                "out-of-range",
                format!("{field}: must be at least {limit}"),
            ))],
            ValidationErrorKind::Maximum { limit } => vec![at_value(Diagnostic::error(
                "out-of-range",
                format!("{field}: must be at most {limit}"),
            ))],
            ValidationErrorKind::MinItems { limit } => vec![at_value(
                Diagnostic::error(
                    "too-few-items",
                    format!("{field}: needs at least {limit} item{}", plural(*limit)),
                )
                .with_optional_hint(self.property_description_at(schema_pointer)),
            )],
            ValidationErrorKind::MinProperties { limit } => vec![at_value(Diagnostic::error(
                "too-few-items",
                format!(
                    "{field}: needs at least {limit} entr{}",
                    if *limit == 1 { "y" } else { "ies" }
                ),
            ))],
            ValidationErrorKind::MinLength { .. } => {
                vec![at_value(Diagnostic::error(
                    "empty-value",
                    format!("{field}: must not be empty"),
                ))]
            }
            ValidationErrorKind::Pattern { pattern } => {
                let value = instance.as_str().unwrap_or_default();
                let (message, hint) = pattern_message(pattern, value);
                let d = at_value(
                    Diagnostic::error("bad-value", format!("{field}: {message}")).with_hint(hint),
                );
                // A password in a URL is hidden in the snippet as a key is.
                vec![if holds_credentials(pattern, value) {
                    d.secret()
                } else {
                    d
                }]
            }
            ValidationErrorKind::Enum { options } => {
                let options: Vec<&str> = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let value = instance.as_str().unwrap_or_default();
                let hint = match suggest::closest(value, options.iter().copied()) {
                    Some(best) => format!(
                        "did you mean `{best}`? known values: {}",
                        options.join(", ")
                    ),
                    None => format!("known values: {}", options.join(", ")),
                };
                vec![at_value(
                    Diagnostic::error(
                        "unknown-value",
                        format!("{field}: `{}` is not allowed", compact(instance)),
                    )
                    .with_hint(hint),
                )]
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                let forms = self.forms_at(schema_pointer);
                vec![at_value(Diagnostic::error(
                    "wrong-type",
                    format!("{field}: expected {forms}, found {}", describe(instance)),
                ))]
            }
            _ => vec![at_value(Diagnostic::error(
                "invalid",
                format!("{field}: {error}"),
            ))],
        }
    }

    fn schema_at(&self, pointer: &str) -> Option<&Value> {
        self.schema
            .pointer(pointer)
            .map(|s| schema::resolve_ref(&self.schema, s))
    }

    fn allowed_at(&self, pointer: &str) -> Vec<&str> {
        self.schema_at(pointer)
            .map(|s| schema::property_names(&self.schema, s))
            .unwrap_or_default()
    }

    fn property_description(&self, object_pointer: &str, name: &str) -> Option<String> {
        let object = self.schema_at(object_pointer)?;
        let property = schema::resolve_ref(&self.schema, object.get("properties")?.get(name)?);
        property
            .get("description")
            .and_then(Value::as_str)
            .map(first_sentence)
    }

    /// The description of the property whose keyword failed (`.../docs/minItems`).
    fn property_description_at(&self, keyword_pointer: &str) -> Option<String> {
        let s = self.schema.pointer(parent_of(keyword_pointer))?;
        s.get("description")
            .and_then(Value::as_str)
            .map(first_sentence)
    }

    fn expected_type(&self, pointer: &str) -> String {
        let Some(s) = self.schema.pointer(pointer) else {
            return "another type".into();
        };
        let names: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect(),
            _ => vec![],
        };
        if names.is_empty() {
            return "another type".into();
        }
        names
            .iter()
            .map(|t| type_name(t))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// Describes the alternatives of an `anyOf`/`oneOf`.
    fn forms_at(&self, keyword_pointer: &str) -> String {
        let Some(Value::Array(options)) = self.schema.pointer(keyword_pointer) else {
            return "one of the allowed forms".into();
        };
        let forms: Vec<String> = options
            .iter()
            .map(|o| {
                let o = schema::resolve_ref(&self.schema, o);
                let keys = schema::property_names(&self.schema, o);
                if keys.is_empty() {
                    match o.get("type").and_then(Value::as_str) {
                        Some(t) => type_name(t).to_string(),
                        None => "a value".into(),
                    }
                } else {
                    format!(
                        "a mapping with {}",
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            })
            .collect();
        forms.join(" or ")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn first_sentence(s: &str) -> String {
    s.split("\n\n").next().unwrap_or(s).replace('\n', " ")
}

fn parent_of(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

/// `routes[3].verdict` for `/routes/3/verdict`; `the file` for the root.
fn field_name(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the file".into();
    }
    let mut out = String::from("`");
    for token in pointer.trim_start_matches('/').split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if out.len() > 1 {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out.push('`');
    out
}

fn type_name(t: &str) -> &'static str {
    match t {
        "string" => "text",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a mapping",
        "null" => "nothing",
        _ => "a value",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (an empty value)".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "text".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Where a URL's `user@` or `user:password@` stands (after `scheme://`,
/// up to the host's `@`), if it has one.
fn userinfo(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    url[start..end].rfind('@').map(|at| start..start + at)
}

/// The URL with its `user:password@` shown as `…@`.
fn without_userinfo(url: &str) -> String {
    match userinfo(url) {
        Some(user) => format!("{}…{}", &url[..user.start], &url[user.end..]),
        None => url.to_owned(),
    }
}

/// Whether `value`, refused by `pattern`, is a URL holding a user name or
/// password: its message quotes it without them and its snippet hides it.
fn holds_credentials(pattern: &str, value: &str) -> bool {
    matches!(pattern, HTTPS_URL_PATTERN | SITE_URL_PATTERN) && userinfo(value).is_some()
}

pub(super) fn pattern_message(pattern: &str, value: &str) -> (String, String) {
    match pattern {
        _ if holds_credentials(pattern, value) => (
            format!("`{}` holds a user name or password", without_userinfo(value)),
            "URLs are published: remove the `user:password@` before the host".into(),
        ),
        HTTPS_URL_PATTERN => (
            format!("`{value}` is not an absolute https:// URL"),
            "links are published: write the full address, starting with https://".into(),
        ),
        SLUG_PATTERN => (
            format!(
                "`{value}` must be lowercase letters and digits, words joined by single dashes"
            ),
            format!("for example `{}`", suggest::slugify(value)),
        ),
        PAGE_NAME_PATTERN => (
            format!("`{value}` is not a wiki page name"),
            "use words of letters and digits joined by dashes, e.g. `Client-Runbooks`".into(),
        ),
        SITE_URL_PATTERN => (
            format!("`{value}` is not a site origin"),
            "write the scheme and host only, e.g. `https://docs.example.com`; the path goes in `base_url`".into(),
        ),
        BASE_URL_PATTERN => (
            format!("`{value}` is not a path prefix"),
            "start and end it with `/`, with no `.` or `..` segment (`%2e` is a dot too) and no `\\` or `%2f`, e.g. `/` or `/docs/`".into(),
        ),
        BRANCH_PATTERN => (
            format!("`{value}` is not a branch name"),
            "write the branch as git names it, e.g. `main` or `docs/v2`: letters, digits, `_`, `+`, `-`, single dots inside a name, `/` between names".into(),
        ),
        ONE_LINE_PATTERN => (
            "a reason is one line of text, not blank".into(),
            "write why the finding is accepted in one short sentence".into(),
        ),
        other => (
            format!("`{value}` does not match `{other}`"),
            "see `gtdocs schema`".into(),
        ),
    }
}
