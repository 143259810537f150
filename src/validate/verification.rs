//! `verified:` of a runbook and of its routes: days that exist, an evidence
//! kind the catalog knows, and how old a verdict may get before `check`
//! says so (`stale-verdict`, and `unverified` where the tree asks for a
//! date on every verdict).

use serde_json::Value;

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::model::{Verification, VerificationSettings};

/// The verification at `pointer` (`/verified`, `/routes/<i>/verified`),
/// read from the document as written; `evidence` resolves a catalog id
/// (reporting an unknown one). `None` when there is none or it has errors.
pub(super) fn read(
    doc: &Document,
    pointer: &str,
    mut evidence: impl FnMut(&str, &str, &mut Vec<Diagnostic>) -> Option<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Verification> {
    let value = doc.value.pointer(pointer)?;
    let text = |field: &str| value.get(field).and_then(Value::as_str);
    let mut ok = true;
    let date = text("date").and_then(|written| {
        let date = Date::parse(written);
        if date.is_none() {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "bad-date",
                    format!("`{written}` is not a day of the calendar"),
                )
                .in_file(&doc.path, doc.spans.value(&format!("{pointer}/date")))
                .with_label("expected `YYYY-MM-DD`, a day that exists, from 1970 on")
                .with_hint("write the day it was checked, e.g. `2026-10-01`"),
            );
        }
        date
    });
    let evidence = match text("evidence") {
        Some(id) => {
            let found = evidence(&format!("{pointer}/evidence"), id, diagnostics);
            ok &= found.is_some();
            found
        }
        None => None,
    };
    ok.then(|| Verification {
        date,
        client_version: text("client_version").map(str::to_owned),
        gt_version: text("gt_version").map(str::to_owned),
        evidence,
        link: text("link").map(str::to_owned),
    })
}

/// How old each date is, on the day verdicts are judged on: a runbook's
/// stale date is reported once, at its own `verified`, not at each route
/// that inherits it. `routes` holds each listed route's own verification
/// and its index in the file's `routes`.
pub(super) fn check_age(
    doc: &Document,
    settings: &VerificationSettings,
    runbook: Option<&Verification>,
    routes: &[(usize, Option<&Verification>)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let runbook_date = runbook.and_then(|v| v.date);
    if let Some(date) = runbook_date {
        age(doc, settings, "/verified", date, diagnostics);
    }
    let mut undated = Vec::new();
    for &(i, own) in routes {
        match own.and_then(|v| v.date) {
            Some(date) => age(
                doc,
                settings,
                &format!("/routes/{i}/verified"),
                date,
                diagnostics,
            ),
            None if runbook_date.is_none() => undated.push(i),
            None => {}
        }
    }
    if !settings.require || undated.is_empty() {
        return;
    }
    let hint = "add `verified: {date: YYYY-MM-DD, client_version: ...}` to the runbook (its routes inherit it) or to the route";
    if undated.len() == routes.len() {
        diagnostics.push(
            Diagnostic::warning(
                "unverified",
                "no verdict of this runbook says when it was checked",
            )
            .in_file(&doc.path, doc.spans.key("/routes"))
            .with_label("`verification.require` in gtdocs.yaml asks for a date on every verdict")
            .with_hint(hint),
        );
        return;
    }
    for i in undated {
        diagnostics.push(
            Diagnostic::warning(
                "unverified",
                "this verdict does not say when it was checked",
            )
            .in_file(&doc.path, doc.spans.value(&format!("/routes/{i}/verdict")))
            .with_label("`verification.require` in gtdocs.yaml asks for a date on every verdict")
            .with_hint(hint),
        );
    }
}

fn age(
    doc: &Document,
    settings: &VerificationSettings,
    pointer: &str,
    date: Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let days = settings.as_of.days_since(date);
    if days < 0 {
        diagnostics.push(
            Diagnostic::warning(
                "verified-in-future",
                format!("verified on {date}, after today ({})", settings.as_of),
            )
            .in_file(&doc.path, doc.spans.value(&format!("{pointer}/date")))
            .with_label("a verdict is checked before it is written down")
            .with_hint("write the day it was checked (today is `SOURCE_DATE_EPOCH`'s day when that is set)"),
        );
        return;
    }
    let Some(max) = settings.max_age_days else {
        return;
    };
    if days > i64::from(max) {
        diagnostics.push(
            Diagnostic::warning(
                "stale-verdict",
                format!("verified on {date}, {days} days ago: older than the {max} days a verdict may be"),
            )
            .in_file(&doc.path, doc.spans.key(pointer))
            .with_label(format!("stale since {}", Date::from_unix(date.unix() + (u64::from(max) + 1) * 86_400)))
            .with_hint("check the client again and update `date` (and `client_version`), or accept the finding with `allow: {stale-verdict: <reason>}`; the age is set by `verification.max_age_days` in gtdocs.yaml"),
        );
    }
}
