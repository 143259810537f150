//! How well a client supports a route, as every output spells it.

use crate::source::Support;

/// The text shown for a route a runbook leaves out.
pub const UNKNOWN: &str = SupportLevel::Unknown.as_str();

/// [`UNKNOWN`] in words, where pages name a verdict by its label.
pub const UNKNOWN_LABEL: &str = "Unknown";

/// Support level of a route for a client; `unknown` when the runbook does
/// not map the route.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SupportLevel {
    Full,
    Partial,
    None,
    Unknown,
}

impl SupportLevel {
    /// Every level, in the order pages list them.
    pub const ALL: [SupportLevel; 4] = [
        SupportLevel::Full,
        SupportLevel::Partial,
        SupportLevel::None,
        SupportLevel::Unknown,
    ];

    /// As the manifest and the pages spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            SupportLevel::Full => "full",
            SupportLevel::Partial => "partial",
            SupportLevel::None => "none",
            SupportLevel::Unknown => "unknown",
        }
    }

    /// The level in words, as pages and twins say it.
    pub const fn label(self) -> &'static str {
        match self {
            SupportLevel::Full => "Full support",
            SupportLevel::Partial => "Partial support",
            SupportLevel::None => "No support",
            SupportLevel::Unknown => UNKNOWN_LABEL,
        }
    }

    /// The level spelt `text`, as [`SupportLevel::as_str`] writes it.
    pub fn parse(text: &str) -> Option<SupportLevel> {
        SupportLevel::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Rank for "rose" and "fell": none < partial < full; `unknown` has none.
    pub const fn rank(self) -> Option<u8> {
        match self {
            SupportLevel::None => Some(0),
            SupportLevel::Partial => Some(1),
            SupportLevel::Full => Some(2),
            SupportLevel::Unknown => None,
        }
    }
}

impl From<Support> for SupportLevel {
    fn from(support: Support) -> Self {
        match support {
            Support::Full => SupportLevel::Full,
            Support::Partial => SupportLevel::Partial,
            Support::None => SupportLevel::None,
        }
    }
}

impl From<Option<Support>> for SupportLevel {
    fn from(support: Option<Support>) -> Self {
        support.map_or(SupportLevel::Unknown, SupportLevel::from)
    }
}
