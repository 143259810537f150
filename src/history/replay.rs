//! The tree's state replayed commit by commit, oldest first, and the
//! events each commit makes: runbooks and routes added and removed,
//! routes renamed, verdicts changed.
//!
//! A route is taken as renamed when one commit removes it from the catalog
//! and adds another whose verdict, in every runbook read on both sides,
//! is the one the removed route had (and at least one runbook gave it a
//! verdict): the verdicts carried over, so it is the same route under a
//! new name. Several such pairs in one commit are matched in catalog order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::blobs::Blobs;
use super::digest::{CatalogDigest, RunbookDigest};
use super::error::HistoryError;
use super::log::{FileChange, Logged, Tracked};
use crate::model::{ChangeEvent, ChangeKind, Commit, SupportLevel, VerdictAt, route_slug};

#[derive(Default)]
pub(super) struct Replay {
    catalog: Option<Arc<CatalogDigest>>,
    /// The last revision of `gtdocs.yaml` could not be read.
    catalog_gap: bool,
    runbooks: BTreeMap<String, RunbookState>,
    /// Each commit's events, oldest commit first.
    events: Vec<Vec<ChangeEvent>>,
}

#[derive(Clone)]
struct RunbookState {
    /// `None` until a revision of it could be read.
    digest: Option<Arc<RunbookDigest>>,
    /// A revision since the last event could not be read.
    gap: bool,
}

/// What a commit did to one runbook file.
enum Edit {
    Removed,
    Read(Arc<RunbookDigest>),
    Unreadable,
}

impl Replay {
    /// The state of `files` (a commit's whole docs tree), with no event:
    /// where a history that does not reach the first commit starts.
    pub(super) fn start(
        &mut self,
        files: &[FileChange],
        blobs: &mut Blobs,
    ) -> Result<(), HistoryError> {
        blobs.prefetch_runbooks(&runbook_blobs(files))?;
        for f in files {
            let Some(blob) = &f.blob else { continue };
            match &f.file {
                Tracked::Config => {
                    self.catalog = blobs.catalog(blob)?;
                    self.catalog_gap = self.catalog.is_none();
                }
                Tracked::Runbook(slug) => {
                    let digest = blobs.runbook(blob)?;
                    let gap = digest.is_none();
                    self.runbooks
                        .insert(slug.clone(), RunbookState { digest, gap });
                }
            }
        }
        Ok(())
    }

    /// One commit's changes, and the events they make.
    pub(super) fn apply(&mut self, logged: &Logged, blobs: &mut Blobs) -> Result<(), HistoryError> {
        let commit = &logged.commit;
        let old_catalog = self.catalog.clone();
        let mut new_catalog = old_catalog.clone();
        let catalog_gap = self.catalog_gap;
        let mut catalog_changed = false;
        let mut edits: BTreeMap<String, Edit> = BTreeMap::new();
        blobs.prefetch_runbooks(&runbook_blobs(&logged.changes))?;
        for change in &logged.changes {
            match (&change.file, &change.blob) {
                (Tracked::Config, Some(blob)) => match blobs.catalog(blob)? {
                    Some(c) => {
                        catalog_changed = true;
                        new_catalog = Some(c);
                        self.catalog_gap = false;
                    }
                    None => self.catalog_gap = true,
                },
                // A tree without its gtdocs.yaml is no tree: what the
                // catalog was stays, and what follows is incomplete.
                (Tracked::Config, None) => self.catalog_gap = true,
                (Tracked::Runbook(slug), None) => {
                    edits.insert(slug.clone(), Edit::Removed);
                }
                (Tracked::Runbook(slug), Some(blob)) => {
                    let edit = match blobs.runbook(blob)? {
                        Some(d) => Edit::Read(d),
                        None => Edit::Unreadable,
                    };
                    edits.insert(slug.clone(), edit);
                }
            }
        }
        let gap_before = catalog_gap || self.catalog_gap;
        // The runbooks read on both sides of the commit: before, after.
        let mut both: Vec<(String, Arc<RunbookDigest>, Arc<RunbookDigest>, bool)> = Vec::new();
        let mut added: Vec<(String, Option<Arc<RunbookDigest>>)> = Vec::new();
        let mut removed: Vec<(String, RunbookState)> = Vec::new();
        for (slug, edit) in edits {
            match (self.runbooks.get_mut(&slug), edit) {
                (None, Edit::Removed) => {}
                (Some(_), Edit::Removed) => {
                    if let Some(state) = self.runbooks.remove(&slug) {
                        removed.push((slug, state));
                    }
                }
                (None, Edit::Read(d)) => added.push((slug, Some(d))),
                (None, Edit::Unreadable) => added.push((slug, None)),
                (Some(state), Edit::Unreadable) => state.gap = true,
                (Some(state), Edit::Read(d)) => {
                    if let Some(before) = state.digest.replace(d.clone()) {
                        both.push((slug, before, d, state.gap));
                    }
                    state.gap = false;
                }
            }
        }
        if catalog_changed {
            // Every runbook's levels may have moved with the catalog.
            let edited: HashSet<&str> = both.iter().map(|(s, ..)| s.as_str()).collect();
            let untouched: Vec<_> = self
                .runbooks
                .iter()
                .filter(|(slug, _)| !edited.contains(slug.as_str()))
                .filter_map(|(slug, st)| {
                    let d = st.digest.clone()?;
                    Some((slug.clone(), d.clone(), d, st.gap))
                })
                .collect();
            both.extend(untouched);
            both.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let mut made = Made::new(commit);
        for (slug, state) in &removed {
            let title = state.digest.as_ref().and_then(|d| d.title.clone());
            made.push(
                ChangeKind::RunbookRemoved,
                Some(slug),
                title,
                None,
                state.gap,
            );
        }
        for (slug, digest) in &added {
            let title = digest.as_ref().and_then(|d| d.title.clone());
            made.push(
                ChangeKind::RunbookAdded,
                Some(slug),
                title,
                None,
                digest.is_none(),
            );
        }
        if let Some(new) = &new_catalog {
            let renamed = if catalog_changed {
                route_events(&mut made, old_catalog.as_deref(), new, &both, gap_before)
            } else {
                HashMap::new()
            };
            if let Some(old) = &old_catalog {
                for (slug, before, after, gap) in &both {
                    verdict_events(
                        &mut made,
                        (old, new),
                        (slug, before, after),
                        &renamed,
                        *gap || gap_before,
                    );
                }
            }
        }
        for (slug, digest) in added {
            let gap = digest.is_none();
            self.runbooks.insert(slug, RunbookState { digest, gap });
        }
        self.catalog = new_catalog;
        if !made.events.is_empty() {
            self.events.push(made.events);
        }
        Ok(())
    }

    /// Every event, newest commit first; a commit's own in the order
    /// they were made (runbooks, then routes, then verdicts).
    pub(super) fn finish(self) -> Vec<ChangeEvent> {
        self.events.into_iter().rev().flatten().collect()
    }
}

/// The runbook blobs among `files`.
fn runbook_blobs(files: &[FileChange]) -> Vec<&str> {
    files
        .iter()
        .filter(|f| matches!(f.file, Tracked::Runbook(_)))
        .filter_map(|f| f.blob.as_deref())
        .collect()
}

/// The route events of a catalog change; the renamed routes, new name to
/// old.
fn route_events(
    made: &mut Made<'_>,
    old: Option<&CatalogDigest>,
    new: &CatalogDigest,
    both: &[(String, Arc<RunbookDigest>, Arc<RunbookDigest>, bool)],
    incomplete: bool,
) -> HashMap<String, String> {
    let old_routes: &[String] = old.map_or(&[], |c| &c.routes);
    let gone: Vec<&String> = old_routes
        .iter()
        .filter(|r| !new.routes.contains(r))
        .collect();
    let mut fresh: Vec<&String> = new
        .routes
        .iter()
        .filter(|r| !old_routes.contains(r))
        .collect();
    let mut renamed = HashMap::new();
    for from in gone {
        let carried = |to: &String| {
            both.iter()
                .all(|(_, b, a, _)| b.verdicts.get(from) == a.verdicts.get(to))
                && both.iter().any(|(_, b, ..)| b.verdicts.contains_key(from))
        };
        match fresh.iter().position(|to| carried(to)) {
            Some(i) => {
                let to = fresh.remove(i);
                made.route(ChangeKind::RouteRenamed, to, Some(from), incomplete);
                renamed.insert(to.clone(), from.clone());
            }
            None => made.route(ChangeKind::RouteRemoved, from, None, incomplete),
        }
    }
    for to in fresh {
        made.route(ChangeKind::RouteAdded, to, None, incomplete);
        // A new route has no verdict before: none changed.
        renamed.insert(to.clone(), String::new());
    }
    renamed
}

/// The verdict events of one runbook read on both sides of a commit.
fn verdict_events(
    made: &mut Made<'_>,
    (old, new): (&CatalogDigest, &CatalogDigest),
    (slug, before, after): (&str, &RunbookDigest, &RunbookDigest),
    renamed: &HashMap<String, String>,
    incomplete: bool,
) {
    for route in &new.routes {
        let from = match renamed.get(route) {
            Some(from) if from.is_empty() => continue,
            Some(from) => from,
            None => route,
        };
        let b = before.verdicts.get(from).map(String::as_str);
        let a = after.verdicts.get(route).map(String::as_str);
        let (bl, al) = (old.level(b), new.level(a));
        if b == a && bl == al {
            continue;
        }
        let at = |id: Option<&str>, support: SupportLevel| VerdictAt {
            verdict: id.unwrap_or(crate::model::UNKNOWN).to_owned(),
            support,
        };
        made.verdict(
            ChangeKind::of_change(bl, al),
            slug,
            after.title.clone().or_else(|| before.title.clone()),
            route,
            (at(b, bl), at(a, al)),
            incomplete,
        );
    }
}

/// The events of one commit, each with an id unique in it.
struct Made<'a> {
    commit: &'a Arc<Commit>,
    events: Vec<ChangeEvent>,
    ids: HashSet<String>,
}

impl<'a> Made<'a> {
    fn new(commit: &'a Arc<Commit>) -> Self {
        Made {
            commit,
            events: Vec::new(),
            ids: HashSet::new(),
        }
    }

    /// `<commit, 12 digits>-<kind>-<runbook or "catalog">[-<route slug>]`,
    /// with `-2`, `-3`... should two routes of an old catalog share a slug.
    fn id(&mut self, kind: ChangeKind, runbook: Option<&str>, route: Option<&str>) -> String {
        let short = self.commit.id.get(..12).unwrap_or(&self.commit.id);
        let mut id = format!("{short}-{}-{}", kind.as_str(), runbook.unwrap_or("catalog"));
        if let Some(route) = route {
            id.push('-');
            id.push_str(&route_slug(route));
        }
        let mut unique = id.clone();
        let mut n = 1;
        while !self.ids.insert(unique.clone()) {
            n += 1;
            unique = format!("{id}-{n}");
        }
        unique
    }

    fn push(
        &mut self,
        kind: ChangeKind,
        runbook: Option<&str>,
        title: Option<String>,
        route: Option<&str>,
        incomplete: bool,
    ) {
        let id = self.id(kind, runbook, route);
        self.events.push(ChangeEvent {
            id,
            kind,
            commit: self.commit.clone(),
            runbook: runbook.map(str::to_owned),
            title,
            route: route.map(str::to_owned),
            from_route: None,
            before: None,
            after: None,
            incomplete,
        });
    }

    fn route(&mut self, kind: ChangeKind, route: &str, from: Option<&str>, incomplete: bool) {
        self.push(kind, None, None, Some(route), incomplete);
        if let Some(e) = self.events.last_mut() {
            e.from_route = from.map(str::to_owned);
        }
    }

    fn verdict(
        &mut self,
        kind: ChangeKind,
        slug: &str,
        title: Option<String>,
        route: &str,
        (before, after): (VerdictAt, VerdictAt),
        incomplete: bool,
    ) {
        self.push(kind, Some(slug), title, Some(route), incomplete);
        if let Some(e) = self.events.last_mut() {
            e.before = Some(before);
            e.after = Some(after);
        }
    }
}
