//! When a verdict was last checked, and how old a check may get.

use crate::date::Date;

/// How verdicts age, and the day they are judged on.
#[derive(Debug, Clone, Copy)]
pub struct VerificationSettings {
    /// Days after its date that a verification is stale.
    pub max_age_days: Option<u32>,
    /// Every verdict needs a date (`check` warns where one has none).
    pub require: bool,
    /// The day staleness is judged on: `SOURCE_DATE_EPOCH`'s, else today.
    pub as_of: Date,
}

/// When a verdict was last checked against the client, and how. Every
/// field is optional: a route's own replaces its runbook's, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    pub date: Option<Date>,
    /// The client's version or range: `0.7.6`, `since 0.7.6`.
    pub client_version: Option<String>,
    pub gt_version: Option<String>,
    /// Index into the catalog's evidence kinds.
    pub evidence: Option<usize>,
    /// The proof: an `https://` URL.
    pub link: Option<String>,
}

impl Verification {
    /// This verification over `base`: one with its own date is a check of
    /// its own and stands alone (the runbook's proof is not its proof);
    /// one without refines `base`, each missing field taken from it
    /// (`client_version: since 0.7.6` on one route).
    pub fn over(&self, base: &Verification) -> Verification {
        if self.date.is_some() {
            return self.clone();
        }
        Verification {
            date: self.date.or(base.date),
            client_version: self
                .client_version
                .clone()
                .or_else(|| base.client_version.clone()),
            gt_version: self.gt_version.clone().or_else(|| base.gt_version.clone()),
            evidence: self.evidence.or(base.evidence),
            link: self.link.clone().or_else(|| base.link.clone()),
        }
    }
}
