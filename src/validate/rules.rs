//! The rules a catalog may state for its compatibility levels
//! (`compatibility.<id>.rule`: verdicts none or some of a level's runbooks
//! may have, per route or on any), with every id checked and resolved to
//! its catalog index; the lints hold each runbook to its level's rule.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::suggest;
use crate::diagnostic::Diagnostic;
use crate::load::Document;
use crate::source::LabelSource;

/// A compatibility level's rule, with catalog indexes for ids.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub none_of: Vec<usize>,
    pub some_of: Vec<usize>,
    pub routes: Vec<(usize, Vec<usize>)>,
}

/// The rule of each compatibility level (by the level's index); every id
/// a rule names is checked against the catalog, as a runbook's are.
pub fn compile_rules(
    doc: &Document,
    levels: &IndexMap<String, LabelSource>,
    routes: &HashMap<String, usize>,
    verdicts: &IndexMap<String, crate::source::VerdictSource>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<Rule>> {
    let verdict_ids: Vec<&str> = verdicts.keys().map(String::as_str).collect();
    let route_ids: Vec<&str> = routes.keys().map(String::as_str).collect();
    let unknown = |id: &str, pointer: &str, what: &str, known: &[&str], key_span: bool| {
        let hint = match suggest::closest(id, known.iter().copied()) {
            Some(best) => format!(
                "did you mean `{best}`? known {what}s: {}",
                suggest::list(known)
            ),
            None => format!("known {what}s: {}", suggest::list(known)),
        };
        let span = if key_span {
            doc.spans.key(pointer)
        } else {
            doc.spans.value(pointer)
        };
        let code = if what == "route" {
            "unknown-route"
        } else {
            "unknown-id"
        };
        Diagnostic::error(code, format!("unknown {what} `{id}`"))
            .in_file(&doc.path, span)
            .with_label(format!("not a {what} of the catalog"))
            .with_hint(hint)
    };
    levels
        .iter()
        .map(|(level, source)| {
            let LabelSource::Long(long) = source else {
                return None;
            };
            let rule = long.rule.as_ref()?;
            let base = format!(
                "/compatibility/{}/rule",
                crate::load::yaml::pointer_token(level)
            );
            let ids = |list: &[String], part: &str, diagnostics: &mut Vec<Diagnostic>| {
                list.iter()
                    .enumerate()
                    .filter_map(|(i, id)| {
                        let found = verdicts.get_index_of(id);
                        if found.is_none() {
                            let pointer = format!("{base}/{part}/{i}");
                            diagnostics.push(unknown(id, &pointer, "verdict", &verdict_ids, false));
                        }
                        found
                    })
                    .collect::<Vec<_>>()
            };
            let none_of = ids(&rule.none_of, "none_of", diagnostics);
            let some_of = ids(&rule.some_of, "some_of", diagnostics);
            let mut by_route = Vec::new();
            for (route, allowed) in &rule.routes {
                let part = format!("routes/{}", crate::load::yaml::pointer_token(route));
                let allowed = ids(allowed, &part, diagnostics);
                match routes.get(route) {
                    Some(&r) => by_route.push((r, allowed)),
                    None => {
                        let pointer = format!("{base}/{part}");
                        diagnostics.push(unknown(route, &pointer, "route", &route_ids, true));
                    }
                }
            }
            Some(Rule {
                none_of,
                some_of,
                routes: by_route,
            })
        })
        .collect()
}
